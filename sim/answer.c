/*
 * answer.c: one request through the handshake and http faults to the far
 * end and back, in the order of the wire: handshake faults (the hello,
 * and the X-Protocol-Version check), http faults due "at": "request" (the
 * far end never sees the request, nothing is stored), the far end,
 * http faults due "at": "response" (the far end has committed; the answer
 * is lost, late or damaged), then delivery.
 *
 * What each fault type does is a row of answer_faults[], indexed by the
 * catalogue's type (fault.h): the switches stay out of the flow.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include <event2/buffer.h>
#include <event2/event.h>
#include <jansson.h>

#include "answer.h"
#include "clock.h"
#include "delay.h"
#include "fault.h"
#include "inject.h"
#include "journal.h"
#include "metrics.h"
#include "persona.h"
#include "reply.h"
#include "request.h"
#include "response.h"
#include "timeline.h"
#include "util.h"

/*
 * What a handshake or before-the-far-end fault returns when it does not
 * take the request over: the answer goes on to the next step.
 */
#define ANSWER_GO_ON FLOW_NEED

static void answer_timer_cb(evutil_socket_t, short, void *);
static enum flow answer_farend(struct answer *);

void
answer_init(
    struct answer *a, struct link *link, answer_done_fn *done, void *arg)
{
	memset(a, 0, sizeof *a);
	a->link = link;
	a->done = done;
	a->arg = arg;
}

/* Forget the far end call's overrides. */
static void
answer_call_clear(struct answer *a)
{
	size_t i;

	for (i = 0; i < a->call.nversions; i++)
		free(a->call.versions[i]);
	free(a->call.versions);
	memset(&a->call, 0, sizeof a->call);
}

void
answer_free(struct answer *a)
{
	if (a->timer != NULL)
		event_free(a->timer);
	if (a->held != NULL)
		evbuffer_free(a->held);
	answer_call_clear(a);
	a->timer = NULL;
	a->held = NULL;
	a->step = ANSWER_IDLE;
}

/* Give up on the connection: an allocation failed while answering. */
static enum flow
answer_oom(struct answer *a)
{
	a->link->reason = "out of memory";
	return FLOW_ABORT;
}

/* Park the answer until the timer fires after usec (never if !arm). */
static enum flow
answer_hold(struct answer *a, enum answer_step step, uint64_t usec, int arm)
{
	struct timeval tv = clock_tv(usec);

	a->step = step;
	a->due_us = clock_now_us() + usec;
	if (a->timer == NULL)
		a->timer =
		    evtimer_new(a->link->pipeline->base, answer_timer_cb, a);
	if (a->timer == NULL)
		return FLOW_CLOSE; /* out of memory: give up on this one */
	if (arm)
		evtimer_add(a->timer, &tv);
	return FLOW_HOLD;
}

