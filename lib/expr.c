/*
 * The expression language (include/mlv/expr.h): a hand-written lexer and
 * recursive-descent parser building a flat node array, and an evaluator
 * with SQL's three-valued logic. Nodes refer to each other by index and
 * keep their strings in one pool, so an expression is three allocations
 * and evaluating it allocates nothing.
 */
#include <assert.h>
#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "mlv/error.h"
#include "mlv/expr.h"
#include "mlv/stats.h"
#include "alloc.h"
#include "internal.h"

enum node_op {
	N_NUM, N_STR, N_BOOL, N_NULL, N_FIELD,
	N_NEG, N_NOT,
	N_AND, N_OR,         /* n-ary: a = first index in kids, b = count */
	N_DEFAULT,           /* ?? */
	N_ADD, N_SUB, N_MUL, N_DIV,
	N_LT, N_LE, N_GT, N_GE, N_EQ, N_NE
};

/*
 * One node. Leaves: N_NUM uses num; N_STR a = pool offset, b = length;
 * N_BOOL a = 0/1; N_FIELD a = field index, b = pool offset of its canonical
 * text. Operators: a (and b) are child node indices.
 */
struct node {
	uint8_t op;
	uint16_t height; /* operator levels below and including this one; leaves 0 */
	uint32_t a, b;
	double num;
};

struct mlv_expr {
	struct node *nodes;
	uint32_t nnodes, capnodes;
	uint32_t *kids;        /* children of N_AND / N_OR */
	uint32_t nkids, capkids;
	uint32_t *fields;      /* pool offset of each distinct field path */
	uint32_t nfields, capfields;
	mlv_buf pool;          /* NUL-terminated strings, by offset */
	uint32_t root;
};

static _Thread_local size_t error_column;

size_t mlv_expr_error_column(void) { return error_column; }

/* ---- growing arrays ---- */

static int grow(void **arr, uint32_t *cap, uint32_t need, size_t elem)
{
	uint32_t ncap;
	void *p;

	if (need <= *cap)
		return 0;
	ncap = *cap ? *cap : 16;
	while (ncap < need)
		ncap *= 2;
	p = mlv__realloc(*arr, (size_t)ncap * elem);
	if (!p)
		return mlv_error_set(MLV_ENOMEM, "out of memory");
	*arr = p;
	*cap = ncap;
	return 0;
}

/* Append LEN bytes and a NUL to the pool; *off is where they start. */
static int pool_add(mlv_expr *e, uint32_t *off, const char *s, size_t len)
{
	int rc;

	*off = (uint32_t)e->pool.size;
	if ((rc = mlv_buf_put(&e->pool, s, len)) || (rc = mlv_buf_putc(&e->pool, '\0')))
		return rc;
	return 0;
}

/* ---- lexer ---- */

enum tok_kind {
	T_EOF, T_NUM, T_STR, T_FIELD,
	T_AND, T_OR, T_NOT, T_TRUE, T_FALSE, T_NULL,
	T_LPAREN, T_RPAREN, T_PLUS, T_MINUS, T_STAR, T_SLASH,
	T_LT, T_LE, T_GT, T_GE, T_EQ, T_NE, T_DEFAULT
};

struct parser {
	const char *src;
	size_t len;
	size_t pos;        /* where the lexer continues */
	/* the current token */
	int kind;
	size_t start, end; /* its source bytes */
	double num;        /* T_NUM */
	mlv_buf text;      /* T_STR: the decoded bytes; T_FIELD: the path */
	mlv_buf canon;     /* T_FIELD: the canonical text */
	unsigned depth;    /* parentheses and prefix operators open now */
	uint32_t *hash;    /* field path -> index + 1, open addressing */
	uint32_t hashcap;
	mlv_expr *e;
};

static int is_name_start(int c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
}

static int is_name_char(int c)
{
	return is_name_start(c) || (c >= '0' && c <= '9') || c == '-';
}

static int is_digit(int c) { return c >= '0' && c <= '9'; }

/* The 1-based column of byte offset POS: UTF-8 sequences count once. */
static size_t column_of(const struct parser *p, size_t pos)
{
	size_t col = 1;
	for (size_t i = 0; i < pos && i < p->len; i++)
		if (((unsigned char)p->src[i] & 0xc0) != 0x80)
			col++;
	return col;
}

