// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * Guest RAM (hostside/vmm/memory.c) without KVM: the one GPA -> HVA
 * translation and ring page mapping, against the layout vm.h promises —
 * RAM below VM_LOW_MEM_END at GPA 0, the rest at VM_HIGH_MEM_BASE, a hole
 * between. Ranges that end on the last byte, cross the end, cross the
 * hole, wrap around 2^64, and page numbers whose address overflows.
 * The RAM is a sparse memfd: a 3 GiB guest costs only the pages touched.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "hostside/vmm/vm.h"

int log_verbose;

#define PG 4096ull
#define SMALL (64ull << 20)
/* Two pages above the hole: RAM is [0, 3 GiB) and [4 GiB, 4 GiB + 8 KiB). */
#define BIG (VM_LOW_MEM_END + 2 * PG)
#define HIGH_END (VM_HIGH_MEM_BASE + 2 * PG)

static void ram(struct vm *vm, uint64_t size)
{
	memset(vm, 0, sizeof(*vm));
	assert_int_equal(vm_ram_create(vm, size), 0);
	assert_int_equal(vm->low_size, size < VM_LOW_MEM_END ? size : VM_LOW_MEM_END);
}

/* The byte at memfd offset @off, read past the mapping under test. */
static uint8_t memfd_byte(struct vm *vm, uint64_t off)
{
	uint8_t b = 0;

	assert_int_equal(pread(vm->memfd, &b, 1, (off_t)off), 1);
	return b;
}

static void test_small_ram_bounds(void **state)
{
	struct vm vm;

	(void)state;
	ram(&vm, SMALL);
	assert_ptr_equal(vm_gpa_to_hva(&vm, 0, 1), vm.ram);
	assert_ptr_equal(vm_gpa_to_hva(&vm, 0, SMALL), vm.ram);		/* all of it */
	assert_ptr_equal(vm_gpa_to_hva(&vm, SMALL - 1, 1), vm.ram + SMALL - 1);
	assert_ptr_equal(vm_gpa_to_hva(&vm, SMALL - PG, PG), vm.ram + SMALL - PG);
	assert_ptr_equal(vm_gpa_to_hva(&vm, SMALL - 8, 0), vm.ram + SMALL - 8);	/* 0 is 1 */
	assert_null(vm_gpa_to_hva(&vm, SMALL, 0));
	assert_null(vm_gpa_to_hva(&vm, SMALL, 1));
	assert_null(vm_gpa_to_hva(&vm, SMALL - PG, PG + 1));	/* one byte past the end */
	assert_null(vm_gpa_to_hva(&vm, 0, SMALL + 1));
	assert_null(vm_gpa_to_hva(&vm, 1, SMALL));
	/* gpa + len wraps around 2^64 to a small number: still outside. */
	assert_null(vm_gpa_to_hva(&vm, UINT64_MAX - 7, 16));
	assert_null(vm_gpa_to_hva(&vm, 8, UINT64_MAX));
	assert_null(vm_gpa_to_hva(&vm, UINT64_MAX, 1));
	/* Nothing of a small guest lives above 4 GiB. */
	assert_null(vm_gpa_to_hva(&vm, VM_HIGH_MEM_BASE, 1));
	assert_null(vm_gpa_to_hva(&vm, VM_HIGH_MEM_BASE + SMALL - 1, 1));
	vm_ram_destroy(&vm);
}

static void test_big_ram_hole(void **state)
{
	struct vm vm;
	uint8_t *p;

	(void)state;
	ram(&vm, BIG);
	/* Last low byte and page; the hole; the high RAM's first and last. */
	assert_ptr_equal(vm_gpa_to_hva(&vm, VM_LOW_MEM_END - 1, 1), vm.ram + VM_LOW_MEM_END - 1);
	assert_ptr_equal(vm_gpa_to_hva(&vm, VM_LOW_MEM_END - PG, PG),
			 vm.ram + VM_LOW_MEM_END - PG);
	assert_null(vm_gpa_to_hva(&vm, VM_LOW_MEM_END - PG, PG + 1));	/* into the hole */
	assert_null(vm_gpa_to_hva(&vm, VM_LOW_MEM_END - 8, VM_HIGH_MEM_BASE));
	assert_null(vm_gpa_to_hva(&vm, VM_LOW_MEM_END, 1));
	assert_null(vm_gpa_to_hva(&vm, VM_MMIO_WINDOW_BASE, 8));
	assert_null(vm_gpa_to_hva(&vm, VM_HIGH_MEM_BASE - 1, 2));	/* hole -> high RAM */
	assert_ptr_equal(vm_gpa_to_hva(&vm, VM_HIGH_MEM_BASE, 1), vm.ram + VM_LOW_MEM_END);
	assert_ptr_equal(vm_gpa_to_hva(&vm, VM_HIGH_MEM_BASE, 2 * PG), vm.ram + VM_LOW_MEM_END);
	assert_ptr_equal(vm_gpa_to_hva(&vm, HIGH_END - 1, 1), vm.ram + BIG - 1);
	assert_null(vm_gpa_to_hva(&vm, HIGH_END - 1, 2));
	assert_null(vm_gpa_to_hva(&vm, HIGH_END, 1));
	assert_null(vm_gpa_to_hva(&vm, VM_HIGH_MEM_BASE, 2 * PG + 1));
	/* The size of all RAM fits nowhere but at 0 ... and there it crosses the hole. */
	assert_null(vm_gpa_to_hva(&vm, 0, BIG));

	/* The high GPA is the memfd's offset after the low RAM. */
	p = vm_gpa_to_hva(&vm, VM_HIGH_MEM_BASE + PG + 5, 1);
	assert_non_null(p);
	*p = 0xa5;
	assert_int_equal(memfd_byte(&vm, VM_LOW_MEM_END + PG + 5), 0xa5);
	vm_ram_destroy(&vm);
}

