/** `pause` and `resume`: freezing the container's cgroup (status "paused" is read back from the kernel). */
import { setFrozen } from '../../cgroups/freeze.js';
import { TsruncError } from '../../errors.js';
import { requireStatus, withLockedContainer } from '../state/access.js';

function freeze(root: string, id: string, frozen: boolean): void {
  withLockedContainer(root, id, (c) => {
    requireStatus(c, [frozen ? 'running' : 'paused'], frozen ? 'pause' : 'resume');
    const { rec } = c;
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
