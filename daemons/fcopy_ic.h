/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/*
 * ovb-fcopyd on a uio channel (uio_chan.h): what the kernel's fcopy
 * driver did before 6.12, now ours. Each packet from the host is an
 * in-band VMBus packet carrying the IC headers (ovb/ic_proto.h) and
 * either a NEGOTIATE, answered here (framework 3.0, fcopy 1.1 only, as
 * Linux 6.1 hv_fcopy.c and 6.12's hv_fcopy_uio_daemon accept), or an
 * FCOPY message handed to fcopy_handle() (fcopy_file.h) in the form the
 * char device gives it: START's UTF-16LE names turned into UTF-8 in the
 * same fields. The answer is the request's payload with the status and
 * the RESPONSE flag set, on the same transaction id (what Linux sends).
 *
 * Pure, apart from fcopy_handle's files: every length, the descriptor's
 * type and offset and the names' encoding are checked here; a packet that
 * is not an IC message gets no answer, an IC message we refuse gets
 * HV_E_FAIL.
 */
#ifndef OVB_DAEMONS_FCOPY_IC_H
#define OVB_DAEMONS_FCOPY_IC_H

#include <stddef.h>
#include <stdint.h>

#include "daemons/fcopy_file.h"

struct fcopy_ic {
	struct fcopy_state *fc;
	uint32_t fw_version, srv_version;	/* 0 until negotiated */
	unsigned long refused;			/* packets dropped or failed here */
};

void fcopy_ic_init(struct fcopy_ic *ic, struct fcopy_state *fc);

/*
 * One packet (@len bytes, descriptor first): the answer's payload in @out
 * (UIO_CHAN_PKT_MAX bytes) and its length, 0 for none; *@tid its
 * transaction id. A uio_chan_handler with @ctx the struct fcopy_ic.
 */
size_t fcopy_ic_handle(void *ctx, const void *pkt, uint32_t len, void *out, uint64_t *tid);

#endif /* OVB_DAEMONS_FCOPY_IC_H */
