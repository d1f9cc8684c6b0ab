/*
 * The model registry: named models with numbered versions, aliases
 * (`production`, `staging`, ...) that point at versions, and an append-only,
 * hash-chained log of every event of a model (register, promote, rollback,
 * approve, unalias, deprecate).
 *
 * Where things live:
 *
 *   objects   every version record and every event is a canonical JSON
 *             object in the store (schemas below). Each event names its
 *             predecessor ("prev") and carries its sequence number ("seq",
 *             1 for the first), so the events of a model form one chain
 *             whose head alone identifies the whole history.
 *   refs      "model/<name>" -> head event id (32 bytes), seq (u64 LE),
 *             time_ms (i64 LE). The head is the only registry state that
 *             cannot be rebuilt; it also makes the whole chain (and, through
 *             the register events, every version record and artifact) a gc
 *             root.
 *   registry  (an LMDB database) state derived from the chains, updated in
 *             the same write transaction that moves the head, so that the
 *             questions commands ask are direct lookups:
 *               "v" NUL name NUL u32be(version) -> version entry
 *               "a" NUL name NUL alias          -> u32 version, u64 seq, event id
 *               "h" NUL name NUL alias NUL i64be(time_ms) u64be(seq)
 *                                               -> u32 version (0: unset), u8 type
 *               "p" NUL name NUL u32be(version) NUL alias NUL identity-key -> u64 seq
 *               "e" NUL name NUL u64be(seq)     -> event id
 *             mlv_registry_rebuild() recreates all of it by replaying the
 *             chains; mlv_registry_check() verifies that it equals the
 *             replay.
 *
 * Version record, schema "mlv.model-version/1" (canonical JSON, keys sorted):
 *   {"schema":"mlv.model-version/1", "name":"churn", "version":3,
 *    "artifact":{"kind":"file"|"dir", "oid":"sha256:<hex>", "size":N,
 *                "files":N (dir only)},
 *    "created":"2026-03-03T14:00:00.123Z", "created_ms":N,
 *    "identity":{"name":"...", "email":"..."},
 *    "message":"..." (when given), "tags":{"k":"v"},
 *    "params":{"k":"v"}          (strings: the run's params, then --param),
 *    "metrics":{"k":0.91}        (numbers: the run's latest values, then --metric;
 *                                 nan/inf written as the strings "nan", "inf", "-inf"),
 *    "run":{"id":"<32 hex>", "record":"sha256:<run record>", "name":"..."}
 *                                (only with --run),
 *    "git":{"commit":"<40 hex>", "dirty":bool}   (from the run, when it had one),
 *    "deps":[{"path":"data/train.csv", "kind":"file", "oid":"sha256:<hex>",
 *             "size":N, "tracked":bool, "files":N (dir only)}]  (from the run)}
 *
 * Event, schema "mlv.model-event/1":
 *   {"schema":"mlv.model-event/1", "model":"churn", "seq":7,
 *    "prev":"sha256:<id of event 6>" | null (seq 1),
 *    "type":"register"|"promote"|"rollback"|"approve"|"unalias"|"deprecate",
 *    "time":"<ISO 8601, UTC, ms>", "time_ms":N,
 *    "identity":{"name":"...", "email":"..."}, "message":"..." (when given),
 *    "version":N        (every type but unalias: the version acted on),
 *    "record":"sha256:<version record>", "artifact":"sha256:<hex>",
 *    "size":N, "kind":"file"|"dir"              (register only),
 *    "alias":"production"                       (promote, rollback, approve, unalias),
 *    "from":N | null    (promote, rollback, unalias: the holder before),
 *    "gates":[{"expr":"...", "source":"command line"|"policy",
 *              "passed":true, "explain":"metrics.auc (0.91) >= 0.9 → true"}]
 *                       (promote: the gates that were checked, all passed),
 *    "approvals":["ann@x"]  (promote, when the policy requires approvals: the
 *                            identity keys that approved, see mlv_reg_identity)}
 *   Event time never goes backwards along a chain: an event gets
 *   max(now, time of the previous event), so time order is chain order.
 *   ($MLV_TEST_NOW_MS, milliseconds, replaces the clock: tests of --at.)
 *   Types other than register carry no record: read the version record
 *   through the register event of that version (mlv_registry_version).
 *
 * Names: a model or alias name is 1..MLV_REG_NAME_MAX bytes of
 * [a-z0-9._-], starting with [a-z0-9]. An alias is never all digits (that is
 * a version number), is not "latest" (NAME@latest is the newest version),
 * and none of its '.'-separated parts is "metrics", "params", "tags" or
 * "version" (so that `<alias>.metrics.auc` in a gate reads one way only).
 *
 * Concurrency: every change runs in one write transaction under the store's
 * write lock (waiting up to the lock timeout, MLV_LOCK_TIMEOUT), so changes
 * of one model are serialised and each event chains on the true head: no
 * event is ever lost or duplicated. Objects of the event are made durable
 * before the transaction commits.
 */
