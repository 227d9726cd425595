/**
 * Null as absent (src/spec/absent.ts): Go's encoding/json writes null for nil slices, maps
 * and pointers; runc and crun read it as "not there". Every optional property of every
 * object in a config that uses every field is set to null, one at a time: it must parse
 * as the config without that property. The properties where null is refused are exactly
 * the required ones (runtime-spec's REQUIRED), map values and array items, listed here
 * by hand so that the generated table is checked against the spec, not against itself.
 */
import { describe, expect, it } from 'vitest';
import { TsruncError } from '../../src/errors.js';
import { parseConfig } from '../../src/spec/config.js';
import { validateStateJson } from '../../src/spec/state.js';
import { configText, fullConfig } from './full-config.js';

type Json = Record<string, unknown> | unknown[];
type Path = (string | number)[];

/** Every property path in objects (not array items), depth first. */
function propertyPaths(v: unknown, at: Path = []): Path[] {
  if (v === null || typeof v !== 'object') return [];
  const out: Path[] = [];
  if (Array.isArray(v)) v.forEach((x, i) => out.push(...propertyPaths(x, [...at, i])));
  else for (const [k, x] of Object.entries(v)) out.push([...at, k], ...propertyPaths(x, [...at, k]));
  return out;
}

function parent(root: unknown, path: Path): Json {
  return path.slice(0, -1).reduce<unknown>((o, k) => (o as Record<string | number, unknown>)[k], root) as Json;
}

/** The field as error messages write it: linux.devices[0].major, annotations["org.example.key"]. */
function fieldName(path: Path): string {
  let out = '';
  for (const k of path) {
    if (typeof k === 'number') out += `[${k}]`;
    else if (/^[A-Za-z_$][A-Za-z0-9_$]*$/.test(k)) out += out === '' ? k : `.${k}`;
    else out += `[${JSON.stringify(k)}]`;
  }
  return out;
}

function parse(config: unknown) {
  return parseConfig(configText(config), 'config.json');
}

function message(f: () => unknown): string {
  try {
    f();
  } catch (e) {
    expect(e).toBeInstanceOf(TsruncError);
    return (e as TsruncError).message;
  }
  throw new Error('expected a failure');
}

/** Where the runtime-spec requires a value (config.md, config-linux.md), in the full config. */
const REQUIRED = [
  'ociVersion', 'root', 'root.path', 'mounts[0].destination',
  ...['containerID', 'hostID', 'size'].flatMap((k) => [`mounts[0].uidMappings[0].${k}`, `mounts[0].gidMappings[0].${k}`]),
  ...['prestart', 'createRuntime', 'createContainer', 'startContainer', 'poststart', 'poststop'].map((h) => `hooks.${h}[0].path`),
  'process.consoleSize.height', 'process.consoleSize.width', 'process.user.uid', 'process.user.gid', 'process.args', 'process.cwd',
  'process.rlimits[0].type', 'process.rlimits[0].soft', 'process.rlimits[0].hard', 'process.scheduler.policy',
  'process.ioPriority.class', 'process.ioPriority.priority',
  ...[0, 1, 2, 3, 4, 5, 6, 7].map((i) => `linux.namespaces[${i}].type`),
  ...['containerID', 'hostID', 'size'].flatMap((k) => [`linux.uidMappings[0].${k}`, `linux.gidMappings[0].${k}`]),
  // major and minor are required unless the type is p
  'linux.devices[0].type', 'linux.devices[0].path', 'linux.devices[0].major', 'linux.devices[0].minor',
  'linux.devices[1].type', 'linux.devices[1].path',
  'linux.resources.devices[0].allow', 'linux.resources.devices[1].allow',
  'linux.resources.blockIO.weightDevice[0].major', 'linux.resources.blockIO.weightDevice[0].minor',
  ...['Read', 'Write'].flatMap((rw) => ['Bps', 'IOPS'].flatMap((u) =>
    ['major', 'minor', 'rate'].map((k) => `linux.resources.blockIO.throttle${rw}${u}Device[0].${k}`))),
  'linux.resources.hugepageLimits[0].pageSize', 'linux.resources.hugepageLimits[0].limit',
  'linux.resources.network.priorities[0].name', 'linux.resources.network.priorities[0].priority',
  'linux.seccomp.defaultAction',
  ...[0, 1, 2].flatMap((i) => [`linux.seccomp.syscalls[${i}].names`, `linux.seccomp.syscalls[${i}].action`]),
  ...[1, 2].flatMap((i) => ['index', 'value', 'op'].map((k) => `linux.seccomp.syscalls[${i}].args[0].${k}`)),
  'linux.memoryPolicy.mode', 'linux.personality.domain',
];
/** Values of maps (string to string, or to an object): null is not a value there. */
const MAP_VALUES = [
  'annotations["org.example.key"]', 'linux.timeOffsets.monotonic', 'linux.timeOffsets.boottime',
  'linux.netDevices.eth1', 'linux.netDevices.eth2', 'linux.resources.rdma.mlx5_1',
  'linux.resources.unified["memory.high"]', 'linux.sysctl["net.ipv4.ip_forward"]',
];

