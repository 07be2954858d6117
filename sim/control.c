/*
 * control.c: the control API on libevent's evhttp, on the same loop as
 * the services. Handlers are short and never block: every one reads or
 * changes the state it was lent (struct control_target) and answers at
 * once. A request that gets an error has changed nothing: each handler
 * validates everything before it touches that state.
 */
#include "config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/queue.h>
#include <sys/socket.h>
#include <unistd.h>

#include <event2/buffer.h>
#include <event2/event.h>
#include <event2/http.h>
#include <event2/keyvalq_struct.h>
#include <event2/listener.h>
#include <jansson.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>

#include "clock.h"
#include "control.h"
#include "response.h"
#include "inject.h"
#include "journal.h"
#include "log.h"
#include "metrics.h"
#include "scenario.h"
#include "timeline.h"
#include "toxiproxy.h"
#include "util.h"

/* An idle control connection is closed after this long. */
#define CONTROL_IDLE_SEC 60

struct control {
	struct control_target t; /* what it drives, lent by its owner */
	struct evhttp *http;
	struct evconnlistener *lev; /* its port; connections go to http */
	struct event *resume; /* accepts again after a pause (EMFILE) */
	char address[300];
	int has_token;
	unsigned char token_digest[EVP_MAX_MD_SIZE]; /* of "Bearer TOKEN" */
	unsigned int token_digest_len;
	struct toxiproxy *toxiproxy; /* its API: /version, /proxies, ... */
	TAILQ_ENTRY(control) entry; /* in control_all */
};

/*
 * The control APIs running (one, outside tests): libevent 2.1 hands the
 * listener's error callback evhttp's pointer, not ours, and has no public
 * call that gives evhttp an accepted socket, so the callback finds its
 * control API here.
 */
static TAILQ_HEAD(, control) control_all = TAILQ_HEAD_INITIALIZER(control_all);

typedef void control_fn(
    struct control *, struct evhttp_request *, const char *arg);

/* One endpoint: a path (or a prefix, the rest being the argument). */
struct control_route {
	const char *path;
	int prefix;
	enum evhttp_cmd_type method;
	control_fn *fn;
};

static control_fn control_health, control_status, control_scenario_get,
    control_scenario_put, control_phase, control_faults_get,
    control_faults_post, control_faults_delete, control_fault_delete,
    control_journal_get, control_journal_delete, control_metrics, control_reset;

/* Toxiproxy's endpoints are toxiproxy.c's (toxiproxy_serves()). */
static const struct control_route control_routes[] = {
	{ "/health", 0, EVHTTP_REQ_GET, control_health },
	{ "/status", 0, EVHTTP_REQ_GET, control_status },
	{ "/scenario", 0, EVHTTP_REQ_GET, control_scenario_get },
	{ "/scenario", 0, EVHTTP_REQ_PUT, control_scenario_put },
	{ "/phase", 0, EVHTTP_REQ_POST, control_phase },
	{ "/faults", 0, EVHTTP_REQ_GET, control_faults_get },
	{ "/faults", 0, EVHTTP_REQ_POST, control_faults_post },
	{ "/faults", 0, EVHTTP_REQ_DELETE, control_faults_delete },
	{ "/faults/", 1, EVHTTP_REQ_DELETE, control_fault_delete },
	{ "/journal", 0, EVHTTP_REQ_GET, control_journal_get },
	{ "/journal", 0, EVHTTP_REQ_DELETE, control_journal_delete },
	{ "/metrics", 0, EVHTTP_REQ_GET, control_metrics },
	{ "/reset", 0, EVHTTP_REQ_POST, control_reset },
};

static const struct {
	enum evhttp_cmd_type method;
	const char *name;
} control_methods[] = {
	{ EVHTTP_REQ_GET, "GET" },
	{ EVHTTP_REQ_POST, "POST" },
	{ EVHTTP_REQ_HEAD, "HEAD" },
	{ EVHTTP_REQ_PUT, "PUT" },
	{ EVHTTP_REQ_DELETE, "DELETE" },
	{ EVHTTP_REQ_OPTIONS, "OPTIONS" },
	{ EVHTTP_REQ_TRACE, "TRACE" },
	{ EVHTTP_REQ_CONNECT, "CONNECT" },
	{ EVHTTP_REQ_PATCH, "PATCH" },
};

/* Free a buffer handed to an evbuffer by reference. */
static void
control_free_cb(const void *data, size_t len, void *arg)
{
	(void)len;
	(void)arg;
	free((void *)data);
}

