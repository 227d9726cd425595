/** `pause` and `resume`: freezing the container's cgroup (status "paused" is read back from the kernel). */
import { setFrozen } from '../../cgroups/freeze.js';
import { TsruncError } from '../../errors.js';
import { withLockedContainer } from '../state/locked.js';

function freeze(root: string, id: string, frozen: boolean): void {
  withLockedContainer(root, id, (rec, status) => {
    const want = frozen ? 'running' : 'paused';
    if (status !== want) {
      throw new TsruncError('ESTATE', frozen ? 'container not running' : 'container not paused', `container "${id}" is ${status}`);
    }
    if (!rec.cgroup) throw new TsruncError('ECGROUP', `container "${id}" has no cgroup to freeze`, 'this host has no cgroup hierarchy with a freezer');
    setFrozen(rec.cgroup, frozen);
  });
}

export function pauseContainer(root: string, id: string): void {
  freeze(root, id, true);
}

export function resumeContainer(root: string, id: string): void {
  freeze(root, id, false);
}
