/*
 * Unit tests of the runs' sort index (lib/runsort.c): mlv_run_walk gives the
 * runs in the order a full read of the summaries gives (checked against a
 * brute-force order over random runs with ties, NaN, ±inf, missing values,
 * reused names and tags), name and tag specs resolve to the newest run, a
 * replaced run leaves no stale key, a store without the index is scanned
 * and gets the index with its next run, and fsck's check sees a damaged
 * index that the rebuild repairs.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "harness.h"
#include "internal.h"
#include "mlv/jsonscan.h"
#include "mlv/run.h"

#define NRUNS 400

struct run {
	char id[MLV_RUN_IDSZ + 1];
	long long start;
	int has;         /* 1: auc is a number (not NaN) */
	double auc;
	char name[16];
	char tag[16];
};

static struct run runs[NRUNS];
static unsigned long long rng = 88172645463325252ull;

static unsigned rnd(unsigned n)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return (unsigned)(rng % n);
}

/* A record for mlv_run_import: auc one of a few values (ties), NaN, ±inf or absent. */
static void make_record(mlv_buf *b, struct run *r, int i)
{
	static const char *const aucs[] = { "0.5", "0.75", "0.25", "1", "0", "-0.5", "\"nan\"", "\"inf\"", "\"-inf\"", NULL };
	const char *auc = aucs[rnd(10)];
	snprintf(r->id, sizeof(r->id), "%08x%08x%08x%08x", rnd(1u << 31), rnd(1u << 31), (unsigned)i, rnd(1u << 31));
	r->start = 1700000000000LL + rnd(NRUNS / 2) * 1000; /* many equal start times */
	snprintf(r->name, sizeof(r->name), "n%u", rnd(20));
	snprintf(r->tag, sizeof(r->tag), "t%u", rnd(7));
	r->has = auc && strcmp(auc, "\"nan\"");
	if (r->has)
		r->auc = auc[0] == '"' ? (auc[1] == '-' ? -INFINITY : INFINITY) : strtod(auc, NULL);
	mlv_buf_clear(b);
	mlv_buf_printf(b, "{\"schema\":\"mlv.run/1\",\"id\":\"%s\",\"start\":\"x\",\"start_ms\":%lld,\"duration_ms\":1,"
		"\"status\":0,\"name\":\"%s\",\"params\":{},\"tags\":{\"grp\":\"%s\"},\"metrics\":{",
		r->id, r->start, r->name, r->tag);
	if (auc)
		mlv_buf_printf(b, "\"auc\":{\"latest\":%s},", auc);
	mlv_buf_puts(b, "\"loss\":{\"latest\":1}}}");
}

/* The order `mlv runs --sort [-]metrics.auc` gives: values (missing last), then newest, then id. */
static int desc_order;
static int order_cmp(const void *a, const void *b)
{
	const struct run *x = *(struct run *const *)a, *y = *(struct run *const *)b;
	if (x->has != y->has)
		return y->has - x->has;
	if (x->has && x->auc != y->auc)
		return (x->auc < y->auc) == desc_order ? 1 : -1;
	if (x->start != y->start)
		return x->start > y->start ? -1 : 1;
	return strcmp(y->id, x->id);
}

struct seen {
	struct run *v[NRUNS + 8];
	int n;
	int stop_after;
	int bad;
};

static struct run *find(const char *id)
{
	for (int i = 0; i < NRUNS; i++)
		if (!strcmp(runs[i].id, id))
			return &runs[i];
	return NULL;
}

static int walked(void *payload, const char *id, const mlv_oid *record, const char *summary, size_t len,
	const double *value)
{
	struct seen *s = payload;
	struct run *r = find(id);
	(void)record;
	(void)summary;
	(void)len;
	if (!r || s->n >= NRUNS + 8) {
		s->bad++;
		return 1;
	}
	/* a value with exactly the runs that have one, and it is theirs */
	if ((value != NULL) != r->has || (value && *value != r->auc))
		s->bad++;
	s->v[s->n++] = r;
	return s->stop_after && s->n == s->stop_after;
}

/*
 * The walk by metric, checked against the brute-force order: the same runs,
 * values monotonic, missing values newest first; equal values may come in
 * any order, so runs are compared by value, start and id groups.
 */
static void check_metric_walk(mlv_store *st, int desc)
{
	struct run *want[NRUNS];
	struct seen s = { { 0 }, 0, 0, 0 };
	for (int i = 0; i < NRUNS; i++)
		want[i] = &runs[i];
	desc_order = desc;
	qsort(want, NRUNS, sizeof(*want), order_cmp);
	CHECK_OK(mlv_run_walk(st, "auc", desc, walked, &s));
	CHECK(s.bad == 0);
	CHECK(s.n == NRUNS);
	for (int i = 0; i < s.n && i < NRUNS; i++) {
		CHECK(s.v[i]->has == want[i]->has);
		if (s.v[i]->has)
			CHECK(s.v[i]->auc == want[i]->auc);
		else
			CHECK(s.v[i] == want[i]); /* the missing part is in the listing's own order */
	}
}

