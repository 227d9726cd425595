/**
 * The state store: one directory per container under --root, a flock on that directory
 * for every mutating command, and state written tmp + fsync + rename so that a crash
 * leaves either the old or the new state, never a torn one.
 */
import fs from 'node:fs';
import path from 'node:path';
import { TsruncError, errnoCode } from '../../errors.js';
import { writeAtomic } from '../../fsutil.js';
import { LOCK_EX, helper } from '../../native/helper.js';
import { checkId } from './ids.js';
import { type ContainerRecord, fromDisk } from './record.js';

const STATE = 'state.json';
export const FIFO = 'exec.fifo';

export function notFound(id: string): TsruncError {
  return new TsruncError('ENOTFOUND', `container "${id}" does not exist`, 'tsrunc list shows the containers under this --root');
}

function exists(id: string): TsruncError {
  return new TsruncError('EEXIST', `container with id "${id}" already exists`, 'pick another id, or delete the old container first');
}

// Re-exported: the lifecycle writes its pid files with it and imports it with the store.
export { writeAtomic };

export class Store {
  constructor(readonly root: string) {}

  dir(id: string): string {
    return path.join(this.root, checkId(id));
  }

  fifoPath(id: string): string {
    return path.join(this.dir(id), FIFO);
  }

  ids(): string[] {
    try {
      return fs.readdirSync(this.root).filter((n) => fs.existsSync(path.join(this.root, n, STATE))).sort();
    } catch (e) {
      if (errnoCode(e) === 'ENOENT') return [];
      throw e;
    }
  }

  /** Fails early, before any other check, when the id is taken (claim() decides races). */
  assertFree(id: string): void {
    if (fs.existsSync(this.dir(id))) throw exists(id);
  }

  /** Claims the id: mkdir is atomic, so of concurrent creates exactly one gets here. */
  claim(id: string): Lock {
    const dir = this.dir(id);
    fs.mkdirSync(this.root, { recursive: true, mode: 0o711 });
    try {
      fs.mkdirSync(dir, { mode: 0o711 });
    } catch (e) {
      if (errnoCode(e) === 'EEXIST') throw exists(id);
      throw new TsruncError('ESTATE', `create state directory ${dir}: ${errnoCode(e) ?? String(e)}`, 'check that --root is on a writable filesystem');
    }
    return Lock.take(dir);
  }

  /** Locks an existing container for a mutating command; undefined when there is none. */
  lock(id: string): Lock | undefined {
    const dir = this.dir(id);
    if (!fs.existsSync(dir)) return undefined;
    try {
      return Lock.take(dir);
    } catch (e) {
      if (errnoCode(e) === 'ENOENT') return undefined;
      throw e;
    }
  }

  /** The record, or undefined if the container does not exist (or vanished meanwhile). */
  read(id: string): ContainerRecord | undefined {
    try {
      return fromDisk(JSON.parse(fs.readFileSync(path.join(this.dir(id), STATE), 'utf8')) as ContainerRecord);
    } catch (e) {
      if (errnoCode(e) === 'ENOENT') return undefined;
      throw new TsruncError('ESTATE', `read ${path.join(this.dir(id), STATE)}: ${e instanceof Error ? e.message : String(e)}`,
        'the state is damaged: tsrunc delete --force removes the container');
    }
  }

  write(rec: ContainerRecord): void {
    const dir = this.dir(rec.id);
    writeAtomic(path.join(dir, STATE), JSON.stringify(rec));
  }

  remove(id: string): void {
    fs.rmSync(this.dir(id), { recursive: true, force: true });
  }
}

/** An exclusive flock on a container directory, released by close() or by process exit. */
export class Lock {
  private constructor(private fd: number) {}

  static take(dir: string): Lock {
    const fd = fs.openSync(dir, fs.constants.O_RDONLY | fs.constants.O_DIRECTORY);
    try {
      helper().flock(fd, LOCK_EX);
    } catch (e) {
      fs.closeSync(fd);
      throw e;
    }
    return new Lock(fd);
  }

  close(): void {
    if (this.fd >= 0) fs.closeSync(this.fd);
    this.fd = -1;
  }
}
