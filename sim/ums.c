/*
 * ums.c: the User Management Service persona: users with an embedded
 * profile, found by id or by e-mail address, created and patched.
 */
#include "config.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "clock.h"
#include "persona_impl.h"
#include "persona_kit.h"
#include "reply.h"
#include "request.h"
#include "route.h"
#include "ums.h"
#include "util.h"

#define UMS_EMAIL_MAX 254
#define UMS_LOCAL_MAX 64
#define UMS_LABEL_MAX 63
#define UMS_NAME_MAX 200
#define UMS_STATUS_MAX 16
#define UMS_LOCALE_MAX 35
#define UMS_TIMEZONE_MAX 64
#define UMS_ID_MAX 32
#define UMS_QUOTE_MAX 128

/* The number of the first user id when the fixture has none ("u1001"). */
#define UMS_FIRST_ID 1001

/* Profile defaults for a user created without them. */
#define UMS_DEFAULT_LOCALE "en-US"
#define UMS_DEFAULT_TIMEZONE "UTC"

/*
 * Stored users are never changed in place: a PATCH stores a changed copy,
 * so a reply still holding the old object (say, delayed by a fault) keeps
 * saying what was true when it was made.
 */
struct ums_store {
	json_t *by_id; /* id -> user */
	json_t *by_email; /* lower-cased e-mail address -> id */
	json_t *order; /* ids, in id order */
	/* id -> the user serialized, made on first read, dropped on change */
	json_t *text_by_id;
	unsigned long next; /* the number of the next id */
};

/* The fields of a user a request may set; NULL where absent. */
struct ums_fields {
	const char *email;
	const char *name;
	const char *status;
	const char *display_name;
	const char *locale;
	const char *timezone;
};

static const char *const ums_statuses[] = { "active", "suspended", "deleted" };
static const char *const ums_profile_fields[] = { "display_name", "locale",
	"timezone" };

/* Does s look like an e-mail address: local@domain.tld? */
static int
ums_email_valid(const char *s)
{
	const char *at, *p, *label;
	size_t nlabels = 0;

	if (strlen(s) > UMS_EMAIL_MAX)
		return 0;
	at = strchr(s, '@');
	if (at == NULL || at == s || at - s > UMS_LOCAL_MAX)
		return 0;
	for (p = s; p < at; p++) {
		if (isalnum((unsigned char)*p) ||
		    strchr("!#$%&'*+/=?^_`{|}~-", *p) != NULL)
			continue;
		/* Dots separate words: none first, last or doubled. */
		if (*p == '.' && p != s && p + 1 != at && p[1] != '.')
			continue;
		return 0;
	}
	label = at + 1;
	for (p = label;; p++) {
		if (*p == '.' || *p == '\0') {
			if (p == label || p - label > UMS_LABEL_MAX ||
			    *label == '-' || p[-1] == '-')
				return 0;
			nlabels++;
			if (*p == '\0')
				break;
			label = p + 1;
			continue;
		}
		if (!isalnum((unsigned char)*p) && *p != '-')
			return 0;
	}
	return nlabels >= 2;
}

/* Lower-case an address into the key of the e-mail index; 0 or -1. */
static int
ums_email_key(const char *email, char *buf, size_t len)
{
	size_t i, n = strlen(email);

	if (n >= len)
		return -1;
	for (i = 0; i <= n; i++)
		buf[i] = (char)tolower((unsigned char)email[i]);
	return 0;
}

/* Is s a language tag such as "en", "en-GB" or "zh-Hant-TW"? */
static int
ums_locale_valid(const char *s)
{
	const char *p = s;
	size_t n;

	for (n = 0; islower((unsigned char)*p); p++)
		n++;
	if (n < 2 || n > 3)
		return 0;
	while (*p == '-') {
		for (n = 0, p++; isalnum((unsigned char)*p); p++)
			n++;
		if (n < 2 || n > 8)
			return 0;
	}
	return *p == '\0';
}

/* Is s a time zone name such as "UTC" or "America/Sao_Paulo"? */
static int
ums_timezone_valid(const char *s)
{
	const char *p;

	if (!isalpha((unsigned char)*s))
		return 0;
	for (p = s; *p != '\0'; p++) {
		if (isalnum((unsigned char)*p) || strchr("_+-", *p) != NULL)
			continue;
		if (*p == '/' && p[1] != '/' && p[1] != '\0')
			continue;
		return 0;
	}
	return 1;
}

/* Is s one of the statuses a user may have? */
static int
ums_status_valid(const char *s)
{
	size_t i;

	for (i = 0; i < nitems(ums_statuses); i++) {
		if (strcmp(s, ums_statuses[i]) == 0)
			return 1;
	}
	return 0;
}

