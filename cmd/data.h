/*
 * What the data commands (track, status, checkout, untrack) share: opening
 * the work tree, and turning path arguments into tracked paths.
 */
#ifndef MLV_CMD_DATA_H
#define MLV_CMD_DATA_H

#include "commands.h"
#include "mlv/worktree.h"

/* Open the work tree of the store CTX found (the store must be open). 0 or 128 (reported). */
int data_open_worktree(struct mlv_ctx *ctx, mlv_worktree **out);

/*
 * A tracked path to work on, and optionally a path below it that limits the
 * work to part of a tracked directory.
 */
struct data_target {
	char *path;    /* has a pointer file */
	char *within;  /* NULL, or a path inside the tracked directory PATH */
};

struct data_targets {
	struct data_target *v;
	size_t n, alloc;
};

/*
 * The targets ARGV names: a tracked path; a path inside a tracked directory;
 * or a directory holding tracked paths (all of them). With no arguments,
 * every tracked path of the work tree. A name that matches nothing is an
 * error (reported; returns 128).
 */
int data_targets_resolve(mlv_worktree *wt, const char *cwd, int argc, const char **argv, struct data_targets *out);
void data_targets_release(struct data_targets *t);

/* "sha256:<first 12 hex>" for people. */
const char *data_short_id(const mlv_oid *oid, char buf[24]);

#endif
