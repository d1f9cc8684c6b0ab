/*
 * `mlv history`: the events of a model (register, promote, rollback,
 * approve, unalias, deprecate) oldest first, or with --at where each alias
 * pointed at a moment (one index lookup per alias).
 */
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "mlv/cjson.h"

#include "regutil.h"

static int opt_json;
static const char *opt_alias, *opt_at;

const struct mlv_option mlv_opts_history[] = {
	MLV_OPT_STRING(0, "alias", &opt_alias, "alias", "only the events of this alias"),
	MLV_OPT_STRING(0, "at", &opt_at, "time", "where the aliases pointed at TIME (ISO 8601 or @epoch)"),
	MLV_OPT_JSON(&opt_json),
	MLV_OPT_END()
};

const char *const mlv_usage_history[] = {
	"mlv history <name> [--alias <alias>] [--at <time>] [--json]",
	NULL
};

static void iso(char out[32], int64_t ms)
{
	time_t s = (time_t)(ms / 1000);
	struct tm tm;
	char base[24];
	gmtime_r(&s, &tm);
	strftime(base, sizeof(base), "%Y-%m-%dT%H:%M:%S", &tm);
	snprintf(out, 32, "%s.%03dZ", base, (int)(ms % 1000));
}

struct hist_out {
	const char *name;
	mlv_buf *out;
	size_t n;
};

static const char *str(const cJSON *j, const char *k)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(j, k);
	return cJSON_IsString(v) ? v->valuestring : NULL;
}

static long num(const cJSON *j, const char *k)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(j, k);
	return cJSON_IsNumber(v) ? (long)v->valuedouble : 0;
}

static int event_one(void *payload, uint64_t seq, const mlv_oid *id, const char *json, size_t len)
{
	struct hist_out *h = payload;
	cJSON *j = cJSON_ParseWithLength(json, len);
	const char *type, *alias, *msg;
	const cJSON *idn, *g;
	char hex[MLV_OID_HEXSZ + 1];
	if (!j)
		return mlv_error_set(MLV_ECORRUPT, "event %llu of '%s' is not JSON", (unsigned long long)seq, h->name);
	alias = str(j, "alias");
	if (opt_alias && (!alias || strcmp(alias, opt_alias))) {
		cJSON_Delete(j);
		return 0;
	}
	if (opt_json) {
		/* the stored event, with its id in front */
		mlv_buf_printf(h->out, "%s{\"id\":\"sha256:%s\",", h->n ? "," : "", mlv_oid_fmt(hex, id));
		mlv_buf_put(h->out, json + 1, len - 1);
		h->n++;
		cJSON_Delete(j);
		return 0;
	}
	type = str(j, "type") ? str(j, "type") : "?";
	idn = cJSON_GetObjectItemCaseSensitive(j, "identity");
	mlv_buf_printf(h->out, "%-4llu %s  %-10s", (unsigned long long)seq, str(j, "time") ? str(j, "time") : "", type);
	if (!strcmp(type, "register") || !strcmp(type, "deprecate"))
		mlv_buf_printf(h->out, "%s@%ld", h->name, num(j, "version"));
	else if (!strcmp(type, "approve"))
		mlv_buf_printf(h->out, "%s@%ld for %s", h->name, num(j, "version"), alias ? alias : "");
	else if (!strcmp(type, "unalias"))
		mlv_buf_printf(h->out, "%s (was %s@%ld)", alias ? alias : "", h->name, num(j, "from"));
	else {
		mlv_buf_printf(h->out, "%s -> %s@%ld", alias ? alias : "", h->name, num(j, "version"));
		if (num(j, "from"))
			mlv_buf_printf(h->out, " (was %s@%ld)", h->name, num(j, "from"));
	}
	mlv_buf_puts(h->out, "  ");
	reg_identity_fmt(h->out, str(idn, "name"), str(idn, "email"));
	if ((msg = str(j, "message")))
		mlv_buf_printf(h->out, "  \"%s\"", msg);
	mlv_buf_putc(h->out, '\n');
	cJSON_ArrayForEach(g, cJSON_GetObjectItemCaseSensitive(j, "gates"))
		mlv_buf_printf(h->out, "       gate %s  %s\n", cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(g, "passed")) ?
			"pass" : "FAIL", str(g, "explain") ? str(g, "explain") : "");
	h->n++;
	cJSON_Delete(j);
	return 0;
}

