/**
 * linux.resources → cgroup v1 files, as runc's fs driver writes them. Pure, like the
 * v2 side; the order of writes and the tolerated errors encode runc's "write A before
 * B unless that fails, then B and A again" dances, so the apply step stays a loop.
 */
import type { LinuxResources } from '../spec/generated/types.js';
import { pidsValue, checkPageSize, type Translation } from './v2-resources.js';
import { type CgroupWrite, type HasFile, type Source, checkCpuList, checkLimit, fieldError } from './writes.js';

export function v1Memory(r: LinuxResources, src: Source, out: Translation, has: HasFile): void {
  const m = r.memory;
  if (!m) return;
  checkLimit(src, 'memory.limit', m.limit);
  checkLimit(src, 'memory.swap', m.swap);
  checkLimit(src, 'memory.reservation', m.reservation);
  let swap = m.swap ?? 0;
  const limit = m.limit ?? 0;
  // "No memory limit" without a swap value means no memory+swap limit either (runc).
  if (limit === -1 && swap === 0 && has('memory', 'memory.memsw.limit_in_bytes')) swap = -1;
  if (swap !== 0 && swap !== -1 && limit > 0 && swap < limit) {
    throw fieldError(src, 'memory.swap', `memory+swap (${swap}) must be at least the memory limit (${limit})`);
  }
  const mem: CgroupWrite = { controller: 'memory', file: 'memory.limit_in_bytes', value: String(limit), field: 'memory.limit' };
  const memsw: CgroupWrite = { controller: 'memory', file: 'memory.memsw.limit_in_bytes', value: String(swap), field: 'memory.swap' };
  if (limit !== 0 && swap !== 0) {
    // The kernel keeps memory ≤ memory+swap at every step: growing needs memsw first,
    // shrinking memory first. Trying memsw first (tolerated), then both, fits either.
    out.writes.push({ ...memsw, tolerate: ['EINVAL'] }, mem, memsw);
  } else if (limit !== 0) {
    out.writes.push(mem);
  } else if (swap !== 0) {
    out.writes.push(memsw);
  }
  if (m.reservation) out.writes.push({ controller: 'memory', file: 'memory.soft_limit_in_bytes', value: String(m.reservation), field: 'memory.reservation' });
  if (m.swappiness !== undefined) {
    if (m.swappiness > 100) throw fieldError(src, 'memory.swappiness', `must be from 0 to 100 (got ${m.swappiness})`);
    out.writes.push({ controller: 'memory', file: 'memory.swappiness', value: String(m.swappiness), field: 'memory.swappiness' });
  }
  if (m.disableOOMKiller) out.writes.push({ controller: 'memory', file: 'memory.oom_control', value: '1', field: 'memory.disableOOMKiller' });
  // The kernel ignores kmem limits since 5.16 (runc ignores them too); the TCP one still works.
  if (m.kernel !== undefined) out.warnings.push(`${src.prefix}.memory.kernel is ignored: the kernel no longer limits kernel memory separately`);
  if (m.kernelTCP) {
    if (has('memory', 'memory.kmem.tcp.limit_in_bytes')) {
      out.writes.push({ controller: 'memory', file: 'memory.kmem.tcp.limit_in_bytes', value: String(m.kernelTCP), field: 'memory.kernelTCP' });
    } else {
      out.warnings.push(`${src.prefix}.memory.kernelTCP is ignored: this kernel has no memory.kmem.tcp.limit_in_bytes`);
    }
  }
}

export function v1Cpu(r: LinuxResources, src: Source, out: Translation): void {
  const c = r.cpu;
  if (!c) return;
  const w = (file: string, value: number | string, field: string, tolerate?: string[]): CgroupWrite =>
    ({ controller: 'cpu', file, value: String(value), field, ...(tolerate ? { tolerate } : {}) });
  if (c.shares) out.writes.push(w('cpu.shares', c.shares, 'cpu.shares'));
  // A smaller period can be refused while the old quota is in place: period, quota, period.
  if (c.period) out.writes.push(w('cpu.cfs_period_us', c.period, 'cpu.period', c.quota ? ['EINVAL'] : undefined));
  if (c.burst !== undefined) out.writes.push(w('cpu.cfs_burst_us', c.burst, 'cpu.burst', c.quota ? ['EINVAL'] : undefined));
  if (c.quota) {
    if (c.quota < -1) throw fieldError(src, 'cpu.quota', `must be positive, or -1 for no limit (got ${c.quota})`);
    out.writes.push(w('cpu.cfs_quota_us', c.quota, 'cpu.quota'));
    if (c.period) out.writes.push(w('cpu.cfs_period_us', c.period, 'cpu.period'));
    if (c.burst !== undefined) out.writes.push(w('cpu.cfs_burst_us', c.burst, 'cpu.burst'));
  }
  if (c.realtimePeriod) out.writes.push(w('cpu.rt_period_us', c.realtimePeriod, 'cpu.realtimePeriod'));
  if (c.realtimeRuntime) out.writes.push(w('cpu.rt_runtime_us', c.realtimeRuntime, 'cpu.realtimeRuntime'));
  if (c.idle !== undefined) out.writes.push(w('cpu.idle', c.idle, 'cpu.idle'));
  checkCpuList(src, 'cpu.cpus', c.cpus);
  checkCpuList(src, 'cpu.mems', c.mems);
  if (c.cpus) out.writes.push({ controller: 'cpuset', file: 'cpuset.cpus', value: c.cpus, field: 'cpu.cpus' });
  if (c.mems) out.writes.push({ controller: 'cpuset', file: 'cpuset.mems', value: c.mems, field: 'cpu.mems' });
}

