/**
 * The hybrid driver: v1 controllers (/sys/fs/cgroup/<controller>) plus cgroup2 at
 * /sys/fs/cgroup/unified, like this machine; also legacy hosts with v1 only. The limits
 * live in the v1 hierarchies; the container's own unified cgroup (planned as the v2
 * driver does) gives it PSI, cgroup.kill, cgroup.freeze, the device filter and the eBPF id.
 * The init is cloned into the unified cgroup and joins the v1 ones at its first
 * rendezvous, before it unshares its cgroup namespace.
 *
 * Path rule: an absolute cgroupsPath is the same path in every hierarchy. A relative one
 * is relative to tsrunc's own cgroup in each hierarchy, as in runc — except that tsrunc
 * never creates a cgroup inside a v1 cgroup it did not create: where its own v1 cgroup is
 * not the hierarchy's root (on this kind of host the memory cgroup belongs to the machine's
 * agent), that hierarchy is left out, and a limit that needs it is an error that says to
 * use an absolute cgroupsPath.
 */
import fs from 'node:fs';
import path from 'node:path';
import { TsruncError, errnoCode } from '../../errors.js';
import { sleep } from '../../sleep.js';
import type { FeaturesCgroup } from '../../spec/generated/types.js';
import type { CgroupDriver } from '../driver.js';
import type { CgroupFacts } from '../facts.js';
import { type HostLayout, V1_RESOURCE_CONTROLLERS } from '../layout.js';
import { type ResolvedPath, missingDirs, placeIn, resolveCgroupsPath } from '../paths.js';
import type { CgroupRecord } from '../record.js';
import { type Foreign, placementOf } from '../resources.js';
import { type CgroupfsShape, cgroupfsPlan } from './cgroupfs.js';
import { noneDriver } from './none.js';
import { delegateDown, planUnified } from './v2.js';

/** The v1 controllers a container joins on this host. */
function v1ControllersToJoin(layout: HostLayout): string[] {
  // Every mounted hierarchy, as runc does: device rules go to the v1 devices controller
  // too (tools read devices.list), and engines look the init up in freezer and
  // name=systemd (containerd's shim loads the init's cgroups); freezing itself uses
  // cgroup.freeze where there is a unified hierarchy.
  const wanted: string[] = [...V1_RESOURCE_CONTROLLERS, 'devices', 'freezer', 'name=systemd'];
  return wanted.filter((c) => layout.v1.has(c));
}

/** The container's v1 cgroups, the directories to create, and the hierarchies the path rule leaves out. */
function planV1(facts: CgroupFacts, r: ResolvedPath): { v1: Record<string, string>; createdDirs: string[]; foreign: Map<string, string> } {
  const { layout } = facts;
  const v1: Record<string, string> = {};
  const createdDirs: string[] = [];
  const foreign = new Map<string, string>();
  const planned = new Set<string>();
  for (const c of v1ControllersToJoin(layout)) {
    const mount = layout.v1.get(c)!;
    const own = layout.ownV1.get(c) ?? '/';
    if (!r.absolute && own !== '/') {
      foreign.set(c, own);
      continue;
    }
    const { dir, rel } = placeIn(mount, own, r);
    v1[c] = dir;
    // Controllers that share a hierarchy (cpu,cpuacct) share the directory.
    if (!planned.has(mount)) {
      planned.add(mount);
      createdDirs.push(...missingDirs(facts.tree, mount, rel));
    }
  }
  return { v1, createdDirs, foreign };
}

/** The error for a limit whose v1 hierarchy was left out by the path rule. */
function foreignError(controller: string, own: string, field: string, cgroupsPath: string | undefined): TsruncError {
  return new TsruncError('EBUNDLE_CGROUP',
    `config.json: linux.resources.${field}: needs the ${controller} cgroup, but linux.cgroupsPath "${cgroupsPath ?? ''}" is relative and tsrunc's own ${controller} cgroup is ${own}, which tsrunc did not create: it does not create cgroups inside another owner's cgroup`,
    'use an absolute linux.cgroupsPath, e.g. /tsrunc/<container id>');
}

function readText(file: string): string | undefined {
  try {
    return fs.readFileSync(file, 'utf8').trim();
  } catch {
    return undefined;
  }
}

/** New v1 cpusets start empty, and no task can join an empty one: they get their parent's cpus and mems. */
function inheritCpusets(rec: CgroupRecord): void {
  const cpuset = rec.v1?.['cpuset'];
  if (!cpuset) return;
  for (const d of rec.createdDirs) {
    if (cpuset !== d && !cpuset.startsWith(d + '/')) continue;
    for (const f of ['cpuset.cpus', 'cpuset.mems']) {
      if (readText(path.join(d, f)) === '') {
        const parent = readText(path.join(path.dirname(d), f)) ?? '';
        if (parent !== '') fs.writeFileSync(path.join(d, f), parent);
      }
    }
  }
}

/** Moves the process into the container's v1 cgroups (it is in the unified one since clone3). */
function joinV1(rec: CgroupRecord, pid: number): void {
  const dirs = new Set(Object.values(rec.v1 ?? {}));
  for (const dir of dirs) {
    for (let i = 0; ; i++) {
      try {
        fs.writeFileSync(path.join(dir, 'cgroup.procs'), String(pid));
        break;
      } catch (e) {
        // EINVAL: a task that is still being forked (TASK_NEW); runc retries the same way.
        if (errnoCode(e) === 'EINVAL' && i < 5) { sleep(30); continue; }
        throw new TsruncError('ECGROUP', `put the container process ${pid} into ${dir}: ${errnoCode(e) ?? String(e)}`,
          errnoCode(e) === 'ENOSPC' ? 'the cpuset cgroup has no cpus or mems: set linux.resources.cpu.cpus and mems' : '');
      }
    }
  }
}

export const HYBRID_SHAPE: CgroupfsShape = {
  placement: (facts) => placementOf(facts.layout),
  ready(rec) {
    delegateDown(rec);
    inheritCpusets(rec);
  },
  join: joinV1,
};

/** What the hybrid driver adds to `features`' linux.cgroup: v1, with the container's own unified cgroup or alone. */
export const HYBRID_FEATURES: FeaturesCgroup = { v1: true };

export function hybridDriver(facts: CgroupFacts): CgroupDriver {
  return {
    kind: 'hybrid',
    plan(spec, id) {
      const cgroupsPath = spec.linux?.cgroupsPath;
      const r = resolveCgroupsPath(cgroupsPath, id);
      const unified = planUnified(facts, r);
      const v1 = planV1(facts, r);
      const record: CgroupRecord = {
        driver: 'hybrid',
        ...(unified.unified ? { unified: unified.unified } : {}),
        ...(Object.keys(v1.v1).length > 0 ? { v1: v1.v1 } : {}),
        createdDirs: [...unified.createdDirs, ...v1.createdDirs],
      };
      // No hierarchy tsrunc can use (none of its controllers is mounted): as without cgroups.
      if (!record.unified && !record.v1) return noneDriver().plan(spec, id);
      const foreign: Foreign = { left: v1.foreign, error: (c, own, field) => foreignError(c, own, field, cgroupsPath) };
      return cgroupfsPlan(HYBRID_SHAPE, facts, spec, record, r.warning ? [r.warning] : [], foreign);
    },
  };
}
