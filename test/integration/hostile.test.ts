/**
 * Hostile input: each case fails with a clear error naming the field or file, before
 * any side effect, leaving nothing behind; or the runtime does the safe thing. runc
 * 1.1.5 runs the same bundle where it has the behaviour. Cases
 * already covered elsewhere are named, not repeated: malformed JSON, a missing or
 * symlinked root.path, a relative cwd, bad ids, /proc symlinks and a missing pid-file
 * directory (errors.test.ts); cwd in /proc/self/fd (constraints.test.ts, cve.test.ts);
 * /dev/null a symlink to a procfs file and mount destinations through symlinks
 * (cve.test.ts).
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { writeAtomic } from '../../src/fsutil.js';
import type { Spec } from '../../src/spec/generated/types.js';
import { ROOTFS, Sandbox, TSRUNC, alive, cgroupLeftovers, run as runCmd, waitFor } from './harness.js';

const sb = new Sandbox('hostile');
/** runc 1.1.5 (Debian's), with a --root of its own, for the cases where runc has the behaviour. */
const RUNC = '/usr/sbin/runc';
const runcRoot = sb.tmpdir();
const runc = (args: string[], opts = {}) => runCmd(RUNC, ['--root', runcRoot, ...args], opts);
afterAll(() => {
  for (const id of fs.existsSync(runcRoot) ? fs.readdirSync(runcRoot) : []) runc(['delete', '--force', id]);
  sb.cleanup();
});

/** create fails with `message`; nothing of the container is left (state, cgroup). */
function refused(bundle: string, message: RegExp, flags: string[] = [], id = sb.id('h')): string {
  const r = sb.tsrunc(['create', ...flags, '--bundle', bundle, id]);
  expect(r.stderr).toMatch(message);
  expect(r.status).toBe(1);
  expect(fs.existsSync(path.join(sb.root, id))).toBe(false);
  try {
    const cg = JSON.parse(fs.readFileSync(path.join(bundle, 'config.json'), 'utf8'))?.linux?.cgroupsPath;
    if (cg) expect(cgroupLeftovers(cg)).toEqual([]);
  } catch { /* not JSON on purpose */ }
  return r.stderr;
}

function rawBundle(text: string): string {
  const dir = sb.tmpdir();
  fs.writeFileSync(path.join(dir, 'config.json'), text);
  return dir;
}

describe('config.json', () => {
  it.each<[string, string, RegExp]>([
    ['null', 'null', /config.json: must be a JSON object \(got null\)/],
    ['an array', '[]', /config.json: must be a JSON object \(got an array\)/],
    ['a string', '"x"', /config.json: must be a JSON object/],
  ])('refuses %s', (_n, text, message) => {
    refused(rawBundle(text), message);
  });

  it.each<[string, (s: Spec) => void, RegExp]>([
    ['args of the wrong type', (s) => { (s.process as unknown as { args: unknown }).args = 'sh'; }, /process.args/],
    ['a uid out of range', (s) => { s.process!.user!.uid = 2 ** 32; }, /process.user.uid/],
    ['a negative rlimit', (s) => { s.process!.rlimits = [{ type: 'RLIMIT_NOFILE', soft: -1, hard: 1 }]; }, /process.rlimits\[0\].soft/],
    ['ociVersion 2.0.0', (s) => { s.ociVersion = '2.0.0'; }, /ociVersion "2.0.0" is not supported: tsrunc runs runtime-spec 1.x/],
    ['empty args', (s) => { s.process!.args = []; }, /process.args/],
    ['a missing cwd', (s) => { delete (s.process as { cwd?: string }).cwd; }, /process.*cwd/],
    ['rlimit soft above hard', (s) => { s.process!.rlimits = [{ type: 'RLIMIT_NOFILE', soft: 2048, hard: 1024 }]; }, /process.rlimits\[0\]: soft limit 2048 is above hard limit 1024/],
    ['a sysctl outside the namespaced set', (s) => { s.linux!.sysctl = { 'kernel.core_pattern': '|/tmp/x' }; }, /kernel.core_pattern/],
    ['a bind mount source that does not exist', (s) => { s.mounts!.push({ destination: '/mnt', type: 'bind', source: '/nonexistent/src', options: ['bind'] }); }, /mounts\[7\].*\/nonexistent\/src/],
  ])('refuses %s, naming the field', (_n, mutate, message) => {
    refused(sb.bundle(['true'], mutate), message);
  });

  it('ignores unknown fields at any depth', () => {
    const bundle = sb.bundle(['true'], (s) => {
      const any = s as unknown as Record<string, unknown>;
      any['x-unknown'] = { deep: [1, 2] };
      (s.process as unknown as Record<string, unknown>)['futureKnob'] = true;
      (s.linux as unknown as Record<string, unknown>)['futureLinux'] = { a: 1 };
      (s.mounts![0] as unknown as Record<string, unknown>)['idmapFuture'] = 'x';
    });
    const r = sb.tsrunc(['run', '--bundle', bundle, sb.id('u')]);
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
  });
});

