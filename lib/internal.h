/* What lib/ files share but the public API does not expose. */
#ifndef MLV_INTERNAL_H
#define MLV_INTERNAL_H

#include <stdint.h>
#include <stddef.h>
#include <lmdb.h>
#include "mlv/mlv.h"

/*
 * Names of the temporary files checkout writes beside their targets; a
 * killed checkout may leave one, which storing and comparing directories
 * pass over.
 */
#define MLV_TMP_PREFIX ".mlv-tmp-"

/* Length of the valid UTF-8 sequence at P (at most LEFT > 0 bytes), or 0 (buf.c). */
size_t mlv__utf8_len(const unsigned char *p, size_t left);


/* MS (ms since the epoch) as "2026-03-03T14:00:00.123Z" (buf.c). */
void mlv__iso_time(char out[32], int64_t ms);

/* ---- content-defined chunking (chunker.c) ---- */

/*
 * Chunk sizes: an average of 2^MLV_CHUNK_BITS bytes, a quarter of it at
 * least, four times it at most. 16 (64 KiB) was chosen with
 * bench/chunksize.sh (figures in bench/RESULTS.md): it keeps the index small
 * (16k entries per GiB) while an edited row costs one ~64 KiB chunk before
 * compression. Changing it moves every chunk boundary and so defeats dedup
 * against existing stores; it is a build option only for that benchmark.
 */
#ifndef MLV_CHUNK_BITS
#define MLV_CHUNK_BITS 16
#endif
#define MLV_CHUNK_AVG (1 << MLV_CHUNK_BITS)
#define MLV_CHUNK_MIN (MLV_CHUNK_AVG / 4)
#define MLV_CHUNK_MAX (MLV_CHUNK_AVG * 4)

/*
 * Length of the first chunk of DATA[0..len): a cut point found by the gear
 * hash, or len itself when no cut is found before MLV_CHUNK_MAX bytes (the
 * caller passes more data or, at end of input, takes len as the last chunk).
 * Returns 0 when len < MLV_CHUNK_MAX and no cut was found yet and !at_eof.
 */
size_t mlv__chunk_cut(const unsigned char *data, size_t len, int at_eof);

/* ---- large files written front to back (io.c) ---- */

/*
 * A file written once, front to back, through a staging buffer. Once
 * mlv__seqw_direct was called, whole aligned pieces of it go to the disk with
 * O_DIRECT, from a thread of its own while the caller fills the next buffer:
 * no copy into the page cache, whose freshly allocated pages are what writing
 * a large file mostly costs (on a VM several times the copy itself). A
 * third thread calls fdatasync every 16 MiB meanwhile, so that the fsync at
 * the end does not wait for the device to flush the whole file. A file
 * system that does not take O_DIRECT, or refuses a write with it, gets
 * ordinary writes. Each write is an injection point (as mlv_io_write),
 * counted on the caller's thread. Functions returning int return 0 or
 * -errno; an error of either thread comes back from the next call.
 */
#define MLV_SEQW_ALIGN 4096
struct iovec;
struct mlv__seqw_bg;
struct mlv__seqw {
	int fd;
	int want_direct, direct;
	unsigned char *mem, *buf; /* buf: mem aligned to MLV_SEQW_ALIGN, cap bytes */
	size_t cap, len;          /* len bytes wait in buf */
	uint64_t pos;             /* bytes given to fd so far: its file offset */
	uint64_t put;             /* bytes put so far: buf holds the last len of them */
	const char *what;         /* for the injection log */
	struct mlv__seqw_bg *bg;  /* the writing thread and its buffer, once direct */
	unsigned bg_syncs;        /* fdatasync calls made while writing (tests read it) */
};
/*
 * Ask for huge pages under the whole 2 MiB pages of a large buffer: fewer TLB
 * misses when it is hashed, cut and copied, and fewer pages to pin for
 * O_DIRECT. A hint only.
 */
