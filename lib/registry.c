/*
 * The model registry (include/mlv/registry.h): version records and events as
 * canonical JSON objects, one hash chain of events per model whose head is
 * the ref "model/<name>", and the derived "registry" database that every
 * change updates in the same write transaction, so that lookups never read
 * the chain. Replaying the chains (rebuild, check) goes through the same
 * apply_event() the live changes use.
 */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>
#include <sys/stat.h>
#include "mlv/cjson.h"
#include "alloc.h"
#include "internal.h"
#include "mlv/expr.h"
#include "mlv/registry.h"
#include "mlv/run.h"
#include "mlv/stats.h"

#define RECORD_MAX (64u << 20)
#define EVENT_MAX (16u << 20)
#define RUN_MAX (1u << 30)
#define KEY_MAX 511 /* LMDB's default key limit */

static const char *const ev_names[] = { "", "register", "promote", "rollback", "approve", "unalias", "deprecate" };

static int ev_type_parse(const char *s)
{
	for (int i = 1; i <= EV_DEPRECATE; i++)
		if (!strcmp(s, ev_names[i]))
			return i;
	return 0;
}

/* ---- names ---- */

static int name_chars_ok(const char *s, size_t n)
{
	if (n == 0 || !((s[0] >= 'a' && s[0] <= 'z') || (s[0] >= '0' && s[0] <= '9')))
		return 0;
	for (size_t i = 0; i < n; i++) {
		char c = s[i];
		if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' || c == '_' || c == '-'))
			return 0;
	}
	return 1;
}

int mlv_registry_check_name(const char *name)
{
	size_t n = strlen(name);
	if (n > MLV_REG_NAME_MAX)
		return mlv_error_set(MLV_EINVALID, "model name '%.40s...' is longer than %d bytes", name, MLV_REG_NAME_MAX);
	if (!name_chars_ok(name, n))
		return mlv_error_set(MLV_EINVALID,
			"invalid model name '%s': use lower-case letters, digits, '.', '_' and '-', starting with a letter or digit",
			name);
	return 0;
}

static int all_digits(const char *s)
{
	if (!*s)
		return 0;
	for (; *s; s++)
		if (*s < '0' || *s > '9')
			return 0;
	return 1;
}

static const char *const reserved_parts[] = { "metrics", "params", "tags", "version", NULL };

int mlv_registry_check_alias(const char *alias)
{
	size_t n = strlen(alias);
	if (n > MLV_REG_NAME_MAX)
		return mlv_error_set(MLV_EINVALID, "alias '%.40s...' is longer than %d bytes", alias, MLV_REG_NAME_MAX);
	if (!name_chars_ok(alias, n))
		return mlv_error_set(MLV_EINVALID,
			"invalid alias '%s': use lower-case letters, digits, '.', '_' and '-', starting with a letter or digit",
			alias);
	if (all_digits(alias))
		return mlv_error_set(MLV_EINVALID, "invalid alias '%s': an alias cannot be all digits (that is a version number)",
			alias);
	if (!strcmp(alias, "latest"))
		return mlv_error_set(MLV_EINVALID, "invalid alias 'latest': it is reserved for the newest version");
	for (const char *p = alias; p;) {
		const char *dot = strchr(p, '.');
		size_t len = dot ? (size_t)(dot - p) : strlen(p);
		for (int i = 0; reserved_parts[i]; i++)
			if (len == strlen(reserved_parts[i]) && !memcmp(p, reserved_parts[i], len))
				return mlv_error_set(MLV_EINVALID,
					"invalid alias '%s': '%s' is reserved (gates read '<alias>.%s...')", alias,
					reserved_parts[i], reserved_parts[i]);
		p = dot ? dot + 1 : NULL;
	}
	return 0;
}

int mlv_registry_spec_split(const char *text, char name[MLV_REG_NAME_MAX + 1], const char **ref)
{
	const char *at = strchr(text, '@');
	size_t n;
	if (!at)
		return 0;
	n = (size_t)(at - text);
	if (n == 0 || n > MLV_REG_NAME_MAX || !name_chars_ok(text, n))
		return 0;
	if (!at[1] || strlen(at + 1) > MLV_REG_NAME_MAX || !name_chars_ok(at + 1, strlen(at + 1)))
		return 0;
	memcpy(name, text, n);
	name[n] = '\0';
	*ref = at + 1;
	return 1;
}

/* ---- time ---- */

static int64_t now_ms(void)
{
	struct timespec ts;
	const char *e = getenv("MLV_TEST_NOW_MS"); /* tests of --at need known times */
	if (e && *e)
		return strtoll(e, NULL, 10);
	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int digits(const char **p, int n, int *out)
{
	int v = 0;
	for (int i = 0; i < n; i++) {
		if (!isdigit((unsigned char)(*p)[i]))
			return -1;
		v = v * 10 + ((*p)[i] - '0');
	}
	*p += n;
	*out = v;
	return 0;
}

int mlv_registry_parse_time(int64_t *out, const char *text)
{
	const char *p = text;
	int y, mo, d, h = 0, mi = 0, s = 0;
	double frac = 0;
	int64_t off = 0;
	if (*p == '@') {
		char *end;
		double v;
		errno = 0;
		v = strtod(p + 1, &end);
		if (end == p + 1 || *end || errno || !isfinite(v) || fabs(v) > 1e14)
			goto bad;
		*out = (int64_t)floor(v * 1000 + 0.5);
		return 0;
	}
	if (digits(&p, 4, &y) || *p++ != '-' || digits(&p, 2, &mo) || *p++ != '-' || digits(&p, 2, &d))
		goto bad;
	if (*p == 'T' || *p == 't' || *p == ' ') {
		p++;
		if (digits(&p, 2, &h) || *p++ != ':' || digits(&p, 2, &mi))
			goto bad;
		if (*p == ':') {
			p++;
			if (digits(&p, 2, &s))
				goto bad;
			if (*p == '.' || *p == ',') {
				double scale = 0.1;
				p++;
				if (!isdigit((unsigned char)*p))
					goto bad;
				for (; isdigit((unsigned char)*p); p++, scale /= 10)
					frac += (*p - '0') * scale;
			}
		}
		if (*p == 'Z' || *p == 'z') {
			p++;
		} else if (*p == '+' || *p == '-') {
			int sign = *p++ == '-' ? -1 : 1, oh, om = 0;
			if (digits(&p, 2, &oh))
				goto bad;
			if (*p == ':')
				p++;
			if (*p && digits(&p, 2, &om))
				goto bad;
			off = sign * ((int64_t)oh * 3600 + om * 60);
		}
	}
	if (*p || mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || s > 60)
		goto bad;
	{
		struct tm tm;
		memset(&tm, 0, sizeof(tm));
		tm.tm_year = y - 1900;
		tm.tm_mon = mo - 1;
		tm.tm_mday = d;
		tm.tm_hour = h;
		tm.tm_min = mi;
		tm.tm_sec = s;
		*out = ((int64_t)timegm(&tm) - off) * 1000 + (int64_t)floor(frac * 1000 + 0.5);
	}
	return 0;
bad:
	return mlv_error_set(MLV_EINVALID,
		"invalid time '%s': expected ISO 8601 (2026-03-03T14:00:00Z, 2026-03-03 14:00+01:00, 2026-03-03) or @<epoch seconds>",
		text);
}

/* ---- keys and values of the registry database ---- */

struct key {
	unsigned char b[KEY_MAX + 1];
	size_t n;
};

static void key_start(struct key *k, char kind, const char *name)
{
	size_t n = strlen(name);
	k->b[0] = (unsigned char)kind;
	k->b[1] = 0;
	memcpy(k->b + 2, name, n);
	k->b[2 + n] = 0;
	k->n = 3 + n;
}

static void key_str(struct key *k, const char *s, int nul)
{
	size_t n = strlen(s);
	memcpy(k->b + k->n, s, n);
	k->n += n;
	if (nul)
		k->b[k->n++] = 0;
}

static void key_be(struct key *k, uint64_t v, int bytes)
{
	for (int i = bytes - 1; i >= 0; i--)
		k->b[k->n++] = (unsigned char)(v >> (8 * i));
}

static uint64_t get_be(const unsigned char *p, int bytes)
{
	uint64_t v = 0;
	for (int i = 0; i < bytes; i++)
		v = v << 8 | p[i];
	return v;
}

static MDB_val kval(const struct key *k)
{
	MDB_val v = { k->n, (void *)k->b };
	return v;
}

/* v: record(32) artifact(32) size(8) seq(8) flags(1) */
#define VFLAG_DIR 1
#define VFLAG_DEPRECATED 2
#define VSZ 81

static void vent_encode(unsigned char out[VSZ], const mlv_model_version *v)
{
	memcpy(out, v->record.id, 32);
	memcpy(out + 32, v->artifact.id, 32);
	mlv__put_u64(out + 64, v->size);
	mlv__put_u64(out + 72, v->seq);
	out[80] = (unsigned char)((v->is_dir ? VFLAG_DIR : 0) | (v->deprecated ? VFLAG_DEPRECATED : 0));
}

static int vent_decode(mlv_model_version *v, const MDB_val *val)
{
	const unsigned char *p = val->mv_data;
	if (val->mv_size != VSZ)
		return mlv_error_set(MLV_ECORRUPT, "registry entry of a version has a bad size (try 'mlv fsck --rebuild-index')");
	memcpy(v->record.id, p, 32);
	memcpy(v->artifact.id, p + 32, 32);
	v->size = mlv__get_u64(p + 64);
	v->seq = mlv__get_u64(p + 72);
	v->is_dir = !!(p[80] & VFLAG_DIR);
	v->deprecated = !!(p[80] & VFLAG_DEPRECATED);
	return 0;
}

/* a: version(4) seq(8) event(32) */
#define ASZ 44
struct aent {
	uint32_t version;
	uint64_t seq;
	mlv_oid event;
};

/* head (refs): event(32) seq(8) time(8) */
#define HEADSZ 48
struct head {
	mlv_oid id;
	uint64_t seq;
	int64_t time_ms;
};

static int mdb_fail(int rc, const char *what)
{
	return rc == MDB_MAP_FULL ? rc : mlv__index_error(rc, what);
}

static int head_get(MDB_txn *txn, struct mlv_index *ix, const char *name, struct head *out)
{
	char ref[sizeof(MLV_REG_REF_PREFIX) + MLV_REG_NAME_MAX];
	MDB_val k, v;
	int rc;
	k.mv_size = (size_t)snprintf(ref, sizeof(ref), MLV_REG_REF_PREFIX "%s", name);
	k.mv_data = ref;
	memset(out, 0, sizeof(*out));
	rc = mdb_get(txn, ix->refs, &k, &v);
	if (rc == MDB_NOTFOUND)
		return mlv_error_set(MLV_ENOTFOUND, "no model '%s'", name);
	if (rc)
		return mlv__index_error(rc, "read");
	if (v.mv_size != HEADSZ)
		return mlv_error_set(MLV_ECORRUPT, "the ref of model '%s' has a bad size", name);
	memcpy(out->id.id, v.mv_data, 32);
	out->seq = mlv__get_u64((const unsigned char *)v.mv_data + 32);
	out->time_ms = (int64_t)mlv__get_u64((const unsigned char *)v.mv_data + 40);
	return 0;
}

static int head_put(MDB_txn *txn, struct mlv_index *ix, const char *name, const struct head *h)
{
	char ref[sizeof(MLV_REG_REF_PREFIX) + MLV_REG_NAME_MAX];
	unsigned char val[HEADSZ];
	MDB_val k, v = { HEADSZ, val };
	int rc;
	k.mv_size = (size_t)snprintf(ref, sizeof(ref), MLV_REG_REF_PREFIX "%s", name);
	k.mv_data = ref;
	memcpy(val, h->id.id, 32);
	mlv__put_u64(val + 32, h->seq);
	mlv__put_u64(val + 40, (uint64_t)h->time_ms);
	if ((rc = mdb_put(txn, ix->refs, &k, &v, 0)))
		return mdb_fail(rc, "write");
	return 0;
}

static int alias_get(MDB_txn *txn, struct mlv_index *ix, const char *name, const char *alias, struct aent *out)
{
	struct key k;
	MDB_val kv, v;
	int rc;
	key_start(&k, 'a', name);
	key_str(&k, alias, 0);
	kv = kval(&k);
	memset(out, 0, sizeof(*out));
	rc = mdb_get(txn, ix->registry, &kv, &v);
	if (rc == MDB_NOTFOUND)
		return MLV_ENOTFOUND;
	if (rc)
		return mlv__index_error(rc, "read");
	if (v.mv_size != ASZ)
		return mlv_error_set(MLV_ECORRUPT, "registry entry of an alias has a bad size (try 'mlv fsck --rebuild-index')");
	out->version = mlv__get_u32(v.mv_data);
	out->seq = mlv__get_u64((const unsigned char *)v.mv_data + 4);
	memcpy(out->event.id, (const unsigned char *)v.mv_data + 12, 32);
	return 0;
}

static int version_get(MDB_txn *txn, struct mlv_index *ix, const char *name, uint32_t version, mlv_model_version *out)
{
	struct key k;
	MDB_val kv, v;
	int rc;
	memset(out, 0, sizeof(*out));
	key_start(&k, 'v', name);
	if (version == 0) {
		/* the latest: the last key of the model's versions */
		MDB_cursor *cur;
		key_be(&k, 0xffffffffu, 4);
		kv = kval(&k);
		if ((rc = mdb_cursor_open(txn, ix->registry, &cur)))
			return mlv__index_error(rc, "read");
		rc = mdb_cursor_get(cur, &kv, &v, MDB_SET_RANGE);
		if (rc == 0 || rc == MDB_NOTFOUND)
			rc = mdb_cursor_get(cur, &kv, &v, rc == 0 ? MDB_PREV : MDB_LAST);
		if (rc == 0 && (kv.mv_size != k.n || memcmp(kv.mv_data, k.b, k.n - 4)))
			rc = MDB_NOTFOUND;
		if (rc == 0)
			version = (uint32_t)get_be((const unsigned char *)kv.mv_data + k.n - 4, 4);
		mdb_cursor_close(cur);
		if (rc == MDB_NOTFOUND)
			return mlv_error_set(MLV_ENOTFOUND, "model '%s' has no version", name);
	} else {
		key_be(&k, version, 4);
		kv = kval(&k);
		rc = mdb_get(txn, ix->registry, &kv, &v);
		if (rc == MDB_NOTFOUND)
			return mlv_error_set(MLV_ENOTFOUND, "model '%s' has no version %u", name, version);
	}
	if (rc)
		return mlv__index_error(rc, "read");
	snprintf(out->name, sizeof(out->name), "%s", name);
	out->version = version;
	return vent_decode(out, &v);
}

/* ---- events ---- */

/*
 * The identity key: the email, else the name, with ASCII letters in lower
 * case. Bytes that are not UTF-8 become the characters of the same value
 * (U+0080..U+00FF), as the JSON writer stores them, so that the key a live
 * change uses is the key a replay of the stored event computes. At most 255
 * bytes, cut between characters.
 */
void mlv__reg_identity_key(char out[256], const char *name, const char *email)
{
	const unsigned char *s = (const unsigned char *)(email && *email ? email : name ? name : "");
	size_t o = 0, n, left = strlen((const char *)s);
	for (size_t i = 0; i < left; i += n) {
		unsigned char c[4];
		size_t len = 1;
		n = mlv__utf8_len(s + i, left - i);
		if (n == 0) {
			/* not UTF-8: the byte as its code point */
			c[0] = (unsigned char)(0xc0 | s[i] >> 6);
			c[1] = (unsigned char)(0x80 | (s[i] & 0x3f));
			len = 2;
			n = 1;
		} else if (n == 1) {
			c[0] = s[i] >= 'A' && s[i] <= 'Z' ? (unsigned char)(s[i] - 'A' + 'a') : s[i];
		} else {
			memcpy(c, s + i, n);
			len = n;
		}
		if (o + len > 255)
			break;
		memcpy(out + o, c, len);
		o += len;
	}
	out[o] = '\0';
}

static int json_oid(const cJSON *j, const char *key, mlv_oid *out)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(j, key);
	return cJSON_IsString(v) && !mlv_oid_fromhex(out, v->valuestring) ? 0 : -1;
}

