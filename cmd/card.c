/*
 * `mlv card`: a Markdown model card for one model version, generated only
 * from what mlv recorded (the version record, its run, the data the run
 * read, the model's event log) plus the intended use and limitations the
 * team wrote down (tags or the "card" section of mlv.json). What nobody
 * recorded is said to be not provided, never invented.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "commands.h"
#include "model.h"
#include "plumbing.h"
#include "runfmt.h"
#include "mlv/csv.h"
#include "mlv/object.h"
#include "mlv/worktree.h"

static int opt_json;

const struct mlv_option mlv_opts_card[] = {
	MLV_OPT_JSON(&opt_json),
	MLV_OPT_END()
};

const char *const mlv_usage_card[] = {
	"mlv card [--json] <name>@<version|alias|latest>",
	NULL
};

/* The free-text sections, and where each one's text came from. */
static const char *const text_keys[] = { "intended_use", "limitations" };
static const char *const text_titles[] = { "Intended use", "Limitations" };
#define NTEXT 2

struct card_text {
	const char *text;    /* borrowed from the record or the project file; NULL: not provided */
	const char *source;  /* "tag", "mlv.json", or NULL */
};

struct card_data {
	const cJSON *dep;
	int counted;         /* rows and columns are known */
	unsigned long long rows;
	size_t columns;
	char *why;           /* why they are not: NULL when counted or not a data file */
};

/* The one result of the command, printed as Markdown or JSON. */
struct card {
	struct model_view mv;
	cJSON *project;      /* mlv.json, or NULL */
	cJSON *events;       /* the model's events (array, chain order) */
	cJSON *owners;       /* strings: distinct identities in the event log, first seen first */
	cJSON *aliases;      /* strings: the aliases that hold this version now */
	struct card_text text[NTEXT];
	struct card_data *data;
	size_t ndata;
};

static const cJSON *get(const cJSON *j, const char *k)
{
	return cJSON_GetObjectItemCaseSensitive(j, k);
}

static const char *str(const cJSON *j, const char *k)
{
	const char *s = model_str(j, k);
	return s ? s : "";
}

static unsigned long long u64(const cJSON *j, const char *k)
{
	const cJSON *v = get(j, k);
	return cJSON_IsNumber(v) && v->valuedouble > 0 ? (unsigned long long)v->valuedouble : 0ULL;
}

static long long num(const cJSON *j, const char *k, long long dflt)
{
	const cJSON *v = get(j, k);
	return cJSON_IsNumber(v) ? (long long)v->valuedouble : dflt;
}

static const char *short_id(const char *s)
{
	return !strncmp(s, "sha256:", 7) ? s + 7 : s;
}

/* "Ann <ann@x>", or the name alone. */
static void who(mlv_buf *b, const cJSON *identity)
{
	const char *e = str(identity, "email");
	mlv_buf_puts(b, str(identity, "name"));
	if (*e)
		mlv_buf_printf(b, " <%s>", e);
}

/* ---- gathering ---- */

static int collect_event(void *payload, uint64_t seq, const mlv_oid *id, const char *json, size_t len)
{
	struct card *c = payload;
	cJSON *e = cJSON_ParseWithLength(json, len), *o;
	mlv_buf w = MLV_BUF_INIT;
	(void)seq;
	(void)id;
	if (!e)
		return mlv_error_set(MLV_ECORRUPT, "an event of '%s' is not JSON", c->mv.v.name);
	cJSON_AddItemToArray(c->events, e);
	who(&w, get(e, "identity"));
	cJSON_ArrayForEach(o, c->owners)
		if (!strcmp(o->valuestring, mlv_buf_cstr(&w)))
			break;
	if (!o && w.size)
		cJSON_AddItemToArray(c->owners, cJSON_CreateString(w.ptr));
	mlv_buf_release(&w);
	return 0;
}

static int collect_alias(void *payload, const char *alias, uint32_t version, uint64_t seq, int64_t time_ms)
{
	struct card *c = payload;
	(void)seq;
	(void)time_ms;
	if (version == c->mv.v.version)
		cJSON_AddItemToArray(c->aliases, cJSON_CreateString(alias));
	return 0;
}

