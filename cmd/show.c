/*
 * `mlv show`: everything recorded of a run (a readable summary, or the
 * record with --json), or one of its captured streams, byte for byte.
 */
#include <stdlib.h>
#include <string.h>
#include "mlv/cjson.h"

#include "commands.h"
#include "plumbing.h"
#include "runfmt.h"
#include "mlv/run.h"

static int opt_json;

const struct mlv_option mlv_opts_show[] = {
	MLV_OPT_JSON(&opt_json),
	MLV_OPT_END()
};

const char *const mlv_usage_show[] = {
	"mlv show [--json] <run>",
	"mlv show <run>:stdout | <run>:stderr",
	NULL
};

static int stream_sink(void *payload, const void *data, size_t len)
{
	(void)payload;
	return plumb_write_stdout(data, len) ? MLV_EIO : 0;
}

static const cJSON *get(const cJSON *j, const char *k)
{
	return cJSON_GetObjectItemCaseSensitive(j, k);
}

static const char *str(const cJSON *j, const char *k)
{
	const cJSON *v = get(j, k);
	return cJSON_IsString(v) ? v->valuestring : NULL;
}

/* A value as people read it: numbers shortest, strings bare. */
static void put_value(mlv_buf *b, const cJSON *v)
{
	if (cJSON_IsString(v))
		mlv_buf_puts(b, v->valuestring);
	else if (cJSON_IsNumber(v)) {
		char tmp[40];
		for (int p = 1; p <= 17; p++) {
			snprintf(tmp, sizeof(tmp), "%.*g", p, v->valuedouble);
			if (strtod(tmp, NULL) == v->valuedouble)
				break;
		}
		mlv_buf_puts(b, tmp);
	} else if (cJSON_IsBool(v))
		mlv_buf_puts(b, cJSON_IsTrue(v) ? "true" : "false");
	else
		mlv_buf_puts(b, "-");
}

static const char *short_oid(const char *s)
{
	return s && !strncmp(s, "sha256:", 7) ? s + 7 : s ? s : "";
}

static void print_human(mlv_buf *b, const cJSON *j)
{
	const cJSON *v, *c;
	char dur[32];
	mlv_buf_printf(b, "run       %s\n", str(j, "id") ? str(j, "id") : "");
	if (str(j, "name"))
		mlv_buf_printf(b, "name      %s\n", str(j, "name"));
	mlv_buf_puts(b, "command  ");
	cJSON_ArrayForEach(c, get(j, "command")) {
		mlv_buf_putc(b, ' ');
		if (cJSON_IsString(c))
			mlv_buf_puts(b, c->valuestring);
	}
	v = get(j, "status");
	mlv_buf_printf(b, "\nstatus    %d", cJSON_IsNumber(v) ? v->valueint : -1);
	if (cJSON_IsNumber(get(j, "signal")))
		mlv_buf_printf(b, " (killed by signal %d)", get(j, "signal")->valueint);
	if (str(j, "error"))
		mlv_buf_printf(b, " (%s)", str(j, "error"));
	if (cJSON_IsTrue(get(j, "interrupted")))
		mlv_buf_puts(b, " (interrupted)");
	v = get(j, "duration_ms");
	mlv_buf_printf(b, "\nstart     %s\nend       %s\nduration  %s\n", str(j, "start") ? str(j, "start") : "",
		str(j, "end") ? str(j, "end") : "", runfmt_duration(dur, cJSON_IsNumber(v) ? (int64_t)v->valuedouble : 0));
	if ((v = get(j, "git"))) {
		mlv_buf_printf(b, "git       %s%s", str(v, "commit") ? str(v, "commit") : "",
			cJSON_IsTrue(get(v, "dirty")) ? " (dirty" : "");
		if (str(v, "diff"))
			mlv_buf_printf(b, ", diff %.12s", short_oid(str(v, "diff")));
		mlv_buf_puts(b, cJSON_IsTrue(get(v, "dirty")) ? ")\n" : "\n");
	}
	if ((v = get(j, "tags")) && v->child) {
		mlv_buf_puts(b, "tags\n");
		cJSON_ArrayForEach(c, v) {
			mlv_buf_printf(b, "  %s = ", c->string);
			put_value(b, c);
			mlv_buf_putc(b, '\n');
		}
	}
	if ((v = get(j, "params")) && v->child) {
		mlv_buf_puts(b, "params\n");
		cJSON_ArrayForEach(c, v) {
			mlv_buf_printf(b, "  %s = ", c->string);
			put_value(b, c);
			mlv_buf_putc(b, '\n');
		}
	}
	if ((v = get(j, "metrics")) && v->child) {
		mlv_buf_puts(b, "metrics   (latest)\n");
		cJSON_ArrayForEach(c, v) {
			const cJSON *st = get(c, "step");
			mlv_buf_printf(b, "  %s = ", c->string);
			put_value(b, get(c, "latest"));
			mlv_buf_printf(b, "  (step %lld, %d values)\n", cJSON_IsNumber(st) ? (long long)st->valuedouble : 0LL,
				cJSON_GetArraySize(get(c, "history")));
		}
	}
	const char *lists[2] = { "deps", "outs" };
	for (int i = 0; i < 2; i++)
		if ((v = get(j, lists[i])) && v->child) {
			mlv_buf_printf(b, "%s\n", lists[i]);
			cJSON_ArrayForEach(c, v) {
				const cJSON *sz = get(c, "size");
				if (cJSON_IsTrue(get(c, "missing")))
					mlv_buf_printf(b, "  %s  (missing)\n", str(c, "path"));
				else
					mlv_buf_printf(b, "  %s  %.12s  %llu bytes%s\n", str(c, "path"), short_oid(str(c, "oid")),
						cJSON_IsNumber(sz) ? (unsigned long long)sz->valuedouble : 0ULL,
						cJSON_IsTrue(get(c, "tracked")) ? " (tracked)" : "");
			}
		}
	const char *streams[2] = { "stdout", "stderr" };
	for (int i = 0; i < 2; i++)
		if ((v = get(j, streams[i]))) {
			const cJSON *sz = get(v, "size");
			mlv_buf_printf(b, "%-9s %llu bytes (mlv show %.8s:%s)\n", streams[i],
				cJSON_IsNumber(sz) ? (unsigned long long)sz->valuedouble : 0ULL, str(j, "id"), streams[i]);
		}
	if ((v = get(j, "env"))) {
		const cJSON *cpu = get(v, "cpu"), *py = get(v, "python"), *mem = get(v, "memory_bytes");
		mlv_buf_printf(b, "env       %s %s %s", str(v, "os") ? str(v, "os") : "?",
			str(v, "kernel") ? str(v, "kernel") : "?", str(v, "machine") ? str(v, "machine") : "?");
		if (cpu)
			mlv_buf_printf(b, ", %d x %s", cJSON_IsNumber(get(cpu, "count")) ? get(cpu, "count")->valueint : 0,
				str(cpu, "model") ? str(cpu, "model") : "cpu");
		if (cJSON_IsNumber(mem))
			mlv_buf_printf(b, ", %.1f GiB", mem->valuedouble / 1073741824.0);
		cJSON_ArrayForEach(c, get(v, "gpu"))
			if (cJSON_IsString(c))
				mlv_buf_printf(b, ", gpu %s", c->valuestring);
		if (py)
			mlv_buf_printf(b, ", python %s (%d packages)", str(py, "version") ? str(py, "version") : "?",
				cJSON_GetArraySize(get(py, "packages")));
		mlv_buf_putc(b, '\n');
	}
	if ((v = get(j, "warnings")) && v->child) {
		mlv_buf_puts(b, "warnings\n");
		cJSON_ArrayForEach(c, v)
			if (cJSON_IsString(c))
				mlv_buf_printf(b, "  %s\n", c->valuestring);
	}
}

