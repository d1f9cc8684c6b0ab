/* Unit tests: drift statistics against scipy/numpy reference values (tests/fixtures/drift/cases.h). */
#include <math.h>
#include <stdlib.h>
#include "harness.h"
#include "mlv/csv.h"
#include "mlv/stats.h"
#include "../fixtures/drift/cases.h"

/* gen.py's generator, bit for bit. */
static double *fx_values(const struct fx_sample *s)
{
	double *v = malloc((s->n ? s->n : 1) * sizeof(double));
	uint64_t x = s->seed;
	if (!s->gen) {
		memcpy(v, s->v, s->n * sizeof(double));
	} else {
		for (size_t i = 0; i < s->n; i++) {
			x = x * 6364136223846793005ULL + 1442695040888963407ULL;
			uint64_t u1 = (x >> 33) % s->range;
			x = x * 6364136223846793005ULL + 1442695040888963407ULL;
			uint64_t u2 = (x >> 33) % s->range;
			v[i] = s->offset + s->scale * ((double)(u1 + u2) / (double)s->range);
		}
	}
	mlv_stats_sort(v, s->n);
	return v;
}

/* Statistics to 1e-9 relative, p-values to 1e-6 absolute; NaN and ±inf exactly. */
static void check_num(const char *kase, const char *what, double got, double want, double rel, double abs_)
{
	int ok;
	test_checks++;
	if (isnan(want))
		ok = isnan(got);
	else if (isinf(want))
		ok = got == want;
	else
		ok = fabs(got - want) <= rel * fabs(want) + abs_;
	if (!ok) {
		test_failures++;
		fprintf(stderr, "%s: %s: got %.17g, expected %.17g (diff %.3g)\n", kase, what, got, want, fabs(got - want));
	}
}

#define STAT(k, w, g, e) check_num(k, w, g, e, 1e-9, 1e-15)
#define PVAL(k, w, g, e) check_num(k, w, g, e, 0, 1e-6)

static void test_numerical_fixtures(void)
{
	for (size_t i = 0; i < sizeof(fx_nums) / sizeof(fx_nums[0]); i++) {
		const struct fx_num *c = &fx_nums[i];
		double *a = fx_values(&c->ref), *b = fx_values(&c->cur), s, p;
		size_t na = c->ref.n, nb = c->cur.n;
		mlv_stats_bins bins = MLV_STATS_BINS_INIT;

		CHECK_OK(mlv_stats_ks(&s, &p, a, na, b, nb));
		STAT(c->name, "ks statistic", s, c->ks_stat);
		PVAL(c->name, "ks p-value", p, c->ks_p);
		CHECK_OK(mlv_stats_wasserstein(&s, a, na, b, nb));
		STAT(c->name, "wasserstein", s, c->wasserstein);
		CHECK_OK(mlv_stats_hellinger_numerical(&s, a, na, b, nb));
		STAT(c->name, "hellinger", s, c->hellinger);

		CHECK_OK(mlv_stats_bins_numerical(&bins, a, na, b, nb));
		CHECK_OK(mlv_stats_psi(&s, &bins));
		STAT(c->name, "psi", s, c->psi);
		CHECK_OK(mlv_stats_kl_div(&s, &bins));
		STAT(c->name, "kl_div", s, c->kl_div);
		CHECK_OK(mlv_stats_jensenshannon(&s, &bins));
		STAT(c->name, "jensenshannon", s, c->jensenshannon);
		mlv_stats_bins_release(&bins);

		CHECK_OK(mlv_stats_bins_values(&bins, a, na, b, nb));
		CHECK_OK(mlv_stats_chisquare(&s, &p, &bins));
		STAT(c->name, "chisquare statistic", s, c->chi_stat);
		PVAL(c->name, "chisquare p-value", p, c->chi_p);
		CHECK_OK(mlv_stats_z(&s, &p, &bins));
		STAT(c->name, "z statistic", s, c->z_stat);
		PVAL(c->name, "z p-value", p, c->z_p);
		mlv_stats_bins_release(&bins);
		free(a);
		free(b);
	}
}

