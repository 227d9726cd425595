// Cgroup v2 with every controller: run inside the VM of ../shared/vm-run (pure v2, all
// controllers enabled at the root, a scratch disk at /dev/vda) by test/vm/run.sh.
// Plain node:test, no TypeScript: in the VM node runs emulated and every file read
// crosses 9p, so this file loads nothing but node's own modules and dist/tsrunc.
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, describe, it } from 'node:test';

const repo = path.resolve(import.meta.dirname, '..', '..');
const TSRUNC = path.join(repo, 'dist', 'tsrunc');
const CG = '/sys/fs/cgroup';
const tag = `${process.pid}-${crypto.randomBytes(3).toString('hex')}`;
const root = `/run/tsrunc-vm-${tag}`;
const cgParent = `/tsrunc-vm-${tag}`;
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'tsrunc-vm-'));
let n = 0;

if (!fs.existsSync(`${CG}/cgroup.subtree_control`)) {
  console.error('not a pure cgroup v2 host: run this through test/vm/run.sh');
  process.exit(2);
}

/** tsrunc with stdout/stderr through files: a detached container keeps the runtime's stdio. */
function tsrunc(args, input) {
  const out = path.join(tmp, `out${++n}`);
  const err = path.join(tmp, `err${n}`);
  const fo = fs.openSync(out, 'w+');
  const fe = fs.openSync(err, 'w+');
  try {
    const r = spawnSync(TSRUNC, ['--root', root, ...args], { input, stdio: ['pipe', fo, fe], timeout: 120_000 });
    return { status: r.status, stdout: fs.readFileSync(out, 'utf8'), stderr: fs.readFileSync(err, 'utf8') };
  } finally {
    fs.closeSync(fo);
    fs.closeSync(fe);
  }
}

/** A bundle from the example's config.json, on the shared read-only rootfs. */
function bundle(args, mutate) {
  const spec = JSON.parse(fs.readFileSync(path.join(repo, 'bundles', 'example', 'config.json'), 'utf8'));
  spec.root = { path: path.join(repo, 'bundles', 'example', 'rootfs'), readonly: true };
  spec.process.args = args;
  spec.process.terminal = false;
  spec.linux.cgroupsPath = `${cgParent}/b${++n}`;
  mutate?.(spec);
  const dir = fs.mkdtempSync(path.join(tmp, 'bundle-'));
  fs.writeFileSync(path.join(dir, 'config.json'), JSON.stringify(spec));
  return { dir, cg: spec.linux.cgroupsPath };
}

function start(args, mutate) {
  const b = bundle(args, mutate);
  const id = `v${++n}`;
  const r = tsrunc(['run', '--detach', '--bundle', b.dir, id]);
  assert.equal(r.stderr, '');
  assert.equal(r.status, 0);
  return { id, cg: b.cg, dir: path.join(CG, b.cg) };
}

function remove(c) {
  assert.equal(tsrunc(['delete', '--force', c.id]).status, 0);
  assert.equal(fs.existsSync(c.dir), false, `${c.dir} is left behind`);
}

const read = (dir, f) => fs.readFileSync(path.join(dir, f), 'utf8').trim();
const kv = (text) => Object.fromEntries(text.split('\n').map((l) => l.trim().split(/\s+/)).filter((p) => p.length === 2).map(([k, v]) => [k, Number(v)]));
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
async function waitFor(cond, what, ms = 60_000) {
  const until = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await sleep(50);
  }
}
const vda = fs.existsSync('/sys/block/vda/dev') ? fs.readFileSync('/sys/block/vda/dev', 'utf8').trim().split(':').map(Number) : undefined;

after(() => {
  for (const id of fs.existsSync(root) ? fs.readdirSync(root) : []) tsrunc(['delete', '--force', id]);
  const walk = (d) => {
    if (!fs.existsSync(d)) return;
    for (const e of fs.readdirSync(d, { withFileTypes: true })) if (e.isDirectory()) walk(path.join(d, e.name));
    try { fs.rmdirSync(d); } catch { /* reported by the test that left it */ }
  };
  walk(path.join(CG, cgParent));
  fs.rmSync(tmp, { recursive: true, force: true });
  fs.rmSync(root, { recursive: true, force: true });
});

describe('Debian 12\'s own kernel (6.1)', () => {
  it('masks and write-protects paths (no open_tree of a detached mount before 6.15)', () => {
    const b = bundle(['sh', '-c', 'cat /proc/timer_list | wc -c; ls /sys/firmware | wc -l; (echo 1 > /proc/sys/kernel/domainname) 2>/dev/null || echo ro']);
    const r = tsrunc(['run', '--bundle', b.dir, `mask${++n}`]);
    assert.equal(r.stderr, '');
    assert.equal(r.stdout, '0\n0\nro\n');
    assert.equal(r.status, 0);
  });
});

