/*
 * Unit tests of the model registry library: names, times, specs, the event
 * chain and its derived index (rollback as a stack, --at lookups), and that
 * check finds an index that differs from the replay of the chains, or a
 * broken chain, and rebuild repairs the index.
 */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/resource.h>
#include "harness.h"
#include "internal.h"

static mlv_store *new_store(const char *name, char **dir_out)
{
	char *dir = test_subdir(name), path[4200];
	mlv_store *st = NULL;
	int existed;
	snprintf(path, sizeof(path), "%s/.mlv", dir);
	CHECK_OK(mlv_store_create(path, &existed));
	CHECK_OK(mlv_store_open(&st, path));
	*dir_out = dir;
	return st;
}

static void test_names(void)
{
	CHECK_OK(mlv_registry_check_name("churn"));
	CHECK_OK(mlv_registry_check_name("9lives.v2_x-y"));
	CHECK_RC(mlv_registry_check_name(""), MLV_EINVALID);
	CHECK_RC(mlv_registry_check_name("Churn"), MLV_EINVALID);
	CHECK_RC(mlv_registry_check_name("-x"), MLV_EINVALID);
	CHECK_RC(mlv_registry_check_name("a/b"), MLV_EINVALID);
	CHECK_RC(mlv_registry_check_name("a b"), MLV_EINVALID);
	{
		char longname[MLV_REG_NAME_MAX + 2];
		memset(longname, 'a', sizeof(longname) - 1);
		longname[sizeof(longname) - 1] = '\0';
		CHECK_RC(mlv_registry_check_name(longname), MLV_EINVALID);
		longname[MLV_REG_NAME_MAX] = '\0';
		CHECK_OK(mlv_registry_check_name(longname));
	}
	CHECK_OK(mlv_registry_check_alias("production"));
	CHECK_OK(mlv_registry_check_alias("eu.prod"));
	CHECK_OK(mlv_registry_check_alias("v2"));
	CHECK_RC(mlv_registry_check_alias("42"), MLV_EINVALID);
	CHECK_RC(mlv_registry_check_alias("latest"), MLV_EINVALID);
	CHECK_RC(mlv_registry_check_alias("a.metrics"), MLV_EINVALID);
	CHECK_RC(mlv_registry_check_alias("version"), MLV_EINVALID);
	CHECK_RC(mlv_registry_check_alias("Prod"), MLV_EINVALID);
	CHECK_RC(mlv_registry_check_alias("pro$d"), MLV_EINVALID);
}

static void test_specs_and_times(void)
{
	char name[MLV_REG_NAME_MAX + 1];
	const char *ref = NULL;
	int64_t t = 0;
	CHECK(mlv_registry_spec_split("churn@3", name, &ref) == 1);
	CHECK_STR(name, "churn");
	CHECK_STR(ref, "3");
	CHECK(mlv_registry_spec_split("churn@production", name, &ref) == 1);
	CHECK(mlv_registry_spec_split("data/x.csv@HEAD", name, &ref) == 0);
	CHECK(mlv_registry_spec_split("x.csv@HEAD~1", name, &ref) == 0);
	CHECK(mlv_registry_spec_split("churn@", name, &ref) == 0);
	CHECK(mlv_registry_spec_split("@3", name, &ref) == 0);

	CHECK_OK(mlv_registry_parse_time(&t, "@0"));
	CHECK(t == 0);
	CHECK_OK(mlv_registry_parse_time(&t, "@1772546400.5"));
	CHECK(t == 1772546400500LL);
	CHECK_OK(mlv_registry_parse_time(&t, "2026-03-03T14:00:00Z"));
	CHECK(t == 1772546400000LL);
	CHECK_OK(mlv_registry_parse_time(&t, "2026-03-03 15:00+01:00"));
	CHECK(t == 1772546400000LL);
	CHECK_OK(mlv_registry_parse_time(&t, "2026-03-03T14:00:00.250"));
	CHECK(t == 1772546400250LL);
	CHECK_OK(mlv_registry_parse_time(&t, "2026-03-03"));
	CHECK(t == 1772496000000LL);
	CHECK_RC(mlv_registry_parse_time(&t, "yesterday"), MLV_EINVALID);
	CHECK_RC(mlv_registry_parse_time(&t, "2026-13-01"), MLV_EINVALID);
	CHECK_RC(mlv_registry_parse_time(&t, "@"), MLV_EINVALID);
}

