/*
 * SHA-256 ids through libcrypto's SHA256_Init/Update/Final, which run the
 * same assembly as EVP (the CPU's SHA instructions when present). Not EVP:
 * with OpenSSL 3, EVP_sha256 drags the provider machinery into the binary
 * (about 4 MB when libcrypto is linked statically, see CMakeLists.txt) and
 * initialises it on first use (reading openssl.cnf), which costs every short
 * command a millisecond; the low-level functions are a few KB and need no
 * initialisation. OpenSSL 3 marks them deprecated but keeps them.
 */
#define OPENSSL_SUPPRESS_DEPRECATED
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <openssl/sha.h>
#include "mlv/oid.h"
#include "mlv/error.h"
#include "mlv/io.h"
#include "alloc.h"

struct mlv_hasher {
	SHA256_CTX ctx;
};

char *mlv_oid_fmt(char out[MLV_OID_HEXSZ + 1], const mlv_oid *oid)
{
	static const char hex[] = "0123456789abcdef";
	for (int i = 0; i < MLV_OID_RAWSZ; i++) {
		out[2 * i] = hex[oid->id[i] >> 4];
		out[2 * i + 1] = hex[oid->id[i] & 15];
	}
	out[MLV_OID_HEXSZ] = '\0';
	return out;
}

static int hexval(char c)
{
	if (c >= '0' && c <= '9') return c - '0';
	if (c >= 'a' && c <= 'f') return c - 'a' + 10;
	if (c >= 'A' && c <= 'F') return c - 'A' + 10;
	return -1;
}

int mlv_oid_fromhex(mlv_oid *out, const char *hex)
{
	const char *p = hex;
	if (strncmp(p, "sha256:", 7) == 0)
		p += 7;
	if (strlen(p) != MLV_OID_HEXSZ)
		return mlv_error_set(MLV_EINVALID, "'%s' is not a valid object id (64 hex digits)", hex);
	for (int i = 0; i < MLV_OID_RAWSZ; i++) {
		int hi = hexval(p[2 * i]), lo = hexval(p[2 * i + 1]);
		if (hi < 0 || lo < 0)
			return mlv_error_set(MLV_EINVALID, "'%s' is not a valid object id (64 hex digits)", hex);
		out->id[i] = (unsigned char)(hi << 4 | lo);
	}
	return 0;
}

int mlv_oid_is_hex_prefix(const char *s)
{
	size_t n = strlen(s);
	if (n == 0 || n > MLV_OID_HEXSZ)
		return 0;
	for (size_t i = 0; i < n; i++)
		if (hexval(s[i]) < 0)
			return 0;
	return 1;
}

int mlv_oid_cmp(const mlv_oid *a, const mlv_oid *b) { return memcmp(a->id, b->id, MLV_OID_RAWSZ); }

int mlv_oid_is_zero(const mlv_oid *oid)
{
	for (int i = 0; i < MLV_OID_RAWSZ; i++)
		if (oid->id[i])
			return 0;
	return 1;
}

void mlv_hash_buf(mlv_oid *out, const void *data, size_t len)
{
	SHA256_CTX c;
	SHA256_Init(&c);
	SHA256_Update(&c, data, len);
	SHA256_Final(out->id, &c);
}

int mlv_hasher_new(mlv_hasher **out)
{
	mlv_hasher *h = mlv__calloc(1, sizeof(*h));
	if (!h)
		return mlv_error_set(MLV_ENOMEM, "out of memory");
	SHA256_Init(&h->ctx);
	*out = h;
	return 0;
}

void mlv_hasher_update(mlv_hasher *h, const void *data, size_t len) { SHA256_Update(&h->ctx, data, len); }

void mlv_hasher_final(mlv_hasher *h, mlv_oid *out)
{
	SHA256_Final(out->id, &h->ctx);
	SHA256_Init(&h->ctx);
}

void mlv_hasher_free(mlv_hasher *h)
{
	if (!h)
		return;
	free(h);
}

int mlv_hash_fd(mlv_oid *out, uint64_t *size_out, int fd, const char *what)
{
	enum { BLOCK = 1 << 20 };
	mlv_hasher *h = NULL;
	unsigned char *buf = NULL;
	uint64_t total = 0;
	int rc;
	if ((rc = mlv_hasher_new(&h)))
		return rc;
	if (!(buf = mlv__malloc(BLOCK))) {
		rc = mlv_error_set(MLV_ENOMEM, "out of memory");
		goto done;
	}
	for (;;) {
		ssize_t n = mlv_io_read_full(fd, buf, BLOCK);
		if (n < 0) {
			rc = mlv_error_set_errno(MLV_EIO, (int)-n, "cannot read '%s'", what);
			goto done;
		}
		if (n == 0)
			break;
		mlv_hasher_update(h, buf, (size_t)n);
		total += (uint64_t)n;
	}
	mlv_hasher_final(h, out);
	if (size_out)
		*size_out = total;
done:
	free(buf);
	mlv_hasher_free(h);
	return rc;
}
