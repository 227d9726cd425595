/**
 * podman 4.3 (through conmon) driving the runtime under test (podman.ts: the private
 * podman): run, exec, tty, signals, stop, pause, update, rm.
 */
import fs from 'node:fs';
import { describe, expect, test } from 'vitest';
import { describeResult, ok, pidAlive, run, waitFor, type Result } from './lib.js';
import { CG_PARENT, E, IMG, inspect, logs, podman, podmanPty, podmanRun, trace, usePodmanStore, waitLogs } from './podman.js';

/** Runs the real runtime itself (not through the trace wrapper), with its default root. */
function runtimeDirect(args: string[]): Promise<Result> {
  return run(E.runtime, args, { timeoutMs: 20000 });
}

let n = 0;
const name = (what: string) => `e2e-${what}-${++n}`;

/** A container that says it started, traps TERM (exit 42) and waits. */
const TRAPPING = 'trap "echo got-term; exit 42" TERM; echo started; sleep 1000 & wait';

usePodmanStore();

describe('podman run', () => {
  test('prints the output and removes the container (--rm)', async () => {
    const r = await podmanRun(['--rm', IMG, 'echo', 'hello from the container']);
    expect(r.code, describeResult(r)).toBe(0);
    expect(r.stdout).toBe('hello from the container\n');
    const ps = ok(await podman(['ps', '--all', '--quiet']));
    expect(ps.stdout.trim()).toBe('');
  });

  test('the process gets only fds 0-2 and no runtime environment', async () => {
    // ls lists its own fds: 0-2, and 3 for the directory it reads (a leaked fd would push that to 4).
    const r = await podmanRun(['--rm', IMG, 'sh', '-c', 'ls /proc/self/fd | tr "\\n" " "; echo; env | sort']);
    expect(r.code, describeResult(r)).toBe(0);
    const [fds, ...envLines] = r.stdout.split('\n');
    expect(fds?.trim()).toBe('0 1 2 3');
    const envNames = envLines.filter(Boolean).map((l) => l.split('=')[0]);
    for (const leaked of ['_OCI_SYNCPIPE', '_OCI_STARTPIPE', 'CONTAINERS_CONF', 'XDG_RUNTIME_DIR']) expect(envNames).not.toContain(leaked);
  });

  test('exit code of the container process', async () => {
    const r = await podmanRun(['--rm', IMG, 'sh', '-c', 'exit 3']);
    expect(r.code, describeResult(r)).toBe(3);
  });

  test('killed by a signal: 128+9', async () => {
    // not as pid 1 of a pid namespace: the kernel does not let that one KILL itself
    const r = await podmanRun(['--rm', '--pid=host', IMG, 'sh', '-c', 'kill -9 $$']);
    expect(r.code, describeResult(r)).toBe(137);
  });

  test('a missing executable exits 127 and names it', async () => {
    const r = await podmanRun(['--rm', IMG, '/nonexistent']);
    expect(r.code, describeResult(r)).toBe(127);
    expect(r.stderr).toMatch(/\/nonexistent/);
    expect(r.stderr).toMatch(/no such file or directory|executable file not found/i);
  });

  test('stdin (-i) reaches the process, and its EOF', async () => {
    const r = await podmanRun(['--rm', '-i', IMG, 'sh', '-c', 'cat; echo done'], { input: 'line one\nline two\n' });
    expect(r.code, describeResult(r)).toBe(0);
    expect(r.stdout).toBe('line one\nline two\ndone\n');
  });

  test('tty (-t): the process has a terminal', async () => {
    const r = await podmanPty(['run', '--cgroup-parent', CG_PARENT, '--rm', '-t', IMG, 'sh', '-c', 'tty; exit 6'], {
      input: '',
    });
    expect(r.code, describeResult(r)).toBe(6);
    expect(r.stdout).toMatch(/\/dev\/pts\/\d+/);
  });

  test('interactive tty (-it): input through the terminal', async () => {
    const r = await podmanPty(['run', '--cgroup-parent', CG_PARENT, '--rm', '-it', IMG, 'sh'], {
      input: 'echo "product=$((6*7))"\nexit 3\n',
    });
    expect(r.code, describeResult(r)).toBe(3);
    expect(r.stdout).toContain('product=42');
  });

  test('--pid=host: the container sees host pids', async () => {
    const r = await podmanRun(['--rm', '--pid=host', IMG, 'sh', '-c', 'echo $$']);
    expect(r.code, describeResult(r)).toBe(0);
    expect(Number(r.stdout.trim())).toBeGreaterThan(1);
  });
});

