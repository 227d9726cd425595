/**
 * The TypeScript side of native/wire.h: op codes, each op's fields in wire order,
 * and the encoder of a plan. Keep this file and wire.h in step (the round-trip test
 * in test/native/wire.test.ts decodes our bytes with the C decoder).
 */

export const WIRE_MAGIC = 0x57525354;
export const WIRE_VERSION = 2;

type Kind = 'u64' | 'str' | 'strv' | 'u64v';

/** Each op's code and its fields in the order they are encoded (wire.h). */
export const OPS = {
  SETNS: { code: 1, fields: [['nstype', 'u64'], ['path', 'str']] },
  UNSHARE: { code: 2, fields: [['flags', 'u64']] },
  FORK: { code: 3, fields: [] },
  SYNC: { code: 4, fields: [['tag', 'u64']] },
  SETHOSTNAME: { code: 5, fields: [['name', 'str']] },
  SETDOMAINNAME: { code: 6, fields: [['name', 'str']] },
  PROPAGATION: { code: 7, fields: [['path', 'str'], ['flags', 'u64']] },
  ROOTFS: { code: 8, fields: [['rootfs', 'str']] },
  MOUNT: {
    code: 9,
    fields: [
      ['source', 'str'], ['dest', 'str'], ['fstype', 'str'], ['flags', 'u64'],
      ['propagation', 'u64v'], ['data', 'str'], ['attrSet', 'u64'], ['attrClr', 'u64'],
      ['mflags', 'u64'],
    ],
  },
  MKNOD: {
    code: 10,
    fields: [['path', 'str'], ['type', 'u64'], ['major', 'u64'], ['minor', 'u64'],
      ['mode', 'u64'], ['uid', 'u64'], ['gid', 'u64']],
  },
  SYMLINK: { code: 11, fields: [['target', 'str'], ['linkpath', 'str']] },
  PIVOT_ROOT: { code: 12, fields: [] },
  MOVE_ROOT: { code: 13, fields: [] },
  MASK_PATH: { code: 14, fields: [['path', 'str']] },
  READONLY_PATH: { code: 15, fields: [['path', 'str']] },
  ROOT_READONLY: { code: 16, fields: [] },
  SYSCTL: { code: 17, fields: [['key', 'str'], ['value', 'str']] },
  RLIMIT: { code: 18, fields: [['resource', 'u64'], ['soft', 'u64'], ['hard', 'u64']] },
  OOM_SCORE_ADJ: { code: 19, fields: [['value', 'u64']] },
  CHDIR: { code: 20, fields: [['path', 'str']] },
  IDENTITY: { code: 21, fields: [['uid', 'u64'], ['gid', 'u64'], ['groups', 'u64v']] },
  UMASK: { code: 22, fields: [['mask', 'u64']] },
  CAPS_BOUNDING: { code: 23, fields: [['bounding', 'u64']] },
  CAPS: {
    code: 24,
    fields: [['effective', 'u64'], ['permitted', 'u64'], ['inheritable', 'u64'], ['ambient', 'u64']],
  },
  NO_NEW_PRIVS: { code: 25, fields: [] },
  FIFO_OPEN: { code: 26, fields: [['path', 'str']] },
  RESOLVE_EXEC: { code: 27, fields: [['argv0', 'str'], ['searchPath', 'str']] },
  DETACH: { code: 28, fields: [] },
  WAIT_FIFO: { code: 29, fields: [] },
  EXEC: { code: 30, fields: [['argv', 'strv'], ['envp', 'strv']] },
  TIMENS_OFFSET: { code: 31, fields: [['clock', 'u64'], ['seconds', 'u64'], ['nanoseconds', 'u64']] },
  SETSID: { code: 32, fields: [] },
  CLOSE_DEVNULL: { code: 33, fields: [] },
  SECCOMP: { code: 40, fields: [['flags', 'u64'], ['when', 'u64'], ['program', 'u64v']] },
  PERSONALITY: { code: 41, fields: [['persona', 'u64']] },
  SCHEDULER: {
    code: 42,
    fields: [['policy', 'u64'], ['flags', 'u64'], ['nice', 'u64'], ['priority', 'u64'],
      ['runtime', 'u64'], ['deadline', 'u64'], ['period', 'u64']],
  },
  IOPRIO: { code: 43, fields: [['ioprio', 'u64']] },
  CPU_AFFINITY: { code: 44, fields: [['mask', 'u64v']] },
  MEMPOLICY: { code: 45, fields: [['mode', 'u64'], ['nodemask', 'u64v']] },
  SESSION_KEYRING: { code: 46, fields: [['name', 'str'], ['perm', 'u64']] },
  LSM_LABEL: { code: 47, fields: [['attr', 'str'], ['value', 'str']] },
  CONSOLE: { code: 62, fields: [['rows', 'u64'], ['cols', 'u64'], ['uid', 'u64'], ['gid', 'u64'], ['flags', 'u64']] },
  HOOK_STATE: { code: 60, fields: [] },
  RUN_HOOK: {
    code: 61,
    fields: [['path', 'str'], ['argv', 'strv'], ['envp', 'strv'], ['timeoutMs', 'u64'], ['name', 'str']],
  },
} as const satisfies Record<string, { code: number; fields: readonly (readonly [string, Kind])[] }>;

