/*
 * check_fin.c: the financial engine persona through persona_handle():
 * donations, their validation, Idempotency-Key replays and conflicts,
 * per-user lists, the ledger, users checked against UMS, limits and reset.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <check.h>
#include <jansson.h>

#include "fin.h"
#include "persona.h"
#include "persona_impl.h"
#include "persona_test.h"
#include "reply.h"
#include "request.h"
#include "scenario.h"

#define DONATION \
	"{\"user_id\":\"u1004\",\"charity_id\":\"ch-msf\"," \
	"\"amount_cents\":2000,\"currency\":\"EUR\"}"

static struct persona *p, *ums;
static struct reply rep;

/* Make the financial engine "fin" (and a UMS "ums", not yet linked). */
static void
setup(void)
{
	p = pt_make(PERSONA_FINANCIAL_ENGINE, "fin", NULL, 0, 1);
	ck_assert_ptr_nonnull(p);
	ums = pt_make(PERSONA_UMS, "ums", NULL, 0, 1);
	ck_assert_ptr_nonnull(ums);
	reply_init(&rep);
}

/* Free both personas and the last reply. */
static void
teardown(void)
{
	reply_release(&rep);
	persona_free(p);
	persona_free(ums);
}

/* POST a donation with an Idempotency-Key. */
static void
post_key(const char *key, const char *body)
{
	pt_call_header(
	    &rep, p, "POST", "/v1/donations", body, "Idempotency-Key", key);
}

/* POST a donation of 100 EUR to ch-msf by this user. */
static void
donate_as(const char *user_id)
{
	char body[256];

	snprintf(body, sizeof body,
	    "{\"user_id\":\"%s\",\"charity_id\":\"ch-msf\","
	    "\"amount_cents\":100,\"currency\":\"EUR\"}",
	    user_id);
	pt_call(&rep, p, "POST", "/v1/donations", body);
}

/* The ledger's count of donations. */
static long long
ledger_count(void)
{
	pt_call(&rep, p, "GET", "/v1/ledger", NULL);
	ck_assert_int_eq(rep.status, 200);
	return pt_jint(&rep, "count");
}

START_TEST(test_get_fixture_donation)
{
	pt_call(&rep, p, "GET", "/v1/donations/d5002", NULL);
	ck_assert_int_eq(rep.status, 200);
	ck_assert_str_eq(pt_jstr(&rep, "id"), "d5002");
	ck_assert_str_eq(pt_jstr(&rep, "user_id"), "u1002");
	ck_assert_str_eq(pt_jstr(&rep, "charity_id"), "ch-msf");
	ck_assert_int_eq(pt_jint(&rep, "amount_cents"), 5000);
	ck_assert_str_eq(pt_jstr(&rep, "currency"), "EUR");
	ck_assert_str_eq(pt_jstr(&rep, "status"), "succeeded");
	ck_assert_str_eq(pt_jstr(&rep, "created_at"), "2024-02-02T18:11:47Z");
}
END_TEST

START_TEST(test_get_unknown_donation_is_404)
{
	pt_call(&rep, p, "GET", "/v1/donations/d1", NULL);
	pt_assert_error(&rep, 404, "not_found", NULL);
	ck_assert_ptr_nonnull(strstr(pt_jstr(&rep, "message"), "d1"));
}
END_TEST

START_TEST(test_get_returns_the_stored_object_without_copying)
{
	json_t *first;

	pt_call(&rep, p, "GET", "/v1/donations/d5001", NULL);
	first = json_incref(rep.json);
	pt_call(&rep, p, "GET", "/v1/donations/d5001", NULL);
	ck_assert_ptr_eq(rep.json, first);
	json_decref(first);
}
END_TEST

START_TEST(test_fixture_ledger_totals)
{
	pt_call(&rep, p, "GET", "/v1/ledger", NULL);
	ck_assert_int_eq(rep.status, 200);
	ck_assert_int_eq(pt_jint(&rep, "count"), 6);
	ck_assert_uint_eq(json_object_size(pt_jget(rep.json, "totals")), 4);
	ck_assert_int_eq(pt_jint(&rep, "totals/GBP/count"), 2);
	ck_assert_int_eq(pt_jint(&rep, "totals/GBP/amount_cents"), 3500);
	ck_assert_int_eq(pt_jint(&rep, "totals/EUR/count"), 2);
	ck_assert_int_eq(pt_jint(&rep, "totals/EUR/amount_cents"), 10000);
	ck_assert_int_eq(pt_jint(&rep, "totals/INR/count"), 1);
	ck_assert_int_eq(pt_jint(&rep, "totals/INR/amount_cents"), 150000);
	ck_assert_int_eq(pt_jint(&rep, "totals/USD/count"), 1);
	ck_assert_int_eq(pt_jint(&rep, "totals/USD/amount_cents"), 10000);
}
END_TEST

