/*
 * `mlv compare`: runs side by side -- status, duration, commit, tags,
 * params and the latest metrics -- in an aligned table, as JSON, or as one
 * self-contained HTML page (inline SVG, no script, nothing from the
 * network) with a line chart per metric across steps, one line per run.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "commands.h"
#include "html.h"
#include "plumbing.h"
#include "runfmt.h"
#include "runrec.h"

static int opt_json;
static const char *opt_html;

const struct mlv_option mlv_opts_compare[] = {
	MLV_OPT_STRING(0, "html", &opt_html, "file", "also write an HTML report with a chart per metric to <file>"),
	MLV_OPT_JSON(&opt_json),
	MLV_OPT_END()
};

const char *const mlv_usage_compare[] = {
	"mlv compare [--json] [--html <file>] <run>...",
	NULL
};

/* The sorted union of the keys of one member ("params", ...) over the runs; they point into the records. */
struct keys {
	const char **v;
	size_t n;
};

/* The one result of the command. */
struct compare_result {
	struct runrec *runs;
	size_t nruns;
	struct keys tags, params, metrics;
};

static int str_cmp(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

static int collect_keys(struct keys *k, const struct compare_result *r, const char *member)
{
	size_t cap = 0, w = 0;
	const cJSON *e;
	for (size_t i = 0; i < r->nruns; i++)
		cap += (size_t)cJSON_GetArraySize(runrec_get(&r->runs[i], member));
	if (!(k->v = malloc((cap ? cap : 1) * sizeof(*k->v))))
		return mlv_die("out of memory");
	for (size_t i = 0; i < r->nruns; i++)
		cJSON_ArrayForEach(e, runrec_get(&r->runs[i], member))
			if (e->string)
				k->v[k->n++] = e->string;
	if (k->n)
		qsort(k->v, k->n, sizeof(*k->v), str_cmp);
	for (size_t i = 0; i < k->n; i++)
		if (!w || strcmp(k->v[w - 1], k->v[i]))
			k->v[w++] = k->v[i];
	k->n = w;
	return 0;
}

static const cJSON *member(const struct runrec *run, const char *group, const char *key)
{
	return cJSON_GetObjectItemCaseSensitive(runrec_get(run, group), key);
}

/* ---- the terminal table ---- */

struct table {
	char **cells;        /* rows x cols, NULL for an empty cell */
	size_t rows, cols, alloc;
};

/* Add a row; its first cell is LABEL, the others empty. Returns the row, or -1 when out of memory. */
static long table_row(struct table *t, const char *label)
{
	if (t->rows == t->alloc) {
		size_t na = t->alloc ? t->alloc * 2 : 16;
		char **nc = realloc(t->cells, na * t->cols * sizeof(*nc));
		if (!nc)
			return -1;
		t->cells = nc;
		t->alloc = na;
	}
	memset(t->cells + t->rows * t->cols, 0, t->cols * sizeof(*t->cells));
	if (!(t->cells[t->rows * t->cols] = strdup(label)))
		return -1;
	return (long)t->rows++;
}

static int table_set(struct table *t, long row, size_t col, const char *s)
{
	char **c = &t->cells[(size_t)row * t->cols + col];
	free(*c);
	return (*c = strdup(s)) ? 0 : -1;
}

static void table_release(struct table *t)
{
	for (size_t i = 0; i < t->rows * t->cols; i++)
		free(t->cells[i]);
	free(t->cells);
}

/* A value of the record for people: strings bare, numbers shortest, "-" when absent. */
static const char *value_text(char out[40], const cJSON *v)
{
	double d;
	if (cJSON_IsString(v))
		return v->valuestring;
	if (runrec_number(v, &d))
		return runrec_fmt(out, d);
	if (cJSON_IsBool(v))
		return cJSON_IsTrue(v) ? "true" : "false";
	return "-";
}

static int add_group(struct table *t, const struct compare_result *r, const struct keys *k, const char *group,
	const char *title, int latest)
{
	char num[40];
	long row;
	if (!k->n)
		return 0;
	if (table_row(t, title) < 0)
		return -1;
	for (size_t i = 0; i < k->n; i++) {
		mlv_buf label = MLV_BUF_INIT;
		mlv_buf_printf(&label, "  %s", k->v[i]);
		row = label.ptr ? table_row(t, label.ptr) : -1;
		mlv_buf_release(&label);
		if (row < 0)
			return -1;
		for (size_t c = 0; c < r->nruns; c++) {
			const cJSON *v = member(&r->runs[c], group, k->v[i]);
			if (latest)
				v = cJSON_GetObjectItemCaseSensitive(v, "latest");
			if (table_set(t, row, c + 1, value_text(num, v)))
				return -1;
		}
	}
	return 0;
}

/* The status as people read it: "0", "137 (signal 9)", "130 (interrupted)", "127 (command not found)". */
static void status_text(mlv_buf *b, const struct runrec *run)
{
	const cJSON *st = runrec_get(run, "status"), *sig = runrec_get(run, "signal"), *err = runrec_get(run, "error");
	if (!cJSON_IsNumber(st)) {
		mlv_buf_putc(b, '-');
		return;
	}
	mlv_buf_printf(b, "%d", st->valueint);
	if (cJSON_IsTrue(runrec_get(run, "interrupted")))
		mlv_buf_puts(b, " (interrupted)");
	else if (cJSON_IsNumber(sig))
		mlv_buf_printf(b, " (signal %d)", sig->valueint);
	else if (cJSON_IsString(err))
		mlv_buf_printf(b, " (%s)", err->valuestring);
}

static void duration_text(mlv_buf *b, const struct runrec *run)
{
	const cJSON *d = runrec_get(run, "duration_ms");
	char dur[32];
	mlv_buf_puts(b, cJSON_IsNumber(d) ? runfmt_duration(dur, (int64_t)d->valuedouble) : "-");
}

static void commit_text(mlv_buf *b, const struct runrec *run)
{
	const cJSON *git = runrec_get(run, "git");
	const cJSON *c = cJSON_GetObjectItemCaseSensitive(git, "commit");
	if (!cJSON_IsString(c)) {
		mlv_buf_putc(b, '-');
		return;
	}
	mlv_buf_printf(b, "%.8s%s", c->valuestring,
		cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(git, "dirty")) ? " (dirty)" : "");
}

