/*
 * Unit tests of the store: round trips of every size class, dedup, prefix
 * lookup, corruption detection, fault injection at every I/O point (in child
 * processes), concurrent writers, gc, index rebuild and map growth.
 */
#include <errno.h>
#include <stdatomic.h>
#include <fcntl.h>
#include <stdlib.h>
#include <unistd.h>
#include <dirent.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <liburing.h>
#include "internal.h"
#include "harness.h"

static char *new_store(const char *name)
{
	char *dir = test_subdir(name), path[4200];
	int existed = 1;
	snprintf(path, sizeof(path), "%s/.mlv", dir);
	CHECK_OK(mlv_store_create(path, &existed));
	CHECK(existed == 0);
	CHECK_OK(mlv_store_create(path, &existed));
	CHECK(existed == 1);
	free(dir);
	return strdup(path);
}

static int store_buf(mlv_store *st, mlv_oid *out, const void *data, size_t len, mlv_writer_stats *stats)
{
	mlv_writer *w = NULL;
	int rc = mlv_writer_new(&w, st);
	if (!rc)
		rc = mlv_writer_add_buf(w, out, data, len, MLV_OBJ_BLOB);
	if (!rc)
		rc = mlv_writer_commit(w);
	if (!rc && stats)
		mlv_writer_stats_get(w, stats);
	mlv_writer_free(w);
	return rc;
}

static int fsck_problems(mlv_store *st, int full)
{
	mlv_fsck_opts o = { full, NULL, NULL };
	mlv_fsck_result r;
	if (mlv_fsck(st, &o, &r))
		return -1;
	return (int)r.problems;
}

/* A CSV-like, compressible text of LEN bytes. */
static char *csv_text(size_t len, unsigned long long seed)
{
	char *s = malloc(len + 64);
	size_t n = 0;
	unsigned long long x = seed;
	while (n < len) {
		x = x * 6364136223846793005ULL + 1442695040888963407ULL;
		n += (size_t)snprintf(s + n, 64, "%llu,%.3f,cat%u\n", (x >> 40) % 100000, (double)((x >> 20) % 10000) / 7.0,
			(unsigned)((x >> 8) % 12));
	}
	return s;
}

static void test_roundtrip(void)
{
	char *path = new_store("roundtrip");
	mlv_store *st = NULL;
	static const size_t sizes[] = { 0, 1, 100, 16383, 16384, 65536, 262144, 262145, 1000000, 9000000 };
	CHECK_OK(mlv_store_open(&st, path));
	for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		size_t len = sizes[i];
		unsigned char *data = malloc(len + 1);
		mlv_oid id, want;
		mlv_buf back = MLV_BUF_INIT;
		mlv_objinfo info;
		test_random(data, len, i + 1);
		if (i % 2 && len > 1000) { /* half of them compressible */
			char *t = csv_text(len, i);
			memcpy(data, t, len);
			free(t);
		}
		mlv_hash_buf(&want, data, len);
		CHECK_OK(store_buf(st, &id, data, len, NULL));
		CHECK(mlv_oid_cmp(&id, &want) == 0); /* the id is sha256 of the bytes */
		CHECK_OK(mlv_object_info(st, &id, &info));
		CHECK(info.type == MLV_OBJ_BLOB && info.size == len);
		CHECK_OK(mlv_object_read_buf(st, &id, &back, UINT64_MAX));
		CHECK(back.size == len && (len == 0 || !memcmp(back.ptr, data, len)));
		mlv_buf_release(&back);
		free(data);
	}
	CHECK(fsck_problems(st, 1) == 0);
	mlv_store_free(st);
	free(path);
}

