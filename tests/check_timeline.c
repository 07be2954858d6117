/*
 * check_timeline.c: phases begun by a (compressed) clock, by counts and
 * by hand, in order, journaled. Timing bounds are generous: the tests pin
 * down order and that nothing happens early, not how punctual timers are.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <check.h>
#include <event2/event.h>

#include "clock.h"
#include "journal.h"
#include "scenario.h"
#include "timeline.h"
#include "util.h"

#define MAX_PHASES 8

/* A scenario built by hand: just its phases. */
struct fixture {
	struct scenario sc;
	struct phase_conf p[MAX_PHASES];
	char names[MAX_PHASES][16];
};

/* What the changed callback saw. */
struct seen {
	struct event_base *base;
	struct timeline *t;
	int changes;
	int stop_after; /* break the loop after this many changes */
	char order[256]; /* the phases changed to, space-separated */
};

/* Start an empty scenario with that time_scale and repeat. */
static void
fx_init(struct fixture *fx, double time_scale, int repeat)
{
	memset(fx, 0, sizeof *fx);
	fx->sc.name = fx->names[0]; /* unused, never NULL */
	fx->sc.time_scale = time_scale;
	fx->sc.repeat = repeat;
	fx->sc.phases = fx->p;
}

/* Add a phase; after is a duration in microseconds or a count. */
static void
fx_add(struct fixture *fx, const char *name, enum phase_start start,
    uint64_t after)
{
	struct phase_conf *p = &fx->p[fx->sc.nphases];

	ck_assert_uint_lt(fx->sc.nphases, MAX_PHASES);
	snprintf(fx->names[fx->sc.nphases], sizeof fx->names[0], "%s", name);
	p->name = fx->names[fx->sc.nphases];
	p->start = start;
	if (start == PHASE_START_AFTER)
		p->after_us = after;
	else
		p->after_n = after;
	fx->sc.nphases++;
}

/* The changed callback: note the new phase, maybe stop the loop. */
static void
changed_cb(void *arg)
{
	struct seen *s = arg;
	const struct phase_conf *p = timeline_phase(s->t);
	size_t len = strlen(s->order);

	snprintf(s->order + len, sizeof s->order - len, "%s%s",
	    len > 0 ? " " : "", p->name);
	s->changes++;
	if (s->stop_after > 0 && s->changes >= s->stop_after)
		event_base_loopbreak(s->base);
}

/* Run the loop for at most ms milliseconds (less if changed_cb stops it). */
static void
run_for(struct event_base *base, long ms)
{
	struct timeval tv = { ms / 1000, (ms % 1000) * 1000 };

	event_base_loopexit(base, &tv);
	event_base_dispatch(base);
}

/* The name of the current phase. */
static const char *
cur(struct timeline *t)
{
	return timeline_phase(t)->name;
}

/* The "phase" events of a journal. */
static json_t *
phase_events(struct journal *j)
{
	return journal_query(j, 0, 0, NULL, "phase");
}

/* A string member of element i of an array of objects. */
static const char *
str_at(json_t *a, size_t i, const char *key)
{
	return json_string_value(json_object_get(json_array_get(a, i), key));
}

START_TEST(test_starts_in_first_phase)
{
	struct event_base *base = event_base_new();
	struct fixture fx;
	struct timeline *t;

	fx_init(&fx, 1, 0);
	fx_add(&fx, "healthy", PHASE_START_NOW, 0);
	fx_add(&fx, "broken", PHASE_START_AFTER, 30000000);
	t = timeline_new(base, &fx.sc, NULL, NULL, NULL);
	ck_assert_uint_eq(timeline_index(t), 0);
	ck_assert_str_eq(cur(t), "healthy");
	/* 30s unscaled is far beyond this short run. */
	run_for(base, 30);
	ck_assert_str_eq(cur(t), "healthy");
	timeline_free(t);
	event_base_free(base);
}
END_TEST

