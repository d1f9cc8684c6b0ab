/*
 * `mlv fsck`: check every pack, chunk, object and tree of the store (and,
 * with --rebuild-index, rebuild the index from the packs first). Problems go
 * to stdout one per line; the exit status says whether there were any.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "commands.h"
#include "plumbing.h"
#include "mlv/run.h"

static int opt_full;
static int opt_rebuild;
static int opt_json;

const struct mlv_option mlv_opts_fsck[] = {
	MLV_OPT_BOOL(0, "full", &opt_full, "also read every object whole and check its id"),
	MLV_OPT_BOOL(0, "rebuild-index", &opt_rebuild, "rebuild the index from the pack files, then check"),
	MLV_OPT_JSON(&opt_json),
	MLV_OPT_END()
};

const char *const mlv_usage_fsck[] = {
	"mlv fsck [--full] [--rebuild-index] [--json]",
	NULL
};

struct fsck_problem {
	char *kind;
	int has_oid;
	mlv_oid oid;
	char *message;
};

struct fsck_cmd_result {
	mlv_fsck_result res;
	int rebuilt;
	uint64_t rebuilt_objects, rebuilt_chunks, rebuilt_skipped;
	struct fsck_problem *problems;
	size_t n, alloc;
	int oom;   /* a problem could not be recorded */
	uint64_t models, events, reg_problems; /* the registry's chains */
	uint64_t runs_problems;                 /* the runs' sort index */
};

static void collect(void *payload, const char *kind, const mlv_oid *oid, const char *message)
{
	struct fsck_cmd_result *r = payload;
	struct fsck_problem *p;

	if (r->n == r->alloc) {
		size_t alloc = r->alloc ? r->alloc * 2 : 16;
		struct fsck_problem *np = realloc(r->problems, alloc * sizeof(*np));
		if (!np) {
			r->oom = 1;
			return;
		}
		r->problems = np;
		r->alloc = alloc;
	}
	p = &r->problems[r->n];
	memset(p, 0, sizeof(*p));
	p->kind = strdup(kind ? kind : "unknown");
	p->message = strdup(message ? message : "");
	if (!p->kind || !p->message) {
		free(p->kind);
		free(p->message);
		r->oom = 1;
		return;
	}
	if (oid) {
		p->has_oid = 1;
		p->oid = *oid;
	}
	r->n++;
}

static uint64_t nproblems(const struct fsck_cmd_result *r)
{
	uint64_t n = r->res.problems + r->reg_problems + r->runs_problems;
	return n > r->n ? n : r->n;
}

static int print_human(const struct fsck_cmd_result *r)
{
	mlv_buf out = MLV_BUF_INIT;
	char hex[MLV_OID_HEXSZ + 1];
	int err = 0, ret;

	for (size_t i = 0; i < r->n; i++) {
		const struct fsck_problem *p = &r->problems[i];
		err |= mlv_buf_printf(&out, "%s %s %s\n", p->kind,
			p->has_oid ? mlv_oid_fmt(hex, &p->oid) : "-", p->message);
	}
	ret = err ? mlv_die("out of memory") : plumb_write_stdout(out.ptr, out.size);
	mlv_buf_release(&out);
	if (ret)
		return ret;
	if (r->rebuilt)
		fprintf(stderr, "rebuilt index: %llu objects, %llu chunks, %llu damaged entries skipped\n",
			(unsigned long long)r->rebuilt_objects, (unsigned long long)r->rebuilt_chunks,
			(unsigned long long)r->rebuilt_skipped);
	fprintf(stderr, "checked %llu packs, %llu chunks, %llu objects",
		(unsigned long long)r->res.packs, (unsigned long long)r->res.chunks,
		(unsigned long long)r->res.objects);
	if (r->models)
		fprintf(stderr, ", %llu model%s with %llu events", (unsigned long long)r->models,
			r->models == 1 ? "" : "s", (unsigned long long)r->events);
	if (nproblems(r))
		fprintf(stderr, ": %llu problem%s\n", (unsigned long long)nproblems(r),
			nproblems(r) == 1 ? "" : "s");
	else
		fprintf(stderr, ": no problems\n");
	return 0;
}

