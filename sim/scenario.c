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

static void root_standin(struct loader *, json_t *, void *);
static void root_name(struct loader *, json_t *, void *);
static void root_description(struct loader *, json_t *, void *);
static void root_seed(struct loader *, json_t *, void *);
static void root_time_scale(struct loader *, json_t *, void *);
static void root_faults(struct loader *, json_t *, void *);
static void root_phases(struct loader *, json_t *, void *);
static void root_repeat(struct loader *, json_t *, void *);
static void phase_name(struct loader *, json_t *, void *);
static void phase_after(struct loader *, json_t *, void *);
static void phase_after_connections(struct loader *, json_t *, void *);
static void phase_after_requests(struct loader *, json_t *, void *);
static void phase_manual(struct loader *, json_t *, void *);
static void phase_faults(struct loader *, json_t *, void *);

static const struct key_rule root_rules[] = {
	{ "standin", 1, root_standin },
	{ "name", 0, root_name },
	{ "description", 0, root_description },
	{ "seed", 0, root_seed },
	{ "time_scale", 0, root_time_scale },
	{ "services", 1, root_services },
	{ "stubs", 0, root_stubs },
	{ "faults", 0, root_faults },
	{ "phases", 0, root_phases },
	{ "repeat", 0, root_repeat },
};

static const struct key_rule phase_rules[] = {
	{ "name", 1, phase_name },
	{ "after", 0, phase_after },
	{ "after_connections", 0, phase_after_connections },
	{ "after_requests", 0, phase_after_requests },
	{ "manual", 0, phase_manual },
	{ "faults", 0, phase_faults },
};

/* The keys that say how a phase starts; a phase has at most one. */
static const char *const phase_start_keys[] = { "after", "after_connections",
	"after_requests", "manual" };

static void
root_standin(struct loader *ld, json_t *v, void *out)
{
	struct scenario *sc = out;

	/* Another version stopped the load before this point. */
	if (expect(ld, v, JSON_INTEGER) == 0)
		sc->format = (int)json_integer_value(v);
}

static void
root_name(struct loader *ld, json_t *v, void *out)
{
	struct scenario *sc = out;

	if (expect(ld, v, JSON_STRING) != 0)
		return;
	if (*json_string_value(v) == '\0') {
		verr(ld, "must not be empty");
		return;
	}
	free(sc->name);
	sc->name = xstrdup(json_string_value(v));
}

static void
root_description(struct loader *ld, json_t *v, void *out)
{
	struct scenario *sc = out;

	if (expect(ld, v, JSON_STRING) != 0)
		return;
	free(sc->description);
	sc->description = xstrdup(json_string_value(v));
}

static void
root_seed(struct loader *ld, json_t *v, void *out)
{
	struct scenario *sc = out;

	if (expect(ld, v, JSON_INTEGER) != 0)
		return;
	if (json_integer_value(v) < 0) {
		verr(ld, "must be 0 or more, got %" JSON_INTEGER_FORMAT,
		    json_integer_value(v));
		return;
	}
	sc->seed = (uint64_t)json_integer_value(v);
}

static void
root_time_scale(struct loader *ld, json_t *v, void *out)
{
	struct scenario *sc = out;
	char num[64];

	if (expect(ld, v, JSON_REAL) != 0)
		return;
	if (json_number_value(v) <= 0) {
		number_format(v, num, sizeof num);
		verr(ld, "must be more than 0, got %s", num);
		return;
	}
	sc->time_scale = json_number_value(v);
}

static void
root_faults(struct loader *ld, json_t *v, void *out)
{
	struct scenario *sc = out;

	faults_read(ld, v, &sc->faults, &sc->nfaults);
}

static void
root_repeat(struct loader *ld, json_t *v, void *out)
{
	struct scenario *sc = out;

	if (expect(ld, v, JSON_TRUE) != 0)
		return;
	if (json_is_true(v) && json_object_get(ld->root, "phases") == NULL) {
		verr(ld, "needs \"phases\" to repeat");
		return;
	}
	sc->repeat = json_is_true(v);
}

