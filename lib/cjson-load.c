/* Loading libcjson at run time (see include/mlv/cjson.h for why). */
#include <pthread.h>
#include "mlv/cjson.h"
#include "lazy-load.h"

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

static void load(void)
{
	/* MLV_TEST_LIBCJSON: another name, for the test of the failure */
	mlv__lazy_load(MLV_LIBCJSON_SONAME, "MLV_TEST_LIBCJSON", names, sizeof(names) / sizeof(names[0]),
		(void **)&mlv__cjson_table);
	__atomic_store_n(&mlv__cjson_ready, 1, __ATOMIC_RELEASE);
}

void mlv__cjson_load(void)
{
	pthread_once(&once, load);
}
