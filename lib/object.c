/*
 * Writing objects (cut into chunks, hashed and compressed in parallel,
 * appended to a new pack, made visible by one index commit) and reading
 * them back with every chunk and the whole object verified.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <zstd.h>
#include <liburing.h>
#include "mlv/cjson.h"
#include "internal.h"
#include "pool.h"
#include "alloc.h"

#define READ_BLOCK (8u << 20)
/*
 * The pack's staging buffer, and so the size of each O_DIRECT write: 8 MiB
 * writes took a 1 GiB track from 1.81-2.05 s to 1.50-1.65 s against 4 MiB
 * (16 MiB: 1.54-1.72 s; five interleaved runs each, bench/RESULTS.md).
 */
#define WBUF_SIZE (8u << 20)
#define ZSTD_LEVEL 3
#define MAX_META_SIZE (256u << 20) /* trees and JSON records are read whole */

static const char *const type_names[] = { "any", "blob", "tree", "json" };

const char *mlv_objtype_name(mlv_objtype t)
{
	return (t >= MLV_OBJ_BLOB && t <= MLV_OBJ_JSON) ? type_names[t] : "unknown";
}

int mlv_objtype_parse(mlv_objtype *out, const char *name)
{
	for (int i = MLV_OBJ_BLOB; i <= MLV_OBJ_JSON; i++)
		if (!strcmp(name, type_names[i])) {
			*out = (mlv_objtype)i;
			return 0;
		}
	return mlv_error_set(MLV_EINVALID, "unknown object type '%s' (expected blob, tree or json)", name);
}

/* ---- the writer ---- */

struct pchunk {
	mlv_oid id;
	struct mlv_chunk_loc loc;
};

struct pobj {
	mlv_oid id;
	struct mlv_object_rec rec;
	int is_new;
};

struct cctx_stack {
	pthread_mutex_t mu;
	ZSTD_CCtx *free[16];
	int n;
};

/* A block of input in flight: read and cut, hashed by the pool, then written. */
struct block {
	struct mlv_writer *w;
	unsigned char *buf;             /* for input from a file: room for the carry, then ... */
	unsigned char *rd;              /* ... READ_BLOCK bytes, aligned for O_DIRECT */
	size_t carry;                   /* bytes before rd: the last block's uncut tail */
	ssize_t got;                    /* what the read into rd gave: bytes or -errno */
	int pending;                    /* that read is the reader thread's */
	const unsigned char *data;      /* the bytes cut: rd - carry, or the caller's memory */
	size_t avail, pos;              /* bytes at data; how far they were cut */
	const unsigned char *hash_data; /* the new bytes, for the whole-object hash */
	size_t hash_len;
	int whole;                      /* job 0 is the whole-object hash */
	int eof;
	int inflight;                   /* submitted to the pool, not yet waited for */
	struct task *tasks;
	size_t ntasks, atasks;
	unsigned char *arena;           /* compressed outputs */
	size_t arena_cap;
	unsigned char *hdrs;            /* entry headers, for writev */
	size_t ahdrs;
};

struct mlv_writer {
	mlv_store *st;
	int gc_locked;
	int fd;
	mlv_buf tmppath;
	uint64_t off;          /* logical end of the pack */
	struct mlv__seqw pw;   /* the pack's writes (pw.mem NULL until the first pack) */
	int direct;            /* a large file was stored: bypass the page cache */
	int write_err;         /* sticky: once a write failed, commit refuses */
	struct pchunk *chunks;
	size_t nchunks, achunks;
	struct pobj *objs;
	size_t nobjs, aobjs;
	struct mlv_oidmap cmap, omap;
	struct mlv_pool *pool;
	struct mlv_pool *fpool; /* reads a directory's small files */
	unsigned char *fmem[2]; /* their batches' memory */
	struct io_uring *ring;  /* reads the next batch meanwhile (see prefetch_submit) */
	int ring_state;         /* 0: not tried yet; 1: ring ready; -1: none */
	size_t ring_inflight;   /* reads submitted and not yet reaped */
	struct cctx_stack cctxs;
	mlv_hasher *whole;
	mlv_writer_stats stats;
	struct block blocks[3]; /* in flight: being written, hashed, read */
	unsigned raw_streak;    /* chunks in a row that did not compress */
	uint64_t chunk_seq;     /* chunks of the current object so far */
	const mlv_file_cache *cache;
	mlv_progress_fn progress;
	void *progress_payload;
	uint64_t last_size;     /* bytes of the last object added */
	int committed;
	int prepared;           /* the pack is durable under its final name (writer_prepare) */
	char packname[64];      /* that name, "" when nothing needed a pack */
};

void mlv_writer_set_progress(mlv_writer *w, mlv_progress_fn fn, void *payload)
{
	w->progress = fn;
	w->progress_payload = payload;
}

void mlv_writer_set_cache(mlv_writer *w, const mlv_file_cache *cache) { w->cache = cache; }

int mlv_writer_new(mlv_writer **out, mlv_store *st)
{
	mlv_writer *w = mlv__calloc(1, sizeof(*w));
	int rc;
	*out = NULL;
	if (!w)
		return mlv_error_set(MLV_ENOMEM, "out of memory");
	w->st = st;
	w->fd = -1;
	pthread_mutex_init(&w->cctxs.mu, NULL);
	/* gc must not remove a chunk this writer decided not to store again. */
	if ((rc = mlv__lock(st->lockfd_gc, 0, "the store (gc is running)"))) {
		mlv_writer_free(w);
		return rc;
	}
	w->gc_locked = 1;
	if ((rc = mlv_hasher_new(&w->whole))) {
		mlv_writer_free(w);
		return rc;
	}
	*out = w;
	return 0;
}

static ZSTD_CCtx *cctx_get(struct cctx_stack *s)
{
	ZSTD_CCtx *c = NULL;
	pthread_mutex_lock(&s->mu);
	if (s->n)
		c = s->free[--s->n];
	pthread_mutex_unlock(&s->mu);
	if (!c && (c = ZSTD_createCCtx()))
		ZSTD_CCtx_setParameter(c, ZSTD_c_compressionLevel, ZSTD_LEVEL);
	return c;
}

static void cctx_put(struct cctx_stack *s, ZSTD_CCtx *c)
{
	pthread_mutex_lock(&s->mu);
	if (s->n < 16) {
		s->free[s->n++] = c;
		c = NULL;
	}
	pthread_mutex_unlock(&s->mu);
	ZSTD_freeCCtx(c);
}

static int pack_err(mlv_writer *w, int err)
{
	if (!err)
		return 0;
	w->write_err = 1;
	return err == -ENOMEM ? mlv_error_set(MLV_ENOMEM, "out of memory")
			      : mlv_error_set_errno(MLV_EIO, -err, "cannot write to the store");
}

static int pack_flush(mlv_writer *w) { return pack_err(w, mlv__seqw_flush(&w->pw)); }

static int pack_put(mlv_writer *w, const void *data, size_t len)
{
	int rc = pack_err(w, mlv__seqw_put(&w->pw, data, len));
	if (!rc)
		w->off += len;
	return rc;
}

/* From now on the pack bypasses the page cache (see mlv__seqw). */
static void pack_direct(mlv_writer *w)
{
	w->direct = 1;
	if (w->fd >= 0)
		mlv__seqw_direct(&w->pw);
}

static int pack_start(mlv_writer *w)
{
	unsigned char head[MLV_PACK_HDRSZ] = MLV_PACK_MAGIC;
	if (w->fd >= 0)
		return 0;
	if (w->write_err)
		return mlv_error_set(MLV_EIO, "cannot write to the store after an earlier failure");
	mlv_buf_clear(&w->tmppath);
	if (mlv_buf_printf(&w->tmppath, "%s/pack-XXXXXX", w->st->tmpdir))
		return MLV_ENOMEM;
	w->fd = mkstemp(w->tmppath.ptr);
	if (w->fd < 0) {
		mlv_buf_clear(&w->tmppath);
		return mlv_error_set_errno(MLV_EIO, errno, "cannot create a pack in '%s'", w->st->tmpdir);
	}
	mlv__seqw_release(&w->pw);
	if (mlv__seqw_init(&w->pw, w->fd, WBUF_SIZE, "pack")) {
		close(w->fd);
		w->fd = -1;
		unlink(w->tmppath.ptr);
		mlv_buf_clear(&w->tmppath);
		return mlv_error_set(MLV_ENOMEM, "out of memory");
	}
	if (w->direct)
		mlv__seqw_direct(&w->pw);
	mlv__put_u32(head + 8, 1);
	w->off = 0;
	return pack_put(w, head, sizeof(head));
}

static int pack_entry(mlv_writer *w, const struct mlv_entry_hdr *h, const void *payload, uint64_t *off_out)
{
	unsigned char hdr[MLV_ENTRY_HDRSZ];
	int rc;
	if ((rc = pack_start(w)))
		return rc;
	*off_out = w->off;
	mlv__entry_hdr_encode(hdr, h);
	if ((rc = pack_put(w, hdr, sizeof(hdr))))
		return rc;
	return pack_put(w, payload, h->stored_len);
}

/* One chunk of a block, hashed and (unless already stored) compressed by a pool thread. */
struct task {
	const unsigned char *data;
	uint32_t len;
	int try_compress;
	mlv_oid id;
	int known;
	unsigned char *out;
	size_t out_cap, out_len;
	uint8_t comp;
};

/*
 * Hash chunk T and, unless the store has it already (looked up in TXN, which
 * may be NULL: a failed lookup only costs time) or T is not to be tried,
 * compress it. Safe on any thread.
 */
static void chunk_work(mlv_writer *w, struct task *t, MDB_txn *txn)
{
	mlv_hash_buf(&t->id, t->data, t->len);
	t->known = 0;
	if (txn) {
		MDB_val k = { MLV_OID_RAWSZ, t->id.id }, v;
		t->known = mdb_get(txn, w->st->ix.chunks, &k, &v) == 0;
	}
	t->comp = MLV_COMP_RAW;
	if (t->known || !t->try_compress)
		return;
	ZSTD_CCtx *c = cctx_get(&w->cctxs);
	if (c) {
		size_t n = ZSTD_compress2(c, t->out, t->out_cap, t->data, t->len);
		/* Keep it raw unless compression saves at least 1/32. */
		if (!ZSTD_isError(n) && n < t->len - t->len / 32) {
			t->comp = MLV_COMP_ZSTD;
			t->out_len = n;
		}
		cctx_put(&w->cctxs, c);
	}
}

/* Hashing and compressing block B's chunks (and, as job 0, its share of the whole-object hash). */
static void block_task(void *arg, size_t i)
{
	struct block *b = arg;
	struct task *t;
	MDB_txn *txn = NULL;
	if (b->whole) {
		if (i == 0) {
			mlv_hasher_update(b->w->whole, b->hash_data, b->hash_len);
			return;
		}
		i--;
	}
	t = &b->tasks[i];
	if (mdb_txn_begin(b->w->st->ix.env, NULL, MDB_RDONLY, &txn))
		txn = NULL;
	chunk_work(b->w, t, txn);
	if (txn)
		mdb_txn_abort(txn);
}

