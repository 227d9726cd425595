/** `stalls`, and the neighbours `events` compares a container with: the live containers under --root. */
import { containerCgroup } from '../../cgroups/driver.js';
import { type StallReport, type Target, observeStalls } from '../../observe/stall-report.js';
import type { Thresholds } from '../../observe/stall-analysis.js';
import { LIVE } from '../state/access.js';
import { statusOf } from '../state/status.js';
import { Store } from '../state/store.js';

/** Every container under the store whose process exists, with its cgroups. */
export function liveTargets(store: Store): Target[] {
  return store.ids().flatMap((id) => {
    const rec = store.read(id);
    if (!rec) return [];
    const status = statusOf(rec, store.dir(id));
    if (!LIVE.includes(status)) return [];
    return [{ id, status, dir: store.dir(id), cgroup: containerCgroup(rec.cgroup, rec.pid) }];
  });
}

export function stallReport(root: string, thresholds: Thresholds): StallReport {
  return observeStalls(liveTargets(new Store(root)), thresholds);
}
