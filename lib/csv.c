/*
 * The streaming CSV/TSV and JSON Lines reader (see mlv/csv.h for what it
 * accepts). Rows are parsed in place in a block buffer; a row that does not
 * fit is re-parsed after the buffer has been refilled (and doubled when the
 * row fills it), so work stays linear even for huge fields.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>
#include "mlv/cjson.h"
#ifdef __SSE2__
#include <emmintrin.h>
#define CSV_WINDOW 1
#endif
#include "mlv/buf.h"
#include "mlv/csv.h"
#include "mlv/error.h"
#include "alloc.h"

struct mlv_csv {
	int fd;
	int own_fd;
	char *name;
	int format;
	char delim;
	unsigned flags;
	size_t block, max_field, max_row;

	char *buf;          /* [0, len) holds read bytes; parsing is at pos */
	size_t cap, len, pos;
	int eof;
	int failed;         /* sticky error code */

	unsigned long line;     /* line number of the byte at pos */
	const char *wb;         /* delimited: a 64-byte window of buf (NULL: none) */
	uint64_t wm;            /* bit i: wb[i] is the delimiter or '\n' */
	int ascii;              /* buf[0, len) holds no byte >= 0x80 */
	unsigned long row_line; /* line where the last returned row started */

	mlv_csv_field *fields;
	size_t nfields, fcap;
	unsigned char *esc_bits; /* quoted fields of the current row that hold '""' */
	size_t esc_nbytes;
	size_t ncols;
	mlv_csv_field *header;
	char *header_mem;

	/* JSON Lines */
	mlv_buf arena;
	size_t *offs;          /* per column: offset in arena, or SIZE_MAX */
	unsigned char *seen;   /* per column: key seen in this object */
};

enum { NEED_MORE = 2 };

/* ---- missing values ---- */

int mlv_csv_is_missing(const char *s, size_t len)
{
	static const struct { const char *s; size_t len; } spellings[] = {
		{ "NA", 2 }, { "N/A", 3 }, { "n/a", 3 }, { "NaN", 3 }, { "nan", 3 }, { "-NaN", 4 },
		{ "-nan", 4 }, { "null", 4 }, { "NULL", 4 }, { "None", 4 }, { "<NA>", 4 }, { "#N/A", 4 },
		{ "#N/A N/A", 8 }, { "#NA", 3 }, { "-1.#IND", 7 }, { "-1.#QNAN", 8 }, { "1.#IND", 6 },
		{ "1.#QNAN", 7 }
	};
	const char *t = s;
	size_t n = len;
	if (len == 0)
		return 1;
	if (len > 9)
		return 0;
	/* every spelling starts with one of these, and none has a digit second
	   but "-1.#..." : most values leave here */
	switch (s[0]) {
	case 'N': case 'n': case '#': case '<': case 'i': case 'I':
		break;
	case '-': case '+':
		if (len > 1 && s[1] >= '0' && s[1] <= '9' && s[1] != '1')
			return 0;
		break;
	case '1':
		if (len != 6 && len != 7)
			return 0;
		break;
	default:
		return 0;
	}
	for (size_t i = 0; i < sizeof(spellings) / sizeof(spellings[0]); i++)
		if (spellings[i].len == len && !memcmp(spellings[i].s, s, len))
			return 1;
	if (*t == '+' || *t == '-') {
		t++;
		n--;
	}
	if ((n == 3 && !strncasecmp(t, "inf", 3)) || (n == 8 && !strncasecmp(t, "infinity", 8)))
		return 1;
	return 0;
}

/* ---- UTF-8 ---- */

/*
 * Offset of the first byte of P[0..n) that is not valid UTF-8, or n. A
 * sequence cut by the end counts as invalid at its first byte.
 */
