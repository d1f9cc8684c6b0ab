/*
 * Allocation in libmlv goes through these wrappers (instead of malloc and
 * friends directly) so that the unit tests can make the N-th allocation
 * fail and check that every failure is a clean error (tests/unit/
 * test_nomem.c). Unarmed, each is its libc function plus one relaxed atomic
 * load. Memory is released with free() as usual.
 */
#ifndef MLV_ALLOC_H
#define MLV_ALLOC_H

#include <stddef.h>

void *mlv__malloc(size_t size);
void *mlv__calloc(size_t n, size_t size);
void *mlv__realloc(void *p, size_t size);
char *mlv__strdup(const char *s);
char *mlv__strndup(const char *s, size_t n);
/* realpath(PATH, NULL): a malloc'd result. */
char *mlv__realpath(const char *path);
int mlv__asprintf(char **out, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/*
 * cJSON_ParseWithLengthOpts (no NUL required) with cJSON's allocations
 * routed through mlv__malloc. On NULL, *NOMEM says whether an allocation
 * failed (then the text is not known to be bad: report MLV_ENOMEM), else
 * *END points where the text went wrong.
 */
typedef struct cJSON cJSON;
cJSON *mlv__json_parse(const char *text, size_t len, const char **end, int *nomem);

/*
 * Test hook: count the allocations from now on and make the N-th fail
 * (1-based; only that one, the next ones succeed again). 0 disarms and
 * stops counting. Allocations of other threads count too.
 */
void mlv__alloc_fail_at(unsigned long n);
/* Allocations counted since the last mlv__alloc_fail_at. */
unsigned long mlv__alloc_count(void);

#endif
