import type { Command } from 'commander';
import { createContainer, type CreateOptions } from '../container/lifecycle/create.js';
import { TsruncError } from '../errors.js';
import { action, type GlobalOptions } from './context.js';
import type { Logger } from './log.js';

export interface CreateFlags {
  bundle: string;
  pidFile?: string;
  consoleSocket?: string;
  pivot: boolean;
  newKeyring: boolean;
  preserveFds: string;
}

/** Flags shared by create and run. */
export function createFlags(cmd: Command): Command {
  return cmd
    .option('-b, --bundle <dir>', 'path to the bundle directory', '.')
    .option('--pid-file <file>', 'write the container process id to this file')
    .option('--console-socket <path>', 'unix socket that receives the pty master (terminal: true)')
    .option('--no-pivot', 'do not use pivot_root (for a root on a ramdisk)')
    .option('--no-new-keyring', 'do not create a new session keyring')
    .option('--preserve-fds <n>', 'pass N extra fds (3 .. 3+N-1) to the container', '0');
}

/** --preserve-fds N: a whole number. */
export function preserveFds(value: string): number {
  if (!/^\d+$/.test(value)) {
    throw new TsruncError('EUSAGE', `--preserve-fds ${value}: must be a whole number`, 'e.g. --preserve-fds 2 passes fds 3 and 4');
  }
  return Number(value);
}

/** CreateOptions from the global and create flags (shared with run). */
export function createOptions(g: GlobalOptions, log: Logger, id: string, flags: CreateFlags): CreateOptions {
  return {
    root: g.root,
    id,
    bundle: flags.bundle,
    ...(flags.pidFile ? { pidFile: flags.pidFile } : {}),
    noPivot: !flags.pivot,
    newKeyring: flags.newKeyring,
    preserveFds: preserveFds(flags.preserveFds),
    systemdCgroup: Boolean(g.systemdCgroup),
    ...(flags.consoleSocket ? { consoleSocket: flags.consoleSocket } : {}),
    warn: log.warn,
  };
}

export function register(program: Command): void {
  createFlags(program.command('create').description('create a container (its process waits for start)'))
    .argument('<id>', 'container id')
    .action(action((g, log, id: string, flags: CreateFlags) => {
      createContainer(createOptions(g, log, id, flags));
    }));
}
