/*
 * check_stream.c: stream faults on a real bufferevent over a socket pair:
 * a live stream changed in place (stream_update) keeps every staged byte
 * once and in order, limit_data keeps its count, a removed timeout says
 * the connection ends; timeout and reset_peer end it when due.
 */
#include "config.h"

#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <check.h>
#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>

#include "fault.h"
#include "rng.h"
#include "stream.h"

/* A stream over one end of a socket pair, and what it told us. */
struct fixture {
	struct event_base *base;
	struct bufferevent *bev;
	struct rng rng;
	struct stream *stream;
	int fds[2];
	int limits, ends, reset;
	char why[128];
};

static void
fx_limit(void *arg)
{
	((struct fixture *)arg)->limits++;
}

static void
fx_end(void *arg, int reset, const char *why)
{
	struct fixture *fx = arg;

	fx->ends++;
	fx->reset = reset;
	snprintf(fx->why, sizeof fx->why, "%s", why);
}

/* The bufferevent writes nothing: released bytes wait in its output. */
static void
fx_init(struct fixture *fx)
{
	memset(fx, 0, sizeof *fx);
	ck_assert_int_eq(socketpair(AF_UNIX, SOCK_STREAM, 0, fx->fds), 0);
	fx->base = event_base_new();
	ck_assert_ptr_nonnull(fx->base);
	fx->bev = bufferevent_socket_new(fx->base, fx->fds[0], 0);
	ck_assert_ptr_nonnull(fx->bev);
	bufferevent_disable(fx->bev, EV_READ | EV_WRITE);
	rng_seed(&fx->rng, 1);
}

static void
fx_open(struct fixture *fx, const struct fault_conf *const *faults, size_t n,
    int live)
{
	struct stream_callbacks cb = { NULL, fx_limit, NULL, fx_end, fx };

	fx->stream = stream_new(fx->bev, faults, n, &fx->rng, &cb, live);
}

static void
fx_free(struct fixture *fx)
{
	stream_free(fx->stream);
	bufferevent_free(fx->bev);
	event_base_free(fx->base);
	close(fx->fds[0]);
	close(fx->fds[1]);
}

/* Run the loop for ms milliseconds (0: what is active now). */
static void
fx_run(struct fixture *fx, int ms)
{
	struct timeval tv = { ms / 1000, (ms % 1000) * 1000 };

	if (ms == 0) {
		event_base_loop(fx->base, EVLOOP_NONBLOCK);
		return;
	}
	event_base_loopexit(fx->base, &tv);
	event_base_dispatch(fx->base);
}

/* Write text downstream, as the layer above does. */
static void
fx_write(struct fixture *fx, const char *text)
{
	evbuffer_add(stream_output(fx->stream), text, strlen(text));
}

/* Take what reached the socket's output, as a string. */
static const char *
fx_out(struct fixture *fx)
{
	static char buf[256];
	struct evbuffer *out = bufferevent_get_output(fx->bev);
	size_t n = evbuffer_get_length(out);

	ck_assert_uint_lt(n, sizeof buf);
	/* libevent keeps its output's start frozen for its own writes. */
	evbuffer_unfreeze(out, 1);
	ck_assert_int_eq(evbuffer_remove(out, buf, n), (int)n);
	evbuffer_freeze(out, 1);
	buf[n] = '\0';
	return buf;
}

/* A downstream stream fault of that type, with its defaults. */
static struct fault_conf
fault(const char *type)
{
	struct fault_conf f;

	memset(&f, 0, sizeof f);
	f.kind = fault_kind_find(FAULT_LAYER_STREAM, type);
	ck_assert_ptr_nonnull(f.kind);
	f.probability = 1;
	f.times = -1;
	f.direction = FAULT_DIR_DOWNSTREAM;
	return f;
}

START_TEST(test_no_faults_no_stream_unless_live)
{
	struct fixture fx;

	fx_init(&fx);
	fx_open(&fx, NULL, 0, 0);
	ck_assert_ptr_null(fx.stream);
	fx_open(&fx, NULL, 0, 1);
	ck_assert_ptr_nonnull(fx.stream);
	ck_assert_ptr_nonnull(stream_output(fx.stream));
	ck_assert_ptr_nonnull(stream_input(fx.stream));
	/* A pass-through: bytes go at once. */
	fx_write(&fx, "abc");
	ck_assert_str_eq(fx_out(&fx), "abc");
	fx_free(&fx);
}
END_TEST

