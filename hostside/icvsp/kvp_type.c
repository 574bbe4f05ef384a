// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * The KVP IC as an ovb-host device type (`--kvp SECONDS`: how long the
 * host waits for each answer) and its ctl commands:
 *   kvp get [--pool N] KEY        kvp set [--pool N] KEY VALUE...
 *   kvp delete [--pool N] KEY     kvp list [--pool N]
 *   ip [MAC]                      the guest's addresses (auto pool; by NIC)
 *   ip set MAC|IFNAME ADDR/PREFIX[,...] [--gateway GW] [--dns DNS,...] [--dhcp]
 *                                 the guest's daemon configures that NIC
 * Pools are numbered as the guest daemon's files (0 external, the
 * default; 1 guest; 2 auto). `status` shows the auto pool as last read.
 */
#include <errno.h>
#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "hostside/ctl/ctl.h"
#include "hostside/devices.h"
#include "hostside/icvsp/icvsp.h"
#include "hostside/icvsp/kvp.h"
#include "hostside/log.h"

#define KVP_LIST_MAX		128	/* entries one `kvp list` reads */
#define KVP_LIST_BUDGET_S	12	/* and seconds (ovbctl waits 15) */
#define KVP_DEFAULT_TIMEOUT_S	5

static int kvp_type_parse(void **cfg, const char *arg)
{
	return icvsp_parse_seconds(cfg, arg, "kvp", "seconds to wait for each answer", KVP_MAX_TIMEOUT_S);
}

static void *kvp_type_create(const struct vsp_env *env, void *cfg)
{
	(void)env;
	return icvsp_kvp_new(cfg ? *(unsigned int *)cfg : KVP_DEFAULT_TIMEOUT_S);
}

static struct vmbus_device *kvp_type_device(void *dev)
{
	return dev;
}

static void kvp_type_destroy(void *dev)
{
	icvsp_free(dev);
}

static void add_entry(void *arg, const char *key, const char *value)
{
	json_object_object_add(arg, key, json_object_new_string(value));
}

static void kvp_type_status(void *dev, struct json_object *e)
{
	struct json_object *autos = json_object_new_object();
	struct icvsp_status st;
	char v[16];
	double age;

	icvsp_get_status(dev, &st);
	snprintf(v, sizeof(v), "%u.%u", st.srv_version >> 16, st.srv_version & 0xffff);
	json_object_object_add(e, "open", json_object_new_boolean(st.open));
	json_object_object_add(e, "negotiated", json_object_new_boolean(st.negotiated));
	json_object_object_add(e, "version", st.negotiated ? json_object_new_string(v) : NULL);
	icvsp_kvp_auto_pool(dev, add_entry, autos, &age);
	json_object_object_add(e, "auto", autos);
	json_object_object_add(e, "auto_age_s", age >= 0 ? json_object_new_double(age) : NULL);
}

/* ---- arguments ---- */

/* The next space-separated word of *@s into @w (NUL-terminated); its length. */
static size_t next_word(const char **s, char *w, size_t size)
{
	size_t n = 0;

	while (**s == ' ')
		(*s)++;
	while (**s && **s != ' ') {
		if (n + 1 < size)
			w[n] = **s;
		n++;
		(*s)++;
	}
	if (size)
		w[n < size ? n : size - 1] = '\0';
	return n;
}

/* "[--pool N] " before the operands; the pool, or -1. */
static int parse_pool(const char **s)
{
	const char *p = *s;
	char w[16], *end;
	long n;

	next_word(&p, w, sizeof(w));
	if (strcmp(w, "--pool"))
		return IC_KVP_POOL_EXTERNAL;
	next_word(&p, w, sizeof(w));
	n = strtol(w, &end, 10);
	if (!*w || *end || n < 0 || n >= IC_KVP_POOL_COUNT)
		return -1;
	*s = p;
	return (int)n;
}

static const char *kvp_strerror(int ret, uint32_t status)
{
	switch (ret) {
	case -ENOTCONN: return "the guest's KVP service is not running";
	case -EBUSY: return "another KVP request is in progress";
	case -ETIMEDOUT: return "the guest's KVP daemon did not answer in time";
	case -EPROTO: return "the guest's answer was malformed";
	case -EINVAL: return "key or value too long for KVP (or not UTF-8)";
	case 0: break;
	default: return "cannot send to the guest";
	}
	return status == IC_KVP_S_CONT ? "no such key in that pool" :
	       "the guest's KVP daemon refused (see its log)";
}

/* One request; 0, or -1 with *@err set. */
static int kvp_do(void *dev, const struct kvp_req *req, struct kvp_result *res,
		  const char **err)
{
	int ret = icvsp_kvp_call(dev, req, res);

	if (ret || res->status != IC_STATUS_OK) {
		*err = kvp_strerror(ret, ret ? 0 : res->status);
		return -1;
	}
	return 0;
}

