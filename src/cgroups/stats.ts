/**
 * `events` data: the container's usage in runc's Stats shape (types/events.go), read
 * from whichever hierarchy holds each controller, plus PSI from the unified cgroup.
 * Counters can pass 2^53, so they are BigInts; toJson() writes them as plain numbers.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { CgroupRecord } from './record.js';
import { type PsiStats, readPsi } from './psi.js';

const MAX_U64 = 18446744073709551615n;

function read(dir: string | undefined, file: string): string | undefined {
  if (!dir) return undefined;
  try {
    return fs.readFileSync(path.join(dir, file), 'utf8');
  } catch {
    return undefined;
  }
}

/** A single number file; "max" is the largest u64, as runc reports it. */
function num(dir: string | undefined, file: string): bigint | undefined {
  const t = read(dir, file)?.trim();
  if (t === undefined || t === '') return undefined;
  if (t === 'max') return MAX_U64;
  try {
    return BigInt(t);
  } catch {
    return undefined;
  }
}

/** "key value" lines → map. */
export function keyValues(text: string | undefined): Record<string, bigint> {
  const out: Record<string, bigint> = {};
  for (const line of (text ?? '').split('\n')) {
    const [k, v] = line.trim().split(/\s+/);
    if (k && v && /^\d+$/.test(v)) out[k] = BigInt(v);
  }
  return out;
}

export interface Stats {
  cpu: { usage: Record<string, bigint | bigint[]>; throttling: Record<string, bigint>; psi?: PsiStats };
  memory: { cache?: bigint; usage: Record<string, bigint>; swap: Record<string, bigint>; kernel: Record<string, bigint>; kernelTCP: Record<string, bigint>; raw?: Record<string, bigint>; psi?: PsiStats };
  pids: { current?: bigint; limit?: bigint };
  blkio: { ioServiceBytesRecursive?: BlkioEntry[]; ioServicedRecursive?: BlkioEntry[]; psi?: PsiStats };
  hugetlb: Record<string, { usage?: bigint; max?: bigint; failcnt: bigint }>;
}

export interface BlkioEntry {
  major: bigint;
  minor: bigint;
  op: string;
  value: bigint;
}

/** The directory of a controller: its v1 cgroup, or the unified one. */
function dirOf(set: CgroupRecord, v1: string): { dir: string | undefined; v1: boolean } {
  const d = set.v1?.[v1];
  return d ? { dir: d, v1: true } : { dir: set.unified, v1: false };
}

function cpuStats(set: CgroupRecord): Stats['cpu'] {
  const acct = dirOf(set, 'cpuacct');
  const cpu = dirOf(set, 'cpu');
  const usage: Stats['cpu']['usage'] = {};
  if (acct.v1) {
    usage['total'] = num(acct.dir, 'cpuacct.usage') ?? 0n;
    const percpu = read(acct.dir, 'cpuacct.usage_percpu')?.trim().split(/\s+/).filter(Boolean).map(BigInt);
    if (percpu?.length) usage['percpu'] = percpu;
    // cpuacct.stat counts USER_HZ ticks (100 per second).
    const st = keyValues(read(acct.dir, 'cpuacct.stat'));
    usage['kernel'] = (st['system'] ?? 0n) * 10_000_000n;
    usage['user'] = (st['user'] ?? 0n) * 10_000_000n;
  } else {
    const st = keyValues(read(acct.dir, 'cpu.stat'));
    usage['total'] = (st['usage_usec'] ?? 0n) * 1000n;
    usage['kernel'] = (st['system_usec'] ?? 0n) * 1000n;
    usage['user'] = (st['user_usec'] ?? 0n) * 1000n;
  }
  const st = keyValues(read(cpu.dir, 'cpu.stat'));
  const throttling: Record<string, bigint> = {};
  if (st['nr_periods'] !== undefined) throttling['periods'] = st['nr_periods'];
  if (st['nr_throttled'] !== undefined) throttling['throttled_periods'] = st['nr_throttled'];
  const time = cpu.v1 ? st['throttled_time'] : st['throttled_usec'] !== undefined ? st['throttled_usec'] * 1000n : undefined;
  if (time !== undefined) throttling['throttled_time'] = time;
  const psi = readPsi(set.unified, 'cpu');
  return { usage, throttling, ...(psi ? { psi } : {}) };
}

