// SPDX-License-Identifier: GPL-2.0 OR MIT
/* ovb-fcopyd's IC framing on a uio channel (fcopy_ic.h). */
#include "daemons/fcopy_ic.h"

#include <errno.h>
#include <string.h>

#include "daemons/daemon.h"
#include "daemons/uio_chan.h"
#include "hostside/icvsp/utf16.h"
#include "lib/ic_negotiate.h"
#include "ovb/ring.h"

static const uint32_t fcopy_fw_versions[] = { IC_FW_VERSION_3 };
static const uint32_t fcopy_srv_versions[] = { IC_FCOPY_VERSION_1_1 };

void fcopy_ic_init(struct fcopy_ic *ic, struct fcopy_state *fc)
{
	memset(ic, 0, sizeof(*ic));
	ic->fc = fc;
	fc->kernel_version = 1;	/* no kernel to register with: never take a message for it */
}

/* Answer in place; *@alen the answer's length (Linux puts it in icmsgsize). */
static uint32_t ic_negotiate(struct fcopy_ic *ic, uint8_t *body, uint32_t len, uint16_t *alen)
{
	const struct ovb_ic_versions v = {
		.fw = fcopy_fw_versions, .nfw = 1, .srv = fcopy_srv_versions, .nsrv = 1,
	};
	uint32_t fw, srv;
	int ret = ovb_ic_negotiate_answer(body, len, &v, &fw, &srv);

	if (ret >= 0 || ret == -EPROTO)
		*alen = (uint16_t)(ret >= 0 ? ret : (int)sizeof(struct icmsg_negotiate));
	if (ret < 0) {
		ovbd_log_peer(OVBD_WARNING, ret == -EPROTO ?
			      "the host offers neither framework 3.0 nor fcopy 1.1" :
			      "a malformed %u-byte version negotiation", len);
		return HV_E_FAIL;
	}
	if (srv != ic->srv_version || fw != ic->fw_version)
		ovbd_log(OVBD_INFO, "fcopy service version %u.%u, framework %u.%u", srv >> 16,
			 srv & 0xffff, fw >> 16, fw & 0xffff);
	ic->fw_version = fw;
	ic->srv_version = srv;
	return HV_S_OK;
}

/* START in the char device's form: the host's UTF-16LE names as UTF-8, in their fields. */
static bool start_to_utf8(const uint8_t *body, struct fcopy_start *s)
{
	struct fcopy_start in;

	memcpy(&in, body, sizeof(in));
	memset(s, 0, sizeof(*s));
	s->hdr.operation = IC_FCOPY_START;
	s->copy_flags = in.copy_flags;
	s->file_size = in.file_size;
	return !utf16_to_utf8((const uint8_t *)in.file_name, sizeof(in.file_name),
			      (char *)s->file_name, sizeof(s->file_name)) &&
	       !utf16_to_utf8((const uint8_t *)in.path_name, sizeof(in.path_name),
			      (char *)s->path_name, sizeof(s->path_name));
}

static uint32_t ic_fcopy(struct fcopy_ic *ic, const uint8_t *body, uint32_t len)
{
	struct fcopy_start s;
	uint32_t op, st;

	if (!ic->srv_version) {
		ovbd_log_peer(OVBD_WARNING, "an fcopy message before the version negotiation");
		return HV_E_FAIL;
	}
	if (len < sizeof(struct fcopy_hdr)) {
		ovbd_log_peer(OVBD_WARNING, "a %u-byte fcopy message", len);
		return HV_E_FAIL;
	}
	memcpy(&op, body, sizeof(op));
	if (op == IC_FCOPY_START) {
		if (len < sizeof(s) || !start_to_utf8(body, &s)) {
			ovbd_log_peer(OVBD_WARNING, "a START of %u bytes or with bad UTF-16 names",
				      len);
			fcopy_abort(ic->fc);	/* as a START would: no copy is under way now */
			return HV_E_FAIL;
		}
		body = (const uint8_t *)&s;
		len = sizeof(s);
	}
	fcopy_handle(ic->fc, body, len, &st);
	return st;
}

size_t fcopy_ic_handle(void *ctx, const void *pkt, uint32_t len, void *out, uint64_t *tid)
{
	struct fcopy_ic *ic = ctx;
	struct ovb_vmpacket_desc d;
	struct icmsg_hdr h;
	uint32_t off, plen, st;
	uint16_t alen = 0;
	uint8_t *o = out;

	if (len < sizeof(d))
		goto drop;
	memcpy(&d, pkt, sizeof(d));
	off = (uint32_t)d.offset8 * 8;
	if (d.type != OVB_VMPKT_DATA_INBAND || off < sizeof(d) || off > len)
		goto drop;
	plen = len - off;	/* the padding to 8 bytes included, as Linux takes it */
	if (plen < ICMSG_HDR_SIZE || plen > UIO_CHAN_PKT_MAX - sizeof(d))
		goto drop;
	memcpy(o, (const uint8_t *)pkt + off, plen);
	memcpy(&h, o + sizeof(struct vmbuspipe_hdr), sizeof(h));
	if (h.icmsgtype == ICMSGTYPE_NEGOTIATE) {
		st = ic_negotiate(ic, o + ICMSG_HDR_SIZE, plen - (uint32_t)ICMSG_HDR_SIZE, &alen);
	} else if (h.icmsgtype == ICMSGTYPE_FCOPY) {
		st = ic_fcopy(ic, o + ICMSG_HDR_SIZE, plen - (uint32_t)ICMSG_HDR_SIZE);
	} else {
		ovbd_log_peer(OVBD_WARNING, "IC message type %u refused", h.icmsgtype);
		st = HV_E_FAIL;
	}
	if (st != HV_S_OK)
		ic->refused++;
	h.status = st;
	if (alen)
		h.icmsgsize = alen;
	h.icflags = ICMSGHDRFLAG_TRANSACTION | ICMSGHDRFLAG_RESPONSE;
	memcpy(o + sizeof(struct vmbuspipe_hdr), &h, sizeof(h));
	*tid = d.trans_id;
	return plen;
drop:
	ic->refused++;
	ovbd_log_peer(OVBD_WARNING, "a %u-byte packet that is no IC message dropped", len);
	return 0;
}
