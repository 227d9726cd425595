import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/spec/config.js';
import { exampleSpec } from '../../src/spec/example.js';
import { SPEC_VERSION } from '../../src/spec/version.js';

describe('exampleSpec', () => {
  it('has runc spec\'s defaults', () => {
    const s = exampleSpec({ rootless: false });
    expect(s.ociVersion).toBe(SPEC_VERSION);
    expect(s.root).toEqual({ path: 'rootfs', readonly: true });
    expect(s.hostname).toBe('tsrunc');
    expect(s.process).toMatchObject({ terminal: true, args: ['sh'], cwd: '/', noNewPrivileges: true, user: { uid: 0, gid: 0 } });
    expect(s.process?.rlimits).toEqual([{ type: 'RLIMIT_NOFILE', hard: 1024, soft: 1024 }]);
    expect(s.process?.capabilities?.bounding).toEqual(['CAP_AUDIT_WRITE', 'CAP_KILL', 'CAP_NET_BIND_SERVICE']);
    expect(s.mounts?.map((m) => m.destination)).toEqual(['/proc', '/dev', '/dev/pts', '/dev/shm', '/dev/mqueue', '/sys', '/sys/fs/cgroup']);
    expect(s.mounts?.[2]?.options).toContain('gid=5');
    expect(s.linux?.namespaces?.map((n) => n.type)).toEqual(['pid', 'network', 'ipc', 'uts', 'mount', 'cgroup']);
    expect(s.linux?.maskedPaths).toContain('/proc/kcore');
    expect(s.linux?.readonlyPaths).toContain('/proc/sysrq-trigger');
    expect(s.linux?.resources?.devices).toEqual([{ allow: false, access: 'rwm' }]);
    expect(s.linux?.uidMappings).toBeUndefined();
  });

  it('makes a rootless variant as runc spec --rootless does', () => {
    const s = exampleSpec({ rootless: true, uid: 1000, gid: 1001 });
    expect(s.linux?.namespaces?.map((n) => n.type)).toEqual(['pid', 'ipc', 'uts', 'mount', 'cgroup', 'user']);
    expect(s.linux?.uidMappings).toEqual([{ containerID: 0, hostID: 1000, size: 1 }]);
    expect(s.linux?.gidMappings).toEqual([{ containerID: 0, hostID: 1001, size: 1 }]);
    expect(s.linux?.resources).toBeUndefined();
    expect(s.mounts?.find((m) => m.destination === '/sys')).toEqual({
      destination: '/sys', type: 'none', source: '/sys', options: ['rbind', 'nosuid', 'noexec', 'nodev', 'ro'],
    });
    expect(s.mounts?.find((m) => m.destination === '/dev/pts')?.options).toEqual(['nosuid', 'noexec', 'newinstance', 'ptmxmode=0666', 'mode=0620']);
  });

  it('maps the caller by default', () => {
    const s = exampleSpec({ rootless: true });
    expect(s.linux?.uidMappings?.[0]?.hostID).toBe(process.geteuid!());
    expect(s.linux?.gidMappings?.[0]?.hostID).toBe(process.getegid!());
  });

  it('returns a fresh object each time', () => {
    const a = exampleSpec({ rootless: false });
    a.process!.capabilities!.bounding!.push('CAP_SYS_ADMIN');
    expect(exampleSpec({ rootless: false }).process?.capabilities?.bounding).toHaveLength(3);
  });

  it('passes validation', () => {
    for (const rootless of [false, true]) {
      const s = exampleSpec({ rootless, uid: 0, gid: 0 });
      expect(parseConfig(JSON.stringify(s), 'config.json')).toEqual(s);
    }
  });
});
