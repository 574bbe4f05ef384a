// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * Linux x86 boot protocol (Documentation/x86/boot.rst), 64-bit entry:
 * the protected-mode kernel is loaded at 1 MiB and entered at +0x200 in
 * long mode with identity-mapped page tables, RSI pointing at the zero
 * page. We enter in 64-bit mode directly (as Firecracker does) because it
 * needs no real-mode firmware and costs nothing at boot.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>
#include <asm/bootparam.h>

#include "hostside/vmm/vm.h"
#include "hostside/log.h"

#define BOOT_GDT_ADDR		0x500
#define BOOT_ZERO_PAGE		0x7000
#define BOOT_PML4		0x9000
#define BOOT_PDPT		0xa000
#define BOOT_PD			0xb000	/* four pages: 0xb000..0xefff */
#define BOOT_CMDLINE		0x20000
#define BOOT_CMDLINE_MAX	0x10000
#define KERNEL_LOAD		0x100000
#define EBDA_START		0x9fc00
#define E820_TYPE_RAM		1
#define E820_TYPE_RESERVED	2

/* Open @path and return its size; -1 (logged) on error. */
static int open_sized(const char *path, size_t *len)
{
	struct stat st;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0) {
		log_err("%s: %s", path, strerror(errno));
		return -1;
	}
	if (fstat(fd, &st) < 0 || st.st_size <= 0) {
		log_err("%s: empty or unreadable", path);
		close(fd);
		return -1;
	}
	*len = st.st_size;
	return fd;
}

/* Read @len bytes at @off of @fd straight into guest memory at @gpa. */
static int read_to_guest(struct vm *vm, int fd, off_t off, uint64_t gpa, size_t len,
			 const char *what)
{
	uint8_t *dst = vm_gpa_to_hva(vm, gpa, len);
	size_t done = 0;

	if (!dst)
		return -1;
	while (done < len) {
		ssize_t n = pread(fd, dst + done, len - done, off + (off_t)done);

		if (n <= 0) {
			log_err("%s: read failed", what);
			return -1;
		}
		done += (size_t)n;
	}
	return 0;
}

static void e820_add(struct boot_params *bp, uint64_t addr, uint64_t size, uint32_t type)
{
	struct boot_e820_entry *e = &bp->e820_table[bp->e820_entries++];

	e->addr = addr;
	e->size = size;
	e->type = type;
}

/* Identity-map the first 4 GiB with 2 MiB pages. */
static void setup_page_tables(struct vm *vm)
{
	uint64_t *pml4 = vm_gpa_to_hva(vm, BOOT_PML4, 4096);
	uint64_t *pdpt = vm_gpa_to_hva(vm, BOOT_PDPT, 4096);
	uint64_t *pd = vm_gpa_to_hva(vm, BOOT_PD, 4 * 4096);

	memset(pml4, 0, 4096);
	memset(pdpt, 0, 4096);
	pml4[0] = BOOT_PDPT | 0x3;
	for (int i = 0; i < 4; i++)
		pdpt[i] = (BOOT_PD + i * 4096) | 0x3;
	for (int i = 0; i < 4 * 512; i++)
		pd[i] = ((uint64_t)i << 21) | 0x83;	/* present, rw, 2 MiB */
}

static void seg(struct kvm_segment *s, uint16_t sel, uint8_t type, bool code64)
{
	*s = (struct kvm_segment){
		.base = 0, .limit = 0xffffffff, .selector = sel, .type = type,
		.present = 1, .dpl = 0, .db = code64 ? 0 : 1, .s = 1,
		.l = code64 ? 1 : 0, .g = 1,
	};
}

static int setup_boot_cpu(struct vm *vm)
{
	struct vcpu *v = &vm->vcpus[0];
	struct kvm_sregs sregs;
	struct kvm_regs regs = { 0 };
	uint64_t *gdt = vm_gpa_to_hva(vm, BOOT_GDT_ADDR, 4 * 8);

	/* null, unused, code (0x10), data (0x18): the selectors Linux expects. */
	gdt[0] = 0;
	gdt[1] = 0;
	gdt[2] = 0x00af9b000000ffffull;
	gdt[3] = 0x00cf93000000ffffull;

	if (ioctl(v->fd, KVM_GET_SREGS, &sregs) < 0)
		return -1;
	seg(&sregs.cs, 0x10, 0xb, true);
	seg(&sregs.ds, 0x18, 0x3, false);
	sregs.es = sregs.fs = sregs.gs = sregs.ss = sregs.ds;
	sregs.gdt.base = BOOT_GDT_ADDR;
	sregs.gdt.limit = 4 * 8 - 1;
	sregs.cr3 = BOOT_PML4;
	sregs.cr4 = 0x20;			/* PAE */
	sregs.cr0 = 0x80000011;			/* PG | ET | PE */
	sregs.efer = 0x500;			/* LMA | LME */
	if (ioctl(v->fd, KVM_SET_SREGS, &sregs) < 0)
		return -1;

	regs.rflags = 0x2;
	regs.rip = KERNEL_LOAD + 0x200;		/* startup_64 */
	regs.rsi = BOOT_ZERO_PAGE;
	if (ioctl(v->fd, KVM_SET_REGS, &regs) < 0)
		return -1;
	return 0;
}

