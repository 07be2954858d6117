/*
 * scenario_impl.h: what the files of the scenario loader share: the state
 * of one load and the readers every part uses. Nothing outside the loader
 * (scenario*.c) includes it.
 */
#ifndef STANDIN_SCENARIO_IMPL_H
#define STANDIN_SCENARIO_IMPL_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "scenario.h"
#include "util.h"

/* Longest part of a user's value quoted back in a message. */
#define QUOTE_MAX 60

struct loader;

/* How one key of an object is read. */
struct key_rule {
	const char *name;
	int required;
	void (*parse)(struct loader *, json_t *, void *);
};

/* The state of one load: where errors go and where we are in the file. */
struct loader {
	const char *file;
	struct errlist *errs;
	size_t nerrs;
	struct scenario *sc;
	json_t *services; /* the "services" object, for references */
	json_t *root; /* the root object, for keys read ahead */
	int repeat; /* "repeat" is true (read ahead) */
	size_t phase; /* index of the phase being read */

	char *ptr; /* JSON pointer of the value being read */
	size_t ptrlen;
	size_t ptrcap;

	char quotes[4][QUOTE_MAX * 6 + 8];
	size_t nextquote;
};

void verr(struct loader *ld, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
size_t ptr_push(struct loader *ld, const char *key);
size_t ptr_push_index(struct loader *ld, size_t i);
void ptr_pop(struct loader *ld, size_t saved);
const char *q(struct loader *ld, const char *s);
const char *type_name(const json_t *v);
int expect(struct loader *ld, const json_t *v, json_type type);
void number_format(const json_t *v, char *buf, size_t len);
const char *suggest(const char *word, const char *const *cands, size_t n);
void parse_object(struct loader *ld, json_t *obj, const struct key_rule *rules,
    size_t nrules, void *out);
void unknown_service(struct loader *ld, const char *name);
char *names_join(const char *const *names, size_t n, const char *conj);
int choice_read(struct loader *ld, json_t *v, const char *noun,
    const char *const *choices, size_t n);
int duration_read(struct loader *ld, json_t *v, uint64_t *us);
void range_error(struct loader *ld, const json_t *v, double min, double max);
void versions_read(
    struct loader *ld, json_t *v, char ***versions, size_t *nversions);
void strings_read(struct loader *, json_t *, char ***, size_t *);
char *method_read(struct loader *ld, json_t *v);
char *path_read(struct loader *ld, json_t *v);
int status_read(struct loader *ld, json_t *v);
void headers_read(struct loader *ld, json_t *v, struct header_conf **headers,
    size_t *nheaders);
char *body_read(json_t *v, size_t *len, int *is_json);

void root_services(struct loader *, json_t *, void *);
void service_conf_clear(struct service_conf *svc);

void root_stubs(struct loader *, json_t *, void *);
void stub_conf_clear(struct stub_conf *stub);

void parse_fault(struct loader *ld, json_t *obj, struct fault_conf *fc);
void faults_read(
    struct loader *ld, json_t *v, struct fault_conf **faults, size_t *nfaults);

#endif
