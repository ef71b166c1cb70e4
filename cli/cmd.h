/* cmd.h: the subcommand table, option tables and helpers shared by cli/. */
#ifndef LADDER_CLI_CMD_H
#define LADDER_CLI_CMD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "ladder.h"

/* How the shell completes an option's value or a positional argument. */
enum cmd_complete {
	COMPLETE_NONE = 0,
	COMPLETE_FILE,
	COMPLETE_DIR,
	COMPLETE_WORDS,		/* from cmd_option.words, space separated */
};

struct cmd_option {
	const char *long_name;	/* "output" for --output */
	int short_name;		/* 'o', or 0 */
	const char *arg;	/* "DIR" when it takes a value, NULL for a flag */
	bool repeat;		/* may be given more than once */
	const char *help;
	enum cmd_complete complete;
	const char *words;
};

struct cmd_ctx;

struct cmd_entry {
	const char *name;
	const char *summary;	/* one line, lowercase, no full stop */
	const char *usage;	/* synopsis after "ladder NAME", as in the man page */
	const struct cmd_option *options;	/* ends with a zeroed entry; may be NULL */
	int min_args;
	int max_args;		/* -1: unlimited */
	enum cmd_complete args_complete;
	const char *args_words;
	int (*exec)(struct cmd_ctx *ctx);
	bool hidden;
};

struct cmd_value {
	const struct cmd_option *opt;
	const char *value;	/* "" for flags */
};

struct cmd_ctx {
	const struct cmd_entry *entry;
	int argc;		/* positional arguments */
	char **argv;
	size_t n_values;
	struct cmd_value *values;
	int verbosity;		/* -1 quiet, 0 normal, 1+ verbose */
	bool tty;		/* stdout is a terminal */
	bool color;		/* tty and NO_COLOR unset */
};

/* Option values: last given value, or NULL; flags give "". */
const char *cmd_opt(const struct cmd_ctx *ctx, const char *long_name);
bool cmd_flag(const struct cmd_ctx *ctx, const char *long_name);
size_t cmd_opt_count(const struct cmd_ctx *ctx, const char *long_name);
const char *cmd_opt_nth(const struct cmd_ctx *ctx, const char *long_name, size_t i);
/* Numeric options: default when absent; out of range or not a number is a usage error (returns 2). */
int cmd_opt_long(const struct cmd_ctx *ctx, const char *long_name, long def, long min, long max,
    long *out);
int cmd_opt_double(const struct cmd_ctx *ctx, const char *long_name, double def, double min,
    double max, double *out);

/* Prints "ladder NAME: message" to stderr; return 1 and 2 for use in exec. */
int cmd_fail(const struct cmd_ctx *ctx, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
int cmd_usage_error(const struct cmd_ctx *ctx, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/* Prints the library error and returns 1. */
int cmd_fail_err(const struct cmd_ctx *ctx, const struct ladder_err *err);
/* Informational line to stderr unless -q. */
void cmd_info(const struct cmd_ctx *ctx, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Parses argv (after the command name) into ctx. Returns 0, or 2 after printing a usage error. */
int cmd_parse(const struct cmd_entry *e, int argc, char **argv, struct cmd_ctx *ctx);
void cmd_release(struct cmd_ctx *ctx);
void cmd_print_help(const struct cmd_entry *e, FILE *out);

/* The command table (cli/ladder.c) and the list of commands (cli/cmd-help.c). */
void cmd_print_usage(FILE *out);
const struct cmd_entry *cmd_find(const char *name);
size_t cmd_count(void);
const struct cmd_entry *cmd_at(size_t i);

/* Shell completion helper behind the hidden `ladder __complete WORDS...`. */
int cmd_complete(int argc, char **argv, FILE *out);

/* A progress bar on stderr when it is a terminal (and not -q). */
struct cli_progress {
	bool enabled;
	uint64_t last_ns;
	int last_len;
};
void cli_progress_init(struct cli_progress *p, const struct cmd_ctx *ctx);
struct ladder_progress cli_progress_callback(struct cli_progress *p);
void cli_progress_done(struct cli_progress *p);

/* Exit-on-OOM wrappers: only in cli/. */
void *xmalloc(size_t size);
void *xcalloc(size_t n, size_t size);
void *xrealloc(void *p, size_t size);
char *xstrdup(const char *s);

#endif
