/*
 * scenario_stub.c: read a scenario's "stubs", canned answers that add or
 * override a route.
 */
#include "config.h"

#include <jansson.h>
#include <stdlib.h>

#include "scenario_impl.h"
#include "util.h"

static void stub_service(struct loader *, json_t *, void *);
static void stub_method(struct loader *, json_t *, void *);
static void stub_path(struct loader *, json_t *, void *);
static void stub_status(struct loader *, json_t *, void *);
static void stub_headers(struct loader *, json_t *, void *);
static void stub_body(struct loader *, json_t *, void *);

static const struct key_rule stub_rules[] = {
	{ "service", 0, stub_service },
	{ "method", 0, stub_method },
	{ "path", 1, stub_path },
	{ "status", 0, stub_status },
	{ "headers", 0, stub_headers },
	{ "body", 0, stub_body },
};

static void
stub_service(struct loader *ld, json_t *v, void *out)
{
	struct stub_conf *stub = out;
	const char *s;

	if (expect(ld, v, JSON_STRING) != 0)
		return;
	s = json_string_value(v);
	if (ld->services != NULL && json_object_get(ld->services, s) == NULL) {
		unknown_service(ld, s);
		return;
	}
	stub->service = xstrdup(s);
}

static void
stub_method(struct loader *ld, json_t *v, void *out)
{
	struct stub_conf *stub = out;

	stub->method = method_read(ld, v);
}

static void
stub_path(struct loader *ld, json_t *v, void *out)
{
	struct stub_conf *stub = out;

	stub->path = path_read(ld, v);
}

static void
stub_status(struct loader *ld, json_t *v, void *out)
{
	struct stub_conf *stub = out;
	int status;

	if ((status = status_read(ld, v)) != -1)
		stub->status = status;
}

static void
stub_headers(struct loader *ld, json_t *v, void *out)
{
	struct stub_conf *stub = out;

	headers_read(ld, v, &stub->headers, &stub->nheaders);
}

static void
stub_body(struct loader *ld, json_t *v, void *out)
{
	struct stub_conf *stub = out;

	(void)ld;
	free(stub->body);
	stub->body = body_read(v, &stub->body_len, &stub->body_is_json);
}

void
root_stubs(struct loader *ld, json_t *v, void *out)
{
	struct scenario *sc = out;
	struct stub_conf *stub;
	json_t *e;
	size_t i, saved;

	if (expect(ld, v, JSON_ARRAY) != 0)
		return;
	sc->stubs = xcalloc(json_array_size(v), sizeof *sc->stubs);
	for (i = 0; i < json_array_size(v); i++) {
		e = json_array_get(v, i);
		stub = &sc->stubs[sc->nstubs++];
		stub->status = 200;
		stub->body = xstrdup("");
		saved = ptr_push_index(ld, i);
		if (expect(ld, e, JSON_OBJECT) == 0)
			parse_object(
			    ld, e, stub_rules, nitems(stub_rules), stub);
		ptr_pop(ld, saved);
	}
}

/* Free what a stub owns, not the struct itself. */
void
stub_conf_clear(struct stub_conf *stub)
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
