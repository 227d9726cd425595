/** What /proc says about a process: identity (start time), liveness, memory. */
import fs from 'node:fs';

function statFields(pid: number): string[] | undefined {
  try {
    const s = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    // comm may contain spaces and parentheses: fields start after the last ')'.
    return s.slice(s.lastIndexOf(')') + 2).split(' ');
  } catch {
    return undefined;
  }
}

/** The process's start time in clock ticks since boot (field 22), which tells a pid from its reuse. */
export function startTime(pid: number): string | undefined {
  return statFields(pid)?.[19];
}

/** True while the process exists, is the one that was recorded, and is not a zombie. */
export function isAlive(pid: number, start: string | undefined): boolean {
  const f = statFields(pid);
  if (!f) return false;
  if (f[0] === 'Z' || f[0] === 'X') return false;
  return start === undefined || f[19] === start;
}

/** Resident memory of a process in KiB (VmRSS). */
export function rssKiB(pid: number): number | undefined {
  try {
    const m = /^VmRSS:\s+(\d+) kB/m.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) : undefined;
  } catch {
    return undefined;
  }
}
