/* tfidf.c: TfIdfVectorizer over integer inputs (n-gram counts with skips; TF, IDF, TFIDF). */
#include <string.h>

#include "ops/op.h"
#include "util/banned.h"

enum tfidf_mode { MODE_TF, MODE_IDF, MODE_TFIDF };

static int
tfidf_check(struct op_ctx *c, struct ladder_err *err)
{
	const char *mode = op_attr_string(c, "mode", "TF");
	const struct ladder_attr *counts = op_attr(c, "ngram_counts");
	const struct ladder_attr *indexes = op_attr(c, "ngram_indexes");
	const struct ladder_attr *pool = op_attr(c, "pool_int64s");
	const struct ladder_attr *weights = op_attr(c, "weights");
	int64_t minl = op_attr_int(c, "min_gram_length", 1), maxl = op_attr_int(c, "max_gram_length", 1);
	size_t grams = 0;

	if (strcmp(mode, "TF") != 0 && strcmp(mode, "IDF") != 0 && strcmp(mode, "TFIDF") != 0)
		return op_fail(c, err, LADDER_EINVAL, "mode '%s' is not TF, IDF or TFIDF", mode);
	if (op_attr(c, "pool_strings") != NULL)
		return op_fail(c, err, LADDER_EUNSUPPORTED, "string pools are not supported");
	if (pool == NULL || pool->type != LADDER_ATTR_INTS || counts == NULL ||
	    counts->type != LADDER_ATTR_INTS || indexes == NULL || indexes->type != LADDER_ATTR_INTS)
		return op_fail(c, err, LADDER_EINVAL, "pool_int64s, ngram_counts and ngram_indexes are required");
	if (minl < 1 || maxl < minl || (size_t)maxl > counts->n || op_attr_int(c, "max_skip_count", 0) < 0)
		return op_fail(c, err, LADDER_EINVAL, "bad gram lengths or skip count");
	for (size_t i = 0; i < counts->n; i++) {
		int64_t start = counts->ints[i], end = i + 1 < counts->n ? counts->ints[i + 1] : (int64_t)pool->n;

		if (start < 0 || end < start || end > (int64_t)pool->n || (end - start) % (int64_t)(i + 1) != 0)
			return op_fail(c, err, LADDER_EINVAL, "ngram_counts does not split the pool");
		grams += (size_t)((end - start) / (int64_t)(i + 1));
	}
	if (grams != indexes->n || (weights != NULL && weights->n != indexes->n))
		return op_fail(c, err, LADDER_EINVAL, "ngram_indexes/weights must have one entry per n-gram");
	for (size_t i = 0; i < indexes->n; i++)
		if (indexes->ints[i] < 0 || indexes->ints[i] > (1 << 24))
			return op_fail(c, err, LADDER_EINVAL, "ngram index out of range");
	return 0;
}

static int64_t
output_width(const struct op_ctx *c)
{
	const struct ladder_attr *indexes = op_attr(c, "ngram_indexes");
	int64_t mx = -1;

	for (size_t i = 0; i < indexes->n; i++)
		mx = indexes->ints[i] > mx ? indexes->ints[i] : mx;
	return mx + 1;
}

static int
tfidf_infer(struct op_ctx *c, struct ladder_err *err)
{
	const struct exec_value *x = c->in[0];
	int64_t dims[2];

	if (x->dtype != LADDER_DT_INT32 && x->dtype != LADDER_DT_INT64)
		return op_fail(c, err, LADDER_EUNSUPPORTED, "only int32/int64 inputs are supported");
	if (x->rank == 1) {
		dims[0] = output_width(c);
		op_set_shape(c->out[0], LADDER_DT_FLOAT, 1, dims);
	} else if (x->rank == 2) {
		dims[0] = x->dims[0];
		dims[1] = output_width(c);
		op_set_shape(c->out[0], LADDER_DT_FLOAT, 2, dims);
	} else {
		return op_fail(c, err, LADDER_EINVAL, "input must be 1-d or 2-d");
	}
	c->scratch_bytes = op_attr(c, "ngram_indexes")->n * sizeof(int64_t) + 8;
	return 0;
}

static int
tfidf_run(struct op_ctx *c, struct ladder_err *err)
{
	const struct exec_value *x = c->in[0];
	struct exec_value *y = c->out[0];
	const struct ladder_attr *counts = op_attr(c, "ngram_counts"), *indexes = op_attr(c, "ngram_indexes");
	const struct ladder_attr *pool = op_attr(c, "pool_int64s"), *weights = op_attr(c, "weights");
	const char *mode_s = op_attr_string(c, "mode", "TF");
	enum tfidf_mode mode = strcmp(mode_s, "TF") == 0 ? MODE_TF : strcmp(mode_s, "IDF") == 0 ? MODE_IDF : MODE_TFIDF;
	int64_t minl = op_attr_int(c, "min_gram_length", 1), maxl = op_attr_int(c, "max_gram_length", 1);
	int64_t max_skip = op_attr_int(c, "max_skip_count", 0);
	int64_t rows = x->rank == 2 ? x->dims[0] : 1, cols = x->dims[x->rank - 1], width = output_width(c);
	int64_t *cnt = c->scratch;
	float *out = y->data;

	for (int64_t r = 0; r < rows; r++) {
		memset(cnt, 0, indexes->n * sizeof *cnt);
		int64_t ordinal_base = 0;

		for (int64_t n = 1; n <= (int64_t)counts->n; n++) {
			int64_t start = counts->ints[n - 1];
			int64_t end = n < (int64_t)counts->n ? counts->ints[n] : (int64_t)pool->n;
			int64_t ngrams = (end - start) / n;

			if (n >= minl && n <= maxl) {
				for (int64_t s = 0; s <= (n == 1 ? 0 : max_skip); s++) {
					for (int64_t p = 0; p + (n - 1) * (s + 1) < cols; p++) {
						for (int64_t g = 0; g < ngrams; g++) {
							bool match = true;

							for (int64_t q = 0; q < n && match; q++)
								match = op_get_int(x, r * cols + p + q * (s + 1)) ==
								    pool->ints[start + g * n + q];
							if (match)
								cnt[ordinal_base + g]++;
						}
					}
				}
			}
			ordinal_base += ngrams;
		}
		for (int64_t j = 0; j < width; j++)
			out[r * width + j] = 0;
		for (size_t k = 0; k < indexes->n; k++) {
			double w = weights != NULL ? weights->floats[k] : 1.0, v;

			v = mode == MODE_TF ? (double)cnt[k] : mode == MODE_IDF ? (cnt[k] > 0 ? w : 0) :
			    (double)cnt[k] * w;
			out[r * width + indexes->ints[k]] = (float)v;
		}
	}
	(void)err;
	return 0;
}

const struct op_def op_TfIdfVectorizer = {
	.name = "TfIdfVectorizer", .domain = "", .n_in_min = 1, .n_in_max = 1, .n_out_min = 1,
	.n_out_max = 1, .check = tfidf_check, .infer = tfidf_infer, .run = tfidf_run,
};
