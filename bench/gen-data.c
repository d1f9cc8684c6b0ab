/*
 * gen-data: deterministic data generator and monotonic timer for bench/.
 *
 *   gen-data rand  OUT BYTES SEED
 *       BYTES of incompressible pseudo-random data (xoshiro256**).
 *   gen-data csv   OUT ROWS SEED [EDITS EDITSEED]
 *       A CSV with a header and ROWS rows of 20 columns. Row i depends only on
 *       (SEED, i), so a run with more ROWS is the same file with rows appended.
 *       With EDITS > 0, that many distinct rows (picked by EDITSEED) get other
 *       values in place (same row count; id and timestamp kept).
 *   gen-data tree  DIR NFILES BYTES SEED
 *       NFILES small files (sizes uniform in [BYTES/2, BYTES*3/2], mean
 *       about BYTES) in subdirectories of 1,000 under DIR (made if missing):
 *       a quarter CSV (rows as in `csv`), a quarter JSON lines, half
 *       incompressible (.bin). File k depends only on (SEED, k).
 *   gen-data drift OUT ROWS SEED SHIFT
 *       A CSV for drift benchmarks: a header and ROWS rows of 20 columns (16
 *       numerical, some with missing values; country, device, rating, label).
 *       Row i depends only on (SEED, i). SHIFT 1 moves latency_ms (x1.25),
 *       feature_a (+0.4 sd) and country's mix; SHIFT 0 keeps them.
 *   gen-data time  [-n N] [-o FILE] CMD [ARG...]
 *       Runs CMD N times (default 1), stdout/stderr inherited, and prints the
 *       median wall time in seconds (CLOCK_MONOTONIC) on stdout, or into FILE
 *       with -o. Exits 1 if any run of CMD fails.
 *
 * Build: cc -O2 -o gen-data gen-data.c -lm
 */
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

/* ---- PRNG: splitmix64 for seeding, xoshiro256** for the stream ---- */

typedef struct { uint64_t s[4]; } rng_t;

