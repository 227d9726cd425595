#!/usr/bin/env node
// Container start-up benchmark: tsrunc vs runc vs crun, side by side.
//
//   node bench/run.mjs [--iterations 30] [--warmup 3] [--runtimes tsrunc,runc,crun]
//                      [--scenarios run,lifecycle] [--tsrunc PATH] [--runc PATH] [--crun PATH] [--json]
//
// Scenarios (the container runs /bin/true from a busybox rootfs):
//   run        `R --root S run --bundle B ID`  (foreground; the runtime deletes the container)
//   lifecycle  `create --pid-file P` → `start` → wait until the container process has exited
//              → `delete`  (wall time of the whole sequence, and per phase)
// Iterations are interleaved: every iteration runs each scenario once per runtime, in an order
// rotated by one each iteration, so drift of the machine hits all runtimes alike.
// See bench/README.md. Plain Node ESM, no dependencies. Run as root.

import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const CGROUP_ROOT = '/sys/fs/cgroup';
const CALL_TIMEOUT_MS = 30_000;
const EXIT_WAIT_MS = 10_000;
const MAX_CONSECUTIVE_FAILURES = 3;
const ALL_SCENARIOS = ['run', 'lifecycle'];

// ---------------------------------------------------------------------------------------------
// options

function usage(code) {
  (code ? process.stderr : process.stdout).write(
    `usage: node bench/run.mjs [--iterations N] [--warmup N] [--runtimes tsrunc,runc,crun]
                          [--scenarios run,lifecycle] [--tsrunc PATH] [--runc PATH] [--crun PATH] [--json]
`);
  process.exit(code);
}

function options() {
  let v;
  try {
    ({ values: v } = parseArgs({
      options: {
        iterations: { type: 'string', default: '30' },
        warmup: { type: 'string', default: '3' },
        runtimes: { type: 'string', default: 'tsrunc,runc,crun' },
        scenarios: { type: 'string', default: ALL_SCENARIOS.join(',') },
        tsrunc: { type: 'string', default: path.join(REPO, 'dist', 'tsrunc') },
        runc: { type: 'string', default: 'runc' },
        crun: { type: 'string', default: 'crun' },
        json: { type: 'boolean', default: false },
        help: { type: 'boolean', short: 'h', default: false },
      },
    }));
  } catch (e) {
    process.stderr.write(`${e.message}\n`);
    usage(2);
  }
  if (v.help) usage(0);
  const int = (name, min) => {
    const n = Number(v[name]);
    if (!Number.isInteger(n) || n < min) {
      process.stderr.write(`--${name} must be an integer >= ${min}\n`);
      usage(2);
    }
    return n;
  };
  const list = (name, allowed) => {
    const items = v[name].split(',').map((s) => s.trim()).filter(Boolean);
    const bad = items.filter((s) => !allowed.includes(s));
    if (bad.length || !items.length) {
      process.stderr.write(`--${name}: expected a list of ${allowed.join(', ')}\n`);
      usage(2);
    }
    return [...new Set(items)];
  };
  return {
    iterations: int('iterations', 1),
    warmup: int('warmup', 1), // the first warm-up run is each runtime's "does it work" check
    runtimes: list('runtimes', ['tsrunc', 'runc', 'crun']),
    scenarios: list('scenarios', ALL_SCENARIOS),
    paths: { tsrunc: v.tsrunc, runc: v.runc, crun: v.crun },
    json: v.json,
  };
}

// ---------------------------------------------------------------------------------------------
// small helpers

const childEnv = { ...process.env };
delete childEnv.NODE_EXTRA_CA_CERTS; // adds ~40 ms to every Node start (tsrunc is Node)

const sleepCell = new Int32Array(new SharedArrayBuffer(4));
const sleepMs = (ms) => Atomics.wait(sleepCell, 0, 0, ms);
const tick = () => new Promise((resolve) => setImmediate(resolve)); // lets signal handlers run
const nowMs = () => Number(process.hrtime.bigint()) / 1e6;
const log = (msg) => process.stderr.write(`${msg}\n`);

function which(cmd) {
  if (cmd.includes('/')) return isExecutable(cmd) ? path.resolve(cmd) : null;
  for (const dir of (process.env.PATH || '').split(':')) {
    const p = path.join(dir || '.', cmd);
    if (isExecutable(p)) return p;
  }
  return null;
}

