/*
 * Specs: the ways a user names data on the command line, resolved to an
 * object id. Any command that accepts data takes the same forms (DESIGN.md).
 */
#ifndef MLV_SPEC_H
#define MLV_SPEC_H

#include "mlv/oid.h"
#include "mlv/object.h"
#include "mlv/pointer.h"
#include "mlv/registry.h"
#include "mlv/store.h"

typedef enum mlv_spec_kind {
	MLV_SPEC_OID = 1,      /* a full id or a unique prefix, optionally "sha256:<hex>" */
	MLV_SPEC_PATH = 2,     /* a tracked path: its pointer file in the work tree */
	MLV_SPEC_PATH_REV = 3, /* "path@rev": the path's pointer as of a git revision */
	MLV_SPEC_MODEL = 4     /* "name@<n>", "name@<alias>", "name@latest": a model version's artifact */
} mlv_spec_kind;

/* "oid", "path", "path@rev", "model". */
const char *mlv_spec_kind_name(mlv_spec_kind k);

typedef struct mlv_spec {
	mlv_spec_kind kind;
	mlv_oid oid;          /* what the spec names */
	int in_store;         /* 1 when OID is in the store: INFO is valid */
	mlv_objinfo info;
	/* MLV_SPEC_PATH and MLV_SPEC_PATH_REV only: */
	mlv_pointer pointer;  /* the pointer that named OID */
	char *path;           /* the tracked path, relative to the work tree root (git's
	                         for path@rev, the store's for a path); malloc'd */
	/* MLV_SPEC_PATH_REV only: */
	char commit[41];      /* the commit REV resolved to */
	/* MLV_SPEC_MODEL only: */
	mlv_model_version model;
} mlv_spec;

/*
 * Resolve TEXT, as the user typed it in directory CWD, against store ST:
 *
 *   <hex> | sha256:<hex>   a full id or a unique prefix of an object in ST;
 *   <path>@<rev>           the pointer file "<path>.mlv" as of git revision
 *                          <rev> (HEAD~2, v1.0, a commit id; "@{...}" inside
 *                          the revision is allowed: the split is at the last
 *                          '@' not followed by '{'). <path> is relative to
 *                          CWD, like git's "<rev>:./<path>", and may name the
 *                          pointer file itself ("x.csv.mlv");
 *   <name>@<n|alias|latest>
 *                          a model version's artifact, when <name> is a
 *                          valid model name ([a-z0-9][a-z0-9._-]*, so no
 *                          '/') and the registry has a model of that name;
 *                          <n|alias|latest> must look like a version, an
 *                          alias or "latest". Otherwise the text is
 *                          <path>@<rev>: write "./model@v1" to mean the
 *                          tracked path "model" at git revision v1 when a
 *                          model "model" exists;
 *   <path>                 the pointer file "<path>.mlv" in the work tree.
 *
 * A text that is a hex prefix but names no object is tried as a path too.
 * The object a pointer names need not be in the store: OUT->in_store says
 * (rev-parse only resolves; readers refuse what is missing).
 *
 * Returns 0 (release OUT with mlv_spec_release), or a negative code with
 * the error set and OUT released: the id errors of mlv_object_resolve;
 * MLV_ENOTFOUND "unknown revision 'v9'", "'p' is not tracked in 'v1'",
 * "'x' is neither an object id nor a tracked path"; MLV_EINVALID for a
 * pointer that does not parse (mlv_pointer_parse's message, naming the
 * pointer as "<rev>:<path>.mlv" at a revision) or a path outside the work
 * tree; the errors of mlv_repo_open when path@rev is used outside git.
 */
int mlv_spec_resolve(mlv_spec *out, mlv_store *st, const char *cwd, const char *text);

/* Free what OUT owns; it may be released twice. */
void mlv_spec_release(mlv_spec *s);

#endif
