/**
 * What seccomp support actually works here, for `tsrunc features`: actions this
 * kernel and libseccomp both handle, operators, the architectures libseccomp knows,
 * and the filter flags the kernel accepts (tsrunc loads filters itself, so the
 * kernel decides, not libseccomp).
 */
import fs from 'node:fs';
import type { Libseccomp } from '../native/libseccomp.js';
import type { FeaturesSeccomp } from '../spec/generated/types.js';
import { archName } from './compile.js';
import { FILTER_FLAGS, FLAG_NEW_LISTENER, OPERATORS } from './profile.js';

/** The kernel's name in /proc/sys/kernel/seccomp/actions_avail, and the libseccomp API level it needs. */
const ACTION_NEEDS: Record<string, [string, number]> = {
  SCMP_ACT_KILL: ['kill_thread', 1], SCMP_ACT_KILL_THREAD: ['kill_thread', 1], SCMP_ACT_KILL_PROCESS: ['kill_process', 3],
  SCMP_ACT_TRAP: ['trap', 1], SCMP_ACT_ERRNO: ['errno', 1], SCMP_ACT_TRACE: ['trace', 1], SCMP_ACT_ALLOW: ['allow', 1],
  SCMP_ACT_LOG: ['log', 3], SCMP_ACT_NOTIFY: ['user_notif', 5],
};
const ARCHS = ['SCMP_ARCH_X86', 'SCMP_ARCH_X86_64', 'SCMP_ARCH_X32', 'SCMP_ARCH_ARM', 'SCMP_ARCH_AARCH64', 'SCMP_ARCH_MIPS',
  'SCMP_ARCH_MIPS64', 'SCMP_ARCH_MIPS64N32', 'SCMP_ARCH_MIPSEL', 'SCMP_ARCH_MIPSEL64', 'SCMP_ARCH_MIPSEL64N32', 'SCMP_ARCH_PPC',
  'SCMP_ARCH_PPC64', 'SCMP_ARCH_PPC64LE', 'SCMP_ARCH_S390', 'SCMP_ARCH_S390X', 'SCMP_ARCH_PARISC', 'SCMP_ARCH_PARISC64',
  'SCMP_ARCH_RISCV64', 'SCMP_ARCH_LOONGARCH64', 'SCMP_ARCH_M68K', 'SCMP_ARCH_SH', 'SCMP_ARCH_SHEB'];

export interface SeccompProbe {
  libseccomp(): Libseccomp;
  /** Whether seccomp(2) accepts these SECCOMP_FILTER_FLAG bits. */
  flagSupported(bits: number): boolean;
}

export function seccompFeatures(probe: SeccompProbe): { seccomp: FeaturesSeccomp; libseccompVersion?: string } {
  let lib: Libseccomp;
  try {
    lib = probe.libseccomp();
  } catch {
    return { seccomp: { enabled: false } };
  }
  let avail: string[] = [];
  try { avail = fs.readFileSync('/proc/sys/kernel/seccomp/actions_avail', 'utf8').trim().split(/\s+/); } catch { /* no seccomp */ }
  const api = lib.apiLevel();
  const known = Object.keys(FILTER_FLAGS);
  return {
    seccomp: {
      enabled: avail.length > 0,
      actions: Object.entries(ACTION_NEEDS).filter(([, [k, level]]) => avail.includes(k) && api >= level).map(([a]) => a),
      operators: Object.keys(OPERATORS),
      archs: ARCHS.filter((a) => lib.archByName(archName(a)) !== 0),
      knownFlags: known,
      // WAIT_KILLABLE_RECV only exists together with a listener.
      supportedFlags: known.filter((f) => {
        const bit = FILTER_FLAGS[f as keyof typeof FILTER_FLAGS];
        return probe.flagSupported(bit === FILTER_FLAGS.SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV ? bit | FLAG_NEW_LISTENER : bit);
      }),
    },
    libseccompVersion: `${lib.version.major}.${lib.version.minor}.${lib.version.micro}`,
  };
}
