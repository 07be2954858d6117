/*
 * journal.c: the event journal. Each event is serialized once, to one JSON
 * line; the line goes into a fixed-size ring (with the seq, service and
 * event type that queries filter on) and, with a file, into an output
 * buffer that a timer writes out in batches, so the loop never waits on a
 * write per event.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/buffer.h>
#include <event2/event.h>

#include "clock.h"
#include "journal.h"
#include "log.h"
#include "util.h"

/* Write pending lines out at least this often... */
#define JOURNAL_FLUSH_MS 50
/* ...and at once when more than this much is pending. */
#define JOURNAL_FLUSH_BYTES (64 * 1024)

/* One event in the ring: its line, and what queries filter on. */
struct journal_entry {
	uint64_t seq;
	char *line; /* one allocation: line, then service, then event */
	size_t cap; /* its size, reused when the slot is overwritten */
	char *service; /* NULL if the event has none */
	char *event;
};

struct journal {
	struct event_base *base;
	uint64_t start_us; /* clock_now_us() at journal_new() */
	uint64_t next_seq;

	struct journal_entry *ring;
	size_t ring_size;
	size_t head; /* the oldest entry */
	size_t count; /* entries in use */
	size_t bytes; /* held by the entries' buffers */
	size_t bytes_max; /* the ring drops its oldest past this */

	char *path;
	int fd; /* -1: no file, or abandoned after an error */
	struct evbuffer *out;
	struct event *timer;
};

static void journal_timer_cb(evutil_socket_t, short, void *);

/* Create a journal; see journal.h. */
struct journal *
journal_new(
    struct event_base *base, size_t ring_size, const char *path, char **cause)
{
	struct journal *j;

	j = xcalloc(1, sizeof *j);
	j->base = base;
	j->start_us = clock_now_us();
	j->next_seq = 1;
	j->fd = -1;
	j->ring_size = ring_size;
	j->bytes_max = JOURNAL_RING_BYTES_DEFAULT;
	if (ring_size > 0)
		j->ring = xcalloc(ring_size, sizeof *j->ring);
	if (path == NULL)
		return j;

	j->path = xstrdup(path);
	j->fd = open(
	    path, O_WRONLY | O_CREAT | O_TRUNC | O_APPEND | O_CLOEXEC, 0644);
	if (j->fd == -1) {
		*cause = xasprintf("%s: %s", path, strerror(errno));
		goto fail;
	}
	j->out = evbuffer_new();
	if (j->out == NULL) {
		*cause = xasprintf("%s: cannot allocate a buffer", path);
		goto fail;
	}
	if (base != NULL) {
		j->timer = evtimer_new(base, journal_timer_cb, j);
		if (j->timer == NULL) {
			*cause = xasprintf("%s: cannot create a timer", path);
			goto fail;
		}
	}
	return j;

fail:
	journal_free(j);
	return NULL;
}

/* Stop writing to the file after an error; the ring keeps working. */
static void
journal_abandon(struct journal *j, int error)
{
	log_error("journal %s: %s; no more events are written to it", j->path,
	    strerror(error));
	close(j->fd);
	j->fd = -1;
	evbuffer_free(j->out);
	j->out = NULL;
	if (j->timer != NULL)
		evtimer_del(j->timer);
}

/* Write everything pending to the file now. */
void
journal_flush(struct journal *j)
{
	int n;

	if (j == NULL || j->fd == -1)
		return;
	if (j->timer != NULL)
		evtimer_del(j->timer);
	while (evbuffer_get_length(j->out) > 0) {
		n = evbuffer_write(j->out, j->fd);
		if (n == -1 && errno == EINTR)
			continue;
		if (n <= 0) {
			journal_abandon(j, n == 0 ? ENOSPC : errno);
			return;
		}
	}
}

/* The flush timer fired: write out what has gathered. */
static void
journal_timer_cb(evutil_socket_t fd, short events, void *arg)
{
	(void)fd;
	(void)events;
	journal_flush(arg);
}

