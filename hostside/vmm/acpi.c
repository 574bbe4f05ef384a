// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * ACPI tables: RSDP -> XSDT -> FADT (-> DSDT), MADT. Layouts from the ACPI
 * 6.x specification; the DSDT is compiled from dsdt.asl by iasl at build
 * time. The FADT is a full (not hardware-reduced) one with a PM1a event
 * and control block in I/O space, so that Linux powers off through the
 * \_S5 sleep type written to PM1a_CNT, and a reset register at 0xcf9.
 */
#include <string.h>

#include "hostside/vmm/vm.h"
#include "hostside/log.h"
#include "dsdt.hex"	/* generated: unsigned char dsdt_aml_code[] */

#define ACPI_BASE	0xE0000	/* in the reserved BIOS area, found by scans too */

struct acpi_header {
	char signature[4];
	uint32_t length;
	uint8_t revision;
	uint8_t checksum;
	char oem_id[6];
	char oem_table_id[8];
	uint32_t oem_revision;
	char creator_id[4];
	uint32_t creator_revision;
} __attribute__((packed));

struct acpi_gas {
	uint8_t space_id, bit_width, bit_offset, access_size;
	uint64_t address;
} __attribute__((packed));

struct acpi_rsdp {
	char signature[8];
	uint8_t checksum;
	char oem_id[6];
	uint8_t revision;
	uint32_t rsdt_address;
	uint32_t length;
	uint64_t xsdt_address;
	uint8_t ext_checksum;
	uint8_t reserved[3];
} __attribute__((packed));

struct acpi_fadt {
	struct acpi_header h;
	uint32_t facs, dsdt;
	uint8_t reserved0, preferred_pm_profile;
	uint16_t sci_int;
	uint32_t smi_cmd;
	uint8_t acpi_enable, acpi_disable, s4bios_req, pstate_cnt;
	uint32_t pm1a_evt_blk, pm1b_evt_blk, pm1a_cnt_blk, pm1b_cnt_blk;
	uint32_t pm2_cnt_blk, pm_tmr_blk, gpe0_blk, gpe1_blk;
	uint8_t pm1_evt_len, pm1_cnt_len, pm2_cnt_len, pm_tmr_len;
	uint8_t gpe0_blk_len, gpe1_blk_len, gpe1_base, cst_cnt;
	uint16_t p_lvl2_lat, p_lvl3_lat, flush_size, flush_stride;
	uint8_t duty_offset, duty_width, day_alrm, mon_alrm, century;
	uint16_t iapc_boot_arch;
	uint8_t reserved1;
	uint32_t flags;
	struct acpi_gas reset_reg;
	uint8_t reset_value;
	uint16_t arm_boot_arch;
	uint8_t fadt_minor_version;
	uint64_t x_facs, x_dsdt;
	struct acpi_gas x_pm1a_evt_blk, x_pm1b_evt_blk, x_pm1a_cnt_blk, x_pm1b_cnt_blk;
	struct acpi_gas x_pm2_cnt_blk, x_pm_tmr_blk, x_gpe0_blk, x_gpe1_blk;
	struct acpi_gas sleep_control_reg, sleep_status_reg;
	uint64_t hypervisor_vendor_id;
} __attribute__((packed));
_Static_assert(sizeof(struct acpi_fadt) == 276, "FADT size");

#define FADT_F_WBINVD		(1u << 0)
#define FADT_F_PROC_C1		(1u << 2)
#define FADT_F_RESET_REG_SUP	(1u << 10)
#define FADT_BOOT_VGA_NOT_PRESENT (1u << 2)
#define FADT_BOOT_NO_MSI	(1u << 3)

static uint8_t acpi_checksum(const void *p, size_t len)
{
	const uint8_t *b = p;
	uint8_t sum = 0;

	while (len--)
		sum += *b++;
	return (uint8_t)-sum;
}

static void acpi_header_init(struct acpi_header *h, const char *sig, uint32_t len,
			     uint8_t rev)
{
	memcpy(h->signature, sig, 4);
	h->length = len;
	h->revision = rev;
	memcpy(h->oem_id, "OVB   ", 6);
	memcpy(h->oem_table_id, "OVBHOST ", 8);
	h->oem_revision = 1;
	memcpy(h->creator_id, "OVB ", 4);
	h->creator_revision = 1;
}

static struct acpi_gas gas_io(uint64_t port, uint8_t bits)
{
	return (struct acpi_gas){ .space_id = 1, .bit_width = bits, .access_size = 0,
				  .address = port };
}

