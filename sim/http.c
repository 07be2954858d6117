/*
 * http.c: HTTP/1.1 on a connection, with http-parser doing the parsing.
 *
 * Each request's URL, headers and body are copied into one per-connection
 * buffer that is reused from request to request. When a request is
 * complete the parser pauses, the request is answered, and parsing resumes
 * with whatever the client pipelined behind it, so replies always go out
 * in order and a connection never holds more than one request.
 */
#include "config.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <sys/time.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>

#include "answer.h"
#include "conn.h"
#include "http.h"
#include "log.h"
#include "metrics.h"
#include "persona.h"
#include "reply.h"
#include "server.h"
#include "service.h"
#include "util.h"

/* A buffer this large is given back after the request that grew it. */
#define HTTP_BUF_KEEP (64 * 1024)

static int on_message_begin(http_parser *);
static int on_url(http_parser *, const char *, size_t);
static int on_header_field(http_parser *, const char *, size_t);
static int on_header_value(http_parser *, const char *, size_t);
static int on_headers_complete(http_parser *);
static int on_body(http_parser *, const char *, size_t);
static int on_message_complete(http_parser *);

static const http_parser_settings http_settings = {
	.on_message_begin = on_message_begin,
	.on_url = on_url,
	.on_header_field = on_header_field,
	.on_header_value = on_header_value,
	.on_headers_complete = on_headers_complete,
	.on_body = on_body,
	.on_message_complete = on_message_complete,
};

static const struct {
	int status;
	const char *reason;
} http_reasons[] = {
	{ 100, "Continue" },
	{ 101, "Switching Protocols" },
	{ 200, "OK" },
	{ 201, "Created" },
	{ 202, "Accepted" },
	{ 204, "No Content" },
	{ 301, "Moved Permanently" },
	{ 302, "Found" },
	{ 304, "Not Modified" },
	{ 400, "Bad Request" },
	{ 401, "Unauthorized" },
	{ 403, "Forbidden" },
	{ 404, "Not Found" },
	{ 405, "Method Not Allowed" },
	{ 408, "Request Timeout" },
	{ 409, "Conflict" },
	{ 410, "Gone" },
	{ 413, "Content Too Large" },
	{ 414, "URI Too Long" },
	{ 415, "Unsupported Media Type" },
	{ 422, "Unprocessable Content" },
	{ 426, "Upgrade Required" },
	{ 429, "Too Many Requests" },
	{ 431, "Request Header Fields Too Large" },
	{ 500, "Internal Server Error" },
	{ 501, "Not Implemented" },
	{ 502, "Bad Gateway" },
	{ 503, "Service Unavailable" },
	{ 504, "Gateway Timeout" },
	{ 505, "HTTP Version Not Supported" },
	{ 507, "Insufficient Storage" },
};

const char *
http_reason(int status)
{
	size_t i;

	for (i = 0; i < nitems(http_reasons); i++) {
		if (http_reasons[i].status == status)
			return http_reasons[i].reason;
	}
	return "Unknown";
}

void
http_session_init(struct http_session *s, struct conn *c)
{
	memset(s, 0, sizeof *s);
	s->conn = c;
	http_parser_init(&s->parser, HTTP_REQUEST);
	s->parser.data = s;
}

void
http_session_free(struct http_session *s)
{
	free(s->buf);
	s->buf = NULL;
	s->len = s->cap = 0;
}

/* Append bytes to the session buffer. Returns 0 or -1 (out of memory). */
static int
session_append(struct http_session *s, const char *data, size_t len)
{
	size_t cap;
	char *p;

	if (s->len + len + 1 > s->cap) {
		cap = s->cap == 0 ? 2048 : s->cap;
		while (cap < s->len + len + 1)
			cap *= 2;
		p = realloc(s->buf, cap);
		if (p == NULL)
			return -1;
		s->buf = p;
		s->cap = cap;
	}
	memcpy(s->buf + s->len, data, len);
	s->len += len;
	return 0;
}

