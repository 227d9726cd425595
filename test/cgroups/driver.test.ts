/**
 * The cgroup driver seam, planned from literal host facts (no /sys): which driver a host
 * gets, where a container's cgroups go, which directories are created, and every config
 * error before anything exists; and records read back from older tsruncs.
 */
import { describe, expect, it } from 'vitest';
import { cgroupFeatures, chooseDriver, containerCgroup, withDriver } from '../../src/cgroups/driver.js';
import type { Spec } from '../../src/spec/generated/types.js';
import { facts, hybridLayout, v2Layout } from './hosts.js';

const spec = (linux: Spec['linux']): Spec => ({ ociVersion: '1.2.1', root: { path: 'rootfs' }, linux });
const plan = (f: ReturnType<typeof facts>, linux: Spec['linux'], id = 'c1') => chooseDriver({ systemdCgroup: false }, f).plan(spec(linux), id);

// A v2 host with systemd's usual delegation: the root passes every controller on, /tsrunc only memory and pids.
const V2_FILES = {
  '/sys/fs/cgroup/cgroup.controllers': 'cpuset cpu io memory hugetlb pids rdma misc\n',
  '/sys/fs/cgroup/cgroup.subtree_control': 'cpuset cpu io memory hugetlb pids\n',
  '/sys/fs/cgroup/tsrunc/cgroup.controllers': 'cpuset cpu io memory hugetlb pids\n',
  '/sys/fs/cgroup/tsrunc/cgroup.subtree_control': 'memory pids\n',
  '/sys/fs/cgroup/tsrunc/cgroup.procs': '',
  '/sys/fs/cgroup/user.slice/cgroup.procs': '',
};
const v2 = () => facts(v2Layout(), V2_FILES, '/user.slice');

// This machine: v1 hierarchies (their roots exist), the unified mount with no controller enabled below it.
const HYBRID_FILES = {
  '/sys/fs/cgroup/unified/cgroup.controllers': 'hugetlb\n',
  '/sys/fs/cgroup/unified/cgroup.subtree_control': '\n',
  '/sys/fs/cgroup/cpu/cgroup.procs': '',
  '/sys/fs/cgroup/cpuacct/cgroup.procs': '',
  '/sys/fs/cgroup/memory/cgroup.procs': '',
  '/sys/fs/cgroup/memory/memory.memsw.limit_in_bytes': '9223372036854771712\n',
  '/sys/fs/cgroup/freezer/cgroup.procs': '',
  '/sys/fs/cgroup/systemd/cgroup.procs': '',
  '/sys/fs/cgroup/net_cls,net_prio/cgroup.procs': '',
};
const hybrid = (extra: Record<string, string> = {}) => facts(hybridLayout(), { ...HYBRID_FILES, ...extra });

describe('the driver a host gets', () => {
  it('pure v2: v2; v1 + unified, or v1 alone: hybrid; no hierarchy: none', () => {
    expect(chooseDriver({ systemdCgroup: false }, v2()).kind).toBe('v2');
    expect(chooseDriver({ systemdCgroup: false }, hybrid()).kind).toBe('hybrid');
    const legacy = hybridLayout();
    delete legacy.unified;
    expect(chooseDriver({ systemdCgroup: false }, facts(legacy, HYBRID_FILES)).kind).toBe('hybrid');
    expect(chooseDriver({ systemdCgroup: false }, facts({ v2Controllers: new Set(), v1: new Map(), ownV1: new Map() }, {})).kind).toBe('none');
  });
});

