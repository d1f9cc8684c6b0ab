/*
 * Helpers shared by the plumbing commands: the one tree-listing format used by
 * `cat-object -p` and `ls-tree`, and checked writes to stdout.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "commands.h"
#include "plumbing.h"

static int needs_quoting(const char *s)
{
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;
		if (c < 0x20 || c == 0x7f || c == '"' || c == '\\')
			return 1;
	}
	return 0;
}

int plumb_put_path(mlv_buf *out, const char *name)
{
	int err = 0;

	if (!needs_quoting(name))
		return mlv_buf_puts(out, name);
	err |= mlv_buf_putc(out, '"');
	for (const char *p = name; *p; p++) {
		unsigned char c = (unsigned char)*p;
		switch (c) {
		case '\n': err |= mlv_buf_puts(out, "\\n"); break;
		case '\t': err |= mlv_buf_puts(out, "\\t"); break;
		case '"': err |= mlv_buf_puts(out, "\\\""); break;
		case '\\': err |= mlv_buf_puts(out, "\\\\"); break;
		default:
			if (c < 0x20 || c == 0x7f)
				err |= mlv_buf_printf(out, "\\%03o", c);
			else
				err |= mlv_buf_putc(out, (char)c);
		}
	}
	err |= mlv_buf_putc(out, '"');
	return err ? MLV_ENOMEM : 0;
}

const char *plumb_entry_type(const mlv_tree_entry *e)
{
	return e->mode == MLV_MODE_TREE ? "tree" : "blob";
}

int plumb_put_tree_line(mlv_buf *out, const char *prefix, const mlv_tree_entry *e)
{
	char hex[MLV_OID_HEXSZ + 1];
	mlv_buf path = MLV_BUF_INIT;
	int err = 0;

	if (prefix && *prefix) {
		err |= mlv_buf_puts(&path, prefix);
		err |= mlv_buf_putc(&path, '/');
	}
	err |= mlv_buf_puts(&path, e->name);
	err |= mlv_buf_printf(out, "%06o %s %s\t%llu\t", (unsigned)e->mode,
		plumb_entry_type(e), mlv_oid_fmt(hex, &e->oid),
		(unsigned long long)e->size);
	err |= plumb_put_path(out, mlv_buf_cstr(&path));
	err |= mlv_buf_putc(out, '\n');
	mlv_buf_release(&path);
	return err ? MLV_ENOMEM : 0;
}

int plumb_put_json_oid(mlv_buf *out, const mlv_oid *oid)
{
	char hex[MLV_OID_HEXSZ + 1];
	return mlv_buf_printf(out, "\"%s\"", mlv_oid_fmt(hex, oid));
}

int plumb_write_stdout(const void *data, size_t len)
{
	/* main() flushes stdout and reports a failure once, after the
	 * command returns. */
	errno = 0;
	if (len && fwrite(data, 1, len, stdout) != len) {
		mlv_stdout_errno = errno ? errno : EIO;
		return MLV_EXIT_FATAL;
	}
	return 0;
}
