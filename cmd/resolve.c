/*
 * `mlv resolve`: a model spec (NAME@N, NAME@ALIAS, NAME@latest) to its
 * version and artifact id: the call serving scripts and CI jobs make, a few
 * index lookups.
 */
#include <stdlib.h>
#include <string.h>

#include "regutil.h"

static int opt_json;

const struct mlv_option mlv_opts_resolve[] = {
	MLV_OPT_JSON(&opt_json),
	MLV_OPT_END()
};

const char *const mlv_usage_resolve[] = {
	"mlv resolve <name>@<version|alias|latest> [--json]",
	NULL
};

struct aliases_of {
	uint32_t version;
	mlv_buf *out;
	int n;
};

static int alias_one(void *payload, const char *alias, uint32_t version, uint64_t seq, int64_t time_ms)
{
	struct aliases_of *a = payload;
	(void)seq;
	(void)time_ms;
	if (version != a->version)
		return 0;
	if (a->n++)
		mlv_buf_putc(a->out, ',');
	return mlv_buf_put_json_string(a->out, alias, strlen(alias));
}

int cmd_resolve(int argc, const char **argv, struct mlv_ctx *ctx)
{
	mlv_model_version v;
	mlv_buf out = MLV_BUF_INIT;
	char hex[MLV_OID_HEXSZ + 1];
	int nargs, ret;

	nargs = mlv_parse_options(argc, argv, mlv_opts_resolve, mlv_usage_resolve);
	if (nargs < 0)
		return MLV_EXIT_USAGE;
	if (nargs != 1) {
		mlv_usage_print(stderr, mlv_usage_resolve, mlv_opts_resolve);
		return MLV_EXIT_USAGE;
	}
	if ((ret = reg_resolve(ctx, argv[0], &v)))
		return ret;
	if (opt_json) {
		struct aliases_of a = { v.version, &out, 0 };
		mlv_buf_puts(&out, "{\"schema\":\"mlv.resolve/1\",\"name\":");
		mlv_buf_put_json_string(&out, v.name, strlen(v.name));
		mlv_buf_printf(&out, ",\"version\":%u,\"oid\":", v.version);
		reg_json_oid(&out, &v.artifact);
		mlv_buf_printf(&out, ",\"size\":%llu,\"kind\":\"%s\",\"deprecated\":%s,\"record\":", (unsigned long long)v.size,
			v.is_dir ? "dir" : "file", v.deprecated ? "true" : "false");
		reg_json_oid(&out, &v.record);
		mlv_buf_puts(&out, ",\"aliases\":[");
		if (mlv_registry_aliases(ctx->store, v.name, alias_one, &a)) {
			mlv_buf_release(&out);
			return mlv_die_lib();
		}
		mlv_buf_puts(&out, "]}\n");
	} else {
		mlv_buf_printf(&out, "%s@%u %s\n", v.name, v.version, mlv_oid_fmt(hex, &v.artifact));
	}
	return reg_flush(&out);
}
