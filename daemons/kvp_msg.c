// SPDX-License-Identifier: GPL-2.0 OR MIT
/* ovb-kvpd's protocol handling (kvp_msg.h). */
#include "daemons/kvp_msg.h"

#include <stdio.h>
#include <string.h>

#include "daemons/daemon.h"
#include "daemons/kvp_ipcfg.h"
#include "daemons/kvp_pool.h"

static const char *const auto_keys[KVP_AUTO_COUNT] = {
	[KVP_AUTO_FQDN] = "FullyQualifiedDomainName",
	[KVP_AUTO_IS_VERSION] = "IntegrationServicesVersion",
	[KVP_AUTO_IPV4] = "NetworkAddressIPv4",
	[KVP_AUTO_IPV6] = "NetworkAddressIPv6",
	[KVP_AUTO_OS_BUILD] = "OSBuildNumber",
	[KVP_AUTO_OS_NAME] = "OSName",
	[KVP_AUTO_OS_MAJOR] = "OSMajorVersion",
	[KVP_AUTO_OS_MINOR] = "OSMinorVersion",
	[KVP_AUTO_OS_VERSION] = "OSVersion",
	[KVP_AUTO_ARCH] = "ProcessorArchitecture",
};

const char *kvp_auto_key_name(unsigned int idx)
{
	return idx < KVP_AUTO_COUNT ? auto_keys[idx] : NULL;
}

void kvp_register_msg(struct kvp_dev_msg *out)
{
	memset(out, 0, sizeof(*out));
	out->hdr.operation = IC_KVP_OP_REGISTER1;
	/* (hv_kvp_daemon sends its version string; the kernels ignore it) */
	strcpy((char *)out->body.version, "ovb-kvpd");
}

/*
 * The string a message field holds: NUL-terminated within the smaller of
 * the field and the size the message claims for it (which counts the NUL).
 */
static bool field_str(const void *field, size_t field_size, uint32_t claimed, char *out,
		      size_t out_size)
{
	if (claimed == 0)
		return false;
	if (claimed < field_size)
		field_size = claimed;
	return ovbd_field_str(field, field_size, out, out_size);
}

/* @s into a fixed field, NUL-padded; false (field untouched) if it does not fit. */
static bool put_str(void *field, size_t size, const char *s)
{
	size_t n = strlen(s);

	if (n >= size)
		return false;
	memset(field, 0, size);
	memcpy(field, s, n);
	return true;
}

/*
 * GET's value goes where hv_kvp.c reads it: the enumerate layout's value
 * field (4 bytes after get's own; the kernel takes the string and sizes it
 * itself), with get's own value field left "". So a kernel reading get's
 * field (ovb_ic before it did as hv_kvp.c) sees "", which the host takes
 * as "look it up by enumerating", and never a value shifted by 4 bytes.
 */
static uint32_t kvp_get(struct kvp_ctx *c, int pool, struct kvp_value *v, uint8_t *value,
			size_t value_size)
{
	char key[KVP_POOL_KEY_SIZE];
	struct kvp_pool_data p;
	uint32_t st = HV_S_CONT;	/* hv_kvp_daemon's "no such key" */
	long i;
	int fd;

	if (!field_str(v->key, sizeof(v->key), v->key_size, key, sizeof(key)) || !key[0])
		return HV_INVALIDARG;
	fd = kvp_pool_load(c->pool_dirfd, pool, &p);
	if (fd < 0)
		return HV_E_FAIL;
	i = kvp_pool_find(&p, key);
	/* The answer's room is the whole field, whatever value_size asked for. */
	memset(v->value, 0, sizeof(v->value));
	if (i >= 0 && put_str(value, value_size, p.rec[i].value)) {
		v->value_size = (uint32_t)strlen(p.rec[i].value) + 1;
		v->value_type = IC_KVP_REG_SZ;
		st = HV_S_OK;
	}
	kvp_pool_free(&p);
	kvp_pool_close(fd);
	return st;
}

static uint32_t kvp_set(struct kvp_ctx *c, int pool, const struct kvp_value *v)
{
	char key[KVP_POOL_KEY_SIZE], value[KVP_POOL_VALUE_SIZE];
	struct kvp_pool_data p;
	uint32_t st = HV_S_OK;
	int fd;

	if (!field_str(v->key, sizeof(v->key), v->key_size, key, sizeof(key)) || !key[0] ||
	    !field_str(v->value, sizeof(v->value), v->value_size, value, sizeof(value)))
		return HV_INVALIDARG;
	fd = kvp_pool_load(c->pool_dirfd, pool, &p);
	if (fd < 0)
		return HV_E_FAIL;
	if (kvp_pool_set(&p, key, value) || kvp_pool_store(fd, &p))
		st = HV_S_CONT;	/* (hv_kvp_daemon's answer when it cannot) */
	kvp_pool_free(&p);
	kvp_pool_close(fd);
	return st;
}

