/*
 * `mlv ls-tree`: list the entries of a tree object, or with -r every file
 * below it with its path, in the format of `cat-object -p` on a tree.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "commands.h"
#include "plumbing.h"

/* Trees are content-addressed so they cannot loop; this only bounds the stack. */
#define LS_MAX_DEPTH 1024

static int opt_recursive;
static int opt_json;

const struct mlv_option mlv_opts_ls_tree[] = {
	MLV_OPT_BOOL('r', NULL, &opt_recursive, "recurse into subtrees, listing files with their paths"),
	MLV_OPT_JSON(&opt_json),
	MLV_OPT_END()
};

const char *const mlv_usage_ls_tree[] = {
	"mlv ls-tree [-r] [--json] <id>",
	NULL
};

struct ls_entry {
	char *path;         /* relative to the listed tree */
	mlv_tree_entry e;   /* name borrowed from path's last component */
};

struct ls_result {
	mlv_oid tree;
	struct ls_entry *items;
	size_t n, alloc;
};

static int add_entry(struct ls_result *r, const char *prefix, const mlv_tree_entry *e)
{
	mlv_buf path = MLV_BUF_INIT;
	int err = 0;

	if (r->n == r->alloc) {
		size_t alloc = r->alloc ? r->alloc * 2 : 64;
		struct ls_entry *items = realloc(r->items, alloc * sizeof(*items));
		if (!items)
			return mlv_error_set(MLV_ENOMEM, "out of memory");
		r->items = items;
		r->alloc = alloc;
	}
	if (prefix) {
		err |= mlv_buf_puts(&path, prefix);
		err |= mlv_buf_putc(&path, '/');
	}
	err |= mlv_buf_puts(&path, e->name);
	if (err) {
		mlv_buf_release(&path);
		return mlv_error_set(MLV_ENOMEM, "out of memory");
	}
	r->items[r->n].path = mlv_buf_detach(&path);
	r->items[r->n].e = *e;
	r->items[r->n].e.name = r->items[r->n].path;
	r->n++;
	return 0;
}

static int list_tree(struct ls_result *r, mlv_store *st, const mlv_oid *oid,
	const char *prefix, int depth)
{
	mlv_tree *tree = NULL;
	int rc;

	if (depth > LS_MAX_DEPTH)
		return mlv_error_set(MLV_EINVALID, "trees nested deeper than %d levels under '%s'",
			LS_MAX_DEPTH, prefix ? prefix : "");
	if ((rc = mlv_tree_read(&tree, st, oid)) != 0)
		return rc;
	for (size_t i = 0; rc == 0 && i < tree->n; i++) {
		const mlv_tree_entry *e = &tree->entries[i];
		if (opt_recursive && e->mode == MLV_MODE_TREE) {
			mlv_buf sub = MLV_BUF_INIT;
			int err = 0;
			if (prefix) {
				err |= mlv_buf_puts(&sub, prefix);
				err |= mlv_buf_putc(&sub, '/');
			}
			err |= mlv_buf_puts(&sub, e->name);
			rc = err ? mlv_error_set(MLV_ENOMEM, "out of memory") :
				list_tree(r, st, &e->oid, mlv_buf_cstr(&sub), depth + 1);
			mlv_buf_release(&sub);
		} else {
			rc = add_entry(r, prefix, e);
		}
	}
	mlv_tree_free(tree);
	return rc;
}

static int print_human(const struct ls_result *r)
{
	mlv_buf out = MLV_BUF_INIT;
	int err = 0, ret;

	for (size_t i = 0; i < r->n; i++)
		err |= plumb_put_tree_line(&out, NULL, &r->items[i].e);
	ret = err ? mlv_die("out of memory") : plumb_write_stdout(out.ptr, out.size);
	mlv_buf_release(&out);
	return ret;
}

static int print_json(const struct ls_result *r)
{
	mlv_buf out = MLV_BUF_INIT;
	int err = 0, ret;

	err |= mlv_buf_puts(&out, "{\"schema\":\"mlv.ls-tree/1\",\"tree\":");
	err |= plumb_put_json_oid(&out, &r->tree);
	err |= mlv_buf_puts(&out, ",\"entries\":[");
	for (size_t i = 0; i < r->n; i++) {
		const mlv_tree_entry *e = &r->items[i].e;
		err |= mlv_buf_puts(&out, i ? ",{\"path\":" : "{\"path\":");
		err |= mlv_buf_put_json_string(&out, e->name, strlen(e->name));
		err |= mlv_buf_printf(&out, ",\"mode\":\"%06o\",\"type\":\"%s\",\"oid\":",
			(unsigned)e->mode, plumb_entry_type(e));
		err |= plumb_put_json_oid(&out, &e->oid);
		err |= mlv_buf_printf(&out, ",\"size\":%llu}", (unsigned long long)e->size);
	}
	err |= mlv_buf_puts(&out, "]}\n");
	ret = err ? mlv_die("out of memory") : plumb_write_stdout(out.ptr, out.size);
	mlv_buf_release(&out);
	return ret;
}

int cmd_ls_tree(int argc, const char **argv, struct mlv_ctx *ctx)
{
	struct ls_result r;
	mlv_objinfo info;
	int nargs, rc, ret = MLV_EXIT_FATAL;

	memset(&r, 0, sizeof(r));
	nargs = mlv_parse_options(argc, argv, mlv_opts_ls_tree, mlv_usage_ls_tree);
	if (nargs < 0)
		return MLV_EXIT_USAGE;
	if (nargs != 1) {
		mlv_usage_print(stderr, mlv_usage_ls_tree, mlv_opts_ls_tree);
		return MLV_EXIT_USAGE;
	}
	if ((rc = mlv_object_resolve(ctx->store, &r.tree, argv[0])) != 0 ||
	    (rc = mlv_object_info(ctx->store, &r.tree, &info)) != 0)
		goto done;
	if (info.type != MLV_OBJ_TREE) {
		char hex[MLV_OID_HEXSZ + 1];
		ret = mlv_die("object %s is a %s, not a tree", mlv_oid_fmt(hex, &r.tree),
			mlv_objtype_name(info.type));
		goto done;
	}
	if ((rc = list_tree(&r, ctx->store, &r.tree, NULL, 0)) != 0)
		goto done;
	ret = opt_json ? print_json(&r) : print_human(&r);

done:
	if (rc)
		ret = mlv_die_lib();
	for (size_t i = 0; i < r.n; i++)
		free(r.items[i].path);
	free(r.items);
	return ret;
}
