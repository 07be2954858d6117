/*
 * scenario.c: load a scenario file, validate all of it, and turn it into
 * the plain structs of scenario.h: the root keys and the phases here, the
 * rest in scenario_service.c, scenario_stub.c and scenario_fault.c, all
 * with what scenario_read.c provides. Every error found is reported, each
 * with the JSON pointer of the value it is about.
 */
#include "config.h"

#include <errno.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "scenario_impl.h"
#include "util.h"

/* Scenario files are small; anything bigger is not one. */
#define SCENARIO_MAX_SIZE (16 * 1024 * 1024)

/* Phase names: what `standin ctl phase NAME` and the journal show. */
#define PHASE_NAME_MAX 64

static void scenario_root_standin(struct scenario_loader *, json_t *, void *);
static void scenario_root_name(struct scenario_loader *, json_t *, void *);
static void scenario_root_description(
    struct scenario_loader *, json_t *, void *);
static void scenario_root_seed(struct scenario_loader *, json_t *, void *);
static void scenario_root_time_scale(
    struct scenario_loader *, json_t *, void *);
static void scenario_root_services(struct scenario_loader *, json_t *, void *);
static void scenario_root_stubs(struct scenario_loader *, json_t *, void *);
static void scenario_root_faults(struct scenario_loader *, json_t *, void *);
static void scenario_root_phases(struct scenario_loader *, json_t *, void *);
static void scenario_root_repeat(struct scenario_loader *, json_t *, void *);
static void scenario_phase_name(struct scenario_loader *, json_t *, void *);
static void scenario_phase_after(struct scenario_loader *, json_t *, void *);
static void scenario_phase_after_connections(
    struct scenario_loader *, json_t *, void *);
static void scenario_phase_after_requests(
    struct scenario_loader *, json_t *, void *);
static void scenario_phase_manual(struct scenario_loader *, json_t *, void *);
static void scenario_phase_faults(struct scenario_loader *, json_t *, void *);

static const struct scenario_key_rule scenario_root_rules[] = {
	{ "standin", 1, scenario_root_standin },
	{ "name", 0, scenario_root_name },
	{ "description", 0, scenario_root_description },
	{ "seed", 0, scenario_root_seed },
	{ "time_scale", 0, scenario_root_time_scale },
	{ "services", 1, scenario_root_services },
	{ "stubs", 0, scenario_root_stubs },
	{ "faults", 0, scenario_root_faults },
	{ "phases", 0, scenario_root_phases },
	{ "repeat", 0, scenario_root_repeat },
};

static const struct scenario_key_rule scenario_phase_rules[] = {
	{ "name", 1, scenario_phase_name },
	{ "after", 0, scenario_phase_after },
	{ "after_connections", 0, scenario_phase_after_connections },
	{ "after_requests", 0, scenario_phase_after_requests },
	{ "manual", 0, scenario_phase_manual },
	{ "faults", 0, scenario_phase_faults },
};

/* The keys that say how a phase starts; a phase has at most one. */
static const char *const scenario_phase_start_keys[] = { "after",
	"after_connections", "after_requests", "manual" };

/* The format version (another one has stopped the load already). */
static void
scenario_root_standin(struct scenario_loader *ld, json_t *v, void *out)
{
	struct scenario *sc = out;

	/* Another version stopped the load before this point. */
	if (scenario_read_expect(ld, v, JSON_INTEGER) == 0)
		sc->format = (int)json_integer_value(v);
}

/* "name": not empty; it replaces the one taken from the file name. */
static void
scenario_root_name(struct scenario_loader *ld, json_t *v, void *out)
{
	struct scenario *sc = out;

	if (scenario_read_expect(ld, v, JSON_STRING) != 0)
		return;
	if (*json_string_value(v) == '\0') {
		scenario_read_error(ld, "must not be empty");
		return;
	}
	free(sc->name);
	sc->name = xstrdup(json_string_value(v));
}

/* "description": any string. */
static void
scenario_root_description(struct scenario_loader *ld, json_t *v, void *out)
{
	struct scenario *sc = out;

	if (scenario_read_expect(ld, v, JSON_STRING) != 0)
		return;
	free(sc->description);
	sc->description = xstrdup(json_string_value(v));
}