/* Count request-line and header bytes against the limit. */
static int
session_count_header(struct http_session *s, size_t len)
{
	s->header_bytes += len;
	if (s->header_bytes > HTTP_HEADER_BYTES_MAX) {
		s->error_status = 431;
		return -1;
	}
	return 0;
}

static int
on_message_begin(http_parser *p)
{
	struct http_session *s = p->data;

	if (s->cap > HTTP_BUF_KEEP)
		http_session_free(s);
	s->len = 0;
	s->url_off = s->url_len = 0;
	s->nspans = 0;
	s->body_off = s->body_len = 0;
	s->header_bytes = 0;
	s->in_value = s->in_body = s->complete = 0;
	s->error_status = 0;
	return 0;
}

static int
on_url(http_parser *p, const char *at, size_t len)
{
	struct http_session *s = p->data;

	if (session_count_header(s, len) == -1)
		return -1;
	s->url_len += len;
	return session_append(s, at, len);
}

static int
on_header_field(http_parser *p, const char *at, size_t len)
{
	struct http_session *s = p->data;
	struct http_span *span;

	if (s->in_body)
		return 0; /* trailers of a chunked body are ignored */
	if (session_count_header(s, len) == -1)
		return -1;
	if (s->nspans == 0 || s->in_value) {
		if (s->nspans == HTTP_HEADERS_MAX) {
			s->error_status = 431;
			return -1;
		}
		/* The NUL ends the URL or the previous header's value. */
		if (session_append(s, "", 1) == -1)
			return -1;
		span = &s->spans[s->nspans++];
		span->name_off = s->len;
		span->name_len = span->value_len = 0;
		span->value_off = 0;
		s->in_value = 0;
	}
	s->spans[s->nspans - 1].name_len += len;
	return session_append(s, at, len);
}

static int
on_header_value(http_parser *p, const char *at, size_t len)
{
	struct http_session *s = p->data;
	struct http_span *span = &s->spans[s->nspans - 1];

	if (s->in_body)
		return 0;
	if (session_count_header(s, len) == -1)
		return -1;
	if (!s->in_value) {
		if (session_append(s, "", 1) == -1) /* ends the name */
			return -1;
		span->value_off = s->len;
		s->in_value = 1;
	}
	span->value_len += len;
	return session_append(s, at, len);
}

/* The value of a header of the request being parsed, or NULL. */
static const char *
session_header(const struct http_session *s, const char *name)
{
	size_t i;

	for (i = 0; i < s->nspans; i++) {
		if (strcasecmp(s->buf + s->spans[i].name_off, name) == 0)
			return s->buf + s->spans[i].value_off;
	}
	return NULL;
}

static int
on_headers_complete(http_parser *p)
{
	struct http_session *s = p->data;
	struct conn *c = s->conn;
	const char *expect;
	size_t i;

	/* Ends the URL (no headers) or the last value. */
	if (session_append(s, "", 1) == -1)
		return -1;
	for (i = 0; i < s->nspans; i++) {
		if (s->spans[i].value_off == 0) /* a name with no value */
			s->spans[i].value_off =
			    s->spans[i].name_off + s->spans[i].name_len;
	}
	s->in_body = 1;
	s->body_off = s->len;
	if ((p->flags & F_CONTENTLENGTH) && p->content_length > HTTP_BODY_MAX) {
		s->error_status = 413;
		return -1;
	}
	expect = session_header(s, "Expect");
	if (expect != NULL && strcasecmp(expect, "100-continue") == 0 &&
	    p->http_major == 1 && p->http_minor >= 1)
		evbuffer_add(
		    conn_output(c), "HTTP/1.1 100 Continue\r\n\r\n", 25);
	return 0;
}

