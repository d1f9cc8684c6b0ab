/*
 * `mlv runs`: a table of recorded runs from the runs index (no record is
 * read), filtered with the expression language, sorted, newest first. The
 * filter and sort key are evaluated on each summary's text (no JSON tree);
 * with -n only the best n rows are kept (a heap), and only the rows shown
 * are parsed whole. With -n, newest first or sorted by a metric, the runs
 * come from the sort index in order (lib/runsort.c) and reading stops once
 * the best n are known: a few milliseconds at 100,000 runs when the filter
 * lets enough through; otherwise every summary is read, in constant memory
 * (bench/runs.sh).
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include "mlv/cjson.h"

#include "commands.h"
#include "plumbing.h"
#include "runfmt.h"
#include "mlv/jsonscan.h"
#include "mlv/run.h"

static const char *opt_filter;
static const char *opt_sort;
static long opt_n = -1;
static struct mlv_strlist opt_columns;
static int opt_json;

const struct mlv_option mlv_opts_runs[] = {
	MLV_OPT_STRING(0, "filter", &opt_filter, "expr", "only runs for which the expression is true"),
	MLV_OPT_STRING(0, "sort", &opt_sort, "key", "sort by a field (-key: descending)"),
	MLV_OPT_INT('n', NULL, &opt_n, "n", "show at most n runs"),
	MLV_OPT_LIST(0, "columns", &opt_columns, "list", "the fields to show (comma-separated)"),
	MLV_OPT_JSON(&opt_json),
	MLV_OPT_END()
};

const char *const mlv_usage_runs[] = {
	"mlv runs [--filter <expr>] [--sort <key>] [-n <n>] [--columns <list>] [--json]",
	NULL
};

struct run_row {
	char *id;            /* on the heap: sort values may point at it while rows move */
	mlv_oid record;
	char *summary;       /* the index's summary (a copy, for the rows kept) */
	size_t len;
	cJSON *j;            /* parsed for printing, for the rows shown only */
	double start_ms;
	mlv_expr_value sortval;
	char *sortstr;       /* the bytes of a string sortval */
};

struct runs_result {
	struct run_row *v;
	size_t n, alloc;
	const mlv_expr *filter, *sortkey;
	long limit;          /* -n: keep the best LIMIT rows in a heap; < 0: all */
	int err;
};

/* Strings decoded from the summary during one evaluation (only those with escapes). */
static struct {
	char **v;
	size_t n, alloc;
} scratch;

static void scratch_reset(void)
{
	for (size_t i = 0; i < scratch.n; i++)
		free(scratch.v[i]);
	scratch.n = 0;
}

/* A raw JSON value as an expression value; strings point into the text or into scratch. */
static int raw_value(const char *v, size_t len, mlv_expr_value *out)
{
	if (!len)
		return 0;
	if (*v == '"') {
		if (!memchr(v, '\\', len)) {
			out->type = MLV_EXPR_STRING;
			out->str = v + 1;
			out->len = len - 2;
			return 0;
		}
		mlv_buf d = MLV_BUF_INIT;
		if (mlv_json_string(v, len, &d) || !d.ptr) {
			mlv_buf_release(&d);
			return 0;
		}
		if (scratch.n == scratch.alloc) {
			size_t na = scratch.alloc ? 2 * scratch.alloc : 8;
			char **nv = realloc(scratch.v, na * sizeof(*nv));
			if (!nv) {
				mlv_buf_release(&d);
				return mlv_error_set(MLV_ENOMEM, "out of memory");
			}
			scratch.v = nv;
			scratch.alloc = na;
		}
		out->type = MLV_EXPR_STRING;
		out->len = d.size;
		out->str = scratch.v[scratch.n++] = mlv_buf_detach(&d);
		return 0;
	}
	if (*v == 't' || *v == 'f') {
		out->type = MLV_EXPR_BOOL;
		out->boolean = *v == 't';
		return 0;
	}
	if (*v == '-' || (*v >= '0' && *v <= '9')) {
		char tmp[64];
		if (len >= sizeof(tmp))
			return 0;
		memcpy(tmp, v, len);
		tmp[len] = '\0';
		out->type = MLV_EXPR_NUMBER;
		out->number = strtod(tmp, NULL);
	}
	return 0; /* null, objects, arrays: missing */
}