static void check_start_walk(mlv_store *st)
{
	struct run *want[NRUNS];
	struct seen s = { { 0 }, 0, 5, 0 };
	for (int i = 0; i < NRUNS; i++) {
		want[i] = &runs[i];
		want[i]->has = 0; /* order_cmp then orders by start and id only */
	}
	qsort(want, NRUNS, sizeof(*want), order_cmp);
	CHECK_OK(mlv_run_walk(st, NULL, 1, walked, &s));
	CHECK(s.n == 5); /* FN stopped it */
	for (int i = 0; i < s.n; i++)
		CHECK(s.v[i] == want[i]);
}

/* The newest run (start, then id) named NAME, or tagged grp=TAG. */
static const char *newest(const char *name, const char *tag)
{
	struct run *best = NULL;
	for (int i = 0; i < NRUNS; i++) {
		struct run *r = &runs[i];
		if (name ? strcmp(r->name, name) : strcmp(r->tag, tag))
			continue;
		if (!best || r->start > best->start || (r->start == best->start && strcmp(r->id, best->id) > 0))
			best = r;
	}
	return best ? best->id : NULL;
}

static void drop_complete(mlv_store *st)
{
	MDB_txn *txn;
	MDB_val k = { 9, (void *)"\0complete" };
	CHECK(mdb_txn_begin(st->ix.env, NULL, 0, &txn) == 0);
	CHECK(mdb_del(txn, st->ix.runsort, &k, NULL) == 0);
	CHECK(mdb_txn_commit(txn) == 0);
}

