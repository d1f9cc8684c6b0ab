/*
 * `mlv help`, `mlv help <command>`, `mlv <command> --help` and `mlv
 * version`. Manual pages are found beside the executable (the source tree's
 * man/ for a build, share/man for an install) or in $MLV_MAN_DIR, shown with
 * man(1) on a terminal and rendered as plain text otherwise, so that help
 * also works where man is not installed.
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "commands.h"

static int json_version;

const struct mlv_option mlv_opts_help[] = {
	MLV_OPT_END()
};

const char *const mlv_usage_help[] = {
	"mlv help [<command> | <topic>]",
	NULL
};

const struct mlv_option mlv_opts_version[] = {
	MLV_OPT_JSON(&json_version),
	MLV_OPT_END()
};

const char *const mlv_usage_version[] = {
	"mlv version [--json]",
	NULL
};

/* ---- finding a page ---- */

static int is_file(const char *path)
{
	struct stat st;
	return !stat(path, &st) && S_ISREG(st.st_mode);
}

/* The directory of the running executable (malloc'd), or NULL. */
static char *exe_dir(void)
{
	char buf[PATH_MAX];
	ssize_t n = readlink("/proc/self/exe", buf, sizeof(buf) - 1);
	char *slash;

	if (n <= 0)
		return NULL;
	buf[n] = '\0';
	slash = strrchr(buf, '/');
	if (!slash)
		return NULL;
	*slash = '\0';
	return strdup(buf);
}

/* Try DIR/NAME.SEC; on success *out is the malloc'd path. */
static int try_page(char **out, const char *dir, const char *sub, const char *name, int sec)
{
	char path[PATH_MAX];
	int n = snprintf(path, sizeof(path), "%s%s/%s.%d", dir, sub, name, sec);
	if (n < 0 || (size_t)n >= sizeof(path) || !is_file(path))
		return 0;
	*out = strdup(path);
	return *out != NULL;
}

/* The file of manual page NAME in section SEC, malloc'd, or NULL. */
static char *find_page(const char *name, int sec)
{
	const char *env = getenv("MLV_MAN_DIR");
	char sub[16];
	char *dir = NULL, *out = NULL;

	snprintf(sub, sizeof(sub), "/man%d", sec);
	if (env && *env) {
		if (try_page(&out, env, "", name, sec) || try_page(&out, env, sub, name, sec))
			goto done;
	}
	dir = exe_dir();
	if (dir) {
		char share[32];
		snprintf(share, sizeof(share), "/../share/man/man%d", sec);
		if (try_page(&out, dir, "/../man", name, sec) ||
		    try_page(&out, dir, share, name, sec))
			goto done;
	}
done:
	free(dir);
	return out;
}

/* ---- plain-text rendering of roff ---- */

#define PAGE_WIDTH 78
#define INDENT_STEP 7

struct render {
	FILE *fp;
	int fill;        /* fill mode (.fi) or not (.nf) */
	int base;        /* indent of body text at the current .RS level */
	int indent;      /* indent of the text being set */
	int tag_next;    /* the next text line is a .TP tag */
	int need_blank;  /* a paragraph break is pending */
	int any;         /* something was printed */
	int heading;     /* nothing but a heading was printed since .SH */
	int rs[16][2];   /* .RS stack of (base, indent) */
	int nrs;
	char line[4096]; /* the output line being filled */
	size_t len;
};

static void out_line(struct render *r, const char *text, int indent)
{
	if (r->need_blank && r->any)
		fputc('\n', r->fp);
	r->need_blank = 0;
	fprintf(r->fp, "%*s%s\n", indent, "", text);
	r->any = 1;
	r->heading = 0;
}

static void flush_line(struct render *r)
{
	if (!r->len)
		return;
	r->line[r->len] = '\0';
	out_line(r, r->line, r->indent);
	r->len = 0;
}

static void add_word(struct render *r, const char *w, size_t n)
{
	if (r->len && r->indent + r->len + 1 + n > PAGE_WIDTH)
		flush_line(r);
	if (r->len + n + 2 >= sizeof(r->line))
		flush_line(r);
	if (n + 2 >= sizeof(r->line))
		n = sizeof(r->line) - 2;
	if (r->len)
		r->line[r->len++] = ' ';
	memcpy(r->line + r->len, w, n);
	r->len += n;
}

