/*
 * `mlv lineage`: where a model version came from — the run that trained
 * it, the data that run read (ids and paths), and the git commit of its
 * code — as text, JSON or a Graphviz graph.
 */
#include <stdlib.h>
#include <string.h>

#include "commands.h"
#include "model.h"
#include "plumbing.h"

static int opt_json, opt_dot;

const struct mlv_option mlv_opts_lineage[] = {
	MLV_OPT_JSON(&opt_json),
	MLV_OPT_BOOL(0, "dot", &opt_dot, "print the lineage as a Graphviz graph"),
	MLV_OPT_END()
};

const char *const mlv_usage_lineage[] = {
	"mlv lineage [--json | --dot] <name>@<version|alias|latest>",
	NULL
};

static const cJSON *get(const cJSON *j, const char *k)
{
	return cJSON_GetObjectItemCaseSensitive(j, k);
}

static const char *str(const cJSON *j, const char *k)
{
	const char *s = model_str(j, k);
	return s ? s : "";
}

static unsigned long long u64(const cJSON *j, const char *k)
{
	const cJSON *v = get(j, k);
	return cJSON_IsNumber(v) && v->valuedouble > 0 ? (unsigned long long)v->valuedouble : 0ULL;
}

/* Copy member K of FROM into B as `"K":<value>` (canonical, from cJSON), preceded by SEP. */
static void copy_member(mlv_buf *b, const char *sep, const cJSON *from, const char *k)
{
	const cJSON *v = get(from, k);
	char *s;
	if (!v || !(s = cJSON_PrintUnformatted(v)))
		return;
	mlv_buf_printf(b, "%s\"%s\":%s", sep, k, s);
	free(s);
}

static void print_json(mlv_buf *b, const struct model_view *mv)
{
	const cJSON *rec = mv->rec, *run = get(rec, "run"), *d;
	int i = 0;

	mlv_buf_puts(b, "{\"schema\":\"mlv.lineage/1\",\"model\":{\"name\":");
	mlv_buf_put_json_string(b, mv->v.name, strlen(mv->v.name));
	mlv_buf_printf(b, ",\"version\":%u", (unsigned)mv->v.version);
	{
		char hex[MLV_OID_HEXSZ + 1];
		mlv_buf_printf(b, ",\"record\":\"sha256:%s\"", mlv_oid_fmt(hex, &mv->v.record));
	}
	copy_member(b, ",", rec, "artifact");
	copy_member(b, ",", rec, "created");
	copy_member(b, ",", rec, "identity");
	mlv_buf_puts(b, "},\"run\":");
	if (!cJSON_IsObject(run)) {
		mlv_buf_puts(b, "null");
	} else {
		mlv_buf_puts(b, "{\"id\":");
		mlv_buf_put_json_string(b, str(run, "id"), strlen(str(run, "id")));
		copy_member(b, ",", run, "name");
		copy_member(b, ",", run, "record");
		if (mv->run) {
			copy_member(b, ",", mv->run, "command");
			copy_member(b, ",", mv->run, "start");
			copy_member(b, ",", mv->run, "status");
		} else {
			mlv_buf_puts(b, ",\"error\":");
			mlv_buf_put_json_string(b, mv->run_error, strlen(mv->run_error));
		}
		mlv_buf_putc(b, '}');
	}
	mlv_buf_puts(b, ",\"data\":[");
	cJSON_ArrayForEach(d, get(rec, "deps")) {
		const char *path = str(d, "path");
		mlv_buf_printf(b, "%s{\"index\":%d", i ? "," : "", i + 1);
		copy_member(b, ",", d, "path");
		copy_member(b, ",", d, "kind");
		copy_member(b, ",", d, "oid");
		copy_member(b, ",", d, "size");
		copy_member(b, ",", d, "files");
		copy_member(b, ",", d, "tracked");
		mlv_buf_printf(b, ",\"data_file\":%s,\"spec\":", model_dep_is_data(d) ? "true" : "false");
		{
			mlv_buf spec = MLV_BUF_INIT;
			mlv_buf_printf(&spec, "%s:data/%s", mv->label, path);
			mlv_buf_put_json_string(b, spec.ptr, spec.size);
			mlv_buf_release(&spec);
		}
		mlv_buf_putc(b, '}');
		i++;
	}
	mlv_buf_puts(b, "],\"git\":");
	if (get(rec, "git")) {
		char *s = cJSON_PrintUnformatted(get(rec, "git"));
		mlv_buf_puts(b, s ? s : "null");
		free(s);
	} else {
		mlv_buf_puts(b, "null");
	}
	mlv_buf_puts(b, "}\n");
}

static const char *short_id(const char *s)
{
	return !strncmp(s, "sha256:", 7) ? s + 7 : s;
}

