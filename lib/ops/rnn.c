/*
 * rnn.c: RNN, GRU and LSTM (forward, reverse, bidirectional; sequence_lens,
 * initial states, peepholes, clip, layout, linear_before_reset, custom
 * activations).  Each (direction, batch entry) runs independently, in double.
 */
#include <math.h>
#include <string.h>

#include "ops/op.h"
#include "util/banned.h"

enum rnn_kind { RNN_PLAIN, RNN_GRU, RNN_LSTM };

enum act { ACT_RELU, ACT_TANH, ACT_SIGMOID, ACT_AFFINE, ACT_LEAKYRELU, ACT_THRESHOLDEDRELU,
	ACT_SCALEDTANH, ACT_HARDSIGMOID, ACT_ELU, ACT_SOFTSIGN, ACT_SOFTPLUS };

struct act_fn {
	enum act kind;
	double alpha, beta;
};

struct rnn_params {
	enum rnn_kind kind;
	int gates;		/* 1, 3, 4 */
	int dirs;
	bool reverse;		/* direction "reverse" (dirs == 1) */
	int64_t hidden;
	double clip;		/* 0: none */
	bool linear_before_reset, input_forget;
	int layout;
	struct act_fn act[2][3];	/* per direction: f, g, h */
};

static const struct {
	const char *name;
	enum act kind;
	double alpha, beta;	/* defaults */
} acts[] = {
	{ "Relu", ACT_RELU, 0, 0 }, { "Tanh", ACT_TANH, 0, 0 }, { "Sigmoid", ACT_SIGMOID, 0, 0 },
	{ "Affine", ACT_AFFINE, 1, 0 }, { "LeakyRelu", ACT_LEAKYRELU, 0.01, 0 },
	{ "ThresholdedRelu", ACT_THRESHOLDEDRELU, 1, 0 }, { "ScaledTanh", ACT_SCALEDTANH, 1, 1 },
	{ "HardSigmoid", ACT_HARDSIGMOID, 0.2, 0.5 }, { "Elu", ACT_ELU, 1, 0 },
	{ "Softsign", ACT_SOFTSIGN, 0, 0 }, { "Softplus", ACT_SOFTPLUS, 0, 0 },
};

static double
apply(const struct act_fn *a, double x)
{
	switch (a->kind) {
	case ACT_RELU: return x > 0 ? x : 0;
	case ACT_TANH: return tanh(x);
	case ACT_SIGMOID: return 1.0 / (1.0 + exp(-x));
	case ACT_AFFINE: return a->alpha * x + a->beta;
	case ACT_LEAKYRELU: return x >= 0 ? x : a->alpha * x;
	case ACT_THRESHOLDEDRELU: return x > a->alpha ? x : 0;
	case ACT_SCALEDTANH: return a->alpha * tanh(a->beta * x);
	case ACT_HARDSIGMOID: {
		double v = a->alpha * x + a->beta;
		return v < 0 ? 0 : v > 1 ? 1 : v;
	}
	case ACT_ELU: return x >= 0 ? x : a->alpha * (exp(x) - 1);
	case ACT_SOFTSIGN: return x / (1 + fabs(x));
	case ACT_SOFTPLUS: return log1p(exp(x));
	}
	return x;
}

