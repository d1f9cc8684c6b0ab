/*
 * `mlv promote`: move an alias to a version as a compare-and-swap, after
 * the gates of the command line and of the policy in mlv.json pass.
 */
#include <stdlib.h>
#include <string.h>

#include "regutil.h"

static int opt_json;
static const char *opt_message;
static struct mlv_strlist opt_gates;

const struct mlv_option mlv_opts_promote[] = {
	MLV_OPT_LIST(0, "gate", &opt_gates, "expr", "a condition the version must meet (see mlv help expressions)"),
	MLV_OPT_STRING('m', "message", &opt_message, "message", "why"),
	MLV_OPT_JSON(&opt_json),
	MLV_OPT_END()
};

const char *const mlv_usage_promote[] = {
	"mlv promote <name>@<version> <alias> [--gate <expr>]... [-m <message>] [--json]",
	NULL
};

/* Show a gate's syntax error with a caret under the column. */
static void show_syntax_error(const char *src, const char *source)
{
	size_t col = mlv_expr_error_column();
	mlv_buf b = MLV_BUF_INIT;
	mlv_buf_printf(&b, "mlv: error: gate (%s) '%s': %s\n", source, src, mlv_error_last());
	if (col && !strchr(src, '\n')) {
		mlv_buf_printf(&b, "  %s\n  ", src);
		for (size_t i = 1; i < col; i++)
			mlv_buf_putc(&b, ' ');
		mlv_buf_puts(&b, "^\n");
	}
	fputs(mlv_buf_cstr(&b), stderr);
	mlv_buf_release(&b);
}

int cmd_promote(int argc, const char **argv, struct mlv_ctx *ctx)
{
	mlv_promote_opts o;
	mlv_promote_result r;
	mlv_model_version v;
	mlv_policy *policy = NULL;
	char *who_name = NULL, *who_email = NULL;
	mlv_buf out = MLV_BUF_INIT;
	int nargs, ret, rc;

	memset(&r, 0, sizeof(r));
	nargs = mlv_parse_options(argc, argv, mlv_opts_promote, mlv_usage_promote);
	if (nargs < 0)
		return MLV_EXIT_USAGE;
	if (nargs != 2) {
		mlv_usage_print(stderr, mlv_usage_promote, mlv_opts_promote);
		return MLV_EXIT_USAGE;
	}
	if ((ret = reg_resolve(ctx, argv[0], &v)) || (ret = reg_policy(ctx, &policy)) ||
	    (ret = reg_identity(ctx, &who_name, &who_email)))
		goto done;
	memset(&o, 0, sizeof(o));
	o.name = v.name;
	o.version = v.version;
	o.alias = argv[1];
	o.gates = opt_gates.items;
	o.ngates = opt_gates.n;
	o.policy = policy;
	o.message = opt_message;
	o.who.name = who_name;
	o.who.email = who_email;
	rc = mlv_registry_promote(ctx->store, &o, &r);
	if (rc) {
		if (r.bad_gate >= 0) {
			show_syntax_error(r.gates[r.bad_gate].expr ? r.gates[r.bad_gate].expr : "", "command line");
			ret = MLV_EXIT_FATAL;
		} else {
			ret = mlv_die_lib();
		}
		goto done;
	}
	ret = r.moved || r.already ? MLV_EXIT_OK : MLV_EXIT_NO;
	if (opt_json) {
		mlv_buf_puts(&out, "{\"schema\":\"mlv.promote/1\",\"name\":");
		mlv_buf_put_json_string(&out, v.name, strlen(v.name));
		mlv_buf_printf(&out, ",\"version\":%u,\"alias\":", v.version);
		mlv_buf_put_json_string(&out, o.alias, strlen(o.alias));
		mlv_buf_printf(&out, ",\"moved\":%s,\"already\":%s,\"from\":", r.moved ? "true" : "false",
			r.already ? "true" : "false");
		if (r.from)
			mlv_buf_printf(&out, "%u", r.from);
		else
			mlv_buf_puts(&out, "null");
		mlv_buf_puts(&out, ",\"gates\":[");
		for (size_t i = 0; i < r.ngates; i++) {
			mlv_gate_result *g = &r.gates[i];
			mlv_buf_puts(&out, i ? ",{\"expr\":" : "{\"expr\":");
			mlv_buf_put_json_string(&out, g->expr ? g->expr : "", g->expr ? strlen(g->expr) : 0);
			mlv_buf_printf(&out, ",\"source\":\"%s\",\"passed\":%s,\"explain\":", g->source,
				g->passed ? "true" : "false");
			mlv_buf_put_json_string(&out, g->explain ? g->explain : "", g->explain ? strlen(g->explain) : 0);
			if (g->why) {
				mlv_buf_puts(&out, ",\"why\":");
				mlv_buf_put_json_string(&out, g->why, strlen(g->why));
			}
			mlv_buf_putc(&out, '}');
		}
		mlv_buf_putc(&out, ']');
		if (r.requires) {
			mlv_buf_puts(&out, ",\"requires\":{\"alias\":");
			mlv_buf_put_json_string(&out, r.requires, strlen(r.requires));
			mlv_buf_printf(&out, ",\"ok\":%s}", r.requires_ok ? "true" : "false");
		}
		if (r.approvals_needed)
			mlv_buf_printf(&out, ",\"approvals\":{\"needed\":%u,\"have\":%u}", r.approvals_needed,
				r.approvals_have);
		if (r.moved)
			mlv_buf_printf(&out, ",\"seq\":%llu", (unsigned long long)r.seq);
		mlv_buf_puts(&out, "}\n");
	} else {
		for (size_t i = 0; i < r.ngates; i++) {
			mlv_gate_result *g = &r.gates[i];
			mlv_buf_printf(&out, "gate %s  %s", g->passed ? "pass" : "FAIL", g->explain ? g->explain : "");
			if (g->why)
				mlv_buf_printf(&out, "  (%s)", g->why);
			if (!strcmp(g->source, "policy"))
				mlv_buf_puts(&out, "  [policy]");
			mlv_buf_putc(&out, '\n');
		}
		if (r.requires)
			mlv_buf_printf(&out, "requires %s  %s@%u %s %s\n", r.requires_ok ? "pass" : "FAIL", v.name, v.version,
				r.requires_ok ? "holds" : "does not hold", r.requires);
		if (r.approvals_needed)
			mlv_buf_printf(&out, "approvals %s  %u of %u\n", r.approvals_have >= r.approvals_needed ? "pass" : "FAIL",
				r.approvals_have, r.approvals_needed);
		if (r.already)
			mlv_buf_printf(&out, "%s already points to %s@%u; nothing moved\n", o.alias, v.name, v.version);
		else if (r.moved && r.from)
			mlv_buf_printf(&out, "%s: %s@%u -> %s@%u\n", o.alias, v.name, r.from, v.name, v.version);
		else if (r.moved)
			mlv_buf_printf(&out, "%s: %s@%u\n", o.alias, v.name, v.version);
		else
			mlv_buf_printf(&out, "not promoted: %s stays %s\n", o.alias, r.from ? "where it was" : "unset");
	}
	if (reg_flush(&out))
		ret = MLV_EXIT_FATAL;
done:
	mlv_promote_result_release(&r);
	mlv_buf_release(&out);
	mlv_policy_free(policy);
	free(who_name);
	free(who_email);
	mlv_strlist_release(&opt_gates);
	return ret;
}
