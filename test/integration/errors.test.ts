/** Errors: the message names the file, field or step; nothing is left half-created. */
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { Sandbox, cgroupLeftovers } from './harness.js';

const sb = new Sandbox('errors');
afterAll(() => sb.cleanup());

function createFails(bundle: string, id: string, message: string | RegExp, globals: string[] = [], flags: string[] = []): string {
  const r = sb.tsrunc([...globals, 'create', ...flags, '--bundle', bundle, id]);
  expect(r.status).toBe(1);
  expect(r.stderr).toMatch(message);
  // Nothing left: no state, no cgroup.
  expect(fs.existsSync(path.join(sb.root, id))).toBe(false);
  const cfg = path.join(bundle, 'config.json');
  if (fs.existsSync(cfg)) {
    try {
      const cg = JSON.parse(fs.readFileSync(cfg, 'utf8'))?.linux?.cgroupsPath;
      if (cg) expect(cgroupLeftovers(cg)).toEqual([]);
    } catch { /* malformed on purpose */ }
  }
  return r.stderr;
}

describe('create errors', () => {
  it('fails at create when the executable is missing, in words podman maps to 127', () => {
    createFails(sb.bundle(['no-such-program']), 'x1', /exec: "no-such-program": executable file not found in \$PATH/);
    createFails(sb.bundle(['/bin/no-such']), 'x2', /no such file or directory/);
  });

  it('names the init step that failed', () => {
    const err = createFails(sb.bundle(['true'], (s) => {
      s.mounts!.push({ destination: '/tmp', type: 'no-such-fs', source: 'x' });
      s.root!.readonly = true;
    }), 'x3', /mount no-such-fs on \/tmp: ENODEV/);
    expect(err).toContain('hint:');
  });

  it('writes one JSON error line to --log with --log-format json', () => {
    const log = path.join(sb.tmpdir(), 'log.json');
    createFails(sb.bundle(['no-such-program']), 'x4', /executable file not found/, ['--log', log, '--log-format', 'json']);
    const lines = fs.readFileSync(log, 'utf8').trim().split('\n');
    expect(lines).toHaveLength(1);
    const entry = JSON.parse(lines[0]!);
    expect(entry).toMatchObject({ level: 'error', msg: expect.stringContaining('executable file not found in $PATH') });
    expect(entry.time).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
  });

  it('also takes --log-format=json and --root=DIR', () => {
    const log = path.join(sb.tmpdir(), 'log.json');
    const r = sb.tsrunc([`--log-format=json`, `--log=${log}`, 'state', 'nope']);
    expect(r.status).toBe(1);
    expect(JSON.parse(fs.readFileSync(log, 'utf8')).msg).toBe('container "nope" does not exist');
  });

  it('rejects bad bundles naming the file and field', () => {
    const dir = sb.tmpdir();
    createFails(dir, 'b1', /config.json: no such file or directory/);
    fs.writeFileSync(path.join(dir, 'config.json'), '{"ociVersion": "1.0.0",');
    createFails(dir, 'b2', /config.json: invalid JSON/);
    createFails(sb.bundle(['true'], (s) => { (s.process!.user as { uid: number }).uid = -1; }), 'b3', /process.user.uid/);
    createFails(sb.bundle(['true'], (s) => { s.root!.path = '/nonexistent-root'; }), 'b4', /root.path: \/nonexistent-root: no such file or directory/);
    createFails(sb.bundle(['true'], (s) => { s.process!.cwd = 'relative'; }), 'b5', /process.cwd: "relative" is not an absolute path/);
  });

  it('refuses a symlinked root and /proc or /sys symlinks in the image', () => {
    const dir = sb.tmpdir();
    fs.mkdirSync(path.join(dir, 'real'));
    fs.symlinkSync(path.join(dir, 'real'), path.join(dir, 'link'));
    createFails(sb.bundle(['true'], (s) => { s.root!.path = path.join(dir, 'link'); }), 's1', /is a symlink/);
    const img = path.join(dir, 'img');
    fs.mkdirSync(path.join(img, 'bin'), { recursive: true });
    fs.symlinkSync('/etc', path.join(img, 'proc'));
    createFails(sb.bundle(['true'], (s) => { s.root!.path = img; }), 's2', /\/proc is a symlink in the image/);
  });

  it('rejects bad ids, a missing pid file directory, and bad --preserve-fds', () => {
    const bundle = sb.bundle(['true']);
    for (const id of ['../x', 'a/b', '.', 'x'.repeat(1000)]) {
      const r = sb.tsrunc(['create', '--bundle', bundle, id]);
      expect(r.status).toBe(1);
      expect(r.stderr).toContain('invalid container id');
    }
    createFails(bundle, 'p1', /--pid-file \/nonexistent\/dir\/pid: directory \/nonexistent\/dir does not exist/, [], ['--pid-file', '/nonexistent/dir/pid']);
    createFails(bundle, 'p2', /--preserve-fds/, [], ['--preserve-fds', 'many']);
  });
});