/* Queue a line for the file; write now if much is pending. */
static void
journal_write(struct journal *j, const char *line, size_t len)
{
	struct timeval tv = { 0, JOURNAL_FLUSH_MS * 1000 };

	if (j->fd == -1)
		return;
	if (evbuffer_add(j->out, line, len) == -1 ||
	    evbuffer_add(j->out, "\n", 1) == -1) {
		journal_abandon(j, ENOMEM);
		return;
	}
	if (evbuffer_get_length(j->out) > JOURNAL_FLUSH_BYTES)
		journal_flush(j);
	else if (j->timer != NULL && !evtimer_pending(j->timer, NULL))
		evtimer_add(j->timer, &tv);
}

/* Free one ring entry's memory. */
static void
journal_entry_clear(struct journal *j, struct journal_entry *e)
{
	j->bytes -= e->cap;
	free(e->line);
	memset(e, 0, sizeof *e);
}

/* Drop the oldest entry of the ring. */
static void
journal_drop_oldest(struct journal *j)
{
	journal_entry_clear(j, &j->ring[j->head]);
	j->head = (j->head + 1) % j->ring_size;
	j->count--;
}

/*
 * Put a line into the ring, dropping the oldest if it is full. The line,
 * service and event share one allocation; if it fails the event is only
 * missing from the ring.
 */
static void
journal_store(struct journal *j, uint64_t seq, const char *line, size_t len,
    const char *service, const char *event)
{
	struct journal_entry *e;
	size_t slen, elen, need, want;
	char *p;

	if (j->ring_size == 0)
		return;
	slen = service != NULL ? strlen(service) + 1 : 0;
	elen = strlen(event) + 1;
	need = len + 1 + slen + elen;
	want = need < 256 ? 256 : need;
	if (j->count == j->ring_size) {
		/* Overwrite the oldest slot, keeping its buffer if it fits. */
		e = &j->ring[j->head];
		j->head = (j->head + 1) % j->ring_size;
		j->count--;
	} else
		e = &j->ring[(j->head + j->count) % j->ring_size];
	/* A buffer far larger than needed is given back, not kept. */
	if (e->cap < need || e->cap > 2 * want) {
		p = realloc(e->line, want);
		if (p == NULL) {
			journal_entry_clear(j, e);
			return;
		}
		e->line = p;
		j->bytes += want - e->cap;
		e->cap = want;
	}
	j->count++;
	p = e->line;
	e->seq = seq;
	memcpy(p, line, len + 1);
	p += len + 1;
	e->service = NULL;
	if (service != NULL) {
		e->service = p;
		memcpy(p, service, slen);
		p += slen;
	}
	e->event = p;
	memcpy(p, event, elen);
	/* Bounded by bytes too: the oldest go first, never the newest. */
	while (j->bytes > j->bytes_max && j->count > 1)
		journal_drop_oldest(j);
}

void
journal_set_ring_bytes(struct journal *j, size_t bytes)
{
	j->bytes_max = bytes;
	while (j->bytes > j->bytes_max && j->count > 1)
		journal_drop_oldest(j);
}

size_t
journal_ring_bytes(const struct journal *j)
{
	return j->bytes;
}

/* Append a literal to buf at len. */
#define JOURNAL_PUT(buf, len, lit) \
	do { \
		memcpy((buf) + (len), lit, sizeof(lit) - 1); \
		(len) += sizeof(lit) - 1; \
	} while (0)

/* Copy at most max bytes of s to buf; returns how many. */
static size_t
journal_copy(char *buf, const char *s, size_t max)
{
	size_t n = strnlen(s, max);

	memcpy(buf, s, n);
	return n;
}

/* Record one event; see journal.h. */
/*
 * Write one event: our keys first, in the documented order, then either a
 * ready fragment of trusted fields ("\"status\":200") or the caller's
 * JSON object. Service names are validated identifiers and event names are
 * ours, so the head needs no escaping; a JSON object is dumped by jansson
 * into the same buffer, its "{" turned into ",". A caller's key never
 * replaces ours.
 */
