/* util.c: allocation, duration and address parsing, version strings. */
#include "config.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <netinet/in.h>

#include "util.h"

static void
util_oom(void)
{
	fputs("standin: out of memory\n", stderr);
	abort();
}

void *
xmalloc(size_t n)
{
	void *p = malloc(n == 0 ? 1 : n);

	if (p == NULL)
		util_oom();
	return p;
}

void *
xcalloc(size_t n, size_t size)
{
	void *p = calloc(n == 0 ? 1 : n, size == 0 ? 1 : size);

	if (p == NULL)
		util_oom();
	return p;
}

void *
xrealloc(void *old, size_t n)
{
	void *p = realloc(old, n == 0 ? 1 : n);

	if (p == NULL)
		util_oom();
	return p;
}

char *
xstrdup(const char *s)
{
	char *p = strdup(s);

	if (p == NULL)
		util_oom();
	return p;
}

char *
xstrndup(const char *s, size_t n)
{
	char *p = strndup(s, n);

	if (p == NULL)
		util_oom();
	return p;
}

char *
xvasprintf(const char *fmt, va_list ap)
{
	char *p;

	if (vasprintf(&p, fmt, ap) == -1)
		util_oom();
	return p;
}

char *
xasprintf(const char *fmt, ...)
{
	va_list ap;
	char *p;

	va_start(ap, fmt);
	p = xvasprintf(fmt, ap);
	va_end(ap);
	return p;
}

/* Units a duration may carry, longest suffix first so "ms" wins over "m". */
static const struct {
	const char *suffix;
	double usec;
} duration_units[] = {
	{ "us", 1 },
	{ "ms", 1e3 },
	{ "s", 1e6 },
	{ "m", 60e6 },
	{ "h", 3600e6 },
};

int
duration_parse(const char *s, uint64_t *out)
{
	const char *p = s, *num_end;
	double v;
	size_t i;
	int digits = 0, dot = 0;

	if (!isdigit((unsigned char)*p))
		return -1;
	while (isdigit((unsigned char)*p) || (*p == '.' && !dot)) {
		if (*p == '.')
			dot = 1;
		else
			digits++;
		p++;
	}
	if (digits == 0 || p[-1] == '.')
		return -1;
	num_end = p;
	for (i = 0; i < nitems(duration_units); i++) {
		if (strcmp(num_end, duration_units[i].suffix) != 0)
			continue;
		errno = 0;
		v = strtod(s, NULL);
		if (errno != 0)
			return -1;
		v *= duration_units[i].usec;
		/* Longer than a year is a typo, not a drill. */
		if (v > 365.0 * 86400e6)
			return -1;
		*out = (uint64_t)(v + 0.5);
		return 0;
	}
	return -1;
}

void
duration_format(uint64_t usec, char *buf, size_t len)
{
	if (usec % 3600000000ULL == 0 && usec != 0)
		snprintf(buf, len, "%lluh",
		    (unsigned long long)(usec / 3600000000ULL));
	else if (usec % 60000000ULL == 0 && usec != 0)
		snprintf(buf, len, "%llum",
		    (unsigned long long)(usec / 60000000ULL));
	else if (usec >= 1000000)
		snprintf(buf, len, "%gs", (double)usec / 1e6);
	else if (usec % 1000 == 0)
		snprintf(buf, len, "%llums", (unsigned long long)(usec / 1000));
	else
		snprintf(buf, len, "%lluus", (unsigned long long)usec);
}

int
hostport_parse(const char *s, char *host, size_t hostlen, uint16_t *port)
{
	const char *colon, *h = s, *hend;
	char *end;
	unsigned long v;

	if (*s == '[') {
		hend = strchr(s, ']');
		if (hend == NULL || hend[1] != ':')
			return -1;
		h = s + 1;
		colon = hend + 1;
	} else {
		colon = strrchr(s, ':');
		if (colon == NULL)
			return -1;
		hend = colon;
		if (memchr(s, ':', (size_t)(colon - s)) != NULL)
			return -1; /* bare IPv6 needs brackets */
	}
	if (hend == h || (size_t)(hend - h) >= hostlen)
		return -1;
	if (!isdigit((unsigned char)colon[1]))
		return -1;
	errno = 0;
	v = strtoul(colon + 1, &end, 10);
	if (errno != 0 || *end != '\0' || v > 65535)
		return -1;
	memcpy(host, h, (size_t)(hend - h));
	host[hend - h] = '\0';
	*port = (uint16_t)v;
	return 0;
}

int
version_valid(const char *s)
{
	int need_digit = 1;

	if (*s == '\0' || strlen(s) > 16)
		return 0;
	for (; *s != '\0'; s++) {
		if (isdigit((unsigned char)*s))
			need_digit = 0;
		else if (*s == '.' && !need_digit)
			need_digit = 1;
		else
			return 0;
	}
	return !need_digit;
}

