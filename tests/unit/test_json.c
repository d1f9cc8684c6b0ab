/* Unit tests of canonical JSON (run records and summaries are stored in this form). */
#include "mlv/run.h"
#include "harness.h"

static const char *canon(const char *in, size_t len)
{
	static mlv_buf b = MLV_BUF_INIT;
	mlv_buf_clear(&b);
	if (mlv_json_canonical(&b, in, len))
		return NULL;
	return mlv_buf_cstr(&b);
}

int main(void)
{
	CHECK_STR(canon("{\"b\":1, \"a\":[2.50,true,null]}", 29), "{\"a\":[2.5,true,null],\"b\":1}");
	CHECK_STR(canon("\"caf\\u00e9\"", 11), "\"caf\xc3\xa9\"");
	CHECK_STR(canon("\"caf\xc3\xa9\"", 7), "\"caf\xc3\xa9\"");
	/* found by fuzz/json: a stray byte came out as \u00ff, which is another text when read back */
	CHECK(canon("\"a\xff\"", 4) == NULL);
	CHECK_RC(mlv_error_code(), MLV_EINVALID);
	CHECK_STR(mlv_error_last(), "not valid JSON (invalid UTF-8 at byte 2)");
	CHECK(canon("{\"k\xe9y\":1}", 10) == NULL);
	CHECK(canon("\"\xed\xa0\x80\"", 5) == NULL); /* an encoded surrogate */
	CHECK(canon("1 x", 3) == NULL);
	/* found by fuzz/json: \v and \f after the value are not JSON white space (the stored-object check agrees) */
	CHECK_STR(canon("1 \t\r\n", 5), "1");
	CHECK(canon("1\v", 2) == NULL);
	CHECK(canon("[]\f", 3) == NULL);
	return test_done("test_json");
}
