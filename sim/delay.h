/* delay.h: drawing a delay from its distribution with the seeded rng. */
#ifndef STANDIN_DELAY_H
#define STANDIN_DELAY_H

#include <stdint.h>

#include "fault.h"
#include "rng.h"

/* A delay in microseconds; draws from rng unless the delay is fixed. */
uint64_t delay_sample(const struct delay *, struct rng *);

#endif
