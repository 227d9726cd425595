/**
 * Releasing a container's cgroups on delete (and after a failed or killed create): thaw,
 * kill what is left, then remove the directories tsrunc created, in every hierarchy.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { CgroupRecord } from './record.js';
import { containerPids, signalAll } from './signal.js';
import { killAll, removeDirs } from './unified.js';
import { sleep } from '../sleep.js';

function thaw(set: CgroupRecord): void {
  // Best effort: a frozen v1 task would not die of SIGKILL until thawed.
  const files: [string, string][] = [];
  if (set.unified) files.push([path.join(set.unified, 'cgroup.freeze'), '0']);
  if (set.v1?.['freezer']) files.push([path.join(set.v1['freezer'], 'freezer.state'), 'THAWED']);
  for (const [f, v] of files) {
    try { fs.writeFileSync(f, v); } catch { /* not there: nothing to thaw */ }
  }
}

export function destroyCgroups(set: CgroupRecord, timeoutMs = 5000): void {
  thaw(set);
  if (set.unified) {
    killAll(set.unified, timeoutMs);
  } else {
    signalAll(set, 9);
    const until = Date.now() + timeoutMs;
    while (containerPids(set).length > 0 && Date.now() < until) sleep(2);
  }
  removeDirs(set.createdDirs);
}