static int
rnn_check(struct op_ctx *c, struct ladder_err *err)
{
	const char *op = c->node->op_type;
	struct rnn_params *p = ladder_arena_alloc(c->arena, sizeof *p);
	const char *dir = op_attr_string(c, "direction", "forward");
	const struct ladder_attr *names = op_attr(c, "activations");
	const struct ladder_attr *alphas = op_attr(c, "activation_alpha");
	const struct ladder_attr *betas = op_attr(c, "activation_beta");
	int per;

	if (p == NULL)
		return op_fail(c, err, LADDER_ENOMEM, "out of memory");
	p->kind = strcmp(op, "GRU") == 0 ? RNN_GRU : strcmp(op, "LSTM") == 0 ? RNN_LSTM : RNN_PLAIN;
	p->gates = p->kind == RNN_GRU ? 3 : p->kind == RNN_LSTM ? 4 : 1;
	per = p->kind == RNN_PLAIN ? 1 : p->kind == RNN_GRU ? 2 : 3;
	if (strcmp(dir, "forward") == 0)
		p->dirs = 1;
	else if (strcmp(dir, "reverse") == 0)
		p->dirs = 1, p->reverse = true;
	else if (strcmp(dir, "bidirectional") == 0)
		p->dirs = 2;
	else
		return op_fail(c, err, LADDER_EINVAL, "direction '%s' is not supported", dir);
	p->hidden = op_attr_int(c, "hidden_size", -1);
	p->clip = op_attr_float(c, "clip", 0);
	p->linear_before_reset = op_attr_int(c, "linear_before_reset", 0) != 0;
	p->input_forget = op_attr_int(c, "input_forget", 0) != 0;
	p->layout = (int)op_attr_int(c, "layout", 0);
	if (p->input_forget)
		return op_fail(c, err, LADDER_EUNSUPPORTED, "input_forget=1 is not supported");
	if (p->layout != 0 && p->layout != 1)
		return op_fail(c, err, LADDER_EINVAL, "layout must be 0 or 1");
	if (p->clip < 0)
		return op_fail(c, err, LADDER_EINVAL, "clip must be positive");
	for (int d = 0; d < 2; d++) {
		static const enum act def[3][3] = {
			{ ACT_TANH }, { ACT_SIGMOID, ACT_TANH }, { ACT_SIGMOID, ACT_TANH, ACT_TANH } };

		for (int k = 0; k < per; k++) {
			p->act[d][k].kind = def[per - 1][k];
			p->act[d][k].alpha = p->act[d][k].beta = 0;
		}
	}
	if (names != NULL) {
		size_t idx = 0;

		if (names->type != LADDER_ATTR_STRINGS || names->n != (size_t)(per * p->dirs))
			return op_fail(c, err, LADDER_EINVAL, "activations must list %d names",
			    per * p->dirs);
		for (int d = 0; d < p->dirs; d++) {
			for (int k = 0; k < per; k++, idx++) {
				const struct ladder_bytes *s = &names->strings[idx];
				bool found = false;

				for (size_t a = 0; a < sizeof acts / sizeof acts[0] && !found; a++) {
					if (strlen(acts[a].name) == s->len &&
					    strncmp(acts[a].name, (const char *)s->data, s->len) == 0) {
						p->act[d][k].kind = acts[a].kind;
						p->act[d][k].alpha = acts[a].alpha;
						p->act[d][k].beta = acts[a].beta;
						found = true;
					}
				}
				if (!found)
					return op_fail(c, err, LADDER_EUNSUPPORTED, "activation '%.*s' is not supported",
					    (int)(s->len < 32 ? s->len : 32), (const char *)s->data);
				if (alphas != NULL && alphas->type == LADDER_ATTR_FLOATS && idx < alphas->n)
					p->act[d][k].alpha = alphas->floats[idx];
				if (betas != NULL && betas->type == LADDER_ATTR_FLOATS && idx < betas->n)
					p->act[d][k].beta = betas->floats[idx];
			}
		}
	}
	c->params = p;
	return 0;
}

static int
rnn_infer(struct op_ctx *c, struct ladder_err *err)
{
	const struct rnn_params *p = c->params;
	const struct exec_value *x = c->in[0], *w = c->in[1], *r = c->in[2];
	int64_t seq, batch, hidden, g = p->gates;

	if (x->rank != 3 || w->rank != 3 || r->rank != 3)
		return op_fail(c, err, LADDER_EINVAL, "X, W and R must be 3-d");
	if (x->dtype != LADDER_DT_FLOAT && x->dtype != LADDER_DT_DOUBLE && x->dtype != LADDER_DT_FLOAT16)
		return op_fail(c, err, LADDER_EUNSUPPORTED, "unsupported dtype %s",
		    ladder_dtype_name(x->dtype));
	seq = p->layout ? x->dims[1] : x->dims[0];
	batch = p->layout ? x->dims[0] : x->dims[1];
	hidden = p->hidden >= 0 ? p->hidden : r->dims[2];
	if (w->dims[0] != p->dirs || w->dims[1] != g * hidden || w->dims[2] != x->dims[2])
		return op_fail(c, err, LADDER_EINVAL, "W must be [%d, %lld, %lld]", p->dirs,
		    (long long)(g * hidden), (long long)x->dims[2]);
	if (r->dims[0] != p->dirs || r->dims[1] != g * hidden || r->dims[2] != hidden)
		return op_fail(c, err, LADDER_EINVAL, "R must be [%d, %lld, %lld]", p->dirs,
		    (long long)(g * hidden), (long long)hidden);
	if (c->in[3] != NULL && op_numel(c->in[3]) != p->dirs * 2 * g * hidden)
		return op_fail(c, err, LADDER_EINVAL, "B must have %lld values",
		    (long long)(p->dirs * 2 * g * hidden));
	if (c->in[4] != NULL && op_numel(c->in[4]) != batch)
		return op_fail(c, err, LADDER_EINVAL, "sequence_lens must have %lld values", (long long)batch);
	for (int k = 5; k <= (p->kind == RNN_LSTM ? 6 : 5); k++) {
		if (c->in[k] != NULL && op_numel(c->in[k]) != p->dirs * batch * hidden)
			return op_fail(c, err, LADDER_EINVAL, "initial state must have %lld values",
			    (long long)(p->dirs * batch * hidden));
	}
	if (p->kind == RNN_LSTM && c->n_in > 7 && c->in[7] != NULL &&
	    op_numel(c->in[7]) != p->dirs * 3 * hidden)
		return op_fail(c, err, LADDER_EINVAL, "P must have %lld values",
		    (long long)(p->dirs * 3 * hidden));
	int64_t ydims[4], hdims[3];

	if (p->layout) {
		ydims[0] = batch, ydims[1] = seq, ydims[2] = p->dirs, ydims[3] = hidden;
		hdims[0] = batch, hdims[1] = p->dirs, hdims[2] = hidden;
	} else {
		ydims[0] = seq, ydims[1] = p->dirs, ydims[2] = batch, ydims[3] = hidden;
		hdims[0] = p->dirs, hdims[1] = batch, hdims[2] = hidden;
	}
	if (c->out[0] != NULL)
		op_set_shape(c->out[0], x->dtype, 4, ydims);
	for (size_t k = 1; k < c->n_out; k++)
		if (c->out[k] != NULL)
			op_set_shape(c->out[k], x->dtype, 3, hdims);
	c->scratch_bytes = (size_t)((g + 4) * hidden) * sizeof(double);
	return 0;
}

