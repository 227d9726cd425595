/**
 * linux.seccomp, checked and turned into numbers before anything is compiled or
 * created: actions with their return codes, argument conditions, flags, and the
 * rules runc enforces (no NOTIFY as the default action or on write(2), a listener
 * for NOTIFY). Pure.
 */
import { TsruncError } from '../errors.js';
import type { LinuxSeccomp, LinuxSeccompAction, LinuxSeccompOperator } from '../spec/generated/types.js';
import { exactUint64 } from '../spec/validate.js';
import { RET } from './bpf.js';
import type { ArgCmp } from '../native/libseccomp.js';

const EPERM = 1;
const ENOSYS = 38;
const FIELD = 'config.json: linux.seccomp';

/** SECCOMP_FILTER_FLAG_* of linux/seccomp.h, by the names of the runtime-spec. */
export const FILTER_FLAGS = {
  SECCOMP_FILTER_FLAG_TSYNC: 1 << 0,
  SECCOMP_FILTER_FLAG_LOG: 1 << 1,
  SECCOMP_FILTER_FLAG_SPEC_ALLOW: 1 << 2,
  SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV: 1 << 5,
} as const;
export const FLAG_NEW_LISTENER = 1 << 3;
export const FLAG_TSYNC_ESRCH = 1 << 4;

export const OPERATORS: Record<LinuxSeccompOperator, number> = {
  SCMP_CMP_NE: 1, SCMP_CMP_LT: 2, SCMP_CMP_LE: 3, SCMP_CMP_EQ: 4, SCMP_CMP_GE: 5, SCMP_CMP_GT: 6, SCMP_CMP_MASKED_EQ: 7,
};

/** The runtime-spec's action names and what each becomes in a filter. */
export const ACTIONS: Record<LinuxSeccompAction, (ret: number) => number> = {
  SCMP_ACT_KILL: () => RET.KILL_THREAD,
  SCMP_ACT_KILL_THREAD: () => RET.KILL_THREAD,
  SCMP_ACT_KILL_PROCESS: () => RET.KILL_PROCESS,
  SCMP_ACT_TRAP: () => RET.TRAP,
  SCMP_ACT_ERRNO: (ret) => (RET.ERRNO | (ret & 0xffff)) >>> 0,
  SCMP_ACT_TRACE: (ret) => (RET.TRACE | (ret & 0xffff)) >>> 0,
  SCMP_ACT_ALLOW: () => RET.ALLOW,
  SCMP_ACT_LOG: () => RET.LOG,
  SCMP_ACT_NOTIFY: () => RET.USER_NOTIF,
};

/** One libseccomp rule: a syscall name, an action value and the conditions ANDed. */
export interface Rule {
  name: string;
  action: number;
  args: ArgCmp[];
  /** Where it came from, for messages: linux.seccomp.syscalls[3]. */
  field: string;
}

export interface CheckedProfile {
  defaultAction: number;
  /** Prepend the -ENOSYS stub (runc: unless the default is permissive or already ENOSYS). */
  enosysStub: boolean;
  architectures: string[];
  rules: Rule[];
  /** SECCOMP_FILTER_FLAG_* for the seccomp(2) call of the init. */
  flags: number;
  notify: boolean;
  warnings: string[];
}

function action(name: LinuxSeccompAction, errnoRet: number | undefined, field: string, warnings: string[]): number {
  if (errnoRet !== undefined && name !== 'SCMP_ACT_ERRNO' && name !== 'SCMP_ACT_TRACE') {
    warnings.push(`${field}: errnoRet is only used with SCMP_ACT_ERRNO and SCMP_ACT_TRACE; ignored for ${name}`);
  }
  if (errnoRet !== undefined && errnoRet > 0xffff) {
    throw new TsruncError('EBUNDLE_SECCOMP', `${FIELD}.${field}: errnoRet ${errnoRet} is out of range (0 to 65535)`, 'use an errno number such as 1 (EPERM) or 38 (ENOSYS)');
  }
  return ACTIONS[name](errnoRet ?? EPERM);
}