static int build_table(struct table *t, const struct compare_result *r)
{
	static const char *const fixed[] = { "name", "status", "start", "duration", "commit" };
	mlv_buf tmp = MLV_BUF_INIT;
	long row;
	int err = 0;

	t->cols = r->nruns + 1;
	if ((row = table_row(t, "run")) < 0)
		return -1;
	for (size_t c = 0; c < r->nruns; c++) {
		mlv_buf_clear(&tmp);
		mlv_buf_printf(&tmp, "%.8s", r->runs[c].id);
		err |= table_set(t, row, c + 1, mlv_buf_cstr(&tmp));
	}
	for (size_t f = 0; f < 5 && !err; f++) {
		if ((row = table_row(t, fixed[f])) < 0) {
			err = -1;
			break;
		}
		for (size_t c = 0; c < r->nruns; c++) {
			const struct runrec *run = &r->runs[c];
			const cJSON *s = runrec_get(run, "start");
			mlv_buf_clear(&tmp);
			switch (f) {
			case 0: mlv_buf_puts(&tmp, runrec_name(run) ? runrec_name(run) : "-"); break;
			case 1: status_text(&tmp, run); break;
			case 2: mlv_buf_printf(&tmp, "%.19s", cJSON_IsString(s) ? s->valuestring : "-"); break;
			case 3: duration_text(&tmp, run); break;
			default: commit_text(&tmp, run); break;
			}
			err |= table_set(t, row, c + 1, mlv_buf_cstr(&tmp));
		}
	}
	mlv_buf_release(&tmp);
	if (err || add_group(t, r, &r->tags, "tags", "tags", 0) || add_group(t, r, &r->params, "params", "params", 0) ||
	    add_group(t, r, &r->metrics, "metrics", "metrics (latest)", 1))
		return -1;
	return 0;
}

/* Width of S in terminal columns: code points (no wide characters in run data is assumed). */
static size_t text_width(const char *s)
{
	size_t n = 0;
	for (; *s; s++)
		n += ((unsigned char)*s & 0xc0) != 0x80;
	return n;
}

