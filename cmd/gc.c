/*
 * `mlv gc`: remove objects that nothing references and that are older than
 * the grace period (two weeks unless --prune says otherwise), and repack what
 * is left of their packs. Pointer files hold data alive: those of the work
 * tree, and, in a git work tree, those of every commit any ref or reflog
 * reaches and of the index.
 */
#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "commands.h"
#include "plumbing.h"
#include "mlv/git.h"
#include "mlv/worktree.h"

#define GC_DEFAULT_PRUNE "2.weeks.ago"

static int opt_dry_run;
static const char *opt_prune;
static int opt_json;

const struct mlv_option mlv_opts_gc[] = {
	MLV_OPT_BOOL('n', "dry-run", &opt_dry_run, "only show what would be removed"),
	{ MLV_OPTT_STRING, 0, "prune", &opt_prune, "age",
	  "remove unreferenced objects older than <age> (default 2.weeks.ago)",
	  MLV_OPTF_OPTARG | MLV_OPTF_NONEG, GC_DEFAULT_PRUNE },
	MLV_OPT_JSON(&opt_json),
	MLV_OPT_END()
};

const char *const mlv_usage_gc[] = {
	"mlv gc [--dry-run] [--prune=<age>] [--json]",
	NULL
};

struct gc_removed {
	mlv_oid oid;
	int type;
	uint64_t size;
};

struct gc_cmd_result {
	int dry_run;
	int never;          /* --prune=never: nothing was eligible */
	int64_t expire;
	mlv_gc_result res;
	struct gc_removed *removed;
	size_t n, alloc;
	int oom;
	const char *mlvdir;  /* where the work tree is found (list_roots) */
	const char *cwd;
};

static const struct {
	const char *name;
	int64_t seconds;
} units[] = {
	{ "second", 1 }, { "seconds", 1 }, { "sec", 1 }, { "secs", 1 }, { "s", 1 },
	{ "minute", 60 }, { "minutes", 60 }, { "min", 60 }, { "mins", 60 },
	{ "hour", 3600 }, { "hours", 3600 }, { "h", 3600 },
	{ "day", 86400 }, { "days", 86400 }, { "d", 86400 },
	{ "week", 604800 }, { "weeks", 604800 }, { "w", 604800 },
};

/*
 * Turn an --prune value into the "keep at or after" time gc takes.
 *   now            everything unreferenced, up to this second included
 *   never          nothing (*never is set)
 *   @<epoch>       objects written before that second
 *   <n>.<unit>[.ago] (also with spaces: "3 days ago")
 */
static int parse_prune(int64_t *expire, int *never, const char *s, int64_t now)
{
	char word[16];
	const char *p = s;
	unsigned long long n = 0;
	size_t len = 0;

	*never = 0;
	if (strcmp(s, "now") == 0) {
		*expire = now + 1;
		return 0;
	}
	if (strcmp(s, "never") == 0) {
		*never = 1;
		*expire = INT64_MIN;
		return 0;
	}
	if (*p == '@') {
		char *end;
		long long v;
		if (!isdigit((unsigned char)p[1]))
			return -1;
		errno = 0;
		v = strtoll(p + 1, &end, 10);
		if (errno || *end)
			return -1;
		*expire = v;
		return 0;
	}
	if (!isdigit((unsigned char)*p))
		return -1;
	for (; isdigit((unsigned char)*p); p++) {
		n = n * 10 + (unsigned)(*p - '0');
		if (n > (unsigned long long)INT64_MAX / 604800)
			return -1;
	}
	if (*p != '.' && *p != ' ')
		return -1;
	p++;
	while (isalpha((unsigned char)p[len]) && len < sizeof(word) - 1)
		len++;
	if (len == 0 || isalpha((unsigned char)p[len]))
		return -1;
	memcpy(word, p, len);
	word[len] = '\0';
	p += len;
	if (*p && strcmp(p, ".ago") != 0 && strcmp(p, " ago") != 0)
		return -1;
	for (size_t i = 0; i < sizeof(units) / sizeof(units[0]); i++) {
		if (strcmp(word, units[i].name) == 0) {
			*expire = now - (int64_t)n * units[i].seconds;
			return 0;
		}
	}
	return -1;
}

static void collect(void *payload, const mlv_oid *oid, int type, uint64_t size)
{
	struct gc_cmd_result *r = payload;

	if (r->n == r->alloc) {
		size_t alloc = r->alloc ? r->alloc * 2 : 64;
		struct gc_removed *nr = realloc(r->removed, alloc * sizeof(*nr));
		if (!nr) {
			r->oom = 1;
			return;
		}
		r->removed = nr;
		r->alloc = alloc;
	}
	r->removed[r->n].oid = *oid;
	r->removed[r->n].type = type;
	r->removed[r->n].size = size;
	r->n++;
}

/*
 * mlv_gc_opts.roots: the pointers of the work tree the store serves and, when
 * it is in a git repository, of its history. Any failure fails gc (which
 * then deletes nothing).
 */
