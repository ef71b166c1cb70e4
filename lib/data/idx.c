/* idx.c: IDX files (the MNIST format), plain or gzip-compressed, via zlib. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "data/data.h"
#include "util/banned.h"

static enum ladder_dtype
idx_dtype(int code)
{
	switch (code) {
	case 0x08: return LADDER_DT_UINT8;
	case 0x09: return LADDER_DT_INT8;
	case 0x0B: return LADDER_DT_INT16;
	case 0x0C: return LADDER_DT_INT32;
	case 0x0D: return LADDER_DT_FLOAT;
	case 0x0E: return LADDER_DT_DOUBLE;
	default: return LADDER_DT_UNDEFINED;
	}
}

/* Whether zlib saw a bad or cut-short gzip stream (a plain file never is). */
static bool
gz_broken(gzFile gz)
{
	int zerr = Z_OK;

	gzerror(gz, &zerr);
	return zerr != Z_OK;
}

/* Reads exactly n bytes; false on a short read. */
static int
gz_read_all(gzFile gz, void *buf, size_t n)
{
	uint8_t *p = buf;

	while (n > 0) {
		unsigned chunk = n > (1u << 30) ? 1u << 30 : (unsigned)n;
		int got = gzread(gz, p, chunk);

		if (got <= 0)
			return 0;
		p += got;
		n -= (size_t)got;
	}
	return 1;
}

/*
 * Reads out->bytes into out->data, growing the buffer as data arrives, so a
 * header that claims gigabytes costs nothing unless they are there.
 */
static int
gz_read_grow(gzFile gz, struct ladder_tensor *out)
{
	size_t have = 0, cap = 0;

	while (have < out->bytes) {
		size_t want = out->bytes - have;
		uint8_t *g;

		if (have == cap) {
			cap = cap ? cap * 2 : (size_t)1 << 20;
			if (cap > out->bytes)
				cap = out->bytes;
			g = realloc(out->data, cap);
			if (g == NULL)
				return 0;
			out->data = g;
		}
		if (want > cap - have)
			want = cap - have;
		if (!gz_read_all(gz, (uint8_t *)out->data + have, want))
			return 0;
		have += want;
	}
	return 1;
}

int
ladder_idx_read(const char *path, size_t max_bytes, struct ladder_tensor *out,
    struct ladder_err *err)
{
	uint8_t head[4], raw[4 * LADDER_MAX_RANK], extra;
	int64_t dims[LADDER_MAX_RANK];
	enum ladder_dtype dt;
	size_t esize;
	gzFile gz;
	int rank, rc;

	memset(out, 0, sizeof *out);
	gz = gzopen(path, "rb");
	if (gz == NULL)
		return ladder_errf(err, LADDER_EIO, "cannot open '%s': %s", path,
		    errno ? strerror(errno) : "out of memory");
	if (!gz_read_all(gz, head, 4)) {
		rc = ladder_errf(err, LADDER_EFORMAT, "cannot read '%s': %s", path,
		    gz_broken(gz) ? "corrupt gzip stream" : "not an IDX file (too short)");
		goto done;
	}
	dt = idx_dtype(head[2]);
	rank = head[3];
	if (head[0] != 0 || head[1] != 0 || dt == LADDER_DT_UNDEFINED) {
		rc = ladder_errf(err, LADDER_EFORMAT,
		    "cannot read '%s': not an IDX file (bad magic %02x %02x %02x %02x)", path,
		    head[0], head[1], head[2], head[3]);
		goto done;
	}
	if (rank < 1 || rank > LADDER_MAX_RANK) {
		rc = ladder_errf(err, LADDER_EFORMAT, "cannot read '%s': IDX rank %d is not 1 to %d",
		    path, rank, LADDER_MAX_RANK);
		goto done;
	}
	if (!gz_read_all(gz, raw, (size_t)4 * rank)) {
		rc = ladder_errf(err, LADDER_EFORMAT, "cannot read '%s': truncated IDX header", path);
		goto done;
	}
	for (int i = 0; i < rank; i++)
		dims[i] = (int64_t)raw[4 * i] << 24 | raw[4 * i + 1] << 16 | raw[4 * i + 2] << 8 |
		    raw[4 * i + 3];
	rc = data_tensor_alloc_lazy(out, dt, rank, dims, max_bytes, path, err);
	if (rc != 0)
		goto done;
	if (!gz_read_grow(gz, out)) {
		rc = ladder_errf(err, LADDER_EFORMAT,
		    "cannot read '%s': truncated IDX data (needs %zu bytes)%s", path, out->bytes,
		    gz_broken(gz) ? " or corrupt gzip stream" : "");
		goto done;
	}
	if (gzread(gz, &extra, 1) != 0) {
		rc = ladder_errf(err, LADDER_EFORMAT,
		    "cannot read '%s': trailing bytes after the IDX data", path);
		goto done;
	}
	/* All the data but no intact gzip trailer (CRC, size): cut short or corrupt. */
	if (gz_broken(gz)) {
		rc = ladder_errf(err, LADDER_EFORMAT,
		    "cannot read '%s': truncated or corrupt gzip stream", path);
		goto done;
	}
	/* IDX is big-endian; ladder tensors are little-endian. */
	esize = ladder_dtype_size(dt);
	if (esize > 1) {
		uint8_t *p = out->data;

		for (size_t i = 0; i < out->bytes; i += esize) {
			for (size_t a = 0, b = esize - 1; a < b; a++, b--) {
				uint8_t t = p[i + a];

				p[i + a] = p[i + b];
				p[i + b] = t;
			}
		}
	}
done:
	gzclose(gz);
	if (rc != 0)
		ladder_data_tensor_release(out);
	return rc;
}
