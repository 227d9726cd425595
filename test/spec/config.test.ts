import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { TsruncError } from '../../src/errors.js';
import { loadConfig, parseConfig } from '../../src/spec/config.js';
import { exampleSpec } from '../../src/spec/example.js';
import { configText, fullConfig } from './full-config.js';
import type {
  Hook,
  Hooks,
  LinuxCapabilities,
  LinuxDevice,
  LinuxIDMapping,
  LinuxNamespace,
  LinuxResources,
  LinuxSeccomp,
  Mount,
  POSIXRlimit,
  Process,
  Spec,
} from '../../src/spec/generated/types.js';

/** A small valid config, fresh each time. */
function base(): Record<string, any> {
  return {
    ociVersion: '1.2.1',
    root: { path: 'rootfs' },
    process: { args: ['sh'], cwd: '/', user: { uid: 0, gid: 0 } },
    linux: { namespaces: [{ type: 'pid' }, { type: 'mount' }] },
  };
}

function parse(config: unknown): Spec {
  return parseConfig(JSON.stringify(config, null, 2), 'config.json');
}

/** The message of the TsruncError that parsing throws (and check its code and hint). */
function failure(config: unknown, text?: string): string {
  try {
    if (text !== undefined) parseConfig(text, 'config.json');
    else parse(config);
  } catch (e) {
    expect(e).toBeInstanceOf(TsruncError);
    const err = e as TsruncError;
    expect(err.code).toBe('EBUNDLE_CONFIG');
    expect(err.hint).not.toBe('');
    return err.message;
  }
  throw new Error('expected parseConfig to fail');
}

function edit(f: (c: Record<string, any>) => void): Record<string, any> {
  const c = base();
  f(c);
  return c;
}

describe('valid configs', () => {
  it('accepts the example spec and returns it unchanged', () => {
    for (const rootless of [false, true]) {
      const spec = exampleSpec({ rootless, uid: 1000, gid: 1000 });
      const text = JSON.stringify(spec, null, 2);
      const parsed = parseConfig(text, 'config.json');
      expect(parsed).toEqual(spec);
      expect(JSON.stringify(parsed, null, 2)).toBe(text);
    }
  });

  it('accepts a config that uses every Linux field', () => {
    const full = fullConfig();
    expect(parseConfig(configText(full), 'config.json')).toEqual(full);
  });

  it('accepts a config without process (required only at start)', () => {
    expect(parse({ ociVersion: '1.0.0', root: { path: 'rootfs' } }).process).toBeUndefined();
  });

  it('ignores unknown properties at every depth, and keeps them', () => {
    const c = edit((c) => {
      c.futureField = { deep: [1, 2, 3] };
      c.windows = { layerFolders: 'not even an array' };
      c.solaris = 42;
      c.root.futureRoot = true;
      c.process.futureProcess = null;
      c.process.user.username = 'windows-only';
      c.process.user.future = [{}];
      c.mounts = [{ destination: '/x', future: 1 }];
      c.hooks = { future: 'x', prestart: [{ path: '/bin/true', future: {} }] };
      c.linux.future = 'x';
      c.linux.namespaces[0].future = 1;
      c.linux.resources = { future: 1, memory: { future: 'x' }, blockIO: { weightDevice: [{ major: 1, minor: 2, future: 3 }] } };
      c.linux.seccomp = { defaultAction: 'SCMP_ACT_ALLOW', future: 1, syscalls: [{ names: ['x'], action: 'SCMP_ACT_LOG', future: 1, args: [{ index: 0, value: 0, op: 'SCMP_CMP_EQ', future: 1 }] }] };
    });
    const spec = parse(c) as unknown as Record<string, any>;
    expect(spec).toEqual(c);
    expect(spec.linux.seccomp.syscalls[0].args[0].future).toBe(1);
  });

  it('gives the generated types the names of the runtime-spec', () => {
    // Compile-time check: these must be exported and fit the example.
    const spec: Spec = exampleSpec({ rootless: true, uid: 1, gid: 1 });
    const p: Process = spec.process!;
    const m: Mount = spec.mounts![0]!;
    const ns: LinuxNamespace = spec.linux!.namespaces![0]!;
    const map: LinuxIDMapping = spec.linux!.uidMappings![0]!;
    const caps: LinuxCapabilities = p.capabilities!;
    const rl: POSIXRlimit = p.rlimits![0]!;
    const dev: LinuxDevice = { type: 'c', path: '/dev/null', major: 1, minor: 3 };
    const res: LinuxResources = { devices: [{ allow: false }] };
    const sc: LinuxSeccomp = { defaultAction: 'SCMP_ACT_ALLOW' };
    const hook: Hook = { path: '/bin/true' };
    const hooks: Hooks = { prestart: [hook] };
    expect([m.destination, ns.type, map.hostID, caps.bounding?.length, rl.type, dev.path, res.devices?.length, sc.defaultAction, hooks.prestart?.length]).toEqual([
      '/proc', 'pid', 1, 3, 'RLIMIT_NOFILE', '/dev/null', 1, 'SCMP_ACT_ALLOW', 1,
    ]);
  });
});

