/* Unit tests: content-defined chunking is deterministic, bounded, and survives insertions. */
#include <stdlib.h>
#include "harness.h"
#include "internal.h"

#define N (8u << 20)

static size_t cut_all(const unsigned char *d, size_t len, size_t *cuts, size_t max)
{
	size_t pos = 0, n = 0;
	while (pos < len && n < max) {
		size_t c = mlv__chunk_cut(d + pos, len - pos, 1);
		if (!c)
			break;
		pos += c;
		cuts[n++] = pos;
	}
	return n;
}

int main(void)
{
	unsigned char *a = malloc(N + 1000), *b = malloc(N + 1000);
	size_t *ca = malloc(sizeof(size_t) * 4096), *cb = malloc(sizeof(size_t) * 4096);
	size_t na, nb, shared = 0, prev = 0, small = 0;

	test_random(a, N, 7);
	na = cut_all(a, N, ca, 4096);
	CHECK(ca[na - 1] == N);
	for (size_t i = 0; i < na; i++) {
		size_t len = ca[i] - prev;
		CHECK(len <= MLV_CHUNK_MAX);
		if (i + 1 < na)
			CHECK(len >= MLV_CHUNK_MIN);
		if (len < MLV_CHUNK_AVG / 2)
			small++;
		prev = ca[i];
	}
	/* normalized chunking keeps the average near MLV_CHUNK_AVG */
	double avg = (double)N / (double)na;
	CHECK(avg > MLV_CHUNK_AVG * 0.6 && avg < MLV_CHUNK_AVG * 1.6);
	fprintf(stderr, "chunks: %zu, average %.0f bytes, %zu under half the average\n", na, avg, small);

	/* deterministic */
	nb = cut_all(a, N, cb, 4096);
	CHECK(na == nb && !memcmp(ca, cb, na * sizeof(size_t)));

	/* 100 bytes inserted at 1 MiB: the cut points after it come back (shifted by 100) */
	memcpy(b, a, 1 << 20);
	test_random(b + (1 << 20), 100, 99);
	memcpy(b + (1 << 20) + 100, a + (1 << 20), N - (1 << 20));
	nb = cut_all(b, N + 100, cb, 4096);
	for (size_t i = 0, j = 0; i < na && j < nb;) {
		if (ca[i] + 100 == cb[j] && ca[i] > (1u << 20)) {
			shared++;
			i++;
			j++;
		} else if (ca[i] + 100 < cb[j]) {
			i++;
		} else {
			j++;
		}
	}
	size_t after = 0;
	for (size_t i = 0; i < na; i++)
		if (ca[i] > (1u << 20))
			after++;
	fprintf(stderr, "after an insertion: %zu of %zu later cut points kept\n", shared, after);
	CHECK(shared + 2 >= after);

	/* not at end of input and no cut yet: ask for more data */
	unsigned char zeros[MLV_CHUNK_MIN + 10] = { 0 };
	CHECK(mlv__chunk_cut(zeros, sizeof(zeros), 0) == 0 || mlv__chunk_cut(zeros, sizeof(zeros), 0) <= sizeof(zeros));
	CHECK(mlv__chunk_cut(zeros, 10, 1) == 10);
	CHECK(mlv__chunk_cut(zeros, 10, 0) == 0);
	free(a);
	free(b);
	free(ca);
	free(cb);
	return test_done("test_chunker");
}
