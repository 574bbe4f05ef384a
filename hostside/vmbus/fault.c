// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * Fault injection (--fault, fault.h): a table of kinds, each a name and
 * one function the server calls at its fault points while the kind is on.
 */
#include <errno.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "hostside/vmbus/channel.h"
#include "hostside/vmbus/fault.h"
#include "ovb/vmbus_msg.h"

/* Relids and GPADL ids the guest never had. */
#define FAULT_RELID	OVB_VMBUS_MAX_RELID
#define FAULT_GPADL	0x0bad0badu

/* A plausible offer to mangle: the first channel's, or a made-up one. */
static void fault_offer_template(struct vmbus_server *srv, struct vmbus_channel_offer_channel *o)
{
	struct vmbus_channel *first = srv->chans[1];

	memset(o, 0, sizeof(*o));
	o->header.msgtype = CHANNELMSG_OFFERCHANNEL;
	if (first && first->state != CH_RESCINDED) {
		o->offer.if_type = first->class_id;
		o->offer.if_instance = first->instance_id;
	}
	o->offer.if_instance.b[15] ^= 0x5a;
	o->connection_id = VMBUS_CONN_ID_BASE + FAULT_RELID;
}

static void fault_offer_len(struct vmbus_server *srv, enum vmbus_fault_point at,
			    const struct vmbus_fault_ctx *c)
{
	struct vmbus_channel_offer_channel o;

	(void)c;
	if (at != VMBUS_FAULT_AT_OFFERS)
		return;
	fault_offer_template(srv, &o);
	o.child_relid = FAULT_RELID;
	log_info("vmbus: fault: OFFERCHANNEL of 100 and 192 bytes (needs %zu)", sizeof(o));
	vmbus_server_post(srv, &o, 100);
	vmbus_server_post(srv, &o, offsetof(struct vmbus_channel_offer_channel, connection_id));
}

static void fault_dup_offer(struct vmbus_server *srv, enum vmbus_fault_point at,
			    const struct vmbus_fault_ctx *c)
{
	struct vmbus_channel_offer_channel o;
	struct vmbus_channel *first = srv->chans[1];

	(void)c;
	if (at != VMBUS_FAULT_AT_OFFERS_DONE || !first)
		return;
	fault_offer_template(srv, &o);
	/* relid 1 again with another instance; relid 1's instance again. */
	log_info("vmbus: fault: offers repeating relid 1 and relid 1's instance");
	o.child_relid = 1;
	vmbus_server_post(srv, &o, sizeof(o));
	o.offer.if_instance = first->instance_id;
	o.child_relid = FAULT_RELID - 1;
	vmbus_server_post(srv, &o, sizeof(o));
}

static void fault_bad_relid_answers(struct vmbus_server *srv)
{
	struct vmbus_channel_rescind_offer r = {
		.header.msgtype = CHANNELMSG_RESCIND_CHANNELOFFER, .child_relid = FAULT_RELID };
	struct vmbus_channel_open_result res = {
		.header.msgtype = CHANNELMSG_OPENCHANNEL_RESULT, .child_relid = FAULT_RELID };
	struct vmbus_channel_gpadl_created gc = {
		.header.msgtype = CHANNELMSG_GPADL_CREATED, .child_relid = FAULT_RELID,
		.gpadl = FAULT_GPADL };
	struct vmbus_channel_gpadl_torndown gt = {
		.header.msgtype = CHANNELMSG_GPADL_TORNDOWN, .gpadl = FAULT_GPADL };

	log_info("vmbus: fault: RESCIND of relids %u and 0x%x, unasked answers for relid %u",
		 FAULT_RELID, OVB_VMBUS_INVALID_RELID, FAULT_RELID);
	vmbus_server_post(srv, &r, sizeof(r));
	r.child_relid = OVB_VMBUS_INVALID_RELID;
	vmbus_server_post(srv, &r, sizeof(r));
	vmbus_server_post(srv, &res, sizeof(res));
	vmbus_server_post(srv, &gc, sizeof(gc));
	vmbus_server_post(srv, &gt, sizeof(gt));
}

