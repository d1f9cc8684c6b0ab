/*
 * Allocation failure: for each whole operation (parse a pointer, a tree, a
 * JSON record; parse and evaluate an expression; read a CSV and a JSON
 * Lines file; store a file and a directory in a new store and read them
 * back; promote with a policy and gates, and roll back), make the 1st, 2nd, ... N-th allocation of libmlv fail (cJSON's
 * included: lib/ routes them through the same hook) until the operation no longer reaches the
 * N-th. Every failure must come back as an error code with a message, or be
 * absorbed with a correct result; never a crash, and never a leak (the
 * ASan build's leak checker runs at exit). A store left by a failed write
 * must pass fsck and accept the same write again.
 *
 * Not covered: allocations inside LMDB, zstd and OpenSSL, which do not take
 * an allocator from us (their failures come back through their own error
 * codes, which lib/ checks).
 */
#include <fcntl.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>
#include "alloc.h"
#include "mlv/registry.h"
#include "mlv/run.h"
#include "mlv/spec.h"
#include "harness.h"

#define WRONG 1 /* an operation's own "succeeded with a wrong result" */

static const char *tmp;
static int iteration;

/* ---- the operations ---- */

static int op_pointer(void)
{
	static const char text[] = "{\"files\":3,\"kind\":\"dir\",\"oid\":\"sha256:"
		"abababababababababababababababababababababababababababababababab\",\"size\":5678,\"x\":[1,{}]}\n";
	mlv_pointer p;
	mlv_buf b = MLV_BUF_INIT;
	int rc = mlv_pointer_parse(&p, text, sizeof(text) - 1, "x.mlv");
	if (!rc)
		rc = mlv_pointer_format(&b, &p);
	if (!rc && strcmp(mlv_buf_cstr(&b), "{\"files\":3,\"kind\":\"dir\",\"oid\":\"sha256:"
		"abababababababababababababababababababababababababababababababab\",\"size\":5678}\n"))
		rc = WRONG;
	mlv_buf_release(&b);
	return rc;
}

static int op_tree(void)
{
	char names[40][16];
	mlv_tree_entry e[40];
	mlv_tree t = { e, 40 }, *back = NULL;
	mlv_buf b = MLV_BUF_INIT, c = MLV_BUF_INIT;
	int rc;
	for (int i = 0; i < 40; i++) {
		snprintf(names[i], sizeof(names[i]), "file-%02d", 39 - i);
		e[i] = (mlv_tree_entry){ names[i], i % 2 ? MLV_MODE_FILE : MLV_MODE_TREE, { { (unsigned char)i } }, (uint64_t)i };
	}
	rc = mlv_tree_serialize(&b, &t);
	if (!rc)
		rc = mlv_tree_parse(&back, b.ptr, b.size);
	if (!rc)
		rc = mlv_tree_serialize(&c, back);
	if (!rc && (back->n != 40 || b.size != c.size || memcmp(b.ptr, c.ptr, b.size)))
		rc = WRONG;
	mlv_tree_free(back);
	mlv_buf_release(&b);
	mlv_buf_release(&c);
	return rc;
}

static int op_json(void)
{
	static const char text[] = "{\"z\":[1,2.5,\"x\"],\"a\":{\"k\":null,\"b\":true},\"m\":1e300}";
	mlv_buf b = MLV_BUF_INIT;
	int rc = mlv_json_canonical(&b, text, sizeof(text) - 1);
	if (!rc && strcmp(mlv_buf_cstr(&b), "{\"a\":{\"b\":true,\"k\":null},\"m\":1e+300,\"z\":[1,2.5,\"x\"]}"))
		rc = WRONG;
	mlv_buf_release(&b);
	return rc;
}

static int lookup(void *payload, const char *path, mlv_expr_value *out)
{
	(void)payload;
	if (!strcmp(path, "metrics.auc")) {
		out->type = MLV_EXPR_NUMBER;
		out->number = 0.91;
	} else if (!strcmp(path, "params.model")) {
		out->type = MLV_EXPR_STRING;
		out->str = "xgb";
		out->len = 3;
	}
	return 0;
}

