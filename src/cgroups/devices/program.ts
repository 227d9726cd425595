/**
 * A DevicePolicy as a BPF_PROG_TYPE_CGROUP_DEVICE program. The kernel calls it with
 * struct bpf_cgroup_dev_ctx { u32 access_type (access << 16 | type); u32 major; u32 minor; }
 * and allows the access when it returns 1. The program is a straight line of blocks,
 * one per exception, each jumping to the next block when the device does not match —
 * the same shape as runc's devicefilter, written out by hand because it is small.
 */
import { ALL_ACCESS, ANY, type DevicePolicy, type DeviceException } from './rules.js';

/** BPF_DEVCG_DEV_BLOCK / BPF_DEVCG_DEV_CHAR. */
export const DEV_TYPE = { b: 1, c: 2 } as const;

// Opcodes (linux/bpf.h, linux/bpf_common.h).
export const OP = {
  LDXW: 0x61, // BPF_LDX | BPF_MEM | BPF_W
  AND32K: 0x54, // BPF_ALU | BPF_AND | BPF_K
  RSH32K: 0x74, // BPF_ALU | BPF_RSH | BPF_K
  MOV32K: 0xb4, // BPF_ALU | BPF_MOV | BPF_K
  MOV32X: 0xbc, // BPF_ALU | BPF_MOV | BPF_X
  JEQK: 0x15, // BPF_JMP | BPF_JEQ | BPF_K
  JNEK: 0x55, // BPF_JMP | BPF_JNE | BPF_K
  EXIT: 0x95, // BPF_JMP | BPF_EXIT
} as const;

export interface Insn {
  code: number;
  dst: number;
  src: number;
  off: number;
  imm: number;
}

const I = (code: number, dst = 0, src = 0, off = 0, imm = 0): Insn => ({ code, dst, src, off, imm });

/** r2 = type, r3 = access, r4 = major, r5 = minor (r1 is the context). */
const PROLOGUE: Insn[] = [
  I(OP.LDXW, 2, 1, 0), I(OP.AND32K, 2, 0, 0, 0xffff),
  I(OP.LDXW, 3, 1, 0), I(OP.RSH32K, 3, 0, 0, 16),
  I(OP.LDXW, 4, 1, 4),
  I(OP.LDXW, 5, 1, 8),
];

/** The block of one exception; `NEXT` jump offsets are patched once its length is known. */
function block(e: DeviceException, defaultAllow: boolean): Insn[] {
  const NEXT = Number.NaN;
  const out: Insn[] = [];
  if (e.type !== 'a') out.push(I(OP.JNEK, 2, 0, NEXT, DEV_TYPE[e.type]));
  if (!defaultAllow && e.access !== ALL_ACCESS) {
    // Allow only if every requested bit is granted: (access & ~granted) == 0.
    out.push(I(OP.MOV32X, 1, 3), I(OP.AND32K, 1, 0, 0, ~e.access & ALL_ACCESS), I(OP.JNEK, 1, 0, NEXT, 0));
  } else if (defaultAllow && e.access !== ALL_ACCESS) {
    // Deny if any requested bit is named: (access & denied) != 0.
    out.push(I(OP.MOV32X, 1, 3), I(OP.AND32K, 1, 0, 0, e.access), I(OP.JEQK, 1, 0, NEXT, 0));
  }
  if (e.major !== ANY) out.push(I(OP.JNEK, 4, 0, NEXT, e.major));
  if (e.minor !== ANY) out.push(I(OP.JNEK, 5, 0, NEXT, e.minor));
  out.push(I(OP.MOV32K, 0, 0, 0, defaultAllow ? 0 : 1), I(OP.EXIT));
  return out.map((insn, pc) => (Number.isNaN(insn.off) ? { ...insn, off: out.length - pc - 1 } : insn));
}

export function deviceProgram(p: DevicePolicy): Insn[] {
  return [
    ...PROLOGUE,
    ...p.exceptions.flatMap((e) => block(e, p.defaultAllow)),
    I(OP.MOV32K, 0, 0, 0, p.defaultAllow ? 1 : 0),
    I(OP.EXIT),
  ];
}

/** struct bpf_insn as the kernel reads it: code, dst:4|src:4, s16 off, s32 imm. */
export function encodeProgram(insns: readonly Insn[]): Buffer {
  const buf = Buffer.alloc(insns.length * 8);
  insns.forEach((i, n) => {
    buf.writeUInt8(i.code, n * 8);
    buf.writeUInt8((i.src << 4) | i.dst, n * 8 + 1);
    buf.writeInt16LE(i.off, n * 8 + 2);
    buf.writeInt32LE(i.imm, n * 8 + 4);
  });
  return buf;
}
