// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * GPADLs: a header message with the first PFNs, any number of body
 * messages with the rest (Linux drivers/hv/channel.c create_gpadl_header
 * builds them; one range per GPADL). Every count is checked against the
 * message length and our limits, every PFN against guest RAM; a bad
 * GPADL is answered GPADL_CREATED with a failure status and forgotten.
 *
 * VSPs map complete GPADLs (vmbus_channel_gpadl_map) from their own
 * threads: the list changes only with both the server's lock and
 * map_lock held, lookups from VSPs take map_lock alone.
 */
#include <stdlib.h>
#include <string.h>

#include "hostside/vmbus/channel.h"
#include "hostside/vmbus/fault.h"
#include "ovb/ring.h"
#include "ovb/vmbus_msg.h"

#define GPADL_STATUS_FAILED	0xc0000001u	/* any nonzero fails it in Linux */

struct vmbus_gpadl *vmbus_gpadl_find(struct vmbus_server *srv, uint32_t id)
{
	for (struct vmbus_gpadl *g = srv->gpadls; g; g = g->next)
		if (g->id == id)
			return g;
	return NULL;
}

static void gpadl_unlink(struct vmbus_server *srv, struct vmbus_gpadl *g)
{
	for (struct vmbus_gpadl **pp = &srv->gpadls; *pp; pp = &(*pp)->next) {
		if (*pp == g) {
			pthread_mutex_lock(&srv->map_lock);
			*pp = g->next;
			pthread_mutex_unlock(&srv->map_lock);
			srv->ngpadls--;
			srv->gpadl_pages -= g->npages;
			free(g->pfns);
			free(g);
			return;
		}
	}
}

void vmbus_gpadl_free_all(struct vmbus_server *srv)
{
	while (srv->gpadls)
		gpadl_unlink(srv, srv->gpadls);
}

static void gpadl_created(struct vmbus_server *srv, struct vmbus_gpadl *g, uint32_t status)
{
	struct vmbus_channel_gpadl_created r = {
		.header.msgtype = CHANNELMSG_GPADL_CREATED,
		.child_relid = g->relid,
		.gpadl = g->id,
		.creation_status = status,
	};

	vmbus_server_post(srv, &r, sizeof(r));
}

/* All PFNs arrived: check them against guest RAM and answer. */
static void gpadl_complete(struct vmbus_server *srv, struct vmbus_gpadl *g)
{
	for (uint32_t i = 0; i < g->npages; i++) {
		if (g->pfns[i] > (UINT64_MAX >> OVB_HV_PAGE_SHIFT) ||
		    !srv->ops->gpa_map(srv->opaque, g->pfns[i] << OVB_HV_PAGE_SHIFT,
				       OVB_HV_PAGE_SIZE)) {
			vmbus_log(srv, "GPADL %u: PFN 0x%llx is not guest RAM", g->id,
				  (unsigned long long)g->pfns[i]);
			gpadl_created(srv, g, GPADL_STATUS_FAILED);
			gpadl_unlink(srv, g);
			return;
		}
	}
	pthread_mutex_lock(&srv->map_lock);
	g->complete = true;
	pthread_mutex_unlock(&srv->map_lock);
	{
		struct vmbus_fault_ctx fc = { .relid = g->relid, .gpadl = g->id };

		vmbus_fault_point(srv, VMBUS_FAULT_AT_GPADL_CREATED, &fc);
	}
	gpadl_created(srv, g, 0);
}

