/*
 * `mlv test-parse-options` (hidden): prints what the option parser made of
 * its arguments, so tests/cli/framework.bats can check the parser through
 * the binary the way git's test-tool parse-options does.
 */
#include <stdio.h>

#include "commands.h"

static int flag_b, flag_q, flag_noneg;
static const char *str, *opt_arg;
static long num = -1;
static struct mlv_strlist list;

const struct mlv_option mlv_opts_test_parse_options[] = {
	MLV_OPT_BOOL('b', "bool", &flag_b, "a boolean"),
	MLV_OPT_BOOL('q', "quiet", &flag_q, "another boolean"),
	{ MLV_OPTT_BOOL, 0, "noneg", &flag_noneg, NULL, "a boolean without --no-noneg",
		MLV_OPTF_NONEG, NULL },
	MLV_OPT_STRING('s', "string", &str, "str", "a string"),
	MLV_OPT_INT('n', "number", &num, "n", "an integer"),
	MLV_OPT_LIST('l', "list", &list, "item", "repeatable"),
	{ MLV_OPTT_STRING, 'o', "optional", &opt_arg, "age", "a string with an optional value",
		MLV_OPTF_OPTARG, "default" },
	{ MLV_OPTT_BOOL, 'x', "secret", &flag_q, NULL, "hidden", MLV_OPTF_HIDDEN, NULL },
	MLV_OPT_END()
};

const char *const mlv_usage_test_parse_options[] = {
	"mlv test-parse-options [<options>] [--] [<args>...]",
	"mlv test-parse-options -h",
	NULL
};

int cmd_test_parse_options(int argc, const char **argv, struct mlv_ctx *ctx)
{
	int n = mlv_parse_options(argc, argv, mlv_opts_test_parse_options,
		mlv_usage_test_parse_options);
	if (n < 0)
		return MLV_EXIT_USAGE;
	printf("bool: %d\nquiet: %d\nnoneg: %d\nstring: %s\nnumber: %ld\noptional: %s\n",
		flag_b, flag_q, flag_noneg, str ? str : "(null)", num,
		opt_arg ? opt_arg : "(null)");
	for (int i = 0; i < list.n; i++)
		printf("list: %s\n", list.items[i]);
	for (int i = 0; i < n; i++)
		printf("arg: %s\n", argv[i]);
	mlv_strlist_release(&list);
	return MLV_EXIT_OK;
}
