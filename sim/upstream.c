/*
 * upstream.c: a proxy service's far end, the real service behind it (see
 * upstream.h). One bufferevent per client connection, dialled by name or
 * address without blocking the loop (evdns), with the service's connect
 * timeout. Bytes move between it and the link's buffers with watermarks
 * on both sides, so a slow reader pauses the upstream and a slow upstream
 * pauses the client: memory stays bounded.
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/bufferevent_ssl.h>
#include <event2/dns.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <event2/event.h>

#include "clock.h"
#include "journal.h"
#include "log.h"
#include "metrics.h"
#include "scenario.h"
#include "reply.h"
#include "upstream.h"
#include "upstream_http.h"
#include "upstream_tls.h"
#include "util.h"

/* Past this much unsent toward the client, the upstream is not read. */
#define UPSTREAM_DOWN_HIGH (1024 * 1024)
/* Past this much unsent toward the upstream, the client's bytes wait. */
#define UPSTREAM_UP_HIGH (1024 * 1024)
/*
 * What one read from the upstream asks the kernel for: 16 KB, doubled
 * while reads fill it (a bulk transfer), up to 256 KB; an answer that
 * fits in one read costs no more than that.
 */
#define UPSTREAM_READ_MIN (16 * 1024)
#define UPSTREAM_READ_MAX (256 * 1024)
/* While dials are refused, one probe every so often to see it back. */
#define UPSTREAM_PROBE_USEC 100000

struct upstream {
	struct pipeline *pipeline;
	struct evdns_base *dns; /* names and the hosts file, off the loop */
	char host[256];
	uint16_t port;
	char address[300]; /* "HOST:PORT", for journal and logs */
	enum upstream_down down_mode;
	uint64_t connect_timeout_us;
	uint64_t answer_timeout_us; /* "upstream_timeout" (http) */
	int http; /* "protocol": "http": requests, not bytes */
	SSL_CTX *tls; /* "upstream_tls": a client context, or NULL */
	struct upstream_tls_conf tls_conf; /* its server_name (copied) */
	char server_name[256];
	int refusing; /* the last dial was refused ("refuse" mode only) */
	struct bufferevent *probe; /* a dial to see it back, or NULL */
	struct event *probe_timer;
	void (*down)(void *, int);
	void *down_arg;
};

/* One client connection's connection to the upstream. */
struct upstream_stream {
	struct upstream *up;
	struct link *link;
	struct bufferevent *bev; /* the dial, and the bytes to the upstream */
	SSL *ssl; /* with upstream_tls: the session (the bufferevent's) */
	/*
	 * The upstream's bytes are read by hand, straight into link->out:
	 * a bufferevent reads 4 KB at a time (libevent 2.1's
	 * EVBUFFER_MAX_READ), a third of HAProxy's bulk throughput in the
	 * bench (432 MB/s against 1,591).
	 */
	struct event *rd;
	size_t chunk; /* what the next read asks for */
	struct evbuffer_cb_entry *out_cb; /* on link->out: it drained */
	int connected;
	int eof; /* the client's FIN is to be passed on once output drains */
	int waiting; /* the client's bytes wait for room (FLOW_NEED given) */
	int ended; /* the connection was told how it ends */
	uint64_t dial_us; /* when the dial began */
	uint64_t sent, received; /* bytes up and down */
	/* Why it ended, for the connection's close (it frees us after). */
	char reason[640];
	/*
	 * An http proxy's: the exchange, the upstream's bytes not parsed
	 * yet, the request waiting for its answer (ready, NULL if none).
	 * Its connection to the upstream may end between requests: the next
	 * request dials again ("gone").
	 */
	struct upstream_http *http;
	struct evbuffer *in;
	void (*ready)(void *, struct reply *);
	void *ready_arg;
	struct event *deadline; /* the waiting request's upstream_timeout */
	int timed_out; /* the last dial's connect_timeout passed */
	int in_ready; /* inside ready(): a close waits until it returns */
	int closed; /* ... and came: free once ready() returns */
};