function isExecutable(p) {
  try {
    fs.accessSync(p, fs.constants.X_OK);
    return fs.statSync(p).isFile();
  } catch {
    return false;
  }
}

function readText(p) {
  try {
    return fs.readFileSync(p, 'utf8');
  } catch {
    return '';
  }
}

/** Runs argv with stdin=/dev/null and stdout+stderr to logFile (never a pipe: a created
 *  container inherits the runtime's stdio, and spawnSync would wait for a pipe to close). */
function call(argv, logFile, timeout = CALL_TIMEOUT_MS) {
  const fd = fs.openSync(logFile, 'w');
  const t0 = nowMs();
  let r;
  try {
    r = spawnSync(argv[0], argv.slice(1), {
      env: childEnv,
      stdio: ['ignore', fd, fd],
      timeout,
      killSignal: 'SIGKILL',
    });
  } finally {
    fs.closeSync(fd);
  }
  const ms = nowMs() - t0;
  const ok = !r.error && r.status === 0;
  return { ok, ms, detail: ok ? '' : describeFailure(r, logFile) };
}

function describeFailure(r, logFile) {
  const out = readText(logFile).trim().split('\n').slice(-3).join(' | ');
  const how = r.error ? r.error.message : r.signal ? `killed by ${r.signal}` : `exit ${r.status}`;
  return out ? `${how}: ${out}` : how;
}

function capture(argv) {
  const r = spawnSync(argv[0], argv.slice(1), { env: childEnv, encoding: 'utf8', timeout: 10_000 });
  return r.status === 0 ? `${r.stdout}`.trim() : '';
}

// ---------------------------------------------------------------------------------------------
// machine

function cgroupMode() {
  if (fs.existsSync(`${CGROUP_ROOT}/cgroup.controllers`)) return 'unified (v2)';
  if (fs.existsSync(`${CGROUP_ROOT}/unified/cgroup.controllers`)) return 'hybrid (v1 + v2 at /sys/fs/cgroup/unified)';
  return 'legacy (v1)';
}

function machineInfo() {
  const cpus = os.cpus();
  return {
    kernel: `${os.type()} ${os.release()} ${os.arch()}`,
    cpu: `${cpus[0]?.model ?? '?'} × ${cpus.length}`,
    memory: `${Math.round(os.totalmem() / 2 ** 30)} GiB`,
    os: (readText('/etc/os-release').match(/^PRETTY_NAME="?([^"\n]*)/m) || [])[1] || '?',
    node: process.version,
    cgroups: cgroupMode(),
  };
}

// ---------------------------------------------------------------------------------------------
// bundle

/** runc `spec` defaults, minus the network namespace and the terminal, running /bin/true. */
function benchConfig(ociVersion, rootfs, cgroupsPath) {
  const caps = ['CAP_AUDIT_WRITE', 'CAP_KILL', 'CAP_NET_BIND_SERVICE'];
  return {
    ociVersion,
    process: {
      terminal: false,
      user: { uid: 0, gid: 0 },
      args: ['/bin/true'],
      env: ['PATH=/usr/sbin:/usr/bin:/sbin:/bin', 'TERM=xterm'],
      cwd: '/',
      capabilities: { bounding: caps, effective: caps, permitted: caps, ambient: caps },
      rlimits: [{ type: 'RLIMIT_NOFILE', hard: 1024, soft: 1024 }],
      noNewPrivileges: true,
    },
    root: { path: rootfs, readonly: true },
    hostname: 'bench',
    mounts: [
      { destination: '/proc', type: 'proc', source: 'proc' },
      { destination: '/dev', type: 'tmpfs', source: 'tmpfs', options: ['nosuid', 'strictatime', 'mode=755', 'size=65536k'] },
      { destination: '/dev/pts', type: 'devpts', source: 'devpts', options: ['nosuid', 'noexec', 'newinstance', 'ptmxmode=0666', 'mode=0620', 'gid=5'] },
      { destination: '/dev/shm', type: 'tmpfs', source: 'shm', options: ['nosuid', 'noexec', 'nodev', 'mode=1777', 'size=65536k'] },
      { destination: '/dev/mqueue', type: 'mqueue', source: 'mqueue', options: ['nosuid', 'noexec', 'nodev'] },
      { destination: '/sys', type: 'sysfs', source: 'sysfs', options: ['nosuid', 'noexec', 'nodev', 'ro'] },
      { destination: '/sys/fs/cgroup', type: 'cgroup', source: 'cgroup', options: ['nosuid', 'noexec', 'nodev', 'relatime', 'ro'] },
    ],
    linux: {
      cgroupsPath,
      resources: { devices: [{ allow: false, access: 'rwm' }] },
      namespaces: [{ type: 'pid' }, { type: 'ipc' }, { type: 'uts' }, { type: 'mount' }],
      maskedPaths: [
        '/proc/acpi', '/proc/asound', '/proc/kcore', '/proc/keys', '/proc/latency_stats',
        '/proc/timer_list', '/proc/timer_stats', '/proc/sched_debug', '/sys/firmware', '/proc/scsi',
      ],
      readonlyPaths: ['/proc/bus', '/proc/fs', '/proc/irq', '/proc/sys', '/proc/sysrq-trigger'],
    },
  };
}

