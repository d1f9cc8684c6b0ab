/*
 * gen-runs: add recorded runs to a store through libmlv (mlv_run_import),
 * for bench/runs.sh: 100,000 `mlv run` processes would take hours, and the
 * listing only needs the records and the runs index that real runs make.
 *
 *   gen-runs MLVDIR COUNT SEED [FIRST]
 *       Adds COUNT runs numbered FIRST.. (default 0) to the store MLVDIR
 *       (the .mlv directory). Run k depends only on (SEED, k): its id, a
 *       name for one run in 50 ("baseline-<k>"), the command, 4 params (lr,
 *       batch, layers, optimizer), 3 metrics (auc, loss, acc) with a history
 *       of 10 steps each (auc's latest value uniform in [0.5, 1), so about
 *       20% of runs have auc > 0.9), start times one minute apart, a status
 *       of 1 for one run in 20, a git commit, the environment and empty
 *       captured streams: a record of about 2.5 KB, like a short training
 *       run's. Runs are imported 2,000 per index transaction.
 *
 * Built by CMake (target gen-runs, not built by default; bench/lib.sh builds it).
 */
#include <inttypes.h>
#include <math.h>
#include <time.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "mlv/mlv.h"
#include "mlv/run.h"

static uint64_t mix(uint64_t x)
{
	x += 0x9e3779b97f4a7c15ULL;
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
	x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
	return x ^ (x >> 31);
}

/* Uniform in [0, 1) from (seed, k, what). */
static double unit(uint64_t seed, uint64_t k, uint64_t what)
{
	return (double)(mix(seed ^ mix(k * 16 + what)) >> 11) / 9007199254740992.0;
}

static void record(mlv_buf *b, uint64_t seed, uint64_t k, const char *empty)
{
	static const char *const opt[] = { "adam", "sgd", "adamw", "rmsprop" };
	int64_t start = 1767225600000LL + (int64_t)k * 60000, dur = 1000 + (int64_t)(unit(seed, k, 1) * 600000);
	/* 4 decimals, as a training script would log them */
	double auc = round(1e4 * (0.5 + 0.5 * unit(seed, k, 2))) / 1e4, loss = round(1e4 * (0.05 + 2 * unit(seed, k, 3))) / 1e4;
	double acc = round(1e4 * (0.4 + 0.6 * unit(seed, k, 4))) / 1e4;
	char t0[32], t1[32];
	time_t s0 = (time_t)(start / 1000), s1 = (time_t)((start + dur) / 1000);
	struct tm tm;
	strftime(t0, sizeof(t0), "%Y-%m-%dT%H:%M:%S", gmtime_r(&s0, &tm));
	strftime(t1, sizeof(t1), "%Y-%m-%dT%H:%M:%S", gmtime_r(&s1, &tm));
	mlv_buf_printf(b, "{\"schema\":\"mlv.run/1\",\"id\":\"%016" PRIx64 "%016" PRIx64 "\"", mix(seed * 2 + k),
		mix(mix(seed * 2 + 1) ^ k));
	if (k % 50 == 0)
		mlv_buf_printf(b, ",\"name\":\"baseline-%" PRIu64 "\"", k);
	mlv_buf_printf(b, ",\"command\":[\"python3\",\"train.py\",\"--epochs\",\"10\",\"--seed\",\"%" PRIu64 "\"]", k);
	mlv_buf_printf(b, ",\"start\":\"%s.%03dZ\",\"start_ms\":%" PRId64 ",\"end\":\"%s.%03dZ\",\"end_ms\":%" PRId64
		",\"duration_ms\":%" PRId64 ",\"status\":%d", t0, (int)(start % 1000), start, t1,
		(int)((start + dur) % 1000), start + dur, dur, k % 20 == 7 ? 1 : 0);
	mlv_buf_printf(b, ",\"params\":{\"lr\":\"%g\",\"batch\":\"%d\",\"layers\":\"%d\",\"optimizer\":\"%s\"}",
		0.0001 * (1 + (int)(unit(seed, k, 5) * 100)), 16 << (int)(unit(seed, k, 6) * 5),
		2 + (int)(unit(seed, k, 7) * 10), opt[(int)(unit(seed, k, 8) * 4)]);
	mlv_buf_puts(b, ",\"metrics\":{");
	for (int m = 0; m < 3; m++) {
		const char *name = m == 0 ? "auc" : m == 1 ? "loss" : "acc";
		double last = m == 0 ? auc : m == 1 ? loss : acc;
		mlv_buf_printf(b, "%s\"%s\":{\"history\":[", m ? "," : "", name);
		for (int st = 0; st < 10; st++) {
			/* approach the last value from a worse start */
			double v = m == 1 ? last * (1 + (9 - st) * 0.3) : last * (0.55 + 0.05 * st);
			mlv_buf_printf(b, "%s[%d,%.6g,%" PRId64 "]", st ? "," : "", st, st == 9 ? last : v,
				start + (st + 1) * (dur / 10));
		}
		mlv_buf_printf(b, "],\"latest\":%.4f,\"step\":9}", last);
	}
	mlv_buf_printf(b, "},\"git\":{\"commit\":\"%016" PRIx64 "%016" PRIx64 "%08x\",\"dirty\":%s}", mix(seed + k / 10),
		mix(seed + k / 10 + 1), (unsigned)(k / 10), k % 3 ? "false" : "true");
	mlv_buf_puts(b, ",\"deps\":[],\"outs\":[]");
	mlv_buf_printf(b, ",\"stdout\":{\"oid\":\"sha256:%s\",\"size\":0},\"stderr\":{\"oid\":\"sha256:%s\",\"size\":0}",
		empty, empty);
	mlv_buf_puts(b, ",\"env\":{\"os\":\"Linux\",\"kernel\":\"6.1.0-18-amd64\",\"machine\":\"x86_64\",\"host\":\"trainer\","
		"\"cpu\":{\"count\":16,\"model\":\"AMD EPYC 7B13\"},\"memory_bytes\":67430985728,"
		"\"python\":{\"best_effort\":true,\"version\":\"3.11.2\",\"packages\":[\"numpy==1.24.2\",\"pandas==1.5.3\","
		"\"scikit-learn==1.2.1\",\"scipy==1.10.1\",\"torch==2.1.0\"]}}}");
}

