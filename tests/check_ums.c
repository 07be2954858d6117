/*
 * check_ums.c: the UMS persona through persona_handle(): the fixture
 * users, lookup by id and e-mail, creation, patching, validation, the
 * store's limit and reset.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <check.h>
#include <jansson.h>

#include "persona.h"
#include "persona_impl.h"
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
	static char name[] = "ums";
	struct service_conf conf;

	memset(&conf, 0, sizeof conf);
	conf.name = name;
	conf.persona = PERSONA_UMS;
	p = persona_new(&conf, 1);
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

/* Send one request (target may carry "?query"), with one optional header. */
static void
call_h(const char *method, const char *target, const char *body,
    const char *hname, const char *hvalue)
{
	static char path[1024];
	struct request_header h;
	struct request rq;
	const char *q;

	reply_release(&rep);
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
	persona_handle(p, NULL, 0, &rq, &rep);
}

/* Send one request without extra headers. */
static void
call(const char *method, const char *target, const char *body)
{
	call_h(method, target, body, NULL, NULL);
}

/* The value at a slash-separated path ("profile/locale", "users/0/id"). */
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

START_TEST(test_get_fixture_user_with_profile)
{
	call("GET", "/v1/users/u1001", NULL);
	ck_assert_int_eq(rep.status, 200);
	ck_assert_str_eq(jstr("id"), "u1001");
	ck_assert_str_eq(jstr("email"), "ada.okafor@example.org");
	ck_assert_str_eq(jstr("name"), "Ada Okafor");
	ck_assert_str_eq(jstr("status"), "active");
	ck_assert_str_eq(jstr("created_at"), "2023-02-14T09:12:44Z");
	ck_assert_str_eq(jstr("profile/display_name"), "Ada");
	ck_assert_str_eq(jstr("profile/locale"), "en-GB");
	ck_assert_str_eq(jstr("profile/timezone"), "Europe/London");
}
END_TEST

START_TEST(test_get_unknown_user_is_404)
{
	call("GET", "/v1/users/u9999", NULL);
	assert_error(404, "not_found", NULL);
	ck_assert_ptr_nonnull(strstr(jstr("message"), "u9999"));
}
END_TEST

START_TEST(test_get_returns_the_stored_object_without_copying)
{
	json_t *first;

	call("GET", "/v1/users/u1002", NULL);
	first = json_incref(rep.json);
	call("GET", "/v1/users/u1002", NULL);
	ck_assert_ptr_eq(rep.json, first);
	json_decref(first);
}
END_TEST

START_TEST(test_list_all_users_in_id_order)
{
	char id[16];
	size_t i;

	call("GET", "/v1/users", NULL);
	ck_assert_int_eq(rep.status, 200);
	ck_assert_uint_eq(json_array_size(jget(rep.json, "users")), 8);
	for (i = 0; i < 8; i++) {
		snprintf(id, sizeof id, "users/%zu/id", i);
		ck_assert_int_eq(atoi(jstr(id) + 1), 1001 + (int)i);
	}
}
END_TEST

START_TEST(test_list_by_email_is_exact_and_case_insensitive)
{
	call("GET", "/v1/users?email=SARAH.COHEN%40example.COM", NULL);
	ck_assert_int_eq(rep.status, 200);
	ck_assert_uint_eq(json_array_size(jget(rep.json, "users")), 1);
	ck_assert_str_eq(jstr("users/0/id"), "u1007");
	ck_assert_str_eq(jstr("users/0/email"), "Sarah.Cohen@example.com");

	call("GET", "/v1/users?email=ada.okafor@example.org", NULL);
	ck_assert_str_eq(jstr("users/0/id"), "u1001");

	call("GET", "/v1/users?email=ada.okafor@example", NULL);
	ck_assert_int_eq(rep.status, 200);
	ck_assert_uint_eq(json_array_size(jget(rep.json, "users")), 0);

	call("GET", "/v1/users?email=", NULL);
	ck_assert_uint_eq(json_array_size(jget(rep.json, "users")), 0);
}
END_TEST

START_TEST(test_list_badly_encoded_email_is_422)
{
	call("GET", "/v1/users?email=a%zz", NULL);
	assert_error(422, "invalid", "query:email");
}
END_TEST

