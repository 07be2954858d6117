/*
 * fuzz_http.c: bytes from a client, through the HTTP protocol of the
 * pipeline (http_proto: http.c, then answer.c and response.c) to a
 * persona as the far end, in process: the link's input and output are
 * evbuffers, and this file plays the connection (conn.c) above it, by the
 * rules of pipeline.h.
 *
 * An input is two bytes of set-up followed by what the client sends:
 *
 *   byte 0  the active faults: a phase of fuzz_faults below (0: none)
 *   byte 1  bit 0: the far end, UMS (0) or the financial engine (1);
 *           bit 1: a journal and metrics record everything (as serve),
 *           and the journal must be JSON as GET /journal sends it;
 *           bits 2-4: the size of the pieces the bytes arrive in
 *           (1, 2, 3, 7, 16, 64, 512 or all at once)
 *   rest    the bytes, then the client's FIN
 *
 * Held answers (delay, drip, a slow hello, a timeout's close) have
 * zero-length timers, fired by running the loop without blocking.
 * Without faults every response must start with a status line.
 */
#include "config.h"

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event2/buffer.h>
#include <event2/event.h>
#include <jansson.h>

#include "fuzz.h"
#include "http.h"
#include "inject.h"
#include "journal.h"
#include "log.h"
#include "metrics.h"
#include "persona.h"
#include "response.h"
#include "scenario.h"
#include "timeline.h"
#include "util.h"

/* How often the loop runs without blocking for one held answer. */
#define FUZZ_SPINS 256

