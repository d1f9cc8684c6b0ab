/*
 * The expression language of DESIGN.md, parsed once and evaluated many
 * times: run filters (`mlv runs --filter`), promotion gates (`mlv promote
 * --gate`) and policy files all use it. The full reference for users is
 * man/mlvexpressions.7 (`mlv help expressions`); this header is the contract
 * for the code that uses it.
 */
#ifndef MLV_EXPR_H
#define MLV_EXPR_H

#include <stddef.h>
#include "mlv/buf.h"

/*
 * The language, in short (decisions, so that every command behaves alike):
 *
 * Grammar, loosest binding first:
 *
 *   expr     := or
 *   or       := and ('or' and)*
 *   and      := not ('and' not)*
 *   not      := 'not' not | cmp
 *   cmp      := default [('<' | '<=' | '>' | '>=' | '==' | '!=') default]
 *   default  := sum ["??" default]                 (right-associative)
 *   sum      := product (('+' | '-') product)*
 *   product  := unary (('*' | '/') unary)*
 *   unary    := '-' unary | primary
 *   primary  := number | string | 'true' | 'false' | 'null' | field
 *             | '(' expr ')'
 *   number   := [0-9]+ ('.' [0-9]+)? ([eE] [+-]? [0-9]+)?
 *   string   := '"' ... '"' | "'" ... "'"  with the escapes \" \' \\ \/ \b
 *               \f \n \r \t \uXXXX (UTF-16 pairs for the astral planes);
 *               the text between the quotes must be valid UTF-8
 *   field    := segment ('.' segment)*
 *   segment  := [A-Za-z_][A-Za-z0-9_-]* | string
 *
 *   - Comparisons do not chain: `a < b < c` is a syntax error.
 *   - `-` is a name character (`metrics.top-1`, `prod-eu.metrics.auc`), so
 *     subtraction needs a space before the minus: `a - b`. A segment that
 *     is not a name (starts with a digit, holds a dot or a space) is quoted:
 *     `metrics."val loss"`, `"2024q1".metrics.auc`. A field of one segment
 *     is always a bare name; a bare `and`, `or`, `not`, `true`, `false`,
 *     `null` is the keyword, but `params.not` is a field.
 *   - `??` binds tighter than comparisons so that
 *     `metrics.auc >= production.metrics.auc ?? 0` means what it says, and
 *     looser than arithmetic: `production.metrics.auc - 0.005 ?? 0` is 0
 *     when nobody holds production.
 *
 * Values are numbers (double), strings (bytes), booleans and *missing*.
 * A field the resolver does not know is missing. Logic is SQL's
 * three-valued logic, with missing as "unknown":
 *
 *   - Any comparison with a missing operand is missing, `!=` included, and
 *     so is any comparison with NaN. Only `x == null` (true when x is
 *     missing) and `x != null` (true when present) look at missingness.
 *   - `not missing` is missing; `false and missing` is false, `true or
 *     missing` is true, otherwise `and`/`or` with a missing operand are
 *     missing. A filter or gate holds only when the result is true, so a
 *     missing field never makes one pass, not even through `not`; use
 *     `x ?? default` to choose a value instead.
 *   - Arithmetic with a missing operand is missing; `x / 0` is missing too
 *     (a ratio against a zero baseline must not pass a gate as infinity).
 *   - `a ?? b` is a unless a is missing, then b. NaN is not missing.
 *
 * Mixed types (parameters are often stored as strings):
 *
 *   - number with number: numerically. string with string: bytewise
 *     (memcmp order, a prefix sorts first).
 *   - number with string: when the string is a number by
 *     mlv_stats_parse_number (the rule drift uses to type a column: "0.01",
 *     " 1e-3", "inf"), numerically, so `params.lr == 0.01` matches "0.01";
 *     otherwise the two are different values.
 *   - boolean with the string "true" or "false": as booleans.
 *   - Values that remain of different types are never equal: `==` is false,
 *     `!=` is true, and `<`, `<=`, `>`, `>=` are missing.
 *   - An operand of the wrong type (`"abc" * 2`, `not 3`) is missing. A
 *     number-like string is a number in arithmetic, and "true"/"false" is a
 *     boolean to `and`, `or`, `not`.
 *
 * Evaluation never fails because of the data: only the resolver (or
 * memory) can make it fail.
 *
 * Limits: the source is at most MLV_EXPR_MAX_SOURCE bytes; nesting
 * (parentheses, and operators inside operators, chains of `+`, `*`, `??`
 * included) is at most MLV_EXPR_MAX_DEPTH levels; chains of `and` and `or`
 * do not nest, so a filter may list any number of alternatives. A parsed
 * expression is immutable: any number of threads may evaluate it at once.
 */

#define MLV_EXPR_MAX_DEPTH 256
#define MLV_EXPR_MAX_SOURCE (64 * 1024)

typedef struct mlv_expr mlv_expr;

typedef enum mlv_expr_type {
	MLV_EXPR_MISSING = 0, /* unknown field, wrong type, unknown comparison */
	MLV_EXPR_NUMBER,
	MLV_EXPR_STRING,
	MLV_EXPR_BOOL
} mlv_expr_type;

/*
 * A value. Zero-initialised it is missing. A string is LEN bytes at STR,
 * not necessarily NUL-terminated, and may hold NUL bytes; STR is borrowed
 * (see the resolver and mlv_expr_eval for how long it lives).
 */