static int print_human(const struct compare_result *r)
{
	struct table t = { NULL, 0, 0, 0 };
	mlv_buf out = MLV_BUF_INIT;
	size_t *w = NULL;
	int ret;

	if (build_table(&t, r) || !(w = calloc(t.cols, sizeof(*w)))) {
		ret = mlv_die("out of memory");
		goto done;
	}
	for (size_t i = 0; i < t.rows; i++) {
		/* a section title ("params", a row with no values) may reach into the next column */
		int title = 1;
		for (size_t c = 1; c < t.cols; c++)
			title &= !t.cells[i * t.cols + c];
		for (size_t c = title; c < t.cols; c++) {
			const char *s = t.cells[i * t.cols + c];
			if (s && text_width(s) > w[c])
				w[c] = text_width(s);
		}
	}
	for (size_t i = 0; i < t.rows; i++) {
		size_t start = out.size;
		for (size_t c = 0; c < t.cols; c++) {
			const char *s = t.cells[i * t.cols + c] ? t.cells[i * t.cols + c] : "";
			size_t pad = w[c] > text_width(s) ? w[c] - text_width(s) : 0;
			mlv_buf_printf(&out, "%s%s%*s", c ? "  " : "", s, (int)pad, "");
		}
		while (out.size > start && out.ptr[out.size - 1] == ' ')
			out.size--;
		mlv_buf_putc(&out, '\n');
	}
	ret = out.ptr ? plumb_write_stdout(out.ptr, out.size) : mlv_die("out of memory");
done:
	free(w);
	table_release(&t);
	mlv_buf_release(&out);
	return ret;
}

/* ---- JSON ---- */

static void put_member_json(mlv_buf *b, const struct runrec *run, const char *k, const char *fallback)
{
	char *s = NULL;
	const cJSON *v = runrec_get(run, k);
	if (v)
		s = cJSON_PrintUnformatted(v);
	mlv_buf_puts(b, s ? s : fallback);
	free(s);
}

static int print_json(const struct compare_result *r)
{
	mlv_buf out = MLV_BUF_INIT;
	char hex[MLV_OID_HEXSZ + 1];
	int ret;
	mlv_buf_puts(&out, "{\"schema\":\"mlv.compare/1\",\"runs\":[");
	for (size_t i = 0; i < r->nruns; i++) {
		const struct runrec *run = &r->runs[i];
		const cJSON *git = runrec_get(run, "git");
		const cJSON *commit = cJSON_GetObjectItemCaseSensitive(git, "commit");
		mlv_buf_printf(&out, "%s{\"id\":\"%s\",\"record\":\"sha256:%s\",\"name\":", i ? "," : "", run->id,
			mlv_oid_fmt(hex, &run->record));
		put_member_json(&out, run, "name", "null");
		mlv_buf_puts(&out, ",\"status\":");
		put_member_json(&out, run, "status", "null");
		mlv_buf_puts(&out, ",\"start\":");
		put_member_json(&out, run, "start", "null");
		mlv_buf_puts(&out, ",\"duration_ms\":");
		put_member_json(&out, run, "duration_ms", "null");
		mlv_buf_puts(&out, ",\"commit\":");
		if (cJSON_IsString(commit))
			mlv_buf_put_json_string(&out, commit->valuestring, strlen(commit->valuestring));
		else
			mlv_buf_puts(&out, "null");
		mlv_buf_printf(&out, ",\"dirty\":%s",
			!git ? "null" : cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(git, "dirty")) ? "true" : "false");
		mlv_buf_puts(&out, ",\"tags\":");
		put_member_json(&out, run, "tags", "{}");
		mlv_buf_puts(&out, ",\"params\":");
		put_member_json(&out, run, "params", "{}");
		mlv_buf_puts(&out, ",\"metrics\":");
		put_member_json(&out, run, "metrics", "{}");
		mlv_buf_putc(&out, '}');
	}
	mlv_buf_puts(&out, "]}\n");
	ret = out.ptr ? plumb_write_stdout(out.ptr, out.size) : mlv_die("out of memory");
	mlv_buf_release(&out);
	return ret;
}

/* ---- the HTML report ---- */

/* Ten colours that stay apart (Tableau 10); past ten runs the lines are also dashed. */
static const char *const palette[] = {
	"#4e79a7", "#f28e2b", "#e15759", "#76b7b2", "#59a14f",
	"#edc948", "#b07aa1", "#ff9da7", "#9c755f", "#bab0ac"
};
static const char *const dashes[] = { NULL, "7 4", "2 3", "9 3 2 3" };
#define NPALETTE 10
#define NDASHES 4

#define SVG_W 720
#define PLOT_L 78
#define PLOT_R 18
#define PLOT_H 240
#define PLOT_B 50
#define LEGEND_COLS 2
#define LEGEND_ROW 18
#define MAX_MARKERS 400   /* per line: beyond that every k-th point carries the hover value */

static const char *colour(size_t i)
{
	return palette[i % NPALETTE];
}

static int put_dash(mlv_buf *b, size_t i)
{
	const char *d = dashes[(i / NPALETTE) % NDASHES];
	return d ? mlv_buf_printf(b, " stroke-dasharray=\"%s\"", d) : 0;
}

/* The values of one run's metric, in the order of the record (by step). */
struct series {
	double *x, *y;
	size_t n, nonfinite;
};