static int json_u64(const cJSON *j, const char *key, uint64_t *out)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(j, key);
	if (!cJSON_IsNumber(v) || v->valuedouble < 0 || v->valuedouble != floor(v->valuedouble) ||
	    v->valuedouble > 9007199254740992.0)
		return -1;
	*out = (uint64_t)v->valuedouble;
	return 0;
}

int mlv__reg_event_parse(struct mlv__reg_event *ev, const char *json, size_t len, const char *name)
{
	const char *end;
	int nomem;
	cJSON *j = mlv__json_parse(json, len, &end, &nomem);
	const cJSON *v;
	uint64_t u;
	int rc = MLV_ECORRUPT;
	const char *why = "not JSON";
	memset(ev, 0, sizeof(*ev));
	if (nomem)
		return mlv_error_set(MLV_ENOMEM, "out of memory");
	if (!j)
		goto done;
	why = "not an event of this model";
	v = cJSON_GetObjectItemCaseSensitive(j, "schema");
	if (!cJSON_IsString(v) || strcmp(v->valuestring, "mlv.model-event/1"))
		goto done;
	v = cJSON_GetObjectItemCaseSensitive(j, "model");
	if (!cJSON_IsString(v) || strcmp(v->valuestring, name))
		goto done;
	why = "bad type";
	v = cJSON_GetObjectItemCaseSensitive(j, "type");
	if (!cJSON_IsString(v) || !(ev->type = ev_type_parse(v->valuestring)))
		goto done;
	why = "bad seq";
	if (json_u64(j, "seq", &ev->seq) || ev->seq == 0)
		goto done;
	why = "bad prev";
	v = cJSON_GetObjectItemCaseSensitive(j, "prev");
	if (cJSON_IsNull(v))
		ev->has_prev = 0;
	else if (!json_oid(j, "prev", &ev->prev))
		ev->has_prev = 1;
	else
		goto done;
	why = "bad time";
	if (json_u64(j, "time_ms", &u))
		goto done;
	ev->time_ms = (int64_t)u;
	why = "bad version";
	if (ev->type != EV_UNALIAS) {
		/* an unalias acts on no version: one there is ignored, as "from" on types that have none */
		if (json_u64(j, "version", &u) || u == 0 || u > 0xffffffffu)
			goto done;
		ev->version = (uint32_t)u;
	}
	why = "bad alias";
	v = cJSON_GetObjectItemCaseSensitive(j, "alias");
	if (ev->type == EV_PROMOTE || ev->type == EV_ROLLBACK || ev->type == EV_APPROVE || ev->type == EV_UNALIAS) {
		if (!cJSON_IsString(v) || mlv_registry_check_alias(v->valuestring))
			goto done;
		snprintf(ev->alias, sizeof(ev->alias), "%s", v->valuestring);
	}
	v = cJSON_GetObjectItemCaseSensitive(j, "from");
	if (v && !cJSON_IsNull(v) && (ev->type == EV_PROMOTE || ev->type == EV_ROLLBACK || ev->type == EV_UNALIAS)) {
		if (json_u64(j, "from", &u) || u > 0xffffffffu)
			goto done;
		ev->from = (uint32_t)u;
	}
	if (ev->type == EV_REGISTER) {
		why = "bad artifact";
		if (json_oid(j, "record", &ev->record) || json_oid(j, "artifact", &ev->artifact) ||
		    json_u64(j, "size", &ev->size))
			goto done;
		v = cJSON_GetObjectItemCaseSensitive(j, "kind");
		if (!cJSON_IsString(v) || (strcmp(v->valuestring, "file") && strcmp(v->valuestring, "dir")))
			goto done;
		ev->is_dir = !strcmp(v->valuestring, "dir");
	}
	{
		const cJSON *id = cJSON_GetObjectItemCaseSensitive(j, "identity");
		const cJSON *n = cJSON_GetObjectItemCaseSensitive(id, "name");
		const cJSON *e = cJSON_GetObjectItemCaseSensitive(id, "email");
		mlv__reg_identity_key(ev->idkey, cJSON_IsString(n) ? n->valuestring : "", cJSON_IsString(e) ? e->valuestring : "");
	}
	rc = 0;
done:
	cJSON_Delete(j);
	if (rc)
		mlv_error_set(rc, "event of model '%s' is damaged: %s", name, why);
	return rc;
}

static int put_str(mlv_buf *b, const char *s)
{
	return mlv_buf_put_json_string(b, s, strlen(s));
}

#define JSON_INT_MAX 9007199254740992.0 /* 2^53: what json_u64 reads back exactly */

static int uses_alias(int type)
{
	return type == EV_PROMOTE || type == EV_ROLLBACK || type == EV_APPROVE || type == EV_UNALIAS;
}

/* Why EV (of model NAME by WHO) would not read back as itself, or NULL. */
static const char *event_unfit(const char *name, const struct mlv__reg_event *ev, const mlv_reg_identity *who)
{
	static const mlv_oid zero;
	char key[256];
	if (mlv_registry_check_name(name)) {
		mlv_error_clear();
		return "bad model name";
	}
	if (ev->type < EV_REGISTER || ev->type > EV_DEPRECATE)
		return "bad type";
	if (ev->seq == 0 || (double)ev->seq > JSON_INT_MAX || ev->time_ms < 0 || (double)ev->time_ms > JSON_INT_MAX)
		return "seq or time out of range";
	if (!ev->has_prev && mlv_oid_cmp(&ev->prev, &zero))
		return "a predecessor without has_prev";
	if ((ev->type == EV_UNALIAS) != (ev->version == 0))
		return "bad version";
	if (uses_alias(ev->type) ? mlv_registry_check_alias(ev->alias) != 0 : ev->alias[0] != '\0') {
		mlv_error_clear();
		return "bad alias";
	}
	if (ev->from && ev->type != EV_PROMOTE && ev->type != EV_ROLLBACK && ev->type != EV_UNALIAS)
		return "'from' on an event that has none";
	if (ev->type == EV_REGISTER ? (double)ev->size > JSON_INT_MAX :
	    (mlv_oid_cmp(&ev->record, &zero) || mlv_oid_cmp(&ev->artifact, &zero) || ev->size || ev->is_dir))
		return "bad artifact";
	if (ev->is_dir != 0 && ev->is_dir != 1)
		return "bad kind";
	mlv__reg_identity_key(key, who->name, who->email);
	if (strcmp(key, ev->idkey))
		return "identity key does not match the identity";
	return NULL;
}

int mlv__reg_event_serialize(mlv_buf *out, const char *name, const struct mlv__reg_event *ev,
	const mlv_reg_identity *who, const char *message, const char *extra, size_t extra_len)
{
	mlv_buf raw = MLV_BUF_INIT;
	char t[32], hex[MLV_OID_HEXSZ + 1];
	const char *why = event_unfit(name, ev, who);
	int rc;
	if (why)
		return mlv_error_set(MLV_EINVALID, "internal error: an event of '%s' cannot be written: %s", name, why);
	mlv__iso_time(t, ev->time_ms);
	mlv_buf_puts(&raw, "{\"schema\":\"mlv.model-event/1\",\"model\":");
	put_str(&raw, name);
	mlv_buf_printf(&raw, ",\"seq\":%llu,\"prev\":", (unsigned long long)ev->seq);
	if (ev->has_prev)
		mlv_buf_printf(&raw, "\"sha256:%s\"", mlv_oid_fmt(hex, &ev->prev));
	else
		mlv_buf_puts(&raw, "null");
	mlv_buf_printf(&raw, ",\"type\":\"%s\",\"time\":\"%s\",\"time_ms\":%lld,\"identity\":{\"name\":",
		ev_names[ev->type], t, (long long)ev->time_ms);
	put_str(&raw, who->name ? who->name : "");
	mlv_buf_puts(&raw, ",\"email\":");
	put_str(&raw, who->email ? who->email : "");
	mlv_buf_putc(&raw, '}');
	if (message) {
		mlv_buf_puts(&raw, ",\"message\":");
		put_str(&raw, message);
	}
	if (ev->version)
		mlv_buf_printf(&raw, ",\"version\":%u", ev->version);
	if (ev->type == EV_REGISTER) {
		mlv_buf_printf(&raw, ",\"record\":\"sha256:%s\"", mlv_oid_fmt(hex, &ev->record));
		mlv_buf_printf(&raw, ",\"artifact\":\"sha256:%s\",\"size\":%llu,\"kind\":\"%s\"", mlv_oid_fmt(hex, &ev->artifact),
			(unsigned long long)ev->size, ev->is_dir ? "dir" : "file");
	}
	if (uses_alias(ev->type)) {
		mlv_buf_puts(&raw, ",\"alias\":");
		put_str(&raw, ev->alias);
	}
	if (ev->type == EV_PROMOTE && !ev->from)
		mlv_buf_puts(&raw, ",\"from\":null");
	else if (ev->type == EV_PROMOTE || ev->type == EV_ROLLBACK || ev->type == EV_UNALIAS)
		mlv_buf_printf(&raw, ",\"from\":%u", ev->from);
	if (extra_len)
		mlv_buf_put(&raw, extra, extra_len);
	if (mlv_buf_putc(&raw, '}')) {
		mlv_buf_release(&raw);
		return mlv_error_set(MLV_ENOMEM, "out of memory");
	}
	mlv_buf_clear(out);
	if ((rc = mlv_json_canonical(out, raw.ptr, raw.size)) && rc != MLV_ENOMEM)
		rc = mlv_error_set(MLV_ERROR, "internal error: an event is not JSON (%s)", mlv_error_last());
	mlv_buf_release(&raw);
	return rc;
}

/*
 * Apply event EV (id ID) of model NAME to the registry database and move the
 * head to it: the one place that derives state from events, used by live
 * changes and by replay alike.
 */