/**
 * runc's rule shape: all conditions of a syscall are ANDed in one rule, except when
 * one argument has several conditions (libseccomp cannot AND those): then each
 * condition is a rule of its own, ORed.
 */
function conditions(args: NonNullable<NonNullable<LinuxSeccomp['syscalls']>[number]['args']>, field: string): ArgCmp[][] {
  const conds = args.map((a, j): ArgCmp => {
    if (a.index > 5) {
      throw new TsruncError('EBUNDLE_SECCOMP', `${FIELD}.${field}.args[${j}].index: ${a.index} is not a syscall argument (0 to 5)`, 'number arguments from 0');
    }
    return { arg: a.index, op: OPERATORS[a.op], datumA: exactUint64(a.value), datumB: exactUint64(a.valueTwo ?? 0) };
  });
  const perIndex = new Map<number, number>();
  for (const c of conds) perIndex.set(c.arg, (perIndex.get(c.arg) ?? 0) + 1);
  return [...perIndex.values()].some((n) => n > 1) ? conds.map((c) => [c]) : [conds];
}

/** Checks a profile and turns it into rules, flags and warnings. */
export function checkProfile(p: LinuxSeccomp): CheckedProfile {
  const warnings: string[] = [];
  if (p.defaultAction === 'SCMP_ACT_NOTIFY') {
    throw new TsruncError('EBUNDLE_SECCOMP', `${FIELD}.defaultAction: SCMP_ACT_NOTIFY cannot be the default action`,
      'the init itself must write to tsrunc after the filter is loaded: notify only the syscalls your agent handles');
  }
  const defaultAction = action(p.defaultAction, p.defaultErrnoRet, 'defaultErrnoRet', warnings);
  const rules: Rule[] = [];
  let notify = false;
  (p.syscalls ?? []).forEach((s, i) => {
    const field = `syscalls[${i}]`;
    const act = action(s.action, s.errnoRet, field, warnings);
    if (s.action === 'SCMP_ACT_NOTIFY') {
      notify = true;
      if (s.names.includes('write')) {
        throw new TsruncError('EBUNDLE_SECCOMP', `${FIELD}.${field}: SCMP_ACT_NOTIFY cannot be used for the write syscall`,
          'the init writes the notify fd to tsrunc through write(2) after loading the filter: leave write out of notify rules');
      }
    }
    // A rule that does what the default does adds nothing (and libseccomp refuses it).
    if (act === defaultAction) return;
    const condSets = s.args && s.args.length > 0 ? conditions(s.args, field) : [[]];
    for (const name of s.names) {
      if (name === '') throw new TsruncError('EBUNDLE_SECCOMP', `${FIELD}.${field}.names: an empty syscall name`, 'remove the empty name');
      for (const args of condSets) rules.push({ name, action: act, args, field });
    }
  });
  if (notify && !p.listenerPath) {
    throw new TsruncError('EBUNDLE_SECCOMP', `${FIELD}.listenerPath: required when a rule uses SCMP_ACT_NOTIFY`,
      'give the unix socket of the seccomp agent that receives the notify fd');
  }
  if (!notify && p.listenerPath) warnings.push(`${FIELD}.listenerPath: no rule uses SCMP_ACT_NOTIFY; the listener gets nothing`);

  let flags = 0;
  for (const f of p.flags ?? []) flags |= FILTER_FLAGS[f];
  if (notify) {
    flags |= FLAG_NEW_LISTENER;
    // TSYNC and a listener need TSYNC_ESRCH (the init is single-threaded anyway).
    if (flags & FILTER_FLAGS.SECCOMP_FILTER_FLAG_TSYNC) flags |= FLAG_TSYNC_ESRCH;
  } else {
    // Meaningless without a listener, and the kernel refuses it alone (as libseccomp drops it).
    flags &= ~FILTER_FLAGS.SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV;
  }
  const permissive = ['SCMP_ACT_ALLOW', 'SCMP_ACT_LOG', 'SCMP_ACT_TRACE'].includes(p.defaultAction);
  return {
    defaultAction,
    enosysStub: !permissive && p.defaultErrnoRet !== ENOSYS,
    architectures: p.architectures ?? [],
    rules,
    flags,
    notify,
    warnings,
  };
}
