/*
 * resize.c: interpolation operators: Resize (opsets 10-19 attributes),
 * Upsample, GridSample.  Resize follows the ONNX reference: separable
 * per-axis taps (nearest 1, linear 2, cubic 4) with edge padding, computed
 * once per axis into the workspace, then summed per output element.
 */
#include <math.h>
#include <string.h>

#include "ops/op-data.h"
#include "util/banned.h"

enum rs_mode { RS_NEAREST, RS_LINEAR, RS_CUBIC };
enum rs_coord {
	RS_HALF_PIXEL, RS_PYTORCH_HALF_PIXEL, RS_ALIGN_CORNERS, RS_ASYMMETRIC,
	RS_TF_HALF_PIXEL_FOR_NEAREST, RS_TF_CROP_AND_RESIZE, RS_HALF_PIXEL_SYMMETRIC,
};
enum rs_nearest { RS_ROUND_PREFER_FLOOR, RS_ROUND_PREFER_CEIL, RS_FLOOR, RS_CEIL };

struct rs_params {
	enum rs_mode mode;
	enum rs_coord coord;
	enum rs_nearest nearest;
	float cubic_a;
	bool exclude_outside;
	float extrapolation;
	bool upsample;		/* Upsample or Resize-10: scales only, asymmetric */
};

struct rs_plan {
	int rank;
	int64_t out[LADDER_MAX_RANK];
	double scale[LADDER_MAX_RANK];
};

#define RS_TAPS 4

static int
pick(const struct op_ctx *c, const char *attr, const char *def, const char *const *names, int n,
    int *out, struct ladder_err *err)
{
	const char *s = op_attr_string(c, attr, def);

	for (int i = 0; i < n; i++) {
		if (strcmp(s, names[i]) == 0) {
			*out = i;
			return 0;
		}
	}
	return op_fail(c, err, LADDER_EUNSUPPORTED, "%s '%s' is not supported", attr, s);
}

static int
rs_params(const struct op_ctx *c, struct rs_params *p, bool upsample, struct ladder_err *err)
{
	static const char *const modes[] = { "nearest", "linear", "cubic" };
	static const char *const coords[] = { "half_pixel", "pytorch_half_pixel", "align_corners",
		"asymmetric", "tf_half_pixel_for_nearest", "tf_crop_and_resize", "half_pixel_symmetric" };
	static const char *const nearests[] = { "round_prefer_floor", "round_prefer_ceil", "floor",
		"ceil" };
	int m = 0, k = 0, n = 0, rc;

	memset(p, 0, sizeof *p);
	p->upsample = upsample || c->opset < 11;
	if (strcmp(op_attr_string(c, "mode", "nearest"), "bilinear") == 0)
		m = RS_LINEAR;	/* the spelling of Upsample-1 */
	else if ((rc = pick(c, "mode", "nearest", modes, 3, &m, err)) != 0)
		return rc;
	p->mode = (enum rs_mode)m;
	if (p->upsample) {
		if (p->mode == RS_CUBIC)
			return op_fail(c, err, LADDER_EUNSUPPORTED, "mode 'cubic' is not supported");
		p->coord = RS_ASYMMETRIC;
		p->nearest = RS_FLOOR;
		return 0;
	}
	if (strcmp(op_attr_string(c, "coordinate_transformation_mode", ""), "tf_half_pixel_for_nn") == 0)
		k = RS_TF_HALF_PIXEL_FOR_NEAREST;	/* its name in early opset 11 */
	else if ((rc = pick(c, "coordinate_transformation_mode", "half_pixel", coords, 7, &k, err)) != 0)
		return rc;
	if ((rc = pick(c, "nearest_mode", "round_prefer_floor", nearests, 4, &n, err)) != 0)
		return rc;
	p->coord = (enum rs_coord)k;
	p->nearest = (enum rs_nearest)n;
	p->cubic_a = op_attr_float(c, "cubic_coeff_a", -0.75f);
	p->exclude_outside = op_attr_int(c, "exclude_outside", 0) != 0;
	p->extrapolation = op_attr_float(c, "extrapolation_value", 0);
	if (op_attr_int(c, "antialias", 0) != 0)
		return op_fail(c, err, LADDER_EUNSUPPORTED, "antialias is not supported");
	return 0;
}

static int
rs_mode_check(struct op_ctx *c, struct ladder_err *err)
{
	struct rs_params p;

	return rs_params(c, &p, c->node->op_type[0] == 'U', err);
}