static const mlv_reg_identity ann = { "Ann", "ann@example.com" };
static const mlv_reg_identity bob = { "Bob", "BOB@example.com" };

static uint32_t reg(mlv_store *st, const char *dir, const char *name, const char *content, const char *metric)
{
	char path[4300];
	mlv_register_opts o;
	mlv_model_version v;
	const char *metrics[1] = { metric };
	snprintf(path, sizeof(path), "%s/model.bin", dir);
	test_write_file(path, content, strlen(content));
	memset(&o, 0, sizeof(o));
	o.name = name;
	o.path = path;
	o.metrics = metrics;
	o.nmetrics = metric ? 1 : 0;
	o.who = ann;
	CHECK_OK(mlv_registry_register(st, &o, &v));
	return v.version;
}

static int promote(mlv_store *st, const char *name, uint32_t version, const char *alias, const char *gate,
	mlv_promote_result *r)
{
	mlv_promote_opts o;
	const char *gates[1] = { gate };
	memset(&o, 0, sizeof(o));
	o.name = name;
	o.version = version;
	o.alias = alias;
	o.gates = gates;
	o.ngates = gate ? 1 : 0;
	o.who = ann;
	return mlv_registry_promote(st, &o, r);
}

static uint32_t holder(mlv_store *st, const char *spec)
{
	mlv_model_version v;
	if (mlv_registry_resolve(st, spec, &v))
		return 0;
	return v.version;
}

static int rollback(mlv_store *st, const char *alias, uint32_t to, mlv_reg_outcome *out)
{
	mlv_reg_action a = { "m", to, alias, NULL, ann };
	return mlv_registry_rollback(st, &a, out);
}

struct at_result {
	const char *alias;
	uint32_t version;
	int seen;
};

static int at_fn(void *payload, const char *alias, uint32_t version, uint64_t seq, int64_t time_ms)
{
	struct at_result *r = payload;
	(void)seq;
	(void)time_ms;
	if (!strcmp(alias, r->alias)) {
		r->version = version;
		r->seen = 1;
	}
	return 0;
}

static uint32_t at(mlv_store *st, const char *alias, int64_t ms)
{
	struct at_result r = { alias, 0, 0 };
	CHECK_OK(mlv_registry_aliases_at(st, "m", ms, at_fn, &r));
	return r.seen ? r.version : UINT32_MAX;
}

