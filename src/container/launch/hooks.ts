/**
 * The hooks tsrunc runs in the runtime's namespaces: prestart and createRuntime (at the
 * HOOKS rendezvous of create), poststart (start), poststop (delete). tsrunc does not run
 * them itself: it asks the one hook runner (native/init/hooks.c, the same that runs the
 * container's createContainer and startContainer hooks) through `tsrunc-init
 * --run-hook`, with the plan steps of src/plan/hooks.ts and the state JSON, so that all
 * six kinds share one timeout and process-group rule and one wording of failures.
 */
import { spawnSync } from 'node:child_process';
import { TsruncError } from '../../errors.js';
import { initPath } from '../../native/paths.js';
import { HOOK, MSG, encodePlan, frame, splitFrames, stateFrame } from '../../native/wire.js';
import { hookSteps, planHooks, type HookKind } from '../../plan/hooks.js';
import type { Spec } from '../../spec/generated/types.js';
import { SPEC_VERSION } from '../../spec/version.js';
import { decodeInitMessage, initFailure } from './channel.js';
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

/**
 * Runs the hooks of `kinds` in order with the state of `rec`. A failure of a kind that
 * must stop the operation (prestart, createRuntime) throws EHOOK naming the hook and
 * runs no further hook; poststart and poststop failures are warnings and the rest run
 * (the plan marks them so). Without hooks nothing is spawned.
 */
export function runHooks(spec: Spec, kinds: HookKind[], rec: ContainerRecord, status: Status, warn: (msg: string) => void): void {
  const hooks = kinds.flatMap((k) => planHooks(spec, k));
  if (hooks.length === 0) return;
  const steps = hookSteps(hooks, false);
  // What the socket would carry: the plan, then the answer to OP_HOOK_STATE.
  const input = Buffer.concat([
    frame(MSG.PLAN, encodePlan(steps.map((s) => s.op))),
    stateFrame(Buffer.from(JSON.stringify(hookState(rec, status)))),
  ]);
  // The runner enforces each hook's timeout itself; its stdout holds only MSG_ERROR frames.
  const r = spawnSync(initPath(), ['--run-hook'], { input, stdio: ['pipe', 'pipe', 'pipe'], maxBuffer: 1 << 20 });
  for (const { type, body } of splitFrames(r.stdout ?? Buffer.alloc(0))) {
    const msg = decodeInitMessage(type, body);
    if (msg.msg !== 'ERROR') continue;
    const op = steps[msg.step]?.op;
    if (op?.op === 'RUN_HOOK' && (Number(op.flags) & HOOK.FAILURE_WARNS)) warn(initFailure(msg, steps).message);
    else throw initFailure(msg, steps); // the runner stopped there
  }
  if (r.error || r.status !== 0) {
    const how = r.error ? r.error.message : r.signal ? `killed by ${r.signal}` : `exit status ${r.status}`;
    const said = r.stderr?.toString().trim();
    throw new TsruncError('EHOOK', `${kinds.join(', ')} hooks: the hook runner (${initPath()} --run-hook) failed: ${how}${said ? `: ${said}` : ''}`,
      'check that native/build/tsrunc-init exists (npm run build)');
  }
}
