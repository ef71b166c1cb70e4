/* jw.c: a tiny JSON writer (2-space indent, keys in call order, shortest round-trip numbers). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cascade.h"

void
cascade_fmt_double(char *out, size_t size, double v)
{
	if (!isfinite(v)) {
		snprintf(out, size, "null");
		return;
	}
	if (v == 0) {
		snprintf(out, size, "0");
		return;
	}
	for (int p = 1; p <= 17; p++) {
		snprintf(out, size, "%.*g", p, v);
		if (strtod(out, NULL) == v)
			return;
	}
}

void
jw_init(struct jw *w, struct ladder_buf *b)
{
	memset(w, 0, sizeof(*w));
	w->b = b;
}

static void
jw_indent(struct jw *w)
{
	ladder_buf_addstr(w->b, "\n");
	for (int i = 0; i < w->depth; i++)
		ladder_buf_addstr(w->b, "  ");
}

/* Before a value: a comma and newline inside arrays; nothing right after a key. */
static void
jw_pre(struct jw *w)
{
	if (w->after_key) {
		w->after_key = false;
		return;
	}
	if (w->depth > 0) {
		if (!w->first[w->depth])
			ladder_buf_addstr(w->b, ",");
		w->first[w->depth] = false;
		jw_indent(w);
	}
}

static void
jw_open(struct jw *w, const char *c)
{
	jw_pre(w);
	ladder_buf_addstr(w->b, c);
	if (w->depth < 63)
		w->depth++;
	w->first[w->depth] = true;
}

static void
jw_close(struct jw *w, const char *c)
{
	bool empty = w->first[w->depth];

	w->depth--;
	if (!empty)
		jw_indent(w);
	ladder_buf_addstr(w->b, c);
}

void jw_obj(struct jw *w) { jw_open(w, "{"); }
void jw_arr(struct jw *w) { jw_open(w, "["); }
void jw_end_obj(struct jw *w) { jw_close(w, "}"); }
void jw_end_arr(struct jw *w) { jw_close(w, "]"); }

static void
jw_raw_str(struct jw *w, const char *s)
{
	ladder_buf_addstr(w->b, "\"");
	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		if (*p == '"' || *p == '\\')
			ladder_buf_addf(w->b, "\\%c", *p);
		else if (*p < 0x20)
			ladder_buf_addf(w->b, "\\u%04x", *p);
		else
			ladder_buf_add(w->b, p, 1);
	}
	ladder_buf_addstr(w->b, "\"");
}

void
jw_key(struct jw *w, const char *k)
{
	jw_pre(w);
	jw_raw_str(w, k);
	ladder_buf_addstr(w->b, ": ");
	w->after_key = true;
}

void
jw_num(struct jw *w, double v)
{
	char s[40];

	jw_pre(w);
	cascade_fmt_double(s, sizeof(s), v);
	ladder_buf_addstr(w->b, s);
}

void
jw_int(struct jw *w, int64_t v)
{
	jw_pre(w);
	ladder_buf_addf(w->b, "%lld", (long long)v);
}

void
jw_str(struct jw *w, const char *s)
{
	jw_pre(w);
	if (s == NULL)
		ladder_buf_addstr(w->b, "null");
	else
		jw_raw_str(w, s);
}

void
jw_bool(struct jw *w, bool v)
{
	jw_pre(w);
	ladder_buf_addstr(w->b, v ? "true" : "false");
}

void
jw_null(struct jw *w)
{
	jw_pre(w);
	ladder_buf_addstr(w->b, "null");
}
