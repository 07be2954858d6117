/*
 * scenario_fault.c: read a scenario's faults and their delay
 * distributions, checked against the fault catalogue (fault.h).
 */
#include "config.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fault.h"
#include "scenario_impl.h"
#include "util.h"

static void scenario_fault_match_method(
    struct scenario_loader *, json_t *, void *);
static void scenario_fault_match_path(
    struct scenario_loader *, json_t *, void *);

static const struct scenario_key_rule scenario_fault_match_rules[] = {
	{ "method", 0, scenario_fault_match_method },
	{ "path", 0, scenario_fault_match_path },
};

/* The delay distributions and the keys each takes. */
struct scenario_fault_dist {
	const char *name;
	enum delay_dist dist;
	const char *keys[2]; /* a, then b (lognormal: sigma, a number) */
};

static const struct scenario_fault_dist scenario_fault_dists[] = {
	{ "fixed", DELAY_FIXED, { "value", NULL } },
	{ "uniform", DELAY_UNIFORM, { "min", "max" } },
	{ "normal", DELAY_NORMAL, { "mean", "stddev" } },
	{ "lognormal", DELAY_LOGNORMAL, { "median", "sigma" } },
};

/* Read one key of a distribution object into the delay. */
static void
scenario_fault_dist_key(struct scenario_loader *ld, json_t *v,
    const struct scenario_fault_dist *dr, size_t k, struct delay *d)
{
	if (dr->dist == DELAY_LOGNORMAL && k == 1) {
		if (scenario_read_expect(ld, v, JSON_REAL) != 0)
			return;
		if (json_number_value(v) <= 0) {
			char num[64];

			scenario_read_number_format(v, num, sizeof num);
			scenario_read_error(
			    ld, "must be more than 0, got %s", num);
			return;
		}
		d->sigma = json_number_value(v);
		return;
	}
	scenario_read_duration(ld, v, k == 0 ? &d->a : &d->b);
}

/* Report an unknown key of a distribution object. */
static void
scenario_fault_dist_unknown_key(struct scenario_loader *ld, const char *key,
    const struct scenario_fault_dist *dr)
{
	const char *names[3], *hint;
	char *list;
	size_t n = 0;

	names[n++] = "dist";
	names[n++] = dr->keys[0];
	if (dr->keys[1] != NULL)
		names[n++] = dr->keys[1];
	if ((hint = scenario_read_suggest(key, names, n)) != NULL) {
		scenario_read_error(ld, "unknown key (did you mean %s?)",
		    scenario_read_quote(ld, hint));
		return;
	}
	list = scenario_read_names_join(names + 1, n - 1, " and ");
	scenario_read_error(ld, "unknown key (a %s distribution takes %s)",
	    scenario_read_quote(ld, dr->name), list);
	free(list);
}

/*
 * Read a delay: a duration (fixed), or a distribution object such as
 * {"dist": "uniform", "min": "50ms", "max": "150ms"}.
 */
