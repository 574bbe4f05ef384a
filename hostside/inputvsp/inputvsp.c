// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * Keyboard and mouse on VMBus. Each device's worker answers the guest's
 * messages (input_proto.c) and sends the events queued for it. Whoever
 * queues an event wakes the worker by writing the channel's notification
 * eventfd (what a guest signal does), so the event goes out at once; a
 * ring without room is retried on the next tick.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "hostside/inputvsp/input_proto.h"
#include "hostside/inputvsp/inputvsp.h"
#include "hostside/vmbus/vsp.h"
#include "ovb/guids.h"

#define INPUT_QUEUE	2048	/* events; `ovbctl type` of a full line is ~1000 */
#define INPUT_EVENT_MAX	32	/* bytes of one queued message */
#define INPUT_RX_SIZE	(SYNTH_KBD_MAX_MSG_SIZE + 64)
#define INPUT_RETRY_MS	20

struct input_event_msg {
	uint32_t len;
	uint8_t buf[INPUT_EVENT_MAX];
};

struct inputvsp {
	struct vmbus_device dev;
	bool mouse;
	pthread_mutex_t lock;		/* all below */
	struct vmbus_channel *ch;	/* NULL when closed */
	struct synthkbd kbd;
	struct synthhid hid;
	struct input_event_msg q[INPUT_QUEUE];
	unsigned int head, count;
	uint64_t dropped;
	uint8_t rx[INPUT_RX_SIZE];	/* the worker's */
};

static struct input_stats *iv_stats(struct inputvsp *iv)
{
	return iv->mouse ? &iv->hid.stats : &iv->kbd.stats;
}

static bool iv_ready(struct inputvsp *iv)
{
	return iv->ch && (iv->mouse ? iv->hid.ready : iv->kbd.ready);
}

static void iv_packet(struct inputvsp *iv, struct vmbus_channel *ch, uint32_t len)
{
	struct input_replies out;
	struct vmbus_packet p = { 0 };

	if (vmbus_packet_parse(iv->rx, len, &p))
		return;
	/* hid-hyperv asks for completions of its ACK; nothing waits for them. */
	if (p.type != OVB_VMPKT_DATA_INBAND)
		return;
	pthread_mutex_lock(&iv->lock);
	if (iv->mouse)
		(void)synthhid_handle(&iv->hid, p.data, p.len, &out);
	else
		(void)synthkbd_handle(&iv->kbd, p.data, p.len, &out);
	pthread_mutex_unlock(&iv->lock);
	for (unsigned int i = 0; i < out.n; i++)
		if (vmbus_channel_send_inband(ch, 0, 0, out.buf[i], out.len[i]))
			log_io("inputvsp: cannot send a reply to the guest");
}

/* Send queued events while the ring takes them (worker). */
static void iv_flush(struct inputvsp *iv, struct vmbus_channel *ch)
{
	pthread_mutex_lock(&iv->lock);
	while (iv->count && iv_ready(iv)) {
		struct input_event_msg *m = &iv->q[iv->head];

		if (vmbus_channel_send_inband(ch, 0, 0, m->buf, m->len))
			break;	/* no room: the next tick tries again */
		iv->head = (iv->head + 1) % INPUT_QUEUE;
		iv->count--;
		iv_stats(iv)->events++;
	}
	pthread_mutex_unlock(&iv->lock);
}

/* What iv_drain hands vmbus_channel_drain_rx; the packet is in iv->rx. */
struct iv_rx {
	struct inputvsp *iv;
	struct vmbus_channel *ch;
};

static void iv_rx(void *arg, uint32_t len, bool oversized)
{
	struct iv_rx *r = arg;

	if (oversized)
		log_io("inputvsp: guest: packet of %u bytes dropped", len);
	else
		iv_packet(r->iv, r->ch, len);
}

static void iv_drain(struct vmbus_channel *ch)
{
	struct iv_rx r = { .iv = vmbus_channel_get_priv(ch), .ch = ch };

	vmbus_channel_drain_rx(ch, r.iv->rx, sizeof(r.iv->rx), VMBUS_DRAIN_BUDGET, iv_rx, &r);
	iv_flush(r.iv, ch);
}

static void iv_tick(struct vmbus_channel *ch)
{
	iv_flush(vmbus_channel_get_priv(ch), ch);
}

static int iv_open(struct vmbus_channel *ch)
{
	struct inputvsp *iv = vmbus_channel_device(ch)->priv;

	vmbus_channel_set_priv(ch, iv);
	pthread_mutex_lock(&iv->lock);
	iv->kbd.ready = false;
	iv->hid.approved = iv->hid.ready = false;
	iv->count = 0;
	iv->ch = ch;
	pthread_mutex_unlock(&iv->lock);
	return vmbus_channel_start_worker(ch, iv_drain, iv_tick, INPUT_RETRY_MS);
}

