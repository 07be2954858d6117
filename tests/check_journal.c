/* check_journal.c: the event journal's ring, queries and file. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <check.h>
#include <event2/buffer.h>
#include <event2/event.h>

#include "journal.h"
#include "util.h"

/* A file name in the build directory, unique to this process. */
static void
tmp_path(char *buf, size_t len, const char *what)
{
	snprintf(buf, len, "check_journal.%ld.%s", (long)getpid(), what);
}

/* The size of a file, or -1. */
static long
file_size(const char *path)
{
	struct stat sb;

	return stat(path, &sb) == 0 ? (long)sb.st_size : -1;
}

/* The seq of element i of a query's answer. */
static uint64_t
seq_at(json_t *a, size_t i)
{
	return (uint64_t)json_integer_value(
	    json_object_get(json_array_get(a, i), "seq"));
}

START_TEST(test_event_has_keys_in_order)
{
	struct journal *j;
	const char *keys[] = { "seq", "time", "mono_ms", "service", "conn",
		"event", "method", "status" };
	json_t *a, *o, *v;
	const char *k;
	size_t i = 0;

	j = journal_new(NULL, 10, NULL, NULL);
	ck_assert_uint_eq(
	    journal_add(j, "ums", 3, "request",
	        json_pack("{s:s, s:i}", "method", "GET", "status", 200)),
	    1);
	a = journal_query(j, 0, 0, NULL, NULL);
	ck_assert_uint_eq(json_array_size(a), 1);
	o = json_array_get(a, 0);
	json_object_foreach(o, k, v)
	{
		ck_assert_uint_lt(i, nitems(keys));
		ck_assert_str_eq(k, keys[i]);
		i++;
	}
	ck_assert_uint_eq(i, nitems(keys));
	ck_assert_int_eq(json_integer_value(json_object_get(o, "seq")), 1);
	ck_assert_str_eq(
	    json_string_value(json_object_get(o, "service")), "ums");
	ck_assert_int_eq(json_integer_value(json_object_get(o, "conn")), 3);
	ck_assert_str_eq(
	    json_string_value(json_object_get(o, "event")), "request");
	ck_assert_str_eq(
	    json_string_value(json_object_get(o, "method")), "GET");
	ck_assert(json_is_integer(json_object_get(o, "mono_ms")));
	/* "2026-11-23T20:34:09.906Z" */
	k = json_string_value(json_object_get(o, "time"));
	ck_assert_uint_eq(strlen(k), 24);
	ck_assert_int_eq(k[10], 'T');
	ck_assert_int_eq(k[19], '.');
	ck_assert_int_eq(k[23], 'Z');
	json_decref(a);
	journal_free(j);
}
END_TEST

START_TEST(test_event_without_service_or_conn)
{
	struct journal *j = journal_new(NULL, 10, NULL, NULL);
	json_t *a, *o;

	journal_add(j, NULL, 0, "phase", NULL);
	a = journal_query(j, 0, 0, NULL, NULL);
	o = json_array_get(a, 0);
	ck_assert_ptr_null(json_object_get(o, "service"));
	ck_assert_ptr_null(json_object_get(o, "conn"));
	ck_assert_str_eq(
	    json_string_value(json_object_get(o, "event")), "phase");
	json_decref(a);
	journal_free(j);
}
END_TEST

START_TEST(test_caller_cannot_replace_journal_keys)
{
	struct journal *j = journal_new(NULL, 10, NULL, NULL);
	json_t *a, *o;

	journal_add(j, "fin", 0, "fault",
	    json_pack(
	        "{s:i, s:s, s:s}", "seq", 99, "event", "other", "rule", "r1"));
	a = journal_query(j, 0, 0, NULL, NULL);
	o = json_array_get(a, 0);
	ck_assert_int_eq(json_integer_value(json_object_get(o, "seq")), 1);
	ck_assert_str_eq(
	    json_string_value(json_object_get(o, "event")), "fault");
	ck_assert_str_eq(json_string_value(json_object_get(o, "rule")), "r1");
	json_decref(a);
	journal_free(j);
}
END_TEST