static int series_load(struct series *s, const struct runrec *run, const char *key)
{
	const cJSON *h = cJSON_GetObjectItemCaseSensitive(member(run, "metrics", key), "history"), *p;
	size_t cap = (size_t)cJSON_GetArraySize(h);
	memset(s, 0, sizeof(*s));
	if (!cap)
		return 0;
	s->x = malloc(cap * sizeof(double));
	s->y = malloc(cap * sizeof(double));
	if (!s->x || !s->y)
		return -1;
	cJSON_ArrayForEach(p, h) {
		const cJSON *st = cJSON_GetArrayItem(p, 0);
		double v;
		if (!cJSON_IsNumber(st) || !runrec_number(cJSON_GetArrayItem(p, 1), &v))
			continue;
		s->x[s->n] = st->valuedouble;
		s->y[s->n] = v;
		s->nonfinite += !isfinite(v);
		s->n++;
	}
	return 0;
}

static void series_release(struct series *s)
{
	free(s->x);
	free(s->y);
}

/* The shortest text of tick T that reads back within a millionth of STEP of it. */
static const char *tick_text(char out[40], double t, double step)
{
	if (fabs(t) < step * 1e-9)
		t = 0;
	for (int p = 1; p <= 17; p++) {
		snprintf(out, 40, "%.*g", p, t);
		if (fabs(strtod(out, NULL) - t) <= step * 1e-6)
			break;
	}
	return out;
}