// crun 1.8.1 rejects ociVersion 1.2.x ("unknown version specified"): each runtime gets the spec
// version it reports in `--version` ("spec: 1.0.0"), or 1.2.1 when it reports none.
const DEFAULT_OCI_VERSION = '1.2.1';

// ---------------------------------------------------------------------------------------------
// the run: state, cleanup, signals

class Bench {
  constructor(opts) {
    this.opts = opts;
    this.tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'tsrunc-bench-'));
    this.cgroupParent = `tsrunc-bench-${process.pid}`;
    this.idPrefix = `tb${process.pid}-`;
    this.seq = 0;
    this.runtimes = [];
    this.interrupted = null;
  }

  newId(rt, scenario) {
    return `${this.idPrefix}${rt.name}-${scenario}-${++this.seq}`;
  }

  setup() {
    const rootfs = path.join(this.tmp, 'rootfs');
    const mk = spawnSync('bash', [path.join(REPO, 'scripts', 'make-rootfs.sh'), rootfs], {
      env: childEnv,
      encoding: 'utf8',
    });
    if (mk.status !== 0) throw new Error(`make-rootfs.sh failed: ${mk.stderr || mk.error}`);

    // crun refuses hybrid hosts: run it in a private mount namespace where an empty tmpfs hides
    // /sys/fs/cgroup/unified (host mounts untouched). `hide-unified.sh TARGET ARGS...`
    this.hybrid = fs.existsSync(`${CGROUP_ROOT}/unified/cgroup.controllers`);
    this.wrapper = path.join(this.tmp, 'hide-unified.sh');
    fs.writeFileSync(
      this.wrapper,
      `#!/bin/sh
exec unshare --mount --propagation private sh -c \\
  'mount -t tmpfs -o size=4k,mode=0555 tsrunc-bench-hide ${CGROUP_ROOT}/unified && exec "$0" "$@"' "$@"
`,
      { mode: 0o755 },
    );

    for (const name of this.opts.runtimes) {
      const rt = { name, requested: this.opts.paths[name], status: 'ok', error: '', failures: 0, consecutive: 0 };
      this.runtimes.push(rt);
      rt.bin = which(rt.requested);
      if (!rt.bin) {
        rt.status = 'missing';
        rt.error = `not found: ${rt.requested}`;
        continue;
      }
      rt.wrapped = name === 'crun' && this.hybrid;
      rt.cmd = rt.wrapped ? [this.wrapper, rt.bin] : [rt.bin];
      const ver = capture([rt.bin, '--version']);
      rt.version = ver.split('\n')[0] || '?';
      rt.ociVersion = (ver.match(/^spec:\s*(\S+)/m) || [])[1] || DEFAULT_OCI_VERSION;
      rt.root = path.join(this.tmp, `state-${name}`);
      rt.bundle = path.join(this.tmp, `bundle-${name}`);
      rt.log = path.join(this.tmp, `${name}.log`);
      rt.pidFile = path.join(this.tmp, `${name}.pid`);
      rt.live = new Set(); // ids that may exist in rt.root
      fs.mkdirSync(rt.root, { mode: 0o700 });
      fs.mkdirSync(rt.bundle);
      // one cgroup per runtime under the bench's own parent; runtimes add the container id
      rt.cgroupsBase = `/${this.cgroupParent}/${name}`;
      fs.writeFileSync(path.join(rt.bundle, 'config.json'), '{}');
    }
  }

  /** config.json is rewritten per container: each gets its own absolute cgroupsPath. */
  writeConfig(rt, id) {
    const cfg = benchConfig(rt.ociVersion, path.join(this.tmp, 'rootfs'), `${rt.cgroupsBase}/${id}`);
    fs.writeFileSync(path.join(rt.bundle, 'config.json'), JSON.stringify(cfg));
  }

  rt(rt, args) {
    return [...rt.cmd, '--root', rt.root, ...args];
  }

  // --- scenarios: each returns { ok, ms, phases?, detail } --------------------------------

  scenarioRun(rt) {
    const id = this.newId(rt, 'run');
    this.writeConfig(rt, id);
    rt.live.add(id);
    const r = call(this.rt(rt, ['run', '--bundle', rt.bundle, id]), rt.log);
    if (r.ok) rt.live.delete(id);
    else this.forceDelete(rt, id);
    return r;
  }

  scenarioLifecycle(rt) {
    const id = this.newId(rt, 'lifecycle');
    this.writeConfig(rt, id);
    fs.rmSync(rt.pidFile, { force: true });
    rt.live.add(id);
    const phases = {};
    const t0 = nowMs();
    const fail = (phase, r) => {
      this.forceDelete(rt, id);
      return { ok: false, ms: nowMs() - t0, detail: `${phase}: ${r.detail}` };
    };

    let r = call(this.rt(rt, ['create', '--bundle', rt.bundle, '--pid-file', rt.pidFile, id]), rt.log);
    phases.create = r.ms;
    if (!r.ok) return fail('create', r);
    const pid = Number.parseInt(readText(rt.pidFile), 10);
    if (!(pid > 0)) return fail('create', { detail: `no pid in ${rt.pidFile}` });

    r = call(this.rt(rt, ['start', id]), rt.log);
    phases.start = r.ms;
    if (!r.ok) return fail('start', r);

    // `start` returns once the process is released; wait for it to exit by watching
    // /proc/PID (it becomes a zombie of the reaper: the same cost for every runtime, and no
    // extra runtime invocations such as polling `state`, whose cost would differ per runtime).
    const tw = nowMs();
    const exited = waitExit(pid, EXIT_WAIT_MS);
    phases.wait = nowMs() - tw;
    if (!exited) return fail('wait', { detail: `pid ${pid} still running after ${EXIT_WAIT_MS} ms` });

    r = call(this.rt(rt, ['delete', id]), rt.log);
    phases.delete = r.ms;
    if (!r.ok) return fail('delete', r);
    rt.live.delete(id);
    return { ok: true, ms: nowMs() - t0, phases };
  }

  /** The crun wrapper's own cost: `hide-unified.sh /bin/true` vs `/bin/true` spawned directly. */
  scenarioSpawn(kind) {
    const argv = kind === 'wrapper' ? [this.wrapper, '/bin/true'] : ['/bin/true'];
    return call(argv, path.join(this.tmp, `${kind}.log`));
  }

  forceDelete(rt, id) {
    call(this.rt(rt, ['delete', '--force', id]), path.join(this.tmp, 'cleanup.log'));
    if (!fs.existsSync(path.join(rt.root, id))) rt.live.delete(id);
  }

  // --- cleanup -----------------------------------------------------------------------------

  cleanup() {
    const problems = [];
    for (const rt of this.runtimes) {
      if (!rt.cmd || !fs.existsSync(rt.root)) continue;
      const listed = capture(this.rt(rt, ['list', '--quiet'])).split('\n').filter(Boolean);
      for (const id of new Set([...rt.live, ...listed])) this.forceDelete(rt, id);
      if (rt.live.size) problems.push(`${rt.name}: could not delete ${[...rt.live].join(', ')}`);
    }
    problems.push(...this.removeCgroups());
    try {
      fs.rmSync(this.tmp, { recursive: true, force: true });
    } catch (e) {
      problems.push(`rm -r ${this.tmp}: ${e.message}`);
    }
    for (const p of problems) log(`cleanup: ${p}`);
  }

  /** Depth-first rmdir of every cgroup this run caused: /sys/fs/cgroup/<h>/tsrunc-bench-PID,
   *  and, in case a runtime ignored the absolute cgroupsPath, any directory named after one of
   *  our container ids (prefix tbPID-) anywhere in the hierarchies. */
  removeCgroups() {
    const problems = [];
    const hierarchies = fs.existsSync(`${CGROUP_ROOT}/cgroup.controllers`)
      ? [CGROUP_ROOT]
      : fs.readdirSync(CGROUP_ROOT).map((h) => `${CGROUP_ROOT}/${h}`).filter(isCgroupDir);
    const ours = (name) => name === this.cgroupParent || name.startsWith(this.idPrefix);
    const found = [];
    const walk = (dir, depth) => {
      let entries;
      try {
        entries = fs.readdirSync(dir, { withFileTypes: true });
      } catch {
        return;
      }
      for (const e of entries) {
        if (!e.isDirectory()) continue;
        const p = `${dir}/${e.name}`;
        if (ours(e.name)) found.push(p);
        else if (depth < 8) walk(p, depth + 1);
      }
    };
    for (const h of hierarchies) walk(h, 0);
    for (const dir of found) {
      const err = rmdirTree(dir);
      if (err) problems.push(err);
    }
    return problems;
  }
}

