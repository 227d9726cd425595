import type { Command } from 'commander';
import { deleteContainer } from '../container/lifecycle/delete.js';
import { action } from './context.js';

export function register(program: Command): void {
  program.command('delete').description('delete a stopped or created container')
    .option('-f, --force', 'kill it first if it is running; an unknown id is not an error')
    .argument('<id>', 'container id')
    .action(action((g, log, id: string, flags: { force?: boolean }) => deleteContainer(g.root, id, Boolean(flags.force), log.warn)));
}