static int grow_array(void **arr, size_t *alloc, size_t need, size_t elem)
{
	if (need <= *alloc)
		return 0;
	size_t n = *alloc ? *alloc : 64;
	while (n < need)
		n *= 2;
	void *p = mlv__realloc(*arr, n * elem);
	if (!p)
		return mlv_error_set(MLV_ENOMEM, "out of memory");
	*arr = p;
	*alloc = n;
	return 0;
}

/*
 * A large regular file is read past the page cache too: through a second
 * descriptor of it opened with O_DIRECT, one block ahead, by a thread of its
 * own. The kernel then neither copies the data out of the page cache nor
 * fills the cache with a file read once, and the read overlaps the hashing
 * and writing of the blocks before. A read O_DIRECT refuses is done through
 * the caller's descriptor instead.
 */
struct reader {
	int fd, dfd;            /* the caller's descriptor, and the O_DIRECT one */
	uint64_t off;           /* the file offset of the next read */
	pthread_t thread;
	pthread_mutex_t mu;
	pthread_cond_t cv;
	int busy, stop;
	struct block *b;        /* being read */
};

#define READ_ALIGN 4096

static ssize_t reader_pread(struct reader *r, unsigned char *dst, size_t len, uint64_t off)
{
	size_t got = 0;
	while (got < len) {
		int direct = r->dfd >= 0 && (off + got) % READ_ALIGN == 0 && (len - got) % READ_ALIGN == 0 &&
			     (uintptr_t)(dst + got) % READ_ALIGN == 0;
		ssize_t n = pread(direct ? r->dfd : r->fd, dst + got, len - got, (off_t)(off + got));
		if (n < 0) {
			if (errno == EINTR)
				continue;
			if (errno == EINVAL && direct) {
				close(r->dfd);
				r->dfd = -1;
				continue;
			}
			return -errno;
		}
		if (n == 0)
			break;
		got += (size_t)n;
	}
	return (ssize_t)got;
}

static void *reader_main(void *arg)
{
	struct reader *r = arg;
	pthread_mutex_lock(&r->mu);
	for (;;) {
		while (!r->busy && !r->stop)
			pthread_cond_wait(&r->cv, &r->mu);
		if (!r->busy)
			break;
		struct block *b = r->b;
		pthread_mutex_unlock(&r->mu);
		/* the caller touches neither the block nor the reader until it is done */
		b->got = reader_pread(r, b->rd, READ_BLOCK, r->off);
		if (b->got > 0)
			r->off += (uint64_t)b->got;
		pthread_mutex_lock(&r->mu);
		r->busy = 0;
		pthread_cond_broadcast(&r->cv);
	}
	pthread_mutex_unlock(&r->mu);
	return NULL;
}

/* Read FD (a regular file, at a block-aligned offset) past the page cache from here on, if it can be. */
static int reader_open(struct reader *r, int fd)
{
	struct stat sb;
	char path[64];
	off_t at;
	memset(r, 0, sizeof(*r));
	r->fd = r->dfd = -1;
	if (fstat(fd, &sb) || !S_ISREG(sb.st_mode) || (at = lseek(fd, 0, SEEK_CUR)) < 0 || at % READ_ALIGN)
		return 0;
	/* the file FD has open, not its path again (which may name another file by now) */
	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	if ((r->dfd = open(path, O_RDONLY | O_DIRECT | O_CLOEXEC)) < 0)
		return 0;
	r->fd = fd;
	r->off = (uint64_t)at;
	pthread_mutex_init(&r->mu, NULL);
	pthread_cond_init(&r->cv, NULL);
	if (pthread_create(&r->thread, NULL, reader_main, r)) {
		pthread_mutex_destroy(&r->mu);
		pthread_cond_destroy(&r->cv);
		close(r->dfd);
		r->fd = r->dfd = -1;
		return 0;
	}
	return 1;
}

static void reader_wait(struct reader *r)
{
	pthread_mutex_lock(&r->mu);
	while (r->busy)
		pthread_cond_wait(&r->cv, &r->mu);
	pthread_mutex_unlock(&r->mu);
}

/* Stop the thread; the caller's descriptor is left where reading it all with read() would have. */
static void reader_close(struct reader *r)
{
	if (r->fd < 0)
		return;
	reader_wait(r);
	pthread_mutex_lock(&r->mu);
	r->stop = 1;
	pthread_cond_broadcast(&r->cv);
	pthread_mutex_unlock(&r->mu);
	pthread_join(r->thread, NULL);
	pthread_mutex_destroy(&r->mu);
	pthread_cond_destroy(&r->cv);
	if (r->dfd >= 0)
		close(r->dfd);
	lseek(r->fd, (off_t)r->off, SEEK_SET);
	r->fd = r->dfd = -1;
}

/*
 * Start filling block B from FD: the unfinished tail of PREV (the chunk not
 * yet cut) goes in front, and the next READ_BLOCK bytes are read behind it,
 * by the reader thread when R is open (block_finish waits for it).
 */
static int block_start(struct block *b, const struct block *prev, int fd, struct reader *r)
{
	if (!b->buf) {
		if (!(b->buf = mlv__malloc(MLV_CHUNK_MAX + READ_ALIGN + READ_BLOCK)))
			return mlv_error_set(MLV_ENOMEM, "out of memory");
		mlv__huge_pages(b->buf, MLV_CHUNK_MAX + READ_ALIGN + READ_BLOCK);
	}
	b->rd = b->buf + MLV_CHUNK_MAX + (READ_ALIGN - (uintptr_t)(b->buf + MLV_CHUNK_MAX) % READ_ALIGN) % READ_ALIGN;
	b->carry = prev ? prev->avail - prev->pos : 0;
	if (b->carry)
		memcpy(b->rd - b->carry, prev->data + prev->pos, b->carry);
	if (r && r->fd >= 0) {
		pthread_mutex_lock(&r->mu);
		r->b = b;
		r->busy = 1;
		b->pending = 1;
		pthread_cond_broadcast(&r->cv);
		pthread_mutex_unlock(&r->mu);
	} else {
		b->got = mlv_io_read_full(fd, b->rd, READ_BLOCK);
	}
	return 0;
}

/* Room for the compressed chunks of a LEN-byte file, however it is cut. */
static size_t arena_bound(size_t len)
{
	/* ZSTD_compressBound(n) <= n + n/256 + 64 for each chunk; at most len/MLV_CHUNK_MIN + 1 chunks */
	return len + len / 256 + 64 * (len / MLV_CHUNK_MIN + 2);
}

/*
 * Finish filling block B (started by block_start when FD >= 0, else the rest
 * of MEM after the tail of PREV) and cut it into chunk tasks.
 */
static int block_finish(mlv_writer *w, struct block *b, const struct block *prev, int fd,
	const unsigned char *mem, size_t len, size_t *memoff, int first, const char *what, struct reader *r)
{
	size_t carry, got, need = 0;
	b->w = w;
	b->ntasks = 0;
	b->pos = 0;
	if (fd >= 0) {
		if (b->pending) {
			reader_wait(r);
			b->pending = 0;
		}
		if (b->got < 0)
			return mlv_error_set_errno(MLV_EIO, (int)-b->got, "cannot read '%s'", what);
		carry = b->carry;
		got = (size_t)b->got;
		b->eof = got < READ_BLOCK;
		b->data = b->rd - carry;
	} else {
		/* Memory needs no copying: the block is the rest of it. */
		carry = prev ? prev->avail - prev->pos : 0;
		got = len - *memoff;
		b->eof = 1;
		b->data = mem + *memoff - carry;
		*memoff += got;
	}
	b->avail = carry + got;
	b->hash_data = b->data + carry;
	b->hash_len = got;
	/* The pool pays off only for large inputs. */
	if (first && !b->eof && !w->pool)
		mlv__pool_new(&w->pool);
	while (b->pos < b->avail) {
		size_t cut = mlv__chunk_cut(b->data + b->pos, b->avail - b->pos, b->eof);
		int rc;
		if (!cut)
			break;
		if ((rc = grow_array((void **)&b->tasks, &b->atasks, b->ntasks + 1, sizeof(*b->tasks))))
			return rc;
		memset(&b->tasks[b->ntasks], 0, sizeof(*b->tasks));
		b->tasks[b->ntasks].data = b->data + b->pos;
		b->tasks[b->ntasks].len = (uint32_t)cut;
		b->ntasks++;
		b->pos += cut;
		need += ZSTD_compressBound(cut);
	}
	/* A one-chunk object's id is its chunk's: no second hash. */
	b->whole = !(first && b->eof && b->ntasks <= 1);
	if (need > b->arena_cap) {
		/*
		 * A file of several blocks: room for any of its blocks at once, so
		 * that the arena is not allocated again, its pages faulted in
		 * again, whenever a block has more chunks (3-4% of the CPU time of
		 * a 1 GiB file). A record or a small file gets what it needs.
		 */
		size_t cap = fd >= 0 && !b->eof ? arena_bound(MLV_CHUNK_MAX + READ_BLOCK) : 0;
		if (cap < need)
			cap = need;
		free(b->arena);
		if (!(b->arena = mlv__malloc(cap))) {
			b->arena_cap = 0;
			return mlv_error_set(MLV_ENOMEM, "out of memory");
		}
		mlv__huge_pages(b->arena, cap);
		b->arena_cap = cap;
	}
	return 0;
}

/*
 * Trial compression costs time on data that does not compress: after a run
 * of chunks that stayed raw, only every 16th chunk is tried, so data that
 * becomes compressible again is noticed soon.
 */
#define RAW_STREAK 16

static void block_submit(mlv_writer *w, struct block *b)
{
	size_t njobs = b->ntasks + (b->whole ? 1 : 0), pos = 0;
	for (size_t i = 0; i < b->ntasks; i++) {
		struct task *t = &b->tasks[i];
		t->try_compress = w->raw_streak < RAW_STREAK || ((w->chunk_seq + i) % RAW_STREAK) == 0;
		/* outputs side by side: data that does not compress touches only the arena's first pages */
		if (t->try_compress) {
			t->out = b->arena + pos;
			t->out_cap = ZSTD_compressBound(t->len);
			pos += t->out_cap;
		}
	}
	if (w->pool && njobs > 1) {
		mlv__pool_submit(w->pool, njobs, block_task, b);
		b->inflight = 1;
	} else {
		for (size_t i = 0; i < njobs; i++)
			block_task(b, i);
	}
}

static void block_wait(mlv_writer *w, struct block *b)
{
	if (b->inflight) {
		mlv__pool_wait(w->pool);
		b->inflight = 0;
	}
}

