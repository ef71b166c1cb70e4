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

/* .npy parsing is lib/data/npy.c's; this copies out of its arena and names the file. */
int
data_npy_parse(const void *bytes, size_t len, const char *what, size_t max_bytes,
    struct ladder_tensor *out, struct ladder_err *err)
{
	struct ladder_arena *arena = ladder_arena_new();
	struct ladder_tensor t;
	int rc;

	memset(out, 0, sizeof *out);
	if (arena == NULL)
		return ladder_errf(err, LADDER_ENOMEM, "cannot read '%s': out of memory", what);
	rc = ladder_npy_load_mem(bytes, len, arena, &t, err);
	if (rc != 0) {
		ladder_err_prefix(err, "cannot read '%s'", what);
	} else {
		rc = data_tensor_alloc(out, t.dtype, t.rank, t.dims, max_bytes, what, err);
		if (rc == 0)
			memcpy(out->data, t.data, out->bytes);
	}
	ladder_arena_free(arena);
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