export function v1Pids(r: LinuxResources, _src: Source, out: Translation): void {
  if (r.pids?.limit === undefined) return;
  out.writes.push({ controller: 'pids', file: 'pids.max', value: pidsValue(r.pids.limit), field: 'pids.limit' });
}

export function v1Blkio(r: LinuxResources, src: Source, out: Translation, has: HasFile): void {
  const b = r.blockIO;
  if (!b) return;
  // CFQ had blkio.weight; with BFQ it is blkio.bfq.weight; with neither there is no weight.
  const weightFile = has('blkio', 'blkio.weight') ? 'blkio.weight' : has('blkio', 'blkio.bfq.weight') ? 'blkio.bfq.weight' : undefined;
  const noWeight = (field: string) => fieldError(src, field, 'this kernel has no blkio weight (neither blkio.weight nor blkio.bfq.weight: no CFQ or BFQ scheduler)',
    'remove the blkio weights, or use the BFQ I/O scheduler');
  if (b.weight) {
    if (!weightFile) throw noWeight('blockIO.weight');
    out.writes.push({ controller: 'blkio', file: weightFile, value: String(b.weight), field: 'blockIO.weight' });
  }
  if (b.leafWeight) out.writes.push({ controller: 'blkio', file: 'blkio.leaf_weight', value: String(b.leafWeight), field: 'blockIO.leafWeight' });
  (b.weightDevice ?? []).forEach((d, i) => {
    const field = `blockIO.weightDevice[${i}]`;
    if (d.weight) {
      if (!weightFile) throw noWeight(field);
      out.writes.push({ controller: 'blkio', file: `${weightFile}_device`, value: `${d.major}:${d.minor} ${d.weight}`, field });
    }
    if (d.leafWeight) out.writes.push({ controller: 'blkio', file: 'blkio.leaf_weight_device', value: `${d.major}:${d.minor} ${d.leafWeight}`, field });
  });
  const throttles = [['throttleReadBpsDevice', 'read_bps'], ['throttleWriteBpsDevice', 'write_bps'], ['throttleReadIOPSDevice', 'read_iops'], ['throttleWriteIOPSDevice', 'write_iops']] as const;
  for (const [key, name] of throttles) {
    (b[key] ?? []).forEach((t, i) => {
      out.writes.push({ controller: 'blkio', file: `blkio.throttle.${name}_device`, value: `${t.major}:${t.minor} ${t.rate}`, field: `blockIO.${key}[${i}]` });
    });
  }
}

export function v1Hugetlb(r: LinuxResources, src: Source, out: Translation, has: HasFile): void {
  (r.hugepageLimits ?? []).forEach((h, i) => {
    const field = `hugepageLimits[${i}]`;
    checkPageSize(src, `${field}.pageSize`, h.pageSize);
    out.writes.push({ controller: 'hugetlb', file: `hugetlb.${h.pageSize}.limit_in_bytes`, value: String(h.limit), field });
    if (has('hugetlb', `hugetlb.${h.pageSize}.rsvd.limit_in_bytes`)) {
      out.writes.push({ controller: 'hugetlb', file: `hugetlb.${h.pageSize}.rsvd.limit_in_bytes`, value: String(h.limit), field });
    }
  });
}

export function v1Network(r: LinuxResources, _src: Source, out: Translation): void {
  const n = r.network;
  if (!n) return;
  if (n.classID !== undefined) out.writes.push({ controller: 'net_cls', file: 'net_cls.classid', value: String(n.classID), field: 'network.classID' });
  (n.priorities ?? []).forEach((p, i) => {
    out.writes.push({ controller: 'net_prio', file: 'net_prio.ifpriomap', value: `${p.name} ${p.priority}`, field: `network.priorities[${i}]` });
  });
}
