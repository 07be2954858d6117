/*
 * check_ums.c: the UMS persona through persona_handle(): the fixture
 * users, lookup by id and e-mail, creation, patching, validation, the
 * store's limit and reset.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <check.h>
#include <jansson.h>

#include "persona.h"
#include "persona_impl.h"
#include "persona_test.h"
#include "reply.h"
#include "request.h"
#include "scenario.h"
#include "ums.h"

static struct persona *p;
static struct reply rep;

/* Make the UMS persona of service "ums" with the default versions. */
static void
setup(void)
{
	p = pt_make(PERSONA_UMS, "ums", NULL, 0, 1);
	ck_assert_ptr_nonnull(p);
	reply_init(&rep);
}

/* Free the persona and the last reply. */
static void
teardown(void)
{
	reply_release(&rep);
	persona_free(p);
	p = NULL;
}

/* POST a user named X with this address. */
static void
post_email(const char *email)
{
	char body[256];

	snprintf(body, sizeof body, "{\"email\":\"%s\",\"name\":\"X\"}", email);
	pt_call(&rep, p, "POST", "/v1/users", body);
}

START_TEST(test_get_fixture_user_with_profile)
{
	pt_call(&rep, p, "GET", "/v1/users/u1001", NULL);
	ck_assert_int_eq(rep.status, 200);
	ck_assert_str_eq(pt_jstr(&rep, "id"), "u1001");
	ck_assert_str_eq(pt_jstr(&rep, "email"), "ada.okafor@example.org");
	ck_assert_str_eq(pt_jstr(&rep, "name"), "Ada Okafor");
	ck_assert_str_eq(pt_jstr(&rep, "status"), "active");
	ck_assert_str_eq(pt_jstr(&rep, "created_at"), "2023-02-14T09:12:44Z");
	ck_assert_str_eq(pt_jstr(&rep, "profile/display_name"), "Ada");
	ck_assert_str_eq(pt_jstr(&rep, "profile/locale"), "en-GB");
	ck_assert_str_eq(pt_jstr(&rep, "profile/timezone"), "Europe/London");
}
END_TEST

START_TEST(test_get_unknown_user_is_404)
{
	pt_call(&rep, p, "GET", "/v1/users/u9999", NULL);
	pt_assert_error(&rep, 404, "not_found", NULL);
	ck_assert_ptr_nonnull(strstr(pt_jstr(&rep, "message"), "u9999"));
}
END_TEST

START_TEST(test_get_returns_the_stored_object_without_copying)
{
	json_t *first;

	pt_call(&rep, p, "GET", "/v1/users/u1002", NULL);
	first = json_incref(rep.json);
	pt_call(&rep, p, "GET", "/v1/users/u1002", NULL);
	ck_assert_ptr_eq(rep.json, first);
	json_decref(first);
}
END_TEST

START_TEST(test_list_all_users_in_id_order)
{
	char id[16];
	size_t i;

	pt_call(&rep, p, "GET", "/v1/users", NULL);
	ck_assert_int_eq(rep.status, 200);
	ck_assert_uint_eq(pt_jlen(&rep, "users"), 8);
	for (i = 0; i < 8; i++) {
		snprintf(id, sizeof id, "users/%zu/id", i);
		ck_assert_int_eq(atoi(pt_jstr(&rep, id) + 1), 1001 + (int)i);
	}
}
END_TEST

