// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * libFuzzer: guest port I/O into the host's devices — the 16550A UART
 * (hostside/vmm/serial.c) and the platform ports (platform.c: ACPI PM1a,
 * reset, CMOS, PCI config), dispatched by vm_pio_exit() as a vCPU does.
 * Fresh devices per input (serial_init, platform_init over a zeroed fake
 * VM). The input is a script of accesses (port, direction, size 1/2/4,
 * rep count, data); each KVM_EXIT_IO's data area is an exact-size heap
 * buffer, so ASan sees any access past it. Checked: registers read back
 * what was written (LCR, MCR, scratch, divisor, the IER's four bits, the
 * PM1a control register byte by byte with SCI_EN held set), LSR
 * always says the transmitter is empty, IIR names one cause, bytes a
 * device does not define read 0xff, and only S5 powers off and only the
 * reset commands reboot. At the end, the console's panic scanner runs
 * over what the guest printed.
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "tests/fuzz/fuzz_input.h"
#include "hostside/vmm/vm.h"

#define COM1 0x3f8

int log_verbose;
int LLVMFuzzerTestOneInput(const uint8_t *in, size_t size);

static const uint16_t ports[] = {
	COM1, COM1 + 1, COM1 + 2, COM1 + 3, COM1 + 4, COM1 + 5, COM1 + 6, COM1 + 7,
	VM_PM1A_EVT_PORT, VM_PM1A_EVT_PORT + 2, VM_PM1A_CNT_PORT, VM_PM1A_CNT_PORT + 1,
	0xcf9, 0x60, 0x64, 0x70, 0x71, 0xcf8, 0xcfc, 0x80,
};

/* What the UART's registers must read back as (byte 0 of each write). */
static struct {
	uint8_t lcr, mcr, scr, dll, dlm, ier, fcr;
} uart;
static uint8_t pm1[2];	/* PM1a_CNT as the guest must read it, low byte first */

static void model_write(uint16_t port, uint8_t v)
{
	bool dlab = uart.lcr & 0x80;

	switch (port - COM1) {
	case 0: if (dlab) uart.dll = v; break;
	case 1: if (dlab) uart.dlm = v; else uart.ier = v & 0x0f; break;
	case 2: uart.fcr = v; break;
	case 3: uart.lcr = v; break;
	case 4: uart.mcr = v; break;
	case 7: uart.scr = v; break;
	}
}

static void model_check_read(uint16_t port, const uint8_t *d, unsigned int size)
{
	bool dlab = uart.lcr & 0x80;
	unsigned int defined = 1;	/* bytes the device defines */

	if (port >= COM1 && port < COM1 + 8) {
		switch (port - COM1) {
		case 0: if (dlab && d[0] != uart.dll) abort(); break;
		case 1: if (d[0] != (dlab ? uart.dlm : uart.ier)) abort(); break;
		case 2:
			if ((d[0] & 0x0f) != 1 && (d[0] & 0x0f) != 2 && (d[0] & 0x0f) != 4)
				abort();
			if (((d[0] & 0xc0) == 0xc0) != (uart.fcr & 1))
				abort();
			break;
		case 3: if (d[0] != uart.lcr) abort(); break;
		case 4: if (d[0] != uart.mcr) abort(); break;
		case 5: if ((d[0] & 0x60) != 0x60) abort(); break;
		case 7: if (d[0] != uart.scr) abort(); break;
		}
	} else if (port >= VM_PM1A_EVT_PORT && port < VM_PM1A_EVT_PORT + 8) {
		unsigned int at = port - VM_PM1A_CNT_PORT;

		defined = size;
		if (at < 2) {
			defined = size < 2 - at ? size : 2 - at;
			if (memcmp(d, pm1 + at, defined))
				abort();
		}
	} else if (port == 0xcf9 || (port >= 0x60 && port < 0x65) || port == 0x70 ||
		   port == 0x71) {
		defined = 1;
	} else {
		defined = 0;			/* PCI, port 0x80, nothing */
	}
	for (unsigned int i = defined; i < size; i++)
		if (d[i] != 0xff)
			abort();
}

