import { describe, expect, it } from 'vitest';
import { placementOf, translate } from '../../src/cgroups/resources.js';
import type { HostLayout } from '../../src/cgroups/layout.js';
import { CONFIG_SOURCE } from '../../src/cgroups/writes.js';
import type { LinuxResources } from '../../src/spec/generated/types.js';

const V2_ALL = new Set(['cpuset', 'cpu', 'io', 'memory', 'hugetlb', 'pids', 'rdma', 'misc']);
const pureV2: HostLayout = { unified: '/sys/fs/cgroup', v2Controllers: V2_ALL, v1: new Map(), ownV1: new Map() };
const hybrid: HostLayout = {
  unified: '/sys/fs/cgroup/unified',
  v2Controllers: new Set(['hugetlb']),
  v1: new Map(['cpu', 'cpuacct', 'cpuset', 'memory', 'devices', 'freezer', 'blkio', 'pids'].map((c) => [c, `/sys/fs/cgroup/${c}`])),
  ownV1: new Map([['memory', '/process_api/x']]),
};
const none = () => false;
const files = (w: { file: string; value: string }[]) => w.map((x) => `${x.file}=${x.value}`);

const everything: LinuxResources = {
  memory: { limit: 100 << 20, reservation: 50 << 20, swap: 200 << 20 },
  cpu: { shares: 1024, quota: 20000, period: 100000, burst: 5000, cpus: '0-1', mems: '0', idle: 0 },
  pids: { limit: 10 },
  blockIO: {
    weight: 500,
    weightDevice: [{ major: 8, minor: 0, weight: 100 }],
    throttleReadBpsDevice: [{ major: 8, minor: 0, rate: 1048576 }],
    throttleWriteBpsDevice: [{ major: 8, minor: 0, rate: 0 }],
    throttleReadIOPSDevice: [{ major: 8, minor: 0, rate: 100 }],
    throttleWriteIOPSDevice: [{ major: 8, minor: 0, rate: 200 }],
  },
  hugepageLimits: [{ pageSize: '2MB', limit: 4194304 }],
  rdma: { mlx5_0: { hcaHandles: 3, hcaObjects: 100 } },
  unified: { 'memory.high': '90000000', 'pids.max': '12' },
};

