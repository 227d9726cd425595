import { SYNC } from '../native/wire.js';
import { planConsole } from './console.js';
import { CLONE } from './flags.js';
import { placeSeccomp } from './confinement.js';
import { planIdentity, planRlimits, requireProcess, searchPath } from './process.js';
import type { LaunchPlan, Namespace, PlanOptions, Process, Spec, Step } from './types.js';

const KIND: Record<Namespace['type'], string> = {
  pid: 'pid', network: 'net', ipc: 'ipc', uts: 'uts', mount: 'mnt', user: 'user', cgroup: 'cgroup', time: 'time',
};
const FLAG: Record<Namespace['type'], number> = {
  pid: CLONE.NEWPID, network: CLONE.NEWNET, ipc: CLONE.NEWIPC, uts: CLONE.NEWUTS,
  mount: CLONE.NEWNS, user: CLONE.NEWUSER, cgroup: CLONE.NEWCGROUP, time: CLONE.NEWTIME,
};
/** User first (it grants the rights for the others), mount last (it changes the root). */
const ORDER: Namespace['type'][] = ['user', 'ipc', 'uts', 'network', 'pid', 'time', 'cgroup', 'mount'];

/**
 * `exec`: a process that joins every namespace of a running container (through the
 * namespace files of its pid) and runs `process` there. Joining the pid namespace
 * takes effect for children only, so the init forks once; the mount namespace puts it
 * at the container's root. The container's seccomp filter applies to it too (runc).
 */
export function planExec(spec: Spec, containerPid: number, process: Process, capLastCap: number, seccomp?: PlanOptions['seccomp']): LaunchPlan {
  requireProcess({ ...spec, process });
  const types = new Set((spec.linux?.namespaces ?? []).map((n) => n.type));
  const steps: Step[] = ORDER.filter((t) => types.has(t)).map((t) => {
    const path = `/proc/${containerPid}/ns/${KIND[t]}`;
    return { op: { op: 'SETNS', nstype: FLAG[t], path }, what: `join ${t} namespace ${path}` };
  });
  const forks = types.has('pid');
  if (forks) steps.push({ op: { op: 'FORK' }, what: 'fork into the pid namespace' });
  // A terminal needs a session of its own to become the controlling terminal.
  if (process.terminal) steps.push({ op: { op: 'SETSID' }, what: 'start a new session' }, ...planConsole(process, false));
  const identity = planIdentity(process, capLastCap, types.has('user'));
  const argv0 = process.args![0]!;
  const filter = seccomp ? placeSeccomp(identity.steps, process, seccomp) : { privileges: identity.steps, beforeReady: [] };
  steps.push(
    ...planRlimits(process),
    { op: { op: 'CHDIR', path: process.cwd }, what: `chdir to ${process.cwd}` },
    { op: { op: 'RESOLVE_EXEC', argv0, searchPath: searchPath(process) }, what: `find ${argv0}` },
    ...filter.beforeReady,
    { op: { op: 'SYNC', tag: SYNC.READY }, what: 'wait for the runtime (process ready)' },
    { op: { op: 'DETACH' }, what: 'detach from the runtime' },
    ...filter.privileges,
    { op: { op: 'EXEC', argv: process.args!, envp: process.env ?? [] }, what: `exec ${argv0}` },
  );
  return { cloneFlags: 0, forks, ownPidNs: false, steps, warnings: identity.warnings };
}