START_TEST(test_fixture_donations_belong_to_fixture_users)
{
	json_t *d;
	char path[64];
	int n;

	for (n = 5001;; n++) {
		snprintf(path, sizeof path, "/v1/donations/d%d", n);
		pt_call(&rep, p, "GET", path, NULL);
		if (rep.status == 404)
			break;
		d = json_incref(rep.json);
		snprintf(path, sizeof path, "/v1/users/%s",
		    json_string_value(json_object_get(d, "user_id")));
		pt_call(&rep, ums, "GET", path, NULL);
		ck_assert_msg(rep.status == 200, "%s", path);
		json_decref(d);
	}
	ck_assert_int_eq(n, 5007);
}
END_TEST

START_TEST(test_create_donation)
{
	pt_call(&rep, p, "POST", "/v1/donations", DONATION);
	ck_assert_int_eq(rep.status, 201);
	ck_assert_str_eq(pt_header(&rep, "Location"), "/v1/donations/d5007");
	ck_assert_str_eq(pt_header(&rep, "Idempotent-Replayed"), "(none)");
	ck_assert_str_eq(pt_jstr(&rep, "id"), "d5007");
	ck_assert_str_eq(pt_jstr(&rep, "user_id"), "u1004");
	ck_assert_str_eq(pt_jstr(&rep, "charity_id"), "ch-msf");
	ck_assert_int_eq(pt_jint(&rep, "amount_cents"), 2000);
	ck_assert_str_eq(pt_jstr(&rep, "currency"), "EUR");
	ck_assert_str_eq(pt_jstr(&rep, "status"), "succeeded");
	ck_assert_uint_eq(strlen(pt_jstr(&rep, "created_at")), 20);
	ck_assert_int_eq(pt_jstr(&rep, "created_at")[10], 'T');

	pt_call(&rep, p, "GET", "/v1/donations/d5007", NULL);
	ck_assert_int_eq(rep.status, 200);
	ck_assert_str_eq(pt_jstr(&rep, "user_id"), "u1004");
	pt_call(&rep, p, "GET", "/v1/ledger", NULL);
	ck_assert_int_eq(pt_jint(&rep, "count"), 7);
	ck_assert_int_eq(pt_jint(&rep, "totals/EUR/count"), 3);
	ck_assert_int_eq(pt_jint(&rep, "totals/EUR/amount_cents"), 12000);

	pt_call(&rep, p, "POST", "/v1/donations",
	    "{\"user_id\":\"u1006\",\"charity_id\":"
	    "\"ch-jrc\",\"amount_cents\":300000,\"currency\":\"JPY\"}");
	ck_assert_str_eq(pt_jstr(&rep, "id"), "d5008");
	pt_call(&rep, p, "GET", "/v1/ledger", NULL);
	ck_assert_int_eq(pt_jint(&rep, "totals/JPY/count"), 1);
	ck_assert_int_eq(pt_jint(&rep, "totals/JPY/amount_cents"), 300000);
}
END_TEST

START_TEST(test_user_donations_in_creation_order)
{
	pt_call(&rep, p, "POST", "/v1/donations",
	    "{\"user_id\":\"u1001\",\"charity_id\":"
	    "\"ch-shelter\",\"amount_cents\":750,\"currency\":\"GBP\"}");
	ck_assert_int_eq(rep.status, 201);
	pt_call(&rep, p, "GET", "/v1/users/u1001/donations", NULL);
	ck_assert_int_eq(rep.status, 200);
	ck_assert_uint_eq(pt_jlen(&rep, "donations"), 3);
	ck_assert_str_eq(pt_jstr(&rep, "donations/0/id"), "d5001");
	ck_assert_str_eq(pt_jstr(&rep, "donations/1/id"), "d5003");
	ck_assert_str_eq(pt_jstr(&rep, "donations/2/id"), "d5007");

	pt_call(&rep, p, "GET", "/v1/users/u1005/donations", NULL);
	ck_assert_int_eq(rep.status, 200);
	ck_assert_uint_eq(pt_jlen(&rep, "donations"), 0);
}
END_TEST

