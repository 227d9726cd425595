/**
 * The -ENOSYS stub, after runc's patchbpf: a filter whose default action is to deny
 * makes every syscall newer than the profile fail with EPERM (or the default errno),
 * and glibc then does not fall back (clone3 → clone, faccessat2 → faccessat, ...).
 * A short program prepended to the filter answers ENOSYS, "this kernel has no such
 * syscall", for any number above the highest one the profile names on that arch, and
 * hands everything else to the filter unchanged.
 */
import { BPF, RET, SECCOMP_DATA, assemble, type Insn, type Line } from './bpf.js';

const ENOSYS = 38;

/** AUDIT_ARCH_X86_64: x86_64 and x32 share it; x32 syscall numbers have bit 30 set. */
export const AUDIT_ARCH_X86_64 = 0xc000003e;
/** libseccomp's token for x32 (not an AUDIT_ARCH value: the kernel reports x86_64). */
export const SCMP_ARCH_X32 = 0x4000003e;
const X32_SYSCALL_BIT = 0x40000000;
/** s390 and s390x multiplex large syscall numbers through syscall 0 (setup). */
const S390 = [0x00000016, 0x80000016];

/** The highest syscall number the profile names, per libseccomp arch token. */
export type LastSyscalls = ReadonlyMap<number, number>;

/**
 * The stub, or [] when no arch has a known syscall. Layout:
 *   ld arch; jeq ARCH_A → a; jeq ARCH_B → b; …; ja end
 *   a: ld nr; jgt MAX_A → enosys; ja end
 *   x86_64 (with x32): ld nr; jset X32_BIT → x32; jgt MAX_64 → enosys; ja end;
 *                      x32: jgt MAX_X32 → enosys; ja end
 *   enosys: ret ERRNO(ENOSYS)
 *   end: the original filter
 * An arch the profile does not list falls through to the filter and its bad-arch action.
 */
export function enosysStub(last: LastSyscalls): Insn[] {
  const byAudit = new Map<number, { native?: number; x32?: number }>();
  for (const [token, max] of last) {
    const audit = token === SCMP_ARCH_X32 ? AUDIT_ARCH_X86_64 : token;
    const e = byAudit.get(audit) ?? {};
    if (token === SCMP_ARCH_X32) e.x32 = max;
    else e.native = max;
    byAudit.set(audit, e);
  }
  if (byAudit.size === 0) return [];
  const head: Line[] = [{ code: BPF.LD_W_ABS, k: SECCOMP_DATA.ARCH }];
  const sections: Line[] = [];
  for (const [audit, { native, x32 }] of byAudit) {
    const name = `arch_${audit.toString(16)}`;
    head.push({ code: BPF.JMP_JEQ_K, k: audit, jt: name });
    sections.push({ label: name }, { code: BPF.LD_W_ABS, k: SECCOMP_DATA.NR });
    if (S390.includes(audit)) sections.push({ code: BPF.JMP_JEQ_K, k: 0, jt: 'enosys' });
    if (audit === AUDIT_ARCH_X86_64) {
      // Each ABI gets its own limit; an ABI the profile does not cover goes to the filter.
      sections.push({ code: BPF.JMP_JSET_K, k: X32_SYSCALL_BIT, jt: `${name}_x32` });
      if (native !== undefined) sections.push({ code: BPF.JMP_JGT_K, k: native, jt: 'enosys' });
      sections.push({ ja: 'end' }, { label: `${name}_x32` });
      if (x32 !== undefined) sections.push({ code: BPF.JMP_JGT_K, k: x32, jt: 'enosys' });
      sections.push({ ja: 'end' });
    } else {
      sections.push({ code: BPF.JMP_JGT_K, k: native!, jt: 'enosys' }, { ja: 'end' });
    }
  }
  head.push({ ja: 'end' });
  return assemble([...head, ...sections, { label: 'enosys' }, { code: BPF.RET_K, k: RET.ERRNO | ENOSYS }]);
}