/* Output sizes and per-axis scales from scales or sizes (Resize) or scales (Upsample). */
static int
rs_plan(const struct op_ctx *c, const struct rs_params *p, struct rs_plan *plan,
    struct ladder_err *err)
{
	const struct exec_value *x = c->in[0], *scales_v = NULL, *sizes_v = NULL;
	int64_t axes[LADDER_MAX_RANK], sizes[LADDER_MAX_RANK];
	float scales[LADDER_MAX_RANK];
	int na = 0, ns = 0, rc;

	plan->rank = x->rank;
	for (int i = 0; i < x->rank; i++) {
		plan->out[i] = x->dims[i];
		plan->scale[i] = 1;
	}
	if (c->node->op_type[0] == 'U' && c->opset < 9) {
		ns = op_attr(c, "scales") ? (int)op_attr(c, "scales")->n : 0;
		if (ns > LADDER_MAX_RANK || ns != x->rank)
			return op_fail(c, err, LADDER_EINVAL, "scales must have one value per axis");
		for (int i = 0; i < ns; i++)
			scales[i] = op_attr(c, "scales")->floats[i];
	} else if (p->upsample) {
		scales_v = c->in[1];
	} else {
		scales_v = c->n_in > 2 ? c->in[2] : NULL;
		sizes_v = c->n_in > 3 ? c->in[3] : NULL;
	}
	if (scales_v != NULL && op_numel(scales_v) == 0)
		scales_v = NULL;
	if (sizes_v != NULL && op_numel(sizes_v) == 0)
		sizes_v = NULL;
	if (!p->upsample && (scales_v == NULL) == (sizes_v == NULL))
		return op_fail(c, err, LADDER_EINVAL, "needs exactly one of scales and sizes");
	if (scales_v == NULL && sizes_v == NULL && ns == 0)
		return op_fail(c, err, LADDER_EINVAL, "missing scales");
	if (scales_v != NULL &&
	    (rc = op_input_floats(c, scales_v, "scales", scales, LADDER_MAX_RANK, &ns, err)) != 0)
		return rc;
	if (sizes_v != NULL &&
	    (rc = op_input_ints(c, sizes_v, "sizes", sizes, LADDER_MAX_RANK, &ns, err)) != 0)
		return rc;
	na = op_attr_ints(c, "axes", axes, LADDER_MAX_RANK);
	if (na <= 0) {
		na = x->rank;
		for (int i = 0; i < na; i++)
			axes[i] = i;
	}
	if (ns != na)
		return op_fail(c, err, LADDER_EINVAL, "%s has %d values for %d axes",
		    sizes_v ? "sizes" : "scales", ns, na);
	for (int i = 0; i < na; i++) {
		int a;

		if (!op_axis(axes[i], x->rank, &a))
			return op_fail(c, err, LADDER_EINVAL, "axis %lld is out of range",
			    (long long)axes[i]);
		axes[i] = a;
	}
	if (sizes_v == NULL) {
		for (int i = 0; i < na; i++) {
			if (!(scales[i] > 0) || scales[i] > 1e6f)
				return op_fail(c, err, LADDER_EINVAL, "scale %g is not positive",
				    (double)scales[i]);
			plan->scale[axes[i]] = scales[i];
			plan->out[axes[i]] = (int64_t)floor((double)scales[i] * (double)x->dims[axes[i]]);
		}
	} else {
		const char *policy = op_attr_string(c, "keep_aspect_ratio_policy", "stretch");
		double s = 0;

		for (int i = 0; i < na; i++) {
			if (sizes[i] < 0 || sizes[i] > ((int64_t)1 << 40))
				return op_fail(c, err, LADDER_EINVAL, "size %lld is out of range",
				    (long long)sizes[i]);
		}
		if (strcmp(policy, "stretch") != 0) {
			bool larger = strcmp(policy, "not_smaller") == 0;

			if (!larger && strcmp(policy, "not_larger") != 0)
				return op_fail(c, err, LADDER_EUNSUPPORTED,
				    "keep_aspect_ratio_policy '%s' is not supported", policy);
			for (int i = 0; i < na; i++) {
				double r = (double)sizes[i] / (double)x->dims[axes[i]];

				if (i == 0 || (larger ? r > s : r < s))
					s = r;
			}
			for (int i = 0; i < na; i++)
				sizes[i] = (int64_t)llround(s * (double)x->dims[axes[i]]);
		}
		for (int i = 0; i < na; i++) {
			int a = (int)axes[i];

			plan->out[a] = sizes[i];
			plan->scale[a] = s != 0 ? s : x->dims[a] ? (double)sizes[i] / (double)x->dims[a] : 1;
		}
	}
	return 0;
}

