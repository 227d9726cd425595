/**
 * Configurations that nobody here wrote, as their programs write them: the example configs
 * of runc, crun and containerd (generated now, by the installed Debian packages), the
 * seccomp profile of containers-common (podman's default, with Go's `"args": null`) put in
 * linux.seccomp, and the config.json files podman, containerd and dockerd actually wrote
 * for containers (engine-configs/, captured once; README.md there says how).
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { TsruncError } from '../../src/errors.js';
import { parseConfig } from '../../src/spec/config.js';

const SECCOMP_PROFILE = '/usr/share/containers/seccomp.json';
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'tsrunc-real-configs-'));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

/** `<tool> spec …` writes config.json into its working directory; returns its text. */
function generated(tool: string, args: string[], pkg: string): string {
  const dir = fs.mkdtempSync(path.join(tmp, `${path.basename(tool)}-`));
  try {
    const out = execFileSync(tool, args, { cwd: dir, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
    return args[0] === 'oci' ? out : fs.readFileSync(path.join(dir, 'config.json'), 'utf8');
  } catch (e) {
    throw new Error(`${tool} ${args.join(' ')} failed (${(e as Error).message}); install Debian's ${pkg} (scripts/setup.sh does)`);
  }
}

function parse(text: string, file: string) {
  return parseConfig(text, file);
}

describe('example configs of other runtimes, as they write them', () => {
  it.each([
    ['runc', ['spec'], 'runc'],
    ['runc', ['spec', '--rootless'], 'runc'],
    ['crun', ['spec'], 'crun'],
    ['crun', ['spec', '--rootless'], 'crun'],
  ])('%s %s', (tool, args, pkg) => {
    const text = generated(tool, args, pkg);
    expect(parse(text, 'config.json')).toEqual(JSON.parse(text));
  });

  it('ctr oci spec: refused for its missing process.args, as runc refuses it ("args must not be empty"); accepted with the image\'s command', () => {
    // containerd's default spec is a template: containerd fills process.args from the image.
    const text = generated('ctr', ['oci', 'spec'], 'containerd');
    let message = '';
    try {
      parse(text, 'config.json');
    } catch (e) {
      expect(e).toBeInstanceOf(TsruncError);
      message = (e as Error).message;
    }
    expect(message).toBe('config.json: process.args: required');
    const spec = JSON.parse(text);
    spec.process.args = ['/bin/sh'];
    expect(parse(JSON.stringify(spec), 'config.json')).toEqual(spec);
  });
});

describe("containers-common's seccomp profile in linux.seccomp, as-is", () => {
  it('is accepted: its null args are absent, everything else is kept', () => {
    const text = fs.readFileSync(SECCOMP_PROFILE, 'utf8');
    const profile = JSON.parse(text) as { syscalls: Record<string, unknown>[] };
    const nulls = profile.syscalls.filter((r) => r['args'] === null).length;
    expect(nulls, `${SECCOMP_PROFILE} no longer has "args": null`).toBeGreaterThan(0);
    const config = JSON.parse(generated('runc', ['spec'], 'runc'));
    config.linux.seccomp = JSON.parse(text);
    const spec = parse(JSON.stringify(config), 'config.json');
    const expected = JSON.parse(text) as { syscalls: Record<string, unknown>[] };
    for (const r of expected.syscalls) if (r['args'] === null) delete r['args'];
    expect(spec.linux?.seccomp).toEqual(expected);
  });
});

describe('config.json files that engines wrote for real containers', () => {
  const dir = path.join(__dirname, 'engine-configs');
  const files = fs.readdirSync(dir).filter((f) => f.endsWith('.json'));

  it('has captures of podman, containerd and dockerd', () => {
    for (const engine of ['podman', 'ctr', 'docker']) expect(files.some((f) => f.startsWith(`${engine}-`)), engine).toBe(true);
  });

  it.each(files)('%s is accepted as-is', (file) => {
    const text = fs.readFileSync(path.join(dir, file), 'utf8');
    expect(parse(text, file)).toEqual(stripNulls(JSON.parse(text)));
  });
});

/** The same JSON without the object properties that are null (what Go writes for nil). */
function stripNulls(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(stripNulls);
  if (v === null || typeof v !== 'object') return v;
  return Object.fromEntries(Object.entries(v).filter(([, x]) => x !== null).map(([k, x]) => [k, stripNulls(x)]));
}
