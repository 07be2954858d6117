/*
 * journal.h: what happened, event by event: connections, hellos,
 * requests, responses, injected faults and phase changes. Kept in memory as
 * a bounded ring and, with --journal FILE, written as JSON lines as it goes
 * (batched, never blocking the loop) and complete after a clean exit.
 */
#ifndef STANDIN_JOURNAL_H
#define STANDIN_JOURNAL_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

struct event_base;
struct journal;

#define JOURNAL_RING_DEFAULT 10000
/* ...and at most this many bytes of them: the ring is bounded by both. */
#define JOURNAL_RING_BYTES_DEFAULT (8 * 1024 * 1024)
/*
 * One event's line is at most this long, in the ring and in the file: a
 * longer one keeps its first keys (seq, time, mono_ms, service, conn,
 * event) and says "truncated": true with the "bytes" it had.
 */
#define JOURNAL_LINE_MAX (16 * 1024)

/*
 * A journal keeping the last ring_size events in memory and, if path is
 * not NULL, appending every event to that file (truncated at start).
 * Returns NULL with *cause set if the file cannot be opened.
 */
struct journal *journal_new(
    struct event_base *, size_t ring_size, const char *path, char **cause);

/*
 * Record one event. Adds "seq", "time" (RFC 3339), "mono_ms" (since the
 * journal began), "service" (if not NULL), "conn" (if not 0) and "event"
 * to fields, which it takes ownership of (NULL for none). Returns its seq.
 */
uint64_t journal_add(struct journal *, const char *service, uint64_t conn,
    const char *event, json_t *fields);

/*
 * Record one event whose fields are a ready JSON fragment made by fmt
 * ("\"status\":%d"): for the hot path, where building a JSON object per
 * event costs too much. Strings from clients must go through
 * json_escape() (util.h).
 */
uint64_t journal_addf(struct journal *, const char *service, uint64_t conn,
    const char *event, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));

/*
 * A hot event's fields, written without printf: journal_fields_init(),
 * then journal_field_str() (any string: escaped) and journal_field_int()
 * in the order they should appear, then journal_add_fields(). Fields that
 * do not fit are left out.
 */
struct journal_fields {
	char buf[3072];
	size_t len;
};
void journal_fields_init(struct journal_fields *);
void journal_field_str(struct journal_fields *, const char *key, const char *);
void journal_field_int(struct journal_fields *, const char *key, int64_t);
uint64_t journal_add_fields(struct journal *, const char *service,
    uint64_t conn, const char *event, struct journal_fields *);

/*
 * The events with seq > since, oldest first, at most limit (0: no limit),
 * only of that service and event type when not NULL: a new JSON array.
 */
json_t *journal_query(struct journal *, uint64_t since, size_t limit,
    const char *service, const char *event);

/*
 * The same query written as a JSON array straight into out, from the
 * events' own text (no JSON objects built): for GET /journal, which must
 * not hold up the loop. Returns how many events it wrote.
 */
struct evbuffer;
size_t journal_query_text(struct journal *, uint64_t since, size_t limit,
    const char *service, const char *event, struct evbuffer *out);

/* Keep at most this many bytes of events in memory (default above). */
void journal_set_ring_bytes(struct journal *, size_t);

/* Bytes the ring holds now (its lines' buffers). */
size_t journal_ring_bytes(const struct journal *);

/* The seq of the last event recorded so far (0: none yet). */
uint64_t journal_last_seq(const struct journal *);

/* Forget the events in memory (the file keeps them). */
void journal_clear(struct journal *);

/* Write everything pending to the file now. */
void journal_flush(struct journal *);

/* Flush and free; safe on NULL. */
void journal_free(struct journal *);

#endif
