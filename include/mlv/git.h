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

/*
 * Absolute path of the work tree root (symlinks resolved), with no trailing
 * slash; lives as long as REPO.
 */
const char *mlv_repo_workdir(const mlv_repo *repo);

/*
 * Turn ARG, a path as the user typed it (relative to CWD, an absolute
 * directory, or absolute), into a path relative to the work tree root, like
 * git's "rev:./path": "." and ".." resolved lexically, slashes collapsed.
 * "" is the root itself. A trailing ".mlv" is kept (the caller decides what
 * it means). Returns 0 and a malloc'd *out, or MLV_EINVALID ("'x' is outside
 * the git work tree '/root'") or MLV_ENOMEM.
 */
int mlv_repo_relpath(mlv_repo *repo, const char *cwd, const char *arg, char **out);

/*
 * Read the file RELPATH (relative to the work tree root) as of REV (any
 * revision git understands: HEAD~2, v1.0, a commit id...). Appends to OUT.
 * MLV_ENOTFOUND when REV does not exist ("unknown revision 'x'") or the file
 * is not in that revision ("'p' does not exist in 'rev'").
 */
int mlv_repo_read_at(mlv_repo *repo, const char *rev, const char *relpath, mlv_buf *out);

/*
 * The full commit id REV names (40 hex digits + NUL). MLV_ENOTFOUND
 * ("unknown revision 'x'"), MLV_EAMBIGUOUS (a short id several objects
 * share), MLV_EINVALID when REV names something that is not a commit.
 */
int mlv_repo_resolve(mlv_repo *repo, const char *rev, char out[41]);

/*
 * Call FN for every "*.mlv" file in the tree of REV, with its path relative
 * to the root and its bytes. A non-zero return from FN stops and is returned.
 */
typedef int (*mlv_repo_file_fn)(void *payload, const char *relpath, const char *data, size_t len);
int mlv_repo_pointers_at(mlv_repo *repo, const char *rev, mlv_repo_file_fn fn, void *payload);

/*
 * The same for the pointer files in the work tree (not the index): every
 * regular "*.mlv" file below the root, in directory order, skipping .git
 * and .mlv (in any case), the inside of tracked directories ("d/" when
 * "d.mlv" exists) and nested repositories; symlinks are never followed. A
 * "*.mlv" file over 64 KiB fails with MLV_EINVALID.
 */
int mlv_repo_pointers_worktree(mlv_repo *repo, mlv_repo_file_fn fn, void *payload);

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
 * MAX times (0: no limit). A repository with no commit has no versions
 * (FN is not called, 0 is returned). A non-zero return from FN stops the
 * walk and is returned.
 */
int mlv_repo_log(mlv_repo *repo, const char *relpath, int max, mlv_repo_log_fn fn, void *payload);

/*
 * gc roots: call EMIT for the id in every pointer file of every commit
 * reachable from any ref (branches, tags, remotes, stash), a detached HEAD,
 * the reflogs of those and of HEAD (as git gc keeps them; reflog entries
 * whose commit is gone are ignored), and the index; and for every other work
 * tree of the repository (linked ones, or the main one when REPO is a linked
 * one): its HEAD, HEAD's reflog, its index and its pointer files (a linked
 * work tree that cannot be opened fails the call). Unparseable pointers
 * are skipped (and counted in *skipped when not NULL). A ref that cannot be
 * read fails the whole call, so that gc deletes nothing. A non-zero return
 * from EMIT stops and is returned.
 */
int mlv_repo_pointer_roots(mlv_repo *repo, mlv_root_emit_fn emit, void *payload, uint64_t *skipped);

/*
 * gc roots of a work tree: call EMIT for the id in every pointer file below
 * ROOT (walked as mlv_repo_pointers_worktree does, but nested repositories
 * are included: more roots are always safe). ROOT need not be in a git
 * repository. Unparseable or oversized pointers are skipped and counted in
 * *skipped (when not NULL). A non-zero return from EMIT stops and is
 * returned.
 */
int mlv_worktree_pointer_roots(const char *root, mlv_root_emit_fn emit, void *payload, uint64_t *skipped);

/*
 * The identity acting: $GIT_AUTHOR_NAME / $GIT_AUTHOR_EMAIL, else git
 * user.name / user.email, else the OS user (and "<user>@<host>"). REPO may
 * be NULL: the user's global (and system) git configuration is read then.
 * Caller frees both (malloc'd).
 */
int mlv_repo_identity(mlv_repo *repo, char **name, char **email);

/*
 * HEAD's commit id into OUT and, when DIRTY is not NULL, whether tracked
 * files (index or work tree; untracked files do not count) differ from it.
 * MLV_ENOTFOUND ("HEAD has no commit yet") in a repository with no commit.
 */
int mlv_repo_head(mlv_repo *repo, char out[41], int *dirty);

/*
 * Append to OUT the patch (git diff HEAD) of the tracked files whose index
 * or work-tree content differs from HEAD; untracked files are left out.
 * MLV_ENOTFOUND when HEAD has no commit.
 */
int mlv_repo_diff_head(mlv_repo *repo, mlv_buf *out);

/*
 * The directory git runs hooks from: core.hooksPath (relative to the work
 * tree root, "~" expanded) when set, else the repository's hooks directory
 * (shared by linked work trees). *out is malloc'd, no trailing slash; the
 * directory may not exist yet.
 */
int mlv_repo_hooks_dir(mlv_repo *repo, char **out);

#endif
