/*
 * check_persona.c: what both personas share, through persona_handle():
 * persona types, GET /health, POST /v1/handshake, the X-Protocol-Version
 * check, stubs, 404 and 405, reconfiguration and reset.
 */
#include "config.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <check.h>
#include <jansson.h>

#include "persona.h"
#include "persona_test.h"
#include "reply.h"
#include "request.h"
#include "scenario.h"

static char v1_1[] = "1.1", v1_2[] = "1.2", v1_9[] = "1.9", v1_10[] = "1.10";
static char v2_0[] = "2.0";

static struct persona *p;
static struct reply rep;

/* Make a UMS "ums" speaking 1.1 and 1.2. */
static void
setup(void)
{
	static char *versions[] = { v1_1, v1_2 };

	p = pt_make(PERSONA_UMS, "ums", versions, 2, 7);
	ck_assert_ptr_nonnull(p);
	reply_init(&rep);
}

/* Free the persona and the last reply. */
static void
teardown(void)
{
	reply_release(&rep);
	persona_free(p);
}

/* Send one request to the test's persona with a protocol version header. */
static void
call_v(
    const char *method, const char *path, const char *body, const char *version)
{
	pt_call_header(
	    &rep, p, method, path, body, "X-Protocol-Version", version);
}

/* Set a stub up to answer path with status (method NULL: any method). */
static void
stub_set(struct stub_conf *s, char *method, char *path, int status)
{
	memset(s, 0, sizeof *s);
	s->method = method;
	s->path = path;
	s->status = status;
}

/* Handshake with the given versions; returns the session, or "(none)". */
static const char *
handshake(struct persona *to, const char *versions)
{
	static char session[64];
	char body[256];

	snprintf(body, sizeof body,
	    "{\"client\":\"financial-engine\",\"versions\":%s}", versions);
	pt_call(&rep, to, "POST", "/v1/handshake", body);
	snprintf(session, sizeof session, "%s", pt_jstr(&rep, "session"));
	return session;
}

START_TEST(test_persona_types)
{
	const struct persona_type *t;

	t = persona_type_find("ums");
	ck_assert_ptr_nonnull(t);
	ck_assert_int_eq(t->kind, PERSONA_UMS);
	ck_assert_str_eq(t->default_listen, "127.0.0.1:8081");
	ck_assert_str_eq(t->fixture, "ums.json");
	ck_assert_uint_gt(t->ndefault_versions, 0);
	t = persona_type_find("financial-engine");
	ck_assert_ptr_nonnull(t);
	ck_assert_int_eq(t->kind, PERSONA_FINANCIAL_ENGINE);
	ck_assert_str_eq(t->default_listen, "127.0.0.1:8082");
	ck_assert_str_eq(t->fixture, "financial-engine.json");
	ck_assert_ptr_null(persona_type_find("fin"));
	ck_assert_ptr_null(persona_type_find("UMS"));
	ck_assert_ptr_eq(
	    persona_type_get(PERSONA_UMS), persona_type_find("ums"));
	ck_assert_ptr_eq(persona_type_get(PERSONA_FINANCIAL_ENGINE),
	    persona_type_find("financial-engine"));
	ck_assert_uint_eq(npersona_types, 2);
}
END_TEST

START_TEST(test_names)
{
	struct persona *f =
	    pt_make(PERSONA_FINANCIAL_ENGINE, "fin", NULL, 0, 1);

	ck_assert_str_eq(persona_name(p), "ums");
	ck_assert_str_eq(persona_service(p), "ums");
	ck_assert_str_eq(persona_name(f), "financial-engine");
	ck_assert_str_eq(persona_service(f), "fin");
	persona_free(f);
	persona_free(NULL);
}
END_TEST

START_TEST(test_health)
{
	pt_call(&rep, p, "GET", "/health", NULL);
	ck_assert_int_eq(rep.status, 200);
	ck_assert_str_eq(pt_jstr(&rep, "status"), "ok");
	ck_assert_str_eq(pt_jstr(&rep, "service"), "ums");
	ck_assert_str_eq(pt_jstr(&rep, "name"), "ums");
	ck_assert_str_eq(pt_jstr(&rep, "version"), "1.2");
	ck_assert_str_eq(pt_jlist(&rep, "versions"), "1.1,1.2");
}
END_TEST

