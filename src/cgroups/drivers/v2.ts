/**
 * The v2 driver: one cgroup in the unified hierarchy (/sys/fs/cgroup is cgroup2), made
 * with cgroupfs. The init is cloned straight into it (clone3 CLONE_INTO_CGROUP), so
 * nothing runs before the limits are in place; there is nothing to join afterwards.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { FeaturesCgroup } from '../../spec/generated/types.js';
import type { CgroupDriver } from '../driver.js';
import type { CgroupFacts } from '../facts.js';
import { missingDirs, placeIn, resolveCgroupsPath, type ResolvedPath } from '../paths.js';
import type { CgroupRecord } from '../record.js';
import type { Placement } from '../resources.js';
import { type CgroupfsShape, cgroupfsPlan } from './cgroupfs.js';

/** The container's cgroup in the unified hierarchy and the directories to create for it (none without a unified mount). */
export function planUnified(facts: CgroupFacts, r: ResolvedPath): Pick<CgroupRecord, 'unified' | 'createdDirs'> {
  const mount = facts.layout.unified;
  if (!mount) return { createdDirs: [] };
  const { dir, rel } = placeIn(mount, facts.ownUnified, r);
  return { unified: dir, createdDirs: missingDirs(facts.tree, mount, rel) };
}

/** An intermediate cgroup tsrunc created passes every controller it has on to its child. */
export function delegateDown(rec: CgroupRecord): void {
  const target = rec.unified;
  for (const d of rec.createdDirs) {
    if (d === target || !target?.startsWith(d + '/')) continue;
    let have: string[] = [];
    try { have = fs.readFileSync(path.join(d, 'cgroup.controllers'), 'utf8').trim().split(/\s+/).filter(Boolean); } catch { /* none */ }
    for (const c of have) {
      // One at a time: one refused controller must not keep the others away.
      try { fs.writeFileSync(path.join(d, 'cgroup.subtree_control'), `+${c}`); } catch { /* reported when a limit needs it */ }
    }
  }
}

export const V2_SHAPE: CgroupfsShape = {
  placement: (facts): Placement => (_v1, v2) => (facts.layout.v2Controllers.has(v2) ? 'v2' : undefined),
  ready: delegateDown,
  // The init and exec'd processes are cloned into the unified cgroup: nothing to join.
  join: () => {},
};

/** What the v2 driver adds to `features`' linux.cgroup. */
export const V2_FEATURES: FeaturesCgroup = { v2: true };

export function v2Driver(facts: CgroupFacts): CgroupDriver {
  return {
    kind: 'v2',
    plan(spec, id) {
      const r = resolveCgroupsPath(spec.linux?.cgroupsPath, id);
      const record: CgroupRecord = { driver: 'v2', ...planUnified(facts, r) };
      return cgroupfsPlan(V2_SHAPE, facts, spec, record, r.warning ? [r.warning] : []);
    },
  };
}
