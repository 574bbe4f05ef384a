/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/*
 * Replay a dm-log-writes log (logwrites.h) onto a fresh image, entry by
 * entry, and at every replay point -- each FLUSH or FUA entry, the states a
 * power cut could leave -- check the numbered records (record.h) that the
 * guest had reported durable before that point.
 *
 * Which records those are comes from marks in the log: whoever watches the
 * guest inserts the mark "<prefix>N" (dmsetup message ... mark done-N) once
 * the guest has said records 0..N are durable (it writes them in order and
 * reports each only after its flush or FUA write completed). A mark lands in
 * the log after every FLUSH/FUA entry that completed before it, so a record
 * named by a mark must be intact at every later replay point. (Records the
 * guest reported but whose mark came later are checked from the mark on:
 * the check can miss a late record, never blame a good one.)
 *
 * Replaying all entries once and checking at each point in turn gives the
 * same images as replaying from scratch up to each point. A record that
 * passed is checked again only after a write touched it.
 */
#ifndef OVB_TESTS_CRASH_REPLAY_H
#define OVB_TESTS_CRASH_REPLAY_H

#include <stdint.h>
#include <stdio.h>

#include "tests/crash/logwrites.h"

struct replay_opts {
	uint64_t dev_size;		/* bytes of the logged (and replayed) device */
	uint32_t rec_size;		/* record n at byte n * rec_size; 0: no checks */
	uint64_t salt;			/* the guest's salt (record.h) */
	const char *mark_prefix;	/* default "done-" */
	FILE *report;			/* failure lines (and -v lines); NULL: quiet */
	unsigned int max_reports;	/* failure lines printed, at most */
	int verbose;			/* a line per entry */
};

struct replay_stats {
	uint64_t entries, writes, flushes, fuas, discards, marks;
	uint64_t points;		/* FLUSH/FUA entries replayed up to */
	uint64_t points_checked;	/* of those, points with records due */
	uint64_t checks;		/* record checks made */
	uint64_t failures;		/* record checks failed */
	uint64_t reported;		/* records 0..reported-1 named by marks */
	uint64_t first_bad_entry;	/* entry of the first failure (if any) */
};

/*
 * Replay every entry of @l onto @out_fd (bytes 0..dev_size, which the
 * caller has zeroed: the device's state before the log began) and check
 * records at each point and once more at the end. 0 when the log was read
 * whole (failed checks are in st->failures); -1 with *err for a corrupt or
 * truncated log, a bad mark, or an I/O error.
 */
int replay_run(struct lw_log *l, int out_fd, const struct replay_opts *o,
	       struct replay_stats *st, const char **err);

#endif
