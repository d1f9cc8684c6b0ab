/*
 * What `mlv lineage`, `mlv card` and the data readers (drift, schema,
 * validate) share about one model version: its record and its run's
 * record, loaded once, and the data inputs recorded in its lineage, which
 * the spec NAME@REF:data addresses.
 */
#ifndef MLV_CMD_MODEL_H
#define MLV_CMD_MODEL_H

#include "mlv/cjson.h"

#include "commands.h"
#include "mlv/registry.h"

/* One model version as the commands read it. */
struct model_view {
	mlv_model_version v;
	char label[MLV_REG_NAME_MAX + 16]; /* "churn@3" */
	cJSON *rec;        /* the version record (mlv.model-version/1) */
	cJSON *run;        /* the run's record (mlv.run/1): NULL without a run or when unreadable */
	char *run_error;   /* why a recorded run's record could not be read, else NULL */
};

/*
 * Resolve SPEC (NAME@N, NAME@ALIAS, NAME@latest) in ctx->store and load the
 * version record and, when the version names a run, the run's record (by
 * the record id the version holds, so it is the run as it was registered).
 * Returns 0, or an exit status after printing the error. Release MV with
 * model_view_release either way.
 */
int model_view_load(struct model_view *mv, struct mlv_ctx *ctx, const char *spec);
void model_view_release(struct model_view *mv);

/* Member K of J when it is a string, else NULL. */
const char *model_str(const cJSON *j, const char *k);

/*
 * 1 when the dep (an item of the record's "deps") is a data file the
 * readers take: kind "file" and a name ending in .csv, .tsv, .tab, .jsonl
 * or .ndjson (any case).
 */
int model_dep_is_data(const cJSON *dep);

/*
 * 1 when ARG has the form NAME@REF:data, NAME@REF:data/<path> or
 * NAME@REF:data[N] (NAME a valid model name, REF a version, "latest" or an
 * alias). Nothing is looked up.
 */
int model_data_spec_is(const char *arg);

/*
 * Resolve a data spec (model_data_spec_is) to the object of one data input
 * of the version (see mlv-drift(1), "Model data"):
 *   :data          the only CSV/TSV/JSON Lines input, else an error listing them;
 *   :data[N]       the N-th input (1-based, the order of `mlv lineage`);
 *   :data/<path>   the input recorded as <path>, or a file inside a recorded
 *                  directory input.
 * *OID receives its id (the object is in the store), *PATH (malloc'd) the
 * path the run read it from, whose name tells its format. Returns 0, or an
 * exit status after printing "cannot read 'ARG': <why>".
 */
int model_data_resolve(struct mlv_ctx *ctx, const char *arg, mlv_oid *oid, char **path);

#endif
