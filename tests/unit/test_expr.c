/* Unit tests: the expression language (lib/expr.c, include/mlv/expr.h). */
#include <math.h>
#include <stdlib.h>
#include "harness.h"
#include "mlv/expr.h"

/* ---- a resolver over a fixed table ---- */

struct field {
	const char *path;
	mlv_expr_value v;
};

static mlv_expr_value num(double d)
{
	mlv_expr_value v = { MLV_EXPR_NUMBER, 0, d, NULL, 0 };
	return v;
}

static mlv_expr_value str(const char *s)
{
	mlv_expr_value v = { MLV_EXPR_STRING, 0, 0, s, strlen(s) };
	return v;
}

static mlv_expr_value boolean(int b)
{
	mlv_expr_value v = { MLV_EXPR_BOOL, b, 0, NULL, 0 };
	return v;
}

static struct field table[] = {
	{ "metrics.auc", { MLV_EXPR_NUMBER, 0, 0.91, NULL, 0 } },
	{ "metrics.loss", { MLV_EXPR_NUMBER, 0, 0.25, NULL, 0 } },
	{ "metrics.nan", { MLV_EXPR_NUMBER, 0, 0, NULL, 0 } },       /* set to NaN in main */
	{ "metrics.val-loss", { MLV_EXPR_NUMBER, 0, 0.5, NULL, 0 } },
	{ "metrics.top-1", { MLV_EXPR_NUMBER, 0, 0.75, NULL, 0 } },
	{ "metrics.val.loss", { MLV_EXPR_NUMBER, 0, 0.125, NULL, 0 } },
	{ "production.metrics.auc", { MLV_EXPR_NUMBER, 0, 0.9, NULL, 0 } },
	{ "prod-eu.metrics.auc", { MLV_EXPR_NUMBER, 0, 0.8, NULL, 0 } },
	{ "params.model", { MLV_EXPR_STRING, 0, 0, "xgb", 3 } },
	{ "params.lr", { MLV_EXPR_STRING, 0, 0, "0.01", 4 } },
	{ "params.depth", { MLV_EXPR_STRING, 0, 0, "6", 1 } },
	{ "params.early", { MLV_EXPR_STRING, 0, 0, "true", 4 } },
	{ "params.empty", { MLV_EXPR_STRING, 0, 0, "", 0 } },
	{ "params.not", { MLV_EXPR_STRING, 0, 0, "kw", 2 } },
	{ "status", { MLV_EXPR_NUMBER, 0, 0, NULL, 0 } },
	{ "name", { MLV_EXPR_STRING, 0, 0, "baseline", 8 } },
	{ "done", { MLV_EXPR_BOOL, 1, 0, NULL, 0 } },
	{ "failed", { MLV_EXPR_BOOL, 0, 0, NULL, 0 } },
	{ "zero", { MLV_EXPR_NUMBER, 0, 0, NULL, 0 } },
	{ "explicit_missing", { MLV_EXPR_MISSING, 0, 0, NULL, 0 } },
	{ NULL, { MLV_EXPR_MISSING, 0, 0, NULL, 0 } }
};

static int lookups;

static int resolve(void *payload, const char *path, mlv_expr_value *out)
{
	struct field *t = payload;
	lookups++;
	if (!strcmp(path, "boom"))
		return mlv_error_set(MLV_EIO, "cannot read run: disk on fire");
	for (; t->path; t++) {
		if (!strcmp(t->path, path)) {
			if (t->v.type == MLV_EXPR_MISSING)
				return 0; /* found but left missing: the same as not found */
			*out = t->v;
			return 0;
		}
	}
	return MLV_ENOTFOUND;
}

/* ---- helpers ---- */

/* Parse SRC (it must parse) and evaluate it. */
static mlv_expr_value eval_src(const char *src)
{
	mlv_expr *e = NULL;
	mlv_expr_value v = { MLV_EXPR_MISSING, 0, 0, NULL, 0 };
	int rc = mlv_expr_parse(&e, src);
	if (rc) {
		fprintf(stderr, "cannot parse %s: %s\n", src, mlv_error_last());
		test_failures++;
		return v;
	}
	CHECK_OK(mlv_expr_eval(e, resolve, table, &v));
	/* strings point into the expression: keep literal results usable */
	if (v.type == MLV_EXPR_STRING && v.len) {
		static char keep[256];
		memcpy(keep, v.str, v.len < sizeof(keep) ? v.len : sizeof(keep));
		v.str = keep;
	}
	mlv_expr_free(e);
	return v;
}

enum { F = 0, T = 1, M = 2, OTHER = 3 };

/* The truth of SRC: F, T, M (missing) or OTHER (a number or string). */
static int truth(const char *src)
{
	mlv_expr_value v = eval_src(src);
	if (v.type == MLV_EXPR_BOOL)
		return v.boolean ? T : F;
	return v.type == MLV_EXPR_MISSING ? M : OTHER;
}

#define CHECK_TRUTH(src, want) do { \
	int t_ = truth(src); \
	test_checks++; \
	if (t_ != (want)) { \
		test_failures++; \
		fprintf(stderr, "%s:%d: %s is %d, expected %d\n", __FILE__, __LINE__, src, t_, want); \
	} \
} while (0)

#define CHECK_NUM(src, want) do { \
	mlv_expr_value v_ = eval_src(src); \
	test_checks++; \
	if (v_.type != MLV_EXPR_NUMBER || v_.number != (want)) { \
		test_failures++; \
		fprintf(stderr, "%s:%d: %s is %g (type %d), expected %g\n", __FILE__, __LINE__, src, \
			v_.number, (int)v_.type, (double)(want)); \
	} \
} while (0)

#define CHECK_STRVAL(src, want, wantlen) do { \
	mlv_expr_value v_ = eval_src(src); \
	test_checks++; \
	if (v_.type != MLV_EXPR_STRING || v_.len != (wantlen) || memcmp(v_.str, want, wantlen)) { \
		test_failures++; \
		fprintf(stderr, "%s:%d: %s is not the expected string\n", __FILE__, __LINE__, src); \
	} \
} while (0)