START_TEST(test_health_names_the_numerically_newest_version)
{
	static char *versions[] = { v1_10, v1_9, v1_2 };
	struct persona *f =
	    pt_make(PERSONA_FINANCIAL_ENGINE, "fin", versions, 3, 1);

	pt_call(&rep, f, "GET", "/health", NULL);
	ck_assert_str_eq(pt_jstr(&rep, "service"), "financial-engine");
	ck_assert_str_eq(pt_jstr(&rep, "name"), "fin");
	ck_assert_str_eq(pt_jstr(&rep, "version"), "1.10");
	ck_assert_str_eq(pt_jlist(&rep, "versions"), "1.10,1.9,1.2");
	persona_free(f);
}
END_TEST

START_TEST(test_default_versions_when_the_service_names_none)
{
	const struct persona_type *t = persona_type_get(PERSONA_UMS);
	struct persona *u = pt_make(PERSONA_UMS, "u", NULL, 0, 1);
	char want[128];
	size_t i, off = 0;

	for (i = 0; i < t->ndefault_versions; i++)
		off += (size_t)snprintf(want + off, sizeof want - off, "%s%s",
		    i > 0 ? "," : "", t->default_versions[i]);
	pt_call(&rep, u, "GET", "/health", NULL);
	ck_assert_str_eq(pt_jlist(&rep, "versions"), want);
	persona_free(u);
}
END_TEST

START_TEST(test_handshake_picks_the_highest_common_version)
{
	const char *s;
	size_t i;

	s = handshake(p, "[\"1.0\",\"1.1\",\"1.2\",\"1.3\"]");
	ck_assert_int_eq(rep.status, 200);
	ck_assert_str_eq(pt_jstr(&rep, "version"), "1.2");
	ck_assert_str_eq(pt_jstr(&rep, "server"), "ums");
	ck_assert_uint_eq(strlen(s), 18);
	ck_assert_int_eq(strncmp(s, "s-", 2), 0);
	for (i = 2; i < 18; i++)
		ck_assert_msg(isxdigit((unsigned char)s[i]) &&
		        !isupper((unsigned char)s[i]),
		    "%s", s);

	handshake(p, "[\"1.1\"]");
	ck_assert_int_eq(rep.status, 200);
	ck_assert_str_eq(pt_jstr(&rep, "version"), "1.1");
	/* Order does not matter, and versions compare as numbers. */
	handshake(p, "[\"1.2.0\",\"01.2\",\"1.1\"]");
	ck_assert_str_eq(pt_jstr(&rep, "version"), "1.2");
}
END_TEST

START_TEST(test_handshake_without_common_version_is_426)
{
	handshake(p, "[\"2.0\",\"1.0\"]");
	pt_assert_error(&rep, 426, "version_mismatch", NULL);
	ck_assert_str_eq(pt_jlist(&rep, "client_versions"), "2.0,1.0");
	ck_assert_str_eq(pt_jlist(&rep, "server_versions"), "1.1,1.2");
	ck_assert_ptr_nonnull(strstr(pt_jstr(&rep, "message"), "1.1, 1.2"));
	ck_assert_ptr_nonnull(strstr(pt_jstr(&rep, "message"), "2.0, 1.0"));
}
END_TEST

START_TEST(test_handshake_validation)
{
	static const struct pt_invalid cases[] = {
		{ "{\"versions\":[\"1.2\"]}", "/client" },
		{ "{\"client\":\"\",\"versions\":[\"1.2\"]}", "/client" },
		{ "{\"client\":42,\"versions\":[\"1.2\"]}", "/client" },
		{ "{\"client\":\"fe\"}", "/versions" },
		{ "{\"client\":\"fe\",\"versions\":[]}", "/versions" },
		{ "{\"client\":\"fe\",\"versions\":\"1.2\"}", "/versions" },
		{ "{\"client\":\"fe\",\"versions\":[\"1.2\",\"v2\"]}",
		    "/versions/1" },
		{ "{\"client\":\"fe\",\"versions\":[1.2]}", "/versions/0" },
		{ "{\"client\":\"fe\",\"versions\":[\"1.\"]}", "/versions/0" },
		{ "{\"client\":\"fe\",\"versions\":[\"1.2\"],\"tls\":true}",
		    "/tls" },
		{ "[\"1.2\"]", "/" },
	};

	pt_assert_invalid(&rep, p, "POST", "/v1/handshake", cases,
	    sizeof cases / sizeof cases[0]);
	pt_call(&rep, p, "POST", "/v1/handshake", "{\"client\":");
	pt_assert_error(&rep, 400, "bad_json", NULL);
}
END_TEST

