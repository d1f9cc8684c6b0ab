/*
 * `mlv diff`: what changed in tracked data between two git revisions, or
 * between a revision and the pointer files of the work tree. It reads only
 * pointers (libgit2 at any revision), so it works without the data; the store,
 * when there is one, adds what is inside directories and CSV row counts.
 */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "commands.h"
#include "data.h"
#include "plumbing.h"
#include "mlv/csv.h"
#include "mlv/git.h"

static int opt_json;
static int opt_exit_code;

const struct mlv_option mlv_opts_diff[] = {
	MLV_OPT_BOOL(0, "exit-code", &opt_exit_code, "exit 1 when there are differences"),
	MLV_OPT_JSON(&opt_json),
	MLV_OPT_END()
};

const char *const mlv_usage_diff[] = {
	"mlv diff [--json] [--exit-code] [<rev> [<rev>]] [-- <path>...]",
	NULL
};

enum { ST_ADDED, ST_DELETED, ST_MODIFIED };
static const char *const status_names[] = { "added", "deleted", "modified" };

/* One pointer file of one side. */
struct entry {
	char *path;   /* the tracked path (the pointer's path without ".mlv") */
	char *data;
	size_t len;
};

struct side {
	const char *rev;     /* as given; NULL for the work tree */
	char commit[41];     /* "" for the work tree or a repository with no commit */
	struct entry *v;
	size_t n, alloc;
};

/* A file inside a tracked directory. */
struct file_change {
	char *path;
	int status;
	int has_old, has_new;
	mlv_tree_entry old, new;   /* name unused */
};

/* The row count of one version of a CSV/TSV file: -1 when not known. */
struct rows {
	long long n;
};

struct change {
	char *path;
	int status;
	int has_old, has_new;
	mlv_pointer old, new;
	int csv;                     /* .csv or .tsv */
	long long old_rows, new_rows;
	int dirs;                    /* a directory on either side */
	struct file_change *files;   /* dirs: NULL with files_error set when not compared */
	size_t nfiles, afiles;
	char *files_error;
};

struct diff_result {
	struct side old, new;
	struct change *v;
	size_t n, alloc;
};

struct diff_ctx {
	mlv_repo *repo;
	mlv_store *st;           /* NULL when there is no store */
	char **specs;            /* path limits, relative to the root; "" is everything */
	int nspecs;
	int oom;
};

/* ---- collecting the pointers of a side ---- */

/* Does PATH fall under a limit (or a limit inside the tracked directory PATH)? */
static int path_selected(const struct diff_ctx *d, const char *path)
{
	if (d->nspecs == 0)
		return 1;
	for (int i = 0; i < d->nspecs; i++) {
		const char *s = d->specs[i];
		size_t ns = strlen(s), np = strlen(path);
		if (!*s || !strcmp(s, path))
			return 1;
		if (np > ns && !strncmp(path, s, ns) && path[ns] == '/')
			return 1;
		if (ns > np && !strncmp(s, path, np) && s[np] == '/')
			return 1;
	}
	return 0;
}

struct collect {
	struct diff_ctx *d;
	struct side *side;
};

static int collect_pointer(void *payload, const char *relpath, const char *data, size_t len)
{
	struct collect *c = payload;
	struct side *s = c->side;
	size_t n = strlen(relpath) - strlen(MLV_POINTER_EXT);
	struct entry *e;

	if (s->n == s->alloc) {
		size_t na = s->alloc ? s->alloc * 2 : 64;
		struct entry *nv = realloc(s->v, na * sizeof(*nv));
		if (!nv)
			return mlv_error_set(MLV_ENOMEM, "out of memory");
		s->v = nv;
		s->alloc = na;
	}
	e = &s->v[s->n];
	if (!(e->path = strndup(relpath, n)))
		return mlv_error_set(MLV_ENOMEM, "out of memory");
	if (!path_selected(c->d, e->path)) {
		free(e->path);
		return 0;
	}
	if (!(e->data = malloc(len + 1))) {
		free(e->path);
		return mlv_error_set(MLV_ENOMEM, "out of memory");
	}
	memcpy(e->data, data, len);
	e->data[len] = '\0';
	e->len = len;
	s->n++;
	return 0;
}

