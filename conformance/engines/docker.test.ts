/**
 * dockerd 20.10 (Debian's docker.io, over containerd 1.6 and the runc v2 shim) driving the
 * runtime under test. A private daemon (WORK/docker/daemon.json: data-root, exec-root,
 * socket and pidfile under WORK/docker, no iptables, no bridge, cgroupfs, live-restore) over
 * a containerd of its own, both started here and stopped by their pids. The runtime under
 * test is dockerd's runtime "under-test"; every scenario runs first with dockerd's built-in
 * runc, the baseline, whose result must be the expected one, then with the runtime under
 * test, whose result must be the same. Containers run with --network none below the cgroup
 * parent /tsrunc-e2e-<run>-docker; the image comes from `docker load` of a local tarball.
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
  ok,
  pidAlive,
  killLeftovers,
  removeCgroupTree,
  run,
  keepTraceOfFailures,
  sleep,
  startContainerd,
  Trace,
  unmountUnder,
  waitFor,
  type Result,
  type RunOptions,
} from './lib.js';

const E = e2e();
const D = path.join(E.work, 'docker');
const SOCK = path.join(D, 'docker.sock');
const CONTAINERD_SOCK = path.join(D, 'containerd', 'containerd.sock');
const CG_PARENT = `/tsrunc-e2e-${E.runId}-docker`;
const IMG = 'busybox-e2e:latest';
/** dockerd's names: its built-in runc (the baseline), and the runtime under test. */
const BASELINE = 'runc';
const TESTED = 'under-test';
const env = baseEnv({ DOCKER_CONFIG: path.join(D, 'cli') });
const trace = new Trace(path.join(E.work, 'runtime-trace.log'));

let containerd: Daemon | undefined;
const dockerd = new Daemon('dockerd', {
  file: '/usr/sbin/dockerd',
  args: ['--config-file', path.join(D, 'daemon.json')],
  log: path.join(D, 'dockerd.log'),
  cwd: D,
  env,
  ready: async () => (await docker(['version'], { timeoutMs: 5000 })).code === 0,
  startTimeoutMs: 30000,
});

function docker(args: string[], opts: RunOptions = {}): Promise<Result> {
  return run('/usr/bin/docker', ['-H', `unix://${SOCK}`, ...args], { env, timeoutMs: 30000, ...opts });
}
/** `docker run` with a runtime, no network, in our cgroup parent; args = [flags…, IMG, CMD…]. */
function dockerRun(runtime: string, args: string[], opts: RunOptions = {}): Promise<Result> {
  return docker(['run', '--runtime', runtime, '--network', 'none', '--cgroup-parent', CG_PARENT, ...args], opts);
}
async function inspect(name: string, format: string): Promise<string> {
  return ok(await docker(['inspect', '--format', format, name])).stdout.trim();
}
async function logs(name: string): Promise<string> {
  const r = await docker(['logs', name]);
  return r.stdout + r.stderr;
}
async function waitLogs(name: string, text: string, timeoutMs = 10000): Promise<string> {
  let last = '';
  await waitFor(async () => (last = await logs(name)).includes(text), timeoutMs);
  return last;
}
async function waitInspect(name: string, format: string, want: string, timeoutMs = 15000): Promise<string> {
  let last = '';
  await waitFor(async () => (last = await inspect(name, format)) === want, timeoutMs, 200);
  return last;
}
/** The task status containerd reports (RUNNING, PAUSED, …) for a container id. */
async function taskStatus(id: string): Promise<string | undefined> {
  const r = ok(await run('ctr', ['--address', CONTAINERD_SOCK, '--namespace', 'moby', 'task', 'ls'], { env }));
  return r.stdout.split('\n').map((l) => l.trim().split(/\s+/)).find((f) => f[0] === id)?.[2];
}
/** The v1 file of a controller for a host pid: /sys/fs/cgroup/<controller><its cgroup>/<file>. */
function v1File(pid: number, controller: string, file: string): string {
  const line = fs.readFileSync(`/proc/${pid}/cgroup`, 'utf8').split('\n').find((l) => l.split(':')[1]?.split(',').includes(controller));
  const cg = line?.split(':')[2];
  if (cg === undefined) throw new Error(`pid ${pid} has no ${controller} cgroup`);
  return fs.readFileSync(`/sys/fs/cgroup/${controller}${cg}/${file}`, 'utf8').trim();
}

