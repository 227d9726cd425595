// SPDX-License-Identifier: GPL-2.0
/*
 * tsrunc's process collector: fork, exec and exit counters per container, keyed by the
 * cgroup v2 id of the container's own cgroup. Only cgroups that tsrunc registered in
 * cg_watch are counted (so the map never fills with other runtimes' dead cgroups);
 * events in nested cgroups below a registered one roll up to it.
 *
 * Each event has two programs: tp_btf (typed arguments, preferred) and raw_tp (for
 * kernels whose tp_btf attach fails); the loader enables one flavour only.
 */
#include "kernel-types.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_tracing.h>

/* The layout userspace reads (src/observe/counters.ts): 9 little-endian u64. */
struct cg_stats {
	__u64 forks;          /* new processes */
	__u64 clones;         /* new threads */
	__u64 execs;
	__u64 exits;          /* processes (the last task of a thread group) */
	__u64 task_exits;     /* every task, threads included */
	__u64 exits_nonzero;  /* process exits with a status other than 0, or by a signal */
	__u64 exits_signaled; /* process exits caused by a signal */
	__u64 short_lived;    /* process exits less than 1 s after the process started */
	__u64 last_ns;        /* boot-time ns of the last event */
};

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 16384);
	__type(key, __u64);
	__type(value, struct cg_stats);
} cg_stats SEC(".maps");

/* cgroup ids tsrunc registered at create; the value is unused. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 16384);
	__type(key, __u64);
	__type(value, __u64);
} cg_watch SEC(".maps");

/* [0]: boot-time ns at which the collector was loaded, so a counter reset is visible. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u64);
} cg_meta SEC(".maps");

/*
 * [0]: the pin base this collector was loaded for (a NUL-terminated path), written by the
 * loader. A loader that sees another bpffs (another mount namespace, /sys/fs/bpf mounted
 * again) finds it by enumerating the loaded maps, and does not load a second copy.
 */
struct pin_base {
	char path[256];
};

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct pin_base);
} cg_pinbase SEC(".maps");

/* Containers with deeper nesting than this below their own cgroup are not rolled up. */
#define MAX_NESTING 8
#define SHORT_LIVED_NS 1000000000ULL

/* The registered cgroup at or above cg, or 0 when none is registered. */
static __always_inline __u64 container_of_cgroup(struct cgroup *cg)
{
	for (int i = 0; i < MAX_NESTING && cg; i++) {
		__u64 id = BPF_CORE_READ(cg, kn, id);
		if (bpf_map_lookup_elem(&cg_watch, &id))
			return id;
		cg = (struct cgroup *)BPF_CORE_READ(cg, self.parent);
	}
	return 0;
}

static __always_inline struct cg_stats *stats_of(struct task_struct *task)
{
	struct cgroup *cg = BPF_CORE_READ(task, cgroups, dfl_cgrp);
	__u64 id = container_of_cgroup(cg);
	if (!id)
		return 0;
	struct cg_stats *s = bpf_map_lookup_elem(&cg_stats, &id);
	if (s)
		return s;
	/* Registered but no entry yet (delete raced with an event): start one. */
	struct cg_stats zero = {};
	bpf_map_update_elem(&cg_stats, &id, &zero, BPF_NOEXIST);
	return bpf_map_lookup_elem(&cg_stats, &id);
}

/* The child's cgroup, not the parent's: clone3(CLONE_INTO_CGROUP) puts it elsewhere. */
static __always_inline void on_fork(struct task_struct *child)
{
	struct cg_stats *s = stats_of(child);
	if (!s)
		return;
	if (BPF_CORE_READ(child, pid) != BPF_CORE_READ(child, tgid))
		__sync_fetch_and_add(&s->clones, 1);
	else
		__sync_fetch_and_add(&s->forks, 1);
	s->last_ns = bpf_ktime_get_boot_ns();
}

static __always_inline void on_exec(struct task_struct *task)
{
	struct cg_stats *s = stats_of(task);
	if (!s)
		return;
	__sync_fetch_and_add(&s->execs, 1);
	s->last_ns = bpf_ktime_get_boot_ns();
}

/* Fires once per task; the process is gone when its last task exits (signal->live 0). */
static __always_inline void on_exit(struct task_struct *task)
{
	struct cg_stats *s = stats_of(task);
	if (!s)
		return;
	__u64 now = bpf_ktime_get_boot_ns();
	__sync_fetch_and_add(&s->task_exits, 1);
	if (BPF_CORE_READ(task, signal, live.counter) == 0) {
		int code = BPF_CORE_READ(task, exit_code);
		__sync_fetch_and_add(&s->exits, 1);
		if (code != 0)
			__sync_fetch_and_add(&s->exits_nonzero, 1);
		if (code & 0x7f)
			__sync_fetch_and_add(&s->exits_signaled, 1);
		if (now - BPF_CORE_READ(task, start_boottime) < SHORT_LIVED_NS)
			__sync_fetch_and_add(&s->short_lived, 1);
	}
	s->last_ns = now;
}

SEC("tp_btf/sched_process_fork")
int BPF_PROG(tsr_fork_btf, struct task_struct *parent, struct task_struct *child)
{
	on_fork(child);
	return 0;
}

SEC("tp_btf/sched_process_exec")
int BPF_PROG(tsr_exec_btf, struct task_struct *p)
{
	on_exec(p);
	return 0;
}

SEC("tp_btf/sched_process_exit")
int BPF_PROG(tsr_exit_btf, struct task_struct *p)
{
	on_exit(p);
	return 0;
}

SEC("raw_tp/sched_process_fork")
int BPF_PROG(tsr_fork_raw, struct task_struct *parent, struct task_struct *child)
{
	on_fork(child);
	return 0;
}

SEC("raw_tp/sched_process_exec")
int BPF_PROG(tsr_exec_raw, struct task_struct *p)
{
	on_exec(p);
	return 0;
}

SEC("raw_tp/sched_process_exit")
int BPF_PROG(tsr_exit_raw, struct task_struct *p)
{
	on_exit(p);
	return 0;
}

char LICENSE[] SEC("license") = "GPL";
