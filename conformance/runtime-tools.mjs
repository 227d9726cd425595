#!/usr/bin/env node
// OCI runtime-tools validation suite against tsrunc (or runc / crun, for comparison).
//
//   node conformance/runtime-tools.mjs [--suite DIR] [--runtime PATH] [--only a,b,…]
//                                      [--timeout SECONDS] [--json] [--details] [--keep]
//   node conformance/runtime-tools.mjs --compare A.json B.json …
//
// The suite is not part of this repository: build it in a tree of your own (see
// conformance/README.md) and pass its root with --suite or RUNTIME_TOOLS_DIR. Each
// validation/<name>/<name>.t is run from that root, one at a time, with RUNTIME pointing at a
// wrapper around the runtime (own --root, NODE_EXTRA_CA_CERTS unset; crun additionally in a
// private mount namespace where cgroup2 is hidden, as crun 1.8.1 refuses hybrid hosts) and
// TMPDIR at a directory of its own. After each test the harness removes what that test left:
// containers under the wrapper's --root (`delete --force`), mounts under the test's TMPDIR,
// and the cgroup directories the suite's fixed paths name (`/cgrouptest`,
// `<own cgroup>/testdir`) or named after the test's container ids — only those that did not
// exist before the test, and only if empty (rmdir). Nothing else is touched.
//
// TAP is parsed here. Counting: every `ok` (not SKIP/TODO) is a pass, every `not ok` a failure,
// SKIP is counted apart. A test file that prints no assertion at all (the hook tests: `1..0`
// plus a YAML diagnostic) counts as one assertion: passed if it exits 0 without an `error`
// diagnostic, failed otherwise. A file that exits non-zero, is killed by the timeout or runs a
// number of assertions other than its plan gets one extra failed assertion saying so.
// The last line is `N passed, N failed` (assertions). Exit status: 0 when nothing failed, 1
// when something failed, 2 on a usage or set-up error. Run as root. Plain Node ESM, no deps.

import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const CGROUP_MNT = '/sys/fs/cgroup';
const SUITE_CGROUP_NAMES = ['cgrouptest']; // runtime-tools cgroups.AbsCgroupPath = /cgrouptest
const SUITE_REL_CGROUP_TOP = 'testdir'; // cgroups.RelCgroupPath = testdir/cgrouptest/container
const CALL_TIMEOUT_MS = 30_000;

// ---------------------------------------------------------------------------------------------
// options

function usage(code) {
  (code ? process.stderr : process.stdout).write(
    `usage: node conformance/runtime-tools.mjs [--suite DIR] [--runtime PATH] [--only a,b,…]
           [--timeout SECONDS] [--json] [--details] [--keep]
       node conformance/runtime-tools.mjs --compare A.json B.json …
  --suite DIR      runtime-tools tree with runtimetest and validation/*/*.t built
                   (default: $RUNTIME_TOOLS_DIR)
  --runtime PATH   runtime to test (default: ${path.join(REPO, 'dist', 'tsrunc')}); runc and crun work too
  --only LIST      comma-separated test names (e.g. hooks,linux_sysctl)
  --timeout S      per-test timeout in seconds (default 120)
  --json           print the results as JSON on stdout instead of the table
  --details        after the table, print every failed assertion with its diagnostics
  --keep           keep the work directory (bundles are removed by the suite itself)
  --compare        print a side-by-side table of earlier --json results (first file = subject)
`);
  process.exit(code);
}

function options() {
  let v;
  let positionals;
  try {
    ({ values: v, positionals } = parseArgs({
      allowPositionals: true,
      options: {
        suite: { type: 'string', default: process.env.RUNTIME_TOOLS_DIR ?? '' },
        runtime: { type: 'string', default: path.join(REPO, 'dist', 'tsrunc') },
        only: { type: 'string', default: '' },
        timeout: { type: 'string', default: '120' },
        json: { type: 'boolean', default: false },
        details: { type: 'boolean', default: false },
        keep: { type: 'boolean', default: false },
        compare: { type: 'boolean', default: false },
        help: { type: 'boolean', short: 'h', default: false },
      },
    }));
  } catch (e) {
    process.stderr.write(`${e.message}\n`);
    usage(2);
  }
  if (v.help) usage(0);
  if (v.compare) {
    if (positionals.length < 1) usage(2);
    return { compare: positionals };
  }
  if (positionals.length) usage(2);
  const timeout = Number(v.timeout);
  if (!(timeout > 0)) die(`--timeout: not a positive number: ${v.timeout}`);
  if (!v.suite) die('no suite: pass --suite DIR or set RUNTIME_TOOLS_DIR (see conformance/README.md)');
  return {
    suite: path.resolve(v.suite),
    runtime: v.runtime,
    only: v.only ? v.only.split(',').map((s) => s.trim()).filter(Boolean) : null,
    timeoutMs: timeout * 1000,
    json: v.json,
    details: v.details,
    keep: v.keep,
  };
}

