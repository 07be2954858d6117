/*
 * persona.c: persona instances, the routes both personas share (/health,
 * POST /v1/handshake, the X-Protocol-Version check) and the dispatch of a
 * request to a stub, a route, or a 404 or 405. A persona is the far end
 * of the pipeline today (persona_farend, pipeline.h): the http layer hands
 * it each request that its faults let through.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <jansson.h>

#include "fin.h"
#include "fixtures.h"
#include "log.h"
#include "persona.h"
#include "persona_impl.h"
#include "persona_kit.h"
#include "reply.h"
#include "request.h"
#include "route.h"
#include "scenario.h"
#include "ums.h"
#include "util.h"

/* Most versions a handshake may offer, and a client name's length. */
#define HANDSHAKE_MAX_VERSIONS 32
#define HANDSHAKE_CLIENT_MAX 64

/* Longest header value or path quoted back in a message. */
#define QUOTE_MAX 128

/* Methods a 405 can list. */
#define ALLOW_MAX 16

struct persona_allow {
	const char *methods[ALLOW_MAX];
	size_t n;
};

static const char *const ums_default_versions[] = { "1.1", "1.2" };
static const char *const fin_default_versions[] = { "1.1", "1.2" };

const struct persona_type persona_types[] = {
	{ PERSONA_UMS, "ums", "127.0.0.1:8081", ums_default_versions,
	    nitems(ums_default_versions), "ums.json" },
	{ PERSONA_FINANCIAL_ENGINE, "financial-engine", "127.0.0.1:8082",
	    fin_default_versions, nitems(fin_default_versions),
	    "financial-engine.json" },
};
const size_t npersona_types = nitems(persona_types);

static const struct persona_ops *const persona_ops_list[] = {
	&ums_ops,
	&fin_ops,
};

static void persona_health(struct persona *, const struct request *,
    const struct route_params *, struct reply *);
static void persona_handshake(struct persona *, const struct request *,
    const struct route_params *, struct reply *);

/* Routes every persona answers, tried before the persona's own. */
static const struct persona_route persona_shared_routes[] = {
	{ "GET", "/health", persona_health },
	{ "POST", "/v1/handshake", persona_handshake },
};

/* Find a persona type by the name scenario files use. */
const struct persona_type *
persona_type_find(const char *name)
{
	size_t i;

	for (i = 0; i < npersona_types; i++) {
		if (strcmp(persona_types[i].name, name) == 0)
			return &persona_types[i];
	}
	return NULL;
}

/* Find a persona type by its kind. */
const struct persona_type *
persona_type_get(enum persona_kind kind)
{
	size_t i;

	for (i = 0; i < npersona_types; i++) {
		if (persona_types[i].kind == kind)
			return &persona_types[i];
	}
	return NULL;
}

/* Find the operations of a kind of persona. */
static const struct persona_ops *
persona_ops_get(enum persona_kind kind)
{
	size_t i;

	for (i = 0; i < nitems(persona_ops_list); i++) {
		if (persona_ops_list[i]->kind == kind)
			return persona_ops_list[i];
	}
	return NULL;
}

/* Free the persona's list of versions. */
static void
persona_free_versions(struct persona *p)
{
	size_t i;

	/* /health says which versions: its answer goes with them. */
	json_decref(p->health);
	json_decref(p->health_text);
	p->health = p->health_text = NULL;
	for (i = 0; i < p->nversions; i++)
		free(p->versions[i]);
	free(p->versions);
	p->versions = NULL;
	p->nversions = 0;
	p->newest = NULL;
}

/* Take the versions from conf, or the type's defaults when it names none. */
static void
persona_set_versions(struct persona *p, const struct service_conf *conf)
{
	const char *const *from;
	size_t i, n;

	persona_free_versions(p);
	if (conf->nversions > 0) {
		from = (const char *const *)conf->versions;
		n = conf->nversions;
	} else {
		from = p->type->default_versions;
		n = p->type->ndefault_versions;
	}
	p->versions = xcalloc(n, sizeof *p->versions);
	for (i = 0; i < n; i++) {
		p->versions[i] = xstrdup(from[i]);
		if (p->newest == NULL ||
		    version_compare(p->versions[i], p->newest) > 0)
			p->newest = p->versions[i];
	}
	p->nversions = n;
}

