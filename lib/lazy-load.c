/* Loading a hard dependency on first use (see include/mlv/cjson.h and lib/libm-load.c for why). */
#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>
#include "lazy-load.h"

/*
 * The one place where libmlv prints and exits: callers of cJSON or of the
 * math functions have no error path for "the library is not there", a
 * hard dependency missing (which the dynamic loader would have reported
 * before main). It is a fatal error like any other: one line, exit 128.
 */
static void fail(const char *so, const char *detail)
{
	fprintf(stderr, "mlv: error: cannot load %s: %s\n", so, detail ? detail : "not found");
	_exit(128);
}

void mlv__lazy_load(const char *soname, const char *test_env, const char *const *names, size_t n, void **slots)
{
	const char *so = getenv(test_env);
	void *h;
	if (!so || !*so)
		so = soname;
	if (!(h = dlopen(so, RTLD_NOW | RTLD_LOCAL)))
		fail(so, dlerror());
	for (size_t i = 0; i < n; i++)
		if (!(slots[i] = dlsym(h, names[i])))
			fail(so, names[i]);
}