static uint32_t kvp_delete(struct kvp_ctx *c, int pool, const struct kvp_delete *d)
{
	char key[KVP_POOL_KEY_SIZE];
	struct kvp_pool_data p;
	uint32_t st = HV_S_OK;
	int fd;

	if (!field_str(d->key, sizeof(d->key), d->key_size, key, sizeof(key)) || !key[0])
		return HV_INVALIDARG;
	fd = kvp_pool_load(c->pool_dirfd, pool, &p);
	if (fd < 0)
		return HV_E_FAIL;
	if (kvp_pool_delete(&p, key) || kvp_pool_store(fd, &p))
		st = HV_S_CONT;
	kvp_pool_free(&p);
	kvp_pool_close(fd);
	return st;
}

static uint32_t kvp_enumerate(struct kvp_ctx *c, int pool, struct kvp_enumerate *e)
{
	struct kvp_value *v = &e->data;
	char value[KVP_POOL_VALUE_SIZE] = "";
	struct kvp_pool_data p;
	uint32_t st = HV_S_CONT;	/* past the end: the host stops here */
	int fd;

	if (pool == KVP_POOL_AUTO) {
		const char *key = kvp_auto_key_name(e->index);

		if (!key)
			return HV_S_CONT;
		if (e->index == KVP_AUTO_IS_VERSION)
			snprintf(value, sizeof(value), "%s", c->version[0] ? c->version : "Unknown version");
		else if (c->ops.auto_value(c->ops.arg, e->index, value, sizeof(value)))
			value[0] = '\0';
		value[sizeof(value) - 1] = '\0';
		put_str(v->key, sizeof(v->key), key);
		put_str(v->value, sizeof(v->value), value);
	} else {
		fd = kvp_pool_load(c->pool_dirfd, pool, &p);
		if (fd < 0)
			return HV_E_FAIL;
		if (e->index < p.n) {
			put_str(v->key, sizeof(v->key), p.rec[e->index].key);
			put_str(v->value, sizeof(v->value), p.rec[e->index].value);
			st = HV_S_OK;
		}
		kvp_pool_free(&p);
		kvp_pool_close(fd);
		if (st)
			return st;
	}
	v->key_size = (uint32_t)strlen((const char *)v->key) + 1;
	v->value_size = (uint32_t)strlen((const char *)v->value) + 1;
	v->value_type = IC_KVP_REG_SZ;
	return HV_S_OK;
}

static uint32_t kvp_get_ip(struct kvp_ctx *c, struct kvp_ipaddr_value *ip)
{
	char mac[sizeof(ip->adapter_id)];
	struct kvp_ip_info info;

	if (!ovbd_field_str(ip->adapter_id, sizeof(ip->adapter_id), mac, sizeof(mac)) || !mac[0])
		return HV_INVALIDARG;
	memset(&info, 0, sizeof(info));
	if (c->ops.ip_info(c->ops.arg, mac, &info))
		return HV_E_FAIL;	/* (hv_kvp_daemon's: no adapter with that MAC) */
	info.ip_addr[sizeof(info.ip_addr) - 1] = info.sub_net[sizeof(info.sub_net) - 1] = '\0';
	info.gate_way[sizeof(info.gate_way) - 1] = info.dns_addr[sizeof(info.dns_addr) - 1] = '\0';
	put_str(ip->ip_addr, sizeof(ip->ip_addr), info.ip_addr);
	put_str(ip->sub_net, sizeof(ip->sub_net), info.sub_net);
	put_str(ip->gate_way, sizeof(ip->gate_way), info.gate_way);
	put_str(ip->dns_addr, sizeof(ip->dns_addr), info.dns_addr);
	ip->addr_family = info.addr_family;
	ip->dhcp_enabled = info.dhcp_enabled;
	return HV_S_OK;
}