static int entry_cmp(const void *a, const void *b)
{
	return strcmp(((const struct entry *)a)->path, ((const struct entry *)b)->path);
}

static int load_side(struct diff_ctx *d, struct side *s)
{
	struct collect c = { d, s };
	int rc;

	if (s->rev) {
		if (s->commit[0])
			rc = mlv_repo_pointers_at(d->repo, s->commit, collect_pointer, &c);
		else
			rc = 0;  /* HEAD of a repository with no commit yet: nothing tracked */
	} else {
		rc = mlv_repo_pointers_worktree(d->repo, collect_pointer, &c);
	}
	if (rc == 0 && s->n > 1)
		qsort(s->v, s->n, sizeof(*s->v), entry_cmp);
	return rc;
}

static void side_release(struct side *s)
{
	for (size_t i = 0; i < s->n; i++) {
		free(s->v[i].path);
		free(s->v[i].data);
	}
	free(s->v);
}

/* Parse E's pointer; messages name it "<rev>:<path>.mlv" (or the work-tree path). */
static int parse_entry(mlv_pointer *out, const struct side *s, const struct entry *e)
{
	char *what = NULL;
	int rc;

	if (asprintf(&what, "%s%s%s%s", s->rev ? s->rev : "", s->rev ? ":" : "", e->path,
			MLV_POINTER_EXT) < 0)
		return mlv_error_set(MLV_ENOMEM, "out of memory");
	rc = mlv_pointer_parse(out, e->data, e->len, what);
	free(what);
	return rc;
}

/* ---- CSV rows: the object streams through a pipe into the one CSV reader ---- */

struct pump {
	mlv_store *st;
	mlv_oid oid;
	int fd;
	int rc;
	char msg[512];
};

