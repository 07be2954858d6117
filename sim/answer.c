/*
 * answer.c: one request through the fault layers to the persona and back.
 *
 * The order is the order of the wire: handshake faults (the hello, and the
 * X-Protocol-Version check), http faults due "at": "request" (the persona
 * never sees the request, nothing is stored), the persona or a stub, http
 * faults due "at": "response" (the persona has committed; the answer is
 * lost, late or damaged), then delivery.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>
#include <jansson.h>

#include "answer.h"
#include "clock.h"
#include "conn.h"
#include "delay.h"
#include "fault.h"
#include "http.h"
#include "inject.h"
#include "journal.h"
#include "log.h"
#include "metrics.h"
#include "reply.h"
#include "scenario.h"
#include "server.h"
#include "service.h"
#include "timeline.h"
#include "util.h"

static void answer_timer_cb(evutil_socket_t, short, void *);
static void answer_persona(struct conn *, int async);

/* Forget the persona call's overrides. */
static void
answer_call_clear(struct answer_state *a)
{
	size_t i;

	for (i = 0; i < a->call.nversions; i++)
		free(a->call.versions[i]);
	free(a->call.versions);
	memset(&a->call, 0, sizeof a->call);
}

/*
 * Answer as if the service spoke only these versions. A copy: a held
 * answer may outlive a reload that frees the fault.
 */
static void
answer_call_versions(struct answer_state *a, const struct fault_strings *v)
{
	size_t i;

	answer_call_clear(a);
	a->call.versions = xcalloc(v->n, sizeof *a->call.versions);
	for (i = 0; i < v->n; i++)
		a->call.versions[i] = xstrdup(v->v[i]);
	a->call.nversions = v->n;
}

void
answer_state_free(struct answer_state *a)
{
	if (a->timer != NULL)
		event_free(a->timer);
	if (a->held != NULL)
		evbuffer_free(a->held);
	answer_call_clear(a);
	memset(a, 0, sizeof *a);
}

/* Park the connection until the timer fires after usec, then go to step. */
static void
answer_hold(struct conn *c, enum answer_step step, uint64_t usec)
{
	struct timeval tv = clock_tv(usec);
	struct answer_state *a = &c->answer;

	a->step = step;
	if (a->timer == NULL)
		a->timer = evtimer_new(
		    bufferevent_get_base(c->bev), answer_timer_cb, c);
	conn_set_state(c, CONN_WAITING);
	if (a->timer != NULL)
		evtimer_add(a->timer, &tv);
	else
		conn_drain(c); /* out of memory: give up on this one */
}

/* The answer is out: carry on with the connection. */
static void
answer_done(struct conn *c, int async)
{
	c->answer.step = ANSWER_IDLE;
	if (async)
		http_resume(c);
	else
		http_finish(c);
}

/* Is this the protocol hello, POST /v1/handshake? */
static int
answer_is_hello(const struct request *req)
{
	return strcmp(req->method, "POST") == 0 &&
	    strcmp(req->path, "/v1/handshake") == 0;
}

/* Does this fault leave the client without an HTTP answer? */
static int
answer_unanswered(const struct fault_conf *f)
{
	return f != NULL && (f->kind->does & FAULT_UNANSWERED) != 0;
}

/* A hello's outcome in the metrics, by the status its client got. */
static const char *
answer_hello_outcome(int status)
{
	switch (status) {
	case 200:
		return "ok";
	case 426:
		return "version_mismatch";
	default:
		return "error";
	}
}

/*
 * Count a request's answer in the metrics: by the pattern it went to
 * (route; NULL if the persona never saw the request: look it up), and
 * the status, 0 when a fault leaves it unanswered. wait_us: how long a
 * fault still holds the answer before it is queued.
 */
