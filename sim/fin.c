/*
 * fin.c: the financial engine persona: donations, taken at most once per
 * Idempotency-Key, a ledger that adds them up per currency, and each
 * user's donations a page at a time.
 *
 * The store is plain C: a donation is a 28-byte struct in chunks of
 * thousands (arena.c), and its strings are numbers in sets of interned
 * strings (intern.c): user ids, charity ids and times repeat, an
 * Idempotency-Key is stored once, with the number of its donation beside
 * it. Answers are JSON built from the structs when asked for. Freeing the
 * store frees its chunks, so a reset costs a few hundred free()s however
 * many donations it held.
 */
#include "config.h"

#include <ctype.h>
#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "arena.h"
#include "clock.h"
#include "fin.h"
#include "intern.h"
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

/* Digits of a fixture id's number, and of one asked for. */
#define FIN_FIXTURE_DIGITS 9
#define FIN_ID_DIGITS 10

/* A page of a user's donations: its size unless ?limit= says, and most. */
#define FIN_PAGE_DEFAULT 100
#define FIN_PAGE_MAX 1000

/* Room for the value of ?limit= or ?after=. */
#define FIN_QUERY_MAX 32

/* Room for a cursor: "c" and 8 hex digits. */
#define FIN_CURSOR_LEN 16

/* 2^N records a chunk: donations, users' lists, keys' donations. */
#define FIN_CHUNK_SHIFT 13

/* No donation: the end of a user's list. */
#define FIN_NONE UINT32_MAX

/* Currency codes, three letters A to Z, as numbers below 26^3. */
#define FIN_NCURRENCIES (26 * 26 * 26)

/*
 * A stored donation. Its id is "d" and its number; its status is always
 * "succeeded", so it is not stored. Donations are stored in id order.
 */
struct fin_donation {
	uint32_t number; /* "d5001" is 5001 */
	uint32_t user; /* in users */
	uint32_t charity; /* in text */
	uint32_t created_at; /* in text */
	uint32_t amount_cents;
	uint32_t next; /* the same user's next donation, or FIN_NONE */
	uint16_t currency; /* fin_currency_code() */
};

/* A user's donations: a list threaded through them, oldest first. */
struct fin_user {
	uint32_t first; /* index in donations, or FIN_NONE */
	uint32_t last;
};

/* A currency's line of the ledger. */
struct fin_total {
	uint16_t currency;
	json_int_t count;
	json_int_t amount_cents;
};

struct fin_store {
	struct arena_array donations; /* struct fin_donation, ids ascending */
	struct intern users; /* user ids */
	struct arena_array lists; /* struct fin_user, by user number */
	struct intern text; /* charity ids and created_at times */
	struct intern keys; /* Idempotency-Keys */
	struct arena_array keyed; /* uint32_t: key number -> donation index */
	struct fin_total *totals; /* by the currency's first donation */
	size_t ntotals;
	size_t totals_room;
	uint16_t total_of[FIN_NCURRENCIES]; /* currency -> totals index + 1 */
	uint32_t next; /* the number of the next id */
};

/* The fields of a donation, once checked. */
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

/* A valid currency code as a number below FIN_NCURRENCIES. */
static uint16_t
fin_currency_code(const char *s)
{
	return (
	    uint16_t)(((s[0] - 'A') * 26 + (s[1] - 'A')) * 26 + (s[2] - 'A'));
}

