/*
 * Paths inside the container root. The image is untrusted: any component may be
 * a symlink aiming at the host. openat2(RESOLVE_IN_ROOT) makes the kernel
 * resolve it as if the root fd were "/", so ".." and absolute symlinks stay
 * inside; RESOLVE_NO_MAGICLINKS keeps /proc/<pid>/root-style links out. Missing
 * components are created one at a time relative to their resolved parent, so
 * nothing is ever created through a symlink pointing out of the root.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/openat2.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "init.h"

int fd_path(int fd, char buf[static 32])
{
	return snprintf(buf, 32, "/proc/self/fd/%d", fd);
}

int root_open(int rootfd, const char *path, int flags, int opts)
{
	struct open_how how = {
		.flags = (uint64_t)(flags | O_CLOEXEC),
		.resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS,
	};
	if (opts & IN_ROOT_NO_SYMLINKS)
		how.resolve |= RESOLVE_NO_SYMLINKS;
	/* An empty path means the root itself (openat2 would say ENOENT). */
	if (path[0] == 0)
		path = "/";
	for (int tries = 0;; tries++) {
		long fd = syscall(SYS_openat2, rootfd, path, &how, sizeof(how));
		/* EAGAIN: a concurrent rename or mount made the in-root check unsure. */
		if (fd < 0 && errno == EAGAIN && tries < 32)
			continue;
		return (int)fd;
	}
}

/* Create `name` in dir exactly with the given mode, whatever umask the caller left. */
static int create_entry(int dir, const char *name, int file)
{
	mode_t old = umask(0);
	int rc;
	if (file) {
		/* O_NOFOLLOW: a dangling symlink here must not create its target. */
		rc = openat(dir, name, O_CREAT | O_WRONLY | O_NOFOLLOW | O_NOCTTY | O_CLOEXEC, 0644);
		if (rc >= 0)
			close(rc);
	} else {
		rc = mkdirat(dir, name, 0755);
		if (rc < 0 && errno == EEXIST) /* a race, or a dangling symlink: reopening tells */
			rc = 0;
	}
	int err = errno;
	umask(old);
	errno = err;
	return rc < 0 ? -1 : 0;
}

int root_mkpath(int rootfd, const char *path, int file, int opts)
{
	int fd = root_open(rootfd, path, O_PATH, opts);
	if (fd >= 0 || errno != ENOENT)
		return fd;

	char buf[PATH_MAX];
	if (strlen(path) >= sizeof(buf)) {
		errno = ENAMETOOLONG;
		return -1;
	}
	strcpy(buf, path);

	int dir = root_open(rootfd, "/", O_PATH | O_DIRECTORY, opts);
	if (dir < 0)
		return -1;
	char *p = buf;
	for (;;) {
		while (*p == '/')
			p++;
		if (*p == 0)
			break;
		char *end = p;
		while (*end && *end != '/')
			end++;
		char *rest = end;
		while (*rest == '/')
			rest++;
		int last = *rest == 0;
		char saved = *end;
		*end = 0;

		/* buf now holds the prefix up to and including this component. */
		fd = root_open(rootfd, buf, O_PATH, opts);
		if (fd < 0 && errno == ENOENT) {
			if (create_entry(dir, p, last && file) < 0)
				goto bad;
			fd = root_open(rootfd, buf, O_PATH, opts);
		}
		if (fd < 0)
			goto bad;
		close(dir);
		dir = fd;
		*end = saved;
		p = end;
	}
	return dir;
bad: {
	int err = errno;
	close(dir);
	errno = err;
	return -1;
}
}

int root_parent(int rootfd, const char *path, char name[static NAME_MAX + 1], int opts)
{
	char buf[PATH_MAX];
	size_t n = strlen(path);
	if (n >= sizeof(buf)) {
		errno = ENAMETOOLONG;
		return -1;
	}
	memcpy(buf, path, n + 1);
	while (n > 1 && buf[n - 1] == '/') /* "a/b/" names b */
		buf[--n] = 0;
	char *slash = strrchr(buf, '/');
	char *base = slash ? slash + 1 : buf;
	if (*base == 0 || strcmp(base, ".") == 0 || strcmp(base, "..") == 0 || strlen(base) > NAME_MAX) {
		errno = EINVAL;
		return -1;
	}
	strcpy(name, base);
	if (slash)
		*slash = 0;
	else
		buf[0] = 0;
	return root_mkpath(rootfd, buf, 0, opts);
}
