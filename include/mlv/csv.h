/*
 * A streaming reader for tabular data files: CSV/TSV (RFC 4180) and JSON
 * Lines. Reads in blocks and hands out one row at a time as (pointer, length)
 * fields into its own buffer, so memory is bounded by the longest row, never
 * by the file.
 */
#ifndef MLV_CSV_H
#define MLV_CSV_H

#include <stddef.h>

/*
 * What the reader accepts (decisions, so that bad input gets a clear error
 * instead of silently wrong numbers):
 *
 * Delimited text
 *   - RFC 4180 quoting: a field that starts with '"' is quoted; '""' inside it
 *     is one '"'; it may hold delimiters, '\n' and '\r\n'. After the closing
 *     quote only a delimiter or the end of the row may follow, anything else
 *     is an error. A '"' inside an unquoted field is an ordinary character
 *     (5" screen), as pandas reads it.
 *   - Rows end with '\n' or '\r\n'; the last row may lack it. A lone '\r'
 *     inside a field is data.
 *   - A UTF-8 byte order mark at the start of the file is skipped.
 *   - The first non-blank row is the header. The delimiter is the one of
 *     ',' '\t' ';' '|' that occurs most often outside quotes in the header
 *     (ties in that order; ',' when none occurs), unless one is given.
 *   - Blank lines are skipped (as pandas does), everywhere.
 *   - Every row must have as many fields as the header ("line 7: expected
 *     5 fields, found 4"; the line is where the row starts).
 *   - An unterminated quoted field is an error naming the line where the
 *     quote opened.
 * JSON Lines
 *   - One flat JSON object per line; blank lines are skipped. The keys of
 *     the first object are the columns, in its order. Later objects may list
 *     keys in any order and may leave keys out (the field is then missing,
 *     length 0); a key the first object did not have is an error, as is a
 *     duplicate key, a nested object or array, or a line that is not one
 *     JSON object ("line 5: invalid JSON near column 12").
 *   - Values become text: strings as they decode, numbers in their shortest
 *     round-trip form ("%.15g".."%.17g": 0.1 stays "0.1", 2.0 becomes "2"),
 *     true/false as "true"/"false", null as a missing (empty) field.
 * Both
 *   - Text must be UTF-8: invalid bytes are an error naming the line and the
 *     field ("line 3, field 2: invalid UTF-8 byte 0xe9"), unless
 *     MLV_CSV_NO_UTF8_CHECK is given. We refuse rather than guess an
 *     encoding, because a Latin-1 file read as bytes gives categories that
 *     never match the other file's.
 *   - A single field longer than max_field (64 MiB by default) or a row
 *     longer than max_row (256 MiB by default) is an error; nothing else
 *     limits field length or count.
 *   - An empty file (no header) is an error; a header-only file has 0 rows.
 *
 * Thread safety: one mlv_csv must be used by one thread at a time; separate
 * readers may run in parallel threads (errors are per thread).
 */

typedef struct mlv_csv mlv_csv;

/* One field of a row: LEN bytes at PTR, not NUL-terminated. */
typedef struct mlv_csv_field {
	const char *ptr;
	size_t len;
} mlv_csv_field;

enum {
	MLV_CSV_AUTO = 0,      /* JSON Lines if the first non-blank byte is '{', else delimited */
	MLV_CSV_DELIMITED = 1, /* CSV, TSV and the like */
	MLV_CSV_JSONL = 2      /* JSON Lines */
};

enum {
	MLV_CSV_NO_UTF8_CHECK = 1 << 0 /* pass bytes through without validating UTF-8 */
};

#define MLV_CSV_DEFAULT_BLOCK (1u << 20)        /* 1 MiB read size */
#define MLV_CSV_DEFAULT_MAX_FIELD (64u << 20)   /* 64 MiB */
#define MLV_CSV_DEFAULT_MAX_ROW (256u << 20)    /* 256 MiB */

