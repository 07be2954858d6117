/*
 * timeline.c: the current phase and the way to the next one.
 *
 * Phases come in order, so only the next phase's condition is watched: a
 * timer for "after" (scaled by time_scale, from when the current phase
 * began), the counts since then for "after_connections" and
 * "after_requests". After the last phase a repeating scenario watches the
 * first phase's condition. Every change re-bases the clock and the counts.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event2/event.h>

#include "clock.h"
#include "journal.h"
#include "log.h"
#include "scenario.h"
#include "timeline.h"
#include "util.h"

struct timeline {
	struct event_base *base;
	const struct scenario *sc;
	struct journal *journal;
	timeline_changed_fn *changed;
	void *arg;

	size_t index;
	uint64_t began_us; /* clock_now_us() when the current phase began */
	uint64_t connections; /* counted since then */
	uint64_t requests;

	struct event *timer;
};

static void timeline_timer_cb(evutil_socket_t, short, void *);

/* The phase that comes after the current one, or NULL at the very end. */
static const struct phase_conf *
timeline_upcoming(const struct timeline *t, size_t *idx)
{
	if (t->sc->nphases == 0)
		return NULL;
	if (t->index + 1 < t->sc->nphases)
		*idx = t->index + 1;
	else if (t->sc->repeat)
		*idx = 0;
	else
		return NULL;
	return &t->sc->phases[*idx];
}

/*
 * The "after" duration of a phase in real microseconds. The loader and
 * the server refuse a scenario whose scaled phases fall outside
 * SCENARIO_AFTER_MIN_US..SCENARIO_AFTER_MAX_US (scenario_check_scale());
 * the clamp is the backstop that keeps any other scenario from making the
 * timer spin or the conversion overflow.
 */
static uint64_t
timeline_scaled(const struct timeline *t, const struct phase_conf *p)
{
	double scale = t->sc->time_scale > 0 ? t->sc->time_scale : 1;
	double us = (double)p->after_us / scale;

	if (!(us >= (double)SCENARIO_AFTER_MIN_US))
		return SCENARIO_AFTER_MIN_US;
	if (us > (double)SCENARIO_AFTER_MAX_US)
		return SCENARIO_AFTER_MAX_US;
	return (uint64_t)us;
}

/* Has the count condition of phase p been met since the current began? */
static int
timeline_counted(const struct timeline *t, const struct phase_conf *p)
{
	switch (p->start) {
	case PHASE_START_CONNECTIONS:
		return t->connections >= p->after_n;
	case PHASE_START_REQUESTS:
		return t->requests >= p->after_n;
	default:
		return 0;
	}
}

/*
 * Arm the timer for the next phase's condition: its "after" deadline, or
 * at once when a count condition is already met (after a rebase). Firing
 * from the loop, never from here, keeps callers free of re-entry.
 */
static void
timeline_arm(struct timeline *t)
{
	const struct phase_conf *p;
	struct timeval tv = { 0, 0 };
	uint64_t deadline, now;
	size_t idx;

	evtimer_del(t->timer);
	if ((p = timeline_upcoming(t, &idx)) == NULL)
		return;
	if (p->start == PHASE_START_AFTER) {
		deadline = t->began_us + timeline_scaled(t, p);
		now = clock_now_us();
		if (deadline > now)
			tv = clock_tv(deadline - now);
		evtimer_add(t->timer, &tv);
	} else if (timeline_counted(t, p))
		evtimer_add(t->timer, &tv);
}

/* Make phase idx current now, journal and log it, and tell the caller. */
static void
timeline_change(struct timeline *t, size_t idx, const char *reason)
{
	const char *from = t->sc->phases[t->index].name;
	const char *to = t->sc->phases[idx].name;

	t->index = idx;
	t->began_us = clock_now_us();
	t->connections = 0;
	t->requests = 0;
	if (t->journal != NULL) {
		journal_add(t->journal, NULL, 0, "phase",
		    json_pack("{s:s, s:s, s:I, s:s}", "from", from, "to", to,
		        "index", (json_int_t)idx, "reason", reason));
	}
	log_info("phase %s -> %s (%s)", from, to, reason);
	timeline_arm(t);
	if (t->changed != NULL)
		t->changed(t->arg);
}

/* Move to the next phase because its condition was met; say which. */
static void
timeline_advance(struct timeline *t)
{
	const struct phase_conf *p;
	char reason[64], dur[32];
	const char *what;
	size_t idx;

	if ((p = timeline_upcoming(t, &idx)) == NULL)
		return;
	switch (p->start) {
	case PHASE_START_AFTER:
		duration_format(p->after_us, dur, sizeof dur);
		snprintf(reason, sizeof reason, "after %s", dur);
		break;
	case PHASE_START_CONNECTIONS:
	case PHASE_START_REQUESTS:
		if (p->start == PHASE_START_CONNECTIONS)
			what = p->after_n == 1 ? "connection" : "connections";
		else
			what = p->after_n == 1 ? "request" : "requests";
		snprintf(reason, sizeof reason, "after %llu %s",
		    (unsigned long long)p->after_n, what);
		break;
	default:
		return;
	}
	timeline_change(t, idx, reason);
}

