/*
 * roi.c: detection operators: RoiAlign (as onnxruntime computes it, which
 * the ONNX test data follows) and NonMaxSuppression (output size depends
 * on the data; see op.h).
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "ops/op-data.h"
#include "util/banned.h"

/* RoiAlign */

static int
roialign_check(struct op_ctx *c, struct ladder_err *err)
{
	const char *mode = op_attr_string(c, "mode", "avg");
	const char *coord = op_attr_string(c, "coordinate_transformation_mode", "half_pixel");

	if (strcmp(mode, "avg") != 0 && strcmp(mode, "max") != 0)
		return op_fail(c, err, LADDER_EUNSUPPORTED, "mode '%s' is not supported", mode);
	if (strcmp(coord, "half_pixel") != 0 && strcmp(coord, "output_half_pixel") != 0)
		return op_fail(c, err, LADDER_EUNSUPPORTED,
		    "coordinate_transformation_mode '%s' is not supported", coord);
	if (op_attr_int(c, "output_height", 1) < 1 || op_attr_int(c, "output_width", 1) < 1 ||
	    op_attr_int(c, "output_height", 1) > 4096 || op_attr_int(c, "output_width", 1) > 4096 ||
	    op_attr_int(c, "sampling_ratio", 0) < 0)
		return op_fail(c, err, LADDER_EINVAL, "bad output size or sampling_ratio");
	return 0;
}

static int
roialign_infer(struct op_ctx *c, struct ladder_err *err)
{
	const struct exec_value *x = c->in[0], *rois = c->in[1], *bi = c->in[2];

	if (x->rank != 4 || rois->rank != 2 || rois->dims[1] != 4 || bi->rank != 1 ||
	    bi->dims[0] != rois->dims[0])
		return op_fail(c, err, LADDER_EINVAL, "needs X [N,C,H,W], rois [R,4], batch_indices [R]");
	if (x->dtype != LADDER_DT_FLOAT && x->dtype != LADDER_DT_DOUBLE && x->dtype != LADDER_DT_FLOAT16)
		return op_fail(c, err, LADDER_EUNSUPPORTED, "dtype %s is not supported",
		    ladder_dtype_name(x->dtype));
	int64_t dims[4] = { rois->dims[0], x->dims[1], op_attr_int(c, "output_height", 1),
		op_attr_int(c, "output_width", 1) };

	op_set_shape(c->out[0], x->dtype, 4, dims);
	return 0;
}

struct bilinear_tap {
	int64_t pos[4];
	double w[4];
};

static void
roi_tap(double y, double x, int64_t H, int64_t W, struct bilinear_tap *t)
{
	memset(t, 0, sizeof *t);
	if (y < -1.0 || y > (double)H || x < -1.0 || x > (double)W)
		return;
	if (y <= 0)
		y = 0;
	if (x <= 0)
		x = 0;
	int64_t y0 = (int64_t)y, x0 = (int64_t)x, y1, x1;

	if (y0 >= H - 1) {
		y1 = y0 = H - 1;
		y = (double)y0;
	} else {
		y1 = y0 + 1;
	}
	if (x0 >= W - 1) {
		x1 = x0 = W - 1;
		x = (double)x0;
	} else {
		x1 = x0 + 1;
	}
	double ly = y - (double)y0, lx = x - (double)x0, hy = 1 - ly, hx = 1 - lx;

	t->pos[0] = y0 * W + x0;
	t->pos[1] = y0 * W + x1;
	t->pos[2] = y1 * W + x0;
	t->pos[3] = y1 * W + x1;
	t->w[0] = hy * hx;
	t->w[1] = hy * lx;
	t->w[2] = ly * hx;
	t->w[3] = ly * lx;
}

