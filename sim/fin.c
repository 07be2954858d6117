/*
 * fin.c: the financial engine persona: donations, taken at most once per
 * Idempotency-Key, and a ledger that adds them up per currency.
 */
#include "config.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "clock.h"
#include "fin.h"
#include "persona_impl.h"
#include "persona_kit.h"
#include "reply.h"
#include "request.h"
#include "route.h"
#include "ums.h"
#include "util.h"

#define FIN_ID_MAX 64
#define FIN_KEY_MAX 255
#define FIN_AMOUNT_MIN 1
#define FIN_AMOUNT_MAX 1000000000
#define FIN_ID_ID_MAX 32
#define FIN_QUOTE_MAX 128

/* The number of the first donation id when the fixture has none ("d5001"). */
#define FIN_FIRST_ID 5001

/*
 * Stored donations never change, so replies hold them without copying;
 * the per-user lists and the totals do change, so replies copy those.
 */
struct fin_store {
	json_t *by_id; /* id -> donation */
	json_t *by_user; /* user id -> that user's donations, oldest first */
	json_t *keys; /* Idempotency-Key -> {"request", "donation"} */
	json_t *totals; /* currency -> {"count", "amount_cents"} */
	unsigned long next; /* the number of the next id */
};

/* The fields of a donation request, once checked. */
struct fin_fields {
	const char *user_id;
	const char *charity_id;
	json_int_t amount_cents;
	const char *currency;
};

/* Is s an ISO 4217-shaped currency code: three capital letters? */
static int
fin_currency_valid(const char *s)
{
	size_t i;

	for (i = 0; i < 3; i++) {
		if (s[i] < 'A' || s[i] > 'Z')
			return 0;
	}
	return s[3] == '\0';
}

/* Is an Idempotency-Key 1 to 255 printable ASCII characters? */
static int
fin_key_valid(const char *key)
{
	size_t n;

	for (n = 0; key[n] != '\0'; n++) {
		if ((unsigned char)key[n] < 0x20 ||
		    (unsigned char)key[n] > 0x7e)
			return 0;
	}
	return n >= 1 && n <= FIN_KEY_MAX;
}

/* Read a required string field, or answer 422 naming it. */
static int
fin_read_string(json_t *body, const char *key, size_t max, const char **out,
    struct reply *r)
{
	char ptr[PERSONA_KIT_POINTER_LEN];
	int rc;

	rc = persona_kit_string(body, key, "", max, out, r);
	if (rc == 0) {
		persona_kit_pointer(ptr, sizeof ptr, "", key);
		reply_invalid(r, ptr, "%s is required", key);
	}
	return rc == 1 ? 0 : -1;
}

/* Read and check a donation request's fields; 0, or -1 with a 422. */
static int
fin_read(json_t *body, struct fin_fields *f, struct reply *r)
{
	json_t *amount;

	if (fin_read_string(body, "user_id", FIN_ID_MAX, &f->user_id, r) != 0)
		return -1;
	if (fin_read_string(
	        body, "charity_id", FIN_ID_MAX, &f->charity_id, r) != 0)
		return -1;
	amount = json_object_get(body, "amount_cents");
	if (amount == NULL) {
		reply_invalid(r, "/amount_cents", "amount_cents is required");
		return -1;
	}
	if (!json_is_integer(amount) ||
	    json_integer_value(amount) < FIN_AMOUNT_MIN ||
	    json_integer_value(amount) > FIN_AMOUNT_MAX) {
		reply_invalid(r, "/amount_cents",
		    "amount_cents must be whole cents from %d to %d",
		    FIN_AMOUNT_MIN, FIN_AMOUNT_MAX);
		return -1;
	}
	f->amount_cents = json_integer_value(amount);
	if (fin_read_string(body, "currency", FIN_ID_MAX, &f->currency, r) != 0)
		return -1;
	if (!fin_currency_valid(f->currency)) {
		reply_invalid(r, "/currency",
		    "currency must be an ISO 4217 code: three capital letters "
		    "such as \"EUR\"");
		return -1;
	}
	return 0;
}

/* Store a donation under its id, its user and its currency's total. */
static void
fin_put(struct fin_store *st, json_t *donation)
{
	const char *id, *user, *currency;
	json_t *list, *total;

	id = json_string_value(json_object_get(donation, "id"));
	user = json_string_value(json_object_get(donation, "user_id"));
	currency = json_string_value(json_object_get(donation, "currency"));

	json_object_set(st->by_id, id, donation);
	list = json_object_get(st->by_user, user);
	if (list == NULL) {
		list = json_array();
		json_object_set_new(st->by_user, user, list);
	}
	json_array_append(list, donation);

	total = json_object_get(st->totals, currency);
	if (total == NULL) {
		total = json_pack("{s:I, s:I}", "count", (json_int_t)0,
		    "amount_cents", (json_int_t)0);
		json_object_set_new(st->totals, currency, total);
	}
	json_integer_set(json_object_get(total, "count"),
	    json_integer_value(json_object_get(total, "count")) + 1);
	json_integer_set(json_object_get(total, "amount_cents"),
	    json_integer_value(json_object_get(total, "amount_cents")) +
	        json_integer_value(json_object_get(donation, "amount_cents")));
}

