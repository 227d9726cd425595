/**
 * `tsrunc stalls`: every live container observed over one window. With no
 * daemon the window is "since the previous `stalls` call" (a sample per container in its
 * state directory); a first call, or one after a long pause, samples twice one second
 * apart so that rates always cover a real, recent window.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { ContainerCgroup } from '../cgroups/driver.js';
import { writeAtomic } from '../fsutil.js';
import type { Collector } from './collector.js';
import { type CollectorState, openForReading } from './insight.js';
import { type Sample, keepSample, previousSample, takeSample, windowOf } from './sample.js';
import { type ContainerReport, type Observed, type Thresholds, analyse } from './stall-analysis.js';
import { sleep } from '../sleep.js';

const SAMPLE = 'stalls-sample.json';
/** A kept sample older than this is stale: its window would average away a burst. */
const MAX_WINDOW_MS = 60_000;
const FIRST_WINDOW_MS = 1000;

export interface StallReport {
  at: string;
  collector: CollectorState;
  thresholds: Thresholds;
  containers: ContainerReport[];
}

/** A live container to observe: `dir` is its state directory, where its samples are kept. */
export interface Target { id: string; status: string; dir: string; cgroup: ContainerCgroup }

export function observeStalls(targets: Target[], thresholds: Thresholds): StallReport {
  const reading = openForReading();
  try {
    const list = targets.filter(hasCgroup);
    const now = Date.now();
    const prev = new Map<string, Sample | undefined>(list.map((t) => [t.id, previousSample(t.dir, SAMPLE)]));
    const fresh = (s: Sample | undefined) => s !== undefined && now - s.atMs <= MAX_WINDOW_MS;
    if (list.some((t) => !fresh(prev.get(t.id)))) {
      for (const t of list) prev.set(t.id, sample(t, reading.collector));
      sleep(FIRST_WINDOW_MS);
    }
    const observed: Observed[] = list.map((t) => {
      const s = sample(t, reading.collector);
      keepSample(t.dir, SAMPLE, s);
      const window = windowOf(prev.get(t.id), s);
      return { id: t.id, status: t.status, sample: s, ...(window ? { window } : {}) };
    });
    return { at: new Date().toISOString(), collector: reading.state, thresholds, containers: analyse(observed, thresholds) };
  } finally {
    reading.collector?.close();
  }
}

/** Samples of the other containers kept in a container's state dir by `events`, keyed by id. */
const NEIGHBOURS = 'events-neighbours.json';

/**
 * For `events` of the container whose state directory is `dir`: samples the other live
 * containers and returns their windows since the previous call of this container's
 * `events` (the samples are kept in its own state directory, so the windows line up with its own).
 */
export function neighbourWindows(dir: string, others: Target[], collector: Collector | undefined): Observed[] {
  let prev: Record<string, Sample> = {};
  try {
    prev = JSON.parse(fs.readFileSync(path.join(dir, NEIGHBOURS), 'utf8')) as Record<string, Sample>;
  } catch { /* first call */ }
  const kept: Record<string, Sample> = {};
  const out: Observed[] = [];
  for (const t of others.filter(hasCgroup)) {
    const s = sample(t, collector);
    kept[t.id] = s;
    const window = windowOf(prev[t.id], s);
    out.push({ id: t.id, status: t.status, sample: s, ...(window ? { window } : {}) });
  }
  try {
    writeAtomic(path.join(dir, NEIGHBOURS), JSON.stringify(kept), 0o600);
  } catch { /* deleted meanwhile */ }
  return out;
}

function sample(t: Target, c: Collector | undefined): Sample {
  return takeSample(t.cgroup, c);
}

/** A container of the none driver has no cgroup: nothing to sample, so it is left out of the report. */
function hasCgroup(t: Target): boolean {
  return t.cgroup.record.driver !== 'none';
}
