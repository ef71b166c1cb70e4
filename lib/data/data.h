/* data.h: internals of lib/data shared between its files. */
#ifndef LADDER_DATA_INTERNAL_H
#define LADDER_DATA_INTERNAL_H

#include "ladder-data.h"

#define DATA_DEFAULT_MAX_BYTES ((size_t)4 << 30)

/*
 * Parses a .npy image held in memory into out (data copied, owned by out).
 * `what` names the file (or "FILE.npz:member") in errors.
 */
int data_npy_parse(const void *bytes, size_t len, const char *what, size_t max_bytes,
    struct ladder_tensor *out, struct ladder_err *err);

/* Sets out's dims from dims[rank] and allocates numel*size bytes, checked. */
int data_tensor_alloc(struct ladder_tensor *out, enum ladder_dtype dt, int rank,
    const int64_t *dims, size_t max_bytes, const char *what, struct ladder_err *err);

/* The same checks, but leaves data NULL (bytes set) for the caller to fill. */
int data_tensor_alloc_lazy(struct ladder_tensor *out, enum ladder_dtype dt, int rank,
    const int64_t *dims, size_t max_bytes, const char *what, struct ladder_err *err);

/* Ends with (case-sensitive). */
int data_has_suffix(const char *s, const char *suffix);

#endif
