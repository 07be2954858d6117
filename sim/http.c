/*
 * http.c: HTTP/1.1 as a protocol of the pipeline (struct proto_ops in
 * pipeline.h), with http-parser doing the parsing and answer.c answering.
 *
 * Each request's URL, headers and body are copied into one per-connection
 * buffer that is reused from request to request. When a request is
 * complete the parser pauses, the request is handed down to be answered,
 * and the connection is told how to go on; parsing resumes with whatever
 * the client pipelined behind it, so replies always go out in order and a
 * connection never holds more than one request.
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
#include <event2/event.h>
#include <http_parser.h>

#include "answer.h"
#include "clock.h"
#include "http.h"
#include "log.h"
#include "metrics.h"
#include "reply.h"
#include "request.h"
#include "response.h"
#include "util.h"

/* A buffer this large is given back after the request that grew it. */
#define HTTP_BUF_KEEP (64 * 1024)

/* Where one header sits in the session's buffer. */
struct http_span {
	size_t name_off, name_len;
	size_t value_off, value_len;
};

/* The parsing state of one connection, and its answering. */
struct http_session {
	http_parser parser;
	struct link *link;
	struct answer answer;
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
	int in_request; /* a request has begun and is not complete yet */
	uint64_t started_us; /* ... its first byte was parsed then */
	struct event *deadline; /* fires when it must be whole (408) */
};

static int http_on_message_begin(http_parser *);
static int http_on_url(http_parser *, const char *, size_t);
static int http_on_header_field(http_parser *, const char *, size_t);
static int http_on_header_value(http_parser *, const char *, size_t);
static int http_on_headers_complete(http_parser *);
static int http_on_body(http_parser *, const char *, size_t);
static int http_on_message_complete(http_parser *);

static const http_parser_settings http_settings = {
	.on_message_begin = http_on_message_begin,
	.on_url = http_on_url,
	.on_header_field = http_on_header_field,
	.on_header_value = http_on_header_value,
	.on_headers_complete = http_on_headers_complete,
	.on_body = http_on_body,
	.on_message_complete = http_on_message_complete,
};

/* Give back the session's buffer. */
static void
http_buf_free(struct http_session *s)
{
	free(s->buf);
	s->buf = NULL;
	s->len = s->cap = 0;
}

/* Append bytes to the session buffer. Returns 0 or -1 (out of memory). */
static int
http_append(struct http_session *s, const char *data, size_t len)
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
http_count_header(struct http_session *s, size_t len)
{
	s->header_bytes += len;
	if (s->header_bytes > HTTP_HEADER_BYTES_MAX) {
		s->error_status = 431;
		return -1;
	}
	return 0;
}

static int
http_on_message_begin(http_parser *p)
{
	struct http_session *s = p->data;

	if (s->cap > HTTP_BUF_KEEP)
		http_buf_free(s);
	s->len = 0;
	s->url_off = s->url_len = 0;
	s->nspans = 0;
	s->body_off = s->body_len = 0;
	s->header_bytes = 0;
	s->in_value = s->in_body = s->complete = 0;
	s->error_status = 0;
	s->in_request = 1;
	s->started_us = clock_now_us();
	return 0;
}

static int
http_on_url(http_parser *p, const char *at, size_t len)
{
	struct http_session *s = p->data;

	if (http_count_header(s, len) == -1)
		return -1;
	s->url_len += len;
	return http_append(s, at, len);
}

static int
http_on_header_field(http_parser *p, const char *at, size_t len)
{
	struct http_session *s = p->data;
	struct http_span *span;

	if (s->in_body)
		return 0; /* trailers of a chunked body are ignored */
	if (http_count_header(s, len) == -1)
		return -1;
	if (s->nspans == 0 || s->in_value) {
		if (s->nspans == HTTP_HEADERS_MAX) {
			s->error_status = 431;
			return -1;
		}
		/* The NUL ends the URL or the previous header's value. */
		if (http_append(s, "", 1) == -1)
			return -1;
		span = &s->spans[s->nspans++];
		span->name_off = s->len;
		span->name_len = span->value_len = 0;
		span->value_off = 0;
		s->in_value = 0;
	}
	s->spans[s->nspans - 1].name_len += len;
	return http_append(s, at, len);
}

