/*
 * OP_CONSOLE: the container's terminal. The pty is allocated from the container's own
 * devpts (after the root is switched, /dev/ptmx is the container's), so the slave is
 * /dev/pts/N inside it; the master goes to tsrunc, which hands it to the engine's
 * console socket (or proxies it for a foreground `run`).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <termios.h>
#include <unistd.h>

#include "init.h"

#ifndef TIOCGPTPEER
#define TIOCGPTPEER _IO('T', 0x41)
#endif

/* Binds the slave onto /dev/console, created inside the root without following symlinks. */
static int mount_dev_console(struct init *c, int slave)
{
	char src[32], dst[32];
	int target = root_mkpath(c->rootfd, "/dev/console", 1, IN_ROOT_NO_SYMLINKS);
	if (target < 0)
		return fail(c, errno, "create /dev/console");
	fd_path(slave, src);
	fd_path(target, dst);
	int rc = mount(src, dst, NULL, MS_BIND, NULL);
	int err = errno;
	close(target);
	if (rc < 0)
		return fail(c, err, "bind the terminal onto /dev/console");
	return 0;
}

int op_console(struct init *c, const struct op_console_args *a)
{
	struct winsize ws = { .ws_row = (unsigned short)a->rows, .ws_col = (unsigned short)a->cols };
	uid_t uid = (uid_t)a->uid;
	gid_t gid = (gid_t)a->gid;
	uint64_t flags = a->flags;
	char b;

	if (c->sock < 0)
		return fail(c, EBADF, "console after OP_DETACH");
	int master = open("/dev/ptmx", O_RDWR | O_NOCTTY | O_CLOEXEC);
	if (master < 0)
		return fail(c, errno, "open /dev/ptmx (is /dev/pts mounted with newinstance?)");
	struct stat st;
	if (fstat(master, &st) < 0 || !S_ISCHR(st.st_mode) || major(st.st_rdev) != 5 || minor(st.st_rdev) != 2) {
		close(master);
		return fail(c, ENOTTY, "/dev/ptmx is not the pty multiplexer (char 5:2)");
	}
	int unlock = 0;
	if (ioctl(master, TIOCSPTLCK, &unlock) < 0) {
		int err = errno;
		close(master);
		return fail(c, err, "unlock the pty");
	}
	/* The slave by its master, not by a path someone could swap (CVE-2025-52565 class). */
	int slave = ioctl(master, TIOCGPTPEER, O_RDWR | O_NOCTTY);
	if (slave < 0) {
		int err = errno;
		close(master);
		return fail(c, err, "open the pty slave");
	}
	if ((ws.ws_row || ws.ws_col) && ioctl(slave, TIOCSWINSZ, &ws) < 0)
		goto fail_errno;
	if (fchown(slave, uid, gid) < 0)
		goto fail_errno;
	if ((flags & CONSOLE_DEV_CONSOLE) && mount_dev_console(c, slave) < 0)
		goto fail_reported;
	/* tsrunc copies the master out of our fd table (pidfd_getfd) and answers 'g'. */
	union wire_msg_args m = { .console_fd = { .fd = (uint64_t)master } };
	if (send_message(c->sock, MSG_CONSOLE_FD, &m, 0) < 0 || read_full(c->sock, &b, 1) != 1 || b != 'g')
		_exit(1);
	close(master);
	for (int fd = 0; fd < 3; fd++)
		if (dup2(slave, fd) < 0)
			return fail(c, errno, "make the terminal fd %d", fd);
	if (slave > 2)
		close(slave);
	if (ioctl(0, TIOCSCTTY, 0) < 0)
		return fail(c, errno, "make the terminal the controlling terminal");
	return 0;
fail_errno:
	fail(c, errno, "set up the pty slave");
fail_reported:
	close(slave);
	close(master);
	return -1;
}
