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
		strftime(
		    w->date, sizeof w->date, "%a, %d %b %Y %H:%M:%S GMT", &tm);
	}
	return w->date;
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

	if (r->json != NULL) {
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
		ctype = body_len > 0 ? "application/json" : NULL;
	}
	if (r->content_type != NULL)
		ctype = r->content_type;
	if (reply_has_header(r, "Content-Type"))
		ctype = NULL;
	if (o->close)
		conn_hdr = "Connection: close\r\n";
	else if (o->http10)
		conn_hdr = "Connection: keep-alive\r\n";

	if (evbuffer_add_printf(out,
	        "HTTP/1.1 %d %s\r\nServer: standin/%s\r\n"
	        "Date: %s\r\n%s%s%s",
	        r->status, response_reason(r->status), PACKAGE_VERSION,
	        response_date(w), ctype ? "Content-Type: " : "",
	        ctype ? ctype : "", ctype ? "\r\n" : "") < 0 ||
	    (!no_body &&
	        evbuffer_add_printf(out, "Content-Length: %zu\r\n", body_len) <
	            0) ||
	    evbuffer_add_printf(out, "%s%s\r\n", conn_hdr, r->headers) < 0)
		rc = -1;
	if (head_len != NULL)
		*head_len = evbuffer_get_length(out) - before;
	if (rc == 0 && !no_body && !o->head && body_len > 0 &&
	    evbuffer_add(out, body, body_len) != 0)
		rc = -1;
	free(big);
	return rc;
}