/* The host's configuration for an adapter, checked (kvp_ipcfg.c) and applied. */
static uint32_t kvp_set_ip(struct kvp_ctx *c, const struct kvp_ipaddr_value *ip)
{
	char adapter[sizeof(ip->adapter_id)];
	static struct kvp_ip_info info;	/* (8 KiB) */
	static struct kvp_ipcfg cfg;

	if (!c->ops.set_ip)
		return HV_ERROR_NOT_SUPPORTED;
	memset(&info, 0, sizeof(info));
	if (!ovbd_field_str(ip->adapter_id, sizeof(ip->adapter_id), adapter, sizeof(adapter)) ||
	    !adapter[0] ||
	    !ovbd_field_str(ip->ip_addr, sizeof(ip->ip_addr), info.ip_addr, sizeof(info.ip_addr)) ||
	    !ovbd_field_str(ip->sub_net, sizeof(ip->sub_net), info.sub_net, sizeof(info.sub_net)) ||
	    !ovbd_field_str(ip->gate_way, sizeof(ip->gate_way), info.gate_way, sizeof(info.gate_way)) ||
	    !ovbd_field_str(ip->dns_addr, sizeof(ip->dns_addr), info.dns_addr, sizeof(info.dns_addr)))
		return HV_INVALIDARG;
	info.dhcp_enabled = ip->dhcp_enabled;
	if (kvp_ipcfg_parse(&info, &cfg)) {
		ovbd_log_peer(OVBD_WARNING, "SET_IP_INFO for %s: not a configuration we take "
			      "(addresses, masks, gateways, DNS servers): failed", adapter);
		return HV_E_FAIL;
	}
	switch (c->ops.set_ip(c->ops.arg, adapter, &cfg)) {
	case 0:
		return HV_S_OK;
	case -2:
		ovbd_log_peer(OVBD_WARNING, "SET_IP_INFO: no adapter %s", adapter);
		return HV_GUID_NOTFOUND;	/* (hv_kvp_daemon's answer too) */
	default:
		return HV_E_FAIL;
	}
}

enum kvp_result kvp_handle(struct kvp_ctx *c, const void *in, size_t len,
			   struct kvp_dev_msg *out)
{
	uint32_t st;
	int op, pool;

	memset(out, 0, sizeof(*out));
	memcpy(out, in, len < sizeof(*out) ? len : sizeof(*out));
	c->requests++;
	if (len != sizeof(*out)) {
		ovbd_log_peer(OVBD_WARNING, "a %zu-byte message (not %zu): failed", len, sizeof(*out));
		st = HV_E_FAIL;
		goto answer;
	}
	op = out->hdr.operation;
	pool = out->hdr.pool;
	if (op == IC_KVP_OP_REGISTER1) {
		/* The kernel's reply to our registration: its version string. */
		if (!ovbd_field_str(out->body.version, sizeof(out->body.version), c->version,
				    sizeof(c->version)))
			c->version[0] = '\0';
		ovbd_log(OVBD_INFO, "registered with the kernel's KVP driver, version '%s'",
			 c->version);
		return KVP_NO_ANSWER;
	}
	if (pool >= KVP_POOL_COUNT) {
		ovbd_log_peer(OVBD_WARNING, "operation %d on pool %d (no such pool): failed", op, pool);
		st = HV_INVALIDARG;
		goto answer;
	}
	switch (op) {
	case IC_KVP_OP_GET:
		st = kvp_get(c, pool, &out->body.get_set, out->body.enumerate.data.value,
			     sizeof(out->body.enumerate.data.value));
		break;
	case IC_KVP_OP_SET:
		st = kvp_set(c, pool, &out->body.get_set);
		break;
	case IC_KVP_OP_DELETE:
		st = kvp_delete(c, pool, &out->body.del);
		break;
	case IC_KVP_OP_ENUMERATE:
		st = kvp_enumerate(c, pool, &out->body.enumerate);
		break;
	case IC_KVP_OP_GET_IP_INFO:
		st = kvp_get_ip(c, &out->body.ip);
		break;
	case IC_KVP_OP_SET_IP_INFO:
		st = kvp_set_ip(c, &out->body.ip);
		break;
	default:
		ovbd_log_peer(OVBD_WARNING, "unknown operation %d: failed", op);
		st = HV_E_FAIL;
		break;
	}
	if (st == HV_INVALIDARG)
		ovbd_log_peer(OVBD_WARNING, "operation %d on pool %d: a string without its end", op, pool);
answer:
	if (st != HV_S_OK && st != HV_S_CONT)
		c->errors++;
	out->error = (int32_t)st;
	return KVP_ANSWER;
}
