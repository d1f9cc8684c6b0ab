/*
 * Spec parsing and resolution (spec.h) on arbitrary text, against a small
 * store made once per process: a few objects (so that prefixes match, are
 * ambiguous or not), a valid pointer file and a damaged one. path@rev texts
 * go through the git layer (the scratch directory is no git repository).
 * Whatever resolves names a path inside the work tree.
 */
#include <limits.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>
#include "mlv/spec.h"
#include "fuzz.h"

static mlv_store *st;
static char root[4200];

static void setup(void)
{
	char path[4400];
	mlv_writer *w = NULL;
	mlv_oid id;
	mlv_pointer p;
	snprintf(root, sizeof(root), "%s/work", fuzz_tmpdir());
	FUZZ_ASSERT(mkdir(root, 0700) == 0);
	snprintf(path, sizeof(path), "%s/.mlv", root);
	int existed;
	FUZZ_ASSERT(mlv_store_create(path, &existed) == 0);
	FUZZ_ASSERT(mlv_store_open(&st, path) == 0);
	FUZZ_ASSERT(mlv_writer_new(&w, st) == 0);
	for (int i = 0; i < 40; i++) {
		char text[32];
		int n = snprintf(text, sizeof(text), "object %d\n", i);
		FUZZ_ASSERT(mlv_writer_add_buf(w, &id, text, (size_t)n, MLV_OBJ_BLOB) == 0);
	}
	FUZZ_ASSERT(mlv_writer_commit(w) == 0);
	mlv_writer_free(w);
	memset(&p, 0, sizeof(p));
	p.kind = MLV_PTR_FILE;
	p.oid = id;
	p.size = 10;
	snprintf(path, sizeof(path), "%s/data.csv.mlv", root);
	FUZZ_ASSERT(mlv_pointer_write(path, &p) == 0);
	snprintf(path, sizeof(path), "%s/sub", root);
	FUZZ_ASSERT(mkdir(path, 0700) == 0);
	snprintf(path, sizeof(path), "%s/sub/cafe.mlv", root);
	p.oid.id[0] ^= 1; /* not in the store */
	FUZZ_ASSERT(mlv_pointer_write(path, &p) == 0);
	snprintf(path, sizeof(path), "%s/bad.mlv", root);
	FILE *f = fopen(path, "w");
	FUZZ_ASSERT(f && fputs("{\"kind\":\"file\"", f) >= 0 && fclose(f) == 0);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	mlv_spec s;
	char cwd[4400];
	char *text;
	int rc;
	if (!st)
		setup();
	if (size < 1 || size > 4096)
		return 0;
	/* The first byte picks the directory the user typed in. */
	snprintf(cwd, sizeof(cwd), "%s%s", root, (data[0] & 1) ? "/sub" : "");
	if (!(text = fuzz_cstr(data + 1, size - 1)))
		return 0;
	rc = mlv_spec_resolve(&s, st, cwd, text);
	if (rc == 0) {
		FUZZ_ASSERT(s.kind == MLV_SPEC_OID || s.kind == MLV_SPEC_PATH || s.kind == MLV_SPEC_PATH_REV);
		if (s.kind != MLV_SPEC_OID) {
			FUZZ_ASSERT(s.path && s.path[0] && s.path[0] != '/');
			FUZZ_ASSERT(strcmp(s.path, "..") && strncmp(s.path, "../", 3) && !strstr(s.path, "/../") &&
				!strstr(s.path, "//"));
		}
		if (s.in_store)
			FUZZ_ASSERT(s.info.type >= MLV_OBJ_BLOB && s.info.type <= MLV_OBJ_JSON);
	} else {
		FUZZ_ASSERT(rc < 0 && *mlv_error_last());
		FUZZ_ASSERT(s.path == NULL);
	}
	mlv_spec_release(&s);
	free(text);
	return 0;
}
