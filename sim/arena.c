/*
 * arena.c: memory in large chunks for many small things that are freed
 * together. A store of a million records built on it frees a few hundred
 * chunks when it goes, instead of a million objects one by one.
 */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "arena.h"

/* A chunk of an arena: its header, then its bytes. */
struct arena_chunk {
	struct arena_chunk *next;
	size_t size; /* of data[] */
	char data[];
};

void
arena_init(struct arena *a, size_t chunk_size)
{
	memset(a, 0, sizeof *a);
	a->chunk_size = chunk_size;
}

/*
 * A new chunk with room for at least len bytes. One larger than a chunk
 * goes behind the newest, so the room left there is not lost.
 */
static struct arena_chunk *
arena_grow(struct arena *a, size_t len)
{
	struct arena_chunk *c;
	size_t size = len > a->chunk_size ? len : a->chunk_size;

	if (size > SIZE_MAX - sizeof *c)
		return NULL;
	c = malloc(sizeof *c + size);
	if (c == NULL)
		return NULL;
	c->size = size;
	a->use.bytes += sizeof *c + size;
	a->use.allocs++;
	if (size > a->chunk_size && a->chunks != NULL) {
		c->next = a->chunks->next;
		a->chunks->next = c;
		return c;
	}
	c->next = a->chunks;
	a->chunks = c;
	a->free = c->data;
	a->left = size;
	return c;
}

char *
arena_strndup(struct arena *a, const char *s, size_t len)
{
	struct arena_chunk *c;
	char *p;

	if (len == SIZE_MAX)
		return NULL;
	if (len + 1 > a->left) {
		c = arena_grow(a, len + 1);
		if (c == NULL)
			return NULL;
		if (c != a->chunks) {
			/* An oversized string has its chunk to itself. */
			memcpy(c->data, s, len);
			c->data[len] = '\0';
			return c->data;
		}
	}
	p = a->free;
	memcpy(p, s, len);
	p[len] = '\0';
	a->free += len + 1;
	a->left -= len + 1;
	return p;
}

void
arena_count(const struct arena *a, struct arena_use *use)
{
	use->bytes += a->use.bytes;
	use->allocs += a->use.allocs;
}

void
arena_release(struct arena *a)
{
	struct arena_chunk *c, *next;

	for (c = a->chunks; c != NULL; c = next) {
		next = c->next;
		free(c);
	}
	arena_init(a, a->chunk_size);
}

void
arena_array_init(struct arena_array *v, size_t size, unsigned shift)
{
	memset(v, 0, sizeof *v);
	v->size = size;
	v->shift = shift;
}

/* Make room for one more chunk pointer; 0, or -1 if out of memory. */
static int
arena_array_room(struct arena_array *v)
{
	char **chunks;
	size_t room;

	if (v->nchunks < v->room)
		return 0;
	room = v->room != 0 ? v->room * 2 : 16;
	chunks = realloc(v->chunks, room * sizeof *chunks);
	if (chunks == NULL)
		return -1;
	if (v->chunks == NULL)
		v->use.allocs++;
	v->use.bytes += (room - v->room) * sizeof *chunks;
	v->chunks = chunks;
	v->room = room;
	return 0;
}

void *
arena_array_push(struct arena_array *v, size_t *index)
{
	size_t per = (size_t)1 << v->shift, i = v->n;
	char *chunk;

	if ((i >> v->shift) == v->nchunks) {
		if (arena_array_room(v) != 0)
			return NULL;
		chunk = malloc(per * v->size);
		if (chunk == NULL)
			return NULL;
		v->chunks[v->nchunks++] = chunk;
		v->use.bytes += per * v->size;
		v->use.allocs++;
	}
	v->n++;
	if (index != NULL)
		*index = i;
	return arena_array_at(v, i);
}

void
arena_array_pop(struct arena_array *v)
{
	if (v->n > 0)
		v->n--;
}

void *
arena_array_at(const struct arena_array *v, size_t i)
{
	size_t mask = ((size_t)1 << v->shift) - 1;

	return v->chunks[i >> v->shift] + (i & mask) * v->size;
}

void
arena_array_count(const struct arena_array *v, struct arena_use *use)
{
	use->bytes += v->use.bytes;
	use->allocs += v->use.allocs;
}

void
arena_array_release(struct arena_array *v)
{
	size_t i;

	for (i = 0; i < v->nchunks; i++)
		free(v->chunks[i]);
	free(v->chunks);
	arena_array_init(v, v->size, v->shift);
}
