/**
 * Hostile config text, checked without a container: nesting that would exhaust the stack,
 * integers a double cannot hold, NUL bytes in strings that reach C, and limits the kernel
 * has (the same cases through the CLI, compared with runc: test/integration/hostile.test.ts).
 */
import { describe, expect, it } from 'vitest';
import { TsruncError } from '../../src/errors.js';
import { parseConfig } from '../../src/spec/config.js';

function base(): Record<string, any> {
  return { ociVersion: '1.2.1', root: { path: 'rootfs' }, process: { args: ['sh'], cwd: '/', user: { uid: 0, gid: 0 } }, linux: {} };
}

/** The config text with `value` written verbatim at the place `set` puts '__VALUE__'. */
function text(set: (c: Record<string, any>) => void, value: string): string {
  const c = base();
  set(c);
  return JSON.stringify(c).replace('"__VALUE__"', value);
}

function failure(configText: string): string {
  try {
    parseConfig(configText, 'config.json');
  } catch (e) {
    expect(e).toBeInstanceOf(TsruncError);
    expect((e as TsruncError).code).toBe('EBUNDLE_CONFIG');
    expect((e as TsruncError).hint).not.toBe('');
    return (e as Error).message;
  }
  throw new Error('expected parseConfig to fail');
}

const nest = (levels: number) => `${'['.repeat(levels)}${']'.repeat(levels)}`;

describe('nesting', () => {
  it('refuses a document nested deeper than 256 levels, with where, before anything recurses', () => {
    for (const levels of [256, 10_000, 1_000_000]) {
      const t = text((c) => (c.x = '__VALUE__'), nest(levels));
      // The object is level 1: the 256th bracket opens level 257.
      const column = t.indexOf(nest(levels)) + 256;
      expect(failure(t)).toBe(`config.json: JSON nested more than 256 levels deep (at line 1 column ${column})`);
    }
    // Malformed and too deep: the depth is what is reported.
    expect(failure(`{\n  "a": {"b":\n${'{"c":'.repeat(300)}`)).toMatch(/^config.json: JSON nested more than 256 levels deep \(at line 3 column \d+\)$/);
  });

  it('accepts 256 levels, and does not count brackets inside strings', () => {
    expect(parseConfig(text((c) => (c.x = '__VALUE__'), nest(255)), 'config.json').root.path).toBe('rootfs');
    const c = parseConfig(text((c) => (c.process.args = ['sh', '-c', '__VALUE__']), JSON.stringify(`${'[{'.repeat(5000)}"\\`)), 'config.json');
    expect(c.process?.args[2]).toHaveLength(10_002);
    // The same through the full scan, which a number beyond 2^53 asks for.
    const both = text((c) => { c.process.args = ['sh', '-c', `${'[{'.repeat(5000)}"\\`]; c.process.rlimits = [{ type: 'RLIMIT_CORE', soft: 0, hard: '__VALUE__' }]; }, '18446744073709551615');
    expect(parseConfig(both, 'config.json').process?.rlimits?.[0]?.hard).toBe(2 ** 64);
  });
});

