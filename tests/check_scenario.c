/*
 * check_scenario.c: loading and validating scenario files: defaults, each
 * key, the built-in default, and the errors for bad files (every one of
 * them, in document order, with did-you-mean hints).
 *
 * Scenario text in these tests is written with single quotes, which
 * sq() turns into double quotes, so that the JSON stays readable.
 */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <check.h>
#include <jansson.h>

#include "persona.h"
#include "scenario.h"
#include "util.h"

#define INVALID_DIR STANDIN_SRCDIR "/tests/scenarios/invalid"

/* The start of a scenario, and both personas on port 0. */
#define HEAD "{'standin': 1, "
#define SERVICES \
	"'services': {'ums': {'persona': 'ums', 'listen': '127.0.0.1:0'}, " \
	"'fin': {'persona': 'financial-engine', 'listen': '127.0.0.1:0'}}"
/* The same, with TLS on the financial engine (for tls faults). */
#define SERVICES_TLS \
	"'services': {'ums': {'persona': 'ums', 'listen': '127.0.0.1:0'}, " \
	"'fin': {'persona': 'financial-engine', 'listen': '127.0.0.1:0', " \
	"'tls': {}}}"

/* A copy of the text with every single quote made a double quote. */
static char *
sq(const char *text)
{
	char *out = xstrdup(text), *p;

	for (p = out; *p != '\0'; p++) {
		if (*p == '\'')
			*p = '"';
	}
	return out;
}

/* Load text that must be good; fail the test with its errors if not. */
static struct scenario *
load_ok(const char *label, const char *text)
{
	struct errlist errs = { NULL, 0, 0 };
	struct scenario *sc;
	char *json = sq(text);

	sc = scenario_load_text(label, json, strlen(json), &errs);
	free(json);
	if (sc == NULL) {
		ck_abort_msg("%s: expected to load, got:\n%s", label,
		    errlist_join(&errs));
	}
	ck_assert_uint_eq(errs.n, 0);
	return sc;
}

/* Load text that must be bad; return its errors joined by newlines. */
static char *
load_bad(const char *label, const char *text)
{
	struct errlist errs = { NULL, 0, 0 };
	struct scenario *sc;
	char *json = sq(text), *msg;

	sc = scenario_load_text(label, json, strlen(json), &errs);
	free(json);
	ck_assert_msg(sc == NULL, "%s: expected an error", label);
	ck_assert_uint_gt(errs.n, 0);
	msg = errlist_join(&errs);
	errlist_clear(&errs);
	return msg;
}

/* Check that text is refused with exactly this message. */
static void
assert_error(const char *text, const char *expected)
{
	char *msg = load_bad("t.json", text);

	ck_assert_str_eq(msg, expected);
	free(msg);
}

START_TEST(test_default_has_both_personas)
{
	struct scenario *sc = scenario_default();
	const struct service_conf *ums, *fin;
	const struct persona_type *pt;
	size_t i;

	ck_assert_str_eq(sc->file, "(built-in)");
	ck_assert_str_eq(sc->name, "default");
	ck_assert_str_eq(sc->description,
	    "built-in healthy default: UMS and the financial engine");
	ck_assert_int_eq(sc->format, SCENARIO_FORMAT);
	ck_assert_uint_eq(sc->seed, 1);
	ck_assert_double_eq(sc->time_scale, 1.0);
	ck_assert_uint_eq(sc->nservices, 2);
	ck_assert_uint_eq(sc->nstubs, 0);

	ums = scenario_service(sc, "ums");
	ck_assert_ptr_nonnull(ums);
	ck_assert_int_eq(ums->persona, PERSONA_UMS);
	ck_assert_str_eq(ums->listen, "127.0.0.1:8081");
	ck_assert_str_eq(ums->host, "127.0.0.1");
	ck_assert_uint_eq(ums->port, 8081);
	ck_assert_ptr_null(ums->users_from);
	pt = persona_type_get(PERSONA_UMS);
	ck_assert_uint_gt(pt->ndefault_versions, 0);
	ck_assert_uint_eq(ums->nversions, pt->ndefault_versions);
	for (i = 0; i < ums->nversions; i++)
		ck_assert_str_eq(ums->versions[i], pt->default_versions[i]);

	fin = scenario_service(sc, "fin");
	ck_assert_ptr_nonnull(fin);
	ck_assert_int_eq(fin->persona, PERSONA_FINANCIAL_ENGINE);
	ck_assert_str_eq(fin->listen, "127.0.0.1:8082");
	ck_assert_str_eq(fin->host, "127.0.0.1");
	ck_assert_uint_eq(fin->port, 8082);
	ck_assert_ptr_null(fin->users_from);
	pt = persona_type_get(PERSONA_FINANCIAL_ENGINE);
	ck_assert_uint_eq(fin->nversions, pt->ndefault_versions);
	for (i = 0; i < fin->nversions; i++)
		ck_assert_str_eq(fin->versions[i], pt->default_versions[i]);
	scenario_free(sc);
}
END_TEST

START_TEST(test_defaults_for_absent_keys)
{
	const struct persona_type *pt = persona_type_get(PERSONA_UMS);
	const struct service_conf *svc;
	struct scenario *sc;

	sc = load_ok("some/dir/quiet.json",
	    HEAD "'services': {'users': {'persona': 'ums'}}}");
	ck_assert_str_eq(sc->file, "some/dir/quiet.json");
	ck_assert_int_eq(sc->format, 1);
	ck_assert_str_eq(sc->name, "quiet");
	ck_assert_str_eq(sc->description, "");
	ck_assert_uint_eq(sc->seed, 1);
	ck_assert_double_eq(sc->time_scale, 1.0);
	ck_assert_uint_eq(sc->nstubs, 0);
	ck_assert_uint_eq(sc->nservices, 1);
	svc = &sc->services[0];
	ck_assert_str_eq(svc->name, "users");
	ck_assert_int_eq(svc->persona, PERSONA_UMS);
	ck_assert_str_eq(svc->listen, pt->default_listen);
	ck_assert_str_eq(svc->host, "127.0.0.1");
	ck_assert_uint_eq(svc->port, 8081);
	ck_assert_ptr_null(svc->users_from);
	ck_assert_uint_eq(svc->nversions, pt->ndefault_versions);
	/* A copy, not the persona's own table. */
	ck_assert_ptr_ne(svc->versions[0], pt->default_versions[0]);
	ck_assert_str_eq(svc->versions[0], pt->default_versions[0]);
	scenario_free(sc);
}
END_TEST

START_TEST(test_name_from_label)
{
	const char *text = HEAD SERVICES "}";
	struct scenario *sc;

	sc = load_ok("flaky.json", text);
	ck_assert_str_eq(sc->name, "flaky");
	scenario_free(sc);
	sc = load_ok("/abs/path/notes.txt", text);
	ck_assert_str_eq(sc->name, "notes.txt");
	scenario_free(sc);
	sc = load_ok("x/.json", text);
	ck_assert_str_eq(sc->name, ".json");
	scenario_free(sc);
	sc = load_ok("x/", text);
	ck_assert_str_eq(sc->name, "scenario");
	scenario_free(sc);
}
END_TEST

START_TEST(test_root_keys_parsed)
{
	struct scenario *sc;

	sc = load_ok("t.json",
	    HEAD "'name': 'drill', 'description': 'an outage', 'seed': 0, "
	         "'time_scale': 0.25, " SERVICES "}");
	ck_assert_int_eq(sc->format, 1);
	ck_assert_str_eq(sc->name, "drill");
	ck_assert_str_eq(sc->description, "an outage");
	ck_assert_uint_eq(sc->seed, 0);
	ck_assert_double_eq(sc->time_scale, 0.25);
	scenario_free(sc);

	sc = load_ok("t.json",
	    HEAD "'seed': 9223372036854775807, 'time_scale': 60, " SERVICES
	         "}");
	ck_assert_uint_eq(sc->seed, 9223372036854775807ULL);
	ck_assert_double_eq(sc->time_scale, 60.0);
	scenario_free(sc);
}
END_TEST

START_TEST(test_services_in_document_order)
{
	const char *names[] = { "zeta", "alpha", "m-1_x" };
	struct scenario *sc;
	size_t i;

	sc = load_ok("t.json",
	    HEAD "'services': {"
	         "'zeta': {'persona': 'ums', 'listen': '127.0.0.1:0'}, "
	         "'alpha': {'persona': 'ums', 'listen': '127.0.0.1:0'}, "
	         "'m-1_x': {'persona': 'financial-engine', "
	         "'listen': '127.0.0.1:0'}}}");
	ck_assert_uint_eq(sc->nservices, 3);
	for (i = 0; i < nitems(names); i++)
		ck_assert_str_eq(sc->services[i].name, names[i]);
	ck_assert_int_eq(sc->services[2].persona, PERSONA_FINANCIAL_ENGINE);
	ck_assert_ptr_eq(scenario_service(sc, "alpha"), &sc->services[1]);
	ck_assert_ptr_null(scenario_service(sc, "beta"));
	scenario_free(sc);
}
END_TEST

START_TEST(test_listen_forms)
{
	struct scenario *sc;

	sc = load_ok("t.json",
	    HEAD "'services': {"
	         "'a': {'persona': 'ums', 'listen': 'localhost:9001'}, "
	         "'b': {'persona': 'ums', 'listen': '[::1]:9001'}, "
	         "'c': {'persona': 'ums', 'listen': '[0:0::0:1]:9002'}, "
	         "'d': {'persona': 'ums', 'listen': '10.1.2.3:65535'}, "
	         "'e': {'persona': 'ums', 'listen': 'LocalHost:9003'}}}");
	ck_assert_str_eq(sc->services[0].listen, "localhost:9001");
	ck_assert_str_eq(sc->services[0].host, "127.0.0.1");
	ck_assert_uint_eq(sc->services[0].port, 9001);
	ck_assert_str_eq(sc->services[1].host, "::1");
	ck_assert_uint_eq(sc->services[1].port, 9001);
	/* "listen" as written; the host in its canonical spelling. */
	ck_assert_str_eq(sc->services[2].listen, "[0:0::0:1]:9002");
	ck_assert_str_eq(sc->services[2].host, "::1");
	ck_assert_str_eq(sc->services[3].host, "10.1.2.3");
	ck_assert_uint_eq(sc->services[3].port, 65535);
	ck_assert_str_eq(sc->services[4].host, "127.0.0.1");
	scenario_free(sc);
}
END_TEST

START_TEST(test_port_zero_may_repeat)
{
	struct scenario *sc;

	sc = load_ok("t.json",
	    HEAD "'services': {"
	         "'a': {'persona': 'ums', 'listen': '127.0.0.1:0'}, "
	         "'b': {'persona': 'ums', 'listen': '127.0.0.1:0'}, "
	         "'c': {'persona': 'ums', 'listen': '0.0.0.0:0'}}}");
	ck_assert_uint_eq(sc->nservices, 3);
	scenario_free(sc);
}
END_TEST

