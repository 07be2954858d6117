/*
 * listener.h: the listening socket of a service, and accepting from it.
 */
#ifndef STANDIN_LISTENER_H
#define STANDIN_LISTENER_H

#include <stddef.h>
#include <stdint.h>

struct event_base;
struct service;

struct listener;

/*
 * Bind and listen on host:port for a service. Returns NULL with the reason
 * in err ("cannot listen on 127.0.0.1:8081: Address already in use").
 */
struct listener *listener_open(struct event_base *, const char *host,
    uint16_t port, char *err, size_t errlen);

/* Hand accepted connections to this service from now on. */
void listener_attach(struct listener *, struct service *);

/* The bound address as "HOST:PORT" (the real port when 0 was asked). */
const char *listener_address(const struct listener *);

/* Was it opened for this host and port (port 0 matches any port 0)? */
int listener_matches(const struct listener *, const char *host, uint16_t port);

/* Close the socket; safe on NULL. */
void listener_free(struct listener *);

#endif
