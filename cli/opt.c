/* opt.c: parse a command line from the command's option table; help text. */
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cmd.h"

/* Options every command accepts, after its own. */
static const struct cmd_option common_options[] = {
	{ "help", 'h', NULL, false, "show this help and exit", COMPLETE_NONE, NULL },
	{ "quiet", 'q', NULL, false, "print only errors", COMPLETE_NONE, NULL },
	{ "verbose", 'v', NULL, true, "print more detail (repeatable)", COMPLETE_NONE, NULL },
	{ 0 },
};

static const struct cmd_option *
find_long(const struct cmd_entry *e, const char *name, size_t len)
{
	const struct cmd_option *tables[2] = { e->options, common_options };

	for (int t = 0; t < 2; t++) {
		for (const struct cmd_option *o = tables[t]; o && o->long_name; o++) {
			if (strlen(o->long_name) == len && strncmp(o->long_name, name, len) == 0)
				return o;
		}
	}
	return NULL;
}

static const struct cmd_option *
find_short(const struct cmd_entry *e, int c)
{
	const struct cmd_option *tables[2] = { e->options, common_options };

	for (int t = 0; t < 2; t++) {
		for (const struct cmd_option *o = tables[t]; o && o->long_name; o++) {
			if (o->short_name == c)
				return o;
		}
	}
	return NULL;
}

static int
usage_fail(const struct cmd_entry *e, const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "ladder %s: ", e->name);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, " (see 'ladder %s -h')\n", e->name);
	return 2;
}

static int
add_value(struct cmd_ctx *ctx, const struct cmd_option *o, const char *value)
{
	if (!o->repeat) {
		for (size_t i = 0; i < ctx->n_values; i++) {
			if (ctx->values[i].opt == o) {
				ctx->values[i].value = value;
				return 0;
			}
		}
	}
	ctx->values = xrealloc(ctx->values, (ctx->n_values + 1) * sizeof *ctx->values);
	ctx->values[ctx->n_values].opt = o;
	ctx->values[ctx->n_values].value = value;
	ctx->n_values++;
	return 0;
}

int
cmd_parse(const struct cmd_entry *e, int argc, char **argv, struct cmd_ctx *ctx)
{
	bool only_args = false;
	const char *no_color = getenv("NO_COLOR");

	memset(ctx, 0, sizeof *ctx);
	ctx->entry = e;
	ctx->argv = xcalloc((size_t)argc + 1, sizeof *ctx->argv);
	ctx->tty = isatty(STDOUT_FILENO);
	ctx->color = ctx->tty && (no_color == NULL || no_color[0] == '\0');
	for (int i = 0; i < argc; i++) {
		const char *a = argv[i];
		const struct cmd_option *o;

		if (only_args || a[0] != '-' || a[1] == '\0') {
			ctx->argv[ctx->argc++] = argv[i];
			continue;
		}
		if (strcmp(a, "--") == 0) {
			only_args = true;
			continue;
		}
		if (a[1] == '-') {
			const char *name = a + 2, *eq = strchr(name, '=');
			size_t len = eq ? (size_t)(eq - name) : strlen(name);

			o = find_long(e, name, len);
			if (o == NULL)
				return usage_fail(e, "unknown option '--%.*s'", (int)len, name);
			if (o->arg == NULL) {
				if (eq != NULL)
					return usage_fail(e, "option '--%s' takes no value", o->long_name);
				add_value(ctx, o, "");
			} else if (eq != NULL) {
				add_value(ctx, o, eq + 1);
			} else if (i + 1 < argc) {
				add_value(ctx, o, argv[++i]);
			} else {
				return usage_fail(e, "option '--%s' needs a value (%s)", o->long_name, o->arg);
			}
			continue;
		}
		/* One or more short options: -qv, -oDIR, -o DIR. */
		for (const char *p = a + 1; *p; p++) {
			o = find_short(e, (unsigned char)*p);
			if (o == NULL)
				return usage_fail(e, "unknown option '-%c'", *p);
			if (o->arg == NULL) {
				add_value(ctx, o, "");
				continue;
			}
			if (p[1] != '\0')
				add_value(ctx, o, p + 1);
			else if (i + 1 < argc)
				add_value(ctx, o, argv[++i]);
			else
				return usage_fail(e, "option '-%c' needs a value (%s)", *p, o->arg);
			break;
		}
	}
	if (cmd_flag(ctx, "help"))
		return 0;
	ctx->verbosity = cmd_flag(ctx, "quiet") ? -1 : (int)cmd_opt_count(ctx, "verbose");
	if (ctx->argc < e->min_args)
		return usage_fail(e, "missing argument");
	if (e->max_args >= 0 && ctx->argc > e->max_args)
		return usage_fail(e, "unexpected argument '%s'", ctx->argv[e->max_args]);
	return 0;
}

