/* `mlv deprecate`: mark a version so that it can no longer be promoted. */
#include <stdlib.h>
#include <string.h>

#include "regutil.h"

static int opt_json;
static const char *opt_message;

const struct mlv_option mlv_opts_deprecate[] = {
	MLV_OPT_STRING('m', "message", &opt_message, "message", "why"),
	MLV_OPT_JSON(&opt_json),
	MLV_OPT_END()
};

const char *const mlv_usage_deprecate[] = {
	"mlv deprecate <name>@<version> [-m <message>] [--json]",
	NULL
};

int cmd_deprecate(int argc, const char **argv, struct mlv_ctx *ctx)
{
	mlv_reg_action a;
	mlv_reg_outcome r;
	mlv_model_version v;
	char *who_name = NULL, *who_email = NULL;
	mlv_buf out = MLV_BUF_INIT;
	int nargs, ret;

	nargs = mlv_parse_options(argc, argv, mlv_opts_deprecate, mlv_usage_deprecate);
	if (nargs < 0)
		return MLV_EXIT_USAGE;
	if (nargs != 1) {
		mlv_usage_print(stderr, mlv_usage_deprecate, mlv_opts_deprecate);
		return MLV_EXIT_USAGE;
	}
	if ((ret = reg_resolve(ctx, argv[0], &v)) || (ret = reg_identity(ctx, &who_name, &who_email)))
		goto done;
	memset(&a, 0, sizeof(a));
	a.name = v.name;
	a.version = v.version;
	a.message = opt_message;
	a.who.name = who_name;
	a.who.email = who_email;
	if (mlv_registry_deprecate(ctx->store, &a, &r)) {
		ret = mlv_die_lib();
		goto done;
	}
	if (opt_json) {
		mlv_buf_puts(&out, "{\"schema\":\"mlv.deprecate/1\",\"name\":");
		mlv_buf_put_json_string(&out, v.name, strlen(v.name));
		mlv_buf_printf(&out, ",\"version\":%u,\"recorded\":%s}\n", v.version, r.changed ? "true" : "false");
	} else if (r.changed) {
		mlv_buf_printf(&out, "%s@%u deprecated\n", v.name, v.version);
	} else {
		mlv_buf_printf(&out, "%s@%u was already deprecated\n", v.name, v.version);
	}
	ret = reg_flush(&out);
done:
	mlv_buf_release(&out);
	free(who_name);
	free(who_email);
	return ret;
}
