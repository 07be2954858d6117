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
#include "persona.h"
#include "scenario.h"
#include "service.h"
#include "tls.h"
#include "util.h"

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
	free(svc->name);
	free(svc);
}
