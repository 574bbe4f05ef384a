// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * Port I/O without KVM: vm_pio_exit() over a kvm_run laid out as KVM lays
 * it out (data after the struct, @count accesses of @size bytes), into
 * the real UART and platform devices. A fresh fake VM per test; its
 * vm_fd is -1, so interrupt line changes go nowhere.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "hostside/vmm/vm.h"

int log_verbose;

#define DATA_OFF 4096u

struct env {
	struct vm vm;
	struct kvm_run *run;
	uint8_t *data;
	unsigned int calls;
	uint8_t *last_data;
};

static int setup(void **state)
{
	struct env *e = calloc(1, sizeof(*e));

	e->vm.vm_fd = e->vm.kvm_fd = e->vm.memfd = -1;
	pthread_mutex_init(&e->vm.lock, NULL);
	pthread_cond_init(&e->vm.done_cond, NULL);
	e->run = calloc(1, DATA_OFF + 64);
	e->data = (uint8_t *)e->run + DATA_OFF;
	*state = e;
	return 0;
}

static int teardown(void **state)
{
	struct env *e = *state;

	free(e->run);
	free(e);
	return 0;
}

/* One access (or @count of them) as KVM reports it; stale bytes are 0xaa. */
static uint8_t *pio(struct env *e, uint16_t port, bool write, unsigned int size,
		    unsigned int count, const void *wdata)
{
	memset(e->data, 0xaa, 64);
	if (write)
		memcpy(e->data, wdata, size * count);
	e->run->io.direction = write ? KVM_EXIT_IO_OUT : KVM_EXIT_IO_IN;
	e->run->io.size = (uint8_t)size;
	e->run->io.port = port;
	e->run->io.count = count;
	e->run->io.data_offset = DATA_OFF;
	vm_pio_exit(&e->vm, e->run);
	return e->data;
}

static uint8_t inb(struct env *e, uint16_t port)
{
	return pio(e, port, false, 1, 1, NULL)[0];
}

static void outb(struct env *e, uint16_t port, uint8_t v)
{
	pio(e, port, true, 1, 1, &v);
}

/* A byte-wide register: writes one byte of @data, as the real ones do. */
static int byte_reg(struct vm *vm, void *opaque, uint16_t port, bool write,
		    uint8_t *data, unsigned int size)
{
	struct env *e = opaque;

	(void)vm;
	(void)size;
	e->calls++;
	e->last_data = data;
	if (!write)
		*data = (uint8_t)(port & 0xff);
	return 0;
}

/* A wide read of a byte register: the bytes it leaves alone read all ones. */
static void test_wide_read_of_byte_register(void **state)
{
	struct env *e = *state;
	const uint8_t want[4] = { 0x10, 0xff, 0xff, 0xff };

	assert_int_equal(vm_register_pio(&e->vm, 0x10, 2, byte_reg, e), 0);
	assert_memory_equal(pio(e, 0x10, false, 4, 1, NULL), want, 4);
	assert_memory_equal(pio(e, 0x10, false, 2, 1, NULL), want, 2);
	assert_int_equal(e->calls, 2);
}

static void test_unclaimed_port(void **state)
{
	struct env *e = *state;
	const uint8_t ones[4] = { 0xff, 0xff, 0xff, 0xff }, w[4] = { 1, 2, 3, 4 };

	assert_int_equal(vm_register_pio(&e->vm, 0x10, 2, byte_reg, e), 0);
	assert_memory_equal(pio(e, 0x12, false, 4, 1, NULL), ones, 4);	/* just past it */
	assert_memory_equal(pio(e, 0x0f, false, 1, 1, NULL), ones, 1);	/* just before */
	pio(e, 0x12, true, 4, 1, w);
	assert_int_equal(e->calls, 0);
}

/* rep insw of 3: three calls, each on its own 2 bytes of the data area. */
static void test_rep_string_io(void **state)
{
	struct env *e = *state;
	const uint8_t want[8] = { 0x11, 0xff, 0x11, 0xff, 0x11, 0xff, 0xaa, 0xaa };

	assert_int_equal(vm_register_pio(&e->vm, 0x10, 2, byte_reg, e), 0);
	assert_memory_equal(pio(e, 0x11, false, 2, 3, NULL), want, 8);
	assert_int_equal(e->calls, 3);
	assert_ptr_equal(e->last_data, e->data + 4);
}

static void test_register_limit(void **state)
{
	struct env *e = *state;
	unsigned int n = 0;

	while (vm_register_pio(&e->vm, (uint16_t)(0x100 + n), 1, byte_reg, e) == 0)
		n++;
	assert_int_equal(n, sizeof(e->vm.pio) / sizeof(e->vm.pio[0]));
}

