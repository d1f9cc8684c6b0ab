/*
 * Resolving specs (spec.h): ids and id prefixes, tracked paths through their
 * pointer files in the work tree, and path@rev through git.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "mlv/error.h"
#include "mlv/git.h"
#include "mlv/registry.h"
#include "mlv/spec.h"
#include "mlv/worktree.h"
#include "alloc.h"

const char *mlv_spec_kind_name(mlv_spec_kind k)
{
	switch (k) {
	case MLV_SPEC_OID: return "oid";
	case MLV_SPEC_PATH: return "path";
	case MLV_SPEC_PATH_REV: return "path@rev";
	case MLV_SPEC_MODEL: return "model";
	}
	return "unknown";
}

void mlv_spec_release(mlv_spec *s)
{
	free(s->path);
	s->path = NULL;
}

/* Fill in whether the store has OUT->oid; only "not there" is not an error. */
static int lookup_store(mlv_spec *out, mlv_store *st)
{
	int rc = mlv_object_info(st, &out->oid, &out->info);

	if (rc == MLV_ENOTFOUND) {
		mlv_error_clear();
		return 0;
	}
	out->in_store = rc == 0;
	return rc;
}

/* "x.csv.mlv" names the pointer of "x.csv": drop the extension, in place. */
static void strip_ext(char *path)
{
	size_t n = strlen(path), e = strlen(MLV_POINTER_EXT);

	if (n > e && strcmp(path + n - e, MLV_POINTER_EXT) == 0)
		path[n - e] = '\0';
}

/* The last '@' not starting "@{" (so "x@HEAD@{1}" splits before HEAD), or NULL. */
static const char *find_at(const char *text)
{
	const char *at = NULL;

	for (const char *p = text; (p = strchr(p, '@')) != NULL; p++)
		if (p[1] != '{')
			at = p;
	return at;
}

static int resolve_path_rev(mlv_spec *out, const char *cwd, const char *text, const char *at)
{
	mlv_repo *repo = NULL;
	mlv_buf data = MLV_BUF_INIT, what = MLV_BUF_INIT;
	char *pathpart = NULL, *ptrpath = NULL;
	const char *rev = at + 1;
	int rc;

	out->kind = MLV_SPEC_PATH_REV;
	if (at == text || !*rev)
		return mlv_error_set(MLV_EINVALID, "cannot resolve '%s': expected <path>@<revision>", text);
	if (!(pathpart = mlv__strndup(text, (size_t)(at - text))))
		return mlv_error_set(MLV_ENOMEM, "out of memory");
	if ((rc = mlv_repo_open(&repo, cwd)) != 0)
		goto done;
	if ((rc = mlv_repo_relpath(repo, cwd, pathpart, &out->path)) != 0)
		goto done;
	strip_ext(out->path);
	if (!*out->path) {
		rc = mlv_error_set(MLV_EINVALID, "cannot resolve '%s': '%s' is the work tree itself, not a tracked path",
			text, pathpart);
		goto done;
	}
	if ((rc = mlv_repo_resolve(repo, rev, out->commit)) != 0)
		goto done;
	if (mlv_buf_printf(&what, "%s%s", out->path, MLV_POINTER_EXT)) {
		rc = mlv_error_set(MLV_ENOMEM, "out of memory");
		goto done;
	}
	ptrpath = mlv_buf_detach(&what);
	rc = mlv_repo_read_at(repo, out->commit, ptrpath, &data);
	if (rc == MLV_ENOTFOUND) {
		rc = mlv_error_set(MLV_ENOTFOUND, "'%s' is not tracked in '%s' (no '%s' there)",
			out->path, rev, ptrpath);
		goto done;
	}
	if (rc)
		goto done;
	if (mlv_buf_printf(&what, "%s:%s", rev, ptrpath)) {
		rc = mlv_error_set(MLV_ENOMEM, "out of memory");
		goto done;
	}
	if ((rc = mlv_pointer_parse(&out->pointer, mlv_buf_cstr(&data), data.size, what.ptr)) != 0)
		goto done;
	out->oid = out->pointer.oid;
done:
	mlv_buf_release(&data);
	mlv_buf_release(&what);
	free(ptrpath);
	free(pathpart);
	mlv_repo_free(repo);
	return rc;
}

