/**
 * The hooks tsrunc runs itself, in the runtime namespace: prestart and createRuntime
 * (at the HOOKS rendezvous of create), poststart (start), poststop (delete). The
 * container-namespace kinds run in the init (native/init/hooks.c).
 *
 * Each hook: argv and env exactly as given, the OCI state JSON on stdin (a hook that
 * exits without reading it is fine), stdout and stderr into an unlinked temporary
 * file (a pipe would keep us waiting for anything the hook left running), its own
 * process group, killed as a whole at the timeout and, whatever happened, once the
 * hook has exited. Hooks inherit tsrunc's working directory, as the init's do.
 */
import { spawnSync, type SpawnSyncOptions } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { TsruncError, errnoCode } from '../../errors.js';
import { planHooks, type HookKind, type PlannedHook } from '../../plan/hooks.js';
import type { Spec } from '../../spec/generated/types.js';
import { SPEC_VERSION } from '../../spec/version.js';
import type { ContainerRecord, Status } from '../state/record.js';

/** The runtime-spec State passed to hooks. */
export interface HookState {
  ociVersion: string;
  id: string;
  status: Status;
  pid: number;
  bundle: string;
  annotations?: Record<string, string>;
}

/** The state of `rec` for a hook; `pid` 0 once the container is stopped. */
export function hookState(rec: ContainerRecord, status: Status): HookState {
  const state: HookState = {
    ociVersion: SPEC_VERSION,
    id: rec.id,
    status,
    pid: status === 'stopped' ? 0 : rec.pid ?? 0,
    bundle: rec.bundle,
  };
  if (Object.keys(rec.annotations).length > 0) state.annotations = rec.annotations;
  return state;
}

const TAIL_BYTES = 600;

/** Runs one hook; undefined when it succeeded, else what went wrong (naming the hook). */
export function runHook(hook: PlannedHook, stateJson: string): string | undefined {
  const outPath = path.join(os.tmpdir(), `tsrunc-hook-${process.pid}-${crypto.randomBytes(6).toString('hex')}`);
  const out = fs.openSync(outPath, 'wx+', 0o600);
  fs.unlinkSync(outPath);
  let pid: number | undefined;
  try {
    const env: Record<string, string> = {};
    for (const kv of hook.env) {
      const eq = kv.indexOf('=');
      if (eq > 0) env[kv.slice(0, eq)] = kv.slice(eq + 1);
    }
    // `detached` (setsid: its own process group, which we kill as a whole) works for
    // spawnSync too, though @types/node leaves it out of SpawnSyncOptions.
    const options: SpawnSyncOptions & { detached: boolean } = {
      argv0: hook.argv[0]!,
      env,
      input: stateJson,
      timeout: hook.timeoutMs,
      killSignal: 'SIGKILL',
      detached: true,
      stdio: ['pipe', out, out],
    };
    const r = spawnSync(hook.path, hook.argv.slice(1), options);
    pid = r.pid || undefined;
    const tail = outputTail(out);
    const said = tail ? `: ${tail}` : '';
    const code = errnoCode(r.error);
    if (code === 'ETIMEDOUT') return `${hook.what} timed out after ${hook.timeoutMs / 1000} s${said}`;
    // EPIPE: the hook exited (or closed its stdin) before reading all of the state: fine.
    if (r.error && code !== 'EPIPE') return `${hook.what} could not be run: ${code ?? r.error.message}${code === 'ENOENT' ? ' (no such file or directory)' : ''}`;
    if (r.signal) return `${hook.what} killed by signal ${r.signal}${said}`;
    if (r.status !== 0) return `${hook.what} exited with status ${r.status}${said}`;
    return undefined;
  } finally {
    if (pid !== undefined) {
      try { process.kill(-pid, 'SIGKILL'); } catch { /* ESRCH: nothing left in its group */ }
    }
    fs.closeSync(out);
  }
}

function outputTail(fd: number): string {
  const size = fs.fstatSync(fd).size;
  const n = Math.min(size, TAIL_BYTES);
  if (n === 0) return '';
  const buf = Buffer.alloc(n);
  fs.readSync(fd, buf, 0, n, size - n);
  return buf.toString('utf8').trim().replace(/\s*\n\s*/g, ' ');
}

/**
 * Runs the hooks of `kinds` in order with the state of `rec`. A failure of a kind that
 * must stop the operation (prestart, createRuntime) throws EHOOK naming the hook and
 * runs no further hook; poststart and poststop failures are warnings and the rest run.
 */
export function runHooks(spec: Spec, kinds: HookKind[], rec: ContainerRecord, status: Status, warn: (msg: string) => void): void {
  const hooks = kinds.flatMap((k) => planHooks(spec, k));
  if (hooks.length === 0) return;
  const stateJson = JSON.stringify(hookState(rec, status));
  for (const hook of hooks) {
    const failure = runHook(hook, stateJson);
    if (failure === undefined) continue;
    if (hook.kind === 'poststart' || hook.kind === 'poststop') {
      warn(failure);
      continue;
    }
    throw new TsruncError('EHOOK', failure, 'the hook failed: check its path, args and env in config.json, and what it printed');
  }
}