describe('ids and the state store', () => {
  it('refuses an empty id and a duplicate id without touching the first container', () => {
    const bundle = sb.bundle(['sleep', '30']);
    expect(sb.tsrunc(['create', '--bundle', bundle, '']).stderr).toMatch(/invalid container id|missing required argument|id/);
    expect(sb.tsrunc(['create', '--bundle', bundle, 'dup']).status).toBe(0);
    const before = fs.readFileSync(path.join(sb.root, 'dup', 'state.json'), 'utf8');
    const r = sb.tsrunc(['create', '--bundle', bundle, 'dup']);
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/dup.*(exists|already)/);
    expect(fs.readFileSync(path.join(sb.root, 'dup', 'state.json'), 'utf8')).toBe(before);
    sb.tsrunc(['delete', '--force', 'dup']);
  });

  it('refuses invalid signals (FOO, 65, -9, RTMAX+1) and leaves the container alone', () => {
    expect(sb.tsrunc(['create', '--bundle', sb.bundle(['sleep', '30']), 'sig']).status).toBe(0);
    for (const sig of ['FOO', '65', '-9', 'SIGRTMAX+1']) {
      const r = sb.tsrunc(['kill', 'sig', sig]);
      expect(r.status).toBe(1);
      expect(r.stderr).toContain(`invalid signal "${sig}"`);
    }
    expect(JSON.parse(sb.tsrunc(['state', 'sig']).stdout).status).toBe('created');
    sb.tsrunc(['delete', '--force', 'sig']);
  });

  it('keeps the previous state intact when the state directory is full', () => {
    const root = sb.tmpdir();
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=64k', 'tsrunc-test-full', root]);
    try {
      const bundle = sb.bundle(['sleep', '30']);
      const first = runCmd(TSRUNC, ['--root', root, 'create', '--bundle', bundle, 'a']);
      expect(first.status).toBe(0);
      const before = fs.readFileSync(path.join(root, 'a', 'state.json'), 'utf8');
      // Fill what is left.
      try { fs.writeFileSync(path.join(root, 'filler'), Buffer.alloc(1 << 20)); } catch { /* ENOSPC: full now */ }
      const second = runCmd(TSRUNC, ['--root', root, 'create', '--bundle', sb.bundle(['true']), 'b']);
      expect(second.status).toBe(1);
      expect(second.stderr).toMatch(/ENOSPC|no space/i);
      expect(fs.existsSync(path.join(root, 'b'))).toBe(false);
      expect(fs.readFileSync(path.join(root, 'a', 'state.json'), 'utf8')).toBe(before);
      expect(JSON.parse(runCmd(TSRUNC, ['--root', root, 'state', 'a']).stdout).status).toBe('created');
    } finally {
      runCmd(TSRUNC, ['--root', root, 'delete', '--force', 'a']);
      execFileSync('umount', [root]);
    }
  });
});

describe('the image', () => {
  it('refuses /dev as a symlink in the image, before anything is mounted', () => {
    const root = path.join(sb.tmpdir(), 'rootfs');
    fs.cpSync(ROOTFS, root, { recursive: true, verbatimSymlinks: true });
    fs.rmSync(path.join(root, 'dev'), { recursive: true, force: true });
    fs.symlinkSync('/tmp', path.join(root, 'dev'));
    refused(sb.bundle(['true'], (s) => { s.root = { path: root, readonly: false }; }), /rootfs: \/dev is a symlink in the image; tmpfs cannot be mounted there/);
  });
});

