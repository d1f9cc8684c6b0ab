/*
 * gen-registry: fills a store with a large model registry for
 * bench/registry.sh, through libmlv (the same calls `mlv register` and
 * `mlv promote` make), in one process instead of one process per event.
 *
 *   gen-registry STOREDIR MODELS VERSIONS EVENTS SEED
 *
 * Creates MODELS models "m00000", "m00001", ..., each with VERSIONS versions
 * (small distinct artifacts, metrics auc and loss, a param), then promotes
 * and rolls back until the model has EVENTS events in all: promotes of a
 * random version to "staging" or "production" (every fourth with a gate),
 * and every tenth a rollback of production. Event times are spread one
 * minute apart from 2026-01-01T00:00:00Z (through MLV_TEST_NOW_MS, the
 * registry's clock hook), so `history --at` has a long past to search.
 * Prints "models versions events seconds" on stdout.
 *
 * Build (bench/registry.sh does this):
 *   cc -O2 -I include bench/gen-registry.c <build>/libmlv.a \
 *      $(pkg-config --libs lmdb libzstd libcjson libcrypto) -lpthread -ldl -lm
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "mlv/error.h"
#include "mlv/registry.h"
#include "mlv/store.h"

/*
 * Fixture data need not survive a crash (a crash means generating again),
 * so this process skips syncs: these definitions take the place of libc's
 * for libmlv and LMDB alike. The commands bench/registry.sh times run the
 * real mlv binary, with every sync.
 */
int fsync(int fd)
{
	(void)fd;
	return 0;
}

int fdatasync(int fd)
{
	(void)fd;
	return 0;
}

static uint64_t rng_state;

static uint64_t rnd(void)
{
	uint64_t z = (rng_state += 0x9e3779b97f4a7c15ULL);
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

static int64_t clock_ms = 1767225600000LL; /* 2026-01-01T00:00:00Z */

static void tick(void)
{
	char s[32];
	clock_ms += 60000;
	snprintf(s, sizeof(s), "%lld", (long long)clock_ms);
	setenv("MLV_TEST_NOW_MS", s, 1);
}

static void fail(const char *what)
{
	fprintf(stderr, "gen-registry: %s: %s\n", what, mlv_error_last());
	exit(1);
}

int main(int argc, char **argv)
{
	mlv_store *st = NULL;
	mlv_reg_identity who = { "Bench", "bench@example.com" };
	char art[4096], name[32], metric[2][64], param[64];
	const char *metrics[2] = { metric[0], metric[1] }, *params[1] = { param };
	struct timespec t0, t1;
	unsigned long models, versions, events, total = 0;
	int fd;

	if (argc != 6) {
		fprintf(stderr, "usage: gen-registry STOREDIR MODELS VERSIONS EVENTS SEED\n");
		return 2;
	}
	models = strtoul(argv[2], NULL, 10);
	versions = strtoul(argv[3], NULL, 10);
	events = strtoul(argv[4], NULL, 10);
	rng_state = strtoull(argv[5], NULL, 10);
	if (!versions || events < versions) {
		fprintf(stderr, "gen-registry: need 1 <= VERSIONS <= EVENTS\n");
		return 2;
	}
	if (mlv_store_open(&st, argv[1]))
		fail("cannot open the store");
	snprintf(art, sizeof(art), "%s/gen-registry-artifact", argv[1]);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (unsigned long m = 0; m < models; m++) {
		unsigned long n = 0;
		int have_prod = 0;
		snprintf(name, sizeof(name), "m%05lu", m);
		for (unsigned long v = 1; v <= versions; v++, n++) {
			mlv_register_opts o;
			mlv_model_version out;
			char body[128];
			int len = snprintf(body, sizeof(body), "weights of %s version %lu seed %s\n", name, v, argv[5]);
			if ((fd = open(art, O_WRONLY | O_CREAT | O_TRUNC, 0644)) < 0 || write(fd, body, (size_t)len) != len ||
			    close(fd))
				return perror(art), 1;
			snprintf(metric[0], sizeof(metric[0]), "auc=%.4f", 0.80 + (double)(rnd() % 1500) / 10000.0);
			snprintf(metric[1], sizeof(metric[1]), "loss=%.4f", (double)(rnd() % 5000) / 10000.0);
			snprintf(param, sizeof(param), "depth=%u", (unsigned)(3 + rnd() % 8));
			memset(&o, 0, sizeof(o));
			o.name = name;
			o.path = art;
			o.metrics = metrics;
			o.nmetrics = 2;
			o.params = params;
			o.nparams = 1;
			o.who = who;
			tick();
			if (mlv_registry_register(st, &o, &out))
				fail("register");
		}
		while (n < events) {
			if (have_prod && n % 10 == 9) {
				mlv_reg_action a = { name, 0, "production", NULL, who };
				mlv_reg_outcome r;
				tick();
				if (mlv_registry_rollback(st, &a, &r) == 0) {
					n++;
					continue;
				}
				mlv_error_clear(); /* no earlier holder: promote instead */
			}
			{
				mlv_promote_opts o;
				mlv_promote_result r;
				const char *gate = "metrics.auc >= 0.5";
				memset(&o, 0, sizeof(o));
				o.name = name;
				o.version = (uint32_t)(1 + rnd() % versions);
				o.alias = rnd() % 2 ? "production" : "staging";
				if (n % 4 == 0) {
					o.gates = &gate;
					o.ngates = 1;
				}
				o.who = who;
				tick();
				if (mlv_registry_promote(st, &o, &r))
					fail("promote");
				if (r.moved) {
					n++;
					have_prod |= !strcmp(o.alias, "production");
				}
				mlv_promote_result_release(&r);
			}
		}
		total += n;
	}
	clock_gettime(CLOCK_MONOTONIC, &t1);
	unlink(art);
	mlv_store_free(st);
	printf("%lu %lu %lu %.3f\n", models, models * versions, total,
		(double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9);
	return 0;
}
