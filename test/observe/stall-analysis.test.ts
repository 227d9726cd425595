import { describe, expect, it } from 'vitest';
import { DEFAULT_THRESHOLDS, analyse, attributeCpuStall, findingsOf, offendersOf, type Observed } from '../../src/observe/stall-analysis.js';
import { formatStallTable } from '../../src/observe/stall-table.js';
import { parseCpuList } from '../../src/cgroups/stats.js';
import { type Sample, windowOf } from '../../src/observe/sample.js';
import { zeroCounters } from '../../src/observe/counters.js';

function sample(over: Partial<Sample> = {}): Sample {
  return { atMs: 1000, cgroupId: '7', psiTotalUs: {}, psiAvg10: {}, cpuUsageNs: 0, nrThrottled: 0, oomKills: 0, ...over };
}

function observed(id: string, w: { cpuNs?: number; cpuSome?: number; forks?: number; shortLived?: number; cpus?: number[] }): Observed {
  const prev = sample({ psiTotalUs: { cpu_some: 0 }, collectorLoadedAtMs: 1, counters: zeroCounters(), ...(w.cpus ? { cpus: w.cpus } : {}) });
  const cur = sample({
    atMs: 3000, psiTotalUs: { cpu_some: (w.cpuSome ?? 0) * 20_000 }, cpuUsageNs: w.cpuNs ?? 0,
    collectorLoadedAtMs: 1, counters: { ...zeroCounters(), forks: w.forks ?? 0, short_lived: w.shortLived ?? 0 }, ...(w.cpus ? { cpus: w.cpus } : {}),
  });
  return { id, status: 'running', sample: cur, window: windowOf(prev, cur)! };
}

