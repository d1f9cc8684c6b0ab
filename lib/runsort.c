/*
 * The sort index of the recorded runs: the "runsort" database, keys only,
 * derived from the summaries in the "runs" database and written in the same
 * transaction as each of them. It lets `mlv runs -n N` (newest first, or
 * sorted by a metric) and name or tag specs read a few entries instead of
 * every summary: 100,000 runs answer in milliseconds, in memory that does
 * not grow with the runs (bench/runs.sh).
 *
 * Keys (integers big-endian, made to sort as unsigned bytes):
 *
 *   's' start_ms(8) id(32)                    every run
 *   'm' metric NUL value(8) id(32)            a metric whose latest value is a
 *                                             number (±inf included, NaN not)
 *   'x' metric                                some run holds a boolean as that
 *                                             metric: sort by it with a scan
 *   'n' name NUL start_ms(8) id(32)           a named run
 *   't' key NUL value NUL start_ms(8) id(32)  a tag
 *   NUL "complete"                            the index covers every run
 *
 * A name, metric or tag too long for a key (LMDB: 511 bytes), or holding a
 * NUL byte, is left out; readers then fall back to scanning. A store written
 * before this index existed gets it, whole, in the first transaction that
 * records a run; until then, and whenever "complete" is absent, readers scan.
 * `mlv fsck` checks that the index is exactly what the summaries imply, and
 * `mlv fsck --rebuild-index` rebuilds it.
 */
#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "internal.h"
#include "mlv/jsonscan.h"
#include "mlv/run.h"
#include "alloc.h"

#define KEY_MAX 511
#define TAIL (8 + MLV_RUN_IDSZ) /* start_ms or value, then the id */

static const char complete_key[] = "\0complete";
#define COMPLETE_LEN (sizeof(complete_key) - 1)

static void put_be64(unsigned char *p, uint64_t v)
{
	for (int i = 7; i >= 0; i--, v >>= 8)
		p[i] = (unsigned char)v;
}

static uint64_t get_be64(const unsigned char *p)
{
	uint64_t v = 0;
	for (int i = 0; i < 8; i++)
		v = v << 8 | p[i];
	return v;
}

/* Integers and doubles as unsigned 64-bit numbers in the same order. */
static uint64_t ord_i64(int64_t v) { return (uint64_t)v ^ 0x8000000000000000ull; }

static uint64_t ord_double(double d)
{
	uint64_t u;
	if (d == 0)
		d = 0; /* -0 and 0 are one value */
	memcpy(&u, &d, sizeof(u));
	return u >> 63 ? ~u : u | 0x8000000000000000ull;
}

static double unord_double(uint64_t u)
{
	double d;
	u = u >> 63 ? u & ~0x8000000000000000ull : ~u;
	memcpy(&d, &u, sizeof(d));
	return d;
}

int64_t mlv__summary_start_ms(const char *s, size_t len)
{
	const char *v;
	size_t vlen;
	char tmp[64];
	if (!mlv_json_find(s, len, "start_ms", 8, &v, &vlen) || vlen >= sizeof(tmp))
		return 0;
	memcpy(tmp, v, vlen);
	tmp[vlen] = '\0';
	return (int64_t)strtod(tmp, NULL);
}

/*
 * A metric's raw value V as `mlv runs` reads it (cmd/runs.c lookup): a
 * number, or a string ("nan" is NaN, "-..." is -inf, any other +inf). 1
 * with *OUT set when it is a number other than NaN, 2 when it is a boolean,
 * 0 when missing or NaN.
 */
static int number_of(const char *v, size_t vlen, double *out)
{
	char tmp[64];
	if (!vlen)
		return 0;
	if (*v == '"') {
		if (vlen == 5 && !memcmp(v, "\"nan\"", 5))
			return 0;
		*out = v[1] == '-' ? -INFINITY : INFINITY;
		return 1;
	}
	if (*v == 't' || *v == 'f')
		return 2;
	if (!(*v == '-' || (*v >= '0' && *v <= '9')) || vlen >= sizeof(tmp))
		return 0;
	memcpy(tmp, v, vlen);
	tmp[vlen] = '\0';
	*out = strtod(tmp, NULL);
	return isnan(*out) ? 0 : 1;
}