START_TEST(test_distinct_addresses_on_one_port)
{
	struct scenario *sc;

	/* Different hosts on one port bind fine, and so do IPv4 and ::1. */
	sc = load_ok("t.json",
	    HEAD "'services': {"
	         "'a': {'persona': 'ums', 'listen': '127.0.0.1:9000'}, "
	         "'b': {'persona': 'ums', 'listen': '127.0.0.2:9000'}, "
	         "'c': {'persona': 'ums', 'listen': '[::1]:9000'}}}");
	ck_assert_uint_eq(sc->nservices, 3);
	scenario_free(sc);
}
END_TEST

START_TEST(test_address_clashes)
{
	assert_error(HEAD
	    "'services': {"
	    "'a': {'persona': 'ums', 'listen': '127.0.0.1:9000'}, "
	    "'b': {'persona': 'ums', 'listen': '127.0.0.1:9000'}}}",
	    "t.json: /services/b/listen: \"127.0.0.1:9000\" is already used "
	    "by service \"a\"");
	assert_error(HEAD
	    "'services': {"
	    "'a': {'persona': 'ums', 'listen': '[::]:9000'}, "
	    "'b': {'persona': 'ums', 'listen': '127.0.0.1:9000'}}}",
	    "t.json: /services/b/listen: \"127.0.0.1:9000\" overlaps "
	    "\"[::]:9000\" of service \"a\"");
	/* A default address that an earlier service already took. */
	assert_error(HEAD
	    "'services': {"
	    "'a': {'persona': 'ums', 'listen': '127.0.0.1:8082'}, "
	    "'b': {'persona': 'financial-engine'}}}",
	    "t.json: /services/b: default listen address \"127.0.0.1:8082\" "
	    "is already used by service \"a\" (set \"listen\")");
	/* Only the first clash is reported for each service. */
	assert_error(HEAD
	    "'services': {"
	    "'a': {'persona': 'ums', 'listen': '127.0.0.1:9000'}, "
	    "'b': {'persona': 'ums', 'listen': '127.0.0.2:9000'}, "
	    "'c': {'persona': 'ums', 'listen': '0.0.0.0:9000'}}}",
	    "t.json: /services/c/listen: \"0.0.0.0:9000\" overlaps "
	    "\"127.0.0.1:9000\" of service \"a\"");
}
END_TEST

START_TEST(test_versions_and_users_from)
{
	struct scenario *sc;

	sc = load_ok("t.json",
	    HEAD "'services': {"
	         "'users': {'persona': 'ums', 'listen': '127.0.0.1:0', "
	         "'versions': ['1.10', '1.2', '2']}, "
	         "'fin': {'persona': 'financial-engine', "
	         "'listen': '127.0.0.1:0', 'users_from': 'users'}}}");
	ck_assert_uint_eq(sc->services[0].nversions, 3);
	ck_assert_str_eq(sc->services[0].versions[0], "1.10");
	ck_assert_str_eq(sc->services[0].versions[1], "1.2");
	ck_assert_str_eq(sc->services[0].versions[2], "2");
	ck_assert_ptr_null(sc->services[0].users_from);
	ck_assert_str_eq(scenario_service(sc, "fin")->users_from, "users");
	scenario_free(sc);

	/* A reference to a service declared later is fine. */
	sc = load_ok("t.json",
	    HEAD "'services': {"
	         "'fin': {'persona': 'financial-engine', 'users_from': 'ums'}, "
	         "'ums': {'persona': 'ums'}}}");
	ck_assert_str_eq(sc->services[0].users_from, "ums");
	scenario_free(sc);
}
END_TEST

START_TEST(test_stub_keys_parsed)
{
	const struct stub_conf *st;
	struct scenario *sc;

	sc = load_ok("t.json",
	    HEAD SERVICES
	    ", 'stubs': ["
	    "{'service': 'fin', 'method': 'POST', "
	    "'path': '/v1/donations/{id}', 'status': 503, "
	    "'headers': {'Retry-After': '30', 'X-A': ''}, "
	    "'body': {'error': 'unavailable', 'n': [1, 2.5]}}, "
	    "{'path': '/robots.txt', 'body': 'line\\none \\u00e9'}, "
	    "{'path': '/v1/*'}, "
	    "{'path': '/n', 'body': 42, 'status': 100}, "
	    "{'path': '/z', 'body': null, 'status': 599}]}");
	ck_assert_uint_eq(sc->nstubs, 5);

	st = &sc->stubs[0];
	ck_assert_str_eq(st->service, "fin");
	ck_assert_str_eq(st->method, "POST");
	ck_assert_str_eq(st->path, "/v1/donations/{id}");
	ck_assert_int_eq(st->status, 503);
	ck_assert_uint_eq(st->nheaders, 2);
	ck_assert_str_eq(st->headers[0].name, "Retry-After");
	ck_assert_str_eq(st->headers[0].value, "30");
	ck_assert_str_eq(st->headers[1].name, "X-A");
	ck_assert_str_eq(st->headers[1].value, "");
	ck_assert_str_eq(st->body, "{\"error\":\"unavailable\",\"n\":[1,2.5]}");
	ck_assert_uint_eq(st->body_len, strlen(st->body));
	ck_assert_int_eq(st->body_is_json, 1);

	/* A string body is its text, not JSON. */
	st = &sc->stubs[1];
	ck_assert_ptr_null(st->service);
	ck_assert_ptr_null(st->method);
	ck_assert_int_eq(st->status, 200);
	ck_assert_uint_eq(st->nheaders, 0);
	ck_assert_str_eq(st->body, "line\none \xc3\xa9");
	ck_assert_uint_eq(st->body_len, 11);
	ck_assert_int_eq(st->body_is_json, 0);

	/* No body: an empty one, never NULL. */
	st = &sc->stubs[2];
	ck_assert_str_eq(st->path, "/v1/*");
	ck_assert_str_eq(st->body, "");
	ck_assert_uint_eq(st->body_len, 0);
	ck_assert_int_eq(st->body_is_json, 0);

	ck_assert_str_eq(sc->stubs[3].body, "42");
	ck_assert_int_eq(sc->stubs[3].body_is_json, 1);
	ck_assert_int_eq(sc->stubs[3].status, 100);
	ck_assert_str_eq(sc->stubs[4].body, "null");
	ck_assert_int_eq(sc->stubs[4].body_is_json, 1);
	ck_assert_int_eq(sc->stubs[4].status, 599);
	scenario_free(sc);
}
END_TEST

START_TEST(test_every_method_accepted)
{
	const char *methods[] = { "GET", "HEAD", "POST", "PUT", "PATCH",
		"DELETE", "OPTIONS" };
	struct scenario *sc;
	char *text;
	size_t i;

	for (i = 0; i < nitems(methods); i++) {
		text =
		    xasprintf("%s, 'stubs': [{'method': '%s', 'path': '/'}]}",
		        HEAD SERVICES, methods[i]);
		sc = load_ok("t.json", text);
		ck_assert_str_eq(sc->stubs[0].method, methods[i]);
		scenario_free(sc);
		free(text);
	}
}
END_TEST

START_TEST(test_load_text_uses_len)
{
	struct errlist errs = { NULL, 0, 0 };
	struct scenario *sc;
	char *text = sq(HEAD SERVICES "}garbage");

	sc = scenario_load_text("t.json", text, strlen(text) - 7, &errs);
	ck_assert_ptr_nonnull(sc);
	scenario_free(sc);
	free(text);
}
END_TEST

START_TEST(test_syntax_error_has_position)
{
	assert_error("{\n  'standin': 1,\n  'services': {},\n}\n",
	    "t.json:4:1: string or '}' expected near '}'");
	assert_error("{'standin': 1, 'seed': tru}",
	    "t.json:1:26: invalid token near 'tru'");
	assert_error(
	    "{'standin': 1", "t.json:1:13: '}' expected near end of file");
	assert_error(
	    "{'standin': 1} {}", "t.json:1:16: end of file expected near '{'");
}
END_TEST

START_TEST(test_duplicate_keys_rejected)
{
	assert_error("{'standin': 1,\n'standin': 1}",
	    "t.json:2:9: duplicate object key near '\"standin\"'");
	assert_error(HEAD "'services': {'ums': {'persona': 'ums', "
	                  "'persona': 'ums'}}}",
	    "t.json:1:63: duplicate object key near '\"persona\"'");
}
END_TEST

START_TEST(test_root_must_be_object)
{
	assert_error("", "t.json: /: expected an object, got an empty file");
	assert_error(
	    " \n\t\n", "t.json: /: expected an object, got an empty file");
	assert_error("[]", "t.json: /: expected an object, got an array");
	assert_error("1", "t.json: /: expected an object, got a number");
	assert_error("null", "t.json: /: expected an object, got null");
	assert_error("true", "t.json: /: expected an object, got a boolean");
}
END_TEST

START_TEST(test_missing_required_keys)
{
	assert_error("{}",
	    "t.json: /: missing required key \"standin\"\n"
	    "t.json: /: missing required key \"services\"");
	assert_error(HEAD "'services': {'u': {}}}",
	    "t.json: /services/u: missing required key \"persona\" (or "
	    "\"upstream\" for a proxy)");
	assert_error(HEAD SERVICES ", 'stubs': [{}]}",
	    "t.json: /stubs/0: missing required key \"path\"");
}
END_TEST

START_TEST(test_format_version)
{
	/* Another version reports only that: its keys may mean other things. */
	assert_error("{'standin': 2, 'services': 5, 'zzz': 1}",
	    "t.json: /standin: format version 2 is not supported "
	    "(this standin reads 1)");
	assert_error("{'standin': 0, 'services': {}}",
	    "t.json: /standin: format version 0 is not supported "
	    "(this standin reads 1)");
	assert_error("{'standin': 1.0, " SERVICES "}",
	    "t.json: /standin: expected an integer, got a non-integer number");
	assert_error("{'standin': true, " SERVICES "}",
	    "t.json: /standin: expected an integer, got a boolean");
}
END_TEST