/* The canonical text of SRC, or the error message; static storage. */
static const char *format_of(const char *src)
{
	static char out[4096];
	mlv_expr *e = NULL;
	mlv_buf b = MLV_BUF_INIT;
	if (mlv_expr_parse(&e, src)) {
		snprintf(out, sizeof(out), "%s", mlv_error_last());
		return out;
	}
	CHECK_OK(mlv_expr_format(&b, e));
	snprintf(out, sizeof(out), "%s", mlv_buf_cstr(&b));
	mlv_buf_release(&b);
	mlv_expr_free(e);
	return out;
}

/* The error message of parsing SRC (which must fail with MLV_EINVALID). */
static const char *error_of(const char *src)
{
	mlv_expr *e = (mlv_expr *)1;
	int rc = mlv_expr_parse(&e, src);
	test_checks++;
	if (rc != MLV_EINVALID || e != NULL) {
		test_failures++;
		fprintf(stderr, "parsing %s gave %d\n", src, rc);
		mlv_expr_free(rc ? NULL : e);
		return "";
	}
	return mlv_error_last();
}

static const char *explain_of(const char *src)
{
	static char out[4096];
	mlv_expr *e = NULL;
	mlv_buf b = MLV_BUF_INIT;
	if (mlv_expr_parse(&e, src)) {
		snprintf(out, sizeof(out), "%s", mlv_error_last());
		return out;
	}
	CHECK_OK(mlv_expr_explain(e, resolve, table, &b));
	snprintf(out, sizeof(out), "%s", mlv_buf_cstr(&b));
	mlv_buf_release(&b);
	mlv_expr_free(e);
	return out;
}

/* ---- tests ---- */

static void test_precedence(void)
{
	/* or < and < not < comparison < ?? < + - < * / < unary minus */
	CHECK_TRUTH("true or true and false", T);
	CHECK_TRUTH("(true or true) and false", F);
	CHECK_TRUTH("false and true or true", T);
	CHECK_TRUTH("not false and false", F);
	CHECK_TRUTH("not (false and false)", T);
	CHECK_TRUTH("not 1 == 2", T);
	CHECK_TRUTH("not not true", T);
	CHECK_NUM("1 + 2 * 3", 7);
	CHECK_NUM("(1 + 2) * 3", 9);
	CHECK_NUM("10 - 4 - 3", 3);
	CHECK_NUM("10 - (4 - 3)", 9);
	CHECK_NUM("2 * 3 / 4", 1.5);
	CHECK_NUM("8 / 4 / 2", 1);
	CHECK_NUM("-2 * 3", -6);
	CHECK_NUM("- -2", 2);
	CHECK_NUM("-(2 + 3)", -5);
	CHECK_NUM("2 - -3", 5);
	CHECK_TRUTH("1 + 1 == 2", T);
	CHECK_TRUTH("metrics.auc >= production.metrics.auc - 0.005", T);
	CHECK_TRUTH("metrics.auc > 0.9 and params.model == \"xgb\" or false", T);

	CHECK_STR(format_of("a or b and c"), "a or b and c");
	CHECK_STR(format_of("(a or b) and c"), "(a or b) and c");
	CHECK_STR(format_of("a and (b or c)"), "a and (b or c)");
	CHECK_STR(format_of("a and (b and c) and ((d))"), "a and b and c and d");
	CHECK_STR(format_of("a or (b or c)"), "a or b or c");
	CHECK_STR(format_of("not a and b"), "not a and b");
	CHECK_STR(format_of("not (a and b)"), "not (a and b)");
	CHECK_STR(format_of("not(a==b)"), "not a == b");
	CHECK_STR(format_of("(not a) == b"), "(not a) == b");
	CHECK_STR(format_of("(a < b) == true"), "(a < b) == true");
	CHECK_STR(format_of("1+2*3"), "1 + 2 * 3");
	CHECK_STR(format_of("(1+2)*3"), "(1 + 2) * 3");
	CHECK_STR(format_of("10-(4-3)"), "10 - (4 - 3)");
	CHECK_STR(format_of("(10-4)-3"), "10 - 4 - 3");
	CHECK_STR(format_of("a / (b * c)"), "a / (b * c)");
	CHECK_STR(format_of("- (a + b)"), "-(a + b)");
	CHECK_STR(format_of("- - a"), "--a");
	CHECK_STR(format_of("-a * b"), "-a * b");
	CHECK_STR(format_of("-(a * b)"), "-(a * b)");
	CHECK_STR(format_of("a ?? b ?? c"), "a ?? b ?? c");
	CHECK_STR(format_of("(a ?? b) ?? c"), "(a ?? b) ?? c");
	CHECK_STR(format_of("a >= p.a ?? 0"), "a >= p.a ?? 0");
	CHECK_STR(format_of("(a >= p.a) ?? 0"), "(a >= p.a) ?? 0");
	CHECK_STR(format_of("p.a - 0.005 ?? 0"), "p.a - 0.005 ?? 0");
	CHECK_STR(format_of("p.a - (0.005 ?? 0)"), "p.a - (0.005 ?? 0)");
	CHECK_STR(format_of("not (a ?? b)"), "not a ?? b");
	CHECK_STR(format_of("(not a) ?? b"), "(not a) ?? b");
}

