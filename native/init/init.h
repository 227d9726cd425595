/*
 * tsrunc-init internals: the state that lives across ops, and the op handlers.
 *
 * Every handler takes the decoded op and returns 0, or -1 after fail() has
 * recorded errno and a detail; main.c turns that into MSG_ERROR and exit(1).
 */
#ifndef TSRUNC_INIT_H
#define TSRUNC_INIT_H

#include <limits.h>
#include <stdint.h>
#include <sys/types.h>

#include "../wire_read.h"

struct sock_filter;

struct init {
	int sock;        /* -1 once detached */
	int rootfd;      /* O_PATH of the container root (OP_ROOTFS), -1 before */
	int devnull;     /* verified host /dev/null: a detached mount (open_tree) or O_PATH, -1 when closed */
	int devnull_is_tree; /* devnull is an open_tree clone: cloneable after the old root is gone */
	dev_t devnull_dev;   /* identity pinned at start, re-checked when the mount namespace changes */
	ino_t devnull_ino;
	int fifo;        /* O_PATH of exec.fifo (OP_FIFO_OPEN), -1 before; its write end after OP_WAIT_FIFO */
	char *exec_path; /* set by OP_RESOLVE_EXEC */
	struct sock_filter *seccomp_prog; /* OP_SECCOMP: the filter, NULL when none */
	uint32_t seccomp_len;
	uint64_t seccomp_flags;
	uint32_t seccomp_step; /* the plan step of OP_SECCOMP, for its errors */
	int seccomp_done;      /* loaded already (SECCOMP_WHEN_NOW) */
	char *hook_state;        /* OP_HOOK_STATE: the state JSON for OP_RUN_HOOK, NULL before */
	uint32_t hook_state_len;
	int err;         /* errno of the failure being reported */
	char detail[1024];
};

/* Accessors of decoded op fields, by index in wire order. */
#define U64(op, i) ((op)->f[i].u64)
#define STR(op, i) ((op)->f[i].str.s)
#define LIST(op, i) (&(op)->f[i].list)

/* report.c */
int fail(struct init *c, int err, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
int send_msg(int sock, uint32_t type, const void *payload, uint32_t len);
int send_u64_msg(int sock, uint32_t type, uint64_t v);
void report_error(struct init *c, uint32_t step, uint32_t op);
int read_full(int fd, void *buf, size_t len); /* 1 done, 0 EOF, -1 error */
void say(const char *a, const char *b, const char *c); /* to fd 2, best effort */

/* paths.c: paths inside the root, resolved by the kernel, never by string. */
#define IN_ROOT_NO_SYMLINKS 1 /* refuse any symlink along the path */
int root_open(int rootfd, const char *path, int flags, int opts);
/* Opens path (O_PATH), creating missing directories (0755) and, when file is
 * set, a missing last component as an empty regular file (0644). */
int root_mkpath(int rootfd, const char *path, int file, int opts);
/* O_PATH fd of path's parent directory (created when missing); its last component in name. */
int root_parent(int rootfd, const char *path, char name[static NAME_MAX + 1], int opts);
int fd_path(int fd, char buf[static 32]); /* "/proc/self/fd/N" */

/* mounts.c */
int devnull_prepare(struct init *c, int first);
int op_rootfs(struct init *c, const struct wire_op *op);
int op_mount(struct init *c, const struct wire_op *op);
int op_propagation(struct init *c, const struct wire_op *op);
int op_mknod(struct init *c, const struct wire_op *op);
int op_symlink(struct init *c, const struct wire_op *op);
int op_pivot_root(struct init *c, const struct wire_op *op);
int op_move_root(struct init *c, const struct wire_op *op);
int op_mask_path(struct init *c, const struct wire_op *op);
int op_readonly_path(struct init *c, const struct wire_op *op);
int op_root_readonly(struct init *c, const struct wire_op *op);

/* proc.c: procfs files written through a verified handle. */
int proc_write(struct init *c, const char *rel, int self, const char *value);
int op_sysctl(struct init *c, const struct wire_op *op);
int op_oom_score_adj(struct init *c, const struct wire_op *op);
int op_timens_offset(struct init *c, const struct wire_op *op);
int proc_verify_mounted(struct init *c);

/* process.c */
int op_setns(struct init *c, const struct wire_op *op);
int op_unshare(struct init *c, const struct wire_op *op);
int op_fork(struct init *c, const struct wire_op *op);
int op_sync(struct init *c, const struct wire_op *op);
int op_hostname(struct init *c, const struct wire_op *op);
int op_rlimit(struct init *c, const struct wire_op *op);
int op_chdir(struct init *c, const struct wire_op *op);
int op_identity(struct init *c, const struct wire_op *op);
int op_umask(struct init *c, const struct wire_op *op);
int op_caps_bounding(struct init *c, const struct wire_op *op);
int op_caps(struct init *c, const struct wire_op *op);
int op_no_new_privs(struct init *c, const struct wire_op *op);
int op_fifo_open(struct init *c, const struct wire_op *op);
int op_resolve_exec(struct init *c, const struct wire_op *op);
int op_detach(struct init *c, const struct wire_op *op);
int op_wait_fifo(struct init *c, const struct wire_op *op);
int op_exec(struct init *c, const struct wire_op *op, uint32_t step);
int op_setsid(struct init *c, const struct wire_op *op);
int op_close_devnull(struct init *c, const struct wire_op *op);
void reset_signals(void);

/* seccomp.c */
int op_seccomp(struct init *c, const struct wire_op *op, uint32_t step);
/* Loads a filter kept for exec; on failure reports it and exits (never execs unfiltered). */
void seccomp_load_staged(struct init *c);

/* confine.c */
int op_personality(struct init *c, const struct wire_op *op);
int op_scheduler(struct init *c, const struct wire_op *op);
int op_ioprio(struct init *c, const struct wire_op *op);
int op_cpu_affinity(struct init *c, const struct wire_op *op);
int op_mempolicy(struct init *c, const struct wire_op *op);
int op_session_keyring(struct init *c, const struct wire_op *op);
int op_lsm_label(struct init *c, const struct wire_op *op);

/* console.c */
int op_console(struct init *c, const struct wire_op *op);

/* hooks.c: createContainer and startContainer hooks. */
int op_hook_state(struct init *c, const struct wire_op *op);
int op_run_hook(struct init *c, const struct wire_op *op);

#endif
