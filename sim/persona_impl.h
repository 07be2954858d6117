/*
 * persona_impl.h: what persona.c shares with the personas it dispatches to
 * (ums.c, fin.c): the persona instance, route tables and the operations each
 * kind of persona provides. The helpers they share are in persona_kit.h.
 * Nothing outside the persona modules (and their tests) includes it.
 */
#ifndef STANDIN_PERSONA_IMPL_H
#define STANDIN_PERSONA_IMPL_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "persona.h"
#include "rng.h"

struct reply;
struct request;
struct route_params;

/* Most records (users, donations) one persona stores; beyond: 507. */
#define PERSONA_MAX_RECORDS 100000

/* One route of a persona: method, path pattern and the handler. */
struct persona_route {
	const char *method;
	const char *pattern;
	void (*fn)(struct persona *, const struct request *,
	    const struct route_params *, struct reply *);
};

/* What a kind of persona provides to persona.c. */
struct persona_ops {
	enum persona_kind kind;
	const struct persona_route *routes;
	size_t nroutes;
	/* Build a store from fixture text; NULL and *cause on error. */
	void *(*load)(const char *data, size_t len, char **cause);
	/* Free a store; safe on NULL. */
	void (*free)(void *store);
};

struct persona {
	const struct persona_type *type;
	const struct persona_ops *ops;
	char *service; /* the service's name in the scenario */
	char **versions; /* protocol versions it speaks, as configured */
	size_t nversions;
	const char *newest; /* the highest of versions */
	uint64_t seed; /* the scenario's seed, for persona_reset() */
	struct rng rng; /* seeded with rng_seed_stream(seed, service) */
	void *store; /* struct ums_store or struct fin_store */
	struct persona
	    *users_from; /* financial engine: UMS whose users it checks */
	size_t max_records; /* PERSONA_MAX_RECORDS; tests may lower it */
	/* GET /health's answer and its text, made once per set of versions
	 * (not while a call overrides them): NULL until asked. */
	json_t *health, *health_text;
	int overridden; /* a call's versions stand in for its own now */
	/* As a far end: its stubs, pointing into the scenario. */
	const struct stub_conf **stubs;
	size_t nstubs;
};

#endif
