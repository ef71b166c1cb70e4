/*
 * ew.h: broadcast iteration and dtype-dispatch macros shared by the
 * element-wise operator families (unary.c, activation.c, binary.c, cast.c).
 * Internal to lib/ops.
 */
#ifndef LADDER_OPS_EW_H
#define LADDER_OPS_EW_H

#include <stdint.h>

#include "ops/op.h"

#define EW_MAX_IN 3

/*
 * The output shape with every input's element strides, size-1 axes dropped
 * and adjacent axes merged where all inputs allow it, so the innermost loop
 * is as long as possible.  rank >= 1 always.
 */
struct ew_iter {
	int rank;
	int n;
	int64_t dims[LADDER_MAX_RANK];
	int64_t strides[EW_MAX_IN][LADDER_MAX_RANK];
	int64_t outer;		/* product of dims[0 .. rank-2] */
	int64_t inner;		/* dims[rank-1] */
};

struct ew_pos {
	int64_t idx[LADDER_MAX_RANK];
	int64_t off[EW_MAX_IN];
};

/* out's shape must be the broadcast of the inputs' shapes. */
void ew_iter_init(struct ew_iter *it, const struct exec_value *out,
    const struct exec_value *const *in, int n);

/* Advances pos to the next outer row. */
static inline void
ew_next(const struct ew_iter *it, struct ew_pos *p)
{
	for (int d = it->rank - 2; d >= 0; d--) {
		p->idx[d]++;
		for (int k = 0; k < it->n; k++)
			p->off[k] += it->strides[k][d];
		if (p->idx[d] < it->dims[d])
			return;
		for (int k = 0; k < it->n; k++)
			p->off[k] -= it->strides[k][d] * it->dims[d];
		p->idx[d] = 0;
	}
}

/* Infers the broadcast output shape of in[0..n) with dtype dt into out. */
int ew_infer_broadcast(struct op_ctx *c, int first, int n, enum ladder_dtype dt,
    struct ladder_err *err);

bool ew_is_float(enum ladder_dtype dt);
bool ew_is_int(enum ladder_dtype dt);
bool ew_is_signed_int(enum ladder_dtype dt);

/* Loads and stores between storage and compute types. */
#define EW_ID(v) (v)
#define EW_H2F(v) op_half_to_float(v)
#define EW_F2H(v) op_float_to_half(v)
#define EW_B2F(v) op_bf16_to_float(v)
#define EW_F2B(v) op_float_to_bf16(v)

/*
 * Dispatch lists: MAC(storage type, compute type, load, store, ...) per
 * dtype case.  Floating types compute in float (halves) or their own type.
 */
#define EW_CASES_FLOAT(MAC, ...)                                                       \
	case LADDER_DT_FLOAT: MAC(float, float, EW_ID, EW_ID, __VA_ARGS__); break;     \
	case LADDER_DT_DOUBLE: MAC(double, double, EW_ID, EW_ID, __VA_ARGS__); break;  \
	case LADDER_DT_FLOAT16: MAC(uint16_t, float, EW_H2F, EW_F2H, __VA_ARGS__); break; \
	case LADDER_DT_BFLOAT16: MAC(uint16_t, float, EW_B2F, EW_F2B, __VA_ARGS__); break;

/* Integers in their own type (comparisons, min/max, division). */
#define EW_CASES_INT(MAC, ...)                                                         \
	case LADDER_DT_INT8: MAC(int8_t, int8_t, EW_ID, EW_ID, __VA_ARGS__); break;    \
	case LADDER_DT_INT16: MAC(int16_t, int16_t, EW_ID, EW_ID, __VA_ARGS__); break; \
	case LADDER_DT_INT32: MAC(int32_t, int32_t, EW_ID, EW_ID, __VA_ARGS__); break; \
	case LADDER_DT_INT64: MAC(int64_t, int64_t, EW_ID, EW_ID, __VA_ARGS__); break; \
	case LADDER_DT_UINT8: MAC(uint8_t, uint8_t, EW_ID, EW_ID, __VA_ARGS__); break; \
	case LADDER_DT_UINT16: MAC(uint16_t, uint16_t, EW_ID, EW_ID, __VA_ARGS__); break; \
	case LADDER_DT_UINT32: MAC(uint32_t, uint32_t, EW_ID, EW_ID, __VA_ARGS__); break; \
	case LADDER_DT_UINT64: MAC(uint64_t, uint64_t, EW_ID, EW_ID, __VA_ARGS__); break;