static int print_json(const struct fsck_cmd_result *r)
{
	mlv_buf out = MLV_BUF_INIT;
	int err = 0, ret;

	err |= mlv_buf_printf(&out, "{\"schema\":\"mlv.fsck/1\",\"packs\":%llu,\"chunks\":%llu,"
		"\"objects\":%llu,\"bytes\":%llu,\"models\":%llu,\"events\":%llu,", (unsigned long long)r->res.packs,
		(unsigned long long)r->res.chunks, (unsigned long long)r->res.objects,
		(unsigned long long)r->res.bytes, (unsigned long long)r->models, (unsigned long long)r->events);
	if (r->rebuilt)
		err |= mlv_buf_printf(&out, "\"rebuilt\":{\"objects\":%llu,\"chunks\":%llu,\"skipped\":%llu},",
			(unsigned long long)r->rebuilt_objects, (unsigned long long)r->rebuilt_chunks,
			(unsigned long long)r->rebuilt_skipped);
	err |= mlv_buf_puts(&out, "\"problems\":[");
	for (size_t i = 0; i < r->n; i++) {
		const struct fsck_problem *p = &r->problems[i];
		err |= mlv_buf_puts(&out, i ? ",{\"kind\":" : "{\"kind\":");
		err |= mlv_buf_put_json_string(&out, p->kind, strlen(p->kind));
		err |= mlv_buf_puts(&out, ",\"oid\":");
		err |= p->has_oid ? plumb_put_json_oid(&out, &p->oid) : mlv_buf_puts(&out, "null");
		err |= mlv_buf_puts(&out, ",\"message\":");
		err |= mlv_buf_put_json_string(&out, p->message, strlen(p->message));
		err |= mlv_buf_putc(&out, '}');
	}
	err |= mlv_buf_printf(&out, "],\"ok\":%s}\n", nproblems(r) ? "false" : "true");
	ret = err ? mlv_die("out of memory") : plumb_write_stdout(out.ptr, out.size);
	mlv_buf_release(&out);
	return ret;
}

int cmd_fsck(int argc, const char **argv, struct mlv_ctx *ctx)
{
	struct fsck_cmd_result r;
	mlv_fsck_opts opts;
	int nargs, rc = 0, ret = MLV_EXIT_FATAL;

	memset(&r, 0, sizeof(r));
	nargs = mlv_parse_options(argc, argv, mlv_opts_fsck, mlv_usage_fsck);
	if (nargs < 0)
		return MLV_EXIT_USAGE;
	if (nargs != 0) {
		mlv_usage_print(stderr, mlv_usage_fsck, mlv_opts_fsck);
		return MLV_EXIT_USAGE;
	}
	if (opt_rebuild) {
		rc = mlv_index_rebuild(ctx->store, &r.rebuilt_objects, &r.rebuilt_chunks,
			&r.rebuilt_skipped);
		if (rc)
			goto done;
		r.rebuilt = 1;
	}
	memset(&opts, 0, sizeof(opts));
	opts.full = opt_full;
	opts.report = collect;
	opts.payload = &r;
	if ((rc = mlv_fsck(ctx->store, &opts, &r.res)) != 0)
		goto done;
	/* the registry: every chain links up, and the index equals its replay */
	if (opt_rebuild && (rc = mlv_registry_rebuild(ctx->store, NULL, NULL)) != 0)
		goto done;
	if ((rc = mlv_registry_check(ctx->store, collect, &r, &r.models, &r.events, &r.reg_problems)) != 0)
		goto done;
	/* the runs: the sort index holds exactly what the summaries imply */
	if (opt_rebuild && (rc = mlv_run_sort_rebuild(ctx->store)) != 0)
		goto done;
	{
		char *msg = NULL;
		if ((rc = mlv_run_sort_check(ctx->store, &r.runs_problems, &msg)) != 0)
			goto done;
		if (msg)
			collect(&r, "runs-index-mismatch", NULL, msg);
		free(msg);
	}
	if (r.oom) {
		ret = mlv_die("out of memory while recording problems");
		goto done;
	}
	ret = opt_json ? print_json(&r) : print_human(&r);
	if (ret == 0 && nproblems(&r))
		ret = MLV_EXIT_NO;

done:
	if (rc)
		ret = mlv_die_lib();
	for (size_t i = 0; i < r.n; i++) {
		free(r.problems[i].kind);
		free(r.problems[i].message);
	}
	free(r.problems);
	return ret;
}
