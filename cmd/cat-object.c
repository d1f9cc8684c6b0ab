/*
 * `mlv cat-object`: the type, size or content of one object, like
 * `git cat-file`. Content is verified against its id before the first byte
 * reaches stdout, so a damaged object never leaks out half-printed.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "commands.h"
#include "plumbing.h"
#include "mlv/spec.h"

/* Objects up to this size are read into memory, verified, then written. */
#define CAT_INMEM_MAX ((uint64_t)64 << 20)

static int opt_type;
static int opt_size;
static int opt_pretty;
static int opt_exists;

const struct mlv_option mlv_opts_cat_object[] = {
	MLV_OPT_BOOL('t', NULL, &opt_type, "print the object's type"),
	MLV_OPT_BOOL('s', NULL, &opt_size, "print the object's size in bytes"),
	MLV_OPT_BOOL('p', NULL, &opt_pretty, "print the content in a form for people"),
	MLV_OPT_BOOL('e', NULL, &opt_exists, "exit 0 when the object exists, 1 when not; print nothing"),
	MLV_OPT_END()
};

const char *const mlv_usage_cat_object[] = {
	"mlv cat-object [-t | -s | -p | -e | <type>] <id>",
	NULL
};

enum cat_mode { CAT_TYPE, CAT_SIZE, CAT_PRETTY, CAT_EXISTS, CAT_RAW };

/* What was found; print_human turns it into bytes on stdout. */
struct cat_result {
	enum cat_mode mode;
	mlv_oid oid;
	mlv_objinfo info;
	mlv_buf content;   /* verified content (or its pretty form), when in memory */
	int streamed;      /* the content was too large and already went to stdout */
};

static int sink_stdout(void *payload, const void *data, size_t len)
{
	(void)payload;
	return plumb_write_stdout(data, len) == 0 ? 0 :
		mlv_error_set_errno(MLV_EIO, mlv_stdout_errno, "write error on standard output");
}

/*
 * Re-indent compact JSON: two spaces per level, one member per line, a space
 * after ':'. Works on the bytes (numbers and strings are copied as they are,
 * so nothing is lost to a double round trip).
 */
static int json_indent(mlv_buf *out, const char *s, size_t len)
{
	int depth = 0, in_str = 0, err = 0;

	for (size_t i = 0; i < len; i++) {
		char c = s[i];
		if (in_str) {
			err |= mlv_buf_putc(out, c);
			if (c == '\\' && i + 1 < len)
				err |= mlv_buf_putc(out, s[++i]);
			else if (c == '"')
				in_str = 0;
			continue;
		}
		switch (c) {
		case ' ': case '\t': case '\n': case '\r':
			break;
		case '"':
			in_str = 1;
			err |= mlv_buf_putc(out, c);
			break;
		case '{': case '[': {
			size_t j = i + 1;
			while (j < len && (s[j] == ' ' || s[j] == '\t' || s[j] == '\r' || s[j] == '\n'))
				j++;
			if (j < len && (s[j] == '}' || s[j] == ']')) {
				err |= mlv_buf_putc(out, c);
				err |= mlv_buf_putc(out, s[j]);
				i = j;
				break;
			}
			depth++;
			err |= mlv_buf_printf(out, "%c\n%*s", c, depth * 2, "");
			break;
		}
		case '}': case ']':
			depth--;
			err |= mlv_buf_printf(out, "\n%*s%c", depth > 0 ? depth * 2 : 0, "", c);
			break;
		case ',':
			err |= mlv_buf_printf(out, ",\n%*s", depth * 2, "");
			break;
		case ':':
			err |= mlv_buf_puts(out, ": ");
			break;
		default:
			err |= mlv_buf_putc(out, c);
		}
	}
	err |= mlv_buf_putc(out, '\n');
	return err ? MLV_ENOMEM : 0;
}

static int pretty_tree(struct cat_result *r, mlv_store *st)
{
	mlv_tree *tree = NULL;
	int rc = mlv_tree_read(&tree, st, &r->oid);

	for (size_t i = 0; rc == 0 && i < tree->n; i++)
		rc = plumb_put_tree_line(&r->content, NULL, &tree->entries[i]);
	mlv_tree_free(tree);
	return rc;
}

