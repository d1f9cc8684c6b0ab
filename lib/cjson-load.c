/* Loading libcjson at run time (see include/mlv/cjson.h for why). */
#include <dlfcn.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>
#include "mlv/cjson.h"

#undef cJSON_AddItemToArray
#undef cJSON_AddItemToObject
#undef cJSON_AddObjectToObject
#undef cJSON_CreateArray
#undef cJSON_CreateObject
#undef cJSON_CreateString
#undef cJSON_Delete
#undef cJSON_Duplicate
#undef cJSON_GetArrayItem
#undef cJSON_GetArraySize
#undef cJSON_GetObjectItemCaseSensitive
#undef cJSON_InitHooks
#undef cJSON_IsArray
#undef cJSON_IsBool
#undef cJSON_IsFalse
#undef cJSON_IsNull
#undef cJSON_IsNumber
#undef cJSON_IsObject
#undef cJSON_IsString
#undef cJSON_IsTrue
#undef cJSON_ParseWithLength
#undef cJSON_ParseWithLengthOpts
#undef cJSON_PrintUnformatted

#ifndef MLV_LIBCJSON_SONAME
#define MLV_LIBCJSON_SONAME "libcjson.so.1"
#endif

struct mlv__cjson_fns mlv__cjson_table;
int mlv__cjson_ready;

static const char *const names[] = {
#define MLV_CJSON_NAME(f) #f,
	MLV_CJSON_FUNCS(MLV_CJSON_NAME)
#undef MLV_CJSON_NAME
};

static pthread_once_t once = PTHREAD_ONCE_INIT;

/*
 * The one place where libmlv prints and exits: callers of cJSON have no
 * error path for "the library is not there", a hard dependency missing
 * (which the dynamic loader would have reported before main). It is a
 * fatal error like any other: one line, exit 128.
 */
static void fail(const char *what, const char *detail)
{
	fprintf(stderr, "mlv: error: cannot load %s: %s\n", what, detail ? detail : "not found");
	_exit(128);
}

static void load(void)
{
	/* MLV_TEST_LIBCJSON: another name, for the test of the failure */
	const char *so = getenv("MLV_TEST_LIBCJSON");
	void *h, **slot = (void **)&mlv__cjson_table;
	if (!so || !*so)
		so = MLV_LIBCJSON_SONAME;
	if (!(h = dlopen(so, RTLD_NOW | RTLD_LOCAL)))
		fail(so, dlerror());
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (!(slot[i] = dlsym(h, names[i])))
			fail(so, names[i]);
	__atomic_store_n(&mlv__cjson_ready, 1, __ATOMIC_RELEASE);
}

void mlv__cjson_load(void)
{
	pthread_once(&once, load);
}