static uint64_t
journal_line(struct journal *j, const char *service, uint64_t conn,
    const char *event, const char *fragment, json_t *fields)
{
	static const char *const reserved[] = { "seq", "time", "mono_ms",
		"service", "conn", "event" };
	char stamp[64], buf[4096], *line = buf, *big = NULL;
	size_t len, head_len, room, need, i;
	uint64_t seq;
	int n;

	/* The head takes at most 256 bytes of buf; the rest is the fields'. */
	seq = j->next_seq++;
	clock_rfc3339(stamp, sizeof stamp);
	/*
	 * The head by hand, not snprintf: every event has one, and the printf
	 * family was the largest share of a request's cost. Service names
	 * (validated, at most 32 bytes) and event names are ours.
	 */
	len = 0;
	JOURNAL_PUT(buf, len, "{\"seq\":");
	len += decimal_format(buf + len, seq);
	JOURNAL_PUT(buf, len, ",\"time\":\"");
	len += journal_copy(buf + len, stamp, 40);
	JOURNAL_PUT(buf, len, "\",\"mono_ms\":");
	len += decimal_format(buf + len, (clock_now_us() - j->start_us) / 1000);
	if (service != NULL) {
		JOURNAL_PUT(buf, len, ",\"service\":\"");
		len += journal_copy(buf + len, service, 64);
		buf[len++] = '"';
	}
	if (conn != 0) {
		JOURNAL_PUT(buf, len, ",\"conn\":");
		len += decimal_format(buf + len, conn);
	}
	JOURNAL_PUT(buf, len, ",\"event\":\"");
	len += journal_copy(buf + len, event, 64);
	buf[len++] = '"';
	head_len = len;
	if (fragment != NULL && *fragment != '\0') {
		need = strlen(fragment);
		if (len + need + 3 > sizeof buf)
			return seq; /* too long for an event: left out */
		buf[len++] = ',';
		memcpy(buf + len, fragment, need);
		len += need;
		buf[len++] = '}';
	} else if (json_object_size(fields) > 0) {
		for (i = 0; i < nitems(reserved); i++)
			json_object_del(fields, reserved[i]);
		room = sizeof buf - len - 1;
		need = json_dumpb(fields, buf + len, room, JSON_COMPACT);
		if (need > room) {
			big = malloc(len + need + 1);
			if (big == NULL)
				return seq;
			memcpy(big, buf, len);
			json_dumpb(fields, big + len, need, JSON_COMPACT);
			line = big;
		}
		line[len] = ','; /* the fields' "{" */
		len += need;
	} else
		line[len++] = '}';
	line[len] = '\0';
	if (len > JOURNAL_LINE_MAX) {
		/* Too long to keep: its keys, and what it was. */
		n = snprintf(buf + head_len, sizeof buf - head_len,
		    ",\"truncated\":true,\"bytes\":%zu}", len);
		line = buf;
		len = head_len + (size_t)n;
	}
	journal_store(j, seq, line, len, service, event);
	journal_write(j, line, len);
	free(big);
	return seq;
}

uint64_t
journal_add(struct journal *j, const char *service, uint64_t conn,
    const char *event, json_t *fields)
{
	uint64_t seq = 0;

	if (j != NULL)
		seq = journal_line(j, service, conn, event, NULL, fields);
	json_decref(fields);
	return seq;
}

void
journal_fields_init(struct journal_fields *f)
{
	f->len = 0;
	f->buf[0] = '\0';
}

/* Start a field: a comma after the first, and the key. 0, or -1: full. */
static int
journal_field_key(struct journal_fields *f, const char *key, size_t more)
{
	size_t k = strlen(key);

	if (f->len + k + 4 + more >= sizeof f->buf)
		return -1;
	if (f->len > 0)
		f->buf[f->len++] = ',';
	f->buf[f->len++] = '"';
	memcpy(f->buf + f->len, key, k);
	f->len += k;
	f->buf[f->len++] = '"';
	f->buf[f->len++] = ':';
	return 0;
}