describe('planning on a pure v2 host', () => {
  it('one unified cgroup; only the missing directories are created; the resources are kept', () => {
    const p = plan(v2(), { cgroupsPath: '/tsrunc/c1', resources: { memory: { limit: 64 << 20 }, pids: { limit: 10 } } });
    expect(p.record).toEqual({
      driver: 'v2', unified: '/sys/fs/cgroup/tsrunc/c1', createdDirs: ['/sys/fs/cgroup/tsrunc/c1'],
      resources: { memory: { limit: 64 << 20 }, pids: { limit: 10 } },
    });
    expect(p.warnings).toEqual([]);
  });
  it('a relative path goes below tsrunc\'s own cgroup; the empty one is the id', () => {
    expect(plan(v2(), { cgroupsPath: 'a/b' }).record.unified).toBe('/sys/fs/cgroup/user.slice/a/b');
    expect(plan(v2(), {}, 'web').record).toEqual({ driver: 'v2', unified: '/sys/fs/cgroup/user.slice/web', createdDirs: ['/sys/fs/cgroup/user.slice/web'] });
  });
  it('a controller the parent does not delegate is an error naming the field and the file', () => {
    expect(() => plan(v2(), { cgroupsPath: '/tsrunc/c1', resources: { cpu: { quota: 20000, period: 100000 } } }))
      .toThrow('config.json: linux.resources.cpu.quota: the cpu controller is not available to the container\'s cgroup (it is not in /sys/fs/cgroup/tsrunc/cgroup.subtree_control)');
    // Below a directory that does not exist yet, the nearest existing one decides.
    expect(plan(v2(), { cgroupsPath: '/new/c1', resources: { cpu: { quota: 20000 } } }).record.createdDirs).toEqual(['/sys/fs/cgroup/new', '/sys/fs/cgroup/new/c1']);
  });
  it('refuses a cgroup with processes or frozen, before anything is taken', () => {
    const busy = facts(v2Layout(), { ...V2_FILES, '/sys/fs/cgroup/tsrunc/c1/cgroup.procs': '4242\n' });
    expect(() => plan(busy, { cgroupsPath: '/tsrunc/c1' })).toThrow('cgroup /sys/fs/cgroup/tsrunc/c1 already has processes');
    const frozen = facts(v2Layout(), { ...V2_FILES, '/sys/fs/cgroup/tsrunc/c1/cgroup.procs': '', '/sys/fs/cgroup/tsrunc/c1/cgroup.freeze': '1\n' });
    expect(() => plan(frozen, { cgroupsPath: '/tsrunc/c1' })).toThrow('cgroup /sys/fs/cgroup/tsrunc/c1 is frozen');
  });
  it('bad values and device rules are errors of the plan', () => {
    expect(() => plan(v2(), { cgroupsPath: '/tsrunc/c1', resources: { memory: { limit: -5 } } })).toThrow('linux.resources.memory.limit: must be a whole number');
    expect(() => plan(v2(), { cgroupsPath: '/tsrunc/c1', resources: { devices: [{ allow: true, access: 'rwx' }] } })).toThrow('config.json: linux.resources.devices[0].access: access "rwx" may only contain r, w and m');
  });
});

describe('planning on a hybrid host (this machine)', () => {
  it('absolute: the same path in every hierarchy, hierarchies shared by controllers once, and a unified cgroup of its own', () => {
    const p = plan(hybrid(), { cgroupsPath: '/t/c1', resources: { memory: { limit: 16 << 20 } } });
    expect(p.record.driver).toBe('hybrid');
    expect(p.record.unified).toBe('/sys/fs/cgroup/unified/t/c1');
    expect(p.record.v1).toEqual({
      cpu: '/sys/fs/cgroup/cpu/t/c1', cpuacct: '/sys/fs/cgroup/cpuacct/t/c1', memory: '/sys/fs/cgroup/memory/t/c1',
      net_cls: '/sys/fs/cgroup/net_cls,net_prio/t/c1', net_prio: '/sys/fs/cgroup/net_cls,net_prio/t/c1',
      freezer: '/sys/fs/cgroup/freezer/t/c1', 'name=systemd': '/sys/fs/cgroup/systemd/t/c1',
    });
    expect(p.record.createdDirs.slice(0, 2)).toEqual(['/sys/fs/cgroup/unified/t', '/sys/fs/cgroup/unified/t/c1']);
    expect(p.record.createdDirs.filter((d) => d.includes('net_cls'))).toEqual(['/sys/fs/cgroup/net_cls,net_prio/t', '/sys/fs/cgroup/net_cls,net_prio/t/c1']);
  });
  it('relative: below the own cgroup, but never inside a v1 cgroup tsrunc does not own', () => {
    const p = plan(hybrid(), { cgroupsPath: 'c1' });
    expect(p.record.v1?.['memory']).toBeUndefined();
    expect(p.record.v1?.['cpu']).toBe('/sys/fs/cgroup/cpu/c1');
    expect(p.record.createdDirs.some((d) => d.includes('process_api'))).toBe(false);
    expect(() => plan(hybrid(), { cgroupsPath: 'c1', resources: { memory: { limit: 1 << 20 } } }))
      .toThrow('linux.resources.memory.limit: needs the memory cgroup, but linux.cgroupsPath "c1" is relative and tsrunc\'s own memory cgroup is /process_api/9e3f');
  });
  it('a limit of a unified-only controller needs the unified parent to delegate it', () => {
    expect(() => plan(hybrid(), { cgroupsPath: '/t/c1', resources: { hugepageLimits: [{ pageSize: '2MB', limit: 1 << 21 }] } }))
      .toThrow('config.json: linux.resources.hugepageLimits[0]: the hugetlb controller is not available to the container\'s cgroup (it is not in /sys/fs/cgroup/unified/cgroup.subtree_control)');
  });
  it('refuses a frozen v1 cgroup with the v1 way to thaw it', () => {
    const f = hybrid({ '/sys/fs/cgroup/freezer/t/c1/freezer.state': 'FROZEN\n' });
    expect(() => plan(f, { cgroupsPath: '/t/c1' })).toThrow(expect.objectContaining({ message: 'cgroup /sys/fs/cgroup/freezer/t/c1 is frozen', hint: expect.stringContaining('echo THAWED > freezer.state') }));
  });
  it('joins the v1 freezer on legacy hosts too', () => {
    const legacy = hybridLayout();
    delete legacy.unified;
    const p = plan(facts(legacy, HYBRID_FILES), { cgroupsPath: '/t/c1' });
    expect(p.record.unified).toBeUndefined();
    expect(p.record.v1?.['freezer']).toBe('/sys/fs/cgroup/freezer/t/c1');
  });
});

