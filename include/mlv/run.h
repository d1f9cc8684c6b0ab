/*
 * Experiment runs: recording a command's run (params, metrics, git state,
 * dependencies, outputs, captured streams, environment) as one canonical
 * JSON record in the store, indexed for listing, and the fast append-only
 * log that `mlv log-metric` / `mlv log-param` write while the run is active.
 *
 * Life of a run:
 *   mlv_run_begin    new random id; .mlv/runs/<id>.log created (O_APPEND);
 *                    -p params written to it; deps hashed; git state read;
 *                    the environment probed (python in the background)
 *   ...the command runs; its stdout/stderr go to mlv_run_stream_fd()...;
 *                    other processes append lines with mlv_run_log_*()
 *   mlv_run_finish   the log and --metrics files read; streams, the git diff
 *                    and --out paths stored; the record stored as a JSON
 *                    object; then ONE index transaction adds the runs entry
 *                    and the ref "run/<id>" (a gc root); the log removed.
 *
 * If the process dies before mlv_run_finish, the log and capture files stay
 * in .mlv/runs/ and the run is not recorded; nothing in the store is
 * touched by an active run until finish, so nothing can be corrupted.
 */
#ifndef MLV_RUN_H
#define MLV_RUN_H

#include <stdint.h>
#include "mlv/buf.h"
#include "mlv/oid.h"
#include "mlv/store.h"

/* A run id: 32 lower-case hex digits (128 random bits). */
#define MLV_RUN_IDSZ 32
/* Shortest id prefix accepted when resolving. */
#define MLV_RUN_MINPREFIX 4
/* The directory of active runs' logs, inside the store directory. */
#define MLV_RUN_DIRNAME "runs"

typedef struct mlv_run mlv_run;

typedef struct mlv_run_opts {
	const char *name;                 /* -n, or NULL */
	const char *const *argv;          /* the command line */
	int argc;
	const char *const *params;        /* "key=value" each */
	int nparams;
	const char *const *deps;          /* paths, relative to CWD or absolute */
	int ndeps;
	const char *const *outs;          /* paths stored when the command ends */
	int nouts;
	const char *const *metrics_files; /* read when the command ends */
	int nmetrics_files;
	const char *cwd;                  /* where paths are relative to; git is looked up from it */
	int no_python;                    /* do not probe python3 */
	const char *const *tags;          /* "key=value" each: labels set when the run starts */
	int ntags;
} mlv_run_opts;

/*
 * Start a run in store ST. Validates every param and tag ("key=value", key
 * as for mlv_run_key_valid; the same key twice with different values is
 * MLV_EINVALID) and every dep (must exist: a tracked path's pointer id, else
 * the file's SHA-256; a directory must be tracked). OPTS and what it points
 * to must outlive the run. Free with mlv_run_free (which, before finish,
 * abandons the run and removes its files). For tests, $MLV_TEST_RUN_ID (32
 * lower-case hex) replaces the random id.
 */
int mlv_run_begin(mlv_run **out, mlv_store *st, const mlv_run_opts *opts);

/* The id (32 hex + NUL); lives as long as RUN. */
const char *mlv_run_id(const mlv_run *run);
/* The directory holding the run's log (for MLV_RUN_DIR); lives as long as RUN. */
const char *mlv_run_dir(const mlv_run *run);
/* An fd to which the captured stdout (WHICH 1) or stderr (2) is written; owned by RUN. */
int mlv_run_stream_fd(const mlv_run *run, int which);

/* How the command ended. */
typedef struct mlv_run_exit {
	int status;        /* the exit status mlv reports: 0..255, 128+N after signal N */
	int signal;        /* the signal that killed it, or 0 */
	int interrupted;   /* mlv received SIGINT/SIGTERM/SIGHUP while it ran */
	const char *error; /* why it could not be started ("command not found"), or NULL */
} mlv_run_exit;

/*
 * Record the run (see the top of this file). Problems that must not lose the
 * run (a --metrics file that does not parse, a bad log line, an --out that
 * cannot be read) are kept as warnings (mlv_run_warning) and in the record's
 * "warnings". *RECORD receives the id of the JSON record.
 */
int mlv_run_finish(mlv_run *run, const mlv_run_exit *ex, mlv_oid *record);

/* The I-th warning (0-based) of finish/begin, or NULL past the last. */
const char *mlv_run_warning(const mlv_run *run, int i);

/* Run time in milliseconds (valid after finish). */
int64_t mlv_run_duration_ms(const mlv_run *run);

void mlv_run_free(mlv_run *run);

/* ---- the log of an active run (log-metric, log-param) ---- */

/*
 * 1 when KEY may name a metric or param: 1..250 bytes of letters, digits,
 * '_', '-', '.', '/' (it must read as a field in `--filter`), not starting
 * or ending with '.', no "..".
 */
int mlv_run_key_valid(const char *key, size_t len);

/*
 * Parse a metric value: a decimal number as strtod reads it, or "nan",
 * "inf", "+inf", "-inf", "infinity" in any case (accepted: a diverging
 * loss is worth recording). Returns 0 or MLV_EINVALID naming TEXT.
 */
int mlv_run_parse_metric(double *out, const char *text);

