/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/*
 * ovb-host logging: one line to stderr, prefixed.
 *
 * Every line a guest can cause goes through a rate limiter, so a hostile
 * guest cannot flood the host's log: log_rl() with the device's own
 * struct log_ratelimit (a burst of LOG_RL_BURST lines, then one per
 * LOG_RL_INTERVAL_NS; the next line that passes first says how many were
 * suppressed), or log_guest()/log_io() with one limiter per call site.
 */
#ifndef OVB_HOST_LOG_H
#define OVB_HOST_LOG_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "hostside/clock.h"

extern int log_verbose;

#define log_err(fmt, ...)  fprintf(stderr, "ovb-host: " fmt "\n", ##__VA_ARGS__)
#define log_info(fmt, ...) fprintf(stderr, "ovb-host: " fmt "\n", ##__VA_ARGS__)
#define log_dbg(fmt, ...)  do { if (log_verbose) \
	fprintf(stderr, "ovb-host: " fmt "\n", ##__VA_ARGS__); } while (0)

#define LOG_RL_BURST		10u
#define LOG_RL_INTERVAL_NS	1000000000ull
/*
 * For state lines a guest repeats legitimately (connects, unloads,
 * negotiations: a test reloading the guest's modules 20 times in 30 s
 * counts them), still bounded under a flood.
 */
#define LOG_RL_STATE_BURST	64u

/* A token bucket; zero-initialised (or LOG_RATELIMIT_INIT) is full. */
struct log_ratelimit {
	pthread_mutex_t lock;
	unsigned int burst;		/* 0: LOG_RL_BURST */
	bool started;
	unsigned int tokens;
	uint64_t last_ns;		/* when the last token was added */
	unsigned long suppressed;	/* since the last line that passed */
};
#define LOG_RATELIMIT_INIT { .lock = PTHREAD_MUTEX_INITIALIZER }

/*
 * May a line be printed now? If so and lines were suppressed before it,
 * *@suppressed says how many (and the count starts again). Any thread.
 */
static inline bool log_rl_allow(struct log_ratelimit *rl, unsigned long *suppressed)
{
	uint64_t now = host_now_ns();
	unsigned int burst;
	bool ok;

	pthread_mutex_lock(&rl->lock);
	burst = rl->burst ? rl->burst : LOG_RL_BURST;
	if (!rl->started) {
		rl->started = true;
		rl->tokens = burst;
		rl->last_ns = now;
	} else if (now - rl->last_ns >= LOG_RL_INTERVAL_NS) {
		uint64_t add = (now - rl->last_ns) / LOG_RL_INTERVAL_NS;

		rl->tokens = add >= burst - rl->tokens ? burst : rl->tokens + (unsigned int)add;
		rl->last_ns += add * LOG_RL_INTERVAL_NS;
	}
	ok = rl->tokens > 0;
	*suppressed = 0;
	if (ok) {
		rl->tokens--;
		*suppressed = rl->suppressed;
		rl->suppressed = 0;
	} else {
		rl->suppressed++;
	}
	pthread_mutex_unlock(&rl->lock);
	return ok;
}

#define log_rl(rl, fmt, ...) do {                                             \
	unsigned long log_supp_;                                              \
	if (log_rl_allow((rl), &log_supp_)) {                                 \
		if (log_supp_)                                                \
			fprintf(stderr, "ovb-host: %lu messages suppressed\n", \
				log_supp_);                                   \
		fprintf(stderr, "ovb-host: " fmt "\n", ##__VA_ARGS__);        \
	}                                                                     \
} while (0)

/* One limiter per call site. */
#define log_limited(prefix, fmt, ...) do {                                    \
	static struct log_ratelimit log_site_rl_ = LOG_RATELIMIT_INIT;        \
	log_rl(&log_site_rl_, prefix fmt, ##__VA_ARGS__);                     \
} while (0)

/* Complaints about guest input. */
#define log_guest(fmt, ...) log_limited("guest: ", fmt, ##__VA_ARGS__)
/* Errors of the host's own I/O that a guest can provoke again and again. */
#define log_io(fmt, ...) log_limited("", fmt, ##__VA_ARGS__)

#endif /* OVB_HOST_LOG_H */
