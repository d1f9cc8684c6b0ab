/* Creating, finding and opening a store, and the lock files writers share. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/file.h>
#include <sys/random.h>
#include <sys/stat.h>
#include "mlv/cjson.h"
#include "internal.h"
#include "alloc.h"

#define STORE_FORMAT "mlv-store 1\n"

static int mkdir_p1(const char *path)
{
	if (mkdir(path, 0755) && errno != EEXIST)
		return mlv_error_set_errno(MLV_EIO, errno, "cannot create '%s'", path);
	return 0;
}

static char *join(const char *a, const char *b)
{
	mlv_buf buf = MLV_BUF_INIT;
	if (mlv_buf_printf(&buf, "%s/%s", a, b)) {
		mlv_buf_release(&buf);
		return NULL;
	}
	return mlv_buf_detach(&buf);
}

/*
 * A store inside a git work tree must never be committed (`git add -A`
 * would, and an old commit checked out would roll the index back): a
 * .gitignore of "*" inside it hides it from git, wherever it is.
 */
static int ignore_in_git(const char *mlvdir)
{
	static const char ign[] = "# mlv: the store is not for git; pointer files (*.mlv) are\n*\n";
	char *p = join(mlvdir, ".gitignore");
	struct stat sb;
	int rc = 0;
	if (!p)
		return mlv_error_set(MLV_ENOMEM, "out of memory");
	if (stat(p, &sb) != 0)
		rc = mlv_io_write_file_atomic(p, ign, sizeof(ign) - 1, 0644);
	free(p);
	return rc;
}

/*
 * Mark the index as made by init, so fsck can tell an index that was lost
 * and silently recreated empty (LMDB makes a new one) from a new store.
 */
static int mark_index(struct mlv_index *ix)
{
	MDB_txn *txn = NULL;
	MDB_val k = { 7, (void *)"created" }, v;
	int rc = mdb_txn_begin(ix->env, NULL, 0, &txn);
	if (!rc && mdb_get(txn, ix->meta, &k, &v) == MDB_NOTFOUND) {
		v.mv_size = 1;
		v.mv_data = (void *)"1";
		rc = mdb_put(txn, ix->meta, &k, &v, 0);
	}
	if (!rc) {
		rc = mdb_txn_commit(txn);
		txn = NULL;
	}
	if (txn)
		mdb_txn_abort(txn);
	return rc ? mlv__index_error(rc, "write") : 0;
}

int mlv_store_create(const char *mlvdir, int *existed)
{
	static const char *const subdirs[] = { "objects", "objects/pack", "objects/tmp", "index", "locks", NULL };
	char *p = NULL;
	struct stat sb;
	int rc = 0;
	struct mlv_index ix;

	*existed = 0;
	p = join(mlvdir, "format");
	if (!p)
		return mlv_error_set(MLV_ENOMEM, "out of memory");
	if (stat(p, &sb) == 0) {
		*existed = 1;
		free(p);
		return ignore_in_git(mlvdir);
	}
	free(p);
	if ((rc = mkdir_p1(mlvdir)))
		return rc;
	for (int i = 0; subdirs[i]; i++) {
		if (!(p = join(mlvdir, subdirs[i])))
			return mlv_error_set(MLV_ENOMEM, "out of memory");
		rc = mkdir_p1(p);
		free(p);
		if (rc)
			return rc;
	}
	if (!(p = join(mlvdir, "index")))
		return mlv_error_set(MLV_ENOMEM, "out of memory");
	rc = mlv__index_open(&ix, p);
	free(p);
	if (rc)
		return rc;
	rc = mark_index(&ix);
	mlv__index_close(&ix);
	if (rc)
		return rc;
	if (!(p = join(mlvdir, "config")))
		return mlv_error_set(MLV_ENOMEM, "out of memory");
	if (stat(p, &sb) != 0) {
		static const char cfg[] = "{}\n";
		rc = mlv_io_write_file_atomic(p, cfg, sizeof(cfg) - 1, 0644);
	}
	free(p);
	if (rc)
		return rc;
	if ((rc = ignore_in_git(mlvdir)))
		return rc;
	/* "format" last: a store is only a store once everything else is there. */
	if (!(p = join(mlvdir, "format")))
		return mlv_error_set(MLV_ENOMEM, "out of memory");
	rc = mlv_io_write_file_atomic(p, STORE_FORMAT, sizeof(STORE_FORMAT) - 1, 0644);
	free(p);
	return rc;
}

static int is_store(const char *dir);