static void test_operators(void)
{
	CHECK_TRUTH("1 < 2", T);
	CHECK_TRUTH("2 < 2", F);
	CHECK_TRUTH("2 <= 2", T);
	CHECK_TRUTH("3 <= 2", F);
	CHECK_TRUTH("3 > 2", T);
	CHECK_TRUTH("2 > 2", F);
	CHECK_TRUTH("2 >= 2", T);
	CHECK_TRUTH("1 >= 2", F);
	CHECK_TRUTH("2 == 2.0", T);
	CHECK_TRUTH("2 == 3", F);
	CHECK_TRUTH("2 != 3", T);
	CHECK_TRUTH("2 != 2", F);
	CHECK_TRUTH("true and true", T);
	CHECK_TRUTH("true and false", F);
	CHECK_TRUTH("false or true", T);
	CHECK_TRUTH("false or false", F);
	CHECK_TRUTH("not true", F);
	CHECK_NUM("1.5 + 2.25", 3.75);
	CHECK_NUM("1.5 - 2.25", -0.75);
	CHECK_NUM("1.5 * 4", 6);
	CHECK_NUM("1 / 4", 0.25);
	CHECK_NUM("-metrics.loss", -0.25);
	CHECK_TRUTH("\"abc\" < \"abd\"", T);
	CHECK_TRUTH("\"ab\" < \"abc\"", T);
	CHECK_TRUTH("\"b\" > \"abc\"", T);
	CHECK_TRUTH("\"B\" < \"a\"", T); /* bytewise: upper case first */
	CHECK_TRUTH("\"abc\" == 'abc'", T);
	CHECK_TRUTH("\"abc\" != \"abc \"", T);
	CHECK_TRUTH("\"\" < \"a\"", T);
	CHECK_TRUTH("\"\\u00e9\" > \"z\"", T); /* UTF-8 bytes sort after ASCII */
	CHECK_TRUTH("true == true", T);
	CHECK_TRUTH("true != false", T);
	CHECK_TRUTH("name == \"baseline\"", T);
	CHECK_TRUTH("status != 0", F);
	CHECK_TRUTH("status == 0", T);
	CHECK_TRUTH("done", T);
	CHECK_TRUTH("not failed", T);
}

static void test_literals(void)
{
	CHECK_NUM("0", 0);
	CHECK_NUM("42", 42);
	CHECK_NUM("0.85", 0.85);
	CHECK_NUM("1e3", 1000);
	CHECK_NUM("1E+3", 1000);
	CHECK_NUM("2.5e-3", 0.0025);
	CHECK_NUM("007", 7);
	CHECK_NUM("1e-400", 0); /* underflow is zero, overflow an error */
	CHECK_STRVAL("\"xgb\"", "xgb", 3);
	CHECK_STRVAL("'xgb'", "xgb", 3);
	CHECK_STRVAL("\"a\\\"b\\\\c\\/d\"", "a\"b\\c/d", 7);
	CHECK_STRVAL("'it\\'s \"quoted\"'", "it's \"quoted\"", 13);
	CHECK_STRVAL("\"\\b\\f\\n\\r\\t\"", "\b\f\n\r\t", 5);
	CHECK_STRVAL("\"caf\\u00e9\"", "caf\xc3\xa9", 5);
	CHECK_STRVAL("\"\\u20AC\"", "\xe2\x82\xac", 3);
	CHECK_STRVAL("\"\\ud83d\\ude00\"", "\xf0\x9f\x98\x80", 4);
	CHECK_STRVAL("\"a\\u0000b\"", "a\0b", 3);
	CHECK_STRVAL("\"caf\xc3\xa9\"", "caf\xc3\xa9", 5);
	CHECK_STRVAL("\"\"", "", 0);
	CHECK_TRUTH("true", T);
	CHECK_TRUTH("false", F);
	CHECK_TRUTH("null", M);
	CHECK_TRUTH(" \t\n true \r\n", T);

	/* formatting of literals: JSON strings, shortest numbers */
	CHECK_STR(format_of("'it\\'s'"), "\"it's\"");
	CHECK_STR(format_of("\"a\\u0001\\n\""), "\"a\\u0001\\n\"");
	CHECK_STR(format_of("0.1 + 1e20 + 1.5e-7 + 100"), "0.1 + 1e+20 + 1.5e-07 + 100");
	CHECK_STR(format_of("0.30000000000000004"), "0.30000000000000004");
	CHECK_STR(format_of("true or false or null"), "true or false or null");
}

static void test_fields(void)
{
	CHECK_NUM("metrics.auc", 0.91);
	CHECK_NUM("production.metrics.auc", 0.9);
	CHECK_NUM("metrics.val-loss", 0.5);     /* '-' is a name character */
	CHECK_NUM("metrics.\"val-loss\"", 0.5); /* quoting changes nothing */
	CHECK_NUM("metrics.top-1", 0.75);
	CHECK_NUM("metrics.top-1 - 1", -0.25);
	CHECK_NUM("metrics.\"val.loss\"", 0.125); /* the resolver sees the joined path */
	CHECK_NUM("metrics.val.loss", 0.125);
	CHECK_NUM("prod-eu.metrics.auc", 0.8);
	CHECK_NUM("\"prod-eu\".metrics.auc", 0.8);
	CHECK_NUM("'prod-eu'.'metrics'.auc", 0.8);
	CHECK_STRVAL("params.not", "kw", 2);   /* a keyword after a dot is a name */
	CHECK_STR(format_of("metrics.\"val-loss\""), "metrics.val-loss");
	CHECK_STR(format_of("metrics.'val loss'"), "metrics.\"val loss\"");
	CHECK_STR(format_of("'2024q1'.metrics.auc"), "\"2024q1\".metrics.auc");
	CHECK_STR(format_of("'not'.x"), "not.x");
	CHECK_STR(format_of("_a.B_9.c-d"), "_a.B_9.c-d");
}

static int collect(void *payload, const char *path)
{
	mlv_buf *b = payload;
	return mlv_buf_printf(b, "[%s]", path);
}

static int stop_at_second(void *payload, const char *path)
{
	int *n = payload;
	return ++*n == 2 ? 7 : 0;
}

static void test_field_list(void)
{
	mlv_expr *e = NULL;
	mlv_buf b = MLV_BUF_INIT;
	int n = 0;

	CHECK_OK(mlv_expr_parse(&e, "metrics.auc >= production.metrics.auc - 0.005 and "
				"metrics.\"auc\" > 0 or metrics.'val.loss' < 1 or x.\"y.z\" == x.y.z"));
	CHECK_OK(mlv_expr_fields(e, collect, &b));
	CHECK_STR(mlv_buf_cstr(&b), "[metrics.auc][production.metrics.auc][metrics.val.loss][x.y.z]");
	CHECK_RC(mlv_expr_fields(e, stop_at_second, &n), 7);
	CHECK(n == 2);
	mlv_expr_free(e);
	mlv_buf_clear(&b);
	CHECK_OK(mlv_expr_parse(&e, "1 + 2 == 3"));
	CHECK_OK(mlv_expr_fields(e, collect, &b));
	CHECK_STR(mlv_buf_cstr(&b), "");
	mlv_expr_free(e);
	mlv_buf_release(&b);
	mlv_expr_free(NULL);
}