static int pump_sink(void *payload, const void *data, size_t len)
{
	struct pump *p = payload;
	const char *b = data;

	while (len > 0) {
		ssize_t n = write(p->fd, b, len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return mlv_error_set_errno(MLV_EIO, errno, "cannot pass data to the CSV reader");
		b += n;
		len -= (size_t)n;
	}
	return 0;
}

static void *pump_main(void *arg)
{
	struct pump *p = arg;

	p->rc = mlv_object_read(p->st, &p->oid, pump_sink, p);
	if (p->rc)
		snprintf(p->msg, sizeof(p->msg), "%s", mlv_error_last());
	close(p->fd);
	return NULL;
}

/* The data rows (the header not counted) of a CSV/TSV object; -1 when not known. */
static long long count_rows(struct diff_ctx *d, const mlv_pointer *p, const char *path)
{
	mlv_objinfo info;
	mlv_csv_options opts;
	mlv_csv *csv = NULL;
	struct pump pump;
	pthread_t th;
	const mlv_csv_field *fields;
	char buf[65536];
	long long rows = 0;
	int fds[2], rc;
	size_t plen = strlen(path);

	if (!d->st || p->kind != MLV_PTR_FILE)
		return -1;
	if (mlv_object_info(d->st, &p->oid, &info) != 0) {
		mlv_error_clear();
		return -1;
	}
	if (info.size == 0)
		return 0;
	if (pipe(fds) != 0) {
		mlv_warn("cannot count the rows of '%s': %s", path, mlv_strerror(errno));
		return -1;
	}
	memset(&pump, 0, sizeof(pump));
	pump.st = d->st;
	pump.oid = p->oid;
	pump.fd = fds[1];
	if (pthread_create(&th, NULL, pump_main, &pump) != 0) {
		close(fds[0]);
		close(fds[1]);
		mlv_warn("cannot count the rows of '%s': cannot start a thread", path);
		return -1;
	}
	memset(&opts, 0, sizeof(opts));
	opts.format = MLV_CSV_DELIMITED;
	opts.delimiter = plen > 4 && !strcasecmp(path + plen - 4, ".tsv") ? '\t' : ',';
	opts.flags = MLV_CSV_NO_UTF8_CHECK;
	if ((rc = mlv_csv_open_fd(&csv, fds[0], path, &opts)) == 0)
		while ((rc = mlv_csv_next(csv, &fields)) == 1)
			rows++;
	if (rc < 0) {
		mlv_warn("cannot count the rows of '%s': %s", path, mlv_error_last());
		rows = -1;
	}
	mlv_csv_free(csv);
	/* Let the pump finish whatever the reader left unread, so it never blocks. */
	for (;;) {
		ssize_t n = read(fds[0], buf, sizeof(buf));
		if (n > 0 || (n < 0 && errno == EINTR))
			continue;
		break;
	}
	pthread_join(th, NULL);
	close(fds[0]);
	if (pump.rc) {
		if (rows >= 0)
			mlv_warn("cannot count the rows of '%s': %s", path, pump.msg);
		rows = -1;
	}
	return rows;
}

/* ---- comparing directories ---- */

static int add_file(struct change *c, const char *prefix, const mlv_tree_entry *a, const mlv_tree_entry *b)
{
	struct file_change *f;

	if (c->nfiles == c->afiles) {
		size_t n = c->afiles ? c->afiles * 2 : 16;
		struct file_change *nv = realloc(c->files, n * sizeof(*nv));
		if (!nv)
			return mlv_error_set(MLV_ENOMEM, "out of memory");
		c->files = nv;
		c->afiles = n;
	}
	f = &c->files[c->nfiles];
	memset(f, 0, sizeof(*f));
	if (asprintf(&f->path, "%s/%s", prefix, (a ? a : b)->name) < 0) {
		f->path = NULL;
		return mlv_error_set(MLV_ENOMEM, "out of memory");
	}
	f->status = a && b ? ST_MODIFIED : a ? ST_DELETED : ST_ADDED;
	if ((f->has_old = a != NULL))
		f->old = *a;
	if ((f->has_new = b != NULL))
		f->new = *b;
	f->old.name = f->new.name = NULL;
	c->nfiles++;
	return 0;
}

static int tree_diff(struct diff_ctx *d, struct change *c, const mlv_oid *a, const mlv_oid *b,
	const char *prefix);

/* One name present on one side or both (A, B may be NULL). */
static int entry_diff(struct diff_ctx *d, struct change *c, const char *prefix,
	const mlv_tree_entry *a, const mlv_tree_entry *b)
{
	const char *name = (a ? a : b)->name;
	int adir = a && a->mode == MLV_MODE_TREE, bdir = b && b->mode == MLV_MODE_TREE;
	char *sub = NULL;
	int rc = 0;

	if (a && b && a->mode == b->mode && !mlv_oid_cmp(&a->oid, &b->oid))
		return 0;
	if (asprintf(&sub, "%s/%s", prefix, name) < 0)
		return mlv_error_set(MLV_ENOMEM, "out of memory");
	if (!path_selected(d, sub))
		goto done;
	if (adir || bdir) {
		/* A file that became a directory (or the reverse) is one deleted and many added. */
		if (a && !adir && (rc = add_file(c, prefix, a, NULL)) != 0)
			goto done;
		if ((rc = tree_diff(d, c, adir ? &a->oid : NULL, bdir ? &b->oid : NULL, sub)) != 0)
			goto done;
		if (b && !bdir)
			rc = add_file(c, prefix, NULL, b);
	} else {
		rc = add_file(c, prefix, a, b);
	}
done:
	free(sub);
	return rc;
}

/*
 * Compare trees A and B (NULL: empty) below PREFIX into C->files. 1 when a
 * tree is not in the store (C->files_error says which), < 0 on error.
 */
static int tree_diff(struct diff_ctx *d, struct change *c, const mlv_oid *a, const mlv_oid *b,
	const char *prefix)
{
	mlv_tree *ta = NULL, *tb = NULL;
	size_t i = 0, j = 0;
	int rc = 0;

	for (int k = 0; k < 2; k++) {
		const mlv_oid *id = k ? b : a;
		mlv_tree **t = k ? &tb : &ta;
		char hex[MLV_OID_HEXSZ + 1];
		if (!id)
			continue;
		rc = mlv_tree_read(t, d->st, id);
		if (rc == MLV_ENOTFOUND) {
			mlv_error_clear();
			if (asprintf(&c->files_error, "tree %s of '%s' is not in the store", mlv_oid_fmt(hex, id),
					prefix) < 0)
				c->files_error = NULL;
			rc = 1;
			goto done;
		}
		if (rc)
			goto done;
	}
	while (rc == 0 && (i < (ta ? ta->n : 0) || j < (tb ? tb->n : 0))) {
		const mlv_tree_entry *ea = ta && i < ta->n ? &ta->entries[i] : NULL;
		const mlv_tree_entry *eb = tb && j < tb->n ? &tb->entries[j] : NULL;
		int cmp = !ea ? 1 : !eb ? -1 : strcmp(ea->name, eb->name);
		if (cmp < 0) {
			rc = entry_diff(d, c, prefix, ea, NULL);
			i++;
		} else if (cmp > 0) {
			rc = entry_diff(d, c, prefix, NULL, eb);
			j++;
		} else {
			rc = entry_diff(d, c, prefix, ea, eb);
			i++;
			j++;
		}
	}
done:
	mlv_tree_free(ta);
	mlv_tree_free(tb);
	return rc;
}

/* ---- the comparison ---- */

static int is_csv(const char *path)
{
	size_t n = strlen(path);
	return n > 4 && (!strcasecmp(path + n - 4, ".csv") || !strcasecmp(path + n - 4, ".tsv"));
}

static int pointers_equal(const mlv_pointer *a, const mlv_pointer *b)
{
	return a->kind == b->kind && !mlv_oid_cmp(&a->oid, &b->oid) && a->size == b->size &&
		a->files == b->files;
}

static int add_change(struct diff_ctx *d, struct diff_result *r, const struct entry *ea,
	const struct entry *eb)
{
	struct change c;
	int rc;

	/* The same bytes: unchanged, and not parsed (a bad pointer fails only what it touches). */
	if (ea && eb && ea->len == eb->len && !memcmp(ea->data, eb->data, ea->len))
		return 0;
	memset(&c, 0, sizeof(c));
	c.old_rows = c.new_rows = -1;
	if (ea && (rc = parse_entry(&c.old, &r->old, ea)) != 0)
		return rc;
	if (eb && (rc = parse_entry(&c.new, &r->new, eb)) != 0)
		return rc;
	c.has_old = ea != NULL;
	c.has_new = eb != NULL;
	if (ea && eb && pointers_equal(&c.old, &c.new))
		return 0;
	c.status = ea && eb ? ST_MODIFIED : ea ? ST_DELETED : ST_ADDED;
	if (!(c.path = strdup((ea ? ea : eb)->path)))
		return mlv_error_set(MLV_ENOMEM, "out of memory");
	if ((c.csv = is_csv(c.path))) {
		if (c.has_old)
			c.old_rows = count_rows(d, &c.old, c.path);
		if (c.has_new)
			c.new_rows = count_rows(d, &c.new, c.path);
	}
	/* A directory on either side: the files inside it that were added, deleted or modified. */
	int adir = c.has_old && c.old.kind == MLV_PTR_DIR, bdir = c.has_new && c.new.kind == MLV_PTR_DIR;
	if (adir || bdir) {
		c.dirs = 1;
		if (!d->st)
			c.files_error = strdup("no mlv store: the files inside are not compared");
		else if ((rc = tree_diff(d, &c, adir ? &c.old.oid : NULL, bdir ? &c.new.oid : NULL, c.path)) < 0)
			goto fail;
		if (rc == 1 || !d->st) {
			for (size_t i = 0; i < c.nfiles; i++)
				free(c.files[i].path);
			free(c.files);
			c.files = NULL;
			c.nfiles = 0;
			if (!c.files_error) {
				rc = mlv_error_set(MLV_ENOMEM, "out of memory");
				goto fail;
			}
		}
	}
	if (r->n == r->alloc) {
		size_t n = r->alloc ? r->alloc * 2 : 32;
		struct change *nv = realloc(r->v, n * sizeof(*nv));
		if (!nv) {
			rc = mlv_error_set(MLV_ENOMEM, "out of memory");
			goto fail;
		}
		r->v = nv;
		r->alloc = n;
	}
	r->v[r->n++] = c;
	return 0;
fail:
	for (size_t i = 0; i < c.nfiles; i++)
		free(c.files[i].path);
	free(c.files);
	free(c.files_error);
	free(c.path);
	return rc;
}

static int compare(struct diff_ctx *d, struct diff_result *r)
{
	size_t i = 0, j = 0;
	int rc = 0;

	while (rc == 0 && (i < r->old.n || j < r->new.n)) {
		const struct entry *ea = i < r->old.n ? &r->old.v[i] : NULL;
		const struct entry *eb = j < r->new.n ? &r->new.v[j] : NULL;
		int cmp = !ea ? 1 : !eb ? -1 : strcmp(ea->path, eb->path);
		if (cmp < 0) {
			rc = add_change(d, r, ea, NULL);
			i++;
		} else if (cmp > 0) {
			rc = add_change(d, r, NULL, eb);
			j++;
		} else {
			rc = add_change(d, r, ea, eb);
			i++;
			j++;
		}
	}
	return rc;
}

static void result_release(struct diff_result *r)
{
	side_release(&r->old);
	side_release(&r->new);
	for (size_t i = 0; i < r->n; i++) {
		for (size_t k = 0; k < r->v[i].nfiles; k++)
			free(r->v[i].files[k].path);
		free(r->v[i].files);
		free(r->v[i].files_error);
		free(r->v[i].path);
	}
	free(r->v);
}

/* ---- output ---- */

static int put_sizes(mlv_buf *out, int has_old, uint64_t a, int has_new, uint64_t b, const char *unit)
{
	if (has_old && has_new)
		return mlv_buf_printf(out, "%llu -> %llu %s", (unsigned long long)a, (unsigned long long)b, unit);
	return mlv_buf_printf(out, "%llu %s", (unsigned long long)(has_old ? a : b), unit);
}

static int put_ids(mlv_buf *out, int has_old, const mlv_oid *a, int has_new, const mlv_oid *b)
{
	char s1[24], s2[24];

	if (has_old && has_new)
		return mlv_buf_printf(out, "  (%s -> %s)\n", data_short_id(a, s1), data_short_id(b, s2));
	return mlv_buf_printf(out, "  (%s)\n", data_short_id(has_old ? a : b, s1));
}

static int print_human(const struct diff_result *r)
{
	mlv_buf out = MLV_BUF_INIT;
	int err = 0, ret;

	for (size_t i = 0; i < r->n; i++) {
		const struct change *c = &r->v[i];
		int dir = (c->has_old ? c->old.kind : c->new.kind) == MLV_PTR_DIR;
		err |= mlv_buf_printf(&out, "%-9s ", status_names[c->status]);
		err |= plumb_put_path(&out, c->path);
		err |= mlv_buf_puts(&out, dir ? "/  " : "  ");
		if (c->has_old && c->has_new && c->old.kind != c->new.kind)
			err |= mlv_buf_printf(&out, "%s -> %s, ", mlv_ptr_kind_name(c->old.kind),
				mlv_ptr_kind_name(c->new.kind));
		if (dir && c->has_old && c->has_new && c->old.kind == c->new.kind) {
			err |= put_sizes(&out, 1, c->old.files, 1, c->new.files, "files");
			err |= mlv_buf_puts(&out, ", ");
		} else if (dir) {
			err |= put_sizes(&out, c->has_old, c->old.files, c->has_new, c->new.files, "files");
			err |= mlv_buf_puts(&out, ", ");
		}
		err |= put_sizes(&out, c->has_old, c->old.size, c->has_new, c->new.size, "bytes");
		if (c->csv && (c->has_old ? c->old_rows >= 0 : 1) && (c->has_new ? c->new_rows >= 0 : 1)) {
			err |= mlv_buf_puts(&out, ", ");
			err |= put_sizes(&out, c->has_old, (uint64_t)c->old_rows, c->has_new,
				(uint64_t)c->new_rows, "rows");
		}
		err |= put_ids(&out, c->has_old, &c->old.oid, c->has_new, &c->new.oid);
		for (size_t k = 0; k < c->nfiles; k++) {
			const struct file_change *f = &c->files[k];
			err |= mlv_buf_printf(&out, "    %-9s ", status_names[f->status]);
			err |= plumb_put_path(&out, f->path);
			err |= mlv_buf_puts(&out, "  ");
			err |= put_sizes(&out, f->has_old, f->old.size, f->has_new, f->new.size, "bytes");
			err |= mlv_buf_putc(&out, '\n');
		}
		if (c->files_error)
			err |= mlv_buf_printf(&out, "    (%s: the files inside are not compared)\n", c->files_error);
	}
	ret = err ? mlv_die("out of memory") : plumb_write_stdout(out.ptr, out.size);
	mlv_buf_release(&out);
	return ret;
}

static int put_json_str(mlv_buf *out, const char *s)
{
	return s ? mlv_buf_put_json_string(out, s, strlen(s)) : mlv_buf_puts(out, "null");
}

static int put_json_side(mlv_buf *out, const struct side *s)
{
	int err = 0;

	err |= mlv_buf_puts(out, "{\"rev\":");
	err |= put_json_str(out, s->rev);
	err |= mlv_buf_puts(out, ",\"commit\":");
	err |= put_json_str(out, s->commit[0] ? s->commit : NULL);
	err |= mlv_buf_printf(out, ",\"worktree\":%s}", s->rev ? "false" : "true");
	return err;
}

static int put_json_pointer(mlv_buf *out, int has, const mlv_pointer *p, int csv, long long rows)
{
	int err = 0;

	if (!has)
		return mlv_buf_puts(out, "null");
	err |= mlv_buf_printf(out, "{\"kind\":\"%s\",\"oid\":", mlv_ptr_kind_name(p->kind));
	err |= plumb_put_json_oid(out, &p->oid);
	err |= mlv_buf_printf(out, ",\"size\":%llu", (unsigned long long)p->size);
	if (p->kind == MLV_PTR_DIR)
		err |= mlv_buf_printf(out, ",\"files\":%llu", (unsigned long long)p->files);
	if (csv)
		err |= rows >= 0 ? mlv_buf_printf(out, ",\"rows\":%lld", rows) : mlv_buf_puts(out, ",\"rows\":null");
	err |= mlv_buf_putc(out, '}');
	return err;
}

static int put_json_entry(mlv_buf *out, int has, const mlv_tree_entry *e)
{
	int err = 0;

	if (!has)
		return mlv_buf_puts(out, "null");
	err |= mlv_buf_puts(out, "{\"oid\":");
	err |= plumb_put_json_oid(out, &e->oid);
	err |= mlv_buf_printf(out, ",\"size\":%llu,\"mode\":\"%06o\"}", (unsigned long long)e->size,
		(unsigned)e->mode);
	return err;
}

static int print_json(const struct diff_result *r)
{
	mlv_buf out = MLV_BUF_INIT;
	int err = 0, ret;

	err |= mlv_buf_puts(&out, "{\"schema\":\"mlv.diff/1\",\"old\":");
	err |= put_json_side(&out, &r->old);
	err |= mlv_buf_puts(&out, ",\"new\":");
	err |= put_json_side(&out, &r->new);
	err |= mlv_buf_puts(&out, ",\"changes\":[");
	for (size_t i = 0; i < r->n; i++) {
		const struct change *c = &r->v[i];
		err |= mlv_buf_puts(&out, i ? ",{\"path\":" : "{\"path\":");
		err |= put_json_str(&out, c->path);
		err |= mlv_buf_printf(&out, ",\"status\":\"%s\",\"old\":", status_names[c->status]);
		err |= put_json_pointer(&out, c->has_old, &c->old, c->csv, c->old_rows);
		err |= mlv_buf_puts(&out, ",\"new\":");
		err |= put_json_pointer(&out, c->has_new, &c->new, c->csv, c->new_rows);
		if (c->dirs) {
			err |= mlv_buf_puts(&out, ",\"files\":");
			if (c->files_error) {
				err |= mlv_buf_puts(&out, "null,\"files_error\":");
				err |= put_json_str(&out, c->files_error);
			} else {
				err |= mlv_buf_putc(&out, '[');
				for (size_t k = 0; k < c->nfiles; k++) {
					const struct file_change *f = &c->files[k];
					err |= mlv_buf_puts(&out, k ? ",{\"path\":" : "{\"path\":");
					err |= put_json_str(&out, f->path);
					err |= mlv_buf_printf(&out, ",\"status\":\"%s\",\"old\":", status_names[f->status]);
					err |= put_json_entry(&out, f->has_old, &f->old);
					err |= mlv_buf_puts(&out, ",\"new\":");
					err |= put_json_entry(&out, f->has_new, &f->new);
					err |= mlv_buf_putc(&out, '}');
				}
				err |= mlv_buf_putc(&out, ']');
			}
		}
		err |= mlv_buf_putc(&out, '}');
	}
	err |= mlv_buf_puts(&out, "]}\n");
	ret = err ? mlv_die("out of memory") : plumb_write_stdout(out.ptr, out.size);
	mlv_buf_release(&out);
	return ret;
}

/* ---- the command ---- */

/* Open the store quietly when there is one: diff works from pointers alone. */
static void open_store_if_any(struct mlv_ctx *ctx)
{
	char *dir = NULL;

	if (ctx->store)
		return;
	if (!ctx->mlvdir) {
		if (mlv_store_discover(&dir, ctx->cwd) != 0) {
			mlv_error_clear();
			return;
		}
		ctx->mlvdir = dir;
	}
	if (mlv_store_open(&ctx->store, ctx->mlvdir) != 0) {
		mlv_warn("%s; comparing pointers only", mlv_error_last());
		ctx->store = NULL;
	}
}

/* Resolve a side's revision to its commit; HEAD with no commit yet is empty. */
static int resolve_side(struct diff_ctx *d, struct side *s, int is_default_head)
{
	int rc;

	if (!s->rev)
		return 0;
	if (is_default_head) {
		rc = mlv_repo_head(d->repo, s->commit, NULL);
		if (rc == MLV_ENOTFOUND) {
			mlv_error_clear();
			s->commit[0] = '\0';
			return 0;
		}
		return rc;
	}
	return mlv_repo_resolve(d->repo, s->rev, s->commit);
}

int cmd_diff(int argc, const char **argv, struct mlv_ctx *ctx)
{
	struct diff_result r;
	struct diff_ctx d;
	int dashdash = -1, nargs, npaths = 0, rc = 0, ret = MLV_EXIT_FATAL;

	memset(&r, 0, sizeof(r));
	memset(&d, 0, sizeof(d));
	/* The parser drops "--"; what follows it are paths, not revisions. */
	for (int i = 1; i < argc; i++)
		if (!strcmp(argv[i], "--")) {
			dashdash = i;
			break;
		}
	nargs = mlv_parse_options(dashdash >= 0 ? dashdash : argc, argv, mlv_opts_diff, mlv_usage_diff);
	if (nargs < 0)
		return MLV_EXIT_USAGE;
	if (nargs > 2) {
		mlv_usage_print(stderr, mlv_usage_diff, mlv_opts_diff);
		return MLV_EXIT_USAGE;
	}
	if (dashdash >= 0)
		npaths = argc - dashdash - 1;
	r.old.rev = nargs >= 1 ? argv[0] : "HEAD";
	r.new.rev = nargs == 2 ? argv[1] : NULL;

	if ((rc = mlv_repo_open(&d.repo, ctx->cwd)) != 0)
		goto done;
	if (npaths && !(d.specs = calloc((size_t)npaths, sizeof(*d.specs)))) {
		ret = mlv_die("out of memory");
		goto done;
	}
	for (int i = 0; i < npaths; i++, d.nspecs++) {
		size_t n;
		if ((rc = mlv_repo_relpath(d.repo, ctx->cwd, argv[dashdash + 1 + i], &d.specs[i])) != 0)
			goto done;
		n = strlen(d.specs[i]);
		if (n > strlen(MLV_POINTER_EXT) && !strcmp(d.specs[i] + n - strlen(MLV_POINTER_EXT), MLV_POINTER_EXT))
			d.specs[i][n - strlen(MLV_POINTER_EXT)] = '\0';
	}
	if ((rc = resolve_side(&d, &r.old, nargs == 0)) != 0 || (rc = resolve_side(&d, &r.new, 0)) != 0)
		goto done;
	open_store_if_any(ctx);
	d.st = ctx->store;
	if ((rc = load_side(&d, &r.old)) != 0 || (rc = load_side(&d, &r.new)) != 0)
		goto done;
	if ((rc = compare(&d, &r)) != 0)
		goto done;
	ret = opt_json ? print_json(&r) : print_human(&r);
	if (ret == MLV_EXIT_OK && opt_exit_code && r.n > 0)
		ret = MLV_EXIT_NO;

done:
	if (rc)
		ret = mlv_die_lib();
	for (int i = 0; i < d.nspecs; i++)
		free(d.specs[i]);
	free(d.specs);
	mlv_repo_free(d.repo);
	result_release(&r);
	return ret;
}