#ifndef MLV_REGISTRY_H
#define MLV_REGISTRY_H

#include <stdint.h>
#include <stddef.h>
#include "mlv/buf.h"
#include "mlv/oid.h"
#include "mlv/store.h"

#define MLV_REG_NAME_MAX 100

/* The ref that holds the head of model NAME's chain is MLV_REG_REF_PREFIX NAME. */
#define MLV_REG_REF_PREFIX "model/"

/*
 * Check a model name / an alias name (rules above). Return 0 or MLV_EINVALID
 * with a message naming the text and the rule it breaks.
 */
int mlv_registry_check_name(const char *name);
int mlv_registry_check_alias(const char *alias);

/*
 * The acting identity, recorded in every event (see mlv_repo_identity in
 * git.h for where it comes from). Both strings are borrowed; EMAIL may be "".
 * Approvals are counted per identity key: the email in lower case, or the
 * name when there is no email.
 */
typedef struct mlv_reg_identity {
	const char *name;
	const char *email;
} mlv_reg_identity;

/* ---- versions and specs ---- */

typedef struct mlv_model_version {
	char name[MLV_REG_NAME_MAX + 1];
	uint32_t version;
	mlv_oid record;     /* the version record (JSON object) */
	mlv_oid artifact;   /* a blob (file) or a tree (directory) */
	uint64_t size;      /* bytes of the file, or of all files of the directory */
	int is_dir;
	int deprecated;
	uint64_t seq;       /* the register event */
} mlv_model_version;

/*
 * Split TEXT of the form NAME@REF, where NAME is a valid model name and REF
 * a version number (1, 2...), "latest" or a valid alias. Returns 1 and fills
 * NAME (and *ref, pointing into TEXT) when it has that form, else 0. It says
 * nothing of whether the model exists: see mlv_spec_resolve for how
 * NAME@REF and path@rev are told apart.
 */
int mlv_registry_spec_split(const char *text, char name[MLV_REG_NAME_MAX + 1], const char **ref);

/* 1 when a model NAME exists in ST, 0 when not, < 0 on error. */
int mlv_registry_exists(mlv_store *st, const char *name);

/*
 * Resolve SPEC ("NAME@N", "NAME@ALIAS", "NAME@latest") to a version: one
 * read transaction, a few lookups. MLV_EINVALID for a malformed spec;
 * MLV_ENOTFOUND "no model 'x'", "model 'x' has no version 9", "no version
 * of 'x' holds 'production'".
 */
int mlv_registry_resolve(mlv_store *st, const char *spec, mlv_model_version *out);

/* The same for a name and a version number (0: the latest). */
int mlv_registry_version(mlv_store *st, const char *name, uint32_t version, mlv_model_version *out);

/* Append the version record's canonical JSON to OUT. */
int mlv_registry_version_record(mlv_store *st, const mlv_model_version *v, mlv_buf *out);

/* ---- listing ---- */

/* Strings are valid during the call only. A non-zero return stops and is returned. */
typedef int (*mlv_reg_model_fn)(void *payload, const char *name, uint32_t latest,
	uint64_t nevents, int64_t last_ms);
/* Every model, in name order, with its latest version and its event count. */
int mlv_registry_models(mlv_store *st, mlv_reg_model_fn fn, void *payload);

/*
 * An alias of a model: the version it points to and the seq of the event
 * that set it. VERSION is 0 in mlv_registry_aliases_at for an alias that
 * existed before TIME but was unset at TIME.
 */
typedef int (*mlv_reg_alias_fn)(void *payload, const char *alias, uint32_t version,
	uint64_t seq, int64_t time_ms);
