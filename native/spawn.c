/*
 * libtsrunc-spawn: what Node (through koffi) cannot do itself. See spawn.h.
 *
 * The caller is a multi-threaded process. Between clone3 and execveat the child
 * is a copy of one thread of it, while other threads' locks may be held: it may
 * only make raw syscalls on memory prepared before the clone. No malloc, no
 * stdio, no glibc wrappers that take locks or broadcast to threads (setxid).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/bpf.h>
#include <linux/sched.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <string.h>
#include <sys/file.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/ioctl.h>
#include <sys/sendfile.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <termios.h>
#include <unistd.h>

#include "spawn.h"

#ifndef MFD_EXEC
#define MFD_EXEC 0x0010U
#endif
#ifndef F_SEAL_EXEC
#define F_SEAL_EXEC 0x0020
#endif
#ifndef CLOSE_RANGE_CLOEXEC
#define CLOSE_RANGE_CLOEXEC (1U << 2)
#endif
#ifndef P_PIDFD
#define P_PIDFD 3
#endif

#define EXPORT __attribute__((visibility("default")))

/* Namespace flags only: CLONE_VM, CLONE_FILES & co. would break the fork-like child. */
#define NS_FLAGS                                                                                           \
	((uint64_t)(CLONE_NEWNS | CLONE_NEWCGROUP | CLONE_NEWUTS | CLONE_NEWIPC | CLONE_NEWUSER | CLONE_NEWPID | \
		    CLONE_NEWNET | CLONE_NEWTIME))

/* Everything the child needs, laid out before clone3. */
struct child_plan {
	int memfd;
	int sock;
	int target; /* 3 + preserve_fds: where the socket goes */
	int wait_userns;
	char *argv[4];
	char *envp[1];
	char sock_str[16];
	char ppid_str[16];
};

/* The kernel's struct sigaction (not libc's): handler, flags, restorer, mask. */
struct ksigaction {
	void (*handler)(int);
	unsigned long flags;
	void (*restorer)(void);
	uint64_t mask;
};

static void fmt_int(char *buf, long v)
{
	char tmp[24];
	int n = 0;
	unsigned long u = v < 0 ? -(unsigned long)v : (unsigned long)v;
	do
		tmp[n++] = (char)('0' + u % 10);
	while ((u /= 10) != 0);
	if (v < 0)
		*buf++ = '-';
	while (n)
		*buf++ = tmp[--n];
	*buf = 0;
}

static __attribute__((noreturn)) void child_die(void)
{
	syscall(SYS_exit_group, 127);
	__builtin_unreachable();
}

/* Runs in the child: raw syscalls only, on the prepared plan. */
static __attribute__((noreturn, noinline)) void child(const struct child_plan *p)
{
	if (p->wait_userns) {
		/* Until tsrunc has written uid_map/gid_map we are nobody; one byte says done. */
		char b;
		long r;
		do
			r = syscall(SYS_read, p->sock, &b, 1);
		while (r < 0 && errno == EINTR);
		if (r != 1)
			child_die();
		/* Raw syscalls: glibc's setres[ug]id would signal the parent's other threads. */
		if (syscall(SYS_setresgid, 0, 0, 0) < 0 || syscall(SYS_setresuid, 0, 0, 0) < 0)
			child_die();
	}

	/* Move both fds we still need above the target range first, so that placing
	 * the socket at `target` can clobber neither of them, whatever their numbers. */
	long sock = syscall(SYS_fcntl, p->sock, F_DUPFD_CLOEXEC, p->target + 1);
	long mem = syscall(SYS_fcntl, p->memfd, F_DUPFD_CLOEXEC, p->target + 1);
	if (sock < 0 || mem < 0)
		child_die();
	if (syscall(SYS_dup3, sock, p->target, 0) < 0)
		child_die();

	/* Node marks 0-2 close-on-exec; preserved fds may be too. A missing one is fine. */
	for (int fd = 0; fd < p->target; fd++)
		if (syscall(SYS_fcntl, fd, F_SETFD, 0) < 0 && errno != EBADF)
			child_die();
	/* Everything else (Node's epoll, pipes, the memfd copy) is gone at exec.
	 * CLOEXEC rather than close keeps `mem` usable for execveat itself. */
	if (syscall(SYS_close_range, p->target + 1, ~0U, CLOSE_RANGE_CLOEXEC) < 0)
		child_die();

	/* Dispositions first, then the mask: a pending signal then meets SIG_DFL,
	 * never one of Node's handlers. 32/33 (glibc internal), SIGKILL and SIGSTOP
	 * answer EINVAL, which is fine. */
	struct ksigaction dfl = { .handler = SIG_DFL };
	for (int sig = 1; sig <= 64; sig++)
		syscall(SYS_rt_sigaction, sig, &dfl, NULL, sizeof(uint64_t));
	uint64_t empty = 0;
	if (syscall(SYS_rt_sigprocmask, SIG_SETMASK, &empty, NULL, sizeof(empty)) < 0)
		child_die();

	syscall(SYS_execveat, mem, "", p->argv, p->envp, AT_EMPTY_PATH);
	child_die();
}

