import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Sandbox, alive, waitFor } from './harness.js';

const sb = new Sandbox('exec');
let pid = 0;

beforeAll(() => {
  const bundle = sb.bundle(['sleep', '300']);
  expect(sb.tsrunc(['run', '--detach', '--bundle', bundle, 'box'], { stdio: 'ignore' }).status).toBe(0);
  pid = JSON.parse(sb.tsrunc(['state', 'box']).stdout).pid;
});
afterAll(() => sb.cleanup());

describe('exec', () => {
  it('joins every namespace and the cgroup of the container', () => {
    const r = sb.tsrunc(['exec', 'box', 'sh', '-c', 'echo $$; hostname; for n in ipc uts mnt net pid cgroup; do readlink /proc/self/ns/$n; done; cat /proc/self/cgroup | grep ^0::; ps -o pid,args | awk \'$2 == "sleep" { print $1 }\'']);
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    const [self, hostname, ...rest] = r.stdout.trim().split('\n');
    expect(self).not.toBe('1');
    expect(hostname).toBe('tsrunc-test');
    const ns = rest.slice(0, 6);
    expect(ns).toEqual(['ipc', 'uts', 'mnt', 'net', 'pid', 'cgroup'].map((n) => fs.readlinkSync(`/proc/${pid}/ns/${n}`)));
    expect(rest[6]).toBe('0::/');
    expect(rest[7]).toBe('1'); // sees the container's pid 1
  });

  it('exits with the process status and says when the executable is missing', () => {
    expect(sb.tsrunc(['exec', 'box', 'sh', '-c', 'exit 42']).status).toBe(42);
    const missing = sb.tsrunc(['exec', 'box', 'no-such-cmd']);
    expect(missing.status).toBe(1);
    expect(missing.stderr).toContain('exec: "no-such-cmd": executable file not found in $PATH');
  });

  it('changes env, user, cwd and groups from flags, adds capabilities, never inheritable ones', () => {
    const r = sb.tsrunc(['exec', '--env', 'FOO=bar', '--user', '1000:1001', '--additional-gids', '7', '--cwd', '/tmp', '--cap', 'CAP_CHOWN',
      'box', 'sh', '-c', 'echo $FOO; id; pwd; grep -E "^Cap(Inh|Bnd)" /proc/self/status']);
    expect(r.stderr).toBe('');
    expect(r.stdout).toBe('bar\nuid=1000 gid=1001 groups=7\n/tmp\nCapInh:\t0000000000000000\nCapBnd:\t0000000020000421\n');
  });

  it('runs a process given as JSON with --process', () => {
    const file = path.join(sb.tmpdir(), 'process.json');
    fs.writeFileSync(file, JSON.stringify({ args: ['sh', '-c', 'echo $X; pwd'], env: ['X=from-json', 'PATH=/bin'], cwd: '/etc', user: { uid: 0, gid: 0 } }));
    const r = sb.tsrunc(['exec', '--process', file, 'box']);
    expect(r.stderr).toBe('');
    expect(r.stdout).toBe('from-json\n/etc\n');
    // Go's encoding/json writes null for nil slices and pointers: absent, as runc reads them.
    fs.writeFileSync(file, JSON.stringify({ args: ['sh', '-c', 'echo $#; id -G'], env: null, cwd: '/', user: { uid: 0, gid: 0, additionalGids: null }, capabilities: null, rlimits: null, consoleSize: null }));
    const nulls = sb.tsrunc(['exec', '--process', file, 'box']);
    expect(nulls.stderr).toBe('');
    expect(nulls.stdout).toBe('0\n0\n');
    fs.writeFileSync(file, 'null');
    expect(sb.tsrunc(['exec', '--process', file, 'box']).stderr).toContain(`--process ${file}: must be a JSON object (got null)`);
    fs.writeFileSync(file, JSON.stringify({ args: ['true'], cwd: 'relative' }));
    const bad = sb.tsrunc(['exec', '--process', file, 'box']);
    expect(bad.status).toBe(1);
    expect(bad.stderr).toContain('process.cwd');
  });

  it('detaches, writes the pid file, and leaves the process to the caller', async () => {
    const pidFile = path.join(sb.tmpdir(), 'exec.pid');
    const r = sb.tsrunc(['exec', '--detach', '--pid-file', pidFile, 'box', 'sleep', '30']);
    expect(r.status).toBe(0);
    const text = fs.readFileSync(pidFile, 'utf8');
    expect(text).toMatch(/^\d+$/);
    const execPid = Number(text);
    expect(alive(execPid)).toBe(true);
    expect(fs.readlinkSync(`/proc/${execPid}/ns/pid`)).toBe(fs.readlinkSync(`/proc/${pid}/ns/pid`));
    process.kill(execPid, 'SIGKILL');
    await waitFor(() => !alive(execPid), 'the exec process to end');
  });

  it('refuses a stopped or unknown container', () => {
    const bundle = sb.bundle(['true']);
    expect(sb.tsrunc(['run', '--keep', '--bundle', bundle, 'done'], { stdio: 'ignore' }).status).toBe(0);
    const stopped = sb.tsrunc(['exec', 'done', 'true']);
    expect(stopped.status).toBe(1);
    expect(stopped.stderr).toContain('cannot exec in a stopped container');
    const unknown = sb.tsrunc(['exec', 'nope', 'true']);
    expect(unknown.stderr).toContain('does not exist');
  });
});
