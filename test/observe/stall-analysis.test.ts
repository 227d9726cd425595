import { describe, expect, it } from 'vitest';
import { DEFAULT_THRESHOLDS, analyse, attributeCpuStall, findingsOf, type Observed } from '../../src/observe/stall-analysis.js';
import { type Sample, parseCpuList, windowOf } from '../../src/observe/sample.js';
import { zeroCounters } from '../../src/observe/counters.js';

function sample(over: Partial<Sample> = {}): Sample {
  return { atMs: 1000, cgroupId: '7', psiTotalUs: {}, psiAvg10: {}, cpuUsageNs: 0, nrThrottled: 0, oomKills: 0, ...over };
}

function observed(id: string, w: { cpuNs?: number; cpuSome?: number; forks?: number; cpus?: number[] }): Observed {
  const prev = sample({ psiTotalUs: { cpu_some: 0 }, collectorLoadedAtMs: 1, counters: zeroCounters(), ...(w.cpus ? { cpus: w.cpus } : {}) });
  const cur = sample({
    atMs: 3000, psiTotalUs: { cpu_some: (w.cpuSome ?? 0) * 20_000 }, cpuUsageNs: w.cpuNs ?? 0,
    collectorLoadedAtMs: 1, counters: { ...zeroCounters(), forks: w.forks ?? 0 }, ...(w.cpus ? { cpus: w.cpus } : {}),
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
    expect(attributeCpuStall(victim, [victim, sameCpu, otherCpu])).toMatchObject({ offender: 'batch', cpu_share_pct: 100, evidence: 'inferred' });
    const report = analyse([victim, sameCpu, otherCpu], DEFAULT_THRESHOLDS);
    expect(report.find((r) => r.id === 'web')!.attribution!.offender).toBe('batch');
    expect(report.find((r) => r.id === 'batch')!.attribution).toBeUndefined();
  });

  it('parses cpu lists', () => {
    expect(parseCpuList('0-2,5\n')).toEqual([0, 1, 2, 5]);
  });
});
