/**
 * Stall insight on real containers: the eBPF collector's exact counts, fork storms,
 * CPU contention with the neighbour named, the "no eBPF" mode, and the collector's
 * cost per event (bpf_stats). The collector is pinned in the tests' own bpffs
 * directory (TSRUNC_BPF_PIN_DIR, see harness.ts), never in /sys/fs/bpf/tsrunc.
 */
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Collector, OBJECT_FILE, ensureCollector, foreignCollector, openCollector } from '../../src/observe/collector.js';
import { loadLibbpf } from '../../src/native/libbpf.js';
import type { Spec } from '../../src/spec/generated/types.js';
import { Sandbox, TEST_BPF_PIN_DIR, TSRUNC, cgroupLeftovers, cleanEnv, run, sleep, waitFor } from './harness.js';

const canBpf = process.getuid?.() === 0 && fs.existsSync('/sys/kernel/btf/vmlinux') && fs.existsSync('/sys/fs/cgroup/unified/cgroup.procs');
const sb = new Sandbox('stall-insight');
const NATIVE = path.resolve(__dirname, '..', '..', 'native', 'build');

beforeAll(() => {
  process.env['TSRUNC_NATIVE_DIR'] ??= NATIVE;
});
afterAll(() => sb.cleanup());

function cgPathOf(bundle: string): string {
  return JSON.parse(fs.readFileSync(path.join(bundle, 'config.json'), 'utf8')).linux.cgroupsPath as string;
}

/** Starts a detached container; returns its id and cgroup path. */
function start(args: string[], mutate?: (s: Spec) => void): { id: string; cg: string } {
  const bundle = sb.bundle(args, mutate);
  const id = sb.id('st');
  const r = sb.tsrunc(['run', '--detach', '--bundle', bundle, id]);
  expect(r.stderr).toBe('');
  expect(r.status).toBe(0);
  return { id, cg: cgPathOf(bundle) };
}

function remove(id: string, cg: string): void {
  expect(sb.tsrunc(['delete', '--force', id]).status).toBe(0);
  expect(cgroupLeftovers(cg)).toEqual([]);
}

/** Runs a container to its end (kept, so its counters can be read), returns its counters, deletes it. */
function countsOf(script: string, pinDir = TEST_BPF_PIN_DIR, extraEnv: Record<string, string> = {}): Record<string, number> {
  const bundle = sb.bundle(['sh', '-c', script]);
  const cg = cgPathOf(bundle);
  const id = sb.id('w');
  const env = cleanEnv({ TSRUNC_BPF_PIN_DIR: pinDir, ...extraEnv });
  const r = sb.tsrunc(['run', '--keep', '--bundle', bundle, id], { env });
  // (stderr may say "Killed": the workload's shell reports its killed child)
  expect(r.status).toBe(0);
  const ino = fs.statSync(path.join('/sys/fs/cgroup/unified', cg), { bigint: true }).ino;
  const c = openCollector(pinDir);
  expect(c).toBeDefined();
  try {
    const counts = c!.counters(ino);
    expect(counts).toBeDefined();
    expect(sb.tsrunc(['delete', '--force', id], { env }).status).toBe(0);
    expect(cgroupLeftovers(cg)).toEqual([]);
    // delete forgets the container's counters and its registration.
    expect(c!.counters(ino)).toBeUndefined();
    expect(c!.watched()).not.toContain(ino);
    return counts!;
  } finally {
    c!.close();
  }
}

interface Offender { offender: string; evidence: string; reasons: string[]; measured: { cpu_share_pct: number; cpu_pct: number; forks_per_sec?: number } }

interface StallJson {
  collector: { mode: string };
  containers: { id: string; forks_per_sec?: number; findings: { kind: string; severity: string; offenders?: Offender[] }[]; attribution?: Offender; offenders?: Offender[] }[];
}

function stalls(...flags: string[]): StallJson {
  const r = sb.tsrunc(['stalls', '--json', ...flags]);
  expect(r.stderr).toBe('');
  expect(r.status).toBe(0);
  return JSON.parse(r.stdout) as StallJson;
}

