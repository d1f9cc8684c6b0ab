/*
 * Pack entries as the reader decodes them: zstd frames are bounded (a frame
 * declaring another size than the entry is refused before decompressing;
 * whatever window a frame declares, one-shot decoding writes only into the
 * chunk-sized output), and chunks verify their id. The same frames are seeds of fuzz/object.
 * And the writer of large files: what it writes past the page cache, with a
 * thread writing and a thread flushing, put or placed in its buffer by the
 * caller, reads back byte for byte.
 */
#include <fcntl.h>
#include <stdint.h>
#include <stdlib.h>
#include <unistd.h>
#include "internal.h"
#include "harness.h"

/* A one-block zstd frame holding CONTENT raw, with window descriptor WD and a 2-byte size field. */
static size_t frame(unsigned char *out, const unsigned char *content, size_t n, unsigned char wd, size_t declared)
{
	size_t k = 0;
	uint32_t bh = 1u | (uint32_t)(n << 3); /* last block, raw */
	out[k++] = 0x28; out[k++] = 0xb5; out[k++] = 0x2f; out[k++] = 0xfd;
	out[k++] = 0x40; /* 2-byte frame content size, not single segment, no checksum */
	out[k++] = wd;
	out[k++] = (unsigned char)(declared - 256);
	out[k++] = (unsigned char)((declared - 256) >> 8);
	out[k++] = (unsigned char)bh; out[k++] = (unsigned char)(bh >> 8); out[k++] = (unsigned char)(bh >> 16);
	memcpy(out + k, content, n);
	return k + n;
}

static int decode(const unsigned char *payload, size_t stored, const unsigned char *content, size_t n)
{
	struct mlv_entry_hdr h = { MLV_ENTRY_CHUNK, MLV_COMP_ZSTD, (uint32_t)n, (uint32_t)stored, { { 0 } } };
	unsigned char *out = malloc(MLV_CHUNK_MAX);
	int rc;
	mlv_hash_buf(&h.id, content, n);
	rc = mlv__chunk_decode(out, &h, payload);
	if (!rc)
		CHECK(!memcmp(out, content, n));
	free(out);
	return rc;
}

static void test_zstd_bounds(void)
{
	unsigned char content[300], payload[400];
	size_t n;
	for (size_t i = 0; i < sizeof(content); i++)
		content[i] = (unsigned char)(i * 7);
	/* window 2^20: accepted */
	n = frame(payload, content, sizeof(content), 10 << 3, sizeof(content));
	CHECK_OK(decode(payload, n, content, sizeof(content)));
	/*
	 * A frame declaring a 1 GiB window for 300 bytes: one-shot decoding
	 * writes into the output buffer only and allocates no window, so it
	 * decodes (under ASan, a 1 GiB allocation would show as a failure of
	 * fuzz/object's -rss_limit_mb and malloc_limit).
	 */
	n = frame(payload, content, sizeof(content), 20 << 3, sizeof(content));
	CHECK_OK(decode(payload, n, content, sizeof(content)));
	/* a frame declaring another size than the entry: refused before decompressing */
	n = frame(payload, content, sizeof(content), 10 << 3, sizeof(content) + 1);
	CHECK_RC(decode(payload, n, content, sizeof(content)), MLV_ECORRUPT);
	CHECK(strstr(mlv_error_last(), "declares a wrong size") != NULL);
	/* the right frame under another id: refused */
	n = frame(payload, content, sizeof(content), 10 << 3, sizeof(content));
	content[0] ^= 1;
	CHECK_RC(decode(payload, n, content, sizeof(content)), MLV_ECORRUPT);
	CHECK(strstr(mlv_error_last(), "hashes to a different id") != NULL);
}

/* FD (then closed and PATH removed) holds exactly DATA[0..total), synced. */
static void check_written(int fd, const char *path, const unsigned char *data, size_t total)
{
	unsigned char *back = malloc(total);
	CHECK(fsync(fd) == 0);
	close(fd);
	/* read through a descriptor of its own: the writer's may still have O_DIRECT */
	fd = open(path, O_RDONLY);
	CHECK(fd >= 0 && back && pread(fd, back, total, 0) == (ssize_t)total);
	CHECK(!memcmp(data, back, total));
	close(fd);
	unlink(path);
	free(back);
}

