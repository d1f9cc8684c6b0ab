/* Unit tests: the streaming CSV/TSV and JSON Lines reader, good input and bad. */
#include <fcntl.h>
#include <stdlib.h>
#include <unistd.h>
#include "harness.h"
#include "mlv/csv.h"

static char *write_tmp(const char *name, const void *data, size_t len)
{
	char *path = malloc(4096);
	snprintf(path, 4096, "%s/%s", test_tmpdir(), name);
	test_write_file(path, data, len);
	return path;
}

static int field_is(const mlv_csv_field *f, const char *s)
{
	return f->len == strlen(s) && !memcmp(f->ptr, s, f->len);
}

/* Open DATA (written to a file) with OPTS; NULL on failure (error kept). */
static mlv_csv *open_str(const char *name, const char *data, size_t len, const mlv_csv_options *opts)
{
	mlv_csv *r = NULL;
	char *path = write_tmp(name, data, len);
	if (mlv_csv_open(&r, path, opts))
		r = NULL;
	free(path);
	return r;
}

/* Read every row; returns the final code (0 at a clean end). */
static int drain(mlv_csv *r, size_t *rows)
{
	const mlv_csv_field *f;
	int rc;
	*rows = 0;
	while ((rc = mlv_csv_next(r, &f)) == 1)
		(*rows)++;
	return rc;
}

static void test_quoting(void)
{
	static const char data[] = "a,b,c\n1,\"x,y\",3\n\"he said \"\"hi\"\"\",\"multi\nline\",z\n\"\",,\"\"\"\"\n5\" screen,b\"c,\n";
	const mlv_csv_field *f;
	mlv_csv *r = open_str("q.csv", data, sizeof(data) - 1, NULL);
	CHECK(r != NULL);
	if (!r)
		return;
	CHECK(mlv_csv_ncols(r) == 3 && mlv_csv_delimiter(r) == ',' && mlv_csv_format(r) == MLV_CSV_DELIMITED);
	CHECK(field_is(&mlv_csv_header(r)[2], "c"));
	CHECK_RC(mlv_csv_next(r, &f), 1);
	CHECK(field_is(&f[0], "1") && field_is(&f[1], "x,y") && field_is(&f[2], "3"));
	CHECK(mlv_csv_line(r) == 2);
	CHECK_RC(mlv_csv_next(r, &f), 1);
	CHECK(field_is(&f[0], "he said \"hi\"") && field_is(&f[1], "multi\nline") && field_is(&f[2], "z"));
	CHECK(mlv_csv_line(r) == 3);
	CHECK_RC(mlv_csv_next(r, &f), 1);
	CHECK(field_is(&f[0], "") && field_is(&f[1], "") && field_is(&f[2], "\""));
	CHECK(mlv_csv_line(r) == 5); /* the quoted newline counts */
	CHECK_RC(mlv_csv_next(r, &f), 1);
	CHECK(field_is(&f[0], "5\" screen") && field_is(&f[1], "b\"c") && field_is(&f[2], ""));
	CHECK_RC(mlv_csv_next(r, &f), 0);
	CHECK(f == NULL);
	CHECK_RC(mlv_csv_next(r, &f), 0);
	mlv_csv_free(r);
	mlv_csv_free(NULL);
}

