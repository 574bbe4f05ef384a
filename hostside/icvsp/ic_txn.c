// SPDX-License-Identifier: GPL-2.0 OR MIT
/* One IC transaction on the wire at a time (ic_txn.h). */
#include <errno.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "hostside/icvsp/ic_txn.h"

void ic_txn_init(struct ic_txn *t, struct ic_service *ic, unsigned int timeout_s)
{
	pthread_condattr_t ca;

	t->ic = ic;
	t->timeout_s = timeout_s;
	pthread_mutex_init(&t->m, NULL);
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&t->cv, &ca);
	pthread_condattr_destroy(&ca);
}

static void call_done(struct ic_txn *t, int err)
{
	t->call_err = err;
	t->call = IC_CALL_DONE;
	pthread_cond_broadcast(&t->cv);
}

/* Put @buf on the wire as @who's transaction (t->m held, worker). */
static int wire_send(struct ic_txn *t, const uint8_t *buf, uint32_t len, int who)
{
	/* The worker is the only sender after open: the next id is this one's. */
	t->wire_txn = t->ic->txn_id;
	if (ic_send(t->ic, t->ic->msgtype, buf, len))
		return -EAGAIN;
	t->wire = who;
	clock_gettime(CLOCK_MONOTONIC, &t->wire_at);
	return 0;
}

void ic_txn_kick(struct ic_txn *t)
{
	uint8_t buf[IC_TXN_MAX];
	uint32_t len;

	pthread_mutex_lock(&t->m);
	if (t->wire != IC_WIRE_NONE) {
		pthread_mutex_unlock(&t->m);
		return;
	}
	if (t->call == IC_CALL_QUEUED) {
		if (wire_send(t, t->req, t->req_len, IC_WIRE_CALL))
			call_done(t, -EAGAIN);
		else
			t->call = IC_CALL_SENT;
		pthread_mutex_unlock(&t->m);
		return;
	}
	pthread_mutex_unlock(&t->m);
	len = t->own_next ? t->own_next(t->ic, buf, sizeof(buf)) : 0;
	if (!len)
		return;
	pthread_mutex_lock(&t->m);
	if (wire_send(t, buf, len, IC_WIRE_OWN)) {
		pthread_mutex_unlock(&t->m);
		t->own_done(t->ic, -EAGAIN, 0, NULL, 0);
		return;
	}
	pthread_mutex_unlock(&t->m);
}

static double since(const struct timespec *a)
{
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	return (double)(now.tv_sec - a->tv_sec) + (double)(now.tv_nsec - a->tv_nsec) / 1e9;
}

void ic_txn_tick(struct ic_txn *t)
{
	int lost;

	pthread_mutex_lock(&t->m);
	lost = t->wire != IC_WIRE_NONE && since(&t->wire_at) > t->timeout_s ? (int)t->wire : 0;
	if (lost) {
		/* A guest that never answers: forget it, the next may go. */
		ic_log(t->ic, "no answer in %u s", t->timeout_s);
		t->wire = IC_WIRE_NONE;
	}
	pthread_mutex_unlock(&t->m);
	if (lost == IC_WIRE_OWN)
		t->own_done(t->ic, -ETIMEDOUT, 0, NULL, 0);
	ic_txn_kick(t);
}

void ic_txn_response(struct ic_txn *t, const struct icmsg_hdr *h, const uint8_t *body,
		     uint32_t len)
{
	struct ic_service *ic = t->ic;
	int who;

	pthread_mutex_lock(&t->m);
	who = t->wire != IC_WIRE_NONE && h->ictransaction_id == t->wire_txn ? (int)t->wire : 0;
	if (who == IC_WIRE_CALL && t->call == IC_CALL_SENT) {
		t->status = h->status;
		t->ans_len = len < sizeof(t->ans) ? len : (uint32_t)sizeof(t->ans);
		memcpy(t->ans, body, t->ans_len);
		call_done(t, 0);
	}
	if (who)
		t->wire = IC_WIRE_NONE;
	pthread_mutex_unlock(&t->m);
	if (!who) {
		ic_log(ic, "answer to transaction %u dropped (not the one asked)",
		       h->ictransaction_id);
		return;
	}
	if (who == IC_WIRE_OWN)
		t->own_done(ic, 0, h->status, body, len);
	pthread_mutex_lock(&ic->lock);
	ic->st.answered++;
	clock_gettime(CLOCK_MONOTONIC, &ic->st.last_answer);
	pthread_mutex_unlock(&ic->lock);
}

void ic_txn_reset(struct ic_txn *t)
{
	pthread_mutex_lock(&t->m);
	t->wire = IC_WIRE_NONE;
	pthread_mutex_unlock(&t->m);
}

int ic_txn_call(struct ic_txn *t, const void *req, uint32_t len, void *ans, uint32_t size,
		uint32_t *ans_len, uint32_t *status)
{
	struct ic_service *ic = t->ic;
	struct timespec deadline;
	uint64_t one = 1;
	int ret;

	if (len > sizeof(t->req))
		return -EINVAL;
	pthread_mutex_lock(&ic->lock);
	ret = ic->st.negotiated && ic->ch ? 0 : -ENOTCONN;
	pthread_mutex_unlock(&ic->lock);
	if (ret)
		return ret;
	/* Never both locks at once: the worker takes m, then ic->lock (ic_send). */
	pthread_mutex_lock(&t->m);
	if (t->call != IC_CALL_IDLE) {
		pthread_mutex_unlock(&t->m);
		return -EBUSY;
	}
	memcpy(t->req, req, len);
	t->req_len = len;
	t->call = IC_CALL_QUEUED;
	pthread_mutex_unlock(&t->m);
	/* Wake the worker: it sends from its drain (kick), else at its tick. */
	pthread_mutex_lock(&ic->lock);
	if (ic->ch && write(vmbus_channel_notify_fd(ic->ch), &one, sizeof(one)) < 0)
		ret = 0;
	pthread_mutex_unlock(&ic->lock);

	clock_gettime(CLOCK_MONOTONIC, &deadline);
	deadline.tv_sec += t->timeout_s;
	pthread_mutex_lock(&t->m);
	while (t->call != IC_CALL_DONE && !ret)
		ret = pthread_cond_timedwait(&t->cv, &t->m, &deadline);
	if (t->call == IC_CALL_DONE) {
		ret = t->call_err;
		if (!ret) {
			*status = t->status;
			*ans_len = t->ans_len < size ? t->ans_len : size;
			memcpy(ans, t->ans, *ans_len);
		}
	} else {
		ret = -ETIMEDOUT;	/* a late answer is dropped (call is IDLE) */
	}
	t->call = IC_CALL_IDLE;
	pthread_mutex_unlock(&t->m);
	return ret;
}
