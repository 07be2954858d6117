/*
 * http.h: HTTP/1.1 on a connection. Requests are parsed by http-parser,
 * answered one at a time in order (pipelined requests wait in the input
 * buffer), and replies serialized into the connection's output.
 */
#ifndef STANDIN_HTTP_H
#define STANDIN_HTTP_H

#include <stddef.h>
#include <stdint.h>

#include <http_parser.h>

#include "request.h"

struct conn;
struct reply;

#define HTTP_HEADER_BYTES_MAX \
	(16 * 1024) /* request line + headers: 431 past it */
#define HTTP_HEADERS_MAX 100 /* header lines: 431 past it */
#define HTTP_BODY_MAX (1024 * 1024) /* request body: 413 past it */

/* Where one header sits in the session's buffer. */
struct http_span {
	size_t name_off, name_len;
	size_t value_off, value_len;
};

/* The parsing state of one connection. */
struct http_session {
	http_parser parser;
	struct conn *conn;
	char *buf; /* url, header names and values, body */
	size_t len, cap;
	size_t url_off, url_len;
	struct http_span spans[HTTP_HEADERS_MAX];
	size_t nspans;
	size_t body_off, body_len;
	size_t header_bytes;
	int in_value; /* the last header callback was a value */
	int in_body; /* headers are complete */
	int complete; /* a whole request is waiting to be answered */
	int error_status; /* 413 or 431 found while parsing, or 0 */
	int head; /* a HEAD request: reply without the body */
	int keep_alive; /* the client may send another request */
	struct request_header headers[HTTP_HEADERS_MAX];
	struct request req; /* the request being answered */
	char path[2048]; /* its decoded path */
	char *query; /* its query, inside buf */
};

void http_session_init(struct http_session *, struct conn *);
void http_session_free(struct http_session *);

/*
 * Parse what the connection has read and answer every complete request
 * while the connection keeps reading.
 */
void http_read(struct conn *);

/*
 * Serialize a reply into dst (Connection: close when close is set); the
 * length of the status line and headers goes to *head_len if not NULL.
 */
void http_serialize(struct conn *, const struct reply *, int close,
    struct evbuffer *dst, size_t *head_len);

/* Serialize a reply into the connection's output. */
void http_write_reply(struct conn *, const struct reply *);

/*
 * An answer's bytes are queued: close after them if the request said so,
 * hold reading if the output is full, else read on. Does not parse.
 */
void http_finish(struct conn *);

/* A held answer went out: http_finish(), then parse what waits. */
void http_resume(struct conn *);

/* Answer a protocol error (400, 413, 431) and close after flushing. */
void http_fail(struct conn *, int status, const char *code, const char *msg);

/* The reason phrase for a status ("Not Found"). */
const char *http_reason(int status);

#endif