static uint64_t splitmix64(uint64_t *x)
{
	uint64_t z = (*x += 0x9e3779b97f4a7c15ULL);
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

static void rng_seed(rng_t *r, uint64_t a, uint64_t b)
{
	uint64_t x = a * 0x9e3779b97f4a7c15ULL ^ (b + 0x632be59bd9b4e019ULL);
	for (int i = 0; i < 4; i++)
		r->s[i] = splitmix64(&x);
}

static inline uint64_t rotl(uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }

static inline uint64_t rng_next(rng_t *r)
{
	uint64_t *s = r->s;
	uint64_t result = rotl(s[1] * 5, 7) * 9;
	uint64_t t = s[1] << 17;
	s[2] ^= s[0];
	s[3] ^= s[1];
	s[1] ^= s[2];
	s[0] ^= s[3];
	s[2] ^= t;
	s[3] = rotl(s[3], 45);
	return result;
}

static double rng_unif(rng_t *r) { return (rng_next(r) >> 11) * (1.0 / 9007199254740992.0); }
static uint64_t rng_below(rng_t *r, uint64_t n) { return rng_next(r) % n; }

static double rng_normal(rng_t *r)
{
	double u1 = rng_unif(r), u2 = rng_unif(r);
	if (u1 < 1e-300)
		u1 = 1e-300;
	return sqrt(-2.0 * log(u1)) * cos(6.283185307179586 * u2);
}

static void die(const char *what)
{
	fprintf(stderr, "gen-data: %s: %s\n", what, errno ? strerror(errno) : "failed");
	exit(2);
}

/* ---- rand ---- */

static int cmd_rand(const char *out, uint64_t bytes, uint64_t seed)
{
	FILE *f = fopen(out, "wb");
	if (!f)
		die(out);
	enum { BUF = 1 << 20 };
	static uint64_t buf[BUF / 8];
	rng_t r;
	rng_seed(&r, seed, 0x72616e64);
	while (bytes) {
		for (size_t i = 0; i < BUF / 8; i++)
			buf[i] = rng_next(&r);
		size_t n = bytes < BUF ? (size_t)bytes : BUF;
		if (fwrite(buf, 1, n, f) != n)
			die(out);
		bytes -= n;
	}
	if (fclose(f))
		die(out);
	return 0;
}

/* ---- csv ---- */

static const char *countries[] = {
	"US", "DE", "FR", "GB", "IN", "BR", "JP", "CN", "CA", "AU", "ES", "IT", "NL", "SE", "PL",
	"MX", "KR", "RU", "TR", "ZA", "AR", "NG", "EG", "ID", "PH", "VN", "TH", "CH", "AT", "BE",
	"NO", "DK", "FI", "IE", "PT", "GR", "CZ", "HU", "RO", "IL", "SA", "AE", "SG", "MY", "NZ",
	"CL", "CO", "PE", "UA", "KE",
};
static const char *devices[] = { "mobile", "desktop", "tablet", "tv", "other" };
static const char *browsers[] = { "chrome", "firefox", "safari", "edge", "opera", "samsung", "uc", "other" };
static const char *statuses[] = { "active", "churned", "trial" };
static const char *segments[] = { "consumer", "small_business", "enterprise", "education", "government", "nonprofit" };

/* Category names: a few hundred distinct "department/item" strings. */
static const char *cat_a[] = { "electronics", "home", "garden", "toys", "books", "sports", "beauty",
	"grocery", "fashion", "automotive", "office", "pets", "music", "health", "tools" };
static const char *cat_b[] = { "accessories", "basics", "premium", "outlet", "kids", "outdoor",
	"seasonal", "refurbished", "bundle", "digital", "clearance", "new", "gift", "pro",
	"mini", "eco", "bulk", "travel", "classic", "smart" };
#define NCAT_A (sizeof cat_a / sizeof *cat_a)
#define NCAT_B (sizeof cat_b / sizeof *cat_b)
#define N(a) (sizeof a / sizeof *a)

/* Zipf-like pick in [0, n): small indexes are more frequent. */
static size_t pick_skewed(rng_t *r, size_t n)
{
	double u = rng_unif(r);
	size_t i = (size_t)(n * u * u * u);
	return i < n ? i : n - 1;
}

/* Format v with `sig` significant digits, fixed notation, no trailing zeros. */
static int fmt_sig(char *p, double v, int sig)
{
	if (v == 0)
		return sprintf(p, "0");
	int mag = (int)floor(log10(fabs(v)));
	int dec = sig - 1 - mag;
	if (dec < 0)
		dec = 0;
	if (dec > 12)
		dec = 12;
	int n = sprintf(p, "%.*f", dec, v);
	if (dec > 0) {
		while (p[n - 1] == '0')
			n--;
		if (p[n - 1] == '.')
			n--;
		p[n] = 0;
	}
	return n;
}

/* One row: row index i, variant v (0 = original, else edited). */
static int write_row(char *p, uint64_t seed, uint64_t i, uint64_t variant)
{
	rng_t r;
	rng_seed(&r, seed ^ (variant * 0xd1b54a32d192ed03ULL), i);
	/* id and timestamp never change with the variant. */
	rng_t rt;
	rng_seed(&rt, seed, i ^ 0x74696d65ULL);
	char *s = p;
	uint64_t ts = 1700000000ULL + i * 31 + rng_below(&rt, 30);
	s += sprintf(s, "%llu,%llu,", (unsigned long long)i, (unsigned long long)ts);
	/* user_id */
	s += sprintf(s, "%llu,", (unsigned long long)(1 + rng_below(&r, 250000)));
	/* country, device, category, browser, status, segment */
	s += sprintf(s, "%s,", countries[pick_skewed(&r, N(countries))]);
	s += sprintf(s, "%s,", devices[pick_skewed(&r, N(devices))]);
	size_t ca = pick_skewed(&r, NCAT_A), cb = rng_below(&r, NCAT_B);
	s += sprintf(s, "%s/%s,", cat_a[ca], cat_b[cb]);
	/* price: log-normal, 2 decimals */
	s += sprintf(s, "%.2f,", exp(3.0 + 1.1 * rng_normal(&r)));
	/* quantity */
	s += sprintf(s, "%llu,", (unsigned long long)(1 + pick_skewed(&r, 20)));
	/* discount: 3 decimals, 20% missing */
	if (rng_unif(&r) < 0.2)
		*s++ = ',';
	else
		s += sprintf(s, "%.3f,", 0.5 * rng_unif(&r) * rng_unif(&r));
	/* rating: 1..5, 10% missing */
	if (rng_unif(&r) < 0.1)
		*s++ = ',';
	else
		s += sprintf(s, "%d,", 1 + (int)pick_skewed(&r, 5));
	/* lat, lon: 6 significant digits */
	s += fmt_sig(s, -60 + 130 * rng_unif(&r), 6);
	*s++ = ',';
	s += fmt_sig(s, -180 + 360 * rng_unif(&r), 6);
	*s++ = ',';
	/* temperature: normal, 4 significant digits */
	s += fmt_sig(s, 18 + 7 * rng_normal(&r), 4);
	*s++ = ',';
	/* score in (0,1): 4 significant digits */
	s += fmt_sig(s, 1.0 / (1.0 + exp(-1.5 * rng_normal(&r))), 4);
	*s++ = ',';
	/* age 18..90, 5% missing ("NA") */
	if (rng_unif(&r) < 0.05)
		s += sprintf(s, "NA,");
	else
		s += sprintf(s, "%d,", 18 + (int)rng_below(&r, 73));
	/* income: log-normal, 5 significant digits, 3% missing */
	if (rng_unif(&r) < 0.03)
		*s++ = ',';
	else {
		s += fmt_sig(s, exp(10.8 + 0.6 * rng_normal(&r)), 5);
		*s++ = ',';
	}
	/* label 0/1 */
	s += sprintf(s, "%d,", rng_unif(&r) < 0.27);
	s += sprintf(s, "%s,", browsers[pick_skewed(&r, N(browsers))]);
	s += sprintf(s, "%s,", statuses[pick_skewed(&r, N(statuses))]);
	s += sprintf(s, "%s,", segments[pick_skewed(&r, N(segments))]);
	/* feature: normal, 5 significant digits */
	s += fmt_sig(s, rng_normal(&r) * 2.5, 5);
	*s++ = '\n';
	*s = 0;
	return (int)(s - p);
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
	return x < y ? -1 : x > y;
}

static int cmd_csv(const char *out, uint64_t rows, uint64_t seed, uint64_t edits, uint64_t eseed)
{
	FILE *f = fopen(out, "wb");
	if (!f)
		die(out);
	static char iobuf[1 << 20];
	setvbuf(f, iobuf, _IOFBF, sizeof iobuf);
	fputs("id,ts,user_id,country,device,category,price,quantity,discount,rating,"
	      "lat,lon,temp_c,score,age,income,label,browser,status,segment,feature\n",
	      f);
	/* Edited rows: `edits` distinct indexes, sorted. */
	uint64_t *ed = NULL;
	if (edits > rows)
		edits = rows;
	if (edits) {
		ed = malloc(edits * sizeof *ed);
		if (!ed)
			die("malloc");
		rng_t r;
		rng_seed(&r, eseed, 0x65646974);
		for (uint64_t k = 0; k < edits;) {
			uint64_t x = rng_below(&r, rows), j;
			for (j = 0; j < k && ed[j] != x; j++)
				;
			if (j == k)
				ed[k++] = x;
		}
		qsort(ed, edits, sizeof *ed, cmp_u64);
	}
	char line[1024];
	uint64_t e = 0;
	for (uint64_t i = 0; i < rows; i++) {
		uint64_t variant = 0;
		if (e < edits && ed[e] == i) {
			variant = eseed + 1;
			e++;
		}
		int n = write_row(line, seed, i, variant);
		if (fwrite(line, 1, (size_t)n, f) != (size_t)n)
			die(out);
	}
	free(ed);
	if (fclose(f))
		die(out);
	return 0;
}

/* ---- tree ---- */

static const char *words[] = { "alpha", "beta", "gamma", "delta", "train", "test", "valid", "cat",
	"dog", "bird", "car", "tree", "house", "person", "bike", "boat", "plane", "road", "sky", "water" };

static int cmd_tree(const char *dir, uint64_t nfiles, uint64_t bytes, uint64_t seed)
{
	static char buf[1 << 20];
	char path[4096], line[1024];
	if (bytes < 16 || bytes * 3 / 2 > sizeof buf - sizeof line)
		die("tree: BYTES out of range");
	if (mkdir(dir, 0777) && errno != EEXIST)
		die(dir);
	for (uint64_t k = 0; k < nfiles; k++) {
		rng_t r;
		rng_seed(&r, seed, 0x74726565ULL ^ (k << 8));
		uint64_t lo = bytes / 2, hi = bytes * 3 / 2;
		size_t want = (size_t)(lo + rng_below(&r, hi - lo + 1)), n = 0;
		const char *ext;
		if (k % 1000 == 0) {
			snprintf(path, sizeof path, "%s/part-%03llu", dir, (unsigned long long)(k / 1000));
			if (mkdir(path, 0777) && errno != EEXIST)
				die(path);
		}
		switch (k % 4) {
		case 0: /* CSV: whole rows until the size is reached */
			ext = "csv";
			n = (size_t)sprintf(buf, "id,ts,user_id,country,device,category,price,quantity,discount,"
						"rating,lat,lon,temp_c,score,age,income,label,browser,status,"
						"segment,feature\n");
			for (uint64_t i = k * 1000; n < want; i++) {
				int m = write_row(line, seed, i, 0);
				memcpy(buf + n, line, (size_t)m);
				n += (size_t)m;
			}
			break;
		case 2: /* JSON lines */
			ext = "json";
			for (uint64_t i = 0; n < want; i++) {
				int m = sprintf(line,
						"{\"id\":%llu,\"label\":\"%s\",\"score\":%.4f,\"bbox\":[%d,%d,%d,%d],"
						"\"tags\":[\"%s\",\"%s\"],\"split\":\"%s\"}\n",
						(unsigned long long)(k * 1000 + i), words[rng_below(&r, N(words))],
						rng_unif(&r), (int)rng_below(&r, 640), (int)rng_below(&r, 480),
						(int)rng_below(&r, 640), (int)rng_below(&r, 480),
						words[pick_skewed(&r, N(words))], words[pick_skewed(&r, N(words))],
						rng_unif(&r) < 0.8 ? "train" : "test");
				memcpy(buf + n, line, (size_t)m);
				n += (size_t)m;
			}
			break;
		default: /* incompressible */
			ext = "bin";
			for (n = 0; n < want; n += 8) {
				uint64_t x = rng_next(&r);
				memcpy(buf + n, &x, 8);
			}
			n = want;
			break;
		}
		snprintf(path, sizeof path, "%s/part-%03llu/f%06llu.%s", dir, (unsigned long long)(k / 1000),
			 (unsigned long long)k, ext);
		FILE *f = fopen(path, "wb");
		if (!f)
			die(path);
		if (fwrite(buf, 1, n, f) != n || fclose(f))
			die(path);
	}
	return 0;
}

/* ---- drift ---- */

/*
 * Append v rounded to `dec` decimals (fixed notation, integer arithmetic,
 * no sprintf: 10M-row files are generated in seconds). |v| < 9e12.
 */
static int fmt_fixed(char *p, double v, int dec)
{
	static const double scale[] = { 1, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6 };
	long long q = llround(v * scale[dec]);
	char tmp[32], *s = p;
	int n = 0;
	unsigned long long u;
	if (q < 0) {
		*s++ = '-';
		u = (unsigned long long)-q;
	} else
		u = (unsigned long long)q;
	do {
		tmp[n++] = (char)('0' + u % 10);
		u /= 10;
	} while (u || n <= dec);
	while (n > dec)
		*s++ = tmp[--n];
	if (dec) {
		*s++ = '.';
		while (n)
			*s++ = tmp[--n];
	}
	return (int)(s - p);
}

static const char *drift_countries[] = {
	"US", "DE", "FR", "GB", "IN", "BR", "JP", "CN", "CA", "AU", "ES", "IT", "NL", "SE", "PL",
	"MX", "KR", "RU", "TR", "ZA", "AR", "NG", "EG", "ID", "PH", "VN", "TH", "CH", "AT", "BE",
};

/*
 * One row of the drift data: 16 numerical columns (some with missing values:
 * empty, NA, NaN) and 4 categorical/int ones. With shift, latency_ms is
 * 25% larger, feature_a's mean moves by 0.4 sd and country's mix changes;
 * everything else keeps its distribution.
 */
static int write_drift_row(char *p, uint64_t seed, uint64_t i, int shift)
{
	rng_t r;
	rng_seed(&r, seed, i ^ 0x6472696674ULL);
	char *s = p;
	double u;
	/* age: 18..90, 5% NA */
	if (rng_unif(&r) < 0.05)
		s += sprintf(s, "NA,");
	else
		s += fmt_fixed(s, 18 + (double)rng_below(&r, 73), 0), *s++ = ',';
	/* income: log-normal, 2 decimals, 3% empty */
	if (rng_unif(&r) < 0.03)
		*s++ = ',';
	else
		s += fmt_fixed(s, exp(10.8 + 0.6 * rng_normal(&r)), 2), *s++ = ',';
	s += fmt_fixed(s, exp(3.0 + 1.1 * rng_normal(&r)), 2), *s++ = ',';           /* price */
	s += fmt_fixed(s, 18 + 7 * rng_normal(&r), 2), *s++ = ',';                    /* temp_c */
	s += fmt_fixed(s, 1 / (1 + exp(-1.5 * rng_normal(&r))), 4), *s++ = ',';       /* score */
	s += fmt_fixed(s, -60 + 130 * rng_unif(&r), 5), *s++ = ',';                   /* lat */
	s += fmt_fixed(s, -180 + 360 * rng_unif(&r), 5), *s++ = ',';                  /* lon */
	/* discount: 3 decimals, 20% empty */
	if (rng_unif(&r) < 0.2)
		*s++ = ',';
	else
		s += fmt_fixed(s, 0.5 * rng_unif(&r) * rng_unif(&r), 3), *s++ = ',';
	s += fmt_fixed(s, floor(-400 * log(1 - rng_unif(&r))), 0), *s++ = ',';        /* tenure_days */
	s += fmt_fixed(s, floor(exp(2 + 0.8 * rng_normal(&r))), 0), *s++ = ',';       /* sessions */
	s += fmt_fixed(s, exp(4 + 0.5 * rng_normal(&r)) * (shift ? 1.25 : 1), 3), *s++ = ','; /* latency_ms */
	s += fmt_fixed(s, 1000 + 3000 * rng_normal(&r), 2), *s++ = ',';               /* balance */
	s += fmt_fixed(s, rng_normal(&r) + (shift ? 0.4 : 0), 6), *s++ = ',';         /* feature_a */
	/* feature_b: uniform 0..100, 1% NaN */
	if (rng_unif(&r) < 0.01)
		s += sprintf(s, "NaN,");
	else
		s += fmt_fixed(s, 100 * rng_unif(&r), 4), *s++ = ',';
	u = rng_unif(&r);                                                             /* feature_c: bimodal */
	s += fmt_fixed(s, (u < 0.3 ? -2.0 : 1.5) + 0.7 * rng_normal(&r), 6), *s++ = ',';
	s += fmt_fixed(s, rng_normal(&r) / (0.2 + rng_unif(&r)), 6), *s++ = ',';      /* feature_d: heavy tails */
	/* country: skewed over 30; shifted: flatter */
	u = rng_unif(&r);
	u = shift ? u * u : u * u * u;
	s += sprintf(s, "%s,", drift_countries[(size_t)(N(drift_countries) * u)]);
	s += sprintf(s, "%s,", devices[pick_skewed(&r, N(devices))]);                /* device */
	/* rating: 1..5, 10% empty */
	if (rng_unif(&r) < 0.1)
		*s++ = ',';
	else
		s += sprintf(s, "%d,", 1 + (int)pick_skewed(&r, 5));
	s += sprintf(s, "%d\n", rng_unif(&r) < 0.27);                                 /* label */
	*s = 0;
	return (int)(s - p);
}

static int cmd_drift(const char *out, uint64_t rows, uint64_t seed, uint64_t shift)
{
	FILE *f = fopen(out, "wb");
	if (!f)
		die(out);
	static char iobuf[1 << 20];
	setvbuf(f, iobuf, _IOFBF, sizeof iobuf);
	fputs("age,income,price,temp_c,score,lat,lon,discount,tenure_days,sessions,latency_ms,"
	      "balance,feature_a,feature_b,feature_c,feature_d,country,device,rating,label\n",
	      f);
	char line[1024];
	for (uint64_t i = 0; i < rows; i++) {
		int n = write_drift_row(line, seed, i, shift != 0);
		if (fwrite(line, 1, (size_t)n, f) != (size_t)n)
			die(out);
	}
	if (fclose(f))
		die(out);
	return 0;
}

/* ---- time ---- */

static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec * 1e-9;
}

