/**
 * Global setup of the engine end-to-end tests: one work dir for the run, prepared by
 * setup.sh (packages, image, private configs, tracing wrapper). The teardown proves that
 * nothing is left behind: no mount under the work dir, no process that mentions it (conmon,
 * containerd shims, containerd itself), no container left in the runtime's default state
 * directory (podman never passes --root). Only then is the work dir removed; the runtime
 * trace is kept beside the results.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { TestProject } from 'vitest/node';
import { baseEnv, killLeftovers, mountsUnder, type E2E } from './lib.js';

const here = __dirname;
const repo = path.resolve(here, '..', '..');

function runtimeList(runtime: string): string[] | undefined {
  const r = spawnSync(runtime, ['list', '-q'], { encoding: 'utf8', env: baseEnv(), timeout: 20000 });
  if (r.status !== 0) return undefined;
  return r.stdout.split('\n').filter(Boolean);
}

export default function setup(project: TestProject): () => void {
  const runtime = path.resolve(process.env['TSRUNC_E2E_RUNTIME'] || path.join(repo, 'dist', 'tsrunc'));
  if (!fs.existsSync(runtime)) {
    throw new Error(`runtime ${runtime} is missing (build tsrunc with \`npm run build\`, or set TSRUNC_E2E_RUNTIME)`);
  }
  const runId = `${process.pid.toString(36)}${crypto.randomBytes(2).toString('hex')}`;
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'tsrunc-e2e-'));
  const base = path.basename(runtime);
  const results = path.resolve(process.env['TSRUNC_E2E_RESULTS'] || path.join(os.tmpdir(), `tsrunc-e2e-results-${base}`));
  fs.rmSync(results, { recursive: true, force: true });
  fs.mkdirSync(results, { recursive: true });

  execFileSync('bash', [path.join(here, 'setup.sh'), work, runtime], { stdio: 'inherit', env: baseEnv() });
  const traced = process.env['TSRUNC_E2E_TRACE'] !== '0';
  const e: E2E = { work, runtime, wrapper: path.join(work, 'bin', base), traced, runId, results };
  project.provide('e2e', e);
  const before = runtimeList(runtime);
  // The engines run tsrunc with their own environment, so it uses the production places for
  // its collector's pins, podman's state (no --root) and the seccomp cache: remove at the end
  // what this run created there (the state root only when empty).
  const created = ['/sys/fs/bpf/tsrunc', '/run/tsrunc-cache', '/run/tsrunc'].filter((p) => !fs.existsSync(p));

  return () => {
    const problems: string[] = [];
    const mounts = mountsUnder(work);
    if (mounts.length) problems.push(`still mounted under ${work}:\n  ${mounts.join('\n  ')}`);
    problems.push(...killLeftovers(work, 'process'));
    const after = runtimeList(runtime);
    if (before && after) {
      const leaked = after.filter((id) => !before.includes(id));
      if (leaked.length) problems.push(`containers left in ${base}'s default root: ${leaked.join(' ')}`);
    }
    const traceFile = path.join(work, 'runtime-trace.log');
    if (fs.existsSync(traceFile)) fs.copyFileSync(traceFile, path.join(results, 'runtime-trace.log'));
    for (const f of ['containerd/containerd.log', 'podman/events.log']) {
      const p = path.join(work, f);
      if (fs.existsSync(p)) fs.copyFileSync(p, path.join(results, path.basename(p)));
    }
    if (!mounts.length && process.env['TSRUNC_E2E_KEEP'] !== '1') fs.rmSync(work, { recursive: true, force: true });
    for (const p of created) {
      if (p !== '/run/tsrunc') fs.rmSync(p, { recursive: true, force: true });
      else try { fs.rmdirSync(p); } catch { /* not empty: a container is still there, reported above */ }
    }
    console.log(`engines e2e: runtime ${runtime}; trace and failing tests' traces in ${results}`);
    if (problems.length) throw new Error(`engines e2e left things behind:\n${problems.join('\n')}`);
  };
}
