/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/*
 * One transaction on the wire at a time, for the ICs whose answers come
 * from a guest daemon (KVP, VSS): a caller (a ctl command) queues its
 * request and waits for the answer with a timeout; the worker sends it
 * from its drain (ic_service.kick) and completes it from the answer,
 * matched by transaction id, so a late answer to an abandoned request
 * never completes a newer one. Between callers the service may put its
 * own requests on the wire (own_next/own_done: the KVP auto pool, the
 * VSS auto-thaw). A transaction the guest never answers is forgotten
 * after the timeout (own_done gets -ETIMEDOUT).
 */
#ifndef OVB_ICVSP_IC_TXN_H
#define OVB_ICVSP_IC_TXN_H

#include "hostside/icvsp/ic.h"

#define IC_TXN_MAX	(IC_BUF_SIZE - ICMSG_HDR_SIZE)

struct ic_txn {
	struct ic_service *ic;
	unsigned int timeout_s;
	/* Worker: a request of the service's own into @buf, its length or 0. */
	uint32_t (*own_next)(struct ic_service *ic, uint8_t *buf, uint32_t size);
	/* Worker: its answer (@err -EPROTO/-ETIMEDOUT: none usable). */
	void (*own_done)(struct ic_service *ic, int err, uint32_t status, const uint8_t *body,
			 uint32_t len);
	pthread_mutex_t m;		/* guards what follows */
	pthread_cond_t cv;
	enum { IC_CALL_IDLE, IC_CALL_QUEUED, IC_CALL_SENT, IC_CALL_DONE } call;
	int call_err;
	uint32_t req_len, ans_len, status;
	uint8_t req[IC_TXN_MAX], ans[IC_TXN_MAX];
	enum { IC_WIRE_NONE, IC_WIRE_CALL, IC_WIRE_OWN } wire;
	uint8_t wire_txn;
	struct timespec wire_at;
};

void ic_txn_init(struct ic_txn *t, struct ic_service *ic, unsigned int timeout_s);
/*
 * Send @req (@len bytes of body) and wait for the answer (any thread but
 * the worker; one caller at a time): 0 with *@status and the answer's body
 * in @ans (*@ans_len bytes, at most @size), -ENOTCONN before the guest
 * negotiated, -EBUSY, -ETIMEDOUT, -EAGAIN (ring full).
 */
int ic_txn_call(struct ic_txn *t, const void *req, uint32_t len, void *ans, uint32_t size,
		uint32_t *ans_len, uint32_t *status);
/*
 * Worker: called by the IC framework for a service whose ic_service.txn
 * this is: kick (start the next transaction) after each drain, tick each
 * second, response for each answer, reset on a new negotiation.
 */
void ic_txn_kick(struct ic_txn *t);
void ic_txn_tick(struct ic_txn *t);
void ic_txn_response(struct ic_txn *t, const struct icmsg_hdr *h, const uint8_t *body,
		     uint32_t len);
void ic_txn_reset(struct ic_txn *t);

#endif /* OVB_ICVSP_IC_TXN_H */
