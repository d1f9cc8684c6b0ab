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
	mlv_reg_action a;
	mlv_reg_outcome r;
	char *who_name = NULL, *who_email = NULL;
	mlv_buf out = MLV_BUF_INIT;
	int nargs, ret;

	nargs = mlv_parse_options(argc, argv, mlv_opts_rollback, mlv_usage_rollback);
	if (nargs < 0)
		return MLV_EXIT_USAGE;
	if (nargs != 2) {
		mlv_usage_print(stderr, mlv_usage_rollback, mlv_opts_rollback);
		return MLV_EXIT_USAGE;
	}
	if (opt_to != -1 && (opt_to < 1 || opt_to > 0xffffffffL))
		return mlv_die("--to must be a version number (1, 2, 3...), not %ld", opt_to);
	if ((ret = reg_identity(ctx, &who_name, &who_email)))
		goto done;
	memset(&a, 0, sizeof(a));
	a.name = argv[0];
	a.alias = argv[1];
	a.version = opt_to == -1 ? 0 : (uint32_t)opt_to;
	a.message = opt_message;
	a.who.name = who_name;
	a.who.email = who_email;
	if (mlv_registry_rollback(ctx->store, &a, &r)) {
		ret = mlv_die_lib();
		goto done;
	}
	if (opt_json) {
		mlv_buf_puts(&out, "{\"schema\":\"mlv.rollback/1\",\"name\":");
		mlv_buf_put_json_string(&out, a.name, strlen(a.name));
		mlv_buf_puts(&out, ",\"alias\":");
		mlv_buf_put_json_string(&out, a.alias, strlen(a.alias));
		mlv_buf_printf(&out, ",\"from\":%u,\"version\":%u,\"moved\":%s", r.from, r.version, r.changed ? "true" : "false");
		if (r.changed)
			mlv_buf_printf(&out, ",\"seq\":%llu", (unsigned long long)r.seq);
		mlv_buf_puts(&out, "}\n");
	} else if (r.changed) {
		mlv_buf_printf(&out, "%s: %s@%u -> %s@%u (rollback)\n", a.alias, a.name, r.from, a.name, r.version);
	} else {
		mlv_buf_printf(&out, "%s already points to %s@%u; nothing moved\n", a.alias, a.name, r.version);
	}
	ret = reg_flush(&out);
done:
	mlv_buf_release(&out);
	free(who_name);
	free(who_email);
	return ret;
}