static void
answer_count(struct conn *c, const char *route, int status,
    const struct fault_conf *f, uint64_t wait_us)
{
	struct service *svc = c->service;
	struct metrics *m = svc->server->metrics;
	const struct request *req = &c->http->req;

	if (m == NULL)
		return;
	if (answer_unanswered(f))
		status = 0;
	if (route == NULL && svc->persona != NULL)
		route =
		    persona_route(svc->persona, svc->stubs, svc->nstubs, req);
	if (route == NULL)
		route = PERSONA_ROUTE_NONE;
	metrics_request(m, svc->name, route, status,
	    clock_now_us() - c->answer.started_us + wait_us);
	if (answer_is_hello(req))
		metrics_hello(m, svc->name, answer_hello_outcome(status));
}

/*
 * Record the answer to a request: journal a response event and count it
 * in the metrics (see answer_count() for route and wait_us).
 */
static void
answer_journal(struct conn *c, const char *route, int status,
    const struct fault_conf *f, uint64_t wait_us)
{
	struct server *srv = c->service->server;

	answer_count(c, route, status, f, wait_us);
	if (srv->journal == NULL)
		return;
	if (f == NULL)
		journal_addf(srv->journal, c->service->name, c->id, "response",
		    "\"status\":%d", status);
	else
		journal_addf(srv->journal, c->service->name, c->id, "response",
		    "\"status\":%d,\"fault\":\"%s\",\"fault_layer\":\"%s\"",
		    status, f->kind->name, fault_layer_name(f->kind->layer));
}

/* Fill a reply from a fault's status, headers and body parameters. */
static void
answer_fault_reply(const struct fault_conf *f, struct reply *r)
{
	const struct fault_headers *h = &f->args.answer.headers;
	const struct fault_body *b = &f->args.answer.body;
	size_t i;

	/* status, headers, body: the same rows for the two kinds using it */
	reply_release(r);
	r->status = f->present[0] ? (int)f->args.answer.status : 503;
	for (i = 0; f->present[1] && i < h->n; i++)
		reply_header(r, h->v[i].name, "%s", h->v[i].value);
	if (f->present[2] && b->len > 0) {
		r->raw = b->text;
		r->raw_len = b->len;
		r->content_type = b->is_json ? "application/json"
		                             : "text/plain; charset=utf-8";
	} else if (!f->present[2]) {
		reply_error(r, r->status, "injected",
		    "%s fault injected by standin", f->kind->name);
	}
}

/* Rename or drop keys of every object inside v, as schema_drift says. */
static void
answer_drift(json_t *v, const struct fault_conf *f)
{
	const struct fault_strings *drop =
	    f->present[0] ? &f->args.drift.drop : NULL;
	const struct fault_renames *ren =
	    f->present[1] ? &f->args.drift.rename : NULL;
	json_t *val, *child;
	const char *key;
	size_t i;

	if (json_is_array(v)) {
		json_array_foreach(v, i, child) answer_drift(child, f);
		return;
	}
	if (!json_is_object(v))
		return;
	json_object_foreach(v, key, child) answer_drift(child, f);
	for (i = 0; drop != NULL && i < drop->n; i++)
		json_object_del(v, drop->v[i]);
	for (i = 0; ren != NULL && i < ren->n; i++) {
		val = json_object_get(v, ren->from[i]);
		if (val == NULL)
			continue;
		json_object_set(v, ren->to[i], val);
		json_object_del(v, ren->from[i]);
	}
}

/* Queue n random bytes (from the fault generator) on the output. */
static void
answer_garbage(struct conn *c, size_t n)
{
	struct server *srv = c->service->server;
	struct evbuffer *out = conn_output(c);
	uint64_t x;
	size_t i;

	for (i = 0; i < n; i += 8) {
		x = rng_next(&srv->inject.rng);
		evbuffer_add(out, &x, n - i < 8 ? n - i : 8);
	}
}