static void fault_bad_relid(struct vmbus_server *srv, enum vmbus_fault_point at,
			    const struct vmbus_fault_ctx *c)
{
	struct vmbus_channel_offer_channel o;

	switch (at) {
	case VMBUS_FAULT_AT_OFFERS:
		fault_offer_template(srv, &o);
		log_info("vmbus: fault: offers of relid 0 and 0x%x", OVB_VMBUS_INVALID_RELID);
		o.child_relid = 0;
		vmbus_server_post(srv, &o, sizeof(o));
		o.child_relid = OVB_VMBUS_INVALID_RELID;
		vmbus_server_post(srv, &o, sizeof(o));
		break;
	case VMBUS_FAULT_AT_OFFERS_DONE:
		fault_bad_relid_answers(srv);
		break;
	case VMBUS_FAULT_AT_GPADL_CREATED: {
		/* An answer for a GPADL and relid the guest never had. */
		struct vmbus_channel_gpadl_created gc = {
			.header.msgtype = CHANNELMSG_GPADL_CREATED,
			.child_relid = OVB_VMBUS_MAX_RELID, .gpadl = ~c->gpadl };

		log_info("vmbus: fault: GPADL_CREATED for unknown GPADL %u, relid %u", gc.gpadl,
			 gc.child_relid);
		vmbus_server_post(srv, &gc, sizeof(gc));
		break;
	}
	case VMBUS_FAULT_AT_OPEN_RESULT: {
		/* Just before the real answer: one for a channel the guest never had. */
		struct vmbus_channel_open_result stray = {
			.header.msgtype = CHANNELMSG_OPENCHANNEL_RESULT,
			.child_relid = FAULT_RELID, .openid = c->openid };

		log_info("vmbus: fault: OPENCHANNEL_RESULT for relid %u", FAULT_RELID);
		vmbus_server_post(srv, &stray, sizeof(stray));
		break;
	}
	case VMBUS_FAULT_AT_OPENED:
		break;
	}
}

static void fault_msg_type(struct vmbus_server *srv, enum vmbus_fault_point at,
			   const struct vmbus_fault_ctx *c)
{
	struct vmbus_channel_open_channel g2h = { .header.msgtype = CHANNELMSG_OPENCHANNEL,
						  .child_relid = 1 };
	struct vmbus_channel_empty e = { .header.msgtype = 99 };

	(void)c;
	if (at != VMBUS_FAULT_AT_OFFERS_DONE)
		return;
	log_info("vmbus: fault: messages of type 99, 18, 0 and %u, and of 4 bytes",
		 CHANNELMSG_OPENCHANNEL);
	vmbus_server_post(srv, &e, sizeof(e));
	e.header.msgtype = 18;		/* a gap in the numbering */
	vmbus_server_post(srv, &e, sizeof(e));
	e.header.msgtype = CHANNELMSG_INVALID;
	vmbus_server_post(srv, &e, sizeof(e));
	vmbus_server_post(srv, &g2h, sizeof(g2h));
	e.header.msgtype = CHANNELMSG_ALLOFFERS_DELIVERED;
	vmbus_server_post(srv, &e, 4);	/* shorter than any header */
}

/* ---- kinds that act later, from a thread of their own ------------------ */

/*
 * Every such thread is a job on fault_jobs until it is joined: by the next
 * spawn once it ended, or by vmbus_faults_stop (vmbus_server_free), which
 * tells its server's jobs to stop, wakes their sleeps and joins them, so
 * none outlives the server it looks at.
 */
struct fault_job {
	struct vmbus_server *srv;
	struct vmbus_channel *ch;
	uint32_t relid, arg;
	pthread_t t;
	ovb_bool stop, ended;		/* under fault_jobs_lock */
	struct fault_job *next;
};

static pthread_mutex_t fault_jobs_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t fault_jobs_wake = PTHREAD_COND_INITIALIZER;
static struct fault_job *fault_jobs;

