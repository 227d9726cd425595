import { describe, expect, it } from 'vitest';
import { resolveCgroupsPath } from '../../src/cgroups/paths.js';
import { modeOf, parseProcCgroup, parseV1Mounts } from '../../src/cgroups/layout.js';
import { MOUNTINFO, PROC_CGROUP, hybridLayout as hybrid } from './hosts.js';

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
});
