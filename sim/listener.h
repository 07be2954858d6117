/*
 * listener.h: the listening socket of a service, and accepting from it.
 * What becomes of an accepted socket is its owner's business (accept.c).
 */
#ifndef STANDIN_LISTENER_H
#define STANDIN_LISTENER_H

#include <stddef.h>
#include <stdint.h>

#include <event2/util.h>

struct event_base;
struct sockaddr;

struct listener;

/* What becomes of an accepted socket: the owner's, which takes it over. */
typedef void listener_accept_fn(
    evutil_socket_t, const struct sockaddr *, int, void *arg);

/*
 * Bind and listen on host:port for a service. Returns NULL with the reason
 * in err ("cannot listen on 127.0.0.1:8081: Address already in use").
 */
struct listener *listener_open(struct event_base *, const char *host,
    uint16_t port, char *err, size_t errlen);

/*
 * Hand accepted sockets to fn(arg) from now on; name (kept, not copied)
 * is what the logs call the listener's owner.
 */
void listener_attach(
    struct listener *, listener_accept_fn *, void *arg, const char *name);

/* The bound address as "HOST:PORT" (the real port when 0 was asked). */
const char *listener_address(const struct listener *);

/* Was it opened for this host and port (port 0 matches any port 0)? */
int listener_matches(const struct listener *, const char *host, uint16_t port);

/*
 * Apply the listener states of the connect faults: with refuse the socket
 * is closed (the kernel answers RST to SYN: ECONNREFUSED) and bound again
 * when refuse ends; with stall accepting stops and connections wait in the
 * backlog. Returns 0, or -1 with err set if the socket cannot be bound
 * again.
 */
int listener_set_faults(
    struct listener *, int refuse, int stall, char *err, size_t errlen);

/* Close the socket; safe on NULL. */
void listener_free(struct listener *);

#endif