static int
roialign_run(struct op_ctx *c, struct ladder_err *err)
{
	const struct exec_value *x = c->in[0], *rois = c->in[1], *bi = c->in[2];
	struct exec_value *o = c->out[0];
	int64_t C = x->dims[1], H = x->dims[2], W = x->dims[3], R = rois->dims[0];
	int64_t ph_n = o->dims[2], pw_n = o->dims[3], ratio = op_attr_int(c, "sampling_ratio", 0);
	double scale = op_attr_float(c, "spatial_scale", 1);
	bool is_max = strcmp(op_attr_string(c, "mode", "avg"), "max") == 0;
	bool half = c->opset >= 16 && strcmp(op_attr_string(c, "coordinate_transformation_mode",
	    "half_pixel"), "half_pixel") == 0;
	double off = half ? 0.5 : 0;

	for (int64_t r = 0; r < R; r++) {
		int64_t b = op_get_int(bi, r);

		if (b < 0 || b >= x->dims[0])
			return op_fail(c, err, LADDER_EINVAL, "batch index %lld is out of range",
			    (long long)b);
		double x1 = op_get_double(rois, r * 4) * scale - off;
		double y1 = op_get_double(rois, r * 4 + 1) * scale - off;
		double x2 = op_get_double(rois, r * 4 + 2) * scale - off;
		double y2 = op_get_double(rois, r * 4 + 3) * scale - off;
		double rw = x2 - x1, rh = y2 - y1;

		if (!half) {
			rw = rw > 1 ? rw : 1;
			rh = rh > 1 ? rh : 1;
		}
		double bh = rh / (double)ph_n, bw = rw / (double)pw_n;
		int64_t gh = ratio > 0 ? ratio : (int64_t)ceil(rh / (double)ph_n);
		int64_t gw = ratio > 0 ? ratio : (int64_t)ceil(rw / (double)pw_n);

		if (gh > 1024 || gw > 1024)
			return op_fail(c, err, LADDER_EINVAL, "roi %lld is too large", (long long)r);
		double count = (double)(gh * gw > 1 ? gh * gw : 1);

		for (int64_t ch = 0; ch < C; ch++) {
			int64_t base = (b * C + ch) * H * W;

			for (int64_t ph = 0; ph < ph_n; ph++) {
				for (int64_t pw = 0; pw < pw_n; pw++) {
					double acc = 0;
					bool first = true;

					for (int64_t iy = 0; iy < gh; iy++) {
						double yy = y1 + (double)ph * bh + ((double)iy + 0.5) * bh / (double)gh;

						for (int64_t ix = 0; ix < gw; ix++) {
							double xx = x1 + (double)pw * bw + ((double)ix + 0.5) * bw / (double)gw;
							struct bilinear_tap t;

							roi_tap(yy, xx, H, W, &t);
							if (!is_max) {
								for (int k = 0; k < 4; k++)
									acc += t.w[k] * op_get_double(x, base + t.pos[k]);
								continue;
							}
							for (int k = 0; k < 4; k++) {
								double v = t.w[k] * op_get_double(x, base + t.pos[k]);

								if (first || v > acc)
									acc = v;
								first = false;
							}
						}
					}
					op_set_double(o, ((r * C + ch) * ph_n + ph) * pw_n + pw,
					    is_max ? acc : acc / count);
				}
			}
		}
	}
	return 0;
}

const struct op_def op_RoiAlign = {
	.name = "RoiAlign", .n_in_min = 3, .n_in_max = 3, .n_out_min = 1, .n_out_max = 1,
	.check = roialign_check, .infer = roialign_infer, .run = roialign_run,
};

/* NonMaxSuppression */

struct nms_args {
	int64_t batches, classes, boxes, max_out;
	double iou, score_min;
	bool has_score_min;
	bool center;
};

static int
nms_args(const struct op_ctx *c, struct nms_args *a, bool need_data, struct ladder_err *err)
{
	const struct exec_value *boxes = c->in[0], *scores = c->in[1];

	if (boxes->rank != 3 || boxes->dims[2] != 4 || scores->rank != 3 ||
	    scores->dims[0] != boxes->dims[0] || scores->dims[2] != boxes->dims[1])
		return op_fail(c, err, LADDER_EINVAL, "needs boxes [B,N,4] and scores [B,C,N]");
	a->batches = boxes->dims[0];
	a->classes = scores->dims[1];
	a->boxes = boxes->dims[1];
	a->max_out = 0;
	a->iou = 0;
	a->score_min = 0;
	a->has_score_min = false;
	a->center = op_attr_int(c, "center_point_box", 0) != 0;
	for (int i = 2; i < 5; i++) {
		const struct exec_value *v = (size_t)i < c->n_in ? c->in[i] : NULL;

		if (v == NULL || op_numel(v) == 0)
			continue;
		if (v->data == NULL) {
			if (need_data)
				return op_fail(c, err, LADDER_EINVAL, "input %d has no data", i);
			a->max_out = a->boxes;	/* upper bound */
			continue;
		}
		if (i == 2)
			a->max_out = op_get_int(v, 0);
		else if (i == 3)
			a->iou = op_get_double(v, 0);
		else
			a->score_min = op_get_double(v, 0), a->has_score_min = true;
	}
	if (a->max_out < 0)
		a->max_out = 0;
	if (a->max_out > a->boxes)
		a->max_out = a->boxes;
	return 0;
}

static void
nms_corners(const struct exec_value *b, int64_t i, bool center, double *y1, double *x1,
    double *y2, double *x2)
{
	double v0 = op_get_double(b, i * 4), v1 = op_get_double(b, i * 4 + 1);
	double v2 = op_get_double(b, i * 4 + 2), v3 = op_get_double(b, i * 4 + 3);

	if (center) {
		*x1 = v0 - v2 / 2;
		*x2 = v0 + v2 / 2;
		*y1 = v1 - v3 / 2;
		*y2 = v1 + v3 / 2;
		return;
	}
	*y1 = fmin(v0, v2);
	*y2 = fmax(v0, v2);
	*x1 = fmin(v1, v3);
	*x2 = fmax(v1, v3);
}

