/*
 * Shared by the fuzz targets (fuzz/<name>.c): each defines
 * LLVMFuzzerTestOneInput and is linked either with libFuzzer (clang,
 * -DMLV_FUZZ=ON) or with replay.c, a main() that feeds it the files of a
 * corpus (every build; ctest runs it on fuzz/corpus/<name>).
 */
#ifndef MLV_FUZZ_H
#define MLV_FUZZ_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "mlv/mlv.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* A property that must hold: print what broke and abort, so the fuzzer saves the input. */
#define FUZZ_ASSERT(cond) do { \
	if (!(cond)) { \
		fprintf(stderr, "%s:%d: property failed: %s (last error: %s)\n", __FILE__, __LINE__, #cond, \
			mlv_error_last()); \
		abort(); \
	} \
} while (0)

/* DATA as a NUL-terminated string (caller frees); NULL when out of memory. */
static inline char *fuzz_cstr(const uint8_t *data, size_t size)
{
	char *s = malloc(size + 1);
	if (s) {
		memcpy(s, data, size);
		s[size] = '\0';
	}
	return s;
}

/* An anonymous file holding DATA, positioned at 0, or -1. */
int fuzz_memfd(const void *data, size_t size);

/* A fresh directory for a target's scratch files (created once per process). */
const char *fuzz_tmpdir(void);

#endif
