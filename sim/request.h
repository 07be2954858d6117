/*
 * request.h: an HTTP request as the personas and stubs see it, already
 * parsed and independent of the parser. Every string is NUL-terminated and
 * owned by the connection until the reply is written.
 */
#ifndef STANDIN_REQUEST_H
#define STANDIN_REQUEST_H

#include <stddef.h>

struct request_header {
	const char *name;
	const char *value;
};

struct request {
	const char *method; /* "GET", "POST", ... */
	const char *path; /* decoded path, no query: "/v1/users/u1001" */
	const char *query; /* raw query string without '?', or NULL */
	/* The request target as sent ("/v1/users?email=a%40b"), for a far
	 * end that passes the request on: target_len bytes. */
	const char *target;
	size_t target_len;
	int head; /* a HEAD request (method reads "GET": its answer is one) */
	struct request_header *headers;
	size_t nheaders;
	const char *body; /* NUL-terminated; body_len bytes */
	size_t body_len;
};

/* The value of a header (case-insensitive name), or NULL. */
const char *request_header(const struct request *, const char *name);

/*
 * Copy the percent-decoded value of one query parameter into buf.
 * Returns 1 if it was present, 0 if not, -1 if it was too long or badly
 * encoded.
 */
int request_query(
    const struct request *, const char *name, char *buf, size_t len);

#endif