START_TEST(test_ring_keeps_the_last_events)
{
	struct journal *j = journal_new(NULL, 3, NULL, NULL);
	json_t *a;
	uint64_t i;

	for (i = 1; i <= 5; i++)
		ck_assert_uint_eq(journal_add(j, "ums", i, "request", NULL), i);
	a = journal_query(j, 0, 0, NULL, NULL);
	ck_assert_uint_eq(json_array_size(a), 3);
	ck_assert_uint_eq(seq_at(a, 0), 3);
	ck_assert_uint_eq(seq_at(a, 1), 4);
	ck_assert_uint_eq(seq_at(a, 2), 5);
	json_decref(a);
	journal_free(j);
}
END_TEST

/* An event with a body of n bytes (a string field). */
static uint64_t
add_big(struct journal *j, size_t n)
{
	char *text = malloc(n + 1);
	uint64_t seq;

	memset(text, 'x', n);
	text[n] = '\0';
	seq = journal_add(
	    j, "ums", 1, "control", json_pack("{s:s}", "big", text));
	free(text);
	return seq;
}

/*
 * One huge event is cut down to its keys in the ring (and the file), and
 * huge events over and over do not grow what the ring holds: it is
 * bounded by bytes as well as by count.
 */
START_TEST(test_ring_is_bounded_by_bytes)
{
	struct journal *j = journal_new(NULL, 10000, NULL, NULL);
	json_t *a, *o;
	size_t i, held;

	add_big(j, 2 * 1024 * 1024);
	a = journal_query(j, 0, 0, NULL, NULL);
	ck_assert_uint_eq(json_array_size(a), 1);
	o = json_array_get(a, 0);
	ck_assert(json_is_true(json_object_get(o, "truncated")));
	ck_assert_int_gt(
	    json_integer_value(json_object_get(o, "bytes")), 2 * 1024 * 1024);
	ck_assert_str_eq(
	    json_string_value(json_object_get(o, "event")), "control");
	ck_assert_ptr_null(json_object_get(o, "big"));
	json_decref(a);
	ck_assert_uint_le(journal_ring_bytes(j), JOURNAL_LINE_MAX + 1024);

	/* Events just under the line limit, many: held bytes stay bounded. */
	journal_set_ring_bytes(j, 256 * 1024);
	for (i = 0; i < 200; i++)
		add_big(j, JOURNAL_LINE_MAX - 200);
	held = journal_ring_bytes(j);
	ck_assert_uint_le(held, 256 * 1024);
	a = journal_query(j, 0, 0, NULL, NULL);
	/* The newest are kept, in order, as many as fit. */
	ck_assert_uint_gt(json_array_size(a), 10);
	ck_assert_uint_eq(seq_at(a, json_array_size(a) - 1), 201);
	json_decref(a);
	/* Small events reuse or give back the big buffers. */
	for (i = 0; i < 1000; i++)
		journal_add(j, "ums", 1, "request", NULL);
	ck_assert_uint_lt(journal_ring_bytes(j), held);
	journal_clear(j);
	ck_assert_uint_eq(journal_ring_bytes(j), 0);
	journal_free(j);
}
END_TEST

START_TEST(test_query_filters)
{
	struct journal *j = journal_new(NULL, 100, NULL, NULL);
	json_t *a;

	journal_add(j, "ums", 1, "connection", NULL); /* 1 */
	journal_add(j, "ums", 1, "request", NULL); /* 2 */
	journal_add(j, "fin", 2, "connection", NULL); /* 3 */
	journal_add(j, "fin", 2, "request", NULL); /* 4 */
	journal_add(j, NULL, 0, "phase", NULL); /* 5 */
	journal_add(j, "ums", 1, "request", NULL); /* 6 */

	a = journal_query(j, 3, 0, NULL, NULL);
	ck_assert_uint_eq(json_array_size(a), 3);
	ck_assert_uint_eq(seq_at(a, 0), 4);
	json_decref(a);

	a = journal_query(j, 0, 2, NULL, NULL);
	ck_assert_uint_eq(json_array_size(a), 2);
	ck_assert_uint_eq(seq_at(a, 0), 1);
	ck_assert_uint_eq(seq_at(a, 1), 2);
	json_decref(a);

	a = journal_query(j, 0, 0, "ums", "request");
	ck_assert_uint_eq(json_array_size(a), 2);
	ck_assert_uint_eq(seq_at(a, 0), 2);
	ck_assert_uint_eq(seq_at(a, 1), 6);
	json_decref(a);

	a = journal_query(j, 0, 0, NULL, "phase");
	ck_assert_uint_eq(json_array_size(a), 1);
	ck_assert_uint_eq(seq_at(a, 0), 5);
	json_decref(a);

	a = journal_query(j, 0, 0, "fin", NULL);
	ck_assert_uint_eq(json_array_size(a), 2);
	json_decref(a);

	a = journal_query(j, 6, 0, NULL, NULL);
	ck_assert_uint_eq(json_array_size(a), 0);
	json_decref(a);
	journal_free(j);
}
END_TEST