describe('error messages', () => {
  it('names the field, the range and the value', () => {
    expect(failure(edit((c) => (c.process.user.uid = -1)))).toBe(
      'config.json: process.user.uid: must be an integer from 0 to 4294967295 (got -1)',
    );
  });

  it('lists the allowed values of an enum', () => {
    const c = edit((c) => c.linux.namespaces.push({ type: 'foo' }));
    expect(failure(c)).toBe(
      'config.json: linux.namespaces[2].type: must be one of pid, network, mount, ipc, uts, user, cgroup, time (got "foo")',
    );
    expect(failure(edit((c) => (c.linux.rootfsPropagation = 'bogus')))).toBe(
      'config.json: linux.rootfsPropagation: must be one of shared, slave, private, unbindable, rshared, rslave, rprivate, runbindable, "" (got "bogus")',
    );
    expect(failure(edit((c) => (c.linux.seccomp = { defaultAction: 'SCMP_ACT_ALLOW', syscalls: [{ names: ['x'], action: 'ALLOW' }] })))).toMatch(
      /^config\.json: linux\.seccomp\.syscalls\[0\]\.action: must be one of SCMP_ACT_KILL, .*, SCMP_ACT_NOTIFY \(got "ALLOW"\)$/,
    );
  });

  it('says which required field is missing', () => {
    expect(failure(edit((c) => delete c.root))).toBe('config.json: root: required');
    expect(failure(edit((c) => delete c.root.path))).toBe('config.json: root.path: required');
    expect(failure(edit((c) => delete c.ociVersion))).toBe('config.json: ociVersion: required');
    expect(failure(edit((c) => delete c.process.cwd))).toBe('config.json: process.cwd: required');
    expect(failure(edit((c) => delete c.process.args))).toBe('config.json: process.args: required');
    expect(failure(edit((c) => delete c.process.user.gid))).toBe('config.json: process.user.gid: required');
    expect(failure(edit((c) => (c.mounts = [{ destination: '/a' }, { type: 'tmpfs' }])))).toBe('config.json: mounts[1].destination: required');
    expect(failure(edit((c) => (c.linux.namespaces = [{ path: '/proc/1/ns/pid' }])))).toBe('config.json: linux.namespaces[0].type: required');
    expect(failure(edit((c) => (c.linux.uidMappings = [{ containerID: 0, hostID: 1 }])))).toBe('config.json: linux.uidMappings[0].size: required');
    expect(failure(edit((c) => (c.linux.gidMappings = [{ hostID: 1, size: 1 }])))).toBe('config.json: linux.gidMappings[0].containerID: required');
    expect(failure(edit((c) => (c.linux.devices = [{ type: 'c' }])))).toBe('config.json: linux.devices[0].path: required');
    expect(failure(edit((c) => (c.linux.devices = [{ path: '/dev/x' }])))).toBe('config.json: linux.devices[0].type: required');
    expect(failure(edit((c) => (c.linux.devices = [{ type: 'c', path: '/dev/x', minor: 1 }])))).toBe(
      'config.json: linux.devices[0].major: required (unless type is p)',
    );
    expect(failure(edit((c) => (c.linux.seccomp = {})))).toBe('config.json: linux.seccomp.defaultAction: required');
    expect(failure(edit((c) => (c.linux.seccomp = { defaultAction: 'SCMP_ACT_ALLOW', syscalls: [{ action: 'SCMP_ACT_ALLOW' }] })))).toBe(
      'config.json: linux.seccomp.syscalls[0].names: required',
    );
    expect(failure(edit((c) => (c.process.rlimits = [{ type: 'RLIMIT_NOFILE', hard: 1 }])))).toBe('config.json: process.rlimits[0].soft: required');
    expect(failure(edit((c) => (c.process.rlimits = [{ soft: 1, hard: 1 }])))).toBe('config.json: process.rlimits[0].type: required');
    expect(failure(edit((c) => (c.hooks = { poststop: [{ args: [] }] })))).toBe('config.json: hooks.poststop[0].path: required');
  });

  it('accepts a FIFO device without major and minor', () => {
    expect(parse(edit((c) => (c.linux.devices = [{ type: 'p', path: '/dev/fifo' }]))).linux?.devices?.[0]?.type).toBe('p');
  });

  it('says what type was expected', () => {
    expect(failure(edit((c) => (c.hostname = 5)))).toBe('config.json: hostname: must be a string (got 5)');
    expect(failure(edit((c) => (c.process.terminal = 'yes')))).toBe('config.json: process.terminal: must be a boolean (true or false) (got "yes")');
    expect(failure(edit((c) => (c.mounts = { destination: '/' })))).toBe('config.json: mounts: must be an array (got an object)');
    expect(failure(edit((c) => (c.linux = [])))).toBe('config.json: linux: must be an object (got an array)');
    expect(failure(edit((c) => (c.process.env = ['A=1', 2])))).toBe('config.json: process.env[1]: must be a string (got 2)');
    expect(failure(edit((c) => (c.annotations = { 'org.example/key': 1 })))).toBe(
      'config.json: annotations["org.example/key"]: must be a string (got 1)',
    );
    expect(failure(edit((c) => (c.linux.sysctl = { 'net.ipv4.ip_forward': 1 })))).toBe(
      'config.json: linux.sysctl["net.ipv4.ip_forward"]: must be a string (got 1)',
    );
    expect(failure(edit((c) => (c.ociVersion = 1)))).toBe('config.json: ociVersion: must be a string (got 1)');
  });

  it('says that a list must not be empty', () => {
    expect(failure(edit((c) => (c.process.args = [])))).toBe('config.json: process.args: must not be empty');
    expect(failure(edit((c) => (c.linux.seccomp = { defaultAction: 'SCMP_ACT_ALLOW', syscalls: [{ names: [], action: 'SCMP_ACT_ALLOW' }] })))).toBe(
      'config.json: linux.seccomp.syscalls[0].names: must not be empty',
    );
  });

  it('names the file it was given', () => {
    expect(() => parseConfig('{"ociVersion": "1.2.1"}', '/b/config.json')).toThrow('/b/config.json: root: required');
  });
});