/* "seed": an integer, 0 or more. */
static void
scenario_root_seed(struct scenario_loader *ld, json_t *v, void *out)
{
	struct scenario *sc = out;

	if (scenario_read_expect(ld, v, JSON_INTEGER) != 0)
		return;
	if (json_integer_value(v) < 0) {
		scenario_read_error(ld,
		    "must be 0 or more, got %" JSON_INTEGER_FORMAT,
		    json_integer_value(v));
		return;
	}
	sc->seed = (uint64_t)json_integer_value(v);
}

/* "time_scale": a number above 0. */
static void
scenario_root_time_scale(struct scenario_loader *ld, json_t *v, void *out)
{
	struct scenario *sc = out;
	char num[64];

	if (scenario_read_expect(ld, v, JSON_REAL) != 0)
		return;
	if (json_number_value(v) <= 0) {
		scenario_read_number_format(v, num, sizeof num);
		scenario_read_error(ld, "must be more than 0, got %s", num);
		return;
	}
	sc->time_scale = json_number_value(v);
}

/* "services", read by scenario_service.c. */
static void
scenario_root_services(struct scenario_loader *ld, json_t *v, void *out)
{
	scenario_service_read_all(ld, v, out);
}

/* "stubs", read by scenario_stub.c. */
static void
scenario_root_stubs(struct scenario_loader *ld, json_t *v, void *out)
{
	scenario_stub_read_all(ld, v, out);
}

/* The root "faults", active in every phase. */
static void
scenario_root_faults(struct scenario_loader *ld, json_t *v, void *out)
{
	struct scenario *sc = out;

	scenario_fault_read_list(ld, v, &sc->faults, &sc->nfaults);
}

/* "repeat": a boolean; true needs "phases". */
static void
scenario_root_repeat(struct scenario_loader *ld, json_t *v, void *out)
{
	struct scenario *sc = out;

	if (scenario_read_expect(ld, v, JSON_TRUE) != 0)
		return;
	if (json_is_true(v) && json_object_get(ld->root, "phases") == NULL) {
		scenario_read_error(ld, "needs \"phases\" to repeat");
		return;
	}
	sc->repeat = json_is_true(v);
}