static int op_expr(void)
{
	mlv_expr *e = NULL;
	mlv_buf b = MLV_BUF_INIT;
	int ok = 0;
	int rc = mlv_expr_parse(&e, "metrics.auc >= production.metrics.auc - 0.005 ?? 0.9 and "
		"params.model == 'xgb' and not (metrics.\"val loss\" ?? 0) > 1 or (1 + 2) * 3 == 4");
	if (!rc)
		rc = mlv_expr_eval_bool(e, lookup, NULL, &ok);
	if (!rc)
		rc = mlv_expr_explain(e, lookup, NULL, &b);
	if (!rc)
		rc = mlv_expr_format(&b, e);
	if (!rc && !ok)
		rc = WRONG;
	mlv_expr_free(e);
	mlv_buf_release(&b);
	return rc;
}

static char csv_path[4200], jsonl_path[4200];

static int read_table(const char *path, size_t want_rows, size_t want_cols)
{
	mlv_csv_options o = { 0 };
	mlv_csv *r = NULL;
	const mlv_csv_field *f;
	size_t rows = 0;
	int rc;
	o.block_size = 64; /* many refills, each a chance to grow buffers */
	if ((rc = mlv_csv_open(&r, path, &o)))
		return rc;
	while ((rc = mlv_csv_next(r, &f)) == 1)
		rows++;
	if (!rc && (rows != want_rows || mlv_csv_ncols(r) != want_cols))
		rc = WRONG;
	mlv_csv_free(r);
	return rc;
}

static int op_csv(void) { return read_table(csv_path, 200, 3); }
static int op_jsonl(void) { return read_table(jsonl_path, 50, 3); }

static char data_dir[4200];

static int fsck_clean(mlv_store *st)
{
	mlv_fsck_opts o = { 1, NULL, NULL };
	mlv_fsck_result r;
	return mlv_fsck(st, &o, &r) == 0 && r.problems == 0;
}

/* A new store; store DATA_DIR/a.bin as a blob and DATA_DIR as a tree; read both back. */
static int store_once(const char *mlvdir)
{
	mlv_store *st = NULL;
	mlv_writer *w = NULL;
	mlv_oid blob, tree;
	mlv_buf b = MLV_BUF_INIT;
	mlv_tree *t = NULL;
	char path[4300];
	int existed, rc, fd = -1;
	uint64_t nfiles = 0, total = 0;
	if ((rc = mlv_store_create(mlvdir, &existed)) || (rc = mlv_store_open(&st, mlvdir)))
		goto done;
	if ((rc = mlv_writer_new(&w, st)))
		goto done;
	snprintf(path, sizeof(path), "%s/a.bin", data_dir);
	if ((fd = open(path, O_RDONLY)) < 0) {
		rc = WRONG;
		goto done;
	}
	if ((rc = mlv_writer_add_fd(w, &blob, fd, MLV_OBJ_BLOB, "a.bin")) ||
	    (rc = mlv_writer_add_dir(w, &tree, data_dir, &nfiles, &total)) || (rc = mlv_writer_commit(w)))
		goto done;
	mlv_writer_free(w);
	w = NULL;
	if ((rc = mlv_object_read_buf(st, &blob, &b, 1 << 24)) || (rc = mlv_tree_read(&t, st, &tree)))
		goto done;
	if (getenv("MLV_NOMEM_VERBOSE") && (b.size != 300000 || t->n != 3 || nfiles != 3))
		fprintf(stderr, "stored %zu bytes, %zu entries, %llu files\n", b.size, t->n, (unsigned long long)nfiles);
	if (b.size != 300000 || t->n != 3 || nfiles != 3)
		rc = WRONG;
done:
	if (fd >= 0)
		close(fd);
	mlv_tree_free(t);
	mlv_buf_release(&b);
	mlv_writer_free(w);
	mlv_store_free(st);
	return rc;
}

static int op_store(void)
{
	char mlvdir[4300];
	snprintf(mlvdir, sizeof(mlvdir), "%s/store-%d", tmp, iteration);
	mkdir(mlvdir, 0755);
	strcat(mlvdir, "/.mlv");
	return store_once(mlvdir);
}

/* After a failed op_store: the store (if it was made) is clean and takes the same write. */
static void after_store(void)
{
	char mlvdir[4300];
	mlv_store *st = NULL;
	struct stat sb;
	snprintf(mlvdir, sizeof(mlvdir), "%s/store-%d/.mlv", tmp, iteration);
	if (stat(mlvdir, &sb) == 0 && mlv_store_open(&st, mlvdir) == 0) {
		CHECK(fsck_clean(st));
		mlv_store_free(st);
	}
	CHECK_OK(store_once(mlvdir));
	if (mlv_store_open(&st, mlvdir) == 0) {
		CHECK(fsck_clean(st));
		mlv_store_free(st);
	}
}

