/*
 * check_fault.c: the fault catalogue's invariants (parameters within
 * bounds, unique names, defaults that parse, the common fields each layer
 * takes), looking kinds and parameters up, `standin faults`, and freeing
 * a fault.
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <check.h>

#include "fault.h"
#include "scenario.h"
#include "util.h"

/* Does text, a default of parameter p, read as a value of p's kind? */
static int
defval_valid(const struct fault_param *p, const char *text)
{
	const char *const *c;
	uint64_t us;
	char *end;
	long long i;
	double d;

	switch (p->kind) {
	case FAULT_PARAM_DURATION:
	case FAULT_PARAM_DELAY:
		return duration_parse(text, &us) == 0;
	case FAULT_PARAM_INT:
	case FAULT_PARAM_STATUS:
		errno = 0;
		i = strtoll(text, &end, 10);
		if (errno != 0 || end == text || *end != '\0')
			return 0;
		if (p->kind == FAULT_PARAM_STATUS)
			return i >= 100 && i <= 599;
		return (double)i >= p->min &&
		    (p->max == 0 || (double)i <= p->max);
	case FAULT_PARAM_NUMBER:
		d = strtod(text, &end);
		if (end == text || *end != '\0')
			return 0;
		return d >= p->min && (p->max == 0 || d <= p->max);
	case FAULT_PARAM_CHOICE:
		for (c = p->choices; *c != NULL; c++) {
			if (strcmp(*c, text) == 0)
				return 1;
		}
		return 0;
	default:
		/* Lists, objects and bodies have no defaults. */
		return 0;
	}
}

START_TEST(test_every_kind_is_well_formed)
{
	const struct fault_kind *k;
	const struct fault_param *p;
	size_t i, j, oneof;

	ck_assert_uint_gt(nfault_kinds, 0);
	for (i = 0; i < nfault_kinds; i++) {
		k = &fault_kinds[i];
		ck_assert_msg(k->nparams <= FAULT_PARAMS_MAX, "%s: %zu params",
		    k->name, k->nparams);
		ck_assert(k->nparams == 0 || k->params != NULL);
		ck_assert_ptr_nonnull(fault_layer_name(k->layer));
		ck_assert_msg(k->help != NULL && *k->help != '\0',
		    "%s: no help", k->name);
		ck_assert_msg(k->observed != NULL && *k->observed != '\0',
		    "%s: no observed", k->name);
		oneof = 0;
		for (j = 0; j < k->nparams; j++) {
			p = &k->params[j];
			ck_assert_ptr_nonnull(p->name);
			ck_assert_msg(p->help != NULL && *p->help != '\0',
			    "%s.%s: no help", k->name, p->name);
			ck_assert_msg(p->required == 0 || p->required == 1 ||
			        p->required == FAULT_PARAM_ONE_OF,
			    "%s.%s: required %d", k->name, p->name,
			    p->required);
			/* A required parameter's default would never apply. */
			ck_assert_msg(p->required == 0 || p->defval == NULL,
			    "%s.%s: required with a default", k->name, p->name);
			ck_assert_msg((p->kind == FAULT_PARAM_CHOICE) ==
			        (p->choices != NULL),
			    "%s.%s: choices", k->name, p->name);
			ck_assert_msg(p->max == 0 || p->min <= p->max,
			    "%s.%s: range", k->name, p->name);
			if (p->required == FAULT_PARAM_ONE_OF)
				oneof++;
		}
		/* "At least one of" one parameter is "required". */
		ck_assert_msg(oneof != 1, "%s: a single ONE_OF", k->name);
	}
}
END_TEST

START_TEST(test_names_unique)
{
	const struct fault_kind *a, *b;
	size_t i, j, x, y;

	for (i = 0; i < nfault_kinds; i++) {
		a = &fault_kinds[i];
		for (j = i + 1; j < nfault_kinds; j++) {
			b = &fault_kinds[j];
			ck_assert_msg(a->type != b->type, "%s and %s: one type",
			    a->name, b->name);
			ck_assert_msg(a->layer != b->layer ||
			        strcmp(a->name, b->name) != 0,
			    "%s twice on layer %s", a->name,
			    fault_layer_name(a->layer));
		}
		for (x = 0; x < a->nparams; x++) {
			for (y = x + 1; y < a->nparams; y++)
				ck_assert_str_ne(
				    a->params[x].name, a->params[y].name);
		}
	}
}
END_TEST

/*
 * The parameters may not use the names of the common fields: a fault
 * object holds both in one namespace.
 */
