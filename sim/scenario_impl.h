/*
 * scenario_impl.h: what the files of the scenario loader share: the state
 * of one load, the key-rule tables, and the readers every part uses.
 * Nothing outside the loader (sim/scenario*.c) includes it.
 *
 * The loader's files, and who calls whom (never in a loop):
 *   scenario.c          the entry points, the root keys and the phases;
 *                       calls all the others
 *   scenario_service.c  "services" and their "tls"; calls scenario_read.c
 *   scenario_stub.c     "stubs"; calls scenario_read.c
 *   scenario_fault.c    faults and delay distributions; calls
 *                       scenario_read.c
 *   scenario_read.c     errors, JSON pointers, quoting, hints, the key-rule
 *                       walker and the readers shared by several files;
 *                       calls none of them
 *
 * Names: every function of scenario_X.c, static or declared here, is
 * scenario_X_* (scenario_read_*, scenario_service_*, scenario_stub_*,
 * scenario_fault_*; the tls block's scenario_service_tls_*). scenario.c
 * uses scenario_root_* for the root keys, scenario_phase_* for the
 * phases and plain scenario_* for the rest, never another file's prefix;
 * scenario_service() (scenario.h) is in scenario_service.c. Static tables
 * follow the same rule.
 */
#ifndef STANDIN_SCENARIO_IMPL_H
#define STANDIN_SCENARIO_IMPL_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "scenario.h"
#include "util.h"

/* Longest part of a user's value quoted back in a message. */
#define SCENARIO_QUOTE_MAX 60

struct scenario_loader;

/* How one key of an object is read. */
struct scenario_key_rule {
	const char *name;
	int required;
	void (*parse)(struct scenario_loader *, json_t *, void *);
};

/* The state of one load: where errors go and where we are in the file. */
struct scenario_loader {
	const char *file;
	struct errlist *errs;
	size_t nerrs;
	struct scenario *sc;
	json_t *services; /* the "services" object, for references */
	json_t *root; /* the root object, for keys read ahead */
	int repeat; /* "repeat" is true (read ahead) */
	/* "time_scale" (read ahead), 1 without it, 0 when it is not valid */
	double time_scale;
	size_t phase; /* index of the phase being read */

	char *ptr; /* JSON pointer of the value being read */
	size_t ptrlen;
	size_t ptrcap;

	char quotes[4][SCENARIO_QUOTE_MAX * 6 + 8];
	size_t nextquote;
};

/* scenario_read.c: reporting, where we are, and what a value is. */