START_TEST(test_after_is_scaled_by_time_scale)
{
	struct event_base *base = event_base_new();
	struct seen s = { .base = base, .stop_after = 2 };
	struct journal *j = journal_new(base, 100, NULL, NULL);
	struct fixture fx;
	uint64_t start, took;
	json_t *a;

	/* 10s and 20s at time_scale 1000: 10 ms, then 20 ms more. */
	fx_init(&fx, 1000, 0);
	fx_add(&fx, "a", PHASE_START_NOW, 0);
	fx_add(&fx, "b", PHASE_START_AFTER, 10000000);
	fx_add(&fx, "c", PHASE_START_AFTER, 20000000);
	start = clock_now_us();
	s.t = timeline_new(base, &fx.sc, j, changed_cb, &s);
	ck_assert_str_eq(cur(s.t), "a");
	run_for(base, 5000);
	took = clock_now_us() - start;
	ck_assert_str_eq(s.order, "b c");
	ck_assert_str_eq(cur(s.t), "c");
	/* Timers never fire early; the upper bound is only a sanity check. */
	ck_assert_uint_ge(took, 29000);
	ck_assert_uint_lt(took, 4000000);

	a = phase_events(j);
	ck_assert_uint_eq(json_array_size(a), 2);
	ck_assert_str_eq(str_at(a, 0, "reason"), "after 10s");
	ck_assert_str_eq(str_at(a, 1, "reason"), "after 20s");
	json_decref(a);
	timeline_free(s.t);
	journal_free(j);
	event_base_free(base);
}
END_TEST

START_TEST(test_counts_begin_phases)
{
	struct event_base *base = event_base_new();
	struct seen s = { .base = base };
	struct journal *j = journal_new(base, 100, NULL, NULL);
	struct fixture fx;
	json_t *a;
	int i;

	fx_init(&fx, 1, 0);
	fx_add(&fx, "a", PHASE_START_NOW, 0);
	fx_add(&fx, "b", PHASE_START_CONNECTIONS, 3);
	fx_add(&fx, "c", PHASE_START_REQUESTS, 2);
	s.t = timeline_new(base, &fx.sc, j, changed_cb, &s);

	/* Requests do not count toward after_connections. */
	for (i = 0; i < 5; i++)
		timeline_count_request(s.t);
	timeline_count_connection(s.t);
	timeline_count_connection(s.t);
	ck_assert_str_eq(cur(s.t), "a");
	timeline_count_connection(s.t);
	ck_assert_str_eq(cur(s.t), "b");

	/* The five requests of phase a do not count in phase b. */
	timeline_count_request(s.t);
	ck_assert_str_eq(cur(s.t), "b");
	timeline_count_request(s.t);
	ck_assert_str_eq(cur(s.t), "c");
	ck_assert_str_eq(s.order, "b c");

	a = phase_events(j);
	ck_assert_uint_eq(json_array_size(a), 2);
	ck_assert_str_eq(str_at(a, 0, "reason"), "after 3 connections");
	ck_assert_str_eq(str_at(a, 1, "reason"), "after 2 requests");
	json_decref(a);
	timeline_free(s.t);
	journal_free(j);
	event_base_free(base);
}
END_TEST

START_TEST(test_one_count_reads_singular)
{
	struct event_base *base = event_base_new();
	struct journal *j = journal_new(base, 100, NULL, NULL);
	struct fixture fx;
	struct timeline *t;
	json_t *a;

	fx_init(&fx, 1, 0);
	fx_add(&fx, "a", PHASE_START_NOW, 0);
	fx_add(&fx, "b", PHASE_START_REQUESTS, 1);
	t = timeline_new(base, &fx.sc, j, NULL, NULL);
	timeline_count_request(t);
	a = phase_events(j);
	ck_assert_str_eq(str_at(a, 0, "reason"), "after 1 request");
	json_decref(a);
	timeline_free(t);
	journal_free(j);
	event_base_free(base);
}
END_TEST

