/*
 * spawn-test: plays tsrunc's part without Node, for the smoke test.
 *
 *   spawn-test [-n mnt,pid,uts,ipc,net,user,cgroup,time] [-p preserve_fds]
 *              [-c cgroup_dir] <init path> <plan file>
 *
 * Spawns the init through libtsrunc-spawn, maps uid/gid 0 -> 0 (whole range)
 * when a user namespace is asked for, sends the plan, answers every MSG_SYNC
 * with 'g', and prints one line per event:
 *   pid <n>  |  sync <tag>  |  forked <pid>  |  error step=<s> op=<o> errno=<e> detail=<d>
 *   detached  (socket EOF)  |  first exit <status> (after a fork)  |  exit <status>
 * Its own exit status is the init's (wait status: code or 128+signal).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../spawn.h"
#include "../wire.h"

static uint64_t ns_flags(char *list)
{
	uint64_t f = 0;
	for (char *t = strtok(list, ","); t; t = strtok(NULL, ",")) {
		if (!strcmp(t, "mnt")) f |= CLONE_NEWNS;
		else if (!strcmp(t, "pid")) f |= CLONE_NEWPID;
		else if (!strcmp(t, "uts")) f |= CLONE_NEWUTS;
		else if (!strcmp(t, "ipc")) f |= CLONE_NEWIPC;
		else if (!strcmp(t, "net")) f |= CLONE_NEWNET;
		else if (!strcmp(t, "user")) f |= CLONE_NEWUSER;
		else if (!strcmp(t, "cgroup")) f |= CLONE_NEWCGROUP;
		else if (!strcmp(t, "time")) f |= CLONE_NEWTIME;
		else {
			fprintf(stderr, "spawn-test: unknown namespace %s\n", t);
			exit(2);
		}
	}
	return f;
}

static void write_file(const char *path, const char *s)
{
	int fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0 || write(fd, s, strlen(s)) != (ssize_t)strlen(s)) {
		fprintf(stderr, "spawn-test: write %s: %s\n", path, strerror(errno));
		exit(2);
	}
	close(fd);
}

static int read_full(int fd, void *b, size_t n)
{
	size_t got = 0;
	while (got < n) {
		ssize_t r = read(fd, (char *)b + got, n - got);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			return -1;
		got += (size_t)r;
	}
	return 0;
}

int main(int argc, char **argv)
{
	struct tsrunc_spawn_req req = { .sock_fd = -1, .cgroup_fd = -1 };
	int opt;
	while ((opt = getopt(argc, argv, "n:p:c:")) != -1) {
		switch (opt) {
		case 'n': req.clone_flags = ns_flags(optarg); break;
		case 'p': req.preserve_fds = atoi(optarg); break;
		case 'c':
			req.cgroup_fd = tsrunc_open_dir_path(optarg);
			if (req.cgroup_fd < 0) {
				fprintf(stderr, "spawn-test: cgroup %s: %s\n", optarg, strerror(-req.cgroup_fd));
				return 2;
			}
			break;
		default: return 2;
		}
	}
	if (argc - optind != 2) {
		fprintf(stderr, "usage: spawn-test [-n ns,...] [-p n] [-c cgroup] <init> <plan>\n");
		return 2;
	}
	req.init_path = argv[optind];
	/* After OP_FORK the init's child is orphaned: become its reaper to wait for it. */
	if (tsrunc_set_subreaper(1) < 0)
		return 2;
	long forked = 0;
	req.wait_for_userns_map = (req.clone_flags & CLONE_NEWUSER) != 0;

	static uint8_t plan[1 << 20];
	int pf = open(argv[optind + 1], O_RDONLY | O_CLOEXEC);
	ssize_t plen = pf < 0 ? -1 : read(pf, plan, sizeof(plan));
	if (plen < 0) {
		fprintf(stderr, "spawn-test: read plan: %s\n", strerror(errno));
		return 2;
	}
	close(pf);

	int32_t sv[2];
	int rc = tsrunc_socketpair(sv);
	if (rc < 0) {
		fprintf(stderr, "spawn-test: socketpair: %s\n", strerror(-rc));
		return 2;
	}
	req.sock_fd = sv[1];
	int32_t pidfd;
	int32_t pid = tsrunc_spawn(&req, &pidfd);
	if (pid < 0) {
		fprintf(stderr, "spawn-test: spawn: %s\n", strerror(-pid));
		return 2;
	}
	close(sv[1]);
	printf("pid %d\n", pid);
	fflush(stdout);

	if (req.wait_for_userns_map) {
		char path[64];
		snprintf(path, sizeof(path), "/proc/%d/uid_map", pid);
		write_file(path, "0 0 4294967295\n");
		snprintf(path, sizeof(path), "/proc/%d/gid_map", pid);
		write_file(path, "0 0 4294967295\n");
		if (write(sv[0], "m", 1) != 1)
			return 2;
	}

	uint8_t head[8];
	wire_put_le32(head, MSG_PLAN);
	wire_put_le32(head + 4, (uint32_t)plen);
	if (write(sv[0], head, 8) != 8 || write(sv[0], plan, (size_t)plen) != plen) {
		fprintf(stderr, "spawn-test: send plan: %s\n", strerror(errno));
		return 2;
	}

	for (;;) {
		uint8_t h[8];
		if (read_full(sv[0], h, 8) < 0) {
			printf("detached\n");
			fflush(stdout);
			break;
		}
		uint32_t type = wire_le32(h), len = wire_le32(h + 4);
		uint8_t *p = malloc(len + 1);
		if (p == NULL || read_full(sv[0], p, len) < 0)
			return 2;
		union wire_msg_args m;
		const char *what;
		if (wire_parse_msg(type, p, len, &m, &what) < 0) {
			printf("bad message %u: %s\n", type, what);
		} else if (type == MSG_SYNC) {
			printf("sync %llu\n", (unsigned long long)m.sync.tag);
			fflush(stdout);
			if (write(sv[0], "g", 1) != 1)
				return 2;
		} else if (type == MSG_PID) {
			forked = (long)m.pid.pid;
			printf("forked %ld\n", forked);
		} else if (type == MSG_ERROR) {
			printf("error step=%lld op=%llu errno=%llu detail=%s\n", (long long)(int32_t)m.error.step,
			       (unsigned long long)m.error.op, (unsigned long long)m.error.errnum, m.error.detail);
		} else {
			printf("unhandled message %u\n", type);
		}
		fflush(stdout);
		free(p);
	}
	int st = tsrunc_wait_pidfd(pidfd);
	if (forked > 0) {
		printf("first exit %d\n", st);
		int fd = tsrunc_pidfd_open((int32_t)forked);
		st = fd < 0 ? fd : tsrunc_wait_pidfd(fd);
	}
	printf("exit %d\n", st);
	return st < 0 ? 2 : st;
}