int
version_compare(const char *a, const char *b)
{
	unsigned long x, y;
	char *ea, *eb;

	for (;;) {
		x = strtoul(a, &ea, 10);
		y = strtoul(b, &eb, 10);
		if (x != y)
			return x < y ? -1 : 1;
		a = *ea == '.' ? ea + 1 : ea;
		b = *eb == '.' ? eb + 1 : eb;
		if (*ea == '\0' && *eb == '\0')
			return 0;
		if (*ea == '\0')
			return -1;
		if (*eb == '\0')
			return 1;
	}
}

/* The value of a hexadecimal digit, or -1. */
static int
util_hexval(int c)
{
	if (isdigit(c))
		return c - '0';
	c = tolower(c);
	return c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

int
percent_decode(const char *src, size_t n, char *buf, size_t len, int plus)
{
	size_t i, o = 0;
	int hi, lo;

	for (i = 0; i < n; i++) {
		if (o + 1 >= len)
			return -1;
		if (src[i] != '%') {
			buf[o++] = plus && src[i] == '+' ? ' ' : src[i];
			continue;
		}
		if (i + 2 >= n)
			return -1;
		hi = util_hexval((unsigned char)src[i + 1]);
		lo = util_hexval((unsigned char)src[i + 2]);
		if (hi < 0 || lo < 0 || (hi == 0 && lo == 0))
			return -1;
		buf[o++] = (char)(hi << 4 | lo);
		i += 2;
	}
	if (len == 0)
		return -1;
	buf[o] = '\0';
	return 0;
}

/*
 * The length of the valid UTF-8 sequence at p, or 0. Valid as RFC 3629
 * (and jansson) say: no overlong forms (E0 80..9F, F0 80..8F), no
 * surrogates (ED A0..BF), nothing past U+10FFFF (F4 90..BF).
 */
static size_t
util_utf8_len(const unsigned char *p)
{
	size_t n, i;

	if (p[0] < 0x80)
		return 1;
	if ((p[0] & 0xe0) == 0xc0 && p[0] >= 0xc2)
		n = 2;
	else if ((p[0] & 0xf0) == 0xe0)
		n = 3;
	else if ((p[0] & 0xf8) == 0xf0 && p[0] <= 0xf4)
		n = 4;
	else
		return 0;
	for (i = 1; i < n; i++) {
		if ((p[i] & 0xc0) != 0x80)
			return 0;
	}
	if ((p[0] == 0xe0 && p[1] < 0xa0) || (p[0] == 0xed && p[1] > 0x9f) ||
	    (p[0] == 0xf0 && p[1] < 0x90) || (p[0] == 0xf4 && p[1] > 0x8f))
		return 0;
	return n;
}

size_t
decimal_format(char *buf, uint64_t v)
{
	/* Two digits a division: "00" to "99". */
	static const char pairs[201] =
	    "0001020304050607080910111213141516171819"
	    "2021222324252627282930313233343536373839"
	    "4041424344454647484950515253545556575859"
	    "6061626364656667686970717273747576777879"
	    "8081828384858687888990919293949596979899";
	char tmp[20];
	size_t n = sizeof tmp, len;
	unsigned d;

	while (v >= 100) {
		d = (unsigned)(v % 100) * 2;
		v /= 100;
		tmp[--n] = pairs[d + 1];
		tmp[--n] = pairs[d];
	}
	if (v >= 10) {
		d = (unsigned)v * 2;
		tmp[--n] = pairs[d + 1];
		tmp[--n] = pairs[d];
	} else
		tmp[--n] = (char)('0' + v);
	len = sizeof tmp - n;
	memcpy(buf, tmp + n, len);
	buf[len] = '\0';
	return len;
}

size_t
json_plain_len(const char *str)
{
	const unsigned char *s = (const unsigned char *)str;
	size_t n = 0;

	while (s[n] >= 0x20 && s[n] < 0x80 && s[n] != '"' && s[n] != '\\')
		n++;
	return n;
}

char *
json_escape(const char *s, char *buf, size_t len)
{
	const unsigned char *p = (const unsigned char *)s;
	char esc[8];
	size_t o = 0, n, k;

	if (len < 8) {
		if (len > 0)
			buf[0] = '\0';
		return buf;
	}
	buf[o++] = '"';
	/* Most strings are plain ASCII: copied as they are, in one go. */
	n = json_plain_len((const char *)p);
	if (o + n + 5 <= len) {
		memcpy(buf + o, p, n);
		o += n;
		p += n;
	}
	while (*p != '\0') {
		n = util_utf8_len(p);
		if (n == 1 && (*p < 0x20 || *p == '"' || *p == '\\')) {
			if (*p == '"' || *p == '\\')
				snprintf(esc, sizeof esc, "\\%c", *p);
			else
				snprintf(esc, sizeof esc, "\\u%04x", *p);
			k = strlen(esc);
		} else if (n == 0) {
			memcpy(esc, "\\ufffd", 7);
			k = 6;
			n = 1;
		} else {
			k = n;
			memcpy(esc, p, n);
		}
		if (o + k + 5 > len) { /* room for ...", NUL */
			memcpy(buf + o, "...", 3);
			o += 3;
			break;
		}
		memcpy(buf + o, esc, k);
		o += k;
		p += n;
	}
	buf[o++] = '"';
	buf[o] = '\0';
	return buf;
}

size_t
edit_distance(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b), i, j, prev, tmp, best;
	size_t row[64];

	if (lb >= nitems(row))
		return lb > la ? lb : la;
	for (j = 0; j <= lb; j++)
		row[j] = j;
	for (i = 1; i <= la; i++) {
		prev = row[0];
		row[0] = i;
		for (j = 1; j <= lb; j++) {
			tmp = row[j];
			best = prev + (a[i - 1] != b[j - 1]);
			if (row[j] + 1 < best)
				best = row[j] + 1;
			if (row[j - 1] + 1 < best)
				best = row[j - 1] + 1;
			row[j] = best;
			prev = tmp;
		}
	}
	return row[lb];
}