/*
 * 80 MiB through a 4 MiB staging buffer, in pieces that are not multiples
 * of the alignment: the file holds exactly those bytes, and when O_DIRECT
 * was taken (a writing thread started), the flushing thread ran meanwhile.
 */
static void test_seqw_direct(void)
{
	const size_t total = 80u << 20, piece = (1u << 20) + 4097;
	unsigned char *data = malloc(total);
	char path[4096];
	struct mlv__seqw s;
	int fd, threaded = 0;
	snprintf(path, sizeof(path), "%s/seqw", test_tmpdir());
	test_random(data, total, 7);
	fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0600);
	CHECK(fd >= 0 && data);
	CHECK_OK(mlv__seqw_init(&s, fd, 4u << 20, "test"));
	/* the first bytes go through the page cache, as a pack's header does */
	CHECK_OK(mlv__seqw_put(&s, data, 100));
	mlv__seqw_direct(&s);
	for (size_t off = 100; off < total; off += piece) {
		CHECK_OK(mlv__seqw_put(&s, data + off, total - off < piece ? total - off : piece));
		threaded |= s.bg != NULL;
	}
	CHECK_OK(mlv__seqw_flush(&s));
	CHECK(s.pos == total);
	if (threaded)
		CHECK(s.bg_syncs >= 1);
	else
		fprintf(stderr, "test_pack: note: %s refused O_DIRECT; only the content was checked\n", path);
	mlv__seqw_release(&s);
	check_written(fd, path, data, total);
	free(data);
}

/*
 * Pieces written in place through slots, three at a time in reverse order,
 * and accounted for in order, through a 1 MiB buffer: a piece that does not
 * fit wholly in the buffer being filled gets no slot and is put instead.
 * The file holds exactly the data; a slot is refused for bytes already put
 * and for bytes past the buffer.
 */
static void test_seqw_slots(void)
{
	const size_t total = 8u << 20, piece = 70001, cap = 1u << 20;
	unsigned char *data = malloc(total), *slot[3];
	char path[4096];
	struct mlv__seqw s;
	int fd, slotted = 0, put = 0;
	snprintf(path, sizeof(path), "%s/seqw-slots", test_tmpdir());
	test_random(data, total, 11);
	fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0600);
	CHECK(fd >= 0 && data);
	CHECK_OK(mlv__seqw_init(&s, fd, cap, "test"));
	mlv__seqw_direct(&s);
	for (size_t off = 0; off < total; off += 3 * piece) {
		size_t len[3];
		for (int k = 2; k >= 0; k--) {
			size_t at = off + (size_t)k * piece;
			len[k] = at >= total ? 0 : total - at < piece ? total - at : piece;
			slot[k] = len[k] ? mlv__seqw_slot(&s, at, len[k]) : NULL;
			if (slot[k])
				memcpy(slot[k], data + at, len[k]);
		}
		for (int k = 0; k < 3 && len[k]; k++) {
			if (slot[k]) {
				CHECK_OK(mlv__seqw_advance(&s, len[k]));
				slotted++;
			} else {
				CHECK_OK(mlv__seqw_put(&s, data + off + (size_t)k * piece, len[k]));
				put++;
			}
		}
		CHECK(s.put == (off + 3 * piece < total ? off + 3 * piece : total));
		CHECK(mlv__seqw_slot(&s, s.put - 1, 1) == NULL);
		CHECK(mlv__seqw_slot(&s, s.put - s.len + cap, 1) == NULL);
	}
	CHECK(slotted > 2 * put && put > 0);
	CHECK_OK(mlv__seqw_flush(&s));
	CHECK(s.pos == total);
	mlv__seqw_release(&s);
	check_written(fd, path, data, total);
	free(data);
}

int main(void)
{
	test_zstd_bounds();
	test_seqw_direct();
	test_seqw_slots();
	return test_done("test_pack");
}
