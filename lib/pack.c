/*
 * Pack files: "MLVPACK1", a version and reserved bytes, then entries. Each
 * entry is a 48-byte header (kind, compression, lengths, a header checksum,
 * id) and its payload: a chunk (zstd or raw) or an object's manifest.
 * Packs are written once, then only read (gc writes new ones).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <zstd.h>
#include "internal.h"
#include "alloc.h"

static uint32_t hdr_check(const unsigned char *p)
{
	/* FNV-1a over everything but the check field itself. */
	uint32_t h = 2166136261u;
	for (int i = 0; i < MLV_ENTRY_HDRSZ; i++) {
		if (i >= 12 && i < 16)
			continue;
		h = (h ^ p[i]) * 16777619u;
	}
	return h;
}

void mlv__entry_hdr_encode(unsigned char out[MLV_ENTRY_HDRSZ], const struct mlv_entry_hdr *h)
{
	memset(out, 0, MLV_ENTRY_HDRSZ);
	out[0] = h->kind;
	out[1] = h->comp;
	mlv__put_u32(out + 4, h->raw_len);
	mlv__put_u32(out + 8, h->stored_len);
	memcpy(out + 16, h->id.id, MLV_OID_RAWSZ);
	mlv__put_u32(out + 12, hdr_check(out));
}

int mlv__entry_hdr_decode(struct mlv_entry_hdr *h, const unsigned char in[MLV_ENTRY_HDRSZ])
{
	if (mlv__get_u32(in + 12) != hdr_check(in))
		return mlv_error_set(MLV_ECORRUPT, "pack entry header checksum mismatch");
	h->kind = in[0];
	h->comp = in[1];
	h->raw_len = mlv__get_u32(in + 4);
	h->stored_len = mlv__get_u32(in + 8);
	memcpy(h->id.id, in + 16, MLV_OID_RAWSZ);
	if (in[2] || in[3])
		return mlv_error_set(MLV_ECORRUPT, "pack entry header has unknown flags");
	if (h->kind == MLV_ENTRY_CHUNK) {
		if (h->comp > MLV_COMP_ZSTD || h->raw_len == 0 || h->raw_len > MLV_CHUNK_MAX ||
		    h->stored_len == 0 || h->stored_len > ZSTD_compressBound(MLV_CHUNK_MAX) ||
		    (h->comp == MLV_COMP_RAW && h->stored_len != h->raw_len))
			return mlv_error_set(MLV_ECORRUPT, "pack entry of a chunk has impossible lengths");
	} else if (h->kind == MLV_ENTRY_MANIFEST) {
		if (h->comp != MLV_COMP_RAW || h->stored_len != h->raw_len || h->stored_len < 56 ||
		    (h->stored_len - 56) % MLV_OID_RAWSZ)
			return mlv_error_set(MLV_ECORRUPT, "pack entry of a manifest has impossible lengths");
	} else {
		return mlv_error_set(MLV_ECORRUPT, "pack entry of unknown kind %u", h->kind);
	}
	return 0;
}

int mlv__manifest_encode(mlv_buf *out, const struct mlv_manifest *m)
{
	unsigned char head[24] = { 0 };
	mlv_oid sum;
	size_t start = out->size;
	int rc;
	head[0] = (unsigned char)m->type;
	mlv__put_u64(head + 8, m->size);
	mlv__put_u32(head + 16, m->nchunks);
	if ((rc = mlv_buf_put(out, head, sizeof(head))) ||
	    (rc = mlv_buf_put(out, m->chunks, (size_t)m->nchunks * MLV_OID_RAWSZ)))
		return rc;
	mlv_hash_buf(&sum, out->ptr + start, out->size - start);
	return mlv_buf_put(out, sum.id, MLV_OID_RAWSZ);
}

int mlv__manifest_decode(struct mlv_manifest *m, const unsigned char *p, size_t len)
{
	mlv_oid sum;
	uint32_t n;
	memset(m, 0, sizeof(*m));
	if (len < 56)
		return mlv_error_set(MLV_ECORRUPT, "manifest is truncated");
	n = mlv__get_u32(p + 16);
	if ((size_t)n * MLV_OID_RAWSZ != len - 56)
		return mlv_error_set(MLV_ECORRUPT, "manifest chunk count disagrees with its length");
	mlv_hash_buf(&sum, p, len - MLV_OID_RAWSZ);
	if (memcmp(sum.id, p + len - MLV_OID_RAWSZ, MLV_OID_RAWSZ))
		return mlv_error_set(MLV_ECORRUPT, "manifest checksum mismatch");
	if (p[0] < MLV_OBJ_BLOB || p[0] > MLV_OBJ_JSON)
		return mlv_error_set(MLV_ECORRUPT, "manifest has unknown object type %u", p[0]);
	m->type = (mlv_objtype)p[0];
	m->size = mlv__get_u64(p + 8);
	m->nchunks = n;
	if (n && !(m->chunks = mlv__malloc((size_t)n * sizeof(mlv_oid))))
		return mlv_error_set(MLV_ENOMEM, "out of memory");
	if (n)
		memcpy(m->chunks, p + 24, (size_t)n * MLV_OID_RAWSZ);
	return 0;
}