int vm_load_linux(struct vm *vm, const char *kernel, const char *initrd,
		  const char *cmdline)
{
	struct boot_params *bp = vm_gpa_to_hva(vm, BOOT_ZERO_PAGE, sizeof(*bp));
	struct setup_header *hdr;
	uint8_t head[0x1000];
	size_t klen, ilen = 0, setup_len, hdr_end;
	uint64_t rsdp, initrd_addr = 0, initrd_max;
	int kfd, ifd = -1, ret = -1;

	/*
	 * Kernel and initrd are read straight into guest memory: no copy of
	 * them ever sits in ovb-host's own heap.
	 */
	kfd = open_sized(kernel, &klen);
	if (kfd < 0)
		return -1;
	if (initrd && (ifd = open_sized(initrd, &ilen)) < 0)
		goto out;

	if (klen < sizeof(head) || pread(kfd, head, sizeof(head), 0) != sizeof(head) ||
	    memcmp(head + 0x202, "HdrS", 4)) {
		log_err("%s: not a bzImage", kernel);
		goto out;
	}
	memset(bp, 0, sizeof(*bp));
	hdr_end = 0x202 + head[0x201];
	memcpy(&bp->hdr, head + 0x1f1, hdr_end - 0x1f1);
	hdr = &bp->hdr;
	if (hdr->version < 0x020c || !(hdr->xloadflags & XLF_KERNEL_64)) {
		log_err("%s: boot protocol %x without a 64-bit entry point", kernel,
			hdr->version);
		goto out;
	}
	setup_len = ((hdr->setup_sects ? hdr->setup_sects : 4) + 1) * 512;
	if (setup_len >= klen || klen - setup_len > vm->low_size - KERNEL_LOAD - (64 << 20)) {
		log_err("%s: kernel does not fit in guest RAM", kernel);
		goto out;
	}
	if (read_to_guest(vm, kfd, (off_t)setup_len, KERNEL_LOAD, klen - setup_len, kernel))
		goto out;

	hdr->type_of_loader = 0xff;
	hdr->loadflags |= LOADED_HIGH | CAN_USE_HEAP | KEEP_SEGMENTS;
	hdr->heap_end_ptr = 0xfe00;
	hdr->vid_mode = 0xffff;
	if (strlen(cmdline) >= BOOT_CMDLINE_MAX || strlen(cmdline) >= hdr->cmdline_size) {
		log_err("kernel command line too long");
		goto out;
	}
	strcpy(vm_gpa_to_hva(vm, BOOT_CMDLINE, BOOT_CMDLINE_MAX), cmdline);
	hdr->cmd_line_ptr = BOOT_CMDLINE;

	if (ifd >= 0) {
		initrd_max = hdr->initrd_addr_max;
		if (initrd_max > vm->low_size - 1)
			initrd_max = vm->low_size - 1;
		initrd_addr = (initrd_max - ilen) & ~0xfffull;
		if (ilen > initrd_max || initrd_addr < KERNEL_LOAD + klen + (32 << 20)) {
			log_err("%s: initrd does not fit in guest RAM", initrd);
			goto out;
		}
		if (read_to_guest(vm, ifd, 0, initrd_addr, ilen, initrd))
			goto out;
		hdr->ramdisk_image = (uint32_t)initrd_addr;
		hdr->ramdisk_size = (uint32_t)ilen;
	}

	e820_add(bp, 0, EBDA_START, E820_TYPE_RAM);
	e820_add(bp, EBDA_START, 0x100000 - EBDA_START, E820_TYPE_RESERVED);
	e820_add(bp, 0x100000, vm->low_size - 0x100000, E820_TYPE_RAM);
	if (vm->ram_size > vm->low_size)
		e820_add(bp, VM_HIGH_MEM_BASE, vm->ram_size - vm->low_size, E820_TYPE_RAM);

	if (vm_build_acpi(vm, &rsdp) < 0)
		goto out;
	bp->acpi_rsdp_addr = rsdp;

	setup_page_tables(vm);
	if (setup_boot_cpu(vm) < 0) {
		log_err("setting up the boot vCPU: %s", strerror(errno));
		goto out;
	}
	ret = 0;
out:
	close(kfd);
	if (ifd >= 0)
		close(ifd);
	return ret;
}
