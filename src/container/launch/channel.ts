/**
 * The runtime's end of the socket to the init: send the plan, read messages, answer
 * rendezvous. Synchronous on purpose: create is a straight line, and blocking reads
 * keep the order of events obvious.
 */
import fs from 'node:fs';
import util from 'node:util';
import { TsruncError, errnoCode } from '../../errors.js';
import { errnoName } from '../../native/helper.js';
import { MSG, STEP, decodeMessage, encodePlan, frame, opName, stateFrame, type Message, type MessageOf } from '../../native/wire.js';
import type { Step } from '../../plan/types.js';

/** What the init reports when a step fails (MSG_ERROR). */
export type InitError = MessageOf<'ERROR'>;

/** What the init may send (decoded by the wire table). */
export type FromInit = Exclude<Message, { msg: 'PLAN' }>;
/** A message of the init, or the end of the conversation. */
export type InitMessage = FromInit | { msg: 'EOF' };

export class InitChannel {
  constructor(readonly fd: number) {}

  sendPlan(steps: readonly Step[]): void {
    this.write(frame(MSG.PLAN, encodePlan(steps.map((s) => s.op))));
  }

  /** One byte: 'g' lets the init go on past a rendezvous. */
  reply(byte: 'g' | 'm'): void {
    this.write(Buffer.from(byte));
  }

  /** The answer to OP_HOOK_STATE: the state frame. */
  replyState(state: Buffer): void {
    this.write(stateFrame(state));
  }

  private write(buf: Buffer): void {
    let off = 0;
    while (off < buf.length) off += fs.writeSync(this.fd, buf, off);
  }

  private readFull(n: number): Buffer | undefined {
    const buf = Buffer.alloc(n);
    let off = 0;
    while (off < n) {
      let r: number;
      try {
        r = fs.readSync(this.fd, buf, off, n - off, null);
      } catch (e) {
        if (errnoCode(e) === 'EAGAIN' || errnoCode(e) === 'EINTR') continue;
        if (errnoCode(e) === 'ECONNRESET') return undefined;
        throw e;
      }
      if (r === 0) return undefined;
      off += r;
    }
    return buf;
  }

  next(): InitMessage {
    const head = this.readFull(8);
    if (!head) return { msg: 'EOF' };
    const type = head.readUInt32LE(0);
    const len = head.readUInt32LE(4);
    if (len > 1 << 20) throw new TsruncError('EINIT', `init sent a message of ${len} bytes`, 'this is a bug in tsrunc');
    const body = len ? this.readFull(len) : Buffer.alloc(0);
    if (!body) return { msg: 'EOF' };
    return decodeInitMessage(type, body);
  }

  close(): void {
    fs.closeSync(this.fd);
  }
}

/** A message of the init, decoded by the wire table; anything else is a bug. */
export function decodeInitMessage(type: number, body: Buffer): FromInit {
  let msg: Message | undefined;
  try {
    msg = decodeMessage(type, body);
  } catch (e) {
    throw new TsruncError('EINIT', `init sent a malformed message: ${e instanceof Error ? e.message : String(e)}`, 'this is a bug in tsrunc');
  }
  if (msg === undefined || msg.msg === 'PLAN') throw new TsruncError('EINIT', `init sent an unexpected message type ${type}`, 'this is a bug in tsrunc');
  return msg;
}

function errnoText(errno: number): string {
  const name = errnoName(errno);
  // Node's own table of strerror texts.
  const text = util.getSystemErrorMap().get(-errno)?.[1];
  return text ? `${name} (${text})` : name;
}

const INIT_CODE: Record<string, string> = {
  MOUNT: 'EINIT_MOUNT', ROOTFS: 'EINIT_MOUNT', PIVOT_ROOT: 'EINIT_MOUNT', MOVE_ROOT: 'EINIT_MOUNT',
  MASK_PATH: 'EINIT_MOUNT', READONLY_PATH: 'EINIT_MOUNT', ROOT_READONLY: 'EINIT_MOUNT', PROPAGATION: 'EINIT_MOUNT',
  MKNOD: 'EINIT_DEVICE', SYMLINK: 'EINIT_DEVICE',
  SETNS: 'EINIT_NAMESPACE', UNSHARE: 'EINIT_NAMESPACE', FORK: 'EINIT_NAMESPACE', TIMENS_OFFSET: 'EINIT_NAMESPACE',
  RESOLVE_EXEC: 'EINIT_EXEC', EXEC: 'EINIT_EXEC',
  RLIMIT: 'EINIT_PROCESS', IDENTITY: 'EINIT_PROCESS', CAPS: 'EINIT_PROCESS', CAPS_BOUNDING: 'EINIT_PROCESS',
  CHDIR: 'EINIT_PROCESS', SYSCTL: 'EINIT_PROCESS', OOM_SCORE_ADJ: 'EINIT_PROCESS',
  SECCOMP: 'EINIT_SECCOMP', LSM_LABEL: 'EINIT_LSM', PERSONALITY: 'EINIT_PROCESS', SCHEDULER: 'EINIT_PROCESS',
  IOPRIO: 'EINIT_PROCESS', CPU_AFFINITY: 'EINIT_PROCESS', MEMPOLICY: 'EINIT_PROCESS', SESSION_KEYRING: 'EINIT_PROCESS',
};

/** An init failure as an error that names the step: `mount proc on /proc: EPERM (Operation not permitted)`. */
export function initFailure(err: InitError, steps: readonly Step[]): TsruncError {
  const step = steps[err.step];
  const name = opName(err.op) ?? 'unknown';
  if (name === 'RUN_HOOK' && err.detail) {
    // The hook runner (native/init/hooks.c) words every failure itself, naming the hook:
    // `createContainer hook /x (index 0) exited with status 3: …`.
    return new TsruncError('EHOOK', err.detail, 'the hook failed: check its path, args and env in config.json, and what it printed');
  }
  if (name === 'RESOLVE_EXEC' && err.detail) {
    return new TsruncError('EINIT_EXEC', err.detail, 'check process.args[0] and PATH in process.env; the program must exist in the root filesystem');
  }
  const what = err.step === STEP.READ_PLAN ? 'read the plan' : err.step === STEP.INIT_START ? 'start the init' : step?.what ?? `step ${err.step} (${name})`;
  const detail = err.detail ? ` (${err.detail})` : '';
  const hint = name === 'MOUNT' || name === 'ROOTFS'
    ? 'check the mount\'s source, type and options in config.json'
    : name === 'RLIMIT' && err.errnum === 1
      ? 'raising a hard limit above the caller\'s needs CAP_SYS_RESOURCE: lower it in process.rlimits'
      : '';
  return new TsruncError(INIT_CODE[name] ?? 'EINIT', `${what}: ${errnoText(err.errnum)}${detail}`, hint);
}
