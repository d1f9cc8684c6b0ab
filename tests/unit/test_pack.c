/*
 * Pack entries as the reader decodes them: zstd frames are bounded (a frame
 * declaring another size than the entry is refused before decompressing;
 * whatever window a frame declares, one-shot decoding writes only into the
 * chunk-sized output), and chunks verify their id. The same frames are seeds of fuzz/object.
 */
#include <stdint.h>
#include <stdlib.h>
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

int main(void)
{
	test_zstd_bounds();
	return test_done("test_pack");
}
