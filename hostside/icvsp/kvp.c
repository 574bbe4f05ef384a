// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * KVP IC: the host reads and writes the guest's key-value pools through
 * the guest's KVP daemon (Linux hv_kvp.c forwards each message to
 * hv_kvp_daemon and answers with what it says). One transaction at a time
 * (the guest serialises them anyway): a ctl command queues its request,
 * wakes the worker, which sends it, and waits for the answer with a
 * timeout; between commands the worker enumerates the auto pool (OS name,
 * FQDN, addresses: what the daemon makes up) so `status` can show it
 * without a round trip. The guest's answers are matched by transaction
 * id, so a late answer to an abandoned request never completes a newer
 * one; every size in them is checked against its field.
 */
#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "hostside/icvsp/ic_txn.h"
#include "hostside/icvsp/kvp.h"
#include "hostside/icvsp/utf16.h"
#include "hostside/log.h"
#include "ovb/guids.h"

static const uint32_t kvp_versions[] = { IC_KVP_VERSION_4, IC_KVP_VERSION_3 };

#define KVP_AUTO_MAX		32	/* entries of the auto pool kept (the daemon has 10) */
#define KVP_REFRESH_S		30	/* the auto pool is read again this often, */
#define KVP_RETRY_S		3	/* or this soon while it came back empty (no daemon yet) */

struct kvp_entry {
	char key[KVP_KEY_LEN];
	char value[KVP_VALUE_LEN];
};

struct kvp {
	struct ic_service ic;		/* first: icvsp_free() frees dev->priv */
	struct ic_txn txn;
	pthread_mutex_t m;		/* guards the auto pool */
	struct kvp_req refresh_req;	/* worker's */
	struct kvp_result refresh_res;
	bool refresh_due;
	unsigned int ticks;
	struct kvp_entry autos[KVP_AUTO_MAX];
	unsigned int nautos, building;
	struct timespec refreshed;
};

/* ---- messages ---- */

int kvp_build_request(const struct kvp_req *req, uint8_t *buf, uint32_t size)
{
	struct kvp_msg *m = (void *)buf;
	struct kvp_ip_msg *ip = (void *)buf;
	int n;

	if (req->pool >= IC_KVP_POOL_COUNT)
		return -EINVAL;
	if (req->op == IC_KVP_OP_GET_IP_INFO || req->op == IC_KVP_OP_SET_IP_INFO) {
		const struct kvp_ipset *set = &req->ipset;

		if (size < sizeof(*ip))
			return -EINVAL;
		memset(ip, 0, sizeof(*ip));
		ip->operation = req->op;
		ip->ip.addr_family = IC_KVP_ADDR_FAMILY_IPV4 | IC_KVP_ADDR_FAMILY_IPV6;
		if (utf8_to_utf16(req->key, (uint8_t *)ip->ip.adapter_id,
				  sizeof(ip->ip.adapter_id)) < 0)
			return -EINVAL;
		if (req->op == IC_KVP_OP_GET_IP_INFO)
			return (int)sizeof(*ip);
		/* SET_IP_INFO: the configuration as hv_kvp_daemon takes it (kvp.h) */
		ip->ip.addr_family = set->family;
		ip->ip.dhcp_enabled = set->dhcp;
		if (utf8_to_utf16(set->addrs, (uint8_t *)ip->ip.ip_addr, sizeof(ip->ip.ip_addr)) < 0 ||
		    utf8_to_utf16(set->masks, (uint8_t *)ip->ip.sub_net, sizeof(ip->ip.sub_net)) < 0 ||
		    utf8_to_utf16(set->gateways, (uint8_t *)ip->ip.gate_way,
				  sizeof(ip->ip.gate_way)) < 0 ||
		    utf8_to_utf16(set->dns, (uint8_t *)ip->ip.dns_addr, sizeof(ip->ip.dns_addr)) < 0)
			return -EINVAL;
		return (int)sizeof(*ip);
	}
	if (size < sizeof(*m))
		return -EINVAL;
	memset(m, 0, sizeof(*m));
	m->hdr.operation = req->op;
	m->hdr.pool = req->pool;
	switch (req->op) {
	case IC_KVP_OP_GET:
	case IC_KVP_OP_SET:
		n = utf8_to_utf16(req->key, m->body.get_set.key, sizeof(m->body.get_set.key));
		if (n <= 2)
			return -EINVAL;
		m->body.get_set.key_size = (uint32_t)n;
		if (req->op == IC_KVP_OP_GET)
			break;
		m->body.get_set.value_type = IC_KVP_REG_SZ;
		n = utf8_to_utf16(req->value, m->body.get_set.value,
				  sizeof(m->body.get_set.value));
		if (n < 0)
			return -EINVAL;
		m->body.get_set.value_size = (uint32_t)n;
		break;
	case IC_KVP_OP_DELETE:
		n = utf8_to_utf16(req->key, m->body.del.key, sizeof(m->body.del.key));
		if (n <= 2)
			return -EINVAL;
		m->body.del.key_size = (uint32_t)n;
		break;
	case IC_KVP_OP_ENUMERATE:
		m->body.enumerate.index = req->index;
		break;
	default:
		return -EINVAL;
	}
	return (int)sizeof(*m);
}

