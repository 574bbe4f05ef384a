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

#endif /* OVB_HV_INTERNAL_H */
