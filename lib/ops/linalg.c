/*
 * linalg.c: Det (LU with partial pivoting, in double) and Einsum (any
 * equation: repeated labels, ellipsis, implicit output), evaluated directly
 * as a sum over the contracted labels.  Einsum is for small tensors; MatMul
 * and Gemm are the fast paths.
 */
#include <math.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "ops/ew.h"
#include "util/banned.h"

static int
Det_infer(struct op_ctx *c, struct ladder_err *err)
{
	const struct exec_value *x = c->in[0];

	if (!ew_is_float(x->dtype))
		return ew_bad_dtype(c, x, err);
	if (x->rank < 2 || x->dims[x->rank - 1] != x->dims[x->rank - 2])
		return op_fail(c, err, LADDER_EINVAL, "input must be [..., M, M]");
	op_set_shape(c->out[0], x->dtype, x->rank - 2, x->dims);
	c->scratch_bytes = (size_t)(x->dims[x->rank - 1] * x->dims[x->rank - 1]) * sizeof(double);
	return 0;
}

static int
Det_run(struct op_ctx *c, struct ladder_err *err)
{
	const struct exec_value *x = c->in[0];
	struct exec_value *y = c->out[0];
	int64_t m = x->dims[x->rank - 1], batch = op_numel(y);
	double *a = c->scratch;

	for (int64_t b = 0; b < batch; b++) {
		double det = 1;

		for (int64_t i = 0; i < m * m; i++)
			a[i] = op_get_double(x, b * m * m + i);
		for (int64_t col = 0; col < m && det != 0; col++) {
			int64_t piv = col;

			for (int64_t r = col + 1; r < m; r++) {
				if (fabs(a[r * m + col]) > fabs(a[piv * m + col]))
					piv = r;
			}
			if (a[piv * m + col] == 0) {
				det = 0;
				break;
			}
			if (piv != col) {
				for (int64_t j = 0; j < m; j++) {
					double t = a[col * m + j];

					a[col * m + j] = a[piv * m + j];
					a[piv * m + j] = t;
				}
				det = -det;
			}
			det *= a[col * m + col];
			for (int64_t r = col + 1; r < m; r++) {
				double f = a[r * m + col] / a[col * m + col];

				for (int64_t j = col; j < m; j++)
					a[r * m + j] -= f * a[col * m + j];
			}
		}
		op_set_double(y, b, det);
	}
	return 0;
}

const struct op_def op_Det = { "Det", "", 1, 1, 1, 1, ew_check_none, Det_infer, Det_run, NULL };

/*
 * Einsum.  Labels a-z are 0-25, A-Z 26-51, and the dimensions covered by an
 * ellipsis 52.. (right-aligned across operands, broadcasting like numpy).
 */
#define EIN_LABELS (52 + LADDER_MAX_RANK)
#define EIN_MAX_IN 8

struct ein_term {
	int n;				/* labels in the term, ellipsis expanded */
	int label[LADDER_MAX_RANK];
	bool has_ellipsis;
	int before;			/* explicit labels before the ellipsis */
	int explicit_n;			/* explicit labels */
	int explicit_label[LADDER_MAX_RANK];
};

struct ein_params {
	int n_in;
	struct ein_term in[EIN_MAX_IN];
	struct ein_term out;
	bool explicit_out;
};

static int
label_of(char ch)
{
	if (ch >= 'a' && ch <= 'z')
		return ch - 'a';
	if (ch >= 'A' && ch <= 'Z')
		return 26 + ch - 'A';
	return -1;
}

/* Parses one term (without ellipsis expansion) from s[0..len). */
static int
parse_term(const char *s, size_t len, struct ein_term *t)
{
	memset(t, 0, sizeof *t);
	for (size_t i = 0; i < len; i++) {
		if (s[i] == ' ')
			continue;
		if (s[i] == '.') {
			if (t->has_ellipsis || i + 2 >= len + 0 || s[i + 1] != '.' || s[i + 2] != '.')
				return -1;
			t->has_ellipsis = true;
			t->before = t->explicit_n;
			i += 2;
			continue;
		}
		int l = label_of(s[i]);

		if (l < 0 || t->explicit_n >= LADDER_MAX_RANK)
			return -1;
		t->explicit_label[t->explicit_n++] = l;
	}
	return 0;
}