describe('ociVersion', () => {
  it.each(['1.0.0', '1.0.2', '1.1.0', '1.2.0', '1.2.1', '1.3.0', '1.0.2-dev', '1.3.0+dev', '1.0.0-rc5'])('accepts %s', (v) => {
    expect(parse(edit((c) => (c.ociVersion = v))).ociVersion).toBe(v);
  });

  it.each(['0.9', '0.9.0', '2.0.0', '10.1.0', 'v2.0.0'])('rejects %s as not supported', (v) => {
    expect(failure(edit((c) => (c.ociVersion = v)))).toBe(
      `config.json: ociVersion ${JSON.stringify(v)} is not supported: tsrunc runs runtime-spec 1.x`,
    );
  });

  it.each(['1.0', '1', '', 'latest', '1.2.x', '1.02.0'])('rejects %j as not a version', (v) => {
    expect(failure(edit((c) => (c.ociVersion = v)))).toBe(
      `config.json: ociVersion ${JSON.stringify(v)} is not a runtime-spec version: expected SemVer such as 1.2.1`,
    );
  });

  it('reports an unsupported version before any other problem', () => {
    expect(failure({ ociVersion: '2.0.0', process: 'new shape' })).toBe(
      'config.json: ociVersion "2.0.0" is not supported: tsrunc runs runtime-spec 1.x',
    );
  });
});