/** A container that says it started, traps TERM (exit 42) and USR1, and waits. */
const TRAPPING = 'trap "echo got-term; exit 42" TERM; trap "echo got-usr1" USR1; echo started; while :; do sleep 0.2; done';

let n = 0;
/** both() of lib.ts, with a fresh container name per runtime: `<what>-runc-N`, `<what>-under-test-N`. */
function compare<T>(what: string, scenario: (runtime: string, name: string) => Promise<T>) {
  return both(BASELINE, TESTED, (rt) => scenario(rt, `${what}-${rt}-${++n}`));
}

keepTraceOfFailures(E, trace, 'docker');

async function removeAll(): Promise<string[]> {
  const ids = (await docker(['ps', '--all', '--quiet'])).stdout.split('\n').filter(Boolean);
  if (ids.length === 0) return [];
  const r = await docker(['rm', '--force', '--volumes', ...ids], { timeoutMs: 60000 });
  return r.code === 0 ? [] : [describeResult(r)];
}

afterEach(async () => {
  // Every test cleans up after itself, even when it failed (and the daemon is up again).
  if (!dockerd.running) await dockerd.start();
  const problems = await removeAll();
  if (problems.length) console.error(`cleanup:\n${problems.join('\n')}`);
});

beforeAll(async () => {
  containerd = await startContainerd(path.join(D, 'containerd'));
  await dockerd.start();
  ok(await docker(['load', '--input', path.join(E.work, 'images', 'busybox-docker.tar')], { timeoutMs: 60000 }));
});

afterAll(async () => {
  const problems: string[] = [];
  if (dockerd.running) {
    problems.push(...(await removeAll()));
    const r = await docker(['rmi', '--force', IMG]);
    if (r.code !== 0) problems.push(describeResult(r));
  }
  problems.push(...(await dockerd.stop(20000)));
  problems.push(...((await containerd?.stop()) ?? []));
  // Shims are started by our containerd; they must be gone once their containers are.
  problems.push(...killLeftovers(CONTAINERD_SOCK, 'shim'));
  // dockerd leaves its data-root bind-mounted on itself (and, after a crash, overlays and
  // network namespaces): unmount whatever is under WORK/docker.
  problems.push(...(await unmountUnder(D)).map((m) => `cannot unmount ${m}`));
  problems.push(...removeCgroupTree(CG_PARENT));
  if (problems.length) throw new Error(`docker cleanup:\n${problems.join('\n')}`);
});

