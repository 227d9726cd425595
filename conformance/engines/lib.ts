/**
 * Helpers for the end-to-end tests of podman and containerd against an OCI runtime.
 *
 * Everything lives under one work dir (made by global-setup.ts with setup.sh): private
 * engine configs, storage, sockets, FIFOs, and the runtime trace written by the wrapper
 * WORK/bin/<runtime basename>. Commands run with a timeout in their own process group,
 * which is killed (by its id, nothing else) when the timeout fires.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { beforeEach, inject, test } from 'vitest';

export interface E2E {
  /** the work dir (absolute) */
  work: string;
  /** the runtime under test (absolute) */
  runtime: string;
  /** what the engines are given: the tracing wrapper (or a symlink to the runtime) */
  wrapper: string;
  /** whether WORK/runtime-trace.log is written */
  traced: boolean;
  /** unique for this run: names the cgroup parents and the containerd namespace */
  runId: string;
  /** where failing tests leave their slice of the runtime trace */
  results: string;
}

declare module 'vitest' {
  export interface ProvidedContext {
    e2e: E2E;
  }
}

export function e2e(): E2E {
  return inject('e2e');
}

export interface Result {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  ms: number;
  timedOut: boolean;
  /** the command line, for messages */
  cmd: string;
}

export interface RunOptions {
  input?: string;
  env?: NodeJS.ProcessEnv;
  cwd?: string;
  timeoutMs?: number;
}

/** The environment the engines get: ours, without what only slows Node start-up down. */
export function baseEnv(extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, ...extra };
  delete env['NODE_EXTRA_CA_CERTS'];
  delete env['TSRUNC_NATIVE_DIR'];
  return env;
}

export function run(file: string, args: string[], opts: RunOptions = {}): Promise<Result> {
  const t0 = Date.now();
  const cmd = [file, ...args].map(shq).join(' ');
  return new Promise((resolve, reject) => {
    const child = spawn(file, args, {
      cwd: opts.cwd ?? '/',
      env: opts.env ?? baseEnv(),
      stdio: ['pipe', 'pipe', 'pipe'],
      detached: true, // its own process group: a timeout kills exactly what it started
    });
    let stdout = '';
    let stderr = '';
    let timedOut = false;
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    child.stdin.on('error', () => {}); // EPIPE when the command does not read its input
    child.stdin.end(opts.input ?? '');
    const timer = setTimeout(() => {
      timedOut = true;
      try {
        if (child.pid) process.kill(-child.pid, 'SIGKILL');
      } catch {
        /* already gone */
      }
    }, opts.timeoutMs ?? 30000);
    child.on('error', (e) => {
      clearTimeout(timer);
      reject(e);
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr, ms: Date.now() - t0, timedOut, cmd });
    });
  });
}

/** `script` gives the command a pty as its stdin/stdout/stderr (for -t / -it). */
export function runInPty(file: string, args: string[], opts: RunOptions = {}): Promise<Result> {
  const cmd = [file, ...args].map(shq).join(' ');
  return run('script', ['-qec', cmd, '/dev/null'], opts).then((r) => ({ ...r, cmd: `script: ${cmd}` }));
}

export function describeResult(r: Result): string {
  return (
    `$ ${r.cmd}\n→ exit ${r.code}${r.signal ? ` signal ${r.signal}` : ''}${r.timedOut ? ' (TIMED OUT, killed)' : ''}` +
    ` after ${r.ms} ms\n--- stdout:\n${r.stdout}\n--- stderr:\n${r.stderr}`
  );
}

/** Throws (with the whole result) unless the command exited 0. */
export function ok(r: Result): Result {
  if (r.code !== 0) throw new Error(`command failed:\n${describeResult(r)}`);
  return r;
}

