/*
 * timeline.h: which phase of the scenario is current, and when the next
 * begins: after a duration (scaled by time_scale), after N connections or
 * requests, or by hand. Phase changes are journaled and take effect for the
 * next connection and request at once.
 */
#ifndef STANDIN_TIMELINE_H
#define STANDIN_TIMELINE_H

#include <stddef.h>
#include <stdint.h>

struct event_base;
struct journal;
struct phase_conf;
struct scenario;
struct timeline;

/* Called after every phase change. */
typedef void timeline_changed_fn(void *arg);

/*
 * A timeline over the scenario's phases, in its first phase from now.
 * journal may be NULL. The scenario must outlive the timeline (or be
 * replaced with timeline_rebase()).
 */
struct timeline *timeline_new(struct event_base *, const struct scenario *,
    struct journal *, timeline_changed_fn *, void *arg);

/* The current phase and its index. */
const struct phase_conf *timeline_phase(const struct timeline *);
size_t timeline_index(const struct timeline *);

/* The phase that comes next (by its condition or timeline_next()), or
 * NULL after the last phase of a scenario that does not repeat. */
const struct phase_conf *timeline_upcoming_phase(const struct timeline *);

/* How long the current phase has lasted, in microseconds. */
uint64_t timeline_phase_age_us(const struct timeline *);

/* Count a connection or a request toward after_connections/after_requests. */
void timeline_count_connection(struct timeline *);
void timeline_count_request(struct timeline *);

/* Go to the phase of that name now. Returns 0, or -1 if there is none. */
int timeline_goto(struct timeline *, const char *name, const char *reason);
/* Go to the next phase now (with repeat, wrapping to the first). Returns 0,
 * or -1 if this is the last phase and the scenario does not repeat. */
int timeline_next(struct timeline *, const char *reason);

/*
 * Use a new scenario (a reload): stay in the phase of the same name if it
 * has one, else start at its first phase.
 */
void timeline_rebase(struct timeline *, const struct scenario *);

void timeline_free(struct timeline *);

#endif