static void test_categorical_fixtures(void)
{
	for (size_t i = 0; i < sizeof(fx_cats) / sizeof(fx_cats[0]); i++) {
		const struct fx_cat *c = &fx_cats[i];
		mlv_stats_bins b = { c->k, (double *)c->ref, (double *)c->cur, 0, 0 };
		double s, p;
		for (size_t k = 0; k < c->k; k++) {
			b.n_ref += c->ref[k];
			b.n_cur += c->cur[k];
		}
		CHECK_OK(mlv_stats_chisquare(&s, &p, &b));
		STAT(c->name, "chisquare statistic", s, c->chi_stat);
		PVAL(c->name, "chisquare p-value", p, c->chi_p);
		CHECK_OK(mlv_stats_z(&s, &p, &b));
		STAT(c->name, "z statistic", s, c->z_stat);
		PVAL(c->name, "z p-value", p, c->z_p);
		CHECK_OK(mlv_stats_psi(&s, &b));
		STAT(c->name, "psi", s, c->psi);
		CHECK_OK(mlv_stats_kl_div(&s, &b));
		STAT(c->name, "kl_div", s, c->kl_div);
		CHECK_OK(mlv_stats_jensenshannon(&s, &b));
		STAT(c->name, "jensenshannon", s, c->jensenshannon);
		CHECK_OK(mlv_stats_hellinger_bins(&s, &b));
		STAT(c->name, "hellinger", s, c->hellinger);
	}
}

static void test_special_functions(void)
{
	char what[96];
	for (size_t i = 0; i < sizeof(fx_kstwo) / sizeof(fx_kstwo[0]); i++) {
		snprintf(what, sizeof(what), "kstwo.sf(%.17g, %llu)", fx_kstwo[i].x, (unsigned long long)fx_kstwo[i].n);
		check_num("kstwo", what, mlv_stats_kstwo_sf(fx_kstwo[i].x, fx_kstwo[i].n), fx_kstwo[i].sf, 0, 1e-9);
	}
	for (size_t i = 0; i < sizeof(fx_gamma) / sizeof(fx_gamma[0]); i++) {
		snprintf(what, sizeof(what), "gammaincc(%g, %g)", fx_gamma[i].a, fx_gamma[i].x);
		check_num("gamma", what, mlv_stats_gamma_q(fx_gamma[i].a, fx_gamma[i].x), fx_gamma[i].q, 0, 1e-10);
	}
	for (size_t i = 0; i < sizeof(fx_edges) / sizeof(fx_edges[0]); i++) {
		const struct fx_edges *e = &fx_edges[i];
		double *edges;
		size_t nb;
		CHECK_OK(mlv_stats_sturges_edges(&edges, &nb, e->lo, e->hi, e->n));
		CHECK(nb == e->nbins);
		for (size_t k = 0; k <= nb && k <= e->nbins; k++)
			check_num(e->name, "sturges edge", edges[k], e->edges[k], 0, 0);
		free(edges);
	}
}

