/**
 * mkplan: encodes a plan for the smoke test with tsrunc's own encoder (src/native/wire.ts),
 * so the test speaks exactly what tsrunc speaks. Bundled to build/mkplan.mjs by the
 * Makefile.
 *
 *   node build/mkplan.mjs < ops.json > plan.bin
 *
 * ops.json: an array of ops as tsrunc builds them, `{"op": "MOUNT", "source": "proc", ...}`.
 * A field left out is zero ("", [], 0): a test names only what it is about. A number may
 * be a string of constant names and numbers joined by "|": "MS_NOSUID|MS_NODEV",
 * "MF_BIND", "S_IFCHR", "CLONE_NEWNS", "RLIMIT_NOFILE", "SYNC_READY".
 */
import fs from 'node:fs';
import { WIRE } from '../../src/native/wire-table.js';
import { encodePlan, opFields, type Op, type OpName } from '../../src/native/wire.js';
import { CLONE, CLOCK, MOUNT_ATTR, MS, RLIMITS, S_IF } from '../../src/plan/flags.js';

const NAMES = new Map<string, number>();
const add = (prefix: string, values: Record<string, number>) => {
  for (const [k, v] of Object.entries(values)) NAMES.set(`${prefix}${k}`, v);
};
add('MS_', MS);
add('MOUNT_ATTR_', MOUNT_ATTR);
add('S_IF', S_IF);
add('CLONE_', CLONE);
add('CLOCK_', CLOCK);
add('', RLIMITS);
for (const [group, g] of Object.entries(WIRE.consts)) {
  for (const [k, [v]] of Object.entries(g.values as Record<string, readonly [number, string]>)) NAMES.set(`${group}_${k}`, v);
}

function num(v: unknown, where: string): bigint {
  if (typeof v === 'number') return BigInt.asUintN(64, BigInt(v));
  if (typeof v !== 'string') throw new Error(`${where}: not a number: ${JSON.stringify(v)}`);
  return v.split('|').map((p) => p.trim()).reduce((acc, p) => {
    if (/^\d+$/.test(p)) return acc | BigInt(p);
    const n = NAMES.get(p);
    if (n === undefined) throw new Error(`${where}: unknown constant ${p}`);
    return acc | BigInt(n);
  }, 0n);
}

const input = JSON.parse(fs.readFileSync(0, 'utf8')) as Record<string, unknown>[];
const ops = input.map((given, i) => {
  const name = given['op'] as OpName;
  if (!(name in WIRE.ops)) throw new Error(`op ${i}: unknown op ${String(name)}`);
  const op: Record<string, unknown> = { op: name };
  const fields = opFields(name);
  for (const key of Object.keys(given)) {
    if (key !== 'op' && !fields.some(([f]) => f === key)) throw new Error(`op ${i} (${name}): no field ${key}`);
  }
  for (const [field, kind] of fields) {
    const v = given[field];
    const where = `op ${i} (${name}).${field}`;
    if (kind === 'u64') op[field] = v === undefined ? 0n : num(v, where);
    else if (kind === 'u64v') op[field] = ((v ?? []) as unknown[]).map((x) => num(x, where));
    else op[field] = v ?? (kind === 'str' ? '' : []);
  }
  return op as Op;
});
fs.writeSync(1, encodePlan(ops));
