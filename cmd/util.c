/*
 * What every command uses to report: the "mlv: error: ..." and
 * "mlv: warning: ..." lines of DESIGN.md, and the store a command opens late.
 */
#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "commands.h"

int mlv_stdout_errno;

static void vreport(const char *prefix, const char *fmt, va_list ap)
{
	/* One fprintf per line so that concurrent commands do not interleave. */
	char msg[4096];
	vsnprintf(msg, sizeof(msg), fmt, ap);
	fprintf(stderr, "mlv: %s: %s\n", prefix, msg);
}

int mlv_die(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vreport("error", fmt, ap);
	va_end(ap);
	return MLV_EXIT_FATAL;
}

int mlv_die_lib(void)
{
	const char *msg = mlv_error_last();
	return mlv_die("%s", *msg ? msg : "unknown error");
}

void mlv_warn(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vreport("warning", fmt, ap);
	va_end(ap);
}

const char *mlv_strerror(int err)
{
	static char buf[256];
	snprintf(buf, sizeof(buf), "%s", strerror(err));
	/* Only the first letter: "I/O error" must stay as it is. */
	if (isupper((unsigned char)buf[0]) && !isupper((unsigned char)buf[1]))
		buf[0] = (char)tolower((unsigned char)buf[0]);
	return buf;
}

int mlv_ctx_open_store(struct mlv_ctx *ctx)
{
	char *dir = NULL;

	if (ctx->store)
		return 0;
	if (!ctx->mlvdir) {
		if (mlv_store_discover(&dir, ctx->cwd ? ctx->cwd : ".") < 0)
			return mlv_die_lib();
		ctx->mlvdir = dir;
	}
	if (mlv_store_open(&ctx->store, ctx->mlvdir) < 0) {
		ctx->store = NULL;
		return mlv_die_lib();
	}
	return 0;
}

void mlv_ctx_release(struct mlv_ctx *ctx)
{
	mlv_store_free(ctx->store);
	ctx->store = NULL;
	free((char *)ctx->mlvdir);
	ctx->mlvdir = NULL;
}
