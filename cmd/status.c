/*
 * `mlv status`: how tracked data differs from its pointers: modified,
 * missing, type-changed, files added or deleted inside tracked directories,
 * and pointers whose data the store lacks. Silent when clean.
 */
#include <stdlib.h>
#include <string.h>
#include "data.h"

static int opt_json;
static int opt_exit_code;

const struct mlv_option mlv_opts_status[] = {
	MLV_OPT_BOOL(0, "exit-code", &opt_exit_code, "exit 1 when anything differs"),
	MLV_OPT_JSON(&opt_json),
	MLV_OPT_END()
};

const char *const mlv_usage_status[] = {
	"mlv status [--exit-code] [--json] [<path>...]",
	NULL
};

struct change {
	char *path;
	mlv_change change;
};

struct status_result {
	struct change *v;
	size_t n, alloc;
	const char *within;  /* the target being checked limits to this path */
	int oom;
};

static int collect(void *payload, const char *path, mlv_change change)
{
	struct status_result *r = payload;
	if (r->within) {
		size_t n = strlen(r->within), m = strlen(path);
		/* what is at or below WITHIN, or a change above it that takes it away */
		int below = !strncmp(path, r->within, n) && (!path[n] || path[n] == '/');
		int above = m < n && !strncmp(path, r->within, m) && r->within[m] == '/';
		if (!below && !above)
			return 0;
	}
	if (r->n == r->alloc) {
		size_t n = r->alloc ? r->alloc * 2 : 32;
		struct change *nv = realloc(r->v, n * sizeof(*nv));
		if (!nv) {
			r->oom = 1;
			return 0;
		}
		r->v = nv;
		r->alloc = n;
	}
	if (!(r->v[r->n].path = strdup(path))) {
		r->oom = 1;
		return 0;
	}
	r->v[r->n++].change = change;
	return 0;
}

static int print_human(const struct status_result *r)
{
	for (size_t i = 0; i < r->n; i++)
		printf("%-13s %s\n", mlv_change_name(r->v[i].change), r->v[i].path);
	return 0;
}

static int print_json(const struct status_result *r)
{
	mlv_buf b = MLV_BUF_INIT;
	mlv_buf_printf(&b, "{\"schema\":\"mlv.status/1\",\"clean\":%s,\"changes\":[", r->n ? "false" : "true");
	for (size_t i = 0; i < r->n; i++) {
		mlv_buf_puts(&b, i ? ",{\"path\":" : "{\"path\":");
		mlv_buf_put_json_string(&b, r->v[i].path, strlen(r->v[i].path));
		mlv_buf_printf(&b, ",\"change\":\"%s\"}", mlv_change_name(r->v[i].change));
	}
	mlv_buf_puts(&b, "]}\n");
	fwrite(b.ptr, 1, b.size, stdout);
	mlv_buf_release(&b);
	return 0;
}

int cmd_status(int argc, const char **argv, struct mlv_ctx *ctx)
{
	struct status_result r = { NULL, 0, 0, NULL, 0 };
	struct data_targets t = { 0 };
	mlv_worktree *wt = NULL;
	int nargs, ret, errors = 0;

	nargs = mlv_parse_options(argc, argv, mlv_opts_status, mlv_usage_status);
	if (nargs < 0)
		return MLV_EXIT_USAGE;
	if ((ret = data_open_worktree(ctx, &wt)))
		return ret;
	if ((ret = data_targets_resolve(wt, ctx->cwd, nargs, argv, &t)))
		goto done;
	for (size_t i = 0; i < t.n; i++) {
		r.within = t.v[i].within;
		/* One bad pointer must not hide what the others say. */
		if (mlv_worktree_status(wt, t.v[i].path, collect, &r)) {
			mlv_die_lib();
			errors++;
		}
	}
	if (r.oom) {
		ret = mlv_die("out of memory");
		goto done;
	}
	if (mlv_worktree_flush_cache(wt))
		mlv_warn("could not save the stat cache: %s", mlv_error_last());
	if (opt_json)
		print_json(&r);
	else
		print_human(&r);
	ret = errors ? MLV_EXIT_FATAL : (opt_exit_code && r.n) ? MLV_EXIT_NO : MLV_EXIT_OK;
done:
	for (size_t i = 0; i < r.n; i++)
		free(r.v[i].path);
	free(r.v);
	data_targets_release(&t);
	mlv_worktree_free(wt);
	return ret;
}
