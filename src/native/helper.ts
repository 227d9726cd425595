/**
 * koffi bindings of libtsrunc-spawn.so (native/spawn.h). The only file that declares
 * its functions; loaded on first use so that commands which do not spawn never pay
 * for koffi.
 */
import os from 'node:os';
import path from 'node:path';
import { nativeDir } from './paths.js';

export interface SpawnRequest {
  initPath: string;
  sockFd: number;
  preserveFds: number;
  cloneFlags: number;
  cgroupFd: number;
  waitForUsernsMap: boolean;
}

export interface Helper {
  /** Returns pid and pidfd, or throws with the errno. */
  spawn(req: SpawnRequest): { pid: number; pidfd: number };
  socketpair(): [number, number];
  /** Resolves with the exit code, or 128 + signal. */
  waitPidfd(pidfd: number): Promise<number>;
  /** The same, blocking: for a child that is exiting anyway (reaping it). */
  waitPidfdSync(pidfd: number): number;
  pidfdSignal(pidfd: number, sig: number): void;
  pidfdOpen(pid: number): number;
  flock(fd: number, op: number): void;
  openDirPath(p: string): number;
  mkfifo(p: string, mode: number): void;
  setSubreaper(on: boolean): void;
  /** A copy of fd `targetFd` of the process behind pidfd. */
  pidfdGetfd(pidfd: number, targetFd: number): number;
  /** Connects to the unix socket at path and sends data with fd attached (SCM_RIGHTS). */
  sendFd(path: string, data: Buffer, fd: number): void;
  /** The window size of a pty. */
  setWinsize(fd: number, rows: number, cols: number): void;
  /** Whether the kernel accepts SECCOMP_FILTER_FLAG bit `flag`. */
  seccompFlagSupported(flag: number): boolean;
  /** Loads insns as the cgroup's device program (replacing the old ones); errno 0 on success, else the failed step (spawn.h). */
  deviceFilter(cgroupDir: string, insns: Buffer): { errno: number; step: number; log: string };
  /** How many device programs are attached to the cgroup (0 when it does not exist). */
  deviceFilterCount(cgroupDir: string): number;
  /** poll(2) off the event loop: revents per fd (all 0 on timeout). */
  poll(fds: { fd: number; events: number }[], timeoutMs: number): Promise<number[]>;
  /** The wait status of an exited process that is not our child; undefined while unknown (spawn.h). */
  pidfdExitStatus(pidfd: number): number | undefined;
}

export const LOCK_EX = 2;
export const LOCK_NB = 4;
export const POLLIN = 0x1;
export const POLLPRI = 0x2;
export const POLLERR = 0x8;
export const POLLHUP = 0x10;
export const POLLNVAL = 0x20;

/** A failed helper call, shaped like Node's system errors (code = errno name). */
export class SysError extends Error {
  constructor(readonly syscall: string, readonly errno: number, readonly code: string) {
    super(`${syscall}: ${code}`);
  }
}

function check(syscall: string, r: number): number {
  if (r >= 0) return r;
  const name = errnoName(-r);
  throw new SysError(syscall, -r, name);
}

export function errnoName(errno: number): string {
  for (const [name, n] of Object.entries(os.constants.errno as Record<string, number>)) {
    if (n === errno) return name;
  }
  return `errno ${errno}`;
}

let loaded: Helper | undefined;

