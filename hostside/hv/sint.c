// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * What the host writes into the guest's SynIC pages: a (vp, SINT) pair's
 * message queue and its SIMP slot, and event flags in the SIEFP page. The
 * pages are wherever the guest last put them (any GPA, enabled or not),
 * and the slot is the guest's memory: a busy slot is asked for an EOM, not
 * overwritten. No KVM here (synic.c raises the SINT), so the fuzzer drives
 * this over fake guest RAM. The sequence follows QEMU's hw/hyperv.
 */
#include <stdlib.h>
#include <string.h>

#include "hostside/hv/hv_internal.h"

int hv_sint_queue(struct hv_sint_route *rt, uint32_t msg_type, const void *payload,
		  uint32_t len)
{
	struct hv_queued_msg *q;

	if (len > HV_MESSAGE_PAYLOAD_BYTE_COUNT || msg_type == HVMSG_NONE ||
	    rt->queued >= HV_MSG_QUEUE_MAX)
		return -1;
	q = calloc(1, sizeof(*q));
	if (!q)
		return -1;
	q->msg_type = msg_type;
	q->len = len;
	memcpy(q->payload, payload, len);
	if (rt->tail)
		rt->tail->next = q;
	else
		rt->head = q;
	rt->tail = q;
	rt->queued++;
	return 0;
}

bool hv_sint_deliver(struct vm *vm, const struct hv_vp *v, uint32_t sint,
		     struct hv_sint_route *rt)
{
	struct hv_queued_msg *q = rt->head;
	struct hv_message *slot;
	uint32_t *type;
	void *hva;

	if (!q || sint >= HV_SYNIC_SINT_COUNT || !(v->scontrol & HV_SYNIC_CONTROL_ENABLE) ||
	    !(v->simp & HV_SYNIC_SIMP_ENABLE))
		return false;
	hva = vm_gpa_to_hva(vm, (v->simp & ~0xfffull) + sint * sizeof(*slot), sizeof(*slot));
	if (!hva)
		return false;	/* the guest put its SIMP outside RAM */
	/* The header is packed, but a slot is 256-byte aligned: so is its type. */
	slot = hva;
	type = hva;
	if (__atomic_load_n(type, __ATOMIC_ACQUIRE) != HVMSG_NONE) {
		/* Busy: ask for an EOM, then look again in case it just freed. */
		__atomic_fetch_or(&slot->header.message_flags, HV_MESSAGE_FLAG_PENDING,
				  __ATOMIC_SEQ_CST);
		if (__atomic_load_n(type, __ATOMIC_ACQUIRE) != HVMSG_NONE)
			return false;
	}
	memcpy(slot->payload, q->payload, q->len);
	slot->header.payload_size = (uint8_t)q->len;
	slot->header.message_flags = 0;
	slot->header.sender = 0;
	__atomic_store_n(type, q->msg_type, __ATOMIC_RELEASE);

	rt->head = q->next;
	if (!rt->head)
		rt->tail = NULL;
	rt->queued--;
	free(q);
	return true;
}

void hv_sint_flush(struct hv_sint_route *rt)
{
	while (rt->head) {
		struct hv_queued_msg *q = rt->head;

		rt->head = q->next;
		free(q);
	}
	rt->tail = NULL;
	rt->queued = 0;
}

uint8_t *hv_sint_flags(struct vm *vm, const struct hv_vp *v, uint32_t sint)
{
	if (sint >= HV_SYNIC_SINT_COUNT || !(v->siefp & HV_SYNIC_SIEFP_ENABLE))
		return NULL;
	return vm_gpa_to_hva(vm, (v->siefp & ~0xfffull) + sint * HV_EVENT_FLAGS_BYTE_COUNT,
			     HV_EVENT_FLAGS_BYTE_COUNT);
}
