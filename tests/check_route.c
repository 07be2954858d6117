/*
 * check_route.c: path patterns: literal segments, "{name}" captures, a
 * final "*", and the validation of patterns scenario files carry.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include <check.h>

#include "route.h"

START_TEST(test_literal_pattern_matches_only_that_path)
{
	ck_assert_int_eq(route_match("/health", "/health", NULL), 1);
	ck_assert_int_eq(route_match("/health", "/healthz", NULL), 0);
	ck_assert_int_eq(route_match("/health", "/health/", NULL), 0);
	ck_assert_int_eq(route_match("/health", "/Health", NULL), 0);
	ck_assert_int_eq(route_match("/v1/users", "/v1/user", NULL), 0);
	ck_assert_int_eq(route_match("/", "/", NULL), 1);
	ck_assert_int_eq(route_match("/", "/x", NULL), 0);
}
END_TEST

START_TEST(test_capture_takes_one_segment)
{
	struct route_params rp;

	ck_assert_int_eq(
	    route_match("/v1/users/{id}", "/v1/users/u1001", &rp), 1);
	ck_assert_uint_eq(rp.n, 1);
	ck_assert_str_eq(route_param(&rp, "id"), "u1001");
	ck_assert_ptr_null(route_param(&rp, "other"));
	ck_assert_int_eq(route_match("/v1/users/{id}", "/v1/users/", &rp), 0);
	ck_assert_int_eq(route_match("/v1/users/{id}", "/v1/users", &rp), 0);
	ck_assert_int_eq(
	    route_match("/v1/users/{id}", "/v1/users/u1/x", &rp), 0);
}
END_TEST

START_TEST(test_captures_in_the_middle_and_several)
{
	struct route_params rp;

	ck_assert_int_eq(route_match("/v1/users/{id}/donations",
	                     "/v1/users/u1002/donations", &rp),
	    1);
	ck_assert_str_eq(route_param(&rp, "id"), "u1002");
	ck_assert_int_eq(route_match("/v1/users/{id}/donations",
	                     "/v1/users/u1002/donation", &rp),
	    0);
	ck_assert_int_eq(route_match("/a/{x}/b/{y}", "/a/1/b/two", &rp), 1);
	ck_assert_uint_eq(rp.n, 2);
	ck_assert_str_eq(route_param(&rp, "x"), "1");
	ck_assert_str_eq(route_param(&rp, "y"), "two");
}
END_TEST

START_TEST(test_match_without_params_agrees)
{
	ck_assert_int_eq(
	    route_match("/v1/users/{id}", "/v1/users/u1", NULL), 1);
	ck_assert_int_eq(route_match("/v1/users/{id}", "/v1/users/", NULL), 0);
}
END_TEST

START_TEST(test_capture_longer_than_its_buffer_does_not_match)
{
	char path[ROUTE_VALUE_MAX + 16];
	struct route_params rp;

	strcpy(path, "/u/");
	memset(path + 3, 'a', ROUTE_VALUE_MAX - 1);
	path[3 + ROUTE_VALUE_MAX - 1] = '\0';
	ck_assert_int_eq(route_match("/u/{id}", path, &rp), 1);
	ck_assert_uint_eq(strlen(route_param(&rp, "id")), ROUTE_VALUE_MAX - 1);
	strcat(path, "a");
	ck_assert_int_eq(route_match("/u/{id}", path, &rp), 0);
	ck_assert_int_eq(route_match("/u/{id}", path, NULL), 0);
}
END_TEST

START_TEST(test_final_star_matches_the_rest)
{
	ck_assert_int_eq(route_match("/v1/*", "/v1/users/u1001", NULL), 1);
	ck_assert_int_eq(route_match("/v1/*", "/v1/", NULL), 1);
	ck_assert_int_eq(route_match("/v1/*", "/v1", NULL), 1);
	ck_assert_int_eq(route_match("/v1/*", "/v10", NULL), 0);
	ck_assert_int_eq(route_match("/v1/*", "/v2/users", NULL), 0);
	ck_assert_int_eq(route_match("/*", "/", NULL), 1);
	ck_assert_int_eq(route_match("/*", "/anything/at/all", NULL), 1);
}
END_TEST

START_TEST(test_capture_then_star)
{
	struct route_params rp;

	ck_assert_int_eq(
	    route_match("/v1/users/{id}/*", "/v1/users/u7/donations/d1", &rp),
	    1);
	ck_assert_str_eq(route_param(&rp, "id"), "u7");
}
END_TEST

START_TEST(test_path_must_be_absolute)
{
	ck_assert_int_eq(route_match("/health", "health", NULL), 0);
	ck_assert_int_eq(route_match("/*", "", NULL), 0);
}
END_TEST

START_TEST(test_valid_patterns)
{
	static const char *const good[] = {
		"/",
		"/health",
		"/v1/users/{id}",
		"/v1/users/{id}/donations",
		"/v1/*",
		"/*",
		"/a/{x}/b/{y}/c/{z}/d/{w}",
		"/v1/users/",
		"/{user_id2}",
		"/v1/{_x}/*",
	};
	const char *cause = NULL;
	size_t i;

	for (i = 0; i < sizeof good / sizeof good[0]; i++) {
		ck_assert_msg(route_pattern_valid(good[i], &cause) == 0,
		    "%s: %s", good[i], cause);
	}
}
END_TEST

START_TEST(test_invalid_patterns_name_the_problem)
{
	static const struct {
		const char *pattern;
		const char *cause_has;
	} bad[] = {
		{ "", "starts with '/'" },
		{ "v1/users", "starts with '/'" },
		{ "/a//b", "empty segment" },
		{ "/v1/users*", "'*'" },
		{ "/*/x", "'*'" },
		{ "/v1/**", "'*'" },
		{ "/{}", "1 to 31" },
		{ "/{1x}", "a letter" },
		{ "/{a-b}", "a letter" },
		{ "/a{x}", "whole segment" },
		{ "/{x}y", "whole segment" },
		{ "/{x", "closing" },
		{ "/x}", "without a '{'" },
		{ "/{a}/{a}", "twice" },
		{ "/{a}/{b}/{c}/{d}/{e}", "at most 4" },
		{ "/a?b=1", "query" },
		{ "/a b", "spaces" },
		{ "/{abcdefghijabcdefghijabcdefghijab}", "1 to 31" },
	};
	const char *cause;
	size_t i;

	for (i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		cause = NULL;
		ck_assert_msg(route_pattern_valid(bad[i].pattern, &cause) == -1,
		    "%s was accepted", bad[i].pattern);
		ck_assert_ptr_nonnull(cause);
		ck_assert_msg(strstr(cause, bad[i].cause_has) != NULL,
		    "%s: \"%s\" lacks \"%s\"", bad[i].pattern, cause,
		    bad[i].cause_has);
	}
}
END_TEST

/* The route suite. */
static Suite *
route_suite(void)
{
	Suite *s = suite_create("route");
	TCase *tc = tcase_create("match");

	tcase_add_test(tc, test_literal_pattern_matches_only_that_path);
	tcase_add_test(tc, test_capture_takes_one_segment);
	tcase_add_test(tc, test_captures_in_the_middle_and_several);
	tcase_add_test(tc, test_match_without_params_agrees);
	tcase_add_test(tc, test_capture_longer_than_its_buffer_does_not_match);
	tcase_add_test(tc, test_final_star_matches_the_rest);
	tcase_add_test(tc, test_capture_then_star);
	tcase_add_test(tc, test_path_must_be_absolute);
	suite_add_tcase(s, tc);
	tc = tcase_create("valid");
	tcase_add_test(tc, test_valid_patterns);
	tcase_add_test(tc, test_invalid_patterns_name_the_problem);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner *sr = srunner_create(route_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