/* Is this a phase name: 1 to 64 letters, digits, "_", "-" or "."? */
static int
scenario_phase_name_valid(const char *s)
{
	size_t n = strspn(s,
	    "abcdefghijklmnopqrstuvwxyz"
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-.");

	return n > 0 && n <= PHASE_NAME_MAX && s[n] == '\0';
}

/* A phase's "name": valid, and no earlier phase's. */
static void
scenario_phase_name(struct scenario_loader *ld, json_t *v, void *out)
{
	struct phase_conf *ph = out;
	const char *s;
	size_t i;

	if (scenario_read_expect(ld, v, JSON_STRING) != 0)
		return;
	s = json_string_value(v);
	if (!scenario_phase_name_valid(s)) {
		scenario_read_error(ld,
		    "phase name must be 1 to %d letters, digits, \"_\", \"-\" "
		    "or \".\"",
		    PHASE_NAME_MAX);
		return;
	}
	for (i = 0; i < ld->phase; i++) {
		if (ld->sc->phases[i].name != NULL &&
		    strcmp(ld->sc->phases[i].name, s) == 0) {
			scenario_read_error(ld, "phase %zu is already named %s",
			    i, scenario_read_quote(ld, s));
			return;
		}
	}
	ph->name = xstrdup(s);
}

/*
 * Is a start condition allowed on this phase? The first begins at start
 * unless the phases repeat: then the condition brings the loop back.
 */
static int
scenario_phase_start_allowed(struct scenario_loader *ld, const char *key)
{
	if (ld->phase > 0 || ld->repeat)
		return 1;
	scenario_read_error(ld,
	    "the first phase begins at start and takes no %s (unless "
	    "\"repeat\" is true)",
	    scenario_read_quote(ld, key));
	return 0;
}

/* printf writes "1e+09" and "1e-05": drop the "+" and the exponent's
 * leading zeros, as a user would write it. */
static void
scenario_number_tidy(char *buf)
{
	char *e, *digits;

	if ((e = strchr(buf, 'e')) == NULL)
		return;
	if (e[1] == '+')
		memmove(e + 1, e + 2, strlen(e + 2) + 1);
	digits = e[1] == '-' ? e + 2 : e + 1;
	while (digits[0] == '0' && digits[1] != '\0')
		memmove(digits, digits + 1, strlen(digits));
}

/*
 * A number as short as it can be written and still read back the same
 * ("60", "0.25", "1e9", "1e-300"), for a message.
 */
static void
scenario_number_shortest(double d, char *buf, size_t len)
{
	char whole[32];
	int prec;

	for (prec = 1; prec < 17; prec++) {
		snprintf(buf, len, "%.*g", prec, d);
		if (strtod(buf, NULL) == d)
			break;
	}
	scenario_number_tidy(buf);
	/* A whole number reads better without an exponent ("60", not
	 * "6e1"), unless that is longer ("1e9"). */
	if (d > -1e15 && d < 1e15 && d == (double)(int64_t)d) {
		snprintf(whole, sizeof whole, "%.0f", d);
		if (strlen(whole) <= strlen(buf))
			snprintf(buf, len, "%s", whole);
	}
}

/*
 * Report a phase whose "after", divided by scale, is shorter than
 * SCENARIO_AFTER_MIN_US or longer than SCENARIO_AFTER_MAX_US, at the
 * current pointer (the phase's "after"). The one place both the loader
 * and scenario_check_scale() judge a scaled phase.
 */
static void
scenario_phase_scale_check(struct scenario_loader *ld,
    const struct phase_conf *ph, double scale, const char *scale_name)
{
	char text[32], num[32], ms[32], least[32];
	double us;
	int prec;

	if (ph->start != PHASE_START_AFTER)
		return;
	us = (double)ph->after_us / scale;
	if (us >= (double)SCENARIO_AFTER_MIN_US &&
	    us <= (double)SCENARIO_AFTER_MAX_US)
		return;
	if (ph->after_text != NULL)
		snprintf(text, sizeof text, "%s", ph->after_text);
	else
		duration_format(ph->after_us, text, sizeof text);
	scenario_number_shortest(scale, num, sizeof num);
	if (us > (double)SCENARIO_AFTER_MAX_US) {
		scenario_read_error(ld,
		    "%s at %s %s is longer than standin can wait; a phase may "
		    "last at most %d years (after scaling)",
		    scenario_read_quote(ld, text), scale_name, num,
		    SCENARIO_AFTER_MAX_YEARS);
		return;
	}
	/* Enough digits that a value just short of the floor does not
	 * read as the floor itself. */
	for (prec = 3; prec < 17; prec++) {
		snprintf(ms, sizeof ms, "%.*g", prec, us / 1000);
		if (strtod(ms, NULL) * 1000 < (double)SCENARIO_AFTER_MIN_US)
			break;
	}
	scenario_number_tidy(ms);
	duration_format(SCENARIO_AFTER_MIN_US, least, sizeof least);
	scenario_read_error(ld,
	    "%s at %s %s is %s ms; a phase must last at least %s (after "
	    "scaling)",
	    scenario_read_quote(ld, text), scale_name, num, ms, least);
}

/* "after": a duration above 0 since the previous phase began. */
static void
scenario_phase_after(struct scenario_loader *ld, json_t *v, void *out)
{
	struct phase_conf *ph = out;
	uint64_t us;

	if (!scenario_phase_start_allowed(ld, "after") ||
	    scenario_read_duration(ld, v, &us) != 0)
		return;
	if (us == 0) {
		scenario_read_error(ld, "must be more than 0, got %s",
		    scenario_read_quote(ld, json_string_value(v)));
		return;
	}
	ph->start = PHASE_START_AFTER;
	ph->after_us = us;
	ph->after_text = xstrdup(json_string_value(v));
	/* Judged here, in the document's order, at the file's own scale;
	 * when "time_scale" is itself wrong its own error says so. */
	if (ld->time_scale > 0)
		scenario_phase_scale_check(
		    ld, ph, ld->time_scale, "time_scale");
}

/* Read a count of connections or requests, 1 or more. */
static void
scenario_phase_after_count(struct scenario_loader *ld, json_t *v,
    struct phase_conf *ph, const char *key, enum phase_start start)
{
	if (!scenario_phase_start_allowed(ld, key) ||
	    scenario_read_expect(ld, v, JSON_INTEGER) != 0)
		return;
	if (json_integer_value(v) < 1) {
		scenario_read_range_error(ld, v, 1, 0);
		return;
	}
	ph->start = start;
	ph->after_n = (uint64_t)json_integer_value(v);
}

/* "after_connections": N connections since the previous phase began. */
static void
scenario_phase_after_connections(
    struct scenario_loader *ld, json_t *v, void *out)
{
	scenario_phase_after_count(
	    ld, v, out, "after_connections", PHASE_START_CONNECTIONS);
}

/* "after_requests": N requests since the previous phase began. */
static void
scenario_phase_after_requests(struct scenario_loader *ld, json_t *v, void *out)
{
	scenario_phase_after_count(
	    ld, v, out, "after_requests", PHASE_START_REQUESTS);
}

/* "manual": true (only by hand), or left out. */
static void
scenario_phase_manual(struct scenario_loader *ld, json_t *v, void *out)
{
	struct phase_conf *ph = out;

	if (!scenario_phase_start_allowed(ld, "manual") ||
	    scenario_read_expect(ld, v, JSON_TRUE) != 0)
		return;
	if (!json_is_true(v)) {
		scenario_read_error(
		    ld, "must be true (leave it out otherwise)");
		return;
	}
	ph->start = PHASE_START_MANUAL;
}

/* A phase's "faults", active while it lasts. */
static void
scenario_phase_faults(struct scenario_loader *ld, json_t *v, void *out)
{
	struct phase_conf *ph = out;

	scenario_fault_read_list(ld, v, &ph->faults, &ph->nfaults);
}

/* Report what is wrong with how a phase starts, as a whole. */
static void
scenario_phase_start_check(struct scenario_loader *ld, json_t *obj)
{
	char *list;
	size_t i, n = 0;

	for (i = 0; i < nitems(scenario_phase_start_keys); i++) {
		if (json_object_get(obj, scenario_phase_start_keys[i]) != NULL)
			n++;
	}
	list = scenario_read_names_join(scenario_phase_start_keys,
	    nitems(scenario_phase_start_keys), " or ");
	if (n == 0 && ld->phase > 0)
		scenario_read_error(
		    ld, "missing how the phase starts (give %s)", list);
	else if (n == 0 && ld->repeat) {
		scenario_read_error(ld,
		    "missing how the phase starts: with \"repeat\" the first "
		    "phase needs one too, to loop back to it (give %s)",
		    list);
	} else if (n > 1)
		scenario_read_error(ld, "give only one of %s", list);
	free(list);
}

/* "phases": a non-empty array of phase objects. */
static void
scenario_root_phases(struct scenario_loader *ld, json_t *v, void *out)
{
	struct scenario *sc = out;
	struct phase_conf *ph;
	json_t *e;
	size_t i, saved;

	if (scenario_read_expect(ld, v, JSON_ARRAY) != 0)
		return;
	if (json_array_size(v) == 0) {
		scenario_read_error(ld, "must list at least one phase");
		return;
	}
	sc->phases = xcalloc(json_array_size(v), sizeof *sc->phases);
	for (i = 0; i < json_array_size(v); i++) {
		e = json_array_get(v, i);
		ph = &sc->phases[sc->nphases++];
		ph->start = PHASE_START_NOW;
		ld->phase = i;
		saved = scenario_read_push_index(ld, i);
		if (scenario_read_expect(ld, e, JSON_OBJECT) == 0) {
			scenario_phase_start_check(ld, e);
			scenario_read_object(ld, e, scenario_phase_rules,
			    nitems(scenario_phase_rules), ph);
		}
		scenario_read_pop(ld, saved);
	}
}

/* The file's base name without ".json": the default scenario name. */
static char *
scenario_base_name(const char *label)
{
	const char *base = strrchr(label, '/');
	size_t len;

	base = base != NULL ? base + 1 : label;
	len = strlen(base);
	if (len > 5 && strcmp(base + len - 5, ".json") == 0)
		len -= 5;
	if (len == 0)
		return xstrdup("scenario");
	return xstrndup(base, len);
}

/*
 * "time_scale" read ahead, for the phases that come before it: 1 when it
 * is not given, 0 when it is not a number above 0 (its own error says so).
 */
static double
scenario_time_scale_ahead(json_t *root)
{
	json_t *v = json_object_get(root, "time_scale");

	if (v == NULL)
		return 1;
	if (!json_is_number(v) || !(json_number_value(v) > 0))
		return 0;
	return json_number_value(v);
}

/* Is this text nothing but JSON white space? */
static int
scenario_blank(const char *text, size_t len)
{
	size_t i;

	for (i = 0; i < len; i++) {
		if (strchr(" \t\r\n", text[i]) == NULL || text[i] == '\0')
			return 0;
	}
	return 1;
}

/* Load and validate a scenario from text in memory. */
struct scenario *
scenario_load_text(
    const char *label, const char *text, size_t len, struct errlist *errs)
{
	struct scenario_loader ld;
	struct scenario *sc;
	json_error_t jerr;
	json_t *root, *format;

	memset(&ld, 0, sizeof ld);
	ld.file = label;
	ld.errs = errs;

	sc = xcalloc(1, sizeof *sc);
	sc->file = xstrdup(label);
	sc->format = SCENARIO_FORMAT;
	sc->name = scenario_base_name(label);
	sc->description = xstrdup("");
	sc->seed = 1;
	sc->time_scale = 1;
	sc->source = xmalloc(len + 1);
	memcpy(sc->source, text, len);
	sc->source[len] = '\0';
	sc->source_len = len;
	ld.sc = sc;

	if (scenario_blank(text, len)) {
		scenario_read_error(
		    &ld, "expected an object, got an empty file");
		goto fail;
	}
	/*
	 * Any value is decoded so that a root of the wrong type gets the
	 * same message as any other value of the wrong type.
	 */
	root = json_loadb(
	    text, len, JSON_REJECT_DUPLICATES | JSON_DECODE_ANY, &jerr);
	if (root == NULL) {
		scenario_read_syntax(errs, label, &jerr);
		goto fail;
	}
	if (scenario_read_expect(&ld, root, JSON_OBJECT) != 0)
		goto done;

	/*
	 * Another format version would make every other message a guess:
	 * say only that.
	 */
	format = json_object_get(root, "standin");
	if (json_is_integer(format) &&
	    json_integer_value(format) != SCENARIO_FORMAT) {
		scenario_read_push(&ld, "standin");
		scenario_read_error(&ld,
		    "format version %" JSON_INTEGER_FORMAT " is not "
		    "supported (this standin reads %d)",
		    json_integer_value(format), SCENARIO_FORMAT);
		goto done;
	}
	ld.services = json_object_get(root, "services");
	if (!json_is_object(ld.services))
		ld.services = NULL;
	ld.root = root;
	ld.repeat = json_is_true(json_object_get(root, "repeat"));
	ld.time_scale = scenario_time_scale_ahead(root);
	scenario_read_object(
	    &ld, root, scenario_root_rules, nitems(scenario_root_rules), sc);
	/* Without "phases" there is one, with the root faults only. */
	if (json_object_get(root, "phases") == NULL) {
		sc->phases = xcalloc(1, sizeof *sc->phases);
		sc->phases[0].name = xstrdup("default");
		sc->phases[0].start = PHASE_START_NOW;
		sc->nphases = 1;
	}

done:
	json_decref(root);
	if (ld.nerrs == 0) {
		free(ld.ptr);
		return sc;
	}
fail:
	free(ld.ptr);
	scenario_free(sc);
	return NULL;
}

/* Load and validate a scenario file. */
struct scenario *
scenario_load_file(const char *path, struct errlist *errs)
{
	struct scenario *sc;
	char *buf;
	size_t len;

	buf = file_read(path, SCENARIO_MAX_SIZE, &len);
	if (buf == NULL) {
		errlist_add(errs, "%s: cannot read: %s", path, strerror(errno));
		return NULL;
	}
	sc = scenario_load_text(path, buf, len, errs);
	free(buf);
	errno = 0;
	return sc;
}

/* Read faults given at run time against a running scenario's services. */
int
scenario_parse_faults(const struct scenario *sc, const char *label,
    const char *text, size_t len, struct fault_conf **faults, size_t *nfaults,
    struct errlist *errs)
{
	struct scenario_loader ld;
	json_error_t jerr;
	json_t *doc, *v;
	size_t i, n = 0;

	*faults = NULL;
	*nfaults = 0;
	memset(&ld, 0, sizeof ld);
	ld.file = label;
	ld.errs = errs;
	ld.sc = (struct scenario *)sc;
	v = json_loadb(
	    text, len, JSON_REJECT_DUPLICATES | JSON_DECODE_ANY, &jerr);
	if (v == NULL) {
		if (scenario_blank(text, len))
			errlist_add(errs,
			    "%s: expected a fault object or an "
			    "array of them, got nothing",
			    label);
		else
			scenario_read_syntax(errs, label, &jerr);
		return -1;
	}
	/* The running scenario's services, as its own faults saw them. */
	doc = json_loadb(sc->source, sc->source_len, JSON_DECODE_ANY, NULL);
	ld.services = json_object_get(doc, "services");
	if (!json_is_object(ld.services))
		ld.services = NULL;
	ld.root = doc;
	if (json_is_array(v)) {
		if (json_array_size(v) == 0)
			scenario_read_error(&ld, "expected at least one fault");
		scenario_fault_read_list(&ld, v, faults, &n);
	} else if (json_is_object(v)) {
		*faults = xcalloc(1, sizeof **faults);
		scenario_fault_read(&ld, v, &(*faults)[n++]);
	} else
		scenario_read_error(&ld,
		    "expected a fault object or an array of them, got %s",
		    scenario_read_type_name(v));
	json_decref(v);
	json_decref(doc);
	free(ld.ptr);
	if (ld.nerrs == 0) {
		*nfaults = n;
		return 0;
	}
	for (i = 0; i < n; i++)
		fault_conf_clear(&(*faults)[i]);
	free(*faults);
	*faults = NULL;
	return -1;
}

/* Check every phase's scaled "after"; see scenario.h. */
int
scenario_check_scale(const struct scenario *sc, double scale,
    const char *scale_name, struct errlist *errs)
{
	struct scenario_loader ld;
	size_t i, top, saved;

	memset(&ld, 0, sizeof ld);
	ld.file = sc->file;
	ld.errs = errs;
	ld.sc = (struct scenario *)sc;
	top = scenario_read_push(&ld, "phases");
	for (i = 0; i < sc->nphases; i++) {
		saved = scenario_read_push_index(&ld, i);
		scenario_read_push(&ld, "after");
		scenario_phase_scale_check(
		    &ld, &sc->phases[i], scale, scale_name);
		scenario_read_pop(&ld, saved);
	}
	scenario_read_pop(&ld, top);
	free(ld.ptr);
	return ld.nerrs == 0 ? 0 : -1;
}

/* The built-in default scenario; a bad one is a bug, and fatal. */
struct scenario *
scenario_default(void)
{
	static const char text[] =
	    "{\"standin\": 1, \"name\": \"default\", "
	    "\"description\": \"built-in healthy default: "
	    "UMS and the financial engine\", "
	    "\"services\": {\"ums\": {\"persona\": \"ums\"}, "
	    "\"fin\": {\"persona\": \"financial-engine\"}}}";
	struct errlist errs = { NULL, 0, 0 };
	struct scenario *sc;
	char *msg;

	sc = scenario_load_text("(built-in)", text, sizeof text - 1, &errs);
	if (sc == NULL) {
		msg = errlist_join(&errs);
		fprintf(stderr, "standin: bad built-in scenario: %s\n", msg);
		abort();
	}
	return sc;
}

/* Free what a phase owns, not the struct itself. */
static void
scenario_phase_clear(struct phase_conf *ph)
{
	size_t i;

	free(ph->name);
	free(ph->after_text);
	for (i = 0; i < ph->nfaults; i++)
		fault_conf_clear(&ph->faults[i]);
	free(ph->faults);
}

/* Free a scenario; safe on NULL and on a half-built one. */
void
scenario_free(struct scenario *sc)
{
	size_t i;

	if (sc == NULL)
		return;
	for (i = 0; i < sc->nfaults; i++)
		fault_conf_clear(&sc->faults[i]);
	free(sc->faults);
	for (i = 0; i < sc->nphases; i++)
		scenario_phase_clear(&sc->phases[i]);
	free(sc->phases);
	for (i = 0; i < sc->nservices; i++)
		scenario_service_clear(&sc->services[i]);
	free(sc->services);
	for (i = 0; i < sc->nstubs; i++)
		scenario_stub_clear(&sc->stubs[i]);
	free(sc->stubs);
	free(sc->file);
	free(sc->name);
	free(sc->description);
	free(sc->source);
	free(sc);
}
