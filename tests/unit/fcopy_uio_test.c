// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * ovb-fcopyd on a uio channel (daemons/uio_chan.c, daemons/fcopy_ic.c)
 * against a fake host: the ring pair in a memory buffer laid out as
 * uio_hv_generic's map 0 (tx half, rx half), the host's side of it
 * through lib/ring, and a socketpair standing for /dev/uioN (the host
 * end reads our 4-byte signals and writes interrupt counts). Copies land
 * in a temporary directory.
 *
 * Checked: the negotiation answer (framework 3.0, fcopy 1.1, or none),
 * a copy with UTF-16 names, the refusals (before negotiation, bad
 * UTF-16, an existing file, a bad fragment, unknown types) with the
 * partial file removed, packets that are no IC message dropped without
 * an answer, an oversized packet skipped, a corrupt ring index failing
 * the channel, a full tx ring dropping the answer after its timeout, the
 * loop stopping on a signal and on the device's end.
 */
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>

#include "daemons/daemon.h"
#include "daemons/fcopy_file.h"
#include "daemons/fcopy_ic.h"
#include "daemons/uio_chan.h"
#include "lib/ic_negotiate.h"

#define DATA	(12 * 1024u)	/* each ring's data area: a 16 KiB ring as the 6.12 daemon maps it */
#define HALF	(OVB_RING_CTL_SIZE + DATA)

static uint8_t mem[2 * HALF] __attribute__((aligned(4096)));
static struct uio_chan c;
static struct ovb_ring htx, hrx;	/* the host: writes our rx half, reads our tx half */
static int hfd = -1;
static struct fcopy_state fc;
static struct fcopy_ic ic;
static char tmpdir[64];
static int tmpfd = -1;
static uint8_t txn;

static int rm_one(const char *p, const struct stat *st, int type, struct FTW *f)
{
	return f->level ? remove(p) : 0;
}

static int setup(void **state)
{
	int sv[2];

	if (tmpfd < 0) {
		snprintf(tmpdir, sizeof(tmpdir), "/tmp/ovb-fcopy-uio-test.XXXXXX");
		if (!mkdtemp(tmpdir))
			return -1;
		tmpfd = open(tmpdir, O_RDONLY | O_DIRECTORY);
	}
	nftw(tmpdir, rm_one, 16, FTW_DEPTH | FTW_PHYS);
	memset(mem, 0, sizeof(mem));
	ovb_ring_ctl_reset((struct ovb_ring_ctl *)mem);
	ovb_ring_ctl_reset((struct ovb_ring_ctl *)(mem + HALF));
	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv))
		return -1;
	if (uio_chan_attach(&c, sv[0], mem, sizeof(mem)))
		return -1;
	hfd = sv[1];
	c.send_timeout_ms = 50;
	if (ovb_ring_tx_init(&htx, (struct ovb_ring_ctl *)(mem + HALF), mem + HALF + OVB_RING_CTL_SIZE,
			     DATA, 0) ||
	    ovb_ring_rx_init(&hrx, (struct ovb_ring_ctl *)mem, mem + OVB_RING_CTL_SIZE, DATA, 0))
		return -1;
	fcopy_init(&fc, tmpfd);
	fcopy_ic_init(&ic, &fc);
	return tmpfd < 0 ? -1 : 0;
}

static int teardown(void **state)
{
	fcopy_abort(&fc);
	uio_chan_close(&c);
	if (hfd >= 0)
		close(hfd);
	hfd = -1;
	return 0;
}

/* Signals we sent the host since the last call (4-byte writes of 1 each). */
static int host_signals(void)
{
	int32_t v;
	int n = 0;

	while (recv(hfd, &v, sizeof(v), MSG_DONTWAIT) == (ssize_t)sizeof(v)) {
		assert_int_equal(v, 1);
		n++;
	}
	return n;
}

