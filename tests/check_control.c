/*
 * check_control.c: the control API on a real event loop, over loopback,
 * with a target lent by the test: what it answers to requests a client
 * may send but should not (these came from fuzz_control).
 */
#include "config.h"

#include <errno.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <check.h>
#include <event2/event.h>
#include <jansson.h>

#include "control.h"
#include "inject.h"
#include "journal.h"
#include "metrics.h"
#include "scenario.h"
#include "timeline.h"
#include "util.h"

static struct event_base *base;
static struct scenario *sc;
static struct injector in;
static struct journal *journal;
static struct metrics *metrics;
static struct timeline *timeline;
static struct control *ctl;

static const struct scenario *
target_scenario(void *arg)
{
	(void)arg;
	return sc;
}

static int
target_replace(void *arg, struct scenario *next, char **cause)
{
	(void)arg;
	(void)next;
	*cause = xstrdup("not in this test");
	return EXIT_DATAERR;
}

static void
target_nothing(void *arg)
{
	(void)arg;
}

static void
target_faults_changed(void *arg, const char *service)
{
	(void)arg;
	(void)service;
}

static void
target_services(void *arg, control_service_fn *fn, void *fnarg)
{
	(void)arg;
	(void)fn;
	(void)fnarg;
}

static void
setup(void)
{
	struct control_target t;
	char *cause = NULL;

	signal(SIGPIPE, SIG_IGN);
	base = event_base_new();
	sc = scenario_default();
	journal = journal_new(base, 100, NULL, &cause);
	metrics = metrics_new();
	inject_init(&in, sc->seed, journal, metrics);
	timeline = timeline_new(base, sc, journal, NULL, NULL);
	memset(&t, 0, sizeof t);
	t.inject = &in;
	t.journal = journal;
	t.metrics = metrics;
	t.timeline = timeline;
	t.scenario = target_scenario;
	t.replace = target_replace;
	t.reset = target_nothing;
	t.faults_changed = target_faults_changed;
	t.services = target_services;
	ctl = control_start(base, &t, "127.0.0.1:0", NULL, 0, &cause);
	ck_assert_msg(ctl != NULL, "%s", cause);
}

static void
teardown(void)
{
	control_free(ctl);
	timeline_free(timeline);
	inject_free(&in);
	metrics_free(metrics);
	journal_free(journal);
	scenario_free(sc);
	event_base_free(base);
}

/*
 * Send one raw request to the API and read its response: *status, and the
 * body parsed as JSON (NULL if it is not).
 */
static json_t *
exchange(const char *request, int *status)
{
	static char buf[65536];
	struct sockaddr_storage ss;
	socklen_t len;
	char host[64];
	uint16_t port;
	size_t got = 0;
	ssize_t n;
	char *body;
	int fd, i;

	ck_assert_int_eq(
	    hostport_parse(control_address(ctl), host, sizeof host, &port), 0);
	ck_assert_int_eq(sockaddr_fill(host, port, &ss, &len), 0);
	fd = socket(AF_INET, SOCK_STREAM, 0);
	ck_assert_int_eq(connect(fd, (struct sockaddr *)&ss, len), 0);
	evutil_make_socket_nonblocking(fd);
	ck_assert_int_eq(
	    write(fd, request, strlen(request)), (ssize_t)strlen(request));
	/* evhttp closes after answering "Connection: close". */
	for (i = 0; i < 5000; i++) {
		event_base_loop(base, EVLOOP_NONBLOCK);
		n = read(fd, buf + got, sizeof buf - 1 - got);
		if (n == 0)
			break;
		if (n > 0)
			got += (size_t)n;
		else if (errno != EAGAIN)
			break;
		else
			usleep(200);
	}
	close(fd);
	buf[got] = '\0';
	ck_assert_msg(sscanf(buf, "HTTP/1.1 %d ", status) == 1, "%s", buf);
	body = strstr(buf, "\r\n\r\n");
	ck_assert_ptr_nonnull(body);
	return json_loads(body + 4, 0, NULL);
}

/* The "error" of an error body, or "" */
static const char *
error_code(json_t *o)
{
	const char *s = json_string_value(json_object_get(o, "error"));

	return s != NULL ? s : "";
}

START_TEST(test_path_not_utf8_gets_json_404)
{
	json_t *o;
	int status;

	o = exchange(
	    "GET /%B0 HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
	    &status);
	ck_assert_int_eq(status, 404);
	ck_assert_ptr_nonnull(o);
	ck_assert_str_eq(error_code(o), "not_found");
	ck_assert_ptr_nonnull(strstr(
	    json_string_value(json_object_get(o, "message")), "endpoint /?"));
	json_decref(o);
}
END_TEST

START_TEST(test_method_not_allowed_on_non_utf8_path)
{
	json_t *o;
	int status;

	o = exchange("PATCH /faults/%FF HTTP/1.1\r\nHost: x\r\n"
	             "Connection: close\r\n\r\n",
	    &status);
	ck_assert_int_eq(status, 405);
	ck_assert_str_eq(error_code(o), "method_not_allowed");
	json_decref(o);
}
END_TEST

START_TEST(test_fault_id_not_utf8_gets_json_404)
{
	json_t *o;
	int status;

	o = exchange("DELETE /faults/%C3%28 HTTP/1.1\r\nHost: x\r\n"
	             "Connection: close\r\n\r\n",
	    &status);
	ck_assert_int_eq(status, 404);
	ck_assert_str_eq(error_code(o), "unknown_fault");
	json_decref(o);
}
END_TEST

START_TEST(test_journal_parameter_not_utf8_gets_json_400)
{
	json_t *o;
	int status;

	o = exchange("GET /journal?%FE=1 HTTP/1.1\r\nHost: x\r\n"
	             "Connection: close\r\n\r\n",
	    &status);
	ck_assert_int_eq(status, 400);
	ck_assert_str_eq(error_code(o), "bad_parameter");
	json_decref(o);
	o = exchange("GET /journal?since=%FE HTTP/1.1\r\nHost: x\r\n"
	             "Connection: close\r\n\r\n",
	    &status);
	ck_assert_int_eq(status, 400);
	ck_assert_str_eq(error_code(o), "bad_parameter");
	json_decref(o);
}
END_TEST

static Suite *
control_suite(void)
{
	Suite *s = suite_create("control");
	TCase *tc = tcase_create("loopback");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_path_not_utf8_gets_json_404);
	tcase_add_test(tc, test_method_not_allowed_on_non_utf8_path);
	tcase_add_test(tc, test_fault_id_not_utf8_gets_json_404);
	tcase_add_test(tc, test_journal_parameter_not_utf8_gets_json_400);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner *sr = srunner_create(control_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