int cmd_show(int argc, const char **argv, struct mlv_ctx *ctx)
{
	char id[MLV_RUN_IDSZ + 1], *spec = NULL, *colon;
	const char *stream = NULL;
	mlv_buf rec = MLV_BUF_INIT, out = MLV_BUF_INIT;
	mlv_oid oid;
	cJSON *j = NULL;
	int nargs, ret = MLV_EXIT_FATAL;

	nargs = mlv_parse_options(argc, argv, mlv_opts_show, mlv_usage_show);
	if (nargs < 0)
		return MLV_EXIT_USAGE;
	if (nargs != 1) {
		mlv_usage_print(stderr, mlv_usage_show, mlv_opts_show);
		return MLV_EXIT_USAGE;
	}
	if (!(spec = strdup(argv[0])))
		return mlv_die("out of memory");
	if ((colon = strrchr(spec, ':')) && (!strcmp(colon + 1, "stdout") || !strcmp(colon + 1, "stderr"))) {
		*colon = '\0';
		stream = colon + 1;
		if (opt_json) {
			ret = mlv_die("--json cannot be used with '%s'", argv[0]);
			goto done;
		}
	}
	if (mlv_run_resolve(ctx->store, id, spec) || mlv_run_read(ctx->store, id, &oid, &rec)) {
		mlv_die_lib();
		goto done;
	}
	if (!(j = cJSON_ParseWithLength(rec.ptr, rec.size))) {
		ret = mlv_die("the record of run %s is not valid JSON", id);
		goto done;
	}
	if (stream) {
		mlv_oid sid;
		const char *s = str(get(j, stream), "oid");
		if (!s || mlv_oid_fromhex(&sid, s)) {
			ret = mlv_die("run %s has no captured %s", id, stream);
			goto done;
		}
		if (mlv_object_read(ctx->store, &sid, stream_sink, NULL)) {
			if (!ferror(stdout)) /* else main() reports the write error */
				mlv_die_lib();
			goto done;
		}
		ret = MLV_EXIT_OK;
		goto done;
	}
	if (opt_json) {
		char hex[MLV_OID_HEXSZ + 1];
		mlv_buf_printf(&out, "{\"schema\":\"mlv.show/1\",\"id\":\"%s\",\"record\":\"sha256:%s\",\"run\":", id,
			mlv_oid_fmt(hex, &oid));
		mlv_buf_put(&out, rec.ptr, rec.size);
		mlv_buf_puts(&out, "}\n");
	} else
		print_human(&out, j);
	ret = plumb_write_stdout(out.ptr, out.size) ? MLV_EXIT_FATAL : MLV_EXIT_OK;
done:
	cJSON_Delete(j);
	free(spec);
	mlv_buf_release(&rec);
	mlv_buf_release(&out);
	return ret;
}