/* An IC message: pipe header, IC header, @body. Its length. */
static uint32_t ic_msg(uint8_t *buf, uint16_t type, const void *body, uint32_t blen)
{
	struct vmbuspipe_hdr p = { .flags = 0, .msgsize = (uint32_t)sizeof(struct icmsg_hdr) + blen };
	struct icmsg_hdr h = {
		.icverframe = { 3, 0 }, .icmsgtype = type, .icvermsg = { 1, 1 },
		.icmsgsize = (uint16_t)blen, .ictransaction_id = txn++,
		.icflags = ICMSGHDRFLAG_TRANSACTION | ICMSGHDRFLAG_REQUEST,
	};

	memcpy(buf, &p, sizeof(p));
	memcpy(buf + sizeof(p), &h, sizeof(h));
	memcpy(buf + ICMSG_HDR_SIZE, body, blen);
	return ICMSG_HDR_SIZE + blen;
}

static void host_send(uint16_t type, uint64_t tid, const void *payload, uint32_t len)
{
	ovb_bool sig = 0;

	assert_int_equal(ovb_ring_tx_inband(&htx, type, OVB_VMPKT_FLAG_COMPLETION_REQUESTED, tid,
					    payload, len, &sig), 0);
}

/* The next answer, descriptor first; its length, 0 if none. */
static uint32_t host_recv(uint8_t *buf, uint32_t size)
{
	ovb_bool sig;
	uint32_t len;

	if (ovb_ring_rx_peek(&hrx, buf, size, &len))
		return 0;
	ovb_ring_rx_advance(&hrx);
	ovb_ring_rx_commit(&hrx, &sig);
	return len;
}

/*
 * One IC request through the ring and the drain; the answer's status
 * (its body in @ans if given), or -1 for no answer.
 */
static int64_t roundtrip(uint16_t type, const void *body, uint32_t blen, uint8_t *ans)
{
	static uint8_t msg[UIO_CHAN_PKT_MAX], pkt[UIO_CHAN_PKT_MAX];
	static uint64_t tid = 100;
	struct ovb_vmpacket_desc d;
	struct icmsg_hdr h;
	uint32_t len, off;

	len = ic_msg(msg, type, body, blen);
	host_send(OVB_VMPKT_DATA_INBAND, ++tid, msg, len);
	assert_int_equal(uio_chan_drain(&c, fcopy_ic_handle, &ic), 1);
	assert_true(host_signals() >= 1);	/* every drain unmasks and signals */
	len = host_recv(pkt, sizeof(pkt));
	if (!len)
		return -1;
	memcpy(&d, pkt, sizeof(d));
	assert_int_equal(d.type, OVB_VMPKT_DATA_INBAND);
	assert_int_equal(d.trans_id, tid);
	off = d.offset8 * 8u;
	assert_true(len >= off + ICMSG_HDR_SIZE);
	memcpy(&h, pkt + off + sizeof(struct vmbuspipe_hdr), sizeof(h));
	assert_int_equal(h.icflags, ICMSGHDRFLAG_TRANSACTION | ICMSGHDRFLAG_RESPONSE);
	assert_int_equal(h.icmsgtype, type);
	if (ans)
		memcpy(ans, pkt + off + ICMSG_HDR_SIZE, len - off - ICMSG_HDR_SIZE);
	return h.status;
}

static const uint32_t host_fw[] = { IC_FW_VERSION_3, IC_FW_VERSION_1 };

static int64_t negotiate(const uint32_t *srv, unsigned int nsrv, uint32_t *got_fw, uint32_t *got_srv)
{
	const struct ovb_ic_versions v = { .fw = host_fw, .nfw = 2, .srv = srv, .nsrv = nsrv };
	uint8_t body[64], ans[UIO_CHAN_PKT_MAX];
	int len = ovb_ic_negotiate_offer(body, sizeof(body), &v);
	int64_t st;

	assert_true(len > 0);
	st = roundtrip(ICMSGTYPE_NEGOTIATE, body, (uint32_t)len, ans);
	if (st == HV_S_OK)
		assert_int_equal(ovb_ic_negotiate_check(ans, (uint32_t)len, &v, got_fw, got_srv), 0);
	return st;
}