/* Latency removed: what it held goes now, once, in order. */
START_TEST(test_latency_removed_releases_in_order)
{
	struct fixture fx;
	struct fault_conf lat = fault("latency");
	const struct fault_conf *fs[] = { &lat };

	lat.args.latency.latency.dist = DELAY_FIXED;
	lat.args.latency.latency.a = 10 * 1000000; /* 10 s */
	fx_init(&fx);
	fx_open(&fx, NULL, 0, 1);
	ck_assert_int_eq(stream_update(fx.stream, fs, 1), 0);
	fx_write(&fx, "abc");
	fx_write(&fx, "def");
	fx_run(&fx, 50);
	ck_assert_str_eq(fx_out(&fx), "");
	ck_assert_uint_eq(stream_pending(fx.stream), 6);
	ck_assert_int_eq(stream_update(fx.stream, NULL, 0), 0);
	/* Nothing goes from inside stream_update: from the loop. */
	ck_assert_str_eq(fx_out(&fx), "");
	fx_run(&fx, 0);
	ck_assert_str_eq(fx_out(&fx), "abcdef");
	ck_assert_uint_eq(stream_pending(fx.stream), 0);
	fx_write(&fx, "ghi");
	ck_assert_str_eq(fx_out(&fx), "ghi");
	fx_run(&fx, 20);
	ck_assert_str_eq(fx_out(&fx), "");
	fx_free(&fx);
}
END_TEST

/* limit_data updated (10 -> 12) keeps counting from where it was. */
START_TEST(test_limit_count_survives_update)
{
	struct fixture fx;
	struct fault_conf lim = fault("limit_data");
	const struct fault_conf *fs[] = { &lim };

	fx_init(&fx);
	lim.args.limit_data.bytes = 10;
	fx_open(&fx, fs, 1, 1);
	fx_write(&fx, "012345");
	ck_assert_str_eq(fx_out(&fx), "012345");
	lim.args.limit_data.bytes = 12;
	ck_assert_int_eq(stream_update(fx.stream, fs, 1), 0);
	fx_run(&fx, 0);
	fx_write(&fx, "6789abcdef");
	ck_assert_str_eq(fx_out(&fx), "6789ab");
	ck_assert_int_eq(fx.limits, 1);
	fx_free(&fx);
}
END_TEST

/* limit_data that starts to apply on an open stream counts from 0. */
START_TEST(test_limit_added_counts_from_then)
{
	struct fixture fx;
	struct fault_conf lim = fault("limit_data");
	const struct fault_conf *fs[] = { &lim };

	fx_init(&fx);
	lim.args.limit_data.bytes = 4;
	fx_open(&fx, NULL, 0, 1);
	fx_write(&fx, "0123456789");
	ck_assert_str_eq(fx_out(&fx), "0123456789");
	ck_assert_int_eq(stream_update(fx.stream, fs, 1), 0);
	fx_write(&fx, "abcdef");
	ck_assert_str_eq(fx_out(&fx), "abcd");
	ck_assert_int_eq(fx.limits, 1);
	fx_free(&fx);
}
END_TEST

/* A timeout drops its bytes, closes when due, and going says so. */
START_TEST(test_timeout_drops_closes_and_removal_ends)
{
	struct fixture fx;
	struct fault_conf to = fault("timeout");
	const struct fault_conf *fs[] = { &to };

	fx_init(&fx);
	to.args.stream_timeout.timeout_us = 50000;
	fx_open(&fx, fs, 1, 0);
	ck_assert_ptr_nonnull(fx.stream);
	fx_write(&fx, "dropped");
	ck_assert_str_eq(fx_out(&fx), "");
	ck_assert_uint_eq(stream_pending(fx.stream), 0);
	ck_assert_int_eq(fx.ends, 0);
	fx_run(&fx, 150);
	ck_assert_int_eq(fx.ends, 1);
	ck_assert_int_eq(fx.reset, 0);
	ck_assert_str_eq(fx.why, "closed by a stream timeout fault");
	fx_free(&fx);

	/* Live, 0s: held; removed: the connection is to end. */
	fx_init(&fx);
	to.args.stream_timeout.timeout_us = 0;
	fx_open(&fx, NULL, 0, 1);
	ck_assert_int_eq(stream_update(fx.stream, fs, 1), 0);
	ck_assert_int_eq(stream_update(fx.stream, fs, 1), 0); /* unchanged */
	fx_write(&fx, "dropped");
	fx_run(&fx, 50);
	ck_assert_str_eq(fx_out(&fx), "");
	ck_assert_int_eq(fx.ends, 0);
	ck_assert_int_eq(stream_update(fx.stream, NULL, 0), 1);
	fx_free(&fx);
}
END_TEST

