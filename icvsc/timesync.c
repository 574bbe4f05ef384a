// SPDX-License-Identifier: GPL-2.0
/*
 * Time synchronization IC: the host sends its wall-clock time (100 ns
 * units since 1601). Flagged SYNC (the first message after the channel
 * opens, a restore, ...) it steps our clock (do_settimeofday64); every
 * message is kept as the latest sample, which a PTP clock we register
 * reads out advanced by the partition reference time since, so chrony or
 * phc2sys can discipline from it: do_adjtimex is not exported to modules
 * (Linux's hv_util.c does the same). From service version 4.0 on the
 * host also says what our reference time was when it read its clock; the
 * delay since is added to the sample (hv_util.c adj_guesttime).
 *
 * Host bytes: a time before 1601 + the Unix epoch is refused; a reference
 * time in our future counts as now; a sample older than ten minutes is
 * not used to step the clock and reads as stale (-ESTALE) from the PTP
 * clock, as in hv_util.c.
 */
#include <linux/ptp_clock_kernel.h>
#include <linux/slab.h>
#include <linux/spinlock.h>
#include <linux/timekeeping.h>

#include "kernel/ovb_hv.h"
#include "vmbus/ovb_vmbus.h"
#include "icvsc/ic.h"

static const u32 ts_versions[] = {
	IC_TIMESYNC_VERSION_4, IC_TIMESYNC_VERSION_3, IC_TIMESYNC_VERSION_1,
};

#define TS_STALE	(600 * 10000000ull)	/* 10 minutes, in 100 ns units */

struct timesync_state {
	spinlock_t lock;
	u64 host_time;		/* the host's time at ref_time (100 ns since 1601) */
	u64 ref_time;		/* our reference time then; 0: no sample yet */
	struct work_struct sync_work;
	struct ptp_clock_info ptp_info;
	struct ptp_clock *ptp;
	struct device *dev;
};

/* The host's time now, from the last sample; -EAGAIN or -ESTALE if none fits. */
static int ts_host_now(struct timesync_state *st, struct timespec64 *ts)
{
	unsigned long flags;
	u64 now, since, t;

	spin_lock_irqsave(&st->lock, flags);
	if (!st->ref_time) {
		spin_unlock_irqrestore(&st->lock, flags);
		return -EAGAIN;
	}
	now = ovb_hv_ref_time();
	since = now > st->ref_time ? now - st->ref_time : 0;
	t = st->host_time + since;
	spin_unlock_irqrestore(&st->lock, flags);
	*ts = ns_to_timespec64((s64)((t - IC_TIMESYNC_WLTIMEDELTA) * 100));
	return since > TS_STALE ? -ESTALE : 0;
}

static void ts_sync_fn(struct work_struct *w)
{
	struct timesync_state *st = container_of(w, struct timesync_state, sync_work);
	struct timespec64 ts;
	int ret = ts_host_now(st, &ts);

	if (!ret)
		ret = do_settimeofday64(&ts);
	if (ret)
		dev_warn_ratelimited(st->dev, "timesync: clock not set from the host: %d\n", ret);
	else
		dev_info_ratelimited(st->dev, "timesync: clock set from the host\n");
}

static struct work_struct *ts_handle(struct ic_dev *ic, struct icmsg_hdr *h, u8 *body, u32 len)
{
	struct timesync_state *st = ic->priv;
	u64 host, ref, now = ovb_hv_ref_time();
	unsigned long irqflags;
	u8 flags;

	if (ic->srv_version >= IC_TIMESYNC_VERSION_4) {
		struct ic_timesync_ref_msg m;

		if (len < sizeof(m))
			goto refuse;
		memcpy(&m, body, sizeof(m));
		host = m.parenttime;
		ref = m.vmreferencetime <= now ? m.vmreferencetime : now;
		flags = m.flags;
	} else {
		struct ic_timesync_msg m;

		if (len < sizeof(m))
			goto refuse;
		memcpy(&m, body, sizeof(m));
		host = m.parenttime;
		ref = now;	/* no reference time: as of its arrival */
		flags = m.flags;
	}
	/* Before 1970, or so late that nanoseconds since 1970 overflow s64. */
	if (host < IC_TIMESYNC_WLTIMEDELTA || host - IC_TIMESYNC_WLTIMEDELTA > S64_MAX / 100)
		goto refuse;
	spin_lock_irqsave(&st->lock, irqflags);
	st->host_time = host + (now - ref);
	st->ref_time = now ? now : 1;
	spin_unlock_irqrestore(&st->lock, irqflags);
	return flags & ICTIMESYNCFLAG_SYNC ? &st->sync_work : NULL;
refuse:
	dev_err_ratelimited(st->dev, "timesync: unusable time message (%u bytes) refused\n", len);
	h->status = IC_STATUS_FAIL;
	return NULL;
}

/* The PTP clock: reads only; the host's clock is not ours to set or steer. */
static int ts_ptp_gettime(struct ptp_clock_info *info, struct timespec64 *ts)
{
	return ts_host_now(container_of(info, struct timesync_state, ptp_info), ts);
}

static int ts_ptp_settime(struct ptp_clock_info *info, const struct timespec64 *ts)
{
	return -EOPNOTSUPP;
}

static int ts_ptp_adjfine(struct ptp_clock_info *info, long scaled_ppm)
{
	return -EOPNOTSUPP;
}

static int ts_ptp_adjtime(struct ptp_clock_info *info, s64 delta)
{
	return -EOPNOTSUPP;
}

static int ts_ptp_enable(struct ptp_clock_info *info, struct ptp_clock_request *rq, int on)
{
	return -EOPNOTSUPP;
}

static const struct ptp_clock_info ts_ptp_template = {
	.owner = THIS_MODULE,
	.name = "hyperv",	/* what chrony's and phc2sys' docs tell users to look for */
	.gettime64 = ts_ptp_gettime,
	.settime64 = ts_ptp_settime,
	.adjfine = ts_ptp_adjfine,
	.adjtime = ts_ptp_adjtime,
	.enable = ts_ptp_enable,
};

static int ts_probe(struct ic_dev *ic)
{
	struct timesync_state *st = kzalloc(sizeof(*st), GFP_KERNEL);

	if (!st)
		return -ENOMEM;
	spin_lock_init(&st->lock);
	INIT_WORK(&st->sync_work, ts_sync_fn);
	st->dev = ovb_vmbus_dev(ic->vdev);
	st->ptp_info = ts_ptp_template;
	/* NULL without PTP support: the SYNC steps still work. */
	st->ptp = ptp_clock_register(&st->ptp_info, st->dev);
	if (IS_ERR(st->ptp)) {
		dev_err(st->dev, "timesync: no PTP clock: %ld\n", PTR_ERR(st->ptp));
		st->ptp = NULL;
	}
	ic->priv = st;
	return 0;
}

static void ts_remove(struct ic_dev *ic)
{
	struct timesync_state *st = ic->priv;

	if (st->ptp)
		ptp_clock_unregister(st->ptp);
	cancel_work_sync(&st->sync_work);
	kfree(st);
}

const struct ic_service ic_timesync = {
	.name = "timesync",
	.probe = ts_probe,
	.remove = ts_remove,
	.msgtype = ICMSGTYPE_TIMESYNC,
	.min_len = sizeof(struct ic_timesync_ref_msg),	/* the shorter layout */
	.versions = ts_versions,
	.nversions = ARRAY_SIZE(ts_versions),
	.handle = ts_handle,
};
