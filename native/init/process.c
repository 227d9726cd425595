/*
 * The process side of the plan: namespaces, identity, capabilities, limits,
 * the rendezvous with tsrunc and the final exec.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/capability.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "init.h"

#define NS_FLAGS                                                                                     \
	(CLONE_NEWNS | CLONE_NEWCGROUP | CLONE_NEWUTS | CLONE_NEWIPC | CLONE_NEWUSER | CLONE_NEWPID | \
	 CLONE_NEWNET | CLONE_NEWTIME)

int op_setns(struct init *c, const struct op_setns_args *a)
{
	uint64_t type = a->nstype;
	const char *path = a->path;
	if (type & ~(uint64_t)NS_FLAGS)
		return fail(c, EINVAL, "setns %s: bad namespace type %#llx", path, (unsigned long long)type);
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return fail(c, errno, "open %s", path);
	int rc = setns(fd, (int)type);
	int err = errno;
	close(fd);
	if (rc < 0)
		return fail(c, err, "setns %s", path);
	if (type & CLONE_NEWNS)
		return devnull_prepare(c, 0);
	return 0;
}

int op_unshare(struct init *c, const struct op_unshare_args *a)
{
	uint64_t flags = a->flags;
	if (flags & ~(uint64_t)NS_FLAGS)
		return fail(c, EINVAL, "unshare: bad flags %#llx", (unsigned long long)flags);
	if (unshare((int)flags) < 0)
		return fail(c, errno, "unshare %#llx", (unsigned long long)flags);
	if (flags & CLONE_NEWNS)
		return devnull_prepare(c, 0);
	return 0;
}

int op_fork(struct init *c)
{
	int gate[2];
	char b = 'g';
	if (c->sock < 0)
		return fail(c, EBADF, "fork after OP_DETACH: no socket to report the pid on");
	/* The child waits at this gate until MSG_PID is on the socket: tsrunc must learn
	 * the new pid before any message of the child's (READY, console, error) reaches it. */
	if (pipe2(gate, O_CLOEXEC) < 0)
		return fail(c, errno, "pipe for fork");
	pid_t pid = fork();
	if (pid < 0) {
		int err = errno;
		close(gate[0]);
		close(gate[1]);
		return fail(c, err, "fork");
	}
	if (pid == 0) {
		close(gate[1]);
		ssize_t n;
		do
			n = read(gate[0], &b, 1);
		while (n < 0 && errno == EINTR);
		close(gate[0]);
		if (n != 1)
			_exit(1); /* the parent could not report us: nobody would know this process */
		return 0; /* the child carries on with the plan */
	}
	close(gate[0]);
	union wire_msg_args m = { .pid = { .pid = (uint64_t)pid } };
	if (send_message(c->sock, MSG_PID, &m, 0) < 0) {
		kill(pid, SIGKILL);
		_exit(1);
	}
	if (write(gate[1], &b, 1) != 1) {
		kill(pid, SIGKILL);
		_exit(1);
	}
	_exit(0);
}

int op_sync(struct init *c, const struct op_sync_args *a)
{
	char b;
	union wire_msg_args m = { .sync = { .tag = a->tag } };
	if (c->sock < 0)
		return fail(c, EBADF, "sync after OP_DETACH");
	/* tsrunc gone or giving up: it reports the error itself, we just leave. */
	if (send_message(c->sock, MSG_SYNC, &m, 0) < 0)
		_exit(1);
	if (read_full(c->sock, &b, 1) != 1 || b != 'g')
		_exit(1);
	return 0;
}

int op_sethostname(struct init *c, const struct op_sethostname_args *a)
{
	if (sethostname(a->name, a->name_len) < 0)
		return fail(c, errno, "sethostname %s", a->name);
	return 0;
}

int op_setdomainname(struct init *c, const struct op_setdomainname_args *a)
{
	if (setdomainname(a->name, a->name_len) < 0)
		return fail(c, errno, "setdomainname %s", a->name);
	return 0;
}

int op_rlimit(struct init *c, const struct op_rlimit_args *a)
{
	struct {
		uint64_t cur, max;
	} lim = { a->soft, a->hard };
	if (syscall(SYS_prlimit64, 0, (int)a->resource, &lim, NULL) < 0)
		return fail(c, errno, "setrlimit %llu", (unsigned long long)a->resource);
	return 0;
}