START_TEST(test_list_by_email_is_exact_and_case_insensitive)
{
	pt_call(
	    &rep, p, "GET", "/v1/users?email=SARAH.COHEN%40example.COM", NULL);
	ck_assert_int_eq(rep.status, 200);
	ck_assert_uint_eq(pt_jlen(&rep, "users"), 1);
	ck_assert_str_eq(pt_jstr(&rep, "users/0/id"), "u1007");
	ck_assert_str_eq(
	    pt_jstr(&rep, "users/0/email"), "Sarah.Cohen@example.com");

	pt_call(&rep, p, "GET", "/v1/users?email=ada.okafor@example.org", NULL);
	ck_assert_str_eq(pt_jstr(&rep, "users/0/id"), "u1001");

	pt_call(&rep, p, "GET", "/v1/users?email=ada.okafor@example", NULL);
	ck_assert_int_eq(rep.status, 200);
	ck_assert_uint_eq(pt_jlen(&rep, "users"), 0);

	pt_call(&rep, p, "GET", "/v1/users?email=", NULL);
	ck_assert_uint_eq(pt_jlen(&rep, "users"), 0);
}
END_TEST

START_TEST(test_list_badly_encoded_email_is_422)
{
	pt_call(&rep, p, "GET", "/v1/users?email=a%zz", NULL);
	pt_assert_error(&rep, 422, "invalid", "query:email");
}
END_TEST

START_TEST(test_create_user_201_with_location_and_defaults)
{
	struct tm tm;
	time_t t;

	pt_call(&rep, p, "POST", "/v1/users",
	    "{\"email\":\"maya.lind@example.org\",\"name\":\"Maya Lind\"}");
	ck_assert_int_eq(rep.status, 201);
	ck_assert_str_eq(pt_header(&rep, "Location"), "/v1/users/u1009");
	ck_assert_str_eq(pt_jstr(&rep, "id"), "u1009");
	ck_assert_str_eq(pt_jstr(&rep, "email"), "maya.lind@example.org");
	ck_assert_str_eq(pt_jstr(&rep, "name"), "Maya Lind");
	ck_assert_str_eq(pt_jstr(&rep, "status"), "active");
	ck_assert_str_eq(pt_jstr(&rep, "profile/display_name"), "Maya Lind");
	ck_assert_str_eq(pt_jstr(&rep, "profile/locale"), "en-US");
	ck_assert_str_eq(pt_jstr(&rep, "profile/timezone"), "UTC");

	memset(&tm, 0, sizeof tm);
	ck_assert_ptr_nonnull(
	    strptime(pt_jstr(&rep, "created_at"), "%Y-%m-%dT%H:%M:%SZ", &tm));
	ck_assert_uint_eq(strlen(pt_jstr(&rep, "created_at")), 20);
	t = timegm(&tm);
	ck_assert_int_le(labs((long)(t - time(NULL))), 5);

	pt_call(&rep, p, "GET", "/v1/users/u1009", NULL);
	ck_assert_int_eq(rep.status, 200);
	ck_assert_str_eq(pt_jstr(&rep, "name"), "Maya Lind");
	pt_call(&rep, p, "GET", "/v1/users", NULL);
	ck_assert_uint_eq(pt_jlen(&rep, "users"), 9);
	ck_assert_str_eq(pt_jstr(&rep, "users/8/id"), "u1009");
	pt_call(&rep, p, "GET", "/v1/users?email=Maya.Lind@Example.org", NULL);
	ck_assert_str_eq(pt_jstr(&rep, "users/0/id"), "u1009");
}
END_TEST

START_TEST(test_create_ids_continue_the_sequence)
{
	pt_call(&rep, p, "POST", "/v1/users",
	    "{\"email\":\"a@example.org\",\"name\":\"A\"}");
	ck_assert_str_eq(pt_jstr(&rep, "id"), "u1009");
	pt_call(&rep, p, "POST", "/v1/users",
	    "{\"email\":\"b@example.org\",\"name\":\"B\"}");
	ck_assert_str_eq(pt_jstr(&rep, "id"), "u1010");
	/* A refused request does not use up an id. */
	pt_call(
	    &rep, p, "POST", "/v1/users", "{\"email\":\"bad\",\"name\":\"C\"}");
	ck_assert_int_eq(rep.status, 422);
	pt_call(&rep, p, "POST", "/v1/users",
	    "{\"email\":\"c@example.org\",\"name\":\"C\"}");
	ck_assert_str_eq(pt_jstr(&rep, "id"), "u1011");
}
END_TEST

