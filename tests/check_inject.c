/*
 * check_inject.c: choosing faults: the API's faults before the scenario's,
 * kept with their counts across phase changes, removed by id; times and
 * probability; the same seed making the same draws; the read-only view
 * the control API has of them.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <check.h>

#include "fault.h"
#include "inject.h"
#include "request.h"
#include "scenario.h"
#include "util.h"

static const char scenario_text[] =
    "{\"standin\": 1, \"services\": {\"ums\": {\"persona\": \"ums\", "
    "\"listen\": \"127.0.0.1:0\"}},"
    " \"faults\": [{\"layer\": \"http\", \"type\": \"status\", "
    "\"status\": 500, \"match\": {\"path\": \"/root\"}}],"
    " \"phases\": [{\"name\": \"a\"}, {\"name\": \"b\", \"manual\": true,"
    " \"faults\": [{\"layer\": \"http\", \"type\": \"status\", "
    "\"status\": 502}]}]}";

static struct scenario *
load(void)
{
	struct errlist errs = { NULL, 0, 0 };
	struct scenario *sc;

	sc = scenario_load_text(
	    "t.json", scenario_text, strlen(scenario_text), &errs);
	ck_assert_msg(sc != NULL, "%s", errlist_join(&errs));
	return sc;
}

/* Faults from text, as POST /faults reads them. */
static struct fault_conf *
faults(const struct scenario *sc, const char *text, size_t *n)
{
	struct errlist errs = { NULL, 0, 0 };
	struct fault_conf *f;

	ck_assert_msg(scenario_parse_faults(
	                  sc, "t", text, strlen(text), &f, n, &errs) == 0,
	    "%s", errlist_join(&errs));
	return f;
}

/* The status of the http fault picked for GET path, or 0 for none. */
static int
pick_status(struct injector *in, const char *path)
{
	struct request req;
	struct inject_ctx ctx;
	const struct fault_conf *f;

	memset(&req, 0, sizeof req);
	req.method = "GET";
	req.path = path;
	memset(&ctx, 0, sizeof ctx);
	ctx.service = "ums";
	ctx.req = &req;
	ctx.at = FAULT_AT_REQUEST;
	f = inject_pick(in, FAULT_LAYER_HTTP, &ctx);
	return f != NULL ? (int)f->args.answer.status : 0;
}

START_TEST(test_api_faults_first_and_kept)
{
	struct scenario *sc = load();
	struct injector in;
	struct fault_conf *f;
	char id[64];
	size_t n;

	inject_init(&in, 1, NULL, NULL);
	inject_activate(&in, sc, &sc->phases[0]);
	ck_assert_int_eq(pick_status(&in, "/x"), 0);
	ck_assert_int_eq(pick_status(&in, "/root"), 500);

	f = faults(sc,
	    "[{\"layer\":\"http\",\"type\":\"status\",\"status\":418,"
	    "\"times\":2},{\"layer\":\"http\",\"type\":\"status\","
	    "\"status\":419}]",
	    &n);
	ck_assert_uint_eq(inject_add(&in, f, n), 1);
	free(f);
	ck_assert_uint_eq(in.napi, 2);
	ck_assert_uint_eq(in.nrules, 3);
	/* Before the scenario's, even where the root fault matches. */
	ck_assert_int_eq(pick_status(&in, "/root"), 418);
	/* A phase change keeps them, with their counts. */
	inject_activate(&in, sc, &sc->phases[1]);
	ck_assert_uint_eq(in.nrules, 4);
	ck_assert_int_eq(pick_status(&in, "/x"), 418);
	ck_assert_int_eq(pick_status(&in, "/x"), 419); /* times: 2 used */

	inject_rule_id(&in.rules[0], id, sizeof id);
	ck_assert_str_eq(id, "1");
	inject_rule_id(&in.rules[2], id, sizeof id);
	ck_assert_str_eq(id, "scenario/0");
	inject_rule_id(&in.rules[3], id, sizeof id);
	ck_assert_str_eq(id, "phase/b/0");

	ck_assert_int_eq(inject_remove(&in, 2), 0);
	ck_assert_int_eq(inject_remove(&in, 2), -1);
	ck_assert_int_eq(inject_remove(&in, 0), -1); /* scenario rules: no */
	ck_assert_uint_eq(in.nrules, 3);
	ck_assert_int_eq(pick_status(&in, "/x"), 502);

	/* Ids are never reused. */
	f = faults(sc, "{\"layer\":\"connect\",\"type\":\"refuse\"}", &n);
	ck_assert_uint_eq(inject_add(&in, f, n), 3);
	free(f);
	ck_assert_ptr_nonnull(inject_state(&in, "ums", FAULT_REFUSE));
	ck_assert_int_eq(inject_remove(&in, 3), 0);
	ck_assert_ptr_null(inject_state(&in, "ums", FAULT_REFUSE));
	inject_free(&in); /* frees the API's fault still there (id 1) */
	scenario_free(sc);
}
END_TEST

