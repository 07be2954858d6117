/*
 * fixtures.h: the fixture data under scenarios/data/, compiled into the
 * program so that `standin serve` needs no files at run time.
 */
#ifndef STANDIN_FIXTURES_H
#define STANDIN_FIXTURES_H

#include <stddef.h>

/* The contents of scenarios/data/NAME ("ums.json"), or NULL. */
const char *fixtures_get(const char *name, size_t *len);

#endif
