import type { Command } from 'commander';
import { killContainer, parseSignal } from '../container/lifecycle/kill.js';
import { action } from './context.js';

export function register(program: Command): void {
  program.command('kill').description('send a signal (default TERM) to the container process')
    .option('-a, --all', 'send it to every process of the container')
    .argument('<id>', 'container id')
    .argument('[signal]', 'number or name, e.g. 9, KILL, SIGKILL', 'SIGTERM')
    .action(action((g, _log, id: string, signal: string, flags: { all?: boolean }) => {
      killContainer(g.root, id, parseSignal(signal), Boolean(flags.all));
    }));
}
