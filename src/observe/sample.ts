/**
 * One observation of a container: PSI totals, CPU time, throttling, OOM kills and the
 * collector's counters, stamped with the wall clock. Two samples make a window; with
 * no daemon, the previous sample is kept in the container's state directory, so each
 * call reports what happened since the last one.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { ContainerCgroup } from '../cgroups/driver.js';
import { writeAtomic } from '../fsutil.js';
import type { Collector } from './collector.js';
import { COUNTER_NAMES, type ProcCounters } from './counters.js';

export type PsiKey = 'cpu_some' | 'cpu_full' | 'memory_some' | 'memory_full' | 'io_some' | 'io_full';
export const PSI_KEYS: PsiKey[] = ['cpu_some', 'cpu_full', 'memory_some', 'memory_full', 'io_some', 'io_full'];

export interface Sample {
  atMs: number;
  cgroupId?: string;
  /** Stall totals in µs (cumulative, from the *.pressure files). */
  psiTotalUs: Partial<Record<PsiKey, number>>;
  /** avg10 in percent, as the kernel reports it (lags by 2–10 s). */
  psiAvg10: Partial<Record<PsiKey, number>>;
  cpuUsageNs: number;
  /** The CPUs it may run on (cpuset effective CPUs), when the cpuset controller says. */
  cpus?: number[];
  nrThrottled: number;
  oomKills: number;
  /** The collector's load stamp: a different one means its counters restarted. */
  collectorLoadedAtMs?: number;
  counters?: ProcCounters;
}

/** What changed between two samples. Percentages are of wall time, clamped to 100. */
export interface Window {
  seconds: number;
  psi: Partial<Record<PsiKey, number>>;
  /** CPU time used in the window, in percent of one CPU. */
  cpu_usage_pct: number;
  cpu_usage_ns: number;
  throttled: number;
  oom_kills: number;
  /** Counter deltas; absent when the collector is off or restarted in between. */
  proc?: ProcCounters;
  forks_per_sec?: number;
  execs_per_sec?: number;
  exits_per_sec?: number;
}

function psiOf(cg: ContainerCgroup, resource: 'cpu' | 'memory' | 'io', out: Sample): void {
  const p = cg.psi(resource);
  for (const kind of ['some', 'full'] as const) {
    const d = p?.[kind];
    if (!d) continue;
    out.psiTotalUs[`${resource}_${kind}`] = d.total;
    out.psiAvg10[`${resource}_${kind}`] = d.avg10;
  }
}

export function takeSample(cg: ContainerCgroup, collector: Collector | undefined): Sample {
  const stats = cg.stats();
  const id = cg.id();
  const s: Sample = {
    atMs: Date.now(),
    ...(id !== undefined ? { cgroupId: String(id) } : {}),
    psiTotalUs: {},
    psiAvg10: {},
    cpuUsageNs: Number(stats.cpu.usage['total'] ?? 0n),
    ...(() => { const cpus = cg.effectiveCpus(); return cpus ? { cpus } : {}; })(),
    nrThrottled: Number(stats.cpu.throttling['throttled_periods'] ?? 0n),
    oomKills: Number(cg.oomKills()),
  };
  psiOf(cg, 'cpu', s);
  psiOf(cg, 'memory', s);
  psiOf(cg, 'io', s);
  const counters = id !== undefined ? collector?.counters(id) : undefined;
  if (collector && counters) {
    s.collectorLoadedAtMs = collector.loadedAtMs;
    s.counters = counters;
  }
  return s;
}

const round = (x: number, digits = 2) => Number(x.toFixed(digits));

/** The window from prev to cur; undefined when prev is not of the same cgroup or not older. */
export function windowOf(prev: Sample | undefined, cur: Sample): Window | undefined {
  if (!prev || prev.cgroupId !== cur.cgroupId || cur.atMs <= prev.atMs) return undefined;
  const ms = cur.atMs - prev.atMs;
  const pct = (deltaUs: number) => round(Math.min(100, Math.max(0, (deltaUs / 1000 / ms) * 100)));
  const psi: Window['psi'] = {};
  for (const k of PSI_KEYS) {
    const a = prev.psiTotalUs[k];
    const b = cur.psiTotalUs[k];
    if (a !== undefined && b !== undefined) psi[k] = pct(b - a);
  }
  const usage = Math.max(0, cur.cpuUsageNs - prev.cpuUsageNs);
  const w: Window = {
    seconds: round(ms / 1000, 3),
    psi,
    cpu_usage_pct: round((usage / 1e6 / ms) * 100),
    cpu_usage_ns: usage,
    throttled: Math.max(0, cur.nrThrottled - prev.nrThrottled),
    oom_kills: Math.max(0, cur.oomKills - prev.oomKills),
  };
  if (prev.counters && cur.counters && prev.collectorLoadedAtMs === cur.collectorLoadedAtMs) {
    const d = {} as ProcCounters;
    for (const n of COUNTER_NAMES) d[n] = Math.max(0, cur.counters[n] - prev.counters[n]);
    w.proc = d;
    w.forks_per_sec = round(d.forks / (ms / 1000));
    w.execs_per_sec = round(d.execs / (ms / 1000));
    w.exits_per_sec = round(d.exits / (ms / 1000));
  }
  return w;
}

/** The previous sample a command left in the container's state directory (name: per command). */
export function previousSample(stateDir: string, name: string): Sample | undefined {
  try {
    return JSON.parse(fs.readFileSync(path.join(stateDir, name), 'utf8')) as Sample;
  } catch {
    return undefined;
  }
}

export function keepSample(stateDir: string, name: string, s: Sample): void {
  try {
    writeAtomic(path.join(stateDir, name), JSON.stringify(s), 0o600);
  } catch {
    // The container was deleted meanwhile: its window does not matter any more.
  }
}
