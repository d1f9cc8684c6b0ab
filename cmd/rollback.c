/* `mlv rollback`: move an alias back to its previous holder, or to a chosen version. */
#include <stdlib.h>
#include <string.h>

#include "regutil.h"

static int opt_json;
static long opt_to = -1;
static const char *opt_message;

const struct mlv_option mlv_opts_rollback[] = {
	MLV_OPT_INT(0, "to", &opt_to, "n", "the version to go back to (default: the one before)"),
	MLV_OPT_STRING('m', "message", &opt_message, "message", "why"),
	MLV_OPT_JSON(&opt_json),
	MLV_OPT_END()
};

const char *const mlv_usage_rollback[] = {
	"mlv rollback <name> <alias> [--to <n>] [-m <message>] [--json]",
	NULL
};

int cmd_rollback(int argc, const char **argv, struct mlv_ctx *ctx)
{
	struct reg_change c;
	mlv_reg_outcome r;
	mlv_buf out = MLV_BUF_INIT;
	int ret;

	if ((ret = reg_change_begin(&c, argc, argv, mlv_opts_rollback, mlv_usage_rollback, 2, -1, ctx, &opt_message)))
		goto done;
	if (opt_to != -1 && (opt_to < 1 || opt_to > 0xffffffffL)) {
		ret = mlv_die("--to must be a version number (1, 2, 3...), not %ld", opt_to);
		goto done;
	}
	c.a.name = argv[0];
	c.a.alias = argv[1];
	c.a.version = opt_to == -1 ? 0 : (uint32_t)opt_to;
	if (mlv_registry_rollback(ctx->store, &c.a, &r)) {
		ret = mlv_die_lib();
		goto done;
	}
	if (opt_json) {
		mlv_buf_puts(&out, "{\"schema\":\"mlv.rollback/1\",\"name\":");
		mlv_buf_put_json_string(&out, c.a.name, strlen(c.a.name));
		mlv_buf_puts(&out, ",\"alias\":");
		mlv_buf_put_json_string(&out, c.a.alias, strlen(c.a.alias));
		mlv_buf_printf(&out, ",\"from\":%u,\"version\":%u,\"moved\":%s", r.from, r.version, r.changed ? "true" : "false");
		if (r.changed)
			mlv_buf_printf(&out, ",\"seq\":%llu", (unsigned long long)r.seq);
		mlv_buf_puts(&out, "}\n");
	} else if (r.changed) {
		mlv_buf_printf(&out, "%s: %s@%u -> %s@%u (rollback)\n", c.a.alias, c.a.name, r.from, c.a.name, r.version);
	} else {
		mlv_buf_printf(&out, "%s already points to %s@%u; nothing moved\n", c.a.alias, c.a.name, r.version);
	}
	ret = reg_flush(&out);
done:
	mlv_buf_release(&out);
	reg_change_release(&c);
	return ret;
}