/* Append the new chunks of hashed block B to the pack (one writev) and collect all its ids. */
static int block_write(mlv_writer *w, struct block *b, mlv_oid **ids, size_t *nids, size_t *aids)
{
	struct iovec *iov = NULL;
	size_t niov = 0, total = 0;
	uint64_t off0;
	int rc;
	if ((rc = grow_array((void **)ids, aids, *nids + b->ntasks, sizeof(mlv_oid))) ||
	    (rc = grow_array((void **)&b->hdrs, &b->ahdrs, b->ntasks * MLV_ENTRY_HDRSZ + 1, 1)))
		return rc;
	if (!(iov = mlv__malloc((b->ntasks * 2 + 1) * sizeof(*iov))))
		return mlv_error_set(MLV_ENOMEM, "out of memory");
	for (size_t i = 0; i < b->ntasks; i++) {
		struct task *t = &b->tasks[i];
		(*ids)[(*nids)++] = t->id;
		w->stats.chunks_total++;
		if (!t->known && t->try_compress)
			w->raw_streak = t->comp == MLV_COMP_RAW ? w->raw_streak + 1 : 0;
	}
	w->chunk_seq += b->ntasks;
	off0 = 0;
	for (size_t i = 0; i < b->ntasks; i++) {
		struct task *t = &b->tasks[i];
		unsigned char *hdr = b->hdrs + i * MLV_ENTRY_HDRSZ;
		if (t->known || mlv__oidmap_get(&w->cmap, &t->id))
			continue;
		/* the pack is only started for something new: re-storing known data writes nothing */
		if (!niov) {
			if ((rc = pack_start(w)))
				goto done;
			off0 = w->off;
		}
		struct mlv_entry_hdr h = { MLV_ENTRY_CHUNK, t->comp, t->len,
			(uint32_t)(t->comp == MLV_COMP_ZSTD ? t->out_len : t->len), t->id };
		mlv__entry_hdr_encode(hdr, &h);
		iov[niov].iov_base = hdr;
		iov[niov++].iov_len = MLV_ENTRY_HDRSZ;
		iov[niov].iov_base = (void *)(t->comp == MLV_COMP_ZSTD ? t->out : t->data);
		iov[niov++].iov_len = h.stored_len;
		if ((rc = grow_array((void **)&w->chunks, &w->achunks, w->nchunks + 1, sizeof(*w->chunks))))
			goto done;
		struct pchunk *pc = &w->chunks[w->nchunks++];
		pc->id = t->id;
		pc->loc = (struct mlv_chunk_loc){ 0, h.stored_len, off0 + total, h.raw_len, h.comp };
		if ((rc = mlv__oidmap_put(&w->cmap, &t->id, w->nchunks)))
			goto done;
		total += MLV_ENTRY_HDRSZ + h.stored_len;
		w->stats.chunks_new++;
		w->stats.bytes_new += h.raw_len;
		w->stats.bytes_stored += MLV_ENTRY_HDRSZ + h.stored_len;
	}
	if (niov) {
		if ((rc = pack_err(w, mlv__seqw_putv(&w->pw, iov, (int)niov, total))))
			goto done;
		/* Start writing back now, so the fsync at commit has little left to wait for. */
		if (total >= (1u << 20) && !w->pw.want_direct)
			sync_file_range(w->fd, (off64_t)off0, (off64_t)total, SYNC_FILE_RANGE_WRITE);
		w->off += total;
	}
done:
	free(iov);
	return rc;
}

/* Record the object: its manifest when new, a freshened mtime otherwise. */
static int finish_object(mlv_writer *w, const mlv_oid *oid, mlv_objtype type, uint64_t size,
	const mlv_oid *ids, size_t nids)
{
	struct mlv_object_rec rec;
	MDB_txn *txn = NULL;
	int rc, exists;
	w->stats.objects_total++;
	if (mlv__oidmap_get(&w->omap, oid))
		return 0;
	if ((rc = mlv__index_read_begin(&w->st->ix, &txn)))
		return rc;
	rc = mlv__index_get_object(txn, &w->st->ix, oid, &rec);
	mdb_txn_abort(txn);
	if (rc && rc != MLV_ENOTFOUND)
		return rc;
	exists = rc == 0;
	mlv_error_clear();
	/* Stored before as another type: a manifest for this type too, so a rebuilt index knows. */
	int new_type = exists && !(rec.types & (1u << type));
	if (!exists || new_type) {
		struct mlv_manifest m = { type, size, (uint32_t)nids, (mlv_oid *)ids };
		mlv_buf mb = MLV_BUF_INIT;
		if ((rc = mlv__manifest_encode(&mb, &m))) {
			mlv_buf_release(&mb);
			return rc;
		}
		struct mlv_entry_hdr h = { MLV_ENTRY_MANIFEST, MLV_COMP_RAW, (uint32_t)mb.size, (uint32_t)mb.size, *oid };
		uint64_t off;
		rc = pack_entry(w, &h, mb.ptr, &off);
		mlv_buf_release(&mb);
		if (rc)
			return rc;
		if (!exists) {
			rec = (struct mlv_object_rec){ (uint8_t)type, 1u << type, (uint32_t)nids, size, 0, off, 0 };
			w->stats.objects_new++;
		}
		rec.types |= 1u << type;
	}
	rec.mtime = (int64_t)time(NULL);
	if ((rc = grow_array((void **)&w->objs, &w->aobjs, w->nobjs + 1, sizeof(*w->objs))))
		return rc;
	w->objs[w->nobjs].id = *oid;
	w->objs[w->nobjs].rec = rec;
	w->objs[w->nobjs].is_new = !exists;
	w->nobjs++;
	return mlv__oidmap_put(&w->omap, oid, w->nobjs);
}

/*
 * Store a stream: from FD when fd >= 0, else the LEN bytes at MEM. Three
 * blocks are in flight: while the pool hashes and compresses one, this
 * thread writes the one before it and reads and cuts the one after it.
 */
static int ingest(mlv_writer *w, mlv_oid *out, int fd, const unsigned char *mem, size_t len,
	mlv_objtype type, const char *what)
{
	struct block *blk = w->blocks;
	mlv_oid *ids = NULL;
	size_t nids = 0, aids = 0, memoff = 0;
	uint64_t total = 0;
	int rc = 0, hashed = 0, cur = 0;
	mlv_oid oid;
	struct reader rd = { .fd = -1, .dfd = -1 };

	mlv_hasher_final(w->whole, &oid); /* start from a clean state */
	w->raw_streak = 0;
	w->chunk_seq = 0;
	if (fd >= 0 && (rc = block_start(&blk[0], NULL, fd, NULL)))
		goto done;
	if ((rc = block_finish(w, &blk[0], NULL, fd, mem, len, &memoff, 1, what, NULL)))
		goto done;
	/* a file larger than a block: read and written past the page cache from here on */
	if (fd >= 0 && !blk[0].eof) {
		pack_direct(w);
		if (!reader_open(&rd, fd))
			posix_fadvise(fd, 0, 0, POSIX_FADV_SEQUENTIAL);
	}
	block_submit(w, &blk[0]);
	if (!blk[0].eof && ((rc = block_start(&blk[1], &blk[0], fd, &rd)) ||
			    (rc = block_finish(w, &blk[1], &blk[0], fd, mem, len, &memoff, 0, what, &rd))))
		goto done;
	/* one block ahead: the reader fills the third while the first two are worked on */
	if (!blk[0].eof && !blk[1].eof && (rc = block_start(&blk[2], &blk[1], fd, &rd)))
		goto done;
	block_wait(w, &blk[0]);
	for (;;) {
		struct block *b = &blk[cur], *next = &blk[(cur + 1) % 3];
		int has_next = !b->eof;
		total += b->hash_len;
		hashed |= b->whole;
		if (has_next)
			block_submit(w, next);
		if ((rc = block_write(w, b, &ids, &nids, &aids)))
			goto done;
		if (w->progress)
			w->progress(w->progress_payload, w->stats.bytes_in + total);
		if (has_next && !next->eof) {
			struct block *after = &blk[(cur + 2) % 3];
			if ((rc = block_finish(w, after, next, fd, mem, len, &memoff, 0, what, &rd)))
				goto done;
			/* B is written: its buffer takes the block after that */
			if (!after->eof && (rc = block_start(b, after, fd, &rd)))
				goto done;
		}
		if (!has_next)
			break;
		block_wait(w, next);
		cur = (cur + 1) % 3;
	}
	if (hashed)
		mlv_hasher_final(w->whole, &oid);
	else if (nids == 1)
		oid = ids[0];
	else
		mlv_hash_buf(&oid, "", 0);
	w->stats.bytes_in += total;
	w->last_size = total;
	if ((rc = finish_object(w, &oid, type, total, ids, nids)))
		goto done;
	*out = oid;
done:
	/* never leave the pool or the reader working on buffers we are about to reuse */
	for (int i = 0; i < 3; i++)
		block_wait(w, &blk[i]);
	reader_close(&rd);
	for (int i = 0; i < 3; i++)
		blk[i].pending = 0;
	free(ids);
	return rc;
}

int mlv_object_validate(const void *data, size_t len, mlv_objtype type, const char *what)
{
	if (type == MLV_OBJ_TREE) {
		mlv_tree *t = NULL;
		int rc = mlv_tree_parse(&t, data, len);
		mlv_tree_free(t);
		if (rc)
			return mlv_error_set(MLV_EINVALID, "'%s' is not a valid tree: %s", what, mlv_error_last());
	} else if (type == MLV_OBJ_JSON) {
		const char *end = NULL, *p = data;
		int nomem;
		/* JSON is UTF-8 (as mlv_json_canonical requires): no stray bytes in a record */
		for (size_t i = 0; i < len;) {
			size_t n = mlv__utf8_len((const unsigned char *)p + i, len - i);
			if (!n)
				return mlv_error_set(MLV_EINVALID, "'%s' is not valid JSON (invalid UTF-8 at byte %zu)", what, i);
			i += n;
		}
		cJSON *j = mlv__json_parse(p, len, &end, &nomem);
		size_t at = end ? (size_t)(end - p) : 0;
		if (!j && nomem)
			return mlv_error_set(MLV_ENOMEM, "out of memory");
		if (!j)
			return mlv_error_set(MLV_EINVALID, "'%s' is not valid JSON (at byte %zu)", what, at);
		cJSON_Delete(j);
		/* One value and nothing after it but white space. */
		for (size_t i = at; i < len; i++)
			if (p[i] != ' ' && p[i] != '\n' && p[i] != '\t' && p[i] != '\r')
				return mlv_error_set(MLV_EINVALID, "'%s' is not valid JSON (data after the value at byte %zu)",
					what, i);
	}
	return 0;
}

