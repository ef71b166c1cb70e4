/* cmd-generate.c: `ladder generate`, build a model ladder. */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd.h"

static const struct cmd_option options[] = {
	{ "output", 'o', "DIR", false, "the ladder directory to write", COMPLETE_DIR, NULL },
	{ "recipe", 'r', "RECIPE", true, "add a rung recipe (fp16, int8-weights, int8, exit:NAME, "
	    "split:TENSOR, resolution:HxW; join with +, restrict with @MODEL)", COMPLETE_WORDS,
	    "fp16 int8-weights int8 exit: split: resolution:" },
	{ "no-rung", 0, "MODEL", true, "use MODEL only as a source for recipes, not as a rung",
	    COMPLETE_NONE, NULL },
	{ "name", 0, "NAME", false, "the ladder's name (default: the first model's)", COMPLETE_NONE, NULL },
	{ "calib", 0, "DATA", false, "calibration/fidelity samples: .npy, IDX file, or 'fmnist'",
	    COMPLETE_FILE, NULL },
	{ "calib-method", 0, "METHOD", false, "minmax (default), percentile or entropy",
	    COMPLETE_WORDS, "minmax percentile entropy" },
	{ "calib-samples", 0, "N", false, "samples used for calibration (default 256)",
	    COMPLETE_NONE, NULL },
	{ "fidelity-samples", 0, "N", false, "samples used to measure fidelity (default 500)",
	    COMPLETE_NONE, NULL },
	{ "fp16-keep", 0, "OPS", false, "comma-separated op types the fp16 recipe keeps in float32",
	    COMPLETE_NONE, NULL },
	{ "threads", 0, "N", false, "executor threads", COMPLETE_NONE, NULL },
	{ "json", 0, NULL, false, "print ladder.json to standard output", COMPLETE_NONE, NULL },
	{ 0 },
};

/* Loads the calibration data and binds each sample to the first model's input. */
static int
load_samples(struct cmd_ctx *ctx, const char *what, const char *model_path, size_t max,
    struct ladder_dataset **ds_out, struct ladder_samples *samples, struct ladder_tensor **inputs)
{
	struct ladder_data_spec spec;
	struct ladder_model *m = NULL;
	struct ladder_err err = { 0 };
	const struct ladder_value_info *in = NULL;
	int rc;

	if (strcmp(what, "fmnist") == 0) {
		ladder_data_spec_fmnist(&spec);
	} else {
		ladder_data_spec_init(&spec);
		snprintf(spec.data_path, sizeof spec.data_path, "%s", what);
	}
	spec.limit = max;
	rc = ladder_dataset_load(&spec, ds_out, &err);
	if (rc == 0)
		rc = ladder_model_load(model_path, &m, &err);
	if (rc != 0)
		return cmd_fail_err(ctx, &err);
	for (size_t i = 0; i < m->graph.n_inputs && in == NULL; i++)
		if (!ladder_graph_is_initializer(&m->graph, m->graph.inputs[i].name))
			in = &m->graph.inputs[i];
	if (in == NULL) {
		ladder_model_free(m);
		return cmd_fail(ctx, "'%s' has no input to feed calibration data to", model_path);
	}
	*inputs = xcalloc((*ds_out)->samples, sizeof **inputs);
	for (size_t i = 0; i < (*ds_out)->samples; i++) {
		rc = ladder_dataset_bind(*ds_out, in, i, 1, &(*inputs)[i], &err);
		if (rc != 0) {
			ladder_model_free(m);
			ladder_err_prefix(&err, "calibration data '%s'", what);
			return cmd_fail_err(ctx, &err);
		}
		/* Fed by position: the rungs of a family may name their input differently. */
		(*inputs)[i].name = NULL;
	}
	ladder_model_free(m);
	samples->n = (*ds_out)->samples;
	samples->inputs = *inputs;
	return 0;
}