/* Unlink and join the jobs that ended (@srv NULL) or all of @srv's. */
static void fault_jobs_reap(struct vmbus_server *srv)
{
	struct fault_job *done = NULL, **pp, *j;

	pthread_mutex_lock(&fault_jobs_lock);
	for (pp = &fault_jobs; (j = *pp);) {
		if (srv ? j->srv == srv : j->ended) {
			j->stop = 1;
			*pp = j->next;
			j->next = done;
			done = j;
		} else {
			pp = &j->next;
		}
	}
	pthread_cond_broadcast(&fault_jobs_wake);
	pthread_mutex_unlock(&fault_jobs_lock);
	while ((j = done)) {
		done = j->next;
		pthread_join(j->t, NULL);
		free(j);
	}
}

static void fault_spawn(void *(*fn)(void *), const struct fault_job *job)
{
	struct fault_job *j = malloc(sizeof(*j));

	fault_jobs_reap(NULL);
	if (!j)
		return;
	*j = *job;
	j->stop = j->ended = 0;
	pthread_mutex_lock(&fault_jobs_lock);
	if (pthread_create(&j->t, NULL, fn, j)) {
		pthread_mutex_unlock(&fault_jobs_lock);
		free(j);
		return;
	}
	j->next = fault_jobs;
	fault_jobs = j;
	pthread_mutex_unlock(&fault_jobs_lock);
}

/* Sleep @us unless told to stop; 0 once the job is to stop. */
static int fault_sleep_us(struct fault_job *j, unsigned long us)
{
	struct timespec ts;
	int go;

	clock_gettime(CLOCK_REALTIME, &ts);	/* the condvar's clock */
	ts.tv_sec += (time_t)(us / 1000000);
	ts.tv_nsec += (long)(us % 1000000) * 1000L;
	if (ts.tv_nsec >= 1000000000L) {
		ts.tv_sec++;
		ts.tv_nsec -= 1000000000L;
	}
	pthread_mutex_lock(&fault_jobs_lock);
	while (!j->stop && pthread_cond_timedwait(&fault_jobs_wake, &fault_jobs_lock, &ts) != ETIMEDOUT)
		;
	go = !j->stop;
	pthread_mutex_unlock(&fault_jobs_lock);
	return go;
}

/* The job's thread is done; it is joined later (fault_jobs_reap). */
static void *fault_job_end(struct fault_job *j)
{
	pthread_mutex_lock(&fault_jobs_lock);
	j->ended = 1;
	pthread_mutex_unlock(&fault_jobs_lock);
	return NULL;
}

void vmbus_faults_stop(struct vmbus_server *srv)
{
	fault_jobs_reap(srv);
}

static void *fault_rescind_sub_thread(void *arg)
{
	struct fault_job *j = arg;
	struct vmbus_server *srv = j->srv;
	struct vmbus_channel *ch;

	if (!fault_sleep_us(j, (unsigned long)j->arg * 1000000))
		return fault_job_end(j);
	pthread_mutex_lock(&srv->lock);
	ch = srv->chans[j->relid];
	if (ch == j->ch && ch->state == CH_OPEN && srv->version) {
		struct vmbus_channel_rescind_offer r = {
			.header.msgtype = CHANNELMSG_RESCIND_CHANNELOFFER, .child_relid = j->relid };

		ch = vmbus_channel_close(srv, j->relid);
		if (ch == j->ch && ch->state == CH_OFFERED) {
			ch->state = CH_RESCINDED;
			ch->dev = NULL;
			log_info("vmbus: fault: rescinded sub-channel %u (index %u) while open",
				 ch->relid, ch->subidx);
			vmbus_server_post(srv, &r, sizeof(r));
		}
	}
	pthread_mutex_unlock(&srv->lock);
	return fault_job_end(j);
}