static int apply_event(MDB_txn *txn, struct mlv_index *ix, const char *name, const struct mlv__reg_event *ev, const mlv_oid *id)
{
	struct key k;
	MDB_val kv, v;
	unsigned char buf[VSZ > ASZ ? VSZ : ASZ];
	int rc = 0;

	switch (ev->type) {
	case EV_REGISTER: {
		mlv_model_version mv;
		memset(&mv, 0, sizeof(mv));
		mv.record = ev->record;
		mv.artifact = ev->artifact;
		mv.size = ev->size;
		mv.is_dir = ev->is_dir;
		mv.seq = ev->seq;
		vent_encode(buf, &mv);
		key_start(&k, 'v', name);
		key_be(&k, ev->version, 4);
		kv = kval(&k);
		v.mv_size = VSZ;
		v.mv_data = buf;
		rc = mdb_put(txn, ix->registry, &kv, &v, 0);
		break;
	}
	case EV_DEPRECATE: {
		key_start(&k, 'v', name);
		key_be(&k, ev->version, 4);
		kv = kval(&k);
		if ((rc = mdb_get(txn, ix->registry, &kv, &v)))
			break;
		if (v.mv_size != VSZ)
			return mlv_error_set(MLV_ECORRUPT, "registry entry of a version has a bad size");
		memcpy(buf, v.mv_data, VSZ);
		buf[80] |= VFLAG_DEPRECATED;
		v.mv_data = buf;
		rc = mdb_put(txn, ix->registry, &kv, &v, 0);
		break;
	}
	case EV_PROMOTE:
	case EV_ROLLBACK:
	case EV_UNALIAS: {
		unsigned char h[5];
		key_start(&k, 'a', name);
		key_str(&k, ev->alias, 0);
		kv = kval(&k);
		if (ev->type == EV_UNALIAS) {
			rc = mdb_del(txn, ix->registry, &kv, NULL);
			if (rc == MDB_NOTFOUND)
				rc = 0;
		} else {
			mlv__put_u32(buf, ev->version);
			mlv__put_u64(buf + 4, ev->seq);
			memcpy(buf + 12, id->id, 32);
			v.mv_size = ASZ;
			v.mv_data = buf;
			rc = mdb_put(txn, ix->registry, &kv, &v, 0);
		}
		if (rc)
			break;
		key_start(&k, 'h', name);
		key_str(&k, ev->alias, 1);
		key_be(&k, (uint64_t)ev->time_ms, 8);
		key_be(&k, ev->seq, 8);
		kv = kval(&k);
		mlv__put_u32(h, ev->type == EV_UNALIAS ? 0 : ev->version);
		h[4] = (unsigned char)ev->type;
		v.mv_size = 5;
		v.mv_data = h;
		rc = mdb_put(txn, ix->registry, &kv, &v, 0);
		break;
	}
	case EV_APPROVE: {
		unsigned char s[8];
		key_start(&k, 'p', name);
		key_be(&k, ev->version, 4);
		k.b[k.n++] = 0;
		key_str(&k, ev->alias, 1);
		key_str(&k, ev->idkey, 0);
		kv = kval(&k);
		mlv__put_u64(s, ev->seq);
		v.mv_size = 8;
		v.mv_data = s;
		/* the same identity again (possible only in a hand-made chain) keeps the first */
		rc = mdb_put(txn, ix->registry, &kv, &v, MDB_NOOVERWRITE);
		if (rc == MDB_KEYEXIST)
			rc = 0;
		break;
	}
	default:
		return mlv_error_set(MLV_ECORRUPT, "unknown event type");
	}
	if (rc)
		return rc == MDB_NOTFOUND ? mlv_error_set(MLV_ECORRUPT, "event %llu of '%s' names version %u, which does not exist",
			(unsigned long long)ev->seq, name, ev->version) : mdb_fail(rc, "write");
	{
		unsigned char e[32];
		key_start(&k, 'e', name);
		key_be(&k, ev->seq, 8);
		kv = kval(&k);
		memcpy(e, id->id, 32);
		v.mv_size = 32;
		v.mv_data = e;
		if ((rc = mdb_put(txn, ix->registry, &kv, &v, 0)))
			return mdb_fail(rc, "write");
	}
	{
		struct head h = { *id, ev->seq, ev->time_ms };
		return head_put(txn, ix, name, &h);
	}
}

/* ---- writing one event ---- */

/*
 * A change: CHECK runs inside the write transaction (under the write lock)
 * against the current state and fills the event's specific fields and JSON
 * body; then the event is stored, applied and the head moved, all in that
 * transaction.
 */
struct change {
	mlv_store *st;
	const char *name;
	const mlv_reg_identity *who;
	const char *message;
	int create;                 /* the model may not exist yet (register) */
	int64_t now;
	mlv_writer *w;
	int (*check)(struct change *c, MDB_txn *txn, const struct head *h, struct mlv__reg_event *ev, mlv_buf *body);
	void *payload;
	int noop;                   /* CHECK found nothing to do: commit nothing */
	/* results */
	struct mlv__reg_event ev;
	mlv_oid id;
	int added;                  /* the event object is in the writer (MAP_FULL retries reuse it) */
	mlv_buf json;
};

static int change_txn(void *payload, MDB_txn *txn)
{
	struct change *c = payload;
	struct mlv_index *ix = &c->st->ix;
	struct head h;
	mlv_buf body = MLV_BUF_INIT;
	int rc;

	rc = head_get(txn, ix, c->name, &h);
	if (rc == MLV_ENOTFOUND && c->create) {
		mlv_error_clear();
		memset(&h, 0, sizeof(h));
		rc = 0;
	}
	if (rc)
		return rc;
	c->noop = 0;
	if (!c->added) {
		struct mlv__reg_event *ev = &c->ev;
		memset(ev, 0, sizeof(*ev));
		ev->seq = h.seq + 1;
		ev->has_prev = h.seq > 0;
		ev->prev = h.id;
		/* time never goes backwards along a chain */
		ev->time_ms = c->now > h.time_ms ? c->now : h.time_ms;
		mlv__reg_identity_key(ev->idkey, c->who->name, c->who->email);
		if ((rc = c->check(c, txn, &h, ev, &body)))
			goto done;
		if (c->noop)
			goto done;
		if (body.failed) {
			rc = mlv_error_set(MLV_ENOMEM, "out of memory");
			goto done;
		}
		if ((rc = mlv__reg_event_serialize(&c->json, c->name, ev, c->who, c->message, body.ptr, body.size)))
			goto done;
		if ((rc = mlv_writer_add_buf(c->w, &c->id, c->json.ptr, c->json.size, MLV_OBJ_JSON)))
			goto done;
		c->added = 1;
	}
	if ((rc = mlv__writer_commit_in(c->w, txn)))
		goto done;
	rc = apply_event(txn, ix, c->name, &c->ev, &c->id);
done:
	mlv_buf_release(&body);
	return rc;
}

/* Run change C: the writer is made before the write lock is taken (gc's lock comes first). */
static int change_run(struct change *c)
{
	int rc;
	c->now = now_ms();
	if (!c->w && (rc = mlv_writer_new(&c->w, c->st)))
		return rc;
	rc = mlv__index_write(c->st, change_txn, c);
	if (rc == 0 && !c->noop)
		mlv__writer_set_committed(c->w);
	return rc;
}

static void change_release(struct change *c)
{
	mlv_writer_free(c->w);
	c->w = NULL;
	mlv_buf_release(&c->json);
}

/* ---- reading ---- */

int mlv_registry_exists(mlv_store *st, const char *name)
{
	MDB_txn *txn;
	struct head h;
	int rc;
	if (mlv_registry_check_name(name)) {
		mlv_error_clear();
		return 0;
	}
	if ((rc = mlv__index_read_begin(&st->ix, &txn)))
		return rc;
	rc = head_get(txn, &st->ix, name, &h);
	mdb_txn_abort(txn);
	if (rc == MLV_ENOTFOUND) {
		mlv_error_clear();
		return 0;
	}
	return rc ? rc : 1;
}

static int parse_version(uint32_t *out, const char *s)
{
	unsigned long long v = 0;
	if (!all_digits(s) || strlen(s) > 10)
		return -1;
	v = strtoull(s, NULL, 10);
	if (v == 0 || v > 0xffffffffu)
		return -1;
	*out = (uint32_t)v;
	return 0;
}

/* Resolve NAME and REF inside TXN. */
static int resolve_in(MDB_txn *txn, struct mlv_index *ix, const char *name, const char *ref, mlv_model_version *out)
{
	struct head h;
	uint32_t version = 0;
	int rc;
	if ((rc = head_get(txn, ix, name, &h)))
		return rc;
	if (!strcmp(ref, "latest")) {
		version = 0;
	} else if (all_digits(ref)) {
		if (parse_version(&version, ref))
			return mlv_error_set(MLV_EINVALID, "invalid version '%s' of '%s': versions are 1, 2, 3...", ref, name);
	} else {
		struct aent a;
		if ((rc = mlv_registry_check_alias(ref)))
			return rc;
		rc = alias_get(txn, ix, name, ref, &a);
		if (rc == MLV_ENOTFOUND)
			return mlv_error_set(MLV_ENOTFOUND, "no version of '%s' holds '%s'", name, ref);
		if (rc)
			return rc;
		version = a.version;
	}
	return version_get(txn, ix, name, version, out);
}

int mlv_registry_resolve(mlv_store *st, const char *spec, mlv_model_version *out)
{
	char name[MLV_REG_NAME_MAX + 1];
	const char *ref, *at = strchr(spec, '@');
	MDB_txn *txn;
	int rc;
	memset(out, 0, sizeof(*out));
	if (!mlv_registry_spec_split(spec, name, &ref)) {
		if (!at) {
			if ((rc = mlv_registry_check_name(spec)))
				return rc;
			return mlv_error_set(MLV_EINVALID, "'%s' names no version: use %s@<n>, %s@<alias> or %s@latest",
				spec, spec, spec, spec);
		}
		{
			char *n = mlv__strndup(spec, (size_t)(at - spec));
			rc = n ? mlv_registry_check_name(n) : MLV_ENOMEM;
			free(n);
			if (rc)
				return rc;
		}
		if (all_digits(at + 1) || !at[1])
			return mlv_error_set(MLV_EINVALID, "invalid version '%s' in '%s'", at + 1, spec);
		return mlv_registry_check_alias(at + 1) ? MLV_EINVALID :
			mlv_error_set(MLV_EINVALID, "cannot parse '%s'", spec);
	}
	if ((rc = mlv__index_read_begin(&st->ix, &txn)))
		return rc;
	rc = resolve_in(txn, &st->ix, name, ref, out);
	mdb_txn_abort(txn);
	return rc;
}

int mlv_registry_version(mlv_store *st, const char *name, uint32_t version, mlv_model_version *out)
{
	MDB_txn *txn;
	struct head h;
	int rc;
	memset(out, 0, sizeof(*out));
	if ((rc = mlv_registry_check_name(name)))
		return rc;
	if ((rc = mlv__index_read_begin(&st->ix, &txn)))
		return rc;
	if (!(rc = head_get(txn, &st->ix, name, &h)))
		rc = version_get(txn, &st->ix, name, version, out);
	mdb_txn_abort(txn);
	return rc;
}

int mlv_registry_version_record(mlv_store *st, const mlv_model_version *v, mlv_buf *out)
{
	return mlv_object_read_buf(st, &v->record, out, RECORD_MAX);
}

/* Iterate keys starting with PREFIX (N bytes) in TXN. */
typedef int (*prefix_fn)(void *payload, const MDB_val *k, const MDB_val *v);
static int prefix_each(MDB_txn *txn, MDB_dbi dbi, const void *prefix, size_t n, prefix_fn fn, void *payload)
{
	MDB_cursor *cur;
	MDB_val k = { n, (void *)prefix }, v;
	int r, rc = 0;
	if ((r = mdb_cursor_open(txn, dbi, &cur)))
		return mlv__index_error(r, "read");
	for (r = mdb_cursor_get(cur, &k, &v, n ? MDB_SET_RANGE : MDB_FIRST); r == 0 && !rc;
	     r = mdb_cursor_get(cur, &k, &v, MDB_NEXT)) {
		if (k.mv_size < n || memcmp(k.mv_data, prefix, n))
			break;
		rc = fn(payload, &k, &v);
	}
	mdb_cursor_close(cur);
	if (!rc && r && r != MDB_NOTFOUND)
		rc = mlv__index_error(r, "read");
	return rc;
}

struct models_walk {
	MDB_txn *txn;
	struct mlv_index *ix;
	mlv_reg_model_fn fn;
	void *payload;
};

static int models_one(void *payload, const MDB_val *k, const MDB_val *v)
{
	struct models_walk *m = payload;
	char name[MLV_REG_NAME_MAX + 1];
	size_t pl = strlen(MLV_REG_REF_PREFIX), n = k->mv_size - pl;
	mlv_model_version mv;
	uint32_t latest = 0;
	if (n == 0 || n > MLV_REG_NAME_MAX || v->mv_size != HEADSZ)
		return 0;
	memcpy(name, (const char *)k->mv_data + pl, n);
	name[n] = '\0';
	if (version_get(m->txn, m->ix, name, 0, &mv) == 0)
		latest = mv.version;
	mlv_error_clear();
	return m->fn(m->payload, name, latest, mlv__get_u64((const unsigned char *)v->mv_data + 32),
		(int64_t)mlv__get_u64((const unsigned char *)v->mv_data + 40));
}

int mlv_registry_models(mlv_store *st, mlv_reg_model_fn fn, void *payload)
{
	struct models_walk m = { NULL, &st->ix, fn, payload };
	int rc;
	if ((rc = mlv__index_read_begin(&st->ix, &m.txn)))
		return rc;
	rc = prefix_each(m.txn, st->ix.refs, MLV_REG_REF_PREFIX, strlen(MLV_REG_REF_PREFIX), models_one, &m);
	mdb_txn_abort(m.txn);
	return rc;
}

struct alias_walk {
	size_t prefix;
	mlv_reg_alias_fn fn;
	void *payload;
	MDB_txn *txn;
	struct mlv_index *ix;
};

static int aliases_one(void *payload, const MDB_val *k, const MDB_val *v)
{
	struct alias_walk *a = payload;
	char alias[MLV_REG_NAME_MAX + 1];
	size_t n = k->mv_size - a->prefix;
	const unsigned char *p = v->mv_data;
	if (n == 0 || n > MLV_REG_NAME_MAX || v->mv_size != ASZ)
		return 0;
	memcpy(alias, (const char *)k->mv_data + a->prefix, n);
	alias[n] = '\0';
	return a->fn(a->payload, alias, mlv__get_u32(p), mlv__get_u64(p + 4), 0);
}

int mlv_registry_aliases(mlv_store *st, const char *name, mlv_reg_alias_fn fn, void *payload)
{
	struct alias_walk a = { 0, fn, payload, NULL, &st->ix };
	struct key k;
	struct head h;
	int rc;
	if ((rc = mlv_registry_check_name(name)))
		return rc;
	if ((rc = mlv__index_read_begin(&st->ix, &a.txn)))
		return rc;
	if ((rc = head_get(a.txn, &st->ix, name, &h)))
		goto done;
	key_start(&k, 'a', name);
	a.prefix = k.n;
	rc = prefix_each(a.txn, st->ix.registry, k.b, k.n, aliases_one, &a);
done:
	mdb_txn_abort(a.txn);
	return rc;
}