static int member(const struct run_row *r, const char *key, const char **v, size_t *len)
{
	return mlv_json_find(r->summary, r->len, key, strlen(key), v, len);
}

/* The value of a field (see mlv-runs(1)), read from the summary's text; strings point into ROW or scratch. */
static int lookup(void *payload, const char *path, mlv_expr_value *out)
{
	struct run_row *r = payload;
	const char *v;
	size_t len;
	if (!strncmp(path, "metrics.", 8) || !strncmp(path, "params.", 7) || !strncmp(path, "tags.", 5)) {
		const char *dot = strchr(path, '.'), *g;
		size_t glen;
		if (!member(r, path[0] == 'm' ? "metrics" : path[0] == 'p' ? "params" : "tags", &g, &glen) ||
		    !mlv_json_find(g, glen, dot + 1, strlen(dot + 1), &v, &len))
			return 0;
		if (path[0] == 'm' && *v == '"') { /* nan, inf, -inf */
			out->type = MLV_EXPR_NUMBER;
			out->number = len == 5 && !memcmp(v, "\"nan\"", 5) ? NAN : v[1] == '-' ? -INFINITY : INFINITY;
			return 0;
		}
		return raw_value(v, len, out);
	}
	if (!strcmp(path, "id")) {
		out->type = MLV_EXPR_STRING;
		out->str = r->id;
		out->len = strlen(r->id);
		return 0;
	}
	if (!strcmp(path, "duration")) {
		if (member(r, "duration_ms", &v, &len) && !raw_value(v, len, out) && out->type == MLV_EXPR_NUMBER)
			out->number /= 1000.0;
		else
			out->type = MLV_EXPR_MISSING;
		return 0;
	}
	if (!strcmp(path, "status") || !strcmp(path, "name") || !strcmp(path, "start") || !strcmp(path, "commit") ||
	    !strcmp(path, "dirty"))
		return member(r, path, &v, &len) ? raw_value(v, len, out) : 0;
	return 0;
}

static int row_cmp(const void *a, const void *b);

/* Give ROW (pointing into the index) its own copies of the id, the summary and a string sort value. */
static int row_own(struct run_row *row)
{
	char *id = strdup(row->id), *sum = malloc(row->len + 1), *ss = NULL;
	if (row->sortval.type == MLV_EXPR_STRING && !(ss = malloc(row->sortval.len + 1))) {
		free(id);
		free(sum);
		return mlv_error_set(MLV_ENOMEM, "out of memory");
	}
	if (!id || !sum) {
		free(id);
		free(sum);
		free(ss);
		return mlv_error_set(MLV_ENOMEM, "out of memory");
	}
	memcpy(sum, row->summary, row->len);
	sum[row->len] = '\0';
	if (ss) {
		memcpy(ss, row->sortval.str, row->sortval.len);
		ss[row->sortval.len] = '\0';
		row->sortval.str = ss;
	}
	row->id = id;
	row->summary = sum;
	row->sortstr = ss;
	return 0;
}

static void row_release(struct run_row *row)
{
	cJSON_Delete(row->j);
	free(row->id);
	free(row->summary);
	free(row->sortstr);
}

/* The heap of the best LIMIT rows: the worst on top (row_cmp order), so a better row replaces it. */
static void heap_down(struct run_row *v, size_t n, size_t i)
{
	for (;;) {
		size_t w = i, l = 2 * i + 1, r = l + 1;
		if (l < n && row_cmp(&v[l], &v[w]) > 0)
			w = l;
		if (r < n && row_cmp(&v[r], &v[w]) > 0)
			w = r;
		if (w == i)
			return;
		struct run_row t = v[i];
		v[i] = v[w];
		v[w] = t;
		i = w;
	}
}

