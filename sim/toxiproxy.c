/*
 * toxiproxy.c: Toxiproxy's HTTP API (v2.12) on the control port. The
 * facts it follows are Toxiproxy's own: its JSON shapes and field order,
 * status codes, error bodies, defaults, merge rules, and its relaxed JSON
 * reading (keys in any case, unknown keys ignored, null as absent).
 *
 * There is one state. A proxy is a proxy service of the running scenario:
 * creating, changing or deleting one edits the scenario's "services" and
 * runs the result (control_target's amend), so GET /status, GET /scenario,
 * the journal and the metrics see it like any other service. A toxic is
 * a stream fault the API added (GET /faults lists it; `standin ctl fault
 * rm` removes it): this file keeps only what Toxiproxy shows of it (its
 * name, stream as sent, toxicity, attributes) and the fault's id.
 */
#include "config.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <event2/buffer.h>
#include <event2/http.h>
#include <event2/keyvalq_struct.h>
#include <jansson.h>

#include "control.h"
#include "inject.h"
#include "journal.h"
#include "log.h"
#include "response.h"
#include "scenario.h"
#include "toxiproxy.h"
#include "util.h"

#define TP_ATTRS_MAX 3

/* A toxic type: its attributes in Toxiproxy's order (all integers). */
struct tp_type {
	const char *name;
	const char *attrs[TP_ATTRS_MAX];
	size_t nattrs;
};

/*
 * Every toxic type Toxiproxy 2.12 registers. Each becomes the stream
 * fault of the same behaviour (tp_fault_json); noop becomes none.
 */
static const struct tp_type tp_types[] = {
	{ "latency", { "latency", "jitter" }, 2 },
	{ "bandwidth", { "rate" }, 1 },
	{ "slow_close", { "delay" }, 1 },
	{ "timeout", { "timeout" }, 1 },
	{ "reset_peer", { "timeout" }, 1 },
	{ "slicer", { "average_size", "size_variation", "delay" }, 3 },
	{ "limit_data", { "bytes" }, 1 },
	{ "noop", { NULL }, 0 },
};

struct tp_toxic {
	char *proxy;
	char *name;
	const struct tp_type *type;
	char *stream; /* as sent: "UpStream" is echoed as such */
	int upstream; /* client to server */
	double toxicity;
	json_int_t attrs[TP_ATTRS_MAX];
	uint64_t rule; /* the fault's id in the injector; 0: none (noop) */
};

struct toxiproxy {
	struct control_target t;
	struct tp_toxic *toxics; /* in the order they were added */
	size_t ntoxics;
	unsigned long long requests; /* for X-Toxiproxy-Request-Id */
};

/* A proxy service, copied out of the services hook. */
struct tp_proxy {
	char *name, *listen, *address, *upstream;
	int enabled;
};

struct tp_proxies {
	struct tp_proxy *v;
	size_t n;
};

/* An answer being made: status and message on error. */
struct tp_err {
	int status;
	char *msg;
};

static void __attribute__((format(printf, 3, 4)))
tp_fail(struct tp_err *e, int status, const char *fmt, ...)
{
	va_list ap;

	if (e->msg != NULL)
		return; /* the first error is the one answered */
	va_start(ap, fmt);
	e->status = status;
	e->msg = xvasprintf(fmt, ap);
	va_end(ap);
}

struct toxiproxy *
toxiproxy_new(const struct control_target *t)
{
	struct toxiproxy *tp = xcalloc(1, sizeof *tp);

	tp->t = *t;
	return tp;
}

static void
tp_toxic_clear(struct tp_toxic *x)
{
	free(x->proxy);
	free(x->name);
	free(x->stream);
}

void
toxiproxy_free(struct toxiproxy *tp)
{
	size_t i;

	if (tp == NULL)
		return;
	for (i = 0; i < tp->ntoxics; i++)
		tp_toxic_clear(&tp->toxics[i]);
	free(tp->toxics);
	free(tp);
}

/*
 * Journal a change made through the API, as standin's own endpoints do:
 * a "control" event with its action, for the service it changed.
 */
static void
tp_journal(struct toxiproxy *tp, const char *action, const char *proxy,
    const char *toxic)
{
	json_t *o =
	    json_pack("{s:s, s:s}", "action", action, "api", "toxiproxy");

	if (toxic != NULL)
		json_object_set_new(o, "toxic", json_string(toxic));
	journal_add(tp->t.journal, proxy, 0, "control", o);
}

/* ---- The proxies: the running scenario's proxy services ---- */

static void
tp_proxies_cb(const struct control_service *cs, void *arg)
{
	struct tp_proxies *ps = arg;
	struct tp_proxy *p;

	if (cs->upstream == NULL)
		return; /* a persona is not a proxy */
	ps->v = xrealloc(ps->v, (ps->n + 1) * sizeof *ps->v);
	p = &ps->v[ps->n++];
	p->name = xstrdup(cs->name);
	p->listen = xstrdup(cs->listen);
	p->address = cs->address != NULL ? xstrdup(cs->address) : NULL;
	p->upstream = xstrdup(cs->upstream);
	p->enabled = cs->enabled;
}

static void
tp_proxies_get(struct toxiproxy *tp, struct tp_proxies *ps)
{
	ps->v = NULL;
	ps->n = 0;
	tp->t.services(tp->t.arg, tp_proxies_cb, ps);
}

static void
tp_proxies_clear(struct tp_proxies *ps)
{
	size_t i;

	for (i = 0; i < ps->n; i++) {
		free(ps->v[i].name);
		free(ps->v[i].listen);
		free(ps->v[i].address);
		free(ps->v[i].upstream);
	}
	free(ps->v);
	ps->v = NULL;
	ps->n = 0;
}

static struct tp_proxy *
tp_proxy_find(struct tp_proxies *ps, const char *name)
{
	size_t i;

	for (i = 0; i < ps->n; i++) {
		if (strcmp(ps->v[i].name, name) == 0)
			return &ps->v[i];
	}
	return NULL;
}

/* Does the running scenario have a service (of any kind) of that name? */
static int
tp_service_exists(struct toxiproxy *tp, const char *name)
{
	const struct scenario *sc = tp->t.scenario(tp->t.arg);
	size_t i;

	for (i = 0; i < sc->nservices; i++) {
		if (strcmp(sc->services[i].name, name) == 0)
			return 1;
	}
	return 0;
}

/*
 * The address a proxy shows as "listen": where it is bound while enabled
 * (the port the OS chose for port 0), as given while not. Toxiproxy shows
 * every interface as "[::]".
 */
