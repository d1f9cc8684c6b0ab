/*
 * git access through libgit2: reading pointer files at any revision, the
 * history of a path, and every pointer in history (gc roots). libgit2 errors
 * are turned into mlv errors here; nothing else in mlv includes git2.h.
 */
#ifndef MLV_GIT_H
#define MLV_GIT_H

#include <stdint.h>
#include <stddef.h>
#include "mlv/buf.h"
#include "mlv/oid.h"
#include "mlv/maint.h"

typedef struct mlv_repo mlv_repo;

/*
 * Open the git repository whose work tree holds DIR (searching upwards).
 * Returns 0, MLV_ENOTFOUND ("'<dir>' is not in a git work tree"), or another
 * code. Free with mlv_repo_free.
 */
int mlv_repo_open(mlv_repo **out, const char *dir);
void mlv_repo_free(mlv_repo *repo);

/* Absolute path of the work tree root, with no trailing slash; lives as long as REPO. */
const char *mlv_repo_workdir(const mlv_repo *repo);

/*
 * Read the file RELPATH (relative to the work tree root) as of REV (any
 * revision git understands: HEAD~2, v1.0, a commit id...). Appends to OUT.
 * MLV_ENOTFOUND when REV does not exist ("unknown revision 'x'") or the file
 * is not in that revision ("'p' does not exist in 'rev'").
 */
int mlv_repo_read_at(mlv_repo *repo, const char *rev, const char *relpath, mlv_buf *out);

/* The full commit id REV names (40 hex digits + NUL). */
int mlv_repo_resolve(mlv_repo *repo, const char *rev, char out[41]);

/*
 * Call FN for every "*.mlv" file in the tree of REV, with its path relative
 * to the root and its bytes. A non-zero return from FN stops and is returned.
 */
typedef int (*mlv_repo_file_fn)(void *payload, const char *relpath, const char *data, size_t len);
int mlv_repo_pointers_at(mlv_repo *repo, const char *rev, mlv_repo_file_fn fn, void *payload);

/* One version of a path in history (see mlv_repo_log). Strings live until FN returns. */
typedef struct mlv_repo_commit {
	char id[41];
	const char *author;
	const char *email;
	int64_t time;        /* author time, seconds since the epoch */
	int tz_minutes;      /* author time zone offset */
	const char *subject; /* first line of the message */
} mlv_repo_commit;

typedef int (*mlv_repo_log_fn)(void *payload, const mlv_repo_commit *c, const char *data, size_t len);

/*
 * The versions of RELPATH from HEAD backwards: FN is called for each commit
 * whose RELPATH differs from the commit before it (first parent), newest
 * first, with the file's bytes (NULL, 0 where the commit deleted it), at most
 * MAX times (0: no limit).
 */
int mlv_repo_log(mlv_repo *repo, const char *relpath, int max, mlv_repo_log_fn fn, void *payload);

/*
 * gc roots: call EMIT for the id in every pointer file of every commit
 * reachable from any ref (branches, tags, remotes, stash), and of the index.
 * Unparseable pointers are skipped (and counted in *skipped when not NULL).
 */
int mlv_repo_pointer_roots(mlv_repo *repo, mlv_root_emit_fn emit, void *payload, uint64_t *skipped);

/* The identity acting: git user.name / user.email, else the OS user. Caller frees both. */
int mlv_repo_identity(mlv_repo *repo, char **name, char **email);

/* HEAD's commit id and whether tracked files differ from it. */
int mlv_repo_head(mlv_repo *repo, char out[41], int *dirty);

#endif