/*
 * Options for mlv_csv_open*; zero-initialise and set what you need (every
 * zero member means "the default"). A NULL options pointer means all defaults.
 */
typedef struct mlv_csv_options {
	int format;        /* MLV_CSV_AUTO, MLV_CSV_DELIMITED or MLV_CSV_JSONL */
	char delimiter;    /* delimited text: the delimiter, or 0 to sniff it */
	unsigned flags;    /* MLV_CSV_* flags */
	size_t block_size; /* bytes per read(2); 0 = MLV_CSV_DEFAULT_BLOCK */
	size_t max_field;  /* 0 = MLV_CSV_DEFAULT_MAX_FIELD */
	size_t max_row;    /* 0 = MLV_CSV_DEFAULT_MAX_ROW */
} mlv_csv_options;

/*
 * Open PATH and read its header. On success *OUT is a new reader (free with
 * mlv_csv_free) and 0 is returned; otherwise *OUT is NULL and the result is
 * MLV_ENOTFOUND (no such file), MLV_EIO (cannot open or read), MLV_EINVALID
 * (empty file, bad header) or MLV_ENOMEM, with the error set. OPTS may be
 * NULL; it is copied.
 */
int mlv_csv_open(mlv_csv **out, const char *path, const mlv_csv_options *opts);

/*
 * As mlv_csv_open, reading from FD from its current position (a pipe works:
 * the reader only ever reads forward). NAME is used in error messages (for
 * example "-" or "<stdin>"); it is copied. The reader does not close FD.
 */
int mlv_csv_open_fd(mlv_csv **out, int fd, const char *name, const mlv_csv_options *opts);

/* Close the file (when opened by path) and free the reader. NULL is a no-op. */
void mlv_csv_free(mlv_csv *r);

/* The number of columns (fields of the header); at least 1. */
size_t mlv_csv_ncols(const mlv_csv *r);

/*
 * The column names, mlv_csv_ncols() of them, owned by the reader and valid
 * until mlv_csv_free. Names are not NUL-terminated (use the lengths).
 */
const mlv_csv_field *mlv_csv_header(const mlv_csv *r);

/* The delimiter in use (sniffed or given); 0 for JSON Lines. */
char mlv_csv_delimiter(const mlv_csv *r);

/* MLV_CSV_DELIMITED or MLV_CSV_JSONL: the format in use. */
int mlv_csv_format(const mlv_csv *r);

/*
 * Read the next row. Returns 1 and sets *FIELDS to an array of
 * mlv_csv_ncols() fields, 0 at the end of the input (*FIELDS set to NULL),
 * or a negative MLV_E* code with the error set (MLV_EINVALID for malformed
 * input, MLV_EIO for read errors, MLV_ENOMEM). The array and the bytes it
 * points to are owned by the reader and valid until the next call of
 * mlv_csv_next or mlv_csv_free. Fields are not NUL-terminated. After an
 * error the reader only returns that error again.
 */
int mlv_csv_next(mlv_csv *r, const mlv_csv_field **fields);

/*
 * The 1-based line number where the row last returned by mlv_csv_next
 * starts (the header's line before the first row). Quoted newlines count.
 */
unsigned long mlv_csv_line(const mlv_csv *r);

/*
 * Whether the LEN bytes at S spell a missing value: the empty string, or
 * exactly one of pandas' default missing-value spellings ("NA", "N/A", "n/a",
 * "NaN", "nan", "-NaN", "-nan", "null", "NULL", "None", "<NA>", "#N/A",
 * "#N/A N/A", "#NA", "-1.#IND", "-1.#QNAN", "1.#IND", "1.#QNAN"), or an
 * infinity in any case ("inf", "+inf", "-inf", "infinity", "+Infinity",
 * "-INF"...): DESIGN.md drops ±inf before any test. No trimming: " NA" is a
 * value. Returns 1 or 0.
 */
int mlv_csv_is_missing(const char *s, size_t len);

#endif
