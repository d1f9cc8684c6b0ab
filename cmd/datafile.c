/* Data arguments, missing values, JSON numbers and string sets for schema and validate (see datafile.h). */
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "datafile.h"
#include "model.h"
#include "mlv/spec.h"
#include "mlv/stats.h"

static int sink_fd(void *payload, const void *data, size_t len)
{
	int err = mlv_io_write(*(int *)payload, data, len, "temporary file");
	return err ? mlv_error_set_errno(MLV_EIO, -err, "cannot write a temporary file") : 0;
}

int datafile_spec_fd(struct mlv_ctx *ctx, const char *arg, int *out)
{
	return datafile_spec_open(ctx, arg, out, NULL);
}

int datafile_spec_open(struct mlv_ctx *ctx, const char *arg, int *out, char **name)
{
	const char *tmpdir = getenv("TMPDIR");
	mlv_spec spec;
	mlv_buf path = MLV_BUF_INIT;
	char *dir = NULL, *dep = NULL;
	int fd = -1, ret;

	memset(&spec, 0, sizeof(spec));
	if (!tmpdir || !*tmpdir)
		tmpdir = "/tmp";
	if (!ctx->store && !ctx->mlvdir) {
		if (mlv_store_discover(&dir, ctx->cwd ? ctx->cwd : ".") < 0)
			return mlv_die("cannot read '%s': no such file or directory", arg);
		ctx->mlvdir = dir;
	}
	if ((ret = mlv_ctx_open_store(ctx)))
		return ret;
	if (name)
		*name = NULL;
	if (model_data_spec_is(arg)) {
		if ((ret = model_data_resolve(ctx, arg, &spec.oid, &dep)))
			goto done;
	} else if (mlv_spec_resolve(&spec, ctx->store, ctx->cwd ? ctx->cwd : ".", arg)) {
		ret = mlv_die("cannot read '%s': %s", arg, mlv_error_last());
		goto done;
	} else if (!spec.in_store) {
		ret = mlv_die("cannot read '%s': its object is not in the store", arg);
		goto done;
	}
	if (mlv_buf_printf(&path, "%s/mlv-data-XXXXXX", tmpdir)) {
		ret = mlv_die("out of memory");
		goto done;
	}
	if ((fd = mkstemp(path.ptr)) < 0) {
		ret = mlv_die("cannot create a temporary file in '%s': %s", tmpdir, mlv_strerror(errno));
		goto done;
	}
	unlink(path.ptr);
	if (mlv_object_read(ctx->store, &spec.oid, sink_fd, &fd)) {
		ret = mlv_die("cannot read '%s': %s", arg, mlv_error_last());
		goto done;
	}
	if (lseek(fd, 0, SEEK_SET) < 0) {
		ret = mlv_die("cannot read '%s': %s", arg, mlv_strerror(errno));
		goto done;
	}
	*out = fd;
	fd = -1;
	if (name) {
		*name = dep;
		dep = NULL;
	}
	ret = 0;
done:
	free(dep);
	if (fd >= 0)
		close(fd);
	mlv_buf_release(&path);
	mlv_spec_release(&spec);
	return ret;
}

/* The object a spec names, as the data to read. */
static int open_spec(struct datafile *df, struct mlv_ctx *ctx, mlv_csv_options *opts)
{
	char *name = NULL;
	int ret = datafile_spec_open(ctx, df->arg, &df->fd, &name);
	if (!ret)
		df->close_fd = 1;
	if (name)
		datafile_format_from_name(name, strlen(name), opts);
	free(name);
	return ret;
}

static int ends_with(const char *s, size_t len, const char *suffix)
{
	size_t n = strlen(suffix);
	return len >= n && !strncasecmp(s + len - n, suffix, n);
}

void datafile_format_from_name(const char *name, size_t len, mlv_csv_options *opts)
{
	if (ends_with(name, len, ".jsonl") || ends_with(name, len, ".ndjson"))
		opts->format = MLV_CSV_JSONL;
	else if (!opts->delimiter && (ends_with(name, len, ".tsv") || ends_with(name, len, ".tab")))
		opts->delimiter = '\t';
}

