import { spawnSync } from 'node:child_process';
import type { Command } from 'commander';
import { containerProcesses, filterPsTable } from '../container/lifecycle/ps.js';
import { TsruncError } from '../errors.js';
import { action } from './context.js';

export function register(program: Command): void {
  program.command('ps').description('list the processes of the container (host pids)')
    .option('-f, --format <format>', 'table or json', 'table')
    .argument('<id>', 'container id')
    .argument('[ps-args...]', 'options for ps(1) in table format (default -ef)')
    .action(action((g, _log, id: string, psArgs: string[], flags: { format: string }) => {
      const pids = containerProcesses(g.root, id);
      if (flags.format === 'json') {
        process.stdout.write(JSON.stringify(pids) + '\n');
        return;
      }
      if (flags.format !== 'table') throw new TsruncError('EUSAGE', `--format ${flags.format}: unknown format`, 'use table or json');
      const r = spawnSync('ps', psArgs.length > 0 ? psArgs : ['-ef'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
      if (r.status !== 0) throw new TsruncError('EUSAGE', `ps ${psArgs.join(' ')}: ${(r.stderr || r.error?.message || `exit ${r.status}`).trim()}`, 'ps(1) must be installed; check the ps options');
      process.stdout.write(filterPsTable(r.stdout, pids));
    }));
}
