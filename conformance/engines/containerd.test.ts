/**
 * containerd 1.6 (containerd-shim-runc-v2 + go-runc) driving the runtime under test:
 * a private containerd (config, root, state and sockets under the work dir) started here
 * and stopped by its pid; `ctr run --runc-binary WRAPPER --runc-root WORK/… --fifo-dir WORK/…`
 * in the namespace tsrunc-e2e-<run>, so containers go below the cgroup /tsrunc-e2e-<run>.
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, test } from 'vitest';
import {
  baseEnv,
  both,
  Daemon,
  describeResult,
  e2e,
  mountsUnder,
  ok,
  pidAlive,
  killLeftovers,
  removeCgroupTree,
  RUNC,
  run,
  runInPty,
  keepTraceOfFailures,
  sleep,
  startContainerd,
  testWhen,
  Trace,
  waitFor,
  type Result,
  type RunOptions,
} from './lib.js';

const E = e2e();
const C = path.join(E.work, 'containerd');
const SOCK = path.join(C, 'containerd.sock');
const NS = `tsrunc-e2e-${E.runId}`;
const IMG = 'docker.io/library/busybox-e2e:latest';
const RUNC_ROOT = path.join(C, 'runc-root');
const FIFO = path.join(E.work, 'fifo');
const LOGS = path.join(E.work, 'ctr-logs');
const env = baseEnv();
const trace = new Trace(path.join(E.work, 'runtime-trace.log'));

let daemon: Daemon | undefined;

function ctr(args: string[], opts: RunOptions = {}): Promise<Result> {
  return run('ctr', ['--address', SOCK, '--namespace', NS, ...args], { env, timeoutMs: 30000, ...opts });
}
const RUN_FLAGS = ['--runc-root', RUNC_ROOT, '--fifo-dir', FIFO];
/** `ctr run` with the runtime under test (or another); the image is inserted before ID. */
function ctrRun(flags: string[], id: string, cmd: string[], opts: RunOptions = {}, runtime = E.wrapper): Promise<Result> {
  return ctr(['run', '--runc-binary', runtime, ...RUN_FLAGS, ...flags, IMG, id, ...cmd], opts);
}
function ctrRunPty(flags: string[], id: string, cmd: string[], opts: RunOptions = {}): Promise<Result> {
  return runInPty('ctr', ['--address', SOCK, '--namespace', NS, 'run', '--runc-binary', E.wrapper, ...RUN_FLAGS, ...flags, IMG, id, ...cmd], {
    env,
    timeoutMs: 30000,
    ...opts,
  });
}
/** Detached, with stdout/stderr in a log file that the shim writes (no FIFO reader needed). */
async function ctrRunDetached(id: string, cmd: string[], flags: string[] = [], runtime = E.wrapper): Promise<string> {
  const log = path.join(LOGS, `${id}.log`);
  ok(await ctrRun(['--detach', '--log-uri', `file://${log}`, ...flags], id, cmd, {}, runtime));
  return log;
}
function readLog(log: string): string {
  try {
    return fs.readFileSync(log, 'utf8');
  } catch {
    return '';
  }
}
async function waitLog(log: string, text: string, timeoutMs = 10000): Promise<string> {
  await waitFor(() => readLog(log).includes(text), timeoutMs);
  return readLog(log);
}
/** { id → [pid, status] } from `ctr task ls`. */
async function tasks(): Promise<Map<string, { pid: number; status: string }>> {
  const m = new Map<string, { pid: number; status: string }>();
  for (const line of ok(await ctr(['task', 'ls'])).stdout.split('\n').slice(1)) {
    const [id, pid, status] = line.trim().split(/\s+/);
    if (id && pid && status) m.set(id, { pid: Number(pid), status });
  }
  return m;
}
async function taskStatus(id: string): Promise<string | undefined> {
  return (await tasks()).get(id)?.status;
}
async function waitStatus(id: string, status: string, timeoutMs = 10000): Promise<string | undefined> {
  let s: string | undefined;
  await waitFor(async () => (s = await taskStatus(id)) === status, timeoutMs);
  return s;
}
async function taskPids(id: string): Promise<number[]> {
  const r = ok(await ctr(['task', 'ps', id]));
  return r.stdout
    .split('\n')
    .slice(1)
    .map((l) => Number(l.trim().split(/\s+/)[0]))
    .filter((p) => p > 0);
}

