/**
 * The container's own cgroup in the unified (v2) hierarchy. On a pure v2 host this is
 * /sys/fs/cgroup; on a hybrid host (v1 controllers + cgroup2 at /sys/fs/cgroup/unified)
 * it is the unified mount, which has no controllers but gives every container PSI,
 * cgroup.kill, and an id for eBPF attribution. All cgroup file I/O lives in cgroups/.
 */
import fs from 'node:fs';
import path from 'node:path';
import { TsruncError } from '../errors.js';
import { sleep } from '../sleep.js';

const CGROUP2_SUPER_MAGIC = 0x63677270;
const CANDIDATES = ['/sys/fs/cgroup', '/sys/fs/cgroup/unified'];

/** The mount point of the unified hierarchy, or undefined when there is none. */
export function unifiedMount(): string | undefined {
  for (const dir of CANDIDATES) {
    try {
      if (Number(fs.statfsSync(dir).type) === CGROUP2_SUPER_MAGIC) return dir;
    } catch {
      // not mounted here
    }
  }
  return undefined;
}

/** This process's own cgroup in the unified hierarchy ("0::/path" in /proc/self/cgroup). */
export function ownUnifiedCgroup(): string {
  const line = fs.readFileSync('/proc/self/cgroup', 'utf8').split('\n').find((l) => l.startsWith('0::'));
  return line ? line.slice(3) : '/';
}

/** Creates the given directories in order (they were recorded as intent first). */
export function createDirs(dirs: readonly string[]): void {
  for (const d of dirs) {
    try {
      fs.mkdirSync(d);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
    }
  }
}

export function readProcs(dir: string): number[] {
  try {
    return fs.readFileSync(path.join(dir, 'cgroup.procs'), 'utf8').split('\n').filter(Boolean).map(Number);
  } catch {
    return [];
  }
}

function populated(dir: string): boolean {
  try {
    return /^populated 1$/m.test(fs.readFileSync(path.join(dir, 'cgroup.events'), 'utf8'));
  } catch {
    return false;
  }
}

/** SIGKILLs everything in the cgroup (cgroup.kill) and waits until it is empty. */
export function killAll(dir: string, timeoutMs = 5000): void {
  if (!fs.existsSync(dir)) return;
  try {
    fs.writeFileSync(path.join(dir, 'cgroup.kill'), '1');
  } catch {
    for (const pid of readProcs(dir)) {
      try { process.kill(pid, 'SIGKILL'); } catch { /* gone */ }
    }
  }
  const until = Date.now() + timeoutMs;
  while (populated(dir) && Date.now() < until) sleep(2);
}

function hasChildCgroups(dir: string): boolean {
  try {
    return fs.readdirSync(dir, { withFileTypes: true }).some((e) => e.isDirectory());
  } catch {
    return false;
  }
}

/** Removes the directories we created, deepest first; ones still busy are reported. */
export function removeDirs(dirs: readonly string[]): void {
  for (const d of [...dirs].reverse()) {
    for (let i = 0; ; i++) {
      try {
        fs.rmdirSync(d);
        break;
      } catch (e) {
        const code = (e as NodeJS.ErrnoException).code;
        if (code === 'ENOENT') break;
        // EBUSY with child cgroups: a parent we created that another container now
        // shares (containerd puts every container under /<namespace>/): leave it.
        if (code === 'EBUSY' && hasChildCgroups(d)) break;
        // EBUSY otherwise: the last task is still leaving.
        if (code === 'EBUSY' && i < 500) { sleep(2); continue; }
        if (code === 'ENOTEMPTY') break;
        throw new TsruncError('ECGROUP', `remove cgroup ${d}: ${code}`, 'kill what is left in it, then run delete --force again');
      }
    }
  }
}