describe('signal 0, the liveness probe', () => {
  it('succeeds on a created and a running container, sends nothing, and says "container not running" on a stopped one, as runc', async () => {
    const bundle = sb.bundle(['sh', '-c', 'trap "echo got a signal; exit 3" HUP INT TERM USR1 USR2; sleep 30 & wait']);
    for (const [name, cli] of [['tsrunc', sb.tsrunc.bind(sb)], ['runc', runc]] as const) {
      const id = sb.id(`k0${name}`);
      expect(cli(['create', '--bundle', bundle, id]).status).toBe(0);
      const pid = JSON.parse(cli(['state', id]).stdout).pid as number;
      expect(cli(['kill', id, '0']), `${name}: kill 0 on a created container`).toMatchObject({ status: 0, stderr: '' });
      expect(JSON.parse(cli(['state', id]).stdout).status).toBe('created');
      expect(cli(['start', id]).status).toBe(0);
      expect(cli(['kill', id, '0']), `${name}: kill 0 on a running container`).toMatchObject({ status: 0, stderr: '' });
      expect(cli(['kill', '--all', id, '0']).status).toBe(0);
      expect(JSON.parse(cli(['state', id]).stdout).status).toBe('running');
      expect(cli(['kill', id, 'KILL']).status).toBe(0);
      await waitFor(() => !alive(pid), `${name}: the container to stop`);
      const stopped = cli(['kill', id, '0']);
      expect(stopped.status, name).toBe(1);
      expect(stopped.stderr, name).toContain('container not running');
      expect(cli(['delete', id]).status).toBe(0);
    }
  });
});

describe('the pid file', () => {
  it('every atomic write creates its temporary O_EXCL|O_NOFOLLOW: a symlink planted at the name is removed, never followed', () => {
    const dir = sb.tmpdir();
    const target = path.join(dir, 'target');
    fs.writeFileSync(target, 'precious');
    const file = path.join(dir, 'state.json');
    // The name a writer with this pid uses: a stale one from a crash, or one planted.
    const tmp = `${file}.tmp-${process.pid}`;
    fs.symlinkSync(target, tmp);
    writeAtomic(file, '{"new":1}');
    expect(fs.readFileSync(target, 'utf8')).toBe('precious');
    expect(fs.readFileSync(file, 'utf8')).toBe('{"new":1}');
    expect(fs.lstatSync(file).isFile()).toBe(true);
    expect(fs.readdirSync(dir).sort()).toEqual(['state.json', 'target']);
  });

  it('is never written through a symlink: one at --pid-file is refused before any side effect', () => {
    const dir = sb.tmpdir();
    const target = path.join(dir, 'target');
    fs.writeFileSync(target, 'precious');
    const link = path.join(dir, 'pid');
    fs.symlinkSync(target, link);
    refused(sb.bundle(['sleep', '30']), new RegExp(`--pid-file ${link}: is a symlink`), ['--pid-file', link]);
    expect(fs.readFileSync(target, 'utf8')).toBe('precious');
    expect(fs.lstatSync(link).isSymbolicLink()).toBe(true);

    // exec --pid-file: refused before the process starts.
    const id = sb.id('pf');
    expect(sb.tsrunc(['run', '--detach', '--bundle', sb.bundle(['sleep', '30']), id], { stdio: 'ignore' }).status).toBe(0);
    const r = sb.tsrunc(['exec', '--detach', '--pid-file', link, id, 'sh', '-c', 'touch /tmp/ran']);
    expect(r.stderr).toContain(`--pid-file ${link}: is a symlink`);
    expect(r.status).toBe(1);
    expect(fs.readFileSync(target, 'utf8')).toBe('precious');
    expect(sb.tsrunc(['exec', id, 'test', '-e', '/tmp/ran']).status).toBe(1);
    expect(sb.tsrunc(['delete', '--force', id]).status).toBe(0);
  });
});

