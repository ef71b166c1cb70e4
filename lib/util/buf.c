/* buf.c: a growable, always NUL-terminated byte buffer. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ladder-util.h"
#include "util/banned.h"

void
ladder_buf_init(struct ladder_buf *b)
{
	b->data = NULL;
	b->len = 0;
	b->cap = 0;
	b->failed = false;
}

void
ladder_buf_release(struct ladder_buf *b)
{
	free(b->data);
	ladder_buf_init(b);
}

int
ladder_buf_reserve(struct ladder_buf *b, size_t extra)
{
	size_t need, cap;
	char *p;

	if (b->failed)
		return LADDER_ENOMEM;
	if (!ladder_add_size(b->len, extra, &need) || !ladder_add_size(need, 1, &need))
		goto fail;
	if (need <= b->cap)
		return 0;
	cap = b->cap ? b->cap : 64;
	while (cap < need) {
		if (!ladder_mul_size(cap, 2, &cap))
			goto fail;
	}
	p = realloc(b->data, cap);
	if (p == NULL)
		goto fail;
	b->data = p;
	b->cap = cap;
	return 0;
fail:
	b->failed = true;
	return LADDER_ENOMEM;
}

int
ladder_buf_add(struct ladder_buf *b, const void *data, size_t len)
{
	if (ladder_buf_reserve(b, len) != 0)
		return LADDER_ENOMEM;
	if (len > 0)
		memcpy(b->data + b->len, data, len);
	b->len += len;
	b->data[b->len] = '\0';
	return 0;
}

int
ladder_buf_addstr(struct ladder_buf *b, const char *s)
{
	return ladder_buf_add(b, s, strlen(s));
}

int
ladder_buf_addf(struct ladder_buf *b, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0 || ladder_buf_reserve(b, (size_t)n) != 0)
		return LADDER_ENOMEM;
	va_start(ap, fmt);
	vsnprintf(b->data + b->len, (size_t)n + 1, fmt, ap);
	va_end(ap);
	b->len += (size_t)n;
	return 0;
}

char *
ladder_buf_detach(struct ladder_buf *b, size_t *len)
{
	char *p;

	if (b->data == NULL && ladder_buf_reserve(b, 0) != 0)
		return NULL;
	p = b->data;
	if (len != NULL)
		*len = b->len;
	ladder_buf_init(b);
	return p;
}