describe('translate on a pure v2 host', () => {
  it('writes every resource to its v2 file, unified keys last', () => {
    const t = translate(everything, placementOf(pureV2), none, CONFIG_SOURCE);
    expect(t.v1).toEqual([]);
    expect(t.missing).toEqual([]);
    expect(files(t.v2)).toEqual([
      `memory.swap.max=${100 << 20}`, `memory.max=${100 << 20}`, `memory.low=${50 << 20}`,
      'cpu.weight=100', 'cpu.max.burst=5000', 'cpu.max=20000 100000', 'cpu.max.burst=5000', 'cpu.idle=0',
      'cpuset.cpus=0-1', 'cpuset.mems=0',
      'pids.max=10',
      'io.weight=4950', 'io.weight=8:0 910', 'io.max=8:0 rbps=1048576', 'io.max=8:0 wbps=max', 'io.max=8:0 riops=100', 'io.max=8:0 wiops=200',
      'hugetlb.2MB.max=4194304',
      'rdma.max=mlx5_0 hca_handle=3 hca_object=100',
      'memory.high=90000000', 'pids.max=12',
    ]);
    expect(t.v2.find((w) => w.file === 'cpu.max.burst')!.tolerate).toEqual(['EINVAL']);
    expect(t.v2.find((w) => w.file === 'io.weight')!.field).toBe('blockIO.weight');
  });
  it('uses io.bfq.weight with the v1 range when BFQ is there, and hugetlb rsvd files when they exist', () => {
    const has = (_c: string, f: string) => f === 'io.bfq.weight' || f === 'hugetlb.2MB.rsvd.max';
    const t = translate({ blockIO: { weight: 500, weightDevice: [{ major: 8, minor: 0, weight: 100 }] }, hugepageLimits: [{ pageSize: '2MB', limit: 1 }] }, placementOf(pureV2), has, CONFIG_SOURCE);
    expect(files(t.v2)).toEqual(['io.bfq.weight=500', 'io.bfq.weight=8:0 100', 'hugetlb.2MB.max=1', 'hugetlb.2MB.rsvd.max=1']);
  });
  it('memory: equal memory and swap means no swap; -1 is max; swap without a limit is an error', () => {
    expect(files(translate({ memory: { limit: 64, swap: 64 } }, placementOf(pureV2), none, CONFIG_SOURCE).v2)).toEqual(['memory.swap.max=0', 'memory.max=64']);
    expect(files(translate({ memory: { limit: -1 } }, placementOf(pureV2), none, CONFIG_SOURCE).v2)).toEqual(['memory.swap.max=max', 'memory.max=max']);
    expect(() => translate({ memory: { swap: 64 } }, placementOf(pureV2), none, CONFIG_SOURCE)).toThrow('config.json: linux.resources.memory.swap: a swap limit needs a memory limit');
    expect(() => translate({ memory: { limit: -5 } }, placementOf(pureV2), none, CONFIG_SOURCE)).toThrow('config.json: linux.resources.memory.limit: must be a whole number of bytes');
  });
  it('rejects realtime on v2 and warns about what v2 does not have', () => {
    expect(() => translate({ cpu: { realtimeRuntime: 1000 } }, placementOf(pureV2), none, CONFIG_SOURCE))
      .toThrow('config.json: linux.resources.cpu.realtimeRuntime: realtime scheduling limits are not supported on cgroup v2');
    const t = translate({ memory: { disableOOMKiller: true, swappiness: 10 }, network: { classID: 5 } }, placementOf(pureV2), none, CONFIG_SOURCE);
    expect(t.warnings.join('\n')).toMatch(/disableOOMKiller is ignored[\s\S]*swappiness|swappiness[\s\S]*disableOOMKiller/);
    expect(t.warnings.join('\n')).toMatch(/network is ignored/);
  });
  it('quota -1 is "max", a period alone keeps the quota unlimited', () => {
    expect(files(translate({ cpu: { quota: -1, period: 50000 } }, placementOf(pureV2), none, CONFIG_SOURCE).v2)).toEqual(['cpu.max=max 50000']);
    expect(files(translate({ cpu: { period: 50000 } }, placementOf(pureV2), none, CONFIG_SOURCE).v2)).toEqual(['cpu.max=max 50000']);
  });
  it('validates unified keys: no paths, no files that move or kill processes', () => {
    const bad = (k: string) => () => translate({ unified: { [k]: '1' } }, placementOf(pureV2), none, CONFIG_SOURCE);
    expect(bad('../memory.max')).toThrow('config.json: linux.resources.unified["../memory.max"]: must be the name of a file');
    expect(bad('sub/memory.max')).toThrow(/without "\/"/);
    expect(bad('cgroup.procs')).toThrow(/cgroup.procs cannot be set/);
    expect(bad('cgroup.kill')).toThrow(/cannot be set/);
    expect(bad('nodot')).toThrow(/not a cgroup file name/);
    expect(files(translate({ unified: { 'cgroup.max.depth': '2' } }, placementOf(pureV2), none, CONFIG_SOURCE).v2)).toEqual(['cgroup.max.depth=2']);
  });
  it('checks cpuset lists and page sizes', () => {
    expect(() => translate({ cpu: { cpus: '0-a' } }, placementOf(pureV2), none, CONFIG_SOURCE)).toThrow('linux.resources.cpu.cpus: "0-a" is not a list');
    expect(() => translate({ cpu: { cpus: '3-1' } }, placementOf(pureV2), none, CONFIG_SOURCE)).toThrow(/descending/);
    expect(() => translate({ hugepageLimits: [{ pageSize: '2M', limit: 1 }] }, placementOf(pureV2), none, CONFIG_SOURCE)).toThrow('linux.resources.hugepageLimits[0].pageSize');
  });
  it('pids: 0 and -1 mean no limit', () => {
    expect(files(translate({ pids: { limit: -1 } }, placementOf(pureV2), none, CONFIG_SOURCE).v2)).toEqual(['pids.max=max']);
    expect(files(translate({ pids: { limit: 0 } }, placementOf(pureV2), none, CONFIG_SOURCE).v2)).toEqual(['pids.max=max']);
  });
});