/* Two-character special characters \(xx that the pages use. */
static const char *special_char(const char *name)
{
	static const char *const map[][2] = {
		{ "em", "--" }, { "en", "-" }, { "bu", "*" }, { "aq", "'" },
		{ "dq", "\"" }, { "lq", "\"" }, { "rq", "\"" }, { "oq", "'" },
		{ "cq", "'" }, { "hy", "-" }, { "mi", "-" }, { "ti", "~" },
		{ "ha", "^" }, { "rs", "\\" }, { "co", "(C)" }, { "->", "->" },
		{ "<-", "<-" }, { "<=", "<=" }, { ">=", ">=" }, { "mu", "x" },
	};
	for (size_t i = 0; i < sizeof(map) / sizeof(map[0]); i++)
		if (!strcmp(map[i][0], name))
			return map[i][1];
	return "";
}

/* Copy roff text IN to OUT without font changes and with escapes resolved. */
static void unescape(char *out, size_t size, const char *in)
{
	size_t o = 0;
	char name[8];

#define PUT(s) do { const char *s_ = (s); \
		while (*s_ && o + 1 < size) out[o++] = *s_++; } while (0)
	while (*in && o + 1 < size) {
		if (*in != '\\') {
			out[o++] = *in++;
			continue;
		}
		in++;
		switch (*in) {
		case '\0':
			break;
		case 'f':  /* font: \fB, \f(CW, \f[B] */
			in++;
			if (*in == '(')
				in += in[1] && in[2] ? 3 : strlen(in);
			else if (*in == '[')
				in = strchr(in, ']') ? strchr(in, ']') + 1 : in + strlen(in);
			else if (*in)
				in++;
			break;
		case '(':
			if (in[1] && in[2]) {
				memcpy(name, in + 1, 2);
				name[2] = '\0';
				PUT(special_char(name));
				in += 3;
			} else {
				in += strlen(in);
			}
			break;
		case '[': {
			const char *end = strchr(in, ']');
			size_t n = end ? (size_t)(end - in - 1) : 0;
			if (end && n < sizeof(name)) {
				memcpy(name, in + 1, n);
				name[n] = '\0';
				PUT(special_char(name));
			}
			in = end ? end + 1 : in + strlen(in);
			break;
		}
		case '*':  /* strings: \*x, \*(xx -- none are defined */
			in++;
			if (*in == '(')
				in += in[1] && in[2] ? 3 : strlen(in);
			else if (*in)
				in++;
			break;
		case 'e':
		case '\\':
			PUT("\\");
			in++;
			break;
		case '&': case '|': case '^': case '%': case 'c':
			in++;
			break;
		case ' ': case '0': case '~':
			PUT(" ");
			in++;
			break;
		default:  /* \- \. \' and the rest: the character itself */
			out[o++] = *in++;
			break;
		}
	}
#undef PUT
	out[o] = '\0';
}

/* Split the arguments of a request; quotes group words. Returns the count. */
static int split_args(char *s, char **argv, int max)
{
	int n = 0;
	while (n < max) {
		while (*s == ' ' || *s == '\t')
			s++;
		if (!*s)
			break;
		if (*s == '"') {
			argv[n++] = ++s;
			while (*s && *s != '"')
				s++;
		} else {
			argv[n++] = s;
			while (*s && *s != ' ' && *s != '\t')
				s++;
		}
		if (*s)
			*s++ = '\0';
	}
	return n;
}

static void text(struct render *r, const char *raw)
{
	char buf[4096];
	const char *p;

	unescape(buf, sizeof(buf), raw);
	if (r->tag_next) {
		/* The tag of .TP on its own line, the body indented below it. */
		r->tag_next = 0;
		flush_line(r);
		out_line(r, buf, r->base);
		r->indent = r->base + INDENT_STEP;
		return;
	}
	if (!r->fill) {
		flush_line(r);
		out_line(r, buf, r->indent);
		return;
	}
	if (!*buf) {
		flush_line(r);
		r->need_blank = 1;
		return;
	}
	if (*raw == ' ')
		flush_line(r);
	for (p = buf; *p;) {
		size_t n;
		while (*p == ' ' || *p == '\t')
			p++;
		n = strcspn(p, " \t");
		if (n)
			add_word(r, p, n);
		p += n;
	}
}

static void paragraph(struct render *r)
{
	flush_line(r);
	r->need_blank = !r->heading;
	r->tag_next = 0;
	r->indent = r->base;
}

