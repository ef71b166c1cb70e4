/* npy.c: read and write NumPy .npy files (one tensor each), fully bounds-checked. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ladder-data.h"
#include "util/banned.h"

static const struct {
	const char *code;	/* kind and size after the byte-order character */
	enum ladder_dtype dtype;
} npy_types[] = {
	{ "f4", LADDER_DT_FLOAT }, { "f2", LADDER_DT_FLOAT16 }, { "f8", LADDER_DT_DOUBLE },
	{ "i1", LADDER_DT_INT8 }, { "u1", LADDER_DT_UINT8 }, { "i2", LADDER_DT_INT16 },
	{ "u2", LADDER_DT_UINT16 }, { "i4", LADDER_DT_INT32 }, { "u4", LADDER_DT_UINT32 },
	{ "i8", LADDER_DT_INT64 }, { "u8", LADDER_DT_UINT64 }, { "b1", LADDER_DT_BOOL },
};

/* Finds 'key': in the header dict; returns the position after the colon, or NULL. */
static const char *
header_value(const char *h, size_t len, const char *key)
{
	size_t klen = strlen(key);

	for (size_t i = 0; i + klen + 2 < len; i++) {
		if ((h[i] == '\'' || h[i] == '"') && memcmp(h + i + 1, key, klen) == 0 &&
		    h[i + 1 + klen] == h[i]) {
			const char *p = h + i + klen + 2, *end = h + len;

			while (p < end && (*p == ' ' || *p == '\t'))
				p++;
			if (p < end && *p == ':') {
				p++;
				while (p < end && (*p == ' ' || *p == '\t'))
					p++;
				return p < end ? p : NULL;
			}
		}
	}
	return NULL;
}

int
ladder_npy_load_mem(const void *data, size_t len, struct ladder_arena *arena,
    struct ladder_tensor *out, struct ladder_err *err)
{
	const unsigned char *d = data;
	size_t hlen, hstart, need;
	const char *h, *p, *end;
	int major;

	memset(out, 0, sizeof *out);
	if (len < 10 || memcmp(d, "\x93NUMPY", 6) != 0)
		return ladder_errf(err, LADDER_EFORMAT, "not a .npy file (bad magic)");
	major = d[6];
	if (major == 1) {
		hlen = d[8] | (size_t)d[9] << 8;
		hstart = 10;
	} else if (major == 2 || major == 3) {
		if (len < 12)
			return ladder_errf(err, LADDER_EFORMAT, "truncated .npy header");
		hlen = d[8] | (size_t)d[9] << 8 | (size_t)d[10] << 16 | (size_t)d[11] << 24;
		hstart = 12;
	} else {
		return ladder_errf(err, LADDER_EUNSUPPORTED, "unsupported .npy version %d", major);
	}
	if (hlen > len - hstart)
		return ladder_errf(err, LADDER_EFORMAT, "truncated .npy header (needs %zu bytes, has %zu)",
		    hlen, len - hstart);
	h = (const char *)d + hstart;
	end = h + hlen;

	/* descr */
	p = header_value(h, hlen, "descr");
	if (p == NULL || (*p != '\'' && *p != '"') || end - p < 5)
		return ladder_errf(err, LADDER_EFORMAT, "no 'descr' in the .npy header");
	char order = p[1];
	const char *code = p + 2;
	size_t clen = 0;

	while (code + clen < end && code[clen] != p[0])
		clen++;
	out->dtype = LADDER_DT_UNDEFINED;
	for (size_t i = 0; i < sizeof npy_types / sizeof npy_types[0]; i++) {
		if (clen == 2 && memcmp(code, npy_types[i].code, 2) == 0)
			out->dtype = npy_types[i].dtype;
	}
	if (out->dtype == LADDER_DT_UNDEFINED)
		return ladder_errf(err, LADDER_EUNSUPPORTED, "unsupported .npy dtype '%.*s'",
		    (int)(clen < 16 ? clen + 1 : 16), p + 1);
	if (order == '>' && ladder_dtype_size(out->dtype) > 1)
		return ladder_errf(err, LADDER_EUNSUPPORTED, "big-endian .npy data is not supported");
	if (order != '<' && order != '|' && order != '=' && order != '>')
		return ladder_errf(err, LADDER_EFORMAT, "bad .npy descr");

	/* fortran_order */
	p = header_value(h, hlen, "fortran_order");
	if (p == NULL)
		return ladder_errf(err, LADDER_EFORMAT, "no 'fortran_order' in the .npy header");
	if (end - p >= 4 && memcmp(p, "True", 4) == 0)
		return ladder_errf(err, LADDER_EUNSUPPORTED, "Fortran-order .npy data is not supported");