static int list_roots(void *payload, mlv_root_emit_fn emit, void *emit_payload)
{
	struct gc_cmd_result *g = payload;
	mlv_repo *repo = NULL;
	char *root = NULL;
	int rc;

	if ((rc = mlv_worktree_find_root(&root, g->mlvdir, g->cwd)) != 0)
		goto done;
	if ((rc = mlv_worktree_pointer_roots(root, emit, emit_payload, NULL)) != 0)
		goto done;
	rc = mlv_repo_open(&repo, root);
	if (rc == MLV_ENOTFOUND) {
		mlv_error_clear();   /* not in git: the work tree is all there is */
		rc = 0;
		goto done;
	}
	if (rc == 0)
		rc = mlv_repo_pointer_roots(repo, emit, emit_payload, NULL);
done:
	mlv_repo_free(repo);
	free(root);
	return rc;
}

static int print_human(const struct gc_cmd_result *r)
{
	mlv_buf out = MLV_BUF_INIT;
	char hex[MLV_OID_HEXSZ + 1];
	int err = 0, ret;

	for (size_t i = 0; i < r->n; i++)
		err |= mlv_buf_printf(&out, "%s %s %s %llu\n", r->dry_run ? "would remove" : "removed",
			mlv_objtype_name((mlv_objtype)r->removed[i].type),
			mlv_oid_fmt(hex, &r->removed[i].oid), (unsigned long long)r->removed[i].size);
	err |= mlv_buf_printf(&out, "%s %llu objects (%llu chunks), kept %llu objects (%llu chunks)\n",
		r->dry_run ? "would remove" : "removed",
		(unsigned long long)r->res.objects_removed, (unsigned long long)r->res.chunks_removed,
		(unsigned long long)r->res.objects_kept, (unsigned long long)r->res.chunks_kept);
	err |= mlv_buf_printf(&out, "pack bytes: %llu before, %llu after%s\n",
		(unsigned long long)r->res.bytes_before, (unsigned long long)r->res.bytes_after,
		r->dry_run ? " (estimated)" : "");
	ret = err ? mlv_die("out of memory") : plumb_write_stdout(out.ptr, out.size);
	mlv_buf_release(&out);
	return ret;
}

static int print_json(const struct gc_cmd_result *r)
{
	mlv_buf out = MLV_BUF_INIT;
	int err = 0, ret;

	err |= mlv_buf_printf(&out, "{\"schema\":\"mlv.gc/1\",\"dry_run\":%s,\"expire\":",
		r->dry_run ? "true" : "false");
	err |= r->never ? mlv_buf_puts(&out, "null") :
		mlv_buf_printf(&out, "%lld", (long long)r->expire);
	err |= mlv_buf_puts(&out, ",\"removed\":[");
	for (size_t i = 0; i < r->n; i++) {
		err |= mlv_buf_puts(&out, i ? ",{\"oid\":" : "{\"oid\":");
		err |= plumb_put_json_oid(&out, &r->removed[i].oid);
		err |= mlv_buf_printf(&out, ",\"type\":\"%s\",\"size\":%llu}",
			mlv_objtype_name((mlv_objtype)r->removed[i].type),
			(unsigned long long)r->removed[i].size);
	}
	err |= mlv_buf_printf(&out, "],\"objects_removed\":%llu,\"objects_kept\":%llu,"
		"\"chunks_removed\":%llu,\"chunks_kept\":%llu,\"packs_removed\":%llu,"
		"\"packs_written\":%llu,\"bytes_before\":%llu,\"bytes_after\":%llu}\n",
		(unsigned long long)r->res.objects_removed, (unsigned long long)r->res.objects_kept,
		(unsigned long long)r->res.chunks_removed, (unsigned long long)r->res.chunks_kept,
		(unsigned long long)r->res.packs_removed, (unsigned long long)r->res.packs_written,
		(unsigned long long)r->res.bytes_before, (unsigned long long)r->res.bytes_after);
	ret = err ? mlv_die("out of memory") : plumb_write_stdout(out.ptr, out.size);
	mlv_buf_release(&out);
	return ret;
}

int cmd_gc(int argc, const char **argv, struct mlv_ctx *ctx)
{
	struct gc_cmd_result r;
	mlv_gc_opts opts;
	int nargs, rc = 0, ret = MLV_EXIT_FATAL;

	memset(&r, 0, sizeof(r));
	nargs = mlv_parse_options(argc, argv, mlv_opts_gc, mlv_usage_gc);
	if (nargs < 0)
		return MLV_EXIT_USAGE;
	if (nargs != 0) {
		mlv_usage_print(stderr, mlv_usage_gc, mlv_opts_gc);
		return MLV_EXIT_USAGE;
	}
	if (parse_prune(&r.expire, &r.never, opt_prune ? opt_prune : GC_DEFAULT_PRUNE,
			(int64_t)time(NULL)) != 0) {
		mlv_die("invalid --prune value '%s' (expected now, never, @<epoch> or "
			"<n>.<unit>[.ago] with unit seconds, minutes, hours, days or weeks)",
			opt_prune);
		return MLV_EXIT_USAGE;
	}
	r.dry_run = opt_dry_run;
	memset(&opts, 0, sizeof(opts));
	opts.dry_run = opt_dry_run;
	opts.expire = r.expire;
	opts.report = collect;
	opts.payload = &r;
	r.mlvdir = ctx->mlvdir;
	r.cwd = ctx->cwd;
	opts.roots = list_roots;
	if ((rc = mlv_gc(ctx->store, &opts, &r.res)) != 0)
		goto done;
	if (r.oom) {
		ret = mlv_die("out of memory while listing removed objects");
		goto done;
	}
	ret = opt_json ? print_json(&r) : print_human(&r);

done:
	if (rc)
		ret = mlv_die_lib();
	free(r.removed);
	return ret;
}