/* A store made once (no failures) for the read-only operations below. */
static mlv_store *shared_st;
static char shared_root[4300];

static int op_fsck(void)
{
	mlv_fsck_opts o = { 1, NULL, NULL };
	mlv_fsck_result r;
	int rc = mlv_fsck(shared_st, &o, &r);
	if (!rc && r.problems)
		rc = WRONG;
	return rc;
}

static int op_spec(void)
{
	mlv_spec s;
	char hex[MLV_OID_HEXSZ + 1];
	int rc = mlv_spec_resolve(&s, shared_st, shared_root, "data.bin");
	if (!rc) {
		mlv_oid_fmt(hex, &s.oid);
		mlv_spec_release(&s);
		hex[12] = '\0';
		rc = mlv_spec_resolve(&s, shared_st, shared_root, hex);
	}
	if (!rc && (!s.in_store || s.info.size != 300000))
		rc = WRONG;
	mlv_spec_release(&s);
	return rc;
}

#define RUN_ID "0123456789abcdef0123456789abcdef"

/* log-param on an active run's log: every line is read and parsed first. */
static int op_run_log(void)
{
	const char *kv[] = { "lr=0.01", "epochs=3" };
	const char *m[] = { "loss=0.5", "acc=0.75" };
	char path[4300];
	int rc;
	snprintf(path, sizeof(path), "%s/%s.log", tmp, RUN_ID);
	test_write_file(path, "{\"t\":\"p\",\"k\":\"lr\",\"v\":\"0.01\"}\n{\"t\":\"m\",\"k\":\"loss\",\"v\":1}\n", 57);
	rc = mlv_run_log_params(tmp, RUN_ID, kv, 2);
	if (!rc)
		rc = mlv_run_log_metrics(tmp, RUN_ID, m, 2, 7);
	return rc;
}

/* A whole run: begin (params, a dep), log a metric, finish (record stored and indexed), read it back. */
static int op_run(void)
{
	static const char *const argv[] = { "train", "--fast" };
	static const char *const params[] = { "lr=0.01", "model=xgb" };
	static const char *const deps[] = { "data.bin" };
	mlv_run_opts o = { 0 };
	mlv_run *r = NULL;
	mlv_run_exit ex = { 0 };
	mlv_oid rec;
	mlv_buf json = MLV_BUF_INIT;
	const char *m[] = { "auc=0.91" };
	int rc;
	o.name = "nomem";
	o.argv = argv;
	o.argc = 2;
	o.params = params;
	o.nparams = 2;
	o.deps = deps;
	o.ndeps = 1;
	o.cwd = shared_root;
	o.no_python = 1;
	if ((rc = mlv_run_begin(&r, shared_st, &o)))
		goto done;
	if ((rc = mlv_run_log_metrics(mlv_run_dir(r), mlv_run_id(r), m, 1, 1)))
		goto done;
	if ((rc = mlv_run_finish(r, &ex, &rec)))
		goto done;
	if ((rc = mlv_run_read(shared_st, mlv_run_id(r), &rec, &json)))
		goto done;
	/*
	 * A run is recorded even when its log or the git diff of a dirty tree
	 * cannot be read (run.h): then with one warning saying why (and without
	 * the metric, or the diff).
	 */
	if (mlv_run_warning(r, 0)) {
		/* "out of memory" from mlv, "cannot allocate memory" (ENOMEM) from a library call */
		const char *w0 = mlv_run_warning(r, 0);
		if ((!strstr(w0, "out of memory") && !strstr(w0, "cannot allocate memory")) || mlv_run_warning(r, 1))
			rc = WRONG;
	} else if (!strstr(mlv_buf_cstr(&json), "\"auc\"") || !strstr(mlv_buf_cstr(&json), "\"model\":\"xgb\"")) {
		rc = WRONG;
	}
done:
	mlv_buf_release(&json);
	mlv_run_free(r);
	return rc;
}

