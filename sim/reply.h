/*
 * reply.h: the answer a persona or stub builds for one request, before
 * the HTTP layer serializes it. Building one allocates only the JSON body.
 */
#ifndef STANDIN_REPLY_H
#define STANDIN_REPLY_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#define REPLY_HEADERS_MAX 2048

/* Room for a JSON text the reply holds itself (reply_json_bytes). */
#define REPLY_BODY_MAX 512

struct reply {
	int status;
	json_t *json; /* body as JSON (owned), or NULL */
	/*
	 * json already serialized, with its newline: a JSON string (owned),
	 * or NULL. A persona keeps the text of a record until the record
	 * changes, so answering it costs no serialization (the profile's
	 * largest share was jansson dumping the same object every request).
	 */
	json_t *text;
	const char *raw; /* otherwise a raw body, not owned */
	size_t raw_len;
	int raw_json; /* raw is JSON text (in body): reply_json_value() */
	char body[REPLY_BODY_MAX]; /* the bytes of reply_json_bytes() */
	const char
	    *content_type; /* NULL: application/json if there is a body */
	char headers[REPLY_HEADERS_MAX]; /* extra "Name: value\r\n" lines */
	size_t headers_len;
	/* A real service's answer passed on (an http proxy): its own
	 * headers stand; no Server, Date or Content-Type of standin's. */
	int proxied;
	/* A proxied answer to HEAD: the length the upstream gave (it sent no
	 * body), for Content-Length; -1 if none. */
	int64_t head_length;
	/* The pattern of the stub or route the request went to, for the
	 * metrics (set by persona_handle(), not owned), or NULL. */
	const char *route;
};

void reply_init(struct reply *);

/* Answer with status and a JSON body; takes ownership of body. */
void reply_json(struct reply *, int status, json_t *body);

/*
 * The same with body's serialization (compact, then a newline) in the
 * JSON string text; takes ownership of both.
 */
void reply_json_text(struct reply *, int status, json_t *body, json_t *text);

/*
 * Answer with status and JSON text (compact, with its newline) that the
 * reply copies: a persona that writes its answer's text itself skips
 * building an object and dumping it. Returns 0, or -1 if longer than
 * REPLY_BODY_MAX (nothing changed).
 */
int reply_json_bytes(struct reply *, int status, const char *text, size_t len);

/*
 * The body as JSON: the reply's object, or its JSON text parsed (then
 * kept as the reply's object). NULL if it has no JSON body (or out of
 * memory). For what changes an answer's JSON (schema_drift).
 */
json_t *reply_json_value(struct reply *);

/* Answer {"error": code, "message": ...} with status. */
void reply_error(struct reply *, int status, const char *code, const char *fmt,
    ...) __attribute__((format(printf, 4, 5)));

/*
 * Answer 422 {"error":"invalid", "message":..., "field": pointer}, naming
 * the bad field of the request body by its JSON pointer ("/amount_cents").
 */
void reply_invalid(struct reply *, const char *field, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Add a header line with a value as it is. Returns 0, or -1 if it did
 * not fit or the value holds a line break. */
int reply_header_str(struct reply *, const char *name, const char *value);

/* Add a header line. Returns 0, or -1 if it did not fit. */
int reply_header(struct reply *, const char *name, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Does the reply already carry this header (case-insensitive)? */
int reply_has_header(const struct reply *, const char *name);

/* Free what the reply owns and make it empty again. */
void reply_release(struct reply *);

#endif
