import { describe, expect, it } from 'vitest';
import { SYNC } from '../../src/native/wire.js';
import { DEFAULT_HOOK_TIMEOUT_S, planHooks } from '../../src/plan/hooks.js';
import { planLaunch } from '../../src/plan/launch.js';
import { baseSpec, fakeHost } from './fixtures.js';

const opts = { bundleDir: '/b', fifoPath: '/run/tsrunc/x/exec.fifo', noPivot: false };

const hook = (path: string, extra: object = {}) => ({ path, ...extra });

function opsOf(spec: ReturnType<typeof baseSpec>): string[] {
  return planLaunch(spec, opts, fakeHost).steps.map((s) => (s.op.op === 'SYNC' ? `SYNC:${s.op.tag}` : s.op.op));
}

describe('planHooks', () => {
  it('keeps args (argv[0] included) and env as given, defaults argv to [path] and the timeout', () => {
    const spec = baseSpec({
      hooks: {
        createRuntime: [
          hook('/usr/bin/a', { args: ['zero', 'one'], env: ['K=v=w', 'E='], timeout: 5 }),
          hook('/usr/bin/b'),
          hook('/usr/bin/c', { args: [] }),
        ],
      },
    });
    expect(planHooks(spec, 'createRuntime')).toEqual([
      { kind: 'createRuntime', index: 0, path: '/usr/bin/a', argv: ['zero', 'one'], env: ['K=v=w', 'E='], timeoutS: 5, what: 'createRuntime hook /usr/bin/a (index 0)' },
      { kind: 'createRuntime', index: 1, path: '/usr/bin/b', argv: ['/usr/bin/b'], env: [], timeoutS: DEFAULT_HOOK_TIMEOUT_S, what: 'createRuntime hook /usr/bin/b (index 1)' },
      { kind: 'createRuntime', index: 2, path: '/usr/bin/c', argv: ['/usr/bin/c'], env: [], timeoutS: DEFAULT_HOOK_TIMEOUT_S, what: 'createRuntime hook /usr/bin/c (index 2)' },
    ]);
    expect(planHooks(spec, 'poststop')).toEqual([]);
  });

  it('refuses a relative hook path before any side effect', () => {
    expect(() => planHooks(baseSpec({ hooks: { poststop: [hook('cleanup.sh')] } }), 'poststop'))
      .toThrow(/hooks.poststop\[0\].path: "cleanup.sh" is not an absolute path/);
    expect(() => planLaunch(baseSpec({ hooks: { poststop: [hook('cleanup.sh')] } }), opts, fakeHost)).toThrow(/not an absolute path/);
  });
});

describe('planLaunch with hooks', () => {
  it('adds no step without hooks', () => {
    const ops = opsOf(baseSpec());
    expect(ops.filter((o) => o === 'HOOK_STATE' || o === 'RUN_HOOK' || o === `SYNC:${SYNC.HOOKS}`)).toEqual([]);
  });

  it('runs prestart/createRuntime at a rendezvous, then createContainer, all before pivot_root and after the mounts', () => {
    const spec = baseSpec({
      hooks: {
        prestart: [hook('/p')],
        createRuntime: [hook('/r')],
        createContainer: [hook('/c1', { args: ['c1', 'x'], env: ['A=1'], timeout: 2 }), hook('/c2')],
      },
    });
    const ops = opsOf(spec);
    const at = (o: string) => ops.indexOf(o);
    expect(at(`SYNC:${SYNC.HOOKS}`)).toBeGreaterThan(ops.lastIndexOf('MOUNT'));
    expect(ops.slice(at(`SYNC:${SYNC.HOOKS}`), at('PIVOT_ROOT') + 1)).toEqual([`SYNC:${SYNC.HOOKS}`, 'HOOK_STATE', 'RUN_HOOK', 'RUN_HOOK', 'PIVOT_ROOT']);
    const run = planLaunch(spec, opts, fakeHost).steps.filter((s) => s.op.op === 'RUN_HOOK');
    expect(run[0]).toEqual({
      op: { op: 'RUN_HOOK', path: '/c1', argv: ['c1', 'x'], envp: ['A=1'], timeoutS: 2, name: 'createContainer hook /c1 (index 0)', flags: 0 },
      what: 'createContainer hook /c1 (index 0)',
    });
    expect(planLaunch(spec, opts, fakeHost).warnings).toEqual([]);
  });

  it('has no HOOKS rendezvous when only createContainer hooks exist; --no-pivot too', () => {
    const ops = planLaunch(baseSpec({ hooks: { createContainer: [hook('/c')] } }), { ...opts, noPivot: true }, fakeHost).steps.map((s) => s.op.op);
    expect(ops.slice(ops.indexOf('HOOK_STATE'), ops.indexOf('MOVE_ROOT') + 1)).toEqual(['HOOK_STATE', 'RUN_HOOK', 'MOVE_ROOT']);
    expect(opsOf(baseSpec({ hooks: { createContainer: [hook('/c')] } }))).not.toContain(`SYNC:${SYNC.HOOKS}`);
  });

  it('fetches the startContainer state before detaching and runs the hooks after start, right before exec', () => {
    const ops = opsOf(baseSpec({ hooks: { startContainer: [hook('/s1'), hook('/s2')], poststart: [hook('/ps')], poststop: [hook('/pz')] } }));
    expect(ops.slice(ops.indexOf(`SYNC:${SYNC.READY}`), ops.indexOf('WAIT_FIFO') + 1)).toEqual([`SYNC:${SYNC.READY}`, 'HOOK_STATE', 'DETACH', 'WAIT_FIFO']);
    expect(ops.slice(-3)).toEqual(['RUN_HOOK', 'RUN_HOOK', 'EXEC']);
    expect(ops.indexOf('IDENTITY')).toBeLessThan(ops.indexOf('RUN_HOOK'));
    // poststart and poststop are tsrunc's alone.
    expect(ops.filter((o) => o === 'RUN_HOOK')).toHaveLength(2);
    expect(ops.filter((o) => o === 'HOOK_STATE')).toHaveLength(1);
  });
});
