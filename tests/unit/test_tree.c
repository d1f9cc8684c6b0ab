/* Unit tests: which names a tree may hold, and tree parsing/serializing. */
#include <stdint.h>
#include <stdlib.h>
#include "harness.h"

static int valid(const char *s) { return mlv_path_component_valid(s, strlen(s)); }

static void test_names(void)
{
	static const char *const bad[] = {
		"", ".", "..", "...", ".. ", "a/b", "a\\b", "..\\x", "C:x", ".git", ".GIT", ".Git", ".git.", ".git ",
		".git...", ".mlv", ".MLV", ".mlv.", "git~1", "GIT~1", "mlv~1", ".g\xe2\x80\x8cit", /* ZWNJ */
		".gi\xef\xbb\xbft", /* BOM */ "\xe2\x80\x8d.git", NULL
	};
	static const char *const good[] = {
		"a", "data.csv", ".gitignore", ".gitattributes", "git", "mlv", ".mlvx", "x.git", "..a", "a..",
		"name with spaces", "new\nline", "caf\xc3\xa9", "\xff\xfe", "git~2", NULL
	};
	for (int i = 0; bad[i]; i++) {
		if (valid(bad[i]))
			fprintf(stderr, "accepted bad name '%s'\n", bad[i]);
		CHECK(!valid(bad[i]));
	}
	for (int i = 0; good[i]; i++) {
		if (!valid(good[i]))
			fprintf(stderr, "refused good name '%s'\n", good[i]);
		CHECK(valid(good[i]));
	}
	CHECK(!mlv_path_component_valid("a\0b", 3));
	CHECK_OK(mlv_path_validate("a/b/c.csv"));
	CHECK_RC(mlv_path_validate("/abs"), MLV_EINVALID);
	CHECK_RC(mlv_path_validate("a/../../x"), MLV_EINVALID);
	CHECK_RC(mlv_path_validate("a//b"), MLV_EINVALID);
	CHECK_RC(mlv_path_validate("a/.GIT/hooks"), MLV_EINVALID);
	CHECK_RC(mlv_path_validate(""), MLV_EINVALID);
}

static void test_roundtrip(void)
{
	mlv_tree_entry e[3] = {
		{ "zeta", MLV_MODE_FILE, { { 1 } }, 10 },
		{ "alpha", MLV_MODE_TREE, { { 2 } }, 20 },
		{ "link", MLV_MODE_LINK, { { 3 } }, 4 },
	};
	mlv_tree t = { e, 3 }, *back = NULL;
	mlv_buf b = MLV_BUF_INIT;
	CHECK_OK(mlv_tree_serialize(&b, &t));
	CHECK(!strcmp(t.entries[0].name, "alpha")); /* sorted */
	CHECK_OK(mlv_tree_parse(&back, b.ptr, b.size));
	CHECK(back && back->n == 3);
	if (back && back->n == 3) {
		CHECK_STR(back->entries[0].name, "alpha");
		CHECK(back->entries[0].mode == MLV_MODE_TREE && back->entries[0].size == 20 && back->entries[0].oid.id[0] == 2);
		CHECK_STR(back->entries[2].name, "zeta");
	}
	mlv_tree_free(back);
	back = NULL;
	/* the empty tree is valid */
	CHECK_OK(mlv_tree_parse(&back, "", 0));
	CHECK(back && back->n == 0);
	mlv_tree_free(back);
	back = NULL;
	/* every truncation of a valid tree is refused, never crashes */
	for (size_t cut = 1; cut < b.size; cut++) {
		int rc = mlv_tree_parse(&back, b.ptr, cut);
		/* a cut exactly at an entry boundary is a valid shorter tree */
		if (rc == 0) {
			mlv_tree_free(back);
			back = NULL;
			continue;
		}
		CHECK(back == NULL);
	}
	mlv_buf_release(&b);

	/* the largest size survives the round trip (fuzz/rt_tree), and an empty tree may come as NULL */
	mlv_tree_entry big[1] = { { "a", MLV_MODE_FILE, { { 9 } }, UINT64_MAX } };
	mlv_tree bt = { big, 1 };
	CHECK_OK(mlv_tree_serialize(&b, &bt));
	CHECK_OK(mlv_tree_parse(&back, b.ptr, b.size));
	CHECK(back && back->n == 1 && back->entries[0].size == UINT64_MAX);
	mlv_tree_free(back);
	back = NULL;
	CHECK_OK(mlv_tree_parse(&back, NULL, 0));
	CHECK(back && back->n == 0);
	mlv_tree_free(back);
	back = NULL;
	mlv_buf_release(&b);

	/* duplicates and hostile names are refused when serializing */
	mlv_tree_entry d[2] = { { "a", MLV_MODE_FILE, { { 0 } }, 1 }, { "a", MLV_MODE_FILE, { { 0 } }, 1 } };
	mlv_tree dt = { d, 2 };
	CHECK_RC(mlv_tree_serialize(&b, &dt), MLV_EINVALID);
	mlv_buf_clear(&b);
	mlv_tree_entry h[1] = { { "..", MLV_MODE_FILE, { { 0 } }, 1 } };
	mlv_tree ht = { h, 1 };
	CHECK_RC(mlv_tree_serialize(&b, &ht), MLV_EINVALID);
	mlv_buf_release(&b);
}

static void parse_bad(const char *what, const void *data, size_t len)
{
	mlv_tree *t = NULL;
	int rc = mlv_tree_parse(&t, data, len);
	if (rc == 0)
		fprintf(stderr, "accepted a bad tree: %s\n", what);
	CHECK(rc != 0 && t == NULL);
	mlv_tree_free(t);
}

static void test_hostile(void)
{
	char buf[256];
	size_t n;
	unsigned char id[32] = { 0 };
#define ENTRY(s) (n = (size_t)snprintf(buf, sizeof(buf), "%s", s) + 1, memcpy(buf + n, id, 32), n + 32)
	parse_bad("dotdot", buf, ENTRY("100644 1 .."));
	parse_bad("slash", buf, ENTRY("100644 1 a/b"));
	parse_bad("dotgit", buf, ENTRY("40000 1 .GIT"));
	parse_bad("short name", buf, ENTRY("100644 1 git~1"));
	parse_bad("bad mode", buf, ENTRY("100666 1 a"));
	parse_bad("no size", buf, ENTRY("100644  a"));
	parse_bad("leading zero size", buf, ENTRY("100644 01 a"));
	/* found by fuzz/tree: a mode with a leading zero gave a second id for the same tree */
	parse_bad("leading zero mode", buf, ENTRY("040000 1 a"));
	parse_bad("leading zero file mode", buf, ENTRY("0100644 1 a"));
	parse_bad("size past 2^64", buf, ENTRY("100644 18446744073709551616 a"));
	parse_bad("empty name", buf, ENTRY("100644 1 "));
	/* two entries out of order, and a duplicate */
	char two[256];
	size_t l1 = ENTRY("100644 1 b");
	memcpy(two, buf, l1);
	size_t l2 = ENTRY("100644 1 a");
	memcpy(two + l1, buf, l2);
	parse_bad("unsorted", two, l1 + l2);
	l2 = ENTRY("100644 1 b");
	memcpy(two + l1, buf, l2);
	parse_bad("duplicate", two, l1 + l2);
#undef ENTRY
}

int main(void)
{
	test_names();
	test_roundtrip();
	test_hostile();
	return test_done("test_tree");
}
