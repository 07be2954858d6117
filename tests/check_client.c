/*
 * check_client.c: the HTTP client against a test server on the same
 * event loop (127.0.0.1:0) that answers canned bytes: bodies by length,
 * chunked and to the close, byte by byte, malformed and cut short; a
 * refused connection, a server that never answers, and the limits. Over
 * TLS the same server speaks through an OpenSSL bufferevent with
 * certificates from certs.c: each way a handshake fails, named in
 * OpenSSL's words, and what a good one shows.
 */
#include "config.h"

#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <unistd.h>

#include <check.h>
#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/bufferevent_ssl.h>
#include <event2/event.h>
#include <event2/listener.h>
#include <openssl/ssl.h>
#include <openssl/x509_vfy.h>

#include "certs.h"
#include "client.h"
#include "util.h"

/* What the test server does with a connection before any HTTP. */
enum srv_mode {
	SRV_ANSWER, /* read the request, answer (over TLS if srv.ctx) */
	SRV_SILENT, /* accept and never read a byte */
	SRV_CLOSE, /* read what comes (the ClientHello), then close */
	SRV_RESET, /* read what comes, then reset the connection */
};

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
	enum srv_mode mode;
	SSL_CTX *ctx; /* answer over TLS */
	char sni[256]; /* the server name the client sent */
	const unsigned char *alpn; /* protocols the server accepts (wire) */
	size_t alpn_len;
	int close_notify; /* the client's close_notify came */
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
	SSL *ssl = bufferevent_openssl_get_ssl(bev);

	(void)arg;
	if (ssl != NULL && (SSL_get_shutdown(ssl) & SSL_RECEIVED_SHUTDOWN))
		srv.close_notify = 1;
	if (what & (BEV_EVENT_EOF | BEV_EVENT_ERROR))
		srv_close();
}

/* SRV_CLOSE and SRV_RESET: end the connection once something came. */
static void
srv_hangup_cb(struct bufferevent *bev, void *arg)
{
	struct linger l = { 1, 0 };

	(void)arg;
	evbuffer_drain(bufferevent_get_input(bev), (size_t)-1);
	if (srv.mode == SRV_RESET)
		setsockopt(bufferevent_getfd(bev), SOL_SOCKET, SO_LINGER, &l,
		    sizeof l);
	srv_close();
}

static void
srv_accept_cb(struct evconnlistener *lev, evutil_socket_t fd,
    struct sockaddr *sa, int len, void *arg)
{
	SSL *ssl;

