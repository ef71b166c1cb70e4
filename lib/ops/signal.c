/*
 * signal.c: HannWindow, HammingWindow, BlackmanWindow, DFT, STFT and
 * MelWeightMatrix (opset 17).  Sizes that decide output shapes (window size,
 * dft_length, frame_step, mel parameters) are inputs whose data must be
 * known at infer.  Transforms are direct O(n^2) sums in double.
 */
#include <math.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "ops/ew.h"
#include "util/banned.h"

struct sig_params {
	int kind;		/* window: 0 hann, 1 hamming, 2 blackman */
	bool periodic;
	enum ladder_dtype out_dt;
	int64_t axis;
	bool inverse, onesided;
};

static int
sig_params_new(struct op_ctx *c, int kind, struct ladder_err *err)
{
	struct sig_params *p = ladder_arena_alloc(c->arena, sizeof *p);

	if (p == NULL)
		return op_fail(c, err, LADDER_ENOMEM, "out of memory");
	p->kind = kind;
	p->periodic = op_attr_int(c, "periodic", 1) != 0;
	int64_t dt = op_attr_int(c, "output_datatype", LADDER_DT_FLOAT);

	p->out_dt = dt > 0 && dt < LADDER_DT_COUNT_ ? (enum ladder_dtype)dt : LADDER_DT_UNDEFINED;
	if (!ew_is_float(p->out_dt) && !ew_is_int(p->out_dt))
		return op_fail(c, err, LADDER_EUNSUPPORTED, "output_datatype %lld is not supported",
		    (long long)dt);
	p->axis = op_attr_int(c, "axis", 1);
	p->inverse = op_attr_int(c, "inverse", 0) != 0;
	p->onesided = op_attr_int(c, "onesided", 0) != 0;
	c->params = p;
	return 0;
}

/* Reads a scalar integer input known at infer. */
static int
scalar_int(struct op_ctx *c, int k, const char *what, int64_t *out, struct ladder_err *err)
{
	const struct exec_value *v = c->in[k];

	if (v == NULL || op_numel(v) != 1 || !ew_is_int(v->dtype))
		return op_fail(c, err, LADDER_EINVAL, "%s must be an integer scalar", what);
	if (v->data == NULL)
		return op_fail(c, err, LADDER_EUNSUPPORTED, "%s '%s' is not known before run", what,
		    v->name ? v->name : "?");
	*out = op_get_int(v, 0);
	return 0;
}

static int
scalar_double(struct op_ctx *c, int k, const char *what, double *out, struct ladder_err *err)
{
	const struct exec_value *v = c->in[k];

	if (v == NULL || op_numel(v) != 1)
		return op_fail(c, err, LADDER_EINVAL, "%s must be a scalar", what);
	if (v->data == NULL)
		return op_fail(c, err, LADDER_EUNSUPPORTED, "%s '%s' is not known before run", what,
		    v->name ? v->name : "?");
	*out = op_get_double(v, 0);
	return 0;
}

/* Windows. */
#define WINDOW_MAX (1 << 26)

static int
window_infer(struct op_ctx *c, struct ladder_err *err)
{
	const struct sig_params *p = c->params;
	int64_t size;

	if (scalar_int(c, 0, "size", &size, err) != 0)
		return err->code;
	if (size < 0 || size > WINDOW_MAX)
		return op_fail(c, err, LADDER_EINVAL, "size %lld is out of range", (long long)size);
	op_set_shape(c->out[0], p->out_dt, 1, &size);
	return 0;
}

static int
window_run(struct op_ctx *c, struct ladder_err *err)
{
	const struct sig_params *p = c->params;
	struct exec_value *y = c->out[0];
	int64_t size = y->dims[0];
	double n_div = p->periodic ? (double)size : (double)(size - 1);

	for (int64_t i = 0; i < size; i++) {
		double a = n_div > 0 ? 2 * M_PI * (double)i / n_div : 0, w;

		switch (p->kind) {
		case 0: w = 0.5 - 0.5 * cos(a); break;
		case 1: w = 25.0 / 46 - (1 - 25.0 / 46) * cos(a); break;
		default: w = 0.42 - 0.5 * cos(a) + 0.08 * cos(2 * a); break;
		}
		op_set_double(y, i, w);
	}
	return 0;
}