START_TEST(test_create_with_profile)
{
	pt_call(&rep, p, "POST", "/v1/users",
	    "{\"email\":\"ines@example.com\","
	    "\"name\":\"Inês Costa\",\"profile\":{\"display_name\":\"Inês\","
	    "\"locale\":\"pt-PT\",\"timezone\":\"Europe/Lisbon\"}}");
	ck_assert_int_eq(rep.status, 201);
	ck_assert_str_eq(pt_jstr(&rep, "profile/display_name"), "Inês");
	ck_assert_str_eq(pt_jstr(&rep, "profile/locale"), "pt-PT");
	ck_assert_str_eq(pt_jstr(&rep, "profile/timezone"), "Europe/Lisbon");

	pt_call(&rep, p, "POST", "/v1/users",
	    "{\"email\":\"tom@example.com\","
	    "\"name\":\"Tom\",\"profile\":{\"timezone\":\"America/"
	    "Sao_Paulo\"}}");
	ck_assert_int_eq(rep.status, 201);
	ck_assert_str_eq(pt_jstr(&rep, "profile/display_name"), "Tom");
	ck_assert_str_eq(pt_jstr(&rep, "profile/locale"), "en-US");
	ck_assert_str_eq(
	    pt_jstr(&rep, "profile/timezone"), "America/Sao_Paulo");
}
END_TEST

START_TEST(test_create_requires_email_and_name)
{
	static const struct pt_invalid cases[] = {
		{ "{\"name\":\"No Mail\"}", "/email" },
		{ "{\"email\":\"noname@example.org\"}", "/name" },
	};

	pt_assert_invalid(&rep, p, "POST", "/v1/users", cases,
	    sizeof cases / sizeof cases[0]);
}
END_TEST

START_TEST(test_create_rejects_addresses_that_do_not_look_like_one)
{
	static const char *const bad[] = {
		"plainaddress",
		"a@b",
		"@example.com",
		"a@@example.com",
		"a b@example.com",
		"a@-x.com",
		"a@x-.com",
		"a..b@example.com",
		".a@example.com",
		"a.@example.com",
		"a@example..com",
		"a@example.com.",
		"a@exa_mple.com",
		"",
	};
	size_t i;

	for (i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		post_email(bad[i]);
		pt_assert_error_for(bad[i], &rep, 422, "invalid", "/email");
	}
}
END_TEST

START_TEST(test_create_accepts_ordinary_addresses)
{
	static const char *const good[] = {
		"x@example.io",
		"first.last+tag@mail.example.co.uk",
		"o'brien@example.com",
		"user_1-2@sub-domain.example.org",
	};
	size_t i;

	for (i = 0; i < sizeof good / sizeof good[0]; i++) {
		post_email(good[i]);
		ck_assert_msg(rep.status == 201, "%s: %d", good[i], rep.status);
	}
}
END_TEST

START_TEST(test_create_duplicate_email_is_409_case_insensitively)
{
	pt_call(&rep, p, "POST", "/v1/users",
	    "{\"email\":\"ADA.OKAFOR@example.org\",\"name\":\"Ada Again\"}");
	pt_assert_error(&rep, 409, "conflict", NULL);
	ck_assert_ptr_nonnull(strstr(pt_jstr(&rep, "message"), "u1001"));
	pt_call(&rep, p, "GET", "/v1/users", NULL);
	ck_assert_uint_eq(pt_jlen(&rep, "users"), 8);
}
END_TEST

