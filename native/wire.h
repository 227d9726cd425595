/*
 * The wire format between tsrunc (TypeScript) and tsrunc-init (C).
 *
 * Mirrored, constant for constant, by src/native/wire.ts. Change both together
 * and bump TSRUNC_WIRE_VERSION; test/native/wire.test.ts round-trips a plan
 * through native/build/wire-dump to prove the two sides agree.
 *
 * Everything is little-endian. A plan is:
 *
 *   u32 magic (TSRUNC_WIRE_MAGIC)  u32 version  u32 op_count
 *   op_count times:  u32 op  u32 payload_len  payload
 *
 * A payload is a fixed sequence of items, per op, as listed below:
 *   u64  8 bytes
 *   str  u32 length, that many bytes, then one NUL (not counted in length),
 *        so C can use the bytes in place as a C string
 *   strv u32 count, then count str items
 *   u64v u32 count, then count u64 items
 *
 * The init executes the ops strictly in order. It makes no policy decision: TypeScript
 * has already decided every path, flag and order. Paths marked (root) are resolved
 * inside the container's root (the fd opened by OP_ROOTFS) with openat2 and
 * RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS, never as strings. Paths marked (host) are
 * host paths, used before the root is switched. Paths marked (new root) are used after
 * OP_PIVOT_ROOT / OP_MOVE_ROOT, inside the container's view.
 *
 * Messages on the socket (both directions): u32 type, u32 payload_len, payload.
 */
#ifndef TSRUNC_WIRE_H
#define TSRUNC_WIRE_H

#define TSRUNC_WIRE_MAGIC 0x57525354u /* "TSRW" */
#define TSRUNC_WIRE_VERSION 2u

