// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * libFuzzer: hostile GPAs, lengths and page lists into the host's guest
 * RAM translation (hostside/vmm/memory.c). Every input gets a fresh RAM
 * of one of four layouts (byte 0): 1 MiB, one page, exactly up to the
 * MMIO hole, or the hole plus two pages above 4 GiB. Then a script of
 * operations: translate (gpa, len) or map up to 16 pages once or twice.
 * Each answer is checked against a model of the layout written apart
 * from the code (128-bit arithmetic, no overflow to get wrong), and what
 * is mapped must be the guest's page: written through one, read through
 * the other.
 */
#include <stdbool.h>
#include <stdlib.h>
#include <unistd.h>

#include "tests/fuzz/fuzz_input.h"
#include "hostside/vmm/vm.h"

#define PG 4096ull

int log_verbose;
int LLVMFuzzerTestOneInput(const uint8_t *in, size_t size);

static const uint64_t layouts[] = {
	1ull << 20, PG, VM_LOW_MEM_END, VM_LOW_MEM_END + 2 * PG,
};

/* The model: the memfd offset of [gpa, gpa + len), or -1. */
static int64_t model(uint64_t ram, uint64_t gpa, uint64_t len)
{
	unsigned __int128 end = (unsigned __int128)gpa + len;
	uint64_t low = ram < VM_LOW_MEM_END ? ram : VM_LOW_MEM_END;

	if (end <= low)
		return (int64_t)gpa;
	if (gpa >= VM_HIGH_MEM_BASE && end <= (unsigned __int128)VM_HIGH_MEM_BASE + (ram - low))
		return (int64_t)(gpa - VM_HIGH_MEM_BASE + low);
	return -1;
}

/* Pick GPAs near the edges more often than uniformly. */
static uint64_t pick_gpa(struct fz *f, uint64_t ram)
{
	static const uint64_t edges[] = { 0, VM_LOW_MEM_END, VM_HIGH_MEM_BASE, 0 };
	uint8_t how = fz_u8(f);
	uint64_t v = fz_u64(f);

	switch (how & 3) {
	case 0:
		return v;
	case 1:
		return ram + (int64_t)(int16_t)v;		/* near the end of low RAM */
	case 2:
		return VM_HIGH_MEM_BASE + (ram > VM_LOW_MEM_END ? ram - VM_LOW_MEM_END : 0) +
		       (int64_t)(int16_t)v;			/* near the end of high RAM */
	default:
		return edges[(how >> 2) & 3] + (int64_t)(int16_t)v;
	}
}

static void check_byte(struct vm *vm, uint8_t *hva, int64_t off, uint8_t val)
{
	uint8_t b = 0;

	*hva = val;
	if (pread(vm->memfd, &b, 1, off) != 1 || b != val)
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *in, size_t size)
{
	struct fz f = { in, size };
	struct vm vm = { 0 };
	uint64_t ram = layouts[fz_u8(&f) & 3];

	if (vm_ram_create(&vm, ram))
		abort();
	for (int step = 0; step < 32 && f.left; step++) {
		uint8_t op = fz_u8(&f);

		if (!(op & 1)) {
			uint64_t gpa = pick_gpa(&f, ram);
			uint64_t len = (op & 2) ? fz_u64(&f) : fz_u16(&f);
			int64_t want = model(ram, gpa, len ? len : 1);
			uint8_t *p = vm_gpa_to_hva(&vm, gpa, len);

			if ((want < 0) != !p || (p && p != vm.ram + want))
				abort();
			if (p) {	/* the first and last byte are the guest's */
				check_byte(&vm, p, want, op);
				if (len > 1)
					check_byte(&vm, p + len - 1, want + (int64_t)len - 1, op ^ 0xff);
			}
		} else {
			uint64_t pfns[16];
			uint32_t n = (op >> 2) & 15;
			bool twice = op & 2, ok = n > 0;
			uint8_t *m;

			for (uint32_t i = 0; i < n; i++) {
				uint8_t how = fz_u8(&f);

				pfns[i] = (how & 1) ? fz_u64(&f) : pick_gpa(&f, ram) / PG;
				if (pfns[i] >> 52 || model(ram, pfns[i] * PG, PG) < 0)
					ok = false;
			}
			m = vm_map_pages(&vm, pfns, n, twice);
			if (ok != !!m)
				abort();
			for (uint32_t i = 0; m && i < n; i++) {
				uint8_t *g = vm_gpa_to_hva(&vm, pfns[i] * PG, PG);
				uint32_t at = (op * 31u + i * 7u) % PG;

				m[i * PG + at] = (uint8_t)(i + op);
				if (g[at] != (uint8_t)(i + op))
					abort();
				g[at] ^= 0x5a;		/* the guest writes: both copies see it */
				if (m[i * PG + at] != (uint8_t)((i + op) ^ 0x5a) ||
				    (twice && m[(n + i) * PG + at] != g[at]))
					abort();
			}
			vm_unmap_pages(m, n, twice);
		}
	}
	vm_ram_destroy(&vm);
	return 0;
}
