/*
 * The work tree: tracking paths (pointer files, .gitignore entries), the
 * stat cache that lets unchanged files go unread, status, and checkout that
 * writes through temporary files and never follows a symlink on the way.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>
#include <sys/stat.h>
#include "internal.h"
#include "mlv/worktree.h"
#include "alloc.h"
#include "pool.h"

struct cache_rec {
	char *key;
	unsigned char val[72];
	int written;          /* a file this command wrote: kept only once its timestamps are past */
};

struct mlv_worktree {
	mlv_store *st;
	char *root;
	int rootfd;
	MDB_txn *rtxn;        /* one read transaction for all stat-cache lookups of a command */
	MDB_cursor *cur;      /* on the stat cache in RTXN, where the last lookup ended */
	MDB_val ckey, cval;   /* its key and value, when cur_ok */
	int cur_ok;
	mlv_buf absbuf;       /* scratch for absolute paths */
	struct cache_rec *recs;
	size_t nrecs, arecs;
	size_t *slots;        /* open addressing over recs by key: index + 1, 0 = empty */
	size_t nslots;
	int64_t written_max;  /* the latest timestamp of a file this command wrote */
	mlv_file_cache fc;
	struct mlv_pool *pool; /* status: stats of large directories on every core; made on first use */
	int pool_failed;
};

/* ---- the stat cache: absolute path -> size, mtime, ctime, inode, when recorded, id ---- */

static int64_t ns(const struct timespec *t) { return (int64_t)t->tv_sec * 1000000000 + t->tv_nsec; }

static int64_t now_ns(void)
{
	struct timespec t;
	clock_gettime(CLOCK_REALTIME, &t);
	return ns(&t);
}

/* A file changed within this long of being cached may change again without its mtime moving. */
#define RACY_NS 100000000LL

/*
 * On a file system that keeps whole seconds (both nanosecond fields zero),
 * a change within the same second leaves the timestamps as they were: such
 * a file is racy for a whole second more.
 */
static int racy(const struct stat *sb, int64_t now)
{
	int64_t horizon = sb->st_mtim.tv_nsec == 0 && sb->st_ctim.tv_nsec == 0 ? RACY_NS + 1000000000LL : RACY_NS;
	return now - ns(&sb->st_mtim) < horizon || now - ns(&sb->st_ctim) < horizon;
}

static uint64_t key_hash(const char *s)
{
	uint64_t h = 1469598103934665603ULL; /* FNV-1a */
	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 1099511628211ULL;
	return h;
}

/* The entry this command recorded for PATH and has not saved yet, if any. */
static struct cache_rec *pending_find(mlv_worktree *wt, const char *path)
{
	if (!wt->nslots)
		return NULL;
	for (size_t i = key_hash(path) & (wt->nslots - 1);; i = (i + 1) & (wt->nslots - 1)) {
		size_t k = wt->slots[i];
		if (!k)
			return NULL;
		if (!strcmp(wt->recs[k - 1].key, path))
			return &wt->recs[k - 1];
	}
}

/* Index recs[n] (its key is not indexed yet); on no memory it simply stays unindexed. */
static void pending_index(mlv_worktree *wt, size_t n)
{
	if ((n + 1) * 2 > wt->nslots) {
		size_t cap = wt->nslots ? wt->nslots * 2 : 512;
		size_t *ns_ = mlv__calloc(cap, sizeof(*ns_));
		if (!ns_)
			return;
		free(wt->slots);
		wt->slots = ns_;
		wt->nslots = cap;
		for (size_t j = 0; j < n; j++)
			for (size_t i = key_hash(wt->recs[j].key) & (cap - 1);; i = (i + 1) & (cap - 1))
				if (!wt->slots[i]) {
					wt->slots[i] = j + 1;
					break;
				}
	}
	for (size_t i = key_hash(wt->recs[n].key) & (wt->nslots - 1);; i = (i + 1) & (wt->nslots - 1)) {
		if (!wt->slots[i]) {
			wt->slots[i] = n + 1;
			return;
		}
		if (!strcmp(wt->recs[wt->slots[i] - 1].key, wt->recs[n].key)) {
			wt->slots[i] = n + 1; /* a newer entry for the same path */
			return;
		}
	}
}

/* Does the 72-byte record P describe a file whose lstat is SB? */
static int rec_matches(const unsigned char *p, const struct stat *sb)
{
	return mlv__get_u64(p) == (uint64_t)sb->st_size && (int64_t)mlv__get_u64(p + 8) == ns(&sb->st_mtim) &&
	       (int64_t)mlv__get_u64(p + 16) == ns(&sb->st_ctim) && mlv__get_u64(p + 24) == (uint64_t)sb->st_ino;
}

/* LMDB's default order of keys: bytes, then length. */
static int key_cmp(const MDB_val *a, const MDB_val *b)
{
	size_t n = a->mv_size < b->mv_size ? a->mv_size : b->mv_size;
	int c = memcmp(a->mv_data, b->mv_data, n);
	return c ? c : a->mv_size < b->mv_size ? -1 : a->mv_size > b->mv_size;
}

/*
 * Look K up in the stat cache of the command's snapshot. Status and track
 * ask for the files of a directory in nearly the order of the keys, so a
 * cursor is kept where the last lookup ended: the next key is usually one
 * step on, which costs a comparison instead of a search from the root.
 * Returns 0 with *v, or MDB_NOTFOUND.
 */
static int stat_get(mlv_worktree *wt, const MDB_val *k, MDB_val *v)
{
	int c;
	if (!wt->cur) {
		if (mdb_cursor_open(wt->rtxn, wt->st->ix.stat, &wt->cur)) {
			wt->cur = NULL;
			return mdb_get(wt->rtxn, wt->st->ix.stat, (MDB_val *)k, v);
		}
		wt->cur_ok = 0;
	}
	if (wt->cur_ok && (c = key_cmp(&wt->ckey, k)) <= 0) {
		for (int step = 0; c < 0 && step < 2; step++) {
			if (mdb_cursor_get(wt->cur, &wt->ckey, &wt->cval, MDB_NEXT)) {
				wt->cur_ok = 0;
				break;
			}
			c = key_cmp(&wt->ckey, k);
		}
		if (wt->cur_ok && c >= 0) {
			/* the key at or just after the last one: K is there, or nowhere */
			if (c)
				return MDB_NOTFOUND;
			*v = wt->cval;
			return 0;
		}
	}
	wt->ckey = *k;
	if (mdb_cursor_get(wt->cur, &wt->ckey, &wt->cval, MDB_SET_RANGE)) {
		wt->cur_ok = 0;
		return MDB_NOTFOUND;
	}
	wt->cur_ok = 1;
	if (key_cmp(&wt->ckey, k))
		return MDB_NOTFOUND;
	*v = wt->cval;
	return 0;
}

/*
 * The id the stat cache holds for PATH when SB still matches what it
 * recorded. With STORED, only an id whose object is in the store: what is
 * stored under it must be there (track); to compare a file with an id
 * (status, checkout) the content id alone is enough.
 */
static int cache_get(mlv_worktree *wt, const char *path, const struct stat *sb, mlv_oid *oid, int stored)
{
	MDB_txn *txn;
	MDB_val k = { strlen(path), (void *)path }, v;
	int hit = 0;
	/* A snapshot for the whole command: newer entries only cost a re-hash. */
	if (!wt->rtxn && mlv__index_read_begin(&wt->st->ix, &wt->rtxn)) {
		wt->rtxn = NULL;
		mlv_error_clear();
		return 0;
	}
	txn = wt->rtxn;
	/* what this command learnt is newer than its snapshot (checkout's plan, then its work) */
	struct cache_rec *pend = pending_find(wt, path);
	if (pend) {
		v.mv_size = sizeof(pend->val);
		v.mv_data = pend->val;
	}
	if ((pend || stat_get(wt, &k, &v) == 0) && v.mv_size == 72) {
		const unsigned char *p = v.mv_data;
		struct mlv_object_rec rec;
		if (rec_matches(p, sb)) {
			memcpy(oid->id, p + 40, MLV_OID_RAWSZ);
			/* Only as good as the store: gc may have removed the object since. */
			hit = !stored || mlv__index_get_object(txn, &wt->st->ix, oid, &rec) == 0;
		}
	}
	mlv_error_clear();
	return hit;
}

static int cache_lookup(void *payload, const char *path, const struct stat *sb, mlv_oid *oid)
{
	return cache_get(payload, path, sb, oid, 1);
}

static void cache_add(mlv_worktree *wt, const char *path, const struct stat *sb, const mlv_oid *oid, int64_t now,
	int written)
{
	struct cache_rec *r;
	if (wt->nrecs == wt->arecs) {
		size_t n = wt->arecs ? wt->arecs * 2 : 256;
		struct cache_rec *nr = mlv__realloc(wt->recs, n * sizeof(*nr));
		if (!nr)
			return; /* a cache: losing an entry only costs time */
		wt->recs = nr;
		wt->arecs = n;
	}
	r = &wt->recs[wt->nrecs];
	if (!(r->key = mlv__strdup(path)))
		return;
	mlv__put_u64(r->val, (uint64_t)sb->st_size);
	mlv__put_u64(r->val + 8, (uint64_t)ns(&sb->st_mtim));
	mlv__put_u64(r->val + 16, (uint64_t)ns(&sb->st_ctim));
	mlv__put_u64(r->val + 24, (uint64_t)sb->st_ino);
	mlv__put_u64(r->val + 32, (uint64_t)now);
	memcpy(r->val + 40, oid->id, MLV_OID_RAWSZ);
	r->written = written;
	pending_index(wt, wt->nrecs);
	wt->nrecs++;
}

