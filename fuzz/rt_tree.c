/*
 * Round trip of trees: entries built from the input (name bytes, mode,
 * size, id) are serialized; when the serializer accepts them, parsing gives
 * the same entries in name order, and serializing again the same bytes.
 * Whatever the serializer refuses (a bad name, a duplicate) must be refused
 * with MLV_EINVALID.
 *
 * Input: records of [mode selector u8][size u64][id byte u8][name len u8][name].
 */
#include "fuzz.h"

#define MAXN 64

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const uint32_t modes[] = { MLV_MODE_FILE, MLV_MODE_EXEC, MLV_MODE_LINK, MLV_MODE_TREE, 0100600 };
	mlv_tree_entry e[MAXN];
	mlv_tree t = { e, 0 }, *back = NULL;
	mlv_buf a = MLV_BUF_INIT, b = MLV_BUF_INIT;
	size_t at = 0;
	int rc;
	memset(e, 0, sizeof(e));
	while (t.n < MAXN && at + 11 <= size) {
		mlv_tree_entry *x = &e[t.n];
		size_t len = data[at + 10];
		if (at + 11 + len > size)
			break;
		x->mode = modes[data[at] % 5];
		memcpy(&x->size, data + at + 1, 8);
		memset(x->oid.id, data[at + 9], MLV_OID_RAWSZ);
		x->oid.id[0] = (unsigned char)t.n;
		/* Names are C strings: the serializer cannot see past a NUL. */
		x->name = fuzz_cstr(data + at + 11, len);
		if (!x->name)
			goto done;
		t.n++;
		at += 11 + len;
	}
	rc = mlv_tree_serialize(&a, &t);
	if (rc) {
		FUZZ_ASSERT(rc == MLV_EINVALID || rc == MLV_ENOMEM);
		goto done;
	}
	FUZZ_ASSERT(mlv_tree_parse(&back, a.ptr, a.size) == 0);
	FUZZ_ASSERT(back->n == t.n);
	for (size_t i = 0; i < t.n; i++) {
		FUZZ_ASSERT(!strcmp(back->entries[i].name, e[i].name)); /* E was sorted by serialize */
		FUZZ_ASSERT(back->entries[i].mode == e[i].mode && back->entries[i].size == e[i].size);
		FUZZ_ASSERT(!mlv_oid_cmp(&back->entries[i].oid, &e[i].oid));
	}
	FUZZ_ASSERT(mlv_tree_serialize(&b, back) == 0);
	FUZZ_ASSERT(a.size == b.size && (!a.size || !memcmp(a.ptr, b.ptr, a.size)));
done:
	for (size_t i = 0; i < t.n; i++)
		free(e[i].name);
	mlv_tree_free(back);
	mlv_buf_release(&a);
	mlv_buf_release(&b);
	return 0;
}
