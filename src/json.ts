/** JSON with BigInts written as numbers (Go's uint64 fields read them back exactly). */
export function toJson(value: unknown): string {
  return JSON.stringify(value, (_k, v: unknown) => (typeof v === 'bigint' ? `\u0000big:${v}` : v)).replace(/"\\u0000big:(\d+)"/g, '$1');
}