static void upstream_stream_free(struct upstream_stream *);
static int upstream_dial(struct upstream_stream *);
static int upstream_http_fail(struct upstream_stream *, int, const char *);
static void upstream_end(struct upstream_stream *, enum flow, const char *);

/* Pass the upstream's write-side end on: its FIN once its output drains. */
static void
upstream_shutdown(struct upstream_stream *s)
{
	evutil_socket_t fd = bufferevent_getfd(s->bev);

	if (!s->eof || !s->connected || fd < 0 ||
	    evbuffer_get_length(bufferevent_get_output(s->bev)) != 0)
		return;
	if (s->ssl != NULL)
		SSL_shutdown(s->ssl); /* its close_notify */
	else
		shutdown(fd, SHUT_WR);
}

/* Journal how the proxied connection went. */
static void
upstream_journal_end(struct upstream_stream *s, const char *how)
{
	struct journal *j = s->link->pipeline->journal;
	struct journal_fields jf;

	if (j == NULL)
		return;
	journal_fields_init(&jf);
	journal_field_str(&jf, "upstream", s->up->address);
	journal_field_str(&jf, "ended", how);
	journal_field_int(&jf, "bytes_up", (int64_t)s->sent);
	journal_field_int(&jf, "bytes_down", (int64_t)s->received);
	journal_add_fields(
	    j, s->link->service, s->link->conn, "upstream_closed", &jf);
}

/*
 * Hand the waiting request its answer (an http proxy's). Returns 1 if the
 * stream is gone after (the connection closed in ready()): touch nothing.
 */
static int
upstream_http_deliver(struct upstream_stream *s, struct reply *r)
{
	void (*ready)(void *, struct reply *) = s->ready;

	s->ready = NULL;
	if (s->deadline != NULL)
		evtimer_del(s->deadline);
	s->in_ready = 1;
	ready(s->ready_arg, r);
	s->in_ready = 0;
	if (s->closed) {
		upstream_stream_free(s);
		return 1;
	}
	return 0;
}

/* The exchange's response is whole: hand it to the waiting request.
 * Returns 1 if the stream is gone after. */
static int
upstream_http_answer(struct upstream_stream *s)
{
	struct reply r;

	upstream_http_reply(s->http, &r);
	return upstream_http_deliver(s, &r);
}

/* The upstream closed: a body that runs to the close is whole now.
 * Returns 1 if the stream is gone after. */
static int
upstream_http_closed(struct upstream_stream *s)
{
	if (s->ready == NULL || !upstream_http_eof(s->http))
		return 0;
	return upstream_http_answer(s);
}

/* Answer the waiting request with status for why (502, 504). */
static int
upstream_http_fail(struct upstream_stream *s, int status, const char *why)
{
	struct reply r;

	reply_init(&r);
	reply_error(&r, status,
	    status == 504 ? "gateway_timeout" : "bad_gateway", "%s", why);
	r.route = "upstream";
	return upstream_http_deliver(s, &r);
}

/*
 * Parse what the upstream sent against the waiting request; answer it
 * when its response is whole. Returns 1 if the stream is gone after.
 */
static int
upstream_http_feed(struct upstream_stream *s)
{
	struct evbuffer_iovec v;
	const char *why;
	size_t used;
	int rc;

	while (evbuffer_get_length(s->in) > 0) {
		if (s->ready == NULL) { /* nothing asked: not an answer */
			evbuffer_drain(s->in, evbuffer_get_length(s->in));
			return 0;
		}
		if (evbuffer_peek(s->in, -1, NULL, &v, 1) < 1)
			return 0;
		rc = upstream_http_input(
		    s->http, v.iov_base, v.iov_len, &used, &why);
		evbuffer_drain(s->in, used);
		if (rc == 1) {
			if (upstream_http_answer(s))
				return 1;
			continue;
		}
		if (rc < 0) {
			snprintf(s->reason, sizeof s->reason,
			    "upstream %s: its answer is not HTTP: %s",
			    s->up->address, why);
			evbuffer_drain(s->in, evbuffer_get_length(s->in));
			upstream_end(s, FLOW_RESET, s->reason);
			return s->closed;
		}
		if (used < v.iov_len)
			return 0;
	}
	return 0;
}