/* The three letters of a currency's number, in buf (4 bytes). */
static const char *
fin_currency_text(uint16_t code, char *buf)
{
	buf[0] = (char)('A' + code / (26 * 26));
	buf[1] = (char)('A' + code / 26 % 26);
	buf[2] = (char)('A' + code % 26);
	buf[3] = '\0';
	return buf;
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

/*
 * The number of an id such as "d5001" (no leading zero, at most digits
 * digits, at most UINT32_MAX); 0 if it is not one.
 */
static uint32_t
fin_id_number(const char *id, size_t digits)
{
	uint64_t n = 0;
	size_t i;

	if (id == NULL || id[0] != 'd' || id[1] < '1' || id[1] > '9')
		return 0;
	for (i = 1; id[i] != '\0'; i++) {
		if (i > digits || !isdigit((unsigned char)id[i]))
			return 0;
		n = n * 10 + (uint64_t)(id[i] - '0');
	}
	return n <= UINT32_MAX ? (uint32_t)n : 0;
}

/* Donation i of the store (below its count). */
static struct fin_donation *
fin_at(const struct fin_store *st, size_t i)
{
	return arena_array_at(&st->donations, i);
}

/* The index of the donation numbered number, or FIN_NONE. */
static uint32_t
fin_find(const struct fin_store *st, uint32_t number)
{
	size_t lo = 0, hi = st->donations.n, mid;
	uint32_t have;

	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		have = fin_at(st, mid)->number;
		if (have == number)
			return (uint32_t)mid;
		if (have < number)
			lo = mid + 1;
		else
			hi = mid;
	}
	return FIN_NONE;
}

/*
 * The most donations the store takes. persona.c gives every persona
 * PERSONA_MAX_RECORDS, sized for UMS's users (jansson objects); the
 * financial engine's compact store takes FIN_MAX_DONATIONS instead,
 * unless max_records was set otherwise (tests lower it).
 */
static size_t
fin_limit(const struct persona *p)
{
	return p->max_records != PERSONA_MAX_RECORDS ? p->max_records
	                                             : FIN_MAX_DONATIONS;
}

/* A donation as JSON, in the order answers always had; NULL: no memory. */
static json_t *
fin_json(uint32_t number, const char *user_id, const char *charity_id,
    json_int_t amount_cents, const char *currency, const char *created_at)
{
	char id[FIN_ID_ID_MAX];

	snprintf(id, sizeof id, "d%" PRIu32, number);
	return json_pack("{s:s, s:s, s:s, s:I, s:s, s:s, s:s}", "id", id,
	    "user_id", user_id, "charity_id", charity_id, "amount_cents",
	    amount_cents, "currency", currency, "status", "succeeded",
	    "created_at", created_at);
}

/* A stored donation as JSON; NULL if out of memory. */
static json_t *
fin_donation_json(const struct fin_store *st, const struct fin_donation *d)
{
	char currency[4];

	return fin_json(d->number, intern_get(&st->users, d->user),
	    intern_get(&st->text, d->charity), (json_int_t)d->amount_cents,
	    fin_currency_text(d->currency, currency),
	    intern_get(&st->text, d->created_at));
}

/* Where fin_text() writes: the end of the text so far, and of the room. */
struct fin_out {
	char *p, *end;
};

/* Append n bytes; 0, or -1 if they do not fit. */
static int
fin_put_bytes(struct fin_out *o, const char *s, size_t n)
{
	if ((size_t)(o->end - o->p) < n)
		return -1;
	memcpy(o->p, s, n);
	o->p += n;
	return 0;
}

/* Append "s" as a JSON string: -1 unless it needs no escaping. */
static int
fin_put_string(struct fin_out *o, const char *s)
{
	size_t n = strlen(s);

	if (json_plain_len(s) != n)
		return -1;
	return fin_put_bytes(o, "\"", 1) == 0 && fin_put_bytes(o, s, n) == 0 &&
	        fin_put_bytes(o, "\"", 1) == 0
	    ? 0
	    : -1;
}

/*
 * A donation's JSON text (compact, with its newline) written from its
 * fields: the bytes jansson dumps for fin_json() (tests/check_fin.c holds
 * them equal), without building, dumping and freeing an object for each
 * answer, which was a third of a POST's instructions in the profile.
 * Only strings that need no escaping are written so; for any other the
 * length is 0 and the caller goes through jansson.
 */
