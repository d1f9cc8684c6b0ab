/*
 * The LMDB index: chunk locations, objects (type, size, manifest location,
 * mtime), pack numbers and refs. Everything but refs can be rebuilt from the
 * packs. The map grows on MDB_MAP_FULL; stale readers are cleared on open;
 * writers queue behind a lock file with a timeout.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "internal.h"
#include "alloc.h"

#define INITIAL_MAP (64ULL << 20)

int mlv__index_error(int rc, const char *what)
{
	const char *why = mdb_strerror(rc);
	if (rc == MDB_CORRUPTED || rc == MDB_PAGE_NOTFOUND || rc == MDB_INVALID)
		return mlv_error_set(MLV_ECORRUPT, "index %s failed: %s (try 'mlv fsck --rebuild-index')", what, why);
	if (rc > 0 && rc < 1000)
		return mlv_error_set_errno(MLV_EIO, rc, "index %s failed", what);
	return mlv_error_set(MLV_ERROR, "index %s failed: %s", what, why);
}

int mlv__index_open(struct mlv_index *ix, const char *dir)
{
	MDB_txn *txn = NULL;
	int rc, dead = 0;
	memset(ix, 0, sizeof(*ix));
	if ((rc = mdb_env_create(&ix->env)))
		return mlv__index_error(rc, "create");
	mdb_env_set_maxdbs(ix->env, 16);
	mdb_env_set_maxreaders(ix->env, 512);
	{
		/* MLV_INDEX_MAP_SIZE (bytes) lets tests start small and watch the map grow. */
		const char *e = getenv("MLV_INDEX_MAP_SIZE");
		unsigned long long sz = e && *e ? strtoull(e, NULL, 10) : 0;
		mdb_env_set_mapsize(ix->env, sz >= 65536 ? (size_t)sz : INITIAL_MAP);
	}
	/* MDB_NOTLS: read transactions belong to the caller, not the thread. */
	if ((rc = mdb_env_open(ix->env, dir, MDB_NOTLS, 0644))) {
		int code = rc == ENOENT ? MLV_ENOTFOUND : MLV_EIO;
		if (rc == EACCES || rc == ENOENT || rc == EROFS)
			mlv_error_set_errno(code, rc, "cannot open the index in '%s'", dir);
		else
			mlv__index_error(rc, "open");
		mdb_env_close(ix->env);
		ix->env = NULL;
		return code;
	}
	mdb_reader_check(ix->env, &dead);
	/* Another process may have grown the map beyond INITIAL_MAP. */
	mdb_env_set_mapsize(ix->env, 0);
	/*
	 * The main database (the list of named databases) is read by every
	 * command: check its few pages before liblmdb does (fsck checks all).
	 */
	if ((rc = mlv__index_check_pages(ix, 0))) {
		mdb_env_close(ix->env);
		ix->env = NULL;
		return rc;
	}
	if ((rc = mdb_txn_begin(ix->env, NULL, 0, &txn)))
		goto fail;
	if ((rc = mdb_dbi_open(txn, "chunks", MDB_CREATE, &ix->chunks)) ||
	    (rc = mdb_dbi_open(txn, "objects", MDB_CREATE, &ix->objects)) ||
	    (rc = mdb_dbi_open(txn, "packs", MDB_CREATE | MDB_INTEGERKEY, &ix->packs)) ||
	    (rc = mdb_dbi_open(txn, "refs", MDB_CREATE, &ix->refs)) ||
	    (rc = mdb_dbi_open(txn, "meta", MDB_CREATE, &ix->meta)) ||
	    (rc = mdb_dbi_open(txn, "stat", MDB_CREATE, &ix->stat)) ||
	    (rc = mdb_dbi_open(txn, "runs", MDB_CREATE, &ix->runs)) ||
	    (rc = mdb_dbi_open(txn, "registry", MDB_CREATE, &ix->registry)) ||
	    (rc = mdb_dbi_open(txn, "runsort", MDB_CREATE, &ix->runsort)))
		goto fail;
	if ((rc = mdb_txn_commit(txn))) {
		txn = NULL;
		goto fail;
	}
	return 0;
