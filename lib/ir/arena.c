/* arena.c: bump allocation for a model's contents, freed all at once. */
#include <stdlib.h>
#include <string.h>

#include "ladder-model.h"
#include "util/banned.h"

#define ARENA_BLOCK (64 * 1024)
#define ARENA_ALIGN 16

struct arena_block {
	struct arena_block *next;
	size_t size;
	size_t used;
	_Alignas(ARENA_ALIGN) unsigned char data[];
};

struct ladder_arena {
	struct arena_block *head;
	size_t total;
};

struct ladder_arena *
ladder_arena_new(void)
{
	return calloc(1, sizeof(struct ladder_arena));
}

void
ladder_arena_free(struct ladder_arena *a)
{
	struct arena_block *b, *next;

	if (a == NULL)
		return;
	for (b = a->head; b != NULL; b = next) {
		next = b->next;
		free(b);
	}
	free(a);
}

void *
ladder_arena_alloc(struct ladder_arena *a, size_t size)
{
	struct arena_block *b = a->head;
	size_t need, block_size;

	if (size == 0)
		size = 1;
	if (!ladder_add_size(size, ARENA_ALIGN - 1, &need))
		return NULL;
	need &= ~(size_t)(ARENA_ALIGN - 1);
	if (b != NULL && b->size - b->used >= need) {
		void *p = b->data + b->used;

		b->used += need;
		memset(p, 0, size);
		return p;
	}
	/* Large allocations get a block of their own behind the current one. */
	block_size = need > ARENA_BLOCK / 4 ? need : ARENA_BLOCK;
	if (!ladder_add_size(block_size, sizeof *b, &need))
		return NULL;
	struct arena_block *nb = malloc(need);
	if (nb == NULL)
		return NULL;
	nb->size = block_size;
	nb->used = block_size == ARENA_BLOCK ? ((size + ARENA_ALIGN - 1) & ~(size_t)(ARENA_ALIGN - 1)) : block_size;
	if (b != NULL && block_size != ARENA_BLOCK) {
		nb->next = b->next;
		b->next = nb;
	} else {
		nb->next = b;
		a->head = nb;
	}
	a->total += block_size;
	memset(nb->data, 0, size);
	return nb->data;
}

char *
ladder_arena_strndup(struct ladder_arena *a, const char *s, size_t n)
{
	char *p = ladder_arena_alloc(a, n + 1);

	if (p == NULL)
		return NULL;
	if (n > 0)
		memcpy(p, s, n);
	p[n] = '\0';
	return p;
}

char *
ladder_arena_strdup(struct ladder_arena *a, const char *s)
{
	if (s == NULL)
		return NULL;
	return ladder_arena_strndup(a, s, strlen(s));
}

void *
ladder_arena_memdup(struct ladder_arena *a, const void *p, size_t size)
{
	void *q = ladder_arena_alloc(a, size);

	if (q != NULL && size > 0)
		memcpy(q, p, size);
	return q;
}

size_t
ladder_arena_bytes(const struct ladder_arena *a)
{
	return a->total;
}