static void
scenario_fault_delay(struct scenario_loader *ld, json_t *v, struct delay *d)
{
	const char *names[nitems(scenario_fault_dists)], *key;
	const struct scenario_fault_dist *dr = NULL;
	json_t *dist, *e, *lo, *hi;
	uint64_t min, max;
	size_t i, k, saved;
	void *it;
	int idx;

	memset(d, 0, sizeof *d);
	if (json_is_string(v)) {
		d->dist = DELAY_FIXED;
		scenario_read_duration(ld, v, &d->a);
		return;
	}
	if (!json_is_object(v)) {
		scenario_read_error(ld,
		    "expected a duration or a distribution object, got %s",
		    scenario_read_type_name(v));
		return;
	}
	for (i = 0; i < nitems(scenario_fault_dists); i++)
		names[i] = scenario_fault_dists[i].name;
	/* Object first: the distribution decides which keys belong. */
	dist = json_object_get(v, "dist");
	if (dist == NULL)
		scenario_read_error(ld, "missing required key \"dist\"");
	else if (json_is_string(dist)) {
		for (i = 0; i < nitems(scenario_fault_dists); i++) {
			if (strcmp(json_string_value(dist), names[i]) == 0)
				dr = &scenario_fault_dists[i];
		}
	}
	for (k = 0; dr != NULL && k < nitems(dr->keys); k++) {
		if (dr->keys[k] != NULL &&
		    json_object_get(v, dr->keys[k]) == NULL)
			scenario_read_error(ld, "missing required key %s",
			    scenario_read_quote(ld, dr->keys[k]));
	}
	for (it = json_object_iter(v); it != NULL;
	     it = json_object_iter_next(v, it)) {
		key = json_object_iter_key(it);
		e = json_object_iter_value(it);
		saved = scenario_read_push(ld, key);
		if (strcmp(key, "dist") == 0) {
			idx = scenario_read_choice(
			    ld, e, "distribution", names, nitems(names));
			if (idx >= 0)
				d->dist = scenario_fault_dists[idx].dist;
		} else if (dr != NULL) {
			for (k = 0; k < nitems(dr->keys); k++) {
				if (dr->keys[k] != NULL &&
				    strcmp(key, dr->keys[k]) == 0)
					break;
			}
			if (k < nitems(dr->keys))
				scenario_fault_dist_key(ld, e, dr, k, d);
			else
				scenario_fault_dist_unknown_key(ld, key, dr);
		}
		scenario_read_pop(ld, saved);
	}
	lo = json_object_get(v, "min");
	hi = json_object_get(v, "max");
	if (dr != NULL && dr->dist == DELAY_UNIFORM && json_is_string(lo) &&
	    json_is_string(hi) &&
	    duration_parse(json_string_value(lo), &min) == 0 &&
	    duration_parse(json_string_value(hi), &max) == 0 && min > max) {
		scenario_read_error(ld, "min %s is more than max %s",
		    scenario_read_quote(ld, json_string_value(lo)),
		    scenario_read_quote(ld, json_string_value(hi)));
	}
}

/* Read a non-empty object of old name to new name. */
static void
scenario_fault_renames(
    struct scenario_loader *ld, json_t *v, struct fault_renames *val)
{
	const char *key;
	json_t *e;
	size_t saved, n;
	void *it;

	if (scenario_read_expect(ld, v, JSON_OBJECT) != 0)
		return;
	if ((n = json_object_size(v)) == 0) {
		scenario_read_error(ld, "must rename at least one name");
		return;
	}
	val->from = xcalloc(n, sizeof *val->from);
	val->to = xcalloc(n, sizeof *val->to);
	for (it = json_object_iter(v); it != NULL;
	     it = json_object_iter_next(v, it)) {
		key = json_object_iter_key(it);
		e = json_object_iter_value(it);
		saved = scenario_read_push(ld, key);
		if (*key == '\0')
			scenario_read_error(
			    ld, "the name to rename must not be empty");
		else if (scenario_read_expect(ld, e, JSON_STRING) != 0)
			;
		else if (*json_string_value(e) == '\0')
			scenario_read_error(ld, "must not be empty");
		else if (strcmp(key, json_string_value(e)) == 0)
			scenario_read_error(ld, "renames %s to itself",
			    scenario_read_quote(ld, key));
		else {
			n = val->n++;
			val->from[n] = xstrdup(key);
			val->to[n] = xstrdup(json_string_value(e));
		}
		scenario_read_pop(ld, saved);
	}
}

/*
 * Read the value of a fault's parameter as its kind says. The value is
 * marked present first, so that whatever was allocated is freed.
 */
