/*
 * git access through libgit2: pointer files at any revision, the history of
 * a path, every pointer in history and in the work tree (gc roots), hooks
 * and identity. The only file that includes git2.h; every libgit2 error is
 * turned into an mlv error here.
 */
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <pwd.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>
#include <sys/stat.h>
#include "git-load.h"

#include "internal.h"
#include "mlv/git.h"
#include "mlv/pointer.h"
#include "alloc.h"

/* Pointer files larger than this are not pointers (pointer.c reads at most as much). */
#define POINTER_MAX (64 * 1024)

struct mlv_repo {
	git_repository *git;
	char *workdir;   /* realpath of the work tree root, no trailing slash */
};

static pthread_once_t init_once = PTHREAD_ONCE_INIT;
static int init_rc;

static void init_libgit2(void)
{
	init_rc = mlv__git_load() ? -2 : git_libgit2_init() < 0 ? -1 : 0;
}

/*
 * Set the mlv error from libgit2's last error: "<what>: <message>", the
 * message's first letter in lower case and without a final full stop.
 */
static int git_fail(int code, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int git_fail(int code, const char *fmt, ...)
{
	const git_error *e = mlv__git_loaded() ? git_error_last() : NULL;
	char what[1024], msg[1024];
	va_list ap;
	size_t n;

	va_start(ap, fmt);
	vsnprintf(what, sizeof(what), fmt, ap);
	va_end(ap);
	snprintf(msg, sizeof(msg), "%s", e && e->message ? e->message : "unknown libgit2 error");
	if (isupper((unsigned char)msg[0]) && !isupper((unsigned char)msg[1]))
		msg[0] = (char)tolower((unsigned char)msg[0]);
	n = strlen(msg);
	while (n > 0 && (msg[n - 1] == '.' || msg[n - 1] == '\n'))
		msg[--n] = '\0';
	return mlv_error_set(code, "%s: %s", what, msg);
}

static int ensure_init(void)
{
	pthread_once(&init_once, init_libgit2);
	if (init_rc == -2)
		return mlv__git_load(); /* its message says what could not be loaded */
	if (init_rc)
		return git_fail(MLV_ERROR, "cannot initialise libgit2");
	return 0;
}

static int ends_with_ext(const char *name)
{
	size_t n = strlen(name), e = strlen(MLV_POINTER_EXT);
	return n > e && strcmp(name + n - e, MLV_POINTER_EXT) == 0;
}

/* A git oid as a key of an mlv oidmap (zero-padded). */
static void key_of(mlv_oid *out, const git_oid *id)
{
	memset(out, 0, sizeof(*out));
	memcpy(out->id, id->id, GIT_OID_RAWSZ);
}

/* ---- opening ---- */

int mlv_repo_open(mlv_repo **out, const char *dir)
{
	mlv_repo *r = NULL;
	const char *wd;
	int rc, grc;

	*out = NULL;
	if ((rc = ensure_init()) != 0)
		return rc;
	if (!(r = mlv__calloc(1, sizeof(*r))))
		return mlv_error_set(MLV_ENOMEM, "out of memory");
	/* FROM_ENV: GIT_DIR, GIT_WORK_TREE, GIT_INDEX_FILE... as git itself (hooks set them). */
	grc = git_repository_open_ext(&r->git, dir, GIT_REPOSITORY_OPEN_FROM_ENV, NULL);
	if (grc == GIT_ENOTFOUND) {
		rc = mlv_error_set(MLV_ENOTFOUND, "'%s' is not in a git work tree", dir);
		goto done;
	}
	if (grc < 0) {
		rc = git_fail(MLV_ERROR, "cannot open the git repository of '%s'", dir);
		goto done;
	}
	if (!(wd = git_repository_workdir(r->git))) {
		rc = mlv_error_set(MLV_ENOTFOUND, "'%s' is not in a git work tree (the repository is bare)", dir);
		goto done;
	}
	if (!(r->workdir = mlv__realpath(wd))) {
		rc = mlv_error_set_errno(MLV_EIO, errno, "cannot resolve the git work tree '%s'", wd);
		goto done;
	}
	*out = r;
	r = NULL;
done:
	mlv_repo_free(r);
	return rc;
}

void mlv_repo_free(mlv_repo *repo)
{
	if (!repo)
		return;
	git_repository_free(repo->git);
	free(repo->workdir);
	free(repo);
}

const char *mlv_repo_workdir(const mlv_repo *repo)
{
	return repo->workdir;
}

int mlv_repo_relpath(mlv_repo *repo, const char *cwd, const char *arg, char **out)
{
	mlv_buf full = MLV_BUF_INIT, res = MLV_BUF_INIT;
	size_t rootlen = strlen(repo->workdir);
	const char *p, *rest;
	int rc = 0;

	*out = NULL;
	if (arg[0] != '/')
		rc |= mlv_buf_puts(&full, cwd) | mlv_buf_putc(&full, '/');
	rc |= mlv_buf_puts(&full, arg);
	if (rc) {
		rc = mlv_error_set(MLV_ENOMEM, "out of memory");
		goto done;
	}
	/* Lexically: "." dropped, ".." removes the last component, "//" is "/". */
	for (p = full.ptr; *p;) {
		const char *end;
		size_t n;
		while (*p == '/')
			p++;
		if (!*p)
			break;
		end = strchr(p, '/');
		n = end ? (size_t)(end - p) : strlen(p);
		if (n == 1 && p[0] == '.') {
			/* nothing */
		} else if (n == 2 && p[0] == '.' && p[1] == '.') {
			char *slash = strrchr(res.ptr ? res.ptr : "", '/');
			if (slash) {
				res.size = (size_t)(slash - res.ptr);
				res.ptr[res.size] = '\0';
			}
		} else if (mlv_buf_putc(&res, '/') || mlv_buf_put(&res, p, n)) {
			rc = mlv_error_set(MLV_ENOMEM, "out of memory");
			goto done;
		}
		p += n;
	}
	if (strcmp(repo->workdir, "/") == 0)
		rest = res.size ? res.ptr + 1 : "";
	else if (res.size >= rootlen && memcmp(res.ptr, repo->workdir, rootlen) == 0 &&
		 (res.ptr[rootlen] == '/' || res.ptr[rootlen] == '\0'))
		rest = res.ptr[rootlen] ? res.ptr + rootlen + 1 : "";
	else {
		rc = mlv_error_set(MLV_EINVALID, "'%s' is outside the git work tree '%s'", arg, repo->workdir);
		goto done;
	}
	if (!(*out = mlv__strdup(rest)))
		rc = mlv_error_set(MLV_ENOMEM, "out of memory");
done:
	mlv_buf_release(&full);
	mlv_buf_release(&res);
	return rc;
}

/* ---- revisions ---- */

/* Parse REV into an object; "unknown revision 'x'" when git knows no such thing. */
static int revparse(git_object **out, mlv_repo *repo, const char *rev)
{
	int grc = git_revparse_single(out, repo->git, rev);

	if (grc == 0)
		return 0;
	*out = NULL;
	if (grc == GIT_EAMBIGUOUS)
		return mlv_error_set(MLV_EAMBIGUOUS, "revision '%s' is ambiguous", rev);
	if (grc == GIT_ENOTFOUND || grc == GIT_EINVALIDSPEC || grc == GIT_EUNBORNBRANCH)
		return mlv_error_set(MLV_ENOTFOUND, "unknown revision '%s'", rev);
	return git_fail(MLV_ERROR, "cannot resolve revision '%s'", rev);
}

static int rev_tree(git_tree **out, mlv_repo *repo, const char *rev)
{
	git_object *obj = NULL;
	int rc;

	*out = NULL;
	if ((rc = revparse(&obj, repo, rev)) != 0)
		return rc;
	if (git_object_peel((git_object **)out, obj, GIT_OBJECT_TREE) < 0)
		rc = mlv_error_set(MLV_EINVALID, "revision '%s' is not a commit or a tree", rev);
	git_object_free(obj);
	return rc;
}

int mlv_repo_resolve(mlv_repo *repo, const char *rev, char out[41])
{
	git_object *obj = NULL, *commit = NULL;
	int rc;

	if ((rc = revparse(&obj, repo, rev)) != 0)
		return rc;
	if (git_object_peel(&commit, obj, GIT_OBJECT_COMMIT) < 0) {
		rc = mlv_error_set(MLV_EINVALID, "revision '%s' is not a commit", rev);
		goto done;
	}
	git_oid_tostr(out, 41, git_object_id(commit));
done:
	git_object_free(commit);
	git_object_free(obj);
	return rc;
}

int mlv_repo_read_at(mlv_repo *repo, const char *rev, const char *relpath, mlv_buf *out)
{
	git_tree *tree = NULL;
	git_tree_entry *e = NULL;
	git_blob *blob = NULL;
	int rc, grc;

	if ((rc = rev_tree(&tree, repo, rev)) != 0)
		return rc;
	grc = git_tree_entry_bypath(&e, tree, relpath);
	if (grc == GIT_ENOTFOUND) {
		rc = mlv_error_set(MLV_ENOTFOUND, "'%s' does not exist in '%s'", relpath, rev);
		goto done;
	}
	if (grc < 0) {
		rc = git_fail(MLV_ERROR, "cannot look up '%s' in '%s'", relpath, rev);
		goto done;
	}
	if (git_tree_entry_type(e) != GIT_OBJECT_BLOB) {
		rc = mlv_error_set(MLV_EINVALID, "'%s' is not a file in '%s'", relpath, rev);
		goto done;
	}
	if (git_blob_lookup(&blob, repo->git, git_tree_entry_id(e)) < 0) {
		rc = git_fail(MLV_ERROR, "cannot read '%s' in '%s'", relpath, rev);
		goto done;
	}
	if (mlv_buf_put(out, git_blob_rawcontent(blob), (size_t)git_blob_rawsize(blob)))
		rc = mlv_error_set(MLV_ENOMEM, "out of memory");
done:
	git_blob_free(blob);
	git_tree_entry_free(e);
	git_tree_free(tree);
	return rc;
}

/* ---- walking trees for pointer files ---- */

/* Called for each "*.mlv" blob of a tree; FN's non-zero return stops the walk. */
typedef int (*blob_fn)(void *payload, const char *relpath, const git_oid *id);

struct tree_walk {
	mlv_repo *repo;
	struct mlv_oidmap *seen;   /* trees already walked (NULL: walk every one) */
	blob_fn fn;
	void *payload;
	mlv_buf path;
};

static int walk_tree(struct tree_walk *w, const git_tree *tree)
{
	size_t n = git_tree_entrycount(tree), base = w->path.size;
	int rc = 0;

	for (size_t i = 0; i < n && rc == 0; i++) {
		const git_tree_entry *e = git_tree_entry_byindex(tree, i);
		const char *name = git_tree_entry_name(e);
		git_filemode_t mode = git_tree_entry_filemode(e);

		w->path.size = base;
		if (base && mlv_buf_putc(&w->path, '/'))
			return mlv_error_set(MLV_ENOMEM, "out of memory");
		if (mlv_buf_puts(&w->path, name))
			return mlv_error_set(MLV_ENOMEM, "out of memory");
		if (mode == GIT_FILEMODE_TREE) {
			git_tree *sub = NULL;
			if (w->seen) {
				mlv_oid key;
				key_of(&key, git_tree_entry_id(e));
				if (mlv__oidmap_get(w->seen, &key))
					continue;
				if ((rc = mlv__oidmap_put(w->seen, &key, 1)) != 0)
					break;
			}
			if (git_tree_lookup(&sub, w->repo->git, git_tree_entry_id(e)) < 0) {
				rc = git_fail(MLV_ERROR, "cannot read the git tree of '%s'", w->path.ptr);
				break;
			}
			rc = walk_tree(w, sub);
			git_tree_free(sub);
		} else if ((mode == GIT_FILEMODE_BLOB || mode == GIT_FILEMODE_BLOB_EXECUTABLE) &&
			   ends_with_ext(name)) {
			rc = w->fn(w->payload, w->path.ptr, git_tree_entry_id(e));
		}
	}
	w->path.size = base;
	if (w->path.ptr)
		w->path.ptr[base] = '\0';
	return rc;
}

struct pointers_at {
	mlv_repo *repo;
	mlv_repo_file_fn fn;
	void *payload;
};

static int pointers_at_blob(void *payload, const char *relpath, const git_oid *id)
{
	struct pointers_at *p = payload;
	git_blob *blob = NULL;
	int rc;

	if (git_blob_lookup(&blob, p->repo->git, id) < 0)
		return git_fail(MLV_ERROR, "cannot read '%s'", relpath);
	rc = p->fn(p->payload, relpath, git_blob_rawcontent(blob), (size_t)git_blob_rawsize(blob));
	git_blob_free(blob);
	return rc;
}

int mlv_repo_pointers_at(mlv_repo *repo, const char *rev, mlv_repo_file_fn fn, void *payload)
{
	struct pointers_at p = { repo, fn, payload };
	struct tree_walk w = { repo, NULL, pointers_at_blob, &p, MLV_BUF_INIT };
	git_tree *tree = NULL;
	int rc;

	if ((rc = rev_tree(&tree, repo, rev)) != 0)
		return rc;
	rc = walk_tree(&w, tree);
	git_tree_free(tree);
	mlv_buf_release(&w.path);
	return rc;
}

/* ---- history of one path ---- */

/* The blob id of RELPATH in COMMIT's tree; 0 found, 1 absent, < 0 error. */
static int path_blob(git_oid *out, git_commit *commit, const char *relpath)
{
	git_tree *tree = NULL;
	git_tree_entry *e = NULL;
	int rc = 1, grc;

	if (git_commit_tree(&tree, commit) < 0)
		return git_fail(MLV_ERROR, "cannot read the tree of a commit");
	grc = git_tree_entry_bypath(&e, tree, relpath);
	if (grc == 0 && git_tree_entry_type(e) == GIT_OBJECT_BLOB) {
		git_oid_cpy(out, git_tree_entry_id(e));
		rc = 0;
	} else if (grc < 0 && grc != GIT_ENOTFOUND) {
		rc = git_fail(MLV_ERROR, "cannot look up '%s'", relpath);
	}
	git_tree_entry_free(e);
	git_tree_free(tree);
	return rc;
}

int mlv_repo_log(mlv_repo *repo, const char *relpath, int max, mlv_repo_log_fn fn, void *payload)
{
	git_revwalk *walk = NULL;
	git_oid id;
	int rc = 0, grc, count = 0;

	if (git_revwalk_new(&walk, repo->git) < 0)
		return git_fail(MLV_ERROR, "cannot walk the history");
	git_revwalk_simplify_first_parent(walk);
	grc = git_revwalk_push_head(walk);
	if (grc == GIT_ENOTFOUND || grc == GIT_EUNBORNBRANCH)
		goto done;   /* no commit yet: no versions */
	if (grc < 0) {
		rc = git_fail(MLV_ERROR, "cannot walk the history from HEAD");
		goto done;
	}
	while ((max <= 0 || count < max) && (grc = git_revwalk_next(&id, walk)) == 0) {
		git_commit *c = NULL, *parent = NULL;
		git_blob *blob = NULL;
		git_oid cur, prev;
		int have_cur, have_prev = 1;

		if (git_commit_lookup(&c, repo->git, &id) < 0) {
			rc = git_fail(MLV_ERROR, "cannot read commit %s", git_oid_tostr_s(&id));
			break;
		}
		if ((have_cur = path_blob(&cur, c, relpath)) < 0) {
			rc = have_cur;
			goto next;
		}
		if (git_commit_parentcount(c) > 0) {
			if (git_commit_parent(&parent, c, 0) < 0) {
				rc = git_fail(MLV_ERROR, "cannot read the parent of commit %s", git_oid_tostr_s(&id));
				goto next;
			}
			if ((have_prev = path_blob(&prev, parent, relpath)) < 0) {
				rc = have_prev;
				goto next;
			}
		}
		/* have_* is 0 when present. */
		if (have_cur && have_prev)
			goto next;
		if (have_cur == 0 && have_prev == 0 && git_oid_equal(&cur, &prev))
			goto next;
		{
			const git_signature *a = git_commit_author(c);
			mlv_repo_commit rc_commit;
			const char *summary = git_commit_summary(c);
			memset(&rc_commit, 0, sizeof(rc_commit));
			git_oid_tostr(rc_commit.id, sizeof(rc_commit.id), &id);
			rc_commit.author = a && a->name ? a->name : "";
			rc_commit.email = a && a->email ? a->email : "";
			rc_commit.time = a ? (int64_t)a->when.time : 0;
			rc_commit.tz_minutes = a ? a->when.offset : 0;
			rc_commit.subject = summary ? summary : "";
			if (have_cur == 0) {
				if (git_blob_lookup(&blob, repo->git, &cur) < 0) {
					rc = git_fail(MLV_ERROR, "cannot read '%s' in commit %s", relpath, rc_commit.id);
					goto next;
				}
				rc = fn(payload, &rc_commit, git_blob_rawcontent(blob), (size_t)git_blob_rawsize(blob));
			} else {
				rc = fn(payload, &rc_commit, NULL, 0);
			}
			count++;
		}
next:
		git_blob_free(blob);
		git_commit_free(parent);
		git_commit_free(c);
		if (rc)
			break;
	}
	if (rc == 0 && grc < 0 && grc != GIT_ITEROVER)
		rc = git_fail(MLV_ERROR, "cannot walk the history");
done:
	git_revwalk_free(walk);
	return rc;
}

/* ---- gc roots ---- */

struct roots {
	mlv_repo *repo;
	mlv_root_emit_fn emit;
	void *payload;
	uint64_t skipped;
	struct mlv_oidmap seen_blobs;
	struct mlv_oidmap seen_trees;
	git_revwalk *walk;
};

/* Parse pointer bytes and emit their id; a bad pointer is counted, not fatal. */
static int emit_pointer(mlv_root_emit_fn emit, void *payload, uint64_t *skipped,
	const char *data, size_t len, const char *what)
{
	mlv_pointer p;

	if (mlv_pointer_parse(&p, data, len, what) != 0) {
		mlv_error_clear();
		(*skipped)++;
		return 0;
	}
	return emit(payload, &p.oid);
}

static int roots_blob(void *payload, const char *relpath, const git_oid *id)
{
	struct roots *r = payload;
	git_blob *blob = NULL;
	mlv_oid key;
	int rc;

	key_of(&key, id);
	if (mlv__oidmap_get(&r->seen_blobs, &key))
		return 0;
	if ((rc = mlv__oidmap_put(&r->seen_blobs, &key, 1)) != 0)
		return rc;
	if (git_blob_lookup(&blob, r->repo->git, id) < 0)
		return git_fail(MLV_ERROR, "cannot read the pointer '%s' (blob %s)", relpath, git_oid_tostr_s(id));
	rc = git_blob_rawsize(blob) > POINTER_MAX ? (r->skipped++, 0) :
		emit_pointer(r->emit, r->payload, &r->skipped, git_blob_rawcontent(blob),
			(size_t)git_blob_rawsize(blob), relpath);
	git_blob_free(blob);
	return rc;
}

static int roots_tree(struct roots *r, const git_oid *tree_id)
{
	struct tree_walk w = { r->repo, &r->seen_trees, roots_blob, r, MLV_BUF_INIT };
	git_tree *tree = NULL;
	mlv_oid key;
	int rc;

	key_of(&key, tree_id);
	if (mlv__oidmap_get(&r->seen_trees, &key))
		return 0;
	if ((rc = mlv__oidmap_put(&r->seen_trees, &key, 1)) != 0)
		return rc;
	if (git_tree_lookup(&tree, r->repo->git, tree_id) < 0)
		return git_fail(MLV_ERROR, "cannot read git tree %s", git_oid_tostr_s(tree_id));
	rc = walk_tree(&w, tree);
	git_tree_free(tree);
	mlv_buf_release(&w.path);
	return rc;
}

/*
 * Hold the object ID alive: a commit (or a tag of one) goes into the walk,
 * a tree is walked now. STRICT: fail when it cannot be read (a ref), else
 * ignore it (an old reflog entry may name a commit git gc removed).
 */
static int roots_add(struct roots *r, const git_oid *id, int strict, const char *what)
{
	git_object *obj = NULL, *peeled = NULL;
	int rc = 0;

	if (git_oid_is_zero(id))
		return 0;
	if (git_object_lookup(&obj, r->repo->git, id, GIT_OBJECT_ANY) < 0 ||
	    git_object_peel(&peeled, obj, GIT_OBJECT_ANY) < 0) {
		if (strict)
			rc = git_fail(MLV_ERROR, "cannot read %s", what);
		goto done;
	}
	/* peel with ANY stops at the first object that is not a tag */
	switch (git_object_type(peeled)) {
	case GIT_OBJECT_COMMIT:
		if (git_revwalk_push(r->walk, git_object_id(peeled)) < 0 && strict)
			rc = git_fail(MLV_ERROR, "cannot walk the history of %s", what);
		break;
	case GIT_OBJECT_TREE:
		rc = roots_tree(r, git_object_id(peeled));
		break;
	default:
		break;
	}
done:
	if (!strict)
		git_error_clear();
	git_object_free(peeled);
	git_object_free(obj);
	return rc;
}

/* The commits a ref's reflog names (what git gc keeps too). */
static int roots_reflog_in(struct roots *r, git_repository *g, const char *name)
{
	git_reflog *log = NULL;
	size_t n;
	int rc = 0;

	if (git_reflog_read(&log, g, name) < 0) {
		git_error_clear();
		return 0;
	}
	n = git_reflog_entrycount(log);
	for (size_t i = 0; i < n && rc == 0; i++) {
		const git_reflog_entry *e = git_reflog_entry_byindex(log, i);
		rc = roots_add(r, git_reflog_entry_id_new(e), 0, name);
		if (rc == 0)
			rc = roots_add(r, git_reflog_entry_id_old(e), 0, name);
	}
	git_reflog_free(log);
	return rc;
}

static int roots_reflog(struct roots *r, const char *name)
{
	return roots_reflog_in(r, r->repo->git, name);
}

static int roots_refs(struct roots *r)
{
	git_reference_iterator *it = NULL;
	git_reference *ref = NULL, *head = NULL;
	int rc = 0, grc;

	if (git_reference_iterator_new(&it, r->repo->git) < 0)
		return git_fail(MLV_ERROR, "cannot list the git refs");
	while ((grc = git_reference_next(&ref, it)) == 0) {
		git_reference *resolved = NULL;
		const char *name = git_reference_name(ref);
		if (git_reference_resolve(&resolved, ref) == 0)
			rc = roots_add(r, git_reference_target(resolved), 1, name);
		else
			git_error_clear();   /* a dangling symbolic ref holds nothing */
		if (rc == 0)
			rc = roots_reflog(r, name);
		git_reference_free(resolved);
		git_reference_free(ref);
		ref = NULL;
		if (rc)
			goto done;
	}
	if (grc != GIT_ITEROVER) {
		rc = git_fail(MLV_ERROR, "cannot list the git refs");
		goto done;
	}
	/* HEAD is not under refs/: a detached HEAD holds its commit. */
	grc = git_repository_head(&head, r->repo->git);
	if (grc == 0)
		rc = roots_add(r, git_reference_target(head), 1, "HEAD");
	else if (grc != GIT_EUNBORNBRANCH && grc != GIT_ENOTFOUND)
		rc = git_fail(MLV_ERROR, "cannot read HEAD");
	else
		git_error_clear();
	if (rc == 0)
		rc = roots_reflog(r, "HEAD");
done:
	git_reference_free(head);
	git_reference_iterator_free(it);
	return rc;
}

static int roots_index(struct roots *r, git_repository *g)
{
	git_index *ix = NULL;
	git_odb *odb = NULL;
	size_t n;
	int rc = 0;

	if (git_repository_index(&ix, g) < 0)
		return git_fail(MLV_ERROR, "cannot read the git index");
	if (git_repository_odb(&odb, g) < 0) {
		rc = git_fail(MLV_ERROR, "cannot open the git object database");
		goto done;
	}
	n = git_index_entrycount(ix);
	for (size_t i = 0; i < n && rc == 0; i++) {
		const git_index_entry *e = git_index_get_byindex(ix, i);
		if ((e->mode != GIT_FILEMODE_BLOB && e->mode != GIT_FILEMODE_BLOB_EXECUTABLE) ||
		    !ends_with_ext(e->path))
			continue;
		/* `git add -N` leaves an entry whose blob does not exist yet. */
		if (!git_odb_exists(odb, &e->id))
			continue;
		rc = roots_blob(r, e->path, &e->id);
	}
done:
	git_odb_free(odb);
	git_index_free(ix);
	return rc;
}

/*
 * Another work tree of the same repository (a linked one, or the main one
 * seen from a linked one): what its HEAD and HEAD's reflog reach, its
 * index, and the pointer files in it. The objects are shared, the rest is
 * its own.
 */
static int roots_other(struct roots *r, git_repository *g, const char *what)
{
	git_reference *head = NULL;
	const char *wd = git_repository_workdir(g);
	char *real = NULL;
	int rc = 0, grc;

	grc = git_repository_head(&head, g);
	if (grc == 0)
		rc = roots_add(r, git_reference_target(head), 1, what);
	else if (grc != GIT_EUNBORNBRANCH && grc != GIT_ENOTFOUND)
		rc = git_fail(MLV_ERROR, "cannot read the HEAD of %s", what);
	else
		git_error_clear();
	git_reference_free(head);
	if (rc == 0)
		rc = roots_reflog_in(r, g, "HEAD");
	if (rc == 0)
		rc = roots_index(r, g);
	/* its pointer files, unless it is the work tree the caller walks itself, or gone */
	if (rc == 0 && wd && (real = mlv__realpath(wd)) && strcmp(real, r->repo->workdir))
		rc = mlv_worktree_pointer_roots(real, r->emit, r->payload, &r->skipped);
	free(real);
	return rc;
}

/* Every work tree of the repository but the one opened: the main one and the linked ones. */
static int roots_worktrees(struct roots *r)
{
	git_strarray names = { NULL, 0 };
	int rc = 0;

	if (git_repository_is_worktree(r->repo->git) == 1) {
		git_repository *main = NULL;
		/* the common directory is the main work tree's .git (or a bare repository: no work tree) */
		if (git_repository_open_ext(&main, git_repository_commondir(r->repo->git), GIT_REPOSITORY_OPEN_NO_SEARCH,
			NULL) < 0)
			return git_fail(MLV_ERROR, "cannot open the main work tree of the repository");
		rc = roots_other(r, main, "the main work tree");
		git_repository_free(main);
		if (rc)
			return rc;
	}
	if (git_worktree_list(&names, r->repo->git) < 0)
		return git_fail(MLV_ERROR, "cannot list the linked work trees");
	for (size_t i = 0; i < names.count && rc == 0; i++) {
		git_worktree *wt = NULL;
		git_repository *g = NULL;
		char what[300];
		snprintf(what, sizeof(what), "the linked work tree '%s'", names.strings[i]);
		if (git_worktree_lookup(&wt, r->repo->git, names.strings[i]) < 0 ||
		    git_repository_open_from_worktree(&g, wt) < 0) {
			/* Its HEAD and index are unreadable: gc must not guess what they held. */
			rc = git_fail(MLV_ERROR, "cannot open %s (if it was deleted, 'git worktree prune' forgets it)", what);
		} else {
			rc = roots_other(r, g, what);
		}
		git_repository_free(g);
		git_worktree_free(wt);
	}
	git_strarray_dispose(&names);
	return rc;
}

int mlv_repo_pointer_roots(mlv_repo *repo, mlv_root_emit_fn emit, void *payload, uint64_t *skipped)
{
	struct roots r;
	git_oid id;
	int rc, grc;

	memset(&r, 0, sizeof(r));
	r.repo = repo;
	r.emit = emit;
	r.payload = payload;
	if (git_revwalk_new(&r.walk, repo->git) < 0)
		return git_fail(MLV_ERROR, "cannot walk the history");
	if ((rc = roots_refs(&r)) != 0 || (rc = roots_worktrees(&r)) != 0)
		goto done;
	while ((grc = git_revwalk_next(&id, r.walk)) == 0) {
		git_commit *c = NULL;
		if (git_commit_lookup(&c, repo->git, &id) < 0) {
			rc = git_fail(MLV_ERROR, "cannot read commit %s", git_oid_tostr_s(&id));
			goto done;
		}
		rc = roots_tree(&r, git_commit_tree_id(c));
		git_commit_free(c);
		if (rc)
			goto done;
	}
	if (grc != GIT_ITEROVER) {
		rc = git_fail(MLV_ERROR, "cannot walk the history");
		goto done;
	}
	rc = roots_index(&r, repo->git);
done:
	if (skipped)
		*skipped = r.skipped;
	git_revwalk_free(r.walk);
	mlv__oidmap_release(&r.seen_blobs);
	mlv__oidmap_release(&r.seen_trees);
	return rc;
}

/* ---- pointer files in the work tree ---- */

static int is_reserved_dir(const char *name)
{
	return strcasecmp(name, ".git") == 0 || strcasecmp(name, ".mlv") == 0;
}

/* Read a regular file below DIRFD without following a symlink; *len bytes into OUT. */
static int read_small(int dirfd, const char *name, const char *what, mlv_buf *out, int *too_big)
{
	char block[8192];
	int fd = openat(dirfd, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK);
	int rc = 0;

	*too_big = 0;
	if (fd < 0)
		return mlv_error_set_errno(MLV_EIO, errno, "cannot open '%s'", what);
	for (;;) {
		ssize_t n = read(fd, block, sizeof(block));
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			rc = mlv_error_set_errno(MLV_EIO, errno, "cannot read '%s'", what);
			break;
		}
		if (n == 0)
			break;
		if (out->size + (size_t)n > POINTER_MAX) {
			*too_big = 1;
			break;
		}
		if (mlv_buf_put(out, block, (size_t)n)) {
			rc = mlv_error_set(MLV_ENOMEM, "out of memory");
			break;
		}
	}
	close(fd);
	return rc;
}

