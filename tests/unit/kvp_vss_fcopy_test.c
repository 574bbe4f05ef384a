// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * The KVP, VSS and fcopy VSPs (hostside/icvsp/kvp.c, vss.c, fcopy.c, over
 * ic_txn.c) as ovb-host makes them (--kvp 2, --vss 2, --fcopy 10), through
 * their ctl commands, over the real server and the fake guest. fcopy: a
 * file arrives whole at its name and directory; an existing file is kept
 * without --overwrite; a full disk fails the copy, and each failure ends
 * with CANCEL (the daemon removes the partial file). VSS: freeze and thaw reach the
 * guest and show in status; a guest left frozen is thawed by the host
 * after --vss seconds; a refused or unanswered freeze is followed by a
 * THAW. KVP: A
 * guest thread plays Linux's hv_kvp.c + hv_kvp_daemon from the wire
 * definitions alone: pools of UTF-16 keys, answers in the request's own
 * buffer, HV_S_CONT for a missing key or an index past the end, the auto
 * pool made up. Then guests that misbehave: silent (timeout, and the late
 * answer must not complete the next request), oversized sizes, lone
 * surrogates, short answers, a new negotiation while a request is out.
 */
#include <json-c/json.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <cmocka.h>

#include "hostside/ctl/ctl.h"
#include "hostside/vmbus/server.h"
#include "ovb/ic_kvp.h"
#include "ovb/ic_fcopy.h"
#include "ovb/ic_vss.h"
#include "tests/unit/channel_info.h"
#include "tests/unit/devenv.h"

int log_verbose;

/* RENEGOTIATE: a new negotiation answer right before the request's answer. */
enum misbehave { GOOD, SILENT, LATE, HUGE_SIZE, SURROGATE, SHORT, GET_EMPTY, RENEGOTIATE };

struct kv {
	int pool;
	char key[64], value[256];
};

struct guest {
	struct devenv e;
	struct ctl *ctl;
	struct fg_chan g;
	pthread_t thread;
	volatile int stop;
	volatile enum misbehave mode;
	uint32_t version;		/* the KVP version the guest picks */
	struct kv kvs[16];
	unsigned int nkvs, ops;
	uint8_t held[16384];		/* SILENT: the last request, unanswered */
	uint32_t held_len;
	uint64_t held_tid;
	uint8_t nego[1024];		/* the host's negotiation request, kept */
	uint32_t nego_len;
	uint64_t nego_tid;
	/* VSS: the operations the guest got, and whether it refuses or ignores them */
	uint8_t vss_ops[16];
	volatile unsigned int nvss;
	volatile int vss_refuse, vss_silent;	/* refuse: FREEZE only */
	const char *svc;		/* "kvp", "vss", "fcopy": the channel the guest opens */
	/* fcopy: the one file of the guest, and how its daemon behaves */
	uint8_t *fc_data;
	uint32_t fc_len, fc_full_at;
	char fc_name[64], fc_dir[64];
	int fc_exists, fc_completed, fc_cancelled, fc_dup_offsets;
	/* KVP SET_IP_INFO: what the last one carried (ASCII) */
	char ipset_adapter[64], ipset_addrs[256], ipset_masks[256], ipset_gws[256], ipset_dns[256];
	uint8_t ipset_family, ipset_dhcp;
};

/* ASCII only: the tests' keys and values. */
/* Its size in bytes, the NUL included. */
static uint32_t to16(uint8_t *out, const char *s)
{
	uint32_t n = 0;

	for (; *s; s++, n += 2)
		out[n] = (uint8_t)*s, out[n + 1] = 0;
	out[n] = out[n + 1] = 0;
	return n + 2;
}

static void from16(char *out, const uint8_t *in, uint32_t size)
{
	uint32_t n = 0;

	for (uint32_t i = 0; i + 1 < size && in[i]; i += 2)
		out[n++] = (char)in[i];
	out[n] = '\0';
}

static struct kv *find(struct guest *gu, int pool, const char *key)
{
	for (unsigned int i = 0; i < gu->nkvs; i++)
		if (gu->kvs[i].pool == pool && !strcmp(gu->kvs[i].key, key))
			return &gu->kvs[i];
	return NULL;
}

/* The entries of @pool in order; the auto pool is made up as the daemon does. */
static struct kv *nth(struct guest *gu, int pool, uint32_t index)
{
	static struct kv autos[] = {
		{ IC_KVP_POOL_AUTO, "OSName", "Debian GNU/Linux" },
		{ IC_KVP_POOL_AUTO, "NetworkAddressIPv4", "192.0.2.7" },
		{ IC_KVP_POOL_AUTO, "NetworkAddressIPv6", "2001:db8::7" },
	};

