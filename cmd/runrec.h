/*
 * A recorded run as the commands that compare runs (metrics diff, params
 * diff, compare) read it: the spec resolved, the record parsed, and the
 * numbers of metrics read and written the way the record writes them.
 */
#ifndef MLV_CMD_RUNREC_H
#define MLV_CMD_RUNREC_H

#include "mlv/cjson.h"
#include "mlv/mlv.h"
#include "mlv/run.h"

struct runrec {
	char id[MLV_RUN_IDSZ + 1];
	mlv_oid record;
	cJSON *j;                /* the record (mlv.run/1) */
};

/*
 * Resolve SPEC (an id prefix, a name or a key=value tag) and read the
 * record. Returns 0, or prints "mlv: error: ..." and returns
 * MLV_EXIT_FATAL. Release R with runrec_release, also after a failure.
 */
int runrec_load(struct runrec *r, mlv_store *st, const char *spec);
void runrec_release(struct runrec *r);

struct mlv_ctx;
struct mlv_option;
/*
 * The start of `mlv metrics diff A B` and `mlv params diff A B`: parse the
 * options, check the subcommand and its two runs, and load both into RUN.
 * 0, or the exit status the command returns (usage 129, fatal 128, the
 * message printed). Release both runs either way.
 */
int runrec_diff_begin(int argc, const char **argv, const struct mlv_option *opts, const char *const *usage,
	struct mlv_ctx *ctx, struct runrec run[2]);

/* The member K of the record, or NULL. */
const cJSON *runrec_get(const struct runrec *r, const char *k);
/* The run's name, or NULL. */
const char *runrec_name(const struct runrec *r);
/* How people tell runs apart: "name (1a2b3c4d)", or "1a2b3c4d" without a name. */
int runrec_put_label(mlv_buf *b, const struct runrec *r);

/*
 * A metric value of a record: a JSON number, or the strings "nan", "inf",
 * "-inf" the record uses for what JSON cannot hold. 1 and *OUT set when V
 * is one, else 0.
 */
int runrec_number(const cJSON *v, double *out);

/* V for people: the shortest text that reads back as V; nan, inf, -inf. */
const char *runrec_fmt(char out[40], double v);

#endif