int main(void)
{
	char *dir = test_subdir("store"), path[4200], out[MLV_RUN_IDSZ + 1];
	mlv_store *st = NULL;
	mlv_buf rec[NRUNS];
	const char *recs[NRUNS];
	size_t lens[NRUNS];
	uint64_t problems;
	char *msg;
	int existed;

	snprintf(path, sizeof(path), "%s/.mlv", dir);
	CHECK_OK(mlv_store_create(path, &existed));
	CHECK_OK(mlv_store_open(&st, path));

	/* an empty store: the walk has nothing, and the check nothing to say */
	{
		struct seen s = { { 0 }, 0, 0, 0 };
		int rc = mlv_run_walk(st, "auc", 1, walked, &s);
		CHECK(rc == 0 || rc == MLV_ENOTFOUND);
		CHECK(s.n == 0);
		CHECK_OK(mlv_run_sort_check(st, &problems, &msg));
		CHECK(problems == 0 && msg == NULL);
	}

	for (int i = 0; i < NRUNS; i++) {
		rec[i] = (mlv_buf)MLV_BUF_INIT;
		make_record(&rec[i], &runs[i], i);
		recs[i] = rec[i].ptr;
		lens[i] = rec[i].size;
	}
	/* in two transactions: the index is built by the first and extended by the second */
	CHECK_OK(mlv_run_import(st, recs, lens, NRUNS / 2));
	CHECK_OK(mlv_run_import(st, recs + NRUNS / 2, lens + NRUNS / 2, NRUNS - NRUNS / 2));
	CHECK_OK(mlv_run_sort_check(st, &problems, &msg));
	CHECK(problems == 0 && msg == NULL);

	check_metric_walk(st, 1);
	check_metric_walk(st, 0);

	/* a metric nobody has: every run, newest first, without a value */
	{
		struct seen s = { { 0 }, 0, 0, 0 };
		CHECK_OK(mlv_run_walk(st, "nope", 1, walked, &s));
		CHECK(s.n == NRUNS);
	}

	/* names and tags: the newest holder */
	for (int n = 0; n < 20; n++) {
		char name[16];
		const char *want;
		snprintf(name, sizeof(name), "n%d", n);
		if (!(want = newest(name, NULL)))
			continue;
		CHECK_OK(mlv_run_resolve(st, out, name));
		CHECK_STR(out, want);
	}
	for (int t = 0; t < 7; t++) {
		char spec[32], tag[16];
		const char *want;
		snprintf(tag, sizeof(tag), "t%d", t);
		snprintf(spec, sizeof(spec), "grp=t%d", t);
		if (!(want = newest(NULL, tag)))
			continue;
		CHECK_OK(mlv_run_resolve(st, out, spec));
		CHECK_STR(out, want);
	}
	CHECK_RC(mlv_run_resolve(st, out, "no-such-name"), MLV_ENOTFOUND);
	CHECK_RC(mlv_run_resolve(st, out, "grp=none"), MLV_ENOTFOUND);

	/* replacing a run (same id, other values): its old keys go */
	{
		struct run *r = &runs[7];
		mlv_buf b = MLV_BUF_INIT;
		mlv_buf_printf(&b, "{\"schema\":\"mlv.run/1\",\"id\":\"%s\",\"start_ms\":%lld,\"name\":\"renamed\","
			"\"metrics\":{\"auc\":{\"latest\":123.5}}}", r->id, r->start);
		const char *one[] = { b.ptr };
		size_t len[] = { b.size };
		CHECK_OK(mlv_run_import(st, one, len, 1));
		r->has = 1;
		r->auc = 123.5;
		strcpy(r->name, "renamed");
		r->tag[0] = '\0';
		CHECK_OK(mlv_run_sort_check(st, &problems, &msg));
		CHECK(problems == 0 && msg == NULL);
		check_metric_walk(st, 1);
		CHECK_OK(mlv_run_resolve(st, out, "renamed"));
		CHECK_STR(out, r->id);
		mlv_buf_release(&b);
	}

	check_start_walk(st);

	/* a boolean among a metric's values: the index does not answer for it */
	{
		mlv_buf b = MLV_BUF_INIT;
		struct seen s = { { 0 }, 0, 0, 0 };
		mlv_buf_puts(&b, "{\"schema\":\"mlv.run/1\",\"id\":\"ffffffffffffffffffffffffffffffff\",\"start_ms\":1,"
			"\"metrics\":{\"flag\":{\"latest\":true},\"auc\":{\"latest\":2}}}");
		const char *one[] = { b.ptr };
		size_t len[] = { b.size };
		CHECK_OK(mlv_run_import(st, one, len, 1));
		CHECK_RC(mlv_run_walk(st, "flag", 1, walked, &s), MLV_ENOTFOUND);
		CHECK(s.n == 0);
		CHECK_OK(mlv_run_sort_check(st, &problems, &msg));
		CHECK(problems == 0);
		mlv_buf_release(&b);
	}

	/* damage: a key deleted is seen by the check, and the rebuild repairs it */
	{
		MDB_txn *txn;
		MDB_cursor *cur;
		MDB_val k, v;
		CHECK(mdb_txn_begin(st->ix.env, NULL, 0, &txn) == 0);
		CHECK(mdb_cursor_open(txn, st->ix.runsort, &cur) == 0);
		CHECK(mdb_cursor_get(cur, &k, &v, MDB_LAST) == 0);
		CHECK(mdb_cursor_del(cur, 0) == 0);
		mdb_cursor_close(cur);
		CHECK(mdb_txn_commit(txn) == 0);
		CHECK_OK(mlv_run_sort_check(st, &problems, &msg));
		CHECK(problems == 1 && msg != NULL);
		if (msg)
			CHECK(strstr(msg, "fsck --rebuild-index") != NULL);
		free(msg);
		CHECK_OK(mlv_run_sort_rebuild(st));
		CHECK_OK(mlv_run_sort_check(st, &problems, &msg));
		CHECK(problems == 0 && msg == NULL);
	}

	/* a stray key is seen too */
	{
		MDB_txn *txn;
		MDB_val k = { 5, (void *)"sjunk" }, v = { 0, (void *)"" };
		CHECK(mdb_txn_begin(st->ix.env, NULL, 0, &txn) == 0);
		CHECK(mdb_put(txn, st->ix.runsort, &k, &v, 0) == 0);
		CHECK(mdb_txn_commit(txn) == 0);
		CHECK_OK(mlv_run_sort_check(st, &problems, &msg));
		CHECK(problems == 1);
		free(msg);
		CHECK_OK(mlv_run_sort_rebuild(st));
	}

	/* a store from before the index: walks say so, specs scan, the next run builds it */
	{
		struct seen s = { { 0 }, 0, 0, 0 };
		drop_complete(st);
		CHECK_RC(mlv_run_walk(st, NULL, 1, walked, &s), MLV_ENOTFOUND);
		CHECK_OK(mlv_run_resolve(st, out, "renamed"));
		CHECK_STR(out, runs[7].id);
		CHECK_OK(mlv_run_sort_check(st, &problems, &msg));
		CHECK(problems == 1); /* keys without "complete" */
		free(msg);
		CHECK_OK(mlv_run_import(st, recs, lens, 1));
		CHECK_OK(mlv_run_sort_check(st, &problems, &msg));
		CHECK(problems == 0 && msg == NULL);
		CHECK_OK(mlv_run_walk(st, NULL, 1, walked, &s));
	}

	for (int i = 0; i < NRUNS; i++)
		mlv_buf_release(&rec[i]);
	mlv_store_free(st);
	free(dir);
	return test_done("runsort");
}