	if (pool == IC_KVP_POOL_AUTO)
		return index < 3 ? &autos[index] : NULL;
	for (unsigned int i = 0; i < gu->nkvs; i++)
		if (gu->kvs[i].pool == pool && !index--)
			return &gu->kvs[i];
	return NULL;
}

/* LATE: the held GET answered now, as "stale", before the request in hand. */
static void answer_held(struct guest *gu)
{
	uint32_t off = ((struct ovb_vmpacket_desc *)gu->held)->offset8 * 8u;
	uint8_t *ic = gu->held + off;
	struct icmsg_hdr *h = (void *)(ic + sizeof(struct vmbuspipe_hdr));
	struct kvp_msg *m = (void *)(ic + ICMSG_HDR_SIZE);
	uint64_t one = 1;
	ovb_bool sig;

	m->body.get_set.value_type = IC_KVP_REG_SZ;
	m->body.get_set.value_size = to16(m->body.get_set.value, "stale");
	h->icflags = ICMSGHDRFLAG_TRANSACTION | ICMSGHDRFLAG_RESPONSE;
	assert_int_equal(ovb_ring_tx_inband(&gu->g.tx, OVB_VMPKT_DATA_INBAND, 0, gu->held_tid,
					    ic, gu->held_len - off, &sig), 0);
	assert_int_equal(write(gu->g.fd, &one, sizeof(one)), sizeof(one));
	gu->held_len = 0;
}