static size_t utf8_check(const unsigned char *p, size_t n)
{
	size_t i = 0;
	while (i < n) {
		/* eight ASCII bytes at a time: the common case */
		while (i + 8 <= n) {
			uint64_t w;
			memcpy(&w, p + i, 8);
			if (w & 0x8080808080808080ULL)
				break;
			i += 8;
		}
		if (i >= n)
			break;
		unsigned c = p[i];
		if (c < 0x80) {
			i++;
			continue;
		}
		size_t need;
		unsigned lo = 0x80, hi = 0xbf;
		if (c >= 0xc2 && c <= 0xdf)
			need = 1;
		else if (c >= 0xe0 && c <= 0xef) {
			need = 2;
			if (c == 0xe0)
				lo = 0xa0;
			else if (c == 0xed)
				hi = 0x9f; /* no surrogates */
		} else if (c >= 0xf0 && c <= 0xf4) {
			need = 3;
			if (c == 0xf0)
				lo = 0x90;
			else if (c == 0xf4)
				hi = 0x8f;
		} else
			return i;
		if (i + need >= n)
			return i;
		if (p[i + 1] < lo || p[i + 1] > hi)
			return i;
		for (size_t k = 2; k <= need; k++)
			if ((p[i + k] & 0xc0) != 0x80)
				return i;
		i += need + 1;
	}
	return n;
}

/* 1 when none of the N bytes at P has its high bit set (one OR per word). */
static int all_ascii(const char *p, size_t n)
{
	uint64_t acc = 0;
	size_t i = 0;
	for (; i + 8 <= n; i += 8) {
		uint64_t w;
		memcpy(&w, p + i, 8);
		acc |= w;
	}
	for (; i < n; i++)
		acc |= (unsigned char)p[i];
	return !(acc & 0x8080808080808080ULL);
}

/* ---- buffer ---- */

static int set_error_sticky(mlv_csv *r, int code)
{
	r->failed = code;
	return code;
}

/*
 * Keep the bytes from KEEP on, move them to the front, grow the buffer when
 * they fill more than half of it, and read until the buffer is full or the
 * input ends. Returns 0 or an error.
 */
static int refill(mlv_csv *r, size_t keep)
{
	size_t kept = r->len - keep;
	r->wb = NULL; /* the bytes move */
	if (keep > 0) {
		memmove(r->buf, r->buf + keep, kept);
		r->len = kept;
		r->pos -= keep;
	}
	if (kept > r->cap / 2) {
		size_t ncap = r->cap * 2;
		char *nb;
		if (kept >= r->max_row + r->block)
			return mlv_error_set(MLV_EINVALID, "'%s', line %lu: row longer than %zu MiB",
				r->name, r->line, r->max_row >> 20);
		nb = mlv__realloc(r->buf, ncap + 1);
		if (!nb)
			return mlv_error_set(MLV_ENOMEM, "out of memory");
		r->buf = nb;
		r->cap = ncap;
	}
	while (r->len < r->cap && !r->eof) {
		size_t want = r->cap - r->len;
		ssize_t got = read(r->fd, r->buf + r->len, want);
		if (got < 0) {
			if (errno == EINTR)
				continue;
			return mlv_error_set_errno(MLV_EIO, errno, "cannot read '%s'", r->name);
		}
		if (got == 0)
			r->eof = 1;
		r->len += (size_t)got;
		if (r->len >= r->cap || (size_t)got < want / 4)
			break; /* a pipe gives what it has; do not spin for a full buffer */
	}
	r->buf[r->len] = '\0';
	r->ascii = all_ascii(r->buf, r->len);
	return 0;
}

static int push_field_slow(mlv_csv *r, const char *p, size_t len)
{
	{
		size_t ncap = r->fcap ? r->fcap * 2 : 16;
		mlv_csv_field *nf = mlv__realloc(r->fields, ncap * sizeof(*nf));
		if (!nf)
			return mlv_error_set(MLV_ENOMEM, "out of memory");
		r->fields = nf;
		r->fcap = ncap;
	}
	r->fields[r->nfields].ptr = p;
	r->fields[r->nfields].len = len;
	r->nfields++;
	return 0;
}

static size_t count_newlines(const char *p, size_t n)
{
	size_t k = 0;
	const char *end = p + n;
	while ((p = memchr(p, '\n', (size_t)(end - p))) != NULL) {
		k++;
		p++;
	}
	return k;
}

static inline int push_field(mlv_csv *r, const char *p, size_t len)
{
	if (r->nfields == r->fcap)
		return push_field_slow(r, p, len);
	r->fields[r->nfields].ptr = p;
	r->fields[r->nfields].len = len;
	r->nfields++;
	return 0;
}

/* ---- delimited text ---- */