/* Build a fresh store from the persona's fixture; NULL, logged, on error. */
static void *
persona_load(const struct persona *p)
{
	const char *data;
	char *cause = NULL;
	void *store;
	size_t len;

	data = fixtures_get(p->type->fixture, &len);
	if (data == NULL) {
		log_msg(LOG_ERROR, p->service, "fixture %s is not compiled in",
		    p->type->fixture);
		return NULL;
	}
	store = p->ops->load(data, len, &cause);
	if (store == NULL) {
		log_msg(LOG_ERROR, p->service, "fixture %s: %s",
		    p->type->fixture,
		    cause != NULL ? cause : "cannot be loaded");
		free(cause);
	}
	return store;
}

/* Make a persona for a service, with its fixture data loaded. */
struct persona *
persona_new(const struct service_conf *conf, uint64_t seed)
{
	struct persona *p;

	p = xcalloc(1, sizeof *p);
	p->type = persona_type_get(conf->persona);
	p->ops = persona_ops_get(conf->persona);
	if (p->type == NULL || p->ops == NULL)
		goto fail;
	p->service = xstrdup(conf->name != NULL ? conf->name : p->type->name);
	p->seed = seed;
	p->max_records = PERSONA_MAX_RECORDS;
	rng_seed_stream(&p->rng, seed, p->service);
	persona_set_versions(p, conf);
	p->store = persona_load(p);
	if (p->store == NULL)
		goto fail;
	return p;

fail:
	persona_free(p);
	return NULL;
}

/* Apply a reloaded service's versions; the stored data stays. */
void
persona_configure(struct persona *p, const struct service_conf *conf)
{
	persona_set_versions(p, conf);
}

/* Point a financial engine at the UMS persona whose users it checks. */
void
persona_set_users_from(struct persona *p, struct persona *ums)
{
	if (p == NULL) /* a proxy's */
		return;
	if (p->type->kind != PERSONA_FINANCIAL_ENGINE || ums == NULL ||
	    ums->type->kind != PERSONA_UMS) {
		p->users_from = NULL;
		return;
	}
	p->users_from = ums;
}

/* Put the fixture data, the id sequences and the generator back as at start. */
void
persona_reset(struct persona *p)
{
	void *store;

	if (p == NULL) /* a proxy's: nothing stored */
		return;
	/* Load first: if that fails, the running data beats none. */
	store = persona_load(p);
	if (store == NULL)
		return;
	p->ops->free(p->store);
	p->store = store;
	rng_seed_stream(&p->rng, p->seed, p->service);
}

/* Free a persona and its store; safe on NULL and on a half-built one. */
void
persona_free(struct persona *p)
{
	if (p == NULL)
		return;
	if (p->ops != NULL)
		p->ops->free(p->store);
	persona_free_versions(p);
	free(p->stubs);
	free(p->service);
	free(p);
}

/* The persona's kind as scenario files name it ("ums"). */
const char *
persona_name(const struct persona *p)
{
	return p->type->name;
}

/* The name of the service the persona plays ("fin"). */
const char *
persona_service(const struct persona *p)
{
	return p->service;
}

/* The persona's spelling of version v if it speaks it, else NULL. */
static const char *
persona_speaks(const struct persona *p, const char *v)
{
	size_t i;

	if (!version_valid(v))
		return NULL;
	for (i = 0; i < p->nversions; i++) {
		if (version_compare(p->versions[i], v) == 0)
			return p->versions[i];
	}
	return NULL;
}

/* The versions the persona speaks, as a JSON array. */
static json_t *
persona_versions_json(const struct persona *p)
{
	json_t *a;
	size_t i;

	a = json_array();
	for (i = 0; i < p->nversions; i++)
		json_array_append_new(a, json_string(p->versions[i]));
	return a;
}

/* Join the strings of a JSON array with ", " into buf. */
static const char *
persona_join(json_t *a, char *buf, size_t len)
{
	size_t i, off = 0;
	int n;

	buf[0] = '\0';
	for (i = 0; i < json_array_size(a) && off < len; i++) {
		n = snprintf(buf + off, len - off, "%s%s", i > 0 ? ", " : "",
		    json_string_value(json_array_get(a, i)));
		if (n < 0)
			break;
		off += (size_t)n;
	}
	return buf;
}

/* Answer 426 version_mismatch for client versions the persona lacks. */
static void
persona_mismatch(struct persona *p, struct reply *r, json_t *client)
{
	char cbuf[256], sbuf[256];
	json_t *server;

	server = persona_versions_json(p);
	reply_error(r, 426, "version_mismatch",
	    "no common protocol version: the client speaks %s, %s speaks %s",
	    persona_join(client, cbuf, sizeof cbuf), p->service,
	    persona_join(server, sbuf, sizeof sbuf));
	json_object_set_new(r->json, "client_versions", client);
	json_object_set_new(r->json, "server_versions", server);
}

