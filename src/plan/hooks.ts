/**
 * OCI hooks as data: which hooks run, with what argv, env and timeout, and their init
 * steps (OP_RUN_HOOK). All six kinds run through the one hook runner of the init
 * (native/init/hooks.c): createContainer and startContainer in the container's plan,
 * the other four through `tsrunc-init --run-hook` (src/container/hooks.ts). Pure.
 */
import { TsruncError } from '../errors.js';
import { HOOK, SYNC } from '../native/wire.js';
import type { Spec, Step } from './types.js';

export type HookKind = 'prestart' | 'createRuntime' | 'createContainer' | 'startContainer' | 'poststart' | 'poststop';

/** Seconds a hook may run when its `timeout` is not set (the spec sets no default; runc has none). */
export const DEFAULT_HOOK_TIMEOUT_S = 120;

export interface PlannedHook {
  kind: HookKind;
  index: number;
  /** The executable (absolute). */
  path: string;
  /** argv, argv[0] included: `args` as given, or [path] when `args` is absent or empty. */
  argv: string[];
  env: string[];
  timeoutS: number;
  /** `createRuntime hook /usr/bin/x (index 0)`: how errors and warnings name it. */
  what: string;
}

/** The hooks of one kind, checked; an empty list when there are none. */
export function planHooks(spec: Spec, kind: HookKind): PlannedHook[] {
  return (spec.hooks?.[kind] ?? []).map((h, index) => {
    const field = `hooks.${kind}[${index}]`;
    if (!h.path.startsWith('/')) {
      throw new TsruncError('EBUNDLE_HOOK', `config.json: ${field}.path: "${h.path}" is not an absolute path`,
        'hook paths must be absolute (they are not looked up in PATH)');
    }
    const argv = h.args && h.args.length > 0 ? [...h.args] : [h.path];
    for (const s of [h.path, ...argv, ...(h.env ?? [])]) {
      if (s.includes('\0')) throw new TsruncError('EBUNDLE_HOOK', `config.json: ${field}: a string contains a NUL byte`, '');
    }
    const timeoutS = h.timeout ?? DEFAULT_HOOK_TIMEOUT_S; // the schema says 1 to 2^31-1
    return {
      kind,
      index,
      path: h.path,
      argv,
      env: [...(h.env ?? [])],
      timeoutS,
      what: `${kind} hook ${h.path} (index ${index})`,
    };
  });
}

const KINDS: HookKind[] = ['prestart', 'createRuntime', 'createContainer', 'startContainer', 'poststart', 'poststop'];

/** Checks every hook of the spec (create refuses a bad one before any side effect). */
export function checkHooks(spec: Spec): void {
  for (const k of KINDS) planHooks(spec, k);
}

/** The spec has hooks tsrunc runs at the HOOKS rendezvous of create (prestart, createRuntime). */
export function hasCreateRuntimeHooks(spec: Spec): boolean {
  return planHooks(spec, 'prestart').length + planHooks(spec, 'createRuntime').length > 0;
}

/**
 * The init steps of hooks: OP_HOOK_STATE fetches the state JSON (when `fetchState`),
 * then one OP_RUN_HOOK per hook. Empty without hooks. poststart and poststop failures
 * are warnings (the spec's rule): their hooks carry HOOK.FAILURE_WARNS, so the rest run.
 */
export function hookSteps(hooks: PlannedHook[], fetchState: boolean): Step[] {
  if (hooks.length === 0) return [];
  const steps: Step[] = [];
  if (fetchState) steps.push(stateStep(hooks[0]!.kind));
  for (const h of hooks) {
    const warns = h.kind === 'poststart' || h.kind === 'poststop';
    steps.push({
      op: { op: 'RUN_HOOK', path: h.path, argv: h.argv, envp: h.env, timeoutS: h.timeoutS, name: h.what, flags: warns ? HOOK.FAILURE_WARNS : 0 },
      what: h.what,
    });
  }
  return steps;
}

/** OP_HOOK_STATE for the hooks of `kind` (the state must be fetched while the socket is open). */
export function stateStep(kind: HookKind): Step {
  return { op: { op: 'HOOK_STATE' }, what: `get the state for the ${kind} hooks` };
}

/** The rendezvous where tsrunc runs prestart and createRuntime hooks. */
export function hooksRendezvous(): Step {
  return { op: { op: 'SYNC', tag: SYNC.HOOKS }, what: 'wait for the runtime (prestart and createRuntime hooks)' };
}
