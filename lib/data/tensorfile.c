/* tensorfile.c: .npy parsing from memory, ONNX .pb, and dispatch by file name. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "data/data.h"
#include "util/banned.h"

int
data_has_suffix(const char *s, const char *suffix)
{
	size_t a = strlen(s), b = strlen(suffix);

	return a >= b && strcmp(s + a - b, suffix) == 0;
}

void
ladder_data_tensor_release(struct ladder_tensor *t)
{
	if (t == NULL)
		return;
	free(t->data);
	free(t->name);
	memset(t, 0, sizeof *t);
}

/* Checks a shape and the size limit and fills out's type; allocates nothing. */
static int
tensor_shape(struct ladder_tensor *out, enum ladder_dtype dt, int rank, const int64_t *dims,
    size_t max_bytes, const char *what, struct ladder_err *err)
{
	size_t numel = 1, bytes;

	if (max_bytes == 0)
		max_bytes = DATA_DEFAULT_MAX_BYTES;
	memset(out, 0, sizeof *out);
	if (rank < 0 || rank > LADDER_MAX_RANK)
		return ladder_errf(err, LADDER_EFORMAT, "cannot read '%s': rank %d is over %d", what,
		    rank, LADDER_MAX_RANK);
	for (int i = 0; i < rank; i++) {
		if (dims[i] < 0 || !ladder_mul_size(numel, (size_t)dims[i], &numel))
			return ladder_errf(err, LADDER_EFORMAT, "cannot read '%s': bad shape", what);
		out->dims[i] = dims[i];
	}
	if (ladder_dtype_size(dt) == 0)
		return ladder_errf(err, LADDER_EUNSUPPORTED, "cannot read '%s': dtype %s is not supported",
		    what, ladder_dtype_name(dt));
	if (!ladder_mul_size(numel, ladder_dtype_size(dt), &bytes) || bytes > max_bytes)
		return ladder_errf(err, LADDER_ENOMEM,
		    "cannot read '%s': tensor is larger than the limit of %zu bytes", what, max_bytes);
	out->dtype = dt;
	out->rank = rank;
	out->bytes = bytes;
	return 0;
}

int
data_tensor_alloc_lazy(struct ladder_tensor *out, enum ladder_dtype dt, int rank,
    const int64_t *dims, size_t max_bytes, const char *what, struct ladder_err *err)
{
	return tensor_shape(out, dt, rank, dims, max_bytes, what, err);
}

int
data_tensor_alloc(struct ladder_tensor *out, enum ladder_dtype dt, int rank, const int64_t *dims,
    size_t max_bytes, const char *what, struct ladder_err *err)
{
	int rc = tensor_shape(out, dt, rank, dims, max_bytes, what, err);

	if (rc != 0)
		return rc;
	out->data = malloc(out->bytes ? out->bytes : 1);
	if (out->data == NULL)
		return ladder_errf(err, LADDER_ENOMEM, "cannot read '%s': out of memory", what);
	return 0;
}

/* Finds 'key': in the header dict and returns the text after the colon. */
static const char *
npy_field(const char *h, size_t hlen, const char *key)
{
	size_t klen = strlen(key);

	for (size_t i = 0; i + klen + 2 < hlen; i++) {
		if ((h[i] == '\'' || h[i] == '"') && memcmp(h + i + 1, key, klen) == 0 &&
		    h[i + 1 + klen] == h[i]) {
			const char *p = h + i + 2 + klen;

			while (p < h + hlen && (*p == ' ' || *p == ':'))
				p++;
			return p;
		}
	}
	return NULL;
}

