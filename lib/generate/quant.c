/*
 * quant.c: int8 recipes in QDQ form.
 *   int8-weights: per-channel symmetric int8 weights behind DequantizeLinear;
 *                 activations stay float.
 *   int8:         the same weights, plus QuantizeLinear/DequantizeLinear pairs
 *                 (uint8, asymmetric, per tensor) on the activation inputs of
 *                 Conv, Gemm and MatMul, with ranges calibrated on samples
 *                 (min-max, percentile or entropy).
 * Per-channel scales need opset 13 (DequantizeLinear axis); older models get
 * per-tensor weight scales.
 */
#include <float.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "generate/gen.h"
#include "ladder-exec.h"
#include "util/banned.h"

#define HIST_BINS 2048

static bool
quantizable(const struct ladder_node *n)
{
	return strcmp(n->op_type, "Conv") == 0 || strcmp(n->op_type, "Gemm") == 0 ||
	    strcmp(n->op_type, "MatMul") == 0;
}

/* The channel axis of node n's weight (input 1), or -1 to quantize per tensor. */
static int
weight_axis(const struct ladder_node *n, const struct ladder_tensor *w)
{
	if (strcmp(n->op_type, "Conv") == 0)
		return w->rank >= 1 ? 0 : -1;
	if (strcmp(n->op_type, "Gemm") == 0) {
		const struct ladder_attr *t = ladder_node_attr(n, "transB");
		return w->rank == 2 ? (t && t->i ? 0 : 1) : -1;
	}
	return w->rank == 2 ? 1 : -1;	/* MatMul [K, N]: per output column */
}

static char *
suffixed(struct ladder_model *m, const char *name, const char *suffix)
{
	char buf[600];

	snprintf(buf, sizeof buf, "%s%s", name, suffix);
	return gen_unique_name(m, &m->graph, buf);
}

/* Adds NAME_q (int8), NAME_scale, NAME_zp and a DequantizeLinear; returns its output name. */
static char *
quantize_weight(struct ladder_model *m, const struct ladder_tensor *w, int axis,
    struct ladder_err *err)
{
	struct ladder_graph *g = &m->graph;
	int64_t numel = ladder_tensor_numel(w), channels = axis >= 0 ? w->dims[axis] : 1;
	int64_t inner = 1;
	const float *f = w->data;
	float *scale = NULL;
	int8_t *q = NULL, *zp = NULL;
	char *out = NULL;

	if (numel <= 0 || channels <= 0) {
		ladder_errf(err, LADDER_EFORMAT, "weight '%s' has no elements", w->name);
		return NULL;
	}
	for (int d = axis + 1; axis >= 0 && d < w->rank; d++)
		inner *= w->dims[d];
	scale = calloc((size_t)channels, sizeof *scale);
	q = malloc((size_t)numel);
	zp = calloc((size_t)channels, 1);
	if (scale == NULL || q == NULL || zp == NULL)
		goto oom;
	/* Element i belongs to channel (i / inner) % channels. */
	for (int64_t i = 0; i < numel; i++) {
		int64_t c = axis >= 0 ? (i / inner) % channels : 0;
		float a = fabsf(f[i]);
		if (a > scale[c])
			scale[c] = a;
	}
	for (int64_t c = 0; c < channels; c++)
		scale[c] = scale[c] > 0 ? scale[c] / 127.0f : 1.0f;
	for (int64_t i = 0; i < numel; i++) {
		int64_t c = axis >= 0 ? (i / inner) % channels : 0;
		float r = nearbyintf(f[i] / scale[c]);
		q[i] = (int8_t)(r > 127 ? 127 : r < -127 ? -127 : r);
	}
	char *qn = suffixed(m, w->name, "_quantized");
	char *sn = suffixed(m, w->name, "_scale");
	char *zn = suffixed(m, w->name, "_zero_point");
	out = suffixed(m, w->name, "_dequantized");
	int64_t cdim[1] = { channels };
	if (qn == NULL || sn == NULL || zn == NULL || out == NULL ||
	    ladder_graph_add_initializer(m, g, qn, LADDER_DT_INT8, w->rank, w->dims, q) == NULL ||
	    ladder_graph_add_initializer(m, g, sn, LADDER_DT_FLOAT, axis >= 0, cdim, scale) == NULL ||
	    ladder_graph_add_initializer(m, g, zn, LADDER_DT_INT8, axis >= 0, cdim, zp) == NULL)
		goto oom;
	const char *in[3] = { qn, sn, zn }, *outs[1] = { out };
	struct ladder_node *dq = ladder_graph_add_node(m, g, "DequantizeLinear", out, 3, in, 1, outs);
	if (dq == NULL || (axis >= 0 && ladder_node_set_int(m, dq, "axis", axis) != 0))
		goto oom;
	free(scale);
	free(q);
	free(zp);
	return out;
oom:
	free(scale);
	free(q);
	free(zp);
	ladder_errf(err, LADDER_ENOMEM, "out of memory quantizing weight '%s'", w->name);
	return NULL;
}