/* The aliases of model NAME now, in alias order. MLV_ENOTFOUND for no such model. */
int mlv_registry_aliases(mlv_store *st, const char *name, mlv_reg_alias_fn fn, void *payload);
/*
 * Where each alias of NAME pointed at TIME_MS (ms since the epoch): aliases
 * first set after TIME_MS are left out. One lookup per alias (log n).
 */
int mlv_registry_aliases_at(mlv_store *st, const char *name, int64_t time_ms,
	mlv_reg_alias_fn fn, void *payload);

/*
 * Every event of model NAME in chain order (seq 1 first), with its id and
 * its canonical JSON (LEN bytes; valid during the call).
 */
typedef int (*mlv_reg_event_fn)(void *payload, uint64_t seq, const mlv_oid *id,
	const char *json, size_t len);
int mlv_registry_events(mlv_store *st, const char *name, mlv_reg_event_fn fn, void *payload);

/*
 * Parse a time for `history --at`: ISO 8601 ("2026-03-03T14:00:00Z",
 * "2026-03-03T14:00:00.5+01:00", "2026-03-03 14:00", "2026-03-03"; no zone
 * means UTC) or "@<seconds since the epoch>" (fractions allowed). *out is
 * in ms. MLV_EINVALID otherwise.
 */
int mlv_registry_parse_time(int64_t *out, const char *text);

/* ---- policy: the "policy" object of mlv.json ---- */

typedef struct mlv_policy mlv_policy;

/*
 * Read the project file PATH (normally "<work tree>/mlv.json"). A missing
 * file is an empty policy (0, *out set). Not JSON: MLV_EINVALID "'mlv.json'
 * is not valid JSON: line L, column C"; a "policy" that is not
 * {"<alias>": {"gates": [strings], "requires": alias, "approvals": n}}:
 * MLV_EINVALID naming the key. Gates are parsed here, so a syntax error is
 * reported (with its column) before anything else happens. Free with
 * mlv_policy_free.
 */
int mlv_policy_load(mlv_policy **out, const char *path);
void mlv_policy_free(mlv_policy *p);

/* ---- changing the registry ---- */

typedef struct mlv_register_opts {
	const char *name;
	const char *path;                 /* file or directory to store */
	const char *run;                  /* a run id, prefix or name, or NULL */
	const char *const *metrics;       /* "key=number" each; override the run's */
	int nmetrics;
	const char *const *params;        /* "key=value" each; override the run's */
	int nparams;
	const char *const *tags;          /* "key=value" each */
	int ntags;
	const char *message;              /* or NULL */
	mlv_reg_identity who;
} mlv_register_opts;

/*
 * Store the artifact, then, in one write transaction, create version
 * latest+1 with its record and register event. OUT receives the version.
 * MLV_EINVALID for a bad name, key or value; MLV_ENOTFOUND for a missing
 * PATH or run.
 */
int mlv_registry_register(mlv_store *st, const mlv_register_opts *o, mlv_model_version *out);

typedef struct mlv_gate_result {
	char *expr;          /* the gate as written */
	const char *source;  /* "command line" or "policy" */
	int passed;
	char *explain;       /* each field's value and the result (mlv_expr_explain) */
	char *why;           /* when it failed because an alias is unheld:
	                        "no version holds production"; else NULL */
} mlv_gate_result;

typedef struct mlv_promote_opts {
	const char *name;
	uint32_t version;
	const char *alias;
	const char *const *gates;   /* expressions from the command line */
	int ngates;
	const mlv_policy *policy;   /* may be NULL */
	const char *message;
	mlv_reg_identity who;
} mlv_promote_opts;

typedef struct mlv_promote_result {
	int moved;             /* 1: the alias now points to the version */
	int already;           /* 1: it already did; nothing was recorded */
	uint32_t from;         /* the holder before, 0 when none */
	mlv_gate_result *gates;/* every gate checked, command line first */
	size_t ngates;
	int bad_gate;          /* on a syntax error: its index in gates, else -1 */
	const char *requires;  /* the policy's required alias, or NULL */
	int requires_ok;
	unsigned approvals_needed, approvals_have;
	uint64_t seq;          /* the event recorded when moved */
	mlv_oid event;
} mlv_promote_result;

