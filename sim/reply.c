/* reply.c: building the answer to one request. */
#include "config.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "reply.h"

void
reply_init(struct reply *r)
{
	r->status = 0;
	r->json = NULL;
	r->text = NULL;
	r->raw = NULL;
	r->raw_len = 0;
	r->raw_json = 0;
	r->content_type = NULL;
	r->headers_len = 0;
	r->headers[0] = '\0';
	r->route = NULL;
	r->proxied = 0;
	r->head_length = -1;
}

void
reply_json(struct reply *r, int status, json_t *body)
{
	json_decref(r->json);
	json_decref(r->text);
	r->status = status;
	r->json = body;
	r->text = NULL;
	r->raw = NULL;
	r->raw_len = 0;
	r->raw_json = 0;
}

int
reply_json_bytes(struct reply *r, int status, const char *text, size_t len)
{
	if (len > sizeof r->body)
		return -1;
	reply_json(r, status, NULL);
	memcpy(r->body, text, len);
	r->raw = r->body;
	r->raw_len = len;
	r->raw_json = 1;
	return 0;
}

json_t *
reply_json_value(struct reply *r)
{
	if (r->json == NULL && r->raw_json)
		r->json = json_loadb(r->raw, r->raw_len, JSON_DECODE_ANY, NULL);
	return r->json;
}

void
reply_json_text(struct reply *r, int status, json_t *body, json_t *text)
{
	reply_json(r, status, body);
	r->text = text;
}

/* Fill an error body; field, when not NULL, is the bad field's pointer. */
static void __attribute__((format(printf, 5, 0)))
reply_verror(struct reply *r, int status, const char *code, const char *field,
    const char *fmt, va_list ap)
{
	char msg[512];
	json_t *o;

	vsnprintf(msg, sizeof msg, fmt, ap);
	o = json_object();
	json_object_set_new(o, "error", json_string(code));
	json_object_set_new(o, "message", json_string(msg));
	if (field != NULL)
		json_object_set_new(o, "field", json_string(field));
	reply_json(r, status, o);
}

void
reply_error(struct reply *r, int status, const char *code, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	reply_verror(r, status, code, NULL, fmt, ap);
	va_end(ap);
}

void
reply_invalid(struct reply *r, const char *field, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	reply_verror(r, 422, "invalid", field, fmt, ap);
	va_end(ap);
}

int
reply_header_str(struct reply *r, const char *name, const char *value)
{
	size_t room = sizeof r->headers - r->headers_len;
	size_t nlen = strlen(name), vlen = strlen(value);
	char *p = r->headers + r->headers_len;

	/* A value must not smuggle in another header line. */
	if (nlen + vlen + 5 > room || strpbrk(value, "\r\n") != NULL)
		return -1;
	memcpy(p, name, nlen);
	memcpy(p + nlen, ": ", 2);
	memcpy(p + nlen + 2, value, vlen);
	memcpy(p + nlen + 2 + vlen, "\r\n", 3);
	r->headers_len += nlen + vlen + 4;
	return 0;
}

int
reply_header(struct reply *r, const char *name, const char *fmt, ...)
{
	size_t room = sizeof r->headers - r->headers_len;
	va_list ap;
	int n, m;

	n = snprintf(r->headers + r->headers_len, room, "%s: ", name);
	if (n < 0 || (size_t)n >= room)
		goto fail;
	va_start(ap, fmt);
	m = vsnprintf(
	    r->headers + r->headers_len + n, room - (size_t)n, fmt, ap);
	va_end(ap);
	if (m < 0 || (size_t)(n + m + 2) >= room)
		goto fail;
	/* A value must not smuggle in another header line. */
	if (strpbrk(r->headers + r->headers_len + n, "\r\n") != NULL)
		goto fail;
	memcpy(r->headers + r->headers_len + n + m, "\r\n", 3);
	r->headers_len += (size_t)(n + m + 2);
	return 0;
fail:
	r->headers[r->headers_len] = '\0';
	return -1;
}

int
reply_has_header(const struct reply *r, const char *name)
{
	size_t len = strlen(name);
	const char *line = r->headers;

	while (*line != '\0') {
		if (strncasecmp(line, name, len) == 0 && line[len] == ':')
			return 1;
		line = strstr(line, "\r\n");
		if (line == NULL)
			break;
		line += 2;
	}
	return 0;
}

void
reply_release(struct reply *r)
{
	json_decref(r->json);
	json_decref(r->text);
	reply_init(r);
}
