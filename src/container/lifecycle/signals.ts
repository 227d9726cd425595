import os from 'node:os';
import { TsruncError } from '../../errors.js';

/** A signal given as a number (1-64) or a name with or without SIG, in any case. */
export function parseSignal(s: string): number {
  const bad = () => new TsruncError('ESIGNAL', `invalid signal "${s}"`, 'use a number from 1 to 64 or a name such as TERM, SIGKILL, RTMIN+2');
  if (/^\d+$/.test(s)) {
    const n = Number(s);
    if (n < 1 || n > 64) throw bad();
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
