/*
 * `mlv log`: the versions of one tracked path through git history, newest
 * first: each commit that changed its pointer file, with the data's id and
 * size as of that commit.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "commands.h"
#include "data.h"
#include "plumbing.h"
#include "mlv/git.h"

static int opt_json;
static long opt_max = -1;

const struct mlv_option mlv_opts_log[] = {
	MLV_OPT_INT('n', "max-count", &opt_max, "n", "show at most <n> versions"),
	MLV_OPT_JSON(&opt_json),
	MLV_OPT_END()
};

const char *const mlv_usage_log[] = {
	"mlv log [--json] [-n <n>] <path>",
	NULL
};

struct version {
	char commit[41];
	char *author, *email, *subject;
	int64_t time;
	int tz_minutes;
	int deleted;          /* the commit removed the pointer */
	mlv_pointer ptr;
};

struct log_result {
	char *path;           /* relative to the work tree root */
	struct version *v;
	size_t n, alloc;
};

static int collect(void *payload, const mlv_repo_commit *c, const char *data, size_t len)
{
	struct log_result *r = payload;
	struct version *v;
	int rc = 0;

	if (r->n == r->alloc) {
		size_t n = r->alloc ? r->alloc * 2 : 16;
		struct version *nv = realloc(r->v, n * sizeof(*nv));
		if (!nv)
			return mlv_error_set(MLV_ENOMEM, "out of memory");
		r->v = nv;
		r->alloc = n;
	}
	v = &r->v[r->n];
	memset(v, 0, sizeof(*v));
	memcpy(v->commit, c->id, sizeof(v->commit));
	v->time = c->time;
	v->tz_minutes = c->tz_minutes;
	if (data) {
		/* A pointer that does not parse is named with the commit it is in. */
		char *what = NULL;
		if (asprintf(&what, "%.12s:%s%s", c->id, r->path, MLV_POINTER_EXT) < 0)
			return mlv_error_set(MLV_ENOMEM, "out of memory");
		rc = mlv_pointer_parse(&v->ptr, data, len, what);
		free(what);
		if (rc)
			return rc;
	} else {
		v->deleted = 1;
	}
	v->author = strdup(c->author);
	v->email = strdup(c->email);
	v->subject = strdup(c->subject);
	r->n++;
	if (!v->author || !v->email || !v->subject)
		return mlv_error_set(MLV_ENOMEM, "out of memory");
	return 0;
}

/* ISO 8601 in the author's time zone: 2024-03-03T14:00:00+01:00 (64 bytes: room for any year). */
static void iso_date(char out[64], int64_t t, int tz_minutes)
{
	time_t local = (time_t)(t + (int64_t)tz_minutes * 60);
	struct tm tm;
	int off = (tz_minutes < 0 ? -tz_minutes : tz_minutes) % (100 * 60);

	gmtime_r(&local, &tm);
	snprintf(out, 64, "%04d-%02d-%02dT%02d:%02d:%02d%c%02d:%02d", tm.tm_year + 1900, tm.tm_mon + 1,
		tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, tz_minutes < 0 ? '-' : '+', off / 60, off % 60);
}

static int print_human(const struct log_result *r)
{
	mlv_buf out = MLV_BUF_INIT;
	int err = 0, ret;

	for (size_t i = 0; i < r->n; i++) {
		const struct version *v = &r->v[i];
		char date[64], hex[MLV_OID_HEXSZ + 1];
		iso_date(date, v->time, v->tz_minutes);
		err |= mlv_buf_printf(&out, "%scommit %s\nAuthor: %s <%s>\nDate:   %s\n", i ? "\n" : "",
			v->commit, v->author, v->email, date);
		if (v->deleted)
			err |= mlv_buf_puts(&out, "Data:   (deleted)\n");
		else
		{
			err |= mlv_buf_printf(&out, "Data:   %s sha256:%s %llu bytes",
				mlv_ptr_kind_name(v->ptr.kind), mlv_oid_fmt(hex, &v->ptr.oid),
				(unsigned long long)v->ptr.size);
			if (v->ptr.kind == MLV_PTR_DIR)
				err |= mlv_buf_printf(&out, ", %llu files", (unsigned long long)v->ptr.files);
			err |= mlv_buf_putc(&out, '\n');
		}
		err |= mlv_buf_printf(&out, "\n    %s\n", v->subject);
	}
	ret = err ? mlv_die("out of memory") : plumb_write_stdout(out.ptr, out.size);
	mlv_buf_release(&out);
	return ret;
}

