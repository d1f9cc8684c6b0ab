/* HTML helpers of the report writers (see html.h). */
#include <math.h>

#include "html.h"

int html_escape_n(mlv_buf *b, const char *s, size_t n)
{
	int err = 0;
	for (size_t i = 0; i < n; i++) {
		switch (s[i]) {
		case '&': err |= mlv_buf_puts(b, "&amp;"); break;
		case '<': err |= mlv_buf_puts(b, "&lt;"); break;
		case '>': err |= mlv_buf_puts(b, "&gt;"); break;
		case '"': err |= mlv_buf_puts(b, "&quot;"); break;
		case '\'': err |= mlv_buf_puts(b, "&#39;"); break;
		default:
			if ((unsigned char)s[i] < 0x20 && s[i] != '\t')
				err |= mlv_buf_printf(b, "&#x%x;", 0x2400 + (unsigned char)s[i]);
			else
				err |= mlv_buf_putc(b, s[i]);
		}
	}
	return err;
}

int html_escape(mlv_buf *b, const char *s)
{
	size_t n = 0;
	while (s[n])
		n++;
	return html_escape_n(b, s, n);
}

double html_nice_step(double span, int n)
{
	double raw = span / n, p, f;
	if (!(raw > 0) || !isfinite(raw))
		return 1;
	p = pow(10, floor(log10(raw)));
	f = raw / p;
	return (f <= 1 ? 1 : f <= 2 ? 2 : f <= 2.5 ? 2.5 : f <= 5 ? 5 : 10) * p;
}

int html_put_label(mlv_buf *b, const char *s, size_t max)
{
	size_t cps = 0, i = 0;
	for (; s[i]; i++) {
		if (((unsigned char)s[i] & 0xc0) != 0x80 && cps++ == max)
			break;
	}
	if (!s[i])
		return html_escape(b, s);
	return html_escape_n(b, s, i) | mlv_buf_puts(b, "\xe2\x80\xa6");
}
