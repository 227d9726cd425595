import fs from 'node:fs';
import path from 'node:path';
import { unifiedMount } from './unified.js';

/** Deep enough for any container below a systemd slice, bounded so a walk always ends. */
const MAX_DEPTH = 32;

/**
 * The ids (inode numbers) of every cgroup in the unified hierarchy right now, or
 * undefined without one. Used to find registrations whose cgroup is gone.
 */
export function liveCgroupIds(): Set<bigint> | undefined {
  const root = unifiedMount();
  if (!root) return undefined;
  const ids = new Set<bigint>();
  const walk = (dir: string, depth: number): void => {
    try {
      ids.add(fs.statSync(dir, { bigint: true }).ino);
      if (depth >= MAX_DEPTH) return;
      for (const e of fs.readdirSync(dir, { withFileTypes: true })) if (e.isDirectory()) walk(path.join(dir, e.name), depth + 1);
    } catch {
      // removed while walking: it is not live
    }
  };
  walk(root, 0);
  return ids;
}
