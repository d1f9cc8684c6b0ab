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
	struct reg_change c;
	mlv_reg_outcome r;
	mlv_buf out = MLV_BUF_INIT;
	int ret;

	if ((ret = reg_change_begin(&c, argc, argv, mlv_opts_deprecate, mlv_usage_deprecate, 1, 0, ctx, &opt_message)))
		goto done;
	if (mlv_registry_deprecate(ctx->store, &c.a, &r)) {
		ret = mlv_die_lib();
		goto done;
	}
	if (opt_json) {
		mlv_buf_puts(&out, "{\"schema\":\"mlv.deprecate/1\",\"name\":");
		mlv_buf_put_json_string(&out, c.v.name, strlen(c.v.name));
		mlv_buf_printf(&out, ",\"version\":%u,\"recorded\":%s}\n", c.v.version, r.changed ? "true" : "false");
	} else if (r.changed) {
		mlv_buf_printf(&out, "%s@%u deprecated\n", c.v.name, c.v.version);
	} else {
		mlv_buf_printf(&out, "%s@%u was already deprecated\n", c.v.name, c.v.version);
	}
	ret = reg_flush(&out);
done:
	mlv_buf_release(&out);
	reg_change_release(&c);
	return ret;
}