START_TEST(test_params_do_not_shadow_common_fields)
{
	static const char *const common[] = { "service", "layer", "type",
		"probability", "times", "direction", "match", "at" };
	size_t i, j, c;

	for (i = 0; i < nfault_kinds; i++) {
		for (j = 0; j < fault_kinds[i].nparams; j++) {
			for (c = 0; c < nitems(common); c++)
				ck_assert_str_ne(
				    fault_kinds[i].params[j].name, common[c]);
		}
	}
}
END_TEST

START_TEST(test_every_default_parses)
{
	const struct fault_param *p;
	size_t i, j, n = 0;

	for (i = 0; i < nfault_kinds; i++) {
		for (j = 0; j < fault_kinds[i].nparams; j++) {
			p = &fault_kinds[i].params[j];
			if (p->defval == NULL)
				continue;
			ck_assert_msg(defval_valid(p, p->defval),
			    "%s.%s: default %s", fault_kinds[i].name, p->name,
			    p->defval);
			n++;
		}
	}
	ck_assert_uint_ge(n, 8);
}
END_TEST

START_TEST(test_layers_take_their_common_fields)
{
	const struct fault_kind *k;
	size_t i;

	for (i = 0; i < nfault_kinds; i++) {
		k = &fault_kinds[i];
		ck_assert_msg(((k->takes & FAULT_TAKES_DIRECTION) != 0) ==
		        (k->layer == FAULT_LAYER_STREAM),
		    "%s: direction", k->name);
		ck_assert_msg(((k->takes & FAULT_TAKES_MATCH) != 0) ==
		        (k->layer == FAULT_LAYER_HTTP),
		    "%s: match", k->name);
		/* Faults that damage an answer always come after the persona. */
		ck_assert_msg(((k->takes & FAULT_TAKES_AT) != 0) ==
		        (k->layer == FAULT_LAYER_HTTP &&
		            k->type != FAULT_SCHEMA_DRIFT &&
		            k->type != FAULT_DRIP &&
		            k->type != FAULT_TRUNCATE &&
		            k->type != FAULT_MALFORMED),
		    "%s: at", k->name);
	}
}
END_TEST

START_TEST(test_every_layer_has_faults)
{
	enum fault_layer layer;
	size_t i, n;

	for (layer = FAULT_LAYER_CONNECT; layer <= FAULT_LAYER_STREAM;
	     layer++) {
		for (n = 0, i = 0; i < nfault_kinds; i++)
			n += fault_kinds[i].layer == layer;
		ck_assert_uint_gt(n, 0);
	}
	ck_assert_uint_eq(nfault_kinds, FAULT_RESET_PEER + 1);
}
END_TEST

START_TEST(test_layer_names_round_trip)
{
	enum fault_layer layer, got;

	for (layer = FAULT_LAYER_CONNECT; layer <= FAULT_LAYER_STREAM;
	     layer++) {
		ck_assert_ptr_nonnull(fault_layer_name(layer));
		ck_assert_int_eq(
		    fault_layer_parse(fault_layer_name(layer), &got), 0);
		ck_assert_int_eq(got, layer);
	}
	ck_assert_str_eq(fault_layer_name(FAULT_LAYER_CONNECT), "connect");
	ck_assert_str_eq(fault_layer_name(FAULT_LAYER_TLS), "tls");
	ck_assert_str_eq(fault_layer_name(FAULT_LAYER_HANDSHAKE), "handshake");
	ck_assert_str_eq(fault_layer_name(FAULT_LAYER_HTTP), "http");
	ck_assert_str_eq(fault_layer_name(FAULT_LAYER_STREAM), "stream");
	ck_assert_ptr_null(fault_layer_name((enum fault_layer)99));
	got = FAULT_LAYER_HTTP;
	ck_assert_int_eq(fault_layer_parse("HTTP", &got), -1);
	ck_assert_int_eq(fault_layer_parse("", &got), -1);
	ck_assert_int_eq(fault_layer_parse("connects", &got), -1);
	ck_assert_int_eq(got, FAULT_LAYER_HTTP);
}
END_TEST

