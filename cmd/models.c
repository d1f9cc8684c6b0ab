/* `mlv models`: every model of the registry, its latest version and its aliases. */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "regutil.h"

static int opt_json;

const struct mlv_option mlv_opts_models[] = {
	MLV_OPT_JSON(&opt_json),
	MLV_OPT_END()
};

const char *const mlv_usage_models[] = {
	"mlv models [--json]",
	NULL
};

struct models_out {
	mlv_store *st;
	mlv_buf *out;
	size_t n;
	mlv_buf aliases;
};

static int alias_one(void *payload, const char *alias, uint32_t version, uint64_t seq, int64_t time_ms)
{
	struct models_out *m = payload;
	(void)seq;
	(void)time_ms;
	if (opt_json) {
		mlv_buf_puts(&m->aliases, m->aliases.size > 1 ? "," : "");
		mlv_buf_put_json_string(&m->aliases, alias, strlen(alias));
		mlv_buf_printf(&m->aliases, ":%u", version);
	} else {
		mlv_buf_printf(&m->aliases, "  %s=%u", alias, version);
	}
	return 0;
}

static int model_one(void *payload, const char *name, uint32_t latest, uint64_t nevents, int64_t last_ms)
{
	struct models_out *m = payload;
	int rc;
	mlv_buf_clear(&m->aliases);
	if (opt_json)
		mlv_buf_putc(&m->aliases, '{');
	if ((rc = mlv_registry_aliases(m->st, name, alias_one, m)))
		return rc;
	if (opt_json) {
		char t[32];
		time_t s = (time_t)(last_ms / 1000);
		struct tm tm;
		gmtime_r(&s, &tm);
		strftime(t, sizeof(t), "%Y-%m-%dT%H:%M:%S", &tm);
		mlv_buf_putc(&m->aliases, '}');
		mlv_buf_puts(m->out, m->n ? ",{\"name\":" : "{\"name\":");
		mlv_buf_put_json_string(m->out, name, strlen(name));
		mlv_buf_printf(m->out, ",\"latest\":%u,\"events\":%llu,\"updated\":\"%s.%03dZ\",\"aliases\":%s}", latest,
			(unsigned long long)nevents, t, (int)(last_ms % 1000), mlv_buf_cstr(&m->aliases));
	} else {
		mlv_buf_printf(m->out, "%s  latest %u%s\n", name, latest, mlv_buf_cstr(&m->aliases));
	}
	m->n++;
	return 0;
}

int cmd_models(int argc, const char **argv, struct mlv_ctx *ctx)
{
	mlv_buf out = MLV_BUF_INIT;
	struct models_out m = { ctx->store, &out, 0, MLV_BUF_INIT };
	int nargs, rc;

	nargs = mlv_parse_options(argc, argv, mlv_opts_models, mlv_usage_models);
	if (nargs < 0)
		return MLV_EXIT_USAGE;
	if (nargs != 0) {
		mlv_usage_print(stderr, mlv_usage_models, mlv_opts_models);
		return MLV_EXIT_USAGE;
	}
	if (opt_json)
		mlv_buf_puts(&out, "{\"schema\":\"mlv.models/1\",\"models\":[");
	rc = mlv_registry_models(ctx->store, model_one, &m);
	mlv_buf_release(&m.aliases);
	if (rc) {
		mlv_buf_release(&out);
		return mlv_die_lib();
	}
	if (opt_json)
		mlv_buf_puts(&out, "]}\n");
	return reg_flush(&out);
}
