/* Helpers shared by the fuzz targets (see fuzz.h). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>
#include "fuzz.h"

int fuzz_memfd(const void *data, size_t size)
{
	int fd = memfd_create("mlv-fuzz", MFD_CLOEXEC);
	const char *p = data;
	if (fd < 0)
		return -1;
	while (size) {
		ssize_t n = write(fd, p, size);
		if (n <= 0) {
			close(fd);
			return -1;
		}
		p += n;
		size -= (size_t)n;
	}
	if (lseek(fd, 0, SEEK_SET) != 0) {
		close(fd);
		return -1;
	}
	return fd;
}

static char tmpdir[4096];

static void remove_tmpdir(void)
{
	char cmd[4200];
	if (tmpdir[0]) {
		snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmpdir);
		if (system(cmd) != 0)
			fprintf(stderr, "fuzz: cannot remove %s\n", tmpdir);
	}
}

const char *fuzz_tmpdir(void)
{
	if (!tmpdir[0]) {
		const char *base = getenv("TMPDIR");
		if (base && *base)
			mkdir(base, 0755);
		snprintf(tmpdir, sizeof(tmpdir), "%s/mlv-fuzz-XXXXXX", base && *base ? base : "/tmp");
		if (!mkdtemp(tmpdir)) {
			perror("fuzz: mkdtemp");
			abort();
		}
		atexit(remove_tmpdir);
	}
	return tmpdir;
}