static void print_human(mlv_buf *b, const struct model_view *mv)
{
	const cJSON *rec = mv->rec, *run = get(rec, "run"), *git = get(rec, "git"), *art = get(rec, "artifact"), *d;
	int i = 0;

	mlv_buf_printf(b, "model  %s  %s  %s, %llu bytes\n", mv->label, short_id(str(art, "oid")),
		str(art, "kind"), u64(art, "size"));
	if (!cJSON_IsObject(run)) {
		mlv_buf_puts(b, "run    none (registered without --run)\n");
	} else {
		mlv_buf_printf(b, "run    %s", str(run, "id"));
		if (model_str(run, "name"))
			mlv_buf_printf(b, "  %s", str(run, "name"));
		if (mv->run) {
			const cJSON *st = get(mv->run, "status");
			mlv_buf_printf(b, "  started %s, exit %d", str(mv->run, "start"), cJSON_IsNumber(st) ? st->valueint : -1);
		} else {
			mlv_buf_printf(b, "  (record unreadable: %s)", mv->run_error);
		}
		mlv_buf_putc(b, '\n');
	}
	cJSON_ArrayForEach(d, get(rec, "deps")) {
		mlv_buf_printf(b, "%s[%d] %s  %s  %llu bytes", i ? "       " : "data   ", i + 1, str(d, "path"),
			short_id(str(d, "oid")), u64(d, "size"));
		if (!strcmp(str(d, "kind"), "dir"))
			mlv_buf_printf(b, ", %llu files", u64(d, "files"));
		mlv_buf_puts(b, cJSON_IsTrue(get(d, "tracked")) ? "  tracked\n" : "  untracked\n");
		i++;
	}
	if (!i && cJSON_IsObject(run))
		mlv_buf_puts(b, "data   none recorded\n");
	if (git)
		mlv_buf_printf(b, "git    %s%s\n", str(git, "commit"), cJSON_IsTrue(get(git, "dirty")) ? " (dirty)" : "");
	else if (cJSON_IsObject(run))
		mlv_buf_puts(b, "git    none recorded (the run was not in a git work tree)\n");
}

/* S as the inside of a DOT double-quoted string. */
static void dot_str(mlv_buf *b, const char *s)
{
	for (; *s; s++) {
		if (*s == '"' || *s == '\\')
			mlv_buf_putc(b, '\\');
		if (*s == '\n')
			mlv_buf_puts(b, "\\n");
		else
			mlv_buf_putc(b, *s);
	}
}

static void print_dot(mlv_buf *b, const struct model_view *mv)
{
	const cJSON *rec = mv->rec, *run = get(rec, "run"), *git = get(rec, "git"), *art = get(rec, "artifact"), *d;
	int i = 0;

	mlv_buf_puts(b, "digraph lineage {\n\trankdir=LR;\n\tnode [shape=box, fontname=\"Helvetica\"];\n");
	mlv_buf_puts(b, "\t\"model\" [shape=box3d, label=\"");
	dot_str(b, mv->label);
	mlv_buf_printf(b, "\\n%.12s  %llu bytes\"];\n", short_id(str(art, "oid")), u64(art, "size"));
	if (cJSON_IsObject(run)) {
		mlv_buf_puts(b, "\t\"run\" [shape=ellipse, label=\"run ");
		dot_str(b, str(run, "id"));
		if (model_str(run, "name")) {
			mlv_buf_puts(b, "\\n");
			dot_str(b, str(run, "name"));
		}
		mlv_buf_puts(b, "\"];\n\t\"model\" -> \"run\" [label=\"trained by\"];\n");
	}
	cJSON_ArrayForEach(d, get(rec, "deps")) {
		i++;
		mlv_buf_printf(b, "\t\"data%d\" [shape=cylinder, label=\"", i);
		dot_str(b, str(d, "path"));
		mlv_buf_printf(b, "\\n%.12s  %llu bytes\"];\n\t\"run\" -> \"data%d\" [label=\"read\"];\n",
			short_id(str(d, "oid")), u64(d, "size"), i);
	}
	if (git) {
		mlv_buf_puts(b, "\t\"git\" [shape=note, label=\"git ");
		dot_str(b, str(git, "commit"));
		mlv_buf_printf(b, "%s\"];\n\t\"run\" -> \"git\" [label=\"code\"];\n",
			cJSON_IsTrue(get(git, "dirty")) ? "\\n(dirty)" : "");
	}
	mlv_buf_puts(b, "}\n");
}

int cmd_lineage(int argc, const char **argv, struct mlv_ctx *ctx)
{
	struct model_view mv;
	mlv_buf out = MLV_BUF_INIT;
	int nargs, ret;

	nargs = mlv_parse_options(argc, argv, mlv_opts_lineage, mlv_usage_lineage);
	if (nargs < 0)
		return MLV_EXIT_USAGE;
	if (nargs != 1 || (opt_json && opt_dot)) {
		if (opt_json && opt_dot)
			fprintf(stderr, "mlv: error: --json and --dot cannot be used together\n");
		mlv_usage_print(stderr, mlv_usage_lineage, mlv_opts_lineage);
		return MLV_EXIT_USAGE;
	}
	if ((ret = model_view_load(&mv, ctx, argv[0]))) {
		model_view_release(&mv);
		return ret;
	}
	if (opt_json)
		print_json(&out, &mv);
	else if (opt_dot)
		print_dot(&out, &mv);
	else
		print_human(&out, &mv);
	ret = plumb_write_stdout(out.ptr, out.size) ? MLV_EXIT_FATAL : MLV_EXIT_OK;
	mlv_buf_release(&out);
	model_view_release(&mv);
	return ret;
}