/* Answer with the body in buf (freed here), of that content type. */
static void
control_send_buffer(struct evhttp_request *req, int status, const char *type,
    struct evbuffer *buf)
{
	evhttp_add_header(
	    evhttp_request_get_output_headers(req), "Content-Type", type);
	evhttp_add_header(evhttp_request_get_output_headers(req),
	    "Cache-Control", "no-store");
	evhttp_send_reply(req, status, response_reason(status), buf);
	if (buf != NULL)
		evbuffer_free(buf);
}

/* Answer with a body of that content type (taken over). */
static void
control_send(struct evhttp_request *req, int status, const char *type,
    char *body, size_t len)
{
	struct evbuffer *buf = evbuffer_new();

	if (buf != NULL && body != NULL &&
	    evbuffer_add_reference(buf, body, len, control_free_cb, NULL) == 0)
		body = NULL;
	free(body);
	control_send_buffer(req, status, type, buf);
}

/* Answer a JSON value (taken over), followed by a newline. */
static void
control_reply(struct evhttp_request *req, int status, json_t *o)
{
	char *text = json_dumps(o, JSON_COMPACT);
	char *body;
	size_t len;

	json_decref(o);
	if (text == NULL) {
		evhttp_send_error(req, 500, "cannot encode the answer");
		return;
	}
	len = strlen(text);
	body = xrealloc(text, len + 2);
	body[len] = '\n';
	body[len + 1] = '\0';
	control_send(req, status, "application/json", body, len + 1);
}

/*
 * Make a message JSON can carry: it may quote what the client sent (a
 * path, a parameter, an id), and bytes that are not UTF-8 become '?'.
 */
static void
control_utf8(char *msg)
{
	json_t *probe = json_string(msg);
	char *p;

	if (probe != NULL) {
		json_decref(probe);
		return;
	}
	for (p = msg; *p != '\0'; p++) {
		if ((unsigned char)*p >= 0x80)
			*p = '?';
	}
}

/* Answer an error: {"error": code, "message": ...}. */
static void __attribute__((format(printf, 4, 5)))
control_error(struct evhttp_request *req, int status, const char *code,
    const char *fmt, ...)
{
	va_list ap;
	char *msg;

	va_start(ap, fmt);
	msg = xvasprintf(fmt, ap);
	va_end(ap);
	control_utf8(msg);
	control_reply(req, status,
	    json_pack("{s:s, s:s}", "error", code, "message", msg));
	free(msg);
}

/* Answer the errors of a validation: every line, and all of them joined. */
static void
control_invalid(
    struct evhttp_request *req, const char *code, const struct errlist *errs)
{
	json_t *lines = json_array();
	char *msg = errlist_join(errs);
	size_t i;

	for (i = 0; i < errs->n; i++)
		json_array_append_new(lines, json_string(errs->msgs[i]));
	control_reply(req, 400,
	    json_pack("{s:s, s:s, s:o}", "error", code, "message", msg,
	        "errors", lines));
	free(msg);
}

/* The same for errors joined in one text, a line each. */
static void
control_invalid_text(
    struct evhttp_request *req, const char *code, const char *text)
{
	struct errlist errs = { 0 };
	const char *p = text, *nl;

	while (*p != '\0') {
		nl = strchr(p, '\n');
		if (nl == NULL)
			nl = p + strlen(p);
		errlist_add(&errs, "%.*s", (int)(nl - p), p);
		p = *nl != '\0' ? nl + 1 : nl;
	}
	control_invalid(req, code, &errs);
	errlist_clear(&errs);
}

/* The request's body, made contiguous; *len its length. */
static const char *
control_body(struct evhttp_request *req, size_t *len)
{
	struct evbuffer *in = evhttp_request_get_input_buffer(req);

	*len = evbuffer_get_length(in);
	if (*len == 0)
		return "";
	return (const char *)evbuffer_pullup(in, -1);
}

/*
 * The body as a JSON object, or NULL after answering 400 (what was
 * expected is named in the message).
 */
static json_t *
control_json_object(struct evhttp_request *req, const char *expected)
{
	json_error_t jerr;
	const char *text;
	json_t *o;
	size_t len;

	text = control_body(req, &len);
	o = json_loadb(text, len, JSON_REJECT_DUPLICATES, &jerr);
	if (o == NULL) {
		control_error(req, 400, "invalid_json",
		    "the body is not JSON (%d:%d: %s); expected %s", jerr.line,
		    jerr.column, jerr.text, expected);
		return NULL;
	}
	return o;
}

/* Journal a change made through the API. */
static void
control_journal(struct control *ctl, const char *action, json_t *fields)
{
	if (fields == NULL)
		fields = json_object();
	json_object_set_new(fields, "action", json_string(action));
	journal_add(ctl->t.journal, NULL, 0, "control", fields);
}

static void
control_health(struct control *ctl, struct evhttp_request *req, const char *arg)
{
	(void)ctl;
	(void)arg;
	control_reply(req, 200,
	    json_pack("{s:s, s:s, s:s}", "status", "ok", "service", "standin",
	        "version", PACKAGE_VERSION));
}

