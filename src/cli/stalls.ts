import type { Command } from 'commander';
import { TsruncError } from '../errors.js';
import { DEFAULT_THRESHOLDS, type Thresholds } from '../observe/stall-analysis.js';
import { stallReport } from '../container/lifecycle/stalls.js';
import type { StallReport } from '../observe/stall-report.js';
import { formatStallTable } from '../observe/stall-table.js';
import { action } from './context.js';
import { parseDuration } from './events.js';

interface Flags {
  json?: boolean;
  watch?: boolean;
  interval: string;
  cpuSome?: string;
  memoryFull?: string;
  ioFull?: string;
  forksWarn?: string;
  forksCritical?: string;
}

function percentOrRate(name: string, text: string | undefined, fallback: number): number {
  if (text === undefined) return fallback;
  const v = Number(text);
  if (!Number.isFinite(v) || v < 0) throw new TsruncError('EUSAGE', `--${name} ${text}: not a non-negative number`, '');
  return v;
}

function thresholdsOf(f: Flags): Thresholds {
  const d = DEFAULT_THRESHOLDS;
  return {
    cpuSome: percentOrRate('cpu-some', f.cpuSome, d.cpuSome),
    memoryFull: percentOrRate('memory-full', f.memoryFull, d.memoryFull),
    ioFull: percentOrRate('io-full', f.ioFull, d.ioFull),
    forksWarn: percentOrRate('forks-warn', f.forksWarn, d.forksWarn),
    forksCritical: percentOrRate('forks-critical', f.forksCritical, d.forksCritical),
  };
}

export function register(program: Command): void {
  program.command('stalls').description('who is stalled, by what and how much: every container under --root')
    .option('--json', 'print the report as JSON')
    .option('--watch', 'refresh every interval until interrupted')
    .option('--interval <duration>', 'time between refreshes with --watch', '2s')
    .option('--cpu-some <pct>', `cpu some threshold (default ${DEFAULT_THRESHOLDS.cpuSome})`)
    .option('--memory-full <pct>', `memory full threshold (default ${DEFAULT_THRESHOLDS.memoryFull})`)
    .option('--io-full <pct>', `io full threshold (default ${DEFAULT_THRESHOLDS.ioFull})`)
    .option('--forks-warn <n>', `forks per second for a warning (default ${DEFAULT_THRESHOLDS.forksWarn})`)
    .option('--forks-critical <n>', `forks per second for a critical finding (default ${DEFAULT_THRESHOLDS.forksCritical})`)
    .action(action(async (g, _log, flags: Flags) => {
      const thresholds = thresholdsOf(flags);
      const print = (r: StallReport) => {
        if (flags.json) process.stdout.write(JSON.stringify(r) + '\n');
        else process.stdout.write((flags.watch ? '\x1b[H\x1b[2J' : '') + formatStallTable(r));
      };
      print(stallReport(g.root, thresholds));
      if (!flags.watch) return;
      const interval = parseDuration(flags.interval);
      let stop = false;
      const onSignal = () => { stop = true; };
      process.once('SIGINT', onSignal);
      process.once('SIGTERM', onSignal);
      try {
        while (!stop) {
          await new Promise((r) => setTimeout(r, interval));
          if (!stop) print(stallReport(g.root, thresholds));
        }
      } finally {
        process.off('SIGINT', onSignal);
        process.off('SIGTERM', onSignal);
      }
    }));
}
