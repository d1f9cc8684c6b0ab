/*
 * Hostile paths: trees whose entry names would escape the work tree or reach
 * into .git / .mlv ("../x", "/abs", "a/../../x", "..\x", "C:\x", NUL bytes,
 * empty and "." names, duplicates, .git and .mlv in any case, with trailing
 * dots or spaces, as NTFS short names and with the code points HFS+ ignores),
 * and symlinks a file would be written through. Each hostile tree is crafted
 * as raw bytes in a pack file of its own (the writer refuses to store one),
 * indexed by an index rebuild as a damaged or hostile store would be, and
 * named by a pointer. Every checkout must refuse, and a sentinel directory
 * around the work tree is compared byte for byte before and after.
 */
#include <dirent.h>
#include <fcntl.h>
#include <stdlib.h>
#include <unistd.h>
#include <sys/stat.h>
#include "harness.h"
#include "internal.h"

static const char *root;      /* holds outside/ (the sentinel) and wt/ */
static char wtdir[4096], mlvdir[4200], packdir[4300], outside[4096];

/* Every entry under DIR (but SKIP), with its type and bytes, appended to OUT. */
static void snapshot(mlv_buf *out, const char *dir, const char *skip)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	char **names = NULL;
	size_t n = 0;
	if (!d) {
		mlv_buf_printf(out, "cannot open %s\n", dir);
		return;
	}
	while ((e = readdir(d)))
		if (strcmp(e->d_name, ".") && strcmp(e->d_name, "..")) {
			names = realloc(names, (n + 1) * sizeof(*names));
			names[n++] = strdup(e->d_name);
		}
	closedir(d);
	for (size_t i = 0; i < n; i++)
		for (size_t j = i + 1; j < n; j++)
			if (strcmp(names[i], names[j]) > 0) {
				char *t = names[i];
				names[i] = names[j];
				names[j] = t;
			}
	for (size_t i = 0; i < n; i++) {
		char path[8192], buf[4096];
		struct stat sb;
		snprintf(path, sizeof(path), "%s/%s", dir, names[i]);
		if (!skip || strcmp(path, skip)) {
			lstat(path, &sb);
			mlv_buf_printf(out, "%s %o %lld\n", path, (unsigned)sb.st_mode, (long long)sb.st_size);
			if (S_ISDIR(sb.st_mode)) {
				snapshot(out, path, skip);
			} else if (S_ISLNK(sb.st_mode)) {
				ssize_t k = readlink(path, buf, sizeof(buf));
				mlv_buf_put(out, buf, k > 0 ? (size_t)k : 0);
			} else {
				int fd = open(path, O_RDONLY);
				ssize_t k;
				while (fd >= 0 && (k = read(fd, buf, sizeof(buf))) > 0)
					mlv_buf_put(out, buf, (size_t)k);
				if (fd >= 0)
					close(fd);
			}
		}
		free(names[i]);
	}
	free(names);
}

/* One tree entry: mode, size, name (LEN bytes, may hold anything), id. */
static void entry(mlv_buf *t, const char *mode, const char *name, size_t len, const mlv_oid *id)
{
	mlv_buf_printf(t, "%s 5 ", mode);
	mlv_buf_put(t, name, len);
	mlv_buf_putc(t, '\0');
	mlv_buf_put(t, id->id, MLV_OID_RAWSZ);
}

/* Store DATA as an object of TYPE in a pack of its own, bypassing the writer's checks. */
static void craft_object(mlv_oid *out, const void *data, size_t len, mlv_objtype type)
{
	static int packs;
	unsigned char head[MLV_PACK_HDRSZ] = MLV_PACK_MAGIC, hdr[MLV_ENTRY_HDRSZ];
	struct mlv_entry_hdr h;
	struct mlv_manifest m;
	mlv_buf man = MLV_BUF_INIT, pack = MLV_BUF_INIT;
	char path[4400];
	mlv_hash_buf(out, data, len);
	mlv__put_u32(head + 8, 1);
	mlv_buf_put(&pack, head, sizeof(head));
	memset(&h, 0, sizeof(h));
	h.kind = MLV_ENTRY_CHUNK;
	h.comp = MLV_COMP_RAW;
	h.raw_len = h.stored_len = (uint32_t)len;
	h.id = *out;
	mlv__entry_hdr_encode(hdr, &h);
	mlv_buf_put(&pack, hdr, sizeof(hdr));
	mlv_buf_put(&pack, data, len);
	m.type = type;
	m.size = len;
	m.nchunks = 1;
	m.chunks = out;
	CHECK_OK(mlv__manifest_encode(&man, &m));
	h.kind = MLV_ENTRY_MANIFEST;
	h.raw_len = h.stored_len = (uint32_t)man.size;
	mlv__entry_hdr_encode(hdr, &h);
	mlv_buf_put(&pack, hdr, sizeof(hdr));
	mlv_buf_put(&pack, man.ptr, man.size);
	snprintf(path, sizeof(path), "%s/pack-%032d.pack", packdir, ++packs);
	test_write_file(path, pack.ptr, pack.size);
	mlv_buf_release(&man);
	mlv_buf_release(&pack);
}