int op_chdir(struct init *c, const struct op_chdir_args *a)
{
	const char *path = a->path;
	char cwd[PATH_MAX];
	if (chdir(path) < 0)
		return fail(c, errno, "chdir %s", path);
	/* A cwd outside the root (an inherited fd, CVE-2024-21626) reads back without
	 * a leading '/' ("(unreachable)/..."). The raw syscall shows it as is. */
	long n = syscall(SYS_getcwd, cwd, sizeof(cwd));
	if (n < 0)
		return fail(c, errno, "getcwd after chdir %s", path);
	if (cwd[0] != '/')
		return fail(c, ENOENT, "cwd %s is outside the container root", path);
	return 0;
}

int op_identity(struct init *c, const struct op_identity_args *a)
{
	uint64_t uid = a->uid, gid = a->gid;
	const struct wire_list *groups = &a->groups;
	if (uid > 0xfffffffeu || gid > 0xfffffffeu || groups->count > 65536)
		return fail(c, EINVAL, "bad uid, gid or group count");
	gid_t *g = malloc(((size_t)groups->count + 1) * sizeof(gid_t));
	if (g == NULL)
		return fail(c, ENOMEM, "groups");
	for (uint32_t i = 0; i < groups->count; i++) {
		uint64_t v = wire_u64v_at(groups, i);
		if (v > 0xfffffffeu) {
			free(g);
			return fail(c, EINVAL, "bad additional gid %llu", (unsigned long long)v);
		}
		g[i] = (gid_t)v;
	}
	/* Keep the permitted set across setuid; OP_CAPS sets the final sets. */
	if (prctl(PR_SET_KEEPCAPS, 1UL, 0UL, 0UL, 0UL) < 0) {
		free(g);
		return fail(c, errno, "keep capabilities");
	}
	long rc = syscall(SYS_setgroups, (long)groups->count, g);
	int err = errno;
	free(g);
	/* IDENTITY_SETGROUPS_DENIED_OK: the plan accepts the EPERM of a user namespace whose
	 * setgroups is "deny", where even an empty list is refused. */
	if (rc < 0 && !(err == EPERM && groups->count == 0 && (a->flags & IDENTITY_SETGROUPS_DENIED_OK)))
		return fail(c, err, "setgroups");
	if (syscall(SYS_setresgid, (gid_t)gid, (gid_t)gid, (gid_t)gid) < 0)
		return fail(c, errno, "setgid %llu", (unsigned long long)gid);
	if (syscall(SYS_setresuid, (uid_t)uid, (uid_t)uid, (uid_t)uid) < 0)
		return fail(c, errno, "setuid %llu", (unsigned long long)uid);
	return 0;
}

int op_umask(struct init *c, const struct op_umask_args *a)
{
	(void)c;
	umask((mode_t)(a->mask & 0777));
	return 0;
}

int op_caps_bounding(struct init *c, const struct op_caps_bounding_args *a)
{
	uint64_t keep = a->bounding;
	for (int cap = 0; cap < 64; cap++) {
		int in = prctl(PR_CAPBSET_READ, (unsigned long)cap, 0UL, 0UL, 0UL);
		if (in < 0 && errno == EINVAL)
			break; /* past the kernel's last capability */
		if (in < 0)
			return fail(c, errno, "read bounding capability %d", cap);
		if (in == 1 && !(keep & (1ULL << cap)) && prctl(PR_CAPBSET_DROP, (unsigned long)cap, 0UL, 0UL, 0UL) < 0)
			return fail(c, errno, "drop capability %d from the bounding set", cap);
	}
	return 0;
}

int op_caps(struct init *c, const struct op_caps_args *a)
{
	uint64_t eff = a->effective, perm = a->permitted, inh = a->inheritable, amb = a->ambient;
	struct __user_cap_header_struct hdr = { .version = _LINUX_CAPABILITY_VERSION_3, .pid = 0 };
	struct __user_cap_data_struct data[2] = {
		{ (uint32_t)eff, (uint32_t)perm, (uint32_t)inh },
		{ (uint32_t)(eff >> 32), (uint32_t)(perm >> 32), (uint32_t)(inh >> 32) },
	};
	if (syscall(SYS_capset, &hdr, data) < 0)
		return fail(c, errno, "capset");
	if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0UL, 0UL, 0UL) < 0)
		return fail(c, errno, "clear ambient capabilities");
	for (int cap = 0; cap < 64; cap++)
		if ((amb & (1ULL << cap)) && prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_RAISE, (unsigned long)cap, 0UL, 0UL) < 0)
			return fail(c, errno, "raise ambient capability %d", cap);
	return 0;
}