/*
 * The timer fired: the next phase's condition is met. libevent's timers
 * run on a coarse clock and may fire a little before our clock says the
 * duration is over; then the timer waits out the rest, so a phase never
 * begins early.
 */
static void
timeline_timer_cb(evutil_socket_t fd, short events, void *arg)
{
	struct timeline *t = arg;
	const struct phase_conf *p;
	size_t idx;

	(void)fd;
	(void)events;
	if ((p = timeline_upcoming(t, &idx)) == NULL)
		return;
	if (p->start == PHASE_START_AFTER &&
	    clock_now_us() < t->began_us + timeline_scaled(t, p)) {
		timeline_arm(t);
		return;
	}
	timeline_advance(t);
}

/* Create a timeline in the scenario's first phase; see timeline.h. */
struct timeline *
timeline_new(struct event_base *base, const struct scenario *sc,
    struct journal *journal, timeline_changed_fn *changed, void *arg)
{
	struct timeline *t;

	t = xcalloc(1, sizeof *t);
	t->base = base;
	t->sc = sc;
	t->journal = journal;
	t->changed = changed;
	t->arg = arg;
	t->began_us = clock_now_us();
	t->timer = evtimer_new(base, timeline_timer_cb, t);
	if (t->timer == NULL) {
		/* Only memory runs out here, and at start-up that is fatal. */
		log_error("cannot create the phase timer");
		abort();
	}
	timeline_arm(t);
	return t;
}

/* The current phase, or NULL for a scenario without phases. */
const struct phase_conf *
timeline_phase(const struct timeline *t)
{
	if (t->sc->nphases == 0)
		return NULL;
	return &t->sc->phases[t->index];
}

/* The index of the current phase. */
size_t
timeline_index(const struct timeline *t)
{
	return t->index;
}

const struct phase_conf *
timeline_upcoming_phase(const struct timeline *t)
{
	size_t idx;

	return timeline_upcoming(t, &idx);
}

uint64_t
timeline_phase_age_us(const struct timeline *t)
{
	return clock_now_us() - t->began_us;
}

/* Count a connection; it may begin the next phase. */
void
timeline_count_connection(struct timeline *t)
{
	const struct phase_conf *p;
	size_t idx;

	t->connections++;
	p = timeline_upcoming(t, &idx);
	if (p != NULL && p->start == PHASE_START_CONNECTIONS &&
	    timeline_counted(t, p))
		timeline_advance(t);
}

/* Count a request; it may begin the next phase. */
void
timeline_count_request(struct timeline *t)
{
	const struct phase_conf *p;
	size_t idx;

	t->requests++;
	p = timeline_upcoming(t, &idx);
	if (p != NULL && p->start == PHASE_START_REQUESTS &&
	    timeline_counted(t, p))
		timeline_advance(t);
}

/* Go to the phase of that name now; -1 if there is none. */
int
timeline_goto(struct timeline *t, const char *name, const char *reason)
{
	size_t i;

	for (i = 0; i < t->sc->nphases; i++) {
		if (strcmp(t->sc->phases[i].name, name) == 0) {
			timeline_change(
			    t, i, reason != NULL ? reason : "manual");
			return 0;
		}
	}
	return -1;
}

/* Go to the next phase now; -1 at the end of a scenario without repeat. */
int
timeline_next(struct timeline *t, const char *reason)
{
	size_t idx;

	if (timeline_upcoming(t, &idx) == NULL)
		return -1;
	timeline_change(t, idx, reason != NULL ? reason : "manual");
	return 0;
}

/*
 * Switch to a reloaded scenario. The phase of the same name stays current
 * with its start time and counts; otherwise the first phase begins now and
 * the change is journaled with the reason "reload". The caller applies the
 * phase itself, so the changed callback is not called.
 */
void
timeline_rebase(struct timeline *t, const struct scenario *sc)
{
	const char *from = NULL;
	size_t i;

	if (t->sc->nphases > 0)
		from = t->sc->phases[t->index].name;
	for (i = 0; from != NULL && i < sc->nphases; i++) {
		if (strcmp(sc->phases[i].name, from) == 0)
			break;
	}
	t->sc = sc;
	if (from != NULL && i < sc->nphases) {
		t->index = i;
		timeline_arm(t);
		return;
	}
	t->index = 0;
	t->began_us = clock_now_us();
	t->connections = 0;
	t->requests = 0;
	if (sc->nphases > 0) {
		if (t->journal != NULL) {
			journal_add(t->journal, NULL, 0, "phase",
			    json_pack("{s:s?, s:s, s:I, s:s}", "from", from,
			        "to", sc->phases[0].name, "index",
			        (json_int_t)0, "reason", "reload"));
		}
		log_info("phase %s -> %s (reload)", from != NULL ? from : "-",
		    sc->phases[0].name);
	}
	timeline_arm(t);
}

/* Free a timeline; safe on NULL. */
void
timeline_free(struct timeline *t)
{
	if (t == NULL)
		return;
	if (t->timer != NULL)
		event_free(t->timer);
	free(t);
}