static void test_names_and_rules(void)
{
	int t;
	CHECK_OK(mlv_stats_test_from_name(&t, "kl_div"));
	CHECK(t == MLV_TEST_KL_DIV);
	CHECK_STR(mlv_stats_test_name(MLV_TEST_JENSENSHANNON), "jensenshannon");
	CHECK(mlv_stats_test_name(MLV_TEST_DEFAULT) == NULL);
	CHECK_RC(mlv_stats_test_from_name(&t, "anderson"), MLV_EINVALID);
	CHECK(strstr(mlv_error_last(), "unknown test 'anderson'") != NULL);
	CHECK(mlv_stats_test_default_threshold(MLV_TEST_KS) == 0.05);
	CHECK(mlv_stats_test_default_threshold(MLV_TEST_PSI) == 0.1);
	CHECK_RC(mlv_stats_test_check_threshold(MLV_TEST_KS, 1.5), MLV_EINVALID);
	CHECK_RC(mlv_stats_test_check_threshold(MLV_TEST_Z, 0), MLV_EINVALID);
	CHECK_RC(mlv_stats_test_check_threshold(MLV_TEST_PSI, -1), MLV_EINVALID);
	CHECK_OK(mlv_stats_test_check_threshold(MLV_TEST_PSI, 2.5));
	CHECK_RC(mlv_stats_test_check_type(MLV_TEST_KS, MLV_STATS_CATEGORICAL), MLV_EINVALID);
	CHECK_STR(mlv_error_last(), "ks needs a numerical column");
	CHECK_OK(mlv_stats_test_check_type(MLV_TEST_PSI, MLV_STATS_CATEGORICAL));

	/* DESIGN.md's default rule, on both sides of each boundary */
	CHECK(mlv_stats_default_test(MLV_STATS_NUMERICAL, 1000, 6) == MLV_TEST_KS);
	CHECK(mlv_stats_default_test(MLV_STATS_NUMERICAL, 1000, 5) == MLV_TEST_CHISQUARE);
	CHECK(mlv_stats_default_test(MLV_STATS_NUMERICAL, 1000, 3) == MLV_TEST_CHISQUARE);
	CHECK(mlv_stats_default_test(MLV_STATS_NUMERICAL, 1000, 2) == MLV_TEST_Z);
	CHECK(mlv_stats_default_test(MLV_STATS_CATEGORICAL, 10, 40) == MLV_TEST_CHISQUARE);
	CHECK(mlv_stats_default_test(MLV_STATS_CATEGORICAL, 10, 2) == MLV_TEST_Z);
	CHECK(mlv_stats_default_test(MLV_STATS_NUMERICAL, 1001, 6) == MLV_TEST_WASSERSTEIN);
	CHECK(mlv_stats_default_test(MLV_STATS_NUMERICAL, 1001, 5) == MLV_TEST_JENSENSHANNON);
	CHECK(mlv_stats_default_test(MLV_STATS_CATEGORICAL, 5000, 400) == MLV_TEST_JENSENSHANNON);
}

static void test_parse_number(void)
{
	double d = 0;
	CHECK(mlv_stats_parse_number("1.5", 3, &d) && d == 1.5);
	CHECK(mlv_stats_parse_number("-0.1", 4, &d) && d == -0.1);
	CHECK(mlv_stats_parse_number("1e-5", 4, &d) && d == 1e-5);
	CHECK(mlv_stats_parse_number(".5", 2, &d) && d == 0.5);
	CHECK(mlv_stats_parse_number("5.", 2, &d) && d == 5.0);
	CHECK(mlv_stats_parse_number(" 7", 2, &d) && d == 7.0);  /* strtod skips leading space */
	CHECK(!mlv_stats_parse_number("7 ", 2, &d));            /* ...but the whole field must parse */
	CHECK(!mlv_stats_parse_number("0x10", 4, &d));
	CHECK(!mlv_stats_parse_number("1,5", 3, &d));
	CHECK(!mlv_stats_parse_number("abc", 3, &d));
	CHECK(!mlv_stats_parse_number("", 0, &d));
	CHECK(!mlv_stats_parse_number("1e", 2, &d));
	/* digits beyond the fast path go through strtod and still round correctly */
	CHECK(mlv_stats_parse_number("3.14159265358979323846", 22, &d) && d == 3.14159265358979323846);
	CHECK(mlv_stats_parse_number("1.7976931348623157e308", 22, &d) && d == 1.7976931348623157e308);
	CHECK(mlv_stats_parse_number("4.9e-324", 8, &d) && d == 4.9e-324);
	CHECK(mlv_stats_parse_number("123456789012345678901234567890", 30, &d) && d == 123456789012345678901234567890.0);
	/* fast path against strtod on many decimals */
	char buf[64];
	int same = 1;
	for (int i = 0; i < 20000; i++) {
		unsigned long long u = (unsigned long long)i * 2654435761ULL % 1000000007ULL;
		int len = snprintf(buf, sizeof(buf), "%llu.%03de%d", u, i % 1000, (i % 45) - 22);
		if (!mlv_stats_parse_number(buf, (size_t)len, &d) || d != strtod(buf, NULL))
			same = 0;
	}
	CHECK(same);

	double v[300];
	test_random(v, sizeof(v), 5);
	for (int i = 0; i < 300; i++)
		if (isnan(v[i]))
			v[i] = (double)i;
	v[3] = -0.0;
	v[4] = 0.0;
	v[5] = -INFINITY;
	v[6] = INFINITY;
	CHECK_OK(mlv_stats_sort(v, 300));
	int sorted = 1;
	for (int i = 1; i < 300; i++)
		if (v[i - 1] > v[i])
			sorted = 0;
	CHECK(sorted && v[0] == -INFINITY && v[299] == INFINITY);
}

