/*
 * The expression parser and evaluator (expr.h) on arbitrary text: parse,
 * then evaluate, explain, list fields and format with a resolver whose
 * values (numbers, NaN, ±inf, strings, booleans, missing) follow from the
 * field names. A syntax error has a column within the source (+1 for the
 * end); evaluation of a parsed expression never fails but through the
 * resolver, which here never fails.
 */
#include "expr_common.h"

static int count_field(void *payload, const char *path)
{
	FUZZ_ASSERT(path != NULL);
	(*(size_t *)payload)++;
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	mlv_expr *e = NULL;
	mlv_expr_value v;
	mlv_buf b = MLV_BUF_INIT;
	size_t nfields = 0, chars = 0;
	int rc, ok;
	char *src = fuzz_cstr(data, size);
	if (!src)
		return 0;
	rc = mlv_expr_parse(&e, src);
	for (const char *p = src; *p; p++)
		chars += ((unsigned char)*p & 0xc0) != 0x80;
	if (rc) {
		FUZZ_ASSERT(e == NULL);
		FUZZ_ASSERT(rc == MLV_EINVALID || rc == MLV_ENOMEM);
		FUZZ_ASSERT(mlv_expr_error_column() <= chars + 1);
		free(src);
		return 0;
	}
	FUZZ_ASSERT(mlv_expr_error_column() == 0);
	FUZZ_ASSERT(mlv_expr_eval(e, fuzz_lookup, NULL, &v) == 0);
	if (v.type == MLV_EXPR_BOOL)
		FUZZ_ASSERT(v.boolean == 0 || v.boolean == 1);
	FUZZ_ASSERT(mlv_expr_value_format(&b, &v) == 0);
	FUZZ_ASSERT(mlv_expr_eval_bool(e, fuzz_lookup, NULL, &ok) == 0);
	FUZZ_ASSERT(ok == 0 || ok == 1);
	FUZZ_ASSERT(mlv_expr_explain(e, fuzz_lookup, NULL, &b) == 0);
	FUZZ_ASSERT(mlv_expr_fields(e, count_field, &nfields) == 0);
	FUZZ_ASSERT(mlv_expr_format(&b, e) == 0);
	mlv_buf_release(&b);
	mlv_expr_free(e);
	free(src);
	return 0;
}