int vm_build_acpi(struct vm *vm, uint64_t *rsdp_gpa)
{
	uint64_t at = ACPI_BASE, rsdp_at, xsdt_at, fadt_at, madt_at, dsdt_at;
	uint8_t *base = vm_gpa_to_hva(vm, ACPI_BASE, 0x10000);
	unsigned int i;

	if (!base)
		return -1;
	memset(base, 0, 0x10000);
#define ALLOC(sz) ({ uint64_t a_ = at; at = (at + (sz) + 15) & ~15ull; a_; })
	rsdp_at = ALLOC(sizeof(struct acpi_rsdp));
	xsdt_at = ALLOC(sizeof(struct acpi_header) + 2 * 8);
	fadt_at = ALLOC(sizeof(struct acpi_fadt));
	dsdt_at = ALLOC(sizeof(dsdt_aml_code));
	madt_at = ALLOC(44 + 8 * vm->ncpus + 12 + 2 * 10);
#undef ALLOC
	if (at > ACPI_BASE + 0x10000)
		return -1;

	/* DSDT: as compiled. */
	memcpy(base + (dsdt_at - ACPI_BASE), dsdt_aml_code, sizeof(dsdt_aml_code));

	/* FADT */
	struct acpi_fadt *f = (void *)(base + (fadt_at - ACPI_BASE));

	acpi_header_init(&f->h, "FACP", sizeof(*f), 6);
	f->fadt_minor_version = 3;
	f->dsdt = (uint32_t)dsdt_at;
	f->x_dsdt = dsdt_at;
	f->sci_int = VM_ACPI_SCI_IRQ;
	f->pm1a_evt_blk = VM_PM1A_EVT_PORT;
	f->pm1a_cnt_blk = VM_PM1A_CNT_PORT;
	f->pm1_evt_len = 4;
	f->pm1_cnt_len = 2;
	f->x_pm1a_evt_blk = gas_io(VM_PM1A_EVT_PORT, 32);
	f->x_pm1a_cnt_blk = gas_io(VM_PM1A_CNT_PORT, 16);
	f->flags = FADT_F_WBINVD | FADT_F_PROC_C1 | FADT_F_RESET_REG_SUP;
	f->iapc_boot_arch = FADT_BOOT_VGA_NOT_PRESENT;
	f->reset_reg = gas_io(0xcf9, 8);
	f->reset_value = 0x06;
	f->h.checksum = acpi_checksum(f, sizeof(*f));

	/* MADT: local APICs, the IOAPIC, ISA overrides for the PIT and SCI. */
	uint8_t *m = base + (madt_at - ACPI_BASE), *e = m + 44;
	uint32_t lapic = 0xfee00000, pcat = 1, ioapic = 0xfec00000, gsi;

	memcpy(m + 36, &lapic, 4);
	memcpy(m + 40, &pcat, 4);
	for (i = 0; i < vm->ncpus; i++, e += 8) {
		e[0] = 0;		/* processor local APIC */
		e[1] = 8;
		e[2] = (uint8_t)i;	/* ACPI processor uid */
		e[3] = (uint8_t)i;	/* APIC id */
		e[4] = 1;		/* enabled */
	}
	e[0] = 1;			/* IOAPIC */
	e[1] = 12;
	e[2] = 0;
	memcpy(e + 4, &ioapic, 4);
	e += 12;
	e[0] = 2;			/* IRQ0 -> GSI2, bus defaults */
	e[1] = 10;
	e[3] = 0;
	gsi = 2;
	memcpy(e + 4, &gsi, 4);
	e += 10;
	e[0] = 2;			/* SCI: level, active high */
	e[1] = 10;
	e[3] = VM_ACPI_SCI_IRQ;
	gsi = VM_ACPI_SCI_IRQ;
	memcpy(e + 4, &gsi, 4);
	e[8] = 0x0d;
	e += 10;
	acpi_header_init((void *)m, "APIC", (uint32_t)(e - m), 4);
	((struct acpi_header *)m)->checksum = acpi_checksum(m, e - m);

	/* XSDT */
	struct acpi_header *x = (void *)(base + (xsdt_at - ACPI_BASE));

	acpi_header_init(x, "XSDT", sizeof(*x) + 16, 1);
	memcpy((uint8_t *)(x + 1), &fadt_at, 8);
	memcpy((uint8_t *)(x + 1) + 8, &madt_at, 8);
	x->checksum = acpi_checksum(x, x->length);

	/* RSDP (revision 2: XSDT only) */
	struct acpi_rsdp *r = (void *)(base + (rsdp_at - ACPI_BASE));

	memcpy(r->signature, "RSD PTR ", 8);
	memcpy(r->oem_id, "OVB   ", 6);
	r->revision = 2;
	r->length = sizeof(*r);
	r->xsdt_address = xsdt_at;
	r->checksum = acpi_checksum(r, 20);
	r->ext_checksum = acpi_checksum(r, sizeof(*r));

	*rsdp_gpa = rsdp_at;
	return 0;
}