static enum ladder_dtype
npy_dtype(const char *d, size_t n)
{
	static const struct {
		const char *descr;
		enum ladder_dtype dt;
	} map[] = {
		{ "<f4", LADDER_DT_FLOAT }, { "<f8", LADDER_DT_DOUBLE }, { "<f2", LADDER_DT_FLOAT16 },
		{ "|u1", LADDER_DT_UINT8 }, { "|i1", LADDER_DT_INT8 }, { "<i2", LADDER_DT_INT16 },
		{ "<u2", LADDER_DT_UINT16 }, { "<i4", LADDER_DT_INT32 }, { "<u4", LADDER_DT_UINT32 },
		{ "<i8", LADDER_DT_INT64 }, { "<u8", LADDER_DT_UINT64 }, { "|b1", LADDER_DT_BOOL },
		{ "<u1", LADDER_DT_UINT8 }, { "<i1", LADDER_DT_INT8 },
	};

	for (size_t i = 0; i < sizeof map / sizeof map[0]; i++) {
		if (n == 3 && memcmp(d, map[i].descr, 3) == 0)
			return map[i].dt;
	}
	return LADDER_DT_UNDEFINED;
}

int
data_npy_parse(const void *bytes, size_t len, const char *what, size_t max_bytes,
    struct ladder_tensor *out, struct ladder_err *err)
{
	const uint8_t *b = bytes;
	const char *p, *end;
	char *h;
	int64_t dims[LADDER_MAX_RANK];
	size_t hlen, off;
	enum ladder_dtype dt;
	int rank = 0, rc;

	memset(out, 0, sizeof *out);
	if (len < 10 || memcmp(b, "\x93NUMPY", 6) != 0)
		return ladder_errf(err, LADDER_EFORMAT, "cannot read '%s': not a .npy file", what);
	if (b[6] == 1) {
		hlen = b[8] | (size_t)b[9] << 8;
		off = 10;
	} else if ((b[6] == 2 || b[6] == 3) && len >= 12) {
		hlen = b[8] | (size_t)b[9] << 8 | (size_t)b[10] << 16 | (size_t)b[11] << 24;
		off = 12;
	} else {
		return ladder_errf(err, LADDER_EFORMAT, "cannot read '%s': .npy version %d is not supported",
		    what, b[6]);
	}
	if (hlen > len - off || hlen > (1u << 20))
		return ladder_errf(err, LADDER_EFORMAT, "cannot read '%s': truncated .npy header", what);
	/* A NUL-terminated copy, so that no parse can run past the header. */
	h = malloc(hlen + 1);
	if (h == NULL)
		return ladder_errf(err, LADDER_ENOMEM, "cannot read '%s': out of memory", what);
	memcpy(h, b + off, hlen);
	h[hlen] = '\0';
	end = h + hlen;
	rc = LADDER_EFORMAT;
	p = npy_field(h, hlen, "descr");
	if (p == NULL || p + 5 > end || (*p != '\'' && *p != '"')) {
		ladder_errf(err, rc, "cannot read '%s': .npy header has no descr", what);
		goto fail;
	}
	{
		const char *q = memchr(p + 1, *p, (size_t)(end - p - 1));

		dt = q ? npy_dtype(p + 1, (size_t)(q - p - 1)) : LADDER_DT_UNDEFINED;
		if (dt == LADDER_DT_UNDEFINED) {
			rc = ladder_errf(err, LADDER_EUNSUPPORTED,
			    "cannot read '%s': .npy dtype %.*s is not supported (little-endian numbers only)",
			    what, q ? (int)(q - p - 1) : 8, p + 1);
			goto fail;
		}
	}
	p = npy_field(h, hlen, "fortran_order");
	if (p == NULL || strncmp(p, "False", 5) != 0) {
		rc = ladder_errf(err, LADDER_EUNSUPPORTED,
		    "cannot read '%s': Fortran-ordered .npy is not supported", what);
		goto fail;
	}
	p = npy_field(h, hlen, "shape");
	if (p == NULL || *p != '(') {
		ladder_errf(err, rc, "cannot read '%s': .npy header has no shape", what);
		goto fail;
	}
	p++;
	for (;;) {
		char *e;
		long long v;

		while (*p == ' ' || *p == ',')
			p++;
		if (*p == ')')
			break;
		if (rank == LADDER_MAX_RANK) {
			ladder_errf(err, rc, "cannot read '%s': .npy rank is over %d", what, LADDER_MAX_RANK);
			goto fail;
		}
		v = strtoll(p, &e, 10);
		if (e == p || v < 0) {
			ladder_errf(err, rc, "cannot read '%s': bad .npy shape", what);
			goto fail;
		}
		dims[rank++] = v;
		p = e;
	}
	free(h);
	rc = data_tensor_alloc(out, dt, rank, dims, max_bytes, what, err);
	if (rc != 0)
		return rc;
	if (out->bytes > len - off - hlen) {
		rc = ladder_errf(err, LADDER_EFORMAT,
		    "cannot read '%s': truncated .npy data (needs %zu bytes, has %zu)", what, out->bytes,
		    len - off - hlen);
		ladder_data_tensor_release(out);
		return rc;
	}
	memcpy(out->data, b + off + hlen, out->bytes);
	return 0;
fail:
	free(h);
	return rc;
}