static size_t
rs_scratch(const struct rs_plan *plan)
{
	size_t n = 0;

	for (int i = 0; i < plan->rank; i++)
		n += (size_t)plan->out[i];
	return n * (RS_TAPS * (sizeof(int64_t) + sizeof(double)) + sizeof(int64_t));
}

static void
cubic_coeffs(double t, double a, double *w)
{
	double u = t + 1, v = 1 - t, z = 2 - t;

	w[0] = ((a * u - 5 * a) * u + 8 * a) * u - 4 * a;
	w[1] = ((a + 2) * t - (a + 3)) * t * t + 1;
	w[2] = ((a + 2) * v - (a + 3)) * v * v + 1;
	w[3] = ((a * z - 5 * a) * z + 8 * a) * z - 4 * a;
}

/*
 * Taps of output coordinate x along an axis of in_len: returns the tap
 * count (0 means the extrapolation value).
 */
static int
rs_taps(const struct rs_params *p, double scale, int64_t in_len, int64_t out_len, int64_t x,
    double roi_start, double roi_end, int64_t *idx, double *w)
{
	double xo, out_f = scale * (double)in_len;

	switch (p->coord) {
	case RS_ALIGN_CORNERS:
		xo = out_f == 1 ? 0 : (double)x * (double)(in_len - 1) / (out_f - 1);
		break;
	case RS_ASYMMETRIC:
		xo = (double)x / scale;
		break;
	case RS_TF_CROP_AND_RESIZE:
		xo = out_f == 1 ? (roi_end - roi_start) * (double)(in_len - 1) / 2 :
		    (double)x * (roi_end - roi_start) * (double)(in_len - 1) / (out_f - 1);
		xo += roi_start * (double)(in_len - 1);
		if (xo < 0 || xo > (double)(in_len - 1))
			return 0;
		break;
	case RS_PYTORCH_HALF_PIXEL:
		xo = out_f == 1 ? -0.5 : ((double)x + 0.5) / scale - 0.5;
		break;
	case RS_TF_HALF_PIXEL_FOR_NEAREST:
		xo = ((double)x + 0.5) / scale;
		break;
	case RS_HALF_PIXEL_SYMMETRIC: {
		double adj = (double)out_len / out_f, center = (double)in_len / 2;

		xo = center * (1 - adj) + ((double)x + 0.5) / scale - 0.5;
		break;
	}
	default:
		xo = ((double)x + 0.5) / scale - 0.5;
		break;
	}
	(void)out_len;
	double fl = floor(xo), t = xo - fl;
	int64_t base = (int64_t)fl, n = 0;
	double c[RS_TAPS];
	int64_t ix[RS_TAPS];

	switch (p->mode) {
	case RS_NEAREST: {
		int64_t k;

		if (t == 0) {
			k = base;
		} else {
			switch (p->nearest) {
			case RS_ROUND_PREFER_FLOOR: k = t <= 0.5 ? base : base + 1; break;
			case RS_ROUND_PREFER_CEIL: k = t < 0.5 ? base : base + 1; break;
			case RS_FLOOR: k = base; break;
			default: k = base + 1; break;
			}
		}
		ix[0] = k;
		c[0] = 1;
		n = 1;
		break;
	}
	case RS_LINEAR:
		ix[0] = base;
		ix[1] = base + 1;
		c[0] = 1 - t;
		c[1] = t;
		n = 2;
		break;
	case RS_CUBIC:
		for (int i = 0; i < 4; i++)
			ix[i] = base - 1 + i;
		cubic_coeffs(t, p->cubic_a, c);
		n = 4;
		break;
	}
	if (p->exclude_outside) {
		double sum = 0;

		for (int i = 0; i < n; i++) {
			if (ix[i] < 0 || ix[i] >= in_len)
				c[i] = 0;
			sum += c[i];
		}
		for (int i = 0; i < n && sum != 0; i++)
			c[i] /= sum;
	}
	int k = 0;

	for (int i = 0; i < n; i++) {
		if (c[i] == 0 && n > 1)
			continue;
		idx[k] = ix[i] < 0 ? 0 : ix[i] >= in_len ? in_len - 1 : ix[i];
		w[k] = c[i];
		k++;
	}
	if (k == 0) {
		idx[0] = base < 0 ? 0 : base >= in_len ? in_len - 1 : base;
		w[0] = 0;
		k = 1;
	}
	return k;
}