function die(msg) {
  process.stderr.write(`runtime-tools: ${msg}\n`);
  process.exit(2);
}

function warn(msg) {
  process.stderr.write(`runtime-tools: warning: ${msg}\n`);
}

// ---------------------------------------------------------------------------------------------
// suite and runtime

function findTests(suite, only) {
  for (const f of ['runtimetest', 'rootfs-amd64.tar.gz']) {
    if (!fs.existsSync(path.join(suite, f))) {
      die(`${suite}/${f} is missing: is this a runtime-tools tree after \`make runtimetest validation-executables\`?`);
    }
  }
  const vdir = path.join(suite, 'validation');
  const names = fs
    .readdirSync(vdir, { withFileTypes: true })
    .filter((d) => d.isDirectory() && fs.existsSync(path.join(vdir, d.name, `${d.name}.go`)))
    .map((d) => d.name)
    .sort();
  const missing = names.filter((n) => !fs.existsSync(path.join(vdir, n, `${n}.t`)));
  if (missing.length) die(`not built: ${missing.map((n) => `validation/${n}/${n}.t`).join(', ')} (run \`make validation-executables\`)`);
  if (!only) return names;
  const unknown = only.filter((n) => !names.includes(n));
  if (unknown.length) die(`unknown test(s): ${unknown.join(', ')}`);
  return names.filter((n) => only.includes(n));
}

function suiteCommit(suite) {
  const r = spawnSync('git', ['-C', suite, 'describe', '--always', '--long', '--dirty', '--tags'], { encoding: 'utf8' });
  return r.status === 0 ? r.stdout.trim() : 'unknown';
}

function resolveRuntime(p) {
  if (p.includes('/')) {
    const abs = path.resolve(p);
    if (!fs.existsSync(abs)) die(`runtime ${abs} does not exist (for tsrunc: npm run build)`);
    return abs;
  }
  for (const dir of (process.env.PATH ?? '').split(':')) {
    const c = path.join(dir || '.', p);
    try {
      fs.accessSync(c, fs.constants.X_OK);
      return path.resolve(c);
    } catch {}
  }
  die(`runtime ${p} not found in PATH`);
}

function runtimeEnv() {
  const env = { ...process.env };
  delete env.NODE_EXTRA_CA_CERTS;
  return env;
}

function runtimeVersion(bin) {
  const r = spawnSync(bin, ['--version'], { encoding: 'utf8', env: runtimeEnv(), timeout: CALL_TIMEOUT_MS });
  const out = `${r.stdout ?? ''}`.trim();
  const first = out.split('\n')[0] ?? '';
  const m = /^(\S+) version (\S+)/.exec(first);
  return { kind: m ? m[1] : path.basename(bin), version: m ? m[2] : 'unknown', text: out };
}

function isHybrid() {
  return mountinfo().some((m) => m.mountpoint === `${CGROUP_MNT}/unified` && m.fstype === 'cgroup2');
}