/** Kills and deletes every task and container of our namespace. */
async function cleanupAll(): Promise<string[]> {
  const problems: string[] = [];
  const t = await ctr(['task', 'ls', '--quiet']);
  for (const id of t.stdout.split('\n').filter(Boolean)) {
    await ctr(['task', 'kill', '--all', '--signal', 'SIGKILL', id]);
    await waitFor(async () => (await taskStatus(id)) !== 'RUNNING' && (await taskStatus(id)) !== 'PAUSED', 5000);
    const d = await ctr(['task', 'delete', '--force', id]);
    if (d.code !== 0 && !/not found/.test(d.stderr)) problems.push(describeResult(d));
  }
  const c = await ctr(['container', 'ls', '--quiet']);
  for (const id of c.stdout.split('\n').filter(Boolean)) {
    const d = await ctr(['container', 'delete', id]);
    if (d.code !== 0) problems.push(describeResult(d));
  }
  return problems;
}

let n = 0;
const cid = (what: string) => `e2e-${what}-${++n}`;

keepTraceOfFailures(E, trace, 'containerd');

afterEach(async () => {
  const problems = await cleanupAll();
  if (problems.length) console.error(`cleanup:\n${problems.join('\n')}`);
});

beforeAll(async () => {
  fs.mkdirSync(LOGS, { recursive: true });
  daemon = await startContainerd(C);
  ok(await ctr(['images', 'import', path.join(E.work, 'images', 'busybox-oci.tar')], { timeoutMs: 60000 }));
});

afterAll(async () => {
  const problems: string[] = [];
  if (daemon?.running) {
    problems.push(...(await cleanupAll()));
    for (const args of [['images', 'rm', IMG]]) {
      const r = await ctr(args);
      if (r.code !== 0) problems.push(describeResult(r));
    }
    await ctr(['namespaces', 'rm', NS]);
  }
  problems.push(...((await daemon?.stop()) ?? []));
  // Shims are started by our containerd; they must be gone once their tasks are deleted.
  problems.push(...killLeftovers(SOCK, 'shim'));
  const mounts = mountsUnder(C);
  if (mounts.length) problems.push(`containerd left mounts: ${mounts.join(' ')}`);
  problems.push(...removeCgroupTree(`/${NS}`));
  if (problems.length) throw new Error(`containerd cleanup:\n${problems.join('\n')}`);
});