/*
 * Move ALIAS of NAME to VERSION as a compare-and-swap. The alias (and every
 * alias a gate or the policy reads) is read once, gates are evaluated
 * against that state (`metrics.X`, `params.X`, `tags.X`, `version` are the
 * candidate's; `<alias>.metrics.X` ... the current holder's; fields of an
 * alias nobody holds are missing, so such a gate fails, with "why" set,
 * unless `??` gives a default), then the write transaction checks that none
 * of those aliases moved and records the event.
 *
 * Returns 0 when it ran: out->moved says whether the alias moved (0 with
 * out->already, or 0 because a gate, the required alias or approvals
 * refused: the command's negative answer). Fatal: MLV_EINVALID for a gate
 * that does not parse (out->bad_gate, mlv_expr_error_column()), a bad
 * alias, a deprecated version; MLV_ENOTFOUND for an unknown model or
 * version; MLV_ECONFLICT "alias 'production' of 'm' moved by Ann <a@x>
 * (to m@4) while this promote ran; nothing was recorded". Release OUT with
 * mlv_promote_result_release in every case.
 */
int mlv_registry_promote(mlv_store *st, const mlv_promote_opts *o, mlv_promote_result *out);
void mlv_promote_result_release(mlv_promote_result *r);

/* What a simple change did. */
typedef struct mlv_reg_outcome {
	int changed;         /* 0: nothing to do (already approved/deprecated/unset) */
	uint32_t version;    /* the version acted on (rollback: the new holder) */
	uint32_t from;       /* rollback, unalias: the holder before */
	uint64_t seq;        /* the event recorded, when changed */
	mlv_oid event;
	unsigned approvals;  /* approve: distinct identities that approved now */
} mlv_reg_outcome;

typedef struct mlv_reg_action {
	const char *name;
	uint32_t version;    /* approve, deprecate; rollback: --to N, or 0 */
	const char *alias;   /* approve, rollback, unalias */
	const char *message;
	mlv_reg_identity who;
} mlv_reg_action;

/*
 * Record an approval of NAME@VERSION for ALIAS by a->who. The same identity
 * again changes nothing (out->changed 0). MLV_ENOTFOUND, MLV_EINVALID.
 */
int mlv_registry_approve(mlv_store *st, const mlv_reg_action *a, mlv_reg_outcome *out);

/*
 * Move ALIAS back: to version a->version when not 0, else to the holder
 * before the current one, where rollbacks pop (promote 1, 2, 3, rollback,
 * rollback: 1). No gates, no policy: it is the way back. MLV_ENOTFOUND
 * "'production' of 'm' has no earlier holder to roll back to" when there
 * is none; MLV_EINVALID for a deprecated target. A CAS like promote: the
 * alias must still be where it was read (MLV_ECONFLICT).
 */
int mlv_registry_rollback(mlv_store *st, const mlv_reg_action *a, mlv_reg_outcome *out);

/* Remove ALIAS of NAME (an event). An alias that is not set: MLV_ENOTFOUND. */
int mlv_registry_unalias(mlv_store *st, const mlv_reg_action *a, mlv_reg_outcome *out);

/*
 * Mark NAME@VERSION deprecated: it can no longer be promoted (aliases that
 * hold it keep it until moved). Already deprecated: out->changed 0.
 */
int mlv_registry_deprecate(mlv_store *st, const mlv_reg_action *a, mlv_reg_outcome *out);

/* ---- checking and rebuilding (fsck) ---- */

/*
 * Check every chain: each event is a stored, parseable event of its model,
 * seq falls by one to 1 along "prev", the first has no prev, time never
 * goes backwards; and the registry database equals the replay of the
 * chains. REPORT(payload, kind, oid, message) is called per problem with
 * KIND "bad-chain" or "registry-mismatch". Counts go to the out pointers
 * (may be NULL). Returns 0 when the check ran.
 */
typedef void (*mlv_reg_report_fn)(void *payload, const char *kind, const mlv_oid *oid, const char *message);
int mlv_registry_check(mlv_store *st, mlv_reg_report_fn report, void *payload,
	uint64_t *models, uint64_t *events, uint64_t *problems);

/* Recreate the registry database from the chains (fsck --rebuild-index). */
int mlv_registry_rebuild(mlv_store *st, uint64_t *models, uint64_t *events);

#endif