static void print_problem(void *payload, const char *kind, const mlv_oid *oid, const char *message)
{
	char hex[MLV_OID_HEXSZ + 1];
	(void)payload;
	printf("  %s %s %s\n", kind, oid ? mlv_oid_fmt(hex, oid) : "-", message);
}

static int count_action(void *payload, const char *path, mlv_checkout_action action)
{
	(void)path;
	(void)action;
	(*(int *)payload)++;
	return 0;
}

static mlv_store *open_store(void)
{
	mlv_store *st = NULL;
	uint64_t o, c, s;
	CHECK_OK(mlv_store_open(&st, mlvdir));
	if (st)
		CHECK_OK(mlv_index_rebuild(st, &o, &c, &s));
	return st;
}

/*
 * Point "d.mlv" at tree TREE and check out d (forced and not): refused, the
 * sentinel and everything around the work tree unchanged, and no file of the
 * hostile tree written anywhere. Returns 1 when refused.
 */
static int refused(const char *what, const mlv_oid *tree)
{
	mlv_buf before = MLV_BUF_INIT, after = MLV_BUF_INIT;
	mlv_store *st = open_store();
	mlv_worktree *wt = NULL;
	mlv_pointer p;
	char ptr[4400];
	int ok = 1, n = 0;
	memset(&p, 0, sizeof(p));
	p.kind = MLV_PTR_DIR;
	p.oid = *tree;
	p.size = 5;
	p.files = 1;
	snprintf(ptr, sizeof(ptr), "%s/d.mlv", wtdir);
	CHECK_OK(mlv_pointer_write(ptr, &p));
	snapshot(&before, root, mlvdir);
	CHECK_OK(mlv_worktree_open(&wt, st, wtdir));
	for (int force = 0; wt && force < 2; force++) {
		int rc = mlv_worktree_checkout(wt, "d", 0, force, count_action, &n);
		if (rc == 0) {
			fprintf(stderr, "hostile tree %s: checkout (force %d) did not refuse\n", what, force);
			ok = 0;
		}
	}
	snapshot(&after, root, mlvdir);
	/* empty directories inside the work tree (d/, d/sub/) may be left: nothing else */
	if (before.size != after.size || memcmp(before.ptr, after.ptr, before.size)) {
		mlv_buf b2 = MLV_BUF_INIT;
		char d[4400];
		snprintf(d, sizeof(d), "%s/d/sub", wtdir);
		rmdir(d);
		snprintf(d, sizeof(d), "%s/d", wtdir);
		rmdir(d);
		snapshot(&b2, root, mlvdir);
		if (b2.size != before.size || memcmp(b2.ptr, before.ptr, b2.size)) {
			fprintf(stderr, "hostile tree %s: something was written:\n%s\n--- was:\n%s\n", what,
				mlv_buf_cstr(&after), mlv_buf_cstr(&before));
			ok = 0;
		}
		mlv_buf_release(&b2);
	}
	CHECK(n == 0);
	mlv_worktree_free(wt);
	mlv_store_free(st);
	unlink(ptr);
	mlv_buf_release(&before);
	mlv_buf_release(&after);
	CHECK(ok);
	return ok;
}

struct hostile { const char *label; const char *name; size_t len; };
#define H(label, lit) { label, lit, sizeof(lit) - 1 }

