/*
 * `mlv install-hooks`: git hooks that keep tracked data in step with git.
 * post-checkout and post-merge run `mlv checkout`; pre-commit runs
 * `mlv status --exit-code` on the pointer files being committed. A hook that
 * is already there and is not mlv's is kept as <hook>.pre-mlv and runs first.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>

#include "commands.h"
#include "plumbing.h"
#include "mlv/git.h"

static int opt_json;

const struct mlv_option mlv_opts_install_hooks[] = {
	MLV_OPT_JSON(&opt_json),
	MLV_OPT_END()
};

const char *const mlv_usage_install_hooks[] = {
	"mlv install-hooks [--json]",
	NULL
};

/* The line that marks a hook as mlv's: rewritten freely, never chained. */
#define HOOK_MARK "# mlv-managed hook"
#define CHAIN_SUFFIX ".pre-mlv"

static const struct hook {
	const char *name;
	int missing_mlv_fails;   /* without mlv on PATH: fail (pre-commit) or only warn */
	const char *body;
} hooks[] = {
	{ "post-checkout", 0,
	  "# $3 is 1 for a branch checkout, 0 for a checkout of files.\n"
	  "[ \"$3\" = 1 ] || exit 0\n"
	  "exec mlv checkout\n" },
	{ "post-merge", 0,
	  "exec mlv checkout\n" },
	{ "pre-commit", 1,
	  "# The pointer files being committed must match their data.\n"
	  "files=$(git -c core.quotepath=off diff --cached --name-only --diff-filter=ACM -- '*.mlv') || exit 1\n"
	  "[ -n \"$files\" ] || exit 0\n"
	  "set -f\n"
	  "IFS='\n"
	  "'\n"
	  "set --\n"
	  "for f in $files; do\n"
	  "\tset -- \"$@\" \"${f%.mlv}\"\n"
	  "done\n"
	  "exec mlv status --exit-code -- \"$@\"\n" },
};
#define NHOOKS (sizeof(hooks) / sizeof(hooks[0]))

enum action { ACT_INSTALLED, ACT_UPDATED, ACT_UNCHANGED, ACT_CHAINED };
static const char *const action_names[] = { "installed", "updated", "unchanged", "chained" };

struct hook_result {
	char *path;
	enum action action;
	int chained;          /* <path>.pre-mlv exists and runs first */
};

struct install_result {
	char *dir;
	struct hook_result h[NHOOKS];
};

static int hook_script(mlv_buf *out, const struct hook *h)
{
	int err = 0;

	err |= mlv_buf_printf(out, "#!/bin/sh\n" HOOK_MARK " (written by `mlv install-hooks`; run it again to update).\n"
		"# A %s hook that was here before is kept as %s" CHAIN_SUFFIX " and runs first.\n",
		h->name, h->name);
	err |= mlv_buf_printf(out, "if [ -x \"$0%s\" ]; then\n\t\"$0%s\" \"$@\" || exit $?\nfi\n",
		CHAIN_SUFFIX, CHAIN_SUFFIX);
	err |= mlv_buf_printf(out, "if ! command -v mlv >/dev/null 2>&1; then\n"
		"\techo \"mlv %s hook: mlv is not on PATH%s\" >&2\n\texit %d\nfi\n",
		h->name, h->missing_mlv_fails ? "; cannot check the tracked data (git commit --no-verify skips this)" :
		"; tracked data was not updated", h->missing_mlv_fails);
	err |= mlv_buf_puts(out, h->body);
	return err ? mlv_error_set(MLV_ENOMEM, "out of memory") : 0;
}

/* Read a small file (a hook); 1 when it does not exist. */
static int read_file(const char *path, mlv_buf *out)
{
	char block[8192];
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	ssize_t n;

	if (fd < 0)
		return errno == ENOENT ? 1 : mlv_error_set_errno(MLV_EIO, errno, "cannot read '%s'", path);
	while ((n = mlv_io_read_full(fd, block, sizeof(block))) > 0) {
		if (mlv_buf_put(out, block, (size_t)n)) {
			close(fd);
			return mlv_error_set(MLV_ENOMEM, "out of memory");
		}
		if ((size_t)n < sizeof(block))
			break;
	}
	close(fd);
	return n < 0 ? mlv_error_set_errno(MLV_EIO, (int)-n, "cannot read '%s'", path) : 0;
}

static int exists(const char *path)
{
	struct stat sb;
	return lstat(path, &sb) == 0;
}

static int mkdirs(const char *dir)
{
	char *p = strdup(dir);
	int rc = 0;

	if (!p)
		return mlv_error_set(MLV_ENOMEM, "out of memory");
	for (char *s = p + 1; rc == 0; s++) {
		if (*s != '/' && *s != '\0')
			continue;
		char c = *s;
		*s = '\0';
		if (mkdir(p, 0777) != 0 && errno != EEXIST)
			rc = mlv_error_set_errno(MLV_EIO, errno, "cannot create the hooks directory '%s'", p);
		*s = c;
		if (!c)
			break;
	}
	free(p);
	return rc;
}

