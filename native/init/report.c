/*
 * Messages to tsrunc over the socket (wire.h: u32 type, u32 len, payload) and
 * the failure record every op handler fills in.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

#include "init.h"

int fail(struct init *c, int err, const char *fmt, ...)
{
	va_list ap;
	c->err = err > 0 ? err : EIO;
	va_start(ap, fmt);
	vsnprintf(c->detail, sizeof(c->detail), fmt, ap);
	va_end(ap);
	return -1;
}

static void put_le32(uint8_t *p, uint32_t v)
{
	for (int i = 0; i < 4; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

static void put_le64(uint8_t *p, uint64_t v)
{
	put_le32(p, (uint32_t)v);
	put_le32(p + 4, (uint32_t)(v >> 32));
}

int send_msg(int sock, uint32_t type, const void *payload, uint32_t len)
{
	uint8_t head[8];
	put_le32(head, type);
	put_le32(head + 4, len);
	struct iovec iov[2] = { { head, sizeof(head) }, { (void *)payload, len } };
	struct msghdr mh = { .msg_iov = iov, .msg_iovlen = 2 };
	size_t total = sizeof(head) + len;
	while (total > 0) {
		/* MSG_NOSIGNAL: tsrunc going away must not kill us with SIGPIPE mid-report. */
		ssize_t n = sendmsg(sock, &mh, MSG_NOSIGNAL);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -1;
		total -= (size_t)n;
		while (n > 0 && mh.msg_iovlen > 0) {
			size_t take = (size_t)n < mh.msg_iov->iov_len ? (size_t)n : mh.msg_iov->iov_len;
			mh.msg_iov->iov_base = (uint8_t *)mh.msg_iov->iov_base + take;
			mh.msg_iov->iov_len -= take;
			n -= (ssize_t)take;
			if (mh.msg_iov->iov_len == 0) {
				mh.msg_iov++;
				mh.msg_iovlen--;
			}
		}
	}
	return 0;
}

int send_u64_msg(int sock, uint32_t type, uint64_t v)
{
	uint8_t b[8];
	put_le64(b, v);
	return send_msg(sock, type, b, sizeof(b));
}

/* MSG_ERROR{step, op, errno, detail}; without a socket (after OP_DETACH) the
 * only witness left is stderr. */
void report_error(struct init *c, uint32_t step, uint32_t op)
{
	size_t dlen = strnlen(c->detail, sizeof(c->detail) - 1);
	if (c->sock >= 0) {
		uint8_t buf[8 * 3 + 4 + sizeof(c->detail)];
		put_le64(buf, step);
		put_le64(buf + 8, op);
		put_le64(buf + 16, (uint64_t)c->err);
		put_le32(buf + 24, (uint32_t)dlen);
		memcpy(buf + 28, c->detail, dlen);
		buf[28 + dlen] = 0;
		if (send_msg(c->sock, MSG_ERROR, buf, (uint32_t)(28 + dlen + 1)) == 0)
			return;
	}
	const struct wire_op_def *def = wire_op_def(op);
	char line[sizeof(c->detail) + 128];
	snprintf(line, sizeof(line), "tsrunc-init: step %u (%s): %s%s%s\n", step, def ? def->name : "start-up",
		 strerror(c->err), dlen ? ": " : "", c->detail);
	say(line, "", "");
}

void say(const char *a, const char *b, const char *c)
{
	struct iovec iov[3] = { { (void *)a, strlen(a) }, { (void *)b, strlen(b) }, { (void *)c, strlen(c) } };
	ssize_t rc = writev(2, iov, 3);
	(void)rc; /* nobody to tell if stderr is gone */
}

int read_full(int fd, void *buf, size_t len)
{
	size_t got = 0;
	while (got < len) {
		ssize_t n = read(fd, (uint8_t *)buf + got, len - got);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -1;
		if (n == 0) {
			if (got == 0)
				return 0;
			errno = EPIPE; /* cut short mid-message */
			return -1;
		}
		got += (size_t)n;
	}
	return 1;
}
