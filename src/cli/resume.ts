import type { Command } from 'commander';
import { resumeContainer } from '../container/lifecycle/pause.js';
import { action } from './context.js';

export function register(program: Command): void {
  program.command('resume').description('thaw a paused container')
    .argument('<id>', 'container id')
    .action(action((g, _log, id: string) => resumeContainer(g.root, id)));
}
