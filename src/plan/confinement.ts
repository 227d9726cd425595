/**
 * Confinement as init steps: seccomp (placed by the rules below), LSM labels, and
 * the process knobs that outlive execve (personality, scheduler, I/O priority, CPU
 * affinity, NUMA memory policy, the session keyring); and the refusals of what this
 * host or tsrunc cannot give (AppArmor/SELinux not enabled, Intel RDT). Pure.
 */
import { TsruncError } from '../errors.js';
import { KEYRING, MF, SECCOMP_WHEN } from '../native/wire.js';
import type { HostFacts, Linux, PlanOptions, Process, Spec, Step } from './types.js';

/** Where each group of steps goes in the launch (launch.ts splices them in). */
export interface ConfinementSteps {
  /** First of all: the CPUs the init runs on while it sets the container up. */
  first: Step[];
  /** Right after the namespaces are ready (the user namespace is mapped). */
  afterNamespaces: Step[];
  /** After the executable is found, before the runtime records "created": every
   * failure here is still reported to `create`. */
  beforeReady: Step[];
  /** The seccomp step and where it goes: last (before exec), or before the identity
   * changes (no_new_privs unset: loading needs CAP_SYS_ADMIN). A notify filter is in
   * beforeReady: its fd must reach the runtime while the init is attached. */
  seccomp?: { step: Step; at: 'exec' | 'identity' };
  warnings: string[];
}

const SCHED_POLICY = { SCHED_OTHER: 0, SCHED_FIFO: 1, SCHED_RR: 2, SCHED_BATCH: 3, SCHED_ISO: 4, SCHED_IDLE: 5, SCHED_DEADLINE: 6 } as const;
const SCHED_FLAG = {
  SCHED_FLAG_RESET_ON_FORK: 0x01, SCHED_FLAG_RECLAIM: 0x02, SCHED_FLAG_DL_OVERRUN: 0x04, SCHED_FLAG_KEEP_POLICY: 0x08,
  SCHED_FLAG_KEEP_PARAMS: 0x10, SCHED_FLAG_UTIL_CLAMP_MIN: 0x20, SCHED_FLAG_UTIL_CLAMP_MAX: 0x40,
} as const;
const IOPRIO_CLASS = { IOPRIO_CLASS_RT: 1, IOPRIO_CLASS_BE: 2, IOPRIO_CLASS_IDLE: 3 } as const;
const MPOL_MODE = {
  MPOL_DEFAULT: 0, MPOL_PREFERRED: 1, MPOL_BIND: 2, MPOL_INTERLEAVE: 3, MPOL_LOCAL: 4, MPOL_PREFERRED_MANY: 5, MPOL_WEIGHTED_INTERLEAVE: 6,
} as const;
const MPOL_FLAG = { MPOL_F_NUMA_BALANCING: 1 << 13, MPOL_F_RELATIVE_NODES: 1 << 14, MPOL_F_STATIC_NODES: 1 << 15 } as const;
const PER = { LINUX: 0x0000, LINUX32: 0x0008 } as const;
/** KEY_USR_SEARCH, KEY_OTH_SEARCH: who may search the session keyring (as runc). */
const KEY_USR_SEARCH = 0x00080000;
const KEY_OTH_SEARCH = 0x00000008;
/** The largest CPU or node list accepted: 8192 entries (128 words). */
const MAX_LIST_BIT = 8191;

function bad(field: string, what: string, hint: string): TsruncError {
  return new TsruncError('EBUNDLE_PROCESS', `config.json: ${field}: ${what}`, hint);
}

/** "0-3,7" → a bit mask as 64-bit words, as sched_setaffinity and set_mempolicy take it. */
export function listMask(list: string, field: string): bigint[] {
  const words: bigint[] = [];
  const hint = 'write a list such as 0-3,7';
  if (list.trim() === '') throw bad(field, 'an empty list', hint);
  for (const part of list.split(',')) {
    const m = /^\s*(\d+)(?:-(\d+))?\s*$/.exec(part);
    if (!m) throw bad(field, `"${list}" is not a list of numbers and ranges`, hint);
    const lo = Number(m[1]);
    const hi = m[2] === undefined ? lo : Number(m[2]);
    if (hi < lo) throw bad(field, `range ${part.trim()} runs backwards`, hint);
    if (hi > MAX_LIST_BIT) throw bad(field, `${hi} is above ${MAX_LIST_BIT}`, hint);
    for (let b = lo; b <= hi; b++) {
      const w = b >> 6;
      while (words.length <= w) words.push(0n);
      words[w] = words[w]! | (1n << BigInt(b & 63));
    }
  }
  return words;
}

function personality(linux: Linux, warnings: string[]): Step[] {
  const p = linux.personality;
  if (!p) return [];
  if (p.flags && p.flags.length > 0) warnings.push('linux.personality.flags: not supported yet (the runtime-spec defines none); ignored');
  return [{ op: { op: 'PERSONALITY', persona: PER[p.domain] }, what: `set the personality ${p.domain}` }];
}