START_TEST(test_type_errors_name_both_types)
{
	assert_error(HEAD "'name': 1, 'description': [], 'seed': '1', "
	                  "'time_scale': {}, 'services': [], 'stubs': {}}",
	    "t.json: /name: expected a string, got a number\n"
	    "t.json: /description: expected a string, got an array\n"
	    "t.json: /seed: expected an integer, got a string\n"
	    "t.json: /time_scale: expected a number, got an object\n"
	    "t.json: /services: expected an object, got an array\n"
	    "t.json: /stubs: expected an array, got an object");
	assert_error(HEAD "'services': {'u': {'persona': null, 'listen': 1, "
	                  "'versions': {}, 'users_from': false}}}",
	    "t.json: /services/u/persona: expected a string, got null\n"
	    "t.json: /services/u/listen: expected a string, got a number\n"
	    "t.json: /services/u/versions: expected an array, got an object\n"
	    "t.json: /services/u/users_from: expected a string, got a boolean");
	assert_error(HEAD SERVICES
	    ", 'stubs': [{'service': 1, 'method': [], "
	    "'path': {}, 'status': 2.5, 'headers': 'x'}]}",
	    "t.json: /stubs/0/service: expected a string, got a number\n"
	    "t.json: /stubs/0/method: expected a string, got an array\n"
	    "t.json: /stubs/0/path: expected a string, got an object\n"
	    "t.json: /stubs/0/status: expected an integer, got a non-integer "
	    "number\n"
	    "t.json: /stubs/0/headers: expected an object, got a string");
}
END_TEST

START_TEST(test_ranges)
{
	assert_error(HEAD "'seed': -5, 'time_scale': -1, " SERVICES "}",
	    "t.json: /seed: must be 0 or more, got -5\n"
	    "t.json: /time_scale: must be more than 0, got -1");
	assert_error(HEAD "'time_scale': 0.0, " SERVICES "}",
	    "t.json: /time_scale: must be more than 0, got 0");
	assert_error(HEAD SERVICES ", 'stubs': [{'path': '/', 'status': 99}, "
	                           "{'path': '/', 'status': 600}, "
	                           "{'path': '/', 'status': -200}]}",
	    "t.json: /stubs/0/status: must be 100 to 599, got 99\n"
	    "t.json: /stubs/1/status: must be 100 to 599, got 600\n"
	    "t.json: /stubs/2/status: must be 100 to 599, got -200");
	assert_error(HEAD "'name': '', " SERVICES "}",
	    "t.json: /name: must not be empty");
	assert_error(HEAD "'services': {}}",
	    "t.json: /services: must declare at least one service");
	assert_error(HEAD "'services': {'u': {'persona': 'ums', "
	                  "'versions': []}}}",
	    "t.json: /services/u/versions: must list at least one version");
}
END_TEST

START_TEST(test_unknown_keys_and_hints)
{
	assert_error(HEAD SERVICES ", 'sede': 1, 'Name': 'x', 'phses': [], "
	                           "'tls': {}}",
	    "t.json: /sede: unknown key (did you mean \"seed\"?)\n"
	    "t.json: /Name: unknown key (did you mean \"name\"?)\n"
	    "t.json: /phses: unknown key (did you mean \"phases\"?)\n"
	    "t.json: /tls: unknown key");
	assert_error(HEAD "'services': {'ums': {'persnoa': 'ums', "
	                  "'listne': '127.0.0.1:0', 'users-from': 'x'}}}",
	    "t.json: /services/ums: missing required key \"persona\" (or "
	    "\"upstream\" for a proxy)\n"
	    "t.json: /services/ums/persnoa: unknown key (did you mean "
	    "\"persona\"?)\n"
	    "t.json: /services/ums/listne: unknown key (did you mean "
	    "\"listen\"?)\n"
	    "t.json: /services/ums/users-from: unknown key (did you mean "
	    "\"users_from\"?)");
	assert_error(HEAD SERVICES ", 'stubs': [{'path': '/', 'stauts': 500, "
	                           "'header': {}, 'x': 1}]}",
	    "t.json: /stubs/0/stauts: unknown key (did you mean \"status\"?)\n"
	    "t.json: /stubs/0/header: unknown key (did you mean \"headers\"?)\n"
	    "t.json: /stubs/0/x: unknown key");
}
END_TEST

START_TEST(test_persona_hints)
{
	assert_error(HEAD "'services': {"
	                  "'a': {'persona': 'UMS', 'listen': '127.0.0.1:0'}, "
	                  "'b': {'persona': 'financal-engine'}, "
	                  "'c': {'persona': 'ledger'}}}",
	    "t.json: /services/a/persona: unknown persona \"UMS\" (did you "
	    "mean \"ums\"?)\n"
	    "t.json: /services/b/persona: unknown persona \"financal-engine\" "
	    "(did you mean \"financial-engine\"?)\n"
	    "t.json: /services/c/persona: unknown persona \"ledger\" (use "
	    "\"ums\" or \"financial-engine\")");
}
END_TEST

START_TEST(test_method_hints)
{
	assert_error(HEAD SERVICES ", 'stubs': ["
	                           "{'method': 'get', 'path': '/'}, "
	                           "{'method': 'PSOT', 'path': '/'}, "
	                           "{'method': 'DELTE', 'path': '/'}, "
	                           "{'method': 'FETCH', 'path': '/'}]}",
	    "t.json: /stubs/0/method: unknown method \"get\" (did you mean "
	    "\"GET\"?)\n"
	    "t.json: /stubs/1/method: unknown method \"PSOT\" (did you mean "
	    "\"POST\"?)\n"
	    "t.json: /stubs/2/method: unknown method \"DELTE\" (did you mean "
	    "\"DELETE\"?)\n"
	    "t.json: /stubs/3/method: unknown method \"FETCH\" (use GET, HEAD, "
	    "POST, PUT, PATCH, DELETE or OPTIONS)");
}
END_TEST

START_TEST(test_listen_errors)
{
	assert_error(HEAD
	    "'services': {"
	    "'a': {'persona': 'ums', 'listen': '8081'}, "
	    "'b': {'persona': 'ums', 'listen': '127.0.0.1:'}, "
	    "'c': {'persona': 'ums', 'listen': '127.0.0.1:99999'}, "
	    "'d': {'persona': 'ums', 'listen': 'example.com:80'}, "
	    "'e': {'persona': 'ums', 'listen': '::1:80'}, "
	    "'f': {'persona': 'ums', 'listen': '[10.0.0.1]:80'}, "
	    "'g': {'persona': 'ums', 'listen': '127.0.0.1:-1'}, "
	    "'h': {'persona': 'ums', 'listen': '256.0.0.1:80'}}}",
	    "t.json: /services/a/listen: \"8081\" is not an address (use "
	    "HOST:PORT, e.g. 127.0.0.1:8081)\n"
	    "t.json: /services/b/listen: \"127.0.0.1:\" is not an address (use "
	    "HOST:PORT, e.g. 127.0.0.1:8081)\n"
	    "t.json: /services/c/listen: port must be 0 to 65535, got 99999\n"
	    "t.json: /services/d/listen: host \"example.com\" is not an IP "
	    "address or localhost\n"
	    "t.json: /services/e/listen: \"::1:80\" is not an address (an IPv6 "
	    "address goes in brackets: \"[::1]:80\")\n"
	    "t.json: /services/f/listen: host \"10.0.0.1\" is not an IPv6 "
	    "address (only IPv6 goes in brackets)\n"
	    "t.json: /services/g/listen: \"127.0.0.1:-1\" is not an address "
	    "(use HOST:PORT, e.g. 127.0.0.1:8081)\n"
	    "t.json: /services/h/listen: host \"256.0.0.1\" is not an IP "
	    "address or localhost");
}
END_TEST

START_TEST(test_version_errors)
{
	assert_error(HEAD "'services': {'u': {'persona': 'ums', 'versions': "
	                  "['1.2', '1.2', '01.2', '1.2.0', 'x', 1]}}}",
	    "t.json: /services/u/versions/1: \"1.2\" is listed twice\n"
	    "t.json: /services/u/versions/2: \"01.2\" is listed twice\n"
	    "t.json: /services/u/versions/4: \"x\" is not a version (use "
	    "digits "
	    "and dots, e.g. 1.2)\n"
	    "t.json: /services/u/versions/5: expected a string, got a number");
}
END_TEST

START_TEST(test_users_from_errors)
{
	assert_error(HEAD "'services': {'fin': {'persona': 'financial-engine', "
	                  "'users_from': 'fin'}}}",
	    "t.json: /services/fin/users_from: service \"fin\" has persona "
	    "\"financial-engine\", not \"ums\"");
	assert_error(HEAD "'services': {'fin': {'persona': 'financial-engine', "
	                  "'users_from': 'nobody'}}}",
	    "t.json: /services/fin/users_from: no service named \"nobody\"");
	assert_error(HEAD "'services': {'ums': {'persona': 'ums', "
	                  "'users_from': 'ums'}}}",
	    "t.json: /services/ums/users_from: only allowed on a "
	    "financial-engine service");
	/* A target whose persona is bad has its own error, and only that. */
	assert_error(HEAD "'services': {"
	                  "'u': {'persona': 'nope', 'listen': '127.0.0.1:0'}, "
	                  "'fin': {'persona': 'financial-engine', "
	                  "'users_from': 'u'}}}",
	    "t.json: /services/u/persona: unknown persona \"nope\" (use "
	    "\"ums\" or \"financial-engine\")");
}
END_TEST

START_TEST(test_stub_errors)
{
	assert_error(HEAD SERVICES ", 'stubs': ["
	                           "{'path': 'v1'}, {'path': ''}, "
	                           "{'path': '/a/{id'}, {'path': '/a/*/b'}, "
	                           "{'path': '/a', 'service': 'umss'}, 7]}",
	    "t.json: /stubs/0/path: \"v1\" does not start with \"/\"\n"
	    "t.json: /stubs/1/path: \"\" does not start with \"/\"\n"
	    "t.json: /stubs/2/path: \"/a/{id\" is not a path pattern: '{' "
	    "without a closing '}'\n"
	    "t.json: /stubs/3/path: \"/a/*/b\" is not a path pattern: '*' may "
	    "only be the whole last segment (\"/v1/*\")\n"
	    "t.json: /stubs/4/service: no service named \"umss\" (did you mean "
	    "\"ums\"?)\n"
	    "t.json: /stubs/5: expected an object, got a number");
}
END_TEST

START_TEST(test_header_errors)
{
	assert_error(HEAD SERVICES ", 'stubs': [{'path': '/', 'headers': {"
	                           "'Ok': '1', 'Bad:Name': '1', "
	                           "'Retry-After': 30, 'X-Nl': 'a\\nb', "
	                           "'X-Tab': 'a\\tb', '': 'e'}}]}",
	    "t.json: /stubs/0/headers/Bad:Name: not a header name (use "
	    "letters, "
	    "digits and !#$%&'*+-.^_`|~)\n"
	    "t.json: /stubs/0/headers/Retry-After: expected a string, got a "
	    "number\n"
	    "t.json: /stubs/0/headers/X-Nl: header value must not contain "
	    "control characters\n"
	    "t.json: /stubs/0/headers/: not a header name (use letters, digits "
	    "and !#$%&'*+-.^_`|~)");
}
END_TEST

