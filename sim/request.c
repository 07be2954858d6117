/* request.c: reading headers and query parameters of a parsed request. */
#include "config.h"

#include <ctype.h>
#include <string.h>
#include <strings.h>

#include "request.h"

const char *
request_header(const struct request *req, const char *name)
{
	size_t i;

	for (i = 0; i < req->nheaders; i++) {
		if (strcasecmp(req->headers[i].name, name) == 0)
			return req->headers[i].value;
	}
	return NULL;
}

static int
hexval(int c)
{
	if (isdigit(c))
		return c - '0';
	c = tolower(c);
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

/* Percent-decode src[0..n) into buf; '+' is a space in a query. */
static int
query_decode(const char *src, size_t n, char *buf, size_t len)
{
	size_t i, o = 0;
	int hi, lo;

	for (i = 0; i < n; i++) {
		if (o + 1 >= len)
			return -1;
		if (src[i] == '%') {
			if (i + 2 >= n)
				return -1;
			hi = hexval((unsigned char)src[i + 1]);
			lo = hexval((unsigned char)src[i + 2]);
			if (hi < 0 || lo < 0 || (hi == 0 && lo == 0))
				return -1;
			buf[o++] = (char)(hi << 4 | lo);
			i += 2;
		} else
			buf[o++] = src[i] == '+' ? ' ' : src[i];
	}
	buf[o] = '\0';
	return 1;
}

int
request_query(
    const struct request *req, const char *name, char *buf, size_t len)
{
	size_t nlen = strlen(name), plen;
	const char *p = req->query, *end, *eq;

	if (p == NULL)
		return 0;
	while (*p != '\0') {
		end = strchr(p, '&');
		if (end == NULL)
			end = p + strlen(p);
		eq = memchr(p, '=', (size_t)(end - p));
		plen = (size_t)((eq ? eq : end) - p);
		if (plen == nlen && memcmp(p, name, nlen) == 0) {
			if (eq == NULL) {
				if (len == 0)
					return -1;
				buf[0] = '\0';
				return 1;
			}
			return query_decode(
			    eq + 1, (size_t)(end - eq - 1), buf, len);
		}
		p = *end == '&' ? end + 1 : end;
	}
	return 0;
}
