/*
 * check_client.c: the HTTP client against a test server on the same
 * event loop (127.0.0.1:0) that answers canned bytes: bodies by length,
 * chunked and to the close, byte by byte, malformed and cut short; a
 * refused connection, a server that never answers, and the limits.
 */
#include "config.h"

#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>

#include <check.h>
#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>
#include <event2/listener.h>

#include "client.h"
#include "util.h"

/* The test server: one connection at a time, one canned answer. */
static struct {
	struct evconnlistener *lev;
	struct bufferevent *bev;
	struct event *drip; /* sends the answer a byte at a time */
	struct evbuffer *request; /* every byte received */
	const char *reply; /* NULL: never answer */
	size_t reply_len, sent;
	int close_after; /* close once the answer is out */
	int byte_by_byte;
	int reset; /* reset the connection instead of answering */
	int answered;
	char addr[64];
} srv;

static struct event_base *base;

/* Close the server's side of the connection. */
static void
srv_close(void)
{
	if (srv.bev != NULL) {
		bufferevent_free(srv.bev);
		srv.bev = NULL;
	}
}

static void
srv_write_cb(struct bufferevent *bev, void *arg)
{
	(void)bev;
	(void)arg;
	if (srv.answered && srv.close_after && srv.sent == srv.reply_len)
		srv_close();
}

/* Send the next byte of the answer, then come back for the one after. */
static void
srv_drip_cb(evutil_socket_t fd, short what, void *arg)
{
	struct timeval tv = { 0, 1000 };

	(void)fd;
	(void)what;
	(void)arg;
	if (srv.bev == NULL || srv.sent == srv.reply_len)
		return;
	bufferevent_write(srv.bev, srv.reply + srv.sent++, 1);
	if (srv.sent < srv.reply_len)
		evtimer_add(srv.drip, &tv);
}

/* Answer once the request's headers and its Content-Length are in. */
static void
srv_read_cb(struct bufferevent *bev, void *arg)
{
	struct evbuffer *in = bufferevent_get_input(bev);
	const char *req, *end, *cl;
	size_t want;

	(void)arg;
	evbuffer_add_buffer(srv.request, in);
	req = (const char *)evbuffer_pullup(srv.request, -1);
	if (srv.answered || req == NULL)
		return;
	req = xstrndup(req, evbuffer_get_length(srv.request));
	end = strstr(req, "\r\n\r\n");
	cl = strcasestr(req, "\r\nContent-Length: ");
	want = end == NULL ? 0 : (size_t)(end + 4 - req);
	if (cl != NULL)
		want += strtoul(cl + 18, NULL, 10);
	free((char *)req);
	if (end == NULL || evbuffer_get_length(srv.request) < want)
		return;
	srv.answered = 1;
	if (srv.reply == NULL)
		return; /* a server that never answers */
	if (srv.reset) {
		struct linger l = { 1, 0 };

		setsockopt(bufferevent_getfd(bev), SOL_SOCKET, SO_LINGER, &l,
		    sizeof l);
		srv_close();
		return;
	}
	if (srv.reply_len == 0 && srv.close_after) {
		srv_close();
		return;
	}
	if (srv.byte_by_byte) {
		srv_drip_cb(-1, 0, NULL);
		return;
	}
	srv.sent = srv.reply_len;
	bufferevent_write(bev, srv.reply, srv.reply_len);
}

static void
srv_event_cb(struct bufferevent *bev, short what, void *arg)
{
	(void)bev;
	(void)arg;
	if (what & (BEV_EVENT_EOF | BEV_EVENT_ERROR))
		srv_close();
}

static void
srv_accept_cb(struct evconnlistener *lev, evutil_socket_t fd,
    struct sockaddr *sa, int len, void *arg)
{
	(void)lev;
	(void)sa;
	(void)len;
	(void)arg;
	srv_close();
	srv.bev = bufferevent_socket_new(base, fd, BEV_OPT_CLOSE_ON_FREE);
	ck_assert_ptr_nonnull(srv.bev);
	bufferevent_setcb(
	    srv.bev, srv_read_cb, srv_write_cb, srv_event_cb, NULL);
	bufferevent_enable(srv.bev, EV_READ | EV_WRITE);
}