describe('docker run', () => {
  test('output and exit code', async () => {
    const r = await compare('run', async (rt) => {
      const x = await dockerRun(rt, ['--rm', IMG, 'sh', '-c', 'echo "hello from $(hostname | wc -c) chars"; exit 3']);
      return { code: x.code, stdout: x.stdout };
    });
    expect(r.baseline).toEqual({ code: 3, stdout: 'hello from 13 chars\n' });
    expect(r.tested).toEqual(r.baseline);
  });

  test('-d, exec, logs, stop: TERM reaches the process (exit 42)', async () => {
    const r = await compare('detach', async (rt, name) => {
      ok(await dockerRun(rt, ['-d', '--name', name, '--env', 'FOO=bar', IMG, 'sh', '-c', TRAPPING]));
      await waitLogs(name, 'started');
      const exec = await docker(['exec', name, 'sh', '-c', 'echo "in exec FOO=$FOO pid1=$(cat /proc/1/cmdline | head -c 2)"; exit 7']);
      const stdin = await docker(['exec', '-i', name, 'sh', '-c', 'read l; echo "got $l"'], { input: 'a line\n' });
      const stop = await docker(['stop', '--time', '10', name]);
      return {
        exec: [exec.code, exec.stdout],
        stdin: [stdin.code, stdin.stdout],
        stop: [stop.code, stop.ms < 8000],
        exited: await inspect(name, '{{.State.Status}} {{.State.ExitCode}}'),
        logs: await logs(name),
      };
    });
    expect(r.baseline).toEqual({
      exec: [7, 'in exec FOO=bar pid1=sh\n'],
      stdin: [0, 'got a line\n'],
      stop: [0, true],
      exited: 'exited 42',
      logs: 'started\ngot-term\n',
    });
    expect(r.tested).toEqual(r.baseline);
  });

  test('--read-only with --tmpfs: only the tmpfs is writable, with its options', async () => {
    const r = await compare('readonly', async (rt) => {
      const x = await dockerRun(rt, ['--rm', '--read-only', '--tmpfs', '/scratch:rw,size=1m,mode=1770,uid=1000', IMG, 'sh', '-c',
        'touch /x 2>&1; touch /scratch/y && echo scratch-ok; stat -c "%a %u" /scratch; grep " /scratch " /proc/mounts; grep " / " /proc/mounts | cut -d" " -f4 | cut -d, -f1']);
      return { code: x.code, stdout: x.stdout };
    });
    expect(r.baseline.code).toBe(0);
    expect(r.baseline.stdout).toMatch(/^touch: \/x: Read-only file system\nscratch-ok\n1770 1000\ntmpfs \/scratch tmpfs rw,nosuid,nodev,noexec,relatime,size=1024k,mode=1770,uid=1000 0 0\nro\n$/);
    expect(r.tested).toEqual(r.baseline);
  });

  test('--memory, --cpus and --pids-limit are in the container cgroup', async () => {
    const r = await compare('limits', async (rt, name) => {
      ok(await dockerRun(rt, ['-d', '--name', name, '--memory', '64m', '--memory-swap', '96m', '--cpus', '0.5', '--pids-limit', '30', IMG, 'sleep', '1000']));
      const pid = Number(await inspect(name, '{{.State.Pid}}'));
      const id = await inspect(name, '{{.Id}}');
      const cgroup = fs.readFileSync(`/proc/${pid}/cgroup`, 'utf8').split('\n').find((l) => l.includes(':memory:'))?.split(':')[2];
      return {
        cgroup: cgroup === `${CG_PARENT}/${id}`,
        memory: v1File(pid, 'memory', 'memory.limit_in_bytes'),
        memsw: v1File(pid, 'memory', 'memory.memsw.limit_in_bytes'),
        quota: v1File(pid, 'cpu', 'cpu.cfs_quota_us'),
        period: v1File(pid, 'cpu', 'cpu.cfs_period_us'),
        pids: v1File(pid, 'pids', 'pids.max'),
      };
    });
    expect(r.baseline).toEqual({ cgroup: true, memory: String(64 << 20), memsw: String(96 << 20), quota: '50000', period: '100000', pids: '30' });
    expect(r.tested).toEqual(r.baseline);
  });

  test('--init: docker-init is pid 1 and reaps', async () => {
    const r = await compare('init', async (rt) => {
      const x = await dockerRun(rt, ['--rm', '--init', IMG, 'sh', '-c', 'tr "\\0" " " </proc/1/cmdline; echo; sh -c "sleep 0.1 &"; sleep 0.5; ps -o stat,comm | grep -c "^Z"']);
      return { code: x.code, stdout: x.stdout };
    });
    expect(r.baseline.code).toBe(1); // grep -c counted no zombie
    expect(r.baseline.stdout).toMatch(/^\/sbin\/docker-init -- sh -c .*\n0\n$/);
    expect(r.tested).toEqual(r.baseline);
  });

  test('--cap-drop ALL, --security-opt no-new-privileges, --user', async () => {
    const r = await compare('confine', async (rt) => {
      const status = 'id; grep -E "^(CapEff|CapPrm|CapBnd|NoNewPrivs):" /proc/self/status';
      const confined = await dockerRun(rt, ['--rm', '--cap-drop', 'ALL', '--security-opt', 'no-new-privileges', '--user', '1000:1001', IMG, 'sh', '-c', status]);
      const plain = await dockerRun(rt, ['--rm', IMG, 'sh', '-c', status]);
      return { confined: [confined.code, confined.stdout], plain: [plain.code, plain.stdout] };
    });
    expect(r.baseline.confined).toEqual([0, 'uid=1000 gid=1001 groups=1001\nCapPrm:\t0000000000000000\nCapEff:\t0000000000000000\nCapBnd:\t0000000000000000\nNoNewPrivs:\t1\n']);
    expect(r.baseline.plain).toEqual([0, 'uid=0(root) gid=0(root) groups=0(root)\nCapPrm:\t00000000a80425fb\nCapEff:\t00000000a80425fb\nCapBnd:\t00000000a80425fb\nNoNewPrivs:\t0\n']);
    expect(r.tested).toEqual(r.baseline);
  });

  test('--restart on-failure:2: started three times, then left exited', async () => {
    const r = await compare('restart', async (rt, name) => {
      ok(await dockerRun(rt, ['-d', '--name', name, '--restart', 'on-failure:2', IMG, 'sh', '-c', 'echo run; exit 1']));
      await waitFor(async () => (await inspect(name, '{{.RestartCount}} {{.State.Status}}')) === '2 exited', 20000, 200);
      return { state: await inspect(name, '{{.RestartCount}} {{.State.Status}} {{.State.ExitCode}}'), logs: await logs(name) };
    });
    expect(r.baseline).toEqual({ state: '2 exited 1', logs: 'run\nrun\nrun\n' });
    expect(r.tested).toEqual(r.baseline);
  });

  test('a HEALTHCHECK runs in the container: unhealthy, then healthy', async () => {
    const r = await compare('health', async (rt, name) => {
      ok(await dockerRun(rt, ['-d', '--name', name, '--health-cmd', 'cat /tmp/ok', '--health-interval', '1s', '--health-retries', '1', IMG, 'sleep', '1000']));
      const first = await waitInspect(name, '{{.State.Health.Status}}', 'unhealthy');
      ok(await docker(['exec', name, 'sh', '-c', 'echo fine > /tmp/ok']));
      const then = await waitInspect(name, '{{.State.Health.Status}}', 'healthy');
      const log = JSON.parse(await inspect(name, '{{json .State.Health.Log}}')) as { ExitCode: number; Output: string }[];
      const last = log.at(-1);
      return { first, then, last: last && { ExitCode: last.ExitCode, Output: last.Output } };
    });
    expect(r.baseline).toEqual({ first: 'unhealthy', then: 'healthy', last: { ExitCode: 0, Output: 'fine\n' } });
    expect(r.tested).toEqual(r.baseline);
  });
});

