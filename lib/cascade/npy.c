/*
 * npy.c: per-sample records (float32 [N, C] outputs, int32 [N] labels) through
 * lib/data's .npy reader, with a size bound and the shape checks cascades need.
 */
#include <stdlib.h>
#include <string.h>

#include "ladder-cascade.h"
#include "ladder-data.h"
#include "ladder-model.h"

int
ladder_cascade_npy_read(const char *path, int want_int, size_t max_bytes,
    struct ladder_npy_matrix *out, struct ladder_err *err)
{
	struct ladder_arena *arena = NULL;
	struct ladder_tensor t;
	char *data = NULL;
	size_t len = 0;
	int rc;

	memset(out, 0, sizeof(*out));
	/* Bound the read: the header is small, the data at most max_bytes. */
	rc = ladder_read_file(path, max_bytes + 65536, &data, &len, err);
	if (rc != 0)
		return rc;
	arena = ladder_arena_new();
	if (arena == NULL) {
		rc = ladder_errf(err, LADDER_ENOMEM, "cannot read '%s': out of memory", path);
		goto out;
	}
	rc = ladder_npy_load_mem(data, len, arena, &t, err);
	if (rc != 0) {
		ladder_err_prefix(err, "cannot read '%s'", path);
		goto out;
	}
	if (want_int ? t.dtype != LADDER_DT_INT32 : t.dtype != LADDER_DT_FLOAT) {
		rc = ladder_errf(err, LADDER_EFORMAT, "cannot read '%s': dtype is not %s", path,
		    want_int ? "int32 (<i4)" : "float32 (<f4)");
		goto out;
	}
	if (want_int ? t.rank != 1 : t.rank != 2) {
		rc = ladder_errf(err, LADDER_EFORMAT, "cannot read '%s': shape must be %s", path,
		    want_int ? "[N]" : "[N, C]");
		goto out;
	}
	if (t.bytes > max_bytes) {
		rc = ladder_errf(err, LADDER_ENOMEM, "cannot read '%s': array too large", path);
		goto out;
	}
	void *mem = malloc(t.bytes ? t.bytes : 1);
	if (mem == NULL) {
		rc = ladder_errf(err, LADDER_ENOMEM, "cannot read '%s': out of memory", path);
		goto out;
	}
	memcpy(mem, t.data, t.bytes);
	out->rows = (size_t)t.dims[0];
	out->cols = want_int ? 1 : (size_t)t.dims[1];
	if (want_int)
		out->i32 = mem;
	else
		out->f32 = mem;
	rc = 0;
out:
	ladder_arena_free(arena);
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
