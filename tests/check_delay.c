/* check_delay.c: delays drawn from their distributions. */
#include "config.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <check.h>

#include "delay.h"

#define DRAWS 10000

/* Compare two uint64_t for qsort. */
static int
cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

/* Sample statistics of DRAWS draws from one distribution. */
struct stats {
	double mean;
	uint64_t median, min, max;
};

/* Draw DRAWS delays with seed 42 and summarize them. */
static struct stats
draw_stats(const struct delay *d)
{
	static uint64_t v[DRAWS];
	struct stats st;
	struct rng rng;
	double sum = 0;
	size_t i;

	rng_seed(&rng, 42);
	for (i = 0; i < DRAWS; i++) {
		v[i] = delay_sample(d, &rng);
		sum += (double)v[i];
	}
	qsort(v, DRAWS, sizeof v[0], cmp_u64);
	st.mean = sum / DRAWS;
	st.median = v[DRAWS / 2];
	st.min = v[0];
	st.max = v[DRAWS - 1];
	return st;
}

START_TEST(test_fixed_is_exact)
{
	struct delay d = { .dist = DELAY_FIXED, .a = 250000 };
	struct rng rng;

	rng_seed(&rng, 1);
	ck_assert_uint_eq(delay_sample(&d, &rng), 250000);
	ck_assert_uint_eq(delay_sample(&d, &rng), 250000);
}
END_TEST

START_TEST(test_same_seed_same_sequence)
{
	const struct delay ds[] = {
		{ .dist = DELAY_UNIFORM, .a = 50000, .b = 150000 },
		{ .dist = DELAY_NORMAL, .a = 100000, .b = 20000 },
		{ .dist = DELAY_LOGNORMAL, .a = 80000, .sigma = 0.4 },
	};
	struct rng r1, r2, r3;
	size_t i, k, differ = 0;
	uint64_t x, y;

	for (k = 0; k < sizeof ds / sizeof ds[0]; k++) {
		rng_seed(&r1, 7);
		rng_seed(&r2, 7);
		rng_seed(&r3, 8);
		for (i = 0; i < 100; i++) {
			x = delay_sample(&ds[k], &r1);
			y = delay_sample(&ds[k], &r2);
			ck_assert_uint_eq(x, y);
			if (delay_sample(&ds[k], &r3) != x)
				differ++;
		}
	}
	/* Another seed gives another sequence. */
	ck_assert_uint_gt(differ, 200);
}
END_TEST

START_TEST(test_uniform_statistics)
{
	struct delay d = { .dist = DELAY_UNIFORM, .a = 50000, .b = 150000 };
	struct stats st = draw_stats(&d);

	ck_assert_uint_ge(st.min, 50000);
	ck_assert_uint_le(st.max, 150000);
	/* 10,000 draws reach close to both ends. */
	ck_assert_uint_lt(st.min, 51000);
	ck_assert_uint_gt(st.max, 149000);
	ck_assert_double_gt(st.mean, 97000);
	ck_assert_double_lt(st.mean, 103000);
}
END_TEST

START_TEST(test_uniform_of_equal_ends)
{
	struct delay d = { .dist = DELAY_UNIFORM, .a = 5000, .b = 5000 };
	struct stats st = draw_stats(&d);

	ck_assert_uint_eq(st.min, 5000);
	ck_assert_uint_eq(st.max, 5000);
}
END_TEST

START_TEST(test_normal_statistics)
{
	struct delay d = { .dist = DELAY_NORMAL, .a = 100000, .b = 20000 };
	struct stats st = draw_stats(&d);

	ck_assert_double_gt(st.mean, 98000);
	ck_assert_double_lt(st.mean, 102000);
	ck_assert_uint_gt(st.median, 98000);
	ck_assert_uint_lt(st.median, 102000);
	/* Five standard deviations either side is beyond any real draw. */
	ck_assert_uint_gt(st.min, 0);
	ck_assert_uint_lt(st.max, 200000);
}
END_TEST

START_TEST(test_normal_never_below_zero)
{
	struct delay d = { .dist = DELAY_NORMAL, .a = 10000, .b = 50000 };
	struct stats st = draw_stats(&d);

	/* Clamped at 0: many draws land there, none wraps around. */
	ck_assert_uint_eq(st.min, 0);
	ck_assert_uint_lt(st.max, 1000000);
}
END_TEST

START_TEST(test_lognormal_statistics)
{
	struct delay d = { .dist = DELAY_LOGNORMAL, .a = 80000, .sigma = 0.4 };
	struct stats st = draw_stats(&d);
	double expect = 80000 * exp(0.4 * 0.4 / 2);

	ck_assert_uint_gt(st.median, 77000);
	ck_assert_uint_lt(st.median, 83000);
	/* The mean of a lognormal is median * exp(sigma^2 / 2). */
	ck_assert_double_gt(st.mean, expect * 0.97);
	ck_assert_double_lt(st.mean, expect * 1.03);
	ck_assert_uint_gt(st.min, 0);
}
END_TEST

START_TEST(test_capped_at_an_hour)
{
	const struct delay ds[] = {
		{ .dist = DELAY_FIXED, .a = 7200000000ULL },
		{ .dist = DELAY_UNIFORM,
		    .a = 3600000000ULL,
		    .b = 9000000000ULL },
		{ .dist = DELAY_NORMAL,
		    .a = 3600000000ULL,
		    .b = 3600000000ULL },
		{ .dist = DELAY_LOGNORMAL, .a = 3000000000ULL, .sigma = 3 },
	};
	size_t k;

	for (k = 0; k < sizeof ds / sizeof ds[0]; k++)
		ck_assert_uint_eq(draw_stats(&ds[k]).max, 3600000000ULL);
}
END_TEST

/* The delay suite. */
static Suite *
delay_suite(void)
{
	Suite *s = suite_create("delay");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, test_fixed_is_exact);
	tcase_add_test(tc, test_same_seed_same_sequence);
	tcase_add_test(tc, test_uniform_statistics);
	tcase_add_test(tc, test_uniform_of_equal_ends);
	tcase_add_test(tc, test_normal_statistics);
	tcase_add_test(tc, test_normal_never_below_zero);
	tcase_add_test(tc, test_lognormal_statistics);
	tcase_add_test(tc, test_capped_at_an_hour);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner *sr = srunner_create(delay_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