/* A sealed, in-memory copy of the init: /proc/<pid>/exe can never reach a
 * writable host file (CVE-2019-5736). Per call, nothing cached. */
static int sealed_copy(const char *path)
{
	int err;
	int mfd = memfd_create("tsrunc-init", MFD_CLOEXEC | MFD_ALLOW_SEALING | MFD_EXEC);
	if (mfd < 0 && errno == EINVAL) /* kernels before 6.3 know no MFD_EXEC */
		mfd = memfd_create("tsrunc-init", MFD_CLOEXEC | MFD_ALLOW_SEALING);
	if (mfd < 0)
		return -errno;

	int src = open(path, O_RDONLY | O_CLOEXEC);
	if (src < 0) {
		err = -errno;
		goto out_mfd;
	}
	struct stat st;
	if (fstat(src, &st) < 0) {
		err = -errno;
		goto out_src;
	}
	if (!S_ISREG(st.st_mode)) {
		err = -EACCES;
		goto out_src;
	}
	off_t off = 0;
	while (off < st.st_size) {
		ssize_t n = sendfile(mfd, src, &off, (size_t)(st.st_size - off));
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			err = -errno;
			goto out_src;
		}
		if (n == 0) { /* the file shrank under us */
			err = -EIO;
			goto out_src;
		}
	}
	int seals = F_SEAL_SEAL | F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE;
	if (fcntl(mfd, F_ADD_SEALS, seals | F_SEAL_EXEC) < 0) {
		if (errno != EINVAL || fcntl(mfd, F_ADD_SEALS, seals) < 0) {
			err = -errno;
			goto out_src;
		}
	}
	close(src);
	return mfd;
out_src:
	close(src);
out_mfd:
	close(mfd);
	return err;
}

EXPORT int32_t tsrunc_spawn(const struct tsrunc_spawn_req *req, int32_t *pidfd_out)
{
	if (req == NULL || pidfd_out == NULL || req->init_path == NULL || req->sock_fd < 0 ||
	    req->preserve_fds < 0 || req->preserve_fds > (1 << 20) || (req->clone_flags & ~NS_FLAGS) != 0)
		return -EINVAL;

	int mfd = sealed_copy(req->init_path);
	if (mfd < 0)
		return mfd;

	struct child_plan p = {
		.memfd = mfd,
		.sock = req->sock_fd,
		.target = 3 + req->preserve_fds,
		.wait_userns = req->wait_for_userns_map != 0,
	};
	fmt_int(p.sock_str, p.target);
	fmt_int(p.ppid_str, getpid());
	p.argv[0] = "tsrunc-init";
	p.argv[1] = p.sock_str;
	p.argv[2] = p.ppid_str;
	p.argv[3] = NULL;
	p.envp[0] = NULL;

	int pidfd = -1;
	struct clone_args args;
	memset(&args, 0, sizeof(args));
	args.flags = CLONE_PIDFD | req->clone_flags;
	args.pidfd = (uint64_t)(uintptr_t)&pidfd;
	args.exit_signal = SIGCHLD;
	if (req->cgroup_fd >= 0) {
		args.flags |= CLONE_INTO_CGROUP;
		args.cgroup = (uint64_t)req->cgroup_fd;
	}

	/* Block every signal across clone3 so the child can never run one of Node's
	 * handlers before it has reset them; the parent restores its mask at once. */
	sigset_t all, old;
	sigfillset(&all);
	int rc = pthread_sigmask(SIG_SETMASK, &all, &old);
	if (rc != 0) {
		close(mfd);
		return -rc;
	}
	long pid = syscall(SYS_clone3, &args, sizeof(args));
	if (pid == 0)
		child(&p);
	int err = errno;
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	close(mfd);
	if (pid < 0)
		return -err;
	*pidfd_out = pidfd;
	return (int32_t)pid;
}

