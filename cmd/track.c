/*
 * `mlv track`: store files, directories or symlinks and write their pointer
 * files (PATH.mlv) and .gitignore entries. All data is durable before any
 * pointer changes; an error stores nothing visible and changes no file.
 */
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include "data.h"

static int opt_quiet;
static int opt_json;

const struct mlv_option mlv_opts_track[] = {
	MLV_OPT_BOOL('q', "quiet", &opt_quiet, "print nothing but errors"),
	MLV_OPT_JSON(&opt_json),
	MLV_OPT_END()
};

const char *const mlv_usage_track[] = {
	"mlv track [-q] [--json] <path>...",
	NULL
};

static const char *const state_names[] = { "new", "changed", "unchanged" };

/* A progress line on stderr, only on a terminal and only once the work has taken a second. */
struct progress {
	struct timespec start;
	int shown;
};

static void progress_cb(void *payload, uint64_t done)
{
	struct progress *p = payload;
	struct timespec now;
	clock_gettime(CLOCK_MONOTONIC, &now);
	double secs = (double)(now.tv_sec - p->start.tv_sec) + (double)(now.tv_nsec - p->start.tv_nsec) / 1e9;
	if (secs < 1.0)
		return;
	fprintf(stderr, "\rtracking: %.1f MiB stored, %.0f MiB/s ", (double)done / 1048576.0,
		(double)done / 1048576.0 / secs);
	p->shown = 1;
}

struct track_item {
	char *path;
	mlv_track_result res;
};

struct track_result {
	struct track_item *items;
	int n;
	mlv_writer_stats stats;
};

static int print_human(const struct track_result *r)
{
	for (int i = 0; i < r->n; i++) {
		const struct track_item *it = &r->items[i];
		char id[24];
		if (it->res.ptr.kind == MLV_PTR_DIR)
			printf("%-9s %s/ (%s, %llu files, %llu bytes)\n", state_names[it->res.state], it->path,
				data_short_id(&it->res.ptr.oid, id), (unsigned long long)it->res.ptr.files,
				(unsigned long long)it->res.ptr.size);
		else
			printf("%-9s %s (%s, %llu bytes)\n", state_names[it->res.state], it->path,
				data_short_id(&it->res.ptr.oid, id), (unsigned long long)it->res.ptr.size);
	}
	return 0;
}

static int print_json(const struct track_result *r)
{
	mlv_buf b = MLV_BUF_INIT;
	char hex[MLV_OID_HEXSZ + 1];
	mlv_buf_puts(&b, "{\"schema\":\"mlv.track/1\",\"paths\":[");
	for (int i = 0; i < r->n; i++) {
		const struct track_item *it = &r->items[i];
		if (i)
			mlv_buf_putc(&b, ',');
		mlv_buf_puts(&b, "{\"path\":");
		mlv_buf_put_json_string(&b, it->path, strlen(it->path));
		mlv_buf_printf(&b, ",\"kind\":\"%s\",\"oid\":\"sha256:%s\",\"size\":%llu", mlv_ptr_kind_name(it->res.ptr.kind),
			mlv_oid_fmt(hex, &it->res.ptr.oid), (unsigned long long)it->res.ptr.size);
		if (it->res.ptr.kind == MLV_PTR_DIR)
			mlv_buf_printf(&b, ",\"files\":%llu", (unsigned long long)it->res.ptr.files);
		mlv_buf_printf(&b, ",\"state\":\"%s\"}", state_names[it->res.state]);
	}
	mlv_buf_printf(&b, "],\"stored\":{\"chunks_new\":%llu,\"bytes_new\":%llu,\"bytes_stored\":%llu}}\n",
		(unsigned long long)r->stats.chunks_new, (unsigned long long)r->stats.bytes_new,
		(unsigned long long)r->stats.bytes_stored);
	fwrite(b.ptr, 1, b.size, stdout);
	mlv_buf_release(&b);
	return 0;
}

int cmd_track(int argc, const char **argv, struct mlv_ctx *ctx)
{
	struct track_result r = { NULL, 0, { 0 } };
	struct progress prog = { { 0, 0 }, 0 };
	mlv_worktree *wt = NULL;
	mlv_writer *w = NULL;
	int nargs, ret = MLV_EXIT_FATAL;

	nargs = mlv_parse_options(argc, argv, mlv_opts_track, mlv_usage_track);
	if (nargs < 0)
		return MLV_EXIT_USAGE;
	if (nargs == 0) {
		mlv_usage_print(stderr, mlv_usage_track, mlv_opts_track);
		return MLV_EXIT_USAGE;
	}
	if ((ret = data_open_worktree(ctx, &wt)))
		return ret;
	ret = MLV_EXIT_FATAL;
	if (!(r.items = calloc((size_t)nargs, sizeof(*r.items)))) {
		mlv_die("out of memory");
		goto done;
	}
	/* Every argument is checked before anything is stored. */
	for (int i = 0; i < nargs; i++, r.n++) {
		if (mlv_worktree_relpath(wt, ctx->cwd, argv[i], &r.items[i].path)) {
			mlv_die_lib();
			goto done;
		}
		for (int j = 0; j < i; j++) {
			const char *a = r.items[j].path, *b = r.items[i].path;
			size_t na = strlen(a), nb = strlen(b);
			if (!strcmp(a, b)) {
				mlv_die("'%s' is named twice", argv[i]);
				r.n++;
				goto done;
			}
			/* its pointer and .gitignore line would land inside the other's data */
			if ((na < nb && !strncmp(a, b, na) && b[na] == '/') || (nb < na && !strncmp(a, b, nb) && a[nb] == '/')) {
				mlv_die("'%s' is inside '%s'; track one or the other", na < nb ? b : a, na < nb ? a : b);
				r.n++;
				goto done;
			}
		}
	}
	if (mlv_writer_new(&w, ctx->store)) {
		mlv_die_lib();
		goto done;
	}
	if (!opt_quiet && isatty(STDERR_FILENO)) {
		clock_gettime(CLOCK_MONOTONIC, &prog.start);
		mlv_writer_set_progress(w, progress_cb, &prog);
	}
	for (int i = 0; i < r.n; i++)
		if (mlv_worktree_track_prepare(wt, w, r.items[i].path, &r.items[i].res)) {
			mlv_die_lib();
			goto done;
		}
	if (prog.shown) {
		fputs("\n", stderr);
		prog.shown = 0;
	}
	if (mlv_writer_commit(w)) {
		mlv_die_lib();
		goto done;
	}
	mlv_writer_stats_get(w, &r.stats);
	for (int i = 0; i < r.n; i++)
		if (mlv_worktree_track_finish(wt, r.items[i].path, &r.items[i].res)) {
			mlv_die_lib();
			goto done;
		}
	if (mlv_worktree_flush_cache(wt))
		mlv_warn("could not save the stat cache: %s", mlv_error_last());
	ret = opt_json ? print_json(&r) : opt_quiet ? 0 : print_human(&r);
done:
	if (prog.shown)
		fputs("\n", stderr);
	mlv_writer_free(w);
	mlv_worktree_free(wt);
	for (int i = 0; i < r.n; i++)
		free(r.items[i].path);
	free(r.items);
	return ret;
}
