/*
 * Bounds-checked decoder of plans and messages, by the generated field table
 * (wire_gen.c): each field goes to its offset in the op's argument struct. Every read
 * goes through the cursor, which refuses to step past the end; nothing is trusted
 * until the whole plan has been checked, so the init never runs half of a malformed
 * plan. And the encoder of the init's messages, by the same table.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "wire.h"

const struct wire_def *wire_op_def(uint32_t code)
{
	if (code >= wire_op_defs_len || wire_op_defs[code].name == NULL)
		return NULL;
	return &wire_op_defs[code];
}

const struct wire_def *wire_msg_def(uint32_t code)
{
	if (code >= wire_msg_defs_len || wire_msg_defs[code].name == NULL)
		return NULL;
	return &wire_msg_defs[code];
}

struct cursor {
	const uint8_t *p;
	size_t len;
	size_t off;
};

uint32_t wire_le32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static uint64_t le64(const uint8_t *p)
{
	return (uint64_t)wire_le32(p) | (uint64_t)wire_le32(p + 4) << 32;
}

void wire_put_le32(uint8_t *p, uint32_t v)
{
	for (int i = 0; i < 4; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

static void put_le64(uint8_t *p, uint64_t v)
{
	wire_put_le32(p, (uint32_t)v);
	wire_put_le32(p + 4, (uint32_t)(v >> 32));
}

static size_t left(const struct cursor *c)
{
	return c->len - c->off;
}

static int take_u32(struct cursor *c, uint32_t *v)
{
	if (left(c) < 4)
		return -1;
	*v = wire_le32(c->p + c->off);
	c->off += 4;
	return 0;
}

static int take_u64(struct cursor *c, uint64_t *v)
{
	if (left(c) < 8)
		return -1;
	*v = le64(c->p + c->off);
	c->off += 8;
	return 0;
}

/* A str: u32 length, bytes, NUL. NUL inside would silently cut the C string. */
static int take_str(struct cursor *c, const char **s, uint32_t *len, const char **what)
{
	uint32_t n;
	if (take_u32(c, &n) < 0) {
		*what = "truncated string length";
		return -1;
	}
	if (left(c) < (size_t)n + 1) {
		*what = "string runs past the end of its payload";
		return -1;
	}
	const uint8_t *b = c->p + c->off;
	if (b[n] != 0) {
		*what = "string is not NUL-terminated";
		return -1;
	}
	if (memchr(b, 0, n) != NULL) {
		*what = "string contains a NUL byte";
		return -1;
	}
	*s = (const char *)b;
	*len = n;
	c->off += (size_t)n + 1;
	return 0;
}

/* One field into its place in the argument struct at base. */
static int take_field(struct cursor *c, const struct wire_field *f, uint8_t *base, const char **what)
{
	uint32_t n;
	struct wire_list *list = (struct wire_list *)(base + f->off);
	switch (f->kind) {
	case WK_U64:
		if (take_u64(c, (uint64_t *)(base + f->off)) < 0) {
			*what = "truncated u64";
			return -1;
		}
		return 0;
	case WK_STR:
		return take_str(c, (const char **)(base + f->off), (uint32_t *)(base + f->len_off), what);
	case WK_STRV:
		if (take_u32(c, &n) < 0) {
			*what = "truncated strv count";
			return -1;
		}
		/* Each str is at least 5 bytes: refuse absurd counts before looping. */
		if ((uint64_t)n * 5 > left(c)) {
			*what = "strv count exceeds its payload";
			return -1;
		}
		list->count = n;
		list->items = c->p + c->off;
		for (uint32_t i = 0; i < n; i++) {
			const char *s;
			uint32_t len;
			if (take_str(c, &s, &len, what) < 0)
				return -1;
		}
		return 0;
	case WK_U64V:
		if (take_u32(c, &n) < 0) {
			*what = "truncated u64v count";
			return -1;
		}
		if ((uint64_t)n * 8 > left(c)) {
			*what = "u64v count exceeds its payload";
			return -1;
		}
		list->count = n;
		list->items = c->p + c->off;
		c->off += (size_t)n * 8;
		return 0;
	}
	*what = "unknown field kind";
	return -1;
}

/* Every field of def from the payload in c, which they must fill exactly. */
static int take_fields(struct cursor *c, const struct wire_def *def, void *args, const char **what)
{
	for (unsigned f = 0; f < def->nfields; f++)
		if (take_field(c, &def->fields[f], args, what) < 0)
			return -1;
	if (c->off != c->len) {
		*what = "trailing bytes in payload";
		return -1;
	}
	return 0;
}

static int reject(struct wire_error *err, size_t off, int64_t op, const char *what, int e)
{
	err->offset = off;
	err->op = op;
	err->what = what;
	err->err = e;
	return -1;
}

