/*
 * response.h: an HTTP/1.1 response written out from a reply: the status
 * line, the headers standin always sends (Server, Date, Content-Type,
 * Content-Length, Connection), the reply's own headers and the body.
 */
#ifndef STANDIN_RESPONSE_H
#define STANDIN_RESPONSE_H

#include <stddef.h>

struct evbuffer;
struct reply;

/* What writing responses keeps between them: the Date header, a buffer. */
struct response_writer;

/* A writer, or NULL if out of memory. */
struct response_writer *response_writer_new(void);

/* Free it; safe on NULL. */
void response_writer_free(struct response_writer *);

/* How the request being answered wants its response written. */
struct response_opts {
	int close; /* send "Connection: close": the connection ends after it */
	int http10; /* an HTTP/1.0 client: "Connection: keep-alive" if it stays */
	int head; /* a HEAD request: headers only */
};

/*
 * Write a reply as a response into out; the length of the status line and
 * headers goes to *head_len if not NULL. Returns 0, or -1 if out of memory
 * (then out may hold part of it: the connection must end).
 */
int response_write(struct response_writer *, const struct reply *,
    const struct response_opts *, struct evbuffer *out, size_t *head_len);

/* The reason phrase for a status ("Not Found"). */
const char *response_reason(int status);

#endif
