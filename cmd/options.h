/*
 * One table-driven option parser for every command. A command declares a
 * static array of struct mlv_option ending with MLV_OPT_END(); the same table
 * gives `-h` output, the completion words and the man-page check.
 */
#ifndef MLV_CMD_OPTIONS_H
#define MLV_CMD_OPTIONS_H

enum mlv_opt_type {
	MLV_OPTT_END = 0,
	MLV_OPTT_BOOL,    /* int *: set to 1, --no-NAME sets 0 */
	MLV_OPTT_STRING,  /* const char **: takes an argument */
	MLV_OPTT_INT,     /* long *: takes an integer argument */
	MLV_OPTT_LIST     /* struct mlv_strlist *: repeatable, each adds one */
};

enum {
	MLV_OPTF_NONEG = 1,   /* no --no-NAME form */
	MLV_OPTF_HIDDEN = 2,  /* not in -h or completions */
	MLV_OPTF_OPTARG = 4   /* STRING whose argument is optional (--prune[=<age>]) */
};

struct mlv_strlist {
	const char **items;
	int n, alloc;
};

struct mlv_option {
	enum mlv_opt_type type;
	char short_name;        /* 0 when none */
	const char *long_name;  /* NULL when none */
	void *value;
	const char *argh;       /* argument placeholder in usage, e.g. "file" */
	const char *help;       /* one line for -h */
	int flags;
	const char *optarg_default; /* value stored when an OPTARG option has none */
};

#define MLV_OPT_BOOL(s, l, v, h)       { MLV_OPTT_BOOL, (s), (l), (v), NULL, (h), 0, NULL }
#define MLV_OPT_STRING(s, l, v, a, h)  { MLV_OPTT_STRING, (s), (l), (v), (a), (h), 0, NULL }
#define MLV_OPT_INT(s, l, v, a, h)     { MLV_OPTT_INT, (s), (l), (v), (a), (h), 0, NULL }
#define MLV_OPT_LIST(s, l, v, a, h)    { MLV_OPTT_LIST, (s), (l), (v), (a), (h), 0, NULL }
#define MLV_OPT_JSON(v)                MLV_OPT_BOOL(0, "json", (v), "print machine-readable JSON on stdout")
#define MLV_OPT_END()                  { MLV_OPTT_END, 0, NULL, NULL, NULL, NULL, 0, NULL }

enum {
	MLV_PARSE_HELP = -1,   /* -h was given: usage printed to stdout, exit 129 */
	MLV_PARSE_ERROR = -2   /* bad option: message and usage on stderr, exit 129 */
};

/*
 * Parse ARGV (argv[0] is the command name and is skipped). Options may be
 * mixed with arguments until "--"; "--" itself is removed. Non-option
 * arguments are moved to the front of argv -- argv[0] .. argv[n-1], the
 * command name is overwritten, argv[n] is set to NULL -- and their count n
 * is returned. A lone "-" is an argument.
 * USAGE is a NULL-terminated list of synopsis lines ("mlv cat-object [-t | -s
 * | -p] <id>"). Returns >= 0, MLV_PARSE_HELP or MLV_PARSE_ERROR (already
 * reported; the command returns 129).
 */
int mlv_parse_options(int argc, const char **argv, const struct mlv_option *opts,
	const char *const *usage);

/*
 * Check ARGV as mlv_parse_options would, without storing, printing or moving
 * anything: 0, MLV_PARSE_HELP or MLV_PARSE_ERROR. main() uses it so that
 * `mlv cat-object -h` or a bad option gives 129 even outside a store.
 */
int mlv_options_check(int argc, const char **argv, const struct mlv_option *opts);

/* Print the synopsis lines and the option list (the -h output) to FP. */
struct _IO_FILE;
void mlv_usage_print(void *fp, const char *const *usage, const struct mlv_option *opts);

void mlv_strlist_release(struct mlv_strlist *l);

#endif