function memoryStats(set: CgroupRecord): Stats['memory'] {
  const { dir, v1 } = dirOf(set, 'memory');
  const raw = keyValues(read(dir, 'memory.stat'));
  const entry = (prefix: string): Record<string, bigint> => {
    const e: Record<string, bigint> = { limit: num(dir, `${prefix}.limit_in_bytes`) ?? 0n, failcnt: num(dir, `${prefix}.failcnt`) ?? 0n };
    const usage = num(dir, `${prefix}.usage_in_bytes`);
    const max = num(dir, `${prefix}.max_usage_in_bytes`);
    if (usage) e['usage'] = usage;
    if (max) e['max'] = max;
    return e;
  };
  const psi = readPsi(set.unified, 'memory');
  if (v1) {
    return { cache: raw['total_cache'] ?? raw['cache'] ?? 0n, usage: entry('memory'), swap: entry('memory.memsw'), kernel: entry('memory.kmem'), kernelTCP: entry('memory.kmem.tcp'), raw, ...(psi ? { psi } : {}) };
  }
  const usage = num(dir, 'memory.current') ?? 0n;
  const limit = num(dir, 'memory.max') ?? MAX_U64;
  const swapUsage = num(dir, 'memory.swap.current') ?? 0n;
  const swapLimit = num(dir, 'memory.swap.max') ?? MAX_U64;
  const events = keyValues(read(dir, 'memory.events'));
  // Like runc: v1 reported memory+swap, so v2's swap numbers get memory added.
  return {
    cache: raw['file'] ?? 0n,
    usage: { usage, limit, failcnt: events['max'] ?? 0n, ...(num(dir, 'memory.peak') ? { max: num(dir, 'memory.peak')! } : {}) },
    swap: { usage: swapUsage + usage, limit: swapLimit === MAX_U64 ? MAX_U64 : swapLimit + limit, failcnt: 0n },
    kernel: { limit: 0n, failcnt: 0n },
    kernelTCP: { limit: 0n, failcnt: 0n },
    raw,
    ...(psi ? { psi } : {}),
  };
}

function pidsStats(set: CgroupRecord): Stats['pids'] {
  const { dir } = dirOf(set, 'pids');
  const current = num(dir, 'pids.current');
  const limit = num(dir, 'pids.max');
  return { ...(current !== undefined ? { current } : {}), ...(limit !== undefined && limit !== MAX_U64 ? { limit } : {}) };
}

/** v2 io.stat: "8:0 rbytes=1 wbytes=2 rios=3 wios=4 dbytes=0 dios=0". */
export function parseIoStat(text: string | undefined): { bytes: BlkioEntry[]; ios: BlkioEntry[] } {
  const bytes: BlkioEntry[] = [];
  const ios: BlkioEntry[] = [];
  for (const line of (text ?? '').split('\n')) {
    const [dev, ...kv] = line.trim().split(/\s+/);
    const m = /^(\d+):(\d+)$/.exec(dev ?? '');
    if (!m) continue;
    const major = BigInt(m[1]!);
    const minor = BigInt(m[2]!);
    for (const f of kv) {
      const [k, v] = f.split('=');
      if (v === undefined) continue;
      const value = BigInt(v);
      if (k === 'rbytes') bytes.push({ major, minor, op: 'Read', value });
      if (k === 'wbytes') bytes.push({ major, minor, op: 'Write', value });
      if (k === 'rios') ios.push({ major, minor, op: 'Read', value });
      if (k === 'wios') ios.push({ major, minor, op: 'Write', value });
    }
  }
  return { bytes, ios };
}

