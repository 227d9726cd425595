/** process.terminal: the pty comes from the container's devpts and its master goes to
 * the engine's console socket, or is proxied by a foreground run. */
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { Sandbox, TSRUNC, cleanEnv, run, waitFor } from './harness.js';

const sb = new Sandbox('terminal');
const recv = path.resolve(__dirname, '..', '..', 'native', 'build', 'console-recv');
const receivers: ChildProcess[] = [];
afterAll(() => {
  for (const r of receivers) if (r.exitCode === null) r.kill('SIGKILL');
  sb.cleanup();
});

/** An engine's end of --console-socket: collects what the container writes to its terminal. */
function receiver(): { socket: string; output: () => string; log: () => string; exited: Promise<number | null> } {
  const dir = sb.tmpdir();
  const socket = path.join(dir, 'console.sock');
  const child = spawn(recv, [socket], { stdio: ['pipe', 'pipe', 'pipe'] });
  receivers.push(child);
  let out = '';
  let err = '';
  child.stdout!.on('data', (d) => { out += d; });
  child.stderr!.on('data', (d) => { err += d; });
  const exited = new Promise<number | null>((r) => child.on('close', r));
  return { socket, output: () => out, log: () => err, exited };
}

describe('terminal', () => {
  it('create sends the pty master to --console-socket; the slave is the process\'s tty and /dev/console', async () => {
    const rx = receiver();
    await waitFor(() => fs.existsSync(rx.socket), 'the console socket');
    const bundle = sb.bundle(['sh', '-c', 'tty; stty size; ls -ln /dev/console | awk \'{print $1, $3, $4}\'; [ -t 0 ] && echo stdin-is-tty'], (s) => {
      s.process!.terminal = true;
      s.process!.consoleSize = { height: 33, width: 101 };
      s.process!.user = { uid: 1000, gid: 1000 };
    });
    const create = sb.tsrunc(['create', '--bundle', bundle, '--console-socket', rx.socket, 'tty1']);
    expect(create.stderr).toBe('');
    expect(create.status).toBe(0);
    // The fd was sent before create returned; the receiver's report arrives when our loop runs.
    await waitFor(() => rx.log().includes('got fd with "/dev/ptmx"'), 'the receiver to get the master');
    expect(sb.tsrunc(['start', 'tty1']).status).toBe(0);
    await rx.exited;
    expect(rx.output().replace(/\r/g, '')).toBe('/dev/pts/0\n33 101\ncrw--w---- 1000 1000\nstdin-is-tty\n');
  });

  it('exec --tty sends its own pty to the socket', async () => {
    const bundle = sb.bundle(['sleep', '60']);
    expect(sb.tsrunc(['run', '-d', '--bundle', bundle, 'tty2'], { stdio: 'ignore' }).status).toBe(0);
    const rx = receiver();
    await waitFor(() => fs.existsSync(rx.socket), 'the console socket');
    const r = sb.tsrunc(['exec', '--tty', '--detach', '--console-socket', rx.socket, 'tty2', 'sh', '-c', 'tty; echo $$']);
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    await rx.exited;
    const [ttyName, pid] = rx.output().replace(/\r/g, '').trim().split('\n');
    expect(ttyName).toBe('/dev/pts/0');
    expect(Number(pid)).toBeGreaterThan(1);
  });

  it('run in the foreground proxies the caller\'s terminal: size, input, exit status', () => {
    const bundle = sb.bundle(['sh', '-c', 'stty size; read x; echo got=$x; exit 3'], (s) => { s.process!.terminal = true; });
    // script(1) gives tsrunc a terminal of its own, 22x77; the input comes once the
    // container runs (typed earlier, the outer terminal's line discipline would take it).
    const inner = `stty rows 22 cols 77; ${TSRUNC} --root ${sb.root} run --bundle ${bundle} tty3`;
    const r = run('sh', ['-c', `(sleep 1; echo hello) | script -qec '${inner}' /dev/null`], { env: cleanEnv() });
    expect(r.stdout.replace(/\r/g, '')).toContain('22 77\n');
    expect(r.stdout.replace(/\r/g, '')).toContain('got=hello\n');
    expect(r.status).toBe(3);
  });

  it('CVE-2025-52565 class: takes the pty only from a real multiplexer and the slave by its master, never by path', async () => {
    // /dev/pts is a directory the bundle controls: its "ptmx" is a procfs file, and "0"
    // points at one too. A runtime that opened /dev/pts/ptmx or /dev/pts/0 by path and
    // bound it onto /dev/console would hand the container a host procfs file.
    const fake = sb.tmpdir();
    fs.symlinkSync('/proc/sys/kernel/core_pattern', path.join(fake, 'ptmx'));
    fs.symlinkSync('/proc/sys/kernel/core_pattern', path.join(fake, '0'));
    const rx = receiver();
    await waitFor(() => fs.existsSync(rx.socket), 'the console socket');
    const bundle = sb.bundle(['true'], (s) => {
      s.process!.terminal = true;
      s.mounts = s.mounts!.map((m) => (m.destination === '/dev/pts' ? { destination: '/dev/pts', source: fake, options: ['bind'] } : m));
    });
    const r = sb.tsrunc(['create', '--bundle', bundle, '--console-socket', rx.socket, 'tty6']);
    expect(r.status).toBe(1);
    expect(r.stderr).toContain('set up the terminal');
    expect(r.stderr).toMatch(/not the pty multiplexer|ENOTTY|ENXIO/);
    expect(fs.existsSync(path.join(sb.root, 'tty6'))).toBe(false);
  });

  it('rejects the combinations runc rejects, before any side effect', () => {
    const withTty = sb.bundle(['true'], (s) => { s.process!.terminal = true; });
    const noSocket = sb.tsrunc(['create', '--bundle', withTty, 'tty4']);
    expect(noSocket.status).toBe(1);
    expect(noSocket.stderr).toContain('process.terminal is true but no --console-socket was given');
    const noTty = sb.tsrunc(['create', '--bundle', sb.bundle(['true']), '--console-socket', '/tmp/x.sock', 'tty5']);
    expect(noTty.status).toBe(1);
    expect(noTty.stderr).toContain('--console-socket /tmp/x.sock given but process.terminal is false');
    expect(fs.existsSync(path.join(sb.root, 'tty4'))).toBe(false);
    expect(fs.existsSync(path.join(sb.root, 'tty5'))).toBe(false);
  });
});
