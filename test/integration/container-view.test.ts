/** What the process sees from inside: namespaces, root filesystem, process attributes. */
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { Sandbox, TSRUNC, run } from './harness.js';

const sb = new Sandbox('view');
afterAll(() => sb.cleanup());

function inside(script: string, mutate?: Parameters<Sandbox['run']>[1], opts?: Parameters<Sandbox['run']>[2]): string {
  const r = sb.run(['sh', '-c', script], mutate, opts);
  expect(r.stderr).toBe('');
  expect(r.status).toBe(0);
  return r.stdout;
}

describe('namespaces', () => {
  it('is pid 1 of its own pid namespace, with its own hostname, and only lo', () => {
    const out = inside('echo $$; hostname; ls /sys/class/net');
    expect(out).toBe('1\ntsrunc-test\nlo\n');
  });

  it('has its own ipc, uts, mount, net and cgroup namespaces', () => {
    const out = inside('for n in ipc uts mnt net cgroup pid; do readlink /proc/self/ns/$n; done').trim().split('\n');
    const host = ['ipc', 'uts', 'mnt', 'net', 'cgroup', 'pid'].map((n) => fs.readlinkSync(`/proc/self/ns/${n}`));
    out.forEach((ns, i) => expect(ns).not.toBe(host[i]));
  });

  it('sees its cgroup as the root of its cgroup namespace', () => {
    expect(inside('cat /proc/self/cgroup | grep "^0::"')).toBe('0::/\n');
  });

  it('joins a namespace by path', () => {
    const hostNet = fs.readlinkSync('/proc/self/ns/net');
    const out = inside('readlink /proc/self/ns/net', (s) => {
      s.linux!.namespaces = s.linux!.namespaces!.map((n) => (n.type === 'network' ? { type: 'network', path: '/proc/self/ns/net' } : n));
    });
    expect(out.trim()).toBe(hostNet);
  });

  it('maps users in a new user namespace', () => {
    const out = inside('cat /proc/self/uid_map /proc/self/gid_map; id -u', (s) => {
      s.linux!.namespaces!.push({ type: 'user' });
      s.linux!.uidMappings = [{ containerID: 0, hostID: 200000, size: 65536 }];
      s.linux!.gidMappings = [{ containerID: 0, hostID: 200000, size: 65536 }];
      s.mounts = s.mounts!.filter((m) => m.destination !== '/sys'); // sysfs needs the netns owned by the userns
    });
    expect(out.replace(/\s+/g, ' ').trim()).toBe('0 200000 65536 0 200000 65536 0');
  });

  it('shifts the monotonic clock in a new time namespace', () => {
    const hostUptime = Number(fs.readFileSync('/proc/uptime', 'utf8').split(' ')[0]);
    const out = inside('cut -d" " -f1 /proc/uptime', (s) => {
      s.linux!.namespaces!.push({ type: 'time' });
      s.linux!.timeOffsets = { boottime: { secs: 86400 * 10, nanosecs: 0 } };
    });
    expect(Number(out) - hostUptime).toBeGreaterThan(86400 * 10 - 60);
  });

  it('sets the domainname and namespaced sysctls', () => {
    const out = inside('cat /proc/sys/kernel/domainname /proc/sys/net/ipv4/ip_forward /proc/sys/kernel/shmmni', (s) => {
      s.domainname = 'example.test';
      s.linux!.sysctl = { 'net.ipv4.ip_forward': '1', 'kernel.shmmni': '1234' };
    });
    expect(out).toBe('example.test\n1\n1234\n');
  });
});

