/*
 * `mlv metrics diff`: the latest value of every metric of two runs side by
 * side, with the absolute and the relative change from the first to the
 * second. The rules for zero, missing and non-finite values are in
 * man/mlv-metrics.1.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "commands.h"
#include "plumbing.h"
#include "runrec.h"

static int opt_json;

const struct mlv_option mlv_opts_metrics[] = {
	MLV_OPT_JSON(&opt_json),
	MLV_OPT_END()
};

const char *const mlv_usage_metrics[] = {
	"mlv metrics diff [--json] <run-a> <run-b>",
	NULL
};

struct metric_row {
	const char *key;         /* points into a record */
	int has[2];              /* the metric is in run a / run b */
	double v[2];             /* its latest value there */
	double step[2];          /* and the step of that value */
	int has_change, has_rel; /* both sides present; the relative change is defined */
	double change, rel;
};

/* The one result of the command. */
struct metrics_diff {
	struct runrec run[2];
	struct metric_row *rows;
	size_t n;
};

static int row_cmp(const void *x, const void *y)
{
	return strcmp(((const struct metric_row *)x)->key, ((const struct metric_row *)y)->key);
}

static struct metric_row *find_row(struct metrics_diff *d, const char *key)
{
	for (size_t i = 0; i < d->n; i++)
		if (!strcmp(d->rows[i].key, key))
			return &d->rows[i];
	return NULL;
}

/*
 * change = b - a and relative = (b - a) / |a| in IEEE arithmetic (so NaN on
 * either side gives NaN, inf - inf is NaN); a = 0 has no relative change
 * unless b is 0 too (0).
 */
static void compute(struct metric_row *r)
{
	if (!r->has[0] || !r->has[1])
		return;
	r->has_change = 1;
	r->change = r->v[1] - r->v[0];
	if (r->v[0] == 0) {
		r->has_rel = r->v[1] == 0;
		r->rel = 0;
	} else {
		r->has_rel = 1;
		r->rel = r->change / fabs(r->v[0]);
	}
}

static int diff(struct metrics_diff *d)
{
	size_t cap = 0;
	const cJSON *m;
	for (int s = 0; s < 2; s++)
		cap += (size_t)cJSON_GetArraySize(runrec_get(&d->run[s], "metrics"));
	if (!(d->rows = calloc(cap ? cap : 1, sizeof(*d->rows))))
		return mlv_die("out of memory");
	for (int s = 0; s < 2; s++)
		cJSON_ArrayForEach(m, runrec_get(&d->run[s], "metrics")) {
			struct metric_row *r;
			double v;
			const cJSON *st = cJSON_GetObjectItemCaseSensitive(m, "step");
			if (!m->string || !runrec_number(cJSON_GetObjectItemCaseSensitive(m, "latest"), &v))
				continue;
			if (!(r = find_row(d, m->string))) {
				r = &d->rows[d->n++];
				r->key = m->string;
			}
			r->has[s] = 1;
			r->v[s] = v;
			r->step[s] = cJSON_IsNumber(st) ? st->valuedouble : 0;
		}
	if (d->n)
		qsort(d->rows, d->n, sizeof(*d->rows), row_cmp);
	for (size_t i = 0; i < d->n; i++)
		compute(&d->rows[i]);
	return 0;
}

/* A change for people: PREC significant digits, signed; "0" for no change. */
static const char *fmt_signed(char out[40], double v, int prec, const char *suffix)
{
	if (isnan(v))
		snprintf(out, 40, "nan");
	else if (v == 0)
		snprintf(out, 40, "0%s", suffix);
	else if (isinf(v))
		snprintf(out, 40, "%s", v > 0 ? "+inf" : "-inf");
	else
		snprintf(out, 40, "%+.*g%s", prec, v, suffix);
	return out;
}

