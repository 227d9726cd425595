/**
 * linux.resources → cgroup v2 files, as runc's fs2 driver writes them. Pure: what the
 * host has comes in through `has` (e.g. io.bfq.weight exists only with the BFQ
 * scheduler). `devices` is not here: on v2 it is a BPF program (devices/).
 */
import type { LinuxResources } from '../spec/generated/types.js';
import { blkioWeightToIoWeight, sharesToWeight, swapToV2 } from './convert.js';
import { type CgroupWrite, type HasFile, type Source, checkCpuList, checkLimit, fieldError, v2Number } from './writes.js';

export interface Translation {
  writes: CgroupWrite[];
  warnings: string[];
}

export function v2Memory(r: LinuxResources, src: Source, out: Translation): void {
  const m = r.memory;
  if (!m) return;
  checkLimit(src, 'memory.limit', m.limit);
  checkLimit(src, 'memory.swap', m.swap);
  checkLimit(src, 'memory.reservation', m.reservation);
  const limit = m.limit ?? 0;
  const swap = swapToV2(m.swap ?? 0, limit);
  if (typeof swap === 'string') throw fieldError(src, 'memory.swap', swap);
  let swapStr = v2Number(swap);
  // memory and memory+swap equal: no swap at all.
  if (swapStr === undefined && swap === 0 && (m.swap ?? 0) > 0) swapStr = '0';
  // Without swap accounting memory.swap.max is missing; "max" or "0" then change nothing.
  if (swapStr !== undefined) {
    out.writes.push({ controller: 'memory', file: 'memory.swap.max', value: swapStr, field: 'memory.swap', ...(swapStr === 'max' || swapStr === '0' ? { tolerate: ['ENOENT'] } : {}) });
  }
  const max = v2Number(m.limit);
  if (max !== undefined) out.writes.push({ controller: 'memory', file: 'memory.max', value: max, field: 'memory.limit' });
  const low = v2Number(m.reservation);
  if (low !== undefined) out.writes.push({ controller: 'memory', file: 'memory.low', value: low, field: 'memory.reservation' });
  if (m.kernel !== undefined || m.kernelTCP !== undefined) {
    out.warnings.push(`${src.prefix}.memory.kernel and kernelTCP are ignored: kernel memory is part of memory.max on cgroup v2`);
  }
  if (m.swappiness !== undefined) out.warnings.push(`${src.prefix}.memory.swappiness is ignored: cgroup v2 has no per-cgroup swappiness`);
  if (m.disableOOMKiller) out.warnings.push(`${src.prefix}.memory.disableOOMKiller is ignored: cgroup v2 cannot disable the OOM killer`);
}

export function v2Cpu(r: LinuxResources, src: Source, out: Translation): void {
  const c = r.cpu;
  if (!c) return;
  if (c.realtimeRuntime || c.realtimePeriod) {
    const field = c.realtimeRuntime ? 'cpu.realtimeRuntime' : 'cpu.realtimePeriod';
    throw fieldError(src, field, 'realtime scheduling limits are not supported on cgroup v2', 'remove cpu.realtimeRuntime and cpu.realtimePeriod');
  }
  if (c.shares) out.writes.push({ controller: 'cpu', file: 'cpu.weight', value: String(sharesToWeight(c.shares)), field: 'cpu.shares' });
  let burst: CgroupWrite | undefined;
  if (c.burst !== undefined) {
    burst = { controller: 'cpu', file: 'cpu.max.burst', value: String(c.burst), field: 'cpu.burst' };
    // A larger burst can be refused until the new quota is in place: try, then again after cpu.max.
    out.writes.push(c.quota ? { ...burst, tolerate: ['EINVAL'] } : burst);
  }
  if (c.quota || c.period) {
    if (c.quota !== undefined && c.quota < -1) throw fieldError(src, 'cpu.quota', `must be positive, or -1 for no limit (got ${c.quota})`);
    let value = c.quota && c.quota > 0 ? String(c.quota) : 'max';
    if (c.period) value += ` ${c.period}`;
    out.writes.push({ controller: 'cpu', file: 'cpu.max', value, field: c.quota ? 'cpu.quota' : 'cpu.period' });
    if (burst && c.quota) out.writes.push(burst);
  }
  if (c.idle !== undefined) out.writes.push({ controller: 'cpu', file: 'cpu.idle', value: String(c.idle), field: 'cpu.idle' });
  checkCpuList(src, 'cpu.cpus', c.cpus);
  checkCpuList(src, 'cpu.mems', c.mems);
  if (c.cpus) out.writes.push({ controller: 'cpuset', file: 'cpuset.cpus', value: c.cpus, field: 'cpu.cpus' });
  if (c.mems) out.writes.push({ controller: 'cpuset', file: 'cpuset.mems', value: c.mems, field: 'cpu.mems' });
}

/** pids.max: a positive limit, or "max" for -1 / 0 (the spec's "no limit"). */
export function pidsValue(limit: number): string {
  return limit > 0 ? String(limit) : 'max';
}

export function v2Pids(r: LinuxResources, _src: Source, out: Translation): void {
  if (r.pids?.limit === undefined) return;
  out.writes.push({ controller: 'pids', file: 'pids.max', value: pidsValue(r.pids.limit), field: 'pids.limit' });
}

