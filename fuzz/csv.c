/*
 * The CSV/TSV/JSON Lines reader (csv.h) on arbitrary bytes, with the
 * options taken from the first byte (format, delimiter, UTF-8 check) and a
 * tiny block size so that rows straddle refills. Every row has ncols
 * fields inside the reader's limits; after an error the reader keeps
 * returning it.
 *
 * First byte: bits 0-1 format, bits 2-4 delimiter (0 = sniff), bit 5 no
 * UTF-8 check, bits 6-7 block size (1, 7, 64 or default).
 */
#include <unistd.h>
#include "fuzz.h"

static volatile unsigned sink;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char delims[] = { 0, ',', '\t', ';', '|', ' ', '"', '\n' };
	static const size_t blocks[] = { 1, 7, 64, 0 };
	mlv_csv_options o;
	mlv_csv *r = NULL;
	const mlv_csv_field *f;
	int fd, rc;
	if (size < 1)
		return 0;
	memset(&o, 0, sizeof(o));
	o.format = data[0] & 3;
	if (o.format == 3)
		o.format = MLV_CSV_AUTO;
	o.delimiter = delims[(data[0] >> 2) & 7];
	o.flags = (data[0] & 0x20) ? MLV_CSV_NO_UTF8_CHECK : 0;
	o.block_size = blocks[data[0] >> 6];
	o.max_field = 4096;
	o.max_row = 16384;
	if ((fd = fuzz_memfd(data + 1, size - 1)) < 0)
		return 0;
	rc = mlv_csv_open_fd(&r, fd, "fuzz", &o);
	if (rc) {
		FUZZ_ASSERT(r == NULL);
		FUZZ_ASSERT(rc == MLV_EINVALID || rc == MLV_ENOMEM || rc == MLV_EIO);
		close(fd);
		return 0;
	}
	size_t ncols = mlv_csv_ncols(r);
	const mlv_csv_field *h = mlv_csv_header(r);
	FUZZ_ASSERT(ncols >= 1);
	for (size_t i = 0; i < ncols; i++)
		FUZZ_ASSERT(h[i].len <= o.max_field);
	unsigned long line = mlv_csv_line(r);
	int first = 1;
	while ((rc = mlv_csv_next(r, &f)) == 1) {
		size_t total = 0;
		for (size_t i = 0; i < ncols; i++) {
			FUZZ_ASSERT(f[i].len <= o.max_field);
			total += f[i].len;
			for (size_t k = 0; k < f[i].len; k++) /* touch every byte: ASan sees a bad pointer */
				sink += (unsigned char)f[i].ptr[k];
			(void)mlv_csv_is_missing(f[i].ptr, f[i].len);
		}
		FUZZ_ASSERT(total <= o.max_row);
		/* every row starts on a later line; in JSON Lines the first object is the header and row 1 */
		FUZZ_ASSERT(mlv_csv_line(r) > line || (first && mlv_csv_format(r) == MLV_CSV_JSONL));
		first = 0;
		line = mlv_csv_line(r);
	}
	if (rc == 0) {
		FUZZ_ASSERT(f == NULL);
	} else {
		FUZZ_ASSERT(rc == MLV_EINVALID || rc == MLV_ENOMEM || rc == MLV_EIO);
		FUZZ_ASSERT(mlv_csv_next(r, &f) == rc); /* the error sticks */
	}
	mlv_csv_free(r);
	close(fd);
	return 0;
}
