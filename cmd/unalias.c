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
	mlv_reg_action a;
	mlv_reg_outcome r;
	char *who_name = NULL, *who_email = NULL;
	mlv_buf out = MLV_BUF_INIT;
	int nargs, ret;

	nargs = mlv_parse_options(argc, argv, mlv_opts_unalias, mlv_usage_unalias);
	if (nargs < 0)
		return MLV_EXIT_USAGE;
	if (nargs != 2) {
		mlv_usage_print(stderr, mlv_usage_unalias, mlv_opts_unalias);
		return MLV_EXIT_USAGE;
	}
	if ((ret = reg_identity(ctx, &who_name, &who_email)))
		goto done;
	memset(&a, 0, sizeof(a));
	a.name = argv[0];
	a.alias = argv[1];
	a.message = opt_message;
	a.who.name = who_name;
	a.who.email = who_email;
	if (mlv_registry_unalias(ctx->store, &a, &r)) {
		ret = mlv_die_lib();
		goto done;
	}
	if (opt_json) {
		mlv_buf_puts(&out, "{\"schema\":\"mlv.unalias/1\",\"name\":");
		mlv_buf_put_json_string(&out, a.name, strlen(a.name));
		mlv_buf_puts(&out, ",\"alias\":");
		mlv_buf_put_json_string(&out, a.alias, strlen(a.alias));
		mlv_buf_printf(&out, ",\"from\":%u,\"seq\":%llu}\n", r.from, (unsigned long long)r.seq);
	} else {
		mlv_buf_printf(&out, "%s: removed (was %s@%u)\n", a.alias, a.name, r.from);
	}
	ret = reg_flush(&out);
done:
	mlv_buf_release(&out);
	free(who_name);
	free(who_email);
	return ret;
}
