/* cumsum.c: CumSum along the axis given by a scalar input (exclusive, reverse). */
#include <stdbool.h>
#include <stdint.h>

#include "ops/ew.h"
#include "util/banned.h"

struct cumsum_params {
	bool exclusive, reverse;
};

static int
CumSum_check(struct op_ctx *c, struct ladder_err *err)
{
	struct cumsum_params *p = ladder_arena_alloc(c->arena, sizeof *p);

	if (p == NULL)
		return op_fail(c, err, LADDER_ENOMEM, "out of memory");
	p->exclusive = op_attr_int(c, "exclusive", 0) != 0;
	p->reverse = op_attr_int(c, "reverse", 0) != 0;
	c->params = p;
	return 0;
}

static int
CumSum_infer(struct op_ctx *c, struct ladder_err *err)
{
	const struct exec_value *x = c->in[0], *a = c->in[1];

	if (!ew_is_float(x->dtype) && !ew_is_int(x->dtype))
		return ew_bad_dtype(c, x, err);
	if (a->dtype != LADDER_DT_INT32 && a->dtype != LADDER_DT_INT64)
		return ew_bad_dtype(c, a, err);
	if (op_numel(a) != 1)
		return op_fail(c, err, LADDER_EINVAL, "axis must be a scalar");
	return ew_infer_same(c, err);
}

#define CUMSUM_KERNEL(S, C, LD, ST, unused)                                              \
	do {                                                                            \
		const S *px = x->data;                                                  \
		S *py = y->data;                                                        \
		for (int64_t o = 0; o < outer; o++) {                                   \
			for (int64_t i = 0; i < inner; i++) {                           \
				C acc = 0;                                              \
				for (int64_t j = 0; j < n; j++) {                       \
					int64_t jj = p->reverse ? n - 1 - j : j;        \
					int64_t at = (o * n + jj) * inner + i;          \
					C v = LD(px[at]);                               \
					if (p->exclusive) {                             \
						py[at] = ST(acc);                       \
						acc += v;                               \
					} else {                                        \
						acc += v;                               \
						py[at] = ST(acc);                       \
					}                                               \
				}                                                       \
			}                                                               \
		}                                                                       \
	} while (0)

static int
CumSum_run(struct op_ctx *c, struct ladder_err *err)
{
	const struct cumsum_params *p = c->params;
	const struct exec_value *x = c->in[0];
	struct exec_value *y = c->out[0];
	int axis;

	if (!op_axis(op_get_int(c->in[1], 0), x->rank, &axis))
		return op_fail(c, err, LADDER_EINVAL, "axis %lld is out of range for rank %d",
		    (long long)op_get_int(c->in[1], 0), x->rank);
	int64_t outer = 1, inner = 1, n = x->dims[axis];

	for (int d = 0; d < axis; d++)
		outer *= x->dims[d];
	for (int d = axis + 1; d < x->rank; d++)
		inner *= x->dims[d];
	switch (x->dtype) {
	case LADDER_DT_FLOAT: CUMSUM_KERNEL(float, double, EW_ID, EW_ID, 0); break;
	case LADDER_DT_DOUBLE: CUMSUM_KERNEL(double, double, EW_ID, EW_ID, 0); break;
	case LADDER_DT_FLOAT16: CUMSUM_KERNEL(uint16_t, float, EW_H2F, EW_F2H, 0); break;
	case LADDER_DT_BFLOAT16: CUMSUM_KERNEL(uint16_t, float, EW_B2F, EW_F2B, 0); break;
	EW_CASES_INT_WRAP(CUMSUM_KERNEL, 0)
	default:
		return ew_bad_dtype(c, x, err);
	}
	return 0;
}

const struct op_def op_CumSum = { "CumSum", "", 2, 2, 1, 1, CumSum_check, CumSum_infer,
	CumSum_run, NULL };