static void add_all(mlv_stats_column *c, const char *const *vals, size_t n)
{
	for (size_t i = 0; i < n; i++)
		CHECK_OK(mlv_stats_column_add(c, vals[i], strlen(vals[i])));
}

static void test_columns(void)
{
	mlv_stats_column *ref, *cur;
	size_t n;
	static const char *const num_ref[] = { "3", "1.0", "NA", "", "2", "inf", "-Infinity", "1", "1e999", "null" };
	static const char *const num_cur[] = { "4", "1", "NaN", "2.5" };

	CHECK_OK(mlv_stats_column_new(&ref, MLV_STATS_AUTO));
	CHECK_OK(mlv_stats_column_new(&cur, MLV_STATS_AUTO));
	add_all(ref, num_ref, 10);
	add_all(cur, num_cur, 4);
	CHECK(mlv_stats_column_type(ref) == MLV_STATS_NUMERICAL);
	CHECK(mlv_stats_column_count(ref) == 4 && mlv_stats_column_missing(ref) == 6); /* 1e999 overflows to inf */
	CHECK(mlv_stats_column_count(cur) == 3 && mlv_stats_column_missing(cur) == 1);
	CHECK(mlv_stats_column_values(ref, &n) == NULL); /* not finished */
	CHECK_OK(mlv_stats_column_finish(ref));
	CHECK_OK(mlv_stats_column_finish(cur));
	const double *v = mlv_stats_column_values(ref, &n);
	CHECK(n == 4 && v[0] == 1 && v[1] == 1 && v[2] == 2 && v[3] == 3);
	CHECK(mlv_stats_n_unique(ref, cur) == 5); /* 1, 2, 2.5, 3, 4: "1.0" and "1" are one number */

	mlv_stats_result r;
	CHECK_OK(mlv_stats_drift(&r, ref, cur, MLV_TEST_DEFAULT, NAN));
	CHECK(r.test == MLV_TEST_CHISQUARE && r.threshold == 0.05 && !isnan(r.p_value));
	CHECK_OK(mlv_stats_drift(&r, ref, cur, MLV_TEST_KS, NAN));
	CHECK(r.test == MLV_TEST_KS && r.drift == (r.p_value < 0.05));
	CHECK_OK(mlv_stats_drift(&r, ref, cur, MLV_TEST_PSI, 0.2));
	CHECK(r.test == MLV_TEST_PSI && isnan(r.p_value) && r.drift == (r.statistic >= 0.2));
	CHECK_RC(mlv_stats_drift(&r, ref, cur, MLV_TEST_Z, 2.0), MLV_EINVALID);
	CHECK(strstr(mlv_error_last(), "threshold") != NULL);

	/* a non-number after numbers: categorical, and the numbers must be read again */
	CHECK_OK(mlv_stats_column_add(cur, "abc", 3));
	CHECK(mlv_stats_column_type(cur) == MLV_STATS_CATEGORICAL);
	CHECK(mlv_stats_column_needs_rescan(cur));
	CHECK_OK(mlv_stats_column_finish(cur));
	CHECK_RC(mlv_stats_drift(&r, ref, cur, MLV_TEST_DEFAULT, NAN), MLV_EINVALID);
	mlv_stats_column_free(ref);
	mlv_stats_column_free(cur);

	/* categorical from the start */
	static const char *const cat_ref[] = { "b", "a", "b", "NA", "c", "é", "b" };
	static const char *const cat_cur[] = { "a", "a", "d", "b", "" };
	CHECK_OK(mlv_stats_column_new(&ref, MLV_STATS_AUTO));
	CHECK_OK(mlv_stats_column_new(&cur, MLV_STATS_CATEGORICAL));
	add_all(ref, cat_ref, 7);
	add_all(cur, cat_cur, 5);
	CHECK(!mlv_stats_column_needs_rescan(ref));
	CHECK_OK(mlv_stats_column_finish(ref));
	CHECK_OK(mlv_stats_column_finish(cur));
	const mlv_stats_category *cats = mlv_stats_column_categories(ref, &n);
	CHECK(n == 4);
	CHECK_STR(cats[0].ptr, "a");
	CHECK_STR(cats[1].ptr, "b");
	CHECK(cats[1].count == 3);
	CHECK_STR(cats[3].ptr, "é"); /* byte order, as Python sorts str */
	CHECK(mlv_stats_n_unique(ref, cur) == 5);
	CHECK_OK(mlv_stats_drift(&r, ref, cur, MLV_TEST_DEFAULT, NAN));
	CHECK(r.test == MLV_TEST_CHISQUARE);
	CHECK(r.statistic == INFINITY && r.p_value == 0 && r.drift); /* 'd' never seen in the reference */
	CHECK_RC(mlv_stats_drift(&r, ref, cur, MLV_TEST_WASSERSTEIN, NAN), MLV_EINVALID);
	CHECK_STR(mlv_error_last(), "wasserstein needs a numerical column");
	CHECK_OK(mlv_stats_drift(&r, ref, cur, MLV_TEST_HELLINGER, NAN));
	CHECK(r.statistic > 0 && r.statistic < 1);
	mlv_stats_column_free(ref);
	mlv_stats_column_free(cur);
	mlv_stats_column_free(NULL);

	/* forced numerical refuses text; all-missing columns have no values */
	CHECK_OK(mlv_stats_column_new(&ref, MLV_STATS_NUMERICAL));
	CHECK_RC(mlv_stats_column_add(ref, "x1", 2), MLV_EINVALID);
	CHECK_STR(mlv_error_last(), "'x1' is not a number");
	CHECK_OK(mlv_stats_column_new(&cur, MLV_STATS_AUTO));
	CHECK_OK(mlv_stats_column_add(cur, "NA", 2));
	CHECK_OK(mlv_stats_column_add(ref, "1", 1));
	CHECK_OK(mlv_stats_column_finish(ref));
	CHECK_OK(mlv_stats_column_finish(cur));
	CHECK_RC(mlv_stats_drift(&r, ref, cur, MLV_TEST_DEFAULT, NAN), MLV_EINVALID);
	CHECK_STR(mlv_error_last(), "the current sample has no values");
	mlv_stats_column_free(ref);
	mlv_stats_column_free(cur);

	double s, p, one = 1;
	CHECK_RC(mlv_stats_ks(&s, &p, NULL, 0, &one, 1), MLV_EINVALID);
	CHECK_STR(mlv_error_last(), "the reference sample has no values");
}

