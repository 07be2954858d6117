/* rng.h: the seeded generator every random decision draws from. */
#ifndef STANDIN_RNG_H
#define STANDIN_RNG_H

#include <stdint.h>

/* xoshiro256** state; seeded through splitmix64 so any seed is good. */
struct rng {
	uint64_t s[4];
};

/* Seed a generator; the same seed always gives the same sequence. */
void rng_seed(struct rng *, uint64_t);
/* Seed a generator for one named purpose, independent of the others. */
void rng_seed_stream(struct rng *, uint64_t, const char *);
uint64_t rng_next(struct rng *);
/* A double in [0, 1). */
double rng_uniform(struct rng *);

#endif
