/*
 * `mlv validate`: check a data file against a schema (mlv.schema/1, as
 * `mlv schema infer` writes it or a person edits it): columns present and
 * unexpected, type, nulls (with a "mostly" share, as Great Expectations
 * has), ranges, integers, allowed sets, regular expressions, uniqueness and
 * the row count. Every check runs to the end of the file, so every failure
 * is reported with its count and a few example rows; exit 1 when any fails.
 *
 * One streaming pass; memory holds the examples and, for "unique" columns
 * only, the set of values seen.
 */
#include <errno.h>
#include <math.h>
#include <regex.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "mlv/cjson.h"

#include "commands.h"
#include "datafile.h"
#include "plumbing.h"
#include "mlv/stats.h"

static int opt_json;
static const char *opt_schema, *opt_delimiter;

const struct mlv_option mlv_opts_validate[] = {
	MLV_OPT_JSON(&opt_json),
	MLV_OPT_STRING(0, "delimiter", &opt_delimiter, "d", "the field delimiter of CSV input (sniffed)"),
	MLV_OPT_STRING(0, "schema", &opt_schema, "file", "the schema to check against (required)"),
	MLV_OPT_END()
};

const char *const mlv_usage_validate[] = {
	"mlv validate [--json] [--delimiter <d>] --schema <file> <data>",
	NULL
};

#define MAX_EXAMPLES 5
#define EXAMPLE_BYTES 120           /* longer example values are cut (at a character) */
#define MAX_SCHEMA_SIZE (64u << 20)

/* The checks of a column, in the order they are reported. */
enum { CK_TYPE, CK_NULLABLE, CK_INTEGER, CK_MIN, CK_MAX, CK_ALLOWED, CK_REGEX, CK_UNIQUE, CK_COUNT };

struct example {
	unsigned long line;
	char *value;
	int cut;            /* VALUE is the first EXAMPLE_BYTES-odd bytes of a longer one */
};

/* One check and its outcome. */
struct check {
	const char *column;  /* NULL for the row count */
	const char *name;    /* "type", "present", "unexpected", "rows"... */
	char *detail;        /* what was expected, for people: "100", "mostly 0.95"; may be NULL */
	int ok;
	uint64_t failed;     /* rows that failed it */
	struct example ex[MAX_EXAMPLES];
	size_t nex;
};

/* A column of the schema: what it asks for, and where it is in the data. */
struct spec_column {
	char *name;
	int type;            /* 0 (not given), MLV_STATS_NUMERICAL or MLV_STATS_CATEGORICAL */
	int nullable;        /* -1 not given, 0, 1 */
	double mostly;       /* NaN when not given */
	int integer, unique;
	int has_min, has_max;
	double min, max;
	struct strset allowed;
	int has_allowed;
	char *regex_src;
	regex_t re;
	int has_regex;

	long field;          /* index in the data, -1 when absent */
	uint64_t missing;
	struct strset seen;  /* "unique": values so far */
	long ck[CK_COUNT];   /* index of each check in the result, -1 when not checked */
};

struct schema {
	struct spec_column *cols;
	size_t ncols;
	int additional_columns;
	int has_rows_min, has_rows_max;
	double rows_min, rows_max;
};

/* The one result of the command, printed by print_human / print_json. */
struct validate_result {
	const char *arg;
	uint64_t rows;
	struct check *checks;
	size_t nchecks, alloc, nfailed;
};

/* ---- the schema ---- */

/* "line L, column C" of byte offset POS in TEXT, for people. */
static void text_position(const char *text, size_t pos, unsigned long *line, unsigned long *col)
{
	*line = 1;
	*col = 1;
	for (size_t i = 0; i < pos; i++) {
		if (text[i] == '\n') {
			(*line)++;
			*col = 1;
		} else if (((unsigned char)text[i] & 0xc0) != 0x80) {
			(*col)++;
		}
	}
}