START_TEST(test_user_list_reply_is_a_snapshot)
{
	json_t *before;

	pt_call(&rep, p, "GET", "/v1/users/u1002/donations", NULL);
	before = json_incref(rep.json);
	donate_as("u1002");
	ck_assert_int_eq(rep.status, 201);
	ck_assert_uint_eq(json_array_size(pt_jget(before, "donations")), 2);
	pt_call(&rep, p, "GET", "/v1/ledger", NULL);
	json_decref(before);
	before = json_incref(rep.json);
	donate_as("u1002");
	ck_assert_int_eq(
	    json_integer_value(pt_jget(before, "totals/EUR/count")), 3);
	ck_assert_int_eq(json_integer_value(pt_jget(before, "count")), 7);
	json_decref(before);
}
END_TEST

START_TEST(test_create_rejects_bad_fields)
{
	static const struct pt_invalid cases[] = {
		{ "{\"charity_id\":\"c\",\"amount_cents\":1,\"currency\":"
		  "\"EUR\"}",
		    "/user_id" },
		{ "{\"user_id\":\"u1\",\"amount_cents\":1,\"currency\":"
		  "\"EUR\"}",
		    "/charity_id" },
		{ "{\"user_id\":\"u1\",\"charity_id\":\"c\",\"currency\":"
		  "\"EUR\"}",
		    "/amount_cents" },
		{ "{\"user_id\":\"u1\",\"charity_id\":\"c\",\"amount_cents\":"
		  "1}",
		    "/currency" },
		{ "{\"user_id\":\"\",\"charity_id\":\"c\",\"amount_cents\":1,"
		  "\"currency\":\"EUR\"}",
		    "/user_id" },
		{ "{\"user_id\":1001,\"charity_id\":\"c\",\"amount_cents\":1,"
		  "\"currency\":\"EUR\"}",
		    "/user_id" },
		{ "{\"user_id\":\"u1\",\"charity_id\":7,\"amount_cents\":1,"
		  "\"currency\":\"EUR\"}",
		    "/charity_id" },
		{ "{\"user_id\":\"u1\",\"charity_id\":\"c\",\"amount_cents\":0,"
		  "\"currency\":\"EUR\"}",
		    "/amount_cents" },
		{ "{\"user_id\":\"u1\",\"charity_id\":\"c\",\"amount_cents\":-"
		  "5,"
		  "\"currency\":\"EUR\"}",
		    "/amount_cents" },
		{ "{\"user_id\":\"u1\",\"charity_id\":\"c\","
		  "\"amount_cents\":1000000001,\"currency\":\"EUR\"}",
		    "/amount_cents" },
		{ "{\"user_id\":\"u1\",\"charity_id\":\"c\",\"amount_cents\":"
		  "12.5,"
		  "\"currency\":\"EUR\"}",
		    "/amount_cents" },
		{ "{\"user_id\":\"u1\",\"charity_id\":\"c\",\"amount_cents\":"
		  "1e3,"
		  "\"currency\":\"EUR\"}",
		    "/amount_cents" },
		{ "{\"user_id\":\"u1\",\"charity_id\":\"c\",\"amount_cents\":"
		  "\"100\","
		  "\"currency\":\"EUR\"}",
		    "/amount_cents" },
		{ "{\"user_id\":\"u1\",\"charity_id\":\"c\",\"amount_cents\":"
		  "true,"
		  "\"currency\":\"EUR\"}",
		    "/amount_cents" },
		{ "{\"user_id\":\"u1\",\"charity_id\":\"c\",\"amount_cents\":1,"
		  "\"currency\":\"eur\"}",
		    "/currency" },
		{ "{\"user_id\":\"u1\",\"charity_id\":\"c\",\"amount_cents\":1,"
		  "\"currency\":\"EURO\"}",
		    "/currency" },
		{ "{\"user_id\":\"u1\",\"charity_id\":\"c\",\"amount_cents\":1,"
		  "\"currency\":\"E1R\"}",
		    "/currency" },
		{ "{\"user_id\":\"u1\",\"charity_id\":\"c\",\"amount_cents\":1,"
		  "\"currency\":\"ÉUR\"}",
		    "/currency" },
		{ "{\"user_id\":\"u1\",\"charity_id\":\"c\",\"amount_cents\":1,"
		  "\"currency\":978}",
		    "/currency" },
		{ "{\"user_id\":\"u1\",\"charity_id\":\"c\",\"amount_cents\":1,"
		  "\"currency\":\"EUR\",\"tip_cents\":100}",
		    "/tip_cents" },
		{ "[\"u1\",\"c\",1,\"EUR\"]", "/" },
	};

	pt_assert_invalid(&rep, p, "POST", "/v1/donations", cases,
	    sizeof cases / sizeof cases[0]);
	ck_assert_int_eq(ledger_count(), 6);
}
END_TEST