#define WINDOW_OP(SYM, KIND)                                                            \
	static int SYM##_check(struct op_ctx *c, struct ladder_err *err)                \
	{                                                                               \
		return sig_params_new(c, KIND, err);                                    \
	}                                                                               \
	const struct op_def op_##SYM = { #SYM, "", 1, 1, 1, 1, SYM##_check, window_infer, \
		window_run, NULL }

WINDOW_OP(HannWindow, 0);
WINDOW_OP(HammingWindow, 1);
WINDOW_OP(BlackmanWindow, 2);

/*
 * One DFT of n_in complex samples (imaginary part absent if !cplx) read with
 * element stride `stride` (in complex samples) from x at `base`, zero-padded
 * or truncated to `len`, writing n_out bins with stride `ostride`.
 */
static void
dft_1d(const struct exec_value *x, int64_t base, int64_t stride, int64_t n_in, bool cplx,
    const struct exec_value *window, int64_t len, bool inverse, struct exec_value *y,
    int64_t obase, int64_t ostride, int64_t n_out)
{
	int64_t n = n_in < len ? n_in : len;
	int comps = cplx ? 2 : 1;
	double sign = inverse ? 1 : -1;

	for (int64_t k = 0; k < n_out; k++) {
		double re = 0, im = 0;

		for (int64_t t = 0; t < n; t++) {
			double xr = op_get_double(x, (base + t * stride) * comps);
			double xi = cplx ? op_get_double(x, (base + t * stride) * comps + 1) : 0;

			if (window != NULL) {
				double w = op_get_double(window, t);

				xr *= w;
				xi *= w;
			}
			/* Reduce k*t mod len first so the angle stays accurate. */
			double ang = sign * 2 * M_PI * (double)((k * t) % len) / (double)len;
			double cs = cos(ang), sn = sin(ang);

			re += xr * cs - xi * sn;
			im += xr * sn + xi * cs;
		}
		if (inverse) {
			re /= (double)len;
			im /= (double)len;
		}
		op_set_double(y, (obase + k * ostride) * 2, re);
		op_set_double(y, (obase + k * ostride) * 2 + 1, im);
	}
}

static int
DFT_check(struct op_ctx *c, struct ladder_err *err)
{
	return sig_params_new(c, 0, err);
}

static int
dft_geometry(struct op_ctx *c, int *axis, int64_t *len, struct ladder_err *err)
{
	const struct sig_params *p = c->params;
	const struct exec_value *x = c->in[0];

	if (!ew_is_float(x->dtype))
		return ew_bad_dtype(c, x, err);
	if (x->rank < 3 || (x->dims[x->rank - 1] != 1 && x->dims[x->rank - 1] != 2))
		return op_fail(c, err, LADDER_EINVAL, "input must be [batch, n..., 1 or 2]");
	/* Any axis but the last (real/imaginary); negative counts from the back. */
	int64_t a = p->axis < 0 ? p->axis + x->rank : p->axis;

	if (a < 0 || a >= x->rank - 1)
		return op_fail(c, err, LADDER_EINVAL, "axis %lld is out of range", (long long)p->axis);
	*axis = (int)a;
	*len = x->dims[a];
	if (c->n_in > 1 && c->in[1] != NULL) {
		if (scalar_int(c, 1, "dft_length", len, err) != 0)
			return err->code;
		if (*len < 1 || *len > WINDOW_MAX)
			return op_fail(c, err, LADDER_EINVAL, "dft_length %lld is out of range",
			    (long long)*len);
	}
	return 0;
}

static int
DFT_infer(struct op_ctx *c, struct ladder_err *err)
{
	const struct sig_params *p = c->params;
	const struct exec_value *x = c->in[0];
	int64_t dims[LADDER_MAX_RANK], len;
	int axis;

	if (dft_geometry(c, &axis, &len, err) != 0)
		return err->code;
	memcpy(dims, x->dims, sizeof dims);
	dims[axis] = p->onesided ? len / 2 + 1 : len;
	dims[x->rank - 1] = 2;
	op_set_shape(c->out[0], x->dtype, x->rank, dims);
	return 0;
}

