import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { Spec } from '../../src/spec/generated/types.js';
import { ROOTFS, Sandbox, alive, cgroupLeftovers, waitFor } from './harness.js';

const sb = new Sandbox('hooks');
afterAll(() => sb.cleanup());

type Hook = NonNullable<NonNullable<Spec['hooks']>['prestart']>[number];
type Kind = keyof NonNullable<Spec['hooks']>;
const KINDS: Kind[] = ['prestart', 'createRuntime', 'createContainer', 'startContainer', 'poststart', 'poststop'];

/** Pids of the host whose environment holds `mark` (in any pid namespace). */
function processesWith(mark: string): number[] {
  const found: number[] = [];
  for (const e of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(e)) continue;
    try {
      if (fs.readFileSync(`/proc/${e}/environ`, 'latin1').split('\0').includes(mark) && alive(Number(e))) found.push(Number(e));
    } catch { /* gone, or a kernel thread */ }
  }
  return found;
}

/**
 * A recording hook: one line per run in $LOG — its name, the mount, network and pid
 * namespaces it runs in, and the state it read on stdin. Written for the host's dash
 * and the container's busybox sh alike.
 */
const RECORD = `#!/bin/sh
state=$(cat)
echo "$1|$(readlink /proc/self/ns/mnt)|$(readlink /proc/self/ns/net)|$state" >> "$LOG"
`;

interface Line { name: string; mnt: string; net: string; state: Record<string, unknown> }

function lines(log: string): Line[] {
  if (!fs.existsSync(log)) return [];
  return fs.readFileSync(log, 'utf8').trim().split('\n').filter(Boolean).map((l) => {
    const [name, mnt, net, ...rest] = l.split('|');
    return { name: name!, mnt: mnt!, net: net!, state: JSON.parse(rest.join('|')) };
  });
}

/** A temp dir with the recording script, bind-mounted at /hooks in the container. */
function hookDir(): { dir: string; script: string; log: string } {
  const dir = sb.tmpdir();
  const script = path.join(dir, 'record.sh');
  fs.writeFileSync(script, RECORD, { mode: 0o755 });
  return { dir, script, log: path.join(dir, 'log') };
}

function withHooksDir(dir: string): (s: Spec) => void {
  return (s) => { s.mounts!.push({ destination: '/tmp/hooks', type: 'bind', source: dir, options: ['rbind'] }); };
}

function hostNs(kind: 'mnt' | 'net'): string {
  return fs.readlinkSync(`/proc/self/ns/${kind}`);
}

function cgroupOf(bundle: string): string {
  return JSON.parse(fs.readFileSync(path.join(bundle, 'config.json'), 'utf8')).linux.cgroupsPath;
}

