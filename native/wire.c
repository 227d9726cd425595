/*
 * Bounds-checked decoder of wire.h plans. Every read goes through the cursor,
 * which refuses to step past the end; nothing is trusted until the whole plan
 * has been checked, so the init never runs half of a malformed plan.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "wire_read.h"

#define F(n, k) { n, WK_##k }
#define OP(code, ...) [code] = { #code, __VA_ARGS__ }

/* Field names follow the comments of wire.h (snake_case where they have spaces). */
static const struct wire_op_def defs[] = {
	OP(OP_SETNS, 2, { F("nstype", U64), F("path", STR) }),
	OP(OP_UNSHARE, 1, { F("flags", U64) }),
	OP(OP_FORK, 0, { { 0, 0 } }),
	OP(OP_SYNC, 1, { F("tag", U64) }),
	OP(OP_SETHOSTNAME, 1, { F("name", STR) }),
	OP(OP_SETDOMAINNAME, 1, { F("name", STR) }),
	OP(OP_PROPAGATION, 2, { F("path", STR), F("flags", U64) }),
	OP(OP_ROOTFS, 1, { F("rootfs", STR) }),
	OP(OP_MOUNT, 9,
	   { F("source", STR), F("dest", STR), F("fstype", STR), F("flags", U64), F("propagation", U64V),
	     F("data", STR), F("attr_set", U64), F("attr_clr", U64), F("mflags", U64) }),
	OP(OP_MKNOD, 7,
	   { F("path", STR), F("type", U64), F("major", U64), F("minor", U64), F("mode", U64), F("uid", U64),
	     F("gid", U64) }),
	OP(OP_SYMLINK, 2, { F("target", STR), F("linkpath", STR) }),
	OP(OP_PIVOT_ROOT, 0, { { 0, 0 } }),
	OP(OP_MOVE_ROOT, 0, { { 0, 0 } }),
	OP(OP_MASK_PATH, 1, { F("path", STR) }),
	OP(OP_READONLY_PATH, 1, { F("path", STR) }),
	OP(OP_ROOT_READONLY, 0, { { 0, 0 } }),
	OP(OP_SYSCTL, 2, { F("key", STR), F("value", STR) }),
	OP(OP_RLIMIT, 3, { F("resource", U64), F("soft", U64), F("hard", U64) }),
	OP(OP_OOM_SCORE_ADJ, 1, { F("value", U64) }),
	OP(OP_CHDIR, 1, { F("path", STR) }),
	OP(OP_IDENTITY, 3, { F("uid", U64), F("gid", U64), F("groups", U64V) }),
	OP(OP_UMASK, 1, { F("mask", U64) }),
	OP(OP_CAPS_BOUNDING, 1, { F("bounding", U64) }),
	OP(OP_CAPS, 4, { F("effective", U64), F("permitted", U64), F("inheritable", U64), F("ambient", U64) }),
	OP(OP_NO_NEW_PRIVS, 0, { { 0, 0 } }),
	OP(OP_FIFO_OPEN, 1, { F("path", STR) }),
	OP(OP_RESOLVE_EXEC, 2, { F("argv0", STR), F("search_path", STR) }),
	OP(OP_DETACH, 0, { { 0, 0 } }),
	OP(OP_WAIT_FIFO, 0, { { 0, 0 } }),
	OP(OP_EXEC, 2, { F("argv", STRV), F("envp", STRV) }),
	OP(OP_TIMENS_OFFSET, 3, { F("clock", U64), F("seconds", U64), F("nanoseconds", U64) }),
	OP(OP_SETSID, 0, { { 0, 0 } }),
	OP(OP_CLOSE_DEVNULL, 0, { { 0, 0 } }),
	OP(OP_SECCOMP, 3, { F("flags", U64), F("when", U64), F("program", U64V) }),
	OP(OP_PERSONALITY, 1, { F("persona", U64) }),
	OP(OP_SCHEDULER, 7,
	   { F("policy", U64), F("flags", U64), F("nice", U64), F("priority", U64), F("runtime", U64),
	     F("deadline", U64), F("period", U64) }),
	OP(OP_IOPRIO, 1, { F("ioprio", U64) }),
	OP(OP_CPU_AFFINITY, 1, { F("mask", U64V) }),
	OP(OP_MEMPOLICY, 2, { F("mode", U64), F("nodemask", U64V) }),
	OP(OP_SESSION_KEYRING, 2, { F("name", STR), F("perm", U64) }),
	OP(OP_LSM_LABEL, 2, { F("attr", STR), F("value", STR) }),
	OP(OP_CONSOLE, 5, { F("rows", U64), F("cols", U64), F("uid", U64), F("gid", U64), F("flags", U64) }),
	OP(OP_HOOK_STATE, 0, { { 0, 0 } }),
	OP(OP_RUN_HOOK, 5, { F("path", STR), F("argv", STRV), F("envp", STRV), F("timeout_ms", U64), F("name", STR) }),
};

const struct wire_op_def *wire_op_def(uint32_t code)
{
	if (code >= sizeof(defs) / sizeof(defs[0]) || defs[code].name == NULL)
		return NULL;
	return &defs[code];
}

struct cursor {
	const uint8_t *p;
	size_t len;
	size_t off;
};

static uint32_t le32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static uint64_t le64(const uint8_t *p)
{
	return (uint64_t)le32(p) | (uint64_t)le32(p + 4) << 32;
}

static size_t left(const struct cursor *c)
{
	return c->len - c->off;
}

static int take_u32(struct cursor *c, uint32_t *v)
{
	if (left(c) < 4)
		return -1;
	*v = le32(c->p + c->off);
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

static int take_field(struct cursor *c, enum wire_kind kind, union wire_value *v, const char **what)
{
	uint32_t n;
	switch (kind) {
	case WK_U64:
		if (take_u64(c, &v->u64) < 0) {
			*what = "truncated u64";
			return -1;
		}
		return 0;
	case WK_STR:
		return take_str(c, &v->str.s, &v->str.len, what);
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
		v->list.count = n;
		v->list.items = c->p + c->off;
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
		v->list.count = n;
		v->list.items = c->p + c->off;
		c->off += (size_t)n * 8;
		return 0;
	}
	*what = "unknown field kind";
	return -1;
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
		return reject(err, 0, -1, "plan larger than 4 MiB", E2BIG);
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
		const struct wire_op_def *def = wire_op_def(code);
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
		for (unsigned f = 0; f < def->nfields; f++) {
			if (take_field(&pc, def->fields[f].kind, &ops[i].f[f], &what) < 0) {
				reject(err, c.off + pc.off, i, what, EINVAL);
				goto bad;
			}
		}
		if (pc.off != plen) {
			reject(err, c.off + pc.off, i, "trailing bytes in payload", EINVAL);
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
		uint32_t n = le32(p);
		out[i] = (char *)(p + 4);
		p += 4 + (size_t)n + 1;
	}
	out[l->count] = NULL;
}