START_TEST(test_manual_waits_for_a_hand)
{
	struct event_base *base = event_base_new();
	struct seen s = { .base = base };
	struct journal *j = journal_new(base, 100, NULL, NULL);
	struct fixture fx;
	json_t *a;
	int i;

	fx_init(&fx, 1000, 0);
	fx_add(&fx, "a", PHASE_START_NOW, 0);
	fx_add(&fx, "b", PHASE_START_MANUAL, 0);
	s.t = timeline_new(base, &fx.sc, j, changed_cb, &s);
	for (i = 0; i < 10; i++) {
		timeline_count_connection(s.t);
		timeline_count_request(s.t);
	}
	run_for(base, 30);
	ck_assert_str_eq(cur(s.t), "a");
	ck_assert_int_eq(s.changes, 0);

	ck_assert_int_eq(timeline_next(s.t, NULL), 0);
	ck_assert_str_eq(cur(s.t), "b");
	ck_assert_int_eq(s.changes, 1);
	/* The last phase, no repeat: there is no next. */
	ck_assert_int_eq(timeline_next(s.t, NULL), -1);
	ck_assert_str_eq(cur(s.t), "b");
	ck_assert_int_eq(s.changes, 1);

	a = phase_events(j);
	ck_assert_uint_eq(json_array_size(a), 1);
	ck_assert_str_eq(str_at(a, 0, "reason"), "manual");
	json_decref(a);
	timeline_free(s.t);
	journal_free(j);
	event_base_free(base);
}
END_TEST

START_TEST(test_goto_by_name)
{
	struct event_base *base = event_base_new();
	struct seen s = { .base = base };
	struct journal *j = journal_new(base, 100, NULL, NULL);
	struct fixture fx;
	json_t *a;

	fx_init(&fx, 1, 0);
	fx_add(&fx, "a", PHASE_START_NOW, 0);
	fx_add(&fx, "b", PHASE_START_MANUAL, 0);
	fx_add(&fx, "c", PHASE_START_CONNECTIONS, 2);
	s.t = timeline_new(base, &fx.sc, j, changed_cb, &s);

	ck_assert_int_eq(timeline_goto(s.t, "nope", NULL), -1);
	ck_assert_str_eq(cur(s.t), "a");
	ck_assert_int_eq(s.changes, 0);

	ck_assert_int_eq(timeline_goto(s.t, "c", "ctl phase c"), 0);
	ck_assert_uint_eq(timeline_index(s.t), 2);
	ck_assert_int_eq(timeline_goto(s.t, "a", NULL), 0);
	ck_assert_str_eq(s.order, "c a");

	/* A goto re-bases the counts: one before it and one after is not 2. */
	timeline_goto(s.t, "b", NULL);
	timeline_count_connection(s.t);
	timeline_goto(s.t, "b", NULL);
	timeline_count_connection(s.t);
	ck_assert_str_eq(cur(s.t), "b");
	timeline_count_connection(s.t);
	ck_assert_str_eq(cur(s.t), "c");

	a = phase_events(j);
	ck_assert_uint_eq(json_array_size(a), 5);
	ck_assert_str_eq(str_at(a, 0, "reason"), "ctl phase c");
	ck_assert_str_eq(str_at(a, 1, "reason"), "manual");
	ck_assert_str_eq(str_at(a, 4, "reason"), "after 2 connections");
	json_decref(a);
	timeline_free(s.t);
	journal_free(j);
	event_base_free(base);
}
END_TEST

START_TEST(test_end_without_repeat_stays)
{
	struct event_base *base = event_base_new();
	struct fixture fx;
	struct timeline *t;
	int i;

	fx_init(&fx, 1000, 0);
	fx_add(&fx, "a", PHASE_START_AFTER, 1000);
	fx_add(&fx, "b", PHASE_START_CONNECTIONS, 1);
	t = timeline_new(base, &fx.sc, NULL, NULL, NULL);
	timeline_count_connection(t);
	ck_assert_str_eq(cur(t), "b");
	/* Phase a's own condition is not watched: no repeat. */
	for (i = 0; i < 5; i++)
		timeline_count_connection(t);
	run_for(base, 30);
	ck_assert_str_eq(cur(t), "b");
	ck_assert_int_eq(timeline_next(t, NULL), -1);
	timeline_free(t);
	event_base_free(base);
}
END_TEST

