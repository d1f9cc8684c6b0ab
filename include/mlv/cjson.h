/*
 * cJSON, loaded on first use. Include this instead of <cjson/cJSON.h>.
 *
 * `mlv log-metric` is called thousands of times in a training loop and
 * never reads JSON; loading libcjson at start-up (mapping it, relocating
 * it, the page faults) cost every such call about 0.05 ms, a twentieth of
 * the 1 ms budget a call has (bench/runs.sh). So mlv does not link against
 * libcjson: each cJSON function used is a pointer in a table filled from
 * dlopen on the first call, and the names below make the calls read as
 * plain cJSON. cJSON is a hard dependency (the package depends on it): if
 * it cannot be loaded, mlv says so on stderr ("mlv: error: cannot load
 * libcjson.so.1: ...") and exits 128, a fatal error.
 */
#ifndef MLV_CJSON_H
#define MLV_CJSON_H

#include <cjson/cJSON.h>

/* Every cJSON function mlv calls; the table and the loader are made from this list. */
#define MLV_CJSON_FUNCS(X) \
	X(cJSON_AddItemToArray) \
	X(cJSON_AddItemToObject) \
	X(cJSON_AddObjectToObject) \
	X(cJSON_CreateArray) \
	X(cJSON_CreateObject) \
	X(cJSON_CreateString) \
	X(cJSON_Delete) \
	X(cJSON_Duplicate) \
	X(cJSON_GetArrayItem) \
	X(cJSON_GetArraySize) \
	X(cJSON_GetObjectItemCaseSensitive) \
	X(cJSON_InitHooks) \
	X(cJSON_IsArray) \
	X(cJSON_IsBool) \
	X(cJSON_IsFalse) \
	X(cJSON_IsNull) \
	X(cJSON_IsNumber) \
	X(cJSON_IsObject) \
	X(cJSON_IsString) \
	X(cJSON_IsTrue) \
	X(cJSON_ParseWithLength) \
	X(cJSON_ParseWithLengthOpts) \
	X(cJSON_PrintUnformatted)

struct mlv__cjson_fns {
#define MLV_CJSON_FIELD(f) __typeof__(f) *f;
	MLV_CJSON_FUNCS(MLV_CJSON_FIELD)
#undef MLV_CJSON_FIELD
};

extern struct mlv__cjson_fns mlv__cjson_table;
extern int mlv__cjson_ready;

/* Load libcjson (once, thread-safe); exits 128 with a message when it cannot. */
void mlv__cjson_load(void);

static inline const struct mlv__cjson_fns *mlv__cjson(void)
{
	if (__builtin_expect(!__atomic_load_n(&mlv__cjson_ready, __ATOMIC_ACQUIRE), 0))
		mlv__cjson_load();
	return &mlv__cjson_table;
}

/* The calls: cJSON_Delete(j) is (mlv__cjson()->cJSON_Delete)(j). */
#define cJSON_AddItemToArray (mlv__cjson()->cJSON_AddItemToArray)
#define cJSON_AddItemToObject (mlv__cjson()->cJSON_AddItemToObject)
#define cJSON_AddObjectToObject (mlv__cjson()->cJSON_AddObjectToObject)
#define cJSON_CreateArray (mlv__cjson()->cJSON_CreateArray)
#define cJSON_CreateObject (mlv__cjson()->cJSON_CreateObject)
#define cJSON_CreateString (mlv__cjson()->cJSON_CreateString)
#define cJSON_Delete (mlv__cjson()->cJSON_Delete)
#define cJSON_Duplicate (mlv__cjson()->cJSON_Duplicate)
#define cJSON_GetArrayItem (mlv__cjson()->cJSON_GetArrayItem)
#define cJSON_GetArraySize (mlv__cjson()->cJSON_GetArraySize)
#define cJSON_GetObjectItemCaseSensitive (mlv__cjson()->cJSON_GetObjectItemCaseSensitive)
#define cJSON_InitHooks (mlv__cjson()->cJSON_InitHooks)
#define cJSON_IsArray (mlv__cjson()->cJSON_IsArray)
#define cJSON_IsBool (mlv__cjson()->cJSON_IsBool)
#define cJSON_IsFalse (mlv__cjson()->cJSON_IsFalse)
#define cJSON_IsNull (mlv__cjson()->cJSON_IsNull)
#define cJSON_IsNumber (mlv__cjson()->cJSON_IsNumber)
#define cJSON_IsObject (mlv__cjson()->cJSON_IsObject)
#define cJSON_IsString (mlv__cjson()->cJSON_IsString)
#define cJSON_IsTrue (mlv__cjson()->cJSON_IsTrue)
#define cJSON_ParseWithLength (mlv__cjson()->cJSON_ParseWithLength)
#define cJSON_ParseWithLengthOpts (mlv__cjson()->cJSON_ParseWithLengthOpts)
#define cJSON_PrintUnformatted (mlv__cjson()->cJSON_PrintUnformatted)

#endif