/* Tell the connection how it ends (once): the link may be gone after. */
static void
upstream_end(struct upstream_stream *s, enum flow flow, const char *reason)
{
	struct link *l = s->link;

	if (s->ended)
		return;
	s->ended = 1;
	upstream_journal_end(s, reason);
	bufferevent_disable(s->bev, EV_READ | EV_WRITE);
	if (s->rd != NULL)
		event_del(s->rd);
	if (s->http != NULL) {
		/* An http proxy goes on with its client: an answer waited
		 * for is a 502 (504 if the dial timed out). */
		if (s->ready != NULL)
			upstream_http_fail(s, s->timed_out ? 504 : 502, reason);
		return;
	}
	l->reason = reason;
	l->wake(l, flow);
}

/*
 * The upstream is readable: one recv() into the client's output, unless
 * that is full (then reading waits for upstream_out_cb); its end or its
 * reset ends the connection.
 */
static void
upstream_read_cb(evutil_socket_t fd, short what, void *arg)
{
	struct upstream_stream *s = arg;
	struct evbuffer *out = s->http != NULL ? s->in : s->link->out;
	struct evbuffer_iovec v;
	ssize_t n = -1;
	int err;

	(void)what;
	if (s->chunk == 0)
		s->chunk = UPSTREAM_READ_MIN;
	if (evbuffer_reserve_space(out, (ev_ssize_t)s->chunk, &v, 1) == 1) {
		n = recv(fd, v.iov_base, v.iov_len, 0);
		err = errno;
		v.iov_len = n > 0 ? (size_t)n : 0;
		evbuffer_commit_space(out, &v, 1);
	} else
		err = ENOMEM;
	if (n > 0) {
		if ((size_t)n >= s->chunk && s->chunk < UPSTREAM_READ_MAX)
			s->chunk *= 2;
		else if ((size_t)n < s->chunk / 4)
			s->chunk = UPSTREAM_READ_MIN;
		s->received += (uint64_t)n;
		metrics_proxied_bytes(s->link->pipeline->metrics,
		    s->link->service, "downstream", (uint64_t)n);
		if (s->http != NULL) {
			(void)upstream_http_feed(s);
			return;
		}
		if (evbuffer_get_length(out) >= UPSTREAM_DOWN_HIGH)
			event_del(s->rd); /* upstream_out_cb resumes */
		return;
	}
	if (n < 0 && (err == EAGAIN || err == EWOULDBLOCK || err == EINTR))
		return;
	if (n == 0) {
		if (s->http != NULL && upstream_http_closed(s))
			return;
		upstream_end(s, FLOW_CLOSE, "upstream closed");
		return;
	}
	snprintf(s->reason, sizeof s->reason, "upstream %s",
	    err == ECONNRESET ? "reset the connection"
	                      : evutil_socket_error_to_string(err));
	upstream_end(s, FLOW_RESET, s->reason);
}

/*
 * With upstream_tls the bufferevent reads (and decrypts): its bytes go
 * down to the client, unless that is full (upstream_out_cb resumes).
 */
static void
upstream_tls_read_cb(struct bufferevent *bev, void *arg)
{
	struct upstream_stream *s = arg;
	struct evbuffer *in = bufferevent_get_input(bev);
	size_t n = evbuffer_get_length(in);

	s->received += n;
	metrics_proxied_bytes(
	    s->link->pipeline->metrics, s->link->service, "downstream", n);
	if (s->http != NULL) {
		evbuffer_add_buffer(s->in, in);
		(void)upstream_http_feed(s);
		return;
	}
	evbuffer_add_buffer(s->link->out, in);
	if (evbuffer_get_length(s->link->out) >= UPSTREAM_DOWN_HIGH)
		bufferevent_disable(bev, EV_READ);
}