EXPORT int32_t tsrunc_socketpair(int32_t fds[2])
{
	int sv[2];
	if (fds == NULL)
		return -EINVAL;
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) < 0)
		return -errno;
	fds[0] = sv[0];
	fds[1] = sv[1];
	return 0;
}

EXPORT int32_t tsrunc_wait_pidfd(int32_t pidfd)
{
	siginfo_t si;
	for (;;) {
		memset(&si, 0, sizeof(si));
		if (waitid((idtype_t)P_PIDFD, (id_t)pidfd, &si, WEXITED) == 0)
			break;
		if (errno != EINTR)
			return -errno;
	}
	if (si.si_code == CLD_EXITED)
		return si.si_status;
	return 128 + si.si_status; /* CLD_KILLED, CLD_DUMPED */
}

EXPORT int32_t tsrunc_pidfd_signal(int32_t pidfd, int32_t sig)
{
	if (syscall(SYS_pidfd_send_signal, pidfd, sig, NULL, 0) < 0)
		return -errno;
	return 0;
}

EXPORT int32_t tsrunc_pidfd_open(int32_t pid)
{
	long fd = syscall(SYS_pidfd_open, pid, 0);
	if (fd < 0)
		return -errno;
	return (int32_t)fd;
}

EXPORT int32_t tsrunc_flock(int32_t fd, int32_t op)
{
	while (flock(fd, op) < 0) {
		if (errno != EINTR)
			return -errno;
	}
	return 0;
}

EXPORT int32_t tsrunc_open_dir_path(const char *path)
{
	if (path == NULL)
		return -EINVAL;
	int fd = open(path, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	return fd;
}

EXPORT int32_t tsrunc_mkfifo(const char *path, uint32_t mode)
{
	if (path == NULL)
		return -EINVAL;
	if (mkfifo(path, (mode_t)mode) < 0)
		return -errno;
	/* The process umask applies to mkfifo; changing the umask would race with
	 * Node's other threads, so set the exact mode afterwards instead. */
	if (chmod(path, (mode_t)mode) < 0) {
		int err = -errno;
		unlink(path);
		return err;
	}
	return 0;
}

EXPORT int32_t tsrunc_set_subreaper(int32_t on)
{
	if (prctl(PR_SET_CHILD_SUBREAPER, on ? 1UL : 0UL, 0UL, 0UL, 0UL) < 0)
		return -errno;
	return 0;
}

EXPORT int32_t tsrunc_pidfd_getfd(int32_t pidfd, int32_t targetfd)
{
	long fd = syscall(SYS_pidfd_getfd, pidfd, targetfd, 0);
	if (fd < 0)
		return -errno;
	return (int32_t)fd;
}

EXPORT int32_t tsrunc_send_fd(const char *path, const void *data, uint32_t len, int32_t fd)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	if (path == NULL || data == NULL || len == 0 || fd < 0)
		return -EINVAL;
	if (strlen(path) >= sizeof(sa.sun_path))
		return -ENAMETOOLONG;
	strcpy(sa.sun_path, path);
	int s = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (s < 0)
		return -errno;
	int rc = 0;
	while (connect(s, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		if (errno != EINTR) {
			rc = -errno;
			goto out;
		}
	}
	union {
		char buf[CMSG_SPACE(sizeof(int))];
		struct cmsghdr align;
	} u;
	memset(&u, 0, sizeof(u));
	struct iovec iov = { (void *)data, len };
	struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = u.buf, .msg_controllen = sizeof(u.buf) };
	struct cmsghdr *cm = CMSG_FIRSTHDR(&mh);
	cm->cmsg_level = SOL_SOCKET;
	cm->cmsg_type = SCM_RIGHTS;
	cm->cmsg_len = CMSG_LEN(sizeof(int));
	memcpy(CMSG_DATA(cm), &fd, sizeof(int));
	ssize_t n;
	do
		n = sendmsg(s, &mh, MSG_NOSIGNAL);
	while (n < 0 && errno == EINTR);
	if (n < 0)
		rc = -errno;
	else if ((uint32_t)n != len)
		rc = -EMSGSIZE; /* one message, as runc sends it: a short write would split it */
out:
	close(s);
	return rc;
}

