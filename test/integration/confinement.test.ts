/**
 * Confinement on real containers: seccomp (small profiles checked from inside, podman's
 * default profile, the -ENOSYS stub, the notify listener), the process knobs that
 * outlive execve, the session keyring, and what is refused (LSMs this host lacks,
 * Intel RDT). A static probe (test/seccomp/probe.c) is bind-mounted on /run.
 */
import { execFileSync, spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Spec } from '../../src/spec/generated/types.js';
import { podmanProfile } from '../seccomp/podman-profile.js';
import { Sandbox, cgroupLeftovers, run as runCommand, waitFor } from './harness.js';

const sb = new Sandbox('confinement');
const here = path.resolve(__dirname, '..', 'seccomp');
let tools = '';

beforeAll(() => {
  tools = sb.tmpdir();
  const kheaders = path.resolve(__dirname, '..', '..', 'native', 'build', 'kheaders');
  execFileSync('musl-gcc', ['-static', '-O2', '-isystem', kheaders, '-o', path.join(tools, 'probe'), path.join(here, 'probe.c')]);
  execFileSync('gcc', ['-O2', '-o', path.join(tools, 'notify-agent'), path.join(here, 'notify-agent.c')]);
});
afterAll(() => sb.cleanup());

/** Runs `args` with the probe on /run; mutate shapes the spec. */
function run(args: string[], mutate: (s: Spec) => void = () => {}, flags: string[] = []) {
  const bundle = sb.bundle(args, (s) => {
    s.mounts!.push({ destination: '/run', type: 'bind', source: tools, options: ['bind', 'ro'] });
    mutate(s);
  });
  return sb.tsrunc(['run', ...flags, '--bundle', bundle, sb.id('run')]);
}

function createFails(mutate: (s: Spec) => void, message: RegExp): string {
  const bundle = sb.bundle(['true'], mutate);
  const id = sb.id('bad');
  const r = sb.tsrunc(['create', '--bundle', bundle, id]);
  expect(r.status).toBe(1);
  expect(r.stderr).toMatch(message);
  expect(fs.existsSync(path.join(sb.root, id))).toBe(false);
  const cg = JSON.parse(fs.readFileSync(path.join(bundle, 'config.json'), 'utf8')).linux.cgroupsPath;
  expect(cgroupLeftovers(cg)).toEqual([]);
  return r.stderr;
}

const ALLOW_BUT = (rules: NonNullable<Spec['linux']>['seccomp'] extends infer S ? S extends { syscalls?: infer R } ? R : never : never) =>
  (s: Spec) => { s.linux!.seccomp = { defaultAction: 'SCMP_ACT_ALLOW', syscalls: rules }; };

