// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * The dm-log-writes replay and record checker (tests/crash): synthetic logs
 * built here in the kernel's format, replayed onto a temp file. Good logs
 * replay to the right image with the right points; a record that a mark
 * calls durable but that is missing, stale, corrupt or overwritten at some
 * replay point fails; a corrupt or truncated log is an error.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "tests/crash/record.h"
#include "tests/crash/replay.h"

#define DEV_SIZE (256u * 1024)
#define REC 4096u
#define SALT 77u

/* A log under construction: the super's sector, then entries. */
struct logbuf {
	unsigned char *p;
	size_t len;
	uint32_t ss;
	uint64_t n;
	int img_fd;
	char img[32];
};

static void put64(unsigned char *p, uint64_t v)
{
	int i;

	for (i = 0; i < 8; i++)
		p[i] = (unsigned char)(v >> (8 * i));
}

static void lb_grow(struct logbuf *b, size_t more)
{
	b->p = realloc(b->p, b->len + more);
	assert_non_null(b->p);
	memset(b->p + b->len, 0, more);
	b->len += more;
}

/* Super with nr_entries = the entries so far (call again to update). */
static void lb_super(struct logbuf *b, uint64_t magic, uint64_t version, uint32_t ss)
{
	put64(b->p, magic);
	put64(b->p + 8, version);
	put64(b->p + 16, b->n);
	put64(b->p + 24, ss | 0xdeadbeef00000000ull);	/* the padding is garbage */
}

static void lb_raw(struct logbuf *b, uint64_t sector, uint64_t nr, uint64_t flags,
		   uint64_t data_len, const void *data, size_t bytes)
{
	size_t at = b->len;

	lb_grow(b, b->ss + bytes);
	put64(b->p + at, sector);
	put64(b->p + at + 8, nr);
	put64(b->p + at + 16, flags);
	put64(b->p + at + 24, data_len);
	if (flags & LW_MARK)
		memcpy(b->p + at + 32, data, data_len);
	else if (bytes)
		memcpy(b->p + at + b->ss, data, bytes);
	b->n++;
	lb_super(b, LW_MAGIC, LW_VERSION, b->ss);
}

static void lb_write(struct logbuf *b, uint64_t byte_off, const void *data, size_t len,
		     uint32_t flags)
{
	lb_raw(b, byte_off / b->ss, len / b->ss, flags, 0, data, len);
}

static void lb_rec(struct logbuf *b, uint64_t n, uint32_t flags)
{
	unsigned char rec[REC];

	record_fill(rec, REC, n, SALT);
	lb_write(b, n * REC, rec, REC, flags);
}

static void lb_flush(struct logbuf *b)
{
	lb_raw(b, 0, 0, LW_FLUSH, 0, NULL, 0);
}

static void lb_mark(struct logbuf *b, const char *text)
{
	lb_raw(b, 0, 0, LW_MARK, strlen(text), text, 0);
}

static int mem_read(void *ctx, void *buf, size_t len, uint64_t off)
{
	struct logbuf *b = ctx;

	if (off > b->len || len > b->len - off)
		return -1;
	memcpy(buf, b->p + off, len);
	return 0;
}

static int setup(void **state)
{
	struct logbuf *b = calloc(1, sizeof(*b));

	if (!b)
		return -1;
	b->ss = 512;
	lb_grow(b, b->ss);
	lb_super(b, LW_MAGIC, LW_VERSION, b->ss);
	strcpy(b->img, "/tmp/logreplay_test.XXXXXX");
	b->img_fd = mkstemp(b->img);
	if (b->img_fd < 0 || ftruncate(b->img_fd, DEV_SIZE))
		return -1;
	*state = b;
	return 0;
}

static int teardown(void **state)
{
	struct logbuf *b = *state;

	close(b->img_fd);
	unlink(b->img);
	free(b->p);
	free(b);
	return 0;
}