static void
scenario_fault_param(struct scenario_loader *ld, json_t *v,
    const struct fault_param *p, struct fault_conf *fc, size_t i)
{
	void *val = fault_arg(fc, i);
	int64_t *ival = val;
	struct fault_strings *list = val;
	struct fault_headers *headers = val;
	struct fault_body *body = val;
	size_t n;
	int x;

	fc->present[i] = 1;
	switch (p->kind) {
	case FAULT_PARAM_DURATION:
		scenario_read_duration(ld, v, val);
		break;
	case FAULT_PARAM_DELAY:
		scenario_fault_delay(ld, v, val);
		break;
	case FAULT_PARAM_INT:
		if (scenario_read_expect(ld, v, JSON_INTEGER) != 0)
			break;
		if ((double)json_integer_value(v) < p->min ||
		    (p->max != 0 && (double)json_integer_value(v) > p->max))
			scenario_read_range_error(ld, v, p->min, p->max);
		else
			*ival = json_integer_value(v);
		break;
	case FAULT_PARAM_NUMBER:
		if (scenario_read_expect(ld, v, JSON_REAL) != 0)
			break;
		if (json_number_value(v) < p->min ||
		    (p->max != 0 && json_number_value(v) > p->max))
			scenario_read_range_error(ld, v, p->min, p->max);
		else
			*(double *)val = json_number_value(v);
		break;
	case FAULT_PARAM_STATUS:
		if ((x = scenario_read_status(ld, v)) != -1)
			*ival = x;
		break;
	case FAULT_PARAM_CHOICE:
		for (n = 0; p->choices[n] != NULL; n++)
			;
		if ((x = scenario_read_choice(ld, v, p->name, p->choices, n)) >=
		    0)
			*ival = x;
		break;
	case FAULT_PARAM_VERSIONS:
		scenario_read_versions(ld, v, &list->v, &list->n);
		break;
	case FAULT_PARAM_STRINGS:
		scenario_read_strings(ld, v, &list->v, &list->n);
		break;
	case FAULT_PARAM_RENAMES:
		scenario_fault_renames(ld, v, val);
		break;
	case FAULT_PARAM_HEADERS:
		scenario_read_headers(ld, v, &headers->v, &headers->n);
		break;
	case FAULT_PARAM_BODY:
		body->text = scenario_read_body(v, &body->len, &body->is_json);
		break;
	}
}

/* Fill in the default of every parameter not given that has one. */
static void
scenario_fault_param_defaults(struct scenario_loader *ld, struct fault_conf *fc)
{
	const struct fault_param *p;
	size_t i, saved;
	json_t *v;

	for (i = 0; i < fc->kind->nparams; i++) {
		p = &fc->kind->params[i];
		if (fc->present[i] || p->defval == NULL)
			continue;
		if (p->kind == FAULT_PARAM_DURATION ||
		    p->kind == FAULT_PARAM_DELAY ||
		    p->kind == FAULT_PARAM_CHOICE)
			v = json_string(p->defval);
		else
			v = json_loads(p->defval, JSON_DECODE_ANY, NULL);
		if (v == NULL) {
			fprintf(stderr, "standin: bad default %s of %s\n",
			    p->defval, p->name);
			abort();
		}
		/* A default is scenario text: a bad one reads as the key's. */
		saved = scenario_read_push(ld, p->name);
		scenario_fault_param(ld, v, p, fc, i);
		scenario_read_pop(ld, saved);
		json_decref(v);
	}
}

/* A fault's "service": a declared one. */
static void
scenario_fault_service(
    struct scenario_loader *ld, json_t *v, struct fault_conf *fc)
{
	const char *s;

	if (scenario_read_expect(ld, v, JSON_STRING) != 0)
		return;
	s = json_string_value(v);
	if (ld->services != NULL && json_object_get(ld->services, s) == NULL) {
		scenario_read_unknown_service(ld, s);
		return;
	}
	fc->service = xstrdup(s);
}

