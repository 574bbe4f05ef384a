// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * libFuzzer: the guest's integration-services driver (icvsc/ic.c with
 * heartbeat.c, shutdown.c and negotiate.c, built against
 * tests/fuzz/guestshim) fed packets from a hostile host. Fresh state per input: a fake device of
 * the service byte 0 picks, probed by the real ic_probe; the channel is
 * a stub whose receive hands out the input's packets (or -EAGAIN, -EIO,
 * -EMSGSIZE), and whose send checks each answer: same length as its
 * request, flagged as a response, status OK or FAIL; a negotiation that
 * succeeded names one framework and one service version of ours that the
 * host offered; a heartbeat answers seq + 1; only a shutdown request
 * with flags 0 or RESTART (FORCE aside) powers off or reboots, once the
 * work runs; a time message answered OK carries a time after 1970, the
 * clock is set only after a SYNC was answered OK and never before 1970,
 * and the PTP clock reads a valid time or an error, and is unregistered
 * at remove. A callback run reads at most IC_BUDGET packets. Byte 0 % 4
 * == 3 instead feeds KVP's conversions of host and daemon messages
 * (kvp_convert).
 */
#include "tests/fuzz/guestshim/shim.h"

#include "icvsc/ic.c"
#include "icvsc/heartbeat.c"
#include "icvsc/shutdown.c"
#include "icvsc/timesync.c"
#include "icvsc/negotiate.c"

/*
 * KVP's conversions (icvsc/kvp.c: the host's UTF-16 request to the
 * daemon's UTF-8 message, the daemon's answer back) on their own: its
 * char device is not here, so the daemon framework is stubbed and
 * kvp_convert() below calls them directly.
 */
#define SHIM_REAL_KVP
#include "tests/fuzz/guestshim/stub_ic_daemons.h"
#include "icvsc/daemon.h"
struct file_operations {
	int unused;
};
const struct file_operations ic_daemon_fops;
void ic_daemon_timeout_fn(struct work_struct *w) { (void)w; }
int ic_daemon_probe(struct ic_daemon *d, struct ic_dev *ic) { (void)d; (void)ic; return 0; }
void ic_daemon_quiesce(struct ic_daemon *d) { (void)d; }
void ic_daemon_remove(struct ic_daemon *d) { (void)d; }
void ic_daemon_handle(struct ic_daemon *d, struct ic_dev *ic, struct icmsg_hdr *h, u8 *body,
		      u32 len)
{
	abort();	/* (no KVP device is probed here) */
}
#include "icvsc/kvp.c"

#include "tests/fuzz/fuzz_input.h"

int LLVMFuzzerTestOneInput(const uint8_t *in, size_t size);

/* ---- the bus and channel, stubbed ---------------------------------------- */
#include "tests/fuzz/guestshim/stub_bus.h"


static struct fz input;
static unsigned int recvs, poweroffs, reboots, want_poweroffs, want_reboots;
static unsigned int syncs_ok, clock_sets;
static u64 ref_now;		/* the guest's reference counter, moved by the input */

u64 ovb_hv_ref_time(void)
{
	return ref_now;
}

int do_settimeofday64(const struct timespec64 *ts)
{
	if (!syncs_ok || ts->tv_sec < 0 || ts->tv_nsec < 0 || ts->tv_nsec >= 1000000000)
		abort();
	clock_sets++;
	return 0;
}
static u8 req[IC_BUF_BYTES];	/* the request last handed out */
static u32 req_len;

void orderly_poweroff(bool force) { poweroffs++; }
void orderly_reboot(void) { reboots++; }

