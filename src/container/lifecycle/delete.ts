/** `delete`: removes a stopped or created container, or with --force any. */
import { runHooks } from '../launch/hooks.js';
import { requireStatus } from '../state/access.js';
import type { ContainerRecord } from '../state/record.js';
import { statusOf } from '../state/status.js';
import { Store, notFound } from '../state/store.js';
import { destroy } from './destroy.js';

/** An unknown id with force is fine. The poststop hooks run once it is gone (failures are warnings). */
export function deleteContainer(root: string, id: string, force: boolean, warn: (msg: string) => void = () => {}): void {
  let deleted: ContainerRecord | undefined;
  const store = new Store(root);
  const lock = store.lock(id);
  if (!lock) {
    if (force) return;
    throw notFound(id);
  }
  try {
    const rec = store.read(id);
    if (!rec) {
      // A directory without a record: a create killed before it wrote its intent.
      if (force) return store.remove(id);
      throw notFound(id);
    }
    if (!force) requireStatus({ rec, status: statusOf(rec, store.dir(id)) }, ['stopped', 'created'], 'delete');
    destroy(store, rec);
    deleted = rec;
  } finally {
    lock.close();
  }
  if (deleted) runHooks(deleted.spec, ['poststop'], deleted, 'stopped', warn);
}
