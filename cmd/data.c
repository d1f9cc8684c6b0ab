/* Shared by the data commands: the work tree and path arguments (see data.h). */
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include "data.h"

int data_open_worktree(struct mlv_ctx *ctx, mlv_worktree **out)
{
	char *root = NULL;
	int rc;
	*out = NULL;
	if (mlv_worktree_find_root(&root, ctx->mlvdir, ctx->cwd))
		return mlv_die_lib();
	rc = mlv_worktree_open(out, ctx->store, root);
	free(root);
	return rc ? mlv_die_lib() : 0;
}

static int add_target(struct data_targets *t, const char *path, const char *within)
{
	if (t->n == t->alloc) {
		size_t n = t->alloc ? t->alloc * 2 : 16;
		struct data_target *nv = realloc(t->v, n * sizeof(*nv));
		if (!nv)
			return -1;
		t->v = nv;
		t->alloc = n;
	}
	t->v[t->n].path = strdup(path);
	t->v[t->n].within = within ? strdup(within) : NULL;
	if (!t->v[t->n].path || (within && !t->v[t->n].within))
		return -1;
	t->n++;
	return 0;
}

struct collect {
	struct data_targets *t;
	const char *prefix;  /* NULL: all */
	int failed;
};

static int collect_pointer(void *payload, const char *relpath)
{
	struct collect *c = payload;
	if (c->prefix) {
		size_t n = strlen(c->prefix);
		if (strncmp(relpath, c->prefix, n) || relpath[n] != '/')
			return 0;
	}
	if (add_target(c->t, relpath, NULL))
		c->failed = 1;
	return 0;
}

static int has_pointer(mlv_worktree *wt, const char *relpath)
{
	struct stat sb;
	char *p = NULL;
	int ok = asprintf(&p, "%s/%s%s", mlv_worktree_root(wt), relpath, MLV_POINTER_EXT) >= 0 && lstat(p, &sb) == 0;
	free(p);
	return ok;
}

int data_targets_resolve(mlv_worktree *wt, const char *cwd, int argc, const char **argv, struct data_targets *out)
{
	struct collect c = { out, NULL, 0 };
	memset(out, 0, sizeof(*out));
	if (argc == 0) {
		if (mlv_worktree_pointers(wt, collect_pointer, &c))
			return mlv_die_lib();
		return c.failed ? mlv_die("out of memory") : 0;
	}
	for (int i = 0; i < argc; i++) {
		char *rel = NULL, *anc;
		size_t before = out->n;
		if (mlv_worktree_relpath(wt, cwd, argv[i], &rel))
			return mlv_die_lib();
		if (has_pointer(wt, rel)) {
			c.failed |= add_target(out, rel, NULL);
			free(rel);
			continue;
		}
		/* inside a tracked directory? */
		anc = strdup(rel);
		for (char *slash; anc && (slash = strrchr(anc, '/'));) {
			*slash = '\0';
			if (has_pointer(wt, anc)) {
				c.failed |= add_target(out, anc, rel);
				break;
			}
		}
		free(anc);
		if (out->n == before) {
			/* a directory holding tracked paths */
			c.prefix = rel;
			if (mlv_worktree_pointers(wt, collect_pointer, &c)) {
				free(rel);
				return mlv_die_lib();
			}
			c.prefix = NULL;
		}
		if (out->n == before) {
			int r = mlv_die("'%s' is not tracked (no '%s%s' and nothing tracked below it)", argv[i], rel,
				MLV_POINTER_EXT);
			free(rel);
			return r;
		}
		free(rel);
	}
	return c.failed ? mlv_die("out of memory") : 0;
}

void data_targets_release(struct data_targets *t)
{
	for (size_t i = 0; i < t->n; i++) {
		free(t->v[i].path);
		free(t->v[i].within);
	}
	free(t->v);
	memset(t, 0, sizeof(*t));
}

const char *data_short_id(const mlv_oid *oid, char buf[24])
{
	char hex[MLV_OID_HEXSZ + 1];
	mlv_oid_fmt(hex, oid);
	snprintf(buf, 24, "sha256:%.12s", hex);
	return buf;
}
