/*
 * The container's filesystem view: root bind, mounts, device nodes, the switch
 * of root, masking and read-only paths.
 *
 * Before the root switch, mounts target "/proc/self/fd/N" of an O_PATH fd that
 * openat2 resolved inside the root, so the kernel mounts exactly what was
 * checked (runc's approach). After it, the container's /proc may not exist or
 * may be anything, so masking and read-only paths use the fd-based mount API
 * (open_tree, fsmount, move_mount, mount_setattr) and need no /proc at all.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/mount.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "init.h"

#define PROPAGATION (MS_SHARED | MS_PRIVATE | MS_SLAVE | MS_UNBINDABLE)
#define ATIME_FLAGS (MS_NOATIME | MS_NODIRATIME | MS_RELATIME | MS_STRICTATIME)

static int open_tree_fd(int fd, unsigned flags)
{
	return (int)syscall(SYS_open_tree, fd, "", flags | OPEN_TREE_CLOEXEC | AT_EMPTY_PATH);
}

static int move_mount_fd(int from, int to)
{
	return (int)syscall(SYS_move_mount, from, "", to, "", MOVE_MOUNT_F_EMPTY_PATH | MOVE_MOUNT_T_EMPTY_PATH);
}

static int setattr_fd(int dfd, const char *path, unsigned flags, uint64_t set, uint64_t clr)
{
	struct mount_attr attr = { .attr_set = set, .attr_clr = clr };
	return (int)syscall(SYS_mount_setattr, dfd, path, flags, &attr, sizeof(attr));
}

static int is_devnull(const struct stat *st)
{
	return S_ISCHR(st->st_mode) && st->st_rdev == makedev(1, 3);
}

/*
 * The masking source. At start-up we pin the host's /dev/null (char 1:3, by
 * dev/ino). A bind source must live in our mount namespace, and the host's is
 * gone once the old root is detached, so we keep a detached clone of it
 * (open_tree), which can be cloned again for every masked path. A clone only
 * serves the namespace it was made in: after unshare/setns of the mount
 * namespace this runs again and must find the very same inode.
 */
int devnull_prepare(struct init *c, int first)
{
	if (!first && c->devnull < 0)
		return 0; /* closed on purpose (OP_CLOSE_DEVNULL) */
	int fd = open("/dev/null", O_PATH | O_NOFOLLOW | O_CLOEXEC);
	struct stat st;
	if (fd < 0 || fstat(fd, &st) < 0) {
		int err = errno;
		if (fd >= 0)
			close(fd);
		if (!first)
			goto drop;
		return fail(c, err, "open host /dev/null");
	}
	if (!is_devnull(&st) || (!first && (st.st_dev != c->devnull_dev || st.st_ino != c->devnull_ino))) {
		close(fd);
		if (!first)
			goto drop;
		return fail(c, ENODEV, "host /dev/null is not the character device 1:3");
	}
	c->devnull_dev = st.st_dev;
	c->devnull_ino = st.st_ino;

	int tree = open_tree_fd(fd, OPEN_TREE_CLONE);
	if (tree >= 0) {
		close(fd);
		fd = tree;
	}
	/* Without privilege over this mount namespace (yet) keep the plain handle: it
	 * can still be bound while the host's /dev is in the namespace. */
	if (c->devnull >= 0)
		close(c->devnull);
	c->devnull = fd;
	c->devnull_is_tree = tree >= 0;
	return 0;
drop:
	/* Another namespace's /dev/null (setns into a container): masking from here
	 * on fails loudly rather than using an unverified node. */
	close(c->devnull);
	c->devnull = -1;
	return 0;
}

