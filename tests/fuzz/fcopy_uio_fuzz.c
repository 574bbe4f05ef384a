// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * libFuzzer: ovb-fcopyd's uio channel (daemons/uio_chan.c) and its IC
 * framing (daemons/fcopy_ic.c) fed what a host could put in the rings, as
 * a script: each step either writes an IC message through the host's
 * side of the ring pair (a negotiation or an fcopy operation laid out
 * right, its length anything up to the largest, any span overwritten with
 * raw input: counts, versions, UTF-16 names, sizes, offsets), writes raw
 * bytes or an index into the shared ring memory (the channel may fail:
 * it is set up afresh then), hands a raw packet to the handler directly,
 * or lets the host read the answers. The copies land in a temporary
 * directory, emptied for each input.
 *
 * Checked: every answer is a response (TRANSACTION|RESPONSE) of an
 * in-band packet no longer than the largest; a handler answer never
 * exceeds the packet it answers; nothing is written outside the
 * temporary directory (".." is refused); ASan and UBSan do the rest.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "daemons/daemon.h"
#include "daemons/fcopy_file.h"
#include "daemons/fcopy_ic.h"
#include "daemons/uio_chan.h"
#include "lib/ic_negotiate.h"
#include "tests/fuzz/fuzz_input.h"
#include "tests/fuzz/fuzz_tmpdir.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *in, size_t size);

#define DATA	(12 * 1024u)
#define HALF	(OVB_RING_CTL_SIZE + DATA)
#define STEPS	64

static uint8_t mem[2 * HALF] __attribute__((aligned(4096)));
static struct uio_chan c;
static struct ovb_ring htx, hrx;
static struct fcopy_state fc;
static struct fcopy_ic ic;
static int gfd = -1, hfd = -1;
static char dir[64];
static int dirfd_ = -1;

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	int sv[2];

	dirfd_ = fuzz_tmpdir(dir, sizeof(dir), "ovb-fcopy-uio-fuzz");
	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv))
		abort();
	gfd = sv[0];
	hfd = sv[1];
	ovbd_log_init("fcopy_uio_fuzz", false);
	ovbd_log_suspend(true);
	return 0;
}

/* The ring pair afresh (a new channel open), both sides attached. */
static void chan_reset(void)
{
	memset(mem, 0, sizeof(mem));
	ovb_ring_ctl_reset((struct ovb_ring_ctl *)mem);
	ovb_ring_ctl_reset((struct ovb_ring_ctl *)(mem + HALF));
	if (uio_chan_attach(&c, gfd, mem, sizeof(mem)) ||
	    ovb_ring_tx_init(&htx, (struct ovb_ring_ctl *)(mem + HALF),
			     mem + HALF + OVB_RING_CTL_SIZE, DATA, 0) ||
	    ovb_ring_rx_init(&hrx, (struct ovb_ring_ctl *)mem, mem + OVB_RING_CTL_SIZE, DATA, 0))
		abort();
	c.send_timeout_ms = 0;	/* a full tx ring drops the answer at once */
}

static void host_signals_drop(void)
{
	int32_t v;

	while (recv(hfd, &v, sizeof(v), MSG_DONTWAIT) == (ssize_t)sizeof(v))
		;
}

static void check_answer(const uint8_t *pkt, uint32_t len)
{
	struct ovb_vmpacket_desc d;
	struct icmsg_hdr h;
	uint32_t off;

	memcpy(&d, pkt, sizeof(d));
	off = d.offset8 * 8u;
	if (d.type != OVB_VMPKT_DATA_INBAND || len > UIO_CHAN_PKT_MAX || off > len ||
	    len - off < ICMSG_HDR_SIZE)
		abort();
	memcpy(&h, pkt + off + sizeof(struct vmbuspipe_hdr), sizeof(h));
	if (h.icflags != (ICMSGHDRFLAG_TRANSACTION | ICMSGHDRFLAG_RESPONSE))
		abort();
}

static void host_read_answers(void)
{
	static uint8_t pkt[UIO_CHAN_PKT_MAX];
	ovb_bool sig;
	uint32_t len;
	int ret;

	while ((ret = ovb_ring_rx_peek(&hrx, pkt, sizeof(pkt), &len)) == 0 || ret == -EMSGSIZE) {
		if (ret == -EMSGSIZE)
			abort();	/* we never send more than the largest */
		check_answer(pkt, len);
		ovb_ring_rx_advance(&hrx);
	}
	ovb_ring_rx_commit(&hrx, &sig);
}

static void drain(void)
{
	if (uio_chan_drain(&c, fcopy_ic_handle, &ic) < 0 &&
	    (ovb_ring_failed(&c.rx) || ovb_ring_failed(&c.tx)))
		chan_reset();
	host_signals_drop();
}

