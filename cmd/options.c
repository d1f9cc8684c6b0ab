/*
 * The option parser every command uses (options.h): one walk over argv,
 * driven by the command's option table, that either stores values or only
 * checks (so main() can tell a usage error before it opens a store).
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "options.h"

/* Column where the help text of an option starts in -h output. */
#define USAGE_HELP_COLUMN 26

struct parser {
	const struct mlv_option *opts;
	int dry;        /* check only: store nothing, print nothing */
};

__attribute__((format(printf, 2, 3)))
static int report(struct parser *p, const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	if (p->dry)
		return MLV_PARSE_ERROR;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	fprintf(stderr, "mlv: %s\n", msg);
	return MLV_PARSE_ERROR;
}

static const struct mlv_option *find_long(const struct mlv_option *opts, const char *name,
	size_t len)
{
	for (; opts->type != MLV_OPTT_END; opts++)
		if (opts->long_name && strlen(opts->long_name) == len &&
		    !memcmp(opts->long_name, name, len))
			return opts;
	return NULL;
}

static const struct mlv_option *find_short(const struct mlv_option *opts, char c)
{
	for (; opts->type != MLV_OPTT_END; opts++)
		if (opts->short_name == c)
			return opts;
	return NULL;
}

static int strlist_add(struct mlv_strlist *l, const char *s)
{
	if (l->n + 1 >= l->alloc) {
		int alloc = l->alloc ? l->alloc * 2 : 8;
		const char **items = realloc(l->items, (size_t)alloc * sizeof(*items));
		if (!items)
			return -1;
		l->items = items;
		l->alloc = alloc;
	}
	l->items[l->n++] = s;
	l->items[l->n] = NULL;
	return 0;
}

void mlv_strlist_release(struct mlv_strlist *l)
{
	free(l->items);
	l->items = NULL;
	l->n = l->alloc = 0;
}

/* The option's name as the user wrote it, for messages. */
static void opt_name(char *out, size_t size, const struct mlv_option *o, int as_short)
{
	if (as_short || !o->long_name)
		snprintf(out, size, "-%c", o->short_name);
	else
		snprintf(out, size, "--%s", o->long_name);
}

/*
 * Store ARG (NULL for a BOOL, or an OPTARG option given alone) into O.
 * NEG is set for --no-NAME.
 */
static int store(struct parser *p, const struct mlv_option *o, int as_short, int neg,
	const char *arg)
{
	char name[128];
	opt_name(name, sizeof(name), o, as_short);
	switch (o->type) {
	case MLV_OPTT_BOOL:
		if (!p->dry)
			*(int *)o->value = !neg;
		return 0;
	case MLV_OPTT_STRING:
		if (!arg)
			arg = o->optarg_default;
		if (!p->dry)
			*(const char **)o->value = arg;
		return 0;
	case MLV_OPTT_INT: {
		char *end;
		long v;
		errno = 0;
		v = strtol(arg, &end, 10);
		if (!*arg || *end || errno == ERANGE)
			return report(p, "option '%s' expects an integer, not '%s'", name, arg);
		if (!p->dry)
			*(long *)o->value = v;
		return 0;
	}
	case MLV_OPTT_LIST:
		if (!p->dry && strlist_add(o->value, arg)) {
			fputs("mlv: error: out of memory\n", stderr);
			return MLV_PARSE_ERROR;
		}
		return 0;
	case MLV_OPTT_END:
		break;
	}
	return MLV_PARSE_ERROR;
}

static int takes_arg(const struct mlv_option *o)
{
	return o->type != MLV_OPTT_BOOL;
}

static int optarg_optional(const struct mlv_option *o)
{
	return o->type == MLV_OPTT_STRING && (o->flags & MLV_OPTF_OPTARG);
}

/* "--name", "--name=value", "--no-name"; *i advances past a separate value. */
static int parse_long(struct parser *p, int argc, const char **argv, int *i)
{
	const char *s = argv[*i] + 2;
	const char *eq = strchr(s, '=');
	size_t len = eq ? (size_t)(eq - s) : strlen(s);
	const struct mlv_option *o = find_long(p->opts, s, len);
	int neg = 0;
	char name[128];

	if (!o && len > 3 && !strncmp(s, "no-", 3)) {
		o = find_long(p->opts, s + 3, len - 3);
		if (o && (o->type != MLV_OPTT_BOOL || (o->flags & MLV_OPTF_NONEG)))
			o = NULL;
		neg = 1;
	}
	if (!o && len == 4 && !strncmp(s, "help", 4) && !eq)
		return MLV_PARSE_HELP;
	if (!o) {
		snprintf(name, sizeof(name), "--%.*s", (int)(len > 100 ? 100 : len), s);
		return report(p, "unknown option '%s'", name);
	}
	opt_name(name, sizeof(name), o, 0);
	if (neg) {
		if (eq)
			return report(p, "option '--no-%s' takes no value", o->long_name);
		return store(p, o, 0, 1, NULL);
	}
	if (!takes_arg(o)) {
		if (eq)
			return report(p, "option '%s' takes no value", name);
		return store(p, o, 0, 0, NULL);
	}
	if (eq)
		return store(p, o, 0, 0, eq + 1);
	if (optarg_optional(o))
		return store(p, o, 0, 0, NULL);
	if (*i + 1 >= argc)
		return report(p, "option '%s' requires a value", name);
	return store(p, o, 0, 0, argv[++*i]);
}