	/* shape */
	p = header_value(h, hlen, "shape");
	if (p == NULL || *p != '(')
		return ladder_errf(err, LADDER_EFORMAT, "no 'shape' in the .npy header");
	p++;
	out->rank = 0;
	for (;;) {
		while (p < end && (*p == ' ' || *p == ','))
			p++;
		if (p >= end)
			return ladder_errf(err, LADDER_EFORMAT, "unterminated shape in the .npy header");
		if (*p == ')')
			break;
		if (*p < '0' || *p > '9')
			return ladder_errf(err, LADDER_EFORMAT, "bad shape in the .npy header");
		int64_t v = 0;

		while (p < end && *p >= '0' && *p <= '9') {
			if (__builtin_mul_overflow(v, 10, &v) || __builtin_add_overflow(v, *p - '0', &v))
				return ladder_errf(err, LADDER_EFORMAT, "dimension too large in the .npy header");
			p++;
		}
		if (p < end && *p == 'L')
			p++;
		if (out->rank == LADDER_MAX_RANK)
			return ladder_errf(err, LADDER_EUNSUPPORTED, ".npy rank above %d", LADDER_MAX_RANK);
		out->dims[out->rank++] = v;
	}
	int64_t n = ladder_tensor_numel(out);

	if (n < 0 || !ladder_mul_size((size_t)n, ladder_dtype_size(out->dtype), &need))
		return ladder_errf(err, LADDER_EFORMAT, "too many elements in the .npy shape");
	if (need > len - hstart - hlen)
		return ladder_errf(err, LADDER_EFORMAT, "truncated .npy data (needs %zu bytes, has %zu)",
		    need, len - hstart - hlen);
	out->data = ladder_arena_alloc(arena, need);
	if (out->data == NULL)
		return ladder_errf(err, LADDER_ENOMEM, "out of memory reading .npy data (%zu bytes)", need);
	if (need > 0)
		memcpy(out->data, d + hstart + hlen, need);
	out->bytes = need;
	if (out->dtype == LADDER_DT_BOOL) {
		for (size_t i = 0; i < need; i++)
			((uint8_t *)out->data)[i] = ((uint8_t *)out->data)[i] != 0;
	}
	return 0;
}

int
ladder_npy_load(const char *path, struct ladder_arena *arena, struct ladder_tensor *out,
    struct ladder_err *err)
{
	char *data;
	size_t len;
	int rc = ladder_read_file(path, 0, &data, &len, err);

	if (rc != 0)
		return rc;
	rc = ladder_npy_load_mem(data, len, arena, out, err);
	free(data);
	if (rc != 0)
		ladder_err_prefix(err, "cannot read '%s'", path);
	return rc;
}

int
ladder_npy_serialize(const struct ladder_tensor *t, struct ladder_buf *out, struct ladder_err *err)
{
	const char *code = NULL;
	char header[256 + 24 * LADDER_MAX_RANK], shape[24 * LADDER_MAX_RANK + 8];
	size_t slen = 0, hlen, need;
	int64_t n = ladder_tensor_numel(t);

	for (size_t i = 0; i < sizeof npy_types / sizeof npy_types[0]; i++) {
		if (npy_types[i].dtype == t->dtype)
			code = npy_types[i].code;
	}
	if (code == NULL)
		return ladder_errf(err, LADDER_EUNSUPPORTED, "cannot write %s tensors as .npy",
		    ladder_dtype_name(t->dtype));
	if (t->rank < 0 || t->rank > LADDER_MAX_RANK || n < 0 ||
	    !ladder_mul_size((size_t)n, ladder_dtype_size(t->dtype), &need) || need > t->bytes)
		return ladder_errf(err, LADDER_EINVAL, "tensor shape does not match its data");
	for (int i = 0; i < t->rank; i++)
		slen += (size_t)snprintf(shape + slen, sizeof shape - slen, "%lld,%s",
		    (long long)t->dims[i], i + 1 < t->rank ? " " : "");
	if (t->rank > 1)
		slen--;	/* numpy writes (1, 2) but (3,) */
	shape[slen] = '\0';
	hlen = (size_t)snprintf(header, sizeof header,
	    "{'descr': '%c%s', 'fortran_order': False, 'shape': (%s), }",
	    code[1] == '1' ? '|' : '<', code, shape);
	/* Pad with spaces so data starts on a 64-byte boundary; header ends with '\n'. */
	size_t total = 10 + hlen + 1;
	size_t pad = (64 - total % 64) % 64;

	if (hlen + pad + 1 >= sizeof header)
		return ladder_errf(err, LADDER_EINVAL, "npy header too long");
	memset(header + hlen, ' ', pad);
	hlen += pad;
	header[hlen++] = '\n';
	unsigned char pre[10] = { 0x93, 'N', 'U', 'M', 'P', 'Y', 1, 0,
		(unsigned char)(hlen & 0xff), (unsigned char)(hlen >> 8) };

	ladder_buf_add(out, pre, sizeof pre);
	ladder_buf_add(out, header, hlen);
	ladder_buf_add(out, t->data, need);
	if (out->failed)
		return ladder_errf(err, LADDER_ENOMEM, "out of memory");
	return 0;
}

int
ladder_npy_save(const char *path, const struct ladder_tensor *t, struct ladder_err *err)
{
	struct ladder_buf b;
	int rc;

	ladder_buf_init(&b);
	rc = ladder_npy_serialize(t, &b, err);
	if (rc == 0)
		rc = ladder_write_file(path, b.data, b.len, err);
	ladder_buf_release(&b);
	return rc;
}