START_TEST(test_create_rejects_unknown_fields)
{
	static const struct pt_invalid cases[] = {
		{ "{\"email\":\"n@example.org\",\"name\":\"N\",\"nickname\":"
		  "\"n\"}",
		    "/nickname" },
		{ "{\"email\":\"n@example.org\",\"name\":\"N\",\"status\":"
		  "\"active\"}",
		    "/status" },
		{ "{\"email\":\"n@example.org\",\"name\":\"N\","
		  "\"profile\":{\"avatar\":\"x.png\"}}",
		    "/profile/avatar" },
		{ "{\"a/b~c\":1}", "/a~1b~0c" },
	};

	pt_assert_invalid(&rep, p, "POST", "/v1/users", cases,
	    sizeof cases / sizeof cases[0]);
	/* A near miss of a known field is named in the message. */
	pt_call(&rep, p, "POST", "/v1/users",
	    "{\"emial\":\"n@example.org\",\"name\":\"N\"}");
	pt_assert_error(&rep, 422, "invalid", "/emial");
	ck_assert_ptr_nonnull(
	    strstr(pt_jstr(&rep, "message"), "did you mean \"email\""));
}
END_TEST

START_TEST(test_create_malformed_json_is_400_with_position)
{
	/* No body, an empty one, and one that repeats a key. */
	static const char *const bodies[] = {
		"",
		NULL,
		"{\"email\":\"d@example.org\",\"name\":\"D\",\"name\":\"E\"}",
	};
	size_t i;

	pt_call(&rep, p, "POST", "/v1/users",
	    "{\"email\": \"x@example.org\",\n \"name\": }");
	pt_assert_error(&rep, 400, "bad_json", NULL);
	ck_assert_ptr_nonnull(strstr(pt_jstr(&rep, "message"), "line 2"));
	ck_assert_ptr_nonnull(strstr(pt_jstr(&rep, "message"), "column"));
	for (i = 0; i < sizeof bodies / sizeof bodies[0]; i++) {
		pt_call(&rep, p, "POST", "/v1/users", bodies[i]);
		pt_assert_error_for(bodies[i] != NULL ? bodies[i] : "(no body)",
		    &rep, 400, "bad_json", NULL);
	}
}
END_TEST

START_TEST(test_create_body_that_is_not_an_object_is_422_at_root)
{
	static const char *const bodies[] = { "[]", "\"user\"", "42", "null" };
	size_t i;

	for (i = 0; i < sizeof bodies / sizeof bodies[0]; i++) {
		pt_call(&rep, p, "POST", "/v1/users", bodies[i]);
		pt_assert_error_for(bodies[i], &rep, 422, "invalid", "/");
	}
}
END_TEST

START_TEST(test_create_rejects_bad_field_values)
{
	static const struct pt_invalid cases[] = {
		{ "{\"email\":42,\"name\":\"N\"}", "/email" },
		{ "{\"email\":\"n@example.org\",\"name\":42}", "/name" },
		{ "{\"email\":\"n@example.org\",\"name\":\"\"}", "/name" },
		{ "{\"email\":\"n@example.org\",\"name\":\"   \"}", "/name" },
		{ "{\"email\":\"n@example.org\",\"name\":\"a\\nb\"}", "/name" },
		{ "{\"email\":\"n@example.org\",\"name\":null}", "/name" },
		{ "{\"email\":\"n@example.org\",\"name\":\"N\",\"profile\":"
		  "\"x\"}",
		    "/profile" },
		{ "{\"email\":\"n@example.org\",\"name\":\"N\","
		  "\"profile\":{\"locale\":\"english\"}}",
		    "/profile/locale" },
		{ "{\"email\":\"n@example.org\",\"name\":\"N\","
		  "\"profile\":{\"locale\":\"EN-gb\"}}",
		    "/profile/locale" },
		{ "{\"email\":\"n@example.org\",\"name\":\"N\","
		  "\"profile\":{\"timezone\":\"Not a zone\"}}",
		    "/profile/timezone" },
		{ "{\"email\":\"n@example.org\",\"name\":\"N\","
		  "\"profile\":{\"display_name\":7}}",
		    "/profile/display_name" },
	};

	pt_assert_invalid(&rep, p, "POST", "/v1/users", cases,
	    sizeof cases / sizeof cases[0]);
}
END_TEST

