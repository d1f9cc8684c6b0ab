/*
 * `mlv schema infer`: read a data file once and write the schema that it
 * satisfies (mlv.schema/1, the input of `mlv validate`): per column its
 * type, whether it has missing values, min/max for numbers, the allowed
 * set for categories with few values; and the row count.
 *
 * Memory per column is a few numbers and at most --max-categories + 1
 * distinct values, whatever the size of the file.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "commands.h"
#include "datafile.h"
#include "plumbing.h"
#include "mlv/stats.h"

#define DEFAULT_MAX_CATEGORIES 20

static int opt_json;
static long opt_max_categories = DEFAULT_MAX_CATEGORIES;
static const char *opt_delimiter;

const struct mlv_option mlv_opts_schema[] = {
	MLV_OPT_JSON(&opt_json),
	MLV_OPT_INT(0, "max-categories", &opt_max_categories, "n",
		"list the allowed values of categories with at most <n> values (20)"),
	MLV_OPT_STRING(0, "delimiter", &opt_delimiter, "d", "the field delimiter of CSV input (sniffed)"),
	MLV_OPT_END()
};

const char *const mlv_usage_schema[] = {
	"mlv schema infer [--json] [--max-categories <n>] [--delimiter <d>] <data>",
	NULL
};

/* One column as it is read, and what is inferred from it. */
struct infer_column {
	char *name;
	uint64_t values, missing;
	int non_number;         /* a value that is not missing did not parse as a number */
	int non_integer;        /* a number with a fraction */
	double min, max;        /* of the numbers, when values > 0 and !non_number */
	struct strset distinct; /* up to max_categories + 1 values, text as written */
	int too_many;           /* more distinct values than max_categories: DISTINCT released */
};

/* The one result of the command. */
struct infer_result {
	uint64_t rows;
	struct infer_column *cols;
	size_t ncols;
	long max_categories;
};

static int is_numerical(const struct infer_column *c)
{
	return c->values > 0 && !c->non_number;
}

static int add_value(struct infer_column *c, long max_categories, const char *s, size_t len)
{
	double v;

	if (datafile_is_missing(s, len)) {
		c->missing++;
		return 0;
	}
	if (!c->non_number) {
		if (!mlv_stats_parse_number(s, len, &v)) {
			c->non_number = 1;
		} else {
			if (!c->values || v < c->min)
				c->min = v;
			if (!c->values || v > c->max)
				c->max = v;
			if (v != floor(v))
				c->non_integer = 1;
		}
	}
	c->values++;
	if (!c->too_many) {
		if (strset_add(&c->distinct, s, len) < 0)
			return MLV_ENOMEM;
		if ((long)c->distinct.n > max_categories) {
			c->too_many = 1;
			strset_release(&c->distinct);
		}
	}
	return 0;
}

static int by_bytes(const void *x, const void *y)
{
	const struct strset_entry *a = *(const struct strset_entry *const *)x;
	const struct strset_entry *b = *(const struct strset_entry *const *)y;
	size_t n = a->len < b->len ? a->len : b->len;
	int r = memcmp(a->ptr, b->ptr, n);
	return r ? r : (a->len > b->len) - (a->len < b->len);
}

/* The allowed values of C sorted by bytes (as Python sorts str), or NULL when out of memory. */
static const struct strset_entry **sorted_values(const struct infer_column *c)
{
	const struct strset_entry **v = malloc((c->distinct.n + 1) * sizeof(*v));
	size_t k = 0;
	if (!v)
		return NULL;
	for (size_t i = 0; i < c->distinct.cap; i++)
		if (c->distinct.slots[i].ptr)
			v[k++] = &c->distinct.slots[i];
	qsort(v, k, sizeof(*v), by_bytes);
	return v;
}