static int read_all(const char *path, mlv_buf *out)
{
	FILE *fp = strcmp(path, "-") ? fopen(path, "rb") : stdin;
	char block[65536];
	size_t n;
	int ret = 0;

	if (!fp)
		return mlv_die("cannot read '%s': %s", path, mlv_strerror(errno));
	while ((n = fread(block, 1, sizeof(block), fp)) > 0) {
		if (out->size + n > MAX_SCHEMA_SIZE) {
			ret = mlv_die("'%s': the schema is larger than 64 MiB", path);
			break;
		}
		if (mlv_buf_put(out, block, n)) {
			ret = mlv_die("out of memory");
			break;
		}
	}
	if (!ret && ferror(fp))
		ret = mlv_die("cannot read '%s': %s", path, mlv_strerror(errno));
	if (fp != stdin)
		fclose(fp);
	return ret;
}

static int is_number(const cJSON *j)
{
	return cJSON_IsNumber(j) && isfinite(j->valuedouble);
}

/* Set bit K of *SEEN for key KEY; a second time is an error. */
static int once(const char *path, const char *where, unsigned *seen, int k, const char *key)
{
	if (*seen & (1u << k))
		return mlv_die("'%s': %sduplicate key '%s'", path, where, key);
	*seen |= 1u << k;
	return 0;
}

static int key_index(const char *const *keys, const char *key)
{
	for (int k = 0; keys[k]; k++)
		if (!strcmp(keys[k], key))
			return k;
	return -1;
}

static int compile_regex(const char *path, struct spec_column *c, const char *where)
{
	mlv_buf anchored = MLV_BUF_INIT;
	int rc;

	/* a full match, as pandera's str_matches and Python's fullmatch */
	if (mlv_buf_printf(&anchored, "^(%s)$", c->regex_src))
		return mlv_die("out of memory");
	rc = regcomp(&c->re, anchored.ptr, REG_EXTENDED | REG_NOSUB);
	mlv_buf_release(&anchored);
	if (rc) {
		char msg[256];
		regerror(rc, &c->re, msg, sizeof(msg));
		for (char *p = msg; *p; p++)
			if (*p >= 'A' && *p <= 'Z')
				*p = (char)(*p - 'A' + 'a');
		return mlv_die("'%s': %sinvalid regex '%s': %s", path, where, c->regex_src, msg);
	}
	c->has_regex = 1;
	return 0;
}

