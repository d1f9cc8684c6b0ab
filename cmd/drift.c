/*
 * `mlv drift`: compare a reference and a current data file column by column
 * with the tests of DESIGN.md ("Drift: what the numbers mean") and say
 * whether the dataset drifted. Prints a table or JSON, optionally writes a
 * self-contained HTML report; exit 1 when the dataset drifts.
 *
 * Both files are read once each, in parallel, into the accumulators of
 * mlv/stats.h (numbers as 4-byte scaled decimals or doubles, categories as
 * counts), a row at a time with mlv_stats_add_row. A column typed
 * from its values that turns out to hold text after numbers were seen (in
 * either file) is read a second time as categorical, in one extra pass per
 * file that feeds only those columns. The per-column work (sorting, the
 * test, the chart) runs on a small pool of threads afterwards.
 */
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "commands.h"
#include "datafile.h"
#include "html.h"
#include "plumbing.h"
#include "mlv/spec.h"

static struct mlv_strlist opt_columns, opt_exclude, opt_categorical, opt_numerical;
static struct mlv_strlist opt_test, opt_threshold;
static const char *opt_drift_share, *opt_delimiter, *opt_html;
static int opt_strict, opt_json;

const struct mlv_option mlv_opts_drift[] = {
	MLV_OPT_LIST(0, "columns", &opt_columns, "a,b", "compare only these columns (comma-separated)"),
	MLV_OPT_LIST(0, "exclude", &opt_exclude, "col", "leave a column out (repeatable)"),
	MLV_OPT_LIST(0, "categorical", &opt_categorical, "col", "treat a column as categorical (repeatable)"),
	MLV_OPT_LIST(0, "numerical", &opt_numerical, "col", "treat a column as numerical (repeatable)"),
	MLV_OPT_LIST(0, "test", &opt_test, "[col=]name", "the test for every column, or for one column"),
	MLV_OPT_LIST(0, "threshold", &opt_threshold, "[col=]x", "the drift threshold for every column, or for one"),
	MLV_OPT_STRING(0, "drift-share", &opt_drift_share, "s",
		"share of drifted columns that means dataset drift (0.5)"),
	MLV_OPT_STRING(0, "delimiter", &opt_delimiter, "d", "the field delimiter of CSV input (sniffed)"),
	MLV_OPT_BOOL(0, "strict", &opt_strict, "refuse files whose columns differ"),
	MLV_OPT_JSON(&opt_json),
	MLV_OPT_STRING(0, "html", &opt_html, "file", "also write an HTML report to <file>"),
	MLV_OPT_END()
};

const char *const mlv_usage_drift[] = {
	"mlv drift [--columns <a,b>] [--exclude <col>]... [--categorical <col>]... [--numerical <col>]... "
	"[--test [<col>=]<name>]... [--threshold [<col>=]<x>]... [--drift-share <s>] [--delimiter <d>] "
	"[--strict] [--json] [--html <file>] <ref> <cur>",
	NULL
};

#define DEFAULT_DRIFT_SHARE 0.5
#define CHART_MAX_BARS 20    /* categories (or distinct numbers) drawn as bars */

enum { SIDE_REF = 0, SIDE_CUR = 1 };
enum { CHART_NONE = 0, CHART_HIST, CHART_BARS };

/* What the HTML report draws for one column: shares of each sample per bin. */
struct chart {
	int kind;
	size_t k;
	double *ref, *cur;  /* k shares in [0, 1] */
	double *edges;      /* CHART_HIST: k + 1 bin edges */
	char **labels;      /* CHART_BARS: k labels */
	size_t hidden;      /* CHART_BARS: categories not drawn */
};

/* One compared column: its settings, its data while it is read, its outcome. */
struct drift_column {
	char *name;
	size_t field[2];          /* index of the column in each file */
	int forced_type;          /* MLV_STATS_AUTO unless --categorical/--numerical */
	int test;                 /* MLV_TEST_DEFAULT unless --test */
	double threshold;         /* NaN unless --threshold */
	mlv_stats_column *data[2];
	int rescan[2];            /* this pass re-reads the column of that side */

	int type;                 /* MLV_STATS_NUMERICAL or MLV_STATS_CATEGORICAL */
	int skipped;
	char *skip_reason;
	mlv_stats_result res;
	uint64_t n[2], missing[2];
	struct chart chart;
	char *error;              /* a fatal error found by the column's job */
};

/* The one result of the command, printed by print_human / print_json / write_html. */
struct drift_result {
	const char *name[2];      /* the files as the user named them */
	struct drift_column *cols;
	size_t ncols;
	size_t tested, drifted;
	double share, share_threshold;
	int dataset_drift;
};

static void fmt_roundtrip(char *buf, size_t size, double v);

/* ---- inputs ---- */

struct input {
	const char *arg;   /* as typed: used in messages */
	int fd;            /* -1 when not open */
	int close_fd;
	mlv_csv_options copts;
	mlv_csv *rd;
	uint64_t rows;
};

/*
 * Read the object a spec names into an unlinked temporary file, which can
 * be read twice (a rescan needs that) and vanishes with the process.
 */
static int open_spec(struct input *in, struct mlv_ctx *ctx)
{
	char *name = NULL;
	int fd, ret = datafile_spec_open(ctx, in->arg, &fd, &name);
	if (ret)
		return ret;
	if (name) /* NAME@REF:data: the recorded path tells the format */
		datafile_format_from_name(name, strlen(name), &in->copts);
	free(name);
	in->fd = fd;
	in->close_fd = 1;
	return 0;
}

static int has_suffix(const char *s, size_t len, const char *suffix)
{
	size_t n = strlen(suffix);
	return len >= n && !strncasecmp(s + len - n, suffix, n);
}

/* Open REF or CUR: "-" is stdin, an existing file is read as is, anything else is a spec. */
static int open_input(struct input *in, struct mlv_ctx *ctx, char delimiter)
{
	struct stat st;
	const char *at = strrchr(in->arg, '@');
	size_t len = at && at != in->arg ? (size_t)(at - in->arg) : strlen(in->arg);
	int ret;

	memset(&in->copts, 0, sizeof(in->copts));
	in->copts.delimiter = delimiter;
	/* The name says the format when it can; the reader sniffs the rest. */
	if (has_suffix(in->arg, len, ".jsonl") || has_suffix(in->arg, len, ".ndjson"))
		in->copts.format = MLV_CSV_JSONL;
	else if (!delimiter && (has_suffix(in->arg, len, ".tsv") || has_suffix(in->arg, len, ".tab")))
		in->copts.delimiter = '\t';

	if (!strcmp(in->arg, "-")) {
		in->fd = 0;
		return 0;
	}
	if (stat(in->arg, &st) == 0) {
		if (S_ISDIR(st.st_mode))
			return mlv_die("cannot read '%s': is a directory", in->arg);
		if ((in->fd = open(in->arg, O_RDONLY | O_CLOEXEC)) < 0)
			return mlv_die("cannot read '%s': %s", in->arg, mlv_strerror(errno));
		in->close_fd = 1;
		return 0;
	}
	if (errno != ENOENT && errno != ENOTDIR)
		return mlv_die("cannot read '%s': %s", in->arg, mlv_strerror(errno));
	if ((ret = open_spec(in, ctx)))
		return ret;
	return 0;
}

