/*
 * Column loading and the drift tests of DESIGN.md ("Drift: what the numbers
 * mean"): column typing, the default test choice, and ks, chisquare, z,
 * wasserstein, psi, jensenshannon, kl_div and hellinger computed as scipy /
 * numpy / Evidently compute them (fixtures in tests/fixtures/drift).
 */
#ifndef MLV_STATS_H
#define MLV_STATS_H

#include <stddef.h>
#include <stdint.h>
#include "mlv/csv.h"

/* Column types. */
enum {
	MLV_STATS_AUTO = 0,        /* decide from the values (mlv_stats_column_new) */
	MLV_STATS_NUMERICAL = 1,
	MLV_STATS_CATEGORICAL = 2
};

/* Drift tests. */
enum {
	MLV_TEST_DEFAULT = 0, /* choose by DESIGN.md's rule (mlv_stats_default_test) */
	MLV_TEST_KS,
	MLV_TEST_CHISQUARE,
	MLV_TEST_Z,
	MLV_TEST_WASSERSTEIN,
	MLV_TEST_PSI,
	MLV_TEST_JENSENSHANNON,
	MLV_TEST_KL_DIV,
	MLV_TEST_HELLINGER,
	MLV_TEST_COUNT_
};

/* ---- tests by name ---- */

/* The name of TEST ("ks", "chisquare"...), or NULL for an unknown value. */
const char *mlv_stats_test_name(int test);

/*
 * Look NAME up; sets *OUT to its MLV_TEST_* value and returns 0, or returns
 * MLV_EINVALID ("unknown test 'x' (known: ks, chisquare, ...)").
 */
int mlv_stats_test_from_name(int *out, const char *name);

/* 1 when TEST gives a p-value (ks, chisquare, z: drift when p < threshold). */
int mlv_stats_test_has_p_value(int test);

/* The default threshold: 0.05 for the p-value tests, 0.1 for the others. */
double mlv_stats_test_default_threshold(int test);

/*
 * Check THRESHOLD for TEST: a p-value threshold must lie in (0, 1), a
 * distance threshold must be finite and > 0. Returns 0 or MLV_EINVALID
 * with the error set.
 */
int mlv_stats_test_check_threshold(int test, double threshold);

/*
 * Check that TEST applies to a column of TYPE (ks and wasserstein need a
 * numerical column). Returns 0 or MLV_EINVALID ("ks needs a numerical
 * column").
 */
int mlv_stats_test_check_type(int test, int type);

/*
 * DESIGN.md's default test for a column of TYPE whose reference has
 * REF_ROWS rows (missing values included, as Evidently counts them) and
 * whose reference ∪ current holds N_UNIQUE distinct non-missing values:
 * ref_rows <= 1000: numerical with n_unique > 5 → ks; n_unique > 2 →
 * chisquare; else z. ref_rows > 1000: numerical with n_unique > 5 →
 * wasserstein; else jensenshannon.
 */
int mlv_stats_default_test(int type, uint64_t ref_rows, size_t n_unique);

/* ---- values ---- */

/*
 * Parse the LEN bytes at S as a number, as strtod does on the whole field
 * (leading white space allowed, nothing may follow; hexadecimal is not a
 * number). Returns 1 and sets *OUT, or 0 when S is not a number. "inf" and
 * "nan" parse (to ±inf and NaN): test mlv_csv_is_missing first.
 */
int mlv_stats_parse_number(const char *s, size_t len, double *out);

/* Sort N doubles ascending in place (NaN must not occur). 0 or MLV_ENOMEM. */
int mlv_stats_sort(double *v, size_t n);

/* ---- column accumulator ---- */

typedef struct mlv_stats_column mlv_stats_column;

/* A distinct categorical value and how often it occurs. */
typedef struct mlv_stats_category {
	const char *ptr;  /* LEN bytes, NUL-terminated too */
	size_t len;
	uint64_t count;   /* > 0 */
} mlv_stats_category;