START_TEST(test_sessions_come_from_the_seeded_generator)
{
	static char *versions[] = { v1_2 };
	struct persona *a, *b, *c, *d;
	char first[64], second[64];

	a = pt_make(PERSONA_UMS, "ums", versions, 1, 42);
	b = pt_make(PERSONA_UMS, "ums", versions, 1, 42);
	c = pt_make(PERSONA_UMS, "ums2", versions, 1, 42);
	d = pt_make(PERSONA_UMS, "ums", versions, 1, 43);
	snprintf(first, sizeof first, "%s", handshake(a, "[\"1.2\"]"));
	snprintf(second, sizeof second, "%s", handshake(a, "[\"1.2\"]"));
	ck_assert_str_ne(first, second);
	ck_assert_str_eq(handshake(b, "[\"1.2\"]"), first);
	ck_assert_str_eq(handshake(b, "[\"1.2\"]"), second);
	ck_assert_str_ne(handshake(c, "[\"1.2\"]"), first);
	ck_assert_str_ne(handshake(d, "[\"1.2\"]"), first);
	/* A refused handshake draws nothing. */
	handshake(a, "[\"9.0\"]");
	ck_assert_int_eq(rep.status, 426);
	snprintf(first, sizeof first, "%s", handshake(a, "[\"1.2\"]"));
	ck_assert_str_eq(handshake(b, "[\"1.2\"]"), first);
	/* Reset starts the sequence again. */
	persona_reset(a);
	snprintf(first, sizeof first, "%s", handshake(a, "[\"1.2\"]"));
	persona_free(b);
	b = pt_make(PERSONA_UMS, "ums", versions, 1, 42);
	ck_assert_str_eq(handshake(b, "[\"1.2\"]"), first);
	persona_free(a);
	persona_free(b);
	persona_free(c);
	persona_free(d);
}
END_TEST

START_TEST(test_protocol_version_header_mismatch_is_426)
{
	static const struct {
		const char *method;
		const char *path;
		const char *version;
		const char *client_versions; /* NULL: not checked */
	} cases[] = {
		{ "GET", "/v1/users/u1001", "2.0", "2.0" },
		{ "GET", "/v1/users/u1001", "banana", "banana" },
		{ "GET", "/v1/users/u1001", "", NULL },
		/* Before routing: unknown paths and wrong methods under /v1/. */
		{ "GET", "/v1/nothing", "2.0", NULL },
		{ "DELETE", "/v1/users/u1001", "2.0", NULL },
		{ "GET", "/v1/handshake", "2.0", NULL },
	};
	char what[128];
	size_t i;

	for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		snprintf(what, sizeof what, "%s %s (version \"%s\")",
		    cases[i].method, cases[i].path, cases[i].version);
		call_v(cases[i].method, cases[i].path, NULL, cases[i].version);
		pt_assert_error_for(what, &rep, 426, "version_mismatch", NULL);
		ck_assert_msg(
		    strcmp(pt_jlist(&rep, "server_versions"), "1.1,1.2") == 0,
		    "%s: server_versions %s", what,
		    pt_jlist(&rep, "server_versions"));
		if (cases[i].client_versions != NULL)
			ck_assert_msg(strcmp(pt_jlist(&rep, "client_versions"),
			                  cases[i].client_versions) == 0,
			    "%s: client_versions %s", what,
			    pt_jlist(&rep, "client_versions"));
	}
	/* A refused create creates nothing. */
	call_v("POST", "/v1/users",
	    "{\"email\":\"v@example.org\",\"name\":\"V\"}", "3.0");
	ck_assert_int_eq(rep.status, 426);
	pt_call(&rep, p, "GET", "/v1/users?email=v@example.org", NULL);
	ck_assert_uint_eq(pt_jlen(&rep, "users"), 0);
}
END_TEST

