// SPDX-License-Identifier: GPL-2.0
/*
 * ovb_wirecheck: proves that include/ovb and lib/ compile in the kernel
 * (with W=1 and sparse) and that the ring works in kernel context: on load
 * it loops packets through a ring in kmalloc'd memory and checks them.
 */
#include <linux/module.h>
#include <linux/slab.h>
#include <linux/uuid.h>

#include "ovb/types.h"
#include "ovb/hv_tlfs.h"
#include "ovb/vmbus_msg.h"
#include "ovb/guids.h"
#include "ovb/ic_proto.h"
#include "ovb/ring.h"
#include "lib/ring.h"

/* The message table expands in kernel context too. */
struct wc_msg_info {
	u32 type, min_len, min_version, dir;
};

#define WC_MSG(t, s, len, ver, d) { t, len, ver, d },
static const struct wc_msg_info wc_msgs[] = { OVB_VMBUS_MSG_TABLE(WC_MSG) };

static int wirecheck_tables(void)
{
	static const struct ovb_guid scsi = OVB_GUID_SCSI;
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(wc_msgs); i++)
		if (wc_msgs[i].min_len > OVB_VMBUS_MAX_MSG_SIZE)
			return -EINVAL;
	/* GUID byte order must match the kernel's own GUID_INIT(). */
	if (!guid_equal((const guid_t *)&scsi,
			&GUID_INIT(0xba6163d9, 0x04a1, 0x4d29, 0xb6, 0x05,
				   0x72, 0xe2, 0xff, 0xb1, 0xdc, 0x7f)))
		return -EINVAL;
	return 0;
}

#define WC_RING_SIZE	(16 * 1024)
#define WC_PACKETS	10000

struct wc_ring_mem {
	struct ovb_ring_ctl ctl;
	u8 data[WC_RING_SIZE];
};

static int wirecheck_ring(void)
{
	struct wc_ring_mem *m;
	struct ovb_ring tx, rx;
	u8 *in, *out;
	u32 i, n, len, sent = 0, got = 0;
	bool sig;
	int ret = -ENOMEM;

	m = kzalloc(sizeof(*m), GFP_KERNEL);
	in = kmalloc(1024, GFP_KERNEL);
	out = kmalloc(2048, GFP_KERNEL);
	if (!m || !in || !out)
		goto out;
	ret = -EINVAL;
	ovb_ring_ctl_reset(&m->ctl);
	if (ovb_ring_tx_init(&tx, &m->ctl, m->data, WC_RING_SIZE, 0) ||
	    ovb_ring_rx_init(&rx, &m->ctl, m->data, WC_RING_SIZE, 0))
		goto out;

	while (got < WC_PACKETS) {
		/* Write until full, then drain: exercises wrap and full. */
		while (sent < WC_PACKETS) {
			n = (sent * 37) % 1000;
			for (i = 0; i < n; i++)
				in[i] = (u8)(sent + i);
			if (ovb_ring_tx_inband(&tx, OVB_VMPKT_DATA_INBAND, 0, sent,
					       in, n, &sig))
				break;
			sent++;
		}
		while (ovb_ring_rx_peek(&rx, out, 2048, &len) == 0) {
			struct ovb_vmpacket_desc *d = (void *)out;

			n = (got * 37) % 1000;
			if (d->trans_id != got || len < 16 + n)
				goto out;
			for (i = 0; i < n; i++)
				if (out[16 + i] != (u8)(got + i))
					goto out;
			ovb_ring_rx_advance(&rx);
			got++;
		}
		ovb_ring_rx_commit(&rx, &sig);
		if (ovb_ring_failed(&rx) || ovb_ring_failed(&tx))
			goto out;
	}
	ret = 0;
out:
	kfree(out);
	kfree(in);
	kfree(m);
	return ret;
}

static int __init wirecheck_init(void)
{
	int ret = wirecheck_tables() ?: wirecheck_ring();

	pr_info("ovb_wirecheck: ring self-test %s (%d packets)\n",
		ret ? "FAILED" : "passed", WC_PACKETS);
	return ret;
}

static void __exit wirecheck_exit(void)
{
}

module_init(wirecheck_init);
module_exit(wirecheck_exit);
MODULE_DESCRIPTION("openvmbus wire/ring build and self-test");
MODULE_LICENSE("GPL");
