// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * libFuzzer: the guest's side of the Hyper-V interface the host parses or
 * writes into — HvPostMessage input pages (hostside/hv/hcall.c) and SynIC
 * delivery into SIMP slots and SIEFP flags wherever the guest put its
 * pages (hostside/hv/sint.c). Fresh state per input: a fake VM of 1-4
 * vCPUs over new guest RAM (1 MiB, or the MMIO hole plus two pages at
 * 4 GiB), two registered message connections. The input is a script:
 * the guest moves or disables its SynIC pages, scribbles on them, EOMs,
 * posts hypercalls with any input; the host queues messages and signals
 * events. Checked against a model: each hypercall's status, that a
 * connection sees exactly the input page's payload, that messages arrive
 * in order and whole, that a busy slot is flagged pending and never
 * overwritten, that a queue holds at most HV_MSG_QUEUE_MAX.
 */
#include <stdlib.h>

#include "tests/fuzz/fuzz_input.h"
#include "hostside/hv/hv_internal.h"

#define PG 4096ull
#define MODEL_MAX 2048

int log_verbose;
int LLVMFuzzerTestOneInput(const uint8_t *in, size_t size);

static struct vm vm;
static struct hv hv;

/* What the connection callback saw. */
static struct {
	bool called;
	uint32_t conn, vp, type, len;
	uint8_t payload[HV_MESSAGE_PAYLOAD_BYTE_COUNT];
} seen;

/* Messages queued and not yet delivered, oldest first, all routes. */
static struct model_msg {
	uint32_t vp, sint, type, len;
	uint8_t payload[HV_MESSAGE_PAYLOAD_BYTE_COUNT];
} model[MODEL_MAX];
static unsigned int nmodel;

static uint16_t on_msg(void *opaque, uint32_t vp, uint32_t type, const void *payload,
		       uint32_t len)
{
	if (len > HV_MESSAGE_PAYLOAD_BYTE_COUNT)
		abort();
	seen.called = true;
	seen.conn = (uint32_t)(uintptr_t)opaque;
	seen.vp = vp;
	seen.type = type;
	seen.len = len;
	memcpy(seen.payload, payload, len);
	return (uint16_t)(type & 0x3);	/* the status goes back to the guest as it is */
}

static uint64_t pick_gpa(struct fz *f)
{
	uint8_t how = fz_u8(f);
	uint64_t v = fz_u64(f);

	switch (how & 3) {
	case 0:
		return v;
	case 1:
		return (v & 0xff) * PG + (how & 4 ? 0 : (v >> 8) & 0xfff);	/* low pages */
	case 2:
		return vm.ram_size - PG + ((v >> 8) & 0x1fff);	/* the end of low RAM */
	default:
		return VM_HIGH_MEM_BASE + ((v >> 8) & 0x3fff);	/* around high RAM */
	}
}

static struct hv_message *slot_of(uint32_t vp, uint32_t sint)
{
	const struct hv_vp *v = &hv.vps[vp];

	return vm_gpa_to_hva(&vm, (v->simp & ~0xfffull) + sint * HV_MESSAGE_SIZE, HV_MESSAGE_SIZE);
}

static void deliver(uint32_t vp, uint32_t sint)
{
	struct hv_sint_route *rt = &hv.vps[vp].sint[sint];
	const struct hv_vp *v = &hv.vps[vp];

	while (rt->head) {
		struct hv_message *slot = slot_of(vp, sint);
		bool busy = slot && slot->header.message_type != HVMSG_NONE;
		bool can = (v->scontrol & HV_SYNIC_CONTROL_ENABLE) && (v->simp & HV_SYNIC_SIMP_ENABLE) &&
			   slot;
		unsigned int i;

		if (hv_sint_deliver(&vm, v, sint, rt) != (can && !busy))
			abort();
		if (!can)
			return;
		if (busy) {
			if (!(slot->header.message_flags & HV_MESSAGE_FLAG_PENDING))
				abort();	/* the guest must be asked for an EOM */
			return;
		}
		for (i = 0; i < nmodel; i++)
			if (model[i].vp == vp && model[i].sint == sint)
				break;
		if (i == nmodel || slot->header.message_type != model[i].type ||
		    slot->header.payload_size != model[i].len || slot->header.message_flags ||
		    memcmp(slot->payload, model[i].payload, model[i].len))
			abort();	/* not the oldest message of this route, or not whole */
		memmove(&model[i], &model[i + 1], (nmodel - i - 1) * sizeof(model[0]));
		nmodel--;
	}
}