describe('docker on a running container', () => {
  test('pause and unpause: frozen (containerd says PAUSED), then running again', async () => {
    const r = await compare('pause', async (rt, name) => {
      ok(await dockerRun(rt, ['-d', '--name', name, IMG, 'sh', '-c', 'i=0; while :; do i=$((i+1)); echo "tick $i"; sleep 0.1; done']));
      await waitLogs(name, 'tick 2');
      const id = await inspect(name, '{{.Id}}');
      const p = await docker(['pause', name]);
      const paused = await inspect(name, '{{.State.Status}} {{.State.Paused}}');
      const task = await taskStatus(id);
      const frozen = await logs(name);
      await sleep(500);
      const still = (await logs(name)) === frozen;
      const u = await docker(['unpause', name]);
      const running = await inspect(name, '{{.State.Status}}');
      const moved = await waitFor(async () => (await logs(name)).length > frozen.length, 5000);
      return { pause: p.code, paused, task, still, unpause: u.code, running, moved, taskAfter: await taskStatus(id) };
    });
    expect(r.baseline).toEqual({ pause: 0, paused: 'paused true', task: 'PAUSED', still: true, unpause: 0, running: 'running', moved: true, taskAfter: 'RUNNING' });
    expect(r.tested).toEqual(r.baseline);
  });

  test('stats --no-stream reads the container cgroup', async () => {
    const r = await compare('stats', async (rt, name) => {
      ok(await dockerRun(rt, ['-d', '--name', name, '--memory', '64m', IMG, 'sleep', '1000']));
      const s = ok(await docker(['stats', '--no-stream', '--format', '{{.PIDs}}|{{.MemUsage}}', name]));
      const [pids, mem] = s.stdout.trim().split('|');
      return { pids, limit: mem?.split(' / ')[1], used: /^[1-9][0-9.]*[KM]iB$/.test(mem?.split(' / ')[0] ?? '') };
    });
    expect(r.baseline).toEqual({ pids: '1', limit: '64MiB', used: true });
    expect(r.tested).toEqual(r.baseline);
  });

  test('update: new limits reach the cgroup of a running container', async () => {
    const r = await compare('update', async (rt, name) => {
      ok(await dockerRun(rt, ['-d', '--name', name, '--memory', '128m', '--memory-swap', '256m', '--cpus', '1', IMG, 'sleep', '1000']));
      const u = await docker(['update', '--memory', '64m', '--memory-swap', '64m', '--cpus', '0.25', '--pids-limit', '20', name]);
      const pid = Number(await inspect(name, '{{.State.Pid}}'));
      return {
        update: u.code,
        memory: v1File(pid, 'memory', 'memory.limit_in_bytes'),
        memsw: v1File(pid, 'memory', 'memory.memsw.limit_in_bytes'),
        quota: v1File(pid, 'cpu', 'cpu.cfs_quota_us'),
        pids: v1File(pid, 'pids', 'pids.max'),
        hostConfig: await inspect(name, '{{.HostConfig.Memory}} {{.HostConfig.NanoCpus}} {{.HostConfig.PidsLimit}}'),
      };
    });
    expect(r.baseline).toEqual({ update: 0, memory: String(64 << 20), memsw: String(64 << 20), quota: '25000', pids: '20', hostConfig: `${64 << 20} 250000000 20` });
    expect(r.tested).toEqual(r.baseline);
  });

  test('kill -s: a trapped USR1 keeps it running, KILL ends it with 137', async () => {
    const r = await compare('kill', async (rt, name) => {
      ok(await dockerRun(rt, ['-d', '--name', name, IMG, 'sh', '-c', TRAPPING]));
      await waitLogs(name, 'started');
      const usr1 = await docker(['kill', '--signal', 'USR1', name]);
      const got = (await waitLogs(name, 'got-usr1')).includes('got-usr1');
      const alive = await inspect(name, '{{.State.Status}}');
      const kill = await docker(['kill', '--signal', 'KILL', name]);
      const w = await docker(['wait', name]);
      return { usr1: usr1.code, got, alive, kill: kill.code, exit: w.stdout.trim() };
    });
    expect(r.baseline).toEqual({ usr1: 0, got: true, alive: 'running', kill: 0, exit: '137' });
    expect(r.tested).toEqual(r.baseline);
  });
});

