/*
 * stream.h: the bytes between the socket and HTTP, shaped by the stream
 * faults chosen when the connection was accepted (each direction: latency
 * with jitter, bandwidth, slicer, limit_data, slow_close, corrupt,
 * timeout, reset_peer). A connection without stream faults has no stream
 * and pays nothing, unless its service has live stream faults: then it
 * always has one, and the faults change while it is open
 * (stream_update).
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
	/* timeout's close is due (reset 0), or reset_peer's reset (1): end
	 * the connection now, for why. */
	void (*end)(void *arg, int reset, const char *why);
	void *arg;
};

/*
 * A stream over a connection's bufferevent applying these stream faults
 * (one of each type and direction at most; the first wins). Returns NULL
 * if there are none, unless live: a live stream stages both directions
 * even without faults (a pass-through), so that stream_update can change
 * them while the connection is open. NULL too if out of memory.
 */
struct stream *stream_new(struct bufferevent *,
    const struct fault_conf *const *, size_t, struct rng *,
    const struct stream_callbacks *, int live);

/*
 * A live stream's faults are now these: apply them in place. Bytes
 * already staged are neither lost, duplicated nor reordered (a removed
 * or changed latency or slicer lets what it held go at once; a timeout
 * or reset_peer drops them, as it does all its direction's bytes);
 * limit_data keeps its count while one applies; a timeout keeps its
 * deadline while it applies unchanged. Returns 0; 1 when a timeout fault
 * stopped applying (Toxiproxy: removing it closes the connection);
 * -1 if out of memory. Does nothing (0) on a stream that is not live.
 * Never calls a callback: what it releases goes from the loop.
 */
int stream_update(struct stream *, const struct fault_conf *const *, size_t);

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
 * The client sent its FIN: does a timeout fault on the upstream direction
 * say the connection ends now (Toxiproxy's timeout closes at its input's
 * end of stream)? 0 on NULL.
 */
int stream_eof_closes(const struct stream *);

/*
 * The connection is about to close: with slow_close, hold it and call
 * the closed callback later (returns 1); else return 0.
 */
int stream_hold_close(struct stream *);

#endif
