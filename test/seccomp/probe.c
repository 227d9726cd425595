/*
 * probe: what a process inside a container sees, for the confinement tests.
 *   probe sys NR [ARG...]   raw syscall: prints "ok <ret>" or "errno <n>"
 *   probe keyring           the session keyring's description
 *   probe sched             policy nice priority (sched_getattr)
 *   probe ioprio            ioprio_get of this process
 *   probe mempolicy         mode of get_mempolicy
 *   probe personality       the current personality
 * Static (musl), so it runs in any rootfs.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <linux/keyctl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/personality.h>
#include <sys/syscall.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	if (argc >= 3 && strcmp(argv[1], "sys") == 0) {
		long a[6] = { 0 };
		for (int i = 3; i < argc && i < 9; i++)
			a[i - 3] = strtol(argv[i], NULL, 0);
		long r = syscall(strtol(argv[2], NULL, 0), a[0], a[1], a[2], a[3], a[4], a[5]);
		if (r < 0)
			printf("errno %d\n", errno);
		else
			printf("ok %ld\n", r);
		return 0;
	}
	if (argc == 2 && strcmp(argv[1], "keyring") == 0) {
		char d[256];
		long id = syscall(SYS_keyctl, KEYCTL_GET_KEYRING_ID, KEY_SPEC_SESSION_KEYRING, 0);
		long n = id < 0 ? -1 : syscall(SYS_keyctl, KEYCTL_DESCRIBE, id, d, sizeof(d));
		if (n < 0) {
			printf("errno %d\n", errno);
			return 0;
		}
		printf("%s\n", d);
		return 0;
	}
	if (argc == 2 && strcmp(argv[1], "sched") == 0) {
		uint32_t attr[14] = { 0 };
		if (syscall(SYS_sched_getattr, 0, attr, sizeof(attr), 0) < 0) {
			printf("errno %d\n", errno);
			return 0;
		}
		printf("policy %u nice %d priority %u\n", attr[1], (int32_t)attr[4], attr[5]);
		return 0;
	}
	if (argc == 2 && strcmp(argv[1], "ioprio") == 0) {
		long r = syscall(SYS_ioprio_get, 1, 0);
		printf("class %ld level %ld\n", r >> 13, r & 0x1fff);
		return 0;
	}
	if (argc == 2 && strcmp(argv[1], "mempolicy") == 0) {
		int mode = -1;
		unsigned long mask[16] = { 0 };
		if (syscall(SYS_get_mempolicy, &mode, mask, 16 * 64, 0, 0) < 0)
			printf("errno %d\n", errno);
		else
			printf("mode %d nodes %#lx\n", mode, mask[0]);
		return 0;
	}
	if (argc == 2 && strcmp(argv[1], "personality") == 0) {
		printf("%#x\n", personality(0xffffffff));
		return 0;
	}
	fprintf(stderr, "usage: probe sys NR [ARG...] | keyring | sched | ioprio | mempolicy | personality\n");
	return 2;
}
