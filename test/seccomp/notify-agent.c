/*
 * notify-agent SOCKET STATEFILE ERRNO: a minimal seccomp agent for the tests. It
 * listens on SOCKET, takes one message from the runtime (the container state JSON
 * and, as SCM_RIGHTS, the seccomp notify fd), writes the JSON to STATEFILE, then
 * answers the first notification with -ERRNO and exits.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <linux/seccomp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

static int die(const char *what)
{
	perror(what);
	return 1;
}

int main(int argc, char **argv)
{
	if (argc != 4)
		return 2;
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", argv[1]);
	int s = socket(AF_UNIX, SOCK_STREAM, 0);
	if (s < 0 || bind(s, (struct sockaddr *)&sa, sizeof(sa)) < 0 || listen(s, 1) < 0)
		return die("listen");
	printf("listening\n");
	fflush(stdout);
	int c = accept(s, NULL, NULL);
	if (c < 0)
		return die("accept");
	char buf[65536];
	union {
		char b[CMSG_SPACE(sizeof(int))];
		struct cmsghdr a;
	} u;
	struct iovec iov = { buf, sizeof(buf) - 1 };
	struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = u.b, .msg_controllen = sizeof(u.b) };
	ssize_t n = recvmsg(c, &mh, 0);
	if (n <= 0)
		return die("recvmsg");
	buf[n] = 0;
	struct cmsghdr *cm = CMSG_FIRSTHDR(&mh);
	if (cm == NULL || cm->cmsg_type != SCM_RIGHTS)
		return die("no fd");
	int fd;
	memcpy(&fd, CMSG_DATA(cm), sizeof(int));
	FILE *f = fopen(argv[2], "w");
	if (f == NULL)
		return die("state file");
	fprintf(f, "%s", buf);
	fclose(f);
	struct seccomp_notif req;
	struct seccomp_notif_resp resp;
	memset(&req, 0, sizeof(req));
	if (ioctl(fd, SECCOMP_IOCTL_NOTIF_RECV, &req) < 0)
		return die("notif recv");
	memset(&resp, 0, sizeof(resp));
	resp.id = req.id;
	resp.error = -atoi(argv[3]);
	if (ioctl(fd, SECCOMP_IOCTL_NOTIF_SEND, &resp) < 0)
		return die("notif send");
	printf("answered syscall %d\n", req.data.nr);
	return 0;
}