/* The client's side drained: read the upstream again. */
static void
upstream_out_cb(
    struct evbuffer *out, const struct evbuffer_cb_info *info, void *arg)
{
	struct upstream_stream *s = arg;

	if (info->n_deleted == 0 || !s->connected || s->ended ||
	    evbuffer_get_length(out) >= UPSTREAM_DOWN_HIGH / 2)
		return;
	if (s->ssl != NULL)
		bufferevent_enable(s->bev, EV_READ);
	else if (!event_pending(s->rd, EV_READ, NULL))
		event_add(s->rd, NULL);
}

/* Output to the upstream fell to the low watermark. */
static void
upstream_write_cb(struct bufferevent *bev, void *arg)
{
	struct upstream_stream *s = arg;
	struct link *l = s->link;

	(void)bev;
	upstream_shutdown(s);
	if (s->waiting) {
		s->waiting = 0;
		l->wake(l, FLOW_NEXT); /* last: the link may be gone after */
	}
}

static void upstream_probe_start(struct upstream *);
static void upstream_probe_cb(evutil_socket_t, short, void *);

/* Dials are refused (or get through again): tell the service. */
static void
upstream_refused(struct upstream *up, int refusing)
{
	if (up->down_mode != UPSTREAM_DOWN_REFUSE || up->refusing == refusing)
		return;
	up->refusing = refusing;
	log_msg(refusing ? LOG_WARN : LOG_INFO, NULL, "upstream %s %s",
	    up->address,
	    refusing ? "refuses connections: so does the proxy"
	             : "accepts connections again");
	if (refusing)
		upstream_probe_start(up);
	if (up->down != NULL)
		up->down(up->down_arg, refusing);
}

/*
 * How a connection whose upstream could not be had ends: "close" with a
 * FIN, "drop" with a FIN only if the client has said nothing yet (closing
 * a socket with bytes unread is an RST), the others with an RST.
 */
static enum flow
upstream_down_flow(const struct upstream_stream *s)
{
	switch (s->up->down_mode) {
	case UPSTREAM_DOWN_CLOSE:
		return FLOW_CLOSE;
	case UPSTREAM_DOWN_DROP:
		return s->sent == 0 && evbuffer_get_length(s->link->in) == 0
		    ? FLOW_CLOSE
		    : FLOW_RESET;
	default:
		return FLOW_RESET;
	}
}

/* A dial failed: the client sees what "upstream_down" says. */
static void
upstream_dial_failed(
    struct upstream_stream *s, short what, int err, unsigned long tls_err)
{
	struct upstream *up = s->up;
	int timed_out = (what & BEV_EVENT_TIMEOUT) != 0;
	char limit[32], why[300];

	s->timed_out = timed_out;
	if (tls_err != 0 ||
	    (s->ssl != NULL && SSL_get_verify_result(s->ssl) != X509_V_OK)) {
		upstream_tls_error(s->ssl, tls_err, why, sizeof why);
		snprintf(s->reason, sizeof s->reason, "upstream %s: %s",
		    up->address, why);
		err = 0;
	} else if (what & BEV_EVENT_EOF) {
		snprintf(s->reason, sizeof s->reason,
		    "upstream %s: closed during the TLS handshake",
		    up->address);
		err = 0;
	} else if (timed_out) {
		duration_format(up->connect_timeout_us, limit, sizeof limit);
		snprintf(s->reason, sizeof s->reason,
		    "upstream %s: no connection within %s", up->address, limit);
	} else
		snprintf(s->reason, sizeof s->reason, "upstream %s: %s",
		    up->address,
		    err != 0 ? evutil_socket_error_to_string(err)
		             : "cannot resolve its name");
	metrics_upstream_dial(s->link->pipeline->metrics, s->link->service,
	    timed_out                 ? "timeout"
	        : err == ECONNREFUSED ? "refused"
	                              : "failed");
	if (err == ECONNREFUSED)
		upstream_refused(up, 1);
	/* Refused while the proxy refuses: a reset is the nearest thing
	 * for a connection that was accepted before it was known. */
	upstream_end(s, upstream_down_flow(s), s->reason);
}