/* "-x", "-xVALUE", "-x VALUE", "-wq"; *i advances past a separate value. */
static int parse_short(struct parser *p, int argc, const char **argv, int *i)
{
	const char *s = argv[*i] + 1;
	int rc;

	for (; *s; s++) {
		const struct mlv_option *o = find_short(p->opts, *s);
		char name[8];
		if (!o && *s == 'h')
			return MLV_PARSE_HELP;
		snprintf(name, sizeof(name), "-%c", *s);
		if (!o)
			return report(p, "unknown option '%s'", name);
		if (!takes_arg(o)) {
			if ((rc = store(p, o, 1, 0, NULL)))
				return rc;
			continue;
		}
		/* An option with a value takes the rest of the word, or the next. */
		if (s[1])
			return store(p, o, 1, 0, s + 1);
		if (optarg_optional(o))
			return store(p, o, 1, 0, NULL);
		if (*i + 1 >= argc)
			return report(p, "option '%s' requires a value", name);
		return store(p, o, 1, 0, argv[++*i]);
	}
	return 0;
}

static int parse(int argc, const char **argv, const struct mlv_option *opts, int dry)
{
	struct parser p = { opts, dry };
	int i, n = 0, rc;

	for (i = 1; i < argc; i++) {
		const char *a = argv[i];
		if (a[0] != '-' || !a[1]) {
			if (!dry)
				argv[n] = a;
			n++;
			continue;
		}
		if (!strcmp(a, "--")) {
			for (i++; i < argc; i++) {
				if (!dry)
					argv[n] = argv[i];
				n++;
			}
			break;
		}
		rc = a[1] == '-' ? parse_long(&p, argc, argv, &i) : parse_short(&p, argc, argv, &i);
		if (rc)
			return rc;
	}
	if (!dry && n < argc)
		argv[n] = NULL;
	return n;
}

int mlv_options_check(int argc, const char **argv, const struct mlv_option *opts)
{
	int rc = parse(argc, argv, opts, 1);
	return rc < 0 ? rc : 0;
}

int mlv_parse_options(int argc, const char **argv, const struct mlv_option *opts,
	const char *const *usage)
{
	int rc = parse(argc, argv, opts, 0);
	if (rc == MLV_PARSE_HELP)
		mlv_usage_print(stdout, usage, opts);
	else if (rc == MLV_PARSE_ERROR)
		mlv_usage_print(stderr, usage, opts);
	return rc;
}

/* The left column of one option line: "-t, --type <type>". */
static int format_option(char *out, size_t size, const struct mlv_option *o)
{
	int len = 0;
	const char *argh = o->argh ? o->argh : "value";

	if (o->short_name && o->long_name)
		len = snprintf(out, size, "-%c, --%s", o->short_name, o->long_name);
	else if (o->short_name)
		len = snprintf(out, size, "-%c", o->short_name);
	else
		len = snprintf(out, size, "--%s", o->long_name);
	if (len < 0 || (size_t)len >= size)
		return len;
	if (optarg_optional(o)) {
		if (o->long_name)
			len += snprintf(out + len, size - len, "[=<%s>]", argh);
		else
			len += snprintf(out + len, size - len, "[<%s>]", argh);
	} else if (takes_arg(o)) {
		len += snprintf(out + len, size - len, " <%s>", argh);
	}
	return len;
}

void mlv_usage_print(void *fpv, const char *const *usage, const struct mlv_option *opts)
{
	FILE *fp = fpv;
	const struct mlv_option *o;
	int any = 0;

	for (int i = 0; usage && usage[i]; i++)
		fprintf(fp, "%s%s\n", i ? "   or: " : "usage: ", usage[i]);
	fputc('\n', fp);
	for (o = opts; o && o->type != MLV_OPTT_END; o++) {
		char left[256];
		int len;
		if (o->flags & MLV_OPTF_HIDDEN)
			continue;
		len = format_option(left, sizeof(left), o);
		fprintf(fp, "    %s", left);
		if (4 + len + 2 <= USAGE_HELP_COLUMN)
			fprintf(fp, "%*s%s\n", USAGE_HELP_COLUMN - 4 - len, "", o->help ? o->help : "");
		else
			fprintf(fp, "\n%*s%s\n", USAGE_HELP_COLUMN, "", o->help ? o->help : "");
		any = 1;
	}
	if (any)
		fputc('\n', fp);
}