START_TEST(test_amount_bounds_are_inclusive)
{
	pt_call(&rep, p, "POST", "/v1/donations",
	    "{\"user_id\":\"u1\",\"charity_id\":\"c\","
	    "\"amount_cents\":1,\"currency\":\"CHF\"}");
	ck_assert_int_eq(rep.status, 201);
	pt_call(&rep, p, "POST", "/v1/donations",
	    "{\"user_id\":\"u1\",\"charity_id\":\"c\","
	    "\"amount_cents\":1000000000,\"currency\":\"CHF\"}");
	ck_assert_int_eq(rep.status, 201);
	pt_call(&rep, p, "GET", "/v1/ledger", NULL);
	ck_assert_int_eq(
	    pt_jint(&rep, "totals/CHF/amount_cents"), 1000000001LL);
}
END_TEST

START_TEST(test_malformed_json_is_400)
{
	pt_call(&rep, p, "POST", "/v1/donations", "{\"user_id\":\"u1\",");
	pt_assert_error(&rep, 400, "bad_json", NULL);
	ck_assert_ptr_nonnull(strstr(pt_jstr(&rep, "message"), "line 1"));
	ck_assert_int_eq(ledger_count(), 6);
}
END_TEST

START_TEST(test_idempotent_replay_returns_the_same_donation)
{
	char id[32];

	post_key("3f1c9a2e-7b44-4d0a-9c1e-5a2b8e6d4f10", DONATION);
	ck_assert_int_eq(rep.status, 201);
	ck_assert_str_eq(pt_header(&rep, "Idempotent-Replayed"), "(none)");
	snprintf(id, sizeof id, "%s", pt_jstr(&rep, "id"));

	/* The same request again, keys reordered and spaced differently. */
	post_key("3f1c9a2e-7b44-4d0a-9c1e-5a2b8e6d4f10",
	    "{ \"currency\": \"EUR\", \"amount_cents\": 2000, "
	    "\"charity_id\": \"ch-msf\", \"user_id\": \"u1004\" }");
	ck_assert_int_eq(rep.status, 201);
	ck_assert_str_eq(pt_jstr(&rep, "id"), id);
	ck_assert_str_eq(pt_header(&rep, "Idempotent-Replayed"), "true");
	ck_assert_str_eq(pt_header(&rep, "Location"), "/v1/donations/d5007");

	post_key("3f1c9a2e-7b44-4d0a-9c1e-5a2b8e6d4f10", DONATION);
	ck_assert_str_eq(pt_jstr(&rep, "id"), id);

	pt_call(&rep, p, "GET", "/v1/ledger", NULL);
	ck_assert_int_eq(pt_jint(&rep, "count"), 7);
	ck_assert_int_eq(pt_jint(&rep, "totals/EUR/amount_cents"), 12000);
	pt_call(&rep, p, "GET", "/v1/users/u1004/donations", NULL);
	ck_assert_uint_eq(pt_jlen(&rep, "donations"), 1);
}
END_TEST

START_TEST(test_same_key_other_body_is_409)
{
	post_key("order-77", DONATION);
	ck_assert_int_eq(rep.status, 201);
	post_key("order-77",
	    "{\"user_id\":\"u1004\",\"charity_id\":\"ch-msf\","
	    "\"amount_cents\":2001,\"currency\":\"EUR\"}");
	pt_assert_error(&rep, 409, "idempotency_conflict", NULL);
	ck_assert_ptr_nonnull(strstr(pt_jstr(&rep, "message"), "d5007"));
	ck_assert_int_eq(ledger_count(), 7);
	/* Other keys and no key are independent. */
	post_key("order-78", DONATION);
	ck_assert_str_eq(pt_jstr(&rep, "id"), "d5008");
	pt_call(&rep, p, "POST", "/v1/donations", DONATION);
	ck_assert_str_eq(pt_jstr(&rep, "id"), "d5009");
}
END_TEST