describe('hooks', () => {
  it('runs every kind in order, in its namespaces, with the state on stdin', async () => {
    const h = hookDir();
    const rec = (name: string): Hook => ({ path: h.script, args: ['record.sh', name], env: [`LOG=${h.log}`] });
    const bundle = sb.bundle(['sh', '-c', 'echo "process|-|-|{}" >> /tmp/hooks/log'], (s) => {
      withHooksDir(h.dir)(s);
      s.annotations = { 'com.example.k': 'v' };
      s.hooks = {
        prestart: [rec('prestart')],
        createRuntime: [rec('createRuntime'), rec('createRuntime2')],
        createContainer: [rec('createContainer')],
        // Resolved in the container: the bind mount of the hook dir, the image's sh.
        startContainer: [{ path: '/tmp/hooks/record.sh', args: ['record.sh', 'startContainer'], env: ['LOG=/tmp/hooks/log'] }],
        poststart: [rec('poststart')],
        poststop: [rec('poststop')],
      };
    });
    const id = sb.id('order');
    const c = sb.tsrunc(['create', '--bundle', bundle, id]);
    expect(c.stderr).toBe('');
    expect(c.status).toBe(0);
    const pid = JSON.parse(sb.tsrunc(['state', id]).stdout).pid as number;
    const ctr = { mnt: fs.readlinkSync(`/proc/${pid}/ns/mnt`), net: fs.readlinkSync(`/proc/${pid}/ns/net`) };
    expect(ctr.mnt).not.toBe(hostNs('mnt'));
    expect(lines(h.log).map((l) => l.name)).toEqual(['prestart', 'createRuntime', 'createRuntime2', 'createContainer']);

    const s = sb.tsrunc(['start', id]);
    expect(s.stderr).toBe('');
    expect(s.status).toBe(0);
    // start returns once the process runs: startContainer ran before it, poststart after.
    const afterStart = lines(h.log).map((l) => l.name);
    expect(afterStart.filter((n) => n !== 'process')).toEqual(['prestart', 'createRuntime', 'createRuntime2', 'createContainer', 'startContainer', 'poststart']);
    await waitFor(() => JSON.parse(sb.tsrunc(['state', id]).stdout).status === 'stopped', 'the process to exit');
    const d = sb.tsrunc(['delete', id]);
    expect(d.stderr).toBe('');
    expect(d.status).toBe(0);

    const all = lines(h.log);
    const by = Object.fromEntries(all.map((l) => [l.name, l]));
    expect(all.map((l) => l.name).filter((n) => n !== 'process')).toEqual(
      ['prestart', 'createRuntime', 'createRuntime2', 'createContainer', 'startContainer', 'poststart', 'poststop']);
    expect(all.findIndex((l) => l.name === 'process')).toBeGreaterThan(all.findIndex((l) => l.name === 'startContainer'));
    // Namespaces: the runtime's for four kinds, the container's for two.
    for (const n of ['prestart', 'createRuntime', 'poststart', 'poststop']) {
      expect({ n, mnt: by[n]!.mnt, net: by[n]!.net }).toEqual({ n, mnt: hostNs('mnt'), net: hostNs('net') });
    }
    for (const n of ['createContainer', 'startContainer']) {
      expect({ n, mnt: by[n]!.mnt, net: by[n]!.net }).toEqual({ n, ...ctr });
    }
    // The state each saw.
    const base = { ociVersion: '1.2.1', id, bundle, annotations: { 'com.example.k': 'v' } };
    expect(by['prestart']!.state).toEqual({ ...base, status: 'created', pid });
    expect(by['createRuntime']!.state).toEqual({ ...base, status: 'creating', pid });
    expect(by['createContainer']!.state).toEqual({ ...base, status: 'creating', pid });
    expect(by['startContainer']!.state).toEqual({ ...base, status: 'created', pid });
    expect(by['poststart']!.state).toEqual({ ...base, status: 'running', pid });
    expect(by['poststop']!.state).toEqual({ ...base, status: 'stopped', pid: 0 });
  });

  it('passes args (argv[0] included) and env exactly', () => {
    const out = sb.tmpdir();
    // $ROOTFS/proc is the container's procfs while createContainer hooks run (before
    // pivot_root); startContainer hooks see it at /proc.
    const dump = (procDir: string, file: string) =>
      // (`exit 0` last: a shell that execs its last command would read the new program's environ)
      `tr "\\000" "\\n" < ${procDir}/$$/cmdline > ${file}.args; tr "\\000" "\\n" < ${procDir}/$$/environ > ${file}.env; exit 0`;
    const env = ['WEIRD=a=b c', 'EMPTY=', 'Z=last'];
    const bundle = sb.bundle(['true'], (s) => {
      withHooksDir(out)(s);
      s.hooks = {
        createRuntime: [{ path: '/bin/sh', args: ['argv-zero', '-c', dump('/proc', `${out}/cr`), 'x', 'a b'], env }],
        createContainer: [{ path: '/bin/sh', args: ['argv-zero', '-c', dump(`${ROOTFS}/proc`, `${out}/cc`), 'x', 'a b'], env }],
        // busybox picks its applet by argv[0]: keep "sh" here.
        startContainer: [{ path: '/bin/sh', args: ['sh', '-c', dump('/proc', '/tmp/hooks/sc'), 'x', 'a b'], env }],
        poststop: [{ path: '/bin/sh', args: ['argv-zero', '-c', dump('/proc', `${out}/ps`), 'x', 'a b'], env }],
      };
    });
    const r = sb.tsrunc(['run', '--bundle', bundle, sb.id('env')]);
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    for (const [file, argv0] of [['cr', 'argv-zero'], ['cc', 'argv-zero'], ['sc', 'sh'], ['ps', 'argv-zero']] as const) {
      const read = (ext: string) => fs.readFileSync(path.join(out, `${file}.${ext}`), 'utf8').split('\n').slice(0, -1);
      expect({ file, args: read('args') }).toEqual({ file, args: [argv0, '-c', expect.any(String), 'x', 'a b'] });
      expect({ file, env: read('env') }).toEqual({ file, env });
    }
  });

  it('tolerates hooks that exit without reading a large state (EPIPE)', () => {
    const annotations: Record<string, string> = {};
    for (let i = 0; i < 200; i++) annotations[`com.example.k${i}`] = 'v'.repeat(1000);
    const t: Hook = { path: '/bin/true', args: ['true'] };
    const bundle = sb.bundle(['true'], (s) => {
      s.annotations = annotations;
      s.hooks = { prestart: [t], createRuntime: [t], createContainer: [t], startContainer: [t], poststart: [t], poststop: [t] };
    });
    expect(JSON.stringify(annotations).length).toBeGreaterThan(128 * 1024);
    const r = sb.tsrunc(['run', '--bundle', bundle, sb.id('epipe')]);
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
  });

  // Each kind through the one runner: a failure, a timeout and a signal, each worded as
  // README "Hooks" says, each leaving no process of the hook's group behind (a background
  // child it started included), and the container handled as the spec's lifecycle says.
  it.each(KINDS.flatMap((kind) => (['fails', 'times out', 'is killed'] as const).map((how) => [kind, how] as const)))(
    'a %s hook that %s is reported and leaves no process', (kind, how) => {
      const mark = `TSRUNC_HOOK_MARK=${sb.id(`${kind}-${how.replace(' ', '-')}-`)}-${process.pid}`;
      const end = how === 'fails' ? 'exit 3' : how === 'times out' ? 'sleep 300' : 'kill -9 $$';
      const bundle = sb.bundle(['true'], (s) => {
        s.hooks = {
          [kind]: [{
            path: '/bin/sh',
            args: ['sh', '-c', `sleep 300 & echo boom; ${end}`],
            env: ['PATH=/usr/bin:/bin', mark],
            timeout: 1,
          }],
        };
      });
      const words = how === 'fails' ? 'exited with status 3' : how === 'times out' ? 'timed out after 1 s' : 'killed by signal 9';
      const message = `${kind} hook /bin/sh (index 0) ${words}: boom`;
      const id = sb.id('each');
      const c = sb.tsrunc(['create', '--bundle', bundle, id]);
      if (kind === 'prestart' || kind === 'createRuntime' || kind === 'createContainer') {
        expect({ status: c.status, stderr: c.stderr }).toEqual({ status: 1, stderr: expect.stringContaining(`tsrunc: EHOOK: ${message}\n`) });
      } else {
        expect(c.status).toBe(0);
        const s = sb.tsrunc(['start', id]);
        if (kind === 'startContainer') {
          expect({ status: s.status, stderr: s.stderr }).toEqual({ status: 1, stderr: expect.stringContaining(`tsrunc: EHOOK: ${message}\n`) });
        } else if (kind === 'poststart') {
          expect({ status: s.status, stderr: s.stderr }).toEqual({ status: 0, stderr: expect.stringContaining(`level=warning msg="${message}"`) });
        } else {
          expect(s.status).toBe(0);
        }
        const d = sb.tsrunc(['delete', '--force', id]);
        expect(d.status).toBe(0);
        if (kind === 'poststop') expect(d.stderr).toContain(`level=warning msg="${message}"`);
      }
      expect(processesWith(mark)).toEqual([]);
      expect(sb.tsrunc(['state', id]).status).toBe(1);
      expect(cgroupLeftovers(cgroupOf(bundle))).toEqual([]);
    });

  it('finds a process by its mark (so the checks above can fail)', async () => {
    const mark = `TSRUNC_HOOK_MARK=probe-${process.pid}`;
    const child = spawn('/bin/sleep', ['30'], { env: { [mark.split('=')[0]!]: mark.split('=')[1]! }, stdio: 'ignore' });
    try {
      await waitFor(() => processesWith(mark).length === 1, 'the marked sleep');
      expect(processesWith(mark)).toEqual([child.pid]);
    } finally {
      child.kill('SIGKILL');
    }
  });

  it.each<Kind>(['prestart', 'createRuntime', 'createContainer'])('fails create when a %s hook fails, naming it, and leaves nothing behind', (kind) => {
    const h = hookDir();
    const rec = (name: string): Hook => ({ path: h.script, args: ['record.sh', name], env: [`LOG=${h.log}`] });
    const bundle = sb.bundle(['true'], (s) => {
      s.hooks = {
        [kind]: [rec(`${kind}-first`), { path: '/bin/sh', args: ['sh', '-c', 'echo some output; echo boom >&2; exit 3'] }, rec(`${kind}-never`)],
        startContainer: [rec('startContainer')],
        poststop: [rec('poststop')],
      };
    });
    const id = sb.id('fail');
    const r = sb.tsrunc(['create', '--bundle', bundle, id]);
    expect(r.status).toBe(1);
    expect(r.stderr).toContain(`tsrunc: EHOOK: ${kind} hook /bin/sh (index 1) exited with status 3: some output boom`);
    // The hooks after it did not run; poststop did (the spec goes on with destroy, poststop).
    expect(lines(h.log).map((l) => l.name)).toEqual([`${kind}-first`, 'poststop']);
    expect(sb.tsrunc(['state', id]).status).toBe(1);
    expect(fs.existsSync(path.join(sb.root, id))).toBe(false);
    expect(cgroupLeftovers(cgroupOf(bundle))).toEqual([]);
  });

  it('names a missing hook executable, for the runtime\'s and the container\'s kinds alike', () => {
    for (const kind of ['createRuntime', 'createContainer'] as const) {
      const bundle = sb.bundle(['true'], (s) => { s.hooks = { [kind]: [{ path: '/nonexistent/hook' }] }; });
      const r = sb.tsrunc(['create', '--bundle', bundle, sb.id('missing')]);
      expect(r.status).toBe(1);
      expect(r.stderr).toContain(`tsrunc: EHOOK: ${kind} hook /nonexistent/hook (index 0) could not be run: exec /nonexistent/hook: No such file or directory\n`);
    }
  });

  it('fails start when a startContainer hook fails: the process does not run', async () => {
    const out = sb.tmpdir();
    const bundle = sb.bundle(['sh', '-c', 'echo ran > /tmp/hooks/ran'], (s) => {
      withHooksDir(out)(s);
      s.hooks = { startContainer: [{ path: '/bin/sh', args: ['sh', '-c', 'echo nope >&2; exit 4'] }] };
    });
    const id = sb.id('sc');
    expect(sb.tsrunc(['create', '--bundle', bundle, id]).status).toBe(0);
    const r = sb.tsrunc(['start', id]);
    expect(r.status).toBe(1);
    expect(r.stderr).toContain('tsrunc: EHOOK: startContainer hook /bin/sh (index 0) exited with status 4: nope');
    await waitFor(() => JSON.parse(sb.tsrunc(['state', id]).stdout).status === 'stopped', 'the container to stop');
    expect(fs.existsSync(path.join(out, 'ran'))).toBe(false);
    expect(sb.tsrunc(['delete', id]).status).toBe(0);
  });

  it('only warns when poststart or poststop hooks fail, and runs the rest', () => {
    const h = hookDir();
    const rec = (name: string): Hook => ({ path: h.script, args: ['record.sh', name], env: [`LOG=${h.log}`] });
    const bad = (n: number): Hook => ({ path: '/bin/sh', args: ['sh', '-c', `echo bad${n} >&2; exit ${n}`] });
    const bundle = sb.bundle(['true'], (s) => {
      s.hooks = { poststart: [bad(5), rec('poststart')], poststop: [bad(6), rec('poststop')] };
    });
    const id = sb.id('warn');
    expect(sb.tsrunc(['create', '--bundle', bundle, id]).status).toBe(0);
    const s = sb.tsrunc(['start', id]);
    expect(s.status).toBe(0);
    expect(s.stderr).toMatch(/level=warning msg="poststart hook \/bin\/sh \(index 0\) exited with status 5: bad5"/);
    const d = sb.tsrunc(['delete', '--force', id]);
    expect(d.status).toBe(0);
    expect(d.stderr).toMatch(/level=warning msg="poststop hook \/bin\/sh \(index 0\) exited with status 6: bad6"/);
    expect(lines(h.log).map((l) => l.name)).toEqual(['poststart', 'poststop']);
    expect(sb.tsrunc(['state', id]).status).toBe(1);
  });
});