function isCgroupDir(p) {
  try {
    return fs.statSync(p).isDirectory() && fs.existsSync(`${p}/cgroup.procs`);
  } catch {
    return false;
  }
}

/** rmdir children first. A cgroup still holding processes (a container the runtimes failed to
 *  delete — started by this run, since the cgroup is ours) gets them SIGKILLed first. */
function rmdirTree(dir) {
  let entries = [];
  try {
    entries = fs.readdirSync(dir, { withFileTypes: true });
  } catch {
    return null;
  }
  for (const e of entries) {
    if (e.isDirectory()) {
      const err = rmdirTree(`${dir}/${e.name}`);
      if (err) return err;
    }
  }
  for (let attempt = 0; ; attempt++) {
    try {
      fs.rmdirSync(dir);
      return null;
    } catch (e) {
      if (e.code === 'ENOENT') return null;
      if (e.code !== 'EBUSY' || attempt >= 20) return `rmdir ${dir}: ${e.code}`;
      for (const pid of readText(`${dir}/cgroup.procs`).split('\n').filter(Boolean)) {
        try {
          process.kill(Number(pid), 'SIGKILL');
        } catch {}
      }
      sleepMs(50);
    }
  }
}

/** True once /proc/PID is gone or a zombie. */
function waitExit(pid, timeoutMs) {
  const deadline = nowMs() + timeoutMs;
  for (;;) {
    const stat = readText(`/proc/${pid}/stat`);
    if (!stat) return true;
    const state = stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3);
    if (state === 'Z' || state === 'X') return true;
    if (nowMs() > deadline) return false;
    sleepMs(0.2);
  }
}

