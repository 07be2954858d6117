/*
 * persona_test.h: helpers the persona suites (check_ums, check_fin,
 * check_persona) share: making a persona, sending it a request through
 * persona_handle(), and reading the reply's status, JSON body and headers.
 * Every reader takes the reply it reads; the caller owns it (reply_init()
 * once, and reply_release() at the end; each call releases the last one).
 */
#ifndef STANDIN_PERSONA_TEST_H
#define STANDIN_PERSONA_TEST_H

#include <stddef.h>
#include <stdint.h>

#include <check.h>
#include <jansson.h>

#include "persona.h"

struct persona_ops;
struct reply;
struct stub_conf;

/* A persona of a kind for the named service (versions NULL: the defaults). */
struct persona *pt_make(enum persona_kind, const char *name, char **versions,
    size_t nversions, uint64_t seed);

/*
 * Send one request to a persona and put its answer in reply. The target
 * may carry "?query"; hname, if not NULL, is sent as one header with
 * hvalue; stubs are checked first, as a server does.
 */
void pt_call(struct reply *, struct persona *, const char *method,
    const char *target, const char *body);
void pt_call_header(struct reply *, struct persona *, const char *method,
    const char *target, const char *body, const char *hname,
    const char *hvalue);
void pt_call_stubs(struct reply *, struct persona *,
    const struct stub_conf *const *stubs, size_t nstubs, const char *method,
    const char *target, const char *body, const char *hname,
    const char *hvalue);

/* The value at a slash-separated path ("profile/locale", "users/0/id"). */
json_t *pt_jget(json_t *, const char *path);

/* A string of the reply's body, or "(none)". */
const char *pt_jstr(const struct reply *, const char *path);

/* An integer of the reply's body, or -1. */
long long pt_jint(const struct reply *, const char *path);

/* The length of an array of the reply's body (0 if it is not one). */
size_t pt_jlen(const struct reply *, const char *path);

/* An array of strings of the reply's body joined with commas, or "(none)". */
const char *pt_jlist(const struct reply *, const char *path);

/* The value of a header of the reply, or "(none)". */
const char *pt_header(const struct reply *, const char *name);

/*
 * Assert the reply is an error with this status and code, a message, and
 * the field if it is not NULL. The _for form names what was sent (the
 * input of a table's case) in every failure.
 */
void pt_assert_error(
    const struct reply *, int status, const char *code, const char *field);
void pt_assert_error_for(const char *what, const struct reply *, int status,
    const char *code, const char *field);

/* A body a route must refuse with 422 "invalid", naming this field. */
struct pt_invalid {
	const char *body;
	const char *field;
};

/* Send every body in turn and assert each is refused so. */
void pt_assert_invalid(struct reply *, struct persona *, const char *method,
    const char *target, const struct pt_invalid *, size_t n);

/* A fixture text a persona's loader must refuse, with a cause naming this. */
struct pt_bad_fixture {
	const char *text;
	const char *cause_has;
};

/*
 * Assert the loader refuses every one of the texts with such a cause, and
 * loads good.
 */
void pt_assert_loader(const struct persona_ops *, const struct pt_bad_fixture *,
    size_t n, const char *good);

/* Run a suite; EXIT_SUCCESS if every test passed, else EXIT_FAILURE. */
int pt_run(Suite *);

#endif