/** v1 blkio files: "8:0 Read 4096" lines (and a "Total" line). */
export function parseBlkio(text: string | undefined): BlkioEntry[] {
  const out: BlkioEntry[] = [];
  for (const line of (text ?? '').split('\n')) {
    const m = /^(\d+):(\d+) (\w+) (\d+)$/.exec(line.trim());
    if (m) out.push({ major: BigInt(m[1]!), minor: BigInt(m[2]!), op: m[3]!, value: BigInt(m[4]!) });
  }
  return out;
}

function blkioStats(set: CgroupRecord): Stats['blkio'] {
  const psi = readPsi(set.unified, 'io');
  const d = set.v1?.['blkio'];
  if (d) {
    const pick = (a: string, b: string) => parseBlkio(read(d, a) ?? read(d, b));
    return {
      ioServiceBytesRecursive: pick('blkio.io_service_bytes_recursive', 'blkio.throttle.io_service_bytes_recursive'),
      ioServicedRecursive: pick('blkio.io_serviced_recursive', 'blkio.throttle.io_serviced_recursive'),
      ...(psi ? { psi } : {}),
    };
  }
  const io = parseIoStat(read(set.unified, 'io.stat'));
  return { ioServiceBytesRecursive: io.bytes, ioServicedRecursive: io.ios, ...(psi ? { psi } : {}) };
}

function hugetlbStats(set: CgroupRecord): Stats['hugetlb'] {
  const { dir, v1 } = dirOf(set, 'hugetlb');
  const out: Stats['hugetlb'] = {};
  let files: string[] = [];
  try { files = dir ? fs.readdirSync(dir) : []; } catch { /* gone */ }
  for (const f of files) {
    const m = v1 ? /^hugetlb\.(\w+)\.usage_in_bytes$/.exec(f) : /^hugetlb\.(\w+)\.current$/.exec(f);
    if (!m) continue;
    const size = m[1]!;
    const usage = num(dir, f);
    const max = v1 ? num(dir, `hugetlb.${size}.max_usage_in_bytes`) : undefined;
    const failcnt = v1 ? num(dir, `hugetlb.${size}.failcnt`) ?? 0n : keyValues(read(dir, `hugetlb.${size}.events`))['max'] ?? 0n;
    out[size] = { ...(usage ? { usage } : {}), ...(max ? { max } : {}), failcnt };
  }
  return out;
}

export function readStats(set: CgroupRecord): Stats {
  return { cpu: cpuStats(set), memory: memoryStats(set), pids: pidsStats(set), blkio: blkioStats(set), hugetlb: hugetlbStats(set) };
}

/** How many times the kernel's OOM killer killed in the container (memory.events or v1 memory.oom_control). */
export function oomKills(set: CgroupRecord): bigint {
  const { dir, v1 } = dirOf(set, 'memory');
  return keyValues(read(dir, v1 ? 'memory.oom_control' : 'memory.events'))['oom_kill'] ?? 0n;
}

/** Current memory use in bytes (for memory.checkBeforeUpdate). */
export function memoryUsage(set: CgroupRecord): bigint {
  const { dir, v1 } = dirOf(set, 'memory');
  return num(dir, v1 ? 'memory.usage_in_bytes' : 'memory.current') ?? 0n;
}

/** "0-2,5" → [0, 1, 2, 5]. */
export function parseCpuList(text: string): number[] {
  const out: number[] = [];
  for (const part of text.trim().split(',')) {
    const m = /^(\d+)(?:-(\d+))?$/.exec(part);
    if (!m) continue;
    for (let c = Number(m[1]); c <= Number(m[2] ?? m[1]); c++) out.push(c);
  }
  return out;
}

/** The CPUs the container may run on (cpuset effective CPUs), when the cpuset controller says. */
export function effectiveCpus(set: CgroupRecord): number[] | undefined {
  const candidates: [string | undefined, string][] = [[set.v1?.['cpuset'], 'cpuset.effective_cpus'], [set.unified, 'cpuset.cpus.effective']];
  for (const [dir, file] of candidates) {
    const cpus = parseCpuList(read(dir, file) ?? '');
    if (cpus.length) return cpus;
  }
  return undefined;
}
