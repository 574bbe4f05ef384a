/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/* guestshim: the wall clock (set by the fuzzer's own do_settimeofday64). */
#ifndef SHIM_LINUX_TIMEKEEPING_H
#define SHIM_LINUX_TIMEKEEPING_H
#include "../shim.h"

#define S64_MAX		((s64)(~0ULL >> 1))

struct timespec64 {
	s64 tv_sec;
	long tv_nsec;
};

static inline struct timespec64 ns_to_timespec64(s64 ns)
{
	struct timespec64 ts = { ns / 1000000000, (long)(ns % 1000000000) };

	if (ts.tv_nsec < 0) {
		ts.tv_sec--;
		ts.tv_nsec += 1000000000;
	}
	return ts;
}

/* Defined by the fuzzer that needs it (it checks what the guest sets). */
int do_settimeofday64(const struct timespec64 *ts);
#endif
