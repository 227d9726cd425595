import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/spec/config.js';

const UINT16 = ['0', '65535'] as const;
const UINT32 = ['0', '4294967295'] as const;
const UINT64 = ['0', '18446744073709551615'] as const;
const INT32 = ['-2147483648', '2147483647'] as const;
const INT64 = ['-9223372036854775808', '9223372036854775807'] as const;

/** [field as the message names it, range, how to put a value there]. */
type Case = [string, readonly [string, string], (c: Record<string, any>, v: unknown) => void];

const CASES: Case[] = [
  ['process.user.uid', UINT32, (c, v) => (c.process.user.uid = v)],
  ['process.user.gid', UINT32, (c, v) => (c.process.user.gid = v)],
  ['process.user.umask', UINT32, (c, v) => (c.process.user.umask = v)],
  ['process.user.additionalGids[1]', UINT32, (c, v) => (c.process.user.additionalGids = [0, v])],
  ['process.consoleSize.width', UINT32, (c, v) => (c.process.consoleSize = { height: 1, width: v })],
  ['process.rlimits[0].soft', UINT64, (c, v) => (c.process.rlimits = [{ type: 'RLIMIT_NOFILE', soft: v, hard: 1 }])],
  ['process.rlimits[0].hard', UINT64, (c, v) => (c.process.rlimits = [{ type: 'RLIMIT_NOFILE', soft: 1, hard: v }])],
  ['process.oomScoreAdj', ['-1000', '1000'], (c, v) => (c.process.oomScoreAdj = v)],
  ['process.scheduler.nice', INT32, (c, v) => (c.process.scheduler = { policy: 'SCHED_OTHER', nice: v })],
  ['process.scheduler.runtime', UINT64, (c, v) => (c.process.scheduler = { policy: 'SCHED_DEADLINE', runtime: v })],
  ['process.ioPriority.priority', ['0', '7'], (c, v) => (c.process.ioPriority = { class: 'IOPRIO_CLASS_RT', priority: v })],
  ['hooks.prestart[0].timeout', ['1', '2147483647'], (c, v) => (c.hooks = { prestart: [{ path: '/x', timeout: v }] })],
  ['mounts[0].uidMappings[0].hostID', UINT32, (c, v) => (c.mounts = [{ destination: '/', uidMappings: [{ containerID: 0, hostID: v, size: 1 }] }])],
  ['linux.uidMappings[0].containerID', UINT32, (c, v) => (c.linux.uidMappings = [{ containerID: v, hostID: 0, size: 1 }])],
  ['linux.gidMappings[0].size', UINT32, (c, v) => (c.linux.gidMappings = [{ containerID: 0, hostID: 0, size: v }])],
  ['linux.timeOffsets.monotonic.secs', INT64, (c, v) => (c.linux.timeOffsets = { monotonic: { secs: v } })],
  ['linux.timeOffsets.boottime.nanosecs', UINT32, (c, v) => (c.linux.timeOffsets = { boottime: { nanosecs: v } })],
  ['linux.devices[0].major', INT64, (c, v) => (c.linux.devices = [{ type: 'c', path: '/dev/x', major: v, minor: 0 }])],
  ['linux.devices[0].fileMode', UINT32, (c, v) => (c.linux.devices = [{ type: 'c', path: '/dev/x', major: 1, minor: 0, fileMode: v }])],
  ['linux.devices[0].uid', UINT32, (c, v) => (c.linux.devices = [{ type: 'p', path: '/dev/x', uid: v }])],
  ['linux.resources.devices[0].minor', INT64, (c, v) => (c.linux.resources = { devices: [{ allow: true, minor: v }] })],
  ['linux.resources.memory.limit', INT64, (c, v) => (c.linux.resources = { memory: { limit: v } })],
  ['linux.resources.memory.swappiness', UINT64, (c, v) => (c.linux.resources = { memory: { swappiness: v } })],
  ['linux.resources.cpu.shares', UINT64, (c, v) => (c.linux.resources = { cpu: { shares: v } })],
  ['linux.resources.cpu.quota', INT64, (c, v) => (c.linux.resources = { cpu: { quota: v } })],
  ['linux.resources.pids.limit', INT64, (c, v) => (c.linux.resources = { pids: { limit: v } })],
  ['linux.resources.blockIO.weight', UINT16, (c, v) => (c.linux.resources = { blockIO: { weight: v } })],
  ['linux.resources.blockIO.weightDevice[0].leafWeight', UINT16, (c, v) => (c.linux.resources = { blockIO: { weightDevice: [{ major: 8, minor: 0, leafWeight: v }] } })],
  ['linux.resources.blockIO.throttleWriteIOPSDevice[0].rate', UINT64, (c, v) => (c.linux.resources = { blockIO: { throttleWriteIOPSDevice: [{ major: 8, minor: 0, rate: v }] } })],
  ['linux.resources.hugepageLimits[0].limit', UINT64, (c, v) => (c.linux.resources = { hugepageLimits: [{ pageSize: '2MB', limit: v }] })],
  ['linux.resources.network.classID', UINT32, (c, v) => (c.linux.resources = { network: { classID: v } })],
  ['linux.resources.network.priorities[0].priority', UINT32, (c, v) => (c.linux.resources = { network: { priorities: [{ name: 'lo', priority: v }] } })],
  ['linux.resources.rdma.mlx5_1.hcaHandles', UINT32, (c, v) => (c.linux.resources = { rdma: { mlx5_1: { hcaHandles: v } } })],
  ['linux.resources.rdma["mlx5-1"].hcaObjects', UINT32, (c, v) => (c.linux.resources = { rdma: { 'mlx5-1': { hcaObjects: v } } })],
  ['linux.seccomp.defaultErrnoRet', UINT32, (c, v) => (c.linux.seccomp = { defaultAction: 'SCMP_ACT_ERRNO', defaultErrnoRet: v })],
  ['linux.seccomp.syscalls[0].errnoRet', UINT32, (c, v) => (c.linux.seccomp = { defaultAction: 'SCMP_ACT_ALLOW', syscalls: [{ names: ['x'], action: 'SCMP_ACT_ERRNO', errnoRet: v }] })],
  ['linux.seccomp.syscalls[0].args[0].value', UINT64, (c, v) => (c.linux.seccomp = { defaultAction: 'SCMP_ACT_ALLOW', syscalls: [{ names: ['x'], action: 'SCMP_ACT_ERRNO', args: [{ index: 0, value: v, op: 'SCMP_CMP_EQ' }] }] })],
];

