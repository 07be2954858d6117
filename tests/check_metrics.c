/*
 * check_metrics.c: the metrics: counting per label set, label escaping and
 * copying, the histogram, the bound on series, phase changes, the gauges
 * as they are told, and the rendered text, checked by the real parser
 * through tests/prom-check.py.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

#include <check.h>
#include <event2/buffer.h>

#include "metrics.h"
#include "util.h"

/* Debian's python, which has python3-prometheus-client. */
#define PROM_CHECK "/usr/bin/python3 " STANDIN_SRCDIR "/tests/prom-check.py"

/* Render m (and the gauges g) into a NUL-terminated string to free. */
static char *
render(struct metrics *m, const struct metrics_gauges *g)
{
	struct evbuffer *b = evbuffer_new();
	size_t len;
	char *s;

	ck_assert_ptr_nonnull(b);
	metrics_render(m, g, b);
	len = evbuffer_get_length(b);
	s = xmalloc(len + 1);
	evbuffer_remove(b, s, len);
	s[len] = '\0';
	evbuffer_free(b);
	return s;
}

/* Does text hold this exact line? */
static int
has_line(const char *text, const char *line)
{
	size_t n = strlen(line);
	const char *p;

	for (p = text; (p = strstr(p, line)) != NULL; p++) {
		if ((p == text || p[-1] == '\n') && p[n] == '\n')
			return 1;
	}
	return 0;
}

/* How many lines of text start with prefix. */
static size_t
count_lines(const char *text, const char *prefix)
{
	size_t n = 0, len = strlen(prefix);
	const char *p = text;

	while (*p != '\0') {
		if (strncmp(p, prefix, len) == 0)
			n++;
		p = strchr(p, '\n');
		if (p == NULL)
			break;
		p++;
	}
	return n;
}

#define ck_assert_line(text, line) \
	ck_assert_msg( \
	    has_line(text, line), "no line \"%s\" in:\n%s", line, text)

/* Feed text to prom-check.py with args; its exit status. */
static int
prom_check(const char *text, const char *args)
{
	char *cmd = xasprintf("%s %s", PROM_CHECK, args);
	FILE *f;
	int status;

	f = popen(cmd, "w");
	ck_assert_ptr_nonnull(f);
	fputs(text, f);
	status = pclose(f);
	free(cmd);
	ck_assert(WIFEXITED(status));
	return WEXITSTATUS(status);
}

START_TEST(test_counts_accumulate_per_label_set)
{
	struct metrics *m = metrics_new();
	char *t;

	metrics_connection(m, "ums", "served");
	metrics_connection(m, "ums", "served");
	metrics_connection(m, "ums", "reset");
	metrics_connection(m, "fin", "served");
	metrics_tls_handshake(m, "fin", "ok");
	metrics_tls_handshake(m, "fin", "failed");
	metrics_hello(m, "fin", "version_mismatch");
	metrics_fault(m, "fin", "http", "status");
	metrics_fault(m, "fin", "http", "status");
	metrics_request(m, "ums", "/v1/users/{id}", 200, 10);
	metrics_request(m, "ums", "/v1/users/{id}", 200, 10);
	metrics_request(m, "ums", "/v1/users/{id}", 404, 10);
	t = render(m, NULL);
	ck_assert_line(t,
	    "standin_connections_total{service=\"ums\",outcome=\"served\"} 2");
	ck_assert_line(t,
	    "standin_connections_total{service=\"ums\",outcome=\"reset\"} 1");
	ck_assert_line(t,
	    "standin_connections_total{service=\"fin\",outcome=\"served\"} 1");
	ck_assert_line(t,
	    "standin_tls_handshakes_total{service=\"fin\",outcome=\"ok\"} 1");
	ck_assert_line(t,
	    "standin_tls_handshakes_total{service=\"fin\",outcome=\"failed\"} "
	    "1");
	ck_assert_line(t,
	    "standin_hellos_total{service=\"fin\",outcome=\"version_mismatch\"}"
	    " "
	    "1");
	ck_assert_line(t,
	    "standin_faults_injected_total{service=\"fin\",layer=\"http\","
	    "type=\"status\"} 2");
	ck_assert_line(t,
	    "standin_requests_total{service=\"ums\",route=\"/v1/users/{id}\","
	    "status=\"200\"} 2");
	ck_assert_line(t,
	    "standin_requests_total{service=\"ums\",route=\"/v1/users/{id}\","
	    "status=\"404\"} 1");
	ck_assert_line(
	    t, "standin_request_duration_seconds_count{service=\"ums\"} 3");
	free(t);
	metrics_free(m);
}
END_TEST