static void heap_up(struct run_row *v, size_t i)
{
	while (i > 0) {
		size_t p = (i - 1) / 2;
		if (row_cmp(&v[i], &v[p]) <= 0)
			return;
		struct run_row t = v[i];
		v[i] = v[p];
		v[p] = t;
		i = p;
	}
}

/*
 * ROW for a run of the index (pointing into it) and whether FILTER lets it
 * through (*KEEP). A damaged entry is left out (the record is still there
 * for show). Strings the filter decoded stay in scratch until scratch_reset.
 */
static int row_filter(struct run_row *row, const char *id, const mlv_oid *record, const char *summary, size_t len,
	const mlv_expr *filter, int *keep)
{
	memset(row, 0, sizeof(*row));
	row->id = (char *)id;
	row->record = *record;
	row->summary = (char *)summary;
	row->len = len;
	*keep = len >= 2 && summary[0] == '{' && summary[len - 1] == '}';
	return *keep && filter ? mlv_expr_eval_bool(filter, lookup, row, keep) : 0;
}

static int collect(void *payload, const char *id, const mlv_oid *record, const char *summary, size_t len)
{
	struct runs_result *res = payload;
	struct run_row row;
	mlv_expr_value ms = { 0 };
	const char *e;
	int keep, rc;
	if ((rc = row_filter(&row, id, record, summary, len, res->filter, &keep)) || !keep || res->limit == 0)
		goto done;
	if (member(&row, "start_ms", &e, &len) && (rc = raw_value(e, len, &ms)))
		goto done;
	row.start_ms = ms.type == MLV_EXPR_NUMBER ? ms.number : 0;
	if (res->sortkey && (rc = mlv_expr_eval(res->sortkey, lookup, &row, &row.sortval)))
		goto done;
	if (res->limit > 0 && res->n == (size_t)res->limit) {
		/* full: only a row better than the worst kept gets in */
		if (row_cmp(&row, &res->v[0]) >= 0)
			goto done;
		if ((rc = row_own(&row)))
			goto done;
		row_release(&res->v[0]);
		res->v[0] = row;
		heap_down(res->v, res->n, 0);
		goto done;
	}
	if (res->n == res->alloc) {
		size_t na = res->alloc ? res->alloc * 2 : 64;
		struct run_row *nv = realloc(res->v, na * sizeof(*nv));
		if (!nv) {
			rc = mlv_error_set(MLV_ENOMEM, "out of memory");
			goto done;
		}
		res->v = nv;
		res->alloc = na;
	}
	if ((rc = row_own(&row)))
		goto done;
	res->v[res->n++] = row;
	if (res->limit > 0)
		heap_up(res->v, res->n - 1);
done:
	scratch_reset();
	return rc;
}

static int sort_desc;

/* Missing values last in either direction; numbers before strings; ties newest first. */
static int row_cmp(const void *a, const void *b)
{
	const struct run_row *x = a, *y = b;
	const mlv_expr_value *u = &x->sortval, *w = &y->sortval;
	int c = 0;
	if (opt_sort) {
		int um = u->type == MLV_EXPR_MISSING || (u->type == MLV_EXPR_NUMBER && isnan(u->number));
		int wm = w->type == MLV_EXPR_MISSING || (w->type == MLV_EXPR_NUMBER && isnan(w->number));
		if (um || wm)
			c = um - wm;
		else {
			if (u->type != w->type)
				c = u->type < w->type ? -1 : 1;
			else if (u->type == MLV_EXPR_NUMBER)
				c = u->number < w->number ? -1 : u->number > w->number;
			else if (u->type == MLV_EXPR_STRING) {
				size_t n = u->len < w->len ? u->len : w->len;
				c = memcmp(u->str, w->str, n);
				if (!c)
					c = u->len < w->len ? -1 : u->len > w->len;
			} else
				c = u->boolean - w->boolean;
			if (sort_desc)
				c = -c;
		}
		if (c)
			return c;
	}
	if (x->start_ms != y->start_ms)
		return x->start_ms > y->start_ms ? -1 : 1;
	return strcmp(y->id, x->id);
}

