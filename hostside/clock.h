/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/* The host's monotonic clock in nanoseconds, for windows and accounting. */
#ifndef OVB_HOSTSIDE_CLOCK_H
#define OVB_HOSTSIDE_CLOCK_H

#include <stdint.h>
#include <time.h>

static inline uint64_t host_now_ns(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (uint64_t)t.tv_sec * 1000000000u + (uint64_t)t.tv_nsec;
}

#endif
