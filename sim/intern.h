/*
 * intern.h: a set of strings, each stored once and numbered 0, 1, ... in
 * the order they were added, so that a record can hold a 4-byte number in
 * place of a string that many records share (a user id, a currency) or
 * that one record owns (an idempotency key). Strings live in an arena:
 * releasing the set frees a few chunks, not one block per string.
 */
#ifndef STANDIN_INTERN_H
#define STANDIN_INTERN_H

#include <stddef.h>
#include <stdint.h>

#include "arena.h"

struct intern_slot;

struct intern {
	struct arena bytes; /* the strings, NUL-terminated */
	struct arena_array strs; /* number -> const char * into bytes */
	struct intern_slot *slots; /* open addressing, a power of two */
	size_t nslots;
};

/* An empty set. */
void intern_init(struct intern *);

/*
 * Add the string s of len bytes (without a NUL inside) unless it is
 * there; its number in *id. Returns 1 if it was added, 0 if it was there
 * already, -1 if out of memory (the set is as it was).
 */
int intern_add(struct intern *, const char *s, size_t len, uint32_t *id);

/* Is s (len bytes) in the set? 1 with its number in *id, or 0. */
int intern_find(const struct intern *, const char *s, size_t len, uint32_t *id);

/* The string numbered id (below intern_n()). */
const char *intern_get(const struct intern *, uint32_t id);

/* How many strings the set holds. */
size_t intern_n(const struct intern *);

/* Add what the set holds from malloc to *use. */
void intern_count(const struct intern *, struct arena_use *use);

/* Free it all; the set is empty (and usable) again. */
void intern_release(struct intern *);

#endif