START_TEST(test_bad_idempotency_key_is_422_naming_the_header)
{
	char key[300];
	/* Empty, a control character, not ASCII, and 256 bytes long. */
	const char *const bad[] = { "", "tab\there", "caf\xc3\xa9", key };
	size_t i;

	memset(key, 'k', 256);
	key[256] = '\0';
	for (i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		post_key(bad[i], DONATION);
		pt_assert_error_for(
		    bad[i], &rep, 422, "invalid", "header:Idempotency-Key");
	}
	ck_assert_int_eq(ledger_count(), 6);
	key[255] = '\0';
	post_key(key, DONATION);
	ck_assert_int_eq(rep.status, 201);
	post_key("with spaces ~!", DONATION);
	ck_assert_int_eq(rep.status, 201);
}
END_TEST

START_TEST(test_failed_creations_are_not_remembered)
{
	post_key("retry-1",
	    "{\"user_id\":\"u1004\",\"charity_id\":\"ch-msf\","
	    "\"amount_cents\":0,\"currency\":\"EUR\"}");
	ck_assert_int_eq(rep.status, 422);
	post_key("retry-1", DONATION);
	ck_assert_int_eq(rep.status, 201);
	ck_assert_str_eq(pt_header(&rep, "Idempotent-Replayed"), "(none)");

	p->max_records = 7;
	post_key("retry-2", DONATION);
	pt_assert_error(&rep, 507, "store_full", NULL);
	p->max_records = 8;
	post_key("retry-2",
	    "{\"user_id\":\"u1004\",\"charity_id\":\"ch-msf\","
	    "\"amount_cents\":999,\"currency\":\"EUR\"}");
	ck_assert_int_eq(rep.status, 201);
	ck_assert_str_eq(pt_jstr(&rep, "id"), "d5008");
}
END_TEST

START_TEST(test_store_full_is_507_but_replays_still_answer)
{
	ck_assert_uint_eq(p->max_records, 100000);
	p->max_records = 7;
	post_key("last-one", DONATION);
	ck_assert_int_eq(rep.status, 201);
	pt_call(&rep, p, "POST", "/v1/donations", DONATION);
	pt_assert_error(&rep, 507, "store_full", NULL);
	post_key("last-one", DONATION);
	ck_assert_int_eq(rep.status, 201);
	ck_assert_str_eq(pt_jstr(&rep, "id"), "d5007");
	ck_assert_str_eq(pt_header(&rep, "Idempotent-Replayed"), "true");
	ck_assert_int_eq(ledger_count(), 7);
}
END_TEST

START_TEST(test_users_checked_against_ums_when_linked)
{
	/* Unlinked: any user id is taken. */
	donate_as("u9999");
	ck_assert_int_eq(rep.status, 201);
	pt_call(&rep, p, "GET", "/v1/users/u4242/donations", NULL);
	ck_assert_int_eq(rep.status, 200);

	persona_set_users_from(p, ums);
	donate_as("u9998");
	pt_assert_error(&rep, 422, "invalid", "/user_id");
	ck_assert_ptr_nonnull(strstr(pt_jstr(&rep, "message"), "u9998"));
	pt_call(&rep, p, "GET", "/v1/users/u4242/donations", NULL);
	pt_assert_error(&rep, 404, "not_found", NULL);
	pt_call(&rep, p, "POST", "/v1/donations", DONATION);
	ck_assert_int_eq(rep.status, 201);

	/* A user created in UMS can donate at once. */
	pt_call(&rep, ums, "POST", "/v1/users",
	    "{\"email\":\"new.donor@example.org\",\"name\":\"New Donor\"}");
	ck_assert_str_eq(pt_jstr(&rep, "id"), "u1009");
	donate_as("u1009");
	ck_assert_int_eq(rep.status, 201);

	persona_set_users_from(p, NULL);
	donate_as("u9998");
	ck_assert_int_eq(rep.status, 201);
}
END_TEST

START_TEST(test_users_from_must_be_a_ums)
{
	struct persona *other =
	    pt_make(PERSONA_FINANCIAL_ENGINE, "fin2", NULL, 0, 1);

	persona_set_users_from(p, other);
	donate_as("u9998");
	ck_assert_int_eq(rep.status, 201);
	persona_free(other);
}
END_TEST

