/*
 * check_fin.c: the financial engine persona through persona_handle():
 * donations, their validation, Idempotency-Key replays and conflicts,
 * per-user lists a page at a time, the ledger, users checked against UMS,
 * limits, what a donation costs the store, and reset.
 */
#include "config.h"

#include <malloc.h>
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
#include "util.h"

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

/* The compact JSON of the last reply's body (static; the next call reuses it). */
static const char *
body_text(void)
{
	static char buf[8192];
	char *text = json_dumps(rep.json, JSON_COMPACT);

	ck_assert_ptr_nonnull(text);
	snprintf(buf, sizeof buf, "%s", text);
	free(text);
	return buf;
}

START_TEST(test_answers_keep_their_bytes)
{
	static const char made[] =
	    "{\"id\":\"d5007\",\"user_id\":\"u1004\",\"charity_id\":"
	    "\"ch-msf\",\"amount_cents\":2000,\"currency\":\"EUR\","
	    "\"status\":\"succeeded\",\"created_at\":\"";
	char first[512];

	/* Built from the store's structs, byte for byte as they always were. */
	pt_call(&rep, p, "GET", "/v1/donations/d5002", NULL);
	ck_assert_str_eq(body_text(),
	    "{\"id\":\"d5002\",\"user_id\":\"u1002\",\"charity_id\":"
	    "\"ch-msf\",\"amount_cents\":5000,\"currency\":\"EUR\","
	    "\"status\":\"succeeded\",\"created_at\":"
	    "\"2024-02-02T18:11:47Z\"}");
	pt_call(&rep, p, "GET", "/v1/ledger", NULL);
	ck_assert_str_eq(body_text(),
	    "{\"count\":6,\"totals\":{"
	    "\"GBP\":{\"count\":2,\"amount_cents\":3500},"
	    "\"EUR\":{\"count\":2,\"amount_cents\":10000},"
	    "\"INR\":{\"count\":1,\"amount_cents\":150000},"
	    "\"USD\":{\"count\":1,\"amount_cents\":10000}}}");
	pt_call(&rep, p, "GET", "/v1/users/u1003/donations", NULL);
	ck_assert_str_eq(body_text(),
	    "{\"donations\":[{\"id\":\"d5004\",\"user_id\":\"u1003\","
	    "\"charity_id\":\"ch-goonj\",\"amount_cents\":150000,"
	    "\"currency\":\"INR\",\"status\":\"succeeded\","
	    "\"created_at\":\"2024-03-10T06:45:30Z\"}],\"next\":null}");

	post_key("bytes-1", DONATION);
	ck_assert_int_eq(rep.status, 201);
	snprintf(first, sizeof first, "%s", body_text());
	ck_assert_int_eq(strncmp(first, made, strlen(made)), 0);
	ck_assert_str_eq(first + strlen(made) + 20, "\"}");
	/* The replay and a read give the very same bytes. */
	post_key("bytes-1", DONATION);
	ck_assert_str_eq(body_text(), first);
	pt_call(&rep, p, "GET", "/v1/donations/d5007", NULL);
	ck_assert_str_eq(body_text(), first);
}
END_TEST

/*
 * A donation is answered from text written from its fields when its
 * strings need no escaping (pt_call holds those bytes to jansson's), and
 * through jansson when they do: quotes, backslashes, UTF-8.
 */
