/* Unit tests: mlv_buf, ids and hex, errors, hashing. */
#include <stdlib.h>
#include "harness.h"

static void test_buf(void)
{
	mlv_buf b = MLV_BUF_INIT;
	CHECK_STR(mlv_buf_cstr(&b), "");
	CHECK_OK(mlv_buf_puts(&b, "abc"));
	CHECK_OK(mlv_buf_printf(&b, "-%d-", 42));
	CHECK_STR(mlv_buf_cstr(&b), "abc-42-");
	CHECK(b.size == 7);
	mlv_buf_clear(&b);
	CHECK_OK(mlv_buf_put_json_string(&b, "a\"b\\c\n\x01", 7));
	CHECK_STR(mlv_buf_cstr(&b), "\"a\\\"b\\\\c\\n\\u0001\"");
	char *s = mlv_buf_detach(&b);
	CHECK(b.ptr == NULL && b.size == 0);
	free(s);
	for (int i = 0; i < 10000; i++)
		mlv_buf_putc(&b, 'x');
	CHECK(b.size == 10000 && b.ptr[10000] == '\0');
	mlv_buf_release(&b);
}

static void test_oid(void)
{
	mlv_oid a, b;
	char hex[MLV_OID_HEXSZ + 1];
	/* SHA-256 of nothing, as sha256sum prints it. */
	mlv_hash_buf(&a, "", 0);
	CHECK_STR(mlv_oid_fmt(hex, &a), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
	mlv_hash_buf(&a, "abc", 3);
	CHECK_STR(mlv_oid_fmt(hex, &a), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
	CHECK_OK(mlv_oid_fromhex(&b, "sha256:BA7816BF8F01CFEA414140DE5DAE2223B00361A396177A9CB410FF61F20015AD"));
	CHECK(mlv_oid_cmp(&a, &b) == 0);
	CHECK_RC(mlv_oid_fromhex(&b, "ba78"), MLV_EINVALID);
	CHECK_RC(mlv_oid_fromhex(&b, "zz7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"), MLV_EINVALID);
	CHECK(strstr(mlv_error_last(), "is not a valid object id") != NULL);
	CHECK(mlv_oid_is_hex_prefix("abcd") && !mlv_oid_is_hex_prefix("abcg") && !mlv_oid_is_hex_prefix(""));

	mlv_hasher *h;
	CHECK_OK(mlv_hasher_new(&h));
	mlv_hasher_update(h, "a", 1);
	mlv_hasher_update(h, "bc", 2);
	mlv_hasher_final(h, &b);
	CHECK(mlv_oid_cmp(&a, &b) == 0);
	/* final resets: the same hasher hashes again from scratch */
	mlv_hasher_update(h, "abc", 3);
	mlv_hasher_final(h, &b);
	CHECK(mlv_oid_cmp(&a, &b) == 0);
	mlv_hasher_free(h);
	mlv_hasher_free(NULL);
}

static void test_errors(void)
{
	CHECK_RC(mlv_error_set(MLV_ENOTFOUND, "no %s here", "thing"), MLV_ENOTFOUND);
	CHECK_STR(mlv_error_last(), "no thing here");
	CHECK(mlv_error_code() == MLV_ENOTFOUND);
	CHECK_RC(mlv_error_set_errno(MLV_EIO, 2, "cannot open '%s'", "x"), MLV_EIO);
	CHECK_STR(mlv_error_last(), "cannot open 'x': no such file or directory");
	/* the message may quote the previous one */
	mlv_error_set(MLV_ERROR, "outer: %s", mlv_error_last());
	CHECK_STR(mlv_error_last(), "outer: cannot open 'x': no such file or directory");
	mlv_error_clear();
	CHECK_STR(mlv_error_last(), "");
}

int main(void)
{
	test_buf();
	test_oid();
	test_errors();
	return test_done("test_basics");
}
