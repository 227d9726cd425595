import { describe, expect, it } from 'vitest';
import { planCgroupSet, resolveCgroupsPath } from '../../src/cgroups/cgroup-set.js';
import { type HostLayout, modeOf, parseProcCgroup, parseV1Mounts } from '../../src/cgroups/layout.js';

// This machine's /proc/self/mountinfo and /proc/self/cgroup (hybrid; the memory cgroup belongs to the machine).
const MOUNTINFO = `24 30 0:22 / /sys rw,nosuid,nodev,noexec,relatime shared:7 - sysfs sysfs rw
31 24 0:26 / /sys/fs/cgroup rw,relatime - tmpfs tmpfs rw,mode=755
32 31 0:27 / /sys/fs/cgroup/cpu rw,relatime - cgroup cgroup rw,cpu
33 31 0:28 / /sys/fs/cgroup/cpuacct rw,relatime - cgroup cgroup rw,cpuacct
34 31 0:29 / /sys/fs/cgroup/memory rw,relatime - cgroup cgroup rw,memory
35 31 0:30 / /sys/fs/cgroup/freezer rw,relatime - cgroup cgroup rw,freezer
36 31 0:31 / /sys/fs/cgroup/systemd rw,relatime - cgroup cgroup rw,name=systemd
37 31 0:32 / /sys/fs/cgroup/unified rw,relatime - cgroup2 cgroup2 rw
38 31 0:33 / /sys/fs/cgroup/net_cls,net_prio rw,relatime - cgroup cgroup rw,net_cls,net_prio`;
const PROC_CGROUP = `9:name=systemd:/
4:memory:/process_api/9e3f
2:cpuacct:/
1:cpu:/
0::/
`;

const hybrid = (): HostLayout => ({ unified: '/sys/fs/cgroup/unified', v2Controllers: new Set(['hugetlb']), v1: parseV1Mounts(MOUNTINFO), ownV1: parseProcCgroup(PROC_CGROUP) });

describe('host layout', () => {
  it('finds v1 hierarchies by controller, and the name=systemd hierarchy', () => {
    const m = parseV1Mounts(MOUNTINFO);
    expect(m.get('cpu')).toBe('/sys/fs/cgroup/cpu');
    expect(m.get('net_prio')).toBe('/sys/fs/cgroup/net_cls,net_prio');
    expect(m.get('name=systemd')).toBe('/sys/fs/cgroup/systemd');
    expect(m.size).toBe(7);
  });
  it('reads the own cgroups', () => {
    expect(parseProcCgroup(PROC_CGROUP).get('memory')).toBe('/process_api/9e3f');
    expect(parseProcCgroup(PROC_CGROUP).has('')).toBe(false);
  });
  it('names the mode', () => {
    expect(modeOf(hybrid())).toBe('hybrid');
    expect(modeOf({ unified: '/sys/fs/cgroup', v2Controllers: new Set(), v1: new Map(), ownV1: new Map() })).toBe('unified');
    expect(modeOf({ v2Controllers: new Set(), v1: new Map([['cpu', '/x']]), ownV1: new Map() })).toBe('legacy');
  });
});

describe('cgroupsPath', () => {
  it('empty is the id, systemd style maps to its scope with a warning, ".." is refused', () => {
    expect(resolveCgroupsPath(undefined, 'c1')).toEqual({ absolute: false, path: 'c1' });
    expect(resolveCgroupsPath('/a/b/', 'c1')).toEqual({ absolute: true, path: '/a/b' });
    const sd = resolveCgroupsPath('system.slice:tsrunc:c1', 'c1');
    expect(sd.path).toBe('/system.slice/tsrunc-c1.scope');
    expect(sd.warning).toMatch(/systemd style/);
    expect(() => resolveCgroupsPath('/a/../..', 'c1')).toThrow('config.json: linux.cgroupsPath');
    expect(() => resolveCgroupsPath('/', 'c1')).toThrow(/below the root/);
  });
  it('absolute: the same path in every hierarchy, hierarchies shared by controllers once', () => {
    const p = planCgroupSet(hybrid(), '/t/c1', 'c1', '/');
    expect(p.set.unified).toBe('/sys/fs/cgroup/unified/t/c1');
    expect(p.set.v1).toEqual({
      cpu: '/sys/fs/cgroup/cpu/t/c1', cpuacct: '/sys/fs/cgroup/cpuacct/t/c1', memory: '/sys/fs/cgroup/memory/t/c1',
      net_cls: '/sys/fs/cgroup/net_cls,net_prio/t/c1', net_prio: '/sys/fs/cgroup/net_cls,net_prio/t/c1',
      freezer: '/sys/fs/cgroup/freezer/t/c1', 'name=systemd': '/sys/fs/cgroup/systemd/t/c1',
    });
    expect(p.set.createdDirs.filter((d) => d.includes('net_cls'))).toEqual(['/sys/fs/cgroup/net_cls,net_prio/t', '/sys/fs/cgroup/net_cls,net_prio/t/c1']);
    expect(p.foreign.size).toBe(0);
  });
  it('relative: below the own cgroup, but never inside a v1 cgroup tsrunc does not own', () => {
    const p = planCgroupSet(hybrid(), 'c1', 'c1', '/');
    expect(p.set.v1?.['memory']).toBeUndefined();
    expect(p.foreign.get('memory')).toBe('/process_api/9e3f');
    expect(p.set.v1?.['cpu']).toBe('/sys/fs/cgroup/cpu/c1');
    expect(p.set.createdDirs.some((d) => d.includes('process_api'))).toBe(false);
  });
  it('joins the v1 freezer on hybrid hosts too (engines look the init up there), and on legacy ones', () => {
    expect(planCgroupSet(hybrid(), '/t/c1', 'c1', '/').set.v1?.['freezer']).toBe('/sys/fs/cgroup/freezer/t/c1');
    const legacy = { ...hybrid(), unified: undefined } as HostLayout;
    delete legacy.unified;
    expect(planCgroupSet(legacy, '/t/c1', 'c1', '/').set.v1?.['freezer']).toBe('/sys/fs/cgroup/freezer/t/c1');
  });
});
