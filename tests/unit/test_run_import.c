/*
 * Unit tests of mlv_run_import (bench/gen-runs.c makes its runs with it):
 * a record imported under another id gets exactly the summary that
 * mlv_run_finish wrote for the real run, and bad records are refused with
 * nothing indexed.
 */
#include <stdlib.h>
#include <string.h>
#include "harness.h"
#include "mlv/run.h"

struct summaries {
	char id[4][MLV_RUN_IDSZ + 1];
	char *sum[4];
	int n;
};

static int collect(void *payload, const char *id, const mlv_oid *record, const char *summary, size_t len)
{
	struct summaries *s = payload;
	(void)record;
	if (s->n < 4) {
		memcpy(s->id[s->n], id, MLV_RUN_IDSZ + 1);
		s->sum[s->n++] = strndup(summary, len);
	}
	return 0;
}

int main(void)
{
	char *dir = test_subdir("store"), path[4200];
	const char *argv[] = { "train", "--fast" };
	const char *params[] = { "lr=0.01", "layers=3" };
	const char *tags[] = { "stage=dev" };
	const char *m1[] = { "auc=0.5", "loss=1.25" }, *m2[] = { "auc=0.75" }, *m3[] = { "loss=nan" };
	mlv_run_opts o = { 0 };
	mlv_run_exit ex = { 0 };
	mlv_store *st = NULL;
	mlv_run *run = NULL;
	mlv_oid rec, rec2;
	mlv_buf json = MLV_BUF_INIT, other = MLV_BUF_INIT;
	struct summaries s = { 0 };
	int existed;
	char *p;

	snprintf(path, sizeof(path), "%s/.mlv", dir);
	CHECK_OK(mlv_store_create(path, &existed));
	CHECK_OK(mlv_store_open(&st, path));
	o.name = "base";
	o.argv = argv;
	o.argc = 2;
	o.params = params;
	o.nparams = 2;
	o.tags = tags;
	o.ntags = 1;
	o.cwd = dir;
	o.no_python = 1;
	CHECK_OK(mlv_run_begin(&run, st, &o));
	CHECK_OK(mlv_run_log_metrics(mlv_run_dir(run), mlv_run_id(run), m1, 2, -1));
	CHECK_OK(mlv_run_log_metrics(mlv_run_dir(run), mlv_run_id(run), m2, 1, 7));
	CHECK_OK(mlv_run_log_metrics(mlv_run_dir(run), mlv_run_id(run), m3, 1, -1));
	ex.status = 3;
	CHECK_OK(mlv_run_finish(run, &ex, &rec));
	CHECK_OK(mlv_run_read(st, mlv_run_id(run), &rec2, &json));
	CHECK(!mlv_oid_cmp(&rec, &rec2));

	/* the same record under another id (ids sort after the real one's when it starts with f...) */
	mlv_buf_put(&other, json.ptr, json.size);
	mlv_buf_putc(&other, '\0');
	p = strstr(other.ptr, mlv_run_id(run));
	CHECK(p != NULL);
	if (p)
		memset(p, mlv_run_id(run)[0] == 'f' ? '0' : 'f', MLV_RUN_IDSZ);
	{
		const char *recs[] = { other.ptr };
		size_t lens[] = { other.size - 1 };
		CHECK_OK(mlv_run_import(st, recs, lens, 1));
	}
	CHECK_OK(mlv_run_list(st, collect, &s));
	CHECK(s.n == 2);
	if (s.n == 2) {
		CHECK(strcmp(s.id[0], s.id[1]) != 0);
		CHECK_STR(s.sum[0], s.sum[1]);
		/* what the summary holds: latest values by step, params, name, status */
		CHECK(strstr(s.sum[0], "\"metrics\":{\"auc\":0.75,\"loss\":\"nan\"}") != NULL);
		CHECK(strstr(s.sum[0], "\"params\":{\"layers\":\"3\",\"lr\":\"0.01\"}") != NULL);
		CHECK(strstr(s.sum[0], "\"name\":\"base\"") != NULL);
		CHECK(strstr(s.sum[0], "\"status\":3") != NULL);
	}

	/* bad records: refused, nothing indexed */
	{
		const char *bad[] = { "{\"schema\":\"mlv.run/1\",\"id\":\"0123456789abcdef0123456789abcdef\"}",
			"{\"schema\":\"mlv.run/1\",\"id\":\"xyz\"}", "{\"schema\":\"mlv.other/1\"}", "{not json" };
		for (int i = 1; i < 4; i++) {
			const char *recs[] = { bad[0], bad[i] };
			size_t lens[] = { strlen(bad[0]), strlen(bad[i]) };
			CHECK_RC(mlv_run_import(st, recs, lens, 2), MLV_EINVALID);
			CHECK(strstr(mlv_error_last(), "run record 2") != NULL);
		}
		char out[MLV_RUN_IDSZ + 1];
		CHECK_RC(mlv_run_resolve(st, out, "0123456789abcdef0123456789abcdef"), MLV_ENOTFOUND);
	}

	for (int i = 0; i < s.n; i++)
		free(s.sum[i]);
	mlv_run_free(run);
	mlv_store_free(st);
	mlv_buf_release(&json);
	mlv_buf_release(&other);
	free(dir);
	return test_done("test_run_import");
}
