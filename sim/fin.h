/*
 * fin.h: the financial engine persona (donations and a ledger), as
 * persona.c sees it, and what its store holds, for tests and metrics.
 */
#ifndef STANDIN_FIN_H
#define STANDIN_FIN_H

#include <stddef.h>

struct persona;
struct persona_ops;

/*
 * Most donations the financial engine stores, fixture included; beyond:
 * 507. Its own, above PERSONA_MAX_RECORDS: a donation costs ~100 bytes.
 */
#define FIN_MAX_DONATIONS 1000000

/* The financial engine's routes, fixture loader and store destructor. */
extern const struct persona_ops fin_ops;

/* What a financial engine's store holds. */
struct fin_usage {
	size_t donations; /* stored, fixture included */
	size_t limit; /* the most it takes */
	size_t bytes; /* asked of malloc for them: records, strings, indexes */
	size_t allocs; /* separate blocks: what a reset frees */
};

/* Fill *usage for a financial engine (all 0 for another persona). */
void fin_usage(const struct persona *, struct fin_usage *usage);

#endif
