/*
 * Trees: directory listings. Serialized form, sorted by name (bytewise), one
 * entry after another:
 *     "<mode, octal> <size, decimal> <name>\0<32-byte id>"
 * Modes: 100644 file, 100755 executable file, 120000 symlink (blob holds the
 * target), 40000 directory (id of a tree). The size of a directory entry is
 * the total size of the files below it.
 */
#ifndef MLV_TREE_H
#define MLV_TREE_H

#include <stdint.h>
#include <stddef.h>
#include "mlv/oid.h"
#include "mlv/buf.h"
#include "mlv/store.h"

#define MLV_MODE_FILE 0100644
#define MLV_MODE_EXEC 0100755
#define MLV_MODE_LINK 0120000
#define MLV_MODE_TREE 0040000

typedef struct mlv_tree_entry {
	char *name;       /* one path component, NUL-terminated */
	uint32_t mode;
	mlv_oid oid;
	uint64_t size;
} mlv_tree_entry;

typedef struct mlv_tree {
	mlv_tree_entry *entries;
	size_t n;
} mlv_tree;

/*
 * 1 when NAME (LEN bytes) may be a path component written to disk: not
 * empty, not "." or "..", no '/', '\\', ':' or NUL, not ".git" or ".mlv" in
 * any case, nor their 8.3 short forms ("git~1", "mlv~1") nor forms that
 * Windows or macOS would treat the same (trailing dots or spaces, ignorable
 * Unicode code points).
 */
int mlv_path_component_valid(const char *name, size_t len);

/*
 * Validate a relative path ("a/b/c"): every component valid, no leading '/',
 * no empty components. Returns 0 or MLV_EINVALID naming the path.
 */
int mlv_path_validate(const char *path);

/*
 * Parse serialized tree bytes. Rejects invalid names, unknown modes,
 * unsorted or duplicate entries, truncation. Returns 0 or MLV_EINVALID /
 * MLV_ECORRUPT; free the result with mlv_tree_free.
 */
int mlv_tree_parse(mlv_tree **out, const void *data, size_t len);

/* Sort entries by name, reject duplicates/invalid names, serialize into OUT. */
int mlv_tree_serialize(mlv_buf *out, mlv_tree *tree);

/* Read, verify and parse a tree object. MLV_EINVALID when OID is not a tree. */
int mlv_tree_read(mlv_tree **out, mlv_store *st, const mlv_oid *oid);

void mlv_tree_free(mlv_tree *tree);

#endif