/* Listen on 127.0.0.1:0; its address goes to srv.addr. */
static struct evconnlistener *
srv_listen(char *addr, size_t len)
{
	struct sockaddr_storage ss;
	struct evconnlistener *lev;
	socklen_t sslen;

	ck_assert_int_eq(sockaddr_fill("127.0.0.1", 0, &ss, &sslen), 0);
	lev = evconnlistener_new_bind(base, srv_accept_cb, NULL,
	    LEV_OPT_CLOSE_ON_FREE | LEV_OPT_REUSEABLE, 16,
	    (struct sockaddr *)&ss, (int)sslen);
	ck_assert_ptr_nonnull(lev);
	sslen = sizeof ss;
	ck_assert_int_eq(getsockname(evconnlistener_get_fd(lev),
	                     (struct sockaddr *)&ss, &sslen),
	    0);
	sockaddr_format(&ss, addr, len);
	return lev;
}

/* Serve this answer (NULL: none) to the next request. */
static void
serve(const char *reply, int close_after)
{
	srv.reply = reply;
	srv.reply_len = reply != NULL ? strlen(reply) : 0;
	srv.close_after = close_after;
}

static void
setup(void)
{
	signal(SIGPIPE, SIG_IGN);
	base = event_base_new();
	ck_assert_ptr_nonnull(base);
	memset(&srv, 0, sizeof srv);
	srv.request = evbuffer_new();
	srv.drip = evtimer_new(base, srv_drip_cb, NULL);
	srv.lev = srv_listen(srv.addr, sizeof srv.addr);
}

static void
teardown(void)
{
	srv_close();
	if (srv.lev != NULL)
		evconnlistener_free(srv.lev);
	event_free(srv.drip);
	evbuffer_free(srv.request);
	event_base_free(base);
}

/* GET / from the test server. */
static int
fetch(struct client_response *resp, struct client_error *err)
{
	struct client_request req = { .address = srv.addr, .path = "/" };

	return client_fetch(base, &req, resp, err);
}

START_TEST(test_body_by_content_length)
{
	struct client_response resp;
	struct client_error err;

	serve("HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
	      "Content-Length: 11\r\n\r\n{\"ok\":true}",
	    0);
	ck_assert_int_eq(fetch(&resp, &err), 0);
	ck_assert_int_eq(err.stage, CLIENT_STAGE_NONE);
	ck_assert_int_eq(resp.status, 200);
	ck_assert_int_eq(resp.http_major, 1);
	ck_assert_int_eq(resp.http_minor, 1);
	ck_assert_uint_eq(resp.body_len, 11);
	ck_assert_str_eq(resp.body, "{\"ok\":true}");
	ck_assert_str_eq(
	    client_response_header(&resp, "content-type"), "application/json");
	ck_assert_ptr_null(client_response_header(&resp, "X-None"));
	ck_assert_str_eq(resp.peer, srv.addr);
	client_response_clear(&resp);
}
END_TEST

START_TEST(test_chunked_body)
{
	struct client_response resp;
	struct client_error err;

	serve("HTTP/1.1 201 Created\r\nTransfer-Encoding: chunked\r\n\r\n"
	      "5\r\nhello\r\n6\r\n world\r\n0\r\nX-Trailer: t\r\n\r\n",
	    0);
	ck_assert_int_eq(fetch(&resp, &err), 0);
	ck_assert_int_eq(resp.status, 201);
	ck_assert_str_eq(resp.body, "hello world");
	client_response_clear(&resp);
}
END_TEST

START_TEST(test_body_delimited_by_close)
{
	struct client_response resp;
	struct client_error err;

	serve("HTTP/1.0 200 OK\r\nX-Empty:\r\n\r\nuntil the end", 1);
	ck_assert_int_eq(fetch(&resp, &err), 0);
	ck_assert_int_eq(resp.status, 200);
	ck_assert_int_eq(resp.http_minor, 0);
	ck_assert_str_eq(resp.body, "until the end");
	ck_assert_str_eq(client_response_header(&resp, "X-Empty"), "");
	client_response_clear(&resp);
}
END_TEST

START_TEST(test_answer_split_at_every_byte)
{
	struct client_response resp;
	struct client_error err;

	serve("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n"
	      "X-Long-Header: a value split everywhere\r\n\r\n"
	      "3\r\nabc\r\n2\r\nde\r\n0\r\n\r\n",
	    0);
	srv.byte_by_byte = 1;
	ck_assert_int_eq(fetch(&resp, &err), 0);
	ck_assert_str_eq(resp.body, "abcde");
	ck_assert_str_eq(client_response_header(&resp, "x-long-header"),
	    "a value split everywhere");
	ck_assert_uint_eq(resp.nheaders, 2);
	client_response_clear(&resp);
}
END_TEST

