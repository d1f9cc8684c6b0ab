/*
 * Store maintenance: fsck (every pack, chunk, object and tree checked, and
 * the index against the packs), rebuilding the index from the packs, and gc
 * (mark from roots, drop the unreachable past the grace period, repack).
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/stat.h>
#include <zstd.h>
#include "internal.h"
#include "alloc.h"

/* ---- listing pack files ---- */

struct packfile {
	char *name;
	uint32_t num;     /* number in the index, or UINT32_MAX when unindexed */
	uint64_t size;
	int64_t mtime;
};

struct packlist {
	struct packfile *v;
	size_t n;
};

static void packlist_release(struct packlist *l)
{
	for (size_t i = 0; i < l->n; i++)
		free(l->v[i].name);
	free(l->v);
	l->v = NULL;
	l->n = 0;
}

static int is_pack_name(const char *n)
{
	size_t len = strlen(n);
	return len > 10 && !strncmp(n, "pack-", 5) && !strcmp(n + len - 5, ".pack");
}

static int packname_cmp(const void *a, const void *b)
{
	return strcmp(((const struct packfile *)a)->name, ((const struct packfile *)b)->name);
}

/* The pack files on disk, with their numbers from the index (TXN may be NULL). */
static int packs_list(mlv_store *st, MDB_txn *txn, struct packlist *out)
{
	DIR *d = opendir(st->packdir);
	struct dirent *de;
	size_t alloc = 0;
	out->v = NULL;
	out->n = 0;
	if (!d)
		return mlv_error_set_errno(MLV_EIO, errno, "cannot read '%s'", st->packdir);
	while ((de = readdir(d))) {
		struct stat sb;
		if (!is_pack_name(de->d_name) || fstatat(dirfd(d), de->d_name, &sb, 0) || !S_ISREG(sb.st_mode))
			continue;
		if (out->n == alloc) {
			size_t na = alloc ? alloc * 2 : 16;
			struct packfile *nv = mlv__realloc(out->v, na * sizeof(*nv));
			if (!nv)
				goto nomem;
			out->v = nv;
			alloc = na;
		}
		struct packfile *pf = &out->v[out->n];
		if (!(pf->name = mlv__strdup(de->d_name)))
			goto nomem;
		pf->num = UINT32_MAX;
		pf->size = (uint64_t)sb.st_size;
		pf->mtime = (int64_t)sb.st_mtime;
		out->n++;
	}
	closedir(d);
	if (out->n)
		qsort(out->v, out->n, sizeof(*out->v), packname_cmp);
	if (txn) {
		MDB_cursor *cur;
		MDB_val k, v;
		if (mdb_cursor_open(txn, st->ix.packs, &cur) == 0) {
			int rc = mdb_cursor_get(cur, &k, &v, MDB_FIRST);
			while (rc == 0) {
				/* the list is sorted by name: a binary search, as a store may hold 100,000 packs */
				char name[256];
				if (v.mv_size < sizeof(name) && k.mv_size == sizeof(uint32_t)) {
					struct packfile key, *hit;
					memcpy(name, v.mv_data, v.mv_size);
					name[v.mv_size] = '\0';
					key.name = name;
					hit = out->n ? bsearch(&key, out->v, out->n, sizeof(*out->v), packname_cmp) : NULL;
					if (hit)
						memcpy(&hit->num, k.mv_data, sizeof(uint32_t));
				}
				rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT);
			}
			mdb_cursor_close(cur);
		}
	}
	return 0;
nomem:
	closedir(d);
	packlist_release(out);
	return mlv_error_set(MLV_ENOMEM, "out of memory");
}

/*
 * Walk the entries of one pack. CB gets each entry's header, offset and
 * payload; it returns non-zero to stop. A structural problem (bad magic, a
 * damaged header, truncation) is returned as MLV_ECORRUPT with the offset.
 */
typedef int (*entry_fn)(void *payload, const struct mlv_entry_hdr *h, uint64_t off, const unsigned char *data);

static int pack_walk(const char *path, entry_fn cb, void *payload)
{
	unsigned char head[MLV_PACK_HDRSZ], hdr[MLV_ENTRY_HDRSZ], *data = NULL;
	uint64_t off = MLV_PACK_HDRSZ;
	size_t cap = 0;
	int fd = open(path, O_RDONLY | O_CLOEXEC), rc = 0;
	ssize_t n;
	if (fd < 0)
		return mlv_error_set_errno(MLV_EIO, errno, "cannot open '%s'", path);
	n = mlv_io_read_full(fd, head, sizeof(head));
	if (n != (ssize_t)sizeof(head) || memcmp(head, MLV_PACK_MAGIC, 8) || mlv__get_u32(head + 8) != 1) {
		rc = mlv_error_set(MLV_ECORRUPT, "not a mlv pack (bad header)");
		goto done;
	}
	for (;;) {
		struct mlv_entry_hdr h;
		n = mlv_io_read_full(fd, hdr, sizeof(hdr));
		if (n == 0)
			break;
		if (n < 0) {
			rc = mlv_error_set_errno(MLV_EIO, (int)-n, "cannot read pack");
			goto done;
		}
		if (n != (ssize_t)sizeof(hdr)) {
			rc = mlv_error_set(MLV_ECORRUPT, "truncated at offset %llu", (unsigned long long)off);
			goto done;
		}
		if (mlv__entry_hdr_decode(&h, hdr)) {
			rc = mlv_error_set(MLV_ECORRUPT, "damaged entry at offset %llu: %s", (unsigned long long)off,
				mlv_error_last());
			goto done;
		}
		if (h.stored_len > cap) {
			free(data);
			cap = h.stored_len;
			if (!(data = mlv__malloc(cap))) {
				rc = mlv_error_set(MLV_ENOMEM, "out of memory");
				goto done;
			}
		}
		n = mlv_io_read_full(fd, data, h.stored_len);
		if (n != (ssize_t)h.stored_len) {
			rc = mlv_error_set(MLV_ECORRUPT, "truncated at offset %llu", (unsigned long long)off);
			goto done;
		}
		if ((rc = cb(payload, &h, off, data)))
			goto done;
		off += MLV_ENTRY_HDRSZ + h.stored_len;
	}
done:
	free(data);
	close(fd);
	return rc;
}