// ---------------------------------------------------------------------------------------------
// statistics and output

function stats(samples) {
  const s = [...samples].sort((a, b) => a - b);
  const n = s.length;
  if (!n) return null;
  const mean = s.reduce((a, b) => a + b, 0) / n;
  const median = n % 2 ? s[(n - 1) / 2] : (s[n / 2 - 1] + s[n / 2]) / 2;
  const p90 = s[Math.min(n - 1, Math.ceil(0.9 * n) - 1)];
  const sd = Math.sqrt(s.reduce((a, x) => a + (x - mean) ** 2, 0) / Math.max(1, n - 1));
  return { n, median, p90, mean, min: s[0], max: s[n - 1], stdev: sd };
}

const shift = (st, d) =>
  st && { ...st, median: st.median - d, p90: st.p90 - d, mean: st.mean - d, min: st.min - d, max: st.max - d };

const INVOCATIONS = { run: 1, lifecycle: 3 }; // runtime invocations per scenario (crun wrapper count)

function summarize(bench, samples) {
  const out = { scenarios: {}, wrapper: null };
  const direct = stats(samples.spawn?.direct ?? []);
  const wrapped = stats(samples.spawn?.wrapper ?? []);
  if (direct && wrapped) {
    out.wrapper = { direct, wrapper: wrapped, overheadMs: wrapped.median - direct.median };
  }
  for (const sc of bench.opts.scenarios) {
    const rows = [];
    for (const rt of bench.runtimes) {
      if (!samples[sc]?.[rt.name]) continue;
      const st = stats(samples[sc][rt.name].map((x) => x.ms));
      if (!st) continue;
      const row = { runtime: rt.name, ...st };
      if (sc === 'lifecycle') {
        row.phases = {};
        for (const ph of ['create', 'start', 'wait', 'delete']) {
          row.phases[ph] = stats(samples[sc][rt.name].map((x) => x.phases[ph])).median;
        }
      }
      rows.push(row);
      if (rt.wrapped && out.wrapper) {
        const net = shift(st, INVOCATIONS[sc] * out.wrapper.overheadMs);
        rows.push({ runtime: `${rt.name} (net of wrapper)`, estimated: true, ...net });
      }
    }
    const base = rows.find((r) => r.runtime === 'runc');
    for (const r of rows) {
      if (base && r !== base) {
        r.vsRunc = { median: r.median / base.median, mean: r.mean / base.mean };
      }
    }
    out.scenarios[sc] = rows;
  }
  return out;
}

