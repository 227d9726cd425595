/**
 * Taking the container's cgroups: the directories (intermediate v2 ones delegate their
 * controllers down; new v1 cpuset ones get their parent's cpus and mems, or no task
 * could join them), and the placement of the init in the v1 hierarchies — v2 placement
 * is clone3(CLONE_INTO_CGROUP), before the init runs.
 */
import fs from 'node:fs';
import path from 'node:path';
import { TsruncError, errnoCode } from '../errors.js';
import type { CgroupSet } from './cgroup-set.js';
import { checkUsable, createDirs, readProcs } from './unified.js';
import { sleep } from '../sleep.js';

/** Before anything is created: a cgroup that exists already must be empty and not frozen, in every hierarchy. */
export function checkSetUsable(set: CgroupSet): void {
  if (set.unified) checkUsable(set.unified);
  for (const dir of Object.values(set.v1 ?? {})) {
    if (!fs.existsSync(dir)) continue;
    if (readProcs(dir).length > 0) {
      throw new TsruncError('ECGROUP', `cgroup ${dir} already has processes`, 'use a cgroupsPath of its own for each container');
    }
    if (readText(path.join(dir, 'freezer.state')) === 'FROZEN') {
      throw new TsruncError('ECGROUP', `cgroup ${dir} is frozen`, 'thaw it (echo THAWED > freezer.state) or use another cgroupsPath');
    }
  }
}

function readText(file: string): string | undefined {
  try {
    return fs.readFileSync(file, 'utf8').trim();
  } catch {
    return undefined;
  }
}

/** Creates the recorded directories, then makes them usable. */
export function createSet(set: CgroupSet): void {
  createDirs(set.createdDirs);
  for (const d of set.createdDirs) {
    if (d !== set.unified && set.unified?.startsWith(d + '/')) delegateControllers(d);
    if (set.v1?.['cpuset'] && (set.v1['cpuset'] === d || set.v1['cpuset'].startsWith(d + '/'))) inheritCpuset(d);
  }
}

/** An intermediate v2 cgroup we created passes every controller it has on to its child. */
function delegateControllers(dir: string): void {
  const have = (readText(path.join(dir, 'cgroup.controllers')) ?? '').split(/\s+/).filter(Boolean);
  for (const c of have) {
    // One at a time: one refused controller must not keep the others away.
    try { fs.writeFileSync(path.join(dir, 'cgroup.subtree_control'), `+${c}`); } catch { /* reported when a limit needs it */ }
  }
}

function inheritCpuset(dir: string): void {
  for (const f of ['cpuset.cpus', 'cpuset.mems']) {
    if (readText(path.join(dir, f)) === '') {
      const parent = readText(path.join(path.dirname(dir), f)) ?? '';
      if (parent !== '') fs.writeFileSync(path.join(dir, f), parent);
    }
  }
}

/** Moves the process into the container's v1 cgroups (it is in the unified one since clone3). */
export function joinV1(set: CgroupSet, pid: number): void {
  const dirs = new Set(Object.values(set.v1 ?? {}));
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