static char *
tp_listen_shown(const struct tp_proxy *p)
{
	const char *a =
	    p->enabled && p->address != NULL ? p->address : p->listen;

	if (strncmp(a, "0.0.0.0:", 8) == 0)
		return xasprintf("[::]:%s", a + 8);
	return xstrdup(a);
}

/* ---- The toxics ---- */

static const struct tp_type *
tp_type_find(const char *name)
{
	size_t i;

	for (i = 0; i < nitems(tp_types); i++) {
		if (strcmp(tp_types[i].name, name) == 0)
			return &tp_types[i];
	}
	return NULL;
}

static struct tp_toxic *
tp_toxic_find(struct toxiproxy *tp, const char *proxy, const char *name)
{
	size_t i;

	for (i = 0; i < tp->ntoxics; i++) {
		if (strcmp(tp->toxics[i].proxy, proxy) == 0 &&
		    strcmp(tp->toxics[i].name, name) == 0)
			return &tp->toxics[i];
	}
	return NULL;
}

/* A toxicity as a JSON number: integral values print as integers. */
static json_t *
tp_number(double d)
{
	if (d == (double)(json_int_t)d)
		return json_integer((json_int_t)d);
	return json_real(d);
}

static json_t *
tp_toxic_json(const struct tp_toxic *x)
{
	json_t *attrs = json_object();
	size_t i;

	for (i = 0; i < x->type->nattrs; i++)
		json_object_set_new(
		    attrs, x->type->attrs[i], json_integer(x->attrs[i]));
	return json_pack("{s:o, s:s, s:s, s:s, s:o}", "attributes", attrs,
	    "name", x->name, "type", x->type->name, "stream", x->stream,
	    "toxicity", tp_number(x->toxicity));
}

/* The toxics of a proxy: the upstream chain first, each in order. */
static json_t *
tp_toxics_json(struct toxiproxy *tp, const char *proxy)
{
	json_t *list = json_array();
	size_t i;
	int up;

	for (up = 1; up >= 0; up--) {
		for (i = 0; i < tp->ntoxics; i++) {
			if (tp->toxics[i].upstream == up &&
			    strcmp(tp->toxics[i].proxy, proxy) == 0)
				json_array_append_new(
				    list, tp_toxic_json(&tp->toxics[i]));
		}
	}
	return list;
}

static json_t *
tp_proxy_json(struct toxiproxy *tp, const struct tp_proxy *p)
{
	char *listen = tp_listen_shown(p);
	json_t *o;

	o = json_pack("{s:s, s:s, s:s, s:b, s:{}, s:o}", "name", p->name,
	    "listen", listen, "upstream", p->upstream, "enabled", p->enabled,
	    "Logger", "toxics", tp_toxics_json(tp, p->name));
	free(listen);
	return o;
}

/* A duration in whole milliseconds (or microseconds) for a fault. */
static json_t *
tp_duration(json_int_t n, const char *unit)
{
	char buf[48];

	/* Past ~115 days of milliseconds a duration would not parse. */
	if (n > 10000000000LL)
		n = 10000000000LL;
	snprintf(buf, sizeof buf, "%lld%s", (long long)(n > 0 ? n : 0), unit);
	return json_string(buf);
}

static json_int_t
tp_clamp(json_int_t v, json_int_t lo, json_int_t hi)
{
	return v < lo ? lo : v > hi ? hi : v;
}

/*
 * The stream fault that does what the toxic does, in the scenario format;
 * NULL for a toxic that changes nothing (noop, a bandwidth of 0).
 */
static json_t *
tp_fault_json(const struct tp_toxic *x)
{
	const char *t = x->type->name;
	double p = x->toxicity < 0 ? 0 : x->toxicity > 1 ? 1 : x->toxicity;
	json_t *f;

	if (strcmp(t, "noop") == 0 ||
	    (strcmp(t, "bandwidth") == 0 && x->attrs[0] <= 0))
		return NULL;
	f = json_pack("{s:s, s:s, s:s, s:s, s:o}", "service", x->proxy, "layer",
	    "stream", "type", t, "direction",
	    x->upstream ? "upstream" : "downstream", "probability",
	    json_real(p));
	if (strcmp(t, "latency") == 0) {
		json_object_set_new(
		    f, "latency", tp_duration(x->attrs[0], "ms"));
		json_object_set_new(
		    f, "jitter", tp_duration(x->attrs[1], "ms"));
	} else if (strcmp(t, "bandwidth") == 0) {
		/* KB/s, 1000 bytes to the KB (Toxiproxy: len/rate ms). */
		json_object_set_new(f, "rate",
		    json_integer(
		        tp_clamp(x->attrs[0], 1, INT64_MAX / 1000) * 1000));
	} else if (strcmp(t, "slow_close") == 0)
		json_object_set_new(f, "delay", tp_duration(x->attrs[0], "ms"));
	else if (strcmp(t, "timeout") == 0 || strcmp(t, "reset_peer") == 0)
		json_object_set_new(
		    f, "timeout", tp_duration(x->attrs[0], "ms"));
	else if (strcmp(t, "slicer") == 0) {
		json_object_set_new(
		    f, "size", json_integer(tp_clamp(x->attrs[0], 1, 65536)));
		json_object_set_new(f, "variation",
		    json_integer(tp_clamp(x->attrs[1], 0, 65536)));
		json_object_set_new(f, "delay", tp_duration(x->attrs[2], "us"));
	} else if (strcmp(t, "limit_data") == 0)
		json_object_set_new(f, "bytes",
		    json_integer(x->attrs[0] > 0 ? x->attrs[0] : 0));
	return f;
}

/* Turn the toxic on: add its fault. Returns 0, or -1 with e set. */
static int
tp_toxic_arm(struct toxiproxy *tp, struct tp_toxic *x, struct tp_err *e)
{
	struct errlist errs = { 0 };
	struct fault_conf *faults;
	json_t *f = tp_fault_json(x);
	size_t n, i;
	char *text, *msg;
	uint64_t id;

	x->rule = 0;
	if (f == NULL)
		return 0;
	text = json_dumps(f, JSON_COMPACT);
	json_decref(f);
	if (scenario_parse_faults(tp->t.scenario(tp->t.arg),
	        "the Toxiproxy API", text, strlen(text), &faults, &n,
	        &errs) != 0) {
		msg = errlist_join(&errs);
		tp_fail(e, 400, "bad request body: %s", msg);
		free(msg);
		errlist_clear(&errs);
		free(text);
		return -1;
	}
	free(text);
	id = inject_add(tp->t.inject, faults, n);
	if (id == 0) {
		for (i = 0; i < n; i++)
			fault_conf_clear(&faults[i]);
		free(faults);
		tp_fail(e, 500, "out of memory");
		return -1;
	}
	free(faults);
	x->rule = id;
	return 0;
}