/* Read and check the "profile" member of a body; 0, or -1 with a 422. */
static int
ums_read_profile(json_t *body, struct ums_fields *f, struct reply *r)
{
	json_t *profile;

	profile = json_object_get(body, "profile");
	if (profile == NULL)
		return 0;
	if (!json_is_object(profile)) {
		reply_invalid(r, "/profile",
		    "profile must be an object with display_name, locale and "
		    "timezone");
		return -1;
	}
	if (persona_kit_known_fields(profile, "/profile", ums_profile_fields,
	        nitems(ums_profile_fields), r) != 0)
		return -1;
	if (persona_kit_string(profile, "display_name", "/profile",
	        UMS_NAME_MAX, &f->display_name, r) < 0)
		return -1;
	if (persona_kit_string(profile, "locale", "/profile", UMS_LOCALE_MAX,
	        &f->locale, r) < 0)
		return -1;
	if (f->locale != NULL && !ums_locale_valid(f->locale)) {
		reply_invalid(r, "/profile/locale",
		    "locale must be a language tag such as \"en-GB\"");
		return -1;
	}
	if (persona_kit_string(profile, "timezone", "/profile",
	        UMS_TIMEZONE_MAX, &f->timezone, r) < 0)
		return -1;
	if (f->timezone != NULL && !ums_timezone_valid(f->timezone)) {
		reply_invalid(r, "/profile/timezone",
		    "timezone must be a time zone name such as "
		    "\"Europe/Berlin\" or \"UTC\"");
		return -1;
	}
	return 0;
}

/* Read and check the user fields present in a body; 0, or -1 with a 422. */
static int
ums_read(json_t *body, struct ums_fields *f, struct reply *r)
{
	memset(f, 0, sizeof *f);
	if (persona_kit_string(body, "email", "", UMS_EMAIL_MAX, &f->email, r) <
	    0)
		return -1;
	if (f->email != NULL && !ums_email_valid(f->email)) {
		reply_invalid(r, "/email",
		    "email must look like an address, such as "
		    "\"name@example.org\"");
		return -1;
	}
	if (persona_kit_string(body, "name", "", UMS_NAME_MAX, &f->name, r) < 0)
		return -1;
	if (persona_kit_string(
	        body, "status", "", UMS_STATUS_MAX, &f->status, r) < 0)
		return -1;
	if (f->status != NULL && !ums_status_valid(f->status)) {
		reply_invalid(r, "/status",
		    "status must be one of active, suspended, deleted");
		return -1;
	}
	return ums_read_profile(body, f, r);
}

/* Answer 409 if another user than self already has this address. */
static int
ums_email_taken(const struct ums_store *st, const char *email, const char *self,
    struct reply *r)
{
	char key[UMS_EMAIL_MAX + 1];
	const char *owner;

	if (ums_email_key(email, key, sizeof key) != 0)
		return 0;
	owner = json_string_value(json_object_get(st->by_email, key));
	if (owner == NULL || (self != NULL && strcmp(owner, self) == 0))
		return 0;
	reply_error(r, 409, "conflict",
	    "user %s already has the email address %s", owner, email);
	return 1;
}

/* Add or replace a user under its id and address; takes ownership of user. */
static void
ums_put(struct ums_store *st, json_t *user, int is_new)
{
	char key[UMS_EMAIL_MAX + 1];
	const char *id;

	id = json_string_value(json_object_get(user, "id"));
	if (ums_email_key(json_string_value(json_object_get(user, "email")),
	        key, sizeof key) == 0)
		json_object_set_new(st->by_email, key, json_string(id));
	if (is_new)
		json_array_append_new(st->order, json_string(id));
	json_object_del(st->text_by_id, id); /* its text is stale */
	json_object_set_new(st->by_id, id, user);
}

/* Answer 404 for a user id that is not stored. */
static void
ums_not_found(struct reply *r, const char *id)
{
	char quoted[UMS_QUOTE_MAX];

	reply_error(r, 404, "not_found", "no user with id %s",
	    persona_kit_quote(id, quoted, sizeof quoted));
}

/* GET /v1/users/{id}: one user, as stored. */
static void
ums_get(struct persona *p, const struct request *req,
    const struct route_params *params, struct reply *r)
{
	struct ums_store *st = p->store;
	const char *id = route_param(params, "id");
	json_t *user, *text;

	(void)req;
	user = json_object_get(st->by_id, id);
	if (user == NULL) {
		ums_not_found(r, id);
		return;
	}
	/* Serialized once and kept until the user changes (ums_put). */
	text = json_object_get(st->text_by_id, id);
	if (text == NULL && (text = persona_kit_text(user)) != NULL &&
	    json_object_set_new(st->text_by_id, id, text) != 0)
		text = NULL;
	reply_json_text(r, 200, json_incref(user), json_incref(text));
}