static char *pack_path(mlv_store *st, const char *name)
{
	mlv_buf b = MLV_BUF_INIT;
	if (mlv_buf_printf(&b, "%s/%s", st->packdir, name)) {
		mlv_buf_release(&b);
		return NULL;
	}
	return mlv_buf_detach(&b);
}

/* ---- fsck ---- */

struct fsck {
	mlv_store *st;
	const mlv_fsck_opts *opts;
	mlv_fsck_result *res;
	struct mlv_oidmap bad_chunks;  /* chunk id -> 1 */
	struct mlv_oidmap bad_objects; /* object id -> 1 */
	unsigned char *buf, *scratch;
};

static void problem(struct fsck *f, const char *kind, const mlv_oid *oid, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

static void problem(struct fsck *f, const char *kind, const mlv_oid *oid, const char *fmt, ...)
{
	char msg[1024];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	f->res->problems++;
	if (f->opts && f->opts->report)
		f->opts->report(f->opts->payload, kind, oid, msg);
}

/* Structure only: payloads are verified through the index (fsck_chunks). */
static int walk_structure(void *payload, const struct mlv_entry_hdr *h, uint64_t off, const unsigned char *data)
{
	(void)payload; (void)h; (void)off; (void)data;
	return 0;
}

static int fsck_chunks(struct fsck *f, MDB_txn *txn)
{
	MDB_cursor *cur;
	MDB_val k, v;
	int rc;
	if ((rc = mdb_cursor_open(txn, f->st->ix.chunks, &cur)))
		return mlv__index_error(rc, "read");
	for (rc = mdb_cursor_get(cur, &k, &v, MDB_FIRST); rc == 0; rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT)) {
		mlv_oid id;
		uint32_t n;
		if (k.mv_size != MLV_OID_RAWSZ) {
			problem(f, "index-mismatch", NULL, "the chunk index has a key of the wrong size");
			continue;
		}
		memcpy(id.id, k.mv_data, MLV_OID_RAWSZ);
		f->res->chunks++;
		mlv__pack_fds_trim(f->st);
		if ((rc = mlv__chunk_read(f->st, txn, &id, f->buf, &n, f->scratch))) {
			/* Out of memory says nothing of the store: stop rather than report damage. */
			if (rc == MLV_ENOMEM)
				break;
			problem(f, "corrupt-chunk", &id, "%s", mlv_error_last());
			if ((rc = mlv__oidmap_put(&f->bad_chunks, &id, 1)))
				break;
			continue;
		}
		f->res->bytes += n;
	}
	mdb_cursor_close(cur);
	if (rc == MLV_ENOMEM)
		return mlv_error_set(MLV_ENOMEM, "out of memory");
	return rc == MDB_NOTFOUND ? 0 : mlv__index_error(rc, "read");
}

static int fsck_objects(struct fsck *f, MDB_txn *txn)
{
	MDB_cursor *cur;
	MDB_val k, v;
	char hex[MLV_OID_HEXSZ + 1];
	int rc;
	if ((rc = mdb_cursor_open(txn, f->st->ix.objects, &cur)))
		return mlv__index_error(rc, "read");
	for (rc = mdb_cursor_get(cur, &k, &v, MDB_FIRST); rc == 0; rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT)) {
		struct mlv_object_rec rec;
		struct mlv_manifest m;
		mlv_oid id;
		uint64_t sum = 0;
		int bad = 0;
		if (k.mv_size != MLV_OID_RAWSZ || mlv__object_rec_decode(&rec, &v)) {
			problem(f, "index-mismatch", NULL, "the object index has a damaged entry");
			continue;
		}
		memcpy(id.id, k.mv_data, MLV_OID_RAWSZ);
		f->res->objects++;
		mlv__pack_fds_trim(f->st);
		if ((rc = mlv__manifest_read(f->st, txn, &id, &rec, &m))) {
			if (rc == MLV_ENOMEM)
				break;
			problem(f, "corrupt-object", &id, "%s", mlv_error_last());
			if ((rc = mlv__oidmap_put(&f->bad_objects, &id, 1)))
				break;
			continue;
		}
		for (uint32_t i = 0; i < m.nchunks && !bad; i++) {
			struct mlv_chunk_loc loc;
			if (mlv__oidmap_get(&f->bad_chunks, &m.chunks[i])) {
				problem(f, "corrupt-object", &id, "object %s is damaged: its chunk %s is corrupt",
					mlv_oid_fmt(hex, &id), mlv_oid_fmt((char[65]){ 0 }, &m.chunks[i]));
				bad = 1;
			} else if (mlv__index_get_chunk(txn, &f->st->ix, &m.chunks[i], &loc)) {
				problem(f, "missing-chunk", &id, "object %s is damaged: its chunk %s is missing",
					mlv_oid_fmt(hex, &id), mlv_oid_fmt((char[65]){ 0 }, &m.chunks[i]));
				bad = 1;
			} else {
				sum += loc.raw_len;
			}
		}
		if (!bad && sum != m.size) {
			problem(f, "corrupt-object", &id, "object %s: its chunks add up to %llu bytes, not %llu",
				mlv_oid_fmt(hex, &id), (unsigned long long)sum, (unsigned long long)m.size);
			bad = 1;
		}
		if (!bad && m.nchunks == 1 && m.size <= MLV_CHUNK_MAX && mlv_oid_cmp(&m.chunks[0], &id) &&
		    !f->opts->full) {
			/* A one-chunk object is its chunk: their ids must agree (cheap full check). */
			problem(f, "corrupt-object", &id, "object %s: its only chunk has a different id", mlv_oid_fmt(hex, &id));
			bad = 1;
		}
		rc = bad ? mlv__oidmap_put(&f->bad_objects, &id, 1) : 0;
		mlv__manifest_release(&m);
		if (rc)
			break;
	}
	mdb_cursor_close(cur);
	if (rc == MLV_ENOMEM)
		return mlv_error_set(MLV_ENOMEM, "out of memory");
	return rc == MDB_NOTFOUND ? 0 : mlv__index_error(rc, "read");
}