EXPORT int32_t tsrunc_seccomp_flag_supported(uint32_t flag)
{
	/* No program: a known flag fails on the NULL pointer (EFAULT), an unknown or
	 * unusable one with EINVAL, so nothing is ever installed. */
	long rc = syscall(SYS_seccomp, 1 /* SECCOMP_SET_MODE_FILTER */, (unsigned long)flag, NULL);
	if (rc >= 0)
		return -EIO; /* cannot happen: no filter was given */
	return errno == EFAULT ? 1 : 0;
}

/* ---- cgroup device filter (bpf(2) without libbpf) ---- */

static long sys_bpf(int cmd, union bpf_attr *attr)
{
	return syscall(SYS_bpf, cmd, attr, sizeof(*attr));
}

static int prog_load_device(const void *insns, uint32_t insn_cnt, char *log, uint32_t log_size)
{
	union bpf_attr a;
	memset(&a, 0, sizeof(a));
	a.prog_type = BPF_PROG_TYPE_CGROUP_DEVICE;
	a.expected_attach_type = BPF_CGROUP_DEVICE;
	a.insns = (uint64_t)(uintptr_t)insns;
	a.insn_cnt = insn_cnt;
	a.license = (uint64_t)(uintptr_t) "Apache";
	if (log != NULL && log_size > 0) {
		log[0] = '\0';
		a.log_buf = (uint64_t)(uintptr_t)log;
		a.log_size = log_size;
		a.log_level = 1;
	}
	return (int)sys_bpf(BPF_PROG_LOAD, &a);
}

static int query_device_progs(int cg, uint32_t *ids, uint32_t *cnt)
{
	union bpf_attr q;
	memset(&q, 0, sizeof(q));
	q.query.target_fd = (uint32_t)cg;
	q.query.attach_type = BPF_CGROUP_DEVICE;
	q.query.prog_ids = (uint64_t)(uintptr_t)ids;
	q.query.prog_cnt = *cnt;
	if (sys_bpf(BPF_PROG_QUERY, &q) < 0)
		return -errno;
	*cnt = q.query.prog_cnt;
	return 0;
}

#define MAX_OLD_PROGS 64

