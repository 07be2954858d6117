/*
 * check_fin.c: the financial engine persona through persona_handle():
 * donations, their validation, Idempotency-Key replays and conflicts,
 * per-user lists, the ledger, users checked against UMS, limits and reset.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <check.h>
#include <jansson.h>

#include "fin.h"
#include "persona.h"
#include "persona_impl.h"
#include "reply.h"
#include "request.h"
#include "scenario.h"

#define DONATION \
	"{\"user_id\":\"u1004\",\"charity_id\":\"ch-msf\"," \
	"\"amount_cents\":2000,\"currency\":\"EUR\"}"

static struct persona *p, *ums;
static struct reply rep;

/* Make a persona of a kind for the named service. */
static struct persona *
make(enum persona_kind kind, const char *name)
{
	struct service_conf conf;
	char buf[32];

	snprintf(buf, sizeof buf, "%s", name);
	memset(&conf, 0, sizeof conf);
	conf.name = buf;
	conf.persona = kind;
	return persona_new(&conf, 1);
}

/* Make the financial engine "fin" (and a UMS "ums", not yet linked). */
static void
setup(void)
{
	p = make(PERSONA_FINANCIAL_ENGINE, "fin");
	ck_assert_ptr_nonnull(p);
	ums = make(PERSONA_UMS, "ums");
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

/* Send one request to a persona, with one optional header. */
static void
call_to(struct persona *to, const char *method, const char *path,
    const char *body, const char *hname, const char *hvalue)
{
	struct request_header h;
	struct request rq;

	reply_release(&rep);
	memset(&rq, 0, sizeof rq);
	rq.method = method;
	rq.path = path;
	rq.body = body;
	rq.body_len = body != NULL ? strlen(body) : 0;
	if (hname != NULL) {
		h.name = hname;
		h.value = hvalue;
		rq.headers = &h;
		rq.nheaders = 1;
	}
	persona_handle(to, NULL, 0, &rq, &rep);
}

/* Send one request to the financial engine. */
static void
call(const char *method, const char *path, const char *body)
{
	call_to(p, method, path, body, NULL, NULL);
}

/* POST a donation with an Idempotency-Key. */
static void
post_key(const char *key, const char *body)
{
	call_to(p, "POST", "/v1/donations", body, "Idempotency-Key", key);
}

/* The value at a slash-separated path ("totals/EUR/count"). */
static json_t *
jget(json_t *v, const char *path)
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

/* A string of the last reply's body, or "(none)". */
static const char *
jstr(const char *path)
{
	const char *s = json_string_value(jget(rep.json, path));

	return s != NULL ? s : "(none)";
}

/* An integer of the last reply's body, or -1. */
static long long
jint(const char *path)
{
	json_t *v = jget(rep.json, path);

	return json_is_integer(v) ? (long long)json_integer_value(v) : -1;
}

/* The value of a header of the last reply, or "(none)". */
static const char *
rheader(const char *name)
{
	static char value[512];
	const char *line = rep.headers, *end;
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

/* Assert the last reply is an error with this status, code and field. */
static void
assert_error(int status, const char *code, const char *field)
{
	ck_assert_int_eq(rep.status, status);
	ck_assert_str_eq(jstr("error"), code);
	ck_assert_ptr_nonnull(json_string_value(jget(rep.json, "message")));
	if (field != NULL)
		ck_assert_str_eq(jstr("field"), field);
}

/* The ledger's count of donations. */
static long long
ledger_count(void)
{
	call("GET", "/v1/ledger", NULL);
	ck_assert_int_eq(rep.status, 200);
	return jint("count");
}

START_TEST(test_get_fixture_donation)
{
	call("GET", "/v1/donations/d5002", NULL);
	ck_assert_int_eq(rep.status, 200);
	ck_assert_str_eq(jstr("id"), "d5002");
	ck_assert_str_eq(jstr("user_id"), "u1002");
	ck_assert_str_eq(jstr("charity_id"), "ch-msf");
	ck_assert_int_eq(jint("amount_cents"), 5000);
	ck_assert_str_eq(jstr("currency"), "EUR");
	ck_assert_str_eq(jstr("status"), "succeeded");
	ck_assert_str_eq(jstr("created_at"), "2024-02-02T18:11:47Z");
}
END_TEST

START_TEST(test_get_unknown_donation_is_404)
{
	call("GET", "/v1/donations/d1", NULL);
	assert_error(404, "not_found", NULL);
	ck_assert_ptr_nonnull(strstr(jstr("message"), "d1"));
}
END_TEST

START_TEST(test_get_returns_the_stored_object_without_copying)
{
	json_t *first;

	call("GET", "/v1/donations/d5001", NULL);
	first = json_incref(rep.json);
	call("GET", "/v1/donations/d5001", NULL);
	ck_assert_ptr_eq(rep.json, first);
	json_decref(first);
}
END_TEST

START_TEST(test_fixture_ledger_totals)
{
	call("GET", "/v1/ledger", NULL);
	ck_assert_int_eq(rep.status, 200);
	ck_assert_int_eq(jint("count"), 6);
	ck_assert_uint_eq(json_object_size(jget(rep.json, "totals")), 4);
	ck_assert_int_eq(jint("totals/GBP/count"), 2);
	ck_assert_int_eq(jint("totals/GBP/amount_cents"), 3500);
	ck_assert_int_eq(jint("totals/EUR/count"), 2);
	ck_assert_int_eq(jint("totals/EUR/amount_cents"), 10000);
	ck_assert_int_eq(jint("totals/INR/count"), 1);
	ck_assert_int_eq(jint("totals/INR/amount_cents"), 150000);
	ck_assert_int_eq(jint("totals/USD/count"), 1);
	ck_assert_int_eq(jint("totals/USD/amount_cents"), 10000);
}
END_TEST

START_TEST(test_fixture_donations_belong_to_fixture_users)
{
	json_t *d;
	char path[64];
	int n;

	for (n = 5001;; n++) {
		snprintf(path, sizeof path, "/v1/donations/d%d", n);
		call("GET", path, NULL);
		if (rep.status == 404)
			break;
		d = json_incref(rep.json);
		snprintf(path, sizeof path, "/v1/users/%s",
		    json_string_value(json_object_get(d, "user_id")));
		call_to(ums, "GET", path, NULL, NULL, NULL);
		ck_assert_msg(rep.status == 200, "%s", path);
		json_decref(d);
	}
	ck_assert_int_eq(n, 5007);
}
END_TEST

START_TEST(test_create_donation)
{
	call("POST", "/v1/donations", DONATION);
	ck_assert_int_eq(rep.status, 201);
	ck_assert_str_eq(rheader("Location"), "/v1/donations/d5007");
	ck_assert_str_eq(rheader("Idempotent-Replayed"), "(none)");
	ck_assert_str_eq(jstr("id"), "d5007");
	ck_assert_str_eq(jstr("user_id"), "u1004");
	ck_assert_str_eq(jstr("charity_id"), "ch-msf");
	ck_assert_int_eq(jint("amount_cents"), 2000);
	ck_assert_str_eq(jstr("currency"), "EUR");
	ck_assert_str_eq(jstr("status"), "succeeded");
	ck_assert_uint_eq(strlen(jstr("created_at")), 20);
	ck_assert_int_eq(jstr("created_at")[10], 'T');

	call("GET", "/v1/donations/d5007", NULL);
	ck_assert_int_eq(rep.status, 200);
	ck_assert_str_eq(jstr("user_id"), "u1004");
	call("GET", "/v1/ledger", NULL);
	ck_assert_int_eq(jint("count"), 7);
	ck_assert_int_eq(jint("totals/EUR/count"), 3);
	ck_assert_int_eq(jint("totals/EUR/amount_cents"), 12000);

	call("POST", "/v1/donations",
	    "{\"user_id\":\"u1006\",\"charity_id\":"
	    "\"ch-jrc\",\"amount_cents\":300000,\"currency\":\"JPY\"}");
	ck_assert_str_eq(jstr("id"), "d5008");
	call("GET", "/v1/ledger", NULL);
	ck_assert_int_eq(jint("totals/JPY/count"), 1);
	ck_assert_int_eq(jint("totals/JPY/amount_cents"), 300000);
}
END_TEST

START_TEST(test_user_donations_in_creation_order)
{
	call("POST", "/v1/donations",
	    "{\"user_id\":\"u1001\",\"charity_id\":"
	    "\"ch-shelter\",\"amount_cents\":750,\"currency\":\"GBP\"}");
	ck_assert_int_eq(rep.status, 201);
	call("GET", "/v1/users/u1001/donations", NULL);
	ck_assert_int_eq(rep.status, 200);
	ck_assert_uint_eq(json_array_size(jget(rep.json, "donations")), 3);
	ck_assert_str_eq(jstr("donations/0/id"), "d5001");
	ck_assert_str_eq(jstr("donations/1/id"), "d5003");
	ck_assert_str_eq(jstr("donations/2/id"), "d5007");

	call("GET", "/v1/users/u1005/donations", NULL);
	ck_assert_int_eq(rep.status, 200);
	ck_assert_uint_eq(json_array_size(jget(rep.json, "donations")), 0);
}
END_TEST

START_TEST(test_user_list_reply_is_a_snapshot)
{
	json_t *before;

	call("GET", "/v1/users/u1002/donations", NULL);
	before = json_incref(rep.json);
	call("POST", "/v1/donations",
	    "{\"user_id\":\"u1002\",\"charity_id\":"
	    "\"ch-msf\",\"amount_cents\":100,\"currency\":\"EUR\"}");
	ck_assert_int_eq(rep.status, 201);
	ck_assert_uint_eq(json_array_size(jget(before, "donations")), 2);
	call("GET", "/v1/ledger", NULL);
	json_decref(before);
	before = json_incref(rep.json);
	call("POST", "/v1/donations",
	    "{\"user_id\":\"u1002\",\"charity_id\":"
	    "\"ch-msf\",\"amount_cents\":100,\"currency\":\"EUR\"}");
	ck_assert_int_eq(
	    json_integer_value(jget(before, "totals/EUR/count")), 3);
	ck_assert_int_eq(json_integer_value(jget(before, "count")), 7);
	json_decref(before);
}
END_TEST

START_TEST(test_create_rejects_bad_fields)
{
	static const struct {
		const char *body;
		const char *field;
	} cases[] = {
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
	size_t i;

	for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		call("POST", "/v1/donations", cases[i].body);
		ck_assert_msg(
		    rep.status == 422, "%s: %d", cases[i].body, rep.status);
		ck_assert_str_eq(jstr("error"), "invalid");
		ck_assert_str_eq(jstr("field"), cases[i].field);
	}
	ck_assert_int_eq(ledger_count(), 6);
}
END_TEST

START_TEST(test_amount_bounds_are_inclusive)
{
	call("POST", "/v1/donations",
	    "{\"user_id\":\"u1\",\"charity_id\":\"c\","
	    "\"amount_cents\":1,\"currency\":\"CHF\"}");
	ck_assert_int_eq(rep.status, 201);
	call("POST", "/v1/donations",
	    "{\"user_id\":\"u1\",\"charity_id\":\"c\","
	    "\"amount_cents\":1000000000,\"currency\":\"CHF\"}");
	ck_assert_int_eq(rep.status, 201);
	call("GET", "/v1/ledger", NULL);
	ck_assert_int_eq(jint("totals/CHF/amount_cents"), 1000000001LL);
}
END_TEST

START_TEST(test_malformed_json_is_400)
{
	call("POST", "/v1/donations", "{\"user_id\":\"u1\",");
	assert_error(400, "bad_json", NULL);
	ck_assert_ptr_nonnull(strstr(jstr("message"), "line 1"));
	ck_assert_int_eq(ledger_count(), 6);
}
END_TEST

START_TEST(test_idempotent_replay_returns_the_same_donation)
{
	char id[32];

	post_key("3f1c9a2e-7b44-4d0a-9c1e-5a2b8e6d4f10", DONATION);
	ck_assert_int_eq(rep.status, 201);
	ck_assert_str_eq(rheader("Idempotent-Replayed"), "(none)");
	snprintf(id, sizeof id, "%s", jstr("id"));

	/* The same request again, keys reordered and spaced differently. */
	post_key("3f1c9a2e-7b44-4d0a-9c1e-5a2b8e6d4f10",
	    "{ \"currency\": \"EUR\", \"amount_cents\": 2000, "
	    "\"charity_id\": \"ch-msf\", \"user_id\": \"u1004\" }");
	ck_assert_int_eq(rep.status, 201);
	ck_assert_str_eq(jstr("id"), id);
	ck_assert_str_eq(rheader("Idempotent-Replayed"), "true");
	ck_assert_str_eq(rheader("Location"), "/v1/donations/d5007");

	post_key("3f1c9a2e-7b44-4d0a-9c1e-5a2b8e6d4f10", DONATION);
	ck_assert_str_eq(jstr("id"), id);

	call("GET", "/v1/ledger", NULL);
	ck_assert_int_eq(jint("count"), 7);
	ck_assert_int_eq(jint("totals/EUR/amount_cents"), 12000);
	call("GET", "/v1/users/u1004/donations", NULL);
	ck_assert_uint_eq(json_array_size(jget(rep.json, "donations")), 1);
}
END_TEST

START_TEST(test_same_key_other_body_is_409)
{
	post_key("order-77", DONATION);
	ck_assert_int_eq(rep.status, 201);
	post_key("order-77",
	    "{\"user_id\":\"u1004\",\"charity_id\":\"ch-msf\","
	    "\"amount_cents\":2001,\"currency\":\"EUR\"}");
	assert_error(409, "idempotency_conflict", NULL);
	ck_assert_ptr_nonnull(strstr(jstr("message"), "d5007"));
	ck_assert_int_eq(ledger_count(), 7);
	/* Other keys and no key are independent. */
	post_key("order-78", DONATION);
	ck_assert_str_eq(jstr("id"), "d5008");
	call("POST", "/v1/donations", DONATION);
	ck_assert_str_eq(jstr("id"), "d5009");
}
END_TEST

START_TEST(test_bad_idempotency_key_is_422_naming_the_header)
{
	char key[300];

	post_key("", DONATION);
	assert_error(422, "invalid", "header:Idempotency-Key");
	post_key("tab\there", DONATION);
	assert_error(422, "invalid", "header:Idempotency-Key");
	post_key("caf\xc3\xa9", DONATION);
	assert_error(422, "invalid", "header:Idempotency-Key");
	memset(key, 'k', 256);
	key[256] = '\0';
	post_key(key, DONATION);
	assert_error(422, "invalid", "header:Idempotency-Key");
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
	ck_assert_str_eq(rheader("Idempotent-Replayed"), "(none)");

	p->max_records = 7;
	post_key("retry-2", DONATION);
	assert_error(507, "store_full", NULL);
	p->max_records = 8;
	post_key("retry-2",
	    "{\"user_id\":\"u1004\",\"charity_id\":\"ch-msf\","
	    "\"amount_cents\":999,\"currency\":\"EUR\"}");
	ck_assert_int_eq(rep.status, 201);
	ck_assert_str_eq(jstr("id"), "d5008");
}
END_TEST

START_TEST(test_store_full_is_507_but_replays_still_answer)
{
	ck_assert_uint_eq(p->max_records, 100000);
	p->max_records = 7;
	post_key("last-one", DONATION);
	ck_assert_int_eq(rep.status, 201);
	call("POST", "/v1/donations", DONATION);
	assert_error(507, "store_full", NULL);
	post_key("last-one", DONATION);
	ck_assert_int_eq(rep.status, 201);
	ck_assert_str_eq(jstr("id"), "d5007");
	ck_assert_str_eq(rheader("Idempotent-Replayed"), "true");
	ck_assert_int_eq(ledger_count(), 7);
}
END_TEST

START_TEST(test_users_checked_against_ums_when_linked)
{
	/* Unlinked: any user id is taken. */
	call("POST", "/v1/donations",
	    "{\"user_id\":\"u9999\",\"charity_id\":"
	    "\"ch-msf\",\"amount_cents\":100,\"currency\":\"EUR\"}");
	ck_assert_int_eq(rep.status, 201);
	call("GET", "/v1/users/u4242/donations", NULL);
	ck_assert_int_eq(rep.status, 200);

	persona_set_users_from(p, ums);
	call("POST", "/v1/donations",
	    "{\"user_id\":\"u9998\",\"charity_id\":"
	    "\"ch-msf\",\"amount_cents\":100,\"currency\":\"EUR\"}");
	assert_error(422, "invalid", "/user_id");
	ck_assert_ptr_nonnull(strstr(jstr("message"), "u9998"));
	call("GET", "/v1/users/u4242/donations", NULL);
	assert_error(404, "not_found", NULL);
	call("POST", "/v1/donations", DONATION);
	ck_assert_int_eq(rep.status, 201);

	/* A user created in UMS can donate at once. */
	call_to(ums, "POST", "/v1/users",
	    "{\"email\":\"new.donor@example.org\",\"name\":\"New Donor\"}",
	    NULL, NULL);
	ck_assert_str_eq(jstr("id"), "u1009");
	call("POST", "/v1/donations",
	    "{\"user_id\":\"u1009\",\"charity_id\":"
	    "\"ch-msf\",\"amount_cents\":100,\"currency\":\"EUR\"}");
	ck_assert_int_eq(rep.status, 201);

	persona_set_users_from(p, NULL);
	call("POST", "/v1/donations",
	    "{\"user_id\":\"u9998\",\"charity_id\":"
	    "\"ch-msf\",\"amount_cents\":100,\"currency\":\"EUR\"}");
	ck_assert_int_eq(rep.status, 201);
}
END_TEST

START_TEST(test_users_from_must_be_a_ums)
{
	struct persona *other = make(PERSONA_FINANCIAL_ENGINE, "fin2");

	persona_set_users_from(p, other);
	call("POST", "/v1/donations",
	    "{\"user_id\":\"u9998\",\"charity_id\":"
	    "\"ch-msf\",\"amount_cents\":100,\"currency\":\"EUR\"}");
	ck_assert_int_eq(rep.status, 201);
	persona_free(other);
}
END_TEST

START_TEST(test_reset_restores_ledger_ids_and_forgets_keys)
{
	post_key("before-reset", DONATION);
	ck_assert_str_eq(jstr("id"), "d5007");
	persona_reset(p);
	call("GET", "/v1/ledger", NULL);
	ck_assert_int_eq(jint("count"), 6);
	ck_assert_int_eq(jint("totals/EUR/amount_cents"), 10000);
	call("GET", "/v1/donations/d5007", NULL);
	ck_assert_int_eq(rep.status, 404);
	post_key("before-reset",
	    "{\"user_id\":\"u1001\",\"charity_id\":"
	    "\"ch-oxfam-gb\",\"amount_cents\":500,\"currency\":\"GBP\"}");
	ck_assert_int_eq(rep.status, 201);
	ck_assert_str_eq(jstr("id"), "d5007");
	ck_assert_str_eq(rheader("Idempotent-Replayed"), "(none)");
}
END_TEST

START_TEST(test_routes_and_methods)
{
	call("GET", "/v1/donations", NULL);
	assert_error(405, "method_not_allowed", NULL);
	ck_assert_str_eq(rheader("Allow"), "POST");
	call("DELETE", "/v1/donations/d5001", NULL);
	assert_error(405, "method_not_allowed", NULL);
	ck_assert_str_eq(rheader("Allow"), "GET, HEAD");
	call("GET", "/v1/users/u1001", NULL);
	assert_error(404, "not_found", NULL);
}
END_TEST

START_TEST(test_fixture_loader_refuses_bad_data)
{
	static const struct {
		const char *text;
		const char *cause_has;
	} cases[] = {
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
	char *cause;
	void *store;
	size_t i;

	for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		cause = NULL;
		store =
		    fin_ops.load(cases[i].text, strlen(cases[i].text), &cause);
		ck_assert_msg(store == NULL, "%s was loaded", cases[i].text);
		ck_assert_ptr_nonnull(cause);
		ck_assert_msg(strstr(cause, cases[i].cause_has) != NULL,
		    "%s: %s", cases[i].text, cause);
		free(cause);
	}
	store = fin_ops.load(
	    "{\"donations\": []}", strlen("{\"donations\": []}"), &cause);
	ck_assert_ptr_nonnull(store);
	fin_ops.free(store);
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
	SRunner *sr = srunner_create(fin_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
