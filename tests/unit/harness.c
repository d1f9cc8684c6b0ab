/* The unit-test harness (see harness.h). */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <unistd.h>
#include <sys/stat.h>
#include "harness.h"

int test_failures;
int test_checks;
static char *tmp;

const char *test_tmpdir(void)
{
	if (!tmp) {
		const char *base = getenv("MLV_TEST_TMP");
		char tmpl[4096];
		if (!base || !*base)
			base = "/tmp";
		mkdir(base, 0755);
		snprintf(tmpl, sizeof(tmpl), "%s/mlv-unit-XXXXXX", base);
		if (!mkdtemp(tmpl)) {
			perror("mkdtemp");
			exit(2);
		}
		tmp = strdup(tmpl);
	}
	return tmp;
}

char *test_subdir(const char *name)
{
	char path[4096];
	snprintf(path, sizeof(path), "%s/%s", test_tmpdir(), name);
	if (mkdir(path, 0755) && errno != EEXIST) {
		perror(path);
		exit(2);
	}
	return strdup(path);
}

void test_random(void *buf, size_t len, unsigned long long seed)
{
	unsigned char *p = buf;
	unsigned long long x = seed * 0x9e3779b97f4a7c15ULL + 1;
	for (size_t i = 0; i < len; i++) {
		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		p[i] = (unsigned char)(x >> 24);
	}
}

void test_write_file(const char *path, const void *data, size_t len)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	if (fd < 0 || (len && write(fd, data, len) != (ssize_t)len)) {
		perror(path);
		exit(2);
	}
	close(fd);
}

int test_done(const char *name)
{
	printf("%s: %d checks, %d passed, %d failed\n", name, test_checks, test_checks - test_failures, test_failures);
	if (!test_failures && tmp) {
		char cmd[4200];
		snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmp);
		if (system(cmd) != 0)
			fprintf(stderr, "could not remove %s\n", tmp);
	}
	free(tmp);
	return test_failures ? 1 : 0;
}