static void request(struct render *r, char *line)
{
	char *argv[16], name[8], joined[4096];
	size_t n = strcspn(line + 1, " \t");
	int argc, alternate = 0;

	if (n >= sizeof(name))
		return;
	memcpy(name, line + 1, n);
	name[n] = '\0';
	argc = split_args(line + 1 + n, argv, 16);

	if (!strcmp(name, "TH")) {
		char title[256];
		snprintf(title, sizeof(title), "%s(%s)", argc > 0 ? argv[0] : "",
			argc > 1 ? argv[1] : "");
		out_line(r, title, 0);
		r->need_blank = 1;
	} else if (!strcmp(name, "SH") || !strcmp(name, "SS")) {
		int sh = name[1] == 'H';
		joined[0] = '\0';
		for (int i = 0; i < argc; i++) {
			if (i)
				strncat(joined, " ", sizeof(joined) - strlen(joined) - 1);
			strncat(joined, argv[i], sizeof(joined) - strlen(joined) - 1);
		}
		flush_line(r);
		r->nrs = 0;
		r->base = r->indent = INDENT_STEP;
		r->tag_next = 0;
		r->need_blank = 1;
		{
			char buf[4096];
			unescape(buf, sizeof(buf), joined);
			out_line(r, buf, sh ? 0 : 3);
			r->heading = 1;
		}
	} else if (!strcmp(name, "PP") || !strcmp(name, "P") || !strcmp(name, "LP")) {
		paragraph(r);
	} else if (!strcmp(name, "TP")) {
		paragraph(r);
		r->tag_next = 1;
	} else if (!strcmp(name, "IP")) {
		paragraph(r);
		if (argc > 0) {
			r->tag_next = 1;
			text(r, argv[0]);
		}
		r->indent = r->base + INDENT_STEP;
	} else if (!strcmp(name, "RS")) {
		flush_line(r);
		if (r->nrs < 16) {
			r->rs[r->nrs][0] = r->base;
			r->rs[r->nrs++][1] = r->indent;
		}
		r->base = r->indent + INDENT_STEP;
		r->indent = r->base;
	} else if (!strcmp(name, "RE")) {
		flush_line(r);
		if (r->nrs > 0) {
			r->nrs--;
			r->base = r->rs[r->nrs][0];
			r->indent = r->rs[r->nrs][1];
		} else {
			r->indent = r->base;
		}
	} else if (!strcmp(name, "br")) {
		flush_line(r);
	} else if (!strcmp(name, "sp")) {
		flush_line(r);
		r->need_blank = 1;
	} else if (!strcmp(name, "nf") || !strcmp(name, "EX")) {
		flush_line(r);
		r->fill = 0;
	} else if (!strcmp(name, "fi") || !strcmp(name, "EE")) {
		flush_line(r);
		r->fill = 1;
	} else if (!strcmp(name, "B") || !strcmp(name, "I") || !strcmp(name, "SM") ||
		   (alternate = (strlen(name) == 2 && strchr("BIR", name[0]) &&
				 strchr("BIR", name[1])))) {
		joined[0] = '\0';
		for (int i = 0; i < argc; i++) {
			if (i && !alternate)
				strncat(joined, " ", sizeof(joined) - strlen(joined) - 1);
			strncat(joined, argv[i], sizeof(joined) - strlen(joined) - 1);
		}
		if (argc)
			text(r, joined);
	}
	/* Anything else (.ad, .hy, .ne, .in ...) does not change plain text. */
}

static int render_page(const char *path)
{
	FILE *in = fopen(path, "r");
	struct render r;
	char *line = NULL;
	size_t cap = 0;
	ssize_t n;

	if (!in)
		return mlv_die("cannot read '%s': %s", path, mlv_strerror(errno));
	memset(&r, 0, sizeof(r));
	r.fp = stdout;
	r.fill = 1;
	while ((n = getline(&line, &cap, in)) >= 0) {
		if (n > 0 && line[n - 1] == '\n')
			line[--n] = '\0';
		if (!strncmp(line, ".\\\"", 3) || !strncmp(line, "'\\\"", 3) ||
		    !strncmp(line, "\\\"", 2))
			continue;
		if (line[0] == '.' || line[0] == '\'')
			request(&r, line);
		else
			text(&r, line);
	}
	flush_line(&r);
	free(line);
	fclose(in);
	return MLV_EXIT_OK;
}