/* Would this write stop the guest, and how? Tracks PM1a_CNT. */
static enum vm_exit_reason stops(uint16_t port, const uint8_t *d, unsigned int size)
{
	unsigned int at = port - VM_PM1A_CNT_PORT;

	if (port == 0xcf9 && (d[0] & 4))
		return VM_REBOOT;
	if (port == 0x64 && d[0] == 0xfe)
		return VM_REBOOT;
	if (at < 2) {
		uint8_t b[2] = { pm1[0], pm1[1] };

		memcpy(b + at, d, size < 2 - at ? size : 2 - at);
		if (b[1] & 0x20)	/* SLP_EN: sleep, and S5 is power-off */
			return ((b[1] >> 2) & 7) == VM_ACPI_S5_SLP_TYP ? VM_POWEROFF : VM_RUNNING;
		pm1[0] = b[0] | 1;	/* SCI_EN stays set: always ACPI mode */
		pm1[1] = b[1];
	}
	return VM_RUNNING;
}

static void report_panic_quietly(void)
{
	int devnull = open("/dev/null", O_WRONLY | O_CLOEXEC), saved = dup(2);

	fflush(stderr);
	if (devnull >= 0)
		dup2(devnull, 2);
	serial_report_panic();
	fflush(stderr);
	if (saved >= 0)
		dup2(saved, 2);
	close(saved);
	close(devnull);
}

int LLVMFuzzerTestOneInput(const uint8_t *in, size_t size)
{
	static const unsigned int sizes[] = { 1, 2, 4, 1 };
	struct fz f = { in, size };
	struct vm vm;
	enum vm_exit_reason want = VM_RUNNING;

	memset(&vm, 0, sizeof(vm));
	memset(&uart, 0, sizeof(uart));
	pm1[0] = 1;
	pm1[1] = 0;
	vm.vm_fd = vm.kvm_fd = vm.memfd = -1;
	pthread_mutex_init(&vm.lock, NULL);
	pthread_cond_init(&vm.done_cond, NULL);
	if (serial_init(&vm, "none") || platform_init(&vm))
		abort();

	for (int step = 0; step < 256 && f.left; step++) {
		uint8_t op = fz_u8(&f);
		uint16_t port = (op & 0x80) ? fz_u16(&f) : ports[fz_u8(&f) % (sizeof(ports) / 2)];
		unsigned int sz = sizes[op & 3], count = (op & 0x40) ? 1 + fz_u8(&f) % 8 : 1;
		bool write = op & 4;
		size_t data_len = (size_t)sz * count;
		/* Exactly what KVM hands over: the struct, then the data. */
		struct kvm_run *run = malloc(sizeof(*run) + data_len);
		uint8_t *data = (uint8_t *)(run + 1);

		if (!run)
			abort();
		memset(run, 0, sizeof(*run));
		if (write) {
			fz_take(&f, data, data_len);
			if ((op & 0x38) == 0x38 && port == COM1)	/* print something */
				memcpy(data, "Kernel panic - not syncing:", data_len < 27 ? data_len : 27);
		} else {
			memset(data, 0xaa, data_len);
		}
		run->io.direction = write ? KVM_EXIT_IO_OUT : KVM_EXIT_IO_IN;
		run->io.size = (uint8_t)sz;
		run->io.port = port;
		run->io.count = count;
		run->io.data_offset = sizeof(*run);
		vm_pio_exit(&vm, run);
		for (unsigned int n = 0; n < count; n++) {
			const uint8_t *d = data + (size_t)n * sz;

			if (write) {
				if (port >= COM1 && port < COM1 + 8)
					model_write(port, d[0]);
				enum vm_exit_reason r = stops(port, d, sz);

				if (want == VM_RUNNING)
					want = r;
			} else {
				model_check_read(port, d, sz);
			}
		}
		if (vm.exit_reason != want)
			abort();
		free(run);
	}
	if (size && (in[0] & 0x10))
		report_panic_quietly();
	pthread_mutex_destroy(&vm.lock);
	pthread_cond_destroy(&vm.done_cond);
	return 0;
}