START_TEST(test_protocol_version_header_spoken_or_absent_passes)
{
	static const struct {
		const char *method;
		const char *path;
		const char *body;
		const char *version; /* NULL: no header */
		int status;
	} cases[] = {
		{ "GET", "/v1/users/u1001", NULL, "1.1", 200 },
		{ "GET", "/v1/users/u1001", NULL, "1.2", 200 },
		{ "GET", "/v1/users/u1001", NULL, "1.2.0", 426 },
		{ "GET", "/v1/users/u1001", NULL, NULL, 200 },
		/* Outside /v1/ and for the handshake itself, it is ignored. */
		{ "GET", "/health", NULL, "2.0", 200 },
		{ "GET", "/v1", NULL, "2.0", 404 },
		{ "POST", "/v1/handshake",
		    "{\"client\":\"fe\",\"versions\":[\"1.2\"]}", "2.0", 200 },
	};
	size_t i;

	for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		pt_call_header(&rep, p, cases[i].method, cases[i].path,
		    cases[i].body,
		    cases[i].version != NULL ? "X-Protocol-Version" : NULL,
		    cases[i].version);
		ck_assert_msg(rep.status == cases[i].status,
		    "%s %s (version %s): %d, want %d", cases[i].method,
		    cases[i].path,
		    cases[i].version != NULL ? cases[i].version : "none",
		    rep.status, cases[i].status);
	}
}
END_TEST

START_TEST(test_version_header_name_is_case_insensitive)
{
	pt_call_header(&rep, p, "GET", "/v1/users/u1001", NULL,
	    "x-protocol-version", "9.9");
	ck_assert_int_eq(rep.status, 426);
}
END_TEST

START_TEST(test_404_names_the_request)
{
	pt_call(&rep, p, "GET", "/nope", NULL);
	pt_assert_error(&rep, 404, "not_found", NULL);
	ck_assert_str_eq(pt_jstr(&rep, "message"), "no route for GET /nope");
	pt_call(&rep, p, "GET", "/v1/users/", NULL);
	pt_assert_error(&rep, 404, "not_found", NULL);
	pt_call(&rep, p, "GET", "/v1/users/u1001/extra", NULL);
	pt_assert_error(&rep, 404, "not_found", NULL);
}
END_TEST

START_TEST(test_405_lists_the_allowed_methods)
{
	static const struct {
		const char *method;
		const char *path;
		const char *allow;
	} cases[] = {
		{ "DELETE", "/v1/users/u1001", "GET, HEAD, PATCH" },
		{ "PUT", "/v1/users", "GET, HEAD, POST" },
		{ "POST", "/health", "GET, HEAD" },
		{ "GET", "/v1/handshake", "POST" },
	};
	char what[128];
	size_t i;

	for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		snprintf(
		    what, sizeof what, "%s %s", cases[i].method, cases[i].path);
		pt_call(&rep, p, cases[i].method, cases[i].path, NULL);
		pt_assert_error_for(
		    what, &rep, 405, "method_not_allowed", NULL);
		ck_assert_msg(
		    strcmp(pt_header(&rep, "Allow"), cases[i].allow) == 0,
		    "%s: Allow: %s", what, pt_header(&rep, "Allow"));
		ck_assert_msg(
		    strstr(pt_jstr(&rep, "message"), cases[i].method) != NULL,
		    "%s: %s", what, pt_jstr(&rep, "message"));
	}
}
END_TEST

START_TEST(test_stub_answers_with_status_headers_and_json_body)
{
	static char method[] = "GET", path[] = "/v1/users/{id}";
	static char hname[] = "Retry-After", hvalue[] = "5";
	static char body[] = "{\"error\":\"unavailable\"}";
	struct header_conf h = { hname, hvalue };
	struct stub_conf s;
	const struct stub_conf *stubs[1] = { &s };

	stub_set(&s, method, path, 503);
	s.headers = &h;
	s.nheaders = 1;
	s.body = body;
	s.body_len = strlen(body);
	s.body_is_json = 1;
	pt_call_stubs(
	    &rep, p, stubs, 1, "GET", "/v1/users/u1001", NULL, NULL, NULL);
	ck_assert_int_eq(rep.status, 503);
	ck_assert_ptr_null(rep.json);
	ck_assert_ptr_eq(rep.raw, body);
	ck_assert_uint_eq(rep.raw_len, strlen(body));
	ck_assert_str_eq(rep.content_type, "application/json");
	ck_assert_str_eq(pt_header(&rep, "Retry-After"), "5");
	/* Other methods on the path still reach the persona. */
	pt_call_stubs(
	    &rep, p, stubs, 1, "PATCH", "/v1/users/u1001", "{}", NULL, NULL);
	ck_assert_int_eq(rep.status, 200);
}
END_TEST

