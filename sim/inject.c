/* inject.c: the active faults, and choosing among them with the seed. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "inject.h"
#include "journal.h"
#include "log.h"
#include "metrics.h"
#include "request.h"
#include "route.h"
#include "scenario.h"
#include "util.h"

void
inject_init(struct injector *in, uint64_t seed, struct journal *journal,
    struct metrics *metrics)
{
	memset(in, 0, sizeof *in);
	inject_reseed(in, seed);
	in->journal = journal;
	in->metrics = metrics;
	in->next_id = 1;
}

void
inject_reseed(struct injector *in, uint64_t seed)
{
	rng_seed_stream(&in->rng, seed, "faults");
}

void
inject_activate(struct injector *in, const struct scenario *sc,
    const struct phase_conf *phase)
{
	struct inject_rule *rules;
	size_t i, n = in->napi, want;

	want = in->napi + sc->nfaults + (phase != NULL ? phase->nfaults : 0);
	rules = realloc(in->rules, (want > 0 ? want : 1) * sizeof *in->rules);
	if (rules == NULL) {
		/* Out of memory: keep the API's faults, and say so. */
		log_error("phase %s: out of memory, its faults are not active",
		    phase != NULL ? phase->name : "(none)");
		in->nrules = in->napi;
		return;
	}
	in->rules = rules;
	in->nrules = want;
	memset(in->rules + n, 0, (in->nrules - n) * sizeof *in->rules);
	for (i = 0; i < sc->nfaults; i++) {
		in->rules[n].fault = &sc->faults[i];
		in->rules[n].index = i;
		n++;
	}
	for (i = 0; phase != NULL && i < phase->nfaults; i++) {
		in->rules[n].fault = &phase->faults[i];
		in->rules[n].phase = phase->name;
		in->rules[n].index = i;
		n++;
	}
}

uint64_t
inject_add(struct injector *in, struct fault_conf *faults, size_t n)
{
	struct fault_conf **own;
	struct inject_rule *rules;
	uint64_t first = in->next_id;
	size_t i;

	/* Everything that can fail first: then nothing changes on failure. */
	own = calloc(n > 0 ? n : 1, sizeof *own);
	rules = own == NULL
	    ? NULL
	    : realloc(in->rules, (in->nrules + n + 1) * sizeof *in->rules);
	for (i = 0; rules != NULL && i < n; i++) {
		if ((own[i] = malloc(sizeof **own)) == NULL)
			break;
	}
	if (rules != NULL)
		in->rules = rules;
	if (rules == NULL || i < n) {
		while (own != NULL && i > 0)
			free(own[--i]);
		free(own);
		return 0;
	}
	memmove(in->rules + in->napi + n, in->rules + in->napi,
	    (in->nrules - in->napi) * sizeof *in->rules);
	for (i = 0; i < n; i++) {
		*own[i] = faults[i];
		memset(&faults[i], 0, sizeof faults[i]);
		memset(&in->rules[in->napi + i], 0, sizeof *in->rules);
		in->rules[in->napi + i].fault = own[i];
		in->rules[in->napi + i].id = in->next_id++;
	}
	free(own);
	in->napi += n;
	in->nrules += n;
	return first;
}

int
inject_remove(struct injector *in, uint64_t id)
{
	struct fault_conf *own;
	size_t i;

	for (i = 0; i < in->napi; i++) {
		if (in->rules[i].id != id)
			continue;
		own = (struct fault_conf *)in->rules[i].fault;
		fault_conf_clear(own);
		free(own);
		memmove(in->rules + i, in->rules + i + 1,
		    (in->nrules - i - 1) * sizeof *in->rules);
		in->napi--;
		in->nrules--;
		return 0;
	}
	return -1;
}

void
inject_remove_all(struct injector *in)
{
	while (in->napi > 0)
		inject_remove(in, in->rules[0].id);
}

void
inject_rule_id(const struct inject_rule *r, char *buf, size_t len)
{
	if (r->id != 0)
		snprintf(buf, len, "%llu", (unsigned long long)r->id);
	else if (r->phase != NULL)
		snprintf(buf, len, "phase/%s/%zu", r->phase, r->index);
	else
		snprintf(buf, len, "scenario/%zu", r->index);
}

size_t
inject_count(const struct injector *in)
{
	return in->nrules;
}

size_t
inject_count_api(const struct injector *in)
{
	return in->napi;
}

const struct inject_rule *
inject_rule(const struct injector *in, size_t i)
{
	return i < in->nrules ? &in->rules[i] : NULL;
}