static int parse_column(const char *path, const cJSON *j, size_t index, struct spec_column *c)
{
	static const char *const keys[] = { "name", "type", "nullable", "mostly", "integer", "min", "max",
		"allowed", "regex", "unique", NULL };
	enum { K_NAME, K_TYPE, K_NULLABLE, K_MOSTLY, K_INTEGER, K_MIN, K_MAX, K_ALLOWED, K_REGEX, K_UNIQUE };
	const cJSON *it, *name = cJSON_GetObjectItemCaseSensitive(j, "name");
	char where[64 + 256];
	unsigned seen = 0;
	int ret;

	if (!cJSON_IsObject(j))
		return mlv_die("'%s': columns[%zu] is not a JSON object", path, index);
	if (!cJSON_IsString(name) || !*name->valuestring)
		return mlv_die("'%s': columns[%zu] has no \"name\" (a non-empty string)", path, index);
	if (!(c->name = strdup(name->valuestring)))
		return mlv_die("out of memory");
	snprintf(where, sizeof(where), "column '%.256s': ", c->name);
	c->nullable = -1;
	c->mostly = NAN;
	for (it = j->child; it; it = it->next) {
		int k = key_index(keys, it->string);
		if (k < 0)
			return mlv_die("'%s': %sunknown key '%s'", path, where, it->string);
		if ((ret = once(path, where, &seen, k, it->string)))
			return ret;
		switch (k) {
		case K_NAME:
			break;
		case K_TYPE:
			if (cJSON_IsString(it) && !strcmp(it->valuestring, "numerical"))
				c->type = MLV_STATS_NUMERICAL;
			else if (cJSON_IsString(it) && !strcmp(it->valuestring, "categorical"))
				c->type = MLV_STATS_CATEGORICAL;
			else
				return mlv_die("'%s': %s\"type\" must be \"numerical\" or \"categorical\"", path, where);
			break;
		case K_NULLABLE: case K_INTEGER: case K_UNIQUE:
			if (!cJSON_IsBool(it))
				return mlv_die("'%s': %s\"%s\" must be true or false", path, where, it->string);
			if (k == K_NULLABLE)
				c->nullable = cJSON_IsTrue(it);
			else if (k == K_INTEGER)
				c->integer = cJSON_IsTrue(it);
			else
				c->unique = cJSON_IsTrue(it);
			break;
		case K_MOSTLY:
			if (!is_number(it) || it->valuedouble < 0 || it->valuedouble > 1)
				return mlv_die("'%s': %s\"mostly\" must be a number from 0 to 1", path, where);
			c->mostly = it->valuedouble;
			break;
		case K_MIN: case K_MAX:
			if (!is_number(it))
				return mlv_die("'%s': %s\"%s\" must be a number", path, where, it->string);
			if (k == K_MIN) {
				c->has_min = 1;
				c->min = it->valuedouble;
			} else {
				c->has_max = 1;
				c->max = it->valuedouble;
			}
			break;
		case K_ALLOWED: {
			const cJSON *v;
			if (!cJSON_IsArray(it))
				return mlv_die("'%s': %s\"allowed\" must be an array of strings", path, where);
			cJSON_ArrayForEach(v, it) {
				if (!cJSON_IsString(v))
					return mlv_die("'%s': %s\"allowed\" must be an array of strings", path, where);
				if (strset_add(&c->allowed, v->valuestring, strlen(v->valuestring)) < 0)
					return mlv_die("out of memory");
			}
			c->has_allowed = 1;
			break;
		}
		case K_REGEX:
			if (!cJSON_IsString(it))
				return mlv_die("'%s': %s\"regex\" must be a string", path, where);
			if (!(c->regex_src = strdup(it->valuestring)))
				return mlv_die("out of memory");
			if ((ret = compile_regex(path, c, where)))
				return ret;
			break;
		}
	}
	if ((c->has_min || c->has_max || c->integer) && c->type != MLV_STATS_NUMERICAL)
		return mlv_die("'%s': %s\"%s\" needs \"type\": \"numerical\"", path, where,
			c->has_min ? "min" : c->has_max ? "max" : "integer");
	if (c->has_min && c->has_max && c->min > c->max)
		return mlv_die("'%s': %s\"min\" is greater than \"max\"", path, where);
	if (!isnan(c->mostly) && c->nullable == 1)
		return mlv_die("'%s': %s\"mostly\" is the share of values that must not be missing: "
			"it needs \"nullable\": false (or no \"nullable\")", path, where);
	return 0;
}

static int parse_rows(const char *path, const cJSON *j, struct schema *s)
{
	const cJSON *it;
	unsigned seen = 0;
	int ret;

	if (is_number(j) && j->valuedouble >= 0)
		return 0;   /* what infer saw: informational */
	if (!cJSON_IsObject(j))
		return mlv_die("'%s': \"rows\" must be a number or an object with \"min\" and/or \"max\"", path);
	for (it = j->child; it; it = it->next) {
		int k = key_index((const char *const[]){ "min", "max", NULL }, it->string);
		if (k < 0)
			return mlv_die("'%s': \"rows\": unknown key '%s'", path, it->string);
		if ((ret = once(path, "\"rows\": ", &seen, k, it->string)))
			return ret;
		if (!is_number(it) || it->valuedouble < 0)
			return mlv_die("'%s': \"rows\": \"%s\" must be a number >= 0", path, it->string);
		if (k == 0) {
			s->has_rows_min = 1;
			s->rows_min = it->valuedouble;
		} else {
			s->has_rows_max = 1;
			s->rows_max = it->valuedouble;
		}
	}
	if (s->has_rows_min && s->has_rows_max && s->rows_min > s->rows_max)
		return mlv_die("'%s': \"rows\": \"min\" is greater than \"max\"", path);
	return 0;
}