/* (Re)start reading IN from its first byte: header read, rows next. */
static int open_reader(struct input *in, const char *why)
{
	mlv_csv_free(in->rd);
	in->rd = NULL;
	in->rows = 0;
	if (why && lseek(in->fd, 0, SEEK_SET) < 0)
		return mlv_error_set(MLV_EINVALID, "cannot read '%s' a second time (%s), which %s",
			in->arg, errno == ESPIPE ? "it is a pipe" : mlv_strerror(errno), why);
	return mlv_csv_open_fd(&in->rd, in->fd, in->arg, &in->copts);
}

/* ---- reading: one pass over one file ---- */

struct feed {
	size_t field;
	mlv_stats_column *col;
	const char *name;
};

struct pass {
	struct input *in;
	struct feed *feeds;
	size_t nfeeds;
	int rc;
	char *err;
};

static void *run_pass(void *arg)
{
	struct pass *p = arg;
	const mlv_csv_field *f;
	mlv_stats_column **cols = malloc((p->nfeeds ? p->nfeeds : 1) * sizeof(*cols));
	size_t *idx = malloc((p->nfeeds ? p->nfeeds : 1) * sizeof(*idx)), bad;
	int rc;

	if (!cols || !idx) {
		rc = mlv_error_set(MLV_ENOMEM, "out of memory");
		goto done;
	}
	for (size_t i = 0; i < p->nfeeds; i++) {
		cols[i] = p->feeds[i].col;
		idx[i] = p->feeds[i].field;
	}
	while ((rc = mlv_csv_next(p->in->rd, &f)) == 1) {
		p->in->rows++;
		if ((rc = mlv_stats_add_row(cols, idx, p->nfeeds, f, &bad))) {
			if (rc == MLV_EINVALID)
				mlv_error_set(rc, "'%s', line %lu, column '%s': %s (the column was given with --numerical)",
					p->in->arg, mlv_csv_line(p->in->rd), p->feeds[bad].name, mlv_error_last());
			goto done;
		}
	}
done:
	if (rc < 0) {
		p->rc = rc;
		p->err = strdup(mlv_error_last());
	}
	free(cols);
	free(idx);
	return NULL;
}

/* Run the passes over both files, the current one in a second thread. */
static int run_passes(struct pass *pass)
{
	pthread_t th;
	int threaded = pass[SIDE_CUR].nfeeds && pass[SIDE_REF].nfeeds &&
		pthread_create(&th, NULL, run_pass, &pass[SIDE_CUR]) == 0;

	if (pass[SIDE_REF].nfeeds)
		run_pass(&pass[SIDE_REF]);
	if (threaded)
		pthread_join(th, NULL);
	else if (pass[SIDE_CUR].nfeeds)
		run_pass(&pass[SIDE_CUR]);
	for (int s = 0; s < 2; s++)
		if (pass[s].rc)
			return mlv_die("%s", pass[s].err ? pass[s].err : "out of memory");
	return 0;
}

/* ---- per-column work ---- */

static double *shares(const double *counts, size_t k, double n)
{
	double *v = malloc((k ? k : 1) * sizeof(*v));
	if (v)
		for (size_t i = 0; i < k; i++)
			v[i] = n > 0 ? counts[i] / n : 0;
	return v;
}

static void chart_release(struct chart *c)
{
	free(c->ref);
	free(c->cur);
	free(c->edges);
	if (c->labels)
		for (size_t i = 0; i < c->k; i++)
			free(c->labels[i]);
	free(c->labels);
	memset(c, 0, sizeof(*c));
}

static int cat_order(const mlv_stats_category *a, const mlv_stats_category *b)
{
	size_t n = a->len < b->len ? a->len : b->len;
	int r = memcmp(a->ptr, b->ptr, n);
	return r ? r : (a->len > b->len) - (a->len < b->len);
}

struct bar {
	const char *ptr;
	size_t len;
	double ref, cur;
};

static int bar_by_share(const void *x, const void *y)
{
	const struct bar *a = x, *b = y;
	double sa = a->ref + a->cur, sb = b->ref + b->cur;
	if (sa != sb)
		return sa < sb ? 1 : -1;
	return cat_order(&(mlv_stats_category){ a->ptr, a->len, 1 }, &(mlv_stats_category){ b->ptr, b->len, 1 });
}

/* Categories: the CHART_MAX_BARS most frequent of ref ∪ cur, by their combined share. */
static int chart_categories(struct chart *ch, const mlv_stats_column *ref, const mlv_stats_column *cur)
{
	size_t na, nb, i = 0, j = 0, k = 0;
	const mlv_stats_category *a = mlv_stats_column_categories(ref, &na);
	const mlv_stats_category *b = mlv_stats_column_categories(cur, &nb);
	double tr = (double)mlv_stats_column_count(ref), tc = (double)mlv_stats_column_count(cur);
	struct bar *bars = malloc((na + nb ? na + nb : 1) * sizeof(*bars));
	int rc = MLV_ENOMEM;

	if (!bars)
		goto done;
	while (i < na || j < nb) {
		int c = i == na ? 1 : j == nb ? -1 : cat_order(&a[i], &b[j]);
		struct bar *bar = &bars[k++];
		bar->ptr = c <= 0 ? a[i].ptr : b[j].ptr;
		bar->len = c <= 0 ? a[i].len : b[j].len;
		bar->ref = c <= 0 ? (double)a[i++].count / tr : 0;
		bar->cur = c >= 0 ? (double)b[j++].count / tc : 0;
	}
	qsort(bars, k, sizeof(*bars), bar_by_share);
	ch->kind = CHART_BARS;
	ch->hidden = k > CHART_MAX_BARS ? k - CHART_MAX_BARS : 0;
	ch->k = k - ch->hidden;
	ch->ref = malloc(ch->k * sizeof(double) + 1);
	ch->cur = malloc(ch->k * sizeof(double) + 1);
	ch->labels = calloc(ch->k + 1, sizeof(char *));
	if (!ch->ref || !ch->cur || !ch->labels)
		goto done;
	for (i = 0; i < ch->k; i++) {
		ch->ref[i] = bars[i].ref;
		ch->cur[i] = bars[i].cur;
		if (!(ch->labels[i] = strndup(bars[i].ptr, bars[i].len)))
			goto done;
	}
	rc = 0;
done:
	free(bars);
	return rc;
}

/*
 * Numbers: one bar per value when there are few distinct values, else a
 * histogram over the Sturges edges of ref ∪ cur -- the bins psi,
 * jensenshannon and kl_div use on such a column.
 */
static int chart_numbers(struct chart *ch, const mlv_stats_column *ref, const mlv_stats_column *cur)
{
	size_t na, nb, nbins;
	const double *a = mlv_stats_column_values(ref, &na);
	const double *b = mlv_stats_column_values(cur, &nb);
	mlv_stats_bins bins = MLV_STATS_BINS_INIT;
	double *counts = NULL, *edges = NULL;
	int rc;

	if (mlv_stats_n_unique(ref, cur) <= CHART_MAX_BARS) {
		char tmp[64];
		if ((rc = mlv_stats_bins_values(&bins, a, na, b, nb)))
			return rc;
		ch->kind = CHART_BARS;
		ch->k = bins.k;
		ch->ref = shares(bins.ref, bins.k, bins.n_ref);
		ch->cur = shares(bins.cur, bins.k, bins.n_cur);
		ch->labels = calloc(bins.k + 1, sizeof(char *));
		rc = ch->ref && ch->cur && ch->labels ? 0 : MLV_ENOMEM;
		/* the distinct values in order, as the bins hold them */
		for (size_t i = 0, j = 0, o = 0; !rc && o < bins.k; o++) {
			double v = i < na && (j >= nb || a[i] <= b[j]) ? a[i] : b[j];
			while (i < na && a[i] == v)
				i++;
			while (j < nb && b[j] == v)
				j++;
			fmt_roundtrip(tmp, sizeof(tmp), v);
			if (!(ch->labels[o] = strdup(tmp)))
				rc = MLV_ENOMEM;
		}
		mlv_stats_bins_release(&bins);
		return rc;
	}
	if ((rc = mlv_stats_sturges_edges(&edges, &nbins, a[0] < b[0] ? a[0] : b[0],
		a[na - 1] > b[nb - 1] ? a[na - 1] : b[nb - 1], na + nb)))
		return rc;
	ch->kind = CHART_HIST;
	ch->k = nbins;
	ch->edges = edges;
	if (!(counts = malloc(nbins * sizeof(*counts))))
		return MLV_ENOMEM;
	mlv_stats_histogram(counts, edges, nbins, a, na);
	ch->ref = shares(counts, nbins, (double)na);
	mlv_stats_histogram(counts, edges, nbins, b, nb);
	ch->cur = shares(counts, nbins, (double)nb);
	free(counts);
	return ch->ref && ch->cur ? 0 : MLV_ENOMEM;
}