START_TEST(test_create_user_201_with_location_and_defaults)
{
	struct tm tm;
	time_t t;

	call("POST", "/v1/users",
	    "{\"email\":\"maya.lind@example.org\",\"name\":\"Maya Lind\"}");
	ck_assert_int_eq(rep.status, 201);
	ck_assert_str_eq(rheader("Location"), "/v1/users/u1009");
	ck_assert_str_eq(jstr("id"), "u1009");
	ck_assert_str_eq(jstr("email"), "maya.lind@example.org");
	ck_assert_str_eq(jstr("name"), "Maya Lind");
	ck_assert_str_eq(jstr("status"), "active");
	ck_assert_str_eq(jstr("profile/display_name"), "Maya Lind");
	ck_assert_str_eq(jstr("profile/locale"), "en-US");
	ck_assert_str_eq(jstr("profile/timezone"), "UTC");

	memset(&tm, 0, sizeof tm);
	ck_assert_ptr_nonnull(
	    strptime(jstr("created_at"), "%Y-%m-%dT%H:%M:%SZ", &tm));
	ck_assert_uint_eq(strlen(jstr("created_at")), 20);
	t = timegm(&tm);
	ck_assert_int_le(labs((long)(t - time(NULL))), 5);

	call("GET", "/v1/users/u1009", NULL);
	ck_assert_int_eq(rep.status, 200);
	ck_assert_str_eq(jstr("name"), "Maya Lind");
	call("GET", "/v1/users", NULL);
	ck_assert_uint_eq(json_array_size(jget(rep.json, "users")), 9);
	ck_assert_str_eq(jstr("users/8/id"), "u1009");
	call("GET", "/v1/users?email=Maya.Lind@Example.org", NULL);
	ck_assert_str_eq(jstr("users/0/id"), "u1009");
}
END_TEST

START_TEST(test_create_ids_continue_the_sequence)
{
	call("POST", "/v1/users",
	    "{\"email\":\"a@example.org\",\"name\":\"A\"}");
	ck_assert_str_eq(jstr("id"), "u1009");
	call("POST", "/v1/users",
	    "{\"email\":\"b@example.org\",\"name\":\"B\"}");
	ck_assert_str_eq(jstr("id"), "u1010");
	/* A refused request does not use up an id. */
	call("POST", "/v1/users", "{\"email\":\"bad\",\"name\":\"C\"}");
	ck_assert_int_eq(rep.status, 422);
	call("POST", "/v1/users",
	    "{\"email\":\"c@example.org\",\"name\":\"C\"}");
	ck_assert_str_eq(jstr("id"), "u1011");
}
END_TEST

START_TEST(test_create_with_profile)
{
	call("POST", "/v1/users",
	    "{\"email\":\"ines@example.com\","
	    "\"name\":\"Inês Costa\",\"profile\":{\"display_name\":\"Inês\","
	    "\"locale\":\"pt-PT\",\"timezone\":\"Europe/Lisbon\"}}");
	ck_assert_int_eq(rep.status, 201);
	ck_assert_str_eq(jstr("profile/display_name"), "Inês");
	ck_assert_str_eq(jstr("profile/locale"), "pt-PT");
	ck_assert_str_eq(jstr("profile/timezone"), "Europe/Lisbon");

	call("POST", "/v1/users",
	    "{\"email\":\"tom@example.com\","
	    "\"name\":\"Tom\",\"profile\":{\"timezone\":\"America/"
	    "Sao_Paulo\"}}");
	ck_assert_int_eq(rep.status, 201);
	ck_assert_str_eq(jstr("profile/display_name"), "Tom");
	ck_assert_str_eq(jstr("profile/locale"), "en-US");
	ck_assert_str_eq(jstr("profile/timezone"), "America/Sao_Paulo");
}
END_TEST