export function v2Io(r: LinuxResources, src: Source, out: Translation, has: HasFile): void {
  const b = r.blockIO;
  if (!b) return;
  // With the BFQ scheduler its own weight file takes the v1 range as is (runc does the same).
  const bfq = has('io', 'io.bfq.weight');
  if (b.weight) {
    if (b.weight < 10 || b.weight > 1000) throw fieldError(src, 'blockIO.weight', `must be from 10 to 1000 (got ${b.weight})`);
    out.writes.push(bfq
      ? { controller: 'io', file: 'io.bfq.weight', value: String(b.weight), field: 'blockIO.weight' }
      : { controller: 'io', file: 'io.weight', value: String(blkioWeightToIoWeight(b.weight)), field: 'blockIO.weight' });
  }
  (b.weightDevice ?? []).forEach((d, i) => {
    if (!d.weight) return;
    const field = `blockIO.weightDevice[${i}].weight`;
    if (d.weight < 10 || d.weight > 1000) throw fieldError(src, field, `must be from 10 to 1000 (got ${d.weight})`);
    out.writes.push(bfq
      ? { controller: 'io', file: 'io.bfq.weight', value: `${d.major}:${d.minor} ${d.weight}`, field }
      : { controller: 'io', file: 'io.weight', value: `${d.major}:${d.minor} ${blkioWeightToIoWeight(d.weight)}`, field });
  });
  if (b.leafWeight || (b.weightDevice ?? []).some((d) => d.leafWeight)) {
    out.warnings.push(`${src.prefix}.blockIO leaf weights are ignored: cgroup v2 has none`);
  }
  const throttles = [['throttleReadBpsDevice', 'rbps'], ['throttleWriteBpsDevice', 'wbps'], ['throttleReadIOPSDevice', 'riops'], ['throttleWriteIOPSDevice', 'wiops']] as const;
  for (const [key, name] of throttles) {
    (b[key] ?? []).forEach((t, i) => {
      // In v1 a rate of 0 removes the limit; "max" is v2's way to say that.
      const rate = t.rate > 0 ? String(t.rate) : 'max';
      out.writes.push({ controller: 'io', file: 'io.max', value: `${t.major}:${t.minor} ${name}=${rate}`, field: `blockIO.${key}[${i}]` });
    });
  }
}

export function checkPageSize(src: Source, field: string, pageSize: string): void {
  if (!/^\d+(KB|MB|GB)$/.test(pageSize)) throw fieldError(src, field, `"${pageSize}" is not a page size such as 2MB or 1GB`);
}

export function v2Hugetlb(r: LinuxResources, src: Source, out: Translation, has: HasFile): void {
  (r.hugepageLimits ?? []).forEach((h, i) => {
    const field = `hugepageLimits[${i}]`;
    checkPageSize(src, `${field}.pageSize`, h.pageSize);
    out.writes.push({ controller: 'hugetlb', file: `hugetlb.${h.pageSize}.max`, value: String(h.limit), field });
    if (has('hugetlb', `hugetlb.${h.pageSize}.rsvd.max`)) {
      out.writes.push({ controller: 'hugetlb', file: `hugetlb.${h.pageSize}.rsvd.max`, value: String(h.limit), field });
    }
  });
}

/** One rdma.max line per device: "mlx4_0 hca_handle=2 hca_object=2000" (same on v1 and v2). */
export function rdmaWrites(r: LinuxResources): CgroupWrite[] {
  return Object.entries(r.rdma ?? {}).flatMap(([dev, l]) => {
    let line = dev;
    if (l.hcaHandles !== undefined) line += ` hca_handle=${l.hcaHandles}`;
    if (l.hcaObjects !== undefined) line += ` hca_object=${l.hcaObjects}`;
    return line === dev ? [] : [{ controller: 'rdma', file: 'rdma.max', value: line, field: `rdma.${dev}` }];
  });
}

/** Core files a `unified` entry may set; the others move processes or change the tree. */
const CORE_SETTABLE = new Set(['cgroup.max.depth', 'cgroup.max.descendants']);

/**
 * `unified`: raw v2 files, written last (they override the fields above, as in runc).
 * A key is one file name of the container's own cgroup: no "/", no "..", and not a
 * file that moves processes, kills, freezes or changes the tree.
 */
export function unifiedWrites(r: LinuxResources, src: Source): CgroupWrite[] {
  return Object.entries(r.unified ?? {}).map(([key, value]) => {
    const field = `unified["${key}"]`;
    if (key.includes('/') || key.includes('..') || key.includes('\0')) {
      throw fieldError(src, field, 'must be the name of a file in the container\'s cgroup, without "/" or ".."');
    }
    const m = /^([a-z_]+)\.[A-Za-z0-9_.]+$/.exec(key);
    if (!m) throw fieldError(src, field, 'is not a cgroup file name such as memory.high');
    const controller = m[1]!;
    if (controller === 'cgroup' && !CORE_SETTABLE.has(key)) {
      throw fieldError(src, field, `${key} cannot be set through linux.resources.unified`, 'tsrunc manages processes, freezing and the cgroup tree itself');
    }
    return { controller, file: key, value, field };
  });
}

export function v2Network(r: LinuxResources, src: Source, out: Translation): void {
  if (r.network && (r.network.classID !== undefined || (r.network.priorities ?? []).length > 0)) {
    out.warnings.push(`${src.prefix}.network is ignored: net_cls and net_prio do not exist on cgroup v2`);
  }
}
