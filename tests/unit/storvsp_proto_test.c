// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * The VSTOR protocol handler driven like a guest would: packets built from
 * include/ovb only, data in fake guest RAM between PROT_NONE guard pages.
 */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <pthread.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "ovb/ring.h"
#include "ovb/storvsc_proto.h"
#include "hostside/storvsp/disk_backend.h"
#include "hostside/storvsp/storvsp.h"

#define RAM_PAGES 1024u		/* guest RAM: 4 MiB at GPA 0 */
#define IMG_BYTES (4u << 20)

struct fx {
	char dir[64], path[2][96];
	uint8_t *ram;
	struct storvsp *sv;
	uint8_t pkt[8192] __attribute__((aligned(8)));
	struct ovb_vstor_packet resp;
	unsigned int subch;
};

static void *ram_map(void *ctx, uint64_t gpa, uint64_t len)
{
	struct fx *f = ctx;

	if (gpa >= (uint64_t)RAM_PAGES * 4096 || len > (uint64_t)RAM_PAGES * 4096 - gpa)
		return NULL;
	return f->ram + gpa;
}

static int mkimg(const char *path)
{
	int fd = open(path, O_CREAT | O_RDWR | O_TRUNC, 0600);

	if (fd < 0 || ftruncate(fd, IMG_BYTES) < 0)
		return -1;
	return close(fd);
}