int mlv_writer_add_buf(mlv_writer *w, mlv_oid *out, const void *data, size_t len, mlv_objtype type)
{
	int rc;
	if (type == MLV_OBJ_ANY)
		type = MLV_OBJ_BLOB;
	if ((rc = mlv_object_validate(data, len, type, "<buffer>")))
		return rc;
	return ingest(w, out, -1, data, len, type, "<buffer>");
}

static int same_stat(const struct stat *a, const struct stat *b)
{
	return a->st_size == b->st_size && a->st_ino == b->st_ino &&
	       a->st_mtim.tv_sec == b->st_mtim.tv_sec && a->st_mtim.tv_nsec == b->st_mtim.tv_nsec &&
	       a->st_ctim.tv_sec == b->st_ctim.tv_sec && a->st_ctim.tv_nsec == b->st_ctim.tv_nsec;
}

int mlv_writer_add_fd(mlv_writer *w, mlv_oid *out, int fd, mlv_objtype type, const char *what)
{
	struct stat before, after;
	int rc, regular;
	if (type == MLV_OBJ_ANY)
		type = MLV_OBJ_BLOB;
	if (fstat(fd, &before))
		return mlv_error_set_errno(MLV_EIO, errno, "cannot stat '%s'", what);
	if (S_ISDIR(before.st_mode))
		return mlv_error_set(MLV_EINVALID, "'%s' is a directory", what);
	regular = S_ISREG(before.st_mode);
	if (type != MLV_OBJ_BLOB) {
		mlv_buf b = MLV_BUF_INIT;
		unsigned char tmp[65536];
		for (;;) {
			ssize_t n = mlv_io_read_full(fd, tmp, sizeof(tmp));
			if (n < 0) {
				mlv_buf_release(&b);
				return mlv_error_set_errno(MLV_EIO, (int)-n, "cannot read '%s'", what);
			}
			if (n == 0)
				break;
			if (b.size + (size_t)n > MAX_META_SIZE) {
				mlv_buf_release(&b);
				return mlv_error_set(MLV_EINVALID, "'%s' is too large for a %s object", what, mlv_objtype_name(type));
			}
			if ((rc = mlv_buf_put(&b, tmp, (size_t)n))) {
				mlv_buf_release(&b);
				return rc;
			}
		}
		rc = mlv_object_validate((const unsigned char *)mlv_buf_cstr(&b), b.size, type, what);
		if (!rc)
			rc = ingest(w, out, -1, (const unsigned char *)mlv_buf_cstr(&b), b.size, type, what);
		mlv_buf_release(&b);
		return rc;
	}
	if ((rc = ingest(w, out, fd, NULL, 0, type, what)))
		return rc;
	/* A file that changed while we read it must not be stored under an id of a torn mix. */
	if (regular && (fstat(fd, &after) || !same_stat(&before, &after)))
		return mlv_error_set(MLV_EINVALID, "'%s' changed while it was being read; try again", what);
	return 0;
}

/* ---- directories: their small files stored in parallel ---- */

/*
 * A directory's files of up to SMALL_FILE bytes are read whole (through the
 * ring when there is one, see prefetch_submit) and hashed and compressed by
 * the file pool, a batch (at most BATCH_FILES files, BATCH_BYTES bytes) at a
 * time, while this thread appends the batch before to the pack: one
 * file after another would leave the other cores idle and the disk waiting
 * for one read at a time. Larger files go through ingest, which is parallel
 * within the file. Only this thread writes to the pack and the index, so the
 * pack's layout and the injection points do not depend on thread timing.
 */
#define SMALL_FILE (4u << 20)
#define BATCH_BYTES (16u << 20)
#define BATCH_FILES 256
/* a batch's memory: its files, then room for them compressed (see arena_bound) */
#define FMEM_SIZE (2 * BATCH_BYTES + BATCH_BYTES / 128 + 64 * (BATCH_BYTES / MLV_CHUNK_MIN + 2 * BATCH_FILES))

struct sfile {
	mlv_writer *w;
	int dirfd;
	int pre_fd;           /* opened and read by the ring (prefetch_submit), else -1 */
	ssize_t pre_got;      /* what that read gave: bytes or -errno */
	int prefetched;       /* and its bytes were used */
	const char *name;     /* in DIRFD; owned by the tree entry */
	char *path;           /* for messages and the stat cache */
	struct stat sb;       /* lstat before reading */
	mlv_tree_entry *entry;
	unsigned char *data, *arena; /* in the batch's memory: sb.st_size bytes, arena_cap bytes */
	size_t arena_cap;
	struct task *tasks;
	size_t ntasks, atasks;
	mlv_oid oid;
	int rc;               /* and the message, the last error being per thread */
	char err[512];
};

static void sfile_release(struct sfile *f)
{
	if (f->pre_fd >= 0)
		close(f->pre_fd);
	f->pre_fd = -1;
	free(f->tasks);
	free(f->path);
	f->tasks = NULL;
	f->path = NULL;
}

/* Read file F whole, cut, hash and compress it (on a pool thread). */
static int sfile_read(struct sfile *f, MDB_txn *txn)
{
	size_t len = (size_t)f->sb.st_size, pos = 0, need = 0;
	unsigned streak = 0;
	struct stat after;
	ssize_t n;
	int rc = 0;
	int fd = f->pre_fd;
	f->pre_fd = -1;
	if (fd >= 0 && f->pre_got != (ssize_t)len) {
		/* the ring's read failed or came back short: read it here, and say why if it fails again */
		close(fd);
		fd = -1;
	}
	if (fd >= 0) {
		n = (ssize_t)len;
		f->prefetched = 1;
	} else {
		/* O_NONBLOCK: if a FIFO took the file's place, do not wait on it (fstat below notices) */
		if ((fd = openat(f->dirfd, f->name, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC)) < 0)
			return mlv_error_set_errno(MLV_EIO, errno, "cannot open '%s'", f->path);
		if ((n = mlv_io_read_full(fd, f->data, len)) < 0) {
			rc = mlv_error_set_errno(MLV_EIO, (int)-n, "cannot read '%s'", f->path);
			goto done;
		}
	}
	/*
	 * The bytes read are the file lstat saw only if it is still that file,
	 * with that size and untouched since: else it changed while being read.
	 */
	if ((size_t)n != len || fstat(fd, &after) || !same_stat(&f->sb, &after)) {
		rc = mlv_error_set(MLV_EINVALID, "'%s' changed while it was being read; try again", f->path);
		goto done;
	}
	while (pos < len) {
		size_t cut = mlv__chunk_cut(f->data + pos, len - pos, 1);
		if ((rc = grow_array((void **)&f->tasks, &f->atasks, f->ntasks + 1, sizeof(*f->tasks))))
			goto done;
		memset(&f->tasks[f->ntasks], 0, sizeof(*f->tasks));
		f->tasks[f->ntasks].data = f->data + pos;
		f->tasks[f->ntasks].len = (uint32_t)cut;
		f->ntasks++;
		pos += cut;
		need += ZSTD_compressBound(cut);
	}
	if (need > f->arena_cap) { /* cannot happen: arena_bound is an upper bound */
		rc = mlv_error_set(MLV_ERROR, "'%s': internal error: no room to compress it", f->path);
		goto done;
	}
	pos = 0;
	for (size_t i = 0; i < f->ntasks; i++) {
		struct task *t = &f->tasks[i];
		t->out = f->arena + pos;
		t->out_cap = ZSTD_compressBound(t->len);
		pos += t->out_cap;
		/* as in ingest: after a run of chunks that stayed raw, try only every RAW_STREAK-th */
		t->try_compress = streak < RAW_STREAK || i % RAW_STREAK == 0;
		chunk_work(f->w, t, txn);
		if (!t->known && t->try_compress)
			streak = t->comp == MLV_COMP_RAW ? streak + 1 : 0;
	}
	/* A one-chunk file's id is its chunk's. */
	if (f->ntasks == 1)
		f->oid = f->tasks[0].id;
	else
		mlv_hash_buf(&f->oid, f->data, len);
done:
	close(fd);
	return rc;
}

static void sfile_task(void *arg, size_t i)
{
	struct sfile *f = (struct sfile *)arg + i;
	MDB_txn *txn = NULL;
	if (mdb_txn_begin(f->w->st->ix.env, NULL, MDB_RDONLY, &txn))
		txn = NULL;
	f->rc = sfile_read(f, txn);
	if (txn)
		mdb_txn_abort(txn);
	if (f->rc)
		snprintf(f->err, sizeof(f->err), "%s", mlv_error_last());
}

/* Append the new chunks of read file F to the pack and record the object (this thread). */
static int sfile_store(mlv_writer *w, struct sfile *f)
{
	mlv_oid *ids;
	int rc = 0;
	if (f->rc)
		return mlv_error_set(f->rc, "%s", f->err);
	if (!(ids = mlv__malloc((f->ntasks ? f->ntasks : 1) * sizeof(*ids))))
		return mlv_error_set(MLV_ENOMEM, "out of memory");
	for (size_t i = 0; i < f->ntasks; i++) {
		struct task *t = &f->tasks[i];
		uint64_t off;
		ids[i] = t->id;
		w->stats.chunks_total++;
		if (t->known || mlv__oidmap_get(&w->cmap, &t->id))
			continue;
		struct mlv_entry_hdr h = { MLV_ENTRY_CHUNK, t->comp, t->len,
			(uint32_t)(t->comp == MLV_COMP_ZSTD ? t->out_len : t->len), t->id };
		if ((rc = pack_entry(w, &h, t->comp == MLV_COMP_ZSTD ? t->out : t->data, &off)) ||
		    (rc = grow_array((void **)&w->chunks, &w->achunks, w->nchunks + 1, sizeof(*w->chunks))))
			goto done;
		struct pchunk *pc = &w->chunks[w->nchunks++];
		pc->id = t->id;
		pc->loc = (struct mlv_chunk_loc){ 0, h.stored_len, off, h.raw_len, h.comp };
		if ((rc = mlv__oidmap_put(&w->cmap, &t->id, w->nchunks)))
			goto done;
		w->stats.chunks_new++;
		w->stats.bytes_new += h.raw_len;
		w->stats.bytes_stored += MLV_ENTRY_HDRSZ + h.stored_len;
	}
	w->stats.bytes_in += (uint64_t)f->sb.st_size;
	w->stats.files_prefetched += (uint64_t)f->prefetched;
	w->last_size = (uint64_t)f->sb.st_size;
	if ((rc = finish_object(w, &f->oid, MLV_OBJ_BLOB, (uint64_t)f->sb.st_size, ids, f->ntasks)))
		goto done;
	f->entry->oid = f->oid;
	if (w->cache && w->cache->record)
		w->cache->record(w->cache->payload, f->path, &f->sb, &f->oid);
done:
	free(ids);
	return rc;
}

/*
 * Threads for the small files: more than the cores, so that cold reads
 * overlap where the pool reads the files itself (no ring).
 */
