/*
 * What the commands that write HTML reports (drift, compare) share: escaping
 * user strings for text and attributes, cutting long labels, and the steps
 * of a chart's axis ticks.
 */
#ifndef MLV_CMD_HTML_H
#define MLV_CMD_HTML_H

#include <stddef.h>
#include "mlv/buf.h"

/*
 * Append the N bytes of S to B escaped for HTML text and attribute values
 * (& < > " '), control characters shown as their Unicode pictures (U+2400..)
 * so that nothing in S can end an element, an attribute or a line of markup.
 * Returns non-zero when out of memory.
 */
int html_escape_n(mlv_buf *b, const char *s, size_t n);
/* html_escape_n of a NUL-terminated string. */
int html_escape(mlv_buf *b, const char *s);
/* S escaped, cut to MAX code points with an ellipsis when longer. */
int html_put_label(mlv_buf *b, const char *s, size_t max);
/*
 * A tick step of 1, 2, 2.5 or 5 times a power of ten giving about N
 * intervals over SPAN; 1 when SPAN is not a positive finite number.
 */
double html_nice_step(double span, int n);

#endif