START_TEST(test_repeat_wraps_on_the_clock)
{
	struct event_base *base = event_base_new();
	struct seen s = { .base = base, .stop_after = 4 };
	struct fixture fx;

	/* Flapping: 10s up, 5s down, at time_scale 1000. */
	fx_init(&fx, 1000, 1);
	fx_add(&fx, "up", PHASE_START_AFTER, 10000000);
	fx_add(&fx, "down", PHASE_START_AFTER, 5000000);
	s.t = timeline_new(base, &fx.sc, NULL, changed_cb, &s);
	ck_assert_str_eq(cur(s.t), "up");
	run_for(base, 5000);
	ck_assert_str_eq(s.order, "down up down up");
	ck_assert_uint_eq(timeline_index(s.t), 0);
	timeline_free(s.t);
	event_base_free(base);
}
END_TEST

START_TEST(test_repeat_wraps_on_counts)
{
	struct event_base *base = event_base_new();
	struct seen s = { .base = base };
	struct journal *j = journal_new(base, 100, NULL, NULL);
	struct fixture fx;
	json_t *a;

	fx_init(&fx, 1, 1);
	fx_add(&fx, "a", PHASE_START_CONNECTIONS, 2);
	fx_add(&fx, "b", PHASE_START_CONNECTIONS, 1);
	s.t = timeline_new(base, &fx.sc, j, changed_cb, &s);
	timeline_count_connection(s.t);
	ck_assert_str_eq(cur(s.t), "b");
	/* Back to a takes a's condition, counted from when b began. */
	timeline_count_connection(s.t);
	ck_assert_str_eq(cur(s.t), "b");
	timeline_count_connection(s.t);
	ck_assert_str_eq(cur(s.t), "a");
	/* timeline_next wraps too. */
	ck_assert_int_eq(timeline_next(s.t, NULL), 0);
	ck_assert_int_eq(timeline_next(s.t, NULL), 0);
	ck_assert_str_eq(cur(s.t), "a");
	ck_assert_str_eq(s.order, "b a b a");

	a = phase_events(j);
	ck_assert_uint_eq(json_array_size(a), 4);
	ck_assert_str_eq(str_at(a, 1, "from"), "b");
	ck_assert_str_eq(str_at(a, 1, "to"), "a");
	ck_assert_int_eq(
	    json_integer_value(json_object_get(json_array_get(a, 1), "index")),
	    0);
	ck_assert_str_eq(str_at(a, 1, "reason"), "after 2 connections");
	json_decref(a);
	timeline_free(s.t);
	journal_free(j);
	event_base_free(base);
}
END_TEST

START_TEST(test_tiny_time_scale_does_not_begin_at_once)
{
	struct event_base *base = event_base_new();
	struct fixture fx;
	struct timeline *t;

	/* 30s at time_scale 1e-300 is longer than any run: the loader
	 * refuses it, and a timeline handed one anyway waits, it does not
	 * overflow into a deadline in the past. */
	fx_init(&fx, 1e-300, 0);
	fx_add(&fx, "healthy", PHASE_START_NOW, 0);
	fx_add(&fx, "broken", PHASE_START_AFTER, 30000000);
	t = timeline_new(base, &fx.sc, NULL, NULL, NULL);
	run_for(base, 30);
	ck_assert_str_eq(cur(t), "healthy");
	ck_assert_ptr_nonnull(timeline_upcoming_phase(t));
	timeline_free(t);
	event_base_free(base);
}
END_TEST

