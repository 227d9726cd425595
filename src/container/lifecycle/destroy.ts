import { containerCgroup } from '../../cgroups/driver.js';
import { unwatchContainer } from '../../observe/watch.js';
import { isAlive } from '../state/procfs.js';
import type { ContainerRecord } from '../state/record.js';
import type { Store } from '../state/store.js';
import { sleep } from '../../sleep.js';

/**
 * Releases everything a container holds, in the reverse order it was taken: its
 * processes (the init, then whatever is left in its cgroup), its cgroup directories,
 * its state directory. Works from the intent record alone, so it also cleans up after
 * a create that was killed half-way.
 */
export function destroy(store: Store, rec: ContainerRecord): void {
  if (rec.pid !== undefined && isAlive(rec.pid, rec.pidStartTime)) {
    try { process.kill(rec.pid, 'SIGKILL'); } catch { /* already gone */ }
  }
  const cgroup = containerCgroup(rec.cgroup, rec.pid);
  unwatchContainer(cgroup);
  cgroup.destroy();
  if (rec.pid !== undefined) {
    const until = Date.now() + 5000;
    while (isAlive(rec.pid, rec.pidStartTime) && Date.now() < until) sleep(2);
  }
  store.remove(rec.id);
}
