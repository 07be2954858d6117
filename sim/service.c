/*
 * service.c: a running service and the references that keep it alive.
 * It chooses what its connections speak (HTTP) and what answers them (its
 * persona, with the scenario's stubs for it): the protocol and the far
 * end of the pipeline (pipeline.h).
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include <event2/event.h>

#include "http.h"
#include "listener.h"
#include "log.h"
#include "persona.h"
#include "raw.h"
#include "scenario.h"
#include "service.h"
#include "tls.h"
#include "upstream.h"
#include "util.h"

/* Apply the listener's state: the faults', and a refusing upstream's. */
static int
service_listen_apply(struct service *svc, char *err, size_t errlen)
{
	if (svc->listener == NULL)
		return 0;
	return listener_set_faults(svc->listener,
	    svc->fault_refuse || svc->upstream_refusing, svc->fault_stall, err,
	    errlen);
}

int
service_listen_faults(
    struct service *svc, int refuse, int stall, char *err, size_t errlen)
{
	svc->fault_refuse = refuse;
	svc->fault_stall = stall;
	return service_listen_apply(svc, err, errlen);
}

/* The upstream's lent callback: its dials are refused, or not any more. */
static void
service_upstream_down(void *arg, int refusing)
{
	struct service *svc = arg;
	char err[512];

	svc->upstream_refusing = refusing;
	if (service_listen_apply(svc, err, sizeof err) != 0)
		log_msg(LOG_ERROR, svc->name, "%s", err);
}

int
service_same_kind(const struct service *svc, const struct service_conf *conf)
{
	if (svc->conf == NULL)
		return 0;
	if ((svc->conf->upstream != NULL) != (conf->upstream != NULL))
		return 0;
	/* A connection's protocol is its service's: it cannot change. */
	if (svc->conf->protocol_http != conf->protocol_http)
		return 0;
	return conf->upstream != NULL || svc->conf->persona == conf->persona;
}

const char *
service_kind_name(const struct service *svc)
{
	if (svc->upstream != NULL)
		return "proxy";
	return persona_type_get(svc->conf->persona)->name;
}

struct service *
service_new(
    struct pipeline *pipeline, const struct service_conf *conf, uint64_t seed)
{
	struct service *svc;

	svc = xcalloc(1, sizeof *svc);
	svc->pipeline = pipeline;
	svc->name = xstrdup(conf->name);
	svc->conf = conf;
	svc->refs = 1;
	TAILQ_INIT(&svc->conns);
	if (conf->upstream != NULL) {
		/* A proxy: raw bytes to and from the real service. */
		svc->upstream =
		    upstream_new(pipeline, conf, service_upstream_down, svc);
		if (svc->upstream == NULL) {
			service_unref(svc);
			return NULL;
		}
		svc->farend.ops = &upstream_farend;
		svc->farend.impl = svc->upstream;
		/* "protocol": "http" parses requests, so http faults apply. */
		svc->proto = conf->protocol_http ? &http_proto : &raw_proto;
		return svc;
	}
	svc->persona = persona_new(conf, seed);
	if (svc->persona == NULL) {
		service_unref(svc);
		return NULL;
	}
	svc->farend.ops = &persona_farend;
	svc->farend.impl = svc->persona;
	svc->proto = &http_proto;
	return svc;
}

void
service_configure(struct service *svc, const struct service_conf *conf,
    const struct stub_conf *stubs, size_t nstubs)
{
	svc->conf = conf;
	if (svc->upstream != NULL) {
		if (conf != NULL)
			(void)upstream_configure(svc->upstream, conf);
		return;
	}
	if (conf == NULL) {
		persona_set_stubs(svc->persona, NULL, 0);
		return;
	}
	persona_configure(svc->persona, conf);
	persona_set_stubs(svc->persona, stubs, nstubs);
}

void
service_ref(struct service *svc)
{
	svc->refs++;
}

void
service_unref(struct service *svc)
{
	if (--svc->refs > 0)
		return;
	if (svc->sweep != NULL)
		event_free(svc->sweep);
	listener_free(svc->listener);
	tls_server_free(svc->tls);
	persona_free(svc->persona);
	upstream_free(svc->upstream);
	free(svc->name);
	free(svc);
}