/* Turn the toxic off: remove its fault. */
static void
tp_toxic_disarm(struct toxiproxy *tp, struct tp_toxic *x)
{
	if (x->rule != 0)
		inject_remove(tp->t.inject, x->rule);
	x->rule = 0;
}

static void
tp_toxic_remove(struct toxiproxy *tp, struct tp_toxic *x)
{
	size_t i = (size_t)(x - tp->toxics);

	tp_toxic_disarm(tp, x);
	tp_toxic_clear(x);
	memmove(x, x + 1, (tp->ntoxics - i - 1) * sizeof *x);
	tp->ntoxics--;
}

/* Remove every toxic of a proxy. */
static void
tp_toxics_drop(struct toxiproxy *tp, const char *proxy)
{
	size_t i = 0;

	while (i < tp->ntoxics) {
		if (strcmp(tp->toxics[i].proxy, proxy) == 0)
			tp_toxic_remove(tp, &tp->toxics[i]);
		else
			i++;
	}
}

/*
 * Forget toxics whose fault is gone (removed by DELETE /faults, `standin
 * ctl fault rm`, PUT /scenario) or whose proxy is: one state, whoever
 * changed it.
 */
static void
tp_prune(struct toxiproxy *tp)
{
	struct tp_proxies ps;
	struct tp_toxic *x;
	char id[32];
	size_t i = 0;
	int gone;

	tp_proxies_get(tp, &ps);
	while (i < tp->ntoxics) {
		x = &tp->toxics[i];
		snprintf(id, sizeof id, "%llu", (unsigned long long)x->rule);
		gone = x->rule != 0 && inject_find(tp->t.inject, id) == NULL;
		if (gone)
			x->rule = 0; /* nothing left to remove */
		/* A toxic whose proxy went takes its fault along. */
		if (gone || tp_proxy_find(&ps, x->proxy) == NULL)
			tp_toxic_remove(tp, x);
		else
			i++;
	}
	tp_proxies_clear(&ps);
}

/* ---- Relaxed JSON, read as Go's encoding/json reads it ---- */

/* A key, exactly or else in any case; NULL if absent or null. */
static json_t *
tp_key(json_t *o, const char *key)
{
	const char *k;
	json_t *v, *found;

	if (!json_is_object(o))
		return NULL;
	found = json_object_get(o, key);
	if (found == NULL) {
		json_object_foreach(o, k, v)
		{
			if (strcasecmp(k, key) == 0) {
				found = v;
				break;
			}
		}
	}
	return json_is_null(found) ? NULL : found;
}

/* Go's name for what a JSON value is. */
static const char *
tp_json_kind(json_t *v)
{
	switch (json_typeof(v)) {
	case JSON_OBJECT:
		return "object";
	case JSON_ARRAY:
		return "array";
	case JSON_STRING:
		return "string";
	case JSON_TRUE:
	case JSON_FALSE:
		return "bool";
	default:
		return "number";
	}
}

static void
tp_type_error(
    struct tp_err *e, json_t *v, const char *field, const char *gotype)
{
	tp_fail(e, 400,
	    "bad request body: json: cannot unmarshal %s into Go struct field "
	    "%s of type %s",
	    tp_json_kind(v), field, gotype);
}

/* A string field: 1 with *out set, 0 if absent, -1 on a type error. */
static int
tp_string(json_t *o, const char *key, const char *field, const char **out,
    struct tp_err *e)
{
	json_t *v = tp_key(o, key);

	if (v == NULL)
		return 0;
	if (!json_is_string(v)) {
		tp_type_error(e, v, field, "string");
		return -1;
	}
	*out = json_string_value(v);
	return 1;
}

static int
tp_bool(
    json_t *o, const char *key, const char *field, int *out, struct tp_err *e)
{
	json_t *v = tp_key(o, key);

	if (v == NULL)
		return 0;
	if (!json_is_boolean(v)) {
		tp_type_error(e, v, field, "bool");
		return -1;
	}
	*out = json_is_true(v);
	return 1;
}

/* Read the body: one JSON value (what follows it is not read). */
static json_t *
tp_body(struct evhttp_request *req, struct tp_err *e)
{
	struct evbuffer *in = evhttp_request_get_input_buffer(req);
	size_t len = evbuffer_get_length(in);
	json_error_t jerr;
	json_t *v;

	if (len == 0) {
		tp_fail(e, 400, "bad request body: EOF");
		return NULL;
	}
	v = json_loadb((const char *)evbuffer_pullup(in, -1), len,
	    JSON_DECODE_ANY | JSON_DISABLE_EOF_CHECK, &jerr);
	if (v == NULL)
		tp_fail(e, 400, "bad request body: %s", jerr.text);
	return v;
}

/* ---- Answers ---- */

static void
tp_headers(struct toxiproxy *tp, struct evhttp_request *req, const char *type)
{
	struct evkeyvalq *h = evhttp_request_get_output_headers(req);
	char id[32];

	snprintf(id, sizeof id, "standin-%llu", ++tp->requests);
	evhttp_add_header(h, "X-Toxiproxy-Request-Id", id);
	if (type != NULL)
		evhttp_add_header(h, "Content-Type", type);
}

/* Answer text as it is (taken over), or nothing. */
static void
tp_send(struct toxiproxy *tp, struct evhttp_request *req, int status,
    const char *type, char *text)
{
	struct evbuffer *buf = NULL;

	tp_headers(tp, req, type);
	if (text != NULL) {
		buf = evbuffer_new();
		if (buf != NULL)
			evbuffer_add(buf, text, strlen(text));
		free(text);
	}
	evhttp_send_reply(req, status, response_reason(status), buf);
	if (buf != NULL)
		evbuffer_free(buf);
}

/* Answer a JSON value (taken over), as Go's json.Marshal writes it. */
static void
tp_reply(
    struct toxiproxy *tp, struct evhttp_request *req, int status, json_t *v)
{
	char *text = json_dumps(
	    v, JSON_COMPACT | JSON_ENCODE_ANY | JSON_REAL_PRECISION(7));

	json_decref(v);
	tp_send(tp, req, status, "application/json", text);
}

/*
 * Answer an error as Toxiproxy's http.Error does: {"error", "status"} and
 * a newline, as text/plain with nosniff.
 */