/* Damage a serialized answer as a malformed fault says. */
static void
answer_malform(struct evbuffer *held, size_t head_len, int kind)
{
	size_t len = evbuffer_get_length(held), body_len = len - head_len;
	char *head, *cl, *end;
	struct evbuffer *body;

	head = xmalloc(head_len + 1);
	evbuffer_remove(held, head, head_len);
	head[head_len] = '\0';
	body = evbuffer_new();
	evbuffer_add_buffer(body, held);
	switch (kind) {
	case 0: /* status_line: a status that is not a number */
		evbuffer_add_printf(
		    held, "HTTP/1.1 2x0 OK%s", strstr(head, "\r\n"));
		evbuffer_add_buffer(held, body);
		break;
	case 1: /* header: a header line without a colon */
		end = strstr(head, "\r\n");
		evbuffer_add(held, head, (size_t)(end - head) + 2);
		evbuffer_add_printf(
		    held, "This header has no colon\r\n%s", end + 2);
		evbuffer_add_buffer(held, body);
		break;
	default: /* chunked: a chunk size that is not hexadecimal */
		cl = strstr(head, "Content-Length: ");
		if (cl != NULL) {
			end = strstr(cl, "\r\n");
			evbuffer_add(held, head, (size_t)(cl - head));
			evbuffer_add_printf(
			    held, "Transfer-Encoding: chunked%s", end);
		} else
			evbuffer_add(held, head, head_len);
		evbuffer_add_printf(held, "zz%zx\r\n", body_len);
		evbuffer_add_buffer(held, body);
		evbuffer_add_printf(held, "\r\n0\r\n\r\n");
		break;
	}
	evbuffer_free(body);
	free(head);
}

/*
 * An http fault due before the persona. Returns 1 if it took the request
 * over, 0 if the persona should answer as usual.
 */
static int
answer_before(struct conn *c, const struct fault_conf *f)
{
	struct server *srv = c->service->server;
	struct reply r;

	switch (f->kind->type) {
	case FAULT_STATUS:
		reply_init(&r);
		answer_fault_reply(f, &r);
		http_write_reply(c, &r);
		answer_journal(c, NULL, r.status, f, 0);
		reply_release(&r);
		answer_done(c, 0);
		return 1;
	case FAULT_DELAY:
		answer_hold(c, ANSWER_PERSONA,
		    delay_sample(&f->args.delay.delay, &srv->inject.rng));
		return 1;
	case FAULT_EMPTY:
		answer_journal(c, NULL, 0, f, 0);
		conn_drain(c);
		return 1;
	case FAULT_HTTP_RESET:
		answer_journal(c, NULL, 0, f, 0);
		conn_reset_after_flush(c);
		return 1;
	case FAULT_GARBAGE:
		answer_garbage(c, (size_t)f->args.garbage.bytes);
		answer_journal(c, NULL, 0, f, 0);
		conn_drain(c);
		return 1;
	case FAULT_TIMEOUT:
		answer_journal(c, NULL, 0, f, 0);
		answer_hold(c, ANSWER_HOLD, f->args.timeout.close_after_us);
		if (!f->present[0] && c->answer.timer != NULL)
			evtimer_del(c->answer.timer);
		return 1;
	default:
		return 0;
	}
}

/* Journal the hello: what the client offered and what it got. */
static void
answer_journal_hello(struct conn *c, const struct reply *r)
{
	struct server *srv = c->service->server;
	const struct request *req = &c->http->req;
	json_t *body, *o;

	if (srv->journal == NULL)
		return;
	body = json_loadb(req->body, req->body_len, 0, NULL);
	o = json_pack("{s:i}", "status", r->status);
	if (json_is_object(body) &&
	    json_is_string(json_object_get(body, "client")))
		json_object_set(o, "client", json_object_get(body, "client"));
	if (json_is_object(body) &&
	    json_is_array(json_object_get(body, "versions")))
		json_object_set(
		    o, "offered", json_object_get(body, "versions"));
	if (r->json != NULL && json_object_get(r->json, "version") != NULL)
		json_object_set(
		    o, "version", json_object_get(r->json, "version"));
	if (r->json != NULL && json_object_get(r->json, "server_versions"))
		json_object_set(o, "server_versions",
		    json_object_get(r->json, "server_versions"));
	json_decref(body);
	journal_add(srv->journal, c->service->name, c->id, "hello", o);
}

