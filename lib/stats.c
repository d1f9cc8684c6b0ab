/*
 * Drift statistics (see mlv/stats.h and DESIGN.md "Drift: what the numbers
 * mean"): column accumulation, binning, and the tests, written from the
 * mathematics so that the numbers match scipy/numpy/Evidently to rounding.
 */
#include <float.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <pthread.h>
#include <sys/mman.h>
#include "mlv/buf.h"
#include "mlv/csv.h"
#include "mlv/error.h"
#include "mlv/stats.h"
#include "alloc.h"

/* ---- tests by name ---- */

static const char *const test_names[MLV_TEST_COUNT_] = {
	[MLV_TEST_KS] = "ks",
	[MLV_TEST_CHISQUARE] = "chisquare",
	[MLV_TEST_Z] = "z",
	[MLV_TEST_WASSERSTEIN] = "wasserstein",
	[MLV_TEST_PSI] = "psi",
	[MLV_TEST_JENSENSHANNON] = "jensenshannon",
	[MLV_TEST_KL_DIV] = "kl_div",
	[MLV_TEST_HELLINGER] = "hellinger",
};

const char *mlv_stats_test_name(int test)
{
	if (test <= MLV_TEST_DEFAULT || test >= MLV_TEST_COUNT_)
		return NULL;
	return test_names[test];
}

int mlv_stats_test_from_name(int *out, const char *name)
{
	for (int t = MLV_TEST_DEFAULT + 1; t < MLV_TEST_COUNT_; t++)
		if (!strcmp(name, test_names[t])) {
			*out = t;
			return 0;
		}
	return mlv_error_set(MLV_EINVALID, "unknown test '%s' (known: ks, chisquare, z, wasserstein, psi, jensenshannon, kl_div, hellinger)", name);
}

int mlv_stats_test_has_p_value(int test)
{
	return test == MLV_TEST_KS || test == MLV_TEST_CHISQUARE || test == MLV_TEST_Z;
}

double mlv_stats_test_default_threshold(int test)
{
	return mlv_stats_test_has_p_value(test) ? 0.05 : 0.1;
}

int mlv_stats_test_check_threshold(int test, double t)
{
	if (mlv_stats_test_has_p_value(test)) {
		if (!(t > 0 && t < 1))
			return mlv_error_set(MLV_EINVALID, "threshold %g out of range for %s: a p-value threshold lies between 0 and 1",
				t, mlv_stats_test_name(test));
	} else if (!(t > 0 && isfinite(t))) {
		return mlv_error_set(MLV_EINVALID, "threshold %g out of range for %s: it must be a positive number",
			t, mlv_stats_test_name(test) ? mlv_stats_test_name(test) : "this test");
	}
	return 0;
}

int mlv_stats_test_check_type(int test, int type)
{
	if ((test == MLV_TEST_KS || test == MLV_TEST_WASSERSTEIN) && type != MLV_STATS_NUMERICAL)
		return mlv_error_set(MLV_EINVALID, "%s needs a numerical column", mlv_stats_test_name(test));
	if (!mlv_stats_test_name(test))
		return mlv_error_set(MLV_EINVALID, "unknown test %d", test);
	return 0;
}

int mlv_stats_default_test(int type, uint64_t ref_rows, size_t n_unique)
{
	int num = type == MLV_STATS_NUMERICAL;
	if (ref_rows <= 1000) {
		if (num && n_unique > 5)
			return MLV_TEST_KS;
		if (n_unique > 2)
			return MLV_TEST_CHISQUARE;
		return MLV_TEST_Z;
	}
	if (num && n_unique > 5)
		return MLV_TEST_WASSERSTEIN;
	return MLV_TEST_JENSENSHANNON;
}

/*
 * The value arrays of the columns. On Linux an array of ARR_BIG bytes or
 * more is a mapping of its own: it grows by mremap, which moves pages
 * instead of copying them (realloc copies whenever the block sits in a
 * heap), and freeing it gives the memory back at once. Smaller ones come
 * from malloc, so that a file with thousands of columns does not run into
 * the limit on the number of mappings. Which kind a block is follows from
 * its size in bytes, which the caller passes back exactly.
 */
#if defined(__linux__) && defined(MREMAP_MAYMOVE)
#define ARR_MMAP 1
#define ARR_BIG ((size_t)1 << 20)
static size_t arr_round(size_t bytes)
{
	return (bytes + 4095) & ~(size_t)4095;
}