static size_t
fin_text(char *buf, size_t len, uint32_t number, const char *user_id,
    const char *charity_id, json_int_t amount_cents, const char *currency,
    const char *created_at)
{
	struct fin_out o = { buf, buf + len };
	char num[24];

#define FIN_LIT(o, lit) fin_put_bytes(o, lit, sizeof(lit) - 1)
	if (FIN_LIT(&o, "{\"id\":\"d") != 0 ||
	    fin_put_bytes(&o, num, decimal_format(num, number)) != 0 ||
	    FIN_LIT(&o, "\",\"user_id\":") != 0 ||
	    fin_put_string(&o, user_id) != 0 ||
	    FIN_LIT(&o, ",\"charity_id\":") != 0 ||
	    fin_put_string(&o, charity_id) != 0 ||
	    FIN_LIT(&o, ",\"amount_cents\":") != 0 ||
	    fin_put_bytes(
	        &o, num, decimal_format(num, (uint64_t)amount_cents)) != 0 ||
	    FIN_LIT(&o, ",\"currency\":") != 0 ||
	    fin_put_string(&o, currency) != 0 ||
	    FIN_LIT(&o, ",\"status\":\"succeeded\",\"created_at\":") != 0 ||
	    fin_put_string(&o, created_at) != 0 || FIN_LIT(&o, "}\n") != 0)
		return 0;
#undef FIN_LIT
	return (size_t)(o.p - buf);
}

/*
 * Answer status with a donation, from its text where fin_text() can
 * write it, else from jansson. Returns 0, or -1 if out of memory.
 */
static int
fin_answer(struct reply *r, int status, uint32_t number, const char *user_id,
    const char *charity_id, json_int_t amount_cents, const char *currency,
    const char *created_at)
{
	char text[REPLY_BODY_MAX];
	size_t n;
	json_t *o;

	n = fin_text(text, sizeof text, number, user_id, charity_id,
	    amount_cents, currency, created_at);
	if (n > 0 && reply_json_bytes(r, status, text, n) == 0)
		return 0;
	o = fin_json(
	    number, user_id, charity_id, amount_cents, currency, created_at);
	if (o == NULL)
		return -1;
	reply_json(r, status, o);
	return 0;
}

/* Answer status with a stored donation; 0, or -1 if out of memory. */
static int
fin_answer_stored(struct reply *r, int status, const struct fin_store *st,
    const struct fin_donation *d)
{
	char currency[4];

	return fin_answer(r, status, d->number, intern_get(&st->users, d->user),
	    intern_get(&st->text, d->charity), (json_int_t)d->amount_cents,
	    fin_currency_text(d->currency, currency),
	    intern_get(&st->text, d->created_at));
}

/* Was the donation made from a request with these fields? */
static int
fin_same(const struct fin_store *st, const struct fin_donation *d,
    const struct fin_fields *f)
{
	return d->amount_cents == f->amount_cents &&
	    d->currency == fin_currency_code(f->currency) &&
	    strcmp(intern_get(&st->users, d->user), f->user_id) == 0 &&
	    strcmp(intern_get(&st->text, d->charity), f->charity_id) == 0;
}

/* Make room for a currency's first line of the ledger; 0, or -1. */
static int
fin_totals_room(struct fin_store *st, uint16_t currency)
{
	struct fin_total *totals;
	size_t room;

	if (st->total_of[currency] != 0 || st->ntotals < st->totals_room)
		return 0;
	room = st->totals_room != 0 ? st->totals_room * 2 : 8;
	totals = realloc(st->totals, room * sizeof *totals);
	if (totals == NULL)
		return -1;
	st->totals = totals;
	st->totals_room = room;
	return 0;
}

/* Count a donation in its currency's line (fin_totals_room() made room). */
static void
fin_totals_add(struct fin_store *st, uint16_t currency, json_int_t amount)
{
	struct fin_total *t;

	if (st->total_of[currency] == 0) {
		t = &st->totals[st->ntotals++];
		t->currency = currency;
		t->count = 0;
		t->amount_cents = 0;
		st->total_of[currency] = (uint16_t)st->ntotals;
	}
	t = &st->totals[st->total_of[currency] - 1];
	t->count++;
	t->amount_cents += amount;
}