/* Bit set of the quoted fields of the current row that hold '""'. */
static int mark_escaped(unsigned char **bits, size_t *nbits, size_t idx)
{
	if (idx >= *nbits * 8) {
		size_t nn = (*nbits ? *nbits * 2 : 8);
		while (nn * 8 <= idx)
			nn *= 2;
		unsigned char *nb = mlv__realloc(*bits, nn);
		if (!nb)
			return mlv_error_set(MLV_ENOMEM, "out of memory");
		memset(nb + *nbits, 0, nn - *nbits);
		*bits = nb;
		*nbits = nn;
	}
	(*bits)[idx / 8] |= (unsigned char)(1u << (idx % 8));
	return 0;
}

/*
 * The first byte of [P, END) that is DELIM or '\n', or END. Eight bytes at
 * a time where the byte order allows: a byte B of the word is a hit when
 * B ^ DELIM or B ^ '\n' is zero, and the lowest flagged byte of the
 * has-a-zero-byte test is always a true one.
 */
static inline const char *field_end(const char *p, const char *end, char delim)
{
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
	const uint64_t ones = 0x0101010101010101ULL, highs = 0x8080808080808080ULL;
	const uint64_t dm = ones * (unsigned char)delim, nm = ones * (unsigned char)'\n';
	while (end - p >= 8) {
		uint64_t w, x, y, t;
		memcpy(&w, p, 8);
		x = w ^ dm;
		y = w ^ nm;
		t = (((x - ones) & ~x) | ((y - ones) & ~y)) & highs;
		if (t)
			return p + (__builtin_ctzll(t) >> 3);
		p += 8;
	}
#endif
	while (p < end && *p != delim && *p != '\n')
		p++;
	return p;
}

#ifdef CSV_WINDOW
/* Bit i set when Q[i] is DELIM or '\n', for the 64 bytes at Q. */
static inline uint64_t window_mask(const char *q, char delim)
{
	const __m128i d = _mm_set1_epi8(delim), nl = _mm_set1_epi8('\n');
	uint64_t m = 0;
	for (int i = 0; i < 4; i++) {
		__m128i v = _mm_loadu_si128((const __m128i *)(const void *)(q + 16 * i));
		__m128i e = _mm_or_si128(_mm_cmpeq_epi8(v, d), _mm_cmpeq_epi8(v, nl));
		m |= (uint64_t)(uint32_t)_mm_movemask_epi8(e) << (16 * i);
	}
	return m;
}
#endif

/*
 * field_end for the fields of a row, through a window: the positions of
 * delimiters and line ends in 64 bytes are found at once (SSE2) and kept in
 * the reader, so the next fields (of this row and the next) cost a shift
 * and a count of trailing zeros, and a branch per 64 bytes rather than one
 * per field. refill() drops the window, as the bytes move.
 */
static inline const char *field_end_w(const char **wb, uint64_t *wm, const char *p, const char *end, char delim)
{
#ifdef CSV_WINDOW
	for (;;) {
		uintptr_t off = (uintptr_t)p - (uintptr_t)*wb;
		if (*wb && off < 64) {
			uint64_t m = *wm >> off;
			if (m)
				return p + __builtin_ctzll(m);
			p = *wb + 64;
		}
		if (end - p < 64)
			return field_end(p, end, delim);
		*wb = p;
		*wm = window_mask(p, delim);
	}
#else
	(void)wb;
	(void)wm;
	return field_end(p, end, delim);
#endif
}

/*
 * Parse one row at r->pos. Returns 1 with r->fields set and r->pos past the
 * row, 0 at the end of the input, NEED_MORE when the buffer ends inside the
 * row and more input exists, or an error. Nothing in the buffer is changed
 * unless a whole row was found, so the row can be parsed again after a refill.
 */
