/**
 * The container's side of the collector: `create` registers its unified cgroup id (the
 * only thing the collector needs to attribute events), `delete` forgets it. Neither may
 * fail the command: without eBPF (no BTF, no bpffs, no privilege, libbpf missing) tsrunc
 * warns once per create and goes on; PSI and the cgroup files still tell most of the story.
 */
import type { ContainerCgroup } from '../cgroups/driver.js';
import { errorMessage } from './errors.js';
import { ensureCollector, openCollector } from './collector.js';

/** TSRUNC_BPF=0 turns the collector off (no load, no warning). */
export function collectorWanted(): boolean {
  return process.env['TSRUNC_BPF'] !== '0';
}

export function watchContainer(cg: ContainerCgroup, warn: (msg: string) => void): void {
  if (!collectorWanted()) return;
  try {
    const id = cg.id();
    if (id === undefined) return;
    const c = ensureCollector();
    try {
      c.register(id);
    } finally {
      c.close();
    }
  } catch (e) {
    warn(`no eBPF process counters for this container: ${errorMessage(e)}`);
  }
}

/** Before the cgroup is removed: its id is the key, and it is gone with the directory. */
export function unwatchContainer(cg: ContainerCgroup): void {
  if (!collectorWanted()) return;
  try {
    const id = cg.id();
    if (id === undefined) return;
    const c = openCollector();
    if (!c) return;
    try {
      c.unregister(id);
    } finally {
      c.close();
    }
  } catch {
    // Not loaded or not ours to read: nothing was registered then.
  }
}