int mlv_registry_aliases_at(mlv_store *st, const char *name, int64_t time_ms, mlv_reg_alias_fn fn, void *payload)
{
	MDB_txn *txn;
	MDB_cursor *cur = NULL;
	struct key base, k;
	struct head h;
	MDB_val kv, v;
	int rc, r;
	if ((rc = mlv_registry_check_name(name)))
		return rc;
	if ((rc = mlv__index_read_begin(&st->ix, &txn)))
		return rc;
	if ((rc = head_get(txn, &st->ix, name, &h)))
		goto done;
	if ((r = mdb_cursor_open(txn, st->ix.registry, &cur))) {
		rc = mlv__index_error(r, "read");
		goto done;
	}
	key_start(&base, 'h', name);
	k = base;
	kv = kval(&k);
	/* one seek per alias: to the first key after (alias, time_ms), then one step back */
	for (r = mdb_cursor_get(cur, &kv, &v, MDB_SET_RANGE); r == 0 && !rc;) {
		char alias[MLV_REG_NAME_MAX + 1];
		const unsigned char *p = kv.mv_data;
		size_t an;
		if (kv.mv_size < base.n + 18 || memcmp(p, base.b, base.n))
			break;
		an = kv.mv_size - base.n - 17;
		if (an == 0 || an > MLV_REG_NAME_MAX) {
			rc = mlv_error_set(MLV_ECORRUPT, "registry entry of alias history is damaged (try 'mlv fsck --rebuild-index')");
			break;
		}
		memcpy(alias, p + base.n, an);
		alias[an] = '\0';
		k = base;
		key_str(&k, alias, 1);
		if (time_ms < INT64_MAX) {
			key_be(&k, (uint64_t)time_ms + 1, 8);
		} else {
			key_be(&k, UINT64_MAX, 8);
		}
		kv = kval(&k);
		r = mdb_cursor_get(cur, &kv, &v, MDB_SET_RANGE);
		if (r == 0)
			r = mdb_cursor_get(cur, &kv, &v, MDB_PREV);
		else if (r == MDB_NOTFOUND)
			r = mdb_cursor_get(cur, &kv, &v, MDB_LAST);
		if (r)
			break;
		p = kv.mv_data;
		/* still this alias, at or before time_ms? */
		if (kv.mv_size == base.n + an + 17 && !memcmp(p, k.b, base.n + an + 1) && v.mv_size == 5) {
			int64_t t = (int64_t)get_be(p + base.n + an + 1, 8);
			uint64_t seq = get_be(p + base.n + an + 9, 8);
			rc = fn(payload, alias, mlv__get_u32(v.mv_data), seq, t);
		}
		/* on to the next alias */
		k = base;
		key_str(&k, alias, 0);
		k.b[k.n++] = 1;
		kv = kval(&k);
		r = mdb_cursor_get(cur, &kv, &v, MDB_SET_RANGE);
	}
	if (!rc && r && r != MDB_NOTFOUND)
		rc = mlv__index_error(r, "read");
done:
	if (cur)
		mdb_cursor_close(cur);
	mdb_txn_abort(txn);
	return rc;
}

struct idlist {
	mlv_oid *v;
	uint64_t *seq;
	size_t n, a;
};

static int idlist_add(struct idlist *l, const mlv_oid *id, uint64_t seq)
{
	if (l->n == l->a) {
		size_t na = l->a ? l->a * 2 : 64;
		mlv_oid *v = mlv__realloc(l->v, na * sizeof(*v));
		uint64_t *s;
		if (!v)
			return mlv_error_set(MLV_ENOMEM, "out of memory");
		l->v = v;
		if (!(s = mlv__realloc(l->seq, na * sizeof(*s))))
			return mlv_error_set(MLV_ENOMEM, "out of memory");
		l->seq = s;
		l->a = na;
	}
	l->v[l->n] = *id;
	l->seq[l->n++] = seq;
	return 0;
}

static void idlist_release(struct idlist *l)
{
	free(l->v);
	free(l->seq);
	memset(l, 0, sizeof(*l));
}

struct ev_collect {
	size_t prefix;
	struct idlist *l;
};

static int events_one(void *payload, const MDB_val *k, const MDB_val *v)
{
	struct ev_collect *c = payload;
	mlv_oid id;
	if (k->mv_size != c->prefix + 8 || v->mv_size != 32)
		return mlv_error_set(MLV_ECORRUPT, "registry entry of an event is damaged (try 'mlv fsck --rebuild-index')");
	memcpy(id.id, v->mv_data, 32);
	return idlist_add(c->l, &id, get_be((const unsigned char *)k->mv_data + c->prefix, 8));
}

int mlv_registry_events(mlv_store *st, const char *name, mlv_reg_event_fn fn, void *payload)
{
	MDB_txn *txn;
	struct idlist l = { 0 };
	struct ev_collect c = { 0, &l };
	struct key k;
	struct head h;
	mlv_buf b = MLV_BUF_INIT;
	int rc;
	if ((rc = mlv_registry_check_name(name)))
		return rc;
	if ((rc = mlv__index_read_begin(&st->ix, &txn)))
		return rc;
	if (!(rc = head_get(txn, &st->ix, name, &h))) {
		key_start(&k, 'e', name);
		c.prefix = k.n;
		rc = prefix_each(txn, st->ix.registry, k.b, k.n, events_one, &c);
	}
	mdb_txn_abort(txn);
	for (size_t i = 0; i < l.n && !rc; i++) {
		mlv_buf_clear(&b);
		mlv__pack_fds_trim(st);
		if ((rc = mlv_object_read_buf(st, &l.v[i], &b, EVENT_MAX)))
			break;
		rc = fn(payload, l.seq[i], &l.v[i], mlv_buf_cstr(&b), b.size);
	}
	mlv_buf_release(&b);
	idlist_release(&l);
	return rc;
}

/* ---- key=value lists ---- */

struct kv {
	char *k;
	char *s;      /* string value (params, tags) */
	double num;   /* metrics */
	int is_num;
};

struct kvs {
	struct kv *v;
	size_t n, a;
};

static void kvs_release(struct kvs *l)
{
	for (size_t i = 0; i < l->n; i++) {
		free(l->v[i].k);
		free(l->v[i].s);
	}
	free(l->v);
	memset(l, 0, sizeof(*l));
}

/* Set K (replacing an earlier value). */
static int kvs_set(struct kvs *l, const char *k, size_t klen, const char *s, double num, int is_num)
{
	struct kv *e = NULL;
	for (size_t i = 0; i < l->n; i++)
		if (strlen(l->v[i].k) == klen && !memcmp(l->v[i].k, k, klen)) {
			e = &l->v[i];
			free(e->s);
			e->s = NULL;
			break;
		}
	if (!e) {
		if (l->n == l->a) {
			size_t na = l->a ? l->a * 2 : 16;
			struct kv *v = mlv__realloc(l->v, na * sizeof(*v));
			if (!v)
				return mlv_error_set(MLV_ENOMEM, "out of memory");
			l->v = v;
			l->a = na;
		}
		e = &l->v[l->n++];
		memset(e, 0, sizeof(*e));
		if (!(e->k = mlv__strndup(k, klen)))
			return mlv_error_set(MLV_ENOMEM, "out of memory");
	}
	e->is_num = is_num;
	e->num = num;
	if (s && !(e->s = mlv__strdup(s)))
		return mlv_error_set(MLV_ENOMEM, "out of memory");
	return 0;
}

static int kvs_parse(struct kvs *l, const char *const *items, int n, int numeric, const char *what)
{
	for (int i = 0; i < n; i++) {
		const char *eq = strchr(items[i], '=');
		double d = 0;
		int rc;
		if (!eq || eq == items[i])
			return mlv_error_set(MLV_EINVALID, "invalid %s '%s': expected <key>=<value>", what, items[i]);
		if (!mlv_run_key_valid(items[i], (size_t)(eq - items[i])))
			return mlv_error_set(MLV_EINVALID,
				"invalid %s key '%.*s': use letters, digits, '_', '-', '.', '/'", what,
				(int)(eq - items[i]), items[i]);
		if (numeric && mlv_run_parse_metric(&d, eq + 1))
			return mlv_error_set(MLV_EINVALID, "invalid %s '%s': the value is not a number", what, items[i]);
		if ((rc = kvs_set(l, items[i], (size_t)(eq - items[i]), numeric ? NULL : eq + 1, d, numeric)))
			return rc;
	}
	return 0;
}

static int kv_cmp(const void *a, const void *b)
{
	return strcmp(((const struct kv *)a)->k, ((const struct kv *)b)->k);
}

static void kvs_json(mlv_buf *b, struct kvs *l)
{
	if (l->n)
		qsort(l->v, l->n, sizeof(*l->v), kv_cmp);
	mlv_buf_putc(b, '{');
	for (size_t i = 0; i < l->n; i++) {
		if (i)
			mlv_buf_putc(b, ',');
		put_str(b, l->v[i].k);
		mlv_buf_putc(b, ':');
		if (l->v[i].is_num)
			mlv_buf_put_json_number(b, l->v[i].num);
		else
			put_str(b, l->v[i].s ? l->v[i].s : "");
	}
	mlv_buf_putc(b, '}');
}

/* ---- register ---- */

struct reg {
	const mlv_register_opts *o;
	mlv_oid artifact;
	uint64_t size, files;
	int is_dir;
	mlv_buf lineage;    /* ,"run":{...},"git":{...},"deps":[...] or "" */
	struct kvs params, metrics, tags;
	mlv_model_version *out;
	mlv_oid record;
	mlv_buf recjson;
};

/* Take params, latest metrics, git and deps from run record JSON into R. */
static int take_run(struct reg *r, const char *runid, const mlv_oid *recid, const char *json, size_t len)
{
	const char *end;
	int nomem;
	cJSON *j = mlv__json_parse(json, len, &end, &nomem), *c;
	char hex[MLV_OID_HEXSZ + 1];
	int rc = 0;
	if (nomem)
		return mlv_error_set(MLV_ENOMEM, "out of memory");
	if (!j)
		return mlv_error_set(MLV_ECORRUPT, "the record of run %s is not JSON", runid);
	mlv_buf_printf(&r->lineage, ",\"run\":{\"id\":\"%s\",\"record\":\"sha256:%s\"", runid, mlv_oid_fmt(hex, recid));
	c = cJSON_GetObjectItemCaseSensitive(j, "name");
	if (cJSON_IsString(c)) {
		mlv_buf_puts(&r->lineage, ",\"name\":");
		put_str(&r->lineage, c->valuestring);
	}
	mlv_buf_putc(&r->lineage, '}');
	cJSON_ArrayForEach(c, cJSON_GetObjectItemCaseSensitive(j, "params"))
		if (cJSON_IsString(c) && (rc = kvs_set(&r->params, c->string, strlen(c->string), c->valuestring, 0, 0)))
			goto done;
	cJSON_ArrayForEach(c, cJSON_GetObjectItemCaseSensitive(j, "metrics")) {
		const cJSON *l = cJSON_GetObjectItemCaseSensitive(c, "latest");
		double d;
		if (cJSON_IsNumber(l))
			d = l->valuedouble;
		else if (cJSON_IsString(l) && !mlv_run_parse_metric(&d, l->valuestring))
			;
		else
			continue;
		if ((rc = kvs_set(&r->metrics, c->string, strlen(c->string), NULL, d, 1)))
			goto done;
	}
	c = cJSON_GetObjectItemCaseSensitive(j, "git");
	if (cJSON_IsObject(c)) {
		char *s = cJSON_PrintUnformatted(c);
		if (!s) {
			rc = mlv_error_set(MLV_ENOMEM, "out of memory");
			goto done;
		}
		mlv_buf_printf(&r->lineage, ",\"git\":%s", s);
		free(s);
	}
	c = cJSON_GetObjectItemCaseSensitive(j, "deps");
	{
		char *s = cJSON_IsArray(c) ? cJSON_PrintUnformatted(c) : mlv__strdup("[]");
		if (!s) {
			rc = mlv_error_set(MLV_ENOMEM, "out of memory");
			goto done;
		}
		mlv_buf_printf(&r->lineage, ",\"deps\":%s", s);
		free(s);
	}
done:
	cJSON_Delete(j);
	return rc;
}

static int register_check(struct change *c, MDB_txn *txn, const struct head *h, struct mlv__reg_event *ev, mlv_buf *body)
{
	struct reg *r = c->payload;
	mlv_model_version latest;
	mlv_buf raw = MLV_BUF_INIT;
	char t[32], hex[MLV_OID_HEXSZ + 1];
	int rc = 0;
	uint32_t n = 1;
	(void)body; /* everything it says is in EV */
	if (h->seq) {
		rc = version_get(txn, &c->st->ix, c->name, 0, &latest);
		if (rc == 0)
			n = latest.version + 1;
		else if (rc != MLV_ENOTFOUND)
			return rc;
		mlv_error_clear();
		if (n == 0)
			return mlv_error_set(MLV_EINVALID, "model '%s' has too many versions", c->name);
	}
	ev->type = EV_REGISTER;
	ev->version = n;
	ev->artifact = r->artifact;
	ev->size = r->size;
	ev->is_dir = r->is_dir;
	mlv__iso_time(t, ev->time_ms);
	mlv_buf_puts(&raw, "{\"schema\":\"mlv.model-version/1\",\"name\":");
	put_str(&raw, c->name);
	mlv_buf_printf(&raw, ",\"version\":%u,\"artifact\":{\"kind\":\"%s\",\"oid\":\"sha256:%s\",\"size\":%llu", n,
		r->is_dir ? "dir" : "file", mlv_oid_fmt(hex, &r->artifact), (unsigned long long)r->size);
	if (r->is_dir)
		mlv_buf_printf(&raw, ",\"files\":%llu", (unsigned long long)r->files);
	mlv_buf_printf(&raw, "},\"created\":\"%s\",\"created_ms\":%lld,\"identity\":{\"name\":", t, (long long)ev->time_ms);
	put_str(&raw, c->who->name ? c->who->name : "");
	mlv_buf_puts(&raw, ",\"email\":");
	put_str(&raw, c->who->email ? c->who->email : "");
	mlv_buf_putc(&raw, '}');
	if (c->message) {
		mlv_buf_puts(&raw, ",\"message\":");
		put_str(&raw, c->message);
	}
	mlv_buf_puts(&raw, ",\"params\":");
	kvs_json(&raw, &r->params);
	mlv_buf_puts(&raw, ",\"metrics\":");
	kvs_json(&raw, &r->metrics);
	mlv_buf_puts(&raw, ",\"tags\":");
	kvs_json(&raw, &r->tags);
	mlv_buf_put(&raw, r->lineage.ptr, r->lineage.size);
	if (mlv_buf_putc(&raw, '}')) {
		rc = mlv_error_set(MLV_ENOMEM, "out of memory");
		goto done;
	}
	mlv_buf_clear(&r->recjson);
	if ((rc = mlv_json_canonical(&r->recjson, raw.ptr, raw.size))) {
		rc = mlv_error_set(MLV_ERROR, "internal error: a version record is not JSON (%s)", mlv_error_last());
		goto done;
	}
	if ((rc = mlv_writer_add_buf(c->w, &r->record, r->recjson.ptr, r->recjson.size, MLV_OBJ_JSON)))
		goto done;
	ev->record = r->record;
done:
	mlv_buf_release(&raw);
	return rc;
}