/* RAM that ends exactly at the hole has nothing above it. */
static void test_ram_ends_at_hole(void **state)
{
	struct vm vm;

	(void)state;
	ram(&vm, VM_LOW_MEM_END);
	assert_non_null(vm_gpa_to_hva(&vm, VM_LOW_MEM_END - PG, PG));
	assert_null(vm_gpa_to_hva(&vm, VM_LOW_MEM_END, 1));
	assert_null(vm_gpa_to_hva(&vm, VM_HIGH_MEM_BASE, 1));
	vm_ram_destroy(&vm);
}

static void test_map_pages_alias(void **state)
{
	/* Scattered, out of order, one above the hole, the last page of RAM. */
	const uint64_t pfns[] = { 7, 3, VM_HIGH_MEM_BASE / PG, HIGH_END / PG - 1 };
	const uint32_t n = 4;
	struct vm vm;
	uint8_t *m;

	(void)state;
	ram(&vm, BIG);
	m = vm_map_pages(&vm, pfns, n, true);
	assert_non_null(m);
	for (uint32_t i = 0; i < n; i++) {
		uint8_t *g = vm_gpa_to_hva(&vm, pfns[i] * PG, PG);

		assert_non_null(g);
		m[i * PG + 17] = (uint8_t)(0x40 + i);		/* through the mapping ... */
		assert_int_equal(g[17], 0x40 + i);		/* ... is the guest page */
		g[PG - 1] = (uint8_t)(0x80 + i);
		assert_int_equal(m[i * PG + PG - 1], 0x80 + i);
		assert_int_equal(m[(n + i) * PG + 17], 0x40 + i);	/* the second copy */
	}
	vm_unmap_pages(m, n, true);

	m = vm_map_pages(&vm, pfns, n, false);
	assert_non_null(m);
	assert_int_equal(m[2 * PG + 17], 0x42);
	vm_unmap_pages(m, n, false);
	vm_ram_destroy(&vm);
}

static void test_map_pages_rejects(void **state)
{
	struct vm vm;
	uint64_t pfn;

	(void)state;
	ram(&vm, BIG);
	pfn = 1;
	assert_null(vm_map_pages(&vm, &pfn, 0, false));			/* nothing */
	pfn = VM_LOW_MEM_END / PG;
	assert_null(vm_map_pages(&vm, &pfn, 1, false));			/* the hole */
	pfn = VM_HIGH_MEM_BASE / PG - 1;
	assert_null(vm_map_pages(&vm, &pfn, 1, true));			/* last hole page */
	pfn = HIGH_END / PG;
	assert_null(vm_map_pages(&vm, &pfn, 1, false));			/* past the end */
	/* Page numbers whose address wraps: 2^52 + the first high page. */
	pfn = (1ull << 52) | (VM_HIGH_MEM_BASE / PG);
	assert_null(vm_map_pages(&vm, &pfn, 1, false));
	pfn = (1ull << 52) | 1;			/* would wrap to GPA 0x1000 */
	assert_null(vm_map_pages(&vm, &pfn, 1, false));
	pfn = UINT64_MAX;
	assert_null(vm_map_pages(&vm, &pfn, 1, false));

	/* One bad page anywhere fails the whole mapping. */
	{
		uint64_t pfns[3] = { 1, 2, VM_LOW_MEM_END / PG + 1 };

		assert_null(vm_map_pages(&vm, pfns, 3, true));
		pfns[2] = 3;
		void *m = vm_map_pages(&vm, pfns, 3, true);

		assert_non_null(m);
		vm_unmap_pages(m, 3, true);
	}
	vm_ram_destroy(&vm);
}

/* More pages than a ring may have are refused before the list is read. */
static void test_map_pages_count_limit(void **state)
{
	struct vm vm;
	uint64_t pfn = 0;

	(void)state;
	ram(&vm, SMALL);
	assert_null(vm_map_pages(&vm, &pfn, (1u << 20) + 1, false));	/* reads 1 entry */
	assert_null(vm_map_pages(&vm, &pfn, UINT32_MAX, true));
	vm_ram_destroy(&vm);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_small_ram_bounds),
		cmocka_unit_test(test_big_ram_hole),
		cmocka_unit_test(test_ram_ends_at_hole),
		cmocka_unit_test(test_map_pages_alias),
		cmocka_unit_test(test_map_pages_rejects),
		cmocka_unit_test(test_map_pages_count_limit),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
