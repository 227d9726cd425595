/**
 * The wire protocol between tsrunc (TypeScript) and tsrunc-init (C), declared once.
 *
 * Everything both sides must agree on is here: the op codes of a plan and each op's
 * fields in wire order, the messages on the socket and their fields, and the constants
 * (flags, rendezvous tags, limits). TypeScript reads this table directly
 * (src/native/wire.ts encodes and decodes by it); `scripts/gen-wire.mjs` turns it into
 * the C header, the decoder's field table and the init's dispatch (native/build/gen/,
 * see native/README.md). Adding a field is one edit here and a rebuild: the TypeScript
 * types then ask every place that builds the op for it, and the C handler finds it by
 * name in its argument struct. The wire version is a hash of this layout, so an init
 * and a tsrunc built from different tables refuse each other.
 *
 * Encoding (little-endian): a plan is `u32 magic, u32 version, u32 op_count`, then per
 * op `u32 code, u32 payload_len, payload`; a message on the socket is `u32 type,
 * u32 payload_len, payload`. A payload is its fields in order:
 *   u64  8 bytes
 *   str  u32 length, that many bytes, one NUL (not counted): C uses it in place
 *   strv u32 count, then count str
 *   u64v u32 count, then count u64
 *
 * The init executes the ops strictly in order and decides nothing: every path, flag,
 * order and tolerated failure is in the plan. Paths marked (root) are resolved inside
 * the container's root (the fd of OP_ROOTFS) with openat2(RESOLVE_IN_ROOT |
 * RESOLVE_NO_MAGICLINKS), never as strings; (host) paths are used before the root is
 * switched; (new root) paths after OP_PIVOT_ROOT / OP_MOVE_ROOT.
 *
 * Field names are camelCase here and in TypeScript, snake_case in C.
 */

export type WireKind = 'u64' | 'str' | 'strv' | 'u64v';
export type WireFields = readonly (readonly [name: string, kind: WireKind])[];
export interface WireDef { code: number; doc: string; fields: WireFields }
export interface WireConstGroup { doc: string; values: Record<string, readonly [value: number, doc: string]> }