void mlv__huge_pages(void *p, size_t len);
/* Start writing FD at its offset 0, with a buffer of CAP bytes (a multiple of MLV_SEQW_ALIGN). */
int mlv__seqw_init(struct mlv__seqw *s, int fd, size_t cap, const char *what);
/* Bypass the page cache from here on (best effort). */
void mlv__seqw_direct(struct mlv__seqw *s);
int mlv__seqw_put(struct mlv__seqw *s, const void *data, size_t len);
/* Put the IOVCNT buffers (TOTAL bytes); without O_DIRECT one writev and no copy. */
int mlv__seqw_putv(struct mlv__seqw *s, const struct iovec *iov, int iovcnt, size_t total);
/*
 * Where the bytes at file offset OFF..OFF+LEN go, when they lie wholly in
 * the buffer being filled and after what was put (else NULL): a producer
 * that knows where its pieces go can write them there itself, in any
 * order, then account for them in order with mlv__seqw_advance. The
 * buffer stays until it is full, so a slot stays valid until its bytes are
 * advanced over. Calls must not overlap a put or an advance.
 */
unsigned char *mlv__seqw_slot(struct mlv__seqw *s, uint64_t off, size_t len);
/* The next LEN bytes are in place (written through mlv__seqw_slot). */
int mlv__seqw_advance(struct mlv__seqw *s, size_t len);
/*
 * mlv_object_read_private into the writer SW (large objects mostly without
 * a copy: see mlv__seqw_slot); a write error is MLV_EIO naming SW's file.
 */
int mlv__object_read_seqw(mlv_store *st, const mlv_oid *oid, struct mlv__seqw *sw);
/* Write all that waits, and wait for it to be written. */
int mlv__seqw_flush(struct mlv__seqw *s);
/* Stop the thread (after waiting for its write) and free the buffers; S may be zeroed. */
void mlv__seqw_release(struct mlv__seqw *s);

/* ---- pack files (pack.c) ---- */

#define MLV_PACK_MAGIC "MLVPACK1"
#define MLV_PACK_HDRSZ 16
#define MLV_ENTRY_HDRSZ 48

enum { MLV_ENTRY_CHUNK = 1, MLV_ENTRY_MANIFEST = 2 };
enum { MLV_COMP_RAW = 0, MLV_COMP_ZSTD = 1 };

/* The fixed header in front of every pack entry. */
struct mlv_entry_hdr {
	uint8_t kind;        /* MLV_ENTRY_* */
	uint8_t comp;        /* MLV_COMP_* */
	uint32_t raw_len;    /* length after decompression */
	uint32_t stored_len; /* payload bytes that follow the header */
	mlv_oid id;          /* chunk id, or object id for a manifest */
};

/* Encode/decode the 48-byte header (little endian, with a header checksum). */
void mlv__entry_hdr_encode(unsigned char out[MLV_ENTRY_HDRSZ], const struct mlv_entry_hdr *h);
int mlv__entry_hdr_decode(struct mlv_entry_hdr *h, const unsigned char in[MLV_ENTRY_HDRSZ]);

/*
 * A manifest lists the chunks of an object:
 *   type u8, 7 zero bytes, size u64, nchunks u32, 4 zero bytes,
 *   nchunks chunk ids, SHA-256 of everything before it.
 */
struct mlv_manifest {
	mlv_objtype type;
	uint64_t size;
	uint32_t nchunks;
	mlv_oid *chunks;
};
int mlv__manifest_encode(mlv_buf *out, const struct mlv_manifest *m);
int mlv__manifest_decode(struct mlv_manifest *m, const unsigned char *p, size_t len);
void mlv__manifest_release(struct mlv_manifest *m);

/*
 * Decompress a chunk payload into OUT (raw_len bytes), bounded; verify id.
 * mlv__chunk_decode uses a context of the calling thread's; _with takes one
 * (from mlv__dctx_new) for threads that come and go, or NULL.
 */
typedef struct ZSTD_DCtx_s ZSTD_DCtx;
int mlv__chunk_decode(unsigned char *out, const struct mlv_entry_hdr *h, const unsigned char *payload);
int mlv__chunk_decode_with(ZSTD_DCtx *dctx, unsigned char *out, const struct mlv_entry_hdr *h, const unsigned char *payload);
/* The same; VERIFY 0 skips hashing the chunk (for a reader that verifies the whole object). */
int mlv__chunk_decode_v(ZSTD_DCtx *dctx, unsigned char *out, const struct mlv_entry_hdr *h, const unsigned char *payload,
	int verify);