export type OpName = keyof typeof OPS;

type KindType<K> = K extends 'u64' ? bigint | number : K extends 'str' ? string
  : K extends 'strv' ? readonly string[] : K extends 'u64v' ? readonly (bigint | number)[] : never;
type FieldsOf<F> = F extends readonly (readonly [infer N extends string, infer K])[]
  ? { [P in F[number] as P[0]]: KindType<P[1]> } & { [P in N]: unknown }
  : never;

/** One op of a plan: `{ op: 'MOUNT', source: 'proc', dest: '/proc', ... }`. */
export type Op = { [N in OpName]: { op: N } & FieldsOf<(typeof OPS)[N]['fields']> }[OpName];
export type OpOf<N extends OpName> = Extract<Op, { op: N }>;

/** Messages on the socket (wire.h enum tsrunc_msg). */
export const MSG = { SYNC: 1, PID: 2, ERROR: 3, PLAN: 4, SECCOMP_FD: 5, CONSOLE_FD: 6 } as const;
/** Steps reported in MSG_ERROR that are not ops of the plan. */
export const STEP_READ_PLAN = 0xffffffff;
export const STEP_INIT_START = 0xfffffffe;

/** OP_CONSOLE flags. */
export const CONSOLE = { DEV_CONSOLE: 0x1 } as const;

/** OP_MOUNT mflags. */
export const MF = { BIND: 0x1, DEST_FILE: 0x2, DEST_NO_SYMLINK: 0x4 } as const;

/** OP_SECCOMP `when`: at OP_EXEC (after the signals are reset), or at its own place. */
export const SECCOMP_WHEN = { EXEC: 0, NOW: 1 } as const;

/** Tags of OP_SYNC, so both sides know which rendezvous they are at. */
export const SYNC = {
  /** After namespaces exist and before anything else: cgroups, id maps, hooks. */
  NAMESPACES: 1,
  /** The root is complete and the executable resolved; create may record "created". */
  READY: 2,
  /** Before the root is switched (only with prestart/createRuntime hooks): tsrunc runs them. */
  HOOKS: 60,
  /** Sent by OP_HOOK_STATE: tsrunc answers with a frame (u32 length, the state JSON), not 'g'. */
  HOOK_STATE: 61,
} as const;

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
  bytes(): Buffer {
    return Buffer.concat(this.chunks, this.size);
  }
}

function writeField(w: Writer, kind: Kind, value: unknown): void {
  switch (kind) {
    case 'u64': return w.u64(value as bigint | number);
    case 'str': return w.str(value as string);
    case 'strv': {
      const list = value as readonly string[];
      w.u32(list.length);
      for (const s of list) w.str(s);
      return;
    }
    case 'u64v': {
      const list = value as readonly (bigint | number)[];
      w.u32(list.length);
      for (const v of list) w.u64(v);
      return;
    }
  }
}

/** Encodes ops as the plan bytes the init decodes (header + ops). */
export function encodePlan(ops: readonly Op[]): Buffer {
  const w = new Writer();
  w.u32(WIRE_MAGIC);
  w.u32(WIRE_VERSION);
  w.u32(ops.length);
  for (const op of ops) {
    const def = OPS[op.op];
    const payload = new Writer();
    for (const [name, kind] of def.fields) writeField(payload, kind, (op as Record<string, unknown>)[name]);
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

export interface InitError {
  step: number;
  op: number;
  errno: number;
  detail: string;
}

/** Decodes the payload of MSG_ERROR. */
export function decodeError(p: Buffer): InitError {
  const step = Number(p.readBigUInt64LE(0));
  const op = Number(p.readBigUInt64LE(8));
  const errno = Number(p.readBigUInt64LE(16));
  const len = p.readUInt32LE(24);
  const detail = p.subarray(28, 28 + len).toString('utf8');
  return { step, op, errno, detail };
}

/** The op name of a numeric code, for messages. */
export function opName(code: number): OpName | undefined {
  return (Object.keys(OPS) as OpName[]).find((n) => OPS[n].code === code);
}