/* Why a column with no values on one side (or both) cannot be tested. */
static char *skip_reason(const struct drift_result *r, const struct drift_column *c)
{
	char *s = NULL;
	int rc;

	if (c->n[SIDE_REF] || c->n[SIDE_CUR]) {
		int e = c->n[SIDE_REF] ? SIDE_CUR : SIDE_REF;
		rc = c->missing[e] ? asprintf(&s, "every value is missing in '%s'", r->name[e]) :
			asprintf(&s, "'%s' has no rows", r->name[e]);
	} else {
		rc = asprintf(&s, "no values in either file");
	}
	return rc < 0 ? NULL : s;
}

static void column_job(const struct drift_result *r, struct drift_column *c, int want_chart)
{
	int rc = 0;

	for (int s = 0; s < 2; s++) {
		if ((rc = mlv_stats_column_finish(c->data[s])))
			goto done;
		c->n[s] = mlv_stats_column_count(c->data[s]);
		c->missing[s] = mlv_stats_column_missing(c->data[s]);
	}
	c->type = mlv_stats_column_type(c->data[SIDE_REF]);
	if (!c->n[SIDE_REF] || !c->n[SIDE_CUR]) {
		c->skipped = 1;
		if (!(c->skip_reason = skip_reason(r, c)))
			rc = mlv_error_set(MLV_ENOMEM, "out of memory");
		goto done;
	}
	if ((rc = mlv_stats_drift(&c->res, c->data[SIDE_REF], c->data[SIDE_CUR], c->test, c->threshold))) {
		if (rc == MLV_EINVALID)
			mlv_error_set(rc, "column '%s': %s", c->name, mlv_error_last());
		goto done;
	}
	if (want_chart) {
		rc = c->type == MLV_STATS_CATEGORICAL ?
			chart_categories(&c->chart, c->data[SIDE_REF], c->data[SIDE_CUR]) :
			chart_numbers(&c->chart, c->data[SIDE_REF], c->data[SIDE_CUR]);
		if (rc == MLV_ENOMEM)
			mlv_error_set(rc, "out of memory");
	}
done:
	if (rc)
		c->error = strdup(mlv_error_last()[0] ? mlv_error_last() : "out of memory");
	/* the values are not needed any more: give the memory back early */
	for (int s = 0; s < 2; s++) {
		mlv_stats_column_free(c->data[s]);
		c->data[s] = NULL;
	}
}

struct pool {
	struct drift_result *r;
	atomic_size_t next;
	int want_chart;
};

static void *pool_worker(void *arg)
{
	struct pool *p = arg;
	size_t i;
	while ((i = atomic_fetch_add(&p->next, 1)) < p->r->ncols)
		column_job(p->r, &p->r->cols[i], p->want_chart);
	return NULL;
}

static void run_columns(struct drift_result *r, int want_chart)
{
	struct pool p;
	pthread_t th[8];
	long ncpu = sysconf(_SC_NPROCESSORS_ONLN);
	size_t nth = ncpu > 1 ? (size_t)ncpu : 1, started = 0;

	if (nth > 8)
		nth = 8;
	if (nth > r->ncols)
		nth = r->ncols ? r->ncols : 1;
	p.r = r;
	atomic_init(&p.next, 0);
	p.want_chart = want_chart;
	for (size_t t = 1; t < nth; t++, started++)
		if (pthread_create(&th[t - 1], NULL, pool_worker, &p))
			break;
	pool_worker(&p);
	for (size_t t = 0; t < started; t++)
		pthread_join(th[t], NULL);
}

/* ---- options ---- */

static int name_eq(const mlv_csv_field *f, const char *name)
{
	return f->len == strlen(name) && !memcmp(f->ptr, name, f->len);
}

static ssize_t find_field(const mlv_csv_field *h, size_t n, const char *name)
{
	for (size_t i = 0; i < n; i++)
		if (name_eq(&h[i], name))
			return (ssize_t)i;
	return -1;
}

static struct drift_column *find_column(struct drift_result *r, const char *name)
{
	for (size_t i = 0; i < r->ncols; i++)
		if (!strcmp(r->cols[i].name, name))
			return &r->cols[i];
	return NULL;
}

static int parse_double(const char *s, double *out)
{
	char *end;
	errno = 0;
	*out = strtod(s, &end);
	return *s && !*end && !isnan(*out) && errno != ERANGE;
}

/* Split "col=value" at the last '=': *COL is NULL (and VALUE all of S) when there is none. */
static int split_setting(const char *s, char **col, const char **value)
{
	const char *eq = strrchr(s, '=');
	*col = NULL;
	*value = s;
	if (!eq)
		return 0;
	if (!(*col = strndup(s, (size_t)(eq - s))))
		return MLV_ENOMEM;
	*value = eq + 1;
	return 0;
}

/* A column named by an option must exist in one of the files. */
static int check_named(struct input *in, const char *name, const char *opt)
{
	for (int s = 0; s < 2; s++)
		if (find_field(mlv_csv_header(in[s].rd), mlv_csv_ncols(in[s].rd), name) >= 0)
			return 0;
	return mlv_die("%s: no column '%s' in '%s' or '%s'", opt, name, in[0].arg, in[1].arg);
}

static int wanted(const char *name)
{
	int listed = opt_columns.n == 0;
	for (int i = 0; i < opt_columns.n && !listed; i++) {
		const char *p = opt_columns.items[i];
		size_t len = strlen(name);
		while (*p) {
			size_t n = strcspn(p, ",");
			if (n == len && !memcmp(p, name, n))
				listed = 1;
			p += n + (p[n] == ',');
		}
	}
	for (int i = 0; i < opt_exclude.n && listed; i++)
		if (!strcmp(opt_exclude.items[i], name))
			listed = 0;
	return listed;
}

/* Every name in the headers is unique, or we could not say which is meant. */
static int check_header(const struct input *in)
{
	const mlv_csv_field *h = mlv_csv_header(in->rd);
	size_t n = mlv_csv_ncols(in->rd);
	for (size_t i = 0; i < n; i++)
		for (size_t j = i + 1; j < n; j++)
			if (h[i].len == h[j].len && !memcmp(h[i].ptr, h[j].ptr, h[i].len))
				return mlv_die("'%s': the column name '%.*s' occurs twice", in->arg,
					(int)h[i].len, h[i].ptr);
	return 0;
}

