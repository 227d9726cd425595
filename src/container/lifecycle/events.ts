/**
 * `events`: runc's event stream. `--stats` prints one {"type":"stats"} object; otherwise
 * a stats object every interval and {"type":"oom"} as soon as the kernel's OOM killer
 * strikes in the container, until the container stops; tsrunc's {"type":"stall"} when a
 * PSI trigger fires (at once) or a finding of the stall analysis (over the interval)
 * appears; and {"type":"exit"} when the container's process exits, which ends the stream.
 */
import fs from 'node:fs';
import { type ContainerCgroup, type Stats, containerCgroup } from '../../cgroups/driver.js';
import { toJson } from '../../json.js';
import { POLLERR, POLLIN, POLLPRI, helper } from '../../native/helper.js';
import { type TsruncData, openForReading, tsruncData } from '../../observe/insight.js';
import { type PsiTrigger, type TriggerStall, closeTriggers, openPsiTriggers, stallOf } from '../../observe/psi-triggers.js';
import type { Finding } from '../../observe/stall-analysis.js';
import { neighbourWindows } from '../../observe/stall-report.js';
import { liveTargets } from './stalls.js';
import { exitStatus, openInitPidfd } from './exit-status.js';
import type { ContainerRecord } from '../state/record.js';
import { statusOf } from '../state/status.js';
import { Store } from '../state/store.js';
import { LIVE, loadContainer, requireStatus } from '../state/access.js';

export interface Event {
  type: 'stats' | 'oom' | 'stall' | 'exit';
  id: string;
  data?: (Stats & { tsrunc?: TsruncData }) | Finding | TriggerStall | ExitData;
}

export interface ExitData {
  /** Exit code, or 128 + signal; null when the kernel cannot tell (see exit-status.ts). */
  status: number | null;
  pid: number;
}

/** runc's stats plus tsrunc's own object (cgroup id, process counters, the window since the last call). */
function statsData(store: Store, id: string, cgroup: ContainerCgroup): Stats & { tsrunc: TsruncData } {
  const reading = openForReading();
  try {
    const neighbours = () => neighbourWindows(store.dir(id), liveTargets(store).filter((t) => t.id !== id), reading.collector);
    return { ...cgroup.stats(), tsrunc: tsruncData(cgroup, store.dir(id), reading, neighbours) };
  } finally {
    reading.collector?.close();
  }
}

function live(store: Store, id: string): { rec: ContainerRecord; cgroup: ContainerCgroup } {
  const c = loadContainer(store, id);
  requireStatus(c, LIVE, 'events');
  return { rec: c.rec, cgroup: containerCgroup(c.rec.cgroup, c.rec.pid) };
}

export function statsEvent(root: string, id: string): string {
  const store = new Store(root);
  const { cgroup } = live(store, id);
  return toJson({ type: 'stats', id, data: statsData(store, id, cgroup) } satisfies Event);
}

/** How often the OOM counter is read between stats (an OOM shows within this time). */
const OOM_POLL_MS = 100;

export async function streamEvents(root: string, id: string, intervalMs: number, write: (line: string) => void, signal?: AbortSignal): Promise<void> {
  const store = new Store(root);
  const { rec, cgroup: cg } = live(store, id);
  const pidfd = openInitPidfd(rec.pid!, rec.pidStartTime);
  let triggers: PsiTrigger[] = cg.record.unified ? openPsiTriggers(cg.record.unified).triggers : [];
  try {
    let ooms = cg.oomKills();
    let stalled = new Set<string>();
    let nextStats = Date.now() + intervalMs;
    let exited = false;
    while (!signal?.aborted) {
      // OOM first: a container killed by it still gets its event before we stop.
      const now = cg.oomKills();
      if (now > ooms) write(toJson({ type: 'oom', id } satisfies Event));
      ooms = now > ooms ? now : ooms;
      const stillThere = store.read(id);
      if (exited || !stillThere || statusOf(stillThere, store.dir(id)) === 'stopped') {
        write(toJson({ type: 'exit', id, data: { status: await exitStatus(pidfd), pid: rec.pid! } } satisfies Event));
        return;
      }
      if (Date.now() >= nextStats) {
        const data = statsData(store, id, cg);
        write(toJson({ type: 'stats', id, data } satisfies Event));
        // A finding that was not there in the previous interval is a crossing: one "stall" event.
        for (const f of data.tsrunc.findings) if (!stalled.has(f.kind)) write(toJson({ type: 'stall', id, data: f } satisfies Event));
        stalled = new Set(data.tsrunc.findings.map((f) => f.kind));
        nextStats += intervalMs;
      }
      // Sleeping in poll: a trigger or the init's exit ends the wait at once (koffi .async,
      // so the event loop and signal handlers keep running).
      const fds = [...triggers.map((t) => ({ fd: t.fd, events: POLLPRI })), ...(pidfd !== undefined ? [{ fd: pidfd, events: POLLIN }] : [])];
      const pidfdIndex = triggers.length;
      const revents = await helper().poll(fds, Math.min(OOM_POLL_MS, Math.max(1, nextStats - Date.now())));
      const gone: PsiTrigger[] = [];
      triggers.forEach((t, i) => {
        const r = revents[i]!;
        // POLLERR: the cgroup is gone; the status check of the next round ends the stream.
        if (r & POLLERR) gone.push(t);
        else if (r & POLLPRI) write(toJson({ type: 'stall', id, data: stallOf(t, cg) } satisfies Event));
      });
      if (gone.length) {
        closeTriggers(gone);
        triggers = triggers.filter((t) => !gone.includes(t));
      }
      if (pidfd !== undefined && revents[pidfdIndex]! & POLLIN) exited = true;
    }
  } finally {
    closeTriggers(triggers);
    if (pidfd !== undefined) fs.closeSync(pidfd);
  }
}
