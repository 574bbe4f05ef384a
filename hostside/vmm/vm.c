// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * The KVM VM: guest RAM from one memfd (mapped once; rings are mapped
 * again from the same memfd), vCPU threads that only run KVM_RUN and hand
 * exits off, and the in-kernel irqchip.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include "hostside/vmm/vm.h"
#include "hostside/log.h"

#define PAGE_SIZE 4096ull

int vm_create(struct vm *vm, uint64_t ram_size, unsigned int ncpus)
{
	struct kvm_userspace_memory_region reg;
	struct kvm_pit_config pit = { .flags = KVM_PIT_SPEAKER_DUMMY };
	int ret;

	memset(vm, 0, sizeof(*vm));
	pthread_mutex_init(&vm->lock, NULL);
	pthread_cond_init(&vm->done_cond, NULL);
	vm->ncpus = ncpus;
	vm->ram_size = ram_size;
	vm->next_gsi = 24;	/* 0..23 are the IOAPIC pins */

	vm->kvm_fd = open("/dev/kvm", O_RDWR | O_CLOEXEC);
	if (vm->kvm_fd < 0) {
		log_err("cannot open /dev/kvm: %s (is KVM available and are you allowed to use it?)",
			strerror(errno));
		return -1;
	}
	ret = ioctl(vm->kvm_fd, KVM_GET_API_VERSION, 0);
	if (ret != KVM_API_VERSION) {
		log_err("unsupported KVM API version %d", ret);
		return -1;
	}
	if (ioctl(vm->kvm_fd, KVM_CHECK_EXTENSION, KVM_CAP_HYPERV_SYNIC2) <= 0 ||
	    ioctl(vm->kvm_fd, KVM_CHECK_EXTENSION, KVM_CAP_HYPERV_EVENTFD) <= 0 ||
	    ioctl(vm->kvm_fd, KVM_CHECK_EXTENSION, KVM_CAP_HYPERV_CPUID) <= 0) {
		log_err("this KVM has no Hyper-V support (needs KVM_CAP_HYPERV_SYNIC2, "
			"KVM_CAP_HYPERV_EVENTFD, KVM_CAP_HYPERV_CPUID)");
		return -1;
	}
	vm->vm_fd = ioctl(vm->kvm_fd, KVM_CREATE_VM, 0);
	if (vm->vm_fd < 0) {
		log_err("KVM_CREATE_VM: %s", strerror(errno));
		return -1;
	}
	vm->run_size = ioctl(vm->kvm_fd, KVM_GET_VCPU_MMAP_SIZE, 0);

	/* Intel needs these below 4 GiB and out of RAM; harmless on AMD. */
	ioctl(vm->vm_fd, KVM_SET_TSS_ADDR, 0xfffbd000ul);
	uint64_t idmap = 0xfffbc000ul;
	ioctl(vm->vm_fd, KVM_SET_IDENTITY_MAP_ADDR, &idmap);

	if (ioctl(vm->vm_fd, KVM_CREATE_IRQCHIP, 0) < 0) {
		log_err("KVM_CREATE_IRQCHIP: %s", strerror(errno));
		return -1;
	}
	if (ioctl(vm->vm_fd, KVM_CREATE_PIT2, &pit) < 0) {
		log_err("KVM_CREATE_PIT2: %s", strerror(errno));
		return -1;
	}

	vm->memfd = memfd_create("ovb-guest-ram", MFD_CLOEXEC);
	if (vm->memfd < 0 || ftruncate(vm->memfd, (off_t)ram_size) < 0) {
		log_err("guest RAM (%llu MiB): %s", (unsigned long long)(ram_size >> 20),
			strerror(errno));
		return -1;
	}
	vm->ram = mmap(NULL, ram_size, PROT_READ | PROT_WRITE, MAP_SHARED, vm->memfd, 0);
	if (vm->ram == MAP_FAILED) {
		log_err("mapping guest RAM: %s", strerror(errno));
		return -1;
	}
	/*
	 * Huge pages cut the guest's second-level page faults 512-fold; for a
	 * memfd the host must allow them (shmem_enabled = advise or always).
	 */
	madvise(vm->ram, ram_size, MADV_HUGEPAGE);

	vm->low_size = ram_size < VM_LOW_MEM_END ? ram_size : VM_LOW_MEM_END;
	reg = (struct kvm_userspace_memory_region){
		.slot = 0,
		.guest_phys_addr = 0,
		.memory_size = vm->low_size,
		.userspace_addr = (uintptr_t)vm->ram,
	};
	if (ioctl(vm->vm_fd, KVM_SET_USER_MEMORY_REGION, &reg) < 0) {
		log_err("KVM_SET_USER_MEMORY_REGION: %s", strerror(errno));
		return -1;
	}
	if (ram_size > vm->low_size) {
		reg = (struct kvm_userspace_memory_region){
			.slot = 1,
			.guest_phys_addr = VM_HIGH_MEM_BASE,
			.memory_size = ram_size - vm->low_size,
			.userspace_addr = (uintptr_t)vm->ram + vm->low_size,
		};
		if (ioctl(vm->vm_fd, KVM_SET_USER_MEMORY_REGION, &reg) < 0) {
			log_err("KVM_SET_USER_MEMORY_REGION (high): %s", strerror(errno));
			return -1;
		}
	}
	return 0;
}