int
strn_caseeq(const char *s, const char *buf, size_t len)
{
	return strlen(s) == len && strncasecmp(s, buf, len) == 0;
}

void
errlist_add(struct errlist *el, const char *fmt, ...)
{
	va_list ap;

	if (el->n == el->cap) {
		el->cap = el->cap == 0 ? 8 : el->cap * 2;
		el->msgs = xrealloc(el->msgs, el->cap * sizeof *el->msgs);
	}
	va_start(ap, fmt);
	el->msgs[el->n++] = xvasprintf(fmt, ap);
	va_end(ap);
}

char *
errlist_join(const struct errlist *el)
{
	size_t i, len = 1;
	char *out, *p;

	for (i = 0; i < el->n; i++)
		len += strlen(el->msgs[i]) + 1;
	out = p = xmalloc(len);
	*p = '\0';
	for (i = 0; i < el->n; i++)
		p += sprintf(p, "%s%s", el->msgs[i], i + 1 < el->n ? "\n" : "");
	return out;
}

void
errlist_clear(struct errlist *el)
{
	size_t i;

	for (i = 0; i < el->n; i++)
		free(el->msgs[i]);
	free(el->msgs);
	el->msgs = NULL;
	el->n = el->cap = 0;
}

int
sockaddr_fill(const char *host, uint16_t port, struct sockaddr_storage *ss,
    socklen_t *len)
{
	struct sockaddr_in *sin = (struct sockaddr_in *)ss;
	struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)ss;

	memset(ss, 0, sizeof *ss);
	if (inet_pton(AF_INET, host, &sin->sin_addr) == 1) {
		sin->sin_family = AF_INET;
		sin->sin_port = htons(port);
		*len = sizeof *sin;
		return 0;
	}
	if (inet_pton(AF_INET6, host, &sin6->sin6_addr) == 1) {
		sin6->sin6_family = AF_INET6;
		sin6->sin6_port = htons(port);
		*len = sizeof *sin6;
		return 0;
	}
	return -1;
}

void
sockaddr_format(const struct sockaddr_storage *ss, char *buf, size_t len)
{
	char ip[INET6_ADDRSTRLEN];

	if (ss->ss_family == AF_INET6) {
		inet_ntop(AF_INET6,
		    &((const struct sockaddr_in6 *)ss)->sin6_addr, ip,
		    sizeof ip);
		snprintf(buf, len, "[%s]:%u", ip,
		    ntohs(((const struct sockaddr_in6 *)ss)->sin6_port));
	} else {
		inet_ntop(AF_INET, &((const struct sockaddr_in *)ss)->sin_addr,
		    ip, sizeof ip);
		snprintf(buf, len, "%s:%u", ip,
		    ntohs(((const struct sockaddr_in *)ss)->sin_port));
	}
}

char *
file_read(const char *path, size_t max, size_t *lenp)
{
	FILE *f;
	char *buf = NULL;
	size_t len = 0, cap = 0, n;
	int saved;

	if ((f = fopen(path, "rb")) == NULL)
		return NULL;
	for (;;) {
		if (len == cap) {
			if (cap >= max) {
				errno = EFBIG;
				goto fail;
			}
			cap = cap == 0 ? 8192 : cap * 2;
			buf = xrealloc(buf, cap + 1);
		}
		n = fread(buf + len, 1, cap - len, f);
		len += n;
		if (n == 0) {
			if (ferror(f))
				goto fail;
			break;
		}
	}
	fclose(f);
	buf = xrealloc(buf, len + 1);
	buf[len] = '\0';
	*lenp = len;
	return buf;
fail:
	saved = errno != 0 ? errno : EIO;
	fclose(f);
	free(buf);
	errno = saved;
	return NULL;
}
