/* A growable byte buffer, the one string type of libmlv. */
#ifndef MLV_BUF_H
#define MLV_BUF_H

#include <stddef.h>

/*
 * ptr is always NUL-terminated when size > 0 or after any mlv_buf_* call, so
 * it can be used as a C string; it may hold NUL bytes of its own too.
 * Initialise with MLV_BUF_INIT; release with mlv_buf_release.
 *
 * Failure is sticky: once an append ran out of memory, every later append
 * fails too (and FAILED stays set) until mlv_buf_clear or mlv_buf_release,
 * so text built by a series of unchecked appends is never silently missing
 * a piece in the middle: check FAILED (or the last append) once at the end.
 */
typedef struct mlv_buf {
	char *ptr;
	size_t size;  /* bytes used, not counting the terminating NUL */
	size_t asize; /* bytes allocated */
	int failed;   /* an append ran out of memory */
} mlv_buf;

#define MLV_BUF_INIT { NULL, 0, 0, 0 }

/* Make room for at least NEED more bytes. Returns 0 or MLV_ENOMEM. */
int mlv_buf_grow(mlv_buf *b, size_t need);
int mlv_buf_put(mlv_buf *b, const void *data, size_t len);
int mlv_buf_puts(mlv_buf *b, const char *s);
int mlv_buf_putc(mlv_buf *b, char c);
int mlv_buf_printf(mlv_buf *b, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/*
 * Append S (LEN bytes) as a JSON string literal, quotes included. Bytes
 * that are not part of valid UTF-8 are written as \u0080-\u00ff (the code
 * point of the same value), so the output is always valid JSON.
 */
int mlv_buf_put_json_string(mlv_buf *b, const char *s, size_t len);
/*
 * Append V as a JSON number: integers below 2^53 as integers, else the
 * shortest text that reads back as V; NaN and infinities, which JSON
 * cannot hold, as the strings "nan", "inf", "-inf" (how run records and
 * model versions store them).
 */
int mlv_buf_put_json_number(mlv_buf *b, double v);
/* The contents as a C string: "" for an empty buffer, never NULL. */
const char *mlv_buf_cstr(const mlv_buf *b);
/* Take ownership of the contents (caller frees with free()); resets B. */
char *mlv_buf_detach(mlv_buf *b);
void mlv_buf_clear(mlv_buf *b);
void mlv_buf_release(mlv_buf *b);

#endif
