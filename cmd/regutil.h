/*
 * What the registry commands (register, promote, approve, rollback,
 * unalias, deprecate, models, history, resolve, get) share: the acting
 * identity, the project file, and fragments of their output.
 */
#ifndef MLV_CMD_REGUTIL_H
#define MLV_CMD_REGUTIL_H

#include "commands.h"
#include "mlv/registry.h"

/*
 * The identity acting (mlv_repo_identity: $GIT_AUTHOR_NAME/$GIT_AUTHOR_EMAIL,
 * git user.name/user.email of the repository around CTX->cwd or the user's
 * global git configuration, else the OS user). Free both with free().
 * Returns 0 or 128 (reported).
 */
int reg_identity(struct mlv_ctx *ctx, char **name, char **email);

/* "Name <email>" (or just the name) into OUT. */
void reg_identity_fmt(mlv_buf *out, const char *name, const char *email);

/* Load the policy of the project file "<work tree>/mlv.json". 0 or 128 (reported). */
int reg_policy(struct mlv_ctx *ctx, mlv_policy **out);

/* Resolve SPEC to a version; 0 or 128 (reported). */
int reg_resolve(struct mlv_ctx *ctx, const char *spec, mlv_model_version *out);

/* Append "sha256:<hex>" as a JSON string. */
void reg_json_oid(mlv_buf *b, const mlv_oid *oid);

/* Write B to stdout; 0 or 128. */
int reg_flush(mlv_buf *b);

/* One registry change by the acting identity (approve, deprecate, rollback, unalias). */
struct reg_change {
	mlv_reg_action a;      /* identity and message filled in; the command sets the rest */
	mlv_model_version v;   /* with a version spec: the version, also in a.name and a.version */
	char *who_name, *who_email;
};

/*
 * The start of such a command: parse the options, want exactly NARGS
 * arguments, resolve argument SPEC_ARG (when >= 0) to a version, then find
 * the acting identity; *MESSAGE (the -m option's variable) is read once the
 * options are parsed. 0, or the exit status (129 usage, 128 reported).
 * reg_change_release either way.
 */
int reg_change_begin(struct reg_change *c, int argc, const char **argv, const struct mlv_option *opts,
	const char *const *usage, int nargs, int spec_arg, struct mlv_ctx *ctx, const char *const *message);
void reg_change_release(struct reg_change *c);

#endif
