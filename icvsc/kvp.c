// SPDX-License-Identifier: GPL-2.0
/*
 * KVP IC: the host reads and writes the guest's key-value pools, which a
 * daemon keeps (Debian's hv_kvp_daemon, hyperv-daemons), through the
 * in-tree driver's char device /dev/vmbus/hv_kvp (daemon.h; Linux
 * hv_kvp.c): struct kvp_dev_msg (ovb/ic_kvp.h), UTF-8 towards the daemon
 * and UTF-16LE on the wire. The daemon registers with REGISTER1 and gets
 * our version string back. The host's sizes are clamped to their fields;
 * the daemon's strings to theirs.
 */
#include <linux/minmax.h>
#include <linux/nls.h>

#include "ovb/ic_kvp.h"
#include "icvsc/daemon.h"

static const u32 kvp_versions[] = { IC_KVP_VERSION_4, IC_KVP_VERSION_3, IC_KVP_VERSION_1 };

#define KVP_DRV_VERSION		"3.1"		/* what hv_kvp.c registers with */

/* The host's UTF-16LE (@bytes of it at most, @field long) as UTF-8 into @out. */
static u32 kvp_to_utf8(const u8 *in, u32 bytes, u32 field, u8 *out, u32 out_size)
{
	int n;

	bytes = min(bytes, field);
	n = utf16s_to_utf8s((const wchar_t *)in, bytes / 2, UTF16_LITTLE_ENDIAN, out,
			    out_size - 1);
	n = max(n, 0);
	out[n] = '\0';
	return n + 1;	/* with the NUL, as hv_kvp.c counts */
}

/* The daemon's UTF-8 string (within @in_size) as UTF-16LE; bytes with the NUL, or -1. */
static int kvp_to_utf16(const u8 *in, u32 in_size, u8 *out, u32 out_size)
{
	int n = utf8s_to_utf16s(in, strnlen((const char *)in, in_size), UTF16_LITTLE_ENDIAN,
				(wchar_t *)out, out_size / 2 - 1);

	if (n < 0)
		return -1;
	out[2 * n] = out[2 * n + 1] = 0;
	return 2 * (n + 1);
}

/* An IP message's list of @units UTF-16 units as at most @units bytes of UTF-8 (and a NUL). */
static void kvp_ip_field(const void *in, u32 units, void *out)
{
	kvp_to_utf8(in, 2 * units, 2 * units, out, units + 1);
}