/* Remember the id of a file just read, unless it changed too recently to be trusted. */
static void cache_record(void *payload, const char *path, const struct stat *sb, const mlv_oid *oid)
{
	mlv_worktree *wt = payload;
	int64_t now = now_ns();
	if (!S_ISREG(sb->st_mode) || racy(sb, now))
		return;
	cache_add(wt, path, sb, oid, now, 0);
}

/*
 * Remember the id of a file checkout has just written (SB: fstat of the
 * open file after its rename). It is racy by nature: the entry is saved
 * only once the clock has moved past its timestamps (see
 * mlv_worktree_flush_cache), so that any later change, even of the same
 * size within the same second, gets other timestamps than the ones saved.
 * Not on file systems that keep whole seconds.
 */
static void cache_record_written(mlv_worktree *wt, const char *path, const struct stat *sb, const mlv_oid *oid)
{
	if (!S_ISREG(sb->st_mode) || (sb->st_mtim.tv_nsec == 0 && sb->st_ctim.tv_nsec == 0))
		return;
	if (ns(&sb->st_mtim) > wt->written_max)
		wt->written_max = ns(&sb->st_mtim);
	if (ns(&sb->st_ctim) > wt->written_max)
		wt->written_max = ns(&sb->st_ctim);
	cache_add(wt, path, sb, oid, now_ns(), 1);
}

static int flush_txn(void *payload, MDB_txn *txn)
{
	mlv_worktree *wt = payload;
	for (size_t i = 0; i < wt->nrecs; i++) {
		MDB_val k = { strlen(wt->recs[i].key), wt->recs[i].key }, v = { 72, wt->recs[i].val };
		int rc;
		if (k.mv_size > 511 || wt->recs[i].written < 0)
			continue; /* LMDB's key limit: such paths are simply hashed every time */
		if ((rc = mdb_put(txn, wt->st->ix.stat, &k, &v, 0)))
			return rc == MDB_MAP_FULL ? rc : mlv__index_error(rc, "write");
	}
	return 0;
}

/*
 * Wait (a clock tick, typically a few milliseconds) until the coarse clock,
 * which file systems take their timestamps from, is past every timestamp
 * of the files this command wrote: from then on any change to them gets
 * later timestamps. If the clock does not get there soon (set back?), the
 * entries of written files are dropped (-1) instead.
 */
static void settle_written(mlv_worktree *wt)
{
	struct timespec t, pause = { 0, 1000000 };
	int ok = 0;
	for (int tries = 0; tries < 200; tries++) {
		clock_gettime(CLOCK_REALTIME_COARSE, &t);
		if (ns(&t) > wt->written_max) {
			ok = 1;
			break;
		}
		nanosleep(&pause, NULL);
	}
	if (!ok)
		for (size_t i = 0; i < wt->nrecs; i++)
			if (wt->recs[i].written)
				wt->recs[i].written = -1;
	wt->written_max = 0;
}

int mlv_worktree_flush_cache(mlv_worktree *wt)
{
	int rc = 0;
	if (wt->written_max)
		settle_written(wt);
	if (wt->nrecs)
		rc = mlv__index_write(wt->st, flush_txn, wt);
	for (size_t i = 0; i < wt->nrecs; i++)
		free(wt->recs[i].key);
	wt->nrecs = 0;
	if (wt->nslots)
		memset(wt->slots, 0, wt->nslots * sizeof(*wt->slots));
	return rc;
}

/* ---- opening, paths ---- */

int mlv_worktree_find_root(char **out, const char *mlvdir, const char *start)
{
	const char *env = getenv("MLV_WORK_TREE");
	char *p;
	if (env && *env)
		p = mlv__realpath(env);
	else if (getenv("MLV_DIR") && *getenv("MLV_DIR"))
		p = mlv__realpath(start);
	else {
		char *slash;
		p = mlv__realpath(mlvdir);
		if (p && (slash = strrchr(p, '/'))) {
			if (slash == p)
				slash[1] = '\0';
			else
				*slash = '\0';
		}
	}
	if (!p)
		return mlv_error_set_errno(MLV_ENOTFOUND, errno, "cannot find the work tree");
	*out = p;
	return 0;
}