function base(): Record<string, any> {
  return { ociVersion: '1.2.1', root: { path: 'rootfs' }, process: { args: ['sh'], cwd: '/', user: { uid: 0, gid: 0 } }, linux: {} };
}

/** The config text with `value` written verbatim (so 18446744073709551615 stays as typed). */
function text(set: Case[2], value: string): string {
  const c = base();
  set(c, '__VALUE__');
  return JSON.stringify(c).replaceAll('"__VALUE__"', value);
}

function message(set: Case[2], value: string): string | undefined {
  try {
    parseConfig(text(set, value), 'config.json');
    return undefined;
  } catch (e) {
    return (e as Error).message;
  }
}

/** The integer just outside a bound, written exactly (JSON.parse alone would read
 * 18446744073709551616 as the maximum itself: tsrunc checks such literals digit by digit). */
function beyond(bound: string, dir: 1 | -1): string {
  return String(BigInt(bound) + BigInt(dir));
}

describe.each(CASES)('%s', (field, [min, max], set) => {
  const expected = (got: string) => `config.json: ${field}: must be an integer from ${min} to ${max} (got ${got})`;

  it('accepts both bounds', () => {
    expect(message(set, min)).toBeUndefined();
    expect(message(set, max)).toBeUndefined();
  });

  it('rejects values beyond them', () => {
    const low = beyond(min, -1);
    const high = beyond(max, 1);
    expect(message(set, low)).toBe(expected(low));
    expect(message(set, high)).toBe(expected(high));
  });

  // null is "absent" where the field is optional, refused where it is required: absent.test.ts
  it('rejects fractions and strings', () => {
    expect(message(set, '1.5')).toBe(expected('1.5'));
    expect(message(set, '"1"')).toBe(expected('"1"'));
  });
});

describe('64-bit values', () => {
  it('accepts RLIM_INFINITY as engines write it', () => {
    const c = parseConfig(text((c, v) => (c.process.rlimits = [{ type: 'RLIMIT_CORE', soft: v, hard: v }]), '18446744073709551615'), 'config.json');
    expect(c.process?.rlimits?.[0]?.soft).toBe(2 ** 64);
  });
});