static int
quantize_weights(struct ladder_model *m, struct ladder_err *err)
{
	struct ladder_graph *g = &m->graph;
	bool per_channel = ladder_model_opset(m, "") >= 13;
	struct gen_map done;	/* weight name -> index into names */
	char **names = NULL;
	size_t n_names = 0, n_orig = g->n_nodes;
	int rc = 0;

	gen_map_init(&done);
	for (size_t i = 0; i < n_orig; i++) {
		const struct ladder_tensor *w;
		int64_t idx;

		if (!quantizable(&g->nodes[i]) || g->nodes[i].n_inputs < 2)
			continue;
		w = ladder_graph_initializer(g, g->nodes[i].inputs[1]);
		if (w == NULL || w->dtype != LADDER_DT_FLOAT)
			continue;
		if (!gen_map_get(&done, w->name, &idx)) {
			int axis = per_channel ? weight_axis(&g->nodes[i], w) : -1;
			const char *wname = w->name;
			char *dq = quantize_weight(m, w, axis, err);	/* may move initializers */
			char **nn = realloc(names, (n_names + 1) * sizeof *names);

			if (dq == NULL || nn == NULL) {
				rc = err && err->code ? err->code : LADDER_ENOMEM;
				ladder_errf(err, rc, "out of memory quantizing weights");
				break;
			}
			names = nn;
			names[n_names] = dq;
			idx = (int64_t)n_names++;
			gen_map_put(&done, wname, idx);
		}
		g->nodes[i].inputs[1] = names[idx];
	}
	free(names);
	gen_map_release(&done);
	if (rc == 0)
		rc = gen_prune(g, err);
	return rc;
}

int
ladder_transform_int8_weights(struct ladder_model *m, struct ladder_err *err)
{
	int rc = quantize_weights(m, err);

	if (rc == 0)
		gen_clear_value_infos(&m->graph);
	return rc;
}

/* Calibration statistics of one activation. */
struct act_stats {
	const char *name;
	double min, max;
	double hist_lo, hist_hi;	/* histogram range (second pass) */
	uint64_t hist[HIST_BINS];
};

static int
run_samples(struct ladder_exec *ex, const struct ladder_samples *samples, size_t n,
    struct act_stats *st, size_t n_st, size_t first_out, int pass, struct ladder_err *err)
{
	for (size_t s = 0; s < n; s++) {
		int rc = ladder_exec_run(ex, &samples->inputs[s], 1, err);

		if (rc != 0)
			return rc;
		for (size_t a = 0; a < n_st; a++) {
			const struct ladder_tensor *t = ladder_exec_output(ex, first_out + a);
			int64_t numel = ladder_tensor_numel(t);
			const float *v = t->data;

			if (t->dtype != LADDER_DT_FLOAT)
				return ladder_errf(err, LADDER_EUNSUPPORTED,
				    "activation '%s' is %s, not float32", st[a].name,
				    ladder_dtype_name(t->dtype));
			for (int64_t i = 0; i < numel; i++) {
				double x = v[i];
				if (!isfinite(x))
					continue;
				if (pass == 0) {
					if (x < st[a].min)
						st[a].min = x;
					if (x > st[a].max)
						st[a].max = x;
				} else {
					double w = st[a].hist_hi - st[a].hist_lo;
					int b = w > 0 ? (int)((x - st[a].hist_lo) / w * HIST_BINS) : 0;
					st[a].hist[b < 0 ? 0 : b >= HIST_BINS ? HIST_BINS - 1 : b]++;
				}
			}
		}
	}
	return 0;
}