/* An upstream timeout: the client's FIN ends the connection. */
START_TEST(test_timeout_upstream_closes_at_eof)
{
	struct fixture fx;
	struct fault_conf to = fault("timeout");
	const struct fault_conf *fs[] = { &to };

	fx_init(&fx);
	fx_open(&fx, fs, 1, 0);
	ck_assert_int_eq(stream_eof_closes(fx.stream), 0); /* downstream */
	stream_free(fx.stream);
	to.direction = FAULT_DIR_UPSTREAM;
	fx_open(&fx, fs, 1, 0);
	ck_assert_int_eq(stream_eof_closes(fx.stream), 1);
	ck_assert_int_eq(stream_eof_closes(NULL), 0);
	fx_free(&fx);
}
END_TEST

/* reset_peer: nothing until the first bytes; then a reset when due. */
START_TEST(test_reset_peer_after_first_bytes)
{
	struct fixture fx;
	struct fault_conf rp = fault("reset_peer");
	const struct fault_conf *fs[] = { &rp };

	fx_init(&fx);
	rp.args.reset_peer.timeout_us = 50000;
	fx_open(&fx, fs, 1, 0);
	fx_run(&fx, 100);
	ck_assert_int_eq(fx.ends, 0); /* no bytes yet */
	fx_write(&fx, "first");
	ck_assert_str_eq(fx_out(&fx), "");
	fx_run(&fx, 20);
	ck_assert_int_eq(fx.ends, 0);
	fx_run(&fx, 100);
	ck_assert_int_eq(fx.ends, 1);
	ck_assert_int_eq(fx.reset, 1);
	fx_free(&fx);

	/* Removed before its time: no reset. */
	fx_init(&fx);
	fx_open(&fx, NULL, 0, 1);
	ck_assert_int_eq(stream_update(fx.stream, fs, 1), 0);
	fx_write(&fx, "first");
	ck_assert_int_eq(stream_update(fx.stream, NULL, 0), 0);
	fx_run(&fx, 100);
	ck_assert_int_eq(fx.ends, 0);
	fx_write(&fx, "then");
	ck_assert_str_eq(fx_out(&fx), "then");
	fx_free(&fx);
}
END_TEST

/* A stream made without live: stream_update changes nothing. */
START_TEST(test_update_not_live_does_nothing)
{
	struct fixture fx;
	struct fault_conf lat = fault("latency");
	struct fault_conf to = fault("timeout");
	const struct fault_conf *fs[] = { &lat };
	const struct fault_conf *ts[] = { &to };

	lat.args.latency.latency.a = 10 * 1000000;
	fx_init(&fx);
	fx_open(&fx, fs, 1, 0);
	fx_write(&fx, "held");
	ck_assert_int_eq(stream_update(fx.stream, ts, 1), 0);
	fx_run(&fx, 20);
	ck_assert_str_eq(fx_out(&fx), "");
	ck_assert_uint_eq(stream_pending(fx.stream), 4);
	fx_free(&fx);
}
END_TEST

static Suite *
stream_suite(void)
{
	Suite *s = suite_create("stream");
	TCase *tc = tcase_create("stream");

	tcase_add_test(tc, test_no_faults_no_stream_unless_live);
	tcase_add_test(tc, test_latency_removed_releases_in_order);
	tcase_add_test(tc, test_limit_count_survives_update);
	tcase_add_test(tc, test_limit_added_counts_from_then);
	tcase_add_test(tc, test_timeout_drops_closes_and_removal_ends);
	tcase_add_test(tc, test_timeout_upstream_closes_at_eof);
	tcase_add_test(tc, test_reset_peer_after_first_bytes);
	tcase_add_test(tc, test_update_not_live_does_nothing);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner *sr = srunner_create(stream_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? 0 : 1;
}
