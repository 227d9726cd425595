/**
 * Finding a container for a command: its record and live status (or "does not exist"),
 * under its lock for a mutating command, and the one check that the status fits the
 * command, with runc's wording.
 */
import { TsruncError } from '../../errors.js';
import type { ContainerRecord, Status } from './record.js';
import { statusOf } from './status.js';
import { Store, notFound } from './store.js';

export interface Loaded {
  rec: ContainerRecord;
  status: Status;
}

/** Every status in which the container's process exists. */
export const LIVE: readonly Status[] = ['created', 'running', 'paused'];

/** The commands that check the status, for the wording of their refusal. */
export type Verb = 'start' | 'kill' | 'delete' | 'exec' | 'pause' | 'resume' | 'update' | 'ps' | 'events';

/** The record and its live status; ENOTFOUND when there is none. */
export function loadContainer(store: Store, id: string): Loaded {
  const rec = store.read(id);
  if (!rec) throw notFound(id);
  return { rec, status: statusOf(rec, store.dir(id)) };
}

/** Runs a mutating command on one container: under its lock, with its record and live status. */
export function withLockedContainer<T>(root: string, id: string, fn: (c: Loaded, store: Store) => T): T {
  const store = new Store(root);
  const lock = store.lock(id);
  if (!lock) throw notFound(id);
  try {
    return fn(loadContainer(store, id), store);
  } finally {
    lock.close();
  }
}

/** Throws ESTATE, in runc's words for `verb`, unless the container's status is one of `allowed`. */
export function requireStatus(c: Loaded, allowed: readonly Status[], verb: Verb): void {
  if (!allowed.includes(c.status)) throw statusError(verb, c.rec.id, c.status);
}

/** The refusal of `verb` for a container in `status`. */
export function statusError(verb: Verb, id: string, status: Status): TsruncError {
  const [message, hint] = wording(verb, id, status);
  return new TsruncError('ESTATE', message, hint);
}

function wording(verb: Verb, id: string, status: Status): [string, string] {
  switch (verb) {
    case 'start':
      return status === 'stopped' ? ['cannot start a container that has stopped', 'delete it and create it again']
        : status === 'creating' ? [`cannot start container "${id}": it is still being created`, '']
        : ['cannot start an already running container', ''];
    case 'delete':
      return status === 'creating' ? [`cannot delete container "${id}": it is still being created`, 'wait, or use delete --force']
        : [`cannot delete container "${id}" that is not stopped: ${status}`, 'stop it with tsrunc kill, or use delete --force'];
    case 'exec':
      return status === 'paused' ? ['cannot exec in a paused container', 'resume it first, or pass --ignore-paused']
        : [`cannot exec in a ${status} container`, 'start the container first'];
    case 'resume':
      return ['container not paused', `container "${id}" is ${status}`];
    default:
      return ['container not running', `container "${id}" is ${status}`];
  }
}