START_TEST(test_phases_never_flap_faster_than_the_floor)
{
	static const double scales[] = { 1, 1e300 };
	struct event_base *base;
	struct seen s;
	struct fixture fx;
	uint64_t start, ms;
	size_t i;

	/* 1us phases (or any at a huge time_scale), repeating: the loader
	 * refuses them; a timeline handed them anyway lets each phase last
	 * SCENARIO_AFTER_MIN_US at least, so it cannot change phase more
	 * than once a millisecond. */
	for (i = 0; i < nitems(scales); i++) {
		base = event_base_new();
		memset(&s, 0, sizeof s);
		s.base = base;
		fx_init(&fx, scales[i], 1);
		fx_add(&fx, "up", PHASE_START_AFTER, 1);
		fx_add(&fx, "down", PHASE_START_AFTER, 1);
		s.t = timeline_new(base, &fx.sc, NULL, changed_cb, &s);
		start = clock_now_us();
		run_for(base, 30);
		ms = (clock_now_us() - start) / 1000;
		ck_assert_int_gt(s.changes, 0);
		ck_assert_uint_le(
		    (uint64_t)s.changes, ms * 1000 / SCENARIO_AFTER_MIN_US + 1);
		timeline_free(s.t);
		event_base_free(base);
	}
}
END_TEST

START_TEST(test_journal_event_content)
{
	struct event_base *base = event_base_new();
	struct journal *j = journal_new(base, 100, NULL, NULL);
	struct fixture fx;
	struct timeline *t;
	json_t *a, *o;

	fx_init(&fx, 1, 0);
	fx_add(&fx, "healthy", PHASE_START_NOW, 0);
	fx_add(&fx, "bad-deploy", PHASE_START_AFTER, 30000000);
	fx_add(&fx, "fixed", PHASE_START_MANUAL, 0);
	t = timeline_new(base, &fx.sc, j, NULL, NULL);
	ck_assert_int_eq(timeline_goto(t, "fixed", "drill over"), 0);

	a = journal_query(j, 0, 0, NULL, NULL);
	ck_assert_uint_eq(json_array_size(a), 1);
	o = json_array_get(a, 0);
	ck_assert_str_eq(
	    json_string_value(json_object_get(o, "event")), "phase");
	ck_assert_ptr_null(json_object_get(o, "service"));
	ck_assert_ptr_null(json_object_get(o, "conn"));
	ck_assert_str_eq(
	    json_string_value(json_object_get(o, "from")), "healthy");
	ck_assert_str_eq(json_string_value(json_object_get(o, "to")), "fixed");
	ck_assert_int_eq(json_integer_value(json_object_get(o, "index")), 2);
	ck_assert_str_eq(
	    json_string_value(json_object_get(o, "reason")), "drill over");
	json_decref(a);
	timeline_free(t);
	journal_free(j);
	event_base_free(base);
}
END_TEST

START_TEST(test_rebase_keeps_the_phase_of_that_name)
{
	struct event_base *base = event_base_new();
	struct seen s = { .base = base };
	struct journal *j = journal_new(base, 100, NULL, NULL);
	struct fixture fx1, fx2;
	json_t *a;

	fx_init(&fx1, 1, 0);
	fx_add(&fx1, "a", PHASE_START_NOW, 0);
	fx_add(&fx1, "b", PHASE_START_MANUAL, 0);
	fx_add(&fx1, "c", PHASE_START_MANUAL, 0);
	s.t = timeline_new(base, &fx1.sc, j, changed_cb, &s);
	timeline_goto(s.t, "b", NULL);
	timeline_count_connection(s.t);

	fx_init(&fx2, 1, 0);
	fx_add(&fx2, "x", PHASE_START_NOW, 0);
	fx_add(&fx2, "y", PHASE_START_MANUAL, 0);
	fx_add(&fx2, "b", PHASE_START_MANUAL, 0);
	fx_add(&fx2, "z", PHASE_START_CONNECTIONS, 2);
	/* The old scenario may go away once rebased. */
	timeline_rebase(s.t, &fx2.sc);
	memset(&fx1, 0, sizeof fx1);
	ck_assert_uint_eq(timeline_index(s.t), 2);
	ck_assert_str_eq(cur(s.t), "b");
	/* The count from before the reload still counts. */
	timeline_count_connection(s.t);
	ck_assert_str_eq(cur(s.t), "z");
	/* The caller applies a rebased phase itself: one change, the goto. */
	ck_assert_str_eq(s.order, "b z");

	a = phase_events(j);
	ck_assert_uint_eq(json_array_size(a), 2);
	json_decref(a);
	timeline_free(s.t);
	journal_free(j);
	event_base_free(base);
}
END_TEST

