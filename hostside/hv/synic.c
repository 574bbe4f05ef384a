// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * SynIC from the host side: KVM keeps the SynIC registers and injects
 * SINTs; we learn where the guest put its message and event-flag pages
 * (KVM_EXIT_HYPERV_SYNIC), write messages into the message slots and set
 * event flags (sint.c), and raise SINTs through irqfds on KVM_IRQ_ROUTING_HV_SINT
 * routes. Each route's irqfd has a resample fd that KVM signals when the
 * guest acknowledges the SINT (EOM or EOI): that is when a busy message
 * slot may have become free. The sequence follows QEMU's hw/hyperv.
 */
#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "hostside/hv/hv_internal.h"
#include "hostside/log.h"

#define HV_MAX_ROUTES 1024

static void hv_wake(struct hv *hv)
{
	uint64_t one = 1;

	if (write(hv->wake_fd, &one, sizeof(one)) < 0)
		log_dbg("hv wake: %s", strerror(errno));
}

int hv_synic_init(struct hv *hv)
{
	struct kvm_irq_routing *r;

	r = calloc(1, sizeof(*r) + HV_MAX_ROUTES * sizeof(r->entries[0]));
	if (!r)
		return -1;
	/* KVM_SET_GSI_ROUTING replaces the table: restate the default pins. */
	for (unsigned int gsi = 0; gsi < 24; gsi++) {
		struct kvm_irq_routing_entry *e = &r->entries[r->nr++];

		e->gsi = gsi;
		e->type = KVM_IRQ_ROUTING_IRQCHIP;
		e->u.irqchip.irqchip = KVM_IRQCHIP_IOAPIC;
		e->u.irqchip.pin = gsi;
		if (gsi < 16 && gsi != 2) {
			e = &r->entries[r->nr++];
			e->gsi = gsi;
			e->type = KVM_IRQ_ROUTING_IRQCHIP;
			e->u.irqchip.irqchip = gsi < 8 ? KVM_IRQCHIP_PIC_MASTER : KVM_IRQCHIP_PIC_SLAVE;
			e->u.irqchip.pin = gsi % 8;
		}
	}
	hv->routing = r;
	hv->wake_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	return hv->wake_fd < 0 ? -1 : 0;
}

int hv_synic_exit(struct hv *hv, struct vcpu *v, struct kvm_run *run)
{
	struct hv_vp *vp = &hv->vps[v->index];

	pthread_mutex_lock(&hv->lock);
	vp->scontrol = run->hyperv.u.synic.control;
	vp->siefp = run->hyperv.u.synic.evt_page;
	vp->simp = run->hyperv.u.synic.msg_page;
	pthread_mutex_unlock(&hv->lock);
	log_dbg("vp%u SynIC: control 0x%llx siefp 0x%llx simp 0x%llx", v->index,
		(unsigned long long)vp->scontrol, (unsigned long long)vp->siefp,
		(unsigned long long)vp->simp);
	hv_wake(hv);	/* queued messages may now be deliverable */
	return 0;
}

/* The route for (vp, sint), created on first use. Called with hv->lock held. */
static struct hv_sint_route *hv_route_get(struct hv *hv, uint32_t vp, uint32_t sint)
{
	struct hv_sint_route *rt;
	struct kvm_irq_routing_entry *e;
	struct kvm_irqfd irqfd = { 0 };

	if (vp >= hv->vm->ncpus || sint >= HV_SYNIC_SINT_COUNT)
		return NULL;
	rt = &hv->vps[vp].sint[sint];
	if (rt->used)
		return rt;
	if (hv->routing->nr >= HV_MAX_ROUTES)
		return NULL;

	rt->gsi = vm_alloc_gsi(hv->vm);
	e = &hv->routing->entries[hv->routing->nr];
	memset(e, 0, sizeof(*e));
	e->gsi = rt->gsi;
	e->type = KVM_IRQ_ROUTING_HV_SINT;
	e->u.hv_sint.vcpu = vp;
	e->u.hv_sint.sint = sint;
	hv->routing->nr++;
	if (ioctl(hv->vm->vm_fd, KVM_SET_GSI_ROUTING, hv->routing) < 0) {
		log_err("KVM_SET_GSI_ROUTING: %s", strerror(errno));
		hv->routing->nr--;
		return NULL;
	}
	rt->irqfd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	rt->resamplefd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	irqfd.fd = rt->irqfd;
	irqfd.gsi = rt->gsi;
	irqfd.flags = KVM_IRQFD_FLAG_RESAMPLE;
	irqfd.resamplefd = rt->resamplefd;
	if (rt->irqfd < 0 || rt->resamplefd < 0 || ioctl(hv->vm->vm_fd, KVM_IRQFD, &irqfd) < 0) {
		log_err("KVM_IRQFD for SINT %u of vp %u: %s", sint, vp, strerror(errno));
		return NULL;
	}
	rt->used = true;
	hv_wake(hv);	/* the delivery thread polls the new resample fd */
	return rt;
}

