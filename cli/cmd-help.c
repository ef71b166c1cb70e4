/* cmd-help.c: `ladder help [COMMAND]`. */
#include <stdio.h>

#include "cmd.h"

void
cmd_print_usage(FILE *out)
{
	fprintf(out, "usage: ladder [--version] [--help] COMMAND [ARGS]\n\n"
	    "Build model ladders, profile them, derive confidence thresholds, plan a tiered\n"
	    "fleet and deploy it.\n\ncommands:\n");
	for (size_t i = 0; i < cmd_count(); i++) {
		if (!cmd_at(i)->hidden)
			fprintf(out, "  %-12s %s\n", cmd_at(i)->name, cmd_at(i)->summary);
	}
	fprintf(out, "\nSee 'ladder help COMMAND' or 'man ladder-COMMAND'.\n");
}

static int
cmd_help_exec(struct cmd_ctx *ctx)
{
	const struct cmd_entry *e;

	if (ctx->argc == 0) {
		cmd_print_usage(stdout);
		return 0;
	}
	e = cmd_find(ctx->argv[0]);
	if (e == NULL)
		return cmd_fail(ctx, "no command '%s' (see 'ladder help')", ctx->argv[0]);
	cmd_print_help(e, stdout);
	return 0;
}

const struct cmd_entry cmd_help_entry = {
	.name = "help",
	.summary = "show the commands, or one command's options",
	.usage = "[COMMAND]",
	.min_args = 0,
	.max_args = 1,
	.args_complete = COMPLETE_NONE,
	.exec = cmd_help_exec,
};

