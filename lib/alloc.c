/* The allocation wrappers of alloc.h and their failure-injection hook. */
#include <errno.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "mlv/cjson.h"
#include <pthread.h>
#include "alloc.h"

static atomic_ulong fail_at;  /* 0: unarmed */
static atomic_ulong counted;

/* 1 when this allocation is the one to fail. */
static int should_fail(void)
{
	unsigned long n = atomic_load_explicit(&fail_at, memory_order_relaxed);
	if (!n)
		return 0;
	if (atomic_fetch_add_explicit(&counted, 1, memory_order_relaxed) + 1 != n)
		return 0;
	errno = ENOMEM; /* as a failing libc allocation sets it */
	return 1;
}

void mlv__alloc_fail_at(unsigned long n)
{
	atomic_store(&counted, 0);
	atomic_store(&fail_at, n);
}

unsigned long mlv__alloc_count(void)
{
	return atomic_load(&counted);
}

void *mlv__malloc(size_t size)
{
	return should_fail() ? NULL : malloc(size);
}

void *mlv__calloc(size_t n, size_t size)
{
	return should_fail() ? NULL : calloc(n, size);
}

void *mlv__realloc(void *p, size_t size)
{
	return should_fail() ? NULL : realloc(p, size);
}

char *mlv__strdup(const char *s)
{
	return should_fail() ? NULL : strdup(s);
}

char *mlv__strndup(const char *s, size_t n)
{
	return should_fail() ? NULL : strndup(s, n);
}

char *mlv__realpath(const char *path)
{
	return should_fail() ? NULL : realpath(path, NULL);
}

int mlv__asprintf(char **out, const char *fmt, ...)
{
	va_list ap;
	int n;
	if (should_fail()) {
		*out = NULL;
		return -1;
	}
	va_start(ap, fmt);
	n = vasprintf(out, fmt, ap);
	va_end(ap);
	return n;
}

static _Thread_local int json_nomem;

static void *json_malloc(size_t size)
{
	void *p = mlv__malloc(size);
	if (!p)
		json_nomem = 1;
	return p;
}

static pthread_once_t json_once = PTHREAD_ONCE_INIT;

static void json_hooks(void)
{
	cJSON_Hooks h = { json_malloc, free };
	cJSON_InitHooks(&h);
}

cJSON *mlv__json_parse(const char *text, size_t len, const char **end, int *nomem)
{
	cJSON *j;
	pthread_once(&json_once, json_hooks);
	json_nomem = 0;
	j = cJSON_ParseWithLengthOpts(text, len, end, 0);
	*nomem = !j && json_nomem;
	return j;
}