static void test_chain(void)
{
	char *dir;
	mlv_store *st = new_store("chain", &dir);
	mlv_promote_result r;
	mlv_reg_outcome out;
	uint64_t models = 0, events = 0, problems = 9;

	/* times are pinned so that --at has exact answers */
	setenv("MLV_TEST_NOW_MS", "500000", 1);
	CHECK(reg(st, dir, "m", "one", "auc=0.8") == 1);
	CHECK(reg(st, dir, "m", "two", "auc=0.9") == 2);
	CHECK(reg(st, dir, "m", "three", "auc=0.85") == 3);
	CHECK(holder(st, "m@latest") == 3);
	CHECK(mlv_registry_exists(st, "m") == 1);
	CHECK(mlv_registry_exists(st, "nope") == 0);

	/* gates: an unheld alias fails with "why", ?? rescues it */
	CHECK_OK(promote(st, "m", 1, "prod", "metrics.auc > prod.metrics.auc", &r));
	CHECK(!r.moved && r.ngates == 1 && !r.gates[0].passed && r.gates[0].why);
	if (r.gates[0].why)
		CHECK_STR(r.gates[0].why, "no version holds prod");
	mlv_promote_result_release(&r);
	CHECK(holder(st, "m@prod") == 0);

	setenv("MLV_TEST_NOW_MS", "1000000", 1);
	CHECK_OK(promote(st, "m", 1, "prod", "metrics.auc > prod.metrics.auc ?? 0", &r));
	CHECK(r.moved && r.from == 0);
	mlv_promote_result_release(&r);
	setenv("MLV_TEST_NOW_MS", "2000000", 1);
	CHECK_OK(promote(st, "m", 2, "prod", "metrics.auc >= prod.metrics.auc", &r));
	CHECK(r.moved && r.from == 1);
	mlv_promote_result_release(&r);
	setenv("MLV_TEST_NOW_MS", "3000000", 1);
	/* 0.85 < 0.9: refused, nothing moves */
	CHECK_OK(promote(st, "m", 3, "prod", "metrics.auc >= prod.metrics.auc", &r));
	CHECK(!r.moved && !r.gates[0].passed && !r.gates[0].why);
	mlv_promote_result_release(&r);
	CHECK(holder(st, "m@prod") == 2);
	CHECK_OK(promote(st, "m", 3, "prod", NULL, &r));
	CHECK(r.moved && r.from == 2);
	mlv_promote_result_release(&r);
	/* the same version again: nothing recorded */
	CHECK_OK(promote(st, "m", 3, "prod", NULL, &r));
	CHECK(r.already && !r.moved);
	mlv_promote_result_release(&r);
	/* a syntax error is fatal and names the gate */
	CHECK_RC(promote(st, "m", 1, "prod", "metrics.auc >", &r), MLV_EINVALID);
	CHECK(r.bad_gate == 0 && mlv_expr_error_column() == 14);
	mlv_promote_result_release(&r);

	/* rollback pops: 3 -> 2 -> 1, then nothing is left */
	setenv("MLV_TEST_NOW_MS", "4000000", 1);
	CHECK_OK(rollback(st, "prod", 0, &out));
	CHECK(out.changed && out.from == 3 && out.version == 2);
	CHECK_OK(rollback(st, "prod", 0, &out));
	CHECK(out.version == 1);
	CHECK_RC(rollback(st, "prod", 0, &out), MLV_ENOTFOUND);
	/* --to pushes; the next rollback undoes it */
	CHECK_OK(rollback(st, "prod", 3, &out));
	CHECK(out.version == 3 && holder(st, "m@prod") == 3);
	CHECK_OK(rollback(st, "prod", 0, &out));
	CHECK(out.version == 1 && holder(st, "m@prod") == 1);
	CHECK_RC(rollback(st, "staging", 0, &out), MLV_ENOTFOUND);

	/* --at: one lookup per alias */
	CHECK(at(st, "prod", 999999) == UINT32_MAX);
	CHECK(at(st, "prod", 1000000) == 1);
	CHECK(at(st, "prod", 1999999) == 1);
	CHECK(at(st, "prod", 2000000) == 2);
	CHECK(at(st, "prod", 3500000) == 3);
	CHECK(at(st, "prod", 5000000) == 1);

	/* the clock going back does not reorder the chain */
	setenv("MLV_TEST_NOW_MS", "10", 1);
	{
		mlv_reg_action a = { "m", 0, "prod", NULL, ann };
		CHECK_OK(mlv_registry_unalias(st, &a, &out));
		CHECK(out.from == 1);
		CHECK_RC(mlv_registry_unalias(st, &a, &out), MLV_ENOTFOUND);
	}
	CHECK(at(st, "prod", 4000000) == 0);
	CHECK(at(st, "prod", 3999999) == 3);
	unsetenv("MLV_TEST_NOW_MS");

	/* approvals: distinct identities by e-mail, case-insensitively */
	{
		mlv_reg_action a = { "m", 2, "prod", NULL, bob };
		mlv_reg_identity bob2 = { "Robert", "bob@example.com" };
		CHECK_OK(mlv_registry_approve(st, &a, &out));
		CHECK(out.changed && out.approvals == 1);
		a.who = bob2;
		CHECK_OK(mlv_registry_approve(st, &a, &out));
		CHECK(!out.changed && out.approvals == 1);
		a.who = ann;
		CHECK_OK(mlv_registry_approve(st, &a, &out));
		CHECK(out.changed && out.approvals == 2);
	}
	/* deprecated versions cannot be promoted */
	{
		mlv_reg_action a = { "m", 3, NULL, NULL, ann };
		CHECK_OK(mlv_registry_deprecate(st, &a, &out));
		CHECK(out.changed);
		CHECK_OK(mlv_registry_deprecate(st, &a, &out));
		CHECK(!out.changed);
		CHECK_RC(promote(st, "m", 3, "prod", NULL, &r), MLV_EINVALID);
		mlv_promote_result_release(&r);
	}

	CHECK_OK(mlv_registry_check(st, NULL, NULL, &models, &events, &problems));
	CHECK(models == 1);
	CHECK(events == 14);
	CHECK(problems == 0);

	/* damage the derived index: check sees it, rebuild repairs it */
	{
		struct key_del { const char *k; size_t n; } del = { "a\0m\0staging", 11 };
		mlv_model_version v;
		CHECK_OK(promote(st, "m", 2, "staging", NULL, &r));
		mlv_promote_result_release(&r);
		MDB_txn *txn;
		CHECK(mdb_txn_begin(st->ix.env, NULL, 0, &txn) == 0);
		MDB_val k = { del.n, (void *)del.k };
		CHECK(mdb_del(txn, st->ix.registry, &k, NULL) == 0);
		CHECK(mdb_txn_commit(txn) == 0);
		CHECK_RC(mlv_registry_resolve(st, "m@staging", &v), MLV_ENOTFOUND);
		CHECK_OK(mlv_registry_check(st, NULL, NULL, NULL, NULL, &problems));
		CHECK(problems == 1);
		CHECK_OK(mlv_registry_rebuild(st, &models, &events));
		CHECK(models == 1 && events == 15);
		CHECK_OK(mlv_registry_check(st, NULL, NULL, NULL, NULL, &problems));
		CHECK(problems == 0);
		CHECK(holder(st, "m@staging") == 2);
		CHECK(at(st, "prod", 2000000) == 2);
	}
	/* a head that names something that is not an event: a broken chain */
	{
		MDB_txn *txn;
		MDB_val k = { 7, "model/m" }, v;
		unsigned char val[48];
		mlv_model_version mv;
		CHECK_OK(mlv_registry_version(st, "m", 1, &mv));
		CHECK(mdb_txn_begin(st->ix.env, NULL, 0, &txn) == 0);
		CHECK(mdb_get(txn, st->ix.refs, &k, &v) == 0);
		memcpy(val, v.mv_data, 48);
		memcpy(val, mv.record.id, 32); /* a version record, not an event */
		v.mv_data = val;
		CHECK(mdb_put(txn, st->ix.refs, &k, &v, 0) == 0);
		CHECK(mdb_txn_commit(txn) == 0);
		CHECK_OK(mlv_registry_check(st, NULL, NULL, NULL, NULL, &problems));
		CHECK(problems >= 1);
	}
	mlv_store_free(st);
	free(dir);
}

