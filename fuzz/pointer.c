/*
 * The pointer parser (pointer.h) on arbitrary bytes: it must refuse or
 * accept without crashing, and what it accepts must format to canonical
 * bytes that parse back to the same pointer.
 */
#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	mlv_pointer p, q;
	mlv_buf b = MLV_BUF_INIT;
	int rc = mlv_pointer_parse(&p, (const char *)data, size, "fuzz.mlv");
	if (rc) {
		FUZZ_ASSERT(rc == MLV_EINVALID || rc == MLV_ENOMEM);
		FUZZ_ASSERT(*mlv_error_last());
		return 0;
	}
	FUZZ_ASSERT(p.kind == MLV_PTR_FILE || p.kind == MLV_PTR_DIR || p.kind == MLV_PTR_LINK);
	FUZZ_ASSERT(mlv_pointer_format(&b, &p) == 0);
	FUZZ_ASSERT(mlv_pointer_parse(&q, b.ptr, b.size, "formatted") == 0);
	FUZZ_ASSERT(q.kind == p.kind && !mlv_oid_cmp(&q.oid, &p.oid) && q.size == p.size);
	FUZZ_ASSERT(p.kind != MLV_PTR_DIR || q.files == p.files);
	mlv_buf_release(&b);
	return 0;
}