/* Does the catalogue have faults on this layer? */
static int
scenario_fault_layer_has_faults(enum fault_layer layer)
{
	size_t i;

	for (i = 0; i < nfault_kinds; i++) {
		if (fault_kinds[i].layer == layer)
			return 1;
	}
	return 0;
}

/* A fault's "layer": one with faults in this build, else a hint. */
static void
scenario_fault_layer(
    struct scenario_loader *ld, json_t *v, struct fault_conf *fc)
{
	const char *names[8], *all[8], *s, *hint;
	enum fault_layer layer;
	size_t n = 0, nall = 0;
	char *list;

	(void)fc;
	if (scenario_read_expect(ld, v, JSON_STRING) != 0)
		return;
	s = json_string_value(v);
	if (fault_layer_parse(s, &layer) == 0) {
		/* A layer of the design without faults in this build. */
		if (!scenario_fault_layer_has_faults(layer))
			scenario_read_error(
			    ld, "no %s faults in this standin", s);
		return;
	}
	for (layer = FAULT_LAYER_CONNECT; layer <= FAULT_LAYER_STREAM;
	     layer++) {
		all[nall++] = fault_layer_name(layer);
		if (scenario_fault_layer_has_faults(layer))
			names[n++] = fault_layer_name(layer);
	}
	if ((hint = scenario_read_suggest(s, all, nall)) != NULL) {
		scenario_read_error(ld, "unknown layer %s (did you mean %s?)",
		    scenario_read_quote(ld, s), scenario_read_quote(ld, hint));
		return;
	}
	list = scenario_read_names_join(names, n, " or ");
	scenario_read_error(
	    ld, "unknown layer %s (use %s)", scenario_read_quote(ld, s), list);
	free(list);
}

/* The layer a fault object names, read without reporting anything. */
static int
scenario_fault_peek_layer(json_t *obj, enum fault_layer *layer)
{
	json_t *v = json_object_get(obj, "layer");

	if (!json_is_string(v))
		return -1;
	return fault_layer_parse(json_string_value(v), layer);
}

/* A fault's "type": one of its layer's, else where it is or a hint. */
static void
scenario_fault_type(
    struct scenario_loader *ld, json_t *v, struct fault_conf *fc, json_t *obj)
{
	const char *names[32], *s, *hint;
	enum fault_layer layer;
	char *list;
	size_t i, n = 0;

	(void)fc;
	if (scenario_read_expect(ld, v, JSON_STRING) != 0)
		return;
	if (scenario_fault_peek_layer(obj, &layer) != 0)
		return; /* "layer" says what is wrong */
	s = json_string_value(v);
	for (i = 0; i < nfault_kinds && n < nitems(names); i++) {
		if (fault_kinds[i].layer == layer)
			names[n++] = fault_kinds[i].name;
	}
	if (n == 0 || fault_kind_find(layer, s) != NULL)
		return;
	for (i = 0; i < nfault_kinds; i++) {
		if (strcmp(fault_kinds[i].name, s) == 0) {
			scenario_read_error(ld,
			    "no fault type %s on layer %s (it is on layer %s)",
			    scenario_read_quote(ld, s),
			    scenario_read_quote(ld, fault_layer_name(layer)),
			    scenario_read_quote(
			        ld, fault_layer_name(fault_kinds[i].layer)));
			return;
		}
	}
	if ((hint = scenario_read_suggest(s, names, n)) != NULL) {
		scenario_read_error(ld,
		    "no fault type %s on layer %s (did you mean %s?)",
		    scenario_read_quote(ld, s),
		    scenario_read_quote(ld, fault_layer_name(layer)),
		    scenario_read_quote(ld, hint));
		return;
	}
	list = scenario_read_names_join(names, n, " or ");
	scenario_read_error(ld, "no fault type %s on layer %s (use %s)",
	    scenario_read_quote(ld, s),
	    scenario_read_quote(ld, fault_layer_name(layer)), list);
	free(list);
}

