import { describe, expect, it } from 'vitest';
import { IDENTITY, MF } from '../../src/native/wire.js';
import { planExec } from '../../src/plan/exec.js';
import { planLaunch } from '../../src/plan/launch.js';
import { baseSpec, fakeHost } from './fixtures.js';

const opts = { bundleDir: '/b', fifoPath: '/run/tsrunc/x/exec.fifo', noPivot: false };

/** Plans as JSON (bigint as strings) for golden files. */
function golden(value: unknown): string {
  return JSON.stringify(value, (_k, v) => (typeof v === 'bigint' ? `${v}n` : v), 2) + '\n';
}

describe('planLaunch', () => {
  it('matches the golden plan of the base spec', async () => {
    await expect(golden(planLaunch(baseSpec(), opts, fakeHost))).toMatchFileSnapshot('golden/base.plan.json');
  });

  it('matches the golden plan of a user-namespaced container with --no-pivot', async () => {
    const spec = baseSpec({
      linux: {
        namespaces: [{ type: 'user' }, { type: 'mount' }, { type: 'pid' }, { type: 'uts' }],
        uidMappings: [{ containerID: 0, hostID: 100000, size: 65536 }],
        gidMappings: [{ containerID: 0, hostID: 100000, size: 65536 }],
        devices: [{ path: '/dev/fuse', type: 'c', major: 10, minor: 229, fileMode: 0o600 }],
        sysctl: {},
      },
    });
    await expect(golden(planLaunch(spec, { ...opts, noPivot: true }, fakeHost))).toMatchFileSnapshot('golden/userns.plan.json');
  });

  it('puts the rendezvous, the wait for start and the exec in that order, privileges dropped before READY', () => {
    const ops = planLaunch(baseSpec(), opts, fakeHost).steps.map((s) => s.op.op);
    const at = (name: string) => ops.indexOf(name as never);
    expect(at('SYNC')).toBeLessThan(at('ROOTFS'));
    expect(at('PIVOT_ROOT')).toBeLessThan(at('MASK_PATH'));
    expect(at('RESOLVE_EXEC')).toBeLessThan(ops.lastIndexOf('SYNC'));
    expect(ops.lastIndexOf('SYNC')).toBeLessThan(at('DETACH'));
    expect(at('DETACH')).toBeLessThan(at('WAIT_FIFO'));
    expect(at('IDENTITY')).toBeLessThan(ops.lastIndexOf('SYNC'));
    expect(ops.at(-1)).toBe('EXEC');
  });

  it('passes env exactly and looks the program up in the container PATH', () => {
    const steps = planLaunch(baseSpec(), opts, fakeHost).steps;
    expect(steps.find((s) => s.op.op === 'EXEC')!.op).toEqual({ op: 'EXEC', argv: ['sh', '-c', 'true'], envp: ['PATH=/bin:/usr/bin', 'TERM=xterm'] });
    expect(steps.find((s) => s.op.op === 'RESOLVE_EXEC')!.op).toEqual({ op: 'RESOLVE_EXEC', argv0: 'sh', searchPath: '/bin:/usr/bin' });
  });

  it('warns about unknown capabilities and leaves them out', () => {
    const spec = baseSpec();
    spec.process!.capabilities!.bounding = ['CAP_KILL', 'CAP_NOT_A_CAP'];
    const plan = planLaunch(spec, opts, fakeHost);
    expect(plan.warnings).toEqual(['process.capabilities.bounding: unknown capability "CAP_NOT_A_CAP" ignored']);
    expect(plan.steps.find((s) => s.op.op === 'CAPS_BOUNDING')!.op).toEqual({ op: 'CAPS_BOUNDING', bounding: 1n << 5n });
  });

  it.each<[string, (s: ReturnType<typeof baseSpec>) => void, RegExp]>([
    ['empty args', (s) => { s.process!.args = []; }, /process.args: must name the program/],
    ['relative cwd', (s) => { s.process!.cwd = 'tmp'; }, /process.cwd: "tmp" is not an absolute path/],
    ['cwd in /proc/self/fd', (s) => { s.process!.cwd = '/proc/self/fd/7'; }, /points into \/proc\/...\/fd/],
    ['unknown rlimit', (s) => { s.process!.rlimits = [{ type: 'RLIMIT_FOO', soft: 1, hard: 1 }]; }, /unknown rlimit "RLIMIT_FOO"/],
    ['soft above hard', (s) => { s.process!.rlimits = [{ type: 'RLIMIT_NOFILE', soft: 10, hard: 5 }]; }, /soft limit 10 is above hard limit 5/],
    ['duplicate rlimit', (s) => { s.process!.rlimits = [{ type: 'RLIMIT_CORE', soft: 1, hard: 1 }, { type: 'RLIMIT_CORE', soft: 1, hard: 1 }]; }, /duplicate rlimit/],
    ['sysctl not namespaced', (s) => { s.linux!.sysctl = { 'vm.swappiness': '10' }; }, /"vm.swappiness" is not namespaced/],
    ['sysctl without its namespace', (s) => { s.linux!.namespaces = [{ type: 'mount' }, { type: 'uts' }]; s.linux!.sysctl = { 'net.ipv4.ip_forward': '1' }; }, /needs a new network namespace/],
    ['missing bind source', (s) => { s.mounts!.push({ destination: '/x', source: '/missing', options: ['bind'] }); }, /mounts\[3\].source: \/missing: no such file or directory/],
    ['mount without type', (s) => { s.mounts!.push({ destination: '/x', source: 'x' }); }, /mounts\[3\].type: a mount that is not a bind needs a type/],
    ['bad device type', (s) => { s.linux!.devices = [{ path: '/dev/x', type: 'q' as never, major: 1, minor: 1 }]; }, /devices\[0\].type: unknown type "q"/],
  ])('rejects %s before any side effect', (_name, mutate, message) => {
    const spec = baseSpec();
    mutate(spec);
    expect(() => planLaunch(spec, opts, fakeHost)).toThrow(message);
  });

  it('binds files as files and resolves relative sources against the bundle', () => {
    const spec = baseSpec();
    spec.mounts!.push({ destination: '/etc/hosts', source: 'hosts.file', options: ['rbind', 'ro'] });
    const step = planLaunch(spec, opts, fakeHost).steps.find((s) => s.op.op === 'MOUNT' && s.op.dest === '/etc/hosts')!;
    expect(step.op).toMatchObject({ source: '/b/hosts.file', mflags: 0x1 | 0x2 });
    expect(step.what).toBe('bind mount /b/hosts.file on /etc/hosts');
  });

  it('tolerates what only a user namespace makes fail, and only there (the init decides nothing)', () => {
    const userns = (s: ReturnType<typeof baseSpec>) => {
      s.linux!.namespaces!.push({ type: 'user' });
      s.linux!.uidMappings = [{ containerID: 0, hostID: 100000, size: 65536 }];
      s.linux!.gidMappings = [{ containerID: 0, hostID: 100000, size: 65536 }];
    };
    const plan = (mutate: (s: ReturnType<typeof baseSpec>) => void) => {
      const spec = baseSpec();
      spec.mounts!.push({ destination: '/etc/hosts', source: 'hosts.file', options: ['rbind', 'ro'] });
      mutate(spec);
      const steps = planLaunch(spec, opts, fakeHost).steps;
      const bind = steps.find((s) => s.op.op === 'MOUNT' && s.op.dest === '/etc/hosts')!.op as { mflags: number };
      const id = steps.find((s) => s.op.op === 'IDENTITY')!.op as { flags: number };
      return { keepLocked: (bind.mflags & MF.KEEP_LOCKED) !== 0, setgroupsDenied: id.flags === IDENTITY.SETGROUPS_DENIED_OK };
    };
    expect(plan(() => {})).toEqual({ keepLocked: false, setgroupsDenied: false });
    expect(plan(userns)).toEqual({ keepLocked: true, setgroupsDenied: true });
    // With groups to set, an EPERM is a real failure, user namespace or not.
    expect(plan((s) => { userns(s); s.process!.user = { uid: 0, gid: 0, additionalGids: [10] }; })).toEqual({ keepLocked: true, setgroupsDenied: false });
    // exec into a container with a user namespace joins it: the same rule.
    const spec = baseSpec();
    userns(spec);
    const exec = planExec(spec, 42, spec.process!, 40).steps.find((s) => s.op.op === 'IDENTITY')!.op as { flags: number };
    expect(exec.flags).toBe(IDENTITY.SETGROUPS_DENIED_OK);
  });
});
