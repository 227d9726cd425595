/**
 * The one seam between the container lifecycle and cgroups. The lifecycle (src/container/)
 * asks a CgroupDriver to plan a new container's cgroups and a ContainerCgroup to act on an
 * existing one; it never asks which driver it has and imports nothing else from cgroups/.
 *
 * Drivers: v2 (pure unified, cgroupfs), hybrid (v1 controllers + the container's own
 * unified cgroup, cgroupfs; also legacy v1-only hosts), none (no cgroup of its own), and
 * the place for systemd (transient scope units over D-Bus: issue 11).
 *
 * Synchronous on purpose: create is a straight line (see launch-init.ts's converse loop).
 */
import { TsruncError } from '../errors.js';
import type { FeaturesCgroup, LinuxResources, Spec } from '../spec/generated/types.js';
import { CgroupfsCgroup } from './drivers/cgroupfs.js';
import { HYBRID_FEATURES, HYBRID_SHAPE, hybridDriver } from './drivers/hybrid.js';
import { NoCgroup, noneDriver } from './drivers/none.js';
import { V2_FEATURES, V2_SHAPE, v2Driver } from './drivers/v2.js';
import type { DriverFacts } from './facts.js';
import { modeOf } from './layout.js';
import type { PsiStats } from './psi.js';
import type { CgroupRecord, DriverKind } from './record.js';
import type { Stats } from './stats.js';
import type { Source } from './writes.js';

export type { CgroupRecord, DriverKind, DriverFacts, PsiStats, Source, Stats };
export { withDriver } from './record.js';
export { readCgroupFacts } from './facts.js';

export type PsiResource = 'cpu' | 'memory' | 'io';

/** Makes a new container's cgroups. */
export interface CgroupDriver {
  readonly kind: DriverKind;
  /**
   * Pure (the host facts were given to the driver): where the cgroups go and what the
   * resources become. Every config error is thrown here, before create takes anything.
   */
  plan(spec: Spec, id: string): CgroupPlan;
}

/** One container's cgroups, planned: the record first, then the two steps that take them. */
export interface CgroupPlan {
  /** Goes into the intent record BEFORE prepare(): delete --force removes whatever of it exists. */
  readonly record: CgroupRecord;
  readonly warnings: readonly string[];
  /**
   * Before the init is spawned: create what can exist without a process (cgroupfs: the
   * directories and the limits). Returns the directory to clone3(CLONE_INTO_CGROUP) into.
   */
  prepare(): { cloneInto?: string };
  /**
   * At the NAMESPACES rendezvous (the init has not unshared its cgroup namespace yet):
   * place the process where clone3 could not (hybrid: the v1 hierarchies; systemd:
   * StartTransientUnit with its pid, then the resources systemd has no property for).
   */
  attach(pid: number): void;
}

/**
 * Operations on an existing container's cgroups, from its record alone (any command, also
 * after a crashed create). A systemd one loads D-Bus lazily, only in the operations that
 * need it (update, destroy): state, kill, start and pause must not pay for it.
 */
export interface ContainerCgroup {
  readonly record: CgroupRecord;
  /** exec: the directory a new process is cloned into… */
  cloneInto(): string | undefined;
  /** …and what it joins after spawn. */
  join(pid: number): void;
  /** Applies `r` (devices only when it has them); returns warnings. */
  update(r: LinuxResources, src: Source): string[];
  /** Freezes or thaws every process and waits until the kernel has done it. */
  setFrozen(frozen: boolean): void;
  /** Every process is frozen (what `state` calls paused). */
  isFrozen(): boolean;
  /** Host pids of every process of the container. */
  pids(): number[];
  /** `signal` to every process (SIGKILL through cgroup.kill where there is one). */
  signalAll(signal: number): void;
  /** Usage in runc's Stats shape (events). */
  stats(): Stats;
  /** Pressure stall information of one resource, when the kernel has it. */
  psi(resource: PsiResource): PsiStats | undefined;
  /** How many times the OOM killer killed in the container. */
  oomKills(): bigint;
  /** Current memory use in bytes (memory.checkBeforeUpdate). */
  memoryUsage(): bigint;
  /** The CPUs it may run on, when the cpuset controller says. */
  effectiveCpus(): number[] | undefined;
  /** The cgroup v2 id (inode of the unified cgroup): the eBPF collector's key; undefined when there is none. */
  id(): bigint | undefined;
  /** Thaw, kill everything, remove what tsrunc created. Idempotent; works on a partial record. */
  destroy(): void;
}

/**
 * The driver for a new container, from the flags and the host facts. The systemd driver
 * (issue 11) is chosen here when `systemdCgroup` is set (today such a cgroupsPath maps to
 * its cgroupfs path, with a warning: paths.ts); rootless mode (issue 12) chooses `none`
 * here when the caller cannot create cgroups (facts.euid, facts.inUserNs).
 */
export function chooseDriver(opts: { systemdCgroup: boolean }, facts: DriverFacts): CgroupDriver {
  switch (modeOf(facts.cgroup.layout)) {
    case 'unified': return v2Driver(facts.cgroup);
    case 'hybrid':
    case 'legacy': return hybridDriver(facts.cgroup);
    case 'none': return noneDriver();
  }
}

/** The cgroups of an existing container; `initPid` is all a container without any has. */
export function containerCgroup(record: CgroupRecord | undefined, initPid?: number): ContainerCgroup {
  switch (record?.driver ?? 'none') {
    case 'v2': return new CgroupfsCgroup(record!, V2_SHAPE);
    case 'hybrid': return new CgroupfsCgroup(record!, HYBRID_SHAPE);
    case 'none': return new NoCgroup(initPid);
    case 'systemd':
      throw new TsruncError('ECGROUP', 'the container\'s cgroups were made by the systemd driver, which this tsrunc does not have',
        'use the tsrunc that created it (or a newer one) to delete it');
  }
}

/** `features`' linux.cgroup: what the drivers of this build do, each saying what it adds. */
export function cgroupFeatures(): FeaturesCgroup {
  return { v1: false, v2: false, systemd: false, systemdUser: false, rdma: false, ...V2_FEATURES, ...HYBRID_FEATURES };
}
