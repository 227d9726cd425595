import { TsruncError } from '../errors.js';
import { CLONE } from './flags.js';
import type { Linux, Namespace, Spec, Step } from './types.js';

const FLAG: Record<Namespace['type'], number> = {
  pid: CLONE.NEWPID,
  network: CLONE.NEWNET,
  ipc: CLONE.NEWIPC,
  uts: CLONE.NEWUTS,
  mount: CLONE.NEWNS,
  user: CLONE.NEWUSER,
  cgroup: CLONE.NEWCGROUP,
  time: CLONE.NEWTIME,
};

/** The order in which namespaces are joined: user first (it decides what the others
 * may do), mount last (after it, host paths of the other namespaces are gone). */
const JOIN_ORDER: Namespace['type'][] = ['user', 'ipc', 'uts', 'network', 'pid', 'time', 'cgroup', 'mount'];

export interface NamespacePlan {
  cloneFlags: number;
  /** Before the NAMESPACES rendezvous. */
  early: Step[];
  /** After it: the cgroup namespace, once the process sits in its cgroups. */
  late: Step[];
  forks: boolean;
  newUser: boolean;
  ownPidNs: boolean;
  has(type: Namespace['type']): 'new' | 'joined' | undefined;
}

function bad(field: string, message: string, hint: string): TsruncError {
  return new TsruncError('EBUNDLE_NAMESPACE', `config.json: ${field}: ${message}`, hint);
}

/** Which namespaces are created by clone3, joined or unshared by the init, and in what order. */
export function planNamespaces(spec: Spec): NamespacePlan {
  const linux: Linux = spec.linux ?? {};
  const list = linux.namespaces ?? [];
  const byType = new Map<Namespace['type'], Namespace>();
  list.forEach((ns, i) => {
    if (byType.has(ns.type)) {
      throw bad(`linux.namespaces[${i}]`, `duplicate namespace type "${ns.type}"`, 'list each namespace type once');
    }
    if (ns.path !== undefined && ns.path !== '' && !ns.path.startsWith('/')) {
      throw bad(`linux.namespaces[${i}].path`, `"${ns.path}" is not an absolute path`, 'give the path of a namespace file such as /proc/PID/ns/net');
    }
    byType.set(ns.type, ns);
  });
  const has = (t: Namespace['type']): 'new' | 'joined' | undefined => {
    const ns = byType.get(t);
    return ns === undefined ? undefined : ns.path ? 'joined' : 'new';
  };

  if (!has('mount')) {
    throw bad('linux.namespaces', 'no mount namespace', 'add {"type": "mount"}: tsrunc builds the root filesystem in a mount namespace of its own');
  }
  // A joined uts namespace may be renamed too (the spec allows it; runc does it).
  if (spec.hostname !== undefined && spec.hostname !== '' && !has('uts')) {
    throw bad('hostname', 'is set but the container has no uts namespace of its own', 'add {"type": "uts"} to linux.namespaces, or remove hostname');
  }
  if (spec.domainname !== undefined && spec.domainname !== '' && !has('uts')) {
    throw bad('domainname', 'is set but the container has no uts namespace of its own', 'add {"type": "uts"} to linux.namespaces, or remove domainname');
  }
  const mapped = (linux.uidMappings?.length ?? 0) > 0 || (linux.gidMappings?.length ?? 0) > 0;
  if (has('user') === 'new' && !mapped) {
    throw bad('linux.uidMappings', 'a new user namespace needs uidMappings and gidMappings', 'map at least the container root, e.g. {"containerID": 0, "hostID": 100000, "size": 65536}');
  }
  if (has('user') !== 'new' && mapped) {
    throw bad('linux.uidMappings', 'mappings are set but the container has no new user namespace', 'add {"type": "user"} to linux.namespaces, or remove the mappings');
  }
  if (linux.timeOffsets && Object.keys(linux.timeOffsets).length > 0 && has('time') !== 'new') {
    throw bad('linux.timeOffsets', 'offsets are set but the container has no new time namespace', 'add {"type": "time"} to linux.namespaces');
  }

  const early: Step[] = [];
  const late: Step[] = [];
  const joinUser = has('user') === 'joined';
  let cloneFlags = 0;
  let unshareFlags = 0;
  for (const t of JOIN_ORDER) {
    const ns = byType.get(t);
    if (!ns?.path) continue;
    const step: Step = { op: { op: 'SETNS', nstype: FLAG[t], path: ns.path }, what: `join ${t} namespace ${ns.path}` };
    (t === 'cgroup' ? late : early).push(step);
  }
  for (const [t, ns] of byType) {
    if (ns.path) continue;
    // The cgroup namespace must be created once the process is in its cgroups, and a
    // time namespace needs its offsets written before anything enters it: both are
    // unshared by the init. With a joined user namespace everything new is unshared
    // after the join, so that the new namespaces belong to it.
    if (t === 'cgroup' || t === 'time' || joinUser) unshareFlags |= FLAG[t];
    else cloneFlags |= FLAG[t];
  }
  const pidByUnshare = (unshareFlags & CLONE.NEWPID) !== 0;
  const forks = pidByUnshare || has('pid') === 'joined';
  const early2 = unshareFlags & ~CLONE.NEWCGROUP;
  if (early2) early.push({ op: { op: 'UNSHARE', flags: early2 }, what: `unshare namespaces (flags 0x${early2.toString(16)})` });
  for (const [clock, off] of Object.entries(linux.timeOffsets ?? {})) {
    const id = clock === 'monotonic' ? 1 : clock === 'boottime' ? 7 : undefined;
    if (id === undefined) throw bad(`linux.timeOffsets.${clock}`, 'unknown clock', 'use "monotonic" or "boottime"');
    early.push({
      op: { op: 'TIMENS_OFFSET', clock: id, seconds: BigInt(off.secs ?? 0), nanoseconds: off.nanosecs ?? 0 },
      what: `set the ${clock} offset of the time namespace`,
    });
  }
  if (forks) early.push({ op: { op: 'FORK' }, what: 'fork into the pid namespace' });
  if (unshareFlags & CLONE.NEWCGROUP) late.push({ op: { op: 'UNSHARE', flags: CLONE.NEWCGROUP }, what: 'unshare the cgroup namespace' });

  return {
    cloneFlags,
    early,
    late,
    forks,
    newUser: has('user') === 'new' && !joinUser,
    ownPidNs: has('pid') === 'new',
    has,
  };
}
