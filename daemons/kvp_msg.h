/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/*
 * ovb-kvpd's protocol: one message from /dev/vmbus/hv_kvp (struct
 * kvp_dev_msg, include/ovb/ic_kvp.h: UTF-8 strings in the uapi layout)
 * in, one answer out, its status in the header's place. The pools are
 * files in a directory (kvp_pool.h); what the guest reports in the auto
 * pool and about an adapter's IP configuration comes from callbacks, so
 * tests and the fuzzer give their own.
 *
 * Every field is checked: the message's length, the pool number, the
 * operation, that each string ends (NUL) within its field and within the
 * size the message gives it.
 */
#ifndef OVB_DAEMONS_KVP_MSG_H
#define OVB_DAEMONS_KVP_MSG_H

#include <stddef.h>
#include <stdint.h>

#include "ovb/ic_kvp.h"

/* The auto pool's keys, by enumeration index (uapi linux/hyperv.h's table). */
enum kvp_auto_key {
	KVP_AUTO_FQDN, KVP_AUTO_IS_VERSION, KVP_AUTO_IPV4, KVP_AUTO_IPV6,
	KVP_AUTO_OS_BUILD, KVP_AUTO_OS_NAME, KVP_AUTO_OS_MAJOR, KVP_AUTO_OS_MINOR,
	KVP_AUTO_OS_VERSION, KVP_AUTO_ARCH, KVP_AUTO_COUNT
};
const char *kvp_auto_key_name(unsigned int idx);

/* An adapter's IP configuration, as the strings GET_IP_INFO carries. */
struct kvp_ip_info {
	uint8_t addr_family;	/* IC_KVP_ADDR_FAMILY_IPV4 | _IPV6 */
	uint8_t dhcp_enabled;
	char ip_addr[2 * IC_KVP_MAX_IP_ADDR];	/* "a;b;c" */
	char sub_net[2 * IC_KVP_MAX_IP_ADDR];	/* "255.255.255.0;/64" */
	char gate_way[2 * IC_KVP_MAX_GATEWAY];
	char dns_addr[2 * IC_KVP_MAX_IP_ADDR];
};

struct kvp_ipcfg;	/* kvp_ipcfg.h */

struct kvp_ops {
	/* The auto pool's value @idx (enum kvp_auto_key but IS_VERSION) into @buf; 0 or -1. */
	int (*auto_value)(void *arg, unsigned int idx, char *buf, size_t size);
	/* The adapter with MAC @mac ("00:15:5D:..", any case, ':' or '-'); 0, or -1: none. */
	int (*ip_info)(void *arg, const char *mac, struct kvp_ip_info *out);
	void *arg;
	/*
	 * SET_IP_INFO on the adapter @adapter (a MAC, as above, or an
	 * interface name): 0 applied, -1 failed, -2 no such adapter. NULL:
	 * the daemon answers NOT_SUPPORTED.
	 */
	int (*set_ip)(void *arg, const char *adapter, const struct kvp_ipcfg *cfg);
};

struct kvp_ctx {
	int pool_dirfd;		/* where the .kvp_pool_N files are */
	struct kvp_ops ops;
	char version[IC_KVP_MAX_KEY_SIZE];	/* the kernel's, from the handshake */
	unsigned long requests, errors;
};

/* The registration the daemon writes first (REGISTER1). */
void kvp_register_msg(struct kvp_dev_msg *out);

enum kvp_result { KVP_ANSWER, KVP_NO_ANSWER };

/*
 * Handle one message @in of @len bytes; the answer (when KVP_ANSWER) is
 * in @out, sizeof(*out) bytes to write. The handshake's reply (the
 * kernel's version) needs none; anything malformed gets an answer with a
 * failure status, so the host's request ends now and not at its timeout.
 */
enum kvp_result kvp_handle(struct kvp_ctx *c, const void *in, size_t len,
			   struct kvp_dev_msg *out);

#endif /* OVB_DAEMONS_KVP_MSG_H */