static void test_missing(void)
{
	/* an unknown field is missing; comparisons with missing are missing */
	CHECK_TRUTH("metrics.nope", M);
	CHECK_TRUTH("explicit_missing", M);
	CHECK_TRUTH("metrics.nope > 0.5", M);
	CHECK_TRUTH("metrics.nope < 0.5", M);
	CHECK_TRUTH("metrics.nope == 0.5", M);
	CHECK_TRUTH("metrics.nope != 0.5", M);
	CHECK_TRUTH("metrics.nope == metrics.nope2", M);
	CHECK_TRUTH("not metrics.nope > 0.5", M);
	/* Kleene logic */
	CHECK_TRUTH("metrics.nope > 0.5 and false", F);
	CHECK_TRUTH("false and metrics.nope > 0.5", F);
	CHECK_TRUTH("metrics.nope > 0.5 and true", M);
	CHECK_TRUTH("metrics.nope > 0.5 or true", T);
	CHECK_TRUTH("metrics.nope > 0.5 or false", M);
	CHECK_TRUTH("not (metrics.nope > 0.5 or false)", M);
	/* arithmetic */
	CHECK_TRUTH("metrics.nope + 1", M);
	CHECK_TRUTH("-metrics.nope", M);
	CHECK_TRUTH("metrics.auc * metrics.nope", M);
	CHECK_TRUTH("metrics.auc >= production.metrics.nope - 0.005", M);
	/* division by zero is missing */
	CHECK_TRUTH("1 / 0", M);
	CHECK_TRUTH("0 / 0", M);
	CHECK_TRUTH("metrics.auc / zero > 1", M);
	CHECK_NUM("1 / 0 ?? -1", -1);
	/* null tests */
	CHECK_TRUTH("metrics.nope == null", T);
	CHECK_TRUTH("null == metrics.nope", T);
	CHECK_TRUTH("metrics.nope != null", F);
	CHECK_TRUTH("metrics.auc == null", F);
	CHECK_TRUTH("metrics.auc != null", T);
	CHECK_TRUTH("params.empty != null", T);
	CHECK_TRUTH("null == null", T);
	CHECK_TRUTH("metrics.auc > null", M);
	CHECK_TRUTH("(metrics.nope ?? 1) == null", F);
	/* eval_bool: only true is true */
	{
		static const char *const srcs[] = { "true", "false", "null", "1", "\"true\"", "metrics.nope > 1" };
		static const int want[] = { 1, 0, 0, 0, 0, 0 };
		for (size_t i = 0; i < sizeof(srcs) / sizeof(srcs[0]); i++) {
			mlv_expr *e = NULL;
			int b = -1;
			CHECK_OK(mlv_expr_parse(&e, srcs[i]));
			CHECK_OK(mlv_expr_eval_bool(e, resolve, table, &b));
			CHECK(b == want[i]);
			mlv_expr_free(e);
		}
	}
}

static void test_default(void)
{
	CHECK_NUM("metrics.nope ?? 0", 0);
	CHECK_NUM("metrics.auc ?? 0", 0.91);
	CHECK_NUM("metrics.nope ?? metrics.nope2 ?? 3", 3);
	CHECK_NUM("metrics.nope ?? metrics.auc ?? 3", 0.91);
	CHECK_TRUTH("metrics.auc >= nobody.metrics.auc ?? 0", T);
	CHECK_TRUTH("metrics.auc >= nobody.metrics.auc - 0.005 ?? 0", T);
	CHECK_NUM("nobody.metrics.auc - 0.005 ?? 0", 0);
	CHECK_NUM("production.metrics.auc - 0.5 ?? 0", 0.4);
	CHECK_STRVAL("params.model ?? \"none\"", "xgb", 3);
	CHECK_STRVAL("params.nope ?? \"none\"", "none", 4);
	CHECK_TRUTH("metrics.nan ?? 1", OTHER); /* NaN is a number, not missing */
	CHECK_TRUTH("false ?? true", F);
	CHECK_TRUTH("null ?? true", T);
	/* the right side is not evaluated when the left has a value */
	{
		mlv_expr *e = NULL;
		mlv_expr_value v;
		CHECK_OK(mlv_expr_parse(&e, "metrics.auc ?? boom"));
		lookups = 0;
		CHECK_OK(mlv_expr_eval(e, resolve, table, &v));
		CHECK(lookups == 1 && v.type == MLV_EXPR_NUMBER);
		mlv_expr_free(e);
	}
}

static void test_nan(void)
{
	CHECK_TRUTH("metrics.nan > 1", M);
	CHECK_TRUTH("metrics.nan < 1", M);
	CHECK_TRUTH("metrics.nan == metrics.nan", M);
	CHECK_TRUTH("metrics.nan != metrics.nan", M);
	CHECK_TRUTH("metrics.nan != 1", M);
	CHECK_TRUTH("not metrics.nan > 1", M);
	CHECK_TRUTH("metrics.nan == null", F);
	CHECK_TRUTH("metrics.nan + 1", OTHER);
	CHECK_TRUTH("metrics.nan + 1 > 0", M);
	CHECK_TRUTH("metrics.nan > \"1\"", M);
	CHECK_TRUTH("metrics.nan == \"nan\"", M);
	CHECK_TRUTH("metrics.nan > 1 or true", T);
}