struct wt_walk {
	int skip_nested_repos;
	/* Receives each pointer (TOO_BIG: larger than any pointer, DATA empty). */
	int (*fn)(void *payload, const char *relpath, const char *data, size_t len, int too_big);
	void *payload;
	mlv_buf path;   /* relative to the root */
	mlv_buf data;
};

static int walk_dir(struct wt_walk *w, int dirfd)
{
	size_t base = w->path.size;
	DIR *d;
	struct dirent *de;
	int rc = 0;

	if (!(d = fdopendir(dirfd))) {
		rc = mlv_error_set_errno(MLV_EIO, errno, "cannot read the directory '%s'",
			base ? w->path.ptr : ".");
		close(dirfd);
		return rc;
	}
	while (rc == 0) {
		struct stat sb;
		const char *name;

		errno = 0;
		if (!(de = readdir(d))) {
			if (errno)
				rc = mlv_error_set_errno(MLV_EIO, errno, "cannot read the directory '%s'",
					base ? w->path.ptr : ".");
			break;
		}
		name = de->d_name;
		if (!strcmp(name, ".") || !strcmp(name, ".."))
			continue;
		w->path.size = base;
		if ((base && mlv_buf_putc(&w->path, '/')) || mlv_buf_puts(&w->path, name)) {
			rc = mlv_error_set(MLV_ENOMEM, "out of memory");
			break;
		}
		if (fstatat(dirfd, name, &sb, AT_SYMLINK_NOFOLLOW) != 0) {
			if (errno == ENOENT)
				continue;   /* removed while we walk */
			rc = mlv_error_set_errno(MLV_EIO, errno, "cannot stat '%s'", w->path.ptr);
			break;
		}
		if (S_ISDIR(sb.st_mode)) {
			struct stat psb;
			char ptrname[NAME_MAX + 8];
			int sub;
			if (is_reserved_dir(name))
				continue;
			/* The inside of a tracked directory is data, not pointers. */
			snprintf(ptrname, sizeof(ptrname), "%s%s", name, MLV_POINTER_EXT);
			if (fstatat(dirfd, ptrname, &psb, AT_SYMLINK_NOFOLLOW) == 0 && S_ISREG(psb.st_mode))
				continue;
			if ((sub = openat(dirfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)) < 0) {
				if (errno == ENOENT)
					continue;
				rc = mlv_error_set_errno(MLV_EIO, errno, "cannot open the directory '%s'", w->path.ptr);
				break;
			}
			if (w->skip_nested_repos && faccessat(sub, ".git", F_OK, AT_SYMLINK_NOFOLLOW) == 0) {
				close(sub);
				continue;   /* another repository (a submodule): its pointers are its own */
			}
			rc = walk_dir(w, sub);
		} else if (S_ISREG(sb.st_mode) && ends_with_ext(name)) {
			int too_big;
			mlv_buf_clear(&w->data);
			if ((rc = read_small(dirfd, name, w->path.ptr, &w->data, &too_big)) != 0)
				break;
			rc = w->fn(w->payload, w->path.ptr, mlv_buf_cstr(&w->data),
				too_big ? 0 : w->data.size, too_big);
		}
	}
	closedir(d);
	w->path.size = base;
	if (w->path.ptr)
		w->path.ptr[base] = '\0';
	return rc;
}

