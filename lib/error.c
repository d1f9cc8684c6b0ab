/* The per-thread last error: code and message set where the failure is understood. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include "mlv/error.h"

static _Thread_local char last_msg[1024];
static _Thread_local int last_code;

const char *mlv_error_last(void) { return last_msg; }
int mlv_error_code(void) { return last_code; }

void mlv_error_clear(void)
{
	last_msg[0] = '\0';
	last_code = 0;
}

static void lower_errno_text(char *dst, size_t n, int errnum)
{
	/* strerror says "No such file or directory"; messages are lower case. */
	snprintf(dst, n, "%s", strerror(errnum));
	if (dst[0] >= 'A' && dst[0] <= 'Z' && !(dst[1] >= 'A' && dst[1] <= 'Z'))
		dst[0] = (char)(dst[0] - 'A' + 'a');
}

int mlv_error_set(int code, const char *fmt, ...)
{
	va_list ap;
	char tmp[sizeof(last_msg)];
	va_start(ap, fmt);
	vsnprintf(tmp, sizeof(tmp), fmt, ap); /* fmt may use last_msg as an argument */
	va_end(ap);
	memcpy(last_msg, tmp, sizeof(tmp));
	last_code = code;
	return code;
}

int mlv_error_set_errno(int code, int errnum, const char *fmt, ...)
{
	va_list ap;
	char tmp[sizeof(last_msg)], why[256];
	size_t len;
	va_start(ap, fmt);
	vsnprintf(tmp, sizeof(tmp), fmt, ap);
	va_end(ap);
	lower_errno_text(why, sizeof(why), errnum);
	len = strlen(tmp);
	snprintf(tmp + len, sizeof(tmp) - len, ": %s", why);
	memcpy(last_msg, tmp, sizeof(tmp));
	/* Out of memory is not an I/O error: callers that check for MLV_ENOMEM see it. */
	if (errnum == ENOMEM && code < 0)
		code = MLV_ENOMEM;
	last_code = code;
	return code;
}
