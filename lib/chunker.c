/*
 * Content-defined chunking with a gear rolling hash (FastCDC-style, with
 * normalized chunking): a cut is where the top bits of the hash are zero,
 * with a harder mask before the average size and an easier one after, which
 * narrows the spread of chunk sizes around the average.
 */
#include "internal.h"

/* The gear table must never change: it defines every chunk boundary. */
static uint64_t gear[256];
static int gear_ready;

static void gear_init(void)
{
	uint64_t x = 0x6d6c762d67656172ULL; /* "mlv-gear" */
	for (int i = 0; i < 256; i++) {
		/* splitmix64 */
		uint64_t z = (x += 0x9e3779b97f4a7c15ULL);
		z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
		z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
		gear[i] = z ^ (z >> 31);
	}
	gear_ready = 1;
}

/* MLV_CHUNK_BITS bits on average; 2 more before the average, 2 fewer after. */
#define MASK_HARD (((UINT64_C(1) << (MLV_CHUNK_BITS + 2)) - 1) << (64 - (MLV_CHUNK_BITS + 2)))
#define MASK_EASY (((UINT64_C(1) << (MLV_CHUNK_BITS - 2)) - 1) << (64 - (MLV_CHUNK_BITS - 2)))

/*
 * Roll the hash over P[*I..TO) and stop after the first byte where none of
 * MASK's bits are set: returns 1 with *I past that byte, or 0 with *I == TO.
 * Unrolled: one byte at a time, the loop's own bookkeeping costs as much as
 * the hash (cutting is the one serial step when storing a large file).
 */
static inline int roll(const unsigned char *p, size_t *ip, size_t to, uint64_t *fpp, uint64_t mask)
{
	size_t i = *ip;
	uint64_t fp = *fpp;
#define ROLL_STEP(k)                                   \
	fp = (fp << 1) + gear[p[i + (k)]];             \
	if (!(fp & mask)) {                            \
		*ip = i + (k) + 1;                     \
		*fpp = fp;                             \
		return 1;                              \
	}
	for (; i + 8 <= to; i += 8) {
		ROLL_STEP(0) ROLL_STEP(1) ROLL_STEP(2) ROLL_STEP(3)
		ROLL_STEP(4) ROLL_STEP(5) ROLL_STEP(6) ROLL_STEP(7)
	}
	for (; i < to; i++) {
		ROLL_STEP(0)
	}
#undef ROLL_STEP
	*ip = i;
	*fpp = fp;
	return 0;
}

size_t mlv__chunk_cut(const unsigned char *p, size_t len, int at_eof)
{
	size_t i, normal, end;
	uint64_t fp = 0;
	if (!gear_ready)
		gear_init();
	if (len <= MLV_CHUNK_MIN)
		return at_eof ? len : 0;
	end = len < MLV_CHUNK_MAX ? len : MLV_CHUNK_MAX;
	normal = end < MLV_CHUNK_AVG ? end : MLV_CHUNK_AVG;
	/* The hash only looks back 64 bytes, so start just before the minimum. */
	i = MLV_CHUNK_MIN - 64;
	for (; i < MLV_CHUNK_MIN; i++)
		fp = (fp << 1) + gear[p[i]];
	if (roll(p, &i, normal, &fp, MASK_HARD) || roll(p, &i, end, &fp, MASK_EASY))
		return i;
	if (end == MLV_CHUNK_MAX || at_eof)
		return end;
	return 0;
}
