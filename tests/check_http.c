/*
 * check_http.c: the HTTP layer on a real socket pair and a real event
 * loop: requests split at every byte, pipelining, bodies, limits and
 * backpressure.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <check.h>
#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>

#include <http_parser.h>

#include "conn.h"
#include "http.h"
#include "inject.h"
#include "response.h"
#include "scenario.h"
#include "service.h"
#include "timeline.h"
#include "util.h"

static struct pipeline pl;
static struct injector in;
static struct scenario *sc;
static struct service *svc;
static struct conn *conn;
static int client = -1;

static void
setup(void)
{
	int sv[2];
	struct sockaddr sa = { .sa_family = AF_UNIX };

	signal(SIGPIPE, SIG_IGN);
	sc = scenario_default();
	ck_assert_ptr_nonnull(sc);
	memset(&pl, 0, sizeof pl);
	memset(&in, 0, sizeof in);
	pl.base = event_base_new();
	pl.inject = &in;
	pl.responses = response_writer_new();
	pl.timeline = timeline_new(pl.base, sc, NULL, NULL, NULL);
	svc = service_new(&pl, &sc->services[0], 1);
	ck_assert_ptr_nonnull(svc);
	service_configure(svc, &sc->services[0], sc->stubs, sc->nstubs);
	ck_assert_int_eq(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
	evutil_make_socket_nonblocking(sv[0]);
	evutil_make_socket_nonblocking(sv[1]);
	client = sv[1];
	conn = conn_new(svc, sv[0], &sa, sizeof sa, FAULT_ACCEPT_SERVE, NULL);
	ck_assert_ptr_nonnull(conn);
}

static void
teardown(void)
{
	conn_close_all(svc, "test over");
	service_configure(svc, NULL, NULL, 0);
	service_unref(svc);
	timeline_free(pl.timeline);
	response_writer_free(pl.responses);
	scenario_free(sc);
	event_base_free(pl.base);
	close(client);
}

/* Run the loop a few times without blocking. */
static void
spin(int times)
{
	while (times-- > 0)
		event_base_loop(pl.base, EVLOOP_NONBLOCK);
}

/* Send bytes in pieces of chunk bytes, letting the server run between. */
static void
send_in_chunks(const char *data, size_t len, size_t chunk)
{
	size_t off = 0, n;

	while (off < len) {
		n = len - off < chunk ? len - off : chunk;
		ck_assert_int_eq(write(client, data + off, n), (ssize_t)n);
		off += n;
		spin(2);
	}
}

/* Read what the server sent until it holds want copies of "HTTP/1.1 "
 * (final statuses), or the server closed, or time ran out. */
static char *
receive(int want)
{
	static char buf[4 * 1024 * 1024];
	size_t len = 0;
	ssize_t n;
	int i, seen;
	char *p;

	for (i = 0; i < 2000; i++) {
		spin(1);
		n = read(client, buf + len, sizeof buf - 1 - len);
		if (n > 0)
			len += (size_t)n;
		else if (n == 0)
			break;
		else if (errno != EAGAIN)
			break;
		buf[len] = '\0';
		for (seen = 0, p = buf; (p = strstr(p, "HTTP/1.1 ")) != NULL;
		     p++)
			seen++;
		if (seen >= want)
			break;
		usleep(1000);
	}
	buf[len] = '\0';
	return buf;
}

START_TEST(test_request_split_at_every_byte)
{
	const char req[] = "GET /v1/users/u1001?x=1 HTTP/1.1\r\nHost: a\r\n"
	                   "X-One: 1\r\nX-Two: two\r\n\r\n";
	char *out;

	send_in_chunks(req, sizeof req - 1, 1);
	out = receive(1);
	ck_assert_msg(strncmp(out, "HTTP/1.1 200 OK\r\n", 17) == 0, "%s", out);
	ck_assert_ptr_nonnull(strstr(out, "\"id\":\"u1001\""));
	ck_assert_int_eq(conn->state, CONN_READING);
}
END_TEST

START_TEST(test_pipelined_requests_answered_in_order)
{
	const char req[] = "GET /health HTTP/1.1\r\n\r\n"
	                   "GET /nope HTTP/1.1\r\n\r\n"
	                   "DELETE /health HTTP/1.1\r\n\r\n";
	char *out, *a, *b, *c;

	send_in_chunks(req, sizeof req - 1, sizeof req);
	out = receive(3);
	a = strstr(out, "HTTP/1.1 200");
	b = strstr(out, "HTTP/1.1 404");
	c = strstr(out, "HTTP/1.1 405");
	ck_assert_msg(a && b && c && a < b && b < c, "%s", out);
	ck_assert_uint_eq(conn->link.requests, 3);
}
END_TEST

