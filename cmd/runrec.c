/* Reading recorded runs for the commands that compare them (see runrec.h). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "commands.h"
#include "runrec.h"

int runrec_load(struct runrec *r, mlv_store *st, const char *spec)
{
	mlv_buf rec = MLV_BUF_INIT;
	int ret = 0;

	memset(r, 0, sizeof(*r));
	if (mlv_run_resolve(st, r->id, spec) || mlv_run_read(st, r->id, &r->record, &rec))
		ret = mlv_die_lib();
	else if (!(r->j = cJSON_ParseWithLength(rec.ptr, rec.size)) || !cJSON_IsObject(r->j))
		ret = mlv_die("the record of run %s is not a JSON object", r->id);
	mlv_buf_release(&rec);
	return ret;
}

void runrec_release(struct runrec *r)
{
	cJSON_Delete(r->j);
	r->j = NULL;
}

int runrec_diff_begin(int argc, const char **argv, const struct mlv_option *opts, const char *const *usage,
	struct mlv_ctx *ctx, struct runrec run[2])
{
	int nargs = mlv_parse_options(argc, argv, opts, usage), ret;
	if (nargs < 0)
		return MLV_EXIT_USAGE;
	if (nargs >= 1 && strcmp(argv[0], "diff")) {
		fprintf(stderr, "mlv: error: unknown subcommand '%s'\n", argv[0]);
		mlv_usage_print(stderr, usage, opts);
		return MLV_EXIT_USAGE;
	}
	if (nargs != 3) {
		mlv_usage_print(stderr, usage, opts);
		return MLV_EXIT_USAGE;
	}
	if ((ret = runrec_load(&run[0], ctx->store, argv[1])))
		return ret;
	return runrec_load(&run[1], ctx->store, argv[2]);
}

const cJSON *runrec_get(const struct runrec *r, const char *k)
{
	return cJSON_GetObjectItemCaseSensitive(r->j, k);
}

const char *runrec_name(const struct runrec *r)
{
	const cJSON *n = runrec_get(r, "name");
	return cJSON_IsString(n) ? n->valuestring : NULL;
}

int runrec_put_label(mlv_buf *b, const struct runrec *r)
{
	const char *name = runrec_name(r);
	if (name)
		return mlv_buf_printf(b, "%s (%.8s)", name, r->id);
	return mlv_buf_printf(b, "%.8s", r->id);
}

int runrec_number(const cJSON *v, double *out)
{
	if (cJSON_IsNumber(v)) {
		*out = v->valuedouble;
		return 1;
	}
	if (!cJSON_IsString(v))
		return 0;
	if (!strcmp(v->valuestring, "nan"))
		*out = NAN;
	else if (!strcmp(v->valuestring, "inf"))
		*out = INFINITY;
	else if (!strcmp(v->valuestring, "-inf"))
		*out = -INFINITY;
	else
		return 0;
	return 1;
}

const char *runrec_fmt(char out[40], double v)
{
	if (isnan(v))
		return strcpy(out, "nan");
	if (isinf(v))
		return strcpy(out, v > 0 ? "inf" : "-inf");
	for (int prec = 1; prec <= 17; prec++) {
		snprintf(out, 40, "%.*g", prec, v == 0 ? 0.0 : v);
		if (strtod(out, NULL) == v)
			break;
	}
	return out;
}
