/*
 * The one hook runner, for all six kinds of OCI hooks (OP_RUN_HOOK): createContainer
 * and startContainer in the init, in the container's namespaces; prestart,
 * createRuntime, poststart and poststop in `tsrunc-init --run-hook`, in the runtime's.
 * tsrunc decides which hooks run, with what, and sends the state JSON; this file runs
 * them, with one timeout and process-group rule, and words every failure (the messages
 * README "Hooks" documents).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "init.h"

/* The end of the hook's output kept for the failure message. */
#define OUTPUT_TAIL 600

/* The state frame (u32 length, the JSON) from fd, kept for the OP_RUN_HOOKs to come. */
int read_hook_state(struct init *c, int fd)
{
	uint8_t head[4];
	int r = read_full(fd, head, sizeof(head));
	if (r == 0)
		_exit(1); /* tsrunc gone: it reports the error itself */
	if (r < 0)
		return fail(c, errno, "read the hook state length");
	uint32_t len = wire_le32(head);
	if (len > HOOK_STATE_MAX)
		return fail(c, E2BIG, "hook state of %u bytes is over the limit", len);
	char *buf = malloc((size_t)len + 1);
	if (buf == NULL)
		return fail(c, ENOMEM, "hook state of %u bytes", len);
	r = len ? read_full(fd, buf, len) : 1;
	if (r == 0)
		_exit(1);
	if (r < 0) {
		int err = errno;
		free(buf);
		return fail(c, err, "read the hook state");
	}
	buf[len] = 0;
	free(c->hook_state);
	c->hook_state = buf;
	c->hook_state_len = len;
	return 0;
}

int op_hook_state(struct init *c)
{
	union wire_msg_args m = { .sync = { .tag = SYNC_HOOK_STATE } };
	if (c->sock < 0)
		return fail(c, EBADF, "hook state after OP_DETACH");
	if (send_message(c->sock, MSG_SYNC, &m, 0) < 0)
		_exit(1); /* tsrunc gone: it reports the error itself */
	return read_hook_state(c, c->sock);
}

static int64_t now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts); /* cannot fail with a valid clock and pointer */
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Milliseconds left until deadline, for poll (never negative). */
static int left_ms(int64_t deadline)
{
	int64_t d = deadline - now_ms();
	if (d <= 0)
		return 0;
	return d > 0x7fffffff ? 0x7fffffff : (int)d;
}

/* What the child says on its error pipe when it cannot exec the hook. */
struct child_failure {
	int32_t stage; /* index in STAGES */
	int32_t err;
};
static const char *const STAGES[] = { "setpgid", "prctl(PR_SET_PDEATHSIG)", "redirect stdio", "exec" };

static __attribute__((noreturn)) void child_fails(int pipe_fd, int stage)
{
	struct child_failure f = { stage, errno };
	ssize_t n = write(pipe_fd, &f, sizeof(f));
	(void)n; /* the parent then sees exit status 127 */
	_exit(127);
}

/* The child: never returns. Only async-signal-safe calls (the init is single-threaded,
 * but keep it simple and predictable anyway). errfd (close-on-exec) carries a failure. */
static __attribute__((noreturn)) void exec_hook(const char *path, char **argv, char **envp, int in, int out, int errfd)
{
	/* Its own process group, so a timeout can kill everything it started. */
	if (setpgid(0, 0) < 0)
		child_fails(errfd, 0);
	/* Dies with its runner (the init dies with tsrunc until OP_DETACH). */
	if (prctl(PR_SET_PDEATHSIG, (unsigned long)SIGKILL, 0UL, 0UL, 0UL) < 0)
		child_fails(errfd, 1);
	/* The pipes are above 2 (0-2 are taken), so this order overwrites nothing still needed. */
	if (dup2(in, 0) < 0 || dup2(out, 1) < 0 || dup2(out, 2) < 0 || dup2(errfd, 3) < 0 ||
	    fcntl(3, F_SETFD, FD_CLOEXEC) < 0)
		child_fails(errfd, 2);
	errfd = 3;
	/* Only stdio (and the error pipe, until exec): not the socket, the root fd, the fifo
	 * nor --preserve-fds. */
	if (syscall(SYS_close_range, 4U, ~0U, 0U) < 0)
		for (int fd = 4; fd < 1024; fd++)
			close(fd);
	reset_signals();
	execve(path, argv, envp);
	child_fails(errfd, 3);
}

/* Feeds the state to the hook without ever blocking past the deadline or on a hook
 * that does not read: stops when it is written, when the hook exits or closes its
 * stdin (EPIPE), or at the deadline. Returns 0, 1 at the deadline, -1 on error. */