fail:
	if (txn)
		mdb_txn_abort(txn);
	rc = mlv__index_error(rc, "open");
	mdb_env_close(ix->env);
	ix->env = NULL;
	return rc;
}

/* ---- the structure of the index file (LMDB 0.9 on-disk format, data version 1) ---- */

#define PG_HDR 16          /* page header: pgno u64, pad u16, flags u16, lower u16, upper u16 */
#define PG_BRANCH 0x01
#define PG_LEAF 0x02
#define PG_OVERFLOW 0x04
#define PG_META 0x08
#define NODE_HDR 8         /* node: lo u16, hi u16, flags u16, ksize u16 */
#define NODE_BIGDATA 0x01
#define NODE_SUBDATA 0x02
#define NODE_DUPDATA 0x04
#define DB_SZ 48           /* MDB_db: pad u32, flags u16, depth u16, 4 counters u64, root u64 */
#define PG_NONE (~(uint64_t)0)

static uint16_t rd16(const unsigned char *p) { return (uint16_t)(p[0] | p[1] << 8); }
static uint64_t rd64(const unsigned char *p) { return mlv__get_u64(p); }

struct pagewalk {
	int fd;
	size_t psize;
	uint64_t last;          /* the last page in use */
	unsigned char *seen;    /* a bit per page */
	unsigned char *page, *copy;
	struct { uint64_t pgno; int depth, main; } *stack;
	size_t n, a;
	int deep;               /* also the named databases and the free list */
};

static int pw_bad(uint64_t pgno, const char *why)
{
	return mlv_error_set(MLV_ECORRUPT, "the index file is damaged: page %llu %s "
		"(try 'mlv fsck --rebuild-index'; see DAMAGED INDEX in mlv-fsck(1))", (unsigned long long)pgno, why);
}

static int pw_read(struct pagewalk *w, uint64_t pgno)
{
	ssize_t n = pread(w->fd, w->page, w->psize, (off_t)(pgno * w->psize));
	if (n < 0)
		return mlv_error_set_errno(MLV_EIO, errno, "cannot read the index file");
	if ((size_t)n != w->psize)
		return pw_bad(pgno, "is beyond the end of the file");
	return 0;
}

static int pw_push(struct pagewalk *w, uint64_t from, uint64_t pgno, int depth, int main)
{
	if (pgno < 2 || pgno > w->last)
		return pw_bad(from, "points at a page outside the file");
	if (w->seen[pgno / 8] & (1u << (pgno % 8)))
		return pw_bad(from, "points at a page already in use");
	w->seen[pgno / 8] |= (unsigned char)(1u << (pgno % 8));
	if (depth > 64)
		return pw_bad(from, "is nested too deeply");
	if (w->n == w->a) {
		size_t na = w->a ? w->a * 2 : 64;
		void *ns = mlv__realloc(w->stack, na * sizeof(*w->stack));
		if (!ns)
			return mlv_error_set(MLV_ENOMEM, "out of memory");
		w->stack = ns;
		w->a = na;
	}
	w->stack[w->n].pgno = pgno;
	w->stack[w->n].depth = depth;
	w->stack[w->n].main = main;
	w->n++;
	return 0;
}

/* A database record DB (48 bytes) found in page FROM: walk its tree. */
static int pw_db(struct pagewalk *w, uint64_t from, const unsigned char *db, int main)
{
	uint64_t root = rd64(db + 40);
	if (root == PG_NONE)
		return 0;
	return pw_push(w, from, root, 1, main);
}

