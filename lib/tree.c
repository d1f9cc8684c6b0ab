/*
 * Trees (directory listings) and the rules for names that may be written to
 * disk: nothing that escapes the work tree or reaches into .git or .mlv.
 */
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include "internal.h"
#include "alloc.h"

/*
 * Compare NAME to a reserved word the way case-insensitive file systems
 * would: ASCII case folded, trailing dots and spaces ignored (Windows), and
 * the code points HFS+ ignores (zero-width joiners and the like) skipped.
 */
static int ignorable_at(const unsigned char *p, size_t left, size_t *len)
{
	/* U+200C..U+200F, U+202A..U+202E, U+206A..U+206F, U+FEFF in UTF-8 */
	if (left >= 3 && p[0] == 0xe2 && p[1] == 0x80 && ((p[2] >= 0x8c && p[2] <= 0x8f) || (p[2] >= 0xaa && p[2] <= 0xae))) {
		*len = 3;
		return 1;
	}
	if (left >= 3 && p[0] == 0xe2 && p[1] == 0x81 && p[2] >= 0xaa && p[2] <= 0xaf) {
		*len = 3;
		return 1;
	}
	if (left >= 3 && p[0] == 0xef && p[1] == 0xbb && p[2] == 0xbf) {
		*len = 3;
		return 1;
	}
	return 0;
}

static int folds_to(const char *name, size_t len, const char *word)
{
	const unsigned char *p = (const unsigned char *)name;
	size_t i = 0, w = 0, wl = strlen(word), skip;
	while (i < len) {
		if (ignorable_at(p + i, len - i, &skip)) {
			i += skip;
			continue;
		}
		if (w < wl && (p[i] | 0x20) == (unsigned char)word[w]) {
			i++;
			w++;
			continue;
		}
		break;
	}
	if (w != wl)
		return 0;
	/* Only trailing dots, spaces and ignorables may remain. */
	while (i < len) {
		if (p[i] == '.' || p[i] == ' ')
			i++;
		else if (ignorable_at(p + i, len - i, &skip))
			i += skip;
		else
			return 0;
	}
	return 1;
}

int mlv_path_component_valid(const char *name, size_t len)
{
	static const char *const reserved[] = { ".git", ".mlv", "git~1", "mlv~1", NULL };
	if (len == 0 || (len == 1 && name[0] == '.') || (len == 2 && name[0] == '.' && name[1] == '.'))
		return 0;
	for (size_t i = 0; i < len; i++)
		if (name[i] == '/' || name[i] == '\\' || name[i] == '\0' || name[i] == ':')
			return 0;
	for (int i = 0; reserved[i]; i++)
		if (folds_to(name, len, reserved[i]))
			return 0;
	/* "..." and the like are ".." on Windows once trailing dots go. */
	if (folds_to(name, len, ".."))
		return 0;
	return 1;
}

int mlv_path_validate(const char *path)
{
	const char *p = path, *slash;
	if (!*path || *path == '/')
		return mlv_error_set(MLV_EINVALID, "'%s' is not a valid relative path", path);
	for (;;) {
		slash = strchr(p, '/');
		size_t len = slash ? (size_t)(slash - p) : strlen(p);
		if (!mlv_path_component_valid(p, len))
			return mlv_error_set(MLV_EINVALID, "'%s' is not a valid path: component '%.*s' is not allowed",
				path, (int)len, p);
		if (!slash)
			return 0;
		p = slash + 1;
	}
}

static int mode_valid(uint32_t mode)
{
	return mode == MLV_MODE_FILE || mode == MLV_MODE_EXEC || mode == MLV_MODE_LINK || mode == MLV_MODE_TREE;
}

static int entry_cmp(const void *a, const void *b)
{
	return strcmp(((const mlv_tree_entry *)a)->name, ((const mlv_tree_entry *)b)->name);
}

void mlv_tree_free(mlv_tree *t)
{
	if (!t)
		return;
	for (size_t i = 0; i < t->n; i++)
		free(t->entries[i].name);
	free(t->entries);
	free(t);
}

