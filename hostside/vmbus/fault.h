/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/*
 * Fault injection (ovb-host --fault): the server misbehaves towards the
 * guest on purpose, so tests can check that the guest logs an error and
 * fails only what it must. Never on in normal use.
 *   offer-len   OFFERCHANNELs cut short, before the real offers
 *   dup-offer   offers repeating a relid, and an instance under a new relid
 *   bad-relid   offers with relid 0 and ~0; rescinds, OPENCHANNEL_RESULT,
 *               GPADL_CREATED and GPADL_TORNDOWN naming relids and GPADLs
 *               the guest never had, also just before the real answers
 *   msg-type    unknown and guest-to-host types, a message shorter than
 *               its header
 *   ring-index  once channel RELID is open (default: the last device's
 *               primary channel), an out-of-range write_index in the
 *               guest's receive ring, and a signal
 * These act later, from a thread of their own (testing only; they look at
 * the server under its lock):
 *   rescind-sub  SECONDS (default 20) after a device's first sub-channel
 *               opened, close and rescind that one sub-channel alone
 *   ring-busy   for 30 s after channel RELID opened (default: as
 *               ring-index), refill the guest's receive ring every ms with
 *               small in-band packets (16 zero bytes; an IC guest drops them)
 *   ring-busy-s=SECONDS  ring-busy's length instead of 30 s (alone: no effect)
 *   offer-flood after the offers, N (default 20000) offers repeating one
 *               made-up relid of an unknown class, one every 0.5 ms
 *   rescind-flood  likewise N rescinds of a relid the guest never had
 * Their threads end on their own, or are stopped and joined when the
 * server is freed (vmbus_faults_stop).
 *
 * A new kind is one enum value here, one line in VMBUS_FAULT_NAMES and
 * one row in fault.c's table: its name, whether it takes =N, and the
 * function the server calls at each fault point (below) while it is on.
 */
#ifndef OVB_VMBUS_FAULT_H
#define OVB_VMBUS_FAULT_H

#include <stdint.h>

struct vmbus_server;
struct vmbus_channel;

enum vmbus_fault_kind {
	VMBUS_FK_OFFER_LEN,
	VMBUS_FK_DUP_OFFER,
	VMBUS_FK_BAD_RELID,
	VMBUS_FK_MSG_TYPE,
	VMBUS_FK_RING_INDEX,
	VMBUS_FK_RESCIND_SUB,
	VMBUS_FK_RING_BUSY,
	VMBUS_FK_RING_BUSY_S,
	VMBUS_FK_OFFER_FLOOD,
	VMBUS_FK_RESCIND_FLOOD,
	VMBUS_FK_COUNT
};

#define VMBUS_FAULT_OFFER_LEN	(1u << VMBUS_FK_OFFER_LEN)
#define VMBUS_FAULT_DUP_OFFER	(1u << VMBUS_FK_DUP_OFFER)
#define VMBUS_FAULT_BAD_RELID	(1u << VMBUS_FK_BAD_RELID)
#define VMBUS_FAULT_MSG_TYPE	(1u << VMBUS_FK_MSG_TYPE)
#define VMBUS_FAULT_RING_INDEX	(1u << VMBUS_FK_RING_INDEX)
#define VMBUS_FAULT_NAMES	"offer-len, bad-relid, dup-offer, msg-type, ring-index[=RELID], " \
				"rescind-sub[=SECONDS], ring-busy[=RELID], ring-busy-s=SECONDS, offer-flood[=N], " \
				"rescind-flood[=N]"

struct vmbus_faults {
	unsigned int kinds;			/* 1 << VMBUS_FK_* */
	uint32_t arg[VMBUS_FK_COUNT];		/* KIND=N; 0 = not given */
};

/* Add a comma-separated list of kinds to @f. 0, or -1 for a bad name. */
int vmbus_faults_parse(const char *spec, struct vmbus_faults *f);
/* Before the guest runs (control thread). */
void vmbus_server_set_faults(struct vmbus_server *srv, const struct vmbus_faults *f);
/* Stop and join @srv's fault threads (vmbus_server_free, without its lock). */
void vmbus_faults_stop(struct vmbus_server *srv);

/* ---- for the server (hostside/vmbus), with its lock held ---------------- */

enum vmbus_fault_point {
	VMBUS_FAULT_AT_OFFERS,		/* REQUESTOFFERS, before the real offers */
	VMBUS_FAULT_AT_OFFERS_DONE,	/* after them, before ALLOFFERS_DELIVERED */
	VMBUS_FAULT_AT_GPADL_CREATED,	/* before a successful GPADL_CREATED */
	VMBUS_FAULT_AT_OPEN_RESULT,	/* before any OPENCHANNEL_RESULT */
	VMBUS_FAULT_AT_OPENED,		/* after a successful open's result */
};

/* What the server is doing at a point; unused fields are 0/NULL. */
struct vmbus_fault_ctx {
	struct vmbus_channel *ch;	/* AT_OPENED: the channel */
	uint32_t relid, gpadl, openid;	/* the real answer's */
};

/* Run every kind that is on at @at, in table order. */
void vmbus_fault_point(struct vmbus_server *srv, enum vmbus_fault_point at,
		       const struct vmbus_fault_ctx *c);

#endif /* OVB_VMBUS_FAULT_H */
