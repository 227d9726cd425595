/*
 * tsrunc-init <sock fd> <parent pid>
 *
 * Started by libtsrunc-spawn from a sealed memfd. It reads one plan (wire-table.ts)
 * from the socket, validates all of it, then runs its ops strictly in order through
 * their generated dispatch (run_op). The first failing op is reported as
 * MSG_ERROR{step, op, errnum, detail} and the init exits 1; it decides nothing on its own.
 *
 * tsrunc-init --run-hook: the runner of tsrunc's own hooks (run_hooks_main).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <unistd.h>

#include "init.h"

static long parse_num(const char *s)
{
	long v = 0;
	if (*s == 0)
		return -1;
	for (; *s; s++) {
		if (*s < '0' || *s > '9' || v > 0x7fffffffL / 10)
			return -1;
		v = v * 10 + (*s - '0');
	}
	return v;
}

static __attribute__((noreturn)) void die(struct init *c, uint32_t step, uint32_t op)
{
	report_error(c, step, op);
	_exit(1);
}

/* One MSG_PLAN frame from fd. */
static uint8_t *read_plan(struct init *c, int fd, uint32_t *len)
{
	uint8_t head[8];
	int r = read_full(fd, head, sizeof(head));
	if (r == 0)
		_exit(1); /* tsrunc went away before sending anything */
	if (r < 0) {
		fail(c, errno, "read the plan header");
		return NULL;
	}
	uint32_t type = wire_le32(head);
	*len = wire_le32(head + 4);
	if (type != MSG_PLAN) {
		fail(c, EPROTO, "expected MSG_PLAN, got message type %u", type);
		return NULL;
	}
	if (*len > WIRE_MAX_PLAN) {
		fail(c, E2BIG, "plan of %u bytes is over the limit", *len);
		return NULL;
	}
	uint8_t *buf = malloc(*len ? *len : 1);
	if (buf == NULL) {
		fail(c, ENOMEM, "plan of %u bytes", *len);
		return NULL;
	}
	r = read_full(fd, buf, *len);
	if (r == 0 && *len != 0)
		_exit(1);
	if (r < 0) {
		fail(c, errno, "read the plan");
		return NULL;
	}
	return buf;
}

/* Reads and decodes the plan from fd; on failure reports it and exits. */
static void load_plan(struct init *c, int fd, struct wire_plan *plan)
{
	uint32_t len;
	uint8_t *buf = read_plan(c, fd, &len);
	if (buf == NULL)
		die(c, STEP_READ_PLAN, 0);
	struct wire_error err;
	if (wire_parse_plan(buf, len, plan, &err) < 0) {
		if (err.op < 0)
			fail(c, err.err, "plan header at byte %zu: %s", err.offset, err.what);
		else
			fail(c, err.err, "plan op %lld at byte %zu: %s", (long long)err.op, err.offset, err.what);
		die(c, STEP_READ_PLAN, 0);
	}
	/* buf stays: the plan's strings point into it until exec or exit. */
}

static void run_plan(struct init *c, const struct wire_plan *plan)
{
	for (uint32_t i = 0; i < plan->count; i++) {
		c->detail[0] = 0;
		c->step = i;
		if (run_op(c, &plan->ops[i]) < 0)
			die(c, i, plan->ops[i].code);
	}
}

/*
 * tsrunc-init --run-hook: tsrunc's own hooks (prestart, createRuntime, poststart,
 * poststop) through the same runner as the container's. stdin holds what the socket
 * would carry: a MSG_PLAN frame of OP_RUN_HOOKs, then the state frame (the answer to
 * OP_HOOK_STATE); failures go to stdout as MSG_ERROR frames. Only hooks run here, in
 * the runtime's namespaces.
 */
static int run_hooks_main(void)
{
	struct init c = { .sock = 1, .rootfd = -1, .devnull = -1, .fifo = -1 };
	struct wire_plan plan;
	/* As the init: no ptrace or /proc access from others while it runs, and gone with tsrunc. */
	if (prctl(PR_SET_DUMPABLE, 0UL, 0UL, 0UL, 0UL) < 0 || prctl(PR_SET_PDEATHSIG, (unsigned long)SIGKILL, 0UL, 0UL, 0UL) < 0) {
		fail(&c, errno, "prctl");
		die(&c, STEP_INIT_START, 0);
	}
	load_plan(&c, 0, &plan);
	for (uint32_t i = 0; i < plan.count; i++) {
		if (plan.ops[i].code != OP_RUN_HOOK) {
			fail(&c, EINVAL, "--run-hook runs OP_RUN_HOOK only, not %s", plan.ops[i].def->name);
			die(&c, i, plan.ops[i].code);
		}
	}
	if (read_hook_state(&c, 0) < 0)
		die(&c, STEP_READ_PLAN, 0);
	run_plan(&c, &plan);
	return 0;
}

int main(int argc, char **argv)
{
	struct init c = { .sock = -1, .rootfd = -1, .devnull = -1, .fifo = -1 };
	if (argc == 2 && strcmp(argv[1], "--run-hook") == 0)
		return run_hooks_main();
	long sock = argc == 3 ? parse_num(argv[1]) : -1;
	long ppid = argc == 3 ? parse_num(argv[2]) : -1;
	if (sock < 0 || ppid < 0) {
		say("usage: tsrunc-init <sock fd> <parent pid> (started by tsrunc only), or tsrunc-init --run-hook\n", "", "");
		return 1;
	}
	c.sock = (int)sock;

	/* The socket was passed through exec on purpose; it must not reach the
	 * container's process if the plan execs without OP_DETACH. */
	if (fcntl(c.sock, F_SETFD, FD_CLOEXEC) < 0)
		_exit(1); /* not even a socket to report on */
	/* Non-dumpable until the user process is exec'd: no ptrace, no /proc/<pid>/mem
	 * or fd access from the container while we hold host resources. */
	if (prctl(PR_SET_DUMPABLE, 0UL, 0UL, 0UL, 0UL) < 0) {
		fail(&c, errno, "prctl(PR_SET_DUMPABLE)");
		die(&c, STEP_INIT_START, 0);
	}
	if (prctl(PR_SET_PDEATHSIG, (unsigned long)SIGKILL, 0UL, 0UL, 0UL) < 0) {
		fail(&c, errno, "prctl(PR_SET_PDEATHSIG)");
		die(&c, STEP_INIT_START, 0);
	}
	/* tsrunc may have died before the line above. getppid() is 0 when our parent
	 * is outside our pid namespace: then the socket's EOF is what tells us. */
	pid_t pp = getppid();
	if (pp != 0 && pp != (pid_t)ppid)
		_exit(1);
	if (devnull_prepare(&c, 1) < 0)
		die(&c, STEP_INIT_START, 0);

	struct wire_plan plan;
	load_plan(&c, c.sock, &plan);
	run_plan(&c, &plan);
	/* A plan without OP_EXEC (tests, probes) ends here. */
	return 0;
}