/* The schema document; PRETTY puts one column on a line, with spaces, for people and diffs. */
static int put_schema(mlv_buf *b, const struct infer_result *r, int pretty)
{
	const char *sep = pretty ? ", " : ",", *colon = pretty ? ": " : ":";
	int err = 0;

	err |= mlv_buf_printf(b, "{%s\"schema\"%s\"mlv.schema/1\"%s\"rows\"%s%llu%s\"columns\"%s[",
		pretty ? "\n  " : "", colon, pretty ? ",\n  " : ",", colon, (unsigned long long)r->rows,
		pretty ? ",\n  " : ",", colon);
	for (size_t i = 0; i < r->ncols; i++) {
		const struct infer_column *c = &r->cols[i];
		if (i)
			err |= mlv_buf_putc(b, ',');
		err |= mlv_buf_printf(b, "%s{\"name\"%s", pretty ? "\n    " : "", colon);
		err |= mlv_buf_put_json_string(b, c->name, strlen(c->name));
		err |= mlv_buf_printf(b, "%s\"type\"%s\"%s\"%s\"nullable\"%s%s", sep, colon,
			is_numerical(c) ? "numerical" : "categorical", sep, colon, c->missing ? "true" : "false");
		if (is_numerical(c)) {
			err |= mlv_buf_printf(b, "%s\"integer\"%s%s%s\"min\"%s", sep, colon,
				c->non_integer ? "false" : "true", sep, colon);
			err |= datafile_put_number(b, c->min);
			err |= mlv_buf_printf(b, "%s\"max\"%s", sep, colon);
			err |= datafile_put_number(b, c->max);
		} else if (c->values && !c->too_many) {
			const struct strset_entry **v = sorted_values(c);
			if (!v)
				return MLV_ENOMEM;
			err |= mlv_buf_printf(b, "%s\"allowed\"%s[", sep, colon);
			for (size_t k = 0; k < c->distinct.n; k++) {
				if (k)
					err |= mlv_buf_puts(b, sep);
				err |= mlv_buf_put_json_string(b, v[k]->ptr, v[k]->len);
			}
			err |= mlv_buf_putc(b, ']');
			free(v);
		}
		err |= mlv_buf_putc(b, '}');
	}
	err |= mlv_buf_puts(b, pretty ? "\n  ]\n}\n" : "]}\n");
	return err ? MLV_ENOMEM : 0;
}

static int print_out(const struct infer_result *r, int pretty)
{
	mlv_buf out = MLV_BUF_INIT;
	int ret = put_schema(&out, r, pretty) ? mlv_die("out of memory") : plumb_write_stdout(out.ptr, out.size);
	mlv_buf_release(&out);
	return ret;
}

/* For people (and to be edited): the schema, one column a line. */
static int print_human(const struct infer_result *r)
{
	return print_out(r, 1);
}

/* The same document on one line. */
static int print_json(const struct infer_result *r)
{
	return print_out(r, 0);
}

static int infer(struct infer_result *r, struct datafile *df)
{
	const mlv_csv_field *h = mlv_csv_header(df->rd), *f;
	int rc;

	r->ncols = mlv_csv_ncols(df->rd);
	if (!(r->cols = calloc(r->ncols, sizeof(*r->cols))))
		return mlv_die("out of memory");
	for (size_t i = 0; i < r->ncols; i++)
		if (!(r->cols[i].name = strndup(h[i].ptr, h[i].len)))
			return mlv_die("out of memory");
	while ((rc = mlv_csv_next(df->rd, &f)) == 1) {
		r->rows++;
		for (size_t i = 0; i < r->ncols; i++)
			if (add_value(&r->cols[i], r->max_categories, f[i].ptr, f[i].len))
				return mlv_die("out of memory");
	}
	return rc < 0 ? mlv_die_lib() : 0;
}

int cmd_schema(int argc, const char **argv, struct mlv_ctx *ctx)
{
	struct infer_result r;
	struct datafile df;
	char delimiter = 0;
	int nargs, ret;

	memset(&r, 0, sizeof(r));
	memset(&df, 0, sizeof(df));
	df.fd = -1;
	nargs = mlv_parse_options(argc, argv, mlv_opts_schema, mlv_usage_schema);
	if (nargs < 0)
		return MLV_EXIT_USAGE;
	if (nargs >= 1 && strcmp(argv[0], "infer")) {
		fprintf(stderr, "mlv: error: unknown subcommand '%s'\n", argv[0]);
		mlv_usage_print(stderr, mlv_usage_schema, mlv_opts_schema);
		return MLV_EXIT_USAGE;
	}
	if (nargs != 2) {
		mlv_usage_print(stderr, mlv_usage_schema, mlv_opts_schema);
		return MLV_EXIT_USAGE;
	}
	r.max_categories = opt_max_categories;
	if (opt_max_categories < 0) {
		fprintf(stderr, "mlv: error: --max-categories: %ld is negative\n", opt_max_categories);
		return MLV_EXIT_USAGE;
	}
	if (opt_delimiter && datafile_parse_delimiter(opt_delimiter, &delimiter)) {
		fprintf(stderr, "mlv: error: --delimiter: '%s' is not one character\n", opt_delimiter);
		return MLV_EXIT_USAGE;
	}
	if ((ret = datafile_open(&df, ctx, argv[1], delimiter)) || (ret = infer(&r, &df)))
		goto done;
	ret = opt_json ? print_json(&r) : print_human(&r);
done:
	datafile_close(&df);
	for (size_t i = 0; i < r.ncols; i++) {
		free(r.cols[i].name);
		strset_release(&r.cols[i].distinct);
	}
	free(r.cols);
	return ret;
}
