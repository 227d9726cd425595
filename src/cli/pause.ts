import type { Command } from 'commander';
import { pauseContainer } from '../container/lifecycle/pause.js';
import { action } from './context.js';

export function register(program: Command): void {
  program.command('pause').description('freeze every process of the container')
    .argument('<id>', 'container id')
    .action(action((g, _log, id: string) => pauseContainer(g.root, id)));
}