describe('ctr run', () => {
  test('prints the output, exit 0, and --rm removes everything', async () => {
    const id = cid('run');
    const r = await ctrRun(['--rm'], id, ['echo', 'hello from the container']);
    expect(r.code, describeResult(r)).toBe(0);
    expect(r.stdout).toBe('hello from the container\n');
    // go-runc waits for EOF on the runtime's output: anything left holding it stalls the shim
    expect(r.ms, 'ctr run took too long (something held the runtime output open?)').toBeLessThan(5000);
    expect(ok(await ctr(['container', 'ls', '--quiet'])).stdout.trim()).toBe('');
  });

  test('the process gets exactly process.env and only fds 0-2 (not the shim socket on fd 3)', async () => {
    // ls lists its own fds: 0-2, and 3 for the directory it reads (a leaked fd would push that to 4).
    const r = await ctrRun(['--rm', '--env', 'FOO=bar'], cid('env'), ['sh', '-c', 'ls /proc/self/fd | tr "\\n" " "; echo; env | sort']);
    expect(r.code, describeResult(r)).toBe(0);
    const [fds, ...envLines] = r.stdout.split('\n');
    expect(fds?.trim()).toBe('0 1 2 3');
    const envNames = envLines.filter(Boolean).map((l) => l.split('=')[0]);
    expect(envNames).toContain('FOO');
    for (const leaked of ['TTRPC_ADDRESS', 'GOMAXPROCS', 'NOTIFY_SOCKET', 'LD_LIBRARY_PATH']) expect(envNames).not.toContain(leaked);
  });

  test('exit code of the container process', async () => {
    const r = await ctrRun(['--rm'], cid('exit'), ['sh', '-c', 'exit 3']);
    expect(r.code, describeResult(r)).toBe(3);
  });

  test('a missing executable: the runtime error from log.json reaches ctr', async () => {
    const r = await ctrRun(['--rm'], cid('noexec'), ['/nonexistent']);
    expect(r.code, describeResult(r)).not.toBe(0);
    expect(r.stderr).toContain('OCI runtime create failed');
    expect(r.stderr).not.toContain('unable to retrieve OCI runtime error');
    expect(r.stderr).toContain('/nonexistent');
    expect(r.stderr).toMatch(/no such file or directory|executable file not found/i);
  });

  test('stdin reaches the process', async () => {
    const r = await ctrRun(['--rm'], cid('stdin'), ['sh', '-c', 'read l; echo "got $l"'], { input: 'piped line\n' });
    expect(r.code, describeResult(r)).toBe(0);
    expect(r.stdout).toBe('got piped line\n');
  });

  test('tty (-t): the process has a terminal', async () => {
    const r = await ctrRunPty(['--rm', '--tty'], cid('tty'), ['sh', '-c', 'tty; exit 5'], { input: '' });
    expect(r.code, describeResult(r)).toBe(5);
    expect(r.stdout).toMatch(/\/dev\/pts\/\d+/);
  });

  test('tty (-t): input through the terminal', async () => {
    const r = await ctrRunPty(['--rm', '--tty'], cid('ttyin'), ['sh'], { input: 'echo "product=$((6*7))"\nexit 3\n' });
    expect(r.code, describeResult(r)).toBe(3);
    expect(r.stdout).toContain('product=42');
  });

  test('detach: running in the background, output in the log, TERM → exit 42', async () => {
    const id = cid('detach');
    const log = await ctrRunDetached(id, ['sh', '-c', 'trap "echo got-term; exit 42" TERM; echo started; sleep 1000 & wait']);
    expect(await waitLog(log, 'started')).toContain('started');
    const t = (await tasks()).get(id);
    expect(t?.status).toBe('RUNNING');
    expect(pidAlive(t?.pid ?? 0)).toBe(true);
    ok(await ctr(['task', 'kill', id]));
    expect(await waitStatus(id, 'STOPPED')).toBe('STOPPED');
    expect(readLog(log)).toContain('got-term');
    const d = await ctr(['task', 'delete', id]);
    expect(d.code, describeResult(d)).toBe(0);
    expect(d.stdout + d.stderr).toMatch(/exit code 42/);
  });
});