static int parse_row(mlv_csv *r)
{
	const char *base = r->buf;
	const char *p = base + r->pos, *end = base + r->len;
	const char delim = r->delim;
	unsigned long lines = 0;
	int any_escaped = 0;
	const char *wb = r->wb; /* the window in locals: stores to the fields cannot touch them */
	uint64_t wm = r->wm;
	const size_t max_field = r->max_field;

	/* blank lines */
	for (;;) {
		if (p < end && *p == '\n') {
			p++;
			r->line++;
			r->pos = (size_t)(p - base);
		} else if (p + 1 < end && p[0] == '\r' && p[1] == '\n') {
			p += 2;
			r->line++;
			r->pos = (size_t)(p - base);
		} else if (p + 1 == end && *p == '\r' && !r->eof) {
			return NEED_MORE;
		} else if (p + 1 == end && *p == '\r') {
			r->pos = r->len; /* a lone '\r' at the very end: nothing */
			return 0;
		} else
			break;
	}
	if (p == end)
		return r->eof ? 0 : NEED_MORE;

	const char *row_start = p;
	r->nfields = 0;
	for (;;) {
		const char *f = p;
		if (p < end && *p == '"') {
			const char *q = p + 1;
			unsigned long open_line = r->line + lines;
			int escaped = 0;
			for (;;) {
				const char *c = memchr(q, '"', (size_t)(end - q));
				if (!c) {
					if ((size_t)(end - f - 1) > r->max_field)
						return mlv_error_set(MLV_EINVALID, "'%s', line %lu: field %zu is longer than %zu MiB",
							r->name, open_line, r->nfields + 1, r->max_field >> 20);
					if (!r->eof)
						goto more;
					return mlv_error_set(MLV_EINVALID, "'%s', line %lu: unterminated quoted field (the quote opens in field %zu)",
						r->name, open_line, r->nfields + 1);
				}
				if (c + 1 == end && !r->eof)
					goto more;
				if (c + 1 < end && c[1] == '"') {
					escaped = 1;
					q = c + 2;
					continue;
				}
				lines += count_newlines(f + 1, (size_t)(c - f - 1));
				if ((size_t)(c - f - 1) > r->max_field)
					return mlv_error_set(MLV_EINVALID, "'%s', line %lu: field %zu is longer than %zu MiB",
						r->name, open_line, r->nfields + 1, r->max_field >> 20);
				int rc = push_field(r, f + 1, (size_t)(c - f - 1));
				if (rc)
					return rc;
				if (escaped) {
					any_escaped = 1;
					if ((rc = mark_escaped(&r->esc_bits, &r->esc_nbytes, r->nfields - 1)))
						return rc;
				}
				p = c + 1;
				break;
			}
			if (p == end)
				break; /* eof */
			if (*p == delim) {
				p++;
				continue;
			}
			if (*p == '\n') {
				p++;
				lines++;
				break;
			}
			if (*p == '\r' && p + 1 < end && p[1] == '\n') {
				p += 2;
				lines++;
				break;
			}
			if (*p == '\r' && p + 1 == end) {
				if (!r->eof)
					goto more;
				p++;
				break;
			}
			return mlv_error_set(MLV_EINVALID, "'%s', line %lu: unexpected character '%c' after the closing quote of field %zu",
				r->name, r->line + lines, (*p >= 0x20 && *p < 0x7f) ? *p : '?', r->nfields);
		} else {
			p = field_end_w(&wb, &wm, p, end, delim);
			if (p == end && !r->eof) {
				if ((size_t)(p - f) > max_field)
					return mlv_error_set(MLV_EINVALID, "'%s', line %lu: field %zu is longer than %zu MiB",
						r->name, r->line + lines, r->nfields + 1, r->max_field >> 20);
				goto more;
			}
			size_t flen = (size_t)(p - f);
			if ((p == end || *p == '\n') && flen && p[-1] == '\r')
				flen--;
			if (flen > max_field)
				return mlv_error_set(MLV_EINVALID, "'%s', line %lu: field %zu is longer than %zu MiB",
					r->name, r->line + lines, r->nfields + 1, max_field >> 20);
			int rc = push_field(r, f, flen);
			if (rc)
				return rc;
			if (p == end)
				break;
			if (*p == delim) {
				p++;
				continue;
			}
			p++; /* '\n' */
			lines++;
			break;
		}
	}

	/* A whole row: now it may be changed in place. */
	if (any_escaped) {
		for (size_t i = 0; i < r->nfields; i++) {
			if (i / 8 >= r->esc_nbytes || !(r->esc_bits[i / 8] & (1u << (i % 8))))
				continue;
			char *s = (char *)r->fields[i].ptr, *w = s;
			size_t n = r->fields[i].len;
			for (size_t k = 0; k < n; k++) {
				*w++ = s[k];
				if (s[k] == '"')
					k++; /* skip the second quote of '""' */
			}
			r->fields[i].len = (size_t)(w - s);
		}
		memset(r->esc_bits, 0, r->esc_nbytes);
	}
	if (!(r->flags & MLV_CSV_NO_UTF8_CHECK) && !r->ascii) { /* ASCII is UTF-8 */
		size_t n = (size_t)(p - row_start);
		size_t bad = utf8_check((const unsigned char *)row_start, n);
		if (bad < n) {
			const char *b = row_start + bad;
			size_t fi = 0;
			for (size_t i = 0; i < r->nfields; i++)
				if (r->fields[i].ptr <= b)
					fi = i;
			return mlv_error_set(MLV_EINVALID, "'%s', line %lu, field %zu: invalid UTF-8 byte 0x%02x",
				r->name, r->line + (unsigned long)count_newlines(row_start, bad), fi + 1,
				(unsigned)(unsigned char)*b);
		}
	}
	r->row_line = r->line;
	r->line += lines;
	r->pos = (size_t)(p - base);
	r->wb = wb;
	r->wm = wm;
	return 1;
more:
	if ((size_t)(end - row_start) > r->max_row)
		return mlv_error_set(MLV_EINVALID, "'%s', line %lu: row longer than %zu MiB",
			r->name, r->line, r->max_row >> 20);
	return NEED_MORE;
}

