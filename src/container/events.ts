/**
 * `events`: runc's event stream. `--stats` prints one {"type":"stats"} object; otherwise
 * a stats object every interval and {"type":"oom"} as soon as the kernel's OOM killer
 * strikes in the container, until the container stops.
 */
import { type Stats, oomKills, readStats, toJson } from '../cgroups/stats.js';
import { TsruncError } from '../errors.js';
import { type TsruncData, openForReading, tsruncData } from '../observe/insight.js';
import type { ContainerRecord } from './record.js';
import { statusOf } from './status.js';
import { Store, notFound } from './store.js';

export interface Event {
  type: 'stats' | 'oom';
  id: string;
  data?: Stats & { tsrunc?: TsruncData };
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
  let nextStats = Date.now() + intervalMs;
  while (!signal?.aborted) {
    // OOM first: a container killed by it still gets its event before we stop.
    const now = oomKills(cg);
    if (now > ooms) write(toJson({ type: 'oom', id } satisfies Event));
    ooms = now > ooms ? now : ooms;
    const stillThere = store.read(id);
    if (!stillThere || statusOf(stillThere, store.dir(id)) === 'stopped') return;
    if (Date.now() >= nextStats) {
      write(toJson({ type: 'stats', id, data: statsData(rec, store.dir(id)) } satisfies Event));
      nextStats += intervalMs;
    }
    await new Promise((r) => setTimeout(r, Math.min(OOM_POLL_MS, Math.max(1, nextStats - Date.now()))));
  }
}