static void test_crlf_bom_sniff(void)
{
	static const char crlf[] = "a,b\r\n1,2\r\n3,\"q\r\nw\"\r\n\r\n4,\r\n5,6";
	const mlv_csv_field *f;
	mlv_csv *r = open_str("crlf.csv", crlf, sizeof(crlf) - 1, NULL);
	CHECK(r != NULL);
	if (r) {
		CHECK(field_is(&mlv_csv_header(r)[1], "b"));
		CHECK_RC(mlv_csv_next(r, &f), 1);
		CHECK(field_is(&f[0], "1") && field_is(&f[1], "2"));
		CHECK_RC(mlv_csv_next(r, &f), 1);
		CHECK(field_is(&f[0], "3") && field_is(&f[1], "q\r\nw")); /* quoted: kept as is */
		CHECK_RC(mlv_csv_next(r, &f), 1);
		CHECK(field_is(&f[0], "4") && field_is(&f[1], ""));
		CHECK(mlv_csv_line(r) == 6); /* after a blank line */
		CHECK_RC(mlv_csv_next(r, &f), 1); /* no newline at the end */
		CHECK(field_is(&f[0], "5") && field_is(&f[1], "6"));
		CHECK_RC(mlv_csv_next(r, &f), 0);
		mlv_csv_free(r);
	}

	static const char tsv[] = "\xef\xbb\xbfname\tprice,usd\tqty\n\"x\ty\"\t1,5\t2\n";
	r = open_str("bom.tsv", tsv, sizeof(tsv) - 1, NULL);
	CHECK(r != NULL);
	if (r) {
		CHECK(mlv_csv_delimiter(r) == '\t' && mlv_csv_ncols(r) == 3);
		CHECK(field_is(&mlv_csv_header(r)[0], "name")); /* BOM skipped */
		CHECK(field_is(&mlv_csv_header(r)[1], "price,usd"));
		CHECK_RC(mlv_csv_next(r, &f), 1);
		CHECK(field_is(&f[0], "x\ty") && field_is(&f[1], "1,5"));
		mlv_csv_free(r);
	}

	static const char semi[] = "a;b;\"c;d,e,f,g\"\n1;2;3\n";
	r = open_str("semi.csv", semi, sizeof(semi) - 1, NULL);
	CHECK(r && mlv_csv_delimiter(r) == ';' && mlv_csv_ncols(r) == 3);
	mlv_csv_free(r);
	static const char pipe_[] = "a|b|c\n1|2|3\n";
	r = open_str("pipe.csv", pipe_, sizeof(pipe_) - 1, NULL);
	CHECK(r && mlv_csv_delimiter(r) == '|' && mlv_csv_ncols(r) == 3);
	mlv_csv_free(r);
	static const char one[] = "value\n1\n\n2\n";
	size_t rows;
	r = open_str("one.csv", one, sizeof(one) - 1, NULL);
	CHECK(r && mlv_csv_delimiter(r) == ',' && mlv_csv_ncols(r) == 1);
	if (r) {
		CHECK_RC(drain(r, &rows), 0);
		CHECK(rows == 2); /* blank lines are skipped, as pandas does */
		mlv_csv_free(r);
	}
	/* a given delimiter wins over sniffing */
	mlv_csv_options o = { 0 };
	o.delimiter = ';';
	r = open_str("given.csv", "a,b;c\n1,2;3\n", 12, &o);
	CHECK(r && mlv_csv_ncols(r) == 2 && field_is(&mlv_csv_header(r)[0], "a,b"));
	mlv_csv_free(r);
}

