import fs from 'node:fs';
import path from 'node:path';
import { containerCgroup } from '../../cgroups/driver.js';
import { SPEC_VERSION } from '../../spec/version.js';
import { isAlive, rssKiB } from './procfs.js';
import type { ContainerRecord, OciState, Status } from './record.js';
import { FIFO } from './store.js';

/** The live status: derived from the record and the kernel, never stored. */
export function statusOf(rec: ContainerRecord, dir: string): Status {
  if (rec.phase === 'creating') {
    // A create that is still running, or one whose runtime was killed half-way.
    return isAlive(rec.creator.pid, rec.creator.startTime) ? 'creating' : 'stopped';
  }
  if (rec.pid === undefined || !isAlive(rec.pid, rec.pidStartTime)) return 'stopped';
  if (rec.phase === 'created' && fs.existsSync(path.join(dir, FIFO))) return 'created';
  if (containerCgroup(rec.cgroup, rec.pid).isFrozen()) return 'paused';
  return 'running';
}

export function ociState(rec: ContainerRecord, status: Status): OciState {
  const state: OciState = {
    ociVersion: SPEC_VERSION,
    id: rec.id,
    pid: status === 'stopped' || status === 'creating' ? 0 : rec.pid ?? 0,
    status,
    bundle: rec.bundle,
    rootfs: rec.rootfs,
    created: rec.created,
    owner: rec.owner,
  };
  if (Object.keys(rec.annotations).length > 0) state.annotations = rec.annotations;
  return state;
}

/** Extra facts tsrunc adds to `state` (ignored by engines): the blocked init's memory. */
export function runtimeFacts(rec: ContainerRecord, status: Status): Record<string, unknown> | undefined {
  if (status !== 'created' || rec.pid === undefined) return undefined;
  return { initRssKiB: rssKiB(rec.pid) };
}
