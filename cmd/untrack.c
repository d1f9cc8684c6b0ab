/* `mlv untrack`: remove pointer files and .gitignore entries; the data stays as plain files. */
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include "data.h"

static int opt_quiet;

const struct mlv_option mlv_opts_untrack[] = {
	MLV_OPT_BOOL('q', "quiet", &opt_quiet, "print nothing but errors"),
	MLV_OPT_END()
};

const char *const mlv_usage_untrack[] = {
	"mlv untrack [-q] <path>...",
	NULL
};

int cmd_untrack(int argc, const char **argv, struct mlv_ctx *ctx)
{
	mlv_worktree *wt = NULL;
	char **paths = NULL;
	int nargs, ret;

	nargs = mlv_parse_options(argc, argv, mlv_opts_untrack, mlv_usage_untrack);
	if (nargs < 0)
		return MLV_EXIT_USAGE;
	if (nargs == 0) {
		mlv_usage_print(stderr, mlv_usage_untrack, mlv_opts_untrack);
		return MLV_EXIT_USAGE;
	}
	if ((ret = data_open_worktree(ctx, &wt)))
		return ret;
	ret = MLV_EXIT_FATAL;
	if (!(paths = calloc((size_t)nargs, sizeof(*paths))))
		goto done;
	/* Every argument is checked before anything changes. */
	for (int i = 0; i < nargs; i++) {
		struct stat sb;
		char *ptr = NULL;
		int tracked;
		if (mlv_worktree_relpath(wt, ctx->cwd, argv[i], &paths[i])) {
			mlv_die_lib();
			goto done;
		}
		for (int j = 0; j < i; j++)
			if (!strcmp(paths[j], paths[i])) {
				mlv_die("'%s' is named twice", argv[i]);
				goto done;
			}
		tracked = asprintf(&ptr, "%s/%s%s", mlv_worktree_root(wt), paths[i], MLV_POINTER_EXT) >= 0 &&
			  lstat(ptr, &sb) == 0;
		free(ptr);
		if (!tracked) {
			mlv_die("'%s' is not tracked", paths[i]);
			goto done;
		}
	}
	for (int i = 0; i < nargs; i++) {
		if (mlv_worktree_untrack(wt, paths[i])) {
			mlv_die_lib();
			goto done;
		}
		if (!opt_quiet)
			printf("untracked %s\n", paths[i]);
	}
	ret = 0;
done:
	for (int i = 0; paths && i < nargs; i++)
		free(paths[i]);
	free(paths);
	mlv_worktree_free(wt);
	return ret;
}