static void test_bad_input(void)
{
	size_t rows;
	mlv_csv *r;
	const mlv_csv_field *f;

	/* ragged: the line is where the row starts, quoted newlines counted */
	static const char ragged[] = "a,b,c,d,e\n1,2,3,4,5\n\"x\ny\",2,3,4,5\n\n1,2,3,4,5\n1,2,3,4,5\n1,2,3,4\n";
	r = open_str("ragged.csv", ragged, sizeof(ragged) - 1, NULL);
	CHECK(r != NULL);
	if (r) {
		CHECK_RC(drain(r, &rows), MLV_EINVALID);
		CHECK(rows == 4);
		CHECK(strstr(mlv_error_last(), "ragged.csv', line 8: expected 5 fields, found 4") != NULL);
		CHECK_RC(mlv_csv_next(r, &f), MLV_EINVALID); /* sticky */
		mlv_csv_free(r);
	}
	r = open_str("ragged2.csv", "a,b\n1,2,3\n", 10, NULL);
	CHECK(r != NULL);
	if (r) {
		CHECK_RC(drain(r, &rows), MLV_EINVALID);
		CHECK(strstr(mlv_error_last(), "line 2: expected 2 fields, found 3") != NULL);
		mlv_csv_free(r);
	}

	/* unterminated quote: named by the line where it opens */
	static const char unterminated[] = "a,b\n1,2\n3,\"abc\n4,5\n6,7\n";
	r = open_str("unterminated.csv", unterminated, sizeof(unterminated) - 1, NULL);
	CHECK(r != NULL);
	if (r) {
		CHECK_RC(drain(r, &rows), MLV_EINVALID);
		CHECK(rows == 1);
		CHECK(strstr(mlv_error_last(), "line 3: unterminated quoted field") != NULL);
		mlv_csv_free(r);
	}
	r = open_str("after.csv", "a,b\n\"x\"y,2\n", 11, NULL);
	CHECK(r != NULL);
	if (r) {
		CHECK_RC(drain(r, &rows), MLV_EINVALID);
		CHECK(strstr(mlv_error_last(), "line 2: unexpected character 'y' after the closing quote of field 1") != NULL);
		mlv_csv_free(r);
	}

	/* empty file, blank-only file, header-only file */
	CHECK(open_str("empty.csv", "", 0, NULL) == NULL);
	CHECK_RC(mlv_error_code(), MLV_EINVALID);
	CHECK(strstr(mlv_error_last(), "empty.csv' is empty (no header row)") != NULL);
	CHECK(open_str("blank.csv", "\n\r\n\n", 4, NULL) == NULL);
	CHECK(strstr(mlv_error_last(), "is empty") != NULL);
	r = open_str("header.csv", "a,b,c\n", 6, NULL);
	CHECK(r && mlv_csv_ncols(r) == 3);
	if (r) {
		CHECK_RC(drain(r, &rows), 0);
		CHECK(rows == 0);
		mlv_csv_free(r);
	}
	r = open_str("header2.csv", "a,b,c", 5, NULL); /* no newline at all */
	CHECK(r && mlv_csv_ncols(r) == 3);
	mlv_csv_free(r);

	/* missing file */
	CHECK_RC(mlv_csv_open(&r, "/nonexistent/x.csv", NULL), MLV_ENOTFOUND);
	CHECK(r == NULL);
	CHECK_STR(mlv_error_last(), "cannot open '/nonexistent/x.csv': no such file or directory");

	/* non-UTF-8 bytes: refused with line and field, unless asked not to check */
	static const char latin1[] = "name,city\nx,Z\xfcrich\n";
	r = open_str("latin1.csv", latin1, sizeof(latin1) - 1, NULL);
	CHECK(r != NULL);
	if (r) {
		CHECK_RC(drain(r, &rows), MLV_EINVALID);
		CHECK(strstr(mlv_error_last(), "line 2, field 2: invalid UTF-8 byte 0xfc") != NULL);
		mlv_csv_free(r);
	}
	mlv_csv_options o = { 0 };
	o.flags = MLV_CSV_NO_UTF8_CHECK;
	r = open_str("latin1b.csv", latin1, sizeof(latin1) - 1, &o);
	CHECK(r != NULL);
	if (r) {
		CHECK_RC(mlv_csv_next(r, &f), 1);
		CHECK(field_is(&f[1], "Z\xfcrich"));
		mlv_csv_free(r);
	}
	static const char utf8[] = "k\n\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80\n\xed\xa0\x80\n";
	r = open_str("utf8.csv", utf8, sizeof(utf8) - 1, NULL);
	CHECK(r != NULL);
	if (r) {
		CHECK_RC(mlv_csv_next(r, &f), 1); /* é € 😀 */
		CHECK(f[0].len == 9);
		CHECK_RC(mlv_csv_next(r, &f), MLV_EINVALID); /* a UTF-16 surrogate */
		CHECK(strstr(mlv_error_last(), "line 3, field 1: invalid UTF-8 byte 0xed") != NULL);
		mlv_csv_free(r);
	}
}