static void
tp_error(struct toxiproxy *tp, struct evhttp_request *req, struct tp_err *e)
{
	json_t *o =
	    json_pack("{s:s, s:i}", "error", e->msg, "status", e->status);
	char *text = json_dumps(o, JSON_COMPACT);
	char *body = xasprintf("%s\n", text);

	evhttp_add_header(evhttp_request_get_output_headers(req),
	    "X-Content-Type-Options", "nosniff");
	tp_send(tp, req, e->status, "text/plain; charset=utf-8", body);
	free(text);
	json_decref(o);
	free(e->msg);
	e->msg = NULL;
}

static void
tp_not_found_page(struct toxiproxy *tp, struct evhttp_request *req)
{
	evhttp_add_header(evhttp_request_get_output_headers(req),
	    "X-Content-Type-Options", "nosniff");
	tp_send(tp, req, 404, "text/plain; charset=utf-8",
	    xstrdup("404 page not found\n"));
}

/* ---- Changing the scenario's services ---- */

/*
 * Run the scenario with its service name set to svc (taken over; NULL
 * removes it). Returns 0, or -1 with e set: a bad service (400), a port
 * that cannot be had (500, as Toxiproxy's listen error).
 */
static int
tp_amend(struct toxiproxy *tp, const char *name, json_t *svc, struct tp_err *e)
{
	const struct scenario *cur = tp->t.scenario(tp->t.arg);
	struct errlist errs = { 0 };
	struct scenario *sc;
	json_t *doc, *services;
	char *text, *cause = NULL, *msg, *at, *end;
	int code;

	doc = json_loadb(cur->source, cur->source_len, 0, NULL);
	if (!json_is_object(doc)) {
		json_decref(doc);
		json_decref(svc);
		tp_fail(e, 500, "cannot read the running scenario");
		return -1;
	}
	services = json_object_get(doc, "services");
	if (!json_is_object(services)) {
		services = json_object();
		json_object_set_new(doc, "services", services);
	}
	if (svc != NULL)
		json_object_set_new(services, name, svc);
	else
		json_object_del(services, name);
	text = json_dumps(doc, JSON_INDENT(2));
	json_decref(doc);
	sc = scenario_load_text("the Toxiproxy API", text, strlen(text), &errs);
	free(text);
	if (sc == NULL) {
		msg = errlist_join(&errs);
		tp_fail(e, 400, "%s", msg);
		free(msg);
		errlist_clear(&errs);
		return -1;
	}
	code = tp->t.amend(tp->t.arg, sc, &cause);
	if (code != 0 && cause != NULL &&
	    (at = strstr(cause, "cannot listen on ")) != NULL &&
	    (end = strstr(at, ": Address already in use")) != NULL) {
		/* Go's words for it, as Toxiproxy's clients see them. */
		at += strlen("cannot listen on ");
		scenario_free(sc);
		tp_fail(e, 500, "listen tcp %.*s: bind: address already in use",
		    (int)(end - at), at);
		free(cause);
		return -1;
	}
	if (code != 0) {
		scenario_free(sc);
		tp_fail(e, code == EXIT_DATAERR ? 400 : 500, "%s",
		    cause != NULL ? cause : "cannot apply");
		free(cause);
		return -1;
	}
	return 0;
}

/* The service object of a proxy in the running scenario (a copy). */
static json_t *
tp_service_doc(struct toxiproxy *tp, const char *name)
{
	const struct scenario *cur = tp->t.scenario(tp->t.arg);
	json_t *doc, *svc;

	doc = json_loadb(cur->source, cur->source_len, 0, NULL);
	svc = json_deep_copy(
	    json_object_get(json_object_get(doc, "services"), name));
	json_decref(doc);
	return svc != NULL ? svc : json_object();
}

/*
 * A listen address as the scenario takes it: Go's ":PORT" is every
 * interface; omitted, every interface on a port the OS chooses.
 */
static char *
tp_listen_conf(const char *listen)
{
	if (listen == NULL || listen[0] == '\0')
		return xstrdup("0.0.0.0:0");
	if (listen[0] == ':')
		return xasprintf("0.0.0.0%s", listen);
	if (strncmp(listen, "[::]:", 5) == 0)
		return xasprintf("0.0.0.0:%s", listen + 5);
	return xstrdup(listen);
}

/* A service's bound address, for tp_listen_taken(). */
struct tp_taken {
	const char *self; /* the proxy asking: its own address is free */
	char host[256];
	uint16_t port;
	int taken;
};

static int
tp_any_host(const char *h)
{
	return strcmp(h, "0.0.0.0") == 0 || strcmp(h, "::") == 0;
}

static void
tp_taken_cb(const struct control_service *cs, void *arg)
{
	struct tp_taken *t = arg;
	char host[256];
	uint16_t port;

	if (cs->address == NULL || strcmp(cs->name, t->self) == 0 ||
	    hostport_parse(cs->address, host, sizeof host, &port) != 0)
		return;
	if (port == t->port &&
	    (strcmp(host, t->host) == 0 || tp_any_host(host) ||
	        tp_any_host(t->host)))
		t->taken = 1;
}

/*
 * Is a listen address (as the scenario takes it) bound by another
 * service? Toxiproxy answers that with its listen error, a 500.
 */
static int
tp_listen_taken(struct toxiproxy *tp, const char *listen, const char *self,
    struct tp_err *e)
{
	struct tp_taken t;

	memset(&t, 0, sizeof t);
	t.self = self;
	if (hostport_parse(listen, t.host, sizeof t.host, &t.port) != 0 ||
	    t.port == 0)
		return 0;
	if (strcmp(t.host, "localhost") == 0)
		snprintf(t.host, sizeof t.host, "127.0.0.1");
	tp->t.services(tp->t.arg, tp_taken_cb, &t);
	if (t.taken)
		tp_fail(e, 500, "listen tcp %s: bind: address already in use",
		    listen);
	return t.taken;
}

/* The service a new proxy is: Toxiproxy's behaviour, in scenario keys. */
static json_t *
tp_service_new(const char *listen, const char *upstream, int enabled)
{
	char *l = tp_listen_conf(listen);
	json_t *svc;

	/*
	 * "drop": a dial that fails is Toxiproxy's accept-then-close (its
	 * #265), not the scenario's default ECONNREFUSED; toxics reach open
	 * connections at once, as Toxiproxy's do.
	 */
	svc = json_pack("{s:s, s:s, s:s, s:b}", "upstream", upstream, "listen",
	    l, "upstream_down", "drop", "live_stream_faults", 1);
	if (!enabled)
		json_object_set_new(svc, "enabled", json_false());
	free(l);
	return svc;
}