/*
 * mlv.json of the work tree: NULL when there is none. Read after
 * mlv_policy_load has checked it, so a broken file is reported once, with
 * its line and column.
 */
static int load_project(struct card *c, struct mlv_ctx *ctx)
{
	char *root = NULL;
	mlv_buf path = MLV_BUF_INIT, text = MLV_BUF_INIT;
	mlv_policy *pol = NULL;
	const cJSON *card, *m;
	char tmp[65536];
	ssize_t n;
	int fd = -1, ret = MLV_EXIT_FATAL;

	if (mlv_worktree_find_root(&root, ctx->mlvdir, ctx->cwd ? ctx->cwd : ".")) {
		ret = mlv_die_lib();
		goto done;
	}
	mlv_buf_printf(&path, "%s/mlv.json", root);
	if (mlv_policy_load(&pol, path.ptr)) {
		ret = mlv_die_lib();
		goto done;
	}
	if ((fd = open(path.ptr, O_RDONLY | O_CLOEXEC)) < 0) {
		ret = errno == ENOENT ? 0 : mlv_die("cannot read 'mlv.json': %s", mlv_strerror(errno));
		goto done;
	}
	while ((n = read(fd, tmp, sizeof(tmp))) > 0)
		mlv_buf_put(&text, tmp, (size_t)n);
	if (n < 0 || !(c->project = cJSON_ParseWithLength(text.ptr, text.size))) {
		ret = mlv_die("cannot read 'mlv.json': %s", n < 0 ? mlv_strerror(errno) : "it changed while it was read");
		goto done;
	}
	card = get(c->project, "card");
	if (card && !cJSON_IsObject(card)) {
		ret = mlv_die("'mlv.json': \"card\" must be an object");
		goto done;
	}
	for (int i = 0; i < NTEXT; i++)
		if (get(card, text_keys[i]) && !cJSON_IsString(get(card, text_keys[i]))) {
			ret = mlv_die("'mlv.json': \"card.%s\" must be a string", text_keys[i]);
			goto done;
		}
	m = get(card, "models");
	if (m && !cJSON_IsObject(m)) {
		ret = mlv_die("'mlv.json': \"card.models\" must be an object");
		goto done;
	}
	cJSON_ArrayForEach(m, get(card, "models")) {
		if (!cJSON_IsObject(m)) {
			ret = mlv_die("'mlv.json': \"card.models.%s\" must be an object", m->string);
			goto done;
		}
		for (int i = 0; i < NTEXT; i++)
			if (get(m, text_keys[i]) && !cJSON_IsString(get(m, text_keys[i]))) {
				ret = mlv_die("'mlv.json': \"card.models.%s.%s\" must be a string", m->string, text_keys[i]);
				goto done;
			}
	}
	ret = 0;
done:
	if (fd >= 0)
		close(fd);
	mlv_policy_free(pol);
	mlv_buf_release(&text);
	mlv_buf_release(&path);
	free(root);
	return ret;
}

/* Tag first (it belongs to this version), then mlv.json for this model, then mlv.json for every model. */
static void pick_texts(struct card *c)
{
	const cJSON *card = get(c->project, "card");
	const cJSON *model = get(get(card, "models"), c->mv.v.name);
	for (int i = 0; i < NTEXT; i++) {
		const char *t;
		if ((t = model_str(get(c->mv.rec, "tags"), text_keys[i])) && *t) {
			c->text[i].text = t;
			c->text[i].source = "tag";
		} else if (((t = model_str(model, text_keys[i])) && *t) || ((t = model_str(card, text_keys[i])) && *t)) {
			c->text[i].text = t;
			c->text[i].source = "mlv.json";
		}
	}
}

static int sink_fd(void *payload, const void *data, size_t len)
{
	int err = mlv_io_write(*(int *)payload, data, len, "temporary file");
	return err ? mlv_error_set_errno(MLV_EIO, -err, "cannot write a temporary file") : 0;
}

