// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * Memory in the VMBus MMIO window (vm.h, vm_mmio_map): the guest picks a
 * range there from the ACPI _CRS (hyperv_fb's VRAM) and the host backs it
 * with a KVM memslot of fresh memory, so the guest's writes land where a
 * VSP reads them without an exit each.
 *
 * One table for the process: ovb-host runs one VM. Slots 0 and 1 are
 * guest RAM (vm.c); these take VM_MMIO_SLOT_BASE and up, below any KVM's
 * KVM_CAP_NR_MEMSLOTS (32 at the least). Not unit tested (no KVM there):
 * the VMBus server's checks and the fake guest's window are; this file is
 * only the memfd, the mapping and one ioctl each way.
 */
#include <errno.h>
#include <pthread.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include "hostside/log.h"
#include "hostside/vmm/vm.h"

#define VM_MMIO_SLOT_BASE	8
#define VM_MMIO_MAX		8
#define VM_MMIO_PAGE		4096ull

struct vm_mmio_region {
	struct vm *vm;			/* NULL: free */
	uint64_t gpa, len;
	void *hva;
};

static struct vm_mmio_region mmio_regions[VM_MMIO_MAX];
static pthread_mutex_t mmio_lock = PTHREAD_MUTEX_INITIALIZER;

static int mmio_set_slot(struct vm *vm, unsigned int i, uint64_t gpa, uint64_t len, void *hva)
{
	struct kvm_userspace_memory_region reg = {
		.slot = VM_MMIO_SLOT_BASE + i,
		.guest_phys_addr = gpa,
		.memory_size = len,		/* 0 deletes the slot */
		.userspace_addr = (uintptr_t)hva,
	};

	return ioctl(vm->vm_fd, KVM_SET_USER_MEMORY_REGION, &reg);
}

void *vm_mmio_map(struct vm *vm, uint64_t gpa, uint64_t len)
{
	unsigned int i, free_i = VM_MMIO_MAX;
	void *hva = NULL;
	int fd;

	if (!len || ((gpa | len) & (VM_MMIO_PAGE - 1)) || gpa < VM_MMIO_WINDOW_BASE ||
	    len > VM_MMIO_WINDOW_SIZE || gpa - VM_MMIO_WINDOW_BASE > VM_MMIO_WINDOW_SIZE - len)
		return NULL;
	pthread_mutex_lock(&mmio_lock);
	for (i = 0; i < VM_MMIO_MAX; i++) {
		struct vm_mmio_region *r = &mmio_regions[i];

		if (!r->vm) {
			if (free_i == VM_MMIO_MAX)
				free_i = i;
		} else if (r->vm == vm && gpa < r->gpa + r->len && r->gpa < gpa + len) {
			log_err("vmm: MMIO 0x%llx+0x%llx overlaps 0x%llx+0x%llx",
				(unsigned long long)gpa, (unsigned long long)len,
				(unsigned long long)r->gpa, (unsigned long long)r->len);
			goto out;
		}
	}
	if (free_i == VM_MMIO_MAX)
		goto out;
	fd = memfd_create("ovb-mmio", MFD_CLOEXEC);
	if (fd < 0 || ftruncate(fd, (off_t)len)) {
		log_err("vmm: MMIO memory (%llu KiB): %s", (unsigned long long)(len >> 10),
			strerror(errno));
		if (fd >= 0)
			close(fd);
		goto out;
	}
	hva = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	close(fd);	/* the mapping keeps the memory */
	if (hva == MAP_FAILED) {
		hva = NULL;
		goto out;
	}
	if (mmio_set_slot(vm, free_i, gpa, len, hva)) {
		log_err("vmm: KVM_SET_USER_MEMORY_REGION (MMIO 0x%llx): %s",
			(unsigned long long)gpa, strerror(errno));
		munmap(hva, len);
		hva = NULL;
		goto out;
	}
	mmio_regions[free_i] = (struct vm_mmio_region){ vm, gpa, len, hva };
out:
	pthread_mutex_unlock(&mmio_lock);
	return hva;
}

void vm_mmio_unmap(struct vm *vm, void *hva)
{
	pthread_mutex_lock(&mmio_lock);
	for (unsigned int i = 0; i < VM_MMIO_MAX; i++) {
		struct vm_mmio_region *r = &mmio_regions[i];

		if (r->vm != vm || r->hva != hva)
			continue;
		/* The guest sees MMIO there again before the memory goes. */
		if (mmio_set_slot(vm, i, r->gpa, 0, hva))
			log_err("vmm: removing MMIO memslot: %s", strerror(errno));
		munmap(hva, r->len);
		memset(r, 0, sizeof(*r));
		break;
	}
	pthread_mutex_unlock(&mmio_lock);
}