static const struct hostile names[] = {
	H("..", ".."), H("../x", "../x"), H("/abs", "/abs"), H("/etc/passwd", "/etc/passwd"),
	H("a/../../x", "a/../../x"), H("a/b", "a/b"), H("..\\x", "..\\x"), H("C:\\x", "C:\\x"), H("C:x", "C:x"),
	H("NUL inside", "a\0b"), H("NUL first", "\0x"), H("empty", ""), H(".", "."), H("...", "..."),
	H(".. with trailing space", ".. "),
	H(".git", ".git"), H(".GIT", ".GIT"), H(".Git", ".Git"), H(".git.", ".git."), H(".git trailing space", ".git "),
	H(".git...", ".git..."), H("git~1", "git~1"), H("GIT~1", "GIT~1"),
	H(".mlv", ".mlv"), H(".MLV", ".MLV"), H(".mLv.", ".mLv."), H("mlv~1", "mlv~1"), H("MLV~1", "MLV~1"),
	H(".g<ZWNJ>it", ".g\xe2\x80\x8cit"), H("<BOM>.git", "\xef\xbb\xbf.git"), H(".git<ZWJ>", ".git\xe2\x80\x8d"),
	H(".GI<U+206F>T", ".GI\xe2\x81\xafT"), H(".<LRM>mlv", ".\xe2\x80\x8emlv"),
};

static void test_names(const mlv_oid *blob)
{
	int refusedn = 0, total = 0;
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		mlv_buf t = MLV_BUF_INIT, outer = MLV_BUF_INIT;
		mlv_tree *parsed = NULL;
		mlv_oid id, oid2;
		entry(&t, "100644", names[i].name, names[i].len, blob);
		/* the parser refuses it */
		CHECK(mlv_tree_parse(&parsed, t.ptr, t.size) != 0);
		mlv_tree_free(parsed);
		/* at the top of the tracked directory */
		craft_object(&id, t.ptr, t.size, MLV_OBJ_TREE);
		total++;
		refusedn += refused(names[i].label, &id);
		/* and one level down, under a good name */
		entry(&outer, "40000", "sub", 3, &id);
		craft_object(&oid2, outer.ptr, outer.size, MLV_OBJ_TREE);
		total++;
		refusedn += refused(names[i].label, &oid2);
		mlv_buf_release(&t);
		mlv_buf_release(&outer);
	}
	{
		/* a duplicate entry, and entries out of order */
		mlv_buf t = MLV_BUF_INIT;
		mlv_oid id;
		entry(&t, "100644", "a", 1, blob);
		entry(&t, "100644", "a", 1, blob);
		craft_object(&id, t.ptr, t.size, MLV_OBJ_TREE);
		total++;
		refusedn += refused("duplicate", &id);
		mlv_buf_clear(&t);
		entry(&t, "100644", "b", 1, blob);
		entry(&t, "100644", "a", 1, blob);
		craft_object(&id, t.ptr, t.size, MLV_OBJ_TREE);
		total++;
		refusedn += refused("out of order", &id);
		mlv_buf_release(&t);
	}
	printf("hostile tree names: %d of %d trees refused\n", refusedn, total);
	CHECK(refusedn == total);
}

/*
 * A tracked directory whose tree holds a symlink to the sentinel and a
 * pointer below that symlink: checking out must not write through it.
 */