/* Connected, closed, reset, timed out. */
static void
upstream_event_cb(struct bufferevent *bev, short what, void *arg)
{
	struct upstream_stream *s = arg;
	struct journal *j = s->link->pipeline->journal;
	struct journal_fields jf;
	int err = EVUTIL_SOCKET_ERROR();

	if (what & BEV_EVENT_CONNECTED) {
		s->connected = 1;
		metrics_upstream_dial(
		    s->link->pipeline->metrics, s->link->service, "connected");
		bufferevent_set_timeouts(bev, NULL, NULL);
		if (s->ssl != NULL) {
			bufferevent_enable(bev, EV_READ);
			goto connected;
		}
		s->rd =
		    event_new(s->link->pipeline->base, bufferevent_getfd(bev),
		        EV_READ | EV_PERSIST, upstream_read_cb, s);
		if (s->rd == NULL) {
			upstream_end(s, FLOW_RESET, "out of memory");
			return;
		}
		event_add(s->rd, NULL);
	connected:
		upstream_refused(s->up, 0);
		if (j != NULL) {
			journal_fields_init(&jf);
			journal_field_str(&jf, "upstream", s->up->address);
			journal_field_int(&jf, "dial_us",
			    (int64_t)(clock_now_us() - s->dial_us));
			journal_add_fields(j, s->link->service, s->link->conn,
			    "upstream_connected", &jf);
		}
		upstream_shutdown(s); /* the client may have closed already */
		return;
	}
	if (!s->connected) {
		if (what & BEV_EVENT_ERROR &&
		    bufferevent_socket_get_dns_error(bev) != 0)
			err = 0;
		upstream_dial_failed(s, what, err,
		    s->ssl != NULL ? bufferevent_get_openssl_error(bev) : 0);
		ERR_clear_error();
		return;
	}
	if (s->ssl != NULL) {
		unsigned long e = bufferevent_get_openssl_error(bev);

		/* Its reads are the bufferevent's: the rest goes down first.
		 * An end with no error of the socket's, once the client's end
		 * went on (close_notify), or with none of TLS's, is a close. */
		ERR_clear_error();
		if (s->http != NULL) {
			evbuffer_add_buffer(s->in, bufferevent_get_input(bev));
			if (upstream_http_feed(s))
				return;
			if ((what & BEV_EVENT_EOF) && upstream_http_closed(s))
				return;
		} else
			upstream_tls_read_cb(bev, s);
		if ((what & BEV_EVENT_EOF) ||
		    (err == 0 && (e == 0 || s->eof))) {
			upstream_end(s, FLOW_CLOSE, "upstream closed");
			return;
		}
		if (e != 0) {
			upstream_tls_error(
			    NULL, e, s->reason, sizeof s->reason);
			upstream_end(s, FLOW_RESET, s->reason);
			return;
		}
	}
	/* A write failed (a plain upstream's reads are upstream_read_cb's). */
	snprintf(s->reason, sizeof s->reason, "upstream %s",
	    err == ECONNRESET ? "reset the connection"
	                      : evutil_socket_error_to_string(err));
	upstream_end(s, FLOW_RESET, s->reason);
}

/*
 * Dial the upstream for a stream (again, for an http proxy whose last
 * connection ended): a failure comes through upstream_event_cb, deferred,
 * never from in here. Returns 0, or -1 if out of memory.
 */