/* A service's bound address as JSON: "HOST:PORT", or null. */
static json_t *
control_address_json(const struct control_service *cs)
{
	return cs->address != NULL ? json_string(cs->address) : json_null();
}

/* Add a service and where it listens to the object arg. */
static void
control_address_cb(const struct control_service *cs, void *arg)
{
	json_object_set_new(arg, cs->name, control_address_json(cs));
}

/* The services and where they listen: {NAME: "HOST:PORT"}. */
static json_t *
control_addresses(struct control *ctl)
{
	json_t *o = json_object();

	ctl->t.services(ctl->t.arg, control_address_cb, o);
	return o;
}

/* Add a service as GET /status shows it to the object arg. */
static void
control_status_service_cb(const struct control_service *cs, void *arg)
{
	json_t *o;

	o = json_pack("{s:s?, s:o, s:b, s:I, s:I, s:I}", "persona", cs->persona,
	    "listen", control_address_json(cs), "tls", cs->tls, "connections",
	    (json_int_t)cs->connections, "open", (json_int_t)cs->open,
	    "requests", (json_int_t)cs->requests);
	if (o != NULL && cs->upstream != NULL)
		json_object_set_new(o, "upstream", json_string(cs->upstream));
	json_object_set_new(arg, cs->name, o);
}

static void
control_status(struct control *ctl, struct evhttp_request *req, const char *arg)
{
	const struct control_target *t = &ctl->t;
	const struct scenario *sc = t->scenario(t->arg);
	const struct phase_conf *next = timeline_upcoming_phase(t->timeline);
	json_t *o, *svcs, *phases;
	size_t i;

	(void)arg;
	svcs = json_object();
	t->services(t->arg, control_status_service_cb, svcs);
	phases = json_array();
	for (i = 0; i < sc->nphases; i++)
		json_array_append_new(phases, json_string(sc->phases[i].name));
	o = json_pack("{s:I, s:s, s:I, s:{s:s, s:s, s:s, s:I, s:f}, "
	              "s:{s:s, s:I, s:I, s:o}, s:o, s:o, s:{s:I, s:I}, "
	              "s:{s:I}}",
	    "pid", (json_int_t)getpid(), "version", PACKAGE_VERSION,
	    "uptime_ms", (json_int_t)((clock_now_us() - t->started_us) / 1000),
	    "scenario", "name", sc->name, "file", sc->file, "description",
	    sc->description, "seed", (json_int_t)sc->seed, "time_scale",
	    sc->time_scale, "phase", "name", timeline_phase(t->timeline)->name,
	    "index", (json_int_t)timeline_index(t->timeline), "since_ms",
	    (json_int_t)(timeline_phase_age_us(t->timeline) / 1000), "next",
	    next != NULL ? json_string(next->name) : json_null(), "phases",
	    phases, "services", svcs, "faults", "scenario",
	    (json_int_t)(inject_count(t->inject) - inject_count_api(t->inject)),
	    "api", (json_int_t)inject_count_api(t->inject), "journal", "seq",
	    (json_int_t)journal_last_seq(t->journal));
	control_reply(req, 200, o);
}

static void
control_scenario_get(
    struct control *ctl, struct evhttp_request *req, const char *arg)
{
	const struct scenario *sc = ctl->t.scenario(ctl->t.arg);
	char *body = xmalloc(sc->source_len + 1);

	(void)arg;
	memcpy(body, sc->source, sc->source_len);
	control_send(req, 200, "application/json", body, sc->source_len);
}

static void
control_scenario_put(
    struct control *ctl, struct evhttp_request *req, const char *arg)
{
	struct errlist errs = { 0 };
	const struct scenario *cur;
	struct scenario *sc;
	const char *text;
	char *cause = NULL;
	size_t len;
	int code;

	(void)arg;
	text = control_body(req, &len);
	sc = scenario_load_text("PUT /scenario", text, len, &errs);
	if (sc == NULL) {
		control_invalid(req, "invalid_scenario", &errs);
		errlist_clear(&errs);
		return;
	}
	code = ctl->t.replace(ctl->t.arg, sc, &cause);
	if (code != 0) {
		scenario_free(sc);
		if (code == EXIT_OSERR)
			control_error(req, 409, "cannot_listen", "%s", cause);
		else if (code == EXIT_DATAERR)
			control_invalid_text(req, "invalid_scenario", cause);
		else
			control_error(req, 500, "internal", "%s", cause);
		free(cause);
		return;
	}
	cur = ctl->t.scenario(ctl->t.arg); /* sc, now the target's */
	control_journal(
	    ctl, "scenario", json_pack("{s:s}", "scenario", cur->name));
	control_reply(req, 200,
	    json_pack("{s:s, s:s, s:o}", "scenario", cur->name, "phase",
	        cur->phases[0].name, "services", control_addresses(ctl)));
}