/* Replay @b onto its image; the return value of replay_run. */
static int run(struct logbuf *b, struct replay_stats *st, const char **err)
{
	struct replay_opts o = { .dev_size = DEV_SIZE, .rec_size = REC, .salt = SALT,
				 .mark_prefix = "done-", .max_reports = 5 };
	struct lw_log l;
	int ret;

	*err = NULL;
	if (lw_open(&l, mem_read, b, b->len, err))
		return -2;
	ret = replay_run(&l, b->img_fd, &o, st, err);
	lw_close(&l);
	return ret;
}

static void assert_image_has(struct logbuf *b, uint64_t n)
{
	unsigned char rec[REC];
	const char *why;
	uint32_t at;

	assert_int_equal(pread(b->img_fd, rec, REC, (off_t)(n * REC)), REC);
	assert_int_equal(record_check(rec, REC, n, SALT, &why, &at), 0);
}

static void test_record_format(void **state)
{
	unsigned char rec[2 * REC];
	const char *why;
	uint32_t at;

	(void)state;
	record_fill(rec, sizeof(rec), 5, SALT);
	assert_int_equal(record_check(rec, sizeof(rec), 5, SALT, &why, &at), 0);
	assert_int_equal(record_check(rec, sizeof(rec), 6, SALT, &why, &at), -1);
	assert_string_equal(why, "header of another record");
	assert_int_equal(record_check(rec, sizeof(rec), 5, SALT + 1, &why, &at), -1);
	assert_string_equal(why, "a record of another run (salt)");
	rec[REC + 100] ^= 1;	/* in the second 4 KiB piece of the check */
	assert_int_equal(record_check(rec, sizeof(rec), 5, SALT, &why, &at), -1);
	assert_string_equal(why, "payload differs");
	assert_int_equal(at, REC + 100);
	memset(rec, 0, sizeof(rec));
	assert_int_equal(record_check(rec, sizeof(rec), 5, SALT, &why, &at), -1);
	assert_string_equal(why, "no record header (zeros: never written)");
	assert_false(record_size_ok(512));
	assert_false(record_size_ok(4096 + 512));
	assert_true(record_size_ok(REC));
}

/* Flushes, FUA, marks, a batch flushed at once: all pass, image as written. */
static void test_good_log(void **state)
{
	struct logbuf *b = *state;
	struct replay_stats st;
	const char *err;

	lb_rec(b, 0, 0);
	lb_flush(b);			/* point 1: nothing reported yet */
	lb_mark(b, "done-0");
	lb_rec(b, 1, LW_FUA);		/* point 2: checks 0 */
	lb_mark(b, "done-1");
	lb_mark(b, "unrelated mark");
	lb_rec(b, 3, 0);		/* a batch, completed out of order */
	lb_rec(b, 2, 0);
	lb_rec(b, 4, LW_METADATA);
	lb_flush(b);			/* point 3: checks 0, 1 */
	lb_mark(b, "done-4");
	lb_flush(b);			/* point 4: checks 0..4 */
	lb_mark(b, "dm-log-writes-end");
	assert_int_equal(run(b, &st, &err), 0);
	assert_int_equal(st.entries, 13);
	assert_int_equal(st.writes, 5);
	assert_int_equal(st.flushes, 3);
	assert_int_equal(st.fuas, 1);
	assert_int_equal(st.marks, 5);
	assert_int_equal(st.points, 4);
	assert_int_equal(st.points_checked, 3);
	assert_int_equal(st.reported, 5);
	/* Each record checked once: nothing wrote a record after it passed. */
	assert_int_equal(st.checks, 5);
	assert_int_equal(st.failures, 0);
	for (uint64_t n = 0; n < 5; n++)
		assert_image_has(b, n);
}

/*
 * A host that acknowledged a flush it never did: the guest reported record
 * 0, the mark went in, and the record's write reached the log only later.
 */
