/* fidelity.c: how closely a rung follows its parent on sample inputs. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "generate/gen.h"
#include "ladder-exec.h"
#include "util/banned.h"

static int64_t
argmax(const float *v, int64_t n)
{
	int64_t best = 0;

	for (int64_t i = 1; i < n; i++)
		if (v[i] > v[best])
			best = i;
	return best;
}

int
ladder_fidelity_measure(const struct ladder_model *parent, const struct ladder_model *rung,
    const struct ladder_samples *samples, size_t max_samples, int threads,
    struct ladder_fidelity *out, struct ladder_err *err)
{
	struct ladder_exec *a = NULL, *b = NULL;
	size_t n = samples ? samples->n : 0, agree = 0;
	double max_rel = 0, sum_rel = 0;
	float *ref = NULL;
	int rc;

	if (max_samples > 0 && n > max_samples)
		n = max_samples;
	memset(out, 0, sizeof *out);
	if (n == 0)
		return 0;
	rc = gen_exec_new(parent, threads, &a, err);
	if (rc == 0)
		rc = gen_exec_new(rung, threads, &b, err);
	for (size_t s = 0; s < n && rc == 0; s++) {
		const struct ladder_tensor *ta, *tb;
		int64_t numel;

		rc = ladder_exec_run(a, &samples->inputs[s], 1, err);
		if (rc != 0)
			break;
		ta = ladder_exec_output(a, 0);
		numel = ladder_tensor_numel(ta);
		if (ta->dtype != LADDER_DT_FLOAT || numel <= 0) {
			rc = ladder_errf(err, LADDER_EUNSUPPORTED, "fidelity needs a float32 output");
			break;
		}
		free(ref);
		ref = malloc((size_t)numel * sizeof *ref);
		if (ref == NULL) {
			rc = ladder_errf(err, LADDER_ENOMEM, "out of memory");
			break;
		}
		memcpy(ref, ta->data, (size_t)numel * sizeof *ref);
		rc = ladder_exec_run(b, &samples->inputs[s], 1, err);
		if (rc != 0)
			break;
		tb = ladder_exec_output(b, 0);
		if (tb->dtype != LADDER_DT_FLOAT || ladder_tensor_numel(tb) != numel) {
			rc = ladder_errf(err, LADDER_EFORMAT, "rung output differs in type or size from its parent's");
			break;
		}
		const float *v = tb->data;
		double scale = 0, diff = 0;
		for (int64_t i = 0; i < numel; i++) {
			scale = fmax(scale, fabs(ref[i]));
			diff = fmax(diff, fabs((double)v[i] - ref[i]));
		}
		double rel = diff / fmax(scale, 1e-12);
		max_rel = fmax(max_rel, rel);
		sum_rel += rel;
		/* Top-1 over the last axis of the first row. */
		int64_t classes = ta->rank > 0 ? ta->dims[ta->rank - 1] : numel;
		agree += argmax(ref, classes) == argmax(v, classes);
	}
	if (rc == 0) {
		out->samples = n;
		out->top1_agreement = (double)agree / (double)n;
		out->max_rel_err = max_rel;
		out->mean_rel_err = sum_rel / (double)n;
	}
	free(ref);
	ladder_exec_free(a);
	ladder_exec_free(b);
	return rc;
}