static int cmp_double(const void *x, const void *y)
{
	double a = *(const double *)x, b = *(const double *)y;
	return (a > b) - (a < b);
}

static uint64_t rng_next(uint64_t *x)
{
	*x = *x * 6364136223846793005ULL + 1442695040888963407ULL;
	return *x >> 17;
}

/*
 * Feed N fields made by MAKE to a numerical column and check the finished
 * values against strtod and qsort, bit for bit (0 and -0 compare equal: the
 * sort files -0 with 0). Covers the column's decimal form and every way
 * out of it.
 */
static void check_column_values(const char *what, size_t n, int (*make)(char *, size_t, uint64_t *, size_t),
	uint64_t seed, int sorted)
{
	mlv_stats_column *c;
	char buf[64];
	double *want = malloc(n * sizeof(double));
	size_t nw = 0, ng = 0;
	int same = 1;
	CHECK_OK(mlv_stats_column_new(&c, MLV_STATS_AUTO));
	for (size_t i = 0; i < n; i++) {
		int len = make(buf, sizeof(buf), &seed, i);
		char *end;
		double d = strtod(buf, &end);
		CHECK_OK(mlv_stats_column_add(c, buf, (size_t)len));
		if (len > 0 && *end == '\0' && isfinite(d))
			want[nw++] = d; /* else a missing value ("NA", "", "inf", "NaN") */
	}
	if (!sorted)
		qsort(want, nw, sizeof(double), cmp_double);
	CHECK(mlv_stats_column_type(c) == MLV_STATS_NUMERICAL);
	CHECK(mlv_stats_column_count(c) == nw);
	CHECK_OK(mlv_stats_column_finish(c));
	const double *got = mlv_stats_column_values(c, &ng);
	if (ng != nw || !got)
		same = 0;
	for (size_t i = 0; same && i < nw; i++)
		if (got[i] != want[i] || (got[i] != 0 && memcmp(&got[i], &want[i], sizeof(double)))) {
			fprintf(stderr, "%s: value %zu: got %.17g, expected %.17g\n", what, i, got[i], want[i]);
			same = 0;
		}
	if (!same)
		fprintf(stderr, "%s: %zu values, expected %zu\n", what, ng, nw);
	CHECK(same);
	mlv_stats_column_free(c);
	free(want);
}

