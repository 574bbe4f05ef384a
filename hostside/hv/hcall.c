// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * The hypercalls KVM hands to userspace: HvPostMessage, whose input page
 * is guest memory (copied out once, then checked), and HvSignalEvent for
 * connection ids KVM has no eventfd for. No KVM here: the fuzzer calls
 * hv_hcall() over fake guest RAM. Facts: the TLFS, arch/x86/kvm/hyperv.c.
 */
#include <string.h>

#include "hostside/hv/hv_internal.h"
#include "hostside/log.h"

static uint16_t hv_post_message(struct hv *hv, uint32_t vp, uint64_t gpa)
{
	const struct hv_input_post_message *m;
	struct hv_input_post_message in;

	/* The input page must be aligned and in RAM; copy it out once. */
	m = (gpa & 7) ? NULL : vm_gpa_to_hva(hv->vm, gpa, sizeof(*m));
	if (!m) {
		log_guest("HvPostMessage input at bad GPA 0x%llx", (unsigned long long)gpa);
		return HV_STATUS_INVALID_ALIGNMENT;
	}
	memcpy(&in, m, sizeof(in));
	if (in.payload_size > HV_MESSAGE_PAYLOAD_BYTE_COUNT || (int32_t)in.message_type <= 0) {
		log_guest("HvPostMessage with bad size %u or type 0x%x", in.payload_size,
			  in.message_type);
		return HV_STATUS_INVALID_PARAMETER;
	}
	pthread_mutex_lock(&hv->lock);
	for (unsigned int i = 0; i < hv->nconns; i++) {
		if (hv->conns[i].conn_id == (in.connection_id & HV_CONNECTION_ID_MASK)) {
			struct hv_msg_conn c = hv->conns[i];

			pthread_mutex_unlock(&hv->lock);
			return c.fn(c.opaque, vp, in.message_type, in.payload, in.payload_size);
		}
	}
	pthread_mutex_unlock(&hv->lock);
	log_guest("HvPostMessage to unknown connection %u", in.connection_id);
	return HV_STATUS_INVALID_CONNECTION_ID;
}

uint64_t hv_hcall(struct hv *hv, uint32_t vp, uint64_t input, uint64_t param0)
{
	uint16_t code = input & HV_HYPERCALL_CODE_MASK;
	bool fast = input & HV_HYPERCALL_FAST_BIT;

	if (code == HVCALL_POST_MESSAGE && !fast)
		return hv_post_message(hv, vp, param0);
	if (code == HVCALL_SIGNAL_EVENT)
		return HV_STATUS_INVALID_CONNECTION_ID;	/* KVM found no eventfd for it */
	return HV_STATUS_INVALID_HYPERCALL_CODE;
}

int hv_register_msg_conn(struct hv *hv, uint32_t conn_id, hv_msg_fn fn, void *opaque)
{
	int ret = -1;

	pthread_mutex_lock(&hv->lock);
	if (hv->nconns < HV_MAX_MSG_CONNS) {
		hv->conns[hv->nconns++] = (struct hv_msg_conn){ conn_id, fn, opaque };
		ret = 0;
	}
	pthread_mutex_unlock(&hv->lock);
	return ret;
}
