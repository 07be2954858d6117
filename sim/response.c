/*
 * response.c: HTTP/1.1 responses written out from replies, for the http
 * layer (http.c, answer.c) and the control API's reason phrases.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <event2/buffer.h>
#include <jansson.h>

#include "clock.h"
#include "reply.h"
#include "response.h"
#include "util.h"

/* A JSON body up to this size is written without an allocation. */
#define RESPONSE_SCRATCH (16 * 1024)

struct response_writer {
	char scratch[RESPONSE_SCRATCH]; /* a JSON body, serialized */
	time_t date_sec; /* the second date[] was made for */
	char date[64]; /* the Date header's value */
	size_t date_len;
};

static const struct {
	int status;
	const char *reason;
} response_reasons[] = {
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
response_reason(int status)
{
	size_t i;

	for (i = 0; i < nitems(response_reasons); i++) {
		if (response_reasons[i].status == status)
			return response_reasons[i].reason;
	}
	return "Unknown";
}

struct response_writer *
response_writer_new(void)
{
	struct response_writer *w = calloc(1, sizeof *w);

	if (w != NULL)
		w->date_sec = -1;
	return w;
}

void
response_writer_free(struct response_writer *w)
{
	free(w);
}

/* The Date header's value, formatted once a second. */
static const char *
response_date(struct response_writer *w)
{
	time_t now = (time_t)clock_wall_sec();
	struct tm tm;

	if (now != w->date_sec) {
		w->date_sec = now;
		gmtime_r(&now, &tm);
		w->date_len = strftime(
		    w->date, sizeof w->date, "%a, %d %b %Y %H:%M:%S GMT", &tm);
	}
	return w->date;
}

/* Append a string to a buffer at p; returns the new end. */
static char *
response_put(char *p, const char *s, size_t n)
{
	memcpy(p, s, n);
	return p + n;
}

#define RESPONSE_PUT(p, lit) response_put(p, lit, sizeof(lit) - 1)

/*
 * The status line and headers, written by hand into the output's own
 * memory: the profile had the printf family as the largest share of a
 * request after jansson. body_len -1: no Content-Length.
 */
static int
response_head(struct response_writer *w, const struct reply *r,
    const char *ctype, const char *conn_hdr, int64_t body_len,
    struct evbuffer *out)
{
	static const char server[] = "Server: standin/" PACKAGE_VERSION "\r\n";
	const char *reason = response_reason(r->status);
	const char *date = response_date(w);
	size_t reason_len = strlen(reason), ctype_len = 0, conn_len, room;
	struct evbuffer_iovec v;
	char *p;
	int status = r->status;

	if (ctype != NULL)
		ctype_len = strlen(ctype);
	conn_len = strlen(conn_hdr);
	room = 64 + reason_len + sizeof server + sizeof w->date + ctype_len +
	    40 + conn_len + r->headers_len;
	if (evbuffer_reserve_space(out, (ev_ssize_t)room, &v, 1) < 1)
		return -1;
	p = v.iov_base;
	p = RESPONSE_PUT(p, "HTTP/1.1 ");
	if (status < 100 || status > 999)
		status = 500;
	*p++ = (char)('0' + status / 100);
	*p++ = (char)('0' + status / 10 % 10);
	*p++ = (char)('0' + status % 10);
	*p++ = ' ';
	p = response_put(p, reason, reason_len);
	p = RESPONSE_PUT(p, "\r\n");
	if (!r->proxied) {
		p = response_put(p, server, sizeof server - 1);
		p = RESPONSE_PUT(p, "Date: ");
		p = response_put(p, date, w->date_len);
		p = RESPONSE_PUT(p, "\r\n");
	}
	if (ctype != NULL) {
		p = RESPONSE_PUT(p, "Content-Type: ");
		p = response_put(p, ctype, ctype_len);
		p = RESPONSE_PUT(p, "\r\n");
	}
	if (body_len >= 0) {
		p = RESPONSE_PUT(p, "Content-Length: ");
		p += decimal_format(p, (uint64_t)body_len);
		p = RESPONSE_PUT(p, "\r\n");
	}
	p = response_put(p, conn_hdr, conn_len);
	p = response_put(p, r->headers, r->headers_len);
	p = RESPONSE_PUT(p, "\r\n");
	v.iov_len = (size_t)(p - (char *)v.iov_base);
	return evbuffer_commit_space(out, &v, 1);
}

int
response_write(struct response_writer *w, const struct reply *r,
    const struct response_opts *o, struct evbuffer *out, size_t *head_len)
{
	size_t before = evbuffer_get_length(out);
	const char *body = NULL, *ctype = NULL, *conn_hdr = "";
	char *big = NULL;
	size_t body_len = 0, need;
	int no_body = r->status < 200 || r->status == 204 || r->status == 304;
	int rc = 0;

	if (r->json != NULL && r->text != NULL) {
		body = json_string_value(r->text);
		body_len = json_string_length(r->text);
		ctype = "application/json";
	} else if (r->json != NULL) {
		need = json_dumpb(
		    r->json, w->scratch, sizeof w->scratch - 1, JSON_COMPACT);
		if (need < sizeof w->scratch - 1) {
			body = w->scratch;
		} else if ((big = malloc(need + 1)) != NULL) {
			json_dumpb(r->json, big, need, JSON_COMPACT);
			body = big;
		} else
			return -1;
		((char *)body)[need] = '\n';
		body_len = need + 1;
		ctype = "application/json";
	} else if (r->raw != NULL) {
		body = r->raw;
		body_len = r->raw_len;
		ctype = body_len > 0 && !r->proxied ? "application/json" : NULL;
	}
	if (r->content_type != NULL)
		ctype = r->content_type;
	if (reply_has_header(r, "Content-Type"))
		ctype = NULL;
	if (o->close)
		conn_hdr = "Connection: close\r\n";
	else if (o->http10)
		conn_hdr = "Connection: keep-alive\r\n";

	if (response_head(w, r, ctype, conn_hdr,
	        no_body                              ? -1
	            : o->head && r->head_length >= 0 ? r->head_length
	                                             : (int64_t)body_len,
	        out) != 0)
		rc = -1;
	if (head_len != NULL)
		*head_len = evbuffer_get_length(out) - before;
	if (rc == 0 && !no_body && !o->head && body_len > 0 &&
	    evbuffer_add(out, body, body_len) != 0)
		rc = -1;
	free(big);
	return rc;
}
