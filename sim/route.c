/* route.c: matching request paths against patterns such as "/v1/users/{id}". */
#include "config.h"

#include <ctype.h>
#include <string.h>

#include "route.h"

/* Is c allowed in a capture's name? */
static int
route_name_char(int c, int first)
{
	if (c == '_' || isalpha((unsigned char)c))
		return 1;
	return !first && isdigit((unsigned char)c);
}

/* Match path against pattern segment by segment, capturing "{name}" values. */
int
route_match(const char *pattern, const char *path, struct route_params *params)
{
	const char *p = pattern, *s = path, *close, *end;
	size_t namelen, vlen, n = 0;

	if (params != NULL)
		params->n = 0;
	if (*p != '/' || *s != '/')
		return 0;
	while (*p != '\0') {
		if (p[0] == '*' && p[1] == '\0')
			return 1;
		/* A final "*" after "/v1/" also covers "/v1" itself. */
		if (p[0] == '/' && p[1] == '*' && p[2] == '\0' && *s == '\0')
			return 1;
		if (*p != '{') {
			if (*p != *s)
				return 0;
			p++;
			s++;
			continue;
		}
		close = strchr(p, '}');
		if (close == NULL)
			return 0;
		namelen = (size_t)(close - p - 1);
		end = strchr(s, '/');
		if (end == NULL)
			end = s + strlen(s);
		vlen = (size_t)(end - s);
		if (vlen == 0 || vlen >= ROUTE_VALUE_MAX)
			return 0;
		if (n == ROUTE_PARAMS_MAX || namelen >= ROUTE_NAME_MAX)
			return 0;
		if (params != NULL) {
			memcpy(params->name[n], p + 1, namelen);
			params->name[n][namelen] = '\0';
			memcpy(params->value[n], s, vlen);
			params->value[n][vlen] = '\0';
			params->n = n + 1;
		}
		n++;
		p = close + 1;
		s = end;
	}
	return *s == '\0';
}

/* Check a pattern's shape, naming the first problem found in cause. */
int
route_pattern_valid(const char *pattern, const char **cause)
{
	const char *p, *close, *names[ROUTE_PARAMS_MAX];
	size_t nnames = 0, lens[ROUTE_PARAMS_MAX], len, i;

	if (pattern == NULL || *pattern != '/') {
		*cause = "a path pattern starts with '/'";
		return -1;
	}
	for (p = pattern; *p != '\0'; p++) {
		if ((unsigned char)*p <= ' ' || *p == 0x7f) {
			*cause = "a path pattern has no spaces or control "
			         "characters";
			return -1;
		}
		if (*p == '?' || *p == '#') {
			*cause =
			    "a path pattern has no query string or fragment";
			return -1;
		}
		if (*p == '/' && p[1] == '/') {
			*cause = "a path pattern has no empty segment (\"//\")";
			return -1;
		}
		if (*p == '*') {
			if (p[-1] != '/' || p[1] != '\0') {
				*cause = "'*' may only be the whole last "
				         "segment (\"/v1/*\")";
				return -1;
			}
			continue;
		}
		if (*p == '}') {
			*cause = "'}' without a '{' before it";
			return -1;
		}
		if (*p != '{')
			continue;
		if (p[-1] != '/') {
			*cause = "a capture (\"{id}\") must be a whole segment";
			return -1;
		}
		close = strchr(p, '}');
		if (close == NULL) {
			*cause = "'{' without a closing '}'";
			return -1;
		}
		if (close[1] != '\0' && close[1] != '/') {
			*cause = "a capture (\"{id}\") must be a whole segment";
			return -1;
		}
		len = (size_t)(close - p - 1);
		if (len == 0 || len >= ROUTE_NAME_MAX) {
			*cause = "a capture's name has 1 to 31 characters";
			return -1;
		}
		for (i = 0; i < len; i++) {
			if (!route_name_char(p[1 + i], i == 0)) {
				*cause = "a capture's name is a letter or '_' "
				         "followed by letters, digits or '_'";
				return -1;
			}
		}
		for (i = 0; i < nnames; i++) {
			if (lens[i] == len &&
			    memcmp(names[i], p + 1, len) == 0) {
				*cause = "a capture's name is used twice";
				return -1;
			}
		}
		if (nnames == ROUTE_PARAMS_MAX) {
			*cause = "a path pattern has at most 4 captures";
			return -1;
		}
		names[nnames] = p + 1;
		lens[nnames++] = len;
		p = close;
	}
	return 0;
}

/* Look up a captured value by the capture's name. */
const char *
route_param(const struct route_params *params, const char *name)
{
	size_t i;

	for (i = 0; i < params->n; i++) {
		if (strcmp(params->name[i], name) == 0)
			return params->value[i];
	}
	return NULL;
}