/* Trees parse and name objects that exist with the right type; --full re-reads every object. */
static int fsck_graph(struct fsck *f, MDB_txn *txn)
{
	MDB_cursor *cur;
	MDB_val k, v;
	char hex[MLV_OID_HEXSZ + 1];
	int rc;
	if ((rc = mdb_cursor_open(txn, f->st->ix.objects, &cur)))
		return mlv__index_error(rc, "read");
	for (rc = mdb_cursor_get(cur, &k, &v, MDB_FIRST); rc == 0; rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT)) {
		struct mlv_object_rec rec;
		mlv_oid id;
		if (k.mv_size != MLV_OID_RAWSZ || mlv__object_rec_decode(&rec, &v))
			continue;
		memcpy(id.id, k.mv_data, MLV_OID_RAWSZ);
		if (mlv__oidmap_get(&f->bad_objects, &id))
			continue;
		mlv__pack_fds_trim(f->st);
		if (f->opts->full && (rc = mlv_object_verify(f->st, &id))) {
			if (rc == MLV_ENOMEM)
				break;
			problem(f, "corrupt-object", &id, "%s", mlv_error_last());
			if ((rc = mlv__oidmap_put(&f->bad_objects, &id, 1)))
				break;
			continue;
		}
		if (!(rec.types & (1u << MLV_OBJ_TREE)))
			continue;
		mlv_tree *t = NULL;
		if ((rc = mlv_tree_read(&t, f->st, &id))) {
			if (rc == MLV_ENOMEM)
				break;
			problem(f, "bad-tree", &id, "%s", mlv_error_last());
			continue;
		}
		for (size_t i = 0; i < t->n; i++) {
			struct mlv_object_rec crec;
			mlv_tree_entry *e = &t->entries[i];
			if (mlv__index_get_object(txn, &f->st->ix, &e->oid, &crec)) {
				problem(f, "missing-object", &id, "tree %s names '%s' (%s), which is not in the store",
					mlv_oid_fmt(hex, &id), e->name, mlv_oid_fmt((char[65]){ 0 }, &e->oid));
			} else if (!(crec.types & (1u << (e->mode == MLV_MODE_TREE ? MLV_OBJ_TREE : MLV_OBJ_BLOB))) ||
				   (e->mode != MLV_MODE_TREE && e->size != crec.size)) {
				problem(f, "bad-tree", &id, "tree %s: entry '%s' disagrees with the object it names",
					mlv_oid_fmt(hex, &id), e->name);
			}
		}
		mlv_tree_free(t);
	}
	mdb_cursor_close(cur);
	if (rc == MLV_ENOMEM)
		return mlv_error_set(MLV_ENOMEM, "out of memory");
	mlv_error_clear();
	return rc == MDB_NOTFOUND ? 0 : mlv__index_error(rc, "read");
}

int mlv_fsck(mlv_store *st, const mlv_fsck_opts *opts, mlv_fsck_result *out)
{
	static const mlv_fsck_opts defaults = { 0, NULL, NULL };
	struct fsck f = { st, opts ? opts : &defaults, out, { 0 }, { 0 }, NULL, NULL };
	struct packlist pl = { 0 };
	MDB_txn *txn = NULL;
	int rc;
	memset(out, 0, sizeof(*out));
	/*
	 * gc removes packs once its index transaction commits; a check that
	 * began before would then find the packs of its snapshot gone and
	 * report damage that is not there. Hold gc off (writers may go on).
	 */
	if ((rc = mlv__lock(st->lockfd_gc, 0, "the store (gc is running)")))
		return rc;
	/* liblmdb trusts its pages: a damaged one would crash the walks below */
	if ((rc = mlv__index_check_pages(&st->ix, 1)))
		goto done;
	if (!(f.buf = mlv__malloc(MLV_CHUNK_MAX)) || !(f.scratch = mlv__malloc(ZSTD_compressBound(MLV_CHUNK_MAX)))) {
		rc = mlv_error_set(MLV_ENOMEM, "out of memory");
		goto done;
	}
	if ((rc = mlv__index_read_begin(&st->ix, &txn)) || (rc = packs_list(st, txn, &pl)))
		goto done;
	/* Every pack's structure, including copies the index does not point at. */
	for (size_t i = 0; i < pl.n; i++) {
		char *path = pack_path(st, pl.v[i].name);
		if (!path) {
			rc = mlv_error_set(MLV_ENOMEM, "out of memory");
			goto done;
		}
		out->packs++;
		rc = pack_walk(path, walk_structure, NULL);
		free(path);
		if (rc == MLV_ENOMEM)
			goto done;
		if (rc && pl.v[i].num != UINT32_MAX)
			problem(&f, "bad-pack", NULL, "pack %s: %s", pl.v[i].name, mlv_error_last());
		rc = 0;
	}
	/*
	 * An index that lists none of the packs and was not made by init was
	 * lost and recreated empty: every object and ref would look absent.
	 */
	{
		MDB_val k = { 7, (void *)"created" }, v;
		size_t indexed = 0;
		for (size_t i = 0; i < pl.n; i++)
			indexed += pl.v[i].num != UINT32_MAX;
		if (pl.n && !indexed && mdb_get(txn, st->ix.meta, &k, &v) == MDB_NOTFOUND)
			problem(&f, "unindexed-pack", NULL,
				"the index lists none of the %zu packs: it was lost or replaced (run 'mlv fsck --rebuild-index')", pl.n);
	}
	/* Packs the index lists must exist. */
	{
		MDB_cursor *cur;
		MDB_val k, v;
		if (mdb_cursor_open(txn, st->ix.packs, &cur) == 0) {
			int r = mdb_cursor_get(cur, &k, &v, MDB_FIRST);
			for (; r == 0; r = mdb_cursor_get(cur, &k, &v, MDB_NEXT)) {
				int found = 0;
				char name[256];
				if (v.mv_size < sizeof(name)) {
					struct packfile key;
					memcpy(name, v.mv_data, v.mv_size);
					name[v.mv_size] = '\0';
					key.name = name;
					found = pl.n && bsearch(&key, pl.v, pl.n, sizeof(*pl.v), packname_cmp);
				}
				if (!found)
					problem(&f, "missing-pack", NULL, "pack %.*s is listed in the index but missing",
						(int)v.mv_size, (const char *)v.mv_data);
			}
			mdb_cursor_close(cur);
		}
	}
	if ((rc = fsck_chunks(&f, txn)) || (rc = fsck_objects(&f, txn)) || (rc = fsck_graph(&f, txn)))
		goto done;
done:
	mdb_txn_abort(txn);
	mlv__unlock(st->lockfd_gc);
	packlist_release(&pl);
	mlv__oidmap_release(&f.bad_chunks);
	mlv__oidmap_release(&f.bad_objects);
	free(f.buf);
	free(f.scratch);
	return rc;
}

