/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/*
 * hostside/vmm: KVM mechanics and nothing of Hyper-V — the VM, guest RAM,
 * vCPU threads, the in-kernel irqchip, port I/O devices, Linux boot and
 * ACPI tables. Layers above (hv/, the VMBus server) hook in through the
 * exit handlers and irq helpers declared here.
 */
#ifndef OVB_VMM_VM_H
#define OVB_VMM_VM_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <linux/kvm.h>

#define VM_MAX_VCPUS		64
#define VM_MIN_MEM		(64ull << 20)
/* Guest physical layout below 4 GiB. */
#define VM_LOW_MEM_END		0xC0000000ull	/* RAM above this moves to 4 GiB */
#define VM_MMIO_WINDOW_BASE	0xF0000000ull	/* for VMBus devices (framebuffer) */
#define VM_MMIO_WINDOW_SIZE	0x0C000000ull
#define VM_HIGH_MEM_BASE	0x100000000ull

struct vm;
struct vcpu;

/* What ended the guest; main() turns it into the exit status. */
enum vm_exit_reason {
	VM_RUNNING = 0,
	VM_POWEROFF,
	VM_REBOOT,
	VM_CRASH,
	VM_ERROR,
};

typedef int (*vm_pio_fn)(struct vm *vm, void *opaque, uint16_t port,
			 bool write, uint8_t *data, unsigned int size);
/* KVM_EXIT_HYPERV and MSR-ish exits for the hv layer; returns 0 or -1. */
typedef int (*vm_hyperv_exit_fn)(struct vcpu *vcpu, struct kvm_run *run, void *opaque);
typedef void (*vm_crash_fn)(struct vcpu *vcpu, void *opaque);

struct vcpu {
	struct vm *vm;
	int fd;
	unsigned int index;
	struct kvm_run *run;
	pthread_t thread;
};

struct vm_pio_range {
	uint16_t base, len;
	vm_pio_fn fn;
	void *opaque;
};

struct vm {
	int kvm_fd, vm_fd;
	int memfd;
	uint8_t *ram;			/* host mapping of all guest RAM */
	uint64_t ram_size;
	uint64_t low_size;		/* RAM below 4 GiB, mapped at GPA 0 */
	unsigned int ncpus;
	struct vcpu vcpus[VM_MAX_VCPUS];
	size_t run_size;
	struct vm_pio_range pio[16];
	unsigned int npio;
	vm_hyperv_exit_fn hyperv_exit;
	vm_crash_fn crash;
	void *hv_opaque;
	pthread_mutex_t lock;
	pthread_cond_t done_cond;
	enum vm_exit_reason exit_reason;
	int next_gsi;
};

/* Open /dev/kvm, create the VM with RAM and irqchip. Returns 0 or -1 (logged). */
int vm_create(struct vm *vm, uint64_t ram_size, unsigned int ncpus);
/* Create the vCPU fds (before CPUID/boot set-up); returns 0 or -1. */
int vm_create_vcpus(struct vm *vm);
void vm_destroy(struct vm *vm);

/*
 * Guest RAM alone (memory.c, no KVM): the memfd, its one mapping and the
 * low/high split. vm_create calls it; tests use it over a zeroed vm.
 */
int vm_ram_create(struct vm *vm, uint64_t ram_size);
void vm_ram_destroy(struct vm *vm);

/*
 * The one checked GPA -> HVA translation: NULL unless [gpa, gpa+len) lies
 * entirely in guest RAM. Everything that touches guest memory uses it.
 */
void *vm_gpa_to_hva(struct vm *vm, uint64_t gpa, uint64_t len);

/*
 * Map the guest pages @pfns contiguously (twice back to back when
 * @twice) into host address space, from the RAM memfd. For VMBus rings.
 * Returns the mapping or NULL; unmap with vm_unmap_pages(p, n, twice).
 */
void *vm_map_pages(struct vm *vm, const uint64_t *pfns, uint32_t n, bool twice);
void vm_unmap_pages(void *p, uint32_t n, bool twice);

int vm_register_pio(struct vm *vm, uint16_t base, uint16_t len, vm_pio_fn fn, void *opaque);
/* A KVM_EXIT_IO: each of its accesses to the handler of its port (pio.c). */
void vm_pio_exit(struct vm *vm, struct kvm_run *run);

/* Level-triggered ISA/IOAPIC line (serial, SCI). */
void vm_irq_line(struct vm *vm, unsigned int irq, int level);
/* A fresh GSI number for routing entries (above the ISA/IOAPIC pins). */
int vm_alloc_gsi(struct vm *vm);

/* Start all vCPU threads, wait until the guest ends; returns the reason. */
enum vm_exit_reason vm_run(struct vm *vm);
/* Stop the guest from any thread with the given reason (first one wins). */
void vm_stop(struct vm *vm, enum vm_exit_reason reason);

/*
 * Set every vCPU's CPUID: KVM's supported leaves without its hypervisor
 * leaves, plus @extra (cpuid.c).
 */
int vm_set_cpuid(struct vm *vm, const struct kvm_cpuid_entry2 *extra, unsigned int nextra);

/* Linux boot (boot.c). */
int vm_load_linux(struct vm *vm, const char *kernel, const char *initrd,
		  const char *cmdline);
/* ACPI tables (acpi.c); the VMBus device gets @vmbus_irq. */
int vm_build_acpi(struct vm *vm, uint64_t *rsdp_gpa);
/* Devices (serial.c, platform.c). */
int serial_init(struct vm *vm, const char *spec);
/* Print the guest's last "Kernel panic" console line, if it printed one. */
void serial_report_panic(void);
int platform_init(struct vm *vm);

#define VM_ACPI_SCI_IRQ		9
#define VM_VMBUS_IRQ		5
#define VM_PM1A_EVT_PORT	0x600
#define VM_PM1A_CNT_PORT	0x604
#define VM_ACPI_S5_SLP_TYP	5

/*
 * Memory placed in the VMBus MMIO window (mmio.c): a KVM memslot backed by
 * a fresh memfd over [gpa, gpa + len), page-aligned and inside
 * VM_MMIO_WINDOW_*, overlapping no other; the guest's writes there (its
 * framebuffer) land in the returned host mapping. NULL otherwise (logged).
 * Unmap removes the memslot. Any thread.
 */
void *vm_mmio_map(struct vm *vm, uint64_t gpa, uint64_t len);
void vm_mmio_unmap(struct vm *vm, void *hva);

/*
 * The guest's Hyper-V partition reference time (100 ns units): KVM
 * derives TIME_REF_COUNT and the reference TSC page from its kvmclock,
 * which KVM_GET_CLOCK reads (arch/x86/kvm/hyperv.c). 0 if that fails.
 */
uint64_t vm_ref_time(struct vm *vm);

#endif /* OVB_VMM_VM_H */
