/*
 * persona_test.c: helpers the persona suites share; see persona_test.h.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <check.h>

#include "persona_impl.h"
#include "persona_test.h"
#include "reply.h"
#include "request.h"
#include "scenario.h"

struct persona *
pt_make(enum persona_kind kind, const char *name, char **versions,
    size_t nversions, uint64_t seed)
{
	struct service_conf conf;
	char buf[32];

	snprintf(buf, sizeof buf, "%s", name);
	memset(&conf, 0, sizeof conf);
	conf.name = buf;
	conf.persona = kind;
	conf.versions = versions;
	conf.nversions = nversions;
	return persona_new(&conf, seed);
}

/*
 * A reply that carries its JSON as text it wrote itself (fin.c's
 * donations) must carry the bytes jansson dumps for the same value, then
 * a newline: what the wire shows cannot depend on the path taken. The
 * parsed value becomes rep->json for the assertions that follow.
 */
static void
pt_check_text(struct reply *rep)
{
	json_t *v = reply_json_value(rep);
	char *dump;

	ck_assert_msg(v != NULL, "not JSON: %.*s", (int)rep->raw_len, rep->raw);
	dump = json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY);
	ck_assert_ptr_nonnull(dump);
	ck_assert_msg(rep->raw_len == strlen(dump) + 1 &&
	        memcmp(rep->raw, dump, rep->raw_len - 1) == 0 &&
	        rep->raw[rep->raw_len - 1] == '\n',
	    "text %.*s is not jansson's %s", (int)rep->raw_len, rep->raw, dump);
	free(dump);
}

void
pt_call_stubs(struct reply *rep, struct persona *to,
    const struct stub_conf *const *stubs, size_t nstubs, const char *method,
    const char *target, const char *body, const char *hname, const char *hvalue)
{
	static char path[1024];
	struct request_header h;
	struct request rq;
	const char *q;

	reply_release(rep);
	memset(&rq, 0, sizeof rq);
	q = strchr(target, '?');
	snprintf(path, sizeof path, "%.*s",
	    (int)(q != NULL ? (size_t)(q - target) : strlen(target)), target);
	rq.method = method;
	rq.path = path;
	rq.query = q != NULL ? q + 1 : NULL;
	rq.body = body;
	rq.body_len = body != NULL ? strlen(body) : 0;
	if (hname != NULL) {
		h.name = hname;
		h.value = hvalue;
		rq.headers = &h;
		rq.nheaders = 1;
	}
	persona_handle(to, stubs, nstubs, &rq, rep);
	if (rep->raw_json)
		pt_check_text(rep);
}

void
pt_call_header(struct reply *rep, struct persona *to, const char *method,
    const char *target, const char *body, const char *hname, const char *hvalue)
{
	pt_call_stubs(rep, to, NULL, 0, method, target, body, hname, hvalue);
}

void
pt_call(struct reply *rep, struct persona *to, const char *method,
    const char *target, const char *body)
{
	pt_call_stubs(rep, to, NULL, 0, method, target, body, NULL, NULL);
}

json_t *
pt_jget(json_t *v, const char *path)
{
	char buf[256], *tok, *save = NULL;

	snprintf(buf, sizeof buf, "%s", path);
	for (tok = strtok_r(buf, "/", &save); tok != NULL && v != NULL;
	     tok = strtok_r(NULL, "/", &save)) {
		if (json_is_array(v))
			v = json_array_get(v, strtoul(tok, NULL, 10));
		else
			v = json_object_get(v, tok);
	}
	return v;
}

const char *
pt_jstr(const struct reply *rep, const char *path)
{
	const char *s = json_string_value(pt_jget(rep->json, path));

	return s != NULL ? s : "(none)";
}

long long
pt_jint(const struct reply *rep, const char *path)
{
	json_t *v = pt_jget(rep->json, path);

	return json_is_integer(v) ? (long long)json_integer_value(v) : -1;
}

size_t
pt_jlen(const struct reply *rep, const char *path)
{
	return json_array_size(pt_jget(rep->json, path));
}

const char *
pt_jlist(const struct reply *rep, const char *path)
{
	static char buf[256];
	json_t *a = pt_jget(rep->json, path);
	size_t i, off = 0;

	buf[0] = '\0';
	if (!json_is_array(a))
		return "(none)";
	for (i = 0; i < json_array_size(a); i++) {
		off += (size_t)snprintf(buf + off, sizeof buf - off, "%s%s",
		    i > 0 ? "," : "", json_string_value(json_array_get(a, i)));
	}
	return buf;
}

const char *
pt_header(const struct reply *rep, const char *name)
{
	static char value[512];
	const char *line = rep->headers, *end;
	size_t len = strlen(name);

	while (line != NULL && *line != '\0') {
		end = strstr(line, "\r\n");
		if (strncasecmp(line, name, len) == 0 && line[len] == ':') {
			snprintf(value, sizeof value, "%.*s",
			    (int)(end - line - len - 2), line + len + 2);
			return value;
		}
		line = end != NULL ? end + 2 : NULL;
	}
	return "(none)";
}

void
pt_assert_error_for(const char *what, const struct reply *rep, int status,
    const char *code, const char *field)
{
	const char *w = what != NULL ? what : "reply";

	ck_assert_msg(rep->status == status, "%s: status %d, want %d", w,
	    rep->status, status);
	ck_assert_msg(strcmp(pt_jstr(rep, "error"), code) == 0,
	    "%s: error \"%s\", want \"%s\"", w, pt_jstr(rep, "error"), code);
	ck_assert_msg(json_string_value(pt_jget(rep->json, "message")) != NULL,
	    "%s: no message", w);
	if (field != NULL)
		ck_assert_msg(strcmp(pt_jstr(rep, "field"), field) == 0,
		    "%s: field \"%s\", want \"%s\"", w, pt_jstr(rep, "field"),
		    field);
}

void
pt_assert_error(
    const struct reply *rep, int status, const char *code, const char *field)
{
	pt_assert_error_for(NULL, rep, status, code, field);
}

void
pt_assert_invalid(struct reply *rep, struct persona *to, const char *method,
    const char *target, const struct pt_invalid *cases, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		pt_call(rep, to, method, target, cases[i].body);
		pt_assert_error_for(
		    cases[i].body, rep, 422, "invalid", cases[i].field);
	}
}

void
pt_assert_loader(const struct persona_ops *ops,
    const struct pt_bad_fixture *cases, size_t n, const char *good)
{
	char *cause;
	void *store;
	size_t i;

	for (i = 0; i < n; i++) {
		cause = NULL;
		store = ops->load(cases[i].text, strlen(cases[i].text), &cause);
		ck_assert_msg(store == NULL, "%s was loaded", cases[i].text);
		ck_assert_msg(cause != NULL, "%s: no cause", cases[i].text);
		ck_assert_msg(strstr(cause, cases[i].cause_has) != NULL,
		    "%s: %s", cases[i].text, cause);
		free(cause);
	}
	store = ops->load(good, strlen(good), &cause);
	ck_assert_ptr_nonnull(store);
	ops->free(store);
}

int
pt_run(Suite *s)
{
	SRunner *sr = srunner_create(s);
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
