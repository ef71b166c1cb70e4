/*
 * softmax.c: Softmax, LogSoftmax, Hardmax.  Before opset 13 the input is
 * coerced to 2-D at `axis` (default 1) and normalised over the flattened
 * trailing block; from 13 on, over the single axis `axis` (default -1).
 */
#include <stdbool.h>
#include <stdint.h>
#include <tgmath.h>

#include "ops/ew.h"
#include "util/banned.h"

enum sm_kind { SM_SOFTMAX, SM_LOG, SM_HARD };

struct sm_params {
	enum sm_kind kind;
	int64_t axis;
};

static int
sm_check(struct op_ctx *c, enum sm_kind kind, struct ladder_err *err)
{
	struct sm_params *p = ladder_arena_alloc(c->arena, sizeof *p);

	if (p == NULL)
		return op_fail(c, err, LADDER_ENOMEM, "out of memory");
	p->kind = kind;
	p->axis = op_attr_int(c, "axis", c->opset < 13 ? 1 : -1);
	c->params = p;
	return 0;
}

static int
sm_infer(struct op_ctx *c, struct ladder_err *err)
{
	const struct sm_params *p = c->params;
	const struct exec_value *x = c->in[0];
	int axis;

	if (!ew_is_float(x->dtype))
		return ew_bad_dtype(c, x, err);
	/* Opset < 13 also accepts axis == rank (a 1-column 2-D view). */
	if (!(op_axis(p->axis, x->rank, &axis) || (c->opset < 13 && p->axis == x->rank)))
		return op_fail(c, err, LADDER_EINVAL, "axis %lld is out of range for rank %d",
		    (long long)p->axis, x->rank);
	return ew_infer_same(c, err);
}

/* outer x n x inner view of the input. */
static void
sm_view(const struct op_ctx *c, int64_t *outer, int64_t *n, int64_t *inner)
{
	const struct sm_params *p = c->params;
	const struct exec_value *x = c->in[0];
	int axis;

	if (!op_axis(p->axis, x->rank, &axis))
		axis = x->rank;
	*outer = *n = *inner = 1;
	for (int d = 0; d < axis; d++)
		*outer *= x->dims[d];
	if (c->opset < 13) {
		for (int d = axis; d < x->rank; d++)
			*n *= x->dims[d];
	} else {
		*n = x->dims[axis];
		for (int d = axis + 1; d < x->rank; d++)
			*inner *= x->dims[d];
	}
}

#define SM_KERNEL(S, C, LD, ST, unused)                                                   \
	do {                                                                            \
		const S *px = x->data;                                                  \
		S *py = y->data;                                                        \
		for (int64_t o = 0; o < outer; o++) {                                   \
			for (int64_t i = 0; i < inner; i++) {                           \
				const S *q = px + o * n * inner + i;                    \
				S *r = py + o * n * inner + i;                          \
				C mx = LD(q[0]);                                        \
				int64_t arg = 0;                                        \
				for (int64_t j = 1; j < n; j++) {                       \
					C v = LD(q[j * inner]);                         \
					if (v > mx) {                                   \
						mx = v;                                 \
						arg = j;                                \
					}                                               \
				}                                                       \
				if (p->kind == SM_HARD) {                               \
					for (int64_t j = 0; j < n; j++)                 \
						r[j * inner] = ST((C)(j == arg));       \
					continue;                                       \
				}                                                       \
				double sum = 0;                                         \
				if (p->kind == SM_LOG) {                                \
					for (int64_t j = 0; j < n; j++)                 \
						sum += exp(LD(q[j * inner]) - mx);      \
					C ls = (C)log(sum);                             \
					for (int64_t j = 0; j < n; j++)                 \
						r[j * inner] = ST(LD(q[j * inner]) - mx - ls); \
				} else {                                                \
					/* One exp per element: store, then scale. */   \
					for (int64_t j = 0; j < n; j++) {               \
						C e = exp(LD(q[j * inner]) - mx);       \
						sum += e;                               \
						r[j * inner] = ST(e);                   \
					}                                               \
					C inv = (C)(1 / sum);                           \
					for (int64_t j = 0; j < n; j++)                 \
						r[j * inner] = ST(LD(r[j * inner]) * inv); \
				}                                                       \
			}                                                               \
		}                                                                       \
	} while (0)

static int
sm_run(struct op_ctx *c, struct ladder_err *err)
{
	const struct sm_params *p = c->params;
	const struct exec_value *x = c->in[0];
	struct exec_value *y = c->out[0];
	int64_t outer, n, inner;

	sm_view(c, &outer, &n, &inner);
	if (n == 0 || op_numel(x) == 0)
		return 0;
	switch (x->dtype) {
	EW_CASES_FLOAT(SM_KERNEL, 0)
	default:
		return ew_bad_dtype(c, x, err);
	}
	return 0;
}

static int64_t
sm_macs(const struct op_ctx *c)
{
	return op_numel(c->in[0]);
}

#define SM_OP(SYM, KIND)                                                                \
	static int SYM##_check(struct op_ctx *c, struct ladder_err *err)                \
	{                                                                               \
		return sm_check(c, KIND, err);                                          \
	}                                                                               \
	const struct op_def op_##SYM = { #SYM, "", 1, 1, 1, 1, SYM##_check, sm_infer,   \
		sm_run, sm_macs }

SM_OP(Softmax, SM_SOFTMAX);
SM_OP(LogSoftmax, SM_LOG);
SM_OP(Hardmax, SM_HARD);