static int
DFT_run(struct op_ctx *c, struct ladder_err *err)
{
	const struct sig_params *p = c->params;
	const struct exec_value *x = c->in[0];
	struct exec_value *y = c->out[0];
	int64_t len;
	int axis;

	if (dft_geometry(c, &axis, &len, err) != 0)
		return err->code;
	bool cplx = x->dims[x->rank - 1] == 2;
	int64_t outer = 1, inner = 1, n_in = x->dims[axis], n_out = y->dims[axis];

	for (int d = 0; d < axis; d++)
		outer *= x->dims[d];
	for (int d = axis + 1; d < x->rank - 1; d++)
		inner *= x->dims[d];
	for (int64_t o = 0; o < outer; o++) {
		for (int64_t i = 0; i < inner; i++)
			dft_1d(x, o * n_in * inner + i, inner, n_in, cplx, NULL, len, p->inverse, y,
			    o * n_out * inner + i, inner, n_out);
	}
	return 0;
}

const struct op_def op_DFT = { "DFT", "", 1, 2, 1, 1, DFT_check, DFT_infer, DFT_run, NULL };

/* STFT(signal [batch, length, 1|2], frame_step, window?, frame_length?). */
static int
STFT_check(struct op_ctx *c, struct ladder_err *err)
{
	if (sig_params_new(c, 0, err) != 0)
		return err->code;
	((struct sig_params *)c->params)->onesided = op_attr_int(c, "onesided", 1) != 0;
	return 0;
}

static int
stft_geometry(struct op_ctx *c, int64_t *step, int64_t *flen, int64_t *frames,
    struct ladder_err *err)
{
	const struct exec_value *x = c->in[0];
	const struct exec_value *win = c->n_in > 2 ? c->in[2] : NULL;

	if (!ew_is_float(x->dtype))
		return ew_bad_dtype(c, x, err);
	if (x->rank != 3 || (x->dims[2] != 1 && x->dims[2] != 2))
		return op_fail(c, err, LADDER_EINVAL, "signal must be [batch, length, 1 or 2]");
	if (scalar_int(c, 1, "frame_step", step, err) != 0)
		return err->code;
	if (c->n_in > 3 && c->in[3] != NULL) {
		if (scalar_int(c, 3, "frame_length", flen, err) != 0)
			return err->code;
	} else if (win != NULL) {
		*flen = op_numel(win);
	} else {
		return op_fail(c, err, LADDER_EINVAL, "needs a window or a frame_length");
	}
	if (win != NULL && (win->rank != 1 || win->dims[0] != *flen))
		return op_fail(c, err, LADDER_EINVAL, "window has %lld values, frame_length is %lld",
		    (long long)op_numel(win), (long long)*flen);
	if (*step < 1 || *flen < 1 || *flen > x->dims[1])
		return op_fail(c, err, LADDER_EINVAL, "frame_step %lld or frame_length %lld is out of range",
		    (long long)*step, (long long)*flen);
	*frames = (x->dims[1] - *flen) / *step + 1;
	return 0;
}

static int
STFT_infer(struct op_ctx *c, struct ladder_err *err)
{
	const struct sig_params *p = c->params;
	int64_t step, flen, frames, dims[4];

	if (stft_geometry(c, &step, &flen, &frames, err) != 0)
		return err->code;
	dims[0] = c->in[0]->dims[0];
	dims[1] = frames;
	dims[2] = p->onesided ? flen / 2 + 1 : flen;
	dims[3] = 2;
	op_set_shape(c->out[0], c->in[0]->dtype, 4, dims);
	return 0;
}

static int
STFT_run(struct op_ctx *c, struct ladder_err *err)
{
	const struct exec_value *x = c->in[0];
	const struct exec_value *win = c->n_in > 2 ? c->in[2] : NULL;
	struct exec_value *y = c->out[0];
	int64_t step, flen, frames;

	if (stft_geometry(c, &step, &flen, &frames, err) != 0)
		return err->code;
	bool cplx = x->dims[2] == 2;
	int64_t bins = y->dims[2], len = x->dims[1];

	for (int64_t b = 0; b < x->dims[0]; b++) {
		for (int64_t f = 0; f < frames; f++)
			dft_1d(x, b * len + f * step, 1, flen, cplx, win, flen, false, y,
			    (b * frames + f) * bins, 1, bins);
	}
	return 0;
}

