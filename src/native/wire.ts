/**
 * The TypeScript side of the wire protocol: the encoder of plans and messages and the
 * decoder of messages, both driven by the table in wire-table.ts (the C side is
 * generated from the same table). Nothing here names an op or a field: a new one in the
 * table is encoded, decoded and typed without a change to this file.
 */
import { WIRE, type WireFields, type WireKind } from './wire-table.js';

type Ops = typeof WIRE.ops;
type Msgs = typeof WIRE.msgs;
type Consts = typeof WIRE.consts;
export type OpName = keyof Ops;
export type MsgName = keyof Msgs;

type KindType<K> = K extends 'u64' ? bigint | number : K extends 'str' ? string
  : K extends 'strv' ? readonly string[] : K extends 'u64v' ? readonly (bigint | number)[] : never;
type FieldsOf<F> = F extends WireFields ? { [P in F[number] as P[0]]: KindType<P[1]> } : never;
/** Message fields as they are decoded: u64 as a number (every message value is small). */
type MsgFieldsOf<F> = F extends WireFields ? { [P in F[number] as P[0]]: P[1] extends 'u64' ? number : string } : never;

/** One op of a plan: `{ op: 'MOUNT', source: 'proc', dest: '/proc', ... }`. */
export type Op = { [N in OpName]: { op: N } & FieldsOf<Ops[N]['fields']> }[OpName];
export type OpOf<N extends OpName> = Extract<Op, { op: N }>;
/** One decoded message: `{ msg: 'ERROR', step: 3, op: 9, errnum: 1, detail: '…' }`. */
export type Message = { [N in MsgName]: { msg: N } & MsgFieldsOf<Msgs[N]['fields']> }[MsgName];
export type MessageOf<N extends MsgName> = Extract<Message, { msg: N }>;

type ConstValues<G extends keyof Consts> = { readonly [K in keyof Consts[G]['values']]: Consts[G]['values'][K] extends readonly [infer V, string] ? V : never };

function constants<G extends keyof Consts>(group: G): ConstValues<G> {
  const values: Record<string, readonly [number, string]> = WIRE.consts[group].values;
  return Object.fromEntries(Object.entries(values).map(([k, [v]]) => [k, v])) as ConstValues<G>;
}

function codes<T extends Record<string, { code: number }>>(defs: T): { readonly [K in keyof T]: T[K]['code'] } {
  return Object.fromEntries(Object.entries(defs).map(([k, d]) => [k, d.code])) as { [K in keyof T]: T[K]['code'] };
}

export const WIRE_MAGIC = WIRE.magic;
export const MSG = codes(WIRE.msgs);
export const SYNC = constants('SYNC');
export const MF = constants('MF');
export const MASK = constants('MASK');
export const IDENTITY = constants('IDENTITY');
export const KEYRING = constants('KEYRING');
export const HOOK = constants('HOOK');
export const CONSOLE = constants('CONSOLE');
export const SECCOMP_WHEN = constants('SECCOMP_WHEN');
export const STEP = constants('STEP');
export const HOOK_STATE = constants('HOOK_STATE');

/** C names a field in snake_case: attrSet is attr_set. */
export function snakeCase(name: string): string {
  return name.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);
}

let version: number | undefined;

/**
 * The wire version: FNV-1a (32 bit) of the layout — codes, field names and kinds, constant
 * values; not the docs. scripts/gen-wire.mjs writes the same number into the C header.
 */