static void make_shared_store(void)
{
	mlv_pointer p;
	mlv_writer *w = NULL;
	char path[4400];
	int existed, fd;
	snprintf(shared_root, sizeof(shared_root), "%s/shared", tmp);
	mkdir(shared_root, 0755);
	snprintf(path, sizeof(path), "%s/.mlv", shared_root);
	CHECK_OK(mlv_store_create(path, &existed));
	CHECK_OK(mlv_store_open(&shared_st, path));
	if (!shared_st)
		exit(1);
	memset(&p, 0, sizeof(p));
	snprintf(path, sizeof(path), "%s/a.bin", data_dir);
	fd = open(path, O_RDONLY);
	CHECK_OK(mlv_writer_new(&w, shared_st));
	CHECK_OK(mlv_writer_add_fd(w, &p.oid, fd, MLV_OBJ_BLOB, "a.bin"));
	mlv_oid tree;
	CHECK_OK(mlv_writer_add_dir(w, &tree, data_dir, NULL, NULL)); /* trees for fsck's graph walk */
	CHECK_OK(mlv_writer_commit(w));
	mlv_writer_free(w);
	close(fd);
	p.kind = MLV_PTR_FILE;
	p.size = 300000;
	snprintf(path, sizeof(path), "%s/data.bin.mlv", shared_root);
	CHECK_OK(mlv_pointer_write(path, &p));
}

/*
 * The registry: a template store holding churn@1..3 (production: 1 then 2,
 * staging: 3, one approval of 3 for production) and a policy asking for
 * that (a gate, staging, one approval). Each case copies the template and
 * promotes churn@3 to production (the policy loaded, a gate of its own
 * over production's metrics), or rolls production back. After a failure
 * the registry must be as before or as after (production at its old or its
 * new version, with the event count to match), fsck and the registry check
 * clean, and the same change must then complete.
 */
static char reg_template[4400], policy_path[4300];
static const mlv_reg_identity ann = { "Ann", "ann@example.com" };

static void reg_dir(char *out, size_t len, const char *what)
{
	snprintf(out, len, "%s/reg-%s-%d/.mlv", tmp, what, iteration);
}

static int copy_template(const char *mlvdir)
{
	char cmd[20000];
	snprintf(cmd, sizeof(cmd), "rm -rf '%s' && mkdir -p '%s' && cp -a '%s/.' '%s/'", mlvdir, mlvdir, reg_template, mlvdir);
	return system(cmd) == 0 ? 0 : WRONG;
}

struct reg_state {
	uint32_t production;
	uint64_t events;
};

static int state_alias(void *payload, const char *alias, uint32_t version, uint64_t seq, int64_t time_ms)
{
	(void)seq;
	(void)time_ms;
	if (!strcmp(alias, "production"))
		((struct reg_state *)payload)->production = version;
	return 0;
}

static int state_model(void *payload, const char *name, uint32_t latest, uint64_t nevents, int64_t last_ms)
{
	(void)name;
	(void)latest;
	(void)last_ms;
	((struct reg_state *)payload)->events = nevents;
	return 0;
}

/* The state of the registry in MLVDIR, checked: fsck --full and the registry check find nothing. */
static int reg_read(const char *mlvdir, struct reg_state *s)
{
	mlv_store *st = NULL;
	uint64_t models, events, problems = 1;
	int rc;
	memset(s, 0, sizeof(*s));
	if ((rc = mlv_store_open(&st, mlvdir)))
		return rc;
	if (!fsck_clean(st))
		rc = WRONG;
	if (!rc && !(rc = mlv_registry_check(st, NULL, NULL, &models, &events, &problems)) && problems)
		rc = WRONG;
	if (!rc)
		rc = mlv_registry_aliases(st, "churn", state_alias, s);
	if (!rc)
		rc = mlv_registry_models(st, state_model, s);
	mlv_store_free(st);
	return rc;
}

static int promote_in(const char *mlvdir)
{
	static const char *const gates[] = { "metrics.auc >= production.metrics.auc - 0.2 and params.depth != '0'" };
	mlv_store *st = NULL;
	mlv_policy *pol = NULL;
	mlv_promote_opts o = { 0 };
	mlv_promote_result r;
	int rc;
	memset(&r, 0, sizeof(r));
	if ((rc = mlv_store_open(&st, mlvdir)) || (rc = mlv_policy_load(&pol, policy_path)))
		goto done;
	o.name = "churn";
	o.version = 3;
	o.alias = "production";
	o.gates = gates;
	o.ngates = 1;
	o.policy = pol;
	o.message = "better";
	o.who = ann;
	rc = mlv_registry_promote(st, &o, &r);
	if (!rc && !r.moved && !r.already)
		rc = WRONG;
	if (!rc && r.moved && (r.from != 2 || r.ngates != 2 || !r.gates[0].passed || !r.gates[1].passed))
		rc = WRONG;
done:
	mlv_promote_result_release(&r);
	mlv_policy_free(pol);
	mlv_store_free(st);
	return rc;
}