static void test_mixed(void)
{
	/* number with a numeric string: numerically */
	CHECK_TRUTH("params.lr == 0.01", T);
	CHECK_TRUTH("0.01 == params.lr", T);
	CHECK_TRUTH("params.lr == 1e-2", T);
	CHECK_TRUTH("params.lr < 0.1", T);
	CHECK_TRUTH("params.lr != 0.01", F);
	CHECK_TRUTH("params.depth > 5", T);
	CHECK_TRUTH("params.depth >= 10", F);
	CHECK_TRUTH("params.lr == \"0.01\"", T);
	CHECK_TRUTH("params.lr == \"1e-2\"", F); /* two strings: bytewise */
	CHECK_TRUTH("params.depth < \"10\"", F); /* "6" > "10" bytewise */
	CHECK_TRUTH("params.depth < 10", T);
	CHECK_TRUTH("\" 6\" == 6", T);           /* as drift reads numbers */
	CHECK_TRUTH("\"inf\" > 1e300", T);
	CHECK_TRUTH("\"0x10\" == 16", F);        /* hexadecimal is not a number */
	/* number with a non-numeric string: different values */
	CHECK_TRUTH("params.model == 5", F);
	CHECK_TRUTH("params.model != 5", T);
	CHECK_TRUTH("params.model < 5", M);
	CHECK_TRUTH("params.model >= 5", M);
	CHECK_TRUTH("params.empty == 0", F);
	CHECK_TRUTH("params.empty != 0", T);
	/* booleans */
	CHECK_TRUTH("params.early == true", T);
	CHECK_TRUTH("true == params.early", T);
	CHECK_TRUTH("params.early != false", T);
	CHECK_TRUTH("params.early and true", T);
	CHECK_TRUTH("not params.early", F);
	CHECK_TRUTH("params.model == true", F);
	CHECK_TRUTH("params.model != true", T);
	CHECK_TRUTH("true == 1", F);
	CHECK_TRUTH("true != 1", T);
	CHECK_TRUTH("true < false", M);
	CHECK_TRUTH("true > 0", M);
	/* wrong types for an operator are missing */
	CHECK_TRUTH("\"abc\" * 2", M);
	CHECK_TRUTH("-\"abc\"", M);
	CHECK_TRUTH("true + 1", M);
	CHECK_NUM("params.lr * 100", 1);
	CHECK_NUM("-params.depth", -6);
	CHECK_TRUTH("not 3", M);
	CHECK_TRUTH("not params.model", M);
	CHECK_TRUTH("metrics.auc and true", M);
	CHECK_TRUTH("metrics.auc or true", T);
	CHECK_TRUTH("\"false\" or false", F);
}

static void test_resolver_error(void)
{
	mlv_expr *e = NULL;
	mlv_expr_value v;
	mlv_buf b = MLV_BUF_INIT;
	int ok = 5;

	CHECK_OK(mlv_expr_parse(&e, "metrics.auc > 0 and boom > 1"));
	CHECK_RC(mlv_expr_eval(e, resolve, table, &v), MLV_EIO);
	CHECK(v.type == MLV_EXPR_MISSING);
	CHECK_STR(mlv_error_last(), "cannot read run: disk on fire");
	CHECK_RC(mlv_expr_eval_bool(e, resolve, table, &ok), MLV_EIO);
	CHECK(ok == 0);
	CHECK_RC(mlv_expr_explain(e, resolve, table, &b), MLV_EIO);
	mlv_expr_free(e);
	/* short-circuit: the failing field is never asked */
	CHECK_OK(mlv_expr_parse(&e, "metrics.auc < 0 and boom > 1"));
	CHECK_OK(mlv_expr_eval_bool(e, resolve, table, &ok));
	CHECK(ok == 0);
	mlv_expr_free(e);
	mlv_buf_release(&b);
}

