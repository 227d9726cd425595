import { CAPABILITIES } from './flags.js';
import type { Process } from './types.js';

export interface CapMasks {
  bounding: bigint;
  effective: bigint;
  permitted: bigint;
  inheritable: bigint;
  ambient: bigint;
}

/**
 * The five capability sets as bit masks. A name this kernel (or tsrunc) does not know
 * is left out with a warning, never an error: images carry profiles written for newer
 * kernels (runc and crun behave the same).
 */
export function capabilityMasks(process: Process, capLastCap: number): { masks: CapMasks; warnings: string[] } {
  const warnings: string[] = [];
  const caps = process.capabilities ?? {};
  const mask = (set: keyof CapMasks): bigint => {
    let m = 0n;
    for (const name of caps[set] ?? []) {
      const n = CAPABILITIES.indexOf(name.toUpperCase().startsWith('CAP_') ? name.toUpperCase() : `CAP_${name.toUpperCase()}`);
      if (n < 0 || n > capLastCap) {
        warnings.push(`process.capabilities.${set}: unknown capability "${name}" ignored`);
        continue;
      }
      m |= 1n << BigInt(n);
    }
    return m;
  };
  const masks: CapMasks = {
    bounding: mask('bounding'),
    effective: mask('effective'),
    permitted: mask('permitted'),
    inheritable: mask('inheritable'),
    ambient: mask('ambient'),
  };
  // The kernel refuses ambient capabilities that are not both permitted and inheritable.
  masks.ambient &= masks.permitted & masks.inheritable;
  return { masks, warnings: [...new Set(warnings)] };
}
