/* mlv_buf: the growable byte buffer every string in libmlv is built in. */
#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "mlv/buf.h"
#include "mlv/error.h"
#include "internal.h"
#include "alloc.h"

static char empty_str[1];

int mlv_buf_grow(mlv_buf *b, size_t need)
{
	size_t want, nsize;
	char *p;
	if (b->failed || need > SIZE_MAX - b->size - 1) {
		b->failed = 1;
		return mlv_error_set(MLV_ENOMEM, "out of memory");
	}
	want = b->size + need + 1;
	if (want <= b->asize)
		return 0;
	nsize = b->asize ? b->asize : 64;
	while (nsize < want)
		nsize = nsize < SIZE_MAX / 2 ? nsize * 2 : want;
	p = mlv__realloc(b->ptr, nsize);
	if (!p) {
		b->failed = 1;
		return mlv_error_set(MLV_ENOMEM, "out of memory");
	}
	b->ptr = p;
	b->asize = nsize;
	return 0;
}

int mlv_buf_put(mlv_buf *b, const void *data, size_t len)
{
	int rc = mlv_buf_grow(b, len);
	if (rc)
		return rc;
	if (len)
		memcpy(b->ptr + b->size, data, len);
	b->size += len;
	b->ptr[b->size] = '\0';
	return 0;
}

int mlv_buf_puts(mlv_buf *b, const char *s) { return mlv_buf_put(b, s, strlen(s)); }
int mlv_buf_putc(mlv_buf *b, char c) { return mlv_buf_put(b, &c, 1); }

int mlv_buf_printf(mlv_buf *b, const char *fmt, ...)
{
	va_list ap;
	int n, rc;
	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0)
		return mlv_error_set(MLV_EINVALID, "bad format string");
	if ((rc = mlv_buf_grow(b, (size_t)n)))
		return rc;
	va_start(ap, fmt);
	vsnprintf(b->ptr + b->size, (size_t)n + 1, fmt, ap);
	va_end(ap);
	b->size += (size_t)n;
	return 0;
}

size_t mlv__utf8_len(const unsigned char *p, size_t left)
{
	size_t n;
	uint32_t cp;
	if (p[0] < 0x80)
		return 1;
	if (p[0] >= 0xc2 && p[0] <= 0xdf)
		n = 2, cp = p[0] & 0x1f;
	else if (p[0] >= 0xe0 && p[0] <= 0xef)
		n = 3, cp = p[0] & 0x0f;
	else if (p[0] >= 0xf0 && p[0] <= 0xf4)
		n = 4, cp = p[0] & 0x07;
	else
		return 0;
	if (left < n)
		return 0;
	for (size_t i = 1; i < n; i++) {
		if ((p[i] & 0xc0) != 0x80)
			return 0;
		cp = cp << 6 | (p[i] & 0x3f);
	}
	if ((n == 3 && (cp < 0x800 || (cp >= 0xd800 && cp <= 0xdfff))) || (n == 4 && (cp < 0x10000 || cp > 0x10ffff)))
		return 0;
	return n;
}

int mlv_buf_put_json_string(mlv_buf *b, const char *s, size_t len)
{
	static const char hex[] = "0123456789abcdef";
	int rc = mlv_buf_putc(b, '"');
	for (size_t i = 0; !rc && i < len; i++) {
		unsigned char c = (unsigned char)s[i];
		if (c >= 0x80) {
			size_t n = mlv__utf8_len((const unsigned char *)s + i, len - i);
			if (n) {
				rc = mlv_buf_put(b, s + i, n);
				i += n - 1;
			} else {
				/* not UTF-8: the byte as the code point of the same value (Latin-1), so the output stays JSON */
				char e[6] = { '\\', 'u', '0', '0', hex[c >> 4], hex[c & 15] };
				rc = mlv_buf_put(b, e, 6);
			}
			continue;
		}
		switch (c) {
		case '"': rc = mlv_buf_puts(b, "\\\""); break;
		case '\\': rc = mlv_buf_puts(b, "\\\\"); break;
		case '\n': rc = mlv_buf_puts(b, "\\n"); break;
		case '\r': rc = mlv_buf_puts(b, "\\r"); break;
		case '\t': rc = mlv_buf_puts(b, "\\t"); break;
		default:
			if (c < 0x20) {
				char e[6] = { '\\', 'u', '0', '0', hex[c >> 4], hex[c & 15] };
				rc = mlv_buf_put(b, e, 6);
			} else {
				rc = mlv_buf_putc(b, (char)c);
			}
		}
	}
	return rc ? rc : mlv_buf_putc(b, '"');
}

const char *mlv_buf_cstr(const mlv_buf *b) { return b->ptr ? b->ptr : empty_str; }

char *mlv_buf_detach(mlv_buf *b)
{
	char *p = b->ptr;
	if (!p)
		p = mlv__calloc(1, 1);
	b->ptr = NULL;
	b->size = b->asize = 0;
	b->failed = 0;
	return p;
}

void mlv_buf_clear(mlv_buf *b)
{
	b->size = 0;
	b->failed = 0;
	if (b->ptr)
		b->ptr[0] = '\0';
}

void mlv_buf_release(mlv_buf *b)
{
	free(b->ptr);
	b->ptr = NULL;
	b->size = b->asize = 0;
	b->failed = 0;
}

int mlv_buf_put_json_number(mlv_buf *b, double v)
{
	char tmp[40];
	if (isnan(v))
		return mlv_buf_puts(b, "\"nan\"");
	if (isinf(v))
		return mlv_buf_puts(b, v > 0 ? "\"inf\"" : "\"-inf\"");
	if (v == floor(v) && fabs(v) < 9007199254740992.0)
		return mlv_buf_printf(b, "%lld", (long long)v);
	for (int prec = 1; prec <= 17; prec++) {
		snprintf(tmp, sizeof(tmp), "%.*g", prec, v);
		if (strtod(tmp, NULL) == v)
			break;
	}
	return mlv_buf_puts(b, tmp);
}

void mlv__iso_time(char out[32], int64_t ms)
{
	time_t s = (time_t)(ms / 1000);
	struct tm tm;
	char base[24];
	gmtime_r(&s, &tm);
	strftime(base, sizeof(base), "%Y-%m-%dT%H:%M:%S", &tm);
	snprintf(out, 32, "%s.%03dZ", base, (int)(ms % 1000));
}
