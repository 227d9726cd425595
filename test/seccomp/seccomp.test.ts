/**
 * Seccomp compilation without a kernel: profile checks, the programs libseccomp and the
 * -ENOSYS stub make (run through a BPF interpreter), and the cache.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadLibseccomp, type Libseccomp } from '../../src/native/libseccomp.js';
import { RET } from '../../src/seccomp/bpf.js';
import { compileSeccomp } from '../../src/seccomp/compile.js';
import { AUDIT_ARCH_X86_64, enosysStub } from '../../src/seccomp/enosys.js';
import { checkProfile } from '../../src/seccomp/profile.js';
import { parseConfig } from '../../src/spec/config.js';
import type { LinuxSeccomp } from '../../src/spec/generated/types.js';
import { fromWords, runFilter } from './bpf-run.js';
import { podmanProfile } from './podman-profile.js';

const dirs: string[] = [];
function cacheDir(): string {
  const d = fs.mkdtempSync(path.join(os.tmpdir(), 'tsrunc-seccomp-'));
  dirs.push(d);
  return d;
}
afterAll(() => dirs.forEach((d) => fs.rmSync(d, { recursive: true, force: true })));

const X86_64 = AUDIT_ARCH_X86_64;
const I386 = 0x40000003;
const NR = { read: 0, write: 1, mkdir: 83, personality: 135, getpgid: 121, clone3: 435 };
const errno = (n: number) => (RET.ERRNO | n) >>> 0;

function compile(p: LinuxSeccomp, dir = cacheDir()) {
  return compileSeccomp(p, { cacheDir: dir, libseccomp: loadLibseccomp });
}
function answer(p: LinuxSeccomp, nr: number, args: bigint[] = [], arch = X86_64): number {
  return runFilter(fromWords(compile(p).program), { nr, arch, args });
}

describe('profile checks', () => {
  it.each<[string, LinuxSeccomp, RegExp]>([
    ['NOTIFY as the default', { defaultAction: 'SCMP_ACT_NOTIFY' }, /defaultAction: SCMP_ACT_NOTIFY cannot be the default action/],
    ['NOTIFY on write', { defaultAction: 'SCMP_ACT_ALLOW', listenerPath: '/s', syscalls: [{ names: ['write'], action: 'SCMP_ACT_NOTIFY' }] }, /syscalls\[0\]: SCMP_ACT_NOTIFY cannot be used for the write syscall/],
    ['NOTIFY without a listener', { defaultAction: 'SCMP_ACT_ALLOW', syscalls: [{ names: ['mkdir'], action: 'SCMP_ACT_NOTIFY' }] }, /listenerPath: required/],
    ['an argument index of 6', { defaultAction: 'SCMP_ACT_ALLOW', syscalls: [{ names: ['mkdir'], action: 'SCMP_ACT_ERRNO', args: [{ index: 6, value: 0, op: 'SCMP_CMP_EQ' }] }] }, /args\[0\].index: 6/],
    ['an errnoRet above 65535', { defaultAction: 'SCMP_ACT_ERRNO', defaultErrnoRet: 70000 }, /errnoRet 70000 is out of range/],
  ])('refuses %s', (_n, p, message) => {
    expect(() => checkProfile(p)).toThrow(message);
  });

  it('turns flags into SECCOMP_FILTER_FLAG bits (a listener adds NEW_LISTENER; WAIT_KILLABLE_RECV needs one)', () => {
    expect(checkProfile({ defaultAction: 'SCMP_ACT_ALLOW', flags: ['SECCOMP_FILTER_FLAG_LOG', 'SECCOMP_FILTER_FLAG_SPEC_ALLOW', 'SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV'] }).flags).toBe(2 | 4);
    const n = checkProfile({ defaultAction: 'SCMP_ACT_ALLOW', listenerPath: '/s', flags: ['SECCOMP_FILTER_FLAG_TSYNC', 'SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV'], syscalls: [{ names: ['mkdir'], action: 'SCMP_ACT_NOTIFY' }] });
    expect(n.flags).toBe(1 | 8 | 16 | 32);
    expect(n.notify).toBe(true);
  });

  it('splits several conditions on one argument into separate rules (OR), as runc does', () => {
    const p = checkProfile({ defaultAction: 'SCMP_ACT_ALLOW', syscalls: [{ names: ['getpgid'], action: 'SCMP_ACT_ERRNO', args: [
      { index: 0, value: 1, op: 'SCMP_CMP_EQ' }, { index: 0, value: 2, op: 'SCMP_CMP_EQ' }] }] });
    expect(p.rules.map((r) => r.args.length)).toEqual([1, 1]);
  });

  it('adds the ENOSYS stub only when the default denies with another errno', () => {
    expect(checkProfile({ defaultAction: 'SCMP_ACT_ERRNO' }).enosysStub).toBe(true);
    expect(checkProfile({ defaultAction: 'SCMP_ACT_KILL_PROCESS' }).enosysStub).toBe(true);
    expect(checkProfile({ defaultAction: 'SCMP_ACT_ERRNO', defaultErrnoRet: 38 }).enosysStub).toBe(false);
    expect(checkProfile({ defaultAction: 'SCMP_ACT_ALLOW' }).enosysStub).toBe(false);
    expect(checkProfile({ defaultAction: 'SCMP_ACT_LOG' }).enosysStub).toBe(false);
  });
});

describe('compiled programs', () => {
  it('answers each operator as the rule says', () => {
    const p: LinuxSeccomp = { defaultAction: 'SCMP_ACT_ALLOW', syscalls: [
      { names: ['getpgid'], action: 'SCMP_ACT_ERRNO', errnoRet: 1, args: [{ index: 0, value: 10, op: 'SCMP_CMP_GT' }] },
      { names: ['personality'], action: 'SCMP_ACT_ERRNO', errnoRet: 2, args: [{ index: 0, value: 0xff, valueTwo: 0x08, op: 'SCMP_CMP_MASKED_EQ' }] },
      { names: ['read'], action: 'SCMP_ACT_ERRNO', errnoRet: 3, args: [{ index: 2, value: 5, op: 'SCMP_CMP_LE' }] },
      { names: ['mkdir'], action: 'SCMP_ACT_ERRNO', errnoRet: 4, args: [{ index: 1, value: 0o700, op: 'SCMP_CMP_NE' }] },
    ] };
    const prog = fromWords(compile(p).program);
    const ans = (nr: number, args: bigint[]) => runFilter(prog, { nr, arch: X86_64, args });
    expect(ans(NR.getpgid, [11n])).toBe(errno(1));
    expect(ans(NR.getpgid, [10n])).toBe(RET.ALLOW);
    expect(ans(NR.personality, [0x108n])).toBe(errno(2));
    expect(ans(NR.personality, [0x107n])).toBe(RET.ALLOW);
    expect(ans(NR.read, [0n, 0n, 5n])).toBe(errno(3));
    expect(ans(NR.read, [0n, 0n, 6n])).toBe(RET.ALLOW);
    expect(ans(NR.mkdir, [0n, 0o755n])).toBe(errno(4));
    expect(ans(NR.mkdir, [0n, 0o700n])).toBe(RET.ALLOW);
  });

  it('compares with 2^64-1 as written in config.json (JSON.parse reads it as 2^64, which wrapped to 0)', () => {
    const text = JSON.stringify({ ociVersion: '1.2.1', root: { path: 'rootfs' }, linux: { seccomp: { defaultAction: 'SCMP_ACT_ALLOW', syscalls: [
      { names: ['getpgid'], action: 'SCMP_ACT_ERRNO', errnoRet: 1, args: [{ index: 0, value: '__MAX__', op: 'SCMP_CMP_EQ' }] },
      { names: ['personality'], action: 'SCMP_ACT_ERRNO', errnoRet: 2, args: [{ index: 0, value: '__MAX__', valueTwo: '__MAX__', op: 'SCMP_CMP_MASKED_EQ' }] },
    ] } } }).replaceAll('"__MAX__"', '18446744073709551615');
    const prog = fromWords(compile(parseConfig(text, 'config.json').linux!.seccomp!).program);
    const ans = (nr: number, arg: bigint) => runFilter(prog, { nr, arch: X86_64, args: [arg] });
    expect(ans(NR.getpgid, 2n ** 64n - 1n)).toBe(errno(1));
    expect(ans(NR.getpgid, 0n)).toBe(RET.ALLOW);
    expect(ans(NR.personality, 2n ** 64n - 1n)).toBe(errno(2));
    expect(ans(NR.personality, 0n)).toBe(RET.ALLOW);
  });

  it('gives ENOSYS above the highest syscall of the profile, the default errno below it', () => {
    const p: LinuxSeccomp = { defaultAction: 'SCMP_ACT_ERRNO', architectures: ['SCMP_ARCH_X86_64', 'SCMP_ARCH_X86', 'SCMP_ARCH_X32'],
      syscalls: [{ names: ['read', 'write', 'mkdir'], action: 'SCMP_ACT_ALLOW' }] };
    expect(answer(p, NR.read)).toBe(RET.ALLOW);
    expect(answer(p, NR.mkdir)).toBe(RET.ALLOW);
    expect(answer(p, 50)).toBe(errno(1)); // below mkdir: EPERM
    expect(answer(p, 84)).toBe(errno(38)); // above: ENOSYS
    expect(answer(p, NR.clone3)).toBe(errno(38));
    expect(answer(p, 0x40000000 + 84)).toBe(errno(38)); // x32 ABI: its own limit
    expect(answer(p, 200, [], I386)).toBe(errno(38)); // i386: mkdir is 39 there
    expect(answer(p, 3, [], I386)).toBe(RET.ALLOW); // i386 read
  });

  it('compiles podman\'s default profile: ENOSYS default, EPERM for the privileged calls', () => {
    const p = podmanProfile(['CAP_CHOWN', 'CAP_KILL']);
    const c = compile(p);
    expect(c.program.length).toBeGreaterThan(100);
    expect(c.program.length).toBeLessThanOrEqual(4096);
    const prog = fromWords(c.program);
    expect(runFilter(prog, { nr: NR.mkdir, arch: X86_64 })).toBe(RET.ALLOW);
    expect(runFilter(prog, { nr: 320 /* kexec_file_load */, arch: X86_64 })).toBe(errno(1));
    expect(runFilter(prog, { nr: 1000, arch: X86_64 })).toBe(errno(38));
    expect(runFilter(prog, { nr: NR.personality, arch: X86_64, args: [0x8n] })).toBe(RET.ALLOW);
    expect(runFilter(prog, { nr: NR.personality, arch: X86_64, args: [0x1n] })).toBe(errno(38));
  });

  it('is not fooled by an arch the profile does not list (the filter\'s bad-arch action)', () => {
    const p: LinuxSeccomp = { defaultAction: 'SCMP_ACT_ERRNO', syscalls: [{ names: ['read'], action: 'SCMP_ACT_ALLOW' }] };
    expect(answer(p, 0, [], 0xc00000b7 /* aarch64 */)).toBe(RET.KILL_THREAD);
  });

  it('builds a stub that falls through to the filter for unlisted arches', () => {
    const stub = enosysStub(new Map([[X86_64, 10]]));
    const prog = [...stub, { code: 0x06, jt: 0, jf: 0, k: RET.ALLOW }];
    expect(runFilter(prog, { nr: 11, arch: X86_64 })).toBe(errno(38));
    expect(runFilter(prog, { nr: 10, arch: X86_64 })).toBe(RET.ALLOW);
    expect(runFilter(prog, { nr: 99, arch: I386 })).toBe(RET.ALLOW);
    expect(enosysStub(new Map())).toEqual([]);
  });
});