/* Operations of a plan. */
enum tsrunc_op {
	/* u64 nstype (CLONE_NEW*), str path (host): open path, setns(fd, nstype). */
	OP_SETNS = 1,
	/* u64 flags (CLONE_NEW*): unshare(flags). */
	OP_UNSHARE = 2,
	/* (none): fork(). The parent sends MSG_PID with the child's host-visible pid
	 * (as seen from the parent's pid namespace), and exits 0. The child carries on
	 * with the next op. Used when a pid (or time) namespace applies only to children. */
	OP_FORK = 3,
	/* u64 tag: send MSG_SYNC{tag}, then read one byte: 'g' = go on; anything else
	 * or EOF = exit(1) quietly (the parent has given up and reports the error). */
	OP_SYNC = 4,
	/* str name */
	OP_SETHOSTNAME = 5,
	/* str name */
	OP_SETDOMAINNAME = 6,
	/* str path (host), u64 flags: mount(NULL, path, NULL, flags, NULL) — propagation
	 * change such as MS_REC|MS_SLAVE on "/" of the new mount namespace. */
	OP_PROPAGATION = 7,
	/* str rootfs (host, absolute): bind-mount rootfs onto itself (MS_BIND|MS_REC),
	 * make its parent mount private (so pivot_root works), open it O_PATH as the
	 * root fd for every later (root) path. */
	OP_ROOTFS = 8,
	/* str source, str dest (root), str fstype, u64 flags (MS_* without propagation),
	 * u64 propagation (MS_* propagation flags, applied one by one after mounting),
	 * str data, u64 attr_set, u64 attr_clr (MOUNT_ATTR_*, applied recursively with
	 * mount_setattr when either is non-zero), u64 mflags (MF_* below).
	 * dest is created if missing (directories 0755; the last component a regular
	 * file 0644 when MF_DEST_FILE). A bind with read-only or other per-mount flags
	 * is done as a bind and then a MS_REMOUNT|MS_BIND with those flags. */
	OP_MOUNT = 9,
	/* str path (root), u64 type (S_IFCHR|S_IFBLK|S_IFIFO), u64 major, u64 minor,
	 * u64 mode (permission bits), u64 uid, u64 gid. Parent dirs created 0755.
	 * An existing node at path is replaced. */
	OP_MKNOD = 10,
	/* str target, str linkpath (root): symlink; an existing entry is left alone. */
	OP_SYMLINK = 11,
	/* (none): pivot_root into the root fd, detach the old root, chdir("/"). */
	OP_PIVOT_ROOT = 12,
	/* (none): --no-pivot: MS_MOVE the root onto "/", chroot("."), chdir("/"). */
	OP_MOVE_ROOT = 13,
	/* str path (new root): a directory gets a read-only empty tmpfs, anything else
	 * a bind of /dev/null (the host's, opened and verified as char 1:3 at init
	 * start). A missing path is skipped. */
	OP_MASK_PATH = 14,
	/* str path (new root): bind it onto itself, remount read-only keeping its other
	 * flags. A missing path is skipped. */
	OP_READONLY_PATH = 15,
	/* (none): remount "/" (new root) read-only. */
	OP_ROOT_READONLY = 16,
	/* str key (as a path below /proc/sys, e.g. "net/ipv4/ip_forward"), str value:
	 * written through a verified procfs handle (new root's /proc). */
	OP_SYSCTL = 17,
	/* u64 resource (RLIMIT_*), u64 soft, u64 hard (RLIM_INFINITY = ~0). */
	OP_RLIMIT = 18,
	/* u64 value (two's complement int64): /proc/self/oom_score_adj, verified procfs. */
	OP_OOM_SCORE_ADJ = 19,
	/* str path (new root): chdir; refuse a cwd that getcwd reports unreachable. */
	OP_CHDIR = 20,
	/* u64 uid, u64 gid, u64v additional gids: setgroups, setgid, setuid keeping
	 * capabilities (PR_SET_KEEPCAPS) for OP_CAPS. */
	OP_IDENTITY = 21,
	/* u64 mask */
	OP_UMASK = 22,
	/* u64 bounding: drop every capability not in the mask from the bounding set. */
	OP_CAPS_BOUNDING = 23,
	/* u64 effective, u64 permitted, u64 inheritable, u64 ambient: capset, then clear
	 * the ambient set and raise each ambient capability. */
	OP_CAPS = 24,
	/* (none): prctl(PR_SET_NO_NEW_PRIVS). */
	OP_NO_NEW_PRIVS = 25,
	/* str path (host): open the exec fifo O_PATH|O_CLOEXEC and keep the fd. */
	OP_FIFO_OPEN = 26,
	/* str argv0, str search path (the PATH value from process.env, may be empty):
	 * resolve the executable in the current root and cwd, as execvp would.
	 * Failure is reported with errno ENOENT/EACCES and the detail
	 *   exec: "<argv0>": executable file not found in $PATH      (no '/' in argv0)
	 *   stat <argv0>: no such file or directory                   (with a '/')
	 * The resolved path is what OP_EXEC executes. */
	OP_RESOLVE_EXEC = 27,
	/* (none): close the socket and clear the parent-death signal: from here on
	 * the container lives on its own. */
	OP_DETACH = 28,
	/* (none): open the fifo (kept by OP_FIFO_OPEN) through /proc/self/fd O_WRONLY —
	 * this blocks until `tsrunc start` opens it for reading — write one byte, close. */
	OP_WAIT_FIFO = 29,
	/* strv argv, strv envp: reset signal mask and dispositions, execve(resolved path).
	 * On failure write "tsrunc-init: exec <path>: <error>" to fd 2 and exit 127. */
	OP_EXEC = 30,
	/* u64 clock (CLOCK_MONOTONIC or CLOCK_BOOTTIME), u64 seconds (int64), u64 nanoseconds:
	 * one line in /proc/self/timens_offsets (after OP_UNSHARE of CLONE_NEWTIME). */
	OP_TIMENS_OFFSET = 31,
	/* (none): setsid(). */
	OP_SETSID = 32,
	/* (none): close the verified /dev/null handle once masking is done. */
	OP_CLOSE_DEVNULL = 33,

	/* Confinement (issue 3). Codes from 40 on. */

	/* u64 flags (SECCOMP_FILTER_FLAG_*), u64 when (SECCOMP_WHEN_*), u64v program
	 * (struct sock_filter instructions, one per u64, little-endian: code, jt, jf, k).
	 * SECCOMP_WHEN_EXEC: the filter is kept and loaded by OP_EXEC right after the
	 * signals are reset, so execve is the only syscall it ever sees from the init.
	 * SECCOMP_WHEN_NOW: loaded here (no_new_privs unset: needs CAP_SYS_ADMIN, so
	 * before the capabilities are dropped). With SECCOMP_FILTER_FLAG_NEW_LISTENER the
	 * init then sends MSG_SECCOMP_FD{fd}, waits for one byte ('g'), and closes the fd. */
	OP_SECCOMP = 40,
	/* u64 persona: personality(persona). */
	OP_PERSONALITY = 41,
	/* u64 policy, u64 flags, u64 nice (two's complement), u64 priority, u64 runtime,
	 * u64 deadline, u64 period: sched_setattr(0, attr, 0). */
	OP_SCHEDULER = 42,
	/* u64 ioprio ((class << 13) | level): ioprio_set(IOPRIO_WHO_PROCESS, 0, ioprio). */
	OP_IOPRIO = 43,
	/* u64v mask (CPU n is bit n%64 of word n/64): sched_setaffinity(0, mask). */
	OP_CPU_AFFINITY = 44,
	/* u64 mode (MPOL_* | MPOL_F_* flags), u64v nodemask (same layout as a CPU mask):
	 * set_mempolicy(mode, nodemask, 64 * words + 1). */
	OP_MEMPOLICY = 45,
	/* str name, u64 perm (KEY_*_ bits to add): join a new session keyring of that
	 * name, then add perm to its permissions (the container may search it).
	 * ENOSYS (no keyrings in this kernel) is not an error. */
	OP_SESSION_KEYRING = 46,
	/* str attr (below /proc/self/attr, e.g. "apparmor/exec" or "exec"), str value:
	 * written through the verified procfs handle (proc.c); the LSM applies it at the
	 * next execve. */
	OP_LSM_LABEL = 47,

