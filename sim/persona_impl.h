/*
 * persona_impl.h: what persona.c shares with the personas it dispatches to
 * (ums.c, fin.c): the persona instance, route tables, the operations each
 * kind of persona provides, and helpers for reading request bodies.
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

/* Room for an RFC 3339 UTC timestamp with seconds: "2024-04-16T09:30:00Z". */
#define PERSONA_TIME_LEN 32

/* Room for a JSON pointer naming one field of a request body. */
#define PERSONA_POINTER_LEN 320

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
};

/*
 * Parse a request body that must be a JSON object whose keys are all among
 * fields. Returns the object (the caller owns it), or NULL with the reply
 * filled: 400 bad_json, or 422 naming "/" or the unknown field.
 */
/* Check and store one fixture record; 0, or -1 with *cause set. */
typedef int persona_fixture_fn(
    void *store, json_t *record, size_t i, unsigned long *last, char **cause);

/*
 * Read fixture text {"KEY": [records]} and hand each record to one();
 * *last ends as the highest id number seen. Returns 0, or -1 with *cause.
 */
int persona_fixture_each(const char *data, size_t len, const char *key,
    persona_fixture_fn *one, void *store, unsigned long *last, char **cause);

json_t *persona_body(const struct request *, struct reply *,
    const char *const *fields, size_t nfields);

/*
 * Check that every key of a nested object is among fields; prefix is the
 * object's own pointer ("/profile"). Returns 0, or -1 with a 422 reply.
 */
int persona_known_fields(json_t *, const char *prefix,
    const char *const *fields, size_t nfields, struct reply *);

/* Write the JSON pointer of key in the object at prefix ("" for the body). */
void persona_pointer(
    char *buf, size_t len, const char *prefix, const char *key);

/*
 * Read an optional string member of 1 to max characters without control
 * characters. Returns 1 with *out set, 0 if absent, or -1 with a 422 reply
 * naming prefix/key.
 */
int persona_string(json_t *, const char *key, const char *prefix, size_t max,
    const char **out, struct reply *);

/*
 * Copy s into buf for quoting in a message: unchanged when it is valid
 * UTF-8 and fits, otherwise with other bytes as '?' and truncated.
 * Returns buf.
 */
const char *persona_quote(const char *s, char *buf, size_t len);

/* Write the current UTC time as RFC 3339 with seconds. */
void persona_now(char *buf, size_t len);

/* Does the persona hold max_records records already? Then answer 507. */
int persona_full(
    const struct persona *, size_t count, const char *what, struct reply *);

#endif