int mlv_store_create_linked(const char *mlvdir, const char *shared, int *existed)
{
	char *p = NULL, *abs = NULL;
	struct stat sb;
	mlv_buf cfg = MLV_BUF_INIT;
	int rc, shared_existed;
	*existed = 0;
	if (!(p = join(mlvdir, "format")))
		return mlv_error_set(MLV_ENOMEM, "out of memory");
	if (stat(p, &sb) == 0) {
		*existed = 1;
		free(p);
		return 0;
	}
	free(p);
	if ((rc = mlv_store_create(shared, &shared_existed)))
		return rc;
	if (!(abs = mlv__realpath(shared)))
		return mlv_error_set_errno(MLV_EIO, errno, "cannot resolve '%s'", shared);
	if ((rc = mkdir_p1(mlvdir)) || (rc = ignore_in_git(mlvdir)))
		goto done;
	if ((rc = mlv_buf_puts(&cfg, "{\"store\":")) || (rc = mlv_buf_put_json_string(&cfg, abs, strlen(abs))) ||
	    (rc = mlv_buf_puts(&cfg, "}\n")))
		goto done;
	if (!(p = join(mlvdir, "config"))) {
		rc = mlv_error_set(MLV_ENOMEM, "out of memory");
		goto done;
	}
	rc = mlv_io_write_file_atomic(p, cfg.ptr, cfg.size, 0644);
	free(p);
	if (rc)
		goto done;
	if (!(p = join(mlvdir, "format"))) {
		rc = mlv_error_set(MLV_ENOMEM, "out of memory");
		goto done;
	}
	rc = mlv_io_write_file_atomic(p, STORE_FORMAT, sizeof(STORE_FORMAT) - 1, 0644);
	free(p);
done:
	free(abs);
	mlv_buf_release(&cfg);
	return rc;
}

/* The shared store MLVDIR's config names, or NULL (malloc'd; *out NULL when none). */
static int read_shared(const char *mlvdir, char **out)
{
	char *p = join(mlvdir, "config"), buf[65536];
	int fd, rc = 0;
	ssize_t n;
	*out = NULL;
	if (!p)
		return mlv_error_set(MLV_ENOMEM, "out of memory");
	fd = open(p, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		free(p);
		return 0; /* no config: a plain store */
	}
	n = mlv_io_read_full(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n >= 0) {
		const char *end;
		int nomem;
		cJSON *j = mlv__json_parse(buf, (size_t)n, &end, &nomem);
		const cJSON *s = j ? cJSON_GetObjectItemCaseSensitive(j, "store") : NULL;
		if (!j && nomem)
			rc = mlv_error_set(MLV_ENOMEM, "out of memory");
		else if (!j)
			rc = mlv_error_set(MLV_EINVALID, "the store config '%s' is not valid JSON", p);
		else if (s && (!cJSON_IsString(s) || !*s->valuestring))
			rc = mlv_error_set(MLV_EINVALID, "the store config '%s' has a bad \"store\"", p);
		else if (s && !(*out = mlv__strdup(s->valuestring)))
			rc = mlv_error_set(MLV_ENOMEM, "out of memory");
		cJSON_Delete(j);
	}
	free(p);
	return rc;
}

/* 1 when DIR holds a store, 0 when not, MLV_ENOMEM (error set) when that cannot be told. */
static int is_store(const char *dir)
{
	struct stat sb;
	char *p = join(dir, "format");
	int ok;
	if (!p)
		return mlv_error_set(MLV_ENOMEM, "out of memory");
	ok = stat(p, &sb) == 0 && S_ISREG(sb.st_mode);
	free(p);
	return ok;
}

int mlv_store_discover(char **out, const char *start)
{
	const char *env = getenv("MLV_DIR");
	char *cur = NULL;
	*out = NULL;
	if (env && *env) {
		char *abs = mlv__realpath(env);
		int ok = abs ? is_store(abs) : errno == ENOMEM ? MLV_ENOMEM : 0;
		if (ok <= 0) {
			free(abs);
			return ok < 0 ? mlv_error_set(MLV_ENOMEM, "out of memory")
				      : mlv_error_set(MLV_ENOTFOUND, "MLV_DIR '%s' is not a mlv store", env);
		}
		*out = abs;
		return 0;
	}
	if (!(cur = mlv__realpath(start ? start : ".")))
		return mlv_error_set_errno(MLV_ENOTFOUND, errno, "cannot resolve '%s'", start ? start : ".");
	for (;;) {
		char *cand = join(strcmp(cur, "/") ? cur : "", MLV_DIRNAME);
		char *slash;
		if (!cand) {
			free(cur);
			return mlv_error_set(MLV_ENOMEM, "out of memory");
		}
		int ok = is_store(cand);
		if (ok) {
			free(cur);
			if (ok < 0) {
				free(cand);
				return ok;
			}
			*out = cand;
			return 0;
		}
		free(cand);
		slash = strrchr(cur, '/');
		if (!slash || !strcmp(cur, "/"))
			break;
		if (slash == cur)
			slash[1] = '\0';
		else
			*slash = '\0';
	}
	free(cur);
	return mlv_error_set(MLV_ENOTFOUND, "not in a mlv store (or any parent directory); run 'mlv init' first");
}

