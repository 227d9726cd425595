/*
 * OCI hooks that run in the container's namespaces: createContainer (before the root
 * is switched) and startContainer (after `start`, right before the user process).
 * tsrunc decides which hooks run and sends the state JSON; this file only runs them.
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

int op_hook_state(struct init *c, const struct wire_op *op)
{
	(void)op;
	uint8_t head[4];
	if (c->sock < 0)
		return fail(c, EBADF, "hook state after OP_DETACH");
	if (send_u64_msg(c->sock, MSG_SYNC, SYNC_HOOK_STATE) < 0)
		_exit(1); /* tsrunc gone: it reports the error itself */
	int r = read_full(c->sock, head, sizeof(head));
	if (r == 0)
		_exit(1);
	if (r < 0)
		return fail(c, errno, "read the hook state length");
	uint32_t len = (uint32_t)head[0] | (uint32_t)head[1] << 8 | (uint32_t)head[2] << 16 | (uint32_t)head[3] << 24;
	if (len > HOOK_STATE_MAX)
		return fail(c, E2BIG, "hook state of %u bytes is over the limit", len);
	char *buf = malloc((size_t)len + 1);
	if (buf == NULL)
		return fail(c, ENOMEM, "hook state of %u bytes", len);
	r = len ? read_full(c->sock, buf, len) : 1;
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

/* The child: never returns. Only async-signal-safe calls (the init is single-threaded,
 * but keep it simple and predictable anyway). */