/* The phase names of the scenario, for a message. */
static char *
control_phase_names(const struct scenario *sc)
{
	char *list = xstrdup(""), *more;
	size_t i;

	for (i = 0; i < sc->nphases; i++) {
		more = xasprintf(
		    "%s%s\"%s\"", list, i > 0 ? ", " : "", sc->phases[i].name);
		free(list);
		list = more;
	}
	return list;
}

static void
control_phase(struct control *ctl, struct evhttp_request *req, const char *arg)
{
	static const char expected[] = "{\"name\": PHASE} or {\"next\": true}";
	const struct control_target *t = &ctl->t;
	const struct scenario *sc = t->scenario(t->arg);
	const char *prev, *name = NULL;
	json_t *o, *jname, *jnext;
	char *list, *was;
	int rc;

	(void)arg;
	if ((o = control_json_object(req, expected)) == NULL)
		return;
	jname = json_object_get(o, "name");
	jnext = json_object_get(o, "next");
	if (json_object_size(o) != 1 ||
	    (jname != NULL && !json_is_string(jname)) ||
	    (jnext != NULL && !json_is_true(jnext))) {
		control_error(
		    req, 400, "invalid_json", "expected %s", expected);
		json_decref(o);
		return;
	}
	prev = timeline_phase(t->timeline)->name;
	was = xstrdup(prev);
	if (jname != NULL) {
		name = json_string_value(jname);
		rc = timeline_goto(t->timeline, name, "control");
		if (rc != 0) {
			list = control_phase_names(sc);
			control_error(req, 400, "unknown_phase",
			    "no phase \"%s\" in scenario %s (its phases: %s)",
			    name, sc->name, list);
			free(list);
		}
	} else {
		rc = timeline_next(t->timeline, "control");
		if (rc != 0)
			control_error(req, 409, "last_phase",
			    "phase \"%s\" is the last one and scenario %s does "
			    "not repeat",
			    prev, sc->name);
	}
	if (rc == 0)
		control_reply(req, 200,
		    json_pack("{s:s, s:I, s:s}", "phase",
		        timeline_phase(t->timeline)->name, "index",
		        (json_int_t)timeline_index(t->timeline), "previous",
		        was));
	free(was);
	json_decref(o);
}

/*
 * One active fault as GET /faults shows it; a Toxiproxy toxic's fault
 * names the toxic too.
 */
static json_t *
control_fault_entry(struct control *ctl, const struct inject_rule *r)
{
	const char *proxy, *toxic;
	char id[160];
	json_t *o;

	inject_rule_id(r, id, sizeof id);
	o = json_pack("{s:s, s:s, s:I, s:o}", "id", id, "source",
	    r->id != 0             ? "api"
	        : r->phase != NULL ? "phase"
	                           : "scenario",
	    "used", (json_int_t)r->used, "fault", fault_conf_json(r->fault));
	if (r->phase != NULL)
		json_object_set_new(o, "phase", json_string(r->phase));
	if (r->id != 0 &&
	    (toxic = toxiproxy_toxic_of(ctl->toxiproxy, r->id, &proxy)) != NULL)
		json_object_set_new(o, "toxic",
		    json_pack("{s:s, s:s}", "proxy", proxy, "name", toxic));
	return o;
}

static void
control_faults_get(
    struct control *ctl, struct evhttp_request *req, const char *arg)
{
	const struct inject_rule *r;
	json_t *list = json_array();
	size_t i;

	(void)arg;
	for (i = 0; (r = inject_rule(ctl->t.inject, i)) != NULL; i++)
		json_array_append_new(list, control_fault_entry(ctl, r));
	control_reply(req, 200, json_pack("{s:o}", "faults", list));
}

/* An API fault's id as a JSON string ("3"). */
static json_t *
control_fault_id(const struct inject_rule *r)
{
	char id[32];

	snprintf(id, sizeof id, "%llu", (unsigned long long)r->id);
	return json_string(id);
}

static void
control_faults_post(
    struct control *ctl, struct evhttp_request *req, const char *arg)
{
	struct injector *in = ctl->t.inject;
	struct errlist errs = { 0 };
	const struct inject_rule *r;
	struct fault_conf *faults;
	json_t *list, *ids;
	const char *text;
	uint64_t first;
	size_t len, n, i;

