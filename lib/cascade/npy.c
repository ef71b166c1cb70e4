/*
 * npy.c: a small bounded .npy reader for per-sample records (float32 [N, C]
 * outputs, int32 [N] labels).  Stands in until lib/data's reader lands.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ladder-cascade.h"

static const char *
npy_find_value(const char *hdr, const char *key)
{
	const char *p = strstr(hdr, key);

	if (p == NULL)
		return NULL;
	p += strlen(key);
	while (*p == ' ')
		p++;
	if (*p != ':')
		return NULL;
	p++;
	while (*p == ' ')
		p++;
	return p;
}

/* Parses "(N,)" or "(N, C)" into dims; returns the number of dims or -1. */
static int
npy_parse_shape(const char *p, size_t dims[2])
{
	int nd = 0;

	if (*p++ != '(')
		return -1;
	for (;;) {
		while (*p == ' ')
			p++;
		if (*p == ')')
			break;
		if (*p < '0' || *p > '9' || nd == 2)
			return -1;
		char *end;
		errno = 0;
		unsigned long long v = strtoull(p, &end, 10);
		if (errno != 0 || v > ((size_t)1 << 40))
			return -1;
		dims[nd++] = (size_t)v;
		p = end;
		while (*p == ' ')
			p++;
		if (*p == ',')
			p++;
		else if (*p != ')')
			return -1;
	}
	return nd;
}

int
ladder_cascade_npy_read(const char *path, int want_int, size_t max_bytes,
    struct ladder_npy_matrix *out, struct ladder_err *err)
{
	char *data = NULL;
	size_t len = 0, hlen, off, dims[2] = { 0, 0 }, n, nbytes;
	int rc, nd;
	char hdr[1024];
	const char *v;

	memset(out, 0, sizeof(*out));
	rc = ladder_read_file(path, max_bytes + 65536, &data, &len, err);
	if (rc != 0)
		return rc;
	if (len < 10 || memcmp(data, "\x93NUMPY", 6) != 0) {
		rc = ladder_errf(err, LADDER_EFORMAT, "cannot read '%s': not a .npy file", path);
		goto out;
	}
	if (data[6] == 1) {
		hlen = (unsigned char)data[8] | (size_t)(unsigned char)data[9] << 8;
		off = 10;
	} else if ((data[6] == 2 || data[6] == 3) && len >= 12) {
		hlen = (unsigned char)data[8] | (size_t)(unsigned char)data[9] << 8 |
		    (size_t)(unsigned char)data[10] << 16 | (size_t)(unsigned char)data[11] << 24;
		off = 12;
	} else {
		rc = ladder_errf(err, LADDER_EFORMAT, "cannot read '%s': unsupported .npy version %d",
		    path, data[6]);
		goto out;
	}
	if (hlen >= sizeof(hdr) || off + hlen > len) {
		rc = ladder_errf(err, LADDER_EFORMAT, "cannot read '%s': bad .npy header length %zu",
		    path, hlen);
		goto out;
	}
	memcpy(hdr, data + off, hlen);
	hdr[hlen] = '\0';
	off += hlen;
	v = npy_find_value(hdr, "'descr'");
	const char *want = want_int ? "'<i4'" : "'<f4'";
	if (v == NULL || strncmp(v, want, 5) != 0) {
		rc = ladder_errf(err, LADDER_EFORMAT, "cannot read '%s': dtype is not %s", path,
		    want_int ? "int32 (<i4)" : "float32 (<f4)");
		goto out;
	}
	v = npy_find_value(hdr, "'fortran_order'");
	if (v == NULL || strncmp(v, "False", 5) != 0) {
		rc = ladder_errf(err, LADDER_EFORMAT, "cannot read '%s': fortran order not supported",
		    path);
		goto out;
	}
	v = npy_find_value(hdr, "'shape'");
	nd = v == NULL ? -1 : npy_parse_shape(v, dims);
	if (nd < 1 || (want_int && nd != 1) || (!want_int && nd != 2)) {
		rc = ladder_errf(err, LADDER_EFORMAT, "cannot read '%s': shape must be %s", path,
		    want_int ? "[N]" : "[N, C]");
		goto out;
	}
	if (nd == 1)
		dims[1] = 1;
	if (!ladder_mul_size(dims[0], dims[1], &n) || !ladder_mul_size(n, 4, &nbytes) ||
	    nbytes > max_bytes) {
		rc = ladder_errf(err, LADDER_ENOMEM, "cannot read '%s': array too large", path);
		goto out;
	}
	if (len - off < nbytes) {
		rc = ladder_errf(err, LADDER_EFORMAT,
		    "cannot read '%s': truncated data (needs %zu bytes, has %zu)", path, nbytes,
		    len - off);
		goto out;
	}
	void *mem = malloc(nbytes ? nbytes : 1);
	if (mem == NULL) {
		rc = ladder_errf(err, LADDER_ENOMEM, "cannot read '%s': out of memory", path);
		goto out;
	}
	memcpy(mem, data + off, nbytes);	/* little-endian hosts only, as the dtype says */
	out->rows = dims[0];
	out->cols = dims[1];
	if (want_int)
		out->i32 = mem;
	else
		out->f32 = mem;
	rc = 0;
out:
	free(data);
	return rc;
}

void
ladder_npy_matrix_release(struct ladder_npy_matrix *m)
{
	if (m == NULL)
		return;
	free(m->f32);
	free(m->i32);
	memset(m, 0, sizeof(*m));
}
