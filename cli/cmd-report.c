/* cmd-report.c: `ladder report`, a self-contained HTML report of a run. */
#include <stdio.h>
#include <stdlib.h>

#include "cmd.h"

static const struct cmd_option options[] = {
	{ "output", 'o', "FILE", false, "the HTML file to write (default report.html)", COMPLETE_FILE, NULL },
	{ "ladder", 'l', "FILE", false, "ladder.json", COMPLETE_FILE, NULL },
	{ "profile", 'p', "FILE", true, "a profile.json (repeatable)", COMPLETE_FILE, NULL },
	{ "thresholds", 't', "FILE", false, "thresholds.json", COMPLETE_FILE, NULL },
	{ "plan", 'P', "FILE", false, "plan.json", COMPLETE_FILE, NULL },
	{ "title", 0, "TEXT", false, "the page title", COMPLETE_NONE, NULL },
	{ 0 },
};

static int
report_exec(struct cmd_ctx *ctx)
{
	struct ladder_report_inputs in = { 0 };
	struct ladder_err err = { 0 };
	const char *out = cmd_opt(ctx, "output");
	const char **profiles;
	int rc;

	in.title = cmd_opt(ctx, "title");
	in.ladder = cmd_opt(ctx, "ladder");
	in.thresholds = cmd_opt(ctx, "thresholds");
	in.plan = cmd_opt(ctx, "plan");
	in.n_profiles = cmd_opt_count(ctx, "profile");
	profiles = xcalloc(in.n_profiles + 1, sizeof *profiles);
	for (size_t i = 0; i < in.n_profiles; i++)
		profiles[i] = cmd_opt_nth(ctx, "profile", i);
	in.profiles = profiles;
	if (!in.ladder && !in.n_profiles && !in.thresholds && !in.plan) {
		free(profiles);
		return cmd_usage_error(ctx, "give at least one of --ladder, --profile, --thresholds, --plan");
	}
	if (out == NULL)
		out = "report.html";
	rc = ladder_report_write(&in, out, &err);
	free(profiles);
	if (rc != 0)
		return cmd_fail_err(ctx, &err);
	cmd_info(ctx, "wrote %s", out);
	return 0;
}

const struct cmd_entry cmd_report_entry = {
	.name = "report",
	.summary = "write a self-contained HTML report of a ladder, profiles, thresholds and a plan",
	.usage = "[-l ladder.json] [-p profile.json]... [-t thresholds.json] [-P plan.json] "
	    "[--title text] [-o file]",
	.options = options,
	.min_args = 0,
	.max_args = 0,
	.exec = report_exec,
};