struct at_out {
	mlv_buf *out;
	const char *name;
	size_t n;
};

static int at_one(void *payload, const char *alias, uint32_t version, uint64_t seq, int64_t time_ms)
{
	struct at_out *a = payload;
	char t[32];
	if (opt_alias && strcmp(alias, opt_alias))
		return 0;
	iso(t, time_ms);
	if (opt_json) {
		mlv_buf_puts(a->out, a->n ? "," : "");
		mlv_buf_put_json_string(a->out, alias, strlen(alias));
		if (version)
			mlv_buf_printf(a->out, ":{\"version\":%u,\"seq\":%llu,\"since\":\"%s\"}", version, (unsigned long long)seq, t);
		else
			mlv_buf_printf(a->out, ":{\"version\":null,\"seq\":%llu,\"since\":\"%s\"}", (unsigned long long)seq, t);
	} else if (version) {
		mlv_buf_printf(a->out, "%s  %s@%u  (since %s, event %llu)\n", alias, a->name, version, t, (unsigned long long)seq);
	} else {
		mlv_buf_printf(a->out, "%s  (unset)  (since %s, event %llu)\n", alias, t, (unsigned long long)seq);
	}
	a->n++;
	return 0;
}

int cmd_history(int argc, const char **argv, struct mlv_ctx *ctx)
{
	mlv_buf out = MLV_BUF_INIT;
	int nargs, rc;

	nargs = mlv_parse_options(argc, argv, mlv_opts_history, mlv_usage_history);
	if (nargs < 0)
		return MLV_EXIT_USAGE;
	if (nargs != 1) {
		mlv_usage_print(stderr, mlv_usage_history, mlv_opts_history);
		return MLV_EXIT_USAGE;
	}
	if (opt_alias && mlv_registry_check_alias(opt_alias))
		return mlv_die_lib();
	if (opt_at) {
		int64_t at;
		char t[32];
		struct at_out a = { &out, argv[0], 0 };
		if (mlv_registry_parse_time(&at, opt_at))
			return mlv_die_lib();
		iso(t, at);
		if (opt_json) {
			mlv_buf_puts(&out, "{\"schema\":\"mlv.history/1\",\"name\":");
			mlv_buf_put_json_string(&out, argv[0], strlen(argv[0]));
			mlv_buf_printf(&out, ",\"at\":\"%s\",\"at_ms\":%lld,\"aliases\":{", t, (long long)at);
		}
		rc = mlv_registry_aliases_at(ctx->store, argv[0], at, at_one, &a);
		if (opt_json)
			mlv_buf_puts(&out, "}}\n");
		else if (!rc && !a.n)
			mlv_buf_printf(&out, "no alias of %s was set at %s\n", argv[0], t);
	} else {
		struct hist_out h = { argv[0], &out, 0 };
		if (opt_json) {
			mlv_buf_puts(&out, "{\"schema\":\"mlv.history/1\",\"name\":");
			mlv_buf_put_json_string(&out, argv[0], strlen(argv[0]));
			mlv_buf_puts(&out, ",\"events\":[");
		}
		rc = mlv_registry_events(ctx->store, argv[0], event_one, &h);
		if (opt_json)
			mlv_buf_puts(&out, "]}\n");
	}
	if (rc) {
		mlv_buf_release(&out);
		return mlv_die_lib();
	}
	return reg_flush(&out);
}