static void test_symlinks(const mlv_oid *blob)
{
	mlv_buf before = MLV_BUF_INIT, after = MLV_BUF_INIT, t = MLV_BUF_INIT;
	mlv_store *st;
	mlv_worktree *wt = NULL;
	mlv_pointer p;
	mlv_oid target, tree;
	char path[4400], lnk[4400];
	int n = 0, rc;

	/* a link in the work tree to the sentinel, and a pointer "through" it */
	snprintf(lnk, sizeof(lnk), "%s/out", wtdir);
	CHECK(symlink(outside, lnk) == 0);
	memset(&p, 0, sizeof(p));
	p.kind = MLV_PTR_FILE;
	p.oid = *blob;
	p.size = 5;
	snprintf(path, sizeof(path), "%s/victim.mlv", outside);
	CHECK_OK(mlv_pointer_write(path, &p));
	snapshot(&before, root, mlvdir);
	st = open_store();
	CHECK_OK(mlv_worktree_open(&wt, st, wtdir));
	if (wt) {
		rc = mlv_worktree_checkout(wt, "out/victim", 0, 1, count_action, &n);
		CHECK(rc != 0);
		/* a checkout of everything does not follow it either */
		mlv_worktree_free(wt);
		wt = NULL;
	}
	snapshot(&after, root, mlvdir);
	CHECK(before.size == after.size && !memcmp(before.ptr, after.ptr, before.size));
	CHECK(n == 0);
	unlink(path);

	/* a tracked symlink over a directory the next tree writes into */
	mlv_hash_buf(&target, outside, strlen(outside));
	craft_object(&target, outside, strlen(outside), MLV_OBJ_BLOB);
	mlv_buf_clear(&t);
	entry(&t, "120000", "l", 1, &target);
	craft_object(&tree, t.ptr, t.size, MLV_OBJ_TREE);
	mlv_store_free(st);
	st = open_store();
	CHECK_OK(mlv_worktree_open(&wt, st, wtdir));
	memset(&p, 0, sizeof(p));
	p.kind = MLV_PTR_DIR;
	p.oid = tree;
	p.files = 1;
	p.size = strlen(outside);
	snprintf(path, sizeof(path), "%s/d.mlv", wtdir);
	CHECK_OK(mlv_pointer_write(path, &p));
	if (wt)
		CHECK_OK(mlv_worktree_checkout(wt, "d", 0, 1, count_action, &n));
	/* d/l is a link to the sentinel now; a pointer for d/l/x must not write through it */
	memset(&p, 0, sizeof(p));
	p.kind = MLV_PTR_FILE;
	p.oid = *blob;
	p.size = 5;
	snprintf(path, sizeof(path), "%s/d/l/x.mlv", wtdir);
	/* (the pointer can only be there through the link: put it in the sentinel) */
	snprintf(path, sizeof(path), "%s/x.mlv", outside);
	CHECK_OK(mlv_pointer_write(path, &p));
	mlv_buf_clear(&before);
	snapshot(&before, root, mlvdir);
	if (wt) {
		CHECK(mlv_worktree_checkout(wt, "d/l/x", 0, 1, count_action, &n) != 0);
		CHECK(mlv_worktree_checkout(wt, "d/l/x", 0, 0, count_action, &n) != 0);
	}
	mlv_buf_clear(&after);
	snapshot(&after, root, mlvdir);
	CHECK(before.size == after.size && !memcmp(before.ptr, after.ptr, before.size));
	unlink(path);
	mlv_worktree_free(wt);
	mlv_store_free(st);
	unlink(lnk);
	mlv_buf_release(&before);
	mlv_buf_release(&after);
	mlv_buf_release(&t);
}

int main(void)
{
	mlv_store *st = NULL;
	mlv_writer *w = NULL;
	mlv_oid blob;
	int existed;
	char path[4400];

	root = test_subdir("hostile");
	snprintf(outside, sizeof(outside), "%s/outside", root);
	snprintf(wtdir, sizeof(wtdir), "%s/wt", root);
	snprintf(mlvdir, sizeof(mlvdir), "%s/.mlv", wtdir);
	snprintf(packdir, sizeof(packdir), "%s/objects/pack", mlvdir);
	mkdir(outside, 0755);
	mkdir(wtdir, 0755);
	snprintf(path, sizeof(path), "%s/x", outside);
	test_write_file(path, "sentinel\n", 9);
	snprintf(path, sizeof(path), "%s/etc", outside);
	mkdir(path, 0755);
	CHECK_OK(mlv_store_create(mlvdir, &existed));
	CHECK_OK(mlv_store_open(&st, mlvdir));
	CHECK_OK(mlv_writer_new(&w, st));
	CHECK_OK(mlv_writer_add_buf(w, &blob, "evil\n", 5, MLV_OBJ_BLOB));
	CHECK_OK(mlv_writer_commit(w));
	mlv_writer_free(w);
	mlv_store_free(st);

	test_names(&blob);
	{
		/* fsck reports every hostile tree */
		mlv_fsck_opts o = { 1, getenv("MLV_TEST_VERBOSE") ? print_problem : NULL, NULL };
		mlv_fsck_result r;
		st = open_store();
		CHECK_OK(mlv_fsck(st, &o, &r));
		/* each hostile tree once (a good tree holding one is not a problem of its own) */
		size_t want = sizeof(names) / sizeof(names[0]) + 2;
		printf("fsck: %llu problems, %zu hostile trees\n", (unsigned long long)r.problems, want);
		CHECK(r.problems == want);
		mlv_store_free(st);
	}
	test_symlinks(&blob);
	return test_done("hostile");
}
