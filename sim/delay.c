/*
 * delay.c: drawing a delay from its distribution. Every draw comes from
 * the caller's seeded rng, so the same seed gives the same delays.
 */
#include "config.h"

#include <math.h>

#include "delay.h"

/* No delay is longer than an hour, whatever the distribution draws. */
#define DELAY_MAX_US (3600ULL * 1000000)

/* A standard normal draw (Box-Muller, one of the pair). */
static double
delay_gaussian(struct rng *rng)
{
	double u1, u2;

	/* rng_uniform is in [0, 1): 1 - u is in (0, 1], so log() is finite. */
	u1 = 1.0 - rng_uniform(rng);
	u2 = rng_uniform(rng);
	return sqrt(-2.0 * log(u1)) * cos(2.0 * M_PI * u2);
}

/* Clamp a drawn value in microseconds to [0, DELAY_MAX_US]. */
static uint64_t
delay_clamp(double us)
{
	if (!(us > 0))
		return 0;
	if (us >= (double)DELAY_MAX_US)
		return DELAY_MAX_US;
	return (uint64_t)(us + 0.5);
}

/* A delay in microseconds from its distribution. */
uint64_t
delay_sample(const struct delay *d, struct rng *rng)
{
	uint64_t lo, hi;

	switch (d->dist) {
	case DELAY_FIXED:
		return d->a > DELAY_MAX_US ? DELAY_MAX_US : d->a;
	case DELAY_UNIFORM:
		lo = d->a < d->b ? d->a : d->b;
		hi = d->a < d->b ? d->b : d->a;
		/* Inclusive of both ends: hi - lo + 1 possible values. */
		return delay_clamp((double)lo +
		    floor(rng_uniform(rng) * (double)(hi - lo + 1)));
	case DELAY_NORMAL:
		return delay_clamp(
		    (double)d->a + (double)d->b * delay_gaussian(rng));
	case DELAY_LOGNORMAL:
		return delay_clamp(
		    (double)d->a * exp(d->sigma * delay_gaussian(rng)));
	}
	return 0;
}