START_TEST(test_chunked_body_split)
{
	const char req[] = "POST /v1/users HTTP/1.1\r\n"
	                   "Transfer-Encoding: chunked\r\n\r\n"
	                   "10\r\n{\"email\":\"s@x.io\r\n"
	                   "15\r\n\",\"name\":\"Split Sam\"}\r\n"
	                   "0\r\nX-Trailer: ignored\r\n\r\n";
	char *out;

	send_in_chunks(req, sizeof req - 1, 7);
	out = receive(1);
	ck_assert_msg(strncmp(out, "HTTP/1.1 201", 12) == 0, "%s", out);
	ck_assert_ptr_nonnull(strstr(out, "\"email\":\"s@x.io\""));
}
END_TEST

START_TEST(test_too_many_headers_431)
{
	char req[8192];
	size_t len;
	int i;

	len = (size_t)sprintf(req, "GET /health HTTP/1.1\r\n");
	for (i = 0; i < 101; i++)
		len += (size_t)sprintf(req + len, "X-H%d: v\r\n", i);
	len += (size_t)sprintf(req + len, "\r\n");
	send_in_chunks(req, len, len);
	ck_assert_ptr_nonnull(strstr(receive(1), "HTTP/1.1 431 "));
}
END_TEST

START_TEST(test_body_over_limit_413_before_reading_it)
{
	const char req[] = "POST /v1/users HTTP/1.1\r\n"
	                   "Content-Length: 99999999\r\n\r\n{";
	char *out;

	send_in_chunks(req, sizeof req - 1, sizeof req);
	out = receive(1);
	ck_assert_msg(strncmp(out, "HTTP/1.1 413 ", 13) == 0, "%s", out);
	ck_assert_ptr_nonnull(strstr(out, "Connection: close"));
}
END_TEST

START_TEST(test_garbage_400_and_close)
{
	const char req[] = "\x16\x03\x01\x02\x00 not http\r\n\r\n";
	char *out;

	send_in_chunks(req, sizeof req - 1, sizeof req);
	out = receive(1);
	ck_assert_msg(strncmp(out, "HTTP/1.1 400 ", 13) == 0, "%s", out);
	ck_assert_ptr_nonnull(strstr(out, "\"error\":\"bad_request\""));
}
END_TEST

START_TEST(test_backpressure_blocks_then_resumes)
{
	static char req[200 * 1024];
	const char one[] = "GET /v1/users HTTP/1.1\r\n\r\n";
	size_t len = 0;
	int i, n = 0, total = 0;
	char buf[65536];
	ssize_t r;

	/* Enough pipelined requests that the replies pass the high mark. */
	for (i = 0; i < 5000 && len + sizeof one < sizeof req; i++) {
		memcpy(req + len, one, sizeof one - 1);
		len += sizeof one - 1;
		n++;
	}
	/* Write it all without reading any reply. */
	for (size_t off = 0; off < len;) {
		r = write(client, req + off, len - off);
		if (r > 0)
			off += (size_t)r;
		spin(1);
	}
	spin(50);
	ck_assert_int_eq(conn->state, CONN_BLOCKED);
	ck_assert_uint_lt(conn->link.requests, (uint64_t)n);
	/* Now read everything; the server resumes and answers all. */
	for (i = 0; i < 20000 && conn->link.requests < (uint64_t)n; i++) {
		spin(1);
		while ((r = read(client, buf, sizeof buf)) > 0)
			total += (int)r;
	}
	ck_assert_uint_eq(conn->link.requests, (uint64_t)n);
	ck_assert_int_gt(total, 0);
}
END_TEST

/*
 * A plain connection reads and writes its socket itself: between
 * requests neither of its bufferevent's events is enabled (adding and
 * deleting the write event around every answer cost two system calls).
 */
START_TEST(test_plain_connection_does_its_own_io)
{
	const char req[] = "GET /health HTTP/1.1\r\n\r\n";
	char *got;

	ck_assert_int_eq(conn->direct, 1);
	ck_assert_int_eq(write(client, req, sizeof req - 1), sizeof req - 1);
	got = receive(1);
	ck_assert_msg(strncmp(got, "HTTP/1.1 200 OK\r\n", 17) == 0, "%s", got);
	ck_assert_int_eq(bufferevent_get_enabled(conn->bev), 0);
	ck_assert(event_pending(conn->rd, EV_READ, NULL));
}
END_TEST

/*
 * While an answer is held (a delay fault) the connection keeps reading,
 * to see the client go: what it reads meanwhile stops at the input limit.
 */
