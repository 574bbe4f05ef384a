// SPDX-License-Identifier: GPL-2.0 OR MIT
/* Log replay with record checks at each FLUSH/FUA entry: see replay.h. */
#include <inttypes.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "tests/crash/fdio.h"
#include "tests/crash/record.h"
#include "tests/crash/replay.h"

#define COPY_CHUNK (1u << 20)

struct replay {
	struct lw_log *l;
	int fd;
	const struct replay_opts *o;
	struct replay_stats *st;
	unsigned char *buf;	/* COPY_CHUNK bytes: data in transit, records read */
	uint64_t nrec;		/* records the device holds */
	bool *ok;		/* record passed and nothing wrote it since */
};

/* Bytes [off, off + len) of the device changed: its records need a look. */
static void replay_touch(struct replay *r, uint64_t off, uint64_t len)
{
	uint64_t i, last;

	if (!r->o->rec_size || !len)
		return;
	last = (off + len - 1) / r->o->rec_size;
	for (i = off / r->o->rec_size; i <= last && i < r->nrec; i++)
		r->ok[i] = false;
}

/* Apply a write (data from the log) or a discard (zeros) to the image. */
static int replay_apply(struct replay *r, const struct lw_entry *e, const char **err)
{
	uint64_t ss = r->l->sectorsize;
	uint64_t off = e->sector * ss, len = e->nr_sectors * ss, done;

	for (done = 0; done < len;) {
		size_t n = len - done < COPY_CHUNK ? (size_t)(len - done) : COPY_CHUNK;

		if (e->flags & LW_DISCARD)
			memset(r->buf, 0, n);
		else if (r->l->read(r->l->ctx, r->buf, n, e->data_off + done)) {
			*err = "log ends inside an entry's data (truncated log)";
			return -1;
		}
		if (fd_pwrite_all(r->fd, r->buf, n, off + done)) {
			*err = "cannot write the replay image";
			return -1;
		}
		done += n;
	}
	replay_touch(r, off, len);
	return 0;
}

/* "<prefix>N": records 0..N were reported durable. Other marks: ignored. */
static int replay_mark(struct replay *r, const char *text, const char **err)
{
	const char *pfx = r->o->mark_prefix ? r->o->mark_prefix : "done-";
	size_t pl = strlen(pfx);
	uint64_t n = 0;
	const char *p;

	if (!r->o->rec_size)
		return 0;
	if (strncmp(text, pfx, pl) || !text[pl])
		return 0;
	for (p = text + pl; *p; p++) {
		if (*p < '0' || *p > '9' || n > UINT64_MAX / 10 - 1) {
			*err = "bad record number in a mark";
			return -1;
		}
		n = n * 10 + (uint64_t)(*p - '0');
	}
	if (n >= r->nrec) {
		*err = "a mark names a record beyond the device";
		return -1;
	}
	if (n + 1 > r->st->reported)
		r->st->reported = n + 1;
	return 0;
}

/* Check the records due that a write may have changed since they passed. */
static int replay_check(struct replay *r, const char *where, uint64_t entry, bool point)
{
	uint32_t size = r->o->rec_size, at;
	const char *why;
	uint64_t i;
	bool due = false;

	for (i = 0; i < r->st->reported; i++) {
		due = true;
		if (r->ok[i])
			continue;
		if (fd_pread_all(r->fd, r->buf, size, i * size))
			return -1;
		r->st->checks++;
		if (!record_check(r->buf, size, i, r->o->salt, &why, &at)) {
			r->ok[i] = true;
			continue;
		}
		if (!r->st->failures)
			r->st->first_bad_entry = entry;
		if (r->o->report && r->st->failures < r->o->max_reports)
			fprintf(r->o->report, "logreplay: %s (entry %" PRIu64 "): record %" PRIu64
				" reported durable but %s (byte %u of %u)\n",
				where, entry, i, why, at, size);
		r->st->failures++;
	}
	if (due && point)
		r->st->points_checked++;
	return 0;
}

static void replay_count(struct replay_stats *st, const struct lw_entry *e)
{
	st->entries++;
	if (e->flags & LW_MARK)
		st->marks++;
	else if (e->flags & LW_DISCARD)
		st->discards++;
	else if (e->nr_sectors)
		st->writes++;
	if (e->flags & LW_FLUSH)
		st->flushes++;
	if (e->flags & LW_FUA)
		st->fuas++;
}

int replay_run(struct lw_log *l, int out_fd, const struct replay_opts *o,
	       struct replay_stats *st, const char **err)
{
	struct replay r = { .l = l, .fd = out_fd, .o = o, .st = st };
	struct lw_entry *e = malloc(sizeof(*e));
	char flags[48], where[64];
	int ret = -1, got;

	memset(st, 0, sizeof(*st));
	if (o->rec_size && !record_size_ok(o->rec_size)) {
		*err = "bad record size";
		goto out;
	}
	r.nrec = o->rec_size ? o->dev_size / o->rec_size : 0;
	r.buf = malloc(COPY_CHUNK);
	r.ok = calloc(r.nrec + 1, sizeof(*r.ok));
	if (!e || !r.buf || !r.ok) {
		*err = "out of memory";
		goto out;
	}
	while ((got = lw_next(l, e, o->dev_size, err)) == 1) {
		replay_count(st, e);
		if (o->verbose && o->report)
			fprintf(o->report, "entry %" PRIu64 ": %s sector %" PRIu64 " +%" PRIu64 "%s%s\n",
				e->index, lw_flags_str(e->flags, flags), e->sector, e->nr_sectors,
				e->mark[0] ? " mark " : "", e->mark);
		if (e->flags & LW_MARK) {
			if (replay_mark(&r, e->mark, err))
				goto out;
			continue;
		}
		if (e->nr_sectors && replay_apply(&r, e, err))
			goto out;
		if (!(e->flags & (LW_FLUSH | LW_FUA)))
			continue;
		st->points++;
		snprintf(where, sizeof(where), "point %" PRIu64 " (%s)", st->points,
			 lw_flags_str(e->flags, flags));
		if (replay_check(&r, where, e->index, true)) {
			*err = "cannot read the replay image";
			goto out;
		}
	}
	if (got < 0)
		goto out;
	if (replay_check(&r, "end", l->next, false)) {
		*err = "cannot read the replay image";
		goto out;
	}
	ret = 0;
out:
	free(r.ok);
	free(r.buf);
	free(e);
	return ret;
}
