/*
 * `mlv runs`: a table of recorded runs from the runs index (no record is
 * read), filtered with the expression language, sorted, newest first.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <cjson/cJSON.h>

#include "commands.h"
#include "plumbing.h"
#include "runfmt.h"
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
	char *summary;
	cJSON *j;
	double start_ms;
	mlv_expr_value sortval;
};

struct runs_result {
	struct run_row *v;
	size_t n, alloc;
	const mlv_expr *filter;
	int err;
};

/* The value of a field (see mlv-runs(1)); strings point into ROW. */
static int lookup(void *payload, const char *path, mlv_expr_value *out)
{
	struct run_row *r = payload;
	const cJSON *v = NULL;
	if (!strncmp(path, "metrics.", 8) || !strncmp(path, "params.", 7) || !strncmp(path, "tags.", 5)) {
		const char *dot = strchr(path, '.');
		const cJSON *group = cJSON_GetObjectItemCaseSensitive(r->j,
			path[0] == 'm' ? "metrics" : path[0] == 'p' ? "params" : "tags");
		v = cJSON_GetObjectItemCaseSensitive(group, dot + 1);
		if (path[0] == 'm' && cJSON_IsString(v)) { /* nan, inf, -inf */
			out->type = MLV_EXPR_NUMBER;
			out->number = !strcmp(v->valuestring, "nan") ? NAN : v->valuestring[0] == '-' ? -INFINITY : INFINITY;
			return 0;
		}
	} else if (!strcmp(path, "id")) {
		out->type = MLV_EXPR_STRING;
		out->str = r->id;
		out->len = strlen(r->id);
		return 0;
	} else if (!strcmp(path, "duration")) {
		v = cJSON_GetObjectItemCaseSensitive(r->j, "duration_ms");
		if (cJSON_IsNumber(v)) {
			out->type = MLV_EXPR_NUMBER;
			out->number = v->valuedouble / 1000.0;
		}
		return 0;
	} else if (!strcmp(path, "status") || !strcmp(path, "name") || !strcmp(path, "start") ||
		   !strcmp(path, "commit") || !strcmp(path, "dirty"))
		v = cJSON_GetObjectItemCaseSensitive(r->j, path);
	if (cJSON_IsNumber(v)) {
		out->type = MLV_EXPR_NUMBER;
		out->number = v->valuedouble;
	} else if (cJSON_IsString(v)) {
		out->type = MLV_EXPR_STRING;
		out->str = v->valuestring;
		out->len = strlen(v->valuestring);
	} else if (cJSON_IsBool(v)) {
		out->type = MLV_EXPR_BOOL;
		out->boolean = cJSON_IsTrue(v);
	}
	return 0;
}

static int collect(void *payload, const char *id, const mlv_oid *record, const char *summary, size_t len)
{
	struct runs_result *res = payload;
	struct run_row row;
	int keep = 1;
	memset(&row, 0, sizeof(row));
	row.record = *record;
	if (!(row.j = cJSON_ParseWithLength(summary, len)))
		return 0;
	if (!(row.id = strdup(id))) {
		cJSON_Delete(row.j);
		return mlv_error_set(MLV_ENOMEM, "out of memory");
	} /* a damaged entry: the record is still there for show */
	if (res->filter && mlv_expr_eval_bool(res->filter, lookup, &row, &keep))
		keep = 0;
	if (!keep) {
		cJSON_Delete(row.j);
		free(row.id);
		return 0;
	}
	const cJSON *ms = cJSON_GetObjectItemCaseSensitive(row.j, "start_ms");
	row.start_ms = cJSON_IsNumber(ms) ? ms->valuedouble : 0;
	if (res->n == res->alloc) {
		size_t na = res->alloc ? res->alloc * 2 : 64;
		struct run_row *nv = realloc(res->v, na * sizeof(*nv));
		if (!nv) {
			cJSON_Delete(row.j);
			free(row.id);
			return mlv_error_set(MLV_ENOMEM, "out of memory");
		}
		res->v = nv;
		res->alloc = na;
	}
	res->v[res->n++] = row;
	return 0;
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

static int print_json(struct runs_result *r, size_t shown)
{
	mlv_buf out = MLV_BUF_INIT;
	char hex[MLV_OID_HEXSZ + 1];
	int rc;
	mlv_buf_puts(&out, "{\"schema\":\"mlv.runs/1\",\"runs\":[");
	for (size_t i = 0; i < shown; i++) {
		char *s = cJSON_PrintUnformatted(r->v[i].j);
		/* the summary's members, with the id and record in front */
		mlv_buf_printf(&out, "%s{\"id\":\"%s\",\"record\":\"sha256:%s\"", i ? "," : "", r->v[i].id,
			mlv_oid_fmt(hex, &r->v[i].record));
		if (s && strlen(s) > 2) {
			mlv_buf_putc(&out, ',');
			mlv_buf_puts(&out, s + 1);
		} else
			mlv_buf_putc(&out, '}');
		free(s);
	}
	mlv_buf_puts(&out, "]}\n");
	rc = plumb_write_stdout(out.ptr, out.size);
	mlv_buf_release(&out);
	return rc;
}

static void print_syntax_error(const char *what, const char *src)
{
	size_t col = mlv_expr_error_column();
	mlv_die("%s: %s", what, mlv_error_last());
	if (col && !strchr(src, '\n'))
		fprintf(stderr, "    %s\n    %*s^\n", src, (int)(col - 1), "");
}

int cmd_runs(int argc, const char **argv, struct mlv_ctx *ctx)
{
	struct runs_result r = { NULL, 0, 0, NULL, 0 };
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
	if (mlv_run_list(ctx->store, collect, &r)) {
		mlv_die_lib();
		goto done;
	}
	for (size_t i = 0; i < r.n; i++)
		if (sortkey)
			mlv_expr_eval(sortkey, lookup, &r.v[i], &r.v[i].sortval);
	if (r.n)
		qsort(r.v, r.n, sizeof(*r.v), row_cmp);
	shown = opt_n >= 0 && (size_t)opt_n < r.n ? (size_t)opt_n : r.n;
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
	for (size_t i = 0; i < r.n; i++) {
		cJSON_Delete(r.v[i].j);
		free(r.v[i].id);
	}
	free(r.v);
	for (size_t i = 0; i < c.n; i++)
		free(c.v[i]);
	free(c.v);
	mlv_expr_free(filter);
	mlv_expr_free(sortkey);
	mlv_strlist_release(&opt_columns);
	return ret;
}