static void answer(struct guest *gu, uint8_t *pkt, uint32_t len, uint64_t tid)
{
	uint32_t off = ((struct ovb_vmpacket_desc *)pkt)->offset8 * 8u;
	uint8_t *ic = pkt + off;
	struct icmsg_hdr *h = (void *)(ic + sizeof(struct vmbuspipe_hdr));
	struct kvp_msg *m = (void *)(ic + ICMSG_HDR_SIZE);
	struct kvp_ip_msg *ip = (void *)(ic + ICMSG_HDR_SIZE);
	uint32_t status = IC_STATUS_OK, plen = len - off;
	enum misbehave mode = gu->mode;
	char key[256];
	struct kv *kv;
	ovb_bool sig;
	uint64_t one = 1;

	if (h->icmsgtype == ICMSGTYPE_NEGOTIATE) {
		if (len <= sizeof(gu->nego)) {
			memcpy(gu->nego, pkt, len);
			gu->nego_len = len;
			gu->nego_tid = tid;
		}
		assert_int_equal(fg_ic_answer(&gu->g, pkt, len, tid, gu->version), 0);
		return;
	}
	if (h->icmsgtype == ICMSGTYPE_FCOPY) {
		struct fcopy_hdr *fh = (void *)(ic + ICMSG_HDR_SIZE);
		struct fcopy_start *st = (void *)fh;
		struct fcopy_write *w = (void *)fh;

		switch (fh->operation) {
		case IC_FCOPY_START:
			assert_true(plen >= ICMSG_HDR_SIZE + sizeof(*st));
			from16(gu->fc_name, (uint8_t *)st->file_name, 128);
			from16(gu->fc_dir, (uint8_t *)st->path_name, 128);
			if (gu->fc_exists && !(st->copy_flags & IC_FCOPY_OVERWRITE)) {
				status = IC_FCOPY_E_ALREADY_EXISTS;
				break;
			}
			assert_true(st->file_size <= (1u << 20));
			gu->fc_len = 0;
			gu->fc_completed = gu->fc_cancelled = 0;
			break;
		case IC_FCOPY_WRITE:
			assert_true(plen >= ICMSG_HDR_SIZE + sizeof(*w));
			assert_true(w->size <= IC_FCOPY_FRAGMENT);
			assert_true(w->offset + w->size <= (1u << 20));
			if (w->offset != gu->fc_len)
				gu->fc_dup_offsets++;	/* fragments come in order */
			if (gu->fc_full_at && w->offset + w->size > gu->fc_full_at) {
				status = IC_FCOPY_E_DISK_FULL;
				break;
			}
			memcpy(gu->fc_data + w->offset, w->data, w->size);
			gu->fc_len = (uint32_t)(w->offset + w->size);
			break;
		case IC_FCOPY_COMPLETE:
			gu->fc_completed = 1;
			break;
		case IC_FCOPY_CANCEL:
			gu->fc_cancelled = 1;
			gu->fc_len = 0;		/* the partial file is removed */
			break;
		default:
			fail_msg("fcopy operation %u", fh->operation);
		}
		goto send;
	}
	if (h->icmsgtype == ICMSGTYPE_VSS) {
		struct vss_msg *v = (void *)(ic + ICMSG_HDR_SIZE);

		assert_true(plen >= ICMSG_HDR_SIZE + sizeof(*v));
		if (gu->nvss < sizeof(gu->vss_ops))
			gu->vss_ops[gu->nvss++] = v->hdr.operation;
		if (gu->vss_silent)
			return;
		status = gu->vss_refuse && v->hdr.operation == IC_VSS_OP_FREEZE ? IC_STATUS_FAIL :
			 IC_STATUS_OK;
		goto send;
	}
	assert_int_equal(h->icmsgtype, ICMSGTYPE_KVPEXCHANGE);
	/* The host's own reads of the auto pool are always answered well. */
	if (m->hdr.operation == IC_KVP_OP_ENUMERATE && m->hdr.pool == IC_KVP_POOL_AUTO)
		mode = GOOD;
	else
		gu->ops++;
	if (mode == LATE && gu->held_len)
		answer_held(gu);
	if (mode == RENEGOTIATE) {
		uint8_t again[sizeof(gu->nego)];

		assert_true(gu->nego_len > 0);
		memcpy(again, gu->nego, gu->nego_len);
		assert_int_equal(fg_ic_answer(&gu->g, again, gu->nego_len, gu->nego_tid,
					      gu->version), 0);
	}
	if (mode == SILENT) {
		memcpy(gu->held, pkt, len);
		gu->held_len = len;
		gu->held_tid = tid;
		return;
	}
	if (m->hdr.operation == IC_KVP_OP_SET_IP_INFO) {
		/* The whole IP message; an adapter the guest has not: GUID_NOTFOUND. */
		assert_true(plen >= ICMSG_HDR_SIZE + sizeof(*ip));
		from16(gu->ipset_adapter, (uint8_t *)ip->ip.adapter_id, sizeof(ip->ip.adapter_id));
		from16(gu->ipset_addrs, (uint8_t *)ip->ip.ip_addr, 500);
		from16(gu->ipset_masks, (uint8_t *)ip->ip.sub_net, 500);
		from16(gu->ipset_gws, (uint8_t *)ip->ip.gate_way, 500);
		from16(gu->ipset_dns, (uint8_t *)ip->ip.dns_addr, 500);
		gu->ipset_family = ip->ip.addr_family;
		gu->ipset_dhcp = ip->ip.dhcp_enabled;
		if (strcmp(gu->ipset_adapter, "00:15:5d:00:00:01") && strcmp(gu->ipset_adapter, "eth0"))
			status = IC_KVP_E_GUID_NOTFOUND;
		goto send;
	}
	if (m->hdr.operation == IC_KVP_OP_GET_IP_INFO) {
		/* The whole IP message came, and the MAC the host asked for. */
		assert_true(plen >= ICMSG_HDR_SIZE + sizeof(*ip));
		from16(key, (uint8_t *)ip->ip.adapter_id, sizeof(ip->ip.adapter_id));
		assert_string_equal(key, "00:15:5d:00:00:01");
		to16((uint8_t *)ip->ip.ip_addr, "192.0.2.7;2001:db8::7");
		to16((uint8_t *)ip->ip.sub_net, "255.255.255.0;64");
		ip->ip.dhcp_enabled = 1;
		goto send;
	}
	/* Every other request is a whole kvp_msg: room for the answer. */
	assert_true(plen >= ICMSG_HDR_SIZE + sizeof(*m));
	switch (m->hdr.operation) {
	case IC_KVP_OP_SET:
		from16(key, m->body.get_set.key, m->body.get_set.key_size);
		assert_int_equal(m->body.get_set.value_type, IC_KVP_REG_SZ);
		assert_int_equal(m->body.get_set.key_size, 2 * strlen(key) + 2);
		kv = find(gu, m->hdr.pool, key);
		if (!kv) {
			kv = &gu->kvs[gu->nkvs++];
			kv->pool = m->hdr.pool;
			strcpy(kv->key, key);
		}
		from16(kv->value, m->body.get_set.value, m->body.get_set.value_size);
		break;
	case IC_KVP_OP_GET:
		from16(key, m->body.get_set.key, m->body.get_set.key_size);
		kv = find(gu, m->hdr.pool, key);
		if (!kv) {
			status = IC_KVP_S_CONT;
			break;
		}
		m->body.get_set.value_type = IC_KVP_REG_SZ;
		/* GET_EMPTY: as Debian's daemon under hv_kvp.c, which asks it for 0 bytes */
		m->body.get_set.value_size = to16(m->body.get_set.value,
						  mode == GET_EMPTY ? "" : kv->value);
		if (mode == HUGE_SIZE)
			m->body.get_set.value_size = 4096;
		if (mode == SURROGATE)
			m->body.get_set.value[1] = 0xdc;	/* a low surrogate alone */
		break;
	case IC_KVP_OP_DELETE:
		from16(key, m->body.del.key, m->body.del.key_size);
		kv = find(gu, m->hdr.pool, key);
		if (kv)
			*kv = gu->kvs[--gu->nkvs];
		else
			status = IC_KVP_S_CONT;
		break;
	case IC_KVP_OP_ENUMERATE:
		kv = nth(gu, m->hdr.pool, m->body.enumerate.index);
		if (!kv) {
			status = IC_KVP_S_CONT;
			break;
		}
		m->body.enumerate.data.value_type = IC_KVP_REG_SZ;
		m->body.enumerate.data.key_size = to16(m->body.enumerate.data.key, kv->key);
		m->body.enumerate.data.value_size = to16(m->body.enumerate.data.value, kv->value);
		break;
	default:
		fail_msg("operation %u", m->hdr.operation);
	}
send:
	if (mode == SHORT)
		plen = ICMSG_HDR_SIZE + 8;
	h->icflags = ICMSGHDRFLAG_TRANSACTION | ICMSGHDRFLAG_RESPONSE;
	h->status = status;
	assert_int_equal(ovb_ring_tx_inband(&gu->g.tx, OVB_VMPKT_DATA_INBAND, 0, tid, ic, plen,
					    &sig), 0);
	assert_int_equal(write(gu->g.fd, &one, sizeof(one)), sizeof(one));
}