const shq = (s) => `'${String(s).replace(/'/g, `'\\''`)}'`;

// The wrapper the suite runs as RUNTIME. It logs each call (one line of arguments, for the
// diagnostics and so the harness knows the container ids a test used) and runs the runtime
// with a --root of the harness's own.
function writeWrapper(work, bin, kind, root) {
  const calls = path.join(work, 'calls.log');
  const lines = [
    '#!/bin/sh',
    '# generated by conformance/runtime-tools.mjs',
    'unset NODE_EXTRA_CA_CERTS',
    `printf '%s\\n' "$*" >> ${shq(calls)}`,
  ];
  if (kind === 'crun') {
    // crun 1.8.1 rejects ociVersion 1.2.x (runtime-tools after v0.9.0 HEAD generates 1.2.x):
    // rewrite it to 1.0.2 on create, as the baseline did. The 260e151 suite writes 1.1.0.
    lines.push(
      'if [ "$1" = create ]; then',
      '  b=.; prev=',
      '  for a in "$@"; do',
      '    case "$prev" in --bundle|-b) b=$a ;; esac',
      '    case "$a" in --bundle=*) b=${a#--bundle=} ;; esac',
      '    prev=$a',
      '  done',
      '  [ -f "$b/config.json" ] && sed -i -E \'s/"ociVersion":( *)"1\\.[2-9]\\.[^"]*"/"ociVersion":\\1"1.0.2"/\' "$b/config.json"',
      'fi',
    );
    if (isHybrid()) {
      // crun refuses hybrid hosts; hide cgroup2 in a private mount namespace (host mounts
      // untouched). "$0" "$@": sh -c takes the first word after the script as $0.
      lines.push(
        `exec unshare -m --propagation private sh -c 'mount -t tmpfs -o size=4k,mode=0555 hide-unified ${CGROUP_MNT}/unified && exec "$0" "$@"' ${shq(bin)} --root ${shq(root)} "$@"`,
      );
    } else {
      lines.push(`exec ${shq(bin)} --root ${shq(root)} "$@"`);
    }
  } else {
    lines.push(`exec ${shq(bin)} --root ${shq(root)} "$@"`);
  }
  const wrapper = path.join(work, path.basename(bin)); // keeps the runtime's name
  fs.writeFileSync(wrapper, `${lines.join('\n')}\n`, { mode: 0o755 });
  return { wrapper, calls };
}

// ---------------------------------------------------------------------------------------------
// TAP

const ASSERT_RE = /^(not )?ok\b\s*(\d+)?\s*(?:-\s*)?(.*?)\s*(?:(?<!\\)#\s*(SKIP|TODO)\b\S*\s*(.*))?$/i;

export function parseTap(text) {
  const lines = text.split('\n');
  const asserts = [];
  const orphanYaml = []; // YAML before the first assertion (the hook tests print only that)
  let plan = null;
  let bailout = null;
  let header = false;
  // Diagnostics since the last assertion line. tap-go prints YAML after an assertion, but the
  // suite's RuntimeInsideValidate prints it *before* its assertion: a block between two
  // assertions is given to both (yamlAfter of the earlier, yamlBefore of the later).
  let since = [];
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i];
    if (/^\s+---\s*$/.test(line)) {
      const body = [];
      for (i++; i < lines.length && !/^\s+\.\.\.\s*$/.test(lines[i]); i++) body.push(lines[i]);
      const y = parseYaml(body.join('\n'));
      if (asserts.length) asserts[asserts.length - 1].yamlAfter.push(y);
      else orphanYaml.push(y);
      since.push(y);
      continue;
    }
    let m;
    if (/^TAP version \d+/.test(line)) {
      header = true;
      continue;
    }
    if ((m = /^1\.\.(\d+)/.exec(line))) {
      plan = Number(m[1]);
      continue;
    }
    if ((m = /^Bail out!\s*(.*)/.exec(line))) {
      bailout = m[1];
      continue;
    }
    if ((m = /^#\s?(.*)$/.exec(line))) {
      // t.Diagnostic(): the reason of the assertion just before (e.g. "subsystem pids not found")
      const c = { comment: m[1] };
      if (asserts.length) asserts[asserts.length - 1].yamlAfter.push(c);
      else orphanYaml.push(c);
      continue;
    }
    if ((m = ASSERT_RE.exec(line))) {
      const directive = m[4]?.toUpperCase() ?? null;
      asserts.push({
        n: m[2] ? Number(m[2]) : asserts.length + 1,
        ok: !m[1],
        description: m[3] ?? '',
        directive,
        reason: m[5] ?? '',
        yamlBefore: since,
        yamlAfter: [],
      });
      since = [];
    }
  }
  return { asserts, orphanYaml, plan, bailout, header };
}

// tap-go writes its YAML blocks as indented JSON objects; fall back to the raw text otherwise.
function parseYaml(s) {
  try {
    return JSON.parse(s);
  } catch {
    return { raw: s.replace(/^ {2}/gm, '') };
  }
}

// ---------------------------------------------------------------------------------------------
// host state: mounts, cgroups

function mountinfo() {
  const unesc = (s) => s.replace(/\\([0-7]{3})/g, (_, o) => String.fromCharCode(parseInt(o, 8)));
  return fs
    .readFileSync('/proc/self/mountinfo', 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((l) => {
      const [pre, post] = l.split(' - ');
      const f = pre.split(' ');
      const g = post.split(' ');
      return { id: f[0], root: unesc(f[3]), mountpoint: unesc(f[4]), fstype: g[0], source: g[1], superOpts: g[2] ?? '' };
    });
}

// Every cgroup hierarchy mounted under /sys/fs/cgroup, with the harness's own path in it (the
// runtime is a child of the harness, so relative cgroupsPaths land under this path).
function cgroupHierarchies() {
  const own = fs
    .readFileSync('/proc/self/cgroup', 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((l) => {
      const [, ctrls, p] = /^(\d+):([^:]*):(.*)$/.exec(l);
      return { ctrls: ctrls ? ctrls.split(',') : [], path: p };
    });
  const out = [];
  for (const m of mountinfo()) {
    if (!m.mountpoint.startsWith(`${CGROUP_MNT}/`) || m.root !== '/') continue;
    let mine;
    if (m.fstype === 'cgroup2') mine = own.find((o) => o.ctrls.length === 0);
    else if (m.fstype === 'cgroup') {
      const opts = m.superOpts.split(',');
      mine = own.find((o) => o.ctrls.length && o.ctrls.every((c) => opts.includes(c)));
    } else continue;
    out.push({ mount: m.mountpoint, own: mine ? mine.path : '/' });
  }
  return out;
}

function isDir(p) {
  try {
    return fs.statSync(p).isDirectory();
  } catch {
    return false;
  }
}

// The directories the suite's cgroup tests name, in every hierarchy: /cgrouptest and
// <own>/testdir (also /testdir when the runtime resolves relative paths against the root).
function suiteCgroupCandidates() {
  const out = new Set();
  for (const h of cgroupHierarchies()) {
    for (const n of SUITE_CGROUP_NAMES) out.add(path.join(h.mount, n));
    out.add(path.join(h.mount, h.own, SUITE_REL_CGROUP_TOP));
    out.add(path.join(h.mount, SUITE_REL_CGROUP_TOP));
  }
  return [...out];
}

function idCgroupCandidates(ids) {
  const out = new Set();
  for (const h of cgroupHierarchies()) {
    for (const id of ids) {
      out.add(path.join(h.mount, id));
      out.add(path.join(h.mount, h.own, id));
    }
  }
  return [...out];
}

// rmdir a cgroup directory and its sub-cgroups, deepest first. Returns what could not go.
function rmdirCgroupTree(dir) {
  const left = [];
  let entries = [];
  try {
    entries = fs.readdirSync(dir, { withFileTypes: true });
  } catch {
    return left;
  }
  for (const e of entries) if (e.isDirectory()) left.push(...rmdirCgroupTree(path.join(dir, e.name)));
  try {
    fs.rmdirSync(dir);
  } catch (e) {
    if (e.code !== 'ENOENT') left.push(`${dir} (${e.code})`);
  }
  return left;
}

// ---------------------------------------------------------------------------------------------
// running one test

function runProcess(cmd, args, { cwd, env, timeoutMs }) {
  return new Promise((resolve) => {
    const started = Date.now();
    const child = spawn(cmd, args, { cwd, env, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
    const out = [];
    const err = [];
    child.stdout.on('data', (d) => out.push(d));
    child.stderr.on('data', (d) => err.push(d));
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      try {
        process.kill(-child.pid, 'SIGKILL'); // the test's own process group (detached above)
      } catch {}
    }, timeoutMs);
    child.on('error', (e) => err.push(Buffer.from(String(e))));
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({
        code,
        signal,
        timedOut,
        stdout: Buffer.concat(out).toString('utf8'),
        stderr: Buffer.concat(err).toString('utf8'),
        ms: Date.now() - started,
      });
    });
  });
}

function callsOf(callsFile) {
  let text = '';
  try {
    text = fs.readFileSync(callsFile, 'utf8');
  } catch {}
  return text.split('\n').filter(Boolean);
}

// Container ids are the last word of create calls (the suite passes them last).
function idsOf(calls) {
  const ids = new Set();
  for (const c of calls) {
    const w = c.split(' ');
    if (w[0] === 'create' && w.length > 1) ids.add(w[w.length - 1]);
  }
  return [...ids].filter((id) => /^[A-Za-z0-9][A-Za-z0-9_.-]*$/.test(id));
}

async function runTest(ctx, name) {
  const tmp = path.join(ctx.work, 'tmp', name);
  fs.mkdirSync(tmp, { recursive: true });
  fs.writeFileSync(ctx.calls, '');
  const cgBefore = new Set(suiteCgroupCandidates().filter(isDir));
  for (const c of cgBefore) warn(`${c} exists before ${name}: left alone (remove it if an earlier run left it)`);
  const mountsBefore = new Set(mountinfo().map((m) => m.id));

  const env = { ...runtimeEnv(), RUNTIME: ctx.wrapper, TMPDIR: tmp };
  const r = await runProcess(path.join(ctx.suite, 'validation', name, `${name}.t`), [], {
    cwd: ctx.suite,
    env,
    timeoutMs: ctx.timeoutMs,
  });
  const calls = callsOf(ctx.calls);
  const cleanup = await cleanupAfter(ctx, { tmp, cgBefore, mountsBefore, calls });
  return { name, ...score(r, calls), calls, cleanup };
}

async function cleanupAfter(ctx, { tmp, cgBefore, mountsBefore, calls }) {
  const report = { containers: [], mounts: [], cgroups: [], left: [] };
  // 1. containers left under the wrapper's --root
  let ids = [];
  try {
    ids = fs.readdirSync(ctx.root, { withFileTypes: true }).filter((d) => d.isDirectory()).map((d) => d.name);
  } catch {}
  for (const id of ids) {
    const r = await runProcess(ctx.wrapper, ['delete', '--force', id], { cwd: '/', env: runtimeEnv(), timeoutMs: CALL_TIMEOUT_MS });
    report.containers.push(id);
    if (r.code !== 0 && fs.existsSync(path.join(ctx.root, id))) report.left.push(`container ${id}: delete --force: ${r.stderr.trim()}`);
  }
  // 2. mounts under the test's TMPDIR (bundles), deepest first
  const under = mountinfo()
    .filter((m) => m.mountpoint === tmp || m.mountpoint.startsWith(`${tmp}/`))
    .map((m) => m.mountpoint)
    .sort((a, b) => b.length - a.length);
  for (const mp of under) {
    const r = spawnSync('umount', ['-l', mp], { encoding: 'utf8' });
    report.mounts.push(mp);
    if (r.status !== 0) report.left.push(`mount ${mp}: ${r.stderr.trim()}`);
  }
  for (const m of mountinfo()) {
    if (!mountsBefore.has(m.id) && !m.mountpoint.startsWith(`${tmp}/`) && m.mountpoint !== tmp) {
      report.left.push(`new mount outside the test's TMPDIR, left alone: ${m.mountpoint} (${m.fstype})`);
    }
  }
  // 3. cgroups the suite's paths name, created during this test
  for (const c of suiteCgroupCandidates()) {
    if (cgBefore.has(c) || !isDir(c)) continue;
    report.cgroups.push(c);
    for (const l of rmdirCgroupTree(c)) report.left.push(`cgroup ${l}`);
  }
  // 4. cgroups named after this test's container ids (a runtime's default cgroupsPath)
  for (const c of idCgroupCandidates(idsOf(calls))) {
    if (!isDir(c)) continue;
    report.cgroups.push(c);
    for (const l of rmdirCgroupTree(c)) report.left.push(`cgroup ${l}`);
  }
  // 5. the test's TMPDIR (bundles the suite did not remove)
  if (!ctx.keep) {
    try {
      fs.rmSync(tmp, { recursive: true, force: true });
    } catch (e) {
      report.left.push(`${tmp}: ${e.code}`);
    }
  }
  for (const l of report.left) warn(l);
  return report;
}