static int
rs_infer_common(struct op_ctx *c, bool upsample, struct ladder_err *err)
{
	const struct exec_value *x = c->in[0];
	struct rs_params p;
	struct rs_plan plan;
	int rc;

	if ((rc = op_need_sized(c, x, err)) != 0 || (rc = rs_params(c, &p, upsample, err)) != 0 ||
	    (rc = rs_plan(c, &p, &plan, err)) != 0)
		return rc;
	for (int i = 0; i < x->rank; i++) {
		if (x->dims[i] == 0 && plan.out[i] > 0)
			return op_fail(c, err, LADDER_EINVAL, "cannot resize an empty axis");
	}
	op_set_shape(c->out[0], x->dtype, x->rank, plan.out);
	c->scratch_bytes = rs_scratch(&plan);
	return op_check_size(c, c->out[0], err);
}

static int
rs_run_common(struct op_ctx *c, bool upsample, struct ladder_err *err)
{
	const struct exec_value *x = c->in[0];
	struct exec_value *o = c->out[0];
	struct rs_params p;
	struct rs_plan plan;
	int64_t *ntaps[LADDER_MAX_RANK], *tidx[LADDER_MAX_RANK], in_strides[LADDER_MAX_RANK];
	double *tw[LADDER_MAX_RANK], roi[2 * LADDER_MAX_RANK];
	int rank = x->rank, rc;

	if ((rc = rs_params(c, &p, upsample, err)) != 0 || (rc = rs_plan(c, &p, &plan, err)) != 0)
		return rc;
	if (rs_scratch(&plan) > c->scratch_bytes)
		return op_fail(c, err, LADDER_EINVAL, "workspace is too small");
	for (int i = 0; i < rank; i++) {
		roi[i] = 0;
		roi[rank + i] = 1;
	}
	if (p.coord == RS_TF_CROP_AND_RESIZE && c->n_in > 1 && c->in[1] != NULL) {
		const struct exec_value *r = c->in[1];
		int64_t axes[LADDER_MAX_RANK], n = op_numel(r);
		int na = op_attr_ints(c, "axes", axes, LADDER_MAX_RANK);

		if (na <= 0) {
			na = rank;
			for (int i = 0; i < rank; i++)
				axes[i] = i;
		}
		if (n != 2 * na)
			return op_fail(c, err, LADDER_EINVAL, "roi has %lld values for %d axes",
			    (long long)n, na);
		for (int i = 0; i < na; i++) {
			int a;

			op_axis(axes[i], rank, &a);
			roi[a] = op_get_double(r, i);
			roi[rank + a] = op_get_double(r, na + i);
		}
	}
	/* Per-axis tap tables in the workspace. */
	char *ws = c->scratch;

	for (int i = 0; i < rank; i++) {
		int64_t n = plan.out[i];

		tidx[i] = (int64_t *)ws;
		ws += (size_t)n * RS_TAPS * sizeof(int64_t);
		tw[i] = (double *)ws;
		ws += (size_t)n * RS_TAPS * sizeof(double);
		ntaps[i] = (int64_t *)ws;
		ws += (size_t)n * sizeof(int64_t);
		for (int64_t k = 0; k < n; k++) {
			if (plan.out[i] == x->dims[i] && plan.scale[i] == 1 &&
			    p.coord != RS_TF_CROP_AND_RESIZE) {
				tidx[i][k * RS_TAPS] = k;
				tw[i][k * RS_TAPS] = 1;
				ntaps[i][k] = 1;
				continue;
			}
			ntaps[i][k] = rs_taps(&p, plan.scale[i], x->dims[i], plan.out[i], k, roi[i],
			    roi[rank + i], tidx[i] + k * RS_TAPS, tw[i] + k * RS_TAPS);
		}
	}
	op_strides(rank, x->dims, in_strides);
	int64_t n = op_numel(o), pos[LADDER_MAX_RANK] = { 0 };

	for (int64_t e = 0; e < n; e++) {
		bool extrapolate = false;

		for (int i = 0; i < rank; i++)
			extrapolate |= ntaps[i][pos[i]] == 0;
		if (extrapolate) {
			op_set_double(o, e, p.extrapolation);
		} else {
			/* Sum over the product of the axes' taps. */
			int t[LADDER_MAX_RANK] = { 0 };
			double acc = 0;

			for (;;) {
				int64_t off = 0;
				double w = 1;

				for (int i = 0; i < rank; i++) {
					off += tidx[i][pos[i] * RS_TAPS + t[i]] * in_strides[i];
					w *= tw[i][pos[i] * RS_TAPS + t[i]];
				}
				acc += w * op_get_double(x, off);
				int i = rank - 1;

				while (i >= 0 && ++t[i] == ntaps[i][pos[i]])
					t[i--] = 0;
				if (i < 0)
					break;
			}
			if (o->dtype != LADDER_DT_FLOAT && o->dtype != LADDER_DT_DOUBLE &&
			    o->dtype != LADDER_DT_FLOAT16 && o->dtype != LADDER_DT_BFLOAT16) {
				double lo = o->dtype == LADDER_DT_INT8 ? -128 : o->dtype == LADDER_DT_UINT8 ? 0 : -INFINITY;
				double hi = o->dtype == LADDER_DT_INT8 ? 127 : o->dtype == LADDER_DT_UINT8 ? 255 : INFINITY;

				acc = nearbyint(acc);
				acc = acc < lo ? lo : acc > hi ? hi : acc;
			}
			op_set_double(o, e, acc);
		}
		for (int i = rank - 1; i >= 0; i--) {
			if (++pos[i] < o->dims[i])
				break;
			pos[i] = 0;
		}
	}
	return 0;
}