void vmbus_gpadl_header(struct vmbus_server *srv, const void *msg, uint32_t len)
{
	struct vmbus_channel_gpadl_header h;
	struct ovb_gpa_range range;
	struct vmbus_gpadl *g;
	uint32_t npages, inmsg;
	uint64_t span;

	memcpy(&h, msg, sizeof(h));
	if (h.rangecount != 1 || len < sizeof(h) + sizeof(range)) {
		vmbus_log(srv, "GPADL %u: %u ranges (only 1 is supported)", h.gpadl, h.rangecount);
		goto refuse;
	}
	memcpy(&range, (const uint8_t *)msg + sizeof(h), sizeof(range));
	span = (uint64_t)range.byte_offset + range.byte_count;
	npages = (uint32_t)((span + OVB_HV_PAGE_SIZE - 1) >> OVB_HV_PAGE_SHIFT);
	if (range.byte_offset >= OVB_HV_PAGE_SIZE || !range.byte_count ||
	    npages > VMBUS_MAX_GPADL_PAGES ||
	    h.range_buflen != sizeof(range) + (uint64_t)npages * 8) {
		vmbus_log(srv, "GPADL %u: inconsistent range (offset %u, %u bytes, buflen %u)",
			  h.gpadl, range.byte_offset, range.byte_count, h.range_buflen);
		goto refuse;
	}
	if (vmbus_gpadl_find(srv, h.gpadl) || srv->ngpadls >= VMBUS_MAX_GPADLS) {
		vmbus_log(srv, "GPADL %u: duplicate id or too many GPADLs", h.gpadl);
		goto refuse;
	}
	/*
	 * The PFN lists are host memory the guest asks for: together they
	 * describe at most the guest's RAM (a guest has no more to share).
	 */
	if (srv->gpadl_pages + npages > srv->max_gpadl_pages) {
		vmbus_log(srv, "GPADL %u: %u pages more than guest RAM's %llu in GPADLs", h.gpadl,
			  npages, (unsigned long long)srv->max_gpadl_pages);
		goto refuse;
	}
	if (h.child_relid > OVB_VMBUS_MAX_RELID || !srv->chans[h.child_relid]) {
		vmbus_log(srv, "GPADL %u for unknown channel %u", h.gpadl, h.child_relid);
		goto refuse;
	}
	g = calloc(1, sizeof(*g));
	if (!g || !(g->pfns = calloc(npages, sizeof(uint64_t)))) {
		free(g);
		goto refuse;
	}
	g->id = h.gpadl;
	g->relid = h.child_relid;
	g->npages = npages;
	g->byte_count = range.byte_count;
	g->byte_offset = range.byte_offset;
	inmsg = (len - sizeof(h) - sizeof(range)) / 8;
	if (inmsg > npages)
		inmsg = npages;
	memcpy(g->pfns, (const uint8_t *)msg + sizeof(h) + sizeof(range), (size_t)inmsg * 8);
	g->have = inmsg;
	pthread_mutex_lock(&srv->map_lock);
	g->next = srv->gpadls;
	srv->gpadls = g;
	pthread_mutex_unlock(&srv->map_lock);
	srv->ngpadls++;
	srv->gpadl_pages += npages;
	if (g->have == g->npages)
		gpadl_complete(srv, g);
	return;
refuse:
	{
		struct vmbus_gpadl tmp = { .id = h.gpadl, .relid = h.child_relid };

		gpadl_created(srv, &tmp, GPADL_STATUS_FAILED);
	}
}

void vmbus_gpadl_body(struct vmbus_server *srv, const void *msg, uint32_t len)
{
	struct vmbus_channel_gpadl_body b;
	struct vmbus_gpadl *g;
	uint32_t n;

	memcpy(&b, msg, sizeof(b));
	g = vmbus_gpadl_find(srv, b.gpadl);
	if (!g || g->complete) {
		vmbus_log(srv, "GPADL body for unknown or complete GPADL %u", b.gpadl);
		return;
	}
	n = (len - sizeof(b)) / 8;
	if (!n || n > g->npages - g->have) {
		vmbus_log(srv, "GPADL %u: body with %u PFNs, %u expected", g->id, n,
			  g->npages - g->have);
		gpadl_created(srv, g, GPADL_STATUS_FAILED);
		gpadl_unlink(srv, g);
		return;
	}
	memcpy(g->pfns + g->have, (const uint8_t *)msg + sizeof(b), (size_t)n * 8);
	g->have += n;
	if (g->have == g->npages)
		gpadl_complete(srv, g);
}