int mlv_registry_register(mlv_store *st, const mlv_register_opts *o, mlv_model_version *out)
{
	struct reg r;
	struct change c;
	mlv_writer *aw = NULL;
	struct stat sb;
	int rc;

	memset(&r, 0, sizeof(r));
	memset(&c, 0, sizeof(c));
	memset(out, 0, sizeof(*out));
	r.o = o;
	if ((rc = mlv_registry_check_name(o->name)))
		return rc;
	/* everything the user typed is checked before anything is stored */
	if (o->run) {
		char id[MLV_RUN_IDSZ + 1];
		mlv_oid rec;
		mlv_buf json = MLV_BUF_INIT;
		if ((rc = mlv_run_resolve(st, id, o->run)) || (rc = mlv_run_read(st, id, &rec, &json)) ||
		    (rc = take_run(&r, id, &rec, json.ptr, json.size))) {
			mlv_buf_release(&json);
			goto done;
		}
		mlv_buf_release(&json);
	}
	if ((rc = kvs_parse(&r.params, o->params, o->nparams, 0, "param")) ||
	    (rc = kvs_parse(&r.metrics, o->metrics, o->nmetrics, 1, "metric")) ||
	    (rc = kvs_parse(&r.tags, o->tags, o->ntags, 0, "tag")))
		goto done;
	if (stat(o->path, &sb)) {
		rc = mlv_error_set_errno(errno == ENOENT ? MLV_ENOTFOUND : MLV_EIO, errno, "cannot read '%s'", o->path);
		goto done;
	}
	/* the artifact first, with its own writer: large, and no lock is needed to store it */
	if ((rc = mlv_writer_new(&aw, st)))
		goto done;
	if (S_ISDIR(sb.st_mode)) {
		r.is_dir = 1;
		rc = mlv_writer_add_dir(aw, &r.artifact, o->path, &r.files, &r.size);
	} else if (S_ISREG(sb.st_mode)) {
		int fd = open(o->path, O_RDONLY | O_CLOEXEC);
		if (fd < 0) {
			rc = mlv_error_set_errno(MLV_EIO, errno, "cannot read '%s'", o->path);
			goto done;
		}
		rc = mlv_writer_add_fd(aw, &r.artifact, fd, MLV_OBJ_BLOB, o->path);
		if (!rc && fstat(fd, &sb) == 0)
			r.size = (uint64_t)sb.st_size;
		close(fd);
	} else {
		rc = mlv_error_set(MLV_EINVALID, "'%s' is neither a file nor a directory", o->path);
	}
	if (rc || (rc = mlv_writer_commit(aw)))
		goto done;
	c.st = st;
	c.name = o->name;
	c.who = &o->who;
	c.message = o->message;
	c.create = 1;
	c.check = register_check;
	c.payload = &r;
	if ((rc = change_run(&c)))
		goto done;
	snprintf(out->name, sizeof(out->name), "%s", o->name);
	out->version = c.ev.version;
	out->record = r.record;
	out->artifact = r.artifact;
	out->size = r.size;
	out->is_dir = r.is_dir;
	out->seq = c.ev.seq;
done:
	/* both writers hold gc's shared lock on one descriptor: free them only at the end */
	change_release(&c);
	mlv_writer_free(aw);
	kvs_release(&r.params);
	kvs_release(&r.metrics);
	kvs_release(&r.tags);
	mlv_buf_release(&r.lineage);
	mlv_buf_release(&r.recjson);
	return rc;
}

/* ---- policy ---- */

struct policy_alias {
	char *alias;
	char **gates;
	mlv_expr **exprs;
	size_t ngates;
	char *requires;
	unsigned approvals;
};

struct mlv_policy {
	struct policy_alias *v;
	size_t n;
};

void mlv_policy_free(mlv_policy *p)
{
	if (!p)
		return;
	for (size_t i = 0; i < p->n; i++) {
		for (size_t g = 0; g < p->v[i].ngates; g++) {
			free(p->v[i].gates[g]);
			mlv_expr_free(p->v[i].exprs[g]);
		}
		free(p->v[i].gates);
		free(p->v[i].exprs);
		free(p->v[i].alias);
		free(p->v[i].requires);
	}
	free(p->v);
	free(p);
}

static const struct policy_alias *policy_find(const mlv_policy *p, const char *alias)
{
	for (size_t i = 0; p && i < p->n; i++)
		if (!strcmp(p->v[i].alias, alias))
			return &p->v[i];
	return NULL;
}

int mlv_policy_load(mlv_policy **out, const char *path)
{
	mlv_buf text = MLV_BUF_INIT;
	mlv_policy *p = NULL;
	cJSON *j = NULL;
	const cJSON *pol, *a;
	const char *base = strrchr(path, '/') ? strrchr(path, '/') + 1 : path;
	char tmp[65536];
	int rc = 0, fd;
	ssize_t n;

	*out = NULL;
	if (!(p = mlv__calloc(1, sizeof(*p))))
		return mlv_error_set(MLV_ENOMEM, "out of memory");
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0 && errno == ENOENT) {
		*out = p;
		return 0;
	}
	if (fd < 0) {
		rc = mlv_error_set_errno(MLV_EIO, errno, "cannot read '%s'", base);
		goto done;
	}
	while ((n = mlv_io_read_full(fd, tmp, sizeof(tmp))) > 0) {
		if (text.size + (size_t)n > (16u << 20)) {
			rc = mlv_error_set(MLV_EINVALID, "'%s' is larger than 16 MiB", base);
			break;
		}
		mlv_buf_put(&text, tmp, (size_t)n);
		if ((size_t)n < sizeof(tmp))
			break;
	}
	if (n < 0)
		rc = mlv_error_set_errno(MLV_EIO, (int)-n, "cannot read '%s'", base);
	else if (!rc && text.failed)
		rc = mlv_error_set(MLV_ENOMEM, "out of memory");
	close(fd);
	if (rc)
		goto done;
	{
		const char *end = NULL, *s = mlv_buf_cstr(&text);
		int nomem;
		j = mlv__json_parse(s, text.size, &end, &nomem);
		if (nomem) {
			rc = mlv_error_set(MLV_ENOMEM, "out of memory");
			goto done;
		}
		if (j) {
			while (end && end < s + text.size && isspace((unsigned char)*end))
				end++;
			if (end && end < s + text.size) {
				cJSON_Delete(j);
				j = NULL;
			}
		}
		if (!j) {
			size_t line = 1, col = 1;
			const char *e = end && end >= s && end <= s + text.size ? end : s + text.size;
			for (const char *q = s; q < e; q++) {
				if (*q == '\n') {
					line++;
					col = 1;
				} else if (((unsigned char)*q & 0xc0) != 0x80) {
					col++;
				}
			}
			rc = mlv_error_set(MLV_EINVALID, "'%s' is not valid JSON: line %zu, column %zu", base, line, col);
			goto done;
		}
	}
	if (!cJSON_IsObject(j)) {
		rc = mlv_error_set(MLV_EINVALID, "'%s' must hold a JSON object", base);
		goto done;
	}
	pol = cJSON_GetObjectItemCaseSensitive(j, "policy");
	if (!pol)
		goto ok;
	if (!cJSON_IsObject(pol)) {
		rc = mlv_error_set(MLV_EINVALID, "'%s': \"policy\" must be an object of aliases", base);
		goto done;
	}
	{
		/* p->n only once p->v exists: mlv_policy_free walks it */
		size_t n = 0;
		cJSON_ArrayForEach(a, pol) n++;
		if (n && !(p->v = mlv__calloc(n, sizeof(*p->v)))) {
			rc = mlv_error_set(MLV_ENOMEM, "out of memory");
			goto done;
		}
		p->n = n;
	}
	{
		size_t i = 0;
		cJSON_ArrayForEach(a, pol) {
			struct policy_alias *pa = &p->v[i++];
			const cJSON *g, *x;
			if ((rc = mlv_registry_check_alias(a->string))) {
				rc = mlv_error_set(MLV_EINVALID, "'%s': policy.%s: %s", base, a->string, mlv_error_last());
				goto done;
			}
			if (!(pa->alias = mlv__strdup(a->string))) {
				rc = mlv_error_set(MLV_ENOMEM, "out of memory");
				goto done;
			}
			if (!cJSON_IsObject(a)) {
				rc = mlv_error_set(MLV_EINVALID, "'%s': policy.%s must be an object", base, a->string);
				goto done;
			}
			cJSON_ArrayForEach(x, a)
				if (strcmp(x->string, "gates") && strcmp(x->string, "requires") && strcmp(x->string, "approvals")) {
					rc = mlv_error_set(MLV_EINVALID,
						"'%s': policy.%s.%s is not a policy setting (gates, requires, approvals)", base,
						a->string, x->string);
					goto done;
				}
			g = cJSON_GetObjectItemCaseSensitive(a, "gates");
			if (g) {
				size_t ng = 0, k = 0;
				if (!cJSON_IsArray(g)) {
					rc = mlv_error_set(MLV_EINVALID, "'%s': policy.%s.gates must be a list of expressions", base, a->string);
					goto done;
				}
				cJSON_ArrayForEach(x, g) ng++;
				pa->gates = mlv__calloc(ng ? ng : 1, sizeof(char *));
				pa->exprs = mlv__calloc(ng ? ng : 1, sizeof(mlv_expr *));
				if (!pa->gates || !pa->exprs) {
					rc = mlv_error_set(MLV_ENOMEM, "out of memory");
					goto done;
				}
				cJSON_ArrayForEach(x, g) {
					if (!cJSON_IsString(x)) {
						rc = mlv_error_set(MLV_EINVALID, "'%s': policy.%s.gates[%zu] must be a string", base,
							a->string, k);
						goto done;
					}
					if (!(pa->gates[k] = mlv__strdup(x->valuestring))) {
						rc = mlv_error_set(MLV_ENOMEM, "out of memory");
						goto done;
					}
					pa->ngates = k + 1;
					if ((rc = mlv_expr_parse(&pa->exprs[k], x->valuestring))) {
						rc = mlv_error_set(rc, "'%s': policy.%s.gates[%zu] '%s': %s", base, a->string, k,
							x->valuestring, mlv_error_last());
						goto done;
					}
					k++;
				}
			}
			x = cJSON_GetObjectItemCaseSensitive(a, "requires");
			if (x) {
				if (!cJSON_IsString(x) || mlv_registry_check_alias(x->valuestring)) {
					rc = mlv_error_set(MLV_EINVALID, "'%s': policy.%s.requires must name an alias", base, a->string);
					goto done;
				}
				if (!(pa->requires = mlv__strdup(x->valuestring))) {
					rc = mlv_error_set(MLV_ENOMEM, "out of memory");
					goto done;
				}
			}
			x = cJSON_GetObjectItemCaseSensitive(a, "approvals");
			if (x) {
				if (!cJSON_IsNumber(x) || x->valuedouble < 0 || x->valuedouble > 1000 ||
				    x->valuedouble != floor(x->valuedouble)) {
					rc = mlv_error_set(MLV_EINVALID, "'%s': policy.%s.approvals must be a whole number from 0 to 1000",
						base, a->string);
					goto done;
				}
				pa->approvals = (unsigned)x->valuedouble;
			}
		}
	}
ok:
	*out = p;
	p = NULL;
done:
	cJSON_Delete(j);
	mlv_buf_release(&text);
	mlv_policy_free(p);
	return rc;
}

/* ---- promote ---- */

/* A version whose record a gate reads: the candidate, or an alias's holder. */
struct holder {
	char alias[MLV_REG_NAME_MAX + 1]; /* "" for the candidate */
	int held;
	struct aent a;
	cJSON *rec;
	uint32_t version;
};

struct gatectx {
	mlv_store *st;
	const char *name;
	struct holder *h;
	size_t nh, ah;
	char *unheld;   /* the first unheld alias the current gate read */
	int err;
};

static int json_value(const cJSON *v, mlv_expr_value *out)
{
	if (cJSON_IsNumber(v)) {
		out->type = MLV_EXPR_NUMBER;
		out->number = v->valuedouble;
	} else if (cJSON_IsString(v)) {
		out->type = MLV_EXPR_STRING;
		out->str = v->valuestring;
		out->len = strlen(v->valuestring);
	} else if (cJSON_IsBool(v)) {
		out->type = MLV_EXPR_BOOL;
		out->boolean = cJSON_IsTrue(v);
	}
	return 0;
}

/* Split a gate field into (alias or "" for the candidate, section, key). 0 when it reads a version. */
int mlv__reg_field_split(const char *path, char alias[MLV_REG_NAME_MAX + 1], const char **rest)
{
	static const char *const sections[] = { "metrics.", "params.", "tags.", NULL };
	alias[0] = '\0';
	for (int i = 0; sections[i]; i++)
		if (!strncmp(path, sections[i], strlen(sections[i]))) {
			*rest = path;
			return 0;
		}
	if (!strcmp(path, "version") || !strcmp(path, "name")) {
		*rest = path;
		return 0;
	}
	/* <alias>.<section>.<key> or <alias>.version: the alias ends at the first such part */
	for (const char *p = strchr(path, '.'); p; p = strchr(p + 1, '.')) {
		int hit = !strcmp(p + 1, "version") || !strcmp(p + 1, "name");
		for (int i = 0; !hit && sections[i]; i++)
			hit = !strncmp(p + 1, sections[i], strlen(sections[i]));
		if (hit) {
			size_t n = (size_t)(p - path);
			if (n == 0 || n > MLV_REG_NAME_MAX)
				return -1;
			memcpy(alias, path, n);
			alias[n] = '\0';
			if (mlv_registry_check_alias(alias)) {
				mlv_error_clear();
				return -1;
			}
			*rest = p + 1;
			return 0;
		}
	}
	return -1;
}