static int rollback_in(const char *mlvdir)
{
	mlv_store *st = NULL;
	mlv_reg_action a = { "churn", 0, "production", "back", { "Ann", "ann@example.com" } };
	mlv_reg_outcome out;
	int rc;
	memset(&out, 0, sizeof(out));
	if ((rc = mlv_store_open(&st, mlvdir)))
		return rc;
	rc = mlv_registry_rollback(st, &a, &out);
	if (!rc && out.version != 1)
		rc = WRONG;
	mlv_store_free(st);
	return rc;
}

static int op_promote(void)
{
	char d[4400];
	reg_dir(d, sizeof(d), "promote");
	return copy_template(d) ? WRONG : promote_in(d);
}

static int op_rollback(void)
{
	char d[4400];
	reg_dir(d, sizeof(d), "rollback");
	return copy_template(d) ? WRONG : rollback_in(d);
}

/* Before (production 2, 7 events) or after (production NOW, 8 events); then the change completes. */
static void after_change(const char *what, uint32_t now, int (*again)(const char *))
{
	char d[4400];
	struct reg_state s;
	reg_dir(d, sizeof(d), what);
	CHECK_OK(reg_read(d, &s));
	CHECK((s.production == 2 && s.events == 7) || (s.production == now && s.events == 8));
	CHECK_OK(again(d));
	CHECK_OK(reg_read(d, &s));
	CHECK(s.production == now && s.events == 8);
}

static void after_promote(void) { after_change("promote", 3, promote_in); }
static void after_rollback(void) { after_change("rollback", 1, rollback_in); }

static void make_registry(void)
{
	static const char *const metrics[3][1] = { { "auc=0.90" }, { "auc=0.92" }, { "auc=0.91" } };
	static const char *const params[] = { "depth=6" };
	char root[4300], mlvdir[4400], path[4400];
	mlv_store *st = NULL;
	int existed;
	snprintf(root, sizeof(root), "%s/regtemplate", tmp);
	mkdir(root, 0755);
	snprintf(reg_template, sizeof(reg_template), "%s/.mlv", root);
	snprintf(mlvdir, sizeof(mlvdir), "%s", reg_template);
	CHECK_OK(mlv_store_create(mlvdir, &existed));
	CHECK_OK(mlv_store_open(&st, mlvdir));
	if (!st)
		exit(1);
	for (int v = 0; v < 3; v++) {
		mlv_register_opts o = { 0 };
		mlv_model_version mv;
		char content[16];
		snprintf(path, sizeof(path), "%s/model.bin", root);
		snprintf(content, sizeof(content), "weights %d\n", v);
		test_write_file(path, content, strlen(content));
		o.name = "churn";
		o.path = path;
		o.metrics = metrics[v];
		o.nmetrics = 1;
		o.params = params;
		o.nparams = 1;
		o.who = ann;
		CHECK_OK(mlv_registry_register(st, &o, &mv));
	}
	for (int i = 0; i < 3; i++) {
		static const struct { uint32_t v; const char *alias; } moves[] = { { 1, "production" }, { 2, "production" }, { 3, "staging" } };
		mlv_promote_opts o = { 0 };
		mlv_promote_result r;
		o.name = "churn";
		o.version = moves[i].v;
		o.alias = moves[i].alias;
		o.who = ann;
		CHECK_OK(mlv_registry_promote(st, &o, &r));
		CHECK(r.moved);
		mlv_promote_result_release(&r);
	}
	{
		mlv_reg_action a = { "churn", 3, "production", NULL, { "Bob", "bob@example.com" } };
		mlv_reg_outcome out;
		CHECK_OK(mlv_registry_approve(st, &a, &out));
	}
	mlv_store_free(st);
	snprintf(policy_path, sizeof(policy_path), "%s/mlv.json", tmp);
	{
		static const char policy[] = "{\"policy\":{\"production\":{\"gates\":[\"metrics.auc > 0.5\"],\"requires\":\"staging\",\"approvals\":1}}}\n";
		test_write_file(policy_path, policy, sizeof(policy) - 1);
	}
}

/* ---- the sweep ---- */