/* The columns to compare: those of the reference, in its order, that the current data has too. */
static int build_columns(struct drift_result *r, struct input *in)
{
	const mlv_csv_field *h[2] = { mlv_csv_header(in[0].rd), mlv_csv_header(in[1].rd) };
	size_t n[2] = { mlv_csv_ncols(in[0].rd), mlv_csv_ncols(in[1].rd) };
	mlv_buf only[2] = { MLV_BUF_INIT, MLV_BUF_INIT };
	int ret = MLV_EXIT_FATAL, err = 0;

	for (int s = 0; s < 2; s++)
		if ((ret = check_header(&in[s])))
			return ret;
	ret = MLV_EXIT_FATAL;
	if (!(r->cols = calloc(n[0], sizeof(*r->cols))))
		return mlv_die("out of memory");
	for (int s = 0; s < 2; s++) {
		for (size_t i = 0; i < n[s]; i++) {
			char *name = strndup(h[s][i].ptr, h[s][i].len);
			ssize_t other = -1;
			if (!name) {
				err = 1;
				break;
			}
			other = find_field(h[!s], n[!s], name);
			if (other < 0) {
				err |= mlv_buf_printf(&only[s], "%s'%s'", only[s].size ? ", " : "", name);
				free(name);
				continue;
			}
			if (s == SIDE_CUR || !wanted(name)) {
				free(name);
				continue;
			}
			struct drift_column *c = &r->cols[r->ncols++];
			c->name = name;
			c->field[SIDE_REF] = i;
			c->field[SIDE_CUR] = (size_t)other;
			c->test = MLV_TEST_DEFAULT;
			c->threshold = NAN;
		}
	}
	if (err) {
		ret = mlv_die("out of memory");
		goto done;
	}
	if ((only[0].size || only[1].size) && opt_strict) {
		mlv_buf msg = MLV_BUF_INIT;
		for (int s = 0; s < 2; s++)
			if (only[s].size)
				err |= mlv_buf_printf(&msg, "%sonly in '%s': %s", msg.size ? "; " : "", in[s].arg,
					mlv_buf_cstr(&only[s]));
		ret = err ? mlv_die("out of memory") :
			mlv_die("the files have different columns (--strict): %s", mlv_buf_cstr(&msg));
		mlv_buf_release(&msg);
		goto done;
	}
	for (int s = 0; s < 2; s++)
		if (only[s].size)
			mlv_warn("columns only in '%s', not compared: %s", in[s].arg, mlv_buf_cstr(&only[s]));
	ret = 0;
done:
	mlv_buf_release(&only[0]);
	mlv_buf_release(&only[1]);
	return ret;
}

/* Apply --categorical, --numerical, --test and --threshold to the columns. */
static int apply_settings(struct drift_result *r, struct input *in)
{
	int global_test = MLV_TEST_DEFAULT, ret;
	double global_threshold = NAN;
	char *col = NULL;
	const char *value;
	struct drift_column *c;

	for (int i = 0; i < opt_columns.n; i++) {
		const char *p = opt_columns.items[i];
		while (*p) {
			size_t n = strcspn(p, ",");
			if (n) {
				char *name = strndup(p, n);
				if (!name)
					return mlv_die("out of memory");
				ret = check_named(in, name, "--columns");
				free(name);
				if (ret)
					return ret;
			}
			p += n + (p[n] == ',');
		}
	}
	for (int i = 0; i < opt_exclude.n; i++)
		if ((ret = check_named(in, opt_exclude.items[i], "--exclude")))
			return ret;
	for (int k = 0; k < 2; k++) {
		const struct mlv_strlist *l = k ? &opt_numerical : &opt_categorical;
		for (int i = 0; i < l->n; i++) {
			if ((ret = check_named(in, l->items[i], k ? "--numerical" : "--categorical")))
				return ret;
			if (!(c = find_column(r, l->items[i])))
				continue;
			if (c->forced_type && c->forced_type != (k ? MLV_STATS_NUMERICAL : MLV_STATS_CATEGORICAL)) {
				fprintf(stderr, "mlv: error: column '%s' is given both as --categorical and --numerical\n", c->name);
				return MLV_EXIT_USAGE;
			}
			c->forced_type = k ? MLV_STATS_NUMERICAL : MLV_STATS_CATEGORICAL;
		}
	}
	for (int i = 0; i < opt_test.n; i++) {
		int test;
		if (split_setting(opt_test.items[i], &col, &value))
			return mlv_die("out of memory");
		if (mlv_stats_test_from_name(&test, value)) {
			free(col);
			return mlv_die("--test: %s", mlv_error_last());
		}
		if (!col) {
			global_test = test;
			continue;
		}
		if ((ret = check_named(in, col, "--test"))) {
			free(col);
			return ret;
		}
		if ((c = find_column(r, col)))
			c->test = test;
		free(col);
	}
	for (int i = 0; i < opt_threshold.n; i++) {
		double x;
		if (split_setting(opt_threshold.items[i], &col, &value))
			return mlv_die("out of memory");
		if (!parse_double(value, &x)) {
			fprintf(stderr, "mlv: error: --threshold: '%s' is not a number\n", value);
			free(col);
			return MLV_EXIT_USAGE;
		}
		/* no test takes it: refuse before reading anything */
		if (mlv_stats_test_check_threshold(MLV_TEST_KS, x) &&
			mlv_stats_test_check_threshold(MLV_TEST_WASSERSTEIN, x)) {
			free(col);
			return mlv_die("--threshold: %g is out of range: a threshold is a number > 0 "
				"(and < 1 for the p-value tests)", x);
		}
		if (!col) {
			global_threshold = x;
			continue;
		}
		if ((ret = check_named(in, col, "--threshold"))) {
			free(col);
			return ret;
		}
		if ((c = find_column(r, col)))
			c->threshold = x;
		free(col);
	}
	for (size_t i = 0; i < r->ncols; i++) {
		c = &r->cols[i];
		if (c->test == MLV_TEST_DEFAULT)
			c->test = global_test;
		if (isnan(c->threshold))
			c->threshold = global_threshold;
		/* what can be checked before reading, is */
		if (c->test != MLV_TEST_DEFAULT && !isnan(c->threshold) &&
			mlv_stats_test_check_threshold(c->test, c->threshold))
			return mlv_die("column '%s': %s", c->name, mlv_error_last());
		if (c->test != MLV_TEST_DEFAULT && c->forced_type &&
			mlv_stats_test_check_type(c->test, c->forced_type))
			return mlv_die("column '%s': %s", c->name, mlv_error_last());
	}
	return 0;
}

static int parse_delimiter(const char *s, char *out)
{
	if (!strcmp(s, "\\t") || !strcmp(s, "tab"))
		*out = '\t';
	else if (strlen(s) == 1 && s[0] != '"' && s[0] != '\n' && s[0] != '\r')
		*out = s[0];
	else
		return -1;
	return 0;
}

/* ---- numbers as text ---- */

/* The shortest "%.15g".."%.17g" form that reads back as V. */
static void fmt_roundtrip(char *buf, size_t size, double v)
{
	for (int prec = 15; prec <= 17; prec++) {
		snprintf(buf, size, "%.*g", prec, v);
		if (strtod(buf, NULL) == v)
			return;
	}
}

/* JSON: integers as integers, others round-trip; NaN is null, ±inf ±1e999. */
static int put_json_number(mlv_buf *b, double v)
{
	char tmp[64];
	if (isnan(v))
		return mlv_buf_puts(b, "null");
	if (isinf(v))
		return mlv_buf_puts(b, v > 0 ? "1e999" : "-1e999");
	if (v == floor(v) && fabs(v) < 1e15)
		return mlv_buf_printf(b, "%.0f", v == 0 ? 0.0 : v);
	fmt_roundtrip(tmp, sizeof(tmp), v);
	return mlv_buf_puts(b, tmp);
}

