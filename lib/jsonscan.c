/* Members of a JSON text without a tree (see include/mlv/jsonscan.h). */
#include <string.h>
#include "mlv/jsonscan.h"

static const char *ws(const char *p, const char *end)
{
	while (p < end && (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r'))
		p++;
	return p;
}

/* Past the string whose opening quote is at P, or NULL. */
static const char *skip_string(const char *p, const char *end)
{
	/* the common case: no escape before the closing quote */
	const char *q = memchr(p + 1, '"', (size_t)(end - p - 1));
	if (q && !memchr(p + 1, '\\', (size_t)(q - p - 1))) {
		for (const char *c = p + 1; c < q; c++)
			if ((unsigned char)*c < 0x20)
				return NULL;
		return q + 1;
	}
	for (p++; p < end; p++) {
		unsigned char c = (unsigned char)*p;
		if (c == '"')
			return p + 1;
		if (c == '\\' && ++p >= end)
			return NULL;
		if (c < 0x20)
			return NULL;
	}
	return NULL;
}

const char *mlv_json_skip(const char *p, const char *end)
{
	int depth = 0;
	p = ws(p, end);
	do {
		if (p >= end)
			return NULL;
		switch (*p) {
		case '"':
			if (!(p = skip_string(p, end)))
				return NULL;
			break;
		case '{':
		case '[':
			depth++;
			p++;
			break;
		case '}':
		case ']':
			if (depth-- == 0)
				return NULL;
			p++;
			break;
		case ',':
		case ':':
			if (depth == 0)
				return NULL;
			p++;
			break;
		case ' ': case '\t': case '\n': case '\r':
			p = ws(p, end);
			break;
		default: {
			/* a number or a literal: the characters that may form one */
			const char *s = p;
			while (p < end && ((*p >= '0' && *p <= '9') || (*p >= 'a' && *p <= 'z') || *p == '.' || *p == '-' ||
					   *p == '+' || *p == 'E'))
				p++;
			if (p == s)
				return NULL;
		}
		}
	} while (depth > 0);
	return p;
}

static int hex4(const char *p, const char *end, unsigned *out)
{
	unsigned v = 0;
	if (end - p < 4)
		return -1;
	for (int i = 0; i < 4; i++) {
		char c = p[i];
		v <<= 4;
		if (c >= '0' && c <= '9') v |= (unsigned)(c - '0');
		else if (c >= 'a' && c <= 'f') v |= (unsigned)(c - 'a' + 10);
		else if (c >= 'A' && c <= 'F') v |= (unsigned)(c - 'A' + 10);
		else return -1;
	}
	*out = v;
	return 0;
}

static int put_utf8(mlv_buf *out, unsigned cp)
{
	char u[4];
	size_t n;
	if (cp < 0x80) {
		u[0] = (char)cp;
		n = 1;
	} else if (cp < 0x800) {
		u[0] = (char)(0xc0 | cp >> 6);
		u[1] = (char)(0x80 | (cp & 0x3f));
		n = 2;
	} else if (cp < 0x10000) {
		u[0] = (char)(0xe0 | cp >> 12);
		u[1] = (char)(0x80 | ((cp >> 6) & 0x3f));
		u[2] = (char)(0x80 | (cp & 0x3f));
		n = 3;
	} else {
		u[0] = (char)(0xf0 | cp >> 18);
		u[1] = (char)(0x80 | ((cp >> 12) & 0x3f));
		u[2] = (char)(0x80 | ((cp >> 6) & 0x3f));
		u[3] = (char)(0x80 | (cp & 0x3f));
		n = 4;
	}
	return mlv_buf_put(out, u, n);
}

int mlv_json_string(const char *v, size_t len, mlv_buf *out)
{
	const char *p = v, *end = v + len;
	mlv_buf_clear(out);
	if (len < 2 || *p != '"' || end[-1] != '"')
		return -1;
	end--;
	for (p++; p < end; p++) {
		const char *run = p;
		while (p < end && *p != '\\')
			p++;
		if (p > run && mlv_buf_put(out, run, (size_t)(p - run)))
			return -1;
		if (p >= end)
			break;
		if (++p >= end)
			return -1;
		switch (*p) {
		case 'b': if (mlv_buf_putc(out, '\b')) return -1; break;
		case 'f': if (mlv_buf_putc(out, '\f')) return -1; break;
		case 'n': if (mlv_buf_putc(out, '\n')) return -1; break;
		case 'r': if (mlv_buf_putc(out, '\r')) return -1; break;
		case 't': if (mlv_buf_putc(out, '\t')) return -1; break;
		case 'u': {
			unsigned cp, lo;
			if (hex4(p + 1, end, &cp))
				return -1;
			p += 4;
			if (cp >= 0xd800 && cp < 0xdc00 && end - p > 6 && p[1] == '\\' && p[2] == 'u' &&
			    !hex4(p + 3, end, &lo) && lo >= 0xdc00 && lo < 0xe000) {
				cp = 0x10000 + ((cp - 0xd800) << 10) + (lo - 0xdc00);
				p += 6;
			}
			if (put_utf8(out, cp))
				return -1;
			break;
		}
		default:
			if (mlv_buf_putc(out, *p))
				return -1;
		}
	}
	return mlv_buf_putc(out, '\0') ? -1 : (out->size--, 0);
}

/* Does the raw member name N[0..nlen) (quotes excluded) decode to KEY? */
static int name_is(const char *n, size_t nlen, const char *key, size_t klen)
{
	if (!memchr(n, '\\', nlen))
		return nlen == klen && !memcmp(n, key, klen);
	{
		mlv_buf d = MLV_BUF_INIT;
		int eq = !mlv_json_string(n - 1, nlen + 2, &d) && d.size == klen && !memcmp(d.ptr, key, klen);
		mlv_buf_release(&d);
		return eq;
	}
}

int mlv_json_find(const char *obj, size_t len, const char *key, size_t klen, const char **val, size_t *vlen)
{
	const char *end = obj + len, *p = ws(obj, end);
	if (p >= end || *p != '{')
		return 0;
	p = ws(p + 1, end);
	if (p < end && *p == '}')
		return 0;
	while (p < end && *p == '"') {
		const char *n = p + 1, *ne = skip_string(p, end), *v, *ve;
		if (!ne)
			return 0;
		p = ws(ne, end);
		if (p >= end || *p != ':')
			return 0;
		v = ws(p + 1, end);
		if (!(ve = mlv_json_skip(v, end)))
			return 0;
		if (name_is(n, (size_t)(ne - 1 - n), key, klen)) {
			*val = v;
			*vlen = (size_t)(ve - v);
			return 1;
		}
		p = ws(ve, end);
		if (p >= end || *p != ',')
			return 0;
		p = ws(p + 1, end);
	}
	return 0;
}