START_TEST(test_service_names)
{
	struct scenario *sc;

	sc = load_ok("t.json",
	    HEAD "'services': {"
	         "'abcdefghijklmnopqrstuvwxyz0123456789abcdefghijklmnopqrstuvwx"
	         "yz.:': {'persona': 'ums'}}}");
	scenario_free(sc);
	assert_error(HEAD "'services': {"
	                  "'abcdefghijklmnopqrstuvwxyz0123456789abcdefghijklmno"
	                  "pqrstuvwxyz.:-': "
	                  "{'persona': 'ums'}, "
	                  "'a b': {'persona': 'ums', 'listen': '127.0.0.1:0'}, "
	                  "'': {'persona': 'ums', 'listen': '127.0.0.1:0'}}}",
	    "t.json: /services/"
	    "abcdefghijklmnopqrstuvwxyz0123456789abcdefghijklmnopqrstuvwxyz.:-:"
	    " "
	    "service name "
	    "must be 1 to 64 letters, digits, \"_\", \"-\", \".\" or \":\"\n"
	    "t.json: /services/a b: service name must be 1 to 64 letters, "
	    "digits, \"_\", \"-\", \".\" or \":\"\n"
	    "t.json: /services/: service name must be 1 to 64 letters, digits, "
	    "\"_\", \"-\", \".\" or \":\"");
}
END_TEST

START_TEST(test_pointer_escaping_and_quoting)
{
	/* RFC 6901: "~" is "~0", "/" is "~1"; control characters escaped. */
	assert_error(HEAD SERVICES ", 'a/b~c': 1, 'x\\ny': 2}",
	    "t.json: /a~1b~0c: unknown key\n"
	    "t.json: /x\\u000ay: unknown key");
	/* A long value is cut short; quotes in it are escaped. */
	assert_error(HEAD "'services': {'u': {'persona': "
	                  "'01234567890123456789012345678901234567890123456789"
	                  "0123456789012345678'}, 'v': {'persona': 'a\\\"b'}}}",
	    "t.json: /services/u/persona: unknown persona "
	    "\"012345678901234567890123456789012345678901234567890123456789..."
	    "\" "
	    "(use \"ums\" or \"financial-engine\")\n"
	    "t.json: /services/v/persona: unknown persona \"a\\\"b\" (use "
	    "\"ums\" or \"financial-engine\")");
}
END_TEST

START_TEST(test_every_error_in_document_order)
{
	assert_error("{'seed': -1, 'services': {"
	             "'ums': {'persona': 'ums', 'listen': 'x', 'bogus': 1}, "
	             "'fin': {'persona': 'financial-engine', "
	             "'users_from': 'umz'}}, "
	             "'stubs': [{'status': 1}, {'path': '/', 'method': 'X'}], "
	             "'time_scale': 0}",
	    "t.json: /: missing required key \"standin\"\n"
	    "t.json: /seed: must be 0 or more, got -1\n"
	    "t.json: /services/ums/listen: \"x\" is not an address (use "
	    "HOST:PORT, e.g. 127.0.0.1:8081)\n"
	    "t.json: /services/ums/bogus: unknown key\n"
	    "t.json: /services/fin/users_from: no service named \"umz\" (did "
	    "you mean \"ums\"?)\n"
	    "t.json: /stubs/0: missing required key \"path\"\n"
	    "t.json: /stubs/0/status: must be 100 to 599, got 1\n"
	    "t.json: /stubs/1/method: unknown method \"X\" (use GET, HEAD, "
	    "POST, "
	    "PUT, PATCH, DELETE or OPTIONS)\n"
	    "t.json: /time_scale: must be more than 0, got 0");
}
END_TEST

START_TEST(test_errors_are_appended)
{
	struct errlist errs = { NULL, 0, 0 };
	const char *bad = "{}";

	errlist_add(&errs, "earlier");
	ck_assert_ptr_null(
	    scenario_load_text("a.json", bad, strlen(bad), &errs));
	ck_assert_uint_eq(errs.n, 3);
	ck_assert_str_eq(errs.msgs[0], "earlier");
	ck_assert_str_eq(
	    errs.msgs[1], "a.json: /: missing required key \"standin\"");
	errlist_clear(&errs);
}
END_TEST

START_TEST(test_load_file_good)
{
	struct errlist errs = { NULL, 0, 0 };
	char path[] = "check_scenario.XXXXXX";
	char *text = sq(HEAD SERVICES "}");
	struct scenario *sc;
	int fd;

	/* The current directory is the build directory under make check. */
	fd = mkstemp(path);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(write(fd, text, strlen(text)), (int)strlen(text));
	close(fd);
	free(text);
	errno = EINVAL;
	sc = scenario_load_file(path, &errs);
	unlink(path);
	ck_assert_ptr_nonnull(sc);
	ck_assert_int_eq(errno, 0);
	ck_assert_str_eq(sc->file, path);
	ck_assert_str_eq(sc->name, path);
	ck_assert_uint_eq(sc->nservices, 2);
	scenario_free(sc);
}
END_TEST

START_TEST(test_load_file_unreadable_sets_errno)
{
	struct errlist errs = { NULL, 0, 0 };

	errno = 0;
	ck_assert_ptr_null(scenario_load_file("/nonexistent/x.json", &errs));
	ck_assert_int_eq(errno, ENOENT);
	ck_assert_uint_eq(errs.n, 1);
	ck_assert_str_eq(errs.msgs[0],
	    "/nonexistent/x.json: cannot read: No such file or directory");
	errlist_clear(&errs);

	errno = 0;
	ck_assert_ptr_null(scenario_load_file(STANDIN_SRCDIR "/tests", &errs));
	ck_assert_int_eq(errno, EISDIR);
	ck_assert_str_eq(
	    errs.msgs[0], STANDIN_SRCDIR "/tests: cannot read: Is a directory");
	errlist_clear(&errs);
}
END_TEST

START_TEST(test_load_file_invalid_clears_errno)
{
	struct errlist errs = { NULL, 0, 0 };

	errno = ENOENT;
	ck_assert_ptr_null(
	    scenario_load_file(INVALID_DIR "/missing-standin.json", &errs));
	ck_assert_int_eq(errno, 0);
	ck_assert_uint_eq(errs.n, 1);
	errlist_clear(&errs);

	errno = ENOENT;
	ck_assert_ptr_null(scenario_load_file("/dev/null", &errs));
	ck_assert_int_eq(errno, 0);
	ck_assert_str_eq(errs.msgs[0],
	    "/dev/null: /: expected an object, got an empty file");
	errlist_clear(&errs);
}
END_TEST

/* Read a whole file into an allocated, NUL-terminated string. */
static char *
slurp(const char *path, size_t *lenp)
{
	FILE *f = fopen(path, "rb");
	char *buf;
	long len;

	ck_assert_msg(f != NULL, "%s: %s", path, strerror(errno));
	ck_assert_int_eq(fseek(f, 0, SEEK_END), 0);
	len = ftell(f);
	rewind(f);
	buf = xmalloc((size_t)len + 1);
	ck_assert_uint_eq(fread(buf, 1, (size_t)len, f), (size_t)len);
	buf[len] = '\0';
	fclose(f);
	if (lenp != NULL)
		*lenp = (size_t)len;
	return buf;
}

/*
 * The data-driven cases of tests/scenarios/invalid, in process: the
 * loader must give exactly the .err text, the file named as given on the
 * command line inside that directory (invalid-scenarios.sh checks the
 * same through `standin check`; here it runs under the sanitizers).
 */
START_TEST(test_invalid_cases_match_err_files)
{
	struct errlist errs = { NULL, 0, 0 };
	char *path, *text, *want, *got, *joined;
	size_t len, textlen, n = 0;
	struct dirent *de;
	DIR *d;

	d = opendir(INVALID_DIR);
	ck_assert_ptr_nonnull(d);
	while ((de = readdir(d)) != NULL) {
		len = strlen(de->d_name);
		if (len <= 5 || strcmp(de->d_name + len - 5, ".json") != 0)
			continue;
		path = xasprintf("%s/%s", INVALID_DIR, de->d_name);
		text = slurp(path, &textlen);
		free(path);
		path = xasprintf(
		    "%s/%.*s.err", INVALID_DIR, (int)(len - 5), de->d_name);
		want = slurp(path, NULL);
		ck_assert_msg(scenario_load_text(
		                  de->d_name, text, textlen, &errs) == NULL,
		    "%s: loaded", de->d_name);
		joined = errlist_join(&errs);
		got = xasprintf("%s\n", joined);
		ck_assert_msg(strcmp(got, want) == 0,
		    "%s:\ngot:\n%sexpected:\n%s", de->d_name, got, want);
		free(joined);
		free(got);
		free(want);
		free(path);
		free(text);
		errlist_clear(&errs);
		n++;
	}
	closedir(d);
	ck_assert_uint_ge(n, 30);
}
END_TEST

/* The fault of the scenario's root at index i, with its kind checked. */
static const struct fault_conf *
root_fault(const struct scenario *sc, size_t i, enum fault_type type)
{
	ck_assert_uint_gt(sc->nfaults, i);
	ck_assert_ptr_nonnull(sc->faults[i].kind);
	ck_assert_int_eq(sc->faults[i].kind->type, type);
	return &sc->faults[i];
}

/* The value of a fault's parameter (typed by its kind), which must be
 * present. */
static const void *
value(const struct fault_conf *f, const char *name)
{
	int i = fault_param_index(f->kind, name);

	ck_assert_msg(i >= 0, "%s has no parameter %s", f->kind->name, name);
	ck_assert_msg(f->present[i], "%s: %s not present", f->kind->name, name);
	return fault_arg_const(f, (size_t)i);
}

/* The value of an integer, status or choice parameter. */
static int64_t
ival(const struct fault_conf *f, const char *name)
{
	return *(const int64_t *)value(f, name);
}

/* The value of a duration parameter, in microseconds. */
static uint64_t
usval(const struct fault_conf *f, const char *name)
{
	return *(const uint64_t *)value(f, name);
}

/* The value of a number parameter. */
static double
dval(const struct fault_conf *f, const char *name)
{
	return *(const double *)value(f, name);
}

/* The value of a delay parameter. */
static const struct delay *
delayval(const struct fault_conf *f, const char *name)
{
	return value(f, name);
}

/* Is the parameter absent (given neither in the file nor by default)? */
static int
absent(const struct fault_conf *f, const char *name)
{
	int i = fault_param_index(f->kind, name);

	ck_assert_int_ge(i, 0);
	return !f->present[i];
}

/* Load a scenario with these root faults (text in single quotes). */
static struct scenario *
load_faults(const char *faults)
{
	char *text = xasprintf(HEAD SERVICES_TLS ", 'faults': [%s]}", faults);
	struct scenario *sc = load_ok("t.json", text);

	free(text);
	return sc;
}