describe('cgroup v2', () => {
  it('writes every resource to its v2 file, reads them in events, updates them', () => {
    const c = start(['sleep', '1000'], (s) => {
      s.linux.resources = {
        memory: { limit: 64 << 20, swap: 96 << 20, reservation: 32 << 20 },
        cpu: { shares: 512, quota: 50000, period: 100000, burst: 10000, cpus: '0', mems: '0', idle: 0 },
        pids: { limit: 40 },
        blockIO: { weight: 500, throttleReadBpsDevice: [{ major: vda[0], minor: vda[1], rate: 1048576 }] },
        hugepageLimits: [{ pageSize: '2MB', limit: 4 << 20 }],
        unified: { 'memory.high': String(60 << 20) },
      };
    });
    assert.equal(read(c.dir, 'memory.max'), String(64 << 20));
    assert.equal(read(c.dir, 'memory.swap.max'), String(32 << 20));
    assert.equal(read(c.dir, 'memory.low'), String(32 << 20));
    assert.equal(read(c.dir, 'memory.high'), String(60 << 20));
    assert.equal(read(c.dir, 'cpu.weight'), '59');
    assert.equal(read(c.dir, 'cpu.max'), '50000 100000');
    assert.equal(read(c.dir, 'cpu.max.burst'), '10000');
    assert.equal(read(c.dir, 'cpu.idle'), '0');
    assert.equal(read(c.dir, 'cpuset.cpus'), '0');
    assert.equal(read(c.dir, 'cpuset.mems'), '0');
    assert.equal(read(c.dir, 'pids.max'), '40');
    assert.match(read(c.dir, 'io.max'), new RegExp(`^${vda[0]}:${vda[1]} rbps=1048576 wbps=max riops=max wiops=max$`, 'm'));
    assert.match(fs.existsSync(path.join(c.dir, 'io.bfq.weight')) ? read(c.dir, 'io.bfq.weight') : read(c.dir, 'io.weight'), /^default (500|4950)$/m);
    assert.equal(read(c.dir, 'hugetlb.2MB.max'), String(4 << 20));

    const e = JSON.parse(tsrunc(['events', '--stats', c.id]).stdout);
    assert.equal(e.data.memory.usage.limit, 64 << 20);
    assert.equal(e.data.pids.limit, 40);
    for (const k of ['cpu', 'memory', 'blkio']) assert.ok(e.data[k].psi?.some, `${k} psi`);

    let r = tsrunc(['update', '--memory', '128m', '--memory-swap', '160m', '--cpu-shares', '1024', '--pids-limit', '20', c.id]);
    assert.equal(r.stderr, '');
    assert.equal(read(c.dir, 'memory.max'), String(128 << 20));
    assert.equal(read(c.dir, 'memory.swap.max'), String(32 << 20));
    assert.equal(read(c.dir, 'cpu.weight'), '100');
    assert.equal(read(c.dir, 'pids.max'), '20');
    r = tsrunc(['update', '--resources', '-', c.id], '{"cpu":{"realtimeRuntime":1000}}');
    assert.equal(r.status, 1);
    assert.match(r.stderr, /update: linux\.resources\.cpu\.realtimeRuntime: realtime scheduling limits are not supported on cgroup v2/);
    remove(c);
  });

  it('memory.max OOM-kills an allocator, and events reports the oom', async () => {
    const b = bundle(['sh', '-c', 'dd if=/dev/zero of=/dev/null bs=48M count=1; sleep 1000'], (s) => {
      s.linux.resources = { memory: { limit: 16 << 20, swap: 16 << 20 } };
    });
    const id = `v${++n}`;
    assert.equal(tsrunc(['create', '--bundle', b.dir, id]).status, 0);
    const ev = spawn(TSRUNC, ['--root', root, 'events', '--interval', '1s', id]);
    let out = '';
    ev.stdout.on('data', (d) => { out += d; });
    try {
      await waitFor(() => out.includes('"type":"stats"'), 'the first stats event');
      assert.equal(tsrunc(['start', id]).status, 0);
      await waitFor(() => out.includes('"type":"oom"'), 'the oom event');
      assert.ok(out.includes(`{"type":"oom","id":"${id}"}`));
      assert.ok(kv(read(path.join(CG, b.cg), 'memory.events')).oom_kill >= 1);
    } finally {
      ev.kill();
      tsrunc(['delete', '--force', id]);
    }
  });

  it('memory pressure: an allocator above memory.high shows memory full stall in tsrunc stalls', async () => {
    // No swap in the VM: anon memory above memory.high cannot be reclaimed, so every fresh
    // 48 MiB buffer is charged through reclaim and over-high throttling: memory stall.
    const c = start(['sh', '-c', 'while :; do dd if=/dev/zero of=/dev/null bs=48M count=2; done'], (s) => {
      s.linux.resources = { unified: { 'memory.high': String(16 << 20) } };
    });
    try {
      await sleep(3000);
      const r = tsrunc(['stalls', '--json', '--memory-full', '10']);
      assert.equal(r.stderr, '');
      const report = JSON.parse(r.stdout);
      const me = report.containers.find((x) => x.id === c.id);
      console.log(`# memory.high 16 MiB, 48 MiB buffer: memory some/full ${me.psi_window.memory_some}/${me.psi_window.memory_full}% over the window; collector ${report.collector.mode}`);
      assert.ok(me.psi_window.memory_full >= 10, JSON.stringify(me));
      assert.ok(me.findings.some((f) => f.kind === 'memory_pressure'), JSON.stringify(me.findings));
    } finally {
      remove(c);
    }
  });

  it('cpu.max throttles a busy loop (cpu.stat throttled_usec grows)', async () => {
    const c = start(['sh', '-c', 'while :; do :; done'], (s) => { s.linux.resources = { cpu: { quota: 20000, period: 100000 } }; });
    const s0 = kv(read(c.dir, 'cpu.stat'));
    const t0 = Date.now();
    await sleep(3000);
    const s1 = kv(read(c.dir, 'cpu.stat'));
    const share = (s1.usage_usec - s0.usage_usec) / ((Date.now() - t0) * 1000);
    console.log(`# cpu.max 20000 100000: ${(share * 100).toFixed(1)}% of a CPU, throttled ${s1.nr_throttled - s0.nr_throttled} periods, +${s1.throttled_usec - s0.throttled_usec} us`);
    assert.ok(share < 0.3 && share > 0.05, `share ${share}`);
    assert.ok(s1.throttled_usec > s0.throttled_usec);
    remove(c);
  });

  it('pids.max stops a fork loop', async () => {
    const c = start(['sh', '-c', '(for i in $(seq 30); do sleep 1000 & done) 2>/dev/null; exec sleep 1000'], (s) => { s.linux.resources = { pids: { limit: 8 } }; });
    await waitFor(() => kv(read(c.dir, 'pids.events')).max > 0, 'a refused fork');
    await sleep(500);
    const cur = Number(read(c.dir, 'pids.current'));
    assert.ok(cur <= 8 && cur >= 6, `pids.current ${cur}`);
    assert.equal(JSON.parse(tsrunc(['ps', '--format', 'json', c.id]).stdout).length, cur);
    remove(c);
  });

  it('io.max limits reads of the scratch disk', { skip: !vda }, () => {
    const dd = 'time dd if=/dev/vda of=/dev/null bs=1M count=3 iflag=direct';
    const devices = (s) => {
      s.linux.devices = [{ path: '/dev/vda', type: 'b', major: vda[0], minor: vda[1] }];
      s.linux.resources = { ...s.linux.resources, devices: [{ allow: false, access: 'rwm' }, { allow: true, type: 'b', major: vda[0], minor: vda[1], access: 'r' }] };
    };
    const real = (stderr) => {
      const m = /real\s+(\d+)m\s*([\d.]+)s/.exec(stderr);
      assert.ok(m, stderr);
      return Number(m[1]) * 60 + Number(m[2]);
    };
    const free = tsrunc(['run', '--bundle', bundle(['sh', '-c', dd], devices).dir, `v${++n}`]);
    assert.equal(free.status, 0, free.stderr);
    const limited = tsrunc(['run', '--bundle', bundle(['sh', '-c', dd], (s) => {
      s.linux.resources = { blockIO: { throttleReadBpsDevice: [{ major: vda[0], minor: vda[1], rate: 1048576 }] } };
      devices(s);
    }).dir, `v${++n}`]);
    assert.equal(limited.status, 0, limited.stderr);
    console.log(`# 3 MiB direct read of /dev/vda: ${real(free.stderr)} s unlimited, ${real(limited.stderr)} s at rbps=1 MiB/s`);
    assert.ok(real(limited.stderr) >= 1.8, limited.stderr);
    assert.ok(real(free.stderr) < real(limited.stderr));
  });

  it('the device filter blocks /dev/null inside, not outside', () => {
    const r = tsrunc(['run', '--bundle', bundle(['sh', '-c', 'head -c1 /dev/zero | wc -c; echo x > /dev/null && echo wrote'], (s) => {
      s.linux.resources = { devices: [{ allow: false, access: 'rwm' }, { allow: false, type: 'c', major: 1, minor: 3, access: 'w' }] };
    }).dir, `v${++n}`]);
    assert.equal(r.stdout.trim(), '1');
    assert.match(r.stderr, /can't create \/dev\/null: Operation not permitted/);
    fs.writeFileSync('/dev/null', 'outside');
  });

  it('pause freezes with cgroup.freeze, resume thaws, delete cleans up a paused container', async () => {
    const c = start(['sh', '-c', 'while :; do :; done']);
    assert.equal(tsrunc(['pause', c.id]).status, 0);
    assert.equal(JSON.parse(tsrunc(['state', c.id]).stdout).status, 'paused');
    const u0 = kv(read(c.dir, 'cpu.stat')).usage_usec;
    await sleep(500);
    assert.ok(kv(read(c.dir, 'cpu.stat')).usage_usec - u0 < 10_000);
    assert.equal(tsrunc(['resume', c.id]).status, 0);
    assert.equal(JSON.parse(tsrunc(['state', c.id]).stdout).status, 'running');
    assert.equal(tsrunc(['pause', c.id]).status, 0);
    remove(c);
  });
});