static void negotiated(void)
{
	static const uint32_t srv[] = { IC_FCOPY_VERSION_1_1 };
	uint32_t fw, sv;

	assert_int_equal(negotiate(srv, 1, &fw, &sv), HV_S_OK);
	assert_int_equal(fw, IC_FW_VERSION_3);
	assert_int_equal(sv, IC_FCOPY_VERSION_1_1);
}

/* ASCII @s into a UTF-16LE field (a packed struct's: through bytes). */
static void put16(void *field, const char *s)
{
	uint8_t *f = field;
	size_t i;

	for (i = 0; s[i]; i++) {
		f[2 * i] = (uint8_t)s[i];
		f[2 * i + 1] = 0;
	}
	f[2 * i] = f[2 * i + 1] = 0;
}

static int64_t start(const char *path, const char *name, uint32_t flags, uint64_t size)
{
	struct fcopy_start s;

	memset(&s, 0, sizeof(s));
	s.hdr.operation = IC_FCOPY_START;
	put16(&s.path_name, path);
	put16(&s.file_name, name);
	s.copy_flags = flags;
	s.file_size = size;
	return roundtrip(ICMSGTYPE_FCOPY, &s, sizeof(s), NULL);
}

/* A fragment of @size bytes claimed, strlen(@data) given (the rest zeros). */
static int64_t write_frag(uint64_t off, const char *data, uint32_t size)
{
	static struct fcopy_write w;

	memset(&w, 0, sizeof(w));
	w.hdr.operation = IC_FCOPY_WRITE;
	w.offset = off;
	w.size = size;
	memcpy(w.data, data, strnlen(data, sizeof(w.data)));
	return roundtrip(ICMSGTYPE_FCOPY, &w, sizeof(w), NULL);
}

static int64_t op(uint32_t operation)
{
	struct fcopy_hdr h = { .operation = operation };

	return roundtrip(ICMSGTYPE_FCOPY, &h, sizeof(h), NULL);
}

static char *path_of(const char *rel)
{
	static char p[256];

	snprintf(p, sizeof(p), "%s/%s", tmpdir, rel);
	return p;
}

static void assert_file(const char *rel, const char *content)
{
	char buf[256];
	int fd = open(path_of(rel), O_RDONLY);
	ssize_t n;

	assert_true(fd >= 0);
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	assert_true(n >= 0);
	buf[n] = '\0';
	assert_string_equal(buf, content);
}

static void test_negotiation(void **state)
{
	static const uint32_t only_1_0[] = { IC_VERSION(1, 0) };
	static const uint32_t newer_first[] = { IC_VERSION(2, 0), IC_FCOPY_VERSION_1_1 };
	uint32_t fw, srv;

	/* a service version we do not speak: a failed answer, still negotiating */
	assert_int_equal(negotiate(only_1_0, 1, &fw, &srv), HV_E_FAIL);
	assert_int_equal(op(IC_FCOPY_COMPLETE), HV_E_FAIL);
	assert_int_equal(negotiate(newer_first, 2, &fw, &srv), HV_S_OK);
	assert_int_equal(fw, IC_FW_VERSION_3);
	assert_int_equal(srv, IC_FCOPY_VERSION_1_1);
	assert_int_equal(ic.srv_version, IC_FCOPY_VERSION_1_1);
}