/* GET /v1/users[?email=]: all users in id order, or the one with that email. */
static void
ums_list(struct persona *p, const struct request *req,
    const struct route_params *params, struct reply *r)
{
	struct ums_store *st = p->store;
	char email[UMS_EMAIL_MAX + 1], key[UMS_EMAIL_MAX + 1];
	const char *id;
	json_t *users, *o;
	size_t i;
	int rc;

	(void)params;
	rc = request_query(req, "email", email, sizeof email);
	if (rc < 0) {
		reply_invalid(r, "query:email",
		    "email must be percent-encoded, at most %d bytes",
		    UMS_EMAIL_MAX);
		return;
	}
	users = json_array();
	if (rc == 1) {
		ums_email_key(email, key, sizeof key);
		id = json_string_value(json_object_get(st->by_email, key));
		if (id != NULL)
			json_array_append(
			    users, json_object_get(st->by_id, id));
	} else {
		for (i = 0; i < json_array_size(st->order); i++) {
			id = json_string_value(json_array_get(st->order, i));
			json_array_append(
			    users, json_object_get(st->by_id, id));
		}
	}
	o = json_object();
	json_object_set_new(o, "users", users);
	reply_json(r, 200, o);
}

/* POST /v1/users: create a user from an email, a name and a partial profile. */
static void
ums_create(struct persona *p, const struct request *req,
    const struct route_params *params, struct reply *r)
{
	static const char *const fields[] = { "email", "name", "profile" };
	struct ums_store *st = p->store;
	char id[UMS_ID_MAX], now[CLOCK_UTC_SECONDS_LEN];
	struct ums_fields f;
	json_t *body, *user;

	(void)params;
	body = persona_kit_body(req, r, fields, nitems(fields));
	if (body == NULL)
		return;
	if (ums_read(body, &f, r) != 0)
		goto out;
	if (f.email == NULL) {
		reply_invalid(r, "/email", "email is required");
		goto out;
	}
	if (f.name == NULL) {
		reply_invalid(r, "/name", "name is required");
		goto out;
	}
	if (ums_email_taken(st, f.email, NULL, r))
		goto out;
	if (persona_kit_full(p, json_object_size(st->by_id), "users", r))
		goto out;

	snprintf(id, sizeof id, "u%lu", st->next++);
	clock_utc_seconds(now, sizeof now);
	user = json_pack("{s:s, s:s, s:s, s:s, s:s, s:{s:s, s:s, s:s}}", "id",
	    id, "email", f.email, "name", f.name, "status", "active",
	    "created_at", now, "profile", "display_name",
	    f.display_name != NULL ? f.display_name : f.name, "locale",
	    f.locale != NULL ? f.locale : UMS_DEFAULT_LOCALE, "timezone",
	    f.timezone != NULL ? f.timezone : UMS_DEFAULT_TIMEZONE);
	if (user == NULL) {
		reply_error(r, 500, "internal", "cannot build the user");
		goto out;
	}
	ums_put(st, json_incref(user), 1);
	reply_header(r, "Location", "/v1/users/%s", id);
	reply_json(r, 201, user);

out:
	json_decref(body);
}

/* PATCH /v1/users/{id}: change name, email, status or profile fields. */
static void
ums_patch(struct persona *p, const struct request *req,
    const struct route_params *params, struct reply *r)
{
	static const char *const fields[] = { "name", "email", "status",
		"profile" };
	struct ums_store *st = p->store;
	const char *id = route_param(params, "id");
	char key[UMS_EMAIL_MAX + 1];
	struct ums_fields f;
	json_t *old, *body, *user, *profile;

	old = json_object_get(st->by_id, id);
	if (old == NULL) {
		ums_not_found(r, id);
		return;
	}
	body = persona_kit_body(req, r, fields, nitems(fields));
	if (body == NULL)
		return;
	if (ums_read(body, &f, r) != 0)
		goto out;
	if (f.email != NULL && ums_email_taken(st, f.email, id, r))
		goto out;

	user = json_deep_copy(old);
	if (user == NULL) {
		reply_error(r, 500, "internal", "cannot copy user %s", id);
		goto out;
	}
	profile = json_object_get(user, "profile");
	if (f.name != NULL)
		json_object_set_new(user, "name", json_string(f.name));
	if (f.status != NULL)
		json_object_set_new(user, "status", json_string(f.status));
	if (f.display_name != NULL)
		json_object_set_new(
		    profile, "display_name", json_string(f.display_name));
	if (f.locale != NULL)
		json_object_set_new(profile, "locale", json_string(f.locale));
	if (f.timezone != NULL)
		json_object_set_new(
		    profile, "timezone", json_string(f.timezone));
	if (f.email != NULL) {
		if (ums_email_key(
		        json_string_value(json_object_get(old, "email")), key,
		        sizeof key) == 0)
			json_object_del(st->by_email, key);
		json_object_set_new(user, "email", json_string(f.email));
	}
	ums_put(st, json_incref(user), 0);
	reply_json(r, 200, user);

out:
	json_decref(body);
}

