/* check_util.c: durations, addresses, versions, did-you-mean, the rng. */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include <check.h>

#include "request.h"
#include "reply.h"
#include "rng.h"
#include "util.h"

START_TEST(test_duration_parse_units)
{
	uint64_t us;

	ck_assert_int_eq(duration_parse("250ms", &us), 0);
	ck_assert_uint_eq(us, 250000);
	ck_assert_int_eq(duration_parse("1.5s", &us), 0);
	ck_assert_uint_eq(us, 1500000);
	ck_assert_int_eq(duration_parse("2m", &us), 0);
	ck_assert_uint_eq(us, 120000000);
	ck_assert_int_eq(duration_parse("1h", &us), 0);
	ck_assert_uint_eq(us, 3600000000ULL);
	ck_assert_int_eq(duration_parse("100us", &us), 0);
	ck_assert_uint_eq(us, 100);
}
END_TEST

START_TEST(test_duration_parse_rejects)
{
	uint64_t us;
	const char *bad[] = { "", "5", "5x", "ms", "-1s", "1.s", ".5s", "1..5s",
		"1s ", " 1s", "9999999h" };
	size_t i;

	for (i = 0; i < nitems(bad); i++)
		ck_assert_msg(duration_parse(bad[i], &us) == -1, "%s", bad[i]);
}
END_TEST

START_TEST(test_duration_format_round_trips)
{
	const char *in[] = { "250ms", "1.5s", "2m", "1h", "100us" };
	char buf[32];
	uint64_t us;
	size_t i;

	for (i = 0; i < nitems(in); i++) {
		ck_assert_int_eq(duration_parse(in[i], &us), 0);
		duration_format(us, buf, sizeof buf);
		ck_assert_str_eq(buf, in[i]);
	}
}
END_TEST

START_TEST(test_hostport_parse)
{
	char host[64];
	uint16_t port;

	ck_assert_int_eq(
	    hostport_parse("127.0.0.1:8081", host, sizeof host, &port), 0);
	ck_assert_str_eq(host, "127.0.0.1");
	ck_assert_uint_eq(port, 8081);
	ck_assert_int_eq(
	    hostport_parse("[::1]:0", host, sizeof host, &port), 0);
	ck_assert_str_eq(host, "::1");
	ck_assert_uint_eq(port, 0);
	ck_assert_int_eq(
	    hostport_parse("localhost:8082", host, sizeof host, &port), 0);
	ck_assert_str_eq(host, "localhost");
	ck_assert_int_eq(hostport_parse("8082", host, sizeof host, &port), -1);
	ck_assert_int_eq(
	    hostport_parse("h:65536", host, sizeof host, &port), -1);
	ck_assert_int_eq(hostport_parse("h:", host, sizeof host, &port), -1);
	ck_assert_int_eq(hostport_parse(":80", host, sizeof host, &port), -1);
	ck_assert_int_eq(
	    hostport_parse("::1:80", host, sizeof host, &port), -1);
	ck_assert_int_eq(hostport_parse("h:8x", host, sizeof host, &port), -1);
}
END_TEST

START_TEST(test_versions)
{
	ck_assert(version_valid("1"));
	ck_assert(version_valid("1.2"));
	ck_assert(version_valid("10.0.3"));
	ck_assert(!version_valid(""));
	ck_assert(!version_valid("1."));
	ck_assert(!version_valid(".1"));
	ck_assert(!version_valid("v1"));
	ck_assert(!version_valid("1..2"));
	ck_assert_int_lt(version_compare("1.2", "1.10"), 0);
	ck_assert_int_gt(version_compare("2.0", "1.9"), 0);
	ck_assert_int_eq(version_compare("1.2", "1.2"), 0);
	ck_assert_int_lt(version_compare("1.2", "1.2.1"), 0);
	ck_assert_int_gt(version_compare("1.2.1", "1.2"), 0);
}
END_TEST

START_TEST(test_edit_distance)
{
	ck_assert_uint_eq(edit_distance("persona", "persona"), 0);
	ck_assert_uint_eq(edit_distance("persnoa", "persona"), 2);
	ck_assert_uint_eq(edit_distance("lisen", "listen"), 1);
	ck_assert_uint_eq(edit_distance("", "abc"), 3);
}
END_TEST

START_TEST(test_errlist_collects_all)
{
	struct errlist el = { 0 };
	char *s;

	errlist_add(&el, "a: %d", 1);
	errlist_add(&el, "b: %s", "two");
	s = errlist_join(&el);
	ck_assert_str_eq(s, "a: 1\nb: two");
	free(s);
	errlist_clear(&el);
	ck_assert_uint_eq(el.n, 0);
}
END_TEST

START_TEST(test_rng_is_deterministic)
{
	struct rng a, b, c;
	int i, differ = 0;

	rng_seed(&a, 7);
	rng_seed(&b, 7);
	rng_seed(&c, 8);
	for (i = 0; i < 100; i++) {
		uint64_t x = rng_next(&a);

		ck_assert_uint_eq(x, rng_next(&b));
		differ |= x != rng_next(&c);
	}
	ck_assert(differ);
	rng_seed_stream(&a, 7, "ums");
	rng_seed_stream(&b, 7, "fin");
	ck_assert_uint_ne(rng_next(&a), rng_next(&b));
	for (i = 0; i < 1000; i++) {
		double u = rng_uniform(&a);

		ck_assert(u >= 0 && u < 1);
	}
}
END_TEST

