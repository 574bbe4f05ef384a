/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/* State shared by hv.c (CPUID, hypercalls, crash) and synic.c (SynIC). */
#ifndef OVB_HV_INTERNAL_H
#define OVB_HV_INTERNAL_H

#include <pthread.h>

#include "hostside/hv/hv.h"
#include "hostside/vmm/vm.h"
#include "ovb/hv_tlfs.h"

#define HV_MAX_MSG_CONNS	8
#define HV_MSG_QUEUE_MAX	256

struct hv_msg_conn {
	uint32_t conn_id;
	hv_msg_fn fn;
	void *opaque;
};

struct hv_queued_msg {
	struct hv_queued_msg *next;
	uint32_t msg_type, len;
	uint8_t payload[HV_MESSAGE_PAYLOAD_BYTE_COUNT];
};

/* One (vp, sint) pair the host signals: its GSI route and queue. */
struct hv_sint_route {
	bool used;
	int gsi, irqfd, resamplefd;
	struct hv_queued_msg *head, *tail;
	unsigned int queued;
};

struct hv_vp {
	uint64_t scontrol, siefp, simp;	/* as the guest last wrote them */
	struct hv_sint_route sint[HV_SYNIC_SINT_COUNT];
};

struct hv {
	struct vm *vm;
	pthread_mutex_t lock;
	struct hv_msg_conn conns[HV_MAX_MSG_CONNS];
	unsigned int nconns;
	struct hv_vp *vps;
	struct kvm_irq_routing *routing;
	int wake_fd;
	pthread_t thread;
	bool running;
};

int hv_synic_init(struct hv *hv);
int hv_synic_exit(struct hv *hv, struct vcpu *v, struct kvm_run *run);

/* A hypercall exit (hcall.c): its result, an HV_STATUS_*. */
uint64_t hv_hcall(struct hv *hv, uint32_t vp, uint64_t input, uint64_t param0);

/*
 * sint.c, called with hv->lock held. Queue a message (0, or -1: bad type
 * or length, HV_MSG_QUEUE_MAX queued, no memory); put the queue's head
 * into the guest's slot if the SIMP is enabled, in RAM and the slot free
 * (true: delivered, raise the SINT); drop the queue. The SIEFP flags of
 * @sint, or NULL if the page is disabled or not in RAM.
 */
int hv_sint_queue(struct hv_sint_route *rt, uint32_t msg_type, const void *payload,
		  uint32_t len);
bool hv_sint_deliver(struct vm *vm, const struct hv_vp *v, uint32_t sint,
		     struct hv_sint_route *rt);
void hv_sint_flush(struct hv_sint_route *rt);
uint8_t *hv_sint_flags(struct vm *vm, const struct hv_vp *v, uint32_t sint);

#endif /* OVB_HV_INTERNAL_H */
