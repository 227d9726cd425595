/** Where confinement goes in the launch, and how knobs become ops (plan only, no kernel). */
import { describe, expect, it } from 'vitest';
import { SECCOMP_WHEN } from '../../src/native/wire.js';
import { listMask } from '../../src/plan/confinement.js';
import { planLaunch } from '../../src/plan/launch.js';
import { baseSpec, fakeHost } from './fixtures.js';

const opts = { bundleDir: '/b', fifoPath: '/run/tsrunc/x/exec.fifo', noPivot: false };
const seccomp = { program: [0x7fff000000000006n], flags: 0, notify: false };
const ops = (p: ReturnType<typeof planLaunch>) => p.steps.map((s) => s.op.op);

describe('seccomp placement', () => {
  it('with no_new_privs: staged with the privileges, loaded by OP_EXEC', () => {
    const spec = baseSpec({ linux: { ...baseSpec().linux, seccomp: { defaultAction: 'SCMP_ACT_ALLOW' } } });
    const plan = planLaunch(spec, { ...opts, seccomp }, fakeHost);
    const o = ops(plan);
    expect(o.slice(o.indexOf('NO_NEW_PRIVS'), o.indexOf('NO_NEW_PRIVS') + 3)).toEqual(['NO_NEW_PRIVS', 'SECCOMP', 'SYNC']);
    expect(o.slice(-3)).toEqual(['DETACH', 'WAIT_FIFO', 'EXEC']);
    expect(plan.steps.find((s) => s.op.op === 'SECCOMP')!.op).toMatchObject({ when: SECCOMP_WHEN.EXEC });
  });

  it('without no_new_privs: loaded before the identity changes (it needs CAP_SYS_ADMIN)', () => {
    const spec = baseSpec({ linux: { ...baseSpec().linux, seccomp: { defaultAction: 'SCMP_ACT_ALLOW' } } });
    spec.process!.noNewPrivileges = false;
    const o = ops(planLaunch(spec, { ...opts, seccomp }, fakeHost));
    expect(o.indexOf('SECCOMP')).toBe(o.indexOf('IDENTITY') - 1);
    // As in runc: the user and capabilities (and so this filter) are in place before
    // `create` returns, so that their failures reach `create`.
    expect(o.indexOf('SECCOMP')).toBeLessThan(o.lastIndexOf('SYNC'));
  });

  it('with a notify listener: before READY, while the init can still hand over the fd', () => {
    const spec = baseSpec({ linux: { ...baseSpec().linux, seccomp: { defaultAction: 'SCMP_ACT_ALLOW' } } });
    const o = ops(planLaunch(spec, { ...opts, seccomp: { ...seccomp, notify: true, flags: 8 } }, fakeHost));
    expect(o.indexOf('SECCOMP')).toBeLessThan(o.indexOf('DETACH'));
    expect(o.indexOf('RESOLVE_EXEC')).toBeLessThan(o.indexOf('SECCOMP'));
  });

  it('refuses to plan a profile that was not compiled', () => {
    const spec = baseSpec({ linux: { ...baseSpec().linux, seccomp: { defaultAction: 'SCMP_ACT_ALLOW' } } });
    expect(() => planLaunch(spec, opts, fakeHost)).toThrow(/not compiled/);
  });
});

describe('knobs', () => {
  it('puts the keyring after the namespaces, the knobs before READY, initial affinity first', () => {
    const spec = baseSpec();
    spec.process!.execCPUAffinity = { initial: '0', final: '1' };
    spec.process!.ioPriority = { class: 'IOPRIO_CLASS_IDLE', priority: 7 };
    spec.linux!.personality = { domain: 'LINUX32', flags: ['X'] };
    const plan = planLaunch(spec, { ...opts, containerId: 'c1', newKeyring: true }, fakeHost);
    const o = ops(plan);
    expect(o[0]).toBe('CPU_AFFINITY');
    expect(o.indexOf('SESSION_KEYRING')).toBeGreaterThan(o.indexOf('SYNC'));
    expect(plan.steps.find((s) => s.op.op === 'SESSION_KEYRING')!.op).toMatchObject({ name: '_ses.c1', perm: 0x80000 });
    expect(plan.steps.find((s) => s.op.op === 'IOPRIO')!.op).toMatchObject({ ioprio: (3 << 13) | 7 });
    expect(o.lastIndexOf('CPU_AFFINITY')).toBeLessThan(o.lastIndexOf('SYNC'));
    expect(plan.warnings).toContain('linux.personality.flags: not supported yet (the runtime-spec defines none); ignored');
    expect(ops(planLaunch(spec, { ...opts, containerId: 'c1', newKeyring: false }, fakeHost))).not.toContain('SESSION_KEYRING');
  });

  it('reads CPU and node lists into 64-bit words', () => {
    expect(listMask('0-3,7', 'f')).toEqual([0x8fn]);
    expect(listMask('64', 'f')).toEqual([0n, 1n]);
    expect(() => listMask('a', 'process.execCPUAffinity.final')).toThrow(/process.execCPUAffinity.final: "a" is not a list/);
    expect(() => listMask('9000', 'f')).toThrow(/above 8191/);
  });

  it('adds the SELinux mount label to the filesystems that take one, only with SELinux', () => {
    const spec = baseSpec();
    spec.linux!.mountLabel = 'system_u:object_r:container_file_t:s0';
    const selinux = { ...fakeHost, lsm: { apparmor: false, selinux: true, apparmorAttr: 'exec' as const } };
    const mounts = planLaunch(spec, opts, selinux).steps.filter((s) => s.op.op === 'MOUNT').map((s) => s.op as { fstype: string; data: string });
    expect(mounts.find((m) => m.fstype === 'proc')!.data).toBe('');
    expect(mounts.find((m) => m.fstype === 'tmpfs')!.data).toContain('context="system_u:object_r:container_file_t:s0"');
  });
});
