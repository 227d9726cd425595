import type { Command } from 'commander';
import { readHostFacts } from '../host/facts.js';
import { features } from '../host/features.js';
import { action } from './context.js';

export function register(program: Command): void {
  program.command('features').description('show what this runtime supports (runtime-spec features.md)')
    .action(action(() => {
      process.stdout.write(`${JSON.stringify(features(readHostFacts()), null, 2)}\n`);
    }));
}
