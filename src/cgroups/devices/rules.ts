/**
 * Device rules (linux.resources.devices) → one policy: a default (allow or deny) and a
 * list of exceptions, computed the way the v1 devices controller does it (and runc's
 * emulator after it), so v1 files and the v2 BPF program mean the same thing.
 * Like runc, the default devices every container needs are allowed after the spec's
 * rules, and the starting point is "deny everything".
 */
import type { LinuxDeviceCgroup } from '../../spec/generated/types.js';
import { type Source, fieldError } from '../writes.js';

/** Bits of struct bpf_cgroup_dev_ctx.access_type (upper half) — the same as v1's. */
export const ACCESS = { m: 1, r: 2, w: 4 } as const;
export const ALL_ACCESS = 7;
/** -1: any major or minor number. */
export const ANY = -1;

export interface DeviceException {
  /** "a" matches both block and character devices. */
  type: 'a' | 'b' | 'c';
  major: number;
  minor: number;
  /** ACCESS bits. */
  access: number;
}

export interface DevicePolicy {
  defaultAllow: boolean;
  exceptions: DeviceException[];
}

const rule = (type: 'b' | 'c', major: number, minor: number, access: string): LinuxDeviceCgroup => ({ allow: true, type, major, minor, access });

/** runc's AllowedDevices (libcontainer/specconv): mknod of anything, and the standard nodes. */
export const DEFAULT_ALLOWED: readonly LinuxDeviceCgroup[] = [
  rule('c', ANY, ANY, 'm'),
  rule('b', ANY, ANY, 'm'),
  rule('c', 1, 3, 'rwm'), // /dev/null
  rule('c', 1, 8, 'rwm'), // /dev/random
  rule('c', 1, 7, 'rwm'), // /dev/full
  rule('c', 5, 0, 'rwm'), // /dev/tty
  rule('c', 1, 5, 'rwm'), // /dev/zero
  rule('c', 1, 9, 'rwm'), // /dev/urandom
  rule('c', 136, ANY, 'rwm'), // /dev/pts/*
  rule('c', 5, 2, 'rwm'), // /dev/ptmx
  rule('c', 10, 200, 'rwm'), // /dev/net/tun (runc dropped it in 1.2.0-rc1 and put it back)
];

function accessBits(src: Source, field: string, access: string | undefined): number {
  if (access === undefined || access === '') return ALL_ACCESS;
  let bits = 0;
  for (const ch of access) {
    const b = ACCESS[ch as keyof typeof ACCESS];
    if (b === undefined) throw fieldError(src, field, `access "${access}" may only contain r, w and m`);
    bits |= b;
  }
  return bits;
}

function num(src: Source, field: string, v: number | undefined): number {
  if (v === undefined || v < 0) return ANY;
  if (!Number.isSafeInteger(v) || v > 0x7fffffff) throw fieldError(src, field, `${v} is not a device number`);
  return v;
}

const isReset = (r: LinuxDeviceCgroup) => (r.type ?? 'a') === 'a' && (r.major ?? ANY) < 0 && (r.minor ?? ANY) < 0;

/**
 * The policy of the spec's rules with the defaults. runc appends the defaults after all
 * rules, so a spec cannot deny /dev/null; tsrunc puts them right after the spec's last
 * "a" rule instead: a "deny all" still gets them back (what engines rely on), and a rule
 * after it that denies one of them explicitly is honoured.
 */
export function devicePolicy(rules: readonly LinuxDeviceCgroup[], src: Source): DevicePolicy {
  const policy: DevicePolicy = { defaultAllow: false, exceptions: [] };
  const fromDefaults = new Set<DeviceException>();
  const cut = rules.findLastIndex(isReset) + 1;
  const all = [...rules.slice(0, cut).map((r, i) => [r, i] as const), ...DEFAULT_ALLOWED.map((r) => [r, -1] as const), ...rules.slice(cut).map((r, i) => [r, cut + i] as const)];
  all.forEach(([r, i]) => {
    const field = i >= 0 ? `devices[${i}]` : 'devices (defaults)';
    const type = r.type ?? 'a';
    const major = num(src, `${field}.major`, r.major);
    const minor = num(src, `${field}.minor`, r.minor);
    const access = accessBits(src, `${field}.access`, r.access);
    if (isReset(r)) {
      // "a" is the whole device space: it sets the default and forgets every exception.
      policy.defaultAllow = r.allow;
      policy.exceptions = [];
      return;
    }
    const same = policy.exceptions.find((e) => e.type === type && e.major === major && e.minor === minor);
    if (r.allow === policy.defaultAllow) {
      // Agrees with the default: takes the access away from an exception for exactly this device.
      if (same) {
        same.access &= ~access;
        if (same.access === 0) policy.exceptions.splice(policy.exceptions.indexOf(same), 1);
      }
    } else if (same) {
      same.access |= access;
    } else {
      const e = { type, major, minor, access };
      policy.exceptions.push(e);
      if (i < 0) fromDefaults.add(e);
    }
  });
  // The decision does not depend on the order, but devices.list shows it: the spec's own
  // rules first, in their order (what runtime-tools checks, and what crun writes).
  policy.exceptions = [...policy.exceptions.filter((e) => !fromDefaults.has(e)), ...policy.exceptions.filter((e) => fromDefaults.has(e))];
  return policy;
}

function matches(e: DeviceException, type: 'b' | 'c', major: number, minor: number): boolean {
  return (e.type === 'a' || e.type === type) && (e.major === ANY || e.major === major) && (e.minor === ANY || e.minor === minor);
}

/**
 * The kernel's decision (devcgroup_legacy_check_permission): with a default of deny, an
 * exception must grant every requested access bit; with a default of allow, an exception
 * that names any of the requested bits denies.
 */
export function policyAllows(p: DevicePolicy, type: 'b' | 'c', major: number, minor: number, access: number): boolean {
  if (p.defaultAllow) return !p.exceptions.some((e) => matches(e, type, major, minor) && (access & e.access) !== 0);
  return p.exceptions.some((e) => matches(e, type, major, minor) && (access & ~e.access) === 0);
}

function accessText(bits: number): string {
  return (bits & ACCESS.r ? 'r' : '') + (bits & ACCESS.w ? 'w' : '') + (bits & ACCESS.m ? 'm' : '');
}

/** The same policy as lines for devices.allow / devices.deny (v1 hosts without a unified hierarchy). */
export function v1DeviceLines(p: DevicePolicy): { file: 'devices.allow' | 'devices.deny'; line: string }[] {
  const n = (v: number) => (v === ANY ? '*' : String(v));
  const out: { file: 'devices.allow' | 'devices.deny'; line: string }[] = [
    { file: p.defaultAllow ? 'devices.allow' : 'devices.deny', line: 'a' },
  ];
  const file = p.defaultAllow ? 'devices.deny' : 'devices.allow';
  for (const e of p.exceptions) {
    // v1 has no "a" with numbers: it means both kinds.
    for (const t of e.type === 'a' ? ['b', 'c'] : [e.type]) out.push({ file, line: `${t} ${n(e.major)}:${n(e.minor)} ${accessText(e.access)}` });
  }
  return out;
}
