/*
 * arena.h: memory taken in large chunks for many small things that live
 * and die together: bytes (strings), and records of one size numbered
 * from 0. Releasing one frees its chunks, never its things one by one.
 * Nothing here is fatal: out of memory is a NULL or -1 for the caller.
 */
#ifndef STANDIN_ARENA_H
#define STANDIN_ARENA_H

#include <stddef.h>

/* What a structure holds from malloc, for a store's accounting. */
struct arena_use {
	size_t bytes; /* asked of malloc, and held now */
	size_t allocs; /* separate blocks: what releasing it frees */
};

struct arena_chunk;

/* Bytes handed out from chunks; what is copied in stays until release. */
struct arena {
	struct arena_chunk *chunks; /* the newest first */
	char *free; /* room left in the newest chunk */
	size_t left;
	size_t chunk_size; /* bytes of a chunk, header excluded */
	struct arena_use use;
};

/* An empty arena that takes chunk_size bytes at a time. */
void arena_init(struct arena *, size_t chunk_size);

/* Copy len bytes of s and a NUL into the arena; NULL if out of memory. */
char *arena_strndup(struct arena *, const char *s, size_t len);

/* Add what the arena holds to *use. */
void arena_count(const struct arena *, struct arena_use *use);

/* Free every chunk; the arena is empty (and usable) again. */
void arena_release(struct arena *);

/*
 * Records of one size, numbered from 0, in chunks of 2^shift records:
 * a record never moves, so a pointer to one stays good until release.
 */
struct arena_array {
	size_t size; /* of a record */
	unsigned shift; /* 2^shift records a chunk */
	char **chunks;
	size_t nchunks; /* chunks allocated (some may be unused after pops) */
	size_t room; /* of chunks[] */
	size_t n; /* records in use */
	struct arena_use use;
};

/* An empty array of records of size bytes, 2^shift of them a chunk. */
void arena_array_init(struct arena_array *, size_t size, unsigned shift);

/*
 * Add a record (its bytes undefined) at the end, its number in *index if
 * not NULL. Returns it, or NULL if out of memory (nothing changed).
 */
void *arena_array_push(struct arena_array *, size_t *index);

/* Take the last record off again (its chunk stays for the next push). */
void arena_array_pop(struct arena_array *);

/* Record i, which must be below n. */
void *arena_array_at(const struct arena_array *, size_t i);

/* Add what the array holds to *use. */
void arena_array_count(const struct arena_array *, struct arena_use *use);

/* Free every chunk; the array is empty (and usable) again. */
void arena_array_release(struct arena_array *);

#endif
