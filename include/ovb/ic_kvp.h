/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/*
 * The key-value pair (KVP) integration service on the wire: the body of
 * an ICMSGTYPE_KVPEXCHANGE message after the IC headers (ic_proto.h).
 * The host sends a whole message; the guest answers in the same buffer
 * and with the same length (Linux hv_kvp.c answers recv_len bytes), so a
 * request is always as long as the largest answer its operation can get.
 * Keys and values travel as UTF-16LE; key_size/value_size count bytes,
 * the terminating NUL included. Errors come back in icmsg_hdr.status
 * (IC_KVP_S_CONT: no such key / past the last index).
 *
 * Sources: Linux 6.1 include/uapi/linux/hyperv.h (hv_kvp_hdr,
 * hv_kvp_exchg_msg_value, hv_kvp_msg's body, hv_kvp_ipaddr_value, the
 * operations, pools and HV_* codes), include/linux/hyperv.h (hv_kvp_ip_msg,
 * the wire form of the IP operations), drivers/hv/hv_kvp.c (versions,
 * where the guest puts each answer, the UTF-16 sizes, the daemon's
 * handshake) and tools/hv/hv_kvp_daemon.c (what the daemon reads and writes).
 */
#ifndef OVB_IC_KVP_H
#define OVB_IC_KVP_H

#include "ovb/ic_proto.h"

/* Service versions (hv_kvp.c kvp_versions): WS2008, Win7, Win8. */
#define IC_KVP_VERSION_1	IC_VERSION(1, 0)
#define IC_KVP_VERSION_3	IC_VERSION(3, 0)
#define IC_KVP_VERSION_4	IC_VERSION(4, 0)

enum kvp_op {
	IC_KVP_OP_GET = 0,
	IC_KVP_OP_SET = 1,
	IC_KVP_OP_DELETE = 2,
	IC_KVP_OP_ENUMERATE = 3,
	IC_KVP_OP_GET_IP_INFO = 4,
	IC_KVP_OP_SET_IP_INFO = 5,
};

/* Pools, as the guest daemon keeps them in /var/lib/hyperv/.kvp_pool_N. */
enum kvp_pool {
	IC_KVP_POOL_EXTERNAL = 0,		/* the host's keys for the guest */
	IC_KVP_POOL_GUEST = 1,		/* the guest's keys for the host */
	IC_KVP_POOL_AUTO = 2,		/* made up by the daemon: OS, FQDN, IPs */
	IC_KVP_POOL_AUTO_EXTERNAL = 3,
	IC_KVP_POOL_AUTO_INTERNAL = 4,
	IC_KVP_POOL_COUNT = 5,
};

/* value_type (Windows registry types). */
#define IC_KVP_REG_SZ	1
#define IC_KVP_REG_U32	4
#define IC_KVP_REG_U64	8

/* Status codes beyond ic_proto.h's. */
#define IC_KVP_S_CONT			0x80070103u	/* HV_S_CONT */
#define IC_KVP_E_NOT_SUPPORTED		0x80070032u
#define IC_KVP_E_GUID_NOTFOUND		0x80041002u

#define IC_KVP_MAX_KEY_SIZE	512	/* bytes of UTF-16 incl. the NUL */
#define IC_KVP_MAX_VALUE_SIZE	2048

struct kvp_hdr {
	u8 operation;		/* enum kvp_op */
	u8 pool;		/* enum kvp_pool */
	u16 pad;
} __packed;
OVB_ASSERT_SIZE(struct kvp_hdr, 4);

struct kvp_value {
	u32 value_type;		/* IC_KVP_REG_*; the guest answers REG_SZ */
	u32 key_size;
	u32 value_size;
	u8 key[IC_KVP_MAX_KEY_SIZE];
	u8 value[IC_KVP_MAX_VALUE_SIZE];	/* or a u32/u64 at its start */
} __packed;
OVB_ASSERT_SIZE(struct kvp_value, 2572);

struct kvp_enumerate {
	u32 index;
	struct kvp_value data;
} __packed;
OVB_ASSERT_SIZE(struct kvp_enumerate, 2576);

struct kvp_delete {
	u32 key_size;
	u8 key[IC_KVP_MAX_KEY_SIZE];
} __packed;
OVB_ASSERT_SIZE(struct kvp_delete, 516);

/* GET and SET carry the value first; ENUMERATE puts an index before it. */
struct kvp_msg {
	struct kvp_hdr hdr;
	union {
		struct kvp_value get_set;
		struct kvp_enumerate enumerate;
		struct kvp_delete del;
	} __packed body;
} __packed;
OVB_ASSERT_SIZE(struct kvp_msg, 2580);

#define IC_KVP_ADDR_FAMILY_IPV4	0x01
#define IC_KVP_ADDR_FAMILY_IPV6	0x02
#define IC_KVP_MAX_ADAPTER_ID	128	/* UTF-16 units */
#define IC_KVP_MAX_IP_ADDR		1024
#define IC_KVP_MAX_GATEWAY		512

/* Lists are ';'-separated UTF-16 strings; adapter_id is the NIC's MAC. */
struct kvp_ipaddr_value {
	u16 adapter_id[IC_KVP_MAX_ADAPTER_ID];
	u8 addr_family;		/* IC_KVP_ADDR_FAMILY_* (or both) */
	u8 dhcp_enabled;
	u16 ip_addr[IC_KVP_MAX_IP_ADDR];
	u16 sub_net[IC_KVP_MAX_IP_ADDR];
	u16 gate_way[IC_KVP_MAX_GATEWAY];
	u16 dns_addr[IC_KVP_MAX_IP_ADDR];
} __packed;
OVB_ASSERT_SIZE(struct kvp_ipaddr_value, 7426);

/* GET_IP_INFO / SET_IP_INFO: no pad after the two bytes of header. */
struct kvp_ip_msg {
	u8 operation;
	u8 pool;
	struct kvp_ipaddr_value ip;
} __packed;
OVB_ASSERT_SIZE(struct kvp_ip_msg, 7428);

/*
 * The guest's userspace ABI (/dev/vmbus/hv_kvp, Linux hv_utils_transport's
 * char device; uapi struct hv_kvp_msg): one whole message per read() and
 * write(), in UTF-8 instead of UTF-16, the IP fields as byte strings in
 * the same arrays. The daemon writes IC_KVP_OP_REGISTER1 first and the
 * kernel answers with a register message carrying its version string;
 * after that every message to the daemon is a request it answers with
 * one write, its result in the header's place (error, HV_* codes).
 */
#define IC_KVP_OP_REGISTER	4
#define IC_KVP_OP_REGISTER1	100

struct kvp_dev_msg {
	union {
		struct kvp_hdr hdr;
		s32 error;
	} __packed;
	union {
		struct kvp_value get_set;
		struct kvp_enumerate enumerate;
		struct kvp_delete del;
		struct kvp_ipaddr_value ip;
		u8 version[IC_KVP_MAX_KEY_SIZE];	/* register */
		/*
		 * uapi's body union is 4-byte aligned (its struct
		 * hv_kvp_msg_delete is not packed), so it is 7428 bytes,
		 * not the 7426 of its largest member: the daemon reads and
		 * writes 7432 (seen with strace on Debian's hv_kvp_daemon).
		 */
		u8 uapi_size[7428];
	} __packed body;
} __packed;
OVB_ASSERT_SIZE(struct kvp_dev_msg, 7432);

#endif /* OVB_IC_KVP_H */
