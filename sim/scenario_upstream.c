/*
 * scenario_upstream.c: read a proxy's "upstream_tls", the TLS standin
 * speaks to the real service behind it: which certificates it trusts, the
 * name it checks and sends (SNI), a client certificate, a version window.
 */
#include "config.h"

#include <string.h>

#include "scenario_impl.h"
#include "tls.h"
#include "util.h"

/* "ca": "system" (the default) or a PEM file of trusted certificates. */
static void
scenario_upstream_ca(struct scenario_loader *ld, json_t *v, void *out)
{
	struct upstream_tls_conf *t = out;

	if (json_is_string(v) && strcmp(json_string_value(v), "system") == 0)
		return;
	scenario_read_file(ld, v, &t->ca_file);
}

static void
scenario_upstream_verify(struct scenario_loader *ld, json_t *v, void *out)
{
	struct upstream_tls_conf *t = out;

	if (!json_is_boolean(v)) {
		scenario_read_error(ld, "expected a boolean, got %s",
		    scenario_read_type_name(v));
		return;
	}
	t->verify = json_is_true(v);
}

static void
scenario_upstream_server_name(struct scenario_loader *ld, json_t *v, void *out)
{
	struct upstream_tls_conf *t = out;
	const char *s;

	if (scenario_read_expect(ld, v, JSON_STRING) != 0)
		return;
	s = json_string_value(v);
	if (*s == '\0' || strlen(s) > 253 ||
	    strspn(s,
	        "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
	        "0123456789.-") != strlen(s)) {
		scenario_read_error(ld,
		    "%s is not a host name (letters, digits, \".\" and \"-\")",
		    scenario_read_quote(ld, s));
		return;
	}
	t->server_name = xstrdup(s);
}

static void
scenario_upstream_cert(struct scenario_loader *ld, json_t *v, void *out)
{
	scenario_read_file(
	    ld, v, &((struct upstream_tls_conf *)out)->cert_file);
}

static void
scenario_upstream_key(struct scenario_loader *ld, json_t *v, void *out)
{
	scenario_read_file(ld, v, &((struct upstream_tls_conf *)out)->key_file);
}

static void
scenario_upstream_min(struct scenario_loader *ld, json_t *v, void *out)
{
	scenario_read_tls_version(
	    ld, v, &((struct upstream_tls_conf *)out)->min_version);
}

static void
scenario_upstream_max(struct scenario_loader *ld, json_t *v, void *out)
{
	scenario_read_tls_version(
	    ld, v, &((struct upstream_tls_conf *)out)->max_version);
}

static const struct scenario_key_rule scenario_upstream_tls_rules[] = {
	{ "ca", 0, scenario_upstream_ca },
	{ "verify", 0, scenario_upstream_verify },
	{ "server_name", 0, scenario_upstream_server_name },
	{ "cert", 0, scenario_upstream_cert },
	{ "key", 0, scenario_upstream_key },
	{ "min_version", 0, scenario_upstream_min },
	{ "max_version", 0, scenario_upstream_max },
};

void
scenario_upstream_tls(struct scenario_loader *ld, json_t *v, void *out)
{
	struct service_conf *svc = out;
	struct upstream_tls_conf *t = &svc->upstream_tls;

	t->enabled = 1;
	t->verify = 1;
	t->min_version = 12;
	t->max_version = TLS_V13;
	if (scenario_read_expect(ld, v, JSON_OBJECT) != 0)
		return;
	scenario_read_object(ld, v, scenario_upstream_tls_rules,
	    nitems(scenario_upstream_tls_rules), t);
	if ((t->cert_file != NULL) != (t->key_file != NULL))
		scenario_read_error(
		    ld, "a client certificate needs both \"cert\" and \"key\"");
	if (t->min_version > t->max_version)
		scenario_read_error(ld,
		    "min_version 1.%d is above max_version 1.%d",
		    t->min_version - 10, t->max_version - 10);
}

void
scenario_upstream_tls_clear(struct upstream_tls_conf *t)
{
	free(t->ca_file);
	free(t->server_name);
	free(t->cert_file);
	free(t->key_file);
}
