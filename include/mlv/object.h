/*
 * Objects: blobs (file contents), trees (directories) and JSON records,
 * addressed by the SHA-256 of their bytes. Writing goes through a writer (one
 * new pack per writer); reading verifies every chunk and the whole object.
 */
#ifndef MLV_OBJECT_H
#define MLV_OBJECT_H

#include <stdint.h>
#include <stddef.h>
#include "mlv/oid.h"
#include "mlv/buf.h"
#include "mlv/store.h"

typedef enum mlv_objtype {
	MLV_OBJ_ANY = 0,
	MLV_OBJ_BLOB = 1, /* bytes of a file */
	MLV_OBJ_TREE = 2, /* a directory listing, see tree.h */
	MLV_OBJ_JSON = 3  /* a canonical JSON metadata record */
} mlv_objtype;

/* "blob", "tree", "json"; "unknown" for anything else. */
const char *mlv_objtype_name(mlv_objtype t);
/* Parse a type name. Returns 0 or MLV_EINVALID. */
int mlv_objtype_parse(mlv_objtype *out, const char *name);

typedef struct mlv_objinfo {
	mlv_objtype type;  /* the type it was first stored as */
	unsigned types;    /* every type the same bytes were stored as: bit (1 << type) */
	uint64_t size;     /* bytes of content */
	uint32_t nchunks;  /* chunks it is cut into */
	int64_t mtime;     /* when it was last written (seconds since the epoch) */
} mlv_objinfo;

/* Look an object up in the index. Returns 0, or MLV_ENOTFOUND. */
int mlv_object_info(mlv_store *st, const mlv_oid *oid, mlv_objinfo *out);

/*
 * Resolve a full id or a unique prefix of at least MLV_OID_MINPREFIX hex
 * digits, optionally written "sha256:<hex>". Returns 0; MLV_EINVALID for
 * something that is not hex or is too short; MLV_ENOTFOUND; MLV_EAMBIGUOUS,
 * whose message lists the candidates.
 */
int mlv_object_resolve(mlv_store *st, mlv_oid *out, const char *prefix);

/*
 * Receives content in order; a non-zero return stops the read and is
 * returned, with the message the sink set (mlv_error_set). Calls come one
 * at a time, but for a large object not always from the caller's thread: a
 * chunk goes on from the pool thread that read it, while it is still in
 * that core's cache. A sink must not depend on the thread it runs on.
 */
typedef int (*mlv_sink_fn)(void *payload, const void *data, size_t len);

/*
 * Stream the content of OID to SINK. Every chunk is verified before it is
 * passed on; the whole object is verified at the end (MLV_ECORRUPT then,
 * after all bytes were passed on, if it does not match). Callers that must
 * not expose unverified bytes write to a temporary file and rename it only on
 * success, or call mlv_object_verify first.
 */
int mlv_object_read(mlv_store *st, const mlv_oid *oid, mlv_sink_fn sink, void *payload);

/*
 * As mlv_object_read, for a SINK nobody sees until this returns 0 (a
 * temporary file renamed into place only then): the chunks of a large
 * object are not hashed one by one, only the whole object is, at the end.
 * Damaged data may reach the sink, but the read then fails (MLV_ECORRUPT)
 * and the caller discards what it wrote.
 */
int mlv_object_read_private(mlv_store *st, const mlv_oid *oid, mlv_sink_fn sink, void *payload);

/*
 * Read OID into OUT (appended) and verify it. Objects larger than MAX_SIZE
 * are refused with MLV_EINVALID before anything is read.
 */
int mlv_object_read_buf(mlv_store *st, const mlv_oid *oid, mlv_buf *out, uint64_t max_size);

/* Read and verify OID without delivering it anywhere. 0 or MLV_ECORRUPT... */
int mlv_object_verify(mlv_store *st, const mlv_oid *oid);

/*
 * Check that DATA can be stored as TYPE: a tree must parse (tree.h), a JSON
 * record must be one JSON value in UTF-8 with nothing after it. Blobs always pass.
 * WHAT names the data in the message. Returns 0 or MLV_EINVALID.
 */
int mlv_object_validate(const void *data, size_t len, mlv_objtype type, const char *what);

/*
 * A writer collects new chunks and objects in a temporary pack; nothing is
 * visible to other readers until mlv_writer_commit makes the pack durable
 * and records it in the index in one transaction. Chunks and objects already
 * in the store are not written again (objects are "freshened": their mtime
 * is updated so gc's grace period starts again). Writers of several
 * processes may run at once; gc waits for them (and they for gc).
 */
typedef struct mlv_writer mlv_writer;

typedef struct mlv_writer_stats {
	uint64_t objects_new;     /* objects not in the store before */
	uint64_t objects_total;   /* objects added through this writer */
	uint64_t chunks_new;
	uint64_t chunks_total;
	uint64_t bytes_in;        /* content bytes seen */
	uint64_t bytes_new;       /* content bytes of new chunks */
	uint64_t bytes_stored;    /* bytes those take in the pack (compressed) */
	uint64_t files_prefetched; /* small files of directories read through io_uring */
} mlv_writer_stats;

int mlv_writer_new(mlv_writer **out, mlv_store *st);

/*
 * Store everything readable from FD as an object of TYPE (trees and JSON are
 * validated). WHAT names the source in messages. *out receives the id.
 */
int mlv_writer_add_fd(mlv_writer *w, mlv_oid *out, int fd, mlv_objtype type, const char *what);
/*
 * The id says nothing of the type: the same bytes may be stored as a blob and
 * as a tree (an empty file and an empty directory) or a JSON record. The
 * object keeps the type it was first stored as and records the others.
 */
int mlv_writer_add_buf(mlv_writer *w, mlv_oid *out, const void *data, size_t len, mlv_objtype type);

/*
 * Store the directory PATH recursively: each regular file as a blob, each
 * symlink as a blob of its target (mode 120000; never followed), each
 * subdirectory as a tree. Names that a tree may not hold (see tree.h) make it
 * fail with MLV_EINVALID. *nfiles and *total_size (may be NULL) receive the
 * count of files and their bytes.
 */
int mlv_writer_add_dir(mlv_writer *w, mlv_oid *out, const char *path,
	uint64_t *nfiles, uint64_t *total_size);

/*
 * A cache of file ids the writer consults while storing a directory: LOOKUP
 * returns 1 and fills *oid when the file PATH, whose lstat is SB, is known
 * to hold an object already in the store; RECORD learns the id of each file
 * it had to read. Either may be NULL. The cache must outlive the writer.
 */
struct stat;
typedef struct mlv_file_cache {
	int (*lookup)(void *payload, const char *path, const struct stat *sb, mlv_oid *oid);
	void (*record)(void *payload, const char *path, const struct stat *sb, const mlv_oid *oid);
	void *payload;
} mlv_file_cache;

void mlv_writer_set_cache(mlv_writer *w, const mlv_file_cache *cache);

/*
 * Call FN after every block the writer reads (about 8 MiB) with the count of
 * content bytes seen so far, e.g. to draw a progress bar. NULL stops it.
 */
typedef void (*mlv_progress_fn)(void *payload, uint64_t bytes_done);
void mlv_writer_set_progress(mlv_writer *w, mlv_progress_fn fn, void *payload);

/* Make everything added durable and visible. The writer can be freed after. */
int mlv_writer_commit(mlv_writer *w);
void mlv_writer_stats_get(const mlv_writer *w, mlv_writer_stats *out);
/* Free; a writer not committed is abandoned and leaves nothing behind. */
void mlv_writer_free(mlv_writer *w);

#endif
