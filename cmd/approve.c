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
	struct reg_change c;
	mlv_reg_outcome r;
	mlv_buf out = MLV_BUF_INIT, who = MLV_BUF_INIT;
	int ret;

	if ((ret = reg_change_begin(&c, argc, argv, mlv_opts_approve, mlv_usage_approve, 2, 0, ctx, &opt_message)))
		goto done;
	c.a.alias = argv[1];
	if (mlv_registry_approve(ctx->store, &c.a, &r)) {
		ret = mlv_die_lib();
		goto done;
	}
	reg_identity_fmt(&who, c.who_name, c.who_email);
	if (opt_json) {
		mlv_buf_puts(&out, "{\"schema\":\"mlv.approve/1\",\"name\":");
		mlv_buf_put_json_string(&out, c.v.name, strlen(c.v.name));
		mlv_buf_printf(&out, ",\"version\":%u,\"alias\":", c.v.version);
		mlv_buf_put_json_string(&out, c.a.alias, strlen(c.a.alias));
		mlv_buf_puts(&out, ",\"identity\":");
		mlv_buf_put_json_string(&out, who.ptr ? who.ptr : "", who.size);
		mlv_buf_printf(&out, ",\"recorded\":%s,\"approvals\":%u}\n", r.changed ? "true" : "false", r.approvals);
	} else if (r.changed) {
		mlv_buf_printf(&out, "%s approved %s@%u for %s (%u approval%s)\n", mlv_buf_cstr(&who), c.v.name, c.v.version,
			c.a.alias, r.approvals, r.approvals == 1 ? "" : "s");
	} else {
		mlv_buf_printf(&out, "%s had already approved %s@%u for %s; counted once (%u approval%s)\n",
			mlv_buf_cstr(&who), c.v.name, c.v.version, c.a.alias, r.approvals, r.approvals == 1 ? "" : "s");
	}
	ret = reg_flush(&out);
done:
	mlv_buf_release(&out);
	mlv_buf_release(&who);
	reg_change_release(&c);
	return ret;
}