describe('root filesystem', () => {
  it('is read-only when root.readonly, with writable tmpfs mounts', () => {
    expect(inside('touch /x 2>/dev/null && echo rw || echo ro; touch /tmp/x && echo tmp-rw')).toBe('ro\ntmp-rw\n');
  });

  it('mounts with the flags and data asked for', () => {
    const out = inside('grep " /tmp " /proc/mounts; grep " /dev/shm " /proc/mounts', (s) => {
      s.mounts!.find((m) => m.destination === '/tmp')!.options = ['nosuid', 'nodev', 'noexec', 'size=1m', 'mode=700'];
    });
    expect(out).toMatch(/^tmpfs \/tmp tmpfs rw,nosuid,nodev,noexec,relatime,size=1024k,mode=700/m);
    expect(out).toMatch(/^shm \/dev\/shm tmpfs rw,nosuid,nodev,noexec/m);
  });

  it('binds host files and directories, read-only where asked, recursively read-only with rro', () => {
    const dir = sb.tmpdir();
    fs.writeFileSync(path.join(dir, 'file'), 'from host\n');
    fs.mkdirSync(path.join(dir, 'sub'));
    const out = inside('cat /mnt/file; cat /etc/motd-host; touch /mnt/new 2>/dev/null || echo ro; touch /rro/sub/x 2>/dev/null || echo rro', (s) => {
      s.mounts!.push({ destination: '/mnt', source: dir, options: ['bind', 'ro'] });
      s.mounts!.push({ destination: '/etc/motd-host', source: path.join(dir, 'file'), options: ['bind'] });
      s.mounts!.push({ destination: '/rro', source: dir, options: ['rbind', 'rro'] });
      s.root!.readonly = false;
      s.root!.path = makeWritableRoot(s.root!.path);
    });
    expect(out).toBe('from host\nfrom host\nro\nrro\n');
  });

  it('creates the default /dev and linux.devices', () => {
    const out = inside('ls -l /dev/null /dev/zero /dev/full /dev/random /dev/urandom /dev/tty /dev/fuse | awk \'{print $1, $5, $6, $NF}\'; for l in /dev/fd /dev/stdin /dev/ptmx; do readlink $l; done; echo x > /dev/null && echo ok', (s) => {
      s.linux!.devices = [{ path: '/dev/fuse', type: 'c', major: 10, minor: 229, fileMode: 0o600, uid: 0, gid: 0 }];
    });
    expect(out).toBe([
      'crw-rw-rw- 1, 7 /dev/full', 'crw------- 10, 229 /dev/fuse', 'crw-rw-rw- 1, 3 /dev/null', 'crw-rw-rw- 1, 8 /dev/random',
      'crw-rw-rw- 5, 0 /dev/tty', 'crw-rw-rw- 1, 9 /dev/urandom', 'crw-rw-rw- 1, 5 /dev/zero',
      '/proc/self/fd', '/proc/self/fd/0', 'pts/ptmx', 'ok', '',
    ].join('\n'));
  });

  it('masks paths and makes paths read-only', () => {
    const out = inside('cat /proc/timer_list | wc -c; ls /sys/firmware | wc -l; (echo 1 > /proc/sys/kernel/domainname) 2>/dev/null || echo ro');
    expect(out).toBe('0\n0\nro\n');
  });

  it('applies rootfsPropagation to the container\'s root mount', () => {
    const rootLine = (prop: string) => inside('awk \'$5 == "/" { print }\' /proc/self/mountinfo', (s) => {
      s.linux!.rootfsPropagation = prop as never;
    });
    expect(rootLine('private')).not.toMatch(/ (shared|master):\d+/);
    expect(rootLine('rshared')).toMatch(/ shared:\d+/);
  });

  it('works with --no-pivot', () => {
    const bundle = sb.bundle(['sh', '-c', 'ls / | head -3']);
    const r = sb.tsrunc(['run', '--no-pivot', '--bundle', bundle, 'nopivot']);
    expect(r.stderr).toBe('');
    expect(r.stdout).toBe('bin\ndev\netc\n');
  });
});