/* ---- rebuilding the index from the packs ---- */

struct rebuild {
	mlv_store *st;
	MDB_txn *txn;
	uint32_t packno;
	int64_t mtime;
	uint64_t objects, chunks, skipped;
	unsigned char *buf;
	int mdb_rc;
};

static int rebuild_entry(void *payload, const struct mlv_entry_hdr *h, uint64_t off, const unsigned char *data)
{
	struct rebuild *r = payload;
	MDB_val k = { MLV_OID_RAWSZ, (void *)h->id.id }, v;
	int rc;
	if (h->kind == MLV_ENTRY_CHUNK) {
		unsigned char val[24];
		struct mlv_chunk_loc loc = { r->packno, h->stored_len, off, h->raw_len, h->comp };
		if (mlv__chunk_decode(r->buf, h, data)) {
			r->skipped++;
			return 0;
		}
		mlv__chunk_loc_encode(val, &loc);
		v.mv_size = sizeof(val);
		v.mv_data = val;
		rc = mdb_put(r->txn, r->st->ix.chunks, &k, &v, MDB_NOOVERWRITE);
		if (rc == 0)
			r->chunks++;
	} else {
		struct mlv_manifest m;
		unsigned char val[40];
		if (mlv__manifest_decode(&m, data, h->stored_len)) {
			r->skipped++;
			return 0;
		}
		struct mlv_object_rec rec = { (uint8_t)m.type, (uint8_t)(1u << m.type), m.nchunks, m.size, r->packno, off, r->mtime };
		mlv__manifest_release(&m);
		rc = mdb_get(r->txn, r->st->ix.objects, &k, &v);
		if (rc == 0) {
			/* The same bytes stored as another type: remember that type too. */
			struct mlv_object_rec old;
			if (mlv__object_rec_decode(&old, &v) == 0 && old.size == rec.size) {
				old.types |= rec.types;
				rec = old;
			}
		} else {
			r->objects++;
		}
		mlv__object_rec_encode(val, &rec);
		v.mv_size = sizeof(val);
		v.mv_data = val;
		rc = mdb_put(r->txn, r->st->ix.objects, &k, &v, 0);
	}
	if (rc && rc != MDB_KEYEXIST) {
		r->mdb_rc = rc;
		return rc == MDB_MAP_FULL ? rc : mlv__index_error(rc, "write");
	}
	return 0;
}

struct rebuild_ctx {
	struct packlist *pl;
	struct rebuild r;
};

static int rebuild_txn(void *payload, MDB_txn *txn)
{
	struct rebuild_ctx *c = payload;
	struct rebuild *r = &c->r;
	MDB_val k = { 9, "next-pack" }, v;
	unsigned char nb[4];
	int rc;
	r->txn = txn;
	r->objects = r->chunks = r->skipped = 0;
	if ((rc = mdb_drop(txn, r->st->ix.chunks, 0)) || (rc = mdb_drop(txn, r->st->ix.objects, 0)) ||
	    (rc = mdb_drop(txn, r->st->ix.packs, 0)))
		return rc == MDB_MAP_FULL ? rc : mlv__index_error(rc, "write");
	for (uint32_t i = 0; i < c->pl->n; i++) {
		char *path = pack_path(r->st, c->pl->v[i].name);
		MDB_val pk = { sizeof(i), &i }, pv = { strlen(c->pl->v[i].name), c->pl->v[i].name };
		if (!path)
			return mlv_error_set(MLV_ENOMEM, "out of memory");
		if ((rc = mdb_put(txn, r->st->ix.packs, &pk, &pv, 0))) {
			free(path);
			return rc == MDB_MAP_FULL ? rc : mlv__index_error(rc, "write");
		}
		r->packno = i;
		r->mtime = c->pl->v[i].mtime;
		r->mdb_rc = 0;
		rc = pack_walk(path, rebuild_entry, r);
		free(path);
		if (r->mdb_rc)
			return r->mdb_rc == MDB_MAP_FULL ? MDB_MAP_FULL : rc;
		if (rc == MLV_ECORRUPT)
			r->skipped++; /* the rest of a damaged pack is lost; what came before is kept */
		else if (rc)
			return rc;
	}
	mlv__put_u32(nb, (uint32_t)c->pl->n);
	v.mv_size = 4;
	v.mv_data = nb;
	if ((rc = mdb_put(txn, r->st->ix.meta, &k, &v, 0)))
		return rc == MDB_MAP_FULL ? rc : mlv__index_error(rc, "write");
	return 0;
}