START_TEST(test_default_phase_without_phases)
{
	struct scenario *sc = scenario_default();

	ck_assert_uint_eq(sc->nfaults, 0);
	ck_assert_uint_eq(sc->nphases, 1);
	ck_assert_str_eq(sc->phases[0].name, "default");
	ck_assert_int_eq(sc->phases[0].start, PHASE_START_NOW);
	ck_assert_uint_eq(sc->phases[0].nfaults, 0);
	ck_assert_int_eq(sc->repeat, 0);
	scenario_free(sc);

	/* Root faults stay at the root; the default phase has none. */
	sc = load_faults("{'layer': 'connect', 'type': 'reset'}");
	ck_assert_uint_eq(sc->nfaults, 1);
	ck_assert_uint_eq(sc->nphases, 1);
	ck_assert_str_eq(sc->phases[0].name, "default");
	ck_assert_uint_eq(sc->phases[0].nfaults, 0);
	scenario_free(sc);
}
END_TEST

/* A valid value of a parameter's kind, as scenario text. */
static const char *
sample(const struct fault_param *p)
{
	static char choice[64];

	switch (p->kind) {
	case FAULT_PARAM_DURATION:
	case FAULT_PARAM_DELAY:
		return "'2s'";
	case FAULT_PARAM_INT:
		return p->max != 0 && p->max < 7 ? "1" : "7";
	case FAULT_PARAM_NUMBER:
		return "0.5";
	case FAULT_PARAM_STATUS:
		return "418";
	case FAULT_PARAM_CHOICE:
		/* Not the default (the first, for most), so defaults show. */
		snprintf(choice, sizeof choice, "'%s'",
		    p->choices[p->choices[1] != NULL ? 1 : 0]);
		return choice;
	case FAULT_PARAM_VERSIONS:
		return "['2.0', '1.9']";
	case FAULT_PARAM_STRINGS:
		return "['email']";
	case FAULT_PARAM_RENAMES:
		return "{'name': 'full_name'}";
	case FAULT_PARAM_HEADERS:
		return "{'Retry-After': '3'}";
	case FAULT_PARAM_BODY:
		return "{'k': [1, 2]}";
	}
	return "null";
}

/*
 * Every kind of the catalogue loads twice: with only what it requires
 * (every default then applied, optional parameters absent), and with every
 * parameter given.
 */
START_TEST(test_every_kind_loads_with_defaults)
{
	const struct fault_kind *k;
	const struct fault_param *p;
	const struct fault_conf *f;
	struct scenario *sc;
	char *obj, *tmp;
	size_t i, j;
	int all;

	for (i = 0; i < nfault_kinds; i++) {
		k = &fault_kinds[i];
		for (all = 0; all <= 1; all++) {
			obj = xasprintf("{'layer': '%s', 'type': '%s'",
			    fault_layer_name(k->layer), k->name);
			for (j = 0; j < k->nparams; j++) {
				p = &k->params[j];
				if (!all && p->required == 0)
					continue;
				tmp = xasprintf(
				    "%s, '%s': %s", obj, p->name, sample(p));
				free(obj);
				obj = tmp;
			}
			tmp = xasprintf("%s}", obj);
			free(obj);
			sc = load_faults(tmp);
			free(tmp);
			f = root_fault(sc, 0, k->type);
			ck_assert_ptr_eq(f->kind, k);
			for (j = 0; j < k->nparams; j++) {
				p = &k->params[j];
				ck_assert_msg(f->present[j] ==
				        (all || p->required ||
				            p->defval != NULL),
				    "%s.%s (all %d)", k->name, p->name, all);
			}
			scenario_free(sc);
		}
	}
}
END_TEST

START_TEST(test_default_values)
{
	const struct fault_conf *f;
	struct scenario *sc;

	sc = load_faults(
	    "{'layer': 'http', 'type': 'drip'}, "
	    "{'layer': 'http', 'type': 'reset'}, "
	    "{'layer': 'http', 'type': 'malformed'}, "
	    "{'layer': 'http', 'type': 'garbage'}, "
	    "{'layer': 'stream', 'type': 'latency', 'latency': '10ms'}, "
	    "{'layer': 'stream', 'type': 'slicer'}, "
	    "{'layer': 'handshake', 'type': 'error'}, "
	    "{'layer': 'http', 'type': 'truncate'}, "
	    "{'layer': 'http', 'type': 'timeout'}");
	f = root_fault(sc, 0, FAULT_DRIP);
	ck_assert_int_eq(ival(f, "chunk"), 1);
	ck_assert_uint_eq(usval(f, "interval"), 100000);
	f = root_fault(sc, 1, FAULT_HTTP_RESET);
	ck_assert_int_eq(ival(f, "after_bytes"), 0);
	f = root_fault(sc, 2, FAULT_MALFORMED);
	ck_assert_int_eq(ival(f, "kind"), 0);
	f = root_fault(sc, 3, FAULT_GARBAGE);
	ck_assert_int_eq(ival(f, "bytes"), 64);
	f = root_fault(sc, 4, FAULT_LATENCY);
	ck_assert_int_eq(delayval(f, "latency")->dist, DELAY_FIXED);
	ck_assert_uint_eq(delayval(f, "latency")->a, 10000);
	ck_assert_uint_eq(usval(f, "jitter"), 0);
	f = root_fault(sc, 5, FAULT_SLICER);
	ck_assert_int_eq(ival(f, "size"), 1);
	ck_assert_int_eq(ival(f, "variation"), 0);
	ck_assert_uint_eq(usval(f, "delay"), 1000);
	f = root_fault(sc, 6, FAULT_HELLO_ERROR);
	ck_assert_int_eq(ival(f, "status"), 503);
	ck_assert(absent(f, "headers"));
	ck_assert(absent(f, "body"));
	f = root_fault(sc, 7, FAULT_TRUNCATE);
	ck_assert(absent(f, "bytes"));
	f = root_fault(sc, 8, FAULT_TIMEOUT);
	ck_assert(absent(f, "close_after"));
	scenario_free(sc);
}
END_TEST

START_TEST(test_common_fields)
{
	const struct fault_conf *f;
	struct scenario *sc;

	sc = load_faults(
	    "{'layer': 'http', 'type': 'empty'}, "
	    "{'service': 'fin', 'layer': 'http', 'type': 'empty', "
	    "'probability': 0.25, 'times': 2, 'at': 'response', "
	    "'match': {'method': 'POST', 'path': '/v1/donations'}}, "
	    "{'layer': 'stream', 'type': 'limit_data', 'bytes': 0, "
	    "'direction': 'upstream'}, "
	    "{'layer': 'stream', 'type': 'slow_close', 'delay': '1s', "
	    "'direction': 'downstream', 'probability': 0, 'times': 1}, "
	    "{'layer': 'http', 'type': 'empty', 'match': {}}");
	f = root_fault(sc, 0, FAULT_EMPTY);
	ck_assert_ptr_null(f->service);
	ck_assert_double_eq(f->probability, 1);
	ck_assert_int_eq(f->times, -1);
	ck_assert_int_eq(f->at, FAULT_AT_REQUEST);
	ck_assert_int_eq(f->direction, FAULT_DIR_BOTH);
	ck_assert_ptr_null(f->match_method);
	ck_assert_ptr_null(f->match_path);
	f = root_fault(sc, 1, FAULT_EMPTY);
	ck_assert_str_eq(f->service, "fin");
	ck_assert_double_eq(f->probability, 0.25);
	ck_assert_int_eq(f->times, 2);
	ck_assert_int_eq(f->at, FAULT_AT_RESPONSE);
	ck_assert_str_eq(f->match_method, "POST");
	ck_assert_str_eq(f->match_path, "/v1/donations");
	f = root_fault(sc, 2, FAULT_LIMIT_DATA);
	ck_assert_int_eq(ival(f, "bytes"), 0);
	ck_assert_int_eq(f->direction, FAULT_DIR_UPSTREAM);
	f = root_fault(sc, 3, FAULT_SLOW_CLOSE);
	ck_assert_int_eq(f->direction, FAULT_DIR_DOWNSTREAM);
	ck_assert_double_eq(f->probability, 0);
	ck_assert_uint_eq(usval(f, "delay"), 1000000);
	f = root_fault(sc, 4, FAULT_EMPTY);
	ck_assert_ptr_null(f->match_method);
	ck_assert_ptr_null(f->match_path);
	scenario_free(sc);
}
END_TEST

START_TEST(test_delay_distributions)
{
	const struct delay *d;
	struct scenario *sc;
	size_t i;

	sc = load_faults(
	    "{'layer': 'http', 'type': 'delay', 'delay': '1.5s'}, "
	    "{'layer': 'http', 'type': 'delay', 'delay': "
	    "{'dist': 'fixed', 'value': '250ms'}}, "
	    "{'layer': 'http', 'type': 'delay', 'delay': "
	    "{'min': '50ms', 'dist': 'uniform', 'max': '150ms'}}, "
	    "{'layer': 'http', 'type': 'delay', 'delay': "
	    "{'dist': 'uniform', 'min': '1s', 'max': '1000ms'}}, "
	    "{'layer': 'handshake', 'type': 'slow', 'delay': "
	    "{'dist': 'normal', 'mean': '2s', 'stddev': '0ms'}}, "
	    "{'layer': 'stream', 'type': 'latency', 'latency': "
	    "{'dist': 'lognormal', 'median': '80ms', 'sigma': 0.4}}, "
	    "{'layer': 'stream', 'type': 'latency', 'latency': "
	    "{'dist': 'lognormal', 'median': '1m', 'sigma': 2}}");
	for (i = 0; i < sc->nfaults; i++)
		ck_assert_uint_eq(sc->faults[i].present[0], 1);
	d = delayval(&sc->faults[0], "delay");
	ck_assert_int_eq(d->dist, DELAY_FIXED);
	ck_assert_uint_eq(d->a, 1500000);
	d = delayval(&sc->faults[1], "delay");
	ck_assert_int_eq(d->dist, DELAY_FIXED);
	ck_assert_uint_eq(d->a, 250000);
	d = delayval(&sc->faults[2], "delay");
	ck_assert_int_eq(d->dist, DELAY_UNIFORM);
	ck_assert_uint_eq(d->a, 50000);
	ck_assert_uint_eq(d->b, 150000);
	d = delayval(&sc->faults[3], "delay");
	ck_assert_int_eq(d->dist, DELAY_UNIFORM);
	ck_assert_uint_eq(d->a, 1000000);
	ck_assert_uint_eq(d->b, 1000000);
	d = delayval(&sc->faults[4], "delay");
	ck_assert_int_eq(d->dist, DELAY_NORMAL);
	ck_assert_uint_eq(d->a, 2000000);
	ck_assert_uint_eq(d->b, 0);
	d = delayval(&sc->faults[5], "latency");
	ck_assert_int_eq(d->dist, DELAY_LOGNORMAL);
	ck_assert_uint_eq(d->a, 80000);
	ck_assert_double_eq(d->sigma, 0.4);
	d = delayval(&sc->faults[6], "latency");
	ck_assert_uint_eq(d->a, 60000000);
	ck_assert_double_eq(d->sigma, 2);
	scenario_free(sc);
}
END_TEST