static void op_hcall(struct fz *f, uint32_t vp)
{
	static const uint16_t codes[] = { HVCALL_POST_MESSAGE, HVCALL_SIGNAL_EVENT,
					  HVCALL_SEND_IPI, 0 };
	uint8_t how = fz_u8(f);
	uint64_t input = fz_u64(f), gpa = pick_gpa(f), status, want;
	struct hv_input_post_message m;
	bool call = false;
	void *page;

	if (!(how & 0x80))	/* mostly a real code, other bits as they come */
		input = (input & ~HV_HYPERCALL_CODE_MASK) | codes[how & 3];
	if (how & 0x40)
		input &= ~HV_HYPERCALL_FAST_BIT;
	fz_take(f, &m, sizeof(m));
	if (how & 0x20)
		m.payload_size %= HV_MESSAGE_PAYLOAD_BYTE_COUNT + 2;
	if (how & 0x10)
		m.connection_id = (how & 8 ? 4 : 1) | (m.connection_id & 0xff000000u);
	page = vm_gpa_to_hva(&vm, gpa, sizeof(m));
	if (page)
		memcpy(page, &m, sizeof(m));

	if ((input & HV_HYPERCALL_CODE_MASK) == HVCALL_SIGNAL_EVENT)
		want = HV_STATUS_INVALID_CONNECTION_ID;
	else if ((input & HV_HYPERCALL_CODE_MASK) != HVCALL_POST_MESSAGE ||
		 (input & HV_HYPERCALL_FAST_BIT))
		want = HV_STATUS_INVALID_HYPERCALL_CODE;
	else if ((gpa & 7) || !page)
		want = HV_STATUS_INVALID_ALIGNMENT;
	else if (m.payload_size > HV_MESSAGE_PAYLOAD_BYTE_COUNT || (int32_t)m.message_type <= 0)
		want = HV_STATUS_INVALID_PARAMETER;
	else if ((m.connection_id & HV_CONNECTION_ID_MASK) == 1 ||
		 (m.connection_id & HV_CONNECTION_ID_MASK) == 4)
		want = m.message_type & 3, call = true;
	else
		want = HV_STATUS_INVALID_CONNECTION_ID;

	seen.called = false;
	status = hv_hcall(&hv, vp, input, gpa);
	if (status != want)
		abort();
	if (seen.called != call)
		abort();
	if (seen.called && (seen.conn != (m.connection_id & HV_CONNECTION_ID_MASK) ||
			    seen.vp != vp || seen.type != m.message_type ||
			    seen.len != m.payload_size || memcmp(seen.payload, m.payload, seen.len)))
		abort();
}

