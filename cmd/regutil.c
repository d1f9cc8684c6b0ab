/* Helpers of the registry commands (regutil.h). */
#include <stdlib.h>
#include <string.h>

#include "plumbing.h"
#include "regutil.h"
#include "mlv/git.h"
#include "mlv/worktree.h"

int reg_identity(struct mlv_ctx *ctx, char **name, char **email)
{
	mlv_repo *repo = NULL;
	const char *n = getenv("GIT_AUTHOR_NAME"), *e = getenv("GIT_AUTHOR_EMAIL");
	int rc;
	/* CI sets both: then libgit2 need not even be loaded (a few ms of a promote) */
	if (!(n && *n && e && *e) && mlv_repo_open(&repo, ctx->cwd ? ctx->cwd : "."))
		mlv_error_clear(); /* outside a git work tree the configuration read is the user's own */
	rc = mlv_repo_identity(repo, name, email);
	mlv_repo_free(repo);
	return rc ? mlv_die_lib() : 0;
}

void reg_identity_fmt(mlv_buf *out, const char *name, const char *email)
{
	mlv_buf_puts(out, name ? name : "");
	if (email && *email)
		mlv_buf_printf(out, " <%s>", email);
}

int reg_policy(struct mlv_ctx *ctx, mlv_policy **out)
{
	char *root = NULL;
	mlv_buf path = MLV_BUF_INIT;
	int rc;
	*out = NULL;
	if (mlv_worktree_find_root(&root, ctx->mlvdir, ctx->cwd ? ctx->cwd : "."))
		return mlv_die_lib();
	mlv_buf_printf(&path, "%s/mlv.json", root);
	free(root);
	rc = mlv_policy_load(out, mlv_buf_cstr(&path));
	mlv_buf_release(&path);
	return rc ? mlv_die_lib() : 0;
}

int reg_resolve(struct mlv_ctx *ctx, const char *spec, mlv_model_version *out)
{
	return mlv_registry_resolve(ctx->store, spec, out) ? mlv_die_lib() : 0;
}

void reg_json_oid(mlv_buf *b, const mlv_oid *oid)
{
	char hex[MLV_OID_HEXSZ + 1];
	mlv_buf_printf(b, "\"sha256:%s\"", mlv_oid_fmt(hex, oid));
}

int reg_flush(mlv_buf *b)
{
	int rc = plumb_write_stdout(b->ptr ? b->ptr : "", b->size);
	mlv_buf_release(b);
	return rc ? MLV_EXIT_FATAL : MLV_EXIT_OK;
}

int reg_change_begin(struct reg_change *c, int argc, const char **argv, const struct mlv_option *opts,
	const char *const *usage, int nargs, int spec_arg, struct mlv_ctx *ctx, const char *const *message)
{
	int n = mlv_parse_options(argc, argv, opts, usage), ret;
	memset(c, 0, sizeof(*c));
	if (n < 0)
		return MLV_EXIT_USAGE;
	if (n != nargs) {
		mlv_usage_print(stderr, usage, opts);
		return MLV_EXIT_USAGE;
	}
	if (spec_arg >= 0 && (ret = reg_resolve(ctx, argv[spec_arg], &c->v)))
		return ret;
	if ((ret = reg_identity(ctx, &c->who_name, &c->who_email)))
		return ret;
	if (spec_arg >= 0) {
		c->a.name = c->v.name;
		c->a.version = c->v.version;
	}
	c->a.message = *message; /* an option: read after parsing */
	c->a.who.name = c->who_name;
	c->a.who.email = c->who_email;
	return 0;
}

void reg_change_release(struct reg_change *c)
{
	free(c->who_name);
	free(c->who_email);
	c->who_name = c->who_email = NULL;
}