/*
 * Append metrics "key=value" (N of them) to the active run ID whose log is
 * in DIR, in ONE write(2) on a file opened O_APPEND, so concurrent callers
 * never interleave. STEP < 0: no step (the next after the key's greatest
 * step, resolved in log order when the run ends). Everything is validated
 * before anything is written. MLV_ENOTFOUND ("run <id> is not active")
 * when the run has no log; MLV_EINVALID for a bad key or value.
 */
int mlv_run_log_metrics(const char *dir, const char *id, const char *const *kv, int n, int64_t step);

/*
 * Append params "key=value" as above. A key already logged (by -p or an
 * earlier call) with a different value is MLV_EINVALID and nothing is
 * written; the same value again is a no-op. The check and the append hold
 * an exclusive lock on the log, so two callers cannot both pass the check.
 */
int mlv_run_log_params(const char *dir, const char *id, const char *const *kv, int n);

/* ---- recorded runs ---- */

/*
 * Resolve SPEC to a run id (OUT: 32 hex + NUL): a unique prefix of at least
 * MLV_RUN_MINPREFIX hex digits of an id, else a run name (the run with that
 * name that started last), else "key=value": the run tagged so that started
 * last. MLV_EAMBIGUOUS lists the candidates;
 * MLV_ENOTFOUND "no run 'x' (neither a run id nor a run name)".
 */
int mlv_run_resolve(mlv_store *st, char out[MLV_RUN_IDSZ + 1], const char *spec);

/* The record of run ID: its object id, and its JSON appended to JSON (may be NULL). */
int mlv_run_read(mlv_store *st, const char *id, mlv_oid *record, mlv_buf *json);

/*
 * Call FN for every recorded run, in id order, with its id, record id and
 * summary: canonical JSON with "commit", "dirty", "duration_ms", "metrics"
 * (latest values), "name", "params", "start", "start_ms", "status", "tags"
 * (those that apply; "tags" only when the run has some). The strings live
 * until FN returns. A non-zero return stops and is returned.
 */
typedef int (*mlv_run_list_fn)(void *payload, const char *id, const mlv_oid *record,
	const char *summary, size_t len);
int mlv_run_list(mlv_store *st, mlv_run_list_fn fn, void *payload);

/*
 * As mlv_run_list, for listing many runs fast: SUMMARY is not copied and not
 * NUL-terminated (LEN bytes in the index's map, valid until FN returns;
 * read it with include/mlv/jsonscan.h), and the map pages read are given
 * back as the scan goes, so memory does not grow with the number of runs.
 */
int mlv_run_scan(mlv_store *st, mlv_run_list_fn fn, void *payload);

/*
 * Runs in the order of the sort index, without reading every summary: with
 * METRIC NULL by start time (newest first when DESC; ties by id, in the same
 * direction); with METRIC, first every run whose latest value of that metric
 * is a number other than NaN, by that value (DESC: largest first; the order
 * among equal values is unspecified), then the runs without one (missing or
 * NaN), newest first, VALUE NULL for those. FN gets the run as
 * mlv_run_scan's does, and the value; 0 goes on, a positive return stops
 * the walk (mlv_run_walk then returns 0), a negative one is returned.
 * MLV_ENOTFOUND when the index cannot answer (it is not built yet, or the
 * metric holds booleans, or its name is too long for a key): scan instead.
 */
typedef int (*mlv_run_walk_fn)(void *payload, const char *id, const mlv_oid *record,
	const char *summary, size_t len, const double *value);
int mlv_run_walk(mlv_store *st, const char *metric, int desc, mlv_run_walk_fn fn, void *payload);

/* The number of recorded runs (one lookup). */
int mlv_run_count(mlv_store *st, uint64_t *n);

/*
 * fsck: check that the sort index holds exactly the keys the summaries
 * imply (*PROBLEMS 0 or 1, *MESSAGE a new string describing the problem),
 * and rebuild it from the summaries.
 */
int mlv_run_sort_check(mlv_store *st, uint64_t *problems, char **message);
int mlv_run_sort_rebuild(mlv_store *st);

/*
 * Record N runs made elsewhere: RECORDS[i] (LENS[i] bytes) is a complete run
 * record as mlv_run_finish stores it (JSON, "schema":"mlv.run/1", "id" of 32
 * lower-case hex digits; `mlv show --json` prints it as "run"). Each is
 * stored in canonical form and indexed with the summary mlv_run_finish would
 * have written, in ONE index transaction after the records are durable; an
 * id already recorded is replaced. Objects the records name (streams, outs)
 * must already be in the store. Used by bench/gen-runs.c to make 100,000
 * runs without 100,000 processes. MLV_EINVALID names the bad record.
 */
int mlv_run_import(mlv_store *st, const char *const *records, const size_t *lens, size_t n);

/*
 * Append to OUT the canonical form of the JSON text IN: object keys sorted
 * bytewise, no white space, numbers that are integers below 2^53 written
 * as integers, others in their shortest round-trip form. MLV_EINVALID
 * (with the byte position) when IN is not JSON, invalid UTF-8 included.
 */
int mlv_json_canonical(mlv_buf *out, const char *in, size_t len);

#endif
