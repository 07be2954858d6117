/*
 * stream.h: the bytes between the socket and HTTP, shaped by the stream
 * faults chosen when the connection was accepted (each direction: latency
 * with jitter, bandwidth, slicer, limit_data, slow_close, corrupt). A
 * connection without stream faults has no stream and pays nothing.
 */
#ifndef STANDIN_STREAM_H
#define STANDIN_STREAM_H

#include <stddef.h>
#include <stdint.h>

struct bufferevent;
struct evbuffer;
struct fault_conf;
struct rng;
struct stream;

/* What a stream tells its connection. */
struct stream_callbacks {
	void (*readable)(void *arg); /* shaped client bytes are in the input */
	void (*limit)(void *arg); /* limit_data reached or out of memory: end */
	void (*closed)(void *arg); /* a held close (slow_close) is due */
	void *arg;
};

/*
 * A stream over a connection's bufferevent applying these stream faults
 * (one of each type and direction at most; the first wins). Returns NULL
 * if there are none.
 */
struct stream *stream_new(struct bufferevent *,
    const struct fault_conf *const *, size_t, struct rng *,
    const struct stream_callbacks *);

/* Free a stream; safe on NULL. Call it before freeing the bufferevent. */
void stream_free(struct stream *);

/* Where the layer above writes (NULL: straight to the socket). */
struct evbuffer *stream_output(struct stream *);

/* Where the layer above reads (NULL: straight from the socket). */
struct evbuffer *stream_input(struct stream *);

/* The socket has bytes from the client: take them in. */
void stream_read(struct stream *);

/* Bytes the client sent that the stream holds yet (upstream faults). */
size_t stream_input_pending(const struct stream *);

/* Bytes written by the layer above and not yet handed to the socket. */
size_t stream_pending(const struct stream *);

/*
 * The connection is about to close: with slow_close, hold it and call
 * the closed callback later (returns 1); else return 0.
 */
int stream_hold_close(struct stream *);

#endif