static double
clipped(const struct rnn_params *p, double v)
{
	if (p->clip > 0)
		v = v < -p->clip ? -p->clip : v > p->clip ? p->clip : v;
	return v;
}

static int
rnn_run(struct op_ctx *c, struct ladder_err *err)
{
	const struct rnn_params *p = c->params;
	const struct exec_value *x = c->in[0], *w = c->in[1], *r = c->in[2], *b = c->in[3];
	const struct exec_value *lens = c->in[4], *h0 = c->in[5];
	const struct exec_value *c0 = p->kind == RNN_LSTM ? c->in[6] : NULL;
	const struct exec_value *peep = p->kind == RNN_LSTM && c->n_in > 7 ? c->in[7] : NULL;
	struct exec_value *y = c->out[0], *yh = c->n_out > 1 ? c->out[1] : NULL;
	struct exec_value *yc = c->n_out > 2 ? c->out[2] : NULL;
	int64_t seq = p->layout ? x->dims[1] : x->dims[0], batch = p->layout ? x->dims[0] : x->dims[1];
	int64_t in = x->dims[2], hid = r->dims[2], g = p->gates;
	double *gates = c->scratch, *h = gates + g * hid, *cs = h + hid, *hn = cs + hid, *rh = hn + hid;

	if (y != NULL)
		memset(y->data, 0, y->bytes);
	for (int d = 0; d < p->dirs; d++) {
		bool rev = d == 1 || p->reverse;
		const struct act_fn *f = &p->act[d][0], *gg = &p->act[d][1], *hh = &p->act[d][2];

		for (int64_t bi = 0; bi < batch; bi++) {
			int64_t len = lens != NULL ? op_get_int(lens, bi) : seq;
			int64_t hs_index = p->layout ? (bi * p->dirs + d) * hid : (d * batch + bi) * hid;

			if (len < 0 || len > seq)
				return op_fail(c, err, LADDER_EINVAL, "sequence length %lld out of range",
				    (long long)len);
			for (int64_t j = 0; j < hid; j++) {
				h[j] = h0 != NULL ? op_get_double(h0, hs_index + j) : 0;
				cs[j] = c0 != NULL ? op_get_double(c0, hs_index + j) : 0;
			}
			for (int64_t step = 0; step < len; step++) {
				int64_t t = rev ? len - 1 - step : step;
				int64_t xbase = p->layout ? (bi * seq + t) * in : (t * batch + bi) * in;

				/* gates = X W^T + Wb (+ H R^T + Rb, except GRU's h gate handled below). */
				for (int64_t k = 0; k < g * hid; k++) {
					double s = b != NULL ? op_get_double(b, d * 2 * g * hid + k) : 0;
					double rs = b != NULL ? op_get_double(b, d * 2 * g * hid + g * hid + k) : 0;

					for (int64_t i = 0; i < in; i++)
						s += op_get_double(x, xbase + i) *
						    op_get_double(w, (d * g * hid + k) * in + i);
					double hr = 0;

					for (int64_t i = 0; i < hid; i++)
						hr += h[i] * op_get_double(r, (d * g * hid + k) * hid + i);
					if (p->kind == RNN_GRU && k >= 2 * hid) {
						/* Keep X part in gates, H R^T + Rb in rh for the reset logic. */
						gates[k] = s;
						rh[k - 2 * hid] = hr + rs;
					} else {
						gates[k] = s + hr + rs;
					}
				}
				if (p->kind == RNN_PLAIN) {
					for (int64_t j = 0; j < hid; j++)
						hn[j] = apply(f, clipped(p, gates[j]));
				} else if (p->kind == RNN_GRU) {
					double *z = gates, *rg = gates + hid, *hg = gates + 2 * hid;

					for (int64_t j = 0; j < hid; j++) {
						z[j] = apply(f, clipped(p, z[j]));
						rg[j] = apply(f, clipped(p, rg[j]));
					}
					if (!p->linear_before_reset) {
						/* (r * H) R_h^T + Rb_h */
						for (int64_t j = 0; j < hid; j++) {
							double s = b != NULL ?
							    op_get_double(b, d * 2 * g * hid + g * hid + 2 * hid + j) : 0;

							for (int64_t i = 0; i < hid; i++)
								s += rg[i] * h[i] *
								    op_get_double(r, (d * g * hid + 2 * hid + j) * hid + i);
							rh[j] = s;
						}
						for (int64_t j = 0; j < hid; j++)
							hg[j] = apply(gg, clipped(p, hg[j] + rh[j]));
					} else {
						for (int64_t j = 0; j < hid; j++)
							hg[j] = apply(gg, clipped(p, hg[j] + rg[j] * rh[j]));
					}
					for (int64_t j = 0; j < hid; j++)
						hn[j] = (1 - z[j]) * hg[j] + z[j] * h[j];
				} else {
					double *ig = gates, *og = gates + hid, *fg = gates + 2 * hid, *cg = gates + 3 * hid;

					for (int64_t j = 0; j < hid; j++) {
						double pi = peep ? op_get_double(peep, d * 3 * hid + j) : 0;
						double po = peep ? op_get_double(peep, d * 3 * hid + hid + j) : 0;
						double pf = peep ? op_get_double(peep, d * 3 * hid + 2 * hid + j) : 0;
						double iv = apply(f, clipped(p, ig[j] + pi * cs[j]));
						double fv = apply(f, clipped(p, fg[j] + pf * cs[j]));
						double cv = apply(gg, clipped(p, cg[j]));
						double cn = fv * cs[j] + iv * cv;
						double ov = apply(f, clipped(p, og[j] + po * cn));

						cs[j] = cn;
						hn[j] = ov * apply(hh, cn);
					}
				}
				memcpy(h, hn, (size_t)hid * sizeof *h);
				if (y != NULL) {
					int64_t ybase = p->layout ? ((bi * seq + t) * p->dirs + d) * hid :
					    ((t * p->dirs + d) * batch + bi) * hid;

					for (int64_t j = 0; j < hid; j++)
						op_set_double(y, ybase + j, h[j]);
				}
			}
			for (int64_t j = 0; j < hid; j++) {
				if (yh != NULL)
					op_set_double(yh, hs_index + j, h[j]);
				if (yc != NULL)
					op_set_double(yc, hs_index + j, cs[j]);
			}
		}
	}
	return 0;
}

static int64_t
rnn_macs(const struct op_ctx *c)
{
	const struct exec_value *x = c->in[0], *w = c->in[1], *r = c->in[2];

	/* Per step and batch entry: the input and recurrent projections of every gate. */
	return (x->dims[0] * x->dims[1]) * w->dims[0] * w->dims[1] * (w->dims[2] + r->dims[2]);
}

const struct op_def op_RNN = {
	.name = "RNN", .domain = "", .n_in_min = 3, .n_in_max = 6, .n_out_min = 0, .n_out_max = 2,
	.check = rnn_check, .infer = rnn_infer, .run = rnn_run, .macs = rnn_macs,
};

const struct op_def op_GRU = {
	.name = "GRU", .domain = "", .n_in_min = 3, .n_in_max = 6, .n_out_min = 0, .n_out_max = 2,
	.check = rnn_check, .infer = rnn_infer, .run = rnn_run, .macs = rnn_macs,
};

const struct op_def op_LSTM = {
	.name = "LSTM", .domain = "", .n_in_min = 3, .n_in_max = 8, .n_out_min = 0, .n_out_max = 3,
	.check = rnn_check, .infer = rnn_infer, .run = rnn_run, .macs = rnn_macs,
};
