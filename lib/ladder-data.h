/* ladder-data.h: public interface of lib/data: data files (npy, ...). */
#ifndef LADDER_DATA_H
#define LADDER_DATA_H

#include <stddef.h>

#include "ladder-model.h"
#include "ladder-util.h"

/*
 * npy: NumPy .npy files (format versions 1-3, C order, little-endian):
 * float32, float16, float64, int8, uint8, int16, uint16, int32, uint32,
 * int64, uint64, bool.  Every size in the header is checked against the
 * file.  Loaded data and the tensor's name (NULL) live in `arena`.
 */
int ladder_npy_load_mem(const void *data, size_t len, struct ladder_arena *arena,
    struct ladder_tensor *out, struct ladder_err *err);
int ladder_npy_load(const char *path, struct ladder_arena *arena, struct ladder_tensor *out,
    struct ladder_err *err);
/* Appends the .npy encoding of t to out. */
int ladder_npy_serialize(const struct ladder_tensor *t, struct ladder_buf *out,
    struct ladder_err *err);
int ladder_npy_save(const char *path, const struct ladder_tensor *t, struct ladder_err *err);

#endif