/* Count the candidate delimiters in the first line (outside quotes). */
static int sniff(mlv_csv *r)
{
	static const char cands[] = { ',', '\t', ';', '|' };
	size_t counts[4] = { 0, 0, 0, 0 };
	int inq = 0;
	const char *p = r->buf + r->pos, *end = r->buf + r->len;
	/* skip blank lines as parse_row will */
	while (p < end && (*p == '\n' || *p == '\r'))
		p++;
	for (; p < end; p++) {
		char c = *p;
		if (c == '"')
			inq = !inq;
		else if (!inq && c == '\n')
			break;
		else if (!inq)
			for (int i = 0; i < 4; i++)
				if (c == cands[i])
					counts[i]++;
	}
	if (p == end && !r->eof)
		return NEED_MORE;
	int best = 0;
	for (int i = 1; i < 4; i++)
		if (counts[i] > counts[best])
			best = i;
	r->delim = cands[best];
	return 0;
}

/* Call STEP until it needs no more input, refilling in between. */
static int with_refill(mlv_csv *r, int (*step)(mlv_csv *))
{
	for (;;) {
		int rc = step(r);
		if (rc != NEED_MORE)
			return rc;
		if ((rc = refill(r, r->pos)))
			return rc;
	}
}

/* ---- JSON Lines ---- */

/* Append the shortest "%.15g".."%.17g" form of D that reads back as D. */
static int put_number(mlv_buf *b, double d)
{
	char tmp[40];
	for (int prec = 15; prec <= 17; prec++) {
		snprintf(tmp, sizeof(tmp), "%.*g", prec, d);
		if (strtod(tmp, NULL) == d)
			break;
	}
	return mlv_buf_puts(b, tmp);
}

/* Find the line at pos: sets *ls,*ll (without '\r\n'), *next. */
static int jsonl_line(mlv_csv *r, const char **ls, size_t *ll, size_t *next)
{
	for (;;) {
		const char *p = r->buf + r->pos, *end = r->buf + r->len;
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		if (!nl && !r->eof) {
			if ((size_t)(end - p) > r->max_row)
				return mlv_error_set(MLV_EINVALID, "'%s', line %lu: line longer than %zu MiB",
					r->name, r->line, r->max_row >> 20);
			return NEED_MORE;
		}
		const char *le = nl ? nl : end;
		size_t n = (size_t)(le - p);
		if (n && p[n - 1] == '\r')
			n--;
		size_t k = 0;
		while (k < n && (p[k] == ' ' || p[k] == '\t' || p[k] == '\r'))
			k++;
		if (k == n) { /* blank */
			if (!nl) {
				r->pos = r->len;
				return 0;
			}
			r->pos = (size_t)(nl + 1 - r->buf);
			r->line++;
			continue;
		}
		*ls = p;
		*ll = n;
		*next = nl ? (size_t)(nl + 1 - r->buf) : r->len;
		return 1;
	}
}