/* Rows and columns of a data input whose bytes are in the store. */
static void count_rows(struct card_data *d, mlv_store *st)
{
	const char *tmpdir = getenv("TMPDIR"), *path = str(d->dep, "path");
	mlv_buf tmp = MLV_BUF_INIT;
	mlv_csv_options opts;
	mlv_csv *rd = NULL;
	const mlv_csv_field *f;
	mlv_objinfo info;
	mlv_oid oid;
	size_t n = strlen(path);
	int fd = -1, rc;

	if (!model_dep_is_data(d->dep))
		return;
	if (mlv_oid_fromhex(&oid, str(d->dep, "oid")) || mlv_object_info(st, &oid, &info)) {
		d->why = strdup("not in the store");
		goto done;
	}
	memset(&opts, 0, sizeof(opts));
	if (n > 6 && (!strcmp(path + n - 6, ".jsonl") || (n > 7 && !strcmp(path + n - 7, ".ndjson"))))
		opts.format = MLV_CSV_JSONL;
	else if (n > 4 && (!strcmp(path + n - 4, ".tsv") || !strcmp(path + n - 4, ".tab")))
		opts.delimiter = '\t';
	mlv_buf_printf(&tmp, "%s/mlv-card-XXXXXX", tmpdir && *tmpdir ? tmpdir : "/tmp");
	if ((fd = mkstemp(tmp.ptr)) < 0) {
		d->why = strdup("cannot create a temporary file");
		goto done;
	}
	unlink(tmp.ptr);
	if (mlv_object_read(st, &oid, sink_fd, &fd) || lseek(fd, 0, SEEK_SET) < 0 ||
	    mlv_csv_open_fd(&rd, fd, path, &opts)) {
		d->why = strdup(mlv_error_last());
		goto done;
	}
	d->columns = mlv_csv_ncols(rd);
	while ((rc = mlv_csv_next(rd, &f)) > 0)
		d->rows++;
	if (rc < 0)
		d->why = strdup(mlv_error_last());
	else
		d->counted = 1;
done:
	mlv_error_clear();
	mlv_csv_free(rd);
	if (fd >= 0)
		close(fd);
	mlv_buf_release(&tmp);
}

static int card_build(struct card *c, struct mlv_ctx *ctx, const char *spec)
{
	const cJSON *d;
	int ret;

	if ((ret = model_view_load(&c->mv, ctx, spec)))
		return ret;
	if ((ret = load_project(c, ctx)))
		return ret;
	c->events = cJSON_CreateArray();
	c->owners = cJSON_CreateArray();
	c->aliases = cJSON_CreateArray();
	if (!c->events || !c->owners || !c->aliases)
		return mlv_die("out of memory");
	if (mlv_registry_events(ctx->store, c->mv.v.name, collect_event, c) ||
	    mlv_registry_aliases(ctx->store, c->mv.v.name, collect_alias, c))
		return mlv_die_lib();
	pick_texts(c);
	c->ndata = (size_t)cJSON_GetArraySize(get(c->mv.rec, "deps"));
	if (c->ndata && !(c->data = calloc(c->ndata, sizeof(*c->data))))
		return mlv_die("out of memory");
	c->ndata = 0;
	cJSON_ArrayForEach(d, get(c->mv.rec, "deps")) {
		c->data[c->ndata].dep = d;
		count_rows(&c->data[c->ndata++], ctx->store);
	}
	return 0;
}

static void card_release(struct card *c)
{
	for (size_t i = 0; i < c->ndata; i++)
		free(c->data[i].why);
	free(c->data);
	cJSON_Delete(c->project);
	cJSON_Delete(c->events);
	cJSON_Delete(c->owners);
	cJSON_Delete(c->aliases);
	model_view_release(&c->mv);
}

/* Events that concern this version: it is the one acted on, or the one an alias moved away from. */
static int event_concerns(const struct card *c, const cJSON *e)
{
	uint32_t v = c->mv.v.version;
	return num(e, "version", -1) == (long long)v || num(e, "from", -1) == (long long)v;
}

/* ---- Markdown ---- */

/* S in a table cell: '|' escaped, line breaks as spaces. */
static void md_cell(mlv_buf *b, const char *s)
{
	for (; *s; s++) {
		if (*s == '|')
			mlv_buf_puts(b, "\\|");
		else if (*s == '\n' || *s == '\r')
			mlv_buf_putc(b, ' ');
		else
			mlv_buf_putc(b, *s);
	}
}

