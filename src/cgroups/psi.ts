/**
 * Pressure stall information of a cgroup (cpu.pressure, memory.pressure, io.pressure),
 * in runc's PSIStats shape. Present in every unified cgroup of a kernel with PSI —
 * on hybrid hosts too, which is why the container has a unified cgroup there.
 */
import fs from 'node:fs';
import path from 'node:path';

export interface PsiData {
  avg10: number;
  avg60: number;
  avg300: number;
  /** Total stall time in microseconds. */
  total: number;
}

export interface PsiStats {
  some?: PsiData;
  full?: PsiData;
}

/** "some avg10=0.00 avg60=0.00 avg300=0.00 total=0\nfull …" → PsiStats. */
export function parsePsi(text: string): PsiStats {
  const out: PsiStats = {};
  for (const line of text.split('\n')) {
    const [kind, ...fields] = line.trim().split(/\s+/);
    if (kind !== 'some' && kind !== 'full') continue;
    const d: PsiData = { avg10: 0, avg60: 0, avg300: 0, total: 0 };
    for (const f of fields) {
      const [k, v] = f.split('=');
      if (k === 'avg10' || k === 'avg60' || k === 'avg300' || k === 'total') d[k] = Number(v);
    }
    out[kind] = d;
  }
  return out;
}

/** PSI of one resource, or undefined when the kernel has none (no file, psi=0, cgroup.pressure 0). */
export function readPsi(dir: string | undefined, resource: 'cpu' | 'memory' | 'io'): PsiStats | undefined {
  if (!dir) return undefined;
  try {
    const s = parsePsi(fs.readFileSync(path.join(dir, `${resource}.pressure`), 'utf8'));
    return s.some || s.full ? s : undefined;
  } catch {
    // ENOENT without PSI, EOPNOTSUPP when it is switched off.
    return undefined;
  }
}
