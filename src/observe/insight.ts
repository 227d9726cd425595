/**
 * The `tsrunc` object of `events --stats`: the container's cgroup (id and path), the
 * collector's cumulative process counters, and the window since the previous call.
 * Go consumers of runc's types.Stats ignore it; it is tsrunc's own.
 */
import type { ContainerCgroup } from '../cgroups/driver.js';
import { type Collector, foreignCollectorReason, openCollector } from './collector.js';
import { errorMessage } from './errors.js';
import type { ProcCounters } from './counters.js';
import { type Sample, type Window, keepSample, previousSample, takeSample, windowOf } from './sample.js';
import { DEFAULT_THRESHOLDS, type Finding, type Observed, findingsOf, offendersOf } from './stall-analysis.js';
import { collectorWanted } from './watch.js';

export interface CollectorState {
  /** "ebpf": counters from the pinned collector; "none": PSI and cgroup files only. */
  mode: 'ebpf' | 'none';
  flavour?: string;
  loaded_at_ms?: number;
  reason?: string;
}

export interface TsruncData {
  cgroup: { id?: string; path?: string };
  collector: CollectorState;
  proc?: ProcCounters;
  window?: Window;
  /** What crosses the default thresholds of `tsrunc stalls` (over the window, else avg10). */
  findings: Finding[];
}

/** The collector if it is loaded and readable here, with why not otherwise. Never loads it. */
export function openForReading(): { collector?: Collector; state: CollectorState } {
  if (!collectorWanted()) return { state: { mode: 'none', reason: 'TSRUNC_BPF=0' } };
  try {
    const c = openCollector();
    if (!c) return { state: { mode: 'none', reason: foreignCollectorReason() ?? 'the collector is not loaded (no container was created with eBPF available)' } };
    return { collector: c, state: { mode: 'ebpf', ...(c.flavour ? { flavour: c.flavour } : {}), loaded_at_ms: c.loadedAtMs } };
  } catch (e) {
    return { state: { mode: 'none', reason: errorMessage(e) } };
  }
}

/** Samples the container, reports the window since the sample kept under `sampleName`, keeps the new one. */
export function observe(cg: ContainerCgroup, stateDir: string, sampleName: string, collector: Collector | undefined): { sample: Sample; window?: Window } {
  const sample = takeSample(cg, collector);
  const window = windowOf(previousSample(stateDir, sampleName), sample);
  keepSample(stateDir, sampleName, sample);
  return { sample, ...(window ? { window } : {}) };
}

/**
 * `neighbours` samples the other containers and returns their windows since this
 * container's previous call (it must run on every call to keep them aligned); a cpu
 * contention finding then names its offenders, as in `tsrunc stalls`.
 */
export function tsruncData(cg: ContainerCgroup, stateDir: string, reading: { collector?: Collector; state: CollectorState }, neighbours?: () => Observed[]): TsruncData {
  const { sample, window } = observe(cg, stateDir, 'events-sample.json', reading.collector);
  const others = neighbours?.() ?? [];
  const state = { ...reading.state };
  if (state.mode === 'ebpf' && !sample.counters) {
    state.mode = 'none';
    state.reason = 'this container is not registered with the collector (created without eBPF)';
  }
  return {
    cgroup: { ...(sample.cgroupId ? { id: sample.cgroupId } : {}), ...(cg.record.unified ? { path: cg.record.unified } : {}) },
    collector: state,
    ...(sample.counters ? { proc: sample.counters } : {}),
    ...(window ? { window } : {}),
    findings: withOffenders({ id: '', status: '', sample, ...(window ? { window } : {}) }, others),
  };
}

function withOffenders(self: Observed, others: Observed[]): Finding[] {
  const findings = findingsOf(self, DEFAULT_THRESHOLDS);
  const stall = findings.find((f) => f.kind === 'cpu_contention');
  if (stall) {
    const offenders = offendersOf(self, [self, ...others], DEFAULT_THRESHOLDS);
    if (offenders.length) stall.offenders = offenders;
  }
  return findings;
}