void
cmd_release(struct cmd_ctx *ctx)
{
	free(ctx->argv);
	free(ctx->values);
	memset(ctx, 0, sizeof *ctx);
}

const char *
cmd_opt(const struct cmd_ctx *ctx, const char *long_name)
{
	const char *v = NULL;

	for (size_t i = 0; i < ctx->n_values; i++) {
		if (strcmp(ctx->values[i].opt->long_name, long_name) == 0)
			v = ctx->values[i].value;
	}
	return v;
}

bool
cmd_flag(const struct cmd_ctx *ctx, const char *long_name)
{
	return cmd_opt(ctx, long_name) != NULL;
}

size_t
cmd_opt_count(const struct cmd_ctx *ctx, const char *long_name)
{
	size_t n = 0;

	for (size_t i = 0; i < ctx->n_values; i++)
		n += strcmp(ctx->values[i].opt->long_name, long_name) == 0;
	return n;
}

const char *
cmd_opt_nth(const struct cmd_ctx *ctx, const char *long_name, size_t nth)
{
	for (size_t i = 0; i < ctx->n_values; i++) {
		if (strcmp(ctx->values[i].opt->long_name, long_name) == 0 && nth-- == 0)
			return ctx->values[i].value;
	}
	return NULL;
}

int
cmd_opt_long(const struct cmd_ctx *ctx, const char *long_name, long def, long min, long max,
    long *out)
{
	const char *v = cmd_opt(ctx, long_name);
	char *end;
	long n;

	if (v == NULL) {
		*out = def;
		return 0;
	}
	errno = 0;
	n = strtol(v, &end, 10);
	if (errno != 0 || end == v || *end != '\0' || n < min || n > max)
		return cmd_usage_error(ctx, "option '--%s' needs a whole number from %ld to %ld, not '%s'",
		    long_name, min, max, v);
	*out = n;
	return 0;
}

int
cmd_opt_double(const struct cmd_ctx *ctx, const char *long_name, double def, double min,
    double max, double *out)
{
	const char *v = cmd_opt(ctx, long_name);
	char *end;
	double d;

	if (v == NULL) {
		*out = def;
		return 0;
	}
	errno = 0;
	d = strtod(v, &end);
	if (errno != 0 || end == v || *end != '\0' || !isfinite(d) || d < min || d > max)
		return cmd_usage_error(ctx, "option '--%s' needs a number from %g to %g, not '%s'",
		    long_name, min, max, v);
	*out = d;
	return 0;
}

static void
print_options(const struct cmd_option *opts, FILE *out)
{
	for (const struct cmd_option *o = opts; o && o->long_name; o++) {
		char left[64];

		if (o->short_name)
			snprintf(left, sizeof left, "-%c, --%s%s%s", o->short_name, o->long_name,
			    o->arg ? " " : "", o->arg ? o->arg : "");
		else
			snprintf(left, sizeof left, "    --%s%s%s", o->long_name, o->arg ? " " : "",
			    o->arg ? o->arg : "");
		fprintf(out, "  %-28s %s\n", left, o->help);
	}
}

