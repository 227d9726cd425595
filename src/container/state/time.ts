/** RFC 3339 with nanoseconds (Go's time.RFC3339Nano, which engines parse). */
export function rfc3339Nano(now = process.hrtime.bigint(), wall = Date.now()): string {
  const iso = new Date(wall).toISOString(); // 2026-11-22T03:41:36.123Z
  const nanos = (BigInt(wall % 1000) * 1_000_000n + (now % 1_000_000n)).toString().padStart(9, '0').replace(/0+$/, '');
  return iso.slice(0, 19) + (nanos ? '.' + nanos : '') + 'Z';
}

/** RFC 3339 to the second, as runc's log lines carry. */
export function rfc3339(wall = Date.now()): string {
  return new Date(wall).toISOString().slice(0, 19) + 'Z';
}
