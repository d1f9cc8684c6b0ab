/*
 * Reading a few members out of a JSON text without parsing it into a tree:
 * `mlv runs` evaluates its filter and sort key on 100,000 run summaries,
 * and building a cJSON tree for each costs more than everything else. The
 * text need not be NUL-terminated (an LMDB value, for one). These functions
 * never allocate, except mlv_json_string into the caller's buffer.
 */
#ifndef MLV_JSONSCAN_H
#define MLV_JSONSCAN_H

#include <stddef.h>
#include "mlv/buf.h"

/*
 * The end of the JSON value starting at P (white space before it allowed),
 * END being the end of the text: a pointer just past the value, or NULL when
 * it is not a well-formed value. Strings and nesting are followed; numbers
 * and literals are taken as the run of characters that may form them.
 */
const char *mlv_json_skip(const char *p, const char *end);

/*
 * Find member KEY (KLEN bytes, compared with the decoded member name) of the
 * JSON object OBJ[0..LEN): 1 and *VAL, *VLEN set to its raw value text, or
 * 0 when OBJ is not an object, has no such member, or is malformed up to it.
 * With duplicate names the first wins (cJSON's rule).
 */
int mlv_json_find(const char *obj, size_t len, const char *key, size_t klen, const char **val, size_t *vlen);

/*
 * Decode the JSON string value V[0..LEN) (quotes included) into OUT
 * (cleared first): escapes resolved, \uXXXX as UTF-8 (surrogate pairs
 * joined). 0, or -1 when V is not a string or OUT cannot grow.
 */
int mlv_json_string(const char *v, size_t len, mlv_buf *out);

#endif