static int jsonl_parse(mlv_csv *r, const char *s, size_t n, cJSON **out)
{
	const char *endp = NULL;
	cJSON *j;
	int nomem;
	*out = NULL;
	if (!(r->flags & MLV_CSV_NO_UTF8_CHECK)) {
		size_t bad = utf8_check((const unsigned char *)s, n);
		if (bad < n)
			return mlv_error_set(MLV_EINVALID, "'%s', line %lu, column %zu: invalid UTF-8 byte 0x%02x",
				r->name, r->line, bad + 1, (unsigned)(unsigned char)s[bad]);
	}
	j = mlv__json_parse(s, n, &endp, &nomem);
	if (!j && nomem)
		return mlv_error_set(MLV_ENOMEM, "out of memory");
	if (!j) {
		const char *e = endp;
		size_t col = (e && e >= s && e <= s + n) ? (size_t)(e - s) + 1 : 1;
		return mlv_error_set(MLV_EINVALID, "'%s', line %lu: invalid JSON near column %zu", r->name, r->line, col);
	}
	if (endp) {
		size_t k = (size_t)(endp - s);
		while (k < n && (s[k] == ' ' || s[k] == '\t' || s[k] == '\r'))
			k++;
		if (k < n) {
			cJSON_Delete(j);
			return mlv_error_set(MLV_EINVALID, "'%s', line %lu: invalid JSON near column %zu (text after the object)",
				r->name, r->line, k + 1);
		}
	}
	if (!cJSON_IsObject(j)) {
		cJSON_Delete(j);
		return mlv_error_set(MLV_EINVALID, "'%s', line %lu: not a JSON object", r->name, r->line);
	}
	*out = j;
	return 0;
}

static int keyeq(const mlv_csv_field *f, const char *key)
{
	return !strncmp(f->ptr, key, f->len) && key[f->len] == '\0';
}

static int jsonl_header(mlv_csv *r)
{
	const char *s;
	size_t n, next, k = 0, total = 0;
	cJSON *j = NULL, *it;
	int rc;
	while ((rc = jsonl_line(r, &s, &n, &next)) == NEED_MORE)
		if ((rc = refill(r, r->pos)))
			return rc;
	if (rc < 0)
		return rc;
	if (rc == 0)
		return mlv_error_set(MLV_EINVALID, "'%s' is empty (no header row)", r->name);
	if ((rc = jsonl_parse(r, s, n, &j)))
		return rc;
	for (it = j->child; it; it = it->next) {
		k++;
		total += strlen(it->string) + 1;
	}
	if (k == 0) {
		cJSON_Delete(j);
		return mlv_error_set(MLV_EINVALID, "'%s', line %lu: the first object has no keys", r->name, r->line);
	}
	r->header = mlv__calloc(k, sizeof(*r->header));
	r->header_mem = mlv__malloc(total);
	r->offs = mlv__calloc(k, sizeof(*r->offs) * 2);
	r->seen = mlv__calloc(k, 1);
	if (!r->header || !r->header_mem || !r->offs || !r->seen) {
		cJSON_Delete(j);
		return mlv_error_set(MLV_ENOMEM, "out of memory");
	}
	char *w = r->header_mem;
	k = 0;
	for (it = j->child; it; it = it->next, k++) {
		size_t len = strlen(it->string);
		for (size_t i = 0; i < k; i++)
			if (keyeq(&r->header[i], it->string)) {
				rc = mlv_error_set(MLV_EINVALID, "'%s', line %lu: duplicate key '%s'", r->name, r->line, it->string);
				cJSON_Delete(j);
				return rc;
			}
		memcpy(w, it->string, len + 1);
		r->header[k].ptr = w;
		r->header[k].len = len;
		w += len + 1;
	}
	r->ncols = k;
	r->row_line = r->line;
	cJSON_Delete(j);
	return 0;
}