function score(r, calls = []) {
  const tap = parseTap(r.stdout);
  const asserts = tap.asserts.map((a) => ({
    n: a.n,
    ok: a.ok,
    skip: a.directive === 'SKIP',
    todo: a.directive === 'TODO',
    description: a.description || a.reason,
    reason: a.reason,
    diagnostics: [...a.yamlBefore, ...a.yamlAfter],
  }));
  const synthetic = [];
  const exitOk = !r.timedOut && r.code === 0;
  if (asserts.length === 0) {
    const errYaml = tap.orphanYaml.find((y) => y && typeof y === 'object' && 'error' in y);
    if (exitOk && !tap.header && calls.some((c) => c.startsWith('start '))) {
      // RuntimeInsideValidate(g, nil, …) copies the container's stdout (runtimetest's TAP) and
      // checks nothing else: a started container with empty output means runtimetest did not
      // run or failed at once. (Without a start, exit 0 is how the *_fail tests pass.)
      synthetic.push({
        n: 0,
        ok: false,
        skip: false,
        todo: false,
        description: '(no TAP output: the container was started but runtimetest printed nothing)',
        diagnostics: [{ stderr: tail(r.stderr, 40) }],
      });
    } else if (exitOk && !errYaml && !tap.bailout) {
      synthetic.push({ n: 0, ok: true, skip: false, todo: false, description: '(no assertion: exited 0 without an error diagnostic)', diagnostics: tap.orphanYaml });
    } else if (exitOk) {
      synthetic.push({
        n: 0,
        ok: false,
        skip: false,
        todo: false,
        description: `(no assertion) ${errYaml ? `error: ${firstLine(errYaml.error)}` : `Bail out! ${tap.bailout}`}`,
        diagnostics: tap.orphanYaml,
      });
    }
  }
  if (r.timedOut) synthetic.push(syntheticFail(`(timed out, killed after ${Math.round(r.ms / 1000)}s)`, r));
  else if (r.code !== 0) synthetic.push(syntheticFail(`(exited ${r.signal ? `by signal ${r.signal}` : `with status ${r.code}`}) ${firstLine(lastMeaningfulLine(r.stderr))}`, r));
  else if (tap.plan !== null && tap.plan > 0 && tap.plan !== asserts.length) synthetic.push(syntheticFail(`(planned ${tap.plan} assertions, ran ${asserts.length})`, r));
  else if (tap.bailout !== null && asserts.length) synthetic.push(syntheticFail(`(Bail out! ${tap.bailout})`, r));
  // poststart and poststop accept a hook that never ran, with only this line on stderr.
  for (const w of r.stderr.match(/^WARNING: The \S+ hook invoke fails$/gm) ?? []) synthetic.push(syntheticFail(`(${w})`, r));
  if (synthetic.some((a) => !a.ok)) {
    const i = synthetic.findIndex((a) => a.ok);
    if (i >= 0) synthetic.splice(i, 1); // no "exited 0 without an error" pass next to a failure
  }
  const all = [...asserts, ...synthetic];
  const passed = all.filter((a) => a.ok && !a.skip && !a.todo).length;
  const skipped = all.filter((a) => a.skip).length;
  const failed = all.filter((a) => !a.ok && !a.todo).length;
  const status = failed ? (r.timedOut ? 'timeout' : 'fail') : passed ? 'pass' : 'skip';
  return {
    status,
    passed,
    failed,
    skipped,
    exitCode: r.code,
    signal: r.signal,
    timedOut: r.timedOut,
    ms: r.ms,
    plan: tap.plan,
    assertions: all,
    stderr: r.stderr,
  };
}

