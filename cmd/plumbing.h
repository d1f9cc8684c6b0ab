/*
 * Helpers shared by the plumbing commands (hash-object, cat-object, ls-tree,
 * fsck, gc, rev-parse): one format for tree entries, JSON fragments and
 * checked writes to stdout.
 */
#ifndef MLV_CMD_PLUMBING_H
#define MLV_CMD_PLUMBING_H

#include <stddef.h>
#include "mlv/mlv.h"

/*
 * Append NAME to OUT as it appears in tree listings: verbatim, or in double
 * quotes with C escapes (\n, \t, \", \\, \ooo) when it holds a control
 * character, a double quote or a backslash, so every listing stays one line.
 */
int plumb_put_path(mlv_buf *out, const char *name);

/*
 * Append one tree-listing line to OUT:
 *     "<mode, 6 octal digits> <type> <64 hex>\t<size>\t<path>\n"
 * PREFIX (may be NULL or "") is joined to the entry's name with '/'.
 */
int plumb_put_tree_line(mlv_buf *out, const char *prefix, const mlv_tree_entry *e);

/* The type word of a tree entry: "tree" for directories, else "blob". */
const char *plumb_entry_type(const mlv_tree_entry *e);

/* Append "\"<64 hex>\"" to OUT. */
int plumb_put_json_oid(mlv_buf *out, const mlv_oid *oid);

/*
 * Write LEN bytes to stdout (main() flushes it). Returns 0, or 128 without a
 * message: main() checks stdout after every command and prints the one
 * "mlv: error: write error on standard output: ..." line.
 */
int plumb_write_stdout(const void *data, size_t len);

#endif