static int
http_on_header_value(http_parser *p, const char *at, size_t len)
{
	struct http_session *s = p->data;
	struct http_span *span = &s->spans[s->nspans - 1];

	if (s->in_body)
		return 0;
	if (http_count_header(s, len) == -1)
		return -1;
	if (!s->in_value) {
		if (http_append(s, "", 1) == -1) /* ends the name */
			return -1;
		span->value_off = s->len;
		s->in_value = 1;
	}
	span->value_len += len;
	return http_append(s, at, len);
}

/* The value of a header of the request being parsed, or NULL. */
static const char *
http_header(const struct http_session *s, const char *name)
{
	size_t i;

	for (i = 0; i < s->nspans; i++) {
		if (strcasecmp(s->buf + s->spans[i].name_off, name) == 0)
			return s->buf + s->spans[i].value_off;
	}
	return NULL;
}

static int
http_on_headers_complete(http_parser *p)
{
	struct http_session *s = p->data;
	const char *expect;
	size_t i;

	/* Ends the URL (no headers) or the last value. */
	if (http_append(s, "", 1) == -1)
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
	expect = http_header(s, "Expect");
	if (expect != NULL && strcasecmp(expect, "100-continue") == 0 &&
	    p->http_major == 1 && p->http_minor >= 1)
		evbuffer_add(s->link->out, "HTTP/1.1 100 Continue\r\n\r\n", 25);
	return 0;
}

static int
http_on_body(http_parser *p, const char *at, size_t len)
{
	struct http_session *s = p->data;

	s->body_len += len;
	if (s->body_len > HTTP_BODY_MAX) {
		s->error_status = 413;
		return -1;
	}
	return http_append(s, at, len);
}

static int
http_on_message_complete(http_parser *p)
{
	struct http_session *s = p->data;

	if (http_append(s, "", 1) == -1) /* ends the body */
		return -1;
	s->complete = 1;
	s->in_request = 0;
	s->keep_alive = http_should_keep_alive(p) && !p->upgrade;
	http_parser_pause(p, 1);
	return 0;
}

/* How the request being answered wants its response written. */
static struct response_opts
http_opts(const struct http_session *s, int close)
{
	struct response_opts o;

	o.close = close;
	o.http10 = s->parser.http_major == 1 && s->parser.http_minor == 0;
	o.head = s->head;
	return o;
}

/* Answer a protocol error (400, 413, 431): the connection closes after. */
static enum flow
http_fail(struct http_session *s, int status, const char *code, const char *msg)
{
	struct link *l = s->link;
	struct response_opts o;
	struct reply r;

	log_msg(LOG_DEBUG, l->service, "connection %llu: %d %s: %s",
	    (unsigned long long)l->conn, status, code, msg);
	reply_init(&r);
	reply_error(&r, status, code, "%s", msg);
	s->head = 0;
	o = http_opts(s, 1);
	response_write(l->pipeline->responses, &r, &o, l->out, NULL);
	reply_release(&r);
	/* No request to route: a fixed label, answered at once. */
	metrics_request(
	    l->pipeline->metrics, l->service, "unparsed", status, 0);
	evbuffer_drain(l->in, evbuffer_get_length(l->in));
	return FLOW_CLOSE;
}

int
http_target_parse(
    const char *url, size_t len, int is_connect, struct http_target *t)
{
	struct http_parser_url u;
	const char *q, *hash;
	size_t end;

	memset(t, 0, sizeof *t);
	if (len > 0 && url[0] == '/' && !is_connect) {
		/* Origin-form: the parser checked every byte already. */
		hash = memchr(url, '#', len);
		end = hash != NULL ? (size_t)(hash - url) : len;
		q = memchr(url, '?', end);
		t->path_len = q != NULL ? (size_t)(q - url) : end;
		/* An empty query is none, as http-parser has it. */
		if (q != NULL && end > t->path_len + 1) {
			t->has_query = 1;
			t->query_off = t->path_len + 1;
			t->query_len = end - t->query_off;
		}
		return 0;
	}
	http_parser_url_init(&u);
	if (http_parser_parse_url(url, len, is_connect, &u) != 0)
		return -1;
	if (u.field_set & (1 << UF_PATH)) {
		t->path_off = u.field_data[UF_PATH].off;
		t->path_len = u.field_data[UF_PATH].len;
	}
	if (u.field_set & (1 << UF_QUERY)) {
		t->has_query = 1;
		t->query_off = u.field_data[UF_QUERY].off;
		t->query_len = u.field_data[UF_QUERY].len;
	}
	return 0;
}

