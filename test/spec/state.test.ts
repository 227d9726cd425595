import { describe, expect, it } from 'vitest';
import { TsruncError } from '../../src/errors.js';
import { validateFeaturesJson } from '../../src/host/features.js';
import { parseState, validateStateJson } from '../../src/spec/state.js';
import { SPEC_VERSION, SPEC_VERSION_MIN } from '../../src/spec/version.js';

const state = { ociVersion: SPEC_VERSION, id: 'c1', status: 'created', pid: 1234, bundle: '/b', annotations: { a: 'b' } };

describe('state', () => {
  it('accepts every status, paused included', () => {
    for (const status of ['creating', 'created', 'running', 'stopped', 'paused']) {
      expect(validateStateJson({ ...state, status }).status).toBe(status);
    }
  });

  it('requires a pid when created or running', () => {
    const { pid: _, ...noPid } = state;
    expect(() => validateStateJson(noPid, 'state.json')).toThrow('state.json: pid: required');
    expect(() => validateStateJson({ ...noPid, status: 'running' }, 'state.json')).toThrow('state.json: pid: required');
    expect(validateStateJson({ ...noPid, status: 'stopped' }).pid).toBeUndefined();
    // Missing fields are named before the conditional pid.
    const { id: __, ...noId } = noPid;
    expect(() => validateStateJson(noId, 'state.json')).toThrow('state.json: id: required');
  });

  it('names the field and the allowed values', () => {
    try {
      parseState(JSON.stringify({ ...state, status: 'exploded', extra: 1 }), 'state.json');
      throw new Error('no error');
    } catch (e) {
      expect(e).toBeInstanceOf(TsruncError);
      expect((e as TsruncError).code).toBe('ESTATE');
      expect((e as Error).message).toBe('state.json: status: must be one of creating, created, running, stopped, paused (got "exploded")');
    }
    expect(() => validateStateJson({ ...state, pid: -1 })).toThrow('state: pid: must be an integer from 0 to 2147483647 (got -1)');
    expect(() => parseState('{"id": ', 'state.json')).toThrow('state.json: invalid JSON at line 1 column 8');
  });
});

describe('features', () => {
  it('accepts a features document and ignores unknown fields', () => {
    const f = {
      ociVersionMin: SPEC_VERSION_MIN,
      ociVersionMax: SPEC_VERSION,
      hooks: ['prestart', 'createRuntime'],
      mountOptions: ['ro', 'rbind'],
      linux: {
        namespaces: ['pid'],
        capabilities: ['CAP_KILL'],
        cgroup: { v1: false, v2: true, systemd: false, systemdUser: false, rdma: false },
        seccomp: { enabled: true, actions: ['SCMP_ACT_ALLOW'], operators: ['SCMP_CMP_EQ'], archs: ['SCMP_ARCH_X86_64'], knownFlags: [], supportedFlags: [] },
        apparmor: { enabled: false },
        selinux: { enabled: false },
        intelRdt: { enabled: false, schemata: false, monitoring: false },
        memoryPolicy: { modes: ['MPOL_BIND'], flags: [] },
        mountExtensions: { idmap: { enabled: true } },
        netDevices: { enabled: false },
        future: 1,
      },
      annotations: { 'org.opencontainers.runtime-spec.features.version': '1' },
      potentiallyUnsafeConfigAnnotations: ['tsrunc.'],
      future: {},
    };
    expect(validateFeaturesJson(f)).toEqual(f);
  });

  it('says what is wrong', () => {
    expect(() => validateFeaturesJson({ ociVersionMin: '1.0.0' })).toThrow('features: ociVersionMax: required');
    expect(() => validateFeaturesJson({ ociVersionMin: '1.0.0', ociVersionMax: '1.2.1', linux: { cgroup: { v2: 'yes' } } })).toThrow(
      'features: linux.cgroup.v2: must be a boolean (true or false) (got "yes")',
    );
  });
});
