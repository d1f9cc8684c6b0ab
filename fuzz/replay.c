/*
 * Replays corpus files through a fuzz target without libFuzzer, so every
 * compiler and build (the normal and the ASan/UBSan one) checks that no
 * stored input crashes again: `replay_<target> FILE|DIR...`. A crash or a
 * failed property aborts; otherwise it prints how many inputs it ran.
 */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include "fuzz.h"

static int run_file(const char *path)
{
	FILE *f = fopen(path, "rb");
	unsigned char *data = NULL;
	size_t size = 0, cap = 0, n;
	if (!f) {
		fprintf(stderr, "replay: cannot open %s: %s\n", path, strerror(errno));
		return -1;
	}
	for (;;) {
		if (size == cap) {
			unsigned char *p = realloc(data, cap = cap ? 2 * cap : 65536);
			if (!p) {
				fprintf(stderr, "replay: out of memory\n");
				exit(2);
			}
			data = p;
		}
		n = fread(data + size, 1, cap - size, f);
		if (!n)
			break;
		size += n;
	}
	fclose(f);
	/* libFuzzer hands over exactly SIZE bytes: copy them so ASan sees overreads. */
	unsigned char *exact = malloc(size ? size : 1);
	if (!exact)
		exit(2);
	memcpy(exact, data, size);
	free(data);
	LLVMFuzzerTestOneInput(exact, size);
	free(exact);
	return 0;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static int run_path(const char *path, long *count)
{
	struct stat sb;
	if (stat(path, &sb) != 0) {
		fprintf(stderr, "replay: %s: %s\n", path, strerror(errno));
		return -1;
	}
	if (!S_ISDIR(sb.st_mode)) {
		if (run_file(path))
			return -1;
		(*count)++;
		return 0;
	}
	DIR *d = opendir(path);
	struct dirent *e;
	char **names = NULL;
	size_t n = 0, cap = 0;
	int rc = 0;
	if (!d) {
		fprintf(stderr, "replay: cannot open %s: %s\n", path, strerror(errno));
		return -1;
	}
	while ((e = readdir(d)) != NULL) {
		if (e->d_name[0] == '.')
			continue;
		if (n == cap && !(names = realloc(names, (cap = cap ? 2 * cap : 64) * sizeof(*names))))
			exit(2);
		if (!(names[n] = malloc(strlen(path) + strlen(e->d_name) + 2)))
			exit(2);
		sprintf(names[n++], "%s/%s", path, e->d_name);
	}
	closedir(d);
	qsort(names, n, sizeof(*names), cmp_str); /* the same order on every machine */
	for (size_t i = 0; i < n; i++) {
		if (!rc && run_path(names[i], count))
			rc = -1;
		free(names[i]);
	}
	free(names);
	return rc;
}

int main(int argc, char **argv)
{
	long count = 0;
	if (argc < 2) {
		fprintf(stderr, "usage: %s <file|dir>...\n", argv[0]);
		return 2;
	}
	for (int i = 1; i < argc; i++)
		if (run_path(argv[i], &count))
			return 1;
	if (!count) {
		fprintf(stderr, "replay: no inputs in the given paths\n");
		return 1;
	}
	printf("replayed %ld inputs\n", count);
	return 0;
}
