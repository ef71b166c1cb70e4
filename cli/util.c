/* util.c: exit-on-OOM allocation and the terminal progress bar. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cmd.h"

static void
oom(void)
{
	fputs("ladder: out of memory\n", stderr);
	exit(1);
}

void *
xmalloc(size_t size)
{
	void *p = malloc(size ? size : 1);

	if (p == NULL)
		oom();
	return p;
}

void *
xcalloc(size_t n, size_t size)
{
	void *p = calloc(n ? n : 1, size ? size : 1);

	if (p == NULL)
		oom();
	return p;
}

void *
xrealloc(void *p, size_t size)
{
	p = realloc(p, size ? size : 1);
	if (p == NULL)
		oom();
	return p;
}

char *
xstrdup(const char *s)
{
	char *p = strdup(s);

	if (p == NULL)
		oom();
	return p;
}

void
cli_progress_init(struct cli_progress *p, const struct cmd_ctx *ctx)
{
	memset(p, 0, sizeof *p);
	p->enabled = ctx->verbosity >= 0 && isatty(STDERR_FILENO);
}

static void
progress_fn(void *arg, const char *what, uint64_t done, uint64_t total)
{
	struct cli_progress *p = arg;
	uint64_t now = ladder_now_ns();
	char line[160];
	int n;

	if (!p->enabled)
		return;
	/* At most ten updates a second, but always the last one. */
	if (now - p->last_ns < 100000000u && !(total > 0 && done == total))
		return;
	p->last_ns = now;
	if (total > 0) {
		int width = 30, fill = (int)(width * (double)done / (double)total);

		n = snprintf(line, sizeof line, "%-28.28s [%.*s%*s] %3d%% (%llu/%llu)", what,
		    fill, "##############################", width - fill, "",
		    (int)(100.0 * (double)done / (double)total), (unsigned long long)done,
		    (unsigned long long)total);
	} else {
		n = snprintf(line, sizeof line, "%-28.28s %llu", what, (unsigned long long)done);
	}
	fprintf(stderr, "\r%s%*s", line, p->last_len > n ? p->last_len - n : 0, "");
	p->last_len = n;
	fflush(stderr);
}

struct ladder_progress
cli_progress_callback(struct cli_progress *p)
{
	struct ladder_progress cb = { progress_fn, p };

	return cb;
}

void
cli_progress_done(struct cli_progress *p)
{
	if (p->enabled && p->last_len > 0)
		fprintf(stderr, "\r%*s\r", p->last_len, "");
	p->last_len = 0;
}
