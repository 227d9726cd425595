/**
 * Cgroups on a hybrid host (v1 controllers + the unified hierarchy at
 * /sys/fs/cgroup/unified), like the machine this project is developed on: limits read
 * back from the v1 files and seen in the workload; freeze, kill and the device filter
 * on the container's unified cgroup. The pure v2 side runs in a VM (test/vm/).
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { helper } from '../../src/native/helper.js';
import type { Spec } from '../../src/spec/generated/types.js';
import { Sandbox, TSRUNC, cgroupLeftovers, cleanEnv, sleep, waitFor } from './harness.js';

const hybrid = fs.existsSync('/sys/fs/cgroup/unified/cgroup.controllers') && fs.existsSync('/sys/fs/cgroup/memory/memory.limit_in_bytes');
const sb = new Sandbox('cgroups-hybrid');
afterAll(() => sb.cleanup());

/** Device programs attached to a cgroup, through the same native helper tsrunc uses. */
function devicePrograms(dir: string): number {
  process.env['TSRUNC_NATIVE_DIR'] ??= path.resolve(__dirname, '..', '..', 'native', 'build');
  return helper().deviceFilterCount(dir);
}

const v1 = (ctrl: string, cg: string, file: string) => fs.readFileSync(path.join('/sys/fs/cgroup', ctrl, cg, file), 'utf8').trim();
const unified = (cg: string, file: string) => fs.readFileSync(path.join('/sys/fs/cgroup/unified', cg, file), 'utf8');

/** Starts a detached container; returns its id and cgroup path. */
function start(args: string[], mutate?: (s: Spec) => void): { id: string; cg: string } {
  const bundle = sb.bundle(args, mutate);
  const cg = JSON.parse(fs.readFileSync(path.join(bundle, 'config.json'), 'utf8')).linux.cgroupsPath as string;
  const id = sb.id('cg');
  const r = sb.tsrunc(['run', '--detach', '--bundle', bundle, id]);
  expect(r.stderr).toBe('');
  expect(r.status).toBe(0);
  return { id, cg };
}

function remove(id: string, cg: string): void {
  expect(sb.tsrunc(['delete', '--force', id]).status).toBe(0);
  expect(cgroupLeftovers(cg)).toEqual([]);
}

const status = (id: string) => JSON.parse(sb.tsrunc(['state', id]).stdout).status as string;