/* A decompression context limited to the window chunks need. */
ZSTD_DCtx *mlv__dctx_new(void);

/* ---- the index (index.c) ---- */

struct mlv_chunk_loc {
	uint32_t pack;
	uint32_t stored_len;
	uint64_t offset;    /* of the entry header */
	uint32_t raw_len;
	uint8_t comp;
};

struct mlv_object_rec {
	uint8_t type;       /* the type it was first stored as */
	uint8_t types;      /* bit (1 << type) for every type it was stored as */
	uint32_t nchunks;
	uint64_t size;
	uint32_t pack;      /* where the manifest is */
	uint64_t offset;
	int64_t mtime;
};

void mlv__chunk_loc_encode(unsigned char out[24], const struct mlv_chunk_loc *l);
int mlv__chunk_loc_decode(struct mlv_chunk_loc *l, const MDB_val *v);
void mlv__object_rec_encode(unsigned char out[40], const struct mlv_object_rec *r);
int mlv__object_rec_decode(struct mlv_object_rec *r, const MDB_val *v);

struct mlv_index {
	MDB_env *env;
	MDB_dbi chunks, objects, packs, refs, meta, stat;
	MDB_dbi runs;   /* run id (32 hex) -> record id + summary (run.c) */
	MDB_dbi registry; /* derived state of the model registry (registry.c, registry.h) */
	MDB_dbi runsort;  /* keys ordering the runs by start, metric, name, tag (runsort.c) */
};

int mlv__index_open(struct mlv_index *ix, const char *dir);
void mlv__index_close(struct mlv_index *ix);
/*
 * Check the structure of the index file: walk every B-tree of the current
 * snapshot (the free list, the main database, each named database) reading
 * pages with pread, and check what liblmdb trusts without checking: each
 * page's number, type, key count and node offsets, child and overflow page
 * numbers, named database records. 0, or MLV_ECORRUPT naming the first bad
 * page (liblmdb would read out of bounds there and crash). DEEP reads every
 * page in use once: for fsck, not for every command; without it only the
 * meta pages and the main database (the list of named databases, a page or
 * two), which every open reads (index.c).
 */
int mlv__index_check_pages(struct mlv_index *ix, int deep);
/* A read transaction; retries after another process grew the map. */
int mlv__index_read_begin(struct mlv_index *ix, MDB_txn **out);
/*
 * A write transaction, after taking the store's write lock (waiting up to
 * the lock timeout). mlv__index_write_commit commits (an injection point),
 * growing the map and calling RETRY to redo the work on MDB_MAP_FULL is the
 * caller's business through mlv__index_write.
 */
typedef int (*mlv_index_write_fn)(void *payload, MDB_txn *txn);
int mlv__index_write(mlv_store *st, mlv_index_write_fn fn, void *payload);
/*
 * mlv_writer_commit, with ALSO(PAYLOAD, txn) run in the same index
 * transaction after the objects are indexed (the pack is durable by then):
 * one commit, one sync, for objects and what refers to them. ALSO must be
 * repeatable (a full map makes the transaction run again).
 */
int mlv__writer_commit_with(mlv_writer *w, mlv_index_write_fn also, void *payload);

/*
 * The runs' sort index (runsort.c). mlv__runsort_put adds the keys of run ID
 * (whose summary is about to be put into the runs database in TXN), replacing
 * those of its previous summary, or builds the whole index if it is not
 * complete. mlv__runsort_name finds the newest run named NAME (*WHICH 0) or,
 * with TAGKEY, tagged TAGKEY=TAGVAL (*WHICH 1), into OUT (33 bytes); *WHICH
 * -1 when neither.
 * Both readers return MLV_ENOTFOUND when the index cannot answer (the caller
 * scans the summaries).
 */
/* start_ms of a run summary as `mlv runs` reads it (0 when absent or unreadable). */
int64_t mlv__summary_start_ms(const char *summary, size_t len);
int mlv__runsort_put(MDB_txn *txn, struct mlv_index *ix, const char *id, const char *summary, size_t len);
int mlv__runsort_name(mlv_store *st, const char *name, const char *tagkey, const char *tagval,
	char *out, int *which);

