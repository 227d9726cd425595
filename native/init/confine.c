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

int op_personality(struct init *c, const struct op_personality_args *a)
{
	unsigned long persona = (unsigned long)a->persona;
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

int op_scheduler(struct init *c, const struct op_scheduler_args *a)
{
	struct sched_attr_v1 s;
	memset(&s, 0, sizeof(s));
	s.size = sizeof(s);
	s.policy = (uint32_t)a->policy;
	s.flags = a->flags;
	s.nice = (int32_t)(int64_t)a->nice;
	s.priority = (uint32_t)a->priority;
	s.runtime = a->runtime;
	s.deadline = a->deadline;
	s.period = a->period;
	s.util_max = 1024; /* only read with SCHED_FLAG_UTIL_CLAMP_MAX: "no clamp" */
	if (syscall(SYS_sched_setattr, 0, &s, 0U) < 0)
		return fail(c, errno, "sched_setattr(policy %u, flags %#llx, nice %d, priority %u)", s.policy,
			    (unsigned long long)s.flags, s.nice, s.priority);
	return 0;
}

int op_ioprio(struct init *c, const struct op_ioprio_args *a)
{
	const int who_process = 1; /* IOPRIO_WHO_PROCESS */
	if (syscall(SYS_ioprio_set, who_process, 0, (int)a->ioprio) < 0)
		return fail(c, errno, "ioprio_set(%#llx)", (unsigned long long)a->ioprio);
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

int op_cpu_affinity(struct init *c, const struct op_cpu_affinity_args *a)
{
	const struct wire_list *l = &a->mask;
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

int op_mempolicy(struct init *c, const struct op_mempolicy_args *a)
{
	const struct wire_list *l = &a->nodemask;
	if (l->count > 16)
		return fail(c, EINVAL, "node mask of %u words", l->count);
	unsigned long *m = NULL;
	if (l->count > 0 && (m = mask_words(c, l, "node mask")) == NULL)
		return -1;
	/* The kernel reads maxnode - 1 bits. */
	unsigned long maxnode = l->count ? (unsigned long)l->count * 64 + 1 : 0;
	long rc = syscall(SYS_set_mempolicy, (int)a->mode, m, maxnode);
	int err = errno;
	free(m);
	if (rc < 0)
		return fail(c, err, "set_mempolicy(%#llx)", (unsigned long long)a->mode);
	return 0;
}

int op_session_keyring(struct init *c, const struct op_session_keyring_args *a)
{
	const char *name = a->name;
	uint32_t add = (uint32_t)a->perm;
	long id = syscall(SYS_keyctl, KEYCTL_JOIN_SESSION_KEYRING, name);
	if (id < 0 && errno == ENOSYS && (a->flags & KEYRING_ENOSYS_OK))
		return 0; /* a kernel without keyrings: the plan says that is fine */
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

int op_lsm_label(struct init *c, const struct op_lsm_label_args *a)
{
	const char *attr = a->attr;
	char rel[128];
	if (attr[0] == 0 || attr[0] == '/' || strstr(attr, "..") != NULL)
		return fail(c, EINVAL, "bad LSM attribute %s", attr);
	if ((size_t)snprintf(rel, sizeof(rel), "attr/%s", attr) >= sizeof(rel))
		return fail(c, ENAMETOOLONG, "LSM attribute %s", attr);
	return proc_write(c, rel, 1, a->value);
}