static void test_copy(void **state)
{
	char big[IC_FCOPY_FRAGMENT + 1];

	/* fcopy before the negotiation is refused */
	assert_int_equal(start("/d", "f.txt", IC_FCOPY_CREATE_PATH, 11), HV_E_FAIL);
	negotiated();
	assert_int_equal(start("/d/e", "f.txt", IC_FCOPY_CREATE_PATH, 11), HV_S_OK);
	assert_int_equal(write_frag(0, "hello ", 6), HV_S_OK);
	assert_int_equal(write_frag(6, "world", 5), HV_S_OK);
	assert_int_equal(op(IC_FCOPY_COMPLETE), HV_S_OK);
	assert_file("d/e/f.txt", "hello world");
	/* without --overwrite an existing file is refused, and stays */
	assert_int_equal(start("/d/e", "f.txt", 0, 3), HV_ERROR_ALREADY_EXISTS);
	assert_file("d/e/f.txt", "hello world");
	/* with it, replaced on COMPLETE */
	assert_int_equal(start("/d/e", "f.txt", IC_FCOPY_OVERWRITE, 3), HV_S_OK);
	assert_int_equal(write_frag(0, "new", 3), HV_S_OK);
	assert_int_equal(op(IC_FCOPY_COMPLETE), HV_S_OK);
	assert_file("d/e/f.txt", "new");
	/* a whole fragment */
	memset(big, 'x', IC_FCOPY_FRAGMENT);
	big[IC_FCOPY_FRAGMENT] = '\0';
	assert_int_equal(start("/", "big", 0, IC_FCOPY_FRAGMENT), HV_S_OK);
	assert_int_equal(write_frag(0, big, IC_FCOPY_FRAGMENT), HV_S_OK);
	assert_int_equal(op(IC_FCOPY_COMPLETE), HV_S_OK);
	assert_int_equal(fc.files, 3);
	assert_int_equal(c.answers, c.packets);
}

static void test_refusals_remove_partial(void **state)
{
	struct fcopy_start s;

	negotiated();
	/* CANCEL: the partial file goes */
	assert_int_equal(start("/", "part", 0, 10), HV_S_OK);
	assert_int_equal(write_frag(0, "12345", 5), HV_S_OK);
	assert_int_equal(access(path_of("part"), F_OK), 0);
	assert_int_equal(op(IC_FCOPY_CANCEL), HV_S_OK);
	assert_int_equal(access(path_of("part"), F_OK), -1);
	/* a fragment larger than a fragment: failed, and the partial file goes */
	assert_int_equal(start("/", "part", 0, 10000), HV_S_OK);
	assert_int_equal(write_frag(0, "x", IC_FCOPY_FRAGMENT + 1), HV_E_FAIL);
	assert_int_equal(access(path_of("part"), F_OK), -1);
	/* a lone surrogate in the name: failed, nothing created */
	memset(&s, 0, sizeof(s));
	s.hdr.operation = IC_FCOPY_START;
	put16(&s.path_name, "/");
	s.file_name[0] = 0xd800;
	s.file_name[1] = 'a';
	assert_int_equal(roundtrip(ICMSGTYPE_FCOPY, &s, sizeof(s), NULL), HV_E_FAIL);
	/* a name without its end in the field: 260 characters, longer than NAME_MAX */
	for (size_t i = 0; i < IC_FCOPY_MAX_PATH; i++)
		s.file_name[i] = 'a';
	assert_int_equal(roundtrip(ICMSGTYPE_FCOPY, &s, sizeof(s), NULL), HV_INVALIDARG);
	/* a START short of its fields (beyond the padding), ".." in the path */
	assert_int_equal(roundtrip(ICMSGTYPE_FCOPY, &s, sizeof(s) - 8, NULL), HV_E_FAIL);
	assert_int_equal(start("/../x", "f", IC_FCOPY_CREATE_PATH, 1), HV_INVALIDARG);
	/* short fcopy header, unknown operation, another IC type */
	assert_int_equal(roundtrip(ICMSGTYPE_FCOPY, &s, 3, NULL), HV_E_FAIL);
	assert_int_equal(op(77), HV_E_FAIL);
	assert_int_equal(roundtrip(ICMSGTYPE_KVPEXCHANGE, &s, 16, NULL), HV_E_FAIL);
	assert_int_equal(fc.files, 2);	/* the two STARTs of "part" */
	assert_int_equal(access(path_of("part"), F_OK), -1);
	assert_int_equal(access(path_of("x"), F_OK), -1);
	assert_true(ic.refused >= 8);
}

static void test_not_ic_dropped(void **state)
{
	uint8_t msg[64] = { 0 }, pkt[256];

	negotiated();
	/* not in band; in band but shorter than the IC headers, padding and all: no answer */
	host_send(OVB_VMPKT_COMP, 1, msg, ICMSG_HDR_SIZE);
	host_send(OVB_VMPKT_DATA_INBAND, 2, msg, ICMSG_HDR_SIZE - 8);
	assert_int_equal(uio_chan_drain(&c, fcopy_ic_handle, &ic), 2);
	assert_int_equal(host_recv(pkt, sizeof(pkt)), 0);
	/* the channel still works */
	assert_int_equal(op(IC_FCOPY_CANCEL), HV_S_OK);
}