static int
upstream_dial(struct upstream_stream *s)
{
	struct upstream *up = s->up;
	struct event_base *base = s->link->pipeline->base;
	struct timeval tv = clock_tv(up->connect_timeout_us);

	if (s->rd != NULL)
		event_free(s->rd);
	if (s->bev != NULL)
		bufferevent_free(s->bev); /* and its SSL */
	s->rd = NULL;
	s->bev = NULL;
	s->ssl = NULL;
	s->connected = s->ended = s->timed_out = 0;
	s->chunk = 0;
	if (s->in != NULL)
		evbuffer_drain(s->in, evbuffer_get_length(s->in));
	/* Deferred: a dial that fails at once must not wake the link from
	 * inside its own opening. */
	if (up->tls != NULL) {
		s->ssl = upstream_tls_session(up->tls, &up->tls_conf, up->host);
		if (s->ssl == NULL)
			return -1;
		s->bev = bufferevent_openssl_socket_new(base, -1, s->ssl,
		    BUFFEREVENT_SSL_CONNECTING,
		    BEV_OPT_CLOSE_ON_FREE | BEV_OPT_DEFER_CALLBACKS);
		if (s->bev == NULL) {
			SSL_free(s->ssl); /* not the bufferevent's yet */
			s->ssl = NULL;
			return -1;
		}
		/* An upstream that closes without close_notify has closed. */
		bufferevent_openssl_set_allow_dirty_shutdown(s->bev, 1);
	} else
		s->bev = bufferevent_socket_new(
		    base, -1, BEV_OPT_CLOSE_ON_FREE | BEV_OPT_DEFER_CALLBACKS);
	if (s->bev == NULL)
		return -1;
	bufferevent_setcb(s->bev, s->ssl != NULL ? upstream_tls_read_cb : NULL,
	    upstream_write_cb, upstream_event_cb, s);
	/* Large writes: a bulk upload should not go 16 KB a call. */
	bufferevent_set_max_single_write(s->bev, UPSTREAM_UP_HIGH);
	bufferevent_setwatermark(s->bev, EV_WRITE, UPSTREAM_UP_HIGH / 2, 0);
	bufferevent_set_timeouts(s->bev, NULL, &tv);
	s->dial_us = clock_now_us();
	(void)bufferevent_socket_connect_hostname(
	    s->bev, up->dns, AF_UNSPEC, up->host, up->port);
	return 0;
}

static void *
upstream_stream_open(void *impl, struct link *link)
{
	struct upstream *up = impl;
	struct upstream_stream *s;

	s = calloc(1, sizeof *s);
	if (s == NULL)
		return NULL;
	s->up = up;
	s->link = link;
	if (up->http) {
		s->http = upstream_http_new();
		s->in = evbuffer_new();
		if (s->http == NULL || s->in == NULL)
			goto fail;
	} else if ((s->out_cb = evbuffer_add_cb(
	                link->out, upstream_out_cb, s)) == NULL)
		goto fail;
	if (upstream_dial(s) != 0)
		goto fail;
	return s;
fail:
	upstream_stream_free(s);
	return NULL;
}

static enum flow
upstream_stream_send(void *arg)
{
	struct upstream_stream *s = arg;
	struct evbuffer *out = bufferevent_get_output(s->bev);
	size_t n = evbuffer_get_length(s->link->in);

	if (s->ended) {
		evbuffer_drain(s->link->in, n); /* the end is on its way */
		return FLOW_NEED;
	}
	if (evbuffer_get_length(out) >= UPSTREAM_UP_HIGH) {
		s->waiting = 1; /* upstream_write_cb wakes the link */
		return FLOW_NEED;
	}
	s->sent += n;
	metrics_proxied_bytes(
	    s->link->pipeline->metrics, s->link->service, "upstream", n);
	evbuffer_add_buffer(out, s->link->in);
	return FLOW_NEED;
}

static void
upstream_stream_eof(void *arg)
{
	struct upstream_stream *s = arg;

	s->eof = 1;
	upstream_shutdown(s);
}

static void
upstream_stream_free(struct upstream_stream *s)
{
	if (s->out_cb != NULL)
		evbuffer_remove_cb_entry(s->link->out, s->out_cb);
	if (s->rd != NULL)
		event_free(s->rd);
	if (s->bev != NULL)
		bufferevent_free(s->bev);
	upstream_http_free(s->http);
	if (s->in != NULL)
		evbuffer_free(s->in);
	if (s->deadline != NULL)
		event_free(s->deadline);
	free(s);
}