/* Is this the protocol hello, POST /v1/handshake? */
static int
answer_is_hello(const struct request *req)
{
	return strcmp(req->method, "POST") == 0 &&
	    strcmp(req->path, "/v1/handshake") == 0;
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
 * (route; NULL if the far end never saw the request: look it up), and
 * the status, 0 when a fault leaves it unanswered. wait_us: how long a
 * fault still holds the answer before it is queued.
 */
static void
answer_count(struct answer *a, const char *route, int status,
    const struct fault_conf *f, uint64_t wait_us)
{
	struct link *l = a->link;
	struct metrics *m = l->pipeline->metrics;

	if (m == NULL)
		return;
	if (f != NULL && (f->kind->does & FAULT_UNANSWERED))
		status = 0;
	if (route == NULL)
		route = l->farend->ops->route(l->farend->impl, a->req);
	if (route == NULL)
		route = PERSONA_ROUTE_NONE;
	metrics_request(m, l->service, route, status,
	    clock_now_us() - a->started_us + wait_us);
	if (answer_is_hello(a->req))
		metrics_hello(m, l->service, answer_hello_outcome(status));
}

/*
 * Record the answer to a request: journal a response event and count it
 * in the metrics (see answer_count() for route and wait_us).
 */
static void
answer_journal(struct answer *a, const char *route, int status,
    const struct fault_conf *f, uint64_t wait_us)
{
	struct link *l = a->link;
	struct journal *j = l->pipeline->journal;
	struct journal_fields jf;

	answer_count(a, route, status, f, wait_us);
	if (j == NULL)
		return;
	journal_fields_init(&jf);
	journal_field_int(&jf, "status", status);
	if (a->upstream_us != 0)
		journal_field_int(&jf, "upstream_us", (int64_t)a->upstream_us);
	if (f != NULL) {
		journal_field_str(&jf, "fault", f->kind->name);
		journal_field_str(
		    &jf, "fault_layer", fault_layer_name(f->kind->layer));
	}
	journal_add_fields(j, l->service, l->conn, "response", &jf);
}

/* Journal the hello: what the client offered and what it got. */
static void
answer_journal_hello(struct answer *a, const struct reply *r)
{
	struct link *l = a->link;
	const struct request *req = a->req;
	json_t *body, *o;

	if (l->pipeline->journal == NULL)
		return;
	body = json_loadb(req->body, req->body_len, 0, NULL);
	o = json_pack("{s:i}", "status", r->status);
	if (o == NULL) {
		json_decref(body);
		return;
	}
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
	journal_add(l->pipeline->journal, l->service, l->conn, "hello", o);
}

/* Write a reply into the link's output; 0, or -1 if out of memory. */
static int
answer_write(struct answer *a, const struct reply *r, struct evbuffer *out,
    size_t *head_len)
{
	return response_write(
	    a->link->pipeline->responses, r, &a->opts, out, head_len);
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

/* Answer with the fault's own reply (status, handshake error). */
static enum flow
answer_with_fault_reply(struct answer *a, const struct fault_conf *f)
{
	struct reply r;
	int rc;

	reply_init(&r);
	answer_fault_reply(f, &r);
	if (f->kind->layer == FAULT_LAYER_HANDSHAKE)
		answer_journal_hello(a, &r);
	rc = answer_write(a, &r, a->link->out, NULL);
	answer_journal(a, NULL, r.status, f, 0);
	reply_release(&r);
	return rc == 0 ? FLOW_NEXT : answer_oom(a);
}

/* Queue n random bytes (from the fault generator) on out. */
static void
answer_garbage(struct answer *a, struct evbuffer *out, size_t n)
{
	struct rng *rng = &a->link->pipeline->inject->rng;
	uint64_t x;
	size_t i;

	for (i = 0; i < n; i += 8) {
		x = rng_next(rng);
		evbuffer_add(out, &x, n - i < 8 ? n - i : 8);
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

/*
 * Damage a serialized answer as a malformed fault says. Returns 0, or -1
 * if out of memory.
 */
static int
answer_malform(struct evbuffer *held, size_t head_len, int64_t kind)
{
	size_t len = evbuffer_get_length(held), body_len = len - head_len;
	char *head, *cl, *end;
	struct evbuffer *body;

	head = malloc(head_len + 1);
	body = evbuffer_new();
	if (head == NULL || body == NULL) {
		free(head);
		if (body != NULL)
			evbuffer_free(body);
		return -1;
	}
	evbuffer_remove(held, head, head_len);
	head[head_len] = '\0';
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
	return 0;
}

/*
 * Answer as if the service spoke only these versions. A copy: a held
 * answer may outlive a reload that frees the fault.
 */
static enum flow
answer_hello_versions(struct answer *a, const struct fault_conf *f)
{
	const struct fault_strings *v = &f->args.hello_versions.server_versions;
	size_t i;

	answer_call_clear(a);
	a->call.versions = calloc(v->n, sizeof *a->call.versions);
	if (a->call.versions == NULL)
		return answer_oom(a);
	for (i = 0; i < v->n; i++) {
		if ((a->call.versions[i] = strdup(v->v[i])) == NULL)
			return answer_oom(a);
		a->call.nversions++;
	}
	return ANSWER_GO_ON;
}

/* A slow hello: the far end answers after the fault's delay. */
static enum flow
answer_hello_slow(struct answer *a, const struct fault_conf *f)
{
	return answer_hold(a, ANSWER_FAREND,
	    delay_sample(
	        &f->args.hello_slow.delay, &a->link->pipeline->inject->rng),
	    1);
}

/* No answer, and the connection closes (empty, a dropped hello). */
static enum flow
answer_empty(struct answer *a, const struct fault_conf *f)
{
	answer_journal(a, NULL, 0, f, 0);
	return FLOW_CLOSE;
}

/* Before the far end: hold the request for the fault's delay. */
static enum flow
answer_delay(struct answer *a, const struct fault_conf *f)
{
	return answer_hold(a, ANSWER_FAREND,
	    delay_sample(&f->args.delay.delay, &a->link->pipeline->inject->rng),
	    1);
}

/* Before the far end: reset without an answer. */
static enum flow
answer_reset(struct answer *a, const struct fault_conf *f)
{
	answer_journal(a, NULL, 0, f, 0);
	return FLOW_RESET;
}

/* Before the far end: random bytes instead of an answer, then close. */
static enum flow
answer_garbage_now(struct answer *a, const struct fault_conf *f)
{
	answer_garbage(a, a->link->out, (size_t)f->args.garbage.bytes);
	answer_journal(a, NULL, 0, f, 0);
	return FLOW_CLOSE;
}

/* Before the far end: never answer; close after close_after if given. */
static enum flow
answer_timeout(struct answer *a, const struct fault_conf *f)
{
	answer_journal(a, NULL, 0, f, 0);
	return answer_hold(
	    a, ANSWER_HOLD, f->args.timeout.close_after_us, f->present[0]);
}

/* After the far end: a schema_drift changes a copy of its JSON. */
static int
answer_shape_drift(const struct fault_conf *f, struct reply *r)
{
	json_t *copy, *json = reply_json_value(r);

	if (json == NULL)
		return 0;
	/* Stored objects are shared: drift a copy. */
	if ((copy = json_deep_copy(json)) == NULL)
		return -1;
	answer_drift(copy, f);
	reply_json(r, r->status, copy); /* drops the original and its text */
	return 0;
}

/* After the far end: a status fault replaces its reply. */
static int
answer_shape_status(const struct fault_conf *f, struct reply *r)
{
	answer_fault_reply(f, r);
	return 0;
}

/* After the far end: how long a delay holds the answer yet. */
static uint64_t
answer_wait_delay(struct answer *a, const struct fault_conf *f, size_t len)
{
	(void)len;
	return delay_sample(
	    &f->args.delay.delay, &a->link->pipeline->inject->rng);
}

/* After the far end: how long a drip takes to send len bytes. */
static uint64_t
answer_wait_drip(struct answer *a, const struct fault_conf *f, size_t len)
{
	a->drip_chunk = (size_t)f->args.drip.chunk;
	a->drip_interval_us = f->args.drip.interval_us;
	/* The first piece goes at once, the last after the rest. */
	if (a->drip_chunk == 0 || len == 0)
		return 0;
	return (len - 1) / a->drip_chunk * a->drip_interval_us;
}

/* After the far end: send the held answer after wait. */
static enum flow
answer_deliver_late(struct answer *a, const struct fault_conf *f,
    size_t head_len, size_t body_len, uint64_t wait)
{
	(void)f;
	(void)head_len;
	(void)body_len;
	return answer_hold(a, ANSWER_SEND, wait, 1);
}

/* After the far end: send the held answer a piece at a time. */
static enum flow
answer_deliver_drip(struct answer *a, const struct fault_conf *f,
    size_t head_len, size_t body_len, uint64_t wait)
{
	(void)f;
	(void)head_len;
	(void)body_len;
	(void)wait;
	return answer_hold(a, ANSWER_DRIP, 0, 1);
}

/* After the far end: lose its answer, close. */
static enum flow
answer_deliver_none(struct answer *a, const struct fault_conf *f,
    size_t head_len, size_t body_len, uint64_t wait)
{
	(void)a;
	(void)f;
	(void)head_len;
	(void)body_len;
	(void)wait;
	return FLOW_CLOSE;
}

/* After the far end: after_bytes of its answer, then a reset. */
static enum flow
answer_deliver_reset(struct answer *a, const struct fault_conf *f,
    size_t head_len, size_t body_len, uint64_t wait)
{
	(void)head_len;
	(void)body_len;
	(void)wait;
	evbuffer_remove_buffer(
	    a->held, a->link->out, (size_t)f->args.reset.after_bytes);
	return FLOW_RESET;
}

/* After the far end: fewer body bytes than Content-Length, then close. */
static enum flow
answer_deliver_truncated(struct answer *a, const struct fault_conf *f,
    size_t head_len, size_t body_len, uint64_t wait)
{
	size_t keep;

	(void)wait;
	keep = f->present[0] ? (size_t)f->args.truncate.bytes : body_len / 2;
	if (body_len > 0 && keep >= body_len)
		keep = body_len - 1;
	evbuffer_remove_buffer(a->held, a->link->out, head_len + keep);
	return FLOW_CLOSE;
}

/* After the far end: its answer with a broken line, then close. */
static enum flow
answer_deliver_malformed(struct answer *a, const struct fault_conf *f,
    size_t head_len, size_t body_len, uint64_t wait)
{
	(void)body_len;
	(void)wait;
	if (answer_malform(a->held, head_len, f->args.malformed.kind) != 0)
		return answer_oom(a);
	evbuffer_add_buffer(a->link->out, a->held);
	return FLOW_CLOSE;
}

/* After the far end: random bytes instead of its answer, then close. */
static enum flow
answer_deliver_garbage(struct answer *a, const struct fault_conf *f,
    size_t head_len, size_t body_len, uint64_t wait)
{
	(void)head_len;
	(void)body_len;
	(void)wait;
	answer_garbage(a, a->link->out, (size_t)f->args.garbage.bytes);
	return FLOW_CLOSE;
}

/* After the far end: never deliver; close after close_after if given. */
static enum flow
answer_deliver_never(struct answer *a, const struct fault_conf *f,
    size_t head_len, size_t body_len, uint64_t wait)
{
	(void)head_len;
	(void)body_len;
	(void)wait;
	return answer_hold(
	    a, ANSWER_HOLD, f->args.timeout.close_after_us, f->present[0]);
}

/* After the far end: deliver the (changed) answer now. */
static enum flow
answer_deliver_now(struct answer *a, const struct fault_conf *f,
    size_t head_len, size_t body_len, uint64_t wait)
{
	(void)f;
	(void)head_len;
	(void)body_len;
	(void)wait;
	evbuffer_add_buffer(a->link->out, a->held);
	return FLOW_NEXT;
}

/* What one fault type does in this layer; NULL where it does nothing. */
struct answer_fault {
	/* Due before the far end (or a handshake fault): take the request
	 * over, or return ANSWER_GO_ON. */
	enum flow (*before)(struct answer *, const struct fault_conf *);
	/* After the far end: change its reply; 0, or -1 if out of memory. */
	int (*shape)(const struct fault_conf *, struct reply *);
	/* After the far end: how long the answer of len bytes is held yet. */
	uint64_t (*wait)(struct answer *, const struct fault_conf *, size_t);
	/* After the far end: deliver the answer serialized in a->held. */
	enum flow (*deliver)(struct answer *, const struct fault_conf *,
	    size_t head_len, size_t body_len, uint64_t wait);
};

static const struct answer_fault answer_faults[] = {
	[FAULT_HELLO_VERSION_MISMATCH] = { .before = answer_hello_versions },
	[FAULT_HELLO_SLOW] = { .before = answer_hello_slow },
	[FAULT_HELLO_ERROR] = { .before = answer_with_fault_reply },
	[FAULT_HELLO_DROP] = { .before = answer_empty },
	[FAULT_STATUS] = { .before = answer_with_fault_reply,
	    .shape = answer_shape_status,
	    .deliver = answer_deliver_now },
	[FAULT_DELAY] = { .before = answer_delay,
	    .wait = answer_wait_delay,
	    .deliver = answer_deliver_late },
	[FAULT_DRIP] = { .wait = answer_wait_drip,
	    .deliver = answer_deliver_drip },
	[FAULT_EMPTY] = { .before = answer_empty,
	    .deliver = answer_deliver_none },
	[FAULT_HTTP_RESET] = { .before = answer_reset,
	    .deliver = answer_deliver_reset },
	[FAULT_TRUNCATE] = { .deliver = answer_deliver_truncated },
	[FAULT_MALFORMED] = { .deliver = answer_deliver_malformed },
	[FAULT_GARBAGE] = { .before = answer_garbage_now,
	    .deliver = answer_deliver_garbage },
	[FAULT_TIMEOUT] = { .before = answer_timeout,
	    .deliver = answer_deliver_never },
	[FAULT_SCHEMA_DRIFT] = { .shape = answer_shape_drift,
	    .deliver = answer_deliver_now },
};

/* The row of a fault type (an empty one past the table). */
static const struct answer_fault *
answer_fault_row(const struct fault_conf *f)
{
	static const struct answer_fault none;

	if ((size_t)f->kind->type >= nitems(answer_faults))
		return &none;
	return &answer_faults[f->kind->type];
}

/*
 * After the far end, with an http fault: serialize the answer into
 * a->held, account for it, then deliver it as the fault says.
 */
static enum flow
answer_after(struct answer *a, const struct fault_conf *f, struct reply *r,
    const char *route)
{
	const struct answer_fault *row = answer_fault_row(f);
	size_t head_len, body_len;
	uint64_t wait = 0;
	int status, rc;

	if (row->shape != NULL && row->shape(f, r) != 0) {
		reply_release(r);
		return answer_oom(a);
	}
	if (a->held == NULL && (a->held = evbuffer_new()) == NULL) {
		reply_release(r);
		return answer_oom(a);
	}
	evbuffer_drain(a->held, evbuffer_get_length(a->held));
	rc = answer_write(a, r, a->held, &head_len);
	status = r->status;
	reply_release(r);
	if (rc != 0)
		return answer_oom(a);
	body_len = evbuffer_get_length(a->held) - head_len;
	/* How long the answer is held yet: its time in the metrics. */
	if (row->wait != NULL)
		wait = row->wait(a, f, head_len + body_len);
	answer_journal(a, route, status, f, wait);
	if (row->deliver == NULL)
		return answer_deliver_now(a, f, head_len, body_len, wait);
	return row->deliver(a, f, head_len, body_len, wait);
}

/* The far end's reply: apply the http faults due after it, and deliver. */
static enum flow
answer_replied(struct answer *a, struct reply *r)
{
	struct link *l = a->link;
	struct inject_ctx ctx = { l->service, l->conn, a->req,
		FAULT_AT_RESPONSE, 0, 0 };
	const struct fault_conf *f;
	const char *route;
	int rc;

	route = r->route; /* a status fault's reply starts afresh */
	if (answer_is_hello(a->req))
		answer_journal_hello(a, r);
	f = inject_pick(l->pipeline->inject, FAULT_LAYER_HTTP, &ctx);
	if (f != NULL)
		return answer_after(a, f, r, route);
	rc = answer_write(a, r, l->out, NULL);
	answer_journal(a, route, r->status, NULL, 0);
	reply_release(r);
	return rc == 0 ? FLOW_NEXT : answer_oom(a);
}

/* A far end that answers later has answered (ask's ready). */
static void
answer_ready(void *arg, struct reply *r)
{
	struct answer *a = arg;
	enum flow flow;

	a->step = ANSWER_IDLE;
	a->upstream_us = clock_now_us() - a->asked_us;
	if (a->upstream_us == 0)
		a->upstream_us = 1;
	flow = answer_replied(a, r);
	/* Last: the owner may free the answer with the connection. */
	if (flow != FLOW_HOLD)
		a->done(a->arg, flow);
}

/* Ask the far end: its reply now, or (an http proxy's) later. */
static enum flow
answer_farend(struct answer *a)
{
	struct link *l = a->link;
	struct reply r;

	if (l->farend->ops->ask != NULL) {
		a->step = ANSWER_ASKED;
		a->asked_us = clock_now_us();
		l->farend->ops->ask(l->stream, a->req, answer_ready, a);
		return FLOW_HOLD;
	}
	l->farend->ops->answer(l->farend->impl, a->req, &a->call, &r);
	return answer_replied(a, &r);
}

/* A held answer's timer fired: go on where it was parked. */
static void
answer_timer_cb(evutil_socket_t fd, short what, void *arg)
{
	struct answer *a = arg;
	struct timeval tv;
	enum flow flow;

	(void)fd;
	(void)what;
	/* How late the loop let this go: timed again when it is written. */
	a->link->released_us = clock_now_us();
	a->link->late_us = a->link->released_us > a->due_us
	    ? a->link->released_us - a->due_us
	    : 0;
	switch (a->step) {
	case ANSWER_FAREND:
		a->step = ANSWER_IDLE;
		flow = answer_farend(a);
		break;
	case ANSWER_SEND:
		a->step = ANSWER_IDLE;
		evbuffer_add_buffer(a->link->out, a->held);
		flow = FLOW_NEXT;
		break;
	case ANSWER_DRIP:
		evbuffer_remove_buffer(a->held, a->link->out, a->drip_chunk);
		if (evbuffer_get_length(a->held) > 0) {
			tv = clock_tv(a->drip_interval_us);
			a->due_us = a->link->released_us + a->drip_interval_us;
			evtimer_add(a->timer, &tv);
			return;
		}
		a->step = ANSWER_IDLE;
		flow = FLOW_NEXT;
		break;
	case ANSWER_HOLD:
		a->link->released_us = 0; /* nothing to write */
		a->link->reason = "timeout fault: closed";
		flow = FLOW_ABORT;
		break;
	default:
		return;
	}
	/* Last: the owner may free the answer with the connection. */
	if (flow != FLOW_HOLD)
		a->done(a->arg, flow);
}

/*
 * Does the request show which protocol versions the service speaks: the
 * hello, a /v1 request with X-Protocol-Version, or GET /health (which
 * lists them)? The handshake layer's faults apply to these only; a
 * version_mismatch makes the service speak its versions on all of them,
 * so /health never contradicts the hello.
 */
static int
answer_shows_versions(const struct request *req, int hello)
{
	if (hello)
		return 1;
	if (strncmp(req->path, "/v1/", 4) == 0)
		return request_header(req, "X-Protocol-Version") != NULL;
	return strcmp(req->path, "/health") == 0 &&
	    strcmp(req->method, "GET") == 0;
}

/*
 * The handshake layer: the hello, the version header on /v1, and the
 * versions /health lists. Returns ANSWER_GO_ON unless a fault took the
 * request over.
 */
static enum flow
answer_handshake(struct answer *a, struct inject_ctx *ctx)
{
	const struct request *req = a->req;
	const struct fault_conf *f;

	ctx->hello = answer_is_hello(req);
	if (!answer_shows_versions(req, ctx->hello))
		return ANSWER_GO_ON;
	f = inject_pick(a->link->pipeline->inject, FAULT_LAYER_HANDSHAKE, ctx);
	ctx->hello = 0;
	if (f == NULL || answer_fault_row(f)->before == NULL)
		return ANSWER_GO_ON;
	return answer_fault_row(f)->before(a, f);
}

enum flow
answer_request(struct answer *a, const struct request *req,
    const struct response_opts *opts)
{
	struct link *l = a->link;
	struct pipeline *p = l->pipeline;
	struct inject_ctx ctx = { l->service, l->conn, req, FAULT_AT_REQUEST, 0,
		0 };
	const struct fault_conf *f;
	struct journal_fields jf;
	enum flow flow;

	a->req = req;
	a->opts = *opts;
	a->upstream_us = 0;
	l->requests++;
	l->counts->requests++;
	a->started_us = clock_now_us();
	if (p->journal != NULL) {
		/* The hot path: fields, not a JSON object per request. */
		journal_fields_init(&jf);
		journal_field_str(&jf, "method", req->method);
		journal_field_str(&jf, "path", req->path);
		if (req->query != NULL)
			journal_field_str(&jf, "query", req->query);
		journal_add_fields(
		    p->journal, l->service, l->conn, "request", &jf);
	}
	answer_call_clear(a);
	flow = answer_handshake(a, &ctx);
	if (flow == ANSWER_GO_ON) {
		f = inject_pick(p->inject, FAULT_LAYER_HTTP, &ctx);
		if (f != NULL && answer_fault_row(f)->before != NULL)
			flow = answer_fault_row(f)->before(a, f);
		if (flow == ANSWER_GO_ON)
			flow = answer_farend(a);
	}
	/* Counted once answered, so "after_requests": N leaves N untouched. */
	timeline_count_request(p->timeline);
	return flow;
}

enum flow
answer_held_eof(const struct answer *a)
{
	return a->step == ANSWER_HOLD ? FLOW_ABORT : FLOW_HOLD;
}