static int svg_chart(mlv_buf *b, const struct compare_result *r, const char *key, struct series *sv)
{
	size_t legend_rows = (r->nruns + LEGEND_COLS - 1) / LEGEND_COLS;
	double plot_t = 14 + (double)legend_rows * LEGEND_ROW + 12, height = plot_t + PLOT_H + PLOT_B;
	double pw = SVG_W - PLOT_L - PLOT_R, ph = PLOT_H, x0 = PLOT_L, y0 = plot_t + PLOT_H;
	double xlo = INFINITY, xhi = -INFINITY, ylo = INFINITY, yhi = -INFINITY, xstep, ystep;
	size_t finite = 0;
	int one_step;
	int err = 0;

	for (size_t i = 0; i < r->nruns; i++)
		for (size_t k = 0; k < sv[i].n; k++) {
			xlo = fmin(xlo, sv[i].x[k]);
			xhi = fmax(xhi, sv[i].x[k]);
			if (!isfinite(sv[i].y[k]))
				continue;
			ylo = fmin(ylo, sv[i].y[k]);
			yhi = fmax(yhi, sv[i].y[k]);
			finite++;
		}
	if (!finite || !isfinite(yhi - ylo)) {
		/* nothing to scale by: an empty plot that says so */
		finite = 0;
		ylo = 0;
		yhi = 1;
	} else if (yhi == ylo) {
		double pad = ylo == 0 ? 1 : fabs(ylo) * 0.05;
		ylo -= pad;
		yhi += pad;
	}
	ystep = html_nice_step(yhi - ylo, 5);
	ylo = floor(ylo / ystep) * ystep;
	yhi = ceil(yhi / ystep) * ystep;
	if (!(yhi > ylo))
		yhi = ylo + ystep;
	if (!(xhi >= xlo))
		xlo = xhi = 0;
	one_step = xhi == xlo;
	if (one_step) {
		/* one step: the points stand in the middle, over the one tick */
		xlo -= 1;
		xhi += 1;
	}
	xstep = html_nice_step(xhi - xlo, 6);
	if (xstep < 1)
		xstep = 1; /* steps are whole numbers */
	else if (xstep == 2.5)
		xstep = 2;

	err |= mlv_buf_puts(b, "<svg data-metric=\"");
	err |= html_escape(b, key);
	err |= mlv_buf_printf(b, "\" viewBox=\"0 0 %d %.0f\" role=\"img\" aria-label=\"", SVG_W, height);
	err |= html_escape(b, key);
	err |= mlv_buf_puts(b, " by step, one line per run\">\n");

	/* legend: every run, in the order given, with its colour and dash */
	for (size_t i = 0; i < r->nruns; i++) {
		double lx = 12 + (double)(i % LEGEND_COLS) * 348, ly = 14 + (double)(i / LEGEND_COLS) * LEGEND_ROW;
		err |= mlv_buf_printf(b, "<g class=\"legend\"><line x1=\"%.0f\" x2=\"%.0f\" y1=\"%.0f\" y2=\"%.0f\" "
			"stroke=\"%s\" stroke-width=\"2.5\"", lx, lx + 22, ly, ly, colour(i));
		err |= put_dash(b, i);
		err |= mlv_buf_printf(b, "/><circle cx=\"%.0f\" cy=\"%.0f\" r=\"3\" fill=\"%s\"/><text x=\"%.0f\" y=\"%.0f\">",
			lx + 11, ly, colour(i), lx + 28, ly + 4);
		/* about 52 characters fit in a legend column: a long name is cut, the id stays */
		if (runrec_name(&r->runs[i])) {
			err |= html_put_label(b, runrec_name(&r->runs[i]), sv[i].n ? 38 : 26);
			err |= mlv_buf_printf(b, " (%.8s)", r->runs[i].id);
		} else
			err |= mlv_buf_printf(b, "%.8s", r->runs[i].id);
		if (!sv[i].n)
			err |= mlv_buf_puts(b, " \xe2\x80\x94 no values");
		err |= mlv_buf_puts(b, "</text></g>\n");
	}

	/* the value axis: grid, ticks, labels */
	for (int t = 0; t <= 40; t++) {
		double y = ylo + t * ystep, py;
		char txt[40];
		if (y > yhi + ystep * 1e-9)
			break;
		py = y0 - (y - ylo) / (yhi - ylo) * ph;
		err |= mlv_buf_printf(b, "<line x1=\"%.1f\" x2=\"%.1f\" y1=\"%.1f\" y2=\"%.1f\" class=\"grid\"/>"
			"<text x=\"%.1f\" y=\"%.1f\" class=\"ytick\">%s</text>\n",
			x0, x0 + pw, py, py, x0 - 6, py + 4, tick_text(txt, y, ystep));
	}
	err |= mlv_buf_printf(b, "<text transform=\"translate(16 %.1f) rotate(-90)\" class=\"axis-label\">", y0 - ph / 2);
	err |= html_put_label(b, key, 36);
	err |= mlv_buf_puts(b, "</text>\n");

	/* the step axis */
	for (int t = 0; t <= 40; t++) {
		double x = ceil(xlo / xstep) * xstep + t * xstep, px;
		if (x > xhi + xstep * 1e-9)
			break;
		if (x < 0 || (one_step && x != xlo + 1))
			continue; /* steps are never negative: no tick left of step 0 */
		px = x0 + (x - xlo) / (xhi - xlo) * pw;
		err |= mlv_buf_printf(b, "<line x1=\"%.1f\" x2=\"%.1f\" y1=\"%.1f\" y2=\"%.1f\" class=\"axis\"/>"
			"<text x=\"%.1f\" y=\"%.1f\" class=\"xtick\">%.0f</text>\n", px, px, y0, y0 + 5, px, y0 + 18, x);
	}
	err |= mlv_buf_printf(b, "<line x1=\"%.1f\" x2=\"%.1f\" y1=\"%.1f\" y2=\"%.1f\" class=\"axis\"/>"
		"<line x1=\"%.1f\" x2=\"%.1f\" y1=\"%.1f\" y2=\"%.1f\" class=\"axis\"/>\n",
		x0, x0 + pw, y0, y0, x0, x0, y0, y0 - ph);
	err |= mlv_buf_printf(b, "<text x=\"%.1f\" y=\"%.1f\" class=\"axis-label\">step</text>\n", x0 + pw / 2, y0 + 40);
	if (!finite)
		err |= mlv_buf_printf(b, "<text x=\"%.1f\" y=\"%.1f\" class=\"empty\">no finite values to draw</text>\n",
			x0 + pw / 2, y0 - ph / 2);

	/* one line per run, broken where a value is nan or inf; a marker with the value on each point */
	for (size_t i = 0; finite && i < r->nruns; i++) {
		const struct series *s = &sv[i];
		size_t stride = s->n > MAX_MARKERS ? (s->n + MAX_MARKERS - 1) / MAX_MARKERS : 1;
		double rad = s->n == 1 ? 4.5 : s->n <= 60 ? 3 : 2;
		int pen = 0;
		mlv_buf label = MLV_BUF_INIT;
		if (!s->n)
			continue;
		err |= runrec_put_label(&label, &r->runs[i]);
		err |= mlv_buf_printf(b, "<g class=\"series\" data-run=\"%.8s\">\n<path class=\"line\" d=\"", r->runs[i].id);
		for (size_t k = 0; k < s->n; k++) {
			if (!isfinite(s->y[k])) {
				pen = 0;
				continue;
			}
			err |= mlv_buf_printf(b, "%s%.1f %.1f", pen ? " L" : (k ? " M" : "M"),
				x0 + (s->x[k] - xlo) / (xhi - xlo) * pw, y0 - (s->y[k] - ylo) / (yhi - ylo) * ph);
			pen = 1;
		}
		err |= mlv_buf_printf(b, "\" fill=\"none\" stroke=\"%s\" stroke-width=\"2\"", colour(i));
		err |= put_dash(b, i);
		err |= mlv_buf_puts(b, "><title>");
		err |= !label.ptr || html_escape(b, label.ptr);
		err |= mlv_buf_puts(b, "</title></path>\n");
		for (size_t k = 0; k < s->n; k++) {
			char v[40];
			if (!isfinite(s->y[k]) || (k % stride && k + 1 != s->n))
				continue;
			err |= mlv_buf_printf(b, "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"%.1f\" fill=\"%s\"><title>",
				x0 + (s->x[k] - xlo) / (xhi - xlo) * pw, y0 - (s->y[k] - ylo) / (yhi - ylo) * ph, rad, colour(i));
			err |= !label.ptr || html_escape(b, label.ptr);
			err |= mlv_buf_printf(b, ", step %.0f: %s</title></circle>\n", s->x[k], runrec_fmt(v, s->y[k]));
		}
		err |= mlv_buf_puts(b, "</g>\n");
		mlv_buf_release(&label);
	}
	err |= mlv_buf_puts(b, "</svg>\n");
	return err;
}