int main(int argc, char **argv)
{
	enum { BATCH = 2000 };
	mlv_store *st = NULL;
	mlv_writer *w = NULL;
	mlv_oid eo;
	char empty[MLV_OID_HEXSZ + 1];
	mlv_buf bufs[BATCH];
	const char *recs[BATCH];
	size_t lens[BATCH];
	uint64_t count, seed, first;

	if (argc < 4 || argc > 5) {
		fprintf(stderr, "usage: gen-runs MLVDIR COUNT SEED [FIRST]\n");
		return 2;
	}
	count = strtoull(argv[2], NULL, 10);
	seed = strtoull(argv[3], NULL, 10);
	first = argc > 4 ? strtoull(argv[4], NULL, 10) : 0;
	if (mlv_store_open(&st, argv[1]) || mlv_writer_new(&w, st) || mlv_writer_add_buf(w, &eo, "", 0, MLV_OBJ_BLOB) ||
	    mlv_writer_commit(w)) {
		fprintf(stderr, "gen-runs: %s\n", mlv_error_last());
		return 1;
	}
	mlv_writer_free(w);
	mlv_oid_fmt(empty, &eo);
	for (int i = 0; i < BATCH; i++)
		bufs[i] = (mlv_buf)MLV_BUF_INIT;
	for (uint64_t k = first; k < first + count;) {
		size_t n = 0;
		for (; n < BATCH && k < first + count; n++, k++) {
			mlv_buf_clear(&bufs[n]);
			record(&bufs[n], seed, k, empty);
			recs[n] = bufs[n].ptr;
			lens[n] = bufs[n].size;
		}
		if (mlv_run_import(st, recs, lens, n)) {
			fprintf(stderr, "gen-runs: %s\n", mlv_error_last());
			return 1;
		}
	}
	for (int i = 0; i < BATCH; i++)
		mlv_buf_release(&bufs[i]);
	mlv_store_free(st);
	return 0;
}