describe.skipIf(!hybrid)('cgroups on a hybrid host', () => {
  it('writes memory, cpu, cpuset and pids limits to the v1 files and joins every hierarchy', () => {
    const { id, cg } = start(['sleep', '100'], (s) => {
      s.linux!.resources = {
        memory: { limit: 64 << 20, swap: 64 << 20, reservation: 32 << 20 },
        cpu: { shares: 512, quota: 30000, period: 100000, cpus: '0', mems: '0' },
        pids: { limit: 50 },
        blockIO: { throttleReadBpsDevice: [{ major: 254, minor: 0, rate: 1048576 }], throttleWriteIOPSDevice: [{ major: 254, minor: 0, rate: 100 }] },
      };
    });
    expect(v1('memory', cg, 'memory.limit_in_bytes')).toBe(String(64 << 20));
    expect(v1('memory', cg, 'memory.memsw.limit_in_bytes')).toBe(String(64 << 20));
    expect(v1('memory', cg, 'memory.soft_limit_in_bytes')).toBe(String(32 << 20));
    expect(v1('cpu', cg, 'cpu.shares')).toBe('512');
    expect(v1('cpu', cg, 'cpu.cfs_quota_us')).toBe('30000');
    expect(v1('cpu', cg, 'cpu.cfs_period_us')).toBe('100000');
    expect(v1('cpuset', cg, 'cpuset.cpus')).toBe('0');
    expect(v1('pids', cg, 'pids.max')).toBe('50');
    expect(v1('blkio', cg, 'blkio.throttle.read_bps_device')).toBe('254:0 1048576');
    expect(v1('blkio', cg, 'blkio.throttle.write_iops_device')).toBe('254:0 100');
    const pid = JSON.parse(sb.tsrunc(['state', id]).stdout).pid as number;
    const own = fs.readFileSync(`/proc/${pid}/cgroup`, 'utf8');
    for (const c of ['memory', 'cpu', 'cpuacct', 'cpuset', 'pids', 'blkio']) expect(own).toMatch(new RegExp(`^\\d+:${c}:${cg}$`, 'm'));
    expect(own).toMatch(new RegExp(`^0::${cg}$`, 'm'));
    remove(id, cg);
  });

  it('OOM-kills an allocator at the memory limit, and events reports the oom', async () => {
    const bundle = sb.bundle(['sh', '-c', 'dd if=/dev/zero of=/dev/null bs=48M count=1; echo dd-exit=$?; sleep 100'], (s) => {
      s.linux!.resources = { memory: { limit: 16 << 20, swap: 16 << 20 } };
    });
    const id = sb.id('oom');
    expect(sb.tsrunc(['create', '--bundle', bundle, id]).status).toBe(0);
    const events = spawn(TSRUNC, ['--root', sb.root, 'events', '--interval', '200ms', id], { env: cleanEnv() });
    let out = '';
    events.stdout.on('data', (d) => { out += d; });
    try {
      await waitFor(() => out.includes('"type":"stats"'), 'the first stats event');
      expect(sb.tsrunc(['start', id]).status).toBe(0);
      await waitFor(() => out.includes('"type":"oom"'), 'the oom event');
      expect(out).toContain(`{"type":"oom","id":"${id}"}`);
      const stats = out.split('\n').filter((l) => l.includes('"stats"')).map((l) => JSON.parse(l));
      expect(stats[0].data.memory.usage.limit).toBe(16 << 20);
      const cg = JSON.parse(fs.readFileSync(path.join(bundle, 'config.json'), 'utf8')).linux.cgroupsPath as string;
      expect(v1('memory', cg, 'memory.oom_control')).toMatch(/oom_kill [1-9]/);
    } finally {
      events.kill();
      sb.tsrunc(['delete', '--force', id]);
    }
  });

  it('throttles a busy loop at its cpu quota', async () => {
    const { id, cg } = start(['sh', '-c', 'while :; do :; done'], (s) => {
      s.linux!.resources = { cpu: { quota: 20000, period: 100000 } };
    });
    const usage = () => Number(v1('cpuacct', cg, 'cpuacct.usage'));
    const u0 = usage();
    const t0 = process.hrtime.bigint();
    await sleep(1500);
    const share = (usage() - u0) / Number(process.hrtime.bigint() - t0);
    expect(share).toBeLessThan(0.3);
    expect(share).toBeGreaterThan(0.01); // it ran at all (the host may be busy)
    const stats = JSON.parse(sb.tsrunc(['events', '--stats', id]).stdout);
    expect(stats.data.cpu.throttling.throttled_periods).toBeGreaterThan(5);
    expect(stats.data.cpu.throttling.throttled_time).toBeGreaterThan(0);
    remove(id, cg);
  });

  it('stops a fork loop at pids.max', async () => {
    // The loop runs in a subshell: a shell that cannot fork gives up, and pid 1 must stay.
    const { id, cg } = start(['sh', '-c', '(for i in $(seq 30); do sleep 100 & done) 2>/dev/null; exec sleep 100'], (s) => {
      s.linux!.resources = { pids: { limit: 8 } };
    });
    await waitFor(() => Number(v1('pids', cg, 'pids.events').split(' ')[1]) > 0, 'a refused fork');
    await sleep(200);
    const current = Number(v1('pids', cg, 'pids.current'));
    expect(current).toBeLessThanOrEqual(8);
    expect(current).toBeGreaterThanOrEqual(6);
    const ps = sb.tsrunc(['ps', '--format', 'json', id]);
    expect(ps.stderr).toBe('');
    expect(JSON.parse(ps.stdout)).toHaveLength(current);
    remove(id, cg);
  });

  it('pauses and resumes with cgroup.freeze; state says paused only while frozen', async () => {
    const { id, cg } = start(['sh', '-c', 'while :; do :; done']);
    expect(sb.tsrunc(['pause', id]).status).toBe(0);
    expect(status(id)).toBe('paused');
    expect(unified(cg, 'cgroup.events')).toMatch(/^frozen 1$/m);
    const usage = () => Number(/usage_usec (\d+)/.exec(unified(cg, 'cpu.stat'))![1]);
    const u0 = usage();
    await sleep(300);
    expect(usage() - u0).toBeLessThan(5000);
    expect(sb.tsrunc(['pause', id]).stderr).toContain('container not running');
    expect(sb.tsrunc(['resume', id]).status).toBe(0);
    expect(status(id)).toBe('running');
    await waitFor(() => usage() - u0 > 20000, 'the loop to run again');
    expect(sb.tsrunc(['resume', id]).stderr).toContain('container not paused');
    // delete of a paused container thaws and kills it.
    expect(sb.tsrunc(['pause', id]).status).toBe(0);
    remove(id, cg);
  });

  it('updates limits with flags and with --resources -, and saves them in the state', () => {
    const { id, cg } = start(['sleep', '100'], (s) => {
      s.linux!.resources = { memory: { limit: 64 << 20, swap: 64 << 20 }, cpu: { shares: 1024 } };
    });
    let r = sb.tsrunc(['update', '--memory', '128m', '--cpu-quota', '50000', '--cpu-period', '100000', '--pids-limit', '40', '--cpu-share', '256', id]);
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(v1('memory', cg, 'memory.limit_in_bytes')).toBe(String(128 << 20));
    // "no swap" stays no swap: memory+swap moved with the limit.
    expect(v1('memory', cg, 'memory.memsw.limit_in_bytes')).toBe(String(128 << 20));
    expect(v1('cpu', cg, 'cpu.cfs_quota_us')).toBe('50000');
    expect(v1('cpu', cg, 'cpu.shares')).toBe('256');
    expect(v1('pids', cg, 'pids.max')).toBe('40');
    // What containerd sends on stdin.
    r = sb.tsrunc(['update', '--resources', '-', id], { input: '{"memory":{"limit":67108864,"swap":134217728},"cpu":{"shares":512}}' });
    expect(r.status).toBe(0);
    expect(v1('memory', cg, 'memory.limit_in_bytes')).toBe('67108864');
    expect(v1('memory', cg, 'memory.memsw.limit_in_bytes')).toBe('134217728');
    const saved = JSON.parse(fs.readFileSync(path.join(sb.root, id, 'state.json'), 'utf8')).cgroup.resources;
    expect(saved).toMatchObject({ memory: { limit: 67108864, swap: 134217728 }, cpu: { shares: 512, quota: 50000 }, pids: { limit: 40 } });
    // Go writes null for nil pointers and slices: absent, nothing changes there.
    r = sb.tsrunc(['update', '--resources', '-', id], { input: '{"memory":{"limit":50331648,"swap":null,"reservation":null},"cpu":null,"pids":null,"devices":null,"blockIO":null,"unified":null}' });
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(v1('memory', cg, 'memory.limit_in_bytes')).toBe('50331648');
    expect(v1('cpu', cg, 'cpu.shares')).toBe('512');
    expect(v1('pids', cg, 'pids.max')).toBe('40');
    expect(sb.tsrunc(['update', '--resources', '-', id], { input: 'null' }).status).toBe(0);
    expect(v1('memory', cg, 'memory.limit_in_bytes')).toBe('50331648');
    r = sb.tsrunc(['update', '--resources', '-', id], { input: '{"memory":{"limit":"lots"}}' });
    expect(r.status).toBe(1);
    expect(r.stderr).toContain('--resources -: memory.limit: must be an integer');
    remove(id, cg);
  });

  it('filters devices with a BPF program on the unified cgroup, replaced on update', () => {
    const { id, cg } = start(['sleep', '100'], (s) => {
      s.linux!.resources = { devices: [{ allow: false, access: 'rwm' }, { allow: false, type: 'c', major: 1, minor: 3, access: 'w' }] };
    });
    const dir = path.join('/sys/fs/cgroup/unified', cg);
    expect(devicePrograms(dir)).toBe(1);
    // The same rules in the v1 devices cgroup, for tools that read devices.list.
    const list = v1('devices', cg, 'devices.list').split('\n');
    expect(list).toContain('c 1:3 rm');
    expect(list).toContain('c 136:* rwm');
    expect(list).not.toContain('a *:* rwm');
    const exec = (cmd: string) => sb.tsrunc(['exec', id, 'sh', '-c', cmd]);
    expect(exec('echo > /dev/null').stderr).toMatch(/can't create \/dev\/null: Operation not permitted/);
    expect(exec('head -c1 /dev/zero | wc -c').stdout.trim()).toBe('1');
    fs.writeFileSync('/dev/null', 'outside is not affected');
    expect(sb.tsrunc(['update', '--resources', '-', id], { input: '{"devices":[{"allow":false,"access":"rwm"}]}' }).status).toBe(0);
    expect(devicePrograms(dir)).toBe(1);
    expect(exec('echo > /dev/null && echo ok').stdout).toBe('ok\n');
    remove(id, cg);
  });

  it('kill --all KILL and delete reach every process, also without a pid namespace of its own', async () => {
    const { id, cg } = start(['sh', '-c', 'sleep 100 & sleep 100 & sleep 100'], (s) => {
      s.linux!.namespaces = s.linux!.namespaces!.filter((n) => n.type !== 'pid');
    });
    const pids = () => JSON.parse(sb.tsrunc(['ps', '--format', 'json', id]).stdout) as number[];
    await waitFor(() => pids().length === 3, 'three processes');
    expect(sb.tsrunc(['kill', '--all', id, 'KILL']).status).toBe(0);
    // cgroup.kill only sends the signals: the processes leave the cgroup as they die.
    await waitFor(() => unified(cg, 'cgroup.procs') === '', 'an empty cgroup');
    remove(id, cg);
  });

  it('ps prints ps(1)\'s table for the container\'s processes only, nothing on stderr', () => {
    const { id, cg } = start(['sleep', '100']);
    const r = sb.tsrunc(['ps', id]);
    expect(r.stderr).toBe('');
    const lines = r.stdout.trim().split('\n');
    expect(lines[0]).toMatch(/PID/);
    expect(lines).toHaveLength(2);
    expect(lines[1]).toContain('sleep 100');
    remove(id, cg);
  });

  it('events --stats has runc\'s fields and PSI from the unified cgroup', () => {
    const { id, cg } = start(['sleep', '100'], (s) => { s.linux!.resources = { pids: { limit: 10 } }; });
    const r = sb.tsrunc(['events', '--stats', id]);
    expect(r.stderr).toBe('');
    const e = JSON.parse(r.stdout);
    expect(e.type).toBe('stats');
    expect(e.id).toBe(id);
    expect(Object.keys(e.data).sort()).toEqual(['blkio', 'cpu', 'hugetlb', 'memory', 'pids', 'tsrunc']);
    expect(e.data.tsrunc.cgroup.id).toBe(String(fs.statSync(e.data.tsrunc.cgroup.path).ino));
    expect(e.data.pids).toEqual({ current: 1, limit: 10 });
    expect(e.data.cpu.usage.total).toBeGreaterThan(0);
    expect(e.data.memory.usage.usage).toBeGreaterThan(0);
    for (const k of ['cpu', 'memory', 'blkio']) expect(e.data[k].psi.some).toHaveProperty('total');
    remove(id, cg);
  });

  it('refuses a relative cgroupsPath where a v1 cgroup of its own is not tsrunc\'s, before creating anything', () => {
    const own = /^\d+:memory:(.*)$/m.exec(fs.readFileSync('/proc/self/cgroup', 'utf8'))?.[1] ?? '/';
    const rel = `tsrunc-rel-${process.pid}`;
    const r = sb.run(['true'], (s) => {
      s.linux!.cgroupsPath = rel;
      s.linux!.resources = { memory: { limit: 64 << 20 } };
    });
    if (own === '/') return; // runs inside its own root memory cgroup: nothing to refuse
    expect(r.status).toBe(1);
    expect(r.stderr).toContain('EBUNDLE_CGROUP: config.json: linux.resources.memory.limit: needs the memory cgroup');
    expect(r.stderr).toContain('use an absolute linux.cgroupsPath');
    expect(cgroupLeftovers(`/${rel}`)).toEqual([]);
    expect(fs.existsSync(path.join('/sys/fs/cgroup/memory', own, rel))).toBe(false);
  });

  it('names the controller and the fix when a limit\'s controller is not available', () => {
    let r = sb.run(['true'], (s) => { s.linux!.resources = { hugepageLimits: [{ pageSize: '2MB', limit: 2 << 20 }] }; });
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/EBUNDLE_CGROUP: config.json: linux.resources.hugepageLimits\[0\]: the hugetlb controller is not available to the container's cgroup/);
    expect(r.stderr).toContain('echo +hugetlb >');
    r = sb.run(['true'], (s) => { s.linux!.resources = { rdma: { mlx5_0: { hcaHandles: 1 } } }; });
    expect(r.stderr).toContain('linux.resources.rdma: the rdma controller is not available');
    r = sb.run(['true'], (s) => { s.linux!.resources = { memory: { limit: 64 << 20, swap: 32 << 20 } }; });
    expect(r.stderr).toContain('config.json: linux.resources.memory.swap: memory+swap');
  });

  it('refuses a pre-existing cgroup that has processes or is frozen', () => {
    const { id, cg } = start(['sleep', '100']);
    const r = sb.run(['true'], (s) => { s.linux!.cgroupsPath = cg; });
    expect(r.status).toBe(1);
    expect(r.stderr).toContain('already has processes');
    remove(id, cg);
    const frozen = `${sb.cgParent}/frozen`;
    fs.mkdirSync(path.join('/sys/fs/cgroup/unified', frozen), { recursive: true });
    fs.writeFileSync(path.join('/sys/fs/cgroup/unified', frozen, 'cgroup.freeze'), '1');
    const r2 = sb.run(['true'], (s) => { s.linux!.cgroupsPath = frozen; });
    expect(r2.stderr).toContain('is frozen');
    fs.rmdirSync(path.join('/sys/fs/cgroup/unified', frozen));
  });
});