/* One key or value field of the guest's answer: its size checked, decoded. */
static int kvp_field(const uint8_t *field, uint32_t field_size, uint32_t size, char *out,
		     size_t out_size)
{
	if (size > field_size)
		return -EPROTO;
	return utf16_to_utf8(field, size, out, out_size) ? -EPROTO : 0;
}

static int kvp_parse_value(const struct kvp_value *v, bool with_key, struct kvp_result *res)
{
	uint64_t u;

	if (with_key && kvp_field(v->key, sizeof(v->key), v->key_size, res->key, sizeof(res->key)))
		return -EPROTO;
	switch (v->value_type) {
	case IC_KVP_REG_SZ:
		return kvp_field(v->value, sizeof(v->value), v->value_size, res->value,
				 sizeof(res->value));
	case IC_KVP_REG_U32:
	case IC_KVP_REG_U64:
		u = 0;
		memcpy(&u, v->value, v->value_type == IC_KVP_REG_U32 ? 4 : 8);
		if (v->value_type == IC_KVP_REG_U32)
			u = (uint32_t)u;
		snprintf(res->value, sizeof(res->value), "%llu", (unsigned long long)u);
		return 0;
	default:
		return -EPROTO;
	}
}

int kvp_parse_answer(const struct kvp_req *req, uint32_t status, const uint8_t *body,
		     uint32_t len, struct kvp_result *res)
{
	memset(res, 0, offsetof(struct kvp_result, adapter));
	res->adapter[0] = res->ip[0] = res->subnet[0] = res->gateway[0] = res->dns[0] = '\0';
	res->status = status;
	if (status != IC_STATUS_OK || req->op == IC_KVP_OP_SET || req->op == IC_KVP_OP_DELETE ||
	    req->op == IC_KVP_OP_SET_IP_INFO)
		return 0;	/* an error, or nothing comes back (the status is the answer) */
	if (req->op == IC_KVP_OP_GET_IP_INFO) {
		struct kvp_ip_msg *ip;
		int ret = -EPROTO;

		if (len < sizeof(*ip))
			return -EPROTO;
		ip = malloc(sizeof(*ip));	/* an aligned copy */
		if (!ip)
			return -ENOMEM;
		memcpy(ip, body, sizeof(*ip));
		res->addr_family = ip->ip.addr_family;
		res->dhcp = ip->ip.dhcp_enabled;
		if (!kvp_field((uint8_t *)ip->ip.adapter_id, sizeof(ip->ip.adapter_id),
			       sizeof(ip->ip.adapter_id), res->adapter, sizeof(res->adapter)) &&
		    !kvp_field((uint8_t *)ip->ip.ip_addr, sizeof(ip->ip.ip_addr),
			       sizeof(ip->ip.ip_addr), res->ip, sizeof(res->ip)) &&
		    !kvp_field((uint8_t *)ip->ip.sub_net, sizeof(ip->ip.sub_net),
			       sizeof(ip->ip.sub_net), res->subnet, sizeof(res->subnet)) &&
		    !kvp_field((uint8_t *)ip->ip.gate_way, sizeof(ip->ip.gate_way),
			       sizeof(ip->ip.gate_way), res->gateway, sizeof(res->gateway)) &&
		    !kvp_field((uint8_t *)ip->ip.dns_addr, sizeof(ip->ip.dns_addr),
			       sizeof(ip->ip.dns_addr), res->dns, sizeof(res->dns)))
			ret = 0;
		free(ip);
		return ret;
	}
	if (len < sizeof(struct kvp_msg) - (req->op == IC_KVP_OP_GET ? 4 : 0)) {
		return -EPROTO;
	} else {
		struct kvp_msg m;

		memset(&m, 0, sizeof(m));
		memcpy(&m, body, len < sizeof(m) ? len : sizeof(m));
		if (req->op == IC_KVP_OP_GET)
			return kvp_parse_value(&m.body.get_set, false, res);
		return kvp_parse_value(&m.body.enumerate.data, true, res);
	}
}

/* ---- the auto pool, read in the background (worker thread) ---- */

