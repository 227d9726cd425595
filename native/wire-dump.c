/*
 * wire-dump: decode a plan with the init's own decoder (wire.c) and print it,
 * so test/native/wire.test.ts can prove the TypeScript encoder and the C
 * decoder agree (and the same for messages, with --msgs).
 *
 * Input: the raw plan bytes on stdin (magic, version, op_count, ops — not a
 * MSG_PLAN frame).
 *
 * Output, only once the whole plan has decoded: one line per op,
 *
 *   <OPNAME>[ <field>=<value>]...\n
 *
 * OPNAME is the enum name (OP_MOUNT). Fields come in wire order, named as in the
 * C argument structs: the table's names in snake_case (attrSet is attr_set):
 *   u64   decimal, unsigned (a negative int64 shows as its two's complement)
 *   str   a JSON string, escaped exactly as JSON.stringify does: \" \\ \b \f
 *         \n \r \t, other bytes below 0x20 as \u00xx (lowercase hex), every
 *         other byte (UTF-8 included) as is
 *   strv  a JSON array of such strings, no spaces: ["sh","-c","echo hi"]
 *   u64v  a JSON array of decimals, no spaces: [] or [1048576,16384]
 * Example:
 *   OP_MOUNT source="proc" dest="/proc" fstype="proc" flags=14 propagation=[] data="" attr_set=0 attr_clr=0 mflags=4
 *   OP_PIVOT_ROOT
 *
 * With --msgs, stdin holds message frames (u32 type, u32 length, payload) and each is
 * printed the same way (MSG_ERROR step=3 op=9 errnum=1 detail="..."), after checking
 * that the C encoder gives back the very bytes.
 *
 * A malformed plan prints nothing on stdout, one line on stderr
 *   wire-dump: header at byte <offset>: <reason>
 *   wire-dump: op <index> at byte <offset>: <reason>
 * and exits 1.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "wire.h"

static void put_str(const char *s, uint32_t len)
{
	putchar('"');
	for (uint32_t i = 0; i < len; i++) {
		unsigned char ch = (unsigned char)s[i];
		switch (ch) {
		case '"': fputs("\\\"", stdout); break;
		case '\\': fputs("\\\\", stdout); break;
		case '\b': fputs("\\b", stdout); break;
		case '\f': fputs("\\f", stdout); break;
		case '\n': fputs("\\n", stdout); break;
		case '\r': fputs("\\r", stdout); break;
		case '\t': fputs("\\t", stdout); break;
		default:
			if (ch < 0x20)
				printf("\\u%04x", ch);
			else
				putchar(ch);
		}
	}
	putchar('"');
}

/* One line: the def's name, then each field of the argument struct at base. */
static void put_fields(const struct wire_def *def, const void *args)
{
	const uint8_t *base = args;
	fputs(def->name, stdout);
	for (unsigned i = 0; i < def->nfields; i++) {
		const struct wire_field *f = &def->fields[i];
		const struct wire_list *list = (const struct wire_list *)(base + f->off);
		printf(" %s=", f->name);
		switch (f->kind) {
		case WK_U64:
			printf("%" PRIu64, *(const uint64_t *)(base + f->off));
			break;
		case WK_STR:
			put_str(*(const char *const *)(base + f->off), *(const uint32_t *)(base + f->len_off));
			break;
		case WK_STRV: {
			char **items = calloc((size_t)list->count + 1, sizeof(char *));
			if (items == NULL) {
				fputs("wire-dump: out of memory\n", stderr);
				exit(1);
			}
			wire_strv_fill(list, items);
			putchar('[');
			for (uint32_t j = 0; j < list->count; j++) {
				if (j)
					putchar(',');
				put_str(items[j], (uint32_t)strlen(items[j]));
			}
			putchar(']');
			free(items);
			break;
		}
		case WK_U64V:
			putchar('[');
			for (uint32_t j = 0; j < list->count; j++)
				printf(j ? ",%" PRIu64 : "%" PRIu64, wire_u64v_at(list, j));
			putchar(']');
			break;
		}
	}
	putchar('\n');
}

/* --msgs: each frame decoded by wire_parse_msg, re-encoded by wire_encode_msg (which must
 * give the same bytes), printed as a line. */
static int dump_msgs(const uint8_t *buf, size_t len)
{
	for (size_t off = 0; off < len;) {
		if (len - off < 8) {
			fprintf(stderr, "wire-dump: truncated frame at byte %zu\n", off);
			return 1;
		}
		uint32_t type = wire_le32(buf + off), plen = wire_le32(buf + off + 4);
		if (len - off - 8 < plen) {
			fprintf(stderr, "wire-dump: frame at byte %zu runs past the end\n", off);
			return 1;
		}
		union wire_msg_args m;
		const char *what;
		if (wire_parse_msg(type, buf + off + 8, plen, &m, &what) < 0) {
			fprintf(stderr, "wire-dump: message at byte %zu: %s\n", off, what);
			return 1;
		}
		uint8_t again[8192];
		size_t n = wire_encode_msg(type, &m, again, sizeof(again));
		if (n != 8 + (size_t)plen || memcmp(again, buf + off, n) != 0) {
			fprintf(stderr, "wire-dump: message at byte %zu encodes differently\n", off);
			return 1;
		}
		put_fields(wire_msg_def(type), &m);
		off += 8 + (size_t)plen;
	}
	return 0;
}

int main(int argc, char **argv)
{
	int msgs = argc == 2 && strcmp(argv[1], "--msgs") == 0;
	if (argc > 1 && !msgs) {
		fputs("usage: wire-dump [--msgs] < bytes\n", stderr);
		return 2;
	}
	/* One byte more than the limit, so an oversized plan is seen as such. */
	size_t cap = WIRE_MAX_PLAN + 1, len = 0;
	uint8_t *buf = malloc(cap);
	if (buf == NULL) {
		fputs("wire-dump: out of memory\n", stderr);
		return 1;
	}
	for (;;) {
		ssize_t n = read(0, buf + len, cap - len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			fprintf(stderr, "wire-dump: read stdin: %s\n", strerror(errno));
			return 1;
		}
		if (n == 0)
			break;
		len += (size_t)n;
		if (len == cap)
			break;
	}

	if (msgs) {
		int rc = dump_msgs(buf, len);
		return fflush(stdout) != 0 || rc;
	}
	struct wire_plan plan;
	struct wire_error err;
	if (wire_parse_plan(buf, len, &plan, &err) < 0) {
		if (err.op < 0)
			fprintf(stderr, "wire-dump: header at byte %zu: %s\n", err.offset, err.what);
		else
			fprintf(stderr, "wire-dump: op %" PRId64 " at byte %zu: %s\n", err.op, err.offset, err.what);
		return 1;
	}
	for (uint32_t i = 0; i < plan.count; i++)
		put_fields(plan.ops[i].def, &plan.ops[i].a);
	if (fflush(stdout) != 0 || ferror(stdout)) {
		fprintf(stderr, "wire-dump: write stdout: %s\n", strerror(errno));
		return 1;
	}
	wire_plan_free(&plan);
	free(buf);
	return 0;
}