static void
upstream_stream_close(void *arg, int reset)
{
	struct upstream_stream *s = arg;
	struct linger lg = { 1, 0 };
	evutil_socket_t fd = s->bev != NULL ? bufferevent_getfd(s->bev) : -1;

	if (!s->ended)
		upstream_journal_end(
		    s, reset ? "client reset" : "client closed");
	/* The client reset: so does the upstream's connection (linger 0). */
	if (reset && fd >= 0)
		setsockopt(fd, SOL_SOCKET, SO_LINGER, &lg, sizeof lg);
	s->ready = NULL; /* never after the close */
	if (s->in_ready) {
		s->closed = 1; /* upstream_http_deliver() frees it */
		return;
	}
	upstream_stream_free(s);
}

/* The waiting request's upstream_timeout passed: a 504, a new dial next. */
static void
upstream_deadline_cb(evutil_socket_t fd, short what, void *arg)
{
	struct upstream_stream *s = arg;
	char limit[32];

	(void)fd;
	(void)what;
	if (s->ready == NULL)
		return;
	duration_format(s->up->answer_timeout_us, limit, sizeof limit);
	snprintf(s->reason, sizeof s->reason,
	    "upstream %s: no answer within %s", s->up->address, limit);
	s->timed_out = 1;
	if (s->ended)
		(void)upstream_http_fail(s, 504, s->reason);
	else
		upstream_end(s, FLOW_RESET, s->reason);
}

/* An http proxy's request: out to the upstream, answered by ready(). */
static void
upstream_ask(void *arg, const struct request *req,
    void (*ready)(void *, struct reply *), void *ready_arg)
{
	struct upstream_stream *s = arg;
	struct timeval tv = clock_tv(s->up->answer_timeout_us);
	struct evbuffer *out;
	size_t before;

	s->ready = ready;
	s->ready_arg = ready_arg;
	if (s->deadline == NULL)
		s->deadline = evtimer_new(
		    s->link->pipeline->base, upstream_deadline_cb, s);
	if (s->deadline != NULL)
		evtimer_add(s->deadline, &tv);
	/* Its last connection ended between requests: dial again. */
	if (s->ended && upstream_dial(s) != 0)
		return; /* out of memory: the request waits for its client */
	out = bufferevent_get_output(s->bev);
	before = evbuffer_get_length(out);
	(void)upstream_http_request(s->http, req, out);
	s->sent += evbuffer_get_length(out) - before;
	metrics_proxied_bytes(s->link->pipeline->metrics, s->link->service,
	    "upstream", evbuffer_get_length(out) - before);
}

/* The label of an http proxy's requests in the metrics. */
static const char *
upstream_route(void *impl, const struct request *req)
{
	(void)impl;
	(void)req;
	return "upstream";
}

/* A probe's dial ended: the upstream accepts, refuses, or is silent. */
static void
upstream_probe_event_cb(struct bufferevent *bev, short what, void *arg)
{
	struct upstream *up = arg;
	struct timeval tv = clock_tv(UPSTREAM_PROBE_USEC);
	int err = EVUTIL_SOCKET_ERROR();

	(void)bev;
	bufferevent_free(up->probe);
	up->probe = NULL;
	if (what & BEV_EVENT_CONNECTED)
		upstream_refused(up, 0);
	else if (!up->refusing && (what & BEV_EVENT_ERROR) &&
	    err == ECONNREFUSED)
		upstream_refused(up, 1); /* probes on */
	else if (up->refusing)
		evtimer_add(up->probe_timer, &tv);
}

/* Dial once, to see whether the upstream accepts. */
static void
upstream_probe(struct upstream *up)
{
	struct timeval tv = clock_tv(up->connect_timeout_us);

	if (up->probe != NULL)
		return;
	up->probe = bufferevent_socket_new(up->pipeline->base, -1,
	    BEV_OPT_CLOSE_ON_FREE | BEV_OPT_DEFER_CALLBACKS);
	if (up->probe == NULL)
		return;
	bufferevent_setcb(up->probe, NULL, NULL, upstream_probe_event_cb, up);
	bufferevent_set_timeouts(up->probe, NULL, &tv);
	(void)bufferevent_socket_connect_hostname(
	    up->probe, up->dns, AF_UNSPEC, up->host, up->port);
}