static void put_number(mlv_buf *b, const cJSON *v)
{
	if (cJSON_IsString(v)) {
		mlv_buf_puts(b, v->valuestring);
	} else if (cJSON_IsNumber(v)) {
		char tmp[40];
		for (int p = 1; p <= 17; p++) {
			snprintf(tmp, sizeof(tmp), "%.*g", p, v->valuedouble);
			if (strtod(tmp, NULL) == v->valuedouble)
				break;
		}
		mlv_buf_puts(b, tmp);
	} else {
		mlv_buf_puts(b, "-");
	}
}

static void md_kv_table(mlv_buf *b, const cJSON *obj, const char *k, const char *v, const char *none)
{
	const cJSON *e;
	if (!obj || !obj->child) {
		mlv_buf_printf(b, "%s\n\n", none);
		return;
	}
	mlv_buf_printf(b, "| %s | %s |\n| --- | --- |\n", k, v);
	cJSON_ArrayForEach(e, obj) {
		mlv_buf_puts(b, "| ");
		md_cell(b, e->string);
		mlv_buf_puts(b, " | ");
		if (cJSON_IsString(e))
			md_cell(b, e->valuestring);
		else
			put_number(b, e);
		mlv_buf_puts(b, " |\n");
	}
	mlv_buf_putc(b, '\n');
}

static void md_details(mlv_buf *b, const struct card *c)
{
	const cJSON *rec = c->mv.rec, *art = get(rec, "artifact"), *e;
	int first = 1;

	mlv_buf_puts(b, "## Model details\n\n| | |\n| --- | --- |\n| Name | ");
	md_cell(b, c->mv.v.name);
	mlv_buf_printf(b, " |\n| Version | %u |\n| Artifact | `sha256:%s` (%s, %llu bytes", (unsigned)c->mv.v.version,
		short_id(str(art, "oid")), str(art, "kind"), u64(art, "size"));
	if (!strcmp(str(art, "kind"), "dir"))
		mlv_buf_printf(b, ", %llu files", u64(art, "files"));
	mlv_buf_printf(b, ") |\n| Registered | %s by ", str(rec, "created"));
	{
		mlv_buf w = MLV_BUF_INIT;
		who(&w, get(rec, "identity"));
		md_cell(b, mlv_buf_cstr(&w));
		mlv_buf_release(&w);
	}
	mlv_buf_puts(b, " |\n");
	if (model_str(rec, "message")) {
		mlv_buf_puts(b, "| Message | ");
		md_cell(b, str(rec, "message"));
		mlv_buf_puts(b, " |\n");
	}
	mlv_buf_puts(b, "| Aliases now | ");
	cJSON_ArrayForEach(e, c->aliases) {
		mlv_buf_printf(b, "%s", first ? "" : ", ");
		md_cell(b, e->valuestring);
		first = 0;
	}
	mlv_buf_printf(b, "%s |\n| Deprecated | %s |\n| Owners | ", first ? "none" : "", c->mv.v.deprecated ? "yes" : "no");
	first = 1;
	cJSON_ArrayForEach(e, c->owners) {
		mlv_buf_printf(b, "%s", first ? "" : ", ");
		md_cell(b, e->valuestring);
		first = 0;
	}
	mlv_buf_puts(b, " (everyone in the event log of this model) |\n");
	if ((e = get(rec, "tags")) && e->child) {
		const cJSON *t;
		first = 1;
		mlv_buf_puts(b, "| Tags | ");
		cJSON_ArrayForEach(t, e) {
			mlv_buf_printf(b, "%s", first ? "" : ", ");
			md_cell(b, t->string);
			mlv_buf_putc(b, '=');
			md_cell(b, cJSON_IsString(t) ? t->valuestring : "");
			first = 0;
		}
		mlv_buf_puts(b, " |\n");
	}
	mlv_buf_putc(b, '\n');
}