static void test_errors(void)
{
	CHECK_STR(error_of("metrics.auc >="), "syntax error at column 15: expected a value, found end of input");
	CHECK(mlv_expr_error_column() == 15);
	CHECK_STR(error_of(""), "syntax error at column 1: expected a value, found end of input");
	CHECK_STR(error_of("   "), "syntax error at column 4: expected a value, found end of input");
	CHECK_STR(error_of("metrics.auc 0.9"),
		  "syntax error at column 13: expected an operator or end of input, found '0.9'");
	CHECK_STR(error_of("metrics.auc >= >= 1"), "syntax error at column 16: expected a value, found '>='");
	CHECK_STR(error_of("0.8 < x < 0.9"), /* as in the man page */
		  "syntax error at column 9: expected 'and' or 'or' between comparisons, found '<'");
	CHECK_STR(error_of("0.8 < metrics.auc < 0.9"),
		  "syntax error at column 19: expected 'and' or 'or' between comparisons, found '<'");
	CHECK_STR(error_of("(a > 1"), "syntax error at column 7: expected an operator or ')', found end of input");
	CHECK_STR(error_of("(a > 1 b"), "syntax error at column 8: expected an operator or ')', found 'b'");
	CHECK_STR(error_of("a > 1)"), "syntax error at column 6: expected an operator or end of input, found ')'");
	CHECK_STR(error_of("()"), "syntax error at column 2: expected a value, found ')'");
	CHECK_STR(error_of("a == not b"), "syntax error at column 6: expected a value, found 'not'");
	CHECK_STR(error_of("a and"), "syntax error at column 6: expected a value, found end of input");
	CHECK_STR(error_of("and a"), "syntax error at column 1: expected a value, found 'and'");
	CHECK_STR(error_of("a = 1"), "syntax error at column 3: expected '==', found '='");
	CHECK_STR(error_of("!a"), "syntax error at column 1: expected '!=', found '!' (write 'not')");
	/* found by fuzz/rt_expr: a stray byte in a string came back from format as U+00FF */
	CHECK_STR(error_of("a == 'caf\xe9'"), "syntax error at column 10: invalid UTF-8 byte 0xe9 in string");
	CHECK_STR(error_of("\"x\xff\".y > 1"), "syntax error at column 3: invalid UTF-8 byte 0xff in string");
	CHECK_STR(error_of("a == '\xed\xa0\x80'"), "syntax error at column 7: invalid UTF-8 byte 0xed in string");
	CHECK_STR(format_of("a == 'caf\xc3\xa9'"), "a == \"caf\xc3\xa9\"");
	CHECK_STR(error_of("a ? 1"), "syntax error at column 3: expected '?\?', found '?'");
	CHECK_STR(error_of("a && b"), "syntax error at column 3: unexpected character '&' (write 'and')");
	CHECK_STR(error_of("a || b"), "syntax error at column 3: unexpected character '|' (write 'or')");
	CHECK_STR(error_of("a # b"), "syntax error at column 3: unexpected character '#'");
	CHECK_STR(error_of("a \x01 b"), "syntax error at column 3: unexpected byte 0x01");
	CHECK_STR(error_of("\"\xc3\xa9\" \xe2\x89\xa5 1"), "syntax error at column 5: unexpected character '\xe2\x89\xa5'");
	CHECK(mlv_expr_error_column() == 5);
	CHECK_STR(error_of("name == \"abc"), "syntax error at column 9: unterminated string");
	CHECK_STR(error_of("name == 'abc\\'"), "syntax error at column 9: unterminated string");
	CHECK_STR(error_of("name == \"a\\qb\""), "syntax error at column 11: unknown escape '\\q' in string");
	CHECK_STR(error_of("name == \"\\u12\""), "syntax error at column 10: expected 4 hex digits after '\\u'");
	CHECK_STR(error_of("name == \"\\ud800x\""), "syntax error at column 10: unpaired UTF-16 surrogate in '\\u' escape");
	CHECK_STR(error_of("name == \"\\udc00\""), "syntax error at column 10: unpaired UTF-16 surrogate in '\\u' escape");
	CHECK_STR(error_of("metrics."), "syntax error at column 9: expected a field name, found end of input");
	CHECK_STR(error_of("metrics.1x > 0"), "syntax error at column 9: expected a field name, found '1x'");
	CHECK_STR(error_of("metrics.auc-0.005 > 0"),
		  "syntax error at column 15: expected a field name, found '005' ('-' is part of a name: write 'a - b' to subtract)");
	CHECK_STR(error_of("metrics.\"\" > 0"), "syntax error at column 9: empty field name");
	CHECK_STR(error_of("\"\".x > 0"), "syntax error at column 1: empty field name");
	CHECK_STR(error_of("a.\"x\\u0000\" > 0"), "syntax error at column 1: field name contains a NUL character");
	CHECK_STR(error_of("\"abc\". > 0"), "syntax error at column 7: expected a field name, found ' '");
	CHECK_STR(error_of("1abc"), "syntax error at column 1: malformed number '1abc'");
	CHECK_STR(error_of("x > 1."), "syntax error at column 5: malformed number '1.'");
	CHECK_STR(error_of("x > 1.2.3"), "syntax error at column 5: malformed number '1.2.3'");
	CHECK_STR(error_of("x > 1e"), "syntax error at column 5: malformed number '1e'");
	CHECK_STR(error_of("x > .5"), "syntax error at column 5: unexpected character '.'");
	CHECK_STR(error_of("x > 1e999"), "syntax error at column 5: number '1e999' is out of range");
	CHECK_STR(error_of("x > 1 1"), "syntax error at column 7: expected an operator or end of input, found '1'");
	CHECK_STR(error_of("x + + 1"), "syntax error at column 5: expected a value, found '+'");
	CHECK_STR(error_of("x == \"a very long string literal that goes on and on\" x"),
		  "syntax error at column 55: expected an operator or end of input, found 'x'");
	CHECK_STR(error_of("x == 1 \"a very long string literal that goes on and on\""),
		  "syntax error at column 8: expected an operator or end of input, found '\"a very long string literal that...'");
	/* columns count characters, not bytes */
	CHECK_STR(error_of("name == \"\xc3\xa9t\xc3\xa9\" +"), "syntax error at column 16: expected a value, found end of input");
	CHECK_STR(error_of("a\n> \n"), "syntax error at column 6: expected a value, found end of input");
	/* not syntax: no column */
	{
		char *big = malloc(MLV_EXPR_MAX_SOURCE + 2);
		mlv_expr *e = NULL;
		memset(big, ' ', MLV_EXPR_MAX_SOURCE + 1);
		big[0] = '1';
		big[MLV_EXPR_MAX_SOURCE + 1] = '\0';
		CHECK_RC(mlv_expr_parse(&e, big), MLV_EINVALID);
		CHECK_STR(mlv_error_last(), "expression is longer than 65536 bytes");
		CHECK(mlv_expr_error_column() == 0 && e == NULL);
		big[MLV_EXPR_MAX_SOURCE] = '\0'; /* exactly the limit */
		CHECK_OK(mlv_expr_parse(&e, big));
		CHECK(mlv_expr_error_column() == 0);
		mlv_expr_free(e);
		free(big);
	}
}

/* N copies of OPEN, then MID, then N copies of CLOSE. */
static char *nest(int n, const char *open, const char *mid, const char *close)
{
	mlv_buf b = MLV_BUF_INIT;
	for (int i = 0; i < n; i++)
		mlv_buf_puts(&b, open);
	mlv_buf_puts(&b, mid);
	for (int i = 0; i < n; i++)
		mlv_buf_puts(&b, close);
	return mlv_buf_detach(&b);
}

static void test_depth(void)
{
	mlv_expr *e = NULL;
	char *s;

	s = nest(256, "(", "1", ")");
	CHECK_OK(mlv_expr_parse(&e, s));
	mlv_expr_free(e);
	free(s);
	s = nest(257, "(", "1", ")");
	CHECK_STR(error_of(s), "syntax error at column 257: expression nested too deeply (more than 256 levels)");
	free(s);
	s = nest(256, "not ", "true", "");
	CHECK_OK(mlv_expr_parse(&e, s));
	mlv_expr_free(e);
	CHECK_TRUTH(s, T);
	free(s);
	s = nest(257, "-", "1", "");
	CHECK_STR(error_of(s), "syntax error at column 257: expression nested too deeply (more than 256 levels)");
	free(s);
	/* operators inside operators count even without parentheses */
	s = nest(256, "", "1", " + 1");
	CHECK_OK(mlv_expr_parse(&e, s));
	mlv_expr_free(e);
	CHECK_NUM(s, 257);
	free(s);
	s = nest(257, "", "1", " + 1");
	CHECK_STR(error_of(s), "syntax error at column 1027: expression nested too deeply (more than 256 levels)");
	free(s);
	s = nest(300, "", "x", " ?? x");
	CHECK_STR(error_of(s), "syntax error at column 218: expression nested too deeply (more than 256 levels)");
	free(s);
	/* hostile input: far deeper than the limit, no stack overflow */
	s = nest(60000, "(", "1", ")");
	CHECK_RC(mlv_expr_parse(&e, s), MLV_EINVALID);
	free(s);
	s = nest(30000, "- ", "1", "");
	CHECK_RC(mlv_expr_parse(&e, s), MLV_EINVALID);
	free(s);
	/* and/or chains do not nest: thousands of alternatives are fine */
	{
		mlv_buf b = MLV_BUF_INIT;
		mlv_expr_value v;
		mlv_buf_puts(&b, "name == \"r0\"");
		for (int i = 1; i < 1000; i++)
			mlv_buf_printf(&b, " or (name == \"r%d\" or name == \"s%d\")", i, i);
		mlv_buf_puts(&b, " or name == \"baseline\"");
		CHECK_OK(mlv_expr_parse(&e, mlv_buf_cstr(&b)));
		CHECK_OK(mlv_expr_eval(e, resolve, table, &v));
		CHECK(v.type == MLV_EXPR_BOOL && v.boolean);
		mlv_expr_free(e);
		mlv_buf_release(&b);
	}
}