describe('dockerd restart with live-restore', () => {
  test('containers keep running while dockerd is down, and it takes them back (exec, stop)', async () => {
    const names = { [BASELINE]: `live-${BASELINE}-${++n}`, [TESTED]: `live-${TESTED}-${++n}` };
    const pids: Record<string, number> = {};
    for (const [rt, name] of Object.entries(names)) {
      ok(await dockerRun(rt, ['-d', '--name', name, IMG, 'sh', '-c', TRAPPING]));
      await waitLogs(name, 'started');
      pids[rt] = Number(await inspect(name, '{{.State.Pid}}'));
    }
    expect(await dockerd.stop(20000)).toEqual([]);
    await sleep(500);
    const aliveWhileDown = Object.fromEntries(Object.entries(pids).map(([rt, pid]) => [rt, pidAlive(pid)]));
    await dockerd.start();
    const after: Record<string, unknown> = {};
    for (const [rt, name] of Object.entries(names)) {
      const state = await inspect(name, '{{.State.Status}} {{.State.Pid}}');
      const exec = await docker(['exec', name, 'echo', 'back']);
      const stop = await docker(['stop', '--time', '10', name]);
      after[rt] = { state: state === `running ${pids[rt]}`, exec: [exec.code, exec.stdout], stop: stop.code, exit: await inspect(name, '{{.State.ExitCode}}'), logs: await logs(name) };
    }
    expect(aliveWhileDown).toEqual({ [BASELINE]: true, [TESTED]: true });
    expect(after[BASELINE]).toEqual({ state: true, exec: [0, 'back\n'], stop: 0, exit: '42', logs: 'started\ngot-term\n' });
    expect(after[TESTED]).toEqual(after[BASELINE]);
  });
});