static void hv_raise(struct hv_sint_route *rt)
{
	uint64_t one = 1;

	if (write(rt->irqfd, &one, sizeof(one)) < 0)
		log_dbg("irqfd: %s", strerror(errno));
}

/* Deliver what the slot takes, raising the SINT for each. hv->lock held. */
static void hv_deliver(struct hv *hv, uint32_t vp, uint32_t sint)
{
	struct hv_sint_route *rt = &hv->vps[vp].sint[sint];

	while (hv_sint_deliver(hv->vm, &hv->vps[vp], sint, rt))
		hv_raise(rt);
}

static void hv_deliver_all(struct hv *hv)
{
	pthread_mutex_lock(&hv->lock);
	for (uint32_t vp = 0; vp < hv->vm->ncpus; vp++)
		for (uint32_t s = 0; s < HV_SYNIC_SINT_COUNT; s++)
			hv_deliver(hv, vp, s);
	pthread_mutex_unlock(&hv->lock);
}

int hv_post_msg(struct hv *hv, uint32_t vp, uint32_t sint, uint32_t msg_type,
		const void *payload, uint32_t len)
{
	struct hv_sint_route *rt;

	if (len > HV_MESSAGE_PAYLOAD_BYTE_COUNT || msg_type == HVMSG_NONE)
		return -1;
	pthread_mutex_lock(&hv->lock);
	rt = hv_route_get(hv, vp, sint);
	if (!rt || hv_sint_queue(rt, msg_type, payload, len)) {
		pthread_mutex_unlock(&hv->lock);
		log_err("cannot queue a message for vp %u SINT %u", vp, sint);
		return -1;
	}
	hv_deliver(hv, vp, sint);
	pthread_mutex_unlock(&hv->lock);
	return 0;
}

int hv_signal_event(struct hv *hv, uint32_t vp, uint32_t sint, uint32_t flag)
{
	struct hv_sint_route *rt;
	uint8_t *flags;

	if (flag >= HV_EVENT_FLAGS_COUNT)
		return -1;
	pthread_mutex_lock(&hv->lock);
	rt = hv_route_get(hv, vp, sint);
	flags = rt ? hv_sint_flags(hv->vm, &hv->vps[vp], sint) : NULL;
	pthread_mutex_unlock(&hv->lock);
	if (!flags)
		return -1;
	__atomic_fetch_or(&flags[flag / 8], (uint8_t)(1u << (flag % 8)), __ATOMIC_SEQ_CST);
	hv_raise(rt);
	return 0;
}

/* Wait for EOMs (resample fds), new SynIC pages or new routes; deliver. */
static void *hv_thread(void *arg)
{
	struct hv *hv = arg;
	struct pollfd *pfds = calloc(1 + HV_MAX_ROUTES, sizeof(*pfds));

	pthread_setname_np(pthread_self(), "hv-synic");
	while (pfds && __atomic_load_n(&hv->running, __ATOMIC_ACQUIRE)) {
		unsigned int n = 0;
		uint64_t v;

		pfds[n++] = (struct pollfd){ .fd = hv->wake_fd, .events = POLLIN };
		pthread_mutex_lock(&hv->lock);
		for (uint32_t vp = 0; vp < hv->vm->ncpus; vp++)
			for (uint32_t s = 0; s < HV_SYNIC_SINT_COUNT; s++)
				if (hv->vps[vp].sint[s].used)
					pfds[n++] = (struct pollfd){
						.fd = hv->vps[vp].sint[s].resamplefd,
						.events = POLLIN };
		pthread_mutex_unlock(&hv->lock);
		/* The timeout is a safety net against a lost EOM, not the mechanism. */
		if (poll(pfds, n, 100) < 0 && errno != EINTR)
			break;
		for (unsigned int i = 0; i < n; i++)
			if (pfds[i].revents & POLLIN && read(pfds[i].fd, &v, sizeof(v)) < 0)
				continue;
		hv_deliver_all(hv);
	}
	free(pfds);
	return NULL;
}

int hv_start(struct hv *hv)
{
	hv->running = true;
	return pthread_create(&hv->thread, NULL, hv_thread, hv) ? -1 : 0;
}

void hv_stop(struct hv *hv)
{
	if (!hv->running)
		return;
	__atomic_store_n(&hv->running, false, __ATOMIC_RELEASE);
	hv_wake(hv);
	pthread_join(hv->thread, NULL);
}