void mlv__manifest_release(struct mlv_manifest *m)
{
	free(m->chunks);
	m->chunks = NULL;
	m->nchunks = 0;
}

int mlv__chunk_decode(unsigned char *out, const struct mlv_entry_hdr *h, const unsigned char *payload)
{
	return mlv__chunk_decode_with(NULL, out, h, payload);
}

int mlv__chunk_decode_with(ZSTD_DCtx *dctx_in, unsigned char *out, const struct mlv_entry_hdr *h, const unsigned char *payload)
{
	return mlv__chunk_decode_v(dctx_in, out, h, payload, 1);
}

int mlv__chunk_decode_v(ZSTD_DCtx *dctx_in, unsigned char *out, const struct mlv_entry_hdr *h, const unsigned char *payload,
	int verify)
{
	mlv_oid got;
	char hex[MLV_OID_HEXSZ + 1];
	if (h->comp == MLV_COMP_RAW) {
		memcpy(out, payload, h->raw_len);
	} else {
		/*
		 * Bounded: the output buffer is the declared size (at most
		 * MLV_CHUNK_MAX) and the frame must declare exactly that size.
		 * One-shot decoding uses that buffer as its window, so whatever
		 * window a hostile frame declares, nothing more is allocated or
		 * written (the context's window limit bounds streaming use).
		 */
		static _Thread_local ZSTD_DCtx *tls_dctx; /* for the calling thread; pool threads pass their own */
		ZSTD_DCtx *dctx = dctx_in;
		unsigned long long fsz = ZSTD_getFrameContentSize(payload, h->stored_len);
		size_t n;
		if (fsz != h->raw_len)
			return mlv_error_set(MLV_ECORRUPT, "chunk %s: compressed frame declares a wrong size",
				mlv_oid_fmt(hex, &h->id));
		if (!dctx) {
			if (!tls_dctx && !(tls_dctx = mlv__dctx_new()))
				return mlv_error_set(MLV_ENOMEM, "out of memory");
			dctx = tls_dctx;
		}
		n = ZSTD_decompressDCtx(dctx, out, h->raw_len, payload, h->stored_len);
		if (ZSTD_isError(n) || n != h->raw_len)
			return mlv_error_set(MLV_ECORRUPT, "chunk %s does not decompress: %s", mlv_oid_fmt(hex, &h->id),
				ZSTD_isError(n) ? ZSTD_getErrorName(n) : "wrong size");
	}
	if (!verify)
		return 0;
	mlv_hash_buf(&got, out, h->raw_len);
	if (mlv_oid_cmp(&got, &h->id))
		return mlv_error_set(MLV_ECORRUPT, "chunk %s is corrupt: its content hashes to a different id",
			mlv_oid_fmt(hex, &h->id));
	return 0;
}

ZSTD_DCtx *mlv__dctx_new(void)
{
	ZSTD_DCtx *d = ZSTD_createDCtx();
	/* Bounded: a frame may not ask for a window beyond 1 MiB (chunks are at most MLV_CHUNK_MAX). */
	if (d)
		ZSTD_DCtx_setParameter(d, ZSTD_d_windowLogMax, 20);
	return d;
}

int mlv__chunk_locate(mlv_store *st, MDB_txn *txn, const mlv_oid *id, struct mlv_chunk_loc *loc, int *fd)
{
	char hex[MLV_OID_HEXSZ + 1];
	int rc = mlv__index_get_chunk(txn, &st->ix, id, loc);
	if (rc == MLV_ENOTFOUND)
		return mlv_error_set(MLV_ECORRUPT, "chunk %s is missing from the store", mlv_oid_fmt(hex, id));
	if (rc)
		return rc;
	return mlv__pack_fd(st, txn, loc->pack, fd);
}

int mlv__chunk_read(mlv_store *st, MDB_txn *txn, const mlv_oid *id, unsigned char *out,
	uint32_t *len_out, unsigned char *scratch)
{
	struct mlv_chunk_loc loc;
	int fd, rc;
	if ((rc = mlv__chunk_locate(st, txn, id, &loc, &fd)))
		return rc;
	return mlv__chunk_read_at(NULL, fd, &loc, id, out, len_out, scratch);
}

int mlv__chunk_read_at(ZSTD_DCtx *dctx, int fd, const struct mlv_chunk_loc *locp, const mlv_oid *id,
	unsigned char *out, uint32_t *len_out, unsigned char *scratch)
{
	return mlv__chunk_read_at_v(dctx, fd, locp, id, out, len_out, scratch, 1);
}