START_TEST(test_kind_find)
{
	const struct fault_kind *k;
	size_t i;

	for (i = 0; i < nfault_kinds; i++) {
		k = fault_kind_find(fault_kinds[i].layer, fault_kinds[i].name);
		ck_assert_ptr_eq(k, &fault_kinds[i]);
	}
	/* "reset" is on two layers, and they are two types. */
	k = fault_kind_find(FAULT_LAYER_CONNECT, "reset");
	ck_assert_ptr_nonnull(k);
	ck_assert_int_eq(k->type, FAULT_CONNECT_RESET);
	k = fault_kind_find(FAULT_LAYER_HTTP, "reset");
	ck_assert_ptr_nonnull(k);
	ck_assert_int_eq(k->type, FAULT_HTTP_RESET);
	k = fault_kind_find(FAULT_LAYER_HANDSHAKE, "version_mismatch");
	ck_assert_int_eq(k->type, FAULT_HELLO_VERSION_MISMATCH);

	ck_assert_ptr_null(fault_kind_find(FAULT_LAYER_HTTP, "latency"));
	ck_assert_ptr_null(fault_kind_find(FAULT_LAYER_HTTP, "Status"));
	ck_assert_ptr_null(fault_kind_find(FAULT_LAYER_HTTP, ""));
	ck_assert_ptr_null(fault_kind_find(FAULT_LAYER_TLS, "refuse"));
	k = fault_kind_find(FAULT_LAYER_TLS, "version_mismatch");
	ck_assert_int_eq(k->type, FAULT_TLS_VERSION_MISMATCH);
}
END_TEST

START_TEST(test_param_index)
{
	const struct fault_kind *k;
	size_t i, j;

	for (i = 0; i < nfault_kinds; i++) {
		k = &fault_kinds[i];
		for (j = 0; j < k->nparams; j++)
			ck_assert_int_eq(
			    fault_param_index(k, k->params[j].name), (int)j);
		ck_assert_int_eq(fault_param_index(k, "no_such_param"), -1);
		ck_assert_int_eq(fault_param_index(k, "type"), -1);
	}
	/* Others rely on these positions (present[0]). */
	k = fault_kind_find(FAULT_LAYER_CONNECT, "max_connections");
	ck_assert_int_eq(fault_param_index(k, "limit"), 0);
	k = fault_kind_find(FAULT_LAYER_HANDSHAKE, "version_mismatch");
	ck_assert_int_eq(fault_param_index(k, "server_versions"), 0);
	k = fault_kind_find(FAULT_LAYER_CONNECT, "refuse");
	ck_assert_int_eq(fault_param_index(k, "limit"), -1);
}
END_TEST

/* The catalogue as `standin faults` prints it, NUL-terminated. */
static char *
catalogue(void)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	ck_assert_ptr_nonnull(f);
	fault_catalogue_print(f);
	ck_assert_int_eq(fclose(f), 0);
	return buf;
}

/* The bytes a parameter of that kind takes in union fault_args. */
static size_t
arg_size(enum fault_param_kind kind)
{
	switch (kind) {
	case FAULT_PARAM_DURATION:
		return sizeof(uint64_t);
	case FAULT_PARAM_DELAY:
		return sizeof(struct delay);
	case FAULT_PARAM_INT:
	case FAULT_PARAM_STATUS:
	case FAULT_PARAM_CHOICE:
		return sizeof(int64_t);
	case FAULT_PARAM_NUMBER:
		return sizeof(double);
	case FAULT_PARAM_VERSIONS:
	case FAULT_PARAM_STRINGS:
		return sizeof(struct fault_strings);
	case FAULT_PARAM_RENAMES:
		return sizeof(struct fault_renames);
	case FAULT_PARAM_HEADERS:
		return sizeof(struct fault_headers);
	case FAULT_PARAM_BODY:
		return sizeof(struct fault_body);
	}
	return 0;
}

/*
 * Every parameter's typed field lies inside union fault_args, and no two
 * parameters of one kind share bytes (a wrong offset in the table would
 * have one value overwrite another).
 */
START_TEST(test_param_fields_are_apart)
{
	const struct fault_param *a, *b;
	const struct fault_kind *k;
	size_t i, j, l;

	for (i = 0; i < nfault_kinds; i++) {
		k = &fault_kinds[i];
		for (j = 0; j < k->nparams; j++) {
			a = &k->params[j];
			ck_assert_msg(a->offset + arg_size(a->kind) <=
			        sizeof(union fault_args),
			    "%s.%s lies outside the args", k->name, a->name);
			for (l = j + 1; l < k->nparams; l++) {
				b = &k->params[l];
				ck_assert_msg(a->offset + arg_size(a->kind) <=
				            b->offset ||
				        b->offset + arg_size(b->kind) <=
				            a->offset,
				    "%s.%s and %s share bytes", k->name,
				    a->name, b->name);
			}
		}
	}
}
END_TEST

