/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/* guestshim: PTP clock registration, keeping the one registered clock. */
#ifndef SHIM_LINUX_PTP_CLOCK_KERNEL_H
#define SHIM_LINUX_PTP_CLOCK_KERNEL_H
#include "../shim.h"
#include "linux/timekeeping.h"

struct ptp_clock_request;
struct ptp_clock_info {
	struct module *owner;
	char name[32];
	int max_adj;
	int (*adjfine)(struct ptp_clock_info *p, long scaled_ppm);
	int (*adjtime)(struct ptp_clock_info *p, s64 delta);
	int (*gettime64)(struct ptp_clock_info *p, struct timespec64 *ts);
	int (*settime64)(struct ptp_clock_info *p, const struct timespec64 *ts);
	int (*enable)(struct ptp_clock_info *p, struct ptp_clock_request *rq, int on);
};
struct ptp_clock {
	struct ptp_clock_info *info;
};

/* The clock registered last (NULL: none), for the fuzzer to read. */
extern struct ptp_clock *shim_ptp;
struct ptp_clock *ptp_clock_register(struct ptp_clock_info *info, struct device *parent);
void ptp_clock_unregister(struct ptp_clock *ptp);
#endif
