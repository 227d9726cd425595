/**
 * What cgroup hierarchies this host has: the unified (v2) mount and its controllers,
 * and the v1 hierarchies with the controllers bound to each. Read from /proc, once per
 * command; the parsers are pure and tested on the text of real hosts.
 */
import fs from 'node:fs';
import path from 'node:path';
import { unifiedMount } from './unified.js';

/** v1 controllers tsrunc puts a container into (when mounted): the ones it limits or reads. */
export const V1_RESOURCE_CONTROLLERS = ['cpu', 'cpuacct', 'cpuset', 'memory', 'pids', 'blkio', 'hugetlb', 'net_cls', 'net_prio', 'rdma'] as const;

export interface HostLayout {
  /** Mount point of the unified hierarchy (/sys/fs/cgroup or /sys/fs/cgroup/unified). */
  unified?: string;
  /** Controllers of the unified root (its cgroup.controllers). */
  v2Controllers: Set<string>;
  /** v1 controller → mount point of its hierarchy. */
  v1: Map<string, string>;
  /** v1 controller → this process's own cgroup in that hierarchy. */
  ownV1: Map<string, string>;
}

export type Mode = 'unified' | 'hybrid' | 'legacy' | 'none';

export function modeOf(l: HostLayout): Mode {
  if (l.unified && l.v1.size === 0) return 'unified';
  if (l.unified) return 'hybrid';
  return l.v1.size > 0 ? 'legacy' : 'none';
}

/** v1 cgroup mounts in /proc/self/mountinfo: controller → mount point. */
export function parseV1Mounts(mountinfo: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const line of mountinfo.split('\n')) {
    const sep = line.indexOf(' - ');
    if (sep < 0) continue;
    const [fstype, , superOpts = ''] = line.slice(sep + 3).split(' ');
    if (fstype !== 'cgroup') continue;
    const mountPoint = unescapeMount(line.slice(0, sep).split(' ')[4] ?? '');
    for (const opt of superOpts.split(',')) {
      if (V1_KNOWN.has(opt) && !out.has(opt)) out.set(opt, mountPoint);
    }
  }
  return out;
}

// name=systemd is no controller, but a named hierarchy systemd hosts (and runc) use.
const V1_KNOWN = new Set(['cpu', 'cpuacct', 'cpuset', 'memory', 'devices', 'freezer', 'blkio', 'pids', 'hugetlb', 'net_cls', 'net_prio', 'rdma', 'perf_event', 'misc', 'name=systemd']);

function unescapeMount(s: string): string {
  return s.replace(/\\([0-7]{3})/g, (_, o: string) => String.fromCharCode(parseInt(o, 8)));
}

/** /proc/<pid>/cgroup: v1 controller → path (the "0::" unified line is left out). */
export function parseProcCgroup(text: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const line of text.split('\n')) {
    const m = /^\d+:([^:]*):(.*)$/.exec(line);
    if (!m || m[1] === '') continue;
    for (const c of m[1]!.split(',')) out.set(c, m[2]!);
  }
  return out;
}

function readOr(file: string, fallback: string): string {
  try {
    return fs.readFileSync(file, 'utf8');
  } catch {
    return fallback;
  }
}

export function hostLayout(): HostLayout {
  const unified = unifiedMount();
  const v2Controllers = new Set(unified ? readOr(path.join(unified, 'cgroup.controllers'), '').trim().split(/\s+/).filter(Boolean) : []);
  // On a pure v2 host /sys/fs/cgroup is the unified mount: there are no v1 hierarchies.
  const v1 = unified === '/sys/fs/cgroup' ? new Map<string, string>() : parseV1Mounts(readOr('/proc/self/mountinfo', ''));
  return { ...(unified ? { unified } : {}), v2Controllers, v1, ownV1: parseProcCgroup(readOr('/proc/self/cgroup', '')) };
}
