/* Loading libgit2 at run time (see git-load.h for why). */
#include <dlfcn.h>
#include <pthread.h>
#include <stddef.h>
#include <stdio.h>
#include "mlv/error.h"
#include "git-load.h"

struct mlv__git_fns mlv__git;

#ifndef MLV_LIBGIT2_SONAME
#define MLV_LIBGIT2_SONAME "libgit2.so"
#endif

/* In the order of the table's fields. */
static const char *const names[] = {
#define MLV_GIT_NAME(f) #f,
	MLV_GIT_FUNCS(MLV_GIT_NAME)
#undef MLV_GIT_NAME
};

static pthread_once_t once = PTHREAD_ONCE_INIT;
static char failure[512];
static int loaded;

static void load(void)
{
	static const char *const sonames[] = { MLV_LIBGIT2_SONAME, "libgit2.so", NULL };
	void *h = NULL;
	const char *used = NULL;
	for (int i = 0; sonames[i] && !h; i++)
		if ((h = dlopen(sonames[i], RTLD_NOW | RTLD_LOCAL)))
			used = sonames[i];
	if (!h) {
		const char *e = dlerror();
		snprintf(failure, sizeof(failure), "cannot load libgit2 (%s): %s", MLV_LIBGIT2_SONAME, e ? e : "not found");
		return;
	}
	/* the table is an array of function pointers in the order of names[] */
	void **slot = (void **)&mlv__git;
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		if (!(slot[i] = dlsym(h, names[i]))) {
			snprintf(failure, sizeof(failure), "cannot load libgit2 (%s): it has no %s", used, names[i]);
			return;
		}
	}
	loaded = 1;
}

int mlv__git_load(void)
{
	pthread_once(&once, load);
	return failure[0] ? mlv_error_set(MLV_ERROR, "%s", failure) : 0;
}

int mlv__git_loaded(void) { return loaded; }