static void *guest_main(void *arg)
{
	struct guest *gu = arg;
	static uint8_t buf[16384];
	uint64_t tid;
	uint32_t len;

	while (!gu->stop)
		if ((len = fg_chan_recv(&gu->g, buf, sizeof(buf), &tid, 50)))
			answer(gu, buf, len, tid);
	return NULL;
}

static uint32_t relid_of(struct devenv *e, const char *device)
{
	for (uint32_t relid = 1; relid < 16; relid++) {
		struct vmbus_channel_info i = channel_info_of(e->srv, relid);

		if (i.state && !strcmp(i.device, device))
			return relid;
	}
	fail_msg("no %s channel", device);
	return 0;
}

static struct json_object *req(struct guest *gu, const char *line)
{
	return ctl_request(gu->ctl, line, strlen(line));
}

static const char *error_of(struct json_object *o)
{
	struct json_object *v;

	return json_object_object_get_ex(o, "error", &v) ? json_object_get_string(v) : NULL;
}

static const char *str_at(struct json_object *o, const char *k1, const char *k2)
{
	struct json_object *v;

	if (!json_object_object_get_ex(o, k1, &v))
		return NULL;
	if (k2 && !json_object_object_get_ex(v, k2, &v))
		return NULL;
	return json_object_get_string(v);
}

/* The answer to @line must be an error containing @what. */
static void expect_error(struct guest *gu, const char *line, const char *what)
{
	struct json_object *o = req(gu, line);

	assert_non_null(error_of(o));
	if (!strstr(error_of(o), what))
		fail_msg("'%s': '%s', not '%s'", line, error_of(o), what);
	json_object_put(o);
}

/* The answer to @line must succeed; kept for the caller to look at. */
static struct json_object *expect_ok(struct guest *gu, const char *line)
{
	struct json_object *o = req(gu, line);

	if (error_of(o))
		fail_msg("'%s': %s", line, error_of(o));
	return o;
}

static int setup(void **state)
{
	struct guest *gu = calloc(1, sizeof(*gu));

	devenv_setup(&gu->e, true);	/* --kvp 2 (devenv_sample_arg) */
	gu->ctl = ctl_new();
	assert_non_null(gu->ctl);
	assert_int_equal(host_devices_ctl_add(gu->e.devs, gu->ctl), 0);
	gu->version = IC_KVP_VERSION_4;
	gu->svc = "kvp";
	gu->fc_data = calloc(1, 1u << 20);
	*state = gu;
	return 0;
}

/* The guest connects and opens KVP; the guest thread answers from then on. */
static void start_guest(struct guest *gu)
{
	uint32_t relid;
	uint64_t pfn;

	expect_error(gu, !strcmp(gu->svc, "kvp") ? "kvp get k" : !strcmp(gu->svc, "vss") ?
		     "freeze" : "copy /etc/hostname /tmp/x", "not running");
	devenv_connect(&gu->e, 0x50003);
	relid = relid_of(&gu->e, gu->svc);
	pfn = devenv_open(&gu->e, relid, 40);
	assert_int_equal(fg_chan_init(gu->e.fg, &gu->g, pfn, 4, 0x10000 + relid), 0);
	assert_int_equal(pthread_create(&gu->thread, NULL, guest_main, gu), 0);
	for (int i = 0; i < 300; i++) {
		struct json_object *s = devenv_status(&gu->e, gu->svc);
		struct json_object *v;
		bool up = json_object_object_get_ex(s, "negotiated", &v) &&
			  json_object_get_boolean(v);

		json_object_put(s);
		if (up)
			return;
		usleep(10000);
	}
	fail_msg("%s never negotiated", gu->svc);
}