	/* Terminal (issue 5). */

	/* u64 rows, u64 cols (0, 0: leave the size alone), u64 uid, u64 gid (owner of the
	 * slave), u64 flags (CONSOLE_*): allocate a pty from /dev/ptmx of the current root,
	 * send MSG_CONSOLE_FD{master}, wait for one byte ('g'), then make the slave fds 0-2
	 * and the controlling terminal (the init must be a session leader: OP_SETSID). */
	OP_CONSOLE = 62,

	/* Hooks (issue 5): 60 and 61. */

	/* (none): send MSG_SYNC{SYNC_HOOK_STATE}, then read one frame: u32 length
	 * (at most HOOK_STATE_MAX), that many bytes: the OCI state JSON, kept for the
	 * OP_RUN_HOOKs that follow (replacing any earlier one). EOF = exit(1) quietly. */
	OP_HOOK_STATE = 60,
	/* str path, strv argv (argv[0] included), strv envp, u64 timeout_ms, str name
	 * (e.g. "createContainer hook /usr/bin/x (index 0)", for messages): fork; the
	 * child gets its own process group, the stored state on stdin (a pipe),
	 * stdout and stderr into a memfd, no other fd, default signals, and execve(path)
	 * (path resolved in the init's current root). The init writes the state (EPIPE
	 * and a hook that exits without reading are fine), waits up to timeout_ms, then
	 * SIGKILLs the hook's whole process group (always: nothing it left behind in its
	 * group survives) and reaps it. Failure: errno ETIMEDOUT "<name> timed out after
	 * N ms", or ECHILD "<name> exited with status N: <output tail>" / "<name> killed
	 * by signal N". After OP_DETACH (no socket) the failure is written to fd 2 as
	 * "tsrunc-init: <detail>" and the init exits 1 without going on. */
	OP_RUN_HOOK = 61,
};

/* The OP_SYNC tag OP_HOOK_STATE sends (src/native/wire.ts SYNC.HOOK_STATE). */
#define SYNC_HOOK_STATE 61u
/* Largest state JSON OP_HOOK_STATE accepts. */
#define HOOK_STATE_MAX (16u << 20)

/* OP_SECCOMP when */
#define SECCOMP_WHEN_EXEC 0u
#define SECCOMP_WHEN_NOW 1u

/* OP_CONSOLE flags */
#define CONSOLE_DEV_CONSOLE 0x1u /* also bind the slave onto /dev/console (create, not exec) */

/* OP_MOUNT mflags */
#define MF_BIND 0x1u          /* source is a host path to bind; fstype is ignored */
#define MF_DEST_FILE 0x2u     /* create dest as a file, not a directory */
#define MF_DEST_NO_SYMLINK 0x4u /* refuse dest if any of its components is a symlink
                                 * (proc and sysfs destinations: CVE-2023-27561) */

/* Messages, init -> tsrunc */
enum tsrunc_msg {
	/* u64 tag */
	MSG_SYNC = 1,
	/* u64 pid */
	MSG_PID = 2,
	/* u64 step (0-based index of the op in the plan), u64 op, u64 errno, str detail
	 * (may be empty; the TypeScript side knows what each step was). */
	MSG_ERROR = 3,
	/* tsrunc -> init: the plan itself (payload = the plan bytes). */
	MSG_PLAN = 4,
	/* u64 fd: the seccomp notify fd, as a number in the init's fd table. tsrunc takes
	 * its own copy with pidfd_getfd, hands it to linux.seccomp.listenerPath, and
	 * answers one byte ('g'). */
	MSG_SECCOMP_FD = 5,
	/* u64 fd: the pty master, as a number in the init's fd table. tsrunc takes its
	 * own copy with pidfd_getfd and answers one byte ('g'). */
	MSG_CONSOLE_FD = 6,
};

/* Steps that are not ops of the plan, reported in MSG_ERROR.step. */
#define STEP_READ_PLAN 0xffffffffu /* reading or decoding the plan */
#define STEP_INIT_START 0xfffffffeu /* the init's own start-up (devnull, prctl) */

#endif
