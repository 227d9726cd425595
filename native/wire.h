/*
 * The wire protocol between tsrunc and tsrunc-init: the decoder and encoder, driven by
 * the table generated from src/native/wire-table.ts (build/gen/wire_gen.h holds the op
 * and message codes, the constants and each op's argument struct; the layout, docs and
 * encoding are described there and in the table). Shared by tsrunc-init, wire-dump and
 * spawn-test, so the round-trip test exercises the very code the init trusts.
 *
 * A plan is validated completely before anything looks at it: every op known, every
 * payload consumed exactly, every string NUL-terminated with no NUL inside, every count
 * bounded by the bytes left. Afterwards its values point into the plan buffer, which
 * must outlive them.
 */
#ifndef TSRUNC_WIRE_H
#define TSRUNC_WIRE_H

#include <stddef.h>
#include <stdint.h>

enum wire_kind { WK_U64 = 1, WK_STR, WK_STRV, WK_U64V };

/* A strv or u64v: its items, still in wire form (already validated). */
struct wire_list {
	uint32_t count;
	const uint8_t *items;
};

/* One field: where the decoder puts it in the op's (or message's) argument struct. */
struct wire_field {
	const char *name; /* snake_case, as in the struct */
	enum wire_kind kind;
	size_t off;     /* of the value: uint64_t, const char *, or struct wire_list */
	size_t len_off; /* str: of its uint32_t length */
};

struct wire_def {
	const char *name; /* "OP_MOUNT", "MSG_ERROR" */
	unsigned nfields;
	const struct wire_field *fields;
};

#include "wire_gen.h"

/* Indexed by code; an entry without a name is no op (message). */
extern const struct wire_def wire_op_defs[];
extern const uint32_t wire_op_defs_len;
extern const struct wire_def wire_msg_defs[];
extern const uint32_t wire_msg_defs_len;

struct wire_op {
	uint32_t code;
	const struct wire_def *def;
	union wire_op_args a; /* a.mount for OP_MOUNT ... (ops without fields have none) */
};

struct wire_plan {
	uint32_t count;
	struct wire_op *ops; /* malloc'd; free with wire_plan_free */
};

/* Where and why a plan was rejected. */
struct wire_error {
	size_t offset; /* byte offset in the plan */
	int64_t op;    /* index of the op being decoded, -1 for the header */
	const char *what;
	int err; /* EINVAL (malformed), E2BIG (limits), ENOMEM, EPROTO (magic/version) */
};

/* NULL for an unknown code. */
const struct wire_def *wire_op_def(uint32_t code);
const struct wire_def *wire_msg_def(uint32_t code);

/* Returns 0, or -1 with *err filled in (and nothing to free). */
int wire_parse_plan(const uint8_t *buf, size_t len, struct wire_plan *plan, struct wire_error *err);
void wire_plan_free(struct wire_plan *plan);

/* The payload of message `type` into *args (strings point into buf). 0, or -1 with *what. */
int wire_parse_msg(uint32_t type, const uint8_t *buf, size_t len, union wire_msg_args *args, const char **what);
/* The frame (u32 type, u32 length, payload) of message `type` with the values in *args:
 * its size, and the bytes in out when cap allows (call with cap 0 to size a buffer). */
size_t wire_encode_msg(uint32_t type, const union wire_msg_args *args, uint8_t *out, size_t cap);

/* Item i of a validated u64v. */
uint64_t wire_u64v_at(const struct wire_list *l, uint32_t i);
/* Fills out[0..count-1] with the strings of a validated strv and out[count] = NULL. */
void wire_strv_fill(const struct wire_list *l, char **out);

/* Little-endian access (the plan bytes are neither aligned nor host-endian). */
uint32_t wire_le32(const uint8_t *p);
void wire_put_le32(uint8_t *p, uint32_t v);

#endif