function table(headers, rows) {
  const w = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => String(r[i]).length)));
  const line = (cells) =>
    cells.map((c, i) => (i ? String(c).padStart(w[i]) : String(c).padEnd(w[i]))).join('  ').trimEnd();
  return [line(headers), w.map((n) => '-'.repeat(n)).join('  '), ...rows.map(line)].join('\n');
}

const f1 = (x) => (x == null ? '' : x.toFixed(1));
const f2 = (x) => (x == null ? '' : `${x.toFixed(2)}×`);

function render(report) {
  const L = [];
  const m = report.machine;
  L.push(`machine:  ${m.kernel}; ${m.cpu}; ${m.memory}; ${m.os}`);
  L.push(`          node ${m.node}; cgroups ${m.cgroups}`);
  for (const rt of report.runtimes) {
    const what = rt.status === 'ok'
      ? `${rt.version} (${rt.bin}${rt.wrapped ? ', via hide-unified wrapper' : ''}; ociVersion ${rt.ociVersion})`
      : `${rt.status.toUpperCase()}: ${rt.error}`;
    L.push(`${(rt.name + ':').padEnd(9)} ${what}`);
  }
  L.push(`runs:     ${report.iterations} iterations interleaved round-robin, ${report.warmup} warm-up; times in ms` +
    (report.interrupted ? ` (INTERRUPTED by ${report.interrupted}: partial results)` : ''));
  for (const [sc, rows] of Object.entries(report.summary.scenarios)) {
    L.push('');
    L.push(sc === 'run' ? 'run /bin/true' : 'create → start → wait for exit → delete, /bin/true');
    if (!rows.length) {
      L.push('(no results)');
      continue;
    }
    L.push(table(
      ['runtime', 'n', 'median', 'p90', 'mean', 'min', 'stdev', '÷runc median', '÷runc mean'],
      rows.map((r) => [r.runtime, r.n, f1(r.median), f1(r.p90), f1(r.mean), f1(r.min), f1(r.stdev),
        f2(r.vsRunc?.median), f2(r.vsRunc?.mean)]),
    ));
    const withPhases = rows.filter((r) => r.phases);
    if (withPhases.length) {
      L.push('');
      L.push(table(
        ['phase medians', 'create', 'start', 'wait', 'delete'],
        withPhases.map((r) => [r.runtime, f1(r.phases.create), f1(r.phases.start), f1(r.phases.wait), f1(r.phases.delete)]),
      ));
    }
  }
  const w = report.summary.wrapper;
  if (w) {
    L.push('');
    L.push(`crun wrapper (unshare -m + mount tmpfs over /sys/fs/cgroup/unified): /bin/true direct ` +
      `${f1(w.direct.median)} ms, via wrapper ${f1(w.wrapper.median)} ms (medians) → ` +
      `${f1(w.overheadMs)} ms per crun invocation, subtracted ×1 (run) / ×3 (lifecycle) in the "net" rows`);
  }
  const failed = report.runtimes.filter((r) => r.failures);
  for (const rt of failed) L.push(`${rt.name}: ${rt.failures} failed iteration(s); last: ${rt.lastError}`);
  return L.join('\n');
}

