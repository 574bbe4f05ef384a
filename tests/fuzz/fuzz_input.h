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

/* fz_u8() .. fz_u64(): the next field of that width. */
#define FZ_FIELD(name, type)				\
	static inline type name(struct fz *f)		\
	{						\
		type v;					\
							\
		fz_take(f, &v, sizeof(v));		\
		return v;				\
	}
FZ_FIELD(fz_u8, uint8_t)
FZ_FIELD(fz_u16, uint16_t)
FZ_FIELD(fz_u32, uint32_t)
FZ_FIELD(fz_u64, uint64_t)

#endif /* OVB_FUZZ_INPUT_H */
