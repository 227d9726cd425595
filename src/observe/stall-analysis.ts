/**
 * Who is stalled, by what, and how much: findings per container from one window, and
 * the inferred attribution of a CPU stall to a neighbour. Pure functions over samples,
 * so the rules are tested without containers.
 *
 * Thresholds are the anchors of the issue: cpu some ≥ 40 % (linnix), memory full ≥ 60 %
 * (systemd-oomd's default), io full ≥ 50 % (linnix), forks ≥ 15/s warning and ≥ 60/s
 * critical (linnix #111). PSI percentages come from Δtotal over the window (avg10 lags
 * by up to 10 s), or from avg10 when there is no window yet.
 */
import type { PsiKey, Sample, Window } from './sample.js';

export interface Thresholds {
  cpuSome: number;
  memoryFull: number;
  ioFull: number;
  forksWarn: number;
  forksCritical: number;
}

export const DEFAULT_THRESHOLDS: Thresholds = { cpuSome: 40, memoryFull: 60, ioFull: 50, forksWarn: 15, forksCritical: 60 };

export type FindingKind = 'cpu_contention' | 'memory_pressure' | 'io_pressure' | 'fork_storm' | 'throttled' | 'oom_kill';

export interface Finding {
  kind: FindingKind;
  severity: 'warning' | 'critical';
  value: number;
  threshold: number;
  /** Where the value comes from, in words. */
  basis: string;
}

/** A victim's stall laid on the neighbour that used the most CPU in the same window. */
export interface Attribution {
  offender: string;
  /** The offender's share of the CPU time all the victim's neighbours used in the window. */
  cpu_share_pct: number;
  offender_cpu_pct: number;
  offender_forks_per_sec?: number;
  /** "inferred": from concurrent usage, not from scheduler events. */
  evidence: 'inferred';
}

export interface Observed {
  id: string;
  status: string;
  sample: Sample;
  window?: Window;
}

export interface ContainerReport {
  id: string;
  status: string;
  cgroup_id?: string;
  /** avg10 as the kernel reports it, in percent. */
  psi_avg10: Partial<Record<PsiKey, number>>;
  /** Δtotal over the window, in percent (absent on a first call). */
  psi_window?: Partial<Record<PsiKey, number>>;
  cpu_usage_pct?: number;
  forks_per_sec?: number;
  throttled_periods: number;
  throttled_in_window?: number;
  oom_kills: number;
  findings: Finding[];
  attribution?: Attribution;
}

/** The window's PSI value, or avg10 without a window. */
function psiValue(o: Observed, key: PsiKey): { value: number; basis: string } | undefined {
  const w = o.window?.psi[key];
  if (w !== undefined) return { value: w, basis: `${key.replace('_', ' ')} over the last ${o.window!.seconds} s (PSI total)` };
  const a = o.sample.psiAvg10[key];
  return a === undefined ? undefined : { value: a, basis: `${key.replace('_', ' ')} avg10` };
}

export function findingsOf(o: Observed, t: Thresholds): Finding[] {
  const out: Finding[] = [];
  const psi = (kind: FindingKind, key: PsiKey, threshold: number) => {
    const v = psiValue(o, key);
    if (v && v.value >= threshold) out.push({ kind, severity: 'warning', value: v.value, threshold, basis: v.basis });
  };
  psi('cpu_contention', 'cpu_some', t.cpuSome);
  psi('memory_pressure', 'memory_full', t.memoryFull);
  psi('io_pressure', 'io_full', t.ioFull);
  const fps = o.window?.forks_per_sec;
  if (fps !== undefined && fps >= t.forksWarn) {
    const critical = fps >= t.forksCritical;
    out.push({ kind: 'fork_storm', severity: critical ? 'critical' : 'warning', value: fps, threshold: critical ? t.forksCritical : t.forksWarn, basis: `forks per second over the last ${o.window!.seconds} s (eBPF)` });
  }
  // Throttling is the container's own CPU quota at work, not a neighbour's doing.
  if (o.window && o.window.throttled > 0) out.push({ kind: 'throttled', severity: 'warning', value: o.window.throttled, threshold: 1, basis: 'periods throttled by its own cpu quota in the window (cpu.stat nr_throttled)' });
  if (o.window ? o.window.oom_kills > 0 : o.sample.oomKills > 0) {
    out.push({ kind: 'oom_kill', severity: 'critical', value: o.window?.oom_kills ?? o.sample.oomKills, threshold: 1, basis: o.window ? 'OOM kills in the window' : 'OOM kills since create' });
  }
  return out;
}

/** Whether two containers can compete for a CPU (unknown cpusets: assume they can). */
function shareCpus(a: Observed, b: Observed): boolean {
  if (!a.sample.cpus || !b.sample.cpus) return true;
  return a.sample.cpus.some((c) => b.sample.cpus!.includes(c));
}

/**
 * The neighbour with the largest CPU share in the window among those that can run on the
 * victim's CPUs; its fork rate adds to its score (linnix's blame: short tasks steal
 * wake-up latency beyond their CPU time).
 */
export function attributeCpuStall(victim: Observed, all: Observed[]): Attribution | undefined {
  const others = all.filter((o) => o.id !== victim.id && o.window && shareCpus(victim, o));
  const total = others.reduce((s, o) => s + o.window!.cpu_usage_ns, 0);
  if (total <= 0) return undefined;
  const score = (o: Observed) => o.window!.cpu_usage_ns / total + Math.min((o.window!.forks_per_sec ?? 0) / 100, 1);
  const top = others.reduce((a, b) => (score(b) > score(a) ? b : a));
  if (top.window!.cpu_usage_ns <= 0 && !(top.window!.forks_per_sec ?? 0)) return undefined;
  return {
    offender: top.id,
    cpu_share_pct: Number(((top.window!.cpu_usage_ns / total) * 100).toFixed(2)),
    offender_cpu_pct: top.window!.cpu_usage_pct,
    ...(top.window!.forks_per_sec !== undefined ? { offender_forks_per_sec: top.window!.forks_per_sec } : {}),
    evidence: 'inferred',
  };
}

export function analyse(all: Observed[], t: Thresholds): ContainerReport[] {
  return all.map((o) => {
    const findings = findingsOf(o, t);
    const attribution = findings.some((f) => f.kind === 'cpu_contention') ? attributeCpuStall(o, all) : undefined;
    return {
      id: o.id,
      status: o.status,
      ...(o.sample.cgroupId ? { cgroup_id: o.sample.cgroupId } : {}),
      psi_avg10: o.sample.psiAvg10,
      ...(o.window ? { psi_window: o.window.psi, cpu_usage_pct: o.window.cpu_usage_pct } : {}),
      ...(o.window?.forks_per_sec !== undefined ? { forks_per_sec: o.window.forks_per_sec } : {}),
      throttled_periods: o.sample.nrThrottled,
      ...(o.window ? { throttled_in_window: o.window.throttled } : {}),
      oom_kills: o.sample.oomKills,
      findings,
      ...(attribution ? { attribution } : {}),
    };
  });
}
