/*
 * Round trip of pointers: a pointer built from the input's bytes (kind, id,
 * size, file count) is formatted, parsed back and must be equal; formatting
 * the result gives the same bytes (canonical form).
 */
#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	mlv_pointer p, q;
	mlv_buf a = MLV_BUF_INIT, b = MLV_BUF_INIT;
	memset(&p, 0, sizeof(p));
	if (size < 1 + MLV_OID_RAWSZ + 16)
		return 0;
	p.kind = (mlv_ptr_kind)(1 + data[0] % 3);
	memcpy(p.oid.id, data + 1, MLV_OID_RAWSZ);
	memcpy(&p.size, data + 1 + MLV_OID_RAWSZ, 8);
	memcpy(&p.files, data + 1 + MLV_OID_RAWSZ + 8, 8);
	/* Sizes are JSON numbers: the format holds integers below 2^53 exactly. */
	p.size &= (1ull << 53) - 1;
	p.files = p.kind == MLV_PTR_DIR ? p.files & ((1ull << 53) - 1) : 0;
	FUZZ_ASSERT(mlv_pointer_format(&a, &p) == 0);
	FUZZ_ASSERT(a.size && a.ptr[a.size - 1] == '\n');
	FUZZ_ASSERT(mlv_pointer_parse(&q, a.ptr, a.size, "formatted") == 0);
	FUZZ_ASSERT(q.kind == p.kind && !mlv_oid_cmp(&q.oid, &p.oid) && q.size == p.size && q.files == p.files);
	FUZZ_ASSERT(mlv_pointer_format(&b, &q) == 0);
	FUZZ_ASSERT(a.size == b.size && !memcmp(a.ptr, b.ptr, a.size));
	mlv_buf_release(&a);
	mlv_buf_release(&b);
	return 0;
}