/* Ask the persona, then apply the http faults due after it, and deliver. */
static void
answer_persona(struct conn *c, int async)
{
	struct service *svc = c->service;
	struct server *srv = svc->server;
	struct http_session *s = c->http;
	struct answer_state *a = &c->answer;
	struct inject_ctx ctx = { svc->name, c->id, &s->req, FAULT_AT_RESPONSE,
		0, 0 };
	const struct fault_conf *f;
	struct evbuffer *out = conn_output(c);
	size_t head_len, body_len, keep;
	struct reply r;
	json_t *copy;
	const char *route;
	uint64_t wait = 0;
	int status;

	persona_handle_call(
	    svc->persona, svc->stubs, svc->nstubs, &a->call, &s->req, &r);
	route = r.route; /* a status fault's reply starts afresh */
	if (answer_is_hello(&s->req))
		answer_journal_hello(c, &r);
	f = inject_pick(&srv->inject, FAULT_LAYER_HTTP, &ctx);
	if (f == NULL) {
		http_write_reply(c, &r);
		answer_journal(c, route, r.status, NULL, 0);
		reply_release(&r);
		answer_done(c, async);
		return;
	}
	switch (f->kind->type) {
	case FAULT_SCHEMA_DRIFT:
		if (r.json != NULL) {
			/* Stored objects are shared: drift a copy. */
			copy = json_deep_copy(r.json);
			answer_drift(copy, f);
			json_decref(r.json);
			r.json = copy;
		}
		break;
	case FAULT_STATUS:
		answer_fault_reply(f, &r);
		break;
	default:
		break;
	}
	if (a->held == NULL)
		a->held = evbuffer_new();
	evbuffer_drain(a->held, evbuffer_get_length(a->held));
	http_serialize(c, &r, !s->keep_alive, a->held, &head_len);
	status = r.status;
	reply_release(&r);
	body_len = evbuffer_get_length(a->held) - head_len;

	/* How long the answer is held yet: its time in the metrics. */
	if (f->kind->type == FAULT_DELAY)
		wait = delay_sample(&f->args.delay.delay, &srv->inject.rng);
	else if (f->kind->type == FAULT_DRIP) {
		a->drip_chunk = (size_t)f->args.drip.chunk;
		a->drip_interval_us = f->args.drip.interval_us;
		/* The first piece goes at once, the last after the rest. */
		if (a->drip_chunk > 0 && head_len + body_len > 0)
			wait = (head_len + body_len - 1) / a->drip_chunk *
			    a->drip_interval_us;
	}
	answer_journal(c, route, status, f, wait);

	switch (f->kind->type) {
	case FAULT_DELAY:
		answer_hold(c, ANSWER_SEND, wait);
		return;
	case FAULT_DRIP:
		answer_hold(c, ANSWER_DRIP, 0);
		return;
	case FAULT_EMPTY:
		conn_drain(c);
		return;
	case FAULT_HTTP_RESET:
		keep = (size_t)f->args.reset.after_bytes;
		evbuffer_remove_buffer(a->held, out, keep);
		conn_reset_after_flush(c);
		return;
	case FAULT_TRUNCATE:
		keep = f->present[0] ? (size_t)f->args.truncate.bytes
		                     : body_len / 2;
		if (body_len > 0 && keep >= body_len)
			keep = body_len - 1;
		evbuffer_remove_buffer(a->held, out, head_len + keep);
		conn_drain(c);
		return;
	case FAULT_MALFORMED:
		answer_malform(a->held, head_len, (int)f->args.malformed.kind);
		evbuffer_add_buffer(out, a->held);
		conn_drain(c);
		return;
	case FAULT_GARBAGE:
		answer_garbage(c, (size_t)f->args.garbage.bytes);
		conn_drain(c);
		return;
	case FAULT_TIMEOUT:
		answer_hold(c, ANSWER_HOLD, f->args.timeout.close_after_us);
		if (!f->present[0] && a->timer != NULL)
			evtimer_del(a->timer);
		return;
	default: /* status, schema_drift: deliver the changed answer */
		evbuffer_add_buffer(out, a->held);
		answer_done(c, async);
		return;
	}
}