/* Add one error about the value at the current pointer. */
void scenario_read_error(struct scenario_loader *, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/*
 * Add a syntax error as jansson reported it, "LABEL:LINE:COLUMN: TEXT",
 * its text made one line.
 */
void scenario_read_syntax(
    struct errlist *, const char *label, const json_error_t *);

/*
 * Descend into a key (RFC 6901 escaped) or an array element; each returns
 * the length to give back to scenario_read_pop to go up again.
 */
size_t scenario_read_push(struct scenario_loader *, const char *key);
size_t scenario_read_push_index(struct scenario_loader *, size_t i);
void scenario_read_pop(struct scenario_loader *, size_t saved);

/*
 * A user's string quoted for a message, with JSON escapes and cut short
 * when long. The result lives until four more quotes have been made.
 */
const char *scenario_read_quote(struct scenario_loader *, const char *s);

/* "a string", "an object", ... for the type of a value. */
const char *scenario_read_type_name(const json_t *v);

/*
 * Check the type of a value; on a mismatch report it and return -1.
 * JSON_REAL stands for any number, integers included; JSON_TRUE for
 * either boolean.
 */
int scenario_read_expect(
    struct scenario_loader *, const json_t *v, json_type type);

/* Format a JSON number as it might have been written. */
void scenario_read_number_format(const json_t *v, char *buf, size_t len);

/*
 * The candidate closest to a word a user wrote, if it is close enough to
 * be what they meant; NULL if none is.
 */
const char *scenario_read_suggest(
    const char *word, const char *const *cands, size_t n);

/*
 * Quoted names joined for a message: "a", "b" and "c" (or "or" as conj
 * says). The caller frees the result.
 */
char *scenario_read_names_join(
    const char *const *names, size_t n, const char *conj);

/*
 * Read an object by its rules: first the missing required keys, then each
 * member in the order written; unknown keys are reported with a hint.
 */
void scenario_read_object(struct scenario_loader *, json_t *obj,
    const struct scenario_key_rule *rules, size_t nrules, void *out);

/* Report a reference to a service that is not declared. */
void scenario_read_unknown_service(struct scenario_loader *, const char *name);

/* A TLS version ("1.2") into *out, and a readable file's name into *out
 * (freeing what was there), or an error naming the value. */
void scenario_read_tls_version(struct scenario_loader *, json_t *, int *);
void scenario_read_file(struct scenario_loader *, json_t *, char **);

/* Report a number outside [min, max] (max 0: no upper bound). */
void scenario_read_range_error(
    struct scenario_loader *, const json_t *v, double min, double max);

/* scenario_read.c: readers of values more than one part of a file has. */

/*
 * Read one of a few words; returns its index, or -1 after reporting
 * "unknown NOUN" with a hint or the list of choices.
 */
int scenario_read_choice(struct scenario_loader *, json_t *v, const char *noun,
    const char *const *choices, size_t n);

/* Read a duration string such as "250ms"; returns 0 or -1. */
int scenario_read_duration(struct scenario_loader *, json_t *v, uint64_t *us);

/*
 * Read a non-empty array of distinct protocol versions into a new array
 * (left NULL when v is not an array or is empty).
 */
void scenario_read_versions(
    struct scenario_loader *, json_t *v, char ***versions, size_t *nversions);

/* Read a non-empty array of non-empty strings into a new array. */
void scenario_read_strings(
    struct scenario_loader *, json_t *v, char ***list, size_t *n);

/* Read an HTTP method; returns a copy, or NULL if it is not one. */
char *scenario_read_method(struct scenario_loader *, json_t *v);

/* Read a path pattern; returns a copy, or NULL if it is not one. */
char *scenario_read_path(struct scenario_loader *, json_t *v);

/* Read an HTTP status, 100 to 599; returns it, or -1. */
int scenario_read_status(struct scenario_loader *, json_t *v);

/* Read an object of response headers into a new array. */
void scenario_read_headers(struct scenario_loader *, json_t *v,
    struct header_conf **headers, size_t *nheaders);

/*
 * Serialize a body: a string is its text, as is; any other value is
 * compact JSON. Returns the allocated text; sets its length and kind.
 */
char *scenario_read_body(json_t *v, size_t *len, int *is_json);

/* scenario_service.c */

/* Read "services", the object of every service by name, into sc. */
void scenario_service_read_all(
    struct scenario_loader *, json_t *v, struct scenario *sc);

/* Free what a service owns, not the struct itself. */
void scenario_service_clear(struct service_conf *);

/* A proxy's "upstream_tls" (scenario_upstream.c): a key rule's parse, on
 * a struct service_conf; and free what it holds. */
void scenario_upstream_tls(struct scenario_loader *, json_t *, void *);
void scenario_upstream_tls_clear(struct upstream_tls_conf *);

/* scenario_stub.c */

/* Read "stubs", an array of stub objects, into sc. */
void scenario_stub_read_all(
    struct scenario_loader *, json_t *v, struct scenario *sc);

/* Free what a stub owns, not the struct itself. */
void scenario_stub_clear(struct stub_conf *);

/* scenario_fault.c */

/*
 * Read one fault object into fc, its defaults filled in; fc is usable
 * (and must be cleared) even when errors were reported.
 */
void scenario_fault_read(
    struct scenario_loader *, json_t *obj, struct fault_conf *fc);

/* Read an array of faults into a new array. */
void scenario_fault_read_list(struct scenario_loader *, json_t *v,
    struct fault_conf **faults, size_t *nfaults);

#endif