START_TEST(test_name_length_counts_characters_not_bytes)
{
	char body[1024], name[600];
	size_t i;

	/* 200 two-byte characters are 400 bytes but a valid name. */
	for (i = 0; i < 200; i++)
		memcpy(name + 2 * i, "é", 2);
	name[400] = '\0';
	snprintf(body, sizeof body,
	    "{\"email\":\"e@example.org\",\"name\":\"%s\"}", name);
	pt_call(&rep, p, "POST", "/v1/users", body);
	ck_assert_int_eq(rep.status, 201);
	strcat(name, "é");
	snprintf(body, sizeof body,
	    "{\"email\":\"f@example.org\",\"name\":\"%s\"}", name);
	pt_call(&rep, p, "POST", "/v1/users", body);
	pt_assert_error(&rep, 422, "invalid", "/name");
}
END_TEST

START_TEST(test_patch_changes_only_the_given_fields)
{
	pt_call(&rep, p, "PATCH", "/v1/users/u1003",
	    "{\"name\":\"Priya R. Raman\","
	    "\"status\":\"suspended\",\"profile\":{\"timezone\":\"Asia/"
	    "Dubai\"}}");
	ck_assert_int_eq(rep.status, 200);
	ck_assert_str_eq(pt_jstr(&rep, "id"), "u1003");
	ck_assert_str_eq(pt_jstr(&rep, "name"), "Priya R. Raman");
	ck_assert_str_eq(pt_jstr(&rep, "status"), "suspended");
	ck_assert_str_eq(pt_jstr(&rep, "email"), "priya.raman@example.net");
	ck_assert_str_eq(pt_jstr(&rep, "created_at"), "2023-05-22T04:30:19Z");
	ck_assert_str_eq(pt_jstr(&rep, "profile/timezone"), "Asia/Dubai");
	ck_assert_str_eq(pt_jstr(&rep, "profile/locale"), "en-IN");
	ck_assert_str_eq(pt_jstr(&rep, "profile/display_name"), "Priya");

	pt_call(&rep, p, "GET", "/v1/users/u1003", NULL);
	ck_assert_str_eq(pt_jstr(&rep, "name"), "Priya R. Raman");
	ck_assert_str_eq(pt_jstr(&rep, "status"), "suspended");
	ck_assert_str_eq(pt_jstr(&rep, "profile/timezone"), "Asia/Dubai");
}
END_TEST

START_TEST(test_patch_every_status)
{
	static const char *const statuses[] = { "suspended", "deleted",
		"active" };
	static const char *const refused[] = { "banned", "Active" };
	char body[64];
	size_t i;

	for (i = 0; i < sizeof statuses / sizeof statuses[0]; i++) {
		snprintf(body, sizeof body, "{\"status\":\"%s\"}", statuses[i]);
		pt_call(&rep, p, "PATCH", "/v1/users/u1004", body);
		ck_assert_msg(rep.status == 200, "%s: %d", body, rep.status);
		ck_assert_str_eq(pt_jstr(&rep, "status"), statuses[i]);
	}
	for (i = 0; i < sizeof refused / sizeof refused[0]; i++) {
		snprintf(body, sizeof body, "{\"status\":\"%s\"}", refused[i]);
		pt_call(&rep, p, "PATCH", "/v1/users/u1004", body);
		pt_assert_error_for(body, &rep, 422, "invalid", "/status");
	}
}
END_TEST