const struct op_def op_STFT = { "STFT", "", 2, 4, 1, 1, STFT_check, STFT_infer, STFT_run, NULL };

/* MelWeightMatrix, following the ONNX reference implementation step by step. */
static int
mel_args(struct op_ctx *c, int64_t *bins, int64_t *dft_len, int64_t *rate, double *lo, double *hi,
    struct ladder_err *err)
{
	if (scalar_int(c, 0, "num_mel_bins", bins, err) != 0 ||
	    scalar_int(c, 1, "dft_length", dft_len, err) != 0 ||
	    scalar_int(c, 2, "sample_rate", rate, err) != 0 ||
	    scalar_double(c, 3, "lower_edge_hertz", lo, err) != 0 ||
	    scalar_double(c, 4, "upper_edge_hertz", hi, err) != 0)
		return err->code;
	if (*bins < 1 || *bins > 65536 || *dft_len < 1 || *dft_len > WINDOW_MAX || *rate < 1)
		return op_fail(c, err, LADDER_EINVAL, "mel parameters are out of range");
	return 0;
}

static int
MelWeightMatrix_check(struct op_ctx *c, struct ladder_err *err)
{
	return sig_params_new(c, 0, err);
}

static int
MelWeightMatrix_infer(struct op_ctx *c, struct ladder_err *err)
{
	const struct sig_params *p = c->params;
	int64_t bins, dft_len, rate, dims[2];
	double lo, hi;

	if (mel_args(c, &bins, &dft_len, &rate, &lo, &hi, err) != 0)
		return err->code;
	dims[0] = dft_len / 2 + 1;
	dims[1] = bins;
	op_set_shape(c->out[0], p->out_dt, 2, dims);
	return 0;
}

static int
MelWeightMatrix_run(struct op_ctx *c, struct ladder_err *err)
{
	struct exec_value *y = c->out[0];
	int64_t bins, dft_len, rate;
	double lo, hi;

	if (mel_args(c, &bins, &dft_len, &rate, &lo, &hi, err) != 0)
		return err->code;
	int64_t rows = dft_len / 2 + 1, n = op_numel(y);

	for (int64_t i = 0; i < n; i++)
		op_set_double(y, i, 0);
	/* The reference computes the mel edges in float32. */
	float lo_mel = 2595.0f * log10f(1.0f + (float)lo / 700.0f);
	float hi_mel = 2595.0f * log10f(1.0f + (float)hi / 700.0f);
	float mel_step = (hi_mel - lo_mel) / (float)(bins + 2);

	for (int64_t i = 0; i < bins; i++) {
		int64_t f[3];

		for (int e = 0; e < 3; e++) {
			double mel = (double)(i + e) * (double)mel_step + (double)lo_mel;
			double hz = 700 * (pow(10, mel / 2595) - 1);

			f[e] = (int64_t)floor((double)(dft_len + 1) * hz / (double)rate);
		}
		int64_t left = f[0], center = f[1], right = f[2];

		if (center - left == 0) {
			if (center >= 0 && center < rows)
				op_set_double(y, center * bins + i, 1);
		} else {
			for (int64_t j = left; j <= center; j++) {
				if (j >= 0 && j < rows)
					op_set_double(y, j * bins + i,
					    (double)(j - left) / (double)(center - left));
			}
		}
		if (right - center > 0) {
			for (int64_t j = center; j < right; j++) {
				if (j >= 0 && j < rows)
					op_set_double(y, j * bins + i,
					    (double)(right - j) / (double)(right - center));
			}
		}
	}
	return 0;
}

const struct op_def op_MelWeightMatrix = { "MelWeightMatrix", "", 5, 5, 1, 1,
	MelWeightMatrix_check, MelWeightMatrix_infer, MelWeightMatrix_run, NULL };