	(void)arg;
	text = control_body(req, &len);
	if (scenario_parse_faults(ctl->t.scenario(ctl->t.arg), "POST /faults",
	        text, len, &faults, &n, &errs) != 0) {
		control_invalid(req, "invalid_fault", &errs);
		errlist_clear(&errs);
		return;
	}
	first = inject_add(in, faults, n);
	if (first == 0) {
		for (i = 0; i < n; i++)
			fault_conf_clear(&faults[i]);
		free(faults);
		control_error(req, 500, "out_of_memory",
		    "cannot add the faults: out of memory; nothing changed");
		return;
	}
	free(faults);
	ctl->t.faults_changed(ctl->t.arg, NULL);
	list = json_array();
	ids = json_array();
	for (i = 0; i < inject_count_api(in); i++) {
		r = inject_rule(in, i);
		if (r->id < first)
			continue;
		json_array_append_new(list, control_fault_entry(ctl, r));
		json_array_append_new(ids, control_fault_id(r));
	}
	/* Ids, not whole faults: an event stays small (GET /faults has them). */
	control_journal(ctl, "fault_add", json_pack("{s:o}", "ids", ids));
	control_reply(req, 201, json_pack("{s:o}", "faults", list));
}

/* The ids of every fault the API added, in order. */
static json_t *
control_api_ids(struct control *ctl)
{
	json_t *ids = json_array();
	size_t i;

	for (i = 0; i < inject_count_api(ctl->t.inject); i++)
		json_array_append_new(
		    ids, control_fault_id(inject_rule(ctl->t.inject, i)));
	return ids;
}

static void
control_faults_delete(
    struct control *ctl, struct evhttp_request *req, const char *arg)
{
	json_t *removed = control_api_ids(ctl);

	(void)arg;
	inject_remove_all(ctl->t.inject);
	ctl->t.faults_changed(ctl->t.arg, NULL);
	control_journal(
	    ctl, "fault_remove", json_pack("{s:O}", "ids", removed));
	control_reply(req, 200, json_pack("{s:o}", "removed", removed));
}

static void
control_fault_delete(
    struct control *ctl, struct evhttp_request *req, const char *id)
{
	const struct inject_rule *r = inject_find(ctl->t.inject, id);
	json_t *removed;

	if (r == NULL) {
		control_error(req, 404, "unknown_fault",
		    "no active fault has the id \"%s\" (GET /faults lists "
		    "them)",
		    id);
		return;
	}
	if (r->id == 0) {
		control_error(req, 409, "not_removable",
		    "fault %s belongs to the scenario; switch phases "
		    "(POST /phase) or replace the scenario (PUT "
		    "/scenario)",
		    id);
		return;
	}
	removed = json_array();
	json_array_append_new(removed, control_fault_id(r));
	inject_remove(ctl->t.inject, r->id);
	ctl->t.faults_changed(ctl->t.arg, NULL);
	control_journal(
	    ctl, "fault_remove", json_pack("{s:O}", "ids", removed));
	control_reply(req, 200, json_pack("{s:o}", "removed", removed));
}

/* Read a query parameter as a whole number; -1 after answering 400. */
static int
control_number(struct evhttp_request *req, const char *name, const char *value,
    uint64_t *out)
{
	char *end;

	errno = 0;
	if (value[0] < '0' || value[0] > '9' ||
	    (*out = strtoull(value, &end, 10), errno != 0) || *end != '\0') {
		control_error(req, 400, "bad_parameter",
		    "%s must be a whole number, got \"%s\"", name, value);
		return -1;
	}
	return 0;
}

static void
control_journal_get(
    struct control *ctl, struct evhttp_request *req, const char *arg)
{
	const char *query, *service = NULL, *event = NULL;
	uint64_t since = 0, limit = 0;
	struct evkeyvalq params;
	struct evkeyval *kv;
	struct evbuffer *buf;
	int bad = 0;

	(void)arg;
	TAILQ_INIT(&params);
	query = evhttp_uri_get_query(evhttp_request_get_evhttp_uri(req));
	if (query != NULL && evhttp_parse_query_str(query, &params) != 0) {
		control_error(req, 400, "bad_parameter",
		    "cannot read the query string \"%s\"", query);
		return;
	}
	TAILQ_FOREACH(kv, &params, next)
	{
		if (strcmp(kv->key, "since") == 0)
			bad = control_number(req, "since", kv->value, &since);
		else if (strcmp(kv->key, "limit") == 0)
			bad = control_number(req, "limit", kv->value, &limit);
		else if (strcmp(kv->key, "service") == 0)
			service = kv->value;
		else if (strcmp(kv->key, "event") == 0)
			event = kv->value;
		else {
			control_error(req, 400, "bad_parameter",
			    "unknown parameter \"%s\" (GET /journal takes "
			    "since, limit, service and event)",
			    kv->key);
			bad = -1;
		}
		if (bad != 0)
			break;
	}
	if (bad == 0 && (buf = evbuffer_new()) != NULL) {
		/* The events' own text: no JSON objects built per event. */
		evbuffer_add_printf(buf, "{\"events\":");
		journal_query_text(
		    ctl->t.journal, since, (size_t)limit, service, event, buf);
		evbuffer_add_printf(buf, ",\"seq\":%llu}\n",
		    (unsigned long long)journal_last_seq(ctl->t.journal));
		control_send_buffer(req, 200, "application/json", buf);
	}
	evhttp_clear_headers(&params);
}