/*
 * The facts of a type live in the table: listener states, the faults that
 * need the far end's answer, those that leave the client unanswered.
 */
START_TEST(test_behaviour_in_the_table)
{
	const struct fault_kind *k;
	size_t i;

	for (i = 0; i < nfault_kinds; i++) {
		k = &fault_kinds[i];
		/* A listener state has a state; only they do. */
		ck_assert_msg(((k->does & FAULT_IS_STATE) != 0) ==
		        (k->listen != FAULT_LISTEN_OPEN),
		    "%s", k->name);
		/* A fault that ends an accepted connection says how in the
		 * connections metric. */
		ck_assert_msg(
		    (k->accept != FAULT_ACCEPT_SERVE) == (k->outcome != NULL),
		    "%s", k->name);
		/* An answer that is needed cannot be chosen before it. */
		if (k->does & FAULT_NEEDS_ANSWER)
			ck_assert_msg(
			    (k->takes & FAULT_TAKES_AT) == 0, "%s", k->name);
	}
	k = fault_kind_find(FAULT_LAYER_TLS, "stall");
	ck_assert_int_eq(k->accept, FAULT_ACCEPT_BLACKHOLE);
	k = fault_kind_find(FAULT_LAYER_CONNECT, "refuse");
	ck_assert_int_eq(k->listen, FAULT_LISTEN_REFUSE);
	k = fault_kind_find(FAULT_LAYER_HTTP, "empty");
	ck_assert(k->does & FAULT_UNANSWERED);
	k = fault_kind_find(FAULT_LAYER_HTTP, "status");
	ck_assert(!(k->does & FAULT_UNANSWERED));
}
END_TEST

/* http reset needs the answer only past zero bytes of it. */
START_TEST(test_settle_resolves_needs_answer)
{
	struct fault_conf fc;

	memset(&fc, 0, sizeof fc);
	fc.kind = fault_kind_find(FAULT_LAYER_HTTP, "reset");
	fault_conf_settle(&fc);
	ck_assert_int_eq(fc.needs_answer, 0);
	fc.args.reset.after_bytes = 10;
	fault_conf_settle(&fc);
	ck_assert_int_eq(fc.needs_answer, 1);
	fc.kind = fault_kind_find(FAULT_LAYER_HTTP, "truncate");
	fault_conf_settle(&fc);
	ck_assert_int_eq(fc.needs_answer, 1);
	fc.kind = fault_kind_find(FAULT_LAYER_HTTP, "delay");
	fault_conf_settle(&fc);
	ck_assert_int_eq(fc.needs_answer, 0);
}
END_TEST

START_TEST(test_catalogue_mentions_everything)
{
	const struct fault_kind *k;
	char *text = catalogue(), *want;
	enum fault_layer layer;
	size_t i, j;

	for (layer = FAULT_LAYER_CONNECT; layer <= FAULT_LAYER_STREAM;
	     layer++) {
		want = xasprintf("\n%s: ", fault_layer_name(layer));
		ck_assert_msg(strstr(text, want) != NULL, "no layer %s",
		    fault_layer_name(layer));
		free(want);
	}
	for (i = 0; i < nfault_kinds; i++) {
		k = &fault_kinds[i];
		want = xasprintf("\n  %s\n", k->name);
		ck_assert_msg(
		    strstr(text, want) != NULL, "no type %s", k->name);
		free(want);
		for (j = 0; j < k->nparams; j++) {
			want = xasprintf("      %s (", k->params[j].name);
			ck_assert_msg(strstr(text, want) != NULL,
			    "no param %s.%s", k->name, k->params[j].name);
			free(want);
		}
	}
	ck_assert_ptr_nonnull(strstr(text, "(integer 0..1000000, required)"));
	ck_assert_ptr_nonnull(strstr(text, "(duration, default 100ms)"));
	ck_assert_ptr_nonnull(strstr(
	    text, "(one of status_line|header|chunked, default status_line)"));
	ck_assert_ptr_nonnull(strstr(text, "at least one of drop, rename"));
	ck_assert_ptr_nonnull(strstr(text, "client sees: ECONNREFUSED"));
	ck_assert_ptr_nonnull(strstr(text, "\"probability\""));
	ck_assert_ptr_nonnull(strstr(text, "\"direction\""));
	ck_assert_ptr_nonnull(strstr(text, "\"lognormal\""));
	free(text);
}
END_TEST