static int
resize_infer(struct op_ctx *c, struct ladder_err *err)
{
	return rs_infer_common(c, false, err);
}

static int
resize_run(struct op_ctx *c, struct ladder_err *err)
{
	return rs_run_common(c, false, err);
}

const struct op_def op_Resize = {
	.name = "Resize", .n_in_min = 1, .n_in_max = 4, .n_out_min = 1, .n_out_max = 1,
	.check = rs_mode_check, .infer = resize_infer, .run = resize_run,
};

static int
upsample_infer(struct op_ctx *c, struct ladder_err *err)
{
	return rs_infer_common(c, true, err);
}

static int
upsample_run(struct op_ctx *c, struct ladder_err *err)
{
	return rs_run_common(c, true, err);
}

const struct op_def op_Upsample = {
	.name = "Upsample", .n_in_min = 1, .n_in_max = 2, .n_out_min = 1, .n_out_max = 1,
	.check = rs_mode_check, .infer = upsample_infer, .run = upsample_run,
};

/* GridSample (opset 16), following PyTorch's grid_sampler_2d. */

enum gs_mode { GS_BILINEAR, GS_NEAREST, GS_BICUBIC };
enum gs_pad { GS_ZEROS, GS_BORDER, GS_REFLECTION };

static int
gs_params(const struct op_ctx *c, int *mode, int *pad, struct ladder_err *err)
{
	static const char *const modes[] = { "bilinear", "nearest", "bicubic" };
	static const char *const pads[] = { "zeros", "border", "reflection" };
	const char *m = op_attr_string(c, "mode", "bilinear");
	int rc;

	/* Opset 20 renamed the modes; accept both spellings. */
	if (strcmp(m, "linear") == 0)
		*mode = GS_BILINEAR;
	else if (strcmp(m, "cubic") == 0)
		*mode = GS_BICUBIC;
	else if ((rc = pick(c, "mode", "bilinear", modes, 3, mode, err)) != 0)
		return rc;
	return pick(c, "padding_mode", "zeros", pads, 3, pad, err);
}

static int
gs_check(struct op_ctx *c, struct ladder_err *err)
{
	int mode, pad;

	return gs_params(c, &mode, &pad, err);
}

static int
gs_infer(struct op_ctx *c, struct ladder_err *err)
{
	const struct exec_value *x = c->in[0], *g = c->in[1];

	if (x->rank != 4 || g->rank != 4 || g->dims[3] != 2 || g->dims[0] != x->dims[0])
		return op_fail(c, err, LADDER_EUNSUPPORTED, "only 4-d input with an [N, H, W, 2] grid is supported");
	if (x->dtype != LADDER_DT_FLOAT && x->dtype != LADDER_DT_DOUBLE && x->dtype != LADDER_DT_FLOAT16)
		return op_fail(c, err, LADDER_EUNSUPPORTED, "dtype %s is not supported",
		    ladder_dtype_name(x->dtype));
	int64_t dims[4] = { x->dims[0], x->dims[1], g->dims[1], g->dims[2] };

	op_set_shape(c->out[0], x->dtype, 4, dims);
	return 0;
}