static void
control_journal_delete(
    struct control *ctl, struct evhttp_request *req, const char *arg)
{
	(void)arg;
	journal_clear(ctl->t.journal);
	control_reply(req, 200,
	    json_pack(
	        "{s:I}", "seq", (json_int_t)journal_last_seq(ctl->t.journal)));
}

/* The services' open connections, gathered for the metrics' gauges. */
struct control_gauges {
	const char **services;
	size_t *open;
	const char **listeners, **upstreams; /* Toxiproxy's metric labels */
	size_t n;
};

/* Add a service's open connections to the gauges arg. */
static void
control_gauge_cb(const struct control_service *cs, void *arg)
{
	struct control_gauges *cg = arg;

	cg->services =
	    xrealloc(cg->services, (cg->n + 1) * sizeof *cg->services);
	cg->open = xrealloc(cg->open, (cg->n + 1) * sizeof *cg->open);
	cg->listeners =
	    xrealloc(cg->listeners, (cg->n + 1) * sizeof *cg->listeners);
	cg->upstreams =
	    xrealloc(cg->upstreams, (cg->n + 1) * sizeof *cg->upstreams);
	cg->services[cg->n] = cs->name;
	cg->open[cg->n] = cs->open;
	cg->listeners[cg->n] = cs->address != NULL ? cs->address : cs->listen;
	cg->upstreams[cg->n] = cs->upstream;
	cg->n++;
}

static void
control_metrics(
    struct control *ctl, struct evhttp_request *req, const char *arg)
{
	const struct control_target *t = &ctl->t;
	const struct scenario *sc = t->scenario(t->arg);
	struct evbuffer *buf = evbuffer_new();
	struct control_gauges cg = { NULL, NULL, NULL, NULL, 0 };
	struct metrics_gauges g;
	const char **phases;
	size_t i;

	(void)arg;
	if (buf == NULL) {
		evhttp_send_error(req, 500, "out of memory");
		return;
	}
	t->services(t->arg, control_gauge_cb, &cg);
	phases = xcalloc(sc->nphases > 0 ? sc->nphases : 1, sizeof *phases);
	for (i = 0; i < sc->nphases; i++)
		phases[i] = sc->phases[i].name;
	memset(&g, 0, sizeof g);
	g.services = cg.services;
	g.open = cg.open;
	g.nservices = cg.n;
	g.listeners = cg.listeners;
	g.upstreams = cg.upstreams;
	g.phases = phases;
	g.nphases = sc->nphases;
	g.phase = timeline_index(t->timeline);
	metrics_render(t->metrics, &g, buf);
	free(phases);
	free(cg.services);
	free(cg.open);
	free(cg.listeners);
	free(cg.upstreams);
	control_send_buffer(
	    req, 200, "text/plain; version=0.0.4; charset=utf-8", buf);
}

static void
control_reset(struct control *ctl, struct evhttp_request *req, const char *arg)
{
	json_t *removed;

	(void)arg;
	removed = control_api_ids(ctl);
	inject_remove_all(ctl->t.inject);
	/* Toxiproxy's reset too: no toxics, every proxy restarted. */
	toxiproxy_reset(ctl->toxiproxy);
	ctl->t.reset(ctl->t.arg);
	control_journal(ctl, "reset", json_pack("{s:O}", "removed", removed));
	control_reply(req, 200,
	    json_pack("{s:s, s:o}", "phase",
	        ctl->t.scenario(ctl->t.arg)->phases[0].name, "removed",
	        removed));
}

/* SHA-256 of a string, so tokens compare in constant time at any length. */
static void
control_digest(const char *s, unsigned char *md, unsigned int *len)
{
	EVP_Digest(s, strlen(s), md, len, EVP_sha256(), NULL);
}

/* Does the request carry the token (or is none needed)? */
static int
control_authorized(struct control *ctl, struct evhttp_request *req)
{
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int len = 0;
	const char *auth;

	if (!ctl->has_token)
		return 1;
	auth = evhttp_find_header(
	    evhttp_request_get_input_headers(req), "Authorization");
	if (auth == NULL)
		return 0;
	control_digest(auth, md, &len);
	return len == ctl->token_digest_len &&
	    CRYPTO_memcmp(md, ctl->token_digest, len) == 0;
}