static void fault_rescind_sub(struct vmbus_server *srv, enum vmbus_fault_point at,
			      const struct vmbus_fault_ctx *c)
{
	struct fault_job j = { .srv = srv, .ch = c->ch };

	if (at != VMBUS_FAULT_AT_OPENED || c->ch->subidx != 1)
		return;
	j.relid = c->ch->relid;
	j.arg = srv->faults.arg[VMBUS_FK_RESCIND_SUB] ? srv->faults.arg[VMBUS_FK_RESCIND_SUB] : 20;
	log_info("vmbus: fault: sub-channel %u will be rescinded in %u s", j.relid, j.arg);
	fault_spawn(fault_rescind_sub_thread, &j);
}

/* The relid ring-index and ring-busy pick: =RELID, or the last device's primary. */
static uint32_t fault_target_relid(struct vmbus_server *srv, unsigned int kind)
{
	struct vmbus_channel *last;
	uint32_t relid = srv->faults.arg[kind];

	if (!relid && srv->ndevs &&
	    (last = vmbus_server_primary(srv, srv->devs[srv->ndevs - 1])))
		relid = last->relid;
	return relid;
}

#define FAULT_RING_BUSY_S	30
/*
 * Pace of ring-busy's refills and of the floods' messages. Back to back
 * (as fast as the guest takes them) crashed the nested test machine's
 * L2 in its interrupt entry code (a second Hyper-V callback interrupt
 * delivered at the first instruction of the first, IF clear, in
 * guest-busy and guest-flood), before any guest driver code ran: an
 * emulation fault of nested SVM under TCG, not a guest bug.
 */
#define FAULT_PACE_US		1000

static void *fault_ring_busy_thread(void *arg)
{
	static const uint8_t junk[16];
	struct fault_job *j = arg;
	struct vmbus_server *srv = j->srv;
	uint64_t packets = 0;
	struct timespec t0, t;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (;;) {
		struct vmbus_channel *ch;
		ovb_bool sig = 0, s = 0;

		clock_gettime(CLOCK_MONOTONIC, &t);
		if (t.tv_sec - t0.tv_sec >= j->arg)
			break;
		pthread_mutex_lock(&srv->lock);
		ch = srv->chans[j->relid];
		if (ch != j->ch || ch->state != CH_OPEN) {
			pthread_mutex_unlock(&srv->lock);
			break;
		}
		pthread_mutex_lock(&ch->tx_lock);
		while (!ovb_ring_tx_inband(&ch->tx, OVB_VMPKT_DATA_INBAND, 0, 0, junk,
					   sizeof(junk), &s)) {
			sig |= s;
			packets++;
		}
		pthread_mutex_unlock(&ch->tx_lock);
		if (sig)
			srv->ops->signal_guest(srv->opaque, ch->target_vp, srv->msg_sint, ch->relid);
		pthread_mutex_unlock(&srv->lock);
		if (!fault_sleep_us(j, FAULT_PACE_US))
			break;
	}
	log_info("vmbus: fault: ring-busy on channel %u ended: %llu packets written", j->relid,
		 (unsigned long long)packets);
	return fault_job_end(j);
}

static void fault_ring_busy(struct vmbus_server *srv, enum vmbus_fault_point at,
			    const struct vmbus_fault_ctx *c)
{
	struct fault_job j = { .srv = srv, .ch = c->ch };

	if (at != VMBUS_FAULT_AT_OPENED ||
	    c->ch->relid != fault_target_relid(srv, VMBUS_FK_RING_BUSY))
		return;
	j.relid = c->ch->relid;
	j.arg = srv->faults.arg[VMBUS_FK_RING_BUSY_S] ? srv->faults.arg[VMBUS_FK_RING_BUSY_S] :
							   FAULT_RING_BUSY_S;
	log_info("vmbus: fault: channel %u: keeping the guest's receive ring full for %u s",
		 j.relid, j.arg);
	fault_spawn(fault_ring_busy_thread, &j);
}