describe('translate on a hybrid host', () => {
  it('sends v1 controllers to v1 files and hugetlb to the unified hierarchy', () => {
    const has = (_c: string, f: string) => f === 'memory.memsw.limit_in_bytes' || f === 'blkio.weight';
    const t = translate(everything, placementOf(hybrid), has, CONFIG_SOURCE);
    expect(files(t.v1)).toEqual([
      `memory.memsw.limit_in_bytes=${200 << 20}`, `memory.limit_in_bytes=${100 << 20}`, `memory.memsw.limit_in_bytes=${200 << 20}`, `memory.soft_limit_in_bytes=${50 << 20}`,
      'cpu.shares=1024', 'cpu.cfs_period_us=100000', 'cpu.cfs_burst_us=5000', 'cpu.cfs_quota_us=20000', 'cpu.cfs_period_us=100000', 'cpu.cfs_burst_us=5000', 'cpu.idle=0',
      'cpuset.cpus=0-1', 'cpuset.mems=0',
      'pids.max=10',
      'blkio.weight=500', 'blkio.weight_device=8:0 100',
      'blkio.throttle.read_bps_device=8:0 1048576', 'blkio.throttle.write_bps_device=8:0 0', 'blkio.throttle.read_iops_device=8:0 100', 'blkio.throttle.write_iops_device=8:0 200',
    ]);
    expect(files(t.v2)).toEqual(['hugetlb.2MB.max=4194304', 'memory.high=90000000', 'pids.max=12']);
    expect(t.missing).toEqual([['rdma', 'rdma']]);
    expect(t.v1[0]!.tolerate).toEqual(['EINVAL']);
  });
  it('v1 memory: -1 also lifts memory+swap; disableOOMKiller and swappiness are v1 files', () => {
    const has = (_c: string, f: string) => f === 'memory.memsw.limit_in_bytes';
    expect(files(translate({ memory: { limit: -1, disableOOMKiller: true, swappiness: 0 } }, placementOf(hybrid), has, CONFIG_SOURCE).v1))
      .toEqual(['memory.memsw.limit_in_bytes=-1', 'memory.limit_in_bytes=-1', 'memory.memsw.limit_in_bytes=-1', 'memory.swappiness=0', 'memory.oom_control=1']);
  });
  it('v1 memory: kernelTCP where the kernel still has it, kernel never', () => {
    const has = (_c: string, f: string) => f === 'memory.kmem.tcp.limit_in_bytes';
    const t = translate({ memory: { kernel: 1 << 20, kernelTCP: 2 << 20 } }, placementOf(hybrid), has, CONFIG_SOURCE);
    expect(files(t.v1)).toEqual([`memory.kmem.tcp.limit_in_bytes=${2 << 20}`]);
    expect(t.warnings.join()).toMatch(/memory.kernel is ignored/);
    expect(translate({ memory: { kernelTCP: 1 } }, placementOf(hybrid), none, CONFIG_SOURCE).warnings.join()).toMatch(/kernelTCP is ignored/);
  });
  it('allows realtime on v1, and refuses a blkio weight the kernel has no file for', () => {
    expect(files(translate({ cpu: { realtimePeriod: 1000000, realtimeRuntime: 1000 } }, placementOf(hybrid), none, CONFIG_SOURCE).v1))
      .toEqual(['cpu.rt_period_us=1000000', 'cpu.rt_runtime_us=1000']);
    expect(() => translate({ blockIO: { weight: 100 } }, placementOf(hybrid), none, CONFIG_SOURCE)).toThrow('linux.resources.blockIO.weight: this kernel has no blkio weight');
  });
});