/* Decimals with 0..5 places, small magnitudes: stays in decimal form (counting or radix sort). */
static int make_small(char *b, size_t sz, uint64_t *x, size_t i)
{
	uint64_t r = rng_next(x);
	int places = (int)(r % 6);
	long long m = (long long)(rng_next(x) % 2000001) - 1000000;
	if (places == 0)
		return snprintf(b, sz, "%lld", m % 1000);
	return snprintf(b, sz, "%s%lld.%0*lld", m < 0 ? "-" : "", llabs(m) / 100000, places,
		(llabs(m) % 100000) % (long long)pow(10, places));
}

/* Integers in a narrow range: the counting sort. */
static int make_narrow(char *b, size_t sz, uint64_t *x, size_t i)
{
	return snprintf(b, sz, "%d", (int)(rng_next(x) % 73) + 18);
}

/* 9-digit decimals with 6 places: radix sort over a wide range (three passes). */
static int make_wide(char *b, size_t sz, uint64_t *x, size_t i)
{
	long long m = (long long)(rng_next(x) % 2000000000) - 1000000000;
	return snprintf(b, sz, "%s%lld.%06lld", m < 0 ? "-" : "+", llabs(m) / 1000000, llabs(m) % 1000000);
}

/* Two passes: a range of about 2^20. */
static int make_mid(char *b, size_t sz, uint64_t *x, size_t i)
{
	long long m = (long long)(rng_next(x) % 1000000) - 500000;
	return snprintf(b, sz, "%s%lld.%03lld", m < 0 ? "-" : "", llabs(m) / 1000, llabs(m) % 1000);
}

/* More places late in the stream: the earlier values are scaled up (then 10 places: doubles). */
static int make_growing(char *b, size_t sz, uint64_t *x, size_t i)
{
	int places = (int)(i / 500);
	uint64_t r = rng_next(x) % 100000;
	if (places == 0)
		return snprintf(b, sz, "%llu", (unsigned long long)r);
	return snprintf(b, sz, "%llu.%0*llu", (unsigned long long)(r % 100), places,
		(unsigned long long)(rng_next(x) % (uint64_t)pow(10, places)));
}

/* Mostly small decimals, then one that does not fit in 32 bits. */
static int make_overflow(char *b, size_t sz, uint64_t *x, size_t i)
{
	if (i == 3000)
		return snprintf(b, sz, "2147483.648");
	return snprintf(b, sz, "%llu.%03llu", (unsigned long long)(rng_next(x) % 1000), (unsigned long long)(rng_next(x) % 1000));
}

/* Decimals, then other spellings of numbers, missing values and ±0. */
static int make_mixed(char *b, size_t sz, uint64_t *x, size_t i)
{
	static const char *const odd[] = { "1e3", "-0", "-0.0", "+0", "0.", ".5", "-.25", "NA", "", "inf",
		"1.7976931348623157e308", "4.9e-324", "123456789012345678901", "0.30000000000000004", " 7", "NaN" };
	if (i > 2000 && i % 97 == 0)
		return snprintf(b, sz, "%s", odd[(i / 97) % (sizeof(odd) / sizeof(odd[0]))]);
	return make_small(b, sz, x, i);
}

/* Ascending decimals: no sort at all. */
static int make_sorted(char *b, size_t sz, uint64_t *x, size_t i)
{
	return snprintf(b, sz, "%zu.%02zu", i / 100, i % 100);
}

