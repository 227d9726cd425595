/**
 * A small classic-BPF interpreter for seccomp programs, so tests can ask what a
 * compiled filter answers for a syscall without loading it into a kernel.
 */
import { parseProgram, type Insn } from '../../src/seccomp/bpf.js';

export interface SeccompData {
  nr: number;
  arch: number;
  args?: bigint[];
}

/** Programs come as OP_SECCOMP's u64 words. */
export function fromWords(words: readonly bigint[]): Insn[] {
  const buf = Buffer.alloc(words.length * 8);
  words.forEach((w, i) => buf.writeBigUInt64LE(w, i * 8));
  return parseProgram(buf);
}

function load(d: SeccompData, off: number): number {
  if (off === 0) return d.nr >>> 0;
  if (off === 4) return d.arch >>> 0;
  if (off === 8 || off === 12) return 0; // instruction_pointer
  const i = (off - 16) >> 3;
  const v = d.args?.[i] ?? 0n;
  return Number((off - 16) % 8 === 0 ? v & 0xffffffffn : (v >> 32n) & 0xffffffffn);
}

/** Runs the program on one syscall; returns the SECCOMP_RET_* value. */
export function runFilter(prog: readonly Insn[], d: SeccompData): number {
  let a = 0;
  let x = 0;
  const mem = new Array<number>(16).fill(0);
  for (let pc = 0; pc < prog.length; pc++) {
    const { code, jt, jf, k } = prog[pc]!;
    const cls = code & 0x07;
    if (cls === 0x00 && (code & 0xe0) === 0x20) a = load(d, k); // ld [k]
    else if (code === 0x00) a = k >>> 0; // ld #k
    else if (code === 0x01) x = k >>> 0; // ldx #k
    else if (code === 0x02) mem[k] = a; // st
    else if (code === 0x60) a = mem[k]!; // ld M[k]
    else if (code === 0x61) x = mem[k]!; // ldx M[k]
    else if (code === 0x54) a = (a & k) >>> 0; // and #k
    else if (code === 0x5c) a = (a & x) >>> 0; // and x
    else if (code === 0x87) a = x; // txa
    else if (code === 0x07) x = a; // tax
    else if (cls === 0x05) {
      const src = code & 0x08 ? x : k >>> 0;
      switch (code & 0xf0) {
        case 0x00: pc += k; break; // ja
        case 0x10: pc += a === src ? jt : jf; break;
        case 0x20: pc += a > src ? jt : jf; break;
        case 0x30: pc += a >= src ? jt : jf; break;
        case 0x40: pc += (a & src) !== 0 ? jt : jf; break;
        default: throw new Error(`jump op ${code.toString(16)}`);
      }
    } else if (code === 0x06) return k >>> 0; // ret #k
    else if (code === 0x16) return a; // ret a
    else throw new Error(`BPF op 0x${code.toString(16)} at ${pc} not emulated`);
  }
  throw new Error('fell off the end of the program');
}
