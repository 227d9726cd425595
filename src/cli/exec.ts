import fs from 'node:fs';
import type { Command } from 'commander';
import { execInContainer } from '../container/exec/exec.js';
import { Store, notFound } from '../container/state/store.js';
import { TsruncError } from '../errors.js';
import type { Process } from '../plan/types.js';
import { checkConfigPart, parseConfigPart } from '../spec/config.js';
import { action } from './context.js';
import { preserveFds } from './create.js';

interface ExecFlags {
  process?: string;
  detach?: boolean;
  pidFile?: string;
  consoleSocket?: string;
  tty?: boolean;
  cwd?: string;
  env: string[];
  user?: string;
  additionalGids: string[];
  cap: string[];
  /** commander's --no-new-privs: false when given. */
  newPrivs: boolean;
  apparmor?: string;
  processLabel?: string;
  preserveFds: string;
  ignorePaused?: boolean;
}

const collect = (v: string, prev: string[]) => [...prev, v];

/** --process FILE (or - for stdin): a runtime-spec Process, validated like config.json's. */
function readProcessFile(file: string): Process {
  const process = parseConfigPart(fs.readFileSync(file === '-' ? 0 : file, 'utf8'), file, 'process') as Process | undefined;
  // null is read as an absent process (absent.ts), and exec needs one.
  if (process === undefined) throw new TsruncError('EUSAGE', `--process ${file}: must be a JSON object (got null)`, 'give a runtime-spec Process object (config.md, "process")');
  return process;
}

function uint(flag: string, v: string): number {
  if (!/^\d+$/.test(v)) throw new TsruncError('EUSAGE', `${flag} ${v}: must be a number`, '');
  return Number(v);
}

/** The process from flags: the container's own process with args, env, user, caps… changed. */
function processFromFlags(base: Process, args: string[], f: ExecFlags): Process {
  if (args.length === 0) throw new TsruncError('EUSAGE', 'exec: no command given', 'tsrunc exec ID CMD [ARG…], or --process FILE');
  const p: Process = { ...base, args, env: [...(base.env ?? []), ...f.env], terminal: Boolean(f.tty) };
  if (f.cwd) p.cwd = f.cwd;
  if (f.user) {
    const [uid, gid] = f.user.split(':');
    p.user = { ...p.user, uid: uint('--user', uid ?? ''), gid: gid === undefined ? 0 : uint('--user', gid) };
  }
  if (f.additionalGids.length > 0) p.user = { ...(p.user ?? { uid: 0, gid: 0 }), additionalGids: f.additionalGids.map((g) => uint('--additional-gids', g)) };
  if (f.cap.length > 0) {
    const c = { ...(p.capabilities ?? {}) };
    for (const set of ['bounding', 'effective', 'permitted'] as const) c[set] = [...(c[set] ?? []), ...f.cap];
    p.capabilities = c;
  }
  if (!f.newPrivs) p.noNewPrivileges = true;
  if (f.apparmor) p.apparmorProfile = f.apparmor;
  if (f.processLabel) p.selinuxLabel = f.processLabel;
  return p;
}

export function register(program: Command): void {
  program.command('exec').description('run a process in a running container')
    // Everything after the id belongs to the command: `exec ID sh -c …` must not see -c as --cap.
    .passThroughOptions()
    .option('-p, --process <file>', 'the process as runtime-spec JSON (- for stdin)')
    .option('-d, --detach', 'return once the process runs')
    .option('--pid-file <file>', 'write the process id to this file')
    .option('--console-socket <path>', 'unix socket that receives the pty master')
    .option('-t, --tty', 'allocate a terminal (ignored with --process: its "terminal" decides)')
    .option('--cwd <dir>', 'working directory')
    .option('-e, --env <VAR=value>', 'add an environment variable (repeatable)', collect, [])
    .option('-u, --user <uid[:gid]>', 'user and group ids')
    .option('-g, --additional-gids <gid>', 'add a supplementary group (repeatable)', collect, [])
    .option('-c, --cap <capability>', 'add a capability (repeatable)', collect, [])
    .option('--no-new-privs', 'set no_new_privs')
    .option('--apparmor <profile>', 'AppArmor profile')
    .option('--process-label <label>', 'SELinux label')
    .option('--preserve-fds <n>', 'pass N extra fds (3 .. 3+N-1) to the process', '0')
    .option('--ignore-paused', 'exec even if the container is paused')
    .option('--cgroup <path>', 'accepted for compatibility; the process joins the container\'s cgroup')
    .argument('<id>', 'container id')
    .argument('[command...]', 'the command, when --process is not given')
    .action(action(async (g, log, id: string, command: string[], flags: ExecFlags) => {
      let proc: Process;
      if (flags.process) {
        proc = readProcessFile(flags.process);
      } else {
        const rec = new Store(g.root).read(id);
        if (!rec) throw notFound(id);
        // The flags go through the same checks as a --process document (65537 -g flags…).
        const fromFlags = processFromFlags(rec.spec.process ?? { cwd: '/', args: [] }, command, flags);
        proc = checkConfigPart({ value: fromFlags, wide: new Map() }, 'exec flags', 'process') as Process;
      }
      process.exitCode = await execInContainer({
        root: g.root,
        id,
        process: proc,
        detach: Boolean(flags.detach),
        ...(flags.pidFile ? { pidFile: flags.pidFile } : {}),
        preserveFds: preserveFds(flags.preserveFds),
        ignorePaused: Boolean(flags.ignorePaused),
        ...(flags.consoleSocket ? { consoleSocket: flags.consoleSocket } : {}),
        warn: log.warn,
      });
    }));
}