/* Two-sided percentile clipping of the value histogram. */
static void
range_percentile(const struct act_stats *st, double pct, double *lo, double *hi)
{
	uint64_t total = 0, acc = 0;
	double w = (st->hist_hi - st->hist_lo) / HIST_BINS, tail;
	int b;

	for (b = 0; b < HIST_BINS; b++)
		total += st->hist[b];
	tail = (100.0 - pct) / 100.0 * (double)total;
	for (b = 0; b < HIST_BINS && (double)(acc + st->hist[b]) <= tail; b++)
		acc += st->hist[b];
	*lo = st->min < 0 ? st->hist_lo + b * w : st->min;
	acc = 0;
	for (b = HIST_BINS - 1; b >= 0 && (double)(acc + st->hist[b]) <= tail; b--)
		acc += st->hist[b];
	*hi = st->hist_lo + (b + 1) * w;
}

/*
 * Entropy calibration (as in TensorRT): choose the clipping bin count whose
 * 128-level quantized distribution is closest (KL divergence) to the clipped
 * reference distribution.  Works on the histogram from 0 when the values are
 * non-negative, else on the side with the larger magnitude, mirrored.
 */
static void
range_entropy(const struct act_stats *st, double *lo, double *hi)
{
	const int levels = 128;
	double w = (st->hist_hi - st->hist_lo) / HIST_BINS;
	int zero_bin = st->hist_lo < 0 ? (int)(-st->hist_lo / w) : 0;
	int n = HIST_BINS - zero_bin;
	double best_kl = INFINITY;
	int best = n;
	double *p = malloc((size_t)n * sizeof *p), *q = malloc((size_t)n * sizeof *q);

	if (p == NULL || q == NULL || n <= levels) {
		free(p);
		free(q);
		*lo = st->min;
		*hi = st->max;
		return;
	}
	for (int i = levels; i <= n; i += 16) {
		double psum = 0, qsum = 0, kl = 0;

		for (int j = 0; j < i; j++)
			p[j] = (double)st->hist[zero_bin + j];
		for (int j = i; j < n; j++)
			p[i - 1] += (double)st->hist[zero_bin + j];
		/* Merge i bins into `levels`, spread back over the non-empty bins. */
		for (int k = 0; k < levels; k++) {
			int a = k * i / levels, b = (k + 1) * i / levels;
			double sum = 0;
			int nonzero = 0;

			for (int j = a; j < b; j++) {
				sum += (double)st->hist[zero_bin + j];
				nonzero += st->hist[zero_bin + j] != 0;
			}
			for (int j = a; j < b; j++)
				q[j] = st->hist[zero_bin + j] != 0 && nonzero ? sum / nonzero : 0;
		}
		for (int j = 0; j < i; j++) {
			psum += p[j];
			qsum += q[j];
		}
		if (psum <= 0 || qsum <= 0)
			continue;
		for (int j = 0; j < i; j++) {
			if (p[j] <= 0)
				continue;
			double pj = p[j] / psum, qj = q[j] / qsum;
			kl += pj * log(pj / (qj > 0 ? qj : 1e-12));
		}
		if (kl < best_kl) {
			best_kl = kl;
			best = i;
		}
	}
	free(p);
	free(q);
	*hi = (zero_bin + best) * w + st->hist_lo;
	*lo = st->min < 0 ? -*hi : st->min;
	if (*lo < st->min)
		*lo = st->min;
}

int
ladder_transform_int8(struct ladder_model *m, const struct ladder_samples *samples,
    size_t max_samples, enum ladder_calib_method method, double percentile, int threads,
    struct ladder_err *err)
{
	struct ladder_graph *g = &m->graph;
	struct ladder_model *probe = NULL;
	struct ladder_exec *ex = NULL;
	struct act_stats *st = NULL;
	size_t n_st = 0, n = samples ? samples->n : 0, first_out;
	struct gen_map seen;
	int rc;

