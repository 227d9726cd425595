import type { Spec } from '../spec/generated/types.js';
import type { Op } from '../native/wire.js';

export type { Spec };
export type Process = NonNullable<Spec['process']>;
export type Linux = NonNullable<Spec['linux']>;
export type SpecMount = NonNullable<Spec['mounts']>[number];
export type Namespace = NonNullable<Linux['namespaces']>[number];
export type IdMapping = NonNullable<Linux['uidMappings']>[number];

/** One op of the init together with what it does, in words, for error messages. */
export interface Step {
  op: Op;
  /** e.g. "mount proc on /proc"; the CLI says `<what>: <errno>` when it fails. */
  what: string;
}

/** Everything the runtime needs to launch a container, decided before any side effect. */
export interface LaunchPlan {
  /** CLONE_NEW* flags for clone3 (the rest is unshared by the init). */
  cloneFlags: number;
  /** uid/gid maps to write for a new user namespace created by clone3. */
  userns?: { uidMappings: IdMapping[]; gidMappings: IdMapping[] };
  /** The init forks once (pid namespace joined, or entered by unshare): the container
   * pid arrives in MSG_PID. */
  forks: boolean;
  /** The container has its own pid namespace (kill and delete can rely on pid 1 dying). */
  ownPidNs: boolean;
  steps: Step[];
  /** Non-fatal findings (unknown capabilities, ignored options). */
  warnings: string[];
}

/** What the plan needs to know about the host; gathered by host checks, faked in tests. */
export interface HostFacts {
  /** What a bind mount source is. */
  sourceKind(path: string): 'dir' | 'file' | 'missing';
  /** Highest capability number the kernel knows (/proc/sys/kernel/cap_last_cap). */
  capLastCap: number;
  /** Which LSMs are enabled (absent: none), and AppArmor's exec attribute below /proc/self/attr. */
  lsm?: { apparmor: boolean; selinux: boolean; apparmorAttr: 'apparmor/exec' | 'exec' };
  /** /sys/fs/resctrl is mounted (Intel RDT). */
  resctrl?: boolean;
}

/** Options from the command line that shape the plan. */
export interface PlanOptions {
  bundleDir: string;
  /** Absolute path of the container's exec.fifo. */
  fifoPath: string;
  noPivot: boolean;
  /** The container id (names the session keyring). */
  containerId?: string;
  /** Join a new session keyring named _ses.<containerId> (create: unless --no-new-keyring). */
  newKeyring?: boolean;
  /** linux.seccomp, compiled (src/seccomp) before planning; required when the spec has one. */
  seccomp?: { program: bigint[]; flags: number; notify: boolean };
}