describe('the cache', () => {
  it('compiles a profile once: the second time libseccomp is not even loaded', () => {
    const dir = cacheDir();
    const p = podmanProfile(['CAP_CHOWN']);
    const first = compileSeccomp(p, { cacheDir: dir, libseccomp: loadLibseccomp });
    const never = (): Libseccomp => { throw new Error('libseccomp loaded on a cache hit'); };
    const second = compileSeccomp(p, { cacheDir: dir, libseccomp: never });
    expect(first.cached).toBe(false);
    expect(second.cached).toBe(true);
    expect(second.program).toEqual(first.program);
    // The listener does not change the program; a rule does.
    expect(compileSeccomp({ ...p, listenerMetadata: 'x' }, { cacheDir: dir, libseccomp: never }).cached).toBe(true);
    expect(compileSeccomp({ ...p, syscalls: p.syscalls!.slice(1) }, { cacheDir: dir, libseccomp: loadLibseccomp }).cached).toBe(false);
  });

  it('keeps the warnings of a cached profile, and ignores a corrupt entry', () => {
    const dir = cacheDir();
    const p: LinuxSeccomp = { defaultAction: 'SCMP_ACT_ALLOW', syscalls: [{ names: ['not_a_syscall'], action: 'SCMP_ACT_ERRNO' }] };
    expect(compile(p, dir).warnings).toEqual([expect.stringContaining('not_a_syscall')]);
    expect(compile(p, dir).warnings).toEqual([expect.stringContaining('not_a_syscall')]);
    for (const f of fs.readdirSync(dir)) fs.writeFileSync(path.join(dir, f), '{"key":"other"}');
    const again = compile(p, dir);
    expect(again.cached).toBe(false);
  });
});
