/**
 * The wire format, both sides: every op encoded by src/native/wire.ts is decoded by the
 * init's own decoder (native/build/wire-dump) into exactly the fields we sent, and every
 * message the same way (and encoded back by the init's encoder to the same bytes).
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { WIRE } from '../../src/native/wire-table.js';
import { encodeMessage, encodePlan, opFields, snakeCase, wireVersion, type Message, type MsgName, type Op, type OpName } from '../../src/native/wire.js';

const dump = path.resolve(__dirname, '..', '..', 'native', 'build', 'wire-dump');

function decode(bytes: Buffer, args: string[] = []): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(dump, args, { input: bytes, encoding: 'utf8' });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** Sample values for each field kind that exercise the edges of the encoding. */
function sample(kind: string, i: number): unknown {
  switch (kind) {
    case 'u64': return i % 3 === 0 ? 0xffffffffffffffffn : i % 3 === 1 ? 0 : 1 << 20;
    case 'str': return i % 2 === 0 ? `/path/ünï "q" \\ \n\t${i}` : '';
    case 'strv': return i % 2 === 0 ? ['sh', '-c', 'echo "hi"', ''] : [];
    case 'u64v': return i % 2 === 0 ? [1, 0xffffffffffffffffn, 42] : [];
    default: throw new Error(kind);
  }
}

function expectedLine(prefix: string, name: string, fields: readonly (readonly [string, string])[], values: Record<string, unknown>): string {
  const text = fields.map(([field, kind]) => {
    const v = values[field];
    const text = kind === 'u64' ? BigInt.asUintN(64, BigInt(v as number)).toString()
      : kind === 'u64v' ? `[${(v as bigint[]).map((x) => BigInt.asUintN(64, BigInt(x)).toString()).join(',')}]`
      : JSON.stringify(v);
    return ` ${snakeCase(field)}=${text}`;
  });
  return `${prefix}_${name}${text.join('')}`;
}

describe('wire format', () => {
  it('every op round-trips through the C decoder', () => {
    expect(fs.existsSync(dump), 'native/build/wire-dump is built by npm run build').toBe(true);
    let i = 0;
    const ops = (Object.keys(WIRE.ops) as OpName[]).map((name) => {
      const op: Record<string, unknown> = { op: name };
      for (const [field, kind] of opFields(name)) op[field] = sample(kind, i++);
      return op as Op;
    });
    const r = decode(encodePlan(ops));
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(r.stdout.split('\n').slice(0, -1)).toEqual(ops.map((op) => expectedLine('OP', op.op, opFields(op.op), op)));
  });

  it('every message round-trips through the C decoder and encoder', () => {
    let i = 0;
    const msgs = (Object.keys(WIRE.msgs) as MsgName[]).filter((n) => n !== 'PLAN').map((name) => {
      const msg: Record<string, unknown> = { msg: name };
      for (const [field, kind] of WIRE.msgs[name].fields) msg[field] = kind === 'u64' ? [0, 0xfffffffe, 12345][i++ % 3] : sample(kind, i++);
      return msg as Message;
    });
    const r = decode(Buffer.concat(msgs.map(encodeMessage)), ['--msgs']);
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(r.stdout.split('\n').slice(0, -1)).toEqual(msgs.map((m) => expectedLine('MSG', m.msg, WIRE.msgs[m.msg].fields, m)));
  });

  it('the C decoder rejects a truncated or foreign plan', () => {
    const good = encodePlan([{ op: 'MOUNT', source: 'proc', dest: '/proc', fstype: 'proc', flags: 14, propagation: [], data: '', attrSet: 0, attrClr: 0, mflags: 4 }]);
    for (let cut = 1; cut < good.length; cut += 7) {
      const r = decode(good.subarray(0, good.length - cut));
      expect(r.status, `cut ${cut}`).toBe(1);
      expect(r.stdout).toBe('');
      expect(r.stderr).toMatch(/^wire-dump: (header|op 0) at byte \d+: /);
    }
    const foreign = Buffer.from(good);
    foreign.writeUInt32LE((wireVersion() + 1) >>> 0, 4); // another wire version
    expect(decode(foreign).status).toBe(1);
  });

  it('refuses to encode a string with a NUL byte', () => {
    expect(() => encodePlan([{ op: 'CHDIR', path: 'a\0b' }])).toThrow(/NUL/);
  });
});