/* man -l PATH; returns -1 when man could not be run. */
static int run_man(const char *path)
{
	pid_t pid;
	int status;

	fflush(stdout);
	pid = fork();
	if (pid < 0)
		return -1;
	if (!pid) {
		execlp("man", "man", "-l", path, (char *)NULL);
		_exit(127);
	}
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			return -1;
	if (WIFEXITED(status) && WEXITSTATUS(status) == 127)
		return -1;
	return WIFEXITED(status) && !WEXITSTATUS(status) ? MLV_EXIT_OK : MLV_EXIT_FATAL;
}

static int show_file(const char *path)
{
	if (isatty(STDOUT_FILENO)) {
		int rc = run_man(path);
		if (rc >= 0)
			return rc;
	}
	return render_page(path);
}

static void list_commands(FILE *fp)
{
	static const struct { unsigned cat; const char *title; } groups[] = {
		{ MLV_CAT_PORCELAIN, "Porcelain commands" },
		{ MLV_CAT_PLUMBING, "Plumbing commands" },
	};

	fprintf(fp, "usage: %s\n", mlv_usage_main[0]);
	for (size_t g = 0; g < sizeof(groups) / sizeof(groups[0]); g++) {
		fprintf(fp, "\n%s\n", groups[g].title);
		for (const struct mlv_cmd *c = mlv_commands; c->name; c++)
			if (!(c->flags & MLV_CMD_HIDDEN) &&
			    (c->flags & MLV_CAT_PLUMBING) == groups[g].cat)
				fprintf(fp, "   %-14s %s\n", c->name, c->summary);
	}
	fputs("\nSee 'mlv help <command>' to read about a specific command.\n", fp);
}

int mlv_help_show(const char *page, const struct mlv_cmd *cmd)
{
	char name[256];
	char *path = NULL;
	int rc;

	if (!page) {
		snprintf(name, sizeof(name), "mlv-%s", cmd->name);
		page = name;
	}
	path = find_page(page, 1);
	if (!path)
		path = find_page(page, 7);
	if (path) {
		rc = show_file(path);
	} else if (cmd) {
		mlv_usage_print(stdout, cmd->usage, cmd->opts);
		rc = MLV_EXIT_OK;
	} else {
		list_commands(stdout);
		rc = MLV_EXIT_OK;
	}
	free(path);
	return rc;
}

int cmd_help(int argc, const char **argv, struct mlv_ctx *ctx)
{
	const struct mlv_cmd *cmd;
	char name[256];
	char *path = NULL;
	int n, rc;

	n = mlv_parse_options(argc, argv, mlv_opts_help, mlv_usage_help);
	if (n < 0)
		return MLV_EXIT_USAGE;
	if (n == 0) {
		list_commands(stdout);
		return MLV_EXIT_OK;
	}
	if (n > 1) {
		fputs("mlv: help takes one command or topic\n", stderr);
		mlv_usage_print(stderr, mlv_usage_help, mlv_opts_help);
		return MLV_EXIT_USAGE;
	}
	if (!strcmp(argv[0], "mlv"))
		return mlv_help_show("mlv", NULL);
	cmd = mlv_command_find(argv[0]);
	if (cmd)
		return mlv_help_show(NULL, cmd);
	/* A concept page: `mlv help expressions` is mlvexpressions(7). */
	if (!strchr(argv[0], '/') && strlen(argv[0]) < 200) {
		snprintf(name, sizeof(name), "mlv%s", argv[0]);
		path = find_page(name, 7);
	}
	if (!path) {
		fprintf(stderr, "mlv: '%s' is not a mlv command or help topic. See 'mlv help'.\n",
			argv[0]);
		return MLV_EXIT_USAGE;
	}
	rc = show_file(path);
	free(path);
	return rc;
}

int cmd_version(int argc, const char **argv, struct mlv_ctx *ctx)
{
	int n = mlv_parse_options(argc, argv, mlv_opts_version, mlv_usage_version);
	if (n < 0)
		return MLV_EXIT_USAGE;
	if (n > 0) {
		fputs("mlv: version takes no arguments\n", stderr);
		mlv_usage_print(stderr, mlv_usage_version, mlv_opts_version);
		return MLV_EXIT_USAGE;
	}
	if (json_version)
		printf("{\"schema\":\"mlv.version/1\",\"version\":\"%s\"}\n", MLV_VERSION);
	else
		printf("mlv version %s\n", MLV_VERSION);
	return MLV_EXIT_OK;
}
