// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * Guest CPUID: what KVM supports, minus KVM's own hypervisor leaves
 * (0x40000000..0x4fffffff: a guest that sees the KVM signature picks KVM
 * over Hyper-V, see DESIGN.md), plus the leaves the layer above supplies,
 * with each vCPU's APIC id filled in.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>

#include "hostside/vmm/vm.h"
#include "hostside/log.h"

#define CPUID_MAX_ENTRIES 256

int vm_set_cpuid(struct vm *vm, const struct kvm_cpuid_entry2 *extra, unsigned int nextra)
{
	size_t sz = sizeof(struct kvm_cpuid2) + CPUID_MAX_ENTRIES * sizeof(struct kvm_cpuid_entry2);
	struct kvm_cpuid2 *sup = calloc(1, sz), *c = calloc(1, sz);
	int ret = -1;

	if (!sup || !c)
		goto out;
	sup->nent = CPUID_MAX_ENTRIES;
	if (ioctl(vm->kvm_fd, KVM_GET_SUPPORTED_CPUID, sup) < 0) {
		log_err("KVM_GET_SUPPORTED_CPUID: %s", strerror(errno));
		goto out;
	}
	for (unsigned int i = 0; i < sup->nent; i++) {
		uint32_t f = sup->entries[i].function;

		if (f >= 0x40000000 && f <= 0x4fffffff)
			continue;
		c->entries[c->nent++] = sup->entries[i];
	}
	for (unsigned int i = 0; i < nextra && c->nent < CPUID_MAX_ENTRIES; i++)
		c->entries[c->nent++] = extra[i];

	for (unsigned int v = 0; v < vm->ncpus; v++) {
		for (unsigned int i = 0; i < c->nent; i++) {
			struct kvm_cpuid_entry2 *e = &c->entries[i];

			if (e->function == 1) {
				e->ebx = (e->ebx & 0x00ffffff) | (v << 24);
				e->ecx |= 1u << 31;	/* "running on a hypervisor" */
			}
			if (e->function == 0xb || e->function == 0x1f)
				e->edx = v;
		}
		if (ioctl(vm->vcpus[v].fd, KVM_SET_CPUID2, c) < 0) {
			log_err("KVM_SET_CPUID2: %s", strerror(errno));
			goto out;
		}
	}
	ret = 0;
out:
	free(sup);
	free(c);
	return ret;
}
