/*
 * The registry's stored things as they are read back: events of a model's
 * chain (what rebuild and fsck replay), version records (what promote
 * gates read: metrics, params, tags) and gate field names.
 *
 * Properties: an event is parsed or refused with MLV_ECORRUPT; a parsed one
 * is in range (seq >= 1, a version but on unalias, an alias exactly on the
 * types that have one) and, written again by the registry's own writer,
 * reads back as the same event, as canonical JSON the store accepts. Every
 * metric, param and tag of a record reads as the value it holds. A gate
 * field that names an alias names a valid one.
 */
#include "mlv/cjson.h"
#include "internal.h"
#include "fuzz.h"

#define MODEL "churn"

static int events_equal(const struct mlv__reg_event *a, const struct mlv__reg_event *b)
{
	return a->type == b->type && a->seq == b->seq && a->has_prev == b->has_prev && !mlv_oid_cmp(&a->prev, &b->prev) &&
		a->time_ms == b->time_ms && a->version == b->version && !strcmp(a->alias, b->alias) &&
		a->from == b->from && !mlv_oid_cmp(&a->record, &b->record) && !mlv_oid_cmp(&a->artifact, &b->artifact) &&
		a->size == b->size && a->is_dir == b->is_dir && !strcmp(a->idkey, b->idkey);
}

static void event(const uint8_t *data, size_t size)
{
	struct mlv__reg_event ev, back;
	mlv_buf out = MLV_BUF_INIT;
	int rc = mlv__reg_event_parse(&ev, (const char *)data, size, MODEL);
	if (rc) {
		FUZZ_ASSERT(rc == MLV_ECORRUPT || rc == MLV_ENOMEM);
		return;
	}
	FUZZ_ASSERT(ev.type >= EV_REGISTER && ev.type <= EV_DEPRECATE);
	FUZZ_ASSERT(ev.seq >= 1);
	FUZZ_ASSERT((ev.type == EV_UNALIAS) == (ev.version == 0));
	if (ev.type == EV_PROMOTE || ev.type == EV_ROLLBACK || ev.type == EV_APPROVE || ev.type == EV_UNALIAS)
		FUZZ_ASSERT(mlv_registry_check_alias(ev.alias) == 0);
	else
		FUZZ_ASSERT(ev.alias[0] == '\0');
	FUZZ_ASSERT(strlen(ev.idkey) < 256);
	/* Written again (the identity as its key, which is its own key) it reads back the same. */
	{
		mlv_reg_identity who = { "", ev.idkey };
		rc = mlv__reg_event_serialize(&out, MODEL, &ev, &who, NULL, "", 0);
		FUZZ_ASSERT(rc == 0 || rc == MLV_ENOMEM);
	}
	if (rc == 0) {
		FUZZ_ASSERT(mlv_object_validate(out.ptr, out.size, MLV_OBJ_JSON, "event") == 0);
		FUZZ_ASSERT(mlv__reg_event_parse(&back, out.ptr, out.size, MODEL) == 0);
		FUZZ_ASSERT(events_equal(&ev, &back));
		/* an event names its model: another model's chain refuses it */
		FUZZ_ASSERT(mlv__reg_event_parse(&back, out.ptr, out.size, "churn2") == MLV_ECORRUPT);
	}
	mlv_buf_release(&out);
}

/* Every member of SECTION reads as what it holds. */
static void section(const cJSON *rec, const char *name)
{
	const cJSON *sec = cJSON_GetObjectItemCaseSensitive(rec, name), *m;
	char field[4200];
	cJSON_ArrayForEach(m, sec) {
		mlv_expr_value v;
		int rc;
		if (!cJSON_IsObject(sec) || !m->string || strlen(m->string) > 4000)
			continue;
		snprintf(field, sizeof(field), "%s.%s", name, m->string);
		/* the first member of a name wins, as cJSON finds it */
		if (cJSON_GetObjectItemCaseSensitive(sec, m->string) != m)
			continue;
		memset(&v, 0, sizeof(v));
		rc = mlv__reg_record_field(rec, field, &v);
		FUZZ_ASSERT(rc == 0);
		if (cJSON_IsNumber(m))
			FUZZ_ASSERT(v.type == MLV_EXPR_NUMBER && (v.number == m->valuedouble || (v.number != v.number && m->valuedouble != m->valuedouble)));
		else if (cJSON_IsBool(m))
			FUZZ_ASSERT(v.type == MLV_EXPR_BOOL && v.boolean == cJSON_IsTrue(m));
		else if (cJSON_IsString(m))
			FUZZ_ASSERT((v.type == MLV_EXPR_STRING && v.str == m->valuestring && v.len == strlen(m->valuestring)) ||
				(v.type == MLV_EXPR_NUMBER && !strcmp(name, "metrics")));
		else
			FUZZ_ASSERT(v.type == MLV_EXPR_MISSING);
		/* the same field through another alias */
		{
			char alias[MLV_REG_NAME_MAX + 1], prod[4300];
			const char *rest;
			snprintf(prod, sizeof(prod), "production.%s", field);
			FUZZ_ASSERT(mlv__reg_field_split(prod, alias, &rest) == 0);
			FUZZ_ASSERT(!strcmp(alias, "production") && !strcmp(rest, field));
		}
	}
}

static void record(const uint8_t *data, size_t size)
{
	cJSON *rec = cJSON_ParseWithLength((const char *)data, size);
	mlv_expr_value v;
	if (!rec)
		return;
	section(rec, "metrics");
	section(rec, "params");
	section(rec, "tags");
	memset(&v, 0, sizeof(v));
	FUZZ_ASSERT(mlv__reg_record_field(rec, "version", &v) == MLV_ENOTFOUND); /* no section */
	cJSON_Delete(rec);
}

static void field(const uint8_t *data, size_t size)
{
	char alias[MLV_REG_NAME_MAX + 1];
	const char *rest;
	char *s;
	if (size > 4096 || !(s = fuzz_cstr(data, size)))
		return;
	if (mlv__reg_field_split(s, alias, &rest) == 0) {
		FUZZ_ASSERT(rest >= s && rest <= s + strlen(s));
		FUZZ_ASSERT(!strncmp(rest, "metrics.", 8) || !strncmp(rest, "params.", 7) || !strncmp(rest, "tags.", 5) ||
			!strcmp(rest, "version") || !strcmp(rest, "name"));
		if (alias[0]) {
			FUZZ_ASSERT(mlv_registry_check_alias(alias) == 0);
			FUZZ_ASSERT(!strncmp(s, alias, strlen(alias)) && s[strlen(alias)] == '.');
		} else {
			FUZZ_ASSERT(rest == s);
		}
	}
	mlv_error_clear();
	free(s);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	event(data, size);
	record(data, size);
	field(data, size);
	return 0;
}
