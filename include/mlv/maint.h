/* Maintenance of a store: checking it (fsck), rebuilding its index, gc. */
#ifndef MLV_MAINT_H
#define MLV_MAINT_H

#include <stdint.h>
#include "mlv/oid.h"
#include "mlv/store.h"

/*
 * One problem found by fsck. KIND is a stable word ("corrupt-chunk",
 * "missing-chunk", "corrupt-object", "missing-object", "bad-pack",
 * "index-mismatch", "bad-tree", "unindexed-pack"); OID is the object (or
 * chunk) concerned, or NULL; MESSAGE says what is wrong.
 */
typedef void (*mlv_fsck_report_fn)(void *payload, const char *kind,
	const mlv_oid *oid, const char *message);

typedef struct mlv_fsck_opts {
	int full;                   /* also re-read and verify every object whole */
	mlv_fsck_report_fn report;  /* called for each problem; may be NULL */
	void *payload;
} mlv_fsck_opts;

typedef struct mlv_fsck_result {
	uint64_t packs, chunks, objects; /* what was checked */
	uint64_t bytes;                  /* bytes of chunk content verified */
	uint64_t problems;
} mlv_fsck_result;

/*
 * Check every pack (entries parse, chunks decompress within their declared
 * size and match their ids), the index (every entry agrees with the pack it
 * points into; every object's chunks exist), and trees (parse, children
 * exist). With opts->full every object is also read whole and its id
 * checked. Returns 0 when the check ran (problems are counted in OUT, not
 * returned), or a negative code when it could not run.
 */
int mlv_fsck(mlv_store *st, const mlv_fsck_opts *opts, mlv_fsck_result *out);

/*
 * Rebuild the chunk and object index from the pack files alone (what
 * `mlv fsck --rebuild-index` does). Refs are kept. Damaged entries are
 * skipped and counted in *skipped.
 */
int mlv_index_rebuild(mlv_store *st, uint64_t *objects, uint64_t *chunks, uint64_t *skipped);

/* Something that holds objects alive; gc asks each of these for its ids. */
typedef int (*mlv_root_emit_fn)(void *payload, const mlv_oid *oid);

typedef struct mlv_gc_opts {
	int dry_run;
	int64_t expire;   /* objects written at or after this time (epoch s) are kept */
	/* Called for each object that is (or, dry run, would be) removed. */
	void (*report)(void *payload, const mlv_oid *oid, int type, uint64_t size);
	void *payload;
	/*
	 * More roots (pointers in git history, the work tree, runs...): called
	 * once, it calls EMIT for every id it holds alive. A non-zero return
	 * aborts gc before anything is deleted. May be NULL.
	 */
	int (*roots)(void *payload, mlv_root_emit_fn emit, void *emit_payload);
} mlv_gc_opts;

typedef struct mlv_gc_result {
	uint64_t objects_kept, objects_removed;
	uint64_t chunks_kept, chunks_removed;
	uint64_t bytes_before, bytes_after;   /* pack bytes on disk */
	uint64_t packs_removed, packs_written;
} mlv_gc_result;

/*
 * Remove objects no root reaches and that are older than opts->expire, then
 * repack what is kept of the packs that held them. Roots: every ref in the
 * index (the first 32 bytes of a ref's value are an object id), what
 * opts->roots emits, and everything reachable from them (trees' children,
 * ids written "sha256:<hex>" in JSON records). Leftovers of interrupted
 * commands (temporary files, packs the index never recorded) are removed. If listing the roots fails, nothing is deleted. Waits for
 * writers to finish and keeps new ones waiting while it runs.
 */
int mlv_gc(mlv_store *st, const mlv_gc_opts *opts, mlv_gc_result *out);

#endif
