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
#include "internal.h"

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
