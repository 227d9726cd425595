/*
 * The decoder of wire.h plans, shared by tsrunc-init and wire-dump so that the
 * round-trip test (TypeScript encoder -> wire-dump) exercises the very code the
 * init trusts.
 *
 * A plan is validated completely before anything looks at it: every op known,
 * every payload consumed exactly, every string NUL-terminated with no NUL inside,
 * every count bounded by the bytes left. Afterwards the values point into the
 * plan buffer, which must outlive them.
 */
#ifndef TSRUNC_WIRE_READ_H
#define TSRUNC_WIRE_READ_H

#include <stddef.h>
#include <stdint.h>

#include "wire.h"

/* Largest plan accepted (a real one is a few KiB; argv/env dominate). */
#define WIRE_MAX_PLAN (4u << 20)
/* Sanity limit on op_count, far above any real plan. */
#define WIRE_MAX_OPS 65536u
/* OP_MOUNT has the most fields. */
#define WIRE_MAX_FIELDS 9

enum wire_kind { WK_U64 = 1, WK_STR, WK_STRV, WK_U64V };

struct wire_field_def {
	const char *name;
	enum wire_kind kind;
};

struct wire_op_def {
	const char *name; /* "OP_MOUNT" */
	unsigned nfields;
	struct wire_field_def fields[WIRE_MAX_FIELDS];
};

/* A strv or u64v: its items, still in wire form (already validated). */
struct wire_list {
	uint32_t count;
	const uint8_t *items;
};

union wire_value {
	uint64_t u64;
	struct {
		const char *s; /* NUL-terminated, in the plan buffer */
		uint32_t len;
	} str;
	struct wire_list list;
};

struct wire_op {
	uint32_t code;
	const struct wire_op_def *def;
	union wire_value f[WIRE_MAX_FIELDS];
};

struct wire_plan {
	uint32_t count;
	struct wire_op *ops; /* malloc'd; free with wire_plan_free */
};

/* Where and why a plan was rejected. */
struct wire_error {
	size_t offset;   /* byte offset in the plan */
	int64_t op;      /* index of the op being decoded, -1 for the header */
	const char *what;
	int err;         /* EINVAL (malformed), E2BIG (limits), ENOMEM, EPROTO (magic/version) */
};

/* NULL for an unknown op code. */
const struct wire_op_def *wire_op_def(uint32_t code);

/* Returns 0, or -1 with *err filled in (and nothing to free). */
int wire_parse_plan(const uint8_t *buf, size_t len, struct wire_plan *plan, struct wire_error *err);
void wire_plan_free(struct wire_plan *plan);

/* Item i of a validated u64v. */
uint64_t wire_u64v_at(const struct wire_list *l, uint32_t i);
/* Fills out[0..count-1] with the strings of a validated strv and out[count] = NULL. */
void wire_strv_fill(const struct wire_list *l, char **out);

#endif