int wire_parse_plan(const uint8_t *buf, size_t len, struct wire_plan *plan, struct wire_error *err)
{
	struct cursor c = { buf, len, 0 };
	uint32_t magic, version, count;

	plan->count = 0;
	plan->ops = NULL;
	if (len > WIRE_MAX_PLAN)
		return reject(err, 0, -1, "plan over WIRE_MAX_PLAN bytes", E2BIG);
	if (take_u32(&c, &magic) < 0 || take_u32(&c, &version) < 0 || take_u32(&c, &count) < 0)
		return reject(err, c.off, -1, "truncated header", EINVAL);
	if (magic != TSRUNC_WIRE_MAGIC)
		return reject(err, 0, -1, "bad magic", EPROTO);
	if (version != TSRUNC_WIRE_VERSION)
		return reject(err, 4, -1, "unsupported wire version", EPROTO);
	if (count > WIRE_MAX_OPS)
		return reject(err, 8, -1, "op_count over the limit", E2BIG);
	/* Every op has an 8-byte header. */
	if ((uint64_t)count * 8 > left(&c))
		return reject(err, 8, -1, "op_count exceeds the plan size", EINVAL);

	struct wire_op *ops = calloc(count ? count : 1, sizeof(*ops));
	if (ops == NULL)
		return reject(err, 0, -1, "out of memory", ENOMEM);

	for (uint32_t i = 0; i < count; i++) {
		size_t at = c.off;
		uint32_t code, plen;
		const char *what = NULL;
		if (take_u32(&c, &code) < 0 || take_u32(&c, &plen) < 0) {
			reject(err, at, i, "truncated op header", EINVAL);
			goto bad;
		}
		const struct wire_def *def = wire_op_def(code);
		if (def == NULL) {
			reject(err, at, i, "unknown op code", EINVAL);
			goto bad;
		}
		if (plen > left(&c)) {
			reject(err, at + 4, i, "payload runs past the end of the plan", EINVAL);
			goto bad;
		}
		/* A sub-cursor limited to this payload: a field can never read into the next op. */
		struct cursor pc = { c.p + c.off, plen, 0 };
		ops[i].code = code;
		ops[i].def = def;
		if (take_fields(&pc, def, &ops[i].a, &what) < 0) {
			reject(err, c.off + pc.off, i, what, EINVAL);
			goto bad;
		}
		c.off += plen;
	}
	if (left(&c) != 0) {
		reject(err, c.off, -1, "trailing bytes after the last op", EINVAL);
		goto bad;
	}
	plan->count = count;
	plan->ops = ops;
	return 0;
bad:
	free(ops);
	return -1;
}

void wire_plan_free(struct wire_plan *plan)
{
	free(plan->ops);
	plan->ops = NULL;
	plan->count = 0;
}

uint64_t wire_u64v_at(const struct wire_list *l, uint32_t i)
{
	return le64(l->items + (size_t)i * 8);
}

void wire_strv_fill(const struct wire_list *l, char **out)
{
	const uint8_t *p = l->items;
	for (uint32_t i = 0; i < l->count; i++) {
		uint32_t n = wire_le32(p);
		out[i] = (char *)(p + 4);
		p += 4 + (size_t)n + 1;
	}
	out[l->count] = NULL;
}

int wire_parse_msg(uint32_t type, const uint8_t *buf, size_t len, union wire_msg_args *args, const char **what)
{
	const struct wire_def *def = wire_msg_def(type);
	struct cursor c = { buf, len, 0 };
	if (def == NULL) {
		*what = "unknown message type";
		return -1;
	}
	memset(args, 0, sizeof(*args));
	return take_fields(&c, def, args, what);
}

size_t wire_encode_msg(uint32_t type, const union wire_msg_args *args, uint8_t *out, size_t cap)
{
	const struct wire_def *def = wire_msg_def(type);
	const uint8_t *base = (const uint8_t *)args;
	unsigned nf = def ? def->nfields : 0;
	size_t n = 8;
	/* Messages carry u64 and str only (gen-wire.mjs refuses anything else). */
	for (unsigned f = 0; f < nf; f++)
		n += def->fields[f].kind == WK_U64 ? 8 : 4 + (size_t)*(const uint32_t *)(base + def->fields[f].len_off) + 1;
	if (cap < n)
		return n;
	wire_put_le32(out, type);
	wire_put_le32(out + 4, (uint32_t)(n - 8));
	uint8_t *p = out + 8;
	for (unsigned f = 0; f < nf; f++) {
		const struct wire_field *fd = &def->fields[f];
		if (fd->kind == WK_U64) {
			put_le64(p, *(const uint64_t *)(base + fd->off));
			p += 8;
			continue;
		}
		uint32_t len = *(const uint32_t *)(base + fd->len_off);
		wire_put_le32(p, len);
		memcpy(p + 4, *(const char *const *)(base + fd->off), len);
		p[4 + len] = 0;
		p += 4 + (size_t)len + 1;
	}
	return n;
}