int mlv_worktree_open(mlv_worktree **out, mlv_store *st, const char *root)
{
	mlv_worktree *wt = mlv__calloc(1, sizeof(*wt));
	*out = NULL;
	if (!wt)
		return mlv_error_set(MLV_ENOMEM, "out of memory");
	wt->st = st;
	wt->rootfd = -1;
	if (!(wt->root = mlv__realpath(root))) {
		int rc = mlv_error_set_errno(MLV_ENOTFOUND, errno, "cannot open the work tree '%s'", root);
		free(wt);
		return rc;
	}
	wt->rootfd = open(wt->root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (wt->rootfd < 0) {
		int rc = mlv_error_set_errno(MLV_EIO, errno, "cannot open the work tree '%s'", root);
		mlv_worktree_free(wt);
		return rc;
	}
	wt->fc.lookup = cache_lookup;
	wt->fc.record = cache_record;
	wt->fc.payload = wt;
	*out = wt;
	return 0;
}

void mlv_worktree_free(mlv_worktree *wt)
{
	if (!wt)
		return;
	for (size_t i = 0; i < wt->nrecs; i++)
		free(wt->recs[i].key);
	free(wt->recs);
	free(wt->slots);
	if (wt->cur)
		mdb_cursor_close(wt->cur);
	if (wt->rtxn)
		mdb_txn_abort(wt->rtxn);
	mlv_buf_release(&wt->absbuf);
	if (wt->rootfd >= 0)
		close(wt->rootfd);
	mlv__pool_free(wt->pool);
	free(wt->root);
	free(wt);
}

const char *mlv_worktree_root(const mlv_worktree *wt) { return wt->root; }

static int is_reserved(const char *c, size_t n)
{
	/* .git and .mlv in any case, with the forms other file systems fold to them */
	return n > 0 && !mlv_path_component_valid(c, n) && !(n == 1 && c[0] == '.') && !(n == 2 && !memcmp(c, "..", 2)) &&
	       !memchr(c, '\\', n) && !memchr(c, ':', n);
}

int mlv_worktree_relpath(mlv_worktree *wt, const char *cwd, const char *arg, char **out)
{
	mlv_buf full = MLV_BUF_INIT, res = MLV_BUF_INIT;
	size_t rootlen = strlen(wt->root);
	const char *p;
	int rc = 0;
	*out = NULL;
	if (!*arg)
		return mlv_error_set(MLV_EINVALID, "empty path");
	if (arg[0] == '/')
		rc = mlv_buf_puts(&full, arg);
	else
		rc = mlv_buf_printf(&full, "%s/%s", cwd, arg);
	if (rc)
		goto done;
	/* Lexical normalization: components, "." dropped, ".." pops. */
	p = full.ptr;
	while (*p) {
		const char *e = strchr(p, '/');
		size_t n = e ? (size_t)(e - p) : strlen(p);
		if (n == 0 || (n == 1 && p[0] == '.')) {
			/* skip */
		} else if (n == 2 && p[0] == '.' && p[1] == '.') {
			char *slash = res.size ? strrchr(res.ptr, '/') : NULL;
			if (slash) {
				res.size = (size_t)(slash - res.ptr);
				res.ptr[res.size] = '\0';
			}
		} else {
			if ((rc = mlv_buf_putc(&res, '/')) || (rc = mlv_buf_put(&res, p, n)))
				goto done;
		}
		p += n + (e ? 1 : 0);
	}
	{
		int slash_root = rootlen == 1; /* the work tree is "/" */
		const char *rel;
		size_t len;
		if (!slash_root && (res.size < rootlen || strncmp(res.ptr, wt->root, rootlen) ||
				    (res.ptr[rootlen] != '/' && res.ptr[rootlen] != '\0'))) {
			rc = mlv_error_set(MLV_EINVALID, "'%s' is outside the work tree '%s'", arg, wt->root);
			goto done;
		}
		rel = !res.size ? "" : slash_root ? res.ptr + 1 : res.ptr[rootlen] ? res.ptr + rootlen + 1 : "";
		if (!*rel) {
			rc = mlv_error_set(MLV_EINVALID, "'%s' is the work tree itself; name what to track inside it", arg);
			goto done;
		}
		/* no component may be .git or .mlv (any case) */
		for (const char *c = rel; *c;) {
			const char *e = strchr(c, '/');
			size_t n = e ? (size_t)(e - c) : strlen(c);
			if (is_reserved(c, n)) {
				rc = mlv_error_set(MLV_EINVALID, "'%s' is inside '%.*s', which mlv never tracks", arg, (int)n, c);
				goto done;
			}
			c += n + (e ? 1 : 0);
		}
		len = strlen(rel);
		if (len > 4 && !strcmp(rel + len - 4, MLV_POINTER_EXT))
			len -= 4;
		if (!(*out = mlv__strndup(rel, len)))
			rc = mlv_error_set(MLV_ENOMEM, "out of memory");
	}
done:
	mlv_buf_release(&full);
	mlv_buf_release(&res);
	return rc;
}

/*
 * Open the directory holding RELPATH's last component, one component at a
 * time from the root, never following a symlink (O_NOFOLLOW); with CREATE,
 * missing directories are made. *base points into RELPATH.
 */
static int open_parent(mlv_worktree *wt, const char *relpath, int create, int *out, const char **base)
{
	int fd = dup(wt->rootfd);
	const char *p = relpath;
	*out = -1;
	if (fd < 0)
		return mlv_error_set_errno(MLV_EIO, errno, "cannot open the work tree");
	for (;;) {
		const char *slash = strchr(p, '/');
		char name[NAME_MAX + 1];
		int nfd;
		if (!slash)
			break;
		if ((size_t)(slash - p) > NAME_MAX) {
			close(fd);
			return mlv_error_set(MLV_EINVALID, "'%s': a path component is too long", relpath);
		}
		memcpy(name, p, (size_t)(slash - p));
		name[slash - p] = '\0';
		nfd = openat(fd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (nfd < 0 && errno == ENOENT && create) {
			if (mkdirat(fd, name, 0755) && errno != EEXIST) {
				int e = errno;
				close(fd);
				return mlv_error_set_errno(MLV_EIO, e, "cannot create directory '%.*s'", (int)(slash - relpath), relpath);
			}
			nfd = openat(fd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		}
		if (nfd < 0) {
			int e = errno;
			close(fd);
			if (e == ELOOP || e == ENOTDIR)
				return mlv_error_set(MLV_EINVALID, "'%.*s' is a symlink or not a directory; mlv does not go through it",
					(int)(slash - relpath), relpath);
			return mlv_error_set_errno(e == ENOENT ? MLV_ENOTFOUND : MLV_EIO, e, "cannot open directory '%.*s'",
				(int)(slash - relpath), relpath);
		}
		close(fd);
		fd = nfd;
		p = slash + 1;
	}
	*out = fd;
	*base = p;
	return 0;
}

static char *abs_of(mlv_worktree *wt, const char *relpath)
{
	mlv_buf b = MLV_BUF_INIT;
	if (mlv_buf_printf(&b, "%s/%s", strcmp(wt->root, "/") ? wt->root : "", relpath)) {
		mlv_buf_release(&b);
		return NULL;
	}
	return mlv_buf_detach(&b);
}

/* Name paths in the last error relative to the root, as the user sees them; returns RC. */
static int relative_error(mlv_worktree *wt, int rc)
{
	char msg[1024];
	const char *at;
	size_t n = strlen(wt->root);
	snprintf(msg, sizeof(msg), "%s", mlv_error_last());
	if (n > 1 && (at = strstr(msg, wt->root)) && at[n] == '/')
		return mlv_error_set(rc, "%.*s%s", (int)(at - msg), msg, at + n + 1);
	return rc;
}

/* Read RELPATH.mlv; MLV_ENOTFOUND when there is none. */
static int read_pointer(mlv_worktree *wt, const char *relpath, mlv_pointer *out)
{
	mlv_buf path = MLV_BUF_INIT;
	int rc;
	if (mlv_buf_printf(&path, "%s/%s%s", wt->root, relpath, MLV_POINTER_EXT))
		return MLV_ENOMEM;
	rc = mlv_pointer_read(out, path.ptr);
	if (rc && rc != MLV_ENOTFOUND) {
		/* name it relative to the root, as the user sees it */
		char msg[1024];
		snprintf(msg, sizeof(msg), "%s", mlv_error_last());
		const char *at = strstr(msg, path.ptr);
		if (at)
			rc = mlv_error_set(rc, "%.*s%s%s%s", (int)(at - msg), msg, relpath, MLV_POINTER_EXT, at + path.size);
	}
	mlv_buf_release(&path);
	return rc;
}

/* The tracked directory RELPATH lies in (an ancestor with a pointer), if any. */
static int tracked_ancestor(mlv_worktree *wt, const char *relpath, char **out)
{
	char *copy = mlv__strdup(relpath), *slash;
	*out = NULL;
	if (!copy)
		return mlv_error_set(MLV_ENOMEM, "out of memory");
	while ((slash = strrchr(copy, '/'))) {
		mlv_pointer p;
		*slash = '\0';
		int rc = read_pointer(wt, copy, &p);
		if (rc == 0) {
			*out = copy;
			return 0;
		}
		if (rc != MLV_ENOTFOUND) {
			free(copy);
			return rc;
		}
	}
	free(copy);
	mlv_error_clear();
	return 0;
}

/* ---- track ---- */

int mlv_worktree_track_prepare(mlv_worktree *wt, mlv_writer *w, const char *relpath, mlv_track_result *out)
{
	struct stat sb;
	const char *base = NULL;
	char *abs = NULL, *anc = NULL;
	int dfd = -1, rc, fd = -1;
	mlv_pointer old;
	int had_old;

	memset(out, 0, sizeof(*out));
	if ((rc = tracked_ancestor(wt, relpath, &anc)))
		return rc;
	if (anc) {
		rc = mlv_error_set(MLV_EINVALID, "'%s' is inside the tracked directory '%s'; track '%s' again instead",
			relpath, anc, anc);
		free(anc);
		return rc;
	}
	if ((rc = open_parent(wt, relpath, 0, &dfd, &base)))
		return rc;
	if (!(abs = abs_of(wt, relpath))) {
		rc = mlv_error_set(MLV_ENOMEM, "out of memory");
		goto done;
	}
	if (fstatat(dfd, base, &sb, AT_SYMLINK_NOFOLLOW)) {
		rc = mlv_error_set_errno(errno == ENOENT ? MLV_ENOTFOUND : MLV_EIO, errno, "cannot track '%s'", relpath);
		goto done;
	}
	if (S_ISLNK(sb.st_mode)) {
		/* The link itself is the data: its target text. Never followed. */
		char target[PATH_MAX];
		ssize_t n = readlinkat(dfd, base, target, sizeof(target));
		if (n < 0 || n == (ssize_t)sizeof(target)) {
			rc = mlv_error_set_errno(MLV_EIO, n < 0 ? errno : ENAMETOOLONG, "cannot read link '%s'", relpath);
			goto done;
		}
		out->ptr.kind = MLV_PTR_LINK;
		out->ptr.size = (uint64_t)n;
		rc = mlv_writer_add_buf(w, &out->ptr.oid, target, (size_t)n, MLV_OBJ_BLOB);
	} else if (S_ISDIR(sb.st_mode)) {
		out->ptr.kind = MLV_PTR_DIR;
		mlv_writer_set_cache(w, &wt->fc);
		rc = mlv_writer_add_dir(w, &out->ptr.oid, abs, &out->ptr.files, &out->ptr.size);
		mlv_writer_set_cache(w, NULL);
	} else if (S_ISREG(sb.st_mode)) {
		struct stat after;
		out->ptr.kind = MLV_PTR_FILE;
		out->ptr.size = (uint64_t)sb.st_size;
		if (cache_lookup(wt, abs, &sb, &out->ptr.oid)) {
			rc = 0;
		} else if ((fd = openat(dfd, base, O_RDONLY | O_NOFOLLOW | O_CLOEXEC)) < 0) {
			rc = mlv_error_set_errno(MLV_EIO, errno, "cannot read '%s'", relpath);
		} else if (!(rc = mlv_writer_add_fd(w, &out->ptr.oid, fd, MLV_OBJ_BLOB, relpath))) {
			/*
			 * The writer saw the file hold still while it read it; it must also
			 * be the file we sized above, or the pointer's size and the stat
			 * cache would describe other bytes than the id.
			 */
			if (fstat(fd, &after) || after.st_size != sb.st_size || after.st_ino != sb.st_ino ||
			    ns(&after.st_mtim) != ns(&sb.st_mtim) || ns(&after.st_ctim) != ns(&sb.st_ctim))
				rc = mlv_error_set(MLV_EINVALID, "'%s' changed while it was being read; try again", relpath);
			else
				cache_record(wt, abs, &sb, &out->ptr.oid);
		}
	} else {
		rc = mlv_error_set(MLV_EINVALID, "cannot track '%s': not a regular file, directory or symlink", relpath);
	}
	if (rc)
		goto done;
	rc = read_pointer(wt, relpath, &old);
	had_old = rc == 0;
	if (rc && rc != MLV_ENOTFOUND && rc != MLV_EINVALID)
		goto done;
	rc = 0;
	mlv_error_clear();
	if (!had_old)
		out->state = MLV_TRACK_NEW;
	else if (old.kind == out->ptr.kind && !mlv_oid_cmp(&old.oid, &out->ptr.oid) && old.size == out->ptr.size &&
		 old.files == out->ptr.files)
		out->state = MLV_TRACK_UNCHANGED;
	else
		out->state = MLV_TRACK_CHANGED;
done:
	if (fd >= 0)
		close(fd);
	if (dfd >= 0)
		close(dfd);
	free(abs);
	return rc;
}

/* The .gitignore line for NAME: anchored, with gitignore's special characters escaped. */
static int ignore_line(mlv_buf *out, const char *name)
{
	int rc = mlv_buf_putc(out, '/');
	size_t n = strlen(name);
	for (size_t i = 0; !rc && i < n; i++) {
		char c = name[i];
		if (c == '\n' || c == '\r')
			rc = mlv_buf_putc(out, '?'); /* not expressible: match any one character */
		else if (c == '*' || c == '?' || c == '[' || c == '\\' || c == '!' || c == '#' ||
			 (c == ' ' && i == n - 1))
			rc = mlv_buf_printf(out, "\\%c", c);
		else
			rc = mlv_buf_putc(out, c);
	}
	return rc;
}

/* Add (ADD) or remove the ignore line of RELPATH in the .gitignore beside it. */
static int update_gitignore(mlv_worktree *wt, const char *relpath, int add)
{
	mlv_buf path = MLV_BUF_INIT, line = MLV_BUF_INIT, cur = MLV_BUF_INIT, next = MLV_BUF_INIT;
	const char *slash = strrchr(relpath, '/');
	const char *name = slash ? slash + 1 : relpath;
	int rc, found = 0, fd;
	if ((rc = mlv_buf_printf(&path, "%s/%.*s%s.gitignore", wt->root, slash ? (int)(slash - relpath) : 0, relpath,
		slash ? "/" : "")) || (rc = ignore_line(&line, name)))
		goto done;
	fd = open(path.ptr, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if (fd >= 0) {
		char buf[65536];
		ssize_t n;
		while ((n = mlv_io_read_full(fd, buf, sizeof(buf))) > 0)
			if ((rc = mlv_buf_put(&cur, buf, (size_t)n)))
				break;
		close(fd);
		if (rc)
			goto done;
	} else if (errno != ENOENT) {
		rc = mlv_error_set_errno(MLV_EIO, errno, "cannot read '%s'", path.ptr);
		goto done;
	}
	/* Rebuild the file line by line, dropping our line when removing. */
	for (const char *p = mlv_buf_cstr(&cur), *end = p + cur.size; p < end;) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		size_t n = nl ? (size_t)(nl - p) : (size_t)(end - p);
		int ours = n == line.size && !memcmp(p, line.ptr, n);
		found |= ours;
		if (!(ours && !add) && ((rc = mlv_buf_put(&next, p, n)) || (rc = mlv_buf_putc(&next, '\n'))))
			goto done;
		p += n + (nl ? 1 : 0);
	}
	if (add && found)
		goto done;
	if (!add && !found)
		goto done;
	if (add && ((rc = mlv_buf_put(&next, line.ptr, line.size)) || (rc = mlv_buf_putc(&next, '\n'))))
		goto done;
	rc = mlv_io_write_file_atomic(path.ptr, mlv_buf_cstr(&next), next.size, 0644);
done:
	mlv_buf_release(&path);
	mlv_buf_release(&line);
	mlv_buf_release(&cur);
	mlv_buf_release(&next);
	return rc;
}

int mlv_worktree_track_finish(mlv_worktree *wt, const char *relpath, const mlv_track_result *res)
{
	mlv_buf path = MLV_BUF_INIT;
	int rc;
	/* Concurrent tracks in one directory must not lose each other's .gitignore lines. */
	if ((rc = mlv__lock(wt->st->lockfd_write, 1, "the work tree")))
		return rc;
	if (res->state != MLV_TRACK_UNCHANGED) {
		if ((rc = mlv_buf_printf(&path, "%s/%s%s", wt->root, relpath, MLV_POINTER_EXT)))
			goto done;
		if ((rc = mlv_pointer_write(path.ptr, &res->ptr))) {
			rc = relative_error(wt, rc);
			goto done;
		}
	}
	if ((rc = update_gitignore(wt, relpath, 1)))
		rc = relative_error(wt, rc);
done:
	mlv__unlock(wt->st->lockfd_write);
	mlv_buf_release(&path);
	return rc;
}

int mlv_worktree_untrack(mlv_worktree *wt, const char *relpath)
{
	mlv_buf path = MLV_BUF_INIT;
	mlv_pointer p;
	int rc, err;
	if ((rc = read_pointer(wt, relpath, &p))) {
		if (rc == MLV_ENOTFOUND)
			rc = mlv_error_set(MLV_ENOTFOUND, "'%s' is not tracked", relpath);
		if (rc != MLV_EINVALID)
			return rc;
	}
	if ((rc = mlv__lock(wt->st->lockfd_write, 1, "the work tree")))
		return rc;
	if ((rc = update_gitignore(wt, relpath, 0))) {
		rc = relative_error(wt, rc);
		goto done;
	}
	if ((rc = mlv_buf_printf(&path, "%s/%s%s", wt->root, relpath, MLV_POINTER_EXT)))
		goto done;
	if ((err = mlv_io_unlink(path.ptr)))
		rc = mlv_error_set_errno(MLV_EIO, -err, "cannot remove '%s%s'", relpath, MLV_POINTER_EXT);
done:
	mlv__unlock(wt->st->lockfd_write);
	mlv_buf_release(&path);
	return rc;
}

/* ---- the pointers of the work tree ---- */

struct namelist {
	char **v;
	size_t n, alloc;
};

static int name_cmp(const void *a, const void *b) { return strcmp(*(char *const *)a, *(char *const *)b); }

static void namelist_release(struct namelist *l)
{
	for (size_t i = 0; i < l->n; i++)
		free(l->v[i]);
	free(l->v);
	l->v = NULL;
	l->n = l->alloc = 0;
}

/* The entries of directory FD, sorted, without "." and "..". */
static int list_dir(int fd, const char *what, struct namelist *out)
{
	int dfd = dup(fd);
	DIR *d = dfd >= 0 ? fdopendir(dfd) : NULL;
	struct dirent *de;
	if (!d) {
		if (dfd >= 0)
			close(dfd);
		return mlv_error_set_errno(MLV_EIO, errno, "cannot read directory '%s'", what);
	}
	rewinddir(d);
	while ((errno = 0, de = readdir(d))) {
		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, "..") ||
		    !strncmp(de->d_name, MLV_TMP_PREFIX, strlen(MLV_TMP_PREFIX)))
			continue;
		if (out->n == out->alloc) {
			size_t n = out->alloc ? out->alloc * 2 : 64;
			char **nv = mlv__realloc(out->v, n * sizeof(*nv));
			if (!nv)
				goto nomem;
			out->v = nv;
			out->alloc = n;
		}
		if (!(out->v[out->n] = mlv__strdup(de->d_name)))
			goto nomem;
		out->n++;
	}
	closedir(d);
	if (out->n)
		qsort(out->v, out->n, sizeof(*out->v), name_cmp);
	return 0;
nomem:
	closedir(d);
	return mlv_error_set(MLV_ENOMEM, "out of memory");
}

static int has_name(const struct namelist *l, const char *name)
{
	return bsearch(&name, l->v, l->n, sizeof(*l->v), name_cmp) != NULL;
}

static int walk_pointers(mlv_worktree *wt, int fd, const char *prefix, mlv_worktree_path_fn fn, void *payload, int depth)
{
	struct namelist l = { 0 };
	mlv_buf path = MLV_BUF_INIT;
	int rc;
	if (depth > 256)
		return 0;
	if ((rc = list_dir(fd, *prefix ? prefix : ".", &l)))
		return rc;
	for (size_t i = 0; i < l.n && !rc; i++) {
		const char *name = l.v[i];
		size_t n = strlen(name);
		struct stat sb;
		if (!strcmp(name, ".git") || !strcmp(name, MLV_DIRNAME))
			continue;
		mlv_buf_clear(&path);
		if ((rc = mlv_buf_printf(&path, "%s%s%s", prefix, *prefix ? "/" : "", name)))
			break;
		if (n > 4 && !strcmp(name + n - 4, MLV_POINTER_EXT)) {
			path.size -= 4;
			path.ptr[path.size] = '\0';
			rc = fn(payload, path.ptr);
			continue;
		}
		if (fstatat(fd, name, &sb, AT_SYMLINK_NOFOLLOW) || !S_ISDIR(sb.st_mode))
			continue;
		/* the inside of a tracked directory is data, not more pointers */
		char *ptrname = NULL;
		if (mlv__asprintf(&ptrname, "%s%s", name, MLV_POINTER_EXT) < 0) {
			rc = mlv_error_set(MLV_ENOMEM, "out of memory");
			break;
		}
		int tracked = has_name(&l, ptrname);
		free(ptrname);
		if (tracked)
			continue;
		int sub = openat(fd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (sub < 0)
			continue;
		rc = walk_pointers(wt, sub, path.ptr, fn, payload, depth + 1);
		close(sub);
	}
	mlv_buf_release(&path);
	namelist_release(&l);
	return rc;
}

int mlv_worktree_pointers(mlv_worktree *wt, mlv_worktree_path_fn fn, void *payload)
{
	return walk_pointers(wt, wt->rootfd, "", fn, payload, 0);
}

/* ---- status ---- */

static const char *const change_names[] = { "modified", "missing", "added", "deleted", "not-in-store", "type-changed" };

const char *mlv_change_name(mlv_change c) { return change_names[c]; }

/* The absolute path of RELPATH into wt->absbuf (the stat cache's key). */
static int set_abs(mlv_worktree *wt, const char *relpath)
{
	mlv_buf_clear(&wt->absbuf);
	if (mlv_buf_puts(&wt->absbuf, strcmp(wt->root, "/") ? wt->root : "") || mlv_buf_putc(&wt->absbuf, '/') ||
	    mlv_buf_puts(&wt->absbuf, relpath))
		return mlv_error_set(MLV_ENOMEM, "out of memory");
	return 0;
}

/* The id of regular file NAME in DFD (known as RELPATH): from the stat cache, else hashed. */
static int file_id(mlv_worktree *wt, int dfd, const char *name, const char *relpath, const struct stat *sb, mlv_oid *out)
{
	const char *abs;
	int rc = 0, fd;
	uint64_t size;
	if (set_abs(wt, relpath))
		return MLV_ENOMEM;
	abs = wt->absbuf.ptr;
	if (cache_get(wt, abs, sb, out, 0))
		goto done;
	if ((fd = openat(dfd, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC)) < 0) {
		rc = mlv_error_set_errno(MLV_EIO, errno, "cannot read '%s'", relpath);
		goto done;
	}
	rc = mlv_hash_fd(out, &size, fd, relpath);
	close(fd);
	/* Remember it only when it is in the store: the cache promises that. */
	if (!rc) {
		mlv_objinfo info;
		if (mlv_object_info(wt->st, out, &info) == 0)
			cache_record(wt, abs, sb, out);
		mlv_error_clear();
	}
done:
	return rc;
}

static int link_id(int dfd, const char *name, const char *relpath, mlv_oid *out)
{
	char target[PATH_MAX];
	ssize_t n = readlinkat(dfd, name, target, sizeof(target));
	if (n < 0)
		return mlv_error_set_errno(MLV_EIO, errno, "cannot read link '%s'", relpath);
	mlv_hash_buf(out, target, (size_t)n);
	return 0;
}

/* Report every file below tree OID (known as PREFIX) as CHANGE. */
static int report_all(mlv_worktree *wt, const mlv_oid *oid, const char *prefix, mlv_change change, mlv_change_fn fn, void *p)
{
	mlv_tree *t = NULL;
	mlv_buf path = MLV_BUF_INIT;
	int rc = mlv_tree_read(&t, wt->st, oid);
	for (size_t i = 0; !rc && t && i < t->n; i++) {
		mlv_buf_clear(&path);
		if ((rc = mlv_buf_printf(&path, "%s/%s", prefix, t->entries[i].name)))
			break;
		rc = t->entries[i].mode == MLV_MODE_TREE ? report_all(wt, &t->entries[i].oid, path.ptr, change, fn, p)
							 : fn(p, path.ptr, change);
	}
	mlv_tree_free(t);
	mlv_buf_release(&path);
	return rc;
}

/* Report files on disk below directory FD (known as PREFIX) as added. */
static int report_disk(int fd, const char *prefix, mlv_change_fn fn, void *p, int depth)
{
	struct namelist l = { 0 };
	mlv_buf path = MLV_BUF_INIT;
	int rc;
	if (depth > 256)
		return 0;
	if ((rc = list_dir(fd, prefix, &l)))
		return rc;
	for (size_t i = 0; i < l.n && !rc; i++) {
		struct stat sb;
		mlv_buf_clear(&path);
		if ((rc = mlv_buf_printf(&path, "%s/%s", prefix, l.v[i])))
			break;
		if (fstatat(fd, l.v[i], &sb, AT_SYMLINK_NOFOLLOW) == 0 && S_ISDIR(sb.st_mode)) {
			int sub = openat(fd, l.v[i], O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
			if (sub >= 0) {
				rc = report_disk(sub, path.ptr, fn, p, depth + 1);
				close(sub);
			}
		} else {
			rc = fn(p, path.ptr, MLV_CHANGE_ADDED);
		}
	}
	mlv_buf_release(&path);
	namelist_release(&l);
	return rc;
}

static int compare_dir(mlv_worktree *wt, const mlv_oid *oid, int fd, const char *prefix, mlv_change_fn fn, void *p,
	int depth);

/* Compare entry E of a tree with NAME in directory FD (known as PATH), whose lstat is SB. */
static int compare_entry(mlv_worktree *wt, const mlv_tree_entry *e, int fd, const char *name, const char *path,
	const struct stat *sb, mlv_change_fn fn, void *p, int depth)
{
	mlv_oid id;
	int rc = 0;
	if (e->mode == MLV_MODE_TREE) {
		int sub;
		if (!S_ISDIR(sb->st_mode))
			rc = fn(p, path, MLV_CHANGE_TYPE);
		else if ((sub = openat(fd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)) >= 0) {
			rc = compare_dir(wt, &e->oid, sub, path, fn, p, depth + 1);
			close(sub);
		}
	} else if (e->mode == MLV_MODE_LINK) {
		if (!S_ISLNK(sb->st_mode))
			rc = fn(p, path, MLV_CHANGE_TYPE);
		else if (!(rc = link_id(fd, name, path, &id)) && mlv_oid_cmp(&id, &e->oid))
			rc = fn(p, path, MLV_CHANGE_MODIFIED);
	} else if (!S_ISREG(sb->st_mode)) {
		rc = fn(p, path, MLV_CHANGE_TYPE);
	} else if ((uint64_t)sb->st_size != e->size) {
		rc = fn(p, path, MLV_CHANGE_MODIFIED);
	} else if (!(rc = file_id(wt, fd, name, path, sb, &id)) && mlv_oid_cmp(&id, &e->oid)) {
		rc = fn(p, path, MLV_CHANGE_MODIFIED);
	}
	return rc;
}

/*
 * The count of entries of directory FD (as list_dir would list them) and a
 * sum of their names' hashes, which does not depend on their order.
 */
static int count_dir(int fd, const char *what, size_t *n, uint64_t *sum)
{
	int dfd = dup(fd);
	DIR *d = dfd >= 0 ? fdopendir(dfd) : NULL;
	struct dirent *de;
	*n = 0;
	*sum = 0;
	if (!d) {
		if (dfd >= 0)
			close(dfd);
		return mlv_error_set_errno(MLV_EIO, errno, "cannot read directory '%s'", what);
	}
	rewinddir(d);
	while ((de = readdir(d))) {
		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, "..") ||
		    !strncmp(de->d_name, MLV_TMP_PREFIX, strlen(MLV_TMP_PREFIX)))
			continue;
		(*n)++;
		*sum += key_hash(de->d_name);
	}
	closedir(d);
	return 0;
}

/* lstat of every entry of a tree in directory FD, STAT_CHUNK entries a task. */
#define STAT_CHUNK 128
#define STAT_PARALLEL 512   /* fewer entries: one thread (starting the others costs more) */

struct stat_batch {
	int fd;
	const char *what;
	const mlv_tree *t;
	struct stat *sbs;
	int failed;
	/* task 0 of a parallel batch: count_dir of the same directory */
	size_t ndisk;
	uint64_t sum;
	int count_rc;
};

static void stat_chunk(struct stat_batch *b, size_t c)
{
	size_t end = (c + 1) * STAT_CHUNK < b->t->n ? (c + 1) * STAT_CHUNK : b->t->n;
	for (size_t i = c * STAT_CHUNK; i < end; i++)
		if (fstatat(b->fd, b->t->entries[i].name, &b->sbs[i], AT_SYMLINK_NOFOLLOW)) {
			__atomic_store_n(&b->failed, 1, __ATOMIC_RELAXED);
			return;
		}
}

static void stat_task(void *arg, size_t i)
{
	struct stat_batch *b = arg;
	if (i == 0)
		b->count_rc = count_dir(b->fd, b->what, &b->ndisk, &b->sum);
	else
		stat_chunk(b, i - 1);
}

/*
 * Count the entries of directory FD (count_dir: *NDISK, *SUM) and lstat
 * every entry of T in it into SBS (*STATTED 1 when all could be). A large
 * directory is shared among the cores, the listing beside the stat calls:
 * their system time is most of what status costs (git status spreads its
 * lstat calls the same way). A small one is counted first and stat'ed only
 * when the count matches.
 */
static int count_and_stat(mlv_worktree *wt, int fd, const char *what, const mlv_tree *t, uint64_t tsum,
	struct stat *sbs, size_t *ndisk, uint64_t *sum, int *statted)
{
	struct stat_batch b = { fd, what, t, sbs, 0, 0, 0, 0 };
	size_t chunks = (t->n + STAT_CHUNK - 1) / STAT_CHUNK;
	int rc;
	*statted = 0;
	if (t->n >= STAT_PARALLEL && !wt->pool && !wt->pool_failed && mlv__pool_new(&wt->pool))
		wt->pool_failed = 1;
	if (sbs && t->n >= STAT_PARALLEL && wt->pool) {
		mlv__pool_run(wt->pool, chunks + 1, stat_task, &b);
		*ndisk = b.ndisk;
		*sum = b.sum;
		*statted = !b.failed;
		return b.count_rc;
	}
	if ((rc = count_dir(fd, what, ndisk, sum)))
		return rc;
	if (!sbs || *ndisk != t->n || *sum != tsum)
		return 0;
	for (size_t c = 0; c < chunks && !b.failed; c++)
		stat_chunk(&b, c);
	*statted = !b.failed;
	return 0;
}

/*
 * Compare tree OID with directory FD (known as PREFIX). Usually nothing was
 * added or removed: when the directory holds as many names as the tree,
 * with the same sum of hashes, and each of the tree's names is there, the
 * entries are compared in the tree's order without listing the directory
 * into memory and sorting it. Otherwise the two sorted listings are merged.
 */
static int compare_dir(mlv_worktree *wt, const mlv_oid *oid, int fd, const char *prefix, mlv_change_fn fn, void *p, int depth)
{
	mlv_tree *t = NULL;
	struct namelist l = { 0 };
	mlv_buf path = MLV_BUF_INIT;
	struct stat *sbs = NULL;
	size_t i = 0, j = 0, ndisk;
	uint64_t sum, tsum = 0;
	int rc, statted;
	if (depth > 256)
		return mlv_error_set(MLV_EINVALID, "'%s' is nested too deeply", prefix);
	if ((rc = mlv_tree_read(&t, wt->st, oid)))
		goto done;
	for (i = 0; i < t->n; i++)
		tsum += key_hash(t->entries[i].name);
	/* without memory for the stat results, the two listings are merged below */
	sbs = mlv__malloc((t->n ? t->n : 1) * sizeof(*sbs));
	if ((rc = count_and_stat(wt, fd, prefix, t, tsum, sbs, &ndisk, &sum, &statted)))
		goto done;
	if (ndisk == t->n && sum == tsum && statted) {
		for (i = 0; !rc && i < t->n; i++) {
			mlv_buf_clear(&path);
			if ((rc = mlv_buf_puts(&path, prefix)) || (rc = mlv_buf_putc(&path, '/')) ||
			    (rc = mlv_buf_puts(&path, t->entries[i].name)))
				break;
			rc = compare_entry(wt, &t->entries[i], fd, t->entries[i].name, path.ptr, &sbs[i], fn, p, depth);
		}
		goto done;
	}
	if ((rc = list_dir(fd, prefix, &l)))
		goto done;
	i = 0;
	while (!rc && (i < t->n || j < l.n)) {
		int c = i >= t->n ? 1 : j >= l.n ? -1 : strcmp(t->entries[i].name, l.v[j]);
		const char *name = c <= 0 ? t->entries[i].name : l.v[j];
		struct stat sb;
		mlv_buf_clear(&path);
		if ((rc = mlv_buf_puts(&path, prefix)) || (rc = mlv_buf_putc(&path, '/')) || (rc = mlv_buf_puts(&path, name)))
			break;
		if (c < 0) {
			mlv_tree_entry *e = &t->entries[i++];
			rc = e->mode == MLV_MODE_TREE ? report_all(wt, &e->oid, path.ptr, MLV_CHANGE_DELETED, fn, p)
						      : fn(p, path.ptr, MLV_CHANGE_DELETED);
			continue;
		}
		if (c > 0) {
			j++;
			if (fstatat(fd, name, &sb, AT_SYMLINK_NOFOLLOW) == 0 && S_ISDIR(sb.st_mode)) {
				int sub = openat(fd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
				if (sub >= 0) {
					rc = report_disk(sub, path.ptr, fn, p, depth + 1);
					close(sub);
				}
			} else {
				rc = fn(p, path.ptr, MLV_CHANGE_ADDED);
			}
			continue;
		}
		mlv_tree_entry *e = &t->entries[i++];
		j++;
		if (fstatat(fd, name, &sb, AT_SYMLINK_NOFOLLOW))
			rc = fn(p, path.ptr, MLV_CHANGE_DELETED);
		else
			rc = compare_entry(wt, e, fd, name, path.ptr, &sb, fn, p, depth);
	}
done:
	free(sbs);
	mlv_tree_free(t);
	namelist_release(&l);
	mlv_buf_release(&path);
	return rc;
}

/* A pointer must agree with the object it names. */
static int check_pointer(const mlv_pointer *ptr, const mlv_objinfo *info, const char *relpath)
{
	unsigned want = ptr->kind == MLV_PTR_DIR ? 1u << MLV_OBJ_TREE : 1u << MLV_OBJ_BLOB;
	if (!(info->types & want))
		return mlv_error_set(MLV_EINVALID, "pointer '%s%s' names a %s, not the %s it says", relpath, MLV_POINTER_EXT,
			mlv_objtype_name(info->type), ptr->kind == MLV_PTR_DIR ? "tree" : "blob");
	if (ptr->kind != MLV_PTR_DIR && info->size != ptr->size)
		return mlv_error_set(MLV_EINVALID, "pointer '%s%s' says %llu bytes but its data has %llu", relpath,
			MLV_POINTER_EXT, (unsigned long long)ptr->size, (unsigned long long)info->size);
	return 0;
}

int mlv_worktree_status(mlv_worktree *wt, const char *relpath, mlv_change_fn fn, void *payload)
{
	mlv_pointer ptr;
	mlv_objinfo info;
	struct stat sb;
	const char *base = NULL;
	int rc, dfd = -1, in_store;
	mlv_oid id;
	if ((rc = read_pointer(wt, relpath, &ptr))) {
		if (rc == MLV_ENOTFOUND)
			rc = mlv_error_set(MLV_ENOTFOUND, "'%s' is not tracked (no '%s%s')", relpath, relpath, MLV_POINTER_EXT);
		return rc;
	}
	in_store = mlv_object_info(wt->st, &ptr.oid, &info) == 0;
	mlv_error_clear();
	if (in_store && (rc = check_pointer(&ptr, &info, relpath)))
		return rc;
	if (!in_store && (rc = fn(payload, relpath, MLV_CHANGE_NOT_IN_STORE)))
		return rc;
	if ((rc = open_parent(wt, relpath, 0, &dfd, &base))) {
		if (rc != MLV_ENOTFOUND)
			return rc;
		mlv_error_clear();
		return fn(payload, relpath, MLV_CHANGE_MISSING);
	}
	if (fstatat(dfd, base, &sb, AT_SYMLINK_NOFOLLOW)) {
		rc = errno == ENOENT ? fn(payload, relpath, MLV_CHANGE_MISSING)
				     : mlv_error_set_errno(MLV_EIO, errno, "cannot stat '%s'", relpath);
		goto done;
	}
	switch (ptr.kind) {
	case MLV_PTR_FILE:
		if (!S_ISREG(sb.st_mode))
			rc = fn(payload, relpath, MLV_CHANGE_TYPE);
		else if ((uint64_t)sb.st_size != ptr.size)
			rc = fn(payload, relpath, MLV_CHANGE_MODIFIED);
		else if (!(rc = file_id(wt, dfd, base, relpath, &sb, &id)) && mlv_oid_cmp(&id, &ptr.oid))
			rc = fn(payload, relpath, MLV_CHANGE_MODIFIED);
		break;
	case MLV_PTR_LINK:
		if (!S_ISLNK(sb.st_mode))
			rc = fn(payload, relpath, MLV_CHANGE_TYPE);
		else if (!(rc = link_id(dfd, base, relpath, &id)) && mlv_oid_cmp(&id, &ptr.oid))
			rc = fn(payload, relpath, MLV_CHANGE_MODIFIED);
		break;
	case MLV_PTR_DIR:
		if (!S_ISDIR(sb.st_mode)) {
			rc = fn(payload, relpath, MLV_CHANGE_TYPE);
		} else if (in_store) {
			int sub = openat(dfd, base, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
			if (sub < 0) {
				rc = mlv_error_set_errno(MLV_EIO, errno, "cannot open '%s'", relpath);
			} else {
				rc = compare_dir(wt, &ptr.oid, sub, relpath, fn, payload, 0);
				close(sub);
			}
		}
		break;
	}
done:
	if (dfd >= 0)
		close(dfd);
	return rc;
}

/* ---- checkout ---- */

struct co {
	mlv_worktree *wt;
	int dry, force;
	mlv_checkout_fn fn;
	void *payload;
};

struct fd_sink {
	int fd;
	const char *what;
	struct mlv__seqw *big; /* a large file's writes, else NULL */
};

static int fd_sink(void *payload, const void *data, size_t len)
{
	struct fd_sink *s = payload;
	int err = s->big ? mlv__seqw_put(s->big, data, len) : mlv_io_write(s->fd, data, len, s->what);
	if (err == -ENOMEM)
		return mlv_error_set(MLV_ENOMEM, "out of memory");
	if (err)
		return mlv_error_set_errno(MLV_EIO, -err, "cannot write '%s'", s->what);
	return 0;
}

/*
 * Files from this size on are written past the page cache (see mlv__seqw),
 * through a buffer of BIG_BUF bytes: each O_DIRECT write is that long.
 * 16 MiB writes checked a 137 MB file out in 0.245-0.257 s against 0.304 s
 * with 8 MiB (median of nine interleaved runs; 32 MiB: 0.259 s).
 */
#define BIG_FILE (8u << 20)
#define BIG_BUF (16u << 20)

/*
 * Write object OID (SIZE bytes) as NAME in DFD: a temporary file beside it,
 * verified, fsynced, renamed over.
 */
static int write_object(struct co *c, int dfd, const char *name, const char *relpath, const mlv_oid *oid,
	uint32_t mode, uint64_t size)
{
	char tmp[64];
	unsigned char rnd[4];
	int rc = 0, fd = -1, err;
	mlv_oid r;
	mlv_hash_buf(&r, relpath, strlen(relpath));
	memcpy(rnd, r.id, 4);
	snprintf(tmp, sizeof(tmp), MLV_TMP_PREFIX "%02x%02x%02x%02x-%d", rnd[0], rnd[1], rnd[2], rnd[3], (int)getpid());
	if (mode == MLV_MODE_LINK) {
		mlv_buf target = MLV_BUF_INIT;
		if ((rc = mlv_object_read_buf(c->wt->st, oid, &target, PATH_MAX)))
			goto link_done;
		if (memchr(mlv_buf_cstr(&target), '\0', target.size)) {
			rc = mlv_error_set(MLV_ECORRUPT, "the link '%s' has a NUL byte in its target", relpath);
			goto link_done;
		}
		if ((err = mlv_io_point("write", relpath)) || symlinkat(mlv_buf_cstr(&target), dfd, tmp)) {
			rc = mlv_error_set_errno(MLV_EIO, err ? err : errno, "cannot create link '%s'", relpath);
			goto link_done;
		}
		if ((err = mlv_io_renameat(dfd, tmp, dfd, name))) {
			unlinkat(dfd, tmp, 0);
			rc = mlv_error_set_errno(MLV_EIO, -err, "cannot write '%s'", relpath);
		}
link_done:
		mlv_buf_release(&target);
		return rc;
	}
	fd = openat(dfd, tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, mode == MLV_MODE_EXEC ? 0755 : 0644);
	if (fd < 0)
		return mlv_error_set_errno(MLV_EIO, errno, "cannot write '%s'", relpath);
	struct fd_sink s = { fd, relpath, NULL };
	struct mlv__seqw big;
	memset(&big, 0, sizeof(big));
	if (size >= BIG_FILE) {
		if (mlv__seqw_init(&big, fd, BIG_BUF, relpath)) {
			rc = mlv_error_set(MLV_ENOMEM, "out of memory");
			goto fail;
		}
		mlv__seqw_direct(&big);
		s.big = &big;
	}
	/* the temporary file is renamed into place only once the whole object verified */
	rc = s.big ? mlv__object_read_seqw(c->wt->st, oid, s.big) : mlv_object_read_private(c->wt->st, oid, fd_sink, &s);
	if (!rc && s.big && (err = mlv__seqw_flush(s.big)))
		rc = mlv_error_set_errno(MLV_EIO, -err, "cannot write '%s'", relpath);
	mlv__seqw_release(&big);
	if (rc)
		goto fail;
	if ((err = mlv_io_fsync(fd, relpath))) {
		rc = mlv_error_set_errno(MLV_EIO, -err, "cannot write '%s'", relpath);
		goto fail;
	}
	if ((err = mlv_io_renameat(dfd, tmp, dfd, name))) {
		rc = mlv_error_set_errno(MLV_EIO, -err, "cannot write '%s'", relpath);
		goto fail;
	}
	/*
	 * The next status, track or checkout need not read it again: the stat
	 * of the file as renamed (rename sets its ctime), still open so that it
	 * is surely ours, goes into the stat cache.
	 */
	struct stat sb;
	if (fstat(fd, &sb) == 0 && !set_abs(c->wt, relpath))
		cache_record_written(c->wt, c->wt->absbuf.ptr, &sb, oid);
	close(fd);
	return 0;
fail:
	if (fd >= 0)
		close(fd);
	unlinkat(dfd, tmp, 0); /* the old file, if any, was never touched */
	return rc;
}

/* Is what is at NAME (lstat SB) safe to replace: its content is in the store? */
static int replaceable(struct co *c, int dfd, const char *name, const char *relpath, const struct stat *sb)
{
	mlv_oid id;
	mlv_objinfo info;
	int ok;
	if (c->force)
		return 1;
	if (S_ISREG(sb->st_mode)) {
		if (file_id(c->wt, dfd, name, relpath, sb, &id))
			return 0;
	} else if (S_ISLNK(sb->st_mode)) {
		if (link_id(dfd, name, relpath, &id))
			return 0;
	} else {
		return 0;
	}
	ok = mlv_object_info(c->wt->st, &id, &info) == 0;
	mlv_error_clear();
	return ok;
}

static int checkout_entry(struct co *c, int dfd, const char *name, const char *relpath, uint32_t mode,
	const mlv_oid *oid, uint64_t size, int depth);

/* ---- names that differ only in case ---- */

static int fold_cmp(const void *a, const void *b)
{
	return strcasecmp(*(const char *const *)a, *(const char *const *)b);
}

/*
 * Two entries of T whose names differ only in the case of ASCII letters
 * (first pair in folded order), or 0 when there are none.
 */
static int case_twins(const mlv_tree *t, const char **a, const char **b)
{
	const char **names;
	int found = 0;
	if (t->n < 2)
		return 0;
	if (!(names = mlv__malloc(t->n * sizeof(*names))))
		return mlv_error_set(MLV_ENOMEM, "out of memory");
	for (size_t i = 0; i < t->n; i++)
		names[i] = t->entries[i].name;
	qsort(names, t->n, sizeof(*names), fold_cmp);
	for (size_t i = 1; i < t->n && !found; i++)
		if (!strcasecmp(names[i - 1], names[i])) {
			/* tree order (byte order) for the message: upper case first */
			int lo = strcmp(names[i - 1], names[i]) < 0;
			*a = lo ? names[i - 1] : names[i];
			*b = lo ? names[i] : names[i - 1];
			found = 1;
		}
	free(names);
	return found;
}

static void swap_case(char *s)
{
	for (; *s; s++)
		if (*s >= 'a' && *s <= 'z')
			*s = (char)(*s - 'a' + 'A');
		else if (*s >= 'A' && *s <= 'Z')
			*s = (char)(*s - 'A' + 'a');
}

/* Does NAME in DFD and the same name in swapped case resolve to one entry? */
static int same_entry_swapped(int dfd, const char *name)
{
	char other[NAME_MAX + 1];
	struct stat a, b;
	if (strlen(name) > NAME_MAX)
		return 0;
	strcpy(other, name);
	swap_case(other);
	return strcmp(other, name) && fstatat(dfd, name, &a, AT_SYMLINK_NOFOLLOW) == 0 &&
		fstatat(dfd, other, &b, AT_SYMLINK_NOFOLLOW) == 0 && a.st_dev == b.st_dev && a.st_ino == b.st_ino;
}

/*
 * Does the file system of directory DFD fold case (one name in any case is
 * one file)? Read-only when DFD has an entry with a letter in its name (it
 * and the same name in swapped case are looked up); otherwise, unless DRY,
 * a temporary file is made and removed; a dry run with nothing to look at
 * says no. 1, 0, or < 0 with the error set. MLV_TEST_FOLD_CASE=1 in the
 * environment makes it say yes (the tests run on case-sensitive Linux).
 */
static int folds_case(int dfd, int dry, const char *relpath)
{
	const char *t = getenv("MLV_TEST_FOLD_CASE");
	int probe_fd, found = -1;
	DIR *d;
	struct dirent *de;
	if (t && !strcmp(t, "1"))
		return 1;
	if ((probe_fd = dup(dfd)) < 0 || !(d = fdopendir(probe_fd))) {
		if (probe_fd >= 0)
			close(probe_fd);
		return mlv_error_set_errno(MLV_EIO, errno, "cannot read directory '%s'", relpath);
	}
	while (found < 0 && (de = readdir(d))) {
		for (const char *q = de->d_name; *q; q++)
			if ((*q >= 'a' && *q <= 'z') || (*q >= 'A' && *q <= 'Z')) {
				found = same_entry_swapped(dfd, de->d_name);
				break;
			}
	}
	closedir(d);
	if (found < 0 && !dry) {
		char probe[64];
		int fd;
		snprintf(probe, sizeof(probe), MLV_TMP_PREFIX "case-%d", (int)getpid());
		if ((fd = openat(dfd, probe, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600)) < 0)
			return mlv_error_set_errno(MLV_EIO, errno, "cannot write in '%s'", relpath);
		close(fd);
		found = same_entry_swapped(dfd, probe);
		unlinkat(dfd, probe, 0);
	}
	return found > 0;
}

/*
 * Refuse tree T (to be checked out as RELPATH into directory DFD, or below
 * it when it does not exist yet; -1: it does not exist, dry run) when two of
 * its names differ only in case and that file system folds case: one file
 * would be written over the other. Nothing is written before this check.
 */
static int case_check(struct co *c, const mlv_tree *t, int dfd, const char *relpath)
{
	const char *a = NULL, *b = NULL;
	int rc = case_twins(t, &a, &b);
	if (rc <= 0 || dfd < 0)
		return rc;
	if ((rc = folds_case(dfd, c->dry, relpath)) <= 0)
		return rc;
	return mlv_error_set(MLV_EINVALID,
		"cannot check out '%s': '%s/%s' and '%s/%s' differ only in case and this file system does not tell "
		"them apart (one would overwrite the other); nothing of '%s' was written (check it out on a "
		"case-sensitive file system)", relpath, relpath, a, relpath, b, relpath);
}

/* Check out every entry of tree T into directory FD (-1: it does not exist yet, dry run). */
static int checkout_tree(struct co *c, int fd, const char *relpath, const mlv_tree *t, int depth)
{
	mlv_buf path = MLV_BUF_INIT;
	int rc = 0;
	for (size_t i = 0; !rc && i < t->n; i++) {
		mlv_tree_entry *e = &t->entries[i];
		mlv_buf_clear(&path);
		if ((rc = mlv_buf_printf(&path, "%s/%s", relpath, e->name)))
			break;
		rc = checkout_entry(c, fd, e->name, path.ptr, e->mode, &e->oid, e->size, depth + 1);
	}
	if (!rc && fd >= 0 && !c->dry) {
		int err = mlv_io_fsync(fd, relpath);
		if (err)
			rc = mlv_error_set_errno(MLV_EIO, -err, "cannot write '%s'", relpath);
	}
	mlv_buf_release(&path);
	return rc;
}

static int checkout_entry(struct co *c, int dfd, const char *name, const char *relpath, uint32_t mode,
	const mlv_oid *oid, uint64_t size, int depth)
{
	struct stat sb;
	mlv_objinfo info;
	int exists = dfd >= 0 && fstatat(dfd, name, &sb, AT_SYMLINK_NOFOLLOW) == 0;
	int rc;
	mlv_oid id;
	if (dfd >= 0 && !exists && errno != ENOENT)
		return mlv_error_set_errno(MLV_EIO, errno, "cannot stat '%s'", relpath);
	if (mlv_object_info(c->wt->st, oid, &info)) {
		char hex[MLV_OID_HEXSZ + 1];
		return mlv_error_set(MLV_ENOTFOUND, "cannot check out '%s': its data (%s) is not in the store",
			relpath, mlv_oid_fmt(hex, oid));
	}
	if (mode == MLV_MODE_TREE) {
		int sub = -1;
		mlv_tree *t = NULL;
		if (depth > 256)
			return mlv_error_set(MLV_EINVALID, "'%s' is nested too deeply", relpath);
		if ((rc = mlv_tree_read(&t, c->wt->st, oid)))
			return rc;
		if (exists && S_ISDIR(sb.st_mode) &&
		    (sub = openat(dfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)) < 0) {
			rc = mlv_error_set_errno(MLV_EIO, errno, "cannot open directory '%s'", relpath);
			goto tree_done;
		}
		/* the directory's own file system, or its parent's when it is still to be made */
		if ((rc = case_check(c, t, sub >= 0 ? sub : dfd, relpath)))
			goto tree_done;
		if (exists && !S_ISDIR(sb.st_mode)) {
			if (!replaceable(c, dfd, name, relpath, &sb)) {
				rc = c->fn(c->payload, relpath, MLV_CHECKOUT_CONFLICT);
				goto tree_done;
			}
			if (!c->dry) {
				int err = mlv_io_unlinkat(dfd, name, 0);
				if (err) {
					rc = mlv_error_set_errno(MLV_EIO, -err, "cannot replace '%s'", relpath);
					goto tree_done;
				}
			}
			exists = 0;
		}
		if (!exists && !c->dry && mkdirat(dfd, name, 0755)) {
			rc = mlv_error_set_errno(MLV_EIO, errno, "cannot create directory '%s'", relpath);
			goto tree_done;
		}
		if (sub < 0 && !c->dry && (sub = openat(dfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)) < 0) {
			rc = mlv_error_set_errno(MLV_EIO, errno, "cannot open directory '%s'", relpath);
			goto tree_done;
		}
		rc = checkout_tree(c, sub, relpath, t, depth);
tree_done:
		if (sub >= 0)
			close(sub);
		mlv_tree_free(t);
		return rc;
	}
	if (exists) {
		if (S_ISDIR(sb.st_mode))
			return c->force ? mlv_error_set(MLV_EINVALID, "cannot check out '%s': a directory is in the way", relpath)
					: c->fn(c->payload, relpath, MLV_CHECKOUT_CONFLICT);
		if (mode == MLV_MODE_LINK && S_ISLNK(sb.st_mode)) {
			if ((rc = link_id(dfd, name, relpath, &id)))
				return rc;
			if (!mlv_oid_cmp(&id, oid))
				return c->fn(c->payload, relpath, MLV_CHECKOUT_UNCHANGED);
		} else if (mode != MLV_MODE_LINK && S_ISREG(sb.st_mode) && (uint64_t)sb.st_size == size) {
			if ((rc = file_id(c->wt, dfd, name, relpath, &sb, &id)))
				return rc;
			if (!mlv_oid_cmp(&id, oid))
				return c->fn(c->payload, relpath, MLV_CHECKOUT_UNCHANGED);
		}
		if (!replaceable(c, dfd, name, relpath, &sb))
			return c->fn(c->payload, relpath, MLV_CHECKOUT_CONFLICT);
	}
	if (!c->dry && (rc = write_object(c, dfd, name, relpath, oid, mode, info.size)))
		return rc;
	return c->fn(c->payload, relpath, MLV_CHECKOUT_WRITTEN);
}

/* Find what RELPATH should hold: its own pointer, or an entry of a tracked directory above it. */
static int find_target(mlv_worktree *wt, const char *relpath, uint32_t *mode, mlv_oid *oid, uint64_t *size)
{
	mlv_pointer ptr;
	char *anc = NULL;
	mlv_objinfo info;
	int rc = read_pointer(wt, relpath, &ptr);
	if (rc == 0) {
		if (mlv_object_info(wt->st, &ptr.oid, &info) == 0 && (rc = check_pointer(&ptr, &info, relpath)))
			return rc;
		/* not in the store: checkout_entry says so */
		mlv_error_clear();
		*mode = ptr.kind == MLV_PTR_DIR ? MLV_MODE_TREE : ptr.kind == MLV_PTR_LINK ? MLV_MODE_LINK : MLV_MODE_FILE;
		*oid = ptr.oid;
		*size = ptr.size;
		return 0;
	}
	if (rc != MLV_ENOTFOUND)
		return rc;
	if ((rc = tracked_ancestor(wt, relpath, &anc)))
		return rc;
	if (!anc)
		return mlv_error_set(MLV_ENOTFOUND, "'%s' is not tracked", relpath);
	if ((rc = read_pointer(wt, anc, &ptr)))
		goto done;
	if (ptr.kind != MLV_PTR_DIR) {
		rc = mlv_error_set(MLV_ENOTFOUND, "'%s' is not tracked ('%s' is a tracked file)", relpath, anc);
		goto done;
	}
	/* walk down the trees, one component at a time */
	*oid = ptr.oid;
	*mode = MLV_MODE_TREE;
	for (const char *p = relpath + strlen(anc) + 1; *p;) {
		const char *slash = strchr(p, '/');
		size_t n = slash ? (size_t)(slash - p) : strlen(p);
		mlv_tree *t = NULL;
		int found = 0;
		if (*mode != MLV_MODE_TREE) {
			rc = mlv_error_set(MLV_ENOTFOUND, "'%s' is not in the tracked directory '%s'", relpath, anc);
			goto done;
		}
		if ((rc = mlv_tree_read(&t, wt->st, oid)))
			goto done;
		for (size_t i = 0; i < t->n; i++)
			if (strlen(t->entries[i].name) == n && !memcmp(t->entries[i].name, p, n)) {
				*oid = t->entries[i].oid;
				*mode = t->entries[i].mode;
				*size = t->entries[i].size;
				found = 1;
			}
		mlv_tree_free(t);
		if (!found) {
			rc = mlv_error_set(MLV_ENOTFOUND, "'%s' is not in the tracked directory '%s'", relpath, anc);
			goto done;
		}
		p += n + (slash ? 1 : 0);
	}
done:
	free(anc);
	return rc;
}

int mlv_worktree_checkout(mlv_worktree *wt, const char *relpath, int dry_run, int force, mlv_checkout_fn fn, void *payload)
{
	struct co c = { wt, dry_run, force, fn, payload };
	uint32_t mode = 0;
	mlv_oid oid;
	uint64_t size = 0;
	const char *base = NULL;
	int rc, dfd = -1;
	if ((rc = find_target(wt, relpath, &mode, &oid, &size)))
		return rc;
	rc = open_parent(wt, relpath, !dry_run, &dfd, &base);
	if (rc == MLV_ENOTFOUND && dry_run) {
		/* the directories on the way will be made: nothing there to conflict with */
		mlv_error_clear();
		return checkout_entry(&c, -1, relpath, relpath, mode, &oid, size, 0);
	}
	if (rc)
		return rc;
	rc = checkout_entry(&c, dfd, base, relpath, mode, &oid, size, 0);
	if (!rc && !dry_run) {
		int err = mlv_io_fsync(dfd, relpath);
		if (err)
			rc = mlv_error_set_errno(MLV_EIO, -err, "cannot write '%s'", relpath);
	}
	close(dfd);
	return rc;
}