static const char *fmt_human(char *buf, size_t size, double v)
{
	if (isnan(v))
		snprintf(buf, size, "-");
	else
		snprintf(buf, size, "%.6g", v);
	return buf;
}

static const char *type_name(int type)
{
	return type == MLV_STATS_CATEGORICAL ? "categorical" : "numerical";
}

/* ---- output ---- */

/* Width on a terminal: UTF-8 code points. */
static size_t text_width(const char *s)
{
	size_t w = 0;
	for (; *s; s++)
		w += ((unsigned char)*s & 0xc0) != 0x80;
	return w;
}

static int print_human(const struct drift_result *r)
{
	enum { NF = 7 };
	static const char *const head[NF] = { "column", "type", "test", "statistic", "p-value", "threshold", "result" };
	mlv_buf out = MLV_BUF_INIT, name = MLV_BUF_INIT;
	char (*cells)[NF][64] = calloc(r->ncols + 1, sizeof(*cells));
	char **names = calloc(r->ncols + 1, sizeof(char *));
	size_t width[NF] = { 0 };
	int err = !cells || !names, ret;

	for (size_t i = 0; !err && i < r->ncols; i++) {
		const struct drift_column *c = &r->cols[i];
		mlv_buf_clear(&name);
		err |= plumb_put_path(&name, c->name);
		err |= !(names[i] = strdup(mlv_buf_cstr(&name)));
		if (c->skipped) {
			for (int f = 1; f < NF - 1; f++)
				strcpy(cells[i][f], "-");
			continue;
		}
		snprintf(cells[i][1], 64, "%s", type_name(c->type));
		snprintf(cells[i][2], 64, "%s", mlv_stats_test_name(c->res.test));
		fmt_human(cells[i][3], 64, c->res.statistic);
		fmt_human(cells[i][4], 64, c->res.p_value);
		fmt_human(cells[i][5], 64, c->res.threshold);
		snprintf(cells[i][6], 64, "%s", c->res.drift ? "DRIFT" : "ok");
	}
	for (int f = 0; f < NF; f++)
		width[f] = strlen(head[f]);
	for (size_t i = 0; !err && i < r->ncols; i++) {
		if (text_width(names[i]) > width[0])
			width[0] = text_width(names[i]);
		for (int f = 1; f < NF - 1; f++)
			if (strlen(cells[i][f]) > width[f])
				width[f] = strlen(cells[i][f]);
	}
	for (size_t i = 0; !err && i <= r->ncols; i++) {
		for (int f = 0; f < NF; f++) {
			const char *s = i == 0 ? head[f] : f == 0 ? names[i - 1] : cells[i - 1][f];
			if (f == NF - 1) {
				const struct drift_column *c = i ? &r->cols[i - 1] : NULL;
				if (c && c->skipped)
					err |= mlv_buf_printf(&out, "skipped (%s)", c->skip_reason);
				else
					err |= mlv_buf_puts(&out, s);
				break;
			}
			err |= mlv_buf_puts(&out, s);
			err |= mlv_buf_printf(&out, "%*s", (int)(width[f] - text_width(s) + 2), "");
		}
		err |= mlv_buf_putc(&out, '\n');
	}
	err |= mlv_buf_printf(&out, "\ndrifted columns: %zu of %zu", r->drifted, r->tested);
	if (r->ncols > r->tested)
		err |= mlv_buf_printf(&out, " (%zu skipped)", r->ncols - r->tested);
	err |= mlv_buf_printf(&out, "\ndrift share: %.6g (threshold %.6g)\ndataset drift: %s\n",
		r->share, r->share_threshold, r->dataset_drift ? "yes" : "no");
	ret = err ? mlv_die("out of memory") : plumb_write_stdout(out.ptr, out.size);
	for (size_t i = 0; names && i < r->ncols; i++)
		free(names[i]);
	free(names);
	free(cells);
	mlv_buf_release(&name);
	mlv_buf_release(&out);
	return ret;
}

static int print_json(const struct drift_result *r)
{
	mlv_buf out = MLV_BUF_INIT;
	int err = 0, ret, first = 1;

	err |= mlv_buf_puts(&out, "{\"schema\":\"mlv.drift/1\",\"columns\":[");
	for (size_t i = 0; i < r->ncols; i++) {
		const struct drift_column *c = &r->cols[i];
		if (c->skipped)
			continue;
		err |= mlv_buf_puts(&out, first ? "{\"column\":" : ",{\"column\":");
		first = 0;
		err |= mlv_buf_put_json_string(&out, c->name, strlen(c->name));
		err |= mlv_buf_printf(&out, ",\"type\":\"%s\",\"test\":\"%s\",\"statistic\":", type_name(c->type),
			mlv_stats_test_name(c->res.test));
		err |= put_json_number(&out, c->res.statistic);
		err |= mlv_buf_puts(&out, ",\"p_value\":");
		err |= put_json_number(&out, c->res.p_value);
		err |= mlv_buf_puts(&out, ",\"threshold\":");
		err |= put_json_number(&out, c->res.threshold);
		err |= mlv_buf_printf(&out, ",\"drift\":%s,\"n_ref\":%llu,\"n_cur\":%llu,\"missing_ref\":%llu,"
			"\"missing_cur\":%llu}", c->res.drift ? "true" : "false",
			(unsigned long long)c->n[0], (unsigned long long)c->n[1],
			(unsigned long long)c->missing[0], (unsigned long long)c->missing[1]);
	}
	err |= mlv_buf_printf(&out, "],\"drifted_columns\":%zu,\"drift_share\":", r->drifted);
	err |= put_json_number(&out, r->share);
	err |= mlv_buf_puts(&out, ",\"share_threshold\":");
	err |= put_json_number(&out, r->share_threshold);
	err |= mlv_buf_printf(&out, ",\"dataset_drift\":%s,\"skipped\":[", r->dataset_drift ? "true" : "false");
	first = 1;
	for (size_t i = 0; i < r->ncols; i++) {
		const struct drift_column *c = &r->cols[i];
		if (!c->skipped)
			continue;
		err |= mlv_buf_puts(&out, first ? "{\"column\":" : ",{\"column\":");
		first = 0;
		err |= mlv_buf_put_json_string(&out, c->name, strlen(c->name));
		err |= mlv_buf_puts(&out, ",\"reason\":");
		err |= mlv_buf_put_json_string(&out, c->skip_reason, strlen(c->skip_reason));
		err |= mlv_buf_printf(&out, ",\"n_ref\":%llu,\"n_cur\":%llu,\"missing_ref\":%llu,\"missing_cur\":%llu}",
			(unsigned long long)c->n[0], (unsigned long long)c->n[1],
			(unsigned long long)c->missing[0], (unsigned long long)c->missing[1]);
	}
	err |= mlv_buf_puts(&out, "]}\n");
	ret = err ? mlv_die("out of memory") : plumb_write_stdout(out.ptr, out.size);
	mlv_buf_release(&out);
	return ret;
}

/* ---- the HTML report ---- */

#define SVG_W 720
#define SVG_H 300
#define PLOT_L 64
#define PLOT_R 16
#define PLOT_T 34
#define PLOT_B 78

