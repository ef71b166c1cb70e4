/* cmd-profile.c: `ladder profile`: measure rungs on this machine; `ladder profile merge`. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd.h"

static const struct cmd_option profile_options[] = {
	{ "output", 'o', "FILE", false, "profile to update (read as a cache, then written)", COMPLETE_FILE, NULL },
	{ "hardware", 'H', "NAME|FILE", false, "hardware profile of this machine (profiles/NAME.yaml)", COMPLETE_FILE, NULL },
	{ "data", 'd', "SPEC|FILE", false, "data spec (.yaml/.json) or a samples file (with --labels)", COMPLETE_FILE, NULL },
	{ "labels", 0, "FILE", false, "labels file (.npy, .npz, .pb, IDX)", COMPLETE_FILE, NULL },
	{ "fmnist", 0, NULL, false, "use Debian's Fashion-MNIST test set, scaled to [0, 1]", COMPLETE_NONE, NULL },
	{ "scale", 0, "X", false, "multiply samples by X (e.g. 1/255)", COMPLETE_NONE, NULL },
	{ "mean", 0, "LIST", false, "per-channel mean subtracted after scaling", COMPLETE_NONE, NULL },
	{ "std", 0, "LIST", false, "per-channel std divided by after the mean", COMPLETE_NONE, NULL },
	{ "layout", 0, "NCHW|NHWC", false, "layout fed to the model", COMPLETE_WORDS, "NCHW NHWC" },
	{ "source-layout", 0, "NCHW|NHWC", false, "layout of rank-4 data in the file", COMPLETE_WORDS, "NCHW NHWC" },
	{ "dtype", 0, "TYPE", false, "dtype fed to the model", COMPLETE_WORDS, "float32 uint8" },
	{ "limit", 0, "N", false, "use the first N samples", COMPLETE_NONE, NULL },
	{ "threads", 't', "N", false, "executor threads (default 1)", COMPLETE_NONE, NULL },
	{ "batch", 'b', "LIST", false, "offline batch sizes (default 1,8,32)", COMPLETE_NONE, NULL },
	{ "target-ci", 0, "PCT", false, "stop when the p50 CI half-width is below PCT % (default 2)", COMPLETE_NONE, NULL },
	{ "budget", 0, "SECONDS", false, "latency time budget per rung (default 2)", COMPLETE_NONE, NULL },
	{ "server-p99-ms", 0, "MS", false, "p99 bound of the server scenario (default 10)", COMPLETE_NONE, NULL },
	{ "seed", 0, "N", false, "seed of the server scenario's arrivals (default 1)", COMPLETE_NONE, NULL },
	{ "runner", 0, "CMD", false, "external runner command with {model} (see ladder-profile(1))", COMPLETE_NONE, NULL },
	{ "model-as", 'm', "NAME|FILE", true, "also write modelled entries for this hardware", COMPLETE_FILE, NULL },
	{ "force", 'f', NULL, false, "measure again what the profile already holds", COMPLETE_NONE, NULL },
	{ "json", 0, NULL, false, "print a JSON summary instead of a table", COMPLETE_NONE, NULL },
	{ 0 },
};

static bool
has_suffix(const char *s, const char *suffix)
{
	size_t a = strlen(s), b = strlen(suffix);

	return a >= b && strcmp(s + a - b, suffix) == 0;
}

static int
build_spec(struct cmd_ctx *ctx, struct ladder_data_spec *spec, bool *have)
{
	const char *data = cmd_opt(ctx, "data"), *labels = cmd_opt(ctx, "labels"), *v;
	struct ladder_err err = { 0 };
	long limit;

	*have = false;
	if (cmd_flag(ctx, "fmnist")) {
		if (data != NULL)
			return cmd_usage_error(ctx, "give --fmnist or --data, not both");
		ladder_data_spec_fmnist(spec);
		*have = true;
	} else if (data != NULL && labels == NULL &&
	    (has_suffix(data, ".yaml") || has_suffix(data, ".yml") || has_suffix(data, ".json"))) {
		if (ladder_data_spec_load(data, spec, &err) != 0)
			return cmd_fail_err(ctx, &err);
		*have = true;
	} else if (data != NULL) {
		if (labels == NULL)
			return cmd_usage_error(ctx, "--data FILE needs --labels FILE (or give a data spec)");
		ladder_data_spec_init(spec);
		snprintf(spec->data_path, sizeof spec->data_path, "%s", data);
		snprintf(spec->name, sizeof spec->name, "%s", strrchr(data, '/') ? strrchr(data, '/') + 1 : data);
		*have = true;
	} else {
		static const char *const needs[] = { "labels", "scale", "mean", "std", "layout",
			"source-layout", "dtype", "limit" };

		for (size_t i = 0; i < sizeof needs / sizeof needs[0]; i++) {
			if (cmd_opt(ctx, needs[i]) != NULL)
				return cmd_usage_error(ctx, "--%s needs --data or --fmnist", needs[i]);
		}
		return 0;
	}
	if (labels != NULL)
		snprintf(spec->labels_path, sizeof spec->labels_path, "%s", labels);
	if ((v = cmd_opt(ctx, "scale")) != NULL) {
		char *end;
		double a = strtod(v, &end), b = 1;

		if (end != v && *end == '/')
			b = strtod(end + 1, &end);
		if (end == v || *end != '\0' || b == 0 || !isfinite(a / b))
			return cmd_usage_error(ctx, "option '--scale' needs a number or a ratio like 1/255, not '%s'", v);
		spec->scale = a / b;
	}
	if ((v = cmd_opt(ctx, "mean")) != NULL &&
	    ladder_data_parse_channels(v, spec->mean, &spec->n_mean, &err) != 0)
		return cmd_usage_error(ctx, "option '--mean': %s", err.msg);
	if ((v = cmd_opt(ctx, "std")) != NULL &&
	    ladder_data_parse_channels(v, spec->std, &spec->n_std, &err) != 0)
		return cmd_usage_error(ctx, "option '--std': %s", err.msg);
	for (int k = 0; k < 2; k++) {
		v = cmd_opt(ctx, k ? "source-layout" : "layout");
		if (v == NULL)
			continue;
		if (strcmp(v, "NCHW") != 0 && strcmp(v, "NHWC") != 0)
			return cmd_usage_error(ctx, "option '--%s' needs NCHW or NHWC, not '%s'",
			    k ? "source-layout" : "layout", v);
		snprintf(k ? spec->source_layout : spec->layout, sizeof spec->layout, "%s", v);
	}
	if ((v = cmd_opt(ctx, "dtype")) != NULL) {
		spec->dtype = ladder_dtype_parse(v);
		if (spec->dtype != LADDER_DT_FLOAT && spec->dtype != LADDER_DT_UINT8)
			return cmd_usage_error(ctx, "option '--dtype' needs float32 or uint8, not '%s'", v);
	}
	if (cmd_opt_long(ctx, "limit", 0, 0, 1000000000, &limit) != 0)
		return 2;
	if (limit > 0)
		spec->limit = (size_t)limit;
	return 0;
}

static int
parse_batches(struct cmd_ctx *ctx, int *out, size_t *n)
{
	const char *v = cmd_opt(ctx, "batch"), *p = v;

	*n = 0;
	if (v == NULL)
		return 0;
	for (;;) {
		char *end;
		long b = strtol(p, &end, 10);

		if (end == p || b < 1 || b > 65536 || *n == 16)
			return cmd_usage_error(ctx, "option '--batch' needs up to 16 sizes like 1,8,32, not '%s'", v);
		out[(*n)++] = (int)b;
		if (*end == '\0')
			return 0;
		if (*end != ',')
			return cmd_usage_error(ctx, "option '--batch' needs up to 16 sizes like 1,8,32, not '%s'", v);
		p = end + 1;
	}
}

static void
fmt_num(char *out, size_t size, double v, const char *fmt)
{
	if (isfinite(v))
		snprintf(out, size, fmt, v);
	else
		snprintf(out, size, "-");
}

static void
print_table(const struct ladder_profile_result *r)
{
	printf("%-16s %-16s %9s %9s %6s %11s %10s %7s %11s %10s  %s\n", "RUNG", "HARDWARE", "P50_MS",
	    "P99_MS", "CI%", "BEST_IPS", "SERVER_IPS", "TOP1", "J/INF", "MEM_KIB", "STATUS");
	for (size_t i = 0; i < r->n_rows; i++) {
		const struct ladder_profile_row *w = &r->rows[i];
		char p50[32], p99[32], ci[32], ips[48], srv[32], top1[32], j[48], mem[32];

		fmt_num(p50, sizeof p50, w->p50_ms, "%.4f");
		fmt_num(p99, sizeof p99, w->p99_ms, "%.4f");
		fmt_num(ci, sizeof ci, w->ci_rel_halfwidth * 100, "%.1f");
		if (isfinite(w->best_throughput_ips))
			snprintf(ips, sizeof ips, "%.0f@%d", w->best_throughput_ips, w->best_batch);
		else
			snprintf(ips, sizeof ips, "-");
		fmt_num(srv, sizeof srv, w->server_max_rate_ips, "%.0f");
		fmt_num(top1, sizeof top1, w->top1, "%.4f");
		if (isfinite(w->joules_per_inference))
			snprintf(j, sizeof j, "%.2e%s", w->joules_per_inference,
			    strcmp(w->energy_source, "modelled") == 0 ? "*" : "");
		else
			snprintf(j, sizeof j, "-");
		snprintf(mem, sizeof mem, "%lld", (long long)((w->arena_bytes + w->weight_bytes) / 1024));
		printf("%-16.16s %-16.16s %9s %9s %6s %11s %10s %7s %11s %10s  %s%s\n", w->rung,
		    w->hardware, p50, p99, ci, ips, srv, top1, j, mem,
		    w->modelled ? "modelled" : w->cached ? "cached" : "measured",
		    !w->modelled && !w->cached && !w->converged ? " (not converged)" : "");
	}
	for (size_t i = 0; i < r->n_rows; i++) {
		if (strcmp(r->rows[i].energy_source, "modelled") == 0) {
			printf("(* energy modelled from the hardware profile's active watts)\n");
			break;
		}
	}
	/* No capacity: the planner reads 0 as "cannot serve on this hardware". */
	for (size_t i = 0; i < r->n_rows; i++) {
		const struct ladder_profile_row *w = &r->rows[i];

		if (w->server_max_rate_ips == 0)
			printf("(! %s on %s: %sp99 %.4g ms exceeds the server bound %.4g ms: server "
			    "capacity 0, the planner will not place it there)\n", w->rung, w->hardware,
			    w->modelled ? "modelled " : "", w->p99_ms, w->server_p99_bound_ms);
	}
}