START_TEST(test_delay_errors)
{
	assert_error(HEAD SERVICES ", 'faults': [{'layer': 'http', 'type': "
	                           "'delay', 'delay': {'dist': 'unifrom', "
	                           "'min': '1s', 'max': '2s'}}]}",
	    "t.json: /faults/0/delay/dist: unknown distribution \"unifrom\" "
	    "(did you mean \"uniform\"?)");
	assert_error(HEAD SERVICES ", 'faults': [{'layer': 'http', 'type': "
	                           "'delay', 'delay': {'dist': 'uniform', "
	                           "'min': '1s', 'mx': '2s'}}]}",
	    "t.json: /faults/0/delay: missing required key \"max\"\n"
	    "t.json: /faults/0/delay/mx: unknown key (did you mean \"max\"?)");
	assert_error(HEAD SERVICES ", 'faults': [{'layer': 'http', 'type': "
	                           "'delay', 'delay': {'dist': 'lognormal', "
	                           "'median': 80, 'sigma': '0.4'}}]}",
	    "t.json: /faults/0/delay/median: expected a duration such as "
	    "\"250ms\", got a number\n"
	    "t.json: /faults/0/delay/sigma: expected a number, got a string");
	assert_error(HEAD SERVICES ", 'faults': [{'layer': 'http', 'type': "
	                           "'delay', 'delay': {'dist': 'lognormal', "
	                           "'median': '80ms', 'sigma': -1}}]}",
	    "t.json: /faults/0/delay/sigma: must be more than 0, got -1");
	assert_error(HEAD SERVICES ", 'faults': [{'layer': 'http', 'type': "
	                           "'delay', 'delay': {'dist': 'fixed', "
	                           "'value': '1s', 'max': '2s'}}]}",
	    "t.json: /faults/0/delay/max: unknown key (a \"fixed\" "
	    "distribution takes \"value\")");
	assert_error(HEAD SERVICES ", 'faults': [{'layer': 'http', 'type': "
	                           "'delay', 'delay': ['1s']}]}",
	    "t.json: /faults/0/delay: expected a duration or a distribution "
	    "object, got an array");
}
END_TEST

START_TEST(test_fault_values)
{
	const struct fault_strings *l;
	const struct fault_renames *rn;
	const struct fault_headers *h;
	const struct fault_body *b;
	const struct fault_conf *f;
	struct scenario *sc;

	sc = load_faults(
	    "{'layer': 'handshake', 'type': 'version_mismatch', "
	    "'server_versions': ['3.0', '2.1']}, "
	    "{'layer': 'http', 'type': 'schema_drift', 'drop': ['email', "
	    "'id'], 'rename': {'name': 'full_name', 'a': 'b'}}, "
	    "{'layer': 'http', 'type': 'status', 'status': 429, 'headers': "
	    "{'Retry-After': '7', 'X-A': ''}, 'body': 'slow down\\n'}, "
	    "{'layer': 'http', 'type': 'status', 'status': 200, 'body': "
	    "{'ok': true}}, "
	    "{'layer': 'stream', 'type': 'corrupt', 'rate': 1}, "
	    "{'layer': 'stream', 'type': 'bandwidth', 'rate': 1}, "
	    "{'layer': 'connect', 'type': 'max_connections', 'limit': 0}, "
	    "{'layer': 'http', 'type': 'malformed', 'kind': 'chunked'}");
	f = root_fault(sc, 0, FAULT_HELLO_VERSION_MISMATCH);
	l = value(f, "server_versions");
	ck_assert_uint_eq(l->n, 2);
	ck_assert_str_eq(l->v[0], "3.0");
	ck_assert_str_eq(l->v[1], "2.1");
	f = root_fault(sc, 1, FAULT_SCHEMA_DRIFT);
	ck_assert_int_eq(f->at, FAULT_AT_REQUEST);
	l = value(f, "drop");
	ck_assert_uint_eq(l->n, 2);
	ck_assert_str_eq(l->v[1], "id");
	rn = value(f, "rename");
	ck_assert_uint_eq(rn->n, 2);
	ck_assert_str_eq(rn->from[0], "name");
	ck_assert_str_eq(rn->to[0], "full_name");
	ck_assert_str_eq(rn->from[1], "a");
	ck_assert_str_eq(rn->to[1], "b");
	f = root_fault(sc, 2, FAULT_STATUS);
	ck_assert_int_eq(ival(f, "status"), 429);
	h = value(f, "headers");
	ck_assert_uint_eq(h->n, 2);
	ck_assert_str_eq(h->v[0].name, "Retry-After");
	ck_assert_str_eq(h->v[0].value, "7");
	ck_assert_str_eq(h->v[1].value, "");
	b = value(f, "body");
	ck_assert_str_eq(b->text, "slow down\n");
	ck_assert_uint_eq(b->len, 10);
	ck_assert_int_eq(b->is_json, 0);
	f = root_fault(sc, 3, FAULT_STATUS);
	b = value(f, "body");
	ck_assert_str_eq(b->text, "{\"ok\":true}");
	ck_assert_int_eq(b->is_json, 1);
	ck_assert(absent(f, "headers"));
	f = root_fault(sc, 4, FAULT_CORRUPT);
	ck_assert_double_eq(dval(f, "rate"), 1);
	f = root_fault(sc, 5, FAULT_BANDWIDTH);
	ck_assert_int_eq(ival(f, "rate"), 1);
	f = root_fault(sc, 6, FAULT_MAX_CONNECTIONS);
	ck_assert_int_eq(f->args.max_connections.limit, 0);
	f = root_fault(sc, 7, FAULT_MALFORMED);
	ck_assert_int_eq(ival(f, "kind"), 2);
	scenario_free(sc);
}
END_TEST

START_TEST(test_fault_errors)
{
	/* The design's own example. */
	assert_error(HEAD SERVICES ", 'phases': [{'name': 'healthy'}, "
	                           "{'name': 'bad', 'after': '30s', 'faults': "
	                           "[{'layer': 'http', 'type': 'delay', "
	                           "'delay': '5x'}]}]}",
	    "t.json: /phases/1/faults/0/delay: \"5x\" is not a duration (use "
	    "250ms, 1.5s, 2m)");
	assert_error(HEAD SERVICES ", 'faults': [{'layer': 'stream', 'type': "
	                           "'latency', 'latency': '1s', 'direction': "
	                           "'downsteam', 'match': {}, 'at': "
	                           "'request'}]}",
	    "t.json: /faults/0/direction: unknown direction \"downsteam\" "
	    "(did you mean \"downstream\"?)\n"
	    "t.json: /faults/0/match: only http faults take \"match\"\n"
	    "t.json: /faults/0/at: only http faults take \"at\"");
	assert_error(HEAD SERVICES ", 'faults': [{'layer': 'handshake', "
	                           "'type': 'drop', 'direction': 'both'}]}",
	    "t.json: /faults/0/direction: only stream faults take "
	    "\"direction\"");
	/* With a wrong type, parameters cannot be judged; other keys can. */
	assert_error(HEAD SERVICES ", 'faults': [{'layer': 'http', 'type': "
	                           "'stats', 'status': 503, 'tims': 1, "
	                           "'direction': 'up', 'zzz': 1}]}",
	    "t.json: /faults/0/type: no fault type \"stats\" on layer "
	    "\"http\" (did you mean \"status\"?)\n"
	    "t.json: /faults/0/tims: unknown key (did you mean \"times\"?)\n"
	    "t.json: /faults/0/direction: only stream faults take "
	    "\"direction\"\n"
	    "t.json: /faults/0/zzz: unknown key");
	assert_error(HEAD SERVICES ", 'faults': [{'layer': 7, 'type': "
	                           "'reset', 'limit': 1}]}",
	    "t.json: /faults/0/layer: expected a string, got a number");
	assert_error(HEAD SERVICES ", 'faults': [{'layer': 'tls', 'type': "
	                           "'alert'}]}",
	    "t.json: /faults/0/layer: no service has \"tls\": a tls fault "
	    "cannot apply");
	assert_error(HEAD SERVICES ", 'faults': [{'layer': 'stream', 'type': "
	                           "'bandwidth', 'rate': 0}, {'layer': "
	                           "'http', 'type': 'garbage', 'bytes': "
	                           "1048577}, {'layer': 'stream', 'type': "
	                           "'corrupt', 'rate': -0.5}]}",
	    "t.json: /faults/0/rate: must be 1 or more, got 0\n"
	    "t.json: /faults/1/bytes: must be 1 to 1048576, got 1048577\n"
	    "t.json: /faults/2/rate: must be 0 to 1, got -0.5");
	assert_error(HEAD SERVICES ", 'faults': [{'layer': 'http', 'type': "
	                           "'schema_drift', 'drop': ['', 3]}]}",
	    "t.json: /faults/0/drop/0: must not be empty\n"
	    "t.json: /faults/0/drop/1: expected a string, got a number");
	/* Root faults may name any declared service. */
	assert_error(HEAD SERVICES ", 'faults': [{'service': 'FIN', 'layer': "
	                           "'connect', 'type': 'refuse'}]}",
	    "t.json: /faults/0/service: no service named \"FIN\" (did you "
	    "mean \"fin\"?)");
}
END_TEST

