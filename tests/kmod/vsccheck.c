// SPDX-License-Identifier: GPL-2.0
/*
 * ovb_vsccheck: the VSC API's GPADL calls against a real host. It binds to
 * the heartbeat device (load it instead of ovb_ic), opens the channel,
 * establishes and tears down GPADLs of its own (vmalloc'ed and linear
 * buffers) and checks that bad arguments are refused, then says
 * "ovb_vsccheck: GPADL checks passed" (or what failed). Packets the host
 * sends meanwhile are read and dropped.
 */
#include <linux/module.h>
#include <linux/mm.h>
#include <linux/slab.h>
#include <linux/vmalloc.h>

#include "ovb/guids.h"
#include "vmbus/ovb_vmbus.h"

static void vc_on_event(void *ctx)
{
	struct ovb_packet pkt;
	int n;

	for (n = 0; n < 16 && ovb_channel_recv_pkt(ctx, &pkt) != -EAGAIN; n++)
		;
}

/* Create and tear down one GPADL of @buf; NULL, or what failed. */
static const char *vc_gpadl(struct ovb_channel *ch, void *buf, u32 size)
{
	u32 g;

	if (ovb_channel_gpadl_create(ch, buf, size, &g))
		return "create";
	if (ovb_channel_gpadl_teardown(ch, g))
		return "teardown";
	return NULL;
}

static const char *vc_checks(struct ovb_channel *ch)
{
	const char *why = NULL;
	void *v = vzalloc(3 * PAGE_SIZE);
	struct page *p = alloc_pages(GFP_KERNEL | __GFP_ZERO, 1);
	u32 g;

	if (!v || !p)
		why = "no memory";
	if (!why)
		why = vc_gpadl(ch, v, 3 * PAGE_SIZE);
	if (!why)
		why = vc_gpadl(ch, page_address(p), 2 * PAGE_SIZE);
	if (!why && ovb_channel_gpadl_create(ch, v + 1, PAGE_SIZE, &g) != -EINVAL)
		why = "unaligned buffer not refused";
	if (!why && ovb_channel_gpadl_create(ch, v, 0, &g) != -EINVAL)
		why = "empty buffer not refused";
	if (!why && ovb_channel_gpadl_create(ch, v, PAGE_SIZE + 1, &g) != -EINVAL)
		why = "partial page not refused";
	/* Freed only here: every GPADL above was confirmed torn down. */
	vfree(v);
	if (p)
		__free_pages(p, 1);
	return why;
}

static int vc_probe(struct ovb_vmbus_device *vdev)
{
	struct ovb_channel *ch = ovb_vmbus_primary_channel(vdev);
	const char *why;
	int ret;

	ret = ovb_channel_open(ch, 4 * PAGE_SIZE, 4 * PAGE_SIZE, vc_on_event, ch);
	if (ret) {
		pr_err("ovb_vsccheck: open failed: %d\n", ret);
		return ret;
	}
	why = vc_checks(ch);
	if (why)
		pr_err("ovb_vsccheck: GPADL check failed: %s\n", why);
	else
		pr_info("ovb_vsccheck: GPADL checks passed\n");
	return 0;
}

static void vc_remove(struct ovb_vmbus_device *vdev)
{
	ovb_channel_close(ovb_vmbus_primary_channel(vdev));
}

static const struct hv_vmbus_device_id vc_ids[] = {
	{ .guid = OVB_GUID_HEARTBEAT },
	{ },
};

static struct ovb_vmbus_driver vc_driver = {
	.name = "ovb_vsccheck",
	.id_table = vc_ids,
	.probe = vc_probe,
	.remove = vc_remove,
};

module_ovb_vmbus_driver(vc_driver);
MODULE_DESCRIPTION("openvmbus: VSC API checks against a real host (testing only)");
MODULE_LICENSE("GPL");