/* Post copies of one message as fast as the guest takes them (queue full: wait). */
static void *fault_flood_thread(void *arg)
{
	struct fault_job *j = arg;
	struct vmbus_server *srv = j->srv;
	struct vmbus_channel_offer_channel o;
	struct vmbus_channel_rescind_offer r = {
		.header.msgtype = CHANNELMSG_RESCIND_CHANNELOFFER, .child_relid = FAULT_RELID };
	const void *msg = &r;
	uint32_t len = sizeof(r), sent = 0, waits = 0;

	if (j->relid) {		/* offers: of an unknown class, one relid */
		pthread_mutex_lock(&srv->lock);
		fault_offer_template(srv, &o);
		pthread_mutex_unlock(&srv->lock);
		o.offer.if_type.b[0] ^= 0xff;
		o.child_relid = FAULT_RELID - 2;
		msg = &o;
		len = sizeof(o);
	}
	while (sent < j->arg && waits < 20000) {
		if (srv->ops->post_msg(srv->opaque, srv->msg_vp, srv->msg_sint, msg, len)) {
			waits++;
			if (!fault_sleep_us(j, 5000))
				break;
			continue;
		}
		sent++;
		if (!fault_sleep_us(j, FAULT_PACE_US / 2))
			break;
	}
	log_info("vmbus: fault: %s flood ended: %u messages posted", j->relid ? "offer" : "rescind",
		 sent);
	return fault_job_end(j);
}

static void fault_flood(struct vmbus_server *srv, enum vmbus_fault_point at, unsigned int kind)
{
	struct fault_job j = { .srv = srv, .relid = kind == VMBUS_FK_OFFER_FLOOD };

	if (at != VMBUS_FAULT_AT_OFFERS_DONE)
		return;
	j.arg = srv->faults.arg[kind] ? srv->faults.arg[kind] : 20000;
	log_info("vmbus: fault: flooding the guest with %u %s", j.arg,
		 j.relid ? "offers of one relid" : "rescinds of an unknown relid");
	fault_spawn(fault_flood_thread, &j);
}

static void fault_offer_flood(struct vmbus_server *srv, enum vmbus_fault_point at,
			      const struct vmbus_fault_ctx *c)
{
	(void)c;
	fault_flood(srv, at, VMBUS_FK_OFFER_FLOOD);
}

static void fault_rescind_flood(struct vmbus_server *srv, enum vmbus_fault_point at,
				const struct vmbus_fault_ctx *c)
{
	(void)c;
	fault_flood(srv, at, VMBUS_FK_RESCIND_FLOOD);
}

/*
 * The guest's receive ring (our tx ring) gets a write_index past its end,
 * and a signal. Our own writer is failed first, so no later packet of the
 * VSP puts a good index back.
 */
static void fault_ring_index(struct vmbus_server *srv, enum vmbus_fault_point at,
			     const struct vmbus_fault_ctx *c)
{
	struct vmbus_channel *ch = c->ch;

	if (at != VMBUS_FAULT_AT_OPENED || ch->relid != fault_target_relid(srv, VMBUS_FK_RING_INDEX))
		return;
	pthread_mutex_lock(&ch->tx_lock);
	ch->tx.error = -EIO;
	ch->tx.why = "fault injected (--fault ring-index)";
	__atomic_store_n(&ch->tx.ctl->write_index, ch->tx.size + 8, __ATOMIC_RELEASE);
	pthread_mutex_unlock(&ch->tx_lock);
	log_info("vmbus: fault: channel %u: write_index %u in the guest's %u-byte receive ring",
		 ch->relid, ch->tx.size + 8, ch->tx.size);
	srv->ops->signal_guest(srv->opaque, ch->target_vp, srv->msg_sint, ch->relid);
}

/* A kind that only sets another kind's parameter (ring-busy-s). */
static void fault_none(struct vmbus_server *srv, enum vmbus_fault_point at,
		       const struct vmbus_fault_ctx *c)
{
	(void)srv;
	(void)at;
	(void)c;
}

typedef void (*vmbus_fault_fn)(struct vmbus_server *srv, enum vmbus_fault_point at,
			       const struct vmbus_fault_ctx *c);