void
journal_field_str(struct journal_fields *f, const char *key, const char *value)
{
	size_t room;

	if (journal_field_key(f, key, 8) != 0)
		return;
	room = sizeof f->buf - f->len;
	json_escape(value, f->buf + f->len, room);
	f->len += strlen(f->buf + f->len);
}

void
journal_field_int(struct journal_fields *f, const char *key, int64_t value)
{
	if (journal_field_key(f, key, 21) != 0)
		return;
	if (value < 0) {
		f->buf[f->len++] = '-';
		f->len += decimal_format(f->buf + f->len, (uint64_t)-value);
	} else
		f->len += decimal_format(f->buf + f->len, (uint64_t)value);
}

uint64_t
journal_add_fields(struct journal *j, const char *service, uint64_t conn,
    const char *event, struct journal_fields *f)
{
	if (j == NULL)
		return 0;
	f->buf[f->len] = '\0';
	return journal_line(j, service, conn, event, f->buf, NULL);
}

uint64_t
journal_addf(struct journal *j, const char *service, uint64_t conn,
    const char *event, const char *fmt, ...)
{
	char fragment[3072];
	va_list ap;

	if (j == NULL)
		return 0;
	va_start(ap, fmt);
	vsnprintf(fragment, sizeof fragment, fmt, ap);
	va_end(ap);
	return journal_line(j, service, conn, event, fragment, NULL);
}

/* Does an entry match a query? */
static int
journal_matches(const struct journal_entry *e, uint64_t since,
    const char *service, const char *event)
{
	if (e->seq <= since)
		return 0;
	if (service != NULL &&
	    (e->service == NULL || strcmp(e->service, service) != 0))
		return 0;
	return event == NULL || strcmp(e->event, event) == 0;
}

/* The events in the ring matching a query; see journal.h. */
json_t *
journal_query(struct journal *j, uint64_t since, size_t limit,
    const char *service, const char *event)
{
	struct journal_entry *e;
	json_t *a, *o;
	size_t i;

	a = json_array();
	if (a == NULL || j == NULL)
		return a;
	for (i = 0; i < j->count; i++) {
		if (limit != 0 && json_array_size(a) >= limit)
			break;
		e = &j->ring[(j->head + i) % j->ring_size];
		if (!journal_matches(e, since, service, event))
			continue;
		o = json_loads(e->line, 0, NULL);
		if (o != NULL)
			json_array_append_new(a, o);
	}
	return a;
}

size_t
journal_query_text(struct journal *j, uint64_t since, size_t limit,
    const char *service, const char *event, struct evbuffer *out)
{
	struct journal_entry *e;
	size_t i, n = 0;

	evbuffer_add(out, "[", 1);
	for (i = 0; j != NULL && i < j->count; i++) {
		if (limit != 0 && n >= limit)
			break;
		e = &j->ring[(j->head + i) % j->ring_size];
		if (!journal_matches(e, since, service, event))
			continue;
		if (n++ > 0)
			evbuffer_add(out, ",", 1);
		evbuffer_add(out, e->line, strlen(e->line));
	}
	evbuffer_add(out, "]", 1);
	return n;
}

/* Forget the events in memory; seq goes on from where it was. */
uint64_t
journal_last_seq(const struct journal *j)
{
	return j != NULL ? j->next_seq - 1 : 0;
}

void
journal_clear(struct journal *j)
{
	if (j == NULL)
		return;
	while (j->count > 0)
		journal_drop_oldest(j);
	j->head = 0;
}

/* Flush and free a journal; safe on NULL and on a half-built one. */
void
journal_free(struct journal *j)
{
	if (j == NULL)
		return;
	if (j->out != NULL)
		journal_flush(j);
	if (j->timer != NULL)
		event_free(j->timer);
	if (j->out != NULL)
		evbuffer_free(j->out);
	if (j->fd != -1)
		close(j->fd);
	journal_clear(j);
	free(j->ring);
	free(j->path);
	free(j);
}