export const WIRE = {
  magic: 0x57525354, // "TSRW"

  ops: {
    SETNS: {
      code: 1,
      doc: 'nstype (CLONE_NEW*), path (host): open path, setns(fd, nstype).',
      fields: [['nstype', 'u64'], ['path', 'str']],
    },
    UNSHARE: { code: 2, doc: 'flags (CLONE_NEW*): unshare(flags).', fields: [['flags', 'u64']] },
    FORK: {
      code: 3,
      doc: `fork(). The parent sends MSG_PID with the child's pid as seen from the parent's pid
namespace, and exits 0; the child goes on with the next op. Used when a pid (or time)
namespace applies only to children.`,
      fields: [],
    },
    SYNC: {
      code: 4,
      doc: `tag (SYNC_*): send MSG_SYNC{tag}, then read one byte: 'g' goes on; anything else or EOF
exits 1 quietly (tsrunc has given up and reports the error itself).`,
      fields: [['tag', 'u64']],
    },
    SETHOSTNAME: { code: 5, doc: 'sethostname(name).', fields: [['name', 'str']] },
    SETDOMAINNAME: { code: 6, doc: 'setdomainname(name).', fields: [['name', 'str']] },
    PROPAGATION: {
      code: 7,
      doc: `path (host), flags: mount(NULL, path, NULL, flags, NULL), a propagation change such as
MS_REC|MS_SLAVE on "/" of the new mount namespace.`,
      fields: [['path', 'str'], ['flags', 'u64']],
    },
    ROOTFS: {
      code: 8,
      doc: `rootfs (host, absolute): make the mount holding it private (pivot_root needs that; the
init walks up to its mount point), bind-mount it onto itself (MS_BIND|MS_REC) and open it
O_PATH as the root fd for every later (root) path.`,
      fields: [['rootfs', 'str']],
    },
    MOUNT: {
      code: 9,
      doc: `source, dest (root), fstype, flags (MS_* without propagation), propagation (MS_*
propagation flags, applied one by one after mounting), data, attrSet and attrClr
(MOUNT_ATTR_*, applied recursively with mount_setattr when either is set), mflags (MF_*).
dest is created when missing (directories 0755; the last component a regular file 0644
with MF_DEST_FILE). A bind with other per-mount flags is a bind, then a
MS_REMOUNT|MS_BIND with those flags (see MF_KEEP_LOCKED).`,
      fields: [
        ['source', 'str'], ['dest', 'str'], ['fstype', 'str'], ['flags', 'u64'], ['propagation', 'u64v'],
        ['data', 'str'], ['attrSet', 'u64'], ['attrClr', 'u64'], ['mflags', 'u64'],
      ],
    },
    MKNOD: {
      code: 10,
      doc: `path (root), type (S_IFCHR, S_IFBLK or S_IFIFO), major, minor, mode (permission bits),
uid, gid. Parent directories are created 0755; an existing node at path is replaced.`,
      fields: [['path', 'str'], ['type', 'u64'], ['major', 'u64'], ['minor', 'u64'], ['mode', 'u64'], ['uid', 'u64'], ['gid', 'u64']],
    },
    SYMLINK: {
      code: 11,
      doc: 'target, linkpath (root): symlink; an existing entry is left alone.',
      fields: [['target', 'str'], ['linkpath', 'str']],
    },
    PIVOT_ROOT: { code: 12, doc: 'pivot_root into the root fd, detach the old root, chdir("/").', fields: [] },
    MOVE_ROOT: { code: 13, doc: '--no-pivot: MS_MOVE the root onto "/", chroot("."), chdir("/").', fields: [] },
    MASK_PATH: {
      code: 14,
      doc: `path (new root), flags (MASK_*): a directory gets a read-only empty tmpfs, anything else a
bind of the host's /dev/null (opened and verified as char 1:3 at init start). A missing path
is skipped.`,
      fields: [['path', 'str'], ['flags', 'u64']],
    },
    READONLY_PATH: {
      code: 15,
      doc: `path (new root): bind it onto itself and make that mount read-only, keeping its other
flags. A missing path is skipped.`,
      fields: [['path', 'str']],
    },
    ROOT_READONLY: { code: 16, doc: 'Make "/" (new root) read-only.', fields: [] },
    SYSCTL: {
      code: 17,
      doc: `key (a path below /proc/sys, e.g. "net/ipv4/ip_forward"), value: written through a
verified procfs handle (the new root's /proc).`,
      fields: [['key', 'str'], ['value', 'str']],
    },
    RLIMIT: {
      code: 18,
      doc: 'resource (RLIMIT_*), soft, hard (RLIM_INFINITY = ~0): prlimit.',
      fields: [['resource', 'u64'], ['soft', 'u64'], ['hard', 'u64']],
    },
    OOM_SCORE_ADJ: {
      code: 19,
      doc: 'value (two\'s complement int64): /proc/self/oom_score_adj, through the verified procfs.',
      fields: [['value', 'u64']],
    },
    CHDIR: {
      code: 20,
      doc: 'path (new root): chdir; a cwd that getcwd reports unreachable is refused.',
      fields: [['path', 'str']],
    },
    IDENTITY: {
      code: 21,
      doc: `uid, gid, groups (additional gids), flags (IDENTITY_*): setgroups, setgid, setuid,
keeping the capabilities (PR_SET_KEEPCAPS) for OP_CAPS.`,
      fields: [['uid', 'u64'], ['gid', 'u64'], ['groups', 'u64v'], ['flags', 'u64']],
    },
    UMASK: { code: 22, doc: 'umask(mask).', fields: [['mask', 'u64']] },
    CAPS_BOUNDING: {
      code: 23,
      doc: 'bounding: drop every capability not in the mask from the bounding set.',
      fields: [['bounding', 'u64']],
    },
    CAPS: {
      code: 24,
      doc: 'effective, permitted, inheritable, ambient: capset, then clear the ambient set and raise each ambient capability.',
      fields: [['effective', 'u64'], ['permitted', 'u64'], ['inheritable', 'u64'], ['ambient', 'u64']],
    },
    NO_NEW_PRIVS: { code: 25, doc: 'prctl(PR_SET_NO_NEW_PRIVS).', fields: [] },
    FIFO_OPEN: { code: 26, doc: 'path (host): open the exec fifo O_PATH and keep the fd.', fields: [['path', 'str']] },
    RESOLVE_EXEC: {
      code: 27,
      doc: `argv0, searchPath (PATH of process.env, may be empty): resolve the executable in the
current root and cwd, as execvp would. A failure says ENOENT/EACCES and
  exec: "<argv0>": executable file not found in $PATH   (no '/' in argv0)
  stat <argv0>: no such file or directory               (with a '/')
The resolved path is what OP_EXEC executes.`,
      fields: [['argv0', 'str'], ['searchPath', 'str']],
    },
    DETACH: {
      code: 28,
      doc: 'Close the socket and clear the parent-death signal: from here on the container lives on its own.',
      fields: [],
    },
    WAIT_FIFO: {
      code: 29,
      doc: `Open the fifo kept by OP_FIFO_OPEN through /proc/self/fd O_WRONLY (blocks until
\`tsrunc start\` opens it for reading), write one byte, keep the write end until exec.`,
      fields: [],
    },
    EXEC: {
      code: 30,
      doc: `argv, envp: reset the signal mask and dispositions, execve(the resolved path). On failure
"tsrunc-init: exec <path>: <error>" goes to fd 2 and the init exits 127.`,
      fields: [['argv', 'strv'], ['envp', 'strv']],
    },
    TIMENS_OFFSET: {
      code: 31,
      doc: `clock (CLOCK_MONOTONIC or CLOCK_BOOTTIME), seconds (int64), nanoseconds: one line of
/proc/self/timens_offsets (after OP_UNSHARE of CLONE_NEWTIME).`,
      fields: [['clock', 'u64'], ['seconds', 'u64'], ['nanoseconds', 'u64']],
    },
    SETSID: { code: 32, doc: 'setsid().', fields: [] },
    CLOSE_DEVNULL: { code: 33, doc: 'Close the verified /dev/null handle once masking is done.', fields: [] },

    // Confinement: codes from 40 on.
    SECCOMP: {
      code: 40,
      doc: `flags (SECCOMP_FILTER_FLAG_*), when (SECCOMP_WHEN_*), program (struct sock_filter, one per
u64: code | jt << 16 | jf << 24 | k << 32). SECCOMP_WHEN_EXEC: kept and loaded by OP_EXEC
right after the signals are reset, so execve is the only syscall it sees from the init.
SECCOMP_WHEN_NOW: loaded here (without no_new_privs it needs CAP_SYS_ADMIN, so before the
capabilities go). With SECCOMP_FILTER_FLAG_NEW_LISTENER the init then sends
MSG_SECCOMP_FD, waits for one byte ('g') and closes its copy.`,
      fields: [['flags', 'u64'], ['when', 'u64'], ['program', 'u64v']],
    },
    PERSONALITY: { code: 41, doc: 'personality(persona).', fields: [['persona', 'u64']] },
    SCHEDULER: {
      code: 42,
      doc: 'policy, flags, nice (two\'s complement), priority, runtime, deadline, period: sched_setattr(0, attr, 0).',
      fields: [['policy', 'u64'], ['flags', 'u64'], ['nice', 'u64'], ['priority', 'u64'], ['runtime', 'u64'], ['deadline', 'u64'], ['period', 'u64']],
    },
    IOPRIO: { code: 43, doc: 'ioprio ((class << 13) | level): ioprio_set(IOPRIO_WHO_PROCESS, 0, ioprio).', fields: [['ioprio', 'u64']] },
    CPU_AFFINITY: {
      code: 44,
      doc: 'mask (CPU n is bit n%64 of word n/64): sched_setaffinity(0, mask).',
      fields: [['mask', 'u64v']],
    },
    MEMPOLICY: {
      code: 45,
      doc: 'mode (MPOL_* | MPOL_F_*), nodemask (words as a CPU mask): set_mempolicy(mode, nodemask, 64 * words + 1).',
      fields: [['mode', 'u64'], ['nodemask', 'u64v']],
    },
    SESSION_KEYRING: {
      code: 46,
      doc: `name, perm (KEY_* bits to add), flags (KEYRING_*): join a new session keyring of that
name, then add perm to its permissions.`,
      fields: [['name', 'str'], ['perm', 'u64'], ['flags', 'u64']],
    },
    LSM_LABEL: {
      code: 47,
      doc: `attr (below /proc/self/attr, e.g. "apparmor/exec" or "exec"), value: written through the
verified procfs handle; the LSM applies it at the next execve.`,
      fields: [['attr', 'str'], ['value', 'str']],
    },

    // Hooks: 60 and 61.
    HOOK_STATE: {
      code: 60,
      doc: `Send MSG_SYNC{SYNC_HOOK_STATE}, then read one frame, u32 length (at most HOOK_STATE_MAX)
and that many bytes: the OCI state JSON for the OP_RUN_HOOKs that follow (replacing an
earlier one). EOF exits 1 quietly.`,
      fields: [],
    },
    RUN_HOOK: {
      code: 61,
      doc: `path, argv (argv[0] included), envp, timeoutS, name (e.g. "createContainer hook /usr/bin/x
(index 0)", for messages), flags (HOOK_*). The one hook runner (init/hooks.c), for all six
kinds: fork; the child gets its own process group, the stored state on stdin (a pipe),
stdout and stderr into a memfd, no other fd, default signals, and execve(path) (resolved
in the init's current root). The state is written (EPIPE, a hook that exits without
reading, is fine); after timeoutS seconds, or once the hook exits, its whole process group
is SIGKILLed and reaped. A failure says "<name> exited with status N: <output tail>",
"<name> killed by signal N: …", "<name> timed out after N s: …" or "<name> could not be
run: …". After OP_DETACH (no socket) it is written to fd 2 and into the exec fifo, and
the init exits 1.`,
      fields: [['path', 'str'], ['argv', 'strv'], ['envp', 'strv'], ['timeoutS', 'u64'], ['name', 'str'], ['flags', 'u64']],
    },

    // Terminal.
    CONSOLE: {
      code: 62,
      doc: `rows, cols (0, 0: leave the size alone), uid, gid (owner of the slave), flags (CONSOLE_*):
allocate a pty from /dev/ptmx of the current root, send MSG_CONSOLE_FD{fd}, wait for one
byte ('g'), then make the slave fds 0-2 and the controlling terminal (the init must be a
session leader: OP_SETSID).`,
      fields: [['rows', 'u64'], ['cols', 'u64'], ['uid', 'u64'], ['gid', 'u64'], ['flags', 'u64']],
    },
  },

  msgs: {
    SYNC: { code: 1, doc: 'init -> tsrunc: at a rendezvous (OP_SYNC, OP_HOOK_STATE).', fields: [['tag', 'u64']] },
    PID: { code: 2, doc: 'init -> tsrunc: the pid of the child of OP_FORK.', fields: [['pid', 'u64']] },
    ERROR: {
      code: 3,
      doc: `init -> tsrunc: step (index of the op in the plan, or STEP_*), op (its code), errnum,
detail (may be empty; tsrunc knows what each step was). Also what \`tsrunc-init
--run-hook\` writes to stdout for a failed hook.`,
      fields: [['step', 'u64'], ['op', 'u64'], ['errnum', 'u64'], ['detail', 'str']],
    },
    PLAN: { code: 4, doc: 'tsrunc -> init: the plan itself (the payload is the plan bytes, not fields).', fields: [] },
    SECCOMP_FD: {
      code: 5,
      doc: `init -> tsrunc: the seccomp notify fd, as a number in the init's fd table. tsrunc takes its
own copy with pidfd_getfd, hands it to linux.seccomp.listenerPath and answers 'g'.`,
      fields: [['fd', 'u64']],
    },
    CONSOLE_FD: {
      code: 6,
      doc: 'init -> tsrunc: the pty master, as a number in the init\'s fd table; tsrunc copies it (pidfd_getfd) and answers \'g\'.',
      fields: [['fd', 'u64']],
    },
  },

  consts: {
    SYNC: {
      doc: 'Tags of OP_SYNC, so both sides know which rendezvous they are at.',
      values: {
        NAMESPACES: [1, 'after the namespaces exist, before anything else: cgroups, id maps'],
        READY: [2, 'the root is complete and the executable resolved: create may record "created"'],
        HOOKS: [60, 'before the root is switched (only with prestart/createRuntime hooks): tsrunc runs them'],
        HOOK_STATE: [61, 'sent by OP_HOOK_STATE: the answer is a frame (u32 length, the state JSON), not \'g\''],
      },
    },
    MF: {
      doc: 'OP_MOUNT mflags.',
      values: {
        BIND: [0x1, 'source is a host path to bind; fstype is ignored'],
        DEST_FILE: [0x2, 'create dest as a file, not a directory'],
        DEST_NO_SYMLINK: [0x4, 'refuse dest if any of its components is a symlink (proc, sysfs: CVE-2023-27561)'],
        KEEP_LOCKED: [0x8, `in a user namespace the kernel locks the flags of mounts from the host and refuses
(EPERM) a bind remount that would clear one: then retry once with the mount's own flags
(fstatfs) added. Set by the plan for the containers in a user namespace only.`],
      },
    },
    MASK: {
      doc: 'OP_MASK_PATH flags.',
      values: {
        CONTAINER_DEVNULL_FALLBACK: [0x1, `when the kernel cannot clone the detached copy of the host's /dev/null
(before 6.15: EINVAL), bind the container's own /dev/null instead, opened without
following symlinks and verified as char 1:3 (CVE-2025-31133).`],
      },
    },
    IDENTITY: {
      doc: 'OP_IDENTITY flags.',
      values: {
        SETGROUPS_DENIED_OK: [0x1, `an EPERM from setgroups with an empty list is not an error: a user namespace
whose setgroups is "deny" has nothing to drop (runc concludes the same).`],
      },
    },
    KEYRING: {
      doc: 'OP_SESSION_KEYRING flags.',
      values: { ENOSYS_OK: [0x1, 'a kernel without keyrings (ENOSYS) has nothing to isolate: not an error'] },
    },
    HOOK: {
      doc: 'OP_RUN_HOOK flags.',
      values: {
        FAILURE_WARNS: [0x1, `a failure is reported (MSG_ERROR) and the next op runs (poststart, poststop,
through --run-hook only)`],
      },
    },
    CONSOLE: {
      doc: 'OP_CONSOLE flags.',
      values: { DEV_CONSOLE: [0x1, 'also bind the slave onto /dev/console (create, not exec)'] },
    },
    SECCOMP_WHEN: {
      doc: 'OP_SECCOMP when.',
      values: {
        EXEC: [0, 'at OP_EXEC, after the signals are reset'],
        NOW: [1, 'at its own place in the plan'],
      },
    },
    STEP: {
      doc: 'MSG_ERROR steps that are not ops of the plan.',
      values: {
        READ_PLAN: [0xffffffff, 'reading or decoding the plan'],
        INIT_START: [0xfffffffe, 'the init\'s own start-up (devnull, prctl)'],
      },
    },
    WIRE_MAX: {
      doc: 'Limits of the decoder, far above any real plan.',
      values: {
        PLAN: [4 << 20, 'bytes of a plan'],
        OPS: [65536, 'ops of a plan'],
      },
    },
    HOOK_STATE: {
      doc: 'OP_HOOK_STATE.',
      values: { MAX: [16 << 20, 'largest state JSON accepted'] },
    },
  },
} as const satisfies {
  magic: number;
  ops: Record<string, WireDef>;
  msgs: Record<string, WireDef>;
  consts: Record<string, WireConstGroup>;
};
