/*
 * The object reader on arbitrary bytes taken as a pack: "MLVPACK1" and a
 * version, then entries (48-byte header, payload). Each entry goes through
 * the verified reader as a stored chunk would (mlv__chunk_read_at: header
 * decoding, bounded zstd decompression into a chunk-sized buffer, id check)
 * or a manifest (mlv__manifest_decode).
 *
 * A fuzzer cannot forge checksums, so unless the input's first byte has
 * bit 0 set the target repairs them before reading (the header checksum,
 * the manifest's SHA-256), and for a chunk that decompressed but whose id
 * differs it reads again with the id of what came out: that read must
 * succeed with the same bytes. Frames that declare a size other than the
 * header's, that need a window over the limit, or that would write past
 * MLV_CHUNK_MAX must be refused as corrupt.
 */
#include <unistd.h>
#include <zstd.h>
#include "internal.h"
#include "fuzz.h"

static unsigned char *out, *scratch, *out2;

static void read_chunk(int fd, uint64_t off, const unsigned char *hdr, size_t avail, int repair)
{
	struct mlv_chunk_loc loc;
	mlv_oid id;
	uint32_t len = 0;
	int rc;
	memset(&loc, 0, sizeof(loc));
	loc.offset = off;
	loc.stored_len = mlv__get_u32(hdr + 8);
	loc.raw_len = mlv__get_u32(hdr + 4);
	loc.comp = hdr[1];
	memcpy(id.id, hdr + 16, MLV_OID_RAWSZ);
	rc = mlv__chunk_read_at(NULL, fd, &loc, &id, out, &len, scratch);
	if (rc == 0) {
		FUZZ_ASSERT(len == loc.raw_len && len <= MLV_CHUNK_MAX);
		mlv_oid got;
		mlv_hash_buf(&got, out, len);
		FUZZ_ASSERT(!mlv_oid_cmp(&got, &id));
		return;
	}
	FUZZ_ASSERT(rc == MLV_ECORRUPT || rc == MLV_ENOMEM || rc == MLV_EIO);
	if (!repair || !strstr(mlv_error_last(), "hashes to a different id"))
		return;
	/* It decompressed to raw_len bytes: read again under their id, by a fresh header. */
	struct mlv_entry_hdr h;
	unsigned char fixed[MLV_ENTRY_HDRSZ];
	FUZZ_ASSERT(mlv__entry_hdr_decode(&h, hdr) == 0);
	mlv_hash_buf(&h.id, out, h.raw_len);
	mlv__entry_hdr_encode(fixed, &h);
	size_t total = MLV_ENTRY_HDRSZ + h.stored_len;
	FUZZ_ASSERT(total <= avail);
	unsigned char *copy = malloc(total);
	if (!copy)
		return;
	memcpy(copy, fixed, MLV_ENTRY_HDRSZ);
	FUZZ_ASSERT(pread(fd, copy + MLV_ENTRY_HDRSZ, h.stored_len, (off_t)(off + MLV_ENTRY_HDRSZ)) ==
		(ssize_t)h.stored_len);
	int fd2 = fuzz_memfd(copy, total);
	free(copy);
	if (fd2 < 0)
		return;
	memcpy(out2, out, h.raw_len);
	loc.offset = 0;
	rc = mlv__chunk_read_at(NULL, fd2, &loc, &h.id, out, &len, scratch);
	close(fd2);
	FUZZ_ASSERT(rc == 0 && len == h.raw_len && !memcmp(out, out2, len));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	int repair, fd;
	size_t off = MLV_PACK_HDRSZ;
	unsigned char *pack;
	if (!out) {
		out = malloc(MLV_CHUNK_MAX);
		out2 = malloc(MLV_CHUNK_MAX);
		scratch = malloc(ZSTD_compressBound(MLV_CHUNK_MAX));
		FUZZ_ASSERT(out && out2 && scratch);
	}
	if (size < 1)
		return 0;
	repair = !(data[0] & 1);
	/* The pack: the fixed header, then the input's bytes (so the fuzzer need not find the magic). */
	if (!(pack = malloc(MLV_PACK_HDRSZ + size - 1)))
		return 0;
	memset(pack, 0, MLV_PACK_HDRSZ);
	memcpy(pack, MLV_PACK_MAGIC, 8);
	mlv__put_u32(pack + 8, 1);
	memcpy(pack + MLV_PACK_HDRSZ, data + 1, size - 1);
	size += MLV_PACK_HDRSZ - 1;
	while (off + MLV_ENTRY_HDRSZ <= size) {
		unsigned char *hdr = pack + off;
		struct mlv_entry_hdr h;
		if (repair) {
			struct mlv_entry_hdr raw;
			raw.kind = hdr[0];
			raw.comp = hdr[1];
			raw.raw_len = mlv__get_u32(hdr + 4);
			raw.stored_len = mlv__get_u32(hdr + 8);
			memcpy(raw.id.id, hdr + 16, MLV_OID_RAWSZ);
			mlv__entry_hdr_encode(hdr, &raw); /* a valid checksum; unknown flags are cleared */
		}
		if (mlv__entry_hdr_decode(&h, hdr) != 0) {
			FUZZ_ASSERT(mlv_error_code() == MLV_ECORRUPT);
			break;
		}
		if (off + MLV_ENTRY_HDRSZ + h.stored_len > size)
			break; /* truncated: a pack walk stops here */
		if (h.kind == MLV_ENTRY_MANIFEST) {
			struct mlv_manifest m;
			unsigned char *p = hdr + MLV_ENTRY_HDRSZ;
			if (repair && h.stored_len >= 56) {
				mlv_oid sum;
				mlv_hash_buf(&sum, p, h.stored_len - MLV_OID_RAWSZ);
				memcpy(p + h.stored_len - MLV_OID_RAWSZ, sum.id, MLV_OID_RAWSZ);
			}
			int rc = mlv__manifest_decode(&m, p, h.stored_len);
			if (rc == 0) {
				FUZZ_ASSERT(m.type >= MLV_OBJ_BLOB && m.type <= MLV_OBJ_JSON);
				FUZZ_ASSERT((size_t)m.nchunks * MLV_OID_RAWSZ + 56 == h.stored_len);
				mlv_buf enc = MLV_BUF_INIT;
				FUZZ_ASSERT(mlv__manifest_encode(&enc, &m) == 0);
				/* the encoding is canonical when the reserved bytes were zero */
				static const unsigned char zero[7];
				if (!memcmp(p + 1, zero, 7) && !memcmp(p + 20, zero, 4))
					FUZZ_ASSERT(enc.size == h.stored_len && !memcmp(enc.ptr, p, enc.size));
				mlv_buf_release(&enc);
				mlv__manifest_release(&m);
			} else {
				FUZZ_ASSERT(rc == MLV_ECORRUPT || rc == MLV_ENOMEM);
			}
		} else {
			fd = fuzz_memfd(pack, size);
			if (fd < 0)
				break;
			read_chunk(fd, off, hdr, size - off, repair);
			close(fd);
		}
		off += MLV_ENTRY_HDRSZ + h.stored_len;
	}
	free(pack);
	return 0;
}
