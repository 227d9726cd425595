import { helper } from '../native/helper.js';
import { createContainer, type CreateOptions } from './create.js';
import { deleteContainer, startContainer } from './lifecycle.js';

/** Signals `run` passes on to the container process, as runc does. */
const FORWARDED: NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP', 'SIGQUIT', 'SIGUSR1', 'SIGUSR2', 'SIGWINCH', 'SIGCONT'];

/**
 * `run`: create, start, and (unless detached) wait for the container process, passing
 * signals on, then delete it (unless keep). Resolves with the container's exit status
 * (128 + signal when killed).
 */
export async function runContainer(opts: CreateOptions & { detach: boolean; keep: boolean }): Promise<number> {
  // The init may fork into its pid namespace: as a subreaper we stay its parent.
  if (!opts.detach) helper().setSubreaper(true);
  const { record, pidfd } = createContainer(opts);
  try {
    startContainer(opts.root, opts.id);
  } catch (e) {
    deleteContainer(opts.root, opts.id, true);
    throw e;
  }
  if (opts.detach) return 0;
  const handlers = FORWARDED.map((sig) => {
    const h = () => {
      try { process.kill(record.pid!, sig); } catch { /* exited meanwhile */ }
    };
    process.on(sig, h);
    return [sig, h] as const;
  });
  try {
    return await helper().waitPidfd(pidfd);
  } finally {
    for (const [sig, h] of handlers) process.off(sig, h);
    if (!opts.keep) deleteContainer(opts.root, opts.id, true);
  }
}