static int jsonl_row(mlv_csv *r)
{
	const char *s;
	size_t n, next, idx = 0;
	size_t *offs = r->offs, *lens = r->offs + r->ncols;
	cJSON *j = NULL, *it;
	int rc = jsonl_line(r, &s, &n, &next);
	if (rc != 1)
		return rc;
	if ((rc = jsonl_parse(r, s, n, &j)))
		return rc;
	mlv_buf_clear(&r->arena);
	memset(r->seen, 0, r->ncols);
	for (it = j->child; it; it = it->next, idx++) {
		size_t col = SIZE_MAX;
		if (idx < r->ncols && keyeq(&r->header[idx], it->string))
			col = idx;
		else
			for (size_t c = 0; c < r->ncols; c++)
				if (keyeq(&r->header[c], it->string)) {
					col = c;
					break;
				}
		if (col == SIZE_MAX) {
			rc = mlv_error_set(MLV_EINVALID, "'%s', line %lu: key '%s' is not a column (the first object has no such key)",
				r->name, r->line, it->string);
			goto done;
		}
		if (r->seen[col]) {
			rc = mlv_error_set(MLV_EINVALID, "'%s', line %lu: duplicate key '%s'", r->name, r->line, it->string);
			goto done;
		}
		r->seen[col] = 1;
		offs[col] = r->arena.size;
		if (cJSON_IsString(it))
			rc = mlv_buf_puts(&r->arena, it->valuestring);
		else if (cJSON_IsNumber(it))
			rc = put_number(&r->arena, it->valuedouble);
		else if (cJSON_IsTrue(it))
			rc = mlv_buf_puts(&r->arena, "true");
		else if (cJSON_IsFalse(it))
			rc = mlv_buf_puts(&r->arena, "false");
		else if (cJSON_IsNull(it))
			rc = 0;
		else {
			rc = mlv_error_set(MLV_EINVALID, "'%s', line %lu: the value of '%s' is not a scalar (nested objects and arrays are not supported)",
				r->name, r->line, it->string);
			goto done;
		}
		if (rc)
			goto done;
		lens[col] = r->arena.size - offs[col];
	}
	for (size_t c = 0; c < r->ncols; c++) {
		r->fields[c].ptr = r->seen[c] && r->arena.ptr ? r->arena.ptr + offs[c] : "";
		r->fields[c].len = r->seen[c] ? lens[c] : 0;
	}
	r->nfields = r->ncols;
	r->row_line = r->line;
	r->line++;
	r->pos = next;
	rc = 1;
done:
	cJSON_Delete(j);
	return rc;
}

/* ---- open, next, free ---- */

static int delimited_header(mlv_csv *r)
{
	int rc;
	size_t total = 0;
	if (!r->delim && (rc = with_refill(r, sniff)))
		return rc;
	if ((rc = with_refill(r, parse_row)) < 0)
		return rc;
	if (rc == 0)
		return mlv_error_set(MLV_EINVALID, "'%s' is empty (no header row)", r->name);
	for (size_t i = 0; i < r->nfields; i++)
		total += r->fields[i].len + 1;
	r->header = mlv__calloc(r->nfields, sizeof(*r->header));
	r->header_mem = mlv__malloc(total);
	if (!r->header || !r->header_mem)
		return mlv_error_set(MLV_ENOMEM, "out of memory");
	char *w = r->header_mem;
	for (size_t i = 0; i < r->nfields; i++) {
		memcpy(w, r->fields[i].ptr, r->fields[i].len);
		w[r->fields[i].len] = '\0';
		r->header[i].ptr = w;
		r->header[i].len = r->fields[i].len;
		w += r->fields[i].len + 1;
	}
	r->ncols = r->nfields;
	return 0;
}

