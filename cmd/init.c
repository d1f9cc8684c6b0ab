/*
 * `mlv init`: create the store (.mlv) in the current directory, or say that
 * it is already there; running it again is safe.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "commands.h"

static int quiet, json;
static const char *shared;

const struct mlv_option mlv_opts_init[] = {
	MLV_OPT_BOOL('q', "quiet", &quiet, "print nothing but errors"),
	MLV_OPT_STRING(0, "store", &shared, "dir", "keep objects in the shared store <dir> (created if missing)"),
	MLV_OPT_JSON(&json),
	MLV_OPT_END()
};

const char *const mlv_usage_init[] = {
	"mlv init [-q] [--store <dir>] [--json]",
	NULL
};

struct init_result {
	char *path;   /* absolute path of the store */
	int created;  /* 0 when one was already there */
};

static void print_human(const struct init_result *res)
{
	printf("%s mlv store in %s/\n",
		res->created ? "Initialized empty" : "Reinitialized existing", res->path);
}

static int print_json(const struct init_result *res)
{
	mlv_buf b = MLV_BUF_INIT;
	int rc;

	if ((rc = mlv_buf_puts(&b, "{\"schema\":\"mlv.init/1\",\"path\":")) < 0 ||
	    (rc = mlv_buf_put_json_string(&b, res->path, strlen(res->path))) < 0 ||
	    (rc = mlv_buf_printf(&b, ",\"created\":%s}\n", res->created ? "true" : "false")) < 0) {
		rc = mlv_die_lib();
		goto done;
	}
	fwrite(b.ptr, 1, b.size, stdout);
done:
	mlv_buf_release(&b);
	return rc;
}

/* $MLV_DIR when set (made absolute), else <cwd>/.mlv. */
static char *store_path(const char *cwd)
{
	const char *env = getenv("MLV_DIR");
	mlv_buf b = MLV_BUF_INIT;

	if (env && *env) {
		if (env[0] != '/' && mlv_buf_printf(&b, "%s/", cwd) < 0)
			goto fail;
		if (mlv_buf_puts(&b, env) < 0)
			goto fail;
		while (b.size > 1 && b.ptr[b.size - 1] == '/')
			b.ptr[--b.size] = '\0';
	} else if (mlv_buf_printf(&b, "%s%s%s", cwd, strcmp(cwd, "/") ? "/" : "",
			MLV_DIRNAME) < 0) {
		goto fail;
	}
	return mlv_buf_detach(&b);
fail:
	mlv_buf_release(&b);
	return NULL;
}

int cmd_init(int argc, const char **argv, struct mlv_ctx *ctx)
{
	struct init_result res = { NULL, 0 };
	int n, existed = 0, rc = MLV_EXIT_OK;

	n = mlv_parse_options(argc, argv, mlv_opts_init, mlv_usage_init);
	if (n < 0)
		return MLV_EXIT_USAGE;
	if (n > 0) {
		fprintf(stderr, "mlv: init takes no arguments (use 'mlv -C <dir> init')\n");
		mlv_usage_print(stderr, mlv_usage_init, mlv_opts_init);
		return MLV_EXIT_USAGE;
	}
	res.path = store_path(ctx->cwd);
	if (!res.path) {
		rc = mlv_die("out of memory");
		goto done;
	}
	if ((shared ? mlv_store_create_linked(res.path, shared, &existed) : mlv_store_create(res.path, &existed)) < 0) {
		rc = mlv_die_lib();
		goto done;
	}
	res.created = !existed;
	if (json)
		rc = print_json(&res);
	else if (!quiet)
		print_human(&res);
done:
	free(res.path);
	return rc;
}