static void post_torndown(struct vmbus_server *srv, uint32_t id)
{
	struct vmbus_channel_gpadl_torndown r = { .header.msgtype = CHANNELMSG_GPADL_TORNDOWN,
						  .gpadl = id };

	vmbus_server_post(srv, &r, sizeof(r));
}

static void gpadl_torndown(struct vmbus_server *srv, struct vmbus_gpadl *g)
{
	uint32_t id = g->id;

	gpadl_unlink(srv, g);
	post_torndown(srv, id);
}

void vmbus_gpadl_finish_teardowns(struct vmbus_server *srv)
{
	struct vmbus_gpadl *g, *next;

	__atomic_store_n(&srv->teardowns, false, __ATOMIC_RELAXED);
	for (g = srv->gpadls; g; g = next) {
		bool done;

		next = g->next;
		pthread_mutex_lock(&srv->map_lock);
		done = g->teardown && !g->maps;
		pthread_mutex_unlock(&srv->map_lock);
		if (done && g->released)
			gpadl_unlink(srv, g);	/* the guest asked nothing: no answer */
		else if (done)
			gpadl_torndown(srv, g);
	}
}

/*
 * The guest released a rescinded channel's relid: it sends no teardown
 * for that channel's GPADLs (Linux vmbus_teardown_gpadl skips it once the
 * channel is rescinded and frees the pages), so they go now. The channel
 * was closed before the rescind, so only another channel's VSP could
 * still map one (a sub-channel's buffer on the primary's GPADL): that one
 * goes when it is unmapped, silently.
 */
void vmbus_gpadl_release_relid(struct vmbus_server *srv, uint32_t relid)
{
	struct vmbus_gpadl *g, *next;

	for (g = srv->gpadls; g; g = next) {
		bool mapped;

		next = g->next;
		if (g->relid != relid)
			continue;
		pthread_mutex_lock(&srv->map_lock);
		mapped = g->maps != 0;
		g->teardown = true;
		g->released = true;
		pthread_mutex_unlock(&srv->map_lock);
		if (!mapped)
			gpadl_unlink(srv, g);
	}
}

void vmbus_gpadl_teardown(struct vmbus_server *srv, const void *msg, uint32_t len)
{
	struct vmbus_channel_gpadl_teardown t;
	struct vmbus_gpadl *g;
	bool mapped;

	(void)len;
	memcpy(&t, msg, sizeof(t));
	g = vmbus_gpadl_find(srv, t.gpadl);
	if (!g) {
		/*
		 * Nothing of it is held (never made, or dropped with its
		 * released relid): saying so lets the guest free the pages.
		 */
		post_torndown(srv, t.gpadl);
		return;
	}
	if (g->teardown) {
		vmbus_log(srv, "teardown of GPADL %u again", t.gpadl);
		return;
	}
	/*
	 * A channel still open on it is closed first: its rings are this
	 * memory. The close drops our lock, so look the GPADL up again.
	 */
	for (uint32_t i = 1; i <= OVB_VMBUS_MAX_RELID; i++) {
		struct vmbus_channel *ch = srv->chans[i];

		if (ch && ch->state == CH_OPEN && ch->gpadl == t.gpadl) {
			vmbus_log(srv, "GPADL %u torn down under open channel %u", t.gpadl, i);
			vmbus_channel_close(srv, i);
		}
	}
	g = vmbus_gpadl_find(srv, t.gpadl);
	if (!g || g->teardown)
		return;
	/*
	 * A VSP still maps it (vsp.h): Linux waits for TORNDOWN, so it
	 * comes when the VSP unmaps, or the channel closes.
	 */
	pthread_mutex_lock(&srv->map_lock);
	g->teardown = true;
	mapped = g->maps != 0;
	pthread_mutex_unlock(&srv->map_lock);
	if (!mapped)
		gpadl_torndown(srv, g);
}