/* The 16550A as Linux's 8250 driver probes it. */
static void test_serial_registers(void **state)
{
	struct env *e = *state;

	assert_int_equal(serial_init(&e->vm, "none"), 0);
	outb(e, 0x3f8 + 7, 0x5a);
	assert_int_equal(inb(e, 0x3f8 + 7), 0x5a);		/* scratch */
	outb(e, 0x3f8 + 3, 0x83);				/* DLAB, 8N1 */
	outb(e, 0x3f8 + 0, 0x01);
	outb(e, 0x3f8 + 1, 0x02);
	assert_int_equal(inb(e, 0x3f8 + 0), 0x01);		/* divisor latch */
	assert_int_equal(inb(e, 0x3f8 + 1), 0x02);
	outb(e, 0x3f8 + 3, 0x03);
	assert_int_equal(inb(e, 0x3f8 + 3), 0x03);
	assert_int_equal(inb(e, 0x3f8 + 1), 0x00);		/* IER again */
	outb(e, 0x3f8 + 1, 0xff);
	assert_int_equal(inb(e, 0x3f8 + 1), 0x0f);		/* 4 bits of IER */
	assert_int_equal(inb(e, 0x3f8 + 5) & 0x61, 0x60);	/* THRE, TEMT, no data */
	outb(e, 0x3f8 + 2, 0x01);				/* FIFO on */
	assert_int_equal(inb(e, 0x3f8 + 2), 0xc2);		/* FIFO, THR empty */
	assert_int_equal(inb(e, 0x3f8 + 2), 0xc1);		/* read once: cleared */
	outb(e, 0x3f8 + 4, 0x1a);				/* loopback, RTS, OUT1 */
	assert_int_equal(inb(e, 0x3f8 + 6), 0xa0);
	/* A wide read of the byte-wide LSR: the rest is all ones. */
	assert_int_equal(pio(e, 0x3f8 + 5, false, 2, 1, NULL)[1], 0xff);
}

static void test_platform_poweroff(void **state)
{
	struct env *e = *state;
	uint16_t v;

	assert_int_equal(platform_init(&e->vm), 0);
	memcpy(&v, pio(e, VM_PM1A_CNT_PORT, false, 2, 1, NULL), 2);
	assert_int_equal(v, 0x0001);				/* SCI_EN: ACPI mode */
	v = 0x0400;						/* SLP_TYP 1 alone */
	pio(e, VM_PM1A_CNT_PORT, true, 2, 1, &v);
	assert_int_equal(e->vm.exit_reason, VM_RUNNING);
	memcpy(&v, pio(e, VM_PM1A_CNT_PORT, false, 2, 1, NULL), 2);
	assert_int_equal(v, 0x0401);
	v = 0x2000 | (3 << 10);					/* sleep to S3: no */
	pio(e, VM_PM1A_CNT_PORT, true, 2, 1, &v);
	assert_int_equal(e->vm.exit_reason, VM_RUNNING);
	v = 0x2000 | (VM_ACPI_S5_SLP_TYP << 10);
	pio(e, VM_PM1A_CNT_PORT, true, 2, 1, &v);
	assert_int_equal(e->vm.exit_reason, VM_POWEROFF);
	assert_int_equal(pio(e, VM_PM1A_EVT_PORT, false, 4, 1, NULL)[3], 0);
}

/* PM1a_CNT byte by byte: the second port is the high byte (SLP_EN, SLP_TYP). */
static void test_platform_pm1_cnt_bytes(void **state)
{
	struct env *e = *state;

	assert_int_equal(platform_init(&e->vm), 0);
	outb(e, VM_PM1A_CNT_PORT + 1, 0x04);			/* SLP_TYP 1 alone */
	assert_int_equal(inb(e, VM_PM1A_CNT_PORT), 0x01);
	assert_int_equal(inb(e, VM_PM1A_CNT_PORT + 1), 0x04);
	assert_int_equal(pio(e, VM_PM1A_CNT_PORT + 1, false, 2, 1, NULL)[1], 0xff);
	assert_int_equal(e->vm.exit_reason, VM_RUNNING);
	outb(e, VM_PM1A_CNT_PORT + 1, (0x2000 | (VM_ACPI_S5_SLP_TYP << 10)) >> 8);
	assert_int_equal(e->vm.exit_reason, VM_POWEROFF);
}

static void test_platform_reset_and_cmos(void **state)
{
	struct env *e = *state;
	const uint8_t ones[4] = { 0xff, 0xff, 0xff, 0xff };

	assert_int_equal(platform_init(&e->vm), 0);
	outb(e, 0xcf9, 0x02);					/* no reset bit */
	outb(e, 0x64, 0xfd);
	assert_int_equal(e->vm.exit_reason, VM_RUNNING);
	assert_memory_equal(pio(e, 0xcf8, false, 4, 1, NULL), ones, 4);	/* no PCI */
	outb(e, 0x70, 0x8b);					/* NMI bit masked off */
	assert_int_equal(inb(e, 0x70), 0x0b);
	assert_int_equal(inb(e, 0x71), 0x02);			/* 24 h, BCD */
	assert_int_equal(pio(e, 0x71, false, 2, 1, NULL)[1], 0xff);
	outb(e, 0x64, 0xfe);					/* i8042 pulse reset */
	assert_int_equal(e->vm.exit_reason, VM_REBOOT);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_wide_read_of_byte_register, setup, teardown),
		cmocka_unit_test_setup_teardown(test_unclaimed_port, setup, teardown),
		cmocka_unit_test_setup_teardown(test_rep_string_io, setup, teardown),
		cmocka_unit_test_setup_teardown(test_register_limit, setup, teardown),
		cmocka_unit_test_setup_teardown(test_serial_registers, setup, teardown),
		cmocka_unit_test_setup_teardown(test_platform_poweroff, setup, teardown),
		cmocka_unit_test_setup_teardown(test_platform_pm1_cnt_bytes, setup, teardown),
		cmocka_unit_test_setup_teardown(test_platform_reset_and_cmos, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