EXPORT int32_t tsrunc_device_filter(const char *cgroup_path, const void *insns, uint32_t insn_cnt, char *log,
				    uint32_t log_size, int32_t *step_out)
{
	int32_t dummy;
	int32_t *step = step_out != NULL ? step_out : &dummy;
	int err = 0, prog = -1;
	uint32_t ids[MAX_OLD_PROGS], n_old = MAX_OLD_PROGS;
	if (cgroup_path == NULL || insns == NULL)
		return -EINVAL;
	*step = 1;
	int cg = open(cgroup_path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (cg < 0)
		return -errno;
	*step = 2;
	err = query_device_progs(cg, ids, &n_old);
	if (err < 0)
		goto out;
	*step = 3;
	/* Without a log first: a log that overflows fails an otherwise good load. */
	prog = prog_load_device(insns, insn_cnt, NULL, 0);
	if (prog < 0) {
		err = -errno;
		int again = prog_load_device(insns, insn_cnt, log, log_size);
		if (again >= 0)
			close(again);
		goto out;
	}
	*step = 4;
	union bpf_attr a;
	memset(&a, 0, sizeof(a));
	a.target_fd = (uint32_t)cg;
	a.attach_bpf_fd = (uint32_t)prog;
	a.attach_type = BPF_CGROUP_DEVICE;
	a.attach_flags = BPF_F_ALLOW_MULTI;
	if (sys_bpf(BPF_PROG_ATTACH, &a) < 0) {
		err = -errno;
		goto out;
	}
	/* The new filter is in place: only now take the old ones away. */
	*step = 5;
	for (uint32_t i = 0; i < n_old; i++) {
		union bpf_attr g;
		memset(&g, 0, sizeof(g));
		g.prog_id = ids[i];
		int old = (int)sys_bpf(BPF_PROG_GET_FD_BY_ID, &g);
		if (old < 0) {
			if (errno == ENOENT)
				continue;
			err = -errno;
			goto out;
		}
		union bpf_attr d;
		memset(&d, 0, sizeof(d));
		d.target_fd = (uint32_t)cg;
		d.attach_bpf_fd = (uint32_t)old;
		d.attach_type = BPF_CGROUP_DEVICE;
		long r = sys_bpf(BPF_PROG_DETACH, &d);
		int derr = errno;
		close(old);
		if (r < 0 && derr != ENOENT) {
			err = -derr;
			goto out;
		}
	}
	*step = 0;
out:
	if (prog >= 0)
		close(prog);
	close(cg);
	return err;
}

EXPORT int32_t tsrunc_device_filter_count(const char *cgroup_path)
{
	uint32_t ids[MAX_OLD_PROGS], n = MAX_OLD_PROGS;
	if (cgroup_path == NULL)
		return -EINVAL;
	int cg = open(cgroup_path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (cg < 0)
		return -errno;
	int err = query_device_progs(cg, ids, &n);
	close(cg);
	return err < 0 ? err : (int32_t)n;
}

EXPORT int32_t tsrunc_set_winsize(int32_t fd, uint16_t rows, uint16_t cols)
{
	struct winsize ws = { .ws_row = rows, .ws_col = cols };
	if (ioctl(fd, TIOCSWINSZ, &ws) < 0)
		return -errno;
	return 0;
}

/* poll(2) for a caller that cannot block its event loop (koffi .async runs this on a
 * worker thread). EINTR counts as "nothing ready" rather than an error. */
EXPORT int32_t tsrunc_poll(const int32_t *fds, const int16_t *events, int16_t *revents, int32_t n,
			   int32_t timeout_ms)
{
	struct pollfd p[16];
	if (n < 0 || n > 16)
		return -EINVAL;
	for (int32_t i = 0; i < n; i++) {
		p[i].fd = fds[i];
		p[i].events = events[i];
		p[i].revents = 0;
	}
	int r = poll(p, (nfds_t)n, timeout_ms);
	if (r < 0)
		return errno == EINTR ? 0 : -errno;
	for (int32_t i = 0; i < n; i++)
		revents[i] = p[i].revents;
	return r;
}

/* struct pidfd_info of linux/pidfd.h (6.13+, exit_code since 6.15): the headers of this
 * distribution are older, so the layout is spelled out (VER0, 64 bytes). */
struct tsrunc_pidfd_info {
	uint64_t mask;
	uint64_t cgroupid;
	uint32_t pid, tgid, ppid, ruid, rgid, euid, egid, suid, sgid, fsuid, fsgid;
	int32_t exit_code;
};
#define TSRUNC_PIDFD_INFO_EXIT (1ULL << 3)
#define TSRUNC_PIDFD_GET_INFO _IOWR(0xFF, 11, struct tsrunc_pidfd_info)

EXPORT int32_t tsrunc_pidfd_exit_status(int32_t pidfd, int32_t *status_out)
{
	struct tsrunc_pidfd_info info;
	memset(&info, 0, sizeof(info));
	info.mask = TSRUNC_PIDFD_INFO_EXIT;
	if (ioctl(pidfd, TSRUNC_PIDFD_GET_INFO, &info) < 0)
		return -errno;
	if (!(info.mask & TSRUNC_PIDFD_INFO_EXIT))
		return 0;
	*status_out = info.exit_code;
	return 1;
}
