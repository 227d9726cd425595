/** The container's terminal on the runtime's side: hand the pty master to an engine, or proxy it. */
import fs from 'node:fs';
import tty from 'node:tty';
import { TsruncError, errnoCode } from '../../errors.js';
import { helper } from '../../native/helper.js';

/**
 * The terminal flags must agree with the process (runc's rules): a detached terminal
 * needs a socket to send its master to, and a socket without a terminal is a mistake.
 */
export function checkConsoleFlags(terminal: boolean, consoleSocket: string | undefined, detached: boolean): void {
  if (terminal && detached && !consoleSocket) {
    throw new TsruncError('EUSAGE', 'process.terminal is true but no --console-socket was given',
      'pass --console-socket PATH (a unix socket that receives the pty master), or set "terminal": false');
  }
  if (consoleSocket && !terminal) {
    throw new TsruncError('EUSAGE', `--console-socket ${consoleSocket} given but process.terminal is false`,
      'set "terminal": true, or drop --console-socket');
  }
}

/** Sends the pty master to the engine's console socket in one message, as runc does:
 * the data "/dev/ptmx" and exactly one fd; no waiting for the peer to accept. */
export function sendToConsoleSocket(socketPath: string, master: number): void {
  try {
    helper().sendFd(socketPath, Buffer.from('/dev/ptmx'), master);
  } catch (e) {
    throw new TsruncError('ECONSOLE', `send the terminal to --console-socket ${socketPath}: ${errnoCode(e) ?? String(e)}`,
      'the socket must be a listening unix stream socket');
  } finally {
    fs.closeSync(master);
  }
}

/**
 * A foreground `run` with a terminal and no console socket: our terminal becomes the
 * container's (raw mode, size passed on at start and on SIGWINCH), bytes copied both ways.
 * Returns a function that restores our terminal.
 */
export function proxyTerminal(master: number): () => void {
  const h = helper();
  const stdin = process.stdin;
  const resize = () => {
    if (process.stdout.isTTY) h.setWinsize(master, process.stdout.rows, process.stdout.columns);
  };
  resize();
  process.on('SIGWINCH', resize);
  const raw = stdin.isTTY === true;
  if (raw) stdin.setRawMode(true);
  const fromContainer = new tty.ReadStream(master);
  fromContainer.on('data', (d: Buffer) => process.stdout.write(d));
  // EIO: the last process holding the slave has gone.
  fromContainer.on('error', () => fromContainer.destroy());
  const toContainer = (d: Buffer) => writeAll(master, d);
  stdin.on('data', toContainer);
  return () => {
    process.off('SIGWINCH', resize);
    stdin.off('data', toContainer);
    stdin.pause();
    if (raw) stdin.setRawMode(false);
    fromContainer.destroy();
  };
}

/** The master is non-blocking once libuv reads it: retry what the pty cannot take yet. */
function writeAll(fd: number, data: Buffer): void {
  let off = 0;
  const step = () => {
    while (off < data.length) {
      try {
        off += fs.writeSync(fd, data, off);
      } catch (e) {
        if (errnoCode(e) === 'EAGAIN') return void setTimeout(step, 5);
        return; // the container is gone
      }
    }
  };
  step();
}
