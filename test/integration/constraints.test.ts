/** The hard constraints of DESIGN.md, checked on real containers. */
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ROOTFS, Sandbox } from './harness.js';

const sb = new Sandbox('constraints');
afterAll(() => sb.cleanup());

function createdPid(id: string, args: string[] = ['true'], extra: string[] = [], opts = {}): number {
  const bundle = sb.bundle(args);
  const r = sb.tsrunc(['create', ...extra, '--bundle', bundle, id], opts);
  expect(r.stderr).toBe('');
  expect(r.status).toBe(0);
  return JSON.parse(sb.tsrunc(['state', id]).stdout).pid;
}

describe('a created container', () => {
  it('holds no Node memory: the blocked init is small (≤ 1 MiB resident) and says so in state', () => {
    const pid = createdPid('rss');
    const rss = Number(/VmRSS:\s+(\d+) kB/.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'))![1]);
    expect(rss).toBeLessThanOrEqual(1024);
    const state = JSON.parse(sb.tsrunc(['state', 'rss']).stdout);
    expect(state.tsrunc.initRssKiB).toBe(rss);
    sb.tsrunc(['delete', 'rss']);
  });

  it('does not expose the host node binary or a writable file through /proc/<pid>/exe', () => {
    const pid = createdPid('exe');
    const exe = fs.readlinkSync(`/proc/${pid}/exe`);
    expect(exe).not.toBe(fs.realpathSync(process.execPath));
    expect(exe).toMatch(/^\/memfd:/);
    // The memfd is sealed: opening it for writing fails even for root.
    expect(() => fs.openSync(`/proc/${pid}/exe`, 'r+')).toThrow(/EPERM|EACCES|ETXTBSY/);
    sb.tsrunc(['delete', 'exe']);
  });

  it('holds only stdio, the preserved fds and the exec fifo', () => {
    const file = path.join(sb.tmpdir(), 'f');
    fs.writeFileSync(file, '');
    const fd3 = fs.openSync(file, 'r');
    const fd4 = fs.openSync(file, 'r');
    try {
      const pid = createdPid('fds', ['true'], ['--preserve-fds', '1'], { stdio: ['ignore', 'pipe', 'pipe', fd3, fd4] });
      const fds = fs.readdirSync(`/proc/${pid}/fd`).map(Number).sort((a, b) => a - b);
      const targets = Object.fromEntries(fds.map((fd) => [fd, fs.readlinkSync(`/proc/${pid}/fd/${fd}`)]));
      expect(fds.slice(0, 4)).toEqual([0, 1, 2, 3]);
      const extra = fds.slice(4).map((fd) => targets[fd]);
      expect(extra).toEqual([path.join(sb.root, 'fds', 'exec.fifo')]);
    } finally {
      fs.closeSync(fd3);
      fs.closeSync(fd4);
      sb.tsrunc(['delete', 'fds']);
    }
  });
});

describe('paths stay inside the root', () => {
  it('resolves a mount destination that is a symlink inside the rootfs', () => {
    const root = path.join(sb.tmpdir(), 'rootfs');
    fs.cpSync(ROOTFS, root, { recursive: true, verbatimSymlinks: true });
    // /escape -> ../../../../../../etc: resolved as a string on the host this is the
    // host's /etc; resolved inside the root it is the container's /etc.
    fs.symlinkSync('../../../../../../etc', path.join(root, 'escape'));
    const hostEtc = fs.readdirSync('/etc').length;
    const r = sb.run(['sh', '-c', 'grep " /etc " /proc/mounts | cut -d" " -f1-3; ls /etc | wc -l'], (s) => {
      s.root = { path: root, readonly: false };
      s.mounts!.push({ destination: '/escape', type: 'tmpfs', source: 'escaped' });
    });
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(r.stdout).toBe('escaped /etc tmpfs\n0\n');
    expect(fs.readdirSync('/etc').length).toBe(hostEtc);
  });

  it('refuses a cwd in /proc/self/fd', () => {
    const r = sb.run(['true'], (s) => { s.process!.cwd = '/proc/self/fd/3'; });
    expect(r.status).toBe(1);
    expect(r.stderr).toContain('process.cwd');
  });

  it('keeps a cwd that climbs with .. inside the root', () => {
    const r = sb.run(['pwd'], (s) => { s.process!.cwd = '/../../../tmp'; });
    expect(r.stderr).toBe('');
    expect(r.stdout).toBe('/tmp\n');
  });
});
