/**
 * PSI triggers on a container's unified cgroup: the kernel wakes a poller (POLLPRI) when
 * the stall time within a window crosses a threshold, so a stall is seen as it happens
 * instead of at the next stats interval. The window is 2 s because the kernel accepts
 * only multiples of 2 s from openers without CAP_SYS_RESOURCE (root on some hosts, as
 * here), and the thresholds are the report's anchors applied to that window.
 * A trigger lives as long as its fd: close() when done.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { ContainerCgroup, PsiStats } from '../cgroups/driver.js';
import { DEFAULT_THRESHOLDS } from './stall-analysis.js';

export const TRIGGER_WINDOW_US = 2_000_000;

export type PsiResource = 'cpu' | 'memory' | 'io';

export interface PsiTrigger {
  resource: PsiResource;
  kind: 'some' | 'full';
  window_us: number;
  threshold_us: number;
  fd: number;
}

/** The data of a "stall" event from a trigger: which one fired and the PSI at that moment. */
export interface TriggerStall {
  resource: PsiResource;
  kind: 'some' | 'full';
  window_us: number;
  threshold_us: number;
  psi?: PsiStats;
}

/** cpu some 40 %, memory full 60 %, io full 50 % (stall-analysis.ts): the same anchors as `tsrunc stalls`. */
function plan(): { resource: PsiResource; kind: 'some' | 'full'; pct: number }[] {
  const t = DEFAULT_THRESHOLDS;
  return [
    { resource: 'cpu', kind: 'some', pct: t.cpuSome },
    { resource: 'memory', kind: 'full', pct: t.memoryFull },
    { resource: 'io', kind: 'full', pct: t.ioFull },
  ];
}

/**
 * Opens one trigger per resource. A resource whose trigger the kernel refuses (no PSI,
 * a 6.5–6.6 kernel refusing cgroup triggers) is left out and named in `refused`: the
 * polled findings of the stats still cover it.
 */
export function openPsiTriggers(cgroupDir: string): { triggers: PsiTrigger[]; refused: string[] } {
  const triggers: PsiTrigger[] = [];
  const refused: string[] = [];
  for (const p of plan()) {
    const file = path.join(cgroupDir, `${p.resource}.pressure`);
    const threshold = Math.round((TRIGGER_WINDOW_US * p.pct) / 100);
    let fd = -1;
    try {
      fd = fs.openSync(file, fs.constants.O_RDWR | fs.constants.O_NONBLOCK);
      // The trailing NUL: /proc/pressure files overwrite the last byte otherwise (notes §9).
      fs.writeSync(fd, `${p.kind} ${threshold} ${TRIGGER_WINDOW_US}\0`);
      triggers.push({ resource: p.resource, kind: p.kind, window_us: TRIGGER_WINDOW_US, threshold_us: threshold, fd });
    } catch (e) {
      if (fd >= 0) fs.closeSync(fd);
      refused.push(`${file}: ${(e as NodeJS.ErrnoException).code ?? String(e)}`);
    }
  }
  return { triggers, refused };
}

export function stallOf(t: PsiTrigger, cg: ContainerCgroup): TriggerStall {
  const psi = cg.psi(t.resource);
  return { resource: t.resource, kind: t.kind, window_us: t.window_us, threshold_us: t.threshold_us, ...(psi ? { psi } : {}) };
}

export function closeTriggers(triggers: PsiTrigger[]): void {
  for (const t of triggers) fs.closeSync(t.fd);
}
