/*
 * Round trip of registry events: an event built from the input (any type,
 * seq, time, version, alias, holder before, record, artifact, identity and
 * message bytes) is written by the registry's event writer; when the writer
 * accepts it, the bytes are canonical JSON the store accepts and parse back
 * (as a replay reads them) to the same event, identity key included, and
 * another model's chain refuses them. Whatever the writer refuses must be
 * refused with MLV_EINVALID.
 *
 * Input: [type u8][flags u8][seq u64][time u64][version u32][from u32]
 * [size u64][prev, record, artifact id bytes u8 x3], then the model name,
 * alias, identity name, identity email and message, each ended by a NUL
 * (missing ones are ""). Flags: 1 has_prev, 2 is_dir, 4 message given,
 * 8 keep the numbers as they are (else they are brought into range, so that
 * most inputs are events the writer accepts), 16 identity key from the
 * identity (else the key is the input's email, which the writer must refuse
 * when it is not the identity's key).
 */
#include "internal.h"
#include "fuzz.h"

#define HDR 37

static const char *next_str(const uint8_t *data, size_t size, size_t *at, char *buf, size_t cap)
{
	size_t n = 0;
	while (*at < size && data[*at] && n + 1 < cap)
		buf[n++] = (char)data[(*at)++];
	while (*at < size && data[*at])
		(*at)++;
	if (*at < size)
		(*at)++;
	buf[n] = '\0';
	return buf;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const mlv_oid zero;
	struct mlv__reg_event ev, back;
	char name[300], alias[300], who_name[1024], who_email[1024], message[1024];
	mlv_buf out = MLV_BUF_INIT;
	mlv_reg_identity who;
	uint8_t flags;
	size_t at = HDR;
	int rc;
	if (size < HDR)
		return 0;
	memset(&ev, 0, sizeof(ev));
	flags = data[1];
	ev.type = data[0] % 8; /* 0 and 7 are no type */
	memcpy(&ev.seq, data + 2, 8);
	memcpy(&ev.time_ms, data + 10, 8);
	memcpy(&ev.version, data + 18, 4);
	memcpy(&ev.from, data + 22, 4);
	memcpy(&ev.size, data + 26, 8);
	ev.has_prev = flags & 1;
	ev.is_dir = !!(flags & 2);
	if (ev.has_prev)
		memset(ev.prev.id, data[34] | 1, MLV_OID_RAWSZ);
	memset(ev.record.id, data[35], MLV_OID_RAWSZ);
	memset(ev.artifact.id, data[36], MLV_OID_RAWSZ);
	next_str(data, size, &at, name, sizeof(name));
	next_str(data, size, &at, alias, sizeof(alias));
	next_str(data, size, &at, who_name, sizeof(who_name));
	next_str(data, size, &at, who_email, sizeof(who_email));
	next_str(data, size, &at, message, sizeof(message));
	if (strlen(alias) < sizeof(ev.alias))
		memcpy(ev.alias, alias, strlen(alias) + 1);
	if (!(flags & 8)) {
		/* into range: what the registry's changes make */
		int alias_type = ev.type == EV_PROMOTE || ev.type == EV_ROLLBACK || ev.type == EV_APPROVE || ev.type == EV_UNALIAS;
		ev.seq = ev.seq % 100000 + 1;
		ev.has_prev = ev.seq > 1;
		if (ev.has_prev)
			memset(ev.prev.id, data[34] | 1, MLV_OID_RAWSZ);
		else
			memset(&ev.prev, 0, sizeof(ev.prev));
		ev.time_ms = (int64_t)((uint64_t)ev.time_ms % ((uint64_t)1 << 53));
		ev.version = ev.type == EV_UNALIAS ? 0 : ev.version ? ev.version : 1;
		if (!alias_type)
			ev.alias[0] = '\0';
		if (ev.type != EV_PROMOTE && ev.type != EV_ROLLBACK && ev.type != EV_UNALIAS)
			ev.from = 0;
		if (ev.type != EV_REGISTER) {
			ev.record = zero;
			ev.artifact = zero;
			ev.size = 0;
			ev.is_dir = 0;
		} else {
			ev.size %= (uint64_t)1 << 53;
		}
	}
	who.name = who_name;
	who.email = who_email;
	if (flags & 16)
		mlv__reg_identity_key(ev.idkey, who.name, who.email);
	else {
		size_t n = strnlen(who_email, sizeof(ev.idkey) - 1);
		memcpy(ev.idkey, who_email, n);
		ev.idkey[n] = '\0';
	}

	rc = mlv__reg_event_serialize(&out, name, &ev, &who, flags & 4 ? message : NULL, "", 0);
	if (rc) {
		FUZZ_ASSERT(rc == MLV_EINVALID || rc == MLV_ENOMEM);
		goto done;
	}
	FUZZ_ASSERT(mlv_object_validate(out.ptr, out.size, MLV_OBJ_JSON, "event") == 0);
	rc = mlv__reg_event_parse(&back, out.ptr, out.size, name);
	FUZZ_ASSERT(rc == 0);
	FUZZ_ASSERT(back.type == ev.type && back.seq == ev.seq && back.has_prev == ev.has_prev);
	FUZZ_ASSERT(!mlv_oid_cmp(&back.prev, &ev.prev));
	FUZZ_ASSERT(back.time_ms == ev.time_ms && back.version == ev.version && back.from == ev.from);
	FUZZ_ASSERT(!strcmp(back.alias, ev.alias));
	FUZZ_ASSERT(!mlv_oid_cmp(&back.record, &ev.record) && !mlv_oid_cmp(&back.artifact, &ev.artifact));
	FUZZ_ASSERT(back.size == ev.size && back.is_dir == ev.is_dir);
	FUZZ_ASSERT(!strcmp(back.idkey, ev.idkey));
	{
		char other[320];
		snprintf(other, sizeof(other), "%sx", name);
		FUZZ_ASSERT(mlv__reg_event_parse(&back, out.ptr, out.size, other) == MLV_ECORRUPT);
	}
done:
	mlv_buf_release(&out);
	return 0;
}
