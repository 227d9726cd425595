import path from 'node:path';
import { MASK, SYNC } from '../native/wire.js';
import { MS } from './flags.js';
import { planDevices, planMounts, rootPropagation } from './mounts.js';
import { planNamespaces } from './namespaces.js';
import { planIdentity, planRlimits, requireProcess, searchPath } from './process.js';
import { planSysctl } from './sysctl.js';
import { labelMounts, planConfinement } from './confinement.js';
import { planConsole } from './console.js';
import { checkHooks, hasCreateRuntimeHooks, hookSteps, hooksRendezvous, planHooks, stateStep } from './hooks.js';
import type { HostFacts, LaunchPlan, PlanOptions, Spec, Step } from './types.js';

/** pivot_root refuses shared mounts, so the root is built private or slave; a shared or
 * unbindable rootfsPropagation is applied again to the new root once it is in place. */
function sharedRootAgain(spec: Spec): Step[] {
  const flags = rootPropagation(spec);
  return flags & (MS.SHARED | MS.UNBINDABLE)
    ? [{ op: { op: 'PROPAGATION', path: '/', flags }, what: `apply rootfsPropagation ${spec.linux?.rootfsPropagation} to /` }]
    : [];
}

/**
 * The whole launch of a container as data: what clone3 creates, and every step of
 * the init in order. Pure: everything about the host comes in through `host`.
 *
 * Order, and why:
 *  namespaces → NAMESPACES rendezvous (cgroups and hooks while nothing runs yet)
 *  → cgroup namespace → hostname → mounts, devices → [HOOKS rendezvous: prestart,
 *  createRuntime hooks] → [createContainer hooks] → switch root → sysctl (through
 *  the container's /proc) → masked and read-only paths → root read-only → rlimits
 *  → cwd → resolve the executable (so `create` fails when it is missing) → process
 *  knobs, LSM labels (confinement.ts: failures still reach `create`) → READY
 *  rendezvous → detach → wait for `start` → drop privileges → seccomp → [startContainer
 *  hooks, as the container's user] → exec.
 *  The seccomp filter goes last so it never sees the init's own steps; without
 *  no_new_privs it must be loaded before the capabilities go (CAP_SYS_ADMIN), and a
 *  notify filter before READY (its fd must reach the runtime), as runc does.
 */