static int
Einsum_check(struct op_ctx *c, struct ladder_err *err)
{
	const char *eq = op_attr_string(c, "equation", NULL);
	struct ein_params *p = ladder_arena_alloc(c->arena, sizeof *p);

	if (p == NULL)
		return op_fail(c, err, LADDER_ENOMEM, "out of memory");
	if (eq == NULL)
		return op_fail(c, err, LADDER_EINVAL, "attribute 'equation' is missing");
	const char *arrow = strstr(eq, "->");
	size_t lhs_len = arrow ? (size_t)(arrow - eq) : strlen(eq);
	size_t start = 0;

	for (size_t i = 0; i <= lhs_len; i++) {
		if (i < lhs_len && eq[i] != ',')
			continue;
		if (p->n_in >= EIN_MAX_IN || parse_term(eq + start, i - start, &p->in[p->n_in]) != 0)
			return op_fail(c, err, LADDER_EINVAL, "cannot parse equation '%s'", eq);
		p->n_in++;
		start = i + 1;
	}
	if (arrow != NULL) {
		p->explicit_out = true;
		if (parse_term(arrow + 2, strlen(arrow + 2), &p->out) != 0)
			return op_fail(c, err, LADDER_EINVAL, "cannot parse equation '%s'", eq);
	}
	if ((size_t)p->n_in != c->node->n_inputs)
		return op_fail(c, err, LADDER_EINVAL, "equation '%s' has %d operands, node has %zu inputs",
		    eq, p->n_in, c->node->n_inputs);
	c->params = p;
	return 0;
}

/* Expands a term's ellipsis to `ell` labels 52+ (right-aligned to max_ell). */
static int
expand_term(struct ein_term *t, int ell, int max_ell)
{
	int n = 0;

	for (int i = 0; i < t->explicit_n; i++) {
		if (t->has_ellipsis && i == t->before) {
			for (int e = 0; e < ell; e++)
				t->label[n++] = 52 + max_ell - ell + e;
		}
		t->label[n++] = t->explicit_label[i];
	}
	if (t->has_ellipsis && t->before == t->explicit_n) {
		for (int e = 0; e < ell; e++)
			t->label[n++] = 52 + max_ell - ell + e;
	}
	t->n = n;
	return n;
}

struct ein_plan {
	int64_t size[EIN_LABELS];
	bool used[EIN_LABELS];
	int max_ell;
};

static int
ein_plan(struct op_ctx *c, struct ein_params *p, struct ein_plan *pl, struct ladder_err *err)
{
	memset(pl, 0, sizeof *pl);
	for (int k = 0; k < p->n_in; k++) {
		int ell = c->in[k]->rank - p->in[k].explicit_n;

		if (ell < 0 || (ell > 0 && !p->in[k].has_ellipsis))
			return op_fail(c, err, LADDER_EINVAL, "operand %d has rank %d, equation term has %d labels",
			    k, c->in[k]->rank, p->in[k].explicit_n);
		if (ell > pl->max_ell)
			pl->max_ell = ell;
	}
	for (int l = 0; l < EIN_LABELS; l++)
		pl->size[l] = 1;
	for (int k = 0; k < p->n_in; k++) {
		const struct exec_value *x = c->in[k];
		int n = expand_term(&p->in[k], x->rank - p->in[k].explicit_n, pl->max_ell);

		for (int d = 0; d < n; d++) {
			int l = p->in[k].label[d];
			int64_t s = x->dims[d];

			if (pl->used[l] && pl->size[l] != s) {
				if (l >= 52 && (s == 1 || pl->size[l] == 1)) {
					if (s > pl->size[l])
						pl->size[l] = s;
					continue;
				}
				return op_fail(c, err, LADDER_EINVAL, "label '%c' has sizes %lld and %lld",
				    l < 26 ? 'a' + l : l < 52 ? 'A' + l - 26 : '.',
				    (long long)pl->size[l], (long long)s);
			}
			pl->used[l] = true;
			pl->size[l] = s;
		}
	}
	if (p->explicit_out) {
		/* An output without the ellipsis sums over its dimensions. */
		expand_term(&p->out, p->out.has_ellipsis ? pl->max_ell : 0, pl->max_ell);
		for (int d = 0; d < p->out.n; d++) {
			if (!pl->used[p->out.label[d]])
				return op_fail(c, err, LADDER_EINVAL, "output label not among the inputs");
		}
	} else {
		/* Implicit: ellipsis, then labels seen once, alphabetically. */
		int count[EIN_LABELS] = { 0 }, n = 0;

		for (int k = 0; k < p->n_in; k++) {
			for (int d = 0; d < p->in[k].n; d++)
				count[p->in[k].label[d]]++;
		}
		for (int e = 0; e < pl->max_ell; e++)
			p->out.label[n++] = 52 + e;
		for (int l = 0; l < 52; l++) {
			if (count[l] == 1 && n < LADDER_MAX_RANK)
				p->out.label[n++] = l;
		}
		p->out.n = n;
	}
	return 0;
}

