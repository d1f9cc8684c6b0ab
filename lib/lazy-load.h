/* Hard dependencies loaded on first use (libcjson, libm): see lib/lazy-load.c. */
#ifndef MLV_LAZY_LOAD_H
#define MLV_LAZY_LOAD_H
#include <stddef.h>

/*
 * dlopen SONAME (or the library named by the environment variable TEST_ENV,
 * for the test of the failure) and fill SLOTS[i] with its symbol NAMES[i],
 * for i < N. On failure: "mlv: error: cannot load <lib>: <why>" on stderr
 * and exit 128.
 */
void mlv__lazy_load(const char *soname, const char *test_env, const char *const *names, size_t n, void **slots);

#endif