static int cmp_d(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y;
}

static int cmd_time(int n, const char *out, char **argv)
{
	double *t = malloc((size_t)n * sizeof *t);
	if (!t)
		die("malloc");
	for (int k = 0; k < n; k++) {
		double t0 = now();
		pid_t pid = fork();
		if (pid < 0)
			die("fork");
		if (pid == 0) {
			execvp(argv[0], argv);
			fprintf(stderr, "gen-data: %s: %s\n", argv[0], strerror(errno));
			_exit(127);
		}
		int st;
		while (waitpid(pid, &st, 0) < 0)
			if (errno != EINTR)
				die("waitpid");
		t[k] = now() - t0;
		if (!WIFEXITED(st) || WEXITSTATUS(st) != 0) {
			fprintf(stderr, "gen-data: time: %s failed (status %d)\n", argv[0],
				WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st));
			return 1;
		}
	}
	qsort(t, (size_t)n, sizeof *t, cmp_d);
	double med = n % 2 ? t[n / 2] : (t[n / 2 - 1] + t[n / 2]) / 2;
	FILE *o = out ? fopen(out, "w") : stdout;
	if (!o)
		die(out);
	fprintf(o, "%.6f\n", med);
	if (out && fclose(o))
		die(out);
	free(t);
	return 0;
}