static int install_one(const struct hook *h, const char *dir, struct hook_result *res)
{
	mlv_buf script = MLV_BUF_INIT, old = MLV_BUF_INIT;
	char *chain = NULL;
	int rc, moved = 0;

	if (asprintf(&res->path, "%s/%s", dir, h->name) < 0 ||
	    asprintf(&chain, "%s%s", res->path ? res->path : "", CHAIN_SUFFIX) < 0) {
		chain = NULL;
		rc = mlv_error_set(MLV_ENOMEM, "out of memory");
		goto done;
	}
	if ((rc = hook_script(&script, h)) != 0)
		goto done;
	rc = read_file(res->path, &old);
	if (rc < 0)
		goto done;
	if (rc == 1) {
		res->action = ACT_INSTALLED;
	} else if (strstr(mlv_buf_cstr(&old), HOOK_MARK)) {
		res->action = old.size == script.size && !memcmp(old.ptr, script.ptr, old.size) ?
			ACT_UNCHANGED : ACT_UPDATED;
	} else {
		/* Someone else's hook: keep it, under a name our hook calls first. */
		if (exists(chain)) {
			rc = mlv_error_set(MLV_EEXISTS, "cannot install the %s hook: '%s' is not mlv's and '%s' "
				"exists already (merge them by hand, then run mlv install-hooks again)",
				h->name, res->path, chain);
			goto done;
		}
		if ((rc = mlv_io_rename(res->path, chain)) != 0) {
			rc = mlv_error_set_errno(MLV_EIO, -rc, "cannot rename '%s' to '%s'", res->path, chain);
			goto done;
		}
		moved = 1;
		res->action = ACT_CHAINED;
	}
	rc = 0;
	if (res->action != ACT_UNCHANGED) {
		rc = mlv_io_write_file_atomic(res->path, script.ptr, script.size, 0755);
		if (rc == 0 && chmod(res->path, 0755) != 0)
			rc = mlv_error_set_errno(MLV_EIO, errno, "cannot make '%s' executable", res->path);
		if (rc && moved && rename(chain, res->path) == 0)
			moved = 0;   /* put the user's hook back as it was */
	}
	res->chained = exists(chain);
done:
	free(chain);
	mlv_buf_release(&script);
	mlv_buf_release(&old);
	return rc;
}

static int print_human(const struct install_result *r)
{
	mlv_buf out = MLV_BUF_INIT;
	int err = 0, ret;

	for (size_t i = 0; i < NHOOKS; i++) {
		err |= mlv_buf_printf(&out, "%-9s %s", action_names[r->h[i].action], r->h[i].path);
		if (r->h[i].chained)
			err |= mlv_buf_printf(&out, " (runs %s" CHAIN_SUFFIX " first)", hooks[i].name);
		err |= mlv_buf_putc(&out, '\n');
	}
	ret = err ? mlv_die("out of memory") : plumb_write_stdout(out.ptr, out.size);
	mlv_buf_release(&out);
	return ret;
}

static int print_json(const struct install_result *r)
{
	mlv_buf out = MLV_BUF_INIT;
	int err = 0, ret;

	err |= mlv_buf_puts(&out, "{\"schema\":\"mlv.install-hooks/1\",\"hooks_dir\":");
	err |= mlv_buf_put_json_string(&out, r->dir, strlen(r->dir));
	err |= mlv_buf_puts(&out, ",\"hooks\":[");
	for (size_t i = 0; i < NHOOKS; i++) {
		err |= mlv_buf_printf(&out, "%s{\"name\":\"%s\",\"path\":", i ? "," : "", hooks[i].name);
		err |= mlv_buf_put_json_string(&out, r->h[i].path, strlen(r->h[i].path));
		err |= mlv_buf_printf(&out, ",\"action\":\"%s\",\"chained\":", action_names[r->h[i].action]);
		if (r->h[i].chained) {
			err |= mlv_buf_putc(&out, '"');
			err |= mlv_buf_puts(&out, hooks[i].name);
			err |= mlv_buf_puts(&out, CHAIN_SUFFIX "\"");
		} else {
			err |= mlv_buf_puts(&out, "null");
		}
		err |= mlv_buf_putc(&out, '}');
	}
	err |= mlv_buf_puts(&out, "]}\n");
	ret = err ? mlv_die("out of memory") : plumb_write_stdout(out.ptr, out.size);
	mlv_buf_release(&out);
	return ret;
}

int cmd_install_hooks(int argc, const char **argv, struct mlv_ctx *ctx)
{
	struct install_result r;
	mlv_repo *repo = NULL;
	int nargs, rc = 0, ret = MLV_EXIT_FATAL;

	memset(&r, 0, sizeof(r));
	nargs = mlv_parse_options(argc, argv, mlv_opts_install_hooks, mlv_usage_install_hooks);
	if (nargs < 0)
		return MLV_EXIT_USAGE;
	if (nargs != 0) {
		mlv_usage_print(stderr, mlv_usage_install_hooks, mlv_opts_install_hooks);
		return MLV_EXIT_USAGE;
	}
	if ((rc = mlv_repo_open(&repo, ctx->cwd)) != 0)
		goto done;
	if ((rc = mlv_repo_hooks_dir(repo, &r.dir)) != 0)
		goto done;
	if ((rc = mkdirs(r.dir)) != 0)
		goto done;
	/* In order; a hook that cannot be installed stops there (running again is safe). */
	for (size_t i = 0; i < NHOOKS && rc == 0; i++)
		rc = install_one(&hooks[i], r.dir, &r.h[i]);
	if (rc)
		goto done;
	ret = opt_json ? print_json(&r) : print_human(&r);

done:
	if (rc)
		ret = mlv_die_lib();
	for (size_t i = 0; i < NHOOKS; i++)
		free(r.h[i].path);
	free(r.dir);
	mlv_repo_free(repo);
	return ret;
}
