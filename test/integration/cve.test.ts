/**
 * The CVE classes of runc, crun and youki as regression tests. Each one fails on a
 * runtime without the protection (checked once against scratch builds that remove it;
 * README "Security" says which).
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { Spec } from '../../src/spec/generated/types.js';
import { ROOTFS, Sandbox, TSRUNC, run as runCmd } from './harness.js';

const sb = new Sandbox('cve');
afterAll(() => sb.cleanup());

/** A private copy of the example rootfs to make hostile. */
function imageCopy(): string {
  const root = path.join(sb.tmpdir(), 'rootfs');
  fs.cpSync(ROOTFS, root, { recursive: true, verbatimSymlinks: true });
  return root;
}

function createFails(mutate: (s: Spec) => void, message: RegExp): void {
  const id = sb.id('bad');
  const r = sb.tsrunc(['create', '--bundle', sb.bundle(['true'], mutate), id]);
  expect(r.stderr).toMatch(message);
  expect(r.status).toBe(1);
  expect(fs.existsSync(path.join(sb.root, id))).toBe(false);
}

describe('CVE-2019-5736: /proc/self/exe of the runtime overwritten from the container', () => {
  it('the init runs from a sealed memfd copy, never from a host file', () => {
    const id = sb.id('exe');
    const r = sb.tsrunc(['create', '--bundle', sb.bundle(['true']), id]);
    expect(r.status).toBe(0);
    const pid = JSON.parse(sb.tsrunc(['state', id]).stdout).pid;
    const host = fs.statSync(path.resolve(__dirname, '..', '..', 'native', 'build', 'tsrunc-init'));
    const exe = fs.statSync(`/proc/${pid}/exe`);
    expect(fs.readlinkSync(`/proc/${pid}/exe`)).toMatch(/^\/memfd:/);
    expect([exe.dev, exe.ino]).not.toEqual([host.dev, host.ino]);
    expect(() => fs.openSync(`/proc/${pid}/exe`, 'r+')).toThrow(/EPERM|EACCES|ETXTBSY/);
    sb.tsrunc(['delete', '--force', id]);
  });
});

describe('CVE-2024-21626: leaked fds and a cwd in /proc/self/fd', () => {
  it('refuses a cwd in /proc/self/fd and hands the process no fd of the runtime', () => {
    createFails((s) => { s.process!.cwd = '/proc/self/fd/7'; }, /process.cwd: "\/proc\/self\/fd\/7" points into \/proc\/...\/fd/);
    const dir = fs.openSync('/', 'r'); // a host directory fd the runtime holds
    try {
      const r = sb.tsrunc(['run', '--bundle', sb.bundle(['ls', '/proc/self/fd']), sb.id('fds')], { stdio: ['ignore', 'pipe', 'pipe', 'ignore', 'ignore', 'ignore', 'ignore', dir] });
      expect(r.stderr).toBe('');
      expect(r.stdout.split('\n').filter(Boolean).map(Number).sort((a, b) => a - b)).toEqual([0, 1, 2, 3]); // 3: ls's own directory
    } finally {
      fs.closeSync(dir);
    }
  });
});

describe('CVE-2025-31133: /dev/null in the image is a symlink to a procfs file', () => {
  it('masks with the host\'s verified /dev/null, never the image\'s', () => {
    const root = imageCopy();
    fs.rmSync(path.join(root, 'dev'), { recursive: true, force: true });
    fs.mkdirSync(path.join(root, 'dev'));
    fs.symlinkSync('/proc/sys/kernel/hostname', path.join(root, 'dev', 'null'));
    const r = sb.run(['sh', '-c', 'cat /proc/timer_list; stat -c "%t:%T" /proc/timer_list'], (s) => {
      s.root = { path: root, readonly: false };
      s.mounts = s.mounts!.filter((m) => !m.destination.startsWith('/dev'));
      s.linux!.maskedPaths = ['/proc/timer_list'];
    });
    expect(r.stderr).toBe('');
    expect(r.stdout).toBe('1:3\n'); // empty content, char 1:3; never "tsrunc-test"
  });
});

describe('CVE-2025-52881, CVE-2019-16884: procfs writes redirected', () => {
  it('refuses to write oom_score_adj through a bind mount over it', () => {
    createFails((s) => {
      s.mounts!.push({ destination: '/proc/self/oom_score_adj', type: 'bind', source: '/proc/sys/kernel/hostname', options: ['bind'] });
      s.process!.oomScoreAdj = 500;
    }, /set oom_score_adj 500: EXDEV/);
  });

  it('refuses procfs writes when /proc is not a procfs (the write would silently land in a fake file)', () => {
    const fake = sb.tmpdir();
    fs.mkdirSync(path.join(fake, '1'));
    fs.writeFileSync(path.join(fake, '1', 'oom_score_adj'), 'untouched');
    fs.symlinkSync('1', path.join(fake, 'self'));
    createFails((s) => {
      s.mounts = s.mounts!.map((m) => (m.destination === '/proc' ? { destination: '/proc', type: 'bind', source: fake, options: ['rbind'] } : m));
      s.linux!.readonlyPaths = [];
      s.linux!.maskedPaths = [];
      s.process!.oomScoreAdj = 100;
    }, /set oom_score_adj 100: EXDEV.*\/proc is not the root of a procfs mount/);
    expect(fs.readFileSync(path.join(fake, '1', 'oom_score_adj'), 'utf8')).toBe('untouched');
  });
});

describe('CVE-2023-27561: /proc and /sys symlinks in the image', () => {
  it('refuses a /sys symlink before anything is mounted', () => {
    const root = imageCopy();
    fs.rmSync(path.join(root, 'sys'), { recursive: true, force: true });
    fs.symlinkSync('/tmp', path.join(root, 'sys'));
    createFails((s) => { s.root = { path: root, readonly: false }; }, /\/sys is a symlink in the image/);
  });
});

describe('CVE-2021-30465: mount destinations through symlinks', () => {
  it('resolves a destination symlink that aims outside the root inside the root', () => {
    const root = imageCopy();
    fs.symlinkSync('../../../../../../../etc', path.join(root, 'escape'));
    const r = sb.run(['sh', '-c', 'grep " /etc " /proc/mounts | cut -d" " -f1'], (s) => {
      s.root = { path: root, readonly: false };
      s.mounts!.push({ destination: '/escape', type: 'tmpfs', source: 'escaped' });
    });
    expect(r.stderr).toBe('');
    expect(r.stdout).toBe('escaped\n');
  });
});

describe('CVE-2022-29162: inheritable capabilities', () => {
  it('gives the process no inheritable or ambient capability it did not ask for, whatever the runtime holds', () => {
    const bundle = sb.bundle(['grep', '-E', '^Cap(Inh|Amb):', '/proc/self/status']);
    const r = runCmd('setpriv', ['--inh-caps', '+net_raw,+sys_admin', '--ambient-caps', '+net_raw', TSRUNC, '--root', sb.root, 'run', '--bundle', bundle, sb.id('caps')]);
    expect(r.stderr).toBe('');
    expect(r.stdout).toBe('CapInh:\t0000000000000000\nCapAmb:\t0000000000000000\n');
    // The runtime itself did hold them (the test is not vacuous).
    const self = execFileSync('setpriv', ['--inh-caps', '+net_raw', 'grep', '^CapInh:', '/proc/self/status']).toString();
    expect(self).not.toBe('CapInh:\t0000000000000000\n');
  });
});
