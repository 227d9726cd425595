/**
 * Classic BPF as seccomp runs it: instructions, their wire form (one u64 each, as
 * OP_SECCOMP carries them) and a tiny assembler with labels, so generated code
 * states its jumps by name instead of by counted offsets.
 */

export interface Insn {
  code: number;
  jt: number;
  jf: number;
  k: number;
}

export const BPF = {
  LD_W_ABS: 0x20,
  JMP_JA: 0x05,
  JMP_JEQ_K: 0x15,
  JMP_JGT_K: 0x25,
  JMP_JGE_K: 0x35,
  JMP_JSET_K: 0x45,
  RET_K: 0x06,
} as const;

/** Offsets in struct seccomp_data. */
export const SECCOMP_DATA = { NR: 0, ARCH: 4 } as const;

/** SECCOMP_RET_* and the action encodings of seccomp.h. */
export const RET = {
  KILL_PROCESS: 0x80000000,
  KILL_THREAD: 0x00000000,
  TRAP: 0x00030000,
  ERRNO: 0x00050000,
  USER_NOTIF: 0x7fc00000,
  TRACE: 0x7ff00000,
  LOG: 0x7ffc0000,
  ALLOW: 0x7fff0000,
} as const;

export function insnToU64(i: Insn): bigint {
  return BigInt(i.code) | (BigInt(i.jt) << 16n) | (BigInt(i.jf) << 24n) | (BigInt(i.k >>> 0) << 32n);
}

/** Parses what seccomp_export_bpf wrote (struct sock_filter, host byte order = LE here). */
export function parseProgram(buf: Buffer): Insn[] {
  if (buf.length % 8 !== 0) throw new Error(`BPF program of ${buf.length} bytes is not whole instructions`);
  const out: Insn[] = [];
  for (let off = 0; off < buf.length; off += 8) {
    out.push({ code: buf.readUInt16LE(off), jt: buf.readUInt8(off + 2), jf: buf.readUInt8(off + 3), k: buf.readUInt32LE(off + 4) });
  }
  return out;
}

export function serializeProgram(prog: readonly Insn[]): Buffer {
  const buf = Buffer.alloc(prog.length * 8);
  prog.forEach((i, n) => {
    buf.writeUInt16LE(i.code, n * 8);
    buf.writeUInt8(i.jt, n * 8 + 2);
    buf.writeUInt8(i.jf, n * 8 + 3);
    buf.writeUInt32LE(i.k >>> 0, n * 8 + 4);
  });
  return buf;
}

/** One line of assembly: an instruction whose jump targets are label names, or a label. */
export type Line =
  | { label: string }
  | { code: number; k: number; jt?: string; jf?: string }
  | { ja: string };

/**
 * Resolves labels into relative jumps. `end` is a label meaning "the instruction just
 * after this code" (where a prepended stub hands over to the filter behind it).
 */
export function assemble(lines: readonly Line[]): Insn[] {
  const at = new Map<string, number>();
  let n = 0;
  for (const l of lines) {
    if ('label' in l) at.set(l.label, n);
    else n++;
  }
  at.set('end', n);
  const out: Insn[] = [];
  const target = (name: string, pc: number): number => {
    const t = at.get(name);
    if (t === undefined) throw new Error(`BPF label ${name} is not defined`);
    const off = t - pc - 1;
    if (off < 0) throw new Error(`BPF jump to ${name} goes backwards`);
    return off;
  };
  for (const l of lines) {
    if ('label' in l) continue;
    const pc = out.length;
    if ('ja' in l) {
      out.push({ code: BPF.JMP_JA, jt: 0, jf: 0, k: target(l.ja, pc) });
      continue;
    }
    const jt = l.jt === undefined ? 0 : target(l.jt, pc);
    const jf = l.jf === undefined ? 0 : target(l.jf, pc);
    if (jt > 255 || jf > 255) throw new Error('BPF conditional jump longer than 255 instructions');
    out.push({ code: l.code, jt, jf, k: l.k >>> 0 });
  }
  return out;
}