/*
 * Refuse a /v1 request whose X-Protocol-Version the persona does not
 * speak. Returns 1 if it answered.
 */
static int
persona_version_check(
    struct persona *p, const struct request *req, struct reply *r)
{
	char quoted[QUOTE_MAX];
	const char *v;
	json_t *client;

	if (strncmp(req->path, "/v1/", 4) != 0)
		return 0;
	if (strcmp(req->method, "POST") == 0 &&
	    strcmp(req->path, "/v1/handshake") == 0)
		return 0;
	v = request_header(req, "X-Protocol-Version");
	if (v == NULL || persona_speaks(p, v) != NULL)
		return 0;
	client = json_array();
	json_array_append_new(
	    client, json_string(persona_kit_quote(v, quoted, sizeof quoted)));
	persona_mismatch(p, r, client);
	return 1;
}

/* GET /health: the persona is up, and which versions it speaks. */
static void
persona_health(struct persona *p, const struct request *req,
    const struct route_params *params, struct reply *r)
{
	json_t *o;

	(void)req;
	(void)params;
	/* The same answer every time: built and serialized once. */
	if (!p->overridden && p->health != NULL) {
		reply_json_text(r, 200, json_incref(p->health),
		    json_incref(p->health_text));
		return;
	}
	o = json_object();
	json_object_set_new(o, "status", json_string("ok"));
	json_object_set_new(o, "service", json_string(p->type->name));
	json_object_set_new(o, "name", json_string(p->service));
	json_object_set_new(o, "version", json_string(p->newest));
	json_object_set_new(o, "versions", persona_versions_json(p));
	if (p->overridden) {
		reply_json(r, 200, o);
		return;
	}
	p->health = json_incref(o);
	p->health_text = persona_kit_text(o);
	reply_json_text(r, 200, o, json_incref(p->health_text));
}

/* Check a handshake's versions; 0, or -1 with a 422 naming the bad one. */
static int
persona_check_versions(json_t *versions, struct reply *r)
{
	char ptr[PERSONA_KIT_POINTER_LEN], quoted[QUOTE_MAX];
	const char *v;
	json_t *e;
	size_t i;

	if (!json_is_array(versions) || json_array_size(versions) == 0 ||
	    json_array_size(versions) > HANDSHAKE_MAX_VERSIONS) {
		reply_invalid(r, "/versions",
		    "versions must be an array of 1 to %d versions, such as "
		    "[\"1.1\", \"1.2\"]",
		    HANDSHAKE_MAX_VERSIONS);
		return -1;
	}
	for (i = 0; i < json_array_size(versions); i++) {
		e = json_array_get(versions, i);
		v = json_string_value(e);
		snprintf(ptr, sizeof ptr, "/versions/%zu", i);
		if (v == NULL) {
			reply_invalid(r, ptr, "a version is a string, not %s",
			    persona_kit_json_kind(e));
			return -1;
		}
		if (!version_valid(v)) {
			reply_invalid(r, ptr,
			    "\"%s\" is not a version (digits and dots: "
			    "\"1.2\")",
			    persona_kit_quote(v, quoted, sizeof quoted));
			return -1;
		}
	}
	return 0;
}

/* POST /v1/handshake: agree on the highest protocol version both speak. */
static void
persona_handshake(struct persona *p, const struct request *req,
    const struct route_params *params, struct reply *r)
{
	static const char *const fields[] = { "client", "versions" };
	const char *client, *ours, *best = NULL;
	json_t *body, *versions, *o;
	char session[32];
	size_t i;
	int rc;

	(void)params;
	body = persona_kit_body(req, r, fields, nitems(fields));
	if (body == NULL)
		return;
	rc = persona_kit_string(
	    body, "client", "", HANDSHAKE_CLIENT_MAX, &client, r);
	if (rc < 0)
		goto out;
	if (rc == 0) {
		reply_invalid(r, "/client",
		    "client is required: the name of the calling service");
		goto out;
	}
	versions = json_object_get(body, "versions");
	if (persona_check_versions(versions, r) != 0)
		goto out;
	for (i = 0; i < json_array_size(versions); i++) {
		ours = persona_speaks(
		    p, json_string_value(json_array_get(versions, i)));
		if (ours != NULL &&
		    (best == NULL || version_compare(ours, best) > 0))
			best = ours;
	}
	if (best == NULL) {
		persona_mismatch(p, r, json_incref(versions));
		goto out;
	}
	snprintf(session, sizeof session, "s-%016llx",
	    (unsigned long long)rng_next(&p->rng));
	o = json_object();
	json_object_set_new(o, "version", json_string(best));
	json_object_set_new(o, "server", json_string(p->type->name));
	json_object_set_new(o, "session", json_string(session));
	reply_json(r, 200, o);

out:
	json_decref(body);
}