static uint64_t num(const char *s)
{
	char *end;
	errno = 0;
	unsigned long long v = strtoull(s, &end, 10);
	if (errno || *end || end == s) {
		fprintf(stderr, "gen-data: bad number: %s\n", s);
		exit(2);
	}
	return v;
}

static int usage(void)
{
	fputs("usage: gen-data rand OUT BYTES SEED\n"
	      "       gen-data csv OUT ROWS SEED [EDITS EDITSEED]\n"
	      "       gen-data tree DIR NFILES BYTES SEED\n"
	      "       gen-data drift OUT ROWS SEED SHIFT\n"
	      "       gen-data time [-n N] [-o FILE] CMD [ARG...]\n",
	      stderr);
	return 2;
}

int main(int argc, char **argv)
{
	if (argc < 2)
		return usage();
	if (!strcmp(argv[1], "rand") && argc == 5)
		return cmd_rand(argv[2], num(argv[3]), num(argv[4]));
	if (!strcmp(argv[1], "csv") && (argc == 5 || argc == 7))
		return cmd_csv(argv[2], num(argv[3]), num(argv[4]), argc == 7 ? num(argv[5]) : 0,
			       argc == 7 ? num(argv[6]) : 0);
	if (!strcmp(argv[1], "drift") && argc == 6)
		return cmd_drift(argv[2], num(argv[3]), num(argv[4]), num(argv[5]));
	if (!strcmp(argv[1], "tree") && argc == 6)
		return cmd_tree(argv[2], num(argv[3]), num(argv[4]), num(argv[5]));
	if (!strcmp(argv[1], "time")) {
		int i = 2, n = 1;
		const char *out = NULL;
		while (i + 1 < argc && argv[i][0] == '-' && argv[i][1] && !argv[i][2]) {
			if (argv[i][1] == 'n')
				n = (int)num(argv[i + 1]);
			else if (argv[i][1] == 'o')
				out = argv[i + 1];
			else
				break;
			i += 2;
		}
		if (i < argc && !strcmp(argv[i], "--"))
			i++;
		if (i >= argc || n < 1)
			return usage();
		return cmd_time(n, out, argv + i);
	}
	return usage();
}
