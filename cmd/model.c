/* One model version's record, its run's record and its data inputs, for lineage, card and the data readers (see model.h). */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "model.h"
#include "mlv/object.h"
#include "mlv/tree.h"

/* Run records are small; this only bounds a damaged one. */
#define RUN_RECORD_MAX (64u << 20)

const char *model_str(const cJSON *j, const char *k)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(j, k);
	return cJSON_IsString(v) ? v->valuestring : NULL;
}

static int has_suffix(const char *s, const char *suffix)
{
	size_t n = strlen(s), m = strlen(suffix);
	return n >= m && !strcasecmp(s + n - m, suffix);
}

static int name_is_data(const char *path)
{
	return has_suffix(path, ".csv") || has_suffix(path, ".tsv") || has_suffix(path, ".tab") ||
		has_suffix(path, ".jsonl") || has_suffix(path, ".ndjson");
}

int model_dep_is_data(const cJSON *dep)
{
	const char *kind = model_str(dep, "kind"), *path = model_str(dep, "path");
	return kind && path && !strcmp(kind, "file") && name_is_data(path);
}

/* model_view_load without printing: 0 or a negative code with the error set. */
static int view_load(struct model_view *mv, mlv_store *st, const char *spec)
{
	mlv_buf b = MLV_BUF_INIT;
	const char *rid;
	mlv_oid roid;
	int rc;

	memset(mv, 0, sizeof(*mv));
	if ((rc = mlv_registry_resolve(st, spec, &mv->v)))
		return rc;
	snprintf(mv->label, sizeof(mv->label), "%s@%u", mv->v.name, (unsigned)mv->v.version);
	if ((rc = mlv_registry_version_record(st, &mv->v, &b)))
		goto done;
	if (!(mv->rec = cJSON_ParseWithLength(b.ptr, b.size)) || !cJSON_IsObject(mv->rec)) {
		rc = mlv_error_set(MLV_ECORRUPT, "the record of %s is not a JSON object", mv->label);
		goto done;
	}
	rid = model_str(cJSON_GetObjectItemCaseSensitive(mv->rec, "run"), "record");
	if (rid) {
		/* Not fatal: lineage and card still say what the version itself knows. */
		mlv_buf_clear(&b);
		if (mlv_oid_fromhex(&roid, rid) || mlv_object_read_buf(st, &roid, &b, RUN_RECORD_MAX)) {
			const char *why = mlv_error_last();
			mv->run_error = strdup(why && *why ? why : "not a valid id");
		} else if (!(mv->run = cJSON_ParseWithLength(b.ptr, b.size)) || !cJSON_IsObject(mv->run)) {
			cJSON_Delete(mv->run);
			mv->run = NULL;
			mv->run_error = strdup("the run record is not a JSON object");
		}
		mlv_error_clear();
	}
done:
	mlv_buf_release(&b);
	return rc;
}

int model_view_load(struct model_view *mv, struct mlv_ctx *ctx, const char *spec)
{
	return view_load(mv, ctx->store, spec) ? mlv_die_lib() : 0;
}

void model_view_release(struct model_view *mv)
{
	cJSON_Delete(mv->rec);
	cJSON_Delete(mv->run);
	free(mv->run_error);
	memset(mv, 0, sizeof(*mv));
}

/* ---- NAME@REF:data ---- */

/* Where ":data" starts in ARG when ARG is a data spec, else NULL. */
static const char *data_sep(const char *arg, char name[MLV_REG_NAME_MAX + 1])
{
	const char *colon = strchr(arg, ':'), *ref;
	char *model;
	int ok;

	if (!colon || strncmp(colon + 1, "data", 4) || (colon[5] && colon[5] != '/' && colon[5] != '['))
		return NULL;
	if (!(model = strndup(arg, (size_t)(colon - arg))))
		return NULL;
	ok = mlv_registry_spec_split(model, name, &ref);
	free(model);
	return ok ? colon : NULL;
}

int model_data_spec_is(const char *arg)
{
	char name[MLV_REG_NAME_MAX + 1];
	return data_sep(arg, name) != NULL;
}

/* The data inputs of MV, as the hint after an error lists them. */
static void list_inputs(mlv_buf *b, const struct model_view *mv, const cJSON *deps, int data_only)
{
	const cJSON *d;
	int i = 0, first = 1;
	cJSON_ArrayForEach(d, deps) {
		i++;
		if (data_only && !model_dep_is_data(d))
			continue;
		mlv_buf_printf(b, "%s%s:data[%d] (%s)", first ? "" : ", ", mv->label, i,
			model_str(d, "path") ? model_str(d, "path") : "?");
		first = 0;
	}
}