static int print_json(const struct log_result *r)
{
	mlv_buf out = MLV_BUF_INIT;
	int err = 0, ret;

	err |= mlv_buf_puts(&out, "{\"schema\":\"mlv.log/1\",\"path\":");
	err |= mlv_buf_put_json_string(&out, r->path, strlen(r->path));
	err |= mlv_buf_puts(&out, ",\"versions\":[");
	for (size_t i = 0; i < r->n; i++) {
		const struct version *v = &r->v[i];
		char date[64];
		iso_date(date, v->time, v->tz_minutes);
		err |= mlv_buf_printf(&out, "%s{\"commit\":\"%s\",\"author\":", i ? "," : "", v->commit);
		err |= mlv_buf_put_json_string(&out, v->author, strlen(v->author));
		err |= mlv_buf_puts(&out, ",\"email\":");
		err |= mlv_buf_put_json_string(&out, v->email, strlen(v->email));
		err |= mlv_buf_printf(&out, ",\"date\":\"%s\",\"time\":%lld,\"subject\":", date, (long long)v->time);
		err |= mlv_buf_put_json_string(&out, v->subject, strlen(v->subject));
		if (v->deleted) {
			err |= mlv_buf_puts(&out, ",\"deleted\":true,\"kind\":null,\"oid\":null,\"size\":null}");
			continue;
		}
		err |= mlv_buf_printf(&out, ",\"deleted\":false,\"kind\":\"%s\",\"oid\":",
			mlv_ptr_kind_name(v->ptr.kind));
		err |= plumb_put_json_oid(&out, &v->ptr.oid);
		err |= mlv_buf_printf(&out, ",\"size\":%llu", (unsigned long long)v->ptr.size);
		if (v->ptr.kind == MLV_PTR_DIR)
			err |= mlv_buf_printf(&out, ",\"files\":%llu", (unsigned long long)v->ptr.files);
		err |= mlv_buf_putc(&out, '}');
	}
	err |= mlv_buf_puts(&out, "]}\n");
	ret = err ? mlv_die("out of memory") : plumb_write_stdout(out.ptr, out.size);
	mlv_buf_release(&out);
	return ret;
}

int cmd_log(int argc, const char **argv, struct mlv_ctx *ctx)
{
	struct log_result r;
	mlv_repo *repo = NULL;
	char *ptrpath = NULL;
	int nargs, rc = 0, ret = MLV_EXIT_FATAL;
	size_t n;

	memset(&r, 0, sizeof(r));
	nargs = mlv_parse_options(argc, argv, mlv_opts_log, mlv_usage_log);
	if (nargs < 0)
		return MLV_EXIT_USAGE;
	if (nargs != 1) {
		mlv_usage_print(stderr, mlv_usage_log, mlv_opts_log);
		return MLV_EXIT_USAGE;
	}
	if (opt_max < -1 || opt_max > 0x7fffffff) {
		mlv_die("invalid -n value %ld (expected a count of versions)", opt_max);
		return MLV_EXIT_USAGE;
	}
	if ((rc = mlv_repo_open(&repo, ctx->cwd)) != 0)
		goto done;
	if ((rc = mlv_repo_relpath(repo, ctx->cwd, argv[0], &r.path)) != 0)
		goto done;
	n = strlen(r.path);
	if (n > strlen(MLV_POINTER_EXT) && !strcmp(r.path + n - strlen(MLV_POINTER_EXT), MLV_POINTER_EXT))
		r.path[n - strlen(MLV_POINTER_EXT)] = '\0';
	if (!*r.path) {
		ret = mlv_die("'%s' is the work tree itself; name a tracked path", argv[0]);
		goto done;
	}
	if (asprintf(&ptrpath, "%s%s", r.path, MLV_POINTER_EXT) < 0) {
		ptrpath = NULL;
		ret = mlv_die("out of memory");
		goto done;
	}
	if (opt_max != 0 &&
	    (rc = mlv_repo_log(repo, ptrpath, opt_max < 0 ? 0 : (int)opt_max, collect, &r)) != 0)
		goto done;
	if (r.n == 0 && opt_max != 0) {
		ret = mlv_die("'%s' was never tracked in the history of HEAD (no commit has '%s')",
			r.path, ptrpath);
		goto done;
	}
	ret = opt_json ? print_json(&r) : print_human(&r);

done:
	if (rc)
		ret = mlv_die_lib();
	for (size_t i = 0; i < r.n; i++) {
		free(r.v[i].author);
		free(r.v[i].email);
		free(r.v[i].subject);
	}
	free(r.v);
	free(r.path);
	free(ptrpath);
	mlv_repo_free(repo);
	return ret;
}