static uint32_t kvp_own_next(struct ic_service *ic, uint8_t *buf, uint32_t size)
{
	struct kvp *k = (struct kvp *)ic;
	int len;

	if (!k->refresh_due)
		return 0;
	k->refresh_req.op = IC_KVP_OP_ENUMERATE;
	k->refresh_req.pool = IC_KVP_POOL_AUTO;
	k->refresh_req.index = k->building;
	len = kvp_build_request(&k->refresh_req, buf, size);
	return len < 0 ? 0 : (uint32_t)len;
}

/* An auto-pool answer: keep it and ask for the next index, or finish. */
static void kvp_own_done(struct ic_service *ic, int err, uint32_t status, const uint8_t *body,
			 uint32_t len)
{
	struct kvp *k = (struct kvp *)ic;

	if (!err) {
		err = kvp_parse_answer(&k->refresh_req, status, body, len, &k->refresh_res);
		if (err)
			ic_log(ic, "bad answer to an enumeration (%u bytes)", len);
	}
	pthread_mutex_lock(&k->m);
	if (!err && k->refresh_res.status == IC_STATUS_OK && k->building < KVP_AUTO_MAX) {
		struct kvp_entry *e = &k->autos[k->building++];

		memcpy(e->key, k->refresh_res.key, sizeof(e->key));
		memcpy(e->value, k->refresh_res.value, sizeof(e->value));
		if (k->building < KVP_AUTO_MAX) {
			pthread_mutex_unlock(&k->m);
			return;
		}
	}
	k->nautos = k->building;
	k->building = 0;
	k->refresh_due = false;
	clock_gettime(CLOCK_MONOTONIC, &k->refreshed);
	pthread_mutex_unlock(&k->m);
}

static double since(const struct timespec *t)
{
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	return (double)(now.tv_sec - t->tv_sec) + (double)(now.tv_nsec - t->tv_nsec) / 1e9;
}

static void kvp_tick(struct ic_service *ic)
{
	struct kvp *k = (struct kvp *)ic;

	if (++k->ticks >= (k->nautos ? KVP_REFRESH_S : KVP_RETRY_S)) {
		k->ticks = 0;
		k->refresh_due = true;
	}	/* the framework ticks k->txn next */
}

static void kvp_negotiated(struct ic_service *ic)
{
	struct kvp *k = (struct kvp *)ic;

	k->building = 0;
	k->refresh_due = true;
	k->ticks = 0;
}

/* ---- callers (ctl thread) ---- */

int icvsp_kvp_call(struct vmbus_device *dev, const struct kvp_req *req, struct kvp_result *res)
{
	struct kvp *k = dev->priv;
	uint8_t buf[sizeof(struct kvp_ip_msg)];
	uint32_t alen, status;
	int len = kvp_build_request(req, buf, sizeof(buf));
	int ret;

	if (len < 0)
		return -EINVAL;
	ret = ic_txn_call(&k->txn, buf, (uint32_t)len, buf, sizeof(buf), &alen, &status);
	if (ret)
		return ret;
	ret = kvp_parse_answer(req, status, buf, alen, res);
	if (ret)
		ic_log(&k->ic, "bad answer to operation %u (%u bytes)", req->op, alen);
	return ret;
}

void icvsp_kvp_auto_pool(struct vmbus_device *dev,
			 void (*fn)(void *arg, const char *key, const char *value), void *arg,
			 double *age_s)
{
	struct kvp *k = dev->priv;

	pthread_mutex_lock(&k->m);
	for (unsigned int i = 0; i < k->nautos; i++)
		fn(arg, k->autos[i].key, k->autos[i].value);
	*age_s = k->refreshed.tv_sec ? since(&k->refreshed) : -1;
	pthread_mutex_unlock(&k->m);
}

struct vmbus_device *icvsp_kvp_new(unsigned int timeout_s)
{
	static const struct ovb_guid class_id = OVB_GUID_KVP;
	struct kvp *k = calloc(1, sizeof(*k));

	if (!k)
		return NULL;
	ic_service_init(&k->ic, "kvp", &class_id, ICMSGTYPE_KVPEXCHANGE, kvp_versions,
			sizeof(kvp_versions) / sizeof(kvp_versions[0]));
	k->ic.txn = &k->txn;
	k->ic.tick = kvp_tick;
	k->ic.negotiated = kvp_negotiated;
	ic_txn_init(&k->txn, &k->ic, timeout_s ? timeout_s : KVP_MAX_TIMEOUT_S);
	k->txn.own_next = kvp_own_next;
	k->txn.own_done = kvp_own_done;
	pthread_mutex_init(&k->m, NULL);
	return &k->ic.dev;
}
