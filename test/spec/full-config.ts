/** A config.json that uses every Linux field of the schema (a fresh copy each call). */
export function fullConfig() {
  return {
    ociVersion: '1.3.0',
    root: { path: '/var/lib/rootfs', readonly: false },
    hostname: 'h',
    domainname: 'd',
    annotations: { 'org.example.key': 'value' },
    mounts: [
      { destination: '/data', type: 'bind', source: '/srv', options: ['rbind', 'ro'], uidMappings: [{ containerID: 0, hostID: 1000, size: 1 }], gidMappings: [{ containerID: 0, hostID: 1000, size: 1 }] },
    ],
    hooks: {
      prestart: [{ path: '/bin/true', args: ['true'], env: ['A=1'], timeout: 5 }],
      createRuntime: [{ path: '/bin/true' }],
      createContainer: [{ path: '/bin/true' }],
      startContainer: [{ path: '/bin/true' }],
      poststart: [{ path: '/bin/true' }],
      poststop: [{ path: '/bin/true' }],
    },
    process: {
      terminal: true,
      consoleSize: { height: 24, width: 80 },
      user: { uid: 1, gid: 2, umask: 18, additionalGids: [3, 4] },
      args: ['sh', '-c', 'true'],
      commandLine: 'ignored',
      env: ['PATH=/bin'],
      cwd: '/',
      capabilities: { bounding: ['CAP_KILL'], effective: ['CAP_KILL'], inheritable: [], permitted: ['CAP_KILL'], ambient: [] },
      rlimits: [{ type: 'RLIMIT_NOFILE', soft: 1024, hard: 18446744073709551615 }],
      noNewPrivileges: true,
      apparmorProfile: 'p',
      oomScoreAdj: -500,
      scheduler: { policy: 'SCHED_DEADLINE', nice: -5, priority: 0, flags: ['SCHED_FLAG_RESET_ON_FORK'], runtime: 1, deadline: 2, period: 3 },
      selinuxLabel: 'system_u:system_r:container_t:s0',
      ioPriority: { class: 'IOPRIO_CLASS_BE', priority: 4 },
      execCPUAffinity: { initial: '0', final: '0-3,7' },
    },
    linux: {
      namespaces: [
        { type: 'pid' }, { type: 'network', path: '/proc/1/ns/net' }, { type: 'mount' }, { type: 'ipc' },
        { type: 'uts' }, { type: 'user' }, { type: 'cgroup' }, { type: 'time' },
      ],
      uidMappings: [{ containerID: 0, hostID: 100000, size: 65536 }],
      gidMappings: [{ containerID: 0, hostID: 100000, size: 65536 }],
      timeOffsets: { monotonic: { secs: -10, nanosecs: 5 }, boottime: { secs: 1 } },
      devices: [
        { type: 'c', path: '/dev/fuse', major: 10, minor: 229, fileMode: 438, uid: 0, gid: 0 },
        { type: 'p', path: '/dev/fifo' },
      ],
      netDevices: { eth1: { name: 'net0' }, eth2: {} },
      cgroupsPath: '/tsrunc/c1',
      resources: {
        devices: [{ allow: false, access: 'rwm' }, { allow: true, type: 'c', major: 1, minor: 3, access: 'rw' }],
        memory: { limit: 1 << 30, reservation: -1, swap: -1, kernel: -1, kernelTCP: -1, swappiness: 60, disableOOMKiller: false, useHierarchy: true, checkBeforeUpdate: true },
        cpu: { shares: 1024, quota: -1, burst: 0, period: 100000, realtimeRuntime: 0, realtimePeriod: 0, cpus: '0-1', mems: '0', idle: 0 },
        blockIO: {
          weight: 10, leafWeight: 10,
          weightDevice: [{ major: 8, minor: 0, weight: 500, leafWeight: 300 }],
          throttleReadBpsDevice: [{ major: 8, minor: 0, rate: 1 }],
          throttleWriteBpsDevice: [{ major: 8, minor: 0, rate: 1 }],
          throttleReadIOPSDevice: [{ major: 8, minor: 0, rate: 1 }],
          throttleWriteIOPSDevice: [{ major: 8, minor: 0, rate: 1 }],
        },
        hugepageLimits: [{ pageSize: '2MB', limit: 0 }],
        network: { classID: 1, priorities: [{ name: 'eth0', priority: 5 }] },
        pids: { limit: -1 },
        rdma: { mlx5_1: { hcaHandles: 3, hcaObjects: 1000 } },
        unified: { 'memory.high': 'max' },
      },
      rootfsPropagation: 'rslave',
      seccomp: {
        defaultAction: 'SCMP_ACT_ERRNO',
        defaultErrnoRet: 1,
        architectures: ['SCMP_ARCH_X86_64', 'SCMP_ARCH_AARCH64'],
        flags: ['SECCOMP_FILTER_FLAG_LOG'],
        listenerPath: '/run/agent.sock',
        listenerMetadata: 'm',
        syscalls: [
          { names: ['read', 'write'], action: 'SCMP_ACT_ALLOW' },
          { names: ['personality'], action: 'SCMP_ACT_ALLOW', args: [{ index: 0, value: 4294967295, op: 'SCMP_CMP_EQ' }] },
          { names: ['mkdir'], action: 'SCMP_ACT_ERRNO', errnoRet: 38, args: [{ index: 1, value: 1, valueTwo: 1, op: 'SCMP_CMP_MASKED_EQ' }] },
        ],
      },
      sysctl: { 'net.ipv4.ip_forward': '1' },
      maskedPaths: ['/proc/kcore'],
      readonlyPaths: ['/proc/sys'],
      mountLabel: 'system_u:object_r:container_file_t:s0',
      intelRdt: { closID: 'c', schemata: ['L3:0=ff'], l3CacheSchema: 'L3:0=ff', memBwSchema: 'MB:0=50', enableMonitoring: true },
      memoryPolicy: { mode: 'MPOL_INTERLEAVE', nodes: '0-1', flags: ['MPOL_F_STATIC_NODES'] },
      personality: { domain: 'LINUX32', flags: [] },
    },
  };
}

/**
 * A config as JSON text, the way Go engines write it: RLIM_INFINITY as 18446744073709551615
 * (JSON.stringify prints the double 2^64 instead, which is refused as out of range).
 */
export function configText(config: unknown): string {
  return JSON.stringify(config).replaceAll('18446744073709552000', '18446744073709551615');
}