/* Turn an LMDB error into an mlv error naming WHAT. */
int mlv__index_error(int mdb_rc, const char *what);

/*
 * Give the pack file NAME the next pack number and record it; *packno
 * receives the number. Returns 0, MDB_MAP_FULL (the caller's write grows the
 * map and retries) or an mlv error.
 */
int mlv__index_add_pack(MDB_txn *txn, struct mlv_index *ix, const char *name, uint32_t *packno);

int mlv__index_get_chunk(MDB_txn *txn, struct mlv_index *ix, const mlv_oid *id, struct mlv_chunk_loc *out);
int mlv__index_get_object(MDB_txn *txn, struct mlv_index *ix, const mlv_oid *id, struct mlv_object_rec *out);

/*
 * The index half of mlv_writer_commit, inside the caller's write
 * transaction TXN (so that new objects and what names them become visible
 * together): the pack is made durable first (once, however often this is
 * retried), then its objects are added to TXN. After TXN commits, call
 * mlv__writer_set_committed. If TXN is aborted for good, the pack stays
 * unindexed and gc removes it.
 */
int mlv__writer_commit_in(mlv_writer *w, MDB_txn *txn);
void mlv__writer_set_committed(mlv_writer *w);

/* ---- an id -> value map (oidmap.c); values are non-zero ---- */

struct mlv_oidmap_slot {
	mlv_oid id;
	size_t val; /* 0 = empty */
};

struct mlv_oidmap {
	struct mlv_oidmap_slot *slots;
	size_t cap, n;
};

/* The value stored for ID, or 0. */
size_t mlv__oidmap_get(const struct mlv_oidmap *m, const mlv_oid *id);
/* Add ID (not yet present) with VAL != 0. */
int mlv__oidmap_put(struct mlv_oidmap *m, const mlv_oid *id, size_t val);
void mlv__oidmap_release(struct mlv_oidmap *m);

/* ---- the store (store.c) ---- */

struct mlv_store {
	char *path;          /* absolute path of .mlv */
	char *objpath;       /* where objects, index and locks are: path, or a shared store */
	char *packdir;       /* .mlv/objects/pack */
	char *tmpdir;        /* .mlv/objects/tmp */
	struct mlv_index ix;
	int lockfd_write;    /* .mlv/locks/write.lock */
	int lockfd_gc;       /* .mlv/locks/gc.lock */
	int *packfds;        /* open pack files by number, -1 when closed */
	uint32_t npackfds;
	uint32_t packfds_open; /* how many of them are open */
};

/* Take/release a lock file with flock, waiting up to the lock timeout. */
int mlv__lock(int fd, int exclusive, const char *what);
void mlv__unlock(int fd);

/* An open fd for pack number N (cached in ST). */
int mlv__pack_fd(mlv_store *st, MDB_txn *txn, uint32_t n, int *out);
/* A new, unique pack file name "pack-<32 hex>.pack" (random). */
void mlv__pack_name(char out[64]);

/* Forget cached pack fds (after gc replaced packs). */
void mlv__pack_fds_close(mlv_store *st);

/*
 * Close the cached pack fds when more than MLV_PACK_FDS_MAX are open, so
 * that a walk over every object of a store with very many packs (each
 * registry event is one) stays below the open-file limit. Only between
 * reads: no fd handed out before may be in use.
 */
#define MLV_PACK_FDS_MAX 64
void mlv__pack_fds_trim(mlv_store *st);

/* Read and decode a manifest at LOC into M. */
int mlv__manifest_read(mlv_store *st, MDB_txn *txn, const mlv_oid *oid,
	const struct mlv_object_rec *rec, struct mlv_manifest *m);

/* Read, decompress and verify one chunk; OUT must hold MLV_CHUNK_MAX bytes. */
int mlv__chunk_read(mlv_store *st, MDB_txn *txn, const mlv_oid *id, unsigned char *out,
	uint32_t *len_out, unsigned char *scratch);
/* Where chunk ID is: its index entry and an open fd of its pack (owned by ST). */
int mlv__chunk_locate(mlv_store *st, MDB_txn *txn, const mlv_oid *id, struct mlv_chunk_loc *loc, int *fd);
/* The reading half of mlv__chunk_read, safe to call from any thread (DCTX may be NULL). */
int mlv__chunk_read_at(ZSTD_DCtx *dctx, int fd, const struct mlv_chunk_loc *loc, const mlv_oid *id,
	unsigned char *out, uint32_t *len_out, unsigned char *scratch);