/* Fill in a proxy as it runs now; 0, or -1 if it is not a proxy. */
static int
tp_proxy_now(struct toxiproxy *tp, const char *name, struct tp_proxies *ps,
    struct tp_proxy **p)
{
	tp_proxies_get(tp, ps);
	*p = tp_proxy_find(ps, name);
	return *p != NULL ? 0 : -1;
}

/* A proxy's JSON as it runs now (after a change). */
static json_t *
tp_proxy_json_now(struct toxiproxy *tp, const char *name)
{
	struct tp_proxies ps;
	struct tp_proxy *p;
	json_t *o = NULL;

	if (tp_proxy_now(tp, name, &ps, &p) == 0)
		o = tp_proxy_json(tp, p);
	tp_proxies_clear(&ps);
	return o != NULL ? o : json_object();
}

/* ---- Proxies ---- */

/* What a proxy's JSON body says: NULL fields were not given. */
struct tp_proxy_in {
	const char *name, *listen, *upstream;
	int enabled, has_enabled;
};

static int
tp_proxy_read(json_t *o, struct tp_proxy_in *in, struct tp_err *e)
{
	memset(in, 0, sizeof *in);
	in->enabled = 1;
	if (!json_is_object(o)) {
		tp_fail(e, 400,
		    "bad request body: json: cannot unmarshal %s into Go value "
		    "of type toxiproxy.Proxy",
		    tp_json_kind(o));
		return -1;
	}
	if (tp_string(o, "name", "Proxy.name", &in->name, e) < 0 ||
	    tp_string(o, "listen", "Proxy.listen", &in->listen, e) < 0 ||
	    tp_string(o, "upstream", "Proxy.upstream", &in->upstream, e) < 0)
		return -1;
	in->has_enabled =
	    tp_bool(o, "enabled", "Proxy.enabled", &in->enabled, e);
	return in->has_enabled < 0 ? -1 : 0;
}

/* Make a proxy; its JSON, or NULL with e set. */
static json_t *
tp_proxy_create(
    struct toxiproxy *tp, const struct tp_proxy_in *in, struct tp_err *e)
{
	char *listen;
	int taken;

	if (tp_service_exists(tp, in->name)) {
		tp_fail(e, 409, "proxy already exists");
		return NULL;
	}
	listen = tp_listen_conf(in->listen);
	taken = in->enabled && tp_listen_taken(tp, listen, in->name, e);
	free(listen);
	if (taken)
		return NULL;
	if (tp_amend(tp, in->name,
	        tp_service_new(in->listen, in->upstream, in->enabled), e) != 0)
		return NULL;
	return tp_proxy_json_now(tp, in->name);
}

static int
tp_proxy_required(
    const struct tp_proxy_in *in, const char *suffix, struct tp_err *e)
{
	if (in->name == NULL || in->name[0] == '\0')
		tp_fail(e, 400, "missing required field: name%s", suffix);
	else if (in->upstream == NULL || in->upstream[0] == '\0')
		tp_fail(e, 400, "missing required field: upstream%s", suffix);
	return e->msg != NULL ? -1 : 0;
}

static void
tp_proxies_index(struct toxiproxy *tp, struct evhttp_request *req)
{
	struct tp_proxies ps;
	struct evbuffer *buf = evbuffer_new();
	size_t i, j, *order;
	char *text;
	json_t *o;

	tp_proxies_get(tp, &ps);
	/* Go writes a map's keys sorted. */
	order = xcalloc(ps.n + 1, sizeof *order);
	for (i = 0; i < ps.n; i++) {
		for (j = i;
		     j > 0 && strcmp(ps.v[order[j - 1]].name, ps.v[i].name) > 0;
		     j--)
			order[j] = order[j - 1];
		order[j] = i;
	}
	tp_headers(tp, req, "application/json");
	evbuffer_add(buf, "{", 1);
	for (i = 0; i < ps.n; i++) {
		o = json_pack("{s:o}", "k", json_string(ps.v[order[i]].name));
		text = json_dumps(json_object_get(o, "k"), JSON_ENCODE_ANY);
		json_decref(o);
		evbuffer_add_printf(buf, "%s%s:", i > 0 ? "," : "", text);
		free(text);
		o = tp_proxy_json(tp, &ps.v[order[i]]);
		text = json_dumps(o, JSON_COMPACT | JSON_REAL_PRECISION(7));
		json_decref(o);
		evbuffer_add(buf, text, strlen(text));
		free(text);
	}
	evbuffer_add(buf, "}", 1);
	evhttp_send_reply(req, 200, "OK", buf);
	evbuffer_free(buf);
	free(order);
	tp_proxies_clear(&ps);
}

static void
tp_proxies_create(struct toxiproxy *tp, struct evhttp_request *req)
{
	struct tp_err e = { 0, NULL };
	struct tp_proxy_in in;
	json_t *body, *o = NULL;

	body = tp_body(req, &e);
	if (body != NULL && tp_proxy_read(body, &in, &e) == 0 &&
	    tp_proxy_required(&in, "", &e) == 0)
		o = tp_proxy_create(tp, &in, &e);
	if (o != NULL) {
		log_info("Toxiproxy API: created proxy %s", in.name);
		tp_journal(tp, "proxy_create", in.name, NULL);
		tp_reply(tp, req, 201, o);
	} else
		tp_error(tp, req, &e);
	json_decref(body);
}

