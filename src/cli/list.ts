import type { Command } from 'commander';
import { listContainers } from '../container/lifecycle/state.js';
import { TsruncError } from '../errors.js';
import { action } from './context.js';

export function register(program: Command): void {
  program.command('list').alias('ls').description('list the containers under --root')
    .option('-f, --format <format>', 'table or json', 'table')
    .option('-q, --quiet', 'print only the ids')
    .action(action((g, _log, flags: { format: string; quiet?: boolean }) => {
      const all = listContainers(g.root);
      if (flags.quiet) {
        process.stdout.write(all.map((s) => s.id + '\n').join(''));
      } else if (flags.format === 'json') {
        process.stdout.write(JSON.stringify(all) + '\n');
      } else if (flags.format === 'table') {
        const rows = [['ID', 'PID', 'STATUS', 'BUNDLE', 'CREATED', 'OWNER'],
          ...all.map((s) => [s.id, String(s.pid), s.status, s.bundle, s.created, s.owner || 'root'])];
        const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
        process.stdout.write(rows.map((r) => r.map((c, i) => c.padEnd(widths[i]!)).join('   ').trimEnd() + '\n').join(''));
      } else {
        throw new TsruncError('EUSAGE', `--format ${flags.format}: unknown format`, 'use table or json');
      }
    }));
}
