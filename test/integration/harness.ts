/**
 * Real containers for integration tests: a sandbox per test file with its own --root,
 * its own cgroup parent and its own bundles, and a cleanup that runs even when the
 * test failed (delete --force of every container, then the cgroups and directories).
 */
import { spawnSync, type SpawnSyncOptions } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Spec } from '../../src/spec/generated/types.js';

const repo = path.resolve(__dirname, '..', '..');
export const TSRUNC = path.join(repo, 'dist', 'tsrunc');
export const ROOTFS = path.join(repo, 'bundles', 'example', 'rootfs');
export const TEST_ROOT = '/run/tsrunc-test';
/** This test run's eBPF collector pins (vitest.config.ts; removed by the global teardown), never /sys/fs/bpf/tsrunc. */
export const TEST_BPF_PIN_DIR = process.env['TSRUNC_BPF_PIN_DIR'] || `/sys/fs/bpf/tsrunc-test-${process.pid}`;

export interface Result {
  status: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/** The environment of every tsrunc call: without the CA bundle that slows Node start-up. */
export function cleanEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, TSRUNC_BPF_PIN_DIR: TEST_BPF_PIN_DIR, ...extra };
  delete env['NODE_EXTRA_CA_CERTS'];
  delete env['TSRUNC_NATIVE_DIR'];
  return env;
}

export function baseConfig(args: string[]): Spec {
  return {
    ociVersion: '1.2.1',
    process: {
      terminal: false,
      user: { uid: 0, gid: 0 },
      args,
      env: ['PATH=/usr/sbin:/usr/bin:/sbin:/bin', 'TERM=xterm'],
      cwd: '/',
      capabilities: {
        bounding: ['CAP_AUDIT_WRITE', 'CAP_KILL', 'CAP_NET_BIND_SERVICE'],
        effective: ['CAP_AUDIT_WRITE', 'CAP_KILL', 'CAP_NET_BIND_SERVICE'],
        permitted: ['CAP_AUDIT_WRITE', 'CAP_KILL', 'CAP_NET_BIND_SERVICE'],
      },
      rlimits: [{ type: 'RLIMIT_NOFILE', hard: 1024, soft: 1024 }],
      noNewPrivileges: true,
    },
    root: { path: ROOTFS, readonly: true },
    hostname: 'tsrunc-test',
    mounts: [
      { destination: '/proc', type: 'proc', source: 'proc' },
      { destination: '/dev', type: 'tmpfs', source: 'tmpfs', options: ['nosuid', 'strictatime', 'mode=755', 'size=65536k'] },
      { destination: '/dev/pts', type: 'devpts', source: 'devpts', options: ['nosuid', 'noexec', 'newinstance', 'ptmxmode=0666', 'mode=0620'] },
      { destination: '/dev/shm', type: 'tmpfs', source: 'shm', options: ['nosuid', 'noexec', 'nodev', 'mode=1777', 'size=65536k'] },
      { destination: '/dev/mqueue', type: 'mqueue', source: 'mqueue', options: ['nosuid', 'noexec', 'nodev'] },
      { destination: '/sys', type: 'sysfs', source: 'sysfs', options: ['nosuid', 'noexec', 'nodev', 'ro'] },
      { destination: '/tmp', type: 'tmpfs', source: 'tmpfs', options: ['nosuid', 'nodev', 'mode=1777'] },
    ],
    linux: {
      namespaces: [{ type: 'pid' }, { type: 'network' }, { type: 'ipc' }, { type: 'uts' }, { type: 'mount' }, { type: 'cgroup' }],
      maskedPaths: ['/proc/kcore', '/proc/keys', '/proc/timer_list', '/sys/firmware'],
      readonlyPaths: ['/proc/bus', '/proc/fs', '/proc/irq', '/proc/sys', '/proc/sysrq-trigger'],
    },
  };
}

export class Sandbox {
  readonly root: string;
  /** Every container cgroup of this sandbox lives below this absolute cgroup path. */
  readonly cgParent: string;
  private readonly dirs: string[] = [];
  private n = 0;

  constructor(name: string) {
    const tag = `${name}-${process.pid}-${crypto.randomBytes(3).toString('hex')}`;
    this.root = path.join(TEST_ROOT, tag);
    this.cgParent = `/tsrunc-test-${tag}`;
  }

