/*
 * listener.c: a service's listening socket, the first step of the
 * pipeline (pipeline.h): it accepts and hands each socket to its owner.
 * Accepting pauses for a second when the process runs out of descriptors,
 * rather than spinning. The refuse and stall_accept faults are states of
 * this socket (listener_set_faults).
 */
#include "config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include <event2/event.h>
#include <event2/listener.h>

#include "listener.h"
#include "log.h"
#include "util.h"

#define LISTEN_BACKLOG 1024

struct listener {
	struct evconnlistener *lev;
	listener_accept_fn *accept; /* the owner's, or NULL: none yet */
	void *arg;
	const char *name; /* the owner's name, for logs */
	struct event *resume; /* re-enables accepting after EMFILE */
	char host[256];
	uint16_t port; /* as asked: 0 means "any" */
	char address[300]; /* as bound */
	struct sockaddr_storage bound;
	socklen_t boundlen;
	int refusing, stalled;
};

static void listener_accept_cb(
    struct evconnlistener *, evutil_socket_t, struct sockaddr *, int, void *);
static void listener_error_cb(struct evconnlistener *, void *);
static void listener_resume_cb(evutil_socket_t, short, void *);

struct listener *
listener_open(struct event_base *base, const char *host, uint16_t port,
    char *err, size_t errlen)
{
	struct sockaddr_storage ss;
	struct listener *l;
	socklen_t len;
	int v6 = strchr(host, ':') != NULL;

	if ((l = calloc(1, sizeof *l)) == NULL) {
		snprintf(err, errlen, "cannot listen on %s:%u: out of memory",
		    host, port);
		return NULL;
	}
	snprintf(l->host, sizeof l->host, "%s", host);
	l->port = port;
	if (sockaddr_fill(host, port, &ss, &len) == -1) {
		snprintf(err, errlen,
		    "cannot listen on %s:%u: not an IP address", host, port);
		goto fail;
	}
	l->lev = evconnlistener_new_bind(base, listener_accept_cb, l,
	    LEV_OPT_CLOSE_ON_FREE | LEV_OPT_REUSEABLE | LEV_OPT_CLOSE_ON_EXEC,
	    LISTEN_BACKLOG, (struct sockaddr *)&ss, (int)len);
	if (l->lev == NULL) {
		snprintf(err, errlen, "cannot listen on %s%s%s:%u: %s",
		    v6 ? "[" : "", host, v6 ? "]" : "", port, strerror(errno));
		goto fail;
	}
	evconnlistener_set_error_cb(l->lev, listener_error_cb);
	evconnlistener_disable(l->lev); /* until a service is attached */

	len = sizeof ss;
	getsockname(
	    evconnlistener_get_fd(l->lev), (struct sockaddr *)&ss, &len);
	l->bound = ss;
	l->boundlen = len;
	sockaddr_format(&ss, l->address, sizeof l->address);
	l->resume = evtimer_new(base, listener_resume_cb, l);
	if (l->resume == NULL) {
		snprintf(err, errlen, "out of memory");
		goto fail;
	}
	return l;
fail:
	listener_free(l);
	return NULL;
}

void
listener_attach(
    struct listener *l, listener_accept_fn *fn, void *arg, const char *name)
{
	l->accept = fn;
	l->arg = arg;
	l->name = name;
	if (l->lev != NULL && !l->stalled)
		evconnlistener_enable(l->lev);
}

int
listener_set_faults(
    struct listener *l, int refuse, int stall, char *err, size_t errlen)
{
	struct event_base *base = event_get_base(l->resume);

	if (refuse && l->lev != NULL) {
		evconnlistener_free(l->lev);
		l->lev = NULL;
	} else if (!refuse && l->lev == NULL) {
		/* The port the OS chose (for port 0) is asked for again. */
		l->lev = evconnlistener_new_bind(base, listener_accept_cb, l,
		    LEV_OPT_CLOSE_ON_FREE | LEV_OPT_REUSEABLE |
		        LEV_OPT_CLOSE_ON_EXEC,
		    LISTEN_BACKLOG, (struct sockaddr *)&l->bound,
		    (int)l->boundlen);
		if (l->lev == NULL) {
			snprintf(err, errlen, "cannot listen on %s again: %s",
			    l->address, strerror(errno));
			return -1;
		}
		evconnlistener_set_error_cb(l->lev, listener_error_cb);
	}
	l->refusing = refuse;
	l->stalled = stall;
	if (l->lev != NULL) {
		if (stall || l->accept == NULL)
			evconnlistener_disable(l->lev);
		else
			evconnlistener_enable(l->lev);
	}
	return 0;
}

const char *
listener_address(const struct listener *l)
{
	return l->address;
}

int
listener_matches(const struct listener *l, const char *host, uint16_t port)
{
	return strcmp(l->host, host) == 0 && l->port == port;
}

void
listener_free(struct listener *l)
{
	if (l == NULL)
		return;
	if (l->lev != NULL)
		evconnlistener_free(l->lev);
	if (l->resume != NULL)
		event_free(l->resume);
	free(l);
}

/* A connection was accepted: hand it to the owner. */
static void
listener_accept_cb(struct evconnlistener *lev, evutil_socket_t fd,
    struct sockaddr *sa, int salen, void *arg)
{
	struct listener *l = arg;

	(void)lev;
	if (l->accept == NULL) {
		evutil_closesocket(fd);
		return;
	}
	l->accept(fd, sa, salen, l->arg);
}

/* accept() failed: on EMFILE and the like, pause a second and retry. */
static void
listener_error_cb(struct evconnlistener *lev, void *arg)
{
	struct listener *l = arg;
	struct timeval one = { 1, 0 };
	int e = EVUTIL_SOCKET_ERROR();

	log_msg(LOG_WARN, l->name, "accept on %s failed: %s; pausing for 1s",
	    l->address, evutil_socket_error_to_string(e));
	evconnlistener_disable(lev);
	evtimer_add(l->resume, &one);
}

static void
listener_resume_cb(evutil_socket_t fd, short what, void *arg)
{
	struct listener *l = arg;

	(void)fd;
	(void)what;
	if (l->lev != NULL && !l->stalled)
		evconnlistener_enable(l->lev);
}