static void test_dedup_and_prefix(void)
{
	char *path = new_store("dedup");
	mlv_store *st = NULL;
	size_t len = 4u << 20;
	char *v1 = csv_text(len + 100000, 5);
	mlv_writer_stats s;
	mlv_oid a, b;
	char hex[65], pre[8];
	CHECK_OK(mlv_store_open(&st, path));
	CHECK_OK(store_buf(st, &a, v1, len, &s));
	CHECK(s.objects_new == 1 && s.chunks_new == s.chunks_total && s.bytes_stored < len / 2);
	/* the same again stores nothing new */
	CHECK_OK(store_buf(st, &a, v1, len, &s));
	CHECK(s.objects_new == 0 && s.chunks_new == 0 && s.bytes_stored == 0);
	/* 1% appended: only the tail chunk(s) are new */
	CHECK_OK(store_buf(st, &b, v1, len + len / 100, &s));
	CHECK(s.objects_new == 1 && s.bytes_new < len / 100 + 2 * 262144);
	fprintf(stderr, "append 1%%: %llu of %zu bytes new, %llu stored\n", (unsigned long long)s.bytes_new,
		len + len / 100, (unsigned long long)s.bytes_stored);

	/* prefixes: full, unique short, too short, not hex, absent */
	mlv_oid r;
	mlv_oid_fmt(hex, &a);
	CHECK_OK(mlv_object_resolve(st, &r, hex));
	CHECK(!mlv_oid_cmp(&r, &a));
	memcpy(pre, hex, 7);
	pre[7] = 0;
	CHECK_OK(mlv_object_resolve(st, &r, pre));
	CHECK(!mlv_oid_cmp(&r, &a));
	CHECK_RC(mlv_object_resolve(st, &r, "abc"), MLV_EINVALID);
	CHECK_RC(mlv_object_resolve(st, &r, "xyz123"), MLV_EINVALID);
	pre[0] = pre[0] == '0' ? '1' : '0';
	pre[1] = pre[1] == '0' ? '1' : '0';
	CHECK_RC(mlv_object_resolve(st, &r, pre), MLV_ENOTFOUND);
	/* an ambiguous prefix: store objects until two share the first 4 hex digits */
	{
		unsigned seen[65536] = { 0 };
		char buf[32], found[5] = { 0 };
		for (unsigned i = 1; i < 100000 && !found[0]; i++) {
			mlv_oid t;
			int n = snprintf(buf, sizeof(buf), "%u", i);
			mlv_hash_buf(&t, buf, (size_t)n);
			unsigned k = (unsigned)t.id[0] << 8 | t.id[1];
			if (seen[k]) {
				mlv_oid x;
				char o[32];
				int m = snprintf(o, sizeof(o), "%u", seen[k]);
				CHECK_OK(store_buf(st, &x, o, (size_t)m, NULL));
				CHECK_OK(store_buf(st, &x, buf, (size_t)n, NULL));
				memcpy(found, mlv_oid_fmt(hex, &x), 4);
			}
			seen[k] = i;
		}
		CHECK(found[0] != 0);
		CHECK_RC(mlv_object_resolve(st, &r, found), MLV_EAMBIGUOUS);
		CHECK(strstr(mlv_error_last(), "ambiguous") && strstr(mlv_error_last(), "candidates"));
	}
	mlv_store_free(st);
	free(v1);
	free(path);
}

static char *only_pack(const char *mlvdir)
{
	char dir[4200], *found = NULL;
	snprintf(dir, sizeof(dir), "%s/objects/pack", mlvdir);
	DIR *d = opendir(dir);
	struct dirent *de;
	while (d && (de = readdir(d)))
		if (!strncmp(de->d_name, "pack-", 5)) {
			mlv_buf p = MLV_BUF_INIT;
			mlv_buf_printf(&p, "%s/%s", dir, de->d_name);
			free(found);
			found = mlv_buf_detach(&p);
		}
	if (d)
		closedir(d);
	return found;
}

static void test_corruption(void)
{
	char *path = new_store("corrupt");
	mlv_store *st = NULL;
	size_t len = 300000;
	unsigned char *data = malloc(len);
	mlv_oid id;
	mlv_buf back = MLV_BUF_INIT;
	test_random(data, len, 11);
	CHECK_OK(mlv_store_open(&st, path));
	CHECK_OK(store_buf(st, &id, data, len, NULL));
	CHECK(fsck_problems(st, 1) == 0);
	mlv_store_free(st);
	st = NULL;

	/* flip one byte in the middle of the pack (inside a raw chunk payload) */
	char *pack = only_pack(path);
	CHECK(pack != NULL);
	chmod(pack, 0644);
	int fd = open(pack, O_RDWR);
	unsigned char c;
	CHECK(pread(fd, &c, 1, 150000) == 1);
	c ^= 0x40;
	CHECK(pwrite(fd, &c, 1, 150000) == 1);
	close(fd);
	CHECK_OK(mlv_store_open(&st, path));
	CHECK_RC(mlv_object_read_buf(st, &id, &back, UINT64_MAX), MLV_ECORRUPT);
	CHECK(back.size == 0);
	CHECK(fsck_problems(st, 0) > 0);
	CHECK(fsck_problems(st, 1) > 0);
	mlv_store_free(st);
	st = NULL;
	/* put it back, then truncate the pack */
	fd = open(pack, O_RDWR);
	c ^= 0x40;
	CHECK(pwrite(fd, &c, 1, 150000) == 1);
	CHECK(ftruncate(fd, 200000) == 0);
	close(fd);
	CHECK_OK(mlv_store_open(&st, path));
	CHECK_RC(mlv_object_verify(st, &id), MLV_ECORRUPT);
	CHECK(fsck_problems(st, 0) > 0);
	mlv_store_free(st);
	free(pack);
	free(data);
	mlv_buf_release(&back);
	free(path);
}