static void test_round_trip(void)
{
	static const char *const srcs[] = {
		"metrics.auc >= 0.85 and params.model == \"xgb\"",
		"metrics.auc >= production.metrics.auc - 0.005",
		"status != 0",
		"name == 'baseline'",
		"not (a < 1 or b > 2)",
		"not not (a ?? (b ?? c)) == ((d))",
		"-(-(1)) * -(2 + 3) / (4 - -5) - 6 ?? 7",
		"(a or b) and (c or d) or not e and f",
		"'x\\ty\\u00e9\\ud83d\\ude00\\\\'",
		"metrics.'val loss' < '2024q1'.metrics.\"a.b\" ?? 1e-300",
		"(a == b) != (c < d)",
		"((a ?? b) ?? c) ?? d",
		"0.1 + 0.2 == 0.30000000000000004",
		"x == null or null != y",
	};
	for (size_t i = 0; i < sizeof(srcs) / sizeof(srcs[0]); i++) {
		char first[4096];
		snprintf(first, sizeof(first), "%s", format_of(srcs[i]));
		CHECK(strncmp(first, "syntax error", 12) != 0);
		CHECK_STR(format_of(first), first);
	}
	CHECK_STR(format_of("not not (a ?? (b ?? c)) == ((d))"), "not not a ?? b ?? c == d");
	CHECK_STR(format_of("-(-(1)) * -(2 + 3) / (4 - -5) - 6 ?? 7"),
		  "--1 * -(2 + 3) / (4 - -5) - 6 ?? 7");
}

static void test_explain(void)
{
	CHECK_STR(explain_of("metrics.auc >= 0.85"), "metrics.auc (0.91) >= 0.85 \xe2\x86\x92 true");
	CHECK_STR(explain_of("metrics.auc >= production.metrics.auc - 0.005"),
		  "metrics.auc (0.91) >= production.metrics.auc (0.9) - 0.005 \xe2\x86\x92 true");
	CHECK_STR(explain_of("metrics.auc >= staging.metrics.auc - 0.005"),
		  "metrics.auc (0.91) >= staging.metrics.auc (missing) - 0.005 \xe2\x86\x92 missing");
	CHECK_STR(explain_of("metrics.auc>=(staging.metrics.auc??0)"),
		  "metrics.auc (0.91) >= staging.metrics.auc (missing) ?? 0 \xe2\x86\x92 true");
	CHECK_STR(explain_of("metrics.auc > 0.95 and params.model == 'xgb'"),
		  "metrics.auc (0.91) > 0.95 and params.model (\"xgb\") == \"xgb\" \xe2\x86\x92 false");
	CHECK_STR(explain_of("metrics.nan > 0 or done"),
		  "metrics.nan (nan) > 0 or done (true) \xe2\x86\x92 true");
	CHECK_STR(explain_of("metrics.auc * 2"), "metrics.auc (0.91) * 2 \xe2\x86\x92 1.82");
	CHECK_STR(explain_of("params.model"), "params.model (\"xgb\") \xe2\x86\x92 \"xgb\"");
	CHECK_STR(explain_of("metrics.\"val-loss\" < 1"), "metrics.val-loss (0.5) < 1 \xe2\x86\x92 true");
}

/* ---- randomized: token soups never crash the parser ---- */

static unsigned long long rng = 0x2545f4914f6cdd1dULL;

static unsigned next_rand(unsigned n)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return (unsigned)((rng >> 11) % n);
}

static size_t utf8_chars(const char *s)
{
	size_t n = 0;
	for (; *s; s++)
		if (((unsigned char)*s & 0xc0) != 0x80)
			n++;
	return n;
}

static int any_value(void *payload, const char *path, mlv_expr_value *out)
{
	switch (strlen(path) % 4) {
	case 0: return MLV_ENOTFOUND;
	case 1: *out = num((double)strlen(path) / 3); return 0;
	case 2: *out = str(path); return 0;
	default: *out = boolean(path[0] & 1); return 0;
	}
}

