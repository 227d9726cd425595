import type { Command } from 'commander';
import { statsEvent, streamEvents } from '../container/lifecycle/events.js';
import { TsruncError } from '../errors.js';
import { action } from './context.js';

/** A Go duration as runc takes it: "5s", "100ms", "1m30s". */
export function parseDuration(text: string): number {
  const unit: Record<string, number> = { ns: 1e-6, us: 1e-3, 'µs': 1e-3, ms: 1, s: 1000, m: 60_000, h: 3_600_000 };
  const re = /(\d+(?:\.\d+)?)(ns|us|µs|ms|s|m|h)/gy;
  let ms = 0;
  let m: RegExpExecArray | null;
  let end = 0;
  while ((m = re.exec(text)) !== null) {
    ms += Number(m[1]) * unit[m[2]!]!;
    end = re.lastIndex;
  }
  if (text === '' || end !== text.length || ms <= 0) {
    throw new TsruncError('EUSAGE', `--interval ${text}: not a duration such as 5s or 500ms`, '');
  }
  return ms;
}

export function register(program: Command): void {
  program.command('events').description('print the container\'s resource usage, OOM, stall and exit events as JSON lines')
    .option('--stats', 'print the statistics once and exit')
    .option('--interval <duration>', 'time between statistics', '5s')
    .argument('<id>', 'container id')
    .action(action(async (g, _log, id: string, flags: { stats?: boolean; interval: string }) => {
      if (flags.stats) {
        process.stdout.write(statsEvent(g.root, id) + '\n');
        return;
      }
      const interval = parseDuration(flags.interval);
      const stop = new AbortController();
      const onSignal = () => stop.abort();
      process.once('SIGINT', onSignal);
      process.once('SIGTERM', onSignal);
      try {
        await streamEvents(g.root, id, interval, (line) => process.stdout.write(line + '\n'), stop.signal);
      } finally {
        process.off('SIGINT', onSignal);
        process.off('SIGTERM', onSignal);
      }
    }));
}