static int teardown(void **state)
{
	struct guest *gu = *state;

	free(gu->fc_data);
	gu->stop = 1;
	if (gu->thread)
		pthread_join(gu->thread, NULL);
	ctl_free(gu->ctl);
	devenv_teardown(&gu->e);
	free(gu);
	return 0;
}

static void test_round_trips(void **state)
{
	struct guest *gu = *state;
	struct json_object *o, *s;

	start_guest(gu);
	o = expect_ok(gu, "kvp set k1 hello world");
	assert_string_equal(str_at(o, "value", NULL), "hello world");
	json_object_put(o);
	json_object_put(expect_ok(gu, "kvp set --pool 1 k2 v2"));
	assert_string_equal(find(gu, 0, "k1")->value, "hello world");
	assert_string_equal(find(gu, 1, "k2")->value, "v2");

	o = expect_ok(gu, "kvp get k1");
	assert_string_equal(str_at(o, "value", NULL), "hello world");
	json_object_put(o);
	expect_error(gu, "kvp get k2", "no such key");	/* pool 0 */
	o = expect_ok(gu, "kvp get --pool 1 k2");
	assert_string_equal(str_at(o, "value", NULL), "v2");
	json_object_put(o);

	o = expect_ok(gu, "kvp list --pool 1");
	assert_string_equal(str_at(o, "keys", "k2"), "v2");
	assert_int_equal(json_object_object_length(json_object_object_get(o, "keys")), 1);
	json_object_put(o);

	json_object_put(expect_ok(gu, "kvp delete k1"));
	assert_null(find(gu, 0, "k1"));
	expect_error(gu, "kvp delete k1", "no such key");
	o = expect_ok(gu, "kvp list");
	assert_int_equal(json_object_object_length(json_object_object_get(o, "keys")), 0);
	json_object_put(o);

	o = expect_ok(gu, "kvp list --pool 2");
	assert_string_equal(str_at(o, "keys", "OSName"), "Debian GNU/Linux");
	json_object_put(o);
	o = expect_ok(gu, "ip");
	assert_string_equal(str_at(o, "ipv4", NULL), "192.0.2.7");
	assert_string_equal(str_at(o, "ipv6", NULL), "2001:db8::7");
	json_object_put(o);
	o = expect_ok(gu, "ip 00:15:5d:00:00:01");
	assert_string_equal(str_at(o, "addresses", NULL), "192.0.2.7;2001:db8::7");
	assert_string_equal(str_at(o, "subnets", NULL), "255.255.255.0;64");
	assert_true(json_object_get_boolean(json_object_object_get(o, "dhcp")));
	json_object_put(o);

	/* The background read of the auto pool shows in status. */
	s = devenv_status(&gu->e, gu->svc);
	assert_string_equal(str_at(s, "auto", "OSName"), "Debian GNU/Linux");
	assert_string_equal(str_at(s, "version", NULL), "4.0");
	json_object_put(s);
}

/* `ip set`: the configuration as the wire carries it (hv_kvp_daemon's lists). */
static void test_ip_set(void **state)
{
	struct guest *gu = *state;
	struct json_object *o;

	start_guest(gu);
	o = expect_ok(gu, "ip set 00:15:5d:00:00:01 192.0.2.9/24,2001:db8::9/64,10.1.2.3/8 "
		      "--gateway 192.0.2.1 --dns 192.0.2.53,2001:db8::53");
	assert_string_equal(str_at(o, "addresses", NULL), "192.0.2.9;2001:db8::9;10.1.2.3");
	json_object_put(o);
	assert_string_equal(gu->ipset_adapter, "00:15:5d:00:00:01");
	assert_string_equal(gu->ipset_addrs, "192.0.2.9;2001:db8::9;10.1.2.3");
	assert_string_equal(gu->ipset_masks, "255.255.255.0;64;255.0.0.0");
	assert_string_equal(gu->ipset_gws, "192.0.2.1");
	assert_string_equal(gu->ipset_dns, "192.0.2.53;2001:db8::53");
	assert_int_equal(gu->ipset_family, IC_KVP_ADDR_FAMILY_IPV4 | IC_KVP_ADDR_FAMILY_IPV6);
	assert_int_equal(gu->ipset_dhcp, 0);
	/* DHCP alone, on an interface named, a /32 and a /0 */
	json_object_put(expect_ok(gu, "ip set eth0 --dhcp"));
	assert_int_equal(gu->ipset_dhcp, 1);
	assert_string_equal(gu->ipset_addrs, "");
	assert_int_equal(gu->ipset_family, IC_KVP_ADDR_FAMILY_IPV4);
	json_object_put(expect_ok(gu, "ip set eth0 198.51.100.1/32,203.0.113.0/0"));
	assert_string_equal(gu->ipset_masks, "255.255.255.255;0.0.0.0");
	/* the guest has no such adapter: said so */
	expect_error(gu, "ip set 00:15:5d:00:00:09 192.0.2.9/24", "no network adapter");
	/* bad arguments never reach the guest */
	gu->ops = 0;
	expect_error(gu, "ip set", "usage");
	expect_error(gu, "ip set eth0", "or --dhcp");
	expect_error(gu, "ip set eth0 192.0.2.9", "ADDR/PREFIX");
	expect_error(gu, "ip set eth0 192.0.2.9/33", "prefix length");
	expect_error(gu, "ip set eth0 2001:db8::1/129", "prefix length");
	expect_error(gu, "ip set eth0 192.0.2.9/-1", "prefix length");
	expect_error(gu, "ip set eth0 192.0.2.9/24x", "prefix length");
	expect_error(gu, "ip set eth0 300.0.2.9/24", "not an IPv4");
	expect_error(gu, "ip set eth0 192.0.2.9/24 --gateway", "usage");
	expect_error(gu, "ip set eth0 192.0.2.9/24 --gateway gw.example", "not an IPv4");
	expect_error(gu, "ip set eth0 192.0.2.9/24 --dns 1.1.1.1;rm", "not an IPv4");
	expect_error(gu, "ip set eth0 ,", "usage");
	expect_error(gu, "ip set eth0 192.0.2.9/24 --frob", "usage");
	expect_error(gu, "ip set eth0 192.0.2.9/24 192.0.2.10/24", "usage");
	assert_int_equal(gu->ops, 0);
}

