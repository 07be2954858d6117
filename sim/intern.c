/*
 * intern.c: sets of strings stored once and numbered in order of arrival,
 * found by hash with linear probing. The strings and their numbers live
 * in arenas (arena.c); only the hash table is one block of its own.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "intern.h"

/* Bytes of a chunk of strings, and 2^N string pointers a chunk. */
#define INTERN_CHUNK (64 * 1024)
#define INTERN_SHIFT 12

/* The first table's size; it doubles when three quarters full. */
#define INTERN_MIN_SLOTS 16

/* A slot of the table: the string's hash and its number + 1 (0: empty). */
struct intern_slot {
	uint32_t hash;
	uint32_t id1;
};

void
intern_init(struct intern *t)
{
	arena_init(&t->bytes, INTERN_CHUNK);
	arena_array_init(&t->strs, sizeof(const char *), INTERN_SHIFT);
	t->slots = NULL;
	t->nslots = 0;
}

/* FNV-1a over the bytes, then a final mix so that the low bits spread. */
static uint32_t
intern_hash(const char *s, size_t len)
{
	uint64_t h = 0xcbf29ce484222325ULL;
	size_t i;

	for (i = 0; i < len; i++)
		h = (h ^ (unsigned char)s[i]) * 0x100000001b3ULL;
	h ^= h >> 33;
	h *= 0xff51afd7ed558ccdULL;
	h ^= h >> 33;
	return (uint32_t)h;
}

/* The slot that holds s, or the empty slot where it would go. */
static struct intern_slot *
intern_slot(const struct intern *t, const char *s, size_t len, uint32_t hash)
{
	size_t mask = t->nslots - 1, i;
	struct intern_slot *slot;
	const char *have;

	for (i = hash & mask;; i = (i + 1) & mask) {
		slot = &t->slots[i];
		if (slot->id1 == 0)
			return slot;
		if (slot->hash != hash)
			continue;
		have = intern_get(t, slot->id1 - 1);
		/* s holds no NUL, so strncmp stops within have. */
		if (strncmp(have, s, len) == 0 && have[len] == '\0')
			return slot;
	}
}

/* Double the table (or make the first); 0, or -1 if out of memory. */
static int
intern_grow(struct intern *t)
{
	size_t n = t->nslots != 0 ? t->nslots * 2 : INTERN_MIN_SLOTS, i, j;
	struct intern_slot *slots;

	slots = calloc(n, sizeof *slots);
	if (slots == NULL)
		return -1;
	for (i = 0; i < t->nslots; i++) {
		if (t->slots[i].id1 == 0)
			continue;
		for (j = t->slots[i].hash & (n - 1); slots[j].id1 != 0;
		     j = (j + 1) & (n - 1))
			;
		slots[j] = t->slots[i];
	}
	free(t->slots);
	t->slots = slots;
	t->nslots = n;
	return 0;
}

int
intern_add(struct intern *t, const char *s, size_t len, uint32_t *id)
{
	struct intern_slot *slot;
	const char **str;
	uint32_t hash = intern_hash(s, len);
	size_t n = t->strs.n;
	char *copy;

	if (n >= UINT32_MAX - 1)
		return -1;
	if ((n + 1) * 4 > t->nslots * 3 && intern_grow(t) != 0)
		return -1;
	slot = intern_slot(t, s, len, hash);
	if (slot->id1 != 0) {
		*id = slot->id1 - 1;
		return 0;
	}
	str = arena_array_push(&t->strs, NULL);
	if (str == NULL)
		return -1;
	copy = arena_strndup(&t->bytes, s, len);
	if (copy == NULL) {
		arena_array_pop(&t->strs);
		return -1;
	}
	*str = copy;
	slot->hash = hash;
	slot->id1 = (uint32_t)n + 1;
	*id = (uint32_t)n;
	return 1;
}

int
intern_find(const struct intern *t, const char *s, size_t len, uint32_t *id)
{
	const struct intern_slot *slot;

	if (t->nslots == 0)
		return 0;
	slot = intern_slot(t, s, len, intern_hash(s, len));
	if (slot->id1 == 0)
		return 0;
	*id = slot->id1 - 1;
	return 1;
}

const char *
intern_get(const struct intern *t, uint32_t id)
{
	return *(const char **)arena_array_at(&t->strs, id);
}

size_t
intern_n(const struct intern *t)
{
	return t->strs.n;
}

void
intern_count(const struct intern *t, struct arena_use *use)
{
	arena_count(&t->bytes, use);
	arena_array_count(&t->strs, use);
	if (t->slots != NULL) {
		use->bytes += t->nslots * sizeof *t->slots;
		use->allocs++;
	}
}

void
intern_release(struct intern *t)
{
	arena_release(&t->bytes);
	arena_array_release(&t->strs);
	free(t->slots);
	t->slots = NULL;
	t->nslots = 0;
}