static void *arr_map(size_t bytes)
{
	void *p = mmap(NULL, arr_round(bytes), PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	return p == MAP_FAILED ? NULL : p;
}
#endif

static void *arr_alloc(size_t bytes)
{
#ifdef ARR_MMAP
	if (bytes >= ARR_BIG)
		return arr_map(bytes);
#endif
	return mlv__malloc(bytes ? bytes : 1);
}

static void *arr_realloc(void *p, size_t old, size_t bytes)
{
#ifdef ARR_MMAP
	void *q;
	if (!p)
		return arr_alloc(bytes);
	if (old < ARR_BIG && bytes < ARR_BIG)
		return mlv__realloc(p, bytes ? bytes : 1);
	if (old >= ARR_BIG && bytes >= ARR_BIG) {
		if (arr_round(old) == arr_round(bytes))
			return p;
		q = mremap(p, arr_round(old), arr_round(bytes), MREMAP_MAYMOVE);
		return q == MAP_FAILED ? NULL : q;
	}
	if (!(q = arr_alloc(bytes))) /* from one kind to the other: copy */
		return NULL;
	memcpy(q, p, old < bytes ? old : bytes);
	if (old >= ARR_BIG)
		munmap(p, arr_round(old));
	else
		free(p);
	return q;
#else
	(void)old;
	return mlv__realloc(p, bytes ? bytes : 1);
#endif
}

static void arr_free(void *p, size_t bytes)
{
#ifdef ARR_MMAP
	if (p && bytes >= ARR_BIG) {
		munmap(p, arr_round(bytes));
		return;
	}
#else
	(void)bytes;
#endif
	free(p);
}

/*
 * The arrays of finished columns (the sorted doubles) are kept, a few of
 * them, for the next columns to finish into: their pages are there already,
 * so no page faults and no zeroing by the kernel. A column job of
 * `mlv drift` frees its two arrays just before the next job needs two of
 * about the same size. Only blocks of 1 MiB and more are kept, and only
 * used for a request of at least two thirds of their size.
 */
#ifdef ARR_MMAP
#define ARR_KEEP 4
static struct { void *p; size_t bytes; } arr_kept[ARR_KEEP];
static pthread_mutex_t arr_lock = PTHREAD_MUTEX_INITIALIZER;
#endif

/* At least BYTES, maybe a kept block: *GOT is its size (for arr_release). */
static void *arr_alloc_reuse(size_t bytes, size_t *got)
{
#ifdef ARR_MMAP
	size_t need = arr_round(bytes ? bytes : 1);
	void *p = NULL;
	int best = -1;
	if (bytes < ARR_BIG) {
		*got = bytes;
		return arr_alloc(bytes);
	}
	pthread_mutex_lock(&arr_lock);
	for (int i = 0; i < ARR_KEEP; i++)
		if (arr_kept[i].p && arr_kept[i].bytes >= need && arr_kept[i].bytes <= need + need / 2 &&
			(best < 0 || arr_kept[i].bytes < arr_kept[best].bytes))
			best = i;
	if (best >= 0) {
		p = arr_kept[best].p;
		*got = arr_kept[best].bytes;
		arr_kept[best].p = NULL;
	}
	pthread_mutex_unlock(&arr_lock);
	if (p)
		return p;
	*got = need;
	return arr_map(need);
#else
	*got = bytes;
	return arr_alloc(bytes);
#endif
}

/* Free P (BYTES), keeping it for arr_alloc_reuse when it is big (in place of a smaller one). */
static void arr_release(void *p, size_t bytes)
{
#ifdef ARR_MMAP
	if (p && bytes >= ARR_BIG) {
		size_t r = arr_round(bytes), oldb = 0;
		void *old = NULL;
		int slot = -1;
		pthread_mutex_lock(&arr_lock);
		for (int i = 0; i < ARR_KEEP && slot < 0; i++)
			if (!arr_kept[i].p)
				slot = i;
		if (slot < 0) {
			int small = 0;
			for (int i = 1; i < ARR_KEEP; i++)
				if (arr_kept[i].bytes < arr_kept[small].bytes)
					small = i;
			if (arr_kept[small].bytes < r) {
				slot = small;
				old = arr_kept[small].p;
				oldb = arr_kept[small].bytes;
			}
		}
		if (slot >= 0) {
			arr_kept[slot].p = p;
			arr_kept[slot].bytes = r;
		}
		pthread_mutex_unlock(&arr_lock);
		if (slot < 0)
			arr_free(p, bytes);
		else if (old)
			arr_free(old, oldb);
		return;
	}
#endif
	arr_free(p, bytes);
}

/* ---- numbers ---- */

static const double pow10_exact[23] = {
	1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12,
	1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22
};

/*
 * Clinger's fast path: a decimal whose digits fit in 53 bits and whose
 * power of ten is exact (|e| <= 22) is one correctly rounded multiply or
 * divide, so it equals strtod's result. 1 parsed, 0 not a plain decimal
 * (let strtod decide), -1 a plain decimal out of the fast range.
 */
static int parse_fast(const char *s, size_t len, double *out)
{
	size_t i = 0;
	int neg = 0, digits = 0, e = 0;
	uint64_t m = 0;
	if (i < len && (s[i] == '-' || s[i] == '+'))
		neg = s[i++] == '-';
	while (i < len && s[i] >= '0' && s[i] <= '9') {
		if (m >= (1ULL << 53) / 10)
			return -1;
		m = m * 10 + (uint64_t)(s[i++] - '0');
		digits++;
	}
	if (i < len && s[i] == '.') {
		i++;
		while (i < len && s[i] >= '0' && s[i] <= '9') {
			if (m >= (1ULL << 53) / 10)
				return -1;
			m = m * 10 + (uint64_t)(s[i++] - '0');
			e--;
			digits++;
		}
	}
	if (!digits)
		return 0;
	if (i < len && (s[i] == 'e' || s[i] == 'E')) {
		int eneg = 0, ev = 0, ed = 0;
		i++;
		if (i < len && (s[i] == '-' || s[i] == '+'))
			eneg = s[i++] == '-';
		while (i < len && s[i] >= '0' && s[i] <= '9') {
			if (ev > 10000)
				return -1;
			ev = ev * 10 + (s[i++] - '0');
			ed++;
		}
		if (!ed)
			return 0;
		e += eneg ? -ev : ev;
	}
	if (i != len)
		return 0;
	double d = (double)m;
	if (e == 0 || m == 0)
		;
	else if (e > 0 && e <= 22)
		d *= pow10_exact[e];
	else if (e < 0 && e >= -22)
		d /= pow10_exact[-e];
	else
		return -1;
	*out = neg ? -d : d;
	return 1;
}

int mlv_stats_parse_number(const char *s, size_t len, double *out)
{
	char small[64], *tmp = small, *end;
	double d;
	int rc = parse_fast(s, len, out);
	if (rc == 1)
		return 1;
	if (len == 0)
		return 0;
	for (size_t i = 0; i < len; i++)
		if (s[i] == 'x' || s[i] == 'X' || s[i] == '\0')
			return 0; /* hexadecimal, or an embedded NUL */
	if (len >= sizeof(small) && !(tmp = mlv__malloc(len + 1)))
		return 0;
	memcpy(tmp, s, len);
	tmp[len] = '\0';
	d = strtod(tmp, &end);
	rc = end == tmp + len && end != tmp;
	if (tmp != small)
		free(tmp);
	if (rc)
		*out = d;
	return rc;
}

/*
 * LSD radix sort on the order-preserving integer image of the doubles:
 * four passes of 16 bits, histograms counted in one sweep, a pass skipped
 * when every key shares its digit.
 */
int mlv_stats_sort(double *v, size_t n)
{
	uint64_t *a, *b, *src, *dst;
	size_t *count;
	if (n < 64) {
		for (size_t i = 1; i < n; i++) {
			double x = v[i];
			size_t j = i;
			while (j > 0 && v[j - 1] > x) {
				v[j] = v[j - 1];
				j--;
			}
			v[j] = x;
		}
		return 0;
	}
	b = mlv__malloc(n * sizeof(*b));
	count = mlv__calloc(4 * 65536, sizeof(*count));
	if (!b || !count) {
		free(b);
		free(count);
		return mlv_error_set(MLV_ENOMEM, "out of memory");
	}
	a = (uint64_t *)(void *)v;
	for (size_t i = 0; i < n; i++) {
		uint64_t u;
		double x = v[i] == 0 ? 0.0 : v[i]; /* -0 sorts with +0 */
		memcpy(&u, &x, 8);
		u = (u >> 63) ? ~u : (u | (1ULL << 63));
		a[i] = u;
		count[u & 0xffff]++;
		count[65536 + ((u >> 16) & 0xffff)]++;
		count[2 * 65536 + ((u >> 32) & 0xffff)]++;
		count[3 * 65536 + (u >> 48)]++;
	}
	src = a;
	dst = b;
	for (int pass = 0; pass < 4; pass++) {
		size_t *c = count + (size_t)pass * 65536, sum = 0;
		int shift = pass * 16;
		if (c[(src[0] >> shift) & 0xffff] == n)
			continue;
		for (size_t k = 0; k < 65536; k++) {
			size_t t = c[k];
			c[k] = sum;
			sum += t;
		}
		for (size_t i = 0; i < n; i++)
			dst[c[(src[i] >> shift) & 0xffff]++] = src[i];
		uint64_t *t = src;
		src = dst;
		dst = t;
	}
	if (src != a)
		memcpy(a, src, n * sizeof(*a));
	for (size_t i = 0; i < n; i++) {
		uint64_t u = a[i];
		u = (u >> 63) ? (u & ~(1ULL << 63)) : ~u;
		memcpy(&v[i], &u, 8);
	}
	free(b);
	free(count);
	return 0;
}

/* ---- the column accumulator ---- */

struct cat_entry {
	uint64_t hash;
	size_t off, len;
	uint64_t count; /* 0: empty slot */
	uint64_t head;  /* a key of at most 8 bytes, as load_short reads it */
};

/*
 * The N bytes at S (N <= 8) as a little-endian word padded with zeros, as
 * memcpy into a zeroed word would give, reading only those bytes but
 * without a call: two overlapping 4-byte loads, or up to three bytes.
 */
static inline uint64_t load_short(const char *s, size_t n)
{
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
	if (n >= 4) {
		uint32_t lo, hi;
		memcpy(&lo, s, 4);
		memcpy(&hi, s + n - 4, 4);
		return lo | ((uint64_t)hi << (8 * (n - 4)));
	}
	if (n == 0)
		return 0;
	return (uint64_t)(unsigned char)s[0] | (uint64_t)(unsigned char)s[n >> 1] << (8 * (n >> 1)) |
		(uint64_t)(unsigned char)s[n - 1] << (8 * (n - 1));
#else
	uint64_t w = 0;
	memcpy(&w, s, n);
	return w;
#endif
}

/*
 * Numerical values are kept as scaled decimals while they can be: the field
 * "-12.345" is the integer -12345 at scale 3, and while every value added so
 * far is such a plain decimal ([+-]digits[.digits], at most DEC_MAX_SCALE
 * decimals) whose integer at the column's scale (the most decimals seen; the
 * values before are multiplied up when it grows) has magnitude below 2^31,
 * the column is an array of int32. That is half the memory of doubles and
 * sorts in fewer radix passes. The double of such a value is x / 10^scale:
 * both are exact doubles, so the one division is correctly rounded, the
 * very double strtod gives for the text. The statistics therefore see the
 * same numbers. The first value that does not fit (an exponent, more
 * decimals, a larger magnitude) turns the column into doubles for good.
 */
#define DEC_MAX_SCALE 9
#define DEC_LIMIT 2147483647LL

static const int64_t pow10_int[DEC_MAX_SCALE + 1] = {
	1, 10, 100, 1000, 10000, 100000, 1000000, 10000000, 100000000, 1000000000
};

struct mlv_stats_column {
	int forced, type, rescan;
	uint64_t count, missing;
	int dec;            /* numerical values are in dv (else in v) */
	int32_t *dv;        /* the values times 10^scale */
	size_t ndv, dvcap;
	int scale;
	int64_t dmax;       /* the largest |dv[i]| */
	int32_t dlast;      /* dv[ndv - 1], or INT32_MIN */
	double *v;          /* the values as doubles; sorted after finish */
	size_t nv, vcap;
	int sorted;         /* the values so far are in ascending order */
	struct cat_entry *tab;
	size_t tcap, tn;
	mlv_buf arena;
	mlv_stats_category *cats;
	size_t ncats;
	int cats_valid;
};

int mlv_stats_column_new(mlv_stats_column **out, int type)
{
	mlv_stats_column *c = mlv__calloc(1, sizeof(*c));
	*out = NULL;
	if (!c)
		return mlv_error_set(MLV_ENOMEM, "out of memory");
	c->forced = type;
	c->type = type == MLV_STATS_CATEGORICAL ? MLV_STATS_CATEGORICAL : MLV_STATS_NUMERICAL;
	c->sorted = 1;
	c->dec = c->type == MLV_STATS_NUMERICAL; /* dec implies numerical */
	c->dlast = INT32_MIN;
	*out = c;
	return 0;
}

void mlv_stats_column_free(mlv_stats_column *c)
{
	if (!c)
		return;
	arr_free(c->dv, c->dvcap * sizeof(*c->dv));
	arr_release(c->v, c->vcap * sizeof(*c->v));
	free(c->tab);
	mlv_buf_release(&c->arena);
	free(c->cats);
	free(c);
}

static uint64_t hash_bytes(const char *s, size_t n)
{
	uint64_t h = 0x9e3779b97f4a7c15ULL ^ n;
	while (n >= 8) {
		uint64_t w;
		memcpy(&w, s, 8);
		h = (h ^ w) * 0xff51afd7ed558ccdULL;
		h ^= h >> 32;
		s += 8;
		n -= 8;
	}
	if (n) {
		uint64_t w = load_short(s, n);
		h = (h ^ w) * 0xc4ceb9fe1a85ec53ULL;
	}
	h ^= h >> 29;
	h *= 0xbf58476d1ce4e5b9ULL;
	h ^= h >> 32;
	return h;
}

static int cat_grow(mlv_stats_column *c)
{
	size_t ncap = c->tcap ? c->tcap * 2 : 64;
	struct cat_entry *nt = mlv__calloc(ncap, sizeof(*nt));
	if (!nt)
		return mlv_error_set(MLV_ENOMEM, "out of memory");
	for (size_t i = 0; i < c->tcap; i++) {
		struct cat_entry *e = &c->tab[i];
		if (!e->count)
			continue;
		size_t k = e->hash & (ncap - 1);
		while (nt[k].count)
			k = (k + 1) & (ncap - 1);
		nt[k] = *e;
	}
	free(c->tab);
	c->tab = nt;
	c->tcap = ncap;
	return 0;
}

static int cat_add(mlv_stats_column *c, const char *s, size_t len)
{
	uint64_t h = hash_bytes(s, len), head = len <= 8 ? load_short(s, len) : 0;
	size_t k;
	int rc;
	if ((c->tn + 1) * 4 > c->tcap * 3 && (rc = cat_grow(c)))
		return rc;
	k = h & (c->tcap - 1);
	for (;;) {
		struct cat_entry *e = &c->tab[k];
		if (!e->count) {
			e->hash = h;
			e->off = c->arena.size;
			e->len = len;
			e->count = 1;
			e->head = head;
			if ((rc = mlv_buf_put(&c->arena, s, len)) || (rc = mlv_buf_putc(&c->arena, '\0'))) {
				e->count = 0;
				return rc;
			}
			c->tn++;
			return 0;
		}
		if (e->hash == h && e->len == len &&
			(len <= 8 ? e->head == head : !memcmp(c->arena.ptr + e->off, s, len))) {
			e->count++;
			return 0;
		}
		k = (k + 1) & (c->tcap - 1);
	}
}

/*
 * A plain decimal: [+-]digits[.digits] (digits on at least one side of the
 * point, at most 18 in all, at most DEC_MAX_SCALE after it), the whole
 * field. Sets *NEG, the digits as the integer *M and the number of
 * decimals *NF. 0 for anything else (which may still be a number).
 */
static int parse_decimal_loop(const char *s, size_t len, int *neg, uint64_t *m, int *nf)
{
	const char *p = s, *end = s + len, *dot = NULL, *d0;
	uint64_t v = 0;
	size_t nd;
	*neg = 0;
	if (p < end && (*p == '-' || *p == '+'))
		*neg = *p++ == '-';
	d0 = p;
	for (; p < end; p++) {
		unsigned d = (unsigned)(unsigned char)*p - '0';
		if (d < 10)
			v = v * 10 + d;
		else if (*p == '.' && !dot)
			dot = p;
		else
			return 0;
	}
	nd = (size_t)(end - d0) - (dot != NULL);
	*nf = dot ? (int)(end - dot - 1) : 0;
	if (nd == 0 || nd > 18 || *nf > DEC_MAX_SCALE)
		return 0;
	*m = v;
	return 1;
}

/*
 * The same for the usual short field, without a branch per character: up
 * to 8 bytes after the sign are read into a word (only bytes of the field:
 * two overlapping 4-byte loads, or three single bytes), every byte is
 * checked to be a digit at once, a single '.' is taken out, and the digits,
 * padded with leading zeros, are combined in three multiplications (the
 * well-known SWAR conversion of eight ASCII digits). Little-endian only;
 * longer fields take the loop.
 */
#if defined(__GNUC__)
__attribute__((always_inline))
#endif
static inline int parse_decimal(const char *s, size_t len, int *neg, uint64_t *m, int *nf)
{
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
	const uint64_t ones = 0x0101010101010101ULL;
	const char *p = s;
	size_t n = len;
	uint64_t w, t, mask, bad, lm;
	unsigned k;
	int sign;
	if (n == 0)
		return 0;
	sign = *p == '-' || *p == '+';
	*neg = *p == '-';
	p += sign;
	n -= (size_t)sign;
	if (n - 1 >= 8) /* 0 or more than 8 */
		return n ? parse_decimal_loop(s, len, neg, m, nf) : 0;
	if (n >= 4) {
		uint32_t lo, hi;
		memcpy(&lo, p, 4);
		memcpy(&hi, p + n - 4, 4);
		w = lo | ((uint64_t)hi << (8 * (n - 4)));
	} else {
		w = (uint64_t)(unsigned char)p[0] | (uint64_t)(unsigned char)p[n >> 1] << (8 * (n >> 1)) |
			(uint64_t)(unsigned char)p[n - 1] << (8 * (n - 1));
	}
	mask = ~(uint64_t)0 >> (64 - 8 * n); /* n is 1..8 */
	t = (w ^ (ones * '0')) & mask; /* digits become 0..9, '.' becomes 0x1e */
	/* a byte above 9 (or with its high bit set) is not a digit */
	bad = ((((t & (ones * 0x7f)) + ones * 0x76) | t) & (ones * 0x80)) & mask;
	if (bad & (bad - 1))
		return 0; /* two non-digits */
	k = (unsigned)__builtin_ctzll(bad | (uint64_t)1 << 63) >> 3; /* the non-digit's byte, if any */
	if (bad && (((t >> (8 * k)) & 0xff) != 0x1e || n == 1))
		return 0; /* not a '.', or "." alone */
	lm = ((bad & -bad) >> 7) - 1; /* the bytes below it (all when none) */
	t = (t & lm) | ((t >> 8) & ~lm); /* the '.' taken out */
	n -= bad != 0;
	*nf = bad ? (int)(n - k) : 0;
	t <<= 8 * (8 - n); /* leading zeros */
	t = t * 10 + (t >> 8);
	t = (((t & 0x000000ff000000ffULL) * (100 + (1000000ULL << 32))) +
		(((t >> 16) & 0x000000ff000000ffULL) * (1 + (10000ULL << 32)))) >> 32;
	*m = t;
	return 1;
#else
	return parse_decimal_loop(s, len, neg, m, nf);
#endif
}

static inline double dec_value(int64_t x, int scale)
{
	return scale ? (double)x / (double)pow10_int[scale] : (double)x;
}

/* Keep NEG M / 10^NF in decimal form: 1 done, 0 it does not fit, or MLV_ENOMEM. */
static int dec_put(mlv_stats_column *c, int neg, uint64_t m, int nf)
{
	uint64_t x;
	if (nf > c->scale) {
		int64_t f = pow10_int[nf - c->scale];
		if (c->dmax * f > DEC_LIMIT)
			return 0;
		for (size_t i = 0; i < c->ndv; i++)
			c->dv[i] *= (int32_t)f;
		if (c->ndv)
			c->dlast *= (int32_t)f;
		c->dmax *= f;
		c->scale = nf;
	}
	if (m > (uint64_t)DEC_LIMIT)
		return 0;
	x = m * (uint64_t)pow10_int[c->scale - nf];
	if (x > (uint64_t)DEC_LIMIT)
		return 0;
	if (c->ndv == c->dvcap) {
		size_t ncap = c->dvcap ? c->dvcap * 2 : 256;
		int32_t *nv = arr_realloc(c->dv, c->dvcap * sizeof(*nv), ncap * sizeof(*nv));
		if (!nv)
			return mlv_error_set(MLV_ENOMEM, "out of memory");
		c->dv = nv;
		c->dvcap = ncap;
	}
	int32_t xi = neg ? -(int32_t)x : (int32_t)x;
	c->sorted &= xi >= c->dlast;
	c->dlast = xi;
	c->dv[c->ndv++] = xi;
	if ((int64_t)x > c->dmax)
		c->dmax = (int64_t)x;
	return 1;
}

/* Leave decimal form: the values so far become doubles. 0 or MLV_ENOMEM. */
static int dec_to_double(mlv_stats_column *c)
{
	size_t cap = c->ndv + c->ndv / 2 + 256;
	double *v = arr_alloc(cap * sizeof(*v));
	if (!v)
		return mlv_error_set(MLV_ENOMEM, "out of memory");
	for (size_t i = 0; i < c->ndv; i++)
		v[i] = dec_value(c->dv[i], c->scale);
	arr_free(c->v, c->vcap * sizeof(*c->v));
	c->v = v;
	c->nv = c->ndv;
	c->vcap = cap;
	arr_free(c->dv, c->dvcap * sizeof(*c->dv));
	c->dv = NULL;
	c->ndv = c->dvcap = 0;
	c->dec = 0;
	return 0;
}

/*
 * The common case of adding to a column in decimal form: a decimal with the
 * column's number of places that fits and finds room. 1 when done, 0 when
 * the general path must decide.
 */
#if defined(__GNUC__)
__attribute__((always_inline))
#endif
static inline int dec_add_fast(mlv_stats_column *c, const char *s, size_t len)
{
	uint64_t m;
	int neg, nf;
	if (!parse_decimal(s, len, &neg, &m, &nf) || nf != c->scale || m > (uint64_t)DEC_LIMIT ||
		c->ndv == c->dvcap)
		return 0;
	int32_t xi = ((int32_t)m ^ -(int32_t)neg) + (int32_t)neg; /* -m when neg, without a branch */
	c->sorted &= xi >= c->dlast;
	c->dlast = xi;
	c->dv[c->ndv++] = xi;
	c->dmax = (int64_t)m > c->dmax ? (int64_t)m : c->dmax;
	c->count++;
	return 1;
}

static int column_add_slow(mlv_stats_column *c, const char *s, size_t len)
{
	double d;
	int rc;
	if (c->dec) {
		uint64_t m;
		int neg, nf;
		if (parse_decimal(s, len, &neg, &m, &nf)) {
			if ((rc = dec_put(c, neg, m, nf)) < 0)
				return rc;
			if (rc) {
				c->count++;
				return 0;
			}
		}
	}
	if (mlv_csv_is_missing(s, len)) {
		c->missing++;
		return 0;
	}
	if (c->type == MLV_STATS_NUMERICAL) {
		if (mlv_stats_parse_number(s, len, &d)) {
			if (!isfinite(d)) {
				c->missing++;
				return 0;
			}
			if (c->dec && (rc = dec_to_double(c)))
				return rc;
			if (c->nv == c->vcap) {
				size_t ncap = c->vcap ? c->vcap * 2 : 256;
				double *nv = arr_realloc(c->v, c->vcap * sizeof(*nv), ncap * sizeof(*nv));
				if (!nv)
					return mlv_error_set(MLV_ENOMEM, "out of memory");
				c->v = nv;
				c->vcap = ncap;
			}
			if (c->nv && d < c->v[c->nv - 1])
				c->sorted = 0;
			c->v[c->nv++] = d;
			c->count++;
			return 0;
		}
		if (c->forced == MLV_STATS_NUMERICAL)
			return mlv_error_set(MLV_EINVALID, "'%.*s' is not a number", (int)(len > 40 ? 40 : len), s);
		/* becomes categorical; the numbers so far were not kept as text */
		if (c->nv || c->ndv)
			c->rescan = 1;
		arr_free(c->v, c->vcap * sizeof(*c->v));
		c->v = NULL;
		c->nv = c->vcap = 0;
		arr_free(c->dv, c->dvcap * sizeof(*c->dv));
		c->dv = NULL;
		c->ndv = c->dvcap = 0;
		c->dec = 0;
		c->type = MLV_STATS_CATEGORICAL;
	}
	if ((rc = cat_add(c, s, len)))
		return rc;
	c->cats_valid = 0;
	c->count++;
	return 0;
}

int mlv_stats_column_add(mlv_stats_column *c, const char *s, size_t len)
{
	if (c->dec && dec_add_fast(c, s, len))
		return 0;
	return column_add_slow(c, s, len);
}

int mlv_stats_add_row(mlv_stats_column *const *cols, const size_t *idx, size_t n,
	const mlv_csv_field *fields, size_t *failed)
{
	for (size_t i = 0; i < n; i++) {
		mlv_stats_column *c = cols[i];
		const mlv_csv_field *f = &fields[idx[i]];
		int rc;
		if (c->dec && dec_add_fast(c, f->ptr, f->len))
			continue;
		if ((rc = column_add_slow(c, f->ptr, f->len))) {
			*failed = i;
			return rc;
		}
	}
	return 0;
}

int mlv_stats_column_type(const mlv_stats_column *c) { return c->type; }
int mlv_stats_column_needs_rescan(const mlv_stats_column *c) { return c->rescan; }
uint64_t mlv_stats_column_count(const mlv_stats_column *c) { return c->count; }
uint64_t mlv_stats_column_missing(const mlv_stats_column *c) { return c->missing; }

static int cat_cmp(const void *x, const void *y)
{
	const mlv_stats_category *a = x, *b = y;
	size_t n = a->len < b->len ? a->len : b->len;
	int r = memcmp(a->ptr, b->ptr, n);
	if (r)
		return r;
	return a->len < b->len ? -1 : a->len > b->len;
}

/*
 * Sort the N decimals A (at SCALE; A is scratch) into OUT as doubles, OUT
 * having room for N doubles, i.e. for twice N keys. SORTED: already in
 * order. Otherwise the keys are the values minus the minimum: a counting
 * sort when their range is small, else an LSD radix sort in as few passes
 * of at most 11 bits as the range needs, between A and the first half of
 * OUT, arranged so that the last pass reads A and writes the doubles.
 */
static int dec_sort(double *out, int32_t *a, size_t n, int scale, int sorted)
{
	if (sorted) {
		for (size_t i = 0; i < n; i++)
			out[i] = dec_value(a[i], scale);
		return 0;
	}
	int32_t mn = a[0], mx = a[0];
	for (size_t i = 1; i < n; i++) {
		mn = a[i] < mn ? a[i] : mn;
		mx = a[i] > mx ? a[i] : mx;
	}
	uint32_t range = (uint32_t)((int64_t)mx - mn);
	if (range < 65536 || (range <= n / 2 && n < UINT32_MAX)) {
		uint32_t *cnt = mlv__calloc((size_t)range + 1, sizeof(*cnt));
		size_t o = 0;
		if (!cnt)
			return mlv_error_set(MLV_ENOMEM, "out of memory");
		for (size_t i = 0; i < n; i++)
			cnt[(uint32_t)((int64_t)a[i] - mn)]++;
		for (uint64_t v = 0; v <= range; v++) {
			uint32_t t = cnt[v];
			if (!t)
				continue;
			double d = dec_value((int64_t)v + mn, scale);
			while (t--)
				out[o++] = d;
		}
		free(cnt);
		return 0;
	}
	int bits = 32 - __builtin_clz(range);
	int passes = (bits + 10) / 11, width = (bits + passes - 1) / passes;
	size_t nb = (size_t)1 << width, mask = nb - 1;
	size_t *cnt = mlv__calloc((size_t)passes * nb, sizeof(*cnt));
	if (!cnt)
		return mlv_error_set(MLV_ENOMEM, "out of memory");
	/* 2 or 3 passes (17..32 bits); the keys start where the last pass finds them in A */
	uint32_t *ka = (uint32_t *)a, *kb = (uint32_t *)(void *)out;
	uint32_t *src = passes % 2 ? ka : kb, *dst = src == ka ? kb : ka;
	size_t *c0 = cnt, *c1 = cnt + nb, *c2 = passes > 2 ? cnt + 2 * nb : cnt;
	for (size_t i = 0; i < n; i++) {
		uint32_t u = (uint32_t)((int64_t)a[i] - mn);
		src[i] = u;
		c0[u & mask]++;
		c1[(u >> width) & mask]++;
		if (passes > 2)
			c2[(u >> (2 * width)) & mask]++;
	}
	for (int p = 0; p < passes; p++) {
		size_t *c = cnt + (size_t)p * nb, sum = 0;
		int shift = p * width;
		for (size_t b = 0; b < nb; b++) {
			size_t t = c[b];
			c[b] = sum;
			sum += t;
		}
		if (p + 1 < passes) {
			for (size_t i = 0; i < n; i++)
				dst[c[(src[i] >> shift) & mask]++] = src[i];
			uint32_t *t = src;
			src = dst;
			dst = t;
		} else { /* src is A: the doubles may go over the keys in OUT */
			for (size_t i = 0; i < n; i++)
				out[c[(src[i] >> shift) & mask]++] = dec_value((int64_t)src[i] + mn, scale);
		}
	}
	free(cnt);
	return 0;
}

/* Finish a column in decimal form: its values become sorted doubles. */
static int dec_finish(mlv_stats_column *c)
{
	size_t n = c->ndv, got;
	double *out = arr_alloc_reuse((n ? n : 1) * sizeof(double), &got);
	int rc;
	if (!out)
		return mlv_error_set(MLV_ENOMEM, "out of memory");
	if (n && (rc = dec_sort(out, c->dv, n, c->scale, c->sorted))) {
		arr_release(out, got);
		return rc; /* the decimals are still there */
	}
	arr_free(c->dv, c->dvcap * sizeof(*c->dv));
	c->dv = NULL;
	c->ndv = c->dvcap = 0;
	arr_release(c->v, c->vcap * sizeof(*c->v));
	c->v = out;
	c->nv = n;
	c->vcap = got / sizeof(double);
	c->dec = 0;
	c->sorted = 1;
	return 0;
}

int mlv_stats_column_finish(mlv_stats_column *c)
{
	int rc;
	if (c->type == MLV_STATS_NUMERICAL) {
		if (c->dec)
			return dec_finish(c);
		if (!c->sorted && (rc = mlv_stats_sort(c->v, c->nv)))
			return rc;
		c->sorted = 1;
		return 0;
	}
	if (c->cats_valid)
		return 0;
	free(c->cats);
	c->ncats = 0;
	if (!(c->cats = mlv__malloc((c->tn ? c->tn : 1) * sizeof(*c->cats))))
		return mlv_error_set(MLV_ENOMEM, "out of memory");
	for (size_t i = 0; i < c->tcap; i++) {
		struct cat_entry *e = &c->tab[i];
		if (!e->count)
			continue;
		c->cats[c->ncats].ptr = c->arena.ptr + e->off;
		c->cats[c->ncats].len = e->len;
		c->cats[c->ncats].count = e->count;
		c->ncats++;
	}
	qsort(c->cats, c->ncats, sizeof(*c->cats), cat_cmp);
	c->cats_valid = 1;
	return 0;
}

const double *mlv_stats_column_values(const mlv_stats_column *c, size_t *n)
{
	if (c->type != MLV_STATS_NUMERICAL || c->dec || !c->sorted) {
		*n = 0;
		return NULL;
	}
	*n = c->nv;
	return c->v;
}

const mlv_stats_category *mlv_stats_column_categories(const mlv_stats_column *c, size_t *n)
{
	if (c->type != MLV_STATS_CATEGORICAL || !c->cats_valid) {
		*n = 0;
		return NULL;
	}
	*n = c->ncats;
	return c->cats;
}

static size_t distinct_sorted(const double *v, size_t n)
{
	size_t k = n > 0;
	for (size_t i = 1; i < n; i++)
		k += v[i] != v[i - 1];
	return k;
}

/*
 * How many distinct values the sorted arrays A and B hold together: one
 * merge, element by element (no inner loops over runs of equal values, so
 * the branches stay predictable), counting the changes of value.
 */
static size_t distinct_union(const double *a, size_t na, const double *b, size_t nb)
{
	size_t i = 0, j = 0, k = 1;
	double prev;
	if (!na || !nb)
		return na ? distinct_sorted(a, na) : distinct_sorted(b, nb);
	prev = a[0] <= b[0] ? a[0] : b[0];
	while (i < na && j < nb) {
		double xa = a[i], xb = b[j];
		int ta = xa <= xb;
		double x = ta ? xa : xb;
		k += x != prev;
		prev = x;
		i += (size_t)ta;
		j += (size_t)!ta;
	}
	for (; i < na; i++) {
		k += a[i] != prev;
		prev = a[i];
	}
	for (; j < nb; j++) {
		k += b[j] != prev;
		prev = b[j];
	}
	return k;
}

size_t mlv_stats_n_unique(const mlv_stats_column *ref, const mlv_stats_column *cur)
{
	size_t k = 0, i = 0, j = 0, na, nb;
	if (ref->type == MLV_STATS_NUMERICAL && cur->type == MLV_STATS_NUMERICAL) {
		const double *a = mlv_stats_column_values(ref, &na), *b = mlv_stats_column_values(cur, &nb);
		return distinct_union(a, na, b, nb);
	}
	const mlv_stats_category *a = mlv_stats_column_categories(ref, &na), *b = mlv_stats_column_categories(cur, &nb);
	while (i < na || j < nb) {
		int r = i >= na ? 1 : j >= nb ? -1 : cat_cmp(&a[i], &b[j]);
		if (r <= 0)
			i++;
		if (r >= 0)
			j++;
		k++;
	}
	return k;
}

/* ---- bins ---- */

void mlv_stats_bins_release(mlv_stats_bins *b)
{
	free(b->ref);
	free(b->cur);
	memset(b, 0, sizeof(*b));
}

static int bins_alloc(mlv_stats_bins *out, size_t k)
{
	memset(out, 0, sizeof(*out));
	out->ref = mlv__calloc(k ? k : 1, sizeof(double));
	out->cur = mlv__calloc(k ? k : 1, sizeof(double));
	if (!out->ref || !out->cur) {
		mlv_stats_bins_release(out);
		return mlv_error_set(MLV_ENOMEM, "out of memory");
	}
	out->k = k;
	return 0;
}

int mlv_stats_bins_values(mlv_stats_bins *out, const double *a, size_t na, const double *b, size_t nb)
{
	size_t i = 0, j = 0, k = 0;
	int rc;
	if ((rc = bins_alloc(out, distinct_union(a, na, b, nb))))
		return rc;
	while (i < na || j < nb) {
		double x = (j >= nb || (i < na && a[i] <= b[j])) ? a[i] : b[j];
		size_t i0 = i, j0 = j;
		while (i < na && a[i] == x)
			i++;
		while (j < nb && b[j] == x)
			j++;
		out->ref[k] = (double)(i - i0);
		out->cur[k] = (double)(j - j0);
		k++;
	}
	out->n_ref = (double)na;
	out->n_cur = (double)nb;
	return 0;
}

int mlv_stats_bins_categories(mlv_stats_bins *out, const mlv_stats_category *a, size_t na,
	const mlv_stats_category *b, size_t nb)
{
	size_t i = 0, j = 0, k = 0, nk = 0;
	double sa = 0, sb = 0;
	int rc;
	while (i < na || j < nb) {
		int r = i >= na ? 1 : j >= nb ? -1 : cat_cmp(&a[i], &b[j]);
		i += r <= 0;
		j += r >= 0;
		nk++;
	}
	if ((rc = bins_alloc(out, nk)))
		return rc;
	i = j = 0;
	while (i < na || j < nb) {
		int r = i >= na ? 1 : j >= nb ? -1 : cat_cmp(&a[i], &b[j]);
		if (r <= 0) {
			out->ref[k] = (double)a[i].count;
			sa += (double)a[i++].count;
		}
		if (r >= 0) {
			out->cur[k] = (double)b[j].count;
			sb += (double)b[j++].count;
		}
		k++;
	}
	out->n_ref = sa;
	out->n_cur = sb;
	return 0;
}

int mlv_stats_sturges_edges(double **edges, size_t *nbins, double lo, double hi, size_t n)
{
	double first = lo, last = hi, width, *e;
	size_t nb = 1;
	*edges = NULL;
	*nbins = 0;
	if (n == 0)
		return mlv_error_set(MLV_EINVALID, "no values to bin");
	if (first == last) {
		first -= 0.5;
		last += 0.5;
	}
	width = (hi - lo) / (log2((double)n) + 1.0);
	if (width != 0)
		nb = (size_t)ceil((last - first) / width);
	if (nb < 1)
		nb = 1;
	if (!(e = mlv__malloc((nb + 1) * sizeof(*e))))
		return mlv_error_set(MLV_ENOMEM, "out of memory");
	double delta = last - first, step = delta / (double)nb;
	for (size_t i = 0; i <= nb; i++)
		e[i] = step != 0 ? (double)i * step + first : (double)i / (double)nb * delta + first;
	e[nb] = last;
	*edges = e;
	*nbins = nb;
	return 0;
}

/* First index with v[i] >= x (left) or v[i] > x (right). */
static size_t search_sorted(const double *v, size_t n, double x, int right)
{
	size_t lo = 0, hi = n;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (right ? v[mid] <= x : v[mid] < x)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

void mlv_stats_histogram(double *counts, const double *edges, size_t nbins, const double *v, size_t n)
{
	size_t prev = search_sorted(v, n, edges[0], 0);
	for (size_t i = 0; i < nbins; i++) {
		size_t next = search_sorted(v, n, edges[i + 1], i + 1 == nbins);
		counts[i] = (double)(next - prev);
		prev = next;
	}
}

int mlv_stats_bins_numerical(mlv_stats_bins *out, const double *a, size_t na, const double *b, size_t nb)
{
	double *edges, lo, hi;
	size_t nbins;
	int rc;
	if (distinct_sorted(a, na) <= 20 || nb == 0)
		return mlv_stats_bins_values(out, a, na, b, nb);
	lo = a[0] < b[0] ? a[0] : b[0];
	hi = a[na - 1] > b[nb - 1] ? a[na - 1] : b[nb - 1];
	if ((rc = mlv_stats_sturges_edges(&edges, &nbins, lo, hi, na + nb)))
		return rc;
	if ((rc = bins_alloc(out, nbins))) {
		free(edges);
		return rc;
	}
	mlv_stats_histogram(out->ref, edges, nbins, a, na);
	mlv_stats_histogram(out->cur, edges, nbins, b, nb);
	out->n_ref = (double)na;
	out->n_cur = (double)nb;
	free(edges);
	return 0;
}

/* ---- special functions ---- */

double mlv_stats_gamma_q(double a, double x)
{
	if (!(a > 0) || !(x >= 0))
		return NAN;
	if (x == 0)
		return 1;
	if (isinf(x))
		return 0;
	/* log of x^a e^-x / Gamma(a), in long double: large a cancels a lot */
	long double lpre = (long double)a * logl(x) - x - lgammal(a);
	if (x < a + 1) {
		/* P(a,x) = x^a e^-x / Gamma(a+1) * sum x^k / ((a+1)...(a+k)) */
		long double term = 1.0L / a, sum = term;
		for (int k = 1; k < 100000; k++) {
			term *= x / (a + k);
			sum += term;
			if (term < sum * 1e-19L)
				break;
		}
		return (double)(1.0L - expl(lpre) * sum);
	}
	/* Q by the continued fraction (modified Lentz) */
	long double b = x + 1 - a, c = 1.0L / LDBL_MIN, d = 1.0L / b, h = d;
	for (int i = 1; i < 100000; i++) {
		long double an = -(long double)i * (i - a);
		b += 2;
		d = an * d + b;
		if (fabsl(d) < LDBL_MIN)
			d = LDBL_MIN;
		c = b + an / c;
		if (fabsl(c) < LDBL_MIN)
			c = LDBL_MIN;
		d = 1 / d;
		long double del = d * c;
		h *= del;
		if (fabsl(del - 1) < 1e-19L)
			break;
	}
	return (double)(expl(lpre) * h);
}

double mlv_stats_smirnov(uint64_t n, double x)
{
	if (!(x >= 0 && x <= 1) || n == 0)
		return NAN;
	if (n == 1)
		return 1 - x;
	if (x == 0)
		return 1;
	if (x == 1)
		return 0;
	double nd = (double)n;
	double nx = nd * x, err = fma(nd, x, -nx);
	double fl = floor(nx);
	if (fl == nx && err < 0)
		fl -= 1; /* n*x is just below an integer */
	double alpha = (nx - fl) + err;
	uint64_t nxfl = (uint64_t)fl;
	if (alpha >= 1) {
		nxfl++;
		alpha = 0;
	}
	if (nxfl == 0 || (nxfl == 1 && alpha == 0)) {
		/* x <= 1/n: cdf = x (1+x)^(n-1) */
		long double cdf = (long double)x * powl((long double)1 + x, (long double)(n - 1));
		return (double)(1 - cdf);
	}
	if (-2 * nd * x * x < -708.3964185322641) /* cephes MINLOG */
		return 0;
	if (nxfl >= n - 1)
		return (double)powl(1.0L - x, (long double)n);
	if (n > 1000000) {
		/* scipy's approximation for very large n */
		double logp = -pow(6.0 * nd * x + 1, 2) / 18.0 / nd;
		if (logp < -M_LN2)
			return exp(logp);
		return 1 - (-expm1(logp));
	}
	/* Birnbaum–Tingey: x * sum_{j=0}^{n-nxfl-1} C(n,j) (x+j/n)^(j-1) (1-x-j/n)^(n-j) */
	uint64_t last = n - nxfl - 1;
	long double lgn1 = lgammal((long double)n + 1), sum = 0, prev = 0;
	for (uint64_t j = 0; j <= last; j++) {
		long double t1 = (long double)x + (long double)j / nd;
		long double t2 = 1.0L - (long double)x - (long double)j / nd;
		if (t2 <= 0)
			break;
		long double lt = lgn1 - lgammal((long double)j + 1) - lgammal((long double)(n - j) + 1)
			+ ((long double)j - 1) * logl(t1) + (long double)(n - j) * logl(t2);
		long double t = expl(lt);
		sum += t;
		if (j > 0 && t < prev && 4.0L * (long double)(last - j + 1) * t < sum * 1e-19L)
			break;
		prev = t;
	}
	double p = (double)(sum * x);
	return p < 0 ? 0 : p > 1 ? 1 : p;
}

/* C = A*B for m×m matrices, then rescale C by a power of two; *e gets the shift. */
static void mat_mul_scaled(double *c, const double *a, const double *b, int m, int *e)
{
	double mx = 0;
	for (int i = 0; i < m; i++) {
		for (int j = 0; j < m; j++)
			c[i * m + j] = 0;
		for (int k = 0; k < m; k++) {
			double aik = a[i * m + k];
			if (aik == 0)
				continue;
			for (int j = 0; j < m; j++)
				c[i * m + j] += aik * b[k * m + j];
		}
	}
	for (int i = 0; i < m * m; i++)
		if (fabs(c[i]) > mx)
			mx = fabs(c[i]);
	*e = 0;
	if (mx > 0 && (mx > 0x1p100 || mx < 0x1p-100)) {
		int ex;
		frexp(mx, &ex);
		for (int i = 0; i < m * m; i++)
			c[i] = ldexp(c[i], -ex);
		*e = ex;
	}
}

/*
 * P(D_n <= d) by Durbin's matrix (Marsaglia–Tsang–Wang): with k = ceil(nd),
 * h = k - nd, the (k,k) element of H^n times n!/n^n. Exact up to rounding.
 */
static double kolmogn_durbin_cdf(uint64_t n, double d)
{
	if (d >= 1)
		return 1;
	double nd = (double)n * d;
	if (nd <= 0.5)
		return 0;
	int k = (int)ceil(nd), m = 2 * k - 1;
	double h = k - nd;
	size_t mm = (size_t)m * (size_t)m;
	double *H = mlv__calloc(mm, sizeof(double)), *R = mlv__calloc(mm, sizeof(double)), *T = mlv__calloc(mm, sizeof(double));
	double *fact = mlv__calloc((size_t)m + 2, sizeof(double)), *v = mlv__calloc((size_t)m, sizeof(double));
	double p = NAN;
	if (!H || !R || !T || !fact || !v)
		goto done;
	fact[0] = 1;
	for (int j = 1; j <= m + 1; j++)
		fact[j] = fact[j - 1] / j; /* 1/j! (underflow is harmless) */
	for (int j = 0; j < m; j++)
		v[j] = (1 - pow(h, j + 1)) * fact[j + 1];
	v[m - 1] = (1 - 2 * pow(h, m) + (2 * h - 1 > 0 ? pow(2 * h - 1, m) : 0)) * fact[m];
	for (int r = 0; r < m; r++)
		for (int c = 1; c < m; c++)
			if (r - c + 1 >= 0)
				H[r * m + c] = fact[r - c + 1];
	for (int r = 0; r < m; r++)
		H[r * m] = v[r];
	for (int c = 0; c < m; c++)
		H[(m - 1) * m + c] = v[m - 1 - c];
	for (int i = 0; i < m; i++)
		R[i * m + i] = 1;
	long eR = 0, eH = 0;
	uint64_t nn = n;
	int first = 1;
	while (nn) {
		int e;
		if (nn & 1) {
			if (first) {
				memcpy(R, H, mm * sizeof(double));
				eR = eH;
				first = 0;
			} else {
				mat_mul_scaled(T, R, H, m, &e);
				memcpy(R, T, mm * sizeof(double));
				eR += eH + e;
			}
		}
		nn >>= 1;
		if (nn) {
			mat_mul_scaled(T, H, H, m, &e);
			memcpy(H, T, mm * sizeof(double));
			eH = 2 * eH + e;
		}
	}
	/* p = R[k-1][k-1] * 2^eR * n!/n^n, keeping the exponent apart */
	{
		int ex;
		double mant = frexp(R[(size_t)(k - 1) * m + (k - 1)], &ex);
		long e2 = eR + ex;
		for (uint64_t i = 1; i <= n; i++) {
			mant *= (double)i / (double)n;
			if (mant < 0x1p-500) {
				mant = frexp(mant, &ex);
				e2 += ex;
			}
		}
		if (e2 < -2000)
			p = 0;
		else if (e2 > 2000)
			p = INFINITY;
		else
			p = ldexp(mant, (int)e2);
	}
done:
	free(H);
	free(R);
	free(T);
	free(fact);
	free(v);
	return p;
}

/* The Pelz–Good asymptotic series for P(D_n <= x), as scipy uses it. */
static double kolmogn_pelz_good_cdf(uint64_t n, double x)
{
	if (x <= 0)
		return 0;
	if (x >= 1)
		return 1;
	const double pi2 = M_PI * M_PI, pi4 = pi2 * pi2, pi6 = pi4 * pi2;
	double z = sqrt((double)n) * x;
	double z2 = z * z, z3 = z2 * z, z4 = z2 * z2, z6 = z4 * z2, z7 = z6 * z, z8 = z4 * z4, z10 = z8 * z2;
	double qlog = -pi2 / 8 / z2;
	if (qlog < -708)
		return 0;
	double q = exp(qlog);
	double k1a = -z2, k1b = pi2 / 4;
	double k2a = 6 * z6 + 2 * z4, k2b = (2 * z4 - 5 * z2) * pi2 / 4, k2c = pi4 * (1 - 2 * z2) / 16;
	double k3d = pi6 * (5 - 30 * z2) / 64, k3c = pi4 * (-60 * z2 + 212 * z4) / 16;
	double k3b = pi2 * (135 * z4 - 96 * z6) / 4, k3a = -30 * z6 - 90 * z8;
	double K[4] = { 0, 0, 0, 0 };
	long maxk = (long)ceil(16 * z / M_PI);
	/* sum over odd m = 2k-1 of c_i(m) q^(m^2), by Horner in q^8k */
	for (long k = maxk; k >= 1; k--) {
		double mo = 2.0 * k - 1, m2 = mo * mo, m4 = m2 * m2, m6 = m4 * m2;
		double qp = pow(q, 8.0 * k);
		double c[4] = { 1.0, k1a + k1b * m2, k2a + k2b * m2 + k2c * m4, k3a + k3b * m2 + k3c * m4 + k3d * m6 };
		for (int i = 0; i < 4; i++)
			K[i] = K[i] * qp + c[i];
	}
	const double sqrt2pi = sqrt(2 * M_PI);
	const double div[4] = { z, 6 * z4, 72 * z7, 6480 * z10 };
	for (int i = 0; i < 4; i++)
		K[i] = K[i] * q * sqrt2pi / div[i];
	/* the terms over all integers k of K2 and K3 */
	double q2 = exp(-pi2 / 2 / z2), s2 = 0, s3 = 0, sqrt3z = sqrt(3.0) * z;
	for (long k = maxk; k >= 1; k--) {
		double kk = (double)k * (double)k, qk = pow(q2, kk), kpi = M_PI * (double)k;
		s2 += kk * qk;
		s3 += (sqrt3z + kpi) * (sqrt3z - kpi) * kk * qk;
	}
	K[2] += s2 * pi2 * sqrt2pi / (-36 * z3);
	K[3] += s3 * pi2 * sqrt2pi / (216 * z6);
	double sum = 0;
	for (int i = 0; i < 4; i++)
		sum += K[i] / pow((double)n, i / 2.0);
	return sum;
}

static double clip01(double p)
{
	return p < 0 ? 0 : p > 1 ? 1 : p;
}

double mlv_stats_kstwo_sf(double x, uint64_t n)
{
	if (n == 0 || isnan(x))
		return NAN;
	double nd = (double)n;
	if (x >= 1)
		return 0;
	if (x <= 0)
		return 1;
	double t = nd * x;
	if (t <= 1.0) {
		/* Ruben–Gambino: P(D_n <= x) = n!/n^n (2t-1)^n for 1/2n <= x <= 1/n */
		if (t <= 0.5)
			return 1;
		double prob;
		if (n <= 140) {
			prob = 1;
			for (uint64_t i = 1; i <= n; i++)
				prob *= (double)i * (1.0 / nd) * (2 * t - 1);
		} else {
			prob = exp((double)(lgammal((long double)n + 1) - (long double)n * logl(nd)) + nd * log(2 * t - 1));
		}
		return clip01(1 - prob);
	}
	if (t >= nd - 1)
		return clip01(2 * pow(1.0 - x, nd));
	if (x >= 0.5)
		return clip01(2 * mlv_stats_smirnov(n, x));
	double nxsq = t * x;
	if (n <= 140) {
		if (nxsq <= 4) /* scipy: Durbin below 0.754693, Pomeranz up to 4; both exact */
			return clip01(1 - kolmogn_durbin_cdf(n, x));
		return clip01(2 * mlv_stats_smirnov(n, x));
	}
	if (nxsq >= 370.0)
		return 0;
	if (nxsq >= 2.2)
		return clip01(2 * mlv_stats_smirnov(n, x));
	double cdf;
	if (n <= 100000 && nd * pow(x, 1.5) <= 1.4)
		cdf = kolmogn_durbin_cdf(n, x);
	else
		cdf = kolmogn_pelz_good_cdf(n, x);
	return clip01(1 - clip01(cdf));
}

/* P(D_{n,n} >= h/n): 2 sum_k (-1)^(k-1) C(2n, n-kh)/C(2n, n), nested. */
static double ks_square_sf(uint64_t n, uint64_t h)
{
	double P = 0;
	for (int64_t k = (int64_t)(n / h); k >= 0; k--) {
		double p1 = 1;
		for (uint64_t j = 0; j < h; j++)
			p1 = ((double)n - (double)k * (double)h - (double)j) * p1 / ((double)n + (double)k * (double)h + (double)j + 1);
		P = p1 * (1 - P);
	}
	return 2 * P;
}

/*
 * P(D_{m,n} >= h/lcm) for m != n: the share of lattice paths from (0,0) to
 * (m,n) that touch |x*n/g - y*m/g| >= h, computed column by column as the
 * share U(i,j) = (i U(i-1,j) + j U(i,j-1)) / (i+j) of paths to (i,j) that
 * already left (1 outside the band), so no large binomials appear.
 */
static double ks_outside_sf(uint64_t m, uint64_t n, uint64_t g, uint64_t h)
{
	if (m < n) {
		uint64_t t = m;
		m = n;
		n = t;
	}
	int64_t mg = (int64_t)(m / g), ng = (int64_t)(n / g), hh = (int64_t)h;
	double *U = mlv__malloc((n + 1) * sizeof(double));
	double p;
	if (!U)
		return NAN;
	for (uint64_t j = 0; j <= n; j++)
		U[j] = ((int64_t)j * mg < hh) ? 0.0 : 1.0;
	int64_t prev_lo = 0;
	for (uint64_t i = 1; i <= m; i++) {
		int64_t a = (int64_t)i * ng - hh, lo, hi;
		lo = a < 0 ? 0 : a / mg + 1;
		hi = ((int64_t)i * ng + hh - 1) / mg;
		if (hi > (int64_t)n)
			hi = (int64_t)n;
		if (lo > hi) {
			free(U);
			return 1.0;
		}
		for (int64_t j = prev_lo; j < lo; j++)
			U[j] = 1.0;
		double di = (double)i;
		for (int64_t j = lo; j <= hi; j++) {
			double down = j == 0 ? 0.0 : U[j - 1];
			U[j] = (di * U[j] + (double)j * down) / (di + (double)j);
		}
		prev_lo = lo;
	}
	p = U[n];
	free(U);
	return p;
}

static uint64_t gcd_u64(uint64_t a, uint64_t b)
{
	while (b) {
		uint64_t t = a % b;
		a = b;
		b = t;
	}
	return a;
}

static int need_values(size_t na, size_t nb)
{
	if (na == 0)
		return mlv_error_set(MLV_EINVALID, "the reference sample has no values");
	if (nb == 0)
		return mlv_error_set(MLV_EINVALID, "the current sample has no values");
	return 0;
}

int mlv_stats_ks(double *stat, double *p, const double *a, size_t na, const double *b, size_t nb)
{
	int rc;
	if ((rc = need_values(na, nb)))
		return rc;
	double n1 = (double)na, n2 = (double)nb, maxs = -INFINITY, mins = INFINITY, d;
	size_t i = 0, j = 0;
	/* ECDF differences at every value of the pooled sample */
	while (i < na || j < nb) {
		double x = (j >= nb || (i < na && a[i] <= b[j])) ? a[i] : b[j];
		while (i < na && a[i] == x)
			i++;
		while (j < nb && b[j] == x)
			j++;
		double diff = (double)i / n1 - (double)j / n2;
		if (diff > maxs)
			maxs = diff;
		if (diff < mins)
			mins = diff;
	}
	mins = clip01(-mins);
	d = mins > maxs ? mins : maxs;
	double prob = NAN;
	int exact = (na > nb ? na : nb) <= 10000;
	if (exact) {
		uint64_t g = gcd_u64(na, nb), lcm = (na / g) * nb;
		double hd = nearbyint(d * (double)lcm);
		uint64_t h = (uint64_t)hd;
		d = hd * 1.0 / (double)lcm;
		if (h == 0)
			prob = 1.0;
		else if (na == nb)
			prob = ks_square_sf(na, h);
		else
			prob = ks_outside_sf(na, nb, g, h);
		if (!(prob >= 0 && prob <= 1))
			exact = 0; /* as scipy: fall back to the asymptotic distribution */
	}
	if (!exact) {
		double mx = n1 > n2 ? n1 : n2, mn = n1 > n2 ? n2 : n1;
		double en = mx * mn / (mx + mn);
		prob = mlv_stats_kstwo_sf(d, (uint64_t)nearbyint(en));
	}
	*stat = d;
	*p = clip01(prob);
	return 0;
}

/* ---- the tests ---- */

static int need_bins(const mlv_stats_bins *b)
{
	if (b->k == 0 || !(b->n_ref > 0))
		return mlv_error_set(MLV_EINVALID, "the reference sample has no values");
	if (!(b->n_cur > 0))
		return mlv_error_set(MLV_EINVALID, "the current sample has no values");
	return 0;
}

int mlv_stats_chisquare(double *stat, double *p, const mlv_stats_bins *b)
{
	int rc;
	if ((rc = need_bins(b)))
		return rc;
	double knorm = b->n_cur / b->n_ref, s = 0;
	for (size_t i = 0; i < b->k; i++) {
		double e = b->ref[i] * knorm, o = b->cur[i];
		double t = (o - e) * (o - e) / e; /* e == 0 < o: +inf, as scipy */
		if (e == 0 && o == 0)
			t = 0;
		s += t;
	}
	*stat = s;
	*p = b->k < 2 ? NAN : mlv_stats_gamma_q((double)(b->k - 1) / 2.0, s / 2.0);
	return 0;
}

int mlv_stats_z(double *stat, double *p, const mlv_stats_bins *b)
{
	int rc;
	if ((rc = need_bins(b)))
		return rc;
	double n1 = b->n_ref, n2 = b->n_cur;
	/* Evidently codes the first category 0 and every other 1 */
	double p1 = (n1 - b->ref[0]) / n1, p2 = (n2 - b->cur[0]) / n2;
	double P = (p1 * n1 + p2 * n2) / (n1 + n2);
	double var = P * (1 - P) * (1.0 / n1 + 1.0 / n2);
	if (b->ref[0] == n1 && b->cur[0] == n2) {
		*stat = 0;
		*p = 1;
		return 0;
	}
	double z = (p1 - p2) / sqrt(var);
	*stat = z;
	*p = erfc(fabs(z) / M_SQRT2);
	return 0;
}

/*
 * The integral of |F_a - F_b| over the pooled sorted values A and B (both
 * non-empty) into *W, and the number of distinct values of A ∪ B as the
 * result: one merge for both, since the default test needs the count and
 * then, mostly, the integral. A term |i/na - j/nb| * (x - prev) is added at
 * each distinct value x after the first, with i and j the values of A and B
 * below x. The merge goes element by element (no inner loops over runs of
 * equal values, so the branches stay predictable); at the first element of
 * a new value everything below it has been taken, so the terms and their
 * order are those of a merge over distinct values.
 */
static size_t w1_merge(const double *a, size_t na, const double *b, size_t nb, long double *wout)
{
	long double w = 0;
	size_t i = 0, j = 0, k = 1;
	double dna = (double)na, dnb = (double)nb;
	double prev = a[0] <= b[0] ? a[0] : b[0];
	while (i < na && j < nb) {
		double xa = a[i], xb = b[j];
		int ta = xa <= xb;
		double x = ta ? xa : xb;
		if (x != prev) {
			w += (long double)fabs((double)i / dna - (double)j / dnb) * (long double)(x - prev);
			prev = x;
			k++;
		}
		i += (size_t)ta;
		j += (size_t)!ta;
	}
	for (; i < na; i++)
		if (a[i] != prev) {
			w += (long double)fabs((double)i / dna - (double)j / dnb) * (long double)(a[i] - prev);
			prev = a[i];
			k++;
		}
	for (; j < nb; j++)
		if (b[j] != prev) {
			w += (long double)fabs((double)i / dna - (double)j / dnb) * (long double)(b[j] - prev);
			prev = b[j];
			k++;
		}
	*wout = w;
	return k;
}

/* The distance W (from w1_merge) divided by max(np.std(a), 0.001). */
static double wasserstein_scaled(const double *a, size_t na, long double w)
{
	/* np.std(a): population standard deviation, two passes */
	long double sum = 0, ss = 0;
	for (size_t i = 0; i < na; i++)
		sum += a[i];
	double mean = (double)(sum / (long double)na);
	for (size_t i = 0; i < na; i++) {
		double dv = a[i] - mean;
		ss += (long double)dv * dv;
	}
	double sd = sqrt((double)(ss / (long double)na));
	return (double)w / (sd > 0.001 ? sd : 0.001);
}

int mlv_stats_wasserstein(double *out, const double *a, size_t na, const double *b, size_t nb)
{
	int rc;
	long double w;
	if ((rc = need_values(na, nb)))
		return rc;
	w1_merge(a, na, b, nb, &w);
	*out = wasserstein_scaled(a, na, w);
	return 0;
}

/* Frequencies count/n; with FILL, Evidently's zero filling. */
static int freqs(double **out, const double *counts, size_t k, double n, int fill)
{
	double *f = mlv__malloc((k ? k : 1) * sizeof(double)), m = INFINITY;
	*out = f;
	if (!f)
		return mlv_error_set(MLV_ENOMEM, "out of memory");
	for (size_t i = 0; i < k; i++) {
		f[i] = counts[i] / n;
		if (f[i] != 0 && f[i] < m)
			m = f[i];
	}
	if (fill && isfinite(m)) {
		double v = m <= 0.0001 ? m / 1e6 : 0.0001;
		for (size_t i = 0; i < k; i++)
			if (f[i] == 0)
				f[i] = v;
	}
	return 0;
}

static int two_freqs(double **r, double **c, const mlv_stats_bins *b, int fill)
{
	int rc;
	*r = *c = NULL;
	if ((rc = need_bins(b)))
		return rc;
	if ((rc = freqs(r, b->ref, b->k, b->n_ref, fill)) || (rc = freqs(c, b->cur, b->k, b->n_cur, fill))) {
		free(*r);
		free(*c);
		*r = *c = NULL;
	}
	return rc;
}

int mlv_stats_psi(double *out, const mlv_stats_bins *b)
{
	double *r, *c, s = 0;
	int rc = two_freqs(&r, &c, b, 1);
	if (rc)
		return rc;
	for (size_t i = 0; i < b->k; i++)
		s += (r[i] - c[i]) * log(r[i] / c[i]);
	free(r);
	free(c);
	*out = s;
	return 0;
}

/* scipy.special.rel_entr */
static double rel_entr(double x, double y)
{
	if (x > 0 && y > 0)
		return x * log(x / y);
	if (x == 0 && y >= 0)
		return 0;
	return INFINITY;
}

static void normalize(double *v, size_t k)
{
	double s = 0;
	for (size_t i = 0; i < k; i++)
		s += v[i];
	for (size_t i = 0; i < k; i++)
		v[i] /= s;
}

int mlv_stats_kl_div(double *out, const mlv_stats_bins *b)
{
	double *r, *c, s = 0;
	int rc = two_freqs(&r, &c, b, 1);
	if (rc)
		return rc;
	normalize(r, b->k);
	normalize(c, b->k);
	for (size_t i = 0; i < b->k; i++)
		s += rel_entr(r[i], c[i]);
	free(r);
	free(c);
	*out = s;
	return 0;
}

int mlv_stats_jensenshannon(double *out, const mlv_stats_bins *b)
{
	double *r, *c, left = 0, right = 0;
	int rc = two_freqs(&r, &c, b, 0);
	if (rc)
		return rc;
	normalize(r, b->k);
	normalize(c, b->k);
	for (size_t i = 0; i < b->k; i++) {
		double m = (r[i] + c[i]) / 2.0;
		left += rel_entr(r[i], m);
		right += rel_entr(c[i], m);
	}
	free(r);
	free(c);
	double js = left + right;
	*out = js > 0 ? sqrt(js / 2.0) : 0;
	return 0;
}

int mlv_stats_hellinger_bins(double *out, const mlv_stats_bins *b)
{
	int rc;
	double s = 0;
	if ((rc = need_bins(b)))
		return rc;
	for (size_t i = 0; i < b->k; i++)
		s += sqrt((b->ref[i] / b->n_ref) * (b->cur[i] / b->n_cur));
	s = s < 0 ? 0 : s > 1 ? 1 : s;
	*out = sqrt(1 - s);
	return 0;
}

int mlv_stats_hellinger_numerical(double *out, const double *a, size_t na, const double *b, size_t nb)
{
	int rc;
	double *edges = NULL, *ca = NULL, *cb = NULL;
	size_t nbins, nk = 0, i = 0, j = 0;
	if ((rc = need_values(na, nb)))
		return rc;
	while (i < na || j < nb) { /* distinct values of A ∪ B */
		double x = (j >= nb || (i < na && a[i] <= b[j])) ? a[i] : b[j];
		while (i < na && a[i] == x)
			i++;
		while (j < nb && b[j] == x)
			j++;
		nk++;
	}
	double lo = a[0] < b[0] ? a[0] : b[0], hi = a[na - 1] > b[nb - 1] ? a[na - 1] : b[nb - 1];
	if ((rc = mlv_stats_sturges_edges(&edges, &nbins, lo, hi, nk)))
		return rc;
	ca = mlv__calloc(nbins, sizeof(double));
	cb = mlv__calloc(nbins, sizeof(double));
	if (!ca || !cb) {
		rc = mlv_error_set(MLV_ENOMEM, "out of memory");
		goto done;
	}
	mlv_stats_histogram(ca, edges, nbins, a, na);
	mlv_stats_histogram(cb, edges, nbins, b, nb);
	double tot_a = 0, tot_b = 0, width = (edges[nbins] - edges[0]) / (double)nbins, s = 0;
	for (size_t k = 0; k < nbins; k++) {
		tot_a += ca[k];
		tot_b += cb[k];
	}
	for (size_t k = 0; k < nbins; k++) {
		double db = edges[k + 1] - edges[k];
		double h1 = ca[k] / db / tot_a, h2 = cb[k] / db / tot_b; /* numpy density */
		s += sqrt(h1 * h2) * width;
	}
	s = s < 0 ? 0 : s > 1 ? 1 : s;
	*out = sqrt(1 - s);
done:
	free(edges);
	free(ca);
	free(cb);
	return rc;
}

/* ---- a column pair ---- */

int mlv_stats_drift(mlv_stats_result *out, const mlv_stats_column *ref, const mlv_stats_column *cur,
	int test, double threshold)
{
	int type = ref->type, rc, have_w1 = 0;
	size_t na = 0, nb = 0, nuniq;
	long double w1 = 0;
	const double *a = NULL, *b = NULL;
	mlv_stats_bins bins = MLV_STATS_BINS_INIT;
	memset(out, 0, sizeof(*out));
	if (ref->type != cur->type)
		return mlv_error_set(MLV_EINVALID, "the reference column is %s but the current one is %s",
			ref->type == MLV_STATS_NUMERICAL ? "numerical" : "categorical",
			cur->type == MLV_STATS_NUMERICAL ? "numerical" : "categorical");
	if (ref->rescan || cur->rescan)
		return mlv_error_set(MLV_EINVALID, "the column must be read again as categorical");
	if (test == MLV_TEST_DEFAULT && type == MLV_STATS_NUMERICAL && ref->count && cur->count &&
		!ref->dec && !cur->dec && ref->sorted && cur->sorted) {
		/* one merge gives n_unique and, for wasserstein, the distance */
		a = mlv_stats_column_values(ref, &na);
		b = mlv_stats_column_values(cur, &nb);
		nuniq = w1_merge(a, na, b, nb, &w1);
		have_w1 = 1;
		test = mlv_stats_default_test(type, ref->count + ref->missing, nuniq);
	} else if (test == MLV_TEST_DEFAULT) {
		test = mlv_stats_default_test(type, ref->count + ref->missing, mlv_stats_n_unique(ref, cur));
	}
	if ((rc = mlv_stats_test_check_type(test, type)))
		return rc;
	if (isnan(threshold))
		threshold = mlv_stats_test_default_threshold(test);
	if ((rc = mlv_stats_test_check_threshold(test, threshold)))
		return rc;
	out->test = test;
	out->threshold = threshold;
	out->p_value = NAN;
	if (type == MLV_STATS_NUMERICAL) {
		if (ref->dec || cur->dec || !ref->sorted || !cur->sorted)
			return mlv_error_set(MLV_EINVALID, "the columns are not finished");
		a = mlv_stats_column_values(ref, &na);
		b = mlv_stats_column_values(cur, &nb);
	} else if (!ref->cats_valid || !cur->cats_valid) {
		return mlv_error_set(MLV_EINVALID, "the columns are not finished");
	}
	if ((rc = need_values(ref->count, cur->count)))
		return rc;

	switch (test) {
	case MLV_TEST_KS:
		rc = mlv_stats_ks(&out->statistic, &out->p_value, a, na, b, nb);
		break;
	case MLV_TEST_WASSERSTEIN:
		if (have_w1)
			out->statistic = wasserstein_scaled(a, na, w1);
		else
			rc = mlv_stats_wasserstein(&out->statistic, a, na, b, nb);
		break;
	case MLV_TEST_HELLINGER:
		if (type == MLV_STATS_NUMERICAL) {
			rc = mlv_stats_hellinger_numerical(&out->statistic, a, na, b, nb);
			break;
		}
		/* fall through */
	default:
		if (type == MLV_STATS_CATEGORICAL)
			rc = mlv_stats_bins_categories(&bins, ref->cats, ref->ncats, cur->cats, cur->ncats);
		else if (test == MLV_TEST_CHISQUARE || test == MLV_TEST_Z)
			rc = mlv_stats_bins_values(&bins, a, na, b, nb);
		else
			rc = mlv_stats_bins_numerical(&bins, a, na, b, nb);
		if (rc)
			break;
		switch (test) {
		case MLV_TEST_CHISQUARE: rc = mlv_stats_chisquare(&out->statistic, &out->p_value, &bins); break;
		case MLV_TEST_Z: rc = mlv_stats_z(&out->statistic, &out->p_value, &bins); break;
		case MLV_TEST_PSI: rc = mlv_stats_psi(&out->statistic, &bins); break;
		case MLV_TEST_KL_DIV: rc = mlv_stats_kl_div(&out->statistic, &bins); break;
		case MLV_TEST_JENSENSHANNON: rc = mlv_stats_jensenshannon(&out->statistic, &bins); break;
		case MLV_TEST_HELLINGER: rc = mlv_stats_hellinger_bins(&out->statistic, &bins); break;
		}
		mlv_stats_bins_release(&bins);
	}
	if (rc)
		return rc;
	if (mlv_stats_test_has_p_value(test))
		out->drift = out->p_value < threshold;
	else
		out->drift = out->statistic >= threshold;
	return 0;
}
