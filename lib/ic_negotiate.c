// SPDX-License-Identifier: GPL-2.0 OR MIT
/* IC version negotiation (lib/ic_negotiate.h). */
#include "lib/ic_negotiate.h"
#include "ovb/ic_proto.h"

#define NEG_HDR		sizeof(struct icmsg_negotiate)
#define NEG_VER		sizeof(struct ic_version)

static u32 ic_ver_get(const u8 *body, unsigned int k)
{
	struct ic_version v;

	memcpy(&v, body + NEG_HDR + k * NEG_VER, sizeof(v));
	return (u32)v.major << 16 | v.minor;
}

static void ic_ver_put(u8 *body, unsigned int k, u32 ver)
{
	struct ic_version v = { .major = (u16)(ver >> 16), .minor = (u16)ver };

	memcpy(body + NEG_HDR + k * NEG_VER, &v, sizeof(v));
}

static ovb_bool ic_listed(u32 ver, const u32 *list, unsigned int n)
{
	unsigned int i;

	for (i = 0; i < n; i++)
		if (list[i] == ver)
			return 1;
	return 0;
}

int ovb_ic_negotiate_offer(void *body, u32 len, const struct ovb_ic_versions *v)
{
	struct icmsg_negotiate n = { 0 };
	u8 *b = body;
	unsigned int i, k = 0;
	u32 need = NEG_HDR + (v->nfw + v->nsrv) * NEG_VER;

	if (v->nfw > 0xffff || v->nsrv > 0xffff || len < need)
		return -EMSGSIZE;
	n.icframe_vercnt = (u16)v->nfw;
	n.icmsg_vercnt = (u16)v->nsrv;
	memcpy(b, &n, sizeof(n));
	for (i = 0; i < v->nfw; i++)
		ic_ver_put(b, k++, v->fw[i]);
	for (i = 0; i < v->nsrv; i++)
		ic_ver_put(b, k++, v->srv[i]);
	return (int)need;
}

int ovb_ic_negotiate_check(const void *body, u32 len, const struct ovb_ic_versions *v,
			   u32 *fw, u32 *srv)
{
	struct icmsg_negotiate n;

	if (len < NEG_HDR)
		return -EINVAL;
	memcpy(&n, body, sizeof(n));
	if (!n.icframe_vercnt && !n.icmsg_vercnt)
		return -EPROTO;
	if (n.icframe_vercnt != 1 || n.icmsg_vercnt != 1 || len < NEG_HDR + 2 * NEG_VER)
		return -EINVAL;
	*fw = ic_ver_get(body, 0);
	*srv = ic_ver_get(body, 1);
	if (!ic_listed(*fw, v->fw, v->nfw) || !ic_listed(*srv, v->srv, v->nsrv))
		return -EINVAL;
	return 0;
}

/* The first of @ours (newest first) that the offer lists in [@from, @from + @n). */
static ovb_bool ic_pick(const u8 *body, unsigned int from, unsigned int n, const u32 *ours,
			unsigned int nours, u32 *out)
{
	unsigned int i, k;

	for (i = 0; i < nours; i++)
		for (k = 0; k < n; k++)
			if (ic_ver_get(body, from + k) == ours[i]) {
				*out = ours[i];
				return 1;
			}
	return 0;
}

int ovb_ic_negotiate_answer(void *body, u32 len, const struct ovb_ic_versions *v,
			    u32 *fw, u32 *srv)
{
	struct icmsg_negotiate n;
	u8 *b = body;
	ovb_bool ok;

	if (len < NEG_HDR)
		return -EINVAL;
	memcpy(&n, b, sizeof(n));
	if ((u32)n.icframe_vercnt + n.icmsg_vercnt > (len - NEG_HDR) / NEG_VER)
		return -EINVAL;
	ok = ic_pick(b, 0, n.icframe_vercnt, v->fw, v->nfw, fw) &&
	     ic_pick(b, n.icframe_vercnt, n.icmsg_vercnt, v->srv, v->nsrv, srv);
	if (!ok || len < NEG_HDR + 2 * NEG_VER) {
		n.icframe_vercnt = 0;
		n.icmsg_vercnt = 0;
		memcpy(b, &n, sizeof(n));
		return -EPROTO;
	}
	n.icframe_vercnt = 1;
	n.icmsg_vercnt = 1;
	memcpy(b, &n, sizeof(n));
	ic_ver_put(b, 0, *fw);
	ic_ver_put(b, 1, *srv);
	return (int)(NEG_HDR + 2 * NEG_VER);
}
