/*
 * persona_kit.c: the checks and helpers the persona modules share: request
 * bodies and their fields, JSON pointers, quoting, fixture records and the
 * store's limit. It calls into none of the persona modules.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "persona_impl.h"
#include "persona_kit.h"
#include "reply.h"
#include "request.h"
#include "util.h"

/* Longest field name quoted back in a message. */
#define PERSONA_KIT_QUOTE_MAX 128

/* Copy s for a message, replacing what JSON cannot carry. */
const char *
persona_kit_quote(const char *s, char *buf, size_t len)
{
	size_t n = strlen(s), i;
	json_t *probe;

	if (len == 0)
		return buf;
	if (n < len) {
		probe = json_string(s);
		if (probe != NULL) {
			json_decref(probe);
			memcpy(buf, s, n + 1);
			return buf;
		}
	}
	for (i = 0; i < n && i + 1 < len; i++) {
		if ((unsigned char)s[i] < 0x20 || (unsigned char)s[i] > 0x7e)
			buf[i] = '?';
		else
			buf[i] = s[i];
	}
	buf[i] = '\0';
	return buf;
}

/* Write the JSON pointer of key inside the object at prefix. */
void
persona_kit_pointer(char *buf, size_t len, const char *prefix, const char *key)
{
	size_t o;

	if (len == 0)
		return;
	o = (size_t)snprintf(buf, len, "%s/", prefix);
	if (o >= len)
		return;
	for (; *key != '\0' && o + 3 < len; key++) {
		if (*key == '~' || *key == '/') {
			buf[o++] = '~';
			buf[o++] = *key == '~' ? '0' : '1';
		} else
			buf[o++] = *key;
	}
	buf[o] = '\0';
}

/* Name a JSON value's type the way a message would. */
const char *
persona_kit_json_kind(const json_t *v)
{
	switch (json_typeof(v)) {
	case JSON_OBJECT:
		return "an object";
	case JSON_ARRAY:
		return "an array";
	case JSON_STRING:
		return "a string";
	case JSON_INTEGER:
	case JSON_REAL:
		return "a number";
	case JSON_TRUE:
		return "true";
	case JSON_FALSE:
		return "false";
	case JSON_NULL:
		break;
	}
	return "null";
}

/* Answer 422 for an unknown field, naming the known ones and a near miss. */
static void
persona_kit_unknown_field(const char *key, const char *prefix,
    const char *const *fields, size_t nfields, struct reply *r)
{
	char ptr[PERSONA_KIT_POINTER_LEN], known[256], hint[96],
	    quoted[PERSONA_KIT_QUOTE_MAX];
	size_t i, d, bestd = (size_t)-1, off = 0;
	const char *best = NULL;
	int n;

	known[0] = '\0';
	for (i = 0; i < nfields; i++) {
		d = edit_distance(key, fields[i]);
		if (d < bestd) {
			bestd = d;
			best = fields[i];
		}
		if (off < sizeof known) {
			n = snprintf(known + off, sizeof known - off, "%s%s",
			    i > 0 ? ", " : "", fields[i]);
			off += n > 0 ? (size_t)n : 0;
		}
	}
	hint[0] = '\0';
	if (best != NULL && bestd <= 2)
		snprintf(hint, sizeof hint, "did you mean \"%s\"? ", best);
	persona_kit_pointer(ptr, sizeof ptr, prefix, key);
	reply_invalid(r, ptr, "unknown field \"%s\" (%sknown: %s)",
	    persona_kit_quote(key, quoted, sizeof quoted), hint, known);
}

/* Check that every key of an object is among fields; 422 otherwise. */
int
persona_kit_known_fields(json_t *o, const char *prefix,
    const char *const *fields, size_t nfields, struct reply *r)
{
	const char *key;
	void *it;
	size_t i;

	for (it = json_object_iter(o); it != NULL;
	     it = json_object_iter_next(o, it)) {
		key = json_object_iter_key(it);
		for (i = 0; i < nfields; i++) {
			if (strcmp(key, fields[i]) == 0)
				break;
		}
		if (i == nfields) {
			persona_kit_unknown_field(
			    key, prefix, fields, nfields, r);
			return -1;
		}
	}
	return 0;
}