static int svg_chart(mlv_buf *b, const struct drift_column *c)
{
	const struct chart *ch = &c->chart;
	double pw = SVG_W - PLOT_L - PLOT_R, ph = SVG_H - PLOT_T - PLOT_B, ymax = 0, ystep, xlo = 0, xhi = 1;
	double x0 = PLOT_L, y0 = SVG_H - PLOT_B;
	int err = 0;

	for (size_t i = 0; i < ch->k; i++) {
		if (ch->ref[i] > ymax)
			ymax = ch->ref[i];
		if (ch->cur[i] > ymax)
			ymax = ch->cur[i];
	}
	if (ymax <= 0)
		ymax = 1;
	ystep = html_nice_step(ymax, 4);
	ymax = ceil(ymax / ystep - 1e-9) * ystep;

	err |= mlv_buf_printf(b, "<svg data-column=\"");
	err |= html_escape(b, c->name);
	err |= mlv_buf_printf(b, "\" viewBox=\"0 0 %d %d\" role=\"img\" aria-label=\"distributions of ", SVG_W, SVG_H);
	err |= html_escape(b, c->name);
	err |= mlv_buf_puts(b, "\">\n");
	/* legend */
	err |= mlv_buf_printf(b, "<rect x=\"%d\" y=\"8\" width=\"14\" height=\"14\" class=\"ref\"/>"
		"<text x=\"%d\" y=\"20\">reference (n=%llu)</text>\n", PLOT_L, PLOT_L + 20,
		(unsigned long long)c->n[SIDE_REF]);
	err |= mlv_buf_printf(b, "<rect x=\"%d\" y=\"8\" width=\"14\" height=\"14\" class=\"cur\"/>"
		"<text x=\"%d\" y=\"20\">current (n=%llu)</text>\n", PLOT_L + 230, PLOT_L + 250,
		(unsigned long long)c->n[SIDE_CUR]);
	/* y grid, ticks and labels: shares as percentages */
	for (double y = 0; y <= ymax + ystep / 2; y += ystep) {
		double py = y0 - y / ymax * ph;
		err |= mlv_buf_printf(b, "<line x1=\"%.1f\" x2=\"%.1f\" y1=\"%.1f\" y2=\"%.1f\" class=\"grid\"/>"
			"<text x=\"%.1f\" y=\"%.1f\" class=\"ytick\">%g%%</text>\n",
			x0, x0 + pw, py, py, x0 - 6, py + 4, y * 100);
	}
	err |= mlv_buf_printf(b, "<text transform=\"translate(14 %.1f) rotate(-90)\" class=\"axis-label\">"
		"share of values</text>\n", y0 - ph / 2);

	if (ch->kind == CHART_HIST) {
		double xstep;
		int xprec;
		xlo = ch->edges[0];
		xhi = ch->edges[ch->k];
		if (!(xhi > xlo))
			xhi = xlo + 1;
		for (int s = 0; s < 2; s++) {
			const double *v = s ? ch->cur : ch->ref;
			for (size_t i = 0; i < ch->k; i++) {
				double bx = x0 + (ch->edges[i] - xlo) / (xhi - xlo) * pw;
				double bw = (ch->edges[i + 1] - ch->edges[i]) / (xhi - xlo) * pw;
				double bh = v[i] / ymax * ph;
				err |= mlv_buf_printf(b, "<rect x=\"%.2f\" y=\"%.2f\" width=\"%.2f\" height=\"%.2f\" class=\"%s\">"
					"<title>%s [%g, %g%s: %.4g%%</title></rect>\n", bx, y0 - bh, bw > 0.5 ? bw : 0.5, bh,
					s ? "cur" : "ref", s ? "current" : "reference", ch->edges[i], ch->edges[i + 1],
					i + 1 == ch->k ? "]" : ")", v[i] * 100);
			}
		}
		xstep = html_nice_step(xhi - xlo, 6);
		/* enough digits that neighbouring ticks read differently */
		xprec = (int)ceil(log10(fmax(fabs(xlo), fabs(xhi)) / xstep)) + 2;
		xprec = xprec < 6 ? 6 : xprec > 17 ? 17 : xprec;
		/* counted, not accumulated: a step below the precision of x must not loop forever */
		for (int t = 0; t < 40; t++) {
			double x = ceil(xlo / xstep) * xstep + t * xstep, px;
			if (x > xhi + xstep * 1e-9)
				break;
			if (x < xlo)
				continue;
			px = x0 + (x - xlo) / (xhi - xlo) * pw;
			err |= mlv_buf_printf(b, "<line x1=\"%.1f\" x2=\"%.1f\" y1=\"%.1f\" y2=\"%.1f\" class=\"axis\"/>"
				"<text x=\"%.1f\" y=\"%.1f\" class=\"xtick\">%.*g</text>\n",
				px, px, y0, y0 + 5, px, y0 + 18, xprec, fabs(x) < xstep * 1e-9 ? 0.0 : x);
		}
	} else {
		double slot = pw / (double)(ch->k ? ch->k : 1), bw = slot * 0.38;
		for (size_t i = 0; i < ch->k; i++) {
			double sx = x0 + slot * (double)i + slot * 0.1;
			for (int s = 0; s < 2; s++) {
				double v = s ? ch->cur[i] : ch->ref[i], bh = v / ymax * ph;
				err |= mlv_buf_printf(b, "<rect x=\"%.2f\" y=\"%.2f\" width=\"%.2f\" height=\"%.2f\" class=\"%s\"><title>",
					sx + bw * s, y0 - bh, bw, bh, s ? "cur" : "ref");
				err |= html_escape(b, s ? "current, " : "reference, ");
				err |= html_escape(b, ch->labels[i]);
				err |= mlv_buf_printf(b, ": %.4g%%</title></rect>\n", v * 100);
			}
			err |= mlv_buf_printf(b, "<text transform=\"translate(%.1f %.1f) rotate(-35)\" class=\"xcat\">",
				sx + bw, y0 + 14);
			err |= html_put_label(b, ch->labels[i], 14);
			err |= mlv_buf_puts(b, "</text>\n");
		}
	}
	err |= mlv_buf_printf(b, "<line x1=\"%.1f\" x2=\"%.1f\" y1=\"%.1f\" y2=\"%.1f\" class=\"axis\"/>"
		"<line x1=\"%.1f\" x2=\"%.1f\" y1=\"%.1f\" y2=\"%.1f\" class=\"axis\"/>\n",
		x0, x0 + pw, y0, y0, x0, x0, y0, y0 - ph);
	err |= mlv_buf_printf(b, "<text x=\"%.1f\" y=\"%d\" class=\"axis-label\">", x0 + pw / 2, SVG_H - 6);
	err |= html_escape(b, c->name);
	if (ch->kind == CHART_HIST)
		err |= mlv_buf_printf(b, " (%zu bins)", ch->k);
	else if (ch->hidden)
		err |= mlv_buf_printf(b, " (the %zu most frequent; %zu more not shown)", ch->k, ch->hidden);
	err |= mlv_buf_puts(b, "</text>\n</svg>\n");
	return err;
}