static double
gs_reflect(double v, double twice_low, double twice_high)
{
	if (twice_low == twice_high)
		return 0;
	double lo = twice_low / 2, span = (twice_high - twice_low) / 2;

	v = fabs(v - lo);
	double extra = fmod(v, span);
	int64_t flips = (int64_t)floor(v / span);

	return flips % 2 == 0 ? extra + lo : span - extra + lo;
}

static double
gs_coord(double v, int64_t size, int pad, bool align)
{
	if (pad == GS_BORDER) {
		v = v < 0 ? 0 : v > (double)(size - 1) ? (double)(size - 1) : v;
	} else if (pad == GS_REFLECTION) {
		v = align ? gs_reflect(v, 0, 2.0 * (double)(size - 1)) :
		    gs_reflect(v, -1, 2.0 * (double)size - 1);
		v = v < 0 ? 0 : v > (double)(size - 1) ? (double)(size - 1) : v;
	}
	return v;
}

static double
gs_at(const struct exec_value *x, int64_t base, int64_t H, int64_t W, int64_t yy, int64_t xx)
{
	if (yy < 0 || yy >= H || xx < 0 || xx >= W)
		return 0;
	return op_get_double(x, base + yy * W + xx);
}

static double
gs_bounded(const struct exec_value *x, int64_t base, int64_t H, int64_t W, double yy, double xx,
    int pad, bool align)
{
	double fx = gs_coord(xx, W, pad, align), fy = gs_coord(yy, H, pad, align);

	return gs_at(x, base, H, W, (int64_t)floor(fy), (int64_t)floor(fx));
}

static int
gs_run(struct op_ctx *c, struct ladder_err *err)
{
	const struct exec_value *x = c->in[0], *g = c->in[1];
	struct exec_value *o = c->out[0];
	int64_t N = x->dims[0], C = x->dims[1], H = x->dims[2], W = x->dims[3];
	int64_t Ho = g->dims[1], Wo = g->dims[2];
	bool align = op_attr_int(c, "align_corners", 0) != 0;
	int mode, pad, rc;

	if ((rc = gs_params(c, &mode, &pad, err)) != 0)
		return rc;
	for (int64_t n = 0; n < N; n++) {
		for (int64_t h = 0; h < Ho; h++) {
			for (int64_t w = 0; w < Wo; w++) {
				int64_t gi = ((n * Ho + h) * Wo + w) * 2;
				double gx = op_get_double(g, gi), gy = op_get_double(g, gi + 1);
				double ix = align ? (gx + 1) / 2 * (double)(W - 1) : ((gx + 1) * (double)W - 1) / 2;
				double iy = align ? (gy + 1) / 2 * (double)(H - 1) : ((gy + 1) * (double)H - 1) / 2;

				if (mode != GS_BICUBIC) {
					ix = gs_coord(ix, W, pad, align);
					iy = gs_coord(iy, H, pad, align);
				}
				for (int64_t ch = 0; ch < C; ch++) {
					int64_t base = (n * C + ch) * H * W;
					double v;

					if (mode == GS_NEAREST) {
						v = gs_at(x, base, H, W, (int64_t)nearbyint(iy), (int64_t)nearbyint(ix));
					} else if (mode == GS_BILINEAR) {
						double x0 = floor(ix), y0 = floor(iy), tx = ix - x0, ty = iy - y0;
						int64_t xi = (int64_t)x0, yi = (int64_t)y0;

						v = gs_at(x, base, H, W, yi, xi) * (1 - tx) * (1 - ty) +
						    gs_at(x, base, H, W, yi, xi + 1) * tx * (1 - ty) +
						    gs_at(x, base, H, W, yi + 1, xi) * (1 - tx) * ty +
						    gs_at(x, base, H, W, yi + 1, xi + 1) * tx * ty;
					} else {
						double x0 = floor(ix), y0 = floor(iy), wx[4], wy[4];

						cubic_coeffs(ix - x0, -0.75, wx);
						cubic_coeffs(iy - y0, -0.75, wy);
						v = 0;
						for (int j = 0; j < 4; j++) {
							double row = 0;

							for (int i = 0; i < 4; i++)
								row += wx[i] * gs_bounded(x, base, H, W, y0 - 1 + j,
								    x0 - 1 + i, pad, align);
							v += wy[j] * row;
						}
					}
					op_set_double(o, ((n * C + ch) * Ho + h) * Wo + w, v);
				}
			}
		}
	}
	return 0;
}

const struct op_def op_GridSample = {
	.name = "GridSample", .n_in_min = 2, .n_in_max = 2, .n_out_min = 1, .n_out_max = 1,
	.check = gs_check, .infer = gs_infer, .run = gs_run,
};
