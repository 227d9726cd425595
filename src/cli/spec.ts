import fs from 'node:fs';
import path from 'node:path';
import type { Command } from 'commander';
import { TsruncError } from '../errors.js';
import { exampleSpec } from '../spec/example.js';
import { action } from './context.js';

export function register(program: Command): void {
  program.command('spec').description('write an example config.json into the bundle directory')
    .option('-b, --bundle <dir>', 'where to write config.json', '.')
    .option('--rootless', 'an example for a rootless container')
    .action(action((_g, _log, flags: { bundle: string; rootless?: boolean }) => {
      const file = path.join(flags.bundle, 'config.json');
      if (fs.existsSync(file)) {
        throw new TsruncError('EEXIST', `${file} already exists`, 'remove it first, or pass another --bundle');
      }
      fs.writeFileSync(file, JSON.stringify(exampleSpec({ rootless: Boolean(flags.rootless) }), null, '\t') + '\n');
    }));
}