START_TEST(test_catalogue_fits_a_terminal)
{
	char *text = catalogue(), *line, *save = NULL;

	for (line = strtok_r(text, "\n", &save); line != NULL;
	     line = strtok_r(NULL, "\n", &save)) {
		ck_assert_msg(strlen(line) <= 79, "too long: %s", line);
		ck_assert_msg(
		    line[strlen(line) - 1] != ' ', "trailing space: %s", line);
	}
	free(text);
}
END_TEST

START_TEST(test_conf_clear_zeroed)
{
	struct fault_conf fc;

	memset(&fc, 0, sizeof fc);
	fault_conf_clear(&fc);
	fault_conf_clear(&fc);
	ck_assert_ptr_null(fc.kind);
}
END_TEST

/* A fault with every kind of allocated value; clear frees them all. */
START_TEST(test_conf_clear_frees_values)
{
	struct fault_conf fc;
	struct fault_headers *h;
	struct fault_body *b;
	struct fault_strings *l;
	struct fault_renames *rn;

	memset(&fc, 0, sizeof fc);
	fc.kind = fault_kind_find(FAULT_LAYER_HTTP, "status");
	fc.service = xstrdup("ums");
	fc.match_method = xstrdup("GET");
	fc.match_path = xstrdup("/v1/*");
	h = fault_arg(&fc, (size_t)fault_param_index(fc.kind, "headers"));
	h->v = xcalloc(1, sizeof *h->v);
	h->v[0].name = xstrdup("Retry-After");
	h->v[0].value = xstrdup("1");
	h->n = 1;
	fc.present[fault_param_index(fc.kind, "headers")] = 1;
	b = fault_arg(&fc, (size_t)fault_param_index(fc.kind, "body"));
	b->text = xstrdup("{}");
	b->len = 2;
	b->is_json = 1;
	fc.present[fault_param_index(fc.kind, "body")] = 1;
	fault_conf_clear(&fc);
	ck_assert_ptr_null(fc.kind);
	ck_assert_ptr_null(fc.service);

	fc.kind = fault_kind_find(FAULT_LAYER_HTTP, "schema_drift");
	l = fault_arg(&fc, 0);
	l->v = xcalloc(2, sizeof *l->v);
	l->v[0] = xstrdup("email");
	l->n = 1; /* half-built: room for two, one filled */
	fc.present[0] = 1;
	rn = fault_arg(&fc, 1);
	rn->from = xcalloc(1, sizeof *rn->from);
	rn->to = xcalloc(1, sizeof *rn->to);
	rn->from[0] = xstrdup("name");
	rn->to[0] = xstrdup("full_name");
	rn->n = 1;
	fc.present[1] = 1;
	fault_conf_clear(&fc);

	fc.kind = fault_kind_find(FAULT_LAYER_HANDSHAKE, "version_mismatch");
	l = fault_arg(&fc, 0);
	l->v = xcalloc(1, sizeof *l->v);
	l->v[0] = xstrdup("2.0");
	l->n = 1;
	fc.present[0] = 1;
	fault_conf_clear(&fc);
	/* Run under valgrind by `make check-valgrind`: nothing leaks. */
}
END_TEST

static Suite *
fault_suite(void)
{
	Suite *s = suite_create("fault");
	TCase *tc;

	tc = tcase_create("catalogue");
	tcase_add_test(tc, test_every_kind_is_well_formed);
	tcase_add_test(tc, test_names_unique);
	tcase_add_test(tc, test_params_do_not_shadow_common_fields);
	tcase_add_test(tc, test_every_default_parses);
	tcase_add_test(tc, test_layers_take_their_common_fields);
	tcase_add_test(tc, test_every_layer_has_faults);
	suite_add_tcase(s, tc);

	tc = tcase_create("lookup");
	tcase_add_test(tc, test_layer_names_round_trip);
	tcase_add_test(tc, test_kind_find);
	tcase_add_test(tc, test_param_index);
	tcase_add_test(tc, test_param_fields_are_apart);
	tcase_add_test(tc, test_behaviour_in_the_table);
	tcase_add_test(tc, test_settle_resolves_needs_answer);
	suite_add_tcase(s, tc);

	tc = tcase_create("print");
	tcase_add_test(tc, test_catalogue_mentions_everything);
	tcase_add_test(tc, test_catalogue_fits_a_terminal);
	suite_add_tcase(s, tc);

	tc = tcase_create("conf");
	tcase_add_test(tc, test_conf_clear_zeroed);
	tcase_add_test(tc, test_conf_clear_frees_values);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner *sr = srunner_create(fault_suite());
	int failed;

	srunner_run_all(sr, CK_ENV);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