/* The in-tree guest's GET answers "": the host finds the value by enumerating. */
static void test_get_empty(void **state)
{
	struct guest *gu = *state;
	struct json_object *o;

	start_guest(gu);
	json_object_put(expect_ok(gu, "kvp set --pool 1 a 1"));
	json_object_put(expect_ok(gu, "kvp set --pool 1 b two"));
	gu->mode = GET_EMPTY;
	o = expect_ok(gu, "kvp get --pool 1 b");
	assert_string_equal(str_at(o, "value", NULL), "two");
	json_object_put(o);
	expect_error(gu, "kvp get --pool 1 c", "no such key");
}

static void test_version_3(void **state)
{
	struct guest *gu = *state;
	struct json_object *o, *s;

	gu->version = IC_KVP_VERSION_3;
	start_guest(gu);
	json_object_put(expect_ok(gu, "kvp set a b"));
	o = expect_ok(gu, "kvp get a");
	assert_string_equal(str_at(o, "value", NULL), "b");
	json_object_put(o);
	s = devenv_status(&gu->e, gu->svc);
	assert_string_equal(str_at(s, "version", NULL), "3.0");
	json_object_put(s);
}

static void test_bad_arguments(void **state)
{
	struct guest *gu = *state;
	char line[CTL_MAX_LINE];

	start_guest(gu);
	gu->ops = 0;
	expect_error(gu, "kvp", "usage");
	expect_error(gu, "kvp frob k", "usage");
	expect_error(gu, "kvp get", "usage");
	expect_error(gu, "kvp get a b", "usage");
	expect_error(gu, "kvp get --pool 5 a", "usage");
	expect_error(gu, "kvp get --pool x a", "usage");
	expect_error(gu, "kvp list extra", "usage");
	expect_error(gu, "kvp set \xc3\x28 v", "not UTF-8");
	/* The longest key a ctl line can carry still fits the wire's 512 bytes. */
	memset(line, 0, sizeof(line));
	strcpy(line, "kvp set ");
	memset(line + 8, 'k', CTL_MAX_LINE - 12);
	strcat(line, " v");
	json_object_put(expect_ok(gu, line));
	assert_int_equal(gu->ops, 1);
	gu->ops = 0;
	expect_error(gu, "kvp get \xed\xa0\x80", "not UTF-8");	/* a surrogate */
	assert_int_equal(gu->ops, 0);	/* none of them reached the guest */
}

static void test_silent_guest(void **state)
{
	struct guest *gu = *state;
	struct json_object *o;
	struct timespec t0, t1;

	start_guest(gu);
	json_object_put(expect_ok(gu, "kvp set k old"));
	gu->mode = SILENT;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	expect_error(gu, "kvp get k", "did not answer");
	clock_gettime(CLOCK_MONOTONIC, &t1);
	assert_true(t1.tv_sec - t0.tv_sec >= 1 && t1.tv_sec - t0.tv_sec <= 4);	/* --kvp 2 */
	assert_true(gu->held_len > 0);

	/*
	 * The guest wakes up: it answers the old GET late, right before the
	 * new one, while that is on the wire: only the new answer counts.
	 */
	gu->mode = LATE;
	sleep(1);	/* the host's tick forgets the transaction it gave up on */
	o = expect_ok(gu, "kvp get k");
	assert_string_equal(str_at(o, "value", NULL), "old");
	json_object_put(o);
}