START_TEST(test_text_answers_and_escaped_ones)
{
	static const char *const charities[] = { "ch-\"quoted\"", "ch\\back",
		"ch-\xc3\xa9t\xc3\xa9", "ch-tab\x7f" };
	char body[256], key[32];
	size_t i;

	post_key("plain-1", DONATION);
	ck_assert_int_eq(rep.status, 201);
	ck_assert_int_eq(rep.raw_json, 1);
	for (i = 0; i < nitems(charities); i++) {
		json_t *c = json_string(charities[i]);
		char *q = json_dumps(c, JSON_ENCODE_ANY);

		snprintf(body, sizeof body,
		    "{\"user_id\":\"u1001\",\"charity_id\":%s,"
		    "\"amount_cents\":100,\"currency\":\"EUR\"}",
		    q);
		free(q);
		json_decref(c);
		snprintf(key, sizeof key, "escaped-%zu", i);
		pt_call_header(&rep, p, "POST", "/v1/donations", body,
		    "Idempotency-Key", key);
		if (strchr(charities[i], 0x7f) != NULL) {
			/* A control character is refused, not escaped. */
			ck_assert_int_eq(rep.status, 422);
			continue;
		}
		ck_assert_int_eq(rep.status, 201);
		ck_assert_int_eq(rep.raw_json, 0);
		ck_assert_str_eq(pt_jstr(&rep, "charity_id"), charities[i]);
	}
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
	struct fin_usage u;

	/* The financial engine's own cap, not PERSONA_MAX_RECORDS. */
	fin_usage(p, &u);
	ck_assert_uint_eq(u.limit, FIN_MAX_DONATIONS);
	ck_assert_uint_eq(FIN_MAX_DONATIONS, 1000000);
	p->max_records = 7;
	fin_usage(p, &u);
	ck_assert_uint_eq(u.limit, 7);
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

/* POST n donations with keys "PREFIX-i", users in turn from users[]. */
static void
donate_many(
    const char *prefix, size_t n, const char *const *users, size_t nusers)
{
	char body[256], key[64];
	size_t i;

	for (i = 0; i < n; i++) {
		snprintf(body, sizeof body,
		    "{\"user_id\":\"%s\",\"charity_id\":\"ch-%zu\","
		    "\"amount_cents\":%zu,\"currency\":\"%s\"}",
		    users[i % nusers], i % 3, 100 + i, i % 2 ? "EUR" : "GBP");
		/* 36 characters, the length of a UUID. */
		snprintf(key, sizeof key, "%s-%08zx-7b44-4d0a-9c1e-5a2b8e6d",
		    prefix, i);
		post_key(key, body);
		ck_assert_int_eq(rep.status, 201);
	}
}

/*
 * Walk a user's donations a page of limit at a time; the ids, in order,
 * joined by spaces into ids. Returns the number of pages.
 */
static size_t
walk_pages(const char *user, size_t limit, char *ids, size_t len)
{
	char target[256], cursor[64] = "";
	size_t pages = 0, off = 0, i, n;
	json_t *next;

	ids[0] = '\0';
	for (;;) {
		snprintf(target, sizeof target,
		    "/v1/users/%s/donations?limit=%zu%s%s", user, limit,
		    cursor[0] != '\0' ? "&after=" : "", cursor);
		pt_call(&rep, p, "GET", target, NULL);
		ck_assert_int_eq(rep.status, 200);
		pages++;
		n = pt_jlen(&rep, "donations");
		ck_assert_uint_le(n, limit);
		for (i = 0; i < n; i++) {
			snprintf(target, sizeof target, "donations/%zu/id", i);
			off += (size_t)snprintf(ids + off, len - off, "%s%s",
			    off > 0 ? " " : "", pt_jstr(&rep, target));
			ck_assert_uint_lt(off, len);
		}
		next = pt_jget(rep.json, "next");
		ck_assert_ptr_nonnull(next);
		if (json_is_null(next))
			return pages;
		/* A page that is not the last is full. */
		ck_assert_uint_eq(n, limit);
		ck_assert(json_is_string(next));
		snprintf(cursor, sizeof cursor, "%s", json_string_value(next));
	}
}

START_TEST(test_pages_walk_every_donation_once)
{
	static const char *const users[] = { "u1002", "u1006", "u1002" };
	static char ids[16384], want[16384];
	size_t off, n, i;

	donate_many("walk", 300, users, nitems(users));
	/* u1002: the fixture's d5002 and d5006, then two of every three. */
	off = (size_t)snprintf(want, sizeof want, "d5002 d5006");
	for (i = 0, n = 2; i < 300; i++) {
		if (i % 3 == 1)
			continue;
		off += (size_t)snprintf(
		    want + off, sizeof want - off, " d%zu", 5007 + i);
		n++;
	}
	ck_assert_uint_eq(n, 202);
	ck_assert_uint_eq(walk_pages("u1002", 7, ids, sizeof ids), 29);
	ck_assert_str_eq(ids, want);
	ck_assert_uint_eq(walk_pages("u1002", 202, ids, sizeof ids), 1);
	ck_assert_str_eq(ids, want);
	ck_assert_uint_eq(walk_pages("u1002", 1000, ids, sizeof ids), 1);
	ck_assert_str_eq(ids, want);
	ck_assert_uint_eq(walk_pages("u1002", 1, ids, sizeof ids), 202);
	ck_assert_str_eq(ids, want);
	/* Exactly a page's worth: the last page is that one, next is null. */
	ck_assert_uint_eq(walk_pages("u1002", 101, ids, sizeof ids), 2);
	ck_assert_uint_eq(walk_pages("u1001", 2, ids, sizeof ids), 1);
	ck_assert_str_eq(ids, "d5001 d5003");
	ck_assert_uint_eq(walk_pages("u1005", 10, ids, sizeof ids), 1);
	ck_assert_str_eq(ids, "");
}
END_TEST

START_TEST(test_default_page_is_100_and_the_most_is_1000)
{
	static const char *const users[] = { "u1007" };

	donate_many("big", 1200, users, nitems(users));
	pt_call(&rep, p, "GET", "/v1/users/u1007/donations", NULL);
	ck_assert_int_eq(rep.status, 200);
	ck_assert_uint_eq(pt_jlen(&rep, "donations"), 100);
	ck_assert_str_eq(pt_jstr(&rep, "donations/0/id"), "d5005");
	ck_assert(json_is_string(pt_jget(rep.json, "next")));
	pt_call(&rep, p, "GET", "/v1/users/u1007/donations?limit=1000", NULL);
	ck_assert_int_eq(rep.status, 200);
	ck_assert_uint_eq(pt_jlen(&rep, "donations"), 1000);
	ck_assert(json_is_string(pt_jget(rep.json, "next")));
	pt_call(&rep, p, "GET", "/v1/users/u1007/donations?limit=1001", NULL);
	pt_assert_error(&rep, 422, "invalid", "query:limit");
}
END_TEST

START_TEST(test_a_page_sees_donations_made_since_the_last)
{
	char target[128];

	pt_call(&rep, p, "GET", "/v1/users/u1001/donations?limit=1", NULL);
	ck_assert_str_eq(pt_jstr(&rep, "donations/0/id"), "d5001");
	snprintf(target, sizeof target, "/v1/users/u1001/donations?after=%s",
	    pt_jstr(&rep, "next"));
	donate_as("u1001");
	ck_assert_str_eq(pt_jstr(&rep, "id"), "d5007");
	pt_call(&rep, p, "GET", target, NULL);
	ck_assert_int_eq(rep.status, 200);
	ck_assert_uint_eq(pt_jlen(&rep, "donations"), 2);
	ck_assert_str_eq(pt_jstr(&rep, "donations/0/id"), "d5003");
	ck_assert_str_eq(pt_jstr(&rep, "donations/1/id"), "d5007");
	ck_assert(json_is_null(pt_jget(rep.json, "next")));
}
END_TEST

START_TEST(test_bad_limits_are_422)
{
	static const char *const bad[] = { "0", "-1", "abc", "1001", "1.5", "",
		"10x", "+5", "%zz", "99999999999999999999", "1e3" };
	char target[128];
	size_t i;

	for (i = 0; i < nitems(bad); i++) {
		snprintf(target, sizeof target,
		    "/v1/users/u1001/donations?limit=%s", bad[i]);
		pt_call(&rep, p, "GET", target, NULL);
		pt_assert_error_for(
		    bad[i], &rep, 422, "invalid", "query:limit");
	}
	pt_call(&rep, p, "GET", "/v1/users/u1001/donations?limit", NULL);
	pt_assert_error(&rep, 422, "invalid", "query:limit");
	pt_call(&rep, p, "GET", "/v1/users/u1001/donations?limit=1000", NULL);
	ck_assert_int_eq(rep.status, 200);
	pt_call(&rep, p, "GET", "/v1/users/u1001/donations?limit=1", NULL);
	ck_assert_int_eq(rep.status, 200);
}
END_TEST

START_TEST(test_bad_cursors_are_422)
{
	static const char *const bad[] = { "", "x", "c", "c0", "c01389",
		"C1389", "c138G", "c1389A", "c123456789", "d5001", "%zz" };
	char target[128], cursor[64];
	size_t i;

	for (i = 0; i < nitems(bad); i++) {
		snprintf(target, sizeof target,
		    "/v1/users/u1001/donations?after=%s", bad[i]);
		pt_call(&rep, p, "GET", target, NULL);
		pt_assert_error_for(
		    bad[i], &rep, 422, "invalid", "query:after");
	}
	/* Well formed, but another user's donation, or none at all. */
	pt_call(&rep, p, "GET", "/v1/users/u1002/donations?limit=1", NULL);
	snprintf(cursor, sizeof cursor, "%s", pt_jstr(&rep, "next"));
	snprintf(target, sizeof target, "/v1/users/u1001/donations?after=%s",
	    cursor);
	pt_call(&rep, p, "GET", target, NULL);
	pt_assert_error(&rep, 422, "invalid", "query:after");
	snprintf(target, sizeof target, "/v1/users/u4242/donations?after=%s",
	    cursor);
	pt_call(&rep, p, "GET", target, NULL);
	pt_assert_error(&rep, 422, "invalid", "query:after");
	pt_call(
	    &rep, p, "GET", "/v1/users/u1001/donations?after=cffffff", NULL);
	pt_assert_error(&rep, 422, "invalid", "query:after");

	/* A cursor does not outlive a reset. */
	donate_as("u1001");
	donate_as("u1001");
	pt_call(&rep, p, "GET", "/v1/users/u1001/donations?limit=3", NULL);
	snprintf(cursor, sizeof cursor, "%s", pt_jstr(&rep, "next"));
	snprintf(target, sizeof target, "/v1/users/u1001/donations?after=%s",
	    cursor);
	pt_call(&rep, p, "GET", target, NULL);
	ck_assert_int_eq(rep.status, 200);
	ck_assert_str_eq(pt_jstr(&rep, "donations/0/id"), "d5008");
	persona_reset(p);
	pt_call(&rep, p, "GET", target, NULL);
	pt_assert_error(&rep, 422, "invalid", "query:after");
}
END_TEST

START_TEST(test_paging_with_users_from)
{
	persona_set_users_from(p, ums);
	pt_call(&rep, p, "GET", "/v1/users/u4242/donations?limit=0", NULL);
	pt_assert_error(&rep, 404, "not_found", NULL);
	pt_call(&rep, p, "GET", "/v1/users/u1001/donations?limit=0", NULL);
	pt_assert_error(&rep, 422, "invalid", "query:limit");
}
END_TEST

/* Bytes in use from malloc, as glibc counts them (0 where it cannot). */
static size_t
heap_in_use(void)
{
#if defined(__GLIBC__) && (__GLIBC__ > 2 || __GLIBC_MINOR__ >= 33)
	struct mallinfo2 mi = mallinfo2();

	return mi.uordblks + mi.hblkhd;
#else
	return 0;
#endif
}

START_TEST(test_a_donation_costs_under_300_bytes)
{
	static const char *const users[] = { "u1001", "u1002", "u1003", "u1004",
		"u1006" };
	struct fin_usage before, after;
	size_t heap0, heap1, n = 20000, per;

	fin_usage(p, &before);
	ck_assert_uint_eq(before.donations, 6);
	heap0 = heap_in_use();
	donate_many("cost", n, users, nitems(users));
	heap1 = heap_in_use();
	fin_usage(p, &after);
	ck_assert_uint_eq(after.donations, 6 + n);
	/* Struct, key, index entries, interned strings: all included. */
	per = (after.bytes - before.bytes) / n;
	printf("fin: %zu bytes a donation as the store counts, %zu by the "
	       "heap\n",
	    per, heap1 > heap0 ? (heap1 - heap0) / n : (size_t)0);
	ck_assert_uint_lt(per, 300);
	/* The allocator agrees, where it can tell (not under ASan). */
	if (heap1 > heap0)
		ck_assert_uint_lt((heap1 - heap0) / n, 300);
	/* A store is freed by chunks: a few dozen here, not 20,000 blocks. */
	ck_assert_uint_lt(after.allocs, 64);
}
END_TEST

START_TEST(test_reset_of_a_full_store_gives_back_the_fixtures)
{
	static const char *const users[] = { "u1001", "u1003", "u1008" };
	struct persona *fresh;
	struct fin_usage u, want;
	char ids[64];

	p->max_records = 3000;
	donate_many("full", 3000 - 6, users, nitems(users));
	donate_as("u1002");
	pt_assert_error(&rep, 507, "store_full", NULL);
	ck_assert_ptr_nonnull(strstr(pt_jstr(&rep, "message"), "3000"));

	persona_reset(p);
	fresh = pt_make(PERSONA_FINANCIAL_ENGINE, "fin", NULL, 0, 1);
	ck_assert_ptr_nonnull(fresh);
	fin_usage(p, &u);
	fin_usage(fresh, &want);
	ck_assert_uint_eq(u.donations, 6);
	ck_assert_uint_eq(u.bytes, want.bytes);
	ck_assert_uint_eq(u.allocs, want.allocs);
	persona_free(fresh);

	pt_call(&rep, p, "GET", "/v1/ledger", NULL);
	ck_assert_str_eq(body_text(),
	    "{\"count\":6,\"totals\":{"
	    "\"GBP\":{\"count\":2,\"amount_cents\":3500},"
	    "\"EUR\":{\"count\":2,\"amount_cents\":10000},"
	    "\"INR\":{\"count\":1,\"amount_cents\":150000},"
	    "\"USD\":{\"count\":1,\"amount_cents\":10000}}}");
	pt_call(&rep, p, "GET", "/v1/donations/d5007", NULL);
	ck_assert_int_eq(rep.status, 404);
	ck_assert_uint_eq(walk_pages("u1001", 100, ids, sizeof ids), 1);
	ck_assert_str_eq(ids, "d5001 d5003");
	ck_assert_uint_eq(walk_pages("u1008", 100, ids, sizeof ids), 1);
	ck_assert_str_eq(ids, "");
	/* Keys are forgotten: the first one makes a new donation, d5007. */
	post_key("full-00000000-7b44-4d0a-9c1e-5a2b8e6d",
	    "{\"user_id\":\"u1004\",\"charity_id\":\"ch-msf\","
	    "\"amount_cents\":1,\"currency\":\"CHF\"}");
	ck_assert_int_eq(rep.status, 201);
	ck_assert_str_eq(pt_jstr(&rep, "id"), "d5007");
	ck_assert_str_eq(pt_header(&rep, "Idempotent-Replayed"), "(none)");
}
END_TEST

START_TEST(test_replays_and_conflicts_across_many_keys)
{
	static const char *const users[] = { "u1001", "u1002" };
	char body[256];

	donate_many("many", 5000, users, nitems(users));
	/* Key 1234 made d(5007 + 1234) for u1001, ch-1, 1334 cents, GBP. */
	snprintf(body, sizeof body,
	    "{\"user_id\":\"u1001\",\"charity_id\":\"ch-1\","
	    "\"amount_cents\":1334,\"currency\":\"GBP\"}");
	post_key("many-000004d2-7b44-4d0a-9c1e-5a2b8e6d", body);
	ck_assert_int_eq(rep.status, 201);
	ck_assert_str_eq(pt_jstr(&rep, "id"), "d6241");
	ck_assert_str_eq(pt_header(&rep, "Idempotent-Replayed"), "true");
	/* Each field counts: another user, charity, amount or currency. */
	post_key("many-000004d2-7b44-4d0a-9c1e-5a2b8e6d",
	    "{\"user_id\":\"u1002\",\"charity_id\":\"ch-1\","
	    "\"amount_cents\":1334,\"currency\":\"GBP\"}");
	pt_assert_error(&rep, 409, "idempotency_conflict", NULL);
	post_key("many-000004d2-7b44-4d0a-9c1e-5a2b8e6d",
	    "{\"user_id\":\"u1001\",\"charity_id\":\"ch-2\","
	    "\"amount_cents\":1334,\"currency\":\"GBP\"}");
	pt_assert_error(&rep, 409, "idempotency_conflict", NULL);
	post_key("many-000004d2-7b44-4d0a-9c1e-5a2b8e6d",
	    "{\"user_id\":\"u1001\",\"charity_id\":\"ch-1\","
	    "\"amount_cents\":1335,\"currency\":\"GBP\"}");
	pt_assert_error(&rep, 409, "idempotency_conflict", NULL);
	post_key("many-000004d2-7b44-4d0a-9c1e-5a2b8e6d",
	    "{\"user_id\":\"u1001\",\"charity_id\":\"ch-1\","
	    "\"amount_cents\":1334,\"currency\":\"EUR\"}");
	pt_assert_error(&rep, 409, "idempotency_conflict", NULL);
	ck_assert_ptr_nonnull(strstr(pt_jstr(&rep, "message"), "d6241"));
	ck_assert_int_eq(ledger_count(), 5006);
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
	tcase_add_test(tc, test_answers_keep_their_bytes);
	tcase_add_test(tc, test_text_answers_and_escaped_ones);
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
	tcase_add_test(tc, test_a_donation_costs_under_300_bytes);
	tcase_add_test(tc, test_reset_of_a_full_store_gives_back_the_fixtures);
	tcase_add_test(tc, test_replays_and_conflicts_across_many_keys);
	suite_add_tcase(s, tc);

	tc = tcase_create("pages");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_pages_walk_every_donation_once);
	tcase_add_test(tc, test_default_page_is_100_and_the_most_is_1000);
	tcase_add_test(tc, test_a_page_sees_donations_made_since_the_last);
	tcase_add_test(tc, test_bad_limits_are_422);
	tcase_add_test(tc, test_bad_cursors_are_422);
	tcase_add_test(tc, test_paging_with_users_from);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	return pt_run(fin_suite());
}
