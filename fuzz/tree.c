/*
 * The tree parser (tree.h) on arbitrary bytes, also as a stored object
 * (mlv_object_validate). What it accepts holds only valid names and modes,
 * in strictly increasing order, and serializes back to the same bytes: the
 * serialized form is canonical, so a tree has one id.
 */
#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	mlv_tree *t = NULL;
	mlv_buf b = MLV_BUF_INIT;
	int rc = mlv_tree_parse(&t, data, size);
	int vrc = mlv_object_validate(data, size, MLV_OBJ_TREE, "fuzz");
	FUZZ_ASSERT((rc == 0) == (vrc == 0) || rc == MLV_ENOMEM || vrc == MLV_ENOMEM);
	if (rc) {
		FUZZ_ASSERT(rc == MLV_EINVALID || rc == MLV_ECORRUPT || rc == MLV_ENOMEM);
		FUZZ_ASSERT(t == NULL);
		return 0;
	}
	for (size_t i = 0; i < t->n; i++) {
		const mlv_tree_entry *e = &t->entries[i];
		FUZZ_ASSERT(mlv_path_component_valid(e->name, strlen(e->name)));
		FUZZ_ASSERT(mlv_path_validate(e->name) == 0);
		FUZZ_ASSERT(e->mode == MLV_MODE_FILE || e->mode == MLV_MODE_EXEC || e->mode == MLV_MODE_LINK ||
			e->mode == MLV_MODE_TREE);
		FUZZ_ASSERT(i == 0 || strcmp(t->entries[i - 1].name, e->name) < 0);
	}
	FUZZ_ASSERT(mlv_tree_serialize(&b, t) == 0);
	FUZZ_ASSERT(b.size == size && (size == 0 || !memcmp(b.ptr, data, size)));
	mlv_buf_release(&b);
	mlv_tree_free(t);
	return 0;
}
