import { TsruncError } from '../errors.js';
import type { Step } from './types.js';

type Ns = 'ipc' | 'network' | 'uts';

/** Which namespace isolates a sysctl; only those may be set in a container. */
export function sysctlNamespace(key: string): Ns | undefined {
  if (/^kernel\.(msgmax|msgmnb|msgmni|sem|shmall|shmmax|shmmni|shm_rmid_forced)$/.test(key)) return 'ipc';
  if (key.startsWith('fs.mqueue.')) return 'ipc';
  if (key.startsWith('net.')) return 'network';
  if (key === 'kernel.hostname' || key === 'kernel.domainname') return 'uts';
  return undefined;
}

/** linux.sysctl as writes below /proc/sys; a key outside a new namespace of the container is an error. */
export function planSysctl(sysctl: Record<string, string>, hasNew: (t: Ns) => boolean): Step[] {
  return Object.entries(sysctl).map(([key, value]) => {
    const ns = sysctlNamespace(key);
    if (ns === undefined) {
      throw new TsruncError('EBUNDLE_SYSCTL', `config.json: linux.sysctl: "${key}" is not namespaced`,
        'only ipc (kernel.msg*, kernel.sem, kernel.shm*, fs.mqueue.*), net.* and uts keys can be set per container');
    }
    if (!hasNew(ns)) {
      throw new TsruncError('EBUNDLE_SYSCTL', `config.json: linux.sysctl: "${key}" needs a new ${ns} namespace`,
        `add {"type": "${ns}"} to linux.namespaces`);
    }
    if (key.includes('..') || key.includes('/')) {
      throw new TsruncError('EBUNDLE_SYSCTL', `config.json: linux.sysctl: "${key}" is not a sysctl name`, 'use dotted names such as net.ipv4.ip_forward');
    }
    return { op: { op: 'SYSCTL', key: key.replaceAll('.', '/'), value }, what: `set sysctl ${key}` };
  });
}
