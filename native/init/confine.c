/*
 * The process knobs that outlive execve: personality, scheduling, I/O priority,
 * CPU affinity, NUMA memory policy, the session keyring and LSM labels. Each op
 * is one syscall (or one verified procfs write); TypeScript validated the values.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <linux/keyctl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/personality.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "init.h"

int op_personality(struct init *c, const struct wire_op *op)
{
	unsigned long persona = (unsigned long)U64(op, 0);
	if (personality(persona) < 0)
		return fail(c, errno, "personality(%#lx)", persona);
	return 0;
}

/* The kernel's struct sched_attr (SCHED_ATTR_SIZE_VER1). */
struct sched_attr_v1 {
	uint32_t size;
	uint32_t policy;
	uint64_t flags;
	int32_t nice;
	uint32_t priority;
	uint64_t runtime, deadline, period;
	uint32_t util_min, util_max;
};

int op_scheduler(struct init *c, const struct wire_op *op)
{
	struct sched_attr_v1 a;
	memset(&a, 0, sizeof(a));
	a.size = sizeof(a);
	a.policy = (uint32_t)U64(op, 0);
	a.flags = U64(op, 1);
	a.nice = (int32_t)(int64_t)U64(op, 2);
	a.priority = (uint32_t)U64(op, 3);
	a.runtime = U64(op, 4);
	a.deadline = U64(op, 5);
	a.period = U64(op, 6);
	a.util_max = 1024; /* only read with SCHED_FLAG_UTIL_CLAMP_MAX: "no clamp" */
	if (syscall(SYS_sched_setattr, 0, &a, 0U) < 0)
		return fail(c, errno, "sched_setattr(policy %u, flags %#llx, nice %d, priority %u)", a.policy,
			    (unsigned long long)a.flags, a.nice, a.priority);
	return 0;
}

int op_ioprio(struct init *c, const struct wire_op *op)
{
	const int who_process = 1; /* IOPRIO_WHO_PROCESS */
	if (syscall(SYS_ioprio_set, who_process, 0, (int)U64(op, 0)) < 0)
		return fail(c, errno, "ioprio_set(%#llx)", (unsigned long long)U64(op, 0));
	return 0;
}

/* A u64v mask as the kernel's array of unsigned long (64-bit words here). */
static unsigned long *mask_words(struct init *c, const struct wire_list *l, const char *what)
{
	unsigned long *m = calloc(l->count ? l->count : 1, sizeof(unsigned long));
	if (m == NULL) {
		fail(c, ENOMEM, "%s", what);
		return NULL;
	}
	for (uint32_t i = 0; i < l->count; i++)
		m[i] = (unsigned long)wire_u64v_at(l, i);
	return m;
}

int op_cpu_affinity(struct init *c, const struct wire_op *op)
{
	const struct wire_list *l = LIST(op, 0);
	if (l->count == 0 || l->count > 128)
		return fail(c, EINVAL, "CPU mask of %u words", l->count);
	unsigned long *m = mask_words(c, l, "CPU mask");
	if (m == NULL)
		return -1;
	long rc = syscall(SYS_sched_setaffinity, 0, (size_t)l->count * sizeof(unsigned long), m);
	int err = errno;
	free(m);
	if (rc < 0)
		return fail(c, err, "sched_setaffinity");
	return 0;
}

int op_mempolicy(struct init *c, const struct wire_op *op)
{
	const struct wire_list *l = LIST(op, 1);
	if (l->count > 16)
		return fail(c, EINVAL, "node mask of %u words", l->count);
	unsigned long *m = NULL;
	if (l->count > 0 && (m = mask_words(c, l, "node mask")) == NULL)
		return -1;
	/* The kernel reads maxnode - 1 bits. */
	unsigned long maxnode = l->count ? (unsigned long)l->count * 64 + 1 : 0;
	long rc = syscall(SYS_set_mempolicy, (int)U64(op, 0), m, maxnode);
	int err = errno;
	free(m);
	if (rc < 0)
		return fail(c, err, "set_mempolicy(%#llx)", (unsigned long long)U64(op, 0));
	return 0;
}

int op_session_keyring(struct init *c, const struct wire_op *op)
{
	const char *name = STR(op, 0);
	uint32_t add = (uint32_t)U64(op, 1);
	long id = syscall(SYS_keyctl, KEYCTL_JOIN_SESSION_KEYRING, name);
	if (id < 0 && errno == ENOSYS)
		return 0; /* a kernel without keyrings: nothing to isolate (runc agrees) */
	if (id < 0)
		return fail(c, errno, "join session keyring %s", name);
	/* The description is "type;uid;gid;perm;name": the perm is the 4th field, in hex. */
	char desc[512];
	long n = syscall(SYS_keyctl, KEYCTL_DESCRIBE, id, desc, sizeof(desc));
	if (n < 0)
		return fail(c, errno, "describe session keyring %s", name);
	desc[sizeof(desc) - 1] = 0;
	const char *p = desc;
	for (int field = 0; field < 3 && p != NULL; field++) {
		p = strchr(p, ';');
		if (p != NULL)
			p++;
	}
	char *end;
	unsigned long perm = p ? strtoul(p, &end, 16) : 0;
	if (p == NULL || *end != ';')
		return fail(c, EINVAL, "session keyring %s: unexpected description \"%s\"", name, desc);
	if (syscall(SYS_keyctl, KEYCTL_SETPERM, id, (uint32_t)perm | add) < 0)
		return fail(c, errno, "set permissions of session keyring %s", name);
	return 0;
}

int op_lsm_label(struct init *c, const struct wire_op *op)
{
	const char *attr = STR(op, 0);
	char rel[128];
	if (attr[0] == 0 || attr[0] == '/' || strstr(attr, "..") != NULL)
		return fail(c, EINVAL, "bad LSM attribute %s", attr);
	if ((size_t)snprintf(rel, sizeof(rel), "attr/%s", attr) >= sizeof(rel))
		return fail(c, ENAMETOOLONG, "LSM attribute %s", attr);
	return proc_write(c, rel, 1, STR(op, 1));
}
