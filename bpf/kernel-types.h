/*
 * The few kernel types the collector reads, declared by hand instead of a generated
 * vmlinux.h (no bpftool needed at build time). preserve_access_index makes every field
 * access a CO-RE relocation: libbpf fixes the offsets against the running kernel's BTF
 * at load, so only the field names must match, not the layout.
 */
#ifndef TSRUNC_KERNEL_TYPES_H
#define TSRUNC_KERNEL_TYPES_H

typedef unsigned char __u8;
typedef unsigned int __u32;
typedef int __s32;
typedef unsigned long long __u64;
typedef long long __s64;
typedef unsigned short __u16;
typedef __u32 __be32;
typedef __u16 __be16;
typedef __u32 __wsum;
typedef __u64 u64;
typedef __u32 u32;

enum bpf_map_type { BPF_MAP_TYPE_HASH = 1, BPF_MAP_TYPE_ARRAY = 2 };
enum { BPF_ANY = 0, BPF_NOEXIST = 1 };

typedef struct { int counter; } atomic_t;

struct kernfs_node { __u64 id; } __attribute__((preserve_access_index));
struct cgroup_subsys_state { struct cgroup_subsys_state *parent; } __attribute__((preserve_access_index));
struct cgroup { struct cgroup_subsys_state self; int level; struct kernfs_node *kn; } __attribute__((preserve_access_index));
struct css_set { struct cgroup *dfl_cgrp; } __attribute__((preserve_access_index));
struct signal_struct { atomic_t live; } __attribute__((preserve_access_index));
struct task_struct {
	int pid;
	int tgid;
	int exit_code;
	__u64 start_boottime;
	struct css_set *cgroups;
	struct signal_struct *signal;
} __attribute__((preserve_access_index));

#endif