/* Re-seeding replays the same draws. */
START_TEST(test_reseed_replays)
{
	struct scenario *sc = load();
	struct injector in;
	struct fault_conf *f;
	char first[65], again[65];
	size_t n, i;

	inject_init(&in, 99, NULL, NULL);
	inject_activate(&in, sc, &sc->phases[0]);
	f = faults(sc,
	    "{\"layer\":\"http\",\"type\":\"status\",\"status\":503,"
	    "\"probability\":0.5}",
	    &n);
	inject_add(&in, f, n);
	free(f);
	for (i = 0; i < 64; i++)
		first[i] = pick_status(&in, "/x") == 503 ? '1' : '0';
	first[64] = '\0';
	inject_reseed(&in, 99);
	for (i = 0; i < 64; i++)
		again[i] = pick_status(&in, "/x") == 503 ? '1' : '0';
	again[64] = '\0';
	ck_assert_str_eq(first, again);
	ck_assert_ptr_nonnull(strchr(first, '0'));
	ck_assert_ptr_nonnull(strchr(first, '1'));
	inject_free(&in);
	scenario_free(sc);
}
END_TEST

/*
 * What the control API sees: the rules in order through a read-only view,
 * found by their printed ids, and the API's counted apart.
 */
START_TEST(test_rules_viewed_and_found_by_id)
{
	struct scenario *sc = load();
	struct injector in;
	struct fault_conf *f;
	const struct inject_rule *r;
	size_t n;

	inject_init(&in, 1, NULL, NULL);
	inject_activate(&in, sc, &sc->phases[1]);
	ck_assert_uint_eq(inject_count(&in), 2);
	ck_assert_uint_eq(inject_count_api(&in), 0);
	f = faults(sc,
	    "[{\"layer\":\"http\",\"type\":\"status\",\"status\":418},"
	    "{\"layer\":\"connect\",\"type\":\"refuse\"}]",
	    &n);
	ck_assert_uint_eq(inject_add(&in, f, n), 1);
	free(f);
	ck_assert_uint_eq(inject_count(&in), 4);
	ck_assert_uint_eq(inject_count_api(&in), 2);

	r = inject_rule(&in, 0);
	ck_assert_ptr_nonnull(r);
	ck_assert_uint_eq(r->id, 1);
	ck_assert_int_eq(r->fault->args.answer.status, 418);
	ck_assert_uint_eq(inject_rule(&in, 1)->id, 2);
	ck_assert_uint_eq(inject_rule(&in, 2)->id, 0);
	ck_assert_str_eq(inject_rule(&in, 3)->phase, "b");
	ck_assert_ptr_null(inject_rule(&in, 4));

	ck_assert_ptr_eq(inject_find(&in, "2"), inject_rule(&in, 1));
	ck_assert_ptr_eq(inject_find(&in, "scenario/0"), inject_rule(&in, 2));
	ck_assert_ptr_eq(inject_find(&in, "phase/b/0"), inject_rule(&in, 3));
	ck_assert_ptr_null(inject_find(&in, "3"));
	ck_assert_ptr_null(inject_find(&in, "phase/a/0"));
	ck_assert_ptr_null(inject_find(&in, ""));

	inject_remove_all(&in);
	ck_assert_uint_eq(inject_count(&in), 2);
	ck_assert_uint_eq(inject_count_api(&in), 0);
	ck_assert_ptr_null(inject_find(&in, "1"));
	ck_assert_ptr_eq(inject_find(&in, "scenario/0"), inject_rule(&in, 0));
	inject_free(&in);
	scenario_free(sc);
}
END_TEST

static Suite *
inject_suite(void)
{
	Suite *s = suite_create("inject");
	TCase *tc = tcase_create("rules");

	tcase_add_test(tc, test_api_faults_first_and_kept);
	tcase_add_test(tc, test_reseed_replays);
	tcase_add_test(tc, test_rules_viewed_and_found_by_id);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner *sr = srunner_create(inject_suite());
	int failed;

	srunner_run_all(sr, CK_ENV);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