int mlv_tree_parse(mlv_tree **out, const void *data, size_t len)
{
	const char *p = data, *end = len ? p + len : p; /* DATA may be NULL when LEN is 0 */
	mlv_tree *t = mlv__calloc(1, sizeof(*t));
	size_t alloc = 0;
	int rc = 0;
	*out = NULL;
	if (!t)
		return mlv_error_set(MLV_ENOMEM, "out of memory");
	while (p < end) {
		mlv_tree_entry e;
		char *q;
		const char *sp, *nul;
		unsigned long long mode, size;
		memset(&e, 0, sizeof(e));
		/* mode */
		/* no leading zero: one tree has one serialized form, so one id */
		if (!(sp = memchr(p, ' ', (size_t)(end - p))) || sp == p || sp - p > 7 || *p == '0') {
			rc = mlv_error_set(MLV_ECORRUPT, "tree entry %zu: bad mode", t->n + 1);
			goto fail;
		}
		mode = 0;
		for (q = (char *)p; q < sp; q++) {
			if (*q < '0' || *q > '7') {
				rc = mlv_error_set(MLV_ECORRUPT, "tree entry %zu: bad mode", t->n + 1);
				goto fail;
			}
			mode = mode * 8 + (unsigned)(*q - '0');
		}
		if (!mode_valid((uint32_t)mode)) {
			rc = mlv_error_set(MLV_ECORRUPT, "tree entry %zu: unknown mode %llo", t->n + 1, mode);
			goto fail;
		}
		p = sp + 1;
		/* size */
		if (!(sp = memchr(p, ' ', (size_t)(end - p))) || sp == p || sp - p > 20 || (*p == '0' && sp - p > 1)) {
			rc = mlv_error_set(MLV_ECORRUPT, "tree entry %zu: bad size", t->n + 1);
			goto fail;
		}
		size = 0;
		for (q = (char *)p; q < sp; q++) {
			if (*q < '0' || *q > '9' || size > (UINT64_MAX - (unsigned)(*q - '0')) / 10) {
				rc = mlv_error_set(MLV_ECORRUPT, "tree entry %zu: bad size", t->n + 1);
				goto fail;
			}
			size = size * 10 + (unsigned)(*q - '0');
		}
		p = sp + 1;
		/* name, NUL, raw id */
		if (!(nul = memchr(p, '\0', (size_t)(end - p))) || end - nul - 1 < MLV_OID_RAWSZ) {
			rc = mlv_error_set(MLV_ECORRUPT, "tree entry %zu: truncated", t->n + 1);
			goto fail;
		}
		if (!mlv_path_component_valid(p, (size_t)(nul - p))) {
			rc = mlv_error_set(MLV_EINVALID, "tree entry %zu: name '%.*s' is not allowed", t->n + 1, (int)(nul - p), p);
			goto fail;
		}
		if (!(e.name = mlv__strndup(p, (size_t)(nul - p)))) {
			rc = mlv_error_set(MLV_ENOMEM, "out of memory");
			goto fail;
		}
		memcpy(e.oid.id, nul + 1, MLV_OID_RAWSZ);
		e.mode = (uint32_t)mode;
		e.size = size;
		p = nul + 1 + MLV_OID_RAWSZ;
		if (t->n && strcmp(t->entries[t->n - 1].name, e.name) >= 0) {
			rc = mlv_error_set(MLV_EINVALID, "tree entry '%s' is %s", e.name,
				strcmp(t->entries[t->n - 1].name, e.name) ? "out of order" : "a duplicate");
			free(e.name);
			goto fail;
		}
		if (t->n == alloc) {
			size_t na = alloc ? alloc * 2 : 16;
			mlv_tree_entry *ne = mlv__realloc(t->entries, na * sizeof(*ne));
			if (!ne) {
				free(e.name);
				rc = mlv_error_set(MLV_ENOMEM, "out of memory");
				goto fail;
			}
			t->entries = ne;
			alloc = na;
		}
		t->entries[t->n++] = e;
	}
	*out = t;
	return 0;
fail:
	mlv_tree_free(t);
	return rc;
}

int mlv_tree_serialize(mlv_buf *out, mlv_tree *t)
{
	int rc;
	if (t->n)
		qsort(t->entries, t->n, sizeof(*t->entries), entry_cmp);
	for (size_t i = 0; i < t->n; i++) {
		mlv_tree_entry *e = &t->entries[i];
		if (!mlv_path_component_valid(e->name, strlen(e->name)))
			return mlv_error_set(MLV_EINVALID, "'%s' is not allowed as a name in a tree", e->name);
		if (!mode_valid(e->mode))
			return mlv_error_set(MLV_EINVALID, "'%s' has an unknown mode %o", e->name, e->mode);
		if (i && !strcmp(t->entries[i - 1].name, e->name))
			return mlv_error_set(MLV_EINVALID, "'%s' appears twice in a tree", e->name);
		if ((rc = mlv_buf_printf(out, "%o %llu %s", e->mode, (unsigned long long)e->size, e->name)) ||
		    (rc = mlv_buf_putc(out, '\0')) || (rc = mlv_buf_put(out, e->oid.id, MLV_OID_RAWSZ)))
			return rc;
	}
	return 0;
}

int mlv_tree_read(mlv_tree **out, mlv_store *st, const mlv_oid *oid)
{
	mlv_objinfo info;
	mlv_buf b = MLV_BUF_INIT;
	char hex[MLV_OID_HEXSZ + 1];
	int rc;
	*out = NULL;
	if ((rc = mlv_object_info(st, oid, &info)))
		return rc;
	if (!(info.types & (1u << MLV_OBJ_TREE)))
		return mlv_error_set(MLV_EINVALID, "object %s is a %s, not a tree", mlv_oid_fmt(hex, oid),
			mlv_objtype_name(info.type));
	if ((rc = mlv_object_read_buf(st, oid, &b, UINT64_C(256) << 20))) {
		mlv_buf_release(&b);
		return rc;
	}
	rc = mlv_tree_parse(out, mlv_buf_cstr(&b), b.size);
	if (rc && rc != MLV_ENOMEM) /* out of memory says nothing of the tree */
		rc = mlv_error_set(MLV_ECORRUPT, "tree %s is damaged: %s", mlv_oid_fmt(hex, oid), mlv_error_last());
	mlv_buf_release(&b);
	return rc;
}