  /** A fresh container id. */
  id(prefix = 'c'): string {
    return `${prefix}${++this.n}`;
  }

  tmpdir(): string {
    const d = fs.mkdtempSync(path.join(os.tmpdir(), 'tsrunc-test-'));
    this.dirs.push(d);
    return d;
  }

  /** A bundle directory with config.json (root.path points at the shared read-only rootfs). */
  bundle(args: string[], mutate?: (spec: Spec) => void): string {
    const dir = this.tmpdir();
    const spec = baseConfig(args);
    spec.linux!.cgroupsPath = `${this.cgParent}/b${++this.n}`;
    mutate?.(spec);
    fs.writeFileSync(path.join(dir, 'config.json'), JSON.stringify(spec, null, 2));
    return dir;
  }

  /** Runs tsrunc with this sandbox's --root. */
  tsrunc(args: string[], opts: SpawnSyncOptions = {}): Result {
    return run(TSRUNC, ['--root', this.root, ...args], opts);
  }

  /** run a one-shot container and return its output and status. */
  run(args: string[], mutate?: (spec: Spec) => void, opts: SpawnSyncOptions = {}): Result {
    const bundle = this.bundle(args, mutate);
    return this.tsrunc(['run', '--bundle', bundle, this.id('run')], opts);
  }

  cleanup(): void {
    for (const id of fs.existsSync(this.root) ? fs.readdirSync(this.root) : []) {
      this.tsrunc(['delete', '--force', id]);
    }
    fs.rmSync(this.root, { recursive: true, force: true });
    try { fs.rmdirSync(TEST_ROOT); } catch { /* other sandboxes still use it */ }
    removeCgroupTree(this.cgParent);
    for (const d of this.dirs) fs.rmSync(d, { recursive: true, force: true });
  }
}

/**
 * Runs a command and collects its output through files, not pipes: a created container
 * keeps the runtime's stdout and stderr (that is the contract), and a pipe would then
 * not reach EOF until the container exits.
 */
export function run(cmd: string, args: string[], opts: SpawnSyncOptions = {}): Result {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tsrunc-out-'));
  const out = fs.openSync(path.join(dir, 'out'), 'w+');
  const err = fs.openSync(path.join(dir, 'err'), 'w+');
  try {
    const stdio = (opts.stdio as unknown[] | undefined) ?? ['pipe'];
    const r = spawnSync(cmd, args, {
      timeout: 60_000,
      env: cleanEnv(),
      ...opts,
      stdio: [stdio[0] ?? 'pipe', out, err, ...stdio.slice(3)] as SpawnSyncOptions['stdio'],
    });
    return {
      status: r.status,
      signal: r.signal,
      stdout: fs.readFileSync(path.join(dir, 'out'), 'utf8'),
      stderr: fs.readFileSync(path.join(dir, 'err'), 'utf8'),
    };
  } finally {
    fs.closeSync(out);
    fs.closeSync(err);
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

/** Removes a cgroup directory tree (deepest first) in every hierarchy it exists in. */
export function removeCgroupTree(cgPath: string): void {
  for (const h of fs.readdirSync('/sys/fs/cgroup')) {
    const top = path.join('/sys/fs/cgroup', h, cgPath);
    if (!fs.existsSync(top)) continue;
    const walk = (d: string): void => {
      for (const e of fs.readdirSync(d, { withFileTypes: true })) if (e.isDirectory()) walk(path.join(d, e.name));
      try { fs.rmdirSync(d); } catch { /* still busy: the test will report it */ }
    };
    walk(top);
  }
}

/** Every path below /sys/fs/cgroup/<hierarchy><cgPath> that still exists. */
export function cgroupLeftovers(cgPath: string): string[] {
  return fs.readdirSync('/sys/fs/cgroup').map((h) => path.join('/sys/fs/cgroup', h, cgPath)).filter((p) => fs.existsSync(p));
}

export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

export async function waitFor(cond: () => boolean, what: string, timeoutMs = 10_000): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await sleep(10);
  }
}

export function alive(pid: number): boolean {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    return !/\) [ZX] /.test(stat);
  } catch {
    return false;
  }
}