static const char html_head[] =
	"<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
	"<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'\">\n"
	"<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
	"<title>mlv drift report</title>\n<style>\n"
	"body{font:15px/1.45 system-ui,-apple-system,\"Segoe UI\",Roboto,\"DejaVu Sans\",sans-serif;"
	"color:#1f2328;background:#fff;margin:0 auto;max-width:960px;padding:24px}\n"
	"h1{font-size:1.6em;margin:0 0 .3em}h2{font-size:1.2em;margin:0 0 .4em}\n"
	"code,.mono{font-family:ui-monospace,\"DejaVu Sans Mono\",monospace}\n"
	".files{color:#57606a}\n"
	".verdict{display:inline-block;padding:.3em .8em;border-radius:6px;font-weight:600}\n"
	".drift{background:#ffebe9;color:#a40e26;border:1px solid #ff8182}\n"
	".ok{background:#dafbe1;color:#116329;border:1px solid #4ac26b}\n"
	".skip{background:#f6f8fa;color:#57606a;border:1px solid #d0d7de}\n"
	"table{border-collapse:collapse;margin:1em 0;width:100%}\n"
	"th,td{text-align:left;padding:4px 10px;border-bottom:1px solid #d0d7de}\n"
	"td.num{text-align:right;font-variant-numeric:tabular-nums}\n"
	"section{border:1px solid #d0d7de;border-radius:8px;padding:16px;margin:18px 0}\n"
	"section.drifted{border-left:6px solid #cf222e}\n"
	"section.stable{border-left:6px solid #2da44e}\n"
	".facts{color:#424a53;margin:.2em 0 .6em}\n"
	"svg{width:100%;height:auto;max-width:720px;display:block}\n"
	"svg text{font-size:12px;fill:#24292f}\n"
	"svg .ref{fill:#1f6feb;fill-opacity:.55;stroke:#0b4fbf;stroke-width:.6}\n"
	"svg .cur{fill:#f08c00;fill-opacity:.55;stroke:#b35c00;stroke-width:.6}\n"
	"svg .grid{stroke:#d8dee4;stroke-width:1}\n"
	"svg .axis{stroke:#57606a;stroke-width:1}\n"
	"svg .ytick{text-anchor:end}\nsvg .xtick{text-anchor:middle}\nsvg .xcat{text-anchor:end}\n"
	"svg .axis-label{text-anchor:middle;font-weight:600}\n"
	"</style>\n</head>\n<body>\n";

static int html_facts(mlv_buf *b, const struct drift_column *c)
{
	int err = 0;
	char s[64], p[64], t[64];
	fmt_human(s, sizeof(s), c->res.statistic);
	fmt_human(p, sizeof(p), c->res.p_value);
	fmt_human(t, sizeof(t), c->res.threshold);
	err |= mlv_buf_printf(b, "<p class=\"facts\">%s column &middot; test <code>%s</code> &middot; statistic %s",
		type_name(c->type), mlv_stats_test_name(c->res.test), s);
	if (mlv_stats_test_has_p_value(c->res.test))
		err |= mlv_buf_printf(b, " &middot; p-value %s (drift when &lt; %s)", p, t);
	else
		err |= mlv_buf_printf(b, " &middot; drift when &ge; %s", t);
	err |= mlv_buf_printf(b, " &middot; values %llu / %llu, missing %llu / %llu (reference / current)</p>\n",
		(unsigned long long)c->n[0], (unsigned long long)c->n[1],
		(unsigned long long)c->missing[0], (unsigned long long)c->missing[1]);
	return err;
}

/* The order of the report: drifted columns first, then the rest, then skipped ones; file order within. */
static size_t *report_order(const struct drift_result *r)
{
	size_t *order = malloc((r->ncols ? r->ncols : 1) * sizeof(*order)), k = 0;
	if (!order)
		return NULL;
	for (int pass = 0; pass < 3; pass++)
		for (size_t i = 0; i < r->ncols; i++) {
			const struct drift_column *c = &r->cols[i];
			int rank = c->skipped ? 2 : c->res.drift ? 0 : 1;
			if (rank == pass)
				order[k++] = i;
		}
	return order;
}

static int write_html(const struct drift_result *r, const char *path)
{
	mlv_buf b = MLV_BUF_INIT;
	size_t *order = report_order(r);
	int err = !order, ret;
	char share[64], thr[64];

	err |= mlv_buf_puts(&b, html_head);
	err |= mlv_buf_puts(&b, "<h1>Data drift report</h1>\n<p class=\"files\">reference <code>");
	err |= html_escape(&b, r->name[SIDE_REF]);
	err |= mlv_buf_puts(&b, "</code> &middot; current <code>");
	err |= html_escape(&b, r->name[SIDE_CUR]);
	err |= mlv_buf_puts(&b, "</code></p>\n");
	fmt_human(share, sizeof(share), r->share);
	fmt_human(thr, sizeof(thr), r->share_threshold);
	err |= mlv_buf_printf(&b, "<p><span class=\"verdict %s\">%s</span> %zu of %zu columns drifted "
		"(share %s; dataset drift when &ge; %s)%s</p>\n",
		r->dataset_drift ? "drift" : "ok", r->dataset_drift ? "Dataset drift" : "No dataset drift",
		r->drifted, r->tested, share, thr, r->ncols > r->tested ? "; some columns were skipped" : "");
	err |= mlv_buf_puts(&b, "<table>\n<thead><tr><th>column</th><th>type</th><th>test</th>"
		"<th>statistic</th><th>p-value</th><th>threshold</th><th>result</th></tr></thead>\n<tbody>\n");
	for (size_t k = 0; !err && k < r->ncols; k++) {
		const struct drift_column *c = &r->cols[order[k]];
		char s[64], p[64], t[64];
		err |= mlv_buf_puts(&b, "<tr><td class=\"mono\">");
		err |= html_escape(&b, c->name);
		if (c->skipped) {
			err |= mlv_buf_puts(&b, "</td><td>-</td><td>-</td><td class=\"num\">-</td><td class=\"num\">-</td>"
				"<td class=\"num\">-</td><td><span class=\"verdict skip\">skipped</span> ");
			err |= html_escape(&b, c->skip_reason);
			err |= mlv_buf_puts(&b, "</td></tr>\n");
			continue;
		}
		err |= mlv_buf_printf(&b, "</td><td>%s</td><td><code>%s</code></td><td class=\"num\">%s</td>"
			"<td class=\"num\">%s</td><td class=\"num\">%s</td><td><span class=\"verdict %s\">%s</span></td></tr>\n",
			type_name(c->type), mlv_stats_test_name(c->res.test),
			fmt_human(s, sizeof(s), c->res.statistic), fmt_human(p, sizeof(p), c->res.p_value),
			fmt_human(t, sizeof(t), c->res.threshold),
			c->res.drift ? "drift" : "ok", c->res.drift ? "DRIFT" : "ok");
	}
	err |= mlv_buf_puts(&b, "</tbody>\n</table>\n");
	for (size_t k = 0; !err && k < r->ncols; k++) {
		const struct drift_column *c = &r->cols[order[k]];
		if (c->skipped)
			continue;
		err |= mlv_buf_printf(&b, "<section class=\"%s\">\n<h2><span class=\"mono\">", c->res.drift ? "drifted" : "stable");
		err |= html_escape(&b, c->name);
		err |= mlv_buf_printf(&b, "</span> <span class=\"verdict %s\">%s</span></h2>\n",
			c->res.drift ? "drift" : "ok", c->res.drift ? "DRIFT" : "ok");
		err |= html_facts(&b, c);
		err |= svg_chart(&b, c);
		err |= mlv_buf_puts(&b, "</section>\n");
	}
	err |= mlv_buf_puts(&b, "<p class=\"files\">Written by mlv drift " MLV_VERSION ".</p>\n</body>\n</html>\n");
	if (err)
		ret = mlv_die("out of memory");
	else if (mlv_io_write_file_atomic(path, b.ptr, b.size, 0644))
		ret = mlv_die("cannot write '%s': %s", path, mlv_error_last());
	else
		ret = 0;
	free(order);
	mlv_buf_release(&b);
	return ret;
}

