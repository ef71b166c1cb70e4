/*
 * npz.c: NumPy .npz archives.  A zip file read through its central
 * directory; members stored or deflated (zlib raw inflate), zip64 sizes in
 * the central directory understood.  libarchive stays in lib/bundle.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "data/data.h"
#include "util/banned.h"

struct zip_member {
	char name[256];
	int method;
	uint64_t csize, usize, offset;
	uint32_t crc;
};

static uint32_t
rd16(const uint8_t *p)
{
	return p[0] | (uint32_t)p[1] << 8;
}

static uint32_t
rd32(const uint8_t *p)
{
	return p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static uint64_t
rd64(const uint8_t *p)
{
	return rd32(p) | (uint64_t)rd32(p + 4) << 32;
}

/* Walks the central directory; calls fn for each member until it returns non-zero. */
static int
zip_walk(const uint8_t *z, size_t len, const char *path,
    int (*fn)(const struct zip_member *, void *), void *ctx, struct ladder_err *err)
{
	size_t eocd = 0, p;
	uint64_t count, cd_off, cd_size;
	bool found = false;

	if (len < 22)
		return ladder_errf(err, LADDER_EFORMAT, "cannot read '%s': not an .npz (zip) file", path);
	for (size_t i = len - 22 + 1; i-- > 0 && len - i <= 22 + 65535;) {
		if (rd32(z + i) == 0x06054b50) {
			eocd = i;
			found = true;
			break;
		}
	}
	if (!found)
		return ladder_errf(err, LADDER_EFORMAT, "cannot read '%s': not an .npz (zip) file", path);
	count = rd16(z + eocd + 10);
	cd_size = rd32(z + eocd + 12);
	cd_off = rd32(z + eocd + 16);
	if (cd_off == 0xffffffffu || count == 0xffff)
		return ladder_errf(err, LADDER_EUNSUPPORTED,
		    "cannot read '%s': zip64 archives are not supported", path);
	if (cd_off > len || cd_size > len - cd_off)
		return ladder_errf(err, LADDER_EFORMAT, "cannot read '%s': bad zip central directory", path);
	p = (size_t)cd_off;
	for (uint64_t i = 0; i < count; i++) {
		struct zip_member m;
		size_t nlen, xlen, clen;
		int rc;

		if (p + 46 > len || rd32(z + p) != 0x02014b50)
			return ladder_errf(err, LADDER_EFORMAT, "cannot read '%s': bad zip central directory",
			    path);
		memset(&m, 0, sizeof m);
		m.method = (int)rd16(z + p + 10);
		m.crc = rd32(z + p + 16);
		m.csize = rd32(z + p + 20);
		m.usize = rd32(z + p + 24);
		nlen = rd16(z + p + 28);
		xlen = rd16(z + p + 30);
		clen = rd16(z + p + 32);
		m.offset = rd32(z + p + 42);
		if (p + 46 + nlen + xlen + clen > len)
			return ladder_errf(err, LADDER_EFORMAT, "cannot read '%s': bad zip central directory",
			    path);
		if (nlen >= sizeof m.name)
			return ladder_errf(err, LADDER_EFORMAT, "cannot read '%s': zip member name too long",
			    path);
		memcpy(m.name, z + p + 46, nlen);
		m.name[nlen] = '\0';
		/* zip64 extra field: the sizes that read 0xffffffff, in order. */
		for (size_t x = p + 46 + nlen; x + 4 <= p + 46 + nlen + xlen;) {
			size_t id = rd16(z + x), sz = rd16(z + x + 2), q = x + 4;

			if (q + sz > p + 46 + nlen + xlen)
				break;
			if (id == 1) {
				if (m.usize == 0xffffffffu && q + 8 <= x + 4 + sz) {
					m.usize = rd64(z + q);
					q += 8;
				}
				if (m.csize == 0xffffffffu && q + 8 <= x + 4 + sz) {
					m.csize = rd64(z + q);
					q += 8;
				}
				if (m.offset == 0xffffffffu && q + 8 <= x + 4 + sz)
					m.offset = rd64(z + q);
			}
			x += 4 + sz;
		}
		rc = fn(&m, ctx);
		if (rc != 0)
			return rc > 0 ? 0 : rc;
		p += 46 + nlen + xlen + clen;
	}
	return 0;
}

struct find_ctx {
	const char *want;
	struct zip_member m;
	bool found;
};

static int
find_fn(const struct zip_member *m, void *arg)
{
	struct find_ctx *f = arg;
	char base[256];
	size_t n = strlen(m->name);

	memcpy(base, m->name, n + 1);
	if (n > 4 && strcmp(base + n - 4, ".npy") == 0)
		base[n - 4] = '\0';
	if (f->want == NULL || strcmp(base, f->want) == 0 || strcmp(m->name, f->want) == 0) {
		f->m = *m;
		f->found = true;
		return 1;
	}
	return 0;
}