/*
 * Integers computed in an unsigned type of at least 32 bits, so that
 * + - * wrap as two's complement instead of overflowing (undefined in C).
 */
#define EW_CASES_INT_WRAP(MAC, ...)                                                    \
	case LADDER_DT_INT8: MAC(int8_t, uint32_t, EW_ID, EW_ID, __VA_ARGS__); break;  \
	case LADDER_DT_INT16: MAC(int16_t, uint32_t, EW_ID, EW_ID, __VA_ARGS__); break; \
	case LADDER_DT_INT32: MAC(int32_t, uint32_t, EW_ID, EW_ID, __VA_ARGS__); break; \
	case LADDER_DT_INT64: MAC(int64_t, uint64_t, EW_ID, EW_ID, __VA_ARGS__); break; \
	case LADDER_DT_UINT8: MAC(uint8_t, uint32_t, EW_ID, EW_ID, __VA_ARGS__); break; \
	case LADDER_DT_UINT16: MAC(uint16_t, uint32_t, EW_ID, EW_ID, __VA_ARGS__); break; \
	case LADDER_DT_UINT32: MAC(uint32_t, uint32_t, EW_ID, EW_ID, __VA_ARGS__); break; \
	case LADDER_DT_UINT64: MAC(uint64_t, uint64_t, EW_ID, EW_ID, __VA_ARGS__); break;

#define EW_CASES_BOOL(MAC, ...)                                                        \
	case LADDER_DT_BOOL: MAC(uint8_t, uint8_t, EW_ID, EW_ID, __VA_ARGS__); break;

/*
 * Binary kernel over an ew_iter: Y[i] = ST(EXPR) with x0 = LA(A[..]) and
 * x1 = LB(B[..]) of compute types CA and CB.  Fast paths for contiguous and
 * scalar-broadcast rows.
 */
#define EW_BINARY_LOOP(SA, CA, LA, SB, CB, LB, SY, ST, it, a, b, y, EXPR)               \
	do {                                                                            \
		const SA *pa_ = (const SA *)(a)->data;                                  \
		const SB *pb_ = (const SB *)(b)->data;                                  \
		SY *py_ = (SY *)(y)->data;                                              \
		struct ew_pos pos_ = { { 0 }, { 0 } };                                  \
		const int64_t n_ = (it)->inner;                                         \
		const int64_t sa_ = (it)->strides[0][(it)->rank - 1];                   \
		const int64_t sb_ = (it)->strides[1][(it)->rank - 1];                   \
		for (int64_t o_ = 0; o_ < (it)->outer; o_++, py_ += n_) {               \
			const SA *A_ = pa_ + pos_.off[0];                               \
			const SB *B_ = pb_ + pos_.off[1];                               \
			if (sa_ == 1 && sb_ == 1) {                                     \
				for (int64_t i_ = 0; i_ < n_; i_++) {                   \
					CA x0 = LA(A_[i_]);                             \
					CB x1 = LB(B_[i_]);                             \
					(void)x0;                                       \
					(void)x1;                                       \
					py_[i_] = ST(EXPR);                             \
				}                                                       \
			} else if (sa_ == 1 && sb_ == 0) {                              \
				CB x1 = LB(B_[0]);                                      \
				for (int64_t i_ = 0; i_ < n_; i_++) {                   \
					CA x0 = LA(A_[i_]);                             \
					(void)x0;                                       \
					(void)x1;                                       \
					py_[i_] = ST(EXPR);                             \
				}                                                       \
			} else if (sa_ == 0 && sb_ == 1) {                              \
				CA x0 = LA(A_[0]);                                      \
				for (int64_t i_ = 0; i_ < n_; i_++) {                   \
					CB x1 = LB(B_[i_]);                             \
					(void)x0;                                       \
					(void)x1;                                       \
					py_[i_] = ST(EXPR);                             \
				}                                                       \
			} else {                                                        \
				for (int64_t i_ = 0; i_ < n_; i_++) {                   \
					CA x0 = LA(A_[i_ * sa_]);                       \
					CB x1 = LB(B_[i_ * sb_]);                       \
					(void)x0;                                       \
					(void)x1;                                       \
					py_[i_] = ST(EXPR);                             \
				}                                                       \
			}                                                               \
			ew_next((it), &pos_);                                           \
		}                                                                       \
	} while (0)