static const char html_head[] =
	"<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
	"<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'\">\n"
	"<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
	"<title>mlv run comparison</title>\n<style>\n"
	"body{font:15px/1.45 system-ui,-apple-system,\"Segoe UI\",Roboto,\"DejaVu Sans\",sans-serif;"
	"color:#1f2328;background:#fff;margin:0 auto;max-width:1000px;padding:24px}\n"
	"h1{font-size:1.6em;margin:0 0 .3em}h2{font-size:1.25em;margin:1.4em 0 .4em}"
	"h3{font-size:1.05em;margin:0 0 .4em}\n"
	"code,.mono{font-family:ui-monospace,\"DejaVu Sans Mono\",monospace}\n"
	".muted{color:#57606a}\n"
	"table{border-collapse:collapse;margin:.6em 0;width:100%}\n"
	".wide{overflow-x:auto}\n.nowrap{white-space:nowrap}\n"
	"th,td{text-align:left;padding:4px 10px;border-bottom:1px solid #d0d7de;vertical-align:top}\n"
	"td.num{font-variant-numeric:tabular-nums}\n"
	"tr.differs td{background:#fff8c5}\n"
	".swatch{display:inline-block;width:.9em;height:.9em;border-radius:2px;margin-right:.4em;vertical-align:-.1em}\n"
	"section{border:1px solid #d0d7de;border-radius:8px;padding:16px;margin:18px 0}\n"
	".note{color:#57606a;margin:.4em 0 0}\n"
	"svg{width:100%;height:auto;max-width:720px;display:block}\n"
	"svg text{font-size:12px;fill:#24292f}\n"
	"svg .grid{stroke:#d8dee4;stroke-width:1}\n"
	"svg .axis{stroke:#57606a;stroke-width:1}\n"
	"svg .ytick{text-anchor:end}\nsvg .xtick{text-anchor:middle}\n"
	"svg .axis-label{text-anchor:middle;font-weight:600}\n"
	"svg .empty{text-anchor:middle;fill:#57606a}\n"
	"svg circle:hover{stroke:#1f2328;stroke-width:2}\n"
	"</style>\n</head>\n<body>\n";

/* <th> cells naming the runs, with their colours. */
static int put_run_heads(mlv_buf *b, const struct compare_result *r)
{
	int err = 0;
	for (size_t i = 0; i < r->nruns; i++) {
		mlv_buf label = MLV_BUF_INIT;
		err |= runrec_put_label(&label, &r->runs[i]);
		err |= mlv_buf_printf(b, "<th><span class=\"swatch\" style=\"background:%s\"></span>", colour(i));
		err |= !label.ptr || html_escape(b, label.ptr);
		err |= mlv_buf_puts(b, "</th>");
		mlv_buf_release(&label);
	}
	return err;
}