static void test_jsonl(void)
{
	static const char good[] = "{\"a\": 1, \"b\": \"x\", \"c\": true}\n\n"
		"{\"b\": \"y\\u00e9\\n\", \"a\": 2.5, \"c\": false}\r\n"
		"{\"a\": null, \"c\": 0.1}\n{\"a\": 1e300, \"b\": \"\"}\n";
	const mlv_csv_field *f;
	size_t rows;
	mlv_csv *r = open_str("good.jsonl", good, sizeof(good) - 1, NULL);
	CHECK(r != NULL);
	if (!r)
		return;
	CHECK(mlv_csv_format(r) == MLV_CSV_JSONL && mlv_csv_ncols(r) == 3 && mlv_csv_delimiter(r) == 0);
	CHECK(field_is(&mlv_csv_header(r)[0], "a") && field_is(&mlv_csv_header(r)[2], "c"));
	CHECK_RC(mlv_csv_next(r, &f), 1);
	CHECK(field_is(&f[0], "1") && field_is(&f[1], "x") && field_is(&f[2], "true"));
	CHECK(mlv_csv_line(r) == 1);
	CHECK_RC(mlv_csv_next(r, &f), 1);
	CHECK(field_is(&f[0], "2.5") && field_is(&f[1], "y\xc3\xa9\n") && field_is(&f[2], "false"));
	CHECK(mlv_csv_line(r) == 3);
	CHECK_RC(mlv_csv_next(r, &f), 1);
	CHECK(f[0].len == 0 && f[1].len == 0 && field_is(&f[2], "0.1")); /* null and absent: missing */
	CHECK(mlv_csv_is_missing(f[0].ptr, f[0].len) && mlv_csv_is_missing(f[1].ptr, f[1].len));
	CHECK_RC(mlv_csv_next(r, &f), 1);
	CHECK(field_is(&f[0], "1e+300") && field_is(&f[1], ""));
	CHECK_RC(mlv_csv_next(r, &f), 0);
	mlv_csv_free(r);

	static const char broken[] = "{\"a\": 1}\n{\"a\": 2}\n\n{\"a\": 3,}\n{\"a\": 4}\n";
	r = open_str("broken.jsonl", broken, sizeof(broken) - 1, NULL);
	CHECK(r != NULL);
	if (r) {
		CHECK_RC(drain(r, &rows), MLV_EINVALID);
		CHECK(rows == 2);
		CHECK(strstr(mlv_error_last(), "broken.jsonl', line 4: invalid JSON near column") != NULL);
		mlv_csv_free(r);
	}
	static const char *const bad[][2] = {
		{ "{\"a\": 1}\n{\"b\": 2}\n", "line 2: key 'b' is not a column" },
		{ "{\"a\": 1}\n{\"a\": [1, 2]}\n", "line 2: the value of 'a' is not a scalar" },
		{ "{\"a\": 1}\n{\"a\": 1, \"a\": 2}\n", "line 2: duplicate key 'a'" },
		{ "{\"a\": 1}\n[1]\n", "line 2: not a JSON object" },
		{ "{\"a\": 1}\n{\"a\": 1} x\n", "line 2: invalid JSON near column 10 (text after the object)" },
		{ "{\"a\": 1}\n{\"a\": \"\xff\"}\n", "line 2, column 8: invalid UTF-8 byte 0xff" },
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		r = open_str("bad.jsonl", bad[i][0], strlen(bad[i][0]), NULL);
		CHECK(r != NULL);
		if (!r)
			continue;
		CHECK_RC(drain(r, &rows), MLV_EINVALID);
		if (!strstr(mlv_error_last(), bad[i][1])) {
			test_failures++;
			fprintf(stderr, "jsonl case %zu: got \"%s\", expected \"%s\"\n", i, mlv_error_last(), bad[i][1]);
		}
		mlv_csv_free(r);
	}
	CHECK(open_str("nokeys.jsonl", "{}\n", 3, NULL) == NULL);
	CHECK(strstr(mlv_error_last(), "the first object has no keys") != NULL);
	/* a forced format: a '{' header read as CSV */
	mlv_csv_options o = { 0 };
	o.format = MLV_CSV_DELIMITED;
	r = open_str("brace.csv", "{x,y\n1,2\n", 9, &o);
	CHECK(r && mlv_csv_ncols(r) == 2 && field_is(&mlv_csv_header(r)[0], "{x"));
	mlv_csv_free(r);
}

