/*
 * `mlv get`: write a model version's artifact out. A file goes to stdout or,
 * with -o, to a temporary file beside PATH that is verified, fsynced and
 * renamed over it; a directory is written into a temporary directory beside
 * PATH and renamed into place only when complete (PATH must not exist).
 */
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/random.h>
#include <sys/stat.h>

#include "plumbing.h"
#include "regutil.h"

static int opt_json;
static const char *opt_output;

const struct mlv_option mlv_opts_get[] = {
	MLV_OPT_STRING('o', "output", &opt_output, "path", "where to write it (default: stdout, files only)"),
	MLV_OPT_JSON(&opt_json),
	MLV_OPT_END()
};

const char *const mlv_usage_get[] = {
	"mlv get <name>@<version|alias|latest> [-o <path>] [--json]",
	NULL
};

static int fd_sink(void *payload, const void *data, size_t len)
{
	int rc = mlv_io_write(*(int *)payload, data, len, "output");
	return rc ? mlv_error_set_errno(MLV_EIO, -rc, "cannot write the output") : 0;
}

static int stdout_sink(void *payload, const void *data, size_t len)
{
	(void)payload;
	return plumb_write_stdout(data, len) == 0 ? 0 :
		mlv_error_set_errno(MLV_EIO, mlv_stdout_errno, "write error on standard output");
}

/* A name beside PATH for a temporary file or directory. */
static char *tmp_beside(const char *path)
{
	const char *slash = strrchr(path, '/');
	unsigned char r[8];
	mlv_buf b = MLV_BUF_INIT;
	if (getrandom(r, sizeof(r), 0) != (ssize_t)sizeof(r))
		memset(r, 0, sizeof(r));
	if (slash)
		mlv_buf_put(&b, path, (size_t)(slash - path) + 1);
	mlv_buf_printf(&b, ".mlv-tmp-get-");
	for (size_t i = 0; i < sizeof(r); i++)
		mlv_buf_printf(&b, "%02x", r[i]);
	return mlv_buf_detach(&b);
}

/* Write blob OID to the new file NAME in directory DIRFD (fsynced). */
static int write_blob_at(mlv_store *st, int dirfd, const char *name, const mlv_oid *oid, int mode)
{
	int fd = openat(dirfd, name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, mode);
	int rc, err;
	if (fd < 0)
		return mlv_error_set_errno(MLV_EIO, errno, "cannot create '%s'", name);
	rc = mlv_object_read(st, oid, fd_sink, &fd);
	if (!rc && (err = mlv_io_fsync(fd, name)))
		rc = mlv_error_set_errno(MLV_EIO, -err, "cannot write '%s'", name);
	close(fd);
	return rc;
}