static struct holder *holder_find(struct gatectx *g, const char *alias)
{
	for (size_t i = 0; i < g->nh; i++)
		if (!strcmp(g->h[i].alias, alias))
			return &g->h[i];
	return NULL;
}

/* Read an alias's holder (and its record) in TXN, once. */
static int holder_load(struct gatectx *g, MDB_txn *txn, const char *alias, struct holder **out)
{
	struct holder *h = holder_find(g, alias);
	int rc;
	if (h) {
		*out = h;
		return 0;
	}
	if (g->nh == g->ah) {
		size_t na = g->ah ? g->ah * 2 : 8;
		struct holder *v = mlv__realloc(g->h, na * sizeof(*v));
		if (!v)
			return mlv_error_set(MLV_ENOMEM, "out of memory");
		g->h = v;
		g->ah = na;
	}
	h = &g->h[g->nh++];
	memset(h, 0, sizeof(*h));
	snprintf(h->alias, sizeof(h->alias), "%s", alias);
	rc = alias_get(txn, &g->st->ix, g->name, alias, &h->a);
	if (rc == MLV_ENOTFOUND) {
		mlv_error_clear();
		*out = h;
		return 0;
	}
	if (rc)
		return rc;
	h->held = 1;
	h->version = h->a.version;
	*out = h;
	return 0;
}

static int holder_record(struct gatectx *g, struct holder *h)
{
	mlv_model_version mv;
	mlv_buf b = MLV_BUF_INIT;
	int rc;
	if (h->rec || !h->version)
		return 0;
	if ((rc = mlv_registry_version(g->st, g->name, h->version, &mv)) ||
	    (rc = mlv_object_read_buf(g->st, &mv.record, &b, RECORD_MAX))) {
		mlv_buf_release(&b);
		return rc;
	}
	{
		const char *end;
		int nomem;
		h->rec = mlv__json_parse(b.ptr, b.size, &end, &nomem);
		if (nomem) {
			mlv_buf_release(&b);
			return mlv_error_set(MLV_ENOMEM, "out of memory");
		}
	}
	mlv_buf_release(&b);
	if (!h->rec)
		return mlv_error_set(MLV_ECORRUPT, "the record of %s@%u is not JSON", g->name, h->version);
	return 0;
}

int mlv__reg_record_field(const cJSON *rec, const char *field, mlv_expr_value *out)
{
	const char *dot = strchr(field, '.');
	const cJSON *sec;
	char section[16];
	size_t n = (size_t)(dot - field);
	if (!dot || n >= sizeof(section))
		return MLV_ENOTFOUND;
	memcpy(section, field, n);
	section[n] = '\0';
	sec = cJSON_GetObjectItemCaseSensitive(rec, section);
	sec = cJSON_GetObjectItemCaseSensitive(sec, dot + 1);
	if (!sec)
		return MLV_ENOTFOUND;
	if (cJSON_IsString(sec) && !strncmp(field, "metrics.", 8)) {
		double d;
		/* metrics written as "nan"/"inf" are numbers */
		if (!mlv_run_parse_metric(&d, sec->valuestring)) {
			out->type = MLV_EXPR_NUMBER;
			out->number = d;
			return 0;
		}
		mlv_error_clear();
	}
	return json_value(sec, out);
}

static int gate_lookup(void *payload, const char *path, mlv_expr_value *out)
{
	struct gatectx *g = payload;
	char alias[MLV_REG_NAME_MAX + 1];
	const char *rest;
	struct holder *h;
	int rc;
	if (mlv__reg_field_split(path, alias, &rest))
		return MLV_ENOTFOUND;
	if (!(h = holder_find(g, alias)))
		return MLV_ENOTFOUND; /* every alias was loaded before evaluation */
	if (!h->held) {
		if (!g->unheld)
			g->unheld = mlv__strdup(alias);
		return MLV_ENOTFOUND;
	}
	if (!strcmp(rest, "version")) {
		out->type = MLV_EXPR_NUMBER;
		out->number = h->version;
		return 0;
	}
	if (!strcmp(rest, "name")) {
		out->type = MLV_EXPR_STRING;
		out->str = g->name;
		out->len = strlen(g->name);
		return 0;
	}
	if ((rc = holder_record(g, h)))
		return rc;
	return mlv__reg_record_field(h->rec, rest, out);
}

struct field_aliases {
	struct gatectx *g;
	MDB_txn *txn;
};

static int field_alias(void *payload, const char *path)
{
	struct field_aliases *f = payload;
	char alias[MLV_REG_NAME_MAX + 1];
	const char *rest;
	struct holder *h;
	if (mlv__reg_field_split(path, alias, &rest) || !alias[0])
		return 0;
	return holder_load(f->g, f->txn, alias, &h);
}

void mlv_promote_result_release(mlv_promote_result *r)
{
	for (size_t i = 0; i < r->ngates; i++) {
		free(r->gates[i].expr);
		free(r->gates[i].explain);
		free(r->gates[i].why);
	}
	free(r->gates);
	r->gates = NULL;
	r->ngates = 0;
}

struct promote {
	const mlv_promote_opts *o;
	mlv_promote_result *out;
	struct gatectx *g;
	mlv_buf gates_json;
	mlv_buf approvals_json;
};

static int cas_check(struct gatectx *g, MDB_txn *txn, const char *target)
{
	for (size_t i = 0; i < g->nh; i++) {
		struct holder *h = &g->h[i];
		struct aent now;
		int rc;
		if (!h->alias[0])
			continue;
		rc = alias_get(txn, &g->st->ix, g->name, h->alias, &now);
		if (rc && rc != MLV_ENOTFOUND)
			return rc;
		mlv_error_clear();
		if ((rc == MLV_ENOTFOUND) == !h->held && (!h->held || now.seq == h->a.seq))
			continue;
		{
			/* who moved it: the event that did */
			mlv_buf b = MLV_BUF_INIT;
			struct key k;
			MDB_val kv, v;
			char who[300] = "another command";
			uint64_t seq = 0;
			/* the latest history entry of the alias names the event */
			key_start(&k, 'h', g->name);
			key_str(&k, h->alias, 1);
			{
				MDB_cursor *cur;
				struct key end = k;
				key_be(&end, UINT64_MAX, 8);
				kv = kval(&end);
				if (!mdb_cursor_open(txn, g->st->ix.registry, &cur)) {
					int r = mdb_cursor_get(cur, &kv, &v, MDB_SET_RANGE);
					r = r == 0 ? mdb_cursor_get(cur, &kv, &v, MDB_PREV) : mdb_cursor_get(cur, &kv, &v, MDB_LAST);
					if (r == 0 && kv.mv_size == k.n + 16 && !memcmp(kv.mv_data, k.b, k.n))
						seq = get_be((const unsigned char *)kv.mv_data + k.n + 8, 8);
					mdb_cursor_close(cur);
				}
			}
			if (seq) {
				struct key ek;
				key_start(&ek, 'e', g->name);
				key_be(&ek, seq, 8);
				kv = kval(&ek);
				if (!mdb_get(txn, g->st->ix.registry, &kv, &v) && v.mv_size == 32) {
					mlv_oid id;
					memcpy(id.id, v.mv_data, 32);
					/* reading an object opens a read transaction beside this one: LMDB allows it (MDB_NOTLS) */
					if (!mlv_object_read_buf(g->st, &id, &b, EVENT_MAX)) {
						cJSON *j = cJSON_ParseWithLength(b.ptr, b.size);
						const cJSON *idn = cJSON_GetObjectItemCaseSensitive(j, "identity");
						const cJSON *n = cJSON_GetObjectItemCaseSensitive(idn, "name");
						const cJSON *e = cJSON_GetObjectItemCaseSensitive(idn, "email");
						if (cJSON_IsString(n))
							snprintf(who, sizeof(who), "%s%s%s%s", n->valuestring,
								cJSON_IsString(e) && *e->valuestring ? " <" : "",
								cJSON_IsString(e) ? e->valuestring : "",
								cJSON_IsString(e) && *e->valuestring ? ">" : "");
						cJSON_Delete(j);
					}
					mlv_error_clear();
				}
			}
			mlv_buf_release(&b);
			if (rc == MLV_ENOTFOUND)
				return mlv_error_set(MLV_ECONFLICT,
					"alias '%s' of '%s' moved by %s (it was removed) while this command ran; nothing was recorded",
					h->alias, g->name, who);
			return mlv_error_set(MLV_ECONFLICT,
				"alias '%s' of '%s' moved by %s (to %s@%u) while this command ran; nothing was recorded%s",
				h->alias, g->name, who, g->name, now.version,
				strcmp(h->alias, target) ? " (a gate or the policy read it)" : "");
		}
	}
	return 0;
}

static int promote_check(struct change *c, MDB_txn *txn, const struct head *hd, struct mlv__reg_event *ev, mlv_buf *body)
{
	struct promote *p = c->payload;
	mlv_model_version mv;
	struct holder *t = holder_find(p->g, p->o->alias);
	int rc;
	(void)hd;
	if ((rc = cas_check(p->g, txn, p->o->alias)))
		return rc;
	if ((rc = version_get(txn, &c->st->ix, c->name, p->o->version, &mv)))
		return rc;
	if (mv.deprecated)
		return mlv_error_set(MLV_EINVALID, "%s@%u is deprecated and cannot be promoted", c->name, mv.version);
	ev->type = EV_PROMOTE;
	ev->version = p->o->version;
	snprintf(ev->alias, sizeof(ev->alias), "%s", p->o->alias);
	ev->from = t && t->held ? t->version : 0;
	if (p->gates_json.failed || p->approvals_json.failed)
		return mlv_error_set(MLV_ENOMEM, "out of memory");
	mlv_buf_put(body, p->gates_json.ptr, p->gates_json.size);
	mlv_buf_put(body, p->approvals_json.ptr, p->approvals_json.size);
	return 0;
}

struct approvals_count {
	unsigned n;
	size_t prefix;
	mlv_buf *json;
	MDB_txn *txn;
	mlv_store *st;
};

static int approval_one(void *payload, const MDB_val *k, const MDB_val *v)
{
	struct approvals_count *a = payload;
	(void)v;
	if (a->json) {
		mlv_buf_puts(a->json, a->n ? "," : "");
		mlv_buf_put_json_string(a->json, (const char *)k->mv_data + a->prefix, k->mv_size - a->prefix);
	}
	a->n++;
	return 0;
}

static int approvals_count(MDB_txn *txn, struct mlv_index *ix, const char *name, uint32_t version, const char *alias,
	unsigned *n, mlv_buf *json)
{
	struct key k;
	struct approvals_count a = { 0, 0, json, txn, NULL };
	int rc;
	key_start(&k, 'p', name);
	key_be(&k, version, 4);
	k.b[k.n++] = 0;
	key_str(&k, alias, 1);
	a.prefix = k.n;
	rc = prefix_each(txn, ix->registry, k.b, k.n, approval_one, &a);
	*n = a.n;
	return rc;
}