static int file_threads(void)
{
	long ncpu = sysconf(_SC_NPROCESSORS_ONLN);
	if (ncpu < 1)
		ncpu = 1;
	return ncpu > 8 ? 11 : (int)ncpu + 2;
}

/*
 * The ring reads a batch's files while the pool works on the batch before:
 * one submission for the whole batch, where a read per file from each pool
 * thread costs the VM a device notification per file (cold reads of 10,000
 * small files: 0.40 -> 0.24 s, 0.40 -> 0.20 s of system time, measured
 * alone). MLV_IO_URING=0 turns it off; where the kernel refuses io_uring,
 * the pool reads the files itself, as it does any file whose read through
 * the ring failed or came back short.
 */
static struct io_uring *ring_get(mlv_writer *w)
{
	if (!w->ring_state) {
		const char *env = getenv("MLV_IO_URING");
		w->ring_state = -1;
		if ((!env || strcmp(env, "0")) && (w->ring = mlv__malloc(sizeof(*w->ring)))) {
			if (io_uring_queue_init(BATCH_FILES, w->ring, 0) == 0) {
				w->ring_state = 1;
			} else {
				free(w->ring);
				w->ring = NULL;
			}
		}
	}
	return w->ring_state == 1 ? w->ring : NULL;
}

/* Wait for every read submitted: their buffers are about to be used. */
static void prefetch_reap(mlv_writer *w)
{
	struct io_uring_cqe *cqe;
	while (w->ring_inflight) {
		int e = io_uring_wait_cqe(w->ring, &cqe);
		if (e == -EINTR || e == -EAGAIN || e == -EBUSY)
			continue;
		if (e)
			abort(); /* cannot happen; reusing the buffers with reads in flight is worse */
		((struct sfile *)io_uring_cqe_get_data(cqe))->pre_got = cqe->res;
		io_uring_cqe_seen(w->ring, cqe);
		w->ring_inflight--;
	}
}

/* Open the N files V and submit their reads on the ring (any that cannot be are left to the pool). */
static void prefetch_submit(mlv_writer *w, struct sfile *v, size_t n)
{
	struct io_uring *ring = ring_get(w);
	size_t queued = 0;
	if (!ring)
		return;
	for (size_t i = 0; i < n; i++) {
		struct sfile *f = &v[i];
		struct io_uring_sqe *sqe;
		struct stat sb;
		int fd;
		if (!f->sb.st_size)
			continue;
		if ((fd = openat(f->dirfd, f->name, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC)) < 0)
			continue; /* the pool's own open says why */
		/* only the regular file lstat saw: a FIFO in its place could keep the ring waiting */
		if (fstat(fd, &sb) || !S_ISREG(sb.st_mode) || !same_stat(&f->sb, &sb) ||
		    !(sqe = io_uring_get_sqe(ring))) {
			close(fd);
			continue;
		}
		io_uring_prep_read(sqe, fd, f->data, (unsigned)f->sb.st_size, 0);
		io_uring_sqe_set_data(sqe, f);
		f->pre_fd = fd;
		f->pre_got = -EINPROGRESS;
		queued++;
	}
	while (queued) {
		int k = io_uring_submit(ring);
		if (k == -EINTR || k == -EAGAIN)
			continue;
		if (k <= 0)
			break;
		w->ring_inflight += (size_t)k;
		queued -= (size_t)k;
	}
	if (queued) {
		/*
		 * Not all taken: wait for those that were, then give up the ring
		 * (the rest never reach the kernel; their files are read by the pool).
		 */
		prefetch_reap(w);
		io_uring_queue_exit(ring);
		free(ring);
		w->ring = NULL;
		w->ring_state = -1;
	}
}

/*
 * Lay out the next batch of V[START..N) in memory MEM: as many files as fit
 * (at most BATCH_FILES, BATCH_BYTES of data); returns its end.
 */
static size_t batch_pick(struct sfile *v, size_t n, size_t start, unsigned char *mem)
{
	size_t end = start, bytes = 0, abytes = 0;
	while (end < n && end - start < BATCH_FILES) {
		size_t len = (size_t)v[end].sb.st_size;
		if (bytes + len > BATCH_BYTES || bytes + len + abytes + arena_bound(len) > FMEM_SIZE)
			break;
		bytes += len;
		abytes += arena_bound(len);
		end++;
	}
	abytes = 0;
	/* data first, then the compressed outputs */
	for (size_t i = start, off = 0; i < end; i++) {
		size_t len = (size_t)v[i].sb.st_size;
		v[i].data = mem + off;
		off += len;
		v[i].arena_cap = arena_bound(len);
		v[i].arena = mem + bytes + abytes;
		abytes += v[i].arena_cap;
	}
	return end;
}

/*
 * Store the N files V (their tree entries get the ids), in pipelined
 * batches: while the pool hashes and compresses batch K, this thread
 * appends batch K-1 to the pack, then has the ring read batch K+1 into the
 * memory batch K-1 used.
 */
static int store_small_files(mlv_writer *w, struct sfile *v, size_t n)
{
	size_t start = 0, end, prev = 0, nprev = 0;
	int rc = 0, slot = 0;
	if (!n)
		return 0;
	if (!w->fpool && mlv__pool_new_n(&w->fpool, file_threads()))
		w->fpool = NULL;
	/* two batches' memory, reused: one hashed by the pool, the other stored, then read into */
	for (int i = 0; i < 2 && !w->fmem[i]; i++)
		if (!(w->fmem[i] = mlv__malloc(FMEM_SIZE)))
			return mlv_error_set(MLV_ENOMEM, "out of memory");
		else
			mlv__huge_pages(w->fmem[i], FMEM_SIZE); /* fewer first-touch faults */
	end = batch_pick(v, n, start, w->fmem[slot]);
	if (end == start) /* cannot happen: files this small always fit */
		return mlv_error_set(MLV_ERROR, "'%s': internal error: no room to read it", v[start].path);
	prefetch_submit(w, v + start, end - start);
	prefetch_reap(w);
	for (;;) {
		size_t nstart = end, nend = end;
		if (end > start) {
			if (w->fpool)
				mlv__pool_submit(w->fpool, end - start, sfile_task, v + start);
			else
				for (size_t i = start; i < end; i++)
					sfile_task(v, i);
		}
		/* the batch before is complete: store it while the pool works on this one */
		for (size_t i = prev; i < prev + nprev; i++) {
			if (!rc)
				rc = sfile_store(w, &v[i]);
			sfile_release(&v[i]);
		}
		/* its memory takes the next batch, read meanwhile */
		if (!rc && nstart < n) {
			nend = batch_pick(v, n, nstart, w->fmem[slot ^ 1]);
			if (nend == nstart) /* cannot happen: files this small always fit */
				rc = mlv_error_set(MLV_ERROR, "'%s': internal error: no room to read it", v[nstart].path);
			else
				prefetch_submit(w, v + nstart, nend - nstart);
		}
		if (end > start && w->fpool)
			mlv__pool_wait(w->fpool);
		prefetch_reap(w);
		if (end == start)
			break;
		if (!rc && w->progress)
			w->progress(w->progress_payload, w->stats.bytes_in);
		prev = start;
		nprev = end - start;
		start = nstart;
		end = nend;
		slot ^= 1;
	}
	for (size_t i = 0; i < n; i++)
		sfile_release(&v[i]);
	return rc;
}

/*
 * A tree is stored in two steps so that the file pool stays busy across
 * directories: the walk lists every directory and stores its links and large
 * files, queueing the small files of all directories; a flush stores the
 * queued files in one pipeline, then the trees of the directories whose walk
 * is over, children before parents. A flush comes when the queue holds
 * PENDING_FILES files or PENDING_DIRS directories (each keeps its descriptor
 * open until then), and at the end.
 */
#define PENDING_FILES 8192
#define PENDING_DIRS 64

/* A listed directory whose tree waits for the flush. */
struct pdir {
	mlv_tree tree;
	char *path;
	int dirfd;    /* its small files are read through it */
	mlv_oid *out; /* where its tree id goes: the parent's entry, or the caller's */
};

struct walk {
	size_t max_files, max_dirs; /* flush at these (PENDING_*) */
	struct sfile *small; /* queued small files, all directories */
	size_t nsmall, asmall;
	struct pdir *dirs;   /* walked, waiting; children before parents */
	size_t ndirs, adirs;
};

static void tree_free(mlv_tree *t)
{
	for (size_t i = 0; i < t->n; i++)
		free(t->entries[i].name);
	free(t->entries);
	t->entries = NULL;
	t->n = 0;
}

static void walk_release(struct walk *wk)
{
	for (size_t i = 0; i < wk->nsmall; i++)
		sfile_release(&wk->small[i]);
	free(wk->small);
	for (size_t i = 0; i < wk->ndirs; i++) {
		tree_free(&wk->dirs[i].tree);
		free(wk->dirs[i].path);
		close(wk->dirs[i].dirfd);
	}
	free(wk->dirs);
	wk->small = NULL;
	wk->dirs = NULL;
	wk->nsmall = wk->asmall = wk->ndirs = wk->adirs = 0;
}

/* Store the queued small files, then the trees of the walked directories. */
static int walk_flush(mlv_writer *w, struct walk *wk)
{
	mlv_buf ser = MLV_BUF_INIT;
	size_t done = 0;
	uint64_t bytes = 0;
	int rc;
	/* as for a large file: this much is written past the page cache */
	for (size_t i = 0; i < wk->nsmall; i++)
		bytes += (uint64_t)wk->small[i].sb.st_size;
	if (bytes >= BATCH_BYTES)
		pack_direct(w);
	rc = store_small_files(w, wk->small, wk->nsmall);
	for (size_t i = 0; i < wk->nsmall; i++) /* on every path: released twice is harmless */
		sfile_release(&wk->small[i]);
	wk->nsmall = 0;
	for (; !rc && done < wk->ndirs; done++) {
		struct pdir *d = &wk->dirs[done];
		mlv_buf_clear(&ser);
		if (!(rc = mlv_tree_serialize(&ser, &d->tree)))
			rc = ingest(w, d->out, -1, (const unsigned char *)mlv_buf_cstr(&ser), ser.size, MLV_OBJ_TREE,
				d->path);
		tree_free(&d->tree);
		free(d->path);
		close(d->dirfd);
	}
	/* on failure the rest stay for walk_release */
	memmove(wk->dirs, wk->dirs + done, (wk->ndirs - done) * sizeof(*wk->dirs));
	wk->ndirs -= done;
	mlv_buf_release(&ser);
	return rc;
}

/*
 * Walk directory DIRFD (named PATH in messages; this call owns DIRFD): list
 * and lstat its entries, store links, large files and subdirectories in
 * order, queue its small files and, once walked, the directory itself, for
 * its tree id to go to *OUT at a flush.
 */
