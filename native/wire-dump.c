/*
 * wire-dump: decode a plan with the init's own decoder (wire.c) and print it,
 * so test/native/wire.test.ts can prove the TypeScript encoder and the C
 * decoder agree.
 *
 * Input: the raw plan bytes on stdin (magic, version, op_count, ops — not a
 * MSG_PLAN frame).
 *
 * Output, only once the whole plan has decoded: one line per op,
 *
 *   <OPNAME>[ <field>=<value>]...\n
 *
 * OPNAME is the wire.h enum name (OP_MOUNT). Fields come in wire order, named
 * as in wire.h's comments, snake_case (wire.ts spells three of them in
 * camelCase: attr_set=attrSet, attr_clr=attrClr, search_path=searchPath):
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

#include "wire_read.h"

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

static void put_op(const struct wire_op *op)
{
	fputs(op->def->name, stdout);
	for (unsigned i = 0; i < op->def->nfields; i++) {
		const union wire_value *v = &op->f[i];
		printf(" %s=", op->def->fields[i].name);
		switch (op->def->fields[i].kind) {
		case WK_U64:
			printf("%" PRIu64, v->u64);
			break;
		case WK_STR:
			put_str(v->str.s, v->str.len);
			break;
		case WK_STRV: {
			char **items = calloc((size_t)v->list.count + 1, sizeof(char *));
			if (items == NULL) {
				fputs("wire-dump: out of memory\n", stderr);
				exit(1);
			}
			wire_strv_fill(&v->list, items);
			putchar('[');
			for (uint32_t j = 0; j < v->list.count; j++) {
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
			for (uint32_t j = 0; j < v->list.count; j++)
				printf(j ? ",%" PRIu64 : "%" PRIu64, wire_u64v_at(&v->list, j));
			putchar(']');
			break;
		}
	}
	putchar('\n');
}

int main(void)
{
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
		put_op(&plan.ops[i]);
	if (fflush(stdout) != 0 || ferror(stdout)) {
		fprintf(stderr, "wire-dump: write stdout: %s\n", strerror(errno));
		return 1;
	}
	wire_plan_free(&plan);
	free(buf);
	return 0;
}
