/*
 * upstream_http.h: an http proxy's exchange with its upstream, one
 * request at a time: the client's request written out as the real
 * service should see it, and the real service's response parsed
 * (http-parser) into a reply that answer.c can shape with http faults.
 */
#ifndef STANDIN_UPSTREAM_HTTP_H
#define STANDIN_UPSTREAM_HTTP_H

#include <stddef.h>

struct evbuffer;
struct reply;
struct request;
struct upstream_http;

/* The most of a response body held (the answer is held whole). */
#define UPSTREAM_HTTP_BODY_MAX (16 * 1024 * 1024)

/* One connection's exchange; NULL if out of memory. */
struct upstream_http *upstream_http_new(void);

void upstream_http_free(struct upstream_http *);

/*
 * Write a request into out for the upstream: its request line with the
 * target as the client sent it, its headers but the hop-by-hop ones (Host
 * passes through), its body with a Content-Length. Starts a new exchange.
 * Returns 0, or -1 if out of memory.
 */
int upstream_http_request(
    struct upstream_http *, const struct request *, struct evbuffer *out);

/*
 * Feed the upstream's bytes. Returns 1 when its response is complete
 * (*used says how many bytes it took), 0 when it wants more, -1 when the
 * response is not HTTP or too large (the reason in why).
 */
int upstream_http_input(struct upstream_http *, const char *data, size_t len,
    size_t *used, const char **why);

/* The upstream closed: 1 if that completes the response, else 0. */
int upstream_http_eof(struct upstream_http *);

/*
 * The complete response as a reply: its status, its headers but the
 * hop-by-hop ones, its body (valid until the next exchange); a JSON body
 * is marked so (schema_drift can change it).
 */
void upstream_http_reply(struct upstream_http *, struct reply *);

#endif