/* Unary kernel over n contiguous elements: Y[i] = ST(EXPR) with v = LD(X[i]). */
#define EW_UNARY_LOOP(S, C, LD, ST, x, y, n, EXPR)                                      \
	do {                                                                            \
		const S *px_ = (const S *)(x)->data;                                    \
		S *py_ = (S *)(y)->data;                                                \
		for (int64_t i_ = 0; i_ < (n); i_++) {                                  \
			C v = LD(px_[i_]);                                              \
			py_[i_] = ST(EXPR);                                             \
		}                                                                       \
	} while (0)

/* Parameters of the element-wise ops with attributes (activation.c, unary.c). */
struct ew_params {
	float alpha, beta;
	int mode;
	bool detect_negative, detect_positive;
};

int ew_check_none(struct op_ctx *c, struct ladder_err *err);
/* Dtype classes for plan-time checks. */
#define EW_T_FLOAT 1
#define EW_T_INT 2
#define EW_T_BOOL 4
#define EW_T_UINT 8	/* unsigned integers only */
bool ew_dtype_in(enum ladder_dtype dt, int classes);
/* As ew_infer_same, failing for an input 0 dtype outside classes. */
int ew_infer_same_as(struct op_ctx *c, int classes, struct ladder_err *err);
int ew_infer_float(struct op_ctx *c, struct ladder_err *err);
int ew_infer_num(struct op_ctx *c, struct ladder_err *err);
/* Output: input 0's dtype and shape. */
int ew_infer_same(struct op_ctx *c, struct ladder_err *err);
/* Output: bool, input 0's shape. */
int ew_infer_bool(struct op_ctx *c, struct ladder_err *err);
int ew_bad_dtype(struct op_ctx *c, const struct exec_value *v, struct ladder_err *err);

/*
 * Defines op_SYM (ONNX name NAME) for floating inputs: y = EXPR of v (the
 * element in its compute type) and p (struct ew_params, set by CHECK).
 */
#define EW_FLOAT_OP(SYM, NAME, CHECK, EXPR)                                             \
	static int SYM##_run(struct op_ctx *c, struct ladder_err *err)                  \
	{                                                                               \
		const struct ew_params *p = c->params;                                  \
		struct exec_value *x = c->in[0], *y = c->out[0];                        \
		int64_t n = op_numel(x);                                                \
		(void)p;                                                                \
		switch (x->dtype) {                                                     \
		EW_CASES_FLOAT(EW_UNARY_LOOP, x, y, n, EXPR)                            \
		default:                                                                \
			return ew_bad_dtype(c, x, err);                                 \
		}                                                                       \
		return 0;                                                               \
	}                                                                               \
	const struct op_def op_##SYM = { NAME, "", 1, 1, 1, 1, CHECK, ew_infer_float,   \
		SYM##_run, NULL }

/*
 * Integer kernel: w = the element as int64 (bit pattern for uint64), uns =
 * whether the storage type is unsigned; the result is converted back.
 */
#define EW_INT_UNARY_LOOP(S, C, LD, ST, x, y, n, EXPR)                                  \
	do {                                                                            \
		const S *px_ = (const S *)(x)->data;                                    \
		S *py_ = (S *)(y)->data;                                                \
		const bool uns = (S)-1 > (S)0;                                          \
		(void)uns;                                                              \
		for (int64_t i_ = 0; i_ < (n); i_++) {                                  \
			int64_t w = (int64_t)px_[i_];                                   \
			py_[i_] = (S)(EXPR);                                            \
		}                                                                       \
	} while (0)

/* As EW_FLOAT_OP, plus all integer types with IEXPR (of w and uns). */
#define EW_NUM_OP(SYM, NAME, CHECK, EXPR, IEXPR)                                        \
	static int SYM##_run(struct op_ctx *c, struct ladder_err *err)                  \
	{                                                                               \
		const struct ew_params *p = c->params;                                  \
		struct exec_value *x = c->in[0], *y = c->out[0];                        \
		int64_t n = op_numel(x);                                                \
		(void)p;                                                                \
		switch (x->dtype) {                                                     \
		EW_CASES_FLOAT(EW_UNARY_LOOP, x, y, n, EXPR)                            \
		EW_CASES_INT(EW_INT_UNARY_LOOP, x, y, n, IEXPR)                         \
		default:                                                                \
			return ew_bad_dtype(c, x, err);                                 \
		}                                                                       \
		return 0;                                                               \
	}                                                                               \
	const struct op_def op_##SYM = { NAME, "", 1, 1, 1, 1, CHECK, ew_infer_num,     \
		SYM##_run, NULL }

#endif