START_TEST(test_interim_answer_is_skipped)
{
	struct client_response resp;
	struct client_error err;

	serve("HTTP/1.1 100 Continue\r\nX-Interim: 1\r\n\r\n"
	      "HTTP/1.1 204 No Content\r\n\r\n",
	    0);
	ck_assert_int_eq(fetch(&resp, &err), 0);
	ck_assert_int_eq(resp.status, 204);
	ck_assert_ptr_null(client_response_header(&resp, "X-Interim"));
	ck_assert_uint_eq(resp.body_len, 0);
	ck_assert_str_eq(resp.body, "");
	client_response_clear(&resp);
}
END_TEST

START_TEST(test_bytes_after_the_answer_are_ignored)
{
	struct client_response resp;
	struct client_error err;

	serve("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nokGARBAGE", 0);
	ck_assert_int_eq(fetch(&resp, &err), 0);
	ck_assert_str_eq(resp.body, "ok");
	client_response_clear(&resp);
}
END_TEST

START_TEST(test_head_answer_has_no_body)
{
	struct client_request req = { .address = srv.addr, .method = "HEAD" };
	struct client_response resp;
	struct client_error err;

	serve("HTTP/1.1 200 OK\r\nContent-Length: 1000\r\n\r\n", 0);
	ck_assert_int_eq(client_fetch(base, &req, &resp, &err), 0);
	ck_assert_int_eq(resp.status, 200);
	ck_assert_uint_eq(resp.body_len, 0);
	client_response_clear(&resp);
}
END_TEST

START_TEST(test_request_is_sent_as_given)
{
	const struct client_header headers[] = {
		{ "Authorization", "Bearer s3cret" },
		{ "Accept", "application/json" },
	};
	struct client_request req = {
		.address = srv.addr,
		.method = "POST",
		.path = "/faults?x=1",
		.headers = headers,
		.nheaders = nitems(headers),
		.body = "{\"a\":1}",
		.body_len = 7,
	};
	struct client_response resp;
	struct client_error err;
	char *got, *want;

	serve("HTTP/1.1 201 Created\r\nContent-Length: 0\r\n\r\n", 0);
	ck_assert_int_eq(client_fetch(base, &req, &resp, &err), 0);
	ck_assert_int_eq(resp.status, 201);
	got = xstrndup((const char *)evbuffer_pullup(srv.request, -1),
	    evbuffer_get_length(srv.request));
	want = xasprintf("POST /faults?x=1 HTTP/1.1\r\n"
	                 "Host: %s\r\n"
	                 "Connection: close\r\n"
	                 "Content-Length: 7\r\n"
	                 "Authorization: Bearer s3cret\r\n"
	                 "Accept: application/json\r\n"
	                 "\r\n"
	                 "{\"a\":1}",
	    srv.addr);
	ck_assert_str_eq(got, want);
	free(got);
	free(want);
	client_response_clear(&resp);
}
END_TEST

START_TEST(test_malformed_answer)
{
	struct client_response resp;
	struct client_error err;

	serve("HTTP/1.1 2x0 OK\r\n\r\n", 0);
	ck_assert_int_eq(fetch(&resp, &err), -1);
	ck_assert_int_eq(err.stage, CLIENT_STAGE_HTTP);
	ck_assert_int_eq(err.failure, CLIENT_ERR_MALFORMED);
	ck_assert_str_eq(
	    err.message, "malformed response: invalid HTTP status code");
	ck_assert_int_eq(resp.status, 0);
	ck_assert_ptr_null(resp.body);
}
END_TEST

START_TEST(test_bytes_that_are_not_http)
{
	struct client_response resp;
	struct client_error err;

	serve("SSH-2.0-OpenSSH_9.6\r\n", 1);
	ck_assert_int_eq(fetch(&resp, &err), -1);
	ck_assert_int_eq(err.stage, CLIENT_STAGE_HTTP);
	ck_assert_int_eq(err.failure, CLIENT_ERR_MALFORMED);
	ck_assert_msg(strncmp(err.message, "malformed response: ", 20) == 0,
	    "%s", err.message);
}
END_TEST