/*
 * refuse and stall_accept are states of the listener, not draws per
 * connection: a probability or a count would silently mean nothing.
 */
static int
scenario_fault_is_state(
    struct scenario_loader *ld, const struct fault_conf *fc, const char *key)
{
	if (fc->kind == NULL || (fc->kind->does & FAULT_IS_STATE) == 0)
		return 0;
	scenario_read_error(ld,
	    "connect %s faults are a state of the listener, not a draw: "
	    "they take no %s",
	    scenario_read_quote(ld, fc->kind->name),
	    scenario_read_quote(ld, key));
	return 1;
}

/* "probability": 0 to 1; a fault that is a listener state takes none. */
static void
scenario_fault_probability(
    struct scenario_loader *ld, json_t *v, struct fault_conf *fc)
{
	if (scenario_fault_is_state(ld, fc, "probability"))
		return;
	if (scenario_read_expect(ld, v, JSON_REAL) != 0)
		return;
	if (json_number_value(v) < 0 || json_number_value(v) > 1) {
		scenario_read_range_error(ld, v, 0, 1);
		return;
	}
	fc->probability = json_number_value(v);
}

/* "times": 1 or more; a fault that is a listener state takes none. */
static void
scenario_fault_times(
    struct scenario_loader *ld, json_t *v, struct fault_conf *fc)
{
	if (scenario_fault_is_state(ld, fc, "times"))
		return;
	if (scenario_read_expect(ld, v, JSON_INTEGER) != 0)
		return;
	if (json_integer_value(v) < 1) {
		scenario_read_range_error(ld, v, 1, 0);
		return;
	}
	fc->times = json_integer_value(v);
}

/* "direction" of a stream fault: both, upstream or downstream. */
static void
scenario_fault_direction(
    struct scenario_loader *ld, json_t *v, struct fault_conf *fc)
{
	static const char *const names[] = { "both", "upstream", "downstream" };
	static const enum fault_direction dirs[] = { FAULT_DIR_BOTH,
		FAULT_DIR_UPSTREAM, FAULT_DIR_DOWNSTREAM };
	int i;

	if ((i = scenario_read_choice(
	         ld, v, "direction", names, nitems(names))) >= 0)
		fc->direction = dirs[i];
}

/* "at" of an http fault: request or response. */
static void
scenario_fault_at(struct scenario_loader *ld, json_t *v, struct fault_conf *fc)
{
	static const char *const names[] = { "request", "response" };
	static const enum fault_at ats[] = { FAULT_AT_REQUEST,
		FAULT_AT_RESPONSE };
	int i;

	if ((i = scenario_read_choice(ld, v, "value", names, nitems(names))) >=
	    0)
		fc->at = ats[i];
}

static void
scenario_fault_match_method(struct scenario_loader *ld, json_t *v, void *out)
{
	struct fault_conf *fc = out;

	fc->match_method = scenario_read_method(ld, v);
}

static void
scenario_fault_match_path(struct scenario_loader *ld, json_t *v, void *out)
{
	struct fault_conf *fc = out;

	fc->match_path = scenario_read_path(ld, v);
}

/* "match" of an http fault: a method and a path pattern. */
static void
scenario_fault_match(
    struct scenario_loader *ld, json_t *v, struct fault_conf *fc)
{
	if (scenario_read_expect(ld, v, JSON_OBJECT) == 0)
		scenario_read_object(ld, v, scenario_fault_match_rules,
		    nitems(scenario_fault_match_rules), fc);
}

/* The keys every fault object may have, and those only some take. */
struct scenario_fault_field {
	const char *name;
	unsigned takes; /* FAULT_TAKES_*, 0 for every fault */
	enum fault_layer only; /* with takes: the layer whose faults do */
	void (*parse)(struct scenario_loader *, json_t *, struct fault_conf *);
};

