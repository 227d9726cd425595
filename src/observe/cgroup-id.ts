import fs from 'node:fs';

/**
 * The cgroup v2 id the kernel (and the collector) uses for a cgroup: the inode number
 * of its directory in the unified hierarchy. undefined when the directory is gone.
 */
export function cgroupId(unifiedDir: string): bigint | undefined {
  try {
    return fs.statSync(unifiedDir, { bigint: true }).ino;
  } catch {
    return undefined;
  }
}
