/*
 * `mlv rev-parse`: turn specs into full object ids. For now a spec is a full
 * id or a unique prefix (optionally "sha256:<hex>"); `path@rev`, `name@<n>`
 * and `name@<alias>` come later. spec_resolve() is written to move to lib/
 * unchanged once other commands need it.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "commands.h"
#include "plumbing.h"

static int opt_json;

const struct mlv_option mlv_opts_rev_parse[] = {
	MLV_OPT_JSON(&opt_json),
	MLV_OPT_END()
};

const char *const mlv_usage_rev_parse[] = {
	"mlv rev-parse [--json] <spec>...",
	NULL
};

enum spec_kind {
	SPEC_OID        /* a full id or unique prefix */
};

struct spec {
	const char *text;   /* as given; borrowed */
	enum spec_kind kind;
	mlv_oid oid;
	mlv_objinfo info;
};

static const char *spec_kind_name(enum spec_kind k)
{
	switch (k) {
	case SPEC_OID: return "oid";
	}
	return "unknown";
}

/*
 * Resolve TEXT to an object of ST. Returns 0 or a negative MLV_E* code with
 * the error set (the library's message for ids: too short, not found,
 * ambiguous with the candidates listed).
 */
static int spec_resolve(struct spec *out, mlv_store *st, const char *text)
{
	const char *hex = text;
	int rc;

	memset(out, 0, sizeof(*out));
	out->text = text;
	if (strncmp(hex, "sha256:", 7) == 0)
		hex += 7;
	if (!mlv_oid_is_hex_prefix(hex) && strchr(text, '@'))
		return mlv_error_set(MLV_EINVALID,
			"cannot resolve '%s': <path>@<rev> and <name>@<alias> specs are not supported yet",
			text);
	out->kind = SPEC_OID;
	if ((rc = mlv_object_resolve(st, &out->oid, text)) != 0)
		return rc;
	return mlv_object_info(st, &out->oid, &out->info);
}

struct rev_parse_result {
	struct spec *specs;
	size_t n;
};

static int print_human(const struct rev_parse_result *r)
{
	mlv_buf out = MLV_BUF_INIT;
	char hex[MLV_OID_HEXSZ + 1];
	int err = 0, ret;

	for (size_t i = 0; i < r->n; i++)
		err |= mlv_buf_printf(&out, "%s\n", mlv_oid_fmt(hex, &r->specs[i].oid));
	ret = err ? mlv_die("out of memory") : plumb_write_stdout(out.ptr, out.size);
	mlv_buf_release(&out);
	return ret;
}

static int print_json(const struct rev_parse_result *r)
{
	mlv_buf out = MLV_BUF_INIT;
	int err = 0, ret;

	err |= mlv_buf_puts(&out, "{\"schema\":\"mlv.rev-parse/1\",\"results\":[");
	for (size_t i = 0; i < r->n; i++) {
		const struct spec *s = &r->specs[i];
		err |= mlv_buf_puts(&out, i ? ",{\"spec\":" : "{\"spec\":");
		err |= mlv_buf_put_json_string(&out, s->text, strlen(s->text));
		err |= mlv_buf_printf(&out, ",\"kind\":\"%s\",\"oid\":", spec_kind_name(s->kind));
		err |= plumb_put_json_oid(&out, &s->oid);
		err |= mlv_buf_printf(&out, ",\"type\":\"%s\",\"size\":%llu}",
			mlv_objtype_name(s->info.type), (unsigned long long)s->info.size);
	}
	err |= mlv_buf_puts(&out, "]}\n");
	ret = err ? mlv_die("out of memory") : plumb_write_stdout(out.ptr, out.size);
	mlv_buf_release(&out);
	return ret;
}

int cmd_rev_parse(int argc, const char **argv, struct mlv_ctx *ctx)
{
	struct rev_parse_result r = { NULL, 0 };
	int nargs, rc = 0, ret = MLV_EXIT_FATAL;

	nargs = mlv_parse_options(argc, argv, mlv_opts_rev_parse, mlv_usage_rev_parse);
	if (nargs < 0)
		return MLV_EXIT_USAGE;
	if (nargs == 0) {
		mlv_usage_print(stderr, mlv_usage_rev_parse, mlv_opts_rev_parse);
		return MLV_EXIT_USAGE;
	}
	r.specs = calloc((size_t)nargs, sizeof(*r.specs));
	if (!r.specs) {
		ret = mlv_die("out of memory");
		goto done;
	}
	/* Resolve all before printing any, so a failure prints no ids. */
	for (int i = 0; i < nargs; i++, r.n++)
		if ((rc = spec_resolve(&r.specs[i], ctx->store, argv[i])) != 0)
			goto done;
	ret = opt_json ? print_json(&r) : print_human(&r);

done:
	if (rc)
		ret = mlv_die_lib();
	free(r.specs);
	return ret;
}