// ---------------------------------------------------------------------------------------------
// main

async function main() {
  const opts = options();
  if (process.getuid?.() !== 0) log('warning: not root; the runtimes will most likely fail');
  const bench = new Bench(opts);
  const onSignal = (sig) => {
    if (bench.interrupted) return;
    bench.interrupted = sig;
    log(`\n${sig}: stopping after the current call, then cleaning up`);
  };
  for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP']) process.on(sig, onSignal);

  const samples = {};
  const record = (sc, name, r) => ((samples[sc] ??= {})[name] ??= []).push(r);
  try {
    bench.setup();
    const active = () => bench.runtimes.filter((r) => r.status === 'ok');
    const runScenario = (sc, rt) => (sc === 'run' ? bench.scenarioRun(rt) : bench.scenarioLifecycle(rt));
    const check = async () => {
      await tick();
      if (bench.interrupted) throw Object.assign(new Error(`interrupted by ${bench.interrupted}`), { interrupted: true });
    };
    const measureWrapper = active().some((r) => r.wrapped);

    const total = opts.warmup + opts.iterations;
    for (let i = 0; i < total; i++) {
      const warm = i < opts.warmup;
      if (process.stderr.isTTY) {
        process.stderr.write(`\r${warm ? 'warm-up' : 'iteration'} ${warm ? i + 1 : i + 1 - opts.warmup}/${warm ? opts.warmup : opts.iterations}   `);
      }
      for (const sc of opts.scenarios) {
        const rts = active();
        const k = rts.length ? i % rts.length : 0;
        for (const rt of [...rts.slice(k), ...rts.slice(0, k)]) {
          const r = runScenario(sc, rt);
          await check();
          if (r.ok) {
            rt.consecutive = 0;
            if (!warm) record(sc, rt.name, r);
            continue;
          }
          if (i === 0) {
            rt.status = 'failed';
            rt.error = `first ${sc} failed: ${r.detail}`;
            log(`\n${rt.name}: ${rt.error} — continuing without it`);
            continue;
          }
          rt.failures++;
          rt.lastError = `${sc}: ${r.detail}`;
          if (++rt.consecutive >= MAX_CONSECUTIVE_FAILURES) {
            rt.status = 'failed';
            rt.error = `${rt.consecutive} failures in a row, last: ${rt.lastError}`;
            log(`\n${rt.name}: ${rt.error} — dropped`);
          }
        }
      }
      if (measureWrapper) {
        const order = i % 2 ? ['wrapper', 'direct'] : ['direct', 'wrapper'];
        for (const kind of order) {
          const r = bench.scenarioSpawn(kind);
          await check();
          if (r.ok && !warm) record('spawn', kind, r.ms);
        }
      }
    }
    if (process.stderr.isTTY) process.stderr.write('\n');
  } catch (e) {
    log(e.interrupted ? `\n${e.message}` : `\nerror: ${e.stack || e}`);
    process.exitCode = e.interrupted ? 130 : 1;
  } finally {
    bench.cleanup();
  }
  // results so far are still printed after an interruption
  if (!bench.runtimes.length || (process.exitCode && !bench.interrupted)) return;
  const report = {
    machine: machineInfo(),
    iterations: opts.iterations,
    warmup: opts.warmup,
    interrupted: bench.interrupted ?? undefined,
    runtimes: bench.runtimes.map((r) => ({
      name: r.name, status: r.status, error: r.error, bin: r.bin, version: r.version,
      ociVersion: r.ociVersion, wrapped: !!r.wrapped, failures: r.failures, lastError: r.lastError,
    })),
    summary: summarize(bench, samples),
    samples: Object.fromEntries(Object.entries(samples).map(([sc, byRt]) => [
      sc,
      Object.fromEntries(Object.entries(byRt).map(([n, xs]) => [n, xs.map((x) => (typeof x === 'number' ? x : x.ms))])),
    ])),
  };
  process.stdout.write(opts.json ? `${JSON.stringify(report, null, 2)}\n` : `${render(report)}\n`);
  if (!report.runtimes.some((r) => r.status === 'ok')) process.exitCode = 1;
}

await main();
