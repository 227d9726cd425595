/**
 * Hostile input: each case fails with a clear error naming the field or file, before
 * any side effect, leaving nothing behind; or the runtime does the safe thing. Cases
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
import type { Spec } from '../../src/spec/generated/types.js';
import { ROOTFS, Sandbox, TSRUNC, cgroupLeftovers, run as runCmd } from './harness.js';

const sb = new Sandbox('hostile');
afterAll(() => sb.cleanup());

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

  it('refuses invalid signals (FOO, 65, -9, 0, RTMAX+1) and leaves the container alone', () => {
    expect(sb.tsrunc(['create', '--bundle', sb.bundle(['sleep', '30']), 'sig']).status).toBe(0);
    for (const sig of ['FOO', '65', '-9', '0', 'SIGRTMAX+1']) {
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