describe('top level', () => {
  it.each([
    ['null', 'null'],
    ['[]', 'an array'],
    ['[{"ociVersion": "1.2.1"}]', 'an array'],
    ['"config"', '"config"'],
    ['42', '42'],
    ['true', 'true'],
  ])('rejects %s', (text, got) => {
    expect(failure(undefined, text)).toBe(`config.json: must be a JSON object (got ${got})`);
  });
});

describe('malformed JSON', () => {
  it('gives line and column', () => {
    const text = '{\n  "ociVersion": "1.2.1",\n  x\n}\n';
    expect(failure(undefined, text)).toBe('config.json: invalid JSON at line 3 column 3: expected double-quoted property name');
  });

  it('finds the position when V8 does not give it', () => {
    // V8 reports `Unexpected token '}', "..." is not valid JSON` without a position.
    expect(failure(undefined, '{\n  "root": tru}')).toBe('config.json: invalid JSON at line 2 column 14: unexpected character "}"');
  });

  it.each([
    ['{"a": 1,}', 1, 9],
    ['{"a" 1}', 1, 6],
    ['{\n"a": "b', 2, 8],
    ['{"a": 1}\n x', 2, 2],
    ['[1,\n2', 2, 2],
    ['{"a": 01}', 1, 8],
    ['{"a": -}', 1, 8],
  ])('%j fails at line %i column %i', (text, line, column) => {
    expect(failure(undefined, text)).toMatch(new RegExp(`^config\\.json: invalid JSON at line ${line} column ${column}: [a-z]`));
  });

  it('says so for an empty file or a truncated one', () => {
    expect(failure(undefined, '')).toBe('config.json: invalid JSON at line 1 column 1: the file is empty');
    expect(failure(undefined, '\n\n')).toBe('config.json: invalid JSON at line 3 column 1: the file is empty');
    expect(failure(undefined, '{\n  "ociVersion": "1.2.1",\n')).toBe(
      'config.json: invalid JSON at line 3 column 1: unexpected end of input: expected double-quoted property name',
    );
    expect(failure(undefined, '{"a": [1, 2')).toBe('config.json: invalid JSON at line 1 column 12: unexpected end of input: expected \',\' or \']\' after array element');
    expect(failure(undefined, '{"a": tr')).toBe('config.json: invalid JSON at line 1 column 9: unexpected end of input');
  });

  it('tolerates a byte order mark', () => {
    expect(parseConfig(`\ufeff${JSON.stringify(base())}`, 'config.json').ociVersion).toBe('1.2.1');
  });
});

describe('loadConfig', () => {
  it('reads <bundle>/config.json', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tsrunc-spec-'));
    try {
      fs.writeFileSync(path.join(dir, 'config.json'), JSON.stringify(base()));
      expect(loadConfig(dir)).toEqual(base());
      fs.writeFileSync(path.join(dir, 'config.json'), JSON.stringify(edit((c) => (c.process.user.uid = 'root'))));
      expect(() => loadConfig(dir)).toThrow('config.json: process.user.uid: must be an integer from 0 to 4294967295 (got "root")');
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('says when the file is missing, and how to get one', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tsrunc-spec-'));
    try {
      let err: unknown;
      try {
        loadConfig(dir);
      } catch (e) {
        err = e;
      }
      expect(err).toBeInstanceOf(TsruncError);
      expect((err as TsruncError).code).toBe('EBUNDLE_CONFIG');
      expect((err as TsruncError).message).toBe(`${dir}/config.json: no such file or directory`);
      expect((err as TsruncError).hint).toContain('tsrunc spec');
      fs.mkdirSync(path.join(dir, 'config.json'));
      expect(() => loadConfig(dir)).toThrow(`${dir}/config.json: is a directory`);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