function syntheticFail(description, r) {
  return { n: 0, ok: false, skip: false, todo: false, description, diagnostics: [{ stderr: tail(r.stderr, 40) }] };
}

const firstLine = (s) => String(s ?? '').split('\n')[0].slice(0, 200);
const tail = (s, n) => String(s ?? '').split('\n').slice(-n).join('\n');
function lastMeaningfulLine(s) {
  const ls = String(s ?? '').split('\n').map((l) => l.trim()).filter(Boolean);
  return ls[ls.length - 1] ?? '';
}

// ---------------------------------------------------------------------------------------------
// output

function pad(s, n) {
  s = String(s);
  return s.length >= n ? s : s + ' '.repeat(n - s.length);
}
function lpad(s, n) {
  s = String(s);
  return s.length >= n ? s : ' '.repeat(n - s.length) + s;
}

function printTable(result, details) {
  const w = Math.max(4, ...result.tests.map((t) => t.name.length));
  const out = [];
  out.push(`runtime-tools ${result.suite.commit} (${result.suite.dir}) against ${result.runtime.kind} ${result.runtime.version} (${result.runtime.path})`);
  out.push('');
  out.push(`${pad('test', w)}  ${lpad('pass', 5)}  ${lpad('fail', 5)}  ${lpad('skip', 5)}  ${pad('status', 7)}  ${lpad('time', 6)}`);
  out.push(`${'-'.repeat(w)}  -----  -----  -----  -------  ------`);
  for (const t of result.tests) {
    out.push(`${pad(t.name, w)}  ${lpad(t.passed, 5)}  ${lpad(t.failed, 5)}  ${lpad(t.skipped, 5)}  ${pad(t.status, 7)}  ${lpad(`${(t.ms / 1000).toFixed(1)}s`, 6)}`);
  }
  out.push('');
  const failing = result.tests.filter((t) => t.failed);
  if (failing.length) {
    out.push('failed assertions:');
    for (const t of failing) {
      if (details && t.stderr.trim()) {
        out.push(`  ${t.name}: stderr of the test (last lines):`);
        for (const l of tail(t.stderr.trimEnd(), 15).split('\n')) out.push(`      | ${l}`);
      }
      for (const a of t.assertions.filter((x) => !x.ok && !x.todo)) {
        out.push(`  ${t.name} ${a.n ? `#${a.n}` : ''} ${a.description}`.replace(/\s+$/, ''));
        if (details) {
          for (const d of a.diagnostics ?? []) {
            for (const l of JSON.stringify(d, null, 2).split('\n')) out.push(`      ${l}`);
          }
        }
      }
    }
    out.push('');
  }
  const f = result.totals;
  out.push(`files: ${f.filesPassed} passed, ${f.filesFailed} failed, ${f.filesSkipped} skipped (of ${result.tests.length})`);
  out.push(`${f.skipped} skipped`);
  out.push(`${f.passed} passed, ${f.failed} failed`);
  process.stdout.write(`${out.join('\n')}\n`);
}

function totals(tests) {
  const sum = (k) => tests.reduce((a, t) => a + t[k], 0);
  return {
    passed: sum('passed'),
    failed: sum('failed'),
    skipped: sum('skipped'),
    filesPassed: tests.filter((t) => t.status === 'pass').length,
    filesFailed: tests.filter((t) => t.failed).length,
    filesSkipped: tests.filter((t) => t.status === 'skip').length,
  };
}

// --compare: rows = tests, one column per result file; then the assertions the first file
// fails that another passes.
function compare(files) {
  const rs = files.map((f) => {
    try {
      return JSON.parse(fs.readFileSync(f, 'utf8'));
    } catch (e) {
      die(`${f}: ${e.message}`);
    }
  });
  const label = (r) => `${r.runtime.kind} ${r.runtime.version}`;
  const names = [...new Set(rs.flatMap((r) => r.tests.map((t) => t.name)))].sort();
  const w = Math.max(4, ...names.map((n) => n.length));
  const cw = Math.max(16, ...rs.map((r) => label(r).length));
  const cell = (t) => (t ? `${t.passed}/${t.failed}/${t.skipped} ${t.status}` : '-');
  const out = [];
  out.push(`${pad('test', w)}  ${rs.map((r) => pad(label(r), cw)).join('  ')}`);
  out.push(`${pad('', w)}  ${rs.map(() => pad('pass/fail/skip', cw)).join('  ')}`);
  for (const n of names) out.push(`${pad(n, w)}  ${rs.map((r) => pad(cell(r.tests.find((t) => t.name === n)), cw)).join('  ')}`);
  out.push(`${pad('total', w)}  ${rs.map((r) => pad(`${r.totals.passed}/${r.totals.failed}/${r.totals.skipped}`, cw)).join('  ')}`);
  out.push(`${pad('files passing', w)}  ${rs.map((r) => pad(`${r.totals.filesPassed}/${r.tests.length}`, cw)).join('  ')}`);
  out.push('');
  out.push(`assertions ${label(rs[0])} fails that ${rs.slice(1).map(label).join(' or ')} passes:`);
  // runtimetest numbers its assertions in Go map order (default devices and symlinks), so an
  // assertion is known by its description and the how-manieth time that description occurs.
  for (const r of rs) {
    for (const t of r.tests) {
      const seen = new Map();
      for (const a of t.assertions) {
        const k = a.n === 0 ? '(synthetic)' : a.description;
        seen.set(k, (seen.get(k) ?? 0) + 1);
        a.key = `${k}#${seen.get(k)}`;
      }
    }
  }
  const key = (a) => a.key;
  for (const n of names) {
    const t0 = rs[0].tests.find((t) => t.name === n);
    if (!t0) continue;
    const others = rs.slice(1).map((r) => r.tests.find((t) => t.name === n));
    for (const a of t0.assertions.filter((x) => !x.ok && !x.todo)) {
      const by = [];
      others.forEach((t, i) => {
        if (!t) return;
        // synthetic assertions (n = 0) match when the other runtime's file passed as a whole
        const hit = a.n === 0 ? t.failed === 0 && t.passed > 0 : t.assertions.some((b) => key(b) === key(a) && b.ok && !b.skip);
        if (hit) by.push(label(rs[i + 1]));
      });
      if (by.length) out.push(`  ${n} ${a.n ? `#${a.n} ` : ''}${a.description}  [passes: ${by.join(', ')}]`);
    }
  }
  out.push('');
  out.push(`files ${label(rs[0])} fails that ${rs.slice(1).map(label).join(' or ')} passes entirely, and assertions passed there but not by ${label(rs[0])} (failed or never reached):`);
  const passedKeys = (t) => new Set((t?.assertions ?? []).filter((a) => a.ok && !a.skip && a.n !== 0).map(key));
  for (const n of names) {
    const t0 = rs[0].tests.find((t) => t.name === n);
    if (!t0 || !t0.failed) continue;
    const mine = passedKeys(t0);
    const notes = [];
    rs.slice(1).forEach((r) => {
      const t = r.tests.find((x) => x.name === n);
      if (!t) return;
      const missing = [...passedKeys(t)].filter((k) => !mine.has(k));
      const whole = t.failed === 0 && t.passed > 0;
      if (whole || missing.length) notes.push(`${label(r)}: ${whole ? 'file passes' : 'file fails too'}, ${missing.length} assertion(s) more`);
    });
    if (notes.length) out.push(`  ${n}  [${notes.join('; ')}]`);
  }
  process.stdout.write(`${out.join('\n')}\n`);
}

// ---------------------------------------------------------------------------------------------
// main

async function main() {
  const o = options();
  if (o.compare) return compare(o.compare);
  if (process.getuid() !== 0) die('run as root');
  const names = findTests(o.suite, o.only);
  const bin = resolveRuntime(o.runtime);
  const ver = runtimeVersion(bin);
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'runtime-tools-'));
  // Left for the runtime to create (with its own mode: a container whose root is mapped to an
  // unprivileged host uid must still reach exec.fifo in it; tsrunc makes it 0711).
  const root = path.join('/run', `runtime-tools-${ver.kind}-${process.pid}`);
  if (fs.existsSync(root)) die(`${root} exists`);
  const { wrapper, calls } = writeWrapper(work, bin, ver.kind, root);
  const ctx = { suite: o.suite, work, root, wrapper, calls, timeoutMs: o.timeoutMs, keep: o.keep };

  let interrupted = false;
  process.on('SIGINT', () => {
    interrupted = true;
    warn('interrupted: finishing the current test and cleaning up');
  });

  const tests = [];
  for (const name of names) {
    if (interrupted) break;
    if (!o.json) process.stderr.write(`${name} … `);
    const t = await runTest(ctx, name);
    if (!o.json) process.stderr.write(`${t.status} (${t.passed}/${t.failed}/${t.skipped})\n`);
    tests.push(t);
  }
  try {
    fs.rmdirSync(root); // empty after the per-test cleanups
  } catch (e) {
    if (e.code !== 'ENOENT') warn(`${root}: ${e.code} (containers left behind?)`);
  }
  if (!o.keep) fs.rmSync(work, { recursive: true, force: true });

  const result = {
    suite: { dir: o.suite, commit: suiteCommit(o.suite) },
    runtime: { path: bin, kind: ver.kind, version: ver.version },
    host: { kernel: os.release(), hybridCgroups: isHybrid() },
    date: new Date().toISOString(),
    tests,
    totals: totals(tests),
  };
  if (o.json) process.stdout.write(`${JSON.stringify(result, null, 1)}\n`);
  else printTable(result, o.details);
  process.exitCode = result.totals.failed ? 1 : 0;
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  main().catch((e) => {
    process.stderr.write(`runtime-tools: ${e.stack ?? e}\n`);
    process.exit(2);
  });
}