function scheduler(process: Process): Step[] {
  const s = process.scheduler;
  if (!s) return [];
  const f = 'process.scheduler';
  const nice = s.nice ?? 0;
  const priority = s.priority ?? 0;
  if (nice < -20 || nice > 19) throw bad(`${f}.nice`, `${nice} is out of range`, 'nice is -20 (first) to 19 (last)');
  const realtime = s.policy === 'SCHED_FIFO' || s.policy === 'SCHED_RR';
  if (realtime && (priority < 1 || priority > 99)) throw bad(`${f}.priority`, `${s.policy} needs a priority from 1 to 99, not ${priority}`, 'set "priority"');
  if (!realtime && priority !== 0) throw bad(`${f}.priority`, `only SCHED_FIFO and SCHED_RR take a priority (policy is ${s.policy})`, 'remove "priority"');
  const dl = [s.runtime, s.deadline, s.period];
  if (s.policy !== 'SCHED_DEADLINE' && dl.some((v) => v !== undefined && v !== 0)) {
    throw bad(f, 'runtime, deadline and period are for SCHED_DEADLINE only', 'remove them, or use SCHED_DEADLINE');
  }
  if (s.policy === 'SCHED_DEADLINE') {
    const runtime = s.runtime ?? 0;
    const deadline = s.deadline || runtime;
    const period = s.period || deadline;
    if (runtime <= 0 || runtime > deadline || deadline > period) {
      throw bad(f, 'SCHED_DEADLINE needs 0 < runtime <= deadline <= period', 'set runtime, deadline and period in nanoseconds');
    }
  }
  let flags = 0;
  for (const fl of s.flags ?? []) flags |= SCHED_FLAG[fl];
  return [{
    op: {
      op: 'SCHEDULER', policy: SCHED_POLICY[s.policy], flags, nice: BigInt(nice), priority,
      runtime: BigInt(s.runtime ?? 0), deadline: BigInt(s.deadline ?? 0), period: BigInt(s.period ?? 0),
    },
    what: `set the scheduler ${s.policy}`,
  }];
}

function ioPriority(process: Process): Step[] {
  const io = process.ioPriority;
  if (!io) return [];
  return [{ op: { op: 'IOPRIO', ioprio: (IOPRIO_CLASS[io.class] << 13) | io.priority }, what: `set the I/O priority ${io.class} ${io.priority}` }];
}

function memoryPolicy(linux: Linux): Step[] {
  const m = linux.memoryPolicy;
  if (!m) return [];
  const f = 'linux.memoryPolicy';
  const nodes = m.nodes ?? '';
  if ((m.mode === 'MPOL_DEFAULT' || m.mode === 'MPOL_LOCAL') && nodes !== '') {
    throw bad(`${f}.nodes`, `${m.mode} takes no nodes`, 'remove "nodes"');
  }
  if (!['MPOL_DEFAULT', 'MPOL_LOCAL', 'MPOL_PREFERRED'].includes(m.mode) && nodes === '') {
    throw bad(`${f}.nodes`, `${m.mode} needs nodes`, 'e.g. "nodes": "0"');
  }
  const flags = (m.flags ?? []).reduce((acc, fl) => acc | MPOL_FLAG[fl], 0);
  if ((flags & MPOL_FLAG.MPOL_F_STATIC_NODES) && (flags & MPOL_FLAG.MPOL_F_RELATIVE_NODES)) {
    throw bad(`${f}.flags`, 'MPOL_F_STATIC_NODES and MPOL_F_RELATIVE_NODES exclude each other', 'keep one');
  }
  return [{
    op: { op: 'MEMPOLICY', mode: MPOL_MODE[m.mode] | flags, nodemask: nodes === '' ? [] : listMask(nodes, `${f}.nodes`) },
    what: `set the memory policy ${m.mode}${nodes ? ` on nodes ${nodes}` : ''}`,
  }];
}

function affinity(process: Process, which: 'initial' | 'final'): Step[] {
  const list = process.execCPUAffinity?.[which];
  if (list === undefined) return [];
  return [{ op: { op: 'CPU_AFFINITY', mask: listMask(list, `process.execCPUAffinity.${which}`) }, what: `run on CPUs ${list} (${which})` }];
}