export function planLaunch(spec: Spec, opts: PlanOptions, host: HostFacts): LaunchPlan {
  const process = requireProcess(spec);
  const ns = planNamespaces(spec);
  const linux = spec.linux ?? {};
  const rootfs = path.resolve(opts.bundleDir, spec.root?.path ?? 'rootfs');
  const inUserns = ns.has('user') !== undefined;
  const identity = planIdentity(process, host.capLastCap, inUserns);
  const confine = planConfinement(spec, opts, host, inUserns);
  const steps: Step[] = [
    ...confine.first,
    ...ns.early,
    { op: { op: 'SETSID' }, what: 'start a new session' },
    { op: { op: 'SYNC', tag: SYNC.NAMESPACES }, what: 'wait for the runtime (namespaces ready)' },
    ...ns.late,
    ...confine.afterNamespaces,
  ];
  if (spec.hostname) steps.push({ op: { op: 'SETHOSTNAME', name: spec.hostname }, what: `set hostname ${spec.hostname}` });
  if (spec.domainname) steps.push({ op: { op: 'SETDOMAINNAME', name: spec.domainname }, what: `set domainname ${spec.domainname}` });
  steps.push(
    { op: { op: 'FIFO_OPEN', path: opts.fifoPath }, what: `open ${opts.fifoPath}` },
    { op: { op: 'PROPAGATION', path: '/', flags: rootPropagation(spec) }, what: 'set the propagation of /' },
    { op: { op: 'ROOTFS', rootfs }, what: `bind mount the root ${rootfs}` },
    ...labelMounts(planMounts(spec, opts.bundleDir, host, inUserns), spec, host),
    ...planDevices(spec, ns.newUser || ns.has('user') === 'joined'),
    // Hooks: prestart + createRuntime (tsrunc, at this rendezvous), then createContainer
    // (the init, in the container's namespaces, paths still resolved in the host's view).
    ...(hasCreateRuntimeHooks(spec) ? [hooksRendezvous()] : []),
    ...hookSteps(planHooks(spec, 'createContainer'), true),
    opts.noPivot
      ? { op: { op: 'MOVE_ROOT' }, what: `move the root ${rootfs} onto / (--no-pivot)` }
      : { op: { op: 'PIVOT_ROOT' }, what: `pivot_root to ${rootfs}` },
    ...sharedRootAgain(spec),
    ...planSysctl(linux.sysctl ?? {}, (t) => ns.has(t) !== undefined),
    ...planConsole(process, true),
    // The host's /dev/null masks; where the kernel cannot clone its detached copy (before
    // 6.15, known only by trying), the container's own, verified as char 1:3, is as good.
    ...(linux.maskedPaths ?? []).map((p): Step => ({ op: { op: 'MASK_PATH', path: p, flags: MASK.CONTAINER_DEVNULL_FALLBACK }, what: `mask ${p}` })),
    ...(linux.readonlyPaths ?? []).map((p): Step => ({ op: { op: 'READONLY_PATH', path: p }, what: `make ${p} read-only` })),
    { op: { op: 'CLOSE_DEVNULL' }, what: 'close /dev/null' },
  );
  if (spec.root?.readonly) steps.push({ op: { op: 'ROOT_READONLY' }, what: 'remount / read-only' });
  steps.push(...planRlimits(process));
  if (process.oomScoreAdj !== undefined) {
    steps.push({ op: { op: 'OOM_SCORE_ADJ', value: BigInt(process.oomScoreAdj) }, what: `set oom_score_adj ${process.oomScoreAdj}` });
  }
  const argv0 = process.args![0]!;
  const privileges = [...identity.steps];
  checkHooks(spec);
  const startHooks = planHooks(spec, 'startContainer');
  if (confine.seccomp?.at === 'identity') {
    privileges.splice(privileges.findIndex((s) => s.op.op === 'IDENTITY'), 0, confine.seccomp.step);
  } else if (confine.seccomp) {
    privileges.push(confine.seccomp.step);
  }
  steps.push(
    { op: { op: 'CHDIR', path: process.cwd }, what: `chdir to ${process.cwd}` },
    { op: { op: 'RESOLVE_EXEC', argv0, searchPath: searchPath(process) }, what: `find ${argv0}` },
    ...confine.beforeReady,
    // The user and capabilities are set before READY, so that a set the kernel refuses
    // (no CAP_SYS_RESOURCE, a bounding set the runtime lacks) fails `create`, as in
    // runc, instead of the container dying silently after `start`.
    ...privileges,
    { op: { op: 'SYNC', tag: SYNC.READY }, what: 'wait for the runtime (created)' },
    // The startContainer hooks' state ("created") is fetched while the socket is open.
    ...(startHooks.length > 0 ? [stateStep('startContainer')] : []),
    { op: { op: 'DETACH' }, what: 'detach from the runtime' },
    { op: { op: 'WAIT_FIFO' }, what: 'wait for start' },
    ...hookSteps(startHooks, false),
    { op: { op: 'EXEC', argv: process.args!, envp: process.env ?? [] }, what: `exec ${argv0}` },
  );
  const userns = ns.newUser
    ? { uidMappings: linux.uidMappings ?? [], gidMappings: linux.gidMappings ?? [] }
    : undefined;
  return {
    cloneFlags: ns.cloneFlags,
    ...(userns ? { userns } : {}),
    forks: ns.forks,
    ownPidNs: ns.ownPidNs,
    steps,
    warnings: [...identity.warnings, ...confine.warnings],
  };
}