/*
 * A new, empty column of TYPE (MLV_STATS_AUTO to type it from its values).
 * Free with mlv_stats_column_free. Returns 0 or MLV_ENOMEM.
 */
int mlv_stats_column_new(mlv_stats_column **out, int type);

/* Free C and everything it handed out. NULL is a no-op. */
void mlv_stats_column_free(mlv_stats_column *c);

/*
 * Add one field. Missing spellings (mlv_csv_is_missing) and values that
 * parse to ±inf or NaN count as missing. A numerical column keeps the
 * values as 4-byte scaled decimals while they are short plain decimals
 * ("-12.345" is -12345 at scale 3), else as doubles; either way the finished
 * column holds exactly the doubles strtod gives. A categorical one counts
 * each distinct byte string.
 *
 * An AUTO column is numerical until a non-missing value does not parse;
 * then it becomes categorical. Values added before that point are not kept
 * as text (keeping every spelling of every number would cost the memory
 * this module exists to save), so the column then reports
 * mlv_stats_column_needs_rescan(): feed the whole input again to a column
 * created with MLV_STATS_CATEGORICAL. (When the first non-missing value is
 * already non-numeric no rescan is needed.)
 *
 * A column forced to MLV_STATS_NUMERICAL fails on a non-number with
 * MLV_EINVALID ("'abc' is not a number"). Returns 0, MLV_EINVALID or
 * MLV_ENOMEM. S need not be NUL-terminated; it is copied when kept.
 */
int mlv_stats_column_add(mlv_stats_column *c, const char *s, size_t len);

/*
 * Add one row: FIELDS[IDX[i]] to COLS[i] for i < N, each as
 * mlv_stats_column_add would (with its common case inline, which is what
 * makes this faster than N calls). Returns 0, or the error of the first
 * add that failed, with *FAILED set to its i (the columns after it are
 * left alone).
 */
int mlv_stats_add_row(mlv_stats_column *const *cols, const size_t *idx, size_t n,
	const mlv_csv_field *fields, size_t *failed);

/* MLV_STATS_NUMERICAL or MLV_STATS_CATEGORICAL: the type so far. */
int mlv_stats_column_type(const mlv_stats_column *c);

/* 1 when an AUTO column turned categorical after numbers (see _add). */
int mlv_stats_column_needs_rescan(const mlv_stats_column *c);

/* Non-missing values added. */
uint64_t mlv_stats_column_count(const mlv_stats_column *c);

/* Missing values added. */
uint64_t mlv_stats_column_missing(const mlv_stats_column *c);

/*
 * Sort the values (numerical) or the categories (categorical, by bytes, as
 * Python sorts str) so the accessors below can be used. May be called
 * again after more mlv_stats_column_add calls. Returns 0 or MLV_ENOMEM.
 */
int mlv_stats_column_finish(mlv_stats_column *c);

/*
 * A numerical column's values, sorted ascending, *N of them; valid until
 * the next mlv_stats_column_add/finish/free. NULL (and *N = 0) for a
 * categorical column or before mlv_stats_column_finish.
 */
const double *mlv_stats_column_values(const mlv_stats_column *c, size_t *n);

/*
 * A categorical column's distinct values sorted by bytes, *N of them; valid
 * until the next mlv_stats_column_add/finish/free. NULL (and *N = 0) for a
 * numerical column or before mlv_stats_column_finish.
 */
const mlv_stats_category *mlv_stats_column_categories(const mlv_stats_column *c, size_t *n);

/*
 * Distinct non-missing values of REF ∪ CUR (both finished, same type):
 * DESIGN.md's n_unique. Numbers compare as doubles (1 and 1.0 are one
 * value), categories as bytes.
 */
size_t mlv_stats_n_unique(const mlv_stats_column *ref, const mlv_stats_column *cur);

/* ---- bins: two aligned count vectors ---- */