static void op_post(struct fz *f, uint32_t vp, uint32_t sint)
{
	struct hv_sint_route *rt = &hv.vps[vp].sint[sint];
	uint8_t how = fz_u8(f), payload[HV_MESSAGE_PAYLOAD_BYTE_COUNT + 16];
	uint32_t type = (how & 1) ? fz_u32(f) : 1 + (how >> 5);
	uint32_t len = fz_u8(f), repeat = (how & 2) ? 1 + fz_u16(f) % 300 : 1;

	fz_take(f, payload, len > sizeof(payload) ? sizeof(payload) : len);
	for (uint32_t r = 0; r < repeat; r++) {
		bool ok = len <= HV_MESSAGE_PAYLOAD_BYTE_COUNT && type != HVMSG_NONE &&
			  rt->queued < HV_MSG_QUEUE_MAX;

		payload[0] = (uint8_t)r;
		if ((hv_sint_queue(rt, type, payload, len) == 0) != ok)
			abort();
		if (rt->queued > HV_MSG_QUEUE_MAX)
			abort();
		if (ok) {
			if (nmodel == MODEL_MAX)
				abort();
			model[nmodel] = (struct model_msg){ vp, sint, type, len, { 0 } };
			memcpy(model[nmodel++].payload, payload, len);
		}
		if (!(how & 4))
			deliver(vp, sint);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *in, size_t size)
{
	struct fz f = { in, size };
	uint8_t cfg = fz_u8(&f);

	memset(&vm, 0, sizeof(vm));
	memset(&hv, 0, sizeof(hv));
	nmodel = 0;
	vm.ncpus = 1 + (cfg & 3);
	if (vm_ram_create(&vm, cfg & 4 ? VM_LOW_MEM_END + 2 * PG : 1ull << 20))
		abort();
	hv.vm = &vm;
	pthread_mutex_init(&hv.lock, NULL);
	hv.vps = calloc(vm.ncpus, sizeof(*hv.vps));
	if (!hv.vps || hv_register_msg_conn(&hv, 1, on_msg, (void *)1) ||
	    hv_register_msg_conn(&hv, 4, on_msg, (void *)4))
		abort();

	for (int step = 0; step < 64 && f.left; step++) {
		uint8_t op = fz_u8(&f);
		uint32_t vp = (op >> 3) % vm.ncpus, sint = fz_u8(&f) % HV_SYNIC_SINT_COUNT;
		struct hv_vp *v = &hv.vps[vp];

		switch (op & 7) {
		case 0:
			op_hcall(&f, vp);
			break;
		case 1:	/* the guest (re)writes SCONTROL, SIEFP, SIMP; KVM tells us */
			v->scontrol = fz_u8(&f) & 1;
			v->siefp = pick_gpa(&f);
			v->simp = pick_gpa(&f);
			if (op & 0x80)
				deliver(vp, sint);
			break;
		case 2:
			op_post(&f, vp, sint);
			break;
		case 3: {	/* EOM: the guest frees its slot, KVM resamples */
			struct hv_message *slot = slot_of(vp, sint);

			if (slot)
				slot->header.message_type = HVMSG_NONE;
			deliver(vp, sint);
			break;
		}
		case 4: {	/* the guest scribbles on memory, likely its pages */
			uint64_t gpa = (op & 0x80) ? (v->simp & ~0xfffull) + fz_u16(&f) % PG
						   : pick_gpa(&f);
			uint64_t val = fz_u64(&f);
			uint8_t *p = vm_gpa_to_hva(&vm, gpa, 8);

			if (p)
				memcpy(p, &val, 8);
			break;
		}
		case 5: {	/* the host signals an event flag */
			uint32_t flag = fz_u16(&f) % (HV_EVENT_FLAGS_COUNT + 8);
			uint8_t *flags = flag < HV_EVENT_FLAGS_COUNT ? hv_sint_flags(&vm, v, sint)
								     : NULL;
			uint8_t *want = (v->siefp & HV_SYNIC_SIEFP_ENABLE) ?
				vm_gpa_to_hva(&vm, (v->siefp & ~0xfffull) + sint * 256, 256) : NULL;

			if (flag < HV_EVENT_FLAGS_COUNT && flags != want)
				abort();
			if (flags) {
				flags[flag / 8] |= (uint8_t)(1u << (flag % 8));
				if (!(*(volatile uint8_t *)&want[flag / 8] & (1u << (flag % 8))))
					abort();
			}
			break;
		}
		default:
			deliver(vp, sint);
			break;
		}
	}
	for (uint32_t vp = 0; vp < vm.ncpus; vp++)
		for (uint32_t s = 0; s < HV_SYNIC_SINT_COUNT; s++)
			hv_sint_flush(&hv.vps[vp].sint[s]);
	free(hv.vps);
	pthread_mutex_destroy(&hv.lock);
	vm_ram_destroy(&vm);
	return 0;
}