/* The fault sets, one per phase, and stubs for the personas to answer. */
static const char fuzz_faults[] =
    "{\"standin\": 1, \"name\": \"fuzz-http\", \"seed\": 7,\n"
    "\"services\": {\"ums\": {\"persona\": \"ums\", \"listen\": "
    "\"127.0.0.1:0\"},\n"
    "  \"fin\": {\"persona\": \"financial-engine\", \"listen\": "
    "\"127.0.0.1:0\"}},\n"
    "\"stubs\": [\n"
    "  {\"service\": \"ums\", \"method\": \"GET\", \"path\": "
    "\"/v1/users/u1001\", \"status\": 503,\n"
    "   \"headers\": {\"Retry-After\": \"7\"}, \"body\": {\"error\": "
    "\"unavailable\"}},\n"
    "  {\"service\": \"fin\", \"path\": \"/v1/fx/{pair}\", \"body\": "
    "{\"rate\": 1.08}},\n"
    "  {\"path\": \"/stub/*\", \"headers\": {\"Content-Type\": "
    "\"text/plain\"}, \"body\": \"a\\nb\\n\"}],\n"
    "\"phases\": [\n"
    "  {\"name\": \"none\"},\n"
    "  {\"name\": \"status\", \"manual\": true, \"faults\": [{\"layer\": "
    "\"http\", \"type\": \"status\", \"status\": 503,\n"
    "    \"headers\": {\"Retry-After\": \"5\"}, \"body\": {\"error\": "
    "\"x\"}}]},\n"
    "  {\"name\": \"status-response\", \"manual\": true, \"faults\": "
    "[{\"layer\": \"http\", \"type\": \"status\",\n"
    "    \"status\": 429, \"at\": \"response\", \"body\": \"slow "
    "down\"}]},\n"
    "  {\"name\": \"delay\", \"manual\": true, \"faults\": [{\"layer\": "
    "\"http\", \"type\": \"delay\", \"delay\": \"0ms\"}]},\n"
    "  {\"name\": \"delay-response\", \"manual\": true, \"faults\": "
    "[{\"layer\": \"http\", \"type\": \"delay\",\n"
    "    \"at\": \"response\", \"delay\": {\"dist\": \"uniform\", \"min\": "
    "\"0ms\", \"max\": \"0ms\"}}]},\n"
    "  {\"name\": \"drip\", \"manual\": true, \"faults\": [{\"layer\": "
    "\"http\", \"type\": \"drip\", \"chunk\": 61,\n"
    "    \"interval\": \"0ms\"}]},\n"
    "  {\"name\": \"empty\", \"manual\": true, \"faults\": [{\"layer\": "
    "\"http\", \"type\": \"empty\"}]},\n"
    "  {\"name\": \"empty-response\", \"manual\": true, \"faults\": "
    "[{\"layer\": \"http\", \"type\": \"empty\",\n"
    "    \"at\": \"response\"}]},\n"
    "  {\"name\": \"reset\", \"manual\": true, \"faults\": [{\"layer\": "
    "\"http\", \"type\": \"reset\"}]},\n"
    "  {\"name\": \"reset-response\", \"manual\": true, \"faults\": "
    "[{\"layer\": \"http\", \"type\": \"reset\",\n"
    "    \"at\": \"response\", \"after_bytes\": 20}]},\n"
    "  {\"name\": \"truncate\", \"manual\": true, \"faults\": [{\"layer\": "
    "\"http\", \"type\": \"truncate\"}]},\n"
    "  {\"name\": \"truncate-bytes\", \"manual\": true, \"faults\": "
    "[{\"layer\": \"http\", \"type\": \"truncate\",\n"
    "    \"bytes\": 5000}]},\n"
    "  {\"name\": \"malformed-status\", \"manual\": true, \"faults\": "
    "[{\"layer\": \"http\", \"type\": \"malformed\",\n"
    "    \"kind\": \"status_line\"}]},\n"
    "  {\"name\": \"malformed-header\", \"manual\": true, \"faults\": "
    "[{\"layer\": \"http\", \"type\": \"malformed\",\n"
    "    \"kind\": \"header\"}]},\n"
    "  {\"name\": \"malformed-chunked\", \"manual\": true, \"faults\": "
    "[{\"layer\": \"http\", \"type\": \"malformed\",\n"
    "    \"kind\": \"chunked\"}]},\n"
    "  {\"name\": \"garbage\", \"manual\": true, \"faults\": [{\"layer\": "
    "\"http\", \"type\": \"garbage\", \"bytes\": 13}]},\n"
    "  {\"name\": \"garbage-response\", \"manual\": true, \"faults\": "
    "[{\"layer\": \"http\", \"type\": \"garbage\",\n"
    "    \"at\": \"response\"}]},\n"
    "  {\"name\": \"timeout\", \"manual\": true, \"faults\": [{\"layer\": "
    "\"http\", \"type\": \"timeout\"}]},\n"
    "  {\"name\": \"timeout-close\", \"manual\": true, \"faults\": "
    "[{\"layer\": \"http\", \"type\": \"timeout\",\n"
    "    \"close_after\": \"0ms\"}]},\n"
    "  {\"name\": \"timeout-response\", \"manual\": true, \"faults\": "
    "[{\"layer\": \"http\", \"type\": \"timeout\",\n"
    "    \"at\": \"response\", \"close_after\": \"0ms\"}]},\n"
    "  {\"name\": \"drift\", \"manual\": true, \"faults\": [{\"layer\": "
    "\"http\", \"type\": \"schema_drift\",\n"
    "    \"drop\": [\"email\", \"amount_cents\"], \"rename\": {\"id\": "
    "\"ID\", \"name\": \"full_name\"}}]},\n"
    "  {\"name\": \"hello-mismatch\", \"manual\": true, \"faults\": "
    "[{\"layer\": \"handshake\",\n"
    "    \"type\": \"version_mismatch\", \"server_versions\": [\"2.0\", "
    "\"1.10\"]}]},\n"
    "  {\"name\": \"hello-slow\", \"manual\": true, \"faults\": "
    "[{\"layer\": \"handshake\", \"type\": \"slow\",\n"
    "    \"delay\": \"0ms\"}]},\n"
    "  {\"name\": \"hello-error\", \"manual\": true, \"faults\": "
    "[{\"layer\": \"handshake\", \"type\": \"error\",\n"
    "    \"status\": 500, \"headers\": {\"X-A\": \"b\"}, \"body\": [1, "
    "\"two\"]}]},\n"
    "  {\"name\": \"hello-drop\", \"manual\": true, \"faults\": "
    "[{\"layer\": \"handshake\", \"type\": \"drop\"}]},\n"
    "  {\"name\": \"mixed\", \"manual\": true, \"faults\": [\n"
    "    {\"layer\": \"handshake\", \"type\": \"version_mismatch\", "
    "\"server_versions\": [\"3\"],\n"
    "     \"probability\": 0.3},\n"
    "    {\"layer\": \"http\", \"type\": \"status\", \"status\": 503, "
    "\"times\": 1,\n"
    "     \"match\": {\"method\": \"GET\", \"path\": \"/health\"}},\n"
    "    {\"service\": \"fin\", \"layer\": \"http\", \"type\": \"empty\", "
    "\"at\": \"response\",\n"
    "     \"match\": {\"method\": \"POST\", \"path\": \"/v1/donations\"}, "
    "\"probability\": 0.5},\n"
    "    {\"layer\": \"http\", \"type\": \"delay\", \"delay\": {\"dist\": "
    "\"normal\", \"mean\": \"0ms\",\n"
    "     \"stddev\": \"0ms\"}, \"match\": {\"path\": \"/v1/users/{id}\"}, "
    "\"times\": 2},\n"
    "    {\"layer\": \"http\", \"type\": \"drip\", \"chunk\": 1000, "
    "\"interval\": \"0ms\", \"probability\": 0.5},\n"
    "    {\"layer\": \"http\", \"type\": \"schema_drift\", \"drop\": "
    "[\"status\"]}]}]}\n";

