/*
 * tsrunc-init <sock fd> <parent pid>
 *
 * Started by libtsrunc-spawn from a sealed memfd. It reads one plan (wire.h)
 * from the socket, validates all of it, then runs its ops strictly in order.
 * The first failing op is reported as MSG_ERROR{step, op, errno, detail} and
 * the init exits 1; it decides nothing on its own.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
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

static int run(struct init *c, const struct wire_op *op, uint32_t step)
{
	switch (op->code) {
	case OP_SETNS: return op_setns(c, op);
	case OP_UNSHARE: return op_unshare(c, op);
	case OP_FORK: return op_fork(c, op);
	case OP_SYNC: return op_sync(c, op);
	case OP_SETHOSTNAME:
	case OP_SETDOMAINNAME: return op_hostname(c, op);
	case OP_PROPAGATION: return op_propagation(c, op);
	case OP_ROOTFS: return op_rootfs(c, op);
	case OP_MOUNT: return op_mount(c, op);
	case OP_MKNOD: return op_mknod(c, op);
	case OP_SYMLINK: return op_symlink(c, op);
	case OP_PIVOT_ROOT: return op_pivot_root(c, op);
	case OP_MOVE_ROOT: return op_move_root(c, op);
	case OP_MASK_PATH: return op_mask_path(c, op);
	case OP_READONLY_PATH: return op_readonly_path(c, op);
	case OP_ROOT_READONLY: return op_root_readonly(c, op);
	case OP_SYSCTL: return op_sysctl(c, op);
	case OP_RLIMIT: return op_rlimit(c, op);
	case OP_OOM_SCORE_ADJ: return op_oom_score_adj(c, op);
	case OP_CHDIR: return op_chdir(c, op);
	case OP_IDENTITY: return op_identity(c, op);
	case OP_UMASK: return op_umask(c, op);
	case OP_CAPS_BOUNDING: return op_caps_bounding(c, op);
	case OP_CAPS: return op_caps(c, op);
	case OP_NO_NEW_PRIVS: return op_no_new_privs(c, op);
	case OP_FIFO_OPEN: return op_fifo_open(c, op);
	case OP_RESOLVE_EXEC: return op_resolve_exec(c, op);
	case OP_DETACH: return op_detach(c, op);
	case OP_WAIT_FIFO: return op_wait_fifo(c, op);
	case OP_EXEC: return op_exec(c, op, step);
	case OP_TIMENS_OFFSET: return op_timens_offset(c, op);
	case OP_SETSID: return op_setsid(c, op);
	case OP_CLOSE_DEVNULL: return op_close_devnull(c, op);
	case OP_SECCOMP: return op_seccomp(c, op, step);
	case OP_PERSONALITY: return op_personality(c, op);
	case OP_SCHEDULER: return op_scheduler(c, op);
	case OP_IOPRIO: return op_ioprio(c, op);
	case OP_CPU_AFFINITY: return op_cpu_affinity(c, op);
	case OP_MEMPOLICY: return op_mempolicy(c, op);
	case OP_SESSION_KEYRING: return op_session_keyring(c, op);
	case OP_LSM_LABEL: return op_lsm_label(c, op);
	case OP_CONSOLE: return op_console(c, op);
	case OP_HOOK_STATE: return op_hook_state(c, op);
	case OP_RUN_HOOK: return op_run_hook(c, op);
	}
	return fail(c, EINVAL, "unknown op %u", op->code); /* the decoder already refused it */
}

static uint8_t *read_plan(struct init *c, uint32_t *len)
{
	uint8_t head[8];
	int r = read_full(c->sock, head, sizeof(head));
	if (r == 0)
		_exit(1); /* tsrunc went away before sending anything */
	if (r < 0) {
		fail(c, errno, "read the plan header");
		return NULL;
	}
	uint32_t type = (uint32_t)head[0] | (uint32_t)head[1] << 8 | (uint32_t)head[2] << 16 | (uint32_t)head[3] << 24;
	*len = (uint32_t)head[4] | (uint32_t)head[5] << 8 | (uint32_t)head[6] << 16 | (uint32_t)head[7] << 24;
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
	r = read_full(c->sock, buf, *len);
	if (r == 0 && *len != 0)
		_exit(1);
	if (r < 0) {
		fail(c, errno, "read the plan");
		return NULL;
	}
	return buf;
}

int main(int argc, char **argv)
{
	struct init c = { .sock = -1, .rootfd = -1, .devnull = -1, .fifo = -1 };
	long sock = argc == 3 ? parse_num(argv[1]) : -1;
	long ppid = argc == 3 ? parse_num(argv[2]) : -1;
	if (sock < 0 || ppid < 0) {
		say("usage: tsrunc-init <sock fd> <parent pid> (started by tsrunc only)\n", "", "");
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

	uint32_t len;
	uint8_t *buf = read_plan(&c, &len);
	if (buf == NULL)
		die(&c, STEP_READ_PLAN, 0);
	struct wire_plan plan;
	struct wire_error err;
	if (wire_parse_plan(buf, len, &plan, &err) < 0) {
		if (err.op < 0)
			fail(&c, err.err, "plan header at byte %zu: %s", err.offset, err.what);
		else
			fail(&c, err.err, "plan op %lld at byte %zu: %s", (long long)err.op, err.offset, err.what);
		die(&c, STEP_READ_PLAN, 0);
	}

	for (uint32_t i = 0; i < plan.count; i++) {
		c.detail[0] = 0;
		if (run(&c, &plan.ops[i], i) < 0)
			die(&c, i, plan.ops[i].code);
	}
	/* A plan without OP_EXEC (tests, probes) ends here. */
	return 0;
}
