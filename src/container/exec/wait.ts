import { helper } from '../../native/helper.js';

/** Signals a foreground `run` or `exec` passes on to the container process, as runc does. */
const FORWARDED: NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP', 'SIGQUIT', 'SIGUSR1', 'SIGUSR2', 'SIGWINCH', 'SIGCONT'];

/** Passes our signals on to `pid` until the returned function is called. */
export function forwardSignals(pid: number): () => void {
  const handlers = FORWARDED.map((sig) => {
    const h = () => {
      try { process.kill(pid, sig); } catch { /* exited meanwhile */ }
    };
    process.on(sig, h);
    return [sig, h] as const;
  });
  return () => {
    for (const [sig, h] of handlers) process.off(sig, h);
  };
}

/** Waits for the process, passing our signals on to it (unless the caller already
 * does, `forwarding`); resolves with its exit status (128 + signal when killed). */
export async function waitForwarding(pid: number, pidfd: number, forwarding = false): Promise<number> {
  const stop = forwarding ? () => {} : forwardSignals(pid);
  try {
    return await helper().waitPidfd(pidfd);
  } finally {
    stop();
  }
}