/*
 * The guest's side negotiates again (a restarted service) while a request
 * is on the wire: the transaction of the old side is forgotten, so its
 * answer, which comes right after, completes nothing and the request
 * times out; the next one works. (Without the reset: the old answer was
 * taken.)
 */
static void test_renegotiation_forgets_the_wire(void **state)
{
	struct guest *gu = *state;
	struct json_object *o;

	start_guest(gu);
	json_object_put(expect_ok(gu, "kvp set k v"));
	gu->mode = RENEGOTIATE;
	expect_error(gu, "kvp get k", "did not answer");
	gu->mode = GOOD;
	sleep(1);	/* the tick forgets what went out since, unanswered or not */
	o = expect_ok(gu, "kvp get k");
	assert_string_equal(str_at(o, "value", NULL), "v");
	json_object_put(o);
}

static void test_bad_answers(void **state)
{
	struct guest *gu = *state;
	struct json_object *o;

	start_guest(gu);
	json_object_put(expect_ok(gu, "kvp set k v"));
	gu->mode = HUGE_SIZE;
	expect_error(gu, "kvp get k", "malformed");
	gu->mode = SURROGATE;
	expect_error(gu, "kvp get k", "malformed");
	gu->mode = SHORT;
	expect_error(gu, "kvp get k", "malformed");
	expect_error(gu, "kvp list", "malformed");
	expect_error(gu, "ip 00:15:5d:00:00:01", "malformed");
	/* And the service still works. */
	gu->mode = GOOD;
	o = expect_ok(gu, "kvp get k");
	assert_string_equal(str_at(o, "value", NULL), "v");
	json_object_put(o);
}

/* ---- VSS ---- */

static bool vss_frozen(struct guest *gu)
{
	struct json_object *s = devenv_status(&gu->e, "vss");
	bool f = json_object_get_boolean(json_object_object_get(s, "frozen"));

	json_object_put(s);
	return f;
}

static void test_vss_freeze_thaw(void **state)
{
	struct guest *gu = *state;
	struct json_object *s;

	gu->svc = "vss";
	gu->version = IC_VSS_VERSION_5;
	start_guest(gu);
	json_object_put(expect_ok(gu, "freeze"));
	assert_true(vss_frozen(gu));
	json_object_put(expect_ok(gu, "thaw"));
	assert_false(vss_frozen(gu));
	assert_int_equal(gu->nvss, 2);
	assert_int_equal(gu->vss_ops[0], IC_VSS_OP_FREEZE);
	assert_int_equal(gu->vss_ops[1], IC_VSS_OP_THAW);
	s = devenv_status(&gu->e, "vss");
	assert_string_equal(str_at(s, "version", NULL), "5.0");
	assert_int_equal(json_object_get_int(json_object_object_get(s, "freezes")), 1);
	json_object_put(s);
}

/* Nobody thaws: after --vss 2 s the host does. */
static void test_vss_auto_thaw(void **state)
{
	struct guest *gu = *state;

	gu->svc = "vss";
	gu->version = IC_VSS_VERSION_5;
	start_guest(gu);
	json_object_put(expect_ok(gu, "freeze"));
	for (int i = 0; i < 50 && vss_frozen(gu); i++)
		usleep(100000);
	assert_false(vss_frozen(gu));
	assert_int_equal(gu->nvss, 2);
	assert_int_equal(gu->vss_ops[1], IC_VSS_OP_THAW);
}

/* A refused freeze, then one never answered: each is undone by a THAW. */
static void test_vss_failed_freeze(void **state)
{
	struct guest *gu = *state;

	gu->svc = "vss";
	gu->version = IC_VSS_VERSION_5;
	start_guest(gu);
	gu->vss_refuse = 1;
	expect_error(gu, "freeze", "could not freeze");
	for (int i = 0; i < 30 && gu->nvss < 2; i++)
		usleep(100000);
	assert_int_equal(gu->nvss, 2);
	assert_int_equal(gu->vss_ops[1], IC_VSS_OP_THAW);
	gu->vss_refuse = 0;
	gu->vss_silent = 1;
	expect_error(gu, "freeze", "did not answer");
	assert_false(vss_frozen(gu));
	gu->vss_silent = 0;
	for (int i = 0; i < 50 && gu->nvss < 4; i++)
		usleep(100000);
	assert_int_equal(gu->nvss, 4);
	assert_int_equal(gu->vss_ops[2], IC_VSS_OP_FREEZE);
	assert_int_equal(gu->vss_ops[3], IC_VSS_OP_THAW);
}