static int syntax_error(struct parser *p, size_t pos, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static int syntax_error(struct parser *p, size_t pos, const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	error_column = column_of(p, pos);
	return mlv_error_set(MLV_EINVALID, "syntax error at column %zu: %s", error_column, msg);
}

/*
 * Describe the source bytes [start, end) for "found ...": quoted, at most
 * 32 bytes (cut at a character boundary, then "..."), control bytes as
 * \xNN so the message stays one printable line.
 */
static void describe(char *out, size_t size, const struct parser *p, size_t start, size_t end)
{
	size_t o = 0, n = end - start, max = 32;
	int cut = 0;

	if (start >= p->len) {
		snprintf(out, size, "end of input");
		return;
	}
	if (n > max) {
		n = max;
		while (n > 0 && ((unsigned char)p->src[start + n] & 0xc0) == 0x80)
			n--;
		cut = 1;
	}
	out[o++] = '\'';
	for (size_t i = 0; i < n && o + 8 < size; i++) {
		unsigned char c = (unsigned char)p->src[start + i];
		if (c < 0x20 || c == 0x7f)
			o += (size_t)snprintf(out + o, size - o, "\\x%02x", c);
		else
			out[o++] = (char)c;
	}
	if (cut && o + 4 < size) {
		memcpy(out + o, "...", 3);
		o += 3;
	}
	out[o++] = '\'';
	out[o] = '\0';
}

/* "expected WHAT, found <the current token>" at the current token. */
static int expected(struct parser *p, const char *what)
{
	char found[128];
	describe(found, sizeof(found), p, p->start, p->end);
	return syntax_error(p, p->start, "expected %s, found %s", what, found);
}

static int put_utf8(mlv_buf *b, uint32_t cp)
{
	char u[4];
	size_t n;

	if (cp < 0x80) {
		u[0] = (char)cp;
		n = 1;
	} else if (cp < 0x800) {
		u[0] = (char)(0xc0 | (cp >> 6));
		u[1] = (char)(0x80 | (cp & 0x3f));
		n = 2;
	} else if (cp < 0x10000) {
		u[0] = (char)(0xe0 | (cp >> 12));
		u[1] = (char)(0x80 | ((cp >> 6) & 0x3f));
		u[2] = (char)(0x80 | (cp & 0x3f));
		n = 3;
	} else {
		u[0] = (char)(0xf0 | (cp >> 18));
		u[1] = (char)(0x80 | ((cp >> 12) & 0x3f));
		u[2] = (char)(0x80 | ((cp >> 6) & 0x3f));
		u[3] = (char)(0x80 | (cp & 0x3f));
		n = 4;
	}
	return mlv_buf_put(b, u, n);
}

/* Four hex digits at S (which has at least 4 bytes before its end), or -1. */
static long hex4(const char *s)
{
	long v = 0;
	for (int i = 0; i < 4; i++) {
		int c = (unsigned char)s[i], d;
		if (c >= '0' && c <= '9')
			d = c - '0';
		else if (c >= 'a' && c <= 'f')
			d = c - 'a' + 10;
		else if (c >= 'A' && c <= 'F')
			d = c - 'A' + 10;
		else
			return -1;
		v = v * 16 + d;
	}
	return v;
}

/* Decode the string literal at p->pos (its opening quote) into OUT. */
static int lex_string(struct parser *p, mlv_buf *out)
{
	size_t open = p->pos, i = p->pos + 1;
	char q = p->src[open];
	int rc;

	mlv_buf_clear(out);
	for (;;) {
		size_t run = i;
		while (i < p->len && p->src[i] != q && p->src[i] != '\\') {
			/*
			 * Only UTF-8: format writes strings as JSON, which has no
			 * way to spell a stray byte, so it could not give it back.
			 */
			if ((unsigned char)p->src[i] >= 0x80) {
				size_t n = mlv__utf8_len((const unsigned char *)p->src + i, p->len - i);
				if (!n)
					return syntax_error(p, i, "invalid UTF-8 byte 0x%02x in string",
						(unsigned char)p->src[i]);
				i += n;
				continue;
			}
			i++;
		}
		if ((rc = mlv_buf_put(out, p->src + run, i - run)))
			return rc;
		if (i >= p->len)
			return syntax_error(p, open, "unterminated string");
		if (p->src[i] == q)
			break;
		/* a backslash */
		if (i + 1 >= p->len)
			return syntax_error(p, open, "unterminated string");
		switch (p->src[i + 1]) {
		case '"': rc = mlv_buf_putc(out, '"'); break;
		case '\'': rc = mlv_buf_putc(out, '\''); break;
		case '\\': rc = mlv_buf_putc(out, '\\'); break;
		case '/': rc = mlv_buf_putc(out, '/'); break;
		case 'b': rc = mlv_buf_putc(out, '\b'); break;
		case 'f': rc = mlv_buf_putc(out, '\f'); break;
		case 'n': rc = mlv_buf_putc(out, '\n'); break;
		case 'r': rc = mlv_buf_putc(out, '\r'); break;
		case 't': rc = mlv_buf_putc(out, '\t'); break;
		case 'u': {
			long cp = i + 6 <= p->len ? hex4(p->src + i + 2) : -1, lo;
			if (cp < 0)
				return syntax_error(p, i, "expected 4 hex digits after '\\u'");
			if (cp >= 0xdc00 && cp <= 0xdfff)
				return syntax_error(p, i, "unpaired UTF-16 surrogate in '\\u' escape");
			if (cp >= 0xd800 && cp <= 0xdbff) {
				lo = i + 12 <= p->len && p->src[i + 6] == '\\' && p->src[i + 7] == 'u' ?
					hex4(p->src + i + 8) : -1;
				if (lo < 0xdc00 || lo > 0xdfff)
					return syntax_error(p, i, "unpaired UTF-16 surrogate in '\\u' escape");
				cp = 0x10000 + ((cp - 0xd800) << 10) + (lo - 0xdc00);
				i += 6;
			}
			rc = put_utf8(out, (uint32_t)cp);
			i += 4;
			break;
		}
		default: {
			char found[128];
			describe(found, sizeof(found), p, i, i + 2);
			return syntax_error(p, i, "unknown escape %s in string", found);
		}
		}
		if (rc)
			return rc;
		i += 2;
	}
	if (out->size > MLV_EXPR_MAX_SOURCE) /* cannot happen while sources are limited alike */
		return syntax_error(p, open, "string longer than %d bytes", MLV_EXPR_MAX_SOURCE);
	p->pos = i + 1;
	return 0;
}

static const char *const keywords[] = { "and", "or", "not", "true", "false", "null" };
static const int keyword_tok[] = { T_AND, T_OR, T_NOT, T_TRUE, T_FALSE, T_NULL };

/*
 * Is the LEN bytes at S a bare name? (Keywords need no care here: a
 * segment of a path is never read as a keyword.)
 */
static int is_bare_name(const char *s, size_t len)
{
	if (!len || !is_name_start((unsigned char)s[0]))
		return 0;
	for (size_t i = 1; i < len; i++)
		if (!is_name_char((unsigned char)s[i]))
			return 0;
	return 1;
}

/*
 * Append the segment that p->text holds from SEG_START to the canonical
 * text: bare when it is a name, else quoted.
 */
static int canon_segment(struct parser *p, size_t seg_start)
{
	const char *s = p->text.ptr + seg_start;
	size_t n = p->text.size - seg_start;

	if (is_bare_name(s, n))
		return mlv_buf_put(&p->canon, s, n);
	return mlv_buf_put_json_string(&p->canon, s, n);
}

/*
 * Read the rest of a field path: the first segment is in p->text already
 * and p->pos is just after it.
 */
static int lex_path(struct parser *p)
{
	mlv_buf seg = MLV_BUF_INIT;
	int rc;

	mlv_buf_clear(&p->canon);
	if ((rc = canon_segment(p, 0)))
		goto done;
	while (p->pos < p->len && p->src[p->pos] == '.') {
		size_t at = p->pos + 1, seg_start;
		int c = at < p->len ? (unsigned char)p->src[at] : 0;
		if ((rc = mlv_buf_putc(&p->text, '.')) || (rc = mlv_buf_putc(&p->canon, '.')))
			goto done;
		seg_start = p->text.size;
		if (is_name_start(c)) {
			size_t i = at + 1;
			while (i < p->len && is_name_char((unsigned char)p->src[i]))
				i++;
			if ((rc = mlv_buf_put(&p->text, p->src + at, i - at)))
				goto done;
			p->pos = i;
		} else if (c == '"' || c == '\'') {
			p->pos = at;
			if ((rc = lex_string(p, &seg)))
				goto done;
			if (!seg.size) {
				rc = syntax_error(p, at, "empty field name");
				goto done;
			}
			if ((rc = mlv_buf_put(&p->text, seg.ptr, seg.size)))
				goto done;
		} else {
			char found[128];
			size_t e = at;
			while (e < p->len && e < at + 4 && p->src[e] != ' ')
				e++;
			if (e == at && at < p->len)
				e++;
			describe(found, sizeof(found), p, at, e);
			/* `metrics.auc-0.005`: the name swallowed "-0" */
			rc = syntax_error(p, at, "expected a field name, found %s%s", found,
					  memchr(p->text.ptr, '-', p->text.size) ?
					  " ('-' is part of a name: write 'a - b' to subtract)" : "");
			goto done;
		}
		if ((rc = canon_segment(p, seg_start)))
			goto done;
	}
	if (memchr(p->text.ptr, '\0', p->text.size)) {
		rc = syntax_error(p, p->start, "field name contains a NUL character");
		goto done;
	}
done:
	mlv_buf_release(&seg);
	return rc;
}

static int lex_number(struct parser *p)
{
	size_t i = p->pos, end;
	char found[128];
	int rc;

	while (i < p->len && is_digit(p->src[i]))
		i++;
	if (i + 1 < p->len && p->src[i] == '.' && is_digit(p->src[i + 1])) {
		i++;
		while (i < p->len && is_digit(p->src[i]))
			i++;
	}
	if (i < p->len && (p->src[i] == 'e' || p->src[i] == 'E')) {
		size_t j = i + 1;
		if (j < p->len && (p->src[j] == '+' || p->src[j] == '-'))
			j++;
		if (j < p->len && is_digit(p->src[j])) {
			i = j;
			while (i < p->len && is_digit(p->src[i]))
				i++;
		}
	}
	/* `1abc`, `1.`, `1.2.3`, `1e`: one bad token, not a number and a name */
	end = i;
	while (end < p->len && (is_name_start((unsigned char)p->src[end]) ||
				is_digit(p->src[end]) || p->src[end] == '.'))
		end++;
	if (end != i) {
		describe(found, sizeof(found), p, p->pos, end);
		return syntax_error(p, p->pos, "malformed number %s", found);
	}
	mlv_buf_clear(&p->text);
	if ((rc = mlv_buf_put(&p->text, p->src + p->pos, i - p->pos)))
		return rc;
	p->num = strtod(p->text.ptr, NULL);
	if (isinf(p->num)) {
		describe(found, sizeof(found), p, p->pos, i);
		return syntax_error(p, p->pos, "number %s is out of range", found);
	}
	p->pos = i;
	return 0;
}

/* Read the next token into p->kind and friends. */
static int next(struct parser *p)
{
	const char *s = p->src;
	int c, rc;

	while (p->pos < p->len && (s[p->pos] == ' ' || s[p->pos] == '\t' ||
				   s[p->pos] == '\n' || s[p->pos] == '\r'))
		p->pos++;
	p->start = p->pos;
	if (p->pos >= p->len) {
		p->kind = T_EOF;
		p->end = p->pos;
		return 0;
	}
	c = (unsigned char)s[p->pos];
	rc = 0;
	if (is_digit(c)) {
		p->kind = T_NUM;
		rc = lex_number(p);
	} else if (is_name_start(c)) {
		size_t i = p->pos + 1;
		while (i < p->len && is_name_char((unsigned char)s[i]))
			i++;
		p->kind = T_FIELD;
		if (i >= p->len || s[i] != '.') {
			for (size_t k = 0; k < sizeof(keywords) / sizeof(keywords[0]); k++)
				if (strlen(keywords[k]) == i - p->pos &&
				    !memcmp(keywords[k], s + p->pos, i - p->pos))
					p->kind = keyword_tok[k];
		}
		p->pos = i;
		if (p->kind == T_FIELD) {
			mlv_buf_clear(&p->text);
			if (!(rc = mlv_buf_put(&p->text, s + p->start, i - p->start)))
				rc = lex_path(p);
		}
	} else if (c == '"' || c == '\'') {
		p->kind = T_STR;
		rc = lex_string(p, &p->text);
		if (!rc && p->pos < p->len && s[p->pos] == '.') {
			p->kind = T_FIELD;
			if (!p->text.size)
				rc = syntax_error(p, p->start, "empty field name");
			else
				rc = lex_path(p);
		}
	} else {
		int two = p->pos + 1 < p->len ? (unsigned char)s[p->pos + 1] : 0;
		size_t n = 1;
		switch (c) {
		case '(': p->kind = T_LPAREN; break;
		case ')': p->kind = T_RPAREN; break;
		case '+': p->kind = T_PLUS; break;
		case '-': p->kind = T_MINUS; break;
		case '*': p->kind = T_STAR; break;
		case '/': p->kind = T_SLASH; break;
		case '<':
			p->kind = two == '=' ? T_LE : T_LT;
			n = two == '=' ? 2 : 1;
			break;
		case '>':
			p->kind = two == '=' ? T_GE : T_GT;
			n = two == '=' ? 2 : 1;
			break;
		case '=':
			if (two != '=')
				return syntax_error(p, p->pos, "expected '==', found '='");
			p->kind = T_EQ;
			n = 2;
			break;
		case '!':
			if (two != '=')
				return syntax_error(p, p->pos, "expected '!=', found '!' (write 'not')");
			p->kind = T_NE;
			n = 2;
			break;
		case '?':
			if (two != '?')
				return syntax_error(p, p->pos, "expected '?\?', found '?'");
			p->kind = T_DEFAULT;
			n = 2;
			break;
		case '&':
			return syntax_error(p, p->pos, "unexpected character '&' (write 'and')");
		case '|':
			return syntax_error(p, p->pos, "unexpected character '|' (write 'or')");
		default:
			if (c >= 0xc0 && c < 0xf8) { /* a UTF-8 sequence: show it whole */
				char found[128];
				size_t e = p->pos + 1;
				while (e < p->len && e < p->pos + 4 && ((unsigned char)s[e] & 0xc0) == 0x80)
					e++;
				describe(found, sizeof(found), p, p->pos, e);
				return syntax_error(p, p->pos, "unexpected character %s", found);
			}
			if (c < 0x20 || c >= 0x7f)
				return syntax_error(p, p->pos, "unexpected byte 0x%02x", (unsigned)c);
			return syntax_error(p, p->pos, "unexpected character '%c'", c);
		}
		p->pos += n;
	}
	p->end = p->pos;
	return rc;
}

/* ---- parser ---- */

static uint32_t hash_path(const char *s, size_t n)
{
	uint32_t h = 2166136261u;
	for (size_t i = 0; i < n; i++)
		h = (h ^ (unsigned char)s[i]) * 16777619u;
	return h;
}

/* The index of the field whose path is in p->text, added when new. */
static int intern_field(struct parser *p, uint32_t *out)
{
	mlv_expr *e = p->e;
	uint32_t h = hash_path(p->text.ptr, p->text.size), off, i;
	int rc;

	if (e->nfields * 2 >= p->hashcap) {
		uint32_t ncap = p->hashcap ? p->hashcap * 2 : 64;
		uint32_t *nh = mlv__calloc(ncap, sizeof(*nh));
		if (!nh)
			return mlv_error_set(MLV_ENOMEM, "out of memory");
		for (uint32_t f = 0; f < e->nfields; f++) {
			const char *path = e->pool.ptr + e->fields[f];
			uint32_t j = hash_path(path, strlen(path)) & (ncap - 1);
			while (nh[j])
				j = (j + 1) & (ncap - 1);
			nh[j] = f + 1;
		}
		free(p->hash);
		p->hash = nh;
		p->hashcap = ncap;
	}
	for (i = h & (p->hashcap - 1); p->hash[i]; i = (i + 1) & (p->hashcap - 1)) {
		const char *path = e->pool.ptr + e->fields[p->hash[i] - 1];
		if (strlen(path) == p->text.size && !memcmp(path, p->text.ptr, p->text.size)) {
			*out = p->hash[i] - 1;
			return 0;
		}
	}
	if ((rc = grow((void **)&e->fields, &e->capfields, e->nfields + 1, sizeof(*e->fields))) ||
	    (rc = pool_add(e, &off, p->text.ptr, p->text.size)))
		return rc;
	e->fields[e->nfields] = off;
	p->hash[i] = e->nfields + 1;
	*out = e->nfields++;
	return 0;
}

/*
 * Add a node; *out is its index. A, B are children for operators (their
 * heights decide this one's, which may not pass MLV_EXPR_MAX_DEPTH; POS is
 * the operator's source offset for that error).
 */
static int add_node(struct parser *p, uint32_t *out, int op, uint32_t a, uint32_t b, size_t pos)
{
	mlv_expr *e = p->e;
	struct node *n;
	unsigned height = 0;
	int rc;

	switch (op) {
	case N_NUM: case N_STR: case N_BOOL: case N_NULL: case N_FIELD:
		break;
	case N_NEG: case N_NOT:
		height = e->nodes[a].height + 1u;
		break;
	case N_AND: case N_OR:
		for (uint32_t k = 0; k < b; k++)
			if (e->nodes[e->kids[a + k]].height + 1u > height)
				height = e->nodes[e->kids[a + k]].height + 1u;
		break;
	default:
		height = e->nodes[a].height > e->nodes[b].height ?
			e->nodes[a].height : e->nodes[b].height;
		height++;
	}
	if (height > MLV_EXPR_MAX_DEPTH)
		return syntax_error(p, pos, "expression nested too deeply (more than %d levels)",
				    MLV_EXPR_MAX_DEPTH);
	if ((rc = grow((void **)&e->nodes, &e->capnodes, e->nnodes + 1, sizeof(*e->nodes))))
		return rc;
	n = &e->nodes[e->nnodes];
	memset(n, 0, sizeof(*n));
	n->op = (uint8_t)op;
	n->height = (uint16_t)height;
	n->a = a;
	n->b = b;
	*out = e->nnodes++;
	return 0;
}

/* Enter one level of parentheses or prefix operator at the current token. */
static int enter(struct parser *p)
{
	if (++p->depth > MLV_EXPR_MAX_DEPTH)
		return syntax_error(p, p->start, "expression nested too deeply (more than %d levels)",
				    MLV_EXPR_MAX_DEPTH);
	return 0;
}

static int parse_or(struct parser *p, uint32_t *out);

static int parse_primary(struct parser *p, uint32_t *out)
{
	mlv_expr *e = p->e;
	uint32_t off = 0, field = 0;
	int rc;

	switch (p->kind) {
	case T_NUM:
		if ((rc = add_node(p, out, N_NUM, 0, 0, p->start)))
			return rc;
		e->nodes[*out].num = p->num;
		break;
	case T_STR:
		if ((rc = pool_add(e, &off, p->text.ptr, p->text.size)) ||
		    (rc = add_node(p, out, N_STR, off, (uint32_t)p->text.size, p->start)))
			return rc;
		break;
	case T_TRUE:
	case T_FALSE:
		if ((rc = add_node(p, out, N_BOOL, p->kind == T_TRUE, 0, p->start)))
			return rc;
		break;
	case T_NULL:
		if ((rc = add_node(p, out, N_NULL, 0, 0, p->start)))
			return rc;
		break;
	case T_FIELD:
		if ((rc = intern_field(p, &field)) ||
		    (rc = pool_add(e, &off, p->canon.ptr, p->canon.size)) ||
		    (rc = add_node(p, out, N_FIELD, field, off, p->start)))
			return rc;
		break;
	case T_LPAREN:
		if ((rc = enter(p)) || (rc = next(p)) || (rc = parse_or(p, out)))
			return rc;
		if (p->kind != T_RPAREN)
			return expected(p, "an operator or ')'");
		p->depth--;
		break;
	default:
		return expected(p, "a value");
	}
	return next(p);
}

static int parse_unary(struct parser *p, uint32_t *out)
{
	uint32_t child;
	size_t at = p->start;
	int rc;

	if (p->kind != T_MINUS)
		return parse_primary(p, out);
	if ((rc = enter(p)) || (rc = next(p)) || (rc = parse_unary(p, &child)) ||
	    (rc = add_node(p, out, N_NEG, child, 0, at)))
		return rc;
	p->depth--;
	return 0;
}

static int parse_product(struct parser *p, uint32_t *out)
{
	uint32_t l, r;
	int rc;

	if ((rc = parse_unary(p, &l)))
		return rc;
	while (p->kind == T_STAR || p->kind == T_SLASH) {
		int op = p->kind == T_STAR ? N_MUL : N_DIV;
		size_t at = p->start;
		if ((rc = next(p)) || (rc = parse_unary(p, &r)) || (rc = add_node(p, &l, op, l, r, at)))
			return rc;
	}
	*out = l;
	return 0;
}

static int parse_sum(struct parser *p, uint32_t *out)
{
	uint32_t l, r;
	int rc;

	if ((rc = parse_product(p, &l)))
		return rc;
	while (p->kind == T_PLUS || p->kind == T_MINUS) {
		int op = p->kind == T_PLUS ? N_ADD : N_SUB;
		size_t at = p->start;
		if ((rc = next(p)) || (rc = parse_product(p, &r)) || (rc = add_node(p, &l, op, l, r, at)))
			return rc;
	}
	*out = l;
	return 0;
}

/* a ?? b ?? c is a ?? (b ?? c): collect the operands, then fold from the right. */
static int parse_default(struct parser *p, uint32_t *out)
{
	uint32_t *ops = NULL, cap = 0, n = 0, r;
	size_t *at = NULL;
	uint32_t capat = 0;
	int rc;

	if ((rc = parse_sum(p, &r)))
		goto done;
	while (p->kind == T_DEFAULT) {
		if ((rc = grow((void **)&ops, &cap, n + 1, sizeof(*ops))) ||
		    (rc = grow((void **)&at, &capat, n + 1, sizeof(*at))))
			goto done;
		ops[n] = r;
		at[n++] = p->start;
		if ((rc = next(p)) || (rc = parse_sum(p, &r)))
			goto done;
	}
	while (n > 0) {
		n--;
		if ((rc = add_node(p, &r, N_DEFAULT, ops[n], r, at[n])))
			goto done;
	}
	*out = r;
done:
	free(ops);
	free(at);
	return rc;
}

static int cmp_op(int kind)
{
	switch (kind) {
	case T_LT: return N_LT;
	case T_LE: return N_LE;
	case T_GT: return N_GT;
	case T_GE: return N_GE;
	case T_EQ: return N_EQ;
	case T_NE: return N_NE;
	default: return -1;
	}
}

static int parse_cmp(struct parser *p, uint32_t *out)
{
	uint32_t l, r;
	int rc, op;
	size_t at;

	if ((rc = parse_default(p, &l)))
		return rc;
	if ((op = cmp_op(p->kind)) < 0) {
		*out = l;
		return 0;
	}
	at = p->start;
	if ((rc = next(p)) || (rc = parse_default(p, &r)) || (rc = add_node(p, out, op, l, r, at)))
		return rc;
	if (cmp_op(p->kind) >= 0)
		return expected(p, "'and' or 'or' between comparisons");
	return 0;
}

static int parse_not(struct parser *p, uint32_t *out)
{
	uint32_t child;
	size_t at = p->start;
	int rc;

	if (p->kind != T_NOT)
		return parse_cmp(p, out);
	if ((rc = enter(p)) || (rc = next(p)) || (rc = parse_not(p, &child)) ||
	    (rc = add_node(p, out, N_NOT, child, 0, at)))
		return rc;
	p->depth--;
	return 0;
}

/*
 * A chain of OP (`and` or `or`) operands separated by KIND, as one n-ary
 * node; an operand that is the same operator in parentheses is spliced in,
 * which changes nothing (both are associative) and keeps the tree shallow.
 */
static int parse_chain(struct parser *p, uint32_t *out, int kind, int op,
		       int (*operand)(struct parser *, uint32_t *))
{
	mlv_expr *e = p->e;
	uint32_t *list = NULL, cap = 0, n = 0, x, start;
	size_t at = p->start;
	int rc;

	if ((rc = operand(p, &x)))
		goto done;
	if (p->kind != kind) {
		*out = x;
		goto done;
	}
	for (;;) {
		const struct node *xn = &e->nodes[x];
		uint32_t add = xn->op == op ? xn->b : 1;
		if ((rc = grow((void **)&list, &cap, n + add, sizeof(*list))))
			goto done;
		if (xn->op == op)
			memcpy(list + n, e->kids + xn->a, (size_t)add * sizeof(*list));
		else
			list[n] = x;
		n += add;
		if (p->kind != kind)
			break;
		if ((rc = next(p)) || (rc = operand(p, &x)))
			goto done;
	}
	if ((rc = grow((void **)&e->kids, &e->capkids, e->nkids + n, sizeof(*e->kids))))
		goto done;
	start = e->nkids;
	memcpy(e->kids + start, list, (size_t)n * sizeof(*list));
	e->nkids += n;
	rc = add_node(p, out, op, start, n, at);
done:
	free(list);
	return rc;
}

static int parse_and(struct parser *p, uint32_t *out)
{
	return parse_chain(p, out, T_AND, N_AND, parse_not);
}

static int parse_or(struct parser *p, uint32_t *out)
{
	return parse_chain(p, out, T_OR, N_OR, parse_and);
}

int mlv_expr_parse(mlv_expr **out, const char *src)
{
	struct parser p;
	mlv_expr *e;
	int rc;

	assert(out && src);
	*out = NULL;
	error_column = 0;
	memset(&p, 0, sizeof(p));
	p.src = src;
	p.len = strlen(src);
	if (p.len > MLV_EXPR_MAX_SOURCE)
		return mlv_error_set(MLV_EINVALID, "expression is longer than %d bytes",
				     MLV_EXPR_MAX_SOURCE);
	e = mlv__calloc(1, sizeof(*e));
	if (!e)
		return mlv_error_set(MLV_ENOMEM, "out of memory");
	p.e = e;
	if ((rc = next(&p)) || (rc = parse_or(&p, &e->root)))
		goto done;
	if (p.kind != T_EOF) {
		rc = expected(&p, "an operator or end of input");
		goto done;
	}
	*out = e;
	e = NULL;
done:
	if (rc && rc != MLV_EINVALID)
		error_column = 0;
	mlv_expr_free(e);
	mlv_buf_release(&p.text);
	mlv_buf_release(&p.canon);
	free(p.hash);
	return rc;
}

void mlv_expr_free(mlv_expr *e)
{
	if (!e)
		return;
	free(e->nodes);
	free(e->kids);
	free(e->fields);
	mlv_buf_release(&e->pool);
	free(e);
}

const char *mlv_expr_field_path(const mlv_expr *e)
{
	const struct node *n;
	if (!e || e->root >= e->nnodes)
		return NULL;
	n = &e->nodes[e->root];
	return n->op == N_FIELD ? e->pool.ptr + e->fields[n->a] : NULL;
}

int mlv_expr_fields(const mlv_expr *e, mlv_expr_field_fn fn, void *payload)
{
	for (uint32_t i = 0; i < e->nfields; i++) {
		int rc = fn(payload, e->pool.ptr + e->fields[i]);
		if (rc)
			return rc;
	}
	return 0;
}

/* ---- evaluation ---- */

enum { TV_FALSE = 0, TV_TRUE = 1, TV_UNKNOWN = 2 };

static void set_missing(mlv_expr_value *v) { memset(v, 0, sizeof(*v)); }

static void set_bool(mlv_expr_value *v, int b)
{
	memset(v, 0, sizeof(*v));
	v->type = MLV_EXPR_BOOL;
	v->boolean = b;
}

static void set_number(mlv_expr_value *v, double d)
{
	memset(v, 0, sizeof(*v));
	v->type = MLV_EXPR_NUMBER;
	v->number = d;
}

/* V as a boolean: a boolean, or the string "true" / "false". */
static int as_bool(const mlv_expr_value *v, int *out)
{
	if (v->type == MLV_EXPR_BOOL) {
		*out = v->boolean != 0;
		return 1;
	}
	if (v->type == MLV_EXPR_STRING) {
		if (v->len == 4 && !memcmp(v->str, "true", 4)) {
			*out = 1;
			return 1;
		}
		if (v->len == 5 && !memcmp(v->str, "false", 5)) {
			*out = 0;
			return 1;
		}
	}
	return 0;
}

/* V as a number: a number, or a string mlv_stats_parse_number accepts. */
static int as_number(const mlv_expr_value *v, double *out)
{
	if (v->type == MLV_EXPR_NUMBER) {
		*out = v->number;
		return 1;
	}
	if (v->type == MLV_EXPR_STRING && v->len)
		return mlv_stats_parse_number(v->str, v->len, out);
	return 0;
}

static int truth(const mlv_expr_value *v)
{
	int b;
	return as_bool(v, &b) ? b : TV_UNKNOWN;
}

static void set_truth(mlv_expr_value *v, int t)
{
	if (t == TV_UNKNOWN)
		set_missing(v);
	else
		set_bool(v, t);
}

/* The result of an ordering: -1, 0, 1 as ORDER says; TV_* for OP. */
static int order_truth(int op, int order)
{
	switch (op) {
	case N_LT: return order < 0;
	case N_LE: return order <= 0;
	case N_GT: return order > 0;
	case N_GE: return order >= 0;
	case N_EQ: return order == 0;
	default: return order != 0;
	}
}

/* Compare A OP B by the rules in expr.h; returns TV_*. */
static int compare(int op, const mlv_expr_value *a, const mlv_expr_value *b)
{
	double x, y;
	int ba, bb;

	if (a->type == MLV_EXPR_MISSING || b->type == MLV_EXPR_MISSING)
		return TV_UNKNOWN;
	if (a->type == MLV_EXPR_STRING && b->type == MLV_EXPR_STRING) {
		size_t n = a->len < b->len ? a->len : b->len;
		int c = n ? memcmp(a->str, b->str, n) : 0;
		if (!c)
			c = a->len < b->len ? -1 : a->len > b->len;
		return order_truth(op, c);
	}
	if ((a->type == MLV_EXPR_NUMBER || b->type == MLV_EXPR_NUMBER) &&
	    as_number(a, &x) && as_number(b, &y)) {
		if (isnan(x) || isnan(y))
			return TV_UNKNOWN;
		return order_truth(op, x < y ? -1 : x > y);
	}
	if ((a->type == MLV_EXPR_BOOL || b->type == MLV_EXPR_BOOL) &&
	    as_bool(a, &ba) && as_bool(b, &bb)) {
		if (op == N_EQ || op == N_NE)
			return order_truth(op, ba != bb);
		return TV_UNKNOWN;
	}
	/* different types */
	if (op == N_EQ)
		return TV_FALSE;
	if (op == N_NE)
		return TV_TRUE;
	return TV_UNKNOWN;
}

struct evalctx {
	const mlv_expr *e;
	mlv_expr_lookup_fn fn;
	void *payload;
};

static int lookup(const struct evalctx *c, uint32_t field, mlv_expr_value *out)
{
	int rc;

	set_missing(out);
	rc = c->fn(c->payload, c->e->pool.ptr + c->e->fields[field], out);
	if (rc == MLV_ENOTFOUND) {
		set_missing(out);
		return 0;
	}
	if (rc)
		set_missing(out);
	else if (out->type == MLV_EXPR_STRING && !out->str)
		out->str = "";
	return rc;
}

static int eval(const struct evalctx *c, uint32_t i, mlv_expr_value *out)
{
	const struct node *n = &c->e->nodes[i];
	mlv_expr_value l, r;
	double x, y;
	int rc, t;

	switch (n->op) {
	case N_NUM:
		set_number(out, n->num);
		return 0;
	case N_STR:
		memset(out, 0, sizeof(*out));
		out->type = MLV_EXPR_STRING;
		out->str = c->e->pool.ptr + n->a;
		out->len = n->b;
		return 0;
	case N_BOOL:
		set_bool(out, (int)n->a);
		return 0;
	case N_NULL:
		set_missing(out);
		return 0;
	case N_FIELD:
		return lookup(c, n->a, out);
	case N_NEG:
		if ((rc = eval(c, n->a, &l)))
			return rc;
		if (as_number(&l, &x))
			set_number(out, -x);
		else
			set_missing(out);
		return 0;
	case N_NOT:
		if ((rc = eval(c, n->a, &l)))
			return rc;
		t = truth(&l);
		set_truth(out, t == TV_UNKNOWN ? t : !t);
		return 0;
	case N_AND:
	case N_OR: {
		/* Kleene: the deciding value (false for and, true for or) wins */
		int decide = n->op == N_OR, result = !decide;
		for (uint32_t k = 0; k < n->b; k++) {
			if ((rc = eval(c, c->e->kids[n->a + k], &l)))
				return rc;
			t = truth(&l);
			if (t == decide) {
				result = decide;
				break;
			}
			if (t == TV_UNKNOWN)
				result = TV_UNKNOWN;
		}
		set_truth(out, result);
		return 0;
	}
	case N_DEFAULT:
		if ((rc = eval(c, n->a, out)))
			return rc;
		if (out->type == MLV_EXPR_MISSING)
			return eval(c, n->b, out);
		return 0;
	case N_ADD: case N_SUB: case N_MUL: case N_DIV:
		if ((rc = eval(c, n->a, &l)) || (rc = eval(c, n->b, &r)))
			return rc;
		if (!as_number(&l, &x) || !as_number(&r, &y) || (n->op == N_DIV && y == 0)) {
			set_missing(out);
			return 0;
		}
		set_number(out, n->op == N_ADD ? x + y : n->op == N_SUB ? x - y :
			   n->op == N_MUL ? x * y : x / y);
		return 0;
	default: /* comparisons */
		if ((rc = eval(c, n->a, &l)) || (rc = eval(c, n->b, &r)))
			return rc;
		if ((n->op == N_EQ || n->op == N_NE) &&
		    (c->e->nodes[n->a].op == N_NULL || c->e->nodes[n->b].op == N_NULL)) {
			/* `x == null`: the one test of missingness */
			const mlv_expr_value *x = c->e->nodes[n->a].op == N_NULL ? &r : &l;
			int missing = x->type == MLV_EXPR_MISSING;
			set_bool(out, n->op == N_EQ ? missing : !missing);
			return 0;
		}
		set_truth(out, compare(n->op, &l, &r));
		return 0;
	}
}

int mlv_expr_eval(const mlv_expr *e, mlv_expr_lookup_fn fn, void *payload, mlv_expr_value *out)
{
	struct evalctx c = { e, fn, payload };
	int rc;

	assert(e && fn && out);
	rc = eval(&c, e->root, out);
	if (rc)
		set_missing(out);
	return rc;
}

int mlv_expr_eval_bool(const mlv_expr *e, mlv_expr_lookup_fn fn, void *payload, int *out)
{
	mlv_expr_value v;
	int rc = mlv_expr_eval(e, fn, payload, &v);
	*out = !rc && v.type == MLV_EXPR_BOOL && v.boolean;
	return rc;
}

/* ---- text ---- */

static int put_number(mlv_buf *b, double d)
{
	char tmp[40];

	if (isnan(d))
		return mlv_buf_puts(b, "nan");
	if (isinf(d))
		return mlv_buf_puts(b, d < 0 ? "-inf" : "inf");
	snprintf(tmp, sizeof(tmp), "%.15g", d);
	if (strtod(tmp, NULL) != d)
		snprintf(tmp, sizeof(tmp), "%.17g", d);
	return mlv_buf_puts(b, tmp);
}

int mlv_expr_value_format(mlv_buf *out, const mlv_expr_value *v)
{
	switch (v->type) {
	case MLV_EXPR_NUMBER:
		return put_number(out, v->number);
	case MLV_EXPR_STRING:
		return mlv_buf_put_json_string(out, v->str ? v->str : "", v->len);
	case MLV_EXPR_BOOL:
		return mlv_buf_puts(out, v->boolean ? "true" : "false");
	default:
		return mlv_buf_puts(out, "missing");
	}
}

/* Binding strength of a node, loosest 1; leaves bind tightest. */
static int prec(int op)
{
	switch (op) {
	case N_OR: return 1;
	case N_AND: return 2;
	case N_NOT: return 3;
	case N_LT: case N_LE: case N_GT: case N_GE: case N_EQ: case N_NE: return 4;
	case N_DEFAULT: return 5;
	case N_ADD: case N_SUB: return 6;
	case N_MUL: case N_DIV: return 7;
	case N_NEG: return 8;
	default: return 9;
	}
}

static const char *op_text(int op)
{
	switch (op) {
	case N_OR: return " or ";
	case N_AND: return " and ";
	case N_DEFAULT: return " ?? ";
	case N_ADD: return " + ";
	case N_SUB: return " - ";
	case N_MUL: return " * ";
	case N_DIV: return " / ";
	case N_LT: return " < ";
	case N_LE: return " <= ";
	case N_GT: return " > ";
	case N_GE: return " >= ";
	case N_EQ: return " == ";
	default: return " != ";
	}
}

/* Format node I into B; with C, each field is followed by its value. */
static int fmt(const mlv_expr *e, uint32_t i, mlv_buf *b, const struct evalctx *c);

/* Node I, in parentheses when PAREN. */
static int fmt_sub(const mlv_expr *e, uint32_t i, mlv_buf *b, const struct evalctx *c, int paren)
{
	int rc;
	if (paren && (rc = mlv_buf_putc(b, '(')))
		return rc;
	if ((rc = fmt(e, i, b, c)))
		return rc;
	return paren ? mlv_buf_putc(b, ')') : 0;
}

static int fmt(const mlv_expr *e, uint32_t i, mlv_buf *b, const struct evalctx *c)
{
	const struct node *n = &e->nodes[i];
	int p = prec(n->op), rc = 0;

	switch (n->op) {
	case N_NUM:
		return put_number(b, n->num);
	case N_STR:
		return mlv_buf_put_json_string(b, e->pool.ptr + n->a, n->b);
	case N_BOOL:
		return mlv_buf_puts(b, n->a ? "true" : "false");
	case N_NULL:
		return mlv_buf_puts(b, "null");
	case N_FIELD:
		if ((rc = mlv_buf_puts(b, e->pool.ptr + n->b)))
			return rc;
		if (c) {
			mlv_expr_value v;
			if ((rc = lookup(c, n->a, &v)) || (rc = mlv_buf_puts(b, " (")) ||
			    (rc = mlv_expr_value_format(b, &v)) || (rc = mlv_buf_putc(b, ')')))
				return rc;
		}
		return 0;
	case N_NEG:
		if ((rc = mlv_buf_putc(b, '-')))
			return rc;
		return fmt_sub(e, n->a, b, c, prec(e->nodes[n->a].op) < p);
	case N_NOT:
		if ((rc = mlv_buf_puts(b, "not ")))
			return rc;
		return fmt_sub(e, n->a, b, c, prec(e->nodes[n->a].op) < p);
	case N_AND:
	case N_OR:
		for (uint32_t k = 0; k < n->b && !rc; k++) {
			uint32_t kid = e->kids[n->a + k];
			if (k && (rc = mlv_buf_puts(b, op_text(n->op))))
				break;
			rc = fmt_sub(e, kid, b, c, prec(e->nodes[kid].op) <= p);
		}
		return rc;
	default: {
		int lp = prec(e->nodes[n->a].op), rp = prec(e->nodes[n->b].op);
		int lparen, rparen;
		if (p == 4) {            /* comparisons do not chain */
			lparen = lp <= p;
			rparen = rp <= p;
		} else if (p == 5) {     /* ?? groups to the right */
			lparen = lp <= p;
			rparen = rp < p;
		} else {                 /* arithmetic groups to the left */
			lparen = lp < p;
			rparen = rp <= p;
		}
		if ((rc = fmt_sub(e, n->a, b, c, lparen)) || (rc = mlv_buf_puts(b, op_text(n->op))))
			return rc;
		return fmt_sub(e, n->b, b, c, rparen);
	}
	}
}

int mlv_expr_format(mlv_buf *out, const mlv_expr *e)
{
	return fmt(e, e->root, out, NULL);
}

int mlv_expr_explain(const mlv_expr *e, mlv_expr_lookup_fn fn, void *payload, mlv_buf *out)
{
	struct evalctx c = { e, fn, payload };
	mlv_expr_value v;
	int rc;

	if ((rc = fmt(e, e->root, out, &c)) || (rc = mlv_buf_puts(out, " \xe2\x86\x92 ")) ||
	    (rc = mlv_expr_eval(e, fn, payload, &v)))
		return rc;
	return mlv_expr_value_format(out, &v);
}
