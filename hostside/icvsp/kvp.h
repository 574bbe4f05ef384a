/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/*
 * The host's KVP service (kvp.c): one request at a time to the guest's
 * KVP daemon, in UTF-8 here and UTF-16LE on the wire (ovb/ic_kvp.h).
 */
#ifndef OVB_ICVSP_KVP_H
#define OVB_ICVSP_KVP_H

#include <stdbool.h>
#include <stdint.h>

#include "ovb/ic_kvp.h"

struct vmbus_device;

/* UTF-8 sizes that hold any key or value the wire can carry (3 bytes a unit). */
#define KVP_KEY_LEN	(IC_KVP_MAX_KEY_SIZE / 2 * 3)
#define KVP_VALUE_LEN	(IC_KVP_MAX_VALUE_SIZE / 2 * 3)
#define KVP_IP_LEN	(IC_KVP_MAX_IP_ADDR * 3)
#define KVP_ADAPTER_LEN	(IC_KVP_MAX_ADAPTER_ID * 3)
#define KVP_GATEWAY_LEN	(IC_KVP_MAX_GATEWAY * 3)

/*
 * SET_IP_INFO's configuration, as the wire carries it (what Hyper-V sends
 * and hv_kvp_daemon parses): ';'-separated lists; masks[i] is addrs[i]'s,
 * dotted for IPv4 and a prefix length for IPv6; the adapter (MAC, or the
 * guest's interface name for ovb-kvpd) is the request's key.
 */
struct kvp_ipset {
	char addrs[KVP_IP_LEN], masks[KVP_IP_LEN], gateways[KVP_GATEWAY_LEN], dns[KVP_IP_LEN];
	uint8_t family;			/* IC_KVP_ADDR_FAMILY_* of what is in them */
	bool dhcp;
};

struct kvp_req {
	uint8_t op, pool;		/* IC_KVP_OP_*, IC_KVP_POOL_* */
	uint32_t index;			/* ENUMERATE */
	char key[KVP_KEY_LEN];		/* GET, SET, DELETE; GET_IP_INFO: the MAC */
	char value[KVP_VALUE_LEN];	/* SET */
	struct kvp_ipset ipset;		/* SET_IP_INFO */
};

struct kvp_result {
	uint32_t status;		/* the guest's, IC_STATUS_OK or an HV code */
	char key[KVP_KEY_LEN];		/* ENUMERATE */
	char value[KVP_VALUE_LEN];	/* GET, ENUMERATE */
	/* GET_IP_INFO */
	uint8_t addr_family, dhcp;
	char adapter[KVP_ADAPTER_LEN];
	char ip[KVP_IP_LEN], subnet[KVP_IP_LEN], gateway[KVP_IP_LEN], dns[KVP_IP_LEN];
};

/* Wait at most this long for one answer (ovbctl gives up after 15 s). */
#define KVP_MAX_TIMEOUT_S	10

struct vmbus_device *icvsp_kvp_new(unsigned int timeout_s);

/*
 * Ask the guest and wait for its answer (any thread but the worker; one
 * caller at a time). 0 with @res filled (res->status may still be an
 * error from the guest), -ENOTCONN before the guest negotiated, -EBUSY,
 * -ETIMEDOUT, -EPROTO for an answer that does not parse, -EINVAL for a
 * key or value that does not fit the wire.
 */
int icvsp_kvp_call(struct vmbus_device *dev, const struct kvp_req *req, struct kvp_result *res);

/* The auto pool as last enumerated in the background; @fn per entry. */
void icvsp_kvp_auto_pool(struct vmbus_device *dev,
			 void (*fn)(void *arg, const char *key, const char *value), void *arg,
			 double *age_s);

/*
 * The guest's answer body (@len bytes after the IC headers) to @req,
 * checked and decoded into @res. 0, or -EPROTO. Exposed for the fuzzer.
 */
int kvp_parse_answer(const struct kvp_req *req, uint32_t status, const uint8_t *body,
		     uint32_t len, struct kvp_result *res);
/*
 * `ip set`'s arguments: "ADAPTER ADDR/PREFIX[,ADDR/PREFIX...] [--gateway
 * GW[,GW]] [--dns DNS[,DNS...]] [--dhcp]" (addresses may be left out with
 * --dhcp) into a SET_IP_INFO @req, every address checked. 0, or -1 with
 * *@err saying what is wrong. Pure; exposed for the tests and the fuzzer.
 */
int kvp_parse_ipset(const char *args, struct kvp_req *req, const char **err);
/* Encode @req as the wire message into @buf; its length, or -EINVAL. */
int kvp_build_request(const struct kvp_req *req, uint8_t *buf, uint32_t size);

#endif /* OVB_ICVSP_KVP_H */