static int
Einsum_infer(struct op_ctx *c, struct ladder_err *err)
{
	struct ein_params *p = c->params;
	struct ein_plan pl;
	int64_t dims[LADDER_MAX_RANK];

	for (int k = 0; k < p->n_in; k++) {
		if (c->in[k]->dtype != c->in[0]->dtype)
			return op_fail(c, err, LADDER_EINVAL, "operands have different dtypes");
	}
	if (!ew_is_float(c->in[0]->dtype) && !ew_is_int(c->in[0]->dtype))
		return ew_bad_dtype(c, c->in[0], err);
	if (ein_plan(c, p, &pl, err) != 0)
		return err->code;
	for (int d = 0; d < p->out.n; d++)
		dims[d] = pl.size[p->out.label[d]];
	op_set_shape(c->out[0], c->in[0]->dtype, p->out.n, dims);
	return 0;
}

static int
Einsum_run(struct op_ctx *c, struct ladder_err *err)
{
	struct ein_params *p = c->params;
	struct ein_plan pl;
	struct exec_value *y = c->out[0];

	if (ein_plan(c, p, &pl, err) != 0)
		return err->code;
	/* Per-operand stride of each label (summed for repeated labels: diagonals). */
	int64_t stride[EIN_MAX_IN][EIN_LABELS];
	bool is_out[EIN_LABELS] = { false };
	int sum_labels[EIN_LABELS], n_sum = 0;

	memset(stride, 0, sizeof stride);
	for (int k = 0; k < p->n_in; k++) {
		const struct exec_value *x = c->in[k];
		int64_t s = 1;

		for (int d = x->rank - 1; d >= 0; d--) {
			if (x->dims[d] != 1)
				stride[k][p->in[k].label[d]] += s;
			s *= x->dims[d];
		}
	}
	for (int d = 0; d < p->out.n; d++)
		is_out[p->out.label[d]] = true;
	for (int l = 0; l < EIN_LABELS; l++) {
		if (pl.used[l] && !is_out[l])
			sum_labels[n_sum++] = l;
	}
	int64_t n_out = op_numel(y), n_inner = 1;

	for (int i = 0; i < n_sum; i++)
		n_inner *= pl.size[sum_labels[i]];
	int64_t oidx[LADDER_MAX_RANK] = { 0 };

	for (int64_t o = 0; o < n_out; o++) {
		int64_t base[EIN_MAX_IN] = { 0 };

		for (int k = 0; k < p->n_in; k++) {
			for (int d = 0; d < p->out.n; d++)
				base[k] += oidx[d] * stride[k][p->out.label[d]];
		}
		double acc = 0;
		int64_t sidx[EIN_LABELS] = { 0 };

		for (int64_t s = 0; s < n_inner; s++) {
			double prod = 1;

			for (int k = 0; k < p->n_in; k++) {
				int64_t off = base[k];

				for (int i = 0; i < n_sum; i++)
					off += sidx[i] * stride[k][sum_labels[i]];
				prod *= op_get_double(c->in[k], off);
			}
			acc += prod;
			for (int i = n_sum - 1; i >= 0; i--) {
				if (++sidx[i] < pl.size[sum_labels[i]])
					break;
				sidx[i] = 0;
			}
		}
		op_set_double(y, o, acc);
		for (int d = p->out.n - 1; d >= 0; d--) {
			if (++oidx[d] < y->dims[d])
				break;
			oidx[d] = 0;
		}
	}
	return 0;
}

static int64_t
Einsum_macs(const struct op_ctx *c)
{
	const struct ein_params *p = c->params;
	int64_t n = 1;
	bool seen[EIN_LABELS] = { false };

	for (int k = 0; k < p->n_in; k++) {
		for (int d = 0; d < p->in[k].n && d < c->in[k]->rank; d++) {
			int l = p->in[k].label[d];

			if (!seen[l]) {
				seen[l] = true;
				n *= c->in[k]->dims[d];
			}
		}
	}
	return n;
}

const struct op_def op_Einsum = { "Einsum", "", 1, EIN_MAX_IN, 1, 1, Einsum_check, Einsum_infer,
	Einsum_run, Einsum_macs };
