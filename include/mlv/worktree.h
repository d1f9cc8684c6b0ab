/*
 * The work tree: tracked paths, their pointer files and .gitignore entries,
 * the stat cache that lets unchanged files go unread, and writing data back
 * (checkout) without ever following a symlink or leaving a partial file.
 */
#ifndef MLV_WORKTREE_H
#define MLV_WORKTREE_H

#include <stdint.h>
#include "mlv/store.h"
#include "mlv/object.h"
#include "mlv/pointer.h"

typedef struct mlv_worktree mlv_worktree;

/*
 * Open the work tree at ROOT (an existing directory) for store ST. ST must
 * outlive the work tree. Free with mlv_worktree_free.
 */
int mlv_worktree_open(mlv_worktree **out, mlv_store *st, const char *root);
void mlv_worktree_free(mlv_worktree *wt);

/* Absolute path of the root, no trailing slash; lives as long as WT. */
const char *mlv_worktree_root(const mlv_worktree *wt);

/*
 * The work tree a store serves: $MLV_WORK_TREE when set; else, when $MLV_DIR
 * is set, START; else the directory holding MLVDIR. *out is malloc'd.
 */
int mlv_worktree_find_root(char **out, const char *mlvdir, const char *start);

/*
 * Turn a path as the user typed it (relative to CWD, or absolute) into a
 * path relative to the root: "." and ".." resolved lexically, slashes
 * collapsed, and a trailing ".mlv" of a pointer file dropped ("x.csv.mlv" is
 * "x.csv"). Refuses paths outside the work tree, the root itself, and any
 * path through .git or .mlv (in any case). *out is malloc'd.
 */
int mlv_worktree_relpath(mlv_worktree *wt, const char *cwd, const char *arg, char **out);

/* ---- track ---- */

typedef enum mlv_track_state {
	MLV_TRACK_NEW = 0,       /* no pointer before */
	MLV_TRACK_CHANGED = 1,   /* the pointer named other data */
	MLV_TRACK_UNCHANGED = 2
} mlv_track_state;

typedef struct mlv_track_result {
	mlv_pointer ptr;
	mlv_track_state state;
} mlv_track_result;

/*
 * Store RELPATH's data through W (a file, a directory as a tree, or a
 * symlink as its target text; a symlink is never followed), using the stat
 * cache to skip files that have not changed. Nothing is visible yet: commit
 * W, then call mlv_worktree_track_finish for each path.
 */
int mlv_worktree_track_prepare(mlv_worktree *wt, mlv_writer *w, const char *relpath, mlv_track_result *out);

/*
 * After the writer committed: write the pointer RELPATH.mlv (atomically,
 * only when it changed) and add RELPATH to the .gitignore beside it (once).
 */
int mlv_worktree_track_finish(mlv_worktree *wt, const char *relpath, const mlv_track_result *res);

/* Remove RELPATH.mlv and its .gitignore entry; the data stays as a plain file. */
int mlv_worktree_untrack(mlv_worktree *wt, const char *relpath);

/* Save what the stat cache learnt (one index transaction). */
int mlv_worktree_flush_cache(mlv_worktree *wt);

/* ---- pointers ---- */

/*
 * Call FN for every pointer file in the work tree (skipping .git, .mlv, and
 * the inside of tracked directories), with the data path (relative to the
 * root, without ".mlv"). Sorted by path. A non-zero return stops the walk.
 */
typedef int (*mlv_worktree_path_fn)(void *payload, const char *relpath);
int mlv_worktree_pointers(mlv_worktree *wt, mlv_worktree_path_fn fn, void *payload);

/* ---- status ---- */

typedef enum mlv_change {
	MLV_CHANGE_MODIFIED = 0,  /* the data differs from its pointer */
	MLV_CHANGE_MISSING,       /* the tracked path is not in the work tree */
	MLV_CHANGE_ADDED,         /* a file inside a tracked directory the pointer does not have */
	MLV_CHANGE_DELETED,       /* a file of the tracked directory that is gone */
	MLV_CHANGE_NOT_IN_STORE,  /* the pointer names data this store does not have */
	MLV_CHANGE_TYPE           /* a file where a directory was tracked, or the reverse */
} mlv_change;

/* "modified", "missing", "added", "deleted", "not-in-store", "type-changed". */
const char *mlv_change_name(mlv_change c);

/*
 * Report to FN each difference between RELPATH's pointer and its data. PATH
 * is RELPATH or, inside a tracked directory, a path below it. Returns 0,
 * or an error (a pointer that does not parse: MLV_EINVALID).
 */
typedef int (*mlv_change_fn)(void *payload, const char *path, mlv_change change);
int mlv_worktree_status(mlv_worktree *wt, const char *relpath, mlv_change_fn fn, void *payload);

/* ---- checkout ---- */

typedef enum mlv_checkout_action {
	MLV_CHECKOUT_WRITTEN = 0,   /* data written (created or replaced) */
	MLV_CHECKOUT_UNCHANGED,     /* already matched */
	MLV_CHECKOUT_CONFLICT       /* holds changes that are in no pointer nor the store */
} mlv_checkout_action;

/*
 * Make RELPATH (a tracked path, or a path inside a tracked directory) match
 * its pointer. With DRY_RUN nothing is written and FN learns what would
 * happen: a work-tree file that differs from the pointer and whose content is
 * not in the store is a CONFLICT (its content would be lost); callers check
 * every path with DRY_RUN first and refuse unless forced. Files are written
 * to a temporary name beside the target, verified, fsynced and renamed;
 * directories on the way are opened without following symlinks. Files in a
 * tracked directory that its tree does not have are left alone. A tree with
 * two names that differ only in the case of ASCII letters is refused
 * (MLV_EINVALID naming both, before anything of that directory is written)
 * when the target file system folds case, where one would overwrite the
 * other; MLV_TEST_FOLD_CASE=1 in the environment simulates such a file
 * system for tests.
 */
typedef int (*mlv_checkout_fn)(void *payload, const char *path, mlv_checkout_action action);
int mlv_worktree_checkout(mlv_worktree *wt, const char *relpath, int dry_run, int force,
	mlv_checkout_fn fn, void *payload);

#endif
