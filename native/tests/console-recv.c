/*
 * console-recv SOCKET: a stand-in for an engine's end of --console-socket, for tests.
 * Listens on SOCKET, accepts one connection, receives the pty master the way conmon and
 * containerd do (one message, exactly one SCM_RIGHTS fd), prints
 *   console-recv: got fd with "<data>"
 * on stderr, then copies stdin to the master and the master to stdout until the
 * container side closes (EIO/HUP). Exit 2 on a protocol error.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

static int die(const char *what)
{
	fprintf(stderr, "console-recv: %s: %s\n", what, strerror(errno));
	return 2;
}

int main(int argc, char **argv)
{
	if (argc != 2) {
		fprintf(stderr, "usage: console-recv SOCKET\n");
		return 2;
	}
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", argv[1]);
	int ls = socket(AF_UNIX, SOCK_STREAM, 0);
	if (ls < 0 || bind(ls, (struct sockaddr *)&sa, sizeof(sa)) < 0 || listen(ls, 1) < 0)
		return die("listen");
	fprintf(stderr, "console-recv: listening\n");
	int s = accept(ls, NULL, NULL);
	if (s < 0)
		return die("accept");
	char data[4096];
	union {
		char buf[CMSG_SPACE(sizeof(int) * 4)];
		struct cmsghdr align;
	} u;
	struct iovec iov = { data, sizeof(data) - 1 };
	struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = u.buf, .msg_controllen = sizeof(u.buf) };
	ssize_t n = recvmsg(s, &mh, 0);
	if (n <= 0)
		return die("recvmsg");
	data[n] = 0;
	struct cmsghdr *cm = CMSG_FIRSTHDR(&mh);
	/* What go-runc insists on: one SCM_RIGHTS cmsg carrying exactly one fd. */
	if (cm == NULL || cm->cmsg_type != SCM_RIGHTS || cm->cmsg_len != CMSG_LEN(sizeof(int)) || CMSG_NXTHDR(&mh, cm) != NULL) {
		fprintf(stderr, "console-recv: expected exactly one fd in one SCM_RIGHTS message\n");
		return 2;
	}
	int master;
	memcpy(&master, CMSG_DATA(cm), sizeof(int));
	fprintf(stderr, "console-recv: got fd with \"%s\"\n", data);
	close(s);
	close(ls);
	struct pollfd p[2] = { { 0, POLLIN, 0 }, { master, POLLIN, 0 } };
	char buf[4096];
	for (;;) {
		if (poll(p, 2, -1) < 0) {
			if (errno == EINTR)
				continue;
			return die("poll");
		}
		if (p[1].revents & (POLLIN | POLLHUP | POLLERR)) {
			n = read(master, buf, sizeof(buf));
			if (n <= 0)
				return 0; /* EIO: no process holds the slave any more */
			if (write(1, buf, (size_t)n) != n)
				return die("write stdout");
		}
		if (p[0].revents & (POLLIN | POLLHUP)) {
			n = read(0, buf, sizeof(buf));
			if (n <= 0)
				p[0].fd = -1; /* stdin done; keep reading the container */
			else if (write(master, buf, (size_t)n) != n)
				return die("write master");
		}
	}
}