int ovb_channel_recv(struct ovb_channel *ch, void *buf, u32 buflen, u32 *len, u64 *trans_id)
{
	uint8_t kind;
	uint16_t n;

	if (!ch->open)
		abort();
	recvs++;
	if (!input.left)
		return -EAGAIN;
	kind = fz_u8(&input);
	if (kind >= 0xf0)
		return (kind & 3) == 0 ? -EAGAIN : (kind & 3) == 1 ? -EIO : -EMSGSIZE;
	n = fz_u16(&input);
	if (!(kind & 0x80))	/* mostly a plausible length */
		n %= 2 * ICMSG_HDR_SIZE + sizeof(struct ic_shutdown_msg);
	if (n > buflen)
		return -EMSGSIZE;
	fz_take(&input, buf, n);
	if (kind & 0x40) {	/* a well-formed header, the rest as it came */
		struct icmsg_hdr *h = (void *)((u8 *)buf + sizeof(struct vmbuspipe_hdr));

		if (n >= ICMSG_HDR_SIZE)
			h->icmsgtype = (kind & 0x20) ? ICMSGTYPE_NEGOTIATE : stub_vdev.drvdata ?
				((struct ic_dev *)stub_vdev.drvdata)->svc->msgtype : 0;
	}
	memcpy(req, buf, n);
	req_len = n;
	*len = n;
	*trans_id = kind;
	return 0;
}

static bool ours(const u32 *v, u32 n, struct ic_version x)
{
	for (u32 i = 0; i < n; i++)
		if (v[i] >> 16 == x.major && (v[i] & 0xffff) == x.minor)
			return true;
	return false;
}

static bool offered(const u8 *body, u32 from, u32 n, struct ic_version x)
{
	const struct ic_version *v = (const void *)(body + sizeof(struct icmsg_negotiate));

	for (u32 i = from; i < from + n; i++)
		if (v[i].major == x.major && v[i].minor == x.minor)
			return true;
	return false;
}

/* The answer to req: checked against what the host asked. */
int ovb_channel_send_inband(struct ovb_channel *ch, const void *buf, u32 len,
			    u64 trans_id, u16 flags)
{
	const struct ic_dev *ic = stub_vdev.drvdata;
	const struct icmsg_hdr *h = (const void *)((const u8 *)buf + sizeof(struct vmbuspipe_hdr));
	const struct icmsg_hdr *rh = (const void *)(req + sizeof(struct vmbuspipe_hdr));
	const u8 *body = (const u8 *)buf + ICMSG_HDR_SIZE, *rbody = req + ICMSG_HDR_SIZE;

	if (!ch->open || len != req_len || len < ICMSG_HDR_SIZE)
		abort();
	if (h->icflags != (ICMSGHDRFLAG_TRANSACTION | ICMSGHDRFLAG_RESPONSE) ||
	    (h->status != IC_STATUS_OK && h->status != IC_STATUS_FAIL) ||
	    h->icmsgtype != rh->icmsgtype)
		abort();
	if (h->status != IC_STATUS_OK)
		return 0;
	if (h->icmsgtype == ICMSGTYPE_NEGOTIATE) {
		const struct icmsg_negotiate *n = (const void *)body, *rn = (const void *)rbody;
		const struct ic_version *v = (const void *)(body + sizeof(*n));

		/* Only what lay within the request counts as offered. */
		if (len - ICMSG_HDR_SIZE < sizeof(*rn) ||
		    len - ICMSG_HDR_SIZE < sizeof(*rn) + 4u * (rn->icframe_vercnt + rn->icmsg_vercnt))
			abort();
		if (n->icframe_vercnt != 1 || n->icmsg_vercnt != 1 ||
		    !ours(ic_fw_versions, ARRAY_SIZE(ic_fw_versions), v[0]) ||
		    !ours(ic->svc->versions, ic->svc->nversions, v[1]) ||
		    !offered(rbody, 0, rn->icframe_vercnt, v[0]) ||
		    !offered(rbody, rn->icframe_vercnt, rn->icmsg_vercnt, v[1]))
			abort();
	} else if (h->icmsgtype != ic->svc->msgtype || len - ICMSG_HDR_SIZE < ic->svc->min_len) {
		abort();	/* answered OK what no service handles */
	} else if (ic->svc == &ic_heartbeat) {
		struct ic_heartbeat_msg a, q;

		memcpy(&a, body, sizeof(a));
		memcpy(&q, rbody, sizeof(q));
		if (a.seq_num != q.seq_num + 1)
			abort();
	} else if (ic->svc == &ic_shutdown) {
		struct ic_shutdown_msg q;

		memcpy(&q, rbody, sizeof(q));
		/*
		 * Each accepted request queues the one work item: requests
		 * before it runs coalesce, one after it queues it again (as
		 * Linux's hv_util.c does). So never more power-offs than
		 * accepted requests, and at least one if any was accepted.
		 */
		if ((q.flags & ~IC_SHUTDOWN_FLAG_FORCE) == 0)
			want_poweroffs++;
		else if ((q.flags & ~IC_SHUTDOWN_FLAG_FORCE) == IC_SHUTDOWN_FLAG_RESTART)
			want_reboots++;
		else
			abort();
	} else if (ic->svc == &ic_timesync) {
		u64 parent;
		u8 tflags;

		memcpy(&parent, rbody, sizeof(parent));	/* first in both layouts */
		tflags = rbody[ic->srv_version >= IC_TIMESYNC_VERSION_4 ?
			      offsetof(struct ic_timesync_ref_msg, flags) :
			      offsetof(struct ic_timesync_msg, flags)];
		if (parent < IC_TIMESYNC_WLTIMEDELTA)
			abort();	/* answered OK a time before 1970 */
		if (tflags & ICTIMESYNCFLAG_SYNC)
			syncs_ok++;
	}
	return 0;
}

