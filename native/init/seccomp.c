/*
 * OP_SECCOMP: the filter arrives compiled (libseccomp runs in tsrunc, never in
 * the init). It is either kept for OP_EXEC, which loads it right before execve
 * so the filter never sees the init's own steps, or loaded at once when it has to
 * be (no_new_privs unset: loading needs CAP_SYS_ADMIN; a notify listener: its fd
 * must reach tsrunc before the init detaches).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <stdlib.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "init.h"

#ifndef SECCOMP_FILTER_FLAG_NEW_LISTENER
#define SECCOMP_FILTER_FLAG_NEW_LISTENER (1UL << 3)
#endif

/* The kernel's limit on a classic BPF program (BPF_MAXINSNS). */
#define MAX_INSNS 4096u

/* MSG_SECCOMP_FD with write(2), not sendmsg: write is the one syscall a profile may
 * never hand to the notify agent (tsrunc refuses that), so this cannot block on an
 * agent that has not got the fd yet. */
static int send_notify_fd(struct init *c, int fd)
{
	union wire_msg_args m = { .seccomp_fd = { .fd = (uint64_t)fd } };
	if (send_message(c->sock, MSG_SECCOMP_FD, &m, 1) < 0)
		return fail(c, errno, "send the seccomp notify fd to tsrunc");
	char b;
	if (read_full(c->sock, &b, 1) != 1 || b != 'g')
		_exit(1); /* tsrunc gave up: it reports the error itself */
	return 0;
}

static int load(struct init *c)
{
	struct sock_fprog prog = { .len = (unsigned short)c->seccomp_len, .filter = c->seccomp_prog };
	long fd = syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, (unsigned long)c->seccomp_flags, &prog);
	if (fd < 0)
		return fail(c, errno, "seccomp(SECCOMP_SET_MODE_FILTER, flags %#llx, %u instructions)",
			    (unsigned long long)c->seccomp_flags, c->seccomp_len);
	if (!(c->seccomp_flags & SECCOMP_FILTER_FLAG_NEW_LISTENER))
		return 0;
	int rc = send_notify_fd(c, (int)fd);
	close((int)fd); /* tsrunc has its own copy now; the container must not get ours */
	return rc;
}

int op_seccomp(struct init *c, const struct op_seccomp_args *a)
{
	uint64_t flags = a->flags, when = a->when;
	const struct wire_list *words = &a->program;
	if (c->seccomp_prog != NULL)
		return fail(c, EINVAL, "a second seccomp filter in one plan");
	if (words->count == 0 || words->count > MAX_INSNS)
		return fail(c, EINVAL, "seccomp program of %u instructions (1 to %u)", words->count, MAX_INSNS);
	if (when != SECCOMP_WHEN_NOW && when != SECCOMP_WHEN_EXEC)
		return fail(c, EINVAL, "bad seccomp load time %llu", (unsigned long long)when);
	if ((flags & SECCOMP_FILTER_FLAG_NEW_LISTENER) && (when != SECCOMP_WHEN_NOW || c->sock < 0))
		return fail(c, EINVAL, "a notify listener needs the filter loaded while attached to tsrunc");
	/* Decoded field by field: the plan bytes are neither aligned nor host-endian. */
	struct sock_filter *insns = calloc(words->count, sizeof(*insns));
	if (insns == NULL)
		return fail(c, ENOMEM, "seccomp program");
	for (uint32_t i = 0; i < words->count; i++) {
		uint64_t w = wire_u64v_at(words, i);
		insns[i].code = (uint16_t)w;
		insns[i].jt = (uint8_t)(w >> 16);
		insns[i].jf = (uint8_t)(w >> 24);
		insns[i].k = (uint32_t)(w >> 32);
	}
	c->seccomp_prog = insns;
	c->seccomp_len = words->count;
	c->seccomp_flags = flags;
	c->seccomp_step = c->step;
	if (when == SECCOMP_WHEN_EXEC)
		return 0;
	int rc = load(c);
	c->seccomp_done = 1;
	return rc;
}

void seccomp_load_staged(struct init *c)
{
	if (c->seccomp_prog == NULL || c->seccomp_done)
		return;
	c->seccomp_done = 1;
	if (load(c) < 0) {
		/* Never exec without the filter that was asked for. */
		report_error(c, c->seccomp_step, OP_SECCOMP);
		_exit(1);
	}
}