static const struct scenario_fault_field scenario_fault_fields[] = {
	{ "service", 0, FAULT_LAYER_CONNECT, scenario_fault_service },
	{ "layer", 0, FAULT_LAYER_CONNECT, scenario_fault_layer },
	{ "type", 0, FAULT_LAYER_CONNECT, NULL },
	{ "probability", 0, FAULT_LAYER_CONNECT, scenario_fault_probability },
	{ "times", 0, FAULT_LAYER_CONNECT, scenario_fault_times },
	{ "direction", FAULT_TAKES_DIRECTION, FAULT_LAYER_STREAM,
	    scenario_fault_direction },
	{ "match", FAULT_TAKES_MATCH, FAULT_LAYER_HTTP, scenario_fault_match },
	{ "at", FAULT_TAKES_AT, FAULT_LAYER_HTTP, scenario_fault_at },
};

/* Is this the name of a parameter of any fault type? */
static int
scenario_fault_any_param(const char *key)
{
	size_t i;

	for (i = 0; i < nfault_kinds; i++) {
		if (fault_param_index(&fault_kinds[i], key) >= 0)
			return 1;
	}
	return 0;
}

/*
 * Report an unknown key of a fault: a hint among what this kind takes,
 * else the list of its parameters. With no kind (its layer or type is
 * wrong) only keys that no fault takes are reported.
 */
static void
scenario_fault_unknown_key(
    struct scenario_loader *ld, const char *key, const struct fault_kind *kind)
{
	const char *names[nitems(scenario_fault_fields) + FAULT_PARAMS_MAX],
	    *hint;
	const char *params[FAULT_PARAMS_MAX];
	const char *lname;
	char *list;
	size_t i, n = 0;

	if (kind == NULL && scenario_fault_any_param(key))
		return;
	for (i = 0; i < nitems(scenario_fault_fields); i++) {
		if (scenario_fault_fields[i].takes == 0 || kind == NULL ||
		    (kind->takes & scenario_fault_fields[i].takes) != 0)
			names[n++] = scenario_fault_fields[i].name;
	}
	for (i = 0; kind != NULL && i < kind->nparams; i++)
		names[n++] = params[i] = kind->params[i].name;
	if ((hint = scenario_read_suggest(key, names, n)) != NULL) {
		scenario_read_error(ld, "unknown key (did you mean %s?)",
		    scenario_read_quote(ld, hint));
		return;
	}
	if (kind == NULL) {
		scenario_read_error(ld, "unknown key");
		return;
	}
	lname = fault_layer_name(kind->layer);
	if (kind->nparams == 0) {
		scenario_read_error(ld,
		    "unknown key (%s %s faults take no parameters)", lname,
		    scenario_read_quote(ld, kind->name));
		return;
	}
	list = scenario_read_names_join(params, kind->nparams, " and ");
	scenario_read_error(ld, "unknown key (%s %s faults take %s)", lname,
	    scenario_read_quote(ld, kind->name), list);
	free(list);
}

/*
 * The kind a fault object names, read without reporting anything;
 * NULL if its layer or type is wrong.
 */
static const struct fault_kind *
scenario_fault_peek_kind(json_t *obj)
{
	enum fault_layer layer;
	json_t *type = json_object_get(obj, "type");

	if (scenario_fault_peek_layer(obj, &layer) != 0 ||
	    !json_is_string(type))
		return NULL;
	return fault_kind_find(layer, json_string_value(type));
}

/* Report what is missing from a fault object as a whole. */
static void
scenario_fault_missing(
    struct scenario_loader *ld, json_t *obj, const struct fault_kind *kind)
{
	const char *oneof[FAULT_PARAMS_MAX];
	size_t i, n = 0, given = 0;
	char *list;