describe('the none driver', () => {
  const none = () => facts({ v2Controllers: new Set(), v1: new Map(), ownV1: new Map() }, {});
  it('runs without a cgroup: nothing to create or clone into', () => {
    const p = plan(none(), {});
    expect(p.record).toEqual({ driver: 'none', createdDirs: [] });
    expect(p.prepare()).toEqual({});
  });
  it('refuses a limit before anything is created, naming it', () => {
    expect(() => plan(none(), { resources: { pids: { limit: 5 } } })).toThrow('config.json: linux.resources.pids.limit: the pids controller is not available');
    expect(() => plan(none(), { resources: { unified: { 'memory.high': '1' } } })).toThrow(/needs the unified \(v2\) cgroup hierarchy/);
  });
  it('an existing container without one: its init is its process; what needs a cgroup says so', () => {
    const cg = containerCgroup(undefined, 4242);
    expect(cg.pids()).toEqual([4242]);
    expect(cg.isFrozen()).toBe(false);
    expect(cg.cloneInto()).toBeUndefined();
    expect(() => cg.setFrozen(true)).toThrow('the container has no cgroup, which pause needs');
    expect(() => cg.update({ pids: { limit: 1 } }, { prefix: 'update' })).toThrow(/no cgroup, which update needs/);
    expect(() => cg.stats()).toThrow(/no cgroup, which events needs/);
    expect(() => cg.destroy()).not.toThrow();
  });
});

describe('records read back', () => {
  it('a record from before drivers gets its driver from its fields', () => {
    expect(withDriver({ unified: '/sys/fs/cgroup/unified/t/c1', v1: { cpu: '/sys/fs/cgroup/cpu/t/c1' }, createdDirs: [] }).driver).toBe('hybrid');
    expect(withDriver({ v1: { cpu: '/sys/fs/cgroup/cpu/t/c1' }, createdDirs: [] }).driver).toBe('hybrid');
    expect(withDriver({ unified: '/sys/fs/cgroup/t/c1', createdDirs: ['/sys/fs/cgroup/t/c1'] })).toEqual({ driver: 'v2', unified: '/sys/fs/cgroup/t/c1', createdDirs: ['/sys/fs/cgroup/t/c1'] });
    expect(withDriver({ driver: 'v2', unified: '/x', createdDirs: [] }).driver).toBe('v2');
    expect(containerCgroup(withDriver({ unified: '/nonexistent/c1', createdDirs: [] })).record.driver).toBe('v2');
  });
});

describe('features', () => {
  it('linux.cgroup is what the drivers of this build do', () => {
    expect(cgroupFeatures()).toEqual({ v1: true, v2: true, systemd: false, systemdUser: false, rdma: false });
  });
});
