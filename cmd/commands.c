/*
 * The one table of commands. `mlv help`, `mlv --list-cmds`, the completion
 * scripts and tests/cli/docs.bats all read it; see commands.h for how to add
 * a command.
 */
#include <string.h>

#include "commands.h"

#define ROW(name, id, flags, summary) \
	{ name, cmd_##id, flags, summary, mlv_opts_##id, mlv_usage_##id }

const struct mlv_cmd mlv_commands[] = {
	ROW("init", init, MLV_CAT_PORCELAIN,
		"create an empty store or reinitialize an existing one"),
	ROW("help", help, MLV_CAT_PORCELAIN,
		"list the commands or show the manual of one"),
	ROW("version", version, MLV_CAT_PORCELAIN,
		"print the version of mlv"),
	ROW("track", track, MLV_CAT_PORCELAIN | MLV_NEED_STORE,
		"store files or directories and write their pointer files"),
	ROW("status", status, MLV_CAT_PORCELAIN | MLV_NEED_STORE,
		"show how tracked data differs from its pointers"),
	ROW("checkout", checkout, MLV_CAT_PORCELAIN | MLV_NEED_STORE,
		"make the work tree match the pointers"),
	ROW("untrack", untrack, MLV_CAT_PORCELAIN | MLV_NEED_STORE,
		"stop tracking paths, keeping their data as plain files"),
	ROW("run", run, MLV_CAT_PORCELAIN | MLV_NEED_STORE,
		"run a command and record it: params, metrics, outputs, git state"),
	/* log-metric and log-param only append to the active run's log: no index to open. */
	ROW("log-metric", log_metric, MLV_CAT_PORCELAIN,
		"add metric values to the active run"),
	ROW("log-param", log_param, MLV_CAT_PORCELAIN,
		"add parameters to the active run"),
	ROW("runs", runs, MLV_CAT_PORCELAIN | MLV_NEED_STORE,
		"list recorded runs, filtered and sorted"),
	ROW("show", show, MLV_CAT_PORCELAIN | MLV_NEED_STORE,
		"show everything recorded of a run, or a captured stream"),
	ROW("metrics", metrics, MLV_CAT_PORCELAIN | MLV_NEED_STORE,
		"compare the latest metrics of two runs: values, absolute and relative change"),
	ROW("params", params, MLV_CAT_PORCELAIN | MLV_NEED_STORE,
		"compare the params of two runs"),
	ROW("compare", compare, MLV_CAT_PORCELAIN | MLV_NEED_STORE,
		"compare runs side by side, or in an HTML report with a chart per metric"),
	ROW("register", register, MLV_CAT_PORCELAIN | MLV_NEED_STORE,
		"store a model artifact as the next version of a model"),
	ROW("promote", promote, MLV_CAT_PORCELAIN | MLV_NEED_STORE,
		"move an alias to a model version, after its gates pass"),
	ROW("approve", approve, MLV_CAT_PORCELAIN | MLV_NEED_STORE,
		"approve a model version for an alias"),
	ROW("rollback", rollback, MLV_CAT_PORCELAIN | MLV_NEED_STORE,
		"move an alias back to the version it held before"),
	ROW("unalias", unalias, MLV_CAT_PORCELAIN | MLV_NEED_STORE,
		"remove an alias of a model"),
	ROW("deprecate", deprecate, MLV_CAT_PORCELAIN | MLV_NEED_STORE,
		"mark a model version so that it cannot be promoted"),
	ROW("models", models, MLV_CAT_PORCELAIN | MLV_NEED_STORE,
		"list the models, their latest versions and aliases"),
	ROW("history", history, MLV_CAT_PORCELAIN | MLV_NEED_STORE,
		"show the events of a model, or where its aliases pointed at a time"),
	ROW("resolve", resolve, MLV_CAT_PORCELAIN | MLV_NEED_STORE,
		"print the version and artifact id a model spec names"),
	ROW("get", get, MLV_CAT_PORCELAIN | MLV_NEED_STORE,
		"write out the artifact of a model version"),
	/* diff, log and install-hooks read git; diff opens the store only when there is one. */
	ROW("diff", diff, MLV_CAT_PORCELAIN,
		"show what changed in tracked data between revisions or the work tree"),
	ROW("log", log, MLV_CAT_PORCELAIN,
		"show the versions of a tracked path through git history"),
	ROW("install-hooks", install_hooks, MLV_CAT_PORCELAIN,
		"install git hooks that keep tracked data in step with git"),
	ROW("drift", drift, MLV_CAT_PORCELAIN,
		"compare two data files column by column and report drift"),
	ROW("schema", schema, MLV_CAT_PORCELAIN,
		"infer the schema of a data file: column types, nulls, ranges, allowed values"),
	ROW("validate", validate, MLV_CAT_PORCELAIN,
		"check a data file against a schema and report every failure"),
	ROW("lineage", lineage, MLV_CAT_PORCELAIN | MLV_NEED_STORE,
		"show the run, data and code commit a model version came from"),
	ROW("card", card, MLV_CAT_PORCELAIN | MLV_NEED_STORE,
		"write a Markdown model card from what the registry knows"),
	/* hash-object opens the store itself, and only with -w. */
	ROW("hash-object", hash_object, MLV_CAT_PLUMBING,
		"compute the id of a file and optionally store it"),
	ROW("cat-object", cat_object, MLV_CAT_PLUMBING | MLV_NEED_STORE,
		"print the content, type or size of an object"),
	ROW("ls-tree", ls_tree, MLV_CAT_PLUMBING | MLV_NEED_STORE,
		"list the entries of a tree object"),
	ROW("rev-parse", rev_parse, MLV_CAT_PLUMBING | MLV_NEED_STORE,
		"resolve a spec to an object id"),
	ROW("fsck", fsck, MLV_CAT_PLUMBING | MLV_NEED_STORE,
		"verify the objects, packs and index of the store"),
	ROW("gc", gc, MLV_CAT_PLUMBING | MLV_NEED_STORE,
		"remove unreachable objects and repack the store"),
	/* For tests/cli/framework.bats: exercises the option parser. */
	ROW("test-parse-options", test_parse_options, MLV_CAT_PLUMBING | MLV_CMD_HIDDEN,
		"print what the option parser made of the arguments"),
	{ NULL, NULL, 0, NULL, NULL, NULL }
};

const struct mlv_cmd *mlv_command_find(const char *name)
{
	const struct mlv_cmd *c;
	for (c = mlv_commands; c->name; c++)
		if (!strcmp(c->name, name))
			return c;
	return NULL;
}