START_TEST(test_patch_email_moves_the_index)
{
	pt_call(&rep, p, "PATCH", "/v1/users/u1001",
	    "{\"email\":\"ada@example.com\"}");
	ck_assert_int_eq(rep.status, 200);
	ck_assert_str_eq(pt_jstr(&rep, "email"), "ada@example.com");
	pt_call(&rep, p, "GET", "/v1/users?email=ada.okafor@example.org", NULL);
	ck_assert_uint_eq(pt_jlen(&rep, "users"), 0);
	pt_call(&rep, p, "GET", "/v1/users?email=ADA@example.com", NULL);
	ck_assert_str_eq(pt_jstr(&rep, "users/0/id"), "u1001");
	/* The old address is free again. */
	pt_call(&rep, p, "POST", "/v1/users",
	    "{\"email\":\"ada.okafor@example.org\",\"name\":\"Other Ada\"}");
	ck_assert_int_eq(rep.status, 201);
}
END_TEST

START_TEST(test_patch_email_of_another_user_is_409)
{
	pt_call(&rep, p, "PATCH", "/v1/users/u1001",
	    "{\"email\":\"jonas.MUELLER@example.com\"}");
	pt_assert_error(&rep, 409, "conflict", NULL);
	pt_call(&rep, p, "GET", "/v1/users/u1001", NULL);
	ck_assert_str_eq(pt_jstr(&rep, "email"), "ada.okafor@example.org");
	/* A user's own address in other letters is not a conflict. */
	pt_call(&rep, p, "PATCH", "/v1/users/u1001",
	    "{\"email\":\"Ada.Okafor@example.org\"}");
	ck_assert_int_eq(rep.status, 200);
	ck_assert_str_eq(pt_jstr(&rep, "email"), "Ada.Okafor@example.org");
	pt_call(&rep, p, "GET", "/v1/users?email=ada.okafor@example.org", NULL);
	ck_assert_str_eq(pt_jstr(&rep, "users/0/id"), "u1001");
}
END_TEST

START_TEST(test_patch_errors)
{
	static const struct {
		const char *target;
		const char *body;
		int status;
		const char *code;
		const char *field;
	} cases[] = {
		{ "/v1/users/u4242", "{\"name\":\"Nobody\"}", 404, "not_found",
		    NULL },
		{ "/v1/users/u1001", "{\"id\":\"u1\"}", 422, "invalid", "/id" },
		{ "/v1/users/u1001",
		    "{\"created_at\":\"2020-01-01T00:00:00Z\"}", 422, "invalid",
		    "/created_at" },
		{ "/v1/users/u1001", "{\"email\":\"nope\"}", 422, "invalid",
		    "/email" },
		{ "/v1/users/u1001", "{\"profile\":{\"locale\":\"x\"}}", 422,
		    "invalid", "/profile/locale" },
		{ "/v1/users/u1001", "{\"name\":", 400, "bad_json", NULL },
	};
	size_t i;

	for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		pt_call(&rep, p, "PATCH", cases[i].target, cases[i].body);
		pt_assert_error_for(cases[i].body, &rep, cases[i].status,
		    cases[i].code, cases[i].field);
	}
	/* None of them changed the user. */
	pt_call(&rep, p, "GET", "/v1/users/u1001", NULL);
	ck_assert_str_eq(pt_jstr(&rep, "name"), "Ada Okafor");
	ck_assert_str_eq(pt_jstr(&rep, "profile/locale"), "en-GB");
}
END_TEST

START_TEST(test_patch_empty_object_changes_nothing)
{
	pt_call(&rep, p, "PATCH", "/v1/users/u1002", "{}");
	ck_assert_int_eq(rep.status, 200);
	ck_assert_str_eq(pt_jstr(&rep, "name"), "Jonas Müller");
}
END_TEST

START_TEST(test_patch_leaves_earlier_replies_untouched)
{
	json_t *before;

	pt_call(&rep, p, "GET", "/v1/users/u1006", NULL);
	before = json_incref(rep.json);
	pt_call(&rep, p, "PATCH", "/v1/users/u1006",
	    "{\"name\":\"Kenji W.\","
	    "\"profile\":{\"locale\":\"en-US\"}}");
	ck_assert_int_eq(rep.status, 200);
	ck_assert_str_eq(pt_jstr(&rep, "name"), "Kenji W.");
	ck_assert_str_eq(pt_jstr(&rep, "profile/locale"), "en-US");
	ck_assert_str_eq(pt_jstr(&rep, "profile/timezone"), "Asia/Tokyo");
	ck_assert_str_eq(json_string_value(json_object_get(before, "name")),
	    "Kenji Watanabe");
	ck_assert_str_eq(
	    json_string_value(pt_jget(before, "profile/locale")), "ja-JP");
	json_decref(before);
}
END_TEST

START_TEST(test_store_full_is_507)
{
	ck_assert_uint_eq(p->max_records, 100000);
	p->max_records = 9;
	pt_call(&rep, p, "POST", "/v1/users",
	    "{\"email\":\"n9@example.org\",\"name\":\"Nine\"}");
	ck_assert_int_eq(rep.status, 201);
	pt_call(&rep, p, "POST", "/v1/users",
	    "{\"email\":\"n10@example.org\",\"name\":\"Ten\"}");
	pt_assert_error(&rep, 507, "store_full", NULL);
	pt_call(&rep, p, "GET", "/v1/users", NULL);
	ck_assert_uint_eq(pt_jlen(&rep, "users"), 9);
	/* Patching is not adding: it still works. */
	pt_call(
	    &rep, p, "PATCH", "/v1/users/u1009", "{\"name\":\"Nine Again\"}");
	ck_assert_int_eq(rep.status, 200);
}
END_TEST

START_TEST(test_reset_restores_fixture_and_sequence)
{
	pt_call(&rep, p, "POST", "/v1/users",
	    "{\"email\":\"r@example.org\",\"name\":\"R\"}");
	ck_assert_str_eq(pt_jstr(&rep, "id"), "u1009");
	pt_call(&rep, p, "PATCH", "/v1/users/u1001",
	    "{\"name\":\"Changed\",\"email\":\"changed@example.org\"}");
	ck_assert_int_eq(rep.status, 200);
	persona_reset(p);
	pt_call(&rep, p, "GET", "/v1/users", NULL);
	ck_assert_uint_eq(pt_jlen(&rep, "users"), 8);
	pt_call(&rep, p, "GET", "/v1/users/u1001", NULL);
	ck_assert_str_eq(pt_jstr(&rep, "name"), "Ada Okafor");
	pt_call(&rep, p, "GET", "/v1/users?email=changed@example.org", NULL);
	ck_assert_uint_eq(pt_jlen(&rep, "users"), 0);
	pt_call(&rep, p, "POST", "/v1/users",
	    "{\"email\":\"r@example.org\",\"name\":\"R\"}");
	ck_assert_int_eq(rep.status, 201);
	ck_assert_str_eq(pt_jstr(&rep, "id"), "u1009");
}
END_TEST

START_TEST(test_fixture_users_are_consistent)
{
	size_t i, n;
	json_t *users;
	char q[320];

	pt_call(&rep, p, "GET", "/v1/users", NULL);
	users = json_incref(pt_jget(rep.json, "users"));
	n = json_array_size(users);
	ck_assert_uint_eq(n, 8);
	for (i = 0; i < n; i++) {
		/* Every fixture address finds its own user. */
		snprintf(q, sizeof q, "/v1/users?email=%s",
		    json_string_value(
		        json_object_get(json_array_get(users, i), "email")));
		pt_call(&rep, p, "GET", q, NULL);
		ck_assert_uint_eq(pt_jlen(&rep, "users"), 1);
		ck_assert_ptr_eq(
		    pt_jget(rep.json, "users/0"), json_array_get(users, i));
	}
	json_decref(users);
}
END_TEST