/* Time for a probe while dials are refused. */
static void
upstream_probe_cb(evutil_socket_t fd, short what, void *arg)
{
	struct upstream *up = arg;

	(void)fd;
	(void)what;
	if (up->refusing)
		upstream_probe(up);
}

/* Start probing (refused dials): at once, then every UPSTREAM_PROBE_USEC. */
static void
upstream_probe_start(struct upstream *up)
{
	struct timeval tv = clock_tv(UPSTREAM_PROBE_USEC);

	if (up->probe == NULL && !evtimer_pending(up->probe_timer, NULL))
		evtimer_add(up->probe_timer, &tv);
}

int
upstream_configure(struct upstream *up, const struct service_conf *conf)
{
	SSL_CTX *tls = NULL;
	char err[512];

	if (conf->upstream_tls.enabled &&
	    (tls = upstream_tls_ctx(&conf->upstream_tls, err, sizeof err)) ==
	        NULL) {
		log_msg(LOG_ERROR, conf->name, "upstream_tls: %s", err);
		return -1;
	}
	/* Sessions hold their context: open connections keep theirs. */
	SSL_CTX_free(up->tls);
	up->tls = tls;
	up->tls_conf = conf->upstream_tls;
	snprintf(up->server_name, sizeof up->server_name, "%s",
	    conf->upstream_tls.server_name != NULL
	        ? conf->upstream_tls.server_name
	        : "");
	up->tls_conf.server_name =
	    up->server_name[0] != '\0' ? up->server_name : NULL;
	up->tls_conf.ca_file = up->tls_conf.cert_file = NULL;
	up->tls_conf.key_file = NULL; /* the conf's: not kept */
	snprintf(up->host, sizeof up->host, "%s", conf->upstream_host);
	up->port = conf->upstream_port;
	snprintf(up->address, sizeof up->address, "%s", conf->upstream);
	up->down_mode = conf->upstream_down;
	up->http = conf->protocol_http;
	up->answer_timeout_us = conf->upstream_timeout_us;
	up->connect_timeout_us = conf->connect_timeout_us;
	if (up->down_mode != UPSTREAM_DOWN_REFUSE && up->refusing) {
		up->refusing = 0;
		if (up->down != NULL)
			up->down(up->down_arg, 0);
	}
	return 0;
}

struct upstream *
upstream_new(struct pipeline *p, const struct service_conf *conf,
    void (*down)(void *, int), void *arg)
{
	struct upstream *up = calloc(1, sizeof *up);

	if (up == NULL)
		return NULL;
	up->pipeline = p;
	up->down = down;
	up->down_arg = arg;
	up->dns = evdns_base_new(p->base,
	    EVDNS_BASE_INITIALIZE_NAMESERVERS |
	        EVDNS_BASE_DISABLE_WHEN_INACTIVE);
	up->probe_timer = evtimer_new(p->base, upstream_probe_cb, up);
	if (up->dns == NULL || up->probe_timer == NULL) {
		upstream_free(up);
		return NULL;
	}
	if (upstream_configure(up, conf) != 0) {
		upstream_free(up);
		return NULL;
	}
	/* Refusing from the start if it is down at the start. */
	if (up->down_mode == UPSTREAM_DOWN_REFUSE)
		upstream_probe(up);
	return up;
}

void
upstream_free(struct upstream *up)
{
	if (up == NULL)
		return;
	if (up->probe != NULL)
		bufferevent_free(up->probe);
	if (up->probe_timer != NULL)
		event_free(up->probe_timer);
	if (up->dns != NULL)
		evdns_base_free(up->dns, 0);
	SSL_CTX_free(up->tls);
	free(up);
}

const struct farend_ops upstream_farend = {
	.name = "upstream",
	.stream_open = upstream_stream_open,
	.stream_send = upstream_stream_send,
	.stream_eof = upstream_stream_eof,
	.stream_close = upstream_stream_close,
	.ask = upstream_ask,
	.route = upstream_route,
};