describe('integers beyond 2^53', () => {
  const hard = (c: Record<string, any>) => (c.process.rlimits = [{ type: 'RLIMIT_CORE', soft: 0, hard: '__VALUE__' }]);
  const limit = (c: Record<string, any>) => (c.linux.resources = { memory: { limit: '__VALUE__' } });
  const arg = (c: Record<string, any>) => (c.linux.seccomp = { defaultAction: 'SCMP_ACT_ALLOW', syscalls: [{ names: ['x'], action: 'SCMP_ACT_ERRNO', args: [{ index: 0, value: '__VALUE__', op: 'SCMP_CMP_EQ' }] }] });

  it('refuses values beyond the field\'s range exactly as written', () => {
    expect(failure(text(hard, '18446744073709551616'))).toBe('config.json: process.rlimits[0].hard: must be an integer from 0 to 18446744073709551615 (got 18446744073709551616)');
    expect(failure(text(hard, '1.8446744073709552e19'))).toBe('config.json: process.rlimits[0].hard: must be an integer from 0 to 18446744073709551615 (got 1.8446744073709552e19)');
    expect(failure(text(limit, '-9223372036854775809'))).toBe('config.json: linux.resources.memory.limit: must be an integer from -9223372036854775808 to 9223372036854775807 (got -9223372036854775809)');
    expect(failure(text(hard, '18446744073709551614.5'))).toBe('config.json: process.rlimits[0].hard: must be an integer from 0 to 18446744073709551615 (got 18446744073709551614.5)');
  });

  it('refuses values a JSON number cannot hold exactly, rather than change them', () => {
    expect(failure(text(hard, '9007199254740993'))).toMatch(/^config.json: process.rlimits\[0\].hard: 9007199254740993 is not exactly representable/);
    // A seccomp argument rounded would be another rule (2^64-2 would even wrap to 0).
    expect(failure(text(arg, '18446744073709551614'))).toMatch(/^config.json: linux.seccomp.syscalls\[0\].args\[0\].value: 18446744073709551614 is not exactly representable/);
  });

  it('accepts values a double holds exactly, and the maxima engines write for "unlimited"', () => {
    expect(parseConfig(text(hard, '18446744073709551615'), 'config.json').process?.rlimits?.[0]?.hard).toBe(2 ** 64);
    expect(parseConfig(text(hard, '9007199254740994'), 'config.json').process?.rlimits?.[0]?.hard).toBe(2 ** 53 + 2);
    expect(parseConfig(text(hard, '1.8e19'), 'config.json').process?.rlimits?.[0]?.hard).toBe(1.8e19);
    expect(parseConfig(text(limit, '9223372036854775807'), 'config.json').linux?.resources?.memory?.limit).toBe(2 ** 63);
    expect(parseConfig(text(limit, '-9223372036854775808'), 'config.json').linux?.resources?.memory?.limit).toBe(-(2 ** 63));
    // Unknown fields are ignored, big numbers included.
    expect(parseConfig(text((c) => (c.x = { y: '__VALUE__' }), '123456789012345678901234567890'), 'config.json').root.path).toBe('rootfs');
  });
});

describe('NUL bytes', () => {
  it('are refused in every string the schema describes, naming the field', () => {
    const cases: [(c: Record<string, any>) => void, string][] = [
      [(c) => (c.process.args = ['sh', 'a\0b']), 'process.args[1]: must not contain a NUL byte'],
      [(c) => (c.process.env = ['A=1', 'B=\0']), 'process.env[1]: must not contain a NUL byte'],
      [(c) => (c.process.cwd = '/\0'), 'process.cwd: must not contain a NUL byte'],
      [(c) => (c.hostname = 'a\0'), 'hostname: must not contain a NUL byte'],
      [(c) => (c.mounts = [{ destination: '/a\0' }]), 'mounts[0].destination: must not contain a NUL byte'],
      [(c) => (c.linux.sysctl = { 'net.core.somaxconn\0': '1' }), 'linux.sysctl["net.core.somaxconn\\u0000"]: the key must not contain a NUL byte'],
      [(c) => (c.linux.resources = { unified: { 'memory.max': '1\0' } }), 'linux.resources.unified["memory.max"]: must not contain a NUL byte'],
      [(c) => (c.hooks = { poststop: [{ path: '/bin/x\0' }] }), 'hooks.poststop[0].path: must not contain a NUL byte'],
    ];
    for (const [set, message] of cases) {
      const c = base();
      set(c);
      expect(failure(JSON.stringify(c))).toBe(`config.json: ${message}`);
    }
  });

  it('are kept in annotations and unknown fields, which never reach C', () => {
    const c = base();
    c.annotations = { 'org.example\0key': 'a\0b' };
    c.x = 'a\0b';
    expect(parseConfig(JSON.stringify(c), 'config.json').annotations).toEqual({ 'org.example\0key': 'a\0b' });
  });
});

describe('limits the kernel has', () => {
  it('refuses an empty mount destination', () => {
    expect(failure(JSON.stringify({ ...base(), mounts: [{ destination: '/a' }, { destination: '' }] }))).toBe('config.json: mounts[1].destination: must not be empty');
  });

  it('refuses more than NGROUPS_MAX (65536) additionalGids', () => {
    const gids = (n: number) => JSON.stringify({ ...base(), process: { ...base().process, user: { uid: 0, gid: 0, additionalGids: Array.from({ length: n }, (_, i) => i) } } });
    expect(failure(gids(65537))).toBe("config.json: process.user.additionalGids: must have at most 65536 items (got 65537): NGROUPS_MAX, the kernel's limit on supplementary groups");
    expect(parseConfig(gids(65536), 'config.json').process?.user?.additionalGids).toHaveLength(65536);
  });
});