static int setup(void **state)
{
	struct fx *f = calloc(1, sizeof(*f));
	struct storvsp_disk_opts o = { 0 };
	uint8_t *m;

	snprintf(f->dir, sizeof(f->dir), "/tmp/storvsp_proto.XXXXXX");
	if (!mkdtemp(f->dir))
		return -1;
	for (int i = 0; i < 2; i++) {
		char dir[64];

		memcpy(dir, f->dir, sizeof(dir));
		snprintf(f->path[i], sizeof(f->path[i]), "%s/d%d.img", dir, i);
		if (mkimg(f->path[i]))
			return -1;
	}
	m = mmap(NULL, (RAM_PAGES + 2) * 4096ul, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (m == MAP_FAILED)
		return -1;
	f->ram = m + 4096;
	mprotect(f->ram, RAM_PAGES * 4096ul, PROT_READ | PROT_WRITE);
	f->sv = storvsp_new(NULL, 3);
	o.path = f->path[0];
	if (storvsp_disk_add(f->sv, -1, &o) != 0)
		return -1;
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fx *f = *state;

	storvsp_free(f->sv);
	munmap(f->ram - 4096, (RAM_PAGES + 2) * 4096ul);
	unlink(f->path[0]);
	unlink(f->path[1]);
	rmdir(f->dir);
	free(f);
	return 0;
}

/* Send @vp in band; returns the handler's result. */
static int send_inband(struct fx *f, const struct ovb_vstor_packet *vp, uint16_t sub)
{
	struct ovb_vmpacket_desc d = { .type = OVB_VMPKT_DATA_INBAND, .offset8 = 2,
				       .len8 = (16 + sizeof(*vp)) / 8, .trans_id = 7 };

	memcpy(f->pkt, &d, sizeof(d));
	memcpy(f->pkt + 16, vp, sizeof(*vp));
	return storvsp_packet_handle(f->sv, sub, f->pkt, d.len8 * 8u, ram_map, f, &f->resp,
				     &f->subch);
}

static int op(struct fx *f, uint32_t operation, uint16_t arg)
{
	struct ovb_vstor_packet vp;

	memset(&vp, 0, sizeof(vp));
	vp.operation = operation;
	vp.flags = OVB_VSTOR_FLAG_REQUEST_COMPLETION;
	if (operation == OVB_VSTOR_OP_QUERY_PROTOCOL_VERSION)
		vp.version.major_minor = arg;
	if (operation == OVB_VSTOR_OP_CREATE_SUB_CHANNELS)
		vp.sub_channel_count = arg;
	assert_int_equal(send_inband(f, &vp, 0), 1);
	assert_int_equal(f->resp.operation, OVB_VSTOR_OP_COMPLETE_IO);
	return (int)f->resp.status;
}

static void handshake(struct fx *f, uint16_t version)
{
	assert_int_equal(op(f, OVB_VSTOR_OP_BEGIN_INITIALIZATION, 0), 0);
	assert_int_equal(op(f, OVB_VSTOR_OP_QUERY_PROTOCOL_VERSION, version), 0);
	assert_int_equal(op(f, OVB_VSTOR_OP_QUERY_PROPERTIES, 0), 0);
	assert_int_equal(op(f, OVB_VSTOR_OP_END_INITIALIZATION, 0), 0);
}

/*
 * An SRB with data at guest address @gpa (@bytes in one multi-page range
 * holding @range_bytes). Returns the handler's result; f->resp.vm_srb holds
 * the completion.
 */
static int srb(struct fx *f, const uint8_t *cdb, uint8_t cdb_len, uint8_t lun, uint64_t gpa,
	       uint32_t bytes, uint32_t range_bytes, bool write)
{
	struct ovb_vstor_packet vp;
	struct ovb_gpa_direct_header h;
	struct ovb_gpa_range r = { .byte_count = range_bytes, .byte_offset = (uint32_t)(gpa & 4095) };
	uint32_t npfn = (r.byte_offset + range_bytes + 4095) / 4096, off;

	memset(&vp, 0, sizeof(vp));
	vp.operation = OVB_VSTOR_OP_EXECUTE_SRB;
	vp.flags = OVB_VSTOR_FLAG_REQUEST_COMPLETION;
	vp.vm_srb.length = sizeof(vp.vm_srb);
	vp.vm_srb.lun = lun;
	vp.vm_srb.cdb_length = cdb_len;
	vp.vm_srb.sense_info_length = OVB_VSTOR_SENSE_BUFFER_SIZE;
	vp.vm_srb.data_in = write ? OVB_VSTOR_WRITE_TYPE : OVB_VSTOR_READ_TYPE;
	vp.vm_srb.data_transfer_length = bytes;
	vp.vm_srb.srb_flags = write ? OVB_SRB_FLAGS_DATA_OUT : OVB_SRB_FLAGS_DATA_IN;
	memcpy(vp.vm_srb.cdb, cdb, cdb_len);
	if (!range_bytes)
		return send_inband(f, &vp, 0);
	off = (uint32_t)(sizeof(h) + sizeof(r) + npfn * 8);
	off = (off + 7) & ~7u;
	memset(&h, 0, sizeof(h));
	h.d.type = OVB_VMPKT_DATA_USING_GPA_DIRECT;
	h.d.flags = OVB_VMPKT_FLAG_COMPLETION_REQUESTED;
	h.d.offset8 = (uint16_t)(off / 8);
	h.d.len8 = (uint16_t)((off + sizeof(vp)) / 8);
	h.d.trans_id = 9;
	h.range_count = 1;
	memcpy(f->pkt, &h, sizeof(h));
	memcpy(f->pkt + sizeof(h), &r, sizeof(r));
	for (uint32_t i = 0; i < npfn; i++) {
		uint64_t pfn = (gpa >> 12) + i;

		memcpy(f->pkt + sizeof(h) + sizeof(r) + i * 8, &pfn, 8);
	}
	memcpy(f->pkt + off, &vp, sizeof(vp));
	return storvsp_packet_handle(f->sv, 0, f->pkt, h.d.len8 * 8u, ram_map, f, &f->resp,
				     &f->subch);
}

static void test_handshake_versions(void **state)
{
	struct fx *f = *state;
	const uint16_t ok[] = { 0x0602, 0x0600, 0x0501 };

	/* I/O before initialisation is refused */
	{
		uint8_t tur[6] = { 0 };

		assert_int_equal(srb(f, tur, 6, 0, 0, 0, 0, false), 1);
		assert_int_not_equal(f->resp.status, 0);
	}
	for (unsigned int i = 0; i < 3; i++) {
		storvsp_protocol_reset(f->sv);
		assert_int_equal(op(f, OVB_VSTOR_OP_BEGIN_INITIALIZATION, 0), 0);
		assert_int_not_equal(op(f, OVB_VSTOR_OP_QUERY_PROTOCOL_VERSION, 0x0402), 0);
		assert_int_not_equal(op(f, OVB_VSTOR_OP_QUERY_PROTOCOL_VERSION, 0x0700), 0);
		assert_int_equal(op(f, OVB_VSTOR_OP_QUERY_PROTOCOL_VERSION, ok[i]), 0);
		assert_int_equal(storvsp_protocol_version(f->sv), ok[i]);
		assert_int_equal(op(f, OVB_VSTOR_OP_QUERY_PROPERTIES, 0), 0);
		assert_int_equal(f->resp.storage_channel_properties.max_channel_cnt, 3);
		assert_int_equal(f->resp.storage_channel_properties.flags,
				 OVB_STORAGE_CHANNEL_SUPPORTS_MULTI_CHANNEL);
		assert_int_equal(f->resp.storage_channel_properties.max_transfer_bytes, 2 << 20);
		assert_int_equal(op(f, OVB_VSTOR_OP_END_INITIALIZATION, 0), 0);
	}
	/* sub-channels: within the limit only */
	assert_int_not_equal(op(f, OVB_VSTOR_OP_CREATE_SUB_CHANNELS, 4), 0);
	assert_int_equal(f->subch, 0);
	assert_int_equal(op(f, OVB_VSTOR_OP_CREATE_SUB_CHANNELS, 2), 0);
	assert_int_equal(f->subch, 2);
	/* unknown operations fail, resets succeed */
	assert_int_not_equal(op(f, 99, 0), 0);
	assert_int_not_equal(op(f, 0, 0), 0);
	assert_int_equal(op(f, OVB_VSTOR_OP_RESET_BUS, 0), 0);
	assert_int_equal(op(f, OVB_VSTOR_OP_RESET_LUN, 0), 0);
	/* init on a sub-channel is refused */
	{
		struct ovb_vstor_packet vp = { .operation = OVB_VSTOR_OP_BEGIN_INITIALIZATION };

		assert_int_equal(send_inband(f, &vp, 1), 1);
		assert_int_not_equal(f->resp.status, 0);
	}
}

static void test_malformed_packets(void **state)
{
	struct fx *f = *state;
	struct ovb_vmpacket_desc d = { .type = OVB_VMPKT_DATA_INBAND, .offset8 = 2, .len8 = 4 };

	memset(f->pkt, 0, sizeof(f->pkt));
	memcpy(f->pkt, &d, sizeof(d));
	/* payload shorter than a vstor_packet */
	assert_int_equal(storvsp_packet_handle(f->sv, 0, f->pkt, 32, ram_map, f, &f->resp,
					       &f->subch), -EINVAL);
	/* len8 beyond the bytes we have */
	d.len8 = 10;
	memcpy(f->pkt, &d, sizeof(d));
	assert_int_equal(storvsp_packet_handle(f->sv, 0, f->pkt, 72, ram_map, f, &f->resp,
					       &f->subch), -EINVAL);
	/* offset8 inside the descriptor */
	d.offset8 = 1;
	memcpy(f->pkt, &d, sizeof(d));
	assert_int_equal(storvsp_packet_handle(f->sv, 0, f->pkt, 80, ram_map, f, &f->resp,
					       &f->subch), -EINVAL);
	/* wrong packet type */
	d.offset8 = 2;
	d.type = OVB_VMPKT_DATA_USING_GPADL;
	memcpy(f->pkt, &d, sizeof(d));
	assert_int_equal(storvsp_packet_handle(f->sv, 0, f->pkt, 80, ram_map, f, &f->resp,
					       &f->subch), -EINVAL);
	assert_int_equal(storvsp_packet_handle(f->sv, 0, f->pkt, 8, ram_map, f, &f->resp,
					       &f->subch), -EINVAL);
}

static void test_srb_io(void **state)
{
	struct fx *f = *state;
	uint8_t w10[10] = { 0x2a, 0, 0, 0, 0, 8, 0, 0, 24, 0 };	/* 24 blocks @8 */
	uint8_t r10[10] = { 0x28, 0, 0, 0, 0, 8, 0, 0, 24, 0 };
	uint8_t inq[6] = { 0x12, 0, 0, 0, 96, 0 };
	const uint64_t wgpa = 0x10000 + 100, rgpa = 0x40000 + 3000;	/* unaligned */

	handshake(f, 0x0602);
	for (uint32_t i = 0; i < 24 * 512; i++)
		f->ram[wgpa + i] = (uint8_t)(i * 13 + 1);
	assert_int_equal(srb(f, w10, 10, 0, wgpa, 24 * 512, 24 * 512, true), 1);
	assert_int_equal(f->resp.status, 0);
	assert_int_equal(f->resp.vm_srb.srb_status, OVB_SRB_STATUS_SUCCESS);
	assert_int_equal(f->resp.vm_srb.scsi_status, 0);
	assert_int_equal(f->resp.vm_srb.data_transfer_length, 24 * 512);
	assert_int_equal(srb(f, r10, 10, 0, rgpa, 24 * 512, 24 * 512, false), 1);
	assert_int_equal(f->resp.vm_srb.srb_status, OVB_SRB_STATUS_SUCCESS);
	assert_memory_equal(f->ram + rgpa, f->ram + wgpa, 24 * 512);
	/* INQUIRY: data_transfer_length says what came back */
	assert_int_equal(srb(f, inq, 6, 0, 0x80000, 96, 96, false), 1);
	assert_int_equal(f->resp.vm_srb.data_transfer_length, 36);
	/* transfer length past the ranges */
	assert_int_equal(srb(f, r10, 10, 0, rgpa, 24 * 512, 23 * 512, false), 1);
	assert_int_equal(f->resp.vm_srb.srb_status, OVB_SRB_STATUS_INVALID_REQUEST);
	/* range outside guest RAM (last page + beyond) */
	assert_int_equal(srb(f, r10, 10, 0, (RAM_PAGES - 1) * 4096ull, 24 * 512, 24 * 512,
			     false), 1);
	assert_int_equal(f->resp.vm_srb.srb_status, OVB_SRB_STATUS_INVALID_REQUEST);
	/* data but sent in band */
	assert_int_equal(srb(f, r10, 10, 0, 0, 512, 0, false), 1);
	assert_int_equal(f->resp.vm_srb.srb_status, OVB_SRB_STATUS_INVALID_REQUEST);
	/* CDB asks for more than the SRB's transfer length: CHECK CONDITION */
	assert_int_equal(srb(f, r10, 10, 0, rgpa, 512, 512, false), 1);
	assert_int_equal(f->resp.vm_srb.scsi_status, 2);
	assert_int_equal(f->resp.vm_srb.srb_status,
			 OVB_SRB_STATUS_ERROR | OVB_SRB_STATUS_AUTOSENSE_VALID);
	assert_int_equal(f->resp.vm_srb.sense_data[12], 0x24);
	/* LBA out of range, sense in the completion */
	r10[2] = 0xff;
	assert_int_equal(srb(f, r10, 10, 0, rgpa, 24 * 512, 24 * 512, false), 1);
	assert_int_equal(f->resp.vm_srb.scsi_status, 2);
	assert_int_equal(f->resp.vm_srb.sense_data[2], 5);
	assert_int_equal(f->resp.vm_srb.sense_data[12], 0x21);
	assert_true(f->resp.vm_srb.sense_info_length <= OVB_VSTOR_SENSE_BUFFER_SIZE);
	/* unknown opcode */
	{
		uint8_t bad[10] = { 0xe7 };

		assert_int_equal(srb(f, bad, 10, 0, 0, 0, 0, false), 1);
		assert_int_equal(f->resp.vm_srb.sense_data[12], 0x20);
	}
}

static void test_bad_srb_fields(void **state)
{
	struct fx *f = *state;
	struct ovb_vstor_packet vp;

	handshake(f, 0x0600);
	memset(&vp, 0, sizeof(vp));
	vp.operation = OVB_VSTOR_OP_EXECUTE_SRB;
	vp.vm_srb.length = 200;				/* bad SRB length */
	vp.vm_srb.cdb_length = 6;
	assert_int_equal(send_inband(f, &vp, 0), 1);
	assert_int_equal(f->resp.vm_srb.srb_status, OVB_SRB_STATUS_INVALID_REQUEST);
	vp.vm_srb.length = 8;
	assert_int_equal(send_inband(f, &vp, 0), 1);
	assert_int_equal(f->resp.vm_srb.srb_status, OVB_SRB_STATUS_INVALID_REQUEST);
	vp.vm_srb.length = sizeof(vp.vm_srb);
	vp.vm_srb.cdb_length = 17;			/* bad CDB length */
	assert_int_equal(send_inband(f, &vp, 0), 1);
	assert_int_equal(f->resp.vm_srb.srb_status, OVB_SRB_STATUS_INVALID_REQUEST);
	vp.vm_srb.cdb_length = 6;
	vp.vm_srb.data_transfer_length = 3u << 20;	/* over max transfer */
	assert_int_equal(send_inband(f, &vp, 0), 1);
	assert_int_equal(f->resp.vm_srb.srb_status, OVB_SRB_STATUS_INVALID_REQUEST);
	vp.vm_srb.data_transfer_length = 0;
	vp.vm_srb.target_id = 1;			/* no such target */
	assert_int_equal(send_inband(f, &vp, 0), 1);
	assert_int_equal(f->resp.vm_srb.srb_status, OVB_SRB_STATUS_INVALID_LUN);
	vp.vm_srb.target_id = 0;
	vp.vm_srb.lun = 5;				/* no such LUN */
	assert_int_equal(send_inband(f, &vp, 0), 1);
	assert_int_equal(f->resp.vm_srb.srb_status, OVB_SRB_STATUS_INVALID_LUN);
	vp.vm_srb.lun = 0;				/* TUR on LUN 0: good */
	assert_int_equal(send_inband(f, &vp, 0), 1);
	assert_int_equal(f->resp.vm_srb.srb_status, OVB_SRB_STATUS_SUCCESS);
}

static int bus_changes;
static void count_bus_change(struct storvsp *sv)
{
	(void)sv;
	bus_changes++;
}

static void test_hotplug_luns(void **state)
{
	struct fx *f = *state;
	struct storvsp_disk_opts o;
	char buf[256], arg[200];
	uint8_t rl[12] = { 0xa0, [9] = 255 }, tur[6] = { 0 }, inq[6] = { 0x12, 0, 0, 0, 36, 0 };

	handshake(f, 0x0602);
	storvsp_set_bus_changed_fn(f->sv, count_bus_change);
	bus_changes = 0;
	snprintf(arg, sizeof(arg), "%s,ro,serial=ABC", f->path[1]);
	assert_int_equal(storvsp_disk_parse(arg, &o, buf, sizeof(buf)), 0);
	assert_true(o.read_only);
	assert_string_equal(o.serial, "ABC");
	assert_int_equal(storvsp_disk_parse("x,bogus", &o, buf, sizeof(buf)), -EINVAL);
	/* Formats: raw unless told, or the name says .vhd; never guessed from contents. */
	assert_int_equal(storvsp_disk_parse("x.img", &o, buf, sizeof(buf)), 0);
	assert_int_equal(o.format, DISK_FORMAT_RAW);
	assert_int_equal(storvsp_disk_parse("x.VHD,parents=/srv", &o, buf, sizeof(buf)), 0);
	assert_int_equal(o.format, DISK_FORMAT_VHD);
	assert_string_equal(o.parent_dir, "/srv");
	assert_int_equal(storvsp_disk_parse("x.vhd,format=raw", &o, buf, sizeof(buf)), 0);
	assert_int_equal(o.format, DISK_FORMAT_RAW);
	assert_int_equal(storvsp_disk_parse("x,format=auto", &o, buf, sizeof(buf)), 0);
	assert_int_equal(o.format, DISK_FORMAT_AUTO);
	assert_int_equal(storvsp_disk_parse("x,format=qcow2", &o, buf, sizeof(buf)), -EINVAL);
	assert_int_equal(storvsp_disk_parse(arg, &o, buf, sizeof(buf)), 0);
	assert_int_equal(storvsp_disk_add(f->sv, 3, &o), 3);
	assert_int_equal(storvsp_disk_add(f->sv, 3, &o), -EEXIST);
	assert_int_equal(bus_changes, 1);
	assert_int_equal(storvsp_disk_count(f->sv), 2);
	assert_int_equal(srb(f, rl, 12, 0, 0x2000, 4096, 4096, false), 1);
	assert_int_equal(f->resp.vm_srb.data_transfer_length, 24);
	assert_int_equal(f->ram[0x2000 + 3], 16);
	assert_int_equal(f->ram[0x2000 + 16 + 1], 3);
	assert_int_equal(srb(f, tur, 6, 3, 0, 0, 0, false), 1);
	assert_int_equal(f->resp.vm_srb.srb_status, OVB_SRB_STATUS_SUCCESS);
	/* remove LUN 0: LUN 0 answers INQUIRY with "no device here", TUR fails */
	assert_int_equal(storvsp_disk_remove(f->sv, 0), 0);
	assert_int_equal(storvsp_disk_remove(f->sv, 0), -ENOENT);
	assert_int_equal(bus_changes, 2);
	assert_int_equal(srb(f, inq, 6, 0, 0x2000, 36, 36, false), 1);
	assert_int_equal(f->resp.vm_srb.srb_status, OVB_SRB_STATUS_SUCCESS);
	assert_int_equal(f->ram[0x2000], 0x7f);
	assert_int_equal(srb(f, tur, 6, 0, 0, 0, 0, false), 1);
	assert_int_equal(f->resp.vm_srb.srb_status, OVB_SRB_STATUS_INVALID_LUN);
	assert_int_equal(srb(f, rl, 12, 0, 0x2000, 4096, 4096, false), 1);
	assert_int_equal(f->resp.vm_srb.data_transfer_length, 16);
	/* the read-only disk refuses writes with DATA PROTECT */
	{
		uint8_t w10[10] = { 0x2a, 0, 0, 0, 0, 0, 0, 0, 1, 0 };

		assert_int_equal(srb(f, w10, 10, 3, 0x2000, 512, 512, true), 1);
		assert_int_equal(f->resp.vm_srb.sense_data[2], 7);
		assert_int_equal(f->resp.vm_srb.sense_data[12], 0x27);
	}
	assert_int_equal(storvsp_disk_add(f->sv, -1, &(struct storvsp_disk_opts){
		.path = "/nonexistent" }), -ENOENT);
}

/*
 * `disk remove` under steady I/O: readers on several queues keep LUN 0's
 * lock held by someone at every moment (1 MiB reads back to back), and
 * the remove, which takes the lock for writing, must still get it soon
 * (it takes ms; 2 s allows for a loaded machine), not when the I/O stops.
 * glibc's default rwlock prefers readers and starves it (seen: 3 s, or
 * not within the 5 s); storvsp asks for writers first.
 */
#define READERS 4

struct reader {
	struct fx f;		/* a copy: its own packet and answer */
	pthread_t t;
	unsigned long reads;
};

static volatile int readers_stop;

static void *reader_fn(void *arg)
{
	struct reader *r = arg;
	uint8_t r10[10] = { 0x28, 0, 0, 0, 0, 0, 0, 0x08, 0x00, 0 };	/* 2048 blocks @0 */

	while (!readers_stop) {
		srb(&r->f, r10, 10, 0, 0x100000, 1 << 20, 1 << 20, false);
		r->reads++;
	}
	return NULL;
}

static struct timespec remove_done;
static int remove_ret = 1;

static void *remove_fn(void *arg)
{
	struct fx *f = arg;

	remove_ret = storvsp_disk_remove(f->sv, 0);
	clock_gettime(CLOCK_MONOTONIC, &remove_done);
	return NULL;
}

static double ms_since(const struct timespec *a, const struct timespec *b)
{
	return (double)(b->tv_sec - a->tv_sec) * 1e3 + (double)(b->tv_nsec - a->tv_nsec) / 1e6;
}

static void test_remove_not_starved_by_io(void **state)
{
	struct fx *f = *state;
	static struct reader r[READERS];
	struct timespec t0, now;
	pthread_t rm;
	double waited = -1;

	handshake(f, 0x0602);
	readers_stop = 0;
	for (int i = 0; i < READERS; i++) {
		memcpy(&r[i].f, f, sizeof(*f));
		r[i].reads = 0;
		assert_int_equal(pthread_create(&r[i].t, NULL, reader_fn, &r[i]), 0);
	}
	usleep(100 * 1000);			/* the I/O is steady */
	clock_gettime(CLOCK_MONOTONIC, &t0);
	assert_int_equal(pthread_create(&rm, NULL, remove_fn, f), 0);
	/* up to 5 s of I/O while the remove waits */
	for (int i = 0; i < 500 && remove_ret == 1; i++)
		usleep(10 * 1000);
	if (remove_ret != 1)
		waited = ms_since(&t0, &remove_done);
	clock_gettime(CLOCK_MONOTONIC, &now);
	readers_stop = 1;
	for (int i = 0; i < READERS; i++) {
		pthread_join(r[i].t, NULL);
		assert_true(r[i].reads > 0);
	}
	pthread_join(rm, NULL);
	print_message("disk remove under I/O took %.1f ms (%.0f ms of I/O meanwhile)\n",
		      waited, ms_since(&t0, &now));
	assert_int_equal(remove_ret, 0);
	assert_true(waited >= 0 && waited < 2000);
	assert_int_equal(storvsp_disk_count(f->sv), 0);
}

/* Lines of @path that have @what; *@suppressed: a "messages suppressed" line too. */
static unsigned int count_lines(const char *path, const char *what, bool *suppressed)
{
	FILE *f = fopen(path, "r");
	char line[512];
	unsigned int n = 0;

	assert_non_null(f);
	*suppressed = false;
	while (fgets(line, sizeof(line), f)) {
		n += strstr(line, what) != NULL;
		*suppressed |= strstr(line, "messages suppressed") != NULL;
	}
	fclose(f);
	return n;
}

/*
 * storvsp's log lines a guest causes: a guest that negotiates 1000 times
 * (a module reload loop) gets a burst of its "guest speaks VSTOR" lines
 * (LOG_RL_STATE_BURST, 64), not one each; a second later the line comes
 * again, with the count of those suppressed. (Before: a budget of 200
 * lines shared by the queue threads, decremented without a lock, and once
 * spent never refilled.)
 */
static void test_log_lines_rate_limited(void **state)
{
	struct fx *f = *state;
	char path[] = "/tmp/storvsp_log.XXXXXX";
	int fd = mkstemp(path), saved = dup(2);
	unsigned int lines;
	bool suppressed;

	assert_true(fd >= 0 && saved >= 0);
	fflush(stderr);
	assert_true(dup2(fd, 2) >= 0);
	for (int i = 0; i < 1000; i++) {
		storvsp_protocol_reset(f->sv);
		handshake(f, 0x0602);
	}
	fflush(stderr);
	lines = count_lines(path, "guest speaks VSTOR", &suppressed);
	assert_int_equal(lines, 64);
	assert_false(suppressed);
	sleep(1);
	storvsp_protocol_reset(f->sv);
	handshake(f, 0x0602);
	fflush(stderr);
	assert_true(dup2(saved, 2) >= 0);
	close(saved);
	close(fd);
	assert_int_equal(count_lines(path, "guest speaks VSTOR", &suppressed), 65);
	assert_true(suppressed);
	unlink(path);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_handshake_versions, setup, teardown),
		cmocka_unit_test_setup_teardown(test_malformed_packets, setup, teardown),
		cmocka_unit_test_setup_teardown(test_srb_io, setup, teardown),
		cmocka_unit_test_setup_teardown(test_bad_srb_fields, setup, teardown),
		cmocka_unit_test_setup_teardown(test_hotplug_luns, setup, teardown),
		cmocka_unit_test_setup_teardown(test_remove_not_starved_by_io, setup, teardown),
		cmocka_unit_test_setup_teardown(test_log_lines_rate_limited, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