/* Does a stub apply to this persona's service? */
static int
persona_stub_applies(const struct persona *p, const struct stub_conf *s)
{
	return s->path != NULL &&
	    (s->service == NULL || strcmp(s->service, p->service) == 0);
}

/* Answer with a stub's canned status, headers and body. */
static void
persona_stub_answer(const struct stub_conf *s, struct reply *r)
{
	int has_type = 0;
	size_t i;

	r->status = s->status != 0 ? s->status : 200;
	for (i = 0; i < s->nheaders; i++) {
		if (strcasecmp(s->headers[i].name, "Content-Type") == 0)
			has_type = 1;
		if (reply_header(r, s->headers[i].name, "%s",
		        s->headers[i].value) != 0) {
			reply_release(r);
			reply_error(r, 500, "stub_invalid",
			    "the stub for %s has too many headers for a reply",
			    s->path);
			return;
		}
	}
	if (s->body == NULL)
		return;
	r->raw = s->body;
	r->raw_len = s->body_len;
	if (!has_type) {
		r->content_type = s->body_is_json ? "application/json"
		                                  : "text/plain; charset=utf-8";
	}
}

/* Note a method allowed on the path, once. */
static void
persona_allow_add(struct persona_allow *allow, const char *method)
{
	size_t i;

	for (i = 0; i < allow->n; i++) {
		if (strcmp(allow->methods[i], method) == 0)
			return;
	}
	if (allow->n < ALLOW_MAX)
		allow->methods[allow->n++] = method;
}

/* Answer 405 with an Allow header listing the methods the path takes. */
static void
persona_not_allowed(
    const struct request *req, struct persona_allow *allow, struct reply *r)
{
	char list[256], qmethod[QUOTE_MAX], qpath[QUOTE_MAX];
	size_t i, off = 0;
	int head = 0;

	for (i = 0; i < allow->n; i++) {
		if (strcmp(allow->methods[i], "HEAD") == 0)
			head = 1;
	}
	list[0] = '\0';
	for (i = 0; i < allow->n && off < sizeof list; i++) {
		off += (size_t)snprintf(list + off, sizeof list - off, "%s%s",
		    i > 0 ? ", " : "", allow->methods[i]);
		/* The HTTP layer answers HEAD wherever GET is routed. */
		if (strcmp(allow->methods[i], "GET") == 0 && !head &&
		    off < sizeof list) {
			off += (size_t)snprintf(
			    list + off, sizeof list - off, ", HEAD");
		}
	}
	reply_error(r, 405, "method_not_allowed",
	    "%s is not allowed on %s (allowed: %s)",
	    persona_kit_quote(req->method, qmethod, sizeof qmethod),
	    persona_kit_quote(req->path, qpath, sizeof qpath), list);
	reply_header(r, "Allow", "%s", list);
}

/*
 * The first route of a table that matches the request, its captures in
 * params; methods of routes whose path matches under another method go to
 * allow (if not NULL). NULL if none matches.
 */
static const struct persona_route *
persona_match(const struct persona_route *table, size_t n,
    const struct request *req, struct persona_allow *allow,
    struct route_params *params)
{
	size_t i;

	for (i = 0; i < n; i++) {
		if (!route_match(table[i].pattern, req->path, params))
			continue;
		if (strcmp(table[i].method, req->method) == 0)
			return &table[i];
		if (allow != NULL)
			persona_allow_add(allow, table[i].method);
	}
	return NULL;
}

/*
 * Find what answers a request: a stub (*stub), else a shared route or
 * the persona's own (*route, captures in params). Methods the path takes
 * otherwise go to allow (if not NULL). Returns 0 if nothing answers.
 */
static int
persona_find(const struct persona *p, const struct stub_conf *const *stubs,
    size_t nstubs, const struct request *req, struct persona_allow *allow,
    const struct stub_conf **stub, const struct persona_route **route,
    struct route_params *params)
{
	const struct stub_conf *s;
	size_t i;

