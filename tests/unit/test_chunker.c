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

/*
 * The definition of a cut, one byte at a time, with its own copy of the gear
 * table: the chunker's faster loop must find exactly these cut points (they
 * decide every stored chunk and its id).
 */
static uint64_t ref_gear[256];

static void ref_gear_init(void)
{
	uint64_t x = 0x6d6c762d67656172ULL; /* "mlv-gear" */
	for (int i = 0; i < 256; i++) {
		uint64_t z = (x += 0x9e3779b97f4a7c15ULL);
		z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
		z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
		ref_gear[i] = z ^ (z >> 31);
	}
}

static size_t ref_cut(const unsigned char *p, size_t len, int at_eof)
{
	const uint64_t hard = ((UINT64_C(1) << (MLV_CHUNK_BITS + 2)) - 1) << (64 - (MLV_CHUNK_BITS + 2));
	const uint64_t easy = ((UINT64_C(1) << (MLV_CHUNK_BITS - 2)) - 1) << (64 - (MLV_CHUNK_BITS - 2));
	size_t end, normal, i;
	uint64_t fp = 0;
	if (len <= MLV_CHUNK_MIN)
		return at_eof ? len : 0;
	end = len < MLV_CHUNK_MAX ? len : MLV_CHUNK_MAX;
	normal = end < MLV_CHUNK_AVG ? end : MLV_CHUNK_AVG;
	for (i = MLV_CHUNK_MIN - 64; i < end; i++) {
		fp = (fp << 1) + ref_gear[p[i]];
		if (i >= MLV_CHUNK_MIN && !(fp & (i < normal ? hard : easy)))
			return i + 1;
	}
	return end == MLV_CHUNK_MAX || at_eof ? end : 0;
}

/* Random bytes with stretches of text (whose bytes repeat, so the hash sees other values). */
static void test_against_definition(unsigned char *d, size_t n)
{
	size_t checked = 0;
	ref_gear_init();
	test_random(d, n, 11);
	for (size_t i = n / 3; i < n / 2; i++)
		d[i] = (unsigned char)"0123456789,.\n"[d[i] % 13];
	for (int eof = 0; eof < 2; eof++)
		for (size_t pos = 0; pos < n;) {
			/* every length class: short, around the minimum/average/maximum, long */
			size_t len = n - pos, c;
			if (pos % 3)
				len = len < 20000 + pos % 300000 ? len : 20000 + pos % 300000;
			c = ref_cut(d + pos, len, eof);
			CHECK(mlv__chunk_cut(d + pos, len, eof) == c);
			checked++;
			pos += c ? c : 1 + pos % 4099;
		}
	for (size_t len = 0; len < MLV_CHUNK_MAX + 100; len += 1 + len / 64)
		for (int eof = 0; eof < 2; eof++) {
			CHECK(mlv__chunk_cut(d + 5, len, eof) == ref_cut(d + 5, len, eof));
			checked++;
		}
	fprintf(stderr, "%zu cuts equal to the definition's\n", checked);
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
	test_against_definition(a, N);
	free(a);
	free(b);
	free(ca);
	free(cb);
	return test_done("test_chunker");
}