START_TEST(test_fixture_loader_refuses_bad_data)
{
	static const struct pt_bad_fixture cases[] = {
		{ "{\"users\": [", "1:" },
		{ "{\"people\": []}", "/users" },
		{ "{\"users\": [{\"id\": \"x1\"}]}", "/users/0/id" },
		{ "{\"users\": [{\"id\": \"u2\", \"email\": \"a@example.org\","
		  "\"name\": \"A\", \"status\": \"active\", \"created_at\": "
		  "\"t\","
		  "\"profile\": {\"display_name\": \"A\", \"locale\": \"en\","
		  "\"timezone\": \"UTC\"}}, {\"id\": \"u1\"}]}",
		    "/users/1/id" },
		{ "{\"users\": [{\"id\": \"u1\", \"email\": \"nope\"}]}",
		    "/users/0/email" },
		{ "{\"users\": [{\"id\": \"u1\", \"email\": \"a@example.org\","
		  "\"status\": \"gone\"}]}",
		    "/users/0/status" },
		{ "{\"users\": [{\"id\": \"u1\", \"email\": \"a@example.org\","
		  "\"status\": \"active\"}]}",
		    "/users/0" },
	};

	pt_assert_loader(
	    &ums_ops, cases, sizeof cases / sizeof cases[0], "{\"users\": []}");
}
END_TEST

START_TEST(test_ids_that_are_not_utf8_are_quoted_safely)
{
	pt_call(&rep, p, "GET", "/v1/users/\xff\xfe", NULL);
	pt_assert_error(&rep, 404, "not_found", NULL);
	ck_assert_str_eq(pt_jstr(&rep, "message"), "no user with id ??");
}
END_TEST

/* The UMS suite. */
static Suite *
ums_suite(void)
{
	Suite *s = suite_create("ums");
	TCase *tc;

	tc = tcase_create("read");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_get_fixture_user_with_profile);
	tcase_add_test(tc, test_get_unknown_user_is_404);
	tcase_add_test(tc, test_get_returns_the_stored_object_without_copying);
	tcase_add_test(tc, test_list_all_users_in_id_order);
	tcase_add_test(tc, test_list_by_email_is_exact_and_case_insensitive);
	tcase_add_test(tc, test_list_badly_encoded_email_is_422);
	tcase_add_test(tc, test_fixture_users_are_consistent);
	tcase_add_test(tc, test_fixture_loader_refuses_bad_data);
	tcase_add_test(tc, test_ids_that_are_not_utf8_are_quoted_safely);
	suite_add_tcase(s, tc);

	tc = tcase_create("create");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_create_user_201_with_location_and_defaults);
	tcase_add_test(tc, test_create_ids_continue_the_sequence);
	tcase_add_test(tc, test_create_with_profile);
	tcase_add_test(tc, test_create_requires_email_and_name);
	tcase_add_test(
	    tc, test_create_rejects_addresses_that_do_not_look_like_one);
	tcase_add_test(tc, test_create_accepts_ordinary_addresses);
	tcase_add_test(
	    tc, test_create_duplicate_email_is_409_case_insensitively);
	tcase_add_test(tc, test_create_rejects_unknown_fields);
	tcase_add_test(tc, test_create_malformed_json_is_400_with_position);
	tcase_add_test(
	    tc, test_create_body_that_is_not_an_object_is_422_at_root);
	tcase_add_test(tc, test_create_rejects_bad_field_values);
	tcase_add_test(tc, test_name_length_counts_characters_not_bytes);
	suite_add_tcase(s, tc);

	tc = tcase_create("patch");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_patch_changes_only_the_given_fields);
	tcase_add_test(tc, test_patch_every_status);
	tcase_add_test(tc, test_patch_email_moves_the_index);
	tcase_add_test(tc, test_patch_email_of_another_user_is_409);
	tcase_add_test(tc, test_patch_errors);
	tcase_add_test(tc, test_patch_empty_object_changes_nothing);
	tcase_add_test(tc, test_patch_leaves_earlier_replies_untouched);
	suite_add_tcase(s, tc);

	tc = tcase_create("store");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_store_full_is_507);
	tcase_add_test(tc, test_reset_restores_fixture_and_sequence);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	return pt_run(ums_suite());
}