describe('null as absent', () => {
  it('every optional property of a config that uses every field may be null; required ones and map values may not', () => {
    const refused: string[] = [];
    for (const path of propertyPaths(fullConfig())) {
      const config = fullConfig();
      (parent(config, path) as Record<string | number, unknown>)[path.at(-1)!] = null;
      const field = fieldName(path);
      let parsed: unknown;
      try {
        parsed = parse(config);
      } catch (e) {
        // The error names the field: "must be … (got null)", or "required" for what is
        // required only together with another field (a device's major and minor).
        expect((e as Error).message, field).toMatch(new RegExp(`^config\\.json: ${field.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: (must .* \\(got null\\)|required \\(unless type is p\\))$`));
        refused.push(field);
        continue;
      }
      const expected = fullConfig();
      delete (parent(expected, path) as Record<string | number, unknown>)[path.at(-1)!];
      expect(parsed, field).toEqual(expected);
    }
    expect(refused.sort()).toEqual([...REQUIRED, ...MAP_VALUES].sort());
  });

  it('refuses null as an array item', () => {
    const c = fullConfig();
    (c.mounts as unknown[])[0] = null;
    expect(message(() => parse(c))).toBe('config.json: mounts[0]: must be an object (got null)');
    const d = fullConfig();
    d.process.args[1] = null as unknown as string;
    expect(message(() => parse(d))).toBe('config.json: process.args[1]: must be a string (got null)');
  });

  it('drops nulls in many places at once, as Go writes them, and keeps unknown properties as they are', () => {
    const spec = parse({
      ociVersion: '1.0.2-dev',
      root: { path: 'rootfs', readonly: null },
      mounts: null,
      hooks: null,
      annotations: null,
      process: {
        args: ['sh'], cwd: '/', env: null, rlimits: null, capabilities: { bounding: null, ambient: null },
        user: { uid: 0, gid: 0, additionalGids: null }, futureNull: null,
      },
      linux: {
        namespaces: [{ type: 'pid', path: null }],
        resources: { devices: null, memory: { limit: null, swap: null }, cpu: null, unified: null },
        seccomp: { defaultAction: 'SCMP_ACT_ALLOW', syscalls: [{ names: ['read'], action: 'SCMP_ACT_ALLOW', args: null, errnoRet: null }] },
        uidMappings: null, sysctl: null, maskedPaths: null,
      },
    });
    expect(spec).toEqual({
      ociVersion: '1.0.2-dev',
      root: { path: 'rootfs' },
      process: { args: ['sh'], cwd: '/', capabilities: {}, user: { uid: 0, gid: 0 }, futureNull: null },
      linux: {
        namespaces: [{ type: 'pid' }],
        resources: { memory: {} },
        seccomp: { defaultAction: 'SCMP_ACT_ALLOW', syscalls: [{ names: ['read'], action: 'SCMP_ACT_ALLOW' }] },
      },
    });
  });

  it('is the rule of every schema: the state too', () => {
    const state = validateStateJson({ ociVersion: '1.2.1', id: 'c', status: 'stopped', bundle: '/b', pid: null, annotations: null });
    expect(state).toEqual({ ociVersion: '1.2.1', id: 'c', status: 'stopped', bundle: '/b' });
    expect(message(() => validateStateJson({ ociVersion: '1.2.1', id: null, status: 'stopped', bundle: '/b' }))).toBe(
      'state: id: must be a string (got null)',
    );
  });
});