/* The value of metric NAME in a summary, as number_of. */
static int metric_value(const char *s, size_t len, const char *name, size_t nlen, double *out)
{
	const char *g, *v;
	size_t glen, vlen;
	if (!mlv_json_find(s, len, "metrics", 7, &g, &glen) || !mlv_json_find(g, glen, name, nlen, &v, &vlen))
		return 0;
	return number_of(v, vlen, out);
}

/* Calls FN for each member of the object OBJ (name decoded into NAME, raw value). */
typedef int (*member_fn)(void *payload, const mlv_buf *name, const char *v, size_t vlen);

static int each_member(const char *obj, size_t len, mlv_buf *name, member_fn fn, void *payload)
{
	const char *end = obj + len, *p = obj;
	int rc;
	while (p < end && *p != '{')
		p++;
	for (p++; p < end;) {
		const char *ne, *v, *ve;
		while (p < end && (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r' || *p == ','))
			p++;
		if (p >= end || *p != '"')
			return 0;
		if (!(ne = mlv_json_skip(p, end)))
			return 0;
		if (mlv_json_string(p, (size_t)(ne - p), name))
			return name->failed ? mlv_error_set(MLV_ENOMEM, "out of memory") : 0;
		for (v = ne; v < end && *v != ':'; v++)
			;
		if (v >= end || !(ve = mlv_json_skip(v + 1, end)))
			return 0;
		for (v++; v < ve && (*v == ' ' || *v == '\t' || *v == '\n' || *v == '\r'); v++)
			;
		if ((rc = fn(payload, name, v, (size_t)(ve - v))))
			return rc;
		p = ve;
	}
	return 0;
}

/* ---- writing ---- */

struct keys {
	MDB_txn *txn;
	MDB_dbi dbi;
	const char *id;
	const char *summary;
	size_t len;
	unsigned char start[8];
	const char *group;    /* the "metrics" or "tags" object being walked */
	size_t glen;
	int del;              /* delete the keys instead of putting them */
	mlv_buf key, tmp;
	uint64_t count;       /* keys written (or that would be) */
	int check;            /* count and look the keys up instead (fsck) */
	uint64_t missing;
};

static int key_apply(struct keys *k)
{
	MDB_val kv = { k->key.size, k->key.ptr }, vv = { 0, (void *)"" };
	int rc;
	if (k->key.failed)
		return mlv_error_set(MLV_ENOMEM, "out of memory");
	if (k->key.size > KEY_MAX)
		return 0;
	k->count++;
	if (k->check) {
		rc = mdb_get(k->txn, k->dbi, &kv, &vv);
		if (rc == MDB_NOTFOUND)
			k->missing++;
		else if (rc)
			return mlv__index_error(rc, "read");
		return 0;
	}
	rc = k->del ? mdb_del(k->txn, k->dbi, &kv, NULL) : mdb_put(k->txn, k->dbi, &kv, &vv, 0);
	if (rc && !(k->del && rc == MDB_NOTFOUND))
		return rc == MDB_MAP_FULL ? rc : mlv__index_error(rc, k->del ? "delete" : "write");
	return 0;
}

/* KEY = tag byte, the bytes of S (no NUL allowed in them), NUL. 0 when S cannot be in a key. */
static int key_start(struct keys *k, char tag, const char *s, size_t n)
{
	if (memchr(s, '\0', n))
		return 0;
	mlv_buf_clear(&k->key);
	mlv_buf_putc(&k->key, tag);
	mlv_buf_put(&k->key, s, n);
	mlv_buf_putc(&k->key, '\0');
	return 1;
}

static int key_finish(struct keys *k, const unsigned char be[8])
{
	mlv_buf_put(&k->key, be, 8);
	mlv_buf_put(&k->key, k->id, MLV_RUN_IDSZ);
	return key_apply(k);
}

/* 1 when V is the value mlv_json_find gives for NAME: with duplicate names only the first counts. */
static int first_of(const struct keys *k, const mlv_buf *name, const char *v)
{
	const char *fv;
	size_t fl;
	return mlv_json_find(k->group, k->glen, name->ptr ? name->ptr : "", name->size, &fv, &fl) && fv == v;
}

static int metric_key(void *payload, const mlv_buf *name, const char *v, size_t vlen)
{
	struct keys *k = payload;
	unsigned char be[8];
	double d;
	int what = number_of(v, vlen, &d);
	if (!what || !first_of(k, name, v) || !key_start(k, what == 1 ? 'm' : 'x', name->ptr ? name->ptr : "", name->size))
		return 0;
	if (what == 2) {
		k->key.size--; /* 'x' metric: no NUL, no tail */
		return key_apply(k);
	}
	put_be64(be, ord_double(d));
	return key_finish(k, be);
}

static int tag_key(void *payload, const mlv_buf *name, const char *v, size_t vlen)
{
	struct keys *k = payload;
	if (!vlen || *v != '"' || !mlv_run_key_valid(name->ptr ? name->ptr : "", name->size) || !first_of(k, name, v))
		return 0;
	if (mlv_json_string(v, vlen, &k->tmp))
		return k->tmp.failed ? mlv_error_set(MLV_ENOMEM, "out of memory") : 0;
	if (!key_start(k, 't', name->ptr, name->size) || memchr(k->tmp.ptr ? k->tmp.ptr : "", '\0', k->tmp.size))
		return 0;
	mlv_buf_put(&k->key, k->tmp.ptr ? k->tmp.ptr : "", k->tmp.size);
	mlv_buf_putc(&k->key, '\0');
	return key_finish(k, k->start);
}

/* Put (or delete, or check) every key of one run. */
static int run_keys(struct keys *k)
{
	const char *v;
	size_t vlen;
	mlv_buf name = MLV_BUF_INIT;
	int rc;
	put_be64(k->start, ord_i64(mlv__summary_start_ms(k->summary, k->len)));
	mlv_buf_clear(&k->key);
	mlv_buf_putc(&k->key, 's');
	mlv_buf_put(&k->key, k->start, 8);
	mlv_buf_put(&k->key, k->id, MLV_RUN_IDSZ);
	if ((rc = key_apply(k)))
		return rc;
	if (mlv_json_find(k->summary, k->len, "name", 4, &v, &vlen) && vlen && *v == '"') {
		if (mlv_json_string(v, vlen, &k->tmp))
			return k->tmp.failed ? mlv_error_set(MLV_ENOMEM, "out of memory") : 0;
		if (key_start(k, 'n', k->tmp.ptr ? k->tmp.ptr : "", k->tmp.size) && (rc = key_finish(k, k->start)))
			return rc;
	}
	if (mlv_json_find(k->summary, k->len, "metrics", 7, &k->group, &k->glen))
		rc = each_member(k->group, k->glen, &name, metric_key, k);
	if (!rc && mlv_json_find(k->summary, k->len, "tags", 4, &k->group, &k->glen))
		rc = each_member(k->group, k->glen, &name, tag_key, k);
	mlv_buf_release(&name);
	return rc;
}

static int sort_each(struct keys *k, MDB_txn *txn, struct mlv_index *ix)
{
	MDB_cursor *cur = NULL;
	MDB_val key, val;
	int r, rc = 0;
	if ((r = mdb_cursor_open(txn, ix->runs, &cur)))
		return mlv__index_error(r, "read");
	for (r = mdb_cursor_get(cur, &key, &val, MDB_FIRST); r == 0 && !rc; r = mdb_cursor_get(cur, &key, &val, MDB_NEXT)) {
		if (key.mv_size != MLV_RUN_IDSZ || val.mv_size < MLV_OID_RAWSZ)
			continue;
		k->id = key.mv_data;
		k->summary = (const char *)val.mv_data + MLV_OID_RAWSZ;
		k->len = val.mv_size - MLV_OID_RAWSZ;
		rc = run_keys(k);
	}
	if (r && r != MDB_NOTFOUND && !rc)
		rc = mlv__index_error(r, "read");
	mdb_cursor_close(cur);
	return rc;
}

static int complete_put(MDB_txn *txn, struct mlv_index *ix)
{
	MDB_val k = { COMPLETE_LEN, (void *)complete_key }, v = { 0, (void *)"" };
	int rc = mdb_put(txn, ix->runsort, &k, &v, 0);
	return rc ? (rc == MDB_MAP_FULL ? rc : mlv__index_error(rc, "write")) : 0;
}

static int is_complete(MDB_txn *txn, struct mlv_index *ix)
{
	MDB_val k = { COMPLETE_LEN, (void *)complete_key }, v;
	return mdb_get(txn, ix->runsort, &k, &v) == 0;
}

/* Recreate the whole index from the summaries, inside TXN. */
static int sort_build(MDB_txn *txn, struct mlv_index *ix)
{
	struct keys k;
	int rc;
	if ((rc = mdb_drop(txn, ix->runsort, 0)))
		return rc == MDB_MAP_FULL ? rc : mlv__index_error(rc, "write");
	memset(&k, 0, sizeof(k));
	k.txn = txn;
	k.dbi = ix->runsort;
	rc = sort_each(&k, txn, ix);
	mlv_buf_release(&k.key);
	mlv_buf_release(&k.tmp);
	return rc ? rc : complete_put(txn, ix);
}

int mlv__runsort_put(MDB_txn *txn, struct mlv_index *ix, const char *id, const char *summary, size_t len)
{
	struct keys k;
	MDB_val key = { MLV_RUN_IDSZ, (void *)id }, old;
	int rc = 0, r;
	/* a store from before the index gets it whole, then this run's keys */
	if (!is_complete(txn, ix) && (rc = sort_build(txn, ix)))
		return rc;
	memset(&k, 0, sizeof(k));
	k.txn = txn;
	k.dbi = ix->runsort;
	k.id = id;
	/* replacing a run (import): its old keys go first */
	r = mdb_get(txn, ix->runs, &key, &old);
	if (r && r != MDB_NOTFOUND)
		rc = mlv__index_error(r, "read");
	else if (r == 0 && old.mv_size >= MLV_OID_RAWSZ) {
		k.del = 1;
		k.summary = (const char *)old.mv_data + MLV_OID_RAWSZ;
		k.len = old.mv_size - MLV_OID_RAWSZ;
		rc = run_keys(&k);
		k.del = 0;
	}
	if (!rc) {
		k.summary = summary;
		k.len = len;
		rc = run_keys(&k);
	}
	mlv_buf_release(&k.key);
	mlv_buf_release(&k.tmp);
	return rc;
}

static int rebuild_txn(void *payload, MDB_txn *txn)
{
	mlv_store *st = payload;
	return sort_build(txn, &st->ix);
}

int mlv_run_sort_rebuild(mlv_store *st)
{
	return mlv__index_write(st, rebuild_txn, st);
}

int mlv_run_sort_check(mlv_store *st, uint64_t *problems, char **message)
{
	MDB_txn *txn = NULL;
	MDB_stat ms;
	struct keys k;
	int rc, r;
	*problems = 0;
	*message = NULL;
	if ((rc = mlv__index_read_begin(&st->ix, &txn)))
		return rc;
	memset(&k, 0, sizeof(k));
	k.txn = txn;
	k.dbi = st->ix.runsort;
	k.check = 1;
	if (!is_complete(txn, &st->ix)) {
		/* a store from before the index: nothing to check until a run is recorded */
		MDB_stat rs;
		if ((r = mdb_stat(txn, st->ix.runsort, &ms)) || (r = mdb_stat(txn, st->ix.runs, &rs)))
			rc = mlv__index_error(r, "read");
		else if (ms.ms_entries && rs.ms_entries) {
			*problems = 1;
			*message = mlv__strdup("the runs' sort index is incomplete (run 'mlv fsck --rebuild-index')");
		}
		goto done;
	}
	if ((rc = sort_each(&k, txn, &st->ix)))
		goto done;
	if ((r = mdb_stat(txn, st->ix.runsort, &ms))) {
		rc = mlv__index_error(r, "read");
		goto done;
	}
	/* every key the summaries imply is there, and nothing else (the +1 is "complete") */
	if (k.missing || ms.ms_entries != k.count + 1) {
		*problems = 1;
		mlv__asprintf(message, "the runs' sort index disagrees with the runs: %llu of %llu keys missing, %llu entries "
			"for %llu (run 'mlv fsck --rebuild-index')", (unsigned long long)k.missing,
			(unsigned long long)k.count, (unsigned long long)ms.ms_entries, (unsigned long long)k.count + 1);
	}
done:
	mlv_buf_release(&k.key);
	mlv_buf_release(&k.tmp);
	mdb_txn_abort(txn);
	if (!rc && *problems && !*message)
		rc = mlv_error_set(MLV_ENOMEM, "out of memory");
	return rc;
}

/* ---- reading ---- */

static int call(MDB_txn *txn, struct mlv_index *ix, const unsigned char *id, const double *value,
	mlv_run_walk_fn fn, void *payload)
{
	MDB_val k = { MLV_RUN_IDSZ, (void *)id }, v;
	char sid[MLV_RUN_IDSZ + 1];
	mlv_oid oid;
	int r = mdb_get(txn, ix->runs, &k, &v);
	if (r == MDB_NOTFOUND)
		return mlv_error_set(MLV_ECORRUPT, "the runs' sort index names run %.32s, which is not recorded "
			"(run 'mlv fsck --rebuild-index')", (const char *)id);
	if (r)
		return mlv__index_error(r, "read");
	if (v.mv_size < MLV_OID_RAWSZ)
		return 0;
	memcpy(sid, id, MLV_RUN_IDSZ);
	sid[MLV_RUN_IDSZ] = '\0';
	memcpy(oid.id, v.mv_data, MLV_OID_RAWSZ);
	return fn(payload, sid, &oid, (const char *)v.mv_data + MLV_OID_RAWSZ, v.mv_size - MLV_OID_RAWSZ, value);
}

/*
 * Walk the keys that start with PREFIX (PLEN bytes, then TAIL bytes: an
 * 8-byte number and the id), in order or DESC, calling FN; a metric walk
 * passes the value.
 */
static int walk_prefix(MDB_txn *txn, struct mlv_index *ix, const unsigned char *prefix, size_t plen, int desc,
	int metric, mlv_run_walk_fn fn, void *payload)
{
	MDB_cursor *cur = NULL;
	MDB_val k, v;
	unsigned char *seek = mlv__malloc(plen + 1);
	int r, rc = 0;
	if (!seek)
		return mlv_error_set(MLV_ENOMEM, "out of memory");
	if ((r = mdb_cursor_open(txn, ix->runsort, &cur))) {
		free(seek);
		return mlv__index_error(r, "read");
	}
	memcpy(seek, prefix, plen);
	k.mv_data = seek;
	k.mv_size = plen;
	if (!desc) {
		r = mdb_cursor_get(cur, &k, &v, MDB_SET_RANGE);
	} else {
		/* the first key past every key with the prefix, then back one */
		size_t n = plen;
		while (n > 0 && seek[n - 1] == 0xff)
			n--;
		if (n == 0) {
			r = mdb_cursor_get(cur, &k, &v, MDB_LAST);
		} else {
			seek[n - 1]++;
			k.mv_size = n;
			r = mdb_cursor_get(cur, &k, &v, MDB_SET_RANGE);
			r = r == MDB_NOTFOUND ? mdb_cursor_get(cur, &k, &v, MDB_LAST) : mdb_cursor_get(cur, &k, &v, MDB_PREV);
		}
	}
	for (; r == 0 && rc == 0; r = mdb_cursor_get(cur, &k, &v, desc ? MDB_PREV : MDB_NEXT)) {
		const unsigned char *kp = k.mv_data;
		double d;
		if (k.mv_size != plen + TAIL || memcmp(kp, prefix, plen)) {
			if (k.mv_size < plen || memcmp(kp, prefix, plen))
				break;
			continue;
		}
		d = unord_double(get_be64(kp + plen));
		rc = call(txn, ix, kp + plen + 8, metric ? &d : NULL, fn, payload);
	}
	if (r && r != MDB_NOTFOUND && !rc)
		rc = mlv__index_error(r, "read");
	mdb_cursor_close(cur);
	free(seek);
	return rc;
}

struct missing_walk {
	const char *metric;
	size_t mlen;
	mlv_run_walk_fn fn;
	void *payload;
};

/* Phase two of a metric walk: the runs without a (non-NaN) value, newest first. */
static int missing_only(void *payload, const char *id, const mlv_oid *record, const char *summary, size_t len,
	const double *value)
{
	struct missing_walk *m = payload;
	double d;
	(void)value;
	if (metric_value(summary, len, m->metric, m->mlen, &d) == 1)
		return 0;
	return m->fn(m->payload, id, record, summary, len, NULL);
}

int mlv_run_walk(mlv_store *st, const char *metric, int desc, mlv_run_walk_fn fn, void *payload)
{
	MDB_txn *txn = NULL;
	mlv_buf prefix = MLV_BUF_INIT;
	int rc;
	if ((rc = mlv__index_read_begin(&st->ix, &txn)))
		return rc;
	if (!is_complete(txn, &st->ix)) {
		rc = MLV_ENOTFOUND;
		goto done;
	}
	if (metric) {
		MDB_val k, v;
		size_t mlen = strlen(metric);
		struct missing_walk m = { metric, mlen, fn, payload };
		mlv_buf_putc(&prefix, 'x');
		mlv_buf_put(&prefix, metric, mlen);
		if (prefix.failed) {
			rc = mlv_error_set(MLV_ENOMEM, "out of memory");
			goto done;
		}
		k.mv_size = prefix.size;
		k.mv_data = prefix.ptr;
		/* booleans among the values, or a name no key can hold: the caller scans */
		if (prefix.size + 1 + TAIL > KEY_MAX || mdb_get(txn, st->ix.runsort, &k, &v) == 0) {
			rc = MLV_ENOTFOUND;
			goto done;
		}
		prefix.ptr[0] = 'm';
		mlv_buf_putc(&prefix, '\0');
		if (prefix.failed) {
			rc = mlv_error_set(MLV_ENOMEM, "out of memory");
			goto done;
		}
		rc = walk_prefix(txn, &st->ix, (const unsigned char *)prefix.ptr, prefix.size, desc, 1, fn, payload);
		if (!rc)
			rc = walk_prefix(txn, &st->ix, (const unsigned char *)"s", 1, 1, 0, missing_only, &m);
	} else {
		rc = walk_prefix(txn, &st->ix, (const unsigned char *)"s", 1, desc, 0, fn, payload);
	}
	if (rc > 0)
		rc = 0; /* FN asked to stop */
done:
	mdb_txn_abort(txn);
	mlv_buf_release(&prefix);
	return rc;
}

int mlv_run_count(mlv_store *st, uint64_t *n)
{
	MDB_txn *txn = NULL;
	MDB_stat ms;
	int rc, r;
	*n = 0;
	if ((rc = mlv__index_read_begin(&st->ix, &txn)))
		return rc;
	if ((r = mdb_stat(txn, st->ix.runs, &ms)))
		rc = mlv__index_error(r, "read");
	else
		*n = ms.ms_entries;
	mdb_txn_abort(txn);
	return rc;
}

/* The newest run whose key starts with PREFIX (name or tag), into OUT: 1 found, 0 not, < 0 error. */
static int newest(MDB_txn *txn, struct mlv_index *ix, const mlv_buf *prefix, char out[MLV_RUN_IDSZ + 1])
{
	MDB_cursor *cur = NULL;
	MDB_val k, v;
	unsigned char seek[KEY_MAX + 1];
	size_t n = prefix->size;
	int r, found = 0;
	memcpy(seek, prefix->ptr, n);
	while (n > 0 && seek[n - 1] == 0xff)
		n--;
	if ((r = mdb_cursor_open(txn, ix->runsort, &cur)))
		return mlv__index_error(r, "read");
	seek[n - 1]++;
	k.mv_size = n;
	k.mv_data = seek;
	r = mdb_cursor_get(cur, &k, &v, MDB_SET_RANGE);
	r = r == MDB_NOTFOUND ? mdb_cursor_get(cur, &k, &v, MDB_LAST) : mdb_cursor_get(cur, &k, &v, MDB_PREV);
	if (r == 0 && k.mv_size == prefix->size + TAIL && !memcmp(k.mv_data, prefix->ptr, prefix->size)) {
		memcpy(out, (const char *)k.mv_data + prefix->size + 8, MLV_RUN_IDSZ);
		out[MLV_RUN_IDSZ] = '\0';
		found = 1;
	}
	mdb_cursor_close(cur);
	if (r && r != MDB_NOTFOUND)
		return mlv__index_error(r, "read");
	return found;
}

int mlv__runsort_name(mlv_store *st, const char *name, const char *tagkey, const char *tagval,
	char *out, int *which)
{
	MDB_txn *txn = NULL;
	mlv_buf p = MLV_BUF_INIT;
	int rc, found = 0;
	*which = -1;
	if ((rc = mlv__index_read_begin(&st->ix, &txn)))
		return rc;
	if (!is_complete(txn, &st->ix)) {
		mdb_txn_abort(txn);
		return MLV_ENOTFOUND;
	}
	/* a name or tag too long for a key is not in the index: the caller scans */
	if (1 + strlen(name) + 1 + TAIL > KEY_MAX ||
	    (tagkey && 1 + strlen(tagkey) + 1 + strlen(tagval) + 1 + TAIL > KEY_MAX)) {
		mdb_txn_abort(txn);
		return MLV_ENOTFOUND;
	}
	mlv_buf_putc(&p, 'n');
	mlv_buf_put(&p, name, strlen(name) + 1);
	if (p.failed)
		rc = mlv_error_set(MLV_ENOMEM, "out of memory");
	else if ((found = newest(txn, &st->ix, &p, out)) < 0)
		rc = found;
	else if (found)
		*which = 0;
	else if (tagkey) {
		mlv_buf_clear(&p);
		mlv_buf_putc(&p, 't');
		mlv_buf_put(&p, tagkey, strlen(tagkey) + 1);
		mlv_buf_put(&p, tagval, strlen(tagval) + 1);
		if (p.failed)
			rc = mlv_error_set(MLV_ENOMEM, "out of memory");
		else if ((found = newest(txn, &st->ix, &p, out)) < 0)
			rc = found;
		else if (found)
			*which = 1;
	}
	mdb_txn_abort(txn);
	mlv_buf_release(&p);
	return rc;
}