/* The entry at PATH (a/b/c) below tree ROOT: a file's id, or an error message in WHY. */
static int tree_lookup(mlv_store *st, const mlv_oid *root, const char *path, mlv_oid *out, mlv_buf *why)
{
	mlv_oid cur = *root;
	const char *p = path;
	int rc = -1;

	for (;;) {
		const char *slash = strchr(p, '/');
		size_t len = slash ? (size_t)(slash - p) : strlen(p);
		mlv_tree *t = NULL;
		const mlv_tree_entry *e = NULL;

		if (mlv_tree_read(&t, st, &cur)) {
			mlv_buf_printf(why, "%s", mlv_error_last());
			return -1;
		}
		for (size_t i = 0; i < t->n; i++)
			if (strlen(t->entries[i].name) == len && !memcmp(t->entries[i].name, p, len)) {
				e = &t->entries[i];
				break;
			}
		if (!e) {
			mlv_buf_printf(why, "no file '%.*s' in the recorded directory", (int)(p - path + (ptrdiff_t)len), path);
		} else if (slash && e->mode == MLV_MODE_TREE) {
			cur = e->oid;
			p = slash + 1;
			mlv_tree_free(t);
			continue;
		} else if (slash || e->mode == MLV_MODE_TREE) {
			mlv_buf_printf(why, "'%.*s' is %s in the recorded directory", (int)(p - path + (ptrdiff_t)len), path,
				e->mode == MLV_MODE_TREE ? "a directory" : "not a directory");
		} else if (e->mode == MLV_MODE_LINK) {
			mlv_buf_printf(why, "'%s' is a symbolic link in the recorded directory", path);
		} else {
			*out = e->oid;
			rc = 0;
		}
		mlv_tree_free(t);
		return rc;
	}
}

int model_data_resolve(struct mlv_ctx *ctx, const char *arg, mlv_oid *oid, char **path)
{
	char name[MLV_REG_NAME_MAX + 1];
	const char *sep = data_sep(arg, name), *sel, *p = NULL;
	struct model_view mv;
	mlv_buf why = MLV_BUF_INIT;
	const cJSON *deps, *d, *chosen = NULL;
	char *spec = NULL, *inner = NULL;
	mlv_objinfo info;
	int ret = MLV_EXIT_FATAL, n = 0, ndata = 0;

	memset(&mv, 0, sizeof(mv));
	*path = NULL;
	if (!sep || !(spec = strndup(arg, (size_t)(sep - arg))))
		return mlv_die("cannot read '%s': not a model data spec", arg);
	sel = sep + 5; /* after ":data" */
	if (view_load(&mv, ctx->store, spec)) {
		ret = mlv_die("cannot read '%s': %s", arg, mlv_error_last());
		goto done;
	}
	deps = cJSON_GetObjectItemCaseSensitive(mv.rec, "deps");
	cJSON_ArrayForEach(d, deps) {
		n++;
		ndata += model_dep_is_data(d);
	}
	if (!n) {
		mlv_buf_printf(&why, "%s has no recorded data inputs (%s)", mv.label,
			cJSON_GetObjectItemCaseSensitive(mv.rec, "run") ? "its run read none" : "it was registered without --run");
	} else if (!*sel) {
		if (ndata == 1) {
			cJSON_ArrayForEach(d, deps)
				if (model_dep_is_data(d))
					chosen = d;
		} else if (!ndata) {
			mlv_buf_printf(&why, "%s has no CSV, TSV or JSON Lines input; name one of its inputs: ", mv.label);
			list_inputs(&why, &mv, deps, 0);
		} else {
			mlv_buf_printf(&why, "%s has %d data inputs; name one: ", mv.label, ndata);
			list_inputs(&why, &mv, deps, 1);
		}
	} else if (*sel == '[') {
		char *end;
		long k = strtol(sel + 1, &end, 10);
		if (sel[1] < '0' || sel[1] > '9' || end[0] != ']' || end[1])
			mlv_buf_printf(&why, "'%s' is not an index: write :data[N] with N from 1", sel);
		else if (k < 1 || k > n)
			mlv_buf_printf(&why, "%s has %d data input%s; there is no data[%ld]", mv.label, n, n == 1 ? "" : "s", k);
		else
			chosen = cJSON_GetArrayItem(deps, (int)k - 1);
	} else {
		p = sel + 1;
		cJSON_ArrayForEach(d, deps) {
			const char *dp = model_str(d, "path"), *kind = model_str(d, "kind");
			size_t len = dp ? strlen(dp) : 0;
			if (!dp)
				continue;
			if (!strcmp(dp, p)) {
				chosen = d;
				break;
			}
			if (kind && !strcmp(kind, "dir") && !strncmp(p, dp, len) && p[len] == '/' && p[len + 1]) {
				chosen = d;
				inner = strdup(p + len + 1);
				break;
			}
		}
		if (!chosen) {
			mlv_buf_printf(&why, "%s has no data input '%s'; its inputs: ", mv.label, p);
			list_inputs(&why, &mv, deps, 0);
		}
	}
	if (chosen) {
		const char *kind = model_str(chosen, "kind"), *dp = model_str(chosen, "path"), *hex = model_str(chosen, "oid");
		if (!dp || !kind || !hex || mlv_oid_fromhex(oid, hex))
			mlv_buf_printf(&why, "the record of %s has a damaged data input", mv.label);
		else if (!strcmp(kind, "dir") && !inner)
			mlv_buf_printf(&why, "%s is a directory; name a file in it: %s:data/%s/<file>", dp, mv.label, dp);
		else if (mlv_object_info(ctx->store, oid, &info))
			mlv_buf_printf(&why, "the bytes of %s (sha256:%.12s...) that trained %s are not in the store (it was not tracked when the run read it)",
				dp, hex + (strncmp(hex, "sha256:", 7) ? 0 : 7), mv.label);
		else if (inner && tree_lookup(ctx->store, oid, inner, oid, &why))
			;
		else if (!(*path = inner ? strdup(p) : strdup(dp)))
			mlv_buf_puts(&why, "out of memory");
		else
			ret = 0;
	}
	if (ret)
		mlv_die("cannot read '%s': %s", arg, mlv_buf_cstr(&why));
done:
	mlv_error_clear();
	free(inner);
	free(spec);
	mlv_buf_release(&why);
	model_view_release(&mv);
	return ret;
}