void
cmd_print_help(const struct cmd_entry *e, FILE *out)
{
	fprintf(out, "usage: ladder %s %s\n\n%s\n", e->name, e->usage, e->summary);
	if (e->options && e->options->long_name) {
		fprintf(out, "\noptions:\n");
		print_options(e->options, out);
	}
	fprintf(out, "\ncommon options:\n");
	print_options(common_options, out);
	fprintf(out, "\nSee 'man ladder-%s' for more.\n", e->name);
}

static void
cmd_vprint(const struct cmd_ctx *ctx, const char *fmt, va_list ap)
{
	fprintf(stderr, "ladder %s: ", ctx->entry->name);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
}

int
cmd_fail(const struct cmd_ctx *ctx, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	cmd_vprint(ctx, fmt, ap);
	va_end(ap);
	return 1;
}

int
cmd_usage_error(const struct cmd_ctx *ctx, const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "ladder %s: ", ctx->entry->name);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, " (see 'ladder %s -h')\n", ctx->entry->name);
	return 2;
}

int
cmd_fail_err(const struct cmd_ctx *ctx, const struct ladder_err *err)
{
	return cmd_fail(ctx, "%s", err->code != 0 && err->msg[0] ? err->msg : "failed");
}

void
cmd_info(const struct cmd_ctx *ctx, const char *fmt, ...)
{
	va_list ap;

	if (ctx->verbosity < 0)
		return;
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

/* Completion: print candidates, one a line; "__file__"/"__dir__" ask the shell for paths. */
static void
complete_words(const char *words, const char *prefix, FILE *out)
{
	const char *p = words;

	while (p && *p) {
		size_t n = strcspn(p, " ");

		if (n > 0 && strncmp(p, prefix, strlen(prefix)) == 0)
			fprintf(out, "%.*s\n", (int)n, p);
		p += n;
		p += strspn(p, " ");
	}
}

static void
complete_kind(enum cmd_complete kind, const char *words, const char *prefix, FILE *out)
{
	switch (kind) {
	case COMPLETE_FILE: fprintf(out, "__file__\n"); break;
	case COMPLETE_DIR: fprintf(out, "__dir__\n"); break;
	case COMPLETE_WORDS: complete_words(words, prefix, out); break;
	case COMPLETE_NONE: break;
	}
}

int
cmd_complete(int argc, char **argv, FILE *out)
{
	const struct cmd_entry *e;
	const char *cur = argc > 0 ? argv[argc - 1] : "";

	if (argc <= 1) {
		for (size_t i = 0; i < cmd_count(); i++) {
			e = cmd_at(i);
			if (!e->hidden && strncmp(e->name, cur, strlen(cur)) == 0)
				fprintf(out, "%s\n", e->name);
		}
		return 0;
	}
	e = cmd_find(argv[0]);
	if (e == NULL)
		return 0;
	if (argc >= 3 && argv[argc - 2][0] == '-') {
		const char *prev = argv[argc - 2];
		const struct cmd_option *o = NULL;

		if (prev[1] == '-' && strchr(prev, '=') == NULL)
			o = find_long(e, prev + 2, strlen(prev + 2));
		else if (prev[1] != '-' && prev[1] != '\0' && prev[2] == '\0')
			o = find_short(e, (unsigned char)prev[1]);
		if (o != NULL && o->arg != NULL) {
			complete_kind(o->complete, o->words, cur, out);
			return 0;
		}
	}
	if (cur[0] == '-') {
		const struct cmd_option *tables[2] = { e->options, common_options };

		for (int t = 0; t < 2; t++) {
			for (const struct cmd_option *o = tables[t]; o && o->long_name; o++) {
				char buf[80];

				snprintf(buf, sizeof buf, "--%s", o->long_name);
				if (strncmp(buf, cur, strlen(cur)) == 0)
					fprintf(out, "%s\n", buf);
			}
		}
		return 0;
	}
	complete_kind(e->args_complete, e->args_words, cur, out);
	return 0;
}