/* The connection this file plays, above the protocol. */
enum fuzz_state {
	FUZZ_READING, /* hand bytes down */
	FUZZ_WAITING, /* an answer is held: hand nothing down */
	FUZZ_ENDED, /* closed, reset or aborted */
};

struct fuzz_conn {
	struct link link;
	void *session; /* NULL once closed */
	enum fuzz_state state;
	int check_output; /* no faults: every response has a status line */
};

static struct event_base *base;
static struct injector in;
static struct pipeline pl;
static struct scenario *defaults, *faults;
static struct persona *personas[2];
static struct farend farends[2];
static struct pipe_counts counts;
static struct journal *journal;
static struct metrics *metrics;

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	struct errlist errs = { NULL, 0, 0 };
	char *cause = NULL;
	size_t i;

	(void)argc;
	(void)argv;
	log_init(LOG_TEXT, LOG_ERROR);
	signal(SIGPIPE, SIG_IGN);
	faults = scenario_load_text(
	    "fuzz-http", fuzz_faults, sizeof fuzz_faults - 1, &errs);
	if (faults == NULL) {
		fprintf(stderr, "fuzz_http: %s\n", errlist_join(&errs));
		abort();
	}
	defaults = scenario_default();
	base = event_base_new();
	journal = journal_new(base, 64, NULL, &cause);
	metrics = metrics_new();
	inject_init(&in, faults->seed, NULL, NULL);
	pl.base = base;
	pl.inject = &in;
	pl.responses = response_writer_new();
	pl.timeline = timeline_new(base, defaults, NULL, NULL, NULL);
	if (base == NULL || journal == NULL || pl.responses == NULL ||
	    pl.timeline == NULL)
		abort();
	/* The far ends as service.c makes them, one per persona. */
	for (i = 0; i < 2; i++) {
		personas[i] = persona_new(&defaults->services[i], 1);
		if (personas[i] == NULL)
			abort();
		persona_set_stubs(personas[i], faults->stubs, faults->nstubs);
		farends[i].ops = &persona_farend;
		farends[i].impl = personas[i];
	}
	if (strcmp(persona_name(personas[0]), "ums") != 0)
		abort();
	persona_set_users_from(personas[1], personas[0]);
	return 0;
}

static void fuzz_feed(struct fuzz_conn *);

/* The output so far is the client's: check it, then take it away. */
static void
fuzz_take_output(struct fuzz_conn *c)
{
	struct evbuffer *out = c->link.out;
	size_t len = evbuffer_get_length(out);
	unsigned char *p;

	if (len > 0 && c->check_output) {
		p = evbuffer_pullup(out, len < 9 ? (ssize_t)len : 9);
		if (len < 9 || memcmp(p, "HTTP/1.1 ", 9) != 0)
			abort(); /* a response without a status line */
	}
	evbuffer_drain(out, len);
}

/* Go on as the protocol says (conn.c's conn_follow). */
static void
fuzz_follow(struct fuzz_conn *c, enum flow flow)
{
	switch (flow) {
	case FLOW_NEED:
		break;
	case FLOW_NEXT:
		c->state = FUZZ_READING;
		fuzz_take_output(c);
		break;
	case FLOW_HOLD:
		c->state = FUZZ_WAITING;
		break;
	case FLOW_CLOSE:
	case FLOW_RESET:
		c->state = FUZZ_ENDED;
		fuzz_take_output(c);
		break;
	case FLOW_ABORT:
		c->state = FUZZ_ENDED;
		if (c->link.reason == NULL)
			abort(); /* an abort names its reason */
		http_proto.close(c->session);
		c->session = NULL;
		break;
	}
}

/* Hand what waits down while the connection reads (conn_feed). */
static void
fuzz_feed(struct fuzz_conn *c)
{
	enum flow flow;

	while (
	    c->state == FUZZ_READING && evbuffer_get_length(c->link.in) > 0) {
		flow = http_proto.input(c->session);
		if (flow == FLOW_NEED)
			break;
		fuzz_follow(c, flow);
	}
}