/*
 * Enumerate @pool into @obj until the guest says there is no more (or
 * the budget is spent). The number of entries, or -1 with *@err.
 */
static int kvp_enumerate(void *dev, int pool, struct json_object *obj, const char **err)
{
	struct kvp_req *req = calloc(1, sizeof(*req));
	struct kvp_result *res = malloc(sizeof(*res));
	struct timespec t0, now;
	int n = 0, ret;

	if (!req || !res) {
		free(req);
		free(res);
		*err = "out of memory";
		return -1;
	}
	clock_gettime(CLOCK_MONOTONIC, &t0);
	req->op = IC_KVP_OP_ENUMERATE;
	req->pool = (uint8_t)pool;
	for (; n < KVP_LIST_MAX; n++) {
		clock_gettime(CLOCK_MONOTONIC, &now);
		if (now.tv_sec - t0.tv_sec >= KVP_LIST_BUDGET_S)
			break;
		req->index = (uint32_t)n;
		ret = icvsp_kvp_call(dev, req, res);
		if (ret) {
			*err = kvp_strerror(ret, 0);
			n = -1;
			break;
		}
		if (res->status != IC_STATUS_OK)
			break;	/* past the last entry (or the daemon's error) */
		json_object_object_add(obj, res->key, json_object_new_string(res->value));
	}
	free(req);
	free(res);
	return n;
}

/*
 * GET's value by enumerating @req's pool (into res->value): Linux's
 * hv_kvp.c passes no value size to its daemon on GET, which then copies
 * none, so over the in-tree driver GET answers every key with "". 0 if
 * the key was found.
 */
static int kvp_get_by_enumerate(void *dev, const struct kvp_req *req, struct kvp_result *res)
{
	struct kvp_req *e = calloc(1, sizeof(*e));
	int ret = -1;

	if (!e)
		return -1;
	e->op = IC_KVP_OP_ENUMERATE;
	e->pool = req->pool;
	for (; e->index < KVP_LIST_MAX && ret; e->index++) {
		if (icvsp_kvp_call(dev, e, res) || res->status != IC_STATUS_OK)
			break;
		if (!strcmp(res->key, req->key))
			ret = 0;
	}
	free(e);
	return ret;
}

static int cmd_kvp(void *dev, const char *args, struct json_object *reply, const char **err)
{
	struct kvp_req *req = calloc(1, sizeof(*req));
	struct kvp_result *res = malloc(sizeof(*res));
	const char *s = args;
	char op[16];
	int pool, ret = -1;

	if (!req || !res) {
		*err = "out of memory";
		goto out;
	}
	next_word(&s, op, sizeof(op));
	pool = parse_pool(&s);
	*err = "usage: kvp get|set|delete|list [--pool 0-4] [KEY [VALUE]]";
	if (pool < 0)
		goto out;
	req->pool = (uint8_t)pool;
	json_object_object_add(reply, "pool", json_object_new_int(pool));
	if (!strcmp(op, "list")) {
		struct json_object *keys = json_object_new_object();
		int n;

		next_word(&s, req->key, sizeof(req->key));
		if (*req->key) {
			json_object_put(keys);
			goto out;
		}
		n = kvp_enumerate(dev, pool, keys, err);
		json_object_object_add(reply, "keys", keys);
		ret = n < 0 ? -1 : 0;
		goto out;
	}
	if (next_word(&s, req->key, sizeof(req->key)) >= sizeof(req->key) || !*req->key)
		goto out;
	if (!strcmp(op, "set")) {
		req->op = IC_KVP_OP_SET;
		if (*s == ' ')
			s++;
		if (strlen(s) >= sizeof(req->value))
			goto out;
		strcpy(req->value, s);
	} else if (!strcmp(op, "get") || !strcmp(op, "delete")) {
		while (*s == ' ')
			s++;
		if (*s)
			goto out;
		req->op = !strcmp(op, "get") ? IC_KVP_OP_GET : IC_KVP_OP_DELETE;
	} else {
		goto out;
	}
	if (kvp_do(dev, req, res, err))
		goto out;
	if (req->op == IC_KVP_OP_GET && !res->value[0] && kvp_get_by_enumerate(dev, req, res))
		res->value[0] = '\0';	/* not listed: the empty value stands */
	json_object_object_add(reply, "key", json_object_new_string(req->key));
	if (req->op != IC_KVP_OP_DELETE)
		json_object_object_add(reply, "value", json_object_new_string(
			req->op == IC_KVP_OP_GET ? res->value : req->value));
	ret = 0;
out:
	free(req);
	free(res);
	return ret;
}