int mlv_index_rebuild(mlv_store *st, uint64_t *objects, uint64_t *chunks, uint64_t *skipped)
{
	struct packlist pl = { 0 };
	struct rebuild_ctx c;
	int rc;
	memset(&c, 0, sizeof(c));
	c.pl = &pl;
	c.r.st = st;
	/* No writer may commit while the index is replaced. */
	if ((rc = mlv__lock(st->lockfd_gc, 1, "the store")))
		return rc;
	if (!(c.r.buf = mlv__malloc(MLV_CHUNK_MAX))) {
		rc = mlv_error_set(MLV_ENOMEM, "out of memory");
		goto done;
	}
	if ((rc = packs_list(st, NULL, &pl)))
		goto done;
	rc = mlv__index_write(st, rebuild_txn, &c);
	mlv__pack_fds_close(st);
	if (!rc) {
		if (objects)
			*objects = c.r.objects;
		if (chunks)
			*chunks = c.r.chunks;
		if (skipped)
			*skipped = c.r.skipped;
	}
done:
	free(c.r.buf);
	packlist_release(&pl);
	mlv__unlock(st->lockfd_gc);
	return rc;
}

/* ---- gc ---- */

struct gc {
	mlv_store *st;
	MDB_txn *txn;
	struct mlv_oidmap reach;   /* object id -> 1 */
	mlv_oid *stack;
	size_t nstack, astack;
	int err;
};

static int gc_push(void *payload, const mlv_oid *oid)
{
	struct gc *g = payload;
	if (mlv__oidmap_get(&g->reach, oid))
		return 0;
	if (mlv__oidmap_put(&g->reach, oid, 1))
		return MLV_ENOMEM;
	if (g->nstack == g->astack) {
		size_t n = g->astack ? g->astack * 2 : 256;
		mlv_oid *s = mlv__realloc(g->stack, n * sizeof(*s));
		if (!s)
			return mlv_error_set(MLV_ENOMEM, "out of memory");
		g->stack = s;
		g->astack = n;
	}
	g->stack[g->nstack++] = *oid;
	return 0;
}

/* Ids a JSON record names, written "sha256:<64 hex>" anywhere in it. */
static int gc_scan_json(struct gc *g, const char *p, size_t len)
{
	const char *end = p + len;
	int rc;
	while ((p = memmem(p, (size_t)(end - p), "sha256:", 7))) {
		char hex[MLV_OID_HEXSZ + 1];
		mlv_oid id;
		struct mlv_object_rec rec;
		p += 7;
		if (end - p < MLV_OID_HEXSZ)
			break;
		memcpy(hex, p, MLV_OID_HEXSZ);
		hex[MLV_OID_HEXSZ] = '\0';
		/* Records may name data that was never stored (a plain dependency): only stored ids count. */
		if (mlv_oid_fromhex(&id, hex) || mlv__index_get_object(g->txn, &g->st->ix, &id, &rec))
			continue;
		if ((rc = gc_push(g, &id)))
			return rc;
	}
	mlv_error_clear();
	return 0;
}

static int gc_mark(struct gc *g)
{
	char hex[MLV_OID_HEXSZ + 1];
	int rc;
	while (g->nstack) {
		mlv_oid id = g->stack[--g->nstack];
		struct mlv_object_rec rec;
		mlv__pack_fds_trim(g->st);
		if (mlv__index_get_object(g->txn, &g->st->ix, &id, &rec))
			return mlv_error_set(MLV_ECORRUPT, "object %s is reachable but missing; nothing was deleted",
				mlv_oid_fmt(hex, &id));
		if (rec.types & (1u << MLV_OBJ_TREE)) {
			mlv_tree *t = NULL;
			if ((rc = mlv_tree_read(&t, g->st, &id)))
				return mlv_error_set(rc, "%s; nothing was deleted", mlv_error_last());
			for (size_t i = 0; i < t->n && !rc; i++)
				rc = gc_push(g, &t->entries[i].oid);
			mlv_tree_free(t);
			if (rc)
				return rc;
		}
		if (rec.types & (1u << MLV_OBJ_JSON)) {
			mlv_buf b = MLV_BUF_INIT;
			if ((rc = mlv_object_read_buf(g->st, &id, &b, UINT64_C(256) << 20))) {
				mlv_buf_release(&b);
				return mlv_error_set(rc, "%s; nothing was deleted", mlv_error_last());
			}
			rc = gc_scan_json(g, mlv_buf_cstr(&b), b.size);
			mlv_buf_release(&b);
			if (rc)
				return rc;
		}
	}
	return 0;
}

struct moved {
	mlv_oid id;
	int is_object;
	uint64_t offset; /* in the new pack */
};

struct gc_plan {
	struct gc *g;
	mlv_oid *dead_objects;
	size_t ndead_objects;
	mlv_oid *dead_chunks;
	size_t ndead_chunks;
	struct moved *moved;
	size_t nmoved;
	uint32_t *old_packs;      /* pack numbers rewritten or dropped */
	size_t nold;
	const char *newpack;      /* NULL when nothing was copied */
};

