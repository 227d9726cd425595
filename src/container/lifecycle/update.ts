/**
 * `update`: new resources for a container that exists (created, running or paused). The
 * given fields are merged into the resources in force; each part that changed is applied
 * whole (so memory and swap, quota and period stay consistent); the result is saved in
 * the state record, where the next update starts from.
 */
import { containerCgroup } from '../../cgroups/driver.js';
import { TsruncError } from '../../errors.js';
import type { LinuxResources } from '../../spec/generated/types.js';
import { LIVE, requireStatus, withLockedContainer } from '../state/access.js';

type Obj = Record<string, unknown>;

const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Fields of `patch` over `current`: objects merge field by field, arrays are replaced. */
export function mergeResources(current: LinuxResources, patch: LinuxResources): LinuxResources {
  const out: Obj = { ...current };
  for (const [k, v] of Object.entries(patch)) {
    const cur = (current as Obj)[k];
    out[k] = isObj(v) && isObj(cur) ? { ...cur, ...v } : v;
  }
  return out as LinuxResources;
}

/**
 * What to write for an update: every part named by the patch, taken whole from the merged
 * result. A memory limit changed alone keeps "no swap" meaning no swap (memory+swap moves
 * with it), as the old and new limits would otherwise straddle the old memory+swap.
 */
export function updateWrites(current: LinuxResources, patch: LinuxResources): { merged: LinuxResources; apply: LinuxResources } {
  const p: LinuxResources = { ...patch };
  const oldMem = current.memory;
  if (p.memory?.limit !== undefined && p.memory.swap === undefined && oldMem?.swap !== undefined && oldMem.swap === oldMem.limit) {
    p.memory = { ...p.memory, swap: p.memory.limit };
  }
  const merged = mergeResources(current, p);
  const apply: Obj = {};
  for (const k of Object.keys(p)) apply[k] = (merged as Obj)[k];
  return { merged, apply: apply as LinuxResources };
}

export function updateContainer(root: string, id: string, patch: LinuxResources, warn: (m: string) => void): void {
  withLockedContainer(root, id, (c, store) => {
    requireStatus(c, LIVE, 'update');
    const { rec } = c;
    const cgroup = containerCgroup(rec.cgroup, rec.pid);
    const current = cgroup.record.resources ?? rec.spec.linux?.resources ?? {};
    const { merged, apply } = updateWrites(current, patch);
    const limit = apply.memory?.limit;
    if (merged.memory?.checkBeforeUpdate && limit !== undefined && limit > 0) {
      const used = cgroup.memoryUsage();
      if (BigInt(limit) < used) {
        throw new TsruncError('EUSAGE', `update: memory.limit ${limit} is below the current usage ${used}`, 'raise the limit, or unset memory.checkBeforeUpdate');
      }
    }
    cgroup.update(apply, { prefix: 'update: linux.resources' }).forEach(warn);
    rec.cgroup = { ...cgroup.record, resources: merged };
    store.write(rec);
  });
}