START_TEST(test_connection_refused)
{
	struct client_response resp;
	struct client_error err;

	/* A port that was free a moment ago: bound, then closed. */
	evconnlistener_free(srv.lev);
	srv.lev = NULL;
	ck_assert_int_eq(fetch(&resp, &err), -1);
	ck_assert_int_eq(err.stage, CLIENT_STAGE_CONNECT);
	ck_assert_int_eq(err.failure, CLIENT_ERR_SYSTEM);
	ck_assert_int_eq(err.code, ECONNREFUSED);
	ck_assert_str_eq(err.message, strerror(ECONNREFUSED));
}
END_TEST

START_TEST(test_no_answer_times_out)
{
	struct client_request req = {
		.address = srv.addr,
		.response_timeout_us = 200000,
	};
	struct client_response resp;
	struct client_error err;

	serve(NULL, 0);
	ck_assert_int_eq(client_fetch(base, &req, &resp, &err), -1);
	ck_assert_int_eq(err.stage, CLIENT_STAGE_HTTP);
	ck_assert_int_eq(err.failure, CLIENT_ERR_TIMEOUT);
	ck_assert_str_eq(err.message, "timed out after 200ms");
	ck_assert_int_eq(srv.answered, 1); /* the request did arrive */
}
END_TEST

START_TEST(test_closed_before_any_answer)
{
	struct client_response resp;
	struct client_error err;

	serve("", 1);
	ck_assert_int_eq(fetch(&resp, &err), -1);
	ck_assert_int_eq(err.stage, CLIENT_STAGE_HTTP);
	ck_assert_int_eq(err.failure, CLIENT_ERR_CLOSED);
	ck_assert_str_eq(err.message, "connection closed before any response");
}
END_TEST

START_TEST(test_reset_before_any_answer)
{
	struct client_response resp;
	struct client_error err;

	serve("", 0);
	srv.reset = 1;
	ck_assert_int_eq(fetch(&resp, &err), -1);
	ck_assert_int_eq(err.stage, CLIENT_STAGE_HTTP);
	ck_assert_int_eq(err.failure, CLIENT_ERR_SYSTEM);
	ck_assert_int_eq(err.code, ECONNRESET);
	ck_assert_str_eq(err.message, strerror(ECONNRESET));
}
END_TEST

START_TEST(test_closed_in_the_body)
{
	struct client_response resp;
	struct client_error err;

	serve("HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nabc", 1);
	ck_assert_int_eq(fetch(&resp, &err), -1);
	ck_assert_int_eq(err.stage, CLIENT_STAGE_HTTP);
	ck_assert_int_eq(err.failure, CLIENT_ERR_CLOSED);
	ck_assert_str_eq(
	    err.message, "connection closed before the response was complete");
}
END_TEST

START_TEST(test_body_over_the_limit)
{
	struct client_request req = { .address = srv.addr, .body_max = 8 };
	struct client_response resp;
	struct client_error err;

	serve("HTTP/1.1 200 OK\r\nContent-Length: 11\r\n\r\n{\"ok\":true}", 0);
	ck_assert_int_eq(client_fetch(base, &req, &resp, &err), -1);
	ck_assert_int_eq(err.stage, CLIENT_STAGE_HTTP);
	ck_assert_int_eq(err.failure, CLIENT_ERR_TOO_LARGE);
	ck_assert_str_eq(err.message,
	    "response body larger than 8 bytes (Content-Length: 11)");
}
END_TEST

START_TEST(test_chunked_body_over_the_limit)
{
	struct client_request req = { .address = srv.addr, .body_max = 8 };
	struct client_response resp;
	struct client_error err;

	serve("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
	      "5\r\nhello\r\n6\r\n world\r\n0\r\n\r\n",
	    0);
	ck_assert_int_eq(client_fetch(base, &req, &resp, &err), -1);
	ck_assert_int_eq(err.failure, CLIENT_ERR_TOO_LARGE);
	ck_assert_str_eq(err.message, "response body larger than 8 bytes");
}
END_TEST