int
ladder_pb_read(const char *path, size_t max_bytes, struct ladder_tensor *out,
    struct ladder_err *err)
{
	struct ladder_arena *arena = NULL;
	struct ladder_tensor *t = NULL;
	char *bytes;
	size_t len;
	int rc;

	memset(out, 0, sizeof *out);
	if (max_bytes == 0)
		max_bytes = DATA_DEFAULT_MAX_BYTES;
	rc = ladder_read_file(path, max_bytes, &bytes, &len, err);
	if (rc != 0)
		return rc;
	rc = ladder_tensor_load_pb(bytes, len, &t, &arena, err);
	free(bytes);
	if (rc != 0) {
		ladder_err_prefix(err, "cannot read '%s'", path);
		ladder_arena_free(arena);
		return rc;
	}
	rc = data_tensor_alloc(out, t->dtype, t->rank, t->dims, max_bytes, path, err);
	if (rc == 0 && out->bytes != t->bytes)
		rc = ladder_errf(err, LADDER_EFORMAT, "cannot read '%s': tensor data is %zu bytes, not %zu",
		    path, t->bytes, out->bytes);
	if (rc == 0)
		memcpy(out->data, t->data, out->bytes);
	else
		ladder_data_tensor_release(out);
	ladder_arena_free(arena);
	return rc;
}

int
ladder_tensor_file_read(const char *path, size_t max_bytes, struct ladder_tensor *out,
    struct ladder_err *err)
{
	const char *colon = strrchr(path, ':');

	memset(out, 0, sizeof *out);
	if (colon != NULL && colon > path && strstr(path, ".npz:") == colon - 4) {
		char file[4096];

		if ((size_t)(colon - path) >= sizeof file)
			return ladder_errf(err, LADDER_EINVAL, "cannot read '%s': path too long", path);
		memcpy(file, path, (size_t)(colon - path));
		file[colon - path] = '\0';
		return ladder_npz_read(file, colon + 1, max_bytes, out, err);
	}
	if (data_has_suffix(path, ".npz"))
		return ladder_npz_read(path, NULL, max_bytes, out, err);
	if (data_has_suffix(path, ".npy")) {
		char *bytes;
		size_t len;
		int rc;

		rc = ladder_read_file(path, max_bytes ? max_bytes + 65536 : 0, &bytes, &len, err);
		if (rc != 0)
			return rc;
		rc = data_npy_parse(bytes, len, path, max_bytes, out, err);
		free(bytes);
		return rc;
	}
	if (data_has_suffix(path, ".pb"))
		return ladder_pb_read(path, max_bytes, out, err);
	/* IDX has no standard suffix (t10k-images-idx3-ubyte.gz); check the magic. */
	return ladder_idx_read(path, max_bytes, out, err);
}
