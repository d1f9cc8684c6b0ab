/* A minimal fork-join thread pool (see pool.c). */
#ifndef MLV_POOL_H
#define MLV_POOL_H
#include <stddef.h>
struct mlv_pool;
typedef void (*mlv_pool_fn)(void *arg, size_t i);
int mlv__pool_new(struct mlv_pool **out);
void mlv__pool_run(struct mlv_pool *p, size_t n, mlv_pool_fn fn, void *arg);
void mlv__pool_free(struct mlv_pool *p);
#endif