static void test_handler_checks_descriptor(void **state)
{
	uint8_t pkt[128] = { 0 }, out[UIO_CHAN_PKT_MAX];
	struct ovb_vmpacket_desc d = { .type = OVB_VMPKT_DATA_INBAND, .offset8 = 1, .len8 = 16 };
	uint64_t tid;

	/* an offset into the descriptor, past the packet, a packet shorter than a descriptor */
	memcpy(pkt, &d, sizeof(d));
	assert_int_equal(fcopy_ic_handle(&ic, pkt, sizeof(pkt), out, &tid), 0);
	d.offset8 = 17;
	memcpy(pkt, &d, sizeof(d));
	assert_int_equal(fcopy_ic_handle(&ic, pkt, sizeof(pkt), out, &tid), 0);
	assert_int_equal(fcopy_ic_handle(&ic, pkt, 15, out, &tid), 0);
	/* the padding to 8 bytes is part of the message, as Linux takes it */
	d.offset8 = 2;
	memcpy(pkt, &d, sizeof(d));
	ic_msg(pkt + 16, ICMSGTYPE_FCOPY, &(struct fcopy_hdr){ .operation = IC_FCOPY_CANCEL },
	       sizeof(struct fcopy_hdr));
	assert_int_equal(fcopy_ic_handle(&ic, pkt, 16 + 64, out, &tid), 64);
	assert_int_equal(ic.refused, 4);	/* (not negotiated: the CANCEL failed) */
}

static void test_oversized_packet_skipped(void **state)
{
	static uint8_t huge[UIO_CHAN_PKT_MAX];
	uint8_t pkt[256];

	negotiated();
	host_send(OVB_VMPKT_DATA_INBAND, 1, huge, sizeof(huge));
	assert_int_equal(uio_chan_drain(&c, fcopy_ic_handle, &ic), 1);
	assert_int_equal(c.dropped, 1);
	assert_int_equal(host_recv(pkt, sizeof(pkt)), 0);
	assert_int_equal(op(IC_FCOPY_CANCEL), HV_S_OK);
}

static void test_bad_index_fails_channel(void **state)
{
	struct ovb_ring_ctl *rx = (struct ovb_ring_ctl *)(mem + HALF);
	uint8_t bad[8] = { 0 };

	negotiated();
	rx->write_index = DATA + 8;	/* past the ring */
	assert_int_equal(uio_chan_drain(&c, fcopy_ic_handle, &ic), -1);
	assert_true(ovb_ring_failed(&c.rx));
	/* attach checks our own indices too, and the map's size */
	rx->write_index = 0;
	rx->read_index = 4;
	assert_int_equal(uio_chan_attach(&c, hfd, mem, sizeof(mem)), -1);
	rx->read_index = 0;
	((struct ovb_ring_ctl *)mem)->write_index = DATA;
	assert_int_equal(uio_chan_attach(&c, hfd, mem, sizeof(mem)), -1);
	assert_int_equal(uio_chan_attach(&c, hfd, mem, sizeof(mem) - 8), -1);
	assert_int_equal(uio_chan_attach(&c, hfd, mem, 2 * OVB_RING_CTL_SIZE), -1);
	assert_int_equal(uio_chan_attach(&c, hfd, bad, 0), -1);
	c.fd = -1;	/* (teardown closes hfd once) */
}

