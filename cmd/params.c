/*
 * `mlv params diff`: the params of two runs side by side, the ones that
 * differ (or all of them with --all). Values are strings and compared byte
 * for byte, as they were given.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "commands.h"
#include "plumbing.h"
#include "runrec.h"

static int opt_json, opt_all;

const struct mlv_option mlv_opts_params[] = {
	MLV_OPT_BOOL(0, "all", &opt_all, "also list the params that are the same"),
	MLV_OPT_JSON(&opt_json),
	MLV_OPT_END()
};

const char *const mlv_usage_params[] = {
	"mlv params diff [--all] [--json] <run-a> <run-b>",
	NULL
};

struct param_row {
	const char *key;         /* these point into the records */
	const char *v[2];        /* NULL when the run does not have the param */
	int changed;
};

/* The one result of the command. */
struct params_diff {
	struct runrec run[2];
	struct param_row *rows;
	size_t n, nchanged;
};

static int row_cmp(const void *x, const void *y)
{
	return strcmp(((const struct param_row *)x)->key, ((const struct param_row *)y)->key);
}

static int diff(struct params_diff *d)
{
	size_t cap = 0;
	const cJSON *p;
	for (int s = 0; s < 2; s++)
		cap += (size_t)cJSON_GetArraySize(runrec_get(&d->run[s], "params"));
	if (!(d->rows = calloc(cap ? cap : 1, sizeof(*d->rows))))
		return mlv_die("out of memory");
	for (int s = 0; s < 2; s++)
		cJSON_ArrayForEach(p, runrec_get(&d->run[s], "params")) {
			struct param_row *r = NULL;
			if (!p->string || !cJSON_IsString(p))
				continue;
			for (size_t i = 0; i < d->n && !r; i++)
				if (!strcmp(d->rows[i].key, p->string))
					r = &d->rows[i];
			if (!r) {
				r = &d->rows[d->n++];
				r->key = p->string;
			}
			r->v[s] = p->valuestring;
		}
	if (d->n)
		qsort(d->rows, d->n, sizeof(*d->rows), row_cmp);
	for (size_t i = 0; i < d->n; i++) {
		struct param_row *r = &d->rows[i];
		r->changed = !r->v[0] || !r->v[1] || strcmp(r->v[0], r->v[1]);
		d->nchanged += (size_t)r->changed;
	}
	return 0;
}

static int print_human(const struct params_diff *d)
{
	mlv_buf out = MLV_BUF_INIT;
	size_t w[3] = { 5, 1, 1 };
	int ret;

	for (size_t i = 0; i < d->n; i++) {
		const struct param_row *r = &d->rows[i];
		if (!r->changed && !opt_all)
			continue;
		if (strlen(r->key) > w[0])
			w[0] = strlen(r->key);
		for (int s = 0; s < 2; s++)
			if (r->v[s] && strlen(r->v[s]) > w[1 + s])
				w[1 + s] = strlen(r->v[s]);
	}
	for (int s = 0; s < 2; s++) {
		mlv_buf_printf(&out, "%c  ", s ? 'b' : 'a');
		runrec_put_label(&out, &d->run[s]);
		mlv_buf_putc(&out, '\n');
	}
	if (d->nchanged || (opt_all && d->n)) {
		mlv_buf_printf(&out, "\n%-*s  %-*s  b\n", (int)w[0], "param", (int)w[1], "a");
		for (size_t i = 0; i < d->n; i++) {
			const struct param_row *r = &d->rows[i];
			size_t start = out.size;
			if (!r->changed && !opt_all)
				continue;
			mlv_buf_printf(&out, "%-*s  %-*s  %s", (int)w[0], r->key, (int)w[1], r->v[0] ? r->v[0] : "-",
				r->v[1] ? r->v[1] : "-");
			while (out.size > start && out.ptr[out.size - 1] == ' ')
				out.size--;
			mlv_buf_putc(&out, '\n');
		}
	}
	if (d->n > d->nchanged && !opt_all)
		mlv_buf_printf(&out, "\n%zu param%s the same (--all lists them)\n", d->n - d->nchanged,
			d->n - d->nchanged == 1 ? "" : "s");
	else if (!d->n)
		mlv_buf_puts(&out, "\nneither run has params\n");
	ret = out.ptr ? plumb_write_stdout(out.ptr, out.size) : mlv_die("out of memory");
	mlv_buf_release(&out);
	return ret;
}

static void put_str_or_null(mlv_buf *b, const char *s)
{
	if (s)
		mlv_buf_put_json_string(b, s, strlen(s));
	else
		mlv_buf_puts(b, "null");
}

static int print_json(const struct params_diff *d)
{
	mlv_buf out = MLV_BUF_INIT;
	int ret;
	mlv_buf_puts(&out, "{\"schema\":\"mlv.params.diff/1\"");
	for (int s = 0; s < 2; s++) {
		mlv_buf_printf(&out, ",\"%c\":{\"id\":\"%s\",\"name\":", s ? 'b' : 'a', d->run[s].id);
		put_str_or_null(&out, runrec_name(&d->run[s]));
		mlv_buf_putc(&out, '}');
	}
	mlv_buf_puts(&out, ",\"params\":[");
	for (size_t i = 0; i < d->n; i++) {
		const struct param_row *r = &d->rows[i];
		mlv_buf_puts(&out, i ? ",{\"key\":" : "{\"key\":");
		put_str_or_null(&out, r->key);
		mlv_buf_puts(&out, ",\"a\":");
		put_str_or_null(&out, r->v[0]);
		mlv_buf_puts(&out, ",\"b\":");
		put_str_or_null(&out, r->v[1]);
		mlv_buf_printf(&out, ",\"changed\":%s}", r->changed ? "true" : "false");
	}
	mlv_buf_puts(&out, "]}\n");
	ret = out.ptr ? plumb_write_stdout(out.ptr, out.size) : mlv_die("out of memory");
	mlv_buf_release(&out);
	return ret;
}

int cmd_params(int argc, const char **argv, struct mlv_ctx *ctx)
{
	struct params_diff d;
	int ret;

	memset(&d, 0, sizeof(d));
	if ((ret = runrec_diff_begin(argc, argv, mlv_opts_params, mlv_usage_params, ctx, d.run)) || (ret = diff(&d)))
		goto done;
	ret = opt_json ? print_json(&d) : print_human(&d);
done:
	runrec_release(&d.run[0]);
	runrec_release(&d.run[1]);
	free(d.rows);
	return ret;
}
