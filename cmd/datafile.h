/*
 * What `mlv schema` and `mlv validate` share: opening a data argument (a
 * file, standard input or a spec of tracked data) as a streaming reader,
 * the missing-value rule, numbers in JSON, and a set of byte strings.
 */
#ifndef MLV_CMD_DATAFILE_H
#define MLV_CMD_DATAFILE_H

#include <stddef.h>
#include <stdint.h>

#include "commands.h"
#include "mlv/csv.h"

/* One data argument being read. */
struct datafile {
	const char *arg;   /* as the user typed it: used in messages */
	int fd;            /* -1 when not open */
	int close_fd;
	mlv_csv *rd;       /* header read, rows next */
};

/*
 * Open ARG: "-" is standard input, an existing file is read as is,
 * anything else is resolved as a spec (path, path@rev, id) and its object
 * copied to an unlinked temporary file. The format follows the name
 * (.jsonl/.ndjson: JSON Lines; .tsv/.tab: tab-separated unless DELIMITER
 * is given), else the reader sniffs it. A column name that occurs twice is
 * an error. Returns 0, or an exit status with the message printed; release
 * DF with datafile_close either way.
 */
/*
 * The object ARG names (a tracked path, path@rev or an id), copied into an
 * unlinked temporary file so it can be read more than once; *out is its fd,
 * at offset 0, for the caller to close. Returns 0, or 128 after reporting.
 */
int datafile_spec_fd(struct mlv_ctx *ctx, const char *arg, int *out);

/*
 * datafile_spec_fd that also takes the data a model version was trained
 * on, NAME@REF:data[...] (model.h). NAME, when not NULL, receives the path
 * the data was read from for such a spec (malloc'd; its suffix tells the
 * format, as a file name does), else NULL.
 */
int datafile_spec_open(struct mlv_ctx *ctx, const char *arg, int *out, char **name);

/*
 * The format a name tells (NAME, LEN bytes): .jsonl/.ndjson are JSON Lines,
 * .tsv/.tab tab-separated unless OPTS already has a delimiter.
 */
void datafile_format_from_name(const char *name, size_t len, mlv_csv_options *opts);

int datafile_open(struct datafile *df, struct mlv_ctx *ctx, const char *arg, char delimiter);
void datafile_close(struct datafile *df);

/* "--delimiter" values: one character, "tab" or "\t". 0, or -1 when S is none of them. */
int datafile_parse_delimiter(const char *s, char *out);

/*
 * The missing-value rule of both commands: mlv_csv_is_missing, or a number
 * that does not fit a double (1e999), as mlv/stats.h counts it.
 */
int datafile_is_missing(const char *s, size_t len);

/* Append V as JSON: integers as integers, others in their shortest round-trip form. */
int datafile_put_number(mlv_buf *b, double v);

/* A set of byte strings (values of a column), copied in. */
struct strset_entry {
	char *ptr;         /* NULL: empty slot; else LEN bytes, NUL-terminated */
	size_t len;
	uint64_t hash;
};

struct strset {
	struct strset_entry *slots;
	size_t cap, n;
};

#define STRSET_INIT { NULL, 0, 0 }

/* Add LEN bytes at S: 1 when new, 0 when already there, MLV_ENOMEM. */
int strset_add(struct strset *s, const char *p, size_t len);
/* 1 when the LEN bytes at P are in S. */
int strset_has(const struct strset *s, const char *p, size_t len);
void strset_release(struct strset *s);

#endif