static __attribute__((noreturn)) void exec_hook(const char *path, char **argv, char **envp, int in, int out)
{
	/* Its own process group, so a timeout can kill everything it started. */
	if (setpgid(0, 0) < 0)
		_exit(126);
	/* Dies with the init (the init itself dies with tsrunc until OP_DETACH). */
	if (prctl(PR_SET_PDEATHSIG, (unsigned long)SIGKILL, 0UL, 0UL, 0UL) < 0)
		_exit(126);
	if (dup2(in, 0) < 0 || dup2(out, 1) < 0 || dup2(out, 2) < 0)
		_exit(126);
	/* Only stdio: not the socket, the root fd, the fifo nor --preserve-fds. */
	if (syscall(SYS_close_range, 3U, ~0U, 0U) < 0)
		for (int fd = 3; fd < 1024; fd++)
			close(fd);
	reset_signals();
	execve(path, argv, envp);
	int err = errno;
	say("exec ", path, ": ");
	say(strerror(err), "\n", "");
	_exit(127);
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

int op_run_hook(struct init *c, const struct wire_op *op)
{
	const char *path = STR(op, 0), *name = STR(op, 4);
	const struct wire_list *av = LIST(op, 1), *ev = LIST(op, 2);
	uint64_t timeout_ms = U64(op, 3);
	int rc = -1, in[2] = { -1, -1 }, out = -1, pidfd = -1;
	pid_t pid = -1, pgid = -1;

	char **argv = malloc(((size_t)av->count + 1) * sizeof(char *));
	char **envp = malloc(((size_t)ev->count + 1) * sizeof(char *));
	if (argv == NULL || envp == NULL) {
		fail(c, ENOMEM, "%s: argv and env", name);
		goto done;
	}
	wire_strv_fill(av, argv);
	wire_strv_fill(ev, envp);
	if (timeout_ms == 0 || timeout_ms > 0x7fffffffffffULL) {
		fail(c, EINVAL, "%s: bad timeout %llu ms", name, (unsigned long long)timeout_ms);
		goto done;
	}
	out = memfd_create("tsrunc-hook-output", MFD_CLOEXEC);
	if (out < 0) {
		fail(c, errno, "%s: memfd for its output", name);
		goto done;
	}
	if (pipe2(in, O_CLOEXEC) < 0) {
		fail(c, errno, "%s: pipe for its stdin", name);
		goto done;
	}
	int64_t deadline = now_ms() + (int64_t)timeout_ms;
	pid = fork();
	if (pid < 0) {
		fail(c, errno, "%s: fork", name);
		goto done;
	}
	if (pid == 0)
		exec_hook(path, argv, envp, in[0], out);
	pgid = pid;
	/* Also here, so the group exists before we could ever signal it. */
	if (setpgid(pid, pid) < 0 && errno != EACCES && errno != ESRCH) {
		fail(c, errno, "%s: setpgid", name);
		goto done;
	}
	close(in[0]);
	in[0] = -1;
	pidfd = (int)syscall(SYS_pidfd_open, pid, 0U);
	if (pidfd < 0) {
		fail(c, errno, "%s: pidfd_open", name);
		goto done;
	}

	/* A hook that exits without reading its stdin must not kill us with SIGPIPE. */
	struct sigaction ign = { .sa_handler = SIG_IGN }, old;
	if (sigaction(SIGPIPE, &ign, &old) < 0) {
		fail(c, errno, "%s: ignore SIGPIPE", name);
		goto done;
	}
	int timed_out = feed_state(c, in[1], pidfd, deadline);
	int saved = errno;
	if (sigaction(SIGPIPE, &old, NULL) < 0 && timed_out >= 0)
		timed_out = fail(c, errno, "%s: restore SIGPIPE", name);
	errno = saved;
	close(in[1]);
	in[1] = -1;
	if (timed_out == 0)
		timed_out = wait_exit(c, pidfd, deadline);
	if (timed_out < 0) {
		/* fail() already said why; prefix the hook's name. */
		char why[sizeof(c->detail)];
		snprintf(why, sizeof(why), "%s", c->detail);
		fail(c, c->err, "%s: %s", name, why);
		goto done;
	}

	int status = 0;
	/* The leader is a zombie (or still running, at the deadline): its pid cannot be
	 * reused yet, so -pid is surely its group. Kill what is left, then reap. */
	if (kill(-pid, SIGKILL) < 0 && errno != ESRCH) {
		fail(c, errno, "%s: kill its process group", name);
		goto done;
	}
	pid_t w;
	do
		w = waitpid(pid, &status, 0);
	while (w < 0 && errno == EINTR);
	if (w < 0) {
		fail(c, errno, "%s: waitpid", name);
		goto done;
	}
	pid = -1;

	char tail[OUTPUT_TAIL + 1];
	output_tail(out, tail);
	const char *sep = tail[0] ? ": " : "";
	if (timed_out)
		fail(c, ETIMEDOUT, "%s timed out after %llu ms%s%s", name, (unsigned long long)timeout_ms, sep, tail);
	else if (WIFEXITED(status) && WEXITSTATUS(status) != 0)
		fail(c, ECHILD, "%s exited with status %d%s%s", name, WEXITSTATUS(status), sep, tail);
	else if (WIFSIGNALED(status))
		fail(c, ECHILD, "%s killed by signal %d%s%s", name, WTERMSIG(status), sep, tail);
	else
		rc = 0;

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
	if (pidfd >= 0)
		close(pidfd);
	if (out >= 0)
		close(out);
	if (in[0] >= 0)
		close(in[0]);
	if (in[1] >= 0)
		close(in[1]);
	free(argv);
	free(envp);
	if (rc < 0 && c->sock < 0) {
		/* After OP_DETACH (startContainer): the user process must not run. `start`
		 * reads what follows the fifo's first byte as the error; stderr gets it too. */
		say("tsrunc-init: ", c->detail, "\n");
		if (c->fifo >= 0) {
			struct sigaction ign = { .sa_handler = SIG_IGN };
			sigaction(SIGPIPE, &ign, NULL); /* exiting anyway: best effort */
			ssize_t n = write(c->fifo, c->detail, strnlen(c->detail, sizeof(c->detail)));
			(void)n; /* start gone: stderr has it */
		}
		_exit(1);
	}
	return rc;
}