static int open_common(mlv_csv *r, const mlv_csv_options *opts)
{
	mlv_csv_options o;
	int rc;
	if (opts)
		o = *opts;
	else
		memset(&o, 0, sizeof(o));
	r->format = o.format;
	r->delim = o.delimiter;
	r->flags = o.flags;
	r->block = o.block_size ? o.block_size : MLV_CSV_DEFAULT_BLOCK;
	r->max_field = o.max_field ? o.max_field : MLV_CSV_DEFAULT_MAX_FIELD;
	r->max_row = o.max_row ? o.max_row : MLV_CSV_DEFAULT_MAX_ROW;
	if (r->max_row < r->max_field)
		r->max_row = r->max_field;
	if (r->block < 16)
		r->block = 16;
	r->line = 1;
	r->cap = r->block;
	if (!(r->buf = mlv__malloc(r->cap + 1)))
		return mlv_error_set(MLV_ENOMEM, "out of memory");
	if ((rc = refill(r, 0)))
		return rc;
	if (r->len >= 3 && !memcmp(r->buf, "\xef\xbb\xbf", 3))
		r->pos = 3;
	if (r->format == MLV_CSV_AUTO) {
		size_t k = r->pos;
		while (k < r->len && (r->buf[k] == ' ' || r->buf[k] == '\t' || r->buf[k] == '\r' || r->buf[k] == '\n'))
			k++;
		r->format = (k < r->len && r->buf[k] == '{') ? MLV_CSV_JSONL : MLV_CSV_DELIMITED;
	}
	if (r->format == MLV_CSV_JSONL) {
		r->delim = 0;
		if ((rc = jsonl_header(r)))
			return rc;
		r->fcap = r->ncols;
		if (!(r->fields = mlv__calloc(r->ncols, sizeof(*r->fields))))
			return mlv_error_set(MLV_ENOMEM, "out of memory");
		return 0;
	}
	if (r->format != MLV_CSV_DELIMITED)
		return mlv_error_set(MLV_EINVALID, "unknown data format %d", r->format);
	if (r->delim == '"' || r->delim == '\n' || r->delim == '\r')
		return mlv_error_set(MLV_EINVALID, "a quote or a line break cannot be the delimiter");
	return delimited_header(r);
}

int mlv_csv_open_fd(mlv_csv **out, int fd, const char *name, const mlv_csv_options *opts)
{
	mlv_csv *r;
	int rc;
	*out = NULL;
	if (!(r = mlv__calloc(1, sizeof(*r))))
		return mlv_error_set(MLV_ENOMEM, "out of memory");
	r->fd = fd;
	if (!(r->name = mlv__strdup(name ? name : "-"))) {
		free(r);
		return mlv_error_set(MLV_ENOMEM, "out of memory");
	}
	if ((rc = open_common(r, opts))) {
		mlv_csv_free(r);
		return rc;
	}
	*out = r;
	return 0;
}

int mlv_csv_open(mlv_csv **out, const char *path, const mlv_csv_options *opts)
{
	int fd, rc;
	*out = NULL;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return mlv_error_set_errno(errno == ENOENT ? MLV_ENOTFOUND : MLV_EIO, errno, "cannot open '%s'", path);
#ifdef POSIX_FADV_SEQUENTIAL
	posix_fadvise(fd, 0, 0, POSIX_FADV_SEQUENTIAL);
#endif
	if ((rc = mlv_csv_open_fd(out, fd, path, opts))) {
		close(fd);
		return rc;
	}
	(*out)->own_fd = 1;
	return 0;
}

void mlv_csv_free(mlv_csv *r)
{
	if (!r)
		return;
	if (r->own_fd)
		close(r->fd);
	free(r->name);
	free(r->buf);
	free(r->fields);
	free(r->esc_bits);
	free(r->header);
	free(r->header_mem);
	mlv_buf_release(&r->arena);
	free(r->offs);
	free(r->seen);
	free(r);
}

int mlv_csv_next(mlv_csv *r, const mlv_csv_field **fields)
{
	int rc;
	*fields = NULL;
	if (r->failed)
		return r->failed;
	for (;;) {
		rc = r->format == MLV_CSV_JSONL ? jsonl_row(r) : parse_row(r);
		if (rc != NEED_MORE)
			break;
		if ((rc = refill(r, r->pos)))
			return set_error_sticky(r, rc);
	}
	if (rc < 0)
		return set_error_sticky(r, rc);
	if (rc == 0)
		return 0;
	if (r->nfields != r->ncols)
		return set_error_sticky(r, mlv_error_set(MLV_EINVALID, "'%s', line %lu: expected %zu fields, found %zu",
			r->name, r->row_line, r->ncols, r->nfields));
	*fields = r->fields;
	return 1;
}

size_t mlv_csv_ncols(const mlv_csv *r) { return r->ncols; }
const mlv_csv_field *mlv_csv_header(const mlv_csv *r) { return r->header; }
char mlv_csv_delimiter(const mlv_csv *r) { return r->delim; }
int mlv_csv_format(const mlv_csv *r) { return r->format; }
unsigned long mlv_csv_line(const mlv_csv *r) { return r->row_line; }
