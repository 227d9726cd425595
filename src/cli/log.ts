/**
 * runc-style logging: with --log the lines go to that file (appended), as JSON with
 * --log-format json ({"level","msg","time"}: containerd decodes every line and shows the
 * msg of the last error; podman reads the file as one object), or as logfmt text.
 * Without --log, warnings and errors go to stderr.
 */
import fs from 'node:fs';
import { rfc3339 } from '../container/state/time.js';

export type Level = 'debug' | 'info' | 'warning' | 'error';

export interface LogOptions {
  log?: string;
  logFormat?: string;
  debug?: boolean;
}

export class Logger {
  constructor(private readonly opts: LogOptions) {}

  private line(level: Level, msg: string): string {
    const time = rfc3339();
    return this.opts.logFormat === 'json'
      ? JSON.stringify({ level, msg, time }) + '\n'
      : `time="${time}" level=${level} msg=${JSON.stringify(msg)}\n`;
  }

  write(level: Level, msg: string): void {
    if (level === 'debug' && !this.opts.debug) return;
    if (this.opts.log) {
      try {
        fs.appendFileSync(this.opts.log, this.line(level, msg), { mode: 0o644 });
        return;
      } catch {
        // An unwritable log must not hide the message: fall through to stderr.
      }
    }
    if (level !== 'error') process.stderr.write(this.line(level, msg));
  }

  warn = (msg: string): void => this.write('warning', msg);
  debug = (msg: string): void => this.write('debug', msg);
}
