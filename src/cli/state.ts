import type { Command } from 'commander';
import { containerState } from '../container/lifecycle/state.js';
import { action } from './context.js';

export function register(program: Command): void {
  program.command('state').description('print the state of a container as JSON')
    .argument('<id>', 'container id')
    .action(action((g, _log, id: string) => {
      process.stdout.write(JSON.stringify(containerState(g.root, id), null, 2) + '\n');
    }));
}
