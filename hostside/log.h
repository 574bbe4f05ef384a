/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/*
 * ovb-host logging: one line to stderr, prefixed. log_guest() is for
 * complaints about guest input and is rate limited per call site, so a
 * hostile guest cannot flood the host's log.
 */
#ifndef OVB_HOST_LOG_H
#define OVB_HOST_LOG_H

#include <stdio.h>
#include <time.h>

extern int log_verbose;

#define log_err(fmt, ...)  fprintf(stderr, "ovb-host: " fmt "\n", ##__VA_ARGS__)
#define log_info(fmt, ...) fprintf(stderr, "ovb-host: " fmt "\n", ##__VA_ARGS__)
#define log_dbg(fmt, ...)  do { if (log_verbose) \
	fprintf(stderr, "ovb-host: " fmt "\n", ##__VA_ARGS__); } while (0)

/* At most 10 lines per call site per 5 seconds. */
#define log_limited(prefix, fmt, ...) do {                                  \
	static time_t log_window_;                                            \
	static unsigned int log_count_;                                       \
	time_t log_now_ = time(NULL);                                         \
	if (log_now_ - log_window_ >= 5) {                                    \
		log_window_ = log_now_;                                       \
		log_count_ = 0;                                               \
	}                                                                     \
	if (log_count_++ < 10)                                                \
		fprintf(stderr, "ovb-host: " prefix fmt "\n", ##__VA_ARGS__); \
} while (0)

/* Complaints about guest input. */
#define log_guest(fmt, ...) log_limited("guest: ", fmt, ##__VA_ARGS__)
/* Errors of the host's own I/O that a guest can provoke again and again. */
#define log_io(fmt, ...) log_limited("", fmt, ##__VA_ARGS__)

#endif /* OVB_HOST_LOG_H */
