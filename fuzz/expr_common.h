/* A deterministic resolver for the expression fuzz targets: each field's value follows from its name. */
#ifndef MLV_FUZZ_EXPR_COMMON_H
#define MLV_FUZZ_EXPR_COMMON_H

#include <math.h>
#include "fuzz.h"

static const char *const fuzz_strings[] = { "", "abc", "0.01", "true", "false", "nan", " 1e-3", "inf", "a\0b" };

static inline int fuzz_lookup(void *payload, const char *path, mlv_expr_value *out)
{
	unsigned h = payload ? *(const unsigned char *)payload : 0;
	for (const char *p = path; *p; p++)
		h = h * 31 + (unsigned char)*p;
	switch (h % 8) {
	case 0: return MLV_ENOTFOUND;
	case 1: return 0; /* left missing */
	case 2: out->type = MLV_EXPR_NUMBER; out->number = (double)(h % 1000) / 7.0 - 50; return 0;
	case 3: out->type = MLV_EXPR_NUMBER; out->number = (h & 16) ? NAN : (h & 32) ? INFINITY : -INFINITY; return 0;
	case 4: out->type = MLV_EXPR_BOOL; out->boolean = (h >> 3) & 1; return 0;
	case 5: out->type = MLV_EXPR_NUMBER; out->number = 0; return 0;
	default: {
		size_t i = (h >> 3) % (sizeof(fuzz_strings) / sizeof(fuzz_strings[0]));
		out->type = MLV_EXPR_STRING;
		out->str = fuzz_strings[i];
		out->len = i == 8 ? 3 : strlen(fuzz_strings[i]);
		return 0;
	}
	}
}

static inline int fuzz_same_value(const mlv_expr_value *a, const mlv_expr_value *b)
{
	if (a->type != b->type)
		return 0;
	switch (a->type) {
	case MLV_EXPR_MISSING: return 1;
	case MLV_EXPR_BOOL: return a->boolean == b->boolean;
	case MLV_EXPR_NUMBER: return (isnan(a->number) && isnan(b->number)) || a->number == b->number;
	case MLV_EXPR_STRING: return a->len == b->len && (!a->len || !memcmp(a->str, b->str, a->len));
	}
	return 0;
}

#endif
