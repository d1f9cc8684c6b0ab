/*
 * `mlv hash-object`: print the id of files (the SHA-256 of their bytes, as
 * sha256sum prints it) and, with -w, store them, directories as trees.
 * Without -w it needs no store and never touches one.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "mlv/cjson.h"

#include "commands.h"
#include "plumbing.h"

static int opt_write;
static const char *opt_type;
static int opt_stdin;
static int opt_json;

const struct mlv_option mlv_opts_hash_object[] = {
	MLV_OPT_BOOL('w', "write", &opt_write, "store the objects, not only hash them"),
	MLV_OPT_STRING('t', "type", &opt_type, "type", "object type: blob (default), tree or json"),
	MLV_OPT_BOOL(0, "stdin", &opt_stdin, "read an object from standard input first"),
	MLV_OPT_JSON(&opt_json),
	MLV_OPT_END()
};

const char *const mlv_usage_hash_object[] = {
	"mlv hash-object [-w] [-t <type>] [--stdin] [--json] [<file>...]",
	NULL
};

struct hashed {
	const char *path;   /* as given; "-" for standard input */
	mlv_oid oid;
	uint64_t size;      /* content bytes; for a directory, the bytes of its files */
	mlv_objtype type;
	int from_stdin;
};

struct hash_result {
	struct hashed *items;
	size_t n;
	int written;
};

/*
 * Open PATH for hashing. Directories are refused here (the caller decides
 * what they mean); FIFOs and character devices are read like files, so that
 * `mlv hash-object <(cmd)` works.
 */
static int open_input(int *fd_out, int *is_dir, const char *path)
{
	struct stat st;
	int fd;

	*is_dir = 0;
	if (stat(path, &st) == 0 && S_ISDIR(st.st_mode)) {
		*is_dir = 1;
		return 0;
	}
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return mlv_error_set_errno(MLV_EIO, errno, "cannot open '%s'", path);
	*fd_out = fd;
	return 0;
}

/*
 * Without -w, a tree or JSON record is read whole so that it can be checked
 * the way -w would check it: an id -w would refuse is never printed.
 */
static int hash_checked(struct hashed *item, int fd, mlv_objtype type)
{
	mlv_buf buf = MLV_BUF_INIT;
	char chunk[65536];
	ssize_t got;
	int rc = 0;

	while ((got = mlv_io_read_full(fd, chunk, sizeof(chunk))) > 0)
		if ((rc = mlv_buf_put(&buf, chunk, (size_t)got)) != 0)
			goto done;
	if (got < 0) {
		rc = mlv_error_set_errno(MLV_EIO, (int)-got, "cannot read '%s'", item->path);
		goto done;
	}
	mlv_hash_buf(&item->oid, buf.size ? buf.ptr : "", buf.size);
	item->size = buf.size;
	rc = mlv_object_validate(buf.size ? buf.ptr : "", buf.size, type, item->path);
done:
	mlv_buf_release(&buf);
	return rc;
}

/* Hash (and with W, store) one input; fills ITEM. Returns 0 or a code. */
static int hash_one(struct hashed *item, mlv_writer *w, mlv_objtype type,
	int type_given)
{
	int fd = -1, is_dir = 0, rc;

	if (item->from_stdin) {
		fd = STDIN_FILENO;
	} else {
		rc = open_input(&fd, &is_dir, item->path);
		if (rc)
			return rc;
	}
	item->type = type;
	if (is_dir) {
		if (!w)
			return mlv_error_set(MLV_EINVALID,
				"'%s' is a directory (use -w to store it as a tree)", item->path);
		if (type_given && type != MLV_OBJ_TREE)
			return mlv_error_set(MLV_EINVALID,
				"'%s' is a directory; it can only be stored as a tree", item->path);
		item->type = MLV_OBJ_TREE;
		return mlv_writer_add_dir(w, &item->oid, item->path, NULL, &item->size);
	}
	if (w) {
		mlv_writer_stats before, after;
		mlv_writer_stats_get(w, &before);
		rc = mlv_writer_add_fd(w, &item->oid, fd, type, item->path);
		mlv_writer_stats_get(w, &after);
		item->size = after.bytes_in - before.bytes_in;
	} else {
		rc = type == MLV_OBJ_BLOB ?
			mlv_hash_fd(&item->oid, &item->size, fd, item->path) :
			hash_checked(item, fd, type);
	}
	if (fd != STDIN_FILENO)
		close(fd);
	return rc;
}

