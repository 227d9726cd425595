/*
 * Writes to procfs through a verified handle. The container's /proc can be
 * anything the image or a hostile mount made it (CVE-2019-19921, and the 2025
 * runc procfs redirections): /proc must be the root of a real procfs, and the
 * file is reached below it with no symlink, no magic link and no mount
 * crossing, then checked to be on procfs itself.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/magic.h>
#include <linux/openat2.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "init.h"

#define PROC_ROOT_INO 1

static int proc_root(struct init *c)
{
	struct statfs sfs;
	struct stat st;
	int fd = open("/proc", O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return fail(c, errno, "open /proc");
	if (fstatfs(fd, &sfs) < 0 || fstat(fd, &st) < 0) {
		int err = errno;
		close(fd);
		return fail(c, err, "stat /proc");
	}
	if (sfs.f_type != PROC_SUPER_MAGIC || st.st_ino != PROC_ROOT_INO) {
		close(fd);
		return fail(c, EXDEV, "/proc is not the root of a procfs mount");
	}
	return fd;
}

int proc_verify_mounted(struct init *c)
{
	int fd = proc_root(c);
	if (fd < 0)
		return -1;
	close(fd);
	return 0;
}

int proc_write(struct init *c, const char *rel, int self, const char *value)
{
	char path[PATH_MAX];
	int procfd = proc_root(c);
	if (procfd < 0)
		return -1;
	if (self) {
		/* "self" is a symlink, refused below: read it instead. It names our pid as
		 * this procfs sees it, whatever pid namespace we are in. */
		char pid[32];
		ssize_t n = readlinkat(procfd, "self", pid, sizeof(pid) - 1);
		if (n <= 0) {
			int err = n < 0 ? errno : EIO;
			close(procfd);
			return fail(c, err, "readlink /proc/self");
		}
		pid[n] = 0;
		snprintf(path, sizeof(path), "%s/%s", pid, rel);
	} else {
		snprintf(path, sizeof(path), "%s", rel);
	}

	struct open_how how = {
		.flags = O_WRONLY | O_NOCTTY | O_CLOEXEC,
		.resolve = RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS | RESOLVE_NO_XDEV,
	};
	int fd = (int)syscall(SYS_openat2, procfd, path, &how, sizeof(how));
	int err = errno;
	close(procfd);
	if (fd < 0)
		return fail(c, err, "open /proc/%s", path);
	struct statfs sfs;
	if (fstatfs(fd, &sfs) < 0 || sfs.f_type != PROC_SUPER_MAGIC) {
		close(fd);
		return fail(c, EXDEV, "/proc/%s is not on procfs", path);
	}
	/* One write: proc handlers parse each write call as a whole. */
	size_t len = strlen(value);
	ssize_t n = write(fd, value, len);
	err = errno;
	close(fd);
	if (n < 0)
		return fail(c, err, "write %s to /proc/%s", value, path);
	if ((size_t)n != len)
		return fail(c, EIO, "short write of %s to /proc/%s", value, path);
	return 0;
}

int op_sysctl(struct init *c, const struct op_sysctl_args *a)
{
	const char *key = a->key;
	char rel[PATH_MAX];
	if (key[0] == 0 || key[0] == '/')
		return fail(c, EINVAL, "sysctl key %s is not a relative path", key);
	if ((size_t)snprintf(rel, sizeof(rel), "sys/%s", key) >= sizeof(rel))
		return fail(c, ENAMETOOLONG, "sysctl key %s", key);
	return proc_write(c, rel, 0, a->value);
}

int op_oom_score_adj(struct init *c, const struct op_oom_score_adj_args *a)
{
	char v[32];
	snprintf(v, sizeof(v), "%lld", (long long)(int64_t)a->value);
	return proc_write(c, "oom_score_adj", 1, v);
}

int op_timens_offset(struct init *c, const struct op_timens_offset_args *a)
{
	char v[96];
	snprintf(v, sizeof(v), "%llu %lld %lld\n", (unsigned long long)a->clock, (long long)(int64_t)a->seconds,
		 (long long)(int64_t)a->nanoseconds);
	return proc_write(c, "timens_offsets", 1, v);
}