static int gc_txn(void *payload, MDB_txn *txn)
{
	struct gc_plan *p = payload;
	struct mlv_index *ix = &p->g->st->ix;
	uint32_t packno = 0;
	int rc;
	for (size_t i = 0; i < p->ndead_objects; i++) {
		MDB_val k = { MLV_OID_RAWSZ, p->dead_objects[i].id };
		if ((rc = mdb_del(txn, ix->objects, &k, NULL)) && rc != MDB_NOTFOUND)
			goto fail;
	}
	for (size_t i = 0; i < p->ndead_chunks; i++) {
		MDB_val k = { MLV_OID_RAWSZ, p->dead_chunks[i].id };
		if ((rc = mdb_del(txn, ix->chunks, &k, NULL)) && rc != MDB_NOTFOUND)
			goto fail;
	}
	for (size_t i = 0; i < p->nold; i++) {
		MDB_val k = { sizeof(uint32_t), &p->old_packs[i] };
		if ((rc = mdb_del(txn, ix->packs, &k, NULL)) && rc != MDB_NOTFOUND)
			goto fail;
	}
	if (p->newpack && (rc = mlv__index_add_pack(txn, ix, p->newpack, &packno)))
		return rc;
	for (size_t i = 0; i < p->nmoved; i++) {
		struct moved *m = &p->moved[i];
		MDB_val k = { MLV_OID_RAWSZ, m->id.id }, v;
		if ((rc = mdb_get(txn, m->is_object ? ix->objects : ix->chunks, &k, &v)))
			goto fail;
		if (m->is_object) {
			struct mlv_object_rec rec;
			unsigned char val[40];
			if ((rc = mlv__object_rec_decode(&rec, &v)))
				return rc;
			rec.pack = packno;
			rec.offset = m->offset;
			mlv__object_rec_encode(val, &rec);
			v.mv_size = sizeof(val);
			v.mv_data = val;
			rc = mdb_put(txn, ix->objects, &k, &v, 0);
		} else {
			struct mlv_chunk_loc loc;
			unsigned char val[24];
			if ((rc = mlv__chunk_loc_decode(&loc, &v)))
				return rc;
			loc.pack = packno;
			loc.offset = m->offset;
			mlv__chunk_loc_encode(val, &loc);
			v.mv_size = sizeof(val);
			v.mv_data = val;
			rc = mdb_put(txn, ix->chunks, &k, &v, 0);
		}
		if (rc)
			goto fail;
	}
	return 0;
fail:
	return rc == MDB_MAP_FULL ? rc : mlv__index_error(rc, "write");
}

static int in_list(const uint32_t *v, size_t n, uint32_t x)
{
	for (size_t i = 0; i < n; i++)
		if (v[i] == x)
			return 1;
	return 0;
}

/* Copy one entry (header and payload) from pack FD at OFF to the end of OUT. */
static int copy_entry(int from, uint64_t off, int to, uint64_t *to_off, unsigned char *buf)
{
	struct mlv_entry_hdr h;
	ssize_t n = mlv_io_pread_full(from, buf, MLV_ENTRY_HDRSZ, (off_t)off);
	int err;
	if (n != MLV_ENTRY_HDRSZ || mlv__entry_hdr_decode(&h, buf))
		return mlv_error_set(MLV_ECORRUPT, "a pack entry to keep is damaged; run 'mlv fsck'; nothing was deleted");
	n = mlv_io_pread_full(from, buf + MLV_ENTRY_HDRSZ, h.stored_len, (off_t)(off + MLV_ENTRY_HDRSZ));
	if (n != (ssize_t)h.stored_len)
		return mlv_error_set(MLV_ECORRUPT, "a pack entry to keep is truncated; run 'mlv fsck'; nothing was deleted");
	if ((err = mlv_io_write(to, buf, MLV_ENTRY_HDRSZ + h.stored_len, "pack")))
		return mlv_error_set_errno(MLV_EIO, -err, "cannot write a new pack");
	*to_off += MLV_ENTRY_HDRSZ + h.stored_len;
	return 0;
}

static int grow(void **arr, size_t *alloc, size_t need, size_t elem)
{
	if (need <= *alloc)
		return 0;
	size_t n = *alloc ? *alloc * 2 : 64;
	while (n < need)
		n *= 2;
	void *p = mlv__realloc(*arr, n * elem);
	if (!p)
		return mlv_error_set(MLV_ENOMEM, "out of memory");
	*arr = p;
	*alloc = n;
	return 0;
}

static void clean_tmp(mlv_store *st)
{
	DIR *d = opendir(st->tmpdir);
	struct dirent *de;
	if (!d)
		return;
	while ((de = readdir(d)))
		if (de->d_name[0] != '.')
			unlinkat(dirfd(d), de->d_name, 0);
	closedir(d);
}