/* Write tree OID into the new, empty directory DIRFD. */
static int write_tree_at(mlv_store *st, int dirfd, const mlv_oid *oid)
{
	mlv_tree *t = NULL;
	int rc;
	if ((rc = mlv_tree_read(&t, st, oid)))
		return rc;
	for (size_t i = 0; i < t->n && !rc; i++) {
		mlv_tree_entry *e = &t->entries[i];
		if (e->mode == MLV_MODE_TREE) {
			int sub;
			if (mkdirat(dirfd, e->name, 0755)) {
				rc = mlv_error_set_errno(MLV_EIO, errno, "cannot create directory '%s'", e->name);
				break;
			}
			sub = openat(dirfd, e->name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
			if (sub < 0) {
				rc = mlv_error_set_errno(MLV_EIO, errno, "cannot open directory '%s'", e->name);
				break;
			}
			rc = write_tree_at(st, sub, &e->oid);
			if (!rc && mlv_io_fsync(sub, e->name))
				rc = mlv_error_set(MLV_EIO, "cannot write directory '%s'", e->name);
			close(sub);
		} else if (e->mode == MLV_MODE_LINK) {
			mlv_buf target = MLV_BUF_INIT;
			if (!(rc = mlv_object_read_buf(st, &e->oid, &target, 4096)) &&
			    symlinkat(mlv_buf_cstr(&target), dirfd, e->name))
				rc = mlv_error_set_errno(MLV_EIO, errno, "cannot create symlink '%s'", e->name);
			mlv_buf_release(&target);
		} else {
			rc = write_blob_at(st, dirfd, e->name, &e->oid, e->mode == MLV_MODE_EXEC ? 0755 : 0644);
		}
	}
	mlv_tree_free(t);
	return rc;
}

static int rm_one(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
	(void)sb;
	(void)ftw;
	return flag == FTW_DP ? rmdir(path) : unlink(path);
}

/* Remove a partly written temporary directory (ours: symlinks in it are not followed). */
static void remove_tree(const char *path)
{
	nftw(path, rm_one, 16, FTW_DEPTH | FTW_PHYS);
}

int cmd_get(int argc, const char **argv, struct mlv_ctx *ctx)
{
	mlv_model_version v;
	mlv_buf out = MLV_BUF_INIT;
	char *tmp = NULL;
	int nargs, ret = MLV_EXIT_OK, rc, err;
	struct stat sb;

	nargs = mlv_parse_options(argc, argv, mlv_opts_get, mlv_usage_get);
	if (nargs < 0)
		return MLV_EXIT_USAGE;
	if (nargs != 1 || (opt_json && !opt_output)) {
		if (nargs == 1)
			return mlv_die("--json needs -o: the artifact itself would go to stdout");
		mlv_usage_print(stderr, mlv_usage_get, mlv_opts_get);
		return MLV_EXIT_USAGE;
	}
	if ((ret = reg_resolve(ctx, argv[0], &v)))
		return ret;
	if (!opt_output) {
		if (v.is_dir)
			return mlv_die("%s@%u is a directory: give -o <path> to write it", v.name, v.version);
		return mlv_object_read(ctx->store, &v.artifact, stdout_sink, NULL) ? mlv_die_lib() : MLV_EXIT_OK;
	}
	if (!(tmp = tmp_beside(opt_output)))
		return mlv_die("out of memory");
	if (v.is_dir) {
		int dfd;
		if (lstat(opt_output, &sb) == 0) {
			ret = mlv_die("'%s' already exists: mlv get writes a directory only where nothing is", opt_output);
			goto done;
		}
		if (mkdir(tmp, 0755)) {
			ret = mlv_die("cannot create '%s': %s", tmp, mlv_strerror(errno));
			goto done;
		}
		dfd = open(tmp, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		rc = dfd < 0 ? mlv_error_set_errno(MLV_EIO, errno, "cannot open '%s'", tmp) : write_tree_at(ctx->store, dfd, &v.artifact);
		if (!rc && (err = mlv_io_fsync(dfd, tmp)))
			rc = mlv_error_set_errno(MLV_EIO, -err, "cannot write '%s'", tmp);
		if (dfd >= 0)
			close(dfd);
		/* rename(2) onto a path that appeared meanwhile: refuse rather than replace */
		if (!rc && lstat(opt_output, &sb) == 0)
			rc = mlv_error_set(MLV_EEXISTS, "'%s' appeared while it was being written", opt_output);
		if (!rc && (err = mlv_io_rename(tmp, opt_output)))
			rc = mlv_error_set_errno(MLV_EIO, -err, "cannot move '%s' into place", opt_output);
		if (!rc && (err = mlv_io_fsync_dir(opt_output)))
			rc = 0; /* the data is there; the parent's fsync is best effort */
		if (rc) {
			remove_tree(tmp);
			ret = mlv_die_lib();
			goto done;
		}
	} else {
		int fd;
		if (lstat(opt_output, &sb) == 0 && S_ISDIR(sb.st_mode)) {
			ret = mlv_die("'%s' is a directory", opt_output);
			goto done;
		}
		fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644);
		if (fd < 0) {
			ret = mlv_die("cannot create '%s': %s", tmp, mlv_strerror(errno));
			goto done;
		}
		rc = mlv_object_read(ctx->store, &v.artifact, fd_sink, &fd);
		if (!rc && (err = mlv_io_fsync(fd, tmp)))
			rc = mlv_error_set_errno(MLV_EIO, -err, "cannot write '%s'", opt_output);
		close(fd);
		if (!rc && (err = mlv_io_rename(tmp, opt_output)))
			rc = mlv_error_set_errno(MLV_EIO, -err, "cannot move '%s' into place", opt_output);
		if (rc) {
			unlink(tmp);
			ret = mlv_die_lib();
			goto done;
		}
	}
	if (opt_json) {
		mlv_buf_puts(&out, "{\"schema\":\"mlv.get/1\",\"name\":");
		mlv_buf_put_json_string(&out, v.name, strlen(v.name));
		mlv_buf_printf(&out, ",\"version\":%u,\"oid\":", v.version);
		reg_json_oid(&out, &v.artifact);
		mlv_buf_printf(&out, ",\"size\":%llu,\"kind\":\"%s\",\"path\":", (unsigned long long)v.size,
			v.is_dir ? "dir" : "file");
		mlv_buf_put_json_string(&out, opt_output, strlen(opt_output));
		mlv_buf_puts(&out, "}\n");
	} else {
		mlv_buf_printf(&out, "%s@%u -> %s\n", v.name, v.version, opt_output);
	}
	ret = reg_flush(&out);
done:
	free(tmp);
	mlv_buf_release(&out);
	return ret;
}