static int
on_body(http_parser *p, const char *at, size_t len)
{
	struct http_session *s = p->data;

	s->body_len += len;
	if (s->body_len > HTTP_BODY_MAX) {
		s->error_status = 413;
		return -1;
	}
	return session_append(s, at, len);
}

static int
on_message_complete(http_parser *p)
{
	struct http_session *s = p->data;

	if (session_append(s, "", 1) == -1) /* ends the body */
		return -1;
	s->complete = 1;
	s->keep_alive = http_should_keep_alive(p) && !p->upgrade;
	http_parser_pause(p, 1);
	return 0;
}

/* The Date header's value, formatted once a second. */
static const char *
http_date(struct event_base *base)
{
	static char date[64];
	static time_t last;
	struct timeval tv;
	struct tm tm;

	event_base_gettimeofday_cached(base, &tv);
	if (tv.tv_sec != last) {
		last = tv.tv_sec;
		gmtime_r(&last, &tm);
		strftime(date, sizeof date, "%a, %d %b %Y %H:%M:%S GMT", &tm);
	}
	return date;
}

void
http_serialize(struct conn *c, const struct reply *r, int close,
    struct evbuffer *out, size_t *head_len)
{
	static char scratch[16 * 1024];
	struct http_session *s = c->http;
	size_t before = evbuffer_get_length(out);
	const char *body = NULL, *ctype = NULL, *conn_hdr = "";
	char *big = NULL;
	size_t body_len = 0, need;
	int no_body = r->status < 200 || r->status == 204 || r->status == 304;

	if (r->json != NULL) {
		need = json_dumpb(
		    r->json, scratch, sizeof scratch - 1, JSON_COMPACT);
		if (need < sizeof scratch - 1) {
			body = scratch;
		} else if ((big = malloc(need + 1)) != NULL) {
			json_dumpb(r->json, big, need, JSON_COMPACT);
			body = big;
		} else
			need = 0;
		if (body != NULL) {
			((char *)body)[need] = '\n';
			body_len = need + 1;
		}
		ctype = "application/json";
	} else if (r->raw != NULL) {
		body = r->raw;
		body_len = r->raw_len;
		ctype = body_len > 0 ? "application/json" : NULL;
	}
	if (r->content_type != NULL)
		ctype = r->content_type;
	if (reply_has_header(r, "Content-Type"))
		ctype = NULL;
	if (close)
		conn_hdr = "Connection: close\r\n";
	else if (s->parser.http_major == 1 && s->parser.http_minor == 0)
		conn_hdr = "Connection: keep-alive\r\n";

	evbuffer_add_printf(out,
	    "HTTP/1.1 %d %s\r\nServer: standin/%s\r\n"
	    "Date: %s\r\n%s%s%s",
	    r->status, http_reason(r->status), PACKAGE_VERSION,
	    http_date(bufferevent_get_base(c->bev)),
	    ctype ? "Content-Type: " : "", ctype ? ctype : "",
	    ctype ? "\r\n" : "");
	if (!no_body)
		evbuffer_add_printf(out, "Content-Length: %zu\r\n", body_len);
	evbuffer_add_printf(out, "%s%s\r\n", conn_hdr, r->headers);
	if (head_len != NULL)
		*head_len = evbuffer_get_length(out) - before;
	if (!no_body && !s->head && body_len > 0)
		evbuffer_add(out, body, body_len);
	free(big);
}

void
http_write_reply(struct conn *c, const struct reply *r)
{
	http_serialize(c, r, !c->http->keep_alive, conn_output(c), NULL);
}

void
http_fail(struct conn *c, int status, const char *code, const char *msg)
{
	struct reply r;

	log_msg(LOG_DEBUG, c->service->name, "connection %llu: %d %s: %s",
	    (unsigned long long)c->id, status, code, msg);
	reply_init(&r);
	reply_error(&r, status, code, "%s", msg);
	c->http->head = 0;
	http_serialize(c, &r, 1, conn_output(c), NULL);
	reply_release(&r);
	/* No request to route: a fixed label, answered at once. */
	metrics_request(c->service->server->metrics, c->service->name,
	    "unparsed", status, 0);
	evbuffer_drain(conn_input(c), evbuffer_get_length(conn_input(c)));
	conn_drain(c);
}

