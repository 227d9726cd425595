/** `pause` and `resume`: freezing the container's cgroup (status "paused" is read back from the kernel). */
import type { CgroupSet } from '../cgroups/cgroup-set.js';
import { setFrozen } from '../cgroups/freeze.js';
import { TsruncError } from '../errors.js';
import { statusOf } from './status.js';
import { Store, notFound } from './store.js';

function withLockedRunning(root: string, id: string, want: 'running' | 'paused', fn: (cg: CgroupSet) => void): void {
  const store = new Store(root);
  const lock = store.lock(id);
  if (!lock) throw notFound(id);
  try {
    const rec = store.read(id);
    if (!rec) throw notFound(id);
    const status = statusOf(rec, store.dir(id));
    if (status !== want) {
      throw new TsruncError('ESTATE', want === 'running' ? 'container not running' : 'container not paused', `container "${id}" is ${status}`);
    }
    if (!rec.cgroup) throw new TsruncError('ECGROUP', `container "${id}" has no cgroup to freeze`, 'this host has no cgroup hierarchy with a freezer');
    fn(rec.cgroup);
  } finally {
    lock.close();
  }
}

export function pauseContainer(root: string, id: string): void {
  withLockedRunning(root, id, 'running', (cg) => setFrozen(cg, true));
}

export function resumeContainer(root: string, id: string): void {
  withLockedRunning(root, id, 'paused', (cg) => setFrozen(cg, false));
}