static void test_full_tx_ring_drops_answer(void **state)
{
	uint8_t pkt[UIO_CHAN_PKT_MAX];
	static struct fcopy_write w;
	uint8_t msg[UIO_CHAN_PKT_MAX];
	uint32_t len;

	negotiated();
	host_recv(pkt, sizeof(pkt));	/* (nothing left) */
	assert_int_equal(start("/", "f", 0, 2 * IC_FCOPY_FRAGMENT), HV_S_OK);
	/* two whole fragments, the host reading nothing: the second answer finds no room */
	memset(&w, 0, sizeof(w));
	w.hdr.operation = IC_FCOPY_WRITE;
	w.size = IC_FCOPY_FRAGMENT;
	len = ic_msg(msg, ICMSGTYPE_FCOPY, &w, sizeof(w));
	host_send(OVB_VMPKT_DATA_INBAND, 1, msg, len);
	assert_int_equal(uio_chan_drain(&c, fcopy_ic_handle, &ic), 1);
	w.offset = IC_FCOPY_FRAGMENT;
	len = ic_msg(msg, ICMSGTYPE_FCOPY, &w, sizeof(w));
	host_send(OVB_VMPKT_DATA_INBAND, 2, msg, len);
	assert_int_equal(uio_chan_drain(&c, fcopy_ic_handle, &ic), 1);
	assert_int_equal(c.dropped, 1);
	/* it asked the host for room and woke it before giving up */
	assert_true(((struct ovb_ring_ctl *)mem)->pending_send_sz == 0);
	assert_true(host_signals() >= 2);
	/* the host reads: the channel goes on */
	assert_true(host_recv(pkt, sizeof(pkt)) > 0);
	assert_int_equal(op(IC_FCOPY_COMPLETE), HV_S_OK);
	assert_int_equal(fc.files, 1);
}

static void test_wait_and_serve(void **state)
{
	static const uint32_t srv[] = { IC_FCOPY_VERSION_1_1 };
	const struct ovb_ic_versions v = { .fw = host_fw, .nfw = 2, .srv = srv, .nsrv = 1 };
	uint8_t body[64], msg[256], pkt[256];
	int32_t count = 1;
	int sigfd = ovbd_signalfd();
	int len;

	assert_true(sigfd >= 0);
	/* a timeout, an interrupt, the count taken */
	assert_int_equal(uio_chan_wait(&c, sigfd, 10), 0);
	assert_int_equal(send(hfd, &count, sizeof(count), 0), (ssize_t)sizeof(count));
	assert_int_equal(uio_chan_wait(&c, sigfd, 1000), 1);
	assert_int_equal(uio_chan_wait(&c, sigfd, 10), 0);
	assert_int_equal(c.interrupts, 1);
	/* serve answers what is there, then stops on SIGTERM */
	len = ovb_ic_negotiate_offer(body, sizeof(body), &v);
	host_send(OVB_VMPKT_DATA_INBAND, 9,
		  msg, ic_msg(msg, ICMSGTYPE_NEGOTIATE, body, (uint32_t)len));
	raise(SIGTERM);
	assert_int_equal(uio_chan_serve(&c, sigfd, fcopy_ic_handle, &ic), 0);
	assert_true(host_recv(pkt, sizeof(pkt)) > 0);
	assert_int_equal(ic.srv_version, IC_FCOPY_VERSION_1_1);
	/* the device's end (the host end closed): serve stops */
	close(hfd);
	hfd = -1;
	assert_int_equal(uio_chan_serve(&c, sigfd, fcopy_ic_handle, &ic), 0);
	close(sigfd);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_negotiation, setup, teardown),
		cmocka_unit_test_setup_teardown(test_copy, setup, teardown),
		cmocka_unit_test_setup_teardown(test_refusals_remove_partial, setup, teardown),
		cmocka_unit_test_setup_teardown(test_not_ic_dropped, setup, teardown),
		cmocka_unit_test_setup_teardown(test_handler_checks_descriptor, setup, teardown),
		cmocka_unit_test_setup_teardown(test_oversized_packet_skipped, setup, teardown),
		cmocka_unit_test_setup_teardown(test_bad_index_fails_channel, setup, teardown),
		cmocka_unit_test_setup_teardown(test_full_tx_ring_drops_answer, setup, teardown),
		cmocka_unit_test_setup_teardown(test_wait_and_serve, setup, teardown),
	};

	ovbd_log_init("fcopy_uio_test", false);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
