/** Hosts as literals, for planning without /sys: this machine (hybrid) and a pure v2 host. */
import type { CgroupFacts, CgroupTree, DriverFacts } from '../../src/cgroups/facts.js';
import { type HostLayout, parseProcCgroup, parseV1Mounts } from '../../src/cgroups/layout.js';

// This machine's /proc/self/mountinfo and /proc/self/cgroup (hybrid; the memory cgroup belongs to the machine).
export const MOUNTINFO = `24 30 0:22 / /sys rw,nosuid,nodev,noexec,relatime shared:7 - sysfs sysfs rw
31 24 0:26 / /sys/fs/cgroup rw,relatime - tmpfs tmpfs rw,mode=755
32 31 0:27 / /sys/fs/cgroup/cpu rw,relatime - cgroup cgroup rw,cpu
33 31 0:28 / /sys/fs/cgroup/cpuacct rw,relatime - cgroup cgroup rw,cpuacct
34 31 0:29 / /sys/fs/cgroup/memory rw,relatime - cgroup cgroup rw,memory
35 31 0:30 / /sys/fs/cgroup/freezer rw,relatime - cgroup cgroup rw,freezer
36 31 0:31 / /sys/fs/cgroup/systemd rw,relatime - cgroup cgroup rw,name=systemd
37 31 0:32 / /sys/fs/cgroup/unified rw,relatime - cgroup2 cgroup2 rw
38 31 0:33 / /sys/fs/cgroup/net_cls,net_prio rw,relatime - cgroup cgroup rw,net_cls,net_prio`;
export const PROC_CGROUP = `9:name=systemd:/
4:memory:/process_api/9e3f
2:cpuacct:/
1:cpu:/
0::/
`;

export const hybridLayout = (): HostLayout => ({ unified: '/sys/fs/cgroup/unified', v2Controllers: new Set(['hugetlb']), v1: parseV1Mounts(MOUNTINFO), ownV1: parseProcCgroup(PROC_CGROUP) });

export const v2Layout = (): HostLayout => ({ unified: '/sys/fs/cgroup', v2Controllers: new Set(['cpuset', 'cpu', 'io', 'memory', 'hugetlb', 'pids', 'rdma', 'misc']), v1: new Map(), ownV1: new Map() });

/** A cgroup tree of these files (a directory exists when a file below it is listed). */
export function literalTree(files: Record<string, string>): CgroupTree {
  return {
    exists: (p) => p in files || Object.keys(files).some((f) => f.startsWith(p + '/')),
    read: (f) => files[f],
  };
}

export function facts(layout: HostLayout, files: Record<string, string>, ownUnified = '/'): DriverFacts {
  const cgroup: CgroupFacts = { layout, ownUnified, tree: literalTree(files) };
  return { cgroup, euid: 0, inUserNs: false, systemdBooted: false };
}
