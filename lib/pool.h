/* A minimal fork-join thread pool (see pool.c). */
#ifndef MLV_POOL_H
#define MLV_POOL_H
#include <stddef.h>
struct mlv_pool;
typedef void (*mlv_pool_fn)(void *arg, size_t i);
/* A pool of one thread fewer than the cores (at most 7): the caller's thread is the last. */
int mlv__pool_new(struct mlv_pool **out);
/* A pool of WANT threads besides the caller's (e.g. more than the cores, for I/O). */
int mlv__pool_new_n(struct mlv_pool **out, int want);
void mlv__pool_run(struct mlv_pool *p, size_t n, mlv_pool_fn fn, void *arg);
/* Start a batch and return; at most one batch may be in flight. */
void mlv__pool_submit(struct mlv_pool *p, size_t n, mlv_pool_fn fn, void *arg);
/* Run what is left of the batch on this thread too, and wait for all of it. */
void mlv__pool_wait(struct mlv_pool *p);
void mlv__pool_free(struct mlv_pool *p);
#endif