/* The same; VERIFY 0 skips hashing the chunk (see mlv__chunk_decode_v). */
int mlv__chunk_read_at_v(ZSTD_DCtx *dctx, int fd, const struct mlv_chunk_loc *loc, const mlv_oid *id,
	unsigned char *out, uint32_t *len_out, unsigned char *scratch, int verify);

/* ---- registry events (registry.c; registry.h describes the schema) ---- */

enum mlv__reg_ev_type { EV_REGISTER = 1, EV_PROMOTE, EV_ROLLBACK, EV_APPROVE, EV_UNALIAS, EV_DEPRECATE };

/* What an event says, as the registry database is derived from it. */
struct mlv__reg_event {
	int type;                  /* enum mlv__reg_ev_type */
	uint64_t seq;
	int has_prev;
	mlv_oid prev;              /* zero when !has_prev */
	int64_t time_ms;
	uint32_t version;          /* 0 when none (unalias) */
	char alias[MLV_REG_NAME_MAX + 1]; /* promote, rollback, approve, unalias; else "" */
	uint32_t from;             /* promote, rollback, unalias: the holder before, 0 for none */
	mlv_oid record, artifact;  /* register; else zero */
	uint64_t size;
	int is_dir;
	char idkey[256];           /* identity key, for approvals (mlv__reg_identity_key) */
};

/* The identity key of WHO (see mlv_reg_identity), as it reads back from a stored event. */
void mlv__reg_identity_key(char out[256], const char *name, const char *email);

/*
 * Parse event JSON of model NAME into EV: 0, or MLV_ECORRUPT (message set)
 * when it is not one, MLV_ENOMEM.
 */
int mlv__reg_event_parse(struct mlv__reg_event *ev, const char *json, size_t len, const char *name);

/*
 * The canonical JSON of event EV of model NAME by WHO with MESSAGE (may be
 * NULL) into OUT (replacing its contents); EXTRA (EXTRA_LEN bytes: nothing,
 * or members `,"key":value` the parser does not read, a promote's gates and
 * approvals) is appended. EV must be one that reads back as itself
 * (mlv__reg_event_parse gives EV again, ev->idkey included): else
 * MLV_EINVALID, and nothing is written.
 */
int mlv__reg_event_serialize(mlv_buf *out, const char *name, const struct mlv__reg_event *ev,
	const mlv_reg_identity *who, const char *message, const char *extra, size_t extra_len);

/*
 * Gate fields (registry.c): split PATH into ALIAS ("" for the candidate)
 * and the rest (version, name, or <section>.<key> of metrics, params,
 * tags): 0, or -1 when PATH names no registry field.
 */
int mlv__reg_field_split(const char *path, char alias[MLV_REG_NAME_MAX + 1], const char **rest);

/*
 * FIELD ("metrics.auc", "params.lr", "tags.team") of version record REC
 * (parsed JSON): 0 with OUT set (a metric stored as "nan"/"inf" is a
 * number; an object, array or null leaves OUT missing), or MLV_ENOTFOUND.
 */
struct cJSON;
int mlv__reg_record_field(const struct cJSON *rec, const char *field, mlv_expr_value *out);

/* Little-endian helpers. */
static inline void mlv__put_u32(unsigned char *p, uint32_t v)
{
	p[0] = (unsigned char)v; p[1] = (unsigned char)(v >> 8);
	p[2] = (unsigned char)(v >> 16); p[3] = (unsigned char)(v >> 24);
}
static inline void mlv__put_u64(unsigned char *p, uint64_t v)
{
	mlv__put_u32(p, (uint32_t)v);
	mlv__put_u32(p + 4, (uint32_t)(v >> 32));
}
static inline uint32_t mlv__get_u32(const unsigned char *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}
static inline uint64_t mlv__get_u64(const unsigned char *p)
{
	return (uint64_t)mlv__get_u32(p) | (uint64_t)mlv__get_u32(p + 4) << 32;
}

#endif