/* The name of a method, for Allow and messages. */
static const char *
control_method_name(enum evhttp_cmd_type m)
{
	size_t i;

	for (i = 0; i < nitems(control_methods); i++) {
		if (control_methods[i].method == m)
			return control_methods[i].name;
	}
	return "?";
}

/* Does a route serve this path? *arg is what follows a prefix. */
static int
control_route_matches(
    const struct control_route *r, const char *path, const char **arg)
{
	size_t n = strlen(r->path);

	if (!r->prefix) {
		*arg = NULL;
		return strcmp(path, r->path) == 0;
	}
	*arg = path + n;
	return strncmp(path, r->path, n) == 0 && path[n] != '\0';
}

/* Every request: authorize, find the endpoint, answer. */
static void
control_request_cb(struct evhttp_request *req, void *arg)
{
	struct control *ctl = arg;
	enum evhttp_cmd_type method = evhttp_request_get_command(req);
	const char *path, *rest;
	char allow[128] = "", *decoded;
	size_t i;

	if (!control_authorized(ctl, req)) {
		evhttp_add_header(evhttp_request_get_output_headers(req),
		    "WWW-Authenticate", "Bearer realm=\"standin\"");
		control_error(req, 401, "unauthorized",
		    "this control API needs \"Authorization: Bearer TOKEN\" "
		    "with the token given to --control-token");
		return;
	}
	path = evhttp_uri_get_path(evhttp_request_get_evhttp_uri(req));
	if (path == NULL || path[0] == '\0')
		path = "/";
	decoded = evhttp_uridecode(path, 0, NULL);
	if (decoded == NULL) {
		control_error(
		    req, 400, "bad_request", "cannot decode the path");
		return;
	}
	if (method == EVHTTP_REQ_HEAD)
		method = EVHTTP_REQ_GET;
	if (toxiproxy_serves(decoded)) {
		toxiproxy_request(ctl->toxiproxy, req, decoded, method);
		free(decoded);
		return;
	}
	for (i = 0; i < nitems(control_routes); i++) {
		if (!control_route_matches(&control_routes[i], decoded, &rest))
			continue;
		if (control_routes[i].method == method) {
			control_routes[i].fn(ctl, req, rest);
			free(decoded);
			return;
		}
		snprintf(allow + strlen(allow), sizeof allow - strlen(allow),
		    "%s%s", allow[0] != '\0' ? ", " : "",
		    control_method_name(control_routes[i].method));
	}
	if (allow[0] != '\0') {
		evhttp_add_header(
		    evhttp_request_get_output_headers(req), "Allow", allow);
		control_error(req, 405, "method_not_allowed",
		    "%s takes %s, not %s", decoded, allow,
		    control_method_name(evhttp_request_get_command(req)));
	} else
		control_error(req, 404, "not_found",
		    "no endpoint %s (see docs/control-api.md: /health, "
		    "/status, /scenario, /phase, /faults, /journal, /metrics, "
		    "/reset; Toxiproxy's /version, /proxies, /populate)",
		    decoded);
	free(decoded);
}

int
control_address_loopback(const char *addr)
{
	struct in6_addr a6;
	struct in_addr a4;
	char host[256];
	uint16_t port;

	if (hostport_parse(addr, host, sizeof host, &port) != 0)
		return -1;
	if (strcmp(host, "localhost") == 0)
		return 1;
	if (inet_pton(AF_INET, host, &a4) == 1)
		return (ntohl(a4.s_addr) >> 24) == 127;
	if (inet_pton(AF_INET6, host, &a6) == 1)
		return IN6_IS_ADDR_LOOPBACK(&a6);
	return -1;
}

/*
 * accept() failed on the control port: out of descriptors (EMFILE) and
 * the like. Pause a second rather than spin on a socket that stays
 * readable, as the services' listeners do.
 */
static void
control_accept_error_cb(struct evconnlistener *lev, void *arg)
{
	struct timeval one = { 1, 0 };
	int e = EVUTIL_SOCKET_ERROR();
	struct control *ctl;

	/* arg is evhttp's (evhttp_bind_listener took the listener over). */
	TAILQ_FOREACH(ctl, &control_all, entry)
	{
		if (ctl->http == arg)
			break;
	}
	if (ctl == NULL) {
		evconnlistener_disable(lev);
		return;
	}
	log_warn("control API: accept on %s failed: %s; pausing for 1s",
	    ctl->address, evutil_socket_error_to_string(e));
	evconnlistener_disable(lev);
	evtimer_add(ctl->resume, &one);
}

/* The pause is over: accept again. */
static void
control_resume_cb(evutil_socket_t fd, short what, void *arg)
{
	struct control *ctl = arg;

	(void)fd;
	(void)what;
	evconnlistener_enable(ctl->lev);
}