int op_rootfs(struct init *c, const struct op_rootfs_args *a)
{
	const char *rootfs = a->rootfs;
	char buf[PATH_MAX];
	if (rootfs[0] != '/' || strlen(rootfs) >= sizeof(buf))
		return fail(c, EINVAL, "rootfs %s is not an absolute path", rootfs);
	strcpy(buf, rootfs);

	/* pivot_root refuses a shared parent mount: make the mount holding the rootfs
	 * private, walking up until we are at its mount point (EINVAL below it). */
	for (;;) {
		if (mount(NULL, buf, NULL, MS_PRIVATE, NULL) == 0)
			break;
		if (errno != EINVAL || strcmp(buf, "/") == 0)
			return fail(c, errno, "make the mount holding %s private", buf);
		char *slash = strrchr(buf, '/');
		if (slash == buf)
			slash[1] = 0;
		else
			*slash = 0;
	}
	if (mount(rootfs, rootfs, NULL, MS_BIND | MS_REC, NULL) < 0)
		return fail(c, errno, "bind %s onto itself", rootfs);
	int fd = open(rootfs, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return fail(c, errno, "open %s", rootfs);
	if (c->rootfd >= 0)
		close(c->rootfd);
	c->rootfd = fd;
	return 0;
}

/* Per-mount flags that bind remount must keep or the kernel says EPERM (they
 * are locked when the mount came from a more privileged namespace). */
static unsigned long locked_flags(int fd, unsigned long want)
{
	struct statfs sfs;
	if (fstatfs(fd, &sfs) < 0)
		return want;
	unsigned long have = 0, f = (unsigned long)sfs.f_flags;
	if (f & ST_RDONLY)
		have |= MS_RDONLY;
	if (f & ST_NOSUID)
		have |= MS_NOSUID;
	if (f & ST_NODEV)
		have |= MS_NODEV;
	if (f & ST_NOEXEC)
		have |= MS_NOEXEC;
	unsigned long out = want | have;
	if (!(want & ATIME_FLAGS)) {
		if (f & ST_NOATIME)
			out |= MS_NOATIME;
		else if (f & ST_RELATIME)
			out |= MS_RELATIME;
		else
			out |= MS_STRICTATIME;
		if (f & ST_NODIRATIME)
			out |= MS_NODIRATIME;
	}
	return out;
}

/* MF_KEEP_LOCKED (the plan's choice, in a user namespace): on EPERM, retry once with
 * the flags the kernel may have locked on the mount. */
static int remount_bind(struct init *c, int fd, unsigned long flags, const char *dest, int keep_locked)
{
	char p[32];
	fd_path(fd, p);
	if (mount(NULL, p, NULL, MS_BIND | MS_REMOUNT | flags, NULL) == 0)
		return 0;
	if (errno == EPERM && keep_locked) {
		unsigned long keep = locked_flags(fd, flags);
		if (keep != flags && mount(NULL, p, NULL, MS_BIND | MS_REMOUNT | keep, NULL) == 0)
			return 0;
		errno = EPERM;
	}
	return fail(c, errno, "remount %s with flags %#lx", dest, flags);
}

int op_mount(struct init *c, const struct op_mount_args *a)
{
	const char *source = a->source, *dest = a->dest, *fstype = a->fstype, *data = a->data;
	unsigned long flags = (unsigned long)a->flags;
	const struct wire_list *prop = &a->propagation;
	uint64_t attr_set = a->attr_set, attr_clr = a->attr_clr, mflags = a->mflags;
	int opts = (mflags & MF_DEST_NO_SYMLINK) ? IN_ROOT_NO_SYMLINKS : 0;
	char dp[32], sp[32];

	if (c->rootfd < 0)
		return fail(c, EINVAL, "mount on %s before OP_ROOTFS", dest);
	int dfd = root_mkpath(c->rootfd, dest, (mflags & MF_DEST_FILE) != 0, opts);
	if (dfd < 0)
		return fail(c, errno, "create mount point %s", dest);
	fd_path(dfd, dp);

	unsigned long rest = 0;
	if (mflags & MF_BIND) {
		int sfd = open(source, O_PATH | O_CLOEXEC);
		if (sfd < 0) {
			int err = errno;
			close(dfd);
			return fail(c, err, "open bind source %s", source);
		}
		fd_path(sfd, sp);
		int rc = mount(sp, dp, NULL, MS_BIND | (flags & MS_REC), NULL);
		int err = errno;
		close(sfd);
		if (rc < 0) {
			close(dfd);
			return fail(c, err, "bind %s on %s", source, dest);
		}
		/* A bind ignores every other flag: those need a remount of the new mount. */
		rest = flags & ~(MS_BIND | MS_REC | MS_REMOUNT | PROPAGATION);
	} else if (mount(source, dp, fstype, flags, data[0] ? data : NULL) < 0) {
		int err = errno;
		close(dfd);
		return fail(c, err, "mount %s (%s) on %s", source, fstype, dest);
	}
	close(dfd);

	if (rest == 0 && prop->count == 0 && attr_set == 0 && attr_clr == 0)
		return 0;
	/* Resolve again: the path now leads to the root of the new mount. */
	int mfd = root_open(c->rootfd, dest, O_PATH, opts);
	if (mfd < 0)
		return fail(c, errno, "reopen %s after mounting", dest);
	int rc = 0;
	if (rest != 0)
		rc = remount_bind(c, mfd, rest, dest, (mflags & MF_KEEP_LOCKED) != 0);
	fd_path(mfd, dp);
	for (uint32_t i = 0; rc == 0 && i < prop->count; i++) {
		unsigned long pf = (unsigned long)wire_u64v_at(prop, i);
		if (mount(NULL, dp, NULL, pf, NULL) < 0)
			rc = fail(c, errno, "set propagation %#lx on %s", pf, dest);
	}
	if (rc == 0 && (attr_set || attr_clr) && setattr_fd(mfd, "", AT_EMPTY_PATH | AT_RECURSIVE, attr_set, attr_clr) < 0)
		rc = fail(c, errno, "mount_setattr %s (set %#llx, clear %#llx)", dest, (unsigned long long)attr_set,
			  (unsigned long long)attr_clr);
	close(mfd);
	return rc;
}

int op_propagation(struct init *c, const struct op_propagation_args *a)
{
	const char *path = a->path;
	unsigned long flags = (unsigned long)a->flags;
	if (mount(NULL, path, NULL, flags, NULL) < 0)
		return fail(c, errno, "set propagation %#lx on %s", flags, path);
	return 0;
}

int op_mknod(struct init *c, const struct op_mknod_args *a)
{
	const char *path = a->path;
	uint64_t type = a->type, mode = a->mode, uid = a->uid, gid = a->gid;
	char name[NAME_MAX + 1];
	if (c->rootfd < 0)
		return fail(c, EINVAL, "mknod %s before OP_ROOTFS", path);
	if ((type != S_IFCHR && type != S_IFBLK && type != S_IFIFO) || (mode & ~(uint64_t)07777) != 0 ||
	    a->major > 0xfffff || a->minor > 0xfffff || uid > 0xffffffffu || gid > 0xffffffffu)
		return fail(c, EINVAL, "mknod %s: bad type, mode, device number or owner", path);
	int dir = root_parent(c->rootfd, path, name, 0);
	if (dir < 0)
		return fail(c, errno, "create parent directories of %s", path);
	int rc = 0;
	if (unlinkat(dir, name, 0) < 0 && errno != ENOENT) {
		rc = fail(c, errno, "remove existing %s", path);
		goto out;
	}
	mode_t old = umask(0); /* the mode is exactly what the plan says */
	int mk = mknodat(dir, name, (mode_t)(type | mode), makedev((unsigned)a->major, (unsigned)a->minor));
	int err = errno;
	umask(old);
	if (mk < 0) {
		rc = fail(c, err, "mknod %s", path);
		goto out;
	}
	if (fchownat(dir, name, (uid_t)uid, (gid_t)gid, AT_SYMLINK_NOFOLLOW) < 0)
		rc = fail(c, errno, "chown %s to %llu:%llu", path, (unsigned long long)uid, (unsigned long long)gid);
out:
	close(dir);
	return rc;
}

int op_symlink(struct init *c, const struct op_symlink_args *a)
{
	const char *target = a->target, *linkpath = a->linkpath;
	char name[NAME_MAX + 1];
	if (c->rootfd < 0)
		return fail(c, EINVAL, "symlink %s before OP_ROOTFS", linkpath);
	int dir = root_parent(c->rootfd, linkpath, name, 0);
	if (dir < 0)
		return fail(c, errno, "create parent directories of %s", linkpath);
	int rc = 0;
	if (symlinkat(target, dir, name) < 0 && errno != EEXIST)
		rc = fail(c, errno, "symlink %s -> %s", linkpath, target);
	close(dir);
	return rc;
}

int op_pivot_root(struct init *c)
{
	if (c->rootfd < 0)
		return fail(c, EINVAL, "pivot_root before OP_ROOTFS");
	int old = open("/", O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (old < 0)
		return fail(c, errno, "open the old root");
	int rc = 0;
	/* pivot_root(".", ".") stacks the old root on top of the new one: no
	 * directory in the image is needed to park it. */
	if (fchdir(c->rootfd) < 0)
		rc = fail(c, errno, "chdir to the new root");
	else if (syscall(SYS_pivot_root, ".", ".") < 0)
		rc = fail(c, errno, "pivot_root");
	else if (fchdir(old) < 0)
		rc = fail(c, errno, "chdir to the old root");
	/* Slave first, so the detach does not propagate back to the host. */
	else if (mount(NULL, ".", NULL, MS_SLAVE | MS_REC, NULL) < 0)
		rc = fail(c, errno, "make the old root a slave");
	else if (umount2(".", MNT_DETACH) < 0)
		rc = fail(c, errno, "detach the old root");
	else if (chdir("/") < 0)
		rc = fail(c, errno, "chdir /");
	close(old);
	return rc;
}

int op_move_root(struct init *c)
{
	if (c->rootfd < 0)
		return fail(c, EINVAL, "move root before OP_ROOTFS");
	if (fchdir(c->rootfd) < 0)
		return fail(c, errno, "chdir to the new root");
	if (mount(".", "/", NULL, MS_MOVE, NULL) < 0)
		return fail(c, errno, "move the root onto /");
	if (chroot(".") < 0)
		return fail(c, errno, "chroot");
	if (chdir("/") < 0)
		return fail(c, errno, "chdir /");
	return 0;
}

/* O_PATH of a (new root) path; 0 with *fd = -1 when it does not exist. */
static int open_new_root_path(struct init *c, const char *path, int *fd)
{
	int root = open("/", O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (root < 0)
		return fail(c, errno, "open /");
	*fd = root_open(root, path, O_PATH, 0);
	int err = errno;
	close(root);
	if (*fd < 0 && err != ENOENT)
		return fail(c, err, "open %s", path);
	return 0;
}

/*
 * MASK_CONTAINER_DEVNULL_FALLBACK, for kernels before 6.15, which cannot clone a detached
 * mount again (EINVAL): the source is the container's own /dev/null, verified the same
 * way: opened without following a symlink, and the character device 1:3 (a symlink to a
 * procfs file there would turn masking into a write path into the host: CVE-2025-31133).
 */
static int clone_container_devnull(struct init *c, const char *path)
{
	int fd, m;
	struct stat st;
	if (open_new_root_path(c, "/dev/null", &fd) < 0)
		return -1;
	if (fd < 0) {
		fail(c, ENOENT, "mask %s: this kernel cannot reuse the host's /dev/null and the container has none", path);
		return -1;
	}
	if (fstat(fd, &st) < 0 || !is_devnull(&st)) {
		close(fd);
		fail(c, ENODEV, "mask %s: the container's /dev/null is not the character device 1:3", path);
		return -1;
	}
	m = open_tree_fd(fd, OPEN_TREE_CLONE);
	if (m < 0)
		fail(c, errno, "mask %s: clone the container's /dev/null", path);
	close(fd);
	return m;
}

int op_mask_path(struct init *c, const struct op_mask_path_args *a)
{
	const char *path = a->path;
	int fd, m = -1, rc = 0;
	struct stat st;
	if (open_new_root_path(c, path, &fd) < 0)
		return -1;
	if (fd < 0)
		return 0;
	if (fstat(fd, &st) < 0) {
		rc = fail(c, errno, "stat %s", path);
		goto out;
	}
	if (S_ISDIR(st.st_mode)) {
		int fs = (int)syscall(SYS_fsopen, "tmpfs", FSOPEN_CLOEXEC);
		if (fs < 0) {
			rc = fail(c, errno, "mask %s: fsopen tmpfs", path);
			goto out;
		}
		if (syscall(SYS_fsconfig, fs, FSCONFIG_CMD_CREATE, NULL, NULL, 0) < 0)
			rc = fail(c, errno, "mask %s: create tmpfs", path);
		else if ((m = (int)syscall(SYS_fsmount, fs, FSMOUNT_CLOEXEC, MOUNT_ATTR_RDONLY)) < 0)
			rc = fail(c, errno, "mask %s: fsmount tmpfs", path);
		close(fs);
		if (rc < 0)
			goto out;
	} else {
		if (c->devnull < 0) {
			rc = fail(c, EBADF, "mask %s: no verified /dev/null (closed, or mount namespace changed)", path);
			goto out;
		}
		/* The plain handle only clones while the host's /dev is still in our namespace. */
		m = open_tree_fd(c->devnull, OPEN_TREE_CLONE);
		if (m < 0 && errno == EINVAL && c->devnull_is_tree && (a->flags & MASK_CONTAINER_DEVNULL_FALLBACK)) {
			if ((m = clone_container_devnull(c, path)) < 0) {
				rc = -1;
				goto out;
			}
		} else if (m < 0) {
			rc = fail(c, errno, "mask %s: clone /dev/null%s", path,
				  c->devnull_is_tree ? "" : " (no detached copy: could not open_tree it at start)");
			goto out;
		}
	}
	if (move_mount_fd(m, fd) < 0)
		rc = fail(c, errno, "mask %s: mount over it", path);
out:
	if (m >= 0)
		close(m);
	close(fd);
	return rc;
}

int op_readonly_path(struct init *c, const struct op_readonly_path_args *a)
{
	const char *path = a->path;
	int fd, t, rc = 0;
	if (open_new_root_path(c, path, &fd) < 0)
		return -1;
	if (fd < 0)
		return 0;
	/* A recursive bind of the path onto itself, only its top mount made read-only
	 * (as runc's bind + MS_REMOUNT|MS_RDONLY); mount_setattr changes no other flag. */
	t = open_tree_fd(fd, OPEN_TREE_CLONE | AT_RECURSIVE);
	if (t < 0) {
		rc = fail(c, errno, "bind %s onto itself", path);
		goto out;
	}
	if (setattr_fd(t, "", AT_EMPTY_PATH, MOUNT_ATTR_RDONLY, 0) < 0)
		rc = fail(c, errno, "make %s read-only", path);
	else if (move_mount_fd(t, fd) < 0)
		rc = fail(c, errno, "mount the read-only %s", path);
	close(t);
out:
	close(fd);
	return rc;
}

int op_root_readonly(struct init *c)
{
	if (setattr_fd(AT_FDCWD, "/", 0, MOUNT_ATTR_RDONLY, 0) < 0)
		return fail(c, errno, "make / read-only");
	return 0;
}
