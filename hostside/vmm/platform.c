// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * The few legacy ports a Linux guest touches besides the UART: the ACPI
 * PM1a event/control blocks (power-off through \_S5), the reset
 * register at 0xcf9 and the keyboard controller's reset command, a CMOS
 * RTC that tells the time, and an empty PCI configuration space.
 */
#include <string.h>
#include <time.h>

#include "hostside/vmm/vm.h"
#include "hostside/log.h"

#define PM1_CNT_SCI_EN		0x0001
#define PM1_CNT_SLP_EN		0x2000
#define PM1_CNT_SLP_TYP_SHIFT	10

static uint16_t pm1_cnt = PM1_CNT_SCI_EN;	/* always in ACPI mode */
static uint8_t cmos_index;

static int pm_pio(struct vm *vm, void *opaque, uint16_t port, bool write,
		  uint8_t *data, unsigned int size)
{
	(void)opaque;
	if (port >= VM_PM1A_CNT_PORT && port < VM_PM1A_CNT_PORT + 2) {
		/* A byte access at the second port is the register's high byte. */
		unsigned int at = port - VM_PM1A_CNT_PORT, n = size < 2 - at ? size : 2 - at;
		uint8_t b[2];
		uint16_t v;

		memcpy(b, &pm1_cnt, 2);
		if (!write) {
			memcpy(data, b + at, n);
			return 0;
		}
		memcpy(b + at, data, n);
		memcpy(&v, b, 2);
		if (v & PM1_CNT_SLP_EN) {
			unsigned int typ = (v >> PM1_CNT_SLP_TYP_SHIFT) & 7;

			if (typ == VM_ACPI_S5_SLP_TYP)
				vm_stop(vm, VM_POWEROFF);
			return 0;
		}
		pm1_cnt = v | PM1_CNT_SCI_EN;
		return 0;
	}
	if (!write)
		memset(data, 0, size);	/* PM1 status/enable: nothing pending */
	return 0;
}

static int reset_pio(struct vm *vm, void *opaque, uint16_t port, bool write,
		     uint8_t *data, unsigned int size)
{
	(void)opaque;
	(void)size;
	if (!write) {
		/* No keyboard controller: i8042 sees all ones and gives up at once. */
		*data = 0xff;
		return 0;
	}
	if ((port == 0xcf9 && (*data & 0x04)) || (port == 0x64 && *data == 0xfe))
		vm_stop(vm, VM_REBOOT);
	return 0;
}

static uint8_t bcd(int v)
{
	return (uint8_t)(((v / 10) << 4) | (v % 10));
}

static int cmos_pio(struct vm *vm, void *opaque, uint16_t port, bool write,
		    uint8_t *data, unsigned int size)
{
	time_t now = time(NULL);
	struct tm tm;

	(void)vm;
	(void)opaque;
	(void)size;
	if (port == 0x70) {
		if (write)
			cmos_index = *data & 0x7f;
		else
			*data = cmos_index;
		return 0;
	}
	if (write)
		return 0;
	gmtime_r(&now, &tm);
	switch (cmos_index) {
	case 0x00: *data = bcd(tm.tm_sec); break;
	case 0x02: *data = bcd(tm.tm_min); break;
	case 0x04: *data = bcd(tm.tm_hour); break;
	case 0x06: *data = bcd(tm.tm_wday + 1); break;
	case 0x07: *data = bcd(tm.tm_mday); break;
	case 0x08: *data = bcd(tm.tm_mon + 1); break;
	case 0x09: *data = bcd(tm.tm_year % 100); break;
	case 0x32: *data = bcd(tm.tm_year / 100 + 19); break;
	case 0x0a: *data = 0x26; break;		/* UIP clear, 32 kHz base */
	case 0x0b: *data = 0x02; break;		/* 24 h, BCD */
	case 0x0d: *data = 0x80; break;		/* RTC battery good */
	default: *data = 0; break;
	}
	return 0;
}

static int pci_pio(struct vm *vm, void *opaque, uint16_t port, bool write,
		   uint8_t *data, unsigned int size)
{
	(void)vm;
	(void)opaque;
	(void)port;
	if (!write)
		memset(data, 0xff, size);	/* no PCI devices */
	return 0;
}

static int ignore_pio(struct vm *vm, void *opaque, uint16_t port, bool write,
		      uint8_t *data, unsigned int size)
{
	(void)vm;
	(void)opaque;
	(void)port;
	if (!write)
		memset(data, 0xff, size);
	return 0;
}

int platform_init(struct vm *vm)
{
	pm1_cnt = PM1_CNT_SCI_EN;
	cmos_index = 0;
	if (vm_register_pio(vm, VM_PM1A_EVT_PORT, 8, pm_pio, NULL) ||
	    vm_register_pio(vm, 0xcf9, 1, reset_pio, NULL) ||
	    vm_register_pio(vm, 0x60, 5, reset_pio, NULL) ||
	    vm_register_pio(vm, 0x70, 2, cmos_pio, NULL) ||
	    vm_register_pio(vm, 0xcf8, 8, pci_pio, NULL) ||
	    vm_register_pio(vm, 0x80, 1, ignore_pio, NULL))
		return -1;
	return 0;
}
