/* names.c: a string-keyed hash map for graph analysis (value name -> index). */
#include <stdlib.h>
#include <string.h>

#include "ir/ir.h"
#include "util/banned.h"

static uint64_t
hash_str(const char *s)
{
	uint64_t h = 1469598103934665603ULL;	/* FNV-1a */

	for (; *s != '\0'; s++) {
		h ^= (unsigned char)*s;
		h *= 1099511628211ULL;
	}
	return h;
}

int
ir_names_init(struct ir_names *m, size_t expected)
{
	size_t cap = 16;

	memset(m, 0, sizeof *m);
	while (cap < expected * 2) {
		if (cap > SIZE_MAX / 4)
			return LADDER_ENOMEM;
		cap *= 2;
	}
	m->keys = calloc(cap, sizeof *m->keys);
	m->values = calloc(cap, sizeof *m->values);
	if (m->keys == NULL || m->values == NULL) {
		ir_names_release(m);
		return LADDER_ENOMEM;
	}
	m->cap = cap;
	return 0;
}

void
ir_names_release(struct ir_names *m)
{
	free(m->keys);
	free(m->values);
	memset(m, 0, sizeof *m);
}

static int
grow(struct ir_names *m)
{
	struct ir_names bigger;

	if (ir_names_init(&bigger, m->cap) != 0)
		return LADDER_ENOMEM;
	for (size_t i = 0; i < m->cap; i++) {
		if (m->keys[i] != NULL)
			ir_names_put(&bigger, m->keys[i], m->values[i], NULL);
	}
	ir_names_release(m);
	*m = bigger;
	return 0;
}

int
ir_names_put(struct ir_names *m, const char *key, size_t value, size_t *old_value)
{
	if (m->cap == 0 || (m->count + 1) * 2 > m->cap) {
		if (m->cap == 0 ? ir_names_init(m, 8) != 0 : grow(m) != 0)
			return LADDER_ENOMEM;
	}
	size_t mask = m->cap - 1, i = hash_str(key) & mask;
	while (m->keys[i] != NULL) {
		if (strcmp(m->keys[i], key) == 0) {
			if (old_value != NULL)
				*old_value = m->values[i];
			return 0;
		}
		i = (i + 1) & mask;
	}
	m->keys[i] = key;
	m->values[i] = value;
	m->count++;
	return 1;
}

bool
ir_names_get(const struct ir_names *m, const char *key, size_t *value)
{
	if (m->cap == 0)
		return false;
	size_t mask = m->cap - 1, i = hash_str(key) & mask;
	while (m->keys[i] != NULL) {
		if (strcmp(m->keys[i], key) == 0) {
			if (value != NULL)
				*value = m->values[i];
			return true;
		}
		i = (i + 1) & mask;
	}
	return false;
}
