/*
 * `mlv register`: store a model artifact (file or directory) and record it
 * as the next version of a model, with its lineage from a run.
 */
#include <stdlib.h>
#include <string.h>

#include "regutil.h"

static int opt_json;
static const char *opt_run, *opt_message;
static struct mlv_strlist opt_metrics, opt_params, opt_tags;

const struct mlv_option mlv_opts_register[] = {
	MLV_OPT_STRING(0, "run", &opt_run, "run", "the run that made it: its params, metrics, data and commit"),
	MLV_OPT_LIST(0, "metric", &opt_metrics, "key=value", "a metric (adds to or overrides the run's)"),
	MLV_OPT_LIST(0, "param", &opt_params, "key=value", "a parameter (adds to or overrides the run's)"),
	MLV_OPT_LIST(0, "tag", &opt_tags, "key=value", "a tag"),
	MLV_OPT_STRING('m', "message", &opt_message, "message", "why this version exists"),
	MLV_OPT_JSON(&opt_json),
	MLV_OPT_END()
};

const char *const mlv_usage_register[] = {
	"mlv register <name> <path> [--run <run>] [--metric <key>=<value>]... [--param <key>=<value>]... [--tag <key>=<value>]... [-m <message>] [--json]",
	NULL
};

int cmd_register(int argc, const char **argv, struct mlv_ctx *ctx)
{
	mlv_register_opts o;
	mlv_model_version v;
	char *who_name = NULL, *who_email = NULL;
	mlv_buf out = MLV_BUF_INIT;
	int nargs, ret;

	nargs = mlv_parse_options(argc, argv, mlv_opts_register, mlv_usage_register);
	if (nargs < 0)
		return MLV_EXIT_USAGE;
	if (nargs != 2) {
		mlv_usage_print(stderr, mlv_usage_register, mlv_opts_register);
		return MLV_EXIT_USAGE;
	}
	if ((ret = reg_identity(ctx, &who_name, &who_email)))
		return ret;
	memset(&o, 0, sizeof(o));
	o.name = argv[0];
	o.path = argv[1];
	o.run = opt_run;
	o.metrics = opt_metrics.items;
	o.nmetrics = opt_metrics.n;
	o.params = opt_params.items;
	o.nparams = opt_params.n;
	o.tags = opt_tags.items;
	o.ntags = opt_tags.n;
	o.message = opt_message;
	o.who.name = who_name;
	o.who.email = who_email;
	if (mlv_registry_register(ctx->store, &o, &v)) {
		ret = mlv_die_lib();
		goto done;
	}
	if (opt_json) {
		mlv_buf_puts(&out, "{\"schema\":\"mlv.register/1\",\"name\":");
		mlv_buf_put_json_string(&out, v.name, strlen(v.name));
		mlv_buf_printf(&out, ",\"version\":%u,\"oid\":", v.version);
		reg_json_oid(&out, &v.artifact);
		mlv_buf_printf(&out, ",\"size\":%llu,\"kind\":\"%s\",\"record\":", (unsigned long long)v.size,
			v.is_dir ? "dir" : "file");
		reg_json_oid(&out, &v.record);
		mlv_buf_puts(&out, "}\n");
	} else {
		mlv_buf_printf(&out, "%s@%u\n", v.name, v.version);
	}
	ret = reg_flush(&out);
done:
	mlv_buf_release(&out);
	free(who_name);
	free(who_email);
	mlv_strlist_release(&opt_metrics);
	mlv_strlist_release(&opt_params);
	mlv_strlist_release(&opt_tags);
	return ret;
}
