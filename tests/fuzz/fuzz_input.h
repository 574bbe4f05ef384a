/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/*
 * Reading a fuzzer's input as a script: fixed-size fields taken in order,
 * zeros once the input runs out (so every prefix of an input is a valid
 * script and libFuzzer's mutations stay meaningful).
 */
#ifndef OVB_FUZZ_INPUT_H
#define OVB_FUZZ_INPUT_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

struct fz {
	const uint8_t *p;
	size_t left;
};

static inline void fz_take(struct fz *f, void *out, size_t n)
{
	size_t k = n < f->left ? n : f->left;

	memcpy(out, f->p, k);
	memset((uint8_t *)out + k, 0, n - k);
	f->p += k;
	f->left -= k;
}

static inline uint8_t fz_u8(struct fz *f)
{
	uint8_t v;

	fz_take(f, &v, sizeof(v));
	return v;
}

static inline uint16_t fz_u16(struct fz *f)
{
	uint16_t v;

	fz_take(f, &v, sizeof(v));
	return v;
}

static inline uint32_t fz_u32(struct fz *f)
{
	uint32_t v;

	fz_take(f, &v, sizeof(v));
	return v;
}

static inline uint64_t fz_u64(struct fz *f)
{
	uint64_t v;

	fz_take(f, &v, sizeof(v));
	return v;
}

#endif /* OVB_FUZZ_INPUT_H */