START_TEST(test_create_requires_email_and_name)
{
	call("POST", "/v1/users", "{\"name\":\"No Mail\"}");
	assert_error(422, "invalid", "/email");
	call("POST", "/v1/users", "{\"email\":\"noname@example.org\"}");
	assert_error(422, "invalid", "/name");
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
	char body[256];
	size_t i;

	for (i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		snprintf(body, sizeof body, "{\"email\":\"%s\",\"name\":\"X\"}",
		    bad[i]);
		call("POST", "/v1/users", body);
		ck_assert_msg(rep.status == 422, "%s: %d", bad[i], rep.status);
		ck_assert_str_eq(jstr("field"), "/email");
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
	char body[256];
	size_t i;

	for (i = 0; i < sizeof good / sizeof good[0]; i++) {
		snprintf(body, sizeof body, "{\"email\":\"%s\",\"name\":\"X\"}",
		    good[i]);
		call("POST", "/v1/users", body);
		ck_assert_msg(rep.status == 201, "%s: %d", good[i], rep.status);
	}
}
END_TEST

START_TEST(test_create_duplicate_email_is_409_case_insensitively)
{
	call("POST", "/v1/users",
	    "{\"email\":\"ADA.OKAFOR@example.org\",\"name\":\"Ada Again\"}");
	assert_error(409, "conflict", NULL);
	ck_assert_ptr_nonnull(strstr(jstr("message"), "u1001"));
	call("GET", "/v1/users", NULL);
	ck_assert_uint_eq(json_array_size(jget(rep.json, "users")), 8);
}
END_TEST

START_TEST(test_create_rejects_unknown_fields)
{
	call("POST", "/v1/users",
	    "{\"email\":\"n@example.org\",\"name\":\"N\",\"nickname\":\"n\"}");
	assert_error(422, "invalid", "/nickname");
	call("POST", "/v1/users",
	    "{\"email\":\"n@example.org\",\"name\":\"N\",\"status\":"
	    "\"active\"}");
	assert_error(422, "invalid", "/status");
	call("POST", "/v1/users",
	    "{\"email\":\"n@example.org\",\"name\":\"N\","
	    "\"profile\":{\"avatar\":\"x.png\"}}");
	assert_error(422, "invalid", "/profile/avatar");
	call("POST", "/v1/users",
	    "{\"emial\":\"n@example.org\",\"name\":\"N\"}");
	assert_error(422, "invalid", "/emial");
	ck_assert_ptr_nonnull(
	    strstr(jstr("message"), "did you mean \"email\""));
	call("POST", "/v1/users", "{\"a/b~c\":1}");
	assert_error(422, "invalid", "/a~1b~0c");
}
END_TEST

START_TEST(test_create_malformed_json_is_400_with_position)
{
	call("POST", "/v1/users",
	    "{\"email\": \"x@example.org\",\n \"name\": }");
	assert_error(400, "bad_json", NULL);
	ck_assert_ptr_nonnull(strstr(jstr("message"), "line 2"));
	ck_assert_ptr_nonnull(strstr(jstr("message"), "column"));
	call("POST", "/v1/users", "");
	assert_error(400, "bad_json", NULL);
	call("POST", "/v1/users", NULL);
	assert_error(400, "bad_json", NULL);
	call("POST", "/v1/users",
	    "{\"email\":\"d@example.org\",\"name\":\"D\",\"name\":\"E\"}");
	assert_error(400, "bad_json", NULL);
}
END_TEST

START_TEST(test_create_body_that_is_not_an_object_is_422_at_root)
{
	static const char *const bodies[] = { "[]", "\"user\"", "42", "null" };
	size_t i;

	for (i = 0; i < sizeof bodies / sizeof bodies[0]; i++) {
		call("POST", "/v1/users", bodies[i]);
		assert_error(422, "invalid", "/");
	}
}
END_TEST

START_TEST(test_create_rejects_bad_field_values)
{
	static const struct {
		const char *body;
		const char *field;
	} cases[] = {
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
	size_t i;

	for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		call("POST", "/v1/users", cases[i].body);
		ck_assert_msg(
		    rep.status == 422, "%s: %d", cases[i].body, rep.status);
		ck_assert_str_eq(jstr("field"), cases[i].field);
	}
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
	call("POST", "/v1/users", body);
	ck_assert_int_eq(rep.status, 201);
	strcat(name, "é");
	snprintf(body, sizeof body,
	    "{\"email\":\"f@example.org\",\"name\":\"%s\"}", name);
	call("POST", "/v1/users", body);
	assert_error(422, "invalid", "/name");
}
END_TEST

START_TEST(test_patch_changes_only_the_given_fields)
{
	call("PATCH", "/v1/users/u1003",
	    "{\"name\":\"Priya R. Raman\","
	    "\"status\":\"suspended\",\"profile\":{\"timezone\":\"Asia/"
	    "Dubai\"}}");
	ck_assert_int_eq(rep.status, 200);
	ck_assert_str_eq(jstr("id"), "u1003");
	ck_assert_str_eq(jstr("name"), "Priya R. Raman");
	ck_assert_str_eq(jstr("status"), "suspended");
	ck_assert_str_eq(jstr("email"), "priya.raman@example.net");
	ck_assert_str_eq(jstr("created_at"), "2023-05-22T04:30:19Z");
	ck_assert_str_eq(jstr("profile/timezone"), "Asia/Dubai");
	ck_assert_str_eq(jstr("profile/locale"), "en-IN");
	ck_assert_str_eq(jstr("profile/display_name"), "Priya");

	call("GET", "/v1/users/u1003", NULL);
	ck_assert_str_eq(jstr("name"), "Priya R. Raman");
	ck_assert_str_eq(jstr("status"), "suspended");
	ck_assert_str_eq(jstr("profile/timezone"), "Asia/Dubai");
}
END_TEST

START_TEST(test_patch_every_status)
{
	static const char *const statuses[] = { "suspended", "deleted",
		"active" };
	char body[64];
	size_t i;

	for (i = 0; i < 3; i++) {
		snprintf(body, sizeof body, "{\"status\":\"%s\"}", statuses[i]);
		call("PATCH", "/v1/users/u1004", body);
		ck_assert_int_eq(rep.status, 200);
		ck_assert_str_eq(jstr("status"), statuses[i]);
	}
	call("PATCH", "/v1/users/u1004", "{\"status\":\"banned\"}");
	assert_error(422, "invalid", "/status");
	call("PATCH", "/v1/users/u1004", "{\"status\":\"Active\"}");
	assert_error(422, "invalid", "/status");
}
END_TEST

START_TEST(test_patch_email_moves_the_index)
{
	call("PATCH", "/v1/users/u1001", "{\"email\":\"ada@example.com\"}");
	ck_assert_int_eq(rep.status, 200);
	ck_assert_str_eq(jstr("email"), "ada@example.com");
	call("GET", "/v1/users?email=ada.okafor@example.org", NULL);
	ck_assert_uint_eq(json_array_size(jget(rep.json, "users")), 0);
	call("GET", "/v1/users?email=ADA@example.com", NULL);
	ck_assert_str_eq(jstr("users/0/id"), "u1001");
	/* The old address is free again. */
	call("POST", "/v1/users",
	    "{\"email\":\"ada.okafor@example.org\",\"name\":\"Other Ada\"}");
	ck_assert_int_eq(rep.status, 201);
}
END_TEST

START_TEST(test_patch_email_of_another_user_is_409)
{
	call("PATCH", "/v1/users/u1001",
	    "{\"email\":\"jonas.MUELLER@example.com\"}");
	assert_error(409, "conflict", NULL);
	call("GET", "/v1/users/u1001", NULL);
	ck_assert_str_eq(jstr("email"), "ada.okafor@example.org");
	/* A user's own address in other letters is not a conflict. */
	call("PATCH", "/v1/users/u1001",
	    "{\"email\":\"Ada.Okafor@example.org\"}");
	ck_assert_int_eq(rep.status, 200);
	ck_assert_str_eq(jstr("email"), "Ada.Okafor@example.org");
	call("GET", "/v1/users?email=ada.okafor@example.org", NULL);
	ck_assert_str_eq(jstr("users/0/id"), "u1001");
}
END_TEST

START_TEST(test_patch_errors)
{
	call("PATCH", "/v1/users/u4242", "{\"name\":\"Nobody\"}");
	assert_error(404, "not_found", NULL);
	call("PATCH", "/v1/users/u1001", "{\"id\":\"u1\"}");
	assert_error(422, "invalid", "/id");
	call("PATCH", "/v1/users/u1001",
	    "{\"created_at\":\"2020-01-01T00:00:00Z\"}");
	assert_error(422, "invalid", "/created_at");
	call("PATCH", "/v1/users/u1001", "{\"email\":\"nope\"}");
	assert_error(422, "invalid", "/email");
	call("PATCH", "/v1/users/u1001", "{\"profile\":{\"locale\":\"x\"}}");
	assert_error(422, "invalid", "/profile/locale");
	call("PATCH", "/v1/users/u1001", "{\"name\":");
	assert_error(400, "bad_json", NULL);
	call("GET", "/v1/users/u1001", NULL);
	ck_assert_str_eq(jstr("name"), "Ada Okafor");
	ck_assert_str_eq(jstr("profile/locale"), "en-GB");
}
END_TEST

START_TEST(test_patch_empty_object_changes_nothing)
{
	call("PATCH", "/v1/users/u1002", "{}");
	ck_assert_int_eq(rep.status, 200);
	ck_assert_str_eq(jstr("name"), "Jonas Müller");
}
END_TEST

START_TEST(test_patch_leaves_earlier_replies_untouched)
{
	json_t *before;

	call("GET", "/v1/users/u1006", NULL);
	before = json_incref(rep.json);
	call("PATCH", "/v1/users/u1006",
	    "{\"name\":\"Kenji W.\","
	    "\"profile\":{\"locale\":\"en-US\"}}");
	ck_assert_int_eq(rep.status, 200);
	ck_assert_str_eq(jstr("name"), "Kenji W.");
	ck_assert_str_eq(jstr("profile/locale"), "en-US");
	ck_assert_str_eq(jstr("profile/timezone"), "Asia/Tokyo");
	ck_assert_str_eq(json_string_value(json_object_get(before, "name")),
	    "Kenji Watanabe");
	ck_assert_str_eq(
	    json_string_value(jget(before, "profile/locale")), "ja-JP");
	json_decref(before);
}
END_TEST

START_TEST(test_store_full_is_507)
{
	ck_assert_uint_eq(p->max_records, 100000);
	p->max_records = 9;
	call("POST", "/v1/users",
	    "{\"email\":\"n9@example.org\",\"name\":\"Nine\"}");
	ck_assert_int_eq(rep.status, 201);
	call("POST", "/v1/users",
	    "{\"email\":\"n10@example.org\",\"name\":\"Ten\"}");
	assert_error(507, "store_full", NULL);
	call("GET", "/v1/users", NULL);
	ck_assert_uint_eq(json_array_size(jget(rep.json, "users")), 9);
	/* Patching is not adding: it still works. */
	call("PATCH", "/v1/users/u1009", "{\"name\":\"Nine Again\"}");
	ck_assert_int_eq(rep.status, 200);
}
END_TEST

START_TEST(test_reset_restores_fixture_and_sequence)
{
	call("POST", "/v1/users",
	    "{\"email\":\"r@example.org\",\"name\":\"R\"}");
	ck_assert_str_eq(jstr("id"), "u1009");
	call("PATCH", "/v1/users/u1001",
	    "{\"name\":\"Changed\",\"email\":\"changed@example.org\"}");
	ck_assert_int_eq(rep.status, 200);
	persona_reset(p);
	call("GET", "/v1/users", NULL);
	ck_assert_uint_eq(json_array_size(jget(rep.json, "users")), 8);
	call("GET", "/v1/users/u1001", NULL);
	ck_assert_str_eq(jstr("name"), "Ada Okafor");
	call("GET", "/v1/users?email=changed@example.org", NULL);
	ck_assert_uint_eq(json_array_size(jget(rep.json, "users")), 0);
	call("POST", "/v1/users",
	    "{\"email\":\"r@example.org\",\"name\":\"R\"}");
	ck_assert_int_eq(rep.status, 201);
	ck_assert_str_eq(jstr("id"), "u1009");
}
END_TEST

START_TEST(test_fixture_users_are_consistent)
{
	size_t i, n;
	json_t *users;
	char q[320];

	call("GET", "/v1/users", NULL);
	users = json_incref(jget(rep.json, "users"));
	n = json_array_size(users);
	ck_assert_uint_eq(n, 8);
	for (i = 0; i < n; i++) {
		/* Every fixture address finds its own user. */
		snprintf(q, sizeof q, "/v1/users?email=%s",
		    json_string_value(
		        json_object_get(json_array_get(users, i), "email")));
		call("GET", q, NULL);
		ck_assert_uint_eq(json_array_size(jget(rep.json, "users")), 1);
		ck_assert_ptr_eq(
		    jget(rep.json, "users/0"), json_array_get(users, i));
	}
	json_decref(users);
}
END_TEST

START_TEST(test_fixture_loader_refuses_bad_data)
{
	static const struct {
		const char *text;
		const char *cause_has;
	} cases[] = {
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
	char *cause;
	void *store;
	size_t i;

	for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		cause = NULL;
		store =
		    ums_ops.load(cases[i].text, strlen(cases[i].text), &cause);
		ck_assert_msg(store == NULL, "%s was loaded", cases[i].text);
		ck_assert_ptr_nonnull(cause);
		ck_assert_msg(strstr(cause, cases[i].cause_has) != NULL,
		    "%s: %s", cases[i].text, cause);
		free(cause);
	}
	store =
	    ums_ops.load("{\"users\": []}", strlen("{\"users\": []}"), &cause);
	ck_assert_ptr_nonnull(store);
	ums_ops.free(store);
}
END_TEST

START_TEST(test_ids_that_are_not_utf8_are_quoted_safely)
{
	call("GET", "/v1/users/\xff\xfe", NULL);
	assert_error(404, "not_found", NULL);
	ck_assert_str_eq(jstr("message"), "no user with id ??");
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
	SRunner *sr = srunner_create(ums_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
