import fs from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { Sandbox, alive, cgroupLeftovers, waitFor } from './harness.js';

const sb = new Sandbox('lifecycle');
afterAll(() => sb.cleanup());

function state(id: string): { status: string; pid: number; [k: string]: unknown } {
  const r = sb.tsrunc(['state', id]);
  expect(r.stderr).toBe('');
  expect(r.status).toBe(0);
  return JSON.parse(r.stdout);
}

describe('run', () => {
  it('runs the process in the foreground with the caller\'s stdio', () => {
    const r = sb.run(['sh', '-c', 'echo out; echo err >&2; exit 3']);
    expect(r.stdout).toBe('out\n');
    expect(r.stderr).toBe('err\n');
    expect(r.status).toBe(3);
  });

  it('exits 128+signal when the process is killed', () => {
    // Without its own pid namespace the shell is not a pid 1, which would ignore the signal.
    const r = sb.run(['sh', '-c', 'kill -USR1 $$'], (s) => {
      s.linux!.namespaces = s.linux!.namespaces!.filter((n) => n.type !== 'pid');
    });
    expect(r.status).toBe(128 + 10);
  });

  it('passes stdin through', () => {
    const r = sb.run(['sh', '-c', 'read line; echo got:$line'], undefined, { input: 'hello\n' });
    expect(r.stdout).toBe('got:hello\n');
  });

  it('deletes the container afterwards, cgroup included', () => {
    const bundle = sb.bundle(['true']);
    const cg = JSON.parse(fs.readFileSync(path.join(bundle, 'config.json'), 'utf8')).linux.cgroupsPath;
    expect(sb.tsrunc(['run', '--bundle', bundle, 'gone']).status).toBe(0);
    expect(sb.tsrunc(['state', 'gone']).status).toBe(1);
    expect(cgroupLeftovers(cg)).toEqual([]);
  });

  it('forwards signals to the container process', async () => {
    const bundle = sb.bundle(['sh', '-c', 'trap "echo got TERM; exit 7" TERM; echo ready; while :; do sleep 0.05; done']);
    const { spawn } = await import('node:child_process');
    const { TSRUNC, cleanEnv } = await import('./harness.js');
    const child = spawn(TSRUNC, ['--root', sb.root, 'run', '--bundle', bundle, 'fwd'], { env: cleanEnv() });
    let out = '';
    child.stdout.on('data', (d) => { out += d; });
    await waitFor(() => out.includes('ready'), 'the container to start');
    child.kill('SIGTERM');
    // 'close', not 'exit': the last output may still be in the pipe when the process exits.
    const code = await new Promise<number | null>((r) => child.on('close', (c) => r(c)));
    expect(out).toContain('got TERM');
    expect(code).toBe(7);
  });
});

