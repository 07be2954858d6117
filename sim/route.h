/* route.h: path patterns such as "/v1/users/{id}" and their captures. */
#ifndef STANDIN_ROUTE_H
#define STANDIN_ROUTE_H

#include <stddef.h>

#define ROUTE_PARAMS_MAX 4
#define ROUTE_NAME_MAX 32
#define ROUTE_VALUE_MAX 256

struct route_params {
	size_t n;
	char name[ROUTE_PARAMS_MAX][ROUTE_NAME_MAX];
	char value[ROUTE_PARAMS_MAX][ROUTE_VALUE_MAX];
};

/*
 * Match a path against a pattern. A "{name}" segment matches one non-empty
 * segment and captures it; a final "*" matches the rest of the path (also
 * nothing). Returns 1 on a match (params filled when not NULL), else 0.
 */
int route_match(const char *pattern, const char *path, struct route_params *);

/* Is this a well-formed pattern? Returns 0, or -1 with a reason in cause. */
int route_pattern_valid(const char *pattern, const char **cause);

/* The captured value of name, or NULL. */
const char *route_param(const struct route_params *, const char *name);

#endif