	(void)lev;
	(void)sa;
	(void)len;
	(void)arg;
	srv_close();
	if (srv.ctx != NULL && srv.mode == SRV_ANSWER) {
		ck_assert_ptr_nonnull(ssl = SSL_new(srv.ctx));
		srv.bev = bufferevent_openssl_socket_new(base, fd, ssl,
		    BUFFEREVENT_SSL_ACCEPTING, BEV_OPT_CLOSE_ON_FREE);
		ck_assert_ptr_nonnull(srv.bev);
		bufferevent_openssl_set_allow_dirty_shutdown(srv.bev, 1);
	} else {
		srv.bev =
		    bufferevent_socket_new(base, fd, BEV_OPT_CLOSE_ON_FREE);
		ck_assert_ptr_nonnull(srv.bev);
	}
	switch (srv.mode) {
	case SRV_ANSWER:
		bufferevent_setcb(
		    srv.bev, srv_read_cb, srv_write_cb, srv_event_cb, NULL);
		bufferevent_enable(srv.bev, EV_READ | EV_WRITE);
		break;
	case SRV_SILENT:
		break;
	case SRV_CLOSE:
	case SRV_RESET:
		bufferevent_setcb(srv.bev, srv_hangup_cb, NULL, NULL, NULL);
		bufferevent_enable(srv.bev, EV_READ);
		break;
	}
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
	SSL_CTX_free(srv.ctx);
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

/* client_run: given up at once when told to stop; no TLS info over TCP. */
START_TEST(test_run_stops_and_reports_no_tls)
{
	struct client_request req = { .address = srv.addr };
	struct client_response resp;
	struct client_error err;
	struct client_tls_info ti;
	int stop = 1;

	serve("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok", 0);
	ck_assert_int_eq(
	    client_run(base, &req, &stop, &resp, &err, &ti), CLIENT_STOPPED);
	stop = 0;
	memset(&ti, 0xff, sizeof ti);
	ck_assert_int_eq(client_run(base, &req, &stop, &resp, &err, &ti), 0);
	ck_assert_str_eq(resp.body, "ok");
	ck_assert_int_eq(ti.attempted, 0);
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

/* --- TLS -------------------------------------------------------------- */

static struct certs *certs;
static char ca_path[64]; /* the CA as PEM, in the build directory */

static void
tls_setup(void)
{
	char *cause = NULL;

	setup();
	certs = certs_new(&cause);
	ck_assert_msg(certs != NULL, "certs_new: %s", cause);
	snprintf(
	    ca_path, sizeof ca_path, "check_client.%ld.ca.pem", (long)getpid());
	ck_assert_msg(certs_write_ca(certs, ca_path, &cause) == 0,
	    "certs_write_ca: %s", cause);
}

static void
tls_teardown(void)
{
	unlink(ca_path);
	certs_free(certs);
	teardown();
}

/* Record the server name the client sent. */
static int
srv_sni_cb(SSL *ssl, int *al, void *arg)
{
	const char *name = SSL_get_servername(ssl, TLSEXT_NAMETYPE_host_name);

	(void)al;
	(void)arg;
	snprintf(srv.sni, sizeof srv.sni, "%s", name != NULL ? name : "");
	return SSL_TLSEXT_ERR_OK;
}

/* ALPN: the server's first protocol the client offers, or a fatal alert. */
static int
srv_alpn_cb(SSL *ssl, const unsigned char **out, unsigned char *outlen,
    const unsigned char *in, unsigned int inlen, void *arg)
{
	(void)ssl;
	(void)arg;
	if (SSL_select_next_proto((unsigned char **)out, outlen, srv.alpn,
	        (unsigned int)srv.alpn_len, in,
	        inlen) != OPENSSL_NPN_NEGOTIATED)
		return SSL_TLSEXT_ERR_ALERT_FATAL;
	return SSL_TLSEXT_ERR_OK;
}

/*
 * Serve TLS min..max (OpenSSL's constants) with a certificate of this
 * kind for localhost and 127.0.0.1, sent with its CA; below TLS 1.2 at
 * security level 0, as tls.c does.
 */
static void
serve_tls(enum cert_kind kind, int min, int max)
{
	static const char *const names[] = { "localhost", "127.0.0.1" };
	X509 *cert = NULL, *ca = NULL;
	EVP_PKEY *key = NULL;
	char *cause = NULL;

	ck_assert_ptr_nonnull(srv.ctx = SSL_CTX_new(TLS_server_method()));
	if (min < TLS1_2_VERSION) {
		SSL_CTX_set_security_level(srv.ctx, 0);
		ck_assert_int_eq(
		    SSL_CTX_set_cipher_list(srv.ctx, "DEFAULT:@SECLEVEL=0"), 1);
	}
	ck_assert_int_eq(SSL_CTX_set_min_proto_version(srv.ctx, min), 1);
	ck_assert_int_eq(SSL_CTX_set_max_proto_version(srv.ctx, max), 1);
	ck_assert_msg(certs_issue(certs, kind, names, nitems(names), &cert,
	                  &key, &ca, &cause) == 0,
	    "certs_issue: %s", cause);
	ck_assert_int_eq(SSL_CTX_use_certificate(srv.ctx, cert), 1);
	ck_assert_int_eq(SSL_CTX_use_PrivateKey(srv.ctx, key), 1);
	if (ca != NULL)
		ck_assert_int_eq(SSL_CTX_add1_chain_cert(srv.ctx, ca), 1);
	X509_free(cert);
	EVP_PKEY_free(key);
	SSL_CTX_set_tlsext_servername_callback(srv.ctx, srv_sni_cb);
	SSL_CTX_set_alpn_select_cb(srv.ctx, srv_alpn_cb, NULL);
	srv.alpn = (const unsigned char *)"\x08http/1.1";
	srv.alpn_len = 9;
	serve("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok", 0);
}

struct tls_fetch {
	int done;
	struct client_error err;
	struct client_tls_info info;
	int has_info;
	struct client_response resp;
};

static void
tls_fetch_cb(struct client *c, void *arg)
{
	struct tls_fetch *f = arg;
	const struct client_tls_info *ti = client_tls_info(c);

	f->done = 1;
	f->err = *client_error(c);
	if (ti != NULL) {
		f->info = *ti;
		f->has_info = 1;
	}
	if (f->err.stage == CLIENT_STAGE_NONE) {
		f->resp = *client_response(c);
		memset(client_response(c), 0, sizeof f->resp);
	}
}

/*
 * GET / from the test server over TLS with these settings (cafile: the
 * CA, unless t says "none"); returns 0 if a response came, the rest in f.
 */
static int
fetch_tls(struct client_tls *t, uint64_t tls_timeout_us, struct tls_fetch *f)
{
	struct client_request req = {
		.address = srv.addr,
		.path = "/",
		.tls = t,
		.tls_timeout_us = tls_timeout_us,
	};
	struct client *c;

	memset(f, 0, sizeof *f);
	if (t->cafile == NULL)
		t->cafile = ca_path;
	else if (strcmp(t->cafile, "none") == 0)
		t->cafile = NULL;
	c = client_new(base, &req, tls_fetch_cb, f, &f->err);
	ck_assert_msg(c != NULL, "client_new: %s", f->err.message);
	while (!f->done)
		ck_assert_int_ne(event_base_loop(base, EVLOOP_ONCE), -1);
	client_free(c);
	ck_assert_int_eq(f->has_info, 1);
	ck_assert_int_eq(f->info.attempted, 1);
	return f->err.stage == CLIENT_STAGE_NONE ? 0 : -1;
}

/* Is s an RFC 3339 UTC time ("2026-11-23T10:00:00Z")? */
static int
is_rfc3339(const char *s)
{
	return strlen(s) == 20 && s[4] == '-' && s[7] == '-' && s[10] == 'T' &&
	    s[13] == ':' && s[16] == ':' && s[19] == 'Z';
}

START_TEST(test_tls_good_handshake)
{
	struct client_tls t = { 0 };
	struct tls_fetch f;

	serve_tls(CERT_GOOD, TLS1_2_VERSION, TLS1_3_VERSION);
	ck_assert_int_eq(fetch_tls(&t, 0, &f), 0);
	ck_assert_int_eq(f.resp.status, 200);
	ck_assert_str_eq(f.resp.body, "ok");
	ck_assert_int_eq(f.info.done, 1);
	ck_assert_str_eq(f.info.version, "TLSv1.3");
	ck_assert_str_eq(f.info.cipher, "TLS_AES_256_GCM_SHA384");
	ck_assert_str_eq(f.info.alpn, "");
	ck_assert_int_eq(f.info.verify_result, X509_V_OK);
	ck_assert_str_eq(f.info.verify_error, "ok");
	ck_assert_int_eq(f.info.alert_received, -1);
	ck_assert_str_eq(f.info.alert, "");
	/* The leaf and the CA that signed it, as the server sent them. */
	ck_assert_uint_eq(f.info.nchain, 2);
	ck_assert_str_eq(f.info.chain[0].subject, "CN=localhost");
	ck_assert_str_eq(f.info.chain[0].issuer, f.info.chain[1].subject);
	ck_assert_str_eq(f.info.chain[1].issuer, f.info.chain[1].subject);
	ck_assert(is_rfc3339(f.info.chain[0].not_before));
	ck_assert(is_rfc3339(f.info.chain[0].not_after));
	ck_assert_str_lt(f.info.chain[0].not_before, f.info.chain[0].not_after);
	/* An IP literal is verified against the IP SAN and sent no SNI. */
	ck_assert_str_eq(srv.sni, "");
	ck_assert_str_eq(f.resp.peer, srv.addr);
	client_response_clear(&f.resp);
	/* The client said close_notify before closing. */
	while (srv.bev != NULL)
		ck_assert_int_ne(event_base_loop(base, EVLOOP_ONCE), -1);
	ck_assert_int_eq(srv.close_notify, 1);
}
END_TEST

START_TEST(test_tls_server_name_is_sent_and_verified)
{
	struct client_tls t = { .server_name = "localhost", .max_version = 12 };
	struct tls_fetch f;

	serve_tls(CERT_GOOD, TLS1_2_VERSION, TLS1_3_VERSION);
	ck_assert_int_eq(fetch_tls(&t, 0, &f), 0);
	ck_assert_str_eq(srv.sni, "localhost");
	ck_assert_str_eq(f.info.version, "TLSv1.2");
	ck_assert_int_eq(f.info.verify_result, X509_V_OK);
	client_response_clear(&f.resp);
}
END_TEST

START_TEST(test_tls_client_capped_below_the_server)
{
	struct client_tls t = { .max_version = 12 };
	struct tls_fetch f;

	serve_tls(CERT_GOOD, TLS1_3_VERSION, TLS1_3_VERSION);
	ck_assert_int_eq(fetch_tls(&t, 0, &f), -1);
	ck_assert_int_eq(f.err.stage, CLIENT_STAGE_TLS);
	ck_assert_int_eq(f.err.failure, CLIENT_ERR_TLS);
	ck_assert_str_eq(f.err.message, "tlsv1 alert protocol version");
	ck_assert_int_eq(f.info.done, 0);
	ck_assert_int_eq(f.info.alert_received, 70);
	ck_assert_str_eq(f.info.alert, "protocol version");
	ck_assert_str_eq(f.info.verify_error, ""); /* never got that far */
	ck_assert_uint_eq(f.info.nchain, 0);
}
END_TEST

START_TEST(test_tls_server_only_old_versions)
{
	struct client_tls t = { 0 }; /* 1.2 to 1.3 */
	struct tls_fetch f;

	serve_tls(CERT_GOOD, TLS1_VERSION, TLS1_1_VERSION);
	ck_assert_int_eq(fetch_tls(&t, 0, &f), -1);
	ck_assert_int_eq(f.err.stage, CLIENT_STAGE_TLS);
	ck_assert_str_eq(f.err.message, "tlsv1 alert protocol version");
	ck_assert_int_eq(f.info.alert_received, 70);
}
END_TEST

START_TEST(test_tls10_when_both_allow_it)
{
	struct client_tls t = { .min_version = 10, .max_version = 10 };
	struct tls_fetch f;

	serve_tls(CERT_GOOD, TLS1_VERSION, TLS1_VERSION);
	ck_assert_int_eq(fetch_tls(&t, 0, &f), 0);
	ck_assert_str_eq(f.info.version, "TLSv1");
	ck_assert_int_eq(f.info.verify_result, X509_V_OK);
	ck_assert_str_eq(f.resp.body, "ok");
	client_response_clear(&f.resp);
}
END_TEST

START_TEST(test_tls_expired_certificate)
{
	struct client_tls t = { 0 };
	struct tls_fetch f;

	serve_tls(CERT_EXPIRED, TLS1_2_VERSION, TLS1_3_VERSION);
	ck_assert_int_eq(fetch_tls(&t, 0, &f), -1);
	ck_assert_int_eq(f.err.stage, CLIENT_STAGE_TLS);
	ck_assert_int_eq(f.err.failure, CLIENT_ERR_VERIFY);
	ck_assert_str_eq(f.err.message,
	    "certificate verify failed: certificate has expired");
	ck_assert_int_eq(f.info.done, 0);
	ck_assert_int_eq(f.info.verify_result, X509_V_ERR_CERT_HAS_EXPIRED);
	ck_assert_str_eq(f.info.verify_error, "certificate has expired");
	ck_assert_int_eq(f.info.alert_received, -1); /* we sent it */
	/* The chain is there to show what expired, and when. */
	ck_assert_uint_eq(f.info.nchain, 2);
	ck_assert_str_eq(f.info.chain[0].subject, "CN=localhost");
	ck_assert(is_rfc3339(f.info.chain[0].not_after));
}
END_TEST

START_TEST(test_tls_expired_certificate_insecure)
{
	struct client_tls t = { .insecure = 1 };
	struct tls_fetch f;

	serve_tls(CERT_EXPIRED, TLS1_2_VERSION, TLS1_3_VERSION);
	ck_assert_int_eq(fetch_tls(&t, 0, &f), 0);
	ck_assert_int_eq(f.resp.status, 200);
	ck_assert_int_eq(f.info.done, 1);
	ck_assert_int_eq(f.info.verify_result, X509_V_ERR_CERT_HAS_EXPIRED);
	ck_assert_str_eq(f.info.verify_error, "certificate has expired");
	client_response_clear(&f.resp);
}
END_TEST

START_TEST(test_tls_not_yet_valid)
{
	struct client_tls t = { 0 };
	struct tls_fetch f;

	serve_tls(CERT_NOT_YET_VALID, TLS1_2_VERSION, TLS1_3_VERSION);
	ck_assert_int_eq(fetch_tls(&t, 0, &f), -1);
	ck_assert_str_eq(f.err.message,
	    "certificate verify failed: certificate is not yet valid");
}
END_TEST

START_TEST(test_tls_wrong_host)
{
	struct client_tls t = { .server_name = "localhost" };
	struct tls_fetch f;

	serve_tls(CERT_WRONG_HOST, TLS1_2_VERSION, TLS1_3_VERSION);
	ck_assert_int_eq(fetch_tls(&t, 0, &f), -1);
	ck_assert_int_eq(f.err.stage, CLIENT_STAGE_TLS);
	ck_assert_int_eq(f.err.failure, CLIENT_ERR_VERIFY);
	ck_assert_str_eq(
	    f.err.message, "certificate verify failed: hostname mismatch");
	ck_assert_int_eq(f.info.verify_result, X509_V_ERR_HOSTNAME_MISMATCH);
}
END_TEST

START_TEST(test_tls_wrong_ip)
{
	struct client_tls t = { 0 };
	struct tls_fetch f;

	serve_tls(CERT_WRONG_HOST, TLS1_2_VERSION, TLS1_3_VERSION);
	ck_assert_int_eq(fetch_tls(&t, 0, &f), -1);
	ck_assert_str_eq(
	    f.err.message, "certificate verify failed: IP address mismatch");
}
END_TEST

START_TEST(test_tls_untrusted_ca)
{
	struct client_tls t = { 0 };
	struct tls_fetch f;

	serve_tls(CERT_UNTRUSTED_CA, TLS1_2_VERSION, TLS1_3_VERSION);
	ck_assert_int_eq(fetch_tls(&t, 0, &f), -1);
	ck_assert_int_eq(f.err.failure, CLIENT_ERR_VERIFY);
	ck_assert_str_eq(f.err.message,
	    "certificate verify failed: self-signed certificate in "
	    "certificate chain");
	ck_assert_int_eq(
	    f.info.verify_result, X509_V_ERR_SELF_SIGNED_CERT_IN_CHAIN);
}
END_TEST

START_TEST(test_tls_self_signed)
{
	struct client_tls t = { 0 };
	struct tls_fetch f;

	serve_tls(CERT_SELF_SIGNED, TLS1_2_VERSION, TLS1_3_VERSION);
	ck_assert_int_eq(fetch_tls(&t, 0, &f), -1);
	ck_assert_str_eq(f.err.message,
	    "certificate verify failed: self-signed certificate");
	ck_assert_uint_eq(f.info.nchain, 1);
	ck_assert_str_eq(f.info.chain[0].subject, f.info.chain[0].issuer);
}
END_TEST

START_TEST(test_tls_system_store_does_not_know_our_ca)
{
	struct client_tls t = { .cafile = "none" };
	struct tls_fetch f;

	serve_tls(CERT_GOOD, TLS1_2_VERSION, TLS1_3_VERSION);
	ck_assert_int_eq(fetch_tls(&t, 0, &f), -1);
	ck_assert_int_eq(f.err.failure, CLIENT_ERR_VERIFY);
	/* The server sends its CA, which the system does not trust. */
	ck_assert_str_eq(f.err.message,
	    "certificate verify failed: self-signed certificate in "
	    "certificate chain");
}
END_TEST

START_TEST(test_tls_server_never_speaks)
{
	struct client_tls t = { 0 };
	struct tls_fetch f;

	serve_tls(CERT_GOOD, TLS1_2_VERSION, TLS1_3_VERSION);
	srv.mode = SRV_SILENT;
	ck_assert_int_eq(fetch_tls(&t, 200000, &f), -1);
	ck_assert_int_eq(f.err.stage, CLIENT_STAGE_TLS);
	ck_assert_int_eq(f.err.failure, CLIENT_ERR_TIMEOUT);
	ck_assert_str_eq(f.err.message, "timed out after 200ms");
	ck_assert_int_eq(f.info.done, 0);
	ck_assert_int_eq(f.info.alert_received, -1);
}
END_TEST

START_TEST(test_tls_server_closes)
{
	struct client_tls t = { 0 };
	struct tls_fetch f;

	serve_tls(CERT_GOOD, TLS1_2_VERSION, TLS1_3_VERSION);
	srv.mode = SRV_CLOSE;
	ck_assert_int_eq(fetch_tls(&t, 0, &f), -1);
	ck_assert_int_eq(f.err.stage, CLIENT_STAGE_TLS);
	ck_assert_int_eq(f.err.failure, CLIENT_ERR_CLOSED);
	ck_assert_str_eq(f.err.message,
	    "the server closed the connection during the TLS handshake "
	    "(unexpected eof while reading)");
}
END_TEST

START_TEST(test_tls_server_resets)
{
	struct client_tls t = { 0 };
	struct tls_fetch f;

	serve_tls(CERT_GOOD, TLS1_2_VERSION, TLS1_3_VERSION);
	srv.mode = SRV_RESET;
	ck_assert_int_eq(fetch_tls(&t, 0, &f), -1);
	ck_assert_int_eq(f.err.stage, CLIENT_STAGE_TLS);
	ck_assert_int_eq(f.err.failure, CLIENT_ERR_SYSTEM);
	ck_assert_int_eq(f.err.code, ECONNRESET);
	ck_assert_str_eq(f.err.message, strerror(ECONNRESET));
}
END_TEST

START_TEST(test_tls_alpn_selected)
{
	static const char *const alpn[] = { "h2", "http/1.1" };
	struct client_tls t = { .alpn = alpn, .nalpn = 2 };
	struct tls_fetch f;

	serve_tls(CERT_GOOD, TLS1_2_VERSION, TLS1_3_VERSION);
	ck_assert_int_eq(fetch_tls(&t, 0, &f), 0);
	ck_assert_str_eq(f.info.alpn, "http/1.1");
	ck_assert_str_eq(f.resp.body, "ok");
	client_response_clear(&f.resp);
}
END_TEST

START_TEST(test_tls_alpn_h2_is_not_spoken)
{
	static const char *const alpn[] = { "h2", "http/1.1" };
	struct client_tls t = { .alpn = alpn, .nalpn = 2 };
	struct tls_fetch f;

	serve_tls(CERT_GOOD, TLS1_2_VERSION, TLS1_3_VERSION);
	srv.alpn = (const unsigned char *)"\x02h2\x08http/1.1";
	srv.alpn_len = 12;
	ck_assert_int_eq(fetch_tls(&t, 0, &f), -1);
	ck_assert_int_eq(f.err.stage, CLIENT_STAGE_HTTP);
	ck_assert_int_eq(f.err.failure, CLIENT_ERR_TLS);
	ck_assert_str_eq(f.err.message,
	    "the server selected ALPN protocol \"h2\": this client speaks "
	    "HTTP/1.1");
	ck_assert_int_eq(f.info.done, 1);
	ck_assert_str_eq(f.info.alpn, "h2");
}
END_TEST

START_TEST(test_tls_alpn_mismatch)
{
	static const char *const alpn[] = { "h2" };
	struct client_tls t = { .alpn = alpn, .nalpn = 1 };
	struct tls_fetch f;

	serve_tls(CERT_GOOD, TLS1_2_VERSION, TLS1_3_VERSION);
	ck_assert_int_eq(fetch_tls(&t, 0, &f), -1);
	ck_assert_int_eq(f.err.stage, CLIENT_STAGE_TLS);
	ck_assert_int_eq(f.err.failure, CLIENT_ERR_TLS);
	ck_assert_str_eq(f.err.message, "tlsv1 alert no application protocol");
	ck_assert_int_eq(f.info.alert_received, 120);
	ck_assert_str_eq(f.info.alert, "no application protocol");
}
END_TEST

START_TEST(test_tls_body_delimited_by_close)
{
	struct client_tls t = { 0 };
	struct tls_fetch f;

	serve_tls(CERT_GOOD, TLS1_2_VERSION, TLS1_3_VERSION);
	/* The server closes without close_notify: still the end. */
	serve("HTTP/1.0 200 OK\r\n\r\nuntil the end", 1);
	ck_assert_int_eq(fetch_tls(&t, 0, &f), 0);
	ck_assert_str_eq(f.resp.body, "until the end");
	client_response_clear(&f.resp);
}
END_TEST

START_TEST(test_tls_closed_in_the_body)
{
	struct client_tls t = { 0 };
	struct tls_fetch f;

	serve_tls(CERT_GOOD, TLS1_2_VERSION, TLS1_3_VERSION);
	serve("HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nabc", 1);
	ck_assert_int_eq(fetch_tls(&t, 0, &f), -1);
	ck_assert_int_eq(f.err.stage, CLIENT_STAGE_HTTP);
	ck_assert_int_eq(f.err.failure, CLIENT_ERR_CLOSED);
	ck_assert_str_eq(f.err.message,
	    "connection closed before the response was complete");
}
END_TEST

START_TEST(test_tls_reset_before_any_answer)
{
	struct client_tls t = { 0 };
	struct tls_fetch f;

	serve_tls(CERT_GOOD, TLS1_2_VERSION, TLS1_3_VERSION);
	srv.reset = 1;
	ck_assert_int_eq(fetch_tls(&t, 0, &f), -1);
	ck_assert_int_eq(f.err.stage, CLIENT_STAGE_HTTP);
	ck_assert_int_eq(f.err.failure, CLIENT_ERR_SYSTEM);
	ck_assert_int_eq(f.err.code, ECONNRESET);
	ck_assert_str_eq(f.err.message, strerror(ECONNRESET));
	ck_assert_int_eq(f.info.done, 1);
}
END_TEST

START_TEST(test_tls_no_answer_times_out_at_http)
{
	struct client_request req = { .address = srv.addr };
	struct client_tls t = { .cafile = ca_path };
	struct client_response resp;
	struct client_error err;

	serve_tls(CERT_GOOD, TLS1_2_VERSION, TLS1_3_VERSION);
	serve(NULL, 0);
	req.tls = &t;
	req.tls_timeout_us = 100000; /* passed, and no longer counts */
	req.response_timeout_us = 300000;
	ck_assert_int_eq(client_fetch(base, &req, &resp, &err), -1);
	ck_assert_int_eq(err.stage, CLIENT_STAGE_HTTP);
	ck_assert_int_eq(err.failure, CLIENT_ERR_TIMEOUT);
	ck_assert_str_eq(err.message, "timed out after 300ms");
	ck_assert_int_eq(srv.answered, 1);
}
END_TEST

/* Settings that cannot work fail at once, at the TLS stage. */
START_TEST(test_tls_bad_settings)
{
	static const char *const empty[] = { "" };
	static const struct {
		struct client_tls tls;
		const char *message;
	} cases[] = {
		{ { .min_version = 13, .max_version = 12 },
		    "no TLS versions from 13 to 12 (10 to 13: TLS 1.0 to "
		    "1.3)" },
		{ { .min_version = 9 },
		    "no TLS versions from 9 to 13 (10 to 13: TLS 1.0 to 1.3)" },
		{ { .cafile = "check_client.no-such.pem" },
		    "cannot load CA file check_client.no-such.pem: No such "
		    "file or directory" },
		{ { .alpn = empty, .nalpn = 1 },
		    "ALPN protocol \"\" is not 1 to 255 bytes" },
	};
	struct client_request req = { .address = srv.addr };
	struct client_error err;
	size_t i;

	for (i = 0; i < nitems(cases); i++) {
		req.tls = &cases[i].tls;
		ck_assert_ptr_null(
		    client_new(base, &req, count_cb, NULL, &err));
		ck_assert_int_eq(err.stage, CLIENT_STAGE_TLS);
		ck_assert_int_eq(err.failure, CLIENT_ERR_TLS);
		ck_assert_str_eq(err.message, cases[i].message);
	}
}
END_TEST

START_TEST(test_tls_free_during_the_handshake)
{
	struct client_request req = { .address = srv.addr };
	struct client_tls t = { .cafile = ca_path };
	struct client_error err;
	struct client *c;
	int called = 0;

	serve_tls(CERT_GOOD, TLS1_2_VERSION, TLS1_3_VERSION);
	srv.mode = SRV_SILENT;
	req.tls = &t;
	c = client_new(base, &req, count_cb, &called, &err);
	ck_assert_ptr_nonnull(c);
	while (client_stage(c) != CLIENT_STAGE_TLS)
		ck_assert_int_ne(event_base_loop(base, EVLOOP_ONCE), -1);
	ck_assert_int_eq(client_tls_info(c)->attempted, 1);
	client_free(c);
	event_base_loop(base, EVLOOP_NONBLOCK);
	ck_assert_int_eq(called, 0);
}
END_TEST

START_TEST(test_plain_request_has_no_tls_info)
{
	struct client_request req = { .address = srv.addr };
	struct client_error err;
	struct client *c;
	int called = 0;

	c = client_new(base, &req, count_cb, &called, &err);
	ck_assert_ptr_nonnull(c);
	ck_assert_ptr_null(client_tls_info(c));
	client_free(c);
}
END_TEST

static Suite *
client_suite(void)
{
	Suite *s = suite_create("client");
	TCase *tc = tcase_create("client");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_body_by_content_length);
	tcase_add_test(tc, test_run_stops_and_reports_no_tls);
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
	tcase_add_test(tc, test_plain_request_has_no_tls_info);
	suite_add_tcase(s, tc);

	tc = tcase_create("tls");
	tcase_add_checked_fixture(tc, tls_setup, tls_teardown);
	tcase_add_test(tc, test_tls_good_handshake);
	tcase_add_test(tc, test_tls_server_name_is_sent_and_verified);
	tcase_add_test(tc, test_tls_client_capped_below_the_server);
	tcase_add_test(tc, test_tls_server_only_old_versions);
	tcase_add_test(tc, test_tls10_when_both_allow_it);
	tcase_add_test(tc, test_tls_expired_certificate);
	tcase_add_test(tc, test_tls_expired_certificate_insecure);
	tcase_add_test(tc, test_tls_not_yet_valid);
	tcase_add_test(tc, test_tls_wrong_host);
	tcase_add_test(tc, test_tls_wrong_ip);
	tcase_add_test(tc, test_tls_untrusted_ca);
	tcase_add_test(tc, test_tls_self_signed);
	tcase_add_test(tc, test_tls_system_store_does_not_know_our_ca);
	tcase_add_test(tc, test_tls_server_never_speaks);
	tcase_add_test(tc, test_tls_server_closes);
	tcase_add_test(tc, test_tls_server_resets);
	tcase_add_test(tc, test_tls_alpn_selected);
	tcase_add_test(tc, test_tls_alpn_h2_is_not_spoken);
	tcase_add_test(tc, test_tls_alpn_mismatch);
	tcase_add_test(tc, test_tls_body_delimited_by_close);
	tcase_add_test(tc, test_tls_closed_in_the_body);
	tcase_add_test(tc, test_tls_reset_before_any_answer);
	tcase_add_test(tc, test_tls_no_answer_times_out_at_http);
	tcase_add_test(tc, test_tls_bad_settings);
	tcase_add_test(tc, test_tls_free_during_the_handshake);
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