static const struct vmbus_fault_desc {
	const char *name;
	uint32_t arg_max;		/* KIND=1..arg_max allowed; 0: no argument */
	vmbus_fault_fn fn;
} vmbus_fault_table[VMBUS_FK_COUNT] = {
	[VMBUS_FK_OFFER_LEN] = { "offer-len", 0, fault_offer_len },
	[VMBUS_FK_DUP_OFFER] = { "dup-offer", 0, fault_dup_offer },
	[VMBUS_FK_BAD_RELID] = { "bad-relid", 0, fault_bad_relid },
	[VMBUS_FK_MSG_TYPE] = { "msg-type", 0, fault_msg_type },
	[VMBUS_FK_RING_INDEX] = { "ring-index", OVB_VMBUS_MAX_RELID, fault_ring_index },
	[VMBUS_FK_RESCIND_SUB] = { "rescind-sub", 600, fault_rescind_sub },
	[VMBUS_FK_RING_BUSY] = { "ring-busy", OVB_VMBUS_MAX_RELID, fault_ring_busy },
	[VMBUS_FK_RING_BUSY_S] = { "ring-busy-s", 600, fault_none },
	[VMBUS_FK_OFFER_FLOOD] = { "offer-flood", 1000000, fault_offer_flood },
	[VMBUS_FK_RESCIND_FLOOD] = { "rescind-flood", 1000000, fault_rescind_flood },
};

/* "N" for 1 <= N <= @max, at most 10 digits. */
static int fault_parse_arg(const char *s, size_t n, uint32_t max, uint32_t *out)
{
	uint64_t v = 0;

	if (!n || n > 10)
		return -1;
	for (size_t k = 0; k < n; k++) {
		if (s[k] < '0' || s[k] > '9')
			return -1;
		v = v * 10 + (uint64_t)(s[k] - '0');
	}
	if (!v || v > max)
		return -1;
	*out = (uint32_t)v;
	return 0;
}

static int fault_parse_one(const char *s, size_t n, struct vmbus_faults *f)
{
	for (unsigned int k = 0; k < VMBUS_FK_COUNT; k++) {
		const struct vmbus_fault_desc *d = &vmbus_fault_table[k];
		size_t len = strlen(d->name);

		if (n < len || memcmp(s, d->name, len))
			continue;
		if (n == len) {
			f->kinds |= 1u << k;
			return 0;
		}
		if (d->arg_max && s[len] == '=' &&
		    !fault_parse_arg(s + len + 1, n - len - 1, d->arg_max, &f->arg[k])) {
			f->kinds |= 1u << k;
			return 0;
		}
	}
	return -1;
}

int vmbus_faults_parse(const char *spec, struct vmbus_faults *f)
{
	struct vmbus_faults tmp = *f;

	if (!*spec)
		return -1;
	for (;;) {
		size_t n = strcspn(spec, ",");

		if (!n || fault_parse_one(spec, n, &tmp))
			return -1;
		spec += n;
		if (!*spec)
			break;
		spec++;		/* the comma; a trailing one leaves "" and fails */
	}
	*f = tmp;
	return 0;
}

void vmbus_server_set_faults(struct vmbus_server *srv, const struct vmbus_faults *f)
{
	pthread_mutex_lock(&srv->lock);
	srv->faults = *f;
	pthread_mutex_unlock(&srv->lock);
	for (unsigned int k = 0; k < VMBUS_FK_COUNT; k++)
		if (f->kinds & (1u << k))
			log_info("vmbus: fault injection on: %s", vmbus_fault_table[k].name);
}

void vmbus_fault_point(struct vmbus_server *srv, enum vmbus_fault_point at,
		       const struct vmbus_fault_ctx *c)
{
	static const struct vmbus_fault_ctx none;

	if (!srv->faults.kinds)
		return;
	for (unsigned int k = 0; k < VMBUS_FK_COUNT; k++)
		if (srv->faults.kinds & (1u << k))
			vmbus_fault_table[k].fn(srv, at, c ? c : &none);
}