/* Parse the number of an id such as "u1001"; 0 if it is not one. */
static unsigned long
ums_id_number(const char *id)
{
	unsigned long n = 0;
	const char *p;

	if (id == NULL || id[0] != 'u' || id[1] < '1' || id[1] > '9' ||
	    strlen(id) > 10)
		return 0;
	for (p = id + 1; *p != '\0'; p++) {
		if (!isdigit((unsigned char)*p))
			return 0;
		n = n * 10 + (unsigned long)(*p - '0');
	}
	return n;
}

/* Check one fixture user and store it; 0, or -1 with *cause set. */
static int
ums_load_user(void *arg, json_t *u, size_t i, unsigned long *last, char **cause)
{
	struct ums_store *st = arg;
	char key[UMS_EMAIL_MAX + 1];
	const char *id, *email, *status;
	unsigned long n;
	json_t *profile;

	id = json_string_value(json_object_get(u, "id"));
	n = ums_id_number(id);
	if (n == 0 || n <= *last) {
		*cause = xasprintf(
		    "/users/%zu/id: not u<number> above the last id", i);
		return -1;
	}
	email = json_string_value(json_object_get(u, "email"));
	if (email == NULL || !ums_email_valid(email)) {
		*cause = xasprintf("/users/%zu/email: not an address", i);
		return -1;
	}
	ums_email_key(email, key, sizeof key);
	if (json_object_get(st->by_email, key) != NULL) {
		*cause = xasprintf("/users/%zu/email: used twice", i);
		return -1;
	}
	status = json_string_value(json_object_get(u, "status"));
	if (status == NULL || !ums_status_valid(status)) {
		*cause = xasprintf("/users/%zu/status: not a status", i);
		return -1;
	}
	profile = json_object_get(u, "profile");
	if (!json_is_string(json_object_get(u, "name")) ||
	    !json_is_string(json_object_get(u, "created_at")) ||
	    !json_is_string(json_object_get(profile, "display_name")) ||
	    !json_is_string(json_object_get(profile, "locale")) ||
	    !json_is_string(json_object_get(profile, "timezone"))) {
		*cause = xasprintf(
		    "/users/%zu: lacks name, created_at or profile fields", i);
		return -1;
	}
	*last = n;
	ums_put(st, json_incref(u), 1);
	return 0;
}

/* Free a UMS store; safe on NULL. */
static void
ums_free(void *arg)
{
	struct ums_store *st = arg;

	if (st == NULL)
		return;
	json_decref(st->by_id);
	json_decref(st->by_email);
	json_decref(st->order);
	json_decref(st->text_by_id);
	free(st);
}

/* Build a store from the fixture {"users": [...]}, ids ascending. */
static void *
ums_load(const char *data, size_t len, char **cause)
{
	struct ums_store *st;
	unsigned long last = 0;

	st = xcalloc(1, sizeof *st);
	st->by_id = json_object();
	st->by_email = json_object();
	st->order = json_array();
	st->text_by_id = json_object();
	st->next = UMS_FIRST_ID;
	if (persona_kit_fixture_each(
	        data, len, "users", ums_load_user, st, &last, cause) != 0)
		goto fail;
	if (last != 0)
		st->next = last + 1;
	return st;

fail:
	ums_free(st);
	return NULL;
}

/* Does this UMS persona hold a user with that id? */
int
ums_user_exists(const struct persona *p, const char *id)
{
	const struct ums_store *st = p->store;

	return json_object_get(st->by_id, id) != NULL;
}

/* The UMS persona's routes; GET by id first, as the busiest. */
static const struct persona_route ums_routes[] = {
	{ "GET", "/v1/users/{id}", ums_get },
	{ "PATCH", "/v1/users/{id}", ums_patch },
	{ "GET", "/v1/users", ums_list },
	{ "POST", "/v1/users", ums_create },
};

const struct persona_ops ums_ops = {
	PERSONA_UMS,
	ums_routes,
	nitems(ums_routes),
	ums_load,
	ums_free,
};