START_TEST(test_headers_over_the_limit)
{
	struct client_response resp;
	struct client_error err;
	char *reply;

	size_t n;

	reply = xmalloc(CLIENT_HEADERS_MAX + 100);
	strcpy(reply, "HTTP/1.1 200 OK\r\nX-Big: ");
	n = strlen(reply);
	memset(reply + n, 'a', CLIENT_HEADERS_MAX);
	strcpy(reply + n + CLIENT_HEADERS_MAX, "\r\n\r\n");
	serve(reply, 0);
	ck_assert_int_eq(fetch(&resp, &err), -1);
	ck_assert_int_eq(err.failure, CLIENT_ERR_TOO_LARGE);
	ck_assert_str_eq(err.message, "response headers larger than 64 KiB");
	free(reply);
}
END_TEST

START_TEST(test_bad_address_fails_at_once)
{
	struct client_request req = { .address = "127.0.0.1" };
	struct client_response resp;
	struct client_error err;

	ck_assert_int_eq(client_fetch(base, &req, &resp, &err), -1);
	ck_assert_int_eq(err.stage, CLIENT_STAGE_CONNECT);
	ck_assert_int_eq(err.failure, CLIENT_ERR_ADDRESS);
	ck_assert_str_eq(
	    err.message, "\"127.0.0.1\" is not an address (use HOST:PORT)");
}
END_TEST

START_TEST(test_localhost_resolves)
{
	struct client_request req = { .path = "/" };
	struct client_response resp;
	struct client_error err;
	char addr[80];

	/* localhost may be ::1 first: the next address is tried. */
	snprintf(addr, sizeof addr, "localhost:%s", strrchr(srv.addr, ':') + 1);
	req.address = addr;
	serve("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok", 0);
	ck_assert_int_eq(client_fetch(base, &req, &resp, &err), 0);
	ck_assert_str_eq(resp.body, "ok");
	client_response_clear(&resp);
}
END_TEST

static void
count_cb(struct client *c, void *arg)
{
	(void)c;
	++*(int *)arg;
}

START_TEST(test_free_before_the_end_abandons)
{
	struct client_request req = { .address = srv.addr };
	struct client_error err;
	struct client *c;
	int called = 0;

	serve(NULL, 0);
	c = client_new(base, &req, count_cb, &called, &err);
	ck_assert_ptr_nonnull(c);
	ck_assert_int_eq(client_stage(c), CLIENT_STAGE_CONNECT);
	event_base_loop(base, EVLOOP_NONBLOCK);
	client_free(c);
	client_free(NULL);
	event_base_loop(base, EVLOOP_NONBLOCK);
	ck_assert_int_eq(called, 0);
}
END_TEST

START_TEST(test_stage_names)
{
	ck_assert_str_eq(client_stage_name(CLIENT_STAGE_CONNECT), "connect");
	ck_assert_str_eq(client_stage_name(CLIENT_STAGE_TLS), "tls");
	ck_assert_str_eq(client_stage_name(CLIENT_STAGE_HTTP), "http");
}
END_TEST

static Suite *
client_suite(void)
{
	Suite *s = suite_create("client");
	TCase *tc = tcase_create("client");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_body_by_content_length);
	tcase_add_test(tc, test_chunked_body);
	tcase_add_test(tc, test_body_delimited_by_close);
	tcase_add_test(tc, test_answer_split_at_every_byte);
	tcase_add_test(tc, test_interim_answer_is_skipped);
	tcase_add_test(tc, test_bytes_after_the_answer_are_ignored);
	tcase_add_test(tc, test_head_answer_has_no_body);
	tcase_add_test(tc, test_request_is_sent_as_given);
	tcase_add_test(tc, test_malformed_answer);
	tcase_add_test(tc, test_bytes_that_are_not_http);
	tcase_add_test(tc, test_connection_refused);
	tcase_add_test(tc, test_no_answer_times_out);
	tcase_add_test(tc, test_closed_before_any_answer);
	tcase_add_test(tc, test_reset_before_any_answer);
	tcase_add_test(tc, test_closed_in_the_body);
	tcase_add_test(tc, test_body_over_the_limit);
	tcase_add_test(tc, test_chunked_body_over_the_limit);
	tcase_add_test(tc, test_headers_over_the_limit);
	tcase_add_test(tc, test_bad_address_fails_at_once);
	tcase_add_test(tc, test_localhost_resolves);
	tcase_add_test(tc, test_free_before_the_end_abandons);
	tcase_add_test(tc, test_stage_names);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner *sr = srunner_create(client_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