export function shq(s: string): string {
  return /^[A-Za-z0-9_@%+=:,./-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`;
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Polls fn until it returns a truthy value or the time is up (then returns the last value). */
export async function waitFor<T>(fn: () => Promise<T> | T, timeoutMs = 10000, stepMs = 100): Promise<T> {
  const end = Date.now() + timeoutMs;
  let v = await fn();
  while (!v && Date.now() < end) {
    await sleep(stepMs);
    v = await fn();
  }
  return v;
}

export function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    // a zombie still answers kill(0): look at its state
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    return !/^\d+ \(.*\) Z /.test(stat);
  } catch {
    return false;
  }
}

/** Mount points at or under dir (from our own mountinfo). */
export function mountsUnder(dir: string): string[] {
  const out: string[] = [];
  for (const line of fs.readFileSync('/proc/self/mountinfo', 'utf8').split('\n')) {
    const mp = line.split(' ')[4];
    if (!mp) continue;
    const p = mp.replace(/\\040/g, ' ');
    if (p === dir || p.startsWith(dir + '/')) out.push(p);
  }
  return out;
}

/** Processes whose command line mentions needle (e.g. the work dir): conmon, shims, … */
export function processesMentioning(needle: string): { pid: number; cmdline: string }[] {
  const out: { pid: number; cmdline: string }[] = [];
  for (const d of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(d) || Number(d) === process.pid) continue;
    let cmdline: string;
    try {
      cmdline = fs.readFileSync(`/proc/${d}/cmdline`, 'utf8').replace(/\0/g, ' ').trim();
    } catch {
      continue;
    }
    if (cmdline.includes(needle)) out.push({ pid: Number(d), cmdline });
  }
  return out;
}

/** Kills (by pid) the processes that mention needle and should be gone; returns "<what> left running: …" for each. */
export function killLeftovers(needle: string, what: string): string[] {
  return processesMentioning(needle).map((p) => {
    try {
      process.kill(p.pid, 'SIGKILL'); // started, directly or through an engine, by this run
    } catch {
      /* gone */
    }
    return `${what} left running: ${p.pid} ${p.cmdline}`;
  });
}

const CGROUP_ROOT = '/sys/fs/cgroup';

/** Every directory named parent (absolute cgroup path) in every hierarchy that has it. */
export function cgroupDirs(parent: string): string[] {
  const out: string[] = [];
  for (const h of fs.readdirSync(CGROUP_ROOT)) {
    const d = path.join(CGROUP_ROOT, h, parent);
    if (fs.existsSync(d)) out.push(d);
  }
  return out;
}

/**
 * Removes the cgroup tree `parent` (absolute cgroup path) in every hierarchy, deepest first.
 * rmdir only succeeds on an empty cgroup: what cannot be removed is returned (with the
 * processes still in it), so that a leak fails the suite instead of being hidden.
 */
export function removeCgroupTree(parent: string): string[] {
  const problems: string[] = [];
  const walk = (d: string) => {
    for (const e of fs.readdirSync(d, { withFileTypes: true })) if (e.isDirectory()) walk(path.join(d, e.name));
    try {
      fs.rmdirSync(d);
    } catch (e) {
      let procs = '';
      try {
        procs = fs.readFileSync(path.join(d, 'cgroup.procs'), 'utf8').trim().split('\n').join(',');
      } catch {
        /* ignore */
      }
      problems.push(`${d}: ${(e as Error).message}${procs ? ` (processes: ${procs})` : ''}`);
    }
  };
  for (const d of cgroupDirs(parent)) walk(d);
  return problems;
}

/** The runtime trace: read what was appended after a mark. */
export class Trace {
  constructor(readonly file: string) {}
  mark(): number {
    try {
      return fs.statSync(this.file).size;
    } catch {
      return 0;
    }
  }
  since(mark: number): string {
    try {
      const fd = fs.openSync(this.file, 'r');
      try {
        const size = fs.fstatSync(fd).size;
        const buf = Buffer.alloc(Math.max(0, size - mark));
        fs.readSync(fd, buf, 0, buf.length, mark);
        return buf.toString('utf8');
      } finally {
        fs.closeSync(fd);
      }
    } catch {
      return '';
    }
  }
  /** The argv lines of the runtime calls since mark ("kill --all ID 15", …), global flags dropped. */
  calls(mark: number): string[] {
    return this.since(mark)
      .split('\n')
      .filter((l) => l.startsWith('argv: '))
      .map((l) => l.slice(6));
  }
}

/** Registers the hook that leaves a failed test's runtime calls in results/ ("<engine> <test>.trace"). */
export function keepTraceOfFailures(e: E2E, trace: Trace, engine: string): void {
  beforeEach(({ task, onTestFailed }) => {
    const mark = trace.mark();
    onTestFailed(() => {
      const f = saveFailureTrace(e, trace, mark, `${engine} ${task.name}`);
      if (f) console.error(`runtime calls of the failed test "${task.name}": ${f}`);
    });
  });
}

/** Saves the trace slice of a failed test under results/ and says where. */
export function saveFailureTrace(e: E2E, trace: Trace, mark: number, testName: string): string | undefined {
  const text = trace.since(mark);
  if (!text) return undefined;
  fs.mkdirSync(e.results, { recursive: true });
  const f = path.join(e.results, `${testName.replace(/[^A-Za-z0-9_.-]+/g, '_').slice(0, 120)}.trace`);
  fs.writeFileSync(f, text);
  return f;
}

export interface DaemonOptions {
  /** the command and its arguments */
  file: string;
  args: string[];
  /** where its stdout and stderr go (appended) */
  log: string;
  cwd: string;
  env?: NodeJS.ProcessEnv;
  /** true once it answers (e.g. `ctr version` succeeds) */
  ready: () => Promise<boolean>;
  startTimeoutMs?: number;
}

/**
 * A daemon started by a test (containerd, dockerd) in its own process group, and stopped
 * by its pid: TERM, then KILL after a timeout (said in the problems returned).
 */
export class Daemon {
  private child: ChildProcess | undefined;
  private exited: Promise<void> = Promise.resolve();

  constructor(readonly name: string, private readonly o: DaemonOptions) {}

  get pid(): number | undefined {
    return this.running ? this.child?.pid : undefined;
  }

  get running(): boolean {
    return this.child !== undefined && this.child.exitCode === null && this.child.signalCode === null;
  }

  async start(): Promise<void> {
    if (this.running) throw new Error(`${this.name} is already running (pid ${this.child?.pid})`);
    const log = fs.openSync(this.o.log, 'a');
    const child = spawn(this.o.file, this.o.args, { cwd: this.o.cwd, env: this.o.env ?? baseEnv(), stdio: ['ignore', log, log], detached: true });
    fs.closeSync(log);
    this.child = child;
    this.exited = new Promise<void>((r) => child.once('exit', () => r()));
    const up = await Promise.race([
      waitFor(async () => this.running && (await this.o.ready()), this.o.startTimeoutMs ?? 20000, 200),
      this.exited.then(() => false),
    ]);
    if (!up) {
      const problems = await this.stop(5000);
      throw new Error(`${this.name} did not come up${problems.length ? ` (${problems.join('; ')})` : ''}: see ${this.o.log}`);
    }
  }

  /** Stops it (TERM, then KILL after timeoutMs); returns what went wrong, for the cleanup report. */
  async stop(timeoutMs = 10000): Promise<string[]> {
    const child = this.child;
    if (!child || !this.running) return [];
    child.kill('SIGTERM');
    if (await Promise.race([this.exited.then(() => true), sleep(timeoutMs).then(() => false)])) return [];
    child.kill('SIGKILL');
    await this.exited;
    return [`${this.name} ignored SIGTERM for ${timeoutMs / 1000} s: killed`];
  }
}

/** Unmounts every mount point at or under dir, deepest first; returns the ones that stay. */
export async function unmountUnder(dir: string): Promise<string[]> {
  const failed: string[] = [];
  for (const mp of mountsUnder(dir).reverse()) {
    const r = await run('umount', [mp], { timeoutMs: 10000 });
    if (r.code !== 0 && mountsUnder(mp).includes(mp)) failed.push(`${mp}: ${r.stderr.trim()}`);
  }
  return failed;
}

/**
 * A private containerd of the work dir: DIR/config.toml (written by setup.sh: root, state
 * and sockets under DIR), its log in DIR/containerd.log; ready once `ctr version` answers.
 */
export async function startContainerd(dir: string): Promise<Daemon> {
  const sock = path.join(dir, 'containerd.sock');
  const d = new Daemon('containerd', {
    file: 'containerd',
    args: ['--config', path.join(dir, 'config.toml')],
    log: path.join(dir, 'containerd.log'),
    cwd: dir,
    ready: async () => (await run('ctr', ['--address', sock, 'version'], { timeoutMs: 5000 })).code === 0,
  });
  await d.start();
  return d;
}

/** The baseline every scenario is compared with: Debian's runc. */
export const RUNC = '/usr/sbin/runc';

/**
 * Runs a scenario with the baseline runtime, then with the runtime under test (each given
 * as the engine names it), and returns both results: a test expects the baseline's to be
 * the right one, and the tested one to equal it.
 */
export async function both<T>(baseline: string, tested: string, scenario: (runtime: string) => Promise<T>): Promise<{ baseline: T; tested: T }> {
  return { baseline: await scenario(baseline), tested: await scenario(tested) };
}

/** What the runtime under test says it supports (`RUNTIME features`, runtime-spec features.md). */
export function runtimeFeatures(runtime: string): { tmpcopyup: boolean; idmap: boolean } {
  const r = spawnSync(runtime, ['features'], { encoding: 'utf8', env: baseEnv(), timeout: 20000 });
  let f: { mountOptions?: string[]; linux?: { mountExtensions?: { idmap?: { enabled?: boolean } } } } = {};
  try {
    f = JSON.parse(r.stdout);
  } catch {
    /* no features command: nothing is claimed */
  }
  return { tmpcopyup: f.mountOptions?.includes('tmpcopyup') ?? false, idmap: f.linux?.mountExtensions?.idmap?.enabled === true };
}

/**
 * `test` when `ready`, else `test.fails`: a scenario that waits for work elsewhere runs
 * anyway and must fail; once the work lands (the runtime claims the feature, or the known
 * bug is fixed) it runs as a plain test, or, still marked, fails the run until unmarked.
 */
export function testWhen(ready: boolean): typeof test {
  return ready ? test : (test.fails as typeof test);
}
