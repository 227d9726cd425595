/**
 * pause/resume: cgroup.freeze on the container's unified cgroup (on hybrid hosts too —
 * the core file exists without any controller), the v1 freezer where there is no
 * unified hierarchy. Both are asynchronous in the kernel: we wait until it says done.
 */
import fs from 'node:fs';
import path from 'node:path';
import { TsruncError, errnoCode } from '../errors.js';
import type { CgroupRecord } from './record.js';
import { sleep } from '../sleep.js';

function read(file: string): string {
  try {
    return fs.readFileSync(file, 'utf8');
  } catch {
    return '';
  }
}

/** True when every process of the container is frozen (what `state` calls paused). */
export function isFrozen(set: CgroupRecord): boolean {
  if (set.unified) return /^frozen 1$/m.test(read(path.join(set.unified, 'cgroup.events')));
  const fz = set.v1?.['freezer'];
  return fz !== undefined && read(path.join(fz, 'freezer.state')).trim() === 'FROZEN';
}

function write(file: string, value: string): void {
  try {
    fs.writeFileSync(file, value);
  } catch (e) {
    throw new TsruncError('ECGROUP', `write ${value} to ${file}: ${errnoCode(e) ?? String(e)}`,
      errnoCode(e) === 'ENOENT' ? 'this kernel has no cgroup freezer (cgroup.freeze needs Linux 5.2)' : '');
  }
}

/** Freezes (true) or thaws (false) the container and waits until the kernel has done it. */
export function setFrozen(set: CgroupRecord, frozen: boolean, timeoutMs = 10_000): void {
  const until = Date.now() + timeoutMs;
  if (set.unified) {
    write(path.join(set.unified, 'cgroup.freeze'), frozen ? '1' : '0');
    while (isFrozen(set) !== frozen) {
      if (Date.now() > until) throw stuck(set.unified, frozen);
      sleep(1);
    }
    return;
  }
  const fz = set.v1?.['freezer'];
  if (!fz) throw new TsruncError('ECGROUP', 'the container has no freezer cgroup (no cgroup.freeze and no v1 freezer)', 'mount the freezer controller or cgroup2');
  const want = frozen ? 'FROZEN' : 'THAWED';
  // v1 may stay FREEZING while tasks are busy in the kernel; writing again retries (as runc does).
  for (;;) {
    write(path.join(fz, 'freezer.state'), want);
    if (read(path.join(fz, 'freezer.state')).trim() === want) return;
    if (Date.now() > until) throw stuck(fz, frozen);
    sleep(1);
  }
}

function stuck(dir: string, frozen: boolean): TsruncError {
  return new TsruncError('ECGROUP', `cgroup ${dir} did not ${frozen ? 'freeze' : 'thaw'} in time`,
    'a process may be stuck in the kernel (D state); check with ps, then try again');
}