describe('seccomp', () => {
  it('denies a syscall with EPERM, seen from inside, and the filter is the last thing installed', () => {
    const r = run(['sh', '-c', 'mkdir /tmp/x; grep -E "^(Seccomp|NoNewPrivs):" /proc/self/status'],
      ALLOW_BUT([{ names: ['mkdir', 'mkdirat'], action: 'SCMP_ACT_ERRNO' }]));
    expect(r.stderr).toContain("can't create directory '/tmp/x': Operation not permitted");
    expect(r.stdout).toBe('NoNewPrivs:\t1\nSeccomp:\t2\n');
  });

  it('returns a custom errno and matches argument conditions (EQ, MASKED_EQ)', () => {
    const r = run(['sh', '-c', '/run/probe sys 83 0; /run/probe sys 135 0x108; /run/probe sys 135 0xffffffff; /run/probe sys 121 7; /run/probe sys 121 0'], ALLOW_BUT([
      { names: ['mkdir'], action: 'SCMP_ACT_ERRNO', errnoRet: 42 },
      { names: ['personality'], action: 'SCMP_ACT_ERRNO', errnoRet: 7, args: [{ index: 0, value: 0xff, valueTwo: 0x08, op: 'SCMP_CMP_MASKED_EQ' }] },
      { names: ['getpgid'], action: 'SCMP_ACT_ERRNO', errnoRet: 9, args: [{ index: 0, value: 7, op: 'SCMP_CMP_EQ' }] },
    ]));
    expect(r.stderr).toBe('');
    expect(r.stdout).toBe('errno 42\nerrno 7\nok 0\nerrno 9\nok 1\n');
  });

  it('skips a syscall name libseccomp does not know, with a warning', () => {
    const r = run(['true'], ALLOW_BUT([{ names: ['no_such_syscall_x', 'mkdir'], action: 'SCMP_ACT_ERRNO' }]));
    expect(r.status).toBe(0);
    expect(r.stderr).toContain('syscalls unknown to libseccomp');
    expect(r.stderr).toContain('no_such_syscall_x');
  });

  it('runs busybox under podman\'s default profile (containers-common seccomp.json)', () => {
    const r = run(['sh', '-c', 'mkdir /tmp/d && ls -d /tmp/d && grep ^Seccomp: /proc/self/status && /run/probe sys 470'], (s) => {
      s.linux!.seccomp = podmanProfile(s.process!.capabilities!.bounding!);
    });
    expect(r.stderr).toBe('');
    expect(r.stdout).toBe('/tmp/d\nSeccomp:\t2\nerrno 38\n');
  });

  it('runs under containers-common\'s profile put as-is in linux.seccomp ("args": null), as runc does', () => {
    const profile = JSON.parse(fs.readFileSync('/usr/share/containers/seccomp.json', 'utf8'));
    expect(profile.syscalls.some((r: { args?: unknown }) => r.args === null)).toBe(true);
    const bundle = sb.bundle(['sh', '-c', 'mkdir /tmp/d && ls -d /tmp/d && grep ^Seccomp: /proc/self/status && /run/probe sys 470'], (s) => {
      s.mounts!.push({ destination: '/run', type: 'bind', source: tools, options: ['bind', 'ro'] });
      s.linux!.seccomp = profile;
    });
    const ours = sb.tsrunc(['run', '--bundle', bundle, sb.id('asis')]);
    const runc = runCommand('/usr/sbin/runc', ['--root', path.join(sb.tmpdir(), 'runc'), 'run', '--bundle', bundle, sb.id('asis')]);
    expect(runc.stdout, runc.stderr).toBe('/tmp/d\nSeccomp:\t2\nerrno 38\n');
    expect({ ...ours, stderr: ours.stderr.replace(/^.*syscalls unknown to libseccomp.*\n/m, '') }).toEqual({ ...runc, stderr: '' });
  });

  it('answers ENOSYS, not the default errno, for syscalls newer than the profile', () => {
    // podman's rules with an EPERM default: known-but-unlisted syscalls get EPERM,
    // numbers above the highest one the profile names get ENOSYS (glibc falls back).
    const r = run(['sh', '-c', '/run/probe sys 460; /run/probe sys 1000; /run/probe sys 169'], (s) => {
      const p = podmanProfile(s.process!.capabilities!.bounding!);
      delete p.defaultErrnoRet;
      s.linux!.seccomp = p;
    });
    expect(r.stderr).toBe('');
    expect(r.stdout).toBe('errno 38\nerrno 38\nerrno 1\n');
  });

  it('loads the filter before dropping privileges when no_new_privs is off', () => {
    const r = run(['sh', '-c', 'id -u; mkdir /tmp/x; grep -E "^(Seccomp|NoNewPrivs):" /proc/self/status'], (s) => {
      ALLOW_BUT([{ names: ['mkdir', 'mkdirat'], action: 'SCMP_ACT_ERRNO', errnoRet: 30 }])(s);
      s.process!.noNewPrivileges = false;
      s.process!.user = { uid: 1000, gid: 1000 };
    });
    expect(r.stderr).toContain('Read-only file system');
    expect(r.stdout).toBe('1000\nNoNewPrivs:\t0\nSeccomp:\t2\n');
  });

  it('hands the notify fd and the state to listenerPath, and the agent answers', async () => {
    const dir = sb.tmpdir();
    const sock = path.join(dir, 'agent.sock');
    const stateFile = path.join(dir, 'state.json');
    const agent = spawn(path.join(tools, 'notify-agent'), [sock, stateFile, '95'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    agent.stdout.on('data', (d) => { out += d; });
    agent.stderr.on('data', (d) => { out += d; });
    const exited = new Promise((r) => agent.on('close', r));
    await waitFor(() => out.includes('listening'), 'the agent to listen');
    const bundle = sb.bundle(['sh', '-c', 'mkdir /tmp/n; echo done'], (s) => {
      s.linux!.seccomp = {
        defaultAction: 'SCMP_ACT_ALLOW', listenerPath: sock, listenerMetadata: 'meta-1',
        syscalls: [{ names: ['mkdir', 'mkdirat'], action: 'SCMP_ACT_NOTIFY' }],
      };
    });
    const r = await new Promise<{ status: number | null; stderr: string; stdout: string }>((resolve) => {
      const p = spawn(path.join(__dirname, '..', '..', 'dist', 'tsrunc'), ['--root', sb.root, 'run', '--bundle', bundle, 'notify1']);
      let stdout = '';
      let stderr = '';
      p.stdout.on('data', (d) => { stdout += d; });
      p.stderr.on('data', (d) => { stderr += d; });
      p.on('close', (status) => resolve({ status, stdout, stderr }));
    });
    await exited;
    expect(out).toContain('answered syscall 83');
    expect(r.stderr).toContain('Operation not supported');
    expect(r.stdout).toBe('done\n');
    const state = JSON.parse(fs.readFileSync(stateFile, 'utf8'));
    expect(state).toMatchObject({ fds: ['seccompFd'], metadata: 'meta-1', state: { id: 'notify1', status: 'creating', bundle } });
    expect(state.pid).toBeGreaterThan(0);
  });

  it('applies the container\'s filter to an exec\'d process too', () => {
    const bundle = sb.bundle(['sleep', '30'], ALLOW_BUT([{ names: ['mkdir', 'mkdirat'], action: 'SCMP_ACT_ERRNO' }]));
    const id = sb.id('ex');
    expect(sb.tsrunc(['run', '--detach', '--bundle', bundle, id]).status).toBe(0);
    const r = sb.tsrunc(['exec', id, 'sh', '-c', 'mkdir /tmp/e; grep ^Seccomp: /proc/self/status']);
    expect(r.stderr).toContain('Operation not permitted');
    expect(r.stdout).toBe('Seccomp:\t2\n');
    sb.tsrunc(['delete', '--force', id]);
  });

  it('refuses NOTIFY as the default action, on write(2), or without a listener, before any side effect', () => {
    createFails((s) => { s.linux!.seccomp = { defaultAction: 'SCMP_ACT_NOTIFY', listenerPath: '/x' }; },
      /linux.seccomp.defaultAction: SCMP_ACT_NOTIFY cannot be the default action/);
    createFails((s) => { s.linux!.seccomp = { defaultAction: 'SCMP_ACT_ALLOW', listenerPath: '/x', syscalls: [{ names: ['read', 'write'], action: 'SCMP_ACT_NOTIFY' }] }; },
      /linux.seccomp.syscalls\[0\]: SCMP_ACT_NOTIFY cannot be used for the write syscall/);
    createFails((s) => { s.linux!.seccomp = { defaultAction: 'SCMP_ACT_ALLOW', syscalls: [{ names: ['mkdir'], action: 'SCMP_ACT_NOTIFY' }] }; },
      /linux.seccomp.listenerPath: required when a rule uses SCMP_ACT_NOTIFY/);
    createFails((s) => { s.linux!.seccomp = { defaultAction: 'SCMP_ACT_ALLOW', syscalls: [{ names: ['mkdir'], action: 'SCMP_ACT_ERRNO', args: [{ index: 6, value: 1, op: 'SCMP_CMP_EQ' }] }] }; },
      /linux.seccomp.syscalls\[0\].args\[0\].index: 6 is not a syscall argument/);
  });
});

describe('process knobs', () => {
  it('sets personality, scheduler, I/O priority, CPU affinity and memory policy', () => {
    const r = run(['sh', '-c', 'uname -m; /run/probe sched; /run/probe ioprio; grep ^Cpus_allowed_list: /proc/self/status; /run/probe mempolicy'], (s) => {
      s.linux!.personality = { domain: 'LINUX32' };
      s.process!.scheduler = { policy: 'SCHED_BATCH', nice: 5 };
      s.process!.ioPriority = { class: 'IOPRIO_CLASS_BE', priority: 6 };
      s.process!.execCPUAffinity = { initial: '0-1', final: '0' };
      s.linux!.memoryPolicy = { mode: 'MPOL_BIND', nodes: '0' };
    });
    expect(r.stderr).toBe('');
    expect(r.stdout).toBe('i686\npolicy 3 nice 5 priority 0\nclass 2 level 6\nCpus_allowed_list:\t0\nmode 2 nodes 0x1\n');
  });

  it('names the field of a bad knob', () => {
    createFails((s) => { s.process!.scheduler = { policy: 'SCHED_FIFO', priority: 0 }; }, /process.scheduler.priority: SCHED_FIFO needs a priority from 1 to 99/);
    createFails((s) => { s.process!.execCPUAffinity = { final: '3-1' }; }, /process.execCPUAffinity.final: range 3-1 runs backwards/);
    createFails((s) => { s.linux!.memoryPolicy = { mode: 'MPOL_BIND' }; }, /linux.memoryPolicy.nodes: MPOL_BIND needs nodes/);
  });

  it('joins a new session keyring named after the container, unless --no-new-keyring', () => {
    const own = run(['/run/probe', 'keyring']);
    expect(own.stdout).toMatch(/^keyring;0;0;[0-9a-f]+;_ses\.run\d+\n$/);
    const host = run(['/run/probe', 'keyring'], () => {}, ['--no-new-keyring']);
    expect(host.status).toBe(0);
    expect(host.stdout).not.toMatch(/_ses\.run/);
  });
});

describe('refused confinement', () => {
  it('refuses an AppArmor profile or SELinux label this host cannot apply, naming the field', () => {
    createFails((s) => { s.process!.apparmorProfile = 'docker-default'; }, /process.apparmorProfile: "docker-default" is requested but AppArmor is not enabled/);
    createFails((s) => { s.process!.selinuxLabel = 'system_u:system_r:container_t:s0'; }, /process.selinuxLabel: .* SELinux is disabled or not supported/);
  });

  it('warns about a mount label without SELinux, as runc ignores it', () => {
    const r = run(['true'], (s) => { s.linux!.mountLabel = 'system_u:object_r:container_file_t:s0'; });
    expect(r.status).toBe(0);
    expect(r.stderr).toContain('linux.mountLabel: SELinux is not enabled on this host; ignored');
  });

  it('refuses linux.intelRdt on a host without resctrl', () => {
    createFails((s) => { s.linux!.intelRdt = { closID: 'x' }; }, /linux.intelRdt: this host has no resctrl filesystem/);
  });
});
