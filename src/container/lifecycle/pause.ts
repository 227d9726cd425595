/** `pause` and `resume`: freezing the container's cgroup (status "paused" is read back from the kernel). */
import { containerCgroup } from '../../cgroups/driver.js';
import { requireStatus, withLockedContainer } from '../state/access.js';

function freeze(root: string, id: string, frozen: boolean): void {
  withLockedContainer(root, id, (c) => {
    requireStatus(c, [frozen ? 'running' : 'paused'], frozen ? 'pause' : 'resume');
    const { rec } = c;
    containerCgroup(rec.cgroup, rec.pid).setFrozen(frozen);
  });
}

export function pauseContainer(root: string, id: string): void {
  freeze(root, id, true);
}

export function resumeContainer(root: string, id: string): void {
  freeze(root, id, false);
}