describe('podman detached containers', () => {
  test('run -d, logs, inspect, wait', async () => {
    const c = name('detach');
    const r = await podmanRun(['-d', '--name', c, IMG, 'sh', '-c', 'echo started; sleep 0.5; echo finished; exit 5']);
    expect(r.code, describeResult(r)).toBe(0);
    expect(r.stdout.trim()).toMatch(/^[0-9a-f]{64}$/);
    const w = await podman(['wait', c]);
    expect(w.stdout.trim(), describeResult(w)).toBe('5');
    expect(await logs(c)).toBe('started\nfinished\n');
    expect(await inspect(c, '{{.State.Status}} {{.State.ExitCode}}')).toBe('exited 5');
  });

  test('exec: output, exit code, environment of the container', async () => {
    const c = name('exec');
    ok(await podmanRun(['-d', '--name', c, '--env', 'FOO=bar', IMG, 'sh', '-c', TRAPPING]));
    const r = await podman(['exec', c, 'sh', '-c', 'echo "in exec FOO=$FOO"; exit 7']);
    expect(r.code, describeResult(r)).toBe(7);
    expect(r.stdout).toBe('in exec FOO=bar\n');
    const i = await podman(['exec', '-i', c, 'sh', '-c', 'read l; echo "got $l"'], { input: 'stdin line\n' });
    expect(i.code, describeResult(i)).toBe(0);
    expect(i.stdout).toBe('got stdin line\n');
    // the exec'd process is in the container's pid namespace
    const p = await podman(['exec', c, 'sh', '-c', 'cat /proc/1/cmdline | tr "\\0" " "']);
    expect(p.stdout, describeResult(p)).toContain('sh -c');
  });

  test('quick execs: every one reports its own exit code', async () => {
    const c = name('quickexec');
    ok(await podmanRun(['-d', '--name', c, IMG, 'sh', '-c', TRAPPING]));
    const got: string[] = [];
    for (let i = 0; i < 10; i++) {
      const r = await podman(['exec', c, 'sh', '-c', `exit ${10 + i}`]);
      if (r.code !== 10 + i) got.push(`exec ${i}: expected ${10 + i}, got ${r.code} ${r.stderr.trim()}`);
    }
    expect(got).toEqual([]);
  });

  test('exec of a missing executable exits 127', async () => {
    const c = name('exec127');
    ok(await podmanRun(['-d', '--name', c, IMG, 'sh', '-c', TRAPPING]));
    const r = await podman(['exec', c, '/nonexistent']);
    expect(r.code, describeResult(r)).toBe(127);
    expect(r.stderr).toMatch(/\/nonexistent/);
    // the container is still fine
    expect(ok(await podman(['exec', c, 'true'])).code).toBe(0);
  });

  test('exec -t: the exec process has a terminal', async () => {
    const c = name('exectty');
    ok(await podmanRun(['-d', '--name', c, IMG, 'sh', '-c', TRAPPING]));
    const r = await podmanPty(['exec', '-t', c, 'sh', '-c', 'tty; exit 4'], { input: '' });
    expect(r.code, describeResult(r)).toBe(4);
    expect(r.stdout).toMatch(/\/dev\/pts\/\d+/);
    const it = await podmanPty(['exec', '-it', c, 'sh'], { input: 'echo "sum=$((40+2))"\nexit 2\n' });
    expect(it.code, describeResult(it)).toBe(2);
    expect(it.stdout).toContain('sum=42');
  });

  test('pause and unpause', async () => {
    const c = name('pause');
    ok(await podmanRun(['-d', '--name', c, IMG, 'sh', '-c', TRAPPING]));
    const p = await podman(['pause', c]);
    expect(p.code, describeResult(p)).toBe(0);
    expect(await inspect(c, '{{.State.Status}}')).toBe('paused');
    const u = await podman(['unpause', c]);
    expect(u.code, describeResult(u)).toBe(0);
    expect(await inspect(c, '{{.State.Status}}')).toBe('running');
    expect(ok(await podman(['exec', c, 'echo', 'alive'])).stdout).toBe('alive\n');
  });

  test('update --memory: the limit reaches the container cgroup', async () => {
    const c = name('update');
    ok(await podmanRun(['-d', '--name', c, IMG, 'sh', '-c', TRAPPING]));
    const r = await podman(['update', '--memory', '64m', c]);
    expect(r.code, describeResult(r)).toBe(0);
    const pid = Number(await inspect(c, '{{.State.Pid}}'));
    // v1 memory controller (runc on a hybrid host) or unified memory.max
    const limits: string[] = [];
    for (const line of fs.readFileSync(`/proc/${pid}/cgroup`, 'utf8').trim().split('\n')) {
      const [, ctrls, cg] = line.split(':');
      const files =
        ctrls === 'memory'
          ? [`/sys/fs/cgroup/memory${cg}/memory.limit_in_bytes`]
          : ctrls === ''
            ? [`/sys/fs/cgroup/unified${cg}/memory.max`, `/sys/fs/cgroup${cg}/memory.max`]
            : [];
      for (const f of files) if (fs.existsSync(f)) limits.push(`${f}=${fs.readFileSync(f, 'utf8').trim()}`);
    }
    expect(limits.some((l) => l.endsWith('=67108864')), `limits found: ${limits.join(' ')}`).toBe(true);
  });

  test('stop: TERM reaches the process (exit 42)', async () => {
    const c = name('stop');
    ok(await podmanRun(['-d', '--name', c, IMG, 'sh', '-c', TRAPPING]));
    await waitLogs(c, 'started');
    const r = await podman(['stop', '--time', '10', c]);
    expect(r.code, describeResult(r)).toBe(0);
    expect(r.ms).toBeLessThan(8000);
    expect(await inspect(c, '{{.State.Status}} {{.State.ExitCode}}')).toBe('exited 42');
    expect(await logs(c)).toContain('got-term');
  });

  test('stop: KILL after the timeout when TERM is ignored', async () => {
    const c = name('stopkill');
    ok(await podmanRun(['-d', '--name', c, IMG, 'sh', '-c', 'trap "" TERM; echo started; while :; do sleep 1; done']));
    await waitLogs(c, 'started');
    const r = await podman(['stop', '--time', '1', c]);
    expect(r.code, describeResult(r)).toBe(0);
    expect(r.ms).toBeGreaterThanOrEqual(900);
    expect(r.ms).toBeLessThan(10000);
    expect(await inspect(c, '{{.State.Status}} {{.State.ExitCode}}')).toBe('exited 137');
  });

  test('restart: the process starts again', async () => {
    const c = name('restart');
    ok(await podmanRun(['-d', '--name', c, IMG, 'sh', '-c', TRAPPING]));
    await waitLogs(c, 'started');
    const pid1 = await inspect(c, '{{.State.Pid}}');
    const r = await podman(['restart', '--time', '5', c]);
    expect(r.code, describeResult(r)).toBe(0);
    expect(await inspect(c, '{{.State.Status}}')).toBe('running');
    expect(await inspect(c, '{{.State.Pid}}')).not.toBe(pid1);
    const l = await waitLogs(c, 'started\ngot-term\nstarted');
    expect(l).toContain('started\ngot-term\nstarted');
  });

  test('kill: a chosen signal, then the default (KILL)', async () => {
    const c = name('kill');
    ok(await podmanRun(['-d', '--name', c, IMG, 'sh', '-c', 'trap "echo got-usr1" USR1; echo started; while :; do sleep 0.2; done']));
    await waitLogs(c, 'started');
    const u = await podman(['kill', '--signal', 'USR1', c]);
    expect(u.code, describeResult(u)).toBe(0);
    expect(await waitLogs(c, 'got-usr1')).toContain('got-usr1');
    expect(await inspect(c, '{{.State.Status}}')).toBe('running');
    const k = await podman(['kill', c]);
    expect(k.code, describeResult(k)).toBe(0);
    const w = await podman(['wait', c]);
    expect(w.stdout.trim(), describeResult(w)).toBe('137');
  });

  test('rm -f of a running container removes it from podman and from the runtime', async () => {
    const c = name('rm');
    const id = ok(await podmanRun(['-d', '--name', c, IMG, 'sh', '-c', TRAPPING])).stdout.trim();
    const pid = Number(await inspect(c, '{{.State.Pid}}'));
    const r = await podman(['rm', '--force', '--time', '1', c]);
    expect(r.code, describeResult(r)).toBe(0);
    expect((await podman(['ps', '--all', '--quiet'])).stdout.trim()).toBe('');
    expect(await waitFor(() => !pidAlive(pid), 5000)).toBe(true);
    const s = await runtimeDirect(['state', id]);
    expect(s.code, `the runtime still knows ${id}:\n${describeResult(s)}`).not.toBe(0);
  });

  test('--pid=host: stop signals every process of the container (kill --all)', async () => {
    const c = name('pidhost');
    const id = ok(
      await podmanRun([
        '-d',
        '--name',
        c,
        '--pid=host',
        IMG,
        'sh',
        '-c',
        'sleep 1000 & echo "child=$!"; trap "exit 0" TERM; echo started; while :; do sleep 0.2; done',
      ]),
    ).stdout.trim();
    const l = await waitLogs(c, 'started');
    const child = Number(/child=(\d+)/.exec(l)?.[1]);
    expect(child, l).toBeGreaterThan(1);
    expect(pidAlive(child)).toBe(true);
    const m = trace.mark();
    const r = await podman(['stop', '--time', '5', c]);
    expect(r.code, describeResult(r)).toBe(0);
    expect(await waitFor(() => !pidAlive(child), 5000), `background child ${child} survived podman stop`).toBe(true);
    if (E.traced) expect(trace.calls(m).join('\n')).toMatch(new RegExp(`kill --all ${id} 15`));
  });
});