/* Answer with a donation: its status, Location and whether it is a replay. */
static void
fin_reply_donation(struct reply *r, json_t *donation, int replayed)
{
	reply_header(r, "Location", "/v1/donations/%s",
	    json_string_value(json_object_get(donation, "id")));
	if (replayed)
		reply_header(r, "Idempotent-Replayed", "true");
	reply_json(r, 201, json_incref(donation));
}

/* POST /v1/donations: take a donation, at most once per Idempotency-Key. */
static void
fin_create(struct persona *p, const struct request *req,
    const struct route_params *params, struct reply *r)
{
	static const char *const fields[] = { "user_id", "charity_id",
		"amount_cents", "currency" };
	struct fin_store *st = p->store;
	char id[FIN_ID_ID_MAX], now[CLOCK_UTC_SECONDS_LEN],
	    quoted[FIN_QUOTE_MAX];
	const char *key;
	struct fin_fields f;
	json_t *body, *seen, *donation;

	(void)params;
	key = request_header(req, "Idempotency-Key");
	if (key != NULL && !fin_key_valid(key)) {
		reply_invalid(r, "header:Idempotency-Key",
		    "Idempotency-Key must be 1-%d printable ASCII characters",
		    FIN_KEY_MAX);
		return;
	}
	body = persona_kit_body(req, r, fields, nitems(fields));
	if (body == NULL)
		return;
	if (fin_read(body, &f, r) != 0)
		goto out;

	seen = key != NULL ? json_object_get(st->keys, key) : NULL;
	if (seen != NULL) {
		donation = json_object_get(seen, "donation");
		if (json_equal(json_object_get(seen, "request"), body))
			fin_reply_donation(r, donation, 1);
		else {
			reply_error(r, 409, "idempotency_conflict",
			    "Idempotency-Key %s was used for another request "
			    "(donation %s)",
			    key,
			    json_string_value(json_object_get(donation, "id")));
		}
		goto out;
	}
	if (p->users_from != NULL &&
	    !ums_user_exists(p->users_from, f.user_id)) {
		reply_invalid(r, "/user_id", "no user with id %s in %s",
		    persona_kit_quote(f.user_id, quoted, sizeof quoted),
		    p->users_from->service);
		goto out;
	}
	if (persona_kit_full(p, json_object_size(st->by_id), "donations", r))
		goto out;

	snprintf(id, sizeof id, "d%lu", st->next++);
	clock_utc_seconds(now, sizeof now);
	donation = json_pack("{s:s, s:s, s:s, s:I, s:s, s:s, s:s}", "id", id,
	    "user_id", f.user_id, "charity_id", f.charity_id, "amount_cents",
	    f.amount_cents, "currency", f.currency, "status", "succeeded",
	    "created_at", now);
	if (donation == NULL) {
		reply_error(r, 500, "internal", "cannot build the donation");
		goto out;
	}
	fin_put(st, donation);
	if (key != NULL) {
		json_object_set_new(st->keys, key,
		    json_pack(
		        "{s:O, s:O}", "request", body, "donation", donation));
	}
	fin_reply_donation(r, donation, 0);
	json_decref(donation);

out:
	json_decref(body);
}

/* GET /v1/donations/{id}: one donation. */
static void
fin_get(struct persona *p, const struct request *req,
    const struct route_params *params, struct reply *r)
{
	struct fin_store *st = p->store;
	const char *id = route_param(params, "id");
	char quoted[FIN_QUOTE_MAX];
	json_t *donation;

	(void)req;
	donation = json_object_get(st->by_id, id);
	if (donation == NULL) {
		reply_error(r, 404, "not_found", "no donation with id %s",
		    persona_kit_quote(id, quoted, sizeof quoted));
		return;
	}
	reply_json(r, 200, json_incref(donation));
}

