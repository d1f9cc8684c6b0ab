/*
 * mlv's entry point: global options (-C, --version, -h, --help,
 * --list-cmds, --completion), finding the command (or an mlv-<name> program
 * on PATH), opening the store it needs, and turning a failed write to
 * stdout into exit status 128.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "commands.h"

const char *const mlv_usage_main[] = {
	"mlv [-C <dir>] [--version] [-h | --help] <command> [<args>]",
	NULL
};

const struct mlv_option mlv_opts_main[] = {
	MLV_OPT_BOOL(0, "version", NULL, "print the version of mlv"),
	MLV_OPT_BOOL('h', NULL, NULL, "print a short usage and exit"),
	MLV_OPT_BOOL(0, "help", NULL, "show the manual page of mlv"),
	MLV_OPT_BOOL(0, "list-cmds", NULL, "list the commands, one a line"),
	{ MLV_OPTT_STRING, 0, "completion", NULL, "shell", "print a completion script",
		MLV_OPTF_HIDDEN, NULL },
	MLV_OPT_END()
};

/* Short usage: the synopsis and the commands, for -h and errors. */
static void print_short_usage(FILE *fp)
{
	const struct mlv_cmd *c;
	fprintf(fp, "usage: %s\n\n", mlv_usage_main[0]);
	fputs("commands:\n", fp);
	for (c = mlv_commands; c->name; c++)
		if (!(c->flags & MLV_CMD_HIDDEN))
			fprintf(fp, "   %-14s %s\n", c->name, c->summary);
	fputs("\nSee 'mlv help <command>' to read about a specific command.\n", fp);
}

/* The end of every successful path: stdout must really have been written. */
static int finish(int rc)
{
	errno = 0;
	if (fflush(stdout) || ferror(stdout)) {
		int err = mlv_stdout_errno ? mlv_stdout_errno : errno ? errno : EIO;
		fprintf(stderr, "mlv: error: write error on standard output: %s\n", mlv_strerror(err));
		return MLV_EXIT_FATAL;
	}
	return rc;
}

/* `mlv foo args...` runs mlv-foo from PATH, like git. Returns only on failure. */
static int run_external(const char *name, int argc, const char **argv)
{
	char prog[256];
	const char **args;

	if (strchr(name, '/') || strlen(name) + 5 > sizeof(prog))
		goto unknown;
	snprintf(prog, sizeof(prog), "mlv-%s", name);
	args = calloc((size_t)argc + 1, sizeof(*args));
	if (!args)
		return mlv_die("out of memory");
	args[0] = prog;
	for (int i = 1; i < argc; i++)
		args[i] = argv[i];
	fflush(stdout);
	execvp(prog, (char *const *)args);
	if (errno != ENOENT && errno != ENOTDIR) {
		int err = errno;
		free(args);
		return mlv_die("cannot run '%s': %s", prog, mlv_strerror(err));
	}
	free(args);
unknown:
	fprintf(stderr, "mlv: '%s' is not a mlv command. See 'mlv help'.\n", name);
	return MLV_EXIT_USAGE;
}

/* Does ARGV (the command's) ask for --help before any "--"? */
static int wants_man_page(int argc, const char **argv)
{
	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--"))
			return 0;
		if (!strcmp(argv[i], "--help"))
			return 1;
	}
	return 0;
}

static int run_command(const struct mlv_cmd *cmd, int argc, const char **argv)
{
	struct mlv_ctx ctx = { NULL, NULL, NULL };
	char *cwd = NULL;
	int rc;

	if (wants_man_page(argc, argv))
		return mlv_help_show(NULL, cmd);
	cwd = getcwd(NULL, 0);
	if (!cwd) {
		rc = mlv_die("cannot get the current directory: %s", mlv_strerror(errno));
		goto done;
	}
	ctx.cwd = cwd;
	/*
	 * A bad option or -h must give 129 even outside a store, so the store
	 * is only opened when the arguments parse.
	 */
	if ((cmd->flags & MLV_NEED_STORE) && !mlv_options_check(argc, argv, cmd->opts)) {
		if ((rc = mlv_ctx_open_store(&ctx)))
			goto done;
	}
	rc = cmd->fn(argc, argv, &ctx);
done:
	mlv_ctx_release(&ctx);
	free(cwd);
	return rc;
}

static int change_dir(const char *dir)
{
	if (!*dir)  /* -C "" is a no-op, as in git */
		return 0;
	if (chdir(dir))
		return mlv_die("cannot change to '%s': %s", dir, mlv_strerror(errno));
	return 0;
}

int main(int argc, const char **argv)
{
	const struct mlv_cmd *cmd;
	int i;

	for (i = 1; i < argc && argv[i][0] == '-'; i++) {
		const char *a = argv[i];
		if (!strcmp(a, "-C")) {
			if (i + 1 >= argc) {
				fputs("mlv: option '-C' requires a value\n", stderr);
				print_short_usage(stderr);
				return MLV_EXIT_USAGE;
			}
			if (change_dir(argv[++i]))
				return MLV_EXIT_FATAL;
		} else if (!strncmp(a, "-C", 2)) {
			if (change_dir(a + 2))
				return MLV_EXIT_FATAL;
		} else if (!strcmp(a, "--version")) {
			printf("mlv version %s\n", MLV_VERSION);
			return finish(MLV_EXIT_OK);
		} else if (!strcmp(a, "-h")) {
			print_short_usage(stdout);
			return finish(MLV_EXIT_USAGE);
		} else if (!strcmp(a, "--help")) {
			return finish(mlv_help_show("mlv", NULL));
		} else if (!strcmp(a, "--list-cmds")) {
			for (cmd = mlv_commands; cmd->name; cmd++)
				if (!(cmd->flags & MLV_CMD_HIDDEN))
					puts(cmd->name);
			return finish(MLV_EXIT_OK);
		} else if (!strcmp(a, "--completion") || !strncmp(a, "--completion=", 13)) {
			const char *shell = a[12] == '=' ? a + 13 : argv[i + 1];
			if (!shell) {
				fputs("mlv: option '--completion' requires a value\n", stderr);
				return MLV_EXIT_USAGE;
			}
			return finish(mlv_completion_print(stdout, shell));
		} else if (!strcmp(a, "--")) {
			i++;
			break;
		} else {
			fprintf(stderr, "mlv: unknown option '%s'\n", a);
			print_short_usage(stderr);
			return MLV_EXIT_USAGE;
		}
	}
	if (i >= argc) {
		print_short_usage(stderr);
		return MLV_EXIT_USAGE;
	}
	cmd = mlv_command_find(argv[i]);
	if (!cmd)
		return run_external(argv[i], argc - i, argv + i);
	return finish(run_command(cmd, argc - i, argv + i));
}
