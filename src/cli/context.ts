import type { Command } from 'commander';
import { TsruncError, isTsruncError } from '../errors.js';
import { Logger, type LogOptions } from './log.js';

export interface GlobalOptions extends LogOptions {
  root: string;
  systemdCgroup?: boolean;
}

/** The global flags, which commander keeps on the root command. */
export function globals(cmd: Command): GlobalOptions {
  let root: Command = cmd;
  while (root.parent) root = root.parent;
  return root.opts<GlobalOptions>();
}

/**
 * Runs a command's body: an error goes to stderr as its message and hint (what people
 * read), and to --log as one error line with the message (what engines read), then
 * exit status 1.
 */
export function action<A extends unknown[]>(fn: (g: GlobalOptions, log: Logger, ...args: A) => unknown) {
  return async function (this: Command, ...args: A): Promise<void> {
    const g = globals(this);
    const log = new Logger(g);
    try {
      await fn(g, log, ...args);
    } catch (e) {
      const err = isTsruncError(e) ? e : new TsruncError('EINTERNAL', e instanceof Error ? e.message : String(e), 'this is a bug in tsrunc: please report it with the command and config.json');
      if (g.debug && e instanceof Error && e.stack) log.debug(e.stack);
      log.write('error', err.message);
      process.stderr.write(`tsrunc: ${err.code}: ${err.message}\n${err.hint ? `  hint: ${err.hint}\n` : ''}`);
      process.exitCode = 1;
    }
  };
}