	*stub = NULL;
	*route = NULL;
	for (i = 0; i < nstubs; i++) {
		s = stubs[i];
		if (s == NULL || !persona_stub_applies(p, s) ||
		    !route_match(s->path, req->path, NULL))
			continue;
		if (s->method == NULL || strcmp(s->method, req->method) == 0) {
			*stub = s;
			return 1;
		}
		if (allow != NULL)
			persona_allow_add(allow, s->method);
	}
	*route = persona_match(persona_shared_routes,
	    nitems(persona_shared_routes), req, allow, params);
	if (*route == NULL)
		*route = persona_match(
		    p->ops->routes, p->ops->nroutes, req, allow, params);
	return *route != NULL;
}

const char *
persona_route(const struct persona *p, const struct stub_conf *const *stubs,
    size_t nstubs, const struct request *req)
{
	const struct stub_conf *stub;
	const struct persona_route *route;
	struct route_params params;

	if (!persona_find(p, stubs, nstubs, req, NULL, &stub, &route, &params))
		return PERSONA_ROUTE_NONE;
	return stub != NULL ? stub->path : route->pattern;
}

/* Answer one request: version check, stubs, routes, then 405 or 404. */
void
persona_handle(struct persona *p, const struct stub_conf *const *stubs,
    size_t nstubs, const struct request *req, struct reply *r)
{
	char qmethod[QUOTE_MAX], qpath[QUOTE_MAX];
	struct persona_allow allow;
	const struct stub_conf *stub;
	const struct persona_route *route;
	struct route_params params;

	reply_init(r);
	allow.n = 0;
	if (persona_version_check(p, req, r)) {
		r->route = persona_route(p, stubs, nstubs, req);
		return;
	}
	if (persona_find(
	        p, stubs, nstubs, req, &allow, &stub, &route, &params)) {
		if (stub != NULL)
			persona_stub_answer(stub, r);
		else
			route->fn(p, req, &params, r);
		/* After the answer: building one may start it afresh. */
		r->route = stub != NULL ? stub->path : route->pattern;
		return;
	}
	if (allow.n > 0)
		persona_not_allowed(req, &allow, r);
	else
		reply_error(r, 404, "not_found", "no route for %s %s",
		    persona_kit_quote(req->method, qmethod, sizeof qmethod),
		    persona_kit_quote(req->path, qpath, sizeof qpath));
	r->route = PERSONA_ROUTE_NONE;
}

/*
 * Answer with the call's overrides: for a version_mismatch fault the
 * persona speaks only the fault's versions for this one request.
 */
void
persona_handle_call(struct persona *p, const struct stub_conf *const *stubs,
    size_t nstubs, const struct farend_call *call, const struct request *req,
    struct reply *r)
{
	char **versions = p->versions;
	size_t nversions = p->nversions, i;
	const char *newest = p->newest;

	if (call == NULL || call->versions == NULL) {
		persona_handle(p, stubs, nstubs, req, r);
		return;
	}
	p->overridden = 1;
	p->versions = call->versions;
	p->nversions = call->nversions;
	p->newest = call->versions[0];
	for (i = 1; i < call->nversions; i++) {
		if (version_compare(call->versions[i], p->newest) > 0)
			p->newest = call->versions[i];
	}
	persona_handle(p, stubs, nstubs, req, r);
	p->overridden = 0;
	p->versions = versions;
	p->nversions = nversions;
	p->newest = newest;
}

void
persona_set_stubs(
    struct persona *p, const struct stub_conf *stubs, size_t nstubs)
{
	size_t i;

	free(p->stubs);
	p->stubs = NULL;
	p->nstubs = 0;
	if (nstubs == 0)
		return;
	p->stubs = xcalloc(nstubs, sizeof *p->stubs);
	for (i = 0; i < nstubs; i++) {
		if (stubs[i].service == NULL ||
		    strcmp(stubs[i].service, p->service) == 0)
			p->stubs[p->nstubs++] = &stubs[i];
	}
}

/* The far end's answer: the persona's, with its stubs and the call. */
static void
persona_farend_answer(void *impl, const struct request *req,
    const struct farend_call *call, struct reply *r)
{
	struct persona *p = impl;

	persona_handle_call(p, p->stubs, p->nstubs, call, req, r);
}

/* The far end's route label: the stub's or route's pattern. */
static const char *
persona_farend_route(void *impl, const struct request *req)
{
	struct persona *p = impl;

	return persona_route(p, p->stubs, p->nstubs, req);
}

const struct farend_ops persona_farend = {
	.name = "persona",
	.answer = persona_farend_answer,
	.route = persona_farend_route,
};
