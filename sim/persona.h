/*
 * persona.h: the built-in services standin imitates (UMS, financial
 * engine). A persona instance holds one service's in-memory state and
 * answers its requests: the routes both personas share (/health,
 * POST /v1/handshake, the X-Protocol-Version check) live in persona.c,
 * each persona's own routes in ums.c and fin.c.
 */
#ifndef STANDIN_PERSONA_H
#define STANDIN_PERSONA_H

#include <stddef.h>
#include <stdint.h>

#include "pipeline.h"
#include "rng.h"

struct request;
struct reply;
struct route_params;
struct service_conf;
struct stub_conf;

enum persona_kind {
	PERSONA_UMS,
	PERSONA_FINANCIAL_ENGINE,
};

/* The static description of a kind of persona. */
struct persona_type {
	enum persona_kind kind;
	const char *name; /* as written in scenario files */
	const char *default_listen; /* "127.0.0.1:8081" */
	const char *const *default_versions;
	size_t ndefault_versions;
	const char *fixture; /* file under scenarios/data/ */
};

extern const struct persona_type persona_types[];
extern const size_t npersona_types;

/* The type of that name ("ums", "financial-engine"), or NULL. */
const struct persona_type *persona_type_find(const char *name);
const struct persona_type *persona_type_get(enum persona_kind);

struct persona;

/* Make a persona for a service, with its fixture data loaded. */
struct persona *persona_new(const struct service_conf *, uint64_t seed);

/*
 * Apply a reloaded service's settings (versions, ...) while keeping the
 * stored data.
 */
void persona_configure(struct persona *, const struct service_conf *);

/* Give a financial engine the UMS persona whose users it checks (or NULL). */
void persona_set_users_from(struct persona *, struct persona *ums);

/* Put the fixture data back, as at start. */
void persona_reset(struct persona *);

/* Free it; safe on NULL. */
void persona_free(struct persona *);

/* The persona's name ("ums") and its service's name ("fin"). */
const char *persona_name(const struct persona *);
const char *persona_service(const struct persona *);

/*
 * Answer one request: a matching stub first (stubs are the service's
 * own, in scenario order), then the shared routes and the persona's own;
 * 404 or 405 otherwise. Always fills reply, and reply->route with what
 * persona_route() says.
 */
void persona_handle(struct persona *, const struct stub_conf *const *stubs,
    size_t nstubs, const struct request *, struct reply *);

/* The route label of a request no stub or route takes (404, 405). */
#define PERSONA_ROUTE_NONE "unmatched"

/*
 * The pattern of the stub or route that takes this request (by method and
 * path, as persona_handle() would choose it), or PERSONA_ROUTE_NONE: the
 * metrics' route label, for requests a fault answered instead. The
 * pattern belongs to the stub or the persona's table.
 */
const char *persona_route(const struct persona *,
    const struct stub_conf *const *stubs, size_t nstubs,
    const struct request *);

/*
 * persona_handle() with a call's overrides (handshake version_mismatch:
 * the persona speaks only call->versions for this one request).
 */
void persona_handle_call(struct persona *, const struct stub_conf *const *stubs,
    size_t nstubs, const struct farend_call *, const struct request *,
    struct reply *);

/*
 * The scenario's stubs the persona answers from as a far end: those of
 * its service or of every service (the pointers are kept; the scenario
 * must outlive them or be replaced by another call).
 */
void persona_set_stubs(
    struct persona *, const struct stub_conf *stubs, size_t nstubs);

/* A persona as a far end of the pipeline: impl is a struct persona. */
extern const struct farend_ops persona_farend;

#endif