START_TEST(test_stub_text_body_and_explicit_content_type)
{
	static char path[] = "/v1/motd", text[] = "maintenance at 22:00";
	static char ct[] = "content-type", ctv[] = "text/csv";
	struct header_conf h = { ct, ctv };
	struct stub_conf s;
	const struct stub_conf *stubs[1] = { &s };

	stub_set(&s, NULL, path, 200);
	s.body = text;
	s.body_len = strlen(text);
	pt_call_stubs(&rep, p, stubs, 1, "GET", "/v1/motd", NULL, NULL, NULL);
	ck_assert_int_eq(rep.status, 200);
	ck_assert_str_eq(rep.content_type, "text/plain; charset=utf-8");
	ck_assert_ptr_eq(rep.raw, text);
	/* No method: any method. */
	pt_call_stubs(
	    &rep, p, stubs, 1, "DELETE", "/v1/motd", NULL, NULL, NULL);
	ck_assert_int_eq(rep.status, 200);

	s.headers = &h;
	s.nheaders = 1;
	pt_call_stubs(&rep, p, stubs, 1, "GET", "/v1/motd", NULL, NULL, NULL);
	ck_assert_ptr_null(rep.content_type);
	ck_assert_str_eq(pt_header(&rep, "Content-Type"), "text/csv");
}
END_TEST

START_TEST(test_stub_without_body)
{
	static char path[] = "/v1/ping";
	struct stub_conf s;
	const struct stub_conf *stubs[1] = { &s };

	stub_set(&s, NULL, path, 204);
	pt_call_stubs(&rep, p, stubs, 1, "GET", "/v1/ping", NULL, NULL, NULL);
	ck_assert_int_eq(rep.status, 204);
	ck_assert_ptr_null(rep.raw);
	ck_assert_ptr_null(rep.json);
	ck_assert_ptr_null(rep.content_type);
}
END_TEST

START_TEST(test_first_matching_stub_wins)
{
	static char p1[] = "/v1/users/u1001", p2[] = "/v1/*";
	static char b1[] = "\"one\"", b2[] = "\"two\"";
	struct stub_conf s1, s2;
	const struct stub_conf *stubs[2] = { &s1, &s2 };

	stub_set(&s1, NULL, p1, 201);
	s1.body = b1;
	s1.body_len = strlen(b1);
	stub_set(&s2, NULL, p2, 202);
	s2.body = b2;
	s2.body_len = strlen(b2);
	pt_call_stubs(
	    &rep, p, stubs, 2, "GET", "/v1/users/u1001", NULL, NULL, NULL);
	ck_assert_int_eq(rep.status, 201);
	pt_call_stubs(
	    &rep, p, stubs, 2, "GET", "/v1/users/u1002", NULL, NULL, NULL);
	ck_assert_int_eq(rep.status, 202);
	/* Stubs come before the shared routes too, but not outside /v1. */
	pt_call_stubs(
	    &rep, p, stubs, 2, "POST", "/v1/handshake", "{}", NULL, NULL);
	ck_assert_int_eq(rep.status, 202);
	pt_call_stubs(&rep, p, stubs, 2, "GET", "/health", NULL, NULL, NULL);
	ck_assert_int_eq(rep.status, 200);
	ck_assert_str_eq(pt_jstr(&rep, "status"), "ok");
}
END_TEST

START_TEST(test_stub_of_another_service_is_ignored)
{
	static char svc[] = "fin", path[] = "/v1/users/{id}";
	struct stub_conf s;
	const struct stub_conf *stubs[1] = { &s };

	stub_set(&s, NULL, path, 500);
	s.service = svc;
	pt_call_stubs(
	    &rep, p, stubs, 1, "GET", "/v1/users/u1001", NULL, NULL, NULL);
	ck_assert_int_eq(rep.status, 200);
	ck_assert_str_eq(pt_jstr(&rep, "id"), "u1001");
}
END_TEST

START_TEST(test_stub_method_counts_for_405)
{
	static char method[] = "POST", path[] = "/v1/payments";
	struct stub_conf s;
	const struct stub_conf *stubs[1] = { &s };

	stub_set(&s, method, path, 201);
	pt_call_stubs(
	    &rep, p, stubs, 1, "GET", "/v1/payments", NULL, NULL, NULL);
	pt_assert_error(&rep, 405, "method_not_allowed", NULL);
	ck_assert_str_eq(pt_header(&rep, "Allow"), "POST");
}
END_TEST