/* A held answer's timer fired: go on where it was parked. */
static void
answer_timer_cb(evutil_socket_t fd, short what, void *arg)
{
	struct conn *c = arg;
	struct answer_state *a = &c->answer;
	struct evbuffer *out = conn_output(c);
	struct timeval tv;

	(void)fd;
	(void)what;
	switch (a->step) {
	case ANSWER_PERSONA:
		answer_persona(c, 1);
		break;
	case ANSWER_SEND:
		evbuffer_add_buffer(out, a->held);
		answer_done(c, 1);
		break;
	case ANSWER_DRIP:
		evbuffer_remove_buffer(a->held, out, a->drip_chunk);
		if (evbuffer_get_length(a->held) == 0) {
			answer_done(c, 1);
			break;
		}
		tv = clock_tv(a->drip_interval_us);
		evtimer_add(a->timer, &tv);
		break;
	case ANSWER_HOLD:
		conn_close(c, "timeout fault: closed");
		break;
	case ANSWER_IDLE:
		break;
	}
}

void
answer_request(struct conn *c)
{
	struct service *svc = c->service;
	struct server *srv = svc->server;
	struct http_session *s = c->http;
	const struct request *req = &s->req;
	struct inject_ctx ctx = { svc->name, c->id, req, FAULT_AT_REQUEST, 0,
		0 };
	const struct fault_conf *f;
	struct reply r;
	char path[1024], query[1024];
	int hello;

	c->requests++;
	svc->requests++;
	c->answer.started_us = clock_now_us();
	if (srv->journal != NULL) {
		/* The hot path: a fragment, not a JSON object per request. */
		journal_addf(srv->journal, svc->name, c->id, "request",
		    "\"method\":\"%s\",\"path\":%s%s%s", req->method,
		    json_escape(req->path, path, sizeof path),
		    req->query != NULL ? ",\"query\":" : "",
		    req->query != NULL
		        ? json_escape(req->query, query, sizeof query)
		        : "");
	}
	answer_call_clear(&c->answer);

	/* The handshake layer: the hello, and the version header on /v1. */
	hello = answer_is_hello(req);
	f = NULL;
	if (hello ||
	    (strncmp(req->path, "/v1/", 4) == 0 &&
	        request_header(req, "X-Protocol-Version") != NULL)) {
		ctx.hello = hello;
		f = inject_pick(&srv->inject, FAULT_LAYER_HANDSHAKE, &ctx);
		ctx.hello = 0;
	}
	if (f != NULL) {
		switch (f->kind->type) {
		case FAULT_HELLO_VERSION_MISMATCH:
			answer_call_versions(&c->answer,
			    &f->args.hello_versions.server_versions);
			break;
		case FAULT_HELLO_SLOW:
			answer_hold(c, ANSWER_PERSONA,
			    delay_sample(
			        &f->args.hello_slow.delay, &srv->inject.rng));
			goto counted;
		case FAULT_HELLO_ERROR:
			reply_init(&r);
			answer_fault_reply(f, &r);
			answer_journal_hello(c, &r);
			http_write_reply(c, &r);
			answer_journal(c, NULL, r.status, f, 0);
			reply_release(&r);
			answer_done(c, 0);
			goto counted;
		case FAULT_HELLO_DROP:
			answer_journal(c, NULL, 0, f, 0);
			conn_drain(c);
			goto counted;
		default:
			break;
		}
	}

	f = inject_pick(&srv->inject, FAULT_LAYER_HTTP, &ctx);
	if (f == NULL || !answer_before(c, f))
		answer_persona(c, 0);
counted:
	/* Counted once answered, so "after_requests": N leaves N untouched. */
	timeline_count_request(srv->timeline);
}