static int add_dir_fd(mlv_writer *w, struct walk *wk, mlv_oid *out, int dirfd, const char *path,
	uint64_t *nfiles, uint64_t *total, int depth)
{
	mlv_tree tree = { NULL, 0 };
	struct stat *sbs = NULL;
	size_t alloc = 0, asbs = 0;
	mlv_buf sub = MLV_BUF_INIT;
	DIR *d = NULL;
	struct dirent *de;
	int rc = 0, dfd;
	char *pathdup = NULL;
	if (depth > 256) {
		close(dirfd);
		return mlv_error_set(MLV_EINVALID, "'%s' is nested too deeply", path);
	}
	if ((dfd = dup(dirfd)) < 0 || !(d = fdopendir(dfd))) {
		rc = mlv_error_set_errno(MLV_EIO, errno, "cannot read directory '%s'", path);
		if (dfd >= 0)
			close(dfd);
		close(dirfd);
		return rc;
	}
	while ((errno = 0, de = readdir(d))) {
		struct stat sb;
		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, "..") ||
		    !strncmp(de->d_name, MLV_TMP_PREFIX, strlen(MLV_TMP_PREFIX)))
			continue;
		mlv_buf_clear(&sub);
		if ((rc = mlv_buf_printf(&sub, "%s/%s", path, de->d_name)))
			goto done;
		if (!mlv_path_component_valid(de->d_name, strlen(de->d_name))) {
			rc = mlv_error_set(MLV_EINVALID, "cannot store '%s': a tree may not hold that name", sub.ptr);
			goto done;
		}
		if (fstatat(dirfd, de->d_name, &sb, AT_SYMLINK_NOFOLLOW)) {
			rc = mlv_error_set_errno(MLV_EIO, errno, "cannot stat '%s'", sub.ptr);
			goto done;
		}
		if ((rc = grow_array((void **)&tree.entries, &alloc, tree.n + 1, sizeof(*tree.entries))) ||
		    (rc = grow_array((void **)&sbs, &asbs, tree.n + 1, sizeof(*sbs))))
			goto done;
		memset(&tree.entries[tree.n], 0, sizeof(*tree.entries));
		if (!(tree.entries[tree.n].name = mlv__strdup(de->d_name))) {
			rc = mlv_error_set(MLV_ENOMEM, "out of memory");
			goto done;
		}
		sbs[tree.n++] = sb;
	}
	if (errno) {
		rc = mlv_error_set_errno(MLV_EIO, errno, "cannot read directory '%s'", path);
		goto done;
	}
	/* listed: the stream's descriptor is not needed any more */
	closedir(d);
	d = NULL;
	/* From here TREE's entries do not move: queued files point into them. */
	for (size_t i = 0; i < tree.n; i++) {
		mlv_tree_entry *e = &tree.entries[i];
		const struct stat *sb = &sbs[i];
		mlv_buf_clear(&sub);
		if ((rc = mlv_buf_printf(&sub, "%s/%s", path, e->name)))
			goto done;
		if (S_ISREG(sb->st_mode)) {
			e->mode = (sb->st_mode & 0111) ? MLV_MODE_EXEC : MLV_MODE_FILE;
			e->size = (uint64_t)sb->st_size;
			if (nfiles)
				(*nfiles)++;
			if (w->cache && w->cache->lookup && w->cache->lookup(w->cache->payload, sub.ptr, sb, &e->oid)) {
				rc = 0;
			} else if ((uint64_t)sb->st_size <= SMALL_FILE) {
				struct sfile *f;
				if ((rc = grow_array((void **)&wk->small, &wk->asmall, wk->nsmall + 1, sizeof(*wk->small))))
					goto done;
				f = &wk->small[wk->nsmall];
				memset(f, 0, sizeof(*f));
				f->w = w;
				f->dirfd = dirfd;
				f->pre_fd = -1;
				f->name = e->name;
				f->sb = *sb;
				f->entry = e;
				if (!(f->path = mlv__strdup(sub.ptr))) {
					rc = mlv_error_set(MLV_ENOMEM, "out of memory");
					goto done;
				}
				wk->nsmall++;
			} else {
				int fd = openat(dirfd, e->name, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
				if (fd < 0) {
					rc = mlv_error_set_errno(MLV_EIO, errno, "cannot open '%s'", sub.ptr);
					goto done;
				}
				rc = mlv_writer_add_fd(w, &e->oid, fd, MLV_OBJ_BLOB, sub.ptr);
				/* the file read must be the one lstat saw, at the size the tree records */
				if (!rc) {
					struct stat after;
					if (w->last_size != (uint64_t)sb->st_size || fstat(fd, &after) || !same_stat(sb, &after))
						rc = mlv_error_set(MLV_EINVALID, "'%s' changed while it was being read; try again",
							sub.ptr);
				}
				close(fd);
				if (!rc && w->cache && w->cache->record)
					w->cache->record(w->cache->payload, sub.ptr, sb, &e->oid);
			}
		} else if (S_ISLNK(sb->st_mode)) {
			char target[4096];
			ssize_t n = readlinkat(dirfd, e->name, target, sizeof(target));
			if (n < 0 || n == (ssize_t)sizeof(target)) {
				rc = mlv_error_set_errno(MLV_EIO, n < 0 ? errno : ENAMETOOLONG, "cannot read link '%s'", sub.ptr);
				goto done;
			}
			rc = ingest(w, &e->oid, -1, (unsigned char *)target, (size_t)n, MLV_OBJ_BLOB, sub.ptr);
			e->mode = MLV_MODE_LINK;
			e->size = (uint64_t)n;
			if (nfiles)
				(*nfiles)++;
		} else if (S_ISDIR(sb->st_mode)) {
			int cfd = openat(dirfd, e->name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
			uint64_t sz = 0;
			if (cfd < 0) {
				rc = mlv_error_set_errno(MLV_EIO, errno, "cannot open directory '%s'", sub.ptr);
				goto done;
			}
			rc = add_dir_fd(w, wk, &e->oid, cfd, sub.ptr, nfiles, &sz, depth + 1);
			e->mode = MLV_MODE_TREE;
			e->size = sz;
		} else {
			rc = mlv_error_set(MLV_EINVALID, "cannot store '%s': not a regular file, directory or symlink", sub.ptr);
		}
		if (rc)
			goto done;
		if (total)
			*total += e->size;
	}
	/* walked: its tree waits for its files */
	if ((rc = grow_array((void **)&wk->dirs, &wk->adirs, wk->ndirs + 1, sizeof(*wk->dirs))))
		goto done;
	if (!(pathdup = mlv__strdup(path))) {
		rc = mlv_error_set(MLV_ENOMEM, "out of memory");
		goto done;
	}
	wk->dirs[wk->ndirs++] = (struct pdir){ tree, pathdup, dirfd, out };
	tree = (mlv_tree){ NULL, 0 };
	dirfd = -1;
	if (wk->nsmall >= wk->max_files || wk->ndirs >= wk->max_dirs)
		rc = walk_flush(w, wk);
done:
	/*
	 * On failure, files queued from TREE point into it: nothing reads them
	 * again (no flush follows a failure), walk_release only frees them.
	 */
	tree_free(&tree);
	free(sbs);
	mlv_buf_release(&sub);
	if (d)
		closedir(d);
	if (dirfd >= 0)
		close(dirfd);
	return rc;
}

int mlv_writer_add_dir(mlv_writer *w, mlv_oid *out, const char *path, uint64_t *nfiles, uint64_t *total_size)
{
	struct walk wk = { .max_files = PENDING_FILES, .max_dirs = PENDING_DIRS };
	const char *t = getenv("MLV_TEST_WALK_FLUSH"); /* tests: flush after every directory */
	int fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC), rc;
	if (t && *t == '1')
		wk.max_files = wk.max_dirs = 1;
	if (fd < 0)
		return mlv_error_set_errno(errno == ENOENT ? MLV_ENOTFOUND : MLV_EIO, errno, "cannot open directory '%s'", path);
	if (nfiles)
		*nfiles = 0;
	if (total_size)
		*total_size = 0;
	rc = add_dir_fd(w, &wk, out, fd, path, nfiles, total_size, 0);
	if (!rc)
		rc = walk_flush(w, &wk);
	walk_release(&wk);
	return rc;
}

struct commit_ctx {
	mlv_writer *w;
	const char *packname;
	mlv_index_write_fn also; /* more work in the same transaction, or NULL */
	void *also_payload;
};

static int commit_txn(void *payload, MDB_txn *txn)
{
	struct commit_ctx *c = payload;
	mlv_writer *w = c->w;
	struct mlv_index *ix = &w->st->ix;
	uint32_t packno = 0;
	int rc;
	if (c->packname && (rc = mlv__index_add_pack(txn, ix, c->packname, &packno)))
		return rc;
	for (size_t i = 0; i < w->nchunks; i++) {
		unsigned char val[24];
		struct mlv_chunk_loc loc = w->chunks[i].loc;
		loc.pack = packno;
		mlv__chunk_loc_encode(val, &loc);
		MDB_val k = { MLV_OID_RAWSZ, w->chunks[i].id.id }, v = { sizeof(val), val };
		/* A concurrent writer may have stored it first: keep theirs. */
		rc = mdb_put(txn, ix->chunks, &k, &v, MDB_NOOVERWRITE);
		if (rc && rc != MDB_KEYEXIST)
			goto fail;
	}
	for (size_t i = 0; i < w->nobjs; i++) {
		struct pobj *o = &w->objs[i];
		struct mlv_object_rec rec = o->rec;
		unsigned char val[40];
		MDB_val k = { MLV_OID_RAWSZ, o->id.id }, v;
		rc = mdb_get(txn, ix->objects, &k, &v);
		if (rc == 0) {
			/* Already there (stored before, or by a concurrent writer): freshen it. */
			if ((rc = mlv__object_rec_decode(&rec, &v)))
				return rc;
			rec.mtime = o->rec.mtime;
			rec.types |= o->rec.types;
		} else if (rc == MDB_NOTFOUND && o->is_new) {
			rec.pack = packno;
		} else if (rc == MDB_NOTFOUND) {
			char hex[MLV_OID_HEXSZ + 1];
			return mlv_error_set(MLV_ECORRUPT, "object %s vanished from the index while it was being stored",
				mlv_oid_fmt(hex, &o->id));
		} else {
			goto fail;
		}
		mlv__object_rec_encode(val, &rec);
		v.mv_size = sizeof(val);
		v.mv_data = val;
		if ((rc = mdb_put(txn, ix->objects, &k, &v, 0)))
			goto fail;
	}
	if (c->also)
		return c->also(c->also_payload, txn);
	return 0;
fail:
	return rc == MDB_MAP_FULL ? rc : mlv__index_error(rc, "write");
}