/*
 * Counts of the reference and of the current sample over the same K bins
 * (categories, distinct values or histogram bins), with the sample sizes.
 * Fill with one of mlv_stats_bins_* (or by hand: the tests only read the
 * members) and release with mlv_stats_bins_release.
 */
typedef struct mlv_stats_bins {
	size_t k;
	double *ref;   /* k counts */
	double *cur;   /* k counts */
	double n_ref;  /* sample sizes: the sums of the counts */
	double n_cur;
} mlv_stats_bins;

#define MLV_STATS_BINS_INIT { 0, NULL, NULL, 0, 0 }

/* Free the vectors of B and reset it. */
void mlv_stats_bins_release(mlv_stats_bins *b);

/*
 * One bin per distinct value of A ∪ B (sorted ascending; NA values each,
 * both sorted). Returns 0 or MLV_ENOMEM; *OUT must be released.
 */
int mlv_stats_bins_values(mlv_stats_bins *out, const double *a, size_t na, const double *b, size_t nb);

/*
 * One bin per category of A ∪ B in byte order (both as from
 * mlv_stats_column_categories). Returns 0 or MLV_ENOMEM.
 */
int mlv_stats_bins_categories(mlv_stats_bins *out, const mlv_stats_category *a, size_t na,
	const mlv_stats_category *b, size_t nb);

/*
 * The binning of psi, jensenshannon and kl_div for a numerical column
 * (sorted A = reference, B = current): more than 20 distinct reference
 * values → a histogram over the Sturges edges of A ∪ B; otherwise one bin
 * per distinct value of A ∪ B. Returns 0 or MLV_ENOMEM.
 */
int mlv_stats_bins_numerical(mlv_stats_bins *out, const double *a, size_t na, const double *b, size_t nb);

/*
 * numpy's histogram_bin_edges(x, bins="sturges") for a sample of N values
 * with minimum LO and maximum HI: ceil((hi-lo) / ((hi-lo)/(log2(n)+1)))
 * bins (1 when hi == lo, and then the range is [lo-0.5, hi+0.5]), edges as
 * np.linspace makes them. Sets *EDGES (malloc'd, *NBINS+1 values; free()
 * it) and *NBINS. Returns 0 or MLV_ENOMEM (MLV_EINVALID when N is 0).
 */
int mlv_stats_sturges_edges(double **edges, size_t *nbins, double lo, double hi, size_t n);

/*
 * numpy's histogram(x, EDGES) for N sorted values V: COUNTS[i] (NBINS of
 * them) counts edges[i] <= v < edges[i+1], the last bin also v ==
 * edges[nbins]; values outside are not counted.
 */
void mlv_stats_histogram(double *counts, const double *edges, size_t nbins, const double *v, size_t n);

/* ---- the tests (pure functions) ----
 * Every test returns 0, or MLV_EINVALID when a sample is empty ("the
 * current sample has no values"), or MLV_ENOMEM. Sorted means ascending.
 */

/*
 * scipy.stats.ks_2samp(a, b) (two-sided, method='auto') on sorted samples:
 * *STAT is D (rounded to h/lcm(na,nb) when the exact method ran, as scipy
 * does), *P its p-value: exact when max(na, nb) <= 10000 (Hodges' lattice
 * path count; the square case for na == nb), else kstwo.sf(D,
 * round(na*nb/(na+nb))).
 */
int mlv_stats_ks(double *stat, double *p, const double *a, size_t na, const double *b, size_t nb);

/*
 * The survival function of the two-sided one-sample Kolmogorov–Smirnov
 * statistic D_n at X: scipy.stats.kstwo.sf(x, n), using the same methods
 * in the same regions as scipy (Ruben–Gambino, Durbin's matrix, Smirnov's
 * one-sided sum, Pelz–Good). N >= 1.
 */
double mlv_stats_kstwo_sf(double x, uint64_t n);

