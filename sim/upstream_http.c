/*
 * upstream_http.c: an http proxy's exchange with its upstream (see
 * upstream_http.h). The request goes out as the client sent it, less the
 * headers that belong to one hop; the response is parsed by http-parser
 * and held whole, so that the http faults (truncate, drip, schema_drift)
 * can act on it as on a persona's answer.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <event2/buffer.h>
#include <http_parser.h>

#include "reply.h"
#include "request.h"
#include "upstream_http.h"
#include "util.h"

/* Longest header name and value passed on. */
#define UPSTREAM_HTTP_NAME_MAX 128
#define UPSTREAM_HTTP_VALUE_MAX 1024

struct upstream_http {
	http_parser parser;
	int head; /* the request was HEAD: the response has no body */
	int complete;
	int too_large;
	int in_value; /* the last header callback was a value */
	char name[UPSTREAM_HTTP_NAME_MAX + 1],
	    value[UPSTREAM_HTTP_VALUE_MAX + 1];
	size_t name_len, value_len;
	int status;
	char headers[REPLY_HEADERS_MAX]; /* "Name: value\r\n" lines kept */
	size_t headers_len;
	int json; /* its Content-Type is JSON */
	struct evbuffer *body;
};

/* Headers of one hop (RFC 9110 7.6.1), and those standin writes itself. */
static const char *const upstream_http_hop[] = { "Connection", "Keep-Alive",
	"Proxy-Connection", "TE", "Trailer", "Transfer-Encoding", "Upgrade",
	"Content-Length" };

static int
upstream_http_is_hop(const char *name, size_t len)
{
	size_t i;

	for (i = 0; i < nitems(upstream_http_hop); i++) {
		if (strlen(upstream_http_hop[i]) == len &&
		    strncasecmp(upstream_http_hop[i], name, len) == 0)
			return 1;
	}
	return 0;
}

struct upstream_http *
upstream_http_new(void)
{
	struct upstream_http *h = calloc(1, sizeof *h);

	if (h == NULL)
		return NULL;
	if ((h->body = evbuffer_new()) == NULL) {
		free(h);
		return NULL;
	}
	return h;
}

void
upstream_http_free(struct upstream_http *h)
{
	if (h == NULL)
		return;
	evbuffer_free(h->body);
	free(h);
}

/* Append a piece to out. */
static void
upstream_http_put(struct evbuffer *out, const char *s, size_t n)
{
	evbuffer_add(out, s, n);
}

#define UPSTREAM_HTTP_PUT(out, lit) upstream_http_put(out, lit, sizeof(lit) - 1)

int
upstream_http_request(
    struct upstream_http *h, const struct request *req, struct evbuffer *out)
{
	char len[24];
	size_t i;

	/* A new exchange: the parser and what the last one held. */
	http_parser_init(&h->parser, HTTP_RESPONSE);
	h->parser.data = h;
	h->head = req->head;
	h->complete = h->too_large = h->in_value = 0;
	h->name_len = h->value_len = 0;
	h->status = 0;
	h->headers_len = 0;
	h->json = 0;
	evbuffer_drain(h->body, evbuffer_get_length(h->body));

	upstream_http_put(out, req->head ? "HEAD" : req->method,
	    strlen(req->head ? "HEAD" : req->method));
	UPSTREAM_HTTP_PUT(out, " ");
	upstream_http_put(out, req->target, req->target_len);
	UPSTREAM_HTTP_PUT(out, " HTTP/1.1\r\n");
	for (i = 0; i < req->nheaders; i++) {
		const struct request_header *rh = &req->headers[i];

		if (upstream_http_is_hop(rh->name, strlen(rh->name)))
			continue;
		upstream_http_put(out, rh->name, strlen(rh->name));
		UPSTREAM_HTTP_PUT(out, ": ");
		upstream_http_put(out, rh->value, strlen(rh->value));
		UPSTREAM_HTTP_PUT(out, "\r\n");
	}
	if (req->body_len > 0 || strcmp(req->method, "POST") == 0 ||
	    strcmp(req->method, "PUT") == 0 ||
	    strcmp(req->method, "PATCH") == 0) {
		UPSTREAM_HTTP_PUT(out, "Content-Length: ");
		upstream_http_put(out, len, decimal_format(len, req->body_len));
		UPSTREAM_HTTP_PUT(out, "\r\n");
	}
	UPSTREAM_HTTP_PUT(out, "\r\n");
	if (req->body_len > 0)
		upstream_http_put(out, req->body, req->body_len);
	return 0;
}