/* Make the pack durable under its final name, once: what is left is the index transaction. */
static int writer_prepare(mlv_writer *w)
{
	mlv_buf final = MLV_BUF_INIT;
	int rc = 0, err;
	if (w->prepared)
		return 0;
	if (w->write_err)
		return mlv_error_set(MLV_EIO, "cannot commit: an earlier write to the store failed");
	if (w->fd >= 0) {
		if ((rc = pack_flush(w)))
			return rc;
		if ((err = mlv_io_fsync(w->fd, "pack")))
			return mlv_error_set_errno(MLV_EIO, -err, "cannot write to the store");
		fchmod(w->fd, 0444); /* packs are immutable; readable by a shared store's users */
		close(w->fd);
		w->fd = -1;
		mlv__pack_name(w->packname);
		if (mlv_buf_printf(&final, "%s/%s", w->st->packdir, w->packname))
			return MLV_ENOMEM;
		if ((err = mlv_io_rename(w->tmppath.ptr, final.ptr))) {
			rc = mlv_error_set_errno(MLV_EIO, -err, "cannot move a new pack into place");
			goto done;
		}
		mlv_buf_clear(&w->tmppath);
		if ((err = mlv_io_fsync_dir(w->st->packdir))) {
			rc = mlv_error_set_errno(MLV_EIO, -err, "cannot write to the store");
			goto done;
		}
	}
	w->prepared = 1;
done:
	mlv_buf_release(&final);
	return rc;
}

int mlv__writer_commit_in(mlv_writer *w, MDB_txn *txn)
{
	struct commit_ctx c = { w, NULL, NULL, NULL };
	int rc;
	if (w->committed)
		return 0;
	if ((rc = writer_prepare(w)))
		return rc;
	c.packname = w->packname[0] ? w->packname : NULL;
	return w->nobjs || w->nchunks ? commit_txn(&c, txn) : 0;
}

void mlv__writer_set_committed(mlv_writer *w) { w->committed = 1; }

int mlv_writer_commit(mlv_writer *w)
{
	return mlv__writer_commit_with(w, NULL, NULL);
}

int mlv__writer_commit_with(mlv_writer *w, mlv_index_write_fn also, void *payload)
{
	struct commit_ctx c = { w, NULL, also, payload };
	int rc;
	if (w->committed)
		return 0;
	if ((rc = writer_prepare(w)))
		return rc;
	c.packname = w->packname[0] ? w->packname : NULL;
	if (w->nobjs || w->nchunks || also)
		rc = mlv__index_write(w->st, commit_txn, &c);
	if (!rc)
		w->committed = 1;
	return rc;
}

void mlv_writer_stats_get(const mlv_writer *w, mlv_writer_stats *out) { *out = w->stats; }

void mlv_writer_free(mlv_writer *w)
{
	if (!w)
		return;
	if (w->fd >= 0)
		close(w->fd);
	if (w->tmppath.size)
		unlink(w->tmppath.ptr);
	mlv_buf_release(&w->tmppath);
	if (w->gc_locked)
		mlv__unlock(w->st->lockfd_gc);
	mlv__pool_free(w->pool);
	mlv__pool_free(w->fpool);
	if (w->ring) {
		prefetch_reap(w);
		io_uring_queue_exit(w->ring);
		free(w->ring);
	}
	free(w->fmem[0]);
	free(w->fmem[1]);
	for (int i = 0; i < w->cctxs.n; i++)
		ZSTD_freeCCtx(w->cctxs.free[i]);
	pthread_mutex_destroy(&w->cctxs.mu);
	mlv_hasher_free(w->whole);
	mlv__seqw_release(&w->pw);
	for (int i = 0; i < 3; i++) {
		free(w->blocks[i].buf);
		free(w->blocks[i].tasks);
		free(w->blocks[i].arena);
		free(w->blocks[i].hdrs);
	}
	free(w->chunks);
	free(w->objs);
	mlv__oidmap_release(&w->cmap);
	mlv__oidmap_release(&w->omap);
	free(w);
}

/* ---- reading ---- */

int mlv_object_info(mlv_store *st, const mlv_oid *oid, mlv_objinfo *out)
{
	struct mlv_object_rec rec;
	MDB_txn *txn;
	int rc;
	if ((rc = mlv__index_read_begin(&st->ix, &txn)))
		return rc;
	rc = mlv__index_get_object(txn, &st->ix, oid, &rec);
	mdb_txn_abort(txn);
	if (rc)
		return rc;
	out->type = (mlv_objtype)rec.type;
	out->types = rec.types;
	out->size = rec.size;
	out->nchunks = rec.nchunks;
	out->mtime = rec.mtime;
	return 0;
}

int mlv_object_resolve(mlv_store *st, mlv_oid *out, const char *spec)
{
	const char *p = spec;
	unsigned char key[MLV_OID_RAWSZ] = { 0 };
	size_t len, nfound = 0;
	MDB_txn *txn = NULL;
	MDB_cursor *cur = NULL;
	MDB_val k, v;
	mlv_buf cands = MLV_BUF_INIT;
	int rc;
	if (!strncmp(p, "sha256:", 7))
		p += 7;
	len = strlen(p);
	if (!mlv_oid_is_hex_prefix(p))
		return mlv_error_set(MLV_EINVALID, "'%s' is not an object id (expected hex digits)", spec);
	if (len < MLV_OID_MINPREFIX)
		return mlv_error_set(MLV_EINVALID, "'%s' is too short: an id prefix needs at least %d hex digits",
			spec, MLV_OID_MINPREFIX);
	for (size_t i = 0; i < len; i++) {
		int c = p[i], d = c <= '9' ? c - '0' : (c | 0x20) - 'a' + 10;
		key[i / 2] |= (unsigned char)(i % 2 ? d : d << 4);
	}
	if ((rc = mlv__index_read_begin(&st->ix, &txn)))
		return rc;
	if ((rc = mdb_cursor_open(txn, st->ix.objects, &cur))) {
		rc = mlv__index_error(rc, "lookup");
		goto done;
	}
	k.mv_size = MLV_OID_RAWSZ;
	k.mv_data = key;
	rc = mdb_cursor_get(cur, &k, &v, MDB_SET_RANGE);
	while (rc == 0) {
		const unsigned char *id = k.mv_data;
		int match = k.mv_size == MLV_OID_RAWSZ && !memcmp(id, key, len / 2) &&
			(len % 2 == 0 || (id[len / 2] >> 4) == (key[len / 2] >> 4));
		if (!match)
			break;
		if (nfound == 0)
			memcpy(out->id, id, MLV_OID_RAWSZ);
		if (nfound < 10) {
			mlv_oid o;
			struct mlv_object_rec rec;
			char hex[MLV_OID_HEXSZ + 1];
			memcpy(o.id, id, MLV_OID_RAWSZ);
			mlv__object_rec_decode(&rec, &v);
			mlv_buf_printf(&cands, "\n  %s %s", mlv_oid_fmt(hex, &o), mlv_objtype_name((mlv_objtype)rec.type));
		}
		nfound++;
		rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT);
	}
	if (rc && rc != MDB_NOTFOUND) {
		rc = mlv__index_error(rc, "lookup");
		goto done;
	}
	if (nfound == 0)
		rc = mlv_error_set(MLV_ENOTFOUND, "no object %s in the store", spec);
	else if (nfound > 1)
		rc = mlv_error_set(MLV_EAMBIGUOUS, "id prefix '%s' is ambiguous; candidates:%s%s", spec,
			mlv_buf_cstr(&cands), nfound > 10 ? "\n  ..." : "");
	else
		rc = 0;
done:
	mlv_buf_release(&cands);
	if (cur)
		mdb_cursor_close(cur);
	mdb_txn_abort(txn);
	return rc;
}

/* ---- reading, in parallel for large objects ---- */

/*
 * The chunks of a large object go to the pool one task each, in order. A
 * task reads and decompresses its chunk on whichever thread took it, then
 * waits for its turn and, on the same thread, hashes it into the whole
 * object's hash and passes it to the sink: the bytes are still in that
 * core's cache. (When one thread decompressed and another hashed, every
 * chunk crossed between the cores twice, and decompressing into buffers the
 * other core had just read took twice as long.) Tasks are taken in order
 * and a thread waits only for a lower task, which a running thread holds:
 * the lowest unfinished task can always go on.
 */
struct rchunk {
	int fd;
	struct mlv_chunk_loc loc;
	mlv_oid id;
	uint64_t off;              /* where its bytes go in the object */
};

/* A decompressed chunk and the compressed bytes it came from. */
struct rbuf {
	struct rbuf *next;
	unsigned char *out, *scratch;
};

struct rpipe {
	const struct rchunk *c;    /* this window's chunks */
	pthread_mutex_t mu;
	pthread_cond_t cv;
	_Atomic size_t turn;       /* the task whose bytes go on next */
	struct rbuf *free;         /* buffers not in use (under mu) */
	ZSTD_DCtx *dctx[64];       /* contexts not in use (under mu) */
	int ndctx;
	int verify;                /* hash each chunk too (else only the whole object is) */
	const mlv_oid *oid;
	uint64_t size, total;      /* what the manifest says; bytes passed on */
	mlv_hasher *h;
	mlv_sink_fn sink;
	void *payload;
	/*
	 * Or a file's writer: a chunk that falls wholly in the buffer it is
	 * filling is decompressed straight into it (no copy), others go
	 * through rbuf. smu orders the writer's calls.
	 */
	struct mlv__seqw *sw;
	pthread_mutex_t smu;
	/* the first failure (in turn); the tasks after it only pass their turn on */
	int rc;
	char err[1024];
	_Atomic int failed;        /* set with rc: tasks not yet read skip their reading */
};

#define READ_WINDOW 256    /* chunks located ahead, by this thread */
#define READ_SPIN 4096     /* pauses before a task sleeps waiting for its turn */

static void cpu_relax(void)
{
#if defined(__x86_64__) || defined(__i386__)
	__builtin_ia32_pause();
#endif
}

static void wait_turn(struct rpipe *p, size_t i)
{
	for (int k = 0; k < READ_SPIN; k++) {
		if (atomic_load_explicit(&p->turn, memory_order_acquire) == i)
			return;
		cpu_relax();
	}
	pthread_mutex_lock(&p->mu);
	while (atomic_load_explicit(&p->turn, memory_order_relaxed) != i)
		pthread_cond_wait(&p->cv, &p->mu);
	pthread_mutex_unlock(&p->mu);
}

/* Record the first failure: MSG, said to be damage to the object when DAMAGED. */
static void pipe_fail(struct rpipe *p, int rc, int damaged, const char *msg)
{
	char hex[MLV_OID_HEXSZ + 1];
	if (p->rc)
		return;
	p->rc = rc;
	atomic_store_explicit(&p->failed, 1, memory_order_relaxed);
	if (damaged)
		snprintf(p->err, sizeof(p->err), "object %s is damaged: %s", mlv_oid_fmt(hex, p->oid), msg);
	else
		snprintf(p->err, sizeof(p->err), "%s", msg);
}

