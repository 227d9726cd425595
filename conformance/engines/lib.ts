/**
 * Helpers for the end-to-end tests of podman and containerd against an OCI runtime.
 *
 * Everything lives under one work dir (made by global-setup.ts with setup.sh): private
 * engine configs, storage, sockets, FIFOs, and the runtime trace written by the wrapper
 * WORK/bin/<runtime basename>. Commands run with a timeout in their own process group,
 * which is killed (by its id, nothing else) when the timeout fires.
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { inject } from 'vitest';

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

/** Saves the trace slice of a failed test under results/ and says where. */
export function saveFailureTrace(e: E2E, trace: Trace, mark: number, testName: string): string | undefined {
  const text = trace.since(mark);
  if (!text) return undefined;
  fs.mkdirSync(e.results, { recursive: true });
  const f = path.join(e.results, `${testName.replace(/[^A-Za-z0-9_.-]+/g, '_').slice(0, 120)}.trace`);
  fs.writeFileSync(f, text);
  return f;
}