/* An IC message of @type with the body the step lays out; its length. */
static uint32_t ic_layout(struct fz *f, uint8_t *msg, uint32_t size)
{
	static const uint32_t fw[] = { IC_FW_VERSION_3, IC_FW_VERSION_1 };
	static const uint32_t srv[] = { IC_FCOPY_VERSION_1_1, IC_VERSION(1, 0) };
	struct vmbuspipe_hdr p = { 0 };
	struct icmsg_hdr h = { .icflags = ICMSGHDRFLAG_TRANSACTION | ICMSGHDRFLAG_REQUEST };
	uint8_t kind = fz_u8(f);
	uint8_t *body = msg + ICMSG_HDR_SIZE;
	uint32_t blen = 0, op;

	memset(msg, 0, size);
	switch (kind % 6) {
	case 0: {
		const struct ovb_ic_versions v = { .fw = fw, .nfw = 1 + (kind >> 7),
						   .srv = srv, .nsrv = 1 + ((kind >> 6) & 1) };
		int n = ovb_ic_negotiate_offer(body, size - ICMSG_HDR_SIZE, &v);

		h.icmsgtype = ICMSGTYPE_NEGOTIATE;
		blen = n > 0 ? (uint32_t)n : 0;
		break;
	}
	case 1: {
		struct fcopy_start s = { .hdr.operation = IC_FCOPY_START };
		uint8_t *name = (uint8_t *)&s.file_name, *path = (uint8_t *)&s.path_name;

		name[0] = 'f';
		path[0] = '/';
		path[2] = 'd';
		s.copy_flags = fz_u8(f) & 3;
		s.file_size = fz_u16(f);
		memcpy(body, &s, sizeof(s));
		h.icmsgtype = ICMSGTYPE_FCOPY;
		blen = sizeof(s);
		break;
	}
	case 2: {
		struct fcopy_write w = { .hdr.operation = IC_FCOPY_WRITE };

		w.offset = fz_u16(f);
		w.size = fz_u16(f) % (IC_FCOPY_FRAGMENT + 16);
		memcpy(body, &w, sizeof(w));
		h.icmsgtype = ICMSGTYPE_FCOPY;
		blen = sizeof(w);
		break;
	}
	default:
		op = kind % 6 == 3 ? IC_FCOPY_COMPLETE : kind % 6 == 4 ? IC_FCOPY_CANCEL : fz_u32(f);
		memcpy(body, &op, sizeof(op));
		h.icmsgtype = kind % 6 == 5 ? fz_u16(f) : ICMSGTYPE_FCOPY;
		blen = sizeof(struct fcopy_hdr);
		break;
	}
	/* any length, then any span raw */
	if (fz_u8(f) & 1)
		blen = fz_u16(f) % (size - ICMSG_HDR_SIZE + 1);
	h.icmsgsize = (uint16_t)blen;
	p.msgsize = (uint32_t)sizeof(h) + blen;
	memcpy(msg, &p, sizeof(p));
	memcpy(msg + sizeof(p), &h, sizeof(h));
	{
		uint32_t len = ICMSG_HDR_SIZE + blen;
		uint32_t at = fz_u16(f) % (len + 1), n = fz_u8(f);

		if (n > len - at)
			n = len - at;
		fz_take(f, msg + at, n);
		return len;
	}
}

static void step(struct fz *f)
{
	static uint8_t msg[UIO_CHAN_PKT_MAX], out[UIO_CHAN_PKT_MAX];
	uint8_t what = fz_u8(f);
	ovb_bool sig = 0;

	switch (what % 5) {
	case 0:
	case 1: {
		uint32_t len = ic_layout(f, msg, sizeof(msg) - 64);
		uint16_t type = what & 0x80 ? fz_u16(f) % 16 : OVB_VMPKT_DATA_INBAND;

		/* (a ring full of unanswered requests: the host reads first) */
		if (ovb_ring_tx_inband(&htx, type, 0, fz_u64(f), msg, len, &sig) == -EAGAIN) {
			drain();
			host_read_answers();
		}
		drain();
		break;
	}
	case 2: {
		/*
		 * Raw bytes anywhere in the ring the host writes, indices
		 * included (not in the one we write: the host reading its own
		 * scribbles back as our answers would prove nothing).
		 */
		uint16_t at = HALF + fz_u16(f) % HALF;
		uint8_t n = fz_u8(f);

		if (n > sizeof(mem) - at)
			n = (uint8_t)(sizeof(mem) - at);
		fz_take(f, mem + at, n);
		drain();
		break;
	}
	case 3: {
		/* a raw packet straight to the handler */
		uint32_t len = fz_u16(f) % (sizeof(msg) + 1);
		uint64_t tid;
		size_t alen;

		fz_take(f, msg, len);
		alen = fcopy_ic_handle(&ic, msg, len, out, &tid);
		if (alen > len || alen > UIO_CHAN_PKT_MAX - sizeof(struct ovb_vmpacket_desc))
			abort();
		if (alen && len >= ICMSG_HDR_SIZE + 16) {
			struct icmsg_hdr h;

			memcpy(&h, out + sizeof(struct vmbuspipe_hdr), sizeof(h));
			if (h.icflags != (ICMSGHDRFLAG_TRANSACTION | ICMSGHDRFLAG_RESPONSE))
				abort();
		}
		break;
	}
	default:
		host_read_answers();
		break;
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *in, size_t size)
{
	struct fz f = { in, size };

	fuzz_tmpdir_empty(dir);
	chan_reset();
	fcopy_init(&fc, dirfd_);
	fcopy_ic_init(&ic, &fc);
	for (int i = 0; i < STEPS && f.left; i++)
		step(&f);
	fcopy_abort(&fc);
	host_signals_drop();
	return 0;
}
