/*
 * fuzz_hello.c: the protocol hello, POST /v1/handshake, and the
 * X-Protocol-Version check on any /v1 request, on both personas through
 * the far end's interface (persona_farend, as answer.c calls it), each
 * answer then written out as a response (response.c).
 *
 * An input is one byte of set-up, then the request:
 *
 *   byte 0  bits 0-1: the persona: UMS or the financial engine, each
 *           with its default versions or with a longer odd list;
 *           bit 2: the request is not the hello but the /v1 route of
 *           bits 5-7 (the version check applies);
 *           bit 3: an X-Protocol-Version header, whose value is the rest
 *           up to the first newline;
 *           bit 4: as a handshake version_mismatch fault says, the
 *           persona speaks only 2.0 and 1.10 for this request
 *   rest    (after the header's line) the request body
 *
 * A 200 to the hello must name a version both sides speak; a 426 must
 * carry both lists.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event2/buffer.h>
#include <jansson.h>

#include "fuzz.h"
#include "log.h"
#include "persona.h"
#include "reply.h"
#include "request.h"
#include "response.h"
#include "scenario.h"
#include "util.h"

/* Four personas: both kinds, with their default versions and others. */
static const char fuzz_services[] =
    "{\"standin\": 1, \"name\": \"fuzz-hello\", \"services\": {\n"
    "  \"ums\": {\"persona\": \"ums\", \"listen\": \"127.0.0.1:0\"},\n"
    "  \"fin\": {\"persona\": \"financial-engine\", \"listen\": "
    "\"127.0.0.1:0\"},\n"
    "  \"ums-odd\": {\"persona\": \"ums\", \"listen\": \"127.0.0.1:0\",\n"
    "    \"versions\": [\"0.9\", \"1.10\", \"2\", \"1.2.3.4.5\"]},\n"
    "  \"fin-odd\": {\"persona\": \"financial-engine\", \"listen\": "
    "\"127.0.0.1:0\",\n"
    "    \"versions\": [\"2.0\", \"1.2\", \"10.0.1\", \"0\"]}}}\n";

/* Routes other than the hello (bits 5-7), all under /v1. */
static const struct {
	const char *method, *path;
} fuzz_routes[] = {
	{ "GET", "/v1/users/u1001" },
	{ "GET", "/v1/ledger" },
	{ "POST", "/v1/donations" },
	{ "GET", "/v1/handshake" },
	{ "POST", "/v1/users" },
	{ "PATCH", "/v1/users/u1002" },
	{ "GET", "/v1/nope" },
	{ "HEAD", "/v1/users" },
};

static struct scenario *sc;
static struct persona *personas[4];
static struct response_writer *writer;
static struct evbuffer *out;
static char v20[] = "2.0", v110[] = "1.10";
static char *call_versions[] = { v20, v110 };
static json_t *speaks[4]; /* each persona's versions, from GET /health */

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	struct errlist errs = { NULL, 0, 0 };
	struct request req;
	struct reply r;
	size_t i;

	(void)argc;
	(void)argv;
	log_init(LOG_TEXT, LOG_ERROR);
	sc = scenario_load_text(
	    "fuzz-hello", fuzz_services, sizeof fuzz_services - 1, &errs);
	if (sc == NULL || sc->nservices != 4) {
		fprintf(stderr, "fuzz_hello: %s\n", errlist_join(&errs));
		abort();
	}
	for (i = 0; i < 4; i++) {
		personas[i] = persona_new(&sc->services[i], 1);
		if (personas[i] == NULL)
			abort();
		memset(&req, 0, sizeof req);
		req.method = "GET";
		req.path = "/health";
		req.body = "";
		persona_farend.answer(personas[i], &req, NULL, &r);
		speaks[i] = json_incref(json_object_get(r.json, "versions"));
		if (!json_is_array(speaks[i]))
			abort();
		reply_release(&r);
	}
	writer = response_writer_new();
	out = evbuffer_new();
	if (writer == NULL || out == NULL)
		abort();
	return 0;
}

/* Does the JSON array a hold a version equal to v? */
static int
fuzz_has_version(json_t *a, const char *v)
{
	size_t i;
	json_t *e;

	json_array_foreach(a, i, e)
	{
		if (json_is_string(e) && version_valid(json_string_value(e)) &&
		    version_compare(json_string_value(e), v) == 0)
			return 1;
	}
	return 0;
}

/* What the answer to a hello must say. */
static void
fuzz_check_hello(const struct request *req, const struct reply *r,
    const struct farend_call *call, json_t *versions)
{
	json_t *body;
	const char *v;
	size_t i;
	int ours = 0;

	if (r->status == 426) {
		if (r->json == NULL ||
		    !json_is_array(
		        json_object_get(r->json, "client_versions")) ||
		    !json_is_array(json_object_get(r->json, "server_versions")))
			abort();
		return;
	}
	if (r->status != 200)
		return;
	v = json_string_value(json_object_get(r->json, "version"));
	if (v == NULL || !version_valid(v))
		abort();
	/* The client offered it... */
	body = json_loadb(req->body, req->body_len, 0, NULL);
	if (!fuzz_has_version(json_object_get(body, "versions"), v))
		abort();
	json_decref(body);
	/* ...and the persona speaks it (or the fault's versions do). */
	if (call->versions != NULL) {
		for (i = 0; i < call->nversions; i++)
			ours |= version_compare(call->versions[i], v) == 0;
	} else
		ours = fuzz_has_version(versions, v);
	if (!ours)
		abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct request_header header = { "X-Protocol-Version", NULL };
	struct farend_call call = { NULL, 0 };
	struct response_opts opts = { 0, 0, 0 };
	struct request req;
	struct persona *p;
	struct reply r;
	const uint8_t *nl;
	char *value = NULL, *body;
	size_t route;
	unsigned flags;
	int hello;

	if (size < 1)
		return 0;
	flags = data[0];
	p = personas[flags & 3];
	hello = !(flags & 4);
	route = (flags >> 5) & 7;
	memset(&req, 0, sizeof req);
	req.method = hello ? "POST" : fuzz_routes[route].method;
	req.path = hello ? "/v1/handshake" : fuzz_routes[route].path;
	if (flags & 16) {
		call.versions = call_versions;
		call.nversions = nitems(call_versions);
	}
	opts.head = strcmp(req.method, "HEAD") == 0;
	if (opts.head)
		req.method = "GET"; /* as http.c hands a HEAD down */
	data++;
	size--;
	if (flags & 8) {
		nl = memchr(data, '\n', size);
		value = xstrndup((const char *)data,
		    nl != NULL ? (size_t)(nl - data) : size);
		header.value = value;
		req.headers = &header;
		req.nheaders = 1;
		if (nl != NULL) {
			size -= (size_t)(nl + 1 - data);
			data = nl + 1;
		} else
			size = 0;
	}
	/* Bodies are NUL-terminated, as http.c leaves them. */
	body = xmalloc(size + 1);
	memcpy(body, data, size);
	body[size] = '\0';
	req.body = body;
	req.body_len = size;

	persona_farend.answer(p, &req, &call, &r);
	if (r.status < 100 || r.status > 599)
		abort();
	if (persona_farend.route(p, &req) == NULL)
		abort();
	if (hello)
		fuzz_check_hello(&req, &r, &call, speaks[flags & 3]);
	if (response_write(writer, &r, &opts, out, NULL) != 0)
		abort();
	evbuffer_drain(out, evbuffer_get_length(out));
	reply_release(&r);
	free(body);
	free(value);
	return 0;
}