static void md_texts(mlv_buf *b, const struct card *c)
{
	for (int i = 0; i < NTEXT; i++) {
		mlv_buf_printf(b, "## %s\n\n", text_titles[i]);
		if (c->text[i].text)
			mlv_buf_printf(b, "%s\n\n_Source: %s._\n\n", c->text[i].text,
				!strcmp(c->text[i].source, "tag") ? "the version's tag" : "the \"card\" section of mlv.json");
		else
			mlv_buf_printf(b, "**Not provided.** Record it with `mlv register --tag %s=...` or "
				"`\"card\": {\"%s\": \"...\"}` in mlv.json.\n\n", text_keys[i], text_keys[i]);
	}
}

static void md_data(mlv_buf *b, const struct card *c)
{
	mlv_buf_puts(b, "## Training data\n\n");
	if (!c->ndata) {
		mlv_buf_printf(b, "**Not recorded:** %s.\n\n", get(c->mv.rec, "run")
			? "the run that trained this version read no declared inputs"
			: "this version was registered without --run, so mlv does not know its data");
		return;
	}
	mlv_buf_puts(b, "| # | Path | Id | Size | Rows | Columns |\n| --- | --- | --- | --- | --- | --- |\n");
	for (size_t i = 0; i < c->ndata; i++) {
		const struct card_data *d = &c->data[i];
		mlv_buf_printf(b, "| %zu | ", i + 1);
		md_cell(b, str(d->dep, "path"));
		mlv_buf_printf(b, " | `sha256:%s` | %llu bytes", short_id(str(d->dep, "oid")), u64(d->dep, "size"));
		if (!strcmp(str(d->dep, "kind"), "dir"))
			mlv_buf_printf(b, " (%llu files)", u64(d->dep, "files"));
		if (d->counted) {
			mlv_buf_printf(b, " | %llu | %zu |\n", d->rows, d->columns);
		} else {
			mlv_buf_puts(b, " | ");
			md_cell(b, d->why ? d->why : "not a data file");
			mlv_buf_puts(b, " | |\n");
		}
	}
	mlv_buf_printf(b, "\nEach input reads back with `mlv drift %s:data[N] <current data>`.\n\n", c->mv.label);
}

static void md_training(mlv_buf *b, const struct card *c)
{
	const cJSON *rec = c->mv.rec, *run = get(rec, "run"), *git = get(rec, "git"), *r = c->mv.run, *x;

	mlv_buf_puts(b, "## Training procedure\n\n");
	if (!run) {
		mlv_buf_puts(b, "- Run: **not recorded** (registered without --run)\n");
	} else {
		mlv_buf_printf(b, "- Run: `%s`", str(run, "id"));
		if (model_str(run, "name")) {
			mlv_buf_puts(b, " (");
			md_cell(b, str(run, "name"));
			mlv_buf_putc(b, ')');
		}
		if (r) {
			char dur[32];
			int first = 1;
			mlv_buf_puts(b, ", command `");
			cJSON_ArrayForEach(x, get(r, "command")) {
				mlv_buf_printf(b, "%s", first ? "" : " ");
				md_cell(b, cJSON_IsString(x) ? x->valuestring : "");
				first = 0;
			}
			mlv_buf_printf(b, "`, started %s, took %s, exit status %lld\n", str(r, "start"),
				runfmt_duration(dur, num(r, "duration_ms", 0)), num(r, "status", -1));
		} else {
			mlv_buf_printf(b, " (its record cannot be read: %s)\n", c->mv.run_error);
		}
	}
	if (git)
		mlv_buf_printf(b, "- Code: git commit `%s`%s\n", str(git, "commit"),
			cJSON_IsTrue(get(git, "dirty")) ? " with uncommitted changes (dirty)" : "");
	else
		mlv_buf_puts(b, "- Code: **not recorded** (no git commit)\n");
	if (r && (x = get(r, "env"))) {
		const cJSON *cpu = get(x, "cpu"), *py = get(x, "python");
		mlv_buf_printf(b, "- Environment: %s %s %s", str(x, "os"), str(x, "kernel"), str(x, "machine"));
		if (cpu)
			mlv_buf_printf(b, ", %lld x %s", num(cpu, "count", 0), model_str(cpu, "model") ? str(cpu, "model") : "cpu");
		if (get(x, "memory_bytes"))
			mlv_buf_printf(b, ", %.1f GiB memory", (double)u64(x, "memory_bytes") / 1073741824.0);
		if (py)
			mlv_buf_printf(b, ", python %s (%d packages)", str(py, "version"), cJSON_GetArraySize(get(py, "packages")));
		mlv_buf_putc(b, '\n');
	} else {
		mlv_buf_puts(b, "- Environment: **not recorded**\n");
	}
	mlv_buf_puts(b, "\n### Parameters\n\n");
	md_kv_table(b, get(rec, "params"), "Parameter", "Value", "**Not recorded.**");
}