static void test_huge_fields(void)
{
	const size_t big = 10u << 20;
	mlv_buf data = MLV_BUF_INIT;
	const mlv_csv_field *f;
	mlv_csv_options o = { 0 };
	mlv_csv *r;
	size_t rows;
	int ok = 1;

	mlv_buf_puts(&data, "id,text,n\n1,\"");
	for (size_t i = 0; i < big; i++)
		mlv_buf_putc(&data, i % 1000 == 999 ? '\n' : (i % 3000 == 1 ? ',' : 'a' + (char)(i % 26)));
	mlv_buf_puts(&data, "\"\"end\",2\n2,");
	for (size_t i = 0; i < big; i++)
		mlv_buf_putc(&data, 'z');
	mlv_buf_puts(&data, ",3\n3,x,4\n");
	o.block_size = 4096; /* many refills, and the buffer has to grow */
	r = open_str("huge.csv", data.ptr, data.size, &o);
	CHECK(r != NULL);
	if (r) {
		CHECK_RC(mlv_csv_next(r, &f), 1);
		CHECK(f[1].len == big + 4 && !memcmp(f[1].ptr + big, "\"end", 4));
		for (size_t i = 0; i < big && ok; i++)
			if (f[1].ptr[i] != (i % 1000 == 999 ? '\n' : (i % 3000 == 1 ? ',' : 'a' + (char)(i % 26))))
				ok = 0;
		CHECK(ok);
		CHECK(field_is(&f[2], "2"));
		CHECK_RC(mlv_csv_next(r, &f), 1);
		CHECK(mlv_csv_line(r) == 3 + big / 1000);
		CHECK(f[1].len == big && f[1].ptr[0] == 'z' && f[1].ptr[big - 1] == 'z' && field_is(&f[2], "3"));
		CHECK_RC(mlv_csv_next(r, &f), 1);
		CHECK(field_is(&f[1], "x"));
		CHECK_RC(mlv_csv_next(r, &f), 0);
		mlv_csv_free(r);
	}
	/* over the cap: a clear error, not unbounded memory */
	o.max_field = 1u << 20;
	r = open_str("huge2.csv", data.ptr, data.size, &o);
	CHECK(r != NULL);
	if (r) {
		CHECK_RC(drain(r, &rows), MLV_EINVALID);
		CHECK(strstr(mlv_error_last(), "line 2: field 2 is longer than 1 MiB") != NULL);
		mlv_csv_free(r);
	}
	mlv_buf_release(&data);
}