static void test_reported_but_not_durable(void **state)
{
	struct logbuf *b = *state;
	struct replay_stats st;
	const char *err;

	lb_mark(b, "done-0");
	lb_flush(b);			/* point 1: record 0 due, not there */
	lb_rec(b, 0, 0);
	lb_flush(b);			/* point 2: there now */
	assert_int_equal(run(b, &st, &err), 0);
	assert_int_equal(st.points, 2);
	assert_int_equal(st.failures, 1);
	assert_int_equal(st.first_bad_entry, 1);
	assert_image_has(b, 0);
}

static void test_corrupt_record(void **state)
{
	struct logbuf *b = *state;
	unsigned char rec[REC];
	struct replay_stats st;
	const char *err;

	record_fill(rec, REC, 1, SALT);
	rec[3000] ^= 0x40;
	lb_rec(b, 0, LW_FUA);
	lb_write(b, 1 * REC, rec, REC, LW_FUA);
	lb_mark(b, "done-1");
	lb_flush(b);
	assert_int_equal(run(b, &st, &err), 0);
	/* The point and the end both see it. */
	assert_int_equal(st.failures, 2);
	assert_int_equal(st.first_bad_entry, 3);
}

/* A record that passed is checked again once a later write touched it. */
static void test_overwrite_after_durable(void **state)
{
	struct logbuf *b = *state;
	unsigned char junk[512];
	struct replay_stats st;
	const char *err;

	memset(junk, 0xa5, sizeof(junk));
	lb_rec(b, 2, 0);
	lb_flush(b);
	lb_mark(b, "done-2");		/* 0 and 1 were never written: they fail too */
	lb_flush(b);
	assert_int_equal(run(b, &st, &err), 0);
	assert_int_equal(st.failures, 2 + 2);	/* records 0, 1 at point 2 and at the end */

	teardown(state);
	setup(state);
	b = *state;
	for (uint64_t n = 0; n < 3; n++)
		lb_rec(b, n, LW_FUA);
	lb_mark(b, "done-2");
	lb_flush(b);			/* all good */
	lb_write(b, 1 * REC + 1024, junk, sizeof(junk), 0);
	lb_flush(b);			/* record 1 broken */
	lb_raw(b, 2 * REC / 512, REC / 512, LW_DISCARD, 0, NULL, 0);
	lb_flush(b);			/* and record 2 discarded */
	assert_int_equal(run(b, &st, &err), 0);
	assert_int_equal(st.discards, 1);
	assert_int_equal(st.points, 6);
	assert_int_equal(st.failures, 1 + 2 + 2);
	assert_int_equal(st.first_bad_entry, 6);
}

/* 4 KiB sectors: offsets and data sizes scale with the sector size. */
static void test_4k_sectors(void **state)
{
	struct logbuf *b = *state;
	struct replay_stats st;
	const char *err;

	b->ss = 4096;
	b->len = 0;
	lb_grow(b, b->ss);
	lb_rec(b, 3, LW_FUA);
	lb_mark(b, "rec-3");
	lb_flush(b);
	{
		struct replay_opts o = { .dev_size = DEV_SIZE, .rec_size = REC, .salt = SALT,
					 .mark_prefix = "rec-" };
		struct lw_log l;

		assert_int_equal(lw_open(&l, mem_read, b, b->len, &err), 0);
		assert_int_equal(l.sectorsize, 4096);
		assert_int_equal(replay_run(&l, b->img_fd, &o, &st, &err), 0);
		lw_close(&l);
	}
	assert_int_equal(st.reported, 4);
	assert_int_equal(st.failures, 2 * 3);	/* 0..2 were never written */
	assert_image_has(b, 3);
}

/* Each damage gives an error naming it, never a crash or a quiet pass. */
static void expect_error(struct logbuf *b, const char *needle)
{
	struct replay_stats st;
	const char *err;
	int ret = run(b, &st, &err);

	assert_true(ret < 0);
	assert_non_null(err);
	if (!strstr(err, needle))
		fail_msg("error \"%s\" does not say \"%s\"", err, needle);
}

