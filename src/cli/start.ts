import type { Command } from 'commander';
import { startContainer } from '../container/lifecycle/start.js';
import { action } from './context.js';

export function register(program: Command): void {
  program.command('start').description('start the process of a created container')
    .argument('<id>', 'container id')
    .action(action((g, log, id: string) => startContainer(g.root, id, log.warn)));
}
