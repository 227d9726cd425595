import type { Command } from 'commander';
import { runContainer } from '../container/lifecycle/run.js';
import { action } from './context.js';
import { createFlags, createOptions, type CreateFlags } from './create.js';

export function register(program: Command): void {
  createFlags(program.command('run').description('create and start a container, wait for it, delete it'))
    .option('-d, --detach', 'return once the container has started')
    .option('--keep', 'do not delete the container after it exits')
    .argument('<id>', 'container id')
    .action(action(async (g, log, id: string, flags: CreateFlags & { detach?: boolean; keep?: boolean }) => {
      const status = await runContainer({
        ...createOptions(g, log, id, flags),
        detach: Boolean(flags.detach),
        keep: Boolean(flags.keep),
      });
      process.exitCode = status;
    }));
}