/* Change a proxy: listen, upstream, enabled (POST or PATCH). */
static void
tp_proxy_update(struct toxiproxy *tp, struct evhttp_request *req,
    const char *name, struct tp_proxy *p)
{
	struct tp_err e = { 0, NULL };
	struct tp_proxy_in in;
	json_t *body, *svc;
	char *listen = NULL, *shown;
	int restart = 0, enabled;

	body = tp_body(req, &e);
	if (body == NULL || tp_proxy_read(body, &in, &e) != 0)
		goto out;
	enabled = in.has_enabled ? in.enabled : p->enabled;
	svc = tp_service_doc(tp, name);
	shown = tp_listen_shown(p);
	if (in.listen != NULL && strcmp(in.listen, p->listen) != 0 &&
	    strcmp(in.listen, shown) != 0) {
		listen = tp_listen_conf(in.listen);
		restart = 1;
	} else if (!enabled && p->enabled && p->address != NULL) {
		/* Disabled, it keeps the port it had (port 0 chose one), to
		 * listen on it again when enabled. Enabled, its listener
		 * stays as it is. */
		listen = xstrdup(p->address);
	}
	free(shown);
	if (listen != NULL && enabled && restart &&
	    tp_listen_taken(tp, listen, name, &e)) {
		json_decref(svc);
		goto out;
	}
	if (listen != NULL)
		json_object_set_new(svc, "listen", json_string(listen));
	if (in.upstream != NULL && strcmp(in.upstream, p->upstream) != 0) {
		json_object_set_new(svc, "upstream", json_string(in.upstream));
		restart = 1;
	}
	if (enabled)
		json_object_del(svc, "enabled");
	else
		json_object_set_new(svc, "enabled", json_false());
	if (tp_amend(tp, name, svc, &e) != 0)
		goto out;
	if (restart && enabled)
		tp->t.restart(tp->t.arg, name);
	tp_journal(tp, "proxy_update", name, NULL);
	tp_reply(tp, req, 200, tp_proxy_json_now(tp, name));
out:
	free(listen);
	if (e.msg != NULL)
		tp_error(tp, req, &e);
	json_decref(body);
}

static void
tp_proxy_delete(
    struct toxiproxy *tp, struct evhttp_request *req, const char *name)
{
	struct tp_err e = { 0, NULL };

	tp_toxics_drop(tp, name);
	tp->t.faults_changed(tp->t.arg, name);
	tp->t.restart(tp->t.arg, name);
	if (tp_amend(tp, name, NULL, &e) != 0) {
		tp_error(tp, req, &e);
		return;
	}
	log_info("Toxiproxy API: deleted proxy %s", name);
	tp_journal(tp, "proxy_delete", name, NULL);
	tp_send(tp, req, 204, NULL, NULL);
}

/* ---- Toxics ---- */

/* Read a toxic's attributes into x (merged: absent ones keep theirs). */
static int
tp_attrs_read(json_t *o, struct tp_toxic *x, struct tp_err *e)
{
	char field[96];
	json_t *v;
	size_t i;

	if (o == NULL)
		return 0;
	if (!json_is_object(o)) {
		tp_fail(e, 400,
		    "bad request body: json: cannot unmarshal %s into Go "
		    "value of type toxics.%s",
		    tp_json_kind(o), x->type->name);
		return -1;
	}
	for (i = 0; i < x->type->nattrs; i++) {
		v = tp_key(o, x->type->attrs[i]);
		if (v == NULL)
			continue;
		if (!json_is_integer(v)) {
			snprintf(field, sizeof field, "%s.%s", x->type->name,
			    x->type->attrs[i]);
			tp_type_error(e, v, field, "int64");
			return -1;
		}
		x->attrs[i] = json_integer_value(v);
	}
	return 0;
}

static int
tp_toxicity_read(json_t *o, double *out, struct tp_err *e)
{
	json_t *v = tp_key(o, "toxicity");

	if (v == NULL)
		return 0;
	if (!json_is_number(v)) {
		tp_type_error(e, v, "Toxic.toxicity", "float32");
		return -1;
	}
	*out = json_number_value(v);
	return 0;
}

/*
 * Add a toxic to a proxy from its JSON, as Toxiproxy does: read the
 * fields, the stream, fill in the name, find the type, refuse a name the
 * proxy has, read the attributes. Its JSON, or NULL with e set.
 */
static json_t *
tp_toxic_create(
    struct toxiproxy *tp, const char *proxy, json_t *o, struct tp_err *e)
{
	const char *name = NULL, *type = NULL, *stream = NULL;
	struct tp_toxic x;
	json_t *attrs;

	memset(&x, 0, sizeof x);
	x.toxicity = 1;
	if (!json_is_object(o)) {
		tp_fail(e, 400,
		    "bad request body: json: cannot unmarshal %s into Go value "
		    "of type toxiproxy.Toxic",
		    tp_json_kind(o));
		return NULL;
	}
	if (tp_string(o, "name", "Toxic.name", &name, e) < 0 ||
	    tp_string(o, "type", "Toxic.type", &type, e) < 0 ||
	    tp_string(o, "stream", "Toxic.stream", &stream, e) < 0 ||
	    tp_toxicity_read(o, &x.toxicity, e) < 0)
		return NULL;
	attrs = tp_key(o, "attributes");
	if (stream == NULL || stream[0] == '\0')
		stream = "downstream";
	if (strcasecmp(stream, "upstream") == 0)
		x.upstream = 1;
	else if (strcasecmp(stream, "downstream") != 0) {
		tp_fail(e, 400,
		    "stream was invalid, can be either upstream or downstream");
		return NULL;
	}
	if (type == NULL || (x.type = tp_type_find(type)) == NULL) {
		tp_fail(e, 400, "invalid toxic type");
		return NULL;
	}
	x.name = name != NULL && name[0] != '\0'
	    ? xstrdup(name)
	    : xasprintf("%s_%s", type, stream);
	if (tp_toxic_find(tp, proxy, x.name) != NULL) {
		tp_fail(e, 409, "toxic already exists");
		free(x.name);
		return NULL;
	}
	if (tp_attrs_read(attrs, &x, e) != 0) {
		free(x.name);
		return NULL;
	}
	x.proxy = xstrdup(proxy);
	x.stream = xstrdup(stream);
	if (tp_toxic_arm(tp, &x, e) != 0) {
		tp_toxic_clear(&x);
		return NULL;
	}
	tp->toxics = xrealloc(tp->toxics, (tp->ntoxics + 1) * sizeof x);
	tp->toxics[tp->ntoxics++] = x;
	tp->t.faults_changed(tp->t.arg, proxy);
	log_info("Toxiproxy API: added %s toxic %s on proxy %s",
	    x.upstream ? "upstream" : "downstream", x.name, proxy);
	tp_journal(tp, "toxic_add", proxy, x.name);
	return tp_toxic_json(&x);
}

static void
tp_toxics_create(
    struct toxiproxy *tp, struct evhttp_request *req, const char *proxy)
{
	struct tp_err e = { 0, NULL };
	json_t *body, *o = NULL;

	body = tp_body(req, &e);
	if (body != NULL)
		o = tp_toxic_create(tp, proxy, body, &e);
	if (o != NULL)
		tp_reply(tp, req, 200, o);
	else
		tp_error(tp, req, &e);
	json_decref(body);
}

/* Merge attributes and toxicity into a toxic (POST or PATCH). */
static void
tp_toxic_update(
    struct toxiproxy *tp, struct evhttp_request *req, struct tp_toxic *x)
{
	struct tp_err e = { 0, NULL };
	struct tp_toxic next = *x; /* shares x's strings: not cleared */
	uint64_t old = x->rule;
	json_t *body;

