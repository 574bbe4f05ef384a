// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * The KVM VM: its memory slots over guest RAM (memory.c), vCPU threads
 * that only run KVM_RUN and hand exits off (port I/O to pio.c), and the
 * in-kernel irqchip.
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

	if (vm_ram_create(vm, ram_size))
		return -1;
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
	vm_ram_destroy(vm);
	if (vm->vm_fd > 0)
		close(vm->vm_fd);
	if (vm->kvm_fd > 0)
		close(vm->kvm_fd);
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
			vm_pio_exit(vm, run);
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

uint64_t vm_ref_time(struct vm *vm)
{
	struct kvm_clock_data c = { 0 };

	if (ioctl(vm->vm_fd, KVM_GET_CLOCK, &c)) {
		log_err("KVM_GET_CLOCK: %s", strerror(errno));
		return 0;
	}
	return c.clock / 100;
}
