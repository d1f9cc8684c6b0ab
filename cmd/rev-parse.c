/*
 * `mlv rev-parse`: turn specs into full object ids (spec.h: ids and id
 * prefixes, tracked paths, path@rev). It only resolves: the object a
 * pointer names need not be in the store. `name@<n>` and `name@<alias>`
 * come with the registry.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "commands.h"
#include "plumbing.h"
#include "mlv/spec.h"

static int opt_json;

const struct mlv_option mlv_opts_rev_parse[] = {
	MLV_OPT_JSON(&opt_json),
	MLV_OPT_END()
};

const char *const mlv_usage_rev_parse[] = {
	"mlv rev-parse [--json] <spec>...",
	NULL
};

struct rev_parse_result {
	mlv_spec *specs;
	const char *const *texts;  /* the specs as given; borrowed */
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
		const mlv_spec *s = &r->specs[i];
		const char *text = r->texts[i];
		err |= mlv_buf_puts(&out, i ? ",{\"spec\":" : "{\"spec\":");
		err |= mlv_buf_put_json_string(&out, text, strlen(text));
		err |= mlv_buf_printf(&out, ",\"kind\":\"%s\",\"oid\":", mlv_spec_kind_name(s->kind));
		err |= plumb_put_json_oid(&out, &s->oid);
		if (s->in_store)
			err |= mlv_buf_printf(&out, ",\"type\":\"%s\",\"size\":%llu",
				mlv_objtype_name(s->info.type), (unsigned long long)s->info.size);
		else if (s->pointer.kind == MLV_PTR_DIR)
			err |= mlv_buf_puts(&out, ",\"type\":\"tree\",\"size\":null");
		else
			err |= mlv_buf_printf(&out, ",\"type\":\"blob\",\"size\":%llu",
				(unsigned long long)s->pointer.size);
		/* An id resolves only to an object of the store; a pointer may name one it lacks. */
		if (s->kind != MLV_SPEC_OID)
			err |= mlv_buf_printf(&out, ",\"in_store\":%s", s->in_store ? "true" : "false");
		if (s->path) {
			err |= mlv_buf_puts(&out, ",\"path\":");
			err |= mlv_buf_put_json_string(&out, s->path, strlen(s->path));
		}
		if (s->kind == MLV_SPEC_PATH_REV)
			err |= mlv_buf_printf(&out, ",\"commit\":\"%s\"", s->commit);
		if (s->kind == MLV_SPEC_MODEL) {
			err |= mlv_buf_puts(&out, ",\"model\":");
			err |= mlv_buf_put_json_string(&out, s->model.name, strlen(s->model.name));
			err |= mlv_buf_printf(&out, ",\"version\":%u", s->model.version);
		}
		err |= mlv_buf_putc(&out, '}');
	}
	err |= mlv_buf_puts(&out, "]}\n");
	ret = err ? mlv_die("out of memory") : plumb_write_stdout(out.ptr, out.size);
	mlv_buf_release(&out);
	return ret;
}

int cmd_rev_parse(int argc, const char **argv, struct mlv_ctx *ctx)
{
	struct rev_parse_result r = { NULL, NULL, 0 };
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
	r.texts = argv;
	for (int i = 0; i < nargs; i++, r.n++)
		if ((rc = mlv_spec_resolve(&r.specs[i], ctx->store, ctx->cwd, argv[i])) != 0)
			goto done;
	ret = opt_json ? print_json(&r) : print_human(&r);

done:
	if (rc)
		ret = mlv_die_lib();
	for (size_t i = 0; r.specs && i < r.n; i++)
		mlv_spec_release(&r.specs[i]);
	free(r.specs);
	return ret;
}