/* The host's request as the daemon's message (fields clamped). 0, or -EINVAL. */
static int kvp_request(const u8 *body, u32 len, struct kvp_dev_msg *o)
{
	const struct kvp_msg *m = (const void *)body;
	const struct kvp_ip_msg *ip = (const void *)body;
	u32 v32;
	u64 v64;

	memset(o, 0, sizeof(*o));
	if (m->hdr.pool >= IC_KVP_POOL_COUNT)
		return -EINVAL;	/* the daemon indexes its pool table with it */
	o->hdr.operation = m->hdr.operation;
	o->hdr.pool = m->hdr.pool;
	switch (m->hdr.operation) {
	case IC_KVP_OP_SET_IP_INFO:
		/*
		 * The configuration for the daemon to apply, each list as
		 * hv_kvp.c's process_ib_ipinfo() passes it: UTF-8 of at most
		 * as many bytes as the field has UTF-16 units.
		 */
		if (len < sizeof(*ip))
			return -EINVAL;
		kvp_ip_field(ip->ip.ip_addr, IC_KVP_MAX_IP_ADDR, o->body.ip.ip_addr);
		kvp_ip_field(ip->ip.sub_net, IC_KVP_MAX_IP_ADDR, o->body.ip.sub_net);
		kvp_ip_field(ip->ip.gate_way, IC_KVP_MAX_GATEWAY, o->body.ip.gate_way);
		kvp_ip_field(ip->ip.dns_addr, IC_KVP_MAX_IP_ADDR, o->body.ip.dns_addr);
		o->body.ip.dhcp_enabled = ip->ip.dhcp_enabled;
		kvp_ip_field(ip->ip.adapter_id, IC_KVP_MAX_ADAPTER_ID, o->body.ip.adapter_id);
		o->body.ip.addr_family = ip->ip.addr_family;
		return 0;
	case IC_KVP_OP_GET_IP_INFO:
		if (len < sizeof(*ip))
			return -EINVAL;
		kvp_to_utf8((const u8 *)ip->ip.adapter_id, sizeof(ip->ip.adapter_id),
			    sizeof(ip->ip.adapter_id), (u8 *)o->body.ip.adapter_id,
			    sizeof(o->body.ip.adapter_id));
		o->body.ip.addr_family = ip->ip.addr_family;
		return 0;
	case IC_KVP_OP_SET:
		switch (m->body.get_set.value_type) {
		case IC_KVP_REG_SZ:
			o->body.get_set.value_size =
				kvp_to_utf8(m->body.get_set.value, m->body.get_set.value_size,
					    sizeof(m->body.get_set.value), o->body.get_set.value,
					    sizeof(o->body.get_set.value));
			break;
		case IC_KVP_REG_U32:
			memcpy(&v32, m->body.get_set.value, sizeof(v32));
			o->body.get_set.value_size = 1 +
				snprintf((char *)o->body.get_set.value,
					 sizeof(o->body.get_set.value), "%u", v32);
			break;
		case IC_KVP_REG_U64:
			memcpy(&v64, m->body.get_set.value, sizeof(v64));
			o->body.get_set.value_size = 1 +
				snprintf((char *)o->body.get_set.value,
					 sizeof(o->body.get_set.value), "%llu", v64);
			break;
		default:
			return -EINVAL;
		}
		fallthrough;
	case IC_KVP_OP_GET:
		/*
		 * value_size stays 0, as hv_kvp.c leaves it: hv_kvp_daemon
		 * then copies nothing and answers "" (the host looks the key
		 * up by enumerating), and a daemon that writes the value where
		 * hv_kvp.c reads it (ovb-kvpd, see kvp_from_daemon) answers
		 * it on both kernels alike.
		 */
		o->body.get_set.key_size =
			kvp_to_utf8(m->body.get_set.key, m->body.get_set.key_size,
				    sizeof(m->body.get_set.key), o->body.get_set.key,
				    sizeof(o->body.get_set.key));
		return 0;
	case IC_KVP_OP_DELETE:
		o->body.del.key_size = kvp_to_utf8(m->body.del.key, m->body.del.key_size,
						   sizeof(m->body.del.key), o->body.del.key,
						   sizeof(o->body.del.key));
		return 0;
	case IC_KVP_OP_ENUMERATE:
		o->body.enumerate.index = m->body.enumerate.index;
		return 0;
	}
	return -EINVAL;	/* unknown operations */
}