typedef struct mlv_expr_value {
	mlv_expr_type type;
	int boolean;     /* MLV_EXPR_BOOL: 0 or 1 */
	double number;   /* MLV_EXPR_NUMBER: any double, NaN and ±inf included */
	const char *str; /* MLV_EXPR_STRING: the bytes (NULL allowed when len is 0) */
	size_t len;      /* MLV_EXPR_STRING: their count */
} mlv_expr_value;

/*
 * The resolver: the caller's function that gives the value of a field.
 * PATH is the field's segments joined by '.', quotes removed (both
 * `metrics."val-loss"` and `metrics.val-loss` ask for "metrics.val-loss";
 * `"eu.prod".metrics.auc` asks for "eu.prod.metrics.auc"), NUL-terminated,
 * valid during the call. OUT arrives as missing; set it and return 0, or
 * return MLV_ENOTFOUND (or 0 leaving it missing) when there is no such
 * field. A string set in OUT must stay valid until the mlv_expr_eval*() or
 * mlv_expr_explain() call that asked returns (it may be returned as the
 * result). Any other negative return stops the evaluation and is returned
 * by it; set the error message (mlv_error_set) before returning it.
 * PAYLOAD is the caller's pointer, passed through.
 */
typedef int (*mlv_expr_lookup_fn)(void *payload, const char *path, mlv_expr_value *out);

/*
 * Parse SRC (NUL-terminated). On success *OUT is a new expression (free it
 * with mlv_expr_free; it does not refer to SRC) and 0 is returned.
 * Otherwise *OUT is NULL and the result is MLV_EINVALID with the message
 * "syntax error at column N: expected a value, found end of input" (and
 * mlv_expr_error_column() is N), or "expression is longer than 65536
 * bytes", or MLV_ENOMEM.
 */
int mlv_expr_parse(mlv_expr **out, const char *src);

/*
 * The column of the last syntax error of mlv_expr_parse on this thread, to
 * draw a caret under the source: 1 is the first character; columns count
 * characters (UTF-8 sequences), not bytes, and a newline counts as one; the
 * end of input is the length plus one. 0 after a successful parse or an
 * error without a position (too long, out of memory).
 */
size_t mlv_expr_error_column(void);

/* Free E. NULL is a no-op. */
void mlv_expr_free(mlv_expr *e);

/*
 * Evaluate E, asking FN (with PAYLOAD) for each field it meets; fields are
 * asked in source order, and `and`, `or` and `??` stop early, so a field
 * may not be asked at all. On success *OUT is the value and 0 is returned;
 * a string in *OUT points into E or into what FN returned, and lives as
 * long as both. Returns the resolver's error otherwise (*OUT is then
 * missing).
 */
int mlv_expr_eval(const mlv_expr *e, mlv_expr_lookup_fn fn, void *payload, mlv_expr_value *out);

/*
 * Evaluate E as a condition: *OUT is 1 when the value is the boolean true,
 * 0 for anything else (false, missing, a number, a string). Returns 0 or
 * the resolver's error (*OUT is then 0).
 */
int mlv_expr_eval_bool(const mlv_expr *e, mlv_expr_lookup_fn fn, void *payload, int *out);

/*
 * Append to OUT the canonical text of E (mlv_expr_format) with the value
 * of each field after it in parentheses, then " → " and the result:
 *   metrics.auc (0.91) >= production.metrics.auc (0.9) - 0.005 → true
 *   production.metrics.auc (missing) > 0.5 → missing
 * Values print as mlv_expr_value_format does. Every field is looked up,
 * even those the evaluation skips. Returns 0, the resolver's error or
 * MLV_ENOMEM; on error OUT may hold part of the text.
 */
int mlv_expr_explain(const mlv_expr *e, mlv_expr_lookup_fn fn, void *payload, mlv_buf *out);

/*
 * Call FN(PAYLOAD, PATH) once for each distinct field E refers to, in the
 * order of first appearance; PATH is as the resolver receives it and lives
 * as long as E. A command uses this to fetch only what is needed, or to see
 * which aliases a gate names (the first segment of `production.metrics.auc`).
 * Stops at the first non-zero return of FN and returns it; 0 otherwise.
 */
typedef int (*mlv_expr_field_fn)(void *payload, const char *path);
int mlv_expr_fields(const mlv_expr *e, mlv_expr_field_fn fn, void *payload);

/*
 * When E is a bare field (`metrics.auc`, `(metrics."val loss")`; not
 * `-metrics.auc` nor `metrics.auc ?? 0`), its PATH as the resolver receives
 * it, living as long as E; NULL otherwise. `mlv runs --sort` uses it to read an index
 * instead of evaluating the key for every run.
 */
const char *mlv_expr_field_path(const mlv_expr *e);

/*
 * Append to OUT the canonical text of E: one space around binary operators,
 * parentheses only where precedence needs them, strings in double quotes
 * with JSON escapes, numbers in their shortest round-trip form, nested
 * `and`/`or` flattened. Parsing the text gives an expression that formats
 * to the same text. Returns 0 or MLV_ENOMEM.
 */
int mlv_expr_format(mlv_buf *out, const mlv_expr *e);

/*
 * Append V to OUT as explain shows it: numbers in shortest round-trip form
 * (nan, inf, -inf as such), strings in double quotes with JSON escapes,
 * true, false, missing. Returns 0 or MLV_ENOMEM.
 */
int mlv_expr_value_format(mlv_buf *out, const mlv_expr_value *v);

#endif