START_TEST(test_version_check_comes_before_stubs)
{
	static char path[] = "/v1/*";
	struct stub_conf s;
	const struct stub_conf *stubs[1] = { &s };

	stub_set(&s, NULL, path, 200);
	pt_call_stubs(&rep, p, stubs, 1, "GET", "/v1/users/u1001", NULL,
	    "X-Protocol-Version", "0.9");
	pt_assert_error(&rep, 426, "version_mismatch", NULL);
}
END_TEST

START_TEST(test_configure_changes_versions_and_keeps_data)
{
	static char name[] = "ums";
	static char *versions[] = { v2_0 };
	struct service_conf conf;

	pt_call(&rep, p, "POST", "/v1/users",
	    "{\"email\":\"k@example.org\",\"name\":\"Kept\"}");
	ck_assert_int_eq(rep.status, 201);
	memset(&conf, 0, sizeof conf);
	conf.name = name;
	conf.persona = PERSONA_UMS;
	conf.versions = versions;
	conf.nversions = 1;
	persona_configure(p, &conf);
	pt_call(&rep, p, "GET", "/health", NULL);
	ck_assert_str_eq(pt_jstr(&rep, "version"), "2.0");
	ck_assert_str_eq(pt_jlist(&rep, "versions"), "2.0");
	handshake(p, "[\"1.1\",\"1.2\"]");
	pt_assert_error(&rep, 426, "version_mismatch", NULL);
	ck_assert_str_eq(pt_jlist(&rep, "server_versions"), "2.0");
	call_v("GET", "/v1/users/u1009", NULL, "2.0");
	ck_assert_int_eq(rep.status, 200);
	ck_assert_str_eq(pt_jstr(&rep, "name"), "Kept");
}
END_TEST

START_TEST(test_text_that_is_not_utf8_is_quoted_safely)
{
	call_v("GET", "/v1/users/u1001", NULL,
	    "\xff"
	    "1.2");
	pt_assert_error(&rep, 426, "version_mismatch", NULL);
	ck_assert_str_eq(pt_jlist(&rep, "client_versions"), "?1.2");
	pt_call(&rep, p, "GET", "/n\xc3", NULL);
	pt_assert_error(&rep, 404, "not_found", NULL);
	ck_assert_str_eq(pt_jstr(&rep, "message"), "no route for GET /n?");
	pt_call(&rep, p, "GET", "/caf\xc3\xa9", NULL);
	ck_assert_str_eq(
	    pt_jstr(&rep, "message"), "no route for GET /caf\xc3\xa9");
}
END_TEST

/* The persona suite. */
static Suite *
persona_suite(void)
{
	Suite *s = suite_create("persona");
	TCase *tc;

	tc = tcase_create("types");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_persona_types);
	tcase_add_test(tc, test_names);
	tcase_add_test(tc, test_health);
	tcase_add_test(tc, test_health_names_the_numerically_newest_version);
	tcase_add_test(tc, test_default_versions_when_the_service_names_none);
	tcase_add_test(tc, test_configure_changes_versions_and_keeps_data);
	suite_add_tcase(s, tc);

	tc = tcase_create("handshake");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_handshake_picks_the_highest_common_version);
	tcase_add_test(tc, test_handshake_without_common_version_is_426);
	tcase_add_test(tc, test_handshake_validation);
	tcase_add_test(tc, test_sessions_come_from_the_seeded_generator);
	tcase_add_test(tc, test_protocol_version_header_mismatch_is_426);
	tcase_add_test(
	    tc, test_protocol_version_header_spoken_or_absent_passes);
	tcase_add_test(tc, test_version_header_name_is_case_insensitive);
	suite_add_tcase(s, tc);

	tc = tcase_create("dispatch");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_404_names_the_request);
	tcase_add_test(tc, test_text_that_is_not_utf8_is_quoted_safely);
	tcase_add_test(tc, test_405_lists_the_allowed_methods);
	tcase_add_test(tc, test_stub_answers_with_status_headers_and_json_body);
	tcase_add_test(tc, test_stub_text_body_and_explicit_content_type);
	tcase_add_test(tc, test_stub_without_body);
	tcase_add_test(tc, test_first_matching_stub_wins);
	tcase_add_test(tc, test_stub_of_another_service_is_ignored);
	tcase_add_test(tc, test_stub_method_counts_for_405);
	tcase_add_test(tc, test_version_check_comes_before_stubs);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	return pt_run(persona_suite());
}