	body = tp_body(req, &e);
	if (body != NULL && !json_is_object(body))
		tp_fail(&e, 400,
		    "bad request body: json: cannot unmarshal %s into Go value "
		    "of type toxiproxy.Toxic",
		    tp_json_kind(body));
	/* The new fault first: if it cannot be had, the old one stays. */
	if (e.msg == NULL && tp_toxicity_read(body, &next.toxicity, &e) == 0 &&
	    tp_attrs_read(tp_key(body, "attributes"), &next, &e) == 0 &&
	    tp_toxic_arm(tp, &next, &e) == 0) {
		if (old != 0)
			inject_remove(tp->t.inject, old);
		*x = next;
	}
	json_decref(body);
	if (e.msg != NULL) {
		tp_error(tp, req, &e);
		return;
	}
	tp->t.faults_changed(tp->t.arg, x->proxy);
	tp_journal(tp, "toxic_update", x->proxy, x->name);
	tp_reply(tp, req, 200, tp_toxic_json(x));
}

static void
tp_toxic_delete(
    struct toxiproxy *tp, struct evhttp_request *req, struct tp_toxic *x)
{
	log_info(
	    "Toxiproxy API: removed toxic %s on proxy %s", x->name, x->proxy);
	char *proxy = xstrdup(x->proxy);

	tp_journal(tp, "toxic_remove", x->proxy, x->name);
	tp_toxic_remove(tp, x);
	tp->t.faults_changed(tp->t.arg, proxy);
	free(proxy);
	tp_send(tp, req, 204, NULL, NULL);
}

/* ---- Populate ---- */

/*
 * Make or keep each proxy of a JSON array, then its toxics. Every entry
 * is checked before anything is made; a failure part-way keeps what was
 * made before it. The proxies made or kept go into *made (an array).
 */
static int
tp_populate(struct toxiproxy *tp, json_t *list, json_t *made, struct tp_err *e)
{
	struct tp_proxy_in in;
	struct tp_proxies ps;
	struct tp_proxy *p;
	json_t *entry, *toxics, *tx, *o;
	char suffix[48], *shown, *listen;
	size_t i, k;
	int same;

	if (!json_is_array(list)) {
		tp_fail(e, 400,
		    "bad request body: json: cannot unmarshal %s into Go value "
		    "of type []toxiproxy.Proxy",
		    tp_json_kind(list));
		return -1;
	}
	json_array_foreach(list, i, entry)
	{
		snprintf(suffix, sizeof suffix, " at proxy %zu", i + 1);
		if (tp_proxy_read(entry, &in, e) != 0 ||
		    tp_proxy_required(&in, suffix, e) != 0)
			return -1;
		toxics = tp_key(entry, "toxics");
		if (toxics != NULL && !json_is_array(toxics)) {
			tp_type_error(
			    e, toxics, "Proxy.toxics", "[]toxiproxy.Toxic");
			return -1;
		}
	}
	json_array_foreach(list, i, entry)
	{
		tp_proxy_read(entry, &in, e);
		same = 0;
		if (tp_proxy_now(tp, in.name, &ps, &p) == 0) {
			shown = tp_listen_shown(p);
			listen = tp_listen_conf(in.listen);
			same = strcmp(in.upstream, p->upstream) == 0 &&
			    (strcmp(listen, p->listen) == 0 ||
			        (in.listen != NULL &&
			            strcmp(in.listen, shown) == 0) ||
			        (p->address != NULL &&
			            strcmp(listen, p->address) == 0));
			free(shown);
			free(listen);
			if (!same) {
				/* Replaced: its toxics and connections go. */
				tp_toxics_drop(tp, in.name);
				tp->t.faults_changed(tp->t.arg, in.name);
				tp->t.restart(tp->t.arg, in.name);
				if (tp_amend(tp, in.name, NULL, e) != 0) {
					tp_proxies_clear(&ps);
					return -1;
				}
			}
		}
		tp_proxies_clear(&ps);
		if (!same && (o = tp_proxy_create(tp, &in, e)) == NULL)
			return -1;
		if (!same)
			json_decref(o);
		toxics = tp_key(entry, "toxics");
		json_array_foreach(toxics, k, tx)
		{
			/* Toxiproxy drops these (its #447); standin makes them. */
			o = tp_toxic_create(tp, in.name, tx, e);
			if (o == NULL)
				return -1;
			json_decref(o);
		}
		json_array_append_new(made, tp_proxy_json_now(tp, in.name));
	}
	return 0;
}

int
toxiproxy_populate_text(
    struct toxiproxy *tp, const char *text, size_t len, char **msg)
{
	struct tp_err e = { 0, NULL };
	json_error_t jerr;
	json_t *list, *made = json_array();

	tp_prune(tp);
	list = json_loadb(text, len, 0, &jerr);
	if (list == NULL) {
		*msg =
		    xasprintf("%d:%d: %s", jerr.line, jerr.column, jerr.text);
		json_decref(made);
		return -1;
	}
	tp_populate(tp, list, made, &e);
	json_decref(list);
	json_decref(made);
	if (e.msg != NULL) {
		*msg = e.msg;
		return -1;
	}
	return 0;
}

static void
tp_populate_request(struct toxiproxy *tp, struct evhttp_request *req)
{
	struct tp_err e = { 0, NULL };
	json_t *body, *made = json_array(), *o;
	char *text;
	int rc = -1;

	body = tp_body(req, &e);
	if (body != NULL)
		rc = tp_populate(tp, body, made, &e);
	json_decref(body);
	/* Its errors are JSON: error, status, then the proxies made before
	 * it. Go marshals a slice never appended to as null. */
	o = rc == 0
	    ? json_object()
	    : json_pack("{s:s, s:i}", "error", e.msg, "status", e.status);
	json_object_set_new(o, "proxies",
	    json_array_size(made) > 0 ? json_incref(made) : json_null());
	json_decref(made);
	if (rc == 0) {
		tp_reply(tp, req, 201, o);
		return;
	}
	text = json_dumps(o, JSON_COMPACT | JSON_REAL_PRECISION(7));
	json_decref(o);
	tp_send(tp, req, e.status, "application/json", text);
	free(e.msg);
}

/* ---- Routing ---- */

int
toxiproxy_serves(const char *path)
{
	return strcmp(path, "/version") == 0 ||
	    strcmp(path, "/populate") == 0 || strcmp(path, "/proxies") == 0 ||
	    strncmp(path, "/proxies/", 9) == 0;
}