static int print_human(const struct hash_result *r)
{
	mlv_buf out = MLV_BUF_INIT;
	char hex[MLV_OID_HEXSZ + 1];
	int err = 0, rc;

	for (size_t i = 0; i < r->n; i++)
		err |= mlv_buf_printf(&out, "%s\n", mlv_oid_fmt(hex, &r->items[i].oid));
	rc = err ? mlv_die("out of memory") : plumb_write_stdout(out.ptr, out.size);
	mlv_buf_release(&out);
	return rc;
}

static int print_json(const struct hash_result *r)
{
	mlv_buf out = MLV_BUF_INIT;
	int err = 0, rc;

	err |= mlv_buf_puts(&out, "{\"schema\":\"mlv.hash-object/1\",\"objects\":[");
	for (size_t i = 0; i < r->n; i++) {
		const struct hashed *h = &r->items[i];
		err |= mlv_buf_puts(&out, i ? ",{\"path\":" : "{\"path\":");
		err |= mlv_buf_put_json_string(&out, h->path, strlen(h->path));
		err |= mlv_buf_puts(&out, ",\"oid\":");
		err |= plumb_put_json_oid(&out, &h->oid);
		err |= mlv_buf_printf(&out, ",\"size\":%llu,\"type\":\"%s\",\"written\":%s}",
			(unsigned long long)h->size, mlv_objtype_name(h->type),
			r->written ? "true" : "false");
	}
	err |= mlv_buf_puts(&out, "]}\n");
	rc = err ? mlv_die("out of memory") : plumb_write_stdout(out.ptr, out.size);
	mlv_buf_release(&out);
	return rc;
}

int cmd_hash_object(int argc, const char **argv, struct mlv_ctx *ctx)
{
	struct hash_result r = { NULL, 0, 0 };
	mlv_objtype type = MLV_OBJ_BLOB;
	mlv_writer *w = NULL;
	int nargs, rc = 0, ret = MLV_EXIT_FATAL;

	nargs = mlv_parse_options(argc, argv, mlv_opts_hash_object, mlv_usage_hash_object);
	if (nargs < 0)
		return MLV_EXIT_USAGE;
	if (nargs == 0 && !opt_stdin) {
		mlv_usage_print(stderr, mlv_usage_hash_object, mlv_opts_hash_object);
		return MLV_EXIT_USAGE;
	}
	if (opt_type && mlv_objtype_parse(&type, opt_type) != 0) {
		mlv_die("invalid object type '%s' (expected blob, tree or json)", opt_type);
		return MLV_EXIT_USAGE;
	}

	r.n = (size_t)nargs + (opt_stdin ? 1 : 0);
	r.items = calloc(r.n, sizeof(*r.items));
	if (!r.items) {
		ret = mlv_die("out of memory");
		goto done;
	}
	{
		size_t k = 0;
		if (opt_stdin) {
			r.items[k].path = "-";
			r.items[k++].from_stdin = 1;
		}
		for (int i = 0; i < nargs; i++)
			r.items[k++].path = argv[i];
	}

	if (opt_write) {
		if ((ret = mlv_ctx_open_store(ctx)) != 0)
			goto done;
		ret = MLV_EXIT_FATAL;
		if ((rc = mlv_writer_new(&w, ctx->store)) != 0)
			goto done;
	}
	for (size_t i = 0; i < r.n; i++) {
		/* A file named "-" given as an argument is a file, not stdin. */
		if ((rc = hash_one(&r.items[i], w, type, opt_type != NULL)) != 0)
			goto done;
	}
	if (w && (rc = mlv_writer_commit(w)) != 0)
		goto done;
	r.written = opt_write;
	ret = opt_json ? print_json(&r) : print_human(&r);

done:
	if (rc)
		ret = mlv_die_lib();
	mlv_writer_free(w);
	free(r.items);
	return ret;
}
