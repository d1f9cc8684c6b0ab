/*
 * The command table and what commands share.
 *
 * To add a command `mlv foo`:
 *   1. cmd/foo.c with `int cmd_foo(int argc, const char **argv, struct mlv_ctx *ctx)`,
 *      its option table `mlv_opts_foo[]` and synopsis `mlv_usage_foo[]`;
 *   2. a row in the table in cmd/commands.c (name, function, needs, category,
 *      summary, options, usage) and the declarations below;
 *   3. man/mlv-foo.1 whose SYNOPSIS equals the usage lines;
 *   4. `make completions` to regenerate completions/ from the tables;
 *   5. tests/cli/foo.bats: what a user sees, exit codes, JSON fields, bad input;
 *   6. a line in README.md.
 * tests/cli/docs.bats fails when 3 or 4 is missing.
 */
#ifndef MLV_CMD_COMMANDS_H
#define MLV_CMD_COMMANDS_H

#include <stdio.h>
#include "mlv/mlv.h"
#include "options.h"

/* Exit statuses (DESIGN.md); never renumbered. */
#define MLV_EXIT_OK 0
#define MLV_EXIT_NO 1       /* the command's documented negative answer */
#define MLV_EXIT_FATAL 128
#define MLV_EXIT_USAGE 129

/* What a command needs before it runs. */
enum {
	MLV_NEED_STORE = 1,     /* an opened store in ctx->store */
	MLV_CAT_PORCELAIN = 0,
	MLV_CAT_PLUMBING = 16,
	MLV_CMD_HIDDEN = 32     /* not in help, --list-cmds or completions */
};

struct mlv_ctx {
	mlv_store *store;       /* opened when the command needs a store, else NULL */
	const char *mlvdir;     /* path of the store, when one was found (owned by ctx) */
	const char *cwd;        /* the directory the command runs in (after -C) */
};

/*
 * Find and open the store for a command that is not flagged MLV_NEED_STORE
 * but needs one after all (hash-object -w). A no-op when ctx->store is
 * already open. Returns 0, or prints "mlv: error: <why>" and returns
 * MLV_EXIT_FATAL, so a command can `if ((rc = mlv_ctx_open_store(ctx)))
 * return rc;`.
 */
int mlv_ctx_open_store(struct mlv_ctx *ctx);
/* Close the store and free what ctx owns; main() calls this. */
void mlv_ctx_release(struct mlv_ctx *ctx);

struct mlv_cmd {
	const char *name;
	int (*fn)(int argc, const char **argv, struct mlv_ctx *ctx);
	unsigned flags;
	const char *summary;
	const struct mlv_option *opts;
	const char *const *usage;
};

/* Ends with a row whose name is NULL. */
extern const struct mlv_cmd mlv_commands[];
/* The row named NAME (hidden ones included), or NULL. */
const struct mlv_cmd *mlv_command_find(const char *name);

/* The commands, one file each. */
#define MLV_DECLARE_COMMAND(n) \
	int cmd_##n(int argc, const char **argv, struct mlv_ctx *ctx); \
	extern const struct mlv_option mlv_opts_##n[]; \
	extern const char *const mlv_usage_##n[]
MLV_DECLARE_COMMAND(init);
MLV_DECLARE_COMMAND(hash_object);
MLV_DECLARE_COMMAND(cat_object);
MLV_DECLARE_COMMAND(ls_tree);
MLV_DECLARE_COMMAND(rev_parse);
MLV_DECLARE_COMMAND(fsck);
MLV_DECLARE_COMMAND(gc);
MLV_DECLARE_COMMAND(track);
MLV_DECLARE_COMMAND(status);
MLV_DECLARE_COMMAND(checkout);
MLV_DECLARE_COMMAND(untrack);
MLV_DECLARE_COMMAND(diff);
MLV_DECLARE_COMMAND(log);
MLV_DECLARE_COMMAND(install_hooks);
MLV_DECLARE_COMMAND(drift);
MLV_DECLARE_COMMAND(schema);
MLV_DECLARE_COMMAND(validate);
MLV_DECLARE_COMMAND(lineage);
MLV_DECLARE_COMMAND(card);
MLV_DECLARE_COMMAND(run);
MLV_DECLARE_COMMAND(log_metric);
MLV_DECLARE_COMMAND(log_param);
MLV_DECLARE_COMMAND(runs);
MLV_DECLARE_COMMAND(show);
MLV_DECLARE_COMMAND(metrics);
MLV_DECLARE_COMMAND(params);
MLV_DECLARE_COMMAND(compare);
MLV_DECLARE_COMMAND(register);
MLV_DECLARE_COMMAND(promote);
MLV_DECLARE_COMMAND(approve);
MLV_DECLARE_COMMAND(rollback);
MLV_DECLARE_COMMAND(unalias);
MLV_DECLARE_COMMAND(deprecate);
MLV_DECLARE_COMMAND(models);
MLV_DECLARE_COMMAND(history);
MLV_DECLARE_COMMAND(resolve);
MLV_DECLARE_COMMAND(get);
MLV_DECLARE_COMMAND(help);
MLV_DECLARE_COMMAND(version);
MLV_DECLARE_COMMAND(test_parse_options);

/*
 * The manual page of PAGE ("mlv", "mlv-init", or a topic such as
 * "mlvexpressions"): through man(1) when stdout is a terminal, else as plain
 * text. CMD, when not NULL, is the command whose -h usage is printed when no
 * page is found. Returns an exit status.
 */
int mlv_help_show(const char *page, const struct mlv_cmd *cmd);

/*
 * The synopsis and global options of mlv itself, for -h, `mlv help` and
 * the completions. main() parses them by hand (they stop at the command
 * name, and -C is repeatable and order-sensitive), so the option values
 * are NULL; -C is not in the table.
 */
extern const char *const mlv_usage_main[];
extern const struct mlv_option mlv_opts_main[];

/* Write the completion script for SHELL ("bash", "zsh", "fish") to FP. */
int mlv_completion_print(FILE *fp, const char *shell);

/*
 * The errno of the first failed write to stdout, for the one message main()
 * prints after the command (a later fflush no longer knows it); 0 if none.
 */
extern int mlv_stdout_errno;

/*
 * Print "mlv: error: <fmt>" to stderr and return MLV_EXIT_FATAL, so a command
 * can `return mlv_die("cannot read '%s'", path);`.
 */
int mlv_die(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* mlv_die with the library's last error message. */
int mlv_die_lib(void);
/*
 * strerror(ERR) in lower case, as messages are ("no such file or
 * directory"). Valid until the next call.
 */
const char *mlv_strerror(int err);
/* "mlv: warning: ..." on stderr. */
void mlv_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif
