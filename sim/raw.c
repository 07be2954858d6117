/*
 * raw.c: raw bytes as a protocol of the pipeline (struct proto_ops in
 * pipeline.h), for a TCP proxy: what the client sends goes down to the
 * far end's byte stream as it comes, and nothing is parsed, so no http
 * or handshake fault applies. The far end writes what comes back into
 * the link's output and says how the connection ends (upstream.c).
 */
#include "config.h"

#include <stdlib.h>

#include "raw.h"

/* One connection's: its link and the far end's stream for it. */
struct raw_session {
	struct link *link;
	void *stream;
};

static void *
raw_open(struct link *link)
{
	const struct farend_ops *ops = link->farend->ops;
	struct raw_session *s;

	if (ops->stream_open == NULL)
		return NULL; /* a far end that answers requests: not here */
	s = calloc(1, sizeof *s);
	if (s == NULL)
		return NULL;
	s->link = link;
	s->stream = ops->stream_open(link->farend->impl, link);
	if (s->stream == NULL) {
		free(s);
		return NULL;
	}
	return s;
}

static enum flow
raw_input(void *arg)
{
	struct raw_session *s = arg;

	return s->link->farend->ops->stream_send(s->stream);
}

/* Nothing is ever held: the far end's bytes go out as they come. */
static enum flow
raw_held_eof(void *arg)
{
	(void)arg;
	return FLOW_HOLD;
}

/* The client's FIN goes on to the far end, which ends the connection. */
static enum flow
raw_eof(void *arg)
{
	struct raw_session *s = arg;

	s->link->farend->ops->stream_eof(s->stream);
	return FLOW_NEED;
}

static void
raw_close(void *arg)
{
	struct raw_session *s = arg;

	s->link->farend->ops->stream_close(s->stream, s->link->peer_reset);
	free(s);
}

const struct proto_ops raw_proto = {
	.name = "raw",
	.open = raw_open,
	.input = raw_input,
	.held_eof = raw_held_eof,
	.eof = raw_eof,
	.close = raw_close,
};