static void iv_close(struct vmbus_channel *ch)
{
	struct inputvsp *iv = vmbus_channel_get_priv(ch);

	vmbus_channel_stop_worker(ch);
	pthread_mutex_lock(&iv->lock);
	iv->ch = NULL;
	iv->count = 0;
	pthread_mutex_unlock(&iv->lock);
}

static const struct vsp_ops iv_vsp_ops = {
	.open = iv_open,
	.close = iv_close,
};

static struct vmbus_device *iv_new(bool mouse, const char *name, const struct ovb_guid *class_id)
{
	struct inputvsp *iv = calloc(1, sizeof(*iv));

	if (!iv)
		return NULL;
	iv->mouse = mouse;
	iv->dev.name = name;
	iv->dev.class_id = *class_id;
	iv->dev.instance_id = *class_id;
	iv->dev.instance_id.b[15] ^= 0x5a;
	iv->dev.ops = &iv_vsp_ops;
	iv->dev.priv = iv;
	pthread_mutex_init(&iv->lock, NULL);
	synthkbd_init(&iv->kbd);
	synthhid_init(&iv->hid);
	return &iv->dev;
}

struct vmbus_device *inputvsp_keyboard_new(void)
{
	static const struct ovb_guid class_id = OVB_GUID_KBD;

	return iv_new(false, "keyboard", &class_id);
}

struct vmbus_device *inputvsp_mouse_new(void)
{
	static const struct ovb_guid class_id = OVB_GUID_MOUSE;

	return iv_new(true, "mouse", &class_id);
}

void inputvsp_free(struct vmbus_device *dev)
{
	struct inputvsp *iv = dev ? dev->priv : NULL;

	if (!iv)
		return;
	pthread_mutex_destroy(&iv->lock);
	free(iv);
}

void inputvsp_get_status(struct vmbus_device *dev, struct inputvsp_status *st)
{
	struct inputvsp *iv = dev->priv;
	struct input_stats *s;

	pthread_mutex_lock(&iv->lock);
	s = iv_stats(iv);
	st->open = iv->ch != NULL;
	st->ready = iv_ready(iv);
	st->msgs = s->msgs;
	st->errors = s->errors;
	st->events = s->events;
	st->dropped = iv->dropped;
	st->leds_known = iv->kbd.leds_known;
	st->leds = iv->kbd.leds;
	pthread_mutex_unlock(&iv->lock);
}

static int iv_queue(struct inputvsp *iv, const uint8_t *msg, uint32_t len)
{
	struct input_event_msg *m;
	uint64_t one = 1;
	int fd = -1;

	pthread_mutex_lock(&iv->lock);
	if (!iv_ready(iv)) {
		pthread_mutex_unlock(&iv->lock);
		return -ENODEV;
	}
	if (iv->count == INPUT_QUEUE) {
		iv->dropped++;
		pthread_mutex_unlock(&iv->lock);
		return -ENOSPC;
	}
	m = &iv->q[(iv->head + iv->count++) % INPUT_QUEUE];
	memcpy(m->buf, msg, len);
	m->len = len;
	fd = vmbus_channel_notify_fd(iv->ch);
	/* Wake the worker as a guest signal would (under the lock: the channel stays open). */
	if (fd >= 0 && write(fd, &one, sizeof(one)) != sizeof(one))
		log_io("inputvsp: cannot wake the channel's worker");
	pthread_mutex_unlock(&iv->lock);
	return 0;
}

int inputvsp_key(struct vmbus_device *kbd, struct scancode sc, bool down)
{
	struct inputvsp *iv = kbd->priv;
	uint8_t msg[sizeof(struct synth_kbd_keystroke)];

	if (iv->mouse)
		return -EINVAL;
	return iv_queue(iv, msg, synthkbd_keystroke(msg, sc, down));
}

int inputvsp_pointer(struct vmbus_device *mouse, uint16_t x, uint16_t y, uint8_t buttons,
		     int8_t wheel)
{
	struct inputvsp *iv = mouse->priv;
	uint8_t msg[INPUT_EVENT_MAX];

	if (!iv->mouse)
		return -EINVAL;
	if (x > SYNTHHID_ABS_MAX)
		x = SYNTHHID_ABS_MAX;
	if (y > SYNTHHID_ABS_MAX)
		y = SYNTHHID_ABS_MAX;
	return iv_queue(iv, msg, synthhid_input_report(msg, sizeof(msg), x, y, buttons, wheel));
}

uint16_t input_scale(uint32_t v, uint32_t size)
{
	if (size < 2)
		return 0;
	if (v >= size)
		v = size - 1;
	return (uint16_t)(((uint64_t)v * SYNTHHID_ABS_MAX + (size - 1) / 2) / (size - 1));
}