describe('hostile JSON', () => {
  const nested = (levels: number) => {
    const spec = JSON.stringify(JSON.parse(fs.readFileSync(path.join(sb.bundle(['true']), 'config.json'), 'utf8')));
    return `${spec.slice(0, -1)},"x":${'['.repeat(levels)}${']'.repeat(levels)}}`;
  };

  it.each([10_000, 100_000])('refuses %i levels of nesting, naming the depth, before any recursion (runc refuses it too)', (levels) => {
    const bundle = rawBundle(nested(levels));
    refused(bundle, /config.json: JSON nested more than 256 levels deep \(at line 1 column \d+\)/);
    const r = runc(['create', '--bundle', bundle, sb.id('deep')]);
    expect(r.status).toBe(1);
    expect(r.stderr).toContain('exceeded max depth');
  });

  it('accepts 256 levels (unknown fields at any depth are ignored)', () => {
    // config.json's object is level 1, "x" holds the other 255.
    const r = sb.tsrunc(['run', '--bundle', rawBundle(nested(255)), sb.id('d256')]);
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
  });

  it('refuses an rlimit above 2^64-1 naming the field, as runc does; 2^64-1 is unlimited in both', () => {
    const rlimit = (hard: string) => {
      const bundle = sb.bundle(['sh', '-c', 'ulimit -Hc; ulimit -Sc'], (s) => { s.process!.rlimits = [{ type: 'RLIMIT_CORE', soft: 0, hard: 424242 }]; });
      const file = path.join(bundle, 'config.json');
      fs.writeFileSync(file, fs.readFileSync(file, 'utf8').replace('424242', hard));
      return bundle;
    };
    const over = rlimit('18446744073709551616');
    refused(over, /config.json: process.rlimits\[0\].hard: must be an integer from 0 to 18446744073709551615 \(got 18446744073709551616\)/);
    expect(runc(['run', '--bundle', over, sb.id('rl')]).stderr).toContain('cannot unmarshal number 18446744073709551616');
    // Not what the JSON says, rounded to a double: refused rather than changed.
    refused(rlimit('18446744073709551614'), /process.rlimits\[0\].hard: 18446744073709551614 is not exactly representable/);
    const max = rlimit('18446744073709551615');
    for (const r of [sb.tsrunc(['run', '--bundle', max, sb.id('rlmax')]), runc(['run', '--bundle', max, sb.id('rlmax')])]) {
      expect(r.stderr).toBe('');
      expect(r.stdout).toBe('unlimited\n0\n');
    }
  });

  it.each<[string, (s: Spec) => void, string?]>([
    ['process.args[1]', (s) => { s.process!.args = ['sh', 'a\0b']; }],
    ['process.env[2]', (s) => { s.process!.env!.push('X=a\0b'); }],
    ['process.cwd', (s) => { s.process!.cwd = '/tmp\0x'; }],
    ['mounts[7].destination', (s) => { s.mounts!.push({ destination: '/mnt\0x', type: 'tmpfs', source: 'tmpfs' }); }],
    ['mounts[7].source', (s) => { s.mounts!.push({ destination: '/mnt', type: 'tmpfs', source: 'tmp\0fs' }); }],
    ['mounts[7].type', (s) => { s.mounts!.push({ destination: '/mnt', type: 'tmp\0fs', source: 'tmpfs' }); }],
    ['mounts[7].options[0]', (s) => { s.mounts!.push({ destination: '/mnt', type: 'tmpfs', source: 'tmpfs', options: ['size=1m\0'] }); }],
    ['hostname', (s) => { s.hostname = 'host\0name'; }],
    ['domainname', (s) => { s.domainname = 'dom\0ain'; }],
    ['root.path', (s) => { s.root!.path = `${ROOTFS}\0x`; }],
    ['linux.sysctl["net.ipv4.ip_forward"]', (s) => { s.linux!.sysctl = { 'net.ipv4.ip_forward': '1\0' }; }],
    ['linux.sysctl["net.ipv4.ip_forward\\u0000"]', (s) => { s.linux!.sysctl = { 'net.ipv4.ip_forward\0': '1' }; }, 'the key must not contain a NUL byte'],
    ['linux.maskedPaths[0]', (s) => { s.linux!.maskedPaths = ['/proc/kcore\0']; }],
  ])('refuses a NUL byte in %s, naming it', (field, mutate, what = 'must not contain a NUL byte') => {
    const err = refused(sb.bundle(['true'], mutate), new RegExp(`config.json: ${field.replace(/[[\]."\\]/g, '\\$&')}: ${what}`));
    expect(err).not.toContain('bug in tsrunc');
  });

  it('refuses an empty mount destination; takes a relative one from the root, as runc does', () => {
    refused(sb.bundle(['true'], (s) => { s.mounts!.push({ destination: '', type: 'tmpfs', source: 'tmpfs' }); }), /config.json: mounts\[7\].destination: must not be empty/);
    const relative = sb.bundle(['sh', '-c', 'grep -c " /mnt " /proc/self/mountinfo'], (s) => { s.mounts!.push({ destination: 'mnt', type: 'tmpfs', source: 'tmpfs' }); });
    expect(sb.tsrunc(['run', '--bundle', relative, sb.id('rel')]).stdout).toBe('1\n');
    expect(runc(['run', '--bundle', relative, sb.id('rel')]).stdout).toBe('1\n');
  });

  it('refuses more additionalGids than the kernel takes (NGROUPS_MAX 65536); takes 65536', () => {
    refused(sb.bundle(['true'], (s) => { s.process!.user!.additionalGids = Array.from({ length: 100_000 }, (_, i) => i); }),
      /config.json: process.user.additionalGids: must have at most 65536 items \(got 100000\): NGROUPS_MAX/);
    const r = sb.tsrunc(['run', '--bundle', sb.bundle(['sh', '-c', 'id -G | wc -w'], (s) => { s.process!.user!.additionalGids = Array.from({ length: 65536 }, (_, i) => i + 1); }), sb.id('g')]);
    expect(r.stderr).toBe('');
    expect(r.stdout.trim()).toBe('65537');
  });

  it('checks exec --process, exec flags and update --resources like config.json: depth, NUL, ranges', () => {
    const id = sb.id('parts');
    expect(sb.tsrunc(['run', '--detach', '--bundle', sb.bundle(['sleep', '30']), id], { stdio: 'ignore' }).status).toBe(0);
    const file = path.join(sb.tmpdir(), 'process.json');
    const exec = (text: string) => {
      fs.writeFileSync(file, text);
      const r = sb.tsrunc(['exec', '--process', file, id]);
      expect(r.status).toBe(1);
      expect(r.stderr).not.toContain('bug in tsrunc');
      return r.stderr;
    };
    expect(exec(`{"args":["true"],"cwd":"/","x":${'['.repeat(10_000)}${']'.repeat(10_000)}}`)).toContain(`${file}: JSON nested more than 256 levels deep`);
    expect(exec('{"args":["sh","-c","touch /tmp/ran\\u0000"],"cwd":"/"}')).toContain(`${file}: process.args[2]: must not contain a NUL byte`);
    expect(exec('{"args":["true"],"cwd":"/","rlimits":[{"type":"RLIMIT_CORE","soft":0,"hard":18446744073709551616}]}'))
      .toContain(`${file}: process.rlimits[0].hard: must be an integer from 0 to 18446744073709551615 (got 18446744073709551616)`);
    expect(sb.tsrunc(['exec', id, 'test', '-e', '/tmp/ran']).status).toBe(1);
    // A process from exec's flags passes the same checks (not the init's "bad uid, gid or group count").
    const flags = sb.tsrunc(['exec', '--user', '4294967296', id, 'true']);
    expect(flags.stderr).toContain('exec flags: process.user.uid: must be an integer from 0 to 4294967295 (got 4294967296)');
    expect(flags.status).toBe(1);
    const update = (input: string) => sb.tsrunc(['update', '--resources', '-', id], { input });
    const deep = update(`{"x":${'['.repeat(100_000)}${']'.repeat(100_000)}}`);
    expect(deep.stderr).toContain('--resources -: JSON nested more than 256 levels deep');
    expect(deep.status).toBe(1);
    const wide = update('{"cpu":{"shares":18446744073709551616}}');
    expect(wide.stderr).toContain('--resources -: cpu.shares: must be an integer from 0 to 18446744073709551615 (got 18446744073709551616)');
    expect(wide.status).toBe(1);
    expect(sb.tsrunc(['delete', '--force', id]).status).toBe(0);
  });
});
