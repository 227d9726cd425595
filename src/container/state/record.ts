import { type CgroupRecord, withDriver } from '../../cgroups/driver.js';
import type { Spec } from '../../spec/generated/types.js';

/**
 * What tsrunc keeps about a container in `<root>/<id>/state.json`. Written first as an
 * intent (phase "creating", before any resource is taken), so that a runtime killed
 * half-way can always be cleaned up by `delete --force`.
 */
export interface ContainerRecord {
  version: 1;
  id: string;
  bundle: string;
  rootfs: string;
  /** RFC 3339 with nanoseconds, like runc. */
  created: string;
  owner: string;
  annotations: Record<string, string>;
  phase: 'creating' | 'created' | 'started';
  /** The tsrunc process doing the create: while it lives, the container is "creating". */
  creator: { pid: number; startTime: string };
  pid?: number;
  pidStartTime?: string;
  ownPidNs: boolean;
  systemdCgroup: boolean;
  /** Its cgroups: the driver, where they are, the directories tsrunc created, the resources in force. */
  cgroup?: CgroupRecord;
  spec: Spec;
}

export type Status = 'creating' | 'created' | 'running' | 'paused' | 'stopped';

/** The OCI state (runtime-spec "State") as `tsrunc state` prints it. */
export interface OciState {
  ociVersion: string;
  id: string;
  status: Status;
  pid: number;
  bundle: string;
  rootfs: string;
  created: string;
  owner: string;
  annotations?: Record<string, string>;
}

/**
 * A record as read back from state.json. Records from before cgroup drivers have a
 * cgroup part without `driver`: it is inferred from that part's fields.
 */
export function fromDisk(stored: ContainerRecord): ContainerRecord {
  return typeof stored?.cgroup === 'object' && stored.cgroup !== null ? { ...stored, cgroup: withDriver(stored.cgroup) } : stored;
}
