/* ladder.c: main, the command table and `ladder help`. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd.h"

/* build/gen/cmds.h lists CMD(name) for every cli/cmd-NAME.c. */
#define CMD(name) extern const struct cmd_entry cmd_##name##_entry;
#include "cmds.h"
#undef CMD

static const struct cmd_entry *const commands[] = {
#define CMD(name) &cmd_##name##_entry,
#include "cmds.h"
#undef CMD
};

size_t
cmd_count(void)
{
	return sizeof commands / sizeof commands[0];
}

const struct cmd_entry *
cmd_at(size_t i)
{
	return commands[i];
}

const struct cmd_entry *
cmd_find(const char *name)
{
	for (size_t i = 0; i < cmd_count(); i++) {
		if (strcmp(commands[i]->name, name) == 0)
			return commands[i];
	}
	return NULL;
}

int
main(int argc, char **argv)
{
	const struct cmd_entry *e;
	struct cmd_ctx ctx;
	int rc;

	if (argc < 2) {
		cmd_print_usage(stderr);
		return 2;
	}
	if (strcmp(argv[1], "--version") == 0 || strcmp(argv[1], "-V") == 0) {
		printf("ladder %s\n", ladder_version());
		return 0;
	}
	if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
		cmd_print_usage(stdout);
		return 0;
	}
	if (strcmp(argv[1], "__complete") == 0)
		return cmd_complete(argc - 2, argv + 2, stdout);
	e = cmd_find(argv[1]);
	if (e == NULL) {
		fprintf(stderr, "ladder: '%s' is not a command (see 'ladder help')\n", argv[1]);
		return 2;
	}
	rc = cmd_parse(e, argc - 2, argv + 2, &ctx);
	if (rc == 0 && cmd_flag(&ctx, "help")) {
		cmd_print_help(e, stdout);
	} else if (rc == 0) {
		rc = e->exec(&ctx);
		if (fflush(stdout) != 0 && rc == 0) {
			fprintf(stderr, "ladder %s: cannot write output\n", e->name);
			rc = 1;
		}
	}
	cmd_release(&ctx);
	return rc;
}