/*
 * Store a donation numbered above every other, under its user, its
 * currency's total and its key (if not NULL, and not known yet). Returns
 * 0, or -1 if out of memory with nothing stored: every step that can
 * fail comes before the first that changes what a reader sees.
 */
static int
fin_put(struct fin_store *st, const struct fin_fields *f, uint32_t number,
    const char *created_at, const char *key)
{
	uint16_t currency = fin_currency_code(f->currency);
	uint32_t *keyed = NULL, user, charity, created, keyno;
	struct fin_donation *d;
	struct fin_user *u;
	size_t i;
	int added;

	if (fin_totals_room(st, currency) != 0)
		return -1;
	d = arena_array_push(&st->donations, &i);
	if (d == NULL)
		return -1;
	if (key != NULL && (keyed = arena_array_push(&st->keyed, NULL)) == NULL)
		goto undo;
	/* A new user's list goes at the user's number: room for it first. */
	if (arena_array_push(&st->lists, NULL) == NULL)
		goto undo;
	added = intern_add(&st->users, f->user_id, strlen(f->user_id), &user);
	if (added != 1)
		arena_array_pop(&st->lists);
	if (added < 0)
		goto undo;
	if (added == 1) {
		u = arena_array_at(&st->lists, user);
		u->first = u->last = FIN_NONE;
	}
	if (intern_add(&st->text, f->charity_id, strlen(f->charity_id),
	        &charity) < 0 ||
	    intern_add(&st->text, created_at, strlen(created_at), &created) < 0)
		goto undo;
	/* The key last: a key once added cannot be taken back. */
	if (key != NULL && intern_add(&st->keys, key, strlen(key), &keyno) != 1)
		goto undo;

	d->number = number;
	d->user = user;
	d->charity = charity;
	d->created_at = created;
	d->amount_cents = (uint32_t)f->amount_cents;
	d->currency = currency;
	d->next = FIN_NONE;
	u = arena_array_at(&st->lists, user);
	if (u->last != FIN_NONE)
		fin_at(st, u->last)->next = (uint32_t)i;
	else
		u->first = (uint32_t)i;
	u->last = (uint32_t)i;
	if (keyed != NULL)
		*keyed = (uint32_t)i;
	fin_totals_add(st, currency, f->amount_cents);
	return 0;

undo:
	if (keyed != NULL)
		arena_array_pop(&st->keyed);
	arena_array_pop(&st->donations);
	return -1;
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

/* Answer 500 when the answer itself could not be built. */
static void
fin_no_memory(struct reply *r)
{
	reply_release(r);
	reply_error(r, 500, "internal", "out of memory building the answer");
}

/*
 * The headers of a donation's 201: Location and whether it is a replay
 * (written without printf: they go with every POST).
 */
static void
fin_created_headers(struct reply *r, uint32_t number, int replayed)
{
	char where[FIN_ID_ID_MAX + 16] = "/v1/donations/d";

	decimal_format(where + strlen(where), number);
	reply_header_str(r, "Location", where);
	if (replayed)
		reply_header_str(r, "Idempotent-Replayed", "true");
}

/* POST /v1/donations: take a donation, at most once per Idempotency-Key. */
static void
fin_create(struct persona *p, const struct request *req,
    const struct route_params *params, struct reply *r)
{
	static const char *const fields[] = { "user_id", "charity_id",
		"amount_cents", "currency" };
	struct fin_store *st = p->store;
	char now[CLOCK_UTC_SECONDS_LEN], quoted[FIN_QUOTE_MAX];
	const struct fin_donation *d;
	const char *key;
	struct fin_fields f;
	json_t *body;
	uint32_t keyno;

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

	if (key != NULL &&
	    intern_find(&st->keys, key, strlen(key), &keyno) == 1) {
		d = fin_at(st, *(uint32_t *)arena_array_at(&st->keyed, keyno));
		if (fin_same(st, d, &f)) {
			if (fin_answer_stored(r, 201, st, d) != 0)
				fin_no_memory(r);
			else
				fin_created_headers(r, d->number, 1);
		} else {
			reply_error(r, 409, "idempotency_conflict",
			    "Idempotency-Key %s was used for another request "
			    "(donation d%" PRIu32 ")",
			    key, d->number);
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
	if (persona_kit_full_at(
	        p, st->donations.n, fin_limit(p), "donations", r))
		goto out;

	/* The answer first: once stored, the donation must be answered. */
	clock_utc_seconds(now, sizeof now);
	if (fin_answer(r, 201, st->next, f.user_id, f.charity_id,
	        f.amount_cents, f.currency, now) != 0 ||
	    fin_put(st, &f, st->next, now, key) != 0) {
		reply_release(r);
		reply_error(r, 507, "out_of_memory",
		    "%s has no memory left to store the donation", p->service);
		goto out;
	}
	fin_created_headers(r, st->next++, 0);

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
	uint32_t number, i = FIN_NONE;

	(void)req;
	number = fin_id_number(id, FIN_ID_DIGITS);
	if (number != 0)
		i = fin_find(st, number);
	if (i == FIN_NONE) {
		reply_error(r, 404, "not_found", "no donation with id %s",
		    persona_kit_quote(id, quoted, sizeof quoted));
		return;
	}
	if (fin_answer_stored(r, 200, st, fin_at(st, i)) != 0)
		fin_no_memory(r);
}

/* Write the cursor after the donation numbered number. */
static void
fin_cursor(uint32_t number, char *buf, size_t len)
{
	snprintf(buf, len, "c%" PRIx32, number);
}

/* The number a cursor names ("c" and 1 to 8 hex digits), or 0. */
static uint32_t
fin_cursor_number(const char *s)
{
	uint32_t n = 0;
	size_t i;

	if (s[0] != 'c' || s[1] == '0')
		return 0;
	for (i = 1; s[i] != '\0'; i++) {
		if (i > 8 || !isxdigit((unsigned char)s[i]) ||
		    isupper((unsigned char)s[i]))
			return 0;
		n = n * 16 +
		    (uint32_t)(isdigit((unsigned char)s[i]) ? s[i] - '0'
		                                            : s[i] - 'a' + 10);
	}
	return n;
}

/*
 * Read ?limit= into *limit (FIN_PAGE_DEFAULT if absent) and the number
 * of ?after= into *after (0 if absent). 0, or -1 with a 422.
 */
static int
fin_page_query(
    const struct request *req, size_t *limit, uint32_t *after, struct reply *r)
{
	char buf[FIN_QUERY_MAX];
	size_t i;
	int rc;

	*limit = FIN_PAGE_DEFAULT;
	*after = 0;
	rc = request_query(req, "limit", buf, sizeof buf);
	if (rc == 1) {
		*limit = 0;
		for (i = 0; buf[i] != '\0' && *limit <= FIN_PAGE_MAX; i++) {
			if (!isdigit((unsigned char)buf[i]))
				break;
			*limit = *limit * 10 + (size_t)(buf[i] - '0');
		}
		if (buf[i] != '\0' || *limit < 1 || *limit > FIN_PAGE_MAX)
			rc = -1;
	}
	if (rc < 0) {
		reply_invalid(r, "query:limit",
		    "limit must be a whole number from 1 to %d", FIN_PAGE_MAX);
		return -1;
	}
	rc = request_query(req, "after", buf, sizeof buf);
	if (rc == 1 && (*after = fin_cursor_number(buf)) == 0)
		rc = -1;
	if (rc < 0) {
		reply_invalid(r, "query:after",
		    "after must be the \"next\" of an earlier page");
		return -1;
	}
	return 0;
}

/*
 * A page of up to limit donations from index i on (FIN_NONE: none) as
 * {"donations": [...], "next": cursor or null}; NULL if out of memory.
 */
static json_t *
fin_page(const struct fin_store *st, uint32_t i, size_t limit)
{
	const struct fin_donation *d = NULL;
	char cursor[FIN_CURSOR_LEN];
	json_t *o, *list, *next;
	size_t n;

	o = json_object();
	list = json_array();
	if (o == NULL || list == NULL ||
	    json_object_set(o, "donations", list) != 0)
		goto fail;
	for (n = 0; n < limit && i != FIN_NONE; n++) {
		d = fin_at(st, i);
		if (json_array_append_new(list, fin_donation_json(st, d)) != 0)
			goto fail;
		i = d->next;
	}
	if (i != FIN_NONE) {
		fin_cursor(d->number, cursor, sizeof cursor);
		next = json_string(cursor);
	} else
		next = json_null();
	if (json_object_set_new(o, "next", next) != 0)
		goto fail;
	json_decref(list);
	return o;

fail:
	json_decref(list);
	json_decref(o);
	return NULL;
}

/*
 * GET /v1/users/{id}/donations[?limit=N&after=CURSOR]: a page of a user's
 * donations, oldest first, and the cursor of the next page.
 */
static void
fin_user_donations(struct persona *p, const struct request *req,
    const struct route_params *params, struct reply *r)
{
	struct fin_store *st = p->store;
	const char *id = route_param(params, "id");
	char quoted[FIN_QUOTE_MAX];
	const struct fin_user *u = NULL;
	const struct fin_donation *d;
	uint32_t user = 0, after, i;
	size_t limit;
	json_t *page;

	if (p->users_from != NULL && !ums_user_exists(p->users_from, id)) {
		reply_error(r, 404, "not_found", "no user with id %s in %s",
		    persona_kit_quote(id, quoted, sizeof quoted),
		    p->users_from->service);
		return;
	}
	if (fin_page_query(req, &limit, &after, r) != 0)
		return;
	if (intern_find(&st->users, id, strlen(id), &user) == 1)
		u = arena_array_at(&st->lists, user);
	i = u != NULL ? u->first : FIN_NONE;
	if (after != 0) {
		/* A cursor names one of this user's donations, still stored. */
		i = fin_find(st, after);
		if (i == FIN_NONE || u == NULL ||
		    (d = fin_at(st, i))->user != user) {
			reply_invalid(r, "query:after",
			    "after is not a cursor of this user's donations "
			    "(cursors do not outlive a reset)");
			return;
		}
		i = d->next;
	}
	page = fin_page(st, i, limit);
	if (page == NULL) {
		fin_no_memory(r);
		return;
	}
	reply_json(r, 200, page);
}

/* GET /v1/ledger: how many donations, and their sums per currency. */
static void
fin_ledger(struct persona *p, const struct request *req,
    const struct route_params *params, struct reply *r)
{
	struct fin_store *st = p->store;
	const struct fin_total *t;
	json_t *o, *totals;
	char code[4];
	size_t i;

	(void)req;
	(void)params;
	o = json_pack(
	    "{s:I, s:{}}", "count", (json_int_t)st->donations.n, "totals");
	if (o == NULL)
		goto fail;
	totals = json_object_get(o, "totals");
	for (i = 0; i < st->ntotals; i++) {
		t = &st->totals[i];
		if (json_object_set_new(totals,
		        fin_currency_text(t->currency, code),
		        json_pack("{s:I, s:I}", "count", t->count,
		            "amount_cents", t->amount_cents)) != 0)
			goto fail;
	}
	reply_json(r, 200, o);
	return;

fail:
	json_decref(o);
	fin_no_memory(r);
}

/* The members a fixture donation has, all required. */
static const char *const fin_members[] = { "id", "user_id", "charity_id",
	"amount_cents", "currency", "status", "created_at" };

/* Check one fixture donation and store it; 0, or -1 with *cause set. */
static int
fin_load_donation(
    void *arg, json_t *d, size_t i, unsigned long *last, char **cause)
{
	struct fin_store *st = arg;
	const char *status, *created_at, *member;
	struct fin_fields f;
	uint32_t n;
	json_t *amount, *v;
	size_t m;

	json_object_foreach(d, member, v)
	{
		for (m = 0; m < nitems(fin_members); m++) {
			if (strcmp(member, fin_members[m]) == 0)
				break;
		}
		if (m == nitems(fin_members)) {
			*cause = xasprintf(
			    "/donations/%zu/%s: not a member of a donation", i,
			    member);
			return -1;
		}
	}
	n = fin_id_number(
	    json_string_value(json_object_get(d, "id")), FIN_FIXTURE_DIGITS);
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
	f.amount_cents = json_integer_value(amount);
	f.currency = json_string_value(json_object_get(d, "currency"));
	if (f.currency == NULL || !fin_currency_valid(f.currency)) {
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
	f.user_id = json_string_value(json_object_get(d, "user_id"));
	f.charity_id = json_string_value(json_object_get(d, "charity_id"));
	created_at = json_string_value(json_object_get(d, "created_at"));
	if (f.user_id == NULL || f.charity_id == NULL || created_at == NULL) {
		*cause = xasprintf(
		    "/donations/%zu: lacks user_id, charity_id or created_at",
		    i);
		return -1;
	}
	/* Out of memory: no cause, since making one could fail too. */
	if (fin_put(st, &f, n, created_at, NULL) != 0)
		return -1;
	*last = n;
	return 0;
}

/* Free a financial engine store: a few hundred chunks; safe on NULL. */
static void
fin_free(void *arg)
{
	struct fin_store *st = arg;

	if (st == NULL)
		return;
	arena_array_release(&st->donations);
	intern_release(&st->users);
	arena_array_release(&st->lists);
	intern_release(&st->text);
	intern_release(&st->keys);
	arena_array_release(&st->keyed);
	free(st->totals);
	free(st);
}

/*
 * Build a store from the fixture {"donations": [...]}, ids ascending.
 * Out of memory is NULL without a cause: it runs on reset too.
 */
static void *
fin_load(const char *data, size_t len, char **cause)
{
	struct fin_store *st;
	unsigned long last = 0;

	st = calloc(1, sizeof *st);
	if (st == NULL)
		return NULL;
	arena_array_init(
	    &st->donations, sizeof(struct fin_donation), FIN_CHUNK_SHIFT);
	intern_init(&st->users);
	arena_array_init(&st->lists, sizeof(struct fin_user), FIN_CHUNK_SHIFT);
	intern_init(&st->text);
	intern_init(&st->keys);
	arena_array_init(&st->keyed, sizeof(uint32_t), FIN_CHUNK_SHIFT);
	st->next = FIN_FIRST_ID;
	if (persona_kit_fixture_each(data, len, "donations", fin_load_donation,
	        st, &last, cause) != 0)
		goto fail;
	if (last != 0)
		st->next = (uint32_t)last + 1;
	return st;

fail:
	fin_free(st);
	return NULL;
}

void
fin_usage(const struct persona *p, struct fin_usage *usage)
{
	const struct fin_store *st;
	struct arena_use use = { 0, 0 };

	memset(usage, 0, sizeof *usage);
	if (p == NULL || p->ops != &fin_ops || p->store == NULL)
		return;
	st = p->store;
	use.bytes = sizeof *st;
	use.allocs = 1;
	arena_array_count(&st->donations, &use);
	intern_count(&st->users, &use);
	arena_array_count(&st->lists, &use);
	intern_count(&st->text, &use);
	intern_count(&st->keys, &use);
	arena_array_count(&st->keyed, &use);
	if (st->totals != NULL) {
		use.bytes += st->totals_room * sizeof *st->totals;
		use.allocs++;
	}
	usage->donations = st->donations.n;
	usage->limit = fin_limit(p);
	usage->bytes = use.bytes;
	usage->allocs = use.allocs;
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