static int schema_load(struct schema *s, const char *path)
{
	static const char *const keys[] = { "schema", "rows", "columns", "additional_columns", NULL };
	mlv_buf text = MLV_BUF_INIT;
	cJSON *root = NULL;
	const cJSON *it, *cols = NULL;
	const char *end = NULL;
	unsigned seen = 0;
	int ret;

	if ((ret = read_all(path, &text)))
		goto done;
	/* the length counts the NUL so that cJSON can tell the end from trailing bytes */
	if (!(root = cJSON_ParseWithLengthOpts(mlv_buf_cstr(&text), text.size + 1, &end, 1))) {
		unsigned long line, col;
		size_t pos = end && end >= text.ptr && end <= text.ptr + text.size ? (size_t)(end - text.ptr) : 0;
		text_position(mlv_buf_cstr(&text), pos, &line, &col);
		ret = mlv_die("'%s': not valid JSON at line %lu, column %lu", path, line, col);
		goto done;
	}
	if (!cJSON_IsObject(root)) {
		ret = mlv_die("'%s': the schema is not a JSON object", path);
		goto done;
	}
	for (it = root->child; it; it = it->next) {
		int k = key_index(keys, it->string);
		if (k < 0) {
			ret = mlv_die("'%s': unknown key '%s'", path, it->string);
			goto done;
		}
		if ((ret = once(path, "", &seen, k, it->string)))
			goto done;
		if (k == 0 && !(cJSON_IsString(it) && !strcmp(it->valuestring, "mlv.schema/1"))) {
			ret = mlv_die("'%s': \"schema\" must be \"mlv.schema/1\"", path);
			goto done;
		}
		if (k == 1 && (ret = parse_rows(path, it, s)))
			goto done;
		if (k == 2)
			cols = it;
		if (k == 3) {
			if (!cJSON_IsBool(it)) {
				ret = mlv_die("'%s': \"additional_columns\" must be true or false", path);
				goto done;
			}
			s->additional_columns = cJSON_IsTrue(it);
		}
	}
	if (!cJSON_IsArray(cols)) {
		ret = mlv_die("'%s': no \"columns\" array", path);
		goto done;
	}
	s->ncols = (size_t)cJSON_GetArraySize(cols);
	if (!(s->cols = calloc(s->ncols + 1, sizeof(*s->cols)))) {
		ret = mlv_die("out of memory");
		goto done;
	}
	s->ncols = 0;
	cJSON_ArrayForEach(it, cols) {
		struct spec_column *c = &s->cols[s->ncols++];
		if ((ret = parse_column(path, it, s->ncols - 1, c)))
			goto done;
		for (size_t i = 0; i + 1 < s->ncols; i++)
			if (!strcmp(s->cols[i].name, c->name)) {
				ret = mlv_die("'%s': column '%s' is listed twice", path, c->name);
				goto done;
			}
	}
	ret = 0;
done:
	cJSON_Delete(root);
	mlv_buf_release(&text);
	return ret;
}

static void schema_release(struct schema *s)
{
	for (size_t i = 0; i < s->ncols; i++) {
		struct spec_column *c = &s->cols[i];
		free(c->name);
		free(c->regex_src);
		if (c->has_regex)
			regfree(&c->re);
		strset_release(&c->allowed);
		strset_release(&c->seen);
	}
	free(s->cols);
	memset(s, 0, sizeof(*s));
}

/* ---- checks ---- */

