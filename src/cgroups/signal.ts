/** The processes of a container's cgroups: listing them (ps, kill --all) and killing them all. */
import fs from 'node:fs';
import path from 'node:path';
import { errnoCode } from '../errors.js';
import type { CgroupRecord } from './record.js';
import { readProcs } from './unified.js';

/** The directory that holds every process of the container: the unified one, else a v1 one. */
function procsRoot(set: CgroupRecord): string | undefined {
  const v1 = set.v1 ?? {};
  return set.unified ?? v1['pids'] ?? v1['memory'] ?? v1['freezer'] ?? Object.values(v1)[0];
}

/** Host pids of every process in the container's cgroup and the cgroups below it. */
export function containerPids(set: CgroupRecord): number[] {
  const root = procsRoot(set);
  if (!root) return [];
  const out: number[] = [];
  const walk = (dir: string): void => {
    out.push(...readProcs(dir));
    let entries: fs.Dirent[] = [];
    try { entries = fs.readdirSync(dir, { withFileTypes: true }); } catch { /* removed meanwhile */ }
    for (const e of entries) if (e.isDirectory()) walk(path.join(dir, e.name));
  };
  walk(root);
  return [...new Set(out)].sort((a, b) => a - b);
}

/**
 * Sends `signal` to every process. SIGKILL goes through cgroup.kill where there is one:
 * the kernel then also gets processes forked while we would be walking the list, and
 * frozen ones.
 */
export function signalAll(set: CgroupRecord, signal: number): void {
  if (signal === 9 && set.unified) {
    try {
      fs.writeFileSync(path.join(set.unified, 'cgroup.kill'), '1');
      return;
    } catch (e) {
      if (errnoCode(e) !== 'ENOENT') throw e;
      // No cgroup.kill before Linux 5.14: one by one.
    }
  }
  for (const pid of containerPids(set)) {
    try { process.kill(pid, signal); } catch (e) { if (errnoCode(e) !== 'ESRCH') throw e; }
  }
}
