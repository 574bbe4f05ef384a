// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * libFuzzer target: storvsp's packet, SRB and CDB parsing. Input layout:
 * byte 0 = state (bit 0: handshake done first, bit 1: on a sub-channel),
 * bytes 1-2 = packet length N (LE), then N packet bytes (descriptor
 * first, as the ring hands them over), then bytes copied into guest RAM
 * (parameter lists, data). Guest RAM is 64 pages between guard pages;
 * the disk at LUN 0 is a 1 MiB sparse raw image in a temp dir, at LUN 1
 * a 4Kn VHDX (4096-byte logical sectors: CDBs count 4 KiB blocks).
 */
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "ovb/ring.h"
#include "ovb/storvsc_proto.h"
#include "hostside/disk/vhdx.h"
#include "hostside/storvsp/disk_backend.h"
#include "hostside/storvsp/storvsp.h"

#define RAM_BYTES (64u * 4096)

static uint8_t *ram;
static struct storvsp *sv;

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void *ram_map(void *ctx, uint64_t gpa, uint64_t len)
{
	(void)ctx;
	if (gpa >= RAM_BYTES || len > RAM_BYTES - gpa)
		return NULL;
	return ram + gpa;
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	char path[] = "/tmp/storvsp_fuzz.XXXXXX";
	struct storvsp_disk_opts o = { .path = path };
	int fd = mkstemp(path);
	uint8_t *m;

	(void)argc;
	(void)argv;
	if (fd < 0 || ftruncate(fd, 1 << 20) < 0)
		abort();
	close(fd);
	m = mmap(NULL, RAM_BYTES + 8192, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (m == MAP_FAILED)
		abort();
	ram = m + 4096;
	mprotect(ram, RAM_BYTES, PROT_READ | PROT_WRITE);
	sv = storvsp_new(NULL, 4);
	if (!sv || storvsp_disk_add(sv, 0, &o) != 0)
		abort();
	unlink(path);	/* the open fd keeps it */
	{
		char k4[] = "/tmp/storvsp_fuzz.XXXXXX";
		struct vhdx_create_opts c = { .type = VHDX_DYNAMIC, .size = 1 << 20,
					      .block_size = 1 << 20, .logical_sector = 4096 };
		const char *why;

		fd = mkstemp(k4);
		if (fd < 0)
			abort();
		close(fd);
		o = (struct storvsp_disk_opts){ .path = k4, .format = DISK_FORMAT_VHDX };
		if (vhdx_create(k4, &c, &why) || storvsp_disk_add(sv, 1, &o) != 1)
			abort();
		unlink(k4);
	}
	return 0;
}

static void fuzz_op(uint32_t op, uint16_t arg)
{
	struct {
		struct ovb_vmpacket_desc d;
		struct ovb_vstor_packet p;
	} pkt;
	struct ovb_vstor_packet resp;
	unsigned int sub;

	memset(&pkt, 0, sizeof(pkt));
	pkt.d.type = OVB_VMPKT_DATA_INBAND;
	pkt.d.offset8 = 2;
	pkt.d.len8 = sizeof(pkt) / 8;
	pkt.p.operation = op;
	pkt.p.version.major_minor = arg;
	storvsp_packet_handle(sv, 0, &pkt, sizeof(pkt), ram_map, NULL, &resp, &sub);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static uint64_t pkt[1024];
	struct ovb_vstor_packet resp;
	unsigned int sub;
	size_t n;

	if (size < 3)
		return 0;
	storvsp_protocol_reset(sv);
	if (data[0] & 1) {
		fuzz_op(OVB_VSTOR_OP_BEGIN_INITIALIZATION, 0);
		fuzz_op(OVB_VSTOR_OP_QUERY_PROTOCOL_VERSION, OVB_VMSTOR_PROTO_VERSION_WIN10);
		fuzz_op(OVB_VSTOR_OP_END_INITIALIZATION, 0);
	}
	n = (size_t)data[1] | (size_t)data[2] << 8;
	if (n > size - 3)
		n = size - 3;
	if (n > sizeof(pkt))
		n = sizeof(pkt);
	/* exactly n bytes, so ASan sees any read past the packet */
	{
		uint8_t *p = malloc(n ? n : 1);

		memcpy(p, data + 3, n);
		memset(ram, 0, 2 * 4096);
		memcpy(ram, data + 3 + n, size - 3 - n < 2 * 4096 ? size - 3 - n : 2 * 4096);
		storvsp_packet_handle(sv, (data[0] & 2) ? 1 : 0, p, (uint32_t)n, ram_map, NULL,
				      &resp, &sub);
		free(p);
	}
	return 0;
}