	if (json_object_get(obj, "layer") == NULL)
		scenario_read_error(ld, "missing required key \"layer\"");
	if (json_object_get(obj, "type") == NULL)
		scenario_read_error(ld, "missing required key \"type\"");
	for (i = 0; kind != NULL && i < kind->nparams; i++) {
		if (kind->params[i].required == FAULT_PARAM_ONE_OF) {
			oneof[n++] = kind->params[i].name;
			if (json_object_get(obj, kind->params[i].name) != NULL)
				given++;
		} else if (kind->params[i].required &&
		    json_object_get(obj, kind->params[i].name) == NULL)
			scenario_read_error(ld, "missing required key %s",
			    scenario_read_quote(ld, kind->params[i].name));
	}
	if (n > 0 && given == 0) {
		list = scenario_read_names_join(oneof, n, " or ");
		scenario_read_error(
		    ld, "missing required key %s (give at least one)", list);
		free(list);
	}
}

/* Report a common field this fault does not take. */
static void
scenario_fault_field_refused(struct scenario_loader *ld,
    const struct scenario_fault_field *ff, const struct fault_kind *kind)
{
	if (kind->layer == ff->only) {
		scenario_read_error(ld, "%s %s faults do not take %s",
		    fault_layer_name(kind->layer),
		    scenario_read_quote(ld, kind->name),
		    scenario_read_quote(ld, ff->name));
	} else {
		scenario_read_error(ld, "only %s faults take %s",
		    fault_layer_name(ff->only),
		    scenario_read_quote(ld, ff->name));
	}
}

/* Does the declared service of that name have "tls"? */
static int
scenario_fault_service_has_tls(struct scenario_loader *ld, const char *name)
{
	json_t *svc =
	    ld->services != NULL ? json_object_get(ld->services, name) : NULL;

	return json_is_object(svc) && json_object_get(svc, "tls") != NULL;
}

/*
 * A tls fault needs a TLS service to act on: the one it names, or at
 * least one of the scenario's.
 */
static void
scenario_fault_check_tls(struct scenario_loader *ld, json_t *obj)
{
	json_t *svc = json_object_get(obj, "service");
	size_t saved;
	void *it;

	if (json_is_string(svc)) {
		if (json_object_get(ld->services, json_string_value(svc)) !=
		        NULL &&
		    !scenario_fault_service_has_tls(
		        ld, json_string_value(svc))) {
			saved = scenario_read_push(ld, "service");
			scenario_read_error(ld,
			    "service %s has no \"tls\": a tls fault cannot "
			    "apply",
			    scenario_read_quote(ld, json_string_value(svc)));
			scenario_read_pop(ld, saved);
		}
		return;
	}
	for (it = ld->services != NULL ? json_object_iter(ld->services) : NULL;
	     it != NULL; it = json_object_iter_next(ld->services, it)) {
		if (scenario_fault_service_has_tls(
		        ld, json_object_iter_key(it)))
			return;
	}
	saved = scenario_read_push(ld, "layer");
	scenario_read_error(
	    ld, "no service has \"tls\": a tls fault cannot apply");
	scenario_read_pop(ld, saved);
}

/*
 * A proxy passes bytes: a fault of a layer it does not parse (handshake,
 * http) cannot apply to the proxy the fault names. (A fault that names no
 * service applies to those it can.)
 */
static void
scenario_fault_check_proxy(
    struct scenario_loader *ld, json_t *obj, enum fault_layer layer)
{
	json_t *name = json_object_get(obj, "service"), *svc;
	size_t saved;

	if (!json_is_string(name) || ld->services == NULL)
		return;
	svc = json_object_get(ld->services, json_string_value(name));
	if (!json_is_object(svc) || json_object_get(svc, "upstream") == NULL)
		return;
	/* An http proxy parses requests: the http faults are its. */
	if (layer == FAULT_LAYER_HTTP &&
	    json_is_string(json_object_get(svc, "protocol")) &&
	    strcmp(json_string_value(json_object_get(svc, "protocol")),
	        "http") == 0)
		return;
	saved = scenario_read_push(ld, "service");
	if (layer == FAULT_LAYER_HTTP)
		scenario_read_error(ld,
		    "service %s is a proxy of bytes: http faults need "
		    "\"protocol\": \"http\" on it",
		    scenario_read_quote(ld, json_string_value(name)));
	else
		scenario_read_error(ld,
		    "service %s is a proxy: the hello is its upstream's, so "
		    "handshake faults cannot apply",
		    scenario_read_quote(ld, json_string_value(name)));
	scenario_read_pop(ld, saved);
}