/* A known path, a method it does not take: 405, empty, no Allow. */
static void
tp_method_not_allowed(struct toxiproxy *tp, struct evhttp_request *req)
{
	tp_send(tp, req, 405, NULL, NULL);
}

static void
tp_not_found(struct toxiproxy *tp, struct evhttp_request *req, const char *what)
{
	struct tp_err e = { 404, xstrdup(what) };

	tp_error(tp, req, &e);
}

/* /proxies/{proxy}[/toxics[/{toxic}]] */
static void
tp_proxy_route(struct toxiproxy *tp, struct evhttp_request *req,
    const char *rest, enum evhttp_cmd_type m)
{
	char *parts[4] = { NULL, NULL, NULL, NULL }, *copy, *s, *slash;
	struct tp_proxies ps = { NULL, 0 };
	struct tp_proxy *p = NULL;
	struct tp_toxic *x;
	size_t n = 0;
	int upd = m == EVHTTP_REQ_POST || m == EVHTTP_REQ_PATCH;

	copy = xstrdup(rest);
	for (s = copy; n < nitems(parts);) {
		parts[n++] = s;
		if ((slash = strchr(s, '/')) == NULL)
			break;
		*slash = '\0';
		s = slash + 1;
	}
	/* gorilla/mux: every segment non-empty, nothing past the toxic. */
	if (n == 0 || (n == 4) || parts[0][0] == '\0' ||
	    (n >= 2 && strcmp(parts[1], "toxics") != 0) ||
	    (n == 3 && parts[2][0] == '\0') || strchr(parts[n - 1], '/')) {
		tp_not_found_page(tp, req);
		goto out;
	}
	if (n == 1 && m != EVHTTP_REQ_GET && !upd && m != EVHTTP_REQ_DELETE) {
		tp_method_not_allowed(tp, req);
		goto out;
	}
	if (n == 2 && m != EVHTTP_REQ_GET && m != EVHTTP_REQ_POST) {
		tp_method_not_allowed(tp, req);
		goto out;
	}
	if (n == 3 && m != EVHTTP_REQ_GET && !upd && m != EVHTTP_REQ_DELETE) {
		tp_method_not_allowed(tp, req);
		goto out;
	}
	if (tp_proxy_now(tp, parts[0], &ps, &p) != 0) {
		tp_not_found(tp, req, "proxy not found");
		goto out;
	}
	if (n == 1) {
		if (m == EVHTTP_REQ_GET)
			tp_reply(tp, req, 200, tp_proxy_json(tp, p));
		else if (upd)
			tp_proxy_update(tp, req, parts[0], p);
		else
			tp_proxy_delete(tp, req, parts[0]);
	} else if (n == 2) {
		if (m == EVHTTP_REQ_GET)
			tp_reply(tp, req, 200, tp_toxics_json(tp, parts[0]));
		else
			tp_toxics_create(tp, req, parts[0]);
	} else if ((x = tp_toxic_find(tp, parts[0], parts[2])) == NULL)
		tp_not_found(tp, req, "toxic not found");
	else if (m == EVHTTP_REQ_GET)
		tp_reply(tp, req, 200, tp_toxic_json(x));
	else if (upd)
		tp_toxic_update(tp, req, x);
	else
		tp_toxic_delete(tp, req, x);
out:
	tp_proxies_clear(&ps);
	free(copy);
}

void
toxiproxy_request(struct toxiproxy *tp, struct evhttp_request *req,
    const char *path, enum evhttp_cmd_type m)
{
	const char *ua = evhttp_find_header(
	    evhttp_request_get_input_headers(req), "User-Agent");

	/* Toxiproxy refuses browsers: a page must not drive it (CSRF). */
	if (ua != NULL && strncmp(ua, "Mozilla/", 8) == 0) {
		evhttp_add_header(evhttp_request_get_output_headers(req),
		    "X-Content-Type-Options", "nosniff");
		tp_send(tp, req, 403, "text/plain; charset=utf-8",
		    xstrdup("User agent not allowed\n"));
		return;
	}
	tp_prune(tp);
	if (strcmp(path, "/version") == 0) {
		if (m != EVHTTP_REQ_GET)
			tp_method_not_allowed(tp, req);
		else
			tp_send(tp, req, 200, "application/json;charset=utf-8",
			    xstrdup("{\"version\": \"" TOXIPROXY_API_VERSION
			            "\"}\n"));
	} else if (strcmp(path, "/populate") == 0) {
		if (m != EVHTTP_REQ_POST)
			tp_method_not_allowed(tp, req);
		else
			tp_populate_request(tp, req);
	} else if (strcmp(path, "/proxies") == 0) {
		if (m == EVHTTP_REQ_GET)
			tp_proxies_index(tp, req);
		else if (m == EVHTTP_REQ_POST)
			tp_proxies_create(tp, req);
		else
			tp_method_not_allowed(tp, req);
	} else
		tp_proxy_route(tp, req, path + strlen("/proxies/"), m);
}

int
toxiproxy_reset(struct toxiproxy *tp)
{
	struct tp_err e = { 0, NULL };
	struct tp_proxies ps;
	json_t *svc;
	size_t i;
	int rc = 0;

	/* The API's faults are gone already: forget what showed them. */
	for (i = 0; i < tp->ntoxics; i++) {
		tp->toxics[i].rule = 0;
		tp_toxic_clear(&tp->toxics[i]);
	}
	tp->ntoxics = 0;
	/* Toxiproxy starts every proxy again (Start on a running one does
	 * nothing): a disabled one listens again, open connections go on. */
	tp_proxies_get(tp, &ps);
	for (i = 0; i < ps.n; i++) {
		if (ps.v[i].enabled)
			continue;
		svc = tp_service_doc(tp, ps.v[i].name);
		json_object_del(svc, "enabled");
		if (tp_amend(tp, ps.v[i].name, svc, &e) != 0) {
			log_error(
			    "POST /reset: proxy %s: %s", ps.v[i].name, e.msg);
			free(e.msg);
			e.msg = NULL;
			rc = -1;
		}
	}
	tp_proxies_clear(&ps);
	return rc;
}

const char *
toxiproxy_toxic_of(
    const struct toxiproxy *tp, uint64_t rule, const char **proxy)
{
	size_t i;

	for (i = 0; i < tp->ntoxics; i++) {
		if (tp->toxics[i].rule == rule) {
			*proxy = tp->toxics[i].proxy;
			return tp->toxics[i].name;
		}
	}
	return NULL;
}
