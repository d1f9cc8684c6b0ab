/*
 * Pointer files: the small canonical JSON file "<path>.mlv" committed to git
 * in place of tracked data.
 *   {"kind":"file","oid":"sha256:<64 hex>","size":1234}
 *   {"files":3,"kind":"dir","oid":"sha256:<tree id>","size":5678}
 *   {"kind":"link","oid":"sha256:<id of the target text>","size":9}
 * Keys are sorted and there is no whitespace but a final newline, so the
 * same data always gives the same bytes (and the same git blob).
 */
#ifndef MLV_POINTER_H
#define MLV_POINTER_H

#include <stdint.h>
#include <stddef.h>
#include "mlv/oid.h"
#include "mlv/buf.h"

#define MLV_POINTER_EXT ".mlv"

typedef enum mlv_ptr_kind {
	MLV_PTR_FILE = 1,
	MLV_PTR_DIR = 2,
	MLV_PTR_LINK = 3
} mlv_ptr_kind;

typedef struct mlv_pointer {
	mlv_ptr_kind kind;
	mlv_oid oid;
	uint64_t size;   /* bytes of the file, or of all files below a directory */
	uint64_t files;  /* directories only: how many files are below it */
} mlv_pointer;

/* "file", "dir", "link". */
const char *mlv_ptr_kind_name(mlv_ptr_kind k);

/*
 * Parse pointer bytes. WHAT names the pointer in messages ("data/x.csv.mlv").
 * Refuses, with MLV_EINVALID and a message saying why: text that is not JSON
 * (with the byte offset), a non-object, an unknown kind, an id that is not
 * "sha256:" and 64 hex digits, a size or file count that is not a
 * non-negative integer, missing keys. Unknown extra keys are ignored (a
 * newer mlv may add some).
 */
int mlv_pointer_parse(mlv_pointer *out, const char *data, size_t len, const char *what);

/* Append the canonical bytes of P (with a final newline) to OUT. */
int mlv_pointer_format(mlv_buf *out, const mlv_pointer *p);

/* Read and parse the pointer file at PATH (at most 64 KiB). */
int mlv_pointer_read(mlv_pointer *out, const char *path);

/* Write P to PATH atomically (temporary file, fsync, rename). */
int mlv_pointer_write(const char *path, const mlv_pointer *p);

#endif