describe('create, start, state, kill, delete', () => {
  it('walks a container through its states', async () => {
    const bundle = sb.bundle(['sh', '-c', 'trap "exit 0" TERM; while :; do sleep 0.05; done']);
    const pidFile = path.join(sb.tmpdir(), 'pid');
    const create = sb.tsrunc(['create', '--bundle', bundle, '--pid-file', pidFile, 'demo']);
    expect(create.stderr).toBe('');
    expect(create.status).toBe(0);
    const pidText = fs.readFileSync(pidFile, 'utf8');
    expect(pidText).toMatch(/^\d+$/); // digits only, no newline (containerd's Atoi)

    const created = state('demo');
    expect(created).toMatchObject({ ociVersion: expect.stringMatching(/^1\./), id: 'demo', status: 'created', pid: Number(pidText), bundle });
    expect(created['created']).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$/);
    // The user program has not run yet: the init is still ours.
    expect(fs.readlinkSync(`/proc/${pidText}/exe`)).toMatch(/memfd:/);

    expect(sb.tsrunc(['start', 'demo']).status).toBe(0);
    await waitFor(() => !fs.readlinkSync(`/proc/${pidText}/exe`).includes('memfd'), 'the exec');
    expect(state('demo').status).toBe('running');

    expect(sb.tsrunc(['kill', 'demo', 'TERM']).status).toBe(0);
    await waitFor(() => !alive(Number(pidText)), 'the container to exit');
    expect(state('demo')).toMatchObject({ status: 'stopped', pid: 0 });

    expect(sb.tsrunc(['delete', 'demo']).status).toBe(0);
    const gone = sb.tsrunc(['state', 'demo']);
    expect(gone.status).toBe(1);
    expect(gone.stderr).toContain('does not exist');
  });

  it('ends a created container on TERM, as runc does', async () => {
    const bundle = sb.bundle(['true']);
    expect(sb.tsrunc(['create', '--bundle', bundle, 'c-term']).status).toBe(0);
    const pid = state('c-term').pid;
    expect(sb.tsrunc(['kill', 'c-term']).status).toBe(0);
    await waitFor(() => !alive(pid), 'the created container to end');
    expect(state('c-term')).toMatchObject({ status: 'stopped', pid: 0 });
    expect(sb.tsrunc(['delete', 'c-term']).status).toBe(0);
  });

  it('delete without --force removes a created container', () => {
    const bundle = sb.bundle(['true']);
    expect(sb.tsrunc(['create', '--bundle', bundle, 'c-del']).status).toBe(0);
    const pid = state('c-del').pid;
    expect(sb.tsrunc(['delete', 'c-del']).status).toBe(0);
    expect(alive(pid)).toBe(false);
  });

  it('gives the errors engines match', async () => {
    const bundle = sb.bundle(['sleep', '30']);
    expect(sb.tsrunc(['create', '--bundle', bundle, 'e1']).status).toBe(0);
    expect(sb.tsrunc(['start', 'e1']).status).toBe(0);

    const again = sb.tsrunc(['start', 'e1']);
    expect(again.status).toBe(1);
    expect(again.stderr).toContain('cannot start an already running container');

    const del = sb.tsrunc(['delete', 'e1']);
    expect(del.status).toBe(1);
    expect(del.stderr).toContain('is not stopped: running');

    expect(sb.tsrunc(['kill', 'e1', 'KILL']).status).toBe(0);
    await waitFor(() => state('e1').status === 'stopped', 'stopped');
    const kill = sb.tsrunc(['kill', 'e1', '9']);
    expect(kill.status).toBe(1);
    expect(kill.stderr).toContain('container not running');
    const start = sb.tsrunc(['start', 'e1']);
    expect(start.stderr).toContain('cannot start a container that has stopped');

    expect(sb.tsrunc(['delete', 'e1']).status).toBe(0);
    const unknown = sb.tsrunc(['delete', 'nope']);
    expect(unknown.status).toBe(1);
    expect(unknown.stderr).toContain('container "nope" does not exist');
    const forced = sb.tsrunc(['delete', '--force', 'nope']);
    expect(forced.status).toBe(0);
    expect(forced.stderr).toBe('');
  });

  it('delete --force kills a running container', () => {
    const bundle = sb.bundle(['sleep', '30']);
    expect(sb.tsrunc(['run', '--detach', '--bundle', bundle, 'f1']).status).toBe(0);
    const pid = state('f1').pid;
    expect(alive(pid)).toBe(true);
    expect(sb.tsrunc(['delete', '--force', 'f1']).status).toBe(0);
    expect(alive(pid)).toBe(false);
  });

  it('deletes a container whose new cgroup parent another container shares', () => {
    const parent = `${sb.cgParent}/shared-${Date.now()}`;
    const a = sb.bundle(['sleep', '30'], (s) => { s.linux!.cgroupsPath = `${parent}/a`; });
    const b = sb.bundle(['sleep', '30'], (s) => { s.linux!.cgroupsPath = `${parent}/b`; });
    expect(sb.tsrunc(['run', '-d', '--bundle', a, 'sh-a']).status).toBe(0);
    expect(sb.tsrunc(['run', '-d', '--bundle', b, 'sh-b']).status).toBe(0);
    const del = sb.tsrunc(['delete', '--force', 'sh-a']);
    expect(del.stderr).toBe('');
    expect(del.status).toBe(0);
    expect(state('sh-b').status).toBe('running');
    expect(sb.tsrunc(['delete', '--force', 'sh-b']).status).toBe(0);
    expect(cgroupLeftovers(`${parent}/a`)).toEqual([]);
    expect(cgroupLeftovers(`${parent}/b`)).toEqual([]);
  });

  it('refuses a second container with the same id', () => {
    const bundle = sb.bundle(['true']);
    expect(sb.tsrunc(['create', '--bundle', bundle, 'dup']).status).toBe(0);
    const second = sb.tsrunc(['create', '--bundle', bundle, 'dup']);
    expect(second.status).toBe(1);
    expect(second.stderr).toContain('container with id "dup" already exists');
    expect(state('dup').status).toBe('created');
    expect(sb.tsrunc(['delete', 'dup']).status).toBe(0);
  });

  it('accepts signals as numbers and names, and rejects bad ones', async () => {
    for (const sig of ['SIGUSR1', 'usr1', '10']) {
      const bundle = sb.bundle(['sh', '-c', 'trap "exit 9" USR1; while :; do sleep 0.05; done']);
      const id = sb.id('sig');
      expect(sb.tsrunc(['run', '-d', '--bundle', bundle, id]).status).toBe(0);
      const pid = state(id).pid;
      await new Promise((r) => setTimeout(r, 100)); // let the shell install its trap
      expect(sb.tsrunc(['kill', id, sig]).status).toBe(0);
      await waitFor(() => !alive(pid), `exit on ${sig}`);
      expect(sb.tsrunc(['delete', id]).status).toBe(0);
    }
    for (const bad of ['FOO', '65', '-9', '0']) {
      const r = sb.tsrunc(['kill', 'whatever', bad]);
      expect(r.status).toBe(1);
    }
  });
});

