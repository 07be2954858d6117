/* fixtures.c: look up the fixture files compiled in by embed-fixtures.sh. */
#include "config.h"

#include <string.h>

#include "fixtures.h"

struct fixture_file {
	const char *name;
	const char *data;
	size_t len;
};

extern const struct fixture_file fixture_files[];

const char *
fixtures_get(const char *name, size_t *len)
{
	const struct fixture_file *f;

	for (f = fixture_files; f->name != NULL; f++) {
		if (strcmp(f->name, name) == 0) {
			if (len != NULL)
				*len = f->len;
			return f->data;
		}
	}
	return NULL;
}