static void md_evaluation(mlv_buf *b, const struct card *c)
{
	const cJSON *e, *g;
	int any = 0;

	mlv_buf_puts(b, "## Evaluation\n\n### Metrics\n\n");
	md_kv_table(b, get(c->mv.rec, "metrics"), "Metric", "Value", "**Not recorded.**");
	mlv_buf_puts(b, "### Gates\n\n");
	cJSON_ArrayForEach(e, c->events) {
		if (strcmp(str(e, "type"), "promote") || num(e, "version", -1) != (long long)c->mv.v.version)
			continue;
		cJSON_ArrayForEach(g, get(e, "gates")) {
			if (!any)
				mlv_buf_puts(b, "| Promoted to | Time | Gate | Source | Result |\n| --- | --- | --- | --- | --- |\n");
			any = 1;
			mlv_buf_puts(b, "| ");
			md_cell(b, str(e, "alias"));
			mlv_buf_printf(b, " | %s | `", str(e, "time"));
			md_cell(b, str(g, "expr"));
			mlv_buf_puts(b, "` | ");
			md_cell(b, str(g, "source"));
			mlv_buf_puts(b, " | ");
			md_cell(b, model_str(g, "explain") ? str(g, "explain") : cJSON_IsTrue(get(g, "passed")) ? "passed" : "failed");
			mlv_buf_puts(b, " |\n");
		}
	}
	mlv_buf_puts(b, any ? "\n" : "No gate was checked when this version was promoted.\n\n");
}

static void md_history(mlv_buf *b, const struct card *c)
{
	const cJSON *e;
	int any = 0;

	mlv_buf_puts(b, "## Promotion history\n\n");
	cJSON_ArrayForEach(e, c->events) {
		const char *type = str(e, "type");
		mlv_buf w = MLV_BUF_INIT;
		if (!event_concerns(c, e))
			continue;
		if (!any)
			mlv_buf_puts(b, "| # | Time | Event | By | Message |\n| --- | --- | --- | --- | --- |\n");
		any = 1;
		mlv_buf_printf(b, "| %lld | %s | %s", num(e, "seq", 0), str(e, "time"), type);
		if (model_str(e, "alias")) {
			mlv_buf_puts(b, " ");
			md_cell(b, str(e, "alias"));
		}
		if (strcmp(type, "register") && strcmp(type, "deprecate") && strcmp(type, "approve")) {
			const cJSON *from = get(e, "from");
			if (get(e, "version"))
				mlv_buf_printf(b, " to %lld", num(e, "version", 0));
			if (cJSON_IsNumber(from))
				mlv_buf_printf(b, " (was %lld)", (long long)from->valuedouble);
		}
		mlv_buf_puts(b, " | ");
		who(&w, get(e, "identity"));
		md_cell(b, mlv_buf_cstr(&w));
		mlv_buf_release(&w);
		mlv_buf_puts(b, " | ");
		md_cell(b, str(e, "message"));
		mlv_buf_puts(b, " |\n");
	}
	mlv_buf_puts(b, any ? "\n" : "No events.\n\n");
}

static void print_markdown(mlv_buf *b, const struct card *c)
{
	mlv_buf_puts(b, "# Model card: ");
	md_cell(b, c->mv.label);
	mlv_buf_puts(b, "\n\nGenerated by `mlv card` from the registry: every fact below was recorded by mlv, "
		"except the sections marked as written by people.\n\n");
	md_details(b, c);
	md_texts(b, c);
	md_data(b, c);
	md_training(b, c);
	md_evaluation(b, c);
	md_history(b, c);
	if (b->size >= 2 && b->ptr[b->size - 2] == '\n') /* one newline at the end, not a blank line */
		b->ptr[--b->size] = '\0';
}