int vm_create_vcpus(struct vm *vm)
{
	for (unsigned int i = 0; i < vm->ncpus; i++) {
		struct vcpu *v = &vm->vcpus[i];

		v->vm = vm;
		v->index = i;
		v->fd = ioctl(vm->vm_fd, KVM_CREATE_VCPU, i);
		if (v->fd < 0) {
			log_err("KVM_CREATE_VCPU %u: %s", i, strerror(errno));
			return -1;
		}
		v->run = mmap(NULL, vm->run_size, PROT_READ | PROT_WRITE, MAP_SHARED, v->fd, 0);
		if (v->run == MAP_FAILED) {
			log_err("mmap kvm_run: %s", strerror(errno));
			return -1;
		}
	}
	return 0;
}

void vm_destroy(struct vm *vm)
{
	for (unsigned int i = 0; i < vm->ncpus; i++) {
		if (vm->vcpus[i].run)
			munmap(vm->vcpus[i].run, vm->run_size);
		if (vm->vcpus[i].fd > 0)
			close(vm->vcpus[i].fd);
	}
	if (vm->ram)
		munmap(vm->ram, vm->ram_size);
	if (vm->memfd > 0)
		close(vm->memfd);
	if (vm->vm_fd > 0)
		close(vm->vm_fd);
	if (vm->kvm_fd > 0)
		close(vm->kvm_fd);
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

int vm_register_pio(struct vm *vm, uint16_t base, uint16_t len, vm_pio_fn fn, void *opaque)
{
	if (vm->npio >= sizeof(vm->pio) / sizeof(vm->pio[0]))
		return -1;
	vm->pio[vm->npio++] = (struct vm_pio_range){ base, len, fn, opaque };
	return 0;
}

void vm_irq_line(struct vm *vm, unsigned int irq, int level)
{
	struct kvm_irq_level l = { .irq = irq, .level = level };

	ioctl(vm->vm_fd, KVM_IRQ_LINE, &l);
}

int vm_alloc_gsi(struct vm *vm)
{
	int gsi;

	pthread_mutex_lock(&vm->lock);
	gsi = vm->next_gsi++;
	pthread_mutex_unlock(&vm->lock);
	return gsi;
}

void vm_stop(struct vm *vm, enum vm_exit_reason reason)
{
	pthread_mutex_lock(&vm->lock);
	if (vm->exit_reason == VM_RUNNING) {
		vm->exit_reason = reason;
		pthread_cond_broadcast(&vm->done_cond);
	}
	pthread_mutex_unlock(&vm->lock);
}

static void vcpu_pio(struct vcpu *v, struct kvm_run *run)
{
	struct vm *vm = v->vm;
	uint8_t *data = (uint8_t *)run + run->io.data_offset;
	bool write = run->io.direction == KVM_EXIT_IO_OUT;

	for (uint32_t n = 0; n < run->io.count; n++, data += run->io.size) {
		unsigned int i;

		for (i = 0; i < vm->npio; i++) {
			const struct vm_pio_range *r = &vm->pio[i];

			if (run->io.port >= r->base && run->io.port < r->base + r->len) {
				r->fn(vm, r->opaque, run->io.port, write, data, run->io.size);
				break;
			}
		}
		if (i == vm->npio && !write)
			memset(data, 0xff, run->io.size);	/* nothing there */
	}
}

static void *vcpu_thread(void *arg)
{
	struct vcpu *v = arg;
	struct vm *vm = v->vm;
	struct kvm_run *run = v->run;
	char name[16];

	snprintf(name, sizeof(name), "vcpu%u", v->index);
	pthread_setname_np(pthread_self(), name);
	for (;;) {
		if (ioctl(v->fd, KVM_RUN, 0) < 0) {
			if (errno == EINTR || errno == EAGAIN) {
				if (vm->exit_reason != VM_RUNNING)
					break;
				continue;
			}
			log_err("vcpu%u: KVM_RUN: %s", v->index, strerror(errno));
			vm_stop(vm, VM_ERROR);
			break;
		}
		switch (run->exit_reason) {
		case KVM_EXIT_IO:
			vcpu_pio(v, run);
			break;
		case KVM_EXIT_MMIO:
			if (!run->mmio.is_write)
				memset(run->mmio.data, 0xff, sizeof(run->mmio.data));
			break;
		case KVM_EXIT_HYPERV:
			if (!vm->hyperv_exit || vm->hyperv_exit(v, run, vm->hv_opaque) < 0)
				vm_stop(vm, VM_ERROR);
			break;
		case KVM_EXIT_SYSTEM_EVENT:
			switch (run->system_event.type) {
			case KVM_SYSTEM_EVENT_SHUTDOWN:
				vm_stop(vm, VM_POWEROFF);
				break;
			case KVM_SYSTEM_EVENT_RESET:
				vm_stop(vm, VM_REBOOT);
				break;
			case KVM_SYSTEM_EVENT_CRASH:
				if (vm->crash)
					vm->crash(v, vm->hv_opaque);
				vm_stop(vm, VM_CRASH);
				break;
			default:
				break;
			}
			break;
		case KVM_EXIT_SHUTDOWN:
			/* Triple fault: what Linux falls back to for a reboot. */
			vm_stop(vm, VM_REBOOT);
			break;
		case KVM_EXIT_HLT:
			break;
		case KVM_EXIT_INTR:
			break;
		case KVM_EXIT_FAIL_ENTRY:
			log_err("vcpu%u: entry failed, reason 0x%llx", v->index,
				(unsigned long long)run->fail_entry.hardware_entry_failure_reason);
			vm_stop(vm, VM_ERROR);
			break;
		case KVM_EXIT_INTERNAL_ERROR:
			log_err("vcpu%u: KVM internal error, suberror %u", v->index,
				run->internal.suberror);
			vm_stop(vm, VM_ERROR);
			break;
		default:
			log_err("vcpu%u: unhandled exit %u", v->index, run->exit_reason);
			vm_stop(vm, VM_ERROR);
			break;
		}
		if (vm->exit_reason != VM_RUNNING)
			break;
	}
	return NULL;
}

static void vcpu_kick_handler(int sig)
{
	(void)sig;
}

enum vm_exit_reason vm_run(struct vm *vm)
{
	struct sigaction sa = { .sa_handler = vcpu_kick_handler };
	enum vm_exit_reason reason;

	sigaction(SIGUSR1, &sa, NULL);
	for (unsigned int i = 0; i < vm->ncpus; i++)
		pthread_create(&vm->vcpus[i].thread, NULL, vcpu_thread, &vm->vcpus[i]);

	pthread_mutex_lock(&vm->lock);
	while (vm->exit_reason == VM_RUNNING)
		pthread_cond_wait(&vm->done_cond, &vm->lock);
	reason = vm->exit_reason;
	pthread_mutex_unlock(&vm->lock);

	/* Kick vCPUs out of KVM_RUN; they see exit_reason and leave. */
	for (unsigned int i = 0; i < vm->ncpus; i++) {
		vm->vcpus[i].run->immediate_exit = 1;
		pthread_kill(vm->vcpus[i].thread, SIGUSR1);
	}
	for (unsigned int i = 0; i < vm->ncpus; i++)
		pthread_join(vm->vcpus[i].thread, NULL);
	return reason;
}