/*
 * TEXT as a tracked path in the work tree of ST. Returns 1 when there is no
 * pointer file for it (nothing set), 0 when resolved, < 0 on error.
 */
static int resolve_path(mlv_spec *out, mlv_store *st, const char *cwd, const char *text)
{
	mlv_worktree *wt = NULL;
	char *root = NULL, *file = NULL;
	struct stat sb;
	int rc;

	if ((rc = mlv_worktree_find_root(&root, mlv_store_path(st), cwd)) != 0)
		goto done;
	if ((rc = mlv_worktree_open(&wt, st, root)) != 0)
		goto done;
	if ((rc = mlv_worktree_relpath(wt, cwd, text, &out->path)) != 0)
		goto done;
	if (mlv__asprintf(&file, "%s/%s%s", mlv_worktree_root(wt), out->path, MLV_POINTER_EXT) < 0) {
		file = NULL;
		rc = mlv_error_set(MLV_ENOMEM, "out of memory");
		goto done;
	}
	if (lstat(file, &sb) != 0) {
		rc = 1;
		goto done;
	}
	out->kind = MLV_SPEC_PATH;
	if ((rc = mlv_pointer_read(&out->pointer, file)) != 0)
		goto done;
	out->oid = out->pointer.oid;
done:
	if (rc) {
		free(out->path);
		out->path = NULL;
	}
	free(file);
	mlv_worktree_free(wt);
	free(root);
	return rc;
}

int mlv_spec_resolve(mlv_spec *out, mlv_store *st, const char *cwd, const char *text)
{
	const char *hex = strncmp(text, "sha256:", 7) == 0 ? text + 7 : text;
	const char *at;
	int rc;

	memset(out, 0, sizeof(*out));
	if (hex != text || mlv_oid_is_hex_prefix(hex)) {
		out->kind = MLV_SPEC_OID;
		rc = mlv_object_resolve(st, &out->oid, text);
		/* A file may be called "cafe": try it as a path before giving up. */
		if (hex == text && (rc == MLV_ENOTFOUND || rc == MLV_EINVALID)) {
			char *msg = mlv__strdup(mlv_error_last());
			int prc = resolve_path(out, st, cwd, text);
			if (prc == 0) {
				rc = 0;
			} else {
				memset(out, 0, sizeof(*out));
				out->kind = MLV_SPEC_OID;
				rc = msg ? mlv_error_set(rc, "%s", msg) : mlv_error_set(MLV_ENOMEM, "out of memory");
			}
			free(msg);
		}
	} else if ((at = find_at(text)) != NULL) {
		char name[MLV_REG_NAME_MAX + 1];
		const char *ref;
		/* NAME@REF is a model version when a model NAME exists; else path@rev */
		if (mlv_registry_spec_split(text, name, &ref) && (rc = mlv_registry_exists(st, name)) != 0) {
			if (rc == 1) {
				out->kind = MLV_SPEC_MODEL;
				if ((rc = mlv_registry_resolve(st, text, &out->model)) == 0)
					out->oid = out->model.artifact;
			}
		} else {
			rc = resolve_path_rev(out, cwd, text, at);
		}
	} else {
		rc = resolve_path(out, st, cwd, text);
		if (rc == 1)
			rc = mlv_error_set(MLV_ENOTFOUND, "'%s' is neither an object id nor a tracked path", text);
	}
	if (rc == 0)
		rc = lookup_store(out, st);
	if (rc)
		mlv_spec_release(out);
	return rc;
}