static int
generate_exec(struct cmd_ctx *ctx)
{
	struct ladder_generate_options o = { 0 };
	struct ladder_err err = { 0 };
	struct ladder_dataset *ds = NULL;
	struct ladder_samples samples = { 0 };
	struct ladder_tensor *inputs = NULL;
	struct cli_progress bar;
	struct ladder_progress cb;
	const char **recipes, **no_rung = NULL;
	const char *method = cmd_opt(ctx, "calib-method");
	long calib_n, fid_n, threads;
	int rc;

	o.out_dir = cmd_opt(ctx, "output");
	if (o.out_dir == NULL)
		return cmd_usage_error(ctx, "missing -o DIR");
	if ((rc = cmd_opt_long(ctx, "calib-samples", 256, 1, 1000000, &calib_n)) != 0 ||
	    (rc = cmd_opt_long(ctx, "fidelity-samples", 500, 0, 1000000, &fid_n)) != 0 ||
	    (rc = cmd_opt_long(ctx, "threads", 1, 1, 256, &threads)) != 0)
		return rc;
	if (method == NULL || strcmp(method, "minmax") == 0)
		o.calib_method = LADDER_CALIB_MINMAX;
	else if (strcmp(method, "percentile") == 0)
		o.calib_method = LADDER_CALIB_PERCENTILE;
	else if (strcmp(method, "entropy") == 0)
		o.calib_method = LADDER_CALIB_ENTROPY;
	else
		return cmd_usage_error(ctx, "unknown calibration method '%s'", method);
	o.calib_percentile = 99.99;
	o.calib_samples = (size_t)calib_n;
	o.fidelity_samples = (size_t)fid_n;
	o.threads = (int)threads;
	o.name = cmd_opt(ctx, "name");
	o.fp16_keep = cmd_opt(ctx, "fp16-keep");
	o.n_models = (size_t)ctx->argc;
	o.models = (const char *const *)ctx->argv;
	o.n_recipes = cmd_opt_count(ctx, "recipe");
	recipes = xcalloc(o.n_recipes + 1, sizeof *recipes);
	for (size_t i = 0; i < o.n_recipes; i++) {
		recipes[i] = cmd_opt_nth(ctx, "recipe", i);
		if (ladder_recipe_check(recipes[i], &err) != 0) {
			free(recipes);
			return cmd_usage_error(ctx, "%s", err.msg);
		}
	}
	o.recipes = recipes;
	o.n_no_rung = cmd_opt_count(ctx, "no-rung");
	no_rung = xcalloc(o.n_no_rung + 1, sizeof *no_rung);
	for (size_t i = 0; i < o.n_no_rung; i++)
		no_rung[i] = cmd_opt_nth(ctx, "no-rung", i);
	o.no_rung = no_rung;
	if (cmd_opt(ctx, "calib") != NULL) {
		rc = load_samples(ctx, cmd_opt(ctx, "calib"), ctx->argv[0],
		    (size_t)calib_n + (size_t)fid_n, &ds, &samples, &inputs);
		if (rc != 0)
			goto out;
		o.samples = &samples;
	}
	cli_progress_init(&bar, ctx);
	cb = cli_progress_callback(&bar);
	rc = ladder_generate(&o, &cb, &err);
	cli_progress_done(&bar);
	if (rc != 0) {
		rc = cmd_fail_err(ctx, &err);
		goto out;
	}
	char path[PATH_MAX];
	char *text;
	size_t len;
	snprintf(path, sizeof path, "%s/ladder.json", o.out_dir);
	if (ladder_read_file(path, 0, &text, &len, &err) != 0) {
		rc = cmd_fail_err(ctx, &err);
		goto out;
	}
	if (cmd_flag(ctx, "json"))
		fwrite(text, 1, len, stdout);
	else
		cmd_info(ctx, "wrote %s", path);
	free(text);
	rc = 0;
out:
	free(inputs);
	ladder_dataset_free(ds);
	free(recipes);
	free(no_rung);
	return rc;
}

const struct cmd_entry cmd_generate_entry = {
	.name = "generate",
	.summary = "build a model ladder from one model or a family of models",
	.usage = "[-r recipe] [--no-rung model] [--name name] [--calib data] [--calib-method method] "
	    "[--calib-samples n] [--fidelity-samples n] [--fp16-keep ops] [--threads n] [--json] "
	    "-o dir model ...",
	.options = options,
	.min_args = 1,
	.max_args = -1,
	.args_complete = COMPLETE_FILE,
	.exec = generate_exec,
};
