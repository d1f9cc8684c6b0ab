/* `mlv unalias`: remove an alias of a model (recorded as an event). */
#include <stdlib.h>
#include <string.h>

#include "regutil.h"

static int opt_json;
static const char *opt_message;

const struct mlv_option mlv_opts_unalias[] = {
	MLV_OPT_STRING('m', "message", &opt_message, "message", "why"),
	MLV_OPT_JSON(&opt_json),
	MLV_OPT_END()
};

const char *const mlv_usage_unalias[] = {
	"mlv unalias <name> <alias> [-m <message>] [--json]",
	NULL
};

int cmd_unalias(int argc, const char **argv, struct mlv_ctx *ctx)
{
	struct reg_change c;
	mlv_reg_outcome r;
	mlv_buf out = MLV_BUF_INIT;
	int ret;

	if ((ret = reg_change_begin(&c, argc, argv, mlv_opts_unalias, mlv_usage_unalias, 2, -1, ctx, &opt_message)))
		goto done;
	c.a.name = argv[0];
	c.a.alias = argv[1];
	if (mlv_registry_unalias(ctx->store, &c.a, &r)) {
		ret = mlv_die_lib();
		goto done;
	}
	if (opt_json) {
		mlv_buf_puts(&out, "{\"schema\":\"mlv.unalias/1\",\"name\":");
		mlv_buf_put_json_string(&out, c.a.name, strlen(c.a.name));
		mlv_buf_puts(&out, ",\"alias\":");
		mlv_buf_put_json_string(&out, c.a.alias, strlen(c.a.alias));
		mlv_buf_printf(&out, ",\"from\":%u,\"seq\":%llu}\n", r.from, (unsigned long long)r.seq);
	} else {
		mlv_buf_printf(&out, "%s: removed (was %s@%u)\n", c.a.alias, c.a.name, r.from);
	}
	ret = reg_flush(&out);
done:
	mlv_buf_release(&out);
	reg_change_release(&c);
	return ret;
}