/* A NUL (UTF-8) or a 0 unit (UTF-16, @wide) within @size bytes of @p, or abort. */
static void ends(const void *p, size_t size, bool wide)
{
	const u8 *b = p;

	for (size_t i = 0; i + (wide ? 1 : 0) < size; i += wide ? 2 : 1)
		if (!b[i] && (!wide || !b[i + 1]))
			return;
	abort();
}

/*
 * One host request through kvp_request: every string the daemon would
 * get ends within its field, SET_IP_INFO's within as many bytes as the
 * wire field has units (what hv_kvp.c passes). Then a daemon answer
 * (the input's) through kvp_from_daemon: every string the host gets
 * back ends within its field.
 */
static void kvp_convert(void)
{
	static u8 pkt[IC_DAEMON_PKT];
	static struct kvp_dev_msg o, a;
	u8 *body = pkt + ICMSG_HDR_SIZE;
	const struct kvp_msg *m = (const void *)body;
	struct kvp_ip_msg *ip = (void *)body;
	u32 len = sizeof(struct kvp_msg) + fz_u16(&input) % (sizeof(struct kvp_ip_msg) -
							    sizeof(struct kvp_msg) + 1);

	memset(pkt, 0, sizeof(pkt));
	fz_take(&input, body, len);
	if (kvp_request(body, len, &o))
		return;
	switch (m->hdr.operation) {
	case IC_KVP_OP_SET_IP_INFO:
		if (strnlen((char *)o.body.ip.ip_addr, sizeof(o.body.ip.ip_addr)) > IC_KVP_MAX_IP_ADDR ||
		    strnlen((char *)o.body.ip.sub_net, sizeof(o.body.ip.sub_net)) > IC_KVP_MAX_IP_ADDR ||
		    strnlen((char *)o.body.ip.gate_way, sizeof(o.body.ip.gate_way)) > IC_KVP_MAX_GATEWAY ||
		    strnlen((char *)o.body.ip.dns_addr, sizeof(o.body.ip.dns_addr)) > IC_KVP_MAX_IP_ADDR)
			abort();
		fallthrough;
	case IC_KVP_OP_GET_IP_INFO:
		ends(o.body.ip.adapter_id, sizeof(o.body.ip.adapter_id), false);
		break;
	case IC_KVP_OP_SET:
		ends(o.body.get_set.value, sizeof(o.body.get_set.value), false);
		if (o.body.get_set.value_size > sizeof(o.body.get_set.value))
			abort();
		fallthrough;
	case IC_KVP_OP_GET:
		ends(o.body.get_set.key, sizeof(o.body.get_set.key), false);
		break;
	case IC_KVP_OP_DELETE:
		ends(o.body.del.key, sizeof(o.body.del.key), false);
		break;
	}
	fz_take(&input, &a, sizeof(a));
	if (!input.left)
		a.error = 0;	/* (short inputs: mostly a success) */
	memcpy(kvp_daemon.pkt, pkt, sizeof(pkt));
	if (kvp_from_daemon(&kvp_daemon, &a) != IC_STATUS_OK)
		return;
	m = (const void *)(kvp_daemon.pkt + ICMSG_HDR_SIZE);
	ip = (void *)(kvp_daemon.pkt + ICMSG_HDR_SIZE);
	switch (m->hdr.operation) {
	case IC_KVP_OP_GET_IP_INFO:
		ends(ip->ip.ip_addr, sizeof(ip->ip.ip_addr), true);
		ends(ip->ip.sub_net, sizeof(ip->ip.sub_net), true);
		ends(ip->ip.gate_way, sizeof(ip->ip.gate_way), true);
		ends(ip->ip.dns_addr, sizeof(ip->ip.dns_addr), true);
		ends(ip->ip.adapter_id, sizeof(ip->ip.adapter_id), true);
		break;
	case IC_KVP_OP_GET:
		ends(m->body.get_set.value, sizeof(m->body.get_set.value), true);
		if (m->body.get_set.value_size > sizeof(m->body.get_set.value))
			abort();
		break;
	case IC_KVP_OP_ENUMERATE:
		ends(m->body.enumerate.data.key, sizeof(m->body.enumerate.data.key), true);
		ends(m->body.enumerate.data.value, sizeof(m->body.enumerate.data.value), true);
		if (m->body.enumerate.data.key_size > sizeof(m->body.enumerate.data.key) ||
		    m->body.enumerate.data.value_size > sizeof(m->body.enumerate.data.value))
			abort();
		break;
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *in, size_t size)
{
	static const guid_t classes[] = { OVB_GUID_HEARTBEAT, OVB_GUID_SHUTDOWN,
					  OVB_GUID_TIMESYNC };
	unsigned int rounds = 0;
	uint8_t pick;

	input = (struct fz){ in, size };
	pick = fz_u8(&input);
	if (pick % 4 == 3) {
		kvp_convert();
		return 0;
	}
	memset(&stub_vdev, 0, sizeof(stub_vdev));
	memset(&stub_chan, 0, sizeof(stub_chan));
	recvs = poweroffs = reboots = want_poweroffs = want_reboots = 0;
	syncs_ok = clock_sets = 0;
	ref_now = 1;
	stub_vdev.class_id = classes[pick % 4];
	if (ic_probe(&stub_vdev) || !stub_chan.open)
		abort();
	while (input.left && rounds++ < 1000) {
		recvs = 0;
		stub_chan.on_event(stub_chan.ctx);
		if (recvs > IC_BUDGET)
			abort();	/* one run reads at most a budget */
		ref_now += fz_u16(&input);
		if (shim_ptp) {
			struct timespec64 ts;

			if (!shim_ptp->info->gettime64(shim_ptp->info, &ts) &&
			    (ts.tv_sec < 0 || ts.tv_nsec < 0 || ts.tv_nsec >= 1000000000))
				abort();
		}
		if (rounds % 4 == 0) {
			shim_run_work();
			if (poweroffs > want_poweroffs || reboots > want_reboots)
				abort();
		}
	}
	ic_remove(&stub_vdev);
	shim_run_work();
	if (shim_ptp)
		abort();	/* the PTP clock outlived its device */
	if (poweroffs > want_poweroffs || reboots > want_reboots ||
	    !poweroffs != !want_poweroffs || !reboots != !want_reboots)
		abort();
	return 0;
}