/* A JSON string literal (names and paths come from users). */
static void
put_json_string(const char *s)
{
	putchar('"');
	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		if (*p == '"' || *p == '\\')
			printf("\\%c", *p);
		else if (*p < 0x20)
			printf("\\u%04x", *p);
		else
			putchar(*p);
	}
	putchar('"');
}

static void
print_json(const struct ladder_profile_result *r, const char *output)
{
	printf("{\n  \"schema\": \"ladder.profile-summary/1\",\n  \"output\": ");
	put_json_string(output);
	printf(",\n  \"fingerprint\": \"%s\",\n  \"measured\": %zu,\n  \"reused\": %zu,\n"
	    "  \"modelled\": %zu,\n  \"rows\": [", r->hardware_fingerprint, r->measured, r->reused,
	    r->modelled);
	for (size_t i = 0; i < r->n_rows; i++) {
		const struct ladder_profile_row *w = &r->rows[i];
		char p50[32], p99[32], ips[32], srv[32], bound[32], top1[32], top5[32], j[32];

		fmt_num(p50, sizeof p50, w->p50_ms, "%.6g");
		fmt_num(p99, sizeof p99, w->p99_ms, "%.6g");
		fmt_num(ips, sizeof ips, w->best_throughput_ips, "%.6g");
		fmt_num(srv, sizeof srv, w->server_max_rate_ips, "%.6g");
		fmt_num(bound, sizeof bound, w->server_p99_bound_ms, "%.6g");
		fmt_num(top1, sizeof top1, w->top1, "%.6g");
		fmt_num(top5, sizeof top5, w->top5, "%.6g");
		fmt_num(j, sizeof j, w->joules_per_inference, "%.6g");
#define JN(s) (strcmp(s, "-") == 0 ? "null" : s)
		printf("%s\n    {\"rung\": ", i ? "," : "");
		put_json_string(w->rung);
		printf(", \"sha256\": \"%s\", \"hardware\": ", w->sha256);
		put_json_string(w->hardware);
		printf(", \"status\": \"%s\", \"p50_ms\": %s, \"p99_ms\": %s, \"converged\": %s, "
		    "\"best_throughput_ips\": %s, \"server_max_rate_ips\": %s, \"server_p99_bound_ms\": %s, \"top1\": %s, \"top5\": %s, "
		    "\"joules_per_inference\": %s, \"energy_source\": %s%s%s}",
		    w->modelled ? "modelled" : w->cached ? "cached" : "measured", JN(p50), JN(p99),
		    w->converged ? "true" : "false", JN(ips), JN(srv), JN(bound), JN(top1), JN(top5), JN(j),
		    w->energy_source[0] ? "\"" : "", w->energy_source[0] ? w->energy_source : "null",
		    w->energy_source[0] ? "\"" : "");
#undef JN
	}
	printf("\n  ],\n  \"energy_note\": ");
	if (r->energy_note[0] != '\0')
		put_json_string(r->energy_note);
	else
		printf("null");
	printf("\n}\n");
}

