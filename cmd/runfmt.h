/* What the run commands (run, show, runs) print alike. */
#ifndef MLV_CMD_RUNFMT_H
#define MLV_CMD_RUNFMT_H

#include <stdint.h>
#include <stdio.h>

/* A duration for people: "850ms", "12.3s", "4m05s", "2h03m07s". */
static inline const char *runfmt_duration(char out[32], int64_t ms)
{
	if (ms < 0)
		ms = 0;
	if (ms < 1000)
		snprintf(out, 32, "%lldms", (long long)ms);
	else if (ms < 60000)
		snprintf(out, 32, "%.1fs", (double)ms / 1000.0);
	else if (ms < 3600000)
		snprintf(out, 32, "%lldm%02llds", (long long)(ms / 60000), (long long)(ms / 1000 % 60));
	else
		snprintf(out, 32, "%lldh%02lldm%02llds", (long long)(ms / 3600000), (long long)(ms / 60000 % 60),
			(long long)(ms / 1000 % 60));
	return out;
}

#endif