describe('list, spec, version', () => {
  it('lists containers as a table, as JSON and as ids', () => {
    const bundle = sb.bundle(['true']);
    expect(sb.tsrunc(['create', '--bundle', bundle, 'l1']).status).toBe(0);
    const table = sb.tsrunc(['list']).stdout.split('\n');
    expect(table[0]).toMatch(/^ID\s+PID\s+STATUS\s+BUNDLE\s+CREATED\s+OWNER$/);
    expect(table.some((l) => /^l1\s+\d+\s+created\s/.test(l))).toBe(true);
    const json = JSON.parse(sb.tsrunc(['list', '--format', 'json']).stdout);
    expect(json.find((c: { id: string }) => c.id === 'l1')).toMatchObject({ status: 'created', bundle });
    expect(sb.tsrunc(['list', '-q']).stdout.split('\n')).toContain('l1');
    expect(sb.tsrunc(['delete', 'l1']).status).toBe(0);
  });

  it('writes an example config.json that validates, and refuses to overwrite it', () => {
    const dir = sb.tmpdir();
    expect(sb.tsrunc(['spec', '--bundle', dir]).status).toBe(0);
    const spec = JSON.parse(fs.readFileSync(path.join(dir, 'config.json'), 'utf8'));
    expect(spec.ociVersion).toMatch(/^1\./);
    expect(spec.process.args).toEqual(['sh']);
    expect(sb.tsrunc(['spec', '--bundle', dir]).status).toBe(1);
    const rootless = sb.tmpdir();
    expect(sb.tsrunc(['spec', '--rootless', '--bundle', rootless]).status).toBe(0);
    const rl = JSON.parse(fs.readFileSync(path.join(rootless, 'config.json'), 'utf8'));
    expect(rl.linux.namespaces.map((n: { type: string }) => n.type)).toContain('user');
  });

  it('prints the version as runc does', () => {
    const out = sb.tsrunc(['--version']).stdout.split('\n');
    expect(out[0]).toMatch(/^tsrunc version \d+\.\d+\.\d+$/);
    expect(out[1]).toMatch(/^commit: /);
    expect(out[2]).toMatch(/^spec: 1\.\d+\.\d+$/);
  });
});
