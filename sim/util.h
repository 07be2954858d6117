/* util.h: small helpers shared by every module: allocation, durations,
 * addresses, protocol version strings, error lists. */
#ifndef STANDIN_UTIL_H
#define STANDIN_UTIL_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#define nitems(a) (sizeof(a) / sizeof((a)[0]))

/* sysexits(3) codes used by every command. */
#define EXIT_USAGE 64
#define EXIT_DATAERR 65
#define EXIT_NOINPUT 66
#define EXIT_UNAVAILABLE 69
#define EXIT_SOFTWARE 70
#define EXIT_OSERR 71

/* Allocation for start-up paths: failure is fatal. */
void *xmalloc(size_t);
void *xcalloc(size_t, size_t);
void *xrealloc(void *, size_t);
char *xstrdup(const char *);
char *xstrndup(const char *, size_t);
char *xasprintf(const char *, ...) __attribute__((format(printf, 1, 2)));
char *xvasprintf(const char *, va_list) __attribute__((format(printf, 1, 0)));

/*
 * Parse a duration such as "250ms", "1.5s", "2m", "1h" or "100us" into
 * microseconds. Returns 0 or -1.
 */
int duration_parse(const char *, uint64_t *);

/* Format microseconds as the shortest duration string ("250ms", "1.5s"). */
void duration_format(uint64_t, char *, size_t);

/*
 * Split "HOST:PORT" ("127.0.0.1:8081", "[::1]:0", "localhost:8082") into a
 * host and a port. Returns 0 or -1.
 */
int hostport_parse(const char *, char *, size_t, uint16_t *);

struct sockaddr_storage;
/* Fill a socket address for host:port; host is an IP literal. 0 or -1. */
int sockaddr_fill(
    const char *host, uint16_t port, struct sockaddr_storage *, socklen_t *);
/* Format an address as "127.0.0.1:8081" or "[::1]:8081". */
void sockaddr_format(const struct sockaddr_storage *, char *, size_t);

/* Is this a protocol version string: digits separated by dots ("1.2")? */
int version_valid(const char *);

/* Compare two dotted version strings numerically, like strcmp. */
int version_compare(const char *, const char *);

/*
 * Percent-decode src[0..n) into buf, NUL-terminated; with plus set (query
 * strings) '+' is a space. A bad escape, %00, or too little room: -1.
 */
int percent_decode(const char *src, size_t n, char *buf, size_t len, int plus);

/*
 * Write s as a quoted JSON string into buf (always valid JSON: control
 * characters escaped, bytes that are not UTF-8 become U+FFFD, cut short
 * with "..." if it does not fit). Returns buf.
 */
char *json_escape(const char *s, char *buf, size_t len);

/*
 * Write v in decimal at buf (room for 21 bytes), NUL-terminated; returns
 * its length. For the hot paths (headers, journal lines), where the printf
 * family cost as much as the rest of a request.
 */
size_t decimal_format(char *buf, uint64_t v);

/*
 * How many leading bytes of s need no escaping in JSON: printable ASCII
 * but the quote and the backslash. A string with json_plain_len(s) ==
 * strlen(s) may be written between quotes as it is.
 */
size_t json_plain_len(const char *s);

/* Levenshtein distance between two strings (for did-you-mean hints). */
size_t edit_distance(const char *, const char *);

/* Case-insensitive comparison of a NUL-terminated string and a buffer. */
int strn_caseeq(const char *, const char *, size_t);

/*
 * A list of messages meant for a user, collected so that every error in
 * a file is reported, not just the first.
 */
struct errlist {
	char **msgs;
	size_t n;
	size_t cap;
};

void errlist_add(struct errlist *, const char *, ...)
    __attribute__((format(printf, 2, 3)));
/* Join every message with newlines into one allocated string. */
char *errlist_join(const struct errlist *);
void errlist_clear(struct errlist *);

/*
 * Read a whole file (at most max bytes) into memory, NUL-terminated;
 * *len its length. NULL with errno set (EFBIG past max).
 */
char *file_read(const char *path, size_t max, size_t *len);

#endif