describe('ctr task', () => {
  test('ps lists the init and exec processes (host pids)', async () => {
    const id = cid('ps');
    await ctrRunDetached(id, ['sleep', '1000']);
    const init = (await tasks()).get(id)?.pid ?? 0;
    expect(await taskPids(id)).toEqual([init]);
    ok(await ctr(['task', 'exec', '--detach', '--exec-id', 'sleeper', id, 'sleep', '999']));
    const pids = await waitFor(async () => {
      const p = await taskPids(id);
      return p.length === 2 ? p : undefined;
    });
    expect(pids, 'ctr task ps after exec').toBeDefined();
    expect(pids).toContain(init);
    for (const p of pids ?? []) expect(fs.readFileSync(`/proc/${p}/cmdline`, 'utf8')).toMatch(/^sleep\0/);
  });

  test('exec: output and exit code', async () => {
    const id = cid('exec');
    await ctrRunDetached(id, ['sleep', '1000']);
    const r = await ctr(['task', 'exec', '--exec-id', 'e1', id, 'sh', '-c', 'echo "in exec $(cat /proc/1/cmdline | tr "\\0" " ")"; exit 7']);
    expect(r.code, describeResult(r)).toBe(7);
    expect(r.stdout).toBe('in exec sleep 1000 \n');
    const i = await ctr(['task', 'exec', '--exec-id', 'e2', id, 'sh', '-c', 'read l; echo "got $l"'], { input: 'exec stdin\n' });
    expect(i.code, describeResult(i)).toBe(0);
    expect(i.stdout).toBe('got exec stdin\n');
  });

  test('exec of a missing executable fails with the runtime error', async () => {
    const id = cid('exec404');
    await ctrRunDetached(id, ['sleep', '1000']);
    const r = await ctr(['task', 'exec', '--exec-id', 'e1', id, '/nonexistent']);
    expect(r.code, describeResult(r)).not.toBe(0);
    expect(r.stderr).toContain('OCI runtime exec failed');
    expect(r.stderr).toContain('/nonexistent');
    expect(await taskStatus(id)).toBe('RUNNING');
  });

  test('exec -t: the exec process has a terminal', async () => {
    const id = cid('exectty');
    await ctrRunDetached(id, ['sleep', '1000']);
    const r = await runInPty('ctr', ['--address', SOCK, '--namespace', NS, 'task', 'exec', '--tty', '--exec-id', 't1', id, 'sh', '-c', 'tty; exit 8'], {
      env,
      input: '',
      timeoutMs: 30000,
    });
    expect(r.code, describeResult(r)).toBe(8);
    expect(r.stdout).toMatch(/\/dev\/pts\/\d+/);
  });

  test('the init is in the container cgroup in every hierarchy (v1 controllers, name=systemd, unified)', async () => {
    const id = cid('cgroup');
    await ctrRunDetached(id, ['sleep', '1000']);
    const pid = (await tasks()).get(id)?.pid ?? 0;
    const lines = fs.readFileSync(`/proc/${pid}/cgroup`, 'utf8').trim().split('\n');
    const outside = lines.filter((l) => !l.endsWith(`:/${NS}/${id}`));
    expect(outside, `/proc/${pid}/cgroup:\n${lines.join('\n')}`).toEqual([]);
  });

  test('metrics are read from the container cgroup', async () => {
    const id = cid('metrics');
    await ctrRunDetached(id, ['sleep', '1000']);
    const m = await ctr(['task', 'metrics', id]);
    expect(m.code, describeResult(m)).toBe(0);
    expect(m.stdout).toMatch(/memory\.usage_in_bytes\s+[1-9]|memory\.current\s+[1-9]/);
    expect(m.stdout).toMatch(/pids\.current\s+1\b/);
  });

  test('two containers under the namespace cgroup parent: deleting one leaves the other running', async () => {
    const a = cid('siblingA');
    const b = cid('siblingB');
    await ctrRunDetached(a, ['sleep', '1000']);
    await ctrRunDetached(b, ['sleep', '1000']);
    ok(await ctr(['task', 'kill', '--signal', 'SIGKILL', a]));
    expect(await waitStatus(a, 'STOPPED')).toBe('STOPPED');
    const d = await ctr(['task', 'delete', a]);
    expect(d.code, describeResult(d)).toBe(0);
    expect(await taskStatus(b)).toBe('RUNNING');
    const dc = await ctr(['container', 'delete', a]);
    expect(dc.code, describeResult(dc)).toBe(0);
  });

  test('quick execs: every one reports its own exit code', async () => {
    const id = cid('quickexec');
    await ctrRunDetached(id, ['sleep', '1000']);
    const got: string[] = [];
    for (let i = 0; i < 20; i++) {
      const r = await ctr(['task', 'exec', '--exec-id', `q${i}`, id, 'sh', '-c', `exit ${10 + i}`]);
      if (r.code !== 10 + i) got.push(`exec ${i}: expected ${10 + i}, got ${r.code} ${r.stderr.trim()}`);
    }
    expect(got).toEqual([]);
  });

  test('pause and resume', async () => {
    const id = cid('pause');
    const log = await ctrRunDetached(id, ['sh', '-c', 'i=0; while :; do i=$((i+1)); echo "tick $i"; sleep 0.1; done']);
    await waitLog(log, 'tick 2');
    const p = await ctr(['task', 'pause', id]);
    expect(p.code, describeResult(p)).toBe(0);
    expect(await taskStatus(id)).toBe('PAUSED');
    const frozen = readLog(log);
    await sleep(500);
    expect(readLog(log), 'the container kept running while paused').toBe(frozen);
    const r = await ctr(['task', 'resume', id]);
    expect(r.code, describeResult(r)).toBe(0);
    expect(await taskStatus(id)).toBe('RUNNING');
    await waitFor(() => readLog(log).length > frozen.length, 5000);
    expect(readLog(log).length, 'no output after resume').toBeGreaterThan(frozen.length);
  });

  // tsrunc freezes the unified cgroup only, so a reader of the v1 freezer (freezer.state)
  // sees THAWED: issue 14, item 3. Expected to fail until that lands.
  testWhen(path.basename(E.runtime) !== 'tsrunc')('pause: containerd and a v1 reader (freezer.state) see it frozen, resume thaws both', async () => {
    const r = await both(RUNC, E.wrapper, async (rt) => {
      const id = cid('freezer');
      await ctrRunDetached(id, ['sleep', '1000'], [], rt);
      const state = () => fs.readFileSync(`/sys/fs/cgroup/freezer/${NS}/${id}/freezer.state`, 'utf8').trim();
      ok(await ctr(['task', 'pause', id]));
      const paused = [await taskStatus(id), state()];
      ok(await ctr(['task', 'resume', id]));
      return { paused, resumed: [await taskStatus(id), state()] };
    });
    expect(r.baseline).toEqual({ paused: ['PAUSED', 'FROZEN'], resumed: ['RUNNING', 'THAWED'] });
    expect(r.tested).toEqual(r.baseline);
  });

  test('kill: a signal to the init only; --all: to every process of the container', async () => {
    const id = cid('kill');
    const log = await ctrRunDetached(id, ['sh', '-c', 'trap "echo got-term" TERM; echo started; while :; do sleep 1000 & wait; done']);
    await waitLog(log, 'started');
    ok(await ctr(['task', 'exec', '--detach', '--exec-id', 'x1', id, 'sleep', '999']));
    const init = (await tasks()).get(id)?.pid ?? 0;
    const all = await waitFor(async () => {
      const p = await taskPids(id);
      return p.length === 3 ? p : undefined;
    });
    expect(all, 'init, its sleep and the exec').toBeDefined();
    const others = (all ?? []).filter((p) => p !== init);
    // TERM to the init only: the trap runs, the other processes live on
    ok(await ctr(['task', 'kill', '--signal', 'SIGTERM', id]));
    await waitLog(log, 'got-term');
    const afterTerm = await taskPids(id);
    expect(afterTerm).toContain(init);
    // the init's sleep was interrupted by nothing; the exec'd sleep must still be there
    expect(afterTerm.filter((p) => others.includes(p)).length).toBeGreaterThanOrEqual(1);
    // --all TERM: every sleep dies, the trapping init survives
    const k = await ctr(['task', 'kill', '--all', '--signal', 'SIGTERM', id]);
    expect(k.code, describeResult(k)).toBe(0);
    expect(await waitFor(() => others.every((p) => !pidAlive(p)), 5000), `still alive: ${others.filter(pidAlive)}`).toBe(true);
    expect(await taskStatus(id)).toBe('RUNNING');
    // KILL: the task stops
    ok(await ctr(['task', 'kill', '--signal', 'SIGKILL', id]));
    expect(await waitStatus(id, 'STOPPED')).toBe('STOPPED');
  });

  test('host pid namespace: containerd kills what the init leaves behind (kill --all ID 9)', async () => {
    const id = cid('hostpid');
    const m = trace.mark();
    const r = await ctrRun(['--rm', '--with-ns', 'pid:/proc/self/ns/pid'], id, ['sh', '-c', 'sleep 1000 & echo "child=$!"']);
    expect(r.code, describeResult(r)).toBe(0);
    const child = Number(/child=(\d+)/.exec(r.stdout)?.[1]);
    expect(child, r.stdout).toBeGreaterThan(1);
    expect(await waitFor(() => !pidAlive(child), 5000), `the init's child ${child} survived`).toBe(true);
    if (E.traced) expect(trace.calls(m).join('\n')).toMatch(new RegExp(`kill --all ${id} 9`));
  });
});