/* Parse a request body that must be a JSON object with known keys only. */
json_t *
persona_kit_body(const struct request *req, struct reply *r,
    const char *const *fields, size_t nfields)
{
	json_error_t err;
	json_t *body;

	body = json_loadb(req->body != NULL ? req->body : "",
	    req->body != NULL ? req->body_len : 0,
	    JSON_DECODE_ANY | JSON_REJECT_DUPLICATES, &err);
	if (body == NULL) {
		reply_error(r, 400, "bad_json",
		    "%s at line %d, column %d (position %d)", err.text,
		    err.line, err.column, err.position);
		return NULL;
	}
	if (!json_is_object(body)) {
		reply_invalid(r, "/", "the body must be a JSON object, not %s",
		    persona_kit_json_kind(body));
		goto fail;
	}
	if (persona_kit_known_fields(body, "", fields, nfields, r) != 0)
		goto fail;
	return body;

fail:
	json_decref(body);
	return NULL;
}

/* Read an optional string member of 1 to max characters. */
int
persona_kit_string(json_t *o, const char *key, const char *prefix, size_t max,
    const char **out, struct reply *r)
{
	char ptr[PERSONA_KIT_POINTER_LEN];
	const unsigned char *s;
	size_t nchars = 0, blank = 1;
	json_t *v;

	v = json_object_get(o, key);
	if (v == NULL)
		return 0;
	/* The field's pointer is written only for a 422 (in the profile of
	 * a POST it was written for every field of every request). */
	if (!json_is_string(v)) {
		persona_kit_pointer(ptr, sizeof ptr, prefix, key);
		reply_invalid(r, ptr, "%s must be a string, not %s", key,
		    persona_kit_json_kind(v));
		return -1;
	}
	for (s = (const unsigned char *)json_string_value(v); *s != '\0'; s++) {
		if (*s < 0x20 || *s == 0x7f) {
			persona_kit_pointer(ptr, sizeof ptr, prefix, key);
			reply_invalid(r, ptr,
			    "%s must not contain control characters", key);
			return -1;
		}
		if (*s != ' ')
			blank = 0;
		/* Count characters: skip UTF-8 continuation bytes. */
		if ((*s & 0xc0) != 0x80)
			nchars++;
	}
	if (nchars == 0 || nchars > max || blank) {
		persona_kit_pointer(ptr, sizeof ptr, prefix, key);
		reply_invalid(r, ptr,
		    "%s must have 1 to %zu characters, not all spaces", key,
		    max);
		return -1;
	}
	*out = json_string_value(v);
	return 1;
}

/* Answer 507 store_full if the persona already holds max_records. */
int
persona_kit_full(
    const struct persona *p, size_t count, const char *what, struct reply *r)
{
	return persona_kit_full_at(p, count, p->max_records, what, r);
}

/* Answer 507 store_full if the persona already holds limit records. */
int
persona_kit_full_at(const struct persona *p, size_t count, size_t limit,
    const char *what, struct reply *r)
{
	if (count < limit)
		return 0;
	reply_error(r, 507, "store_full",
	    "%s holds %zu %s, its limit; reset it to start again", p->service,
	    count, what);
	return 1;
}

/* Read fixture text {"KEY": [records]}, handing each record to one(). */
int
persona_kit_fixture_each(const char *data, size_t len, const char *key,
    persona_kit_fixture_fn *one, void *store, unsigned long *last, char **cause)
{
	json_error_t err;
	json_t *doc, *records;
	size_t i;
	int rc = -1;

	doc = json_loadb(data, len, JSON_REJECT_DUPLICATES, &err);
	if (doc == NULL) {
		*cause = xasprintf("%d:%d: %s", err.line, err.column, err.text);
		return -1;
	}
	records = json_object_get(doc, key);
	if (!json_is_array(records)) {
		*cause = xasprintf("/%s: not an array", key);
		goto out;
	}
	for (i = 0; i < json_array_size(records); i++) {
		if (one(store, json_array_get(records, i), i, last, cause) != 0)
			goto out;
	}
	rc = 0;
out:
	json_decref(doc);
	return rc;
}

json_t *
persona_kit_text(const json_t *record)
{
	size_t need = json_dumpb(record, NULL, 0, JSON_COMPACT);
	char *buf;
	json_t *s;

	if (need == 0 || (buf = malloc(need + 1)) == NULL)
		return NULL;
	json_dumpb(record, buf, need, JSON_COMPACT);
	buf[need] = '\n'; /* answers end with one */
	s = json_stringn_nocheck(buf, need + 1); /* ours: valid UTF-8 */
	free(buf);
	return s;
}
