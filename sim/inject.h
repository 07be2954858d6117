/*
 * inject.h: deciding which fault applies now. The active faults are the
 * scenario's root faults plus the current phase's; each decision checks
 * the service, the layer (and for http faults the request), counts
 * "times", draws "probability" from the scenario's seeded generator, and
 * journals what it chose and the draw that chose it.
 */
#ifndef STANDIN_INJECT_H
#define STANDIN_INJECT_H

#include <stddef.h>
#include <stdint.h>

#include "fault.h"
#include "rng.h"

struct journal;
struct phase_conf;
struct request;
struct scenario;

/* One active fault and how often it has fired. */
struct inject_rule {
	const struct fault_conf *fault;
	const char
	    *phase; /* the phase it belongs to, or NULL for root faults */
	size_t index; /* its index in that list */
	int64_t used;
	uint64_t id; /* added by the API: its id (1, 2, ...); else 0 */
};

struct metrics;

/*
 * The active faults, in the order they are tried: those added by the API
 * (owned here, kept across phase changes with their counts), then the
 * scenario's root faults, then the current phase's.
 */
struct injector {
	struct rng rng;
	struct journal *journal;
	struct metrics *metrics;
	struct inject_rule *rules;
	size_t nrules;
	size_t napi; /* the first napi rules are the API's */
	uint64_t next_id;
};

/* Seed the generator; journal and metrics may be NULL. */
void inject_init(
    struct injector *, uint64_t seed, struct journal *, struct metrics *);

/* Start the generator again from a seed (POST /reset, a new scenario). */
void inject_reseed(struct injector *, uint64_t seed);

/*
 * Make the scenario's root faults and the phase's the active ones, with
 * their counts at zero; the API's stay as they are.
 */
void inject_activate(
    struct injector *, const struct scenario *, const struct phase_conf *);

/*
 * Add faults from the API, tried before the scenario's. Takes over what
 * each fault owns (the structs are left zeroed); returns the first new id,
 * the others following in order. Out of memory: returns 0, and nothing
 * changed (the faults are still the caller's).
 */
uint64_t inject_add(struct injector *, struct fault_conf *, size_t n);

/* Remove the API's fault of that id; returns 0, or -1 if there is none. */
int inject_remove(struct injector *, uint64_t id);

/* Remove every fault the API added. */
void inject_remove_all(struct injector *);

/* A rule's id as GET /faults shows it: "3", "scenario/0", "phase/x/1". */
void inject_rule_id(const struct inject_rule *, char *buf, size_t len);

/* How many faults are active, and how many of them the API added. */
size_t inject_count(const struct injector *);
size_t inject_count_api(const struct injector *);

/*
 * The i-th active fault, in the order they are tried (the API's first),
 * or NULL past the last: a view, valid until the faults next change.
 */
const struct inject_rule *inject_rule(const struct injector *, size_t i);

/* The active fault whose id (inject_rule_id) is id, or NULL. */
const struct inject_rule *inject_find(const struct injector *, const char *id);

/* What a decision is about. */
struct inject_ctx {
	const char *service;
	uint64_t conn;
	const struct request *req; /* http and handshake: the request */
	enum fault_at at; /* http: before or after the persona */
	int hello; /* handshake: the request is the hello */
	size_t open_conns; /* connect: the service's open connections */
};

/*
 * The fault of that layer which applies now, or NULL: the first active
 * rule of the layer that fits the context (service; http: match and "at";
 * handshake: only version_mismatch outside the hello; connect:
 * max_connections only past its limit, never the listener states) and
 * whose "times" is not used up, if its probability draw succeeds.
 * Journals the chosen fault.
 */
const struct fault_conf *inject_pick(
    struct injector *, enum fault_layer, const struct inject_ctx *);

/*
 * Every stream fault that applies to a new connection (each with its own
 * times and probability), up to max; returns how many.
 */
size_t inject_pick_all(struct injector *, enum fault_layer,
    const struct inject_ctx *, const struct fault_conf **, size_t max);

/*
 * Is a fault of this type active for the service (a state, not a draw:
 * refuse, stall_accept)? Returns it or NULL.
 */
const struct fault_conf *inject_state(
    const struct injector *, const char *service, enum fault_type);

void inject_free(struct injector *);

#endif
