/** start, kill, delete and state: the lifecycle of an existing container. */
import fs from 'node:fs';
import path from 'node:path';
import { signalAll } from '../../cgroups/signal.js';
import { TsruncError, errnoCode } from '../../errors.js';
import { destroy } from './destroy.js';
import { runHooks } from '../launch/hooks.js';
import { isAlive } from '../state/procfs.js';
import type { ContainerRecord, OciState, Status } from '../state/record.js';
import { ociState, runtimeFacts, statusOf } from '../state/status.js';
import { FIFO, Store, notFound } from '../state/store.js';
import { sleep } from '../../sleep.js';

function load(store: Store, id: string): { rec: ContainerRecord; status: Status } {
  const rec = store.read(id);
  if (!rec) throw notFound(id);
  return { rec, status: statusOf(rec, store.dir(id)) };
}

export function containerState(root: string, id: string): OciState & { tsrunc?: Record<string, unknown> } {
  const { rec, status } = load(new Store(root), id);
  const facts = runtimeFacts(rec, status);
  return facts ? { ...ociState(rec, status), tsrunc: facts } : ociState(rec, status);
}

export function listContainers(root: string): OciState[] {
  const store = new Store(root);
  return store.ids().flatMap((id) => {
    const rec = store.read(id);
    return rec ? [ociState(rec, statusOf(rec, store.dir(id)))] : [];
  });
}

/**
 * After the first byte: the init keeps the fifo open until it execs the user process
 * (after the startContainer hooks), so EOF means it runs (or died); anything more it
 * writes is a startContainer hook's failure.
 */
function readUntilEof(fd: number): string {
  const rest: Buffer[] = [];
  const buf = Buffer.alloc(4096);
  for (let i = 0; ; i++) {
    let n = -1;
    try {
      n = fs.readSync(fd, buf, 0, buf.length, null);
    } catch (e) {
      if (errnoCode(e) !== 'EAGAIN') throw e;
    }
    if (n === 0) return Buffer.concat(rest).toString('utf8').trim();
    if (n > 0) rest.push(Buffer.from(buf.subarray(0, n)));
    else sleep(i < 100 ? 1 : 10);
  }
}

/** `start`: releases the init blocked on exec.fifo, which then execs the user process;
 * then the poststart hooks (failures are warnings). */
export function startContainer(root: string, id: string, warn: (msg: string) => void = () => {}): void {
  let started: ContainerRecord | undefined;
  let hookFailure = '';
  const store = new Store(root);
  const lock = store.lock(id);
  if (!lock) throw notFound(id);
  try {
    const { rec, status } = load(store, id);
    if (status !== 'created') {
      const msg = status === 'stopped' ? 'cannot start a container that has stopped'
        : status === 'creating' ? `cannot start container "${id}": it is still being created`
        : 'cannot start an already running container';
      throw new TsruncError('ESTATE', msg, status === 'stopped' ? 'delete it and create it again' : '');
    }
    const fifo = path.join(store.dir(id), FIFO);
    // Non-blocking: a dead init must not hang us. Our open lets the init's open for
    // writing complete; the byte it then writes is the proof that it is going on.
    const fd = fs.openSync(fifo, fs.constants.O_RDONLY | fs.constants.O_NONBLOCK);
    try {
      const buf = Buffer.alloc(1);
      for (;;) {
        let n = 0;
        try {
          n = fs.readSync(fd, buf, 0, 1, null);
        } catch (e) {
          if (errnoCode(e) !== 'EAGAIN') throw e;
        }
        if (n === 1) break;
        if (!isAlive(rec.pid!, rec.pidStartTime)) {
          throw new TsruncError('ESTATE', 'cannot start a container that has stopped', 'delete it and create it again');
        }
        sleep(1);
      }
      hookFailure = readUntilEof(fd);
    } finally {
      fs.closeSync(fd);
    }
    fs.rmSync(fifo, { force: true });
    rec.phase = 'started';
    store.write(rec);
    if (hookFailure) {
      throw new TsruncError('EHOOK', hookFailure, 'the startContainer hook failed (the container did not run its process): check its path (in the container), args and env');
    }
    started = rec;
  } finally {
    lock.close();
  }
  if (started) runHooks(started.spec, ['poststart'], started, 'running', warn);
}

/** `kill`: a signal to the container process, or with `all` to every process of its cgroup. */
export function killContainer(root: string, id: string, signal: number, all: boolean): void {
  const store = new Store(root);
  const { rec, status } = load(store, id);
  if (status === 'stopped' || status === 'creating' || rec.pid === undefined) {
    throw new TsruncError('ESTATE', 'container not running', `container "${id}" is ${status}`);
  }
  if (all && rec.cgroup) return signalAll(rec.cgroup, signal);
  try {
    process.kill(rec.pid, signal);
  } catch (e) {
    if (errnoCode(e) !== 'ESRCH') throw e;
    if (!all) throw new TsruncError('ESTATE', 'container not running: no such process', '');
  }
}

/** `delete`: a stopped or created container, or with `force` any; an unknown id with force is fine.
 * The poststop hooks run once it is gone (failures are warnings). */
export function deleteContainer(root: string, id: string, force: boolean, warn: (msg: string) => void = () => {}): void {
  let deleted: ContainerRecord | undefined;
  const store = new Store(root);
  const lock = store.lock(id);
  if (!lock) {
    if (force) return;
    throw notFound(id);
  }
  try {
    const rec = store.read(id);
    if (!rec) {
      // A directory without a record: a create killed before it wrote its intent.
      if (force) return store.remove(id);
      throw notFound(id);
    }
    const status = statusOf(rec, store.dir(id));
    if ((status === 'running' || status === 'paused') && !force) {
      throw new TsruncError('ESTATE', `cannot delete container "${id}" that is not stopped: ${status}`, 'stop it with tsrunc kill, or use delete --force');
    }
    if (status === 'creating' && !force) {
      throw new TsruncError('ESTATE', `cannot delete container "${id}": it is still being created`, 'wait, or use delete --force');
    }
    destroy(store, rec);
    deleted = rec;
  } finally {
    lock.close();
  }
  if (deleted) runHooks(deleted.spec, ['poststop'], deleted, 'stopped', warn);
}