/* ---- the command ---- */

/* Decide each column's type; set up the columns a second pass must read as categorical. */
static int plan_rescan(struct drift_result *r, struct pass *pass, size_t *nrescan)
{
	*nrescan = 0;
	for (size_t i = 0; i < r->ncols; i++) {
		struct drift_column *c = &r->cols[i];
		int cat = 0;
		if (c->forced_type)
			continue;
		for (int s = 0; s < 2; s++)
			cat |= mlv_stats_column_type(c->data[s]) == MLV_STATS_CATEGORICAL ||
				mlv_stats_column_needs_rescan(c->data[s]);
		if (!cat)
			continue;
		for (int s = 0; s < 2; s++) {
			if (mlv_stats_column_type(c->data[s]) == MLV_STATS_CATEGORICAL &&
				!mlv_stats_column_needs_rescan(c->data[s]))
				continue;
			mlv_stats_column_free(c->data[s]);
			c->data[s] = NULL;
			if (mlv_stats_column_new(&c->data[s], MLV_STATS_CATEGORICAL))
				return mlv_die("out of memory");
			pass[s].feeds[pass[s].nfeeds++] = (struct feed){ c->field[s], c->data[s], c->name };
			(*nrescan)++;
		}
	}
	return 0;
}

int cmd_drift(int argc, const char **argv, struct mlv_ctx *ctx)
{
	struct drift_result r;
	struct input in[2];
	struct pass pass[2];
	size_t nrescan = 0;
	uint64_t rows[2] = { 0, 0 };
	char delimiter = 0;
	int nargs, ret = MLV_EXIT_FATAL, rc;

	memset(&r, 0, sizeof(r));
	memset(in, 0, sizeof(in));
	memset(pass, 0, sizeof(pass));
	in[0].fd = in[1].fd = -1;
	nargs = mlv_parse_options(argc, argv, mlv_opts_drift, mlv_usage_drift);
	if (nargs < 0)
		return MLV_EXIT_USAGE;
	if (nargs != 2) {
		mlv_usage_print(stderr, mlv_usage_drift, mlv_opts_drift);
		return MLV_EXIT_USAGE;
	}
	r.share_threshold = DEFAULT_DRIFT_SHARE;
	if (opt_drift_share) {
		if (!parse_double(opt_drift_share, &r.share_threshold)) {
			fprintf(stderr, "mlv: error: --drift-share: '%s' is not a number\n", opt_drift_share);
			ret = MLV_EXIT_USAGE;
			goto done;
		}
		if (!(r.share_threshold > 0 && r.share_threshold <= 1)) {
			ret = mlv_die("--drift-share: %g is out of range: a share lies in (0, 1]", r.share_threshold);
			goto done;
		}
	}
	if (opt_delimiter && parse_delimiter(opt_delimiter, &delimiter)) {
		fprintf(stderr, "mlv: error: --delimiter: '%s' is not one character\n", opt_delimiter);
		ret = MLV_EXIT_USAGE;
		goto done;
	}
	if (!strcmp(argv[0], "-") && !strcmp(argv[1], "-")) {
		fprintf(stderr, "mlv: error: only one of <ref> and <cur> can be standard input\n");
		ret = MLV_EXIT_USAGE;
		goto done;
	}
	for (int s = 0; s < 2; s++) {
		in[s].arg = r.name[s] = argv[s];
		if ((ret = open_input(&in[s], ctx, delimiter)))
			goto done;
		if ((rc = open_reader(&in[s], NULL))) {
			ret = mlv_die_lib();
			goto done;
		}
	}
	if ((ret = build_columns(&r, in)) || (ret = apply_settings(&r, in)))
		goto done;
	ret = MLV_EXIT_FATAL;
	if (!r.ncols) {
		ret = mlv_die(opt_columns.n || opt_exclude.n ? "no column left to compare" :
			"'%s' and '%s' have no column in common", in[0].arg, in[1].arg);
		goto done;
	}

	/* first pass: every compared column of both files */
	for (int s = 0; s < 2; s++) {
		pass[s].in = &in[s];
		if (!(pass[s].feeds = calloc(r.ncols, sizeof(*pass[s].feeds)))) {
			ret = mlv_die("out of memory");
			goto done;
		}
		for (size_t i = 0; i < r.ncols; i++) {
			struct drift_column *c = &r.cols[i];
			if (mlv_stats_column_new(&c->data[s], c->forced_type)) {
				ret = mlv_die("out of memory");
				goto done;
			}
			pass[s].feeds[pass[s].nfeeds++] = (struct feed){ c->field[s], c->data[s], c->name };
		}
	}
	if ((ret = run_passes(pass)))
		goto done;

	/* second pass, only when a column turned out to hold text after numbers */
	for (int s = 0; s < 2; s++) {
		pass[s].nfeeds = 0;
		rows[s] = in[s].rows;
	}
	if ((ret = plan_rescan(&r, pass, &nrescan)))
		goto done;
	if (nrescan) {
		for (int s = 0; s < 2; s++) {
			if (!pass[s].nfeeds)
				continue;
			if (open_reader(&in[s], "a column that holds both numbers and text needs "
				"(give it with --categorical)")) {
				ret = mlv_die_lib();
				goto done;
			}
		}
		if ((ret = run_passes(pass)))
			goto done;
		for (int s = 0; s < 2; s++)
			if (pass[s].nfeeds && in[s].rows != rows[s]) {
				ret = mlv_die("'%s' changed while it was read", in[s].arg);
				goto done;
			}
	}

	run_columns(&r, opt_html != NULL);
	for (size_t i = 0; i < r.ncols; i++) {
		struct drift_column *c = &r.cols[i];
		if (c->error) {
			ret = mlv_die("%s", c->error);
			goto done;
		}
		if (c->skipped) {
			mlv_warn("column '%s' skipped: %s", c->name, c->skip_reason);
			continue;
		}
		r.tested++;
		r.drifted += c->res.drift != 0;
	}
	if (!r.tested) {
		if (!rows[0] || !rows[1])
			ret = mlv_die("nothing to compare: '%s' has no rows", rows[0] ? in[1].arg : in[0].arg);
		else
			ret = mlv_die("nothing to compare: every column was skipped");
		goto done;
	}
	r.share = (double)r.drifted / (double)r.tested;
	r.dataset_drift = r.share >= r.share_threshold;
	if (opt_html && (ret = write_html(&r, opt_html)))
		goto done;
	ret = opt_json ? print_json(&r) : print_human(&r);
	if (ret == 0 && r.dataset_drift)
		ret = MLV_EXIT_NO;

done:
	for (int s = 0; s < 2; s++) {
		mlv_csv_free(in[s].rd);
		if (in[s].close_fd && in[s].fd >= 0)
			close(in[s].fd);
		free(pass[s].feeds);
		free(pass[s].err);
	}
	for (size_t i = 0; i < r.ncols; i++) {
		struct drift_column *c = &r.cols[i];
		free(c->name);
		free(c->skip_reason);
		free(c->error);
		chart_release(&c->chart);
		mlv_stats_column_free(c->data[0]);
		mlv_stats_column_free(c->data[1]);
	}
	free(r.cols);
	mlv_strlist_release(&opt_columns);
	mlv_strlist_release(&opt_exclude);
	mlv_strlist_release(&opt_categorical);
	mlv_strlist_release(&opt_numerical);
	mlv_strlist_release(&opt_test);
	mlv_strlist_release(&opt_threshold);
	return ret;
}
