/**
 * What the v2 and hybrid drivers share: both write cgroupfs themselves. A plan is the
 * record (directories to create, resources) checked against the tree before anything
 * exists; prepare creates the directories and writes the limits; the operations on an
 * existing container go by the record (a unified cgroup, v1 cgroups, or both).
 */
import fs from 'node:fs';
import path from 'node:path';
import { TsruncError } from '../../errors.js';
import type { LinuxResources, Spec } from '../../spec/generated/types.js';
import type { CgroupPlan, ContainerCgroup, PsiResource } from '../driver.js';
import { devicePolicy } from '../devices/rules.js';
import { type CgroupFacts, type CgroupTree, LIVE_TREE, readCgroupFacts } from '../facts.js';
import { isFrozen, setFrozen } from '../freeze.js';
import { type PsiStats, readPsi } from '../psi.js';
import type { CgroupRecord } from '../record.js';
import { type Foreign, type Placement, applyResources, routeResources } from '../resources.js';
import { containerPids, signalAll } from '../signal.js';
import { type Stats, effectiveCpus, memoryUsage, oomKills, readStats } from '../stats.js';
import { destroyCgroups } from '../teardown.js';
import { createDirs } from '../unified.js';
import { CONFIG_SOURCE, type Source } from '../writes.js';

/** What differs between the cgroupfs drivers. */
export interface CgroupfsShape {
  /** Which hierarchy holds each controller on this host. */
  placement(facts: CgroupFacts): Placement;
  /** After the directories were made: what makes them usable (delegation, cpuset values). */
  ready(rec: CgroupRecord): void;
  /** After spawn: the placements clone3(CLONE_INTO_CGROUP) could not do. */
  join(rec: CgroupRecord, pid: number): void;
}

/**
 * The plan of a cgroupfs driver: the resources are translated and checked against the
 * tree (a missing controller, a bad value, a busy cgroup are errors here, before create
 * takes anything); nothing is touched.
 */
export function cgroupfsPlan(shape: CgroupfsShape, facts: CgroupFacts, spec: Spec, record: CgroupRecord, warnings: string[], foreign?: Foreign): CgroupPlan {
  const resources = spec.linux?.resources;
  if (resources && Object.keys(resources).length > 0) record.resources = resources;
  const routed = routeResources(record, shape.placement(facts), facts.tree, resources ?? {}, CONFIG_SOURCE, foreign);
  devicePolicy(resources?.devices ?? [], CONFIG_SOURCE);
  checkUsable(facts.tree, record);
  return {
    record,
    warnings: [...warnings, ...routed.warnings],
    prepare() {
      createDirs(record.createdDirs);
      shape.ready(record);
      // Translated again now that the directories exist: which files the kernel offers is known only now.
      applyResources(record, shape.placement(facts), LIVE_TREE, record.resources ?? {}, CONFIG_SOURCE, true);
      return record.unified ? { cloneInto: record.unified } : {};
    },
    attach: (pid) => shape.join(record, pid),
  };
}

/** What says a cgroup is frozen, per kind of hierarchy, and how to thaw it. */
const FROZEN = {
  unified: { file: 'cgroup.freeze', value: '1', thaw: 'echo 0 > cgroup.freeze' },
  v1: { file: 'freezer.state', value: 'FROZEN', thaw: 'echo THAWED > freezer.state' },
};

/** A cgroup that exists already must be empty and not frozen to be used by a new container, in every hierarchy. */
function checkUsable(tree: CgroupTree, rec: CgroupRecord): void {
  const dirs = [
    ...(rec.unified ? [{ dir: rec.unified, ...FROZEN.unified }] : []),
    ...Object.values(rec.v1 ?? {}).map((dir) => ({ dir, ...FROZEN.v1 })),
  ];
  for (const { dir, file, value, thaw } of dirs) {
    if (!tree.exists(dir)) continue;
    if ((tree.read(path.join(dir, 'cgroup.procs')) ?? '').trim() !== '') {
      throw new TsruncError('ECGROUP', `cgroup ${dir} already has processes`, 'use a cgroupsPath of its own for each container');
    }
    if (tree.read(path.join(dir, file))?.trim() === value) {
      throw new TsruncError('ECGROUP', `cgroup ${dir} is frozen`, `thaw it (${thaw}) or use another cgroupsPath`);
    }
  }
}

/** An existing container's cgroups written by a cgroupfs driver, from its record alone. */
export class CgroupfsCgroup implements ContainerCgroup {
  constructor(readonly record: CgroupRecord, private readonly shape: CgroupfsShape) {}

  cloneInto(): string | undefined {
    return this.record.unified;
  }

  join(pid: number): void {
    this.shape.join(this.record, pid);
  }

  update(r: LinuxResources, src: Source): string[] {
    return applyResources(this.record, this.shape.placement(readCgroupFacts()), LIVE_TREE, r, src, r.devices !== undefined);
  }

  setFrozen(frozen: boolean): void {
    setFrozen(this.record, frozen);
  }

  isFrozen(): boolean {
    return isFrozen(this.record);
  }

  pids(): number[] {
    return containerPids(this.record);
  }

  signalAll(signal: number): void {
    signalAll(this.record, signal);
  }

  stats(): Stats {
    return readStats(this.record);
  }

  psi(resource: PsiResource): PsiStats | undefined {
    return readPsi(this.record.unified, resource);
  }

  oomKills(): bigint {
    return oomKills(this.record);
  }

  memoryUsage(): bigint {
    return memoryUsage(this.record);
  }

  effectiveCpus(): number[] | undefined {
    return effectiveCpus(this.record);
  }

  id(): bigint | undefined {
    if (!this.record.unified) return undefined;
    try {
      return fs.statSync(this.record.unified, { bigint: true }).ino;
    } catch {
      return undefined;
    }
  }

  destroy(): void {
    destroyCgroups(this.record);
  }
}