static int
member_bytes(const uint8_t *z, size_t len, const struct zip_member *m, const char *what,
    size_t max_bytes, uint8_t **out, struct ladder_err *err)
{
	size_t local, data;
	uint8_t *buf;

	*out = NULL;
	if (m->offset > len || len - m->offset < 30 || rd32(z + m->offset) != 0x04034b50)
		return ladder_errf(err, LADDER_EFORMAT, "cannot read '%s': bad zip local header", what);
	local = (size_t)m->offset;
	data = local + 30 + rd16(z + local + 26) + rd16(z + local + 28);
	if (data > len || m->csize > len - data)
		return ladder_errf(err, LADDER_EFORMAT, "cannot read '%s': truncated zip member", what);
	if (m->usize > max_bytes + 65536)
		return ladder_errf(err, LADDER_ENOMEM,
		    "cannot read '%s': member is larger than the limit of %zu bytes", what, max_bytes);
	/* Deflate expands at most about 1032:1; a larger claim is a lie. */
	if ((m->method == 8 && m->usize / 1100 > m->csize + 1) || m->usize > UINT32_MAX)
		return ladder_errf(err, LADDER_EFORMAT, "cannot read '%s': implausible member size", what);
	buf = malloc(m->usize ? (size_t)m->usize : 1);
	if (buf == NULL)
		return ladder_errf(err, LADDER_ENOMEM, "cannot read '%s': out of memory", what);
	if (m->method == 0) {
		if (m->csize != m->usize) {
			free(buf);
			return ladder_errf(err, LADDER_EFORMAT, "cannot read '%s': bad stored member size",
			    what);
		}
		memcpy(buf, z + data, (size_t)m->usize);
	} else if (m->method == 8) {
		z_stream s;
		int zr;

		memset(&s, 0, sizeof s);
		if (inflateInit2(&s, -15) != Z_OK) {
			free(buf);
			return ladder_errf(err, LADDER_ENOMEM, "cannot read '%s': out of memory", what);
		}
		s.next_in = (Bytef *)(z + data);
		s.avail_in = (uInt)m->csize;
		s.next_out = buf;
		s.avail_out = (uInt)m->usize;
		zr = inflate(&s, Z_FINISH);
		inflateEnd(&s);
		if (zr != Z_STREAM_END || s.total_out != m->usize) {
			free(buf);
			return ladder_errf(err, LADDER_EFORMAT, "cannot read '%s': corrupt deflate data",
			    what);
		}
	} else {
		free(buf);
		return ladder_errf(err, LADDER_EUNSUPPORTED,
		    "cannot read '%s': zip compression method %d is not supported (stored or deflate only)",
		    what, m->method);
	}
	if (crc32(0, buf, (uInt)m->usize) != m->crc) {
		free(buf);
		return ladder_errf(err, LADDER_EFORMAT, "cannot read '%s': CRC mismatch", what);
	}
	*out = buf;
	return 0;
}

int
ladder_npz_read(const char *path, const char *member, size_t max_bytes,
    struct ladder_tensor *out, struct ladder_err *err)
{
	struct find_ctx f = { .want = member };
	char what[1400];
	uint8_t *bytes = NULL;
	char *z;
	size_t len;
	int rc;

	memset(out, 0, sizeof *out);
	if (max_bytes == 0)
		max_bytes = DATA_DEFAULT_MAX_BYTES;
	rc = ladder_read_file(path, 0, &z, &len, err);
	if (rc != 0)
		return rc;
	rc = zip_walk((const uint8_t *)z, len, path, find_fn, &f, err);
	if (rc == 0 && !f.found)
		rc = member ? ladder_errf(err, LADDER_ENOTFOUND, "cannot read '%s': no member '%s'", path,
				  member)
			    : ladder_errf(err, LADDER_EFORMAT, "cannot read '%s': empty archive", path);
	if (rc == 0) {
		snprintf(what, sizeof what, "%s:%s", path, f.m.name);
		rc = member_bytes((const uint8_t *)z, len, &f.m, what, max_bytes, &bytes, err);
	}
	if (rc == 0)
		rc = data_npy_parse(bytes, (size_t)f.m.usize, what, max_bytes, out, err);
	free(bytes);
	free(z);
	return rc;
}

struct list_ctx {
	char **names;
	size_t n;
	bool failed;
};

static int
list_fn(const struct zip_member *m, void *arg)
{
	struct list_ctx *l = arg;
	char **grown = realloc(l->names, (l->n + 1) * sizeof *l->names);
	size_t n = strlen(m->name);

	if (grown == NULL)
		goto fail;
	l->names = grown;
	l->names[l->n] = strdup(m->name);
	if (l->names[l->n] == NULL)
		goto fail;
	if (n > 4 && strcmp(m->name + n - 4, ".npy") == 0)
		l->names[l->n][n - 4] = '\0';
	l->n++;
	return 0;
fail:
	l->failed = true;
	return LADDER_ENOMEM;
}

int
ladder_npz_list(const char *path, char ***names, size_t *n, struct ladder_err *err)
{
	struct list_ctx l = { 0 };
	char *z;
	size_t len;
	int rc;

	*names = NULL;
	*n = 0;
	rc = ladder_read_file(path, 0, &z, &len, err);
	if (rc != 0)
		return rc;
	rc = zip_walk((const uint8_t *)z, len, path, list_fn, &l, err);
	free(z);
	if (l.failed && rc == 0)
		rc = ladder_errf(err, LADDER_ENOMEM, "cannot read '%s': out of memory", path);
	if (rc != 0) {
		for (size_t i = 0; i < l.n; i++)
			free(l.names[i]);
		free(l.names);
		return l.failed ? ladder_errf(err, LADDER_ENOMEM, "cannot read '%s': out of memory", path)
				: rc;
	}
	*names = l.names;
	*n = l.n;
	return 0;
}