int mlv_registry_promote(mlv_store *st, const mlv_promote_opts *o, mlv_promote_result *out)
{
	struct gatectx g;
	struct promote p;
	struct change c;
	const struct policy_alias *pa = policy_find(o->policy, o->alias);
	mlv_expr **exprs = NULL;
	size_t nexprs = (size_t)o->ngates + (pa ? pa->ngates : 0);
	MDB_txn *txn = NULL;
	mlv_model_version mv;
	struct holder *target = NULL, *cand;
	int rc = 0, refused = 0;

	memset(out, 0, sizeof(*out));
	memset(&g, 0, sizeof(g));
	memset(&p, 0, sizeof(p));
	memset(&c, 0, sizeof(c));
	out->bad_gate = -1;
	g.st = st;
	g.name = o->name;
	if ((rc = mlv_registry_check_name(o->name)) || (rc = mlv_registry_check_alias(o->alias)))
		return rc;
	if (!(out->gates = mlv__calloc(nexprs ? nexprs : 1, sizeof(*out->gates))) ||
	    !(exprs = mlv__calloc(nexprs ? nexprs : 1, sizeof(*exprs))))
		return mlv_error_set(MLV_ENOMEM, "out of memory");
	/* parse every command-line gate first: a syntax error moves nothing */
	for (int i = 0; i < o->ngates; i++) {
		mlv_gate_result *gr = &out->gates[out->ngates++];
		gr->expr = mlv__strdup(o->gates[i]);
		gr->source = "command line";
		if ((rc = mlv_expr_parse(&exprs[i], o->gates[i]))) {
			out->bad_gate = i;
			goto done;
		}
	}
	for (size_t i = 0; pa && i < pa->ngates; i++) {
		mlv_gate_result *gr = &out->gates[out->ngates++];
		gr->expr = mlv__strdup(pa->gates[i]);
		gr->source = "policy";
		exprs[o->ngates + i] = pa->exprs[i]; /* borrowed from the policy */
	}

	/* read the state once: the candidate, the target alias and every alias the gates or policy name */
	if ((rc = mlv__index_read_begin(&st->ix, &txn)))
		goto done;
	{
		struct head h;
		if ((rc = head_get(txn, &st->ix, o->name, &h)))
			goto done;
	}
	if ((rc = version_get(txn, &st->ix, o->name, o->version, &mv)))
		goto done;
	if (mv.deprecated) {
		rc = mlv_error_set(MLV_EINVALID, "%s@%u is deprecated and cannot be promoted", o->name, mv.version);
		goto done;
	}
	if ((rc = holder_load(&g, txn, "", &cand)))
		goto done;
	cand->held = 1;
	cand->version = o->version;
	if ((rc = holder_load(&g, txn, o->alias, &target)))
		goto done;
	if (target->held && target->version == o->version) {
		out->already = 1;
		out->from = target->version;
		goto done;
	}
	{
		struct field_aliases fa = { &g, txn };
		for (size_t i = 0; i < nexprs; i++)
			if ((rc = mlv_expr_fields(exprs[i], field_alias, &fa)))
				goto done;
	}
	if (pa && pa->requires) {
		struct holder *r;
		out->requires = pa->requires;
		if ((rc = holder_load(&g, txn, pa->requires, &r)))
			goto done;
		out->requires_ok = r->held && r->version == o->version;
		if (!out->requires_ok)
			refused = 1;
	}
	if (pa && pa->approvals) {
		out->approvals_needed = pa->approvals;
		if ((rc = approvals_count(txn, &st->ix, o->name, o->version, o->alias, &out->approvals_have,
			     NULL)))
			goto done;
		if (out->approvals_have < out->approvals_needed)
			refused = 1;
		mlv_buf_puts(&p.approvals_json, ",\"approvals\":[");
		{
			unsigned n;
			if ((rc = approvals_count(txn, &st->ix, o->name, o->version, o->alias, &n, &p.approvals_json)))
				goto done;
		}
		mlv_buf_putc(&p.approvals_json, ']');
	}
	out->from = target->held ? target->version : 0;
	/* The holders' records are read with their own transactions: this one is no longer needed. */
	mdb_txn_abort(txn);
	txn = NULL;

	/* every gate, so that all results can be shown */
	if (nexprs)
		mlv_buf_puts(&p.gates_json, ",\"gates\":[");
	for (size_t i = 0; i < nexprs; i++) {
		mlv_gate_result *gr = &out->gates[i];
		mlv_buf ex = MLV_BUF_INIT;
		int ok = 0;
		free(g.unheld);
		g.unheld = NULL;
		if ((rc = mlv_expr_eval_bool(exprs[i], gate_lookup, &g, &ok)) ||
		    (rc = mlv_expr_explain(exprs[i], gate_lookup, &g, &ex))) {
			mlv_buf_release(&ex);
			goto done;
		}
		gr->passed = ok;
		gr->explain = mlv_buf_detach(&ex);
		if (!ok && g.unheld) {
			mlv_buf w = MLV_BUF_INIT;
			mlv_buf_printf(&w, "no version holds %s", g.unheld);
			gr->why = mlv_buf_detach(&w);
		}
		if (!ok)
			refused = 1;
		mlv_buf_puts(&p.gates_json, i ? ",{\"expr\":" : "{\"expr\":");
		put_str(&p.gates_json, gr->expr ? gr->expr : "");
		mlv_buf_printf(&p.gates_json, ",\"source\":\"%s\",\"passed\":%s,\"explain\":", gr->source,
			ok ? "true" : "false");
		put_str(&p.gates_json, gr->explain ? gr->explain : "");
		mlv_buf_putc(&p.gates_json, '}');
	}
	if (nexprs)
		mlv_buf_putc(&p.gates_json, ']');
	if (refused)
		goto done;

	p.o = o;
	p.out = out;
	p.g = &g;
	c.st = st;
	c.name = o->name;
	c.who = &o->who;
	c.message = o->message;
	c.check = promote_check;
	c.payload = &p;
	if ((rc = change_run(&c)))
		goto done;
	out->moved = 1;
	out->seq = c.ev.seq;
	out->event = c.id;
done:
	if (txn)
		mdb_txn_abort(txn);
	change_release(&c);
	for (int i = 0; i < o->ngates && exprs; i++)
		mlv_expr_free(exprs[i]);
	free(exprs);
	for (size_t i = 0; i < g.nh; i++)
		cJSON_Delete(g.h[i].rec);
	free(g.h);
	free(g.unheld);
	mlv_buf_release(&p.gates_json);
	mlv_buf_release(&p.approvals_json);
	return rc;
}

/* ---- approve, rollback, unalias, deprecate ---- */

struct action {
	const mlv_reg_action *a;
	mlv_reg_outcome *out;
};

static int approve_check(struct change *c, MDB_txn *txn, const struct head *hd, struct mlv__reg_event *ev, mlv_buf *body)
{
	struct action *x = c->payload;
	mlv_model_version mv;
	struct key k;
	MDB_val kv, v;
	int rc;
	(void)hd;
	if ((rc = version_get(txn, &c->st->ix, c->name, x->a->version, &mv)))
		return rc;
	key_start(&k, 'p', c->name);
	key_be(&k, x->a->version, 4);
	k.b[k.n++] = 0;
	key_str(&k, x->a->alias, 1);
	key_str(&k, ev->idkey, 0);
	kv = kval(&k);
	rc = mdb_get(txn, c->st->ix.registry, &kv, &v);
	if (rc == 0) {
		c->noop = 1;
		return approvals_count(txn, &c->st->ix, c->name, x->a->version, x->a->alias, &x->out->approvals, NULL);
	}
	if (rc != MDB_NOTFOUND)
		return mlv__index_error(rc, "read");
	if ((rc = approvals_count(txn, &c->st->ix, c->name, x->a->version, x->a->alias, &x->out->approvals, NULL)))
		return rc;
	x->out->approvals++;
	ev->type = EV_APPROVE;
	ev->version = x->a->version;
	snprintf(ev->alias, sizeof(ev->alias), "%s", x->a->alias);
	(void)body;
	return 0;
}

/* The alias's history, oldest first, as (version, type) pairs. */
struct hist {
	uint32_t *ver;
	unsigned char *type;
	size_t n, a;
	size_t prefix;
};

static int hist_one(void *payload, const MDB_val *k, const MDB_val *v)
{
	struct hist *h = payload;
	(void)k;
	if (v->mv_size != 5)
		return mlv_error_set(MLV_ECORRUPT, "registry entry of alias history is damaged (try 'mlv fsck --rebuild-index')");
	if (h->n == h->a) {
		size_t na = h->a ? h->a * 2 : 32;
		uint32_t *nv = mlv__realloc(h->ver, na * sizeof(*nv));
		unsigned char *nt;
		if (!nv)
			return mlv_error_set(MLV_ENOMEM, "out of memory");
		h->ver = nv;
		if (!(nt = mlv__realloc(h->type, na)))
			return mlv_error_set(MLV_ENOMEM, "out of memory");
		h->type = nt;
		h->a = na;
	}
	h->ver[h->n] = mlv__get_u32(v->mv_data);
	h->type[h->n++] = ((const unsigned char *)v->mv_data)[4];
	return 0;
}

/*
 * The history of an alias is a stack: promote pushes, unalias pushes "none".
 * A rollback to the version just below the top (nones skipped) pops back to
 * it; a rollback anywhere else (--to) pushes like a promote. So promote 1,
 * 2, 3, rollback, rollback gives 1, and a rollback after `--to` undoes it.
 */
static size_t stack_below(const uint32_t *stack, size_t n)
{
	/* the index + 1 of the holder below the top, 0 when none */
	if (n == 0)
		return 0;
	n--;
	while (n && stack[n - 1] == 0)
		n--;
	return n;
}

static int rollback_target(const struct hist *h, uint32_t *to)
{
	uint32_t *stack = mlv__malloc((h->n + 1) * sizeof(*stack));
	size_t n = 0, b;
	if (!stack)
		return mlv_error_set(MLV_ENOMEM, "out of memory");
	for (size_t i = 0; i < h->n; i++) {
		b = stack_below(stack, n);
		if (h->type[i] == EV_ROLLBACK && b && stack[b - 1] == h->ver[i])
			n = b;
		else
			stack[n++] = h->type[i] == EV_UNALIAS ? 0 : h->ver[i];
	}
	b = stack_below(stack, n);
	*to = b ? stack[b - 1] : 0;
	free(stack);
	return *to ? 0 : MLV_ENOTFOUND;
}

static int rollback_check(struct change *c, MDB_txn *txn, const struct head *hd, struct mlv__reg_event *ev, mlv_buf *body)
{
	struct action *x = c->payload;
	struct aent cur;
	mlv_model_version mv;
	uint32_t to = x->a->version;
	int rc;
	(void)hd;
	rc = alias_get(txn, &c->st->ix, c->name, x->a->alias, &cur);
	if (rc == MLV_ENOTFOUND)
		return mlv_error_set(MLV_ENOTFOUND, "no version of '%s' holds '%s': nothing to roll back", c->name, x->a->alias);
	if (rc)
		return rc;
	if (!to) {
		struct hist h = { 0 };
		struct key k;
		key_start(&k, 'h', c->name);
		key_str(&k, x->a->alias, 1);
		rc = prefix_each(txn, c->st->ix.registry, k.b, k.n, hist_one, &h);
		if (!rc)
			rc = rollback_target(&h, &to);
		free(h.ver);
		free(h.type);
		if (rc == MLV_ENOTFOUND)
			return mlv_error_set(MLV_ENOTFOUND,
				"'%s' of '%s' has no earlier holder to roll back to (it has only held %s@%u)", x->a->alias,
				c->name, c->name, cur.version);
		if (rc)
			return rc;
	}
	if ((rc = version_get(txn, &c->st->ix, c->name, to, &mv)))
		return rc;
	if (mv.deprecated)
		return mlv_error_set(MLV_EINVALID, "cannot roll '%s' back to %s@%u: it is deprecated (choose one with --to)",
			x->a->alias, c->name, to);
	x->out->from = cur.version;
	x->out->version = to;
	if (to == cur.version) {
		c->noop = 1;
		return 0;
	}
	ev->type = EV_ROLLBACK;
	ev->version = to;
	ev->from = cur.version;
	snprintf(ev->alias, sizeof(ev->alias), "%s", x->a->alias);
	(void)body;
	return 0;
}

static int unalias_check(struct change *c, MDB_txn *txn, const struct head *hd, struct mlv__reg_event *ev, mlv_buf *body)
{
	struct action *x = c->payload;
	struct aent cur;
	int rc;
	(void)hd;
	rc = alias_get(txn, &c->st->ix, c->name, x->a->alias, &cur);
	if (rc == MLV_ENOTFOUND)
		return mlv_error_set(MLV_ENOTFOUND, "no version of '%s' holds '%s'", c->name, x->a->alias);
	if (rc)
		return rc;
	x->out->from = cur.version;
	ev->type = EV_UNALIAS;
	ev->from = cur.version;
	snprintf(ev->alias, sizeof(ev->alias), "%s", x->a->alias);
	(void)body;
	return 0;
}

static int deprecate_check(struct change *c, MDB_txn *txn, const struct head *hd, struct mlv__reg_event *ev, mlv_buf *body)
{
	struct action *x = c->payload;
	mlv_model_version mv;
	int rc;
	(void)hd;
	if ((rc = version_get(txn, &c->st->ix, c->name, x->a->version, &mv)))
		return rc;
	if (mv.deprecated) {
		c->noop = 1;
		return 0;
	}
	ev->type = EV_DEPRECATE;
	ev->version = x->a->version;
	(void)body;
	return 0;
}

static int action_run(mlv_store *st, const mlv_reg_action *a, mlv_reg_outcome *out, int need_alias,
	int (*check)(struct change *, MDB_txn *, const struct head *, struct mlv__reg_event *, mlv_buf *))
{
	struct action x = { a, out };
	struct change c;
	int rc;
	memset(out, 0, sizeof(*out));
	memset(&c, 0, sizeof(c));
	if ((rc = mlv_registry_check_name(a->name)))
		return rc;
	if (need_alias && (rc = mlv_registry_check_alias(a->alias)))
		return rc;
	c.st = st;
	c.name = a->name;
	c.who = &a->who;
	c.message = a->message;
	c.check = check;
	c.payload = &x;
	rc = change_run(&c);
	if (!rc && !c.noop) {
		out->changed = 1;
		out->seq = c.ev.seq;
		out->event = c.id;
		if (!out->version)
			out->version = c.ev.version;
	}
	change_release(&c);
	return rc;
}

int mlv_registry_approve(mlv_store *st, const mlv_reg_action *a, mlv_reg_outcome *out)
{
	return action_run(st, a, out, 1, approve_check);
}

int mlv_registry_rollback(mlv_store *st, const mlv_reg_action *a, mlv_reg_outcome *out)
{
	return action_run(st, a, out, 1, rollback_check);
}

int mlv_registry_unalias(mlv_store *st, const mlv_reg_action *a, mlv_reg_outcome *out)
{
	return action_run(st, a, out, 1, unalias_check);
}

int mlv_registry_deprecate(mlv_store *st, const mlv_reg_action *a, mlv_reg_outcome *out)
{
	return action_run(st, a, out, 0, deprecate_check);
}

/* ---- replay: rebuild and check ---- */

struct chain {
	char name[MLV_REG_NAME_MAX + 1];
	struct head head;
	struct mlv__reg_event *ev;   /* seq 1 first */
	mlv_oid *id;
	size_t n;
	int broken;         /* the walk stopped at a problem: not replayed */
};

struct replay {
	mlv_store *st;
	struct chain *c;
	size_t n, a;
	mlv_reg_report_fn report;
	void *payload;
	uint64_t problems, events;
};