/* A table of one group (params, tags, latest metrics): a row per key, a column per run; rows that differ marked. */
static int put_group_table(mlv_buf *b, const struct compare_result *r, const struct keys *k, const char *group,
	int latest)
{
	int err = 0;
	err |= mlv_buf_printf(b, "<div class=\"wide\"><table class=\"%s\">\n<thead><tr><th>%s</th>", group,
		latest ? "metric" : !strcmp(group, "tags") ? "tag" : "param");
	err |= put_run_heads(b, r);
	err |= mlv_buf_puts(b, "</tr></thead>\n<tbody>\n");
	for (size_t i = 0; i < k->n; i++) {
		const char *first = NULL;
		int differs = 0;
		char num[40];
		/* differs: some run lacks the key or has another value */
		for (size_t c = 0; c < r->nruns; c++) {
			const cJSON *v = member(&r->runs[c], group, k->v[i]);
			char *s = v ? cJSON_PrintUnformatted(latest ? cJSON_GetObjectItemCaseSensitive(v, "latest") : v) : NULL;
			if (!s || (first && strcmp(first, s)))
				differs = 1;
			if (!first && s)
				first = s;
			else
				free(s);
		}
		free((char *)first);
		err |= mlv_buf_printf(b, "<tr%s><td class=\"mono\">", differs && r->nruns > 1 ? " class=\"differs\"" : "");
		err |= html_escape(b, k->v[i]);
		err |= mlv_buf_puts(b, "</td>");
		for (size_t c = 0; c < r->nruns; c++) {
			const cJSON *v = member(&r->runs[c], group, k->v[i]);
			if (latest)
				v = cJSON_GetObjectItemCaseSensitive(v, "latest");
			err |= mlv_buf_printf(b, "<td%s>", latest ? " class=\"num\"" : "");
			err |= html_escape(b, value_text(num, v));
			err |= mlv_buf_puts(b, "</td>");
		}
		err |= mlv_buf_puts(b, "</tr>\n");
	}
	err |= mlv_buf_puts(b, "</tbody>\n</table></div>\n");
	return err;
}

static int write_html(const struct compare_result *r, const char *path)
{
	mlv_buf b = MLV_BUF_INIT, tmp = MLV_BUF_INIT;
	struct series *sv = calloc(r->nruns, sizeof(*sv));
	int err = !sv, ret;

	err |= mlv_buf_puts(&b, html_head);
	err |= mlv_buf_printf(&b, "<h1>Run comparison</h1>\n<p class=\"muted\">%zu run%s &middot; %zu metric%s "
		"&middot; %zu param%s</p>\n", r->nruns, r->nruns == 1 ? "" : "s", r->metrics.n, r->metrics.n == 1 ? "" : "s",
		r->params.n, r->params.n == 1 ? "" : "s");

	err |= mlv_buf_puts(&b, "<h2>Runs</h2>\n<div class=\"wide\"><table class=\"runs\">\n<thead><tr><th>run</th><th>id</th><th>status</th>"
		"<th>start (UTC)</th><th>duration</th><th>commit</th><th>command</th></tr></thead>\n<tbody>\n");
	for (size_t i = 0; !err && i < r->nruns; i++) {
		const struct runrec *run = &r->runs[i];
		const cJSON *s = runrec_get(run, "start"), *c;
		mlv_buf_clear(&tmp);
		err |= mlv_buf_printf(&b, "<tr><td class=\"nowrap\"><span class=\"swatch\" style=\"background:%s\"></span>",
			colour(i));
		err |= html_escape(&b, runrec_name(run) ? runrec_name(run) : "-");
		err |= mlv_buf_printf(&b, "</td><td class=\"mono\" title=\"%s\">%.8s</td><td>", run->id, run->id);
		status_text(&tmp, run);
		err |= html_escape(&b, mlv_buf_cstr(&tmp));
		err |= mlv_buf_puts(&b, "</td><td class=\"nowrap\">");
		mlv_buf_clear(&tmp);
		mlv_buf_printf(&tmp, "%.10s %.8s", cJSON_IsString(s) ? s->valuestring : "-",
			cJSON_IsString(s) && strlen(s->valuestring) > 11 ? s->valuestring + 11 : "");
		err |= html_escape(&b, mlv_buf_cstr(&tmp));
		err |= mlv_buf_puts(&b, "</td><td>");
		mlv_buf_clear(&tmp);
		duration_text(&tmp, run);
		err |= html_escape(&b, mlv_buf_cstr(&tmp));
		err |= mlv_buf_puts(&b, "</td><td class=\"mono\">");
		mlv_buf_clear(&tmp);
		commit_text(&tmp, run);
		err |= html_escape(&b, mlv_buf_cstr(&tmp));
		err |= mlv_buf_puts(&b, "</td><td class=\"mono\">");
		mlv_buf_clear(&tmp);
		cJSON_ArrayForEach(c, runrec_get(run, "command"))
			if (cJSON_IsString(c))
				mlv_buf_printf(&tmp, "%s%s", tmp.size ? " " : "", c->valuestring);
		err |= html_put_label(&b, mlv_buf_cstr(&tmp), 80);
		err |= mlv_buf_puts(&b, "</td></tr>\n");
	}
	err |= mlv_buf_puts(&b, "</tbody>\n</table></div>\n");

	if (r->tags.n) {
		err |= mlv_buf_puts(&b, "<h2>Tags</h2>\n");
		err |= put_group_table(&b, r, &r->tags, "tags", 0);
	}
	err |= mlv_buf_puts(&b, "<h2>Params</h2>\n");
	if (r->params.n)
		err |= put_group_table(&b, r, &r->params, "params", 0);
	else
		err |= mlv_buf_puts(&b, "<p class=\"muted\">No run has params.</p>\n");
	err |= mlv_buf_puts(&b, "<h2>Metrics</h2>\n");
	if (r->metrics.n) {
		err |= mlv_buf_puts(&b, "<p class=\"muted\">The latest value of each metric (the one with the greatest step); "
			"rows that differ between runs are marked.</p>\n");
		err |= put_group_table(&b, r, &r->metrics, "metrics", 1);
	} else
		err |= mlv_buf_puts(&b, "<p class=\"muted\">No run has metrics.</p>\n");

	for (size_t m = 0; !err && m < r->metrics.n; m++) {
		const char *key = r->metrics.v[m];
		for (size_t i = 0; i < r->nruns; i++)
			err |= series_load(&sv[i], &r->runs[i], key);
		err |= mlv_buf_puts(&b, "<section>\n<h3 class=\"mono\">");
		err |= html_escape(&b, key);
		err |= mlv_buf_puts(&b, "</h3>\n");
		if (!err)
			err |= svg_chart(&b, r, key, sv);
		for (size_t i = 0; i < r->nruns; i++) {
			if (sv[i].nonfinite) {
				mlv_buf_clear(&tmp);
				runrec_put_label(&tmp, &r->runs[i]);
				err |= mlv_buf_puts(&b, "<p class=\"note\">");
				err |= html_escape(&b, mlv_buf_cstr(&tmp));
				err |= mlv_buf_printf(&b, ": %zu value%s that %s nan or inf %s not drawn.</p>\n", sv[i].nonfinite,
					sv[i].nonfinite == 1 ? "" : "s", sv[i].nonfinite == 1 ? "is" : "are",
					sv[i].nonfinite == 1 ? "is" : "are");
			}
			series_release(&sv[i]);
		}
		err |= mlv_buf_puts(&b, "</section>\n");
	}
	err |= mlv_buf_puts(&b, "<p class=\"muted\">Written by mlv compare " MLV_VERSION ". Hover a point for its value.</p>\n"
		"</body>\n</html>\n");
	if (err)
		ret = mlv_die("out of memory");
	else if (mlv_io_write_file_atomic(path, b.ptr, b.size, 0644))
		ret = mlv_die("cannot write '%s': %s", path, mlv_error_last());
	else
		ret = 0;
	free(sv);
	mlv_buf_release(&b);
	mlv_buf_release(&tmp);
	return ret;
}

