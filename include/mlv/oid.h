/* Object ids: SHA-256 digests, their hex forms and streaming hashing. */
#ifndef MLV_OID_H
#define MLV_OID_H

#include <stddef.h>
#include <stdint.h>

#define MLV_OID_RAWSZ 32
#define MLV_OID_HEXSZ 64
#define MLV_OID_MINPREFIX 4 /* shortest prefix accepted when resolving ids */

typedef struct mlv_oid {
	unsigned char id[MLV_OID_RAWSZ];
} mlv_oid;

/* Write the 64 lower-case hex digits and a NUL into OUT. Returns OUT. */
char *mlv_oid_fmt(char out[MLV_OID_HEXSZ + 1], const mlv_oid *oid);

/*
 * Parse exactly 64 hex digits (either case), optionally preceded by
 * "sha256:". Returns 0 or MLV_EINVALID (error message names the input).
 */
int mlv_oid_fromhex(mlv_oid *out, const char *hex);

/* 1 when S is a hex string of 1..64 digits (a candidate prefix). */
int mlv_oid_is_hex_prefix(const char *s);

int mlv_oid_cmp(const mlv_oid *a, const mlv_oid *b);
int mlv_oid_is_zero(const mlv_oid *oid);

/* SHA-256 of LEN bytes at DATA (libcrypto EVP: uses the CPU's SHA instructions). */
void mlv_hash_buf(mlv_oid *out, const void *data, size_t len);

/* Streaming SHA-256. */
typedef struct mlv_hasher mlv_hasher;
int mlv_hasher_new(mlv_hasher **out);
void mlv_hasher_update(mlv_hasher *h, const void *data, size_t len);
/* Finish into OUT and reset H so it can hash again. */
void mlv_hasher_final(mlv_hasher *h, mlv_oid *out);
void mlv_hasher_free(mlv_hasher *h);

/*
 * SHA-256 of everything readable from FD (from its current position), read
 * in large blocks. Returns 0, or MLV_EIO naming WHAT (a path, for messages).
 */
int mlv_hash_fd(mlv_oid *out, uint64_t *size_out, int fd, const char *what);

#endif