START_TEST(test_rebase_met_count_begins_next_phase)
{
	struct event_base *base = event_base_new();
	struct seen s = { .base = base, .stop_after = 1 };
	struct fixture fx1, fx2;

	fx_init(&fx1, 1, 0);
	fx_add(&fx1, "a", PHASE_START_NOW, 0);
	fx_add(&fx1, "b", PHASE_START_CONNECTIONS, 10);
	s.t = timeline_new(base, &fx1.sc, NULL, changed_cb, &s);
	timeline_count_connection(s.t);
	timeline_count_connection(s.t);

	/* The reloaded scenario asks for 2, and 2 were counted. */
	fx_init(&fx2, 1, 0);
	fx_add(&fx2, "a", PHASE_START_NOW, 0);
	fx_add(&fx2, "b", PHASE_START_CONNECTIONS, 2);
	timeline_rebase(s.t, &fx2.sc);
	ck_assert_str_eq(cur(s.t), "a");
	run_for(base, 5000);
	ck_assert_str_eq(s.order, "b");
	timeline_free(s.t);
	event_base_free(base);
}
END_TEST

START_TEST(test_rebase_without_that_name_starts_over)
{
	struct event_base *base = event_base_new();
	struct seen s = { .base = base };
	struct journal *j = journal_new(base, 100, NULL, NULL);
	struct fixture fx1, fx2;
	json_t *a;

	fx_init(&fx1, 1, 0);
	fx_add(&fx1, "a", PHASE_START_NOW, 0);
	fx_add(&fx1, "b", PHASE_START_CONNECTIONS, 1);
	s.t = timeline_new(base, &fx1.sc, j, changed_cb, &s);
	timeline_count_connection(s.t);
	ck_assert_str_eq(cur(s.t), "b");

	fx_init(&fx2, 1, 0);
	fx_add(&fx2, "p", PHASE_START_NOW, 0);
	fx_add(&fx2, "q", PHASE_START_CONNECTIONS, 1);
	timeline_rebase(s.t, &fx2.sc);
	ck_assert_uint_eq(timeline_index(s.t), 0);
	ck_assert_str_eq(cur(s.t), "p");
	/* Counts start over with it, and its next phase is watched. */
	timeline_count_connection(s.t);
	ck_assert_str_eq(cur(s.t), "q");

	a = phase_events(j);
	ck_assert_uint_eq(json_array_size(a), 3);
	ck_assert_str_eq(str_at(a, 1, "from"), "b");
	ck_assert_str_eq(str_at(a, 1, "to"), "p");
	ck_assert_str_eq(str_at(a, 1, "reason"), "reload");
	json_decref(a);
	timeline_free(s.t);
	journal_free(j);
	event_base_free(base);
}
END_TEST

/* The timeline suite. */
static Suite *
timeline_suite(void)
{
	Suite *s = suite_create("timeline");
	TCase *tc = tcase_create("core");

	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, test_starts_in_first_phase);
	tcase_add_test(tc, test_after_is_scaled_by_time_scale);
	tcase_add_test(tc, test_counts_begin_phases);
	tcase_add_test(tc, test_one_count_reads_singular);
	tcase_add_test(tc, test_manual_waits_for_a_hand);
	tcase_add_test(tc, test_goto_by_name);
	tcase_add_test(tc, test_end_without_repeat_stays);
	tcase_add_test(tc, test_repeat_wraps_on_the_clock);
	tcase_add_test(tc, test_repeat_wraps_on_counts);
	tcase_add_test(tc, test_tiny_time_scale_does_not_begin_at_once);
	tcase_add_test(tc, test_phases_never_flap_faster_than_the_floor);
	tcase_add_test(tc, test_journal_event_content);
	tcase_add_test(tc, test_rebase_keeps_the_phase_of_that_name);
	tcase_add_test(tc, test_rebase_met_count_begins_next_phase);
	tcase_add_test(tc, test_rebase_without_that_name_starts_over);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner *sr = srunner_create(timeline_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