int op_no_new_privs(struct init *c)
{
	if (prctl(PR_SET_NO_NEW_PRIVS, 1UL, 0UL, 0UL, 0UL) < 0)
		return fail(c, errno, "set no_new_privs");
	return 0;
}

int op_setsid(struct init *c)
{
	if (setsid() < 0)
		return fail(c, errno, "setsid");
	return 0;
}

int op_fifo_open(struct init *c, const struct op_fifo_open_args *a)
{
	const char *path = a->path;
	struct stat st;
	int fd = open(path, O_PATH | O_CLOEXEC);
	if (fd < 0)
		return fail(c, errno, "open %s", path);
	if (fstat(fd, &st) < 0) {
		int err = errno;
		close(fd);
		return fail(c, err, "stat %s", path);
	}
	if (!S_ISFIFO(st.st_mode)) {
		close(fd);
		return fail(c, EINVAL, "%s is not a fifo", path);
	}
	if (c->fifo >= 0)
		close(c->fifo);
	c->fifo = fd;
	return 0;
}

/* execvp's test, as Go's exec.LookPath (whose messages we mirror) but stricter:
 * a regular file with some exec bit. 0, or an errno. */
static int executable(const char *path)
{
	struct stat st;
	if (stat(path, &st) < 0)
		return errno;
	if (!S_ISREG(st.st_mode) || !(st.st_mode & 0111))
		return EACCES;
	return 0;
}

int op_resolve_exec(struct init *c, const struct op_resolve_exec_args *a)
{
	const char *argv0 = a->argv0, *search = a->search_path;
	free(c->exec_path);
	c->exec_path = NULL;

	if (strchr(argv0, '/') != NULL) {
		int e = executable(argv0);
		if (e == ENOENT)
			return fail(c, ENOENT, "stat %s: no such file or directory", argv0);
		if (e != 0)
			return fail(c, e, "exec: \"%s\": %s", argv0, e == EACCES ? "permission denied" : strerror(e));
		c->exec_path = strdup(argv0);
	} else {
		/* PATH order; an empty entry is the cwd; an empty PATH finds nothing. */
		for (const char *p = search; *search && c->exec_path == NULL;) {
			const char *end = strchrnul(p, ':');
			char cand[PATH_MAX];
			int dl = (int)(end - p);
			int n = dl == 0 ? snprintf(cand, sizeof(cand), "./%s", argv0)
					: snprintf(cand, sizeof(cand), "%.*s/%s", dl, p, argv0);
			if (n > 0 && (size_t)n < sizeof(cand) && executable(cand) == 0)
				c->exec_path = strdup(cand);
			if (*end == 0)
				break;
			p = end + 1;
		}
		if (c->exec_path == NULL)
			return fail(c, ENOENT, "exec: \"%s\": executable file not found in $PATH", argv0);
	}
	if (c->exec_path == NULL)
		return fail(c, ENOMEM, "resolve %s", argv0);
	return 0;
}

int op_detach(struct init *c)
{
	/* From here on tsrunc may exit: its death must no longer kill us, and we keep
	 * nothing of its (socket) nor of the host (root fd, /dev/null handle). */
	if (prctl(PR_SET_PDEATHSIG, 0UL, 0UL, 0UL, 0UL) < 0)
		return fail(c, errno, "clear the parent-death signal");
	close(c->sock);
	c->sock = -1;
	if (c->rootfd >= 0)
		close(c->rootfd);
	c->rootfd = -1;
	if (c->devnull >= 0)
		close(c->devnull);
	c->devnull = -1;
	return 0;
}

static void exit_on_signal(int sig)
{
	_exit(128 + sig);
}

/* A created container ends on the signals that end a process by default, as runc's
 * does: as pid 1 of its pid namespace the init would otherwise ignore every signal it
 * has no handler for, and `tsrunc kill ID TERM` would do nothing. execve resets these
 * handlers, so the user process starts with default dispositions. */