int mlv_gc(mlv_store *st, const mlv_gc_opts *opts, mlv_gc_result *out)
{
	struct gc g;
	struct gc_plan plan;
	struct packlist pl = { 0 };
	struct mlv_oidmap live_chunks = { 0 };
	size_t a_do = 0, a_dc = 0, a_mv = 0, a_old = 0;
	mlv_buf tmp = MLV_BUF_INIT, final = MLV_BUF_INIT;
	unsigned char *buf = NULL;
	int rc, locked = 0, outfd = -1;
	MDB_cursor *cur = NULL;
	MDB_val k, v;
	char newname[64];

	memset(&g, 0, sizeof(g));
	memset(&plan, 0, sizeof(plan));
	memset(out, 0, sizeof(*out));
	g.st = st;
	plan.g = &g;
	/* Writers hold this shared: gc waits for them, and new ones wait for gc. */
	if ((rc = mlv__lock(st->lockfd_gc, 1, "the store")))
		return rc;
	locked = 1;
	clean_tmp(st);
	if ((rc = mlv__index_read_begin(&st->ix, &g.txn)) || (rc = packs_list(st, g.txn, &pl)))
		goto done;
	for (size_t i = 0; i < pl.n; i++)
		out->bytes_before += pl.v[i].size;

	/* Roots: refs, then whatever the caller knows of. */
	if ((rc = mdb_cursor_open(g.txn, st->ix.refs, &cur))) {
		rc = mlv__index_error(rc, "read");
		goto done;
	}
	for (int r = mdb_cursor_get(cur, &k, &v, MDB_FIRST); r == 0; r = mdb_cursor_get(cur, &k, &v, MDB_NEXT)) {
		mlv_oid id;
		if (v.mv_size < MLV_OID_RAWSZ)
			continue;
		memcpy(id.id, v.mv_data, MLV_OID_RAWSZ);
		if ((rc = gc_push(&g, &id)))
			goto done;
	}
	mdb_cursor_close(cur);
	cur = NULL;
	if (opts->roots && (rc = opts->roots(opts->payload, gc_push, &g))) {
		rc = mlv_error_set(rc < 0 ? rc : MLV_ERROR, "cannot list what is in use (%s); nothing was deleted",
			mlv_error_last());
		goto done;
	}
	if ((rc = gc_mark(&g)))
		goto done;

	/* Sweep objects; the chunks of what stays are live. */
	if ((rc = mdb_cursor_open(g.txn, st->ix.objects, &cur))) {
		rc = mlv__index_error(rc, "read");
		goto done;
	}
	for (int r = mdb_cursor_get(cur, &k, &v, MDB_FIRST); r == 0; r = mdb_cursor_get(cur, &k, &v, MDB_NEXT)) {
		struct mlv_object_rec rec;
		mlv_oid id;
		if (k.mv_size != MLV_OID_RAWSZ || mlv__object_rec_decode(&rec, &v)) {
			rc = mlv_error_set(MLV_ECORRUPT, "the index is damaged (run 'mlv fsck'); nothing was deleted");
			goto done;
		}
		memcpy(id.id, k.mv_data, MLV_OID_RAWSZ);
		if (mlv__oidmap_get(&g.reach, &id) || rec.mtime >= opts->expire) {
			struct mlv_manifest m;
			out->objects_kept++;
			mlv__pack_fds_trim(st);
			if ((rc = mlv__manifest_read(st, g.txn, &id, &rec, &m))) {
				rc = mlv_error_set(rc, "%s; nothing was deleted", mlv_error_last());
				goto done;
			}
			for (uint32_t i = 0; i < m.nchunks && !rc; i++)
				if (!mlv__oidmap_get(&live_chunks, &m.chunks[i]))
					rc = mlv__oidmap_put(&live_chunks, &m.chunks[i], 1);
			mlv__manifest_release(&m);
			if (rc)
				goto done;
			continue;
		}
		out->objects_removed++;
		if (opts->report)
			opts->report(opts->payload, &id, rec.type, rec.size);
		if ((rc = grow((void **)&plan.dead_objects, &a_do, plan.ndead_objects + 1, sizeof(mlv_oid))))
			goto done;
		plan.dead_objects[plan.ndead_objects++] = id;
		if (!in_list(plan.old_packs, plan.nold, rec.pack)) {
			if ((rc = grow((void **)&plan.old_packs, &a_old, plan.nold + 1, sizeof(uint32_t))))
				goto done;
			plan.old_packs[plan.nold++] = rec.pack;
		}
	}
	mdb_cursor_close(cur);
	cur = NULL;
	if ((rc = mdb_cursor_open(g.txn, st->ix.chunks, &cur))) {
		rc = mlv__index_error(rc, "read");
		goto done;
	}
	for (int r = mdb_cursor_get(cur, &k, &v, MDB_FIRST); r == 0; r = mdb_cursor_get(cur, &k, &v, MDB_NEXT)) {
		struct mlv_chunk_loc loc;
		mlv_oid id;
		if (k.mv_size != MLV_OID_RAWSZ || mlv__chunk_loc_decode(&loc, &v)) {
			rc = mlv_error_set(MLV_ECORRUPT, "the index is damaged (run 'mlv fsck'); nothing was deleted");
			goto done;
		}
		memcpy(id.id, k.mv_data, MLV_OID_RAWSZ);
		if (mlv__oidmap_get(&live_chunks, &id)) {
			out->chunks_kept++;
			continue;
		}
		out->chunks_removed++;
		if ((rc = grow((void **)&plan.dead_chunks, &a_dc, plan.ndead_chunks + 1, sizeof(mlv_oid))))
			goto done;
		plan.dead_chunks[plan.ndead_chunks++] = id;
		if (!in_list(plan.old_packs, plan.nold, loc.pack)) {
			if ((rc = grow((void **)&plan.old_packs, &a_old, plan.nold + 1, sizeof(uint32_t))))
				goto done;
			plan.old_packs[plan.nold++] = loc.pack;
		}
	}
	mdb_cursor_close(cur);
	cur = NULL;

	if (opts->dry_run) {
		uint64_t unindexed = 0;
		for (size_t i = 0; i < pl.n; i++)
			if (pl.v[i].num == UINT32_MAX)
				unindexed += pl.v[i].size;
		out->bytes_after = out->bytes_before - unindexed; /* an upper bound: repacking is not simulated */
		goto done;
	}

	/* Copy what stays in the packs being rewritten into one new pack. */
	if (plan.nold) {
		uint64_t off = MLV_PACK_HDRSZ;
		unsigned char head[MLV_PACK_HDRSZ] = MLV_PACK_MAGIC;
		int err;
		if (!(buf = mlv__malloc(MLV_ENTRY_HDRSZ + ZSTD_compressBound(MLV_CHUNK_MAX)))) {
			rc = mlv_error_set(MLV_ENOMEM, "out of memory");
			goto done;
		}
		if ((rc = mlv_buf_printf(&tmp, "%s/pack-XXXXXX", st->tmpdir)))
			goto done;
		if ((outfd = mkstemp(tmp.ptr)) < 0) {
			rc = mlv_error_set_errno(MLV_EIO, errno, "cannot create a pack in '%s'", st->tmpdir);
			mlv_buf_clear(&tmp);
			goto done;
		}
		mlv__put_u32(head + 8, 1);
		if ((err = mlv_io_write(outfd, head, sizeof(head), "pack"))) {
			rc = mlv_error_set_errno(MLV_EIO, -err, "cannot write a new pack");
			goto done;
		}
		for (int pass = 0; pass < 2; pass++) {
			MDB_dbi dbi = pass ? st->ix.objects : st->ix.chunks;
			if ((rc = mdb_cursor_open(g.txn, dbi, &cur))) {
				rc = mlv__index_error(rc, "read");
				goto done;
			}
			for (int r = mdb_cursor_get(cur, &k, &v, MDB_FIRST); r == 0; r = mdb_cursor_get(cur, &k, &v, MDB_NEXT)) {
				mlv_oid id;
				uint32_t pack;
				uint64_t from;
				int fd;
				memcpy(id.id, k.mv_data, MLV_OID_RAWSZ);
				if (pass) {
					struct mlv_object_rec rec;
					mlv__object_rec_decode(&rec, &v);
					if (!(mlv__oidmap_get(&g.reach, &id) || rec.mtime >= opts->expire))
						continue;
					pack = rec.pack;
					from = rec.offset;
				} else {
					struct mlv_chunk_loc loc;
					mlv__chunk_loc_decode(&loc, &v);
					if (!mlv__oidmap_get(&live_chunks, &id))
						continue;
					pack = loc.pack;
					from = loc.offset;
				}
				if (!in_list(plan.old_packs, plan.nold, pack))
					continue;
				mlv__pack_fds_trim(st);
				if ((rc = mlv__pack_fd(st, g.txn, pack, &fd)))
					goto done;
				if ((rc = grow((void **)&plan.moved, &a_mv, plan.nmoved + 1, sizeof(struct moved))))
					goto done;
				plan.moved[plan.nmoved] = (struct moved){ id, pass, off };
				if (pass) {
					/* A manifest may exceed the chunk buffer: copy it through a buffer of its own. */
					struct mlv_object_rec rec;
					mlv__object_rec_decode(&rec, &v);
					size_t len = MLV_ENTRY_HDRSZ + 56 + (size_t)rec.nchunks * MLV_OID_RAWSZ;
					unsigned char *mb = mlv__malloc(len);
					if (!mb) {
						rc = mlv_error_set(MLV_ENOMEM, "out of memory");
						goto done;
					}
					rc = copy_entry(fd, from, outfd, &off, mb);
					free(mb);
				} else {
					rc = copy_entry(fd, from, outfd, &off, buf);
				}
				if (rc)
					goto done;
				plan.nmoved++;
			}
			mdb_cursor_close(cur);
			cur = NULL;
		}
		if (plan.nmoved) {
			if ((err = mlv_io_fsync(outfd, "pack"))) {
				rc = mlv_error_set_errno(MLV_EIO, -err, "cannot write a new pack");
				goto done;
			}
			fchmod(outfd, 0444);
			mlv__pack_name(newname);
			if ((rc = mlv_buf_printf(&final, "%s/%s", st->packdir, newname)))
				goto done;
			if ((err = mlv_io_rename(tmp.ptr, final.ptr))) {
				rc = mlv_error_set_errno(MLV_EIO, -err, "cannot move a new pack into place");
				goto done;
			}
			mlv_buf_clear(&tmp);
			if ((err = mlv_io_fsync_dir(st->packdir))) {
				rc = mlv_error_set_errno(MLV_EIO, -err, "cannot write to the store");
				goto done;
			}
			plan.newpack = newname;
			out->packs_written = 1;
		}
		close(outfd);
		outfd = -1;
	}
	mdb_txn_abort(g.txn);
	g.txn = NULL;
	if (plan.nold || plan.ndead_objects || plan.ndead_chunks) {
		if ((rc = mlv__index_write(st, gc_txn, &plan)))
			goto done;
	}
	/* Now nothing points into the old packs (nor into packs the index never knew). */
	mlv__pack_fds_close(st);
	for (size_t i = 0; i < pl.n; i++) {
		if (pl.v[i].num != UINT32_MAX && !in_list(plan.old_packs, plan.nold, pl.v[i].num))
			continue;
		char *path = pack_path(st, pl.v[i].name);
		if (path && mlv_io_unlink(path) == 0)
			out->packs_removed++;
		free(path);
	}
	mlv_io_fsync_dir(st->packdir);
	{
		struct packlist after = { 0 };
		if (packs_list(st, NULL, &after) == 0)
			for (size_t i = 0; i < after.n; i++)
				out->bytes_after += after.v[i].size;
		packlist_release(&after);
	}
done:
	if (cur)
		mdb_cursor_close(cur);
	if (g.txn)
		mdb_txn_abort(g.txn);
	if (outfd >= 0)
		close(outfd);
	if (tmp.size)
		unlink(tmp.ptr);
	mlv_buf_release(&tmp);
	mlv_buf_release(&final);
	free(buf);
	free(g.stack);
	mlv__oidmap_release(&g.reach);
	mlv__oidmap_release(&live_chunks);
	free(plan.dead_objects);
	free(plan.dead_chunks);
	free(plan.moved);
	free(plan.old_packs);
	packlist_release(&pl);
	if (locked)
		mlv__unlock(st->lockfd_gc);
	return rc;
}
