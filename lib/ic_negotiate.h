/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/*
 * Integration-service version negotiation, both sides (include/ovb/
 * ic_proto.h). The host's NEGOTIATE lists its framework versions, then
 * its service versions (struct icmsg_negotiate); the guest answers with
 * one of each it also speaks (counts 1 and 1), or with counts 0 when
 * there is none (Linux drivers/hv/channel_mgmt.c vmbus_prep_negotiate_resp).
 * Version lists are IC_VERSION(major, minor) values, newest first. The
 * bytes are the peer's: every count is checked against the length.
 */
#ifndef OVB_LIB_IC_NEGOTIATE_H
#define OVB_LIB_IC_NEGOTIATE_H

#include "lib/compat.h"
#include "ovb/ic_proto.h"

/* The IC framework versions openvmbus speaks, newest first. */
#define OVB_IC_FW_VERSIONS	{ IC_FW_VERSION_3, IC_FW_VERSION_1 }
#define OVB_IC_NR_FW_VERSIONS	2

struct ovb_ic_versions {
	const u32 *fw, *srv;
	unsigned int nfw, nsrv;
};

/*
 * Host: write the NEGOTIATE body offering @v into @body (@len bytes).
 * Returns the body's length, or -EMSGSIZE.
 */
int ovb_ic_negotiate_offer(void *body, u32 len, const struct ovb_ic_versions *v);

/*
 * Host: check the guest's answer (@len bytes) against what @v offered.
 * 0 with *@fw and *@srv set, -EPROTO if it chose nothing (counts 0), or
 * -EINVAL if it is short or names a version we did not offer.
 */
int ovb_ic_negotiate_check(const void *body, u32 len, const struct ovb_ic_versions *v,
			   u32 *fw, u32 *srv);

/*
 * Guest: pick from the host's offer in @body (@len bytes) the newest of
 * each list in @v that the host also lists, and rewrite @body in place
 * into the answer. Returns the answer's length with *@fw and *@srv set,
 * -EPROTO if nothing matched (the answer, counts 0, is still written:
 * 8 bytes), or -EINVAL if the offer is malformed (nothing written).
 */
int ovb_ic_negotiate_answer(void *body, u32 len, const struct ovb_ic_versions *v,
			    u32 *fw, u32 *srv);

#endif /* OVB_LIB_IC_NEGOTIATE_H */
