// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * libFuzzer: the guest's storage driver (storvsc/storvsc.c, built against
 * tests/fuzz/guestshim) under a hostile host. Fresh state per input: the
 * real stor_probe negotiates over a stub channel whose request helper
 * answers from the input (mostly a usable host: first answers succeed,
 * properties from the input); then a script queues commands through the
 * real queuecommand (tags, lengths, scatterlists from the input) and
 * feeds completions and other packets through the receive stub. Checked:
 * every command queued is finished (scsi_done) exactly once, never one
 * that is not at the host; its residual never exceeds its length; sense
 * data lands only in the 96-byte sense buffer (ASan: exact size); what
 * the driver sends is a well-formed EXECUTE_SRB for that command; a
 * callback run reads at most its budget.
 */
#include "tests/fuzz/guestshim/shim.h"

#include "storvsc/storvsc.c"

#include "tests/fuzz/fuzz_input.h"

int LLVMFuzzerTestOneInput(const uint8_t *in, size_t size);

#define NCMDS 16

/* ---- the bus and channel, stubbed ---------------------------------------- */
#include "tests/fuzz/guestshim/stub_bus.h"


static struct fz input;
static unsigned int recvs, sends;
static bool usable_host;

static struct cmd {
	struct scsi_cmnd scmd;
	struct scsi_device sdev;
	struct scatterlist sg[2];
	bool queued;		/* queuecommand took it */
	unsigned int done;	/* scsi_done calls */
} cmds[NCMDS];

void ovb_channel_set_sc_create(struct ovb_channel *p, void (*fn)(struct ovb_channel *sc)) { }
void ovb_channel_set_sc_rescind(struct ovb_channel *p, void (*fn)(struct ovb_channel *sc)) { }
u16 ovb_channel_sub_index(struct ovb_channel *ch) { return 0; }
int ovb_channel_set_target_cpu(struct ovb_channel *ch, unsigned int cpu) { return 0; }
bool ovb_channel_request_answer(struct ovb_channel *ch, u64 tid, const void *d, u32 len)
{
	return (tid & OVB_CHANNEL_REQ_TID) != 0;	/* the helper's ids: its answers */
}

/* Set-up requests: a usable host answers right, others as the input says. */
int ovb_channel_request(struct ovb_channel *ch, const void *req, u32 len, void *resp,
			u32 resp_len, unsigned long timeout)
{
	struct ovb_vstor_packet q, a = { .operation = OVB_VSTOR_OP_COMPLETE_IO };
	u8 how = usable_host ? 0 : fz_u8(&input);

	if (!ch->open || len != sizeof(q) || resp_len != sizeof(a))
		abort();
	memcpy(&q, req, sizeof(q));
	if (q.operation == OVB_VSTOR_OP_QUERY_PROPERTIES) {
		a.storage_channel_properties.max_transfer_bytes =
			usable_host ? 0x40000 : fz_u32(&input);
		a.storage_channel_properties.flags = how & 1 ? fz_u32(&input) : 0;
		a.storage_channel_properties.max_channel_cnt = fz_u16(&input);
	}
	switch (how & 0xe0) {
	case 0x20:
		return -ETIMEDOUT;
	case 0x40:
		a.status = 1;
		break;
	case 0x60:
		a.operation = how;
		break;
	case 0x80:		/* a short answer */
		memcpy(resp, &a, sizeof(a));
		return how & 0x1f;
	}
	memcpy(resp, &a, sizeof(a));
	return sizeof(a);
}

int ovb_channel_send_inband(struct ovb_channel *ch, const void *buf, u32 len, u64 tid, u16 flags)
{
	struct ovb_vstor_packet p;

	if (!ch->open || len != sizeof(p) || !tid || tid - 1 >= NCMDS)
		abort();
	memcpy(&p, buf, sizeof(p));
	if (p.operation != OVB_VSTOR_OP_EXECUTE_SRB || !cmds[tid - 1].queued ||
	    p.vm_srb.data_transfer_length != cmds[tid - 1].scmd.bufflen)
		abort();
	sends++;
	return (sends % 7 == 0) ? -EAGAIN : 0;	/* the ring is full now and then */
}

int ovb_channel_send_gpa(struct ovb_channel *ch, const void *ranges, u32 ranges_len,
			 u32 range_count, const void *buf, u32 len, u64 tid, u16 flags)
{
	const struct ovb_gpa_range *r = ranges;

	if (range_count != 1 || ranges_len < sizeof(*r) + 8 || (ranges_len - sizeof(*r)) % 8 ||
	    r->byte_count != cmds[tid - 1].scmd.bufflen || r->byte_offset >= PAGE_SIZE)
		abort();
	return ovb_channel_send_inband(ch, buf, len, tid, flags);
}