static int feed_state(struct init *c, int wfd, int pidfd, int64_t deadline)
{
	size_t off = 0;
	if (fcntl(wfd, F_SETFL, O_NONBLOCK) < 0)
		return fail(c, errno, "make the hook's stdin non-blocking");
	while (off < c->hook_state_len) {
		ssize_t n = write(wfd, c->hook_state + off, c->hook_state_len - off);
		if (n > 0) {
			off += (size_t)n;
			continue;
		}
		if (n < 0 && errno == EPIPE)
			return 0; /* the hook closed its stdin: fine */
		if (n < 0 && errno != EAGAIN && errno != EINTR)
			return fail(c, errno, "write the state to the hook");
		struct pollfd p[2] = { { .fd = wfd, .events = POLLOUT }, { .fd = pidfd, .events = POLLIN } };
		int r = poll(p, 2, left_ms(deadline));
		if (r < 0 && errno != EINTR)
			return fail(c, errno, "poll the hook's stdin");
		if (r == 0)
			return 1;
		if (r > 0 && (p[1].revents & POLLIN))
			return 0; /* exited without reading all of it: fine */
	}
	return 0;
}

/* Waits for the hook to exit (it stays a zombie: its pid still names its group).
 * 0 when it exited, 1 at the deadline, -1 on error. */
static int wait_exit(struct init *c, int pidfd, int64_t deadline)
{
	for (;;) {
		struct pollfd p = { .fd = pidfd, .events = POLLIN };
		int r = poll(&p, 1, left_ms(deadline));
		if (r > 0)
			return 0;
		if (r == 0)
			return 1;
		if (errno != EINTR)
			return fail(c, errno, "wait for the hook");
	}
}

/* The last OUTPUT_TAIL bytes of the hook's output, one line, in out (may be empty). */
static void output_tail(int fd, char out[static OUTPUT_TAIL + 1])
{
	struct stat st;
	out[0] = 0;
	if (fstat(fd, &st) < 0 || st.st_size <= 0)
		return;
	off_t from = st.st_size > OUTPUT_TAIL ? st.st_size - OUTPUT_TAIL : 0;
	ssize_t n = pread(fd, out, (size_t)(st.st_size - from), from);
	if (n <= 0)
		return;
	out[n] = 0;
	while (n > 0 && (out[n - 1] == '\n' || out[n - 1] == ' ' || out[n - 1] == '\r'))
		out[--n] = 0;
	for (ssize_t i = 0; i < n; i++)
		if (out[i] == '\n' || out[i] == 0)
			out[i] = ' ';
}

/* The runner's own trouble, worded as every hook failure: "<name>: <what>: <error>". */
static int runner_fails(struct init *c, const char *name, const char *what)
{
	int err = errno;
	return fail(c, err, "%s: %s: %s", name, what, strerror(err));
}

/* The failure of a hook that ran (or could not), in the words README "Hooks" documents. */
static int hook_fails(struct init *c, const struct op_run_hook_args *a, int status, int timed_out, int out,
		      const struct child_failure *cf)
{
	char tail[OUTPUT_TAIL + 1];
	output_tail(out, tail);
	const char *sep = tail[0] ? ": " : "";
	if (cf != NULL)
		return fail(c, cf->err, "%s could not be run: %s %s: %s", a->name, STAGES[cf->stage],
			    cf->stage == 3 ? a->path : "", strerror(cf->err));
	if (timed_out)
		return fail(c, ETIMEDOUT, "%s timed out after %llu s%s%s", a->name, (unsigned long long)a->timeout_s,
			    sep, tail);
	if (WIFEXITED(status) && WEXITSTATUS(status) != 0)
		return fail(c, ECHILD, "%s exited with status %d%s%s", a->name, WEXITSTATUS(status), sep, tail);
	if (WIFSIGNALED(status))
		return fail(c, ECHILD, "%s killed by signal %d%s%s", a->name, WTERMSIG(status), sep, tail);
	return 0;
}

/* After OP_DETACH (startContainer) a failure means the user process must not run:
 * `start` reads what follows the fifo's first byte as the error; stderr gets it too. */
static __attribute__((noreturn)) void fail_detached(struct init *c)
{
	say("tsrunc-init: ", c->detail, "\n");
	if (c->fifo >= 0) {
		struct sigaction ign = { .sa_handler = SIG_IGN };
		sigaction(SIGPIPE, &ign, NULL); /* exiting anyway: best effort */
		ssize_t n = write(c->fifo, c->detail, strnlen(c->detail, sizeof(c->detail)));
		(void)n; /* start gone: stderr has it */
	}
	_exit(1);
}