/* Fill R->content with verified bytes, or stream them when too large. */
static int load_content(struct cat_result *r, mlv_store *st)
{
	int rc;

	if (r->mode == CAT_PRETTY && r->info.type == MLV_OBJ_TREE)
		return pretty_tree(r, st);
	if (r->info.size <= CAT_INMEM_MAX) {
		int pretty_json = r->mode == CAT_PRETTY && r->info.type == MLV_OBJ_JSON;
		mlv_buf raw = MLV_BUF_INIT;
		rc = mlv_object_read_buf(st, &r->oid, pretty_json ? &raw : &r->content,
			CAT_INMEM_MAX);
		if (rc == 0 && pretty_json)
			rc = json_indent(&r->content, raw.size ? raw.ptr : "", raw.size);
		mlv_buf_release(&raw);
		return rc;
	}
	if (r->info.type != MLV_OBJ_BLOB)
		return mlv_error_set(MLV_EINVALID, "%s object is too large to print (%llu bytes)",
			mlv_objtype_name(r->info.type), (unsigned long long)r->info.size);
	/* Too large for memory: verify it whole, then stream it (each chunk
	 * is verified again on the way). */
	if ((rc = mlv_object_verify(st, &r->oid)) != 0)
		return rc;
	r->streamed = 1;
	rc = mlv_object_read(st, &r->oid, sink_stdout, NULL);
	return rc;
}

static int print_human(const struct cat_result *r)
{
	switch (r->mode) {
	case CAT_EXISTS:
		return MLV_EXIT_OK;
	case CAT_TYPE:
		return printf("%s\n", mlv_objtype_name(r->info.type)) < 0 ? MLV_EXIT_FATAL : 0;
	case CAT_SIZE:
		return printf("%llu\n", (unsigned long long)r->info.size) < 0 ? MLV_EXIT_FATAL : 0;
	default:
		return r->streamed ? MLV_EXIT_OK : plumb_write_stdout(r->content.ptr, r->content.size);
	}
}

int cmd_cat_object(int argc, const char **argv, struct mlv_ctx *ctx)
{
	struct cat_result r;
	mlv_spec s;
	mlv_objtype want = MLV_OBJ_ANY;
	const char *spec;
	int nargs, nflags, rc, ret = MLV_EXIT_FATAL;

	memset(&r, 0, sizeof(r));
	memset(&s, 0, sizeof(s));
	nargs = mlv_parse_options(argc, argv, mlv_opts_cat_object, mlv_usage_cat_object);
	if (nargs < 0)
		return MLV_EXIT_USAGE;
	nflags = opt_type + opt_size + opt_pretty + opt_exists;
	/* With no flag and no type word, the content of any type. */
	if (nflags > 1 || nargs < 1 || nargs > (nflags ? 1 : 2)) {
		mlv_usage_print(stderr, mlv_usage_cat_object, mlv_opts_cat_object);
		return MLV_EXIT_USAGE;
	}
	if (nflags == 0 && nargs == 2 && mlv_objtype_parse(&want, argv[0]) != 0) {
		mlv_die("invalid object type '%s' (expected blob, tree or json)", argv[0]);
		return MLV_EXIT_USAGE;
	}
	r.mode = opt_type ? CAT_TYPE : opt_size ? CAT_SIZE : opt_pretty ? CAT_PRETTY :
		opt_exists ? CAT_EXISTS : CAT_RAW;
	spec = argv[nargs - 1];

	rc = mlv_spec_resolve(&s, ctx->store, ctx->cwd, spec);
	if (rc == 0) {
		r.oid = s.oid;
		r.info = s.info;
	}
	if (r.mode == CAT_EXISTS) {
		/* Only "no such object" is the negative answer; a malformed id,
		 * an ambiguous prefix or a bad pointer is still an error. */
		if ((rc == MLV_ENOTFOUND && s.kind == MLV_SPEC_OID) || (rc == 0 && !s.in_store)) {
			ret = MLV_EXIT_NO;
			rc = 0;
			goto done;
		}
	}
	if (rc)
		goto done;
	if (!s.in_store) {
		char hex[MLV_OID_HEXSZ + 1];
		ret = mlv_die("object %s named by '%s' is not in the store", mlv_oid_fmt(hex, &s.oid), spec);
		goto done;
	}
	if (want != MLV_OBJ_ANY && !(r.info.types & (1u << want))) {
		char hex[MLV_OID_HEXSZ + 1];
		ret = mlv_die("object %s is a %s, not a %s", mlv_oid_fmt(hex, &r.oid),
			mlv_objtype_name(r.info.type), mlv_objtype_name(want));
		goto done;
	}
	if ((r.mode == CAT_PRETTY || r.mode == CAT_RAW) && (rc = load_content(&r, ctx->store)) != 0)
		goto done;
	ret = print_human(&r);

done:
	/* A failed stdout is reported once, by main(). */
	if (rc)
		ret = ferror(stdout) ? MLV_EXIT_FATAL : mlv_die_lib();
	mlv_spec_release(&s);
	mlv_buf_release(&r.content);
	return ret;
}