export function wireVersion(): number {
  if (version !== undefined) return version;
  const layout = JSON.stringify({
    ops: Object.entries(WIRE.ops).map(([n, d]) => [n, d.code, d.fields]),
    msgs: Object.entries(WIRE.msgs).map(([n, d]) => [n, d.code, d.fields]),
    consts: Object.entries(WIRE.consts).map(([g, d]) => [g, Object.entries(d.values).map(([k, [v]]) => [k, v])]),
  });
  let h = 0x811c9dc5;
  for (let i = 0; i < layout.length; i++) {
    h ^= layout.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  version = h;
  return h;
}

class Writer {
  private chunks: Buffer[] = [];
  private size = 0;
  raw(b: Buffer): void {
    this.chunks.push(b);
    this.size += b.length;
  }
  u32(v: number): void {
    const b = Buffer.allocUnsafe(4);
    b.writeUInt32LE(v >>> 0);
    this.raw(b);
  }
  u64(v: bigint | number): void {
    const b = Buffer.allocUnsafe(8);
    b.writeBigUInt64LE(BigInt.asUintN(64, BigInt(v)));
    this.raw(b);
  }
  str(s: string): void {
    const bytes = Buffer.from(s, 'utf8');
    if (bytes.includes(0)) throw new RangeError(`string contains a NUL byte: ${JSON.stringify(s)}`);
    this.u32(bytes.length);
    this.raw(bytes);
    this.raw(Buffer.alloc(1));
  }
  field(kind: WireKind, value: unknown): void {
    switch (kind) {
      case 'u64': return this.u64(value as bigint | number);
      case 'str': return this.str(value as string);
      case 'strv': {
        const list = value as readonly string[];
        this.u32(list.length);
        for (const s of list) this.str(s);
        return;
      }
      case 'u64v': {
        const list = value as readonly (bigint | number)[];
        this.u32(list.length);
        for (const v of list) this.u64(v);
        return;
      }
    }
  }
  fields(fields: WireFields, values: Record<string, unknown>, what: string): void {
    for (const [name, kind] of fields) {
      if (values[name] === undefined) throw new RangeError(`${what}: field ${name} is missing`);
      this.field(kind, values[name]);
    }
  }
  bytes(): Buffer {
    return Buffer.concat(this.chunks, this.size);
  }
}

/** Encodes ops as the plan bytes the init decodes (header + ops). */
export function encodePlan(ops: readonly Op[]): Buffer {
  const w = new Writer();
  w.u32(WIRE.magic);
  w.u32(wireVersion());
  w.u32(ops.length);
  for (const op of ops) {
    const def: { code: number; fields: WireFields } = WIRE.ops[op.op];
    const payload = new Writer();
    payload.fields(def.fields, op as Record<string, unknown>, `OP_${op.op}`);
    const body = payload.bytes();
    w.u32(def.code);
    w.u32(body.length);
    w.raw(body);
  }
  return w.bytes();
}

/** A message frame: u32 type, u32 length, payload. */
export function frame(type: number, payload: Buffer): Buffer {
  const head = Buffer.allocUnsafe(8);
  head.writeUInt32LE(type, 0);
  head.writeUInt32LE(payload.length, 4);
  return Buffer.concat([head, payload]);
}

/** The answer to OP_HOOK_STATE: u32 length, the state JSON. */
export function stateFrame(state: Buffer): Buffer {
  if (state.length > HOOK_STATE.MAX) throw new RangeError(`hook state of ${state.length} bytes is over the limit`);
  const head = Buffer.allocUnsafe(4);
  head.writeUInt32LE(state.length);
  return Buffer.concat([head, state]);
}

/** A message as a frame (tests speak the init's side with it). */
export function encodeMessage(msg: Message): Buffer {
  const def: { code: number; fields: WireFields } = WIRE.msgs[msg.msg];
  const w = new Writer();
  w.fields(def.fields, msg as Record<string, unknown>, `MSG_${msg.msg}`);
  return frame(def.code, w.bytes());
}

const BY_CODE = new Map<number, [MsgName, WireFields]>(
  Object.entries(WIRE.msgs).map(([n, d]) => [d.code, [n as MsgName, d.fields]]));

/** Decodes the payload of a message; undefined for a type the table does not have. */
export function decodeMessage(type: number, body: Buffer): Message | undefined {
  const entry = BY_CODE.get(type);
  if (!entry) return undefined;
  const [name, fields] = entry;
  const out: Record<string, unknown> = { msg: name };
  let off = 0;
  const need = (n: number) => {
    if (off + n > body.length) throw new RangeError(`MSG_${name}: truncated at byte ${off}`);
  };
  for (const [field, kind] of fields) {
    if (kind === 'u64') {
      need(8);
      out[field] = Number(body.readBigUInt64LE(off));
      off += 8;
    } else if (kind === 'str') {
      need(4);
      const len = body.readUInt32LE(off);
      need(4 + len + 1);
      out[field] = body.subarray(off + 4, off + 4 + len).toString('utf8');
      off += 4 + len + 1;
    } else {
      throw new RangeError(`MSG_${name}: messages carry no ${kind}`);
    }
  }
  if (off !== body.length) throw new RangeError(`MSG_${name}: ${body.length - off} trailing bytes`);
  return out as Message;
}

/** The frames of a byte stream that holds whole frames only (tsrunc-init --run-hook's stdout). */
export function splitFrames(buf: Buffer): { type: number; body: Buffer }[] {
  const out: { type: number; body: Buffer }[] = [];
  let off = 0;
  while (off < buf.length) {
    if (off + 8 > buf.length) throw new RangeError(`truncated frame header at byte ${off}`);
    const type = buf.readUInt32LE(off);
    const len = buf.readUInt32LE(off + 4);
    if (off + 8 + len > buf.length) throw new RangeError(`truncated frame at byte ${off}`);
    out.push({ type, body: buf.subarray(off + 8, off + 8 + len) });
    off += 8 + len;
  }
  return out;
}

/** The op name of a numeric code, for messages. */
export function opName(code: number): OpName | undefined {
  return (Object.keys(WIRE.ops) as OpName[]).find((n) => WIRE.ops[n].code === code);
}

/** Each op's fields in wire order (tests and tools walk them). */
export function opFields(name: OpName): WireFields {
  return WIRE.ops[name].fields;
}
