// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * The VMBus control thread (vmbus_host.h): messages the guest posts are
 * queued here and fed to the server in order; the server's effects go to
 * hv/ (messages, events) and vmm/ (memory).
 */
#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "hostside/hv/hv.h"
#include "hostside/log.h"
#include "hostside/vmbus/server.h"
#include "hostside/vmbus_host.h"
#include "hostside/vmm/vm.h"
#include "ovb/hv_tlfs.h"
#include "ovb/ring.h"
#include "ovb/vmbus_msg.h"

#define HOST_MSG_QUEUE 256

struct host_msg {
	uint32_t vp, len;
	uint8_t data[HV_MESSAGE_PAYLOAD_BYTE_COUNT];
};

struct vmbus_host {
	struct vm *vm;
	struct hv *hv;
	struct vmbus_server *srv;
	pthread_t thread;
	bool started;
	pthread_mutex_t lock;
	pthread_cond_t cond;
	struct host_msg q[HOST_MSG_QUEUE];
	unsigned int head, count;
	bool stop;
	bool kicked;			/* a VSP worker queued a server request */
	struct log_ratelimit full_rl;	/* "queue full", which the guest causes */
};

/* ---- server ops over hv/ and vmm/ -------------------------------------- */

static int op_post_msg(void *opaque, uint32_t vp, uint32_t sint, const void *msg, uint32_t len)
{
	struct vmbus_host *h = opaque;

	/* VMBus channel messages travel as HVMSG type 1 (HVMSG_CHANNEL). */
	return hv_post_msg(h->hv, vp, sint, 1, msg, len);
}

static void *op_map_ring(void *opaque, const uint64_t *pfns, uint32_t n)
{
	struct vmbus_host *h = opaque;
	uint64_t *list;
	void *p;

	/* control page, data pages, data pages again: the double mapping */
	if (n < 2)
		return NULL;
	list = malloc(sizeof(*list) * (2 * n - 1));
	if (!list)
		return NULL;
	memcpy(list, pfns, sizeof(*list) * n);
	memcpy(list + n, pfns + 1, sizeof(*list) * (n - 1));
	p = vm_map_pages(h->vm, list, 2 * n - 1, false);
	free(list);
	return p;
}

static void op_unmap_ring(void *opaque, void *p, uint32_t n)
{
	(void)opaque;
	vm_unmap_pages(p, 2 * n - 1, false);
}

static void *op_gpa_map(void *opaque, uint64_t gpa, uint64_t len)
{
	struct vmbus_host *h = opaque;

	return vm_gpa_to_hva(h->vm, gpa, len);
}

static int op_event_register(void *opaque, uint32_t conn_id, int fd)
{
	struct vmbus_host *h = opaque;

	return hv_register_event_conn(h->hv, conn_id, fd);
}

static void op_event_unregister(void *opaque, uint32_t conn_id, int fd)
{
	struct vmbus_host *h = opaque;

	hv_unregister_event_conn(h->hv, conn_id, fd);
}

static int op_signal_guest(void *opaque, uint32_t vp, uint32_t sint, uint32_t relid)
{
	struct vmbus_host *h = opaque;

	return hv_signal_event(h->hv, vp, sint, relid);
}

static void op_kick(void *opaque)
{
	struct vmbus_host *h = opaque;

	pthread_mutex_lock(&h->lock);
	h->kicked = true;
	pthread_cond_signal(&h->cond);
	pthread_mutex_unlock(&h->lock);
}

static void *op_map_pages(void *opaque, const uint64_t *pfns, uint32_t n)
{
	struct vmbus_host *h = opaque;

	return vm_map_pages(h->vm, pfns, n, false);
}

static void op_unmap_pages(void *opaque, void *p, uint32_t n)
{
	(void)opaque;
	vm_unmap_pages(p, n, false);
}

/* RAM as it is; the MMIO window gets a memslot of its own (vmm/mmio.c). */
static void *op_map_range(void *opaque, uint64_t gpa, uint64_t len)
{
	struct vmbus_host *h = opaque;
	void *p = vm_gpa_to_hva(h->vm, gpa, len);

	return p ? p : vm_mmio_map(h->vm, gpa, len);
}

static void op_unmap_range(void *opaque, void *p, uint64_t gpa, uint64_t len)
{
	struct vmbus_host *h = opaque;

	if (p != vm_gpa_to_hva(h->vm, gpa, len))
		vm_mmio_unmap(h->vm, p);
}

static uint64_t op_ref_time(void *opaque)
{
	struct vmbus_host *h = opaque;

	return vm_ref_time(h->vm);
}