static int walk_worktree(const char *root, struct wt_walk *w)
{
	int fd = open(root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	int rc;

	if (fd < 0)
		return mlv_error_set_errno(MLV_EIO, errno, "cannot open the work tree '%s'", root);
	rc = walk_dir(w, fd);
	mlv_buf_release(&w->path);
	mlv_buf_release(&w->data);
	return rc;
}

struct wt_roots {
	mlv_root_emit_fn emit;
	void *payload;
	uint64_t skipped;
};

static int wt_roots_fn(void *payload, const char *relpath, const char *data, size_t len, int too_big)
{
	struct wt_roots *r = payload;

	if (too_big) {
		r->skipped++;
		return 0;
	}
	return emit_pointer(r->emit, r->payload, &r->skipped, data, len, relpath);
}

int mlv_worktree_pointer_roots(const char *root, mlv_root_emit_fn emit, void *payload, uint64_t *skipped)
{
	struct wt_roots r = { emit, payload, 0 };
	struct wt_walk w = { 0, wt_roots_fn, &r, MLV_BUF_INIT, MLV_BUF_INIT };
	int rc = walk_worktree(root, &w);

	if (skipped)
		*skipped = r.skipped;
	return rc;
}

struct wt_files {
	mlv_repo_file_fn fn;
	void *payload;
};

static int wt_files_fn(void *payload, const char *relpath, const char *data, size_t len, int too_big)
{
	struct wt_files *f = payload;

	if (too_big)
		return mlv_error_set(MLV_EINVALID, "pointer '%s' is larger than %d bytes: not a pointer file",
			relpath, POINTER_MAX);
	return f->fn(f->payload, relpath, data, len);
}

int mlv_repo_pointers_worktree(mlv_repo *repo, mlv_repo_file_fn fn, void *payload)
{
	struct wt_files f = { fn, payload };
	struct wt_walk w = { 1, wt_files_fn, &f, MLV_BUF_INIT, MLV_BUF_INIT };

	return walk_worktree(repo->workdir, &w);
}

/* ---- hooks, identity, HEAD ---- */

int mlv_repo_hooks_dir(mlv_repo *repo, char **out)
{
	git_config *cfg = NULL;
	git_buf buf = { NULL, 0, 0 };
	int rc = 0, grc;

	*out = NULL;
	if (git_repository_config_snapshot(&cfg, repo->git) < 0)
		return git_fail(MLV_ERROR, "cannot read the git configuration");
	grc = git_config_get_path(&buf, cfg, "core.hooksPath");
	if (grc == 0 && buf.ptr && *buf.ptr) {
		mlv_buf p = MLV_BUF_INIT;
		/* Relative to where hooks run: the root of the work tree. */
		if (buf.ptr[0] != '/' && (mlv_buf_puts(&p, repo->workdir) || mlv_buf_putc(&p, '/')))
			rc = MLV_ENOMEM;
		if (!rc && mlv_buf_puts(&p, buf.ptr))
			rc = MLV_ENOMEM;
		if (rc) {
			mlv_buf_release(&p);
			rc = mlv_error_set(MLV_ENOMEM, "out of memory");
			goto done;
		}
		*out = mlv_buf_detach(&p);
		goto done;
	}
	if (grc < 0 && grc != GIT_ENOTFOUND) {
		rc = git_fail(MLV_ERROR, "cannot read core.hooksPath");
		goto done;
	}
	git_error_clear();
	git_buf_dispose(&buf);
	if (git_repository_item_path(&buf, repo->git, GIT_REPOSITORY_ITEM_HOOKS) < 0) {
		rc = git_fail(MLV_ERROR, "cannot find the hooks directory");
		goto done;
	}
	{
		size_t n = strlen(buf.ptr);
		while (n > 1 && buf.ptr[n - 1] == '/')
			n--;
		if (!(*out = mlv__strndup(buf.ptr, n)))
			rc = mlv_error_set(MLV_ENOMEM, "out of memory");
	}
done:
	git_buf_dispose(&buf);
	git_config_free(cfg);
	return rc;
}

static int config_string(git_config *cfg, const char *key, char **out)
{
	git_buf buf = { NULL, 0, 0 };
	int grc = git_config_get_string_buf(&buf, cfg, key);

	if (grc == GIT_ENOTFOUND) {
		git_error_clear();
		return 0;
	}
	if (grc < 0)
		return git_fail(MLV_ERROR, "cannot read %s", key);
	if (*buf.ptr && !(*out = mlv__strdup(buf.ptr))) {
		git_buf_dispose(&buf);
		return mlv_error_set(MLV_ENOMEM, "out of memory");
	}
	git_buf_dispose(&buf);
	return 0;
}

int mlv_repo_identity(mlv_repo *repo, char **name, char **email)
{
	git_config *cfg = NULL;
	const char *env;
	int rc = 0;

	*name = *email = NULL;
	/* As git: GIT_AUTHOR_* first, then the configuration. */
	if ((env = getenv("GIT_AUTHOR_NAME")) && *env && !(*name = mlv__strdup(env)))
		goto oom;
	if ((env = getenv("GIT_AUTHOR_EMAIL")) && *env && !(*email = mlv__strdup(env)))
		goto oom;
	if ((!*name || !*email) && repo) {
		if (git_repository_config_snapshot(&cfg, repo->git) < 0) {
			rc = git_fail(MLV_ERROR, "cannot read the git configuration");
			goto done;
		}
		if (!*name && (rc = config_string(cfg, "user.name", name)) != 0)
			goto done;
		if (!*email && (rc = config_string(cfg, "user.email", email)) != 0)
			goto done;
	} else if (!*name || !*email) {
		/* no repository: the user's global and system configuration, when libgit2 is there */
		if (ensure_init() == 0 && git_config_open_default(&cfg) == 0) {
			if (!*name && (rc = config_string(cfg, "user.name", name)) != 0)
				goto done;
			if (!*email && (rc = config_string(cfg, "user.email", email)) != 0)
				goto done;
		}
		mlv_error_clear();
	}
	if (!*name || !*email) {
		struct passwd *pw = getpwuid(getuid());
		const char *user = pw && pw->pw_name ? pw->pw_name : "unknown";
		if (!*name && !(*name = mlv__strdup(user)))
			goto oom;
		if (!*email) {
			char host[256] = "localhost";
			mlv_buf b = MLV_BUF_INIT;
			gethostname(host, sizeof(host) - 1);
			host[sizeof(host) - 1] = '\0';
			if (mlv_buf_printf(&b, "%s@%s", user, host)) {
				mlv_buf_release(&b);
				goto oom;
			}
			*email = mlv_buf_detach(&b);
		}
	}
	goto done;
oom:
	rc = mlv_error_set(MLV_ENOMEM, "out of memory");
done:
	if (cfg) /* libgit2 may never have been loaded */
		git_config_free(cfg);
	if (rc) {
		free(*name);
		free(*email);
		*name = *email = NULL;
	}
	return rc;
}

int mlv_repo_head(mlv_repo *repo, char out[41], int *dirty)
{
	git_oid id;
	git_status_list *st = NULL;
	git_status_options opts;
	int grc = git_reference_name_to_id(&id, repo->git, "HEAD");

	out[0] = '\0';
	if (grc == GIT_ENOTFOUND || grc == GIT_EUNBORNBRANCH) {
		git_error_clear();
		return mlv_error_set(MLV_ENOTFOUND, "HEAD has no commit yet");
	}
	if (grc < 0)
		return git_fail(MLV_ERROR, "cannot read HEAD");
	git_oid_tostr(out, 41, &id);
	if (!dirty)
		return 0;
	git_status_options_init(&opts, GIT_STATUS_OPTIONS_VERSION);
	opts.show = GIT_STATUS_SHOW_INDEX_AND_WORKDIR;
	opts.flags = GIT_STATUS_OPT_EXCLUDE_SUBMODULES;
	if (git_status_list_new(&st, repo->git, &opts) < 0)
		return git_fail(MLV_ERROR, "cannot compute the git status");
	*dirty = git_status_list_entrycount(st) > 0;
	git_status_list_free(st);
	return 0;
}

int mlv_repo_diff_head(mlv_repo *repo, mlv_buf *out)
{
	git_object *head = NULL;
	git_tree *tree = NULL;
	git_diff *diff = NULL;
	git_buf patch = { NULL, 0, 0 };
	git_diff_options opts;
	int rc = 0;

	git_diff_options_init(&opts, GIT_DIFF_OPTIONS_VERSION);
	if (git_revparse_single(&head, repo->git, "HEAD^{tree}")) {
		rc = git_fail(MLV_ENOTFOUND, "cannot read HEAD's tree");
		goto done;
	}
	tree = (git_tree *)head;
	/* untracked files are not part of the diff: only what git tracks */
	if (git_diff_tree_to_workdir_with_index(&diff, repo->git, tree, &opts) ||
	    git_diff_to_buf(&patch, diff, GIT_DIFF_FORMAT_PATCH)) {
		rc = git_fail(MLV_ERROR, "cannot compute the diff against HEAD");
		goto done;
	}
	if (patch.size && mlv_buf_put(out, patch.ptr, patch.size))
		rc = mlv_error_set(MLV_ENOMEM, "out of memory");
done:
	git_buf_dispose(&patch);
	git_diff_free(diff);
	git_object_free(head);
	return rc;
}