/* Listing through the sort index (mlv_run_walk): rows come in the listing's order, or by metric value. */
struct walk {
	struct runs_result *res;
	size_t calls;
	size_t budget;       /* runs to visit before a full read is the cheaper way */
	int gave_up;
};

static int walk_row(void *payload, const char *id, const mlv_oid *record, const char *summary, size_t len,
	const double *value)
{
	struct walk *w = payload;
	struct runs_result *res = w->res;
	w->calls++;
	if (res->limit == 0)
		return 1;
	/*
	 * A filter that lets few runs through makes the walk visit most of
	 * them, one index lookup each: past a quarter of the runs, reading
	 * every summary in order is cheaper (at most 1.5x its own cost then).
	 */
	if (w->calls > w->budget && res->n < (size_t)res->limit) {
		w->gave_up = 1;
		return 1;
	}
	if (res->n == (size_t)res->limit) {
		/*
		 * Full. Without a value (newest first, or a run without the
		 * metric) this run and all after it rank below every row kept.
		 * With one, the values only get worse from here: once below the
		 * worst kept, nothing later can get in.
		 */
		const mlv_expr_value *worst = &res->v[0].sortval;
		if (!value || (worst->type == MLV_EXPR_NUMBER && (sort_desc ? *value < worst->number : *value > worst->number)))
			return 1;
	}
	return collect(res, id, record, summary, len);
}

struct cols {
	char **v;
	size_t n;
};

static int cols_add(struct cols *c, const char *s, size_t len)
{
	for (size_t i = 0; i < c->n; i++)
		if (strlen(c->v[i]) == len && !memcmp(c->v[i], s, len))
			return 0;
	char **nv = realloc(c->v, (c->n + 1) * sizeof(*nv));
	if (!nv)
		return MLV_ENOMEM;
	c->v = nv;
	return (c->v[c->n] = strndup(s, len)) ? (c->n++, 0) : MLV_ENOMEM;
}

static int str_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Default columns: id, start, name, status, duration, then every metric, param and tag of the rows shown. */
static int default_columns(struct cols *c, const struct runs_result *r, size_t shown)
{
	static const char *const fixed[] = { "id", "start", "name", "status", "duration" };
	struct cols m = { NULL, 0 }, p = { NULL, 0 }, t = { NULL, 0 };
	const cJSON *e;
	int rc = 0;
	for (size_t i = 0; i < 5; i++)
		rc |= cols_add(c, fixed[i], strlen(fixed[i]));
	for (size_t i = 0; i < shown; i++) {
		mlv_buf k = MLV_BUF_INIT;
		cJSON_ArrayForEach(e, cJSON_GetObjectItemCaseSensitive(r->v[i].j, "metrics")) {
			mlv_buf_clear(&k);
			mlv_buf_printf(&k, "metrics.%s", e->string);
			rc |= cols_add(&m, k.ptr, k.size);
		}
		cJSON_ArrayForEach(e, cJSON_GetObjectItemCaseSensitive(r->v[i].j, "params")) {
			mlv_buf_clear(&k);
			mlv_buf_printf(&k, "params.%s", e->string);
			rc |= cols_add(&p, k.ptr, k.size);
		}
		cJSON_ArrayForEach(e, cJSON_GetObjectItemCaseSensitive(r->v[i].j, "tags")) {
			mlv_buf_clear(&k);
			mlv_buf_printf(&k, "tags.%s", e->string);
			rc |= cols_add(&t, k.ptr, k.size);
		}
		mlv_buf_release(&k);
	}
	if (m.n)
		qsort(m.v, m.n, sizeof(*m.v), str_cmp);
	if (p.n)
		qsort(p.v, p.n, sizeof(*p.v), str_cmp);
	if (t.n)
		qsort(t.v, t.n, sizeof(*t.v), str_cmp);
	for (size_t i = 0; i < m.n; i++) {
		rc |= cols_add(c, m.v[i], strlen(m.v[i]));
		free(m.v[i]);
	}
	for (size_t i = 0; i < p.n; i++) {
		rc |= cols_add(c, p.v[i], strlen(p.v[i]));
		free(p.v[i]);
	}
	for (size_t i = 0; i < t.n; i++) {
		rc |= cols_add(c, t.v[i], strlen(t.v[i]));
		free(t.v[i]);
	}
	free(m.v);
	free(p.v);
	free(t.v);
	return rc;
}

