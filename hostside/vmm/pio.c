// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * Port I/O: devices register port ranges; a vCPU's KVM_EXIT_IO (one
 * access, or @count of them for a rep ins/outs) goes to the range's
 * handler. A read starts as all ones, as on a bus with nothing there: a
 * port nobody claims reads 0xff, and so do the bytes of a wide read that
 * a byte-wide register leaves alone (without this they were whatever the
 * previous access left in kvm_run's data area).
 */
#include <string.h>

#include "hostside/vmm/vm.h"

int vm_register_pio(struct vm *vm, uint16_t base, uint16_t len, vm_pio_fn fn, void *opaque)
{
	if (vm->npio >= sizeof(vm->pio) / sizeof(vm->pio[0]))
		return -1;
	vm->pio[vm->npio++] = (struct vm_pio_range){ base, len, fn, opaque };
	return 0;
}

void vm_pio_exit(struct vm *vm, struct kvm_run *run)
{
	uint8_t *data = (uint8_t *)run + run->io.data_offset;
	bool write = run->io.direction == KVM_EXIT_IO_OUT;

	for (uint32_t n = 0; n < run->io.count; n++, data += run->io.size) {
		if (!write)
			memset(data, 0xff, run->io.size);
		for (unsigned int i = 0; i < vm->npio; i++) {
			const struct vm_pio_range *r = &vm->pio[i];

			if (run->io.port >= r->base && run->io.port < r->base + r->len) {
				r->fn(vm, r->opaque, run->io.port, write, data, run->io.size);
				break;
			}
		}
	}
}