/* Turn the parsed request into a struct request. Returns 0 or -1 (400). */
static int
http_request_ready(struct http_session *s, const char **why)
{
	struct http_parser_url u;
	const char *url = s->buf + s->url_off;
	size_t i, qoff;
	int method = s->parser.method;

	s->complete = 0;
	http_parser_url_init(&u);
	if (http_parser_parse_url(
	        url, s->url_len, method == HTTP_CONNECT, &u) != 0) {
		*why = "the request target is not a valid URL";
		return -1;
	}
	if (u.field_set & (1 << UF_PATH)) {
		if (percent_decode(url + u.field_data[UF_PATH].off,
		        u.field_data[UF_PATH].len, s->path, sizeof s->path,
		        0) == -1) {
			*why = "the path is badly encoded or too long";
			return -1;
		}
	} else
		strcpy(s->path, "/");
	s->query = NULL;
	if (u.field_set & (1 << UF_QUERY)) {
		qoff = s->url_off + u.field_data[UF_QUERY].off;
		s->buf[qoff + u.field_data[UF_QUERY].len] = '\0';
		s->query = s->buf + qoff;
	}
	for (i = 0; i < s->nspans; i++) {
		s->headers[i].name = s->buf + s->spans[i].name_off;
		s->headers[i].value = s->buf + s->spans[i].value_off;
	}
	s->head = method == HTTP_HEAD;
	s->req.method = s->head ? "GET" : http_method_str(method);
	s->req.path = s->path;
	s->req.query = s->query;
	s->req.headers = s->headers;
	s->req.nheaders = s->nspans;
	s->req.body = s->buf + s->body_off;
	s->req.body_len = s->body_len;
	return 0;
}

void
http_finish(struct conn *c)
{
	if (c->state == CONN_CLOSED || c->state == CONN_DRAINING ||
	    c->state == CONN_RESETTING)
		return;
	if (!c->http->keep_alive || c->peer_closed)
		conn_drain(c);
	else if (conn_pending(c) > CONN_OUTPUT_HIGH)
		conn_set_state(c, CONN_BLOCKED);
	else
		conn_set_state(c, CONN_READING);
}

void
http_resume(struct conn *c)
{
	http_finish(c);
	if (c->state == CONN_READING)
		http_read(c);
}

void
http_read(struct conn *c)
{
	struct http_session *s = c->http;
	struct evbuffer *in = conn_input(c);
	struct evbuffer_iovec v;
	enum http_errno err;
	const char *why;
	size_t n;

	while (c->state == CONN_READING && evbuffer_get_length(in) > 0) {
		if (evbuffer_peek(in, -1, NULL, &v, 1) < 1)
			break;
		n = http_parser_execute(
		    &s->parser, &http_settings, v.iov_base, v.iov_len);
		evbuffer_drain(in, n);
		err = HTTP_PARSER_ERRNO(&s->parser);
		if (err == HPE_PAUSED) {
			http_parser_pause(&s->parser, 0);
			if (http_request_ready(s, &why) == -1) {
				http_fail(c, 400, "bad_request", why);
				return;
			}
			answer_request(c);
			continue;
		}
		if (err != HPE_OK) {
			if (s->error_status == 431)
				http_fail(c, 431, "headers_too_large",
				    "the request line and headers exceed the "
				    "limit");
			else if (s->error_status == 413)
				http_fail(c, 413, "body_too_large",
				    "the request body exceeds the limit");
			else
				http_fail(c, 400, "bad_request",
				    http_errno_description(err));
			return;
		}
		if (n < v.iov_len)
			break; /* should not happen without an error; wait */
	}
}