struct control *
control_start(struct event_base *base, const struct control_target *t,
    const char *addr, const char *token, int insecure, char **cause)
{
	struct sockaddr_storage ss;
	struct evconnlistener *lev;
	struct control *ctl;
	socklen_t len;
	char host[256], *bearer;
	uint16_t port;
	size_t i;
	ev_uint16_t methods = 0;

	if (hostport_parse(addr, host, sizeof host, &port) != 0) {
		*cause = xasprintf("--control %s: expected HOST:PORT", addr);
		return NULL;
	}
	if (strcmp(host, "localhost") == 0)
		snprintf(host, sizeof host, "127.0.0.1");
	if (sockaddr_fill(host, port, &ss, &len) != 0) {
		*cause = xasprintf("--control %s: not an IP address", addr);
		return NULL;
	}
	if (token == NULL && !insecure && control_address_loopback(addr) != 1) {
		*cause = xasprintf("--control %s is not a loopback address: "
		                   "give --control-token too",
		    addr);
		return NULL;
	}
	ctl = xcalloc(1, sizeof *ctl);
	ctl->t = *t;
	ctl->toxiproxy = toxiproxy_new(t);
	if (token != NULL) {
		bearer = xasprintf("Bearer %s", token);
		control_digest(
		    bearer, ctl->token_digest, &ctl->token_digest_len);
		OPENSSL_cleanse(bearer, strlen(bearer));
		free(bearer);
		ctl->has_token = 1;
	}
	ctl->http = evhttp_new(base);
	if (ctl->http == NULL) {
		*cause = xstrdup("cannot start the control API");
		goto fail;
	}
	ctl->resume = evtimer_new(base, control_resume_cb, ctl);
	if (ctl->resume == NULL) {
		*cause = xstrdup("cannot start the control API");
		goto fail;
	}
	lev = evconnlistener_new_bind(base, NULL, NULL,
	    LEV_OPT_CLOSE_ON_FREE | LEV_OPT_REUSEABLE | LEV_OPT_CLOSE_ON_EXEC,
	    128, (struct sockaddr *)&ss, (int)len);
	if (lev == NULL) {
		*cause = xasprintf("control API: cannot listen on %s: %s", addr,
		    strerror(errno));
		goto fail;
	}
	if (evhttp_bind_listener(ctl->http, lev) == NULL) {
		evconnlistener_free(lev);
		*cause = xasprintf("control API: cannot listen on %s", addr);
		goto fail;
	}
	ctl->lev = lev;
	evconnlistener_set_error_cb(lev, control_accept_error_cb);
	TAILQ_INSERT_TAIL(&control_all, ctl, entry);
	len = sizeof ss;
	getsockname(evconnlistener_get_fd(lev), (struct sockaddr *)&ss, &len);
	sockaddr_format(&ss, ctl->address, sizeof ctl->address);
	for (i = 0; i < nitems(control_methods); i++)
		methods |= control_methods[i].method;
	/* Every method reaches the callback, which answers 405 in JSON. */
	evhttp_set_allowed_methods(ctl->http, methods);
	evhttp_set_max_body_size(ctl->http, CONTROL_BODY_MAX);
	evhttp_set_max_headers_size(ctl->http, CONTROL_HEADERS_MAX);
	evhttp_set_timeout(ctl->http, CONTROL_IDLE_SEC);
	evhttp_set_gencb(ctl->http, control_request_cb, ctl);
	log_info("control API listening on %s%s", ctl->address,
	    ctl->has_token ? " (token required)"
	        : control_address_loopback(addr) != 1
	        ? " WITHOUT A TOKEN: anyone who can reach it can steer standin"
	        : "");
	return ctl;
fail:
	control_free(ctl);
	return NULL;
}

int
control_accept_socket(struct control *ctl, int fd)
{
	return evhttp_accept_socket(ctl->http, fd) == 0 ? 0 : -1;
}

const char *
control_address(const struct control *ctl)
{
	return ctl->address;
}

void
control_free(struct control *ctl)
{
	if (ctl == NULL)
		return;
	if (ctl->lev != NULL)
		TAILQ_REMOVE(&control_all, ctl, entry);
	if (ctl->resume != NULL)
		event_free(ctl->resume);
	/* evhttp frees the listener bound to it. */
	if (ctl->http != NULL)
		evhttp_free(ctl->http);
	OPENSSL_cleanse(ctl->token_digest, sizeof ctl->token_digest);
	toxiproxy_free(ctl->toxiproxy);
	free(ctl);
}

int
control_toxiproxy_populate(
    struct control *ctl, const char *text, size_t len, char **msg)
{
	return toxiproxy_populate_text(ctl->toxiproxy, text, len, msg);
}
