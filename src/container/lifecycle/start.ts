/** `start`: releases the init blocked on exec.fifo, which then execs the user process. */
import fs from 'node:fs';
import path from 'node:path';
import { TsruncError, errnoCode } from '../../errors.js';
import { sleep } from '../../sleep.js';
import { runHooks } from '../launch/hooks.js';
import { loadContainer, requireStatus, statusError } from '../state/access.js';
import { isAlive } from '../state/procfs.js';
import type { ContainerRecord } from '../state/record.js';
import { FIFO, Store, notFound } from '../state/store.js';

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

/** `start`, then the poststart hooks (failures are warnings). */
export function startContainer(root: string, id: string, warn: (msg: string) => void = () => {}): void {
  let started: ContainerRecord | undefined;
  let hookFailure = '';
  const store = new Store(root);
  const lock = store.lock(id);
  if (!lock) throw notFound(id);
  try {
    const c = loadContainer(store, id);
    requireStatus(c, ['created'], 'start');
    const { rec } = c;
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
        if (!isAlive(rec.pid!, rec.pidStartTime)) throw statusError('start', id, 'stopped');
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