/* `ip set ADAPTER ...` (kvp_parse_ipset): the guest's daemon configures that NIC. */
static int ip_set(void *dev, const char *args, struct kvp_req *req, struct kvp_result *res,
		  struct json_object *reply, const char **err)
{
	int ret;

	if (kvp_parse_ipset(args, req, err))
		return -1;
	ret = icvsp_kvp_call(dev, req, res);
	if (!ret && res->status != IC_STATUS_OK) {
		switch (res->status) {
		case IC_KVP_E_GUID_NOTFOUND:
			*err = "the guest has no network adapter with that MAC (or name)";
			break;
		case IC_KVP_E_NOT_SUPPORTED:
			*err = "the guest's KVP daemon does not set IP addresses";
			break;
		default:
			*err = "the guest's KVP daemon could not configure the adapter (see its log)";
			break;
		}
		return -1;
	}
	if (ret) {
		*err = kvp_strerror(ret, 0);
		return -1;
	}
	json_object_object_add(reply, "adapter", json_object_new_string(req->key));
	json_object_object_add(reply, "dhcp", json_object_new_boolean(req->ipset.dhcp));
	json_object_object_add(reply, "addresses", json_object_new_string(req->ipset.addrs));
	json_object_object_add(reply, "subnets", json_object_new_string(req->ipset.masks));
	json_object_object_add(reply, "gateways", json_object_new_string(req->ipset.gateways));
	json_object_object_add(reply, "dns", json_object_new_string(req->ipset.dns));
	return 0;
}

/* `ip`: the auto pool's address keys; `ip MAC`: that NIC's configuration. */
static int cmd_ip(void *dev, const char *args, struct json_object *reply, const char **err)
{
	struct kvp_req *req;
	struct kvp_result *res;
	const char *s = args;
	int ret = -1;

	if (!*args) {
		struct json_object *keys = json_object_new_object(), *v;

		if (kvp_enumerate(dev, IC_KVP_POOL_AUTO, keys, err) < 0) {
			json_object_put(keys);
			return -1;
		}
		if (json_object_object_get_ex(keys, "NetworkAddressIPv4", &v))
			json_object_object_add(reply, "ipv4", json_object_get(v));
		if (json_object_object_get_ex(keys, "NetworkAddressIPv6", &v))
			json_object_object_add(reply, "ipv6", json_object_get(v));
		json_object_put(keys);
		return 0;
	}
	req = calloc(1, sizeof(*req));
	res = malloc(sizeof(*res));
	if (!req || !res) {
		*err = "out of memory";
		goto out;
	}
	if (!strncmp(args, "set ", 4) || !strcmp(args, "set")) {
		ret = ip_set(dev, args + 3, req, res, reply, err);
		goto out;
	}
	req->op = IC_KVP_OP_GET_IP_INFO;
	*err = "usage: ip [MAC] | ip set ...";
	if (next_word(&s, req->key, sizeof(req->key)) >= 32 || *s)
		goto out;
	if (kvp_do(dev, req, res, err))
		goto out;
	json_object_object_add(reply, "adapter", json_object_new_string(res->adapter));
	json_object_object_add(reply, "dhcp", json_object_new_boolean(res->dhcp));
	json_object_object_add(reply, "addresses", json_object_new_string(res->ip));
	json_object_object_add(reply, "subnets", json_object_new_string(res->subnet));
	json_object_object_add(reply, "gateways", json_object_new_string(res->gateway));
	json_object_object_add(reply, "dns", json_object_new_string(res->dns));
	ret = 0;
out:
	free(req);
	free(res);
	return ret;
}

static const struct ctl_command kvp_cmds[] = {
	{ "kvp", "get|set|delete|list [--pool N] [KEY [VALUE]]",
	  "the guest's key-value pools (KVP integration service)", cmd_kvp },
	{ "ip", "[MAC] | set MAC|IFNAME ADDR/PREFIX[,...] [--gateway GW[,GW]] [--dns DNS[,...]] [--dhcp]",
	  "the guest's IP addresses (from its KVP daemon); set: configure that NIC", cmd_ip },
};

const struct vsp_type kvp_vsp_type = {
	.name = "kvp",
	.option = "kvp",
	.arg = "SECONDS",
	.help = "key-value pairs with the guest's KVP daemon; SECONDS to wait for each answer (1-10)",
	.parse = kvp_type_parse,
	.cfg_free = free,
	.create = kvp_type_create,
	.device = kvp_type_device,
	.destroy = kvp_type_destroy,
	.status = kvp_type_status,
	.cmds = kvp_cmds,
	.ncmds = sizeof(kvp_cmds) / sizeof(kvp_cmds[0]),
};
