import { helper } from '../../native/helper.js';
import { proxyTerminal } from '../launch/console.js';
import { createContainer, type CreateOptions } from './create.js';
import { deleteContainer } from './delete.js';
import { startContainer } from './start.js';
import { forwardSignals, waitForwarding } from '../exec/wait.js';

/**
 * `run`: create, start, and (unless detached) wait for the container process, passing
 * signals on, then delete it (unless keep). Resolves with the container's exit status
 * (128 + signal when killed).
 */
export async function runContainer(opts: CreateOptions & { detach: boolean; keep: boolean }): Promise<number> {
  // The init may fork into its pid namespace: as a subreaper we stay its parent.
  if (!opts.detach) helper().setSubreaper(true);
  const { record, pidfd, console: master } = createContainer({ ...opts, foreground: !opts.detach });
  const restore = master === undefined ? undefined : proxyTerminal(master);
  // Forward signals from before start (as runc does): start returns once the process
  // runs, and it may already be waiting for them. (Delivered once start returns.)
  const forwarding = opts.detach ? undefined : forwardSignals(record.pid!);
  try {
    startContainer(opts.root, opts.id, opts.warn);
  } catch (e) {
    forwarding?.();
    restore?.();
    deleteContainer(opts.root, opts.id, true, opts.warn);
    throw e;
  }
  if (opts.detach) return 0;
  try {
    return await waitForwarding(record.pid!, pidfd, true);
  } finally {
    forwarding?.();
    restore?.();
    if (!opts.keep) deleteContainer(opts.root, opts.id, true, opts.warn);
  }
}