describe('stall analysis', () => {
  it('computes the window from PSI totals, clamps to 100 %, and drops counters after a collector restart', () => {
    const a = sample({ psiTotalUs: { cpu_some: 0, io_full: 0 }, counters: zeroCounters(), collectorLoadedAtMs: 1 });
    const b = sample({ atMs: 3000, psiTotalUs: { cpu_some: 1_000_000, io_full: 9_000_000 }, counters: { ...zeroCounters(), forks: 40 }, collectorLoadedAtMs: 1 });
    const w = windowOf(a, b)!;
    expect(w.psi).toEqual({ cpu_some: 50, io_full: 100 });
    expect(w.forks_per_sec).toBe(20);
    expect(windowOf(a, { ...b, collectorLoadedAtMs: 2 })!.proc).toBeUndefined();
    expect(windowOf(a, { ...b, cgroupId: '8' })).toBeUndefined();
  });

  it('flags at the thresholds, fork storms as warning then critical', () => {
    expect(findingsOf(observed('a', { cpuSome: 39.9 }), DEFAULT_THRESHOLDS)).toEqual([]);
    expect(findingsOf(observed('a', { cpuSome: 40 }), DEFAULT_THRESHOLDS).map((f) => f.kind)).toEqual(['cpu_contention']);
    expect(findingsOf(observed('a', { forks: 30 }), DEFAULT_THRESHOLDS)[0]).toMatchObject({ kind: 'fork_storm', severity: 'warning', value: 15 });
    expect(findingsOf(observed('a', { forks: 120 }), DEFAULT_THRESHOLDS)[0]).toMatchObject({ kind: 'fork_storm', severity: 'critical', value: 60 });
  });

  it('lays a cpu stall on the neighbour with the largest share among those on the same CPUs', () => {
    const victim = observed('web', { cpuSome: 80, cpuNs: 1e9, cpus: [0] });
    const sameCpu = observed('batch', { cpuNs: 1e9, cpus: [0] });
    const otherCpu = observed('ci', { cpuNs: 2e9, forks: 500, cpus: [1] });
    expect(attributeCpuStall(victim, [victim, sameCpu, otherCpu])).toMatchObject({ offender: 'batch', reasons: ['cpu_share'], measured: { cpu_share_pct: 100 }, evidence: 'inferred' });
    const report = analyse([victim, sameCpu, otherCpu], DEFAULT_THRESHOLDS);
    expect(report.find((r) => r.id === 'web')!.attribution!.offender).toBe('batch');
    expect(report.find((r) => r.id === 'batch')!.attribution).toBeUndefined();
  });

  it('names each offender with its measured evidence and the inferred blame (golden)', () => {
    // Over a 2 s window on CPU 0: batch uses 1.5 s of cpu, ci forks 200 times (100/s) with
    // 0.1 s of cpu, cron runs 40 short jobs (20/s) that fork only 10 times, idle does nothing.
    const victim = observed('web', { cpuSome: 80, cpuNs: 1e9, cpus: [0, 1] });
    const batch = observed('batch', { cpuNs: 1.5e9, cpus: [0] });
    const ci = observed('ci', { cpuNs: 1e8, forks: 200, shortLived: 0, cpus: [0] });
    const cron = observed('cron', { cpuNs: 4e8, forks: 10, shortLived: 40, cpus: [0] });
    const idle = observed('idle', { cpus: [0] });
    const elsewhere = observed('far', { cpuNs: 2e9, forks: 900, shortLived: 900, cpus: [2] });
    const all = [victim, batch, ci, cron, idle, elsewhere];
    expect(offendersOf(victim, all)).toEqual([
      { offender: 'ci', reasons: ['fork_storm'], evidence: 'inferred', shared_cpus: [0],
        measured: { window_seconds: 2, cpu_usage_ns: 1e8, cpu_pct: 5, cpu_share_pct: 5, forks: 200, forks_per_sec: 100, short_lived: 0, short_lived_per_sec: 0 } },
      { offender: 'batch', reasons: ['cpu_share'], evidence: 'inferred', shared_cpus: [0],
        measured: { window_seconds: 2, cpu_usage_ns: 1.5e9, cpu_pct: 75, cpu_share_pct: 75, forks: 0, forks_per_sec: 0, short_lived: 0, short_lived_per_sec: 0 } },
      { offender: 'cron', reasons: ['short_job_churn'], evidence: 'inferred', shared_cpus: [0],
        measured: { window_seconds: 2, cpu_usage_ns: 4e8, cpu_pct: 20, cpu_share_pct: 20, forks: 10, forks_per_sec: 5, short_lived: 40, short_lived_per_sec: 20 } },
    ]);
    // Thresholds are the report's: with forks-warn 150/s only the cpu share is left.
    expect(offendersOf(victim, all, { ...DEFAULT_THRESHOLDS, forksWarn: 150 }).map((o) => [o.offender, o.reasons])).toEqual([['batch', ['cpu_share']]]);
    // The finding carries them, the report's attribution is the first, the table shows them all.
    const report = analyse(all, DEFAULT_THRESHOLDS);
    const web = report.find((r) => r.id === 'web')!;
    expect(web.findings[0]!.offenders!.map((o) => o.offender)).toEqual(['ci', 'batch', 'cron']);
    expect(web.attribution!.offender).toBe('ci');
    const table = formatStallTable({ at: 'now', collector: { mode: 'ebpf', flavour: 'tp_btf' }, thresholds: DEFAULT_THRESHOLDS, containers: [web] });
    expect(table).toContain("web: warning cpu_contention 80 (threshold 40; cpu some over the last 2 s (PSI total)) <- "
      + "ci [inferred: fork storm; measured: 5% of the neighbours' cpu time, 5% of a cpu, 100 forks/s, 0 short-lived/s]; "
      + "batch [inferred: largest cpu share; measured: 75% of the neighbours' cpu time, 75% of a cpu, 0 forks/s, 0 short-lived/s]; "
      + "cron [inferred: short-job churn; measured: 20% of the neighbours' cpu time, 20% of a cpu, 5 forks/s, 20 short-lived/s]\n");
  });

  it('names no one when no neighbour on its CPUs used any or forked: the stall is host load or its own', () => {
    const victim = observed('web', { cpuSome: 90, cpuNs: 1e9, cpus: [0] });
    const all = [victim, observed('idle', { cpus: [0] }), observed('far', { cpuNs: 2e9, forks: 900, cpus: [1] })];
    expect(offendersOf(victim, all)).toEqual([]);
    const r = analyse(all, DEFAULT_THRESHOLDS).find((c) => c.id === 'web')!;
    expect(r.offenders).toBeUndefined();
    expect(r.findings[0]!.offenders).toBeUndefined();
    expect(formatStallTable({ at: 'now', collector: { mode: 'none', reason: 'x' }, thresholds: DEFAULT_THRESHOLDS, containers: [r] })).toContain('<- no container here used its CPUs in the window');
  });

  it('parses cpu lists', () => {
    expect(parseCpuList('0-2,5\n')).toEqual([0, 1, 2, 5]);
  });
});