static void test_random_soup(void)
{
	static const char *const toks[] = {
		"metrics.auc", "params.model", "production.metrics.auc", "x", "a-b", "m.\"q r\"",
		"'p'.q", "(", ")", "(", ")", "and", "or", "not", "??", "<", "<=", ">", ">=",
		"==", "!=", "+", "-", "*", "/", "0", "1.5", "2e3", "\"s\"", "'t\\n'",
		"\"\\u00e9\"", "true", "false", "null",
	};
	static const char *const junk[] = {
		"1e999", ".", "=", "!", "?", "&", "\"open", "\\", "1.", "\xc3\xa9", "\x01",
		"..", "\"\\ud800\"", "'", "#", "\"\".x", "x.", "1x",
	};
	int ok = 0, failed = 0, bad = 0;

	for (int iter = 0; iter < 4000; iter++) {
		mlv_buf src = MLV_BUF_INIT, f1 = MLV_BUF_INIT, f2 = MLV_BUF_INIT, ex = MLV_BUF_INIT;
		mlv_expr *e = NULL, *e2 = NULL;
		int ntok = 1 + (int)next_rand(iter < 3000 ? 6 : 40);
		int rc;

		for (int t = 0; t < ntok; t++) {
			if (iter % 10 == 9) {  /* raw bytes now and then */
				mlv_buf_putc(&src, (char)(1 + next_rand(255)));
				continue;
			}
			if (!next_rand(40))
				mlv_buf_puts(&src, junk[next_rand(sizeof(junk) / sizeof(junk[0]))]);
			else
				mlv_buf_puts(&src, toks[next_rand(sizeof(toks) / sizeof(toks[0]))]);
			if (next_rand(3))
				mlv_buf_putc(&src, ' ');
		}
		rc = mlv_expr_parse(&e, mlv_buf_cstr(&src));
		if (rc == 0) {
			mlv_expr_value v;
			ok++;
			/* the canonical text parses to the same canonical text */
			if (mlv_expr_format(&f1, e) || mlv_expr_parse(&e2, mlv_buf_cstr(&f1)) ||
			    mlv_expr_format(&f2, e2) || strcmp(mlv_buf_cstr(&f1), mlv_buf_cstr(&f2))) {
				bad++;
				fprintf(stderr, "round trip failed: [%s] -> [%s] -> [%s] %s\n",
					mlv_buf_cstr(&src), mlv_buf_cstr(&f1), mlv_buf_cstr(&f2), mlv_error_last());
			}
			if (mlv_expr_eval(e, any_value, NULL, &v) || mlv_expr_explain(e, any_value, NULL, &ex))
				bad++;
		} else {
			size_t col = mlv_expr_error_column();
			failed++;
			if (rc != MLV_EINVALID || e || col < 1 || col > utf8_chars(mlv_buf_cstr(&src)) + 1 ||
			    strncmp(mlv_error_last(), "syntax error at column ", 23)) {
				bad++;
				fprintf(stderr, "bad error for [%s]: %d, column %zu: %s\n",
					mlv_buf_cstr(&src), rc, col, mlv_error_last());
			}
		}
		mlv_expr_free(e);
		mlv_expr_free(e2);
		mlv_buf_release(&src);
		mlv_buf_release(&f1);
		mlv_buf_release(&f2);
		mlv_buf_release(&ex);
	}
	test_checks++;
	if (bad)
		test_failures++;
	/* the soup must exercise both paths */
	CHECK(ok > 100 && failed > 100);
	printf("random soup: %d parsed, %d rejected\n", ok, failed);
}

/* A random well-formed expression of at most DEPTH levels, with random parentheses. */
static void gen(mlv_buf *b, int depth)
{
	static const char *const leaves[] = {
		"metrics.auc", "metrics.nope", "metrics.nan", "params.lr", "params.model", "params.early",
		"done", "failed", "zero", "0", "1", "2.5", "1e-3", "\"xgb\"", "'0.01'", "\"\"", "true",
		"false", "null", "metrics.\"val-loss\"", "production.metrics.auc",
	};
	static const char *const bin[] = {
		" and ", " or ", " ?? ", " + ", " - ", " * ", " / ",
		" < ", " <= ", " > ", " >= ", " == ", " != ",
	};
	int k = depth > 0 ? (int)next_rand(6) : 0;
	int paren = !next_rand(4);

	if (paren)
		mlv_buf_putc(b, '(');
	if (k <= 1) {
		mlv_buf_puts(b, leaves[next_rand(sizeof(leaves) / sizeof(leaves[0]))]);
	} else if (k == 2) {
		mlv_buf_puts(b, next_rand(2) ? "not " : "-");
		mlv_buf_putc(b, '(');
		gen(b, depth - 1);
		mlv_buf_putc(b, ')');
	} else {
		/* operands in parentheses: any operator may take any operand */
		mlv_buf_putc(b, '(');
		gen(b, depth - 1);
		mlv_buf_putc(b, ')');
		mlv_buf_puts(b, bin[next_rand(sizeof(bin) / sizeof(bin[0]))]);
		mlv_buf_putc(b, '(');
		gen(b, depth - 1);
		mlv_buf_putc(b, ')');
	}
	if (paren)
		mlv_buf_putc(b, ')');
}

static int same_value(const mlv_expr_value *a, const mlv_expr_value *b)
{
	if (a->type != b->type)
		return 0;
	switch (a->type) {
	case MLV_EXPR_NUMBER:
		return a->number == b->number || (isnan(a->number) && isnan(b->number));
	case MLV_EXPR_STRING:
		return a->len == b->len && !memcmp(a->str, b->str, a->len);
	case MLV_EXPR_BOOL:
		return a->boolean == b->boolean;
	default:
		return 1;
	}
}

/*
 * Random well-formed expressions: they parse, and their canonical text
 * (which drops the parentheses it can) means the same: same value.
 */
static void test_random_valid(void)
{
	int bad = 0;

	for (int iter = 0; iter < 2000; iter++) {
		mlv_buf src = MLV_BUF_INIT, f1 = MLV_BUF_INIT, f2 = MLV_BUF_INIT;
		mlv_expr *e = NULL, *e2 = NULL;
		mlv_expr_value v1, v2;

		gen(&src, 1 + (int)next_rand(6));
		if (mlv_expr_parse(&e, mlv_buf_cstr(&src)) || mlv_expr_format(&f1, e) ||
		    mlv_expr_parse(&e2, mlv_buf_cstr(&f1)) || mlv_expr_format(&f2, e2) ||
		    strcmp(mlv_buf_cstr(&f1), mlv_buf_cstr(&f2)) ||
		    mlv_expr_eval(e, resolve, table, &v1) || mlv_expr_eval(e2, resolve, table, &v2) ||
		    !same_value(&v1, &v2)) {
			bad++;
			fprintf(stderr, "random expression failed: [%s] -> [%s] -> [%s] %s\n",
				mlv_buf_cstr(&src), mlv_buf_cstr(&f1), mlv_buf_cstr(&f2), mlv_error_last());
		}
		mlv_expr_free(e);
		mlv_expr_free(e2);
		mlv_buf_release(&src);
		mlv_buf_release(&f1);
		mlv_buf_release(&f2);
	}
	test_checks++;
	if (bad)
		test_failures++;
}

int main(void)
{
	for (struct field *t = table; t->path; t++)
		if (!strcmp(t->path, "metrics.nan"))
			t->v.number = NAN;
	test_precedence();
	test_operators();
	test_literals();
	test_fields();
	test_field_list();
	test_missing();
	test_default();
	test_nan();
	test_mixed();
	test_resolver_error();
	test_errors();
	test_depth();
	test_round_trip();
	test_explain();
	test_random_soup();
	test_random_valid();
	return test_done("test_expr");
}