/* Runs the hook to its end: 0, or -1 with c->detail saying why. */
static int run_hook(struct init *c, const struct op_run_hook_args *a)
{
	const char *name = a->name;
	int rc = -1, in[2] = { -1, -1 }, errp[2] = { -1, -1 }, out = -1, pidfd = -1;
	pid_t pid = -1, pgid = -1;

	char **argv = malloc(((size_t)a->argv.count + 1) * sizeof(char *));
	char **envp = malloc(((size_t)a->envp.count + 1) * sizeof(char *));
	if (argv == NULL || envp == NULL) {
		errno = ENOMEM;
		runner_fails(c, name, "argv and env");
		goto done;
	}
	wire_strv_fill(&a->argv, argv);
	wire_strv_fill(&a->envp, envp);
	if (a->timeout_s == 0 || a->timeout_s > 0x7fffffffULL) {
		fail(c, EINVAL, "%s: bad timeout %llu s", name, (unsigned long long)a->timeout_s);
		goto done;
	}
	out = memfd_create("tsrunc-hook-output", MFD_CLOEXEC);
	if (out < 0) {
		runner_fails(c, name, "memfd for its output");
		goto done;
	}
	if (pipe2(in, O_CLOEXEC) < 0 || pipe2(errp, O_CLOEXEC) < 0) {
		runner_fails(c, name, "pipes for its stdin and errors");
		goto done;
	}
	int64_t deadline = now_ms() + (int64_t)a->timeout_s * 1000;
	pid = fork();
	if (pid < 0) {
		runner_fails(c, name, "fork");
		goto done;
	}
	if (pid == 0)
		exec_hook(a->path, argv, envp, in[0], out, errp[1]);
	pgid = pid;
	/* Also here, so the group exists before we could ever signal it. */
	if (setpgid(pid, pid) < 0 && errno != EACCES && errno != ESRCH) {
		runner_fails(c, name, "setpgid");
		goto done;
	}
	close(in[0]);
	in[0] = -1;
	close(errp[1]);
	errp[1] = -1;
	pidfd = (int)syscall(SYS_pidfd_open, pid, 0U);
	if (pidfd < 0) {
		runner_fails(c, name, "pidfd_open");
		goto done;
	}

	/* A hook that exits without reading its stdin must not kill us with SIGPIPE. */
	struct sigaction ign = { .sa_handler = SIG_IGN }, old;
	if (sigaction(SIGPIPE, &ign, &old) < 0) {
		runner_fails(c, name, "ignore SIGPIPE");
		goto done;
	}
	int timed_out = feed_state(c, in[1], pidfd, deadline);
	int saved = errno;
	if (sigaction(SIGPIPE, &old, NULL) < 0 && timed_out >= 0)
		timed_out = runner_fails(c, name, "restore SIGPIPE");
	errno = saved;
	close(in[1]);
	in[1] = -1;
	if (timed_out == 0)
		timed_out = wait_exit(c, pidfd, deadline);
	if (timed_out < 0) {
		/* fail() already said why; prefix the hook's name. */
		char why[sizeof(c->detail)];
		snprintf(why, sizeof(why), "%s", c->detail);
		fail(c, c->err, "%s: %s: %s", name, why, strerror(c->err));
		goto done;
	}

	int status = 0;
	/* The leader is a zombie (or still running, at the deadline): its pid cannot be
	 * reused yet, so -pid is surely its group. Kill what is left, then reap. */
	if (kill(-pid, SIGKILL) < 0 && errno != ESRCH) {
		runner_fails(c, name, "kill its process group");
		goto done;
	}
	pid_t w;
	do
		w = waitpid(pid, &status, 0);
	while (w < 0 && errno == EINTR);
	if (w < 0) {
		runner_fails(c, name, "waitpid");
		goto done;
	}
	pid = -1;
	/* The child is gone, so is its end of the error pipe: this read cannot block. */
	struct child_failure cf;
	ssize_t n;
	do
		n = read(errp[0], &cf, sizeof(cf));
	while (n < 0 && errno == EINTR);
	int could_not_run = n == (ssize_t)sizeof(cf) && cf.stage >= 0 && cf.stage < 4;
	rc = hook_fails(c, a, status, timed_out, out, could_not_run ? &cf : NULL);

done:
	if (pid > 0) {
		/* Failed half-way: leave nothing running. */
		kill(-pid, SIGKILL);
		kill(pid, SIGKILL);
		while (waitpid(pid, NULL, 0) < 0 && errno == EINTR)
			;
	}
	/* Members of its group re-parented to us (we are pid 1 of a pid namespace) were
	 * killed above; reap them so the user process does not inherit zombies. A child
	 * is re-parented before its parent's exit is reported: this ends with ECHILD. */
	if (pgid > 0)
		while (waitpid(-pgid, NULL, 0) > 0 || errno == EINTR)
			;
	int fds[] = { pidfd, out, in[0], in[1], errp[0], errp[1] };
	for (size_t i = 0; i < sizeof(fds) / sizeof(fds[0]); i++)
		if (fds[i] >= 0)
			close(fds[i]);
	free(argv);
	free(envp);
	return rc;
}

int op_run_hook(struct init *c, const struct op_run_hook_args *a)
{
	if (run_hook(c, a) == 0)
		return 0;
	if (c->sock < 0)
		fail_detached(c);
	if (a->flags & HOOK_FAILURE_WARNS) {
		/* tsrunc warns and the next hook runs (poststart, poststop). */
		report_error(c, c->step, OP_RUN_HOOK);
		return 0;
	}
	return -1;
}
