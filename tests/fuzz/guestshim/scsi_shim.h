/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/*
 * guestshim's SCSI midlayer and blk-mq: the fields and calls storvsc uses,
 * nothing behind them. Commands are the fuzzer's (scsi_host_find_tag and
 * scsi_done are its functions); a host is its template, private area and
 * a reference count.
 */
#ifndef OVB_GUESTSHIM_SCSI_H
#define OVB_GUESTSHIM_SCSI_H

#include "shim.h"

#define U32_MAX			UINT32_MAX
#define NUMA_NO_NODE		(-1)
#define KERN_ERR		""
#define KERN_WARNING		""
#define KERN_INFO		""
#define rounddown(x, y)		((x) - ((x) % (y)))
#define min3(a, b, c)		min(min(a, b), c)
#define num_online_cpus()	4u
#define cpumask_local_spread(i, node)	((void)(node), (i) % 4u)
#define set_bit(nr, a)		__atomic_fetch_or(&(a)[(nr) / BITS_PER_LONG], 1ul << ((nr) % BITS_PER_LONG), __ATOMIC_SEQ_CST)
#define clear_bit(nr, a)	__atomic_fetch_and(&(a)[(nr) / BITS_PER_LONG], ~(1ul << ((nr) % BITS_PER_LONG)), __ATOMIC_SEQ_CST)
#define test_and_clear_bit(nr, a) sync_test_and_clear_bit(nr, a)

enum dma_data_direction { DMA_BIDIRECTIONAL, DMA_TO_DEVICE, DMA_FROM_DEVICE, DMA_NONE };

#define SCSI_SENSE_BUFFERSIZE	96
#define DID_NO_CONNECT		0x01
#define DID_ABORT		0x05
#define DID_ERROR		0x07
#define SUCCESS			0x2002
#define FAILED			0x2003
#define SCSI_MLQUEUE_HOST_BUSY	0x1055
#define SCMD_TAGGED		(1 << 0)

struct scatterlist {
	struct page *page;
	unsigned int offset, length;
};
struct request_queue {
	int unused;
};
struct request {
	u32 tag;
};
struct Scsi_Host;
struct scsi_device {
	struct Scsi_Host *host;
	unsigned int channel, id;
	u64 lun;
	struct request_queue *request_queue;
};
struct scsi_cmnd {
	struct scsi_device *device;
	int result;
	unsigned char *sense_buffer;
	unsigned char cmnd[32];
	unsigned short cmd_len;
	unsigned int flags;
	enum dma_data_direction sc_data_direction;
	unsigned int bufflen, resid;
	struct scatterlist *sg;
	unsigned int sg_count;
	struct request rq;
	void *priv;		/* the template's cmd_size bytes */
};
struct scsi_host_template {
	struct module *module;
	const char *name, *proc_name;
	int (*queuecommand)(struct Scsi_Host *, struct scsi_cmnd *);
	int (*eh_host_reset_handler)(struct scsi_cmnd *);
	int (*slave_configure)(struct scsi_device *);
	int can_queue, cmd_per_lun, this_id;
	unsigned int cmd_size;
	unsigned long virt_boundary_mask;
	unsigned int no_write_same:1, track_queue_depth:1;
};
struct Scsi_Host {
	const struct scsi_host_template *hostt;
	struct mutex scan_mutex;
	unsigned int host_no, max_channel, max_id, max_cmd_len, max_sectors, nr_hw_queues;
	u64 max_lun;
	unsigned short sg_tablesize;
	int refs;
	unsigned long hostdata[] __aligned(8);
};

struct Scsi_Host *scsi_host_alloc(const struct scsi_host_template *t, int privsize);
bool scsi_host_get(struct Scsi_Host *s);
void scsi_host_put(struct Scsi_Host *s);
#define shost_priv(s)			((void *)(s)->hostdata)
#define scsi_add_host(s, dev)		((void)(s), (void)(dev), 0)
#define scsi_remove_host(s)		((void)(s))
#define scsi_scan_host(s)		((void)(s))
#define shost_for_each_device(sd, s)	for ((sd) = NULL, (void)(s); (sd); (sd) = NULL)
#define scsi_test_unit_ready(sd, t, r, x) ((void)(sd), 0)
#define scsi_device_lookup(s, c, i, l)	((void)(s), (void)(c), (void)(i), (void)(l), (struct scsi_device *)NULL)
#define scsi_remove_device(sd)		((void)(sd))
#define scsi_device_put(sd)		((void)(sd))
#define sdev_printk(l, sd, ...)		((void)(sd), shim_printk(__VA_ARGS__))
#define shost_printk(l, s, ...)		((void)(s), shim_printk(__VA_ARGS__))
#define blk_queue_rq_timeout(q, t)	((void)(q))
/* The fuzzer's: the command of @tag at the host, and a finished command. */
struct scsi_cmnd *scsi_host_find_tag(struct Scsi_Host *s, int tag);
void scsi_done(struct scsi_cmnd *c);
#define scsi_cmd_priv(c)		((c)->priv)
#define scsi_cmd_to_rq(c)		(&(c)->rq)
#define blk_mq_unique_tag(rq)		((rq)->tag)
#define blk_mq_unique_tag_to_hwq(t)	((t) >> 16)
#define scsi_bufflen(c)			((c)->bufflen)
#define scsi_set_resid(c, r)		((c)->resid = (r))
#define scsi_sglist(c)			((c)->sg)
#define scsi_sg_count(c)		((c)->sg_count)
#define sg_page(sg)			((sg)->page)
#define scsi_for_each_sg(c, sg, n, k)	for ((k) = 0, (sg) = (c)->sg; (k) < (int)(n); (k)++, (sg)++)
static inline void set_host_byte(struct scsi_cmnd *c, int b)
{
	c->result = (c->result & 0xff00ffff) | (b << 16);
}

#endif /* OVB_GUESTSHIM_SCSI_H */