/* The text query is the same query, as one JSON array of the lines. */
START_TEST(test_query_text_matches_query)
{
	static const struct {
		uint64_t since;
		size_t limit;
		const char *service, *event;
	} qs[] = {
		{ 0, 0, NULL, NULL },
		{ 3, 0, NULL, NULL },
		{ 0, 2, NULL, NULL },
		{ 0, 0, "ums", "request" },
		{ 0, 0, NULL, "phase" },
		{ 9, 0, NULL, NULL },
	};
	struct journal *j = journal_new(NULL, 100, NULL, NULL);
	struct evbuffer *out;
	json_t *a, *b;
	size_t i, n, len;

	journal_add(j, "ums", 1, "connection", NULL);
	journal_add(j, "ums", 1, "request",
	    json_pack("{s:s}", "path", "/v1/users/\"q\""));
	journal_addf(j, "fin", 2, "response", "\"status\":%d", 200);
	journal_add(j, NULL, 0, "phase", NULL);
	journal_add(j, "ums", 1, "request", NULL);
	for (i = 0; i < nitems(qs); i++) {
		out = evbuffer_new();
		n = journal_query_text(j, qs[i].since, qs[i].limit,
		    qs[i].service, qs[i].event, out);
		len = evbuffer_get_length(out);
		b = json_loadb(
		    (const char *)evbuffer_pullup(out, -1), len, 0, NULL);
		a = journal_query(
		    j, qs[i].since, qs[i].limit, qs[i].service, qs[i].event);
		ck_assert_msg(b != NULL, "query %zu: not JSON", i);
		ck_assert_msg(json_equal(a, b), "query %zu differs", i);
		ck_assert_uint_eq(n, json_array_size(a));
		json_decref(a);
		json_decref(b);
		evbuffer_free(out);
	}
	journal_free(j);
}
END_TEST

START_TEST(test_clear_keeps_seq_going)
{
	struct journal *j = journal_new(NULL, 10, NULL, NULL);
	json_t *a;

	journal_add(j, "ums", 1, "connection", NULL);
	journal_add(j, "ums", 1, "close", NULL);
	journal_clear(j);
	a = journal_query(j, 0, 0, NULL, NULL);
	ck_assert_uint_eq(json_array_size(a), 0);
	json_decref(a);
	ck_assert_uint_eq(journal_add(j, "ums", 2, "connection", NULL), 3);
	a = journal_query(j, 0, 0, NULL, NULL);
	ck_assert_uint_eq(json_array_size(a), 1);
	ck_assert_uint_eq(seq_at(a, 0), 3);
	json_decref(a);
	journal_free(j);
}
END_TEST

START_TEST(test_file_is_written_in_batches)
{
	struct event_base *base = event_base_new();
	struct timeval tv = { 0, 300 * 1000 };
	char path[128], line[256];
	struct journal *j;
	char *cause = NULL;
	json_t *o;
	FILE *f;
	int n = 0;

	tmp_path(path, sizeof path, "batch");
	j = journal_new(base, 2, path, &cause);
	ck_assert_ptr_nonnull(j);
	journal_add(j, "ums", 1, "connection", NULL);
	journal_add(j, "ums", 1, "request", json_pack("{s:s}", "path", "/x"));
	journal_add(j, "ums", 1, "close", NULL);
	/* Nothing is written per event... */
	ck_assert_int_eq(file_size(path), 0);
	/* ...but the timer writes it out soon. */
	event_base_loopexit(base, &tv);
	event_base_dispatch(base);
	ck_assert_int_gt(file_size(path), 0);

	f = fopen(path, "r");
	ck_assert_ptr_nonnull(f);
	while (fgets(line, sizeof line, f) != NULL) {
		o = json_loads(line, 0, NULL);
		ck_assert_ptr_nonnull(o);
		/* The file has every event, the small ring only the last two. */
		ck_assert_int_eq(
		    json_integer_value(json_object_get(o, "seq")), ++n);
		json_decref(o);
	}
	fclose(f);
	ck_assert_int_eq(n, 3);
	journal_free(j);
	event_base_free(base);
	unlink(path);
}
END_TEST