static void cell(mlv_buf *b, struct run_row *r, const char *col)
{
	mlv_expr_value v = { 0 };
	if (!strcmp(col, "id")) {
		mlv_buf_printf(b, "%.8s", r->id);
		return;
	}
	if (!strcmp(col, "duration")) {
		const cJSON *d = cJSON_GetObjectItemCaseSensitive(r->j, "duration_ms");
		char dur[32];
		mlv_buf_puts(b, cJSON_IsNumber(d) ? runfmt_duration(dur, (int64_t)d->valuedouble) : "-");
		return;
	}
	if (!strcmp(col, "start")) {
		const cJSON *s = cJSON_GetObjectItemCaseSensitive(r->j, "start");
		/* to the second: the table is for people */
		if (cJSON_IsString(s))
			mlv_buf_printf(b, "%.19s", s->valuestring);
		else
			mlv_buf_putc(b, '-');
		return;
	}
	lookup(r, col, &v);
	if (v.type == MLV_EXPR_STRING)
		mlv_buf_put(b, v.str, v.len);
	else if (v.type == MLV_EXPR_MISSING)
		mlv_buf_putc(b, '-');
	else
		mlv_expr_value_format(b, &v);
}

static int print_table(struct runs_result *r, size_t shown, const struct cols *c)
{
	mlv_buf out = MLV_BUF_INIT, tmp = MLV_BUF_INIT;
	size_t *w = calloc(c->n ? c->n : 1, sizeof(*w));
	int rc;
	if (!w)
		return mlv_die("out of memory");
	for (size_t k = 0; k < c->n; k++) {
		w[k] = strlen(c->v[k]);
		for (size_t i = 0; i < shown; i++) {
			mlv_buf_clear(&tmp);
			cell(&tmp, &r->v[i], c->v[k]);
			if (tmp.size > w[k])
				w[k] = tmp.size;
		}
	}
	for (size_t i = 0; i <= shown; i++) {
		size_t start = out.size;
		for (size_t k = 0; k < c->n; k++) {
			mlv_buf_clear(&tmp);
			if (i == 0)
				mlv_buf_puts(&tmp, c->v[k]);
			else
				cell(&tmp, &r->v[i - 1], c->v[k]);
			mlv_buf_printf(&out, "%s%-*s", k ? "  " : "", (int)w[k], mlv_buf_cstr(&tmp));
		}
		while (out.size > start && out.ptr[out.size - 1] == ' ')
			out.size--;
		mlv_buf_putc(&out, '\n');
	}
	rc = plumb_write_stdout(out.ptr, out.size);
	free(w);
	mlv_buf_release(&out);
	mlv_buf_release(&tmp);
	return rc;
}

/* One row of --json: the summary's members, with the id and record in front. */
static void json_row(mlv_buf *out, const struct run_row *row, int first)
{
	char hex[MLV_OID_HEXSZ + 1];
	char *s = cJSON_PrintUnformatted(row->j);
	mlv_buf_printf(out, "%s{\"id\":\"%s\",\"record\":\"sha256:%s\"", first ? "" : ",", row->id,
		mlv_oid_fmt(hex, &row->record));
	if (s && strlen(s) > 2) {
		mlv_buf_putc(out, ',');
		mlv_buf_puts(out, s + 1);
	} else
		mlv_buf_putc(out, '}');
	free(s);
}