static int print_human(const struct metrics_diff *d)
{
	mlv_buf out = MLV_BUF_INIT;
	size_t w[5] = { 6, 1, 1, 6, 8 };
	char (*cells)[5][40] = calloc(d->n ? d->n : 1, sizeof(*cells));
	int ret;

	if (!cells)
		return mlv_die("out of memory");
	for (size_t i = 0; i < d->n; i++) {
		const struct metric_row *r = &d->rows[i];
		for (int s = 0; s < 2; s++) {
			if (r->has[s])
				runrec_fmt(cells[i][1 + s], r->v[s]);
			else
				strcpy(cells[i][1 + s], "-");
		}
		if (r->has_change)
			fmt_signed(cells[i][3], r->change, 6, "");
		else
			strcpy(cells[i][3], "-");
		if (r->has_rel)
			fmt_signed(cells[i][4], r->rel * 100, 4, "%");
		else
			strcpy(cells[i][4], "-");
		if (strlen(r->key) > w[0])
			w[0] = strlen(r->key);
		for (int k = 1; k < 5; k++)
			if (strlen(cells[i][k]) > w[k])
				w[k] = strlen(cells[i][k]);
	}
	for (int s = 0; s < 2; s++) {
		mlv_buf_printf(&out, "%c  ", s ? 'b' : 'a');
		runrec_put_label(&out, &d->run[s]);
		mlv_buf_putc(&out, '\n');
	}
	mlv_buf_printf(&out, "\n%-*s  %-*s  %-*s  %-*s  relative\n", (int)w[0], "metric", (int)w[1], "a",
		(int)w[2], "b", (int)w[3], "change");
	for (size_t i = 0; i < d->n; i++) {
		size_t start = out.size;
		mlv_buf_printf(&out, "%-*s", (int)w[0], d->rows[i].key);
		for (int k = 1; k < 5; k++)
			mlv_buf_printf(&out, "  %-*s", (int)w[k], cells[i][k]);
		while (out.size > start && out.ptr[out.size - 1] == ' ')
			out.size--;
		mlv_buf_putc(&out, '\n');
	}
	ret = out.ptr ? plumb_write_stdout(out.ptr, out.size) : mlv_die("out of memory");
	free(cells);
	mlv_buf_release(&out);
	return ret;
}

static void put_run(mlv_buf *b, const struct runrec *r)
{
	const char *name = runrec_name(r);
	mlv_buf_printf(b, "{\"id\":\"%s\",\"name\":", r->id);
	if (name)
		mlv_buf_put_json_string(b, name, strlen(name));
	else
		mlv_buf_puts(b, "null");
	mlv_buf_putc(b, '}');
}

static void put_opt_number(mlv_buf *b, int has, double v)
{
	if (has)
		mlv_buf_put_json_number(b, v);
	else
		mlv_buf_puts(b, "null");
}

static int print_json(const struct metrics_diff *d)
{
	mlv_buf out = MLV_BUF_INIT;
	int ret;
	mlv_buf_puts(&out, "{\"schema\":\"mlv.metrics.diff/1\",\"a\":");
	put_run(&out, &d->run[0]);
	mlv_buf_puts(&out, ",\"b\":");
	put_run(&out, &d->run[1]);
	mlv_buf_puts(&out, ",\"metrics\":[");
	for (size_t i = 0; i < d->n; i++) {
		const struct metric_row *r = &d->rows[i];
		mlv_buf_puts(&out, i ? ",{\"key\":" : "{\"key\":");
		mlv_buf_put_json_string(&out, r->key, strlen(r->key));
		mlv_buf_puts(&out, ",\"a\":");
		put_opt_number(&out, r->has[0], r->v[0]);
		mlv_buf_puts(&out, ",\"b\":");
		put_opt_number(&out, r->has[1], r->v[1]);
		mlv_buf_puts(&out, ",\"step_a\":");
		put_opt_number(&out, r->has[0], r->step[0]);
		mlv_buf_puts(&out, ",\"step_b\":");
		put_opt_number(&out, r->has[1], r->step[1]);
		mlv_buf_puts(&out, ",\"change\":");
		put_opt_number(&out, r->has_change, r->change);
		mlv_buf_puts(&out, ",\"relative\":");
		put_opt_number(&out, r->has_rel, r->rel);
		mlv_buf_putc(&out, '}');
	}
	mlv_buf_puts(&out, "]}\n");
	ret = out.ptr ? plumb_write_stdout(out.ptr, out.size) : mlv_die("out of memory");
	mlv_buf_release(&out);
	return ret;
}

int cmd_metrics(int argc, const char **argv, struct mlv_ctx *ctx)
{
	struct metrics_diff d;
	int ret;

	memset(&d, 0, sizeof(d));
	if ((ret = runrec_diff_begin(argc, argv, mlv_opts_metrics, mlv_usage_metrics, ctx, d.run)) || (ret = diff(&d)))
		goto done;
	ret = opt_json ? print_json(&d) : print_human(&d);
done:
	runrec_release(&d.run[0]);
	runrec_release(&d.run[1]);
	free(d.rows);
	return ret;
}