int datafile_open(struct datafile *df, struct mlv_ctx *ctx, const char *arg, char delimiter)
{
	mlv_csv_options opts;
	struct stat st;
	const char *at = strrchr(arg, '@');
	size_t len = at && at != arg ? (size_t)(at - arg) : strlen(arg);
	const mlv_csv_field *h;
	size_t n;
	int ret;

	memset(df, 0, sizeof(*df));
	df->arg = arg;
	df->fd = -1;
	memset(&opts, 0, sizeof(opts));
	opts.delimiter = delimiter;
	datafile_format_from_name(arg, len, &opts);

	if (!strcmp(arg, "-")) {
		df->fd = 0;
	} else if (stat(arg, &st) == 0) {
		if (S_ISDIR(st.st_mode))
			return mlv_die("cannot read '%s': is a directory", arg);
		if ((df->fd = open(arg, O_RDONLY | O_CLOEXEC)) < 0)
			return mlv_die("cannot read '%s': %s", arg, mlv_strerror(errno));
		df->close_fd = 1;
	} else if (errno != ENOENT && errno != ENOTDIR) {
		return mlv_die("cannot read '%s': %s", arg, mlv_strerror(errno));
	} else if ((ret = open_spec(df, ctx, &opts))) {
		return ret;
	}
	if (mlv_csv_open_fd(&df->rd, df->fd, arg, &opts))
		return mlv_die_lib();
	h = mlv_csv_header(df->rd);
	n = mlv_csv_ncols(df->rd);
	for (size_t i = 0; i < n; i++)
		for (size_t j = i + 1; j < n; j++)
			if (h[i].len == h[j].len && !memcmp(h[i].ptr, h[j].ptr, h[i].len))
				return mlv_die("'%s': the column name '%.*s' occurs twice", arg, (int)h[i].len, h[i].ptr);
	return 0;
}

void datafile_close(struct datafile *df)
{
	mlv_csv_free(df->rd);
	df->rd = NULL;
	if (df->close_fd && df->fd >= 0)
		close(df->fd);
	df->fd = -1;
	df->close_fd = 0;
}

int datafile_parse_delimiter(const char *s, char *out)
{
	if (!strcmp(s, "\\t") || !strcmp(s, "tab"))
		*out = '\t';
	else if (strlen(s) == 1 && s[0] != '"' && s[0] != '\n' && s[0] != '\r')
		*out = s[0];
	else
		return -1;
	return 0;
}

int datafile_is_missing(const char *s, size_t len)
{
	double v;
	return mlv_csv_is_missing(s, len) || (mlv_stats_parse_number(s, len, &v) && !isfinite(v));
}

int datafile_put_number(mlv_buf *b, double v)
{
	char tmp[40];
	if (!isfinite(v))
		return mlv_buf_puts(b, "null");
	if (v == floor(v) && fabs(v) < 1e15)
		return mlv_buf_printf(b, "%.0f", v == 0 ? 0.0 : v);
	for (int prec = 15; prec <= 17; prec++) {
		snprintf(tmp, sizeof(tmp), "%.*g", prec, v);
		if (strtod(tmp, NULL) == v)
			break;
	}
	return mlv_buf_puts(b, tmp);
}

/* ---- strset: open addressing, linear probing, FNV-1a ---- */

static uint64_t hash_bytes(const char *p, size_t len)
{
	uint64_t h = 0xcbf29ce484222325ull;
	for (size_t i = 0; i < len; i++) {
		h ^= (unsigned char)p[i];
		h *= 0x100000001b3ull;
	}
	return h;
}

static struct strset_entry *find_slot(struct strset_entry *slots, size_t cap, const char *p, size_t len, uint64_t h)
{
	for (size_t i = (size_t)h & (cap - 1);; i = (i + 1) & (cap - 1)) {
		struct strset_entry *e = &slots[i];
		if (!e->ptr || (e->hash == h && e->len == len && !memcmp(e->ptr, p, len)))
			return e;
	}
}

static int grow(struct strset *s)
{
	size_t cap = s->cap ? s->cap * 2 : 64;
	struct strset_entry *slots = calloc(cap, sizeof(*slots));
	if (!slots)
		return MLV_ENOMEM;
	for (size_t i = 0; i < s->cap; i++)
		if (s->slots[i].ptr)
			*find_slot(slots, cap, s->slots[i].ptr, s->slots[i].len, s->slots[i].hash) = s->slots[i];
	free(s->slots);
	s->slots = slots;
	s->cap = cap;
	return 0;
}

int strset_add(struct strset *s, const char *p, size_t len)
{
	uint64_t h = hash_bytes(p, len);
	struct strset_entry *e;

	if ((s->n + 1) * 10 > s->cap * 7 && grow(s))
		return MLV_ENOMEM;
	e = find_slot(s->slots, s->cap, p, len, h);
	if (e->ptr)
		return 0;
	if (!(e->ptr = malloc(len + 1)))
		return MLV_ENOMEM;
	memcpy(e->ptr, p, len);
	e->ptr[len] = '\0';
	e->len = len;
	e->hash = h;
	s->n++;
	return 1;
}

int strset_has(const struct strset *s, const char *p, size_t len)
{
	return s->cap && find_slot(s->slots, s->cap, p, len, hash_bytes(p, len))->ptr != NULL;
}

void strset_release(struct strset *s)
{
	for (size_t i = 0; i < s->cap; i++)
		free(s->slots[i].ptr);
	free(s->slots);
	memset(s, 0, sizeof(*s));
}
