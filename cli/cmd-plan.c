/* cmd-plan.c: `ladder plan`: cost-minimal placement of rungs and cascades on a tiered fleet. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd.h"

static const struct cmd_option plan_options[] = {
	{ "output", 'o', "FILE", false, "write plan.json to FILE", COMPLETE_FILE, NULL },
	{ "profile", 'p', "FILE", true, "profile.json to use (repeatable; default: the topology's)",
	    COMPLETE_FILE, NULL },
	{ "thresholds", 't', "FILE", false, "thresholds.json to use (default: the topology's)",
	    COMPLETE_FILE, NULL },
	{ "epoch", 0, "N", false, "plan epoch to write (default 1)", COMPLETE_NONE, NULL },
	{ "time-limit", 0, "SECONDS", false, "solver time limit (default 10)", COMPLETE_NONE, NULL },
	{ "gap", 0, "G", false, "relative MIP gap to stop at (default 0.005)", COMPLETE_NONE, NULL },
	{ "explain", 0, NULL, false, "add the sensitivity report", COMPLETE_NONE, NULL },
	{ "no-baselines", 0, NULL, false, "skip the baselines (cloud-only, edge-only, device-only, greedy) "
	    "and the ablations", COMPLETE_NONE, NULL },
	{ "json", 0, NULL, false, "print plan.json to standard output instead of the summary",
	    COMPLETE_NONE, NULL },
	{ 0 },
};

static int
cmd_plan_exec(struct cmd_ctx *ctx)
{
	struct ladder_plan_options opt = { 0 };
	struct ladder_err err = { 0 };
	struct ladder_plan *plan = NULL;
	struct cli_progress prog;
	struct ladder_progress cb;
	const char *out = cmd_opt(ctx, "output"), *sde = getenv("SOURCE_DATE_EPOCH");
	const char **profiles = NULL;
	int rc;

	opt.topology_path = ctx->argv[0];
	opt.output_path = out;
	opt.thresholds_path = cmd_opt(ctx, "thresholds");
	opt.explain = cmd_flag(ctx, "explain");
	opt.baselines = !cmd_flag(ctx, "no-baselines");
	if ((rc = cmd_opt_long(ctx, "epoch", 1, 1, 1000000000L, &opt.epoch)) != 0 ||
	    (rc = cmd_opt_double(ctx, "time-limit", 10, 0.1, 86400, &opt.time_limit_s)) != 0 ||
	    (rc = cmd_opt_double(ctx, "gap", 0.005, 1e-9, 1, &opt.gap)) != 0)
		return rc;
	/* Reproducible output: SOURCE_DATE_EPOCH fixes "created". */
	if (sde != NULL && sde[0] != '\0')
		opt.created_unix = strtoll(sde, NULL, 10);
	opt.n_profiles = cmd_opt_count(ctx, "profile");
	if (opt.n_profiles > 0) {
		profiles = xcalloc(opt.n_profiles, sizeof *profiles);
		for (size_t i = 0; i < opt.n_profiles; i++)
			profiles[i] = cmd_opt_nth(ctx, "profile", i);
		opt.profile_paths = profiles;
	}
	cli_progress_init(&prog, ctx);
	cb = cli_progress_callback(&prog);
	rc = ladder_plan_solve(&opt, &plan, &cb, &err);
	cli_progress_done(&prog);
	free(profiles);
	if (rc != 0)
		return cmd_fail_err(ctx, &err);
	if (out != NULL) {
		const char *j = ladder_plan_json(plan);
		size_t len = strlen(j);
		char *text = xmalloc(len + 2);

		memcpy(text, j, len);
		text[len] = '\n';
		rc = ladder_write_file(out, text, len + 1, &err);
		free(text);
		if (rc != 0) {
			ladder_plan_free(plan);
			return cmd_fail_err(ctx, &err);
		}
	}
	if (cmd_flag(ctx, "json"))
		printf("%s\n", ladder_plan_json(plan));
	else if (ctx->verbosity >= 0 || !ladder_plan_feasible(plan))
		fputs(ladder_plan_summary(plan), stdout);
	if (!ladder_plan_feasible(plan)) {
		rc = cmd_fail(ctx, "infeasible: %zu workload class(es) cannot be served; first: %s",
		    ladder_plan_unserved_count(plan), ladder_plan_unserved(plan, 0));
		ladder_plan_free(plan);
		return rc;
	}
	if (out != NULL)
		cmd_info(ctx, "wrote '%s' ($%.4f/h, gap %.2f%%)", out, ladder_plan_cost(plan),
		    100 * ladder_plan_gap(plan));
	ladder_plan_free(plan);
	return 0;
}

const struct cmd_entry cmd_plan_entry = {
	.name = "plan",
	.summary = "place rungs and cascades on a tiered fleet at least cost under SLOs",
	.usage = "[-o FILE] [-p FILE]... [-t FILE] [--epoch N] [--time-limit SECONDS] [--gap G] "
	    "[--explain] [--no-baselines] [--json] TOPOLOGY",
	.options = plan_options,
	.min_args = 1,
	.max_args = 1,
	.args_complete = COMPLETE_FILE,
	.exec = cmd_plan_exec,
};