export function helper(): Helper {
  if (loaded) return loaded;
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const koffi = require('koffi') as typeof import('koffi');
  const lib = koffi.load(path.join(nativeDir(), 'libtsrunc-spawn.so'));
  koffi.struct('tsrunc_spawn_req', {
    init_path: 'const char *',
    sock_fd: 'int32_t',
    preserve_fds: 'int32_t',
    clone_flags: 'uint64_t',
    cgroup_fd: 'int32_t',
    wait_for_userns_map: 'int32_t',
  });
  const spawn = lib.func('int32_t tsrunc_spawn(const tsrunc_spawn_req *req, int32_t *pidfd_out)');
  const socketpair = lib.func('int32_t tsrunc_socketpair(int32_t *fds)');
  const waitPidfd = lib.func('int32_t tsrunc_wait_pidfd(int32_t pidfd)');
  const pidfdSignal = lib.func('int32_t tsrunc_pidfd_signal(int32_t pidfd, int32_t sig)');
  const pidfdOpen = lib.func('int32_t tsrunc_pidfd_open(int32_t pid)');
  const flock = lib.func('int32_t tsrunc_flock(int32_t fd, int32_t op)');
  const openDirPath = lib.func('int32_t tsrunc_open_dir_path(const char *path)');
  const mkfifo = lib.func('int32_t tsrunc_mkfifo(const char *path, uint32_t mode)');
  const setSubreaper = lib.func('int32_t tsrunc_set_subreaper(int32_t on)');
  const pidfdGetfd = lib.func('int32_t tsrunc_pidfd_getfd(int32_t pidfd, int32_t targetfd)');
  const sendFd = lib.func('int32_t tsrunc_send_fd(const char *path, const void *data, uint32_t len, int32_t fd)');
  const setWinsize = lib.func('int32_t tsrunc_set_winsize(int32_t fd, uint16_t rows, uint16_t cols)');
  const seccompFlagSupported = lib.func('int32_t tsrunc_seccomp_flag_supported(uint32_t flag)');
  const deviceFilter = lib.func('int32_t tsrunc_device_filter(const char *path, const void *insns, uint32_t cnt, uint8_t *log, uint32_t logSize, int32_t *step)');
  const deviceFilterCount = lib.func('int32_t tsrunc_device_filter_count(const char *path)');
  const poll = lib.func('int32_t tsrunc_poll(const int32_t *fds, const int16_t *events, int16_t *revents, int32_t n, int32_t timeout_ms)');
  const pidfdExitStatus = lib.func('int32_t tsrunc_pidfd_exit_status(int32_t pidfd, int32_t *status)');
  loaded = {
    spawn(req) {
      const out = new Int32Array(1);
      const pid = check('spawn', spawn({
        init_path: req.initPath,
        sock_fd: req.sockFd,
        preserve_fds: req.preserveFds,
        clone_flags: BigInt(req.cloneFlags),
        cgroup_fd: req.cgroupFd,
        wait_for_userns_map: req.waitForUsernsMap ? 1 : 0,
      }, out));
      return { pid, pidfd: out[0]! };
    },
    socketpair() {
      const fds = new Int32Array(2);
      check('socketpair', socketpair(fds));
      return [fds[0]!, fds[1]!];
    },
    waitPidfdSync(pidfd) { return check('waitid', waitPidfd(pidfd)); },
    waitPidfd(pidfd) {
      return new Promise((resolve, reject) => {
        waitPidfd.async(pidfd, (err: unknown, r: number) => {
          if (err) reject(err);
          else if (r < 0) reject(new SysError('waitid', -r, errnoName(-r)));
          else resolve(r);
        });
      });
    },
    pidfdSignal(pidfd, sig) { check('pidfd_send_signal', pidfdSignal(pidfd, sig)); },
    pidfdOpen(pid) { return check('pidfd_open', pidfdOpen(pid)); },
    flock(fd, op) { check('flock', flock(fd, op)); },
    openDirPath(p) { return check(`open ${p}`, openDirPath(p)); },
    mkfifo(p, mode) { check(`mkfifo ${p}`, mkfifo(p, mode)); },
    setSubreaper(on) { check('prctl(PR_SET_CHILD_SUBREAPER)', setSubreaper(on ? 1 : 0)); },
    pidfdGetfd(pidfd, targetFd) { return check('pidfd_getfd', pidfdGetfd(pidfd, targetFd)); },
    sendFd(p, data, fd) { check(`send to ${p}`, sendFd(p, data, data.length, fd)); },
    setWinsize(fd, rows, cols) { check('ioctl(TIOCSWINSZ)', setWinsize(fd, rows, cols)); },
    seccompFlagSupported(flag) { return check('seccomp', seccompFlagSupported(flag)) === 1; },
    deviceFilter(cgroupDir, insns) {
      const log = Buffer.alloc(16384);
      const step = new Int32Array(1);
      const r = deviceFilter(cgroupDir, insns, insns.length / 8, log, log.length, step);
      const text = log.subarray(0, Math.max(0, log.indexOf(0))).toString('utf8');
      return { errno: r < 0 ? -r : 0, step: step[0]!, log: text };
    },
    deviceFilterCount(cgroupDir) {
      const r = deviceFilterCount(cgroupDir);
      return r === -2 /* ENOENT */ ? 0 : check(`query device programs of ${cgroupDir}`, r);
    },
    poll(fds, timeoutMs) {
      const fdArr = Int32Array.from(fds.map((f) => f.fd));
      const evArr = Int16Array.from(fds.map((f) => f.events));
      const rev = new Int16Array(Math.max(1, fds.length));
      return new Promise((resolve, reject) => {
        poll.async(fdArr, evArr, rev, fds.length, timeoutMs, (err: unknown, r: number) => {
          if (err) reject(err);
          else if (r < 0) reject(new SysError('poll', -r, errnoName(-r)));
          else resolve(Array.from(rev.subarray(0, fds.length)));
        });
      });
    },
    pidfdExitStatus(pidfd) {
      const out = new Int32Array(1);
      const r = pidfdExitStatus(pidfd, out);
      if (r === 1) return out[0]!;
      if (r === 0) return undefined;
      throw new SysError('ioctl(PIDFD_GET_INFO)', -r, errnoName(-r));
    },
  };
  return loaded;
}
