/*
 * scenario_stub.c: read a scenario's "stubs", canned answers that add or
 * override a route.
 */
#include "config.h"

#include <jansson.h>
#include <stdlib.h>

#include "scenario_impl.h"
#include "util.h"

static void scenario_stub_service(struct scenario_loader *, json_t *, void *);
static void scenario_stub_method(struct scenario_loader *, json_t *, void *);
static void scenario_stub_path(struct scenario_loader *, json_t *, void *);
static void scenario_stub_status(struct scenario_loader *, json_t *, void *);
static void scenario_stub_headers(struct scenario_loader *, json_t *, void *);
static void scenario_stub_body(struct scenario_loader *, json_t *, void *);

static const struct scenario_key_rule scenario_stub_rules[] = {
	{ "service", 0, scenario_stub_service },
	{ "method", 0, scenario_stub_method },
	{ "path", 1, scenario_stub_path },
	{ "status", 0, scenario_stub_status },
	{ "headers", 0, scenario_stub_headers },
	{ "body", 0, scenario_stub_body },
};

/* A stub's "service": a declared one (without it: every service). */
static void
scenario_stub_service(struct scenario_loader *ld, json_t *v, void *out)
{
	struct stub_conf *stub = out;
	const char *s;

	if (scenario_read_expect(ld, v, JSON_STRING) != 0)
		return;
	s = json_string_value(v);
	if (ld->services != NULL && json_object_get(ld->services, s) == NULL) {
		scenario_read_unknown_service(ld, s);
		return;
	}
	stub->service = xstrdup(s);
}

static void
scenario_stub_method(struct scenario_loader *ld, json_t *v, void *out)
{
	struct stub_conf *stub = out;

	stub->method = scenario_read_method(ld, v);
}

static void
scenario_stub_path(struct scenario_loader *ld, json_t *v, void *out)
{
	struct stub_conf *stub = out;

	stub->path = scenario_read_path(ld, v);
}

/* A stub's "status", 100 to 599 (default 200). */
static void
scenario_stub_status(struct scenario_loader *ld, json_t *v, void *out)
{
	struct stub_conf *stub = out;
	int status;

	if ((status = scenario_read_status(ld, v)) != -1)
		stub->status = status;
}

static void
scenario_stub_headers(struct scenario_loader *ld, json_t *v, void *out)
{
	struct stub_conf *stub = out;

	scenario_read_headers(ld, v, &stub->headers, &stub->nheaders);
}

/* A stub's "body": any JSON value; a string is sent as it is. */
static void
scenario_stub_body(struct scenario_loader *ld, json_t *v, void *out)
{
	struct stub_conf *stub = out;

	(void)ld;
	free(stub->body);
	stub->body =
	    scenario_read_body(v, &stub->body_len, &stub->body_is_json);
}

/* Read "stubs", an array of stub objects, into sc. */
void
scenario_stub_read_all(
    struct scenario_loader *ld, json_t *v, struct scenario *sc)
{
	struct stub_conf *stub;
	json_t *e;
	size_t i, saved;

	if (scenario_read_expect(ld, v, JSON_ARRAY) != 0)
		return;
	sc->stubs = xcalloc(json_array_size(v), sizeof *sc->stubs);
	for (i = 0; i < json_array_size(v); i++) {
		e = json_array_get(v, i);
		stub = &sc->stubs[sc->nstubs++];
		stub->status = 200;
		stub->body = xstrdup("");
		saved = scenario_read_push_index(ld, i);
		if (scenario_read_expect(ld, e, JSON_OBJECT) == 0)
			scenario_read_object(ld, e, scenario_stub_rules,
			    nitems(scenario_stub_rules), stub);
		scenario_read_pop(ld, saved);
	}
}

/* Free what a stub owns, not the struct itself. */
void
scenario_stub_clear(struct stub_conf *stub)
{
	size_t i;

	free(stub->service);
	free(stub->method);
	free(stub->path);
	for (i = 0; i < stub->nheaders; i++) {
		free(stub->headers[i].name);
		free(stub->headers[i].value);
	}
	free(stub->headers);
	free(stub->body);
}
