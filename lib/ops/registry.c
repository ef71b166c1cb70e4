/* registry.c: the table of operators from ops.def, looked up by domain and op_type. */
#include <string.h>

#include "ops/op.h"
#include "util/banned.h"

static const struct op_def *const ops[] = {
#define OP(sym) &op_##sym,
#include "ops/ops.def"
#undef OP
	NULL,
};

size_t
op_count(void)
{
	return sizeof ops / sizeof ops[0] - 1;
}

const struct op_def *
op_at(size_t i)
{
	return i < op_count() ? ops[i] : NULL;
}

static bool
default_domain(const char *d)
{
	return d == NULL || d[0] == '\0' || strcmp(d, "ai.onnx") == 0;
}

const struct op_def *
op_find(const char *domain, const char *op_type)
{
	for (size_t i = 0; i < op_count(); i++) {
		const struct op_def *d = ops[i];

		if (strcmp(d->name, op_type) != 0)
			continue;
		if (default_domain(domain) ? default_domain(d->domain) : strcmp(domain, d->domain) == 0)
			return d;
	}
	return NULL;
}
