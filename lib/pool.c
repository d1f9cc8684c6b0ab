/*
 * A minimal fork-join thread pool: mlv__pool_run(n, fn, arg) runs fn(arg, i)
 * for i in [0, n) on the pool's threads and the caller's, and returns when
 * all are done; mlv__pool_submit starts a batch and returns at once, so the
 * caller can read and cut the next block meanwhile, and mlv__pool_wait
 * helps with and waits for the rest. One batch at a time. Used to hash and
 * compress the chunks of a block in parallel.
 */
#include <pthread.h>
#include <stdlib.h>
#include <unistd.h>
#include "pool.h"
#include "alloc.h"

struct mlv_pool {
	pthread_mutex_t mu;
	pthread_cond_t work, done;
	pthread_t *threads;
	int nthreads;
	int stop;
	unsigned long gen;     /* bumped for each batch */
	mlv_pool_fn fn;
	void *arg;
	size_t n, next, finished;
};

static void run_some(struct mlv_pool *p)
{
	for (;;) {
		size_t i;
		mlv_pool_fn fn;
		void *arg;
		pthread_mutex_lock(&p->mu);
		if (p->next >= p->n) {
			pthread_mutex_unlock(&p->mu);
			return;
		}
		i = p->next++;
		fn = p->fn;
		arg = p->arg;
		pthread_mutex_unlock(&p->mu);
		fn(arg, i);
		pthread_mutex_lock(&p->mu);
		if (++p->finished == p->n)
			pthread_cond_broadcast(&p->done);
		pthread_mutex_unlock(&p->mu);
	}
}

static void *worker(void *arg)
{
	struct mlv_pool *p = arg;
	unsigned long seen = 0;
	pthread_mutex_lock(&p->mu);
	for (;;) {
		while (!p->stop && p->gen == seen)
			pthread_cond_wait(&p->work, &p->mu);
		if (p->stop)
			break;
		seen = p->gen;
		pthread_mutex_unlock(&p->mu);
		run_some(p);
		pthread_mutex_lock(&p->mu);
	}
	pthread_mutex_unlock(&p->mu);
	return NULL;
}

int mlv__pool_new(struct mlv_pool **out)
{
	long ncpu = sysconf(_SC_NPROCESSORS_ONLN);
	return mlv__pool_new_n(out, ncpu > 1 ? (int)(ncpu > 8 ? 7 : ncpu - 1) : 0);
}

int mlv__pool_new_n(struct mlv_pool **out, int want)
{
	struct mlv_pool *p = mlv__calloc(1, sizeof(*p));
	*out = NULL;
	if (!p)
		return -1;
	pthread_mutex_init(&p->mu, NULL);
	pthread_cond_init(&p->work, NULL);
	pthread_cond_init(&p->done, NULL);
	if (want && !(p->threads = mlv__calloc((size_t)want, sizeof(pthread_t)))) {
		free(p);
		return -1;
	}
	for (int i = 0; i < want; i++) {
		if (pthread_create(&p->threads[i], NULL, worker, p))
			break;
		p->nthreads++;
	}
	*out = p;
	return 0;
}

void mlv__pool_submit(struct mlv_pool *p, size_t n, mlv_pool_fn fn, void *arg)
{
	pthread_mutex_lock(&p->mu);
	p->fn = fn;
	p->arg = arg;
	p->n = n;
	p->next = 0;
	p->finished = 0;
	p->gen++;
	pthread_cond_broadcast(&p->work);
	pthread_mutex_unlock(&p->mu);
}

void mlv__pool_wait(struct mlv_pool *p)
{
	run_some(p); /* help with what is left rather than sleep */
	pthread_mutex_lock(&p->mu);
	while (p->finished < p->n)
		pthread_cond_wait(&p->done, &p->mu);
	pthread_mutex_unlock(&p->mu);
}

void mlv__pool_run(struct mlv_pool *p, size_t n, mlv_pool_fn fn, void *arg)
{
	mlv__pool_submit(p, n, fn, arg);
	mlv__pool_wait(p);
}

void mlv__pool_free(struct mlv_pool *p)
{
	if (!p)
		return;
	pthread_mutex_lock(&p->mu);
	p->stop = 1;
	pthread_cond_broadcast(&p->work);
	pthread_mutex_unlock(&p->mu);
	for (int i = 0; i < p->nthreads; i++)
		pthread_join(p->threads[i], NULL);
	free(p->threads);
	pthread_mutex_destroy(&p->mu);
	pthread_cond_destroy(&p->work);
	pthread_cond_destroy(&p->done);
	free(p);
}
