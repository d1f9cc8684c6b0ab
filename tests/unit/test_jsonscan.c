/* Unit tests of include/mlv/jsonscan.h: skipping values, finding members, decoding strings. */
#include <string.h>
#include "harness.h"
#include "mlv/jsonscan.h"

static const char *find(const char *obj, const char *key, char *out, size_t outsz)
{
	const char *v;
	size_t n;
	if (!mlv_json_find(obj, strlen(obj), key, strlen(key), &v, &n))
		return NULL;
	snprintf(out, outsz, "%.*s", (int)n, v);
	return out;
}

static int skips(const char *s)
{
	const char *e = mlv_json_skip(s, s + strlen(s));
	return e ? (int)(e - s) : -1;
}

static int str_(const char *v, mlv_buf *b) { return mlv_json_string(v, strlen(v), b); }

int main(void)
{
	char out[256];
	mlv_buf b = MLV_BUF_INIT;
	const char *o = "{\"a\":1,\"b\":{\"x\":[1,{\"y\":\"}\"}],\"z\":null},\"c\\\"q\":\"v\\\\\",\"d\":-1.5e3,\"e\":true,\"a\":2}";

	CHECK_STR(find(o, "a", out, sizeof(out)), "1"); /* the first of duplicates */
	CHECK_STR(find(o, "b", out, sizeof(out)), "{\"x\":[1,{\"y\":\"}\"}],\"z\":null}");
	CHECK_STR(find(o, "c\"q", out, sizeof(out)), "\"v\\\\\"");
	CHECK_STR(find(o, "d", out, sizeof(out)), "-1.5e3");
	CHECK_STR(find(o, "e", out, sizeof(out)), "true");
	CHECK(find(o, "x", out, sizeof(out)) == NULL); /* nested members are not top-level */
	CHECK(find(o, "", out, sizeof(out)) == NULL);
	CHECK_STR(find(" { \"k\" : [ 1 , 2 ] } ", "k", out, sizeof(out)), "[ 1 , 2 ]");
	CHECK(find("{}", "a", out, sizeof(out)) == NULL);
	CHECK(find("[1]", "a", out, sizeof(out)) == NULL);
	CHECK(find("{\"a\" 1}", "a", out, sizeof(out)) == NULL);
	CHECK(find("{\"a\":1,\"b\":", "b", out, sizeof(out)) == NULL);
	CHECK(find("{\"a\":\"unterminated}", "a", out, sizeof(out)) == NULL);

	CHECK(skips("\"a\\\"b\"x") == 6);
	CHECK(skips("[[],{}]]") == 7);
	CHECK(skips("123,") == 3);
	CHECK(skips("]") == -1);
	CHECK(skips("[1,2") == -1);
	CHECK(skips("\"a\nb\"") == -1); /* a raw control character */
	CHECK(skips("") == -1);

	CHECK_OK(str_("\"a\\\"b\\\\c\\/d\\n\\t\"", &b));
	CHECK_STR(mlv_buf_cstr(&b), "a\"b\\c/d\n\t");
	CHECK_OK(str_("\"\\u00e9\\u20ac\\ud83d\\ude00\"", &b));
	CHECK_STR(mlv_buf_cstr(&b), "\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80");
	CHECK_OK(str_("\"\"", &b));
	CHECK(b.size == 0);
	CHECK(str_("\"\\u12\"", &b) == -1);
	CHECK(str_("abc", &b) == -1);
	CHECK(str_("\"abc\\\"", &b) == -1);
	mlv_buf_release(&b);
	return test_done("test_jsonscan");
}
