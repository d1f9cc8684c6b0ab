/*
 * `mlv log-metric` and `mlv log-param`: add to the active run named by
 * MLV_RUN_ID (set by `mlv run` for its command). They only append a line to
 * the run's log (lib/run.c) and never open the index, so that a training
 * loop can call them thousands of times a second.
 */
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "commands.h"
#include "mlv/run.h"

static long opt_step = LONG_MIN;

const struct mlv_option mlv_opts_log_metric[] = {
	MLV_OPT_INT(0, "step", &opt_step, "n", "the step (default: the key's last step + 1)"),
	MLV_OPT_END()
};

const char *const mlv_usage_log_metric[] = {
	"mlv log-metric [--step <n>] <key>=<value>...",
	NULL
};

const struct mlv_option mlv_opts_log_param[] = {
	MLV_OPT_END()
};

const char *const mlv_usage_log_param[] = {
	"mlv log-param <key>=<value>...",
	NULL
};

/* The active run: its id and the directory of its log. 0 or 128 (reported). */
static int active_run(const char **id, char **dir, struct mlv_ctx *ctx)
{
	const char *d = getenv("MLV_RUN_DIR");
	char *store = NULL;
	*id = getenv("MLV_RUN_ID");
	if (!*id || !**id)
		return mlv_die("not inside a run: MLV_RUN_ID is not set (start the command with 'mlv run -- <cmd>')");
	if (d && *d) {
		*dir = strdup(d);
	} else {
		/* MLV_RUN_ID set by hand: the run is in the store of this directory */
		if (mlv_store_discover(&store, ctx->cwd))
			return mlv_die_lib();
		*dir = malloc(strlen(store) + sizeof("/" MLV_RUN_DIRNAME));
		if (*dir)
			sprintf(*dir, "%s/%s", store, MLV_RUN_DIRNAME);
		free(store);
	}
	return *dir ? 0 : mlv_die("out of memory");
}

static int log_cmd(int argc, const char **argv, struct mlv_ctx *ctx, int metric)
{
	const struct mlv_option *opts = metric ? mlv_opts_log_metric : mlv_opts_log_param;
	const char *const *usage = metric ? mlv_usage_log_metric : mlv_usage_log_param;
	const char *id;
	char *dir = NULL;
	int nargs, ret, rc;

	nargs = mlv_parse_options(argc, argv, opts, usage);
	if (nargs < 0)
		return MLV_EXIT_USAGE;
	if (nargs == 0) {
		mlv_usage_print(stderr, usage, opts);
		return MLV_EXIT_USAGE;
	}
	if (metric && opt_step != LONG_MIN && opt_step < 0)
		return mlv_die("--step must be a non-negative integer, not %ld", opt_step);
	if ((ret = active_run(&id, &dir, ctx)))
		return ret;
	if (metric)
		rc = mlv_run_log_metrics(dir, id, argv, nargs, opt_step == LONG_MIN ? -1 : opt_step);
	else
		rc = mlv_run_log_params(dir, id, argv, nargs);
	free(dir);
	return rc ? mlv_die_lib() : MLV_EXIT_OK;
}

int cmd_log_metric(int argc, const char **argv, struct mlv_ctx *ctx)
{
	return log_cmd(argc, argv, ctx, 1);
}

int cmd_log_param(int argc, const char **argv, struct mlv_ctx *ctx)
{
	return log_cmd(argc, argv, ctx, 0);
}