static int pw_overflow(struct pagewalk *w, uint64_t from, uint64_t pgno, uint64_t dsize)
{
	uint32_t pages;
	int rc;
	if ((rc = pw_push(w, from, pgno, 1, 0)))
		return rc;
	w->n--; /* not walked as a tree: checked here */
	if ((rc = pw_read(w, pgno)))
		return rc;
	pages = mlv__get_u32(w->page + 12);
	if (rd64(w->page) != pgno || !(rd16(w->page + 10) & PG_OVERFLOW))
		return pw_bad(pgno, "is not the overflow page its entry names");
	if (pages == 0 || (uint64_t)pages * w->psize < dsize + PG_HDR || pgno + pages - 1 > w->last)
		return pw_bad(pgno, "has a bad page count");
	for (uint64_t p = pgno + 1; p < pgno + pages; p++) {
		if (w->seen[p / 8] & (1u << (p % 8)))
			return pw_bad(pgno, "overlaps a page already in use");
		w->seen[p / 8] |= (unsigned char)(1u << (p % 8));
	}
	return 0;
}

static int pw_page(struct pagewalk *w, uint64_t pgno, int depth, int main)
{
	unsigned char *pg = w->page;
	uint16_t flags, lower, upper;
	size_t nkeys;
	int rc;
	if ((rc = pw_read(w, pgno)))
		return rc;
	flags = rd16(pg + 10);
	lower = rd16(pg + 12);
	upper = rd16(pg + 14);
	if (rd64(pg) != pgno)
		return pw_bad(pgno, "has another page's number");
	if ((flags & (PG_BRANCH | PG_LEAF | PG_OVERFLOW | PG_META)) != PG_BRANCH &&
	    (flags & (PG_BRANCH | PG_LEAF | PG_OVERFLOW | PG_META)) != PG_LEAF)
		return pw_bad(pgno, "is neither a branch nor a leaf");
	if (lower < PG_HDR || lower > upper || upper > w->psize || (lower - PG_HDR) % 2)
		return pw_bad(pgno, "has bad bounds");
	nkeys = (size_t)(lower - PG_HDR) / 2;
	if ((flags & PG_BRANCH) && nkeys < 1)
		return pw_bad(pgno, "is a branch without children");
	/* the page is reused by the reads below: take what is needed first */
	{
		unsigned char *copy = w->copy;
		memcpy(copy, pg, w->psize);
		for (size_t i = 0; i < nkeys; i++) {
			size_t off = rd16(copy + PG_HDR + 2 * i), ksize, dsize;
			const unsigned char *node;
			if (off < upper || off + NODE_HDR > w->psize)
				return pw_bad(pgno, "has a node outside its bounds");
			node = copy + off;
			ksize = rd16(node + 6);
			if (off + NODE_HDR + ksize > w->psize)
				return pw_bad(pgno, "has a key outside its bounds");
			if (flags & PG_BRANCH) {
				uint64_t child = (uint64_t)rd16(node) | (uint64_t)rd16(node + 2) << 16 | (uint64_t)rd16(node + 4) << 32;
				if ((rc = pw_push(w, pgno, child, depth + 1, main)))
					return rc;
				continue;
			}
			dsize = (size_t)rd16(node) | (size_t)rd16(node + 2) << 16;
			if (rd16(node + 4) & NODE_BIGDATA) {
				if (off + NODE_HDR + ksize + 8 > w->psize)
					return pw_bad(pgno, "has a value outside its bounds");
				if ((rc = pw_overflow(w, pgno, rd64(node + NODE_HDR + ksize), dsize)))
					return rc;
				continue;
			}
			if (off + NODE_HDR + ksize + dsize > w->psize)
				return pw_bad(pgno, "has a value outside its bounds");
			if (rd16(node + 4) & NODE_DUPDATA)
				return pw_bad(pgno, "has a duplicate-key entry, which mlv never makes");
			if (rd16(node + 4) & NODE_SUBDATA) {
				uint64_t root;
				if (!main || dsize != DB_SZ)
					return pw_bad(pgno, "has a bad database record");
				root = rd64(node + NODE_HDR + ksize + 40);
				if (root != PG_NONE && (root < 2 || root > w->last))
					return pw_bad(pgno, "points at a page outside the file");
				if (w->deep && (rc = pw_db(w, pgno, node + NODE_HDR + ksize, 0)))
					return rc;
			}
		}
	}
	return 0;
}