static const struct vmbus_server_ops host_server_ops = {
	.post_msg = op_post_msg,
	.map_ring = op_map_ring,
	.unmap_ring = op_unmap_ring,
	.gpa_map = op_gpa_map,
	.event_register = op_event_register,
	.event_unregister = op_event_unregister,
	.signal_guest = op_signal_guest,
	.kick = op_kick,
	.map_pages = op_map_pages,
	.unmap_pages = op_unmap_pages,
	.map_range = op_map_range,
	.unmap_range = op_unmap_range,
	.ref_time = op_ref_time,
};

/* ---- guest -> host messages --------------------------------------------- */

static uint16_t host_on_msg(void *opaque, uint32_t vp, uint32_t msg_type, const void *payload,
			    uint32_t len)
{
	struct vmbus_host *h = opaque;
	uint16_t status = HV_STATUS_SUCCESS;

	(void)msg_type;
	pthread_mutex_lock(&h->lock);
	if (h->count == HOST_MSG_QUEUE) {
		status = HV_STATUS_INSUFFICIENT_BUFFERS;	/* the guest retries */
		log_rl(&h->full_rl, "guest: vmbus: message queue full, HvPostMessage refused");
	} else {
		struct host_msg *m = &h->q[(h->head + h->count++) % HOST_MSG_QUEUE];

		m->vp = vp;
		m->len = len;
		memcpy(m->data, payload, len);
		pthread_cond_signal(&h->cond);
	}
	pthread_mutex_unlock(&h->lock);
	return status;
}

static void *host_vmbus_thread(void *arg)
{
	struct vmbus_host *h = arg;
	struct host_msg m;

	pthread_setname_np(pthread_self(), "vmbus");
	vmbus_server_bind_thread(h->srv);
	for (;;) {
		bool kicked, have;

		pthread_mutex_lock(&h->lock);
		while (!h->count && !h->kicked && !h->stop)
			pthread_cond_wait(&h->cond, &h->lock);
		if (h->stop) {
			pthread_mutex_unlock(&h->lock);
			break;
		}
		kicked = h->kicked;
		h->kicked = false;
		have = h->count != 0;
		if (have) {
			m = h->q[h->head];
			h->head = (h->head + 1) % HOST_MSG_QUEUE;
			h->count--;
		}
		pthread_mutex_unlock(&h->lock);
		if (kicked)
			vmbus_server_run_requests(h->srv);
		if (have)
			vmbus_server_handle_msg(h->srv, m.vp, m.data, m.len);
	}
	vmbus_server_unbind_thread(h->srv);
	return NULL;
}

struct vmbus_host *vmbus_host_new(struct vm *vm, struct hv *hv)
{
	struct vmbus_host *h = calloc(1, sizeof(*h));

	if (!h)
		return NULL;
	h->vm = vm;
	h->hv = hv;
	pthread_mutex_init(&h->lock, NULL);
	pthread_cond_init(&h->cond, NULL);
	h->srv = vmbus_server_new(&host_server_ops, h, hv_vp_count(hv));
	if (!h->srv) {
		free(h);
		return NULL;
	}
	vmbus_server_set_guest_pages(h->srv, vm->ram_size >> OVB_HV_PAGE_SHIFT);
	/* The guest posts to 4 from VMBus 5.0 on, to 1 before. */
	if (hv_register_msg_conn(hv, OVB_VMBUS_MESSAGE_CONNECTION_ID, host_on_msg, h) ||
	    hv_register_msg_conn(hv, OVB_VMBUS_MESSAGE_CONNECTION_ID_4, host_on_msg, h)) {
		log_err("vmbus: cannot register the message connections");
		return NULL;
	}
	return h;
}

struct vmbus_server *vmbus_host_server(struct vmbus_host *h)
{
	return h->srv;
}

int vmbus_host_start(struct vmbus_host *h)
{
	if (pthread_create(&h->thread, NULL, host_vmbus_thread, h))
		return -1;
	h->started = true;
	return 0;
}

void vmbus_host_stop(struct vmbus_host *h)
{
	if (!h || !h->started)
		return;
	pthread_mutex_lock(&h->lock);
	h->stop = true;
	pthread_cond_signal(&h->cond);
	pthread_mutex_unlock(&h->lock);
	pthread_join(h->thread, NULL);
	h->started = false;
}

void vmbus_host_free(struct vmbus_host *h)
{
	if (!h)
		return;
	vmbus_host_stop(h);
	vmbus_server_free(h->srv);
	free(h);
}
