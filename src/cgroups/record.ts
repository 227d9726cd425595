/**
 * What the state record keeps about a container's cgroups: which driver made them and
 * where they are, so that every later command (and a delete after a crash) works from
 * the record alone. The one definition of this part of state.json.
 */
import type { LinuxResources } from '../spec/generated/types.js';

/**
 * v2: pure unified hierarchy, cgroupfs. hybrid: v1 controllers plus the container's own
 * unified cgroup (and legacy v1-only hosts). systemd: a transient scope unit (issue 11).
 * none: no cgroup of its own (issue 12: rootless without a usable hierarchy).
 */
export type DriverKind = 'v2' | 'hybrid' | 'systemd' | 'none';

export interface CgroupRecord {
  driver: DriverKind;
  /** The container's cgroup in the unified hierarchy (host path): PSI, freeze, kill, the eBPF id. */
  unified?: string;
  /** hybrid: v1 controller → the container's cgroup in that controller's hierarchy (host path). */
  v1?: Record<string, string>;
  /** cgroupfs directories tsrunc creates for it (and removes on delete), shallowest first within each hierarchy. */
  createdDirs: string[];
  /** systemd: the transient unit (issue 11). */
  unit?: { name: string; slice: string; bus: 'system' | 'user' };
  /** The resources in force: config.json's, then each `update`'s. */
  resources?: LinuxResources;
}

/**
 * A record as read back from disk. Records written before drivers existed have no
 * `driver`: their fields say which it was (v1 directories: hybrid or legacy; only a
 * unified one: v2; neither: none).
 */
export function withDriver(stored: Omit<CgroupRecord, 'driver'> & { driver?: DriverKind }): CgroupRecord {
  if (stored.driver) return stored as CgroupRecord;
  const driver: DriverKind = stored.v1 && Object.keys(stored.v1).length > 0 ? 'hybrid' : stored.unified ? 'v2' : 'none';
  return { ...stored, driver, createdDirs: stored.createdDirs ?? [] };
}
