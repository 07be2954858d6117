/* request.c: reading headers and query parameters of a parsed request. */
#include "config.h"

#include <string.h>
#include <strings.h>

#include "request.h"
#include "util.h"

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
			if (percent_decode(eq + 1, (size_t)(end - eq - 1), buf,
			        len, 1) == -1)
				return -1;
			return 1;
		}
		p = *end == '&' ? end + 1 : end;
	}
	return 0;
}