START_TEST(test_series_render_in_the_order_first_seen)
{
	struct metrics *m = metrics_new();
	char *t, *a, *b, *c;

	metrics_connection(m, "zeta", "served");
	metrics_connection(m, "alpha", "served");
	metrics_connection(m, "zeta", "reset");
	t = render(m, NULL);
	a = strstr(t, "service=\"zeta\",outcome=\"served\"");
	b = strstr(t, "service=\"alpha\",outcome=\"served\"");
	c = strstr(t, "service=\"zeta\",outcome=\"reset\"");
	ck_assert(a != NULL && b != NULL && c != NULL);
	ck_assert(a < b && b < c);
	free(t);
	metrics_free(m);
}
END_TEST

START_TEST(test_every_family_has_help_and_type_even_empty)
{
	static const char *const families[][2] = {
		{ "standin_connections_total", "counter" },
		{ "standin_connections_open", "gauge" },
		{ "standin_tls_handshakes_total", "counter" },
		{ "standin_hellos_total", "counter" },
		{ "standin_requests_total", "counter" },
		{ "standin_request_duration_seconds", "histogram" },
		{ "standin_faults_injected_total", "counter" },
		{ "standin_phase", "gauge" },
		{ "standin_phase_changes_total", "counter" },
	};
	struct metrics *m = metrics_new();
	char *t, help[128], type[128];
	size_t i;

	t = render(m, NULL);
	for (i = 0; i < nitems(families); i++) {
		snprintf(help, sizeof help, "# HELP %s ", families[i][0]);
		snprintf(type, sizeof type, "# TYPE %s %s", families[i][0],
		    families[i][1]);
		ck_assert_uint_eq(count_lines(t, help), 1);
		ck_assert_line(t, type);
	}
	ck_assert_line(t, "standin_phase_changes_total 0");
	ck_assert_int_eq(prom_check(t, ""), 0);
	free(t);
	metrics_free(m);
}
END_TEST

START_TEST(test_null_metrics_do_nothing)
{
	char *t;

	metrics_free(NULL);
	metrics_connection(NULL, "ums", "served");
	metrics_tls_handshake(NULL, "ums", "ok");
	metrics_hello(NULL, "ums", "ok");
	metrics_request(NULL, "ums", "/health", 200, 5);
	metrics_fault(NULL, "ums", "http", "delay");
	metrics_phase_changed(NULL);
	t = render(NULL, NULL);
	ck_assert_line(t, "# TYPE standin_requests_total counter");
	ck_assert_line(t, "standin_phase_changes_total 0");
	ck_assert_ptr_null(strstr(t, "standin_requests_total{"));
	free(t);
}
END_TEST

START_TEST(test_null_labels_read_as_empty)
{
	struct metrics *m = metrics_new();
	char *t;

	metrics_fault(m, NULL, "connect", "refuse");
	t = render(m, NULL);
	ck_assert_line(t,
	    "standin_faults_injected_total{service=\"\",layer=\"connect\","
	    "type=\"refuse\"} 1");
	free(t);
	metrics_free(m);
}
END_TEST

START_TEST(test_label_values_are_escaped)
{
	struct metrics *m = metrics_new();
	char *t;

	metrics_connection(m, "a\"b\\c\nd", "served");
	metrics_request(m, "s", "/x/\"{id}\"\\", 200, 1);
	t = render(m, NULL);
	ck_assert_line(t,
	    "standin_connections_total{service=\"a\\\"b\\\\c\\nd\","
	    "outcome=\"served\"} 1");
	ck_assert_line(t,
	    "standin_requests_total{service=\"s\",route=\"/x/"
	    "\\\"{id}\\\"\\\\\","
	    "status=\"200\"} 1");
	ck_assert_int_eq(
	    prom_check(t,
	        "--expect "
	        "'standin_connections_total{service=\"a\\\"b\\\\c\\nd\"}==1'"),
	    0);
	free(t);
	metrics_free(m);
}
END_TEST

START_TEST(test_labels_are_copied_when_a_series_is_made)
{
	struct metrics *m = metrics_new();
	char *name = xstrdup("ums"), *route = xstrdup("/v1/users/{id}"), *t;

	metrics_request(m, name, route, 200, 1);
	metrics_connection(m, name, "served");
	/* A reload frees a removed service's name; the series stay. */
	memset(name, 'X', strlen(name));
	memset(route, 'X', strlen(route));
	free(name);
	free(route);
	metrics_request(m, "ums", "/v1/users/{id}", 200, 1);
	t = render(m, NULL);
	ck_assert_line(t,
	    "standin_requests_total{service=\"ums\",route=\"/v1/users/{id}\","
	    "status=\"200\"} 2");
	ck_assert_line(t,
	    "standin_connections_total{service=\"ums\",outcome=\"served\"} 1");
	free(t);
	metrics_free(m);
}
END_TEST

