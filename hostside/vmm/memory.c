// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * Guest RAM: one memfd, mapped once for the whole VM; VMBus rings are
 * mapped again from the same memfd. RAM below VM_LOW_MEM_END sits at GPA 0,
 * the rest at VM_HIGH_MEM_BASE; the hole between is MMIO. Nothing here
 * needs KVM, so the unit tests and fuzzers use the real translation.
 */
#include <errno.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "hostside/vmm/vm.h"
#include "hostside/log.h"

#define PAGE_SIZE 4096ull

int vm_ram_create(struct vm *vm, uint64_t ram_size)
{
	vm->ram_size = ram_size;
	vm->memfd = memfd_create("ovb-guest-ram", MFD_CLOEXEC);
	if (vm->memfd < 0 || ftruncate(vm->memfd, (off_t)ram_size) < 0) {
		log_err("guest RAM (%llu MiB): %s", (unsigned long long)(ram_size >> 20),
			strerror(errno));
		return -1;
	}
	vm->ram = mmap(NULL, ram_size, PROT_READ | PROT_WRITE, MAP_SHARED, vm->memfd, 0);
	if (vm->ram == MAP_FAILED) {
		vm->ram = NULL;
		log_err("mapping guest RAM: %s", strerror(errno));
		return -1;
	}
	/*
	 * Huge pages cut the guest's second-level page faults 512-fold; for a
	 * memfd the host must allow them (shmem_enabled = advise or always).
	 */
	madvise(vm->ram, ram_size, MADV_HUGEPAGE);
	vm->low_size = ram_size < VM_LOW_MEM_END ? ram_size : VM_LOW_MEM_END;
	return 0;
}

void vm_ram_destroy(struct vm *vm)
{
	if (vm->ram)
		munmap(vm->ram, vm->ram_size);
	if (vm->memfd > 0)
		close(vm->memfd);
	vm->ram = NULL;
	vm->memfd = -1;
}

/* Offset of @gpa in the RAM memfd, or -1 if it is not RAM. */
static int64_t vm_gpa_offset(const struct vm *vm, uint64_t gpa, uint64_t len)
{
	if (len > vm->ram_size)
		return -1;
	if (gpa < vm->low_size && len <= vm->low_size - gpa)
		return (int64_t)gpa;
	if (gpa >= VM_HIGH_MEM_BASE) {
		uint64_t off = gpa - VM_HIGH_MEM_BASE, high = vm->ram_size - vm->low_size;

		if (off < high && len <= high - off)
			return (int64_t)(vm->low_size + off);
	}
	return -1;
}

void *vm_gpa_to_hva(struct vm *vm, uint64_t gpa, uint64_t len)
{
	int64_t off = vm_gpa_offset(vm, gpa, len ? len : 1);

	return off < 0 ? NULL : vm->ram + off;
}

void *vm_map_pages(struct vm *vm, const uint64_t *pfns, uint32_t n, bool twice)
{
	size_t span = (size_t)n * PAGE_SIZE * (twice ? 2 : 1);
	uint8_t *base;

	if (!n || n > (1u << 20))
		return NULL;
	for (uint32_t i = 0; i < n; i++)
		if (pfns[i] > (UINT64_MAX >> 12) || vm_gpa_offset(vm, pfns[i] << 12, PAGE_SIZE) < 0)
			return NULL;
	/* Reserve the range, then place each page over it from the memfd. */
	base = mmap(NULL, span, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (base == MAP_FAILED)
		return NULL;
	for (uint32_t copy = 0; copy < (twice ? 2u : 1u); copy++) {
		for (uint32_t i = 0; i < n; i++) {
			uint8_t *at = base + ((size_t)copy * n + i) * PAGE_SIZE;
			int64_t off = vm_gpa_offset(vm, pfns[i] << 12, PAGE_SIZE);

			if (mmap(at, PAGE_SIZE, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_FIXED,
				 vm->memfd, off) == MAP_FAILED) {
				munmap(base, span);
				return NULL;
			}
		}
	}
	return base;
}

void vm_unmap_pages(void *p, uint32_t n, bool twice)
{
	if (p)
		munmap(p, (size_t)n * PAGE_SIZE * (twice ? 2 : 1));
}