/* The daemon's answer @msg into the pending request's body; a status. */
static u32 kvp_from_daemon(struct ic_daemon *dd, const void *msg)
{
	const struct kvp_dev_msg *d = msg;
	struct kvp_msg *m = (void *)(dd->pkt + ICMSG_HDR_SIZE);
	struct kvp_ip_msg *ip = (void *)(dd->pkt + ICMSG_HDR_SIZE);
	struct kvp_value *v;
	int ks = 0, vs;

	if (d->error)
		return d->error;	/* the daemon overwrote the operation (a union) */
	switch (m->hdr.operation) {
	case IC_KVP_OP_GET_IP_INFO:
		if (kvp_to_utf16((const u8 *)d->body.ip.ip_addr, sizeof(d->body.ip.ip_addr),
				 (u8 *)ip->ip.ip_addr, sizeof(ip->ip.ip_addr)) < 0 ||
		    kvp_to_utf16((const u8 *)d->body.ip.sub_net, sizeof(d->body.ip.sub_net),
				 (u8 *)ip->ip.sub_net, sizeof(ip->ip.sub_net)) < 0 ||
		    kvp_to_utf16((const u8 *)d->body.ip.gate_way, sizeof(d->body.ip.gate_way),
				 (u8 *)ip->ip.gate_way, sizeof(ip->ip.gate_way)) < 0 ||
		    kvp_to_utf16((const u8 *)d->body.ip.dns_addr, sizeof(d->body.ip.dns_addr),
				 (u8 *)ip->ip.dns_addr, sizeof(ip->ip.dns_addr)) < 0 ||
		    kvp_to_utf16((const u8 *)d->body.ip.adapter_id, sizeof(d->body.ip.adapter_id),
				 (u8 *)ip->ip.adapter_id, sizeof(ip->ip.adapter_id)) < 0)
			return IC_STATUS_FAIL;
		ip->ip.dhcp_enabled = d->body.ip.dhcp_enabled;
		ip->ip.addr_family = d->body.ip.addr_family;
		return IC_STATUS_OK;
	case IC_KVP_OP_GET:
		/* From the enumerate layout's value field, as hv_kvp.c reads a GET's answer */
		v = &m->body.get_set;
		vs = kvp_to_utf16(d->body.enumerate.data.value,
				  sizeof(d->body.enumerate.data.value), v->value, sizeof(v->value));
		break;
	case IC_KVP_OP_ENUMERATE:
		v = &m->body.enumerate.data;
		ks = kvp_to_utf16(d->body.enumerate.data.key, sizeof(d->body.enumerate.data.key),
				  v->key, sizeof(v->key));
		vs = kvp_to_utf16(d->body.enumerate.data.value,
				  sizeof(d->body.enumerate.data.value), v->value, sizeof(v->value));
		v->key_size = max(ks, 0);
		break;
	default:
		return IC_STATUS_OK;	/* SET, DELETE: nothing comes back */
	}
	if (ks < 0 || vs < 0)
		return IC_STATUS_FAIL;
	v->value_size = vs;
	v->value_type = IC_KVP_REG_SZ;	/* all the daemon's values are strings */
	return IC_STATUS_OK;
}

static u32 kvp_to_daemon(struct ic_daemon *d, u8 *body, u32 len, u32 *out_len,
			 unsigned long *timeout)
{
	if (kvp_request(body, len, (struct kvp_dev_msg *)d->out))
		return IC_STATUS_FAIL;
	*out_len = sizeof(struct kvp_dev_msg);
	return IC_STATUS_OK;
}

/* Their REGISTER1 (or the old REGISTER); our version string back. */
static int kvp_handshake(struct ic_daemon *d, const void *msg, u32 *reply_len)
{
	const struct kvp_dev_msg *m = msg;
	struct kvp_dev_msg *o = (void *)d->out;

	if (m->hdr.operation != IC_KVP_OP_REGISTER1 && m->hdr.operation != IC_KVP_OP_REGISTER)
		return -EINVAL;
	memset(o, 0, sizeof(*o));
	o->hdr.operation = m->hdr.operation;
	strscpy((char *)o->body.version, KVP_DRV_VERSION, sizeof(o->body.version));
	*reply_len = sizeof(*o);
	return 0;
}

static struct ic_daemon kvp_daemon = {
	IC_DAEMON_INIT(kvp_daemon, "vmbus/hv_kvp"),	/* devtmpfs: /dev/vmbus/hv_kvp */
	.msg_size = sizeof(struct kvp_dev_msg),
	.handshake = kvp_handshake,
	.to_daemon = kvp_to_daemon,
	.from_daemon = kvp_from_daemon,
};

IC_DAEMON_HOOKS(kvp, kvp_daemon)

const struct ic_service ic_kvp = {
	.name = "kvp",
	.probe = kvp_probe,
	.quiesce = kvp_quiesce,
	.remove = kvp_remove,
	.buf_len = IC_DAEMON_PKT,
	.msgtype = ICMSGTYPE_KVPEXCHANGE,
	.min_len = sizeof(struct kvp_msg),
	.versions = kvp_versions,
	.nversions = ARRAY_SIZE(kvp_versions),
	.handle = kvp_handle,
};