static int print_json(struct runs_result *r, size_t shown)
{
	mlv_buf out = MLV_BUF_INIT;
	int rc;
	mlv_buf_puts(&out, "{\"schema\":\"mlv.runs/1\",\"runs\":[");
	for (size_t i = 0; i < shown; i++)
		json_row(&out, &r->v[i], i == 0);
	mlv_buf_puts(&out, "]}\n");
	rc = out.failed ? mlv_die("out of memory") : plumb_write_stdout(out.ptr, out.size);
	mlv_buf_release(&out);
	return rc;
}

/*
 * --json of every run, newest first: rows are written as the sort index
 * gives them, so memory does not grow with the runs (100,000 rows would
 * otherwise all be held and parsed at once).
 */
struct stream {
	const mlv_expr *filter;
	mlv_buf out;
	size_t rows;
	int ret;             /* an exit status once writing failed */
};

static int stream_row(void *payload, const char *id, const mlv_oid *record, const char *summary, size_t len,
	const double *value)
{
	struct stream *s = payload;
	struct run_row row;
	int keep, rc;
	(void)value;
	rc = row_filter(&row, id, record, summary, len, s->filter, &keep);
	scratch_reset();
	if (rc || !keep)
		return rc;
	row.j = cJSON_ParseWithLength(summary, len);
	json_row(&s->out, &row, s->rows++ == 0);
	cJSON_Delete(row.j);
	if (s->out.failed)
		return mlv_error_set(MLV_ENOMEM, "out of memory");
	if (s->out.size >= (64u << 10)) {
		if ((s->ret = plumb_write_stdout(s->out.ptr, s->out.size)))
			return 1;
		mlv_buf_clear(&s->out);
	}
	return 0;
}

/* 0 and *DONE set when the rows were written from the index; MLV_ENOTFOUND when it cannot (nothing written). */
static int stream_json(struct mlv_ctx *ctx, const mlv_expr *filter, int *ret)
{
	struct stream s = { filter, MLV_BUF_INIT, 0, 0 };
	int rc;
	mlv_buf_puts(&s.out, "{\"schema\":\"mlv.runs/1\",\"runs\":[");
	rc = mlv_run_walk(ctx->store, NULL, 1, stream_row, &s);
	if (rc == 0 && !s.ret) {
		mlv_buf_puts(&s.out, "]}\n");
		s.ret = s.out.failed ? mlv_die("out of memory") : plumb_write_stdout(s.out.ptr, s.out.size);
	}
	mlv_buf_release(&s.out);
	*ret = rc ? MLV_EXIT_FATAL : s.ret;
	return rc;
}

static void print_syntax_error(const char *what, const char *src)
{
	size_t col = mlv_expr_error_column();
	mlv_die("%s: %s", what, mlv_error_last());
	if (col && !strchr(src, '\n'))
		fprintf(stderr, "    %s\n    %*s^\n", src, (int)(col - 1), "");
}

/* MLV_TEST_RUNS_SCAN=1: never use the sort index, read every summary (tests compare both ways). */
static int runs_scan_forced(void)
{
	const char *e = getenv("MLV_TEST_RUNS_SCAN");
	return e && *e == '1';
}