START_TEST(test_histogram_buckets_are_cumulative)
{
	struct metrics *m = metrics_new();
	char *t;

	metrics_request(m, "ums", "/health", 200, 500); /* le 0.0005: on it */
	metrics_request(m, "ums", "/health", 200, 501); /* le 0.001 */
	metrics_request(m, "ums", "/health", 200, 2000000); /* le 2.5 */
	metrics_request(m, "ums", "/health", 503, 20000000); /* +Inf only */
	t = render(m, NULL);
	ck_assert_line(t,
	    "standin_request_duration_seconds_bucket{service=\"ums\","
	    "le=\"0.0005\"} 1");
	ck_assert_line(t,
	    "standin_request_duration_seconds_bucket{service=\"ums\","
	    "le=\"0.001\"} 2");
	ck_assert_line(t,
	    "standin_request_duration_seconds_bucket{service=\"ums\","
	    "le=\"1\"} 2");
	ck_assert_line(t,
	    "standin_request_duration_seconds_bucket{service=\"ums\","
	    "le=\"2.5\"} 3");
	ck_assert_line(t,
	    "standin_request_duration_seconds_bucket{service=\"ums\","
	    "le=\"10\"} 3");
	ck_assert_line(t,
	    "standin_request_duration_seconds_bucket{service=\"ums\","
	    "le=\"+Inf\"} 4");
	ck_assert_line(t,
	    "standin_request_duration_seconds_sum{service=\"ums\"} 22.001001");
	ck_assert_line(
	    t, "standin_request_duration_seconds_count{service=\"ums\"} 4");
	ck_assert_uint_eq(
	    count_lines(t, "standin_request_duration_seconds_bucket{"), 15);
	ck_assert_int_eq(prom_check(t,
	                     "--expect "
	                     "'standin_request_duration_seconds_count==4'"),
	    0);
	free(t);
	metrics_free(m);
}
END_TEST

START_TEST(test_unanswered_requests_are_counted_not_timed)
{
	struct metrics *m = metrics_new();
	char *t;

	metrics_request(m, "fin", "/v1/donations", 0, 7000000);
	t = render(m, NULL);
	ck_assert_line(t,
	    "standin_requests_total{service=\"fin\",route=\"/v1/donations\","
	    "status=\"0\"} 1");
	ck_assert_ptr_null(
	    strstr(t, "standin_request_duration_seconds_count{"));
	free(t);
	metrics_request(m, "fin", "/v1/donations", 201, 1000);
	t = render(m, NULL);
	ck_assert_line(
	    t, "standin_request_duration_seconds_count{service=\"fin\"} 1");
	free(t);
	metrics_free(m);
}
END_TEST

START_TEST(test_series_past_the_bound_count_as_overflow)
{
	struct metrics *m = metrics_new();
	char type[32], *t;
	size_t i, extra = 50;

	for (i = 0; i < METRICS_SERIES_MAX + extra; i++) {
		snprintf(type, sizeof type, "t%zu", i);
		metrics_fault(m, "fin", "http", type);
	}
	/* Series seen before the bound still count as themselves. */
	metrics_fault(m, "fin", "http", "t0");
	/* Everything new past it lands in one series per family. */
	metrics_connection(m, "ums", "served");
	metrics_request(m, "ums", "/health", 200, 1);
	metrics_request(m, "fin", "/health", 200, 1);
	t = render(m, NULL);
	ck_assert_uint_eq(count_lines(t, "standin_faults_injected_total{"),
	    METRICS_SERIES_MAX + 1);
	ck_assert_line(t,
	    "standin_faults_injected_total{service=\"fin\",layer=\"http\","
	    "type=\"t0\"} 2");
	ck_assert_line(t,
	    "standin_faults_injected_total{service=\"overflow\",layer="
	    "\"overflow\",type=\"overflow\"} 50");
	ck_assert_line(t,
	    "standin_connections_total{service=\"overflow\",outcome="
	    "\"overflow\"} 1");
	ck_assert_line(t,
	    "standin_requests_total{service=\"overflow\",route=\"overflow\","
	    "status=\"overflow\"} 2");
	ck_assert_line(t,
	    "standin_request_duration_seconds_count{service=\"overflow\"} 2");
	ck_assert_int_eq(
	    prom_check(t, "--expect 'standin_faults_injected_total==10051'"),
	    0);
	free(t);
	metrics_free(m);
}
END_TEST

START_TEST(test_phase_changes_counted)
{
	struct metrics *m = metrics_new();
	char *t;

	t = render(m, NULL);
	ck_assert_line(t, "standin_phase_changes_total 0");
	free(t);
	metrics_phase_changed(m);
	metrics_phase_changed(m);
	t = render(m, NULL);
	ck_assert_line(t, "standin_phase_changes_total 2");
	free(t);
	metrics_free(m);
}
END_TEST

/*
 * The gauges render exactly what they are told: one open-connections
 * sample per service, and 1 for the current phase, 0 for the others.
 */