/* Run FN in a child with fault injection at point N; return its exit status (or 128+signal). */
static int run_child(void (*fn)(const char *), const char *path, long n, const char *err, const char *log)
{
	pid_t pid = fork();
	if (pid == 0) {
		char num[32];
		snprintf(num, sizeof(num), "%ld", n);
		if (n)
			setenv("MLV_FAULT_AT", num, 1);
		if (err)
			setenv("MLV_FAULT_ERRNO", err, 1);
		if (log)
			setenv("MLV_FAULT_LOG", log, 1);
		mlv_io_fault_reset();
		fn(path);
		_exit(0);
	}
	int status;
	waitpid(pid, &status, 0);
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

static unsigned char fault_data[700000];

static void child_store(const char *path)
{
	mlv_store *st;
	mlv_oid id;
	if (mlv_store_open(&st, path))
		_exit(3);
	int rc = store_buf(st, &id, fault_data, sizeof(fault_data), NULL);
	mlv_store_free(st);
	_exit(rc ? 1 : 0);
}

static void test_faults(void)
{
	char *path = new_store("faults"), log[4300];
	mlv_store *st = NULL;
	mlv_oid want;
	long points = 0;
	test_random(fault_data, sizeof(fault_data), 3);
	mlv_hash_buf(&want, fault_data, sizeof(fault_data));
	snprintf(log, sizeof(log), "%s/points.log", test_tmpdir());
	/* count the injection points of one store (in a scratch copy of the store) */
	char *count_path = new_store("faults-count");
	CHECK(run_child(child_store, count_path, 0, NULL, log) == 0);
	FILE *f = fopen(log, "r");
	char line[512];
	while (f && fgets(line, sizeof(line), f))
		points++;
	if (f)
		fclose(f);
	fprintf(stderr, "storing one object passes %ld injection points\n", points);
	CHECK(points >= 4);
	static const char *const errs[] = { "ENOSPC", "EIO", NULL };
	for (long n = 1; n <= points; n++) {
		for (int e = 0; e <= 2; e++) {
			int status = run_child(child_store, path, n, errs[e], NULL);
			mlv_objinfo info;
			CHECK_OK(mlv_store_open(&st, path));
			if (errs[e]) {
				/* a clean failure, nothing visible */
				CHECK(status == 1);
				CHECK_RC(mlv_object_info(st, &want, &info), MLV_ENOTFOUND);
			} else {
				/* killed: the object is there whole or not at all */
				CHECK(status == 128 + 9);
				int rc = mlv_object_info(st, &want, &info);
				CHECK(rc == MLV_ENOTFOUND || (rc == 0 && mlv_object_verify(st, &want) == 0));
			}
			CHECK(fsck_problems(st, 1) == 0);
			/* and the next attempt succeeds */
			mlv_oid id;
			if (!errs[e])
				CHECK_OK(store_buf(st, &id, "x", 1, NULL));
			mlv_store_free(st);
			st = NULL;
		}
	}
	CHECK(run_child(child_store, path, 0, NULL, NULL) == 0);
	CHECK_OK(mlv_store_open(&st, path));
	CHECK_OK(mlv_object_verify(st, &want));
	/* gc removes the leftovers of the killed runs and keeps the store whole */
	mlv_gc_opts go = { 0, INT64_MAX, NULL, NULL, NULL };
	mlv_gc_result gr;
	CHECK_OK(mlv_gc(st, &go, &gr));
	CHECK(gr.objects_removed >= 1);
	CHECK(fsck_problems(st, 1) == 0);
	mlv_store_free(st);
	free(path);
	free(count_path);
}

/*
 * A file larger than a read block is written to the pack past the page cache
 * (O_DIRECT, by a thread of its own): the pack must be byte for byte the one
 * the buffered path writes for the same bytes, and a failure or a kill at any
 * of its writes must leave nothing visible.
 */
#define BIG_LEN ((12u << 20) + 12345)
static char big_file[4300];

static unsigned char *big_data(void)
{
	unsigned char *data = malloc(BIG_LEN);
	char *text = csv_text(BIG_LEN / 2, 9);
	test_random(data, BIG_LEN, 17);
	memcpy(data + BIG_LEN / 4, text, BIG_LEN / 2); /* raw, then compressed, then raw chunks */
	free(text);
	return data;
}

static int store_file(mlv_store *st, mlv_oid *out, const char *file)
{
	mlv_writer *w = NULL;
	int fd = open(file, O_RDONLY), rc;
	if (fd < 0)
		return -1;
	rc = mlv_writer_new(&w, st);
	if (!rc)
		rc = mlv_writer_add_fd(w, out, fd, MLV_OBJ_BLOB, file);
	if (!rc)
		rc = mlv_writer_commit(w);
	mlv_writer_free(w);
	close(fd);
	return rc;
}

static void child_store_big(const char *path)
{
	mlv_store *st;
	mlv_oid id;
	if (mlv_store_open(&st, path))
		_exit(3);
	int rc = store_file(st, &id, big_file);
	mlv_store_free(st);
	_exit(rc ? 1 : 0);
}

static unsigned char *read_all(const char *file, size_t *len)
{
	struct stat sb;
	int fd = open(file, O_RDONLY);
	unsigned char *p = NULL;
	if (fd >= 0 && fstat(fd, &sb) == 0 && (p = malloc((size_t)sb.st_size + 1)))
		*len = mlv_io_pread_full(fd, p, (size_t)sb.st_size, 0) == (ssize_t)sb.st_size ? (size_t)sb.st_size : 0;
	if (fd >= 0)
		close(fd);
	return p;
}

static void test_large_file(void)
{
	char *direct = new_store("big-direct"), *buffered = new_store("big-buffered"), log[4300];
	unsigned char *data = big_data();
	mlv_store *st = NULL;
	mlv_oid a, b;
	mlv_buf back = MLV_BUF_INIT;
	snprintf(big_file, sizeof(big_file), "%s/big.bin", test_tmpdir());
	int fd = open(big_file, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	CHECK(fd >= 0 && write(fd, data, BIG_LEN) == (ssize_t)BIG_LEN);
	close(fd);
	CHECK_OK(mlv_store_open(&st, direct));
	CHECK_OK(store_file(st, &a, big_file));
	CHECK_OK(mlv_object_read_buf(st, &a, &back, UINT64_MAX));
	CHECK(back.size == BIG_LEN && !memcmp(back.ptr, data, BIG_LEN));
	CHECK(fsck_problems(st, 1) == 0);
	mlv_store_free(st);
	CHECK_OK(mlv_store_open(&st, buffered));
	CHECK_OK(store_buf(st, &b, data, BIG_LEN, NULL));
	mlv_store_free(st);
	st = NULL;
	CHECK(!mlv_oid_cmp(&a, &b));
	/* from the middle of a descriptor: at an offset O_DIRECT can read from, and at one it cannot */
	char *offsets = new_store("big-offsets");
	for (off_t at = 8192; at <= 8192 + 1000; at += 1000) {
		mlv_writer *w = NULL;
		mlv_oid want, got;
		mlv_hash_buf(&want, data + at, BIG_LEN - (size_t)at);
		CHECK_OK(mlv_store_open(&st, offsets));
		fd = open(big_file, O_RDONLY);
		CHECK(fd >= 0 && lseek(fd, at, SEEK_SET) == at);
		CHECK_OK(mlv_writer_new(&w, st));
		CHECK_OK(mlv_writer_add_fd(w, &got, fd, MLV_OBJ_BLOB, big_file));
		CHECK_OK(mlv_writer_commit(w));
		CHECK(!mlv_oid_cmp(&got, &want));
		/* left at the end, as reading it with read() would */
		CHECK(lseek(fd, 0, SEEK_CUR) == (off_t)BIG_LEN);
		mlv_writer_free(w);
		close(fd);
		CHECK_OK(mlv_object_verify(st, &got));
		mlv_store_free(st);
		st = NULL;
	}
	free(offsets);
	char *pa = only_pack(direct), *pb = only_pack(buffered);
	size_t la = 0, lb = 0;
	unsigned char *ca = pa ? read_all(pa, &la) : NULL, *cb = pb ? read_all(pb, &lb) : NULL;
	CHECK(ca && cb && la > BIG_LEN / 2 && la < BIG_LEN && la == lb && !memcmp(ca, cb, la));
	free(ca);
	free(cb);
	free(pa);
	free(pb);

	/* every injection point of storing it: a clean failure or whole-or-nothing */
	char *path = new_store("big-faults");
	long points = 0;
	snprintf(log, sizeof(log), "%s/big-points.log", test_tmpdir());
	char *count_path = new_store("big-count");
	CHECK(run_child(child_store_big, count_path, 0, NULL, log) == 0);
	free(count_path);
	FILE *f = fopen(log, "r");
	char line[512];
	while (f && fgets(line, sizeof(line), f))
		points++;
	if (f)
		fclose(f);
	fprintf(stderr, "storing a %u-byte file passes %ld injection points\n", BIG_LEN, points);
	CHECK(points >= 6);
	for (long n = 1; n <= points; n++) {
		for (int e = 0; e < 2; e++) {
			int status = run_child(child_store_big, path, n, e ? "ENOSPC" : NULL, NULL);
			mlv_objinfo info;
			CHECK_OK(mlv_store_open(&st, path));
			if (e) {
				CHECK(status == 1);
				CHECK_RC(mlv_object_info(st, &a, &info), MLV_ENOTFOUND);
			} else {
				CHECK(status == 128 + 9);
				int rc = mlv_object_info(st, &a, &info);
				CHECK(rc == MLV_ENOTFOUND || (rc == 0 && mlv_object_verify(st, &a) == 0));
			}
			CHECK(fsck_problems(st, 1) == 0);
			mlv_store_free(st);
			st = NULL;
		}
	}
	CHECK(run_child(child_store_big, path, 0, NULL, NULL) == 0);
	CHECK_OK(mlv_store_open(&st, path));
	CHECK_OK(mlv_object_verify(st, &a));
	mlv_store_free(st);
	unlink(big_file);
	mlv_buf_release(&back);
	free(data);
	free(path);
	free(direct);
	free(buffered);
}

static void child_concurrent(const char *path)
{
	/* each child stores a shared object and one of its own, in several commits */
	mlv_store *st;
	mlv_oid id;
	char *shared = csv_text(2u << 20, 42);
	unsigned char own[100000];
	test_random(own, sizeof(own), (unsigned long long)getpid());
	if (mlv_store_open(&st, path))
		_exit(3);
	for (int i = 0; i < 3; i++)
		if (store_buf(st, &id, shared, 2u << 20, NULL) || store_buf(st, &id, own, sizeof(own) - (size_t)i, NULL))
			_exit(1);
	mlv_store_free(st);
	free(shared);
	_exit(0);
}

static void test_concurrency(void)
{
	char *path = new_store("concurrent");
	mlv_store *st = NULL;
	pid_t pids[8];
	int ok = 0;
	for (int i = 0; i < 8; i++) {
		pids[i] = fork();
		if (pids[i] == 0)
			child_concurrent(path);
	}
	for (int i = 0; i < 8; i++) {
		int status;
		waitpid(pids[i], &status, 0);
		ok += WIFEXITED(status) && WEXITSTATUS(status) == 0;
	}
	CHECK(ok == 8);
	CHECK_OK(mlv_store_open(&st, path));
	mlv_fsck_opts o = { 1, NULL, NULL };
	mlv_fsck_result r;
	CHECK_OK(mlv_fsck(st, &o, &r));
	CHECK(r.problems == 0 && r.objects == 1 + 8 * 3);
	mlv_store_free(st);
	free(path);
}

static int roots_one(void *payload, mlv_root_emit_fn emit, void *ep)
{
	return emit(ep, payload);
}

static void test_gc_and_rebuild(void)
{
	char *path = new_store("gc");
	mlv_store *st = NULL;
	char *a = csv_text(1u << 20, 1), *b = csv_text(1u << 20, 2);
	mlv_oid ia, ib;
	mlv_gc_result r;
	CHECK_OK(mlv_store_open(&st, path));
	CHECK_OK(store_buf(st, &ia, a, 1u << 20, NULL));
	CHECK_OK(store_buf(st, &ib, b, 1u << 20, NULL));
	/* within the grace period nothing goes */
	mlv_gc_opts o = { 0, 0, NULL, NULL, NULL };
	CHECK_OK(mlv_gc(st, &o, &r));
	CHECK(r.objects_removed == 0 && r.objects_kept == 2);
	/* a dry run reports but keeps */
	mlv_gc_opts dry = { 1, INT64_MAX, NULL, &ia, roots_one };
	CHECK_OK(mlv_gc(st, &dry, &r));
	CHECK(r.objects_removed == 1);
	CHECK_OK(mlv_object_verify(st, &ib));
	/* with the grace period over, what no root reaches goes */
	mlv_gc_opts now = { 0, INT64_MAX, NULL, &ia, roots_one };
	CHECK_OK(mlv_gc(st, &now, &r));
	CHECK(r.objects_removed == 1 && r.objects_kept == 1 && r.bytes_after < r.bytes_before);
	CHECK_OK(mlv_object_verify(st, &ia));
	mlv_objinfo info;
	CHECK_RC(mlv_object_info(st, &ib, &info), MLV_ENOTFOUND);
	CHECK(fsck_problems(st, 1) == 0);
	/* a root callback that fails makes gc delete nothing */
	CHECK_OK(store_buf(st, &ib, b, 1u << 20, NULL));
	{
		static mlv_oid missing;
		memset(&missing, 0xab, sizeof(missing));
		mlv_gc_opts m = { 0, INT64_MAX, NULL, &missing, roots_one };
		CHECK(mlv_gc(st, &m, &r) != 0); /* a root that does not exist: refuse */
		CHECK_OK(mlv_object_verify(st, &ib));
	}
	/* rebuild the index from the packs alone */
	uint64_t no = 0, nc = 0, sk = 0;
	CHECK_OK(mlv_index_rebuild(st, &no, &nc, &sk));
	CHECK(no == 2 && sk == 0);
	CHECK_OK(mlv_object_verify(st, &ia));
	CHECK_OK(mlv_object_verify(st, &ib));
	CHECK(fsck_problems(st, 1) == 0);
	mlv_store_free(st);
	free(a);
	free(b);
	free(path);
}

static void test_trees(void)
{
	char *path = new_store("trees"), *dir = test_subdir("tree-src"), p[4300];
	mlv_store *st = NULL;
	mlv_writer *w = NULL;
	mlv_oid id;
	uint64_t nfiles = 0, total = 0;
	snprintf(p, sizeof(p), "%s/sub", dir);
	mkdir(p, 0755);
	snprintf(p, sizeof(p), "%s/sub/a.csv", dir);
	test_write_file(p, "x,y\n1,2\n", 8);
	snprintf(p, sizeof(p), "%s/b.bin", dir);
	test_write_file(p, "bb", 2);
	snprintf(p, sizeof(p), "%s/link", dir);
	CHECK(symlink("../../outside", p) == 0);
	CHECK_OK(mlv_store_open(&st, path));
	CHECK_OK(mlv_writer_new(&w, st));
	CHECK_OK(mlv_writer_add_dir(w, &id, dir, &nfiles, &total));
	CHECK_OK(mlv_writer_commit(w));
	mlv_writer_free(w);
	CHECK(nfiles == 3 && total == 8 + 2 + strlen("../../outside"));
	mlv_tree *t = NULL;
	CHECK_OK(mlv_tree_read(&t, st, &id));
	CHECK(t && t->n == 3);
	if (t && t->n == 3) {
		CHECK_STR(t->entries[0].name, "b.bin");
		CHECK_STR(t->entries[1].name, "link");
		CHECK(t->entries[1].mode == MLV_MODE_LINK);
		CHECK(t->entries[2].mode == MLV_MODE_TREE && t->entries[2].size == 8);
	}
	mlv_tree_free(t);
	/* a directory holding a name a tree may not hold is refused */
	snprintf(p, sizeof(p), "%s/.GIT", dir);
	mkdir(p, 0755);
	CHECK_OK(mlv_writer_new(&w, st));
	CHECK_RC(mlv_writer_add_dir(w, &id, dir, NULL, NULL), MLV_EINVALID);
	CHECK(strstr(mlv_error_last(), ".GIT") != NULL);
	mlv_writer_free(w);
	/* a tree object that names hostile paths cannot be stored as a tree */
	CHECK_OK(mlv_writer_new(&w, st));
	char bad[64];
	int n = snprintf(bad, sizeof(bad), "100644 1 ..");
	memset(bad + n + 1, 0, 32);
	CHECK_RC(mlv_writer_add_buf(w, &id, bad, (size_t)n + 33, MLV_OBJ_TREE), MLV_EINVALID);
	CHECK_RC(mlv_writer_add_buf(w, &id, "{\"a\":", 5, MLV_OBJ_JSON), MLV_EINVALID);
	CHECK_OK(mlv_writer_add_buf(w, &id, "{\"a\":1}", 7, MLV_OBJ_JSON));
	CHECK_OK(mlv_writer_commit(w));
	mlv_writer_free(w);
	CHECK(fsck_problems(st, 1) == 0);
	mlv_store_free(st);
	free(dir);
	free(path);
}

/* Store DIR in a new store NAME; its tree id in *ID, the store's path in *KEEP unless NULL. */
static uint64_t last_prefetched; /* files the last store_dir read through io_uring */

static int store_dir(const char *name, const char *dir, mlv_oid *id, uint64_t *nfiles, uint64_t *total, char **keep)
{
	char *path = new_store(name);
	mlv_store *st = NULL;
	mlv_writer *w = NULL;
	int rc = mlv_store_open(&st, path);
	last_prefetched = 0;
	if (!rc && !(rc = mlv_writer_new(&w, st))) {
		mlv_writer_stats ws;
		if (!(rc = mlv_writer_add_dir(w, id, dir, nfiles, total)))
			rc = mlv_writer_commit(w);
		mlv_writer_stats_get(w, &ws);
		last_prefetched = ws.files_prefetched;
		mlv_writer_free(w);
	}
	if (!rc && fsck_problems(st, 1))
		rc = MLV_ECORRUPT;
	mlv_store_free(st);
	if (keep)
		*keep = path;
	else
		free(path);
	return rc;
}

/*
 * A tree's small files are queued across directories and stored at flushes:
 * flushing after every directory, once at the end, or storing a
 * subdirectory alone all give the same ids; a failure after files were
 * queued (or flushed) leaves nothing behind (ASan checks the rest).
 */
static void test_tree_walk(void)
{
	char *dir = test_subdir("walk-src"), p[4300];
	mlv_oid id1, id2, id3, sub_id;
	uint64_t n1 = 0, t1 = 0, n2 = 0, t2 = 0;
	size_t nf = 0, bytes = 0, s40 = 0;
	char *keep = NULL;
	for (int k = 0; k < 3; k++) {
		snprintf(p, sizeof(p), "%s/r%d.txt", dir, k);
		test_write_file(p, "root file\n", 10 - (size_t)k);
		nf++, bytes += 10 - (size_t)k;
	}
	/* more directories than a flush waits for (PENDING_DIRS), files before and after them */
	for (int d = 0; d < 70; d++) {
		snprintf(p, sizeof(p), "%s/s%02d", dir, d);
		CHECK(mkdir(p, 0755) == 0);
		for (int k = 0; k < 3; k++) {
			char body[64];
			int len = snprintf(body, sizeof(body), "dir %d file %d\n", d, k);
			snprintf(p, sizeof(p), "%s/s%02d/f%d", dir, d, k);
			test_write_file(p, body, (size_t)len);
			nf++, bytes += (size_t)len;
			s40 += d == 40 ? (size_t)len : 0;
		}
		if (d % 10 == 0) {
			snprintf(p, sizeof(p), "%s/s%02d/deep", dir, d);
			CHECK(mkdir(p, 0755) == 0);
			snprintf(p, sizeof(p), "%s/s%02d/deep/x", dir, d);
			test_write_file(p, "x", 1);
			nf++, bytes += 1;
			s40 += d == 40;
		}
	}
	/* more small files than a batch holds (BATCH_FILES): the ring reads one batch while the pool hashes another */
	snprintf(p, sizeof(p), "%s/many", dir);
	CHECK(mkdir(p, 0755) == 0);
	for (int k = 0; k < 700; k++) {
		char body[200];
		int len = snprintf(body, sizeof(body), "many %d %0*d\n", k, k % 150, k);
		snprintf(p, sizeof(p), "%s/many/m%03d", dir, k);
		test_write_file(p, body, (size_t)len);
		nf++, bytes += (size_t)len;
	}
	/* one file past SMALL_FILE, stored during the walk */
	char *big = csv_text(5u << 20, 7);
	snprintf(p, sizeof(p), "%s/s33/big.csv", dir);
	test_write_file(p, big, 5u << 20);
	nf++, bytes += 5u << 20;
	free(big);
	unsetenv("MLV_IO_URING"); /* the ring's own default, whatever the caller's environment says */
	CHECK_OK(store_dir("walk-1", dir, &id1, &n1, &t1, &keep));
	CHECK(n1 == nf && t1 == bytes);
	/* every small file came through the ring, unless the kernel refuses io_uring */
	{
		struct io_uring ring;
		if (io_uring_queue_init(8, &ring, 0) == 0) {
			io_uring_queue_exit(&ring);
			CHECK(last_prefetched == nf - 1); /* all but big.csv */
		} else {
			fprintf(stderr, "test_store: note: io_uring is not available here; only the pool's own reads were tested\n");
		}
	}
	setenv("MLV_TEST_WALK_FLUSH", "1", 1);
	CHECK_OK(store_dir("walk-2", dir, &id2, &n2, &t2, NULL));
	unsetenv("MLV_TEST_WALK_FLUSH");
	CHECK(!mlv_oid_cmp(&id1, &id2) && n2 == nf && t2 == bytes);
	/* the pool reading the files itself, as where the kernel refuses io_uring: the same ids */
	setenv("MLV_IO_URING", "0", 1);
	CHECK_OK(store_dir("walk-6", dir, &id2, &n2, &t2, NULL));
	unsetenv("MLV_IO_URING");
	CHECK(!mlv_oid_cmp(&id1, &id2) && n2 == nf && t2 == bytes && last_prefetched == 0);
	/* a subdirectory's entry is the id it has stored alone */
	snprintf(p, sizeof(p), "%s/s40", dir);
	CHECK_OK(store_dir("walk-3", p, &sub_id, NULL, NULL, NULL));
	{
		char *path = keep;
		mlv_store *st = NULL;
		mlv_tree *t = NULL;
		CHECK_OK(mlv_store_open(&st, path));
		CHECK_OK(mlv_tree_read(&t, st, &id1));
		int seen = 0;
		for (size_t i = 0; t && i < t->n; i++)
			if (!strcmp(t->entries[i].name, "s40")) {
				seen = 1;
				CHECK(!mlv_oid_cmp(&t->entries[i].oid, &sub_id));
				CHECK(t->entries[i].mode == MLV_MODE_TREE && t->entries[i].size == s40);
			}
		CHECK(seen);
		mlv_tree_free(t);
		mlv_store_free(st);
		free(path);
	}
	/* a FIFO in a late directory: refused after earlier directories were queued, or flushed */
	snprintf(p, sizeof(p), "%s/s69/pipe", dir);
	CHECK(mkfifo(p, 0644) == 0);
	for (int flush = 0; flush < 2; flush++) {
		if (flush)
			setenv("MLV_TEST_WALK_FLUSH", "1", 1);
		CHECK_RC(store_dir(flush ? "walk-5" : "walk-4", dir, &id3, NULL, NULL, NULL), MLV_EINVALID);
		CHECK(strstr(mlv_error_last(), "s69/pipe") != NULL);
		unsetenv("MLV_TEST_WALK_FLUSH");
	}
	free(dir);
}

static void test_map_growth(void)
{
	char *path;
	mlv_store *st = NULL;
	mlv_writer *w = NULL;
	setenv("MLV_INDEX_MAP_SIZE", "262144", 1);
	path = new_store("growth");
	CHECK_OK(mlv_store_open(&st, path));
	CHECK_OK(mlv_writer_new(&w, st));
	for (int i = 0; i < 20000; i++) {
		char buf[32];
		mlv_oid id;
		int n = snprintf(buf, sizeof(buf), "object %d", i);
		if (mlv_writer_add_buf(w, &id, buf, (size_t)n, MLV_OBJ_BLOB)) {
			CHECK(0);
			break;
		}
	}
	CHECK_OK(mlv_writer_commit(w));
	mlv_writer_free(w);
	mlv_fsck_result r;
	mlv_fsck_opts o = { 0, NULL, NULL };
	CHECK_OK(mlv_fsck(st, &o, &r));
	CHECK(r.objects == 20000 && r.problems == 0);
	mlv_store_free(st);
	unsetenv("MLV_INDEX_MAP_SIZE");
	free(path);
}

/*
 * A large object's chunks reach the sink from whichever pool thread read
 * them: the calls must still come one at a time, in order, and a sink's
 * failure (its code and message) must come back from the read, with no call
 * after it. 24 MiB is some 380 chunks: more than one window of them. Read
 * into a file's writer instead, the chunks decompressed in its buffer must
 * land where they belong, and a write error must come back naming the file.
 */
struct order_sink {
	const unsigned char *want;
	size_t len, got;
	int calls, fail_at, overlaps;
	_Atomic int inside;
};

static int order_sink(void *payload, const void *data, size_t len)
{
	struct order_sink *o = payload;
	int rc = 0;
	if (atomic_fetch_add(&o->inside, 1) != 0)
		o->overlaps++;
	o->calls++;
	if (o->calls == o->fail_at)
		rc = mlv_error_set(MLV_EIO, "the sink refused call %d", o->calls);
	else if (o->got + len > o->len || memcmp(o->want + o->got, data, len))
		rc = mlv_error_set(MLV_EINVALID, "bytes out of order at %zu", o->got);
	else
		o->got += len;
	atomic_fetch_sub(&o->inside, 1);
	return rc;
}

static void test_read_sink_order(void)
{
	char *path = new_store("read-order");
	mlv_store *st = NULL;
	size_t len = 24u << 20;
	unsigned char *data = malloc(len);
	mlv_objinfo info;
	mlv_oid id;
	test_random(data, len, 33);
	CHECK_OK(mlv_store_open(&st, path));
	CHECK_OK(store_buf(st, &id, data, len, NULL));
	CHECK_OK(mlv_object_info(st, &id, &info));
	CHECK(info.nchunks > 300);
	for (int priv = 0; priv < 2; priv++) {
		struct order_sink o = { data, len, 0, 0, 0, 0, 0 };
		CHECK_OK(priv ? mlv_object_read_private(st, &id, order_sink, &o) : mlv_object_read(st, &id, order_sink, &o));
		CHECK(o.got == len && o.overlaps == 0 && o.calls == (int)info.nchunks);
		struct order_sink f = { data, len, 0, 0, 250, 0, 0 };
		CHECK_RC(priv ? mlv_object_read_private(st, &id, order_sink, &f) : mlv_object_read(st, &id, order_sink, &f),
			MLV_EIO);
		CHECK_STR(mlv_error_last(), "the sink refused call 250");
		CHECK(f.calls == 250 && f.overlaps == 0);
	}
	/* straight into a file's writer, through a 1 MiB buffer: most chunks land in it decompressed */
	char file[4300];
	snprintf(file, sizeof(file), "%s/read-order.out", test_tmpdir());
	for (int bad = 0; bad < 2; bad++) {
		struct mlv__seqw w;
		unsigned char *back = malloc(len);
		int fd = open(file, bad ? O_RDONLY | O_CREAT : O_RDWR | O_CREAT | O_TRUNC, 0600);
		CHECK(fd >= 0 && back);
		CHECK_OK(mlv__seqw_init(&w, fd, 1u << 20, "read-order.out"));
		mlv__seqw_direct(&w);
		if (bad) {
			/* a descriptor that cannot write: the writer's error, naming the file */
			CHECK_RC(mlv__object_read_seqw(st, &id, &w), MLV_EIO);
			CHECK(strncmp(mlv_error_last(), "cannot write 'read-order.out': ", 31) == 0);
		} else {
			CHECK_OK(mlv__object_read_seqw(st, &id, &w));
			CHECK_OK(mlv__seqw_flush(&w));
			CHECK(w.pos == len);
		}
		mlv__seqw_release(&w);
		close(fd);
		if (!bad) {
			fd = open(file, O_RDONLY);
			CHECK(fd >= 0 && pread(fd, back, len, 0) == (ssize_t)len && !memcmp(back, data, len));
			close(fd);
		}
		free(back);
	}
	unlink(file);
	mlv_store_free(st);
	free(data);
	free(path);
}

/* A large object is read by several threads: damage anywhere is still refused. */
static void test_corruption_parallel(void)
{
	char *path = new_store("corrupt-par");
	mlv_store *st = NULL;
	size_t len = 3u << 20;
	unsigned char *data = malloc(len);
	mlv_oid id;
	mlv_buf back = MLV_BUF_INIT;
	test_random(data, len, 21);
	CHECK_OK(mlv_store_open(&st, path));
	CHECK_OK(store_buf(st, &id, data, len, NULL));
	CHECK_OK(mlv_object_read_buf(st, &id, &back, UINT64_MAX));
	CHECK(back.size == len && !memcmp(back.ptr, data, len));
	mlv_buf_clear(&back);
	mlv_store_free(st);
	st = NULL;
	char *pack = only_pack(path);
	CHECK(pack != NULL);
	chmod(pack, 0644);
	int fd = open(pack, O_RDWR);
	unsigned char c;
	for (off_t at = 1000000; at <= 2500000; at += 1500000) {
		CHECK(pread(fd, &c, 1, at) == 1);
		c ^= 1;
		CHECK(pwrite(fd, &c, 1, at) == 1);
		CHECK_OK(mlv_store_open(&st, path));
		back.size = 0;
		CHECK_RC(mlv_object_read_buf(st, &id, &back, UINT64_MAX), MLV_ECORRUPT);
		CHECK(back.size == 0);
		CHECK(strstr(mlv_error_last(), "is damaged") != NULL);
		mlv_store_free(st);
		st = NULL;
		c ^= 1;
		CHECK(pwrite(fd, &c, 1, at) == 1);
	}
	close(fd);
	free(pack);
	free(data);
	mlv_buf_release(&back);
	free(path);
}

int main(void)
{
	test_roundtrip();
	test_corruption_parallel();
	test_read_sink_order();
	test_dedup_and_prefix();
	test_corruption();
	test_faults();
	test_large_file();
	test_concurrency();
	test_gc_and_rebuild();
	test_trees();
	test_tree_walk();
	test_map_growth();
	return test_done("test_store");
}