describe.skipIf(!canBpf)('stall insight (eBPF collector, PSI)', () => {
  it('counts a known fork/exec/exit workload exactly (the same container shape without it is the baseline)', () => {
    const base = countsOf('exit 0');
    const work = countsOf('i=0; while [ $i -lt 30 ]; do /bin/true; ( exit 3 ); i=$((i+1)); done; sh -c "kill -9 \\$\\$"; exit 0');
    const delta = Object.fromEntries(Object.keys(work).map((k) => [k, work[k]! - base[k]!]));
    // 30 × (/bin/true: fork+exec+exit; (exit 3): fork+exit 3) + sh killed by SIGKILL: fork+exec+exit.
    expect(delta).toMatchObject({ forks: 61, clones: 0, execs: 31, exits: 61, task_exits: 61, exits_nonzero: 31, exits_signaled: 1 });
    expect(delta['short_lived']).toBeGreaterThanOrEqual(55);
  });

  it('counts the same with the raw_tp fallback as with tp_btf', () => {
    const pins = `${TEST_BPF_PIN_DIR}-raw`;
    try {
      const script = 'i=0; while [ $i -lt 20 ]; do /bin/true; ( exit 3 ); i=$((i+1)); done; exit 0';
      const raw = { TSRUNC_BPF_FLAVOUR: 'raw_tp' };
      const delta = (a: Record<string, number>, b: Record<string, number>) => Object.fromEntries(Object.keys(a).map((k) => [k, a[k]! - b[k]!]));
      const rawDelta = delta(countsOf(script, pins, raw), countsOf('exit 0', pins, raw));
      const c = openCollector(pins)!;
      expect(c.flavour).toBe('raw_tp');
      c.close();
      expect(rawDelta).toMatchObject({ forks: 40, execs: 20, exits: 40, exits_nonzero: 20, exits_signaled: 0 });
    } finally {
      fs.rmSync(pins, { recursive: true, force: true });
    }
  });

  it('concurrent creates load the collector once: one pinned set, counts not doubled', async () => {
    const pins = `${TEST_BPF_PIN_DIR}-race`;
    try {
      const env = cleanEnv({ TSRUNC_BPF_PIN_DIR: pins });
      const started = [0, 1, 2, 3].map(() => {
        const bundle = sb.bundle(['sleep', '100']);
        const id = sb.id('race');
        const child = spawn(TSRUNC, ['--root', sb.root, 'run', '--detach', '--bundle', bundle, id], { env, stdio: 'ignore' });
        return { id, cg: cgPathOf(bundle), done: new Promise<number | null>((r) => child.on('exit', r)) };
      });
      expect(await Promise.all(started.map((s) => s.done))).toEqual([0, 0, 0, 0]);
      // One program directory and one map directory.
      const dirs = fs.readdirSync(pins).sort();
      expect(dirs).toEqual([expect.stringMatching(/^[0-9a-f]{16}$/), expect.stringMatching(/^maps-[0-9a-f]{16}$/)]);
      for (const s of started) {
        expect(sb.tsrunc(['delete', '--force', s.id], { env }).status).toBe(0);
        expect(cgroupLeftovers(s.cg)).toEqual([]);
      }
      const base = countsOf('exit 0', pins);
      const work = countsOf('i=0; while [ $i -lt 10 ]; do /bin/true; i=$((i+1)); done; exit 0', pins);
      expect(work['forks']! - base['forks']!).toBe(10);
      expect(work['execs']! - base['execs']!).toBe(10);
    } finally {
      fs.rmSync(pins, { recursive: true, force: true });
    }
  });

  it.skipIf(spawnSync('clang', ['--version']).status !== 0)('an upgrade whose maps are declared the same keeps the counters, and does not count twice', () => {
    const pins = `${TEST_BPF_PIN_DIR}-upgrade`;
    const variant = sb.tmpdir();
    const cg = path.join('/sys/fs/cgroup/unified', `tsrunc-test-upgrade-${process.pid}`);
    const before = process.env['TSRUNC_NATIVE_DIR'];
    // The same source built for BPF ISA v3: other program code, the same maps.
    const src = path.resolve(__dirname, '..', '..', 'bpf');
    const tmpObj = path.join(variant, 'full.o');
    expect(spawnSync('clang', ['-g', '-O2', '-mcpu=v3', '-target', 'bpf', '-D__TARGET_ARCH_x86', '-c', path.join(src, 'procstat.bpf.c'), '-o', tmpObj]).status).toBe(0);
    expect(spawnSync('llvm-strip', ['-g', tmpObj, '-o', path.join(variant, OBJECT_FILE)]).status).toBe(0);
    fs.mkdirSync(cg);
    const id = fs.statSync(cg, { bigint: true }).ino;
    /** n forks of /bin/true inside the cgroup. */
    const work = (n: number) => expect(spawnSync('sh', ['-c', `echo $$ > ${cg}/cgroup.procs && i=0; while [ $i -lt ${n} ]; do /bin/true; i=$((i+1)); done`]).status).toBe(0);
    const opened: Collector[] = [];
    try {
      const old = ensureCollector(pins);
      opened.push(old);
      old.register(id);
      work(5);
      const counted = old.counters(id)!;
      expect(counted.forks).toBe(5);
      process.env['TSRUNC_NATIVE_DIR'] = variant;
      const upgraded = ensureCollector(pins);
      opened.push(upgraded);
      expect(upgraded.dir).not.toBe(old.dir);
      expect(upgraded.mapsDir).toBe(old.mapsDir);
      expect(upgraded.loadedAtMs).toBe(old.loadedAtMs);
      expect(upgraded.counters(id)).toEqual(counted);
      // The old programs are detached: the next forks count once.
      expect(fs.readdirSync(pins).sort()).toEqual([path.basename(upgraded.dir), path.basename(upgraded.mapsDir)].sort());
      work(7);
      expect(upgraded.counters(id)!.forks).toBe(12);
      expect(upgraded.counters(id)!.execs).toBe(counted.execs + 7);
    } finally {
      process.env['TSRUNC_NATIVE_DIR'] = before;
      for (const c of opened) { c.unregister(id); c.close(); }
      fs.rmSync(pins, { recursive: true, force: true });
      fs.rmdirSync(cg);
    }
  });

  it('forgets registrations whose cgroup is gone when the next container is created', () => {
    const c = openCollector(TEST_BPF_PIN_DIR)!;
    const ghost = 0xdead_beef_0000n;
    try {
      c.register(ghost);
      expect(c.watched()).toContain(ghost);
      countsOf('exit 0');
      expect(c.watched()).not.toContain(ghost);
      expect(c.counters(ghost)).toBeUndefined();
    } finally {
      c.unregister(ghost);
      c.close();
    }
  });

  it('events --stats reports the cgroup, the counters and the rates since the previous call', async () => {
    const { id, cg } = start(['sh', '-c', 'while :; do /bin/true; sleep 0.1; done']);
    const first = JSON.parse(sb.tsrunc(['events', '--stats', id]).stdout).data.tsrunc;
    expect(first.cgroup.path).toBe(path.join('/sys/fs/cgroup/unified', cg));
    expect(first.cgroup.id).toBe(String(fs.statSync(first.cgroup.path).ino));
    expect(first.collector.mode).toBe('ebpf');
    expect(first.window).toBeUndefined();
    await sleep(1500);
    const second = JSON.parse(sb.tsrunc(['events', '--stats', id]).stdout).data.tsrunc;
    expect(second.proc.forks).toBeGreaterThan(first.proc.forks);
    expect(second.window.seconds).toBeGreaterThan(1);
    expect(second.window.proc.forks).toBe(second.proc.forks - first.proc.forks);
    expect(second.window.forks_per_sec).toBeGreaterThan(2);
    expect(second.window.forks_per_sec).toBeLessThan(30);
    remove(id, cg);
  });

  it('reports a fork storm within 2 s, and only in the container that has it', () => {
    const storm = start(['sh', '-c', 'while :; do /bin/true; done']);
    const quiet = start(['sleep', '100']);
    const t0 = Date.now();
    const report = stalls();
    expect(Date.now() - t0).toBeLessThan(2000);
    const s = report.containers.find((c) => c.id === storm.id)!;
    expect(s.forks_per_sec).toBeGreaterThanOrEqual(60);
    expect(s.findings).toContainEqual(expect.objectContaining({ kind: 'fork_storm', severity: 'critical' }));
    const q = report.containers.find((c) => c.id === quiet.id)!;
    expect(q.findings.map((f) => f.kind)).not.toContain('fork_storm');
    // Thresholds are flags: with a critical level above the storm it is only a warning.
    const relaxed = stalls('--forks-critical', '1000000');
    expect(relaxed.containers.find((c) => c.id === storm.id)!.findings).toContainEqual(expect.objectContaining({ kind: 'fork_storm', severity: 'warning' }));
    remove(storm.id, storm.cg);
    remove(quiet.id, quiet.cg);
  });

  it('events --interval streams a "stall" event when a finding appears, once', async () => {
    const storm = start(['sh', '-c', 'while :; do /bin/true; done']);
    const ev = spawn(TSRUNC, ['--root', sb.root, 'events', '--interval', '1s', storm.id], { env: cleanEnv(), stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    ev.stdout!.on('data', (d: Buffer) => { out += d.toString(); });
    try {
      const stallLines = () => out.split('\n').filter((l) => l.includes('"type":"stall"'));
      const until = Date.now() + 10_000;
      while (out.split('\n').filter((l) => l.includes('"type":"stats"')).length < 3 && Date.now() < until) await sleep(100);
      const stalls = stallLines().map((l) => JSON.parse(l));
      expect(stalls.filter((e) => e.data.kind === 'fork_storm')).toHaveLength(1);
      // (PSI-trigger stalls may come too, if the host is busy: this test is about the finding.)
      expect(stalls.find((e) => e.data.kind === 'fork_storm')).toMatchObject({ type: 'stall', id: storm.id, data: { kind: 'fork_storm', severity: 'critical' } });
    } finally {
      ev.kill();
    }
    remove(storm.id, storm.cg);
  });

  /** `tsrunc events` on a container, collecting its lines; `done` resolves with its exit code. */
  function streamOf(id: string, interval: string) {
    const ev = spawn(TSRUNC, ['--root', sb.root, 'events', '--interval', interval, id], { env: cleanEnv(), stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    ev.stdout!.on('data', (d: Buffer) => { out += d.toString(); });
    const done = new Promise<number | null>((r) => ev.on('exit', r));
    return { ev, done, lines: () => out.split('\n').filter((l) => l !== '').map((l) => JSON.parse(l) as { type: string; id: string; data?: Record<string, unknown> }) };
  }

  it('events streams "exit" with the exit code when the process exits, and ends', async () => {
    // A foreground run is the init's parent and reaps it: the kernel keeps the status on our pidfd.
    const bundle = sb.bundle(['sh', '-c', 'sleep 1.5; exit 7']);
    const id = sb.id('exit');
    const run = spawn(TSRUNC, ['--root', sb.root, 'run', '--keep', '--bundle', bundle, id], { env: cleanEnv(), stdio: 'ignore' });
    const runDone = new Promise<number | null>((r) => run.on('exit', r));
    await waitFor(() => sb.tsrunc(['state', id]).stdout.includes('"running"'), 'container running');
    const pid = JSON.parse(sb.tsrunc(['state', id]).stdout).pid as number;
    const s = streamOf(id, '10s');
    const t0 = Date.now();
    expect(await s.done).toBe(0);
    expect(Date.now() - t0).toBeLessThan(5000);
    expect(await runDone).toBe(7);
    const lines = s.lines();
    expect(lines.at(-1)).toEqual({ type: 'exit', id, data: { status: 7, pid } });
    remove(id, cgPathOf(bundle));
  });

  it('a detached container killed by SIGKILL: "exit" with 137, or null when nobody reaps it yet', async () => {
    const { id, cg } = start(['sleep', '100']);
    const pid = JSON.parse(sb.tsrunc(['state', id]).stdout).pid as number;
    const s = streamOf(id, '10s');
    await sleep(300);
    expect(sb.tsrunc(['kill', id, 'KILL']).status).toBe(0);
    expect(await s.done).toBe(0);
    const last = s.lines().at(-1)!;
    expect(last).toMatchObject({ type: 'exit', id, data: { pid } });
    // The detached init's parent is the host's init: whether it reaps within 1 s is its business.
    console.log(`detached SIGKILL exit event: ${JSON.stringify(last)}`);
    expect([137, null]).toContain(last.data!['status']);
    remove(id, cg);
  });

  it('a PSI trigger turns CPU contention into a "stall" event within seconds', async () => {
    const onCpu0 = (sp: Spec) => { sp.linux!.resources = { cpu: { cpus: '0' } }; };
    const victim = start(['sh', '-c', 'while :; do :; done'], onCpu0);
    // A long interval: the event must come from the trigger, not from the stats' findings.
    const s = streamOf(victim.id, '60s');
    const t0 = Date.now();
    const hog = start(['sh', '-c', 'while :; do :; done & while :; do :; done & while :; do :; done'], onCpu0);
    try {
      const cpuStall = () => s.lines().find((e) => e.type === 'stall' && e.data?.['resource'] === 'cpu');
      while (!cpuStall() && Date.now() - t0 < 10_000) await sleep(100);
      const e = cpuStall();
      console.log(`cpu stall event after ${Date.now() - t0} ms: ${JSON.stringify(e)}`);
      expect(e).toMatchObject({ type: 'stall', id: victim.id, data: { resource: 'cpu', kind: 'some', window_us: 2_000_000, threshold_us: 800_000 } });
      expect((e!.data!['psi'] as { some: { total: number } }).some.total).toBeGreaterThan(0);
      expect(s.lines().filter((l) => l.type === 'stats')).toHaveLength(0);
    } finally {
      s.ev.kill();
      await s.done;
    }
    remove(victim.id, victim.cg);
    remove(hog.id, hog.cg);
  });

  it('two CPU-bound containers on one CPU: the victim shows contention and the report names the neighbour', async () => {
    const onCpu0 = (s: Spec) => { s.linux!.resources = { cpu: { cpus: '0' } }; };
    const victim = start(['sh', '-c', 'while :; do :; done'], onCpu0);
    const hog = start(['sh', '-c', 'while :; do :; done & while :; do :; done & while :; do :; done'], onCpu0);
    stalls();
    const events = () => JSON.parse(sb.tsrunc(['events', '--stats', victim.id]).stdout) as { data: { tsrunc: { findings: { kind: string; offenders?: Offender[] }[] } } };
    events();
    await sleep(2000);
    const report = stalls();
    const v = report.containers.find((c) => c.id === victim.id)!;
    expect(v.findings.map((f) => f.kind)).toContain('cpu_contention');
    expect(v.attribution).toMatchObject({ offender: hog.id, evidence: 'inferred', reasons: ['cpu_share'] });
    // Measured: the hog's cpu time (three loops against one: most of CPU 0) and its fork rate.
    expect(v.attribution!.measured.cpu_share_pct).toBe(100);
    expect(v.attribution!.measured.cpu_pct).toBeGreaterThan(40);
    expect(v.attribution!.measured.forks_per_sec).toBe(0);
    expect(v.findings.find((f) => f.kind === 'cpu_contention')!.offenders![0]!.offender).toBe(hog.id);
    // events' findings name the same offender, over events' own window.
    const ev = events().data.tsrunc.findings.find((f) => f.kind === 'cpu_contention');
    expect(ev?.offenders?.[0]).toMatchObject({ offender: hog.id, evidence: 'inferred', reasons: ['cpu_share'] });
    const table = sb.tsrunc(['stalls']).stdout;
    expect(table).toMatch(new RegExp(`${victim.id}: warning cpu_contention .* <- ${hog.id} \\[inferred`));
    remove(victim.id, victim.cg);
    remove(hog.id, hog.cg);
  });

  it('without eBPF (no bpffs where the pins go) create still works, warns in --log, and PSI is still reported', () => {
    const log = path.join(sb.tmpdir(), 'log.json');
    const bundle = sb.bundle(['sleep', '100']);
    const id = sb.id('nobpf');
    const env = cleanEnv({ TSRUNC_BPF_PIN_DIR: path.join(sb.tmpdir(), 'tsrunc') });
    const r = sb.tsrunc(['--log', log, '--log-format', 'json', 'run', '--detach', '--bundle', bundle, id], { env });
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(fs.readFileSync(log, 'utf8')).toContain('"level":"warning","msg":"no eBPF process counters for this container: ');
    const e = JSON.parse(sb.tsrunc(['events', '--stats', id], { env }).stdout).data;
    expect(e.tsrunc.collector.mode).toBe('none');
    expect(e.tsrunc.proc).toBeUndefined();
    expect(e.cpu.psi.some).toHaveProperty('total');
    expect(stalls().collector.mode).toBe('ebpf');
    remove(id, cgPathOf(bundle));
  });

  it('never loads a second copy through a second bpffs: another mount namespace with the same pin base refuses and warns', () => {
    // Its own pin base: the production one (/sys/fs/bpf/tsrunc) and the other tests' are never touched.
    const dup = `${TEST_BPF_PIN_DIR}-dup`;
    const c = ensureCollector(dup);
    c.close();
    const lib = loadLibbpf();
    try {
      // From here, our pins lead to it: it is not foreign.
      expect(foreignCollector(lib, dup)).toBeUndefined();
      const log = path.join(sb.tmpdir(), 'log.json');
      const bundle = sb.bundle(['sleep', '100']);
      const id = sb.id('dupbpf');
      // A private mount namespace with a fresh bpffs at the pin base's parent: the pins are hidden there.
      const script = 'mount -t bpf bpf "$(dirname "$TSRUNC_BPF_PIN_DIR")" && [ ! -e "$TSRUNC_BPF_PIN_DIR" ] || exit 99; '
        + '"$0" --root "$1" --log "$2" --log-format json run --detach --bundle "$3" "$4" && "$0" --root "$1" events --stats "$4"';
      // (output to files: the detached container keeps its stdio open)
      const r = run('unshare', ['-m', '--propagation', 'private', 'sh', '-c', script, TSRUNC, sb.root, log, bundle, id], { env: cleanEnv({ TSRUNC_BPF_PIN_DIR: dup }) });
      expect(r.stderr).toBe('');
      expect(r.status).toBe(0);
      // Still one copy: seen from the host's bpffs, the only cg_pinbase for it is ours.
      expect(foreignCollector(lib, dup)).toBeUndefined();
      const reason = new RegExp(`a tsrunc collector for ${dup} is already loaded from another bpf filesystem \\(map id \\d+\\)`);
      const warning = fs.readFileSync(log, 'utf8');
      expect(warning).toContain('"level":"warning","msg":"no eBPF process counters for this container: ');
      expect(warning).toMatch(reason);
      const e = JSON.parse(r.stdout).data;
      expect(e.tsrunc.collector.mode).toBe('none');
      expect(e.tsrunc.collector.reason).toMatch(reason);
      expect(e.cpu.psi.some).toHaveProperty('total');
      remove(id, cgPathOf(bundle));
    } finally {
      fs.rmSync(dup, { recursive: true, force: true });
    }
    // With its pins removed it is unloaded: nothing left for that base.
    expect(foreignCollector(lib, dup)).toBeUndefined();
  });

  it('costs well under a microsecond per event (bpf_stats)', () => {
    const sysctl = '/proc/sys/kernel/bpf_stats_enabled';
    const before = fs.readFileSync(sysctl, 'utf8').trim();
    fs.writeFileSync(sysctl, '1');
    try {
      countsOf('i=0; while [ $i -lt 200 ]; do /bin/true; i=$((i+1)); done');
      const lib = loadLibbpf();
      const dir = openCollector(TEST_BPF_PIN_DIR)!;
      dir.close();
      const perEvent: Record<string, { runs: number; ns: number }> = {};
      for (const ev of ['fork', 'exec', 'exit']) {
        const link = lib.objGet(path.join(dir.dir, `link_${ev}`));
        expect(link).toBeGreaterThanOrEqual(0);
        const linkInfo = Buffer.alloc(64);
        expect(lib.objInfo(link, linkInfo)).toBe(0);
        fs.closeSync(link);
        const prog = lib.progFdById(linkInfo.readUInt32LE(8));
        expect(prog).toBeGreaterThanOrEqual(0);
        const info = Buffer.alloc(256);
        expect(lib.objInfo(prog, info)).toBe(0);
        fs.closeSync(prog);
        const ns = Number(info.readBigUInt64LE(192));
        const runs = Number(info.readBigUInt64LE(200));
        perEvent[ev] = { runs, ns: runs ? Math.round(ns / runs) : 0 };
      }
      // Every event on the host runs the programs, counted or not: the cost is per event.
      console.log(`collector cost per event (bpf_stats): ${JSON.stringify(perEvent)}`);
      for (const ev of ['fork', 'exec', 'exit']) {
        expect(perEvent[ev]!.runs).toBeGreaterThan(200);
        expect(perEvent[ev]!.ns).toBeLessThan(5000);
      }
    } finally {
      fs.writeFileSync(sysctl, before);
    }
  });
});
