/**
 * Socket activation, as runc does it: when tsrunc itself was started with LISTEN_FDS=N and
 * LISTEN_PID equal to its own pid (systemd, or conmon rewriting LISTEN_PID for us), the
 * fds 3 … 3+N-1 go to the container ahead of the --preserve-fds ones, and the container's
 * environment says LISTEN_FDS=N, LISTEN_PID=1 (its process is pid 1 of its namespace).
 */
export function listenFds(env: NodeJS.ProcessEnv = process.env, pid = process.pid): number {
  const n = Number(env['LISTEN_FDS']);
  if (!Number.isInteger(n) || n <= 0 || Number(env['LISTEN_PID']) !== pid) return 0;
  return n;
}

/** The container's environment with the activation variables for n fds. */
export function withListenEnv(envList: readonly string[], n: number): string[] {
  return [...envList.filter((e) => !e.startsWith('LISTEN_FDS=') && !e.startsWith('LISTEN_PID=')), `LISTEN_FDS=${n}`, 'LISTEN_PID=1'];
}