/* Turn the parsed request into a struct request. Returns 0 or -1 (400). */
static int
http_request_ready(struct http_session *s, const char **why)
{
	struct http_target t;
	const char *url = s->buf + s->url_off;
	size_t i, qoff;
	int method = s->parser.method;

	s->complete = 0;
	if (http_target_parse(url, s->url_len, method == HTTP_CONNECT, &t) !=
	    0) {
		*why = "the request target is not a valid URL";
		return -1;
	}
	if (t.path_len > 0) {
		if (percent_decode(url + t.path_off, t.path_len, s->path,
		        sizeof s->path, 0) == -1) {
			*why = "the path is badly encoded or too long";
			return -1;
		}
	} else
		strcpy(s->path, "/");
	s->query = NULL;
	if (t.has_query) {
		qoff = s->url_off + t.query_off;
		s->buf[qoff + t.query_len] = '\0';
		s->query = s->buf + qoff;
	}
	for (i = 0; i < s->nspans; i++) {
		s->headers[i].name = s->buf + s->spans[i].name_off;
		s->headers[i].value = s->buf + s->spans[i].value_off;
	}
	s->head = method == HTTP_HEAD;
	s->req.method = s->head ? "GET" : http_method_str(method);
	s->req.head = s->head;
	/* The origin-form part (an absolute-form target loses its scheme
	 * and authority): what a far end passes on. */
	s->req.target = url + t.path_off;
	s->req.target_len = (t.has_query ? t.query_off + t.query_len
	                                 : t.path_off + t.path_len) -
	    t.path_off;
	if (t.path_len == 0) {
		s->req.target = url;
		s->req.target_len = s->url_len;
	}
	s->req.path = s->path;
	s->req.query = s->query;
	s->req.headers = s->headers;
	s->req.nheaders = s->nspans;
	s->req.body = s->buf + s->body_off;
	s->req.body_len = s->body_len;
	return 0;
}

static void http_deadline_cb(evutil_socket_t, short, void *);

/*
 * A request has begun and waits for more bytes: make sure the deadline
 * for it is armed. A request that arrives in one read costs no timer.
 */
static void
http_deadline_arm(struct http_session *s)
{
	struct timeval tv;
	uint64_t now = clock_now_us(), due;

	if (s->deadline == NULL) {
		s->deadline =
		    evtimer_new(s->link->pipeline->base, http_deadline_cb, s);
		if (s->deadline == NULL)
			return; /* out of memory: the idle timeout still holds */
	}
	if (evtimer_pending(s->deadline, NULL))
		return;
	due = s->started_us + s->link->request_timeout_us;
	tv = clock_tv(due > now ? due - now : 0);
	evtimer_add(s->deadline, &tv);
}

/*
 * The deadline of a request fired: if it is still not whole (a slowloris
 * client trickling headers or a body), answer 408 and close.
 */
static void
http_deadline_cb(evutil_socket_t fd, short what, void *arg)
{
	struct http_session *s = arg;
	struct link *l = s->link;
	char why[128], limit[32];

	(void)fd;
	(void)what;
	if (!s->in_request)
		return;
	if (clock_now_us() < s->started_us + l->request_timeout_us) {
		http_deadline_arm(s); /* a later request's: not due yet */
		return;
	}
	duration_format(l->request_timeout_us, limit, sizeof limit);
	snprintf(why, sizeof why,
	    "the request did not arrive whole within %s of its first byte",
	    limit);
	s->in_request = 0;
	http_fail(s, 408, "request_timeout", why);
	l->reason = "request timeout";
	/* Last: the connection may close and free the session. */
	l->wake(l, FLOW_CLOSE);
}