int mlv__index_check_pages(struct mlv_index *ix, int deep)
{
	struct pagewalk w;
	MDB_txn *txn = NULL;
	MDB_stat ms;
	struct stat sb;
	unsigned char meta[2][160];
	int rc, cur;
	memset(&w, 0, sizeof(w));
	w.deep = deep;
	if ((rc = mlv__index_read_begin(ix, &txn)))
		return rc;
	/* the snapshot of TXN stays as it is while TXN is open: its pages are not reused */
	if ((rc = mdb_env_get_fd(ix->env, &w.fd)) || (rc = mdb_env_stat(ix->env, &ms))) {
		rc = mlv__index_error(rc, "read");
		goto done;
	}
	w.psize = ms.ms_psize;
	if (w.psize < 512 || w.psize > 65536) {
		rc = pw_bad(0, "has a bad page size");
		goto done;
	}
	if (!(w.page = mlv__malloc(w.psize)) || !(w.copy = mlv__malloc(w.psize))) {
		rc = mlv_error_set(MLV_ENOMEM, "out of memory");
		goto done;
	}
	/*
	 * The meta page of this snapshot: the one with its transaction id
	 * (liblmdb checked the magic and version). Two commits after the
	 * snapshot began overwrite it: then take a new snapshot.
	 */
	for (int tries = 0;; tries++) {
		uint64_t id = (uint64_t)mdb_txn_id(txn);
		for (int m = 0; m < 2; m++) {
			if ((rc = pw_read(&w, (uint64_t)m)))
				goto done;
			memcpy(meta[m], w.page, sizeof(meta[m]));
		}
		cur = rd64(meta[1] + 144) == id ? 1 : 0;
		if (rd64(meta[cur] + 144) == id)
			break;
		if (tries == 20 || (rd64(meta[0] + 144) < id && rd64(meta[1] + 144) < id)) {
			rc = pw_bad((uint64_t)cur, "(a meta page) names no transaction this snapshot knows");
			goto done;
		}
		mdb_txn_abort(txn);
		txn = NULL;
		if ((rc = mlv__index_read_begin(ix, &txn)))
			goto done;
	}
	/*
	 * The file's size once the snapshot is chosen: a commit after an
	 * earlier fstat may have grown the file and named its new last page
	 * in the meta page read above.
	 */
	if (fstat(w.fd, &sb)) {
		rc = mlv_error_set_errno(MLV_EIO, errno, "cannot read the index file");
		goto done;
	}
	w.last = rd64(meta[cur] + 136);
	if (w.last < 1 || w.last >= (uint64_t)sb.st_size / w.psize) {
		rc = pw_bad((uint64_t)cur, "(a meta page) names a last page beyond the end of the file");
		goto done;
	}
	if (!(w.seen = mlv__calloc(w.last / 8 + 1, 1))) {
		rc = mlv_error_set(MLV_ENOMEM, "out of memory");
		goto done;
	}
	if ((deep && (rc = pw_db(&w, (uint64_t)cur, meta[cur] + PG_HDR + 24, 0))) ||  /* the free list */
	    (rc = pw_db(&w, (uint64_t)cur, meta[cur] + PG_HDR + 24 + DB_SZ, 1)))     /* the main database */
		goto done;
	while (w.n) {
		w.n--;
		if ((rc = pw_page(&w, w.stack[w.n].pgno, w.stack[w.n].depth, w.stack[w.n].main)))
			break;
	}
done:
	if (txn)
		mdb_txn_abort(txn);
	free(w.seen);
	free(w.page);
	free(w.copy);
	free(w.stack);
	return rc;
}