int ovb_channel_recv(struct ovb_channel *ch, void *buf, u32 buflen, u32 *len, u64 *tid)
{
	struct ovb_vstor_packet p;
	u8 kind;

	if (!ch->open)
		abort();
	recvs++;
	if (!input.left)
		return -EAGAIN;
	kind = fz_u8(&input);
	if (kind >= 0xf0)
		return (kind & 1) ? -EIO : -EAGAIN;
	if (kind >= 0xe0)
		return -EMSGSIZE;
	memset(&p, 0, sizeof(p));
	fz_take(&input, &p, sizeof(p));
	if (!(kind & 0x80))
		p.operation = OVB_VSTOR_OP_COMPLETE_IO;
	*len = (kind & 0x40) ? fz_u8(&input) % (sizeof(p) + 1) : sizeof(p);
	if (*len > buflen)
		return -EMSGSIZE;
	memcpy(buf, &p, *len);
	/* Mostly a tag of ours, + 1; sometimes anything. */
	*tid = (kind & 0x20) ? fz_u64(&input) : 1 + (kind & 0x1f) % (NCMDS + 1);
	return 0;
}

/* ---- the midlayer's side ---------------------------------------------------- */
static struct Scsi_Host *the_host;

struct Scsi_Host *scsi_host_alloc(const struct scsi_host_template *t, int privsize)
{
	struct Scsi_Host *s = kzalloc(sizeof(*s) + privsize, GFP_KERNEL);

	if (!s)
		return NULL;
	s->hostt = t;
	s->refs = 1;
	the_host = s;
	return s;
}

bool scsi_host_get(struct Scsi_Host *s)
{
	s->refs++;
	return true;
}

void scsi_host_put(struct Scsi_Host *s)
{
	if (--s->refs == 0) {
		if (s == the_host)
			the_host = NULL;
		kfree(s);
	}
}

struct scsi_cmnd *scsi_host_find_tag(struct Scsi_Host *s, int tag)
{
	if (s != the_host)
		abort();
	/*
	 * As blk-mq does: the request last given this tag, finished or not
	 * (blk_mq_tag_to_rq), so a stale completion finds a finished command.
	 */
	return tag >= 0 && tag < NCMDS && cmds[tag].scmd.priv ? &cmds[tag].scmd : NULL;
}

void scsi_done(struct scsi_cmnd *scmd)
{
	struct cmd *c = container_of(scmd, struct cmd, scmd);

	if (!c->queued || c->done++ || scmd->resid > scmd->bufflen)
		abort();	/* finished twice, never queued, or more than asked */
	c->queued = false;
}

static void queue_cmd(struct fz *f)
{
	unsigned int t = fz_u8(f) % NCMDS;
	struct cmd *c = &cmds[t];
	u8 how = fz_u8(f);
	int ret;

	if (c->queued)
		return;		/* the midlayer reuses a tag only once it is done */
	free(c->scmd.priv);
	free(c->scmd.sense_buffer);
	memset(c, 0, sizeof(*c));
	c->sdev.host = the_host;
	c->sdev.lun = how & 7;
	c->scmd.device = &c->sdev;
	c->scmd.priv = calloc(1, the_host->hostt->cmd_size);
	c->scmd.sense_buffer = calloc(1, SCSI_SENSE_BUFFERSIZE);	/* exact: ASan */
	c->scmd.cmd_len = 10;
	c->scmd.sc_data_direction = (how >> 3) & 3;
	c->scmd.rq.tag = t;
	c->scmd.flags = how & 0x20 ? SCMD_TAGGED : 0;
	if (how & 0x40) {	/* data in one or two pieces of a page */
		c->sg[0].page = alloc_page(GFP_KERNEL);
		if (!c->sg[0].page)
			abort();
		c->sg[0].offset = fz_u16(f) % PAGE_SIZE;
		c->sg[0].length = 1 + fz_u16(f) % (2 * PAGE_SIZE);
		c->scmd.sg = c->sg;
		c->scmd.sg_count = 1;
		c->scmd.bufflen = c->sg[0].length;
	}
	c->queued = true;
	ret = the_host->hostt->queuecommand(the_host, &c->scmd);
	if (ret == SCSI_MLQUEUE_HOST_BUSY) {
		if (c->done)
			abort();	/* busy, yet finished */
		c->queued = false;	/* the midlayer will try again */
	} else if (ret) {
		abort();
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *in, size_t size)
{
	static const guid_t scsi_class = OVB_GUID_SCSI;
	u8 cfg;

	input = (struct fz){ in, size };
	stub_bus_reset(&scsi_class);
	for (unsigned int i = 0; i < NCMDS; i++) {
		free(cmds[i].scmd.priv);
		free(cmds[i].scmd.sense_buffer);
	}
	memset(cmds, 0, sizeof(cmds));
	recvs = sends = 0;
	cfg = fz_u8(&input);
	usable_host = !(cfg & 0x80);
	if (stor_probe(&stub_vdev)) {
		if (usable_host || the_host)
			abort();	/* a usable host, refused; or a host left behind */
		shim_run_work();
		shim_free_pages();
		return 0;
	}
	usable_host = false;
	for (int step = 0; step < 256 && input.left; step++) {
		u8 op = fz_u8(&input);

		if (op < 0x60) {
			queue_cmd(&input);
		} else if (op < 0xf0) {
			recvs = 0;
			stub_chan.on_event(stub_chan.ctx);
			if (recvs > STOR_BUDGET)
				abort();
		} else {
			shim_run_work();
		}
	}
	stor_remove(&stub_vdev);
	shim_run_work();
	shim_free_pages();
	if (the_host)
		abort();	/* the host outlived its device */
	return 0;
}
