/*
 * Round trip of expressions: what parses formats to a canonical text that
 * parses again, formats to the same text, names the same fields and
 * evaluates to the same value under the same resolver.
 */
#include "expr_common.h"

static int add_field(void *payload, const char *path)
{
	mlv_buf *b = payload;
	FUZZ_ASSERT(mlv_buf_puts(b, path) == 0 && mlv_buf_putc(b, '\n') == 0);
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	mlv_expr *e = NULL, *f = NULL;
	mlv_expr_value v1, v2;
	mlv_buf t1 = MLV_BUF_INIT, t2 = MLV_BUF_INIT, fl1 = MLV_BUF_INIT, fl2 = MLV_BUF_INIT;
	char *src = fuzz_cstr(data, size);
	if (!src)
		return 0;
	if (mlv_expr_parse(&e, src) != 0)
		goto done;
	FUZZ_ASSERT(mlv_expr_format(&t1, e) == 0);
	if (mlv_expr_parse(&f, mlv_buf_cstr(&t1)) != 0) {
		fprintf(stderr, "canonical text does not parse: %s\n", mlv_buf_cstr(&t1));
		FUZZ_ASSERT(!"canonical text parses");
	}
	FUZZ_ASSERT(mlv_expr_format(&t2, f) == 0);
	if (t1.size != t2.size || memcmp(mlv_buf_cstr(&t1), mlv_buf_cstr(&t2), t1.size)) {
		fprintf(stderr, "format is not stable:\n  %s\n  %s\n", mlv_buf_cstr(&t1), mlv_buf_cstr(&t2));
		FUZZ_ASSERT(!"format(parse(format(e))) == format(e)");
	}
	FUZZ_ASSERT(mlv_expr_fields(e, add_field, &fl1) == 0 && mlv_expr_fields(f, add_field, &fl2) == 0);
	FUZZ_ASSERT(fl1.size == fl2.size && (!fl1.size || !memcmp(fl1.ptr, fl2.ptr, fl1.size)));
	for (unsigned char seed = 0; seed < 4; seed++) {
		FUZZ_ASSERT(mlv_expr_eval(e, fuzz_lookup, &seed, &v1) == 0);
		FUZZ_ASSERT(mlv_expr_eval(f, fuzz_lookup, &seed, &v2) == 0);
		if (!fuzz_same_value(&v1, &v2)) {
			fprintf(stderr, "value differs after format: %s\n", mlv_buf_cstr(&t1));
			FUZZ_ASSERT(!"same value");
		}
	}
done:
	mlv_buf_release(&t1);
	mlv_buf_release(&t2);
	mlv_buf_release(&fl1);
	mlv_buf_release(&fl2);
	mlv_expr_free(e);
	mlv_expr_free(f);
	free(src);
	return 0;
}
