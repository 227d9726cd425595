/**
 * `events`: runc's event stream. `--stats` prints one {"type":"stats"} object; otherwise
 * a stats object every interval and {"type":"oom"} as soon as the kernel's OOM killer
 * strikes in the container, until the container stops; and tsrunc's {"type":"stall"}
 * when a finding of the stall analysis (over the interval) appears.
 */
import { type Stats, oomKills, readStats, toJson } from '../cgroups/stats.js';
import { TsruncError } from '../errors.js';
import { type TsruncData, openForReading, tsruncData } from '../observe/insight.js';
import type { Finding } from '../observe/stall-analysis.js';
import type { ContainerRecord } from './record.js';
import { statusOf } from './status.js';
import { Store, notFound } from './store.js';

export interface Event {
  type: 'stats' | 'oom' | 'stall';
  id: string;
  data?: (Stats & { tsrunc?: TsruncData }) | Finding;
}

/** runc's stats plus tsrunc's own object (cgroup id, process counters, the window since the last call). */
function statsData(rec: ContainerRecord, stateDir: string): Stats & { tsrunc: TsruncData } {
  const reading = openForReading();
  try {
    return { ...readStats(rec.cgroup!), tsrunc: tsruncData(rec.cgroup!, stateDir, reading) };
  } finally {
    reading.collector?.close();
  }
}

function live(store: Store, id: string): ContainerRecord {
  const rec = store.read(id);
  if (!rec) throw notFound(id);
  const status = statusOf(rec, store.dir(id));
  if (status === 'stopped' || status === 'creating') throw new TsruncError('ESTATE', 'container not running', `container "${id}" is ${status}`);
  if (!rec.cgroup) throw new TsruncError('ECGROUP', `container "${id}" has no cgroup`, 'this host has no cgroup hierarchy');
  return rec;
}

export function statsEvent(root: string, id: string): string {
  const store = new Store(root);
  const rec = live(store, id);
  return toJson({ type: 'stats', id, data: statsData(rec, store.dir(id)) } satisfies Event);
}

/** How often the OOM counter is read between stats (an OOM shows within this time). */
const OOM_POLL_MS = 100;

export async function streamEvents(root: string, id: string, intervalMs: number, write: (line: string) => void, signal?: AbortSignal): Promise<void> {
  const store = new Store(root);
  const rec = live(store, id);
  const cg = rec.cgroup!;
  let ooms = oomKills(cg);
  let stalled = new Set<string>();
  let nextStats = Date.now() + intervalMs;
  while (!signal?.aborted) {
    // OOM first: a container killed by it still gets its event before we stop.
    const now = oomKills(cg);
    if (now > ooms) write(toJson({ type: 'oom', id } satisfies Event));
    ooms = now > ooms ? now : ooms;
    const stillThere = store.read(id);
    if (!stillThere || statusOf(stillThere, store.dir(id)) === 'stopped') return;
    if (Date.now() >= nextStats) {
      const data = statsData(rec, store.dir(id));
      write(toJson({ type: 'stats', id, data } satisfies Event));
      // A finding that was not there in the previous interval is a crossing: one "stall" event.
      for (const f of data.tsrunc.findings) if (!stalled.has(f.kind)) write(toJson({ type: 'stall', id, data: f } satisfies Event));
      stalled = new Set(data.tsrunc.findings.map((f) => f.kind));
      nextStats += intervalMs;
    }
    await new Promise((r) => setTimeout(r, Math.min(OOM_POLL_MS, Math.max(1, nextStats - Date.now()))));
  }
}