START_TEST(test_request_query)
{
	struct request req = { 0 };
	char buf[64];

	req.query = "email=a%40b.c&x=1+2&flag&bad=%zz";
	ck_assert_int_eq(request_query(&req, "email", buf, sizeof buf), 1);
	ck_assert_str_eq(buf, "a@b.c");
	ck_assert_int_eq(request_query(&req, "x", buf, sizeof buf), 1);
	ck_assert_str_eq(buf, "1 2");
	ck_assert_int_eq(request_query(&req, "flag", buf, sizeof buf), 1);
	ck_assert_str_eq(buf, "");
	ck_assert_int_eq(request_query(&req, "bad", buf, sizeof buf), -1);
	ck_assert_int_eq(request_query(&req, "missing", buf, sizeof buf), 0);
	ck_assert_int_eq(request_query(&req, "emai", buf, sizeof buf), 0);
}
END_TEST

START_TEST(test_reply_headers)
{
	struct reply r;

	reply_init(&r);
	ck_assert_int_eq(reply_header(&r, "Retry-After", "%d", 7), 0);
	ck_assert_int_eq(reply_header(&r, "X-Evil", "a\r\nSet-Cookie: x"), -1);
	ck_assert_str_eq(r.headers, "Retry-After: 7\r\n");
	ck_assert(reply_has_header(&r, "retry-after"));
	ck_assert(!reply_has_header(&r, "Retry"));
	reply_error(&r, 404, "not_found", "no %s", "thing");
	ck_assert_int_eq(r.status, 404);
	ck_assert_str_eq(
	    json_string_value(json_object_get(r.json, "error")), "not_found");
	ck_assert_str_eq(
	    json_string_value(json_object_get(r.json, "message")), "no thing");
	reply_invalid(&r, "/amount_cents", "must be positive");
	ck_assert_int_eq(r.status, 422);
	ck_assert_str_eq(json_string_value(json_object_get(r.json, "field")),
	    "/amount_cents");
	reply_release(&r);
}
END_TEST

START_TEST(test_json_escape_always_valid)
{
	char buf[64];
	json_t *v;

	ck_assert_str_eq(
	    json_escape("/v1/users/u1", buf, sizeof buf), "\"/v1/users/u1\"");
	ck_assert_str_eq(json_escape("a\"b\\c\n", buf, sizeof buf),
	    "\"a\\\"b\\\\c\\u000a\"");
	/* Valid UTF-8 passes; a stray byte becomes U+FFFD. */
	ck_assert_str_eq(
	    json_escape("caf\xc3\xa9", buf, sizeof buf), "\"caf\xc3\xa9\"");
	ck_assert_str_eq(
	    json_escape("x\xffy", buf, sizeof buf), "\"x\\ufffdy\"");
	/* So do the bytes of forms jansson refuses (fuzz_http found them):
	 * overlong, a surrogate, past U+10FFFF. */
	ck_assert_str_eq(json_escape("a\xe0\x9c\x93-", buf, sizeof buf),
	    "\"a\\ufffd\\ufffd\\ufffd-\"");
	ck_assert_str_eq(json_escape("\xed\xa0\x80", buf, sizeof buf),
	    "\"\\ufffd\\ufffd\\ufffd\"");
	ck_assert_str_eq(json_escape("\xf0\x8f\xbf\xbf", buf, sizeof buf),
	    "\"\\ufffd\\ufffd\\ufffd\\ufffd\"");
	ck_assert_str_eq(json_escape("\xf4\x90\x80\x80", buf, sizeof buf),
	    "\"\\ufffd\\ufffd\\ufffd\\ufffd\"");
	ck_assert_str_eq(
	    json_escape("\xf4\x8f\xbf\xbf\xef\xbf\xbd", buf, sizeof buf),
	    "\"\xf4\x8f\xbf\xbf\xef\xbf\xbd\"");
	v = json_loads(json_escape("\xe0\x80\xed\xbf\xbf", buf, sizeof buf),
	    JSON_DECODE_ANY, NULL);
	ck_assert_ptr_nonnull(v);
	json_decref(v);
	/* Too long: cut with "...", still a JSON string jansson accepts. */
	json_escape("0123456789012345678901234567890123456789", buf, 16);
	ck_assert_uint_le(strlen(buf), 15);
	v = json_loads(buf, JSON_DECODE_ANY, NULL);
	ck_assert_ptr_nonnull(v);
	ck_assert(json_is_string(v));
	json_decref(v);
}
END_TEST

START_TEST(test_percent_decode)
{
	char buf[32];

	ck_assert_int_eq(percent_decode("a%20b+c", 7, buf, sizeof buf, 0), 0);
	ck_assert_str_eq(buf, "a b+c");
	ck_assert_int_eq(percent_decode("a%20b+c", 7, buf, sizeof buf, 1), 0);
	ck_assert_str_eq(buf, "a b c");
	ck_assert_int_eq(percent_decode("%00", 3, buf, sizeof buf, 0), -1);
	ck_assert_int_eq(percent_decode("%2", 2, buf, sizeof buf, 0), -1);
	ck_assert_int_eq(percent_decode("%zz", 3, buf, sizeof buf, 0), -1);
	ck_assert_int_eq(percent_decode("abcdef", 6, buf, 4, 0), -1);
}
END_TEST

static Suite *
util_suite(void)
{
	Suite *s = suite_create("util");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, test_duration_parse_units);
	tcase_add_test(tc, test_duration_parse_rejects);
	tcase_add_test(tc, test_duration_format_round_trips);
	tcase_add_test(tc, test_hostport_parse);
	tcase_add_test(tc, test_versions);
	tcase_add_test(tc, test_edit_distance);
	tcase_add_test(tc, test_errlist_collects_all);
	tcase_add_test(tc, test_rng_is_deterministic);
	tcase_add_test(tc, test_request_query);
	tcase_add_test(tc, test_reply_headers);
	tcase_add_test(tc, test_json_escape_always_valid);
	tcase_add_test(tc, test_percent_decode);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner *sr = srunner_create(util_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