static int catch_terminating_signals(struct init *c)
{
	static const int sigs[] = { SIGHUP, SIGINT, SIGQUIT, SIGTERM, SIGUSR1, SIGUSR2, SIGALRM };
	struct sigaction sa;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = exit_on_signal;
	for (size_t i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++)
		if (sigaction(sigs[i], &sa, NULL) < 0)
			return fail(c, errno, "install a handler for signal %d", sigs[i]);
	return 0;
}

int op_wait_fifo(struct init *c)
{
	char p[32];
	struct stat a, b;
	if (c->fifo < 0)
		return fail(c, EBADF, "wait on the exec fifo before OP_FIFO_OPEN");
	/* Reopening an O_PATH fd for writing needs /proc/self/fd: check that /proc
	 * is a real procfs first, and that we got our fifo after. */
	if (proc_verify_mounted(c) < 0 || catch_terminating_signals(c) < 0)
		return -1;
	fd_path(c->fifo, p);
	int fd;
	do
		fd = open(p, O_WRONLY | O_CLOEXEC); /* blocks until `tsrunc start` reads */
	while (fd < 0 && errno == EINTR);
	if (fd < 0)
		return fail(c, errno, "open the exec fifo");
	if (fstat(fd, &a) < 0 || fstat(c->fifo, &b) < 0 || a.st_dev != b.st_dev || a.st_ino != b.st_ino) {
		close(fd);
		return fail(c, EXDEV, "/proc/self/fd/%d is not the exec fifo", c->fifo);
	}
	ssize_t n;
	do
		n = write(fd, "0", 1);
	while (n < 0 && errno == EINTR);
	int err = errno;
	if (n != 1) {
		close(fd);
		return fail(c, n < 0 ? err : EIO, "write to the exec fifo");
	}
	/* Keep the write end (O_CLOEXEC) until exec: `start` reads until EOF, so it returns
	 * once the user process runs, after the startContainer hooks, as runc's does; a
	 * failing hook writes its error here first (hooks.c). */
	close(c->fifo);
	c->fifo = fd;
	return 0;
}

/* The kernel's struct sigaction: handler, flags, restorer, mask. */
struct ksigaction {
	void (*handler)(int);
	unsigned long flags;
	void (*restorer)(void);
	uint64_t mask;
};

void reset_signals(void)
{
	struct ksigaction dfl = { .handler = SIG_DFL };
	uint64_t empty = 0;
	/* SIGKILL, SIGSTOP and libc-reserved numbers say EINVAL: nothing to reset. */
	for (int sig = 1; sig <= 64; sig++)
		syscall(SYS_rt_sigaction, sig, &dfl, NULL, sizeof(uint64_t));
	syscall(SYS_rt_sigprocmask, SIG_SETMASK, &empty, NULL, sizeof(empty));
}

int op_exec(struct init *c, const struct op_exec_args *a)
{
	const struct wire_list *av = &a->argv, *ev = &a->envp;
	if (c->exec_path == NULL)
		return fail(c, EINVAL, "exec before OP_RESOLVE_EXEC");
	char **argv = malloc(((size_t)av->count + 1) * sizeof(char *));
	char **envp = malloc(((size_t)ev->count + 1) * sizeof(char *));
	if (argv == NULL || envp == NULL)
		return fail(c, ENOMEM, "exec %s", c->exec_path);
	wire_strv_fill(av, argv);
	wire_strv_fill(ev, envp);
	reset_signals();
	/* Last: from here on the filter sees only execve (and the error path below). */
	seccomp_load_staged(c);
	execve(c->exec_path, argv, envp);
	int err = errno;
	/* Still attached: tell tsrunc too, it is waiting for exactly this. */
	if (c->sock >= 0) {
		fail(c, err, "exec %s", c->exec_path);
		report_error(c, c->step, OP_EXEC);
	}
	say("tsrunc-init: exec ", c->exec_path, ": ");
	say(strerror(err), "\n", "");
	_exit(127);
}

int op_close_devnull(struct init *c)
{
	if (c->devnull >= 0)
		close(c->devnull);
	c->devnull = -1;
	return 0;
}