START_TEST(test_phases_parsed)
{
	const struct phase_conf *ph;
	struct scenario *sc;

	sc = load_ok("t.json",
	    HEAD SERVICES ", 'faults': [{'layer': 'connect', 'type': "
	                  "'reset', 'probability': 0.1}], 'phases': ["
	                  "{'name': 'healthy'}, "
	                  "{'name': 'bad-deploy', 'after': '15m', 'faults': "
	                  "[{'service': 'fin', 'layer': 'handshake', 'type': "
	                  "'version_mismatch', 'server_versions': ['2.0']}]}, "
	                  "{'name': 'v1.2_fix', 'after_connections': 3, "
	                  "'faults': []}, "
	                  "{'name': 'x', 'after_requests': 10}, "
	                  "{'name': 'by-hand', 'manual': true}]}");
	ck_assert_int_eq(sc->repeat, 0);
	ck_assert_uint_eq(sc->nfaults, 1);
	ck_assert_uint_eq(sc->nphases, 5);
	ph = &sc->phases[0];
	ck_assert_str_eq(ph->name, "healthy");
	ck_assert_int_eq(ph->start, PHASE_START_NOW);
	ck_assert_uint_eq(ph->nfaults, 0);
	ph = &sc->phases[1];
	ck_assert_str_eq(ph->name, "bad-deploy");
	ck_assert_int_eq(ph->start, PHASE_START_AFTER);
	ck_assert_uint_eq(ph->after_us, 15ULL * 60 * 1000000);
	ck_assert_uint_eq(ph->nfaults, 1);
	ck_assert_int_eq(
	    ph->faults[0].kind->type, FAULT_HELLO_VERSION_MISMATCH);
	ck_assert_str_eq(ph->faults[0].service, "fin");
	ph = &sc->phases[2];
	ck_assert_str_eq(ph->name, "v1.2_fix");
	ck_assert_int_eq(ph->start, PHASE_START_CONNECTIONS);
	ck_assert_uint_eq(ph->after_n, 3);
	ck_assert_uint_eq(ph->nfaults, 0);
	ph = &sc->phases[3];
	ck_assert_int_eq(ph->start, PHASE_START_REQUESTS);
	ck_assert_uint_eq(ph->after_n, 10);
	ph = &sc->phases[4];
	ck_assert_int_eq(ph->start, PHASE_START_MANUAL);
	scenario_free(sc);
}
END_TEST

START_TEST(test_repeat)
{
	struct scenario *sc;

	/* With repeat, the first phase's condition brings the loop back. */
	sc = load_ok("t.json",
	    HEAD SERVICES ", 'repeat': true, 'phases': [{'name': 'up', "
	                  "'after': '20s'}, {'name': 'down', 'after': "
	                  "'5s'}]}");
	ck_assert_int_eq(sc->repeat, 1);
	ck_assert_uint_eq(sc->nphases, 2);
	ck_assert_int_eq(sc->phases[0].start, PHASE_START_AFTER);
	ck_assert_uint_eq(sc->phases[0].after_us, 20000000);
	scenario_free(sc);

	/* "repeat" after "phases" in the file counts all the same. */
	sc = load_ok("t.json",
	    HEAD SERVICES ", 'phases': [{'name': 'only', 'manual': true}], "
	                  "'repeat': true}");
	ck_assert_int_eq(sc->phases[0].start, PHASE_START_MANUAL);
	scenario_free(sc);

	sc = load_ok("t.json",
	    HEAD SERVICES ", 'repeat': false, 'phases': [{'name': 'a'}]}");
	ck_assert_int_eq(sc->repeat, 0);
	ck_assert_int_eq(sc->phases[0].start, PHASE_START_NOW);
	scenario_free(sc);

	assert_error(HEAD SERVICES ", 'phases': [{'name': 'a'}, {'name': "
	                           "'b', 'after': '1s'}], 'repeat': true}",
	    "t.json: /phases/0: missing how the phase starts: with "
	    "\"repeat\" the first phase needs one too, to loop back to it "
	    "(give \"after\", \"after_connections\", \"after_requests\" or "
	    "\"manual\")");
	assert_error(HEAD SERVICES ", 'repeat': false, 'phases': [{'name': "
	                           "'a', 'after_requests': 5}]}",
	    "t.json: /phases/0/after_requests: the first phase begins at "
	    "start and takes no \"after_requests\" (unless \"repeat\" is "
	    "true)");
	assert_error(HEAD SERVICES ", 'repeat': true}",
	    "t.json: /repeat: needs \"phases\" to repeat");
	assert_error(HEAD SERVICES ", 'repeat': 1, 'phases': [{'name': 'a'}]}",
	    "t.json: /repeat: expected a boolean, got a number");
}
END_TEST

START_TEST(test_phase_errors)
{
	assert_error(HEAD SERVICES ", 'phases': [{'name': 'a'}, {'name': "
	                           "'b', 'after': '1s', 'after_requests': 2, "
	                           "'manual': true}]}",
	    "t.json: /phases/1: give only one of \"after\", "
	    "\"after_connections\", \"after_requests\" or \"manual\"");
	assert_error(HEAD SERVICES ", 'phases': [{'name': 'a'}, {'name': "
	                           "'a', 'faults': {}}]}",
	    "t.json: /phases/1: missing how the phase starts (give "
	    "\"after\", \"after_connections\", \"after_requests\" or "
	    "\"manual\")\n"
	    "t.json: /phases/1/name: phase 0 is already named \"a\"\n"
	    "t.json: /phases/1/faults: expected an array, got an object");
	assert_error(HEAD SERVICES ", 'phases': [{'name': ''}, {'name': "
	                           "'0123456789012345678901234567890123456789"
	                           "0123456789012345678901234', 'after': 5}]}",
	    "t.json: /phases/0/name: phase name must be 1 to 64 letters, "
	    "digits, \"_\", \"-\" or \".\"\n"
	    "t.json: /phases/1/name: phase name must be 1 to 64 letters, "
	    "digits, \"_\", \"-\" or \".\"\n"
	    "t.json: /phases/1/after: expected a duration such as \"250ms\", "
	    "got a number");
	assert_error(HEAD SERVICES ", 'phases': [{'name': 'a'}, {'name': "
	                           "'b', 'manual': 'yes'}, {'name': 'c', "
	                           "'after_requests': 1.5}]}",
	    "t.json: /phases/1/manual: expected a boolean, got a string\n"
	    "t.json: /phases/2/after_requests: expected an integer, got a "
	    "non-integer number");
	assert_error(HEAD SERVICES ", 'phases': [{'name': 'a', 'fautls': []}]}",
	    "t.json: /phases/0/fautls: unknown key (did you mean "
	    "\"faults\"?)");
}
END_TEST

/* tests/scenarios/valid-faults.json loads and uses every fault type. */
START_TEST(test_valid_faults_file_uses_every_type)
{
	struct errlist errs = { NULL, 0, 0 };
	const struct fault_conf *f;
	struct scenario *sc;
	int seen[FAULT_RESET_PEER + 1] = { 0 };
	size_t i, j, k;

	sc = scenario_load_file(
	    STANDIN_SRCDIR "/tests/scenarios/valid-faults.json", &errs);
	ck_assert_msg(sc != NULL, "%s", errlist_join(&errs));
	ck_assert_int_eq(sc->repeat, 1);
	ck_assert_uint_eq(sc->nphases, 5);
	for (i = 0; i < sc->nfaults; i++)
		seen[sc->faults[i].kind->type]++;
	for (i = 0; i < sc->nphases; i++) {
		ck_assert_int_ne(sc->phases[i].start, PHASE_START_NOW);
		for (j = 0; j < sc->phases[i].nfaults; j++) {
			f = &sc->phases[i].faults[j];
			seen[f->kind->type]++;
			for (k = 0; k < f->kind->nparams; k++) {
				if (f->kind->params[k].defval != NULL)
					ck_assert(f->present[k]);
			}
		}
	}
	for (i = 0; i < nfault_kinds; i++)
		ck_assert_msg(seen[fault_kinds[i].type] > 0, "%s not used",
		    fault_kinds[i].name);
	scenario_free(sc);
}
END_TEST

START_TEST(test_free_null)
{
	scenario_free(NULL);
}
END_TEST

/*
 * Every fault of valid-faults.json (every type) written out by
 * fault_conf_json() reads back through scenario_parse_faults() as the
 * same fault: GET /faults shows what is really active, in a form POST
 * /faults takes.
 */
START_TEST(test_fault_json_round_trip)
{
	struct errlist errs = { NULL, 0, 0 };
	struct fault_conf *back;
	struct scenario *sc;
	const struct fault_conf *f;
	json_t *j1, *j2;
	char *text;
	size_t i, k, n, seen = 0;

	sc = scenario_load_file(
	    STANDIN_SRCDIR "/tests/scenarios/valid-faults.json", &errs);
	ck_assert_ptr_nonnull(sc);
	for (i = 0; i <= sc->nphases; i++) {
		size_t nf = i == 0 ? sc->nfaults : sc->phases[i - 1].nfaults;

		for (k = 0; k < nf; k++) {
			f = i == 0 ? &sc->faults[k]
			           : &sc->phases[i - 1].faults[k];
			j1 = fault_conf_json(f);
			text = json_dumps(j1, JSON_COMPACT);
			ck_assert_msg(scenario_parse_faults(sc, "t", text,
			                  strlen(text), &back, &n, &errs) == 0,
			    "%s: %s", text, errlist_join(&errs));
			ck_assert_uint_eq(n, 1);
			j2 = fault_conf_json(&back[0]);
			ck_assert_msg(
			    json_equal(j1, j2), "%s read back differs", text);
			fault_conf_clear(&back[0]);
			free(back);
			json_decref(j1);
			json_decref(j2);
			free(text);
			seen++;
		}
	}
	ck_assert_uint_ge(seen, nfault_kinds);
	scenario_free(sc);
}
END_TEST

/* Faults given at run time: one or an array, checked like a scenario's. */
START_TEST(test_parse_faults_at_run_time)
{
	struct errlist errs = { NULL, 0, 0 };
	struct fault_conf *faults = NULL;
	struct scenario *sc;
	size_t n = 9;
	char *text;

	sc = load_ok("t.json", HEAD SERVICES "}");
	text = sq("{'service': 'ums', 'layer': 'http', 'type': 'delay', "
	          "'delay': '250ms', 'times': 2}");
	ck_assert_int_eq(scenario_parse_faults(sc, "POST /faults", text,
	                     strlen(text), &faults, &n, &errs),
	    0);
	free(text);
	ck_assert_uint_eq(n, 1);
	ck_assert_str_eq(faults[0].kind->name, "delay");
	ck_assert_int_eq(faults[0].times, 2);
	ck_assert_uint_eq(faults[0].args.delay.delay.a, 250000);
	fault_conf_clear(&faults[0]);
	free(faults);

	/* An array is all or nothing; each error names its element. */
	text = sq("[{'layer': 'connect', 'type': 'refuse'}, "
	          "{'service': 'umx', 'layer': 'http', 'type': 'status'}]");
	ck_assert_int_eq(scenario_parse_faults(sc, "POST /faults", text,
	                     strlen(text), &faults, &n, &errs),
	    -1);
	free(text);
	ck_assert_ptr_null(faults);
	ck_assert_uint_eq(n, 0);
	ck_assert_uint_eq(errs.n, 2);
	ck_assert_str_eq(
	    errs.msgs[0], "POST /faults: /1: missing required key \"status\"");
	ck_assert_str_eq(errs.msgs[1],
	    "POST /faults: /1/service: no service named \"umx\" (did you "
	    "mean \"ums\"?)");
	errlist_clear(&errs);

	/* Not JSON, not a fault, nothing at all. */
	ck_assert_int_eq(
	    scenario_parse_faults(sc, "P", "{\"a\":", 5, &faults, &n, &errs),
	    -1);
	ck_assert_int_eq(
	    scenario_parse_faults(sc, "P", "3", 1, &faults, &n, &errs), -1);
	ck_assert_int_eq(
	    scenario_parse_faults(sc, "P", "[]", 2, &faults, &n, &errs), -1);
	ck_assert_int_eq(
	    scenario_parse_faults(sc, "P", " ", 1, &faults, &n, &errs), -1);
	ck_assert_uint_eq(errs.n, 4);
	ck_assert_str_eq(errs.msgs[1],
	    "P: /: expected a fault object or an array of them, got a number");
	ck_assert_str_eq(errs.msgs[2], "P: /: expected at least one fault");
	ck_assert_str_eq(errs.msgs[3],
	    "P: expected a fault object or an array of them, got nothing");
	errlist_clear(&errs);
	scenario_free(sc);
}
END_TEST