/* A writer's error as the error of the read. */
static int seqw_error(struct mlv__seqw *sw, int err)
{
	if (err == -ENOMEM)
		return mlv_error_set(MLV_ENOMEM, "out of memory");
	return mlv_error_set_errno(MLV_EIO, -err, "cannot write '%s'", sw->what);
}

static void read_task(void *arg, size_t i)
{
	struct rpipe *p = arg;
	const struct rchunk *c = &p->c[i];
	struct rbuf *b;
	ZSTD_DCtx *d = NULL;
	unsigned char *dst = NULL;
	uint32_t len = 0;
	int rc, werr;
	char err[512];
	pthread_mutex_lock(&p->mu);
	if ((b = p->free))
		p->free = b->next;
	if (p->ndctx)
		d = p->dctx[--p->ndctx];
	pthread_mutex_unlock(&p->mu);
	if (!b && (b = mlv__malloc(sizeof(*b) + MLV_CHUNK_MAX + ZSTD_compressBound(MLV_CHUNK_MAX)))) {
		b->out = (unsigned char *)(b + 1);
		b->scratch = b->out + MLV_CHUNK_MAX;
	}
	if (!d)
		d = mlv__dctx_new();
	if (p->sw && pthread_mutex_trylock(&p->smu) == 0) {
		/* (if busy, the writer is taking a full buffer: this chunk most likely lies past it) */
		dst = mlv__seqw_slot(p->sw, c->off, c->loc.raw_len);
		pthread_mutex_unlock(&p->smu);
	}
	if (atomic_load_explicit(&p->failed, memory_order_relaxed))
		rc = 0; /* nothing of it goes on */
	else if (!b || !d)
		rc = mlv_error_set(MLV_ENOMEM, "out of memory");
	else /* the chunk is read only if its entry agrees with loc.raw_len, the room dst has */
		rc = mlv__chunk_read_at_v(d, c->fd, &c->loc, &c->id, dst ? dst : b->out, &len, b->scratch, p->verify);
	if (rc)
		snprintf(err, sizeof(err), "%s", mlv_error_last());
	wait_turn(p, i);
	if (p->rc) {
		/* an earlier task failed: nothing more goes on */
	} else if (rc) {
		pipe_fail(p, rc, rc != MLV_ENOMEM, err);
	} else if ((p->total += len) > p->size) {
		pipe_fail(p, MLV_ECORRUPT, 1, "its chunks are longer than its size");
	} else {
		mlv_hasher_update(p->h, dst ? dst : b->out, len);
		if (p->sw) {
			pthread_mutex_lock(&p->smu);
			if (dst && c->off != p->sw->put)
				werr = -EINVAL; /* cannot be: the chunks before it were all put */
			else
				werr = dst ? mlv__seqw_advance(p->sw, len) : mlv__seqw_put(p->sw, b->out, len);
			pthread_mutex_unlock(&p->smu);
			if (werr)
				pipe_fail(p, seqw_error(p->sw, werr), 0, mlv_error_last());
		} else if (p->sink && (rc = p->sink(p->payload, b->out, len))) {
			pipe_fail(p, rc, 0, mlv_error_last());
		}
	}
	pthread_mutex_lock(&p->mu);
	atomic_store_explicit(&p->turn, i + 1, memory_order_release);
	pthread_cond_broadcast(&p->cv);
	if (b) {
		b->next = p->free;
		p->free = b;
	}
	if (d && p->ndctx < 64)
		p->dctx[p->ndctx++] = d, d = NULL;
	pthread_mutex_unlock(&p->mu);
	ZSTD_freeDCtx(d);
}

/*
 * Locate the chunks of a large object READ_WINDOW at a time (the index and
 * the pack fds are this thread's) while the pool reads the window before.
 */
static int read_parallel(mlv_store *st, MDB_txn *txn, const mlv_oid *oid, const struct mlv_manifest *m,
	mlv_sink_fn sink, void *payload, struct mlv__seqw *sw, mlv_hasher *h, uint64_t *total, int verify)
{
	struct rchunk *win = mlv__calloc(2 * READ_WINDOW, sizeof(*win));
	struct mlv_pool *pool = NULL;
	struct rpipe p = { .verify = verify, .oid = oid, .size = m->size, .h = h, .sink = sink, .payload = payload,
		.sw = sw };
	size_t n;
	uint64_t at = sw ? sw->put : 0;
	uint32_t next = 0;
	int rc = 0, cur = 0, inflight = 0;
	char hex[MLV_OID_HEXSZ + 1];
	pthread_mutex_init(&p.mu, NULL);
	pthread_mutex_init(&p.smu, NULL);
	pthread_cond_init(&p.cv, NULL);
	if (!win || mlv__pool_new(&pool)) {
		rc = mlv_error_set(MLV_ENOMEM, "out of memory");
		goto done;
	}
	for (;;) {
		struct rchunk *w = win + cur * READ_WINDOW;
		n = 0;
		while (next < m->nchunks && n < READ_WINDOW) {
			struct rchunk *x = &w[n];
			x->id = m->chunks[next];
			if ((rc = mlv__chunk_locate(st, txn, &x->id, &x->loc, &x->fd))) {
				rc = mlv_error_set(rc, "object %s is damaged: %s", mlv_oid_fmt(hex, oid), mlv_error_last());
				goto done;
			}
			x->off = at;
			at += x->loc.raw_len;
			n++;
			next++;
		}
		if (inflight) {
			mlv__pool_wait(pool);
			inflight = 0;
			if (p.rc)
				break;
		}
		if (!n)
			break;
		p.c = w;
		atomic_store(&p.turn, 0);
		mlv__pool_submit(pool, n, read_task, &p);
		inflight = 1;
		cur ^= 1;
	}
	if (p.rc)
		rc = mlv_error_set(p.rc, "%s", p.err);
	*total = p.total;
done:
	if (inflight)
		mlv__pool_wait(pool);
	mlv__pool_free(pool);
	for (int i = 0; i < p.ndctx; i++)
		ZSTD_freeDCtx(p.dctx[i]);
	while (p.free) {
		struct rbuf *b = p.free;
		p.free = b->next;
		free(b);
	}
	pthread_mutex_destroy(&p.mu);
	pthread_mutex_destroy(&p.smu);
	pthread_cond_destroy(&p.cv);
	free(win);
	return rc;
}

static int seqw_sink(void *payload, const void *data, size_t len)
{
	int err = mlv__seqw_put(payload, data, len);
	return err ? seqw_error(payload, err) : 0;
}

/*
 * Read OID into SINK. SW, when given, is the file's writer that SINK puts
 * into: most chunks of a large object are then decompressed straight into
 * its buffer.
 */
static int read_object(mlv_store *st, const mlv_oid *oid, mlv_sink_fn sink, void *payload, int private_sink,
	struct mlv__seqw *sw)
{
	struct mlv_object_rec rec;
	struct mlv_manifest m = { 0 };
	MDB_txn *txn = NULL;
	unsigned char *buf = NULL, *scratch = NULL;
	mlv_hasher *h = NULL;
	uint64_t total = 0;
	char hex[MLV_OID_HEXSZ + 1];
	int rc;
	if ((rc = mlv__index_read_begin(&st->ix, &txn)))
		return rc;
	if ((rc = mlv__index_get_object(txn, &st->ix, oid, &rec)) ||
	    (rc = mlv__manifest_read(st, txn, oid, &rec, &m)))
		goto done;
	if (m.nchunks != 1 && mlv_hasher_new(&h)) {
		rc = mlv_error_set(MLV_ENOMEM, "out of memory");
		goto done;
	}
	if (m.nchunks >= 8) {
		/* the whole object is hashed in any case: the sink's own copy may skip the chunks' */
		if ((rc = read_parallel(st, txn, oid, &m, sink, payload, sw, h, &total, !private_sink)))
			goto done;
	} else {
		if (!(buf = mlv__malloc(MLV_CHUNK_MAX)) || !(scratch = mlv__malloc(ZSTD_compressBound(MLV_CHUNK_MAX)))) {
			rc = mlv_error_set(MLV_ENOMEM, "out of memory");
			goto done;
		}
		for (uint32_t i = 0; i < m.nchunks; i++) {
			uint32_t n;
			if ((rc = mlv__chunk_read(st, txn, &m.chunks[i], buf, &n, scratch))) {
				rc = mlv_error_set(rc, "object %s is damaged: %s", mlv_oid_fmt(hex, oid), mlv_error_last());
				goto done;
			}
			total += n;
			if (total > m.size) {
				rc = mlv_error_set(MLV_ECORRUPT, "object %s is damaged: its chunks are longer than its size",
					mlv_oid_fmt(hex, oid));
				goto done;
			}
			if (h)
				mlv_hasher_update(h, buf, n);
			if (sink && (rc = sink(payload, buf, n)))
				goto done;
		}
	}
	mlv_oid got;
	if (h)
		mlv_hasher_final(h, &got);
	else
		got = m.chunks[0];
	if (total != m.size || mlv_oid_cmp(&got, oid))
		rc = mlv_error_set(MLV_ECORRUPT, "object %s is damaged: its content does not match its id",
			mlv_oid_fmt(hex, oid));
done:
	mlv_hasher_free(h);
	free(buf);
	free(scratch);
	mlv__manifest_release(&m);
	mdb_txn_abort(txn);
	return rc;
}

int mlv_object_read(mlv_store *st, const mlv_oid *oid, mlv_sink_fn sink, void *payload)
{
	return read_object(st, oid, sink, payload, 0, NULL);
}

int mlv_object_read_private(mlv_store *st, const mlv_oid *oid, mlv_sink_fn sink, void *payload)
{
	return read_object(st, oid, sink, payload, 1, NULL);
}

int mlv__object_read_seqw(mlv_store *st, const mlv_oid *oid, struct mlv__seqw *sw)
{
	return read_object(st, oid, seqw_sink, sw, 1, sw);
}

static int buf_sink(void *payload, const void *data, size_t len) { return mlv_buf_put(payload, data, len); }

int mlv_object_read_buf(mlv_store *st, const mlv_oid *oid, mlv_buf *out, uint64_t max_size)
{
	mlv_objinfo info;
	size_t start = out->size;
	int rc;
	if ((rc = mlv_object_info(st, oid, &info)))
		return rc;
	if (info.size > max_size) {
		char hex[MLV_OID_HEXSZ + 1];
		return mlv_error_set(MLV_EINVALID, "object %s is too large to read into memory (%llu bytes)",
			mlv_oid_fmt(hex, oid), (unsigned long long)info.size);
	}
	if ((rc = mlv_buf_grow(out, (size_t)info.size)))
		return rc;
	rc = mlv_object_read(st, oid, buf_sink, out);
	if (rc) {
		out->size = start;
		if (out->ptr)
			out->ptr[start] = '\0';
	}
	return rc;
}

int mlv_object_verify(mlv_store *st, const mlv_oid *oid) { return mlv_object_read(st, oid, NULL, NULL); }