const struct inject_rule *
inject_find(const struct injector *in, const char *id)
{
	char rid[160];
	size_t i;

	for (i = 0; i < in->nrules; i++) {
		inject_rule_id(&in->rules[i], rid, sizeof rid);
		if (strcmp(rid, id) == 0)
			return &in->rules[i];
	}
	return NULL;
}

/* Does the rule's service filter let this service through? */
static int
inject_service_fits(const struct fault_conf *f, const char *service)
{
	return f->service == NULL || strcmp(f->service, service) == 0;
}

/* Does the rule fit the context beyond its service? */
static int
inject_rule_fits(const struct fault_conf *f, const struct inject_ctx *ctx)
{
	const struct request *req = ctx->req;
	enum fault_at at = ctx->at;
	unsigned does = f->kind->does;

	if (does & FAULT_IS_STATE)
		return 0; /* states of the listener, see inject_state() */
	if (does & FAULT_PAST_LIMIT)
		return ctx->open_conns >= (size_t)f->args.max_connections.limit;
	if (does & FAULT_HELLO_ONLY)
		return ctx->hello;
	if (f->kind->layer != FAULT_LAYER_HTTP)
		return 1;
	if (f->needs_answer) {
		/* These damage an answer: there is none before the persona. */
		if (at != FAULT_AT_RESPONSE)
			return 0;
	} else if (f->at != at)
		return 0;
	if (req == NULL)
		return 0;
	if (f->match_method != NULL &&
	    strcmp(f->match_method, req->method) != 0)
		return 0;
	if (f->match_path != NULL &&
	    !route_match(f->match_path, req->path, NULL))
		return 0;
	return 1;
}

/* Journal a decision to inject. */
static void
inject_journal(struct injector *in, const struct inject_rule *r,
    const char *service, uint64_t conn, double draw)
{
	json_t *o;
	char id[160];

	metrics_fault(in->metrics, service,
	    fault_layer_name(r->fault->kind->layer), r->fault->kind->name);
	if (in->journal == NULL)
		return;
	inject_rule_id(r, id, sizeof id);
	o = json_pack("{s:s, s:s, s:s?, s:I, s:s}", "layer",
	    fault_layer_name(r->fault->kind->layer), "type",
	    r->fault->kind->name, "phase", r->phase, "rule",
	    (json_int_t)r->index, "id", id);
	if (o == NULL)
		return;
	if (r->fault->probability < 1)
		json_object_set_new(o, "draw", json_real(draw));
	journal_add(in->journal, service, conn, "fault", o);
}

/* Pick from rule `from` on; *at is set to the rule chosen. */
static const struct fault_conf *
inject_pick_from(struct injector *in, enum fault_layer layer,
    const struct inject_ctx *ctx, size_t from, size_t *at)
{
	struct inject_rule *r;
	double draw = 0;
	size_t i;

	for (i = from; i < in->nrules; i++) {
		r = &in->rules[i];
		if (r->fault->kind->layer != layer ||
		    !inject_service_fits(r->fault, ctx->service) ||
		    !inject_rule_fits(r->fault, ctx))
			continue;
		if (r->fault->times >= 0 && r->used >= r->fault->times)
			continue;
		if (r->fault->probability < 1) {
			draw = rng_uniform(&in->rng);
			if (draw >= r->fault->probability)
				continue;
		}
		r->used++;
		inject_journal(in, r, ctx->service, ctx->conn, draw);
		*at = i;
		return r->fault;
	}
	return NULL;
}

const struct fault_conf *
inject_pick(
    struct injector *in, enum fault_layer layer, const struct inject_ctx *ctx)
{
	size_t at;

	return inject_pick_from(in, layer, ctx, 0, &at);
}

size_t
inject_pick_all(struct injector *in, enum fault_layer layer,
    const struct inject_ctx *ctx, const struct fault_conf **out, size_t max)
{
	size_t n = 0, from = 0, at;

	while (n < max &&
	    (out[n] = inject_pick_from(in, layer, ctx, from, &at)) != NULL) {
		n++;
		from = at + 1;
	}
	return n;
}

const struct fault_conf *
inject_state(
    const struct injector *in, const char *service, enum fault_type type)
{
	size_t i;

	for (i = 0; i < in->nrules; i++) {
		if (in->rules[i].fault->kind->type == type &&
		    inject_service_fits(in->rules[i].fault, service))
			return in->rules[i].fault;
	}
	return NULL;
}

void
inject_free(struct injector *in)
{
	inject_remove_all(in);
	free(in->rules);
	in->rules = NULL;
	in->nrules = 0;
}