/* Is this a phase name: 1 to 64 letters, digits, "_", "-" or "."? */
static int
phase_name_valid(const char *s)
{
	size_t n = strspn(s,
	    "abcdefghijklmnopqrstuvwxyz"
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-.");

	return n > 0 && n <= PHASE_NAME_MAX && s[n] == '\0';
}

static void
phase_name(struct loader *ld, json_t *v, void *out)
{
	struct phase_conf *ph = out;
	const char *s;
	size_t i;

	if (expect(ld, v, JSON_STRING) != 0)
		return;
	s = json_string_value(v);
	if (!phase_name_valid(s)) {
		verr(ld,
		    "phase name must be 1 to %d letters, digits, \"_\", \"-\" "
		    "or \".\"",
		    PHASE_NAME_MAX);
		return;
	}
	for (i = 0; i < ld->phase; i++) {
		if (ld->sc->phases[i].name != NULL &&
		    strcmp(ld->sc->phases[i].name, s) == 0) {
			verr(ld, "phase %zu is already named %s", i, q(ld, s));
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
phase_start_allowed(struct loader *ld, const char *key)
{
	if (ld->phase > 0 || ld->repeat)
		return 1;
	verr(ld,
	    "the first phase begins at start and takes no %s (unless "
	    "\"repeat\" is true)",
	    q(ld, key));
	return 0;
}

static void
phase_after(struct loader *ld, json_t *v, void *out)
{
	struct phase_conf *ph = out;
	uint64_t us;

	if (!phase_start_allowed(ld, "after") || duration_read(ld, v, &us) != 0)
		return;
	if (us == 0) {
		verr(ld, "must be more than 0, got %s",
		    q(ld, json_string_value(v)));
		return;
	}
	ph->start = PHASE_START_AFTER;
	ph->after_us = us;
}

/* Read a count of connections or requests, 1 or more. */
static void
phase_after_count(struct loader *ld, json_t *v, struct phase_conf *ph,
    const char *key, enum phase_start start)
{
	if (!phase_start_allowed(ld, key) || expect(ld, v, JSON_INTEGER) != 0)
		return;
	if (json_integer_value(v) < 1) {
		range_error(ld, v, 1, 0);
		return;
	}
	ph->start = start;
	ph->after_n = (uint64_t)json_integer_value(v);
}

static void
phase_after_connections(struct loader *ld, json_t *v, void *out)
{
	phase_after_count(
	    ld, v, out, "after_connections", PHASE_START_CONNECTIONS);
}

static void
phase_after_requests(struct loader *ld, json_t *v, void *out)
{
	phase_after_count(ld, v, out, "after_requests", PHASE_START_REQUESTS);
}

static void
phase_manual(struct loader *ld, json_t *v, void *out)
{
	struct phase_conf *ph = out;

	if (!phase_start_allowed(ld, "manual") || expect(ld, v, JSON_TRUE) != 0)
		return;
	if (!json_is_true(v)) {
		verr(ld, "must be true (leave it out otherwise)");
		return;
	}
	ph->start = PHASE_START_MANUAL;
}

static void
phase_faults(struct loader *ld, json_t *v, void *out)
{
	struct phase_conf *ph = out;

	faults_read(ld, v, &ph->faults, &ph->nfaults);
}

/* Report what is wrong with how a phase starts, as a whole. */
static void
phase_start_check(struct loader *ld, json_t *obj)
{
	char *list;
	size_t i, n = 0;

	for (i = 0; i < nitems(phase_start_keys); i++) {
		if (json_object_get(obj, phase_start_keys[i]) != NULL)
			n++;
	}
	list = names_join(phase_start_keys, nitems(phase_start_keys), " or ");
	if (n == 0 && ld->phase > 0)
		verr(ld, "missing how the phase starts (give %s)", list);
	else if (n == 0 && ld->repeat) {
		verr(ld,
		    "missing how the phase starts: with \"repeat\" the first "
		    "phase needs one too, to loop back to it (give %s)",
		    list);
	} else if (n > 1)
		verr(ld, "give only one of %s", list);
	free(list);
}

static void
root_phases(struct loader *ld, json_t *v, void *out)
{
	struct scenario *sc = out;
	struct phase_conf *ph;
	json_t *e;
	size_t i, saved;

	if (expect(ld, v, JSON_ARRAY) != 0)
		return;
	if (json_array_size(v) == 0) {
		verr(ld, "must list at least one phase");
		return;
	}
	sc->phases = xcalloc(json_array_size(v), sizeof *sc->phases);
	for (i = 0; i < json_array_size(v); i++) {
		e = json_array_get(v, i);
		ph = &sc->phases[sc->nphases++];
		ph->start = PHASE_START_NOW;
		ld->phase = i;
		saved = ptr_push_index(ld, i);
		if (expect(ld, e, JSON_OBJECT) == 0) {
			phase_start_check(ld, e);
			parse_object(
			    ld, e, phase_rules, nitems(phase_rules), ph);
		}
		ptr_pop(ld, saved);
	}
}

/* The file's base name without ".json": the default scenario name. */
static char *
default_name(const char *label)
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

/* Is this text nothing but JSON white space? */
static int
blank(const char *text, size_t len)
{
	size_t i;

	for (i = 0; i < len; i++) {
		if (strchr(" \t\r\n", text[i]) == NULL || text[i] == '\0')
			return 0;
	}
	return 1;
}

struct scenario *
scenario_load_text(
    const char *label, const char *text, size_t len, struct errlist *errs)
{
	struct loader ld;
	struct scenario *sc;
	json_error_t jerr;
	json_t *root, *format;

	memset(&ld, 0, sizeof ld);
	ld.file = label;
	ld.errs = errs;

	sc = xcalloc(1, sizeof *sc);
	sc->file = xstrdup(label);
	sc->format = SCENARIO_FORMAT;
	sc->name = default_name(label);
	sc->description = xstrdup("");
	sc->seed = 1;
	sc->time_scale = 1;
	sc->source = xmalloc(len + 1);
	memcpy(sc->source, text, len);
	sc->source[len] = '\0';
	sc->source_len = len;
	ld.sc = sc;

	if (blank(text, len)) {
		verr(&ld, "expected an object, got an empty file");
		goto fail;
	}
	/*
	 * Any value is decoded so that a root of the wrong type gets the
	 * same message as any other value of the wrong type.
	 */
	root = json_loadb(
	    text, len, JSON_REJECT_DUPLICATES | JSON_DECODE_ANY, &jerr);
	if (root == NULL) {
		if (jerr.line >= 0) {
			errlist_add(errs, "%s:%d:%d: %s", label, jerr.line,
			    jerr.column, jerr.text);
		} else
			errlist_add(errs, "%s: %s", label, jerr.text);
		goto fail;
	}
	if (expect(&ld, root, JSON_OBJECT) != 0)
		goto done;

	/*
	 * Another format version would make every other message a guess:
	 * say only that.
	 */
	format = json_object_get(root, "standin");
	if (json_is_integer(format) &&
	    json_integer_value(format) != SCENARIO_FORMAT) {
		ptr_push(&ld, "standin");
		verr(&ld,
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
	parse_object(&ld, root, root_rules, nitems(root_rules), sc);
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

struct scenario *
scenario_load_file(const char *path, struct errlist *errs)
{
	struct scenario *sc;
	FILE *f;
	char *buf = NULL;
	size_t len = 0, cap = 0, n;
	int saved;

	if ((f = fopen(path, "rb")) == NULL)
		goto fail;
	for (;;) {
		if (len == cap) {
			if (cap >= SCENARIO_MAX_SIZE) {
				errno = EFBIG;
				goto fail;
			}
			cap = cap == 0 ? 8192 : cap * 2;
			buf = xrealloc(buf, cap);
		}
		n = fread(buf + len, 1, cap - len, f);
		len += n;
		if (n == 0) {
			if (ferror(f))
				goto fail;
			break;
		}
	}
	fclose(f);
	sc = scenario_load_text(path, buf, len, errs);
	free(buf);
	errno = 0;
	return sc;

fail:
	saved = errno != 0 ? errno : EIO;
	if (f != NULL)
		fclose(f);
	free(buf);
	errlist_add(errs, "%s: cannot read: %s", path, strerror(saved));
	errno = saved;
	return NULL;
}

int
scenario_parse_faults(const struct scenario *sc, const char *label,
    const char *text, size_t len, struct fault_conf **faults, size_t *nfaults,
    struct errlist *errs)
{
	struct loader ld;
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
		if (blank(text, len))
			errlist_add(errs,
			    "%s: expected a fault object or an "
			    "array of them, got nothing",
			    label);
		else if (jerr.line >= 0)
			errlist_add(errs, "%s:%d:%d: %s", label, jerr.line,
			    jerr.column, jerr.text);
		else
			errlist_add(errs, "%s: %s", label, jerr.text);
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
			verr(&ld, "expected at least one fault");
		faults_read(&ld, v, faults, &n);
	} else if (json_is_object(v)) {
		*faults = xcalloc(1, sizeof **faults);
		parse_fault(&ld, v, &(*faults)[n++]);
	} else
		verr(&ld, "expected a fault object or an array of them, got %s",
		    type_name(v));
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
phase_conf_clear(struct phase_conf *ph)
{
	size_t i;

	free(ph->name);
	for (i = 0; i < ph->nfaults; i++)
		fault_conf_clear(&ph->faults[i]);
	free(ph->faults);
}

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
		phase_conf_clear(&sc->phases[i]);
	free(sc->phases);
	for (i = 0; i < sc->nservices; i++)
		service_conf_clear(&sc->services[i]);
	free(sc->services);
	for (i = 0; i < sc->nstubs; i++)
		stub_conf_clear(&sc->stubs[i]);
	free(sc->stubs);
	free(sc->file);
	free(sc->name);
	free(sc->description);
	free(sc->source);
	free(sc);
}