/** AppArmor and SELinux labels; what is asked for but not available is refused, as runc does. */
function lsm(spec: Spec, host: HostFacts, warnings: string[]): Step[] {
  const p = spec.process!;
  const facts = host.lsm ?? { apparmor: false, selinux: false, apparmorAttr: 'apparmor/exec' };
  const steps: Step[] = [];
  if (p.apparmorProfile) {
    if (!facts.apparmor) {
      throw new TsruncError('EBUNDLE_LSM', `config.json: process.apparmorProfile: "${p.apparmorProfile}" is requested but AppArmor is not enabled on this host`,
        'remove process.apparmorProfile, or boot the host with AppArmor enabled and the profile loaded');
    }
    steps.push({ op: { op: 'LSM_LABEL', attr: facts.apparmorAttr, value: `exec ${p.apparmorProfile}` }, what: `set the AppArmor profile ${p.apparmorProfile}` });
  }
  if (p.selinuxLabel) {
    if (!facts.selinux) {
      throw new TsruncError('EBUNDLE_LSM', `config.json: process.selinuxLabel: "${p.selinuxLabel}" is specified, but SELinux is disabled or not supported on this host`,
        'remove process.selinuxLabel, or run on a host with SELinux enabled');
    }
    steps.push({ op: { op: 'LSM_LABEL', attr: 'exec', value: p.selinuxLabel }, what: `set the SELinux label ${p.selinuxLabel}` });
  }
  if (spec.linux?.mountLabel && !facts.selinux) {
    // runc drops a mount label without SELinux silently; say it at least.
    warnings.push('linux.mountLabel: SELinux is not enabled on this host; ignored');
  }
  return steps;
}

/** linux.mountLabel as the context= option of the filesystems that take one (SELinux only). */
export function labelMounts(steps: Step[], spec: Spec, host: HostFacts): Step[] {
  const label = spec.linux?.mountLabel;
  if (!label || !host.lsm?.selinux) return steps;
  const unlabeled = new Set(['proc', 'sysfs', 'cgroup', 'cgroup2', 'mqueue', 'securityfs']);
  return steps.map((s) => {
    if (s.op.op !== 'MOUNT' || (Number(s.op.mflags) & MF.BIND) || unlabeled.has(s.op.fstype)) return s;
    const ctx = `context="${label}"`;
    return { ...s, op: { ...s.op, data: s.op.data ? `${s.op.data},${ctx}` : ctx } };
  });
}

function intelRdt(linux: Linux, host: HostFacts): void {
  if (!linux.intelRdt) return;
  throw new TsruncError('EUNSUPPORTED', host.resctrl
    ? 'config.json: linux.intelRdt: Intel RDT (resctrl) is not supported by tsrunc yet'
    : 'config.json: linux.intelRdt: this host has no resctrl filesystem (Intel RDT is not available or /sys/fs/resctrl is not mounted)',
  'remove linux.intelRdt');
}

/**
 * The seccomp step of a process: `beforeReady` for a notify filter (its fd must reach
 * the runtime while the init is attached); otherwise spliced into the privilege steps:
 * last with no_new_privs, before the identity change without it (CAP_SYS_ADMIN).
 */
export function placeSeccomp(privileges: Step[], process: Process, c: NonNullable<PlanOptions['seccomp']>): { privileges: Step[]; beforeReady: Step[] } {
  const nnp = process.noNewPrivileges === true;
  const when = c.notify || !nnp ? SECCOMP_WHEN.NOW : SECCOMP_WHEN.EXEC;
  const step: Step = { op: { op: 'SECCOMP', flags: c.flags, when, program: c.program }, what: 'load the seccomp filter' };
  if (c.notify) return { privileges, beforeReady: [step] };
  const out = [...privileges];
  if (nnp) out.push(step);
  else out.splice(out.findIndex((s) => s.op.op === 'IDENTITY'), 0, step);
  return { privileges: out, beforeReady: [] };
}

/** The confinement steps of a container, and where they go. */
export function planConfinement(spec: Spec, opts: PlanOptions, host: HostFacts, userns: boolean): ConfinementSteps {
  const process = spec.process!;
  const linux = spec.linux ?? {};
  const warnings: string[] = [];
  intelRdt(linux, host);
  const out: ConfinementSteps = {
    first: affinity(process, 'initial'),
    afterNamespaces: [],
    beforeReady: [
      ...personality(linux, warnings),
      ...scheduler(process),
      ...ioPriority(process),
      ...memoryPolicy(linux),
      ...affinity(process, 'final'),
      ...lsm(spec, host, warnings),
    ],
    warnings,
  };
  if (opts.newKeyring) {
    out.afterNamespaces.push({
      // A kernel without keyrings (ENOSYS) has no keyring to leak either: not an error (runc).
      op: { op: 'SESSION_KEYRING', name: `_ses.${opts.containerId ?? ''}`, perm: userns ? KEY_OTH_SEARCH : KEY_USR_SEARCH, flags: KEYRING.ENOSYS_OK },
      what: 'join a new session keyring',
    });
  }
  if (linux.seccomp) {
    const c = opts.seccomp;
    if (!c) throw new TsruncError('EINTERNAL', 'linux.seccomp was not compiled before planning', 'this is a bug in tsrunc');
    const nnp = process.noNewPrivileges === true;
    const when = c.notify || !nnp ? SECCOMP_WHEN.NOW : SECCOMP_WHEN.EXEC;
    const step: Step = { op: { op: 'SECCOMP', flags: c.flags, when, program: c.program }, what: 'load the seccomp filter' };
    if (c.notify) out.beforeReady.push(step);
    else out.seccomp = { step, at: nnp ? 'exec' : 'identity' };
  }
  return out;
}