/* The log test_corrupt_logs damages: super, two 8-sector writes, a mark, a flush. */
#define MARK_AT (512 + 9 * 512 + 9 * 512)

static void test_corrupt_logs(void **state)
{
	struct logbuf *b = *state;
	static const struct {
		uint64_t off;		/* byte to set in the log built below */
		unsigned char val;
		const char *err;
	} cases[] = {
		{ 0, 0x00, "bad magic" },
		{ 8, 0x02, "unsupported log version" },
		{ 25, 0x00, "bad sector size" },			/* 512 -> 0 */
		{ 25, 0x03, "bad sector size" },			/* 512 -> 768 */
		{ 16, 0x40, "more entries than the log can hold" },
		{ 512 + 16, 0x20, "unknown flags" },
		{ 512 + 8, 0x00, "empty entry that is not a flush" },
		{ 512 + 6, 0x01, "beyond the end of the device" },
		{ 512 + 9, 0x10, "beyond the end of the device" },	/* 8 -> 4104 sectors */
		{ 512 + 24, 0x01, "data_len set on a write" },
		{ 512 + 16, LW_DISCARD | LW_FUA, "discard entry with FLUSH or FUA" },
		{ MARK_AT + 8, 0x01, "malformed mark" },		/* nr_sectors 1 */
		{ MARK_AT + 25, 0x02, "malformed mark" },		/* text > sector */
		{ MARK_AT + 24, 0x0f, "NUL byte" },			/* 15 bytes */
		{ MARK_AT + 32, 0x00, "NUL byte" },
		{ MARK_AT + 16, LW_MARK | LW_FLUSH, "malformed mark" },
		{ MARK_AT + 32 + 5, 'x', "bad record number" },		/* "done-x" */
	};
	size_t i, good_len;
	unsigned char *good;

	lb_rec(b, 0, LW_FUA);			/* entry 0: at byte 512, data 1024.. */
	lb_rec(b, 1, 0);			/* entry 1 */
	lb_mark(b, "done-1");			/* entry 2 */
	lb_flush(b);
	good_len = b->len;
	good = malloc(good_len);
	assert_non_null(good);
	memcpy(good, b->p, good_len);
	{
		struct replay_stats st;
		const char *err;

		assert_int_equal(run(b, &st, &err), 0);
		assert_int_equal(st.failures, 0);
	}
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		memcpy(b->p, good, good_len);
		b->p[cases[i].off] = cases[i].val;
		expect_error(b, cases[i].err);
	}

	/* Cut anywhere: inside a header, inside data, before the super's end. */
	memcpy(b->p, good, good_len);
	b->len = good_len - 512;		/* the last flush's header */
	expect_error(b, "entry header (truncated");
	b->len = 512 + 512 + 4096 - 1;		/* entry 0's data */
	expect_error(b, "inside an entry's data (truncated");
	b->len = 3 * 512;			/* room for 2 entries, the super says 4 */
	expect_error(b, "more entries than the log can hold");
	b->len = 20;
	expect_error(b, "shorter than its super");
	b->len = good_len;

	/* A mark that names a record beyond the device. */
	memcpy(b->p, good, good_len);
	b->len = good_len;
	lb_mark(b, "done-64");			/* DEV_SIZE / REC = 64 records: 0..63 */
	expect_error(b, "beyond the device");
	free(good);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_record_format),
		cmocka_unit_test_setup_teardown(test_good_log, setup, teardown),
		cmocka_unit_test_setup_teardown(test_reported_but_not_durable, setup, teardown),
		cmocka_unit_test_setup_teardown(test_corrupt_record, setup, teardown),
		cmocka_unit_test_setup_teardown(test_overwrite_after_durable, setup, teardown),
		cmocka_unit_test_setup_teardown(test_4k_sectors, setup, teardown),
		cmocka_unit_test_setup_teardown(test_corrupt_logs, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