/* The document is kept as loaded, for GET /scenario. */
START_TEST(test_source_kept)
{
	char *text = sq(HEAD SERVICES "}  ");
	struct scenario *sc = load_ok("t.json", text);

	ck_assert_uint_eq(sc->source_len, strlen(text));
	ck_assert_mem_eq(sc->source, text, strlen(text));
	ck_assert_int_eq(sc->source[sc->source_len], '\0');
	scenario_free(sc);
	free(text);
}
END_TEST

START_TEST(test_phase_floor_after_scaling)
{
	struct scenario *sc;

	/* Exactly the floor, scaled or not, is allowed. */
	sc = load_ok("t.json",
	    HEAD SERVICES ", 'phases': [{'name': 'a'}, {'name': 'b', "
	                  "'after': '1ms'}]}");
	scenario_free(sc);
	sc = load_ok("t.json",
	    HEAD "'time_scale': 1000, " SERVICES
	         ", 'repeat': true, 'phases': [{'name': 'a', 'after': '1s'}, "
	         "{'name': 'b', 'after': '1s'}]}");
	scenario_free(sc);

	/* Below it: flapping as fast as the loop runs. */
	assert_error(HEAD SERVICES ", 'repeat': true, 'phases': [{'name': "
	                           "'a', 'after': '1us'}, {'name': 'b', "
	                           "'after': '999us'}]}",
	    "t.json: /phases/0/after: \"1us\" at time_scale 1 is 0.001 ms; "
	    "a phase must last at least 1ms (after scaling)\n"
	    "t.json: /phases/1/after: \"999us\" at time_scale 1 is 0.999 "
	    "ms; a phase must last at least 1ms (after scaling)");
	/* Scaled below it by a time_scale written after the phases. */
	assert_error(HEAD SERVICES ", 'phases': [{'name': 'a'}, {'name': "
	                           "'b', 'after': '30s'}], 'time_scale': "
	                           "1e9}",
	    "t.json: /phases/1/after: \"30s\" at time_scale 1e9 is 3e-5 ms; "
	    "a phase must last at least 1ms (after scaling)");
	/* Just short of the floor does not read as the floor. */
	assert_error(HEAD "'time_scale': 1.0001, " SERVICES
	                  ", 'phases': [{'name': 'a'}, {'name': 'b', "
	                  "'after': '1ms'}]}",
	    "t.json: /phases/1/after: \"1ms\" at time_scale 1.0001 is "
	    "0.9999 ms; a phase must last at least 1ms (after scaling)");
	/* A time_scale that is wrong itself gets its own error only. */
	assert_error(HEAD "'time_scale': 0, " SERVICES
	                  ", 'phases': [{'name': 'a'}, {'name': 'b', "
	                  "'after': '1us'}]}",
	    "t.json: /time_scale: must be more than 0, got 0");
}
END_TEST

START_TEST(test_phase_ceiling_after_scaling)
{
	struct scenario *sc;

	/* A year (the longest duration) at time_scale 0.1: ten years. */
	sc = load_ok("t.json",
	    HEAD "'time_scale': 0.1, " SERVICES
	         ", 'phases': [{'name': 'a'}, {'name': 'b', 'after': "
	         "'8760h'}]}");
	scenario_free(sc);
	assert_error(HEAD "'time_scale': 1e-300, " SERVICES
	                  ", 'phases': [{'name': 'a'}, {'name': 'b', "
	                  "'after': '30s'}]}",
	    "t.json: /phases/1/after: \"30s\" at time_scale 1e-300 is longer "
	    "than standin can wait; a phase may last at most 10 years (after "
	    "scaling)");
	/* So small that the quotient is infinite. */
	assert_error(HEAD "'time_scale': 5e-324, " SERVICES
	                  ", 'phases': [{'name': 'a'}, {'name': 'b', "
	                  "'after': '1h'}]}",
	    "t.json: /phases/1/after: \"1h\" at time_scale 5e-324 is longer "
	    "than standin can wait; a phase may last at most 10 years (after "
	    "scaling)");
}
END_TEST

START_TEST(test_check_scale_at_another_scale)
{
	struct errlist errs = { NULL, 0, 0 };
	struct scenario *sc;
	char *msg;

	/* Good at its own scale; judged again at the one that runs. */
	sc = load_ok("t.json",
	    HEAD SERVICES ", 'phases': [{'name': 'a'}, {'name': 'b', "
	                  "'after': '30s'}, {'name': 'c', 'after_requests': "
	                  "3}, {'name': 'd', 'after': '1500ms'}]}");
	ck_assert_int_eq(scenario_check_scale(sc, 1, "time_scale", &errs), 0);
	ck_assert_int_eq(
	    scenario_check_scale(sc, 1000, "--time-scale", &errs), 0);
	ck_assert_uint_eq(errs.n, 0);
	ck_assert_int_eq(
	    scenario_check_scale(sc, 1e4, "--time-scale", &errs), -1);
	msg = errlist_join(&errs);
	ck_assert_str_eq(msg,
	    "t.json: /phases/3/after: \"1500ms\" at --time-scale 1e4 is "
	    "0.15 ms; a phase must last at least 1ms (after scaling)");
	free(msg);
	errlist_clear(&errs);
	ck_assert_int_eq(
	    scenario_check_scale(sc, 1e-300, "--time-scale", &errs), -1);
	msg = errlist_join(&errs);
	ck_assert_str_eq(msg,
	    "t.json: /phases/1/after: \"30s\" at --time-scale 1e-300 is "
	    "longer than standin can wait; a phase may last at most 10 years "
	    "(after scaling)\n"
	    "t.json: /phases/3/after: \"1500ms\" at --time-scale 1e-300 is "
	    "longer than standin can wait; a phase may last at most 10 years "
	    "(after scaling)");
	free(msg);
	errlist_clear(&errs);
	scenario_free(sc);

	/* Without phases that wait, any scale will do. */
	sc = scenario_default();
	ck_assert_int_eq(
	    scenario_check_scale(sc, 1e-300, "--time-scale", &errs), 0);
	scenario_free(sc);
}
END_TEST

static Suite *
scenario_suite(void)
{
	Suite *s = suite_create("scenario");
	TCase *tc;

	tc = tcase_create("defaults");
	tcase_add_test(tc, test_default_has_both_personas);
	tcase_add_test(tc, test_defaults_for_absent_keys);
	tcase_add_test(tc, test_name_from_label);
	tcase_add_test(tc, test_free_null);
	tcase_add_test(tc, test_default_phase_without_phases);
	tcase_add_test(tc, test_every_kind_loads_with_defaults);
	tcase_add_test(tc, test_default_values);
	suite_add_tcase(s, tc);

	tc = tcase_create("faults");
	tcase_add_test(tc, test_common_fields);
	tcase_add_test(tc, test_delay_distributions);
	tcase_add_test(tc, test_delay_errors);
	tcase_add_test(tc, test_fault_values);
	tcase_add_test(tc, test_fault_errors);
	tcase_add_test(tc, test_phases_parsed);
	tcase_add_test(tc, test_repeat);
	tcase_add_test(tc, test_phase_errors);
	tcase_add_test(tc, test_phase_floor_after_scaling);
	tcase_add_test(tc, test_phase_ceiling_after_scaling);
	tcase_add_test(tc, test_check_scale_at_another_scale);
	tcase_add_test(tc, test_valid_faults_file_uses_every_type);
	suite_add_tcase(s, tc);

	tc = tcase_create("parse");
	tcase_add_test(tc, test_root_keys_parsed);
	tcase_add_test(tc, test_services_in_document_order);
	tcase_add_test(tc, test_listen_forms);
	tcase_add_test(tc, test_port_zero_may_repeat);
	tcase_add_test(tc, test_distinct_addresses_on_one_port);
	tcase_add_test(tc, test_versions_and_users_from);
	tcase_add_test(tc, test_stub_keys_parsed);
	tcase_add_test(tc, test_every_method_accepted);
	tcase_add_test(tc, test_load_text_uses_len);
	suite_add_tcase(s, tc);

	tc = tcase_create("errors");
	tcase_add_test(tc, test_syntax_error_has_position);
	tcase_add_test(tc, test_duplicate_keys_rejected);
	tcase_add_test(tc, test_root_must_be_object);
	tcase_add_test(tc, test_missing_required_keys);
	tcase_add_test(tc, test_format_version);
	tcase_add_test(tc, test_type_errors_name_both_types);
	tcase_add_test(tc, test_ranges);
	tcase_add_test(tc, test_unknown_keys_and_hints);
	tcase_add_test(tc, test_persona_hints);
	tcase_add_test(tc, test_method_hints);
	tcase_add_test(tc, test_listen_errors);
	tcase_add_test(tc, test_address_clashes);
	tcase_add_test(tc, test_version_errors);
	tcase_add_test(tc, test_users_from_errors);
	tcase_add_test(tc, test_stub_errors);
	tcase_add_test(tc, test_header_errors);
	tcase_add_test(tc, test_service_names);
	tcase_add_test(tc, test_pointer_escaping_and_quoting);
	tcase_add_test(tc, test_every_error_in_document_order);
	tcase_add_test(tc, test_errors_are_appended);
	suite_add_tcase(s, tc);

	tc = tcase_create("files");
	tcase_add_test(tc, test_load_file_good);
	tcase_add_test(tc, test_load_file_unreadable_sets_errno);
	tcase_add_test(tc, test_load_file_invalid_clears_errno);
	tcase_add_test(tc, test_invalid_cases_match_err_files);
	suite_add_tcase(s, tc);

	tc = tcase_create("run time");
	tcase_add_test(tc, test_fault_json_round_trip);
	tcase_add_test(tc, test_parse_faults_at_run_time);
	tcase_add_test(tc, test_source_kept);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner *sr = srunner_create(scenario_suite());
	int failed;

	srunner_run_all(sr, CK_ENV);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
