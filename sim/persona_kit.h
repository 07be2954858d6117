/*
 * persona_kit.h: what the persona modules (persona.c, ums.c, fin.c) use to
 * check request bodies, name fields, quote values back, read fixtures and
 * refuse records past a store's limit. It calls into none of them.
 */
#ifndef STANDIN_PERSONA_KIT_H
#define STANDIN_PERSONA_KIT_H

#include <stddef.h>

#include <jansson.h>

struct persona;
struct reply;
struct request;

/* Room for a JSON pointer naming one field of a request body. */
#define PERSONA_KIT_POINTER_LEN 320

/*
 * Copy s into buf for quoting in a message: unchanged when it is valid
 * UTF-8 and fits, otherwise with other bytes as '?' and truncated.
 * Returns buf.
 */
const char *persona_kit_quote(const char *s, char *buf, size_t len);

/* Write the JSON pointer of key in the object at prefix ("" for the body). */
void persona_kit_pointer(
    char *buf, size_t len, const char *prefix, const char *key);

/* Name a JSON value's type the way a message would ("an object"). */
const char *persona_kit_json_kind(const json_t *);

/*
 * Check that every key of a nested object is among fields; prefix is the
 * object's own pointer ("/profile"). Returns 0, or -1 with a 422 reply.
 */
int persona_kit_known_fields(json_t *, const char *prefix,
    const char *const *fields, size_t nfields, struct reply *);

/*
 * Parse a request body that must be a JSON object whose keys are all among
 * fields. Returns the object (the caller owns it), or NULL with the reply
 * filled: 400 bad_json, or 422 naming "/" or the unknown field.
 */
json_t *persona_kit_body(const struct request *, struct reply *,
    const char *const *fields, size_t nfields);

/*
 * Read an optional string member of 1 to max characters without control
 * characters. Returns 1 with *out set, 0 if absent, or -1 with a 422 reply
 * naming prefix/key.
 */
int persona_kit_string(json_t *, const char *key, const char *prefix,
    size_t max, const char **out, struct reply *);

/* Does the persona hold max_records records already? Then answer 507. */
int persona_kit_full(
    const struct persona *, size_t count, const char *what, struct reply *);

/* The same against a limit of the persona's own (a kind's own cap). */
int persona_kit_full_at(const struct persona *, size_t count, size_t limit,
    const char *what, struct reply *);

/* Check and store one fixture record; 0, or -1 with *cause set. */
typedef int persona_kit_fixture_fn(
    void *store, json_t *record, size_t i, unsigned long *last, char **cause);

/*
 * Read fixture text {"KEY": [records]} and hand each record to one();
 * *last ends as the highest id number seen. Returns 0, or -1 with *cause.
 */
int persona_kit_fixture_each(const char *data, size_t len, const char *key,
    persona_kit_fixture_fn *one, void *store, unsigned long *last,
    char **cause);

/*
 * A record serialized as answers carry it (compact JSON and a newline), as
 * a JSON string for reply_json_text(); NULL if out of memory.
 */
json_t *persona_kit_text(const json_t *record);

#endif