/*
 * An answer is out: the connection goes on, or closes as the request
 * asked (Connection: close, HTTP/1.0). A client that half-closed still
 * gets the answers to what it sent: the connection ends it (conn.c).
 */
static enum flow
http_after(struct http_session *s)
{
	if (!s->keep_alive)
		return FLOW_CLOSE;
	return FLOW_NEXT;
}

/* A held answer is out (answer.c's done): tell the connection. */
static void
http_answered(void *arg, enum flow flow)
{
	struct http_session *s = arg;

	if (flow == FLOW_NEXT)
		flow = http_after(s);
	/* Last: the connection may close and free the session. */
	s->link->wake(s->link, flow);
}

/* Parse what the connection has read; answer one complete request. */
static enum flow
http_input(void *arg)
{
	struct http_session *s = arg;
	struct evbuffer *in = s->link->in;
	struct evbuffer_iovec v;
	struct response_opts o;
	enum http_errno err;
	enum flow flow;
	const char *why;
	size_t n;

	while (evbuffer_get_length(in) > 0) {
		if (evbuffer_peek(in, -1, NULL, &v, 1) < 1)
			break;
		n = http_parser_execute(
		    &s->parser, &http_settings, v.iov_base, v.iov_len);
		evbuffer_drain(in, n);
		err = HTTP_PARSER_ERRNO(&s->parser);
		if (err == HPE_PAUSED) {
			http_parser_pause(&s->parser, 0);
			if (s->deadline != NULL)
				evtimer_del(s->deadline);
			if (http_request_ready(s, &why) == -1)
				return http_fail(s, 400, "bad_request", why);
			o = http_opts(s, !s->keep_alive);
			flow = answer_request(&s->answer, &s->req, &o);
			return flow == FLOW_NEXT ? http_after(s) : flow;
		}
		if (err != HPE_OK) {
			if (s->error_status == 431)
				return http_fail(s, 431, "headers_too_large",
				    "the request line and headers exceed the "
				    "limit");
			if (s->error_status == 413)
				return http_fail(s, 413, "body_too_large",
				    "the request body exceeds the limit");
			return http_fail(
			    s, 400, "bad_request", http_errno_description(err));
		}
		if (n < v.iov_len)
			break; /* should not happen without an error; wait */
	}
	if (s->in_request)
		http_deadline_arm(s);
	return FLOW_NEED;
}

/* A session for a new connection. */
static void *
http_open(struct link *link)
{
	struct http_session *s = calloc(1, sizeof *s);

	if (s == NULL)
		return NULL;
	s->link = link;
	/* A far end that answers later (an http proxy) has a stream to the
	 * real service for each connection. */
	if (link->farend->ops->ask != NULL &&
	    (link->stream = link->farend->ops->stream_open(
	         link->farend->impl, link)) == NULL) {
		free(s);
		return NULL;
	}
	http_parser_init(&s->parser, HTTP_REQUEST);
	s->parser.data = s;
	answer_init(&s->answer, link, http_answered, s);
	return s;
}

/* The client sent its FIN while an answer is held. */
static enum flow
http_held_eof(void *arg)
{
	struct http_session *s = arg;

	return answer_held_eof(&s->answer);
}

/* The client sent its FIN and every request it sent is answered. */
static enum flow
http_eof(void *arg)
{
	struct http_session *s = arg;

	s->link->reason = "client closed";
	return FLOW_CLOSE;
}

/* The connection is going. */
static void
http_close(void *arg)
{
	struct http_session *s = arg;

	answer_free(&s->answer);
	if (s->link->stream != NULL) {
		s->link->farend->ops->stream_close(
		    s->link->stream, s->link->peer_reset);
		s->link->stream = NULL;
	}
	if (s->deadline != NULL)
		event_free(s->deadline);
	http_buf_free(s);
	free(s);
}

const struct proto_ops http_proto = {
	.name = "http",
	.open = http_open,
	.input = http_input,
	.held_eof = http_held_eof,
	.eof = http_eof,
	.close = http_close,
};
