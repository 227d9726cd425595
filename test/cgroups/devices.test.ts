import { describe, expect, it } from 'vitest';
import { DEV_TYPE, OP, deviceProgram, encodeProgram, type Insn } from '../../src/cgroups/devices/program.js';
import { ACCESS, devicePolicy, policyAllows, v1DeviceLines } from '../../src/cgroups/devices/rules.js';
import { CONFIG_SOURCE } from '../../src/cgroups/writes.js';
import type { LinuxDeviceCgroup } from '../../src/spec/generated/types.js';

/** A tiny eBPF interpreter for the opcodes the generator uses: runs the encoded bytes. */
function run(bytes: Buffer, type: 'b' | 'c', major: number, minor: number, access: number): number {
  const ctx = [(access << 16) | DEV_TYPE[type], major, minor];
  const r = new Array<number>(11).fill(0);
  for (let pc = 0, steps = 0; steps < 10000; steps++) {
    const code = bytes.readUInt8(pc * 8);
    const regs = bytes.readUInt8(pc * 8 + 1);
    const dst = regs & 0xf;
    const src = regs >> 4;
    const off = bytes.readInt16LE(pc * 8 + 2);
    const imm = bytes.readInt32LE(pc * 8 + 4);
    pc++;
    switch (code) {
      case OP.LDXW: expect(src).toBe(1); r[dst] = ctx[off / 4]!; break;
      case OP.AND32K: r[dst] = (r[dst]! & imm) >>> 0; break;
      case OP.RSH32K: r[dst] = r[dst]! >>> imm; break;
      case OP.MOV32K: r[dst] = imm >>> 0; break;
      case OP.MOV32X: r[dst] = r[src]! >>> 0; break;
      case OP.JEQK: if (r[dst] === imm) pc += off; break;
      case OP.JNEK: if (r[dst] !== imm) pc += off; break;
      case OP.EXIT: return r[0]!;
      default: throw new Error(`opcode ${code.toString(16)} at ${pc - 1}`);
    }
    expect(pc).toBeLessThanOrEqual(bytes.length / 8);
  }
  throw new Error('no exit');
}

const RULESETS: Record<string, LinuxDeviceCgroup[]> = {
  'none (defaults only)': [],
  'deny all (docker, containerd)': [{ allow: false, access: 'rwm' }],
  'deny all, allow fuse': [{ allow: false, access: 'rwm' }, { allow: true, type: 'c', major: 10, minor: 229, access: 'rwm' }],
  'deny all, then deny writes to /dev/null': [{ allow: false, access: 'rwm' }, { allow: false, type: 'c', major: 1, minor: 3, access: 'w' }],
  'allow all': [{ allow: true, access: 'rwm' }],
  'allow all, deny block devices partly': [{ allow: true, access: 'rwm' }, { allow: false, type: 'b', access: 'rw' }, { allow: false, type: 'c', major: 4, access: 'm' }],
  'allow reads and writes of a device in two rules': [{ allow: false }, { allow: true, type: 'c', major: 7, minor: 1, access: 'r' }, { allow: true, type: 'c', major: 7, minor: 1, access: 'w' }],
  'type a with numbers': [{ allow: false }, { allow: true, type: 'a', major: 9, minor: 9, access: 'rw' }],
};

describe('device policy', () => {
  it('gives a container the default devices even after "deny all"', () => {
    const p = devicePolicy([{ allow: false, access: 'rwm' }], CONFIG_SOURCE);
    expect(p.defaultAllow).toBe(false);
    expect(policyAllows(p, 'c', 1, 3, ACCESS.r | ACCESS.w)).toBe(true);
    expect(policyAllows(p, 'c', 136, 7, ACCESS.r)).toBe(true);
    expect(policyAllows(p, 'b', 8, 0, ACCESS.r)).toBe(false);
    expect(policyAllows(p, 'b', 8, 0, ACCESS.m)).toBe(true);
  });
  it('honours an explicit deny of a default device after the last "a" rule', () => {
    const p = devicePolicy(RULESETS['deny all, then deny writes to /dev/null']!, CONFIG_SOURCE);
    expect(policyAllows(p, 'c', 1, 3, ACCESS.r)).toBe(true);
    expect(policyAllows(p, 'c', 1, 3, ACCESS.w)).toBe(false);
    expect(policyAllows(p, 'c', 1, 3, ACCESS.r | ACCESS.w)).toBe(false);
  });
  it('merges access of the same device (v1 semantics)', () => {
    const p = devicePolicy(RULESETS['allow reads and writes of a device in two rules']!, CONFIG_SOURCE);
    expect(policyAllows(p, 'c', 7, 1, ACCESS.r | ACCESS.w)).toBe(true);
    expect(policyAllows(p, 'c', 7, 1, ACCESS.m)).toBe(true); // the defaults allow mknod of anything
  });
  it('refuses bad access letters, naming the rule', () => {
    expect(() => devicePolicy([{ allow: true, type: 'c', major: 1, minor: 1, access: 'rx' }], CONFIG_SOURCE))
      .toThrow('config.json: linux.resources.devices[0].access: access "rx" may only contain r, w and m');
  });
  it('writes the same policy as v1 lines', () => {
    const lines = v1DeviceLines(devicePolicy([{ allow: false }, { allow: true, type: 'a', major: 9, minor: 9, access: 'rw' }], CONFIG_SOURCE));
    expect(lines[0]).toEqual({ file: 'devices.deny', line: 'a' });
    expect(lines).toContainEqual({ file: 'devices.allow', line: 'c *:* m' });
    expect(lines).toContainEqual({ file: 'devices.allow', line: 'b 9:9 rw' });
    expect(lines).toContainEqual({ file: 'devices.allow', line: 'c 9:9 rw' });
    expect(lines).toContainEqual({ file: 'devices.allow', line: 'c 136:* rwm' });
  });
});

describe('device program', () => {
  const devices: [('b' | 'c'), number, number][] = [['c', 1, 3], ['c', 1, 5], ['c', 136, 0], ['c', 136, 99], ['c', 10, 229], ['c', 7, 1], ['b', 8, 0], ['b', 9, 9], ['c', 9, 9], ['c', 4, 1], ['c', 5, 2], ['b', 254, 0]];
  for (const [name, rules] of Object.entries(RULESETS)) {
    it(`decides like the kernel's v1 rules: ${name}`, () => {
      const policy = devicePolicy(rules, CONFIG_SOURCE);
      const bytes = encodeProgram(deviceProgram(policy));
      for (const [t, maj, min] of devices) {
        for (let access = 1; access <= 7; access++) {
          expect(run(bytes, t, maj, min, access), `${t} ${maj}:${min} access ${access}`).toBe(policyAllows(policy, t, maj, min, access) ? 1 : 0);
        }
      }
    });
  }
  it('encodes struct bpf_insn bytes (opcode, dst|src<<4, off, imm)', () => {
    const insns: Insn[] = deviceProgram({ defaultAllow: false, exceptions: [{ type: 'c', major: 1, minor: 3, access: 7 }] });
    const b = encodeProgram(insns);
    expect(b.length).toBe(insns.length * 8);
    // r2 = *(u32 *)(r1 + 0)
    expect([...b.subarray(0, 8)]).toEqual([0x61, 0x12, 0, 0, 0, 0, 0, 0]);
    // the last two: w0 = 0; exit
    expect([...b.subarray(b.length - 16)]).toEqual([0xb4, 0, 0, 0, 0, 0, 0, 0, 0x95, 0, 0, 0, 0, 0, 0, 0]);
    // one block: type, major, minor checks + return 1
    expect(insns.length).toBe(6 + 5 + 2);
  });
});