/* ---- fcopy ---- */

/* A host file of @n random bytes; its path in @path. */
static void host_file(struct guest *gu, char *path, size_t size, uint32_t n, uint8_t *bytes)
{
	FILE *f;

	snprintf(path, size, "%s/src.bin", gu->e.dir);
	for (uint32_t i = 0; i < n; i++)
		bytes[i] = (uint8_t)rand();
	f = fopen(path, "wb");
	assert_non_null(f);
	assert_int_equal(fwrite(bytes, 1, n, f), n);
	fclose(f);
}

static void fcopy_start(struct guest *gu)
{
	gu->svc = "fcopy";
	gu->version = IC_FCOPY_VERSION_1_1;
	start_guest(gu);
}

static void test_fcopy(void **state)
{
	struct guest *gu = *state;
	static uint8_t bytes[100000];
	char path[128], line[256];
	struct json_object *o;

	fcopy_start(gu);
	/* The instance GUID the 6.12 uio daemon looks for, eb765408-105f-49b6-b4aa-c123b64d17d4. */
	{
		static const uint8_t want[16] = { 0x08, 0x54, 0x76, 0xeb, 0x5f, 0x10, 0xb6, 0x49,
						  0xb4, 0xaa, 0xc1, 0x23, 0xb6, 0x4d, 0x17, 0xd4 };
		struct vmbus_channel_info i = channel_info_of(gu->e.srv, relid_of(&gu->e, "fcopy"));

		assert_memory_equal(i.instance_id.b, want, 16);
	}
	host_file(gu, path, sizeof(path), sizeof(bytes), bytes);
	snprintf(line, sizeof(line), "copy %s /tmp/dst/f.bin", path);
	o = expect_ok(gu, line);
	assert_int_equal(json_object_get_int64(json_object_object_get(o, "copied")),
			 sizeof(bytes));
	assert_false(json_object_get_boolean(json_object_object_get(o, "running")));
	json_object_put(o);
	assert_string_equal(gu->fc_name, "f.bin");
	assert_string_equal(gu->fc_dir, "/tmp/dst/");	/* the daemon creates what a '/' ends */
	assert_true(gu->fc_completed);
	assert_false(gu->fc_cancelled);
	assert_int_equal(gu->fc_dup_offsets, 0);
	assert_int_equal(gu->fc_len, sizeof(bytes));
	assert_memory_equal(gu->fc_data, bytes, sizeof(bytes));

	expect_error(gu, "copy", "usage");
	expect_error(gu, "copy /etc/hostname relative/x", "absolute");
	expect_error(gu, "copy /etc/hostname /tmp/", "absolute");
	expect_error(gu, "copy /nonexistent /tmp/x", "HOSTFILE");
}

static void test_fcopy_refused(void **state)
{
	struct guest *gu = *state;
	static uint8_t bytes[50000];
	char path[128], line[256];

	fcopy_start(gu);
	host_file(gu, path, sizeof(path), sizeof(bytes), bytes);
	gu->fc_exists = 1;
	snprintf(line, sizeof(line), "copy %s /tmp/f.bin", path);
	expect_error(gu, line, "exists");
	assert_true(gu->fc_cancelled);
	snprintf(line, sizeof(line), "copy --overwrite %s /tmp/f.bin", path);
	json_object_put(expect_ok(gu, line));
	assert_memory_equal(gu->fc_data, bytes, sizeof(bytes));

	gu->fc_full_at = 20000;
	expect_error(gu, line, "full");
	assert_true(gu->fc_cancelled);
	assert_false(gu->fc_completed);
	assert_int_equal(gu->fc_len, 0);	/* nothing partial left */
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_round_trips, setup, teardown),
		cmocka_unit_test_setup_teardown(test_version_3, setup, teardown),
		cmocka_unit_test_setup_teardown(test_ip_set, setup, teardown),
		cmocka_unit_test_setup_teardown(test_get_empty, setup, teardown),
		cmocka_unit_test_setup_teardown(test_bad_arguments, setup, teardown),
		cmocka_unit_test_setup_teardown(test_silent_guest, setup, teardown),
		cmocka_unit_test_setup_teardown(test_renegotiation_forgets_the_wire, setup, teardown),
		cmocka_unit_test_setup_teardown(test_bad_answers, setup, teardown),
		cmocka_unit_test_setup_teardown(test_vss_freeze_thaw, setup, teardown),
		cmocka_unit_test_setup_teardown(test_vss_auto_thaw, setup, teardown),
		cmocka_unit_test_setup_teardown(test_vss_failed_freeze, setup, teardown),
		cmocka_unit_test_setup_teardown(test_fcopy, setup, teardown),
		cmocka_unit_test_setup_teardown(test_fcopy_refused, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