/* The same random file read with many block sizes gives the same rows. */
static void test_block_boundaries(void)
{
	static const char *const pieces[] = { "abc", "\"q,\"\"x\"\"\"", "", "\"l1\r\nl2\"", "12.5", "\"\"", "NA", "\xc3\xa9t\xc3\xa9" };
	unsigned char rnd[4000];
	mlv_buf data = MLV_BUF_INIT, ref = MLV_BUF_INIT, got = MLV_BUF_INIT;
	static const size_t blocks[] = { 16, 17, 31, 64, 100, 1000, 1 << 20 };
	test_random(rnd, sizeof(rnd), 9);
	mlv_buf_puts(&data, "c1,c2,c3\n");
	for (size_t i = 0; i + 3 < sizeof(rnd); i += 3) {
		for (int k = 0; k < 3; k++) {
			mlv_buf_puts(&data, pieces[rnd[i + k] % 8]);
			mlv_buf_puts(&data, k < 2 ? "," : (rnd[i] & 1) ? "\r\n" : "\n");
		}
	}
	for (size_t b = 0; b < sizeof(blocks) / sizeof(blocks[0]); b++) {
		mlv_csv_options o = { 0 };
		const mlv_csv_field *f;
		mlv_csv *r;
		int rc;
		o.block_size = blocks[b];
		r = open_str("blocks.csv", data.ptr, data.size, &o);
		CHECK(r != NULL);
		if (!r)
			continue;
		mlv_buf *out = b == 0 ? &ref : &got;
		mlv_buf_clear(out);
		while ((rc = mlv_csv_next(r, &f)) == 1)
			for (int k = 0; k < 3; k++) {
				mlv_buf_printf(out, "%lu:%zu:", mlv_csv_line(r), f[k].len);
				mlv_buf_put(out, f[k].ptr, f[k].len);
			}
		CHECK_RC(rc, 0);
		if (b > 0)
			CHECK(got.size == ref.size && !memcmp(got.ptr, ref.ptr, ref.size));
		mlv_csv_free(r);
	}
	CHECK(ref.size > 10000);
	mlv_buf_release(&data);
	mlv_buf_release(&ref);
	mlv_buf_release(&got);
}

static void test_fd(void)
{
	static const char data[] = "x,y\n1,2\n";
	char *path = write_tmp("fd.csv", data, sizeof(data) - 1);
	int fd = open(path, O_RDONLY);
	mlv_csv *r;
	const mlv_csv_field *f;
	CHECK_OK(mlv_csv_open_fd(&r, fd, "<stdin>", NULL));
	CHECK_RC(mlv_csv_next(r, &f), 1);
	CHECK(field_is(&f[1], "2"));
	mlv_csv_free(r);
	CHECK(close(fd) == 0); /* the reader did not close it */
	fd = open(path, O_RDONLY);
	CHECK_OK(mlv_csv_open_fd(&r, fd, "<stdin>", NULL));
	mlv_csv_free(r);
	close(fd);
	free(path);
}

static void test_missing(void)
{
	static const char *const yes[] = { "", "NA", "N/A", "n/a", "NaN", "nan", "-NaN", "-nan", "null", "NULL", "None",
		"<NA>", "#N/A", "#N/A N/A", "#NA", "-1.#IND", "-1.#QNAN", "1.#IND", "1.#QNAN", "inf", "-inf", "+inf", "INF",
		"Inf", "-Infinity", "infinity", "+INFINITY" };
	static const char *const no[] = { "0", " NA", "NA ", "na", "Null", "none", "infinit", "infinityy", "--inf", "nan1", "0.0", "-" };
	for (size_t i = 0; i < sizeof(yes) / sizeof(yes[0]); i++)
		if (!mlv_csv_is_missing(yes[i], strlen(yes[i]))) {
			test_failures++;
			fprintf(stderr, "'%s' should be missing\n", yes[i]);
		}
	for (size_t i = 0; i < sizeof(no) / sizeof(no[0]); i++)
		if (mlv_csv_is_missing(no[i], strlen(no[i]))) {
			test_failures++;
			fprintf(stderr, "'%s' should not be missing\n", no[i]);
		}
	test_checks += 2;
	CHECK(mlv_csv_is_missing("NAN", 2)); /* "NA": the length counts, not a NUL */
}

/*
 * Random rows against the fields they were made from, for each delimiter
 * and several block sizes: the fast paths (the 64-byte delimiter window,
 * the SWAR scan) must split exactly as the plain byte loop does, across
 * windows, rows, refills and quoted fields.
 */
