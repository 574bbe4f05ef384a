// SPDX-License-Identifier: GPL-2.0 OR MIT
/* Numbered records: see record.h. */
#include <string.h>

#include "tests/crash/record.h"

/* The header, little-endian on the disk (x86 on both sides). */
struct rec_header {
	uint64_t magic;
	uint64_t number;
	uint64_t salt;
	uint32_t size;
	uint32_t zero;
};

int record_size_ok(uint32_t size)
{
	return size >= 4096 && size <= REC_MAX_SIZE && size % 4096 == 0;
}

/* splitmix64: cheap, and every (n, salt) gives a different stream. */
static uint64_t rec_next(uint64_t *s)
{
	uint64_t z = (*s += 0x9e3779b97f4a7c15ull);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

void record_fill(void *buf, uint32_t size, uint64_t n, uint64_t salt)
{
	struct rec_header h = { REC_MAGIC, n, salt, size, 0 };
	uint64_t s = n * 0x100000001b3ull ^ salt;
	unsigned char *p = buf;
	uint32_t off;

	memcpy(p, &h, sizeof(h));
	for (off = sizeof(h); off < size; off += 8) {
		uint64_t v = rec_next(&s);

		memcpy(p + off, &v, size - off < 8 ? size - off : 8);
	}
}

int record_check(const void *buf, uint32_t size, uint64_t n, uint64_t salt,
		 const char **why, uint32_t *at)
{
	unsigned char want[4096];
	const unsigned char *p = buf;
	struct rec_header h;
	uint64_t s = n * 0x100000001b3ull ^ salt;
	uint32_t off, i;

	memcpy(&h, p, sizeof(h));
	*at = 0;
	if (h.magic != REC_MAGIC) {
		*why = h.magic ? "no record header (other data)" : "no record header (zeros: never written)";
		return -1;
	}
	if (h.number != n || h.size != size || h.zero) {
		*why = "header of another record";
		return -1;
	}
	if (h.salt != salt) {
		*why = "a record of another run (salt)";
		return -1;
	}
	/* Regenerate in 4 KiB pieces, continuing the same stream. */
	for (off = sizeof(h); off < size;) {
		uint32_t len = size - off < sizeof(want) ? size - off : sizeof(want);

		for (i = 0; i < len; i += 8) {
			uint64_t v = rec_next(&s);

			memcpy(want + i, &v, len - i < 8 ? len - i : 8);
		}
		if (memcmp(p + off, want, len)) {
			for (i = 0; p[off + i] == want[i]; i++)
				;
			*why = "payload differs";
			*at = off + i;
			return -1;
		}
		off += len;
	}
	return 0;
}