int cmd_runs(int argc, const char **argv, struct mlv_ctx *ctx)
{
	struct runs_result r = { NULL, 0, 0, NULL, NULL, -1, 0 };
	struct cols c = { NULL, 0 };
	mlv_expr *filter = NULL, *sortkey = NULL;
	size_t shown;
	int nargs, ret = MLV_EXIT_FATAL;

	nargs = mlv_parse_options(argc, argv, mlv_opts_runs, mlv_usage_runs);
	if (nargs < 0)
		return MLV_EXIT_USAGE;
	if (nargs > 0) {
		mlv_usage_print(stderr, mlv_usage_runs, mlv_opts_runs);
		return MLV_EXIT_USAGE;
	}
	if (opt_filter && mlv_expr_parse(&filter, opt_filter)) {
		print_syntax_error("--filter", opt_filter);
		goto done;
	}
	sort_desc = opt_sort && opt_sort[0] == '-';
	if (opt_sort && mlv_expr_parse(&sortkey, opt_sort + sort_desc)) {
		print_syntax_error("--sort", opt_sort + sort_desc);
		goto done;
	}
	r.filter = filter;
	r.sortkey = sortkey;
	r.limit = opt_n;
	if (opt_json && opt_n < 0 && !sortkey && !runs_scan_forced()) {
		int rc = stream_json(ctx, filter, &ret);
		if (rc != MLV_ENOTFOUND) {
			if (rc)
				mlv_die_lib();
			goto done;
		}
	}
	{
		/*
		 * With -n, newest first or sorted by a metric, the sort index gives
		 * the rows in order and the walk stops once the best n are known;
		 * otherwise (or on a store without the index) every summary is read.
		 */
		const char *path = sortkey ? mlv_expr_field_path(sortkey) : NULL;
		int rc = MLV_ENOTFOUND;
		struct walk w = { &r, 0, 0, 0 };
		uint64_t count = 0;
		if (opt_n >= 0 && (!sortkey || (path && !strncmp(path, "metrics.", 8) && path[8])) &&
		    !runs_scan_forced() && (rc = mlv_run_count(ctx->store, &count)) == 0) {
			w.budget = count / 4 + 1;
			rc = mlv_run_walk(ctx->store, sortkey ? path + 8 : NULL, sortkey ? sort_desc : 1, walk_row, &w);
		}
		if (rc == 0 && w.gave_up) {
			for (size_t i = 0; i < r.n; i++)
				row_release(&r.v[i]);
			r.n = 0;
			rc = mlv_run_scan(ctx->store, collect, &r);
		} else if (rc == MLV_ENOTFOUND && !w.calls)
			rc = mlv_run_scan(ctx->store, collect, &r);
		if (rc) {
			mlv_die_lib();
			goto done;
		}
	}
	if (r.n)
		qsort(r.v, r.n, sizeof(*r.v), row_cmp);
	shown = opt_n >= 0 && (size_t)opt_n < r.n ? (size_t)opt_n : r.n;
	/* only the rows shown are parsed whole (a damaged summary shows as missing values) */
	for (size_t i = 0; i < shown; i++)
		r.v[i].j = cJSON_ParseWithLength(r.v[i].summary, r.v[i].len);
	if (opt_json) {
		ret = print_json(&r, shown) ? MLV_EXIT_FATAL : MLV_EXIT_OK;
		goto done;
	}
	for (int i = 0; i < opt_columns.n; i++) {
		const char *s = opt_columns.items[i];
		while (*s) {
			size_t len = strcspn(s, ",");
			if (len && cols_add(&c, s, len)) {
				ret = mlv_die("out of memory");
				goto done;
			}
			s += len + (s[len] == ',');
		}
	}
	if (!c.n && default_columns(&c, &r, shown)) {
		ret = mlv_die("out of memory");
		goto done;
	}
	ret = print_table(&r, shown, &c) ? MLV_EXIT_FATAL : MLV_EXIT_OK;
done:
	for (size_t i = 0; i < r.n; i++)
		row_release(&r.v[i]);
	free(r.v);
	scratch_reset(); /* strings the table's cells decoded */
	free(scratch.v);
	for (size_t i = 0; i < c.n; i++)
		free(c.v[i]);
	free(c.v);
	mlv_expr_free(filter);
	mlv_expr_free(sortkey);
	mlv_strlist_release(&opt_columns);
	return ret;
}