static void test_random_rows(void)
{
	static const char delims[] = { ',', '\t', ';', '|' };
	static const size_t blocks[] = { 16, 63, 64, 65, 200, 1 << 20 };
	static const char plain[] = "abcxyz0123456789.-+ \"#\xc3\xa9";
	unsigned long long x = 7;
	for (size_t d = 0; d < sizeof(delims); d++) {
		char delim = delims[d];
		mlv_buf data = MLV_BUF_INIT, want = MLV_BUF_INIT, got = MLV_BUF_INIT, field = MLV_BUF_INIT;
		size_t ncols = 2 + d * 7, nrows = 600;
		for (size_t row = 0; row <= nrows; row++) {
			for (size_t c = 0; c < ncols; c++) {
				x = x * 6364136223846793005ULL + 1442695040888963407ULL;
				unsigned kind = (unsigned)(x >> 60), len = (unsigned)(x >> 33) % (kind == 0 ? 200 : 12);
				mlv_buf_clear(&field);
				if (row == 0) {
					mlv_buf_printf(&field, "c%zu", c);
					mlv_buf_put(&data, field.ptr, field.size);
				} else if (kind < 3) { /* quoted: delimiters, quotes, line breaks inside */
					mlv_buf_putc(&data, '"');
					for (unsigned i = 0; i < len; i++) {
						x = x * 6364136223846793005ULL + 1442695040888963407ULL;
						char ch = "ab\",\t;|\n\r9"[(x >> 40) % 10];
						mlv_buf_putc(&field, ch);
						mlv_buf_putc(&data, ch);
						if (ch == '"')
							mlv_buf_putc(&data, '"');
					}
					mlv_buf_putc(&data, '"');
				} else { /* plain: anything but the delimiter and line breaks, not starting with a quote */
					for (unsigned i = 0; i < len; i++) {
						x = x * 6364136223846793005ULL + 1442695040888963407ULL;
						char ch = plain[(x >> 40) % (sizeof(plain) - 1)];
						if (ch == '"' && i == 0)
							ch = 'q';
						if ((unsigned char)ch >= 0x80) { /* keep UTF-8 whole */
							mlv_buf_puts(&field, "\xc3\xa9");
							i++;
							continue;
						}
						mlv_buf_putc(&field, ch);
					}
					mlv_buf_put(&data, field.ptr, field.size);
				}
				if (row > 0) {
					mlv_buf_printf(&want, "%zu:", field.size);
					mlv_buf_put(&want, field.ptr, field.size);
				}
				if (c + 1 < ncols)
					mlv_buf_putc(&data, delim);
			}
			mlv_buf_puts(&data, (x >> 20) & 1 ? "\r\n" : "\n");
			if (((x >> 24) & 15) == 0)
				mlv_buf_puts(&data, "\n"); /* a blank line */
		}
		for (size_t b = 0; b < sizeof(blocks) / sizeof(blocks[0]); b++) {
			mlv_csv_options o = { 0 };
			const mlv_csv_field *f;
			size_t rows = 0;
			mlv_csv *r;
			int rc;
			o.block_size = blocks[b];
			o.delimiter = delim;
			CHECK((r = open_str("random.csv", data.ptr, data.size, &o)) != NULL);
			if (!r)
				continue;
			mlv_buf_clear(&got);
			while ((rc = mlv_csv_next(r, &f)) == 1) {
				rows++;
				for (size_t c = 0; c < ncols; c++) {
					mlv_buf_printf(&got, "%zu:", f[c].len);
					mlv_buf_put(&got, f[c].ptr, f[c].len);
				}
			}
			CHECK_RC(rc, 0);
			CHECK(rows == nrows);
			CHECK(got.size == want.size && !memcmp(got.ptr, want.ptr, want.size));
			mlv_csv_free(r);
		}
		mlv_buf_release(&data);
		mlv_buf_release(&want);
		mlv_buf_release(&got);
		mlv_buf_release(&field);
	}
}

int main(void)
{
	test_quoting();
	test_crlf_bom_sniff();
	test_bad_input();
	test_jsonl();
	test_huge_fields();
	test_block_boundaries();
	test_random_rows();
	test_fd();
	test_missing();
	return test_done("test_csv");
}
