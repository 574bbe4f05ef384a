// SPDX-License-Identifier: GPL-2.0
/*
 * Sub-channels. The device's protocol asks the host for them; each offer
 * (same instance GUID, sub_channel_index > 0) becomes an ovb_channel on the
 * primary's list, handed to the driver's sc_create callback from a work
 * item: opening it waits for host answers, which arrive in interrupt
 * context, not on the message workqueue that delivered the offer.
 *
 * Against the driver going away: clearing sc_create waits for a running
 * callback (ovb_channel_sc_stop), and the bus does that before the
 * driver's remove. A rescinded sub-channel is shown to the driver's
 * sc_rescind under the device lock (so never during its probe or remove)
 * before it is closed and freed.
 */
#include <linux/slab.h>

#include "vmbus/vmbus_internal.h"

static DEFINE_MUTEX(ovb_sc_lock);	/* every primary's sc_list */

static void ovb_channel_sc_work(struct work_struct *w)
{
	struct ovb_channel *sc = container_of(w, struct ovb_channel, sc_work);
	void (*fn)(struct ovb_channel *sc) = READ_ONCE(sc->dev->chan.sc_create);

	if (fn)
		fn(sc);
}

void ovb_channel_add_subchannel(struct ovb_vmbus_device *dev,
				const struct vmbus_channel_offer_channel *o)
{
	struct ovb_channel *sc, *it;
	unsigned int n = 0;

	mutex_lock(&ovb_sc_lock);
	list_for_each_entry(it, &dev->chan.sc_list, sc_node) {
		if (it->sub_index == o->offer.sub_channel_index || it->relid == o->child_relid) {
			mutex_unlock(&ovb_sc_lock);
			pr_err_ratelimited("ovb_vmbus: duplicate sub-channel offer (relid %u, index %u) dropped\n",
					   o->child_relid, o->offer.sub_channel_index);
			return;
		}
		n++;
	}
	if (n >= OVB_MAX_SUBCHANNELS) {
		mutex_unlock(&ovb_sc_lock);
		pr_err_ratelimited("ovb_vmbus: sub-channel offer (relid %u) beyond %u per device dropped\n",
				   o->child_relid, OVB_MAX_SUBCHANNELS);
		return;
	}
	sc = kzalloc(sizeof(*sc), GFP_KERNEL);
	if (!sc) {
		mutex_unlock(&ovb_sc_lock);
		return;
	}
	ovb_channel_init(sc, dev, o);
	INIT_WORK(&sc->sc_work, ovb_channel_sc_work);
	list_add_tail(&sc->sc_node, &dev->chan.sc_list);
	mutex_unlock(&ovb_sc_lock);
	queue_work(system_unbound_wq, &sc->sc_work);
}

/*
 * No more sc_create calls on @primary's device; returns once none runs.
 * Pending hand-overs are cancelled (those sub-channels stay closed).
 */
void ovb_channel_sc_stop(struct ovb_channel *primary)
{
	struct ovb_channel *sc;

	WRITE_ONCE(primary->sc_create, NULL);
	mutex_lock(&ovb_sc_lock);
	list_for_each_entry(sc, &primary->sc_list, sc_node)
		cancel_work_sync(&sc->sc_work);
	mutex_unlock(&ovb_sc_lock);
}

/* A rescinded sub-channel: the driver hears of it, then it is closed and freed. */
bool ovb_channel_remove_subchannel(struct ovb_vmbus_device *dev, u32 relid)
{
	struct ovb_channel *sc, *found = NULL;
	void (*fn)(struct ovb_channel *sc);

	mutex_lock(&ovb_sc_lock);
	list_for_each_entry(sc, &dev->chan.sc_list, sc_node)
		if (sc->relid == relid) {
			found = sc;
			list_del(&sc->sc_node);
			break;
		}
	mutex_unlock(&ovb_sc_lock);
	if (!found)
		return false;
	WRITE_ONCE(found->rescinded, true);
	cancel_work_sync(&found->sc_work);
	device_lock(&dev->dev);
	fn = READ_ONCE(dev->chan.sc_rescind);
	if (dev->dev.driver && fn)
		fn(found);
	ovb_channel_close(found);
	device_unlock(&dev->dev);
	kfree(found);
	return true;
}

/* Mark @dev's sub-channels' relids in @relids (OVB_VMBUS_MAX_RELID + 1). */
void ovb_channel_subchannel_relids(struct ovb_vmbus_device *dev, bool *relids)
{
	struct ovb_channel *sc;

	mutex_lock(&ovb_sc_lock);
	list_for_each_entry(sc, &dev->chan.sc_list, sc_node)
		if (sc->relid <= OVB_VMBUS_MAX_RELID)
			relids[sc->relid] = true;
	mutex_unlock(&ovb_sc_lock);
}

/* Is @relid one of @dev's sub-channels? */
bool ovb_channel_has_subchannel(struct ovb_vmbus_device *dev, u32 relid)
{
	struct ovb_channel *sc;
	bool found = false;

	mutex_lock(&ovb_sc_lock);
	list_for_each_entry(sc, &dev->chan.sc_list, sc_node)
		if (sc->relid == relid) {
			found = true;
			break;
		}
	mutex_unlock(&ovb_sc_lock);
	return found;
}

void ovb_channel_free_subchannels(struct ovb_vmbus_device *dev)
{
	struct ovb_channel *sc, *tmp;
	LIST_HEAD(gone);

	mutex_lock(&ovb_sc_lock);
	list_splice_init(&dev->chan.sc_list, &gone);
	mutex_unlock(&ovb_sc_lock);
	list_for_each_entry_safe(sc, tmp, &gone, sc_node) {
		cancel_work_sync(&sc->sc_work);
		ovb_channel_close(sc);
		kfree(sc);
	}
}

/* "relid:cpu" per line, primary first (in-tree channel_vp_mapping). */
int ovb_channel_vp_mapping(struct ovb_vmbus_device *dev, char *buf)
{
	struct ovb_channel *sc;
	int n;

	mutex_lock(&ovb_sc_lock);
	n = sysfs_emit_at(buf, 0, "%u:%u\n", dev->chan.relid, dev->chan.target_vp);
	list_for_each_entry(sc, &dev->chan.sc_list, sc_node)
		n += sysfs_emit_at(buf, n, "%u:%u\n", sc->relid, sc->target_vp);
	mutex_unlock(&ovb_sc_lock);
	return n;
}

void ovb_channel_set_sc_create(struct ovb_channel *primary, void (*fn)(struct ovb_channel *sc))
{
	if (fn)
		WRITE_ONCE(primary->sc_create, fn);
	else
		ovb_channel_sc_stop(primary);
}
EXPORT_SYMBOL_GPL(ovb_channel_set_sc_create);

void ovb_channel_set_sc_rescind(struct ovb_channel *primary,
				void (*fn)(struct ovb_channel *sc))
{
	WRITE_ONCE(primary->sc_rescind, fn);
}
EXPORT_SYMBOL_GPL(ovb_channel_set_sc_rescind);

u16 ovb_channel_sub_index(struct ovb_channel *ch)
{
	return ch->sub_index;
}
EXPORT_SYMBOL_GPL(ovb_channel_sub_index);
