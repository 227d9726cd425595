/*
 * Messages to tsrunc over the socket (encoded by the wire table) and the failure
 * record every op handler fills in.
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

int send_message(int fd, uint32_t type, const union wire_msg_args *args, int write_only)
{
	uint8_t buf[64 + sizeof(((struct init *)0)->detail)];
	size_t len = wire_encode_msg(type, args, buf, sizeof(buf));
	if (len > sizeof(buf)) {
		errno = E2BIG;
		return -1;
	}
	for (size_t off = 0; off < len;) {
		/* MSG_NOSIGNAL: tsrunc going away must not kill us with SIGPIPE mid-report. A
		 * pipe (not a socket) gets plain writes. */
		ssize_t n = write_only ? -1 : send(fd, buf + off, len - off, MSG_NOSIGNAL);
		if (n < 0 && (write_only || errno == ENOTSOCK))
			n = write(fd, buf + off, len - off);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -1;
		off += (size_t)n;
	}
	return 0;
}

/* MSG_ERROR{step, op, errnum, detail}; without a socket (after OP_DETACH) the only
 * witness left is stderr. */
void report_error(struct init *c, uint32_t step, uint32_t op)
{
	size_t dlen = strnlen(c->detail, sizeof(c->detail) - 1);
	c->detail[dlen] = 0;
	union wire_msg_args m = { .error = { .step = step, .op = op, .errnum = (uint64_t)c->err, .detail = c->detail, .detail_len = (uint32_t)dlen } };
	if (c->sock >= 0 && send_message(c->sock, MSG_ERROR, &m, 0) == 0)
		return;
	const struct wire_def *def = wire_op_def(op);
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
