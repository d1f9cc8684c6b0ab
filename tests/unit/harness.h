/* A tiny unit-test harness: CHECK macros, a fresh temporary directory per test program. */
#ifndef MLV_TEST_HARNESS_H
#define MLV_TEST_HARNESS_H

#include <stdio.h>
#include <string.h>
#include "mlv/mlv.h"

extern int test_failures;
extern int test_checks;

#define CHECK(cond) do { \
	test_checks++; \
	if (!(cond)) { \
		test_failures++; \
		fprintf(stderr, "%s:%d: CHECK(%s) failed; last error: %s\n", __FILE__, __LINE__, #cond, mlv_error_last()); \
	} \
} while (0)

#define CHECK_RC(expr, want) do { \
	int rc_ = (expr); \
	test_checks++; \
	if (rc_ != (want)) { \
		test_failures++; \
		fprintf(stderr, "%s:%d: %s returned %d, expected %d; last error: %s\n", __FILE__, __LINE__, #expr, rc_, (want), mlv_error_last()); \
	} \
} while (0)

#define CHECK_OK(expr) CHECK_RC(expr, 0)

#define CHECK_STR(got, want) do { \
	const char *g_ = (got), *w_ = (want); \
	test_checks++; \
	if (!g_ || strcmp(g_, w_)) { \
		test_failures++; \
		fprintf(stderr, "%s:%d: got \"%s\", expected \"%s\"\n", __FILE__, __LINE__, g_ ? g_ : "(null)", w_); \
	} \
} while (0)

/* A fresh directory for this test program (under $MLV_TEST_TMP or /tmp); removed at exit when all passed. */
const char *test_tmpdir(void);
/* A new subdirectory of test_tmpdir() named NAME; returns its path (static storage per call, strdup'd). */
char *test_subdir(const char *name);
/* Fill BUF with LEN pseudo-random bytes from SEED (deterministic). */
void test_random(void *buf, size_t len, unsigned long long seed);
/* Write LEN bytes to PATH. */
void test_write_file(const char *path, const void *data, size_t len);
/* Print the summary line and return the exit status for main(). */
int test_done(const char *name);

#endif
