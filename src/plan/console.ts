import { CONSOLE } from '../native/wire.js';
import type { Process, Step } from './types.js';

/**
 * The terminal of a process with `terminal: true`: a pty from the container's devpts,
 * sized from consoleSize, owned by the process's user; for the container's first process
 * also bound onto /dev/console. The master goes to the runtime.
 */
export function planConsole(process: Process, devConsole: boolean): Step[] {
  if (!process.terminal) return [];
  const size = process.consoleSize;
  return [{
    op: {
      op: 'CONSOLE',
      rows: size?.height ?? 0,
      cols: size?.width ?? 0,
      uid: process.user?.uid ?? 0,
      gid: process.user?.gid ?? 0,
      flags: devConsole ? CONSOLE.DEV_CONSOLE : 0,
    },
    what: 'set up the terminal',
  }];
}