void mlv__index_close(struct mlv_index *ix)
{
	if (ix->env)
		mdb_env_close(ix->env);
	ix->env = NULL;
}

int mlv__index_read_begin(struct mlv_index *ix, MDB_txn **out)
{
	int rc = mdb_txn_begin(ix->env, NULL, MDB_RDONLY, out);
	if (rc == MDB_MAP_RESIZED) {
		mdb_env_set_mapsize(ix->env, 0);
		rc = mdb_txn_begin(ix->env, NULL, MDB_RDONLY, out);
	}
	if (rc == MDB_READERS_FULL) {
		int dead = 0;
		mdb_reader_check(ix->env, &dead);
		rc = mdb_txn_begin(ix->env, NULL, MDB_RDONLY, out);
	}
	return rc ? mlv__index_error(rc, "read") : 0;
}

int mlv__index_write(mlv_store *st, mlv_index_write_fn fn, void *payload)
{
	struct mlv_index *ix = &st->ix;
	int rc, tries;
	if ((rc = mlv__lock(st->lockfd_write, 1, "the index")))
		return rc;
	for (tries = 0; tries < 16; tries++) {
		MDB_txn *txn = NULL;
		int inj;
		rc = mdb_txn_begin(ix->env, NULL, 0, &txn);
		if (rc == MDB_MAP_RESIZED) {
			mdb_env_set_mapsize(ix->env, 0);
			rc = mdb_txn_begin(ix->env, NULL, 0, &txn);
		}
		if (rc) {
			rc = mlv__index_error(rc, "write");
			break;
		}
		rc = fn(payload, txn);
		if (rc == MDB_MAP_FULL)
			goto grow;
		if (rc) {
			mdb_txn_abort(txn);
			break;
		}
		if ((inj = mlv_io_point("commit", "index"))) {
			mdb_txn_abort(txn);
			rc = mlv_error_set_errno(MLV_EIO, inj, "cannot commit to the index");
			break;
		}
		rc = mdb_txn_commit(txn);
		if (rc == MDB_MAP_FULL)
			goto grow_committed;
		if (rc)
			rc = mlv__index_error(rc, "commit");
		break;
grow:
		mdb_txn_abort(txn);
grow_committed: {
			MDB_envinfo info;
			mdb_env_info(ix->env, &info);
			if ((rc = mdb_env_set_mapsize(ix->env, info.me_mapsize * 2))) {
				rc = mlv__index_error(rc, "resize");
				break;
			}
		}
	}
	mlv__unlock(st->lockfd_write);
	return rc;
}

void mlv__chunk_loc_encode(unsigned char out[24], const struct mlv_chunk_loc *l)
{
	mlv__put_u32(out, l->pack);
	mlv__put_u32(out + 4, l->stored_len);
	mlv__put_u64(out + 8, l->offset);
	mlv__put_u32(out + 16, l->raw_len);
	out[20] = l->comp;
	out[21] = out[22] = out[23] = 0;
}

int mlv__chunk_loc_decode(struct mlv_chunk_loc *l, const MDB_val *v)
{
	const unsigned char *p = v->mv_data;
	if (v->mv_size != 24)
		return mlv_error_set(MLV_ECORRUPT, "index entry of a chunk has a bad size (try 'mlv fsck --rebuild-index')");
	l->pack = mlv__get_u32(p);
	l->stored_len = mlv__get_u32(p + 4);
	l->offset = mlv__get_u64(p + 8);
	l->raw_len = mlv__get_u32(p + 16);
	l->comp = p[20];
	/* no checksum here: at least refuse what the writer never writes */
	if (l->comp > MLV_COMP_ZSTD || p[21] || p[22] || p[23])
		return mlv_error_set(MLV_ECORRUPT, "index entry of a chunk is damaged (try 'mlv fsck --rebuild-index')");
	return 0;
}

