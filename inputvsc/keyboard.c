// SPDX-License-Identifier: GPL-2.0
/*
 * The synthetic keyboard as a serio port of type 8042 XL, so atkbd takes
 * it as a keyboard behind a translating i8042 (as for the in-tree
 * hyperv-keyboard): after protocol 1.0 is accepted, each keystroke of the
 * host becomes its set-1 bytes (input_proto.c). Unlike hyperv-keyboard
 * the port can be written: it answers atkbd's PS/2 commands itself, so
 * atkbd sets the LEDs, and their state goes to the host
 * (SYNTH_KBD_LED_INDICATORS, from a work item). The answers come back
 * within the write: libps2 raises its ACK flag before it writes and
 * waits for it after (with the port's lock released), so an answer at
 * once is taken like one a controller's interrupt brings later — and no
 * busy workqueue can make atkbd's 200 ms wait time out.
 */
#include <linux/completion.h>
#include <linux/serio.h>
#include <linux/slab.h>
#include <linux/spinlock.h>
#include <linux/workqueue.h>

#include "inputvsc/input.h"
#include "inputvsc/input_proto.h"

struct ovb_kbd {
	struct ovb_input in;
	struct completion proto_done;
	bool accepted;
	struct serio *serio;		/* freed by the serio core */
	spinlock_t lock;		/* started and everything below it */
	bool started;			/* serio's start to stop: it takes bytes */
	struct ovb_ps2_kbd ps2;
	int leds;			/* to send to the host, or -1 */
	struct work_struct work;
};

static struct ovb_kbd *to_kbd(struct ovb_input *in)
{
	return container_of(in, struct ovb_kbd, in);
}

static void kbd_packet(struct ovb_input *in, const void *data, u32 len)
{
	struct ovb_kbd *k = to_kbd(in);
	struct ovb_kbd_msg msg;
	u8 bytes[OVB_KBD_MAX_BYTES];
	unsigned long flags;
	unsigned int i, n;
	int ret = ovb_kbd_parse(data, len, &msg);

	if (ret) {
		dev_err_ratelimited(ovb_input_dev(in), "bad message of %u bytes from the host (%d)\n",
				    len, ret);
		return;
	}
	switch (msg.type) {
	case SYNTH_KBD_PROTOCOL_RESPONSE:
		if (completion_done(&k->proto_done))
			break;
		k->accepted = msg.accepted;
		complete(&k->proto_done);
		break;
	case SYNTH_KBD_EVENT:
		n = ovb_kbd_bytes(msg.key.code, msg.key.info, bytes);
		spin_lock_irqsave(&k->lock, flags);
		for (i = 0; i < n && k->started; i++)
			serio_interrupt(k->serio, bytes[i], 0);
		spin_unlock_irqrestore(&k->lock, flags);
		break;
	}
}

/* atkbd's commands: answered at once; a new LED state goes to the host. */
static int kbd_serio_write(struct serio *serio, unsigned char byte)
{
	struct ovb_kbd *k = serio->port_data;
	u8 out[OVB_PS2_MAX_ANSWER];
	unsigned long flags;
	unsigned int i, n;
	int leds;

	spin_lock_irqsave(&k->lock, flags);
	n = ovb_ps2_write(&k->ps2, byte, out, &leds);
	for (i = 0; i < n && k->started; i++)
		serio_interrupt(k->serio, out[i], 0);
	if (leds >= 0)
		k->leds = leds;
	spin_unlock_irqrestore(&k->lock, flags);
	if (leds >= 0)
		schedule_work(&k->work);
	return 0;
}

static void kbd_work(struct work_struct *work)
{
	struct ovb_kbd *k = container_of(work, struct ovb_kbd, work);
	struct synth_kbd_led_indicators led = { .header = { SYNTH_KBD_LED_INDICATORS } };
	unsigned long flags;
	int leds;

	spin_lock_irqsave(&k->lock, flags);
	leds = k->leds;
	k->leds = -1;
	spin_unlock_irqrestore(&k->lock, flags);
	if (leds < 0)
		return;
	led.led_flags = leds;
	if (ovb_channel_send_inband(k->in.ch, &led, sizeof(led), 0, 0))
		dev_err_ratelimited(ovb_input_dev(&k->in), "cannot send the LED state\n");
}

static int kbd_serio_start(struct serio *serio)
{
	struct ovb_kbd *k = serio->port_data;
	unsigned long flags;

	spin_lock_irqsave(&k->lock, flags);
	k->started = true;
	spin_unlock_irqrestore(&k->lock, flags);
	return 0;
}

static void kbd_serio_stop(struct serio *serio)
{
	struct ovb_kbd *k = serio->port_data;
	unsigned long flags;

	spin_lock_irqsave(&k->lock, flags);
	k->started = false;
	spin_unlock_irqrestore(&k->lock, flags);
}

static void kbd_init(struct ovb_input *in)
{
	struct ovb_kbd *k = to_kbd(in);

	init_completion(&k->proto_done);
	spin_lock_init(&k->lock);
	INIT_WORK(&k->work, kbd_work);
	k->leds = -1;
}

static int kbd_connect(struct ovb_kbd *k)
{
	struct synth_kbd_protocol_request req = {
		{ SYNTH_KBD_PROTOCOL_REQUEST }, SYNTH_KBD_VERSION
	};
	int ret = ovb_channel_send_inband(k->in.ch, &req, sizeof(req), 0, 0);

	if (ret)
		return ret;
	if (!wait_for_completion_timeout(&k->proto_done, OVB_INPUT_TIMEOUT))
		return -ETIMEDOUT;
	return k->accepted ? 0 : -EPROTONOSUPPORT;
}

static int kbd_start(struct ovb_input *in)
{
	struct ovb_kbd *k = to_kbd(in);
	struct serio *serio;
	int ret = kbd_connect(k);

	if (ret)
		return ret;
	serio = kzalloc(sizeof(*serio), GFP_KERNEL);
	if (!serio)
		return -ENOMEM;
	serio->id.type = SERIO_8042_XL;
	serio->port_data = k;
	serio->dev.parent = ovb_input_dev(in);
	serio->start = kbd_serio_start;
	serio->stop = kbd_serio_stop;
	serio->write = kbd_serio_write;
	strscpy(serio->name, "ovb synthetic keyboard", sizeof(serio->name));
	strscpy(serio->phys, dev_name(ovb_input_dev(in)), sizeof(serio->phys));
	k->serio = serio;
	serio_register_port(serio);
	return 0;
}

/* Before the channel closes: the port is gone (stop ran), no work is left. */
static void kbd_stop(struct ovb_input *in)
{
	struct ovb_kbd *k = to_kbd(in);

	if (k->serio)
		serio_unregister_port(k->serio);
	cancel_work_sync(&k->work);
}

const struct ovb_input_kind ovb_input_kbd = {
	.name = "keyboard",
	.size = sizeof(struct ovb_kbd),
	.init = kbd_init,
	.start = kbd_start,
	.stop = kbd_stop,
	.packet = kbd_packet,
};