START_TEST(test_gauges_render_what_they_are_told)
{
	static const char *const services[] = { "ums", "fin" };
	static const size_t conns[] = { 3, 0 };
	static const char *const phases[] = { "healthy", "bad \"deploy\"",
		"fixed" };
	struct metrics *m = metrics_new();
	struct metrics_gauges g;
	char *t;

	memset(&g, 0, sizeof g);
	g.services = services;
	g.open = conns;
	g.nservices = nitems(services);
	g.phases = phases;
	g.nphases = nitems(phases);
	g.phase = 1;
	metrics_phase_changed(m);

	t = render(m, &g);
	ck_assert_line(t, "standin_connections_open{service=\"ums\"} 3");
	ck_assert_line(t, "standin_connections_open{service=\"fin\"} 0");
	ck_assert_line(t, "standin_phase{phase=\"healthy\"} 0");
	ck_assert_line(t, "standin_phase{phase=\"bad \\\"deploy\\\"\"} 1");
	ck_assert_line(t, "standin_phase{phase=\"fixed\"} 0");
	ck_assert_line(t, "standin_phase_changes_total 1");
	ck_assert_int_eq(prom_check(t,
	                     "--expect 'standin_phase==1' "
	                     "--expect 'standin_connections_open>=3'"),
	    0);
	free(t);

	/* No current phase: every phase reads 0. */
	g.phase = SIZE_MAX;
	t = render(m, &g);
	ck_assert_line(t, "standin_phase{phase=\"bad \\\"deploy\\\"\"} 0");
	ck_assert_uint_eq(count_lines(t, "standin_phase{"), 3);
	free(t);
	metrics_free(m);
}
END_TEST

/*
 * A full render passes the validator, and the validator is not a rubber
 * stamp: the same text with a family's HELP removed, or a bucket made
 * non-cumulative, fails.
 */
START_TEST(test_render_passes_prom_check_and_broken_fails)
{
	struct metrics *m = metrics_new();
	char *t, *p, *q;

	metrics_connection(m, "ums", "served");
	metrics_tls_handshake(m, "ums", "alert");
	metrics_hello(m, "ums", "ok");
	metrics_request(m, "ums", "/v1/handshake", 200, 800);
	metrics_request(m, "ums", "unmatched", 404, 90);
	metrics_request(m, "ums", "unparsed", 400, 0);
	metrics_fault(m, "ums", "tls", "alert");
	metrics_phase_changed(m);
	t = render(m, NULL);
	ck_assert_int_eq(prom_check(t,
	                     "--expect "
	                     "'standin_requests_total{service=\"ums\"}==3' "
	                     "--expect "
	                     "'standin_request_duration_seconds_bucket"
	                     "{le=\"0.001\"}==3'"),
	    0);
	ck_assert_int_eq(prom_check(t,
	                     "--expect "
	                     "'standin_requests_total{service=\"ums\"}==4'"),
	    1);

	/* Without the HELP line of standin_hellos_total. */
	p = strstr(t, "# HELP standin_hellos_total");
	ck_assert_ptr_nonnull(p);
	q = strchr(p, '\n') + 1;
	memmove(p, q, strlen(q) + 1);
	ck_assert_int_eq(prom_check(t, ""), 1);
	free(t);

	/* A bucket lower than the one before. */
	t = render(m, NULL);
	p = strstr(t, "_bucket{service=\"ums\",le=\"0.001\"} 3");
	ck_assert_ptr_nonnull(p);
	p[strcspn(p, "\n") - 1] = '0'; /* "3" becomes "0" */
	ck_assert_int_eq(prom_check(t, ""), 1);
	free(t);
	metrics_free(m);
}
END_TEST

static Suite *
metrics_suite(void)
{
	Suite *s = suite_create("metrics");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, test_counts_accumulate_per_label_set);
	tcase_add_test(tc, test_series_render_in_the_order_first_seen);
	tcase_add_test(tc, test_every_family_has_help_and_type_even_empty);
	tcase_add_test(tc, test_null_metrics_do_nothing);
	tcase_add_test(tc, test_null_labels_read_as_empty);
	tcase_add_test(tc, test_label_values_are_escaped);
	tcase_add_test(tc, test_labels_are_copied_when_a_series_is_made);
	tcase_add_test(tc, test_histogram_buckets_are_cumulative);
	tcase_add_test(tc, test_unanswered_requests_are_counted_not_timed);
	tcase_add_test(tc, test_series_past_the_bound_count_as_overflow);
	tcase_add_test(tc, test_phase_changes_counted);
	tcase_add_test(tc, test_gauges_render_what_they_are_told);
	tcase_add_test(tc, test_render_passes_prom_check_and_broken_fails);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner *sr = srunner_create(metrics_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
