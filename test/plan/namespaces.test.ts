import { describe, expect, it } from 'vitest';
import { CLONE } from '../../src/plan/flags.js';
import { planNamespaces } from '../../src/plan/namespaces.js';
import { baseSpec } from './fixtures.js';

const ns = (...list: object[]) => baseSpec({ hostname: '', linux: { namespaces: list as never } });

describe('planNamespaces', () => {
  it('creates new namespaces with clone3, except cgroup (after the cgroups are set)', () => {
    const p = planNamespaces(baseSpec());
    expect(p.cloneFlags).toBe(CLONE.NEWPID | CLONE.NEWNS | CLONE.NEWUTS | CLONE.NEWIPC | CLONE.NEWNET);
    expect(p.early.map((s) => s.op.op)).toEqual([]);
    expect(p.late).toEqual([{ op: { op: 'UNSHARE', flags: CLONE.NEWCGROUP }, what: 'unshare the cgroup namespace' }]);
    expect(p.forks).toBe(false);
    expect(p.ownPidNs).toBe(true);
  });
  it('joins by path, user first and mount last', () => {
    const p = planNamespaces(ns({ type: 'mount', path: '/proc/1/ns/mnt' }, { type: 'network', path: '/run/netns/x' }, { type: 'user', path: '/proc/1/ns/user' }));
    expect(p.early.map((s) => s.op.op === 'SETNS' && s.op.path)).toEqual(['/proc/1/ns/user', '/run/netns/x', '/proc/1/ns/mnt']);
    expect(p.cloneFlags).toBe(0);
  });
  it('allows a hostname for a joined uts namespace', () => {
    expect(() => planNamespaces(baseSpec({ hostname: 'h', linux: { namespaces: [{ type: 'mount' }, { type: 'uts', path: '/proc/1/ns/uts' }] } }))).not.toThrow();
  });

  it('forks when the pid namespace is joined', () => {
    const p = planNamespaces(ns({ type: 'mount' }, { type: 'pid', path: '/proc/7/ns/pid' }));
    expect(p.forks).toBe(true);
    expect(p.early.at(-1)!.op.op).toBe('FORK');
    expect(p.ownPidNs).toBe(false);
  });
  it('with a joined user namespace, new namespaces are unshared after the join (so it owns them)', () => {
    const p = planNamespaces(ns({ type: 'user', path: '/proc/1/ns/user' }, { type: 'mount' }, { type: 'pid' }));
    expect(p.cloneFlags).toBe(0);
    expect(p.early.map((s) => s.op.op)).toEqual(['SETNS', 'UNSHARE', 'FORK']);
  });
  it('unshares a time namespace in the init and writes its offsets', () => {
    const spec = baseSpec({ hostname: '', linux: { namespaces: [{ type: 'mount' }, { type: 'time' }], timeOffsets: { monotonic: { secs: 86400, nanosecs: 5 } } } });
    const p = planNamespaces(spec);
    expect(p.early.map((s) => s.op)).toEqual([
      { op: 'UNSHARE', flags: CLONE.NEWTIME },
      { op: 'TIMENS_OFFSET', clock: 1, seconds: 86400n, nanoseconds: 5 },
    ]);
  });
  it.each([
    [ns({ type: 'mount' }, { type: 'mount' }), /linux.namespaces\[1\]: duplicate namespace type "mount"/],
    [baseSpec({ linux: { namespaces: [{ type: 'mount' }] } }), /hostname: is set but the container has no uts namespace of its own/],
    [ns({ type: 'pid' }), /no mount namespace/],
    [ns({ type: 'mount' }, { type: 'user' }), /a new user namespace needs uidMappings/],
    [ns({ type: 'mount' }, { type: 'net', path: 'x' }), /"x" is not an absolute path/],
  ])('rejects bad namespace sets (%#)', (spec, message) => {
    expect(() => planNamespaces(spec)).toThrow(message);
  });
});