/* A header is whole: keep it unless it is one hop's (or too long). */
static void
upstream_http_header_done(struct upstream_http *h)
{
	size_t need = h->name_len + h->value_len + 4;

	if (h->name_len == 0)
		return;
	h->name[h->name_len] = '\0';
	h->value[h->value_len] = '\0';
	if (strcasecmp(h->name, "Content-Type") == 0 &&
	    strstr(h->value, "json") != NULL)
		h->json = 1;
	if (!upstream_http_is_hop(h->name, h->name_len) &&
	    h->headers_len + need < sizeof h->headers) {
		memcpy(h->headers + h->headers_len, h->name, h->name_len);
		h->headers_len += h->name_len;
		memcpy(h->headers + h->headers_len, ": ", 2);
		memcpy(h->headers + h->headers_len + 2, h->value, h->value_len);
		h->headers_len += 2 + h->value_len;
		memcpy(h->headers + h->headers_len, "\r\n", 2);
		h->headers_len += 2;
	}
	h->name_len = h->value_len = 0;
	h->in_value = 0;
}

/* Append a piece to a bounded field (what does not fit is dropped). */
static void
upstream_http_add(char *buf, size_t *len, size_t max, const char *at, size_t n)
{
	if (*len + n > max)
		n = max - *len;
	memcpy(buf + *len, at, n);
	*len += n;
}

static int
upstream_http_on_field(http_parser *p, const char *at, size_t n)
{
	struct upstream_http *h = p->data;

	if (h->in_value)
		upstream_http_header_done(h);
	upstream_http_add(h->name, &h->name_len, UPSTREAM_HTTP_NAME_MAX, at, n);
	return 0;
}

static int
upstream_http_on_value(http_parser *p, const char *at, size_t n)
{
	struct upstream_http *h = p->data;

	h->in_value = 1;
	upstream_http_add(
	    h->value, &h->value_len, UPSTREAM_HTTP_VALUE_MAX, at, n);
	return 0;
}

static int
upstream_http_on_headers_complete(http_parser *p)
{
	struct upstream_http *h = p->data;

	upstream_http_header_done(h);
	h->status = (int)p->status_code;
	/* A response to HEAD has no body, whatever it says (1: skip it). */
	return h->head ? 1 : 0;
}

static int
upstream_http_on_body(http_parser *p, const char *at, size_t n)
{
	struct upstream_http *h = p->data;

	if (evbuffer_get_length(h->body) + n > UPSTREAM_HTTP_BODY_MAX) {
		h->too_large = 1;
		return -1;
	}
	return evbuffer_add(h->body, at, n);
}

static int
upstream_http_on_complete(http_parser *p)
{
	struct upstream_http *h = p->data;

	/* An interim answer (100 Continue): the real one follows. */
	if (h->status >= 100 && h->status < 200 && h->status != 101) {
		h->headers_len = 0;
		h->json = 0;
		return 0;
	}
	h->complete = 1;
	http_parser_pause(p, 1);
	return 0;
}

static const http_parser_settings upstream_http_settings = {
	.on_header_field = upstream_http_on_field,
	.on_header_value = upstream_http_on_value,
	.on_headers_complete = upstream_http_on_headers_complete,
	.on_body = upstream_http_on_body,
	.on_message_complete = upstream_http_on_complete,
};

int
upstream_http_input(struct upstream_http *h, const char *data, size_t len,
    size_t *used, const char **why)
{
	enum http_errno err;

	*used =
	    http_parser_execute(&h->parser, &upstream_http_settings, data, len);
	if (h->complete)
		return 1;
	err = HTTP_PARSER_ERRNO(&h->parser);
	if (err != HPE_OK) {
		*why = h->too_large ? "its answer is larger than 16 MB"
		                    : http_errno_description(err);
		return -1;
	}
	return 0;
}

int
upstream_http_eof(struct upstream_http *h)
{
	/* A body that runs to the end of the connection ends here. */
	if (!h->complete && h->status != 0)
		http_parser_execute(
		    &h->parser, &upstream_http_settings, NULL, 0);
	return h->complete;
}

void
upstream_http_reply(struct upstream_http *h, struct reply *r)
{
	reply_init(r);
	r->status = h->status;
	r->proxied = 1;
	memcpy(r->headers, h->headers, h->headers_len);
	r->headers_len = h->headers_len;
	r->headers[r->headers_len] = '\0';
	r->raw_len = evbuffer_get_length(h->body);
	r->raw =
	    r->raw_len > 0 ? (const char *)evbuffer_pullup(h->body, -1) : "";
	r->raw_json = h->json && r->raw_len > 0;
	/* HEAD: the length of what a GET would have had. */
	if (h->head && (h->parser.flags & F_CONTENTLENGTH))
		r->head_length = (int64_t)h->parser.content_length;
	r->route = "upstream";
}