/*
 * Read one fault object. Its layer and type are read ahead, since they
 * decide which keys belong; then what is missing, then every member in
 * document order; then the defaults of parameters not given.
 */
void
scenario_fault_read(
    struct scenario_loader *ld, json_t *obj, struct fault_conf *fc)
{
	const struct scenario_fault_field *ff;
	const struct fault_kind *kind;
	enum fault_layer layer;
	const char *key;
	json_t *v;
	void *it;
	size_t i, saved;
	int pi, layer_ok;

	fc->probability = 1;
	fc->times = -1;
	fc->direction = FAULT_DIR_BOTH;
	fc->at = FAULT_AT_REQUEST;
	if (scenario_read_expect(ld, obj, JSON_OBJECT) != 0)
		return;
	kind = fc->kind = scenario_fault_peek_kind(obj);
	layer_ok = scenario_fault_peek_layer(obj, &layer) == 0;
	scenario_fault_missing(ld, obj, kind);
	for (it = json_object_iter(obj); it != NULL;
	     it = json_object_iter_next(obj, it)) {
		key = json_object_iter_key(it);
		v = json_object_iter_value(it);
		saved = scenario_read_push(ld, key);
		ff = NULL;
		for (i = 0; i < nitems(scenario_fault_fields); i++) {
			if (strcmp(key, scenario_fault_fields[i].name) == 0)
				ff = &scenario_fault_fields[i];
		}
		pi = kind != NULL ? fault_param_index(kind, key) : -1;
		if (pi >= 0)
			scenario_fault_param(
			    ld, v, &kind->params[pi], fc, (size_t)pi);
		else if (ff == NULL)
			scenario_fault_unknown_key(ld, key, kind);
		else if (ff->parse == NULL)
			scenario_fault_type(ld, v, fc, obj);
		else if (ff->takes != 0 && kind != NULL &&
		    (kind->takes & ff->takes) == 0)
			scenario_fault_field_refused(ld, ff, kind);
		else if (ff->takes != 0 && kind == NULL && layer_ok &&
		    layer != ff->only)
			scenario_read_error(ld, "only %s faults take %s",
			    fault_layer_name(ff->only),
			    scenario_read_quote(ld, ff->name));
		else
			ff->parse(ld, v, fc);
		scenario_read_pop(ld, saved);
	}
	if (kind != NULL) {
		scenario_fault_param_defaults(ld, fc);
		fault_conf_settle(fc);
	}
	if (kind != NULL && kind->layer == FAULT_LAYER_TLS)
		scenario_fault_check_tls(ld, obj);
	if (kind != NULL &&
	    (kind->layer == FAULT_LAYER_HTTP ||
	        kind->layer == FAULT_LAYER_HANDSHAKE))
		scenario_fault_check_proxy(ld, obj, kind->layer);
}

/* Read an array of faults into a new array. */
void
scenario_fault_read_list(struct scenario_loader *ld, json_t *v,
    struct fault_conf **faults, size_t *nfaults)
{
	size_t i, saved;

	if (scenario_read_expect(ld, v, JSON_ARRAY) != 0)
		return;
	*faults = xcalloc(json_array_size(v), sizeof **faults);
	for (i = 0; i < json_array_size(v); i++) {
		saved = scenario_read_push_index(ld, i);
		scenario_fault_read(
		    ld, json_array_get(v, i), &(*faults)[(*nfaults)++]);
		scenario_read_pop(ld, saved);
	}
}