/* A new check (ok until a row fails it); its index, or -1 when out of memory. */
static long add_check(struct validate_result *r, const char *column, const char *name, char *detail)
{
	struct check *c;
	if (r->nchecks == r->alloc) {
		size_t n = r->alloc ? r->alloc * 2 : 16;
		struct check *v = realloc(r->checks, n * sizeof(*v));
		if (!v) {
			free(detail);
			return -1;
		}
		r->checks = v;
		r->alloc = n;
	}
	c = &r->checks[r->nchecks];
	memset(c, 0, sizeof(*c));
	c->column = column;
	c->name = name;
	c->detail = detail;
	c->ok = 1;
	return (long)r->nchecks++;
}

static char *fmt_number(double v)
{
	mlv_buf b = MLV_BUF_INIT;
	if (datafile_put_number(&b, v)) {
		mlv_buf_release(&b);
		return NULL;
	}
	return mlv_buf_detach(&b);
}

static char *fmt_text(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static char *fmt_text(const char *fmt, ...)
{
	va_list ap;
	char *s = NULL;
	va_start(ap, fmt);
	if (vasprintf(&s, fmt, ap) < 0)
		s = NULL;
	va_end(ap);
	return s;
}

/* The checks of every schema column found in the data, and of the columns the schema does not know. */
static int plan_checks(struct validate_result *r, struct schema *s, const struct datafile *df)
{
	const mlv_csv_field *h = mlv_csv_header(df->rd);
	size_t n = mlv_csv_ncols(df->rd);
	int err = 0;

	for (size_t i = 0; i < s->ncols; i++) {
		struct spec_column *c = &s->cols[i];
		long present;
		c->field = -1;
		for (size_t k = 0; k < CK_COUNT; k++)
			c->ck[k] = -1;
		for (size_t f = 0; f < n; f++)
			if (h[f].len == strlen(c->name) && !memcmp(h[f].ptr, c->name, h[f].len))
				c->field = (long)f;
		if ((present = add_check(r, c->name, "present", NULL)) < 0)
			return mlv_die("out of memory");
		if (c->field < 0) {
			r->checks[present].ok = 0;
			continue;
		}
		if (c->type == MLV_STATS_NUMERICAL)
			err |= (c->ck[CK_TYPE] = add_check(r, c->name, "type", fmt_text("numerical"))) < 0;
		if (c->nullable == 0 || !isnan(c->mostly)) {
			char *d = isnan(c->mostly) ? fmt_text("false") : NULL;
			if (!isnan(c->mostly)) {
				char *m = fmt_number(c->mostly);
				d = m ? fmt_text("mostly %s", m) : NULL;
				free(m);
			}
			err |= (c->ck[CK_NULLABLE] = add_check(r, c->name, "nullable", d)) < 0;
		}
		if (c->integer)
			err |= (c->ck[CK_INTEGER] = add_check(r, c->name, "integer", NULL)) < 0;
		if (c->has_min)
			err |= (c->ck[CK_MIN] = add_check(r, c->name, "min", fmt_number(c->min))) < 0;
		if (c->has_max)
			err |= (c->ck[CK_MAX] = add_check(r, c->name, "max", fmt_number(c->max))) < 0;
		if (c->has_allowed)
			err |= (c->ck[CK_ALLOWED] = add_check(r, c->name, "allowed",
				fmt_text("(%zu value%s)", c->allowed.n, c->allowed.n == 1 ? "" : "s"))) < 0;
		if (c->has_regex)
			err |= (c->ck[CK_REGEX] = add_check(r, c->name, "regex", fmt_text("'%s'", c->regex_src))) < 0;
		if (c->unique)
			err |= (c->ck[CK_UNIQUE] = add_check(r, c->name, "unique", NULL)) < 0;
		if (err)
			return mlv_die("out of memory");
	}
	for (size_t f = 0; f < n; f++) {
		int known = 0;
		long k;
		for (size_t i = 0; i < s->ncols && !known; i++)
			known = s->cols[i].field == (long)f;
		if (known)
			continue;
		/* the header outlives the checks: the reader is freed after printing */
		if ((k = add_check(r, NULL, "unexpected", strndup(h[f].ptr, h[f].len))) < 0 || !r->checks[k].detail)
			return mlv_die("out of memory");
		r->checks[k].column = r->checks[k].detail;
		r->checks[k].detail = NULL;
		r->checks[k].ok = s->additional_columns;
	}
	return 0;
}

/* Row LINE with value S (LEN bytes) fails check K. */
static int fail(struct validate_result *r, long k, unsigned long line, const char *s, size_t len)
{
	struct check *c = &r->checks[k];
	struct example *e;

	c->failed++;
	c->ok = 0;
	if (c->nex == MAX_EXAMPLES)
		return 0;
	e = &c->ex[c->nex];
	e->line = line;
	if (len > EXAMPLE_BYTES) {
		len = EXAMPLE_BYTES;
		while (len > 0 && ((unsigned char)s[len] & 0xc0) == 0x80)
			len--;
		e->cut = 1;
	}
	if (!(e->value = strndup(s, len)))
		return MLV_ENOMEM;
	c->nex++;
	return 0;
}

/* Run the checks of column C on one value. */
static int check_value(struct validate_result *r, struct spec_column *c, unsigned long line, const char *s, size_t len)
{
	double v = 0;
	int number = 0, rc = 0;

	if (datafile_is_missing(s, len)) {
		c->missing++;
		if (c->ck[CK_NULLABLE] >= 0)
			rc |= fail(r, c->ck[CK_NULLABLE], line, s, len);
		/* a missing value never matches a pattern: it passes only where missing values are allowed */
		if (c->ck[CK_REGEX] >= 0 && c->nullable != 1 && isnan(c->mostly))
			rc |= fail(r, c->ck[CK_REGEX], line, s, len);
		return rc;
	}
	if (c->type == MLV_STATS_NUMERICAL) {
		number = mlv_stats_parse_number(s, len, &v);
		if (!number)
			rc |= fail(r, c->ck[CK_TYPE], line, s, len);
	}
	if (number) {
		if (c->ck[CK_INTEGER] >= 0 && v != floor(v))
			rc |= fail(r, c->ck[CK_INTEGER], line, s, len);
		if (c->ck[CK_MIN] >= 0 && v < c->min)
			rc |= fail(r, c->ck[CK_MIN], line, s, len);
		if (c->ck[CK_MAX] >= 0 && v > c->max)
			rc |= fail(r, c->ck[CK_MAX], line, s, len);
	}
	if (c->ck[CK_ALLOWED] >= 0 && !strset_has(&c->allowed, s, len))
		rc |= fail(r, c->ck[CK_ALLOWED], line, s, len);
	if (c->ck[CK_REGEX] >= 0) {
		regmatch_t m[1];
		/* REG_STARTEND: the field is not NUL-terminated, and may hold NUL bytes */
		m[0].rm_so = 0;
		m[0].rm_eo = (regoff_t)len;
		if (regexec(&c->re, s, 1, m, REG_STARTEND))
			rc |= fail(r, c->ck[CK_REGEX], line, s, len);
	}
	if (c->ck[CK_UNIQUE] >= 0) {
		char key[40];
		const char *kp = s;
		size_t kl = len;
		int added;
		if (number) {
			/* as numbers: 1 and 1.0 are the same value */
			kl = (size_t)snprintf(key, sizeof(key), "%.17g", v == 0 ? 0.0 : v);
			kp = key;
		}
		if ((added = strset_add(&c->seen, kp, kl)) < 0)
			return MLV_ENOMEM;
		if (!added)
			rc |= fail(r, c->ck[CK_UNIQUE], line, s, len);
	}
	return rc;
}

static int run_checks(struct validate_result *r, struct schema *s, struct datafile *df)
{
	const mlv_csv_field *f;
	int rc;

	while ((rc = mlv_csv_next(df->rd, &f)) == 1) {
		unsigned long line = mlv_csv_line(df->rd);
		r->rows++;
		for (size_t i = 0; i < s->ncols; i++) {
			struct spec_column *c = &s->cols[i];
			if (c->field >= 0 && check_value(r, c, line, f[c->field].ptr, f[c->field].len))
				return mlv_die("out of memory");
		}
	}
	if (rc < 0)
		return mlv_die_lib();
	/* "mostly": the share of values present decides, not the first missing one */
	for (size_t i = 0; i < s->ncols; i++) {
		struct spec_column *c = &s->cols[i];
		if (c->ck[CK_NULLABLE] >= 0 && !isnan(c->mostly))
			r->checks[c->ck[CK_NULLABLE]].ok = !r->rows ||
				(double)(r->rows - c->missing) / (double)r->rows >= c->mostly;
	}
	if (s->has_rows_min || s->has_rows_max) {
		long k;
		char *d = NULL, *lo = s->has_rows_min ? fmt_number(s->rows_min) : NULL;
		char *hi = s->has_rows_max ? fmt_number(s->rows_max) : NULL;
		if ((s->has_rows_min && !lo) || (s->has_rows_max && !hi))
			d = NULL;
		else if (lo && hi)
			d = fmt_text("%s to %s", lo, hi);
		else
			d = lo ? fmt_text("at least %s", lo) : fmt_text("at most %s", hi);
		free(lo);
		free(hi);
		if (!d || (k = add_check(r, NULL, "rows", d)) < 0)
			return mlv_die("out of memory");
		r->checks[k].ok = !(s->has_rows_min && (double)r->rows < s->rows_min) &&
			!(s->has_rows_max && (double)r->rows > s->rows_max);
	}
	for (size_t i = 0; i < r->nchecks; i++)
		r->nfailed += !r->checks[i].ok;
	return 0;
}

/* ---- output ---- */

static int print_human(const struct validate_result *r)
{
	mlv_buf out = MLV_BUF_INIT;
	int err = 0, ret;

	for (size_t i = 0; i < r->nchecks; i++) {
		const struct check *c = &r->checks[i];
		if (c->ok)
			continue;
		err |= mlv_buf_puts(&out, "FAIL  ");
		if (c->column) {
			err |= plumb_put_path(&out, c->column);
			err |= mlv_buf_puts(&out, ": ");
		}
		err |= mlv_buf_puts(&out, c->name);
		if (!strcmp(c->name, "present")) {
			err |= mlv_buf_puts(&out, ": not in the data\n");
			continue;
		}
		if (!strcmp(c->name, "unexpected")) {
			err |= mlv_buf_puts(&out, ": not in the schema\n");
			continue;
		}
		if (!strcmp(c->name, "rows")) {
			err |= mlv_buf_printf(&out, ": %llu, expected %s\n", (unsigned long long)r->rows, c->detail);
			continue;
		}
		if (c->detail)
			err |= mlv_buf_printf(&out, " %s", c->detail);
		err |= mlv_buf_printf(&out, ": %llu of %llu rows\n", (unsigned long long)c->failed,
			(unsigned long long)r->rows);
		for (size_t k = 0; k < c->nex; k++) {
			err |= mlv_buf_printf(&out, "      line %lu: ", c->ex[k].line);
			err |= mlv_buf_put_json_string(&out, c->ex[k].value, strlen(c->ex[k].value));
			err |= mlv_buf_puts(&out, c->ex[k].cut ? " (cut)\n" : "\n");
		}
	}
	if (r->nfailed)
		err |= mlv_buf_printf(&out, "%zu of %zu checks failed", r->nfailed, r->nchecks);
	else
		err |= mlv_buf_printf(&out, "all %zu checks passed", r->nchecks);
	err |= mlv_buf_puts(&out, " on '");
	err |= plumb_put_path(&out, r->arg);
	err |= mlv_buf_printf(&out, "' (%llu rows)\n", (unsigned long long)r->rows);
	ret = err ? mlv_die("out of memory") : plumb_write_stdout(out.ptr, out.size);
	mlv_buf_release(&out);
	return ret;
}

static int print_json(const struct validate_result *r)
{
	mlv_buf out = MLV_BUF_INIT;
	int err = 0, ret;

	err |= mlv_buf_printf(&out, "{\"schema\":\"mlv.validate/1\",\"ok\":%s,\"rows\":%llu,\"checks\":[",
		r->nfailed ? "false" : "true", (unsigned long long)r->rows);
	for (size_t i = 0; i < r->nchecks; i++) {
		const struct check *c = &r->checks[i];
		err |= mlv_buf_puts(&out, i ? ",{\"column\":" : "{\"column\":");
		if (c->column)
			err |= mlv_buf_put_json_string(&out, c->column, strlen(c->column));
		else
			err |= mlv_buf_puts(&out, "null");
		err |= mlv_buf_printf(&out, ",\"check\":\"%s\",\"ok\":%s,\"failed_rows\":%llu,\"examples\":[",
			c->name, c->ok ? "true" : "false", (unsigned long long)c->failed);
		for (size_t k = 0; k < c->nex; k++) {
			err |= mlv_buf_printf(&out, "%s{\"line\":%lu,\"value\":", k ? "," : "", c->ex[k].line);
			err |= mlv_buf_put_json_string(&out, c->ex[k].value, strlen(c->ex[k].value));
			err |= mlv_buf_puts(&out, c->ex[k].cut ? ",\"cut\":true}" : "}");
		}
		err |= mlv_buf_puts(&out, "]}");
	}
	err |= mlv_buf_puts(&out, "]}\n");
	ret = err ? mlv_die("out of memory") : plumb_write_stdout(out.ptr, out.size);
	mlv_buf_release(&out);
	return ret;
}

/* ---- the command ---- */

int cmd_validate(int argc, const char **argv, struct mlv_ctx *ctx)
{
	struct validate_result r;
	struct schema s;
	struct datafile df;
	char delimiter = 0;
	int nargs, ret;

	memset(&r, 0, sizeof(r));
	memset(&s, 0, sizeof(s));
	memset(&df, 0, sizeof(df));
	df.fd = -1;
	nargs = mlv_parse_options(argc, argv, mlv_opts_validate, mlv_usage_validate);
	if (nargs < 0)
		return MLV_EXIT_USAGE;
	if (nargs != 1 || !opt_schema) {
		if (nargs == 1)
			fprintf(stderr, "mlv: error: --schema <file> is required\n");
		mlv_usage_print(stderr, mlv_usage_validate, mlv_opts_validate);
		return MLV_EXIT_USAGE;
	}
	if (opt_delimiter && datafile_parse_delimiter(opt_delimiter, &delimiter)) {
		fprintf(stderr, "mlv: error: --delimiter: '%s' is not one character\n", opt_delimiter);
		return MLV_EXIT_USAGE;
	}
	if (!strcmp(opt_schema, "-") && !strcmp(argv[0], "-")) {
		fprintf(stderr, "mlv: error: only one of --schema and <data> can be standard input\n");
		return MLV_EXIT_USAGE;
	}
	r.arg = argv[0];
	if ((ret = schema_load(&s, opt_schema)) ||
		(ret = datafile_open(&df, ctx, argv[0], delimiter)) ||
		(ret = plan_checks(&r, &s, &df)) ||
		(ret = run_checks(&r, &s, &df)))
		goto done;
	ret = opt_json ? print_json(&r) : print_human(&r);
	if (ret == 0 && r.nfailed)
		ret = MLV_EXIT_NO;
done:
	datafile_close(&df);
	for (size_t i = 0; i < r.nchecks; i++) {
		struct check *c = &r.checks[i];
		if (!strcmp(c->name, "unexpected"))
			free((char *)c->column);
		free(c->detail);
		for (size_t k = 0; k < c->nex; k++)
			free(c->ex[k].value);
	}
	free(r.checks);
	schema_release(&s);
	return ret;
}
