import { helper } from '../native/helper.js';
import { createContainer, type CreateOptions } from './create.js';
import { deleteContainer, startContainer } from './lifecycle.js';
import { waitForwarding } from './wait.js';

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
  try {
    return await waitForwarding(record.pid!, pidfd);
  } finally {
    if (!opts.keep) deleteContainer(opts.root, opts.id, true);
  }
}
