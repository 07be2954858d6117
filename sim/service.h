/*
 * service.h: one running service: its persona, its listener and the
 * connections it holds. A service outlives a scenario reload when its name
 * and persona stay, so its data sticks while standin runs.
 */
#ifndef STANDIN_SERVICE_H
#define STANDIN_SERVICE_H

#include <stddef.h>
#include <stdint.h>
#include <sys/queue.h>

#include "conn.h"

struct listener;
struct persona;
struct server;
struct service_conf;
struct stub_conf;
struct tls_server;

struct service {
	struct server *server;
	char *name;
	const struct service_conf
	    *conf; /* in server->scenario; NULL once removed */
	struct persona *persona;
	const struct stub_conf *
	    *stubs; /* the scenario's stubs for this service */
	size_t nstubs;
	struct listener *listener;
	struct tls_server *tls; /* NULL: plain TCP */
	struct conn_list conns;
	int refs; /* the server's, and one per connection */
	uint64_t connections; /* accepted so far */
	size_t nconns; /* open now */
	uint64_t requests; /* answered so far */
	TAILQ_ENTRY(service) entry;
};

TAILQ_HEAD(service_list, service);

/* A service for a scenario entry, with its persona; not yet listening. */
struct service *service_new(
    struct server *, const struct service_conf *, uint64_t seed);

/* Point a service at a (re)loaded scenario entry and its stubs. */
void service_configure(struct service *, const struct service_conf *,
    const struct stub_conf *stubs, size_t nstubs);

/* Take and drop references; the last drop frees it. */
void service_ref(struct service *);
void service_unref(struct service *);

/* Close every connection of the service (shutdown). */
void service_close_conns(struct service *, const char *reason);

#endif
