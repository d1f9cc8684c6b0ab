/*
 * How field values become numbers: mlv_stats_parse_number (drift types a
 * column with it, and expressions compare number-like strings with it),
 * mlv_csv_is_missing, and mlv_run_parse_metric, on arbitrary bytes. A
 * number parses again to the same double from its shortest round-trip
 * text, and a metric value is a number by the stats rule too.
 */
#include <math.h>
#include "mlv/run.h"
#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	double d, e, m;
	char text[64];
	if (size > 512)
		return 0;
	(void)mlv_csv_is_missing((const char *)data, size);
	if (mlv_stats_parse_number((const char *)data, size, &d)) {
		if (isfinite(d)) {
			snprintf(text, sizeof(text), "%.17g", d);
			FUZZ_ASSERT(mlv_stats_parse_number(text, strlen(text), &e) == 1 && e == d);
		}
	}
	char *s = fuzz_cstr(data, size);
	if (!s)
		return 0;
	if (strlen(s) == size && mlv_run_parse_metric(&m, s) == 0 && !isnan(m)) {
		/* a metric value is a number for drift and expressions too, and the same one */
		FUZZ_ASSERT(mlv_stats_parse_number(s, size, &e) == 1);
		FUZZ_ASSERT(e == m);
	}
	free(s);
	return 0;
}