int mlv__chunk_read_at_v(ZSTD_DCtx *dctx, int fd, const struct mlv_chunk_loc *locp, const mlv_oid *id,
	unsigned char *out, uint32_t *len_out, unsigned char *scratch, int verify)
{
	struct mlv_chunk_loc loc = *locp;
	struct mlv_entry_hdr h;
	char hex[MLV_OID_HEXSZ + 1];
	unsigned char hdr[MLV_ENTRY_HDRSZ];
	int rc;
	ssize_t n;
	if (loc.stored_len > ZSTD_compressBound(MLV_CHUNK_MAX))
		return mlv_error_set(MLV_ECORRUPT, "chunk %s: index entry has an impossible size", mlv_oid_fmt(hex, id));
	n = mlv_io_pread_full(fd, hdr, MLV_ENTRY_HDRSZ, (off_t)loc.offset);
	if (n != MLV_ENTRY_HDRSZ)
		goto trunc;
	if ((rc = mlv__entry_hdr_decode(&h, hdr)))
		return mlv_error_set(MLV_ECORRUPT, "chunk %s: %s", mlv_oid_fmt(hex, id), mlv_error_last());
	if (h.kind != MLV_ENTRY_CHUNK || mlv_oid_cmp(&h.id, id) || h.stored_len != loc.stored_len ||
	    h.raw_len != loc.raw_len)
		return mlv_error_set(MLV_ECORRUPT, "chunk %s: the pack entry does not match the index", mlv_oid_fmt(hex, id));
	n = mlv_io_pread_full(fd, scratch, h.stored_len, (off_t)(loc.offset + MLV_ENTRY_HDRSZ));
	if (n < 0)
		return mlv_error_set_errno(MLV_EIO, (int)-n, "cannot read chunk %s", mlv_oid_fmt(hex, id));
	if ((size_t)n != h.stored_len)
		goto trunc;
	if ((rc = mlv__chunk_decode_v(dctx, out, &h, scratch, verify)))
		return rc;
	*len_out = h.raw_len;
	return 0;
trunc:
	return mlv_error_set(MLV_ECORRUPT, "chunk %s: its pack is truncated", mlv_oid_fmt(hex, id));
}

int mlv__manifest_read(mlv_store *st, MDB_txn *txn, const mlv_oid *oid,
	const struct mlv_object_rec *rec, struct mlv_manifest *m)
{
	unsigned char hdr[MLV_ENTRY_HDRSZ], *buf = NULL;
	struct mlv_entry_hdr h;
	char hex[MLV_OID_HEXSZ + 1];
	int fd, rc;
	ssize_t n;
	if ((rc = mlv__pack_fd(st, txn, rec->pack, &fd)))
		return rc;
	n = mlv_io_pread_full(fd, hdr, MLV_ENTRY_HDRSZ, (off_t)rec->offset);
	if (n != MLV_ENTRY_HDRSZ)
		return mlv_error_set(MLV_ECORRUPT, "object %s: its pack is truncated", mlv_oid_fmt(hex, oid));
	if ((rc = mlv__entry_hdr_decode(&h, hdr)))
		return mlv_error_set(MLV_ECORRUPT, "object %s: %s", mlv_oid_fmt(hex, oid), mlv_error_last());
	if (h.kind != MLV_ENTRY_MANIFEST || mlv_oid_cmp(&h.id, oid) ||
	    (size_t)h.stored_len != 56 + (size_t)rec->nchunks * MLV_OID_RAWSZ)
		return mlv_error_set(MLV_ECORRUPT, "object %s: the pack entry does not match the index", mlv_oid_fmt(hex, oid));
	if (!(buf = mlv__malloc(h.stored_len)))
		return mlv_error_set(MLV_ENOMEM, "out of memory");
	n = mlv_io_pread_full(fd, buf, h.stored_len, (off_t)(rec->offset + MLV_ENTRY_HDRSZ));
	if (n != (ssize_t)h.stored_len) {
		rc = mlv_error_set(MLV_ECORRUPT, "object %s: its pack is truncated", mlv_oid_fmt(hex, oid));
	} else if ((rc = mlv__manifest_decode(m, buf, h.stored_len))) {
		if (rc != MLV_ENOMEM) /* out of memory says nothing of the object */
			rc = mlv_error_set(MLV_ECORRUPT, "object %s: %s", mlv_oid_fmt(hex, oid), mlv_error_last());
	} else if (m->size != rec->size || !(rec->types & (1u << m->type))) {
		mlv__manifest_release(m);
		rc = mlv_error_set(MLV_ECORRUPT, "object %s: the manifest does not match the index", mlv_oid_fmt(hex, oid));
	}
	free(buf);
	return rc;
}
