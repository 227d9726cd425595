/**
 * The private podman of the engine end-to-end tests (podman 4.3 through conmon), shared by
 * the podman test files: `podman --runtime RUNTIME` (the tracing wrapper of the runtime under
 * test unless told otherwise) with a private containers.conf (cgroupfs, file events, netns
 * none, default_ulimits within this machine's hard limits, the runtime's basename in
 * runtime_supports_json) and private storage under the work dir; containers go below the
 * cgroup parent /tsrunc-e2e-<run>. usePodmanStore() registers the hooks of a test file.
 */
import path from 'node:path';
import { afterAll, afterEach, beforeAll } from 'vitest';
import {
  baseEnv,
  describeResult,
  e2e,
  mountsUnder,
  ok,
  removeCgroupTree,
  run,
  runInPty,
  keepTraceOfFailures,
  Trace,
  waitFor,
  type Result,
  type RunOptions,
} from './lib.js';

export const E = e2e();
const P = path.join(E.work, 'podman');
export const IMG = 'localhost/busybox-e2e:latest';
export const CG_PARENT = `/tsrunc-e2e-${E.runId}`;
const env = baseEnv({
  CONTAINERS_CONF: path.join(P, 'containers.conf'),
  CONTAINERS_STORAGE_CONF: path.join(P, 'storage.conf'),
  CONTAINERS_REGISTRIES_CONF: path.join(P, 'registries.conf'),
});
export const trace = new Trace(path.join(E.work, 'runtime-trace.log'));

export function podman(args: string[], opts: RunOptions = {}, runtime = E.wrapper): Promise<Result> {
  return run('podman', ['--runtime', runtime, ...args], { env, timeoutMs: 45000, ...opts });
}
export function podmanPty(args: string[], opts: RunOptions = {}): Promise<Result> {
  return runInPty('podman', ['--runtime', E.wrapper, ...args], { env, timeoutMs: 45000, ...opts });
}
/** `podman run` in our cgroup parent. */
export function podmanRun(args: string[], opts: RunOptions = {}, runtime = E.wrapper): Promise<Result> {
  return podman(['run', '--cgroup-parent', CG_PARENT, ...args], opts, runtime);
}
export async function inspect(name: string, format: string): Promise<string> {
  return ok(await podman(['inspect', '--format', format, name])).stdout.trim();
}
export async function logs(name: string): Promise<string> {
  const r = await podman(['logs', name]);
  return r.stdout + r.stderr;
}
export async function waitLogs(name: string, text: string, timeoutMs = 10000): Promise<string> {
  let last = '';
  await waitFor(async () => (last = await logs(name)).includes(text), timeoutMs);
  return last;
}

/**
 * The hooks of a podman test file: the image is imported first; every test removes all
 * containers, even when it failed (and leaves its slice of the runtime trace); at the end
 * the store is reset (podman unmounts its overlays) and the cgroup tree removed.
 */
export function usePodmanStore(): void {
  keepTraceOfFailures(E, trace, 'podman');

  afterEach(async () => {
    const r = await podman(['rm', '--all', '--force', '--time', '0']);
    if (r.code !== 0) console.error(`cleanup: ${describeResult(r)}`);
  });

  beforeAll(async () => {
    ok(await podman(['import', '--change', 'CMD=/bin/sh', path.join(E.work, 'images', 'rootfs.tar'), IMG]));
  });

  afterAll(async () => {
    const problems: string[] = [];
    for (const args of [
      ['rm', '--all', '--force', '--time', '0'],
      ['rmi', '--all', '--force'],
      ['system', 'reset', '--force'],
    ]) {
      const r = await podman(args);
      if (r.code !== 0) problems.push(describeResult(r));
    }
    const mounts = mountsUnder(P);
    if (mounts.length) problems.push(`podman left mounts: ${mounts.join(' ')}`);
    problems.push(...removeCgroupTree(CG_PARENT));
    if (problems.length) throw new Error(`podman cleanup:\n${problems.join('\n')}`);
  });
}