/*
 * Every event is a pack of its own: walking all of them (check, rebuild,
 * fsck, gc) must not keep every pack open. With the open-file limit below
 * the number of packs, they still succeed.
 */
static void test_many_packs(void)
{
	char *dir;
	mlv_store *st = new_store("many", &dir);
	struct rlimit rl = { 320, 320 };
	mlv_reg_outcome out;
	uint64_t events = 0, problems = 9;
	mlv_fsck_opts fo = { 1, NULL, NULL };
	mlv_fsck_result fr;
	CHECK(reg(st, dir, "m", "one", NULL) == 1);
	CHECK(reg(st, dir, "m", "two", NULL) == 2);
	{
		mlv_promote_result r;
		CHECK_OK(promote(st, "m", 1, "prod", NULL, &r));
		mlv_promote_result_release(&r);
	}
	for (int i = 0; i < 199; i++) {
		mlv_reg_action a = { "m", (uint32_t)(2 - i % 2), "prod", NULL, ann };
		CHECK_OK(mlv_registry_rollback(st, &a, &out));
	}
	CHECK(getrlimit(RLIMIT_NOFILE, &rl) == 0);
	rl.rlim_cur = 200;
	CHECK(setrlimit(RLIMIT_NOFILE, &rl) == 0);
	CHECK_OK(mlv_registry_check(st, NULL, NULL, NULL, &events, &problems));
	CHECK(events == 202 && problems == 0);
	CHECK_OK(mlv_fsck(st, &fo, &fr));
	CHECK(fr.problems == 0 && fr.packs >= 202);
	mlv_store_free(st);
	free(dir);
}

int main(void)
{
	setenv("TZ", "UTC", 1);
	test_names();
	test_specs_and_times();
	test_chain();
	test_many_packs();
	return test_done("test_registry");
}