/* ---- the command ---- */

int cmd_compare(int argc, const char **argv, struct mlv_ctx *ctx)
{
	struct compare_result r;
	int nargs, ret = 0;

	memset(&r, 0, sizeof(r));
	nargs = mlv_parse_options(argc, argv, mlv_opts_compare, mlv_usage_compare);
	if (nargs < 0)
		return MLV_EXIT_USAGE;
	if (nargs < 1) {
		mlv_usage_print(stderr, mlv_usage_compare, mlv_opts_compare);
		return MLV_EXIT_USAGE;
	}
	if (!(r.runs = calloc((size_t)nargs, sizeof(*r.runs))))
		return mlv_die("out of memory");
	for (int i = 0; i < nargs && !ret; i++) {
		ret = runrec_load(&r.runs[i], ctx->store, argv[i]);
		r.nruns++;
		for (int k = 0; k < i && !ret; k++)
			if (!strcmp(r.runs[k].id, r.runs[i].id))
				ret = mlv_die("'%s' and '%s' are the same run (%.8s)", argv[k], argv[i], r.runs[i].id);
	}
	if (ret || (ret = collect_keys(&r.tags, &r, "tags")) || (ret = collect_keys(&r.params, &r, "params")) ||
	    (ret = collect_keys(&r.metrics, &r, "metrics")))
		goto done;
	if (opt_html && (ret = write_html(&r, opt_html)))
		goto done;
	ret = opt_json ? print_json(&r) : print_human(&r);
done:
	for (size_t i = 0; i < r.nruns; i++)
		runrec_release(&r.runs[i]);
	free(r.runs);
	free(r.tags.v);
	free(r.params.v);
	free(r.metrics.v);
	return ret;
}
