import { helper } from '../native/helper.js';

/** Signals a foreground `run` or `exec` passes on to the container process, as runc does. */
const FORWARDED: NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP', 'SIGQUIT', 'SIGUSR1', 'SIGUSR2', 'SIGWINCH', 'SIGCONT'];

/** Waits for the process, passing our signals on to it; resolves with its exit status
 * (128 + signal when killed). */
export async function waitForwarding(pid: number, pidfd: number): Promise<number> {
  const handlers = FORWARDED.map((sig) => {
    const h = () => {
      try { process.kill(pid, sig); } catch { /* exited meanwhile */ }
    };
    process.on(sig, h);
    return [sig, h] as const;
  });
  try {
    return await helper().waitPidfd(pidfd);
  } finally {
    for (const [sig, h] of handlers) process.off(sig, h);
  }
}