START_TEST(test_direct_input_is_bounded_while_an_answer_is_held)
{
	static const char fault[] =
	    "[{\"layer\": \"http\", \"type\": \"delay\", \"delay\": \"30s\"}]";
	static char more[64 * 1024];
	const char req[] = "GET /health HTTP/1.1\r\n\r\n";
	struct errlist errs = { NULL, 0, 0 };
	struct fault_conf *f;
	size_t n, sent = 0;
	ssize_t r;
	int i;

	inject_init(&in, 1, NULL, NULL);
	ck_assert_msg(scenario_parse_faults(
	                  sc, "t", fault, strlen(fault), &f, &n, &errs) == 0,
	    "%s", errlist_join(&errs));
	ck_assert_uint_ne(inject_add(&in, f, n), 0);
	free(f);
	ck_assert_int_eq(write(client, req, sizeof req - 1), sizeof req - 1);
	for (i = 0; i < 100 && conn->state != CONN_WAITING; i++)
		spin(1);
	ck_assert_int_eq(conn->state, CONN_WAITING);
	memset(more, 'x', sizeof more);
	for (i = 0; i < 2000 && sent < 8 * 1024 * 1024; i++) {
		r = write(client, more, sizeof more);
		if (r > 0)
			sent += (size_t)r;
		spin(1);
	}
	ck_assert_int_eq(conn->rd_full, 1);
	ck_assert(!event_pending(conn->rd, EV_READ, NULL));
	ck_assert_uint_ge(evbuffer_get_length(bufferevent_get_input(conn->bev)),
	    CONN_INPUT_HIGH);
	ck_assert_uint_lt(evbuffer_get_length(bufferevent_get_input(conn->bev)),
	    CONN_INPUT_HIGH + 64 * 1024);
	ck_assert_uint_lt(sent, 8 * 1024 * 1024);
	inject_free(&in);
}
END_TEST

/* The target split says what http_parser_parse_url() says, every form. */
START_TEST(test_target_split_as_parse_url_does)
{
	static const char *const targets[] = { "/", "/a", "/a/b/c", "/a?", "/?",
		"/a?b", "/a?b=c&d=e", "/a?b?c", "/a#", "/a#f", "/a?b#f",
		"/a#f?x", "/?#", "//x", "/%20?%3F", "/a;p=1?q", "*",
		"http://h:80/p?q", "http://h", "http://h?q",
		"https://u@h/p#f" };
	struct http_parser_url u;
	struct http_target t;
	size_t i, len;

	for (i = 0; i < nitems(targets); i++) {
		len = strlen(targets[i]);
		http_parser_url_init(&u);
		if (http_parser_parse_url(targets[i], len, 0, &u) != 0) {
			ck_assert_msg(
			    http_target_parse(targets[i], len, 0, &t) == -1 ||
			        targets[i][0] == '/',
			    "%s", targets[i]);
			continue;
		}
		ck_assert_int_eq(http_target_parse(targets[i], len, 0, &t), 0);
		ck_assert_msg(
		    (t.path_len > 0) == ((u.field_set & (1 << UF_PATH)) != 0),
		    "%s: path", targets[i]);
		if (t.path_len > 0)
			ck_assert_msg(t.path_off == u.field_data[UF_PATH].off &&
			        t.path_len == u.field_data[UF_PATH].len,
			    "%s: path at %zu+%zu", targets[i], t.path_off,
			    t.path_len);
		ck_assert_msg(
		    t.has_query == ((u.field_set & (1 << UF_QUERY)) != 0),
		    "%s: query %d", targets[i], t.has_query);
		if (t.has_query)
			ck_assert_msg(
			    t.query_off == u.field_data[UF_QUERY].off &&
			        t.query_len == u.field_data[UF_QUERY].len,
			    "%s: query at %zu+%zu", targets[i], t.query_off,
			    t.query_len);
	}
}
END_TEST

static Suite *
http_suite(void)
{
	Suite *s = suite_create("http");
	TCase *tc = tcase_create("socketpair");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_request_split_at_every_byte);
	tcase_add_test(tc, test_pipelined_requests_answered_in_order);
	tcase_add_test(tc, test_chunked_body_split);
	tcase_add_test(tc, test_too_many_headers_431);
	tcase_add_test(tc, test_body_over_limit_413_before_reading_it);
	tcase_add_test(tc, test_garbage_400_and_close);
	tcase_add_test(tc, test_backpressure_blocks_then_resumes);
	tcase_add_test(tc, test_plain_connection_does_its_own_io);
	tcase_add_test(tc, test_target_split_as_parse_url_does);
	tcase_add_test(
	    tc, test_direct_input_is_bounded_while_an_answer_is_held);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner *sr = srunner_create(http_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
