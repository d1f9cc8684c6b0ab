/*
 * `mlv checkout`: make the work tree match the pointers. Everything is
 * checked first (data in the store, nothing unsaved in the way); only then
 * is anything written, each file through a temporary name and a rename.
 */
#include <stdlib.h>
#include <string.h>
#include "data.h"

static int opt_force;
static int opt_quiet;
static int opt_json;

const struct mlv_option mlv_opts_checkout[] = {
	MLV_OPT_BOOL('f', "force", &opt_force, "overwrite changes that were not tracked"),
	MLV_OPT_BOOL('q', "quiet", &opt_quiet, "print nothing but errors"),
	MLV_OPT_JSON(&opt_json),
	MLV_OPT_END()
};

const char *const mlv_usage_checkout[] = {
	"mlv checkout [-f] [-q] [--json] [<path>...]",
	NULL
};

struct checkout_result {
	char **written;
	size_t nwritten, awritten;
	char **conflicts;
	size_t nconflicts, aconflicts;
	uint64_t unchanged;
	int oom;
};

static void push(char ***v, size_t *n, size_t *a, const char *s, int *oom)
{
	if (*n == *a) {
		size_t na = *a ? *a * 2 : 32;
		char **nv = realloc(*v, na * sizeof(**v));
		if (!nv) {
			*oom = 1;
			return;
		}
		*v = nv;
		*a = na;
	}
	if (!((*v)[*n] = strdup(s)))
		*oom = 1;
	else
		(*n)++;
}

static int on_plan(void *payload, const char *path, mlv_checkout_action action)
{
	struct checkout_result *r = payload;
	if (action == MLV_CHECKOUT_CONFLICT)
		push(&r->conflicts, &r->nconflicts, &r->aconflicts, path, &r->oom);
	return 0;
}

static int on_done(void *payload, const char *path, mlv_checkout_action action)
{
	struct checkout_result *r = payload;
	if (action == MLV_CHECKOUT_WRITTEN)
		push(&r->written, &r->nwritten, &r->awritten, path, &r->oom);
	else if (action == MLV_CHECKOUT_UNCHANGED)
		r->unchanged++;
	return 0;
}

static void print_json(const struct checkout_result *r)
{
	mlv_buf b = MLV_BUF_INIT;
	mlv_buf_puts(&b, "{\"schema\":\"mlv.checkout/1\",\"written\":[");
	for (size_t i = 0; i < r->nwritten; i++) {
		if (i)
			mlv_buf_putc(&b, ',');
		mlv_buf_put_json_string(&b, r->written[i], strlen(r->written[i]));
	}
	mlv_buf_printf(&b, "],\"unchanged\":%llu}\n", (unsigned long long)r->unchanged);
	fwrite(b.ptr, 1, b.size, stdout);
	mlv_buf_release(&b);
}

int cmd_checkout(int argc, const char **argv, struct mlv_ctx *ctx)
{
	struct checkout_result r;
	struct data_targets t = { 0 };
	mlv_worktree *wt = NULL;
	int nargs, ret;

	memset(&r, 0, sizeof(r));
	nargs = mlv_parse_options(argc, argv, mlv_opts_checkout, mlv_usage_checkout);
	if (nargs < 0)
		return MLV_EXIT_USAGE;
	if ((ret = data_open_worktree(ctx, &wt)))
		return ret;
	if ((ret = data_targets_resolve(wt, ctx->cwd, nargs, argv, &t)))
		goto done;
	ret = MLV_EXIT_FATAL;
	/* Plan everything first: a missing object or unsaved work stops us before any write. */
	for (size_t i = 0; i < t.n; i++)
		if (mlv_worktree_checkout(wt, t.v[i].within ? t.v[i].within : t.v[i].path, 1, opt_force, on_plan, &r)) {
			mlv_die_lib();
			goto done;
		}
	if (r.nconflicts) {
		mlv_buf msg = MLV_BUF_INIT;
		for (size_t i = 0; i < r.nconflicts; i++)
			mlv_buf_printf(&msg, "\n  %s", r.conflicts[i]);
		mlv_die("these files hold changes that were not tracked and would be lost:%s\n"
			"track them first ('mlv track <path>'), or use --force to overwrite them", mlv_buf_cstr(&msg));
		mlv_buf_release(&msg);
		goto done;
	}
	for (size_t i = 0; i < t.n; i++)
		if (mlv_worktree_checkout(wt, t.v[i].within ? t.v[i].within : t.v[i].path, 0, opt_force, on_done, &r)) {
			mlv_die_lib();
			goto done;
		}
	if (r.oom) {
		mlv_die("out of memory");
		goto done;
	}
	if (mlv_worktree_flush_cache(wt))
		mlv_warn("could not save the stat cache: %s", mlv_error_last());
	if (opt_json)
		print_json(&r);
	else if (!opt_quiet)
		for (size_t i = 0; i < r.nwritten; i++)
			printf("updated %s\n", r.written[i]);
	ret = 0;
done:
	for (size_t i = 0; i < r.nwritten; i++)
		free(r.written[i]);
	for (size_t i = 0; i < r.nconflicts; i++)
		free(r.conflicts[i]);
	free(r.written);
	free(r.conflicts);
	data_targets_release(&t);
	mlv_worktree_free(wt);
	return ret;
}