	if (n == 0)
		return ladder_errf(err, LADDER_EINVAL, "recipe 'int8' needs calibration data");
	if (max_samples > 0 && n > max_samples)
		n = max_samples;
	gen_map_init(&seen);
	rc = gen_toposort(g, err);
	if (rc != 0)
		goto out;
	/* The activations to quantize: float inputs 0 of Conv/Gemm/MatMul that are not constants. */
	st = calloc(g->n_nodes ? g->n_nodes : 1, sizeof *st);
	if (st == NULL) {
		rc = ladder_errf(err, LADDER_ENOMEM, "out of memory calibrating");
		goto out;
	}
	for (size_t i = 0; i < g->n_nodes; i++) {
		const struct ladder_node *nd = &g->nodes[i];
		const char *x = nd->n_inputs ? nd->inputs[0] : "";

		if (!quantizable(nd) || !x[0] || ladder_graph_is_initializer(g, x) ||
		    gen_map_get(&seen, x, NULL))
			continue;
		gen_map_put(&seen, x, (int64_t)n_st);
		st[n_st].name = x;
		st[n_st].min = INFINITY;
		st[n_st].max = -INFINITY;
		n_st++;
	}
	if (n_st == 0) {
		rc = quantize_weights(m, err);
		goto out;
	}
	/* Probe model: the float model with every activation as an extra output. */
	rc = ladder_model_clone(m, &probe, err);
	if (rc != 0)
		goto out;
	first_out = probe->graph.n_outputs;
	for (size_t a = 0; a < n_st; a++) {
		if (ladder_graph_add_output(probe, &probe->graph, st[a].name, LADDER_DT_FLOAT, -1,
		    NULL, NULL) == NULL) {
			rc = ladder_errf(err, LADDER_ENOMEM, "out of memory calibrating");
			goto out;
		}
	}
	rc = gen_exec_new(probe, threads, &ex, err);
	if (rc == 0)
		rc = run_samples(ex, samples, n, st, n_st, first_out, 0, err);
	if (rc == 0 && method != LADDER_CALIB_MINMAX) {
		for (size_t a = 0; a < n_st; a++) {
			double mag = fmax(fabs(st[a].min), fabs(st[a].max));
			st[a].hist_lo = st[a].min < 0 ? -mag : 0;
			st[a].hist_hi = mag > 0 ? mag : 1;
		}
		rc = run_samples(ex, samples, n, st, n_st, first_out, 1, err);
	}
	if (rc != 0) {
		ladder_err_prefix(err, "calibration failed");
		goto out;
	}

	/* Weights first, then a QuantizeLinear/DequantizeLinear pair per activation. */
	rc = quantize_weights(m, err);
	if (rc != 0)
		goto out;
	for (size_t a = 0; a < n_st; a++) {
		double lo = st[a].min, hi = st[a].max;

		if (method == LADDER_CALIB_PERCENTILE)
			range_percentile(&st[a], percentile > 0 ? percentile : 99.99, &lo, &hi);
		else if (method == LADDER_CALIB_ENTROPY)
			range_entropy(&st[a], &lo, &hi);
		if (!isfinite(lo) || !isfinite(hi))
			lo = hi = 0;
		lo = fmin(lo, 0);
		hi = fmax(hi, 0);
		float scale = (float)((hi - lo) / 255.0);
		if (!(scale > FLT_MIN))
			scale = 1.0f;
		double z = nearbyint(-lo / scale);
		uint8_t zp = (uint8_t)(z < 0 ? 0 : z > 255 ? 255 : z);

		char *sn = suffixed(m, st[a].name, "_scale");
		char *zn = suffixed(m, st[a].name, "_zero_point");
		char *qn = suffixed(m, st[a].name, "_quantized");
		char *dn = suffixed(m, st[a].name, "_dequantized");
		if (sn == NULL || zn == NULL || qn == NULL || dn == NULL ||
		    ladder_graph_add_initializer(m, g, sn, LADDER_DT_FLOAT, 0, NULL, &scale) == NULL ||
		    ladder_graph_add_initializer(m, g, zn, LADDER_DT_UINT8, 0, NULL, &zp) == NULL) {
			rc = ladder_errf(err, LADDER_ENOMEM, "out of memory quantizing");
			goto out;
		}
		/* Readers switch to the dequantized value first, then the pair is added. */
		for (size_t i = 0; i < g->n_nodes; i++)
			if (quantizable(&g->nodes[i]) && g->nodes[i].n_inputs &&
			    strcmp(g->nodes[i].inputs[0], st[a].name) == 0)
				g->nodes[i].inputs[0] = dn;
		const char *qin[3] = { st[a].name, sn, zn }, *qout[1] = { qn };
		const char *din[3] = { qn, sn, zn }, *dout[1] = { dn };
		if (ladder_graph_add_node(m, g, "QuantizeLinear", qn, 3, qin, 1, qout) == NULL ||
		    ladder_graph_add_node(m, g, "DequantizeLinear", dn, 3, din, 1, dout) == NULL) {
			rc = ladder_errf(err, LADDER_ENOMEM, "out of memory quantizing");
			goto out;
		}
	}
	gen_clear_value_infos(g);
	rc = gen_toposort(g, err);
out:
	ladder_exec_free(ex);
	ladder_model_free(probe);
	free(st);
	gen_map_release(&seen);
	return rc;
}
