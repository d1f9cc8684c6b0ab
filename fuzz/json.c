/*
 * The JSON record parsers of runs (run.h): canonical JSON (how run records,
 * metrics files and summaries are parsed and written), the check a JSON
 * object passes before it is stored (mlv_object_validate), metric values
 * and keys, and the log of an active run (mlv_run_log_params reads and
 * parses every line of it).
 *
 * Properties: the canonical form is valid JSON, canonical again unchanged
 * (idempotent), and accepted exactly when the stored-object check accepts
 * the text.
 */
#include <fcntl.h>
#include <unistd.h>
#include "mlv/run.h"
#include "fuzz.h"

#define RUN_ID "0123456789abcdef0123456789abcdef"

static void log_lines(const uint8_t *data, size_t size)
{
	static char path[4200];
	const char *kv[] = { "fuzz-key=1" };
	int fd;
	if (!path[0])
		snprintf(path, sizeof(path), "%s/%s.log", fuzz_tmpdir(), RUN_ID);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	FUZZ_ASSERT(fd >= 0);
	FUZZ_ASSERT(write(fd, data, size) == (ssize_t)size);
	close(fd);
	int rc = mlv_run_log_params(fuzz_tmpdir(), RUN_ID, kv, 1);
	FUZZ_ASSERT(rc == 0 || rc == MLV_EINVALID || rc == MLV_ENOMEM);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	mlv_buf a = MLV_BUF_INIT, b = MLV_BUF_INIT;
	int rc = mlv_json_canonical(&a, (const char *)data, size);
	int vrc = mlv_object_validate(data, size, MLV_OBJ_JSON, "fuzz");
	if (rc == 0) {
		FUZZ_ASSERT(vrc == 0);
		FUZZ_ASSERT(mlv_object_validate(a.ptr, a.size, MLV_OBJ_JSON, "canonical") == 0);
		FUZZ_ASSERT(mlv_json_canonical(&b, a.ptr, a.size) == 0);
		FUZZ_ASSERT(a.size == b.size && (!a.size || !memcmp(a.ptr, b.ptr, a.size)));
	} else {
		FUZZ_ASSERT(rc == MLV_EINVALID || rc == MLV_ENOMEM);
		FUZZ_ASSERT(vrc != 0 || rc == MLV_ENOMEM);
	}
	mlv_buf_release(&a);
	mlv_buf_release(&b);

	/* Metric values and keys, as log-metric and --metrics files give them. */
	if (size <= 4096) {
		char *s = fuzz_cstr(data, size);
		double d;
		if (s) {
			if (mlv_run_parse_metric(&d, s) != 0)
				FUZZ_ASSERT(mlv_error_code() == MLV_EINVALID);
			(void)mlv_run_key_valid(s, strlen(s));
			free(s);
		}
	}
	log_lines(data, size);
	return 0;
}