describe('process', () => {
  it('gets exactly process.env, its cwd, user, groups and umask', () => {
    const out = inside('env | sort; pwd; id; umask', (s) => {
      s.process!.env = ['PATH=/bin', 'A=1', 'B=two words'];
      s.process!.cwd = '/tmp';
      s.process!.user = { uid: 1000, gid: 1000, additionalGids: [10, 20], umask: 0o027 };
    });
    expect(out).toBe('A=1\nB=two words\nPATH=/bin\nPWD=/tmp\nSHLVL=1\n/tmp\nuid=1000 gid=1000 groups=10,20\n0027\n');
  });

  it('applies rlimits, oomScoreAdj and noNewPrivileges', () => {
    const out = inside('ulimit -n; ulimit -c; cat /proc/self/oom_score_adj; grep NoNewPrivs /proc/self/status', (s) => {
      s.process!.rlimits = [{ type: 'RLIMIT_NOFILE', soft: 100, hard: 200 }, { type: 'RLIMIT_CORE', soft: 0, hard: 0 }];
      s.process!.oomScoreAdj = 500;
    });
    expect(out).toBe('100\n0\n500\nNoNewPrivs:\t1\n');
  });

  it('has exactly the capabilities asked for; unknown names warn', () => {
    const r = sb.run(['sh', '-c', 'grep ^Cap /proc/self/status'], (s) => {
      s.process!.capabilities = {
        bounding: ['CAP_KILL', 'CAP_CHOWN', 'CAP_NOT_REAL'],
        effective: ['CAP_KILL'],
        permitted: ['CAP_KILL'],
        inheritable: [],
        ambient: [],
      };
    });
    expect(r.status).toBe(0);
    expect(r.stdout).toBe('CapInh:\t0000000000000000\nCapPrm:\t0000000000000020\nCapEff:\t0000000000000020\nCapBnd:\t0000000000000021\nCapAmb:\t0000000000000000\n');
    expect(r.stderr).toMatch(/unknown capability \\?"CAP_NOT_REAL\\?" ignored/);
  });

  it('resets the signal mask and dispositions (Node ignores SIGPIPE)', () => {
    // cat is the container process itself: no shell in between to change its signals.
    const r = sb.run(['cat', '/proc/self/status']);
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/^SigBlk:\t0000000000000000$/m);
    expect(r.stdout).toMatch(/^SigIgn:\t0000000000000000$/m);
  });

  it('closes every fd but stdio and --preserve-fds', () => {
    const bundle = sb.bundle(['sh', '-c', 'ls /proc/self/fd | sort -n | tr "\\n" " "; cat <&3']);
    const file = path.join(sb.tmpdir(), 'f');
    fs.writeFileSync(file, 'preserved\n');
    const fd3 = fs.openSync(file, 'r');
    const fd4 = fs.openSync(file, 'r'); // not preserved: must not reach the container
    try {
      const r = sb.tsrunc(['run', '--preserve-fds', '1', '--bundle', bundle, 'fds'], { stdio: ['pipe', 'pipe', 'pipe', fd3, fd4] });
      expect(r.stderr).toBe('');
      // ls itself opens one fd for /proc/self/fd
      expect(r.stdout).toBe('0 1 2 3 4 preserved\n');
    } finally {
      fs.closeSync(fd3);
      fs.closeSync(fd4);
    }
  });
});

/** A writable copy of the rootfs for tests that mount below a read-only path. */
function makeWritableRoot(src: string): string {
  const dst = path.join(sb.tmpdir(), 'rootfs');
  fs.cpSync(src, dst, { recursive: true, verbatimSymlinks: true });
  return dst;
}

describe('socket activation', () => {
  it('passes LISTEN_FDS fds of tsrunc itself ahead of --preserve-fds, with LISTEN_FDS/LISTEN_PID=1', () => {
    const file = path.join(sb.tmpdir(), 'f');
    fs.writeFileSync(file, 'activated\n');
    const fd3 = fs.openSync(file, 'r');
    try {
      const bundle = sb.bundle(['sh', '-c', 'echo $LISTEN_FDS $LISTEN_PID; cat <&3']);
      // LISTEN_PID must be tsrunc's own pid: a shell sets it and execs tsrunc in place.
      const r = run('sh', ['-c', `LISTEN_FDS=1 LISTEN_PID=$$ exec "$0" --root "$1" run --bundle "$2" act`, TSRUNC, sb.root, bundle],
        { stdio: ['pipe', 'pipe', 'pipe', fd3] });
      expect(r.stderr).toBe('');
      expect(r.stdout).toBe('1 1\nactivated\n');
    } finally {
      fs.closeSync(fd3);
    }
  });
});