void mlv__object_rec_encode(unsigned char out[40], const struct mlv_object_rec *r)
{
	memset(out, 0, 40);
	out[0] = r->type;
	out[1] = (unsigned char)(r->types | (1u << r->type));
	mlv__put_u32(out + 4, r->nchunks);
	mlv__put_u64(out + 8, r->size);
	mlv__put_u32(out + 16, r->pack);
	mlv__put_u64(out + 24, r->offset);
	mlv__put_u64(out + 32, (uint64_t)r->mtime);
}

int mlv__object_rec_decode(struct mlv_object_rec *r, const MDB_val *v)
{
	const unsigned char *p = v->mv_data;
	if (v->mv_size != 40)
		return mlv_error_set(MLV_ECORRUPT, "index entry of an object has a bad size (try 'mlv fsck --rebuild-index')");
	r->type = p[0];
	r->types = (uint8_t)(p[1] | (1u << (p[0] & 7)));
	r->nchunks = mlv__get_u32(p + 4);
	r->size = mlv__get_u64(p + 8);
	r->pack = mlv__get_u32(p + 16);
	r->offset = mlv__get_u64(p + 24);
	r->mtime = (int64_t)mlv__get_u64(p + 32);
	/* no checksum here: at least refuse what the writer never writes */
	if (p[0] < MLV_OBJ_BLOB || p[0] > MLV_OBJ_JSON || (p[1] & ~0x0eu) || !(p[1] & (1u << p[0])) || p[2] || p[3] ||
	    p[20] || p[21] || p[22] || p[23])
		return mlv_error_set(MLV_ECORRUPT, "index entry of an object is damaged (try 'mlv fsck --rebuild-index')");
	return 0;
}

int mlv__index_get_chunk(MDB_txn *txn, struct mlv_index *ix, const mlv_oid *id, struct mlv_chunk_loc *out)
{
	MDB_val k = { MLV_OID_RAWSZ, (void *)id->id }, v;
	int rc = mdb_get(txn, ix->chunks, &k, &v);
	if (rc == MDB_NOTFOUND)
		return MLV_ENOTFOUND;
	if (rc)
		return mlv__index_error(rc, "lookup");
	return mlv__chunk_loc_decode(out, &v);
}

int mlv__index_get_object(MDB_txn *txn, struct mlv_index *ix, const mlv_oid *id, struct mlv_object_rec *out)
{
	MDB_val k = { MLV_OID_RAWSZ, (void *)id->id }, v;
	int rc = mdb_get(txn, ix->objects, &k, &v);
	if (rc == MDB_NOTFOUND) {
		char hex[MLV_OID_HEXSZ + 1];
		return mlv_error_set(MLV_ENOTFOUND, "object %s is not in the store", mlv_oid_fmt(hex, id));
	}
	if (rc)
		return mlv__index_error(rc, "lookup");
	return mlv__object_rec_decode(out, &v);
}

int mlv__index_add_pack(MDB_txn *txn, struct mlv_index *ix, const char *name, uint32_t *packno)
{
	MDB_val k = { 9, "next-pack" }, v;
	unsigned char nb[4];
	int rc = mdb_get(txn, ix->meta, &k, &v);
	*packno = 0;
	if (rc == 0 && v.mv_size == 4)
		*packno = mlv__get_u32(v.mv_data);
	else if (rc && rc != MDB_NOTFOUND)
		return mlv__index_error(rc, "write");
	mlv__put_u32(nb, *packno + 1);
	v.mv_size = 4;
	v.mv_data = nb;
	if ((rc = mdb_put(txn, ix->meta, &k, &v, 0)))
		return rc == MDB_MAP_FULL ? rc : mlv__index_error(rc, "write");
	MDB_val pk = { sizeof(*packno), packno }, pv = { strlen(name), (void *)name };
	if ((rc = mdb_put(txn, ix->packs, &pk, &pv, 0)))
		return rc == MDB_MAP_FULL ? rc : mlv__index_error(rc, "write");
	return 0;
}