/* scipy.special.smirnov(n, x): P(D_n^+ >= x), the one-sided statistic. */
double mlv_stats_smirnov(uint64_t n, double x);

/* The regularized upper incomplete gamma function Q(a, x) (a > 0, x >= 0). */
double mlv_stats_gamma_q(double a, double x);

/*
 * Pearson's chi-square: expected = B->ref × n_cur/n_ref, observed = B->cur,
 * over the B->k bins: scipy.stats.chisquare. *P = Q((k-1)/2, stat/2); a bin
 * with expected 0 and observed > 0 makes the statistic +inf and p 0; with
 * k == 1 the p-value is NaN (scipy: no degrees of freedom).
 */
int mlv_stats_chisquare(double *stat, double *p, const mlv_stats_bins *b);

/*
 * Evidently's two-proportion z-test on the first bin (the first category
 * in sorted order): proportions of values NOT in bin 0, pooled variance,
 * two-sided p = erfc(|z|/√2). When every value of both samples is in bin 0
 * *STAT is 0 and *P 1 (Evidently's "same single value" rule).
 */
int mlv_stats_z(double *stat, double *p, const mlv_stats_bins *b);

/*
 * scipy.stats.wasserstein_distance(a, b) / max(np.std(a), 0.001) on sorted
 * samples (np.std is the population standard deviation).
 */
int mlv_stats_wasserstein(double *out, const double *a, size_t na, const double *b, size_t nb);

/*
 * Evidently's psi over B: frequencies count/n, empty bins of each side
 * filled with m/1e6 (m = that side's smallest non-zero frequency) when
 * m <= 1e-4, else 1e-4; Σ (ref − cur)·ln(ref/cur).
 */
int mlv_stats_psi(double *out, const mlv_stats_bins *b);

/* scipy.stats.entropy(ref, cur) over B's frequencies, zero-filled as psi. */
int mlv_stats_kl_div(double *out, const mlv_stats_bins *b);

/*
 * scipy.spatial.distance.jensenshannon(ref, cur) (natural log; the
 * distance, the square root of the divergence) over B's frequencies, no
 * zero filling. A divergence that rounds below 0 gives 0 (scipy: NaN).
 */
int mlv_stats_jensenshannon(double *out, const mlv_stats_bins *b);

/*
 * Evidently's categorical Hellinger distance over B:
 * sqrt(1 − clip(Σ sqrt(p_ref·p_cur), 0, 1)) with p = count/n.
 */
int mlv_stats_hellinger_bins(double *out, const mlv_stats_bins *b);

/*
 * Evidently's numerical Hellinger distance of sorted samples A, B: density
 * histograms over the Sturges edges of the distinct values of A ∪ B, terms
 * weighted by the uniform bin width (last − first edge)/nbins.
 */
int mlv_stats_hellinger_numerical(double *out, const double *a, size_t na, const double *b, size_t nb);

/* ---- a column pair ---- */

/* The outcome of one test on one column. */
typedef struct mlv_stats_result {
	int test;          /* the MLV_TEST_* that ran */
	double statistic;  /* D, chi², z, or the distance */
	double p_value;    /* NaN when the test has none */
	double threshold;
	int drift;         /* p < threshold, or statistic >= threshold */
} mlv_stats_result;

/*
 * Run TEST (MLV_TEST_DEFAULT: mlv_stats_default_test with the reference's
 * rows, count + missing) with THRESHOLD (NaN: the test's default) on the
 * finished columns REF and CUR, which must have the same type (resolve
 * AUTO columns first: if either is categorical both must be). Fills *OUT.
 * Returns 0, or MLV_EINVALID (type mismatch, test unfit for the type,
 * threshold out of range, a column with no values), or MLV_ENOMEM.
 */
int mlv_stats_drift(mlv_stats_result *out, const mlv_stats_column *ref, const mlv_stats_column *cur,
	int test, double threshold);

#endif