START_TEST(test_flush_and_free_complete_the_file)
{
	struct event_base *base = event_base_new();
	char path[128];
	struct journal *j;
	char *cause = NULL;
	long size;

	tmp_path(path, sizeof path, "flush");
	j = journal_new(base, 10, path, &cause);
	ck_assert_ptr_nonnull(j);
	journal_add(j, "ums", 1, "connection", NULL);
	ck_assert_int_eq(file_size(path), 0);
	journal_flush(j);
	size = file_size(path);
	ck_assert_int_gt(size, 0);
	journal_add(j, "ums", 1, "close", NULL);
	ck_assert_int_eq(file_size(path), size);
	journal_free(j);
	ck_assert_int_gt(file_size(path), size);
	event_base_free(base);
	unlink(path);
}
END_TEST

START_TEST(test_large_backlog_is_written_at_once)
{
	struct event_base *base = event_base_new();
	char path[128], *pad;
	struct journal *j;
	char *cause = NULL;
	int i;

	tmp_path(path, sizeof path, "big");
	j = journal_new(base, 10, path, &cause);
	ck_assert_ptr_nonnull(j);
	pad = xcalloc(1, 4097);
	memset(pad, 'x', 4096);
	for (i = 0; i < 20; i++)
		journal_add(
		    j, "ums", 1, "request", json_pack("{s:s}", "pad", pad));
	/* More than 64 KiB pending is written without waiting for the loop. */
	ck_assert_int_gt(file_size(path), 64 * 1024);
	free(pad);
	journal_free(j);
	event_base_free(base);
	unlink(path);
}
END_TEST

START_TEST(test_unopenable_file_is_an_error)
{
	struct event_base *base = event_base_new();
	struct journal *j;
	char *cause = NULL;

	j = journal_new(base, 10, "/nonexistent-dir/journal.jsonl", &cause);
	ck_assert_ptr_null(j);
	ck_assert_ptr_nonnull(cause);
	ck_assert_ptr_nonnull(strstr(cause, "/nonexistent-dir/journal.jsonl"));
	free(cause);
	event_base_free(base);
}
END_TEST

START_TEST(test_write_error_leaves_the_ring_working)
{
	struct event_base *base = event_base_new();
	struct journal *j;
	char *cause = NULL;
	json_t *a;

	if (access("/dev/full", W_OK) != 0)
		return;
	j = journal_new(base, 10, "/dev/full", &cause);
	ck_assert_ptr_nonnull(j);
	journal_add(j, "ums", 1, "connection", NULL);
	journal_flush(j);
	journal_add(j, "ums", 1, "close", NULL);
	journal_flush(j);
	a = journal_query(j, 0, 0, NULL, NULL);
	ck_assert_uint_eq(json_array_size(a), 2);
	json_decref(a);
	journal_free(j);
	event_base_free(base);
}
END_TEST

START_TEST(test_null_journal_is_harmless)
{
	json_t *a;

	ck_assert_uint_eq(journal_add(NULL, "ums", 1, "request",
	                      json_pack("{s:s}", "path", "/")),
	    0);
	a = journal_query(NULL, 0, 0, NULL, NULL);
	ck_assert_uint_eq(json_array_size(a), 0);
	json_decref(a);
	journal_clear(NULL);
	journal_flush(NULL);
	journal_free(NULL);
}
END_TEST

/* The journal suite. */
static Suite *
journal_suite(void)
{
	Suite *s = suite_create("journal");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, test_event_has_keys_in_order);
	tcase_add_test(tc, test_event_without_service_or_conn);
	tcase_add_test(tc, test_caller_cannot_replace_journal_keys);
	tcase_add_test(tc, test_ring_keeps_the_last_events);
	tcase_add_test(tc, test_ring_is_bounded_by_bytes);
	tcase_add_test(tc, test_query_filters);
	tcase_add_test(tc, test_query_text_matches_query);
	tcase_add_test(tc, test_clear_keeps_seq_going);
	tcase_add_test(tc, test_file_is_written_in_batches);
	tcase_add_test(tc, test_flush_and_free_complete_the_file);
	tcase_add_test(tc, test_large_backlog_is_written_at_once);
	tcase_add_test(tc, test_unopenable_file_is_an_error);
	tcase_add_test(tc, test_write_error_leaves_the_ring_working);
	tcase_add_test(tc, test_null_journal_is_harmless);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner *sr = srunner_create(journal_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
