import type { HostFacts, Spec } from '../../src/plan/types.js';

/** A host where every bind source is a directory except files named *.file. */
export const fakeHost: HostFacts = {
  sourceKind: (p) => (p.includes('missing') ? 'missing' : p.endsWith('.file') ? 'file' : 'dir'),
  capLastCap: 40,
};

export function baseSpec(over: Partial<Spec> = {}): Spec {
  return {
    ociVersion: '1.2.1',
    process: {
      cwd: '/',
      args: ['sh', '-c', 'true'],
      env: ['PATH=/bin:/usr/bin', 'TERM=xterm'],
      user: { uid: 0, gid: 0 },
      capabilities: {
        bounding: ['CAP_KILL', 'CAP_AUDIT_WRITE'],
        effective: ['CAP_KILL'],
        permitted: ['CAP_KILL'],
      },
      rlimits: [{ type: 'RLIMIT_NOFILE', soft: 1024, hard: 1024 }],
      noNewPrivileges: true,
    },
    root: { path: 'rootfs', readonly: true },
    hostname: 'box',
    mounts: [
      { destination: '/proc', type: 'proc', source: 'proc' },
      { destination: '/dev', type: 'tmpfs', source: 'tmpfs', options: ['nosuid', 'strictatime', 'mode=755', 'size=65536k'] },
      { destination: '/dev/pts', type: 'devpts', source: 'devpts', options: ['nosuid', 'noexec', 'newinstance', 'ptmxmode=0666', 'mode=0620'] },
    ],
    linux: {
      namespaces: [{ type: 'pid' }, { type: 'mount' }, { type: 'uts' }, { type: 'ipc' }, { type: 'network' }, { type: 'cgroup' }],
      maskedPaths: ['/proc/kcore'],
      readonlyPaths: ['/proc/sys'],
    },
    ...over,
  };
}
