/*
 * tsrunc-init internals: the state that lives across ops, and the helpers of the op
 * handlers. The handlers' prototypes are generated (build/gen/init_ops.h): each takes
 * its op's argument struct, fields by name, and returns 0, or -1 after fail() has
 * recorded errno and a detail; main.c turns that into MSG_ERROR and exit(1).
 */
#ifndef TSRUNC_INIT_H
#define TSRUNC_INIT_H

#include <limits.h>
#include <stdint.h>
#include <sys/types.h>

#include "../wire.h"

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
	uint32_t step;   /* index of the op being run, for the errors reported later (seccomp, hooks) */
	int err;         /* errno of the failure being reported */
	char detail[1024];
};

/* report.c */
int fail(struct init *c, int err, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
/* A message (wire.h) with the fields in *args: 0, or -1 with errno. write_only: with
 * write(2), never sendmsg (a seccomp filter may hand sendmsg to a notify agent). */
int send_message(int fd, uint32_t type, const union wire_msg_args *args, int write_only);
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

/* proc.c: procfs files written through a verified handle. */
int proc_write(struct init *c, const char *rel, int self, const char *value);
int proc_verify_mounted(struct init *c);

/* process.c */
void reset_signals(void);

/* seccomp.c */
/* Loads a filter kept for exec; on failure reports it and exits (never execs unfiltered). */
void seccomp_load_staged(struct init *c);

/* hooks.c: the hook runner. */
int read_hook_state(struct init *c, int fd);

#include "init_ops.h"

#endif