static void sweep(const char *name, int (*op)(void), void (*after_failure)(void))
{
	unsigned long n, failed = 0, absorbed = 0, other = 0;
	const char *only = getenv("MLV_NOMEM_OP"), *at = getenv("MLV_NOMEM_AT");
	int rc;
	/* To debug one case: MLV_NOMEM_OP=<part of the name> MLV_NOMEM_AT=<N> (e.g. under gdb). */
	if (only && !strstr(name, only))
		return;
	if (at) {
		mlv__alloc_fail_at(strtoul(at, NULL, 10));
		rc = op();
		mlv__alloc_fail_at(0);
		printf("%s: allocation %s failed: returned %d, message '%s'\n", name, at, rc, mlv_error_last());
		return;
	}
	mlv__alloc_fail_at(0);
	rc = op(); /* works when nothing fails */
	if (rc)
		fprintf(stderr, "%s: fails without an allocation failure\n", name);
	CHECK_OK(rc);
	for (n = 1;; n++) {
		iteration++;
		mlv_error_clear();
		mlv__alloc_fail_at(n);
		rc = op();
		unsigned long count = mlv__alloc_count();
		mlv__alloc_fail_at(0);
		if (count < n) { /* the op no longer reaches the N-th allocation: it must have worked */
			CHECK_OK(rc);
			break;
		}
		if (rc == 0) {
			absorbed++;
			if (getenv("MLV_NOMEM_VERBOSE"))
				fprintf(stderr, "%s: allocation %lu failed and the operation succeeded\n", name, n);
			continue;
		}
		failed++;
		/*
		 * Nothing but memory fails in these operations, so the error
		 * must say so: "not valid JSON", "not a store" or "damaged"
		 * would send a user after the wrong problem.
		 */
		if (rc != MLV_ENOMEM || mlv_error_code() != MLV_ENOMEM || !*mlv_error_last()) {
			other++;
			fprintf(stderr, "%s: allocation %lu failed: returned %d, message '%s'\n", name, n, rc,
				mlv_error_last());
			CHECK(!"MLV_ENOMEM with a message");
		}
		if (after_failure)
			after_failure();
	}
	printf("%s: %lu allocations, %lu failures reported (%lu not as MLV_ENOMEM), %lu absorbed\n",
		name, n - 1, failed, other, absorbed);
}

static void make_data(void)
{
	char *dir = test_subdir("data"), path[4300];
	char *buf = malloc(300000);
	mlv_buf b = MLV_BUF_INIT;
	snprintf(data_dir, sizeof(data_dir), "%s", dir);
	test_random(buf, 300000, 7);
	snprintf(path, sizeof(path), "%s/a.bin", dir);
	test_write_file(path, buf, 300000);
	snprintf(path, sizeof(path), "%s/b.txt", dir);
	test_write_file(path, "hello\n", 6);
	snprintf(path, sizeof(path), "%s/sub", dir);
	mkdir(path, 0755);
	snprintf(path, sizeof(path), "%s/sub/c.txt", dir);
	test_write_file(path, "c\n", 2);
	free(buf);
	free(dir);

	mlv_buf_puts(&b, "id,name,score\n");
	for (int i = 0; i < 200; i++)
		mlv_buf_printf(&b, "%d,\"name, %d\",%d.5\n", i, i, i * 3);
	snprintf(csv_path, sizeof(csv_path), "%s/t.csv", tmp);
	test_write_file(csv_path, b.ptr, b.size);
	mlv_buf_clear(&b);
	for (int i = 0; i < 50; i++)
		mlv_buf_printf(&b, "{\"id\":%d,\"name\":\"n%d\",\"score\":%d.25}\n", i, i, i);
	snprintf(jsonl_path, sizeof(jsonl_path), "%s/t.jsonl", tmp);
	test_write_file(jsonl_path, b.ptr, b.size);
	mlv_buf_release(&b);
}

int main(void)
{
	tmp = test_tmpdir();
	make_data();
	sweep("parse a pointer", op_pointer, NULL);
	sweep("serialize and parse a tree", op_tree, NULL);
	sweep("canonical JSON", op_json, NULL);
	sweep("parse and evaluate an expression", op_expr, NULL);
	sweep("read a CSV", op_csv, NULL);
	sweep("read JSON Lines", op_jsonl, NULL);
	sweep("store a file and a directory", op_store, after_store);
	make_shared_store();
	sweep("fsck --full", op_fsck, NULL);
	sweep("resolve a path and an id prefix", op_spec, NULL);
	sweep("log params and metrics to a run", op_run_log, NULL);
	sweep("record a run", op_run, NULL);
	make_registry();
	sweep("promote (policy, gates, approvals)", op_promote, after_promote);
	sweep("rollback", op_rollback, after_rollback);
	mlv_store_free(shared_st);
	return test_done("test_nomem");
}