/* ---- JSON ---- */

static void put_json(mlv_buf *b, const cJSON *v)
{
	char *s = v ? cJSON_PrintUnformatted(v) : NULL;
	mlv_buf_puts(b, s ? s : "null");
	free(s);
}

static void print_json(mlv_buf *b, const struct card *c)
{
	mlv_buf md = MLV_BUF_INIT;
	const cJSON *e;
	int first = 1;

	print_markdown(&md, c);
	mlv_buf_puts(b, "{\"schema\":\"mlv.card/1\",\"name\":");
	mlv_buf_put_json_string(b, c->mv.v.name, strlen(c->mv.v.name));
	mlv_buf_printf(b, ",\"version\":%u,\"markdown\":", (unsigned)c->mv.v.version);
	mlv_buf_put_json_string(b, md.ptr ? md.ptr : "", md.size);
	mlv_buf_puts(b, ",\"record\":");
	put_json(b, c->mv.rec);
	mlv_buf_puts(b, ",\"aliases\":");
	put_json(b, c->aliases);
	mlv_buf_puts(b, ",\"owners\":");
	put_json(b, c->owners);
	for (int i = 0; i < NTEXT; i++) {
		mlv_buf_printf(b, ",\"%s\":{\"text\":", text_keys[i]);
		if (c->text[i].text)
			mlv_buf_put_json_string(b, c->text[i].text, strlen(c->text[i].text));
		else
			mlv_buf_puts(b, "null");
		mlv_buf_printf(b, ",\"source\":%s%s%s}", c->text[i].source ? "\"" : "",
			c->text[i].source ? c->text[i].source : "null", c->text[i].source ? "\"" : "");
	}
	mlv_buf_puts(b, ",\"data\":[");
	for (size_t i = 0; i < c->ndata; i++) {
		const struct card_data *d = &c->data[i];
		mlv_buf_printf(b, "%s{\"index\":%zu,\"path\":", i ? "," : "", i + 1);
		mlv_buf_put_json_string(b, str(d->dep, "path"), strlen(str(d->dep, "path")));
		mlv_buf_printf(b, ",\"oid\":\"%s\",\"size\":%llu", str(d->dep, "oid"), u64(d->dep, "size"));
		if (d->counted)
			mlv_buf_printf(b, ",\"rows\":%llu,\"columns\":%zu", d->rows, d->columns);
		else
			mlv_buf_puts(b, ",\"rows\":null,\"columns\":null");
		mlv_buf_putc(b, '}');
	}
	mlv_buf_puts(b, "],\"run\":");
	put_json(b, c->mv.run);
	mlv_buf_puts(b, ",\"history\":[");
	cJSON_ArrayForEach(e, c->events) {
		if (!event_concerns(c, e))
			continue;
		mlv_buf_puts(b, first ? "" : ",");
		put_json(b, e);
		first = 0;
	}
	mlv_buf_puts(b, "]}\n");
	mlv_buf_release(&md);
}

int cmd_card(int argc, const char **argv, struct mlv_ctx *ctx)
{
	struct card c;
	mlv_buf out = MLV_BUF_INIT;
	int nargs, ret;

	nargs = mlv_parse_options(argc, argv, mlv_opts_card, mlv_usage_card);
	if (nargs < 0)
		return MLV_EXIT_USAGE;
	if (nargs != 1) {
		mlv_usage_print(stderr, mlv_usage_card, mlv_opts_card);
		return MLV_EXIT_USAGE;
	}
	memset(&c, 0, sizeof(c));
	if (!(ret = card_build(&c, ctx, argv[0]))) {
		if (opt_json)
			print_json(&out, &c);
		else
			print_markdown(&out, &c);
		ret = plumb_write_stdout(out.ptr, out.size) ? MLV_EXIT_FATAL : MLV_EXIT_OK;
	}
	mlv_buf_release(&out);
	card_release(&c);
	return ret;
}