/* GET /v1/users/{id}/donations: a user's donations, oldest first. */
static void
fin_user_donations(struct persona *p, const struct request *req,
    const struct route_params *params, struct reply *r)
{
	struct fin_store *st = p->store;
	const char *id = route_param(params, "id");
	char quoted[FIN_QUOTE_MAX];
	json_t *list, *o;

	(void)req;
	if (p->users_from != NULL && !ums_user_exists(p->users_from, id)) {
		reply_error(r, 404, "not_found", "no user with id %s in %s",
		    persona_kit_quote(id, quoted, sizeof quoted),
		    p->users_from->service);
		return;
	}
	list = json_object_get(st->by_user, id);
	o = json_object();
	json_object_set_new(
	    o, "donations", list != NULL ? json_copy(list) : json_array());
	reply_json(r, 200, o);
}

/* GET /v1/ledger: how many donations, and their sums per currency. */
static void
fin_ledger(struct persona *p, const struct request *req,
    const struct route_params *params, struct reply *r)
{
	struct fin_store *st = p->store;
	json_t *o;

	(void)req;
	(void)params;
	o = json_object();
	json_object_set_new(
	    o, "count", json_integer((json_int_t)json_object_size(st->by_id)));
	json_object_set_new(o, "totals", json_deep_copy(st->totals));
	reply_json(r, 200, o);
}

/* Parse the number of an id such as "d5001"; 0 if it is not one. */
static unsigned long
fin_id_number(const char *id)
{
	unsigned long n = 0;
	const char *p;

	if (id == NULL || id[0] != 'd' || id[1] < '1' || id[1] > '9' ||
	    strlen(id) > 10)
		return 0;
	for (p = id + 1; *p != '\0'; p++) {
		if (!isdigit((unsigned char)*p))
			return 0;
		n = n * 10 + (unsigned long)(*p - '0');
	}
	return n;
}

/* Check one fixture donation and store it; 0, or -1 with *cause set. */
static int
fin_load_donation(
    void *arg, json_t *d, size_t i, unsigned long *last, char **cause)
{
	struct fin_store *st = arg;
	const char *currency, *status;
	unsigned long n;
	json_t *amount;

	n = fin_id_number(json_string_value(json_object_get(d, "id")));
	if (n == 0 || n <= *last) {
		*cause = xasprintf(
		    "/donations/%zu/id: not d<number> above the last id", i);
		return -1;
	}
	amount = json_object_get(d, "amount_cents");
	if (!json_is_integer(amount) ||
	    json_integer_value(amount) < FIN_AMOUNT_MIN ||
	    json_integer_value(amount) > FIN_AMOUNT_MAX) {
		*cause =
		    xasprintf("/donations/%zu/amount_cents: not an amount", i);
		return -1;
	}
	currency = json_string_value(json_object_get(d, "currency"));
	if (currency == NULL || !fin_currency_valid(currency)) {
		*cause =
		    xasprintf("/donations/%zu/currency: not a currency", i);
		return -1;
	}
	status = json_string_value(json_object_get(d, "status"));
	if (status == NULL || strcmp(status, "succeeded") != 0) {
		*cause =
		    xasprintf("/donations/%zu/status: not \"succeeded\"", i);
		return -1;
	}
	if (!json_is_string(json_object_get(d, "user_id")) ||
	    !json_is_string(json_object_get(d, "charity_id")) ||
	    !json_is_string(json_object_get(d, "created_at"))) {
		*cause = xasprintf(
		    "/donations/%zu: lacks user_id, charity_id or created_at",
		    i);
		return -1;
	}
	*last = n;
	fin_put(st, d);
	return 0;
}

/* Free a financial engine store; safe on NULL. */
static void
fin_free(void *arg)
{
	struct fin_store *st = arg;

	if (st == NULL)
		return;
	json_decref(st->by_id);
	json_decref(st->by_user);
	json_decref(st->keys);
	json_decref(st->totals);
	free(st);
}

/* Build a store from the fixture {"donations": [...]}, ids ascending. */
static void *
fin_load(const char *data, size_t len, char **cause)
{
	struct fin_store *st;
	unsigned long last = 0;

	st = xcalloc(1, sizeof *st);
	st->by_id = json_object();
	st->by_user = json_object();
	st->keys = json_object();
	st->totals = json_object();
	st->next = FIN_FIRST_ID;
	if (persona_kit_fixture_each(data, len, "donations", fin_load_donation,
	        st, &last, cause) != 0)
		goto fail;
	if (last != 0)
		st->next = last + 1;
	return st;

fail:
	fin_free(st);
	return NULL;
}

/* The financial engine's routes. */
static const struct persona_route fin_routes[] = {
	{ "POST", "/v1/donations", fin_create },
	{ "GET", "/v1/donations/{id}", fin_get },
	{ "GET", "/v1/users/{id}/donations", fin_user_donations },
	{ "GET", "/v1/ledger", fin_ledger },
};

const struct persona_ops fin_ops = {
	PERSONA_FINANCIAL_ENGINE,
	fin_routes,
	nitems(fin_routes),
	fin_load,
	fin_free,
};