/*
 * One field into a fresh column must come out as mlv_stats_parse_number
 * (strtod) reads it: a finite number with that very value, a missing
 * value, or text that makes the column categorical.
 */
static int field_agrees(const char *f, size_t len)
{
	mlv_stats_column *c;
	double want, *got;
	size_t n;
	int ok, isnum, miss;
	if (mlv_stats_column_new(&c, MLV_STATS_AUTO))
		return 0;
	isnum = mlv_stats_parse_number(f, len, &want);
	miss = mlv_csv_is_missing(f, len) || (isnum && !isfinite(want));
	ok = mlv_stats_column_add(c, f, len) == 0 && mlv_stats_column_finish(c) == 0;
	if (miss)
		ok = ok && mlv_stats_column_missing(c) == 1 && mlv_stats_column_count(c) == 0;
	else if (isnum)
		ok = ok && (got = (double *)mlv_stats_column_values(c, &n)) && n == 1 && got[0] == want &&
			(want == 0 || !memcmp(got, &want, sizeof(want)));
	else
		ok = ok && mlv_stats_column_type(c) == MLV_STATS_CATEGORICAL;
	if (!ok)
		fprintf(stderr, "field '%.*s' (%zu bytes) read differently\n", (int)len, f, len);
	mlv_stats_column_free(c);
	return ok;
}

static void test_decimal_fields(void)
{
	static const char *const cases[] = { "", "-", "+", ".", "-.", "+.", "1.", ".1", "-.5", "+.5", "1.2.3",
		"12345678", "1234567.8", "123456789", "-12345678", "-1234567.8", "+12345678", "0", "-0", "+0", "0.0",
		"-0.000", "00000000", "000000001", "9999999.9", "99999999", "1a", "a1", "1-", "-1-", " 1", "1 ", "..",
		"1..", "1e5", "1E5", "e5", "1.5e-3", "0x1f", "NA", "nan", "inf", "-inf", "1\xb5", "\xff", "12\xc3\xa9", "1\xb5" "5",
		"\xef\xbb\xbf" "1", "7/", "7:", "/7", ":7", "2147483647", "2147483648", "-2147483647", "-2147483648",
		"214748364.7", "21474836.48", "0.000000001", "0.0000000001", "999999999999999999", "1000000000000000000",
		"123456789012345678901", "1,5", "1_000", "--1", "+-1", "-+1", "\t1", "1\n", "٣" };
	int ok = 1;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		ok &= field_agrees(cases[i], strlen(cases[i]));
	ok &= field_agrees("1\0", 2); /* an embedded NUL is not a number */
	ok &= field_agrees("12\0" "4", 4);
	/* random short strings over the characters that matter */
	static const char alpha[] = "0123456789.-+eE /:";
	uint64_t x = 42;
	char buf[16];
	for (int i = 0; i < 100000 && ok; i++) {
		size_t len = rng_next(&x) % 12;
		for (size_t j = 0; j < len; j++) {
			uint64_t r = rng_next(&x);
			buf[j] = r % 4 ? (char)('0' + r / 4 % 10) : alpha[r / 4 % (sizeof(alpha) - 1)];
		}
		ok &= field_agrees(buf, len);
	}
	CHECK(ok);
}

static void test_decimal_columns(void)
{
	check_column_values("small", 50000, make_small, 1, 0);
	check_column_values("narrow", 50000, make_narrow, 2, 0);
	check_column_values("wide", 50000, make_wide, 3, 0);
	check_column_values("mid", 50000, make_mid, 4, 0);
	check_column_values("growing", 6000, make_growing, 5, 0);
	check_column_values("overflow", 6000, make_overflow, 6, 0);
	check_column_values("mixed", 20000, make_mixed, 7, 0);
	check_column_values("tiny", 3, make_wide, 8, 0);
	check_column_values("empty", 0, make_wide, 9, 0);
	check_column_values("sorted", 20000, make_sorted, 10, 1);
}

int main(void)
{
	test_numerical_fixtures();
	test_categorical_fixtures();
	test_special_functions();
	test_names_and_rules();
	test_parse_number();
	test_columns();
	test_decimal_columns();
	test_decimal_fields();
	return test_done("test_stats");
}