static int open_lockfile(const char *mlvdir, const char *name, int *out)
{
	char *p = NULL;
	mlv_buf b = MLV_BUF_INIT;
	if (mlv_buf_printf(&b, "%s/locks/%s", mlvdir, name))
		return MLV_ENOMEM;
	p = b.ptr;
	*out = open(p, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
	if (*out < 0 && (errno == EACCES || errno == EROFS))
		*out = open(p, O_RDONLY | O_CLOEXEC);
	if (*out < 0) {
		int rc = mlv_error_set_errno(MLV_EIO, errno, "cannot open lock file '%s'", p);
		mlv_buf_release(&b);
		return rc;
	}
	mlv_buf_release(&b);
	return 0;
}

int mlv_store_open(mlv_store **out, const char *mlvdir)
{
	mlv_store *st = mlv__calloc(1, sizeof(*st));
	char *ixdir = NULL, *shared = NULL;
	int rc = MLV_ENOMEM;
	*out = NULL;
	if (!st)
		return mlv_error_set(MLV_ENOMEM, "out of memory");
	st->lockfd_write = st->lockfd_gc = -1;
	if ((rc = is_store(mlvdir)) <= 0) {
		if (rc == 0)
			rc = mlv_error_set(MLV_ENOTFOUND, "'%s' is not a mlv store", mlvdir);
		goto fail;
	}
	if (!(st->path = mlv__realpath(mlvdir))) {
		rc = mlv_error_set(MLV_ENOMEM, "out of memory");
		goto fail;
	}
	if ((rc = read_shared(st->path, &shared)))
		goto fail;
	if (shared) {
		st->objpath = mlv__realpath(shared);
		rc = st->objpath ? is_store(st->objpath) : errno == ENOMEM ? MLV_ENOMEM : 0;
		if (rc <= 0) {
			rc = rc < 0 ? mlv_error_set(MLV_ENOMEM, "out of memory")
				    : mlv_error_set(MLV_ENOTFOUND, "the shared store '%s' named in '%s/config' is not a mlv store",
					shared, st->path);
			goto fail;
		}
	} else if (!(st->objpath = mlv__strdup(st->path))) {
		rc = mlv_error_set(MLV_ENOMEM, "out of memory");
		goto fail;
	}
	if (!(st->packdir = join(st->objpath, "objects/pack")) ||
	    !(st->tmpdir = join(st->objpath, "objects/tmp")) ||
	    !(ixdir = join(st->objpath, "index"))) {
		rc = mlv_error_set(MLV_ENOMEM, "out of memory");
		goto fail;
	}
	if ((rc = mlv__index_open(&st->ix, ixdir)))
		goto fail;
	if ((rc = open_lockfile(st->objpath, "write.lock", &st->lockfd_write)) ||
	    (rc = open_lockfile(st->objpath, "gc.lock", &st->lockfd_gc)))
		goto fail;
	free(ixdir);
	free(shared);
	*out = st;
	return 0;
fail:
	free(ixdir);
	free(shared);
	mlv_store_free(st);
	return rc;
}

void mlv__pack_fds_close(mlv_store *st)
{
	for (uint32_t i = 0; i < st->npackfds; i++)
		if (st->packfds[i] >= 0)
			close(st->packfds[i]);
	free(st->packfds);
	st->packfds = NULL;
	st->npackfds = 0;
	st->packfds_open = 0;
}

void mlv__pack_fds_trim(mlv_store *st)
{
	if (st->packfds_open > MLV_PACK_FDS_MAX)
		mlv__pack_fds_close(st);
}

void mlv_store_free(mlv_store *st)
{
	if (!st)
		return;
	mlv__pack_fds_close(st);
	mlv__index_close(&st->ix);
	if (st->lockfd_write >= 0)
		close(st->lockfd_write);
	if (st->lockfd_gc >= 0)
		close(st->lockfd_gc);
	free(st->path);
	free(st->objpath);
	free(st->packdir);
	free(st->tmpdir);
	free(st);
}

const char *mlv_store_path(const mlv_store *st) { return st->path; }
const char *mlv_store_objects_path(const mlv_store *st) { return st->objpath; }

double mlv_store_lock_timeout(void)
{
	const char *s = getenv("MLV_LOCK_TIMEOUT");
	if (s && *s) {
		char *end;
		double v = strtod(s, &end);
		if (end != s && v >= 0)
			return v;
	}
	return 30.0;
}

int mlv__lock(int fd, int exclusive, const char *what)
{
	double timeout = mlv_store_lock_timeout(), waited = 0;
	long step_ns = 1000000; /* 1 ms, doubling to 50 ms */
	for (;;) {
		if (flock(fd, (exclusive ? LOCK_EX : LOCK_SH) | LOCK_NB) == 0)
			return 0;
		if (errno != EWOULDBLOCK && errno != EINTR)
			return mlv_error_set_errno(MLV_EIO, errno, "cannot lock %s", what);
		if (waited >= timeout)
			return mlv_error_set(MLV_ELOCKED,
				"%s is busy: another mlv command has held it for %g s; retry later", what, timeout);
		struct timespec ts = { 0, step_ns };
		nanosleep(&ts, NULL);
		waited += (double)step_ns / 1e9;
		if (step_ns < 50000000)
			step_ns *= 2;
	}
}

void mlv__unlock(int fd) { flock(fd, LOCK_UN); }

int mlv__pack_fd(mlv_store *st, MDB_txn *txn, uint32_t n, int *out)
{
	MDB_val k = { sizeof(n), &n }, v;
	mlv_buf path = MLV_BUF_INIT;
	int rc, fd;
	if (n < st->npackfds && st->packfds[n] >= 0) {
		*out = st->packfds[n];
		return 0;
	}
	rc = mdb_get(txn, st->ix.packs, &k, &v);
	if (rc == MDB_NOTFOUND)
		return mlv_error_set(MLV_ECORRUPT, "the index names pack %u, which it does not list (try 'mlv fsck --rebuild-index')", n);
	if (rc)
		return mlv__index_error(rc, "lookup");
	if (mlv_buf_printf(&path, "%s/", st->packdir) || mlv_buf_put(&path, v.mv_data, v.mv_size)) {
		mlv_buf_release(&path);
		return MLV_ENOMEM;
	}
	fd = open(path.ptr, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		rc = mlv_error_set_errno(errno == ENOENT ? MLV_ECORRUPT : MLV_EIO, errno, "cannot open pack '%s'", path.ptr);
		mlv_buf_release(&path);
		return rc;
	}
	mlv_buf_release(&path);
	if (n >= st->npackfds) {
		uint32_t nn = n + 16;
		int *p = mlv__realloc(st->packfds, nn * sizeof(int));
		if (!p) {
			close(fd);
			return mlv_error_set(MLV_ENOMEM, "out of memory");
		}
		for (uint32_t i = st->npackfds; i < nn; i++)
			p[i] = -1;
		st->packfds = p;
		st->npackfds = nn;
	}
	st->packfds[n] = fd;
	st->packfds_open++;
	*out = fd;
	return 0;
}

void mlv__pack_name(char out[64])
{
	static const char hex[] = "0123456789abcdef";
	unsigned char rnd[16];
	if (getrandom(rnd, sizeof(rnd), 0) != (ssize_t)sizeof(rnd)) {
		/* No entropy source: time, pid and an address still make a clash unlikely. */
		struct timespec ts;
		mlv_oid t;
		uint64_t seed[4];
		clock_gettime(CLOCK_REALTIME, &ts);
		seed[0] = (uint64_t)ts.tv_sec;
		seed[1] = (uint64_t)ts.tv_nsec;
		seed[2] = (uint64_t)getpid();
		seed[3] = (uint64_t)(uintptr_t)&ts;
		mlv_hash_buf(&t, seed, sizeof(seed));
		memcpy(rnd, t.id, sizeof(rnd));
	}
	memcpy(out, "pack-", 5);
	for (int i = 0; i < 16; i++) {
		out[5 + 2 * i] = hex[rnd[i] >> 4];
		out[6 + 2 * i] = hex[rnd[i] & 15];
	}
	memcpy(out + 37, ".pack", 6);
}
