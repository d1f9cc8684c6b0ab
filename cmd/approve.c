/* `mlv approve`: record that the acting identity approves a version for an alias. */
#include <stdlib.h>
#include <string.h>

#include "regutil.h"

static int opt_json;
static const char *opt_message;

const struct mlv_option mlv_opts_approve[] = {
	MLV_OPT_STRING('m', "message", &opt_message, "message", "why"),
	MLV_OPT_JSON(&opt_json),
	MLV_OPT_END()
};

const char *const mlv_usage_approve[] = {
	"mlv approve <name>@<version> <alias> [-m <message>] [--json]",
	NULL
};

int cmd_approve(int argc, const char **argv, struct mlv_ctx *ctx)
{
	mlv_reg_action a;
	mlv_reg_outcome r;
	mlv_model_version v;
	char *who_name = NULL, *who_email = NULL;
	mlv_buf out = MLV_BUF_INIT, who = MLV_BUF_INIT;
	int nargs, ret;

	nargs = mlv_parse_options(argc, argv, mlv_opts_approve, mlv_usage_approve);
	if (nargs < 0)
		return MLV_EXIT_USAGE;
	if (nargs != 2) {
		mlv_usage_print(stderr, mlv_usage_approve, mlv_opts_approve);
		return MLV_EXIT_USAGE;
	}
	if ((ret = reg_resolve(ctx, argv[0], &v)) || (ret = reg_identity(ctx, &who_name, &who_email)))
		goto done;
	memset(&a, 0, sizeof(a));
	a.name = v.name;
	a.version = v.version;
	a.alias = argv[1];
	a.message = opt_message;
	a.who.name = who_name;
	a.who.email = who_email;
	if (mlv_registry_approve(ctx->store, &a, &r)) {
		ret = mlv_die_lib();
		goto done;
	}
	reg_identity_fmt(&who, who_name, who_email);
	if (opt_json) {
		mlv_buf_puts(&out, "{\"schema\":\"mlv.approve/1\",\"name\":");
		mlv_buf_put_json_string(&out, v.name, strlen(v.name));
		mlv_buf_printf(&out, ",\"version\":%u,\"alias\":", v.version);
		mlv_buf_put_json_string(&out, a.alias, strlen(a.alias));
		mlv_buf_puts(&out, ",\"identity\":");
		mlv_buf_put_json_string(&out, who.ptr ? who.ptr : "", who.size);
		mlv_buf_printf(&out, ",\"recorded\":%s,\"approvals\":%u}\n", r.changed ? "true" : "false", r.approvals);
	} else if (r.changed) {
		mlv_buf_printf(&out, "%s approved %s@%u for %s (%u approval%s)\n", mlv_buf_cstr(&who), v.name, v.version,
			a.alias, r.approvals, r.approvals == 1 ? "" : "s");
	} else {
		mlv_buf_printf(&out, "%s had already approved %s@%u for %s; counted once (%u approval%s)\n",
			mlv_buf_cstr(&who), v.name, v.version, a.alias, r.approvals, r.approvals == 1 ? "" : "s");
	}
	ret = reg_flush(&out);
done:
	mlv_buf_release(&out);
	mlv_buf_release(&who);
	free(who_name);
	free(who_email);
	return ret;
}
