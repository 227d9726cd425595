/** `tsrunc features`: valid per runtime-spec features.md, and honest about seccomp. */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { validateFeaturesJson } from '../../src/host/features.js';

const TSRUNC = path.resolve(__dirname, '..', '..', 'dist', 'tsrunc');

describe('tsrunc features', () => {
  it('reports what works: seccomp actions, operators, archs and flags probed here', () => {
    const r = spawnSync(TSRUNC, ['features'], { encoding: 'utf8' });
    expect(r.stderr).toBe('');
    const f = validateFeaturesJson(JSON.parse(r.stdout));
    const sc = f.linux!.seccomp!;
    expect(sc.enabled).toBe(true);
    const avail = fs.readFileSync('/proc/sys/kernel/seccomp/actions_avail', 'utf8');
    expect(sc.actions).toContain('SCMP_ACT_ERRNO');
    expect(sc.actions!.includes('SCMP_ACT_NOTIFY')).toBe(avail.includes('user_notif'));
    expect(sc.operators).toHaveLength(7);
    expect(sc.archs).toEqual(expect.arrayContaining(['SCMP_ARCH_X86_64', 'SCMP_ARCH_X86', 'SCMP_ARCH_X32']));
    expect(sc.knownFlags).toEqual(['SECCOMP_FILTER_FLAG_TSYNC', 'SECCOMP_FILTER_FLAG_LOG', 'SECCOMP_FILTER_FLAG_SPEC_ALLOW', 'SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV']);
    expect(sc.knownFlags).toEqual(expect.arrayContaining(sc.supportedFlags!));
    expect(f.annotations!['io.github.seccomp.libseccomp.version']).toMatch(/^2\.\d+\.\d+$/);
    expect(f.linux!.apparmor).toEqual({ enabled: fs.existsSync('/sys/kernel/security/apparmor') });
    expect(f.linux!.mountExtensions).toEqual({ idmap: { enabled: false } });
    expect(f.linux!.intelRdt).toEqual({ enabled: false });
  });
});
