/** `kill`: a signal to the container process, or with --all to every process of its cgroup. */
import os from 'node:os';
import { containerCgroup } from '../../cgroups/driver.js';
import { TsruncError, errnoCode } from '../../errors.js';
import { LIVE, loadContainer, requireStatus } from '../state/access.js';
import { Store } from '../state/store.js';

/** A signal given as a number (0-64; 0 is kill(2)'s liveness probe, sending nothing) or a
 * name with or without SIG, in any case. */
export function parseSignal(s: string): number {
  const bad = () => new TsruncError('ESIGNAL', `invalid signal "${s}"`, 'use a number from 0 to 64 or a name such as TERM, SIGKILL, RTMIN+2');
  if (/^\d+$/.test(s)) {
    const n = Number(s);
    if (n > 64) throw bad();
    return n;
  }
  const name = s.toUpperCase().replace(/^SIG/, '');
  const rt = /^RTM(IN|AX)([+-]\d+)?$/.exec(name);
  if (rt) {
    const n = (rt[1] === 'IN' ? 34 : 64) + Number(rt[2] ?? 0);
    if (n < 34 || n > 64) throw bad();
    return n;
  }
  const n = (os.constants.signals as Record<string, number>)[`SIG${name}`];
  if (n === undefined) throw bad();
  return n;
}

export function killContainer(root: string, id: string, signal: number, all: boolean): void {
  const c = loadContainer(new Store(root), id);
  requireStatus(c, LIVE, 'kill');
  const { rec } = c;
  if (all) return containerCgroup(rec.cgroup, rec.pid).signalAll(signal);
  try {
    process.kill(rec.pid!, signal);
  } catch (e) {
    if (errnoCode(e) !== 'ESRCH') throw e;
    if (!all) throw new TsruncError('ESTATE', 'container not running: no such process', '');
  }
}