static void replay_problem(struct replay *r, const char *kind, const mlv_oid *oid, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
static void replay_problem(struct replay *r, const char *kind, const mlv_oid *oid, const char *fmt, ...)
{
	char msg[1024];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	r->problems++;
	if (r->report)
		r->report(r->payload, kind, oid, msg);
}

static int heads_one(void *payload, const MDB_val *k, const MDB_val *v)
{
	struct replay *r = payload;
	size_t pl = strlen(MLV_REG_REF_PREFIX), n = k->mv_size - pl;
	struct chain *c;
	if (r->n == r->a) {
		size_t na = r->a ? r->a * 2 : 16;
		struct chain *nc = mlv__realloc(r->c, na * sizeof(*nc));
		if (!nc)
			return mlv_error_set(MLV_ENOMEM, "out of memory");
		r->c = nc;
		r->a = na;
	}
	c = &r->c[r->n++];
	memset(c, 0, sizeof(*c));
	if (n == 0 || n > MLV_REG_NAME_MAX || v->mv_size != HEADSZ) {
		snprintf(c->name, sizeof(c->name), "%.*s", (int)(n > MLV_REG_NAME_MAX ? MLV_REG_NAME_MAX : n),
			(const char *)k->mv_data + pl);
		c->broken = 1;
		replay_problem(r, "bad-chain", NULL, "the ref of model '%s' is damaged", c->name);
		return 0;
	}
	memcpy(c->name, (const char *)k->mv_data + pl, n);
	c->name[n] = '\0';
	memcpy(c->head.id.id, v->mv_data, 32);
	c->head.seq = mlv__get_u64((const unsigned char *)v->mv_data + 32);
	c->head.time_ms = (int64_t)mlv__get_u64((const unsigned char *)v->mv_data + 40);
	return 0;
}

/* Read every chain from its head back to seq 1, checking links as it goes. */
static int replay_load(struct replay *r)
{
	MDB_txn *txn;
	int rc;
	mlv_buf b = MLV_BUF_INIT;
	if ((rc = mlv__index_read_begin(&r->st->ix, &txn)))
		return rc;
	rc = prefix_each(txn, r->st->ix.refs, MLV_REG_REF_PREFIX, strlen(MLV_REG_REF_PREFIX), heads_one, r);
	mdb_txn_abort(txn);
	if (rc)
		return rc;
	for (size_t i = 0; i < r->n; i++) {
		struct chain *c = &r->c[i];
		mlv_oid id = c->head.id;
		uint64_t want = c->head.seq;
		char hex[MLV_OID_HEXSZ + 1];
		if (c->broken)
			continue;
		if (want == 0 || want > (UINT64_C(1) << 40)) {
			c->broken = 1;
			replay_problem(r, "bad-chain", &id, "the ref of model '%s' has seq %llu", c->name, (unsigned long long)want);
			continue;
		}
		if (!(c->ev = mlv__calloc(want, sizeof(*c->ev))) || !(c->id = mlv__calloc(want, sizeof(*c->id)))) {
			rc = mlv_error_set(MLV_ENOMEM, "out of memory");
			break;
		}
		c->n = want;
		for (uint64_t s = want; s >= 1; s--) {
			struct mlv__reg_event *ev = &c->ev[s - 1];
			mlv_buf_clear(&b);
			mlv__pack_fds_trim(r->st);
			rc = mlv_object_read_buf(r->st, &id, &b, EVENT_MAX);
			if (rc == MLV_ENOTFOUND || rc == MLV_ECORRUPT || rc == MLV_EINVALID) {
				replay_problem(r, "bad-chain", &id, "event %llu of model '%s' (%s) cannot be read: %s",
					(unsigned long long)s, c->name, mlv_oid_fmt(hex, &id), mlv_error_last());
				c->broken = 1;
				rc = 0;
				break;
			}
			if (rc)
				goto done;
			if ((rc = mlv__reg_event_parse(ev, b.ptr, b.size, c->name)) == MLV_ENOMEM)
				goto done;
			if (rc) {
				rc = 0;
				replay_problem(r, "bad-chain", &id, "%s (%s)", mlv_error_last(), mlv_oid_fmt(hex, &id));
				c->broken = 1;
				break;
			}
			c->id[s - 1] = id;
			if (ev->seq != s) {
				replay_problem(r, "bad-chain", &id, "event %s of model '%s' has seq %llu where %llu was expected",
					mlv_oid_fmt(hex, &id), c->name, (unsigned long long)ev->seq, (unsigned long long)s);
				c->broken = 1;
				break;
			}
			if ((s == 1) == ev->has_prev) {
				replay_problem(r, "bad-chain", &id, "event %llu of model '%s' %s", (unsigned long long)s, c->name,
					s == 1 ? "is the first but names a predecessor" : "names no predecessor");
				c->broken = 1;
				break;
			}
			if (s < want && c->ev[s].time_ms < ev->time_ms) {
				replay_problem(r, "bad-chain", &c->id[s], "event %llu of model '%s' is older than event %llu",
					(unsigned long long)(s + 1), c->name, (unsigned long long)s);
				c->broken = 1;
				break;
			}
			if (ev->type == EV_REGISTER) {
				mlv_objinfo info;
				if (mlv_object_info(r->st, &ev->record, &info) || mlv_object_info(r->st, &ev->artifact, &info)) {
					replay_problem(r, "bad-chain", &id, "version %u of model '%s' names an object the store lacks",
						ev->version, c->name);
					mlv_error_clear();
				}
			}
			r->events++;
			id = ev->prev;
		}
	}
	rc = 0;
done:
	mlv_buf_release(&b);
	return rc;
}

static void replay_release(struct replay *r)
{
	for (size_t i = 0; i < r->n; i++) {
		free(r->c[i].ev);
		free(r->c[i].id);
	}
	free(r->c);
	memset(r, 0, sizeof(*r));
}

/* Drop the registry database and replay every chain into TXN. */
static int replay_apply(struct replay *r, MDB_txn *txn)
{
	int rc;
	if ((rc = mdb_drop(txn, r->st->ix.registry, 0)))
		return mdb_fail(rc, "write");
	for (size_t i = 0; i < r->n; i++) {
		struct chain *c = &r->c[i];
		uint32_t versions = 0;
		if (c->broken)
			continue;
		for (size_t e = 0; e < c->n; e++) {
			struct mlv__reg_event *ev = &c->ev[e];
			if (ev->type == EV_REGISTER && ev->version != ++versions) {
				replay_problem(r, "bad-chain", &c->id[e], "event %llu of model '%s' registers version %u after version %u",
					(unsigned long long)ev->seq, c->name, ev->version, versions - 1);
				break;
			}
			rc = apply_event(txn, &r->st->ix, c->name, ev, &c->id[e]);
			if (rc == MDB_MAP_FULL)
				return rc;
			if (rc) {
				replay_problem(r, "bad-chain", &c->id[e], "%s", mlv_error_last());
				break;
			}
		}
	}
	return 0;
}

static int rebuild_txn(void *payload, MDB_txn *txn)
{
	struct replay *r = payload;
	r->problems = 0;
	return replay_apply(r, txn);
}

int mlv_registry_rebuild(mlv_store *st, uint64_t *models, uint64_t *events)
{
	struct replay r;
	int rc;
	memset(&r, 0, sizeof(r));
	r.st = st;
	if (!(rc = replay_load(&r)))
		rc = mlv__index_write(st, rebuild_txn, &r);
	if (models)
		*models = r.n;
	if (events)
		*events = r.events;
	replay_release(&r);
	return rc;
}

struct kvcopy {
	MDB_val *k, *v;
	size_t n, a;
};

static int copy_one(void *payload, const MDB_val *k, const MDB_val *v)
{
	struct kvcopy *c = payload;
	if (c->n == c->a) {
		size_t na = c->a ? c->a * 2 : 256;
		MDB_val *nk = mlv__realloc(c->k, na * sizeof(*nk)), *nv;
		if (!nk)
			return mlv_error_set(MLV_ENOMEM, "out of memory");
		c->k = nk;
		if (!(nv = mlv__realloc(c->v, na * sizeof(*nv))))
			return mlv_error_set(MLV_ENOMEM, "out of memory");
		c->v = nv;
		c->a = na;
	}
	c->k[c->n].mv_size = k->mv_size;
	c->v[c->n].mv_size = v->mv_size;
	c->k[c->n].mv_data = mlv__malloc(k->mv_size ? k->mv_size : 1);
	c->v[c->n].mv_data = mlv__malloc(v->mv_size ? v->mv_size : 1);
	if (!c->k[c->n].mv_data || !c->v[c->n].mv_data) {
		free(c->k[c->n].mv_data);
		free(c->v[c->n].mv_data);
		return mlv_error_set(MLV_ENOMEM, "out of memory");
	}
	memcpy(c->k[c->n].mv_data, k->mv_data, k->mv_size);
	memcpy(c->v[c->n].mv_data, v->mv_data, v->mv_size);
	c->n++;
	return 0;
}

static void kvcopy_release(struct kvcopy *c)
{
	for (size_t i = 0; i < c->n; i++) {
		free(c->k[i].mv_data);
		free(c->v[i].mv_data);
	}
	free(c->k);
	free(c->v);
	memset(c, 0, sizeof(*c));
}

/* A registry key as words, for messages. */
static void key_describe(char *out, size_t len, const MDB_val *k)
{
	const unsigned char *p = k->mv_data;
	const char *name = (const char *)p + 2;
	size_t nl = strnlen(name, k->mv_size > 2 ? k->mv_size - 2 : 0);
	const char *rest = name + nl + 1;
	size_t rl = k->mv_size > 3 + nl ? k->mv_size - 3 - nl : 0;
	switch (k->mv_size ? p[0] : 0) {
	case 'v': snprintf(out, len, "version %llu of '%.*s'", rl == 4 ? (unsigned long long)get_be((const unsigned char *)rest, 4) : 0ULL, (int)nl, name); break;
	case 'a': snprintf(out, len, "alias '%.*s' of '%.*s'", (int)rl, rest, (int)nl, name); break;
	case 'h': snprintf(out, len, "the history of alias '%s' of '%.*s'", rest, (int)nl, name); break;
	case 'p': snprintf(out, len, "an approval of '%.*s'", (int)nl, name); break;
	case 'e': snprintf(out, len, "event %llu of '%.*s'", rl == 8 ? (unsigned long long)get_be((const unsigned char *)rest, 8) : 0ULL, (int)nl, name); break;
	default: snprintf(out, len, "an unknown registry entry"); break;
	}
}

struct check_ctx {
	struct replay *r;
	struct kvcopy before;
	uint64_t base;   /* problems found reading the chains */
	int done;
};

static int count_one(void *payload, const MDB_val *k, const MDB_val *v)
{
	(void)k;
	(void)v;
	(*(size_t *)payload)++;
	return 0;
}

/* Snapshot the database, replay into the same transaction, compare, and abort (return 1). */
static int check_txn(void *payload, MDB_txn *txn)
{
	struct check_ctx *cc = payload;
	struct kvcopy after = { 0 };
	char what[600];
	int rc;
	size_t i = 0, j = 0;
	kvcopy_release(&cc->before);
	cc->r->problems = cc->base;
	/* a change that landed since the chains were read: read them again */
	for (size_t c = 0; c < cc->r->n; c++) {
		struct head h;
		if (cc->r->c[c].broken)
			continue;
		if (head_get(txn, &cc->r->st->ix, cc->r->c[c].name, &h) || h.seq != cc->r->c[c].head.seq ||
		    mlv_oid_cmp(&h.id, &cc->r->c[c].head.id))
			return 2;
	}
	{
		size_t nheads = 0;
		if ((rc = prefix_each(txn, cc->r->st->ix.refs, MLV_REG_REF_PREFIX, strlen(MLV_REG_REF_PREFIX), count_one, &nheads)))
			return rc;
		if (nheads != cc->r->n)
			return 2;
	}
	mlv_error_clear();
	if ((rc = prefix_each(txn, cc->r->st->ix.registry, "", 0, copy_one, &cc->before)))
		return rc;
	if ((rc = replay_apply(cc->r, txn)))
		return rc;
	if ((rc = prefix_each(txn, cc->r->st->ix.registry, "", 0, copy_one, &after)))
		goto done;
	while (i < cc->before.n || j < after.n) {
		int cmp;
		if (i == cc->before.n)
			cmp = 1;
		else if (j == after.n)
			cmp = -1;
		else {
			size_t n = cc->before.k[i].mv_size < after.k[j].mv_size ? cc->before.k[i].mv_size : after.k[j].mv_size;
			cmp = memcmp(cc->before.k[i].mv_data, after.k[j].mv_data, n);
			if (!cmp)
				cmp = cc->before.k[i].mv_size < after.k[j].mv_size ? -1 : cc->before.k[i].mv_size > after.k[j].mv_size;
		}
		if (cmp < 0) {
			key_describe(what, sizeof(what), &cc->before.k[i]);
			replay_problem(cc->r, "registry-mismatch", NULL, "the index has %s, which the event log does not (run 'mlv fsck --rebuild-index')", what);
			i++;
		} else if (cmp > 0) {
			key_describe(what, sizeof(what), &after.k[j]);
			replay_problem(cc->r, "registry-mismatch", NULL, "the index lacks %s, which the event log has (run 'mlv fsck --rebuild-index')", what);
			j++;
		} else {
			if (cc->before.v[i].mv_size != after.v[j].mv_size ||
			    memcmp(cc->before.v[i].mv_data, after.v[j].mv_data, after.v[j].mv_size)) {
				key_describe(what, sizeof(what), &after.k[j]);
				replay_problem(cc->r, "registry-mismatch", NULL,
					"the index differs from the event log on %s (run 'mlv fsck --rebuild-index')", what);
			}
			i++;
			j++;
		}
	}
	cc->done = 1;
	rc = 1; /* never commit: the replay was only for comparing */
done:
	kvcopy_release(&after);
	return rc;
}

int mlv_registry_check(mlv_store *st, mlv_reg_report_fn report, void *payload,
	uint64_t *models, uint64_t *events, uint64_t *problems)
{
	struct replay r;
	struct check_ctx cc;
	int rc = 0;
	memset(&cc, 0, sizeof(cc));
	for (int tries = 0; tries < 5; tries++) {
		memset(&r, 0, sizeof(r));
		r.st = st;
		r.report = report;
		r.payload = payload;
		cc.r = &r;
		cc.done = 0;
		if ((rc = replay_load(&r)))
			break;
		cc.base = r.problems;
		rc = mlv__index_write(st, check_txn, &cc);
		if (rc != 2)
			break;
		replay_release(&r);
	}
	if (rc == 1 && cc.done)
		rc = 0;
	else if (rc == 2)
		rc = mlv_error_set(MLV_ELOCKED, "the registry kept changing while it was being checked; retry later");
	kvcopy_release(&cc.before);
	if (models)
		*models = r.n;
	if (events)
		*events = r.events;
	if (problems)
		*problems = r.problems;
	replay_release(&r);
	return rc;
}