static int
profile_merge(struct cmd_ctx *ctx)
{
	const char *output = cmd_opt(ctx, "output");
	struct ladder_err err = { 0 };

	if (output == NULL)
		return cmd_usage_error(ctx, "merge needs -o OUT.json");
	if (ctx->argc < 2)
		return cmd_usage_error(ctx, "merge needs at least one profile");
	if (ladder_profile_merge((const char *const *)ctx->argv + 1, (size_t)ctx->argc - 1, output,
	    &err) != 0)
		return cmd_fail_err(ctx, &err);
	cmd_info(ctx, "merged %d profiles into %s", ctx->argc - 1, output);
	return 0;
}

static int
profile_exec(struct cmd_ctx *ctx)
{
	struct ladder_profile_options o;
	struct ladder_profile_result *res = NULL;
	struct ladder_data_spec spec;
	struct ladder_err err = { 0 };
	struct cli_progress bar;
	struct ladder_progress cb;
	const char **model_as = NULL;
	int batches[16];
	size_t n_batches;
	bool have_data;
	double pct;
	long threads, seed;
	int rc;

	if (ctx->argc >= 1 && strcmp(ctx->argv[0], "merge") == 0)
		return profile_merge(ctx);
	ladder_profile_options_init(&o);
	o.output = cmd_opt(ctx, "output");
	if (o.output == NULL)
		return cmd_usage_error(ctx, "needs -o PROFILE.json");
	if (ctx->argc < 1)
		return cmd_usage_error(ctx, "needs a ladder.json or ONNX files");
	if ((rc = build_spec(ctx, &spec, &have_data)) != 0)
		return rc;
	if ((rc = parse_batches(ctx, batches, &n_batches)) != 0)
		return rc;
	if (cmd_opt_long(ctx, "threads", 1, 1, 1024, &threads) != 0 ||
	    cmd_opt_double(ctx, "target-ci", 2, 0.01, 100, &pct) != 0 ||
	    cmd_opt_double(ctx, "budget", 2, 0.01, 3600, &o.budget_s) != 0 ||
	    cmd_opt_double(ctx, "server-p99-ms", 10, 0.001, 1e6, &o.server_p99_ms) != 0 ||
	    cmd_opt_long(ctx, "seed", 1, 0, 2147483647, &seed) != 0)
		return 2;
	o.threads = (int)threads;
	o.target_ci = pct / 100;
	o.seed = (uint64_t)seed;
	o.inputs = (const char *const *)ctx->argv;
	o.n_inputs = (size_t)ctx->argc;
	o.hardware = cmd_opt(ctx, "hardware");
	o.data = have_data ? &spec : NULL;
	o.runner = cmd_opt(ctx, "runner");
	o.force = cmd_flag(ctx, "force");
	if (n_batches > 0) {
		o.batches = batches;
		o.n_batches = n_batches;
	}
	o.n_model_as = cmd_opt_count(ctx, "model-as");
	if (o.n_model_as > 0) {
		model_as = xcalloc(o.n_model_as, sizeof *model_as);
		for (size_t i = 0; i < o.n_model_as; i++)
			model_as[i] = cmd_opt_nth(ctx, "model-as", i);
		o.model_as = model_as;
	}
	cli_progress_init(&bar, ctx);
	cb = cli_progress_callback(&bar);
	rc = ladder_profile_run(&o, &cb, &res, &err);
	cli_progress_done(&bar);
	free(model_as);
	if (rc != 0)
		return cmd_fail_err(ctx, &err);
	if (cmd_flag(ctx, "json"))
		print_json(res, o.output);
	else if (ctx->verbosity >= 0)
		print_table(res);
	if (ctx->verbosity >= 1 && res->energy_note[0] != '\0') {
		bool modelled = false;

		for (size_t i = 0; i < res->n_rows; i++)
			modelled |= !res->rows[i].modelled && !res->rows[i].cached &&
			    strcmp(res->rows[i].energy_source, "modelled") == 0;
		cmd_info(ctx, "energy not measured: %s; %s", res->energy_note,
		    modelled ? "modelled from the hardware profile's watts" :
		    "unknown (no hardware profile with power_w)");
	}
	cmd_info(ctx, "%zu measured, %zu reused, %zu modelled; wrote %s", res->measured, res->reused,
	    res->modelled, o.output);
	ladder_profile_result_free(res);
	return 0;
}

const struct cmd_entry cmd_profile_entry = {
	.name = "profile",
	.summary = "measure latency, throughput, memory, energy and accuracy of rungs",
	.usage = "[-f] [--json] [-H NAME|FILE] [-d SPEC|FILE [--labels FILE]] [--fmnist] [-b LIST]\n"
	    "       [-t N] [--budget SECONDS] [--target-ci PCT] [--server-p99-ms MS] [--runner CMD]\n"
	    "       [-m NAME|FILE]... -o FILE LADDER.json|MODEL.onnx ...\n"
	    "       ladder profile merge -o FILE PROFILE.json ...",
	.options = profile_options,
	.min_args = 0,
	.max_args = -1,
	.args_complete = COMPLETE_FILE,
	.exec = profile_exec,
};