START_TEST(test_reset_restores_ledger_ids_and_forgets_keys)
{
	post_key("before-reset", DONATION);
	ck_assert_str_eq(pt_jstr(&rep, "id"), "d5007");
	persona_reset(p);
	pt_call(&rep, p, "GET", "/v1/ledger", NULL);
	ck_assert_int_eq(pt_jint(&rep, "count"), 6);
	ck_assert_int_eq(pt_jint(&rep, "totals/EUR/amount_cents"), 10000);
	pt_call(&rep, p, "GET", "/v1/donations/d5007", NULL);
	ck_assert_int_eq(rep.status, 404);
	post_key("before-reset",
	    "{\"user_id\":\"u1001\",\"charity_id\":"
	    "\"ch-oxfam-gb\",\"amount_cents\":500,\"currency\":\"GBP\"}");
	ck_assert_int_eq(rep.status, 201);
	ck_assert_str_eq(pt_jstr(&rep, "id"), "d5007");
	ck_assert_str_eq(pt_header(&rep, "Idempotent-Replayed"), "(none)");
}
END_TEST

START_TEST(test_routes_and_methods)
{
	pt_call(&rep, p, "GET", "/v1/donations", NULL);
	pt_assert_error(&rep, 405, "method_not_allowed", NULL);
	ck_assert_str_eq(pt_header(&rep, "Allow"), "POST");
	pt_call(&rep, p, "DELETE", "/v1/donations/d5001", NULL);
	pt_assert_error(&rep, 405, "method_not_allowed", NULL);
	ck_assert_str_eq(pt_header(&rep, "Allow"), "GET, HEAD");
	pt_call(&rep, p, "GET", "/v1/users/u1001", NULL);
	pt_assert_error(&rep, 404, "not_found", NULL);
}
END_TEST

START_TEST(test_fixture_loader_refuses_bad_data)
{
	static const struct pt_bad_fixture cases[] = {
		{ "[", "1:" },
		{ "{\"gifts\": []}", "/donations" },
		{ "{\"donations\": [{\"id\": \"5001\"}]}", "/donations/0/id" },
		{ "{\"donations\": [{\"id\": \"d1\", \"amount_cents\": 0}]}",
		    "/donations/0/amount_cents" },
		{ "{\"donations\": [{\"id\": \"d1\", \"amount_cents\": 5,"
		  "\"currency\": \"eur\"}]}",
		    "/donations/0/currency" },
		{ "{\"donations\": [{\"id\": \"d1\", \"amount_cents\": 5,"
		  "\"currency\": \"EUR\", \"status\": \"refunded\"}]}",
		    "/donations/0/status" },
		{ "{\"donations\": [{\"id\": \"d1\", \"amount_cents\": 5,"
		  "\"currency\": \"EUR\", \"status\": \"succeeded\"}]}",
		    "/donations/0" },
	};

	pt_assert_loader(&fin_ops, cases, sizeof cases / sizeof cases[0],
	    "{\"donations\": []}");
}
END_TEST

/* The financial engine suite. */
static Suite *
fin_suite(void)
{
	Suite *s = suite_create("fin");
	TCase *tc;

	tc = tcase_create("read");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_get_fixture_donation);
	tcase_add_test(tc, test_get_unknown_donation_is_404);
	tcase_add_test(tc, test_get_returns_the_stored_object_without_copying);
	tcase_add_test(tc, test_fixture_ledger_totals);
	tcase_add_test(tc, test_fixture_donations_belong_to_fixture_users);
	tcase_add_test(tc, test_routes_and_methods);
	tcase_add_test(tc, test_fixture_loader_refuses_bad_data);
	suite_add_tcase(s, tc);

	tc = tcase_create("create");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_create_donation);
	tcase_add_test(tc, test_user_donations_in_creation_order);
	tcase_add_test(tc, test_user_list_reply_is_a_snapshot);
	tcase_add_test(tc, test_create_rejects_bad_fields);
	tcase_add_test(tc, test_amount_bounds_are_inclusive);
	tcase_add_test(tc, test_malformed_json_is_400);
	suite_add_tcase(s, tc);

	tc = tcase_create("idempotency");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_idempotent_replay_returns_the_same_donation);
	tcase_add_test(tc, test_same_key_other_body_is_409);
	tcase_add_test(tc, test_bad_idempotency_key_is_422_naming_the_header);
	tcase_add_test(tc, test_failed_creations_are_not_remembered);
	suite_add_tcase(s, tc);

	tc = tcase_create("store");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_store_full_is_507_but_replays_still_answer);
	tcase_add_test(tc, test_users_checked_against_ums_when_linked);
	tcase_add_test(tc, test_users_from_must_be_a_ums);
	tcase_add_test(tc, test_reset_restores_ledger_ids_and_forgets_keys);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	return pt_run(fin_suite());
}
