/**
 * The collector's per-container counters: the `struct cg_stats` of bpf/procstat.bpf.c,
 * nine little-endian u64, decoded from the map value. Numbers, not BigInts: a container
 * would need 2^53 forks to lose precision.
 */
export const COUNTER_NAMES = ['forks', 'clones', 'execs', 'exits', 'task_exits', 'exits_nonzero', 'exits_signaled', 'short_lived'] as const;
export type CounterName = (typeof COUNTER_NAMES)[number];
export type ProcCounters = Record<CounterName, number>;

/** Size of struct cg_stats: the counters and last_ns. */
export const CG_STATS_SIZE = (COUNTER_NAMES.length + 1) * 8;

export function decodeCounters(value: Buffer): ProcCounters {
  const out = {} as ProcCounters;
  COUNTER_NAMES.forEach((name, i) => { out[name] = Number(value.readBigUInt64LE(i * 8)); });
  return out;
}

export function zeroCounters(): ProcCounters {
  const out = {} as ProcCounters;
  for (const name of COUNTER_NAMES) out[name] = 0;
  return out;
}

/** A u64 map key. */
export function u64Key(v: bigint): Buffer {
  const b = Buffer.alloc(8);
  b.writeBigUInt64LE(v);
  return b;
}