static bool
nms_suppress(const struct exec_value *b, int64_t i, int64_t j, bool center, double iou)
{
	double ay1, ax1, ay2, ax2, by1, bx1, by2, bx2;

	nms_corners(b, i, center, &ay1, &ax1, &ay2, &ax2);
	nms_corners(b, j, center, &by1, &bx1, &by2, &bx2);
	double iw = fmin(ax2, bx2) - fmax(ax1, bx1), ih = fmin(ay2, by2) - fmax(ay1, by1);

	if (iw <= 0 || ih <= 0)
		return false;
	double inter = iw * ih, area_a = (ax2 - ax1) * (ay2 - ay1), area_b = (bx2 - bx1) * (by2 - by1);
	double uni = area_a + area_b - inter;

	if (area_a <= 0 || area_b <= 0 || uni <= 0)
		return false;
	return inter / uni > iou;
}

struct nms_sort {
	const struct exec_value *scores;
	int64_t base;
};

static int
nms_cmp(const void *pa, const void *pb, void *ctx)
{
	const struct nms_sort *s = ctx;
	int64_t a = *(const int64_t *)pa, b = *(const int64_t *)pb;
	double x = op_get_double(s->scores, s->base + a), y = op_get_double(s->scores, s->base + b);

	if (x != y)
		return x > y ? -1 : 1;
	return (a > b) - (a < b);
}

/* Runs NMS; writes up to the selections into out (may be NULL to count); returns the count. */
static int64_t
nms_select(const struct op_ctx *c, const struct nms_args *a, int64_t *work, int64_t *out)
{
	const struct exec_value *boxes = c->in[0], *scores = c->in[1];
	int64_t total = 0, *cand = work, *sel = work + a->boxes;

	for (int64_t b = 0; b < a->batches; b++) {
		for (int64_t k = 0; k < a->classes; k++) {
			struct nms_sort s = { scores, (b * a->classes + k) * a->boxes };
			int64_t n = 0, ns = 0;

			if (a->max_out == 0)
				continue;
			for (int64_t i = 0; i < a->boxes; i++) {
				if (!a->has_score_min || op_get_double(scores, s.base + i) > a->score_min)
					cand[n++] = i;
			}
			qsort_r(cand, (size_t)n, sizeof *cand, nms_cmp, &s);
			struct exec_value bv = *boxes;

			bv.data = (char *)boxes->data + (size_t)(b * a->boxes * 4) * op_esize(boxes);
			for (int64_t i = 0; i < n && ns < a->max_out; i++) {
				bool keep = true;

				for (int64_t j = 0; j < ns && keep; j++)
					keep = !nms_suppress(&bv, cand[i], sel[j], a->center, a->iou);
				if (!keep)
					continue;
				sel[ns++] = cand[i];
				if (out != NULL) {
					out[total * 3] = b;
					out[total * 3 + 1] = k;
					out[total * 3 + 2] = cand[i];
				}
				total++;
			}
		}
	}
	return total;
}

static int
nms_infer(struct op_ctx *c, struct ladder_err *err)
{
	struct nms_args a;
	int rc;

	if ((rc = nms_args(c, &a, false, err)) != 0)
		return rc;
	if (c->in[0]->dtype != LADDER_DT_FLOAT || c->in[1]->dtype != LADDER_DT_FLOAT)
		return op_fail(c, err, LADDER_EUNSUPPORTED, "boxes and scores must be float32");
	if (a.boxes > ((int64_t)1 << 30))
		return op_fail(c, err, LADDER_EUNSUPPORTED, "too many boxes");
	c->scratch_bytes = (size_t)(2 * a.boxes + 1) * sizeof(int64_t);
	int64_t dims[2] = { a.batches * a.classes * a.max_out, 3 };

	if (c->in[0]->data != NULL && c->in[1]->data != NULL && a.boxes <= 1024) {
		bool known = true;

		for (int i = 2; i < 5; i++)
			known &= (size_t)i >= c->n_in || c->in[i] == NULL || c->in[i]->data != NULL;
		if (known) {
			int64_t work[2 * 1024];

			dims[0] = nms_select(c, &a, work, NULL);
		}
	}
	op_set_shape(c->out[0], LADDER_DT_INT64, 2, dims);
	return 0;
}

static int
nms_run(struct op_ctx *c, struct ladder_err *err)
{
	struct nms_args a;
	int rc;

	if ((rc = nms_args(c, &a, true, err)) != 0)
		return rc;
	if (c->scratch_bytes < (size_t)(2 * a.boxes) * sizeof(int64_t))
		return op_fail(c, err, LADDER_EINVAL, "workspace is too small");
	int64_t bound = c->out[0]->dims[0];

	/* Count first so that a smaller bound than the result can never be overrun. */
	int64_t n = nms_select(c, &a, c->scratch, NULL);

	if (n > bound)
		return op_fail(c, err, LADDER_EINVAL, "%lld selections exceed the planned %lld",
		    (long long)n, (long long)bound);
	nms_select(c, &a, c->scratch, c->out[0]->data);
	int64_t dims[2] = { n, 3 };

	op_set_shape(c->out[0], LADDER_DT_INT64, 2, dims);
	return 0;
}

const struct op_def op_NonMaxSuppression = {
	.name = "NonMaxSuppression", .n_in_min = 2, .n_in_max = 5, .n_out_min = 1, .n_out_max = 1,
	.infer = nms_infer, .run = nms_run,
};
