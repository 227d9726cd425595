/** Running a mutating command on one container: under its lock, with its record and live status. */
import type { ContainerRecord, Status } from './record.js';
import { statusOf } from './status.js';
import { Store, notFound } from './store.js';

export function withLockedContainer<T>(root: string, id: string, fn: (rec: ContainerRecord, status: Status, store: Store) => T): T {
  const store = new Store(root);
  const lock = store.lock(id);
  if (!lock) throw notFound(id);
  try {
    const rec = store.read(id);
    if (!rec) throw notFound(id);
    return fn(rec, statusOf(rec, store.dir(id)), store);
  } finally {
    lock.close();
  }
}