/* A held answer moved on (the link's wake). */
static void
fuzz_wake(struct link *link, enum flow flow)
{
	struct fuzz_conn *c = link->owner;

	/* Woken while holding an answer, or (a request's deadline, 408) to
	 * close while reading. */
	if (c->session == NULL ||
	    !(c->state == FUZZ_WAITING ||
	        (c->state == FUZZ_READING && flow == FLOW_CLOSE)))
		abort();
	fuzz_follow(c, flow);
	if (c->state == FUZZ_READING)
		fuzz_feed(c);
}

/* Let held answers' timers fire, for as long as one is held. */
static void
fuzz_spin(struct fuzz_conn *c)
{
	int i;

	for (i = 0; i < FUZZ_SPINS && c->state == FUZZ_WAITING; i++)
		event_base_loop(base, EVLOOP_NONBLOCK);
}

/*
 * The journal, as GET /journal writes it from the events' own text, is
 * JSON (what the client sent is quoted in it); then forget it.
 */
static void
fuzz_check_journal(void)
{
	struct evbuffer *b = evbuffer_new();
	json_t *o;

	if (b == NULL)
		abort();
	journal_query_text(journal, 0, 0, NULL, NULL, b);
	o = json_loadb((const char *)evbuffer_pullup(b, -1),
	    evbuffer_get_length(b), 0, NULL);
	if (!json_is_array(o)) {
		fprintf(stderr, "fuzz_http: the journal is not JSON:\n%.*s\n",
		    (int)evbuffer_get_length(b),
		    (const char *)evbuffer_pullup(b, -1));
		abort();
	}
	json_decref(o);
	evbuffer_free(b);
	journal_clear(journal);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const size_t pieces[] = { 1, 2, 3, 7, 16, 64, 512, SIZE_MAX };
	const struct phase_conf *phase;
	struct fuzz_conn c;
	size_t off, n, piece;
	unsigned svc;

	if (size < 2)
		return 0;
	phase = &faults->phases[data[0] % faults->nphases];
	svc = data[1] & 1;
	piece = pieces[(data[1] >> 2) & 7];
	pl.journal = (data[1] & 2) ? journal : NULL;
	pl.metrics = (data[1] & 2) ? metrics : NULL;
	data += 2;
	size -= 2;

	/*
	 * Every input starts afresh: fixtures, generator, fault counts. Only
	 * POST and PATCH change a persona (a hello draws its session id).
	 */
	if (memmem(data, size, "POST", 4) != NULL ||
	    memmem(data, size, "PATCH", 5) != NULL)
		persona_reset(personas[svc]);
	inject_reseed(&in, faults->seed);
	inject_activate(&in, faults, phase);

	memset(&c, 0, sizeof c);
	c.link.pipeline = &pl;
	c.link.service = svc == 0 ? "ums" : "fin";
	c.link.conn = ++pl.next_conn_id;
	c.link.counts = &counts;
	c.link.farend = &farends[svc];
	c.link.in = evbuffer_new();
	c.link.out = evbuffer_new();
	c.link.wake = fuzz_wake;
	c.link.owner = &c;
	/* A request's deadline (408) is the service's: far past a run. */
	c.link.request_timeout_us = SCENARIO_REQUEST_TIMEOUT_US;
	c.check_output = phase->nfaults == 0;
	if (c.link.in == NULL || c.link.out == NULL)
		abort();
	c.session = http_proto.open(&c.link);
	if (c.session == NULL)
		abort();

	for (off = 0; off < size && c.state != FUZZ_ENDED; off += n) {
		n = size - off < piece ? size - off : piece;
		evbuffer_add(c.link.in, data + off, n);
		if (c.state == FUZZ_READING)
			fuzz_feed(&c);
		fuzz_spin(&c);
	}
	/* The client's FIN (conn_peer_eof). */
	c.link.peer_closed = 1;
	if (c.state == FUZZ_WAITING) {
		if (http_proto.held_eof(c.session) == FLOW_ABORT) {
			http_proto.close(c.session); /* "client closed" */
			c.session = NULL;
		} else
			fuzz_spin(&c);
	}
	/* Whatever still holds (a timeout without close_after) ends here. */
	if (c.session != NULL)
		http_proto.close(c.session);
	fuzz_take_output(&c);
	evbuffer_free(c.link.in);
	evbuffer_free(c.link.out);
	if (pl.journal != NULL)
		fuzz_check_journal();
	/* A closed session leaves no timer behind. */
	if (event_base_get_num_events(base, EVENT_BASE_COUNT_ADDED) != 0)
		abort();
	return 0;
}
