/* cmd-thresholds.c: `ladder thresholds`: certified confidence-cascade thresholds from a profile. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd.h"

static const struct cmd_option thresholds_options[] = {
	{ "output", 'o', "FILE", false, "write thresholds.json to FILE", COMPLETE_FILE, NULL },
	{ "json", 0, NULL, false, "print thresholds.json instead of the table", COMPLETE_NONE, NULL },
	{ "plot", 0, "FILE", false, "write an SVG of accuracy against cost", COMPLETE_FILE, NULL },
	{ "targets", 't', "SPEC", false,
	    "accuracy targets: A,B,... or FROM:TO:STEP (default: cheapest to best rung)",
	    COMPLETE_NONE, NULL },
	{ "risk", 0, "R", false, "risk of missing a target on new data (default 0.05)",
	    COMPLETE_NONE, NULL },
	{ "level", 0, "P", false, "confidence level of the bound (default 1 - risk = 0.95)",
	    COMPLETE_NONE, NULL },
	{ "check", 0, "N", false,
	    "state the guarantee for a check on N fresh samples (default 0: true accuracy)",
	    COMPLETE_NONE, NULL },
	{ "bound", 0, "KIND", false, "clopper-pearson (default) or wilson", COMPLETE_WORDS,
	    "clopper-pearson wilson" },
	{ "method", 0, "METHOD", false,
	    "ltt-fixed-sequence (default), split-certify, none, wilson-each", COMPLETE_WORDS,
	    "ltt-fixed-sequence split-certify none wilson-each" },
	{ "cost", 0, "KIND", false, "latency_dollars (default), energy or macs", COMPLETE_WORDS,
	    "latency_dollars energy macs" },
	{ "ladder", 0, "FILE", false, "ladder.json (MACs, needed by --cost macs)", COMPLETE_FILE,
	    NULL },
	{ "data", 0, "NAME", false, "data set of the profile to use (name or sha256)",
	    COMPLETE_NONE, NULL },
	{ "measure", 'm', "MEASURE", true,
	    "confidence measure to try (repeatable; default all)", COMPLETE_WORDS,
	    "max_softmax margin entropy temp_softmax" },
	{ "max-chain", 0, "N", false, "longest chain, 1 to 3 (default 3)", COMPLETE_NONE, NULL },
	{ "seed", 0, "N", false, "seed of the random splits (default 1)", COMPLETE_NONE, NULL },
	{ "calibration", 0, "F", false, "fraction of samples for calibration (default 0.5)",
	    COMPLETE_NONE, NULL },
	{ "repeat", 0, "N", false, "rerun the selection over N random splits, report misses",
	    COMPLETE_NONE, NULL },
	{ "holdout", 0, "F", false, "with --repeat: fraction held out (default 0.5)",
	    COMPLETE_NONE, NULL },
	{ "usd-per-gb", 0, "X", false, "network price per escalation (default 0.02)",
	    COMPLETE_NONE, NULL },
	{ "bandwidth-mbps", 0, "X", false, "link bandwidth (default 50)", COMPLETE_NONE, NULL },
	{ "rtt-ms", 0, "X", false, "link round trip (default 20)", COMPLETE_NONE, NULL },
	{ "input-bytes", 0, "N", false, "bytes sent per escalation (default 0)", COMPLETE_NONE,
	    NULL },
	{ 0 },
};

static int
write_out(struct cmd_ctx *ctx, const char *path, const char *text)
{
	struct ladder_err err = { 0 };

	if (ladder_write_file(path, text, strlen(text), &err) != 0)
		return cmd_fail_err(ctx, &err);
	return 0;
}

static int
cmd_thresholds_exec(struct cmd_ctx *ctx)
{
	struct ladder_thresholds_options o;
	struct ladder_thresholds *t = NULL;
	struct ladder_err err = { 0 };
	struct cli_progress bar;
	struct ladder_progress progress;
	double *targets = NULL;
	const char *v;
	long n;
	int rc;

	ladder_thresholds_options_init(&o);
	o.profile_path = ctx->argv[0];
	o.ladder_path = cmd_opt(ctx, "ladder");
	o.data = cmd_opt(ctx, "data");
	if ((rc = cmd_opt_double(ctx, "risk", 0.05, 1e-6, 0.5, &o.risk)) != 0 ||
	    (rc = cmd_opt_double(ctx, "level", 1 - o.risk, 0.5, 0.999999, &o.level)) != 0 ||
	    (rc = cmd_opt_double(ctx, "calibration", 0.5, 0.01, 0.99, &o.calibration)) != 0 ||
	    (rc = cmd_opt_double(ctx, "holdout", 0.5, 0.01, 0.99, &o.holdout)) != 0 ||
	    (rc = cmd_opt_double(ctx, "usd-per-gb", 0.02, 0, 1e6, &o.network_usd_per_gb)) != 0 ||
	    (rc = cmd_opt_double(ctx, "bandwidth-mbps", 50, 0, 1e9, &o.bandwidth_mbps)) != 0 ||
	    (rc = cmd_opt_double(ctx, "rtt-ms", 20, 0, 1e7, &o.rtt_ms)) != 0 ||
	    (rc = cmd_opt_double(ctx, "input-bytes", 0, 0, 1e12, &o.input_bytes)) != 0)
		return rc;
	if ((rc = cmd_opt_long(ctx, "max-chain", 3, 1, 3, &n)) != 0)
		return rc;
	o.max_chain = (int)n;
	if ((rc = cmd_opt_long(ctx, "seed", 1, 0, 0x7fffffffL, &n)) != 0)
		return rc;
	o.seed = (uint64_t)n;
	if ((rc = cmd_opt_long(ctx, "check", 0, 0, 0x7fffffffL, &n)) != 0)
		return rc;
	o.check_samples = (uint64_t)n;
	if ((rc = cmd_opt_long(ctx, "repeat", 0, 0, 10000, &n)) != 0)
		return rc;
	o.repeat = (int)n;
	if ((v = cmd_opt(ctx, "bound")) != NULL) {
		if (strcmp(v, "clopper-pearson") == 0)
			o.bound = LADDER_BOUND_CLOPPER_PEARSON;
		else if (strcmp(v, "wilson") == 0)
			o.bound = LADDER_BOUND_WILSON;
		else
			return cmd_usage_error(ctx, "unknown bound '%s' (clopper-pearson or wilson)", v);
	}
	if ((v = cmd_opt(ctx, "method")) != NULL && ladder_certify_method_parse(v, &o.method) != 0)
		return cmd_usage_error(ctx, "unknown method '%s' (ltt-fixed-sequence, split-certify, "
		    "none or wilson-each)", v);
	if ((v = cmd_opt(ctx, "cost")) != NULL && ladder_cost_kind_parse(v, &o.cost_kind) != 0)
		return cmd_usage_error(ctx, "unknown cost model '%s' (latency_dollars, energy or macs)",
		    v);
	for (size_t i = 0; i < cmd_opt_count(ctx, "measure"); i++) {
		enum ladder_measure m;
		v = cmd_opt_nth(ctx, "measure", i);
		if (ladder_measure_parse(v, &m) != 0)
			return cmd_usage_error(ctx, "unknown measure '%s' (max_softmax, margin, entropy "
			    "or temp_softmax)", v);
		o.measures |= 1u << m;
	}
	if ((v = cmd_opt(ctx, "targets")) != NULL) {
		size_t nt;
		if (ladder_targets_parse(v, &targets, &nt, &err) != 0)
			return cmd_usage_error(ctx, "%s", err.msg);
		o.targets = targets;
		o.n_targets = nt;
	}
	cli_progress_init(&bar, ctx);
	progress = cli_progress_callback(&bar);
	o.progress = &progress;
	rc = ladder_thresholds_run(&o, &t, &err);
	cli_progress_done(&bar);
	free(targets);
	if (rc != 0)
		return cmd_fail_err(ctx, &err);

	char *json = ladder_thresholds_json(t);
	char *table = cmd_flag(ctx, "json") ? NULL : ladder_thresholds_table(t);
	char *svg = cmd_opt(ctx, "plot") ? ladder_thresholds_svg(t) : NULL;
	if (json == NULL || (!cmd_flag(ctx, "json") && table == NULL) ||
	    (cmd_opt(ctx, "plot") && svg == NULL)) {
		rc = cmd_fail(ctx, "out of memory");
		goto out;
	}
	if ((v = cmd_opt(ctx, "output")) != NULL && (rc = write_out(ctx, v, json)) != 0)
		goto out;
	if ((v = cmd_opt(ctx, "plot")) != NULL && (rc = write_out(ctx, v, svg)) != 0)
		goto out;
	if (cmd_flag(ctx, "json"))
		fputs(json, stdout);
	else if (ctx->verbosity >= 0)
		fputs(table, stdout);
	if ((v = cmd_opt(ctx, "output")) != NULL)
		cmd_info(ctx, "wrote %s", v);
	rc = 0;
out:
	free(json);
	free(table);
	free(svg);
	ladder_thresholds_free(t);
	return rc;
}

const struct cmd_entry cmd_thresholds_entry = {
	.name = "thresholds",
	.summary = "derive certified confidence-cascade thresholds from a profile",
	.usage = "[-q] [-v] [--json] [-o FILE] [--plot FILE] [-t SPEC] [--risk R] [--level P] [--check N] "
	    "[--bound KIND] "
	    "[--method METHOD] [--cost KIND] [--ladder FILE] [--data NAME] [-m MEASURE] "
	    "[--max-chain N] [--seed N] [--calibration F] [--repeat N] [--holdout F] "
	    "[--usd-per-gb X] [--bandwidth-mbps X] [--rtt-ms X] [--input-bytes N] PROFILE",
	.options = thresholds_options,
	.min_args = 1,
	.max_args = 1,
	.args_complete = COMPLETE_FILE,
	.exec = cmd_thresholds_exec,
};
