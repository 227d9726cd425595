/*
 * libtsrunc-spawn: the few syscalls the Node process needs and Node lacks.
 * Loaded by koffi from src/native/helper.ts (the only TypeScript file that
 * declares these functions). Every function returns >= 0 on success and
 * -errno on failure; none of them keeps state between calls.
 */
#ifndef TSRUNC_SPAWN_H
#define TSRUNC_SPAWN_H

#include <stdint.h>

struct tsrunc_spawn_req {
	/* Path of the tsrunc-init executable. It is copied into a sealed memfd and
	 * executed from there, so /proc/<pid>/exe of the init can never reach a
	 * writable host file (CVE-2019-5736). */
	const char *init_path;
	/* The child's end of the socketpair. In the child it is moved to fd
	 * 3 + preserve_fds and passed to the init as argv[1]. */
	int32_t sock_fd;
	/* --preserve-fds: fds 3 .. 3+preserve_fds-1 are kept at their numbers. */
	int32_t preserve_fds;
	/* CLONE_NEW* flags for clone3. */
	uint64_t clone_flags;
	/* An O_PATH/O_DIRECTORY fd of a cgroup v2 directory for CLONE_INTO_CGROUP, or -1. */
	int32_t cgroup_fd;
	/* 1 when clone_flags has CLONE_NEWUSER: the child waits for one byte on
	 * sock_fd (sent once uid_map/gid_map are written), then becomes uid/gid 0 of
	 * its namespace before it execs the init (or exec would drop its capabilities). */
	int32_t wait_for_userns_map;
};

/*
 * clone3 a child that, with only async-signal-safe syscalls, clears close-on-exec on
 * fds 0-2 and the preserved fds, moves sock_fd, closes every other fd, resets the
 * signal mask and every disposition, and execs the sealed init as
 *   tsrunc-init <sock fd> <parent pid>
 * with an empty environment. Returns the pid (>0) and stores a pidfd in *pidfd_out.
 */
int32_t tsrunc_spawn(const struct tsrunc_spawn_req *req, int32_t *pidfd_out);

/* socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC): fds[0] for tsrunc, fds[1] for the child. */
int32_t tsrunc_socketpair(int32_t fds[2]);

/* Blocks until the process behind pidfd exits; returns the wait status encoded as
 * (exit code) or (128 + signal). Meant to run on a koffi worker thread. */
int32_t tsrunc_wait_pidfd(int32_t pidfd);

/* pidfd_send_signal(pidfd, sig). */
int32_t tsrunc_pidfd_signal(int32_t pidfd, int32_t sig);

/* pidfd_open(pid, 0). */
int32_t tsrunc_pidfd_open(int32_t pid);

/* flock(fd, op). */
int32_t tsrunc_flock(int32_t fd, int32_t op);

/* open(path, O_PATH|O_DIRECTORY|O_CLOEXEC) — for CLONE_INTO_CGROUP. */
int32_t tsrunc_open_dir_path(const char *path);

/* mkfifo(path, mode). */
int32_t tsrunc_mkfifo(const char *path, uint32_t mode);

/* prctl(PR_SET_CHILD_SUBREAPER, on). */
int32_t tsrunc_set_subreaper(int32_t on);

/* pidfd_getfd(pidfd, targetfd, 0): a copy of another process's fd (the seccomp
 * notify fd of the init). */
int32_t tsrunc_pidfd_getfd(int32_t pidfd, int32_t targetfd);

/* Connects to the unix stream socket at path and sends data in one sendmsg with fd
 * attached (SCM_RIGHTS), as runc hands the seccomp notify fd to its listener. */
int32_t tsrunc_send_fd(const char *path, const void *data, uint32_t len, int32_t fd);

/* 1 when the kernel accepts SECCOMP_FILTER_FLAG_<flag> (probed with no program), 0 if not. */
int32_t tsrunc_seccomp_flag_supported(uint32_t flag);

/*
 * The device cgroup of cgroup v2: loads insns (struct bpf_insn[insn_cnt]) as a
 * BPF_PROG_TYPE_CGROUP_DEVICE program, attaches it to the cgroup directory with
 * BPF_F_ALLOW_MULTI, then detaches the device programs that were there before, so an
 * update never leaves the cgroup without a filter. The cgroup holds the program (no
 * pin). On failure *step_out names the step: 1 open the cgroup, 2 query its programs,
 * 3 load (log gets the verifier's words), 4 attach, 5 detach an old program.
 */
int32_t tsrunc_device_filter(const char *cgroup_path, const void *insns, uint32_t insn_cnt, char *log,
			     uint32_t log_size, int32_t *step_out);

/* How many device programs are attached to the cgroup directory (BPF_PROG_QUERY). */
int32_t tsrunc_device_filter_count(const char *cgroup_path);

/* ioctl(fd, TIOCSWINSZ): the size of a pty (for `run` proxying a terminal). */
int32_t tsrunc_set_winsize(int32_t fd, uint16_t rows, uint16_t cols);

/* poll(2) on n (at most 16) fds with events[i]; revents[i] out. Returns how many are
 * ready (0 on timeout or EINTR) or -errno. Blocking: koffi calls it with .async. */
int32_t tsrunc_poll(const int32_t *fds, const int16_t *events, int16_t *revents, int32_t n, int32_t timeout_ms);

/* The wait status of the exited process behind pidfd, which need not be our child
 * (PIDFD_GET_INFO with PIDFD_INFO_EXIT, Linux 6.15+; only for a pidfd opened before the
 * process was reaped). 1 with *status_out set, 0 while it is not known (still running,
 * not reaped yet), -errno otherwise (ENOTTY/EINVAL: an older kernel). */
int32_t tsrunc_pidfd_exit_status(int32_t pidfd, int32_t *status_out);

#endif
