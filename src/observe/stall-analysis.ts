/**
 * Who is stalled, by what, and how much: findings per container from one window, and
 * the attribution of a CPU stall to neighbours (measured evidence, inferred blame). Pure functions over samples,
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
  /** cpu_contention only: the neighbours it is laid on (see Offender). */
  offenders?: Offender[];
}

/** Why a neighbour is named for a victim's cpu stall. */
export type OffenderReason = 'cpu_share' | 'fork_storm' | 'short_job_churn';

/**
 * A neighbour named for a victim's cpu stall, with its evidence. The numbers under
 * `measured` were read from the kernel for that neighbour over the window (its cpu usage
 * delta from cpuacct/cpu.stat, its fork and short-lived-exit counter deltas from the
 * collector); the blame itself, that this use caused the victim's stall, is `inferred`
 * from the overlap of CPUs and timing, not measured from the scheduler.
 */
export interface Offender {
  offender: string;
  /** cpu_share: the largest share of the neighbours' cpu time; fork_storm: forks/s ≥ the
   * warning threshold; short_job_churn: short-lived exits/s ≥ the same threshold. */
  reasons: OffenderReason[];
  /** The blame: always inferred. */
  evidence: 'inferred';
  /** The CPUs it shares with the victim (absent when a cpuset is unknown: assumed shared). */
  shared_cpus?: number[];
  measured: {
    window_seconds: number;
    cpu_usage_ns: number;
    /** Percent of one CPU. */
    cpu_pct: number;
    /** Its share of the cpu time all the victim's neighbours on those CPUs used. */
    cpu_share_pct: number;
    forks?: number;
    forks_per_sec?: number;
    short_lived?: number;
    short_lived_per_sec?: number;
  };
}

/** The first offender, kept as `attribution` (the report's field before offenders were listed). */
export type Attribution = Offender;

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
  /** For a cpu stall: every neighbour named, most to blame first. */
  offenders?: Offender[];
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

const round = (x: number) => Number(x.toFixed(2));

/**
 * The neighbours a victim's cpu stall is laid on, among those that can run on its CPUs
 * (cpuset) and were observed over the window: the one with the largest CPU share, and
 * every one with a fork storm or short-job churn (≥ forksWarn per second) even with a
 * small share — fork storms cost scheduler and memory time beyond their own cpu time
 * (linnix's blame: short tasks steal wake-up latency). Most to blame first: cpu share
 * plus fork and churn rates (each capped at 100/s = one whole share).
 */
export function offendersOf(victim: Observed, all: Observed[], t: Thresholds = DEFAULT_THRESHOLDS): Offender[] {
  const others = all.filter((o) => o.id !== victim.id && o.window && shareCpus(victim, o));
  const total = others.reduce((s, o) => s + o.window!.cpu_usage_ns, 0);
  const shortRate = (o: Observed) => (o.window!.proc ? o.window!.proc.short_lived / o.window!.seconds : undefined);
  const share = (o: Observed) => (total > 0 ? o.window!.cpu_usage_ns / total : 0);
  const score = (o: Observed) => share(o) + Math.min((o.window!.forks_per_sec ?? 0) / 100, 1) + Math.min((shortRate(o) ?? 0) / 100, 1);
  const top = others.filter((o) => o.window!.cpu_usage_ns > 0).reduce<Observed | undefined>((a, b) => (!a || b.window!.cpu_usage_ns > a.window!.cpu_usage_ns ? b : a), undefined);
  const named: { o: Observed; reasons: OffenderReason[] }[] = [];
  for (const o of others) {
    const reasons: OffenderReason[] = [];
    if (o === top) reasons.push('cpu_share');
    if ((o.window!.forks_per_sec ?? 0) >= t.forksWarn) reasons.push('fork_storm');
    if ((shortRate(o) ?? 0) >= t.forksWarn) reasons.push('short_job_churn');
    if (reasons.length) named.push({ o, reasons });
  }
  named.sort((a, b) => score(b.o) - score(a.o) || a.o.id.localeCompare(b.o.id));
  return named.map(({ o, reasons }) => {
    const w = o.window!;
    const sl = shortRate(o);
    const shared = victim.sample.cpus && o.sample.cpus ? victim.sample.cpus.filter((c) => o.sample.cpus!.includes(c)) : undefined;
    return {
      offender: o.id,
      reasons,
      evidence: 'inferred' as const,
      ...(shared ? { shared_cpus: shared } : {}),
      measured: {
        window_seconds: w.seconds,
        cpu_usage_ns: w.cpu_usage_ns,
        cpu_pct: w.cpu_usage_pct,
        cpu_share_pct: round(share(o) * 100),
        ...(w.proc ? { forks: w.proc.forks, forks_per_sec: w.forks_per_sec ?? 0, short_lived: w.proc.short_lived, short_lived_per_sec: round(sl ?? 0) } : {}),
      },
    };
  });
}

/** The neighbour most to blame for a victim's cpu stall (the first of offendersOf). */
export function attributeCpuStall(victim: Observed, all: Observed[], t: Thresholds = DEFAULT_THRESHOLDS): Attribution | undefined {
  return offendersOf(victim, all, t)[0];
}

export function analyse(all: Observed[], t: Thresholds): ContainerReport[] {
  return all.map((o) => {
    const findings = findingsOf(o, t);
    const stall = findings.find((f) => f.kind === 'cpu_contention');
    const offenders = stall ? offendersOf(o, all, t) : [];
    if (stall && offenders.length) stall.offenders = offenders;
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
      ...(offenders.length ? { offenders, attribution: offenders[0]! } : {}),
    };
  });
}
