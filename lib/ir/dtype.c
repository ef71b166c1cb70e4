/* dtype.c: element sizes and names of tensor data types. */
#include <string.h>

#include "ladder-model.h"
#include "util/banned.h"

static const struct {
	const char *name;
	size_t size;
} dtypes[LADDER_DT_COUNT_] = {
	[LADDER_DT_UNDEFINED] = { "undefined", 0 },
	[LADDER_DT_FLOAT] = { "float32", 4 },
	[LADDER_DT_UINT8] = { "uint8", 1 },
	[LADDER_DT_INT8] = { "int8", 1 },
	[LADDER_DT_UINT16] = { "uint16", 2 },
	[LADDER_DT_INT16] = { "int16", 2 },
	[LADDER_DT_INT32] = { "int32", 4 },
	[LADDER_DT_INT64] = { "int64", 8 },
	[LADDER_DT_STRING] = { "string", 0 },
	[LADDER_DT_BOOL] = { "bool", 1 },
	[LADDER_DT_FLOAT16] = { "float16", 2 },
	[LADDER_DT_DOUBLE] = { "float64", 8 },
	[LADDER_DT_UINT32] = { "uint32", 4 },
	[LADDER_DT_UINT64] = { "uint64", 8 },
	[LADDER_DT_COMPLEX64] = { "complex64", 8 },
	[LADDER_DT_COMPLEX128] = { "complex128", 16 },
	[LADDER_DT_BFLOAT16] = { "bfloat16", 2 },
};

size_t
ladder_dtype_size(enum ladder_dtype dt)
{
	return (unsigned)dt < LADDER_DT_COUNT_ ? dtypes[dt].size : 0;
}

const char *
ladder_dtype_name(enum ladder_dtype dt)
{
	return (unsigned)dt < LADDER_DT_COUNT_ ? dtypes[dt].name : "invalid";
}

enum ladder_dtype
ladder_dtype_parse(const char *name)
{
	for (int i = 1; i < LADDER_DT_COUNT_; i++) {
		if (strcmp(name, dtypes[i].name) == 0)
			return (enum ladder_dtype)i;
	}
	if (strcmp(name, "float") == 0)
		return LADDER_DT_FLOAT;
	if (strcmp(name, "double") == 0)
		return LADDER_DT_DOUBLE;
	return LADDER_DT_UNDEFINED;
}

int64_t
ladder_tensor_numel(const struct ladder_tensor *t)
{
	int64_t n = 1;

	for (int i = 0; i < t->rank; i++) {
		if (t->dims[i] < 0 || __builtin_mul_overflow(n, t->dims[i], &n))
			return -1;
	}
	return n;
}
